#!/bin/bash
# pidfile: -p never follows a link and takes only a regular file of its own
# with one name: a symbolic link, a hard link, a FIFO or a directory at the
# path is refused with the reason, and what it points to is left as it
# was.  Once the pid is written, no process of the server (the parent, a
# forkd child, a preforkd child) holds a descriptor that can write it.
# (What another user can plant needs root: pidfile-root.sh.)
. "${TOP_SRCDIR:?run the tests through make check}/tests/lib.sh" || exit 99

# refused PIDFILE REASON: iterd -p PIDFILE exits 1, saying exactly REASON.
refused() {
	expect_error "iterd: pidfile $1: $2" iterd -p "$1" 127.0.0.1:0
}

echo "precious" >"$T/target"
ln -s "$T/target" "$T/link.pid"
refused "$T/link.pid" "a symbolic link; not followed"
[ "$(cat "$T/target")" = precious ] || fail "the link's target was written"
ln -s "$T/nowhere" "$T/dangling.pid"
refused "$T/dangling.pid" "a symbolic link; not followed"
[ ! -e "$T/nowhere" ] || fail "a dangling link made its target"
ok "a symbolic link at the pidfile is not followed, dangling or not"

ln "$T/target" "$T/hard.pid"
refused "$T/hard.pid" "has 2 names (a hard link); not used"
[ "$(cat "$T/target")" = precious ] || fail "the hard link's file was written"
ok "a file with a second name is not used"

mkfifo "$T/fifo.pid"
refused "$T/fifo.pid" "not a regular file; not used"
mkdir "$T/dir.pid"
refused "$T/dir.pid" "Is a directory"
ok "a FIFO or a directory at the pidfile is refused, without a hang"

# A pidfile of ours left writable by others is made 0644 again.
install -m 666 /dev/null "$T/wide.pid"
start_server iterd -p "$T/wide.pid" 127.0.0.1:0
[ "$(stat -c %a "$T/wide.pid")" = 644 ] || fail "mode $(stat -c %a "$T/wide.pid") kept"
stop_server "$SERVER_PID"
ok "an old pidfile writable by others is made 0644"

# write_fds PID FILE: how many descriptors PID holds on FILE open for writing.
write_fds() {
	local fd n=0 flags
	for fd in /proc/"$1"/fd/*; do
		[ "$(readlink "$fd" 2>/dev/null)" = "$2" ] || continue
		flags=$(sed -n 's/^flags:[[:space:]]*//p' /proc/"$1"/fdinfo/"${fd##*/}")
		# O_ACCMODE is the low two bits of the octal flags: 0 is O_RDONLY.
		(( (8#$flags & 3) != 0 )) && n=$((n + 1))
	done
	echo "$n"
}

# fds_on PID FILE: how many descriptors PID holds on FILE at all.
fds_on() {
	local fd n=0
	for fd in /proc/"$1"/fd/*; do
		[ "$(readlink "$fd" 2>/dev/null)" = "$2" ] && n=$((n + 1))
	done
	echo "$n"
}

for prog in iterd forkd preforkd; do
	pidfile="$T/$prog.pid"
	start_server "$prog" -p "$pidfile" 127.0.0.1:0
	[ "$(cat "$pidfile")" = "$SERVER_PID" ] || fail "$prog: the pidfile says $(cat "$pidfile")"
	[ "$(fds_on "$SERVER_PID" "$pidfile")" -eq 1 ] || fail "$prog: the lock's descriptor is not held"
	[ "$(write_fds "$SERVER_PID" "$pidfile")" -eq 0 ] ||
	    fail "$prog holds its pidfile open for writing"
	# A child serving a client (forkd), or waiting for one (preforkd).
	hold_client "c$prog" "$SERVER_PORT"
	kids=$(pgrep -P "$SERVER_PID")
	if [ "$prog" != iterd ]; then
		[ -n "$kids" ] || fail "$prog has no child to look at"
	fi
	for kid in $kids; do
		[ "$(fds_on "$kid" "$pidfile")" -eq 0 ] ||
		    fail "$prog's child $kid holds the pidfile open"
	done
	release_client "c$prog" || fail "$prog: the held client failed"
	stop_server "$SERVER_PID"
	[ ! -e "$pidfile" ] || fail "$prog left its pidfile"
done
ok "iterd, forkd and preforkd hold their pidfile read-only, and their children not at all"
