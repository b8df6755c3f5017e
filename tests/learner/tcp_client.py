#!/usr/bin/env python3
# A TCP client as a socket tutorial teaches it: connect, send the message,
# say that is all (shutdown), close.
#
# usage: tcp_client.py HOST PORT MESSAGE
import socket
import sys

HOST = sys.argv[1]
PORT = int(sys.argv[2])
MESSAGE = sys.argv[3]

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.settimeout(10.0)
s.connect((HOST, PORT))
s.sendall(MESSAGE.encode())
s.shutdown(socket.SHUT_WR)
s.close()
