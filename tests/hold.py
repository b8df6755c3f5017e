#!/usr/bin/env python3
"""hold: a client that is served once, then holds its connection open.

    hold.py PORT FLAG [silent]

Connects to 127.0.0.1:PORT, sends a line and checks the echo, then creates
FLAG.held and waits (at most 60 s) for FLAG.release to appear; then sends
one more line and checks that it too comes back, and exits 0.  A client a
test can keep connected while it signals the server.  With silent, it
sends nothing before it is released: FLAG.held says it is connected.
"""
import os
import socket
import sys
import time

port, flag = int(sys.argv[1]), sys.argv[2]
silent = sys.argv[3:] == ["silent"]
s = socket.create_connection(("127.0.0.1", port), timeout=60)
if not silent:
    s.sendall(b"first\n")
    if s.recv(100) != b"first\n":
        sys.exit("hold: the first line did not come back")
open(flag + ".held", "w").close()
deadline = time.time() + 60
while not os.path.exists(flag + ".release") and time.time() < deadline:
    time.sleep(0.02)
s.sendall(b"last\n")
if s.recv(100) != b"last\n":
    sys.exit("hold: the held connection was not finished")
s.close()
