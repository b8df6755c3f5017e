#!/bin/bash
# resolve: names to addresses, -r addresses to names, -s services to ports,
# and this host's name.  Only names /etc/hosts answers: no DNS here.
. "${TOP_SRCDIR:?run the tests through make check}/tests/lib.sh" || exit 99

run resolve localhost >"$T/out" || fail "resolve localhost exited $?"
grep -qx 'localhost 127\.0\.0\.1' "$T/out" || fail "resolve localhost: $(cat "$T/out")"
run resolve -4 localhost >"$T/out" || fail "resolve -4 localhost exited $?"
# Exactly that line: nothing more, and not nothing.
printf 'localhost 127.0.0.1\n' | cmp -s - "$T/out" ||
    fail "resolve -4 localhost: not just 'localhost 127.0.0.1': '$(cat "$T/out")'"
ok "names to addresses"

run resolve -r 127.0.0.1 >"$T/out" || fail "resolve -r exited $?"
grep -Eqx '127\.0\.0\.1 [A-Za-z0-9.-]+' "$T/out" || fail "resolve -r 127.0.0.1: $(cat "$T/out")"
[ "$(awk '{print $2}' "$T/out")" = "$(getent hosts 127.0.0.1 | awk '{print $2}')" ] ||
    fail "resolve -r disagrees with getent: $(cat "$T/out")"
run resolve -r not-an-address 2>"$T/err"
[ $? -eq 1 ] || fail "resolve -r of a name did not exit 1"
grep -qx 'resolve: not-an-address: not a numeric address' "$T/err" || fail "resolve -r: $(cat "$T/err")"
ok "addresses to names"

run resolve -s echo >"$T/out" || fail "resolve -s echo exited $?"
[ "$(cat "$T/out")" = $'echo 7/tcp\necho 7/udp' ] || fail "resolve -s echo: $(cat "$T/out")"
run resolve -s 9 >"$T/out" || fail "resolve -s 9 exited $?"
grep -qx '9 discard/tcp' "$T/out" || fail "resolve -s 9: $(cat "$T/out")"
run resolve -s nosuchservice echo >"$T/out" 2>"$T/err"
[ $? -eq 1 ] || fail "an unknown service did not exit 1"
grep -qx 'resolve: nosuchservice: unknown service' "$T/err" || fail "resolve -s: $(cat "$T/err")"
grep -qx 'echo 7/tcp' "$T/out" || fail "the good name after a bad one was not shown"
ok "services to ports"

run resolve >"$T/out" || fail "resolve exited $?"
[ "$(cat "$T/out")" = "$(uname -n)" ] || fail "resolve printed '$(cat "$T/out")', not '$(uname -n)'"
ok "this host's name"
