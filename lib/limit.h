/*
 * limit: how much one source may have, shared by every process and thread
 * of a server.  A table lives in shared memory made before any fork; a
 * source (its address, with or without its port) is hashed with a key
 * drawn at random to one slot, and each slot holds one number, updated
 * atomically: the theoretical arrival time of the generic cell rate
 * algorithm (GCRA, ITU-T I.371), which is a token bucket in one word.  Two
 * sources may share a slot; that only makes each stricter, never looser,
 * and a source cannot win a fresh budget by crowding the others out.
 */
#ifndef TINCAN_LIMIT_H
#define TINCAN_LIMIT_H

#include <stddef.h>
#include <sys/socket.h>

/* Slots in a table: enough that two busy sources rarely share one. */
#define LIMIT_SLOTS	4096
/* How often a line about one source's misbehaviour may be logged. */
#define LIMIT_LOG_MS	60000

/* Whether the port is part of the source. */
#define LIMIT_ADDRESS	0	/* the address alone: a host */
#define LIMIT_PORT	1	/* address and port: one socket of a host */

struct limit;

/*
 * limit_new: a table of budgets: each source may take burst at once, and
 * one more every interval_us microseconds.  Shared with the children
 * forked after it.  Returns the table, or NULL with errno.
 */
struct limit *limit_new(long long interval_us, unsigned burst, int by);

/* limit_free: unmap a table made by limit_new; NULL is ignored. */
void	limit_free(struct limit *l);

/*
 * limit_take: take one from the budget of the source sa (len bytes).
 * Returns 1 if it had one, 0 if it is spent.  A NULL table has no limit.
 */
int	limit_take(struct limit *l, const struct sockaddr *sa, socklen_t len);

/*
 * limit_new_log: a table for lines about a peer: one a source every
 * LIMIT_LOG_MS.  LIMIT_LOG_SUFFIX says so at the end of each line allowed.
 */
struct limit *limit_new_log(void);
#define LIMIT_LOG_SUFFIX "(more from this source are not logged for a minute)"

#endif
