/*
 * held: loadcli -H: idle connections held open beside the load, all from
 * one process, the holder.  It opens them at a bounded pace, then polls
 * them until loadcli stops it, and counts, in memory it shares with
 * loadcli, those made, those not made by kind, those the server closed,
 * and those still open at the end.  Every function takes NULL (no -H) and
 * then does nothing, or reports nothing.
 */
#ifndef TINCAN_HELD_H
#define TINCAN_HELD_H

#include <sys/types.h>
#include <stddef.h>

struct addrinfo;
struct held;

/*
 * held_start: make room for n connections (the soft RLIMIT_NOFILE is
 * raised, up to the hard one), then fork the holder, which connects n
 * times to ai.  Returns the holder's handle, or NULL with the reason in
 * why: "-H 1000: 1032 descriptors needed, the hard limit is 256".
 */
struct held *held_start(const struct addrinfo *ai, long long n, char *why,
	    size_t whylen);

/*
 * held_wait: wait until the holder has made (or failed) every connection,
 * at most 1 s and 1 ms a connection, and never past deadline_us
 * (io_now_us); a signal ends the wait early.
 */
void	held_wait(struct held *h, long long deadline_us);

/* held_reaped: is pid the holder's?  Then its status is kept: it is reaped. */
int	held_reaped(struct held *h, pid_t pid, int status);

/*
 * held_stop: end the holder's connections and reap it, killing it if it
 * takes more than a few seconds; says so if it died.
 */
void	held_stop(struct held *h);

/*
 * held_failed: did the holder fall short: a connection not made, one the
 * server closed, or the holder itself died?  0 for NULL.
 */
int	held_failed(const struct held *h);

/*
 * held_report_text: the held line of the text report.  held_report_json:
 * its key in the JSON object, ', "held": {...}', to print before the
 * object's closing brace.
 */
void	held_report_text(const struct held *h);
void	held_report_json(const struct held *h);

/* held_free: unmap what held_start made; the holder must be reaped. */
void	held_free(struct held *h);

#endif
