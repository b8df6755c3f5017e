#!/bin/bash
# privdrop: -u drops to the user after binding (root only): the server runs
# as that user with its groups, cannot regain root, still serves, and
# leaves behind, unlocked, a pidfile it may no longer unlink (it keeps no
# descriptor that could write it); an unknown user is an error.
. "${TOP_SRCDIR:?run the tests through make check}/tests/lib.sh" || exit 99

[ "$(id -u)" -eq 0 ] || { echo "SKIP: -u needs root"; exit 77; }
id nobody >/dev/null 2>&1 || { echo "SKIP: no user nobody"; exit 77; }
uid=$(id -u nobody)
gid=$(id -g nobody)

chmod 755 "$T"
start_server iterd -u nobody -p "$T/iterd.pid" 127.0.0.1:0
status=/proc/"$SERVER_PID"/status
[ "$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "$status")" = "$uid $uid $uid $uid" ] ||
    fail "uids after -u nobody: $(grep '^Uid:' "$status")"
[ "$(awk '/^Gid:/ { print $2, $3, $4, $5 }' "$status")" = "$gid $gid $gid $gid" ] ||
    fail "gids after -u nobody: $(grep '^Gid:' "$status")"
[ "$(awk '/^Groups:/ { print $2 }' "$status")" = "$gid" ] ||
    fail "groups after -u nobody: $(grep '^Groups:' "$status")"
[ "$(echo dropped | run tcpcli "127.0.0.1:$SERVER_PORT")" = dropped ] || fail "iterd -u does not serve"
stop_server "$SERVER_PID"
# $T is root's, 755: nobody may not unlink there.  The file stays as it
# was, unlocked: the next server takes it over.
[ "$(cat "$T/iterd.pid")" = "$SERVER_PID" ] || fail "the pidfile changed after -u: $(cat "$T/iterd.pid")"
first=$SERVER_PID
start_server iterd -u nobody -p "$T/iterd.pid" 127.0.0.1:0
[ "$(cat "$T/iterd.pid")" = "$SERVER_PID" ] || fail "a stale pidfile left by $first was not taken over"
stop_server "$SERVER_PID"
ok "-u nobody: uid, gid and groups dropped, it serves, its pidfile is taken over"

run iterd -u no-such-user-here 127.0.0.1:0 2>"$T/err"
[ $? -eq 1 ] || fail "an unknown user did not exit 1"
grep -qx "iterd: unknown user 'no-such-user-here'" "$T/err" || fail "unknown user: $(cat "$T/err")"
ok "an unknown user is an error"
