/* pidfile: the daemon's pidfile, made safely; see pidfile.h. */
#define _DEFAULT_SOURCE		/* flock: a BSD lock, held by the open file */
#include <sys/types.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "path.h"
#include "pidfile.h"

/* How often a file made and removed by someone else in between is tried again. */
#define OPEN_TRIES	3

void
pidfile_init(struct pidfile *pf)
{
	memset(pf, 0, sizeof *pf);
	pf->dirfd = pf->writefd = pf->lockfd = -1;
}

void
pidfile_close(struct pidfile *pf)
{
	if (pf->lockfd != -1)
		close(pf->lockfd);
	if (pf->writefd != -1)
		close(pf->writefd);
	if (pf->dirfd != -1)
		close(pf->dirfd);
	pf->dirfd = pf->writefd = pf->lockfd = -1;
}

/*
 * Open the file for writing, never through a link: the one that is there,
 * or a new one that nobody else can have made (O_EXCL).  The descriptor,
 * or -1 with errno (ELOOP: a symbolic link is there).
 */
static int
open_for_writing(const struct pidfile *pf)
{
	const int flags = O_RDWR | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC;
	int fd, tries;

	for (tries = 0; tries < OPEN_TRIES; tries++) {
		if ((fd = openat(pf->dirfd, pf->name, flags)) != -1 ||
		    errno != ENOENT)
			return fd;
		if ((fd = openat(pf->dirfd, pf->name, flags | O_CREAT | O_EXCL,
		    0644)) != -1 || errno != EEXIST)
			return fd;
	}
	return -1;
}

/* Is what fd opened fit to be our pidfile?  0, or -1 with the reason in err. */
static int
check_file(int fd, const char *path, struct stat *st, char *err, size_t errlen)
{
	if (fstat(fd, st) == -1)
		snprintf(err, errlen, "pidfile %s: %s", path, strerror(errno));
	else if (!S_ISREG(st->st_mode))
		snprintf(err, errlen, "pidfile %s: not a regular file; not used", path);
	else if (st->st_nlink != 1)
		snprintf(err, errlen, "pidfile %s: has %lu names (a hard link); "
		    "not used", path, (unsigned long)st->st_nlink);
	else if (st->st_uid != geteuid())
		snprintf(err, errlen, "pidfile %s: owned by uid %lu, not by this "
		    "server; not used (remove it, or use a directory only root "
		    "can write, such as /run)", path, (unsigned long)st->st_uid);
	else
		return 0;
	return -1;
}

/* The lock is taken: say by which pid, as the file gives it. */
static void
say_running(int fd, const char *path, char *err, size_t errlen)
{
	char pid[16];
	ssize_t n = pread(fd, pid, sizeof pid - 1, 0);
	size_t len = n > 0 ? strspn(pid, "0123456789") : 0;

	if (n > 0 && (size_t)n > len && pid[len] == '\n' && len > 0) {
		pid[len] = '\0';
		snprintf(err, errlen, "pidfile %s: already running (pid %s)", path,
		    pid);
	} else
		snprintf(err, errlen, "pidfile %s: already running", path);
}

/* The read-only descriptor the lock lives on, of the same file; -1 with err. */
static int
lock_file(struct pidfile *pf, const char *path, char *err, size_t errlen)
{
	struct stat st;

	pf->lockfd = openat(pf->dirfd, pf->name,
	    O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (pf->lockfd == -1 || fstat(pf->lockfd, &st) == -1) {
		snprintf(err, errlen, "pidfile %s: %s", path, strerror(errno));
		return -1;
	}
	if (st.st_dev != pf->dev || st.st_ino != pf->ino) {
		snprintf(err, errlen, "pidfile %s: replaced while being opened; "
		    "not used", path);
		return -1;
	}
	if (flock(pf->lockfd, LOCK_EX | LOCK_NB) == -1) {
		if (errno == EWOULDBLOCK)
			say_running(pf->lockfd, path, err, errlen);
		else
			snprintf(err, errlen, "pidfile %s: lock: %s", path,
			    strerror(errno));
		return -1;
	}
	return 0;
}

int
pidfile_open(struct pidfile *pf, const char *path, char *err, size_t errlen)
{
	struct stat st;

	pidfile_init(pf);
	if ((pf->dirfd = path_open_dir(path, pf->name, sizeof pf->name)) == -1) {
		snprintf(err, errlen, "pidfile %s: %s", path, errno == EINVAL ?
		    "not a file name" : strerror(errno));
		goto fail;
	}
	if ((pf->writefd = open_for_writing(pf)) == -1) {
		snprintf(err, errlen, "pidfile %s: %s", path, errno == ELOOP ?
		    "a symbolic link; not followed" : strerror(errno));
		goto fail;
	}
	if (check_file(pf->writefd, path, &st, err, errlen) == -1)
		goto fail;
	pf->dev = st.st_dev;
	pf->ino = st.st_ino;
	/* Ours, but maybe left writable by others: not any more. */
	if ((st.st_mode & 07777) != 0644 && fchmod(pf->writefd, 0644) == -1) {
		snprintf(err, errlen, "pidfile %s: chmod: %s", path, strerror(errno));
		goto fail;
	}
	if (lock_file(pf, path, err, errlen) == -1)
		goto fail;
	/* Removed by this process if it fails before a pid is written. */
	pf->owner = getpid();
	return 0;
fail:
	pidfile_close(pf);
	return -1;
}

int
pidfile_write(struct pidfile *pf, char *err, size_t errlen)
{
	char line[32];
	int n = snprintf(line, sizeof line, "%ld\n", (long)getpid());

	if (ftruncate(pf->writefd, 0) == -1 ||
	    pwrite(pf->writefd, line, (size_t)n, 0) != n) {
		snprintf(err, errlen, "pidfile %s: %s", pf->name, strerror(errno));
		return -1;
	}
	close(pf->writefd);
	pf->writefd = -1;
	pf->owner = getpid();
	return 0;
}

void
pidfile_remove(struct pidfile *pf)
{
	struct stat st;

	if (pf->dirfd != -1 && pf->owner == getpid() &&
	    fstatat(pf->dirfd, pf->name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    st.st_dev == pf->dev && st.st_ino == pf->ino)
		(void)unlinkat(pf->dirfd, pf->name, 0);
	pidfile_close(pf);
}
