/*
 * source: the socket source, the first stage of every server (server.h).
 * It makes the sockets a model serves on, as the model asks (struct
 * source_want): one socket that every worker shares, or one for each
 * worker on one port by SO_REUSEPORT; blocking or not.  A Unix path is a
 * file, and the source keeps its rules: an old file there is removed only
 * when it is a socket where no server answers any more, the new one is
 * made with the mode asked for (-m), and at exit it is removed if it is
 * still the one made.  A model never binds for itself.
 */
#ifndef TINCAN_SOURCE_H
#define TINCAN_SOURCE_H

#include <stddef.h>
#include <sys/types.h>

#include "addr.h"

/* What a model asks of the source. */
struct source_want {
	/*
	 * 0: one socket that every worker shares.  n: one socket for each
	 * of n workers, all on one port, SO_REUSEPORT set on each, so that
	 * the kernel spreads the clients over them (IP only).
	 */
	int	per_worker;
	/* 1: blocking sockets (the workers wait in accept); 0: non-blocking. */
	int	blocking;
	/* The mode of a Unix socket file (-m), or -1: what the umask leaves. */
	int	mode;
};

/* What a model asks for when it says nothing: one non-blocking socket. */
#define SOURCE_WANT_DEFAULT	{ .per_worker = 0, .blocking = 0, .mode = -1 }

/* The sockets a server serves on, and the socket file it made. */
struct source {
	int		*fd;		/* the sockets: fd[0], or worker i's fd[i] */
	int		n;		/* how many */
	/* A Unix path: its directory, held, where the checks and removal happen. */
	int		dirfd;
	char		name[ADDR_UNIX_MAX + 1];
	dev_t		dev;		/* which file was made, to remove only it */
	ino_t		ino;
	const char	*path;		/* the path as given, for messages */
};

/* source_init: a source with no socket yet, for source_close to find empty. */
void	source_init(struct source *src);

/*
 * source_open: the sockets of socktype at a, as w asks, into src: bound
 * (a wildcard with family AF_UNSPEC takes IPv4 and IPv6, see net_bind),
 * listening with backlog for SOCK_STREAM, close-on-exec.  Port 0 gives
 * every socket of the worker the port the first one got.  A Unix path is
 * made as above; a stale socket removed is logged.  Returns 0, or -1 with
 * the reason in err ("bind 127.0.0.1:9877: Address already in use",
 * "/tmp/s: in use: a server answers there"), nothing left open or made.
 */
int	source_open(struct source *src, const struct addr *a, int family,
	    int socktype, int backlog, const struct source_want *w, char *err,
	    size_t errlen);

/*
 * source_close: remove the socket file, when it is still the one
 * source_open made (a failure is logged), and close every socket.
 */
void	source_close(struct source *src);

/*
 * source_option_mode: the value of -m, the mode of a socket file: octal,
 * 0 to 0777.  Returns 0, or -1 with the reason in why.
 */
int	source_option_mode(int opt, const char *arg, int *mode, char *why,
	    size_t whylen);

#endif
