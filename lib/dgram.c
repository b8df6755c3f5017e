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
#include <string.h>
#include <time.h>

#include "addr.h"
#include "dgram.h"
#include "io.h"
#include "log.h"

void
dgram_init(struct dgram *d, struct server *s)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;

	memset(d, 0, sizeof *d);
	d->s = s;
	d->family = getsockname(s->fd, (struct sockaddr *)&ss, &len) == 0 ?
	    ss.ss_family : AF_UNSPEC;
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

	if (++d->unwaited > SERVER_BATCH) {
		d->unwaited = 0;
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

/* The key of a source: its family and address, without the port. */
static size_t
source_key(const struct sockaddr *sa, socklen_t len, unsigned char *key,
    size_t size)
{
	const size_t pathoff = offsetof(struct sockaddr_un, sun_path);
	const void *bytes = NULL;
	size_t n = 0;

	if (sa->sa_family == AF_INET) {
		bytes = &((const struct sockaddr_in *)sa)->sin_addr;
		n = sizeof(struct in_addr);
	} else if (sa->sa_family == AF_INET6) {
		bytes = &((const struct sockaddr_in6 *)sa)->sin6_addr;
		n = sizeof(struct in6_addr);
	} else if (sa->sa_family == AF_UNIX && len > pathoff) {
		bytes = (const char *)sa + pathoff;
		n = len - pathoff;
	}
	if (n > size - 1)
		n = size - 1;
	key[0] = (unsigned char)sa->sa_family;
	if (n > 0)
		memcpy(key + 1, bytes, n);
	return n + 1;
}

/*
 * May a line about this source be logged now?  1, and the time noted, if
 * none has been this last minute.  A new source takes a free slot, or the
 * one told about longest ago if that was more than a minute ago; with no
 * slot to take, it shares one line a minute with the others (*others).
 */
static int
source_may_log(struct dgram *d, const struct sockaddr *peer, socklen_t len,
    int *others)
{
	struct dgram_source *src, *empty = NULL, *stale = NULL, *take;
	unsigned char key[sizeof src->key];
	long long now = io_now_ms();
	size_t keylen = source_key(peer, len, key, sizeof key), i;

	*others = 0;
	for (i = 0; i < DGRAM_SOURCES; i++) {
		src = &d->sources[i];
		if (src->keylen == keylen && memcmp(src->key, key, keylen) == 0) {
			if (now - src->logged_ms < DGRAM_QUIET_MS)
				return 0;
			src->logged_ms = now;
			return 1;
		}
		if (src->keylen == 0) {
			if (empty == NULL)
				empty = src;
		} else if (now - src->logged_ms >= DGRAM_QUIET_MS &&
		    (stale == NULL || src->logged_ms < stale->logged_ms))
			stale = src;
	}
	if ((take = empty != NULL ? empty : stale) != NULL) {
		memcpy(take->key, key, keylen);
		take->keylen = keylen;
		take->logged_ms = now;
		return 1;
	}
	*others = 1;
	if (d->others_ms != 0 && now - d->others_ms < DGRAM_QUIET_MS)
		return 0;
	d->others_ms = now;
	return 1;
}

/* A warning about peer, at most once a minute for its source. */
static void
warn_limited(struct dgram *d, const struct sockaddr *peer, socklen_t len,
    const char *what)
{
	char from[ADDR_STRLEN];
	int others;

	if (!source_may_log(d, peer, len, &others))
		return;
	log_warning("%s: %s: %s (%s)", addr_format(peer, len, from, sizeof from),
	    d->s->service->name, what, others ?
	    "too many sources: more from new ones are not logged for a minute" :
	    "more from this source are not logged for a minute");
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

int
dgram_serve(struct server *s,
    const char *(*refuse)(const struct sockaddr *peer, socklen_t peerlen))
{
	static char in[DGRAM_MAX], out[DGRAM_MAX];
	struct sockaddr_storage peer;
	struct sockaddr *sa = (struct sockaddr *)&peer;
	const char *why;
	struct dgram d;
	socklen_t len;
	ssize_t n, r;
	int status = 0;

	dgram_init(&d, s);
	while (!server_term) {
		len = sizeof peer;
		n = dgram_recv(&d, in, sizeof in, sa, &len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EMSGSIZE) {
			dgram_drop(&d, sa, len, DGRAM_TOO_LONG);
			continue;
		}
		if (n == -1) {
			log_error("recvmsg: %s", strerror(errno));
			status = 1;
			break;
		}
		if (refuse != NULL && (why = refuse(sa, len)) != NULL) {
			dgram_drop(&d, sa, len, why);
			continue;
		}
		r = s->service->dgram(in, (size_t)n, out, sizeof out, sa, len);
		/* A sender with no name of its own has nowhere to be answered. */
		if (sa->sa_family == AF_UNIX &&
		    len <= offsetof(struct sockaddr_un, sun_path))
			dgram_unanswered(&d, sa, len, (size_t)n, r);
		else
			dgram_reply(&d, sa, len, (size_t)n, out, r);
	}
	dgram_summary(&d);
	return status;
}
