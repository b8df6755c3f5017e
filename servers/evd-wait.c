/*
 * evd-wait: the two ways evd waits for its descriptors, behind struct
 * backend.  epoll(7), where there is one, tells the kernel once what to
 * wait for and gets back only what is ready: a wait costs the same with
 * ten connections or ten thousand.  poll(2) hands the kernel the whole set
 * at every wait and scans all of it on return: its cost grows with the
 * connections open, idle or not.  Both are level-triggered, so a
 * connection that conn_step left ready is simply reported again.  Each
 * waits with the signals let in (epoll_pwait, ppoll), as pselect does.
 */
#define _GNU_SOURCE		/* ppoll: POSIX.1-2024, in Linux and the BSDs */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/epoll.h>
#endif

#include "evd.h"

/* poll: room for the set, made again for each wait, the listener first. */
static int
poll_init(struct evd *e)
{
	e->waiting = calloc((size_t)e->max + 1, sizeof(struct pollfd));
	return e->waiting == NULL ? -1 : 0;
}

static int
poll_watch(struct evd *e, struct watched *w, short events)
{
	(void)e;
	w->events = events;
	return 0;
}

/* Add w to the set, if it waits for anything; e->ready[i] is who fds[i] is. */
static void
poll_add(struct evd *e, struct pollfd *fds, nfds_t *n, struct watched *w)
{
	if (w->events == 0)
		return;
	fds[*n].fd = w->fd;
	fds[*n].events = w->events;
	fds[*n].revents = 0;
	e->ready[(*n)++] = w;
}

static int
poll_wait(struct evd *e, int timeout_ms, const sigset_t *mask)
{
	struct pollfd *fds = e->waiting;
	struct timespec ts = { timeout_ms / 1000, timeout_ms % 1000 * 1000000L };
	nfds_t n = 0, i;
	size_t k;
	int found;

	poll_add(e, fds, &n, &e->listener);
	for (k = 0; k < e->nopen; k++)
		poll_add(e, fds, &n, &e->open[k]->w);
	found = ppoll(fds, n, timeout_ms < 0 ? NULL : &ts, mask);
	if (found <= 0)
		return found;
	/* Keep those that are ready, in place: ready[k] <= ready[i]. */
	for (i = 0, k = 0; i < n; i++)
		if (fds[i].revents != 0)
			e->ready[k++] = e->ready[i];
	return (int)k;
}

static void
poll_fini(struct evd *e)
{
	free(e->waiting);
	e->waiting = NULL;
}

static const struct backend poll_backend = {
	"poll", poll_init, poll_watch, poll_wait, poll_fini
};

#ifdef __linux__
/* epoll: its descriptor, and room for what one wait returns. */
struct epoll_set {
	int		fd;
	int		room;
	struct epoll_event evs[];
};

static int
epoll_init(struct evd *e)
{
	/* The listener and every connection may be ready at once. */
	long long room = e->max + 1 < INT_MAX ? e->max + 1 : INT_MAX;
	struct epoll_set *set = malloc(sizeof *set +
	    (size_t)room * sizeof set->evs[0]);

	if (set == NULL)
		return -1;
	if ((set->fd = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		free(set);
		return -1;
	}
	set->room = (int)room;
	e->waiting = set;
	return 0;
}

static int
epoll_watch(struct evd *e, struct watched *w, short events)
{
	struct epoll_set *set = e->waiting;
	struct epoll_event ev;
	int op = w->events == 0 ? EPOLL_CTL_ADD : events == 0 ? EPOLL_CTL_DEL :
	    EPOLL_CTL_MOD;

	if (events == w->events)
		return 0;
	ev.events = ((events & POLLIN) ? EPOLLIN : 0) |
	    ((events & POLLOUT) ? EPOLLOUT : 0);
	ev.data.ptr = w;
	if (epoll_ctl(set->fd, op, w->fd, &ev) == -1)
		return -1;
	w->events = events;
	return 0;
}

static int
epoll_wait_ready(struct evd *e, int timeout_ms, const sigset_t *mask)
{
	struct epoll_set *set = e->waiting;
	int n, i;

	n = epoll_pwait(set->fd, set->evs, set->room, timeout_ms, mask);
	for (i = 0; i < n; i++)
		e->ready[i] = set->evs[i].data.ptr;
	return n;
}

static void
epoll_fini(struct evd *e)
{
	struct epoll_set *set = e->waiting;

	if (set == NULL)
		return;
	close(set->fd);
	free(set);
	e->waiting = NULL;
}

static const struct backend epoll_backend = {
	"epoll", epoll_init, epoll_watch, epoll_wait_ready, epoll_fini
};
#endif

/* The mechanisms there are, the default first. */
static const struct backend *const backends[] = {
#ifdef __linux__
	&epoll_backend,
#endif
	&poll_backend
};

const struct backend *
backend_find(const char *name)
{
	size_t i;

	if (name == NULL)
		return backends[0];
	for (i = 0; i < sizeof backends / sizeof backends[0]; i++)
		if (strcmp(name, backends[i]->name) == 0)
			return backends[i];
	return NULL;
}

const char *
backend_names(void)
{
#ifdef __linux__
	return "epoll, poll";
#else
	return "poll";
#endif
}
