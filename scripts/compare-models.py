#!/usr/bin/env python3
"""compare-models: the concurrency models of tincan, measured side by side
as the work grows.

Run through scripts/compare-models, which builds the suite first (on a
fresh machine this program's python3 and gnuplot come from
scripts/bootstrap too).  Each round starts each model once -- iterd, forkd,
preforkd with each accept strategy, threadd, prethreadd with each
strategy, and evd with each way of waiting -- with -s bench on a free
loopback port, warms it up, and drives it with loadcli at each count of
clients of the sweep in turn, each point bounded in time (loadcli -D).
For each point: connections/s, p50 and p99 latency, the server's CPU per
1000 connections (user and system of the server and its children, from
/proc, the children it reaped included) and its memory (the largest sum of
the proportional set sizes of the server and its children seen meanwhile).
Then --hold N idle connections are opened to it, from this one process,
and kept open while the load runs once more: the memory each held
connection costs, and the rate the load still gets; or, for a model that
stops taking connections (iterd, a pool of n), "stopped serving at N
held", N the connections it had taken off its listen queue by then.

The run writes one folder: table.txt (what it prints), plot.png (the
sweep and the memory per held connection, drawn by gnuplot) and
results.json (every round's figures, the load, the machine and the
noise).  It records the load average and the CPU time that others used
and that the hypervisor stole, before and after each model's run, and says
when the machine was busy.  The table shows medians and the min-max of the
rounds, and marks with = a row whose range overlaps the row above's: a tie
this run cannot rank.

--models keeps the models whose names begin with one of those given
("evd", "preforkd -l pass").  --old DIR runs each model a second time
from the build in DIR (an older commit, built beside this one), in the
same rounds, to show what a change cost.  --peers adds well-known
fork-per-connection echo servers, when installed (socat, ucspi-tcp's
tcpserver with cat, ipsvd's tcpsvd with cat), to a second table driven by
loadcli -m echo at --clients, beside forkd and preforkd; --limit adds the
single-process reference echo server built from the C file given.  Only
127.0.0.1 is used.  The programs are taken from the tree, or from
$TINCAN_BUILDDIR when the build is elsewhere.
"""
import argparse
import json
import math
import os
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Where the programs are: the tree itself, unless built elsewhere (VPATH).
BUILD = os.environ.get("TINCAN_BUILDDIR", TOP)
STRATEGIES = ["none", "fcntl", "mutex", "pass", "reuseport"]
THREAD_STRATEGIES = ["none", "mutex", "main"]
BACKENDS = ["epoll", "poll"]
CLK_TCK = os.sysconf("SC_CLK_TCK")
# The figures of a point summed up over the rounds: median, min and max.
FIGURES = ("rate", "p50_ms", "p99_ms", "cpu_ms_per_1000", "memory_kib",
           "client_cpu_ms_per_1000")
TIE_MARK = "="
# The most held connections left waiting in a listen queue at once: a full
# queue drops a SYN, which comes again only seconds later.
HOLD_QUEUE = 256


def free_port():
    """A port that was free a moment ago, for servers that cannot take 0."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children_of(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def tree(pid):
    """pid and its descendants alive now (tcpserver's cat too), pid first."""
    todo = [pid]
    while todo:
        p = todo.pop()
        yield p
        todo.extend(children_of(p))


def pss_kib(pid):
    """The proportional set size of pid, or its RSS where there is no PSS."""
    for path, key in (("smaps_rollup", "Pss:"), ("status", "VmRSS:")):
        try:
            with open("/proc/%d/%s" % (pid, path)) as f:
                for line in f:
                    if line.startswith(key):
                        return int(line.split()[1])
        except OSError:
            pass
    return 0


def tree_pss(pid):
    return sum(pss_kib(p) for p in tree(pid))


def cpu_ticks(pid):
    """utime + stime + cutime + cstime of pid: its CPU and that of the
    children it has reaped, in clock ticks; 0 once it is gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            # After the name in parentheses, which may hold spaces, field 14
            # of proc(5) (utime) is the twelfth.
            field = f.read().rsplit(")", 1)[1].split()
        return sum(int(x) for x in field[11:15])
    except (OSError, IndexError, ValueError):
        return 0


def tree_cpu_s(pid):
    """The CPU seconds of a server and its live children, each with what
    it reaped; a clock tick is the grain.  The children are read before
    their parent: one reaped meanwhile is then in its parent's cutime, or
    counted twice, never missed."""
    return sum(cpu_ticks(p) for p in reversed(list(tree(pid)))) / CLK_TCK


def settled_cpu_s(pid):
    """tree_cpu_s once the server has finished with the last load: the
    children of forkd exit, and are reaped, after the client has its reply."""
    cpu, deadline = tree_cpu_s(pid), time.time() + 0.2
    while time.time() < deadline:
        time.sleep(0.02)
        now = tree_cpu_s(pid)
        if now == cpu:
            break
        cpu = now
    return cpu


def listener(port):
    """(waiting, established) at 127.0.0.1:port: the connections that wait
    in the listen queue, and every established connection whose server end
    is there, queued or accepted (/proc/net/tcp).  waiting is None when
    the listener was not listed: the file is read while it changes."""
    local = "0100007F:%04X" % port
    waiting, established = None, 0
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            field = line.split()
            if field[1] != local:
                continue
            if field[3] == "0A":    # one listener, or one a child (reuseport)
                waiting = (waiting or 0) + int(field[4].split(":")[1], 16)
            elif field[3] == "01":
                established += 1
    return waiting, established


def cpu_stat():
    """(total, busy, stolen) clock ticks of all the CPUs since boot."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:9]]
    v += [0] * (8 - len(v))
    user, nice, system, _, _, irq, softirq, steal = v
    return sum(v), user + nice + system + irq + softirq, steal


def load_average():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def own_cpu_s():
    """CPU seconds of this process and all it has reaped: the servers,
    loadcli, and their children."""
    me, kids = (resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


class Noise:
    """What else the machine did while each model ran: the load average
    before and after, the CPU time stolen from it, and the CPU time used by
    all but this program, its servers and its clients."""

    def __init__(self):
        self.runs = []

    @staticmethod
    def snapshot():
        return load_average(), cpu_stat(), own_cpu_s()

    def note(self, before, model, round_no):
        load0, (total0, busy0, steal0), own0 = before
        load1, (total1, busy1, steal1), own1 = self.snapshot()
        total = max(1, total1 - total0) / CLK_TCK
        others = max(0.0, (busy1 - busy0) / CLK_TCK - (own1 - own0))
        run = {"model": model, "round": round_no, "load_before": load0, "load_after": load1,
               "cpu_s": total, "stolen_s": (steal1 - steal0) / CLK_TCK, "others_s": others,
               "stolen_pct": 100 * (steal1 - steal0) / CLK_TCK / total,
               "others_pct": 100 * others / total}
        self.runs.append(run)
        return run

    def summary(self):
        loads = [r[k] for r in self.runs for k in ("load_before", "load_after")]
        cpu = sum(r["cpu_s"] for r in self.runs) or 1
        worst = max(self.runs, key=lambda r: r["others_pct"])
        s = {"load_average_min": min(loads), "load_average_max": max(loads),
             "stolen_pct": 100 * sum(r["stolen_s"] for r in self.runs) / cpu,
             "others_pct": 100 * sum(r["others_s"] for r in self.runs) / cpu,
             "others_max_pct": worst["others_pct"],
             "others_max_during": "%s, round %d" % (worst["model"], worst["round"])}
        # Busy: others took a tenth of the machine, or a third during one
        # model's run, or the hypervisor a twentieth.
        s["busy"] = s["others_pct"] > 10 or s["others_max_pct"] > 33 or s["stolen_pct"] > 5
        s["runs"] = self.runs
        return s


def noise_lines(s):
    """The noise line, and a plain word when the machine was busy."""
    lines = ["noise: load average %.1f-%.1f during the run; %.1f%% stolen; "
             "others used %.0f%% of the CPUs (at most %.0f%%, during %s)" % (
                 s["load_average_min"], s["load_average_max"], s["stolen_pct"],
                 s["others_pct"], s["others_max_pct"], s["others_max_during"])]
    if s["busy"]:
        lines.append("The machine was busy: other work took CPU time from this run, so "
                     "rates and latencies are lower and wider than on a quiet machine; "
                     "the CPU per connection is the steadier figure.")
    return lines


class Server:
    """A server under measurement: started, waited for, stopped, accounted."""

    def __init__(self, name, argv, port=None, pin=()):
        self.name, self.argv, self.port = name, argv, port
        self.held = []
        self.err = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen(list(pin) + argv, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=self.err,
                                     start_new_session=True)
        self.pid = self.proc.pid
        self.wait_ready()

    def wait_ready(self):
        deadline = time.time() + 10
        while time.time() < deadline:
            if self.proc.poll() is not None:
                sys.exit("compare-models: %s exited: %s" % (self.name, self.stderr()))
            if self.port is None:
                m = re.search(r"listening on .*:(\d+) \(", self.stderr())
                if m:
                    self.port = int(m.group(1))
                    return
            else:
                try:
                    socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                    return
                except OSError:
                    pass
            time.sleep(0.05)
        self.proc.kill()
        sys.exit("compare-models: %s did not start: %s" % (self.name, self.stderr()))

    def stderr(self):
        self.err.seek(0)
        return self.err.read()

    def hold(self, n):
        """Open n idle connections and keep them, no faster than the server
        takes them off its listen queue; wait, bounded, while it does.
        Returns how many it took (n, or fewer where it stopped: iterd, a
        pool smaller than n), and whether it was still taking them when
        the time was up."""
        deadline = time.time() + 5 + n / 200
        took, since = -1, time.time()
        while time.time() < deadline:
            waiting, established = listener(self.port)
            if waiting is None:
                time.sleep(0.05)
                continue
            # /proc/net/tcp is read while it changes, and may list a
            # connection twice: no more than were opened, and twice so.
            taken = min(established - waiting, len(self.held))
            if taken == took == n:
                return n, False
            if taken != took:
                took, since = taken, time.time()
            # Some wait, none taken lately: it has stopped.  One not yet
            # in (a SYN dropped) comes again after a second or more.
            elif time.time() - since > (0.3 if established >= len(self.held) else 2.5):
                return took, False
            self.connect(min(n - len(self.held), HOLD_QUEUE - waiting))
            time.sleep(0.05)
        return max(took, 0), True

    def connect(self, k):
        """k more idle connections, not waited for."""
        for _ in range(max(0, k)):
            s = socket.socket()
            s.setblocking(False)
            s.connect_ex(("127.0.0.1", self.port))
            self.held.append(s)

    def release(self):
        for s in self.held:
            s.close()
        self.held = []

    def stop(self):
        """SIGTERM, and wait until it and all it started are gone."""
        self.release()
        self.proc.send_signal(signal.SIGTERM)
        deadline = time.time() + 30
        while time.time() < deadline:
            pid, status, _ = os.wait4(self.pid, os.WNOHANG)
            if pid == self.pid:
                self.proc.returncode = status
                self.sweep()
                return
            time.sleep(0.02)
        self.sweep()
        os.wait4(self.pid, 0)
        sys.exit("compare-models: %s did not stop on SIGTERM" % self.name)

    def sweep(self):
        """Nothing of the server's session may outlive the measurement."""
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def loadcli_argv(args, mode, port, clients, size):
    """loadcli at clients, for size: seconds, or with --connections the
    connections of each client."""
    cmd = list(args.pin_client) + [
        os.path.join(BUILD, "clients", "loadcli"), "-j", "-q", "-m", mode,
        "-b", str(args.bytes), "-c", str(clients), "-t", "%g" % args.timeout]
    if args.connections:
        cmd += ["-n", str(size), "-T", "300"]
    else:
        cmd += ["-D", "%g" % size, "-T", str(int(args.timeout) + 5)]
    return cmd + ["127.0.0.1:%d" % port]


def point(server, mode, args, clients, size=None):
    """One load against a running server, at clients, for size (a point's,
    unless given): loadcli's figures, and the server's CPU and its largest
    memory meanwhile."""
    size = size or args.connections or args.seconds
    cpu = tree_cpu_s(server.pid)
    load = subprocess.Popen(loadcli_argv(args, mode, server.port, clients, size),
                            stdout=subprocess.PIPE, text=True)
    peak = 0
    while True:
        peak = max(peak, tree_pss(server.pid))
        if load.poll() is not None:
            break
        time.sleep(0.1)
    out, _ = load.communicate()
    cpu = settled_cpu_s(server.pid) - cpu
    try:
        r = json.loads(out)
    except ValueError:
        sys.exit("compare-models: loadcli against %s said: %r" % (server.name, out))
    made = r["connections"]
    return {"clients": clients, "connections": made, "failed": r["failed"],
            "rate": r["rate"], "p50_ms": r["latency_ms"]["p50"], "p99_ms": r["latency_ms"]["p99"],
            "cpu_ms_per_1000": 1e6 * cpu / max(1, made), "memory_kib": peak,
            "client_cpu_ms_per_1000": 1e6 * (r["client_cpu_s"]["user"] +
                                             r["client_cpu_s"]["system"]) / max(1, made)}


def warm_up(server, mode, args, n=20):
    """n requests, one after another, from here: a new server's first
    connections fault its pages in, and a pool's workers wake once."""
    request = b"%d\n" % args.bytes if mode == "bench" else b"x" * args.bytes
    for _ in range(n):
        with socket.create_connection(("127.0.0.1", server.port), timeout=args.timeout) as s:
            s.sendall(request)
            s.shutdown(socket.SHUT_WR)
            while s.recv(65536):
                pass


def hold_and_load(server, mode, args):
    """--hold: the memory each held connection costs the server, and the
    load it still serves; or how many it had taken when it stopped."""
    before = tree_pss(server.pid)
    started = time.time()
    took, slow = server.hold(args.hold)
    held = {"held": args.hold, "took": took, "served": False, "slow": slow,
            "hold_s": time.time() - started}
    if took == args.hold:
        time.sleep(0.2)
        held["kib_per_held"] = (tree_pss(server.pid) - before) / args.hold
        held["load"] = point(server, mode, args, args.clients)
        # Taken off the listen queue is not served: prethreadd -l main's
        # queue takes its share, and then the load may get nothing.
        held["served"] = held["load"]["connections"] > held["load"]["failed"]
    server.release()
    return held


def distribution(stderr):
    """The exit report of a pool: the connections of each child of
    preforkd, or of each thread of prethreadd."""
    counts = re.findall(r"^pre(?:forkd: child|threadd: thread) (\d+)(?: pid \d+)?: (\d+) connections?",
                        stderr, re.M)
    last = {}
    for child, n in counts:
        last[int(child)] = int(n)
    return [last[k] for k in sorted(last)]


def measure(name, argv, port, mode, args, sweep, hold):
    """One round of one model: started once, warmed up, driven at each
    point of the sweep, then with connections held, and stopped."""
    server = Server(name, argv, port, args.pin_server)
    warm_up(server, mode, args)
    run = {"sweep": [point(server, mode, args, c) for c in sweep]}
    if hold:
        run["hold"] = hold_and_load(server, mode, args)
    server.stop()
    run["distribution"] = distribution(server.stderr()) if name.startswith("pre") else []
    return run


def tincan_models(build=BUILD, capacity=0):
    """Every model the suite ships, a strategy a row: the one list.  Those
    with a cap on connections at once (forkd, threadd, evd) are given room
    for capacity, when that is more than their default."""
    s = os.path.join(build, "servers")

    def server(prog, *opts, cap=0):
        room = ["-m", str(capacity)] if cap and capacity > cap else []
        return [os.path.join(s, prog)] + list(opts) + room + ["-s", "bench", "127.0.0.1:0"]
    models = [("iterd", server("iterd")), ("forkd", server("forkd", cap=256))]
    models += [("preforkd -l " + st, server("preforkd", "-l", st)) for st in STRATEGIES]
    models.append(("threadd", server("threadd", cap=1024)))
    models += [("prethreadd -l " + st, server("prethreadd", "-l", st)) for st in THREAD_STRATEGIES]
    models += [("evd -e " + how, server("evd", "-e", how, cap=1000)) for how in BACKENDS]
    return models


def wanted_models(args):
    """The beginnings of the names --models keeps; all, without it."""
    return [w.strip() for w in args.models.split(",")] if args.models else [""]


def chosen_models(args):
    """The rows of the bench table: the models asked for, each beside its
    old build (--old)."""
    wanted = wanted_models(args)
    # Room for the most connections at once, and for a few that the
    # server has yet to close: past its default only at need (C10K).
    capacity = max(args.hold + args.clients, max(args.sweep)) + 16
    rows = []
    old = dict(tincan_models(args.old, capacity)) if args.old else {}
    for name, argv in tincan_models(BUILD, capacity):
        if not any(name.startswith(w) for w in wanted):
            continue
        rows.append((name, argv, None))
        if args.old:
            if os.path.exists(old[name][0]):
                rows.append((name + " (old)", old[name], None))
            else:
                print("compare-models: --old: no %s" % old[name][0], file=sys.stderr)
    if not rows:
        sys.exit("compare-models: --models %s: no such model" % args.models)
    return rows


def echo_models(args):
    """The echo table: forkd, preforkd's and evd's defaults (as --models
    keeps them), with --peers the peers found, with --limit the reference."""
    bench = dict(tincan_models())
    # The same servers as the bench table's, with their default service.
    rows = [(name, [a for a in bench[name] if a not in ("-s", "bench")], None)
            for name in ("forkd", "preforkd -l none", "evd -e epoll")
            if any(name.startswith(w) for w in wanted_models(args))]
    found, missing = [], []
    peers = [("socat", lambda p: ["socat", "TCP-LISTEN:%d,bind=127.0.0.1,fork,backlog=128,reuseaddr" % p, "PIPE"]),
             ("tcpserver", lambda p: ["tcpserver", "-HRl0", "127.0.0.1", str(p), "cat"]),
             ("tcpsvd", lambda p: ["tcpsvd", "-l", "localhost", "127.0.0.1", str(p), "cat"])]
    for name, argv in peers if args.peers else []:
        if shutil.which(name):
            port = free_port()
            rows.append((name, argv(port), port))
            found.append(name)
        else:
            missing.append(name)
    if args.limit:
        exe = os.path.join(tempfile.gettempdir(), "compare-models-limit-echo")
        subprocess.run(["cc", "-O2", "-o", exe, args.limit], check=True)
        port = free_port()
        rows.append(("limit_echo (epoll, 1 process)", [exe, "-m", "echo", "-T", "600", str(port)], port))
    return rows, found, missing


def spread_of(items, keys):
    """The median of each figure over the rounds, with its min and max."""
    row = {}
    for key in keys:
        vals = [i[key] for i in items]
        row[key] = statistics.median(vals)
        row[key + "_min"], row[key + "_max"] = min(vals), max(vals)
    return row


def summary(points):
    """A point of the sweep over the rounds: the figures' spread, the
    failures summed."""
    # A round whose point made no connection at all, or none that did not
    # fail, measured nothing: on a busy machine loadcli's children may not
    # run within -D, and loadcli gives no latency of failed connections.
    made = [p for p in points if p["connections"] > p["failed"]]
    if not made:
        made = [dict(p, p50_ms=p["p50_ms"] or 0.0, p99_ms=p["p99_ms"] or 0.0)
                for p in points]
    row = {"clients": points[0]["clients"], "empty_rounds": len(points) - len(made)}
    row.update(spread_of(made, FIGURES))
    row["failed"] = sum(p["failed"] for p in points)
    return row


def hold_summary(helds):
    """The held connections over the rounds: a served model's rate and
    memory per held connection, or where it stopped serving."""
    s = {"held": helds[0]["held"], "rounds_served": sum(h["served"] for h in helds),
         "rounds": len(helds)}
    stopped = [h["took"] for h in helds if not h["served"]]
    s["served"] = not stopped
    if stopped:
        s["stopped_at_min"], s["stopped_at_max"] = min(stopped), max(stopped)
        # Still taking them when the time was up: slow, not stopped (forkd).
        s["slow"] = all(h["slow"] for h in helds if not h["served"])
        s["hold_s"] = max(h["hold_s"] for h in helds)
    else:
        s.update(spread_of(helds, ["kib_per_held"]))
        s["load"] = summary([h["load"] for h in helds])
    return s


def model_row(name, runs, args, sweep):
    """One model's row: each point of its sweep over the rounds, the point
    at --clients as the row's own figures, the hold, every round kept."""
    row = {"model": name}
    row["sweep"] = [summary([r["sweep"][i] for r in runs]) for i in range(len(sweep))]
    row.update(row["sweep"][sweep.index(args.clients)])
    if "hold" in runs[0]:
        row["hold"] = hold_summary([r["hold"] for r in runs])
    row["distribution"] = runs[-1]["distribution"]
    row["rounds"] = runs
    return row


def overlap(a, b, key):
    """Do the min-max ranges of a figure of two rows overlap?"""
    return a[key + "_min"] <= b[key + "_max"] and b[key + "_min"] <= a[key + "_max"]


def mark_ties(rows, keys=("rate", "cpu_ms_per_1000")):
    """tie_KEY: whether each row's range of that figure overlaps that of the
    row above, so that the rounds do not say which is better."""
    for above, row in zip([None] + rows, rows):
        for key in keys:
            row["tie_" + key] = above is not None and overlap(above, row, key)
    return rows


def run_table(models, mode, args, sweep, hold, noise):
    """Every model once per round, round after round: a machine that drifts
    (a neighbour's load, its clock) then drifts under all of them alike."""
    runs = {name: [] for name, *_ in models}
    for k in range(args.repeat):
        for name, argv, port in models:
            print("  round %d of %d: %s" % (k + 1, args.repeat, name), file=sys.stderr, flush=True)
            before = noise.snapshot()
            run = measure(name, argv, port, mode, args, sweep, hold)
            run["round"] = k + 1
            run["noise"] = noise.note(before, name, k + 1)
            runs[name].append(run)
    rows = [model_row(name, runs[name], args, sweep) for name, *_ in models]
    rows.sort(key=lambda r: -r["rate"])
    return mark_ties(rows)


def figure(fmt, x):
    """x in fmt, with no minus before a zero (-0.0 KiB)."""
    return fmt % (0.0 if fmt % x == fmt % -0.0 else x)


def spread(row, key, fmt):
    """A median with its (min-max) where they differ."""
    text = figure(fmt, row[key])
    if row[key + "_min"] != row[key + "_max"]:
        text += " (%s-%s)" % (figure(fmt, row[key + "_min"]), figure(fmt, row[key + "_max"]))
    return text


def times(a, b):
    """a over b, as "1.23", or "-" where b is 0 (a CPU time below a
    clock tick, a rate of a server that served nothing)."""
    return "%.2f" % (a / b) if b else "-"


def tie(row, key):
    """The mark before a figure tied with the row above's."""
    return TIE_MARK + " " if row.get("tie_" + key) else ""


def print_table(title, rows, args):
    w = max(len(r["model"]) for r in rows) + 2
    print()
    print(title)
    print("%-*s %25s %8s %8s %28s %11s %7s" % (
        w, "model", "connections/s (min-max)", "p50 ms", "p99 ms",
        "CPU ms/1000 conn (min-max)", "memory KiB", "failed"))
    for r in rows:
        print("%-*s %25s %8.3f %8.3f %28s %11.0f %7d" % (
            w, r["model"], tie(r, "rate") + spread(r, "rate", "%.0f"), r["p50_ms"], r["p99_ms"],
            tie(r, "cpu_ms_per_1000") + spread(r, "cpu_ms_per_1000", "%.1f"), r["memory_kib"],
            r["failed"]))
    print("%s marks a tie with the row above: their min-max ranges overlap, so these "
          "rounds do not rank the two." % TIE_MARK)
    worst = max(rows, key=lambda r: r["client_cpu_ms_per_1000"])
    print("loadcli itself used up to %.1f ms of CPU per 1000 connections (%s)" % (
        worst["client_cpu_ms_per_1000"], worst["model"]))


def print_sweep(rows, sweep, args):
    """The sweep as three grids: a row per model, a column per clients."""
    if len(sweep) < 2:
        return
    w = max(len(r["model"]) for r in rows) + 2
    for key, fmt, what in (("rate", "%8.0f", "Connections/s (higher is better)"),
                           ("p99_ms", "%8.2f", "p99 latency in ms (lower is better)"),
                           ("cpu_ms_per_1000", "%8.1f",
                            "Server CPU ms per 1000 connections (lower is better)")):
        print()
        print("%s against clients, medians of %s:" % (what, rounds(args.repeat)))
        print("%-*s" % (w, "model") + "".join("%8d" % c for c in sweep))
        for r in rows:
            print("%-*s" % (w, r["model"]) + "".join(fmt % p[key] for p in r["sweep"]))


def hold_text(r):
    """What one model did with --hold connections held."""
    h = r["hold"]
    if not h["served"]:
        at = "%d" % h["stopped_at_min"] if h["stopped_at_min"] == h["stopped_at_max"] else \
            "%d-%d" % (h["stopped_at_min"], h["stopped_at_max"])
        text = "stopped serving at %s held" % at if not h["slow"] else \
            "still taking them: %s held after %.0f s" % (at, h["hold_s"])
        if h["rounds_served"]:
            text += " in %d of %d rounds" % (h["rounds"] - h["rounds_served"], h["rounds"])
        return text
    return "%25s %12s %28s" % (spread(h["load"], "rate", "%.0f"), times(h["load"]["rate"], r["rate"]),
                                 spread(h, "kib_per_held", "%.1f"))


def hold_order(rows):
    """The rows with --hold: those that served the load, best first; then
    those that stopped, those that took the most first."""
    held = [r for r in rows if "hold" in r]
    served = sorted((r for r in held if r["hold"]["served"]), key=lambda r: -r["hold"]["load"]["rate"])
    stopped = sorted((r for r in held if not r["hold"]["served"]),
                     key=lambda r: -r["hold"]["stopped_at_max"])
    return served + stopped


def print_hold(rows, args):
    held = hold_order(rows)
    if not held:
        return
    w = max(len(r["model"]) for r in rows) + 2
    print()
    print("With %d idle connections held open, the load at %d clients; medians (min-max) "
          "of %s:" % (args.hold, args.clients, rounds(args.repeat)))
    print("%-*s %25s %12s %28s" % (w, "model", "connections/s (min-max)", "of its rate",
                                   "KiB per held conn (min-max)"))
    for r in held:
        print("%-*s %s" % (w, r["model"], hold_text(r)))
    print("of its rate: over its rate with none held.  Stopped serving: it took no more "
          "connections off its listen queue, or served the load none.")


def print_distribution(rows):
    if not any(r["distribution"] for r in rows):
        return
    print()
    print("How the connections spread over the children or threads of a pool (UNP Figure 30.2):")
    for r in rows:
        d = r["distribution"]
        if d:
            total = sum(d) or 1
            print("  %-22s %s" % (r["model"], "  ".join("%5.1f%%" % (100.0 * n / total) for n in d)))


def print_against_limit(rows):
    """Each echo server against the reference single-process loop."""
    limit = [r for r in rows if r["model"].startswith("limit_echo")]
    if not limit:
        return
    print()
    print("Against %s, medians of the same rounds:" % limit[0]["model"])
    for r in rows:
        if r is not limit[0]:
            print("  %-22s %s times its rate, %s times its CPU per connection" % (
                r["model"], times(r["rate"], limit[0]["rate"]),
                times(r["cpu_ms_per_1000"], limit[0]["cpu_ms_per_1000"])))


def print_old(rows):
    """Each model against its old build."""
    by_name = {r["model"]: r for r in rows}
    lines = []
    for r in rows:
        base = by_name.get(r["model"][:-len(" (old)")]) if r["model"].endswith(" (old)") else None
        if base is not None:
            lines.append("  %-22s CPU per connection %s times the old build's, rate %s times" % (
                base["model"], times(base["cpu_ms_per_1000"], r["cpu_ms_per_1000"]),
                times(base["rate"], r["rate"])))
    if lines:
        print()
        print("Medians of the same rounds, side by side:")
        print("\n".join(lines))


# The plot's colours, dashes and points, in the order of tincan_models:
# iterd, forkd, the preforkd strategies in blues, threadd, the prethreadd
# strategies in greens, the evd backends in purples; then the peers.
COLOURS = ["#000000", "#d62728", "#1f3c88", "#2e7dd7", "#17becf", "#5b5bd6", "#0b6e99",
           "#ff7f0e", "#1a7f37", "#7cb518", "#2ca02c", "#9467bd", "#c2185b",
           "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"]
DASHES = [1, 1, 1, 2, 4, 5, 3, 1, 1, 2, 4, 1, 2, 3, 4, 5, 1]
POINTS = [7, 5, 9, 11, 13, 3, 15, 2, 4, 6, 8, 12, 10, 1, 14, 3, 9]


def style(name):
    """The colour, dash type and point type of a row of the plot: by its
    place in the one list of models, an old build's dashed otherwise."""
    names = [n for n, _ in tincan_models()]
    base = name[:-len(" (old)")] if name.endswith(" (old)") else name
    i = (names.index(base) if base in names else len(names) + sum(map(ord, base))) % len(COLOURS)
    return COLOURS[i], DASHES[i] + (1 if base != name else 0), POINTS[i]


def plot_data(rows, folder):
    """gnuplot's data of the sweep: a block per row, x nudged per row, so
    that error bars at one x stay apart."""
    path = os.path.join(folder, "plot.dat")
    with open(path, "w") as f:
        for i, r in enumerate(rows):
            nudge = 1 + 0.035 * (i - (len(rows) - 1) / 2)
            for p in r["sweep"]:
                f.write("%g %s\n" % (p["clients"] * nudge, " ".join(
                    "%g %g %g" % (p[k], p[k + "_min"], p[k + "_max"])
                    for k in ("rate", "p99_ms", "cpu_ms_per_1000"))))
            f.write("\n\n")
    return path


def plot_held(rows, path):
    """gnuplot's data of the hold, a line a model in the order of its
    table, the first at the top; how many, and the largest KiB."""
    held = hold_order(rows)
    with open(path, "w") as f:
        for i, r in enumerate(reversed(held)):
            h = r["hold"]
            kib = (h["kib_per_held"], h["kib_per_held_min"], h["kib_per_held_max"]) \
                if h["served"] else (0, 0, 0)
            note = figure("%.1f KiB", h["kib_per_held"]) if h["served"] else hold_text(r)
            f.write('%d "%s" %g %g %g "%s"\n' % (i, r["model"], *kib, note))
    return len(held), max([r["hold"]["kib_per_held_max"] for r in held if r["hold"]["served"]] + [1])


# The panels of the sweep: the figure, its column in plot.dat, its name,
# which way is better, and where it goes (left, right, bottom, top).
PANELS = (("rate", 2, "connections/s", "higher is better", (0.08, 0.37, 0.53, 0.86)),
          ("p99_ms", 5, "p99 latency, ms", "lower is better", (0.47, 0.76, 0.53, 0.86)),
          ("cpu_ms_per_1000", 8, "server CPU ms / 1000 connections", "lower is better",
           (0.08, 0.37, 0.08, 0.41)))


def sweep_panels(rows, sweep, path):
    """gnuplot's lines of the sweep: a panel a figure, log scales, each
    row a line with its min-max as error bars; the legend with the first."""
    lines = []
    for key, col, what, better, place in PANELS:
        seen = [p[key + k] for r in rows for p in r["sweep"] for k in ("_min", "_max")]
        low = min([x for x in seen if x > 0] or [1])
        lines += ["set lmargin at screen %g; set rmargin at screen %g" % place[:2],
                  "set bmargin at screen %g; set tmargin at screen %g" % place[2:],
                  "set logscale x 2; set xrange [%g:%g]" % (min(sweep) / 1.3, max(sweep) * 1.3),
                  "set xtics (%s)" % ", ".join('"%d" %d' % (c, c) for c in sweep),
                  "set xlabel 'clients at once (loadcli -c)'",
                  "set logscale y; set yrange [%g:%g]; set ytics auto" % (low / 1.5, max(seen) * 1.5),
                  "set ylabel '%s'; set title '%s (%s)'" % (what, what, better)]
        lines.append("plot " + ", ".join(
            "'%s' index %d using 1:%d:%d:%d with yerrorlines lw 1.5 lc rgb '%s' dt %d pt %d ps 1.1 %s" % (
                path, i, col, col + 1, col + 2, *style(r["model"]),
                "title '%s'" % r["model"] if key == "rate" else "notitle")
            for i, r in enumerate(rows)))
        lines.append("unset key")
    return lines


def hold_panel(path, nheld, kib, hold):
    """gnuplot's lines of the memory per held connection: a bar a model,
    or the word on where it stopped serving."""
    return ["set lmargin at screen 0.57; set rmargin at screen 0.97",
            "set bmargin at screen 0.08; set tmargin at screen 0.41",
            "unset logscale; set xrange [0:%g]; set yrange [-0.7:%g]" % (kib * 1.3, nheld - 0.3),
            "set xtics auto; set ytics scale 0; set grid xtics noytics",
            "set xlabel 'KiB of the server''s memory per held connection'",
            "unset ylabel; set style fill solid 0.7",
            "set title 'memory per held connection, %d held (lower is better)'" % hold,
            "plot '%s' using 3:1:(0):3:($1-0.35):($1+0.35):ytic(2) with boxxyerror "
            "lc rgb '#4c72b0' notitle, '' using 3:1:4:5 with xerrorbars pt -1 lc rgb 'black' notitle, "
            "'' using 5:1:6 with labels left offset 0.7,0 font ',10' notitle" % path]


def plot_script(rows, sweep, path, title, hold, clients):
    """The figure: three panels of the sweep, one of the memory per held
    connection, and one legend beside them, in a column of its own."""
    head = ["set terminal pngcairo size 1280,800 font 'DejaVu Sans,11' noenhanced",
            "set output '%s'" % os.path.join(os.path.dirname(path), "plot.png"),
            "set multiplot title \"%s\" font ',13'" % title.replace('"', "'").replace("\n", "\\n"),
            "set grid lt 1 lc rgb '#dddddd' dt 1; set key at screen 0.995, 0.86 top right Left reverse "
            "samplen 3.5 spacing 1.2 font ',10' title 'best first, at %d clients'" % clients]
    held, kib = plot_held(rows, path + ".hold")
    tail = hold_panel(path + ".hold", held, kib, hold) if held else []
    return "\n".join(head + sweep_panels(rows, sweep, path) + tail + ["unset multiplot"]) + "\n"


def plot(rows, sweep, folder, title, hold, clients):
    """plot.png in folder, with gnuplot; False where there is none."""
    if not shutil.which("gnuplot"):
        return False
    path = plot_data(rows, folder)
    script = plot_script(rows, sweep, path, title, hold, clients)
    r = subprocess.run(["gnuplot"], input=script, text=True)
    for p in (path, path + ".hold"):
        os.unlink(p)
    if r.returncode != 0:
        sys.exit("compare-models: gnuplot failed")
    # Lossless, a fifth smaller: a figure to mail or put on a slide.
    if shutil.which("optipng"):
        subprocess.run(["optipng", "-quiet", "-o2", os.path.join(folder, "plot.png")])
    return True


def raise_fd_limit(need, ap):
    """This process, and the servers it starts, may open need descriptors."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < need:
        if hard != resource.RLIM_INFINITY and hard < need:
            ap.error("--hold needs %d descriptors; the hard limit is %d" % (need, hard))
        resource.setrlimit(resource.RLIMIT_NOFILE, (need, hard))


def count(low, high):
    """An argparse type: a whole number from low to high."""
    def parse(text):
        try:
            n = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError("%r: not a whole number" % text)
        if not low <= n <= high:
            raise argparse.ArgumentTypeError("%d: out of range (%d to %d)" % (n, low, high))
        return n
    return parse


def seconds(text):
    """An argparse type: seconds, decimal, more than 0 and at most a day."""
    try:
        s = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("%r: not a number of seconds" % text)
    if not 0 < s <= 86400 or math.isnan(s):
        raise argparse.ArgumentTypeError("%s: out of range (more than 0, at most 86400)" % text)
    return s


def sweep_list(text):
    """An argparse type: the counts of clients, ascending, each once."""
    clients = count(1, 4096)
    return sorted(set(clients(c) for c in text.split(",")))


def cpu_list(text, allowed):
    """A taskset list ("1", "0-3", "0,2") of CPUs this process may use."""
    cpus = set()
    for item in text.split(","):
        m = re.fullmatch(r"(\d+)(?:-(\d+))?", item)
        if not m:
            raise argparse.ArgumentTypeError("%r: not a CPU or a range of CPUs" % item)
        low, high = int(m.group(1)), int(m.group(2) or m.group(1))
        cpus.update(range(low, high + 1))
    if not cpus or not cpus <= allowed:
        raise argparse.ArgumentTypeError("CPU %s: not one this machine lets us use (%s)" % (
            ",".join(map(str, sorted(cpus - allowed))) or text,
            ",".join(map(str, sorted(allowed)))))
    return text


def cpus_pair(text):
    """An argparse type: --cpus SERVER:CLIENT, each a taskset list, or
    A,B, two CPUs; (server, client)."""
    parts = text.split(":") if ":" in text else text.split(",")
    if len(parts) != 2:
        raise argparse.ArgumentTypeError("%r: give SERVER:CLIENT or A,B" % text)
    allowed = os.sched_getaffinity(0)
    return tuple(cpu_list(p, allowed) for p in parts)


def options():
    ap = argparse.ArgumentParser(
        prog="compare-models", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Compare tincan's concurrency models as the work grows: each model at\n"
        "each count of clients of --sweep, then with --hold connections held open.",
        epilog="The run writes into one folder, --out DIR, which it names at the end:\n"
        "  table.txt     what it printed\n"
        "  plot.png      the sweep and the memory per held connection (gnuplot; none\n"
        "                without it)\n"
        "  results.json  every round's figures, the load, the machine and the noise\n"
        "(--json and --plot are folded into it).  The tables show medians (min-max) of\n"
        "the rounds; = marks a tie with the row above: their ranges overlap.  The\n"
        "noise line says what else the machine did meanwhile.\n")
    ap.add_argument("--sweep", type=sweep_list, default=sweep_list("1,2,4,8,16,64"),
                    metavar="C,...", help="counts of clients, loadcli -c (default 1,2,4,8,16,64; "
                    "256 wants --seconds 1: a point of 0.2 s is then mostly its start and its end)")
    ap.add_argument("--clients", type=count(1, 4096), default=8, metavar="C",
                    help="the clients of the first table and of the load with --hold; added to "
                    "the sweep (default 8)")
    ap.add_argument("--seconds", type=seconds, default=0.2, metavar="S",
                    help="each point's load runs S seconds, loadcli -D (default 0.2)")
    ap.add_argument("--connections", type=count(1, 1000000000), metavar="N",
                    help="each point's load makes N connections a client instead, loadcli -n")
    ap.add_argument("--timeout", type=seconds, default=5, metavar="S",
                    help="a connection that takes longer fails, loadcli -t (default 5)")
    ap.add_argument("--hold", type=count(0, 1000000), default=200, metavar="N",
                    help="N idle connections held open while the load runs once more; 0: none "
                    "(default 200; 10000 is the C10K run)")
    ap.add_argument("--repeat", type=count(1, 1000), default=3, metavar="N",
                    help="rounds; medians and min-max are shown (default 3)")
    ap.add_argument("--bytes", type=count(1, 16777216), default=64, metavar="B",
                    help="loadcli -b (default 64)")
    ap.add_argument("--cpus", type=cpus_pair, metavar="SERVER:CLIENT",
                    help="pin the server and loadcli to these CPUs with taskset (SERVER:CLIENT, "
                    "each a taskset list, or A,B)")
    ap.add_argument("--out", metavar="DIR", help="the folder of the results (default "
                    "compare-models-YYYYmmdd-HHMMSS in the current directory)")
    ap.add_argument("--models", metavar="NAME,...", help="only the models whose names begin so")
    ap.add_argument("--old", metavar="DIR", help="each model also from the build in DIR")
    ap.add_argument("--peers", action="store_true",
                    help="an echo table at --clients: forkd, preforkd, evd, socat, tcpserver, tcpsvd")
    ap.add_argument("--limit", metavar="limit_echo.c", help="add the reference echo server to it")
    # Taken by scripts/compare-models, which does the building.
    ap.add_argument("--no-bootstrap", action="store_true", help=argparse.SUPPRESS)
    # Folded into --out: said so to whoever still gives them.
    ap.add_argument("--json", help=argparse.SUPPRESS)
    ap.add_argument("--plot", help=argparse.SUPPRESS)
    return ap


def parse_args(argv=None):
    ap = options()
    args = ap.parse_args(argv)
    if args.json or args.plot:
        ap.error("--json and --plot are gone: the run writes results.json and plot.png "
                 "into its folder (--out DIR)")
    if args.clients not in args.sweep:
        args.sweep = sorted(args.sweep + [args.clients])
    if args.cpus and not shutil.which("taskset"):
        ap.error("--cpus needs taskset (util-linux)")
    args.pin_server = ["taskset", "-c", args.cpus[0]] if args.cpus else []
    args.pin_client = ["taskset", "-c", args.cpus[1]] if args.cpus else []
    args.out = args.out or time.strftime("compare-models-%Y%m%d-%H%M%S")
    raise_fd_limit(args.hold + 2 * max(args.sweep) + 256, ap)
    return args


def describe_load(args, mode):
    how = ("%d connections a client" % args.connections if args.connections
           else "%g s" % args.seconds) + " a point"
    return "loadcli -m %s -b %d, %s, clients %s%s; %s" % (
        mode, args.bytes, how, ",".join(map(str, args.sweep)),
        ", %d held" % args.hold if args.hold else "", rounds(args.repeat))


def rounds(n):
    return "%d round%s" % (n, "" if n == 1 else "s")


class Tee:
    """Standard output, kept as well: table.txt is what was printed."""

    def __init__(self, out):
        self.out, self.kept = out, []

    def write(self, text):
        self.kept.append(text)
        return self.out.write(text)

    def flush(self):
        self.out.flush()


def machine():
    u = os.uname()
    return {"sysname": u.sysname, "nodename": u.nodename, "release": u.release,
            "version": u.version, "machine": u.machine, "cpus": os.cpu_count(),
            "date": time.strftime("%Y-%m-%dT%H:%M:%S%z")}


def describe_machine(m):
    return "%s %s %s (%s), %d CPUs, %s" % (m["sysname"], m["release"], m["machine"],
                                          m["nodename"], m["cpus"], m["date"][:16].replace("T", " "))


def echo_table(args, noise, result):
    """--peers, --limit: the echo servers at --clients, into result."""
    rows, found, missing = echo_models(args)
    if args.peers:
        print("\npeers found: %s%s" % (", ".join(found) or "none",
              "; not installed: " + ", ".join(missing) if missing else ""), file=sys.stderr)
    result["echo"] = run_table(rows, "echo", args, [args.clients], 0, noise)
    result["peers_missing"] = missing if args.peers else []


def print_echo(rows, args):
    print_table("Echo servers, loadcli -m echo -b %d at %d clients, best first; medians "
                "(min-max) of %s:" % (args.bytes, args.clients, rounds(args.repeat)), rows, args)
    print_against_limit(rows)


def measure_all(args):
    """Every table's rounds; the results, as results.json keeps them."""
    noise = Noise()
    result = {"machine": machine(),
              "load": {"mode": "bench", "clients": args.clients, "connections": args.connections,
                       "seconds": None if args.connections else args.seconds,
                       "bytes": args.bytes, "repeat": args.repeat, "sweep": args.sweep,
                       "hold": args.hold, "timeout_s": args.timeout,
                       "cpus": {"server": args.cpus[0], "client": args.cpus[1]} if args.cpus else None}}
    result["models"] = run_table(chosen_models(args), "bench", args, args.sweep, args.hold, noise)
    if args.peers or args.limit:
        echo_table(args, noise, result)
    result["noise"] = noise.summary()
    return result


def print_all(result, args):
    rows = result["models"]
    print("compare-models: " + describe_machine(result["machine"]))
    print("load: " + describe_load(args, "bench"))
    print("\n".join(noise_lines(result["noise"])))
    empty = sum(p["empty_rounds"] for r in rows for p in r["sweep"])
    if empty:
        print("%d point%s of a round made no connection at all (loadcli's children did not run "
              "in time) and %s left out of the medians." % (
                  empty, "" if empty == 1 else "s", "is" if empty == 1 else "are"))
    print_table("Server -s bench at %d clients, best first; medians (min-max) of %s:" % (
        args.clients, rounds(args.repeat)), rows, args)
    print_old(rows)
    print_sweep(rows, args.sweep, args)
    print_hold(rows, args)
    print_distribution(rows)
    if "echo" in result:
        print_echo(result["echo"], args)


def plot_title(result, args):
    """The figure's title: what it shows, the load, the machine and date,
    and a word on the noise when the machine was busy."""
    noise = result["noise"]
    busy = "; busy: others used %.0f%% of the CPUs" % noise["others_pct"] if noise["busy"] else ""
    return "tincan: the concurrency models as the work grows\n%s; medians, bars min-max\n%s%s" % (
        describe_load(args, "bench"), describe_machine(result["machine"]), busy)


def main():
    args = parse_args()
    os.makedirs(args.out, exist_ok=True)
    started = time.time()
    print("load: " + describe_load(args, "bench"), file=sys.stderr)
    result = measure_all(args)
    tee = sys.stdout = Tee(sys.stdout)
    print_all(result, args)
    result["elapsed_s"] = time.time() - started
    print("\n(%.0f s)" % result["elapsed_s"])
    sys.stdout = tee.out
    with open(os.path.join(args.out, "table.txt"), "w") as f:
        f.write("".join(tee.kept))
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(result, f, indent=1)
    files = "table.txt, plot.png, results.json"
    if not plot(result["models"], args.sweep, args.out, plot_title(result, args), args.hold,
                args.clients):
        files = "table.txt, results.json; no plot.png: gnuplot is not installed " \
                "(apt-get install gnuplot-nox)"
    print("wrote %s/: %s" % (args.out.rstrip("/"), files))


if __name__ == "__main__":
    main()
