/*
 * fuzz_escape: escape_text and escape_terminal (lib/escape), the one way
 * a peer's bytes are shown.  For every input and every room: the result
 * is a string within the room; it holds nothing a terminal acts on (no
 * control byte, no DEL, no C1 control, nothing but printable ASCII and
 * valid UTF-8; escape_terminal lets LF, tab and the CR of a CR LF through
 * as well); and read back, it gives exactly the bytes taken, which are all
 * of them when the room is ESCAPE_SIZE of the input.
 *
 * An input is MODE (1 byte: even escape_text, odd escape_terminal), ROOM
 * (2 bytes, big-endian: the size of the result, at least 1), BYTES...
 */
#include "escape.h"
#include "fuzz.h"

/* The length of the UTF-8 sequence at p (len left), or 0: a second decoder. */
static size_t
sequence(const unsigned char *p, size_t len)
{
	size_t n = p[0] >= 0xf0 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc0 ? 2 : 0;
	size_t i;

	if (n == 0 || n > len)
		return 0;
	for (i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/*
 * Is the k-byte sequence at p one that must not be shown raw: a C1
 * control (C2 80..9F), or U+200B..200F, U+2028..202E, U+2060..206F,
 * U+FEFF, U+FFFE, U+FFFF?
 */
static int
hidden(const unsigned char *p, size_t k)
{
	unsigned cp;

	if (k == 2)
		return p[0] == 0xc2 && p[1] < 0xa0;
	if (k != 3)
		return 0;
	cp = (unsigned)(p[0] & 0x0f) << 12 | (unsigned)(p[1] & 0x3f) << 6 |
	    (p[2] & 0x3f);
	return (cp >= 0x200b && cp <= 0x200f) || (cp >= 0x2028 && cp <= 0x202e) ||
	    (cp >= 0x2060 && cp <= 0x206f) || cp == 0xfeff || cp >= 0xfffe;
}

/* Read the shown text back into bytes; how many, or -1 if it is not escaped text. */
static long
unescape(const char *shown, unsigned char *out, int terminal)
{
	const unsigned char *p = (const unsigned char *)shown;
	unsigned hi, lo;
	long n = 0;
	size_t k;

	while (*p != '\0') {
		if (*p == '\\') {
			switch (p[1]) {
			case '\\': out[n++] = '\\'; p += 2; continue;
			case 't': out[n++] = '\t'; p += 2; continue;
			case 'n': out[n++] = '\n'; p += 2; continue;
			case 'r': out[n++] = '\r'; p += 2; continue;
			case 'x':
				if (sscanf((const char *)p + 2, "%1x%1x", &hi, &lo) != 2)
					return -1;
				out[n++] = (unsigned char)(hi << 4 | lo);
				p += 4;
				continue;
			default:
				return -1;
			}
		}
		if (terminal && (*p == '\n' || *p == '\t' || (*p == '\r' && p[1] == '\n'))) {
			out[n++] = *p++;
			continue;
		}
		if (*p >= 0x20 && *p < 0x7f) {
			out[n++] = *p++;
			continue;
		}
		/* Valid UTF-8, and nothing that acts or hides: a second list. */
		if ((k = sequence(p, strlen((const char *)p))) == 0 || hidden(p, k))
			return -1;
		memcpy(out + n, p, k);
		n += (long)k;
		p += k;
	}
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *in, *back;
	size_t room, len, taken;
	char *out;
	int terminal;
	long n;

	if (size < 3)
		return 0;
	terminal = data[0] & 1;
	room = (size_t)data[1] << 8 | data[2];
	len = size - 3;
	if (room == 0 || room > ESCAPE_SIZE(len))
		room = ESCAPE_SIZE(len);
	in = malloc(len + 1);
	out = malloc(room);
	back = malloc(len + 1);
	if (in == NULL || out == NULL || back == NULL)
		abort();
	memcpy(in, data + 3, len);
	taken = terminal ? escape_terminal(out, room, in, len) :
	    escape_text(out, room, in, len);
	FUZZ_ASSERT(taken <= len);
	FUZZ_ASSERT(fuzz_nul_within(out, room));
	if (room == ESCAPE_SIZE(len))
		FUZZ_ASSERT(taken == len);
	n = unescape(out, back, terminal);
	FUZZ_ASSERT(n == (long)taken);
	FUZZ_ASSERT(memcmp(back, in, taken) == 0);
	free(in);
	free(out);
	free(back);
	return 0;
}
