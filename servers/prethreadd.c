/*
 * prethreadd: a pool of threads made in advance (UNIX Network Programming,
 * 30.11 and 30.12).  -n threads are started at once and serve until the
 * server stops, taking turns at the connections by the strategy of -l:
 *
 *   none    every thread blocks in accept on the one listener; the kernel
 *           wakes one of them for each connection (the book's serv09)
 *   mutex   a pthread mutex around accept: one thread at a time waits
 *           in it (30.11, Figure 30.27)
 *   main    the main thread accepts and hands each descriptor to the pool
 *           through a bounded queue, a mutex and a condition variable;
 *           while the queue is full it stops accepting (30.12)
 *
 * The main thread alone takes the signals (crew.h): SIGUSR1 reports how
 * the connections spread over the threads, as preforkd does (Figure
 * 30.2); SIGTERM stops the pool, letting each thread finish its client
 * (bounded by -t); a second SIGTERM ends those connections at once.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crew.h"
#include "log.h"
#include "opt.h"
#include "server.h"

#define PRETHREADD_THREADS	8	/* -n */
#define PRETHREADD_STRATEGY	"none"	/* -l */

struct prethreadd;

/* One thread of the pool. */
struct worker {
	struct crew_job		job;	/* its connection, and its count */
	struct prethreadd	*pt;
	int			index;
	pthread_t		tid;
};

/* A connection accepted by the main thread, waiting for a thread (main). */
struct handoff {
	int			fd;
	struct sockaddr_storage	peer;
	socklen_t		peerlen;
};

/* How the threads of the pool get their connections. */
struct strategy {
	const char	*name;
	/* 1: the main thread accepts (a non-blocking listener); else the threads. */
	int		main_accepts;
	/*
	 * In a thread: the next connection, or -1 when the pool stops (or
	 * accept failed: then it is logged, and pt->failed set).
	 */
	int		(*take)(struct worker *w, struct handoff *h);
};

/* prethreadd's state: its options, and the pool made from them. */
struct prethreadd {
	long long		nthreads;	/* -n */
	const struct strategy	*strategy;	/* -l */
	struct server		*server;
	struct crew		crew;		/* zeroed: crew_free finds nothing made */
	struct worker		*workers;
	int			nstarted;
	/* Under the crew's lock. */
	int			stopping;	/* the threads are to end */
	int			failed;		/* a thread's accept failed */
	/* mutex: held around accept. */
	pthread_mutex_t		accept_lock;
	int			accept_lock_made;
	/* main: the queue, under the crew's lock; nonempty waits on it. */
	pthread_cond_t		nonempty;
	int			nonempty_made;
	struct handoff		*queue;
	int			qhead, qcount, qroom;
};

/* Is the pool stopping?  Under the crew's lock. */
static int
stopping(struct prethreadd *pt)
{
	int stop;

	pthread_mutex_lock(&pt->crew.lock);
	stop = pt->stopping;
	pthread_mutex_unlock(&pt->crew.lock);
	return stop;
}

/* A thread's accept failed for good: say so; the main thread stops the pool. */
static int
take_failed(struct worker *w, int err)
{
	struct prethreadd *pt = w->pt;

	pthread_mutex_lock(&pt->crew.lock);
	pt->failed = 1;
	pthread_mutex_unlock(&pt->crew.lock);
	log_error("thread %d: accept: %s", w->index, strerror(err));
	return -1;
}

/*
 * none: accept on the blocking listener.  The pool stops by shutdown(2) of
 * the listener, which wakes every thread in accept (EINVAL, on Linux).
 */
static int
none_take(struct worker *w, struct handoff *h)
{
	struct prethreadd *pt = w->pt;
	int fd;

	for (;;) {
		if (stopping(pt))
			return -1;
		h->peerlen = sizeof h->peer;
		fd = server_accept(pt->server, pt->server->fd,
		    (struct sockaddr *)&h->peer, &h->peerlen);
		if (fd != -1) {
			h->fd = fd;
			return fd;
		}
		if (stopping(pt))
			return -1;
		if (errno != EINTR)
			return take_failed(w, errno);
	}
}

/* mutex: the same, one thread at a time. */
static int
mutex_take(struct worker *w, struct handoff *h)
{
	int fd;

	pthread_mutex_lock(&w->pt->accept_lock);
	fd = none_take(w, h);
	pthread_mutex_unlock(&w->pt->accept_lock);
	return fd;
}

/* main: the next connection in the queue; -1 once the pool stops and it is empty. */
static int
main_take(struct worker *w, struct handoff *h)
{
	struct prethreadd *pt = w->pt;
	int was_full;

	pthread_mutex_lock(&pt->crew.lock);
	while (pt->qcount == 0 && !pt->stopping)
		pthread_cond_wait(&pt->nonempty, &pt->crew.lock);
	if (pt->qcount == 0) {
		pthread_mutex_unlock(&pt->crew.lock);
		return -1;
	}
	*h = pt->queue[pt->qhead];
	pt->qhead = (pt->qhead + 1) % pt->qroom;
	was_full = pt->qcount-- == pt->qroom;
	pthread_mutex_unlock(&pt->crew.lock);
	if (was_full)
		crew_tell(&pt->crew);	/* the main thread may accept again */
	return h->fd;
}

static const struct strategy strategies[] = {
	{ "none", 0, none_take },
	{ "mutex", 0, mutex_take },
	{ "main", 1, main_take },
};
#define NSTRATEGIES	(sizeof strategies / sizeof strategies[0])

static const struct strategy *
strategy_find(const char *name)
{
	size_t i;

	for (i = 0; i < NSTRATEGIES; i++)
		if (strcmp(strategies[i].name, name) == 0)
			return &strategies[i];
	return NULL;
}

/* A thread's life: take a connection, serve it; until the pool stops. */
static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct prethreadd *pt = w->pt;
	struct handoff h;

	while (pt->strategy->take(w, &h) != -1)
		crew_serve(&pt->crew, &w->job, pt->server, h.fd,
		    (struct sockaddr *)&h.peer, h.peerlen);
	crew_leave(&pt->crew);
	return NULL;
}

static int
prethreadd_option(void *ctx, int opt, const char *arg, char *why, size_t whylen)
{
	struct prethreadd *pt = ctx;

	if (opt == 'n')
		return opt_num(opt, arg, 1, 4096, &pt->nthreads, why, whylen);
	if ((pt->strategy = strategy_find(arg)) == NULL) {
		snprintf(why, whylen, "unknown strategy '%s' (none, mutex, main)",
		    arg);
		return -1;
	}
	return 0;
}

/* The threads wait in accept on a blocking listener; the main thread polls its own. */
static void
prethreadd_want(void *ctx, struct source_want *w)
{
	const struct prethreadd *pt = ctx;

	w->blocking = !pt->strategy->main_accepts;
}

/*
 * Before the server detaches or drops privileges: the pool's structures
 * (its threads start in run, after the fork of -d).  0, or -1 with err.
 */
static int
prethreadd_open(void *ctx, struct server *s, char *err, size_t errlen)
{
	struct prethreadd *pt = ctx;
	int i;

	pt->server = s;
	/* The threads accept without waiting in pselect: no signal is theirs. */
	s->accept_waits = pt->strategy->main_accepts;
	if (crew_init(&pt->crew, 0, err, errlen) == -1)
		return -1;
	pt->workers = calloc((size_t)pt->nthreads, sizeof *pt->workers);
	pt->qroom = (int)pt->nthreads;
	if (pt->strategy->main_accepts)
		pt->queue = calloc((size_t)pt->qroom, sizeof *pt->queue);
	if (pt->workers == NULL || (pt->strategy->main_accepts && pt->queue == NULL)) {
		snprintf(err, errlen, "pool: %s", strerror(errno));
		return -1;
	}
	for (i = 0; i < pt->nthreads; i++) {
		pt->workers[i].pt = pt;
		pt->workers[i].index = i;
		pt->workers[i].job.fd = -1;
	}
	if ((errno = pthread_mutex_init(&pt->accept_lock, NULL)) != 0) {
		snprintf(err, errlen, "pool: %s", strerror(errno));
		return -1;
	}
	pt->accept_lock_made = 1;
	if ((errno = pthread_cond_init(&pt->nonempty, NULL)) != 0) {
		snprintf(err, errlen, "pool: %s", strerror(errno));
		return -1;
	}
	pt->nonempty_made = 1;
	return 0;
}

static void
prethreadd_close(void *ctx, struct server *s)
{
	struct prethreadd *pt = ctx;

	(void)s;
	if (pt->nonempty_made)
		pthread_cond_destroy(&pt->nonempty);
	if (pt->accept_lock_made)
		pthread_mutex_destroy(&pt->accept_lock);
	crew_free(&pt->crew);
	free(pt->queue);
	free(pt->workers);
	pt->nonempty_made = pt->accept_lock_made = 0;
	pt->queue = NULL;
	pt->workers = NULL;
}

/* "thread 3: 1250 connections", a line per thread, then the total. */
static unsigned long long
report(struct prethreadd *pt)
{
	unsigned long long n, total = 0;
	int i;

	for (i = 0; i < pt->nthreads; i++) {
		n = crew_served(&pt->crew, &pt->workers[i].job);
		total += n;
		log_info("thread %d: %llu connection%s", i, n, n == 1 ? "" : "s");
	}
	log_info("%llu connection%s in all, %s strategy", total,
	    total == 1 ? "" : "s", pt->strategy->name);
	return total;
}

/* crew_wait's conditions, under the crew's lock. */
static int
queue_full(void *arg)
{
	const struct prethreadd *pt = arg;

	return pt->qcount == pt->qroom;
}

static int
pool_whole(void *arg)
{
	const struct prethreadd *pt = arg;

	return pt->crew.live == pt->nstarted && !pt->failed;
}

static int
any_live(void *arg)
{
	const struct prethreadd *pt = arg;

	return pt->crew.live > 0;
}

/* main: accept one connection into the queue, or wait for room or a signal. */
static int
accept_into_queue(struct prethreadd *pt, struct server *s)
{
	struct handoff h;
	int tail;

	pthread_mutex_lock(&pt->crew.lock);
	if (pt->qcount == pt->qroom) {
		pthread_mutex_unlock(&pt->crew.lock);
		crew_wait(&pt->crew, s, queue_full, pt);
		return 0;
	}
	pthread_mutex_unlock(&pt->crew.lock);
	h.peerlen = sizeof h.peer;
	if ((h.fd = server_accept(s, s->fd, (struct sockaddr *)&h.peer,
	    &h.peerlen)) == -1)
		return errno == EINTR ? 0 : -1;
	/* Only the main thread fills the queue: there is room still. */
	pthread_mutex_lock(&pt->crew.lock);
	tail = (pt->qhead + pt->qcount++) % pt->qroom;
	pt->queue[tail] = h;
	pthread_cond_signal(&pt->nonempty);
	pthread_mutex_unlock(&pt->crew.lock);
	return 0;
}

/* Serve until SIGTERM, or until a thread fails; 0, or -1 if one failed. */
static int
keep_pool(struct prethreadd *pt, struct server *s)
{
	while (!server_term) {
		if (server_usr1) {
			server_usr1 = 0;
			report(pt);
		}
		pthread_mutex_lock(&pt->crew.lock);
		if (!pool_whole(pt)) {
			pthread_mutex_unlock(&pt->crew.lock);
			log_error("a thread of the pool failed; stopping");
			return -1;
		}
		pthread_mutex_unlock(&pt->crew.lock);
		if (!pt->strategy->main_accepts)
			crew_wait(&pt->crew, s, pool_whole, pt);
		else if (accept_into_queue(pt, s) == -1) {
			log_error("accept: %s; stopping", strerror(errno));
			return -1;
		}
	}
	return 0;
}

/*
 * Stop: the threads are told, and those in accept woken; each finishes
 * its client (with main, the queue is served first); a second SIGTERM
 * ends the connections at once.  Then every thread is joined.
 */
static void
stop_pool(struct prethreadd *pt, struct server *s)
{
	int i, cut = 0;

	pthread_mutex_lock(&pt->crew.lock);
	pt->stopping = 1;
	pthread_cond_broadcast(&pt->nonempty);
	pthread_mutex_unlock(&pt->crew.lock);
	if (!pt->strategy->main_accepts)
		shutdown(s->fd, SHUT_RDWR);
	while (crew_live(&pt->crew) > 0) {
		if (server_term > 1 && !cut) {
			crew_cut(&pt->crew);
			cut = 1;
		}
		if (server_usr1) {
			server_usr1 = 0;
			report(pt);
		}
		crew_wait(&pt->crew, s, any_live, pt);
	}
	for (i = 0; i < pt->nstarted; i++)
		pthread_join(pt->workers[i].tid, NULL);
}

static int
prethreadd_run(void *ctx, struct server *s)
{
	struct prethreadd *pt = ctx;
	int failed = 0;

	crew_block_signals();
	for (pt->nstarted = 0; pt->nstarted < pt->nthreads; pt->nstarted++)
		if (crew_start(&pt->crew, &pt->workers[pt->nstarted].tid,
		    worker_main, &pt->workers[pt->nstarted]) == -1) {
			log_error("pthread_create: %s", strerror(errno));
			failed = 1;
			break;
		}
	if (!failed && keep_pool(pt, s) == -1)
		failed = 1;
	stop_pool(pt, s);
	s->served = report(pt);
	return failed;
}

static const struct opt_doc prethreadd_opts[] = {
	{ 'l', "strategy", "how the threads take turns at the connections: "
	    "none, mutex or main (default: " PRETHREADD_STRATEGY ")" },
	{ 'n', "threads", "the threads in the pool (default: "
	    OPT_STR(PRETHREADD_THREADS) ")" },
	{ 0, NULL, NULL }
};

static const struct server_model prethreadd = {
	.name = "prethreadd",
	.socktype = SOCK_STREAM,
	.default_addr = "9877",
	.what = "a TCP server with a pool of threads made in advance",
	.opts = prethreadd_opts,
	.option = prethreadd_option,
	.want = prethreadd_want,
	.open = prethreadd_open,
	.run = prethreadd_run,
	.close = prethreadd_close,
};

int
main(int argc, char **argv)
{
	struct prethreadd pt = { .nthreads = PRETHREADD_THREADS,
	    .strategy = strategy_find(PRETHREADD_STRATEGY) };

	return server_main(argc, argv, &prethreadd, &pt);
}
