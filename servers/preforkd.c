/*
 * preforkd: a pool of preforked children.  The parent starts -n children
 * and then only keeps the pool whole: it replaces a child that dies (with a
 * growing delay for one that dies at once), replaces them all on SIGHUP,
 * and reports how the connections spread over them on SIGUSR1 and at exit.
 * Each child accepts and serves connections itself, taking turns at accept
 * by the strategy of -l (preforkd-accept.c); after -r connections it exits
 * and is replaced.  With a lock around accept, the parent also kills a
 * holder of the lock that leaves connections waiting (a stopped child).
 */
#define _DEFAULT_SOURCE		/* MAP_ANONYMOUS */
#include <sys/types.h>
#include <sys/mman.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "io.h"
#include "log.h"
#include "net.h"
#include "opt.h"
#include "preforkd.h"

#define PREFORKD_CHILDREN	8	/* -n */
#define PREFORKD_STRATEGY	"none"	/* -l */
#define RESPAWN_FIRST_MS	100	/* the delay for a child that died at once */
#define RESPAWN_MAX_MS		10000	/* ... doubled each time, up to this */
#define DIED_YOUNG_MS		1000	/* a child that lived less died "at once" */
#define NUDGE_MS		200	/* how often children told to stop are told again */
#define LOCK_CHECK_MS		500	/* fcntl, mutex: how often the lock holder is looked at */
#define LOCK_STALL_MS		2000	/* ... and how long it may leave connections waiting */

/* preforkd's state: its options, and the pool made from them. */
struct preforkd {
	long long		children;	/* -n */
	const struct strategy	*strategy;	/* -l */
	long long		requests;	/* -r, 0: never replaced */
	struct pool		pool;
};

/* What the parent alone knows of a slot. */
struct slot {
	pid_t		pid;		/* its child, 0 while there is none */
	pid_t		last_pid;	/* for the report, once it is gone */
	long long	started_ms;
	long long	delay_ms;	/* before the next child, after early deaths */
	long long	respawn_ms;	/* when to start it; 0: not waiting */
};

static int
preforkd_option(void *ctx, int opt, const char *arg, char *why, size_t whylen)
{
	struct preforkd *pf = ctx;

	switch (opt) {
	case 'n':
		return opt_num(opt, arg, 1, 1024, &pf->children, why, whylen);
	case 'r':
		return opt_num(opt, arg, 0, 1000000000, &pf->requests, why, whylen);
	default:
		if ((pf->strategy = strategy_find(arg)) == NULL) {
			snprintf(why, whylen, "unknown strategy '%s' (%s)", arg,
			    strategy_names());
			return -1;
		}
		return 0;
	}
}

/*
 * The listeners the strategy needs, from the socket source: one that the
 * children share, or one for each child (reuseport, with SO_REUSEPORT
 * from the start); blocking where the children wait in accept.
 */
static void
preforkd_want(void *ctx, struct source_want *w)
{
	const struct preforkd *pf = ctx;

	w->per_worker = pf->strategy->per_child ? (int)pf->children : 0;
	w->blocking = pf->strategy->blocking;
}

/* Has a child served its -r connections? */
static int
served_enough(const struct pool *p, long long served)
{
	return p->requests != 0 && served >= p->requests;
}

/*
 * A parent killed outright (SIGKILL) cannot stop its children: on Linux
 * the kernel sends them SIGTERM when it dies, and a child that finds it
 * has died already stops at once.  Elsewhere the children of pass see
 * their pair close; the others serve on until stopped.
 */
static void
orphan_stops(const struct pool *p)
{
#ifdef PR_SET_PDEATHSIG
	prctl(PR_SET_PDEATHSIG, SIGTERM);
#endif
	if (getppid() != p->parent)
		server_term = 1;
}

/* A child's life: take a connection, serve it, count it; until told to stop. */
static void
child_main(struct pool *p, int i)
{
	struct server *s = p->server;
	struct sockaddr_storage peer;
	long long served = 0;
	socklen_t len;
	int fd;

	server_child(s);
	p->self = getpid();
	/* Let SIGTERM in at any time: it interrupts a wait in accept. */
	server_unblock_signals(s);
	orphan_stops(p);
	if (p->strategy->child_init != NULL)
		p->strategy->child_init(p, i);
	while (!server_term && !served_enough(p, served)) {
		len = sizeof peer;
		fd = p->strategy->take(p, i, (struct sockaddr *)&peer, &len);
		if (fd == -1 && errno == ESHUTDOWN)
			break;
		if (fd == -1 && errno != EINTR) {
			log_error("child %d: accept: %s", i, strerror(errno));
			_exit(1);
		}
		if (fd == -1)
			continue;
		server_serve(s, fd, (struct sockaddr *)&peer, len);
		atomic_fetch_add(&p->shared->slot[i].served, 1);
		served++;
		/* Not "idle" if about to exit: pass would hand us a lost client. */
		if (p->strategy->done != NULL && !served_enough(p, served))
			p->strategy->done(p, i);
	}
	_exit(0);
}

/* Start the child of slot i.  0, or -1 if it could not be forked. */
static int
spawn(struct pool *p, int i)
{
	char err[256];
	pid_t pid;

	p->slots[i].respawn_ms = 0;
	if (p->strategy->prepare != NULL && p->strategy->prepare(p, i, err,
	    sizeof err) == -1) {
		log_error("child %d: %s", i, err);
		return -1;
	}
	if ((pid = fork()) == -1) {
		log_error("fork: %s", strerror(errno));
		if (p->strategy->release != NULL)
			p->strategy->release(p, i);
		return -1;
	}
	if (pid == 0)
		child_main(p, i);
	if (p->strategy->started != NULL)
		p->strategy->started(p, i);
	p->slots[i].pid = p->slots[i].last_pid = pid;
	p->slots[i].started_ms = io_now_ms();
	return 0;
}

/* The next delay for slot i: doubled from 100 ms, up to 10 s. */
static void
back_off(struct pool *p, int i)
{
	long long d = p->slots[i].delay_ms;

	p->slots[i].delay_ms = d == 0 ? RESPAWN_FIRST_MS :
	    d * 2 > RESPAWN_MAX_MS ? RESPAWN_MAX_MS : d * 2;
	p->slots[i].respawn_ms = io_now_ms() + p->slots[i].delay_ms;
}

/* Start the child of slot i now; if that fails, try again after a delay. */
static void
start_or_wait(struct pool *p, int i)
{
	if (spawn(p, i) == -1)
		back_off(p, i);
}

/*
 * Fill slot i again: at once after a child that lived or exited as asked
 * (-r), later and later after children that keep dying young.
 */
static void
schedule(struct pool *p, int i, int died_badly)
{
	if (died_badly && io_now_ms() - p->slots[i].started_ms < DIED_YOUNG_MS) {
		back_off(p, i);
		return;
	}
	p->slots[i].delay_ms = 0;
	start_or_wait(p, i);
}

/* Forget a retiring child that has exited; 1 if pid was one. */
static int
retire_done(struct pool *p, pid_t pid)
{
	int k;

	for (k = 0; k < p->nretiring; k++)
		if (p->retiring[k] == pid) {
			p->retiring[k] = p->retiring[--p->nretiring];
			return 1;
		}
	return 0;
}

/* A child has been reaped: free its slot and, unless stopping, fill it again. */
static void
child_gone(pid_t pid, int badly, void *ctx)
{
	struct pool *p = ctx;
	int i, holder = (int)pid;

	/* It may have died in the lock; the kernel or the robust mutex freed it. */
	atomic_compare_exchange_strong(&p->shared->lock_holder, &holder, 0);
	if (retire_done(p, pid))
		return;
	for (i = 0; i < p->nslots && p->slots[i].pid != pid; i++)
		continue;
	if (i == p->nslots)
		return;
	p->slots[i].pid = 0;
	if (p->server->verbose && !server_term)
		log_info("child %d pid %ld gone; replacing it", i, (long)pid);
	if (p->strategy->release != NULL)
		p->strategy->release(p, i);
	if (!server_term)
		schedule(p, i, badly);
}

/* Start the slots whose delay has passed. */
static void
respawn_due(struct pool *p)
{
	long long now = io_now_ms();
	int i;

	for (i = 0; i < p->nslots; i++)
		if (p->slots[i].pid == 0 && p->slots[i].respawn_ms != 0 &&
		    p->slots[i].respawn_ms <= now)
			start_or_wait(p, i);
}

/*
 * Send a child sig, then SIGCONT: a stopped child (SIGSTOP, a debugger)
 * acts on SIGTERM, or sees its pair closed, only once it runs again.
 */
static void
signal_child(pid_t pid, int sig)
{
	kill(pid, sig);
	kill(pid, SIGCONT);
}

/* Ask a child to finish: a closed pair (pass) or SIGTERM (the others). */
static void
ask_to_stop(struct pool *p, int i, pid_t pid)
{
	if (p->strategy->release != NULL) {
		p->strategy->release(p, i);
		kill(pid, SIGCONT);	/* a stopped child must run to see it */
	} else
		signal_child(pid, SIGTERM);
}

/* Room for more retiring children.  0, or -1 with errno. */
static int
grow_retiring(struct pool *p)
{
	int room = p->retiring_room ? p->retiring_room * 2 : p->nslots;
	pid_t *more = realloc(p->retiring, (size_t)room * sizeof *p->retiring);

	if (more == NULL)
		return -1;
	p->retiring = more;
	p->retiring_room = room;
	return 0;
}

/* SIGHUP: every child is told to finish and a new one takes its slot at once. */
static void
replace_all(struct pool *p)
{
	int i;

	for (i = 0; i < p->nslots; i++) {
		if (p->slots[i].pid == 0)
			continue;
		if (p->nretiring == p->retiring_room && grow_retiring(p) == -1) {
			log_error("SIGHUP: %s; child %d kept", strerror(errno), i);
			continue;
		}
		p->retiring[p->nretiring++] = p->slots[i].pid;
		ask_to_stop(p, i, p->slots[i].pid);
		p->slots[i].pid = 0;
		start_or_wait(p, i);
	}
}

/* "child 3 pid 4242: 1250 connections", a line per slot, then the total. */
static unsigned long long
report(const struct pool *p)
{
	unsigned long long n, total = 0;
	pid_t holder = atomic_load(&p->shared->lock_holder);
	int i;

	for (i = 0; i < p->nslots; i++) {
		n = atomic_load(&p->shared->slot[i].served);
		total += n;
		log_info("child %d pid %ld: %llu connection%s%s", i,
		    (long)p->slots[i].last_pid, n, n == 1 ? "" : "s",
		    holder != 0 && p->slots[i].pid == holder ?
		    " (holds the accept lock)" : "");
	}
	log_info("%llu connection%s in all, %s strategy", total,
	    total == 1 ? "" : "s", p->strategy->name);
	return total;
}

/* Signal every child still alive, retiring ones too. */
static int
signal_children(const struct pool *p, int sig)
{
	int i, alive = p->nretiring;

	for (i = 0; i < p->nslots; i++)
		if (p->slots[i].pid != 0) {
			signal_child(p->slots[i].pid, sig);
			alive++;
		}
	for (i = 0; i < p->nretiring; i++)
		signal_child(p->retiring[i], sig);
	return alive;
}

/* Tell the children replaced on SIGHUP again: a SIGTERM may land just before accept. */
static void
nudge_retiring(const struct pool *p)
{
	int i;

	if (p->strategy->release != NULL)
		return;		/* pass: the closed pair is told once and for all */
	for (i = 0; i < p->nretiring; i++)
		signal_child(p->retiring[i], SIGTERM);
}

/* Is pid a child of the pool, in a slot or retiring? */
static int
our_child(const struct pool *p, pid_t pid)
{
	int i;

	for (i = 0; i < p->nslots; i++)
		if (p->slots[i].pid == pid)
			return 1;
	for (i = 0; i < p->nretiring; i++)
		if (p->retiring[i] == pid)
			return 1;
	return 0;
}

/* Are connections waiting in the listen queue? */
static int
listener_pending(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN);
}

/*
 * fcntl, mutex: a holder of the lock that does not accept (stopped, or
 * stuck in the kernel) stalls every child.  Sitting in accept for hours
 * is no fault; it is one when connections were waiting when the parent
 * looked, and are waiting still, LOCK_STALL_MS later, and the holder has
 * not left its turn at the lock since.  SIGKILL ends even a stopped
 * child, the kernel or the robust mutex frees the lock, and the child is
 * replaced as any dead child is.
 */
static void
watch_lock(struct pool *p)
{
	struct lock_watch *w = &p->watch;
	pid_t pid = atomic_load(&p->shared->lock_holder);
	unsigned long long turn = atomic_load(&p->shared->lock_turns);
	long long now = io_now_ms();

	if (pid == 0 || !listener_pending(p->server->fd)) {
		w->pid = 0;
		return;
	}
	if (pid != w->pid || turn != w->turn) {
		w->pid = pid;
		w->turn = turn;
		w->since_ms = now;
		return;
	}
	if (now - w->since_ms < LOCK_STALL_MS || !our_child(p, pid))
		return;
	log_warning("child pid %ld holds the accept lock and has left "
	    "connections waiting for %.1f s; killing it", (long)pid,
	    (double)(now - w->since_ms) / 1000);
	kill(pid, SIGKILL);
	w->pid = 0;
}

/* Wait for a signal, at most ms; the strategy may work meanwhile. */
static void
parent_wait(struct pool *p, long long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	if (p->strategy->parent_wait != NULL)
		p->strategy->parent_wait(p, ms < 0 ? NULL : &ts);
	else
		pselect(0, NULL, NULL, NULL, ms < 0 ? NULL : &ts, &p->server->waitmask);
}

/*
 * How long the parent may sleep: until the next respawn, nudge or look at
 * the lock holder is due.
 */
static long long
next_wake(const struct pool *p, int stopping)
{
	long long now = io_now_ms(), wake = -1;
	int i;

	if (p->strategy->accept_lock && !stopping)
		wake = LOCK_CHECK_MS;
	if (stopping || p->nretiring > 0)
		wake = NUDGE_MS;
	for (i = 0; i < p->nslots; i++)
		if (p->slots[i].pid == 0 && p->slots[i].respawn_ms != 0 && !stopping) {
			long long in = p->slots[i].respawn_ms - now;

			in = in < 0 ? 0 : in;
			if (wake < 0 || in < wake)
				wake = in;
		}
	return wake;
}

/* Stop: every child told to finish, told again until gone; a second SIGTERM kills. */
static void
stop_pool(struct pool *p)
{
	int i;

	for (i = 0; i < p->nslots; i++)
		if (p->slots[i].pid != 0)
			ask_to_stop(p, i, p->slots[i].pid);
	while (signal_children(p, server_term > 1 ? SIGKILL : SIGTERM) > 0) {
		parent_wait(p, NUDGE_MS);
		if (server_chld) {
			server_chld = 0;
			server_reap(child_gone, p);
		}
		if (server_usr1) {
			server_usr1 = 0;
			report(p);
		}
	}
}

/* Keep the pool whole until SIGTERM or SIGINT. */
static void
keep_pool(struct pool *p)
{
	while (!server_term) {
		if (server_chld) {
			server_chld = 0;
			server_reap(child_gone, p);
		}
		if (server_hup) {
			server_hup = 0;
			log_info("SIGHUP: replacing every child");
			replace_all(p);
		}
		if (server_usr1) {
			server_usr1 = 0;
			report(p);
		}
		respawn_due(p);
		nudge_retiring(p);
		if (p->strategy->accept_lock)
			watch_lock(p);
		parent_wait(p, next_wake(p, 0));
	}
}

/* The size of the mapping the pool shares, for nslots children. */
static size_t
shared_size(int nslots)
{
	return sizeof(struct pool_shared) + (size_t)nslots *
	    sizeof(struct pool_slot);
}

/*
 * Before the server detaches or drops privileges: the shared counters
 * and the strategy's own set-up, so that what fails is said on the
 * terminal.  0, or -1 with err and nothing left made.
 */
static int
preforkd_open(void *ctx, struct server *s, char *err, size_t errlen)
{
	struct preforkd *pf = ctx;
	struct pool *p = &pf->pool;
	char why[NET_ERRLEN];

	memset(p, 0, sizeof *p);
	p->server = s;
	p->strategy = pf->strategy;
	p->nslots = (int)pf->children;
	p->requests = pf->requests;
	p->lock_fd = p->child_fd = -1;
	p->shared = mmap(NULL, shared_size(p->nslots), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p->shared == MAP_FAILED) {
		p->shared = NULL;
		snprintf(err, errlen, "pool: %s", strerror(errno));
		return -1;
	}
	if ((p->slots = calloc((size_t)p->nslots, sizeof *p->slots)) == NULL)
		snprintf(err, errlen, "pool: %s", strerror(errno));
	else if (p->strategy->setup != NULL && p->strategy->setup(p, why,
	    sizeof why) == -1)
		snprintf(err, errlen, "-l %s: %s", p->strategy->name, why);
	else
		return 0;
	free(p->slots);
	munmap(p->shared, shared_size(p->nslots));
	p->shared = NULL;
	return -1;
}

static void
preforkd_close(void *ctx, struct server *s)
{
	struct pool *p = &((struct preforkd *)ctx)->pool;

	(void)s;
	if (p->shared == NULL)
		return;
	if (p->strategy->teardown != NULL)
		p->strategy->teardown(p);
	munmap(p->shared, shared_size(p->nslots));
	p->shared = NULL;
	free(p->slots);
	free(p->retiring);
}

static int
preforkd_run(void *ctx, struct server *s)
{
	struct pool *p = &((struct preforkd *)ctx)->pool;
	int i;

	/* Not in preforkd_open: -d forks between the two. */
	p->parent = getpid();
	for (i = 0; i < p->nslots; i++)
		start_or_wait(p, i);
	keep_pool(p);
	stop_pool(p);
	s->served = report(p);
	return 0;
}

static const struct opt_doc preforkd_opts[] = {
	{ 'l', "strategy", "how the children take turns at accept: none, fcntl, "
	    "mutex, pass or reuseport (default: " PREFORKD_STRATEGY ")" },
	{ 'n', "children", "the children in the pool (default: "
	    OPT_STR(PREFORKD_CHILDREN) ")" },
	{ 'r', "requests", "connections a child serves before it is replaced, "
	    "0 for ever (default: 0)" },
	{ 0, NULL, NULL }
};

static const struct server_model preforkd = {
	.name = "preforkd",
	.socktype = SOCK_STREAM,
	.default_addr = "9877",
	.reaps = 1,
	.what = "a TCP server with a pool of children made in advance",
	.opts = preforkd_opts,
	.option = preforkd_option,
	.want = preforkd_want,
	.open = preforkd_open,
	.run = preforkd_run,
	.close = preforkd_close,
};

int
main(int argc, char **argv)
{
	struct preforkd pf = { .children = PREFORKD_CHILDREN,
	    .strategy = strategy_find(PREFORKD_STRATEGY) };

	return server_main(argc, argv, &preforkd, &pf);
}
