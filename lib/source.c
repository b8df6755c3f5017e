/* source: the socket source; see source.h. */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "net.h"
#include "path.h"
#include "source.h"

void
source_init(struct source *src)
{
	memset(src, 0, sizeof *src);
	src->dirfd = -1;
}

int
source_option_mode(int opt, const char *arg, int *mode, char *why,
    size_t whylen)
{
	/* num_parse reads decimals; a mode is octal. */
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

/* One socket of socktype bound to a, listening if it is a stream one. */
static int
bind_socket(const struct addr *a, int family, int socktype, int backlog,
    int flags, char *err, size_t errlen)
{
	if (socktype == SOCK_STREAM)
		return net_listen(a, family, backlog, flags, err, errlen);
	return net_bind(a, family, socktype, flags, err, errlen);
}

/*
 * Is a server at the socket file?  Connect a datagram socket there: a
 * live one, of either type, answers (a stream one with EPROTOTYPE); a
 * socket whose server has gone refuses.  connect has no "at" form, so it
 * is made from inside the held directory, by its name there.  0 for no
 * one, 1 for someone, -1 with errno when it cannot tell.
 */
static int
server_answers(const struct source *src)
{
	struct sockaddr_un sun;
	int here, fd = -1, rc = -1, saved;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, src->name, strlen(src->name) + 1);
	if ((here = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	if (fchdir(src->dirfd) == 0 &&
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
clear_path(const struct source *src, char *err, size_t errlen)
{
	struct stat st;

	if (fstatat(src->dirfd, src->name, &st, AT_SYMLINK_NOFOLLOW) == -1) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", src->path, strerror(errno));
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "%s: exists and is not a socket; not removed",
		    src->path);
		return -1;
	}
	switch (server_answers(src)) {
	case 1:
		snprintf(err, errlen, "%s: in use: a server answers there",
		    src->path);
		return -1;
	case -1:
		snprintf(err, errlen, "%s: cannot tell whether a server answers "
		    "there: %s; not removed", src->path, strerror(errno));
		return -1;
	}
	if (unlinkat(src->dirfd, src->name, 0) == -1) {
		snprintf(err, errlen, "%s: remove stale socket: %s", src->path,
		    strerror(errno));
		return -1;
	}
	log_info("%s: removed a stale socket", src->path);
	return 0;
}

/* Let the held directory go: nothing of ours is in it to remove. */
static int
forget_dir(struct source *src)
{
	close(src->dirfd);
	src->dirfd = -1;
	return -1;
}

/*
 * A socket at the Unix path of a, the file made with mode (-1: as the
 * umask leaves it), its directory held in src for the removal at exit.
 * An abstract name has no file: nothing to check, give a mode or remove.
 */
static int
bind_path(struct source *src, const struct addr *a, int socktype,
    int backlog, int mode, char *err, size_t errlen)
{
	mode_t old = 0;
	struct stat st;
	int fd;

	if (a->kind == ADDR_ABSTRACT) {
		if (mode != -1) {
			snprintf(err, errlen, "-m: @%s is an abstract name, with no "
			    "file to give a mode", a->path);
			return -1;
		}
		return bind_socket(a, AF_UNSPEC, socktype, backlog, 0, err, errlen);
	}
	src->path = a->path;
	if ((src->dirfd = path_open_dir(a->path, src->name,
	    sizeof src->name)) == -1) {
		snprintf(err, errlen, "%s: %s", a->path, errno == EINVAL ?
		    "not a file name" : strerror(errno));
		return -1;
	}
	if (clear_path(src, err, errlen) == -1)
		return forget_dir(src);
	/* The umask, not a chmod after bind: no moment with the wrong mode. */
	if (mode != -1)
		old = umask((mode_t)~mode & 0777);
	fd = bind_socket(a, AF_UNSPEC, socktype, backlog, 0, err, errlen);
	if (mode != -1)
		umask(old);
	if (fd == -1)
		return forget_dir(src);
	/* What is at the name in the held directory now is ours to remove. */
	if (fstatat(src->dirfd, src->name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		src->dev = st.st_dev;
		src->ino = st.st_ino;
	}
	return fd;
}

/*
 * The sockets of an IP address: one, or one per worker with SO_REUSEPORT
 * on each; after the first, on the port it got (port 0 picks one).
 */
static int
bind_ip(struct source *src, const struct addr *a, int family, int socktype,
    int backlog, int flags, char *err, size_t errlen)
{
	struct addr same = *a;
	int i;

	for (i = 0; i < src->n; i++) {
		if ((src->fd[i] = bind_socket(&same, family, socktype, backlog,
		    flags, err, errlen)) == -1)
			return -1;
		same.port = (unsigned)net_port(src->fd[0]);
	}
	return 0;
}

int
source_open(struct source *src, const struct addr *a, int family,
    int socktype, int backlog, const struct source_want *w, char *err,
    size_t errlen)
{
	int i, rc;

	source_init(src);
	src->n = w->per_worker > 1 ? w->per_worker : 1;
	if ((src->fd = malloc((size_t)src->n * sizeof *src->fd)) == NULL) {
		snprintf(err, errlen, "sockets: %s", strerror(errno));
		return -1;
	}
	for (i = 0; i < src->n; i++)
		src->fd[i] = -1;
	/*
	 * Sockets handed in will be taken here, as one more way of getting
	 * them, before anything is bound: systemd's LISTEN_FDS (fds 3 and
	 * on, when LISTEN_PID is ours), or inetd's fd 0 with -i.  Each is
	 * checked for the socket type asked, then made blocking or not as
	 * below, like a socket bound here.  (Not written yet.)
	 */
	if (a->kind != ADDR_INET && w->per_worker > 0) {
		snprintf(err, errlen, "a socket per worker needs an IP address");
		rc = -1;
	} else if (a->kind != ADDR_INET)
		rc = (src->fd[0] = bind_path(src, a, socktype, backlog, w->mode,
		    err, errlen)) == -1 ? -1 : 0;
	else
		rc = bind_ip(src, a, family, socktype, backlog, w->per_worker > 0 ?
		    NET_REUSEPORT : 0, err, errlen);
	for (i = 0; rc == 0 && i < src->n; i++)
		if (net_set_nonblock(src->fd[i], !w->blocking) == -1) {
			snprintf(err, errlen, "%s: %s", socktype == SOCK_STREAM ?
			    "listener" : "socket", strerror(errno));
			rc = -1;
		}
	if (rc == -1)
		source_close(src);
	return rc;
}

void
source_close(struct source *src)
{
	struct stat st;
	int i;

	if (src->dirfd != -1) {
		if (src->ino != 0 && fstatat(src->dirfd, src->name, &st,
		    AT_SYMLINK_NOFOLLOW) == 0 && st.st_dev == src->dev &&
		    st.st_ino == src->ino && unlinkat(src->dirfd, src->name, 0) == -1)
			log_warning("remove %s: %s", src->path, strerror(errno));
		close(src->dirfd);
		src->dirfd = -1;
	}
	for (i = 0; i < src->n; i++)
		if (src->fd[i] != -1)
			close(src->fd[i]);
	free(src->fd);
	src->fd = NULL;
	src->n = 0;
}
