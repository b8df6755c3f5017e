#!/bin/bash
# pidfile-root: what another user can plant where root writes a pidfile (a
# sticky world-writable directory, as /tmp is): a link to a file of root's
# is not followed; a file of theirs, even one they hold locked, is refused
# as not ours (not taken for a running server), and left alone.  Needs
# root, and a user nobody to plant as.
. "${TOP_SRCDIR:?run the tests through make check}/tests/lib.sh" || exit 99

[ "$(id -u)" -eq 0 ] || { echo "SKIP: planting as another user needs root"; exit 77; }
id nobody >/dev/null 2>&1 || { echo "SKIP: no user nobody"; exit 77; }
command -v setpriv >/dev/null || { echo "SKIP: no setpriv"; exit 77; }
nobody=$(id -u nobody)

# as_nobody CMD...: run CMD as the user nobody, with no groups.
as_nobody() {
	setpriv --reuid="$nobody" --regid="$(id -g nobody)" --clear-groups "$@"
}

chmod 755 "$T"
mkdir -m 1777 "$T/sticky"
echo "root's own" >"$T/rootfile"

# refused PIDFILE REASON: iterd -p PIDFILE exits 1, saying exactly REASON.
refused() {
	expect_error "iterd: pidfile $1: $2" iterd -p "$1" 127.0.0.1:0
}

as_nobody ln -s "$T/rootfile" "$T/sticky/link.pid" || fail "nobody could not plant a link"
refused "$T/sticky/link.pid" "a symbolic link; not followed"
[ "$(cat "$T/rootfile")" = "root's own" ] || fail "root wrote through nobody's link"
ok "a link planted by another user is not followed by root"

owned="owned by uid $nobody, not by this server; not used (remove it, or use a directory only root can write, such as /run)"
as_nobody sh -c "echo 1 >'$T/sticky/plain.pid'" || fail "nobody could not plant a file"
refused "$T/sticky/plain.pid" "$owned"
[ "$(cat "$T/sticky/plain.pid")" = 1 ] || fail "root wrote nobody's file"
ok "a file planted by another user is refused as not ours"

# Planted and held locked: still "not ours", not "already running".
as_nobody sh -c "echo 1 >'$T/sticky/locked.pid'" || fail "nobody could not plant a file"
as_nobody sh -c "exec 9<'$T/sticky/locked.pid'; flock 9; exec sleep 60" &
locker=$!
track "$locker"
# locked FILE: wait, bounded, until someone holds a lock on FILE.
locked() {
	local i
	for ((i = 0; i < 200; i++)); do
		[ -e "$1" ] && ! flock -n "$1" true 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}
locked "$T/sticky/locked.pid" || fail "nobody's file was never locked"
refused "$T/sticky/locked.pid" "$owned"
kill "$locker"
wait "$locker" 2>/dev/null
ok "a file planted and locked by another user is refused as not ours"
