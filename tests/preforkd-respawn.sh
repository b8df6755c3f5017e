#!/bin/bash
# preforkd-respawn: a child that dies is replaced; children that die straight
# after starting are replaced after a growing delay, never in a tight fork
# loop; a child that lived resets the delay.
. "${TOP_SRCDIR:?run the tests through make check}/tests/lib.sh" || exit 99

now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# next_child PID OLD: wait (bounded) for PID's one child to be other than OLD.
next_child() {
	local i c
	for ((i = 0; i < 1000; i++)); do
		c=$(pgrep -P "$1")
		if [ -n "$c" ] && [ "$c" != "$2" ]; then
			echo "$c"
			return 0
		fi
		sleep 0.01
	done
	return 1
}

start_server preforkd -n 1 127.0.0.1:0
child=$(next_child "$SERVER_PID" none) || fail "no child"
delays=()
for k in 1 2 3 4 5; do
	kill -KILL "$child"
	killed=$(now_ms)
	child=$(next_child "$SERVER_PID" "$child") || fail "child $k was not replaced"
	delays+=($(($(now_ms) - killed)))
done
echo "replaced after ${delays[*]} ms"
# Each child lived less than a second: 100, 200, 400, 800, 1600 ms.
[ "${delays[4]}" -ge 600 ] || fail "the fifth replacement came after ${delays[4]} ms, not about 800"
[ "${delays[4]}" -gt $((delays[2] + 200)) ] || fail "the delay does not grow: ${delays[*]}"
[ "${delays[2]}" -ge 150 ] || fail "the third replacement came after ${delays[2]} ms, not about 200"
[ "$(grep -c 'killed by signal 9' "$SERVER_ERR")" -eq 5 ] || fail "the deaths were not all logged"
ok "children that die young are replaced after growing delays: ${delays[*]} ms"

# A child that lives a while resets the delay.
sleep 1.5
kill -KILL "$child"
killed=$(now_ms)
child=$(next_child "$SERVER_PID" "$child") || fail "the long-lived child was not replaced"
delay=$(($(now_ms) - killed))
[ "$delay" -lt 600 ] || fail "a child that lived was replaced after $delay ms"
echo "hello" | run tcpcli "127.0.0.1:$SERVER_PORT" >"$T/reply" || fail "the pool does not serve"
[ "$(cat "$T/reply")" = hello ] || fail "the pool answered '$(cat "$T/reply")'"
stop_server "$SERVER_PID"
ok "a child that lived is replaced at once ($delay ms)"
