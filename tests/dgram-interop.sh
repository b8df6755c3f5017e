#!/bin/bash
# dgram-interop: the datagram programs with programs that are not ours,
# both ways.  A python3 sender shows up on the standard output of udpd and
# unixdgd -s print; udpcli and unixdgcli -n reach a python3 receiver,
# which prints what came; udpcli and unixdgcli take the replies of python3
# echo servers; and socat talks to udpd and unixdgd.
. "${TOP_SRCDIR:?run the tests through make check}/tests/lib.sh" || exit 99

# A python3 sender to udpd -s print: the line, and the sender's own port.
start_server udpd -s print 127.0.0.1:0
port=$(python3 - "$SERVER_PORT" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
s.sendto(b"hello from python", ("127.0.0.1", int(sys.argv[1])))
s.sendto(b"line two\n", ("127.0.0.1", int(sys.argv[1])))
print(s.getsockname()[1])
PY
) || fail "the python sender"
wait_for "$SERVER_ERR.out" ': line two$' || fail "udpd print: $(cat "$SERVER_ERR.out")"
stop_server "$SERVER_PID"
[ "$(cat "$SERVER_ERR.out")" = "$(printf '127.0.0.1:%s: hello from python\n127.0.0.1:%s: line two' "$port" "$port")" ] ||
    fail "udpd print: $(cat "$SERVER_ERR.out")"
ok "a python sender shows up on udpd's standard output"

# ... and to unixdgd -s print, bound and unbound.
start_server unixdgd -s print "$T/print.sock"
python3 - "$T" <<'PY' || fail "the python Unix sender"
import os, socket, sys
tmp = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(tmp + "/py.sock")
s.sendto(b"hello from python", tmp + "/print.sock")
os.unlink(tmp + "/py.sock")
socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(b"no name", tmp + "/print.sock")
PY
wait_for "$SERVER_ERR.out" ': no name$' || fail "unixdgd print: $(cat "$SERVER_ERR.out")"
stop_server "$SERVER_PID"
[ "$(cat "$SERVER_ERR.out")" = "$(printf '%s/py.sock: hello from python\nunnamed: no name' "$T")" ] ||
    fail "unixdgd print: $(cat "$SERVER_ERR.out")"
ok "a python sender shows up on unixdgd's standard output"

# python_receiver FAMILY ADDRESS COUNT: a python3 socket that prints the
# first COUNT datagrams it gets to $T/recv.out, a line each, then exits.
# For inet, ADDRESS is ignored and the port goes to $T/recv.port.
python_receiver() {
	rm -f "$T/recv.port" "$T/recv.out"
	python3 - "$@" "$T" >"$T/recv.tmp" <<'PY' &
import os, socket, sys
family, address, count, tmp = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
if family == "unix":
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(address)
else:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
s.settimeout(60)
with open(tmp + "/recv.port.tmp", "w") as f:
    f.write(str(s.getsockname()[1]) if family != "unix" else "ready")
os.rename(tmp + "/recv.port.tmp", tmp + "/recv.port")
for _ in range(count):
    sys.stdout.buffer.write(s.recv(70000) + b"\n")
sys.stdout.flush()
if family == "unix":
    os.unlink(address)
os.rename(tmp + "/recv.tmp", tmp + "/recv.out")
PY
	RECV_PID=$!
	track "$RECV_PID"
	wait_for_file "$T/recv.port" || fail "the python receiver did not start"
}

python_receiver inet - 3
run udpcli -n "127.0.0.1:$(cat "$T/recv.port")" "to python" "" || fail "udpcli -n exited $?"
echo "from stdin" | run udpcli -n "127.0.0.1:$(cat "$T/recv.port")" || fail "udpcli -n < stdin exited $?"
wait "$RECV_PID" || fail "the python receiver exited $?"
[ "$(cat "$T/recv.out")" = "$(printf 'to python\n\nfrom stdin')" ] || fail "python got: $(cat "$T/recv.out")"
ok "udpcli -n reaches a python receiver"

python_receiver unix "$T/recv.sock" 2
run unixdgcli -n "$T/recv.sock" "to python" || fail "unixdgcli -n exited $?"
echo "from stdin" | run unixdgcli -n "$T/recv.sock" || fail "unixdgcli -n < stdin exited $?"
wait "$RECV_PID" || fail "the python receiver exited $?"
[ "$(cat "$T/recv.out")" = "$(printf 'to python\nfrom stdin')" ] || fail "python got: $(cat "$T/recv.out")"
ok "unixdgcli -n reaches a python receiver"

# python3 echo servers answer our clients: a reply is a reply.
python3 - "$T" <<'PY' &
import os, socket, sys, time
tmp = sys.argv[1]
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("127.0.0.1", 0))
x = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
x.bind(tmp + "/echo.sock")
for s in (u, x):
    s.settimeout(0.05)
with open(tmp + "/echo.tmp", "w") as f:
    f.write(str(u.getsockname()[1]))
os.rename(tmp + "/echo.tmp", tmp + "/echo.port")
deadline = time.time() + 120
while not os.path.exists(tmp + "/echo.done") and time.time() < deadline:
    for s in (u, x):
        try:
            data, peer = s.recvfrom(70000)
        except socket.timeout:
            continue
        if peer:
            s.sendto(data.upper(), peer)
os.unlink(tmp + "/echo.sock")
PY
track $!
wait_for_file "$T/echo.port" || fail "the python echo servers did not start"
[ "$(run udpcli -t 20 "127.0.0.1:$(cat "$T/echo.port")" shout)" = SHOUT ] || fail "udpcli and a python server"
[ "$(run unixdgcli -t 20 "$T/echo.sock" shout)" = SHOUT ] || fail "unixdgcli and a python server"
touch "$T/echo.done"
ok "udpcli and unixdgcli take the replies of python servers"

# socat as the client of udpd and unixdgd.
if command -v socat >/dev/null; then
	start_server udpd 127.0.0.1:0
	[ "$(printf 'via socat' | timeout 30 socat -t 3 - "UDP:127.0.0.1:$SERVER_PORT")" = "via socat" ] ||
	    fail "socat to udpd"
	stop_server "$SERVER_PID"
	start_server unixdgd "$T/socat.sock"
	[ "$(printf 'via socat' | timeout 30 socat -t 3 - "UNIX-SENDTO:$T/socat.sock,bind=$T/socat-client.sock")" = "via socat" ] ||
	    fail "socat to unixdgd"
	stop_server "$SERVER_PID"
	ok "socat talks to udpd and unixdgd"
else
	echo "skipped: socat (not installed)"
fi
