/*
 * pidfile: the file that says which process a daemon is, made safely by a
 * process that may be root, in a directory others may be able to write.
 * It is opened without following a link, only if it is a regular file of
 * our own with no other name (or made new), and locked for the server's
 * life, so that a second server refuses to start and says which pid holds
 * it.  The lock is held on a read-only descriptor: once the pid is
 * written, no process of the server can write the file root reads, even
 * after the privilege drop.
 */
#ifndef TINCAN_PIDFILE_H
#define TINCAN_PIDFILE_H

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

struct pidfile {
	int	dirfd;		/* the directory, held: removal at exit is there */
	int	writefd;	/* until the pid is written; then -1 */
	int	lockfd;		/* read-only, locked (flock) while we live */
	dev_t	dev;		/* which file it is, to remove only that one */
	ino_t	ino;
	pid_t	owner;		/* the process that opened or wrote it: it removes it */
	char	name[NAME_MAX + 1];	/* its name in dirfd */
};

/* pidfile_init: a pidfile not yet opened (every descriptor -1). */
void	pidfile_init(struct pidfile *pf);

/*
 * pidfile_open: open or create path, and lock it.  Refused, with the
 * reason in err: a link or anything but a regular file at path; a file
 * with more than one name (a hard link to another file); a file someone
 * else owns; a lock held by a running server ("already running (pid 42)").
 * Returns 0, or -1 with err set and nothing left open.
 */
int	pidfile_open(struct pidfile *pf, const char *path, char *err,
	    size_t errlen);

/*
 * pidfile_write: write the calling process's pid, then give up the
 * writable descriptor.  Call it in the process that will serve (after a
 * detaching fork).  Returns 0, or -1 with err set.
 */
int	pidfile_write(struct pidfile *pf, char *err, size_t errlen);

/*
 * pidfile_remove: in the process that wrote it (or opened it, if it fails
 * before a pid is written), remove the file if it is
 * still ours (a file put in its place is left alone), and close
 * everything.  Without the right to remove it (after -u, in a directory
 * only root writes) the file stays, unlocked: a new server takes it over.
 * Elsewhere (a child) it only closes.
 */
void	pidfile_remove(struct pidfile *pf);

/* pidfile_close: close every descriptor, remove nothing: in a child. */
void	pidfile_close(struct pidfile *pf);

#endif
