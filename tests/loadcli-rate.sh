#!/bin/bash
# loadcli-rate: runs by time rather than by count.  -D makes connections
# for that long, however many that is, and exits 0 when none failed.
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
