/* service: the protocols every server offers, each a function any server can call. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "escape.h"
#include "num.h"
#include "service.h"

/* The RFC 864 pattern: 95 printable characters, 72 a line, one further each line. */
#define CHARGEN_CHARS	95
#define CHARGEN_WIDTH	72
#define CHARGEN_LINE	(CHARGEN_WIDTH + 2)

/* Read into the whole room, or what is left of it after what is held. */
static void
want_input(struct xchg *x, size_t from, size_t upto)
{
	x->in = x->room + from;
	x->inroom = upto - from;
}

/* Write n bytes of p next, reading nothing meanwhile. */
static void
want_output(struct xchg *x, const char *p, size_t n)
{
	x->in = NULL;
	x->out = p;
	x->outlen = n;
}

/* The exchange is over, once what is to be written is written. */
static void
finish(struct xchg *x, enum xchg_end end)
{
	x->in = NULL;
	x->end = end;
}

/* RFC 862: return every byte received, until the client closes. */
static void
echo_read(struct xchg *x)
{
	want_input(x, 0, x->roomsize);
}

static void
echo_input(struct xchg *x, size_t n)
{
	if (n == 0)
		finish(x, XCHG_CLOSE);
	else
		want_output(x, x->room, n);
}

/* RFC 863: read and drop everything, until the client closes. */
static void
discard_input(struct xchg *x, size_t n)
{
	if (n == 0)
		finish(x, XCHG_CLOSE);
}

size_t
service_daytime(char *buf, size_t size)
{
	return service_daytime_at(time(NULL), buf, size);
}

size_t
service_daytime_at(time_t when, char *buf, size_t size)
{
	struct tm tm;

	/* The C locale's asctime layout, as UNP's daytime server sends it. */
	if (localtime_r(&when, &tm) == NULL)
		return 0;
	return strftime(buf, size, "%a %b %e %H:%M:%S %Y\r\n", &tm);
}

/* RFC 867: one line with the time; the server closes first. */
static void
daytime_start(struct xchg *x)
{
	want_output(x, x->room, service_daytime_at(x->now, x->room,
	    x->roomsize));
	finish(x, XCHG_LINGER);
}

/* A handler that is done once it has written: nothing to do. */
static void
nothing(struct xchg *x)
{
	(void)x;
}

void
service_chargen_line(unsigned i, char line[CHARGEN_LINE])
{
	unsigned j;

	for (j = 0; j < CHARGEN_WIDTH; j++)
		line[j] = (char)(' ' + (i + j) % CHARGEN_CHARS);
	line[CHARGEN_WIDTH] = '\r';
	line[CHARGEN_WIDTH + 1] = '\n';
}

/* What chargen keeps at the end of its room to drop the client's input in. */
#define CHARGEN_DROP	1024

/* The next lines of the pattern, as many as the room holds, to write. */
static void
chargen_lines(struct xchg *x)
{
	size_t n = (x->roomsize - CHARGEN_DROP) / CHARGEN_LINE, i;

	for (i = 0; i < n; i++)
		service_chargen_line(x->line++ % CHARGEN_CHARS,
		    x->room + i * CHARGEN_LINE);
	x->out = x->room;
	x->outlen = n * CHARGEN_LINE;
}

/* RFC 864: send the pattern until the client goes away; input is dropped. */
static void
chargen_start(struct xchg *x)
{
	x->endless = 1;
	chargen_lines(x);
	want_input(x, x->roomsize - CHARGEN_DROP, x->roomsize);
}

static void
chargen_input(struct xchg *x, size_t n)
{
	/* The client closing its side is no reason to stop. */
	if (n == 0)
		x->in = NULL;
}

static void
chargen_wrote(struct xchg *x)
{
	chargen_lines(x);
}

long long
service_bench_request(const char *line, size_t len, const char **why)
{
	char digits[SERVICE_BENCH_LINE];
	size_t n = 0;
	long long v;

	if (len == 0 || line[len - 1] != '\n') {
		*why = len >= SERVICE_BENCH_LINE - 1 ? "request too long" :
		    "request without newline";
		return -1;
	}
	while (n < len && n < sizeof digits - 1 && line[n] >= '0' && line[n] <= '9')
		n++;
	/* Then '\n', or one '\r' and '\n': nothing else. */
	if (n == 0 || !(n == len - 1 || (n == len - 2 && line[n] == '\r'))) {
		*why = "not a number";
		return -1;
	}
	memcpy(digits, line, n);
	digits[n] = '\0';
	if (num_parse(digits, 1, SERVICE_BENCH_MAX, &v, why) == -1)
		return -1;
	return v;
}

/* Refuse a request of len bytes that breaks the protocol, showing it escaped. */
static void
refuse(struct xchg *x, const char *why, const char *req, size_t len)
{
	char shown[ESCAPE_SIZE(SERVICE_BENCH_LINE)];

	if (len > 0 && req[len - 1] == '\n')
		len--;
	escape_text(shown, sizeof shown, req, len);
	snprintf(x->why, sizeof x->why, "%s: \"%s\"", why, shown);
	x->result = SERVICE_REFUSED;
	finish(x, XCHG_LINGER);
}

/* What every bench reply is made of. */
static const char filler[65536];

/* The next piece of the reply, or what comes after the reply. */
static void bench_next(struct xchg *x);

static void
bench_reply_piece(struct xchg *x)
{
	size_t n = x->left < sizeof filler ? (size_t)x->left : sizeof filler;

	x->left -= n;
	want_output(x, filler, n);
}

/*
 * The next request held in room: served, or refused; or, when it has not
 * all come, more input.  A request is at most SERVICE_BENCH_LINE - 1 bytes.
 */
static void
bench_next(struct xchg *x)
{
	const size_t max = SERVICE_BENCH_LINE - 1;
	char *nl = memchr(x->room, '\n', x->held);
	size_t len;
	const char *why;
	long long n;

	if (nl == NULL) {
		if (x->held >= max)
			refuse(x, "request too long", x->room, max);
		else
			want_input(x, x->held, max);
		return;
	}
	len = (size_t)(nl - x->room) + 1;
	if ((n = service_bench_request(x->room, len, &why)) == -1) {
		refuse(x, why, x->room, len);
		return;
	}
	/* What came after the request is the next one: keep it. */
	memmove(x->room, x->room + len, x->held - len);
	x->held -= len;
	x->left = (unsigned long long)n;
	bench_reply_piece(x);
}

/*
 * The protocol of UNP's chapter 30 load client: a request is ASCII decimal
 * N and a newline, the reply exactly N bytes; repeat until the client
 * closes.  A whole request must come within -t: a client that sends a
 * byte now and then does not keep a worker for ever.
 */
static void
bench_start(struct xchg *x)
{
	x->whole = 1;
	bench_next(x);
}

static void
bench_input(struct xchg *x, size_t n)
{
	if (n == 0 && x->held == 0) {
		finish(x, XCHG_CLOSE);
		return;
	}
	if (n == 0) {
		refuse(x, "request without newline", x->room, x->held);
		return;
	}
	x->held += n;
	bench_next(x);
}

static void
bench_wrote(struct xchg *x)
{
	if (x->left > 0)
		bench_reply_piece(x);
	else
		bench_next(x);
}

/* The longest piece of a line print shows at once; the rest follows. */
#define PRINT_PIECE	1023

/*
 * The next line held in room, or a piece of PRINT_PIECE bytes of a longer
 * one, for standard output; or, when none has all come, more input.
 */
static void
print_next(struct xchg *x)
{
	char *nl = memchr(x->room, '\n', x->held);
	size_t len = nl != NULL ? (size_t)(nl - x->room) + 1 : x->held;

	if (nl == NULL && x->held < PRINT_PIECE && !x->closed) {
		want_input(x, x->held, PRINT_PIECE);
		return;
	}
	if (len == 0) {
		finish(x, XCHG_CLOSE);
		return;
	}
	if (len > PRINT_PIECE)
		len = PRINT_PIECE;
	x->out_print = 1;
	x->print_more = nl == NULL && len == PRINT_PIECE;
	x->left = len;
	want_output(x, x->room, len);
}

/*
 * Write what the client sends to standard output, a line at a time,
 * escaped, every byte of it; a long line in pieces; at the end, a last
 * line without a newline as it is.
 */
static void
print_start(struct xchg *x)
{
	want_input(x, 0, PRINT_PIECE);
}

static void
print_input(struct xchg *x, size_t n)
{
	x->held += n;
	x->closed = n == 0;
	print_next(x);
}

static void
print_wrote(struct xchg *x)
{
	memmove(x->room, x->room + x->left, x->held - x->left);
	x->held -= (size_t)x->left;
	print_next(x);
}

static const struct stream_handler echo_handler = {
	echo_read, echo_input, echo_read
};
static const struct stream_handler discard_handler = {
	echo_read, discard_input, nothing
};
static const struct stream_handler daytime_handler = {
	daytime_start, discard_input, nothing
};
static const struct stream_handler chargen_handler = {
	chargen_start, chargen_input, chargen_wrote
};
static const struct stream_handler bench_handler = {
	bench_start, bench_input, bench_wrote
};
static const struct stream_handler print_handler = {
	print_start, print_input, print_wrote
};

static ssize_t
echo_dgram(const struct dgram_req *d, char *out, size_t size)
{
	size_t len = d->len < size ? d->len : size;

	memcpy(out, d->in, len);
	return (ssize_t)len;
}

static ssize_t
discard_dgram(const struct dgram_req *d, char *out, size_t size)
{
	(void)d, (void)out, (void)size;
	return SERVICE_NO_REPLY;
}

static ssize_t
daytime_dgram(const struct dgram_req *d, char *out, size_t size)
{
	(void)d;
	return (ssize_t)service_daytime(out, size);
}

/* A well-mixed 64 bits of x (splitmix64's finalizer). */
static unsigned long long
mix(unsigned long long x)
{
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/*
 * RFC 864 over UDP: 0 to 512 characters of the pattern, a "random"
 * number of them, from the line the count of datagrams has reached.
 */
static ssize_t
chargen_dgram(const struct dgram_req *d, char *out, size_t size)
{
	size_t n = (size_t)(mix(d->seq) % (SERVICE_CHARGEN_DGRAM + 1)), i;
	char line[CHARGEN_LINE];

	if (n > size)
		n = size;
	for (i = 0; i < n; i += CHARGEN_LINE) {
		service_chargen_line((unsigned)((d->seq + i / CHARGEN_LINE) %
		    CHARGEN_CHARS), line);
		memcpy(out + i, line, n - i < CHARGEN_LINE ? n - i : CHARGEN_LINE);
	}
	return (ssize_t)n;
}

static ssize_t
print_dgram(const struct dgram_req *d, char *out, size_t size)
{
	(void)d, (void)out, (void)size;
	return SERVICE_PRINT;
}

static const struct service services[] = {
	{ "echo",	&echo_handler,		echo_dgram },
	{ "discard",	&discard_handler,	discard_dgram },
	{ "daytime",	&daytime_handler,	daytime_dgram },
	{ "chargen",	&chargen_handler,	chargen_dgram },
	{ "bench",	&bench_handler,		NULL },
	{ "print",	&print_handler,		print_dgram },
};

const struct service *
service_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof services / sizeof services[0]; i++)
		if (strcmp(services[i].name, name) == 0)
			return &services[i];
	return NULL;
}

char *
service_names(int socktype, char *buf, size_t size)
{
	size_t i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < sizeof services / sizeof services[0] && len < size; i++) {
		if ((socktype == SOCK_DGRAM ? (void *)services[i].dgram :
		    (void *)services[i].stream) == NULL)
			continue;
		len += (size_t)snprintf(buf + len, size - len, "%s%s",
		    len > 0 ? ", " : "", services[i].name);
	}
	return buf;
}
