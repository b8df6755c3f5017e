#!/bin/bash
# forkd: a child per connection.  Concurrent clients get exact echoes and
# exact bench replies; no zombie survives a burst; -m holds the parent at
# its limit; SIGTERM lets connected clients finish and leaves no process;
# a second SIGTERM ends the children at once; -d -p as for iterd.
. "${TOP_SRCDIR:?run the tests through make check}/tests/lib.sh" || exit 99

# Under valgrind every child runs a leak check as it exits: fewer of them.
if [ -n "${TINCAN_VALGRIND:-}" ]; then ZOMBIE_BURST=300; else ZOMBIE_BURST=2000; fi

# 20 concurrent clients, 500 connections: exact echoes, exact bench replies.
start_server forkd -v -s echo 127.0.0.1:0
burst "$SERVER_PORT" -c 20 -n 500 -m echo || fail "echo burst: $(cat "$T/burst.out")"
grep -qx 'connections 500 errors 0' "$T/burst.out" || fail "echo burst: $(cat "$T/burst.out")"
stop_server "$SERVER_PID"
grep -q '^forkd: 500 connections, ' "$SERVER_ERR" || fail "summary: $(tail -n 3 "$SERVER_ERR")"
start_server forkd -s bench 127.0.0.1:0
burst "$SERVER_PORT" -c 20 -n 500 -m bench || fail "bench burst: $(cat "$T/burst.out")"
stop_server "$SERVER_PID"
ok "20 clients, 500 connections, exact echoes and bench replies"

# No zombie survives a burst of short connections.
start_server forkd -s bench 127.0.0.1:0
burst "$SERVER_PORT" -c 8 -n "$ZOMBIE_BURST" -m bench || fail "burst: $(cat "$T/burst.out")"
for ((i = 0; i < 200; i++)); do
	[ "$(children_of "$SERVER_PID")" -eq 0 ] && break
	sleep 0.05
done
zombies=$(ps -o stat= --ppid "$SERVER_PID" | grep -c Z)
[ "$zombies" -eq 0 ] || fail "$zombies zombies after $ZOMBIE_BURST connections"
[ "$(children_of "$SERVER_PID")" -eq 0 ] || fail "children left after the burst"
stop_server "$SERVER_PID"
ok "no zombie after $ZOMBIE_BURST connections"

# -m 2: the third of three idle clients is served only once one leaves:
# until then it waits in the listen queue.
max_two_queues_third children_of 2 forkd -m 2
ok "-m 2 makes the third client wait for a free child"

# SIGTERM: connected clients finish; then nothing of the server is left.
term_with_clients 2 forkd
ok "SIGTERM lets connected clients finish, and leaves no process"

# A second SIGTERM ends the children at once.
second_term_cuts 1 forkd
grep -q 'killed by signal 9' "$SERVER_ERR" || fail "the killed child was not logged"
ok "a second SIGTERM ends the children at once"

# -d -p: ready when it returns; SIGTERM removes the pidfile, leaves nothing.
daemon_round_trip forkd
ok "-d -p, then SIGTERM, leaves no pidfile and no process"
