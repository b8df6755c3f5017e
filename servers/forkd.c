/*
 * forkd: a process per connection.  The parent only accepts, forks and
 * reaps; each child serves its one client and exits.  At -m children the
 * parent stops accepting until one exits: the pending clients wait in the
 * listen queue, not in a connection that is accepted and closed.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "opt.h"
#include "server.h"

#define FORKD_MAX	256	/* -m: children at once */
#define FORK_TRIES	10	/* out of processes: tries before a client is let go */

/* forkd's state. */
struct forkd {
	long long	max;		/* -m: children at once */
	/*
	 * The children alive, packed at the front, so that a second
	 * SIGTERM can end them.
	 */
	pid_t		*children;
	long long	nchildren;
};

static int
forkd_option(void *ctx, int opt, const char *arg, char *why, size_t whylen)
{
	struct forkd *f = ctx;

	return opt_num(opt, arg, 1, 65536, &f->max, why, whylen);
}

/* A child has been reaped: forget it. */
static void
child_gone(pid_t pid, int badly, void *ctx)
{
	struct forkd *f = ctx;
	long long i;

	(void)badly;
	for (i = 0; i < f->nchildren; i++)
		if (f->children[i] == pid) {
			f->children[i] = f->children[--f->nchildren];
			return;
		}
}

/* The second SIGTERM: the children are not waited for any more. */
static void
kill_children(const struct forkd *f)
{
	long long i;

	for (i = 0; i < f->nchildren; i++)
		kill(f->children[i], SIGKILL);
}

/* fork, and when there are no processes to be had, wait and try again. */
static pid_t
fork_patiently(void)
{
	struct timespec pause = { 0, 100 * 1000 * 1000 };
	pid_t pid;
	int tries;

	for (tries = 1; (pid = fork()) == -1 && tries < FORK_TRIES; tries++) {
		if (tries == 1)
			log_error("fork: %s; trying again", strerror(errno));
		nanosleep(&pause, NULL);
	}
	return pid;
}

/* Serve one connection in a child of its own. */
static void
spawn(struct forkd *f, struct server *s, int fd, const struct sockaddr *peer,
    socklen_t len)
{
	pid_t pid = fork_patiently();

	if (pid == 0) {
		/*
		 * The child keeps the parent's blocked signals: a SIGINT or
		 * SIGTERM to the whole group lets it finish its client.
		 */
		close(s->fd);
		server_child(s);
		server_serve(s, fd, peer, len);
		_exit(0);
	}
	close(fd);
	if (pid == -1) {
		log_error("fork: %s; a client was let go", strerror(errno));
		return;
	}
	f->children[f->nchildren++] = pid;
	s->served++;
}

static int
forkd_run(void *ctx, struct server *s)
{
	struct forkd *f = ctx;
	struct sockaddr_storage peer;
	socklen_t len;
	int fd, killed = 0, failed = 0;

	if ((f->children = calloc((size_t)f->max, sizeof *f->children)) == NULL) {
		log_error("children: %s", strerror(errno));
		return 1;
	}
	/* Until told to stop, and then until every child is gone. */
	while (!(server_term || failed) || f->nchildren > 0) {
		if (server_chld) {
			server_chld = 0;
			server_reap(child_gone, f);
			continue;
		}
		if (server_term > 1 && !killed) {
			kill_children(f);
			killed = 1;
		}
		if (server_term || failed || f->nchildren >= f->max) {
			server_wait_signal(s);
			continue;
		}
		len = sizeof peer;
		fd = server_accept(s, s->fd, (struct sockaddr *)&peer, &len);
		if (fd != -1)
			spawn(f, s, fd, (struct sockaddr *)&peer, len);
		else if (errno != EINTR) {
			log_error("accept: %s; waiting for the children", strerror(errno));
			failed = 1;
		}
	}
	free(f->children);
	f->children = NULL;
	return failed;
}

static const struct opt_doc forkd_opts[] = {
	{ 'm', "max", "children at once; then clients wait in the listen queue "
	    "(default: " OPT_STR(FORKD_MAX) ")" },
	{ 0, NULL, NULL }
};

static const struct server_model forkd = {
	.name = "forkd",
	.socktype = SOCK_STREAM,
	.default_addr = "9877",
	.reaps = 1,
	.what = "a TCP server that forks a child for each connection",
	.opts = forkd_opts,
	.option = forkd_option,
	.run = forkd_run,
};

int
main(int argc, char **argv)
{
	struct forkd f = { .max = FORKD_MAX };

	return server_main(argc, argv, &forkd, &f);
}
