/* conn: one connection served by a stream handler; see conn.h. */
#include <sys/socket.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "conn.h"
#include "io.h"
#include "log.h"

/* How long a server that closes first still reads what the client sends. */
#define LINGER_MS	2000
/* The reads and writes of one step, before the others get a turn. */
#define STEP_OPS	16

/* The wait starts again: progress, or the start. */
static void
restart_clock(struct conn *c, long long now_ms)
{
	c->deadline_ms = c->timeout_ms > 0 ? now_ms + c->timeout_ms : 0;
}

void
conn_start(struct conn *c, const struct service *sv, int fd,
    const struct sockaddr *peer, socklen_t peerlen, int timeout_ms,
    char *room, size_t size, long long now_ms)
{
	memset(c, 0, sizeof *c);
	c->fd = fd;
	c->timeout_ms = timeout_ms;
	if (peerlen > sizeof c->peer)
		peerlen = sizeof c->peer;
	memcpy(&c->peer, peer, peerlen);
	c->peerlen = peerlen;
	c->service = sv;
	c->x.room = room;
	c->x.roomsize = size;
	c->x.now = time(NULL);
	c->state = CONN_SERVING;
	restart_clock(c, now_ms);
	sv->stream->start(&c->x);
}

const char *
conn_peer(struct conn *c)
{
	if (c->peerstr[0] == '\0')
		addr_format((const struct sockaddr *)&c->peer, c->peerlen,
		    c->peerstr, sizeof c->peerstr);
	return c->peerstr;
}

static void
over(struct conn *c, int rc)
{
	c->state = CONN_OVER;
	c->rc = rc;
}

/* strerror_r (XSI): the threads of a pool fail connections at once. */
static void
failed(struct conn *c, const char *what, int err)
{
	char reason[128];

	if (strerror_r(err, reason, sizeof reason) != 0)
		snprintf(reason, sizeof reason, "error %d", err);
	snprintf(c->why, sizeof c->why, "%s: %s", what, reason);
	over(c, SERVICE_FAILED);
}

static int
would_block(void)
{
	return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
}

/* Does the handler want input that can still come? */
static int
wants_input(const struct conn *c)
{
	return c->state == CONN_SERVING && c->x.in != NULL && !c->read_eof;
}

/* All of out is written: the handler says what comes next. */
static void
written(struct conn *c)
{
	struct xchg *x = &c->x;

	c->written = 0;
	x->out = NULL;
	x->outlen = 0;
	x->out_print = x->print_more = 0;
	c->service->stream->wrote(x);
}

/* out is a line for standard output (print): show it, bounded by -t. */
static int
print_out(struct conn *c, long long now_ms)
{
	struct xchg *x = &c->x;

	if (log_output(conn_peer(c), x->out, x->outlen, x->print_more,
	    c->timeout_ms) == -1) {
		if (errno == ETIMEDOUT)
			snprintf(c->why, sizeof c->why, "standard output took "
			    "nothing for %d s, dropped", c->timeout_ms / 1000);
		else
			failed(c, "standard output", errno);
		over(c, SERVICE_FAILED);
		return -1;
	}
	restart_clock(c, now_ms);
	written(c);
	return 1;
}

/* Write what is left of out: 1 for progress, 0 if it would block, -1 if over. */
static int
write_some(struct conn *c, long long now_ms)
{
	struct xchg *x = &c->x;
	ssize_t n;

	if (x->out_print)
		return print_out(c, now_ms);
	n = send(c->fd, x->out + c->written, x->outlen - c->written,
	    MSG_NOSIGNAL);
	if (n == -1 && would_block())
		return 0;
	/* The client going away is how an endless exchange ends. */
	if (n == -1 && x->endless && (errno == EPIPE || errno == ECONNRESET)) {
		over(c, SERVICE_DONE);
		return -1;
	}
	if (n == -1) {
		failed(c, "write", errno);
		return -1;
	}
	c->written += (size_t)n;
	c->bytes_out += (size_t)n;
	restart_clock(c, now_ms);
	if (c->written == x->outlen)
		written(c);
	return 1;
}

/*
 * Read what the handler has room for: 1, 0 if it would block, -1 if over.
 * *drained: the read took less than there was room for, so the socket
 * had no more.
 */
static int
read_some(struct conn *c, long long now_ms, int *drained)
{
	ssize_t n = recv(c->fd, c->x.in, c->x.inroom, 0);

	if (n == -1 && would_block())
		return 0;
	if (n == -1) {
		failed(c, "read", errno);
		return -1;
	}
	*drained = (size_t)n < c->x.inroom;
	if (n == 0)
		c->read_eof = 1;
	c->bytes_in += (size_t)n;
	/* A request that must come whole is not kept alive by its pieces. */
	if (n > 0 && !c->x.whole)
		restart_clock(c, now_ms);
	c->service->stream->input(&c->x, (size_t)n);
	return 1;
}

/*
 * The handler is done and all is written: close, or, when the server
 * closes first, end our side and read and drop what the client still
 * sends, for a moment, so that unread input does not make the kernel
 * reset the connection and destroy the reply on its way (the lingering
 * close of Apache's httpd).  The moment is never longer than -t.
 */
static void
close_or_linger(struct conn *c, long long now_ms)
{
	int ms = c->timeout_ms > 0 && c->timeout_ms < LINGER_MS ?
	    c->timeout_ms : LINGER_MS;

	if (c->x.result == SERVICE_REFUSED)
		snprintf(c->why, sizeof c->why, "%s", c->x.why);
	if (c->x.end != XCHG_LINGER || c->read_eof) {
		over(c, c->x.result);
		return;
	}
	shutdown(c->fd, SHUT_WR);
	c->state = CONN_LINGERING;
	c->deadline_ms = now_ms + ms;
}

/* Lingering: drop what comes.  1 for more, 0 if it would block, -1 if over. */
static int
drop_input(struct conn *c)
{
	char buf[4096];
	ssize_t n = recv(c->fd, buf, sizeof buf, 0);

	if (n > 0)
		return 1;
	if (n == -1 && would_block())
		return 0;
	over(c, c->x.result);
	return -1;
}

int
conn_step(struct conn *c, long long now_ms)
{
	int ops, progress, r, out_blocked = 0, in_blocked = 0, drained = 0;

	for (ops = 0; ops < STEP_OPS && c->state != CONN_OVER; ops++) {
		if (c->state == CONN_LINGERING) {
			if (drop_input(c) == 0)
				return 1;
			continue;
		}
		/*
		 * What would block once in a step is not tried again in it,
		 * nor a read after one that emptied the socket: in a request
		 * and its reply, what the client sends next comes only once it
		 * has the reply, and a read at once would fail (EAGAIN).
		 */
		progress = 0;
		if (c->x.outlen > 0 && !out_blocked) {
			if ((r = write_some(c, now_ms)) == -1)
				return 0;
			out_blocked = r == 0;
			progress |= r;
		}
		if (wants_input(c) && !in_blocked) {
			if ((r = read_some(c, now_ms, &drained)) == -1)
				return 0;
			in_blocked = r == 0 || drained;
			progress |= r;
		}
		if (c->x.outlen == 0 && (c->x.end != XCHG_GOING ||
		    !wants_input(c))) {
			/* Done, or nothing more can come: the end. */
			close_or_linger(c, now_ms);
			continue;
		}
		if (!progress)
			return 1;
	}
	return c->state != CONN_OVER;
}

short
conn_events(const struct conn *c)
{
	if (c->state == CONN_OVER)
		return 0;
	if (c->state == CONN_LINGERING)
		return POLLIN;
	return (short)((c->x.outlen > 0 ? POLLOUT : 0) |
	    (wants_input(c) ? POLLIN : 0));
}

long long
conn_deadline(const struct conn *c)
{
	return c->deadline_ms;
}

void
conn_expire(struct conn *c)
{
	if (c->state == CONN_OVER)
		return;
	if (c->state == CONN_LINGERING) {
		over(c, c->x.result);
		return;
	}
	if (c->x.whole && c->x.outlen == 0)
		snprintf(c->why, sizeof c->why, "no whole request within %d s, "
		    "dropped", c->timeout_ms / 1000);
	else
		snprintf(c->why, sizeof c->why, "idle for %d s, dropped",
		    c->timeout_ms / 1000);
	over(c, SERVICE_FAILED);
}

void
conn_cut(struct conn *c)
{
	if (c->state == CONN_LINGERING)
		over(c, c->x.result);
	if (c->state == CONN_OVER)
		return;
	snprintf(c->why, sizeof c->why, "cut off: the server is stopping");
	over(c, SERVICE_FAILED);
}

int
conn_serve(struct conn *c)
{
	long long now = io_now_ms(), left, let_in = now;
	struct pollfd pfd;
	int rc;

	while (conn_step(c, now)) {
		/*
		 * A wait that finds the connection ready at once lets no
		 * signal in: one always ready would hold them back for ever.
		 */
		if (now - let_in >= IO_LET_IN_MS) {
			let_in = now;
			io_let_signals_in(NULL);
			if (io_stopping()) {
				conn_cut(c);
				continue;
			}
		}
		pfd.fd = c->fd;
		pfd.events = conn_events(c);
		left = c->deadline_ms - now;
		if (c->deadline_ms != 0 && left <= 0) {
			conn_expire(c);
			continue;
		}
		rc = io_poll(&pfd, 1, c->deadline_ms == 0 ? -1 :
		    (int)(left > INT_MAX ? INT_MAX : left));
		now = io_now_ms();
		if (rc == 0 && c->deadline_ms != 0 && now >= c->deadline_ms)
			conn_expire(c);
		else if (rc == -1 && errno == EINTR && io_stopping())
			conn_cut(c);
		else if (rc == -1 && errno != EINTR)
			failed(c, "poll", errno);
	}
	return c->rc;
}
