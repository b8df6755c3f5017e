#!/bin/bash
# loadcli-held: loadcli -H holds that many idle connections open to the
# server for the whole run, all from one more process, beside a load that
# succeeds; the server really has them; a server that cannot take them does
# not hang the run; one that closes them is reported, and fails the run;
# the holder ends when loadcli ends, however it ends; a -H that the hard
# limit of descriptors cannot fit is refused with a clear message.
. "${TOP_SRCDIR:?run the tests through make check}/tests/lib.sh" || exit 99

# Under valgrind every process of loadcli runs a leak check as it exits,
# and every connection is slower: fewer of them.
if [ -n "${TINCAN_VALGRIND:-}" ]; then
	HELD=50 N=10 SLACK=20
else
	HELD=200 N=50 SLACK=5
fi

# held_line_is FILE ASKED OPEN CLOSED NOT_CONNECTED: the held line of a
# text report.
held_line_is() {
	local want="held         $2 asked, $3 open at the end, $4 closed by the server, $5 not connected"
	grep -qx "$want\( ([^)]*)\)\{0,1\}, [0-9]*\.[0-9]\{3\} s to connect" "$1" ||
	    fail "want '$want' in: $(cat "$1")"
}

# sockets PID: how many sockets process PID has open.
sockets() {
	find "/proc/$1/fd" -mindepth 1 -lname 'socket:*' 2>/dev/null | wc -l
}

# find_holder: the one of KIDS that holds HELD sockets or more, in HOLDER,
# each of KIDS tracked; bounded.  Fails if none does, or more than one.
find_holder() {
	local kid i n
	for kid in $KIDS; do
		track "$kid"	# should one outlive loadcli, the test still ends it
	done
	for ((i = 0; i < START_LIMIT * 20; i++)); do
		n=0
		for kid in $KIDS; do
			[ "$(sockets "$kid")" -ge "$HELD" ] && HOLDER=$kid n=$((n + 1))
		done
		[ "$n" -gt 0 ] && break
		sleep 0.05
	done
	[ "$n" -eq 1 ]
}

# The load all succeeds beside HELD held connections, which are all still
# open at the end; the JSON has them too.  evd serves them all at once.
start_server evd -s bench 127.0.0.1:0
run loadcli -H "$HELD" -c 2 -n "$N" "127.0.0.1:$SERVER_PORT" >"$T/out" 2>"$T/err" ||
    fail "-H $HELD exited $?: $(cat "$T/out" "$T/err")"
[ ! -s "$T/err" ] || fail "-H $HELD: stderr: $(cat "$T/err")"
grep -qx "connections  $((2 * N)), 0 failed" "$T/out" || fail "the load: $(cat "$T/out")"
held_line_is "$T/out" "$HELD" "$HELD" 0 0
[ "$(tail -n 1 "$T/out" | cut -c 1-4)" = held ] || fail "the held line is not last: $(cat "$T/out")"
run loadcli -j -H "$HELD" -c 2 -n "$N" "127.0.0.1:$SERVER_PORT" >"$T/json" 2>"$T/err" ||
    fail "-j -H $HELD exited $?: $(cat "$T/json" "$T/err")"
json_check "$T/json" "d['connections'] == $((2 * N)) and d['failed'] == 0"
json_check "$T/json" "{k: v for k, v in d['held'].items() if k != 'connect_s'} ==
    dict(asked=$HELD, connected=$HELD, open=$HELD, closed=0, failed=0,
    errors=dict(refused=0, reset=0, timed_out=0, other=0), bytes=0)"
json_check "$T/json" "0 <= d['held']['connect_s'] < 60"
run loadcli -j -c 1 -n 1 "127.0.0.1:$SERVER_PORT" >"$T/json" 2>"$T/err" ||
    fail "-j exited $?: $(cat "$T/json" "$T/err")"
json_check "$T/json" "'held' not in d"
stop_server "$SERVER_PID"
ok "-H $HELD beside a load of 2 x $N against evd: all $HELD open at the end, in text and JSON"

# held_run C: loadcli -q -H HELD -c C against SERVER_PORT in the
# background, to run until it is stopped (its runner in RUNNER); once its
# C children and its holder are there, its pid is in PARENT, theirs in
# KIDS, the holder's in HOLDER.
held_run() {
	run loadcli -q -H "$HELD" -c "$1" -n 1000000000 -T 120 \
	    "127.0.0.1:$SERVER_PORT" >"$T/lc.out" 2>"$T/lc.err" &
	RUNNER=$!
	loadcli_started "clients/loadcli -q -H $HELD -c $1 .*:$SERVER_PORT\$" $(($1 + 1)) ||
	    fail "loadcli -H did not start $1 children and a holder: $KIDS"
	find_holder || fail "not one child of loadcli holds $HELD sockets"
}

# During a run: the server has the held connections, all from one more
# process, the holder; it goes when loadcli goes, stopped (SIGTERM: the
# report is made, and counts them open) or killed outright.  The server
# discards, so the load waits for a reply that never comes: the children
# wait with it, and take no CPU from others.
start_server evd -s discard 127.0.0.1:0
for sig in TERM KILL; do
	held_run 2
	# The listener and the held connections, and perhaps one of the load's.
	for ((i = 0; i < START_LIMIT * 20; i++)); do
		[ "$(sockets "$SERVER_PID")" -gt "$HELD" ] && break
		sleep 0.05
	done
	[ "$(sockets "$SERVER_PID")" -gt "$HELD" ] ||
	    fail "evd has $(sockets "$SERVER_PID") sockets, not $HELD and its listener"
	[ "$(pgrep -P "$PARENT" | wc -l)" -eq 3 ] ||
	    fail "loadcli has $(pgrep -P "$PARENT" | wc -l) children, not 2 and a holder"
	kill "-$sig" "$PARENT"
	# The holder ends when told, well before loadcli would kill it.
	wait_gone "$HOLDER" "$SLACK" || fail "the holder outlived SIG$sig to loadcli"
	for kid in $KIDS; do
		wait_gone "$kid" "$SLACK" || fail "a child of loadcli outlived SIG$sig to it"
	done
	wait_gone "$PARENT" "$SLACK" || fail "loadcli still running after SIG$sig"
	wait "$RUNNER"
	status=$?
	if [ "$sig" = TERM ]; then
		[ "$status" -eq 1 ] || fail "loadcli exited $status after SIGTERM: $(cat "$T/lc.err")"
		[ "$(cat "$T/lc.err")" = 'loadcli: stopped by signal 15; the run was cut short' ] ||
		    fail "after SIGTERM: $(cat "$T/lc.err")"
		held_line_is "$T/lc.out" "$HELD" "$HELD" 0 0
	fi
	ok "-H $HELD: evd has them, from one holder beside 2 children, gone with SIG$sig to loadcli"
done

# The holder killed under loadcli: the run goes on, and says so.
held_run 1
kill -KILL "$HOLDER"
wait_gone "$HOLDER" 10 || fail "the holder did not die"
kill -0 "$PARENT" || fail "loadcli ended with its holder"
kill -TERM "$PARENT"
wait "$RUNNER"
status=$?
[ "$status" -eq 1 ] || fail "loadcli exited $status: $(cat "$T/lc.err")"
grep -qx 'loadcli: the holder of -H was killed by signal 9' "$T/lc.err" ||
    fail "no word of the holder's end: $(cat "$T/lc.err")"
ok "a holder killed under loadcli is reported"
stop_server "$SERVER_PID"

# A pool of two threads takes two of 20 connections; the other 18 wait in
# its listen queue, connected for the client, and so does the load, which
# times out at the -T deadline (a decimal): the run ends then, not
# before, exit 1, with the report.
start_server prethreadd -n 2 -l main -s bench 127.0.0.1:0
start=$(date +%s%N)
run loadcli -H 20 -c 1 -n 5 -T 2.5 "127.0.0.1:$SERVER_PORT" >"$T/out" 2>"$T/err"
status=$?
took=$((($(date +%s%N) - start) / 1000000))
[ "$status" -eq 1 ] || fail "against a full pool: exit $status: $(cat "$T/out" "$T/err")"
[ "$took" -ge 2500 ] && [ "$took" -le $((2500 + SLACK * 1000)) ] ||
    fail "-T 2.5 against a full pool took $took ms"
grep -qx 'connections  1, 1 failed, 4 not made' "$T/out" || fail "the load: $(cat "$T/out")"
held_line_is "$T/out" 20 20 0 0
stop_server "$SERVER_PID"
ok "-H 20 against a pool of 2 threads: ends at -T 2.5 ($took ms), exit 1, all 20 held"

# iterd -t 1 serves one connection at a time and drops it after 1 s idle:
# the two held connections, first in its queue, are dropped before the
# load is served.  The load succeeds; the closes are reported, exit 1.
start_server iterd -t 1 -s bench 127.0.0.1:0
run loadcli -H 2 -c 1 -n 5 "127.0.0.1:$SERVER_PORT" >"$T/out" 2>"$T/err"
status=$?
[ "$status" -eq 1 ] || fail "held connections closed: exit $status: $(cat "$T/out" "$T/err")"
[ ! -s "$T/err" ] || fail "held connections closed: stderr: $(cat "$T/err")"
grep -qx 'connections  5, 0 failed' "$T/out" || fail "the load: $(cat "$T/out")"
held_line_is "$T/out" 2 0 2 0
stop_server "$SERVER_PID"
ok "held connections that the server closes (iterd -t 1): reported, exit 1"

# A port where nothing listens: every held connection is refused.
start_server iterd -s bench 127.0.0.1:0
closed=$SERVER_PORT
stop_server "$SERVER_PID"
run loadcli -H 3 -c 1 -n 1 "127.0.0.1:$closed" >"$T/out" 2>"$T/err"
status=$?
[ "$status" -eq 1 ] || fail "a closed port: exit $status: $(cat "$T/out" "$T/err")"
held_line_is "$T/out" 3 0 0 3
grep -q '^held .* not connected (refused 3), ' "$T/out" || fail "refused: $(cat "$T/out")"
ok "held connections refused are reported by kind, exit 1"

# More than the hard limit of descriptors fits: refused before anything
# starts.  (Valgrind keeps a few of the descriptors for itself.)
(
	ulimit -n 256
	run loadcli -H 1000 -c 1 -n 1 "127.0.0.1:$closed" >"$T/out" 2>"$T/err"
)
status=$?
[ "$status" -eq 1 ] || fail "-H 1000 under ulimit -n 256: exit $status: $(cat "$T/err")"
[ ! -s "$T/out" ] || fail "-H 1000 under ulimit -n 256 wrote a report: $(cat "$T/out")"
grep -qx 'loadcli: -H 1000: 1032 descriptors needed, the hard limit is 2[0-9][0-9] (ulimit -Hn)' "$T/err" ||
    fail "-H 1000 under ulimit -n 256 said: $(cat "$T/err")"
ok "-H beyond the hard limit of descriptors: a clear message, exit 1"

expect_usage "loadcli: -H -1: too small (0 to 1000000)" loadcli -H -1
expect_usage "loadcli: -H 1000001: too large (0 to 1000000)" loadcli -H 1000001
ok "-H out of range is a usage error"
