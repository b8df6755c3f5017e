#!/bin/bash
# print-syslog: detached (-d), the print service logs through syslog, and
# what a peer sent is escaped there too: no message carries a raw newline
# or escape, so no peer can forge a log line.  Runs in a mount namespace of
# its own with a /dev that has /dev/null and a /dev/log this test reads
# (needs root and unshare).
if [ -z "${TINCAN_IN_NS:-}" ]; then
	[ "$(id -u)" -eq 0 ] || { echo "SKIP: a /dev/log of our own needs root"; exit 77; }
	command -v unshare >/dev/null || { echo "SKIP: no unshare"; exit 77; }
	unshare -m true 2>/dev/null || { echo "SKIP: unshare -m is not allowed here"; exit 77; }
	TINCAN_IN_NS=1 exec unshare -m --propagation private bash "$0" "$@"
fi
. "${TOP_SRCDIR:?run the tests through make check}/tests/lib.sh" || exit 99

# A /dev with /dev/null and our /dev/log, over the real one, in here only.
mkdir "$T/dev"
at_exit 'umount -l /dev "$T/dev/null" "$T/dev" 2>/dev/null'
mount -t tmpfs tmpfs "$T/dev" || fail "mount tmpfs"
touch "$T/dev/null"
mount --bind /dev/null "$T/dev/null" || fail "bind /dev/null"
# The syslog reader: each message on a line of its own, as Python's repr.
python3 - "$T/dev/log" "$T/syslog" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "w") as out:
    while True:
        out.write(repr(s.recv(65536)) + "\n")
        out.flush()
PY
track $!
wait_for_file "$T/dev/log" || fail "the syslog reader did not start"
mount --bind "$T/dev" /dev || fail "bind our /dev over /dev"

# The peer's text: a line that would forge another, and an escape.
forged=$'hello\r\nfake: 127.0.0.1:1: forged line\x1b[2J\n'
for prog in iterd udpd; do
	run "$prog" -d -p "$T/$prog.pid" -s print 127.0.0.1:0 2>"$T/$prog.err" ||
	    fail "$prog -d: $(cat "$T/$prog.err")"
	pid=$(cat "$T/$prog.pid")
	track "$pid"
	port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\) (.*/\1/p' "$T/$prog.err")
	python3 - "$prog" "$port" "$forged" <<'PY' || fail "$prog: the peer"
import socket, sys
prog, port, text = sys.argv[1], int(sys.argv[2]), sys.argv[3].encode()
if prog == "iterd":
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(text)
    s.shutdown(socket.SHUT_WR)
    s.recv(1)
else:
    socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(text, ("127.0.0.1", port))
PY
	wait_for "$T/syslog" "$prog\\[[0-9]*\\]: 127.0.0.1:[0-9]*: .*forged" ||
	    fail "$prog: nothing in syslog: $(cat "$T/syslog")"
	kill -TERM "$pid"
	wait_gone "$pid" 20 || fail "$prog did not stop"
done
# Every message of a server is one line, with nothing raw in it.
python3 - "$T/syslog" <<'PY' || fail "a raw control in a message: $(cat "$T/syslog")"
import ast, sys
for line in open(sys.argv[1]):
    msg = ast.literal_eval(line)
    if any(b < 0x20 or b == 0x7f for b in msg):
        sys.exit("raw: %r" % msg)
PY
grep -F 'iterd[' "$T/syslog" | grep -qF ': hello'"'" ||
    fail "iterd: the first line: $(cat "$T/syslog")"
grep -F 'iterd[' "$T/syslog" | grep -qF ': fake: 127.0.0.1:1: forged line\\x1b[2J'"'" ||
    fail "iterd: the forged line: $(cat "$T/syslog")"
grep -F 'udpd[' "$T/syslog" | grep -qF ': hello\\r\\nfake: 127.0.0.1:1: forged line\\x1b[2J'"'" ||
    fail "udpd: the datagram: $(cat "$T/syslog")"
ok "print under -d logs through syslog, escaped"
