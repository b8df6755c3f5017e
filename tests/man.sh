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

# What --help and a page say of each option: "b backlog", "d", "m bench|echo".
# The letters every program takes, -h and -V, are left to the usage line.
help_options() {
	sed -n 's/^  -\([A-Za-z0-9]\)\( \([^ ]*\)\)\{0,1\}  .*/\1 \3/p' |
	    grep -v '^[hV] ' | sed 's/ $//' | sort
}
page_options() {
	sed -n 's/^\.It Fl \([A-Za-z0-9]\)\(.*\)/\1\2/p' "$1" | grep -v '^[hV]' |
	    sed -e 's/ \(Ar\|Cm\) / /g' -e 's/ | /|/g' | sort
}

# The synopsis of a page as mandoc shows it, on one line.
page_synopsis() {
	"$MANDOC" -Tascii -O width=400 "$1" | sed 's/.\x08//g' |
	    sed -n '/^SYNOPSIS/,/^DESCRIPTION/{/^SYNOPSIS/d;/^DESCRIPTION/d;p}' |
	    tr -s ' \n' '  ' | sed 's/^ //;s/ $//;s/ | /|/g'
}

# "LETTER NUMBER" for each option whose --help gives a numeric default.
help_defaults() {
	awk '/^                  / { line = line " " $0; next }
	    { if (line != "") print line; line = $0 } END { print line }' |
	    sed -n 's/^  -\([A-Za-z0-9]\) .*(default: [^0-9)]*\([0-9][0-9]*\).*/\1 \2/p'
}

# The text of the item of option LETTER in PAGE, up to the next item.
page_item() {
	awk -v it=".It Fl $2" 'index($0, it) == 1 && (length($0) == length(it) ||
	    substr($0, length(it) + 1, 1) == " ") { on = 1; next }
	    on && /^\.It / { exit } on { print }' "$1"
}

for page in "$TOP_SRCDIR"/man/*.[18]; do
	prog=$(basename "$page" | sed 's/\.[18]$//')
	"$(prog_path "$prog")" --help >"$T/help" || fail "$prog --help exited $?"
	want=$(help_options <"$T/help")
	have=$(page_options "$page")
	[ "$want" = "$have" ] || fail "$prog: --help has the options
$want
and the page
$have"
	if [ "$(page_synopsis "$page" | grep -o "\b$prog\b" | wc -l)" -eq 1 ]; then
		want=$(sed -n 's/^usage: //p' "$T/help")
		have=$(page_synopsis "$page")
		[ "$want" = "$have" ] || fail "$prog: the usage line is
$want
and the page's synopsis
$have"
	fi
	while read -r letter value; do
		page_item "$page" "$letter" | grep -qw "$value" ||
		    fail "$prog: --help says -$letter defaults to $value; the page does not say $value"
	done < <(help_defaults <"$T/help")
	grep -qx "in the source tree: man -l man/$(basename "$page")" "$T/help" ||
	    fail "$prog --help does not say where its page is"
done
ok "--help and each page agree on the options, their values, numeric defaults and the synopsis"
