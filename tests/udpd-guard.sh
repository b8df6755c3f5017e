#!/bin/bash
# udpd-guard: the loop and amplification guard (CVE-1999-0103).  A datagram
# from source port 0 or a port below 1024 gets no reply, is counted as
# dropped and logged once per source; port 1024 is answered; an echo and a
# chargen server made to talk to each other do not ping-pong; nor is a
# datagram forged from udpd's own address answered, and two services on high
# ports set answering each other stop within the reply budget.  Sending from
# those ports needs root.
. "${TOP_SRCDIR:?run the tests through make check}/tests/lib.sh" || exit 99

[ "$(id -u)" -eq 0 ] || { echo "SKIP: sending from a port below 1024 needs root"; exit 77; }

# guard PORT: from port 0 (a raw socket), three from a free port below
# 1024 and one from 1024 when it is free, then one from an ephemeral port.
# The server answers in turn, so once the last is answered, a reply to any
# other would be here.  Prints the port below 1024 used.
guard() {
	python3 - "$1" <<'PY'
import socket, struct, sys
dst = ("127.0.0.1", int(sys.argv[1]))
def bound(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", port))
    return s
low = None
for port in range(1023, 512, -1):
    try:
        low = bound(port)
        break
    except OSError:
        pass
if low is None:
    sys.exit("no free port below 1024")
try:
    edge = bound(1024)
except OSError:
    edge = None
raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP)
# A UDP header by hand: source port 0; checksum 0 is "none" over IPv4.
raw.sendto(struct.pack("!HHHH", 0, dst[1], 8 + 4, 0) + b"zero", dst)
for _ in range(3):
    low.sendto(b"low", dst)
if edge is not None:
    edge.sendto(b"1024", dst)
last = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
last.settimeout(20)
last.sendto(b"last", dst)
if last.recv(100) != b"last":
    sys.exit("the last datagram was not echoed")
low.setblocking(False)
try:
    sys.exit("port %d was answered: %r" % (low.getsockname()[1], low.recv(100)))
except BlockingIOError:
    pass
if edge is not None:
    edge.settimeout(5)
    if edge.recv(100) != b"1024":
        sys.exit("port 1024 was not answered")
print(low.getsockname()[1], 1 if edge is not None else 0)
PY
}

start_server udpd -v 127.0.0.1:0
read -r low edge < <(guard "$SERVER_PORT") || fail "the guard"
[ -n "$low" ] || fail "the guard did not run"
stop_server "$SERVER_PID"
grep -qx 'udpd: 127\.0\.0\.1:0: echo: dropped: source port below 1024' "$SERVER_ERR" ||
    fail "port 0: $(cat "$SERVER_ERR")"
[ "$(grep -cx "udpd: 127\.0\.0\.1:$low: echo: dropped: source port below 1024" "$SERVER_ERR")" -eq 3 ] ||
    fail "port $low: $(cat "$SERVER_ERR")"
grep -qx "udpd: $((5 + edge)) datagrams received, $((1 + edge)) answered, 4 dropped" "$SERVER_ERR" ||
    fail "counts: $(cat "$SERVER_ERR")"
ok "no reply to port 0 and ports below 1024; 1024 is answered"

# Without -v: one line for the source, not one per datagram.
start_server udpd 127.0.0.1:0
guard "$SERVER_PORT" >/dev/null || fail "the guard without -v"
guard "$SERVER_PORT" >/dev/null || fail "the guard without -v, again"
stop_server "$SERVER_PID"
[ "$(grep -c dropped "$SERVER_ERR")" -eq 1 ] || fail "8 drops from 127.0.0.1 logged as: $(cat "$SERVER_ERR")"
grep -qx 'udpd: 127\.0\.0\.1:0: echo: dropped: source port below 1024 (more from this source are not logged for a minute)' "$SERVER_ERR" ||
    fail "the drop line: $(cat "$SERVER_ERR")"
ok "drops are logged once per source a minute"

# The attack of CVE-1999-0103: a datagram forged to come from an echo
# server, sent to a chargen server.  Both on reserved ports, as inetd had
# them; chargen must not answer, or the two would ping-pong for ever.
read -r echo_port chargen_port < <(python3 - <<'PY'
import socket
ports = []
for port in range(1023, 512, -1):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        continue
    s.close()
    ports.append(port)
    if len(ports) == 2:
        break
print(*ports)
PY
)
[ -n "$chargen_port" ] || fail "no two free ports below 1024"
start_server udpd -v -s echo "127.0.0.1:$echo_port"
echo_pid=$SERVER_PID echo_err=$SERVER_ERR
start_server udpd -v -s chargen "127.0.0.1:$chargen_port"
python3 - "$echo_port" "$chargen_port" <<'PY' || fail "the forged datagram"
import socket, struct, sys
src, dst = int(sys.argv[1]), int(sys.argv[2])
raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP)
raw.sendto(struct.pack("!HHHH", src, dst, 8 + 5, 0) + b"start", ("127.0.0.1", dst))
PY
# Had chargen answered, it would have logged that instead of a drop.
wait_for "$SERVER_ERR" "dropped" || fail "chargen did not drop the forged datagram: $(cat "$SERVER_ERR")"
stop_server "$SERVER_PID"
stop_server "$echo_pid"
grep -qx "udpd: 127\.0\.0\.1:$echo_port: chargen: dropped: source port below 1024" "$SERVER_ERR" ||
    fail "chargen: $(cat "$SERVER_ERR")"
grep -qx 'udpd: 1 datagram received, 0 answered, 1 dropped' "$SERVER_ERR" ||
    fail "chargen counts: $(cat "$SERVER_ERR")"
grep -qx 'udpd: 0 datagrams received, 0 answered, 0 dropped' "$echo_err" ||
    fail "echo counts: $(cat "$echo_err")"
ok "an echo and a chargen server do not ping-pong"

# forge SRCPORT DSTPORT PAYLOAD: one datagram to 127.0.0.1:DSTPORT that
# says it comes from 127.0.0.1:SRCPORT (a raw socket: root).
forge() {
	python3 - "$@" <<'PY'
import socket, struct, sys
src, dst, payload = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3].encode()
raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP)
raw.sendto(struct.pack("!HHHH", src, dst, 8 + len(payload), 0) + payload,
    ("127.0.0.1", dst))
PY
}

# A datagram forged from the server's own address: it would answer itself
# for ever.  It is dropped, and answered never.
start_server udpd -v 127.0.0.1:0
forge "$SERVER_PORT" "$SERVER_PORT" self || fail "the forged datagram"
wait_for "$SERVER_ERR" 'dropped' || fail "udpd did not drop its own datagram: $(cat "$SERVER_ERR")"
stop_server "$SERVER_PID"
grep -qx "udpd: 127\.0\.0\.1:$SERVER_PORT: echo: dropped: from this server's own port" "$SERVER_ERR" ||
    fail "own port: $(head -n 5 "$SERVER_ERR")"
grep -qx 'udpd: 1 datagram received, 0 answered, 1 dropped' "$SERVER_ERR" ||
    fail "own port counts: $(tail -n 3 "$SERVER_ERR")"
ok "a datagram forged from udpd's own address is not answered"

# Two services on high ports that answer everything, set off by one
# datagram forged from one to the other: the reply budget of each ends the
# loop after about 100 exchanges (the default -r), where it went on for ever.
start_server udpd -v -s echo 127.0.0.1:0
echo_pid=$SERVER_PID echo_err=$SERVER_ERR echo_port=$SERVER_PORT
start_server udpd -v -s chargen 127.0.0.1:0
forge "$SERVER_PORT" "$echo_port" start || fail "the forged datagram"
budget_ends_loop udpd "$SERVER_PID" "$SERVER_ERR" "$echo_pid" "$echo_err"
ok "a loop between echo and chargen on high ports ends within the budget"
