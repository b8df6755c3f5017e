/* io: reads and writes that survive EINTR and short counts, with timeouts. */
#define _GNU_SOURCE		/* ppoll: POSIX.1-2024, in Linux and the BSDs */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "escape.h"
#include "io.h"

/*
 * What io_stop_at set: give up waiting once *stop_flag >= stop_level; wait
 * with the signal mask wait_mask, when has_wait_mask.
 */
static const volatile sig_atomic_t *stop_flag;
static sig_atomic_t stop_level;
static sigset_t wait_mask;
static int has_wait_mask;

long long
io_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

long long
io_now_ms(void)
{
	return io_now_us() / 1000;
}

void
io_stop_at(const volatile sig_atomic_t *flag, int level,
    const sigset_t *waitmask)
{
	stop_flag = flag;
	stop_level = (sig_atomic_t)level;
	has_wait_mask = waitmask != NULL;
	if (waitmask != NULL)
		wait_mask = *waitmask;
}

int
io_poll(struct pollfd *fds, nfds_t n, int timeout_ms)
{
	struct timespec ts = { timeout_ms / 1000, timeout_ms % 1000 * 1000000L };

	if (!has_wait_mask)
		return poll(fds, n, timeout_ms);
	return ppoll(fds, n, timeout_ms < 0 ? NULL : &ts, &wait_mask);
}

void
io_let_signals_in(const sigset_t *mask)
{
	sigset_t held;

	if (mask == NULL && !has_wait_mask)
		return;
	sigprocmask(SIG_SETMASK, mask != NULL ? mask : &wait_mask, &held);
	sigprocmask(SIG_SETMASK, &held, NULL);
}

int
io_stopping(void)
{
	return stop_flag != NULL && *stop_flag >= stop_level;
}

/* A call a signal interrupted: try again (0), or give up (-1, EINTR)? */
static int
interrupted(void)
{
	errno = EINTR;
	return io_stopping() ? -1 : 0;
}

int
io_wait(int fd, short events, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	long long deadline = io_now_ms() + timeout_ms;
	int rc;

	for (;;) {
		long long left = deadline - io_now_ms();

		if (timeout_ms <= 0)
			left = -1;
		else if (left < 0)
			left = 0;
		rc = io_poll(&pfd, 1, (int)left);
		if (rc > 0)
			return 0;
		if (rc == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (errno != EINTR || interrupted() == -1)
			return -1;
	}
}

/* Did a call fail only because it would have blocked, or was interrupted? */
static int
must_wait(void)
{
	return errno == EAGAIN || errno == EWOULDBLOCK;
}

ssize_t
io_read(int fd, void *buf, size_t n, int timeout_ms)
{
	ssize_t r;

	for (;;) {
		if ((r = read(fd, buf, n)) >= 0)
			return r;
		if (errno == EINTR && interrupted() == 0)
			continue;
		if (!must_wait() || io_wait(fd, POLLIN, timeout_ms) == -1)
			return -1;
	}
}

ssize_t
io_readn(int fd, void *buf, size_t n, int timeout_ms)
{
	size_t got = 0;
	ssize_t r;

	while (got < n) {
		r = io_read(fd, (char *)buf + got, n - got, timeout_ms);
		if (r == -1)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

ssize_t
io_writen(int fd, const void *buf, size_t n, int timeout_ms)
{
	size_t put = 0;
	ssize_t w;

	while (put < n) {
		w = write(fd, (const char *)buf + put, n - put);
		if (w >= 0) {
			put += (size_t)w;
			continue;
		}
		if (errno == EINTR && interrupted() == 0)
			continue;
		if (!must_wait() || io_wait(fd, POLLOUT, timeout_ms) == -1)
			return -1;
	}
	return (ssize_t)put;
}

int
io_write_shown(int fd, const void *buf, size_t n, int timeout_ms)
{
	char shown[ESCAPE_SIZE(1024)];
	size_t taken;

	if (!isatty(fd))
		return io_writen(fd, buf, n, timeout_ms) == -1 ? -1 : 0;
	for (; n > 0; buf = (const char *)buf + taken, n -= taken) {
		taken = escape_terminal(shown, sizeof shown, buf, n);
		if (io_writen(fd, shown, strlen(shown), timeout_ms) == -1)
			return -1;
	}
	return 0;
}
