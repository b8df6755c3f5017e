#!/bin/bash
# loadcli-percentiles: the percentiles loadcli reports are those of all its
# children's connections together, and of those that succeeded alone.  A
# server makes one child's connections all slow and the other two
# children's all fast, a known share (a third slow): p50 must be fast and
# p90 and p99 slow.  Percentiles of any one child alone, or ranks that
# miss the boundary, give other answers.
. "${TOP_SRCDIR:?run the tests through make check}/tests/lib.sh" || exit 99

PER_CHILD=10		# connections of each of the 3 children
DELAY=0.2		# seconds a slow connection waits

# The server (bench protocol).  The first connection it accepts belongs to
# some child X, which can open no other while that one is unanswered: so
# the next 2 x PER_CHILD connections are the other two children's, and are
# answered at once.  Only then is X's first answered, after DELAY; and
# every connection after them is X's, answered after DELAY too.
cat >"$T/onechildslow.py" <<'PY'
import os, socket, sys, threading, time
tmp, per_child, delay, limit = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
fast = 2 * per_child
l = socket.socket()
l.bind(("127.0.0.1", 0))
l.listen(128)
l.settimeout(0.2)
with open(tmp + "/server.tmp", "w") as f:
    f.write("%d\n" % l.getsockname()[1])
os.rename(tmp + "/server.tmp", tmp + "/server.port")
lock = threading.Lock()
answered = [0]
others_done = threading.Event()

def bench_request(c):
    c.settimeout(limit)
    data = b""
    while not data.endswith(b"\n"):
        chunk = c.recv(64)
        if not chunk:
            break
        data += chunk
    return int(data)

def serve(c, k):
    try:
        n = bench_request(c)
        if k == 1:
            others_done.wait(limit)
        if k == 1 or k > 1 + fast:
            time.sleep(delay)
        c.sendall(b"\0" * n)
    except (OSError, ValueError):
        pass
    c.close()
    if 1 < k <= 1 + fast:
        with lock:
            answered[0] += 1
            if answered[0] == fast:
                others_done.set()

k = 0
deadline = time.time() + limit
while k < 3 * per_child and time.time() < deadline:
    try:
        c, _ = l.accept()
    except socket.timeout:
        continue
    k += 1
    threading.Thread(target=serve, args=(c, k), daemon=True).start()
for t in threading.enumerate():
    if t is not threading.current_thread():
        t.join(max(0, deadline - time.time()))
PY
python3 "$T/onechildslow.py" "$T" "$PER_CHILD" "$DELAY" 60 &
SLOW_PID=$!
track "$SLOW_PID"
wait_for "$T/server.port" '^[0-9]' || fail "the server did not start"
port=$(cat "$T/server.port")

run loadcli -j -c 3 -n "$PER_CHILD" -b 100 "127.0.0.1:$port" >"$T/json" 2>"$T/err" ||
    fail "loadcli exited $?: $(cat "$T/json" "$T/err")"
wait_gone "$SLOW_PID" 10 || fail "the server did not finish"
wait "$SLOW_PID" || fail "the server exited $?"
json_check "$T/json" "d['connections'] == 30 and d['failed'] == 0"
# 20 fast and 10 slow: p50 is the 15th (fast), p90 the 27th and p99 the
# 30th (slow).  A slow one takes DELAY or more, and a bucket is at most
# 3% below its values: 190 ms.  A fast one is far from 100 ms.
json_check "$T/json" "d['latency_ms']['p50'] < 100"
json_check "$T/json" "d['latency_ms']['p90'] >= 190"
json_check "$T/json" "d['latency_ms']['p99'] >= d['latency_ms']['p90']"
json_check "$T/json" "200 <= d['latency_ms']['max'] and d['latency_ms']['p99'] <= d['latency_ms']['max']"
ok "one child slow in three: p50 fast, p90 and p99 slow ($(python3 -c \
    'import json, sys; print(json.load(open(sys.argv[1]))["latency_ms"])' "$T/json"))"

# Failed connections are left out of the latency figures.  A server that
# answers every other connection at once and drops the others after 0.3 s:
# with them, p90 and max would be 300 ms or more; without, all are fast.
odd_server half
run loadcli -c 2 -n 10 "127.0.0.1:$ODD_PORT" >"$T/out" 2>"$T/err"
status=$?
[ "$status" -eq 1 ] || fail "half dropped: exit $status: $(cat "$T/out" "$T/err")"
grep -qx 'connections  20, 10 failed' "$T/out" || fail "half dropped: $(cat "$T/out")"
grep -qx 'errors       short reply 10' "$T/out" || fail "half dropped: $(cat "$T/out")"
run loadcli -j -c 2 -n 10 "127.0.0.1:$ODD_PORT" >"$T/json" 2>"$T/err"
status=$?
odd_server_stop
[ "$status" -eq 1 ] || fail "half dropped -j: exit $status: $(cat "$T/json" "$T/err")"
json_check "$T/json" "d['connections'] == 20 and d['failed'] == 10"
json_check "$T/json" "d['errors']['short_reply'] == 10"
json_check "$T/json" "d['latency_ms']['max'] < 250"
json_check "$T/json" "0 < d['latency_ms']['p50'] <= d['latency_ms']['p99'] <=
    d['latency_ms']['p99_9'] <= d['latency_ms']['max']"
json_check "$T/json" "d['latency_ms']['p50'] * 0.5 <= d['latency_ms']['mean'] <=
    d['latency_ms']['max'] and 0 <= d['latency_ms']['stddev'] <= d['latency_ms']['max']"
ok "failed connections are out of the percentiles ($(python3 -c \
    'import json, sys; print(json.load(open(sys.argv[1]))["latency_ms"])' "$T/json"))"
