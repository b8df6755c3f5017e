#!/bin/bash
# evd-model: the event loop serves every client at once.  A client that
# sends nothing holds no one up (where it holds iterd); -m makes the next
# clients wait in the listen queue; -t drops each idle connection at its
# own deadline; SIGTERM lets open connections finish and leaves no
# descriptor, no pidfile, no process; a second SIGTERM cuts them off, even
# while the loop is never idle.  With each way of waiting.
. "${TOP_SRCDIR:?run the tests through make check}/tests/lib.sh" || exit 99

# descriptors PID: how many descriptors PID has open.
descriptors() {
	find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l
}

# A silent client holds iterd: the next one waits in the listen queue
# until it leaves.
start_server iterd 127.0.0.1:0
hold_client idle "$SERVER_PORT" silent
printf 'next\n' | run tcpcli "127.0.0.1:$SERVER_PORT" >"$T/next" &
NEXT=$!
wait_queued "$SERVER_PORT" 1 "$T/next" || fail "iterd served a client while a silent one was connected"
release_client idle || fail "the silent client of iterd was not served once released"
wait "$NEXT" || fail "the next client of iterd failed"
[ "$(cat "$T/next")" = next ] || fail "the next client of iterd got '$(cat "$T/next")'"
stop_server "$SERVER_PID"
ok "iterd: a silent client makes the next one wait"

for how in epoll poll; do
	# The same silent client holds no one up in evd.
	start_server evd -e "$how" 127.0.0.1:0
	hold_client idle_$how "$SERVER_PORT" silent
	for k in 1 2 3; do
		[ "$(printf 'next %s\n' "$k" | run tcpcli "127.0.0.1:$SERVER_PORT")" = "next $k" ] ||
		    fail "evd -e $how: client $k was not served beside a silent one"
	done
	kill -0 "$HELD_PID" 2>/dev/null || fail "evd -e $how: the silent client is gone"
	release_client idle_$how || fail "evd -e $how: the silent client was not served once released"
	stop_server "$SERVER_PID"
	ok "evd -e $how: a silent client holds no one up"

	# -m 2: the third of three clients waits in the listen queue, and is
	# served once one of the others leaves.
	start_server evd -e "$how" -m 2 127.0.0.1:0
	hold_client one_$how "$SERVER_PORT"
	hold_client two_$how "$SERVER_PORT"
	printf 'third\n' | run tcpcli "127.0.0.1:$SERVER_PORT" >"$T/third.$how" &
	THIRD=$!
	wait_queued "$SERVER_PORT" 1 "$T/third.$how" ||
	    fail "evd -e $how -m 2: the third client is not waiting in the listen queue"
	evd_says_open 2 1 || fail "evd -e $how: SIGUSR1: $(tail -n 2 "$SERVER_ERR")"
	release_client one_$how || fail "evd -e $how: client one failed"
	wait "$THIRD" || fail "evd -e $how: the third client failed"
	[ "$(cat "$T/third.$how")" = third ] || fail "evd -e $how: the third client got '$(cat "$T/third.$how")'"
	release_client two_$how || fail "evd -e $how: client two failed"
	stop_server "$SERVER_PID"
	ok "evd -e $how: -m 2 makes the third client wait in the listen queue"

	# -t 2: each idle connection is dropped at its own deadline, the first
	# to come first; one that keeps talking stays.
	start_server evd -e "$how" -v -t 2 127.0.0.1:0
	python3 - "$SERVER_PORT" >"$T/idle.ports" <<'PY' || fail "evd -e $how -t 2: $(cat "$SERVER_ERR")"
import socket, sys, time
port = int(sys.argv[1])
first = socket.create_connection(("127.0.0.1", port), timeout=30)
time.sleep(0.5)
second = socket.create_connection(("127.0.0.1", port), timeout=30)
talker = socket.create_connection(("127.0.0.1", port), timeout=30)
for i in range(12):                     # 3.6 s, never 2 s idle
    talker.sendall(b"x")
    if talker.recv(1) != b"x":
        sys.exit("the talker was dropped")
    time.sleep(0.3)
for s, name in ((first, "first"), (second, "second")):
    if s.recv(1) != b"":
        sys.exit("the %s idle client was not dropped" % name)
    print(s.getsockname()[1])
talker.sendall(b"y")
if talker.recv(1) != b"y":
    sys.exit("the talker was dropped")
PY
	stop_server "$SERVER_PID"
	sed -n 's/^evd: 127\.0\.0\.1:\([0-9]*\): echo: idle for 2 s, dropped$/\1/p' "$SERVER_ERR" >"$T/dropped"
	cmp -s "$T/idle.ports" "$T/dropped" ||
	    fail "evd -e $how -t 2: dropped $(tr '\n' ' ' <"$T/dropped"), not $(tr '\n' ' ' <"$T/idle.ports")"
	grep -q ': echo: 13 bytes in, 13 out' "$SERVER_ERR" || fail "evd -e $how: the talker: $(cat "$SERVER_ERR")"
	ok "evd -e $how: -t drops each idle connection in turn, not one that talks"

	# SIGTERM: the open connections finish, one after the other; each
	# gives its descriptor back; a client that comes meanwhile is not
	# taken; then no pidfile and no process is left.
	SERVER_SETSID=1 start_server evd -e "$how" -p "$T/evd.pid" 127.0.0.1:0
	[ "$(echo first | run tcpcli "127.0.0.1:$SERVER_PORT")" = first ] || fail "evd -e $how did not answer"
	idle=$(descriptors "$SERVER_PID")
	hold_client c1_$how "$SERVER_PORT"
	hold_client c2_$how "$SERVER_PORT"
	[ "$(descriptors "$SERVER_PID")" -eq $((idle + 2)) ] ||
	    fail "evd -e $how: $(descriptors "$SERVER_PID") descriptors with 2 clients, $idle without"
	kill -TERM "$SERVER_PID"
	wait_asleep "$SERVER_PID" 10 TERM || fail "evd -e $how left with clients connected"
	printf 'late\n' | run tcpcli "127.0.0.1:$SERVER_PORT" >"$T/late.$how" 2>/dev/null &
	LATE=$!
	wait_queued "$SERVER_PORT" 1 "$T/late.$how" || fail "evd -e $how accepted a client after SIGTERM"
	release_client c1_$how || fail "evd -e $how: client 1 was cut off by SIGTERM"
	for ((i = 0; i < START_LIMIT * 20; i++)); do
		[ "$(descriptors "$SERVER_PID")" -eq $((idle + 1)) ] && break
		sleep 0.05
	done
	[ "$(descriptors "$SERVER_PID")" -eq $((idle + 1)) ] ||
	    fail "evd -e $how: $(descriptors "$SERVER_PID") descriptors with 1 client left, $idle without"
	release_client c2_$how || fail "evd -e $how: client 2 was cut off by SIGTERM"
	wait_gone "$SERVER_PID" 20 || fail "evd -e $how still running after its clients left"
	wait "$SERVER_PID" || fail "evd -e $how exited $? after SIGTERM"
	[ ! -e "$T/evd.pid" ] || fail "evd -e $how left its pidfile"
	pgrep -g "$SERVER_PID" >/dev/null && fail "a process of evd's group is left"
	wait "$LATE" && fail "evd -e $how served a client that came after SIGTERM"
	ok "evd -e $how: SIGTERM lets open connections finish, and leaves nothing"

	# A second SIGTERM cuts them off, even while the loop is never idle:
	# four chargen clients that read all they get keep it busy, and
	# SIGUSR1 and SIGTERM still come through.  One python process reads
	# them all (four clients under valgrind were slow to start beside a
	# busy server); it exits 0 once the server has closed all four.
	start_server evd -e "$how" -v -s chargen 127.0.0.1:0
	python3 - "$SERVER_PORT" 4 "$TEST_LIMIT" <<-'PY' 2>"$T/readers.err" &
	import selectors, socket, sys, time
	port, count, limit = (int(a) for a in sys.argv[1:])
	deadline = time.monotonic() + limit
	sel = selectors.DefaultSelector()
	for _ in range(count):
	    s = socket.create_connection(("127.0.0.1", port), timeout=limit)
	    s.setblocking(False)
	    sel.register(s, selectors.EVENT_READ)
	while sel.get_map() and time.monotonic() < deadline:
	    for key, _ in sel.select(timeout=1):
	        try:
	            chunk = key.fileobj.recv(65536)
	        except (BlockingIOError, InterruptedError):
	            continue
	        except ConnectionResetError:
	            chunk = b""
	        if not chunk:
	            sel.unregister(key.fileobj)
	            key.fileobj.close()
	sys.exit("%d connections still open" % len(sel.get_map()) if sel.get_map() else 0)
	PY
	READERS=$!
	evd_says_open 4 1 || fail "evd -e $how: SIGUSR1 with 4 busy clients: $(tail -n 3 "$SERVER_ERR")"
	kill -TERM "$SERVER_PID"
	# The first lets the clients go on: they are still served.
	evd_says_open 4 2 || fail "evd -e $how: after SIGTERM: $(tail -n 3 "$SERVER_ERR")"
	kill -TERM "$SERVER_PID"
	wait_gone "$SERVER_PID" 20 || fail "evd -e $how still running after a second SIGTERM"
	wait "$SERVER_PID" || fail "evd -e $how exited $? after a second SIGTERM"
	[ "$(grep -c ': chargen: cut off: the server is stopping$' "$SERVER_ERR")" -eq 4 ] ||
	    fail "evd -e $how: the cut-off connections: $(cat "$SERVER_ERR")"
	wait "$READERS" || fail "evd -e $how: the chargen readers: $(cat "$T/readers.err")"
	ok "evd -e $how: a second SIGTERM cuts the connections off, busy or not"

	# Out of descriptors (EMFILE): see tests/lib.sh.
	start_server evd -e "$how" 127.0.0.1:0
	sheds_out_of_descriptors "evd -e $how"
	stop_server "$SERVER_PID"
	ok "evd -e $how: EMFILE sheds the client, is logged once, and does not spin"
done
