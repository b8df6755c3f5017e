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
 * log_output_open: give the print service a standard output of its own
 * that never blocks: where standard output is a pipe, a FIFO or a
 * terminal, it is opened again, non-blocking (Linux: /proc/self/fd/1), so
 * that a reader who stops reading costs a connection its timeout instead
 * of stopping the server.  Elsewhere (a file, a socket) it is left as it is.
 */
void	log_output_open(void);

/*
 * log_output: show len bytes a peer sent, for the print service, as lines
 * "peer: text" on standard output (or syslog once detached).  The text is
 * escaped (escape_text) and its own line end, LF or CR LF, is not shown.
 * Each line is one write of at most PIPE_BUF bytes, so that the lines of
 * concurrent processes never mix; text too long for one line, and text
 * the caller says has more to come (more != 0), is shown in lines that end
 * in a lone '\', continued on the next line.  Waits at most timeout_ms
 * (<= 0: for ever) for standard output to take each line.  Returns 0, or
 * -1 with errno (ETIMEDOUT: it took nothing for that long).
 */
int	log_output(const char *peer, const char *text, size_t len, int more,
	    int timeout_ms);

#endif
