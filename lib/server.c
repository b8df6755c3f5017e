/* server: what every server shares; see server.h. */
#define _GNU_SOURCE		/* accept4, setgroups */
#include <sys/types.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conn.h"
#include "io.h"
#include "log.h"
#include "net.h"
#include "opt.h"
#include "server.h"

volatile sig_atomic_t server_term, server_hup, server_usr1, server_chld;

static void
server_defaults(struct server *s, const struct server_model *m, void *ctx)
{
	memset(s, 0, sizeof *s);
	s->model = m;
	s->model_ctx = ctx;
	s->family = AF_UNSPEC;
	s->backlog = SOMAXCONN;
	s->service = service_find("echo");
	s->timeout = SERVER_TIMEOUT;
	s->fd = s->spare_fd = s->ready_fd = -1;
	source_init(&s->src);
	pidfile_init(&s->pf);
	s->accept_waits = 1;
	pthread_mutex_init(&s->shed_lock, NULL);
}

/* A numeric option value in [min, max], into an int. */
static int
option_int(int opt, const char *arg, long long min, long long max, int *out,
    char *why, size_t whylen)
{
	long long v;

	if (opt_num(opt, arg, min, max, &v, why, whylen) == -1)
		return -1;
	*out = (int)v;
	return 0;
}

static int
option_service(struct server *s, const char *name, char *why, size_t whylen)
{
	const struct service *sv = service_find(name);
	char names[128];

	if (sv == NULL) {
		snprintf(why, whylen, "unknown service '%s' (%s)", name,
		    service_names(s->model->socktype, names, sizeof names));
		return -1;
	}
	if ((s->model->socktype == SOCK_STREAM ? (void *)sv->stream :
	    (void *)sv->dgram) == NULL) {
		snprintf(why, whylen, "service '%s' is not offered over %s",
		    name, s->model->socktype == SOCK_STREAM ? "streams" :
		    "datagrams");
		return -1;
	}
	s->service = sv;
	return 0;
}

/* One option of those every server shares, or the model's own. */
static int
option_one(struct server *s, int opt, const char *arg, char *why,
    size_t whylen)
{
	switch (opt) {
	case '4': s->family = AF_INET; return 0;
	case '6': s->family = AF_INET6; return 0;
	case 'b': return option_int(opt, arg, 1, 65535, &s->backlog, why, whylen);
	case 'd': s->detach = 1; return 0;
	case 'p': s->pidfile = arg; return 0;
	case 's': return option_service(s, arg, why, whylen);
	case 't': return option_int(opt, arg, 0, 86400, &s->timeout, why, whylen);
	case 'u': s->user = arg; return 0;
	case 'v': s->verbose = 1; return 0;
	default:
		if (s->model->option == NULL) {
			snprintf(why, whylen, "unknown option '-%c'", opt);
			return -1;
		}
		return s->model->option(s->model_ctx, opt, arg, why, whylen);
	}
}

/* What the usage line and --help say of a server, made from its model. */
struct server_doc {
	struct opt_doc	opts[OPT_MAX];
	char		service[192];	/* what -s says: the services offered */
	char		more[768];	/* the address forms, and the default */
	struct opt_prog	prog;
};

/* The options every server takes: all but -b and -t for datagrams. */
static const struct opt_doc server_opts[] = {
	OPT_DOC_FAMILY,
	{ 'b', "backlog", "the length of the listen queue (default: "
	    "SOMAXCONN, " OPT_STR(SOMAXCONN) ")" },
	{ 'd', NULL, "run as a daemon: detach, and log to syslog" },
	{ 'p', "pidfile", "write the process ID to pidfile, locked (default: none)" },
	{ 's', "service", NULL },	/* the services of the socket type */
	{ 't', "timeout", "seconds a client may stay idle, 0 for ever (default: "
	    OPT_STR(SERVER_TIMEOUT) ")" },
	{ 'u', "user", "run as user once the socket is bound (default: as started)" },
	{ 'v', NULL, NULL },		/* log each connection, or datagram */
	{ 0, NULL, NULL }
};

/* Does the model m take the shared option letter? */
static int
server_takes(const struct server_model *m, int letter)
{
	if (letter == '4' || letter == '6')
		return !m->local;
	if (letter == 'b' || letter == 't')
		return m->socktype == SOCK_STREAM;
	return 1;
}

static void
server_doc(struct server_doc *d, const struct server_model *m)
{
	const struct opt_doc *o;
	size_t n = 0;

	char names[128];

	snprintf(d->service, sizeof d->service, "what to serve: %s "
	    "(default: echo)", service_names(m->socktype, names, sizeof names));
	for (o = server_opts; o->letter != 0; o++) {
		if (!server_takes(m, o->letter))
			continue;
		d->opts[n] = *o;
		if (o->letter == 's')
			d->opts[n].text = d->service;
		else if (o->letter == 'v')
			d->opts[n].text = m->socktype == SOCK_STREAM ?
			    "log each connection" : "log each datagram";
		n++;
	}
	for (o = m->opts; o != NULL && o->letter != 0 && n < OPT_MAX - 3; o++)
		d->opts[n++] = *o;
	d->opts[n].letter = 0;
	if (m->local)
		snprintf(d->more, sizeof d->more, "The path to listen on "
		    "(default: %s):\n" ADDR_HELP_LOCAL, m->default_addr);
	else
		snprintf(d->more, sizeof d->more, "The address to listen on "
		    "(default: %s, every address of this host):\n"
		    "  PORT, *:PORT    every address of this host, as 9877\n"
		    ADDR_HELP_HOSTS, m->default_addr);
	d->prog = (struct opt_prog){ .name = m->name, .section = 8,
	    .what = m->what, .opts = d->opts,
	    .operands = m->local ? "[path]" : "[address]", .more = d->more };
}

/* Parse argv into s: OPT_END to run, or what opt_usage is to handle. */
static int
server_options(struct server *s, const struct server_doc *d, int argc,
    char **argv, char *why, size_t whylen)
{
	int opt;

	while ((opt = opt_next(argc, argv, d->opts, why, whylen)) >= 0)
		if (option_one(s, opt, optarg, why, whylen) == -1)
			return OPT_BAD;
	if (opt != OPT_END)
		return opt;
	if (opt_operands(argc, argv, 1, s->model->local ? "the path" :
	    "the address", why, whylen) == -1)
		return OPT_BAD;
	return addr_operand(&s->addr, optind < argc ? argv[optind] :
	    s->model->default_addr, s->model->socktype == SOCK_STREAM ? "tcp" :
	    "udp", s->model->local, why, whylen) == -1 ? OPT_BAD : OPT_END;
}

/*
 * The sockets, from the source as the model asks; a spare descriptor;
 * then the model's own set-up.
 */
static int
server_open(struct server *s, char *err, size_t errlen)
{
	const struct server_model *m = s->model;
	struct source_want want = SOURCE_WANT_DEFAULT;

	if (m->want != NULL)
		m->want(s->model_ctx, &want);
	if (source_open(&s->src, &s->addr, s->family, m->socktype, s->backlog,
	    &want, err, errlen) == -1)
		return -1;
	s->fd = s->src.fd[0];
	net_local(s->fd, s->bound, sizeof s->bound);
	s->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	/* Made before any fork: every process of the server shares it. */
	if ((s->peer_logs = limit_new_log()) == NULL) {
		snprintf(err, errlen, "peer log limit: %s", strerror(errno));
		return -1;
	}
	return m->open != NULL ? m->open(s->model_ctx, s, err, errlen) : 0;
}

/* Become user, after binding: groups, then group, then user, for good. */
static int
drop_privileges(const char *user, char *err, size_t errlen)
{
	struct passwd *pw = getpwnam(user);

	if (pw == NULL) {
		snprintf(err, errlen, "unknown user '%s'", user);
		return -1;
	}
	if (setgroups(1, &pw->pw_gid) == -1 || setgid(pw->pw_gid) == -1 ||
	    setuid(pw->pw_uid) == -1) {
		snprintf(err, errlen, "drop privileges to %s: %s", user,
		    strerror(errno));
		return -1;
	}
	if (pw->pw_uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
		snprintf(err, errlen, "drop privileges to %s: root regained", user);
		return -1;
	}
	return 0;
}

static void
on_signal(int sig)
{
	switch (sig) {
	case SIGTERM:
	case SIGINT:
		server_term++;
		break;
	case SIGHUP:
		server_hup = 1;
		break;
	case SIGUSR1:
		server_usr1 = 1;
		break;
	case SIGCHLD:
		server_chld = 1;
		break;
	}
}

/*
 * Handlers only set flags.  They are installed without SA_RESTART, so a
 * blocking call returns EINTR, and the signals stay blocked except where the
 * model waits (pselect, sigsuspend): a signal cannot slip in between a check
 * of the flags and the wait.
 */
static void
signals_install(struct server *s)
{
	static const int handled[] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGCHLD };
	struct sigaction sa;
	sigset_t block;
	size_t i;

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sigemptyset(&block);
	for (i = 0; i < sizeof handled / sizeof handled[0]; i++) {
		/*
		 * SIGCHLD only where there are children to reap: elsewhere a
		 * stray one (a child of whatever exec'd the server) would
		 * interrupt waits that nothing then clears.
		 */
		if (handled[i] == SIGCHLD && !s->model->reaps)
			continue;
		sa.sa_handler = on_signal;
		sa.sa_flags = handled[i] == SIGCHLD ? SA_NOCLDSTOP : 0;
		sigaction(handled[i], &sa, NULL);
		sigaddset(&block, handled[i]);
	}
	sa.sa_handler = SIG_IGN;
	sa.sa_flags = 0;
	sigaction(SIGPIPE, &sa, NULL);
	sigprocmask(SIG_BLOCK, &block, &s->waitmask);
}

int
server_reap(void (*gone)(pid_t pid, int badly, void *ctx), void *ctx)
{
	int status, badly, n = 0;
	pid_t pid;

	for (;;) {
		pid = waitpid(-1, &status, WNOHANG);
		if (pid == -1 && errno == EINTR)
			continue;
		if (pid <= 0)
			return n;
		n++;
		badly = 1;
		if (WIFSIGNALED(status))
			log_warning("child pid %ld killed by signal %d", (long)pid,
			    WTERMSIG(status));
		else if (WEXITSTATUS(status) != 0)
			log_warning("child pid %ld exited %d", (long)pid,
			    WEXITSTATUS(status));
		else
			badly = 0;
		gone(pid, badly, ctx);
	}
}

void
server_wait_signal(const struct server *s)
{
	sigsuspend(&s->waitmask);
}

void
server_unblock_signals(const struct server *s)
{
	sigprocmask(SIG_SETMASK, &s->waitmask, NULL);
}

void
server_child(struct server *s)
{
	pidfile_close(&s->pf);
}

/*
 * Fork; the parent waits until the child says it is ready (a byte on a
 * pipe) or exits.  Returns 0 in the child, and in the parent 1 with *status
 * the exit status to use.
 */
static int
detach_fork(struct server *s, int *status, char *err, size_t errlen)
{
	int p[2], wstatus = 0;
	ssize_t n;
	char ready;
	pid_t pid;

	if (pipe(p) == -1 || (pid = fork()) == -1) {
		snprintf(err, errlen, "detach: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		close(p[0]);
		s->ready_fd = p[1];
		setsid();
		return 0;
	}
	close(p[1]);
	while ((n = read(p[0], &ready, 1)) == -1 && errno == EINTR)
		continue;
	close(p[0]);
	*status = 0;
	if (n != 1) {
		/* It exited before it was ready, and has said why on stderr. */
		while (waitpid(pid, &wstatus, 0) == -1 && errno == EINTR)
			continue;
		*status = WIFEXITED(wstatus) && WEXITSTATUS(wstatus) != 0 ?
		    WEXITSTATUS(wstatus) : 1;
	}
	return 1;
}

/* The daemon is ready: stdio to /dev/null, logs to syslog, the parent told. */
static void
detach_done(struct server *s)
{
	int null = open("/dev/null", O_RDWR);

	if (null != -1) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		if (null > STDERR_FILENO)
			close(null);
	}
	log_to_syslog();
	(void)!write(s->ready_fd, "", 1);
	close(s->ready_fd);
	s->ready_fd = -1;
}

static void
announce(const struct server *s)
{
	const char *transport = s->model->local ? "unix" :
	    s->model->socktype == SOCK_STREAM ? "tcp" : "udp";

	log_info("listening on %s (%s, %s)", s->bound, transport,
	    s->service->name);
}

/*
 * Everything between binding and serving.  Returns 0 in the process that
 * serves, 1 in the parent of a detached daemon (with *status), -1 with err.
 */
static int
server_start(struct server *s, int *status, char *err, size_t errlen)
{
	if (s->detach && detach_fork(s, status, err, errlen) != 0)
		return 1;
	if (s->pidfile != NULL && pidfile_write(&s->pf, err, errlen) == -1)
		return -1;
	/* Before the drop: a terminal may be opened again only by its owner. */
	if (!s->detach)
		log_output_open();
	if (s->user != NULL && drop_privileges(s->user, err, errlen) == -1)
		return -1;
	signals_install(s);
	/* The start-up line goes out before stderr is let go. */
	announce(s);
	if (s->detach) {
		if (chdir("/") == -1) {
			snprintf(err, errlen, "chdir /: %s", strerror(errno));
			return -1;
		}
		detach_done(s);
	}
	return 0;
}

/* "N connections, 0.01 s user, 0.02 s system", children included. */
static void
server_summary(const struct server *s)
{
	struct rusage self, kids;

	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &kids);
	log_info("%llu %s%s, %.2f s user, %.2f s system", s->served,
	    s->model->socktype == SOCK_STREAM ? "connection" : "datagram",
	    s->served == 1 ? "" : "s",
	    (double)(self.ru_utime.tv_sec + kids.ru_utime.tv_sec) +
	    (self.ru_utime.tv_usec + kids.ru_utime.tv_usec) / 1e6,
	    (double)(self.ru_stime.tv_sec + kids.ru_stime.tv_sec) +
	    (self.ru_stime.tv_usec + kids.ru_stime.tv_usec) / 1e6);
}

static void
server_cleanup(struct server *s)
{
	if (s->model->close != NULL)
		s->model->close(s->model_ctx, s);
	source_close(&s->src);
	s->fd = -1;
	if (s->spare_fd != -1)
		close(s->spare_fd);
	limit_free(s->peer_logs);
	pidfile_remove(&s->pf);
	pthread_mutex_destroy(&s->shed_lock);
}

int
server_main(int argc, char **argv, const struct server_model *m, void *ctx)
{
	struct server s;
	struct server_doc doc;
	char err[NET_ERRLEN];
	int found, status = 1;

	log_open(m->name);
	server_defaults(&s, m, ctx);
	server_doc(&doc, m);
	if ((found = server_options(&s, &doc, argc, argv, err, sizeof err)) !=
	    OPT_END)
		return opt_usage(found, &doc.prog, err);
	/* The pidfile first: "already running" says more than "address in use". */
	if (s.pidfile != NULL && pidfile_open(&s.pf, s.pidfile, err, sizeof err) == -1) {
		log_error("%s", err);
		return 1;
	}
	if (server_open(&s, err, sizeof err) == -1) {
		log_error("%s", err);
		server_cleanup(&s);
		return 1;
	}
	switch (server_start(&s, &status, err, sizeof err)) {
	case 1:
		/*
		 * The parent of a daemon leaves, as daemon(3)'s does: all it
		 * holds is the daemon's, nothing to undo or remove.  It exits
		 * here rather than return, so that what the model made stays
		 * in the model's state (main's) until the end, as it does in
		 * the daemon.
		 */
		exit(status);
	case -1:
		log_error("%s", err);
		server_cleanup(&s);
		return 1;
	}
	status = m->run(ctx, &s);
	if (s.verbose)
		server_summary(&s);
	server_cleanup(&s);
	return status;
}

int
server_wait_readable(const struct server *s, int fd)
{
	fd_set rfds;
	if (fd >= FD_SETSIZE) {
		errno = EBADF;
		return -1;
	}
	struct timespec tick = { 0, SERVER_TSAN_TICK_MS * 1000000L };
	int rc;

	FD_ZERO(&rfds);
	FD_SET(fd, &rfds);
	rc = pselect(fd + 1, &rfds, NULL, NULL, SERVER_TSAN ? &tick : NULL,
	    &s->waitmask);
	if (rc == 0)
		errno = EINTR;	/* SERVER_TSAN: the flags are to be looked at */
	return rc > 0 ? 0 : -1;
}

void
server_let_signals_in(const struct server *s)
{
	io_let_signals_in(&s->waitmask);
}

/* Say once a minute why connections are being refused. */
static void
log_pressure(struct server *s, int why)
{
	long long now = io_now_ms();
	int say;

	pthread_mutex_lock(&s->shed_lock);
	say = s->last_shed_log == 0 || now - s->last_shed_log >= 60000;
	if (say)
		s->last_shed_log = now;
	pthread_mutex_unlock(&s->shed_lock);
	if (say)
		log_warning("accept: %s: %s", strerror(why),
		    why == EMFILE || why == ENFILE ? "shedding connections" :
		    "waiting");
}

/* Wait a tenth of a second: nothing better to do while memory is short. */
static void
back_off(void)
{
	struct timespec pause = { 0, 100 * 1000 * 1000 };

	nanosleep(&pause, NULL);
}

/* What shed_connection did. */
enum shed {
	SHED_FAILED = -2,	/* accept failed for good: errno says why */
	SHED_NO_SPARE = -1,	/* no spare to give up (ENFILE, or a limit below it) */
	SHED_NONE,		/* none was pending after all */
	SHED_ONE,		/* one was shed */
	SHED_WAITED,		/* a blocking listener: none came in SHED_WAIT_MS */
	SHED_TAKEN		/* a descriptor was back: *fd is a connection to serve */
};
#define SHED_WAIT_MS	100

/* Is this accept error one that only means "try again"? (accept(2), Linux) */
static int
accept_transient(int e)
{
	return e == EAGAIN || e == EWOULDBLOCK || e == ECONNABORTED ||
	    e == EPROTO || e == ENETDOWN || e == ENOPROTOOPT || e == EHOSTDOWN ||
	    e == EHOSTUNREACH || e == EOPNOTSUPP || e == ENETUNREACH ||
	    e == ETIMEDOUT || e == EPERM;
}

/* Give up the spare, accept the pending connection, close it; the spare back. */
static enum shed
shed_one(struct server *s, int lfd)
{
	int fd, saved;

	if (s->spare_fd == -1)
		return SHED_NO_SPARE;
	close(s->spare_fd);
	fd = accept(lfd, NULL, NULL);
	saved = errno;
	if (fd != -1)
		close(fd);
	s->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	errno = saved;
	/* Still out: the limit is below the spare itself. */
	if (s->spare_fd == -1 || (fd == -1 && (saved == EMFILE || saved == ENFILE)))
		return SHED_NO_SPARE;
	if (fd == -1 && !accept_transient(saved))
		return SHED_FAILED;
	return fd == -1 && (saved == EAGAIN || saved == EWOULDBLOCK) ?
	    SHED_NONE : SHED_ONE;
}

/*
 * Out of descriptors: give up the spare one, accept the pending connection
 * and close it at once, so that it does not wake us again and again.
 * Under a lock: the threads of a pool, which accept at once, must not give
 * up the one spare twice.  Those threads wait in accept on a blocking
 * listener, where Linux says EMFILE without waiting: here they wait, one
 * at a time and at most SHED_WAIT_MS, for a connection to be pending, and
 * try accept again first, since a descriptor may be back (SHED_TAKEN: *fd
 * is to be served, its peer in sa and len).
 */
static enum shed
shed_connection(struct server *s, int lfd, int *fd, struct sockaddr *sa,
    socklen_t *len)
{
	struct pollfd pfd = { .fd = lfd, .events = POLLIN };
	enum shed rc;

	pthread_mutex_lock(&s->shed_lock);
	if (fcntl(lfd, F_GETFL) & O_NONBLOCK)
		rc = shed_one(s, lfd);
	else if (poll(&pfd, 1, SHED_WAIT_MS) != 1)
		rc = SHED_WAITED;
	else if ((*fd = accept4(lfd, sa, len, SOCK_NONBLOCK | SOCK_CLOEXEC)) != -1)
		rc = SHED_TAKEN;
	else if (errno == EMFILE || errno == ENFILE)
		rc = shed_one(s, lfd);
	else
		rc = accept_transient(errno) ? SHED_ONE : SHED_FAILED;
	pthread_mutex_unlock(&s->shed_lock);
	return rc;
}

/* Nothing to do but wait a while; let the signals in when the wait is over. */
static void
pause_accepting(struct server *s)
{
	back_off();
	if (s->accept_waits)
		s->unwaited = SERVER_BATCH;
}

int
server_accept(struct server *s, int lfd, struct sockaddr *sa, socklen_t *len)
{
	socklen_t room = *len;
	int fd;

	for (;;) {
		/*
		 * pselect lets a signal in only when it has to wait: a listener
		 * that is never idle, or an accept that keeps failing, must let
		 * them in now and then.
		 */
		if (s->accept_waits && ++s->unwaited >= SERVER_BATCH) {
			s->unwaited = 0;
			server_let_signals_in(s);
		}
		/* One that does not wait here looks at the flags itself. */
		if (s->accept_waits && (server_term || server_chld)) {
			errno = EINTR;
			return -1;
		}
		/*
		 * accept first, and wait only when none is pending: under load
		 * there is one, and the wait would be a system call for nothing.
		 */
		*len = room;
		fd = accept4(lfd, sa, len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd != -1)
			return fd;
		/* Linux says EMFILE before it looks whether any is pending. */
		if (errno == EMFILE || errno == ENFILE) {
			log_pressure(s, errno);
			*len = room;
			switch (shed_connection(s, lfd, &fd, sa, len)) {
			case SHED_TAKEN:
				return fd;
			case SHED_FAILED:
				return -1;
			case SHED_NO_SPARE:
				pause_accepting(s);
				continue;
			case SHED_ONE:
			case SHED_WAITED:
				continue;
			case SHED_NONE:
				break;
			}
			errno = EAGAIN;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			/* Not waiting: a caller that polls the listener hears "none yet". */
			if (!s->accept_waits || server_wait_readable(s, lfd) == -1)
				return -1;
			s->unwaited = 0;
		} else if (errno == ENOBUFS || errno == ENOMEM) {
			log_pressure(s, errno);
			pause_accepting(s);
		} else if (!accept_transient(errno))
			return -1;
	}
}

int
server_serve(struct server *s, int fd, const struct sockaddr *peer,
    socklen_t peerlen)
{
	return server_serve_then(s, fd, peer, peerlen, NULL, NULL);
}

int
server_serve_then(struct server *s, int fd, const struct sockaddr *peer,
    socklen_t peerlen, void (*over)(void *arg), void *arg)
{
	struct conn c;
	char room[SERVER_ROOM];
	long long start = io_now_ms();

	conn_start(&c, s->service, fd, peer, peerlen, s->timeout * 1000, room,
	    sizeof room, start);
	conn_serve(&c);
	if (over != NULL)
		over(arg);
	return server_conn_over(s, &c, start);
}

int
server_conn_over(struct server *s, struct conn *c, long long start_ms)
{
	close(c->fd);
	if (c->rc == SERVICE_REFUSED && s->verbose)
		log_warning("%s: %s: %s", conn_peer(c), s->service->name, c->why);
	else if (c->rc == SERVICE_REFUSED && limit_take(s->peer_logs,
	    (const struct sockaddr *)&c->peer, c->peerlen))
		log_warning("%s: %s: %s %s", conn_peer(c), s->service->name,
		    c->why, LIMIT_LOG_SUFFIX);
	else if (s->verbose && c->rc == SERVICE_FAILED)
		log_info("%s: %s: %s", conn_peer(c), s->service->name, c->why);
	else if (s->verbose)
		log_info("%s: %s: %llu bytes in, %llu out, %.3f s", conn_peer(c),
		    s->service->name, c->bytes_in, c->bytes_out,
		    (io_now_ms() - start_ms) / 1000.0);
	return c->rc;
}
