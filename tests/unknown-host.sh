#!/bin/bash
# unknown-host: a name that does not resolve is an error naming it.  The
# look-up runs in a network namespace of its own, with no way off the
# machine, so no query ever leaves it.
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
