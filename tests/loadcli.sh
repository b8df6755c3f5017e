#!/bin/bash
# loadcli: -c children x -n connections are all made and counted, and the
# servers agree; echo requests of every size come back checked; each kind
# of error is told from the others, in the text report and in the JSON;
# -T bounds a run against a server that never answers; -j is one JSON
# object; the progress line shows on a terminal only, and -q silences it;
# usage errors exit 2 with an exact message.
. "${TOP_SRCDIR:?run the tests through make check}/tests/lib.sh" || exit 99

# Under valgrind every child of loadcli and of forkd runs a leak check as
# it exits: fewer connections where the count is not the point.
if [ -n "${TINCAN_VALGRIND:-}" ]; then
	SIZES_C=1 SIZES_N=3 SLACK=20
else
	SIZES_C=3 SIZES_N=7 SLACK=5
fi

# report_is FILE CONNECTIONS FAILED [NOT_MADE]: the text report's counts.
report_is() {
	local want="connections  $2, $3 failed${4:+, $4 not made}"
	grep -qx "$want" "$1" || fail "want '$want' in: $(cat "$1")"
}

# report_shape PORT OUT ERR: the text report in OUT of a 3 x 7 bench run
# at PORT, line by line, and nothing in ERR (not a terminal, so there is
# no progress line).
report_shape() {
	local port=$1 out=$2 err=$3 i
	local want=(
	    "loadcli: 127\.0\.0\.1:$port, 3 children x 7 connections, bench 100 bytes"
	    'connections  21, 0 failed'
	    'elapsed      [0-9]*\.[0-9]\{3\} s'
	    'rate         [0-9]*\.[0-9] connections/s'
	    'latency      p50 [0-9.]* ms, p90 [0-9.]* ms, p99 [0-9.]* ms, p99\.9 [0-9.]* ms, max [0-9.]* ms'
	    '             mean [0-9.]* ms, sd [0-9.]* ms'
	    'client cpu   [0-9.]* s user, [0-9.]* s system, [0-9.]* of a CPU'
	)
	[ ! -s "$err" ] || fail "stderr, not a terminal: $(cat "$err")"
	[ "$(wc -l <"$out")" -eq ${#want[@]} ] ||
	    fail "a report of other than ${#want[@]} lines: $(cat "$out")"
	for ((i = 0; i < ${#want[@]}; i++)); do
		sed -n "$((i + 1))p" "$out" | grep -qx -e "${want[i]}" ||
		    fail "line $((i + 1)) of the report is not '${want[i]}': $(cat "$out")"
	done
}

# count_bench PROG: 3 children x 7 connections of 100 bytes against
# "PROG -v -s bench": 21 made, none failed, exit 0; the server logged 21
# requests of "100\n" answered with 100 bytes, and counts 21 at exit.
count_bench() {
	local prog=$1
	start_server "$prog" -v -s bench 127.0.0.1:0
	run loadcli -c 3 -n 7 -b 100 "127.0.0.1:$SERVER_PORT" >"$T/out" 2>"$T/err" ||
	    fail "loadcli against $prog exited $?: $(cat "$T/out" "$T/err")"
	report_is "$T/out" 21 0
	report_shape "$SERVER_PORT" "$T/out" "$T/err"
	stop_server "$SERVER_PID"
	[ "$(grep -c ": bench: 4 bytes in, 100 out, " "$SERVER_ERR")" -eq 21 ] ||
	    fail "$prog logged other than 21 requests: $(cat "$SERVER_ERR")"
	grep -q "^$prog: 21 connections, " "$SERVER_ERR" ||
	    fail "$prog's summary: $(tail -n 3 "$SERVER_ERR")"
}

count_bench iterd
count_bench preforkd
grep -q '^preforkd: 21 connections in all' "$SERVER_ERR" ||
    fail "preforkd's spread: $(tail -n 8 "$SERVER_ERR")"
ok "3 x 7 connections against iterd and preforkd -s bench: 21 made, the servers count 21"

# -m echo: requests of 1, 1000 and 100000 bytes come back unchanged, and
# forkd saw each byte; 16 MiB, more than the socket buffers hold, makes
# loadcli read while it still sends instead of waiting on the server.
start_server forkd -v -s echo 127.0.0.1:0
for bytes in 1 1000 100000; do
	run loadcli -c "$SIZES_C" -n "$SIZES_N" -m echo -b "$bytes" \
	    "127.0.0.1:$SERVER_PORT" >"$T/out" 2>"$T/err" ||
	    fail "-m echo -b $bytes exited $?: $(cat "$T/out" "$T/err")"
	report_is "$T/out" $((SIZES_C * SIZES_N)) 0
	[ ! -s "$T/err" ] || fail "-m echo -b $bytes: stderr: $(cat "$T/err")"
	grep -q ", echo $bytes bytes\$" "$T/out" ||
	    fail "-m echo -b $bytes: $(head -n 1 "$T/out")"
done
RUN_LIMIT=60 run loadcli -c 1 -n 2 -m echo -b 16777216 -T 30 \
    "127.0.0.1:$SERVER_PORT" >"$T/out" 2>"$T/err" ||
    fail "-m echo -b 16777216 exited $?: $(cat "$T/out" "$T/err")"
report_is "$T/out" 2 0
stop_server "$SERVER_PID"
for bytes in 1 1000 100000; do
	echoed=$(grep -c ": echo: $bytes bytes in, $bytes out, " "$SERVER_ERR")
	[ "$echoed" -eq $((SIZES_C * SIZES_N)) ] ||
	    fail "forkd echoed $bytes bytes $echoed times: $(cat "$SERVER_ERR")"
done
[ "$(grep -c ": echo: 16777216 bytes in, 16777216 out, " "$SERVER_ERR")" -eq 2 ] ||
    fail "forkd did not echo 2 x 16 MiB: $(cat "$SERVER_ERR")"
ok "-m echo of 1, 1000, 100000 bytes and 16 MiB comes back whole"

# The same count against forkd -s echo, in the JSON, which is one object
# with every key.
start_server forkd -v -s echo 127.0.0.1:0
run loadcli -j -c 3 -n 7 -m echo -b 100 "127.0.0.1:$SERVER_PORT" \
    >"$T/json" 2>"$T/err" || fail "-j exited $?: $(cat "$T/json" "$T/err")"
stop_server "$SERVER_PID"
[ ! -s "$T/err" ] || fail "-j: stderr: $(cat "$T/err")"
[ "$(wc -l <"$T/json")" -eq 1 ] || fail "-j printed other than one line: $(cat "$T/json")"
grep -q '^forkd: 21 connections, ' "$SERVER_ERR" ||
    fail "forkd's summary: $(tail -n 3 "$SERVER_ERR")"
json_check "$T/json" "d['address'] == '127.0.0.1:$SERVER_PORT'"
json_check "$T/json" "d['mode'] == 'echo' and d['bytes'] == 100"
json_check "$T/json" "d['children'] == 3 and d['connections_per_child'] == 7"
json_check "$T/json" "d['connections'] == 21 and d['failed'] == 0 and d['not_made'] == 0"
json_check "$T/json" "d['errors'] == dict(refused=0, reset=0, timed_out=0,
    short_reply=0, unexpected_reply=0, other=0)"
json_check "$T/json" "d['unexpected'] == dict(count=0, first_bytes=None,
    offset=None, echo=False)"
json_check "$T/json" "d['elapsed_s'] > 0 and d['rate'] > 0 and d['rate_asked'] is None"
json_check "$T/json" "d['requests_per_connection'] == 1 and d['request_rate'] > 0"
json_check "$T/json" "sorted(d['latency_ms']) == ['max', 'mean', 'p50', 'p90',
    'p99', 'p99_9', 'stddev']"
json_check "$T/json" "0 < d['latency_ms']['p50'] <= d['latency_ms']['p90'] <=
    d['latency_ms']['p99'] <= d['latency_ms']['p99_9'] <= d['latency_ms']['max']"
json_check "$T/json" "0 < d['latency_ms']['mean'] <= d['latency_ms']['max']"
json_check "$T/json" "0 <= d['latency_ms']['stddev'] <= d['latency_ms']['max']"
json_check "$T/json" "sorted(d['client_cpu_s']) == ['system', 'user']"
json_check "$T/json" "min(d['client_cpu_s'].values()) >= 0"
ok "-j prints one JSON object with the counts, the rate, the percentiles, the CPU"

# -4 takes the first IPv4 address of a name; an IPv6 literal works too,
# where there is an IPv6 loopback.
start_server iterd -s bench 127.0.0.1:0
run loadcli -4 -c 1 -n 2 "localhost:$SERVER_PORT" >"$T/out" 2>"$T/err" ||
    fail "-4 localhost exited $?: $(cat "$T/out" "$T/err")"
stop_server "$SERVER_PID"
grep -q "^loadcli: 127\.0\.0\.1:$SERVER_PORT, " "$T/out" ||
    fail "-4 localhost: $(cat "$T/out")"
report_is "$T/out" 2 0
ok "-4 localhost goes to 127.0.0.1"
if python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null
then
	start_server iterd -s bench '[::1]:0'
	run loadcli -c 1 -n 2 "[::1]:$SERVER_PORT" >"$T/out" 2>"$T/err" ||
	    fail "[::1] exited $?: $(cat "$T/out" "$T/err")"
	stop_server "$SERVER_PID"
	grep -q "^loadcli: \[::1\]:$SERVER_PORT, " "$T/out" || fail "[::1]: $(cat "$T/out")"
	report_is "$T/out" 2 0
	ok "[::1] works as well"
fi

# The servers that answer wrong are tests/odd-server.py's: reset drops every
# connection with an RST; early sends half the (zero) bytes asked for;
# long sends "extra!" after them; flip:50 echoes with byte 50 changed;
# silent accepts and never answers; slow answers a bench request right,
# after 0.2 s.

# error_kind KIND KEY PORT MADE NOT_MADE ARGS...: "loadcli ARGS" at PORT
# exits 1, MADE connections all failed as KIND ("short reply"), in the
# text report and as errors.KEY in the JSON, and NOT_MADE were not made.
# Standard error is empty, but for an unexpected reply, which stops the run.
error_kind() {
	local kind=$1 key=$2 port=$3 made=$4 not_made=$5 status said=""
	shift 5
	[ "$key" = unexpected_reply ] &&
	    said="loadcli: unexpected reply; the run was stopped at the first"
	run loadcli "$@" "127.0.0.1:$port" >"$T/out" 2>"$T/err"
	status=$?
	[ "$status" -eq 1 ] || fail "$kind: exit $status: $(cat "$T/out" "$T/err")"
	[ "$(cat "$T/err")" = "$said" ] || fail "$kind: stderr: $(cat "$T/err")"
	[ "$not_made" -eq 0 ] && not_made=
	report_is "$T/out" "$made" "$made" "$not_made"
	grep -qx "errors       $kind $made" "$T/out" || fail "$kind: $(cat "$T/out")"
	run loadcli -j "$@" "127.0.0.1:$port" >"$T/json" 2>"$T/err"
	status=$?
	[ "$status" -eq 1 ] || fail "$kind -j: exit $status: $(cat "$T/json" "$T/err")"
	json_check "$T/json" "d['connections'] == $made and d['failed'] == $made"
	json_check "$T/json" "d['not_made'] == ${not_made:-0}"
	json_check "$T/json" "d['errors'] == dict(dict.fromkeys(['refused', 'reset',
	    'timed_out', 'short_reply', 'unexpected_reply', 'other'], 0), $key=$made)"
}

odd_server reset
error_kind reset reset "$ODD_PORT" 21 0 -c 3 -n 7
odd_server_stop
ok "a server that resets every connection: reset, exit 1"

odd_server early
error_kind "short reply" short_reply "$ODD_PORT" 21 0 -c 3 -n 7 -b 100
odd_server_stop
ok "a server that sends half the bytes: short reply, exit 1"

# The first unexpected reply ends the run (tests/loadcli-protocol.sh has
# more): one child, so that one connection is made and 6 are not.
odd_server flip:50
error_kind "unexpected reply" unexpected_reply "$ODD_PORT" 1 6 -c 1 -n 7 -m echo -b 100
json_check "$T/json" "d['unexpected']['offset'] == 50 and not d['unexpected']['echo']"
odd_server_stop
odd_server long
error_kind "unexpected reply" unexpected_reply "$ODD_PORT" 1 6 -c 1 -n 7 -b 100
json_check "$T/json" "d['unexpected']['offset'] == 100"
json_check "$T/json" "d['unexpected']['first_bytes'] == 16 * r'\x00'"
odd_server_stop
ok "an echo with a byte changed, a reply one byte long: unexpected reply, exit 1"

# A port that was just free: a server stopped there.
start_server iterd -s bench 127.0.0.1:0
closed=$SERVER_PORT
stop_server "$SERVER_PID"
error_kind refused refused "$closed" 21 0 -c 3 -n 7
ok "a closed port: refused, exit 1"

# -T 2 against a server that never answers: each child's first connection
# times out at the deadline, and the other 6 of each are not made.
odd_server silent
start=$(date +%s%N)
error_kind "timed out" timed_out "$ODD_PORT" 3 18 -c 3 -n 7 -T 2
took=$((($(date +%s%N) - start) / 1000000))
json_check "$T/json" "1.9 <= d['elapsed_s'] <= 2 + $SLACK"
[ "$took" -ge 3800 ] && [ "$took" -le $((2 * (2 + SLACK) * 1000)) ] ||
    fail "two runs of -T 2 took $took ms"
ok "-T 2 against a server that never answers: timed out after 2 s, exit 1"

# -t 0.5 against the same server: each connection gives up after 0.5 s,
# not at the -T deadline; each child makes its 2 one after the other, so
# the run takes about 1 s.
error_kind "timed out" timed_out "$ODD_PORT" 6 0 -c 3 -n 2 -t 0.5 -T 30
json_check "$T/json" "0.95 <= d['elapsed_s'] <= 1 + $SLACK"
json_check "$T/json" "d['timeout_s'] == 0.5"
odd_server_stop
ok "-t 0.5 against a server that never answers: each connection timed out after 0.5 s"

# The progress line: on a terminal (a pseudo-terminal here) without -q,
# not with -q.  ptyrun OUT ARGS: loadcli ARGS, its standard error a
# terminal whose output goes to OUT.
ptyrun() {
	local out=$1
	shift
	command_for loadcli
	python3 - "$out" "${CMD[@]}" "$@" <<'PY'
import os, pty, select, subprocess, sys, time
out = sys.argv[1]
master, slave = pty.openpty()
p = subprocess.Popen(sys.argv[2:], stdin=subprocess.DEVNULL,
                     stdout=open(out + ".stdout", "w"), stderr=slave)
os.close(slave)
data = b""
deadline = time.time() + 60
while time.time() < deadline:
    r, _, _ = select.select([master], [], [], 0.5)
    if not r:
        if p.poll() is not None:
            break
        continue
    try:
        chunk = os.read(master, 4096)
    except OSError:            # EIO: every writer of the terminal is gone
        break
    if not chunk:
        break
    data += chunk
open(out, "wb").write(data)
try:
    sys.exit(p.wait(timeout=10))
except subprocess.TimeoutExpired:
    p.kill()
    sys.exit(124)
PY
}

# 6 connections of 0.2 s each, 2 at a time, take 0.6 s: the line, which
# loadcli rewrites 4 times a second, shows at least once, and is erased.
odd_server slow
ptyrun "$T/tty" -c 2 -n 3 -b 10 "127.0.0.1:$ODD_PORT" ||
    fail "loadcli on a terminal exited $?: $(cat -v "$T/tty")"
grep -q "^"$'\r'"loadcli: [0-6] of 6 connections, [0-9]*\.[0-9] s" "$T/tty" ||
    fail "no progress line on a terminal: '$(cat -v "$T/tty")'"
tail -c 62 "$T/tty" | cmp -s - <(printf '\r%60s\r' '') ||
    fail "the progress line is not erased: '$(cat -v "$T/tty")'"
report_is "$T/tty.stdout" 6 0
for quiet in -q -j; do
	ptyrun "$T/tty" "$quiet" -c 2 -n 3 -b 10 "127.0.0.1:$ODD_PORT" ||
	    fail "loadcli $quiet on a terminal exited $?: $(cat -v "$T/tty")"
	[ ! -s "$T/tty" ] || fail "$quiet on a terminal wrote '$(cat -v "$T/tty")'"
done
json_check "$T/tty.stdout" "d['connections'] == 6 and d['failed'] == 0"
odd_server_stop
ok "the progress line shows on a terminal, and not with -q or -j"


expect_usage "loadcli: -c 0: too small (1 to 4096)" loadcli -c 0
expect_usage "loadcli: -n abc: not a number (1 to 1000000000)" loadcli -n abc
expect_usage "loadcli: -m nope: not bench or echo" loadcli -m nope
expect_usage "loadcli: -b 16777217: too large (1 to 16777216)" loadcli -b 16777217
expect_usage "loadcli: -T 0.0001: too small (0.001 to 86400)" loadcli -T 0.0001
expect_usage "loadcli: -T 2s: not a number of seconds (0.001 to 86400)" loadcli -T 2s
expect_usage "loadcli: -t 0: too small (0.001 to 86400)" loadcli -t 0
expect_usage "loadcli: -t 1e3: not a number of seconds (0.001 to 86400)" loadcli -t 1e3
expect_usage "loadcli: -D 0.0000001: finer than a microsecond (0.001 to 86400)" loadcli -D 0.0000001
expect_usage "loadcli: -D 86401: too large (0.001 to 86400)" loadcli -D 86401
expect_usage "loadcli: -R 0: too small (1 to 10000000)" loadcli -R 0
expect_usage "loadcli: -R 1.5: not a number (1 to 10000000)" loadcli -R 1.5
expect_usage "loadcli: -k 0: too small (1 to 1000000)" loadcli -k 0
expect_usage "loadcli: -k x: not a number (1 to 1000000)" loadcli -k x
expect_usage "loadcli: bad address '70000': port out of range" loadcli 70000
expect_usage "loadcli: too many operands: '127.0.0.1:2'" loadcli 127.0.0.1:1 127.0.0.1:2
expect_usage "loadcli: unknown option '-x'" loadcli -x
ok "usage errors exit 2 with the exact message"
