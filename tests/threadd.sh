#!/bin/bash
# threadd: a thread per connection.  Concurrent clients get exact echoes
# and exact bench replies; every thread ends once its client has gone;
# -m holds the main thread at its limit, the next client in the listen
# queue; a client that stalls holds only its own thread, and is dropped
# after -t; SIGTERM lets connected clients finish and leaves no process;
# a second SIGTERM ends their connections at once; -d -p as for iterd;
# -u drops every thread to the user.  With SHORT set (the helgrind twin),
# fewer connections.
. "${TOP_SRCDIR:?run the tests through make check}/tests/lib.sh" || exit 99

# Connections in a burst, and concurrent clients; seconds a client may
# stay idle (-t), and the latest it may be dropped after that.
if [ -n "${SHORT:-}" ]; then CONNS=100 CLIENTS=10; else CONNS=500 CLIENTS=20; fi
# The others must be served within IDLE seconds, on a machine that may be
# busy with other tests: room for a slow start of the python client.
if [ -n "${TINCAN_VALGRIND:-}" ]; then IDLE=8 DROP_LATE=6; else IDLE=5 DROP_LATE=3; fi

# Concurrent clients: exact echoes, exact bench replies.
start_server threadd -v -s echo 127.0.0.1:0
burst "$SERVER_PORT" -c "$CLIENTS" -n "$CONNS" -m echo || fail "echo burst: $(cat "$T/burst.out")"
grep -qx "connections $CONNS errors 0" "$T/burst.out" || fail "echo burst: $(cat "$T/burst.out")"
# Every thread is detached, and ends with its connection: only the main
# thread is left.
wait_tasks "$SERVER_PID" 1 || fail "$(($(tasks "$SERVER_PID") - 1)) threads left after the burst"
stop_server "$SERVER_PID"
grep -q "^threadd: $CONNS connections, " "$SERVER_ERR" || fail "summary: $(tail -n 3 "$SERVER_ERR")"
start_server threadd -s bench 127.0.0.1:0
burst "$SERVER_PORT" -c "$CLIENTS" -n "$CONNS" -m bench || fail "bench burst: $(cat "$T/burst.out")"
grep -qx "connections $CONNS errors 0" "$T/burst.out" || fail "bench burst: $(cat "$T/burst.out")"
wait_tasks "$SERVER_PID" 1 || fail "$(($(tasks "$SERVER_PID") - 1)) threads left after the bench burst"
stop_server "$SERVER_PID"
ok "$CLIENTS clients, $CONNS connections, exact echoes and bench replies, no thread left"

# -m 2: two clients held, two threads; the third client waits in the
# listen queue, and is served once one of the two leaves.
max_two_queues_third tasks 3 threadd -m 2
ok "-m 2 makes the third client wait in the listen queue"

# A client that sends nothing holds only its own thread: ten others are
# served meanwhile, and it is dropped after about -t.
start_server threadd -t "$IDLE" 127.0.0.1:0
silent_client_start "$SERVER_PORT" "$IDLE" "$DROP_LATE"
wait_tasks "$SERVER_PID" 2 || fail "no thread serves the silent client"
burst "$SERVER_PORT" -c 2 -n 10 -m echo || fail "beside a silent client: $(cat "$T/burst.out")"
[ ! -e "$T/silent.dropped" ] || fail "the silent client was dropped before the others were served"
wait "$SILENT" || fail "the silent client: see above"
wait_tasks "$SERVER_PID" 1 || fail "the silent client's thread is still there"
stop_server "$SERVER_PID"
ok "a silent client holds only its thread, dropped after $(cat "$T/silent.dropped") s with -t $IDLE"

# SIGTERM: connected clients finish; then nothing of the server is left.
term_with_clients 2 threadd
ok "SIGTERM lets connected clients finish, and leaves no process"

# A second SIGTERM ends the connections at once: the server, which waits
# for its threads, exits 0 well within -t, and the held client finds its
# connection gone.
second_term_cuts 1 threadd
ok "a second SIGTERM ends the connections at once"

# -d -p: ready when it returns; SIGTERM removes the pidfile, leaves nothing.
daemon_round_trip threadd
ok "-d -p, then SIGTERM, leaves no pidfile and no process"

# -u nobody (root only): every thread, the one serving a client too, runs
# as nobody, and it serves.
if [ "$(id -u)" -ne 0 ] || ! id nobody >/dev/null 2>&1; then
	echo "skipped: -u nobody needs root and a user nobody"
	exit 0
fi
uid=$(id -u nobody)
start_server threadd -u nobody 127.0.0.1:0
hold_client u "$SERVER_PORT"
wait_tasks "$SERVER_PID" 2 || fail "-u nobody: not 2 threads with a client held"
for status in /proc/"$SERVER_PID"/task/*/status; do
	[ "$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "$status")" = "$uid $uid $uid $uid" ] ||
	    fail "-u nobody: a thread's uids: $(grep '^Uid:' "$status")"
done
release_client u || fail "-u nobody: the held client failed"
[ "$(echo dropped | run tcpcli "127.0.0.1:$SERVER_PORT")" = dropped ] || fail "threadd -u does not serve"
stop_server "$SERVER_PID"
ok "-u nobody: every thread runs as nobody, and it serves"
