#!/bin/bash
# prethreadd-pool: the tests of one strategy of prethreadd, sourced by
# tests/prethreadd-STRATEGY.sh with STRATEGY set.  The pool is its -n
# threads and the main one; concurrent clients get exact echoes and bench
# replies, and the report (SIGUSR1, and at exit) adds up; with every
# thread busy the next clients wait (in the listen queue, or with main in
# the main thread's queue first) and are served once one is free; a client
# that stalls holds only its own thread, and is dropped after -t; SIGTERM
# lets connected clients finish and leaves no process; a second SIGTERM
# ends their connections at once; -d -p as for iterd; -u drops every
# thread to the user.  With SHORT set (the helgrind twins), fewer
# connections.
. "${TOP_SRCDIR:?run the tests through make check}/tests/lib.sh" || exit 99
: "${STRATEGY:?}"

N=4
# Connections in a burst, and concurrent clients; seconds a client may
# stay idle (-t), and the latest it may be dropped after that.
if [ -n "${SHORT:-}" ]; then CONNS=100 CLIENTS=10; else CONNS=500 CLIENTS=20; fi
# The others must be served within IDLE seconds, on a machine that may be
# busy with other tests: room for a slow start of the python client.
if [ -n "${TINCAN_VALGRIND:-}" ]; then IDLE=8 DROP_LATE=6; else IDLE=5 DROP_LATE=3; fi

# sockets PID: how many sockets PID has open.
sockets() {
	find "/proc/$1/fd" -mindepth 1 -maxdepth 1 -lname 'socket:*' 2>/dev/null | wc -l
}

# wait_sockets PID COUNT: wait, bounded, until PID has COUNT sockets open.
wait_sockets() {
	local i
	for ((i = 0; i < START_LIMIT * 20; i++)); do
		[ "$(sockets "$1")" -eq "$2" ] && return 0
		sleep 0.05
	done
	return 1
}

# report_check ERRFILE: the total of the last report (SIGUSR1 or exit),
# once it is found to have a line for each thread, 0 to N-1 in order,
# whose counts add up to it.
report_check() {
	local threads sum total
	threads=$(grep '^prethreadd: thread [0-9]*: [0-9]* connections*$' "$1" | tail -n "$N" |
	    sed 's/^prethreadd: thread \([0-9]*\):.*/\1/' | tr '\n' ' ')
	[ "$threads" = "$(seq -s ' ' 0 $((N - 1))) " ] || fail "the report's threads: $threads"
	sum=$(sed -n 's/^prethreadd: thread [0-9]*: \([0-9]*\) connections*$/\1/p' "$1" |
	    tail -n "$N" | awk '{ s += $1 } END { print s + 0 }')
	total=$(sed -n "s/^prethreadd: \([0-9]*\) connections* in all, $STRATEGY strategy\$/\1/p" "$1" | tail -n 1)
	[ "$sum" = "$total" ] || fail "the report's threads add up to $sum, its total is '$total'"
	echo "$total"
}

# Concurrent clients: exact echoes, then exact bench replies; the pool is
# the main thread and N others; the report adds up.
start_server prethreadd -n "$N" -l "$STRATEGY" -s echo 127.0.0.1:0
wait_tasks "$SERVER_PID" $((N + 1)) || fail "$(tasks "$SERVER_PID") threads with -n $N, not $((N + 1))"
burst "$SERVER_PORT" -c "$CLIENTS" -n "$CONNS" -m echo || fail "echo burst: $(cat "$T/burst.out")"
grep -qx "connections $CONNS errors 0" "$T/burst.out" || fail "echo burst: $(cat "$T/burst.out")"
kill -USR1 "$SERVER_PID"
wait_for "$SERVER_ERR" 'connections* in all' || fail "no report on SIGUSR1"
[ "$(report_check "$SERVER_ERR")" -eq "$CONNS" ] || fail "the report does not count $CONNS: $(cat "$SERVER_ERR")"
[ "$(tasks "$SERVER_PID")" -eq $((N + 1)) ] || fail "$(tasks "$SERVER_PID") threads after the burst"
stop_server "$SERVER_PID"
start_server prethreadd -n "$N" -l "$STRATEGY" -s bench 127.0.0.1:0
burst "$SERVER_PORT" -c "$CLIENTS" -n "$CONNS" -m bench || fail "bench burst: $(cat "$T/burst.out")"
grep -qx "connections $CONNS errors 0" "$T/burst.out" || fail "bench burst: $(cat "$T/burst.out")"
stop_server "$SERVER_PID"
[ "$(report_check "$SERVER_ERR")" -eq "$CONNS" ] || fail "the exit report does not count $CONNS"
[ "$(tail -n 1 "$SERVER_ERR")" = "prethreadd: $CONNS connections in all, $STRATEGY strategy" ] ||
    fail "exit report: $(tail -n 2 "$SERVER_ERR")"
ok "$STRATEGY: $CLIENTS clients, $CONNS connections, $((N + 1)) threads, exact replies, the report adds up"

# -n 2, both threads held by a client: the next clients wait.  With none
# and mutex no thread is in accept, and the third waits in the listen
# queue.  With main the main thread accepts two more into its queue of
# -n entries, and the fifth waits in the listen queue.  Once a thread is
# free, every one is served.
start_server prethreadd -n 2 -l "$STRATEGY" 127.0.0.1:0
wait_tasks "$SERVER_PID" 3 || fail "$(tasks "$SERVER_PID") threads with -n 2, not 3"
hold_client one "$SERVER_PORT"
hold_client two "$SERVER_PORT"
if [ "$STRATEGY" = main ]; then waiting="third fourth fifth"; else waiting=third; fi
held=$(sockets "$SERVER_PID")
for name in $waiting; do
	printf '%s\n' "$name" | run tcpcli "127.0.0.1:$SERVER_PORT" >"$T/$name" &
	eval "PID_$name=\$!"
	if [ "$STRATEGY" = main ] && [ "$name" != fifth ]; then
		# The main thread takes it into its queue: one socket more.
		held=$((held + 1))
		wait_sockets "$SERVER_PID" "$held" ||
		    fail "the $name client was not taken into the queue: $(sockets "$SERVER_PID") sockets, not $held"
		[ "$(queued "$SERVER_PORT")" = 0 ] || fail "the $name client is in the listen queue"
	fi
done
last=${waiting##* }
wait_queued "$SERVER_PORT" 1 "$T/$last" || fail "the $last client is not waiting in the listen queue"
for name in $waiting; do
	[ ! -s "$T/$name" ] || fail "the $name client was served with both threads busy"
done
[ "$(sockets "$SERVER_PID")" -eq "$held" ] || fail "$(sockets "$SERVER_PID") sockets, not $held"
release_client one || fail "client one failed"
for name in $waiting; do
	eval "wait \$PID_$name" || fail "the $name client failed"
	[ "$(cat "$T/$name")" = "$name" ] || fail "the $name client got '$(cat "$T/$name")'"
done
release_client two || fail "client two failed"
stop_server "$SERVER_PID"
ok "$STRATEGY: with both threads busy, the next clients wait ($waiting), then are served"

# A client that sends nothing holds only its own thread: ten others are
# served meanwhile by the other, and it is dropped after about -t.
start_server prethreadd -n 2 -l "$STRATEGY" -t "$IDLE" 127.0.0.1:0
wait_tasks "$SERVER_PID" 3 || fail "the pool did not start"
silent_client_start "$SERVER_PORT" "$IDLE" "$DROP_LATE"
for ((i = 0; i < 200; i++)); do
	[ "$(queued "$SERVER_PORT")" = 0 ] && break
	sleep 0.05
done
[ "$(queued "$SERVER_PORT")" = 0 ] || fail "the silent client was not accepted"
burst "$SERVER_PORT" -c 2 -n 10 -m echo || fail "beside a silent client: $(cat "$T/burst.out")"
[ ! -e "$T/silent.dropped" ] || fail "the silent client was dropped before the others were served"
wait "$SILENT" || fail "the silent client: see above"
[ "$(echo after | run tcpcli "127.0.0.1:$SERVER_PORT")" = after ] || fail "no client served after the drop"
[ "$(tasks "$SERVER_PID")" -eq 3 ] || fail "$(tasks "$SERVER_PID") threads after the drop, not 3"
stop_server "$SERVER_PID"
ok "$STRATEGY: a silent client holds only its thread, dropped after $(cat "$T/silent.dropped") s with -t $IDLE"

# SIGTERM with clients connected: they finish; then nothing is left.
term_with_clients 2 prethreadd -n "$N" -l "$STRATEGY"
ok "$STRATEGY: SIGTERM lets connected clients finish, and leaves no process"

# A second SIGTERM ends the connections at once: the server, which joins
# its threads, exits 0 well within -t, and the held clients find their
# connections gone.
second_term_cuts 2 prethreadd -n "$N" -l "$STRATEGY"
ok "$STRATEGY: a second SIGTERM ends the connections at once"

# -d -p.
daemon_round_trip prethreadd -l "$STRATEGY"
ok "$STRATEGY: -d -p, then SIGTERM, leaves no pidfile and no process"

# -u nobody (root only): every thread of the pool runs as nobody, and it
# serves.
if [ "$(id -u)" -ne 0 ] || ! id nobody >/dev/null 2>&1; then
	echo "skipped: -u nobody needs root and a user nobody"
	exit 0
fi
uid=$(id -u nobody)
start_server prethreadd -n "$N" -l "$STRATEGY" -u nobody 127.0.0.1:0
wait_tasks "$SERVER_PID" $((N + 1)) || fail "-u nobody: the pool did not start"
hold_client u "$SERVER_PORT"
for status in /proc/"$SERVER_PID"/task/*/status; do
	[ "$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "$status")" = "$uid $uid $uid $uid" ] ||
	    fail "-u nobody: a thread's uids: $(grep '^Uid:' "$status")"
done
release_client u || fail "-u nobody: the held client failed"
[ "$(echo dropped | run tcpcli "127.0.0.1:$SERVER_PORT")" = dropped ] || fail "prethreadd -u does not serve"
stop_server "$SERVER_PID"
ok "$STRATEGY: -u nobody: every thread runs as nobody, and it serves"
