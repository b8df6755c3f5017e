#!/bin/bash
# iterd-model: the iterative model itself.  A second client waits until the
# first is done; -t drops a silent client; port 0 reports the port it got;
# SIGTERM lets the connection in hand finish, and a second one cuts it
# off, idle or busy.
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

# A second SIGTERM cuts the connection in hand off: an idle one, and a
# chargen reader that keeps the connection always ready to write.
for what in idle busy; do
	if [ "$what" = idle ]; then
		start_server iterd -v 127.0.0.1:0
		hold_client cut_idle "$SERVER_PORT"
		CLIENT=$HELD_PID
	else
		start_server iterd -v -s chargen 127.0.0.1:0
		# Reads all it can until the end, or a minute; says when it is.
		python3 - "$SERVER_PORT" "$T/reader" <<-'PY' &
		import socket, sys, time
		s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=60)
		got, deadline = 0, time.time() + 60
		while time.time() < deadline:
		    try:
		        chunk = s.recv(65536)
		    except ConnectionResetError:
		        break
		    if not chunk:
		        break
		    got += len(chunk)
		    if got >= 65536:
		        open(sys.argv[2] + ".reading", "a").close()
		PY
		CLIENT=$!
		wait_for_file "$T/reader.reading" || fail "the chargen reader got nothing"
	fi
	kill -TERM "$SERVER_PID"
	sleep 0.5
	kill -0 "$SERVER_PID" 2>/dev/null || fail "iterd did not let the $what connection finish"
	kill -TERM "$SERVER_PID"
	wait_gone "$SERVER_PID" 10 || fail "iterd still serving a $what client after a second SIGTERM"
	wait "$SERVER_PID" || fail "iterd exited $? after a second SIGTERM"
	grep -q ': cut off: the server is stopping$' "$SERVER_ERR" ||
	    fail "the $what connection was not cut off: $(cat "$SERVER_ERR")"
	kill "$CLIENT" 2>/dev/null
	wait "$CLIENT" 2>/dev/null
	ok "a second SIGTERM cuts the $what connection in hand off"
done

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

# Out of descriptors (EMFILE): see tests/lib.sh.
start_server iterd 127.0.0.1:0
sheds_out_of_descriptors iterd
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
