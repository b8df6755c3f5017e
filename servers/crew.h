/*
 * crew: what the thread models share.  The main thread alone takes the
 * signals (in its waits, as every model does); a worker is started with
 * every signal blocked and a bounded stack, and never sees one.  The crew
 * counts its live workers, lets the main thread sleep until one ends (or a
 * signal comes), and knows the connection each worker serves, so that a
 * second SIGTERM can end them all at once: shutdown(2) on each wakes the
 * worker from its wait, and it finishes as if the client had gone.
 *
 * One mutex guards it all; a worker takes it twice a connection.
 */
#ifndef CREW_H
#define CREW_H

#include <pthread.h>

#include "server.h"

/*
 * A worker's stack: the 64 KiB buffer of server_serve (SERVER_ROOM), the C library's
 * formatting and syslog beneath it, and room to spare for the sanitizers.
 */
#define CREW_STACK	(256 * 1024)
#define CREW_TRIES	10	/* a failed pthread_create: tries, 100 ms apart */

/*
 * A worker's connection, in the crew's list while it is served; and what
 * the worker has served, counted as it drops each one.
 */
struct crew_job {
	struct crew	*crew;
	struct crew_job	*prev, *next;
	int		fd;
	unsigned long long served;	/* under the crew's lock */
};

struct crew {
	pthread_mutex_t	lock;
	pthread_attr_t	attr;		/* the stack, and detached or not */
	int		live;		/* workers started and not yet ended */
	int		main_waits;	/* the main thread sleeps in crew_wait */
	int		cut;		/* crew_cut: connections end at once */
	struct crew_job	*jobs;		/* connections being served */
	int		word[2];	/* a pipe: a worker's word to the main thread */
	int		made;		/* what crew_init made: for crew_free */
};

/*
 * crew_init: an empty crew whose workers are detached (threadd) or are
 * to be joined.  0, or -1 with err and nothing made.
 */
int	crew_init(struct crew *c, int detached, char *err, size_t errlen);
/* crew_free: undo crew_init; a zeroed crew, or one it failed, has nothing. */
void	crew_free(struct crew *c);

/*
 * crew_block_signals: block every signal in the main thread, once it
 * runs the model: the workers it starts inherit that mask, and it lets
 * the server's signals in where it waits (the server's waitmask), as
 * before.
 */
void	crew_block_signals(void);

/*
 * crew_start: start a worker, fn(arg), with every signal blocked (after
 * crew_block_signals, the main thread's mask); when no
 * thread can be had, try again, CREW_TRIES times, logging the first.
 * Counted live until it calls crew_leave.  0, or -1 with errno.
 */
int	crew_start(struct crew *c, pthread_t *tid, void *(*fn)(void *),
	    void *arg);

/* crew_leave: the worker is done with the crew; its last call to it. */
void	crew_leave(struct crew *c);

/* crew_live: how many workers are live. */
int	crew_live(struct crew *c);

/*
 * crew_wait: in the main thread, sleep while still(arg) holds (it is
 * called under the crew's lock), until a worker tells or leaves, or a
 * signal comes (the server's mask is let in meanwhile).  Returns at once
 * when still(arg) does not hold; may return early: the caller loops.
 */
void	crew_wait(struct crew *c, const struct server *s,
	    int (*still)(void *arg), void *arg);

/* crew_tell: from a worker, wake the main thread if it sleeps in crew_wait. */
void	crew_tell(struct crew *c);

/*
 * crew_serve: serve the connection fd from peer (server_serve) as job j
 * of crew c: in the crew's list while it is served, so that crew_cut can
 * end it, and counted in j once it is over.
 */
void	crew_serve(struct crew *c, struct crew_job *j, struct server *s, int fd,
	    const struct sockaddr *peer, socklen_t peerlen);

/* crew_served: what job j has served. */
unsigned long long crew_served(struct crew *c, const struct crew_job *j);

/*
 * crew_cut: the server stops for good: every connection held is shut
 * down (its worker sees the end at once), and so is every one held later.
 */
void	crew_cut(struct crew *c);

#endif
