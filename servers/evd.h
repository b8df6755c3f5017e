/*
 * evd: what the files of the event-loop server share.  evd.c is the
 * model: the loop that accepts, steps the connections and ends them;
 * evd-wait.c the two ways to wait for readiness, epoll(7) and poll(2),
 * behind one interface; evd-heap.c the deadlines of the connections.
 */
#ifndef TINCAN_EVD_H
#define TINCAN_EVD_H

#include <signal.h>
#include <stddef.h>

#include "conn.h"

/* The room of a connection's handler: what it may hold back (echo's output). */
#define EVD_ROOM	16384
/* Connections' structs kept for the next ones when they end. */
#define EVD_SPARE	64
/* heap_at of a connection that has no deadline. */
#define EVD_NOWHERE	((size_t)-1)

struct evconn;

/* Something the loop waits on: the listener, or a connection. */
struct watched {
	int		fd;
	short		events;		/* what the backend waits for: POLLIN,
					   POLLOUT; 0: nothing yet */
	struct evconn	*ec;		/* NULL: the listener */
};

/* One connection of the loop, and the room its handler works in. */
struct evconn {
	struct watched	w;
	struct conn	c;
	long long	start_ms;	/* accepted then, for the -v line */
	size_t		slot;		/* its place in evd.open */
	size_t		heap_at;	/* its place in the heap, or EVD_NOWHERE */
	long long	when;		/* its deadline there (conn_deadline) */
	char		room[EVD_ROOM];
};

/* The connections that have a deadline, the soonest first (evd-heap.c). */
struct deadlines {
	struct evconn	**at;		/* a binary min-heap on when */
	size_t		n;
};

/*
 * deadlines_set: ec's deadline is now when (0: none): put ec in the heap,
 * move it, or take it out.  O(log n).
 */
void	deadlines_set(struct deadlines *h, struct evconn *ec, long long when);

/* deadlines_first: the connection whose deadline comes first, or NULL. */
struct evconn *deadlines_first(const struct deadlines *h);

struct backend;

/* What the model owns: the command line, and what running makes. */
struct evd {
	long long	max;		/* -m: connections at once */
	const struct backend *backend;	/* -e */
	struct watched	listener;
	struct evconn	**open;		/* the connections, in no order */
	size_t		nopen;
	struct deadlines deadlines;
	struct watched	**ready;	/* what the last wait found ready */
	void		*waiting;	/* the backend's own state */
	struct evconn	*spare[EVD_SPARE]; /* ended, kept for the next */
	size_t		nspare;
	long long	let_in_ms;	/* when the signals were last let in */
};

/* A readiness mechanism (evd-wait.c). */
struct backend {
	const char	*name;
	/* Make room for e->max connections and the listener: 0, or -1 with errno. */
	int	(*init)(struct evd *e);
	/*
	 * Wait for events on w from now on (POLLIN, POLLOUT; 0: none):
	 * 0, or -1 with errno.  A descriptor that is closed needs no call:
	 * close(2) takes it out of an epoll set, and poll's set is made
	 * again for each wait.
	 */
	int	(*watch)(struct evd *e, struct watched *w, short events);
	/*
	 * Wait at most timeout_ms (-1: no limit) for something watched to
	 * be ready, with the signal mask mask while waiting; put what is
	 * ready in e->ready.  Returns how many, or -1 with errno (EINTR: a
	 * signal came).
	 */
	int	(*wait)(struct evd *e, int timeout_ms, const sigset_t *mask);
	void	(*fini)(struct evd *e);
};

/* backend_find: the mechanism called name, or NULL; NULL name: the default. */
const struct backend *backend_find(const char *name);

/* backend_names: "epoll, poll", the mechanisms there are, for messages. */
const char *backend_names(void);

#endif
