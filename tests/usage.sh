#!/bin/bash
# usage: bad addresses and options are usage errors: exit 2 and a message
# that says exactly what is wrong.  --help and --version exit 0.
. "${TOP_SRCDIR:?run the tests through make check}/tests/lib.sh" || exit 99


for prog in iterd forkd preforkd tcpcli; do
	expect_usage "$prog: bad address '70000': port out of range" $prog 70000
	expect_usage "$prog: bad address '65536': port out of range" $prog 65536
	expect_usage "$prog: bad address '-1': port out of range" $prog -- -1
	expect_usage "$prog: bad address '[::1': missing ']'" $prog '[::1'
	expect_usage "$prog: bad address '[::1]x': trailing characters after ']'" $prog '[::1]x'
	expect_usage "$prog: bad address ':9877': empty host" $prog :9877
	expect_usage "$prog: bad address 'localhost:': empty port" $prog localhost:
	expect_usage "$prog: bad address '127.0.0.1:80x': trailing characters after port" $prog 127.0.0.1:80x
	expect_usage "$prog: bad address '::1:80': IPv6 address needs brackets: [addr]:port" $prog ::1:80
	expect_usage "$prog: bad address 'nosuchservice': unknown service 'nosuchservice'" $prog nosuchservice
	expect_usage "$prog: bad address '/tmp/sock': not an IP address and port" $prog /tmp/sock
	# Bound with IPV6_V6ONLY it would fail as "Invalid argument": say what to write.
	expect_usage "$prog: bad address '[::ffff:127.0.0.1]:0': an IPv4-mapped IPv6 address: write it as 127.0.0.1" \
	    $prog '[::ffff:127.0.0.1]:0'
	expect_usage "$prog: unknown option '-x'" $prog -x
	expect_usage "$prog: option '-t' needs a value" $prog -t
	expect_usage "$prog: -t abc: not a number (0 to 86400)" $prog -t abc
	expect_usage "$prog: -t 86401: too large (0 to 86400)" $prog -t 86401
	expect_usage "$prog: too many operands: '2'" $prog 1 2
	run $prog --help >"$T/help" || fail "$prog --help exited $?"
	grep -q "^usage: $prog " "$T/help" || fail "$prog --help: $(cat "$T/help")"
	run $prog -V >"$T/version" || fail "$prog -V exited $?"
	grep -Eqx "$prog \(tincan\) [0-9]+\.[0-9]+\.[0-9]+" "$T/version" || fail "$prog -V: $(cat "$T/version")"
done
expect_usage "iterd: unknown service 'nope' (echo, discard, daytime, chargen, bench, print)" iterd -s nope
expect_usage "iterd: -b 0: too small (1 to 65535)" iterd -b 0
expect_usage "iterd: bad address '/$(printf 'p%.0s' {1..107})': Unix path too long (max 107 bytes)" \
    iterd "/$(printf 'p%.0s' {1..107})"
expect_usage "forkd: -m 0: too small (1 to 65536)" forkd -m 0
expect_usage "udpd: bad address '[::ffff:127.0.0.1]:0': an IPv4-mapped IPv6 address: write it as 127.0.0.1" \
    udpd '[::ffff:127.0.0.1]:0'
expect_usage "udpd: -r -1: too small (0 to 1000000)" udpd -r -1
expect_usage "unixdgd: -r x: not a number (0 to 1000000)" unixdgd -r x
expect_usage "preforkd: unknown strategy 'nope' (none, fcntl, mutex, pass, reuseport)" preforkd -l nope
expect_usage "preforkd: -n 0: too small (1 to 1024)" preforkd -n 0
expect_usage "preforkd: -r -1: too small (0 to 1000000000)" preforkd -r -1
expect_usage "preforkd: option '-l' needs a value" preforkd -l
expect_usage "resolve: -r and -s exclude each other" resolve -r -s echo
expect_usage "resolve: unknown option '-t'" resolve -t
ok "usage errors exit 2 with the exact message"
