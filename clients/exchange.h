/*
 * exchange: one connection of loadcli, in the protocol of its mode.  It
 * connects, makes its requests one after another (bench: "N\n", then
 * exactly N zero bytes back; echo: the bytes sent, back unchanged), and
 * closes, all within the connection's timeout; it says how the connection
 * ended, and what an unexpected reply looked like.
 */
#ifndef TINCAN_EXCHANGE_H
#define TINCAN_EXCHANGE_H

#include <sys/types.h>
#include <sys/socket.h>
#include <netdb.h>
#include <stddef.h>

/* How a connection ended. */
enum outcome {
	OK, REFUSED, RESET, TIMED_OUT, SHORT_REPLY, UNEXPECTED, OTHER,
	NOUTCOMES
};

/* The first bytes of an unexpected reply that are kept, to be shown. */
#define EXCHANGE_FIRST	16

/* What a reply held that the protocol does not allow. */
struct unexpected {
	unsigned char	bytes[EXCHANGE_FIRST];	/* the reply's first bytes */
	size_t		len;			/* how many of them came */
	unsigned long long offset;	/* where the first wrong byte was */
	int		echoed;		/* bench: the reply began with the request */
};

/* What every connection of a child does, set once, and what it left. */
struct exchange {
	const struct addrinfo *ai;	/* where to connect */
	int		echo;		/* -m echo, else bench */
	size_t		bytes;		/* -b */
	long long	requests;	/* -k: requests on each connection */
	long long	timeout_us;	/* -t */
	const char	*req;		/* the request: "-b\n", or -b bytes */
	size_t		reqlen;
	char		*buf;		/* room for replies */
	size_t		size;
	/* Left by the last connection: */
	long long	answered;	/* its requests answered in full */
	int		other_errno;	/* the errno of an OTHER */
	struct unexpected seen;		/* what an UNEXPECTED reply held */
};

/*
 * exchange_request: the request of a mode, made once for every connection:
 * "bytes\n" for bench, bytes of a printable pattern for echo.  Returns
 * what malloc(3) gave, to be freed, and its length in *len; NULL with
 * errno on failure.
 */
char	*exchange_request(int echo, size_t bytes, size_t *len);

/*
 * exchange_run: one connection, begun at start_us (io_now_us time), as x
 * says; it must be over -t after that.  Returns how it ended; after
 * UNEXPECTED, x->seen says what came.  A signal that interrupts a wait
 * ends the connection as TIMED_OUT.
 */
enum outcome exchange_run(struct exchange *x, long long start_us);

/*
 * exchange_failure: how an errno from a call on a socket ends its
 * connection: TIMED_OUT, REFUSED, RESET or OTHER.  The holder of -H counts
 * the connections it could not make by the same kinds.
 */
enum outcome exchange_failure(int e);

/* The outcomes' names: for a report ("timed out"), for JSON ("timed_out"). */
extern const char *const exchange_outcome_name[NOUTCOMES];
extern const char *const exchange_outcome_key[NOUTCOMES];

#endif
