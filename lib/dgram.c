/* dgram: what the datagram servers share; see dgram.h. */
#include <sys/types.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>

#include <errno.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "addr.h"
#include "dgram.h"
#include "io.h"
#include "limit.h"
#include "log.h"
#include "net.h"
#include "opt.h"

int
dgram_init(struct dgram *d, struct server *s, long long rate)
{
	memset(d, 0, sizeof *d);
	d->s = s;
	d->rate = rate;
	d->waited_ms = io_now_ms();
	d->selflen = sizeof d->self;
	if (getsockname(s->fd, (struct sockaddr *)&d->self, &d->selflen) == -1)
		d->selflen = 0;
	d->family = d->selflen > 0 ? d->self.ss_family : AF_UNSPEC;
	if (rate > 0 && (d->replies = limit_new(1000000 / rate, (unsigned)rate,
	    LIMIT_PORT)) == NULL)
		return -1;
	return 0;
}

void
dgram_fini(struct dgram *d)
{
	limit_free(d->replies);
	d->replies = NULL;
}

int
dgram_option_rate(int opt, const char *arg, long long *rate, char *why,
    size_t whylen)
{
	return opt_num(opt, arg, 0, 1000000, rate, why, whylen);
}

/* Is this recvmsg error one that only means "try again"? */
static int
recv_transient(int e)
{
	/*
	 * An ICMP error for an earlier reply (where the system reports them
	 * on sockets that are not connected), or a network that comes and
	 * goes: nothing the next datagram should wait for.
	 */
	return e == ECONNREFUSED || e == EHOSTUNREACH || e == ENETUNREACH ||
	    e == EHOSTDOWN || e == ENETDOWN || e == ETIMEDOUT || e == EPROTO ||
	    e == ENOBUFS || e == ENOMEM;
}

ssize_t
dgram_recv(struct dgram *d, void *buf, size_t size, struct sockaddr *peer,
    socklen_t *peerlen)
{
	struct timespec pause = { 0, 100 * 1000 * 1000 };
	struct iovec iov = { .iov_base = buf, .iov_len = size };
	struct msghdr msg;
	ssize_t n;

	/* A steady stream, or slow datagrams (print on a slow output), hold
	 * the signals back no longer than SERVER_BATCH of them or 100 ms. */
	if (++d->unwaited > SERVER_BATCH || io_now_ms() - d->waited_ms >= 100) {
		d->unwaited = 0;
		d->waited_ms = io_now_ms();
		server_let_signals_in(d->s);
		if (server_term) {
			errno = EINTR;
			return -1;
		}
	}
	for (;;) {
		memset(&msg, 0, sizeof msg);
		msg.msg_name = peer;
		msg.msg_namelen = *peerlen;
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		if ((n = recvmsg(d->s->fd, &msg, MSG_DONTWAIT)) >= 0)
			break;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			d->unwaited = 0;
			if (server_wait_readable(d->s, d->s->fd) == -1)
				return -1;
			d->waited_ms = io_now_ms();
		} else if (errno == ENOBUFS || errno == ENOMEM)
			nanosleep(&pause, NULL);	/* no spinning while short */
		else if (errno != EINTR && !recv_transient(errno))
			return -1;
	}
	/* An unnamed Unix sender leaves the name empty, family and all. */
	if (msg.msg_namelen < sizeof(sa_family_t)) {
		peer->sa_family = (sa_family_t)d->family;
		msg.msg_namelen = sizeof(sa_family_t);
	}
	*peerlen = msg.msg_namelen;
	d->received++;
	d->s->served++;
	if (msg.msg_flags & MSG_TRUNC) {
		errno = EMSGSIZE;
		return -1;
	}
	return n;
}

/* A warning about peer, at most once a minute for its source. */
static void
warn_limited(struct dgram *d, const struct sockaddr *peer, socklen_t len,
    const char *what)
{
	char from[ADDR_STRLEN];

	if (limit_take(d->s->peer_logs, peer, len))
		log_warning("%s: %s: %s %s", addr_format(peer, len, from,
		    sizeof from), d->s->service->name, what, LIMIT_LOG_SUFFIX);
}

void
dgram_drop(struct dgram *d, const struct sockaddr *peer, socklen_t peerlen,
    const char *why)
{
	char from[ADDR_STRLEN], what[160];

	d->dropped++;
	snprintf(what, sizeof what, "dropped: %s", why);
	if (d->s->verbose)
		log_info("%s: %s: %s", addr_format(peer, peerlen, from, sizeof from),
		    d->s->service->name, what);
	else
		warn_limited(d, peer, peerlen, what);
}

int
dgram_reply(struct dgram *d, const struct sockaddr *peer, socklen_t peerlen,
    size_t inlen, const void *out, ssize_t outlen)
{
	char from[ADDR_STRLEN], why[128];
	int saved;

	/* MSG_DONTWAIT: one peer that does not read must not stop the others. */
	if (outlen >= 0 && sendto(d->s->fd, out, (size_t)outlen, MSG_DONTWAIT,
	    peer, peerlen) == -1) {
		saved = errno;
		snprintf(why, sizeof why, "reply not sent: %s", strerror(saved));
		dgram_drop(d, peer, peerlen, why);
		errno = saved;
		return -1;
	}
	if (outlen >= 0)
		d->answered++;
	if (!d->s->verbose)
		return 0;
	addr_format(peer, peerlen, from, sizeof from);
	if (outlen >= 0)
		log_info("%s: %s: %zu bytes in, %zd out", from, d->s->service->name,
		    inlen, outlen);
	else
		log_info("%s: %s: %zu bytes in, no reply", from,
		    d->s->service->name, inlen);
	return 0;
}

void
dgram_unanswered(struct dgram *d, const struct sockaddr *peer,
    socklen_t peerlen, size_t inlen, ssize_t outlen)
{
	char from[ADDR_STRLEN];

	d->unnamed++;
	if (d->s->verbose)
		log_info("%s: %s: %zu bytes in, %s", addr_format(peer, peerlen,
		    from, sizeof from), d->s->service->name, inlen, outlen >= 0 ?
		    "not answered: the sender has no address" : "no reply");
	else if (outlen >= 0)
		warn_limited(d, peer, peerlen,
		    "not answered: the sender has no address");
}

void
dgram_summary(const struct dgram *d)
{
	char unnamed[64] = "";

	if (!d->s->verbose)
		return;
	if (d->s->model->local)
		snprintf(unnamed, sizeof unnamed, ", %llu from unnamed senders",
		    d->unnamed);
	log_info("%llu datagram%s received, %llu answered, %llu dropped%s",
	    d->received, d->received == 1 ? "" : "s", d->answered, d->dropped,
	    unnamed);
}

/*
 * Is peer our own address?  For IP, our port from any address: a reply
 * would come back to us (through any of our addresses), or go to another
 * server on the same port, which would answer it.
 */
static int
from_self(const struct dgram *d, const struct sockaddr *peer, socklen_t len)
{
	const struct sockaddr *self = (const struct sockaddr *)&d->self;
	const size_t pathoff = offsetof(struct sockaddr_un, sun_path);

	if (d->selflen == 0)
		return 0;
	if (peer->sa_family == AF_UNIX)
		return self->sa_family == AF_UNIX && len == d->selflen &&
		    len > pathoff && memcmp(peer, self, len) == 0;
	return (peer->sa_family == AF_INET || peer->sa_family == AF_INET6) &&
	    net_sockaddr_port(peer) == net_sockaddr_port(self);
}

/* Why not to serve a datagram from peer, or NULL to serve it. */
static const char *
refused(const struct dgram *d, const struct sockaddr *peer, socklen_t len,
    dgram_refuse_fn *refuse)
{
	if (from_self(d, peer, len))
		return d->family == AF_UNIX ? "from this server's own address" :
		    "from this server's own port";
	return refuse != NULL ? refuse(peer, len) : NULL;
}

/* Answer, if the sender has an address and budget left. */
static void
answer(struct dgram *d, const struct sockaddr *peer, socklen_t len,
    size_t inlen, const char *out, ssize_t outlen)
{
	char why[96];

	/* A sender with no name of its own has nowhere to be answered. */
	if (peer->sa_family == AF_UNIX &&
	    len <= offsetof(struct sockaddr_un, sun_path)) {
		dgram_unanswered(d, peer, len, inlen, outlen);
		return;
	}
	if (outlen >= 0 && !limit_take(d->replies, peer, len)) {
		snprintf(why, sizeof why, "past its budget of %lld replies a "
		    "second", d->rate);
		dgram_drop(d, peer, len, why);
		return;
	}
	dgram_reply(d, peer, len, inlen, out, outlen);
}

/* The print service's wait for standard output: datagrams have no -t. */
#define PRINT_WAIT_MS	1000

/*
 * The print service: the datagram on standard output, as one line.  A line
 * that standard output does not take within PRINT_WAIT_MS is lost.
 */
static ssize_t
show(const struct sockaddr *peer, socklen_t len, const char *in, size_t n)
{
	char from[ADDR_STRLEN];

	log_output(addr_format(peer, len, from, sizeof from), in, n, 0,
	    PRINT_WAIT_MS);
	return SERVICE_NO_REPLY;
}

int
dgram_serve(struct server *s, long long rate, dgram_refuse_fn *refuse)
{
	struct sockaddr_storage peer;
	struct sockaddr *sa = (struct sockaddr *)&peer;
	const char *why;
	struct dgram *d;
	socklen_t len;
	ssize_t n, r;
	int status = 0;

	/* On the heap: its buffers are too large for a thread's stack. */
	if ((d = malloc(sizeof *d)) == NULL) {
		log_error("datagram buffers: %s", strerror(errno));
		return 1;
	}
	if (dgram_init(d, s, rate) == -1) {
		log_error("reply budget: %s", strerror(errno));
		free(d);
		return 1;
	}
	while (!server_term) {
		len = sizeof peer;
		n = dgram_recv(d, d->in, sizeof d->in, sa, &len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EMSGSIZE) {
			dgram_drop(d, sa, len, DGRAM_TOO_LONG);
			continue;
		}
		if (n == -1) {
			log_error("recvmsg: %s", strerror(errno));
			status = 1;
			break;
		}
		if ((why = refused(d, sa, len, refuse)) != NULL) {
			dgram_drop(d, sa, len, why);
			continue;
		}
		r = s->service->dgram(&(struct dgram_req){ .in = d->in,
		    .len = (size_t)n, .peer = sa, .peerlen = len,
		    .seq = d->received - 1 }, d->out, sizeof d->out);
		if (r == SERVICE_PRINT)
			r = show(sa, len, d->in, (size_t)n);
		answer(d, sa, len, (size_t)n, d->out, r);
	}
	dgram_summary(d);
	dgram_fini(d);
	free(d);
	return status;
}
