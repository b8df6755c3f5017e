#!/usr/bin/env python3
"""burst: many short connections from concurrent clients, each checked.

    burst.py [-c clients] [-n connections] [-m echo|bench] [-T seconds]
             [-p file] PORT

Each of -c threads opens connections one after another until -n have been
made in all.  echo: sends a random payload, half-closes, and checks the
reply is the payload.  bench: asks for a random number of bytes (1 to
100000, a few to 16 MiB) and checks exactly that many come back.  Prints
"connections N errors E" and one line per error kind; exits 1 on any
error.  With -p, every 10 connections made the count so far is written to
the file (replaced whole), so that a test can see the burst under way.
Every connection and the whole run are bounded in time.
"""
import argparse
import collections
import os
import random
import socket
import sys
import threading
import time

def readall(s):
    chunks = []
    while True:
        c = s.recv(1 << 20)
        if not c:
            return b"".join(chunks)
        chunks.append(c)

def one_echo(port, rng):
    payload = os.urandom(rng.randint(1, 8192))
    with socket.create_connection(("127.0.0.1", port), timeout=20) as s:
        s.sendall(payload)
        s.shutdown(socket.SHUT_WR)
        if readall(s) != payload:
            return "wrong bytes"
    return None

def one_bench(port, rng):
    n = rng.choice([1, 64, 1000, rng.randint(1, 100000)])
    with socket.create_connection(("127.0.0.1", port), timeout=20) as s:
        s.sendall(b"%d\n" % n)
        s.shutdown(socket.SHUT_WR)
        got = len(readall(s))
        if got != n:
            return "short reply" if got < n else "long reply"
    return None

def progress(path, made):
    with open(path + ".tmp", "w") as f:
        f.write("%d\n" % made)
    os.replace(path + ".tmp", path)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-c", type=int, default=20)
    ap.add_argument("-n", type=int, default=500)
    ap.add_argument("-m", choices=["echo", "bench"], default="echo")
    ap.add_argument("-T", type=float, default=120)
    ap.add_argument("-p")
    ap.add_argument("port", type=int)
    args = ap.parse_args()
    one = one_echo if args.m == "echo" else one_bench
    lock = threading.Lock()
    left = [args.n]
    errors = collections.Counter()
    made = [0]
    deadline = time.time() + args.T

    def worker(k):
        rng = random.Random(k)
        while time.time() < deadline:
            with lock:
                if left[0] == 0:
                    return
                left[0] -= 1
            try:
                err = one(args.port, rng)
            except OSError as e:
                err = type(e).__name__
            with lock:
                made[0] += 1
                if err:
                    errors[err] += 1
                if args.p and made[0] % 10 == 0:
                    progress(args.p, made[0])

    threads = [threading.Thread(target=worker, args=(k,), daemon=True)
               for k in range(args.c)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(max(0, deadline - time.time()) + 25)
    if left[0] > 0 or any(t.is_alive() for t in threads):
        errors["not made in time"] += left[0]
    print("connections %d errors %d" % (made[0], sum(errors.values())))
    for kind, count in sorted(errors.items()):
        print("  %s: %d" % (kind, count))
    sys.exit(1 if errors else 0)

main()
