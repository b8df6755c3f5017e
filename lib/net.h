/* net: name resolution and socket set-up: listen, bind, connect. */
#ifndef TINCAN_NET_H
#define TINCAN_NET_H

#include <stddef.h>
#include <sys/socket.h>

#include "addr.h"

/* Room for the messages the functions below leave in err. */
#define NET_ERRLEN	(ADDR_STRLEN + 128)

/* Flags for net_bind. */
#define NET_REUSEPORT	0x1	/* set SO_REUSEPORT: one listener per process */

/*
 * net_bind: a socket of socktype bound to a: every getaddrinfo result is
 * tried until one binds.  A wildcard with family AF_UNSPEC is one IPv6
 * socket that also takes IPv4 (IPV6_V6ONLY off), or IPv4 where there is no
 * IPv6.  SO_REUSEADDR is set on stream sockets.  A Unix path or abstract
 * name is bound as given: the caller decides what may be unlinked first.
 * Returns the descriptor (close-on-exec), or -1 with errno kept and the
 * reason in err, "bind 127.0.0.1:9877: Address already in use".
 */
int	net_bind(const struct addr *a, int family, int socktype, int flags,
	    char *err, size_t errlen);

/* net_listen: net_bind a stream socket, then listen with backlog. */
int	net_listen(const struct addr *a, int family, int backlog, int flags,
	    char *err, size_t errlen);

/*
 * net_connect: a socket of socktype connected to a, trying every result in
 * turn; a wildcard (PORT alone) means the loopback address.  timeout_ms > 0
 * bounds each attempt.  Returns the descriptor (blocking, close-on-exec),
 * or -1 with errno from the last attempt and err naming the address tried,
 * "connect to 127.0.0.1:9877: Connection refused".
 */
int	net_connect(const struct addr *a, int family, int socktype,
	    int timeout_ms, char *err, size_t errlen);

/*
 * net_resolve: getaddrinfo for host (NULL: loopback, or every address with
 * AI_PASSIVE in flags) and a numeric port.  Returns the list for
 * freeaddrinfo, or NULL with the gai_strerror reason in err.
 */
struct addrinfo *net_resolve(const char *host, unsigned port, int family,
	    int socktype, int flags, char *err, size_t errlen);

/*
 * net_reverse: the name of an address, from getnameinfo with NI_NAMEREQD.
 * Returns 0, or -1 with the reason in err.
 */
int	net_reverse(const struct sockaddr *sa, socklen_t len, char *name,
	    size_t size, char *err, size_t errlen);

/* net_local, net_peer: format fd's own address, or its peer's, into buf.  Return buf. */
char	*net_local(int fd, char *buf, size_t size);
char	*net_peer(int fd, char *buf, size_t size);

/* net_port: the port fd is bound to, or -1 with errno. */
int	net_port(int fd);

/* net_sockaddr_port: the port of an IP address, or -1 with EAFNOSUPPORT. */
int	net_sockaddr_port(const struct sockaddr *sa);

/*
 * net_set_nonblock: turn O_NONBLOCK on (on != 0) or off.  Returns 0, or -1
 * with errno.
 */
int	net_set_nonblock(int fd, int on);

#endif
