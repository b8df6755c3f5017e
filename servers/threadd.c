/*
 * threadd: a thread per connection (UNIX Network Programming, 30.10).  The
 * main thread accepts, and starts a detached thread for each connection,
 * which serves it and ends.  At -m threads the main thread stops accepting
 * until one ends: the pending clients wait in the listen queue.  The main
 * thread alone takes the signals (crew.h): the first SIGTERM stops
 * accepting and lets the threads finish, each bounded by -t; a second one
 * ends their connections at once.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crew.h"
#include "log.h"
#include "opt.h"
#include "server.h"

#define THREADD_MAX	1024	/* -m: threads at once */
#define THREADD_SPARE	64	/* ended threads' jobs kept for the next */

/* One connection and the thread that serves it. */
struct tjob {
	struct crew_job	job;		/* first: the crew's view of it */
	struct threadd	*t;
	struct sockaddr_storage peer;
	socklen_t	peerlen;
	struct tjob	*next_spare;
};

/* threadd's state. */
struct threadd {
	long long	max;		/* -m */
	struct server	*server;
	struct crew	crew;		/* zeroed: crew_free finds nothing made */
	/* Jobs of ended threads, kept for the next: under the crew's lock. */
	struct tjob	*spare;
	int		nspare;
};

static int
threadd_option(void *ctx, int opt, const char *arg, char *why, size_t whylen)
{
	struct threadd *t = ctx;

	return opt_num(opt, arg, 1, 65536, &t->max, why, whylen);
}

/* A job for the next connection: a spare one, or a new one.  NULL: no memory. */
static struct tjob *
job_get(struct threadd *t)
{
	struct tjob *j;

	pthread_mutex_lock(&t->crew.lock);
	if ((j = t->spare) != NULL) {
		t->spare = j->next_spare;
		t->nspare--;
	}
	pthread_mutex_unlock(&t->crew.lock);
	if (j == NULL && (j = calloc(1, sizeof *j)) != NULL)
		j->t = t;
	return j;
}

/* Keep an ended thread's job for the next, up to THREADD_SPARE; crew's lock held. */
static void
job_put_locked(struct threadd *t, struct tjob *j)
{
	if (t->nspare < THREADD_SPARE) {
		j->next_spare = t->spare;
		t->spare = j;
		t->nspare++;
	} else
		free(j);
}

/* The thread of one connection: serve it, then leave the crew. */
static void *
serve_one(void *arg)
{
	struct tjob *j = arg;
	struct threadd *t = j->t;
	int fd = j->job.fd;

	crew_serve(&t->crew, &j->job, t->server, fd,
	    (struct sockaddr *)&j->peer, j->peerlen);
	pthread_mutex_lock(&t->crew.lock);
	job_put_locked(t, j);
	pthread_mutex_unlock(&t->crew.lock);
	crew_leave(&t->crew);
	return NULL;
}

/* Serve the connection fd in a thread of its own; or let it go. */
static void
spawn(struct threadd *t, struct server *s, int fd,
    const struct sockaddr_storage *peer, socklen_t len)
{
	struct tjob *j = job_get(t);

	if (j == NULL) {
		log_error("thread: %s; a client was let go", strerror(errno));
		close(fd);
		return;
	}
	j->job.fd = fd;
	j->peer = *peer;
	j->peerlen = len;
	if (crew_start(&t->crew, NULL, serve_one, j) == -1) {
		log_error("pthread_create: %s; a client was let go",
		    strerror(errno));
		close(fd);
		pthread_mutex_lock(&t->crew.lock);
		job_put_locked(t, j);
		pthread_mutex_unlock(&t->crew.lock);
		return;
	}
	s->served++;
}

static int
threadd_open(void *ctx, struct server *s, char *err, size_t errlen)
{
	struct threadd *t = ctx;

	t->server = s;
	return crew_init(&t->crew, 1, err, errlen);
}

static void
threadd_close(void *ctx, struct server *s)
{
	struct threadd *t = ctx;
	struct tjob *j;

	(void)s;
	while ((j = t->spare) != NULL) {
		t->spare = j->next_spare;
		free(j);
	}
	crew_free(&t->crew);
}

/* crew_wait's conditions, under the crew's lock: are -m threads live?  any? */
static int
at_max(void *arg)
{
	const struct threadd *t = arg;

	return t->crew.live >= t->max;
}

static int
any_live(void *arg)
{
	const struct threadd *t = arg;

	return t->crew.live > 0;
}

static int
threadd_run(void *ctx, struct server *s)
{
	struct threadd *t = ctx;
	struct sockaddr_storage peer;
	socklen_t len;
	int fd, cut = 0, failed = 0;

	crew_block_signals();
	/* Until told to stop, and then until every thread has ended. */
	while (!(server_term || failed) || crew_live(&t->crew) > 0) {
		if (server_term > 1 && !cut) {
			crew_cut(&t->crew);
			cut = 1;
		}
		if (server_term || failed) {
			crew_wait(&t->crew, s, any_live, t);
			continue;
		}
		if (crew_live(&t->crew) >= t->max) {
			crew_wait(&t->crew, s, at_max, t);
			continue;
		}
		len = sizeof peer;
		fd = server_accept(s, s->fd, (struct sockaddr *)&peer, &len);
		if (fd != -1)
			spawn(t, s, fd, &peer, len);
		else if (errno != EINTR) {
			log_error("accept: %s; waiting for the threads",
			    strerror(errno));
			failed = 1;
		}
	}
	return failed;
}

static const struct opt_doc threadd_opts[] = {
	{ 'm', "max", "threads at once; then clients wait in the listen queue "
	    "(default: " OPT_STR(THREADD_MAX) ")" },
	{ 0, NULL, NULL }
};

static const struct server_model threadd = {
	.name = "threadd",
	.socktype = SOCK_STREAM,
	.default_addr = "9877",
	.what = "a TCP server that starts a thread for each connection",
	.opts = threadd_opts,
	.option = threadd_option,
	.open = threadd_open,
	.run = threadd_run,
	.close = threadd_close,
};

int
main(int argc, char **argv)
{
	struct threadd t = { .max = THREADD_MAX };

	return server_main(argc, argv, &threadd, &t);
}
