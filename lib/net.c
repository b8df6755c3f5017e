/* net: name resolution and socket set-up: listen, bind, connect. */
#define _DEFAULT_SOURCE		/* SO_REUSEPORT */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "io.h"
#include "net.h"

static void
set_err(char *err, size_t errlen, const char *what, const struct sockaddr *sa,
    socklen_t len)
{
	char where[ADDR_STRLEN];
	int saved = errno;

	snprintf(err, errlen, "%s %s: %s", what, addr_format(sa, len, where,
	    sizeof where), strerror(saved));
	errno = saved;
}

static int
close_keep_errno(int fd)
{
	int saved = errno;

	close(fd);
	errno = saved;
	return -1;
}

struct addrinfo *
net_resolve(const char *host, unsigned port, int family, int socktype,
    int flags, char *err, size_t errlen)
{
	struct addrinfo hints, *res;
	char serv[16];
	int rc;

	/* No AI_ADDRCONFIG: on a host with only loopback it would hide it. */
	memset(&hints, 0, sizeof hints);
	hints.ai_family = family;
	hints.ai_socktype = socktype;
	hints.ai_flags = flags | AI_NUMERICSERV;
	snprintf(serv, sizeof serv, "%u", port);
	rc = getaddrinfo(host, serv, &hints, &res);
	if (rc != 0) {
		snprintf(err, errlen, "%s: %s", host != NULL ? host : "localhost",
		    rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		return NULL;
	}
	return res;
}

/* One socket bound to sa; v6only < 0 leaves IPV6_V6ONLY as it is. */
static int
bind_one(const struct sockaddr *sa, socklen_t len, int socktype, int v6only,
    int flags, char *err, size_t errlen)
{
	int fd, one = 1;

	if ((fd = socket(sa->sa_family, socktype | SOCK_CLOEXEC, 0)) == -1) {
		set_err(err, errlen, "socket for", sa, len);
		return -1;
	}
	if (socktype == SOCK_STREAM && sa->sa_family != AF_UNIX &&
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == -1)
		goto fail;
	if ((flags & NET_REUSEPORT) &&
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) == -1)
		goto fail;
	if (v6only >= 0 && sa->sa_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only) == -1)
		goto fail;
	if (bind(fd, sa, len) == -1)
		goto fail;
	return fd;
fail:
	set_err(err, errlen, "bind", sa, len);
	return close_keep_errno(fd);
}

/* The dual-stack wildcard: [::] taking IPv4 too, where IPv6 exists. */
static int
bind_dual(unsigned port, int socktype, int flags, char *err, size_t errlen)
{
	struct sockaddr_in6 sin6;

	memset(&sin6, 0, sizeof sin6);
	sin6.sin6_family = AF_INET6;
	sin6.sin6_addr = in6addr_any;
	sin6.sin6_port = htons((unsigned short)port);
	return bind_one((struct sockaddr *)&sin6, sizeof sin6, socktype, 0,
	    flags, err, errlen);
}

int
net_bind(const struct addr *a, int family, int socktype, int flags, char *err,
    size_t errlen)
{
	struct addrinfo *res, *ai;
	struct sockaddr_un sun;
	socklen_t sunlen;
	int fd = -1;

	if (a->kind != ADDR_INET) {
		addr_sockaddr_un(a, &sun, &sunlen);
		return bind_one((struct sockaddr *)&sun, sunlen, socktype, -1,
		    flags, err, errlen);
	}
	if (a->wildcard && family == AF_UNSPEC) {
		fd = bind_dual(a->port, socktype, flags, err, errlen);
		if (fd != -1 || (errno != EAFNOSUPPORT && errno != EADDRNOTAVAIL))
			return fd;
		family = AF_INET;
	}
	res = net_resolve(a->wildcard ? NULL : a->host, a->port, family,
	    socktype, AI_PASSIVE, err, errlen);
	if (res == NULL) {
		errno = EADDRNOTAVAIL;
		return -1;
	}
	for (ai = res; ai != NULL && fd == -1; ai = ai->ai_next)
		fd = bind_one(ai->ai_addr, ai->ai_addrlen, socktype, 1, flags,
		    err, errlen);
	freeaddrinfo(res);
	return fd;
}

int
net_listen(const struct addr *a, int family, int backlog, int flags, char *err,
    size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	int fd;

	if ((fd = net_bind(a, family, SOCK_STREAM, flags, err, errlen)) == -1)
		return -1;
	if (listen(fd, backlog) == -1) {
		getsockname(fd, (struct sockaddr *)&ss, &len);
		set_err(err, errlen, "listen on", (struct sockaddr *)&ss, len);
		return close_keep_errno(fd);
	}
	return fd;
}

/* connect, bounded by timeout_ms when it is positive. */
static int
connect_within(int fd, const struct sockaddr *sa, socklen_t len, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	long long deadline = io_now_ms() + timeout_ms;
	socklen_t errlen = sizeof(int);
	int rc, soerr = 0;

	if (timeout_ms <= 0)
		return connect(fd, sa, len);
	if (net_set_nonblock(fd, 1) == -1)
		return -1;
	/* A Unix listener with a full queue says EAGAIN: ask again, a while. */
	while ((rc = connect(fd, sa, len)) == -1 && errno == EAGAIN &&
	    io_now_ms() < deadline)
		poll(NULL, 0, 10);
	if (rc == 0)
		return net_set_nonblock(fd, 0);
	if (errno == EAGAIN)
		errno = ETIMEDOUT;
	if (errno != EINPROGRESS)
		return -1;
	do {
		long long left = deadline - io_now_ms();

		rc = poll(&pfd, 1, left > 0 ? (int)left : 0);
	} while (rc == -1 && errno == EINTR);
	if (rc == 0)
		errno = ETIMEDOUT;
	if (rc <= 0)
		return -1;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &errlen) == -1)
		return -1;
	if (soerr != 0) {
		errno = soerr;
		return -1;
	}
	return net_set_nonblock(fd, 0);
}

/* One attempt: a socket for sa, connected; -1 with err set on failure. */
static int
connect_one(const struct sockaddr *sa, socklen_t len, int socktype,
    int timeout_ms, char *err, size_t errlen)
{
	int fd;

	if ((fd = socket(sa->sa_family, socktype | SOCK_CLOEXEC, 0)) == -1) {
		set_err(err, errlen, "socket for", sa, len);
		return -1;
	}
	if (connect_within(fd, sa, len, timeout_ms) == -1) {
		set_err(err, errlen, "connect to", sa, len);
		return close_keep_errno(fd);
	}
	return fd;
}

int
net_connect(const struct addr *a, int family, int socktype, int timeout_ms,
    char *err, size_t errlen)
{
	struct addrinfo *res, *ai;
	struct sockaddr_un sun;
	socklen_t sunlen;
	int fd = -1;

	if (a->kind != ADDR_INET) {
		addr_sockaddr_un(a, &sun, &sunlen);
		return connect_one((struct sockaddr *)&sun, sunlen, socktype,
		    timeout_ms, err, errlen);
	}
	res = net_resolve(a->wildcard ? NULL : a->host, a->port, family,
	    socktype, 0, err, errlen);
	if (res == NULL) {
		errno = EHOSTUNREACH;
		return -1;
	}
	for (ai = res; ai != NULL && fd == -1; ai = ai->ai_next)
		fd = connect_one(ai->ai_addr, ai->ai_addrlen, socktype,
		    timeout_ms, err, errlen);
	freeaddrinfo(res);
	return fd;
}

int
net_reverse(const struct sockaddr *sa, socklen_t len, char *name, size_t size,
    char *err, size_t errlen)
{
	char literal[ADDR_HOSTLEN];
	int rc;

	rc = getnameinfo(sa, len, name, (socklen_t)size, NULL, 0, NI_NAMEREQD);
	if (rc != 0) {
		if (getnameinfo(sa, len, literal, sizeof literal, NULL, 0,
		    NI_NUMERICHOST) != 0)
			snprintf(literal, sizeof literal, "address");
		snprintf(err, errlen, "%s: %s", literal, rc == EAI_SYSTEM ?
		    strerror(errno) : gai_strerror(rc));
		return -1;
	}
	return 0;
}

/* Format the address getsockname or getpeername gives for fd. */
static char *
format_name(int fd, int (*get)(int, struct sockaddr *, socklen_t *),
    char *buf, size_t size)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;

	if (get(fd, (struct sockaddr *)&ss, &len) == -1) {
		snprintf(buf, size, "unknown");
		return buf;
	}
	return addr_format((struct sockaddr *)&ss, len, buf, size);
}

char *
net_local(int fd, char *buf, size_t size)
{
	return format_name(fd, getsockname, buf, size);
}

char *
net_peer(int fd, char *buf, size_t size)
{
	return format_name(fd, getpeername, buf, size);
}

int
net_sockaddr_port(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	if (sa->sa_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)sa)->sin_port);
	errno = EAFNOSUPPORT;
	return -1;
}

int
net_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
		return -1;
	return net_sockaddr_port((struct sockaddr *)&ss);
}

int
net_set_nonblock(int fd, int on)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl == -1)
		return -1;
	fl = on ? (fl | O_NONBLOCK) : (fl & ~O_NONBLOCK);
	return fcntl(fd, F_SETFL, fl);
}
