#!/bin/bash
# iterd-model: the iterative model itself.  A second client waits until the
# first is done; -t drops a silent client; port 0 reports the port it got;
# SIGTERM lets the connection in hand finish.
. "${TOP_SRCDIR:?run the tests through make check}/tests/lib.sh" || exit 99

# A client that connects, is served once, then holds the connection open
# until told to go (the file $T/release appears), then says one more thing.
hold_client() {
	python3 - "$1" "$T" <<'PY' &
import os, socket, sys, time
port, tmp = int(sys.argv[1]), sys.argv[2]
s = socket.create_connection(("127.0.0.1", port), timeout=20)
s.sendall(b"first\n")
assert s.recv(100) == b"first\n"
open(tmp + "/held", "w").close()
deadline = time.time() + 20
while not os.path.exists(tmp + "/release") and time.time() < deadline:
    time.sleep(0.05)
s.sendall(b"last\n")
assert s.recv(100) == b"last\n", "the held connection was not finished"
s.close()
open(tmp + "/done", "w").close()
PY
	HOLDER=$!
	track "$HOLDER"
	wait_for_file "$T/held" || fail "the first client was not served"
}

wait_for_file() {
	local i
	for ((i = 0; i < 200; i++)); do
		[ -e "$1" ] && return 0
		sleep 0.05
	done
	return 1
}

# Port 0: the kernel picks, the start-up line tells.
start_server iterd -v 127.0.0.1:0
[ "$SERVER_PORT" -gt 0 ] || fail "no port in the start-up line"
grep -qx "iterd: listening on 127.0.0.1:$SERVER_PORT (tcp, echo)" "$SERVER_ERR" ||
    fail "start-up line: $(cat "$SERVER_ERR")"
ok "port 0 is reported as $SERVER_PORT"

# The second client is served only once the first is done.
hold_client "$SERVER_PORT"
printf 'second\n' | run tcpcli "127.0.0.1:$SERVER_PORT" >"$T/second" &
SECOND=$!
track "$SECOND"
sleep 1
[ ! -s "$T/second" ] || fail "the second client was served while the first was connected"
touch "$T/release"
wait "$SECOND" || fail "the second client failed"
wait "$HOLDER" || fail "the first client failed"
[ "$(cat "$T/second")" = second ] || fail "the second client got '$(cat "$T/second")'"
ok "a second client waits for the first"

# SIGTERM: the connection in hand finishes, then iterd exits 0.
rm -f "$T/held" "$T/release" "$T/done"
hold_client "$SERVER_PORT"
kill -TERM "$SERVER_PID"
sleep 0.5
kill -0 "$SERVER_PID" 2>/dev/null || fail "iterd left during a connection"
touch "$T/release"
wait "$HOLDER" || fail "the connection in flight was cut"
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
