/* service: the protocols every server offers, each a function any server can call. */
#ifndef TINCAN_SERVICE_H
#define TINCAN_SERVICE_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/socket.h>

#include "addr.h"

/* The largest bench request: 16 MiB. */
#define SERVICE_BENCH_MAX	16777216
/* The longest bench request line, newline included. */
#define SERVICE_BENCH_LINE	32
/* The largest chargen datagram (RFC 864). */
#define SERVICE_CHARGEN_DGRAM	512

/* What a stream handler returns. */
#define SERVICE_DONE	0	/* the exchange ended as the protocol says */
#define SERVICE_FAILED	(-1)	/* the connection failed: why says how */
#define SERVICE_REFUSED	(-2)	/* the client broke the protocol: why says how */

/* One connection, as a stream handler sees it. */
struct conn {
	int		fd;
	int		timeout_ms;	/* idle limit per wait; <= 0: none */
	const struct sockaddr *peer;
	socklen_t	peerlen;
	unsigned long long bytes_in, bytes_out;
	char		why[256];	/* set when a handler does not return DONE */
	char		peerstr[ADDR_STRLEN];
};

struct service {
	const char	*name;
	/* Serve one connection; SERVICE_DONE, _FAILED or _REFUSED.  NULL: not on streams. */
	int		(*stream)(struct conn *c);
	/*
	 * Answer one datagram of len bytes from peer: the reply is written to
	 * out (size bytes) and its length returned, or -1 for no reply.
	 */
	ssize_t		(*dgram)(const char *in, size_t len, char *out,
			    size_t size, const struct sockaddr *peer,
			    socklen_t peerlen);
};

/* service_find: the service called name, or NULL. */
const struct service *service_find(const char *name);

/*
 * service_names: the names of the services offered over socktype
 * (SOCK_STREAM or SOCK_DGRAM), "echo, discard, ...", for messages.
 */
const char *service_names(int socktype);

/* conn_init: a connection on fd from peer, with an idle limit in ms. */
void	conn_init(struct conn *c, int fd, const struct sockaddr *peer,
	    socklen_t peerlen, int timeout_ms);

/* conn_peer: the peer's numeric address, "127.0.0.1:40000", made on first use. */
const char *conn_peer(struct conn *c);

/*
 * service_bench_request: the N of one bench request, the line of len
 * bytes as it came, '\n' included: ASCII decimal digits, then '\n' or
 * "\r\n", nothing else; N from 1 to SERVICE_BENCH_MAX.  Returns N, or -1
 * with *why saying what is wrong ("not a number", "too large", ...).
 */
long long service_bench_request(const char *line, size_t len, const char **why);

/* service_chargen_line: line i (0-based) of the RFC 864 pattern, 74 bytes with CRLF. */
void	service_chargen_line(unsigned i, char line[74]);

/* service_daytime: the RFC 867 line for now, "Tue Dec  1 20:00:56 2026\r\n". Returns its length. */
size_t	service_daytime(char *buf, size_t size);

#endif
