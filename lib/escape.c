/* escape: make bytes a peer controls safe to show; see escape.h. */
#include <stdio.h>
#include <string.h>

#include "escape.h"

/*
 * Code points that are valid but must not be shown raw: C1 controls (a
 * terminal may act on them), and the format characters that hide text,
 * break lines in a log viewer or reorder what follows ("Trojan Source",
 * CVE-2021-42574).
 */
static int
invisible(unsigned long cp)
{
	return (cp >= 0x80 && cp <= 0x9f) ||		/* C1 controls */
	    (cp >= 0x200b && cp <= 0x200f) ||		/* zero width, LRM, RLM */
	    (cp >= 0x2028 && cp <= 0x202e) ||		/* separators, embeddings */
	    (cp >= 0x2060 && cp <= 0x206f) ||		/* isolates, invisibles */
	    cp == 0xfeff || cp == 0xfffe || cp == 0xffff;
}

/*
 * The length of the valid, visible UTF-8 character at p (len bytes left):
 * 2 to 4, or 0 when the bytes there are not one (RFC 3629: no overlong
 * forms, no surrogates, nothing past U+10FFFF).
 */
static size_t
utf8_char(const unsigned char *p, size_t len)
{
	unsigned long cp;
	size_t n, i;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff || invisible(cp))
		return 0;
	return n;
}

/*
 * The escaped form of the byte c, into esc (5 bytes); its length.  With
 * quote, a double quote is escaped too, for text shown between quotes.
 */
static size_t
escape_byte(unsigned char c, char esc[5], int quote)
{
	switch (c) {
	case '\\': memcpy(esc, "\\\\", 3); return 2;
	case '\t': memcpy(esc, "\\t", 3); return 2;
	case '\n': memcpy(esc, "\\n", 3); return 2;
	case '\r': memcpy(esc, "\\r", 3); return 2;
	}
	if (c >= 0x20 && c < 0x7f && !(quote && c == '"')) {
		esc[0] = (char)c;
		esc[1] = '\0';
		return 1;
	}
	snprintf(esc, 5, "\\x%02x", c);
	return 4;
}

/*
 * How many bytes at p (len left) pass as they are on a terminal shown as
 * lines: a newline or a tab, 1; a CR LF, 2, taken together so that a CR
 * never goes out without its LF; else 0.
 */
static size_t
line_end(const unsigned char *p, size_t len)
{
	if (p[0] == '\n' || p[0] == '\t')
		return 1;
	return p[0] == '\r' && len > 1 && p[1] == '\n' ? 2 : 0;
}

/* Modes of escape: text, lines kept (terminal), or ASCII alone, quoted. */
enum { TEXT, LINES, ASCII };

static size_t
escape(char *out, size_t size, const void *in, size_t len, int mode)
{
	const unsigned char *p = in;
	size_t used = 0, taken = 0, n;
	const char *piece;
	char esc[5];

	while (taken < len) {
		if (mode == LINES && (n = line_end(p + taken, len - taken)) > 0)
			piece = (const char *)p + taken;
		else if (mode != ASCII &&
		    (n = utf8_char(p + taken, len - taken)) > 0)
			piece = (const char *)p + taken;
		else {
			n = escape_byte(p[taken], esc, mode == ASCII);
			piece = esc;
		}
		if (used + n >= size)
			break;
		memcpy(out + used, piece, n);
		used += n;
		/* A character is taken whole; an escape stands for one byte. */
		taken += piece == esc ? 1 : n;
	}
	out[used] = '\0';
	return taken;
}

size_t
escape_text(char *out, size_t size, const void *in, size_t len)
{
	return escape(out, size, in, len, TEXT);
}

size_t
escape_terminal(char *out, size_t size, const void *in, size_t len)
{
	return escape(out, size, in, len, LINES);
}

size_t
escape_ascii(char *out, size_t size, const void *in, size_t len)
{
	return escape(out, size, in, len, ASCII);
}
