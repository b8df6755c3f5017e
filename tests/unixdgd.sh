#!/bin/bash
# unixdgd: every datagram service on a Unix path and an abstract name,
# byte for byte; a sender with no address is served but not answered, and
# counted; datagrams too long are dropped and logged once per source; -m
# sets the file's mode through the umask; an existing path is removed only
# when it is a stale socket; the file is removed at exit, also after -d.
. "${TOP_SRCDIR:?run the tests through make check}/tests/lib.sh" || exit 99

# py_client SERVER ME: python3 bound at ME, talking to SERVER (a path or
# @name); the program on standard input, with `s` the socket and `dst`
# the server.
py_client() {
	python3 - "$@" 3<&0 <<'PY'
import os, socket, sys
dst, me = sys.argv[1], sys.argv[2]
if dst.startswith("@"):
    dst = "\0" + dst[1:]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
if me != "-":
    s.bind(me)
s.settimeout(20)
try:
    exec(os.fdopen(3).read())
finally:
    if me != "-":
        os.unlink(me)
PY
}

ECHO_SIZES='
for n in (0, 1, 1472, 8192, 65507):
    data = os.urandom(n)
    s.sendto(data, dst)
    got = s.recv(70000)
    if got != data:
        sys.exit("echo of %d bytes: %d bytes came back, not the same" % (n, len(got)))
'
# Three datagrams too long, then one that is answered: they were read.
TOO_LONG='
for _ in range(3):
    s.sendto(b"x" * 65508, dst)
s.sendto(b"after", dst)
got = s.recv(70000)
if got != b"after":
    sys.exit("a datagram of 65508 bytes was answered: %d bytes" % len(got))
'
UNNAMED='s.sendto(b"anon", dst)'

for n in 0 1 1472 8192 65507; do
	head -c $((n * 2)) /dev/urandom | base64 -w 0 | head -c "$n"
	echo
done >"$T/msgs"
mapfile -t msgs <"$T/msgs"

# echo on a path: python3 and unixdgcli, too long, and an unnamed sender.
start_server unixdgd -v "$T/d.sock"
grep -Fqx "unixdgd: listening on $T/d.sock (unix, echo)" "$SERVER_ERR" ||
    fail "start-up line: $(cat "$SERVER_ERR")"
[ -S "$T/d.sock" ] || fail "no socket at $T/d.sock"
echo "$ECHO_SIZES" | py_client "$T/d.sock" "$T/py.sock" || fail "echo through python"
run unixdgcli -t 20 "$T/d.sock" "${msgs[@]}" >"$T/back" || fail "unixdgcli exited $?"
cmp -s "$T/msgs" "$T/back" || fail "echo through unixdgcli (operands) changed the bytes"
run unixdgcli -t 20 "$T/d.sock" <"$T/msgs" >"$T/back" || fail "unixdgcli < msgs exited $?"
cmp -s "$T/msgs" "$T/back" || fail "echo through unixdgcli (lines) changed the bytes"
echo "$TOO_LONG" | py_client "$T/d.sock" "$T/py.sock" || fail "too long"
echo "$UNNAMED" | py_client "$T/d.sock" - || fail "unnamed sender"
echo 's.sendto(b"sync", dst); s.recv(10)' | py_client "$T/d.sock" "$T/py.sock" || fail "sync"
stop_server "$SERVER_PID"
[ ! -e "$T/d.sock" ] || fail "the socket file is left after SIGTERM"
grep -Fqx "unixdgd: $T/py.sock: echo: 65507 bytes in, 65507 out" "$SERVER_ERR" ||
    fail "-v line: $(cat "$SERVER_ERR")"
[ "$(grep -Fcx "unixdgd: $T/py.sock: echo: dropped: longer than 65507 bytes" "$SERVER_ERR")" -eq 3 ] ||
    fail "-v drop lines: $(cat "$SERVER_ERR")"
grep -qx 'unixdgd: unnamed: echo: 4 bytes in, not answered: the sender has no address' "$SERVER_ERR" ||
    fail "-v line of an unnamed sender: $(cat "$SERVER_ERR")"
grep -qx 'unixdgd: 21 datagrams received, 17 answered, 3 dropped, 1 from unnamed senders' "$SERVER_ERR" ||
    fail "-v counts: $(cat "$SERVER_ERR")"
ok "echo of 0 to 65507 bytes on a path; too long dropped; unnamed not answered; file removed"

# A sender that does not read fills its queue; the replies it cannot take
# are dropped, and the server goes on answering the others at once.
start_server unixdgd -v "$T/d.sock"
py_client "$T/d.sock" "$T/lazy.sock" <<'PY' || fail "the lazy client"
for i in range(40):
    s.sendto(b"lazy %d" % i, dst)
fast = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
fast.bind(me + ".fast")
fast.settimeout(20)
try:
    fast.sendto(b"fast", dst)
    if fast.recv(100) != b"fast":
        sys.exit("the other client got the wrong reply")
finally:
    os.unlink(me + ".fast")
PY
stop_server "$SERVER_PID"
grep -Fq "unixdgd: $T/lazy.sock: echo: dropped: reply not sent: Resource temporarily unavailable" "$SERVER_ERR" ||
    fail "a reply the lazy client could not take: $(cat "$SERVER_ERR")"
grep -Fqx "unixdgd: $T/lazy.sock.fast: echo: 4 bytes in, 4 out" "$SERVER_ERR" || fail "the other client: $(cat "$SERVER_ERR")"
ok "a sender that does not read loses its replies and holds up no one"

# Without -v: a line a minute for each source, not one per datagram.
start_server unixdgd "$T/d.sock"
echo "$TOO_LONG" | py_client "$T/d.sock" "$T/a.sock" || fail "too long from a"
echo "$TOO_LONG" | py_client "$T/d.sock" "$T/a.sock" || fail "too long from a, again"
echo "$TOO_LONG" | py_client "$T/d.sock" "$T/b.sock" || fail "too long from b"
for i in 1 2 3; do
	echo "$UNNAMED" | py_client "$T/d.sock" - || fail "unnamed sender"
done
echo 's.sendto(b"sync", dst); s.recv(10)' | py_client "$T/d.sock" "$T/py.sock" || fail "sync"
stop_server "$SERVER_PID"
quiet='(more from this source are not logged for a minute)'
[ "$(grep -c 'dropped\|not answered' "$SERVER_ERR")" -eq 3 ] || fail "9 drops from 2 sources: $(cat "$SERVER_ERR")"
grep -Fqx "unixdgd: $T/a.sock: echo: dropped: longer than 65507 bytes $quiet" "$SERVER_ERR" ||
    fail "drop line of a: $(cat "$SERVER_ERR")"
grep -Fqx "unixdgd: $T/b.sock: echo: dropped: longer than 65507 bytes $quiet" "$SERVER_ERR" ||
    fail "drop line of b: $(cat "$SERVER_ERR")"
grep -Fqx "unixdgd: unnamed: echo: not answered: the sender has no address $quiet" "$SERVER_ERR" ||
    fail "unnamed line: $(cat "$SERVER_ERR")"
ok "drops are logged once per source"

# An abstract name: no file at all.
name="tincan-test-$$-$RANDOM"
start_server unixdgd "@$name"
grep -qx "unixdgd: listening on @$name (unix, echo)" "$SERVER_ERR" || fail "start-up line: $(cat "$SERVER_ERR")"
grep -q " @$name\$" /proc/net/unix || fail "@$name is not in /proc/net/unix"
echo "$ECHO_SIZES" | py_client "@$name" "$T/py.sock" || fail "echo on @$name through python"
[ "$(run unixdgcli -t 20 "@$name" abstract)" = abstract ] || fail "echo on @$name through unixdgcli"
stop_server "$SERVER_PID"
ok "echo on an abstract name"

# daytime, chargen, discard and print.  The daytime reply, as it comes
# (unixdgcli would add a newline), is one line ending in CR LF.
start_server unixdgd -s daytime "$T/day.sock"
py_client "$T/day.sock" "$T/py.sock" <<PY || fail "no daytime reply"
s.sendto(b"now", dst)
open("$T/raw", "wb").write(s.recv(70000))
PY
is_daytime "$T/raw" || fail "daytime: $(od -c "$T/raw" | head -n 3)"
run unixdgcli -t 20 "$T/day.sock" now >"$T/day" || fail "unixdgcli to daytime exited $?"
stop_server "$SERVER_PID"
grep -Eqx $'[A-Z][a-z]{2} [A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} [0-9]{4}\r' "$T/day" ||
    fail "daytime: $(od -c "$T/day" | head -n 3)"
[ "$(wc -l <"$T/day")" -eq 1 ] || fail "daytime: $(od -c "$T/day" | head -n 3)"
ok "daytime"

start_server unixdgd -s chargen "$T/cg.sock"
py_client "$T/cg.sock" "$T/py.sock" <<'PY' || fail "chargen"
lines = "".join("".join(chr(32 + (i + j) % 95) for j in range(72)) + "\r\n" for i in range(2 * 95)).encode()
sizes = set()
for k in range(40):
    s.sendto(b"", dst)
    got = s.recv(70000)
    start = (k % 95) * 74
    if len(got) > 512 or got != lines[start:start + len(got)]:
        sys.exit("reply %d: %d bytes, not the pattern from line %d: %r" % (k, len(got), k, got[:80]))
    sizes.add(len(got))
if len(sizes) < 2:
    sys.exit("chargen replies are all %d bytes long" % sizes.pop())
PY
stop_server "$SERVER_PID"
ok "chargen"

start_server unixdgd -v -s discard "$T/dis.sock"
py_client "$T/dis.sock" "$T/py.sock" <<'PY' || fail "discard"
for n in (0, 10, 65507):
    s.sendto(b"d" * n, dst)
s.settimeout(1)
try:
    sys.exit("discard answered: %r" % s.recv(100)[:20])
except socket.timeout:
    pass
PY
echo "$UNNAMED" | py_client "$T/dis.sock" - || fail "unnamed sender"
wait_for "$SERVER_ERR" 'unnamed: discard' || fail "discard: the unnamed datagram: $(cat "$SERVER_ERR")"
stop_server "$SERVER_PID"
grep -Fqx "unixdgd: $T/py.sock: discard: 65507 bytes in, no reply" "$SERVER_ERR" ||
    fail "-v line of discard: $(cat "$SERVER_ERR")"
grep -qx 'unixdgd: unnamed: discard: 4 bytes in, no reply' "$SERVER_ERR" ||
    fail "-v line of discard from unnamed: $(cat "$SERVER_ERR")"
grep -qx 'unixdgd: 4 datagrams received, 0 answered, 0 dropped, 1 from unnamed senders' "$SERVER_ERR" ||
    fail "discard counts: $(cat "$SERVER_ERR")"
ok "discard"

start_server unixdgd -s print "$T/print.sock"
run unixdgcli -n "$T/print.sock" hello "two words" || fail "unixdgcli -n exited $?"
echo 's.sendto(b"from python", dst)' | py_client "$T/print.sock" "$T/py.sock" || fail "python to print"
wait_for "$SERVER_ERR.out" 'from python$' || fail "print: nothing from python: $(cat "$SERVER_ERR.out")"
stop_server "$SERVER_PID"
grep -qx 'unnamed: hello' "$SERVER_ERR.out" || fail "print: $(cat "$SERVER_ERR.out")"
grep -qx 'unnamed: two words' "$SERVER_ERR.out" || fail "print: $(cat "$SERVER_ERR.out")"
grep -Fqx "$T/py.sock: from python" "$SERVER_ERR.out" || fail "print: $(cat "$SERVER_ERR.out")"
ok "print: every sender, unnamed ones too"

# -m: the mode through the umask, which is then as it was.
mask=$(umask)
umask 077
start_server unixdgd -m 0666 "$T/m.sock"
umask "$mask"
[ "$(stat -c %a "$T/m.sock")" = 666 ] || fail "-m 0666 under umask 077 gave $(stat -c %a "$T/m.sock")"
grep -qx $'Umask:\t0077' "/proc/$SERVER_PID/status" || fail "umask after bind: $(grep Umask "/proc/$SERVER_PID/status")"
stop_server "$SERVER_PID"
umask 022
start_server unixdgd -m 600 "$T/m.sock"
umask "$mask"
[ "$(stat -c %a "$T/m.sock")" = 600 ] || fail "-m 600 under umask 022 gave $(stat -c %a "$T/m.sock")"
stop_server "$SERVER_PID"
umask 022
start_server unixdgd "$T/m.sock"
umask "$mask"
[ "$(stat -c %a "$T/m.sock")" = 755 ] || fail "no -m under umask 022 gave $(stat -c %a "$T/m.sock")"
stop_server "$SERVER_PID"
ok "-m sets the mode of the socket file"

# expect_error STATUS MESSAGE ARGS...: unixdgd ARGS exits STATUS saying MESSAGE first.
expect_error() {
	local want_status=$1 want=$2 status
	shift 2
	run unixdgd "$@" >"$T/out" 2>"$T/err"
	status=$?
	[ "$status" -eq "$want_status" ] || fail "'unixdgd $*' exited $status, not $want_status: $(cat "$T/err")"
	[ "$(head -n 1 "$T/err")" = "$want" ] || fail "'unixdgd $*' said '$(head -n 1 "$T/err")', not '$want'"
}

# What is at the path already: only a stale socket is removed.
echo keep >"$T/plain"
expect_error 1 "unixdgd: $T/plain: exists and is not a socket; not removed" "$T/plain"
[ "$(cat "$T/plain")" = keep ] || fail "the regular file was changed"
mkdir "$T/dir"
expect_error 1 "unixdgd: $T/dir: exists and is not a socket; not removed" "$T/dir"
start_server unixdgd "$T/live.sock"
live_pid=$SERVER_PID
expect_error 1 "unixdgd: $T/live.sock: in use: a server answers there" "$T/live.sock"
ln -s "$T/live.sock" "$T/link.sock"
expect_error 1 "unixdgd: $T/link.sock: exists and is not a socket; not removed" "$T/link.sock"
[ "$(run unixdgcli -t 20 "$T/live.sock" still)" = still ] || fail "the live server no longer answers"
python3 - "$T" <<'PY' &
import os, socket, sys, time
tmp = sys.argv[1]
stale = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
stale.bind(tmp + "/stale.sock")
stale.close()                       # the file stays: a stale socket
l = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
l.bind(tmp + "/stream.sock")
l.listen(1)
open(tmp + "/stream.ready", "w").close()
deadline = time.time() + 60
while not os.path.exists(tmp + "/stream.done") and time.time() < deadline:
    time.sleep(0.05)
PY
track $!
wait_for_file "$T/stream.ready" || fail "the stream listener did not start"
expect_error 1 "unixdgd: $T/stream.sock: in use: a server answers there" "$T/stream.sock"
touch "$T/stream.done"
stop_server "$live_pid"
start_server unixdgd "$T/stale.sock"
grep -Fqx "unixdgd: $T/stale.sock: removed a stale socket" "$SERVER_ERR" || fail "stale: $(cat "$SERVER_ERR")"
[ "$(run unixdgcli -t 20 "$T/stale.sock" fresh)" = fresh ] || fail "no answer where the stale socket was"
stop_server "$SERVER_PID"
ok "a file, a directory, a symlink and a live server are refused; a stale socket is removed"

# A file that took the socket's place while it ran is not removed.
start_server unixdgd "$T/moved.sock"
mv "$T/moved.sock" "$T/away.sock"
python3 -c 'import socket, sys; s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sys.argv[1])' "$T/moved.sock"
stop_server "$SERVER_PID"
[ -S "$T/moved.sock" ] || fail "unixdgd removed a socket that was not its own"
ok "only its own socket file is removed"

# sun_path holds 107 bytes and the NUL: 107 is served, 108 refused.
p107="$T/$(printf 'p%.0s' $(seq $((107 - ${#T} - 1))))"
[ "${#p107}" -eq 107 ] || fail "the test made a path of ${#p107} bytes"
start_server unixdgd "$p107"
[ "$(run unixdgcli -t 20 "$p107" long)" = long ] || fail "no answer on a path of 107 bytes"
stop_server "$SERVER_PID"
[ ! -e "$p107" ] || fail "the 107-byte socket file is left"
expect_error 2 "unixdgd: bad address '${p107}q': Unix path too long (max 107 bytes)" "${p107}q"
ok "a path of 107 bytes is served, 108 is a usage error"

# Every operand but @name is a path, as bind(2) takes it: a bare word is a
# file in the directory unixdgd runs in.
cd "$T" || fail "cd $T"
start_server unixdgd unix.sock
cd - >/dev/null || fail "cd back"
grep -qx 'unixdgd: listening on unix.sock (unix, echo)' "$SERVER_ERR" || fail "start-up line: $(cat "$SERVER_ERR")"
[ -S "$T/unix.sock" ] || fail "no socket file $T/unix.sock"
[ "$(cd "$T" && run unixdgcli -t 20 unix.sock hi)" = hi ] || fail "no answer on unix.sock"
stop_server "$SERVER_PID"
[ ! -e "$T/unix.sock" ] || fail "unix.sock is left"
ok "a bare word is a relative path: unixdgd unix.sock, unixdgcli unix.sock hi"

# SIGINT removes the file too; and -d, which moves to /, a relative path.
start_server unixdgd "$T/int.sock"
stop_server "$SERVER_PID" INT
[ ! -e "$T/int.sock" ] || fail "the socket file is left after SIGINT"
(cd "$T" && run unixdgd -d -p "$T/u.pid" ./rel.sock) 2>"$T/start.err" ||
    fail "unixdgd -d exited $?: $(cat "$T/start.err")"
pid=$(cat "$T/u.pid")
track "$pid"
grep -qx 'unixdgd: listening on ./rel.sock (unix, echo)' "$T/start.err" || fail "start-up line: $(cat "$T/start.err")"
[ "$(run unixdgcli -t 20 "$T/rel.sock" daemon)" = daemon ] || fail "the unixdgd daemon did not answer"
kill -TERM "$pid"
wait_gone "$pid" 20 || fail "the unixdgd daemon is still running after SIGTERM"
[ ! -e "$T/rel.sock" ] || fail "the relative socket file of a daemon is left"
[ ! -e "$T/u.pid" ] || fail "the pidfile is left"
ok "SIGINT, and -d with a relative path, remove the socket file"

expect_error 1 "unixdgd: -m: @$name is an abstract name, with no file to give a mode" -m 600 "@$name"
expect_error 2 "unixdgd: -m 8: not an octal mode (0 to 0777)" -m 8 "$T/x.sock"
expect_error 2 "unixdgd: -m 1000: not an octal mode (0 to 0777)" -m 1000 "$T/x.sock"
expect_error 2 "unixdgd: -m u+rw: not an octal mode (0 to 0777)" -m u+rw "$T/x.sock"
expect_error 2 "unixdgd: unknown option '-4'" -4 "$T/x.sock"
expect_error 2 "unixdgd: bad address '@': empty abstract name" @
expect_error 2 "unixdgd: service 'bench' is not offered over datagrams" -s bench "$T/x.sock"
grep -qx 'usage: unixdgd \[-dhVv\] \[-m mode\] \[-p pidfile\] \[-r rate\] \[-s service\] \[-u user\] \[path\]' "$T/err" ||
    fail "usage line: $(cat "$T/err")"
[ ! -e "$T/x.sock" ] || fail "a usage error made a socket file"
ok "usage errors exit 2 with the exact message"
