/* dgcli: what the datagram clients share; see dgcli.h. */
#include <sys/types.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dgcli.h"
#include "dgram.h"
#include "io.h"
#include "opt.h"

/* Lines of input, each at most a datagram long, read only after a wait. */
struct lines {
	int	fd;
	int	eof;
	long	number;			/* of the last line taken */
	size_t	start, end;		/* unread bytes are buf[start..end) */
	char	buf[DGRAM_MAX + 1];	/* a longest line and its newline */
};

void
dgcli_init(struct dgcli *c)
{
	memset(c, 0, sizeof *c);
	c->retries = DGCLI_RETRIES;
	c->timeout = DGCLI_TIMEOUT;
	c->fd = -1;
	sigprocmask(SIG_SETMASK, NULL, &c->waitmask);
}

int
dgcli_option(struct dgcli *c, int opt, const char *arg, char *why,
    size_t whylen)
{
	switch (opt) {
	case 'n':
		c->nowait = 1;
		return 0;
	case 'r':
		return opt_num(opt, arg, 0, 1000, &c->retries, why, whylen);
	case 't':
		return opt_num(opt, arg, 1, 86400, &c->timeout, why, whylen);
	default:
		snprintf(why, whylen, "unknown option '-%c'", opt);
		return -1;
	}
}

int
dgcli_messages(struct dgcli *c, int n, char **messages, char *why,
    size_t whylen)
{
	int i;

	for (i = 0; i < n; i++)
		if (strlen(messages[i]) > DGRAM_MAX) {
			snprintf(why, whylen, "message %d is longer than %d bytes",
			    i + 1, DGRAM_MAX);
			return -1;
		}
	c->messages = messages;
	c->nmessages = n;
	return 0;
}

/*
 * Wait until fd is ready to read (or, with for_write, to write), letting the
 * signals of waitmask in, until deadline (ms of io_now_ms; -1: for ever).
 * Returns 1 when ready, 0 at the deadline, -1 with errno (EINTR: a signal).
 */
static int
wait_for(const struct dgcli *c, int fd, int for_write, long long deadline)
{
	struct timespec ts, *tsp = NULL;
	long long left;
	fd_set fds;
	int rc;

	if (fd >= FD_SETSIZE) {
		errno = EBADF;
		return -1;
	}
	if (deadline >= 0) {
		left = deadline - io_now_ms();
		if (left < 0)
			left = 0;
		ts.tv_sec = (time_t)(left / 1000);
		ts.tv_nsec = (long)(left % 1000) * 1000000;
		tsp = &ts;
	}
	FD_ZERO(&fds);
	FD_SET(fd, &fds);
	rc = pselect(fd + 1, for_write ? NULL : &fds, for_write ? &fds : NULL,
	    NULL, tsp, &c->waitmask);
	return rc > 0 ? 1 : rc;
}

/* Fill err as "what: strerror(errno)", keeping errno; returns -1. */
static int
failed(char *err, size_t errlen, const char *what)
{
	int saved = errno;

	snprintf(err, errlen, "%s: %s", what, strerror(saved));
	errno = saved;
	return -1;
}

/* The next line of input, without its newline: 1, 0 at the end, -1 with err. */
static int
next_line(const struct dgcli *c, struct lines *lb, const char **line,
    size_t *len, char *err, size_t errlen)
{
	const char *nl;
	ssize_t n;

	for (;;) {
		nl = memchr(lb->buf + lb->start, '\n', lb->end - lb->start);
		if (nl != NULL || (lb->eof && lb->start < lb->end)) {
			*line = lb->buf + lb->start;
			*len = (size_t)((nl != NULL ? nl : lb->buf + lb->end) -
			    *line);
			lb->start += *len + (nl != NULL);
			lb->number++;
			return 1;
		}
		if (lb->eof)
			return 0;
		memmove(lb->buf, lb->buf + lb->start, lb->end - lb->start);
		lb->end -= lb->start;
		lb->start = 0;
		if (lb->end == sizeof lb->buf) {
			snprintf(err, errlen, "line %ld of standard input is longer "
			    "than %d bytes", lb->number + 1, DGRAM_MAX);
			errno = EMSGSIZE;
			return -1;
		}
		if (wait_for(c, lb->fd, 0, -1) == -1)
			return failed(err, errlen, "standard input");
		n = read(lb->fd, lb->buf + lb->end, sizeof lb->buf - lb->end);
		if (n == -1 && errno != EINTR && errno != EAGAIN)
			return failed(err, errlen, "read from standard input");
		if (n == 0)
			lb->eof = 1;
		else if (n > 0)
			lb->end += (size_t)n;
	}
}

/* Send one datagram, waiting (with the signals let in) while it cannot go. */
static int
send_one(const struct dgcli *c, const char *msg, size_t len, char *err,
    size_t errlen)
{
	for (;;) {
		if (send(c->fd, msg, len, MSG_DONTWAIT) != -1)
			return 0;
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			return failed(err, errlen, c->peer);
		if (wait_for(c, c->fd, 1, -1) == -1)
			return failed(err, errlen, c->peer);
	}
}

/*
 * Take a datagram that is there: its length, -2 when there is none, or -1
 * with err (an ICMP error the kernel has queued, "Connection refused").
 */
static ssize_t
take_reply(const struct dgcli *c, char *buf, size_t size, char *err,
    size_t errlen)
{
	struct iovec iov = { .iov_base = buf, .iov_len = size };
	struct msghdr msg;
	ssize_t n;

	memset(&msg, 0, sizeof msg);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if ((n = recvmsg(c->fd, &msg, MSG_DONTWAIT)) == -1)
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ?
		    -2 : failed(err, errlen, c->peer);
	if (msg.msg_flags & MSG_TRUNC) {
		snprintf(err, errlen, "reply from %s longer than %zu bytes",
		    c->peer, size);
		errno = EMSGSIZE;
		return -1;
	}
	return n;
}

/*
 * Throw away replies that came too late, to the tries before the last, so
 * they are not taken for the reply to the next message.
 */
static int
drop_late_replies(const struct dgcli *c, char *buf, size_t size, char *err,
    size_t errlen)
{
	ssize_t n;

	while ((n = take_reply(c, buf, size, err, errlen)) >= 0)
		continue;
	return n == -2 ? 0 : -1;
}

/* One message for its reply, into buf: the reply's length, or -1 with err. */
static ssize_t
request(const struct dgcli *c, const char *msg, size_t len, char *buf,
    size_t size, char *err, size_t errlen)
{
	long long tries = c->retries + 1, try, deadline;
	ssize_t n;
	int rc;

	if (drop_late_replies(c, buf, size, err, errlen) == -1)
		return -1;
	for (try = 0; try < tries; try++) {
		if (send_one(c, msg, len, err, errlen) == -1)
			return -1;
		deadline = io_now_ms() + c->timeout * 1000;
		while ((rc = wait_for(c, c->fd, 0, deadline)) == 1)
			if ((n = take_reply(c, buf, size, err, errlen)) != -2)
				return n;
		if (rc == -1)
			return failed(err, errlen, c->peer);
	}
	if (tries == 1)
		snprintf(err, errlen, "no reply from %s within %lld s (sent once; "
		    "-r resends, -n does not wait)", c->peer, c->timeout);
	else
		snprintf(err, errlen, "no reply from %s after %lld tries",
		    c->peer, tries);
	errno = ETIMEDOUT;
	return -1;
}

/* The reply on a line of its own: a newline is added unless it ends in one. */
static int
write_reply(int out, char *reply, size_t len, char *err, size_t errlen)
{
	if (len == 0 || reply[len - 1] != '\n')
		reply[len++] = '\n';
	if (io_write_shown(out, reply, len, 0) == -1)
		return failed(err, errlen, "write to standard output");
	return 0;
}

int
dgcli_run(struct dgcli *c, int in, int out, char *err, size_t errlen)
{
	static char reply[DGCLI_REPLY_MAX + 1];
	static struct lines input;
	const char *msg;
	size_t len;
	ssize_t n;
	int i, rc;

	memset(&input, 0, offsetof(struct lines, buf));
	input.fd = in;
	for (i = 0;;) {
		if (c->nmessages > 0) {
			if (i == c->nmessages)
				return 0;
			msg = c->messages[i++];
			len = strlen(msg);
		} else if ((rc = next_line(c, &input, &msg, &len, err,
		    errlen)) != 1)
			return rc;
		if (c->nowait)
			rc = send_one(c, msg, len, err, errlen);
		else if ((n = request(c, msg, len, reply, sizeof reply - 1, err,
		    errlen)) >= 0)
			rc = write_reply(out, reply, (size_t)n, err, errlen);
		else
			rc = -1;
		if (rc == -1)
			return -1;
	}
}

int
dgcli_bind_reply(int fd, char *path, size_t size, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	const char *tmp = getenv("TMPDIR");
	char dir[sizeof sun.sun_path - 2];	/* room left for "/s" */
	int saved, long_path;

	path[0] = '\0';
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	/* The family alone: Linux picks a free abstract name, "@0a1b2". */
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sa_family_t)) == 0)
		return 0;
	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	long_path = (size_t)snprintf(dir, sizeof dir, "%s/unixdgcli.XXXXXX",
	    tmp) >= sizeof dir;
	if (long_path || mkdtemp(dir) == NULL) {
		saved = long_path ? ENAMETOOLONG : errno;
		snprintf(err, errlen, "reply address in %s: %s", tmp,
		    strerror(saved));
		errno = saved;
		return -1;
	}
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s/s", dir);
	if (bind(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		saved = errno;
		rmdir(dir);
		errno = saved;
		snprintf(err, errlen, "bind %s: %s", sun.sun_path, strerror(saved));
		return -1;
	}
	snprintf(path, size, "%s", sun.sun_path);
	return 0;
}

int
dgcli_unbind(const char *path)
{
	char dir[sizeof ((struct sockaddr_un *)0)->sun_path];
	char *slash;

	if (path[0] == '\0')
		return 0;
	if (unlink(path) == -1)
		return -1;
	snprintf(dir, sizeof dir, "%s", path);
	if ((slash = strrchr(dir, '/')) != NULL)
		*slash = '\0';
	return rmdir(dir);
}
