#!/bin/bash
# loadcli-rate: runs by time and by rate.  -D makes connections for that
# long, however many that is, and exits 0 when none failed; -R starts them
# at a fixed rate (an open loop), reaches it, and counts each latency from
# when the connection was due, so that a stalled server shows; -k makes
# several requests on each connection, each checked.
. "${TOP_SRCDIR:?run the tests through make check}/tests/lib.sh" || exit 99

# Under valgrind each connection costs far more: the figures shrink.
if [ -n "${TINCAN_VALGRIND:-}" ]; then
	SLACK=10
else
	SLACK=2
fi

# -D 1: the children make connections for a second, as many as they can;
# the report says so instead of a count, and nothing is "not made".
start_server iterd -v -s bench 127.0.0.1:0
run loadcli -c 2 -D 1 "127.0.0.1:$SERVER_PORT" >"$T/out" 2>"$T/err" ||
    fail "-D 1 exited $?: $(cat "$T/out" "$T/err")"
[ ! -s "$T/err" ] || fail "-D 1: stderr: $(cat "$T/err")"
grep -qx "loadcli: 127\.0\.0\.1:$SERVER_PORT, 2 children for 1 s, bench 64 bytes" "$T/out" ||
    fail "-D 1: first line: $(cat "$T/out")"
grep -qx 'connections  [1-9][0-9]*, 0 failed' "$T/out" || fail "-D 1: $(cat "$T/out")"
elapsed=$(sed -n 's/^elapsed *\([0-9.]*\) s$/\1/p' "$T/out")
python3 -c "import sys; sys.exit(not 1 <= $elapsed <= 1 + $SLACK)" ||
    fail "-D 1 took $elapsed s"
made=$(sed -n 's/^connections  \([0-9]*\),.*/\1/p' "$T/out")
run loadcli -j -c 2 -D 0.5 "127.0.0.1:$SERVER_PORT" >"$T/json" 2>"$T/err" ||
    fail "-D 0.5 -j exited $?: $(cat "$T/json" "$T/err")"
stop_server "$SERVER_PID"
json_check "$T/json" "d['duration_s'] == 0.5 and d['connections_per_child'] is None"
json_check "$T/json" "d['connections'] > 0 and d['failed'] == 0 and d['not_made'] == 0"
json_check "$T/json" "0.5 <= d['elapsed_s'] <= 0.5 + $SLACK"
json=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["connections"])' "$T/json")
# The server served every one of them.
grep -q "^iterd: $((made + json)) connections, " "$SERVER_ERR" ||
    fail "iterd did not count $made + $json: $(tail -n 3 "$SERVER_ERR")"
ok "-D 1 and -D 0.5: connections for that long, all counted, exit 0"

# -R, the open loop: connections start at the rate asked, spread over the
# children, whatever the server does.  Under valgrind, half the rate.
if [ -n "${TINCAN_VALGRIND:-}" ]; then
	RATE=100 STALL_AT=20
else
	RATE=200 STALL_AT=40
fi

# Against a fast server the rate is reached, within 10% (the client aims
# for 2%; a busy machine gets its slack here).
start_server iterd -s bench 127.0.0.1:0
run loadcli -c 2 -R "$RATE" -D 2 "127.0.0.1:$SERVER_PORT" >"$T/out" 2>"$T/err" ||
    fail "-R $RATE -D 2 exited $?: $(cat "$T/out" "$T/err")"
grep -q "^rate         [0-9.]* connections/s (asked $RATE)\$" "$T/out" ||
    fail "-R $RATE: rate line: $(cat "$T/out")"
rate=$(sed -n 's/^rate *\([0-9.]*\) .*/\1/p' "$T/out")
python3 -c "import sys; sys.exit(not abs($rate - $RATE) <= $RATE * 0.1)" ||
    fail "-R $RATE reached $rate connections/s"
run loadcli -j -c 3 -R "$RATE" -n 20 "127.0.0.1:$SERVER_PORT" >"$T/json" 2>"$T/err" ||
    fail "-R $RATE -n 20 exited $?: $(cat "$T/json" "$T/err")"
stop_server "$SERVER_PID"
json_check "$T/json" "d['rate_asked'] == $RATE and d['connections'] == 60"
# 60 at RATE a second: the last is due 59 / RATE s after the first.
json_check "$T/json" "59.0 / $RATE <= d['elapsed_s'] <= 59.0 / $RATE + $SLACK"
ok "-R $RATE: $rate connections/s with -D, and -n connections on the schedule"

# A server that stops accepting for 0.5 s, once: every connection due
# meanwhile waits, and -R counts its latency from when it was due, so the
# stall shows in p99.  The closed loop of the same shape only sees the
# two connections caught in it: p99 hides the stall, which only max shows.
odd_server "stall:$STALL_AT:0.5"
run loadcli -j -c 2 -R "$RATE" -D 2 "127.0.0.1:$ODD_PORT" >"$T/json" 2>"$T/err" ||
    fail "-R against a stall exited $?: $(cat "$T/json" "$T/err")"
odd_server_stop
json_check "$T/json" "d['failed'] == 0 and d['latency_ms']['p99'] >= 400"
open=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["latency_ms"])' "$T/json")
odd_server "stall:$STALL_AT:0.5"
run loadcli -j -c 2 -n "$RATE" "127.0.0.1:$ODD_PORT" >"$T/json" 2>"$T/err" ||
    fail "the closed loop against a stall exited $?: $(cat "$T/json" "$T/err")"
odd_server_stop
json_check "$T/json" "d['failed'] == 0 and d['latency_ms']['max'] >= 400"
json_check "$T/json" "d['latency_ms']['p99'] < 400"
ok "a stall of 0.5 s shows in p99 with -R ($open), not in the closed loop"

# -k 5: five requests on each connection, the server says so, and the
# report counts requests beside connections.
start_server iterd -v -s bench 127.0.0.1:0
run loadcli -c 2 -n 5 -k 5 -b 100 "127.0.0.1:$SERVER_PORT" >"$T/out" 2>"$T/err" ||
    fail "-k 5 exited $?: $(cat "$T/out" "$T/err")"
stop_server "$SERVER_PID"
grep -qx "loadcli: 127\.0\.0\.1:$SERVER_PORT, 2 children x 5 connections, bench 100 bytes, 5 requests each" \
    "$T/out" || fail "-k 5: $(head -n 1 "$T/out")"
grep -qx 'connections  10, 0 failed' "$T/out" || fail "-k 5: $(cat "$T/out")"
grep -qx 'requests     [0-9.]* requests/s (5 a connection)' "$T/out" || fail "-k 5: $(cat "$T/out")"
[ "$(grep -c ': bench: 20 bytes in, 500 out, ' "$SERVER_ERR")" -eq 10 ] ||
    fail "iterd did not see 10 connections of 5 requests: $(cat "$SERVER_ERR")"
start_server forkd -v -s echo 127.0.0.1:0
run loadcli -j -c 2 -n 3 -k 5 -m echo -b 1000 "127.0.0.1:$SERVER_PORT" >"$T/json" 2>"$T/err" ||
    fail "-k 5 -m echo exited $?: $(cat "$T/json" "$T/err")"
stop_server "$SERVER_PID"
[ "$(grep -c ': echo: 5000 bytes in, 5000 out, ' "$SERVER_ERR")" -eq 6 ] ||
    fail "forkd did not echo 6 connections of 5 requests: $(cat "$SERVER_ERR")"
json_check "$T/json" "d['requests_per_connection'] == 5 and d['connections'] == 6"
json_check "$T/json" "abs(d['request_rate'] - 5 * d['rate']) <= 0.01 * d['request_rate']"
ok "-k 5: five requests a connection, bench and echo, and requests/s"

# Each echo of -k is checked: a byte changed in the second comes out.
odd_server flip:1500
run loadcli -c 1 -n 3 -k 3 -m echo -b 1000 "127.0.0.1:$ODD_PORT" >"$T/out" 2>"$T/err"
status=$?
odd_server_stop
[ "$status" -eq 1 ] || fail "-k 3 against a changed byte: exit $status: $(cat "$T/out" "$T/err")"
grep -q '^unexpected   first bytes ".*" (byte 500 differs from the one sent)$' "$T/out" ||
    fail "-k 3 against a changed byte: $(cat "$T/out")"
ok "-k 3 -m echo checks each echo: a byte changed in the second is told"
