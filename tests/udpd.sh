#!/bin/bash
# udpd: every datagram service over UDP, byte for byte, on 127.0.0.1, ::1
# and the dual-stack wildcard; a datagram longer than 65507 bytes is
# dropped, counted and logged once per source, never answered truncated;
# -v counts received, answered and dropped; -d, SIGTERM and SIGINT; usage.
# (The guard against reserved source ports needs root: udpd-guard.sh.)
. "${TOP_SRCDIR:?run the tests through make check}/tests/lib.sh" || exit 99

have_ipv6() {
	python3 -c 'import socket; socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).bind(("::1", 0))' 2>/dev/null
}

# echo_sizes HOST PORT: random datagrams of 0, 1, 1472, 8192 and 65507
# bytes come back identical (python3).
echo_sizes() {
	python3 - "$1" "$2" <<'PY'
import os, socket, sys
host, port = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(20)
for n in (0, 1, 1472, 8192, 65507):
    data = os.urandom(n)
    s.sendto(data, (host, port))
    got = s.recv(70000)
    if got != data:
        sys.exit("echo of %d bytes: %d bytes came back, not the same" % (n, len(got)))
PY
}

# Printable messages of the same sizes, for the client: one a line in $T/msgs.
for n in 0 1 1472 8192 65507; do
	head -c $((n * 2)) /dev/urandom | base64 -w 0 | head -c "$n"
	echo
done >"$T/msgs"
mapfile -t msgs <"$T/msgs"

# client_sizes ADDRESS: the same sizes through udpcli, as operands and as
# lines of standard input, each reply on its own line.
client_sizes() {
	run udpcli -t 20 "$1" "${msgs[@]}" >"$T/back" || fail "udpcli $1 exited $?"
	cmp -s "$T/msgs" "$T/back" || fail "echo through udpcli $1 (operands) changed the bytes"
	run udpcli -t 20 "$1" <"$T/msgs" >"$T/back" || fail "udpcli $1 < msgs exited $?"
	cmp -s "$T/msgs" "$T/back" || fail "echo through udpcli $1 (lines) changed the bytes"
}

# too_long HOST PORT COUNT: COUNT datagrams of 65508 bytes get no reply;
# a short one after them does, so the server read them and went on.
too_long() {
	python3 - "$@" <<'PY'
import socket, sys
host, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.settimeout(20)
for _ in range(count):
    s.sendto(b"x" * 65508, (host, port))
s.sendto(b"after", (host, port))
got = s.recv(70000)
if got != b"after":
    sys.exit("a datagram of 65508 bytes was answered: %d bytes" % len(got))
PY
}

# echo over 127.0.0.1, with the counts of -v.
start_server udpd -v 127.0.0.1:0
grep -qx "udpd: listening on 127\.0\.0\.1:$SERVER_PORT (udp, echo)" "$SERVER_ERR" ||
    fail "start-up line: $(cat "$SERVER_ERR")"
echo_sizes 127.0.0.1 "$SERVER_PORT" || fail "echo over 127.0.0.1"
client_sizes "127.0.0.1:$SERVER_PORT"
stop_server "$SERVER_PID"
grep -Eq '^udpd: 127\.0\.0\.1:[0-9]+: echo: 65507 bytes in, 65507 out$' "$SERVER_ERR" ||
    fail "-v line: $(cat "$SERVER_ERR")"
grep -qx 'udpd: 15 datagrams received, 15 answered, 0 dropped' "$SERVER_ERR" ||
    fail "-v counts: $(cat "$SERVER_ERR")"
ok "echo of 0 to 65507 bytes over 127.0.0.1, byte for byte"

if have_ipv6; then
	start_server udpd -v '[::1]:0'
	grep -qx "udpd: listening on \[::1\]:$SERVER_PORT (udp, echo)" "$SERVER_ERR" ||
	    fail "start-up line: $(cat "$SERVER_ERR")"
	echo_sizes ::1 "$SERVER_PORT" || fail "echo over ::1"
	client_sizes "[::1]:$SERVER_PORT"
	# IPv6 carries 65527 bytes: more than the server takes.
	too_long ::1 "$SERVER_PORT" 3 || fail "too long over ::1"
	stop_server "$SERVER_PID"
	[ "$(grep -Ec '^udpd: \[::1\]:[0-9]+: echo: dropped: longer than 65507 bytes$' "$SERVER_ERR")" -eq 3 ] ||
	    fail "-v drop lines: $(cat "$SERVER_ERR")"
	grep -qx 'udpd: 19 datagrams received, 16 answered, 3 dropped' "$SERVER_ERR" ||
	    fail "-v counts with drops: $(cat "$SERVER_ERR")"
	ok "echo over ::1; datagrams too long are dropped and counted"

	# Without -v, one line per source a minute, however many are dropped.
	start_server udpd '[::1]:0'
	too_long ::1 "$SERVER_PORT" 4 || fail "too long over ::1"
	too_long ::1 "$SERVER_PORT" 2 || fail "too long over ::1, a second socket"
	stop_server "$SERVER_PID"
	[ "$(grep -c 'dropped' "$SERVER_ERR")" -eq 1 ] ||
	    fail "6 drops from one host: $(cat "$SERVER_ERR")"
	grep -Eqx 'udpd: \[::1\]:[0-9]+: echo: dropped: longer than 65507 bytes \(more from this source are not logged for a minute\)' "$SERVER_ERR" ||
	    fail "the drop line: $(cat "$SERVER_ERR")"
	ok "drops are logged once per source, not once per datagram"

	# The wildcard is one socket for both families; a v4 peer is shown as v4.
	start_server udpd -v 0
	grep -qx "udpd: listening on \[::\]:$SERVER_PORT (udp, echo)" "$SERVER_ERR" ||
	    fail "start-up line: $(cat "$SERVER_ERR")"
	[ "$(run udpcli -t 20 "127.0.0.1:$SERVER_PORT" v4)" = v4 ] || fail "the wildcard does not answer 127.0.0.1"
	[ "$(run udpcli -t 20 "[::1]:$SERVER_PORT" v6)" = v6 ] || fail "the wildcard does not answer ::1"
	stop_server "$SERVER_PID"
	grep -Eq '^udpd: 127\.0\.0\.1:[0-9]+: echo: 2 bytes in, 2 out$' "$SERVER_ERR" ||
	    fail "v4 peer of the wildcard: $(cat "$SERVER_ERR")"
	start_server udpd -6 0
	[ "$(run udpcli -t 20 "[::1]:$SERVER_PORT" six)" = six ] || fail "-6 does not answer ::1"
	run udpcli -t 20 "127.0.0.1:$SERVER_PORT" four >/dev/null 2>&1 && fail "-6 answered 127.0.0.1"
	stop_server "$SERVER_PID"
	start_server udpd -4 0
	grep -qx "udpd: listening on 0\.0\.0\.0:$SERVER_PORT (udp, echo)" "$SERVER_ERR" ||
	    fail "start-up line of -4: $(cat "$SERVER_ERR")"
	[ "$(run udpcli -t 20 "127.0.0.1:$SERVER_PORT" four)" = four ] || fail "-4 does not answer 127.0.0.1"
	run udpcli -t 20 "[::1]:$SERVER_PORT" six >/dev/null 2>&1 && fail "-4 answered ::1"
	stop_server "$SERVER_PID"
	ok "the wildcard is dual-stack; -4 and -6 keep to one family"
else
	echo "skipped: ::1, datagrams too long and the dual-stack wildcard (no IPv6 loopback here)"
fi

# daytime (RFC 867): the reply, as it comes (udpcli would add a newline
# to a reply without one), is one line with the time, ending in CR LF.
start_server udpd -s daytime 127.0.0.1:0
grep -qx "udpd: listening on 127\.0\.0\.1:$SERVER_PORT (udp, daytime)" "$SERVER_ERR" ||
    fail "start-up line: $(cat "$SERVER_ERR")"
python3 - "$SERVER_PORT" "$T/raw" <<'PY' || fail "no daytime reply over UDP"
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(20)
s.sendto(b"what time is it", ("127.0.0.1", int(sys.argv[1])))
open(sys.argv[2], "wb").write(s.recv(70000))
PY
is_daytime "$T/raw" || fail "daytime over UDP: $(od -c "$T/raw" | head -n 3)"
run udpcli -t 20 "127.0.0.1:$SERVER_PORT" "what time is it" >"$T/day" || fail "udpcli exited $?"
stop_server "$SERVER_PID"
[ "$(wc -l <"$T/day")" -eq 1 ] || fail "daytime: $(od -c "$T/day" | head -n 3)"
grep -Eqx $'[A-Z][a-z]{2} [A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} [0-9]{4}\r' "$T/day" ||
    fail "daytime line: $(od -c "$T/day" | head -n 3)"
ok "daytime"

# chargen (RFC 864): each reply is 0 to 512 bytes of the pattern, starting
# at the next line of it each time.
start_server udpd -s chargen 127.0.0.1:0
python3 - "$SERVER_PORT" <<'PY' || fail "chargen"
import socket, sys
lines = "".join("".join(chr(32 + (i + j) % 95) for j in range(72)) + "\r\n" for i in range(2 * 95)).encode()
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(20)
sizes = set()
for k in range(40):
    s.sendto(b"", ("127.0.0.1", int(sys.argv[1])))
    got = s.recv(70000)
    start = (k % 95) * 74
    if len(got) > 512 or got != lines[start:start + len(got)]:
        sys.exit("reply %d: %d bytes, not the pattern from line %d: %r" % (k, len(got), k, got[:80]))
    sizes.add(len(got))
if len(sizes) < 2:
    sys.exit("chargen replies are all %d bytes long" % sizes.pop())
PY
run udpcli -t 20 "127.0.0.1:$SERVER_PORT" x >"$T/chargen" || fail "udpcli to chargen exited $?"
stop_server "$SERVER_PID"
tr -d '\r\n' <"$T/chargen" | LC_ALL=C grep -q '[^ -~]' && fail "chargen through udpcli: $(head -c 200 "$T/chargen")"
ok "chargen"

# discard (RFC 863): nothing comes back; every datagram is counted.
start_server udpd -v -s discard 127.0.0.1:0
python3 - "$SERVER_PORT" <<'PY' || fail "discard"
import socket, sys
port = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for n in (0, 10, 65507):
    s.sendto(b"d" * n, ("127.0.0.1", port))
s.settimeout(1)
try:
    sys.exit("discard answered: %r" % s.recv(100)[:20])
except socket.timeout:
    pass
PY
run udpcli -t 1 -r 0 "127.0.0.1:$SERVER_PORT" gone 2>"$T/err" && fail "discard answered udpcli"
grep -qxF "udpcli: no reply from 127.0.0.1:$SERVER_PORT within 1 s (sent once; -r resends, -n does not wait)" "$T/err" || fail "udpcli to discard: $(cat "$T/err")"
stop_server "$SERVER_PID"
grep -Eq '^udpd: 127\.0\.0\.1:[0-9]+: discard: 65507 bytes in, no reply$' "$SERVER_ERR" ||
    fail "-v line of discard: $(cat "$SERVER_ERR")"
grep -qx 'udpd: 4 datagrams received, 0 answered, 0 dropped' "$SERVER_ERR" ||
    fail "discard counts: $(cat "$SERVER_ERR")"
ok "discard"

# print: each datagram a line on standard output, prefixed with the peer.
start_server udpd -s print 127.0.0.1:0
run udpcli -n "127.0.0.1:$SERVER_PORT" hello "two words" || fail "udpcli -n exited $?"
printf 'from stdin\n' | run udpcli -n "127.0.0.1:$SERVER_PORT" || fail "udpcli -n < stdin exited $?"
wait_for "$SERVER_ERR.out" ': from stdin$' || fail "print: nothing from stdin: $(cat "$SERVER_ERR.out")"
stop_server "$SERVER_PID" INT
grep -Eqx '127\.0\.0\.1:[0-9]+: hello' "$SERVER_ERR.out" || fail "print: $(cat "$SERVER_ERR.out")"
grep -Eqx '127\.0\.0\.1:[0-9]+: two words' "$SERVER_ERR.out" || fail "print: $(cat "$SERVER_ERR.out")"
[ "$(wc -l <"$SERVER_ERR.out")" -eq 3 ] || fail "print wrote: $(cat "$SERVER_ERR.out")"
ok "print; SIGINT stops the server with status 0"

# SIGTERM stops it under a steady stream too: with a datagram always
# waiting, the server never has to wait, which is where the signal would
# come in.  (Two python senders keep ahead of a server under valgrind,
# and often of one that is not.)
start_server udpd -v 127.0.0.1:0
for i in 1 2; do
	python3 - "$SERVER_PORT" "$T/flood.done" <<'PY' &
import os, socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
data, dst, deadline = b"f" * 512, ("127.0.0.1", int(sys.argv[1])), time.time() + 60
while not os.path.exists(sys.argv[2]) and time.time() < deadline:
    for _ in range(100):
        s.sendto(data, dst)
PY
	track $!
done
wait_for "$SERVER_ERR" ': echo: 512 bytes in, 512 out' || fail "the stream did not reach the server"
start=$SECONDS
stop_server "$SERVER_PID"
touch "$T/flood.done"
[ $((SECONDS - start)) -lt 10 ] || fail "SIGTERM under a stream took $((SECONDS - start)) s"
ok "SIGTERM stops the server under a steady stream of datagrams"

# -d: the parent returns once the daemon serves; SIGTERM removes the pidfile.
run udpd -d -p "$T/udpd.pid" 127.0.0.1:0 2>"$T/start.err" || fail "udpd -d exited $?: $(cat "$T/start.err")"
pid=$(cat "$T/udpd.pid")
track "$pid"
port=$(sed -n 's/^udpd: listening on 127\.0\.0\.1:\([0-9][0-9]*\) (udp, echo)$/\1/p' "$T/start.err")
[ "$(run udpcli -t 20 "127.0.0.1:$port" daemon)" = daemon ] || fail "the udpd daemon did not answer"
kill -TERM "$pid"
wait_gone "$pid" 20 || fail "the udpd daemon is still running after SIGTERM"
[ ! -e "$T/udpd.pid" ] || fail "the pidfile of udpd is still there"
ok "-d and -p"

# Usage errors: exit 2, the exact message, the usage line.
expect_usage "udpd: service 'bench' is not offered over datagrams" udpd -s bench
expect_usage "udpd: unknown service 'nope' (echo, discard, daytime, chargen, print)" udpd -s nope
expect_usage "udpd: unknown option '-b'" udpd -b 5
expect_usage "udpd: unknown option '-t'" udpd -t 5
expect_usage "udpd: bad address '70000': port out of range" udpd 70000
expect_usage "udpd: bad address '/tmp/udpd.sock': not an IP address and port" udpd /tmp/udpd.sock
expect_usage "udpd: bad address '::1:9877': IPv6 address needs brackets: [addr]:port" udpd ::1:9877
expect_usage "udpd: too many operands: '2'" udpd 1 2
run udpd --help >"$T/help" || fail "udpd --help exited $?"
grep -q '^usage: udpd ' "$T/help" || fail "udpd --help: $(cat "$T/help")"
ok "usage errors exit 2 with the exact message"
