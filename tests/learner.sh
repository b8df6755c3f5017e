#!/bin/bash
# learner: the programs a Python socket tutorial teaches (tests/learner/)
# and tincan talk to each other, and each message arrives exactly once.
# The learner's clients reach udpd, iterd, forkd, preforkd and unixdgd
# (at the relative path unix.sock), each with -s print; udpcli, unixdgcli
# and tcpcli reach the learner's servers, which never answer: a datagram
# client is not answered within 1 s and says so, exit 1, having sent once,
# or with -n exits 0; tcpcli half-closes and exits 0 when the server closes.
. "${TOP_SRCDIR:?run the tests through make check}/tests/lib.sh" || exit 99

L="$TOP_SRCDIR/tests/learner"

# messages WHO: five distinct messages from WHO, in MSGS.
messages() {
	local k
	MSGS=()
	for ((k = 1; k <= 5; k++)); do
		MSGS+=("$1, message $k")
	done
}

# once_each FILE WHO: FILE holds each of MSGS exactly once, as a whole
# line, and nothing else.
once_each() {
	local m n
	for m in "${MSGS[@]}"; do
		n=$(grep -cxF -e "$m" "$1")
		[ "$n" -eq 1 ] || fail "$2: '$m' arrived $n times: $(cat "$1")"
	done
	[ "$(wc -l <"$1")" -eq "${#MSGS[@]}" ] ||
	    fail "$2: more arrived than the ${#MSGS[@]} messages: $(cat "$1")"
}

# Python clients to our servers.

# to_ours CLIENT PROG ARGS...: five runs of the learner's CLIENT, a message
# each, reach "PROG -s print ARGS", started here; PROG prints each once,
# after the sender's address.
to_ours() {
	local client=$1 prog=$2 dest m
	shift 2
	start_server "$prog" -s print "$@"
	case $client in
	unix_*) dest=(unix.sock) ;;
	*) dest=(127.0.0.1 "$SERVER_PORT") ;;
	esac
	messages "$client to $prog"
	for m in "${MSGS[@]}"; do
		timeout 30 python3 "$L/$client" "${dest[@]}" "$m" ||
		    fail "$client to $prog exited $?"
	done
	wait_count "$SERVER_ERR.out" . "${#MSGS[@]}" "$START_LIMIT" ||
	    fail "$prog printed: $(cat "$SERVER_ERR.out")"
	stop_server "$SERVER_PID"
	sed -E 's/^(127\.0\.0\.1:[0-9]+|unnamed): //' "$SERVER_ERR.out" >"$T/shown"
	once_each "$T/shown" "$client to $prog"
}

to_ours udp_client.py udpd 127.0.0.1:0
ok "udp_client.py to udpd -s print: each message printed once"

for prog in iterd forkd preforkd; do
	to_ours tcp_client.py "$prog" 127.0.0.1:0
done
ok "tcp_client.py to iterd, forkd and preforkd -s print: each message printed once"

mkdir "$T/unixdgd" && cd "$T/unixdgd" || fail "cd $T/unixdgd"
to_ours unix_client.py unixdgd unix.sock
cd - >/dev/null || fail "cd back"
ok "unix_client.py to unixdgd -s print unix.sock: each message printed once"

# Our clients to Python servers.

# learner_server SCRIPT ARGS...: start the learner's server SCRIPT ARGS
# here, in the background; its pid in LEARNER_PID.
learner_server() {
	local script=$1
	shift
	python3 "$L/$script" "$@" &
	LEARNER_PID=$!
	track "$LEARNER_PID"
}

# learner_port NAME: the port the learner's server NAME got, once it says.
learner_port() {
	wait_for_file "$T/$1.port" "$START_LIMIT" || fail "$1: the learner's server did not start"
	LEARNER_PORT=$(cat "$T/$1.port")
}

# learner_done NAME CLIENT DEST...: the learner's CLIENT says "quit" to the
# learner's server NAME at DEST, which ends; what it got, $T/NAME.got, is
# each of MSGS once.
learner_done() {
	local name=$1 client=$2
	shift 2
	timeout 30 python3 "$L/$client" "$@" quit || fail "$name: $client exited $?"
	wait_gone "$LEARNER_PID" 20 || fail "$name: the learner's server did not stop"
	wait "$LEARNER_PID" || fail "$name: the learner's server exited $?"
	once_each "$T/$name.got" "$name"
}

# dgram_to_learner PROG DEST: five runs of PROG, a message each, to the
# learner's server at DEST: three wait in vain for a reply, and say so; two
# with -n do not wait.
dgram_to_learner() {
	local prog=$1 dest=$2 k
	messages "$prog"
	for k in 0 1 2; do
		expect_error "$prog: no reply from $dest within 1 s (sent once; -r resends, -n does not wait)" \
		    "$prog" "$dest" "${MSGS[k]}"
	done
	for k in 3 4; do
		run "$prog" -n "$dest" "${MSGS[k]}" || fail "$prog -n exited $?"
	done
}

learner_server udp_server.py 127.0.0.1 0 "$T/udp.got" "$T/udp.port"
learner_port udp
dgram_to_learner udpcli "127.0.0.1:$LEARNER_PORT"
learner_done udp udp_client.py 127.0.0.1 "$LEARNER_PORT"
ok "udpcli to udp_server.py: each message got once; no reply, exit 1; -n, exit 0"

mkdir "$T/learner-unix" && cd "$T/learner-unix" || fail "cd $T/learner-unix"
learner_server unix_server.py unix.sock "$T/unix.got"
wait_for_file unix.sock "$START_LIMIT" || fail "unix: the learner's server did not start"
dgram_to_learner unixdgcli unix.sock
learner_done unix unix_client.py unix.sock
[ ! -e unix.sock ] || fail "unix: the learner's server left unix.sock"
cd - >/dev/null || fail "cd back"
ok "unixdgcli to unix_server.py: each message got once; no reply, exit 1; -n, exit 0"

learner_server tcp_server.py 127.0.0.1 0 "$T/tcp.got" "$T/tcp.port"
learner_port tcp
messages tcpcli
for m in "${MSGS[@]}"; do
	printf '%s\n' "$m" | run tcpcli "127.0.0.1:$LEARNER_PORT" >"$T/tcpcli.out" ||
	    fail "tcpcli exited $?"
	[ ! -s "$T/tcpcli.out" ] || fail "tcpcli got an answer: $(cat "$T/tcpcli.out")"
done
learner_done tcp tcp_client.py 127.0.0.1 "$LEARNER_PORT"
ok "tcpcli to tcp_server.py: each message got once; tcpcli ends when it closes"
