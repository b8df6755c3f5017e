#!/bin/bash
# unixdgcli: messages and replies over a Unix datagram socket; the reply
# address is an abstract name the kernel picks, so no file is made; where
# there is no such name (faked here with a preloaded bind), a file in
# $TMPDIR that is removed at exit and on SIGINT, SIGTERM and SIGHUP; -t and
# -r against a server that never answers; no server; usage errors.
. "${TOP_SRCDIR:?run the tests through make check}/tests/lib.sh" || exit 99

mkdir "$T/tmp"
export TMPDIR="$T/tmp"

# receiver NAME EVERY: a python3 Unix datagram socket at $T/NAME.sock that
# logs each datagram, a line each, to $T/NAME.got and each sender to
# $T/NAME.from, and answers every EVERY-th one (0: never).
receiver() {
	python3 - "$T/$1" "$2" <<'PY' &
import os, socket, sys, time
base, every = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(base + ".sock")
s.settimeout(0.05)
got = open(base + ".got", "ab", buffering=0)
frm = open(base + ".from", "a", buffering=1)
open(base + ".ready", "w").close()
n = 0
deadline = time.time() + 120
while not os.path.exists(base + ".done") and time.time() < deadline:
    try:
        data, peer = s.recvfrom(70000)
    except socket.timeout:
        continue
    n += 1
    got.write(data + b"\n")
    name = peer
    if isinstance(peer, bytes):     # an abstract name, or none
        name = "@" + peer[1:].decode() if peer else ""
    frm.write((name or "unnamed") + "\n")
    if every and n % every == 0 and name:
        s.sendto(data, peer)
os.unlink(base + ".sock")
PY
	track $!
	wait_for_file "$T/$1.ready" || fail "receiver $1 did not start"
}

now_ms() {
	date +%s%3N
}

# no_files WHEN: nothing is left in $TMPDIR.
no_files() {
	[ -z "$(ls -A "$TMPDIR")" ] || fail "$1: left in \$TMPDIR: $(ls -AR "$TMPDIR")"
}

# start_client NAME ARGS...: unixdgcli ARGS in the background, its own pid
# in CLIENT_PID (not a shell's: signals go to it), stderr in $T/NAME.err.
start_client() {
	local name=$1
	shift
	command_for unixdgcli
	( exec "${CMD[@]}" "$@" >"$T/$name.out" 2>"$T/$name.err" ) &
	CLIENT_PID=$!
	track "$CLIENT_PID"
}

# signal_while_waiting SIG STATUS ARGS...: a client waiting for a reply that
# never comes ends on SIG with STATUS, and leaves no file.
signal_while_waiting() {
	local sig=$1 want=$2 status
	shift 2
	: >"$T/silent.got"
	start_client "$sig" -r 0 -t 60 "$@" "$T/silent.sock" "waiting for $sig"
	wait_for "$T/silent.got" "waiting for $sig" || fail "the client did not send"
	[ -z "${EXPECT_FILE:-}" ] || [ -n "$(ls -A "$TMPDIR")" ] || fail "no reply file in \$TMPDIR while waiting"
	kill "-$sig" "$CLIENT_PID"
	wait_gone "$CLIENT_PID" 20 || fail "unixdgcli still running 20 s after SIG$sig"
	wait "$CLIENT_PID"
	status=$?
	[ "$status" -eq "$want" ] || fail "unixdgcli exited $status after SIG$sig, not $want: $(cat "$T/$sig.err")"
	[ ! -s "$T/$sig.err" ] || fail "SIG$sig: $(cat "$T/$sig.err")"
	no_files "after SIG$sig"
}

# Against unixdgd: each message and each line answered, from an abstract
# address the kernel picked.
start_server unixdgd -v "$T/d.sock"
run unixdgcli -t 20 "$T/d.sock" one "" "-3 dashes" >"$T/out" || fail "unixdgcli exited $?"
[ "$(cat "$T/out")" = "$(printf 'one\n\n-3 dashes')" ] || fail "replies: $(cat "$T/out")"
printf 'line 1\nline 2' | run unixdgcli -t 20 "$T/d.sock" >"$T/out" || fail "unixdgcli < lines exited $?"
[ "$(cat "$T/out")" = "$(printf 'line 1\nline 2')" ] || fail "replies to lines: $(cat "$T/out")"
stop_server "$SERVER_PID"
[ "$(grep -Ec '^unixdgd: @[0-9a-f]{5}: echo: [0-9]+ bytes in, [0-9]+ out$' "$SERVER_ERR")" -eq 5 ] ||
    fail "the clients' addresses: $(cat "$SERVER_ERR")"
no_files "after replies"
ok "messages and lines answered; the reply address is an abstract name"

# -t and -r against a server that never answers.
receiver silent 0
start=$(now_ms)
run unixdgcli -t 1 -r 2 "$T/silent.sock" hello unsent >"$T/out" 2>"$T/err"
status=$? took=$(($(now_ms) - start))
[ "$status" -eq 1 ] || fail "no reply exited $status"
[ "$(cat "$T/err")" = "unixdgcli: no reply from $T/silent.sock after 3 tries" ] || fail "no reply: $(cat "$T/err")"
[ "$took" -ge 3000 ] && [ "$took" -lt 20000 ] || fail "3 tries of 1 s took $took ms"
[ "$(cat "$T/silent.got")" = "$(printf 'hello\nhello\nhello')" ] || fail "the server got: $(cat "$T/silent.got")"
[ "$(sort -u "$T/silent.from" | grep -Ec '^@[0-9a-f]{5}$')" -eq 1 ] || fail "the client's address: $(cat "$T/silent.from")"
no_files "after no reply"
ok "no reply: 3 tries 1 s apart, then the error"

# The default, to a relative path as bind(2) takes it: sent once.
: >"$T/silent.got"
(cd "$T" && run unixdgcli silent.sock just-once) 2>"$T/err"
[ $? -eq 1 ] || fail "the default against a silent server did not exit 1"
[ "$(cat "$T/err")" = "unixdgcli: no reply from $T/silent.sock within 1 s (sent once; -r resends, -n does not wait)" ] || fail "the default: $(cat "$T/err")"
sleep 0.2	# a resend, were there one, would have come at 1 s
[ "$(cat "$T/silent.got")" = just-once ] || fail "the default: the server got: $(cat "$T/silent.got")"
no_files "after the default"
ok "a relative path; by default a message is sent once"

receiver second 2
run unixdgcli -t 1 -r 1 "$T/second.sock" abc >"$T/out" 2>"$T/err" || fail "unixdgcli exited $?: $(cat "$T/err")"
[ "$(cat "$T/out")" = abc ] || fail "the resent reply: $(cat "$T/out")"
[ "$(cat "$T/second.got")" = "$(printf 'abc\nabc')" ] || fail "the server got: $(cat "$T/second.got")"
touch "$T/second.done"
ok "a resend that is answered is taken"

# -n: sent from an unnamed socket, not waited for.
: >"$T/silent.got"
: >"$T/silent.from"
run unixdgcli -n -t 60 "$T/silent.sock" fire forget || fail "unixdgcli -n exited $?"
wait_for "$T/silent.got" '^forget$' || fail "-n: the server got: $(cat "$T/silent.got")"
[ "$(cat "$T/silent.got")" = "$(printf 'fire\nforget')" ] || fail "-n: the server got: $(cat "$T/silent.got")"
[ "$(sort -u "$T/silent.from")" = unnamed ] || fail "-n sent from an address: $(cat "$T/silent.from")"
ok "-n sends from an unnamed socket and does not wait"

signal_while_waiting INT 130
signal_while_waiting TERM 143
signal_while_waiting HUP 129
ok "SIGINT, SIGTERM and SIGHUP end a waiting client as the signal does"

# Where the kernel cannot pick an abstract name, the reply address is a
# file in $TMPDIR, removed at exit and on the signals.  Faked by a
# preloaded bind(2) that refuses the autobind.
cc=$(command -v cc || command -v gcc || true)
if [ -n "$cc" ]; then
	cat >"$T/noautobind.c" <<'C'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <sys/socket.h>
int
bind(int fd, const struct sockaddr *sa, socklen_t len)
{
	int (*real)(int, const struct sockaddr *, socklen_t) =
	    (int (*)(int, const struct sockaddr *, socklen_t))dlsym(RTLD_NEXT, "bind");
	if (sa->sa_family == AF_UNIX && len == sizeof(sa_family_t)) {
		errno = EINVAL;
		return -1;
	}
	return real(fd, sa, len);
}
C
	"$cc" -shared -fPIC -o "$T/noautobind.so" "$T/noautobind.c" -ldl ||
	    fail "the bind shim did not build"
	start_server unixdgd -v "$T/d.sock"
	LD_PRELOAD="$T/noautobind.so" run unixdgcli -t 20 "$T/d.sock" via-file >"$T/out" ||
	    fail "unixdgcli with a reply file exited $?"
	[ "$(cat "$T/out")" = via-file ] || fail "reply through a file: $(cat "$T/out")"
	stop_server "$SERVER_PID"
	grep -Fq "unixdgd: $TMPDIR/unixdgcli." "$SERVER_ERR" || fail "the reply file: $(cat "$SERVER_ERR")"
	no_files "after a reply to a file"
	export LD_PRELOAD="$T/noautobind.so"
	EXPECT_FILE=1 signal_while_waiting INT 130
	EXPECT_FILE=1 signal_while_waiting TERM 143
	EXPECT_FILE=1 signal_while_waiting HUP 129
	run unixdgcli -r 0 -t 1 "$T/silent.sock" timeout 2>/dev/null
	[ $? -eq 1 ] || fail "no reply to a file did not exit 1"
	no_files "after no reply to a file"
	run unixdgcli -n "$T/silent.sock" no-file || fail "unixdgcli -n exited $?"
	no_files "after -n"
	# sun_path holds 107 bytes: "$long/unixdgcli.XXXXXX/s" does not fit.
	long="$T/$(printf 'd%.0s' {1..90})"
	mkdir "$long"
	TMPDIR=$long run unixdgcli "$T/silent.sock" x 2>"$T/err"
	[ $? -eq 1 ] || fail "a long \$TMPDIR did not exit 1"
	[ "$(cat "$T/err")" = "unixdgcli: reply address in $long: File name too long" ] ||
	    fail "long \$TMPDIR: $(cat "$T/err")"
	unset LD_PRELOAD
	ok "a reply file in \$TMPDIR is removed at exit and on SIGINT, SIGTERM and SIGHUP"
else
	echo "skipped: the reply file in \$TMPDIR (no C compiler to fake a missing autobind)"
fi
touch "$T/silent.done"

# No server: the connect says so at once.
run unixdgcli -t 10 "$T/none.sock" x 2>"$T/err"
[ $? -eq 1 ] || fail "no server did not exit 1"
[ "$(cat "$T/err")" = "unixdgcli: connect to $T/none.sock: No such file or directory" ] || fail "no server: $(cat "$T/err")"
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).bind(sys.argv[1])' "$T/stale.sock"
run unixdgcli -t 10 "$T/stale.sock" x 2>"$T/err"
[ $? -eq 1 ] || fail "a stale socket did not exit 1"
[ "$(cat "$T/err")" = "unixdgcli: connect to $T/stale.sock: Connection refused" ] || fail "stale socket: $(cat "$T/err")"
no_files "after no server"
ok "no server, or a stale socket, is reported at once"

# Usage errors: exit 2, the exact message, the usage line.
long="/$(printf 'p%.0s' {1..107})"
expect_usage "unixdgcli: bad address '$long': Unix path too long (max 107 bytes)" unixdgcli "$long"
expect_usage "unixdgcli: unknown option '-4'" unixdgcli -4
expect_usage "unixdgcli: -t 0: too small (1 to 86400)" unixdgcli -t 0
expect_usage "unixdgcli: -r x: not a number (0 to 1000)" unixdgcli -r x
expect_usage "unixdgcli: message 2 is longer than 65507 bytes" unixdgcli "$T/d.sock" ok "$(head -c 65508 /dev/zero | tr '\0' x)"
run unixdgcli --help >"$T/help" || fail "unixdgcli --help exited $?"
grep -qx 'usage: unixdgcli \[-hnV\] \[-r retries\] \[-t timeout\] \[path \[message ...\]\]' "$T/help" ||
    fail "unixdgcli --help: $(cat "$T/help")"
no_files "after usage errors"
ok "usage errors exit 2 with the exact message"
