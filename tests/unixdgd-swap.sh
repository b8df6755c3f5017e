#!/bin/bash
# unixdgd-swap: the check of a stale socket and its removal are of the
# same file.  Between unixdgd's look at the path (a stale socket, whose
# server is gone) and its removal, the directory of the path is swapped for
# a link to a directory where a live server's socket has the same name: the
# stale socket is removed from the directory that was checked, the live one
# is left alone, and unixdgd, finding the name taken, does not start.  The
# pause between the two is made by tests/shim/pause-after.so, after the
# connect that tells a live socket from a stale one.
. "${TOP_SRCDIR:?run the tests through make check}/tests/lib.sh" || exit 99

shim="$TOP_BUILDDIR/tests/shim/pause-after.so"
[ -f "$shim" ] || fail "no $shim: make check builds it"

mkdir "$T/d" "$T/live"
# The stale socket: bound, and its process gone.
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).bind(sys.argv[1])' "$T/d/s.sock" ||
    fail "the stale socket"
# The live one: another server, of daytime, so that its replies are its own.
start_server unixdgd -s daytime "$T/live/s.sock"
live_pid=$SERVER_PID

# ASan wants its runtime first; this shim comes first on purpose.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
    LD_PRELOAD="$shim" TINCAN_PAUSE="$T/pause" run unixdgd "$T/d/s.sock" \
    2>"$T/swap.err" &
racer=$!
wait_for_file "$T/pause.paused" 30 || fail "unixdgd never checked the stale socket: $(cat "$T/swap.err")"
mv "$T/d" "$T/d.checked"
ln -s "$T/live" "$T/d"
touch "$T/pause.go"
wait_gone "$racer" 20 ||
    fail "unixdgd runs after the swap: it removed the live socket and took its address: $(cat "$T/swap.err")"
wait "$racer"
status=$?
[ "$status" -eq 1 ] || fail "unixdgd exited $status after the swap: $(cat "$T/swap.err")"
grep -qx "unixdgd: bind $T/d/s.sock: Address already in use" "$T/swap.err" ||
    fail "after the swap it said: $(cat "$T/swap.err")"
[ ! -e "$T/d.checked/s.sock" ] || fail "the stale socket that was checked is still there"
[ -S "$T/live/s.sock" ] || fail "the live server's socket was removed"
python3 - "$T/live/s.sock" <<'PY' || fail "the live server does not answer at its path"
import re, socket, sys, tempfile, os
d = tempfile.mkdtemp()
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(os.path.join(d, "c"))
s.settimeout(10)
s.sendto(b"hi", sys.argv[1])
reply = s.recv(100)
os.unlink(os.path.join(d, "c"))
os.rmdir(d)
if not re.match(rb"^[A-Z][a-z]{2} [A-Z][a-z]{2} [ 0-9]\d \d\d:\d\d:\d\d \d{4}\r\n$", reply):
    sys.exit("not the daytime server's reply: %r" % reply)
PY
stop_server "$live_pid"
ok "a directory swapped between the check and the removal: the live socket is left"
