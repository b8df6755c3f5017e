#!/bin/bash
# sockets-page: tincan-sockets(7) names only what is there, and covers
# every call of the tutorial.  Each source file it names (.Pa lib/net.c)
# exists; each function it names (.Fn net_listen) is defined, in the file
# named beside it (.Fn net_listen Pq Pa lib/net.c) or, named alone,
# somewhere in lib/, servers/ or clients/; each call has a section and a
# reference to its manual page; and mandoc -Tlint is clean.  The same
# check, run on copies of the page with a name made wrong, must fail.
. "${TOP_SRCDIR:?run the tests through make check}/tests/lib.sh" || exit 99

PAGE=$TOP_SRCDIR/man/tincan-sockets.7
CALLS="socket bind listen accept connect send recv sendto recvfrom shutdown
close getaddrinfo getnameinfo gethostname gethostbyname gethostbyaddr"

# "FUNCTION FILE" for each .Fn, FILE the .Pa on the same macro line or "-";
# and "- FILE" for each other .Pa.  Macros are parsed anywhere on a macro
# line, as mdoc does: ".Fn net_listen Pq Pa lib/net.c ,".
names() {
	awk '/^\./ {
		fn = ""; pa = ""
		for (i = 1; i < NF; i++) {
			if ($i == ".Fn" || $i == "Fn") fn = $(i + 1)
			if ($i == ".Pa" || $i == "Pa") pa = $(i + 1)
		}
		if (fn != "") print fn, (pa != "" ? pa : "-")
		else if (pa != "") print "-", pa
	}' "$1"
}

# Is $1 defined in the files $2...?  Our definitions put the return type on
# the line before, so a definition is the name at the start of a line, then "(".
defined_in() {
	local fn=$1
	shift
	grep -q "^$fn(" "$@" 2>/dev/null
}

# Every problem with page $1, a line each; nothing when it is right.
problems() {
	local page=$1 fn file call
	names "$page" | sort -u | while read -r fn file; do
		# An absolute path is of the system (/dev/null); a relative one,
		# of the source tree.  A path a program is given, such as
		# unix.sock, is written .Li.
		case $file in
		-|/*) ;;
		*)	[ -f "$TOP_SRCDIR/$file" ] ||
			    echo "$file: no such file in the source tree (a path a program is given is .Li, not .Pa)"
		esac
		[ "$fn" != - ] || continue
		if ! [[ $fn =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]]; then
			echo "$fn: not a function name"
		elif [ "$file" != - ]; then
			defined_in "$fn" "$TOP_SRCDIR/$file" ||
			    echo "$fn: not defined in $file"
		else
			defined_in "$fn" "$TOP_SRCDIR"/lib/*.c \
			    "$TOP_SRCDIR"/servers/*.c "$TOP_SRCDIR"/clients/*.c ||
			    echo "$fn: not defined in lib/, servers/ or clients/"
		fi
	done
	for call in $CALLS; do
		grep -Eq "^\.Ss (.* )?$call( .*)?\$" "$page" ||
		    echo "$call: no section"
		grep -Eq "(^\.| )Xr $call [23]( |\$)" "$page" ||
		    echo "$call: no .Xr $call to its manual page"
	done
}

[ -f "$PAGE" ] || fail "no page $PAGE"
[ "$(names "$PAGE" | grep -vc '^- ')" -gt 0 ] || fail "the page names no function"
out=$(problems "$PAGE")
[ -z "$out" ] || fail "tincan-sockets.7:
$out"
ok "every file and function the page names is there, and every call has a section"

# The check itself: a name made wrong is caught.  sed changes the first
# match of the regular expression from (no '|' in it) to to; the page must
# have a match for the check to mean anything.
wrong() {
	local what=$1 from=$2 to=$3 want=$4
	grep -q -- "$from" "$PAGE" || fail "the page no longer has '$from': choose another for '$what'"
	sed "0,\\|$from|s||$to|" "$PAGE" > "$T/wrong.7"
	out=$(problems "$T/wrong.7")
	[ "$out" = "$want" ] || fail "$what: expected '$want', got '$out'"
}
wrong "a function that does not exist" \
    'Fn net_listen Pq' 'Fn net_listne Pq' "net_listne: not defined in lib/net.c"
wrong "a function in the wrong file" \
    'Fn net_listen Pq Pa lib/net.c' 'Fn net_listen Pq Pa lib/io.c' \
    "net_listen: not defined in lib/io.c"
wrong "a file that does not exist" \
    'Pa lib/net.c' 'Pa lib/nte.c' \
    "lib/nte.c: no such file in the source tree (a path a program is given is .Li, not .Pa)
net_listen: not defined in lib/nte.c"
wrong "a call without its section" '^\.Ss shutdown$' '.Ss half-close' \
    "shutdown: no section"
ok "a wrong name, a wrong file and a missing section are caught"

[ -n "${MANDOC:-}" ] || { echo "SKIP: mandoc not found (the names were checked)"; exit 77; }
out=$("$MANDOC" -Tlint -Wwarning "$PAGE" 2>&1)
[ -z "$out" ] || fail "mandoc -Tlint tincan-sockets.7:
$out"
ok "mandoc -Tlint is clean"
