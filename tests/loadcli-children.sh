#!/bin/bash
# loadcli-children: loadcli's children end when it ends, however it ends:
# its parent alone stopped with SIGTERM (it stops them, reports what was
# made, says why it stopped, and exits 1) or killed with SIGKILL (they
# die with it); none is left loading the server.
. "${TOP_SRCDIR:?run the tests through make check}/tests/lib.sh" || exit 99

start_server iterd -s bench 127.0.0.1:0
for sig in TERM KILL; do
	run loadcli -q -c 3 -n 1000000000 -T 120 "127.0.0.1:$SERVER_PORT" \
	    >"$T/lc.out" 2>"$T/lc.err" &
	runner=$!
	loadcli_started "clients/loadcli -q -c 3 .*:$SERVER_PORT\$" 3 ||
	    fail "loadcli did not start its 3 children"
	parent=$PARENT kids=$KIDS
	for kid in $kids; do
		track "$kid"	# should one outlive it, the test still ends it
	done
	# Under load: the server has served connections from them.
	sleep 0.5
	kill "-$sig" "$parent"
	for kid in $kids; do
		wait_gone "$kid" 10 || fail "a child of loadcli outlived SIG$sig to its parent alone"
	done
	wait_gone "$parent" 10 || fail "loadcli still running after SIG$sig"
	wait "$runner"
	status=$?
	if [ "$sig" = TERM ]; then
		[ "$status" -eq 1 ] || fail "loadcli exited $status after SIGTERM: $(cat "$T/lc.err")"
		grep -qx 'loadcli: stopped by signal 15; the run was cut short' "$T/lc.err" ||
		    fail "no word of the stop: $(cat "$T/lc.err")"
		grep -q '^connections  *[1-9][0-9]*, ' "$T/lc.out" ||
		    fail "no report of what was made: $(cat "$T/lc.out")"
	fi
	ok "SIG$sig to loadcli alone leaves none of its children"
done
stop_server "$SERVER_PID"
