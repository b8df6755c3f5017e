#!/bin/bash
# no-network: a name that does not resolve, and an address no route
# reaches, are errors that name them.  Both run in a network namespace of
# their own, with no way off the machine, so nothing ever leaves it.
. "${TOP_SRCDIR:?run the tests through make check}/tests/lib.sh" || exit 99

unshare -n true 2>/dev/null || { echo "SKIP: cannot make a network namespace (unshare -n)"; exit 77; }

command_for tcpcli
unshare -n timeout 30 "${CMD[@]}" no-such-host.invalid:9877 </dev/null 2>"$T/err"
status=$?
[ "$status" -eq 1 ] || fail "an unknown host exited $status"
grep -Eqx 'tcpcli: no-such-host\.invalid: (Name or service not known|Temporary failure in name resolution|No address associated with hostname)' "$T/err" ||
    fail "unknown host: $(cat "$T/err")"
ok "an unknown host exits 1 naming it"

command_for resolve
unshare -n timeout 30 "${CMD[@]}" no-such-host.invalid >"$T/out" 2>"$T/err"
status=$?
[ "$status" -eq 1 ] || fail "resolve of an unknown host exited $status"
grep -q '^resolve: no-such-host\.invalid: ' "$T/err" || fail "resolve: $(cat "$T/err")"
[ ! -s "$T/out" ] || fail "resolve printed an address for an unknown host"
ok "resolve of an unknown host exits 1 naming it"

# 192.0.2.1 (TEST-NET-1) in a namespace with no route at all.
command_for tcpcli
unshare -n timeout 30 "${CMD[@]}" 192.0.2.1:9877 </dev/null 2>"$T/err"
status=$?
[ "$status" -eq 1 ] || fail "an unreachable address exited $status"
grep -qx 'tcpcli: connect to 192\.0\.2\.1:9877: Network is unreachable' "$T/err" ||
    fail "unreachable: $(cat "$T/err")"
ok "an unreachable address exits 1 naming it"
