#!/usr/bin/env python3
# A UDP server as a socket tutorial teaches it: bind, then write down every
# message that comes, one a line.  It never answers.
#
# usage: udp_server.py HOST PORT OUTPUT PORTFILE
#
# PORT 0 takes any free port; the port it got is written to PORTFILE.  It
# stops on the message "quit", or after two minutes, whatever comes first.
import os
import socket
import sys
import time

HOST = sys.argv[1]
PORT = int(sys.argv[2])
OUTPUT = sys.argv[3]
PORTFILE = sys.argv[4]

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((HOST, PORT))
s.settimeout(1.0)
out = open(OUTPUT, "w")

# Written whole, then renamed, so nobody reads half a port.
with open(PORTFILE + ".tmp", "w") as f:
    f.write(str(s.getsockname()[1]))
os.rename(PORTFILE + ".tmp", PORTFILE)

deadline = time.time() + 120
while time.time() < deadline:
    try:
        data, addr = s.recvfrom(1024)
    except socket.timeout:
        continue
    message = data.decode()
    if message == "quit":
        break
    out.write(message + "\n")
    out.flush()

out.close()
s.close()
