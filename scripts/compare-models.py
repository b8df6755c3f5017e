#!/usr/bin/env python3
"""compare-models: the concurrency models of tincan, measured side by side.

Run through scripts/compare-models, which builds the suite first (on a
fresh machine this program's python3 comes from scripts/bootstrap too).
For each model --
iterd, forkd, preforkd with each accept strategy, threadd, prethreadd
with each strategy, and evd with each way of waiting -- starts the server
with -s bench on a free loopback port, warms it up, drives it with loadcli,
stops it, and measures: connections/s, p50 and p99 latency, the server's
CPU (user + system of the parent and every child, counted once all the
children are reaped) per 1000 connections, and its memory (the largest sum
of the proportional set sizes of the parent and its children seen during
the load).  One table, best first; the spread of the connections over the
children of each preforkd strategy and the threads of each prethreadd
strategy, as UNP's Figure 30.2 shows it.

    scripts/compare-models [--repeat N] [--clients C] [--connections N]
                           [--bytes B] [--json FILE] [--plot FILE.png]
                           [--models NAME,...] [--old DIR] [--hold N]
                           [--peers] [--limit limit_echo.c]

--models keeps the models whose names begin with one of those given
("evd", "preforkd -l pass").  --old DIR runs each model a second time
from the build in DIR (an older commit, built beside this one), in the
same rounds, to show what a change cost.  --hold N runs each model a
second time with N idle connections held open to it for the whole load,
from this one process, and says what rate it keeps and what memory each
held connection costs it (its CPU per connection counts the held ones);
a model that does not accept them all within a few seconds is left out of
that row.  The descriptor limit is raised to fit, within the hard limit.

--peers adds well-known fork-per-connection echo servers, when installed
(socat, ucspi-tcp's tcpserver with cat, ipsvd's tcpsvd with cat), to a
second table driven by loadcli -m echo with the same load, beside forkd and
preforkd; --limit adds the single-process reference echo server built from
the C file given.  Only 127.0.0.1 is used.  The programs are taken from the
tree, or from $TINCAN_BUILDDIR when the build is elsewhere.
"""
import argparse
import json
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


def pss_kib(pid):
    """The proportional set size of pid, or its RSS where there is no PSS."""
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_pss(pid):
    """PSS of pid and its children, grandchildren included (tcpserver's cat)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += pss_kib(p)
        todo.extend(children_of(p))
    return total


def listen_queue(port):
    """How many connections wait to be accepted on the listener of
    127.0.0.1:port (the rx_queue of a listening socket in /proc/net/tcp)."""
    local = "0100007F:%04X" % port
    with open("/proc/net/tcp") as f:
        for line in f:
            field = line.split()
            if field[1] == local and field[3] == "0A":
                return int(field[4].split(":")[1], 16)
    return 0


class Server:
    """A server under measurement: started, waited for, stopped, accounted."""

    def __init__(self, name, argv, port=None):
        self.name, self.argv, self.port = name, argv, port
        self.held = []
        self.err = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=self.err,
                                     start_new_session=True)
        self.wait_ready()
        self.peak_kib = 0

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

    def sample_memory(self):
        self.peak_kib = max(self.peak_kib, tree_pss(self.proc.pid))

    def hold(self, n):
        """n idle connections, opened and kept; then wait, bounded, until
        the server has accepted them all (none waits in its listen queue).
        Returns the PSS (KiB) it gained, or None when it did not take
        them within a few seconds (iterd, a pool smaller than n)."""
        before_kib = tree_pss(self.proc.pid)
        for _ in range(n):
            s = socket.socket()
            s.settimeout(10)
            s.connect(("127.0.0.1", self.port))
            self.held.append(s)
        deadline = time.time() + 3 + n / 200
        while listen_queue(self.port) > 0:
            if time.time() > deadline:
                return None
            time.sleep(0.05)
        time.sleep(0.2)
        return tree_pss(self.proc.pid) - before_kib

    def release(self):
        for s in self.held:
            s.close()
        self.held = []

    def stop(self):
        """SIGTERM, then the rusage of the server and all it reaped."""
        self.release()
        self.proc.send_signal(signal.SIGTERM)
        deadline = time.time() + 30
        while time.time() < deadline:
            pid, status, ru = os.wait4(self.proc.pid, os.WNOHANG)
            if pid == self.proc.pid:
                self.proc.returncode = status
                self.sweep()
                return ru.ru_utime + ru.ru_stime
            time.sleep(0.02)
        self.sweep()
        os.wait4(self.proc.pid, 0)
        sys.exit("compare-models: %s did not stop on SIGTERM" % self.name)

    def sweep(self):
        """Nothing of the server's session may outlive the measurement."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def loadcli(port, mode, args, clients, connections):
    cmd = [os.path.join(BUILD, "clients", "loadcli"), "-j", "-q", "-m", mode,
           "-b", str(args.bytes), "-c", str(clients), "-n", str(connections),
           "-T", "300", "127.0.0.1:%d" % port]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)


def drive(server, mode, args):
    """Warm up, then the measured load, sampling memory meanwhile."""
    warm = loadcli(server.port, mode, args, args.clients, max(20, args.connections // 20))
    warm.communicate()
    load = loadcli(server.port, mode, args, args.clients, args.connections)
    while load.poll() is None:
        server.sample_memory()
        time.sleep(0.1)
    out, _ = load.communicate()
    try:
        return json.loads(out)
    except ValueError:
        sys.exit("compare-models: loadcli against %s said: %r" % (server.name, out))


def distribution(stderr):
    """The exit report of a pool: the connections of each child of
    preforkd, or of each thread of prethreadd."""
    counts = re.findall(r"^pre(?:forkd: child|threadd: thread) (\d+)(?: pid \d+)?: (\d+) connections?",
                        stderr, re.M)
    last = {}
    for child, n in counts:
        last[int(child)] = int(n)
    return [last[k] for k in sorted(last)]


def measure(name, argv, mode, args, port=None, hold=0):
    server = Server(name, argv, port)
    held_kib = server.hold(hold) if hold else None
    if hold and held_kib is None:
        server.stop()
        print("compare-models: %s did not take %d held connections within 20 s" %
              (name, hold), file=sys.stderr)
        return None
    result = drive(server, mode, args)
    # The server's whole life, once its last child is reaped, over every
    # connection it served (the warm-up too).  Sampling /proc before the
    # load instead would lose up to a clock tick per child.
    cpu = server.stop()
    served = result["connections"] + max(20, args.connections // 20) * args.clients + hold
    return {
        "model": name,
        "rate": result["rate"],
        "p50_ms": result["latency_ms"]["p50"],
        "p99_ms": result["latency_ms"]["p99"],
        "cpu_ms_per_1000": 1e6 * cpu / served,
        "memory_kib": server.peak_kib,
        "failed": result["failed"],
        "client_cpu_ms_per_1000": 1e6 * (result["client_cpu_s"]["user"] +
                                         result["client_cpu_s"]["system"]) /
                                  max(1, result["connections"]),
        "distribution": distribution(server.stderr()) if name.startswith("pre") else [],
        "held": hold,
        "kib_per_held": held_kib / hold if hold else None,
    }


def tincan_models(build=BUILD, capacity=0):
    """Every model the suite ships, a strategy a row; evd made room for
    capacity connections at once, when more than its default."""
    s = os.path.join(build, "servers")
    models = [("iterd", [os.path.join(s, "iterd"), "-s", "bench", "127.0.0.1:0"]),
              ("forkd", [os.path.join(s, "forkd"), "-s", "bench", "127.0.0.1:0"])]
    for st in STRATEGIES:
        models.append(("preforkd -l " + st, [os.path.join(s, "preforkd"), "-l", st,
                                             "-s", "bench", "127.0.0.1:0"]))
    models.append(("threadd", [os.path.join(s, "threadd")] +
                   (["-m", str(capacity)] if capacity > 1024 else []) +
                   ["-s", "bench", "127.0.0.1:0"]))
    for st in THREAD_STRATEGIES:
        models.append(("prethreadd -l " + st, [os.path.join(s, "prethreadd"), "-l", st,
                                               "-s", "bench", "127.0.0.1:0"]))
    room = ["-m", str(capacity)] if capacity > 1000 else []
    for how in BACKENDS:
        models.append(("evd -e " + how, [os.path.join(s, "evd"), "-e", how] + room +
                       ["-s", "bench", "127.0.0.1:0"]))
    return models


def wanted_models(args):
    """The beginnings of the names --models keeps; all, without it."""
    return [w.strip() for w in args.models.split(",")] if args.models else [""]


def chosen_models(args):
    """The rows of the bench table: the models asked for, each beside its
    old build (--old) and its run with connections held (--hold)."""
    wanted = wanted_models(args)
    capacity = args.hold + 2 * args.clients + 64 if args.hold else 0
    rows = []
    old = dict(tincan_models(args.old, capacity)) if args.old else {}
    for name, argv in tincan_models(BUILD, capacity):
        if not any(name.startswith(w) for w in wanted):
            continue
        rows.append((name, argv, None, 0))
        if args.old:
            if os.path.exists(old[name][0]):
                rows.append((name + " (old)", old[name], None, 0))
            else:
                print("compare-models: --old: no %s" % old[name][0], file=sys.stderr)
        if args.hold:
            rows.append(("%s, %d held" % (name, args.hold), argv, None, args.hold))
    if not rows:
        sys.exit("compare-models: --models %s: no such model" % args.models)
    return rows


def echo_models(args):
    """The echo table: forkd, preforkd's and evd's defaults (as --models
    keeps them), with --peers the peers found, with --limit the reference."""
    s = os.path.join(BUILD, "servers")
    rows = [(name, [os.path.join(s, name.split()[0])] + name.split()[1:] + ["127.0.0.1:0"], None, 0)
            for name in ("forkd", "preforkd -l none", "evd -e epoll")
            if any(name.startswith(w) for w in wanted_models(args))]
    found, missing = [], []
    peers = [("socat", lambda p: ["socat", "TCP-LISTEN:%d,bind=127.0.0.1,fork,backlog=128,reuseaddr" % p, "PIPE"]),
             ("tcpserver", lambda p: ["tcpserver", "-HRl0", "127.0.0.1", str(p), "cat"]),
             ("tcpsvd", lambda p: ["tcpsvd", "-l", "localhost", "127.0.0.1", str(p), "cat"])]
    for name, argv in peers if args.peers else []:
        if shutil.which(name):
            port = free_port()
            rows.append((name, argv(port), port, 0))
            found.append(name)
        else:
            missing.append(name)
    if args.limit:
        exe = os.path.join(tempfile.gettempdir(), "compare-models-limit-echo")
        subprocess.run(["cc", "-O2", "-o", exe, args.limit], check=True)
        port = free_port()
        rows.append(("limit_echo (epoll, 1 process)", [exe, "-m", "echo", "-T", "600", str(port)], port, 0))
    return rows, found, missing


def median_row(runs):
    """The median of each figure over the runs, with min and max."""
    row = dict(runs[0])
    for key in ("rate", "p50_ms", "p99_ms", "cpu_ms_per_1000", "memory_kib",
                "client_cpu_ms_per_1000"):
        vals = [r[key] for r in runs]
        row[key] = statistics.median(vals)
        row[key + "_min"], row[key + "_max"] = min(vals), max(vals)
    row["failed"] = sum(r["failed"] for r in runs)
    if row["held"]:
        row["kib_per_held"] = statistics.median(r["kib_per_held"] for r in runs)
    row["distribution"] = runs[-1]["distribution"]
    return row


def run_table(models, mode, args):
    """Every model once per round, round after round: a machine that drifts
    (a neighbour's load, its clock) then drifts under all of them alike."""
    runs = {name: [] for name, *_ in models}
    dropped = set()     # held rows of models that would not take them
    for k in range(args.repeat):
        for name, argv, port, hold in models:
            if name in dropped:
                continue
            print("  round %d of %d: %s" % (k + 1, args.repeat, name), file=sys.stderr, flush=True)
            run = measure(name, argv, mode, args, port, hold)
            if run is None:
                dropped.add(name)
            else:
                runs[name].append(run)
    rows = [median_row(runs[name]) for name, *_ in models if name not in dropped]
    rows.sort(key=lambda r: -r["rate"])
    return rows


def spread(row, key, fmt):
    if row.get(key + "_min") is None or row[key + "_min"] == row[key + "_max"]:
        return fmt % row[key]
    return (fmt % row[key]) + (" (" + fmt + "-" + fmt + ")") % (row[key + "_min"], row[key + "_max"])


def print_table(title, rows, args):
    print()
    print(title)
    print("%-30s %20s %8s %8s %18s %10s %8s" % ("model", "connections/s", "p50 ms", "p99 ms",
                                              "CPU ms/1000 conn", "memory", "failed"))
    for r in rows:
        print("%-30s %20s %8.3f %8.3f %18s %7.0f KiB %8d" % (
            r["model"], spread(r, "rate", "%.0f"), r["p50_ms"], r["p99_ms"],
            spread(r, "cpu_ms_per_1000", "%.1f"), r["memory_kib"], r["failed"]))
    worst = max(rows, key=lambda r: r["client_cpu_ms_per_1000"])
    print("loadcli itself used up to %.1f ms of CPU per 1000 connections (%s)" % (
        worst["client_cpu_ms_per_1000"], worst["model"]))


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


def plot(rows, path):
    data = tempfile.NamedTemporaryFile(mode="w", suffix=".dat", delete=False)
    for i, r in enumerate(rows):
        data.write('%d "%s" %f %f\n' % (i, r["model"].replace("preforkd -l ", "prefork ").replace("prethreadd -l ", "prethread "),
                                        r["rate"], r["cpu_ms_per_1000"]))
    data.close()
    script = """
set terminal pngcairo size 1000,700 noenhanced
set output '%s'
set multiplot layout 2,1 title 'tincan: the models compared (%s)'
set style fill solid 0.8
set boxwidth 0.6
set grid ytics
set yrange [0:*]
set xtics rotate by -20
set ylabel 'connections/s'
plot '%s' using 1:3:xtic(2) with boxes notitle
set ylabel 'server CPU ms / 1000 connections'
plot '%s' using 1:4:xtic(2) with boxes notitle lc rgb '#aa4444'
unset multiplot
""" % (path, os.uname().nodename, data.name, data.name)
    r = subprocess.run(["gnuplot"], input=script, text=True)
    os.unlink(data.name)
    if r.returncode != 0:
        sys.exit("compare-models: gnuplot failed")


def print_against_limit(rows):
    """Each echo server against the reference single-process loop."""
    limit = [r for r in rows if r["model"].startswith("limit_echo")]
    if not limit:
        return
    print()
    print("Against %s, medians of the same rounds:" % limit[0]["model"])
    for r in rows:
        if r is not limit[0]:
            print("  %-22s %.2f times its rate, %.2f times its CPU per connection" % (
                r["model"], r["rate"] / limit[0]["rate"],
                r["cpu_ms_per_1000"] / limit[0]["cpu_ms_per_1000"]))


def raise_fd_limit(need, ap):
    """This process, and the servers it starts, may open need descriptors."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < need:
        if hard != resource.RLIM_INFINITY and hard < need:
            ap.error("--hold needs %d descriptors; the hard limit is %d" % (need, hard))
        resource.setrlimit(resource.RLIMIT_NOFILE, (need, hard))


def print_beside(rows, args):
    """Each model against its old build and its run with connections held."""
    by_name = {r["model"]: r for r in rows}
    lines = []
    for r in rows:
        base = by_name.get(r["model"].replace(" (old)", "").split(", ")[0])
        if base is None or base is r:
            continue
        if r["model"].endswith(" (old)"):
            lines.append("  %-22s CPU per connection %.2f times the old build's, rate %.2f times" % (
                base["model"], base["cpu_ms_per_1000"] / r["cpu_ms_per_1000"],
                base["rate"] / r["rate"]))
        else:
            lines.append("  %-22s keeps %.2f of its rate with %d connections held; "
                         "%.1f KiB of memory per held connection" % (
                             base["model"], r["rate"] / base["rate"], r["held"],
                             r["kib_per_held"]))
    if lines:
        print()
        print("Medians of the same rounds, side by side:")
        print("\n".join(lines))


def main():
    ap = argparse.ArgumentParser(prog="compare-models", description="Compare tincan's concurrency models.")
    ap.add_argument("--repeat", type=int, default=3, help="runs per model; medians are shown")
    ap.add_argument("--clients", type=int, default=8, help="loadcli -c (default 8)")
    ap.add_argument("--connections", type=int, default=5000, help="loadcli -n per client")
    ap.add_argument("--bytes", type=int, default=64, help="loadcli -b (default 64)")
    ap.add_argument("--json", metavar="FILE", help="write the results as JSON")
    ap.add_argument("--plot", metavar="FILE.png", help="draw the table with gnuplot")
    ap.add_argument("--models", metavar="NAME,...", help="only the models whose names begin so")
    ap.add_argument("--old", metavar="DIR", help="each model also from the build in DIR")
    ap.add_argument("--hold", type=int, default=0, metavar="N",
                    help="each model also with N idle connections held open")
    ap.add_argument("--peers", action="store_true", help="add socat, tcpserver, tcpsvd")
    ap.add_argument("--limit", metavar="limit_echo.c", help="add the reference echo server")
    # Taken by scripts/compare-models, which does the building.
    ap.add_argument("--no-bootstrap", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.repeat < 1 or args.clients < 1 or args.connections < 1 or args.bytes < 1:
        ap.error("--repeat, --clients, --connections and --bytes must be positive")
    if args.hold < 0:
        ap.error("--hold must not be negative")
    if args.hold:
        raise_fd_limit(args.hold + 2 * args.clients + 256, ap)
    if args.plot and not shutil.which("gnuplot"):
        ap.error("--plot needs gnuplot (apt-get install gnuplot-nox)")

    started = time.time()
    load = "loadcli -c %d -n %d -m %%s -b %d, %d round%s" % (
        args.clients, args.connections, args.bytes, args.repeat, "" if args.repeat == 1 else "s")
    print("compare-models: %s, %d CPUs, %s" % (" ".join(os.uname()[0:3:2]),
                                              os.cpu_count(), time.strftime("%Y-%m-%d %H:%M")))
    print("load: " + load % "bench", file=sys.stderr)
    bench_rows = run_table(chosen_models(args), "bench", args)
    result = {"machine": {"uname": list(os.uname()), "cpus": os.cpu_count(),
                          "date": time.strftime("%Y-%m-%d")},
              "load": load % "bench", "models": bench_rows}
    print_table("Server -s bench, " + load % "bench" + ", best first:", bench_rows, args)
    print_beside(bench_rows, args)
    print_distribution(bench_rows)

    if args.peers or args.limit:
        rows, found, missing = echo_models(args)
        if args.peers:
            print("\npeers found: %s%s" % (", ".join(found) or "none",
                  "; not installed: " + ", ".join(missing) if missing else ""), file=sys.stderr)
        echo_rows = run_table(rows, "echo", args)
        print_table("Echo servers, " + load % "echo" + ", best first:", echo_rows, args)
        print_against_limit(echo_rows)
        result["echo_load"] = load % "echo"
        result["echo"] = echo_rows
        result["peers_missing"] = missing if args.peers else []
    print("\n(%.0f s)" % (time.time() - started))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)
    if args.plot:
        plot(bench_rows, args.plot)


main()
