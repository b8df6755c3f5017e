/*
 * service: the protocols every server offers.  A stream protocol is a
 * handler, a small state machine fed the bytes read (struct xchg); a
 * datagram protocol is a function from a datagram to a reply.  Neither
 * makes a system call or keeps state of its own, so every model (a
 * blocking one, an event loop, threads) serves them alike.
 */
#ifndef TINCAN_SERVICE_H
#define TINCAN_SERVICE_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <time.h>

#include "addr.h"

/* The largest bench request: 16 MiB. */
#define SERVICE_BENCH_MAX	16777216
/* The longest bench request line, newline included. */
#define SERVICE_BENCH_LINE	32
/* The largest chargen datagram (RFC 864). */
#define SERVICE_CHARGEN_DGRAM	512

/* How an exchange ended, once it is over. */
#define SERVICE_DONE	0	/* as the protocol says */
#define SERVICE_FAILED	(-1)	/* the connection failed: why says how */
#define SERVICE_REFUSED	(-2)	/* the client broke the protocol: why says how */

/* The least room a driver gives a stream handler (struct xchg's buf). */
#define SERVICE_ROOM_MIN	8192

/* How an exchange ends, once its last output is written. */
enum xchg_end {
	XCHG_GOING,		/* not over */
	XCHG_CLOSE,		/* close the connection */
	XCHG_LINGER		/* half-close, read and drop what still comes a
				   moment, then close (the server closes first) */
};

/*
 * One exchange of a stream protocol, as its handler sees it.  A handler
 * makes no system call: it is given the bytes read and says, in the
 * fields below, what to write next, whether it wants to read, and when it
 * is done.  A driver does the reads and writes: conn.c's, over one
 * non-blocking socket, for the blocking models and the event loop alike.
 */
struct xchg {
	/* Given by the driver. */
	char		*room;		/* the handler's own bytes ... */
	size_t		roomsize;	/* ... at least SERVICE_ROOM_MIN of them */
	time_t		now;		/* the time the exchange began */
	/* Said by the handler, after each of its calls; read by the driver. */
	char		*in;		/* read at most inroom bytes into in, then */
	size_t		inroom;		/* call input; NULL: read nothing now */
	const char	*out;		/* write outlen bytes of out, then call */
	size_t		outlen;		/* wrote; 0: nothing to write */
	int		out_print;	/* out is a line for standard output */
	int		print_more;	/* ... which goes on in the next out */
	int		endless;	/* output without end: the client going
					   away ends the exchange well */
	int		whole;		/* a request must come whole within -t:
					   reading does not restart the clock */
	enum xchg_end	end;		/* over once out is written */
	int		result;		/* SERVICE_DONE, or _REFUSED with why */
	char		why[192];
	/* The handler's state. */
	size_t		held;		/* bytes of input kept in room */
	unsigned long long left;	/* bytes of the reply still to come */
	unsigned	line;		/* the next line of a pattern */
	int		closed;		/* the client has closed its side */
};

/* A stream protocol: three calls, each of which sets what comes next. */
struct stream_handler {
	void	(*start)(struct xchg *x);
	/* n bytes were read into x->in; 0: the client closed its side. */
	void	(*input)(struct xchg *x, size_t n);
	/* All of x->out was written. */
	void	(*wrote)(struct xchg *x);
};

/* One datagram, as a datagram handler sees it. */
struct dgram_req {
	const char	*in;		/* the datagram ... */
	size_t		len;		/* ... and its length */
	const struct sockaddr *peer;	/* who sent it */
	socklen_t	peerlen;
	unsigned long long seq;		/* datagrams the server had before it */
};

/* What a datagram handler returns besides a reply's length. */
#define SERVICE_NO_REPLY	(-1)	/* nothing to send */
#define SERVICE_PRINT		(-2)	/* show the datagram on standard output */

struct service {
	const char	*name;
	const struct stream_handler *stream;	/* NULL: not on streams */
	/*
	 * Answer one datagram: the reply is written to out (size bytes) and
	 * its length returned, or SERVICE_NO_REPLY, or SERVICE_PRINT.  No
	 * system call, no state: a handler may serve many threads at once.
	 * NULL: not on datagrams.
	 */
	ssize_t		(*dgram)(const struct dgram_req *d, char *out,
			    size_t size);
};

/* service_find: the service called name, or NULL. */
const struct service *service_find(const char *name);

/*
 * service_names: the names of the services offered over socktype
 * (SOCK_STREAM or SOCK_DGRAM), "echo, discard, ...", for messages, into
 * buf.  Returns buf.
 */
char	*service_names(int socktype, char *buf, size_t size);

/*
 * service_bench_request: the N of one bench request, the line of len
 * bytes as it came, '\n' included: ASCII decimal digits, then '\n' or
 * "\r\n", nothing else; N from 1 to SERVICE_BENCH_MAX.  Returns N, or -1
 * with *why saying what is wrong ("not a number", "too large", ...).
 */
long long service_bench_request(const char *line, size_t len, const char **why);

/* service_chargen_line: line i (0-based) of the RFC 864 pattern, 74 bytes with CRLF. */
void	service_chargen_line(unsigned i, char line[74]);

/*
 * service_daytime_at: the RFC 867 line for when, "Tue Dec  1 20:00:56
 * 2026\r\n", into buf.  Returns its length.  service_daytime: for now.
 */
size_t	service_daytime_at(time_t when, char *buf, size_t size);
size_t	service_daytime(char *buf, size_t size);

#endif
