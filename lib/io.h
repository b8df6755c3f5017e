/* io: reads and writes that survive EINTR and short counts, with timeouts. */
#ifndef TINCAN_IO_H
#define TINCAN_IO_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Every function here takes timeout_ms, the longest it may wait for the
 * descriptor to become ready each time it would block; timeout_ms <= 0
 * waits for ever.  A timeout only applies to a non-blocking descriptor
 * (a blocking one never reports that it would block); when it expires the
 * function returns -1 with errno ETIMEDOUT.
 */

/* io_now_ms: milliseconds on the monotonic clock, for deadlines. */
long long io_now_ms(void);

/* io_wait: poll fd for events.  Returns 0 when ready, -1 with errno. */
int	io_wait(int fd, short events, int timeout_ms);

/* io_read: one read of up to n bytes.  Returns the count, 0 at end of file. */
ssize_t	io_read(int fd, void *buf, size_t n, int timeout_ms);

/* io_readn: read exactly n bytes.  Returns n, fewer at end of file, or -1. */
ssize_t	io_readn(int fd, void *buf, size_t n, int timeout_ms);

/* io_writen: write all n bytes.  Returns n, or -1 with errno (EPIPE...). */
ssize_t	io_writen(int fd, const void *buf, size_t n, int timeout_ms);

/* A read buffer for line-oriented input on one descriptor. */
struct io_lines {
	int	fd;
	size_t	start, end;		/* unread bytes are data[start..end) */
	char	data[4096];
};

/* io_lines_init: start reading lines from fd. */
void	io_lines_init(struct io_lines *lb, int fd);

/*
 * io_readline: the next line, its '\n' kept, NUL-terminated in line.
 * Returns its length; at end of file a last line without '\n' as it is,
 * then 0.  A line that does not fit in size - 1 bytes is -1 with errno
 * EMSGSIZE (what was read of it is in line).  Bytes after the line stay
 * buffered for the next call.
 */
ssize_t	io_readline(struct io_lines *lb, char *line, size_t size,
	    int timeout_ms);

#endif
