#!/usr/bin/env python3
"""odd-server: a TCP server on 127.0.0.1 that answers loadcli's requests
in one odd way, for tests/loadcli-protocol.sh and tests/loadcli-rate.sh.

    odd-server.py MODE PORTFILE DONEFILE LIMIT

It binds port 0, writes the port it got to PORTFILE, serves each
connection in a thread of its own, and exits once DONEFILE exists or
LIMIT seconds have passed.  MODE is one of:

    reset         resets every connection (SO_LINGER 0)
    garbage       reads a bench request, answers bytes no bench server
                  sends (an escape byte first), and closes
    long          answers a bench request with the bytes asked for, all
                  zero, and "extra!" after them
    early         answers half the zero bytes asked for, and closes
    slow          answers a bench request right, after 0.2 s
    silent        accepts and never answers
    trickle-echo  sends back what it is sent a byte at a time, 0.05 s
                  apart, and then waits for more, as a slow echo server
    half          a bench server that answers the odd connections (the
                  first, the third...) and, 0.3 s after its request,
                  closes each even one without a reply
    stall:K:S     a bench server (request after request, zero bytes) that
                  stops accepting for S seconds when connection K comes
    flip:OFFSET   an echo server that changes the byte at OFFSET of what
                  it is sent (counted over the whole connection)
"""
import os
import socket
import struct
import sys
import threading
import time

GARBAGE = b"\x1b[31mHTTP/1.0 400 Bad Request\r\n\r\n"


def bench_request(c):
    """The next bench request's number, or None at the end of the input."""
    data = b""
    while not data.endswith(b"\n"):
        chunk = c.recv(1)
        if not chunk:
            return None
        data += chunk
    return int(data)


def serve(c, mode, k):
    c.settimeout(30)
    name, _, arg = mode.partition(":")
    if name == "reset":
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    elif name == "garbage":
        bench_request(c)
        c.sendall(GARBAGE)
    elif name == "long":
        c.sendall(b"\0" * bench_request(c) + b"extra!")
    elif name == "early":
        c.sendall(b"\0" * (bench_request(c) // 2))
    elif name == "slow":
        n = bench_request(c)
        time.sleep(0.2)
        c.sendall(b"\0" * n)
    elif name == "silent":
        while c.recv(4096):  # until the client gives up
            pass
    elif name == "trickle-echo":
        while True:
            chunk = c.recv(1)
            if not chunk:
                break
            time.sleep(0.05)
            c.sendall(chunk)
    elif name == "half" and k % 2 == 0:
        bench_request(c)
        time.sleep(0.3)
    elif name in ("half", "stall"):
        n = bench_request(c)
        while n is not None:
            c.sendall(b"\0" * n)
            n = bench_request(c)
    elif name == "flip":
        offset, seen = int(arg), 0
        while True:
            chunk = bytearray(c.recv(65536))
            if not chunk:
                break
            if seen <= offset < seen + len(chunk):
                chunk[offset - seen] ^= 0x20
            seen += len(chunk)
            c.sendall(chunk)


def served(c, mode, k):
    try:
        serve(c, mode, k)
    except (OSError, ValueError, TypeError):
        pass
    c.close()


def main():
    mode, portfile, donefile, limit = sys.argv[1:5]
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    listener.settimeout(0.2)
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % listener.getsockname()[1])
    os.rename(portfile + ".tmp", portfile)
    stall = mode.split(":") if mode.startswith("stall:") else None
    deadline = time.time() + float(limit)
    k = 0
    while time.time() < deadline and not os.path.exists(donefile):
        try:
            c, _ = listener.accept()
        except socket.timeout:
            continue
        k += 1
        if stall and k == int(stall[1]):
            time.sleep(float(stall[2]))
        threading.Thread(target=served, args=(c, mode, k), daemon=True).start()


if __name__ == "__main__":
    main()
