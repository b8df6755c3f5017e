#!/bin/bash
# ipv6: iterd and tcpcli over ::1; the wildcard listens dual-stack; -4 and
# -6 keep to one family.
. "${TOP_SRCDIR:?run the tests through make check}/tests/lib.sh" || exit 99

python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null ||
    { echo "SKIP: no IPv6 loopback here"; exit 77; }

# echo_through ADDRESS: a line goes to ADDRESS and comes back.
echo_through() {
	local reply
	reply=$(echo "via $1" | run tcpcli "$1" 2>&1) || return 1
	[ "$reply" = "via $1" ]
}

start_server iterd '[::1]:0'
grep -q "listening on \[::1\]:$SERVER_PORT (tcp, echo)" "$SERVER_ERR" ||
    fail "start-up line: $(cat "$SERVER_ERR")"
echo_through "[::1]:$SERVER_PORT" || fail "echo over ::1"
stop_server "$SERVER_PID"
ok "echo over ::1"

# The wildcard takes both families on one socket.
start_server iterd -v 0
grep -q "listening on \[::\]:$SERVER_PORT (tcp, echo)" "$SERVER_ERR" ||
    fail "start-up line: $(cat "$SERVER_ERR")"
echo_through "[::1]:$SERVER_PORT" || fail "the wildcard does not take ::1"
echo_through "127.0.0.1:$SERVER_PORT" || fail "the wildcard does not take 127.0.0.1"
stop_server "$SERVER_PID"
# An IPv4 client of the dual-stack socket is logged as IPv4.
grep -Eq '^iterd: 127\.0\.0\.1:[0-9]+: echo: ' "$SERVER_ERR" || fail "v4 peer logged as: $(cat "$SERVER_ERR")"
ok "the wildcard listens dual-stack"

start_server iterd -6 0
echo_through "[::1]:$SERVER_PORT" || fail "-6 does not take ::1"
echo_through "127.0.0.1:$SERVER_PORT" && fail "-6 took 127.0.0.1"
stop_server "$SERVER_PID"
start_server iterd -4 0
echo_through "127.0.0.1:$SERVER_PORT" || fail "-4 does not take 127.0.0.1"
echo_through "[::1]:$SERVER_PORT" && fail "-4 took ::1"
stop_server "$SERVER_PID"
ok "-4 and -6 keep to one family"

# tcpcli -6 with a name that has only an IPv4 address fails cleanly.
run tcpcli -6 "localhost:$SERVER_PORT" </dev/null 2>"$T/err"
[ $? -eq 1 ] || fail "tcpcli -6 to an IPv4-only name did not exit 1"
grep -q '^tcpcli: ' "$T/err" || fail "tcpcli -6: $(cat "$T/err")"
ok "a family with no address is an error"
