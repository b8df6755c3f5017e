#!/bin/bash
# stray-sigchld: a SIGCHLD that no child of theirs sent (a child of
# whatever exec'd them) neither stops the servers that fork no child from
# accepting nor sets them spinning: each serves on, idle at rest.
. "${TOP_SRCDIR:?run the tests through make check}/tests/lib.sh" || exit 99

for model in iterd "evd -e epoll" "evd -e poll" threadd "prethreadd -l none" \
    "prethreadd -l mutex" "prethreadd -l main"; do
	# shellcheck disable=SC2086
	start_server $model 127.0.0.1:0
	[ "$(echo before | run tcpcli "127.0.0.1:$SERVER_PORT")" = before ] ||
	    fail "$model does not serve"
	kill -CHLD "$SERVER_PID"
	before=$(awk '{ print $14 + $15 }' /proc/"$SERVER_PID"/stat)
	sleep 1
	ticks=$(($(awk '{ print $14 + $15 }' /proc/"$SERVER_PID"/stat) - before))
	[ "$ticks" -lt 20 ] || fail "$model used $ticks ticks of CPU in the second after a SIGCHLD"
	[ "$(echo after | run tcpcli "127.0.0.1:$SERVER_PORT")" = after ] ||
	    fail "$model does not serve after a SIGCHLD"
	stop_server "$SERVER_PID"
	ok "$model: a stray SIGCHLD changes nothing ($ticks ticks in the second after)"
done
