/* crew: what the thread models share; see crew.h. */
#define _GNU_SOURCE		/* ppoll, pipe2: POSIX.1-2024, in Linux and the BSDs */
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crew.h"
#include "log.h"

enum { MADE_LOCK = 1, MADE_ATTR = 2, MADE_WORD = 4 };

int
crew_init(struct crew *c, int detached, char *err, size_t errlen)
{
	int rc;

	memset(c, 0, sizeof *c);
	c->word[0] = c->word[1] = -1;
	if ((rc = pthread_mutex_init(&c->lock, NULL)) != 0)
		goto fail;
	c->made |= MADE_LOCK;
	if ((rc = pthread_attr_init(&c->attr)) != 0)
		goto fail;
	c->made |= MADE_ATTR;
	if ((rc = pthread_attr_setstacksize(&c->attr, CREW_STACK)) != 0 ||
	    (rc = pthread_attr_setdetachstate(&c->attr, detached ?
	    PTHREAD_CREATE_DETACHED : PTHREAD_CREATE_JOINABLE)) != 0)
		goto fail;
	if (pipe2(c->word, O_NONBLOCK | O_CLOEXEC) == -1) {
		rc = errno;
		goto fail;
	}
	c->made |= MADE_WORD;
	return 0;
fail:
	snprintf(err, errlen, "threads: %s", strerror(rc));
	crew_free(c);
	return -1;
}

void
crew_free(struct crew *c)
{
	if (c->made & MADE_WORD) {
		close(c->word[0]);
		close(c->word[1]);
	}
	if (c->made & MADE_ATTR)
		pthread_attr_destroy(&c->attr);
	if (c->made & MADE_LOCK)
		pthread_mutex_destroy(&c->lock);
	c->made = 0;
}

void
crew_block_signals(void)
{
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
}

int
crew_start(struct crew *c, pthread_t *tid, void *(*fn)(void *), void *arg)
{
	struct timespec pause = { 0, 100 * 1000 * 1000 };
	pthread_t ignored;
	int rc, tries;

	/* Live before it runs: it may leave before pthread_create returns. */
	pthread_mutex_lock(&c->lock);
	c->live++;
	pthread_mutex_unlock(&c->lock);
	for (tries = 1; (rc = pthread_create(tid != NULL ? tid : &ignored,
	    &c->attr, fn, arg)) == EAGAIN &&
	    tries < CREW_TRIES; tries++) {
		if (tries == 1)
			log_error("pthread_create: %s; trying again", strerror(rc));
		nanosleep(&pause, NULL);
	}
	if (rc == 0)
		return 0;
	pthread_mutex_lock(&c->lock);
	c->live--;
	pthread_mutex_unlock(&c->lock);
	errno = rc;
	return -1;
}

/* Under the lock: wake the main thread if it sleeps in crew_wait. */
static void
tell_locked(struct crew *c)
{
	if (c->main_waits) {
		c->main_waits = 0;
		(void)!write(c->word[1], "", 1);
	}
}

void
crew_tell(struct crew *c)
{
	pthread_mutex_lock(&c->lock);
	tell_locked(c);
	pthread_mutex_unlock(&c->lock);
}

void
crew_leave(struct crew *c)
{
	pthread_mutex_lock(&c->lock);
	c->live--;
	tell_locked(c);
	pthread_mutex_unlock(&c->lock);
}

int
crew_live(struct crew *c)
{
	int live;

	pthread_mutex_lock(&c->lock);
	live = c->live;
	pthread_mutex_unlock(&c->lock);
	return live;
}

void
crew_wait(struct crew *c, const struct server *s, int (*still)(void *arg),
    void *arg)
{
	struct pollfd pfd = { .fd = c->word[0], .events = POLLIN };
	struct timespec tick = { 0, SERVER_TSAN_TICK_MS * 1000000L };
	char drain[64];

	pthread_mutex_lock(&c->lock);
	if (!still(arg)) {
		pthread_mutex_unlock(&c->lock);
		return;
	}
	c->main_waits = 1;
	pthread_mutex_unlock(&c->lock);
	/* A word written since the flag was set is in the pipe: none is lost. */
	ppoll(&pfd, 1, SERVER_TSAN ? &tick : NULL, &s->waitmask);
	while (read(c->word[0], drain, sizeof drain) > 0)
		continue;
	pthread_mutex_lock(&c->lock);
	c->main_waits = 0;
	pthread_mutex_unlock(&c->lock);
}

/* Job j serves fd from now on; if the crew has been cut, fd ends at once. */
static void
hold(struct crew *c, struct crew_job *j, int fd)
{
	pthread_mutex_lock(&c->lock);
	j->crew = c;
	j->fd = fd;
	j->prev = NULL;
	j->next = c->jobs;
	if (c->jobs != NULL)
		c->jobs->prev = j;
	c->jobs = j;
	if (c->cut)
		shutdown(fd, SHUT_RDWR);
	pthread_mutex_unlock(&c->lock);
}

/* The connection of job arg is over, its descriptor not yet closed: forget it. */
static void
drop(void *arg)
{
	struct crew_job *j = arg;
	struct crew *c = j->crew;

	pthread_mutex_lock(&c->lock);
	if (j->prev != NULL)
		j->prev->next = j->next;
	else
		c->jobs = j->next;
	if (j->next != NULL)
		j->next->prev = j->prev;
	j->prev = j->next = NULL;
	j->fd = -1;
	j->served++;
	pthread_mutex_unlock(&c->lock);
}

void
crew_serve(struct crew *c, struct crew_job *j, struct server *s, int fd,
    const struct sockaddr *peer, socklen_t peerlen)
{
	hold(c, j, fd);
	server_serve_then(s, fd, peer, peerlen, drop, j);
}

unsigned long long
crew_served(struct crew *c, const struct crew_job *j)
{
	unsigned long long n;

	pthread_mutex_lock(&c->lock);
	n = j->served;
	pthread_mutex_unlock(&c->lock);
	return n;
}

void
crew_cut(struct crew *c)
{
	struct crew_job *j;

	pthread_mutex_lock(&c->lock);
	c->cut = 1;
	for (j = c->jobs; j != NULL; j = j->next)
		shutdown(j->fd, SHUT_RDWR);
	pthread_mutex_unlock(&c->lock);
}
