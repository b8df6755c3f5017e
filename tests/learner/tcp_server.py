#!/usr/bin/env python3
# A TCP server as a socket tutorial teaches it: listen, accept a client at a
# time, read until it closes, write down what it sent, a line a line, and
# close the connection.  It never answers.
#
# usage: tcp_server.py HOST PORT OUTPUT PORTFILE
#
# PORT 0 takes any free port; the port it got is written to PORTFILE.  It
# stops after a client that sends just "quit", or after two minutes,
# whatever comes first.
import os
import socket
import sys
import time

HOST = sys.argv[1]
PORT = int(sys.argv[2])
OUTPUT = sys.argv[3]
PORTFILE = sys.argv[4]

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind((HOST, PORT))
s.listen(5)
s.settimeout(1.0)
out = open(OUTPUT, "w")

# Written whole, then renamed, so nobody reads half a port.
with open(PORTFILE + ".tmp", "w") as f:
    f.write(str(s.getsockname()[1]))
os.rename(PORTFILE + ".tmp", PORTFILE)

deadline = time.time() + 120
while time.time() < deadline:
    try:
        conn, addr = s.accept()
    except socket.timeout:
        continue
    conn.settimeout(10.0)
    data = b""
    while True:
        chunk = conn.recv(1024)
        if not chunk:
            break
        data += chunk
    conn.close()
    if data.strip() == b"quit":
        break
    for line in data.decode().splitlines():
        out.write(line + "\n")
    out.flush()

out.close()
s.close()
