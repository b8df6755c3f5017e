/*
 * pause-after: an LD_PRELOAD shim for tests of races between a check and
 * what is done on its strength.  With TINCAN_PAUSE=FILE in the
 * environment, the first connect(2) of a Unix-domain socket goes ahead,
 * then makes FILE.paused and waits, at most 20 s, until FILE.go exists:
 * the test changes the file system in between, deterministically.  Test
 * code only; not part of any program of the suite.
 */
#define _GNU_SOURCE		/* RTLD_NEXT */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int connect(int fd, const struct sockaddr *sa, socklen_t len);

/* Make FILE.paused, then wait for FILE.go. */
static void
pause_here(const char *file)
{
	struct timespec tick = { 0, 20 * 1000 * 1000 };
	char path[4096];
	struct stat st;
	int i, fd;

	snprintf(path, sizeof path, "%s.paused", file);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644)) != -1)
		close(fd);
	snprintf(path, sizeof path, "%s.go", file);
	for (i = 0; i < 1000 && stat(path, &st) == -1; i++)
		nanosleep(&tick, NULL);
}

int
connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	static int (*real)(int, const struct sockaddr *, socklen_t);
	static int paused;
	const char *file = getenv("TINCAN_PAUSE");
	int rc, saved;

	if (real == NULL)
		*(void **)&real = dlsym(RTLD_NEXT, "connect");
	rc = real(fd, sa, len);
	saved = errno;
	if (!paused && file != NULL && sa->sa_family == AF_UNIX) {
		paused = 1;
		pause_here(file);
	}
	errno = saved;
	return rc;
}
