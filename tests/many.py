#!/usr/bin/env python3
"""many: many echo clients connected at once, served, held, served again.

    many.py PORT COUNT FLAG

Opens COUNT connections to 127.0.0.1:PORT, every one before any line is
sent; sends a line of its own on each and reads every echo; then creates
FLAG.held and waits (at most 120 s) for FLAG.release; then sends a second
line on each, reads it back, and closes them all.  Exits 0 only if every
connection got both its lines back, byte for byte; else says how many did
not.  The process needs COUNT descriptors and a few more (ulimit -n).
"""
import os
import socket
import sys
import time

port, count, flag = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
deadline = time.time() + 120


def line(i, round):
    return b"client %d round %d\n" % (i, round)


def exchange(socks, round):
    """A line on every connection, then every echo; the ones that failed."""
    for i, s in enumerate(socks):
        s.sendall(line(i, round))
    bad = []
    for i, s in enumerate(socks):
        want, got = line(i, round), b""
        try:
            while len(got) < len(want):
                chunk = s.recv(len(want) - len(got))
                if not chunk:
                    break
                got += chunk
        except OSError:
            pass
        if got != want:
            bad.append(i)
    return bad


socks = [socket.create_connection(("127.0.0.1", port), timeout=60)
         for _ in range(count)]
bad = exchange(socks, 1)
if bad:
    sys.exit("many: %d of %d connections not served, the first %d" %
             (len(bad), count, bad[0]))
open(flag + ".held", "w").close()
while not os.path.exists(flag + ".release") and time.time() < deadline:
    time.sleep(0.05)
bad = exchange(socks, 2)
for s in socks:
    s.close()
if bad:
    sys.exit("many: %d of %d held connections lost, the first %d" %
             (len(bad), count, bad[0]))
