#!/bin/bash
# iterd-services: every stream service, through tcpcli and through nc or
# python3, byte for byte.
. "${TOP_SRCDIR:?run the tests through make check}/tests/lib.sh" || exit 99

head -c 4194304 /dev/urandom >"$T/random"

# echo (RFC 862): a 4 MiB random file comes back identical.
start_server iterd -v -s echo 127.0.0.1:0
run tcpcli "127.0.0.1:$SERVER_PORT" <"$T/random" >"$T/back" || fail "tcpcli exited $?"
cmp -s "$T/random" "$T/back" || fail "echo through tcpcli changed the bytes"
timeout 30 nc -N 127.0.0.1 "$SERVER_PORT" <"$T/random" >"$T/back.nc" || fail "nc exited $?"
cmp -s "$T/random" "$T/back.nc" || fail "echo through nc changed the bytes"
stop_server "$SERVER_PID"
grep -q ': echo: 4194304 bytes in, 4194304 out' "$SERVER_ERR" || fail "-v line: $(cat "$SERVER_ERR")"
ok "echo"

# discard (RFC 863): everything is read, nothing comes back.
start_server iterd -v -s discard 127.0.0.1:0
run tcpcli "127.0.0.1:$SERVER_PORT" <"$T/random" >"$T/back" || fail "tcpcli exited $?"
[ ! -s "$T/back" ] || fail "discard sent something back"
timeout 30 nc -N 127.0.0.1 "$SERVER_PORT" <"$T/random" >"$T/back.nc" || fail "nc exited $?"
[ ! -s "$T/back.nc" ] || fail "discard sent something back to nc"
stop_server "$SERVER_PID"
[ "$(grep -c ': discard: 4194304 bytes in, 0 out' "$SERVER_ERR")" -eq 2 ] ||
    fail "discard did not read all: $(cat "$SERVER_ERR")"
ok "discard"

# daytime (RFC 867): one line, CRLF-terminated, then the server closes.
start_server iterd -s daytime 127.0.0.1:0
run tcpcli "127.0.0.1:$SERVER_PORT" </dev/null >"$T/day" || fail "tcpcli exited $?"
timeout 30 nc -N 127.0.0.1 "$SERVER_PORT" </dev/null >"$T/day.nc" || fail "nc exited $?"
stop_server "$SERVER_PID"
for f in "$T/day" "$T/day.nc"; do
	[ "$(wc -l <"$f")" -eq 1 ] || fail "daytime sent $(wc -l <"$f") lines"
	grep -Eq $'^[A-Z][a-z]{2} [A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} [0-9]{4}\r$' "$f" ||
	    fail "daytime line: $(od -c "$f" | head -n 3)"
done
ok "daytime"

# chargen (RFC 864): the rotating 72-column pattern, until the client goes.
python3 - >"$T/pattern" <<'PY'
import sys
for i in range(200):
    sys.stdout.write("".join(chr(32 + (i + j) % 95) for j in range(72)) + "\r\n")
PY
start_server iterd -s chargen 127.0.0.1:0
# tcpcli stops at the broken pipe of head; its status says so, not the data.
run tcpcli "127.0.0.1:$SERVER_PORT" </dev/null 2>/dev/null | head -c 14800 >"$T/chargen"
cmp -s "$T/pattern" "$T/chargen" || fail "chargen pattern through tcpcli"
python3 - "$SERVER_PORT" >"$T/chargen.py" <<'PY' || fail "python chargen client"
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
got = b""
while len(got) < 14800:
    chunk = s.recv(65536)
    if not chunk:
        sys.exit("chargen closed early")
    got += chunk
s.close()
sys.stdout.buffer.write(got[:14800])
PY
cmp -s "$T/pattern" "$T/chargen.py" || fail "chargen pattern through python"
stop_server "$SERVER_PID"
ok "chargen"

# bench (UNP chapter 30): "N\n" gets exactly N bytes, again and again.
start_server iterd -s bench 127.0.0.1:0
printf '100000\n' | run tcpcli "127.0.0.1:$SERVER_PORT" >"$T/bench" || fail "tcpcli exited $?"
[ "$(wc -c <"$T/bench")" -eq 100000 ] || fail "bench 100000 gave $(wc -c <"$T/bench") bytes"
python3 - "$SERVER_PORT" <<'PY' || fail "bench through python"
import socket, sys
port = int(sys.argv[1])
def readn(s, n):
    got = b""
    while len(got) < n:
        chunk = s.recv(n - len(got))
        if not chunk:
            sys.exit("closed after %d of %d bytes" % (len(got), n))
        got += chunk
    return got
s = socket.create_connection(("127.0.0.1", port), timeout=10)
for n in (1, 16, 16777216):
    s.sendall(b"%d\n" % n)
    readn(s, n)
s.sendall(b"3\n5\n")          # two requests in one segment
readn(s, 8)
s.settimeout(0.5)
try:
    extra = s.recv(1)
except socket.timeout:
    extra = None
if extra is not None:
    sys.exit("bench sent more than asked")
s.settimeout(10)
s.sendall(b"abc\n")           # not a number: the server closes
if s.recv(1) != b"":
    sys.exit("bench answered a bad request")
s.close()
PY
stop_server "$SERVER_PID"
grep -q 'bench: not a number: "abc"' "$SERVER_ERR" || fail "bad request not logged: $(cat "$SERVER_ERR")"
ok "bench"

# print: each line on standard output, prefixed with the peer's address.
start_server iterd -s print 127.0.0.1:0
printf 'hello\nworld\n' | run tcpcli "127.0.0.1:$SERVER_PORT" || fail "tcpcli exited $?"
printf 'from nc\n' | timeout 30 nc -N 127.0.0.1 "$SERVER_PORT" || fail "nc exited $?"
wait_for "$SERVER_ERR.out" 'from nc$' || fail "print: nothing from nc"
stop_server "$SERVER_PID"
grep -Eq '^127\.0\.0\.1:[0-9]+: hello$' "$SERVER_ERR.out" || fail "print: $(cat "$SERVER_ERR.out")"
grep -Eq '^127\.0\.0\.1:[0-9]+: world$' "$SERVER_ERR.out" || fail "print: $(cat "$SERVER_ERR.out")"
grep -Eq '^127\.0\.0\.1:[0-9]+: from nc$' "$SERVER_ERR.out" || fail "print: $(cat "$SERVER_ERR.out")"
ok "print"
