#!/bin/bash
# evd-load: the event loop under the loads it is for.  A client that
# sends and never reads (echo), or never reads what the server sends
# (chargen), costs it no more memory than another, and the other clients
# are served meanwhile; 2000 connections held open at once are all served,
# none lost.  With each way of waiting.
. "${TOP_SRCDIR:?run the tests through make check}/tests/lib.sh" || exit 99

HELD=2000

# rss_kib PID: the resident memory of PID, in KiB.
rss_kib() {
	awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status"
}

# never_read NAME PORT [send]: a client that never reads, and with send
# writes all it can until nothing has gone for a second; then says how
# much it wrote in $T/NAME.sent, and holds the connection until
# $T/NAME.release.  Sets NEVER_PID.
never_read() {
	python3 - "$2" "$T/$1" "${3:-}" <<-'PY' &
	import os, select, socket, sys, time
	port, flag, send = int(sys.argv[1]), sys.argv[2], sys.argv[3] == "send"
	s = socket.create_connection(("127.0.0.1", port), timeout=60)
	s.setblocking(False)
	sent, chunk, deadline = 0, b"x" * 65536, time.time() + 60
	while send and time.time() < deadline:
	    if not select.select([], [s], [], 1.0)[1]:
	        break                   # a second without room: it has stopped reading
	    try:
	        sent += s.send(chunk)
	    except BlockingIOError:
	        pass
	with open(flag + ".sent", "w") as f:
	    f.write("%d\n" % sent)
	while not os.path.exists(flag + ".release") and time.time() < deadline:
	    time.sleep(0.05)
	PY
	NEVER_PID=$!
}

# never_read_ends NAME BEFORE: the server of SERVER_PID, which had BEFORE
# KiB of memory before the client NAME of never_read came, has less than
# 2 MiB more; then the client and the server are let go.  Sets GROWTH.
never_read_ends() {
	GROWTH=$(($(rss_kib "$SERVER_PID") - $2))
	[ "$GROWTH" -lt 2048 ] ||
	    fail "evd: $GROWTH KiB more memory with the client $1 that does not read"
	touch "$T/$1.release"
	wait "$NEVER_PID" || fail "the client $1 that does not read failed"
	stop_server "$SERVER_PID"
}

for how in epoll poll; do
	# echo: a client that sends and never reads stops being read once the
	# room of its connection is full; its bytes wait in the kernel, not
	# in the server.  Others are served meanwhile.
	start_server evd -e "$how" 127.0.0.1:0
	[ "$(echo warm | run tcpcli "127.0.0.1:$SERVER_PORT")" = warm ] || fail "evd -e $how did not answer"
	before=$(rss_kib "$SERVER_PID")
	never_read "flood_$how" "$SERVER_PORT" send
	wait_for_file "$T/flood_$how.sent" 60 || fail "evd -e $how: the flood did not stop"
	sent=$(cat "$T/flood_$how.sent")
	[ "$sent" -gt 1048576 ] || fail "evd -e $how: the flood sent only $sent bytes"
	[ "$(echo other | run tcpcli "127.0.0.1:$SERVER_PORT")" = other ] ||
	    fail "evd -e $how: another client was not served beside the flood"
	never_read_ends "flood_$how" "$before"
	ok "evd -e $how: a client that sent $sent bytes of echo and never read costs $GROWTH KiB"

	# chargen: a client that never reads what comes.
	start_server evd -e "$how" -s chargen 127.0.0.1:0
	[ "$(run tcpcli "127.0.0.1:$SERVER_PORT" </dev/null 2>/dev/null | head -c 74 | wc -c)" -eq 74 ] ||
	    fail "evd -e $how did not send chargen"
	before=$(rss_kib "$SERVER_PID")
	never_read "deaf_$how" "$SERVER_PORT"
	wait_for_file "$T/deaf_$how.sent" 60 || fail "evd -e $how: the chargen client did not connect"
	# Once the kernel's buffers are full, the server waits: it does not spin.
	wait_asleep "$SERVER_PID" || fail "evd -e $how is busy with a client that does not read"
	[ "$(run tcpcli "127.0.0.1:$SERVER_PORT" </dev/null 2>/dev/null | head -c 7400 | wc -c)" -eq 7400 ] ||
	    fail "evd -e $how: another chargen client was not served beside a deaf one"
	never_read_ends "deaf_$how" "$before"
	ok "evd -e $how: a chargen client that never reads costs $GROWTH KiB"
done

# 2000 connections at once: this test's processes need that many
# descriptors, and a few more, within the hard limit.
hard=$(ulimit -Hn)
if [ "$hard" != unlimited ] && [ "$hard" -lt $((HELD + 100)) ]; then
	echo "SKIP: $HELD connections need $((HELD + 100)) descriptors; the hard limit is $hard"
	exit 77
fi
soft=$(ulimit -Sn)
if [ "$soft" != unlimited ] && [ "$soft" -lt $((HELD + 100)) ]; then
	ulimit -Sn $((HELD + 100)) || fail "ulimit -n $((HELD + 100)) failed"
fi

for how in epoll poll; do
	start_server evd -e "$how" -v -m $((HELD + 10)) 127.0.0.1:0
	python3 "$TOP_SRCDIR/tests/many.py" "$SERVER_PORT" "$HELD" "$T/many_$how" 2>"$T/many_$how.err" &
	MANY=$!
	wait_for_file "$T/many_$how.held" 120 ||
	    fail "evd -e $how: $HELD clients not served: $(cat "$T/many_$how.err")"
	evd_says_open "$HELD" 1 || fail "evd -e $how: SIGUSR1: $(grep 'open' "$SERVER_ERR" | tail -n 1)"
	touch "$T/many_$how.release"
	wait "$MANY" || fail "evd -e $how: $(cat "$T/many_$how.err")"
	stop_server "$SERVER_PID"
	grep -q "^evd: $HELD connections, " "$SERVER_ERR" ||
	    fail "evd -e $how: summary: $(tail -n 1 "$SERVER_ERR")"
	ok "evd -e $how: $HELD connections held open at once, all served twice"
done
