/* log: messages as "prog: context: reason", to stderr or, once detached, syslog. */
#ifndef TINCAN_LOG_H
#define TINCAN_LOG_H

#include <stddef.h>

/*
 * log_open: name the program in every message; messages go to stderr.
 * Descriptors 0, 1 and 2, if closed, are opened on /dev/null first.
 */
void	log_open(const char *prog);

/* log_to_syslog: from now on, send messages to syslog (LOG_DAEMON). */
void	log_to_syslog(void);

/* log_prog: the program name log_open was given. */
const char *log_prog(void);

/* log_error, log_warning, log_info: one message, "prog: " and a newline added. */
void	log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * log_output: what the print service shows, "peer: text", as one write to
 * standard output so that lines of concurrent processes do not mix, or to
 * syslog once detached.  A newline is added if text lacks one.
 */
void	log_output(const char *peer, const char *text, size_t len);

#endif
