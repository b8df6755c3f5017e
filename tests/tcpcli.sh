#!/bin/bash
# tcpcli: a refused connect names the address; -t bounds a connect that
# gets no answer; end of input half-closes and the reply is still read; a
# server that closes first ends the client at once.
. "${TOP_SRCDIR:?run the tests through make check}/tests/lib.sh" || exit 99

# A port that was just free: a server stopped there.
start_server iterd 127.0.0.1:0
closed=$SERVER_PORT
stop_server "$SERVER_PID"
run tcpcli "127.0.0.1:$closed" </dev/null 2>"$T/err"
status=$?
[ "$status" -eq 1 ] || fail "a refused connect exited $status"
[ "$(cat "$T/err")" = "tcpcli: connect to 127.0.0.1:$closed: Connection refused" ] ||
    fail "refused: $(cat "$T/err")"
ok "a refused connect exits 1 naming the address"

# -t: a listener whose queue is full never answers the SYN.
python3 - "$T" <<'PY' &
import os, socket, sys, time
tmp = sys.argv[1]
l = socket.socket()
l.bind(("127.0.0.1", 0))
l.listen(0)
port = l.getsockname()[1]
fillers = []
for _ in range(4):                     # fill the accept queue
    c = socket.socket()
    c.setblocking(False)
    c.connect_ex(("127.0.0.1", port))
    fillers.append(c)
time.sleep(0.5)
with open(tmp + "/full.port", "w") as f:
    f.write(str(port))
deadline = time.time() + 30
while not os.path.exists(tmp + "/full.done") and time.time() < deadline:
    time.sleep(0.05)
PY
track $!
wait_for "$T/full.port" '[0-9]' || fail "the full listener did not start"
full=$(cat "$T/full.port")
start=$SECONDS
run tcpcli -t 1 "127.0.0.1:$full" </dev/null 2>"$T/err"
status=$?
touch "$T/full.done"
[ "$status" -eq 1 ] || fail "a connect with no answer exited $status"
[ "$(cat "$T/err")" = "tcpcli: connect to 127.0.0.1:$full: Connection timed out" ] ||
    fail "-t: $(cat "$T/err")"
[ $((SECONDS - start)) -lt 10 ] || fail "-t 1 took $((SECONDS - start)) s"
ok "-t bounds the connect"

# End of input: half-close, and the whole reply still comes back; the
# server sees the end of its input (it closes only after that).
start_server iterd -v -s echo 127.0.0.1:0
head -c 1000000 /dev/urandom >"$T/data"
run tcpcli "127.0.0.1:$SERVER_PORT" <"$T/data" >"$T/back" || fail "tcpcli exited $?"
cmp -s "$T/data" "$T/back" || fail "the reply after the half-close is not whole"
stop_server "$SERVER_PID"
ok "end of input half-closes and the reply is read to the end"

# A server that closes first ends the client, though its input is open.
start_server iterd -s daytime 127.0.0.1:0
mkfifo "$T/input"
exec 7<>"$T/input"		# a writer that never writes keeps the input open
RUN_LIMIT=10 run tcpcli "127.0.0.1:$SERVER_PORT" <"$T/input" >"$T/day"
status=$?
exec 7>&-
[ "$status" -eq 0 ] || fail "tcpcli exited $status when the server closed first"
[ "$(wc -l <"$T/day")" -eq 1 ] || fail "daytime through tcpcli: $(cat "$T/day")"
# ... and with more input on its way than the server will ever read.
head -c 50000000 /dev/zero | run tcpcli "127.0.0.1:$SERVER_PORT" >"$T/day" 2>"$T/err" ||
    fail "tcpcli with unread input exited $?: $(cat "$T/err")"
[ "$(wc -l <"$T/day")" -eq 1 ] || fail "daytime with unread input: $(cat "$T/day")"
stop_server "$SERVER_PID"
ok "a server that closes ends the client, its reply whole"

# Binary safety both ways: every byte value, NULs included.
start_server iterd 127.0.0.1:0
python3 -c 'import sys; sys.stdout.buffer.write(bytes(range(256)) * 4096)' >"$T/bytes"
run tcpcli "127.0.0.1:$SERVER_PORT" <"$T/bytes" >"$T/bytes.back" || fail "tcpcli exited $?"
cmp -s "$T/bytes" "$T/bytes.back" || fail "tcpcli is not binary-safe"
stop_server "$SERVER_PID"
ok "every byte value goes through"
