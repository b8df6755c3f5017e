#!/bin/bash
# terminal: what a server sends reaches a client's terminal escaped.
# tcpcli, udpcli and unixdgcli show every byte as it is when standard
# output is a file or a pipe (so that `tcpcli < f > g` copies exactly), and
# on a terminal escape what is not text: an escape sequence, a bare CR, a
# NUL or invalid UTF-8 cannot act on the terminal; lines, tabs and UTF-8
# are shown as they are.
. "${TOP_SRCDIR:?run the tests through make check}/tests/lib.sh" || exit 99

# on_terminal INPUT PROG ARGS...: run PROG with standard input from the
# file INPUT and standard output on a raw pseudo terminal; print what the
# terminal got.
on_terminal() {
	local input=$1
	command_for "$2"
	shift 2
	python3 - "$input" "${CMD[@]}" "$@" <<'PY'
import os, pty, subprocess, sys, tty
master, slave = pty.openpty()
tty.setraw(slave)
with open(sys.argv[1], "rb") as stdin:
    p = subprocess.Popen(sys.argv[2:], stdin=stdin, stdout=slave)
os.close(slave)
shown = b""
while True:
    try:
        chunk = os.read(master, 65536)
    except OSError:
        break
    if not chunk:
        break
    shown += chunk
sys.stdout.buffer.write(shown)
sys.exit(p.wait())
PY
}

printf 'caf\xc3\xa9\tok\n\x1b[2Jgone\rover\x00nul\xff\n' >"$T/hostile"
printf 'caf\xc3\xa9\tok\n\\x1b[2Jgone\\rover\\x00nul\\xff\n' >"$T/shown"

start_server iterd 127.0.0.1:0
run tcpcli "127.0.0.1:$SERVER_PORT" <"$T/hostile" >"$T/piped" || fail "tcpcli to a pipe exited $?"
cmp -s "$T/hostile" "$T/piped" || fail "tcpcli changed the bytes for a file"
on_terminal "$T/hostile" tcpcli "127.0.0.1:$SERVER_PORT" >"$T/tty" || fail "tcpcli on a terminal exited $?"
cmp -s "$T/shown" "$T/tty" || fail "tcpcli on a terminal showed: $(od -c "$T/tty" | head -n 5)"
stop_server "$SERVER_PID"
ok "tcpcli: raw to a file, escaped on a terminal"

start_server udpd 127.0.0.1:0
on_terminal /dev/null udpcli "127.0.0.1:$SERVER_PORT" "$(printf 'a\x1b]0;title\x07b')" >"$T/tty" ||
    fail "udpcli on a terminal exited $?"
[ "$(cat "$T/tty")" = 'a\x1b]0;title\x07b' ] || fail "udpcli on a terminal showed: $(od -c "$T/tty" | head -n 3)"
stop_server "$SERVER_PID"
start_server unixdgd "$T/u.sock"
on_terminal /dev/null unixdgcli "$T/u.sock" "$(printf 'x\x1b[31my')" >"$T/tty" || fail "unixdgcli on a terminal exited $?"
[ "$(cat "$T/tty")" = 'x\x1b[31my' ] || fail "unixdgcli on a terminal showed: $(od -c "$T/tty" | head -n 3)"
stop_server "$SERVER_PID"
ok "udpcli and unixdgcli escape a reply on a terminal"
