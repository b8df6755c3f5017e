#!/bin/bash
# compare-models: the main command runs every model and strategy, and its
# table, JSON and spread add up.  A small load: this checks the script, it
# does not measure (that is what the script itself is for).
. "${TOP_SRCDIR:?run the tests through make check}/tests/lib.sh" || exit 99

# The build may be elsewhere than the script (make distcheck): say where.
export TINCAN_BUILDDIR="$TOP_BUILDDIR"
"$TOP_SRCDIR/scripts/compare-models" --no-bootstrap --repeat 2 --clients 2 \
    --connections 30 --json "$T/run.json" >"$T/out" 2>"$T/err" ||
    fail "compare-models exited $?: $(cat "$T/err")"
for model in iterd forkd "preforkd -l none" "preforkd -l fcntl" "preforkd -l mutex" \
    "preforkd -l pass" "preforkd -l reuseport" threadd "prethreadd -l none" \
    "prethreadd -l mutex" "prethreadd -l main" "evd -e epoll" "evd -e poll"; do
	grep -q "^$model  " "$T/out" || fail "no row for $model: $(cat "$T/out")"
done
grep -q '^How the connections spread over the children' "$T/out" || fail "no spread: $(cat "$T/out")"
python3 - "$T/run.json" <<'PY' || fail "the JSON does not add up"
import json, sys
d = json.load(open(sys.argv[1]))
models = d["models"]
assert len(models) == 13, len(models)
rates = [m["rate"] for m in models]
assert rates == sorted(rates, reverse=True), "not best first"
for m in models:
    assert m["failed"] == 0, m
    assert m["rate"] > 0 and m["cpu_ms_per_1000"] > 0 and m["memory_kib"] > 0, m
    assert m["rate_min"] <= m["rate"] <= m["rate_max"], m
    if m["model"].startswith("pre"):
        # 2 runs' last: warm-up (2 x 20) plus the load (2 x 30).
        assert sum(m["distribution"]) == 100, m
        assert len(m["distribution"]) == 8, m
assert d["machine"]["cpus"] >= 1
PY
ok "compare-models runs every model, best first, and its figures add up"

# --models, --old and --hold: the models asked for, each beside its old
# build (this one, for the test) and with connections held; iterd cannot
# take them, and its held row is left out with a word on why.
"$TOP_SRCDIR/scripts/compare-models" --no-bootstrap --repeat 1 --clients 2 \
    --connections 20 --models "evd -e epoll,iterd" --old "$TOP_BUILDDIR" \
    --hold 20 --json "$T/beside.json" >"$T/beside" 2>"$T/beside.err" ||
    fail "compare-models --hold exited $?: $(cat "$T/beside.err")"
for model in "evd -e epoll" "evd -e epoll (old)" "evd -e epoll, 20 held" iterd "iterd (old)"; do
	grep -q "^$model  " "$T/beside" || fail "no row for $model: $(cat "$T/beside")"
done
! grep -q "^iterd, 20 held\|^forkd\|^evd -e poll\|^preforkd" "$T/beside" ||
    fail "rows not asked for, or iterd held: $(cat "$T/beside")"
grep -q "iterd, 20 held did not take 20 held connections" "$T/beside.err" ||
    fail "iterd's held row left out without a word: $(cat "$T/beside.err")"
grep -q "^  evd -e epoll  *keeps [0-9.]* of its rate with 20 connections held; [0-9.]* KiB" "$T/beside" &&
    grep -q "^  iterd  *CPU per connection [0-9.]* times the old build's" "$T/beside" ||
    fail "no side-by-side lines: $(cat "$T/beside")"
python3 - "$T/beside.json" <<'PY' || fail "the JSON of --hold does not add up"
import json, sys
rows = {m["model"]: m for m in json.load(open(sys.argv[1]))["models"]}
assert sorted(rows) == ["evd -e epoll", "evd -e epoll (old)", "evd -e epoll, 20 held",
                        "iterd", "iterd (old)"], sorted(rows)
held = rows["evd -e epoll, 20 held"]
assert held["held"] == 20 and held["kib_per_held"] > 0 and held["failed"] == 0, held
assert rows["evd -e epoll"]["held"] == 0 and rows["evd -e epoll"]["kib_per_held"] is None
PY
"$TOP_SRCDIR/scripts/compare-models" --no-bootstrap --models nosuch >/dev/null 2>"$T/nosuch" &&
    fail "--models nosuch ran"
grep -q "no such model" "$T/nosuch" || fail "--models nosuch: $(cat "$T/nosuch")"
ok "--models, --old and --hold: the rows asked for, side by side"

# --plot, where gnuplot is installed (it is not one of the build's needs).
if command -v gnuplot >/dev/null 2>&1; then
	"$TOP_SRCDIR/scripts/compare-models" --no-bootstrap --repeat 1 --clients 2 \
	    --connections 10 --plot "$T/run.png" >/dev/null 2>&1 || fail "compare-models --plot failed"
	[ "$(head -c 8 "$T/run.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ||
	    fail "--plot did not write a PNG"
	ok "--plot draws a PNG"
else
	echo "gnuplot is not installed: --plot not tried"
fi
