#!/usr/bin/env python3
# A Unix-domain datagram server as a socket tutorial teaches it: bind a
# path, write down every message that comes, one a line, and remove the
# path at the end.  It never answers.
#
# usage: unix_server.py PATH OUTPUT
#
# PATH is a file name, relative to where it runs (unix.sock).  It stops on
# the message "quit", or after two minutes, whatever comes first.
import os
import socket
import sys
import time

PATH = sys.argv[1]
OUTPUT = sys.argv[2]

s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
out = open(OUTPUT, "w")
s.bind(PATH)
s.settimeout(1.0)

deadline = time.time() + 120
while time.time() < deadline:
    try:
        data = s.recv(1024)
    except socket.timeout:
        continue
    message = data.decode()
    if message == "quit":
        break
    out.write(message + "\n")
    out.flush()

out.close()
s.close()
os.unlink(PATH)
