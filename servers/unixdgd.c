/*
 * unixdgd: the datagram server on a Unix-domain socket.  The loop is
 * udpd's: one recvmsg and one sendto per datagram, for every client.  What
 * differs is the address.  A path is a file: an old one is removed only
 * when it is a socket where no server answers any more, the new one is
 * made with the mode of -m, and it is removed at exit.  And a sender that
 * never bound an address of its own can be served but not answered.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dgram.h"
#include "log.h"
#include "net.h"
#include "path.h"
#include "server.h"

/* unixdgd's state: its options, and the socket file it made. */
struct unixdgd {
	int	mode;			/* -m, or -1: what the umask leaves */
	long long rate;			/* -r */
	int	dirfd;			/* the directory of the file, held: the */
	char	name[ADDR_UNIX_MAX + 1];/* checks and removals happen there */
	dev_t	dev;			/* which file we made, to remove only it */
	ino_t	ino;
};

/* -m: an octal mode up to 0777.  (num_parse reads decimals; a mode is octal.) */
static int
option_mode(int opt, const char *arg, int *mode, char *why, size_t whylen)
{
	const char *digits = arg + strspn(arg, "0");

	if (*arg == '\0' || arg[strspn(arg, "01234567")] != '\0' ||
	    strlen(digits) > 3) {
		snprintf(why, whylen, "-%c %s: not an octal mode (0 to 0777)", opt,
		    arg);
		return -1;
	}
	*mode = (int)strtol(arg, NULL, 8);
	return 0;
}

static int
unixdgd_option(void *ctx, int opt, const char *arg, char *why, size_t whylen)
{
	struct unixdgd *u = ctx;

	if (opt == 'm')
		return option_mode(opt, arg, &u->mode, why, whylen);
	return dgram_option_rate(opt, arg, &u->rate, why, whylen);
}

/*
 * Is a server at the socket file?  Connect a datagram socket there: a
 * live one, of either type, answers (a stream one with EPROTOTYPE); a
 * socket whose server has gone refuses.  connect has no "at" form, so it
 * is made from inside the held directory, by its name there.  0 for no
 * one, 1 for someone, -1 with errno when it cannot tell.
 */
static int
server_answers(const struct unixdgd *u)
{
	struct sockaddr_un sun;
	int here, fd = -1, rc = -1, saved;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, u->name, strlen(u->name) + 1);
	if ((here = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	if (fchdir(u->dirfd) == 0 &&
	    (fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) != -1)
		rc = connect(fd, (struct sockaddr *)&sun, sizeof sun);
	saved = errno;
	if (fchdir(here) == -1 && rc == 0)
		saved = errno, rc = -2;
	close(here);
	if (fd != -1)
		close(fd);
	if (rc == 0 || (rc == -1 && saved == EPROTOTYPE))
		return 1;
	errno = saved;
	return rc == -1 && saved == ECONNREFUSED ? 0 : -1;
}

/*
 * Make room at the path: only a socket no server answers at is removed.
 * The look, the connect and the removal are all of the file in the held
 * directory: a directory of the path swapped for a link meanwhile cannot
 * make us remove a live socket elsewhere.
 */
static int
clear_path(const struct unixdgd *u, const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (fstatat(u->dirfd, u->name, &st, AT_SYMLINK_NOFOLLOW) == -1) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "%s: exists and is not a socket; not removed",
		    path);
		return -1;
	}
	switch (server_answers(u)) {
	case 1:
		snprintf(err, errlen, "%s: in use: a server answers there", path);
		return -1;
	case -1:
		snprintf(err, errlen, "%s: cannot tell whether a server answers "
		    "there: %s; not removed", path, strerror(errno));
		return -1;
	}
	if (unlinkat(u->dirfd, u->name, 0) == -1) {
		snprintf(err, errlen, "%s: remove stale socket: %s", path,
		    strerror(errno));
		return -1;
	}
	log_info("%s: removed a stale socket", path);
	return 0;
}

/* Let the held directory go: nothing of ours is in it to remove. */
static int
forget_dir(struct unixdgd *u)
{
	close(u->dirfd);
	u->dirfd = -1;
	return -1;
}

/* Bind s->fd at the path or abstract name, the file made with mode -m. */
static int
unixdgd_open(void *ctx, struct server *s, char *err, size_t errlen)
{
	struct unixdgd *u = ctx;
	mode_t old = 0;
	struct stat st;

	if (s->addr.kind == ADDR_ABSTRACT) {
		if (u->mode != -1) {
			snprintf(err, errlen, "-m: @%s is an abstract name, with no "
			    "file to give a mode", s->addr.path);
			return -1;
		}
		s->fd = net_bind(&s->addr, AF_UNSPEC, SOCK_DGRAM, 0, err, errlen);
		return s->fd == -1 ? -1 : 0;
	}
	if ((u->dirfd = path_open_dir(s->addr.path, u->name,
	    sizeof u->name)) == -1) {
		snprintf(err, errlen, "%s: %s", s->addr.path, errno == EINVAL ?
		    "not a file name" : strerror(errno));
		return -1;
	}
	if (clear_path(u, s->addr.path, err, errlen) == -1)
		return forget_dir(u);
	/* The umask, not a chmod after bind: no moment with the wrong mode. */
	if (u->mode != -1)
		old = umask((mode_t)~u->mode & 0777);
	s->fd = net_bind(&s->addr, AF_UNSPEC, SOCK_DGRAM, 0, err, errlen);
	if (u->mode != -1)
		umask(old);
	if (s->fd == -1)
		return forget_dir(u);
	/* What is at the name in the held directory now is ours to remove. */
	if (fstatat(u->dirfd, u->name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		u->dev = st.st_dev;
		u->ino = st.st_ino;
	}
	return 0;
}

/* Remove the socket file: ours only, not one that has taken its place. */
static void
unixdgd_close(void *ctx, struct server *s)
{
	struct unixdgd *u = ctx;
	struct stat st;

	if (u->dirfd == -1)
		return;
	if (u->ino != 0 && fstatat(u->dirfd, u->name, &st,
	    AT_SYMLINK_NOFOLLOW) == 0 && st.st_dev == u->dev &&
	    st.st_ino == u->ino && unlinkat(u->dirfd, u->name, 0) == -1)
		log_warning("remove %s: %s", s->addr.path, strerror(errno));
	close(u->dirfd);
	u->dirfd = -1;
}

/* The loop is lib/dgram.c's; this server's part is its socket file. */
static int
unixdgd_run(void *ctx, struct server *s)
{
	const struct unixdgd *u = ctx;

	return dgram_serve(s, u->rate, NULL);
}

static const struct opt_doc unixdgd_opts[] = {
	{ 'm', "mode", "the mode of the socket file, in octal, such as 0660 "
	    "(default: "
	    "0777 less the umask)" },
	DGRAM_OPT_RATE,
	{ 0, NULL, NULL }
};

static const struct server_model unixdgd = {
	.name = "unixdgd",
	.socktype = SOCK_DGRAM,
	.local = 1,
	.default_addr = "/tmp/unixdgd.sock",
	.what = "a Unix-domain datagram server: a reply to each datagram",
	.opts = unixdgd_opts,
	.option = unixdgd_option,
	.open = unixdgd_open,
	.run = unixdgd_run,
	.close = unixdgd_close,
};

int
main(int argc, char **argv)
{
	struct unixdgd u = { .mode = -1, .rate = DGRAM_RATE, .dirfd = -1 };

	return server_main(argc, argv, &unixdgd, &u);
}
