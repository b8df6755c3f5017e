#!/bin/bash
# thread-limits: the thread models out of threads and out of descriptors.
# When pthread_create fails (tests/shim/fail-create.so), threadd tries
# again for a while, then lets the client go with a line in the log, and
# serves the next.  Out of descriptors, threadd and each prethreadd
# strategy shed the pending clients with their one spare descriptor
# (taken under a lock: the pool's threads accept at once), say so once,
# do not spin, and serve again once descriptors are back.
. "${TOP_SRCDIR:?run the tests through make check}/tests/lib.sh" || exit 99

shim="$TOP_BUILDDIR/tests/shim/fail-create.so"
[ -f "$shim" ] || fail "no $shim: make check builds it"

# Ten failures: the first client's ten tries, 100 ms apart.
LD_PRELOAD="$shim" TINCAN_FAIL_CREATES=10 start_server threadd 127.0.0.1:0
let_go "$SERVER_PORT" 20 || fail "the client of a failed pthread_create"
grep -qx 'threadd: pthread_create: Resource temporarily unavailable; trying again' "$SERVER_ERR" ||
    fail "the first failure was not logged: $(cat "$SERVER_ERR")"
grep -qx 'threadd: pthread_create: Resource temporarily unavailable; a client was let go' "$SERVER_ERR" ||
    fail "the client let go was not logged: $(cat "$SERVER_ERR")"
[ "$(echo next | run tcpcli "127.0.0.1:$SERVER_PORT")" = next ] ||
    fail "the next client was not served once threads were back"
stop_server "$SERVER_PID"
ok "threadd: no thread to be had: tries again, lets the client go, says so, serves the next"

start_server threadd 127.0.0.1:0
sheds_out_of_descriptors threadd
stop_server "$SERVER_PID"
ok "threadd: out of descriptors, sheds clients, says so once, does not spin"

# Two threads: their accepts hold a descriptor each (none) or one does (mutex).
for strategy in none mutex main; do
	start_server prethreadd -n 2 -l "$strategy" 127.0.0.1:0
	sheds_out_of_descriptors "prethreadd -l $strategy" pool
	stop_server "$SERVER_PID"
	ok "prethreadd -l $strategy: out of descriptors, sheds clients, says so once, does not spin"
done
