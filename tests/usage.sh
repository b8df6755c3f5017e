#!/bin/bash
# usage: bad addresses and options are usage errors: exit 2 and a message
# that says exactly what is wrong.  --help and --version exit 0.
. "${TOP_SRCDIR:?run the tests through make check}/tests/lib.sh" || exit 99


for prog in iterd forkd preforkd evd threadd prethreadd tcpcli; do
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
expect_usage "evd: -m 0: too small (1 to 1048576)" evd -m 0
expect_usage "evd: unknown mechanism 'select' (epoll, poll)" evd -e select
expect_usage "udpd: bad address '[::ffff:127.0.0.1]:0': an IPv4-mapped IPv6 address: write it as 127.0.0.1" \
    udpd '[::ffff:127.0.0.1]:0'
expect_usage "udpd: -r -1: too small (0 to 1000000)" udpd -r -1
expect_usage "unixdgd: -r x: not a number (0 to 1000000)" unixdgd -r x
expect_usage "preforkd: unknown strategy 'nope' (none, fcntl, mutex, pass, reuseport)" preforkd -l nope
expect_usage "preforkd: -n 0: too small (1 to 1024)" preforkd -n 0
expect_usage "preforkd: -r -1: too small (0 to 1000000000)" preforkd -r -1
expect_usage "preforkd: option '-l' needs a value" preforkd -l
expect_usage "threadd: -m 0: too small (1 to 65536)" threadd -m 0
expect_usage "prethreadd: unknown strategy 'nope' (none, mutex, main)" prethreadd -l nope
expect_usage "prethreadd: -n 0: too small (1 to 4096)" prethreadd -n 0
expect_usage "prethreadd: option '-l' needs a value" prethreadd -l
expect_usage "resolve: -r and -s exclude each other" resolve -r -s echo
expect_usage "resolve: unknown option '-t'" resolve -t
ok "usage errors exit 2 with the exact message"

# Options come first, by design (POSIX getopt): one given after the
# address is an extra operand, and the message says where it goes.
for prog in iterd forkd preforkd threadd prethreadd udpd tcpcli loadcli; do
	expect_usage "$prog: too many operands: '-v' (options go before the address)" \
	    $prog localhost:55555 -v
done
expect_usage "unixdgd: too many operands: '-v' (options go before the path)" unixdgd unix.sock -v
expect_usage "iterd: too many operands: 'extra'" iterd 55555 extra
[ ! -e unix.sock ] || fail "a usage error made a socket file"
ok "an option after the address: 'options go before the address'"

# --help says what the program is, each option with its default, and the
# forms of the address; a page's place is checked by man.sh.
for prog in iterd forkd preforkd threadd prethreadd udpd unixdgd tcpcli udpcli unixdgcli loadcli resolve; do
	run $prog --help >"$T/help" 2>"$T/help.err" || fail "$prog --help exited $?"
	[ ! -s "$T/help.err" ] || fail "$prog --help wrote to standard error"
	sed -n 2p "$T/help" | grep -q "^$prog: [a-z]" || fail "$prog --help does not say what it is: $(sed -n 2p "$T/help")"
	grep -qx 'Options, which go before the operands:' "$T/help" || fail "$prog --help: no options"
	# An option that takes a value says what it is without one.
	awk '/^                  / { line = line " " $0; next }
	    { if (line != "") print line; line = $0 } END { print line }' "$T/help" |
	    grep -E '^  -[A-Za-z0-9] [^ ]+  ' | grep -v '(default: ' >"$T/nodefault"
	[ ! -s "$T/nodefault" ] || fail "$prog --help gives no default for: $(cat "$T/nodefault")"
	case $prog in
	resolve) ;;
	unix*) grep -q '^  @NAME ' "$T/help" || fail "$prog --help has no address forms" ;;
	*) grep -q '^  \[IPV6\]:PORT ' "$T/help" || fail "$prog --help has no address forms" ;;
	esac
	[ "$(awk 'length > 80' "$T/help")" = "$(grep '^usage: ' "$T/help" | awk 'length > 80')" ] ||
	    fail "$prog --help has lines over 80 columns: $(awk 'length > 80' "$T/help")"
done
ok "--help: what each program is, every option with its default, the address forms"
