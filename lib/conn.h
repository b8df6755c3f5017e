/*
 * conn: one connection served by a stream handler, over a non-blocking
 * socket.  conn_step does whatever reads and writes the handler asks for
 * that can be done now, and stops where it would block; conn_events says
 * what to wait for then, and conn_deadline until when.  The event loop
 * calls these for many connections at once; conn_serve is the driver of
 * the blocking models, which wait for one connection at a time.
 */
#ifndef TINCAN_CONN_H
#define TINCAN_CONN_H

#include <stddef.h>
#include <sys/socket.h>

#include "addr.h"
#include "service.h"

/* Where a connection is. */
enum conn_state {
	CONN_SERVING,		/* the handler is at work */
	CONN_LINGERING,		/* our side is closed; the client's input is dropped */
	CONN_OVER		/* rc and why say how it ended */
};

struct conn {
	int		fd;		/* non-blocking; closed by the caller */
	int		timeout_ms;	/* -t: the idle limit; <= 0: none */
	struct sockaddr_storage peer;
	socklen_t	peerlen;
	char		peerstr[ADDR_STRLEN];	/* made on first use */
	const struct service *service;
	struct xchg	x;
	size_t		written;	/* of x.out */
	int		read_eof;	/* the client closed its side */
	long long	deadline_ms;	/* the wait ends then; 0: never */
	enum conn_state	state;
	int		rc;		/* once over: SERVICE_DONE, _FAILED, _REFUSED */
	char		why[256];	/* ... and why, when not done */
	unsigned long long bytes_in, bytes_out;
};

/*
 * conn_start: serve the connection fd from peer with sv's stream handler,
 * in room (size bytes, at least SERVICE_ROOM_MIN), which the caller keeps
 * until the connection is over.  now_ms is io_now_ms().
 */
void	conn_start(struct conn *c, const struct service *sv, int fd,
	    const struct sockaddr *peer, socklen_t peerlen, int timeout_ms,
	    char *room, size_t size, long long now_ms);

/*
 * conn_step: do what can be done now without blocking.  Returns 1 while
 * the connection waits for conn_events, 0 once it is over.  A step is
 * bounded: a client that is always ready gets a few reads and writes,
 * then conn_step returns 1 with the connection still ready, so that an
 * event loop serves the others in turn.
 */
int	conn_step(struct conn *c, long long now_ms);

/* conn_events: POLLIN, POLLOUT or both, what the connection waits for. */
short	conn_events(const struct conn *c);

/* conn_deadline: when the wait gives up, in io_now_ms time; 0: never. */
long long conn_deadline(const struct conn *c);

/*
 * conn_expire: the deadline has passed: the connection is over, dropped
 * as idle (or, lingering, closed as the handler said).
 */
void	conn_expire(struct conn *c);

/* conn_cut: the server is stopping for good: the connection is over. */
void	conn_cut(struct conn *c);

/*
 * conn_serve: the blocking driver: step and wait on the one connection
 * until it is over, waiting in io_poll (with the mask of io_stop_at, and
 * every 10 ms it lets the signals in, in case it never had to wait).  A
 * wait that a signal interrupts goes on, unless io_stop_at says the
 * server is stopping: then the connection is cut off.  Returns c->rc.
 */
int	conn_serve(struct conn *c);

/* conn_peer: the peer's numeric address, "127.0.0.1:40000". */
const char *conn_peer(struct conn *c);

#endif
