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
start_server forkd -m 2 127.0.0.1:0
hold_client one "$SERVER_PORT"
hold_client two "$SERVER_PORT"
printf 'third\n' | run tcpcli "127.0.0.1:$SERVER_PORT" >"$T/third" &
THIRD=$!
wait_queued "$SERVER_PORT" 1 "$T/third" ||
    fail "the third client is not waiting in the listen queue"
[ ! -s "$T/third" ] || fail "a third client was served with -m 2 and two connected"
[ "$(children_of "$SERVER_PID")" -eq 2 ] || fail "$(children_of "$SERVER_PID") children with -m 2"
release_client one || fail "client one failed"
wait "$THIRD" || fail "the third client failed"
[ "$(cat "$T/third")" = third ] || fail "the third client got '$(cat "$T/third")'"
release_client two || fail "client two failed"
stop_server "$SERVER_PID"
ok "-m 2 makes the third client wait for a free child"

# SIGTERM: connected clients finish; then nothing of the server is left.
term_with_clients 2 forkd
ok "SIGTERM lets connected clients finish, and leaves no process"

# A second SIGTERM ends the children at once.
SERVER_SETSID=1 start_server forkd 127.0.0.1:0
hold_client c "$SERVER_PORT"
kill -TERM "$SERVER_PID"
wait_asleep "$SERVER_PID" 10 TERM || fail "forkd left with a client connected"
kill -TERM "$SERVER_PID"
wait_gone "$SERVER_PID" 10 || fail "forkd still running after a second SIGTERM"
wait "$SERVER_PID" || fail "forkd exited $? after a second SIGTERM"
release_client c && fail "the held client was not cut off"
pgrep -g "$SERVER_PID" >/dev/null && fail "a process of forkd's group is left"
grep -q 'killed by signal 9' "$SERVER_ERR" || fail "the killed child was not logged"
ok "a second SIGTERM ends the children at once"

# -d -p: ready when it returns; SIGTERM removes the pidfile, leaves nothing.
daemon_round_trip forkd
ok "-d -p, then SIGTERM, leaves no pidfile and no process"
