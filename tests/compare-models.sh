#!/bin/bash
# compare-models: the main command runs every model and strategy at each
# point of the sweep and with connections held, and writes its folder:
# table.txt (what it printed), plot.png and results.json, whose figures add
# up.  A small load: this checks the script, it does not measure (that is
# what the script itself is for).
. "${TOP_SRCDIR:?run the tests through make check}/tests/lib.sh" || exit 99

# The build may be elsewhere than the script (make distcheck): say where.
export TINCAN_BUILDDIR="$TOP_BUILDDIR"
CM="$TOP_SRCDIR/scripts/compare-models"
MODELS=(iterd forkd "preforkd -l none" "preforkd -l fcntl" "preforkd -l mutex"
    "preforkd -l pass" "preforkd -l reuseport" threadd "prethreadd -l none"
    "prethreadd -l mutex" "prethreadd -l main" "evd -e epoll" "evd -e poll")

# Bad options are usage errors that say what is wrong: exit 2.
bad_option() {
	local want=$1
	shift
	"$CM" --no-bootstrap "$@" >"$T/bad.out" 2>"$T/bad.err"
	local status=$?
	[ "$status" -eq 2 ] || fail "$* exited $status, not 2: $(cat "$T/bad.err")"
	grep -qF -- "$want" "$T/bad.err" || fail "$*: said $(cat "$T/bad.err"), not $want"
	[ ! -s "$T/bad.out" ] || fail "$*: printed $(cat "$T/bad.out")"
}
bad_option "argument --sweep: 0: out of range (1 to 4096)" --sweep 0
bad_option "argument --sweep: 'x': not a whole number" --sweep 1,x
bad_option "argument --hold: -1: out of range (0 to 1000000)" --hold -1
bad_option "argument --cpus: CPU 9999: not one this machine lets us use" --cpus 0:9999
bad_option "argument --cpus: 'a': not a CPU or a range of CPUs" --cpus a,0
bad_option "argument --cpus: '0': give SERVER:CLIENT or A,B" --cpus 0
bad_option "argument --seconds: 0: out of range" --seconds 0
bad_option "--json and --plot are gone" --json x.json
"$CM" --help >"$T/help" 2>&1 || fail "--help exited $?"
for opt in --sweep --clients --seconds --connections --timeout --hold --repeat --bytes \
    --cpus --out --models --old --peers --limit table.txt plot.png results.json; do
	grep -q -e "$opt" "$T/help" || fail "--help says nothing of $opt: $(cat "$T/help")"
done
ok "bad options are usage errors that say why; --help names every option and the files"

# The tie mark: rows whose min-max ranges overlap the row above's are tied,
# figure by figure; disjoint ranges are not.
python3 - "$TOP_SRCDIR/scripts/compare-models.py" <<'PY' || fail "the tie marks are wrong"
import importlib.util, sys
sys.dont_write_bytecode = True
spec = importlib.util.spec_from_file_location("compare_models", sys.argv[1])
cm = importlib.util.module_from_spec(spec)
spec.loader.exec_module(cm)
def row(rate, cpu):
    return {"rate_min": rate[0], "rate_max": rate[1], "cpu_ms_per_1000_min": cpu[0],
            "cpu_ms_per_1000_max": cpu[1]}
rows = cm.mark_ties([row((900, 1000), (10, 12)), row((950, 980), (13, 14)),
                     row((700, 949), (13.5, 20)), row((100, 200), (20, 30))])
assert [r["tie_rate"] for r in rows] == [False, True, False, False], rows
assert [r["tie_cpu_ms_per_1000"] for r in rows] == [False, False, True, True], rows
assert cm.tie(rows[1], "rate") == "= " and cm.tie(rows[2], "rate") == ""
PY
ok "a tie is marked where two adjacent rows' ranges overlap, and only there"

# The main command, small: every model at two points of the sweep, with 5
# connections held, two rounds.  It writes its folder where it is told.
cd "$T" || fail "no $T"
"$CM" --no-bootstrap --repeat 2 --sweep 1 --clients 2 --seconds 0.1 --hold 5 \
    --out "$T/run" >"$T/out" 2>"$T/err" || fail "compare-models exited $?: $(cat "$T/err")"
for model in "${MODELS[@]}"; do
	grep -q "^$model  " "$T/out" || fail "no row for $model: $(cat "$T/out")"
done
grep -q '^noise: load average [0-9.]*-[0-9.]* during the run; [0-9.]*% stolen; others used [0-9]*% of the CPUs' \
    "$T/out" || fail "no noise line: $(cat "$T/out")"
grep -q '^= marks a tie with the row above: their min-max ranges overlap' "$T/out" ||
    fail "the tie mark is not explained: $(cat "$T/out")"
grep -q '^Connections/s (higher is better) against clients' "$T/out" &&
    grep -q '^With 5 idle connections held open' "$T/out" &&
    grep -q '^iterd  *stopped serving at 1 held$' "$T/out" ||
    fail "no sweep or hold tables: $(cat "$T/out")"
grep -q '^How the connections spread over the children' "$T/out" || fail "no spread: $(cat "$T/out")"
[ "$(tail -n 1 "$T/out")" = "wrote $T/run/: table.txt, plot.png, results.json" ] ||
    [ "$(tail -n 1 "$T/out")" = "wrote $T/run/: table.txt, results.json; no plot.png: gnuplot is not installed (apt-get install gnuplot-nox)" ] ||
    fail "the folder is not named at the end: $(tail -n 1 "$T/out")"
head -n -1 "$T/out" | cmp -s - "$T/run/table.txt" || fail "table.txt is not what was printed"
python3 - "$T/run/results.json" "${MODELS[@]}" <<'PY' || fail "the JSON does not add up"
import json, sys
d = json.load(open(sys.argv[1]))
models = d["models"]
assert sorted(m["model"] for m in models) == sorted(sys.argv[2:]), [m["model"] for m in models]
load = d["load"]
assert (load["mode"], load["clients"], load["connections"], load["seconds"], load["bytes"],
        load["repeat"], load["sweep"], load["hold"]) == ("bench", 2, None, 0.1, 64, 2, [1, 2], 5), load
assert d["machine"]["cpus"] >= 1 and d["machine"]["sysname"] and d["machine"]["date"]
noise = d["noise"]
assert 0 <= noise["load_average_min"] <= noise["load_average_max"], noise
assert noise["stolen_pct"] >= 0 and noise["others_pct"] >= 0 and noise["busy"] in (True, False)
assert len(noise["runs"]) == 2 * 13, len(noise["runs"])
rates = [m["rate"] for m in models]
assert rates == sorted(rates, reverse=True), "not best first"
for m in models:
    assert m["failed"] == 0, m
    assert m["rate"] > 0 and m["cpu_ms_per_1000"] >= 0 and m["memory_kib"] > 0, m
    assert m["rate_min"] <= m["rate"] <= m["rate_max"], m
    assert m["tie_rate"] in (True, False) and m["tie_cpu_ms_per_1000"] in (True, False), m
    assert [p["clients"] for p in m["sweep"]] == [1, 2], m["sweep"]
    assert m["rate"] == m["sweep"][1]["rate"], "the row is not its point at --clients"
    # Every round's own figures, not only the medians.
    assert len(m["rounds"]) == 2, m["rounds"]
    for r in m["rounds"]:
        assert [p["clients"] for p in r["sweep"]] == [1, 2] and r["noise"]["others_pct"] >= 0, r
        assert all(p["connections"] > 0 for p in r["sweep"]), r
        assert r["hold"]["held"] == 5, r["hold"]
    h = m["hold"]
    assert h["held"] == 5 and h["rounds"] == 2, h
    if m["model"] == "iterd":
        # It takes one held connection, and serves no other while it waits.
        assert not h["served"] and h["stopped_at_min"] == h["stopped_at_max"] == 1, h
    elif m["model"].startswith("evd"):
        assert h["served"] and h["load"]["rate"] > 0 and "kib_per_held" in h, h
    if m["model"].startswith("pre"):
        assert len(m["distribution"]) == 8 and sum(m["distribution"]) > 0, m
PY
ok "compare-models runs every model at each point, with connections held; its JSON keeps every round"

# The figure: a PNG, wherever gnuplot is (always, after scripts/bootstrap).
if ! command -v gnuplot >/dev/null 2>&1; then
	[ "${CI:-}" != true ] || fail "gnuplot is not installed: scripts/bootstrap installs it"
	PLOT_SKIPPED=1
else
	[ "$(head -c 8 "$T/run/plot.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ||
	    fail "plot.png is not a PNG"
	[ "$(stat -c %s "$T/run/plot.png")" -lt 204800 ] || fail "plot.png is 200 KiB or more"
	ok "the folder holds table.txt, results.json and plot.png, a PNG under 200 KiB"
fi

# --models, --old: the models asked for, each beside its old build (this
# one, for the test); no --hold, no sweep but --clients; the default folder
# lands in the current directory.
mkdir "$T/here" && cd "$T/here" || fail "no $T/here"
"$CM" --no-bootstrap --repeat 1 --sweep 1 --clients 1 --seconds 0.1 --hold 0 \
    --models "evd -e epoll,iterd" --old "$TOP_BUILDDIR" >"$T/beside" 2>"$T/beside.err" ||
    fail "compare-models --old exited $?: $(cat "$T/beside.err")"
for model in "evd -e epoll" "evd -e epoll (old)" iterd "iterd (old)"; do
	grep -q "^$model  " "$T/beside" || fail "no row for $model: $(cat "$T/beside")"
done
! grep -q "^forkd\|^evd -e poll\|^preforkd\|held open" "$T/beside" ||
    fail "rows not asked for, or a hold: $(cat "$T/beside")"
grep -q "^  iterd  *CPU per connection [-0-9.]* times the old build's" "$T/beside" ||
    fail "no side-by-side lines: $(cat "$T/beside")"
folder=$(sed -n 's|^wrote \(compare-models-[0-9]\{8\}-[0-9]\{6\}\)/: .*|\1|p' "$T/beside")
[ -n "$folder" ] && [ -s "$T/here/$folder/results.json" ] ||
    fail "no folder compare-models-DATE-TIME here: $(ls "$T/here") $(tail -n 1 "$T/beside")"
python3 - "$T/here/$folder/results.json" <<'PY' || fail "the JSON of --old does not add up"
import json, sys
d = json.load(open(sys.argv[1]))
rows = {m["model"]: m for m in d["models"]}
assert sorted(rows) == ["evd -e epoll", "evd -e epoll (old)", "iterd", "iterd (old)"], sorted(rows)
assert all("hold" not in m and len(m["rounds"]) == 1 for m in rows.values())
assert d["load"]["hold"] == 0 and d["load"]["sweep"] == [1]
PY
"$CM" --no-bootstrap --models nosuch --out "$T/nosuch" >/dev/null 2>"$T/nosuch.err" &&
    fail "--models nosuch ran"
grep -q "no such model" "$T/nosuch.err" || fail "--models nosuch: $(cat "$T/nosuch.err")"
ok "--models and --old: the rows asked for, side by side, in a folder of the current directory"

# --cpus: the server and loadcli pinned, with taskset.
if command -v taskset >/dev/null 2>&1; then
	cpu=$(python3 -c 'import os; print(min(os.sched_getaffinity(0)))')
	"$CM" --no-bootstrap --repeat 1 --sweep 1 --clients 1 --seconds 0.1 --hold 0 \
	    --models iterd --cpus "$cpu:$cpu" --out "$T/pinned" >"$T/pinned.out" 2>&1 ||
	    fail "--cpus $cpu:$cpu exited $?: $(cat "$T/pinned.out")"
	python3 -c 'import json, sys; c = json.load(open(sys.argv[1]))["load"]["cpus"]; assert c == {"server": sys.argv[2], "client": sys.argv[2]}, c' \
	    "$T/pinned/results.json" "$cpu" || fail "--cpus is not in the JSON"
	ok "--cpus pins the server and the client"
fi

if [ -n "${PLOT_SKIPPED:-}" ]; then
	echo "SKIP: gnuplot is not installed: plot.png not checked (apt-get install gnuplot-nox)"
	exit 77
fi
