/*
 * held: loadcli -H, idle connections held open beside the load; see
 * held.h.  The holder connects without blocking, HELD_INFLIGHT at a time,
 * so that a burst of thousands does not overflow the server's queue of
 * half-open connections, then polls every connection it made until
 * loadcli shuts down its end of their socket pair.  Whatever a server
 * sends on a held connection is read and dropped; an end of file or a
 * reset is a connection the server closed.
 */
#define _DEFAULT_SOURCE		/* MAP_ANONYMOUS */
#include <sys/types.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "child.h"
#include "exchange.h"
#include "held.h"
#include "io.h"
#include "log.h"
#include "net.h"

#define HELD_INFLIGHT	64	/* connects in progress at once */
#define HELD_SLACK	32	/* descriptors beside the connections */
#define HELD_LOOK_MS	1000	/* how often the holder looks for its parent */
#define HELD_STOP_MS	10000	/* for the holder to end, before SIGKILL */
#define HELD_READS	16	/* reads of a held connection at a time */

/* Why a connection was not made. */
static const enum outcome failures[] = { REFUSED, RESET, TIMED_OUT, OTHER };
#define NFAILURES	(sizeof failures / sizeof failures[0])

/*
 * In memory shared with the holder, which alone writes the counts; loadcli
 * keeps its own part after them.
 */
struct held {
	long long	asked;			/* -H */
	long long	connected;		/* connections made */
	long long	failed[NOUTCOMES];	/* not made, by kind (failures) */
	long long	closed;			/* made, then closed by the server */
	long long	bytes;			/* the server sent, read and dropped */
	long long	connect_us;		/* until every connect was done */
	int		other_errno;		/* of the first OTHER */
	/* loadcli's */
	pid_t		pid;			/* the holder, 0 once reaped */
	int		status;			/* its waitpid status, once reaped */
	int		sock;			/* loadcli's end of the pair */
};

/* The holder's own state. */
struct holder {
	struct held	*h;
	const struct addrinfo *ai;
	pid_t		parent;
	long long	start_us;
	long long	next;			/* the next connection to open, from 1 */
	/* [0] the pair; [1..asked] the connections made, -1 for the others */
	struct pollfd	*conn;
	/* [0] the pair; [1..nfly] the connects in progress, fly[j] for conn[at[j]] */
	struct pollfd	fly[1 + HELD_INFLIGHT];
	long long	at[1 + HELD_INFLIGHT];
	int		nfly;
	char		buf[65536];
};

/* Count a connection not made, for errno e. */
static void
not_made(struct held *h, int e)
{
	enum outcome o = exchange_failure(e);

	if (o == OTHER && h->other_errno == 0)
		h->other_errno = e;
	h->failed[o]++;
}

/* Begin connection i: into fly (one made at once too: poll says so), or not made. */
static void
connect_one(struct holder *k, long long i)
{
	const struct addrinfo *ai = k->ai;
	int fd, e;

	if ((fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		not_made(k->h, errno);
		return;
	}
	/* A non-blocking connect interrupted goes on all the same. */
	if (net_set_nonblock(fd, 1) == 0 &&
	    (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 ||
	    errno == EINPROGRESS || errno == EINTR)) {
		k->nfly++;
		k->fly[k->nfly] = (struct pollfd){ .fd = fd, .events = POLLOUT };
		k->at[k->nfly] = i;
		return;
	}
	e = errno;
	close(fd);
	not_made(k->h, e);
}

/* fly[j] is done: made (into conn) or not; its slot takes the last one. */
static void
connect_done(struct holder *k, int j)
{
	socklen_t len = sizeof(int);
	int fd = k->fly[j].fd, e = 0;

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) == -1)
		e = errno;
	if (e == 0) {
		k->conn[k->at[j]].fd = fd;
		k->h->connected++;
	} else {
		close(fd);
		not_made(k->h, e);
	}
	k->fly[j] = k->fly[k->nfly];
	k->at[j] = k->at[k->nfly];
	k->nfly--;
}

/*
 * Poll fds, [0] the pair, for HELD_LOOK_MS at most.  Returns 1 if loadcli
 * said stop (anything on the pair, or its end) or is gone, 0 to take the
 * events, or -1 on an error.
 */
static int
holder_poll(const struct holder *k, struct pollfd *fds, nfds_t n)
{
	nfds_t i;

	if (poll(fds, n, HELD_LOOK_MS) == -1) {
		if (errno != EINTR) {
			log_error("holder: poll: %s", strerror(errno));
			return -1;
		}
		for (i = 0; i < n; i++)		/* an interrupted poll sets none */
			fds[i].revents = 0;
	}
	return (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0 ||
	    getppid() != k->parent;
}

/*
 * Open every connection, HELD_INFLIGHT at a time.  Returns 0 once each is
 * made or has failed, 1 if told to stop first, -1 on an error.
 */
static int
connect_all(struct holder *k)
{
	int j, r;

	for (;;) {
		while (k->nfly < HELD_INFLIGHT && k->next <= k->h->asked)
			connect_one(k, k->next++);
		if (k->nfly == 0)
			return 0;
		if ((r = holder_poll(k, k->fly, (nfds_t)k->nfly + 1)) != 0)
			return r;
		/* Downwards: the last one, moved into a slot done, was seen. */
		for (j = k->nfly; j >= 1; j--)
			if (k->fly[j].revents != 0)
				connect_done(k, j);
	}
}

/* Read what connection i has for us; count it closed at its end or a reset. */
static void
take(struct holder *k, long long i)
{
	ssize_t n = 0;
	int r;

	for (r = 0; r < HELD_READS; r++) {
		if ((n = recv(k->conn[i].fd, k->buf, sizeof k->buf, 0)) <= 0)
			break;
		k->h->bytes += n;
	}
	if (n > 0 || (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR)))
		return;
	close(k->conn[i].fd);
	k->conn[i].fd = -1;
	k->h->closed++;
}

/* Take what every connection with events has for us. */
static void
take_all(struct holder *k)
{
	long long i;

	for (i = 1; i <= k->h->asked; i++)
		if (k->conn[i].fd != -1 && k->conn[i].revents != 0)
			take(k, i);
}

/* Hold the connections until told to stop.  Returns 1, or -1 on an error. */
static int
hold(struct holder *k)
{
	int r;

	while ((r = holder_poll(k, k->conn, (nfds_t)k->h->asked + 1)) == 0)
		take_all(k);
	return r;
}

/*
 * The end: a last look for connections the server closed, then every
 * connection closed.  Those still in progress, or never begun, were not
 * made in time.
 */
static void
finish(struct holder *k)
{
	long long i;

	if (poll(k->conn + 1, (nfds_t)k->h->asked, 0) > 0)
		take_all(k);
	k->h->failed[TIMED_OUT] += k->nfly + (k->h->asked - k->next + 1);
	while (k->nfly > 0)
		close(k->fly[k->nfly--].fd);
	for (i = 1; i <= k->h->asked; i++)
		if (k->conn[i].fd != -1)
			close(k->conn[i].fd);
}

/* The holder, in its own process: never returns. */
static void
holder_main(struct held *h, const struct addrinfo *ai, int sock, pid_t parent)
{
	struct holder *k;
	long long i;
	int status;
	size_t s;

	child_follows(parent);
	/* A ^C to the group is loadcli's to take: it stops us after its report. */
	for (s = 0; s < NSTOP_SIGNALS; s++)
		signal(stop_signals[s], SIG_IGN);
	if ((k = calloc(1, sizeof *k)) == NULL ||
	    (k->conn = calloc((size_t)h->asked + 1, sizeof *k->conn)) == NULL) {
		log_error("holder: %s", strerror(errno));
		_exit(1);
	}
	k->h = h;
	k->ai = ai;
	k->parent = parent;
	k->next = 1;
	k->start_us = io_now_us();
	k->conn[0] = k->fly[0] = (struct pollfd){ .fd = sock, .events = POLLIN };
	for (i = 1; i <= h->asked; i++)
		k->conn[i] = (struct pollfd){ .fd = -1, .events = POLLIN };
	status = connect_all(k);
	h->connect_us = io_now_us() - k->start_us;
	if (status == 0) {
		send(sock, "r", 1, MSG_NOSIGNAL);	/* loadcli may start the load */
		status = hold(k);
	}
	finish(k);
	free(k->conn);
	free(k);
	_exit(status == -1);
}

/* Raise the soft limit of descriptors to fit n held connections. */
static int
room_for(long long n, char *why, size_t whylen)
{
	rlim_t need = (rlim_t)n + HELD_SLACK;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1) {
		snprintf(why, whylen, "-H %lld: getrlimit: %s", n, strerror(errno));
		return -1;
	}
	if (rl.rlim_cur >= need)
		return 0;
	if (rl.rlim_max < need) {
		snprintf(why, whylen, "-H %lld: %llu descriptors needed, the hard "
		    "limit is %llu (ulimit -Hn)", n, (unsigned long long)need,
		    (unsigned long long)rl.rlim_max);
		return -1;
	}
	rl.rlim_cur = need;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1) {
		snprintf(why, whylen, "-H %lld: raising the limit of descriptors "
		    "to %llu: %s", n, (unsigned long long)need, strerror(errno));
		return -1;
	}
	return 0;
}

struct held *
held_start(const struct addrinfo *ai, long long n, char *why, size_t whylen)
{
	pid_t parent = getpid(), pid;
	struct held *h;
	int pair[2] = { -1, -1 };

	if (room_for(n, why, whylen) == -1)
		return NULL;
	h = mmap(NULL, sizeof *h, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (h == MAP_FAILED) {
		snprintf(why, whylen, "-H: %s", strerror(errno));
		return NULL;
	}
	h->asked = n;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) == -1 ||
	    (pid = fork()) == -1) {
		snprintf(why, whylen, "-H: the holder: %s", strerror(errno));
		close(pair[0]);		/* -1 if the pair was not made: EBADF */
		close(pair[1]);
		munmap(h, sizeof *h);
		return NULL;
	}
	if (pid == 0) {
		close(pair[0]);
		holder_main(h, ai, pair[1], parent);
	}
	/* Shared memory: the holder must never write pid. */
	h->pid = pid;
	close(pair[1]);
	h->sock = pair[0];
	return h;
}

void
held_wait(struct held *h, long long deadline_us)
{
	struct pollfd pfd;
	long long until;

	if (h == NULL)
		return;
	until = io_now_us() + 1000000 + h->asked * 1000;
	if (until > deadline_us)
		until = deadline_us;
	/* The holder's byte, or the end of its pair if it died. */
	pfd = (struct pollfd){ .fd = h->sock, .events = POLLIN };
	until -= io_now_us();
	poll(&pfd, 1, until > 0 ? (int)((until + 999) / 1000) : 0);
}

int
held_reaped(struct held *h, pid_t pid, int status)
{
	if (h == NULL || h->pid != pid)
		return 0;
	h->status = status;
	h->pid = 0;
	return 1;
}

/* Wait, bounded, for the holder's end of the pair to close: it has exited. */
static int
holder_gone(struct held *h)
{
	long long until = io_now_us() + HELD_STOP_MS * 1000LL, left;
	struct pollfd pfd = { .fd = h->sock, .events = POLLIN };
	ssize_t n;
	char byte;

	while ((left = until - io_now_us()) > 0) {
		if (poll(&pfd, 1, (int)((left + 999) / 1000)) <= 0)
			continue;
		/* Its byte that said it was ready may come first. */
		if ((n = recv(h->sock, &byte, 1, 0)) == 0 ||
		    (n == -1 && errno != EINTR))
			return 1;
	}
	return 0;
}

void
held_stop(struct held *h)
{
	if (h == NULL)
		return;
	shutdown(h->sock, SHUT_WR);	/* the holder reads its end: stop */
	if (h->pid != 0) {
		if (!holder_gone(h))
			kill(h->pid, SIGKILL);
		while (waitpid(h->pid, &h->status, 0) == -1 && errno == EINTR)
			;
		h->pid = 0;
	}
	close(h->sock);
	if (WIFSIGNALED(h->status))
		log_error("the holder of -H was killed by signal %d",
		    WTERMSIG(h->status));
	else if (WEXITSTATUS(h->status) != 0)
		log_error("the holder of -H exited %d", WEXITSTATUS(h->status));
}

int
held_failed(const struct held *h)
{
	return h != NULL && (h->connected < h->asked || h->closed > 0 ||
	    !WIFEXITED(h->status) || WEXITSTATUS(h->status) != 0);
}

void
held_report_text(const struct held *h)
{
	const char *sep = " (";
	enum outcome o;
	size_t f;

	if (h == NULL)
		return;
	printf("held         %lld asked, %lld open at the end, %lld closed by "
	    "the server, %lld not connected", h->asked, h->connected - h->closed,
	    h->closed, h->asked - h->connected);
	for (f = 0; f < NFAILURES; f++) {
		if (h->failed[o = failures[f]] == 0)
			continue;
		printf("%s%s %lld", sep, exchange_outcome_name[o], h->failed[o]);
		if (o == OTHER && h->other_errno != 0)
			printf(": %s", strerror(h->other_errno));
		sep = ", ";
	}
	if (*sep == ',')
		printf(")");
	if (h->bytes > 0)
		printf(", %lld bytes received", h->bytes);
	printf(", %.3f s to connect\n", h->connect_us / 1e6);
}

void
held_report_json(const struct held *h)
{
	size_t f;

	if (h == NULL)
		return;
	printf(", \"held\": {\"asked\": %lld, \"connected\": %lld, \"open\": %lld, "
	    "\"closed\": %lld, \"failed\": %lld, \"errors\": {", h->asked,
	    h->connected, h->connected - h->closed, h->closed,
	    h->asked - h->connected);
	for (f = 0; f < NFAILURES; f++)
		printf("%s\"%s\": %lld", f > 0 ? ", " : "",
		    exchange_outcome_key[failures[f]], h->failed[failures[f]]);
	printf("}, \"bytes\": %lld, \"connect_s\": %.6f}", h->bytes,
	    h->connect_us / 1e6);
}

void
held_free(struct held *h)
{
	if (h != NULL)
		munmap(h, sizeof *h);
}
