#!/bin/bash
# iterd-model: the iterative model itself.  A second client waits until the
# first is done; -t drops a silent client; port 0 reports the port it got;
# SIGTERM lets the connection in hand finish.
. "${TOP_SRCDIR:?run the tests through make check}/tests/lib.sh" || exit 99

# Port 0: the kernel picks, the start-up line tells.
start_server iterd -v 127.0.0.1:0
[ "$SERVER_PORT" -gt 0 ] || fail "no port in the start-up line"
grep -qx "iterd: listening on 127.0.0.1:$SERVER_PORT (tcp, echo)" "$SERVER_ERR" ||
    fail "start-up line: $(cat "$SERVER_ERR")"
ok "port 0 is reported as $SERVER_PORT"

# The second client is served only once the first is done.
hold_client first "$SERVER_PORT"
printf 'second\n' | run tcpcli "127.0.0.1:$SERVER_PORT" >"$T/second" &
SECOND=$!
wait_queued "$SERVER_PORT" 1 "$T/second" ||
    fail "the second client is not waiting in the listen queue"
[ ! -s "$T/second" ] || fail "the second client was served while the first was connected"
release_client first || fail "the first client failed"
wait "$SECOND" || fail "the second client failed"
[ "$(cat "$T/second")" = second ] || fail "the second client got '$(cat "$T/second")'"
ok "a second client waits for the first"

# SIGTERM: the connection in hand finishes, then iterd exits 0.
hold_client inflight "$SERVER_PORT"
kill -TERM "$SERVER_PID"
# SIGTERM stays pending while iterd serves: it lets signals in where it waits.
wait_asleep "$SERVER_PID" || fail "iterd left during a connection"
release_client inflight || fail "the connection in flight was cut"
wait_gone "$SERVER_PID" 20 || fail "iterd did not stop after the connection"
wait "$SERVER_PID" || fail "iterd exited $? after SIGTERM"
grep -q "iterd: 3 connections, " "$SERVER_ERR" || fail "summary: $(cat "$SERVER_ERR")"
ok "SIGTERM lets the connection in flight finish"

# -t: a client that says nothing is dropped after the idle limit.
start_server iterd -v -t 1 127.0.0.1:0
python3 - "$SERVER_PORT" <<'PY' || fail "the silent client was not dropped"
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
start = time.time()
if s.recv(1) != b"":
    sys.exit("got data")
if not 0.5 < time.time() - start < 8:
    sys.exit("dropped after %.1f s" % (time.time() - start))
PY
stop_server "$SERVER_PID"
grep -q ': echo: idle for 1 s, dropped' "$SERVER_ERR" || fail "-t not logged: $(cat "$SERVER_ERR")"
ok "-t drops a silent client"

# Out of descriptors (EMFILE): the pending client is shed with the spare
# descriptor at once, not left to spin accept; it is logged once; and the
# server serves again once descriptors are back.
if [ -n "${TINCAN_VALGRIND:-}" ]; then SHED_LIMIT=10; else SHED_LIMIT=3; fi
start_server iterd 127.0.0.1:0
lowest_free=$(($(ls /proc/"$SERVER_PID"/fd | awk '$1 < 1000' | sort -n | tail -n 1) + 1))
soft=$(prlimit --pid "$SERVER_PID" --nofile --noheadings --output SOFT)
prlimit --pid "$SERVER_PID" --nofile="$lowest_free:" || fail "prlimit"
ticks_before=$(awk '{ print $14 + $15 }' /proc/"$SERVER_PID"/stat)
for k in 1 2 3; do
	# The client is closed on at once (EOF or a reset), never echoed: a
	# client held in the queue, or accepted and kept, would hear nothing.
	python3 - "$SERVER_PORT" "$SHED_LIMIT" <<'PY' || fail "client $k out of descriptors"
import socket, sys, time
port, limit = int(sys.argv[1]), float(sys.argv[2])
s = socket.create_connection(("127.0.0.1", port), timeout=limit)
start = time.time()
try:
    s.sendall(b"shed\n")
    got = s.recv(100)
except ConnectionResetError:
    got = b""
except socket.timeout:
    sys.exit("held, not shed: no end of file or reset in %g s" % limit)
if got:
    sys.exit("served out of descriptors: %r" % got)
print("shed after %.3f s" % (time.time() - start))
PY
done
sleep 1
ticks=$(($(awk '{ print $14 + $15 }' /proc/"$SERVER_PID"/stat) - ticks_before))
[ "$ticks" -lt 50 ] || fail "iterd used $ticks ticks of CPU out of descriptors"
[ "$(grep -c 'accept: Too many open files: shedding connections' "$SERVER_ERR")" -eq 1 ] ||
    fail "EMFILE was not logged once: $(cat "$SERVER_ERR")"
prlimit --pid "$SERVER_PID" --nofile="$soft:" || fail "prlimit"
[ "$(echo back | run tcpcli "127.0.0.1:$SERVER_PORT")" = back ] || fail "iterd did not recover"
stop_server "$SERVER_PID"
ok "EMFILE sheds the client, is logged once, and does not spin"

# Below even the spare descriptor: nothing can be accepted, so the server
# waits (without spinning) and still stops at once on SIGTERM.
start_server iterd 127.0.0.1:0
spare=$(ls /proc/"$SERVER_PID"/fd | awk '$1 < 1000' | sort -n | tail -n 1)
prlimit --pid "$SERVER_PID" --nofile="$spare:" || fail "prlimit"
echo stuck | RUN_LIMIT=30 run tcpcli "127.0.0.1:$SERVER_PORT" >/dev/null 2>&1 &
for ((i = 0; i < START_LIMIT * 20; i++)); do
	[ "$(queued "$SERVER_PORT")" = 1 ] && break
	sleep 0.05
done
[ "$(queued "$SERVER_PORT")" = 1 ] || fail "the client is not waiting in the listen queue"
ticks_before=$(awk '{ print $14 + $15 }' /proc/"$SERVER_PID"/stat)
sleep 1
ticks=$(($(awk '{ print $14 + $15 }' /proc/"$SERVER_PID"/stat) - ticks_before))
[ "$ticks" -lt 50 ] || fail "iterd used $ticks ticks in a second with no descriptor to spare"
kill -TERM "$SERVER_PID"
wait_gone "$SERVER_PID" 3 || fail "iterd out of descriptors did not stop on SIGTERM"
wait "$SERVER_PID" || fail "iterd exited $? after SIGTERM"
ok "out of descriptors, even the spare: no spin, and SIGTERM still stops it"
