/*
 * exchange: one connection of loadcli; see exchange.h.  The bench request
 * is the protocol of UNIX Network Programming, chapter 30 (the reply's
 * bytes are all zero, as the suite's bench service sends them); the echo
 * request is RFC 862.  The hot path of a bench connection is the book's:
 * socket, connect, write, read, close, and two setsockopt(2) calls for
 * the timeout, where a poll(2) before each read would cost more.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exchange.h"
#include "io.h"

/* The socket of a connection, and when the connection must be over. */
struct sock {
	int		fd;
	long long	deadline_us;	/* -t after it began */
	long long	timeo_at_us;	/* when SO_RCVTIMEO was last set, or 0 */
};

const char *const exchange_outcome_name[NOUTCOMES] = {
	"ok", "refused", "reset", "timed out", "short reply",
	"unexpected reply", "other"
};
const char *const exchange_outcome_key[NOUTCOMES] = {
	"ok", "refused", "reset", "timed_out", "short_reply",
	"unexpected_reply", "other"
};

/*
 * What an errno from a call on the socket says about the connection.  A
 * timeout shows as EAGAIN from a read (SO_RCVTIMEO), as EINPROGRESS from
 * connect (SO_SNDTIMEO, on Linux), and a signal (the -T deadline, a stop)
 * as EINTR: all end it as timed out.
 */
enum outcome
exchange_failure(int e)
{
	if (e == ETIMEDOUT || e == EINTR || e == EAGAIN || e == EWOULDBLOCK ||
	    e == EINPROGRESS)
		return TIMED_OUT;
	if (e == ECONNREFUSED)
		return REFUSED;
	/* A socket that was connected and no longer is was reset under us. */
	if (e == ECONNRESET || e == EPIPE || e == ENOTCONN)
		return RESET;
	return OTHER;
}

/* exchange_failure, keeping the errno of an OTHER for the report. */
static enum outcome
outcome_of(struct exchange *x, int e)
{
	enum outcome o = exchange_failure(e);

	if (o == OTHER)
		x->other_errno = e;
	return o;
}

/*
 * Set the timeout option of s (SO_RCVTIMEO, SO_SNDTIMEO) to the time the
 * connection has left.  Returns 0, or -1 with errno ETIMEDOUT when it has
 * none left.
 */
static int
sock_timeout(struct sock *s, int option)
{
	long long now = io_now_us(), left = s->deadline_us - now;
	struct timeval tv;

	if (left <= 0) {
		errno = ETIMEDOUT;
		return -1;
	}
	tv.tv_sec = (time_t)(left / 1000000);
	tv.tv_usec = (suseconds_t)(left % 1000000);
	if (setsockopt(s->fd, SOL_SOCKET, option, &tv, sizeof tv) == -1)
		return -1;
	if (option == SO_RCVTIMEO)
		s->timeo_at_us = now;
	return 0;
}

/*
 * read(2) that gives up at the connection's deadline, with ETIMEDOUT.  A
 * blocking read under SO_RCVTIMEO costs no poll(2) before it: the timeout
 * is set before the first read, and again only once more than a
 * millisecond has gone since, so a read may end that much after the
 * deadline.
 */
static ssize_t
sock_read(struct sock *s, void *buf, size_t size)
{
	ssize_t n;

	if ((s->timeo_at_us == 0 || io_now_us() - s->timeo_at_us > 1000) &&
	    sock_timeout(s, SO_RCVTIMEO) == -1)
		return -1;
	if ((n = read(s->fd, buf, size)) == -1 &&
	    (errno == EAGAIN || errno == EWOULDBLOCK))
		errno = ETIMEDOUT;
	return n;
}

/* The milliseconds the connection has left, rounded up, for poll(2). */
static int
sock_poll_ms(const struct sock *s)
{
	long long left = s->deadline_us - io_now_us();

	return left > 0 ? (int)((left + 999) / 1000) : 0;
}

/* The byte at offset off of a right reply: 0 for bench, the request's for echo. */
static unsigned char
right_byte(const struct exchange *x, size_t off)
{
	return x->echo ? (unsigned char)x->req[off] : 0;
}

/* Whether the n bytes in x->buf may follow got right bytes of a reply. */
static int
reply_fits(const struct exchange *x, size_t n, size_t got)
{
	if (got + n > x->bytes)
		return 0;
	if (x->echo)
		return memcmp(x->buf, x->req + got, n) == 0;
	/* All zero: the first is, and each is the same as the next. */
	return x->buf[0] == 0 && memcmp(x->buf, x->buf + 1, n - 1) == 0;
}

/*
 * Whether what x->seen holds so far may still turn out to be the bench
 * request sent back, as an echo server does: it is the first bytes of the
 * reply (got is 0), the start of the request, and the rest may yet come.
 */
static int
may_be_echo(const struct exchange *x, size_t got)
{
	return !x->echo && got == 0 && x->seen.len < x->reqlen &&
	    memcmp(x->seen.bytes, x->req, x->seen.len) == 0;
}

/*
 * The n bytes in x->buf, after got right bytes of a reply, are not what
 * the protocol allows.  Keep the first bytes of the reply in x->seen (the
 * right ones, then these), and where the first wrong one is.  When they
 * are the start of the bench request itself, wait (within -t) for the
 * rest of it, to tell an echo server, which sends it back and then waits
 * for more; then take what else has come already, without waiting.
 */
static enum outcome
unexpected(struct exchange *x, struct sock *s, size_t n, size_t got)
{
	struct unexpected *u = &x->seen;
	size_t i, keep;
	ssize_t more;

	for (i = 0; i < n && got + i < x->bytes &&
	    (unsigned char)x->buf[i] == right_byte(x, got + i); i++)
		;
	u->offset = got + i;
	for (u->len = 0; u->len < got && u->len < EXCHANGE_FIRST; u->len++)
		u->bytes[u->len] = right_byte(x, u->len);
	keep = EXCHANGE_FIRST - u->len < n ? EXCHANGE_FIRST - u->len : n;
	memcpy(u->bytes + u->len, x->buf, keep);
	u->len += keep;
	while (may_be_echo(x, got) &&
	    (more = sock_read(s, u->bytes + u->len, x->reqlen - u->len)) > 0)
		u->len += (size_t)more;
	if (u->len < EXCHANGE_FIRST && (more = recv(s->fd, u->bytes + u->len,
	    EXCHANGE_FIRST - u->len, MSG_DONTWAIT)) > 0)
		u->len += (size_t)more;
	u->echoed = !x->echo && got == 0 && u->len >= x->reqlen &&
	    memcmp(u->bytes, x->req, x->reqlen) == 0;
	return UNEXPECTED;
}

/*
 * bench, as UNP's client does it: write "-b\n", read -b bytes, -k times,
 * then close, with no half-close.  The read that brings the last byte asks
 * for more, so that a reply longer than asked is seen when it comes with
 * the rest.
 */
static enum outcome
bench_exchange(struct exchange *x, struct sock *s)
{
	size_t got;
	ssize_t n;
	long long k;

	for (k = 0; k < x->requests; k++) {
		/* A line of a few bytes: one write takes it, or the connection failed. */
		if ((n = write(s->fd, x->req, x->reqlen)) != (ssize_t)x->reqlen)
			return outcome_of(x, n == -1 ? errno : EPIPE);
		for (got = 0; got < x->bytes; got += (size_t)n) {
			if ((n = sock_read(s, x->buf, x->size)) <= 0)
				return n == 0 ? SHORT_REPLY : outcome_of(x, errno);
			if (!reply_fits(x, (size_t)n, got))
				return unexpected(x, s, (size_t)n, got);
		}
		x->answered++;
	}
	return OK;
}

/*
 * Send the echo request, then, when it is the last, half-close.  A request
 * larger than the socket buffers is sent as poll allows, taking the reply
 * as it comes meanwhile: written in one go, it would wait for a server that
 * waits for us to read.  OK means the request went out, and *got bytes of
 * its reply, all right, have come.
 */
static enum outcome
send_request(struct exchange *x, struct sock *s, size_t *got, int last)
{
	struct pollfd pfd = { .fd = s->fd, .events = POLLIN | POLLOUT };
	size_t sent = 0;
	ssize_t n;
	int ready;

	for (;;) {
		n = send(s->fd, x->req + sent, x->reqlen - sent, MSG_DONTWAIT);
		if (n == -1 && errno != EAGAIN && errno != EWOULDBLOCK)
			return outcome_of(x, errno);
		if (n > 0 && (sent += (size_t)n) == x->reqlen)
			return last && shutdown(s->fd, SHUT_WR) == -1 ?
			    outcome_of(x, errno) : OK;
		if ((ready = poll(&pfd, 1, sock_poll_ms(s))) == -1)
			return outcome_of(x, errno);
		if (ready == 0)
			return TIMED_OUT;
		if ((pfd.revents & (POLLIN | POLLERR | POLLHUP)) == 0)
			continue;
		n = recv(s->fd, x->buf, x->size, MSG_DONTWAIT);
		if (n == 0)
			return SHORT_REPLY;	/* closed before it took the request */
		if (n == -1 && errno != EAGAIN && errno != EWOULDBLOCK)
			return outcome_of(x, errno);
		if (n > 0 && !reply_fits(x, (size_t)n, *got))
			return unexpected(x, s, (size_t)n, *got);
		if (n > 0)
			*got += (size_t)n;
	}
}

/*
 * The rest of an echo, got bytes of which have come: up to -b bytes, or,
 * after the last request, until the server closes, so that an echo that
 * goes on past the request is seen.
 */
static enum outcome
read_echo(struct exchange *x, struct sock *s, size_t got, int last)
{
	ssize_t n;

	while (last || got < x->bytes) {
		if ((n = sock_read(s, x->buf, x->size)) == -1)
			return outcome_of(x, errno);
		if (n == 0)
			break;
		if (!reply_fits(x, (size_t)n, got))
			return unexpected(x, s, (size_t)n, got);
		got += (size_t)n;
	}
	return got < x->bytes ? SHORT_REPLY : OK;
}

/*
 * echo: send -b bytes and read them back, -k times; the last time,
 * half-close and read the echo to the end: the half-close also lets the
 * server close first.
 */
static enum outcome
echo_exchange(struct exchange *x, struct sock *s)
{
	enum outcome o;
	size_t got;
	long long k;
	int last;

	for (k = 0; k < x->requests; k++) {
		got = 0;
		last = k == x->requests - 1;
		if ((o = send_request(x, s, &got, last)) != OK ||
		    (o = read_echo(x, s, got, last)) != OK)
			return o;
		x->answered++;
	}
	return OK;
}

/* SO_SNDTIMEO bounds connect(2) (on Linux) and the writes. */
enum outcome
exchange_run(struct exchange *x, long long start_us)
{
	struct sock s = { -1, start_us + x->timeout_us, 0 };
	enum outcome o;

	x->answered = 0;
	s.fd = socket(x->ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s.fd == -1)
		return outcome_of(x, errno);
	if (sock_timeout(&s, SO_SNDTIMEO) == -1 ||
	    connect(s.fd, x->ai->ai_addr, x->ai->ai_addrlen) == -1)
		o = outcome_of(x, errno);
	else
		o = x->echo ? echo_exchange(x, &s) : bench_exchange(x, &s);
	close(s.fd);
	return o;
}

char *
exchange_request(int echo, size_t bytes, size_t *len)
{
	char *req;
	size_t i;

	if (!echo) {
		if ((req = malloc(32)) != NULL)
			*len = (size_t)snprintf(req, 32, "%zu\n", bytes);
		return req;
	}
	if ((req = malloc(bytes)) == NULL)
		return NULL;
	for (i = 0; i < bytes; i++)
		req[i] = (char)('!' + (i * 7 + i / 95) % 94);
	*len = bytes;
	return req;
}
