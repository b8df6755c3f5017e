/* service: the protocols every server offers, each a function any server can call. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "escape.h"
#include "io.h"
#include "log.h"
#include "num.h"
#include "service.h"

/* The RFC 864 pattern: 95 printable characters, 72 a line, one further each line. */
#define CHARGEN_CHARS	95
#define CHARGEN_WIDTH	72
#define CHARGEN_LINE	(CHARGEN_WIDTH + 2)

void
conn_init(struct conn *c, int fd, const struct sockaddr *peer,
    socklen_t peerlen, int timeout_ms)
{
	c->fd = fd;
	c->timeout_ms = timeout_ms;
	c->peer = peer;
	c->peerlen = peerlen;
	c->bytes_in = c->bytes_out = 0;
	c->why[0] = '\0';
	c->peerstr[0] = '\0';
}

const char *
conn_peer(struct conn *c)
{
	if (c->peerstr[0] == '\0')
		addr_format(c->peer, c->peerlen, c->peerstr, sizeof c->peerstr);
	return c->peerstr;
}

/* Record why an I/O call failed; a timeout and a stop are said plainly. */
static int
conn_failed(struct conn *c, const char *what)
{
	if (errno == ETIMEDOUT)
		snprintf(c->why, sizeof c->why, "idle for %d s, dropped",
		    c->timeout_ms / 1000);
	else if (errno == EINTR)
		snprintf(c->why, sizeof c->why, "cut off: the server is stopping");
	else
		snprintf(c->why, sizeof c->why, "%s: %s", what, strerror(errno));
	return SERVICE_FAILED;
}

/* Write all of buf and count it; SERVICE_DONE or SERVICE_FAILED. */
static int
conn_write(struct conn *c, const void *buf, size_t n)
{
	if (io_writen(c->fd, buf, n, c->timeout_ms) == -1)
		return conn_failed(c, "write");
	c->bytes_out += n;
	return SERVICE_DONE;
}

/* RFC 862: return every byte received, until the client closes. */
static int
echo_stream(struct conn *c)
{
	char buf[65536];
	ssize_t n;

	while ((n = io_read(c->fd, buf, sizeof buf, c->timeout_ms)) > 0) {
		c->bytes_in += (size_t)n;
		if (conn_write(c, buf, (size_t)n) != SERVICE_DONE)
			return SERVICE_FAILED;
	}
	return n == 0 ? SERVICE_DONE : conn_failed(c, "read");
}

/* RFC 863: read and drop everything, until the client closes. */
static int
discard_stream(struct conn *c)
{
	char buf[65536];
	ssize_t n;

	while ((n = io_read(c->fd, buf, sizeof buf, c->timeout_ms)) > 0)
		c->bytes_in += (size_t)n;
	return n == 0 ? SERVICE_DONE : conn_failed(c, "read");
}

size_t
service_daytime(char *buf, size_t size)
{
	time_t now = time(NULL);
	struct tm tm;

	/* The C locale's asctime layout, as UNP's daytime server sends it. */
	if (localtime_r(&now, &tm) == NULL)
		return 0;
	return strftime(buf, size, "%a %b %e %H:%M:%S %Y\r\n", &tm);
}

/* How long a server that closes first still reads what the client sends. */
#define LINGER_MS	2000

/*
 * The server closes first: end our side, then read and drop what the
 * client still sends, for a moment, so that unread input does not make the
 * kernel reset the connection and destroy the reply on its way (the
 * lingering close of Apache's httpd).  The moment is never longer than -t.
 */
static void
conn_linger(struct conn *c)
{
	int ms = c->timeout_ms > 0 && c->timeout_ms < LINGER_MS ?
	    c->timeout_ms : LINGER_MS;
	long long deadline = io_now_ms() + ms;
	char buf[4096];
	long long left;

	shutdown(c->fd, SHUT_WR);
	while ((left = deadline - io_now_ms()) > 0 &&
	    io_read(c->fd, buf, sizeof buf, (int)left) > 0)
		continue;
}

/* RFC 867: one line with the time, then close. */
static int
daytime_stream(struct conn *c)
{
	char line[64];

	if (conn_write(c, line, service_daytime(line, sizeof line)) != SERVICE_DONE)
		return SERVICE_FAILED;
	conn_linger(c);
	return SERVICE_DONE;
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

/* The whole cycle of the pattern, twice, so any offset starts a full cycle. */
static const char *
chargen_cycle(void)
{
	static char cycle[2 * CHARGEN_CHARS * CHARGEN_LINE];
	unsigned i;

	if (cycle[0] == '\0')
		for (i = 0; i < 2 * CHARGEN_CHARS; i++)
			service_chargen_line(i, cycle + i * CHARGEN_LINE);
	return cycle;
}

/* Read and drop whatever the chargen client sends; 0 once it has closed. */
static int
chargen_drain(struct conn *c)
{
	char buf[4096];
	ssize_t n = read(c->fd, buf, sizeof buf);

	if (n > 0)
		c->bytes_in += (size_t)n;
	return n == 0 ? 0 : 1;
}

/* RFC 864: send the pattern until the client goes away; input is dropped. */
static int
chargen_stream(struct conn *c)
{
	const char *cycle = chargen_cycle();
	const size_t period = CHARGEN_CHARS * CHARGEN_LINE;
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN | POLLOUT };
	size_t off = 0;
	ssize_t w;
	int rc;

	for (;;) {
		rc = poll(&pfd, 1, c->timeout_ms > 0 ? c->timeout_ms : -1);
		if (rc == -1 && errno == EINTR && !io_stopping())
			continue;
		if (rc == 0)
			errno = ETIMEDOUT;
		if (rc <= 0)
			return conn_failed(c, "poll");
		if ((pfd.revents & POLLIN) && chargen_drain(c) == 0)
			pfd.events = POLLOUT;
		if (!(pfd.revents & (POLLOUT | POLLERR | POLLHUP)))
			continue;
		w = write(c->fd, cycle + off, period);
		if (w == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		/* The client closing is how a chargen exchange ends. */
		if (w == -1)
			return (errno == EPIPE || errno == ECONNRESET) ?
			    SERVICE_DONE : conn_failed(c, "write");
		c->bytes_out += (size_t)w;
		off = (off + (size_t)w) % period;
	}
}

/* Refuse a request of len bytes that breaks the protocol, showing it escaped. */
static int
conn_refused(struct conn *c, const char *why, const char *req, size_t len)
{
	char shown[ESCAPE_SIZE(SERVICE_BENCH_LINE)];

	if (len > 0 && req[len - 1] == '\n')
		len--;
	escape_text(shown, sizeof shown, req, len);
	snprintf(c->why, sizeof c->why, "%s: \"%s\"", why, shown);
	conn_linger(c);
	return SERVICE_REFUSED;
}

/* Reply with n bytes of filler. */
static int
bench_reply(struct conn *c, size_t n)
{
	static const char filler[65536];
	size_t chunk;

	for (; n > 0; n -= chunk) {
		chunk = n < sizeof filler ? n : sizeof filler;
		if (conn_write(c, filler, chunk) != SERVICE_DONE)
			return SERVICE_FAILED;
	}
	return SERVICE_DONE;
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

/*
 * The protocol of UNP's chapter 30 load client: a request is ASCII decimal
 * N and a newline, the reply exactly N bytes; repeat until the client
 * closes.  A whole request must come within -t: a client that sends a
 * byte now and then does not keep a worker for ever.
 */
static int
bench_stream(struct conn *c)
{
	struct io_lines lb;
	char line[SERVICE_BENCH_LINE];
	const char *why;
	long long n;
	ssize_t len;

	io_lines_init(&lb, c->fd);
	for (;;) {
		lb.deadline_ms = c->timeout_ms > 0 ? io_now_ms() + c->timeout_ms : 0;
		len = io_readline(&lb, line, sizeof line, c->timeout_ms);
		if (len == 0)
			return SERVICE_DONE;
		if (len == -1 && errno == ETIMEDOUT) {
			snprintf(c->why, sizeof c->why, "no whole request "
			    "within %d s, dropped", c->timeout_ms / 1000);
			return SERVICE_FAILED;
		}
		if (len == -1)
			return conn_failed(c, "read");
		c->bytes_in += (size_t)len;
		if ((n = service_bench_request(line, (size_t)len, &why)) == -1)
			return conn_refused(c, why, line, (size_t)len);
		if (bench_reply(c, (size_t)n) != SERVICE_DONE)
			return SERVICE_FAILED;
	}
}

/* The print service's wait for standard output, where there is no -t. */
#define PRINT_WAIT_MS	1000

/*
 * Write what the client sends to standard output, a line at a time,
 * escaped, every byte of it; a long line in pieces.
 */
static int
print_stream(struct conn *c)
{
	struct io_lines lb;
	char line[1024];
	ssize_t len;
	int more;

	io_lines_init(&lb, c->fd);
	while ((len = io_readline(&lb, line, sizeof line, c->timeout_ms)) > 0) {
		c->bytes_in += (size_t)len;
		/* A full piece without its newline: the line goes on. */
		more = line[len - 1] != '\n' && (size_t)len == sizeof line - 1;
		if (log_output(conn_peer(c), line, (size_t)len, more,
		    c->timeout_ms) == -1) {
			if (errno == ETIMEDOUT)
				snprintf(c->why, sizeof c->why, "standard output "
				    "took nothing for %d s, dropped",
				    c->timeout_ms / 1000);
			else
				conn_failed(c, "standard output");
			return SERVICE_FAILED;
		}
	}
	return len == 0 ? SERVICE_DONE : conn_failed(c, "read");
}

static ssize_t
echo_dgram(const char *in, size_t len, char *out, size_t size,
    const struct sockaddr *peer, socklen_t peerlen)
{
	(void)peer, (void)peerlen;
	if (len > size)
		len = size;
	memcpy(out, in, len);
	return (ssize_t)len;
}

static ssize_t
discard_dgram(const char *in, size_t len, char *out, size_t size,
    const struct sockaddr *peer, socklen_t peerlen)
{
	(void)in, (void)len, (void)out, (void)size, (void)peer, (void)peerlen;
	return -1;
}

static ssize_t
daytime_dgram(const char *in, size_t len, char *out, size_t size,
    const struct sockaddr *peer, socklen_t peerlen)
{
	(void)in, (void)len, (void)peer, (void)peerlen;
	return (ssize_t)service_daytime(out, size);
}

/* RFC 864 over UDP: a random 0 to 512 characters of the pattern. */
static ssize_t
chargen_dgram(const char *in, size_t len, char *out, size_t size,
    const struct sockaddr *peer, socklen_t peerlen)
{
	static unsigned line;
	size_t n = (size_t)random() % (SERVICE_CHARGEN_DGRAM + 1);

	(void)in, (void)len, (void)peer, (void)peerlen;
	if (n > size)
		n = size;
	memcpy(out, chargen_cycle() + (line % CHARGEN_CHARS) * CHARGEN_LINE, n);
	line++;
	return (ssize_t)n;
}

static ssize_t
print_dgram(const char *in, size_t len, char *out, size_t size,
    const struct sockaddr *peer, socklen_t peerlen)
{
	char from[ADDR_STRLEN];

	(void)out, (void)size;
	/* No -t here: a line standard output does not take in a while is lost. */
	log_output(addr_format(peer, peerlen, from, sizeof from), in, len, 0,
	    PRINT_WAIT_MS);
	return -1;
}

static const struct service services[] = {
	{ "echo",	echo_stream,	echo_dgram },
	{ "discard",	discard_stream,	discard_dgram },
	{ "daytime",	daytime_stream,	daytime_dgram },
	{ "chargen",	chargen_stream,	chargen_dgram },
	{ "bench",	bench_stream,	NULL },
	{ "print",	print_stream,	print_dgram },
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

const char *
service_names(int socktype)
{
	static char names[2][128];
	char *list = names[socktype == SOCK_DGRAM];
	size_t i;

	if (list[0] != '\0')
		return list;
	for (i = 0; i < sizeof services / sizeof services[0]; i++) {
		if ((socktype == SOCK_DGRAM ? (void *)services[i].dgram :
		    (void *)services[i].stream) == NULL)
			continue;
		if (list[0] != '\0')
			strcat(list, ", ");
		strcat(list, services[i].name);
	}
	return list;
}
