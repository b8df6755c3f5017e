/* log: messages as "prog: context: reason", to stderr or, once detached, syslog. */
#include <sys/stat.h>

#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "escape.h"
#include "io.h"
#include "log.h"

static const char *progname = "tincan";
static int use_syslog;
static int output_fd = STDOUT_FILENO;	/* where log_output writes */

void
log_open(const char *prog)
{
	int fd;

	progname = prog;
	use_syslog = 0;
	/* A closed 0, 1 or 2 would be reused by the next socket: fill them. */
	while ((fd = open("/dev/null", O_RDWR)) != -1 && fd <= STDERR_FILENO)
		continue;
	if (fd > STDERR_FILENO)
		close(fd);
}

void
log_to_syslog(void)
{
	openlog(progname, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	use_syslog = 1;
}

const char *
log_prog(void)
{
	return progname;
}

/* Format the whole line first, so that it reaches stderr in one write. */
static void log_line(int priority, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static void
log_line(int priority, const char *fmt, va_list ap)
{
	char line[2048];
	int n;

	n = snprintf(line, sizeof line, "%s: ", progname);
	vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
	if (use_syslog) {
		syslog(priority, "%s", line + n);
		return;
	}
	n = (int)strlen(line);
	line[n++] = '\n';
	(void)!write(STDERR_FILENO, line, (size_t)n);
}

void
log_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line(LOG_ERR, fmt, ap);
	va_end(ap);
}

void
log_warning(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line(LOG_WARNING, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line(LOG_INFO, fmt, ap);
	va_end(ap);
}

void
log_output_open(void)
{
	struct stat st;
	int fd;

	if (fstat(STDOUT_FILENO, &st) == -1 ||
	    !(S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode)))
		return;
	/* A description of our own: O_NONBLOCK on fd 1 would be the shell's too. */
	fd = open("/proc/self/fd/1", O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd != -1)
		output_fd = fd;
}

int
log_output(const char *peer, const char *text, size_t len, int more,
    int timeout_ms)
{
	char line[PIPE_BUF];
	size_t head, n;

	if (!more && len > 0 && text[len - 1] == '\n')
		len -= len > 1 && text[len - 2] == '\r' ? 2 : 1;
	head = (size_t)snprintf(line, sizeof line / 2, "%s: ", peer);
	if (head >= sizeof line / 2)
		head = sizeof line / 2 - 1;
	do {
		/* Room kept for the '\\' of a continued line and the newline. */
		n = escape_text(line + head, sizeof line - head - 2, text, len);
		text += n;
		len -= n;
		n = head + strlen(line + head);
		if (len > 0 || more)
			line[n++] = '\\';
		if (use_syslog) {
			line[n] = '\0';
			syslog(LOG_INFO, "%s", line);
			continue;
		}
		line[n++] = '\n';
		if (io_writen(output_fd, line, n, timeout_ms) == -1)
			return -1;
	} while (len > 0);
	return 0;
}
