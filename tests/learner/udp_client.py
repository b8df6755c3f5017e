#!/usr/bin/env python3
# A UDP client as a socket tutorial teaches it: each message given is sent
# once, as a datagram of its own, and no answer is waited for.
#
# usage: udp_client.py HOST PORT MESSAGE...
import socket
import sys

HOST = sys.argv[1]
PORT = int(sys.argv[2])

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for message in sys.argv[3:]:
    s.sendto(message.encode(), (HOST, PORT))
s.close()
