# tests/lib.sh: what every script test shares.  Source it first.
#
# A test starts programs of the suite with `run` (in the foreground) and
# `start_server` (in the background, its port read from the start-up line),
# stops servers by pid with `stop_server`, and says `fail` on the first
# behaviour that is wrong.  Everything it started is killed, and its
# scratch directory removed, when it exits.  With TINCAN_VALGRIND set, every
# program runs under valgrind memcheck and any error fails the test; with
# TINCAN_HELGRIND set too, under helgrind, which reports data races, and
# SHORT is set: a test of threads takes its short form.  In a
# build with --enable-sanitizers (TINCAN_SANITIZERS=yes), any report of
# ASan, LeakSanitizer or UBSan from any program fails the test.
set -u

: "${TOP_BUILDDIR:?run the tests through make check}"
: "${TOP_SRCDIR:=$TOP_BUILDDIR}"

# Seconds a whole test may take before the watchdog ends it.
TEST_LIMIT=${TEST_LIMIT:-300}
# Seconds to wait for a server's start-up line; valgrind starts slowly.
START_LIMIT=20
# A short form of a test, for a slow tool (helgrind): fewer connections.
SHORT=""
[ -n "${TINCAN_HELGRIND:-}" ] && SHORT=1
if [ -n "${TINCAN_VALGRIND:-}" ]; then
	[ -n "${VALGRIND:-}" ] || { echo "SKIP: valgrind not found"; exit 77; }
	[ "${TINCAN_SANITIZERS:-no}" != yes ] ||
	    { echo "SKIP: valgrind cannot run sanitized programs"; exit 77; }
	TEST_LIMIT=$((TEST_LIMIT * 3))
	START_LIMIT=60
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/tincan-test.XXXXXX")
STARTED=""		# pids of what the test started, for the final sweep

# Sanitized programs write their reports to $T/san/log.PID, not to the
# standard error a test reads; the directory is open to all, for a server
# that has dropped to another user.  A leak is a report too.  (gcc's ASan
# is a shared library, and a test's LD_PRELOAD shim comes before it.)
if [ "${TINCAN_SANITIZERS:-no}" = yes ]; then
	mkdir -m 1777 "$T/san"
	ASAN_OPTIONS="log_path=$T/san/log:detect_leaks=1:abort_on_error=0:verify_asan_link_order=0"
	UBSAN_OPTIONS="log_path=$T/san/log:print_stacktrace=1:halt_on_error=1"
	export ASAN_OPTIONS UBSAN_OPTIONS
fi
# So do ThreadSanitizer's, in a build with --enable-tsan (make tsan).
if [ "${TINCAN_TSAN:-no}" = yes ]; then
	mkdir -m 1777 "$T/san"
	TSAN_OPTIONS="log_path=$T/san/log:second_deadlock_stack=1"
	export TSAN_OPTIONS
	TINCAN_SANITIZERS=yes
fi

# The path of a program of the suite.
prog_path() {
	if [ -x "$TOP_BUILDDIR/servers/$1" ]; then
		echo "$TOP_BUILDDIR/servers/$1"
	else
		echo "$TOP_BUILDDIR/clients/$1"
	fi
}

# The command line that runs program $1, under valgrind if asked, into CMD.
command_for() {
	local prog=$1
	CMD=()
	if [ -n "${TINCAN_HELGRIND:-}" ]; then
		CMD=("$VALGRIND" --tool=helgrind -q --vgdb=no --error-exitcode=99
		    "--suppressions=$TOP_SRCDIR/tests/helgrind.supp"
		    "--log-file=$T/vg.$prog.%p")
	elif [ -n "${TINCAN_VALGRIND:-}" ]; then
		CMD=("$VALGRIND" -q --vgdb=no --error-exitcode=99 --leak-check=full
		    --errors-for-leak-kinds=definite,indirect
		    --show-leak-kinds=definite,indirect
		    "--log-file=$T/vg.$prog.%p")
	fi
	CMD+=("$(prog_path "$prog")")
}

# run PROG ARGS...: run a program of the suite in the foreground, bounded
# in time; its exit status is the function's.
run() {
	local prog=$1
	shift
	command_for "$prog"
	timeout -k 5 "${RUN_LIMIT:-60}" "${CMD[@]}" "$@"
}

# start_server PROG ARGS...: start a server in the background and wait for
# its start-up line.  Sets SERVER_PID, SERVER_PORT (the port it really bound)
# and SERVER_ERR (the file its standard error goes to); its standard output
# goes to $SERVER_ERR.out, or to SERVER_STDOUT when that is set.
start_server() {
	local prog=$1 i
	shift
	SERVER_ERR="$T/$prog.$RANDOM.err"
	: >"$SERVER_ERR"
	: >"$SERVER_ERR.out"
	command_for "$prog"
	# SERVER_SETSID: the server leads a process group of its own.
	[ -n "${SERVER_SETSID:-}" ] && CMD=(setsid "${CMD[@]}")
	(
		# Only 0, 1 and 2: what the test runner left open is not the server's.
		for fd in /proc/"$BASHPID"/fd/*; do
			fd=${fd##*/}
			[ "$fd" -gt 2 ] && eval "exec $fd>&-"
		done 2>/dev/null
		exec "${CMD[@]}" "$@" >"${SERVER_STDOUT:-$SERVER_ERR.out}" 2>"$SERVER_ERR"
	) &
	SERVER_PID=$!
	STARTED="$STARTED $SERVER_PID"
	for ((i = 0; i < START_LIMIT * 10; i++)); do
		grep -q 'listening on' "$SERVER_ERR" && break
		kill -0 "$SERVER_PID" 2>/dev/null || break
		sleep 0.1
	done
	grep -q 'listening on' "$SERVER_ERR" ||
	    fail "$prog did not start: $(cat "$SERVER_ERR")"
	SERVER_PORT=$(sed -n 's/.*listening on .*:\([0-9][0-9]*\) (.*/\1/p' "$SERVER_ERR" | head -n 1)
}

# wait_gone PID [SECONDS]: wait, bounded, until no process PID exists.
wait_gone() {
	local i
	for ((i = 0; i < ${2:-10} * 20; i++)); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.05
	done
	return 1
}

# stop_server PID [SIGNAL]: signal a server started here (TERM by default),
# wait for it, bounded, and fail unless it exits 0.
stop_server() {
	local pid=$1 sig=${2:-TERM} status
	kill "-$sig" "$pid" 2>/dev/null || fail "server $pid is not running"
	wait_gone "$pid" 20 || fail "server $pid still running 20 s after SIG$sig"
	wait "$pid"
	status=$?
	[ "$status" -eq 0 ] || fail "server $pid exited $status after SIG$sig"
}

# wait_for FILE PATTERN [SECONDS]: wait, bounded, until FILE holds PATTERN.
wait_for() {
	local i
	for ((i = 0; i < ${3:-10} * 20; i++)); do
		grep -q -e "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# wait_count FILE PATTERN COUNT [SECONDS]: wait, bounded, until FILE has
# COUNT lines or more that hold PATTERN.
wait_count() {
	local i
	for ((i = 0; i < ${4:-10} * 20; i++)); do
		[ "$(grep -c -e "$2" "$1" 2>/dev/null)" -ge "$3" ] && return 0
		sleep 0.05
	done
	return 1
}

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

ok() {
	echo "ok: $*"
}

# Any valgrind error in any program the test ran fails the test.
valgrind_verdict() {
	local log bad=0
	for log in "$T"/vg.*; do
		[ -s "$log" ] || continue
		echo "valgrind found errors ($log):" >&2
		cat "$log" >&2
		bad=1
	done
	return $bad
}

# Any sanitizer report from any program the test ran fails the test.
sanitizer_verdict() {
	local log bad=0
	for log in "$T"/san/log.*; do
		[ -s "$log" ] || continue
		echo "a sanitizer reported ($log):" >&2
		cat "$log" >&2
		bad=1
	done
	return $bad
}

# Is PID still a program of this build?  A pid that was not our child may
# have been reused by now; only ours are killed.
ours() {
	tr '\0' ' ' 2>/dev/null <"/proc/$1/cmdline" | grep -q -F "$TOP_BUILDDIR/"
}

finish() {
	local status=$? pid kid
	trap - EXIT
	if [ -n "${WATCHDOG:-}" ]; then
		kill "$WATCHDOG" 2>/dev/null
		wait "$WATCHDOG" 2>/dev/null
	fi
	# Our own children cannot have been reused: they are not reaped yet.
	for pid in $(jobs -p); do
		kill -KILL "$pid" 2>/dev/null
	done
	# Children first (a pool's), then the servers themselves.
	for pid in $STARTED; do
		for kid in $(pgrep -P "$pid" 2>/dev/null); do
			ours "$kid" && kill -KILL "$kid" 2>/dev/null
		done
		ours "$pid" && kill -KILL "$pid" 2>/dev/null
	done
	wait 2>/dev/null
	eval "${AT_EXIT:-}"
	if [ -n "${TINCAN_VALGRIND:-}" ] && ! valgrind_verdict; then
		status=1
	fi
	if [ "${TINCAN_SANITIZERS:-no}" = yes ] && ! sanitizer_verdict; then
		status=1
	fi
	rm -rf "$T"
	exit "$status"
}
trap finish EXIT
trap 'fail "interrupted"' INT TERM

# hold_client NAME PORT [silent]: a client (tests/hold.py) that is served
# once, or with silent sends nothing, and then keeps its connection open
# until release_client NAME.  Sets HELD_PID.
hold_client() {
	python3 "$TOP_SRCDIR/tests/hold.py" "$2" "$T/$1" ${3:+"$3"} &
	HELD_PID=$!
	eval "HELD_$1=$HELD_PID"
	wait_for_file "$T/$1.held" || fail "client $1 was not served"
}

# release_client NAME: let client NAME say its last line; its exit status.
release_client() {
	local pid
	eval "pid=\$HELD_$1"
	touch "$T/$1.release"
	wait "$pid"
}

# wait_for_file FILE [SECONDS]: wait, bounded, until FILE exists.
wait_for_file() {
	local i
	for ((i = 0; i < ${2:-10} * 20; i++)); do
		[ -e "$1" ] && return 0
		sleep 0.05
	done
	return 1
}

# loadcli_started PATTERN COUNT: wait, bounded, until the loadcli that run
# started in the background, whose command line matches PATTERN, has COUNT
# children.  run is timeout(1) around loadcli: loadcli is the process of
# that command line whose parent is timeout.  Sets PARENT, its pid, and
# KIDS, the pids of its children.
loadcli_started() {
	local pid ppid i
	PARENT="" KIDS=""
	for ((i = 0; i < START_LIMIT * 20; i++)); do
		for pid in $(pgrep -f "$1"); do
			ppid=$(awk '{ print $4 }' "/proc/$pid/stat" 2>/dev/null)
			[ "$(cat "/proc/${ppid:-0}/comm" 2>/dev/null)" = timeout ] && PARENT=$pid
		done
		[ -n "$PARENT" ] && KIDS=$(pgrep -P "$PARENT")
		[ "$(echo "$KIDS" | grep -c .)" -eq "$2" ] && return 0
		sleep 0.05
	done
	return 1
}

# children_of PID: how many processes PID has as parent.
children_of() {
	pgrep -P "$1" | wc -l
}

# burst PORT ARGS...: tests/burst.py against PORT; its output in $T/burst.out,
# and how many connections it has made so far, by tens, in $T/burst.made.
burst() {
	local port=$1
	shift
	python3 "$TOP_SRCDIR/tests/burst.py" -p "$T/burst.made" "$@" "$port" >"$T/burst.out" 2>&1
}

# burst_start PORT ARGS...: burst in the background, its pid in BURST.
burst_start() {
	rm -f "$T/burst.made"	# here, not in the background: no stale count
	burst "$@" &
	BURST=$!
}

# burst_made: how many connections the burst has made so far, by tens.
burst_made() {
	cat "$T/burst.made" 2>/dev/null || echo 0
}

# burst_made_at_least COUNT [SECONDS]: wait, bounded, until the burst has
# made COUNT connections or more.
burst_made_at_least() {
	local i
	for ((i = 0; i < ${2:-10} * 100; i++)); do
		[ "$(burst_made)" -ge "$1" ] && return 0
		sleep 0.01
	done
	return 1
}

# daemon_round_trip PROG ARGS...: "PROG -d -p FILE ARGS 127.0.0.1:0" returns
# once the daemon answers; SIGTERM then removes the pidfile and leaves no
# process of the daemon's session.
daemon_round_trip() {
	local prog=$1 pid port
	shift
	run "$prog" -d -p "$T/$prog.pid" "$@" 127.0.0.1:0 2>"$T/start.err" ||
	    fail "$prog -d exited $?: $(cat "$T/start.err")"
	pid=$(cat "$T/$prog.pid")
	track "$pid"
	port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\) (tcp, echo)$/\1/p' "$T/start.err")
	[ "$(echo daemon | run tcpcli "127.0.0.1:$port")" = daemon ] || fail "the $prog daemon did not answer"
	kill -TERM "$pid"
	wait_gone "$pid" 20 || fail "the $prog daemon is still running after SIGTERM"
	[ ! -e "$T/$prog.pid" ] || fail "the pidfile of $prog is still there"
	pgrep -s "$pid" >/dev/null && fail "a process of the $prog daemon's session is left"
	return 0
}

# wait_asleep PID [SECONDS] [SIGNAL]: wait, bounded, until PID sleeps and
# SIGNAL, if given, is no longer pending there: PID has taken the signal
# (it was delivered) and is done with it for now.  Returns 1 at once if
# PID has exited.
wait_asleep() {
	local pid=$1 limit=${2:-10} bit=0 i state thread shared
	[ -n "${3:-}" ] && bit=$((1 << ($(kill -l "$3") - 1)))
	for ((i = 0; i < limit * 20; i++)); do
		# The state letter; the signals pending for the thread, the process.
		read -r state thread shared < <(awk '$1 == "State:" { s = $2 }
		    $1 == "SigPnd:" { t = $2 } $1 == "ShdPnd:" { p = $2 }
		    END { print s, t, p }' "/proc/$pid/status" 2>/dev/null)
		case "${state:-X}" in
		Z|X) return 1 ;;
		S) (( ((16#$thread | 16#$shared) & bit) == 0 )) && return 0 ;;
		esac
		sleep 0.05
	done
	return 1
}

# queued PORT: how many connections wait in the listen queue at PORT.
queued() {
	ss -Hltn "sport = :$1" | awk '{ print $2 }'
}

# wait_queued PORT COUNT [FILE]: wait, bounded, until COUNT connections
# wait in the listen queue at PORT, and check they stay there: the server
# (SERVER_PID), woken when they came if it listens, goes back to sleep
# without taking them.  FILE is where a client that was served instead
# writes: stop waiting if it is not empty.  Returns 1 if they were taken.
wait_queued() {
	local i
	for ((i = 0; i < START_LIMIT * 20; i++)); do
		[ "$(queued "$1")" = "$2" ] && break
		[ -s "${3:-/dev/null}" ] && return 1
		sleep 0.05
	done
	[ "$(queued "$1")" = "$2" ] && wait_asleep "$SERVER_PID" &&
	    [ "$(queued "$1")" = "$2" ]
}

# term_with_clients COUNT PROG ARGS...: COUNT clients connected to "PROG
# ARGS 127.0.0.1:0" when it gets SIGTERM finish their exchange; then it
# exits 0 and no process of its group is left.
term_with_clients() {
	local count=$1 prog=$2 k
	shift 2
	SERVER_SETSID=1 start_server "$prog" "$@" 127.0.0.1:0
	for ((k = 1; k <= count; k++)); do
		hold_client "c$k" "$SERVER_PORT"
	done
	kill -TERM "$SERVER_PID"
	wait_asleep "$SERVER_PID" 10 TERM || fail "$prog left with clients connected"
	for ((k = 1; k <= count; k++)); do
		kill -0 "$SERVER_PID" 2>/dev/null ||
		    fail "$prog left with $((count - k + 1)) clients connected"
		release_client "c$k" || fail "client $k was cut off by SIGTERM"
	done
	wait_gone "$SERVER_PID" 20 || fail "$prog still running after its clients left"
	wait "$SERVER_PID" || fail "$prog exited $? after SIGTERM"
	pgrep -g "$SERVER_PID" >/dev/null && fail "a process of $prog's group is left"
	return 0
}

# second_term_cuts COUNT PROG ARGS...: COUNT clients connected to "PROG
# ARGS -t 300 127.0.0.1:0" when it gets SIGTERM hold it up; a second
# SIGTERM ends their connections at once: it exits 0 well within -t, each
# client finds its connection gone, and no process of its group is left.
second_term_cuts() {
	local count=$1 prog=$2 k
	shift 2
	SERVER_SETSID=1 start_server "$prog" "$@" -t 300 127.0.0.1:0
	for ((k = 1; k <= count; k++)); do
		hold_client "cut$k" "$SERVER_PORT"
	done
	kill -TERM "$SERVER_PID"
	wait_asleep "$SERVER_PID" 10 TERM || fail "$prog left with clients connected"
	kill -0 "$SERVER_PID" 2>/dev/null || fail "$prog left with clients connected"
	kill -TERM "$SERVER_PID"
	wait_gone "$SERVER_PID" 10 || fail "$prog still running 10 s after a second SIGTERM"
	wait "$SERVER_PID" || fail "$prog exited $? after a second SIGTERM"
	for ((k = 1; k <= count; k++)); do
		release_client "cut$k" && fail "held client $k was not cut off"
	done
	pgrep -g "$SERVER_PID" >/dev/null && fail "a process of $prog's group is left"
	return 0
}

# max_two_queues_third COUNT_FN WANT PROG ARGS...: "PROG ARGS 127.0.0.1:0",
# which serves two clients at most, holds two; a third waits in the listen
# queue, unserved, while COUNT_FN SERVER_PID (its children, its threads)
# says WANT; once one of the two leaves, the third is served.
max_two_queues_third() {
	local count_fn=$1 want=$2 prog=$3 third
	shift 3
	start_server "$prog" "$@" 127.0.0.1:0
	hold_client one "$SERVER_PORT"
	hold_client two "$SERVER_PORT"
	printf 'third\n' | run tcpcli "127.0.0.1:$SERVER_PORT" >"$T/third" &
	third=$!
	wait_queued "$SERVER_PORT" 1 "$T/third" ||
	    fail "the third client is not waiting in the listen queue"
	[ ! -s "$T/third" ] || fail "a third client was served with two connected"
	[ "$("$count_fn" "$SERVER_PID")" -eq "$want" ] ||
	    fail "$("$count_fn" "$SERVER_PID") $count_fn with two clients, not $want"
	release_client one || fail "client one failed"
	wait "$third" || fail "the third client failed"
	[ "$(cat "$T/third")" = third ] || fail "the third client got '$(cat "$T/third")'"
	release_client two || fail "client two failed"
	stop_server "$SERVER_PID"
}

# expect_failure STATUS WANT PROG ARGS...: "PROG ARGS" exits STATUS,
# writes nothing on standard output, and on standard error exactly the
# file WANT.  Standard input is /dev/null.
expect_failure() {
	local status=$1 want=$2 prog=$3 got
	shift 3
	run "$prog" "$@" >"$T/failure.out" 2>"$T/failure.err" </dev/null
	got=$?
	[ "$got" -eq "$status" ] || fail "'$prog $*' exited $got, not $status: $(cat "$T/failure.err")"
	[ ! -s "$T/failure.out" ] || fail "'$prog $*' wrote to standard output"
	cmp -s "$want" "$T/failure.err" || fail "'$prog $*' said: $(cat "$T/failure.err")"
}

# expect_usage MESSAGE PROG ARGS...: "PROG ARGS" is a usage error: exit 2,
# and on standard error exactly MESSAGE, then the usage line PROG --help
# gives.
expect_usage() {
	{ echo "$1"; "$(prog_path "$2")" --help | head -n 1; } >"$T/failure.want"
	shift
	expect_failure 2 "$T/failure.want" "$@"
}

# expect_error MESSAGE PROG ARGS...: "PROG ARGS" fails at run time: exit 1,
# and exactly MESSAGE on standard error (so no server started).
expect_error() {
	echo "$1" >"$T/failure.want"
	shift
	expect_failure 1 "$T/failure.want" "$@"
}

# budget_ends_loop PROG PID ERR PID2 ERR2: two servers of PROG (-v), set
# answering each other, stop within their reply budgets: one of them logs
# a datagram past its budget (that datagram dies, and the loop with it);
# then both are stopped, and neither received more than 250 datagrams.
budget_ends_loop() {
	local prog=$1 i err n
	for ((i = 0; i < 200; i++)); do
		grep -q 'past its budget' "$3" "$5" && break
		sleep 0.1
	done
	grep -q 'past its budget' "$3" "$5" ||
	    fail "no budget stopped the loop: $(tail -n 3 "$3" "$5")"
	stop_server "$2"
	stop_server "$4"
	for err in "$3" "$5"; do
		n=$(sed -n "s/^$prog: \([0-9]*\) datagrams\{0,1\} received.*/\1/p" "$err")
		[ -n "$n" ] && [ "$n" -le 250 ] || fail "the loop went on: $(tail -n 2 "$err")"
	done
}

# at_exit COMMAND: run COMMAND (a string for eval) when the test ends, after
# its processes are gone and before its scratch directory is removed.
at_exit() {
	AT_EXIT="${AT_EXIT:-}$1;"
}

# odd_server MODE: tests/odd-server.py in MODE (garbage, silent, stall:K:S,
# ...: the script says), in the background; sets ODD_PORT, and ODD_PID
# for odd_server_stop, which stops it and waits for it, bounded.
ODD_SERVERS=0
odd_server() {
	ODD_SERVERS=$((ODD_SERVERS + 1))
	ODD_DONE="$T/odd.$ODD_SERVERS.done"
	python3 "$TOP_SRCDIR/tests/odd-server.py" "$1" "$T/odd.$ODD_SERVERS.port" \
	    "$ODD_DONE" "$((TEST_LIMIT / 2))" &
	ODD_PID=$!
	track "$ODD_PID"
	wait_for "$T/odd.$ODD_SERVERS.port" '^[0-9]' || fail "the $1 server did not start"
	ODD_PORT=$(cat "$T/odd.$ODD_SERVERS.port")
}
odd_server_stop() {
	touch "$ODD_DONE"
	wait_gone "$ODD_PID" 10 || fail "the odd server did not stop"
	wait "$ODD_PID" || fail "the odd server exited $?"
}

# json_check FILE EXPR: the JSON object in FILE parses, and the Python
# expression EXPR holds of it as d; else fail, showing the object.
json_check() {
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if eval("(" + sys.argv[2] + ")") else 1)' "$1" "$2" ||
	    fail "JSON: not ($2): $(cat "$1")"
}

# is_daytime FILE: FILE holds, byte for byte, one daytime line (RFC 867)
# in the asctime layout, "Sun Sep 16 01:03:52 1973", ending in CR LF, and
# the time it says is within a minute of now.
is_daytime() {
	python3 - "$1" <<'PY'
import re, sys, time
data = open(sys.argv[1], "rb").read()
m = re.fullmatch(rb"((?:Sun|Mon|Tue|Wed|Thu|Fri|Sat) "
                 rb"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
                 rb"[ 123][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} [0-9]{4})\r\n", data)
if not m:
    sys.exit("not one daytime line ending in CR LF: %r" % data)
said = time.mktime(time.strptime(m.group(1).decode(), "%a %b %d %H:%M:%S %Y"))
if abs(said - time.time()) > 60:
    sys.exit("daytime said %r, %.0f s from now" % (data, said - time.time()))
PY
}

# track PID: kill PID too when the test ends (a helper started with &).
track() {
	STARTED="$STARTED $1"
}

# serves_every_service PROG ARGS...: the stream services of "PROG ARGS -s
# SERVICE 127.0.0.1:0", through tcpcli and through nc or python3, byte for
# byte: a 4 MiB random file and every byte value echoed, discard, daytime,
# the chargen pattern, bench replies and its refusal, print's lines.
serves_every_service() {
	local prog=$1 f
	shift
	head -c 4194304 /dev/urandom >"$T/random"

	# echo (RFC 862): a 4 MiB random file comes back identical.
	start_server "$prog" "$@" -v -s echo 127.0.0.1:0
	run tcpcli "127.0.0.1:$SERVER_PORT" <"$T/random" >"$T/back" || fail "tcpcli exited $?"
	cmp -s "$T/random" "$T/back" || fail "echo through tcpcli changed the bytes"
	timeout 30 nc -N 127.0.0.1 "$SERVER_PORT" <"$T/random" >"$T/back.nc" || fail "nc exited $?"
	cmp -s "$T/random" "$T/back.nc" || fail "echo through nc changed the bytes"
	# Every byte value, in every place of a 256-byte cycle.
	python3 -c 'import sys; sys.stdout.buffer.write(bytes(range(256)) * 257)' >"$T/bytes"
	run tcpcli "127.0.0.1:$SERVER_PORT" <"$T/bytes" >"$T/back" || fail "tcpcli exited $?"
	cmp -s "$T/bytes" "$T/back" || fail "echo changed some byte value"
	stop_server "$SERVER_PID"
	grep -q ': echo: 4194304 bytes in, 4194304 out' "$SERVER_ERR" || fail "-v line: $(cat "$SERVER_ERR")"
	ok "$prog $*: echo"

	# discard (RFC 863): everything is read, nothing comes back.
	start_server "$prog" "$@" -v -s discard 127.0.0.1:0
	run tcpcli "127.0.0.1:$SERVER_PORT" <"$T/random" >"$T/back" || fail "tcpcli exited $?"
	[ ! -s "$T/back" ] || fail "discard sent something back"
	timeout 30 nc -N 127.0.0.1 "$SERVER_PORT" <"$T/random" >"$T/back.nc" || fail "nc exited $?"
	[ ! -s "$T/back.nc" ] || fail "discard sent something back to nc"
	stop_server "$SERVER_PID"
	[ "$(grep -c ': discard: 4194304 bytes in, 0 out' "$SERVER_ERR")" -eq 2 ] ||
	    fail "discard did not read all: $(cat "$SERVER_ERR")"
	ok "$prog $*: discard"

	# daytime (RFC 867): one line, CRLF-terminated, then the server closes.
	start_server "$prog" "$@" -s daytime 127.0.0.1:0
	run tcpcli "127.0.0.1:$SERVER_PORT" </dev/null >"$T/day" || fail "tcpcli exited $?"
	timeout 30 nc -N 127.0.0.1 "$SERVER_PORT" </dev/null >"$T/day.nc" || fail "nc exited $?"
	stop_server "$SERVER_PID"
	for f in "$T/day" "$T/day.nc"; do
		[ "$(wc -l <"$f")" -eq 1 ] || fail "daytime sent $(wc -l <"$f") lines"
		grep -Eq $'^[A-Z][a-z]{2} [A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} [0-9]{4}\r$' "$f" ||
		    fail "daytime line: $(od -c "$f" | head -n 3)"
	done
	ok "$prog $*: daytime"

	# chargen (RFC 864): the rotating 72-column pattern, until the client goes.
	python3 - >"$T/pattern" <<-'PY'
	import sys
	for i in range(200):
	    sys.stdout.write("".join(chr(32 + (i + j) % 95) for j in range(72)) + "\r\n")
	PY
	start_server "$prog" "$@" -s chargen 127.0.0.1:0
	# tcpcli stops at the broken pipe of head; its status says so, not the data.
	run tcpcli "127.0.0.1:$SERVER_PORT" </dev/null 2>/dev/null | head -c 14800 >"$T/chargen"
	cmp -s "$T/pattern" "$T/chargen" || fail "chargen pattern through tcpcli"
	python3 - "$SERVER_PORT" >"$T/chargen.py" <<-'PY' || fail "python chargen client"
	import socket, sys
	s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
	got = b""
	while len(got) < 14800:
	    chunk = s.recv(65536)
	    if not chunk:
	        sys.exit("chargen closed early")
	    got += chunk
	s.close()
	sys.stdout.buffer.write(got[:14800])
	PY
	cmp -s "$T/pattern" "$T/chargen.py" || fail "chargen pattern through python"
	stop_server "$SERVER_PID"
	ok "$prog $*: chargen"

	# bench (UNP chapter 30): "N\n" gets exactly N bytes, again and again.
	start_server "$prog" "$@" -s bench 127.0.0.1:0
	printf '100000\n' | run tcpcli "127.0.0.1:$SERVER_PORT" >"$T/bench" || fail "tcpcli exited $?"
	[ "$(wc -c <"$T/bench")" -eq 100000 ] || fail "bench 100000 gave $(wc -c <"$T/bench") bytes"
	python3 - "$SERVER_PORT" <<-'PY' || fail "bench through python"
	import socket, sys
	port = int(sys.argv[1])
	def readn(s, n):
	    got = b""
	    while len(got) < n:
	        chunk = s.recv(n - len(got))
	        if not chunk:
	            sys.exit("closed after %d of %d bytes" % (len(got), n))
	        got += chunk
	    return got
	s = socket.create_connection(("127.0.0.1", port), timeout=10)
	for n in (1, 16, 16777216):
	    s.sendall(b"%d\n" % n)
	    readn(s, n)
	s.sendall(b"3\n5\n")          # two requests in one segment
	readn(s, 8)
	s.settimeout(0.5)
	try:
	    extra = s.recv(1)
	except socket.timeout:
	    extra = None
	if extra is not None:
	    sys.exit("bench sent more than asked")
	s.settimeout(10)
	s.sendall(b"abc\n")           # not a number: the server closes
	if s.recv(1) != b"":
	    sys.exit("bench answered a bad request")
	s.close()
	PY
	stop_server "$SERVER_PID"
	grep -q 'bench: not a number: "abc"' "$SERVER_ERR" || fail "bad request not logged: $(cat "$SERVER_ERR")"
	ok "$prog $*: bench"

	# print: each line on standard output, prefixed with the peer's address.
	start_server "$prog" "$@" -s print 127.0.0.1:0
	printf 'hello\nworld\n' | run tcpcli "127.0.0.1:$SERVER_PORT" || fail "tcpcli exited $?"
	printf 'from nc\n' | timeout 30 nc -N 127.0.0.1 "$SERVER_PORT" || fail "nc exited $?"
	wait_for "$SERVER_ERR.out" 'from nc$' || fail "print: nothing from nc"
	stop_server "$SERVER_PID"
	grep -Eq '^127\.0\.0\.1:[0-9]+: hello$' "$SERVER_ERR.out" || fail "print: $(cat "$SERVER_ERR.out")"
	grep -Eq '^127\.0\.0\.1:[0-9]+: world$' "$SERVER_ERR.out" || fail "print: $(cat "$SERVER_ERR.out")"
	grep -Eq '^127\.0\.0\.1:[0-9]+: from nc$' "$SERVER_ERR.out" || fail "print: $(cat "$SERVER_ERR.out")"
	ok "$prog $*: print"
}

# evd_says_open COUNT TIMES: SIGUSR1 to the evd of SERVER_PID, again and
# again, until it has said TIMES times in all that COUNT connections are
# open; bounded by START_LIMIT seconds (clients under valgrind connect
# slowly).
evd_says_open() {
	local i
	for ((i = 0; i < START_LIMIT * 10; i++)); do
		kill -USR1 "$SERVER_PID"
		[ "$(grep -c "^evd: $1 connections open" "$SERVER_ERR")" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

# The watchdog: a test that hangs is ended, and fails.  Stopped, it takes
# its sleep with it.
(
	trap 'kill "$nap" 2>/dev/null; exit 0' TERM
	sleep "$TEST_LIMIT" &
	nap=$!
	wait "$nap" && kill -TERM $$
) >/dev/null 2>&1 &
WATCHDOG=$!

# tasks PID: how many threads PID has, the main one included.  Under
# ThreadSanitizer, not its own background thread, which it starts with
# the program's first.
tasks() {
	local n
	n=$(find "/proc/$1/task" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
	[ "${TINCAN_TSAN:-no}" = yes ] && [ "$n" -gt 1 ] && n=$((n - 1))
	echo "$n"
}

# wait_tasks PID COUNT [SECONDS]: wait, bounded, until PID has COUNT threads.
wait_tasks() {
	local i
	for ((i = 0; i < ${3:-10} * 20; i++)); do
		[ "$(tasks "$1")" -eq "$2" ] && return 0
		sleep 0.05
	done
	return 1
}

# silent_client_start PORT IDLE LATE: a client (in the background, its pid
# in SILENT) that connects to PORT and sends nothing; it fails unless the
# server drops it between IDLE - 0.5 and IDLE + LATE seconds later.  It
# makes $T/silent.connected once connected, and $T/silent.dropped, which
# holds how long it took, once dropped.
silent_client_start() {
	python3 - "$1" "$2" "$3" "$T/silent" <<-'PY' &
	import socket, sys, time
	port, idle, late, flag = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
	s = socket.create_connection(("127.0.0.1", port), timeout=idle + late + 10)
	start = time.time()
	open(flag + ".connected", "w").close()
	if s.recv(1) != b"":
	    sys.exit("the silent client was sent something")
	took = time.time() - start
	open(flag + ".dropped", "w").write("%.3f\n" % took)
	if not idle - 0.5 <= took <= idle + late:
	    sys.exit("the silent client was dropped after %.3f s, -t %g" % (took, idle))
	PY
	SILENT=$!
	wait_for_file "$T/silent.connected" || fail "the silent client did not connect"
}

# let_go PORT SECONDS [POOL]: a client of PORT that sends a line is let
# go within SECONDS, closed on (end of file or a reset) and never
# answered: a client held in the queue, or accepted and kept, would hear
# nothing.  With POOL, an exact echo passes too.  Says "let go after" or
# "served after" how long.
let_go() {
	python3 - "$1" "$2" "${3:-}" <<-'PY'
	import socket, sys, time
	port, limit, pool = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
	s = socket.create_connection(("127.0.0.1", port), timeout=limit)
	start = time.time()
	try:
	    s.sendall(b"let go\n")
	    got = s.recv(100)
	except ConnectionResetError:
	    got = b""
	except socket.timeout:
	    sys.exit("held, not let go: no end of file or reset in %g s" % limit)
	if got and not (pool and got == b"let go\n"):
	    sys.exit("answered: %r" % got)
	print("%s after %.3f s" % ("served" if got else "let go", time.time() - start))
	PY
}

# sheds_out_of_descriptors NAME [POOL]: the server NAME of SERVER_PID, out
# of descriptors (EMFILE), sheds each pending client at once with its spare
# descriptor, not left to spin accept; says so once; and serves again
# once descriptors are back.  The server is left running.  With POOL, the
# threads of a pool that wait in accept have each taken a descriptor
# already, and one may take the spare's while it is given up: some clients
# are served then, each with its exact echo; six clients come, and at
# least one must be shed.
sheds_out_of_descriptors() {
	local shed_limit=3 lowest_free soft ticks_before ticks k clients=3 shed=0
	[ -z "${TINCAN_VALGRIND:-}" ] || shed_limit=10
	[ -z "${2:-}" ] || clients=6
	lowest_free=$(($(ls /proc/"$SERVER_PID"/fd | awk '$1 < 1000' | sort -n | tail -n 1) + 1))
	soft=$(prlimit --pid "$SERVER_PID" --nofile --noheadings --output SOFT)
	prlimit --pid "$SERVER_PID" --nofile="$lowest_free:" || fail "prlimit"
	ticks_before=$(awk '{ print $14 + $15 }' /proc/"$SERVER_PID"/stat)
	for ((k = 1; k <= clients; k++)); do
		let_go "$SERVER_PORT" "$shed_limit" "${2:-}" >"$T/shed.out" ||
		    fail "$1: client $k out of descriptors: $(cat "$T/shed.out")"
		cat "$T/shed.out"
		grep -q '^let go' "$T/shed.out" && shed=$((shed + 1))
	done
	[ "$shed" -ge 1 ] || fail "$1: no client of $clients was shed"
	sleep 1
	ticks=$(($(awk '{ print $14 + $15 }' /proc/"$SERVER_PID"/stat) - ticks_before))
	[ "$ticks" -lt 50 ] || fail "$1 used $ticks ticks of CPU out of descriptors"
	[ "$(grep -c 'accept: Too many open files: shedding connections' "$SERVER_ERR")" -eq 1 ] ||
	    fail "$1: EMFILE was not logged once: $(cat "$SERVER_ERR")"
	prlimit --pid "$SERVER_PID" --nofile="$soft:" || fail "prlimit"
	[ "$(echo back | run tcpcli "127.0.0.1:$SERVER_PORT")" = back ] || fail "$1 did not recover"
}
