/*
 * preforkd: the pool and its accept strategies.  preforkd.c keeps the pool
 * (start, replace, report, stop); preforkd-accept.c holds the strategies,
 * each a small struct of functions, so that they can be read side by side.
 */
#ifndef PREFORKD_H
#define PREFORKD_H

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/types.h>
#include <time.h>
#include <sys/socket.h>

#include "server.h"

/* What the parent and every child share, in one MAP_SHARED mapping. */
struct pool_slot {
	atomic_ullong		served;		/* connections, by every child of the slot */
};

struct pool_shared {
	pthread_mutex_t		accept_mutex;	/* -l mutex */
	/* -l fcntl, mutex: written by the holder of the lock, read by the parent. */
	atomic_int		lock_holder;	/* the pid in the accept lock, 0: none */
	atomic_ullong		lock_turns;	/* times a child has taken the lock */
	struct pool_slot	slot[];		/* -n of them */
};

/* The parent's view of a holder that leaves connections waiting. */
struct lock_watch {
	pid_t			pid;		/* 0: none seen */
	unsigned long long	turn;		/* which turn at the lock it was in */
	long long		since_ms;	/* when connections were first seen waiting */
};

struct slot;		/* what the parent alone knows of a slot (preforkd.c) */

/* The pool as the parent keeps it; a child sees its copy from the fork. */
struct pool {
	struct server		*server;
	const struct strategy	*strategy;
	int			nslots;		/* -n */
	long long		requests;	/* -r: a child's connections; 0: no end */
	struct slot		*slots;		/* nslots of them */
	/* Children replaced on SIGHUP that are still finishing their connection. */
	pid_t			*retiring;
	int			nretiring, retiring_room;
	pid_t			parent;		/* the pool's parent */
	pid_t			self;		/* in a child: its own pid */
	struct pool_shared	*shared;
	int			lock_fd;	/* -l fcntl: the unlinked lock file */
	int			*pass_fd;	/* -l pass: the parent's end, per slot */
	int			*idle;		/* -l pass: waiting for a connection */
	struct pollfd		*pollfds;	/* -l pass: the parent's, one per pair */
	int			child_fd;	/* -l pass, in a child: its end */
	struct lock_watch	watch;		/* -l fcntl, mutex, in the parent */
};

/* How the children of a pool take turns at accept. */
struct strategy {
	const char	*name;
	/* 1: a lock around accept, whose holder the parent watches. */
	int		accept_lock;
	/*
	 * What it asks of the socket source: 1, a listener for each child,
	 * on one port (SO_REUSEPORT), else one they share; 1, listeners
	 * that block, where the children wait in accept, else non-blocking
	 * (the parent polls it).
	 */
	int		per_child;
	int		blocking;
	/* In the parent, once: what the children will share.  0, or -1 with err. */
	int		(*setup)(struct pool *p, char *err, size_t errlen);
	/* In the parent, before forking the child of slot i.  0, or -1 with err. */
	int		(*prepare)(struct pool *p, int i, char *err, size_t errlen);
	/* In the parent, once the child of slot i is forked. */
	void		(*started)(struct pool *p, int i);
	/* In the new child of slot i, first thing. */
	void		(*child_init)(struct pool *p, int i);
	/*
	 * In a child: the next connection, or -1 with errno: EINTR, look at
	 * the flags; ESHUTDOWN, the parent has no more work for this child.
	 */
	int		(*take)(struct pool *p, int i, struct sockaddr *sa,
			    socklen_t *len);
	/* In a child, after serving a connection. */
	void		(*done)(struct pool *p, int i);
	/* In the parent: the child of slot i is gone, or is being retired. */
	void		(*release)(struct pool *p, int i);
	/*
	 * In the parent: wait until a signal comes or timeout passes, doing
	 * the strategy's own work meanwhile (pass hands out connections).
	 * NULL: just wait.
	 */
	void		(*parent_wait)(struct pool *p, const struct timespec *timeout);
	/* In the parent, at the end: undo setup. */
	void		(*teardown)(struct pool *p);
};

/* strategy_find: the strategy called name, or NULL. */
const struct strategy *strategy_find(const char *name);

/* strategy_names: every name, for messages. */
const char *strategy_names(void);

#endif
