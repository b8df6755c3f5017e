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
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dgram.h"
#include "log.h"
#include "net.h"
#include "server.h"

static struct {
	int	mode;			/* -m, or -1: what the umask leaves */
	char	path[PATH_MAX];		/* the file bound, whole: -d moves to / */
	dev_t	dev;			/* ... and which file it is */
	ino_t	ino;
} sockfile = { .mode = -1 };

/* -m: an octal mode up to 0777.  (num_parse reads decimals; a mode is octal.) */
static int
unixdgd_option(int opt, const char *arg, char *why, size_t whylen)
{
	const char *digits = arg + strspn(arg, "0");

	if (*arg == '\0' || arg[strspn(arg, "01234567")] != '\0' ||
	    strlen(digits) > 3) {
		snprintf(why, whylen, "-%c %s: not an octal mode (0 to 0777)", opt,
		    arg);
		return -1;
	}
	sockfile.mode = (int)strtol(arg, NULL, 8);
	return 0;
}

/* Keep the whole path of the socket file, for its removal at exit. */
static int
remember_path(const char *path, char *err, size_t errlen)
{
	size_t len;

	if (path[0] != '/' &&
	    getcwd(sockfile.path, sizeof sockfile.path) == NULL) {
		snprintf(err, errlen, "%s: getcwd: %s", path, strerror(errno));
		return -1;
	}
	len = strlen(sockfile.path);
	if ((size_t)snprintf(sockfile.path + len, sizeof sockfile.path - len,
	    "%s%s", path[0] == '/' ? "" : "/", path) >=
	    sizeof sockfile.path - len) {
		snprintf(err, errlen, "%s: %s", path, strerror(ENAMETOOLONG));
		return -1;
	}
	return 0;
}

/*
 * Is a server at a? Connect a datagram socket there: a live one, of either
 * type, answers (a stream one with EPROTOTYPE); a socket whose server has
 * gone refuses.  0 for no one, 1 for someone, -1 with errno when it cannot
 * tell.
 */
static int
server_answers(const struct addr *a)
{
	struct sockaddr_un sun;
	socklen_t len;
	int fd, rc, saved;

	addr_sockaddr_un(a, &sun, &len);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	rc = connect(fd, (struct sockaddr *)&sun, len);
	saved = errno;
	close(fd);
	if (rc == 0 || saved == EPROTOTYPE)
		return 1;
	errno = saved;
	return saved == ECONNREFUSED ? 0 : -1;
}

/* Make room at the path: only a socket no server answers at is removed. */
static int
clear_path(const struct addr *a, char *err, size_t errlen)
{
	struct stat st;

	if (lstat(a->path, &st) == -1) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", a->path, strerror(errno));
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "%s: exists and is not a socket; not removed",
		    a->path);
		return -1;
	}
	switch (server_answers(a)) {
	case 1:
		snprintf(err, errlen, "%s: in use: a server answers there", a->path);
		return -1;
	case -1:
		snprintf(err, errlen, "%s: cannot tell whether a server answers "
		    "there: %s; not removed", a->path, strerror(errno));
		return -1;
	}
	if (unlink(a->path) == -1) {
		snprintf(err, errlen, "%s: remove stale socket: %s", a->path,
		    strerror(errno));
		return -1;
	}
	log_info("%s: removed a stale socket", a->path);
	return 0;
}

/* Bind s->fd at the path or abstract name, the file made with mode -m. */
static int
unixdgd_open(struct server *s, char *err, size_t errlen)
{
	mode_t old = 0;
	struct stat st;

	if (s->addr.kind == ADDR_ABSTRACT) {
		if (sockfile.mode != -1) {
			snprintf(err, errlen, "-m: @%s is an abstract name, with no "
			    "file to give a mode", s->addr.path);
			return -1;
		}
		s->fd = net_bind(&s->addr, AF_UNSPEC, SOCK_DGRAM, 0, err, errlen);
		return s->fd == -1 ? -1 : 0;
	}
	if (remember_path(s->addr.path, err, errlen) == -1 ||
	    clear_path(&s->addr, err, errlen) == -1)
		return -1;
	/* The umask, not a chmod after bind: no moment with the wrong mode. */
	if (sockfile.mode != -1)
		old = umask((mode_t)~sockfile.mode & 0777);
	s->fd = net_bind(&s->addr, AF_UNSPEC, SOCK_DGRAM, 0, err, errlen);
	if (sockfile.mode != -1)
		umask(old);
	if (s->fd == -1) {
		sockfile.path[0] = '\0';
		return -1;
	}
	if (lstat(sockfile.path, &st) == 0) {
		sockfile.dev = st.st_dev;
		sockfile.ino = st.st_ino;
	}
	return 0;
}

/* Remove the socket file: ours only, not one that has taken its place. */
static void
unixdgd_close(struct server *s)
{
	struct stat st;

	(void)s;
	if (sockfile.path[0] == '\0' || lstat(sockfile.path, &st) == -1 ||
	    st.st_dev != sockfile.dev || st.st_ino != sockfile.ino)
		return;
	if (unlink(sockfile.path) == -1)
		log_warning("remove %s: %s", sockfile.path, strerror(errno));
}

/* The loop is lib/dgram.c's; this server's part is its socket file. */
static int
unixdgd_run(struct server *s)
{
	return dgram_serve(s, NULL);
}

static const struct server_model unixdgd = {
	.name = "unixdgd",
	.socktype = SOCK_DGRAM,
	.local = 1,
	.default_addr = "/tmp/unixdgd.sock",
	.options = "dm:p:s:u:v",
	.synopsis = "[-dhVv] [-m mode] [-p pidfile] [-s service] [-u user] [path]",
	.help = "-m mode: of the socket file, in octal, such as 0660\n",
	.option = unixdgd_option,
	.open = unixdgd_open,
	.run = unixdgd_run,
	.close = unixdgd_close,
};

int
main(int argc, char **argv)
{
	return server_main(argc, argv, &unixdgd);
}
