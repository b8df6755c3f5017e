#!/bin/bash
# man: every page is clean under mandoc -Tlint, and documents exactly the
# options its program takes (the letters of its usage line).
. "${TOP_SRCDIR:?run the tests through make check}/tests/lib.sh" || exit 99

[ -n "${MANDOC:-}" ] || { echo "SKIP: mandoc not found"; exit 77; }

for page in "$TOP_SRCDIR"/man/*.[1-9]; do
	out=$("$MANDOC" -Tlint -Wwarning "$page" 2>&1)
	[ -z "$out" ] || fail "mandoc -Tlint $(basename "$page"):
$out"
done
ok "mandoc -Tlint is clean"

# -h and -V are taken by every program (lib/opt.c); pages may list them.
# The other option letters of a usage line: "[-46dhVv] [-b backlog]" gives 46bdv.
usage_letters() {
	sed -n 's/^usage: [a-z]* //p' | grep -o '\[-[A-Za-z0-9]*' | tr -d '[-' |
	    fold -w1 | grep -v '^[hV]$' | sort -u | tr -d '\n'
}

# The letters a page documents as options: its ".It Fl X" lines.
page_letters() {
	sed -n 's/^\.It Fl \([A-Za-z0-9]\).*/\1/p' "$1" | grep -v '^[hV]$' |
	    sort -u | tr -d '\n'
}

for page in "$TOP_SRCDIR"/man/*.[18]; do
	prog=$(basename "$page" | sed 's/\.[18]$//')
	[ -x "$(prog_path "$prog")" ] || fail "$(basename "$page") has no program"
	want=$("$(prog_path "$prog")" --help | usage_letters)
	have=$(page_letters "$page")
	[ "$want" = "$have" ] || fail "$prog: usage has options '$want', the page documents '$have'"
done
ok "every page documents the options its program takes"
