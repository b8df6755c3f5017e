#!/bin/bash
# udpcli: each message a datagram and each reply a line; a server that
# never answers gets -r resends, -t seconds apart, then the exact error; a
# resend that is answered is taken; a closed port is reported at once;
# -n sends without waiting; messages too long; usage errors.
. "${TOP_SRCDIR:?run the tests through make check}/tests/lib.sh" || exit 99

# receiver NAME EVERY: a python3 UDP socket on 127.0.0.1 that logs each
# datagram it gets, a line each, to $T/NAME.got, and answers every EVERY-th
# one (0: never).  Sets RECV_PORT.
receiver() {
	python3 - "$T/$1" "$2" <<'PY' &
import os, socket, sys, time
base, every = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
s.settimeout(0.05)
log = open(base + ".got", "ab", buffering=0)   # appended: the test empties it
with open(base + ".tmp", "w") as f:
    f.write(str(s.getsockname()[1]))
os.rename(base + ".tmp", base + ".port")
n = 0
deadline = time.time() + 120
while not os.path.exists(base + ".done") and time.time() < deadline:
    try:
        data, peer = s.recvfrom(70000)
    except socket.timeout:
        continue
    n += 1
    log.write(data + b"\n")
    if every and n % every == 0:
        s.sendto(data, peer)
PY
	track $!
	wait_for_file "$T/$1.port" || fail "receiver $1 did not start"
	RECV_PORT=$(cat "$T/$1.port")
}

now_ms() {
	date +%s%3N
}

# -t and -r against a server that reads and never answers.
receiver silent 0
start=$(now_ms)
run udpcli -t 1 -r 2 "127.0.0.1:$RECV_PORT" hello unsent >"$T/out" 2>"$T/err"
status=$? took=$(($(now_ms) - start))
[ "$status" -eq 1 ] || fail "no reply exited $status"
[ "$(cat "$T/err")" = "udpcli: no reply from 127.0.0.1:$RECV_PORT after 3 tries" ] || fail "no reply: $(cat "$T/err")"
[ ! -s "$T/out" ] || fail "no reply printed: $(cat "$T/out")"
[ "$took" -ge 3000 ] || fail "3 tries of 1 s took $took ms"
[ "$took" -lt 20000 ] || fail "3 tries of 1 s took $took ms"
[ "$(printf 'hello\n%.0s' 1 2 3)" = "$(cat "$T/silent.got")" ] || fail "the server got: $(cat "$T/silent.got")"
ok "no reply: 3 tries 1 s apart, then the error; the next message is not sent"

: >"$T/silent.got"
start=$(now_ms)
run udpcli -r 0 -t 2 "127.0.0.1:$RECV_PORT" once 2>"$T/err"
status=$? took=$(($(now_ms) - start))
[ "$status" -eq 1 ] || fail "-r 0 exited $status"
[ "$(cat "$T/err")" = "udpcli: no reply from 127.0.0.1:$RECV_PORT within 2 s (sent once; -r resends, -n does not wait)" ] || fail "-r 0: $(cat "$T/err")"
[ "$took" -ge 2000 ] || fail "-t 2 took $took ms"
[ "$(cat "$T/silent.got")" = once ] || fail "the server got: $(cat "$T/silent.got")"
ok "-r 0 -t 2: one try of 2 s"

# The default: sent once, never resent, so a server that only prints a
# message sees it once.
: >"$T/silent.got"
run udpcli "127.0.0.1:$RECV_PORT" just-once 2>"$T/err"
[ $? -eq 1 ] || fail "the default against a silent server did not exit 1"
[ "$(cat "$T/err")" = "udpcli: no reply from 127.0.0.1:$RECV_PORT within 1 s (sent once; -r resends, -n does not wait)" ] || fail "the default: $(cat "$T/err")"
sleep 0.2	# a resend, were there one, would have come at 1 s
[ "$(cat "$T/silent.got")" = just-once ] || fail "the default: the server got: $(cat "$T/silent.got")"
ok "by default a message is sent once, and the error says how to resend"

# -n: sent, and not waited for.
: >"$T/silent.got"
start=$(now_ms)
run udpcli -n -t 60 "127.0.0.1:$RECV_PORT" a "b c" || fail "udpcli -n exited $?"
printf 'd\ne\n' | run udpcli -n -t 60 "127.0.0.1:$RECV_PORT" || fail "udpcli -n < stdin exited $?"
took=$(($(now_ms) - start))
[ "$took" -lt 30000 ] || fail "-n took $took ms"
wait_for "$T/silent.got" '^e$' || fail "-n: the server got: $(cat "$T/silent.got")"
[ "$(cat "$T/silent.got")" = "$(printf 'a\nb c\nd\ne')" ] || fail "-n: the server got: $(cat "$T/silent.got")"
ok "-n sends each message and does not wait"
touch "$T/silent.done"

# A server that answers only the second copy: the resend is answered.
receiver second 2
run udpcli -t 1 -r 2 "127.0.0.1:$RECV_PORT" abc def >"$T/out" 2>"$T/err" || fail "udpcli exited $?: $(cat "$T/err")"
[ "$(cat "$T/out")" = "$(printf 'abc\ndef')" ] || fail "resent replies: $(cat "$T/out")"
[ "$(cat "$T/second.got")" = "$(printf 'abc\nabc\ndef\ndef')" ] || fail "the server got: $(cat "$T/second.got")"
touch "$T/second.done"
ok "a resend that is answered is taken"

# A closed port: the ICMP error ends the client at once, naming the address.
start_server udpd 127.0.0.1:0
closed=$SERVER_PORT
# Options after the address are messages; each reply is on a line of its own.
run udpcli -t 20 "127.0.0.1:$closed" -n "" $'ends in a newline\n' >"$T/out" || fail "udpcli exited $?"
[ "$(od -c "$T/out")" = "$(printf -- '-n\n\nends in a newline\n' | od -c)" ] || fail "replies: $(od -c "$T/out")"
stop_server "$SERVER_PID"
start=$(now_ms)
run udpcli -t 10 -r 2 "127.0.0.1:$closed" knock 2>"$T/err"
status=$? took=$(($(now_ms) - start))
[ "$status" -eq 1 ] || fail "a closed port exited $status"
[ "$(cat "$T/err")" = "udpcli: 127.0.0.1:$closed: Connection refused" ] || fail "closed port: $(cat "$T/err")"
[ "$took" -lt 10000 ] || fail "a closed port took $took ms: the retries were waited out"
ok "a closed port is reported at once"

# Messages longer than a datagram.
long=$(head -c 65508 /dev/zero | tr '\0' x)
run udpcli "127.0.0.1:$closed" "$long" 2>"$T/err"
[ $? -eq 2 ] || fail "a message of 65508 bytes did not exit 2"
[ "$(head -n 1 "$T/err")" = "udpcli: message 1 is longer than 65507 bytes" ] || fail "long message: $(head -n 1 "$T/err")"
receiver echo 1
printf 'short\n%s\n' "$long" | run udpcli -t 20 "127.0.0.1:$RECV_PORT" >"$T/out" 2>"$T/err"
[ $? -eq 1 ] || fail "a line of 65508 bytes did not exit 1"
[ "$(cat "$T/err")" = "udpcli: line 2 of standard input is longer than 65507 bytes" ] || fail "long line: $(cat "$T/err")"
[ "$(cat "$T/out")" = short ] || fail "the line before the long one: $(cat "$T/out")"
touch "$T/echo.done"
ok "a message or a line longer than 65507 bytes is an error"

# A family the address does not have.
run udpcli -6 127.0.0.1:9877 x 2>"$T/err"
[ $? -eq 1 ] || fail "-6 with an IPv4 address did not exit 1"
grep -q '^udpcli: 127\.0\.0\.1: ' "$T/err" || fail "-6 with an IPv4 address: $(cat "$T/err")"
ok "-6 with an IPv4 address is an error"

# Usage errors: exit 2, the exact message, the usage line.
expect_usage "udpcli: unknown option '-x'" udpcli -x
expect_usage "udpcli: option '-t' needs a value" udpcli -t
expect_usage "udpcli: -t 0: too small (1 to 86400)" udpcli -t 0
expect_usage "udpcli: -t abc: not a number (1 to 86400)" udpcli -t abc
expect_usage "udpcli: -r -1: too small (0 to 1000)" udpcli -r -1
expect_usage "udpcli: -r 1001: too large (0 to 1000)" udpcli -r 1001
expect_usage "udpcli: bad address '70000': port out of range" udpcli 70000
expect_usage "udpcli: bad address '[::1': missing ']'" udpcli '[::1' hello
expect_usage "udpcli: bad address '/tmp/udpd.sock': not an IP address and port" udpcli /tmp/udpd.sock
run udpcli --help >"$T/help" || fail "udpcli --help exited $?"
grep -qx 'usage: udpcli \[-46hnV\] \[-r retries\] \[-t timeout\] \[address \[message ...\]\]' "$T/help" ||
    fail "udpcli --help: $(cat "$T/help")"
run udpcli -V >"$T/version" || fail "udpcli -V exited $?"
grep -Eqx 'udpcli \(tincan\) [0-9]+\.[0-9]+\.[0-9]+' "$T/version" || fail "udpcli -V: $(cat "$T/version")"
ok "usage errors exit 2 with the exact message"
