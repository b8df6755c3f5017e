/*
 * preforkd-accept: the five ways the children of the pool take turns at
 * accept (UNIX Network Programming, chapter 30), each a struct strategy.
 *
 *   none       every child blocks in accept on the one listener; the kernel
 *              wakes one of them for each connection
 *   fcntl      a record lock on a file around accept (UNP 30.7)
 *   mutex      a process-shared, robust pthread mutex around accept (30.8)
 *   pass       the parent accepts and passes the descriptor to an idle child
 *              over a Unix socketpair (SCM_RIGHTS, 30.9)
 *   reuseport  a listener of its own per child, SO_REUSEPORT on one port;
 *              the kernel spreads the connections over them
 */
#define _GNU_SOURCE		/* MSG_CMSG_CLOEXEC, ppoll */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "net.h"
#include "preforkd.h"

/* Accept on fd in a child; the listener is blocking, the signals let in. */
static int
accept_on(struct pool *p, int fd, struct sockaddr *sa, socklen_t *len)
{
	return server_accept(p->server, fd, sa, len);
}

/*
 * fcntl, mutex: the lock is taken, or about to be given back.  Every turn
 * at the lock is counted, so that the parent can tell a holder that has
 * sat in accept since it last looked from one that has come back.
 */
static void
lock_taken(struct pool *p)
{
	atomic_fetch_add(&p->shared->lock_turns, 1);
	atomic_store(&p->shared->lock_holder, p->self);
}

static void
lock_giving(struct pool *p)
{
	atomic_store(&p->shared->lock_holder, 0);
}

/*
 * The children wait in accept itself, on a blocking listener (the
 * strategy asks the source for one), or in the lock before it.
 */
static int
children_accept_setup(struct pool *p, char *err, size_t errlen)
{
	(void)err, (void)errlen;
	p->server->accept_waits = 0;
	return 0;
}

/* --- none: every child in accept; Linux wakes only one per connection. --- */

static int
none_take(struct pool *p, int i, struct sockaddr *sa, socklen_t *len)
{
	(void)i;
	return server_term ? (errno = EINTR, -1) : accept_on(p, p->server->fd, sa, len);
}

/* --- fcntl: one child at a time in accept, by a lock on a file. --- */

static int
fcntl_setup(struct pool *p, char *err, size_t errlen)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];

	snprintf(path, sizeof path, "%s/preforkd.lock.XXXXXX",
	    dir != NULL && *dir != '\0' ? dir : "/tmp");
	if ((p->lock_fd = mkstemp(path)) == -1) {
		snprintf(err, errlen, "lock file %s: %s", path, strerror(errno));
		return -1;
	}
	/* Only the open descriptor is needed; no file is left behind. */
	unlink(path);
	return children_accept_setup(p, err, errlen);
}

/* Take or give the lock: F_WRLCK or F_UNLCK over the whole file. */
static int
fcntl_lock(int fd, short type)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET };

	return fcntl(fd, type == F_UNLCK ? F_SETLK : F_SETLKW, &fl);
}

static int
fcntl_take(struct pool *p, int i, struct sockaddr *sa, socklen_t *len)
{
	int fd, saved;

	(void)i;
	if (fcntl_lock(p->lock_fd, F_WRLCK) == -1)
		return -1;	/* EINTR: a signal while waiting for the lock */
	lock_taken(p);
	fd = server_term ? (errno = EINTR, -1) : accept_on(p, p->server->fd, sa, len);
	saved = errno;
	lock_giving(p);
	fcntl_lock(p->lock_fd, F_UNLCK);
	errno = saved;
	return fd;
}

static void
fcntl_teardown(struct pool *p)
{
	close(p->lock_fd);
}

/* --- mutex: the same, by a process-shared pthread mutex in shared memory. --- */

static int
mutex_setup(struct pool *p, char *err, size_t errlen)
{
	pthread_mutexattr_t attr;
	int rc;

	pthread_mutexattr_init(&attr);
	pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
	/* A child killed while it holds the lock must not wedge the pool. */
	pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
	rc = pthread_mutex_init(&p->shared->accept_mutex, &attr);
	pthread_mutexattr_destroy(&attr);
	if (rc != 0) {
		snprintf(err, errlen, "accept mutex: %s", strerror(rc));
		return -1;
	}
	return children_accept_setup(p, err, errlen);
}

/* Lock m, waiting at most half a second. */
static int
mutex_lock_briefly(pthread_mutex_t *m)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_nsec += 500 * 1000 * 1000;
	if (until.tv_nsec >= 1000 * 1000 * 1000) {
		until.tv_sec++;
		until.tv_nsec -= 1000 * 1000 * 1000;
	}
	return pthread_mutex_timedlock(m, &until);
}

static int
mutex_take(struct pool *p, int i, struct sockaddr *sa, socklen_t *len)
{
	pthread_mutex_t *m = &p->shared->accept_mutex;
	int fd, saved, rc;

	(void)i;
	/*
	 * pthread_mutex_lock cannot be interrupted; waiting a bounded time
	 * lets a child told to stop (SIGHUP) leave though a new child holds
	 * the lock in accept.
	 */
	rc = mutex_lock_briefly(m);
	if (rc == ETIMEDOUT) {
		errno = EINTR;
		return -1;
	}
	if (rc == EOWNERDEAD) {
		log_warning("accept mutex: its holder died; taking it over");
		pthread_mutex_consistent(m);
	} else if (rc != 0) {
		errno = rc;
		return -1;
	}
	lock_taken(p);
	fd = server_term ? (errno = EINTR, -1) : accept_on(p, p->server->fd, sa, len);
	saved = errno;
	lock_giving(p);
	pthread_mutex_unlock(m);
	errno = saved;
	return fd;
}

static void
mutex_teardown(struct pool *p)
{
	pthread_mutex_destroy(&p->shared->accept_mutex);
}

/* --- pass: the parent accepts, an idle child gets the descriptor. --- */

static int
pass_setup(struct pool *p, char *err, size_t errlen)
{
	int i;

	p->pass_fd = calloc((size_t)p->nslots, sizeof *p->pass_fd);
	p->idle = calloc((size_t)p->nslots, sizeof *p->idle);
	p->pollfds = calloc((size_t)p->nslots + 1, sizeof *p->pollfds);
	if (p->pass_fd == NULL || p->idle == NULL || p->pollfds == NULL) {
		snprintf(err, errlen, "pass: %s", strerror(errno));
		return -1;
	}
	for (i = 0; i < p->nslots; i++)
		p->pass_fd[i] = -1;
	/* The parent accepts only when it has an idle child to give to. */
	p->server->accept_waits = 0;
	return 0;
}

/* A socketpair per child: descriptors go down it, "idle" bytes come up. */
static int
pass_prepare(struct pool *p, int i, char *err, size_t errlen)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1) {
		snprintf(err, errlen, "socketpair: %s", strerror(errno));
		return -1;
	}
	p->pass_fd[i] = sv[0];
	p->child_fd = sv[1];
	p->idle[i] = 1;
	return 0;
}

/* The parent's end of this child's pair stays open in the parent only. */
static void
pass_child_init(struct pool *p, int i)
{
	int j;

	(void)i;
	for (j = 0; j < p->nslots; j++)
		if (p->pass_fd[j] != -1)
			close(p->pass_fd[j]);
	close(p->server->fd);
	p->server->fd = -1;
}

static void
pass_started(struct pool *p, int i)
{
	(void)i;
	close(p->child_fd);
	p->child_fd = -1;
}

/* Receive one descriptor; a signal does not stop a child that may have one queued. */
static int
pass_take(struct pool *p, int i, struct sockaddr *sa, socklen_t *len)
{
	union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } ctl;
	char byte;
	struct iovec iov = { &byte, 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
	    .msg_control = ctl.buf, .msg_controllen = sizeof ctl.buf };
	struct cmsghdr *cm;
	ssize_t n;
	int fd;

	(void)i;
	while ((n = recvmsg(p->child_fd, &msg, MSG_CMSG_CLOEXEC)) == -1 && errno == EINTR)
		continue;
	/*
	 * The parent closed our pair: no more work, finish.  A close that
	 * leaves our "idle" byte unread (a SIGHUP, a parent that died) makes
	 * the kernel report a reset instead of an end of file; the
	 * descriptors sent before are still received first, so none is lost.
	 */
	if (n == 0 || (n == -1 && errno == ECONNRESET)) {
		errno = ESHUTDOWN;
		return -1;
	}
	if (n == -1)
		return -1;
	cm = CMSG_FIRSTHDR(&msg);
	if (cm == NULL || cm->cmsg_type != SCM_RIGHTS) {
		errno = EBADMSG;
		return -1;
	}
	memcpy(&fd, CMSG_DATA(cm), sizeof fd);
	if (getpeername(fd, sa, len) == -1)
		*len = 0;
	net_set_nonblock(fd, 1);
	return fd;
}

/* Tell the parent this child is idle again. */
static void
pass_done(struct pool *p, int i)
{
	(void)i;
	while (write(p->child_fd, "", 1) == -1 && errno == EINTR)
		continue;
}

static void
pass_release(struct pool *p, int i)
{
	if (p->pass_fd[i] != -1)
		close(p->pass_fd[i]);
	p->pass_fd[i] = -1;
	p->idle[i] = 0;
}

/* Hand fd to child i; 0, or -1 if the child is gone. */
static int
pass_send(struct pool *p, int i, int fd)
{
	union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } ctl;
	struct iovec iov = { "", 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
	    .msg_control = ctl.buf, .msg_controllen = sizeof ctl.buf };
	struct cmsghdr *cm;
	ssize_t n;

	memset(&ctl, 0, sizeof ctl);
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof fd);
	while ((n = sendmsg(p->pass_fd[i], &msg, MSG_NOSIGNAL)) == -1 && errno == EINTR)
		continue;
	return n == 1 ? 0 : -1;
}

/* The first idle child, as UNP's parent looks for one (hence the skew). */
static int
pass_idle_child(const struct pool *p)
{
	int i;

	for (i = 0; i < p->nslots; i++)
		if (p->idle[i] && p->pass_fd[i] != -1)
			return i;
	return -1;
}

/* Read the "idle" bytes of child i; a closed pair means the child is gone. */
static void
pass_collect(struct pool *p, int i)
{
	char buf[64];
	ssize_t n = read(p->pass_fd[i], buf, sizeof buf);

	if (n > 0)
		p->idle[i] = 1;
	else if (n == 0)
		pass_release(p, i);
}

/* Accept and hand out what is pending, while there is an idle child. */
static void
pass_dispatch(struct pool *p)
{
	struct server *s = p->server;
	struct sockaddr_storage peer;
	socklen_t len;
	int i, fd;

	while ((i = pass_idle_child(p)) != -1) {
		len = sizeof peer;
		if ((fd = server_accept(s, s->fd, (struct sockaddr *)&peer, &len)) == -1)
			return;
		if (pass_send(p, i, fd) == -1)
			pass_release(p, i);
		else
			p->idle[i] = 0;
		close(fd);
	}
}

/*
 * The parent's loop of pass: the listener while a child is idle, and every
 * child's pair.  ppoll, not pselect: the pairs of a big pool pass FD_SETSIZE.
 */
static void
pass_parent_wait(struct pool *p, const struct timespec *timeout)
{
	struct server *s = p->server;
	struct pollfd *pfd = p->pollfds;
	int i, n = 0, listening;

	listening = s->fd != -1 && !server_term && pass_idle_child(p) != -1;
	pfd[n].fd = listening ? s->fd : -1;
	pfd[n++].events = POLLIN;
	for (i = 0; i < p->nslots; i++) {
		pfd[n].fd = p->pass_fd[i];
		pfd[n++].events = POLLIN;
	}
	if (ppoll(pfd, (nfds_t)n, timeout, &s->waitmask) <= 0)
		return;
	for (i = 0; i < p->nslots; i++)
		if (pfd[i + 1].revents != 0 && p->pass_fd[i] != -1)
			pass_collect(p, i);
	if (pfd[0].revents & POLLIN)
		pass_dispatch(p);
}

static void
pass_teardown(struct pool *p)
{
	int i;

	for (i = 0; i < p->nslots; i++)
		pass_release(p, i);
	free(p->pass_fd);
	free(p->idle);
	free(p->pollfds);
}

/* --- reuseport: a listener per child; the kernel picks one per connection. --- */

static void
reuseport_child_init(struct pool *p, int i)
{
	const struct source *src = &p->server->src;
	int j;

	for (j = 0; j < src->n; j++)
		if (j != i)
			close(src->fd[j]);
}

static int
reuseport_take(struct pool *p, int i, struct sockaddr *sa, socklen_t *len)
{
	return accept_on(p, p->server->src.fd[i], sa, len);
}

static const struct strategy strategies[] = {
	{ .name = "none", .blocking = 1, .setup = children_accept_setup,
	  .take = none_take },
	{ .name = "fcntl", .accept_lock = 1, .blocking = 1, .setup = fcntl_setup,
	  .take = fcntl_take, .teardown = fcntl_teardown },
	{ .name = "mutex", .accept_lock = 1, .blocking = 1, .setup = mutex_setup,
	  .take = mutex_take, .teardown = mutex_teardown },
	{ .name = "pass", .setup = pass_setup, .prepare = pass_prepare,
	  .started = pass_started, .child_init = pass_child_init,
	  .take = pass_take, .done = pass_done,
	  .release = pass_release, .parent_wait = pass_parent_wait,
	  .teardown = pass_teardown },
	{ .name = "reuseport", .per_child = 1, .blocking = 1,
	  .setup = children_accept_setup, .child_init = reuseport_child_init,
	  .take = reuseport_take },
};

const struct strategy *
strategy_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof strategies / sizeof strategies[0]; i++)
		if (strcmp(strategies[i].name, name) == 0)
			return &strategies[i];
	return NULL;
}

const char *
strategy_names(void)
{
	return "none, fcntl, mutex, pass, reuseport";
}
