#!/bin/bash
# loadcli-protocol: a reply the protocol does not allow is an "unexpected
# reply", told at once with its first bytes escaped, and it ends the whole
# run (exit 1) well within -t: an echo server driven in bench mode (named,
# with the -m echo hint, even when it sends the request back slowly and
# then waits), bytes no bench server sends, more bytes than asked.  A
# server that closes early makes short replies, and the run goes on.  -t
# bounds each connection to a server that never answers.
. "${TOP_SRCDIR:?run the tests through make check}/tests/lib.sh" || exit 99

# Valgrind takes a second or more to start loadcli and its children: -t is
# longer there, so that a time-out is still told from a quick answer.
if [ -n "${TINCAN_VALGRIND:-}" ]; then
	TIMEOUT=6 SLACK=10
else
	TIMEOUT=2 SLACK=2
fi
STOPPED='loadcli: unexpected reply; the run was stopped at the first'

# since_ms START: the milliseconds since START, from date +%s%N.
since_ms() {
	echo $((($(date +%s%N) - $1) / 1000000))
}

# unexpected PORT LINE ARGS...: "loadcli -t TIMEOUT -T 30 ARGS" at PORT, as
# text into $T/out and as JSON into $T/json: each exits 1, says on standard
# error that the run stopped at the first unexpected reply, counts one or
# more, shows it as the line "unexpected   LINE", and ends sooner than -t,
# so that nothing was left to time out.
unexpected() {
	local port=$1 line="unexpected   $2" start took status
	shift 2
	start=$(date +%s%N)
	run loadcli -t "$TIMEOUT" -T 30 "$@" "127.0.0.1:$port" >"$T/out" 2>"$T/err"
	status=$?
	took=$(since_ms "$start")
	[ "$status" -eq 1 ] || fail "$*: exit $status: $(cat "$T/out" "$T/err")"
	[ "$(cat "$T/err")" = "$STOPPED" ] || fail "$*: stderr: $(cat "$T/err")"
	grep -q '^errors       unexpected reply [1-9][0-9]*$' "$T/out" ||
	    fail "$*: $(cat "$T/out")"
	grep -qxF "$line" "$T/out" || fail "$*: not '$line': $(cat -v "$T/out")"
	[ "$took" -lt $((TIMEOUT * 1000)) ] || fail "$*: took $took ms, -t $TIMEOUT"
	run loadcli -j -t "$TIMEOUT" -T 30 "$@" "127.0.0.1:$port" >"$T/json" 2>"$T/err"
	status=$?
	[ "$status" -eq 1 ] || fail "$* -j: exit $status: $(cat "$T/json" "$T/err")"
	json_check "$T/json" "d['unexpected']['count'] == d['errors']['unexpected_reply'] >= 1"
	json_check "$T/json" "d['errors']['timed_out'] == 0"
	# No raw byte of the peer's reaches the terminal.
	! grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$T/out" "$T/err" "$T/json" ||
	    fail "$*: a control byte got through: $(cat -v "$T/out")"
}

# (a) The suite's echo server, driven in bench mode, sends "64\n" back and
# waits for more.  Three children: the first unexpected reply stops them
# all, so most of the 3 x 1000 connections are not made.
start_server iterd -s echo 127.0.0.1:0
unexpected "$SERVER_PORT" \
    'first bytes "64\n" (the request itself: an echo server? try -m echo)' -c 3 -n 1000
grep -q '^connections  [1-3], [1-3] failed, [0-9]* not made$' "$T/out" ||
    fail "the run went on after the echo: $(cat "$T/out")"
json_check "$T/json" "d['unexpected']['echo'] is True"
json_check "$T/json" "d['unexpected']['first_bytes'] == r'64\\n'"
json_check "$T/json" "d['unexpected']['offset'] == 0 and d['not_made'] > 2900"
stop_server "$SERVER_PID"
ok "an echo server in bench mode: named, with the -m echo hint, and the run stops"

# An echo that comes a byte at a time, 0.05 s apart, is waited for (within
# -t), and named all the same.
odd_server trickle-echo
unexpected "$ODD_PORT" \
    'first bytes "1000\n" (the request itself: an echo server? try -m echo)' -c 1 -n 5 -b 1000
json_check "$T/json" "d['unexpected']['echo'] is True"
odd_server_stop
ok "an echo that trickles in is waited for, and named"

# (b) Bytes no bench server sends, an escape first: shown escaped.
odd_server garbage
unexpected "$ODD_PORT" \
    'first bytes "\x1b[31mHTTP/1.0 40" (byte 0 is not 0: not a bench reply)' -c 2 -n 50
json_check "$T/json" "d['unexpected']['first_bytes'] == r'\\x1b[31mHTTP/1.0 40'"
json_check "$T/json" "d['unexpected']['echo'] is False and d['unexpected']['offset'] == 0"
odd_server_stop
ok "garbage in reply: the first 16 bytes, escaped, and the run stops"

# (c) More bytes than asked for: the 10 zeros, then "extra!".
odd_server long
unexpected "$ODD_PORT" \
    'first bytes "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00extra!" (byte 10 is past the 10 asked for)' \
    -c 1 -n 50 -b 10
json_check "$T/json" "d['unexpected']['offset'] == 10"
odd_server_stop
ok "more bytes than asked for: unexpected, where they start"

# (d) A server that closes after half the bytes: each connection is a
# short reply, and the run goes on to the end.
odd_server early
start=$(date +%s%N)
run loadcli -c 2 -n 5 -b 100 -t "$TIMEOUT" -T 30 "127.0.0.1:$ODD_PORT" >"$T/out" 2>"$T/err"
status=$?
took=$(since_ms "$start")
odd_server_stop
[ "$status" -eq 1 ] || fail "early close: exit $status: $(cat "$T/out" "$T/err")"
[ ! -s "$T/err" ] || fail "early close: stderr: $(cat "$T/err")"
grep -qx 'connections  10, 10 failed' "$T/out" || fail "early close: $(cat "$T/out")"
grep -qx 'errors       short reply 10' "$T/out" || fail "early close: $(cat "$T/out")"
grep -qx 'latency      none: no connection succeeded' "$T/out" ||
    fail "early close: latency of failed connections: $(cat "$T/out")"
[ "$took" -lt $((TIMEOUT * 1000)) ] || fail "early close: took $took ms"
ok "a server that closes early: short replies, counted, and the run goes on"

# -t 1 against a server that never answers: each connection times out
# after 1 s, not at the -T deadline; each child's two take 2 s.
odd_server silent
start=$(date +%s%N)
run loadcli -j -c 2 -n 2 -t 1 -T 30 "127.0.0.1:$ODD_PORT" >"$T/json" 2>"$T/err"
status=$?
took=$(since_ms "$start")
odd_server_stop
[ "$status" -eq 1 ] || fail "-t 1: exit $status: $(cat "$T/json" "$T/err")"
json_check "$T/json" "d['connections'] == 4 and d['errors']['timed_out'] == 4"
json_check "$T/json" "2 <= d['elapsed_s'] <= 2 + $SLACK"
[ "$took" -ge 2000 ] && [ "$took" -le $(((2 + SLACK) * 1000 + 2000)) ] ||
    fail "-t 1: two connections a child took $took ms"
ok "-t 1: a connection that gets no answer times out after 1 s"
