/* io: reads and writes that survive EINTR and short counts, with timeouts. */
#ifndef TINCAN_IO_H
#define TINCAN_IO_H

#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * Every function here takes timeout_ms, the longest it may wait for the
 * descriptor to become ready each time it would block; timeout_ms <= 0
 * waits for ever.  A timeout only applies to a non-blocking descriptor
 * (a blocking one never reports that it would block); when it expires the
 * function returns -1 with errno ETIMEDOUT.
 *
 * A wait that a signal interrupts goes on, unless io_stop_at has said
 * when to give up: then it returns -1 with errno EINTR.
 */

/* io_now_ms, io_now_us: the monotonic clock in ms or us, for deadlines. */
long long io_now_ms(void);
long long io_now_us(void);

/*
 * io_stop_at: from now on, a wait here that a signal interrupts gives up
 * (EINTR) once *flag has reached level: a server's second SIGTERM ends the
 * connection it is serving.  NULL: waits end only by their timeout.  With
 * waitmask, every wait has that signal mask while it waits (ppoll), as
 * pselect does: a process that keeps its signals blocked lets them in
 * there, and only there, and needs no sigprocmask around a wait.
 */
void	io_stop_at(const volatile sig_atomic_t *flag, int level,
	    const sigset_t *waitmask);

/*
 * io_poll: poll(2), with the mask of io_stop_at while it waits.  Beware: a
 * poll that finds a descriptor ready at once delivers no pending signal;
 * a loop that may never wait calls io_let_signals_in every IO_LET_IN_MS.
 */
int	io_poll(struct pollfd *fds, nfds_t n, int timeout_ms);

/* How often a loop that may never wait lets the signals in, in ms. */
#define IO_LET_IN_MS	10

/*
 * io_let_signals_in: set the signal mask mask for a moment, so that the
 * pending signals it lets in are delivered; NULL: the mask of io_stop_at,
 * or nothing without one.
 */
void	io_let_signals_in(const sigset_t *mask);

/* io_stopping: has the flag of io_stop_at reached its level? */
int	io_stopping(void);

/* io_wait: poll fd for events.  Returns 0 when ready, -1 with errno. */
int	io_wait(int fd, short events, int timeout_ms);

/* io_read: one read of up to n bytes.  Returns the count, 0 at end of file. */
ssize_t	io_read(int fd, void *buf, size_t n, int timeout_ms);

/* io_readn: read exactly n bytes.  Returns n, fewer at end of file, or -1. */
ssize_t	io_readn(int fd, void *buf, size_t n, int timeout_ms);

/* io_writen: write all n bytes.  Returns n, or -1 with errno (EPIPE...). */
ssize_t	io_writen(int fd, const void *buf, size_t n, int timeout_ms);

/*
 * io_write_shown: write what a peer sent to fd, as a client shows it: as
 * it is, unless fd is a terminal, where it is escaped (escape_terminal) so
 * that no peer can act on the terminal.  Returns 0, or -1 with errno.
 */
int	io_write_shown(int fd, const void *buf, size_t n, int timeout_ms);

#endif
