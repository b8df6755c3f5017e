#!/bin/bash
# slow: every wait a server makes is bounded, and a second SIGTERM ends
# it.  The lingering close after daytime and after a refused bench request
# is no longer than -t; print on a standard output nobody reads drops the
# connection after -t and lets SIGTERM stop the server, and with -t 0 a
# second SIGTERM does; a bench client that trickles its request a byte at
# a time is dropped once -t has passed, however busy it keeps the wait.
. "${TOP_SRCDIR:?run the tests through make check}/tests/lib.sh" || exit 99

# linger PORT REQUEST NEXT: a client sends REQUEST, reads until the server
# has closed its side, and then neither sends nor closes; iterd lingers on
# it.  A second client, sending NEXT, waits in the queue: print the seconds
# until its reply starts, which is how long the server lingered.
linger() {
	python3 - "$@" <<'PY'
import socket, sys, time
port = int(sys.argv[1])
first = socket.create_connection(("127.0.0.1", port), timeout=20)
first.sendall(sys.argv[2].encode())
while first.recv(4096):
    pass
start = time.monotonic()
second = socket.create_connection(("127.0.0.1", port), timeout=20)
second.sendall(sys.argv[3].encode())
if not second.recv(1):
    sys.exit("the second client was not served")
print("%.3f" % (time.monotonic() - start))
PY
}

# The linger is 2 s; with -t 1 it must end at about 1 s.
start_server iterd -s daytime -t 1 127.0.0.1:0
took=$(linger "$SERVER_PORT" "" "") || fail "daytime client"
awk -v t="$took" 'BEGIN { exit !(t >= 0.9 && t < 1.7) }' || fail "daytime lingered $took s with -t 1"
stop_server "$SERVER_PID"
start_server iterd -s bench -t 1 127.0.0.1:0
took=$(linger "$SERVER_PORT" $'abc\n' $'1\n') || fail "bench client"
awk -v t="$took" 'BEGIN { exit !(t >= 0.9 && t < 1.7) }' || fail "a refused request lingered $took s with -t 1"
stop_server "$SERVER_PID"
ok "the lingering close is no longer than -t"

# flood PORT [FIFO]: 4 MiB of print lines, as fast as the server takes
# them; the connection may be cut off meanwhile.  With FIFO, the server's
# standard output: $T/full is made once it holds 60000 bytes unread.
flood() {
	python3 - "$@" "$T/full" <<'PY'
import array, fcntl, os, socket, sys, termios
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=30)
fifo = os.open(sys.argv[2], os.O_RDWR) if len(sys.argv) > 3 else None
told = False
try:
    for _ in range(40000):
        s.sendall(b"x" * 99 + b"\n")
        if fifo is not None and not told:
            queued = array.array("i", [0])
            fcntl.ioctl(fifo, termios.FIONREAD, queued)
            if queued[0] >= 60000:
                open(sys.argv[-1], "w").close()
                told = True
except OSError:
    pass
PY
}

# Standard output: a FIFO this test holds open and never reads.
mkfifo "$T/stalled"
exec 7<>"$T/stalled"
SERVER_STDOUT="$T/stalled" start_server iterd -v -s print -t 1 127.0.0.1:0
flood "$SERVER_PORT" || fail "the print client"
wait_for "$SERVER_ERR" 'standard output took nothing for 1 s, dropped' 20 ||
    fail "a stalled standard output held the connection: $(cat "$SERVER_ERR")"
stop_server "$SERVER_PID"
ok "print on a standard output nobody reads drops the connection after -t"

SERVER_STDOUT="$T/stalled" start_server iterd -s print -t 0 127.0.0.1:0
flood "$SERVER_PORT" "$T/stalled" &
flooder=$!
wait_for_file "$T/full" 20 || fail "the server's standard output never filled"
kill -TERM "$SERVER_PID"
wait_asleep "$SERVER_PID" 10 TERM || fail "the first SIGTERM was never taken"
stop_server "$SERVER_PID" TERM
wait "$flooder"
ok "with -t 0, a second SIGTERM cuts off a connection stuck on standard output"
exec 7>&-

# A byte every half second keeps each wait short; the request as a whole
# must still come within -t.
start_server iterd -v -s bench -t 2 127.0.0.1:0
took=$(python3 - "$SERVER_PORT" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=20)
start = time.monotonic()
s.sendall(b"1")
for _ in range(40):
    time.sleep(0.5)
    try:
        s.sendall(b"0")
    except OSError:
        break
    s.setblocking(False)
    try:
        if s.recv(10) == b"":
            break
    except BlockingIOError:
        pass
    except OSError:
        break
    s.setblocking(True)
print("%.3f" % (time.monotonic() - start))
PY
) || fail "the trickling client"
awk -v t="$took" 'BEGIN { exit !(t < 5) }' || fail "a trickling client was held $took s with -t 2"
wait_for "$SERVER_ERR" 'bench: no whole request within 2 s, dropped' ||
    fail "the drop was not logged: $(cat "$SERVER_ERR")"
stop_server "$SERVER_PID"
ok "a client that trickles its request is dropped after -t"

# udpd: print waits a moment for each line, never more; SIGTERM is let in
# between datagrams however many are queued.
mkfifo "$T/stalled-udp"
exec 8<>"$T/stalled-udp"
SERVER_STDOUT="$T/stalled-udp" start_server udpd -s print 127.0.0.1:0
python3 - "$SERVER_PORT" <<'PY' || fail "the datagram sender"
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(800):
    s.sendto(b"x" * 199, ("127.0.0.1", int(sys.argv[1])))
PY
kill -TERM "$SERVER_PID"
wait_gone "$SERVER_PID" 5 || fail "udpd held SIGTERM back behind a stalled standard output"
wait "$SERVER_PID" || fail "udpd exited $? on SIGTERM"
exec 8>&-
ok "udpd with a stalled standard output stops on SIGTERM"
