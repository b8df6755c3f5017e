/* log: messages as "prog: context: reason", to stderr or, once detached, syslog. */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"

static const char *progname = "tincan";
static int use_syslog;

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
log_output(const char *peer, const char *text, size_t len)
{
	char line[4096];
	size_t n;
	int body;

	if (len > 0 && text[len - 1] == '\n')
		len--;
	if (use_syslog) {
		syslog(LOG_INFO, "%s: %.*s", peer, (int)len, text);
		return;
	}
	/* Longer text is cut, not split: one line in, one line out. */
	n = (size_t)snprintf(line, sizeof line, "%s: ", peer);
	body = (int)(len < sizeof line - n - 1 ? len : sizeof line - n - 1);
	memcpy(line + n, text, (size_t)body);
	n += (size_t)body;
	line[n++] = '\n';
	(void)!write(STDOUT_FILENO, line, n);
}
