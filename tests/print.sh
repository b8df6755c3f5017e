#!/bin/bash
# print: what a peer sends never reaches a terminal or a log raw.  -s print
# shows every byte, escaped: escape sequences, CR, NUL (leading, inside,
# in a long line) and invalid UTF-8, with valid UTF-8 kept; a datagram with
# a newline in it is one line, not two; a Unix peer's name is escaped in
# the log and in the prefix; a refused bench request is logged escaped,
# and once a minute for a source however many connections, across forkd's
# children.
. "${TOP_SRCDIR:?run the tests through make check}/tests/lib.sh" || exit 99

# What the stream client sends, and the lines print must show for it
# (after "127.0.0.1:PORT: ").  The long line is 3000 bytes with a NUL at
# 2500: three lines, the first two continued with a lone backslash.
python3 - "$T/sent" "$T/want" <<'PY'
import sys
sent = (b"\x1b[2Jclear\r\n"
        b"bell\x07 nul\x00 end\n"
        b"\x00lead\n"
        b"bad \xff\xfe, good caf\xc3\xa9, hidden \xe2\x80\xaeevil\n"
        b"fake\rline\n"
        + b"x" * 2500 + b"\x00" + b"y" * 499 + b"\n")
want = ["\\x1b[2Jclear",
        "bell\\x07 nul\\x00 end",
        "\\x00lead",
        "bad \\xff\\xfe, good caf\u00e9, hidden \\xe2\\x80\\xaeevil",
        "fake\\rline"]
# print reads lines of up to 1023 bytes: pieces of 1023, then the rest.
want += ["x" * 1023 + "\\", "x" * 1023 + "\\", "x" * 454 + "\\x00" + "y" * 499]
open(sys.argv[1], "wb").write(sent)
open(sys.argv[2], "w", encoding="utf-8").write("\n".join(want) + "\n")
PY

for prog in iterd forkd; do
	start_server "$prog" -v -s print 127.0.0.1:0
	timeout 30 nc -N 127.0.0.1 "$SERVER_PORT" <"$T/sent" || fail "$prog: nc exited $?"
	wait_for "$SERVER_ERR" 'bytes in' || fail "$prog: the connection did not end"
	stop_server "$SERVER_PID"
	sed 's/^127\.0\.0\.1:[0-9]*: //' "$SERVER_ERR.out" >"$T/shown"
	cmp -s "$T/want" "$T/shown" || fail "$prog showed:
$(diff "$T/want" "$T/shown" | head -n 20)"
	grep -q ": print: $(wc -c <"$T/sent") bytes in, 0 out" "$SERVER_ERR" ||
	    fail "$prog did not count every byte: $(cat "$SERVER_ERR")"
done
ok "print shows every byte, escaped, through iterd and forkd"

# A datagram is one line, whatever newlines are in it.
start_server udpd -s print 127.0.0.1:0
python3 - "$SERVER_PORT" <<'PY' || fail "udp sender"
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(b"one\n127.0.0.1:1: forged\x1b[0m\n", ("127.0.0.1", int(sys.argv[1])))
PY
wait_for "$SERVER_ERR.out" 'forged' || fail "udpd printed nothing"
stop_server "$SERVER_PID"
[ "$(wc -l <"$SERVER_ERR.out")" -eq 1 ] || fail "one datagram, several lines: $(cat "$SERVER_ERR.out")"
grep -qxF "one\\n127.0.0.1:1: forged\\x1b[0m" <(sed 's/^127\.0\.0\.1:[0-9]*: //' "$SERVER_ERR.out") ||
    fail "udpd showed: $(cat -v "$SERVER_ERR.out")"
ok "a datagram with a newline in it is one line"

# A Unix peer names its own socket: the name is escaped, in the log too.
start_server unixdgd -v -s echo "@tincan-print-$$"
python3 - "tincan-print-$$" <<'PY' || fail "unix sender"
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(b"\0evil\nunixdgd: forged\x1b[31m")
s.settimeout(10)
s.sendto(b"hi", b"\0" + sys.argv[1].encode())
if s.recv(10) != b"hi":
    sys.exit("no echo")
PY
stop_server "$SERVER_PID"
grep -qxF 'unixdgd: @evil\nunixdgd: forged\x1b[31m: echo: 2 bytes in, 2 out' "$SERVER_ERR" ||
    fail "the peer's name in the log: $(cat -v "$SERVER_ERR")"
grep -q 'forged' <(grep -v '^unixdgd: @evil' "$SERVER_ERR") && fail "a forged line reached the log"
ok "a Unix peer's name is escaped in the log"

# A refused bench request: escaped, and one line a minute for the source,
# though each connection is a child of its own.
for prog in iterd forkd; do
	start_server "$prog" -s bench 127.0.0.1:0
	python3 - "$SERVER_PORT" <<'PY' || fail "$prog: bench clients"
import socket, sys
for i in range(10):
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
    s.sendall(b"\x1b[2J\n")
    if s.recv(1) != b"":
        sys.exit("a bad request was answered")
    s.close()
PY
	stop_server "$SERVER_PID"
	[ "$(grep -c 'bench:' "$SERVER_ERR")" -eq 1 ] ||
	    fail "$prog: 10 bad requests logged as: $(cat -v "$SERVER_ERR")"
	grep -qE "^$prog: 127\.0\.0\.1:[0-9]+: bench: not a number: \"\\\\x1b\[2J\" \(more from this source are not logged for a minute\)$" "$SERVER_ERR" ||
	    fail "$prog: the line: $(cat -v "$SERVER_ERR")"
done
ok "a refused bench request is logged escaped, once a minute a source"
