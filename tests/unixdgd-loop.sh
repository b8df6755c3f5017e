#!/bin/bash
# unixdgd-loop: a local user cannot set unixdgd answering itself or another
# server for ever.  The kernel names a Unix sender truly, but a reply goes
# to a path looked up when it is sent: a sender that puts a link to a
# server's socket where its own was gets the reply delivered there.  To
# itself, it is dropped as from its own address; to another server, the
# reply budget (-r, 100 by default) ends the loop.
. "${TOP_SRCDIR:?run the tests through make check}/tests/lib.sh" || exit 99

# redirect SERVER_PID SERVER_SOCK TARGET: bind $T/p, send a datagram to the
# server while it is stopped, then put a link to TARGET where $T/p was,
# and let the server go on: its reply goes to TARGET.
redirect() {
	python3 - "$@" "$T/p" <<'PY' || fail "the redirecting sender"
import os, signal, socket, sys
pid, server, target, path = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
os.kill(pid, signal.SIGSTOP)
try:
    s.sendto(b"loop", server)
    s.close()
    os.unlink(path)
    os.symlink(target, path)
finally:
    os.kill(pid, signal.SIGCONT)
PY
}

# To itself: the reply comes back from its own address, and is dropped.
start_server unixdgd -v "$T/a.sock"
redirect "$SERVER_PID" "$T/a.sock" "$T/a.sock"
wait_for "$SERVER_ERR" "dropped: from this server's own address" ||
    fail "unixdgd answered itself: $(tail -n 3 "$SERVER_ERR")"
stop_server "$SERVER_PID"
grep -qx 'unixdgd: 2 datagrams received, 1 answered, 1 dropped, 0 from unnamed senders' "$SERVER_ERR" ||
    fail "counts: $(tail -n 4 "$SERVER_ERR")"
rm -f "$T/p"
ok "a reply sent back to unixdgd's own socket is not answered"

# To another server: the two answer each other until a budget runs out.
start_server unixdgd -v -s chargen "$T/b.sock"
b_pid=$SERVER_PID b_err=$SERVER_ERR
start_server unixdgd -v -s echo "$T/a.sock"
redirect "$SERVER_PID" "$T/a.sock" "$T/b.sock"
budget_ends_loop unixdgd "$SERVER_PID" "$SERVER_ERR" "$b_pid" "$b_err"
ok "a loop between two unixdgd set off through a link ends within the budget"
