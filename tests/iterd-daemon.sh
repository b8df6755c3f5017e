#!/bin/bash
# iterd-daemon: -d detaches and returns only once the daemon listens; -p
# writes a pidfile that refuses a second live instance; SIGTERM removes
# the pidfile and leaves no process behind.
. "${TOP_SRCDIR:?run the tests through make check}/tests/lib.sh" || exit 99

pidfile="$T/iterd.pid"

# -d -p: the parent exits 0 once the daemon is ready; the pidfile names it.
run iterd -d -p "$pidfile" 127.0.0.1:0 2>"$T/start.err" || fail "iterd -d exited $?: $(cat "$T/start.err")"
[ -s "$pidfile" ] || fail "no pidfile once iterd -d returned"
pid=$(cat "$pidfile")
track "$pid"
kill -0 "$pid" 2>/dev/null || fail "the pid in the pidfile ($pid) is not running"
port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\) (tcp, echo)$/\1/p' "$T/start.err")
[ -n "$port" ] || fail "start-up line: $(cat "$T/start.err")"
[ "$(ps -o sid= -p "$pid" | tr -d ' ')" = "$pid" ] || fail "the daemon is not a session leader"
echo detached | run tcpcli "127.0.0.1:$port" >"$T/reply" || fail "tcpcli exited $?"
[ "$(cat "$T/reply")" = detached ] || fail "the daemon answered '$(cat "$T/reply")'"
ok "-d returns once the daemon listens, and it answers"

# A second instance with the same pidfile is refused, naming the first.
run iterd -d -p "$pidfile" 127.0.0.1:0 2>"$T/second.err"
status=$?
[ "$status" -eq 1 ] || fail "a second instance exited $status"
grep -qx "iterd: pidfile $pidfile: already running (pid $pid)" "$T/second.err" ||
    fail "second instance said: $(cat "$T/second.err")"
[ "$(cat "$pidfile")" = "$pid" ] || fail "the second instance rewrote the pidfile"
ok "a second live instance is refused"

# SIGTERM: the daemon goes, and takes its pidfile with it.
kill -TERM "$pid"
wait_gone "$pid" 20 || fail "the daemon is still running after SIGTERM"
[ ! -e "$pidfile" ] || fail "the pidfile is still there"
pgrep -s "$pid" >/dev/null && fail "a process of the daemon's session is left"
ok "SIGTERM removes the pidfile and leaves no process"

# A stale pidfile (no lock held) is taken over.
echo 999999 >"$pidfile"
start_server iterd -p "$pidfile" 127.0.0.1:0
[ "$(cat "$pidfile")" = "$SERVER_PID" ] || fail "pidfile holds '$(cat "$pidfile")', not $SERVER_PID"
stop_server "$SERVER_PID" INT
[ ! -e "$pidfile" ] || fail "the pidfile is still there after SIGINT"
ok "a stale pidfile is taken over; -p works without -d"

# The daemon fails after the fork: the parent says so and exits non-zero.
run iterd -d -p "$T/no/such/dir/iterd.pid" 127.0.0.1:0 2>"$T/bad.err"
status=$?
[ "$status" -eq 1 ] || fail "iterd -d with a bad pidfile exited $status"
grep -qx "iterd: pidfile $T/no/such/dir/iterd.pid: No such file or directory" "$T/bad.err" ||
    fail "bad pidfile said: $(cat "$T/bad.err")"
grep -q 'listening on' "$T/bad.err" && fail "a daemon that failed announced itself"
ok "a daemon that cannot start makes -d fail with its reason"

# An address in use fails before detaching, with the address named.
start_server iterd 127.0.0.1:0
run iterd -d "127.0.0.1:$SERVER_PORT" 2>"$T/inuse.err"
status=$?
[ "$status" -eq 1 ] || fail "iterd on a port in use exited $status"
grep -qx "iterd: bind 127.0.0.1:$SERVER_PORT: Address already in use" "$T/inuse.err" ||
    fail "port in use said: $(cat "$T/inuse.err")"
stop_server "$SERVER_PID"
ok "a port in use is an error naming the address"
