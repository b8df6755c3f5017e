/*
 * evd: the event-loop server.  One process serves every connection at
 * once over non-blocking sockets: it waits for whatever is ready (epoll or
 * poll, -e; evd-wait.c), accepts every connection that waits, and gives
 * each ready connection a step of its handler (lib/conn: the same handlers
 * the blocking servers run).  A connection never blocks the others; what a
 * connection holds is bounded by the room of its handler, which stops
 * reading while its output waits.  At -m connections the listener is not
 * watched, and the next clients wait in the listen queue (s6-tcpserverd).
 * The idle limit -t is a deadline per connection, kept in a heap
 * (evd-heap.c says why).
 *
 * Signals.  The handled signals stay blocked but in the wait: epoll_pwait
 * and ppoll let them in atomically, as pselect does, so one cannot slip
 * in between a look at the flags and the wait.  A wait that finds
 * descriptors ready returns without delivering a pending signal, though,
 * and a loop that is never idle would hold a SIGTERM back for ever: so
 * every IO_LET_IN_MS the loop lets them in (server_let_signals_in), at
 * most a hundred pairs of sigprocmask a second however busy it is.  A
 * signalfd or a self-pipe in the set would cost nothing until a signal
 * comes, but signalfd is Linux's alone, and either would take the signals
 * from lib/server.c's handlers, which every model shares.
 *
 * Memory.  A connection's struct, with the room of its handler, is kept
 * when the connection ends, up to EVD_SPARE of them, for the next: a
 * malloc and a free a connection would make the C library grow and trim
 * its heap (brk) again and again under a steady load.
 */
#include <sys/socket.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conn.h"
#include "evd.h"
#include "io.h"
#include "log.h"
#include "opt.h"
#include "server.h"

#define EVD_MAX		1000	/* -m: fits the usual limit of 1024 descriptors */
#define EVD_MAX_MAX	1048576

/* The connection is over: log it, close it, forget it. */
static void
end(struct evd *e, struct server *s, struct evconn *ec)
{
	deadlines_set(&e->deadlines, ec, 0);
	server_conn_over(s, &ec->c, ec->start_ms);
	s->served++;
	e->open[ec->slot] = e->open[--e->nopen];
	e->open[ec->slot]->slot = ec->slot;
	if (e->nspare < EVD_SPARE)
		e->spare[e->nspare++] = ec;
	else
		free(ec);
}

/* The connection cannot be waited for (the kernel is short of memory). */
static void
drop(struct evd *e, struct server *s, struct evconn *ec, int err)
{
	conn_cut(&ec->c);
	snprintf(ec->c.why, sizeof ec->c.why, "%s: %s", e->backend->name,
	    strerror(err));
	end(e, s, ec);
}

/* A step of the handler; then wait for what it waits for, until when it says. */
static void
step(struct evd *e, struct server *s, struct evconn *ec, long long now)
{
	if (!conn_step(&ec->c, now)) {
		end(e, s, ec);
		return;
	}
	if (e->backend->watch(e, &ec->w, conn_events(&ec->c)) == -1) {
		drop(e, s, ec, errno);
		return;
	}
	deadlines_set(&e->deadlines, ec, conn_deadline(&ec->c));
}

/* A new connection: its room, its place, and a first step. */
static void
open_conn(struct evd *e, struct server *s, int fd,
    const struct sockaddr *peer, socklen_t len)
{
	struct evconn *ec = e->nspare > 0 ? e->spare[--e->nspare] :
	    malloc(sizeof *ec);
	long long now = io_now_ms();

	if (ec == NULL) {
		log_warning("a connection: %s; closed", strerror(errno));
		close(fd);
		return;
	}
	ec->w = (struct watched){ .fd = fd, .events = 0, .ec = ec };
	ec->start_ms = now;
	ec->heap_at = EVD_NOWHERE;
	ec->slot = e->nopen;
	e->open[e->nopen++] = ec;
	conn_start(&ec->c, s->service, fd, peer, len, s->timeout * 1000,
	    ec->room, sizeof ec->room, now);
	step(e, s, ec, now);
}

/*
 * Take every connection that waits, up to -m.  Returns 0, or -1 when
 * accept fails for good.
 */
static int
accept_all(struct evd *e, struct server *s)
{
	struct sockaddr_storage peer;
	socklen_t len;
	int fd;

	while (e->nopen < (size_t)e->max) {
		len = sizeof peer;
		fd = server_accept(s, e->listener.fd, (struct sockaddr *)&peer,
		    &len);
		if (fd == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				return 0;
			log_error("accept: %s; serving the open connections, "
			    "then exiting", strerror(errno));
			return -1;
		}
		open_conn(e, s, fd, (struct sockaddr *)&peer, len);
	}
	return 0;
}

/* The connections whose deadline has come: over. */
static void
expire(struct evd *e, struct server *s, long long now)
{
	struct evconn *ec;

	while ((ec = deadlines_first(&e->deadlines)) != NULL && ec->when <= now) {
		conn_expire(&ec->c);
		end(e, s, ec);
	}
}

/* The second SIGTERM: every connection is cut off. */
static void
cut_all(struct evd *e, struct server *s)
{
	while (e->nopen > 0) {
		conn_cut(&e->open[0]->c);
		end(e, s, e->open[0]);
	}
}

/* How long the wait may last: until the first deadline; -1: no limit. */
static int
wait_ms(const struct evd *e)
{
	struct evconn *first = deadlines_first(&e->deadlines);
	long long left;

	if (first == NULL)
		return -1;
	left = first->when - io_now_ms();
	return left <= 0 ? 0 : left > INT_MAX ? INT_MAX : (int)left;
}

/*
 * What the loop needs, made before the server detaches so that a failure
 * is said on the terminal: the arrays for -m connections and the backend.
 */
static int
evd_open(void *ctx, struct server *s, char *err, size_t errlen)
{
	struct evd *e = ctx;
	size_t max = (size_t)e->max;

	/* The loop waits for the listener: accept says EAGAIN when none wait. */
	s->accept_waits = 0;
	e->listener = (struct watched){ .fd = s->fd, .events = 0, .ec = NULL };
	e->open = calloc(max, sizeof *e->open);
	e->deadlines.at = calloc(max, sizeof *e->deadlines.at);
	e->ready = calloc(max + 1, sizeof *e->ready);
	if (e->open == NULL || e->deadlines.at == NULL || e->ready == NULL ||
	    e->backend->init(e) == -1) {
		snprintf(err, errlen, "%s: %s", e->backend->name,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* Undo evd_open, or what of it was made. */
static void
evd_close(void *ctx, struct server *s)
{
	struct evd *e = ctx;

	(void)s;
	if (e->waiting != NULL)
		e->backend->fini(e);
	while (e->nspare > 0)
		free(e->spare[--e->nspare]);
	free(e->open);
	free(e->deadlines.at);
	free(e->ready);
	e->open = NULL;
	e->deadlines.at = NULL;
	e->ready = NULL;
}

/*
 * One turn: wait, then serve what is ready and end what is due.  Returns
 * 0; 1 when accept failed for good; -1 when the wait failed.
 */
static int
turn(struct evd *e, struct server *s)
{
	long long now;
	int n, i, failed = 0;

	n = e->backend->wait(e, wait_ms(e), &s->waitmask);
	if (n == -1 && errno != EINTR) {
		log_error("%s: %s", e->backend->name, strerror(errno));
		return -1;
	}
	now = io_now_ms();
	/* A wait that did not sleep let no pending signal in. */
	if (now - e->let_in_ms >= IO_LET_IN_MS) {
		e->let_in_ms = now;
		server_let_signals_in(s);
	}
	for (i = 0; i < n; i++) {
		if (e->ready[i]->ec == NULL)
			failed = accept_all(e, s) == -1;
		else
			step(e, s, e->ready[i]->ec, now);
	}
	expire(e, s, io_now_ms());
	return failed;
}

/* Watch the listener, unless stopping or at -m: then clients wait in the listen queue. */
static int
watch_listener(struct evd *e, int stopping)
{
	short want = stopping || e->nopen >= (size_t)e->max ? 0 : POLLIN;

	if (e->backend->watch(e, &e->listener, want) == -1) {
		log_error("listener: %s: %s", e->backend->name, strerror(errno));
		return -1;
	}
	return 0;
}

static int
evd_run(void *ctx, struct server *s)
{
	struct evd *e = ctx;
	int failed = 0, r = 0;

	/* Until told to stop, then until the open connections are over. */
	while (!(server_term || failed) || e->nopen > 0) {
		if (server_usr1) {
			server_usr1 = 0;
			log_info("%zu connections open, %llu served", e->nopen,
			    s->served);
		}
		if (server_term > 1) {
			cut_all(e, s);
			continue;
		}
		if (watch_listener(e, server_term || failed) == -1 ||
		    (r = turn(e, s)) == -1)
			break;
		failed |= r;
	}
	cut_all(e, s);
	return failed || r == -1;
}

static int
evd_option(void *ctx, int opt, const char *arg, char *why, size_t whylen)
{
	struct evd *e = ctx;

	if (opt == 'm')
		return opt_num(opt, arg, 1, EVD_MAX_MAX, &e->max, why, whylen);
	if ((e->backend = backend_find(arg)) == NULL) {
		snprintf(why, whylen, "unknown mechanism '%s' (%s)", arg,
		    backend_names());
		return -1;
	}
	return 0;
}

static const struct opt_doc evd_opts[] = {
#ifdef __linux__
	{ 'e', "epoll|poll", "how to wait for the sockets (default: epoll)" },
#else
	{ 'e', "poll", "how to wait for the sockets (default: poll)" },
#endif
	{ 'm', "max", "connections at once; then clients wait in the listen "
	    "queue (default: " OPT_STR(EVD_MAX) ")" },
	{ 0, NULL, NULL }
};

static const struct server_model evd_model = {
	.name = "evd",
	.socktype = SOCK_STREAM,
	.default_addr = "9877",
	.what = "a TCP server with one event loop for all its connections",
	.opts = evd_opts,
	.option = evd_option,
	.open = evd_open,
	.run = evd_run,
	.close = evd_close,
};

int
main(int argc, char **argv)
{
	struct evd e = { .max = EVD_MAX, .backend = backend_find(NULL) };

	return server_main(argc, argv, &evd_model, &e);
}
