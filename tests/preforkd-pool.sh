# preforkd-pool: the tests of one accept strategy of preforkd, sourced by
# tests/preforkd-STRATEGY.sh with STRATEGY set.  Concurrent clients get
# exact echoes and bench replies and the report adds up; a child killed in
# a burst is replaced within a second and no other client fails; -r
# replaces children; SIGHUP under load is quiet and loses no connection;
# a stopped lock holder is killed once clients wait; a stopped child holds
# up neither SIGHUP nor a stop; SIGTERM lets connected clients finish and
# leaves no process; -d -p as for iterd.
. "${TOP_SRCDIR:?run the tests through make check}/tests/lib.sh" || exit 99
: "${STRATEGY:?}"

N=4
# The pool is whole again within a second (valgrind starts children slowly);
# clients behind a stopped lock holder are served within SERVE_MS.
if [ -n "${TINCAN_VALGRIND:-}" ]; then REFILL=10 SERVE_MS=20000; else REFILL=1 SERVE_MS=10000; fi

# pool_pids PID: the pids of the children of PID, sorted.
pool_pids() {
	pgrep -P "$1" | sort
}

# wait_pool PID COUNT SECONDS: wait until PID has COUNT children.
wait_pool() {
	local i
	for ((i = 0; i < $3 * 20; i++)); do
		[ "$(children_of "$1")" -eq "$2" ] && return 0
		sleep 0.05
	done
	return 1
}

# report_check ERRFILE: the total of the last report (SIGUSR1 or exit),
# once the sum of its per-child lines is found to equal it.
report_check() {
	local sum total
	sum=$(sed -n 's/^preforkd: child [0-9]* pid [0-9]*: \([0-9]*\) connections*.*/\1/p' "$1" |
	    tail -n "$N" | awk '{ s += $1 } END { print s + 0 }')
	total=$(sed -n 's/^preforkd: \([0-9]*\) connections* in all.*/\1/p' "$1" | tail -n 1)
	[ "$sum" = "$total" ] || fail "the report's children add up to $sum, its total is $total"
	echo "$total"
}

# lock_holder PID: the pid of the child of PID that holds the accept lock,
# from the reports (SIGUSR1); 1 if none is marked within 10 s.
lock_holder() {
	local i holder
	for ((i = 0; i < 100; i++)); do
		kill -USR1 "$1"
		sleep 0.1
		holder=$(sed -n 's/^preforkd: child [0-9]* pid \([0-9]*\): .*(holds the accept lock)$/\1/p' "$SERVER_ERR" | tail -n 1)
		[ -n "$holder" ] && echo "$holder" && return 0
	done
	return 1
}

# Concurrent clients: exact echoes, then exact bench replies; the report adds up.
start_server preforkd -n "$N" -l "$STRATEGY" -s echo 127.0.0.1:0
wait_pool "$SERVER_PID" "$N" "$REFILL" || fail "the pool did not start $N children"
burst "$SERVER_PORT" -c 20 -n 500 -m echo || fail "echo burst: $(cat "$T/burst.out")"
kill -USR1 "$SERVER_PID"
wait_for "$SERVER_ERR" 'connections* in all' || fail "no report on SIGUSR1"
[ "$(report_check "$SERVER_ERR")" -eq 500 ] || fail "the report does not count 500: $(cat "$SERVER_ERR")"
# An idle child, having served, keeps under 256 KiB of memory of its own
# (its private pages; under valgrind they are valgrind's).
if [ -z "${TINCAN_VALGRIND:-}" ] && [ -r /proc/"$SERVER_PID"/smaps_rollup ]; then
	for child in $(pool_pids "$SERVER_PID"); do
		private=$(awk '/^Private_(Clean|Dirty):/ { kib += $2 } END { print kib + 0 }' \
		    /proc/"$child"/smaps_rollup)
		[ "$private" -lt 256 ] || fail "idle child $child has $private KiB of private memory"
	done
	echo "idle children's private memory: under 256 KiB each"
fi
stop_server "$SERVER_PID"
start_server preforkd -n "$N" -l "$STRATEGY" -s bench 127.0.0.1:0
burst "$SERVER_PORT" -c 20 -n 500 -m bench || fail "bench burst: $(cat "$T/burst.out")"
stop_server "$SERVER_PID"
[ "$(report_check "$SERVER_ERR")" -eq 500 ] || fail "the exit report does not count 500"
grep -q "^preforkd: 500 connections in all, $STRATEGY strategy$" "$SERVER_ERR" ||
    fail "exit report: $(tail -n 2 "$SERVER_ERR")"
ok "$STRATEGY: 20 clients, 500 connections, exact replies, the report adds up"

# A child killed during a burst: the pool is whole within a second, and
# only that child's client (if it had one) fails.  The kill lands once the
# burst has made 100 connections, and before it has made them all.
start_server preforkd -n "$N" -l "$STRATEGY" 127.0.0.1:0
wait_pool "$SERVER_PID" "$N" "$REFILL" || fail "the pool did not start"
burst_start "$SERVER_PORT" -c 20 -n 2000 -m echo
burst_made_at_least 100 "$START_LIMIT" || fail "the burst did not get under way: $(cat "$T/burst.out")"
victim=$(pool_pids "$SERVER_PID" | head -n 1)
kill -KILL "$victim"
made=$(burst_made)
[ "$made" -lt 2000 ] || fail "the burst was over ($made made) when the child was killed"
wait_gone "$victim" 5 || fail "the killed child is still there"
wait_pool "$SERVER_PID" "$N" "$REFILL" || fail "the pool is not back to $N within $REFILL s"
pool_pids "$SERVER_PID" | grep -qx "$victim" && fail "the killed child is still in the pool"
wait "$BURST"
errors=$(sed -n 's/^connections [0-9]* errors \([0-9]*\)$/\1/p' "$T/burst.out")
[ -n "$errors" ] && [ "$errors" -le 1 ] || fail "a child killed in a burst cost more than its client: $(cat "$T/burst.out")"
grep -q "child pid $victim killed by signal 9" "$SERVER_ERR" || fail "the death was not logged"
stop_server "$SERVER_PID"
ok "$STRATEGY: a child killed in a burst is replaced, other clients unharmed"

# The lock strategies: kill the child that holds the accept lock.
if [ "$STRATEGY" = mutex ] || [ "$STRATEGY" = fcntl ]; then
	start_server preforkd -n "$N" -l "$STRATEGY" 127.0.0.1:0
	wait_pool "$SERVER_PID" "$N" "$REFILL" || fail "the pool did not start"
	holder=$(lock_holder "$SERVER_PID") || fail "no child holds the accept lock"
	kill -KILL "$holder"
	wait_gone "$holder" 5 || fail "the lock holder is still there"
	burst "$SERVER_PORT" -c 20 -n 200 -m echo || fail "after the holder died: $(cat "$T/burst.out")"
	wait_pool "$SERVER_PID" "$N" "$REFILL" || fail "the pool is not back to $N"
	if [ "$STRATEGY" = mutex ]; then
		grep -q 'accept mutex: its holder died; taking it over' "$SERVER_ERR" ||
		    fail "the dead holder's mutex was not taken over"
	fi
	stop_server "$SERVER_PID"
	ok "$STRATEGY: the child holding the accept lock dies; the pool goes on"
fi

# The lock strategies: the child that holds the accept lock is stopped.
# With no client it is left alone (a holder may wait in accept for hours);
# once clients wait, the parent kills it within seconds, says so once, and
# replaces it, and every client is served.
if [ "$STRATEGY" = mutex ] || [ "$STRATEGY" = fcntl ]; then
	stalled='holds the accept lock and has left connections waiting'
	start_server preforkd -n "$N" -l "$STRATEGY" 127.0.0.1:0
	wait_pool "$SERVER_PID" "$N" "$REFILL" || fail "the pool did not start"
	holder=$(lock_holder "$SERVER_PID") || fail "no child holds the accept lock"
	kill -STOP "$holder"
	! wait_for "$SERVER_ERR" "$stalled" 3 || fail "a stopped holder was killed with no client waiting"
	kill -0 "$holder" 2>/dev/null || fail "the stopped holder is gone with no client waiting"
	started=$(date +%s%N)
	burst "$SERVER_PORT" -c 10 -n 10 -m echo ||
	    fail "clients behind a stopped lock holder: $(cat "$T/burst.out")"
	took=$((($(date +%s%N) - started) / 1000000))
	[ "$took" -le "$SERVE_MS" ] || fail "10 clients behind a stopped lock holder took $took ms"
	wait_gone "$holder" 5 || fail "the stopped lock holder is still there"
	wait_pool "$SERVER_PID" "$N" "$REFILL" || fail "the pool is not back to $N"
	[ "$(grep -c "^preforkd: child pid $holder $stalled for [0-9.]* s; killing it$" "$SERVER_ERR")" -eq 1 ] ||
	    fail "the stalled holder was not reported once: $(grep -e "$stalled" "$SERVER_ERR")"
	stop_server "$SERVER_PID"
	ok "$STRATEGY: a stopped lock holder is killed once clients wait ($took ms for 10)"
fi

# -r 10 over 100 connections: at least 10 different children served them.
start_server preforkd -v -n 2 -r 10 -l "$STRATEGY" 127.0.0.1:0
burst "$SERVER_PORT" -c 4 -n 100 -m echo || fail "-r burst: $(cat "$T/burst.out")"
stop_server "$SERVER_PID"
pids=$( (sed -n 's/^preforkd: child [0-9]* pid \([0-9]*\) gone; replacing it$/\1/p' "$SERVER_ERR"
    sed -n 's/^preforkd: child [0-9]* pid \([0-9]*\): .*/\1/p' "$SERVER_ERR") | sort -u | wc -l)
[ "$pids" -ge 10 ] || fail "-r 10 over 100 connections: only $pids children"
ok "$STRATEGY: -r 10 over 100 connections took $pids children"

# -r 3, counted exactly: one child, six connections one at a time.  The
# child is replaced right after its third, not its second or its fourth:
# in the log, three connections, its "gone" line, three more, the next's.
start_server preforkd -v -n 1 -r 3 -l "$STRATEGY" 127.0.0.1:0
wait_pool "$SERVER_PID" 1 "$REFILL" || fail "the pool did not start"
child=$(pool_pids "$SERVER_PID")
for k in 1 2 3 4 5 6; do
	[ "$(echo "r$k" | run tcpcli "127.0.0.1:$SERVER_PORT")" = "r$k" ] ||
	    fail "-r 3: connection $k was not echoed"
	wait_count "$SERVER_ERR" "^preforkd: 127\.0\.0\.1:[0-9]*: echo: 3 bytes in, 3 out, " "$k" ||
	    fail "-r 3: connection $k was not logged"
	[ $((k % 3)) -eq 0 ] || continue
	wait_for "$SERVER_ERR" "^preforkd: child 0 pid $child gone; replacing it\$" ||
	    fail "-r 3: child $child was not replaced after its connection $k: $(cat "$SERVER_ERR")"
	wait_pool "$SERVER_PID" 1 "$REFILL" || fail "-r 3: the pool is not whole"
	child=$(pool_pids "$SERVER_PID")
done
events=$(sed -n -e 's/^preforkd: 127\.0\.0\.1:[0-9]*: echo: 3 bytes in, 3 out, .*/C/p' \
    -e 's/^preforkd: child 0 pid [0-9]* gone; replacing it$/G/p' "$SERVER_ERR" | tr -d '\n')
[ "$events" = CCCGCCCG ] || fail "-r 3: connections (C) and replacements (G): $events"
stop_server "$SERVER_PID"
ok "$STRATEGY: -r 3 replaces a child after exactly 3 connections"

# SIGHUP under load, five times, each once the burst has made 100 more
# connections, all before it has made them all: every child replaced,
# quietly (no accept error, no child that exits 1 or is killed), no
# connection lost, and the exit report counts them all.
start_server preforkd -n "$N" -l "$STRATEGY" 127.0.0.1:0
wait_pool "$SERVER_PID" "$N" "$REFILL" || fail "the pool did not start"
before=$(pool_pids "$SERVER_PID")
burst_start "$SERVER_PORT" -c 20 -n 10000 -m echo
made=0
for k in 1 2 3 4 5; do
	burst_made_at_least $((made + 100)) "$START_LIMIT" ||
	    fail "the burst did not make 100 more than $made: $(cat "$T/burst.out")"
	kill -HUP "$SERVER_PID"
	# One at a time: a second SIGHUP before the first is handled is lost.
	wait_count "$SERVER_ERR" 'SIGHUP: replacing every child' "$k" 10 ||
	    fail "SIGHUP $k was not handled"
	made=$(burst_made)
done
[ "$made" -lt 10000 ] || fail "the burst was over ($made made) before the last SIGHUP"
wait "$BURST" || fail "SIGHUP under load lost connections: $(cat "$T/burst.out")"
wait_pool "$SERVER_PID" "$N" 10 || fail "the pool is not back to $N after SIGHUP"
after=$(pool_pids "$SERVER_PID")
[ -z "$(comm -12 <(echo "$before") <(echo "$after"))" ] || fail "children from before SIGHUP are still there"
stop_server "$SERVER_PID"
! grep -E 'accept:|exited [0-9]|killed by signal' "$SERVER_ERR" ||
    fail "SIGHUP under load was not quiet (above)"
[ "$(report_check "$SERVER_ERR")" -eq 10000 ] ||
    fail "the exit report does not count 10000: $(tail -n 1 "$SERVER_ERR")"
ok "$STRATEGY: SIGHUP under load, 5 times, replaces every child quietly and loses nothing"

# A stopped child holds up neither SIGHUP nor a stop: a child told to
# finish is continued too, and finishes quietly.
start_server preforkd -n "$N" -l "$STRATEGY" 127.0.0.1:0
wait_pool "$SERVER_PID" "$N" "$REFILL" || fail "the pool did not start"
stopped=$(pool_pids "$SERVER_PID" | head -n 1)
kill -STOP "$stopped"
kill -HUP "$SERVER_PID"
wait_gone "$stopped" 10 || fail "a stopped child replaced on SIGHUP is still there"
wait_pool "$SERVER_PID" "$N" 10 || fail "the pool is not back to $N after SIGHUP"
stopped=$(pool_pids "$SERVER_PID" | head -n 1)
kill -STOP "$stopped"
stop_server "$SERVER_PID"
! grep -E 'exited [0-9]|killed by signal' "$SERVER_ERR" ||
    fail "a stopped child did not finish quietly (above)"
ok "$STRATEGY: a stopped child holds up neither SIGHUP nor a stop"

# SIGTERM with clients connected: they finish; then nothing is left.  With
# reuseport the kernel may hash two clients to one child, which serves them
# in turn: one client there.
if [ "$STRATEGY" = reuseport ]; then held=1; else held=2; fi
term_with_clients "$held" preforkd -n "$N" -l "$STRATEGY"
ok "$STRATEGY: SIGTERM lets connected clients finish, and leaves no process"

# The parent killed outright (SIGKILL): its children do not live on.
start_server preforkd -n "$N" -l "$STRATEGY" 127.0.0.1:0
wait_pool "$SERVER_PID" "$N" "$REFILL" || fail "the pool did not start"
orphans=$(pool_pids "$SERVER_PID")
for child in $orphans; do
	track "$child"	# should they outlive it, the test still ends them
done
kill -KILL "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null
for child in $orphans; do
	wait_gone "$child" 10 || fail "child $child outlived its parent"
done
ok "$STRATEGY: children do not outlive a parent killed with SIGKILL"

# -d -p.
daemon_round_trip preforkd -l "$STRATEGY"
ok "$STRATEGY: -d -p, then SIGTERM, leaves no pidfile and no process"
