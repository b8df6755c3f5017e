#!/usr/bin/env python3
# A Unix-domain datagram client as a socket tutorial teaches it: each
# message given is sent once to the server's path, and no answer is waited
# for (the socket has no name of its own to be answered at).
#
# usage: unix_client.py PATH MESSAGE...
import socket
import sys

PATH = sys.argv[1]

s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
for message in sys.argv[2:]:
    s.sendto(message.encode(), PATH)
s.close()
