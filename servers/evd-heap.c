/*
 * evd-heap: the deadlines of evd's connections, in a binary min-heap.
 *
 * Why a heap.  The loop needs two things of its timers: the soonest
 * deadline, before every wait (for the wait's timeout), and a move of one
 * connection's deadline after every step that made progress.  Deadlines
 * are not all "now + -t": a lingering close ends 2 s after the reply, a
 * bench request must come whole within -t of its first byte, and a
 * connection waiting to write has none that moves.  A heap gives the
 * soonest in O(1) and a move in O(log n), whatever the deadlines are, in
 * one array of -m pointers made at start: nothing is allocated per timer,
 * and the cost does not grow with the wake-ups.  Each connection keeps its
 * place in the heap, so that a move starts there and needs no search.
 * A sorted list costs O(n) a move; a timing wheel (the kernel's, or
 * Varghese and Lauck's) O(1), but with a fixed tick and a horizon to size
 * for -t up to a day, which buys nothing at the number of connections one
 * process holds.  (libevent and libuv use a heap for the same reasons.)
 */
#include <stddef.h>

#include "evd.h"

static void
put(struct deadlines *h, size_t i, struct evconn *ec)
{
	h->at[i] = ec;
	ec->heap_at = i;
}

/* Move the entry at i towards the root while it is sooner than its parent. */
static void
sift_up(struct deadlines *h, size_t i)
{
	struct evconn *ec = h->at[i];
	size_t parent;

	while (i > 0 && ec->when < h->at[parent = (i - 1) / 2]->when) {
		put(h, i, h->at[parent]);
		i = parent;
	}
	put(h, i, ec);
}

/* Move the entry at i down while a child is sooner. */
static void
sift_down(struct deadlines *h, size_t i)
{
	struct evconn *ec = h->at[i];
	size_t child;

	while ((child = 2 * i + 1) < h->n) {
		if (child + 1 < h->n && h->at[child + 1]->when < h->at[child]->when)
			child++;
		if (ec->when <= h->at[child]->when)
			break;
		put(h, i, h->at[child]);
		i = child;
	}
	put(h, i, ec);
}

/* Take ec out: the last entry takes its place, and goes up or down. */
static void
take_out(struct deadlines *h, struct evconn *ec)
{
	size_t i = ec->heap_at;
	struct evconn *last = h->at[--h->n];

	ec->heap_at = EVD_NOWHERE;
	if (last == ec)
		return;
	put(h, i, last);
	sift_up(h, i);
	sift_down(h, last->heap_at);
}

void
deadlines_set(struct deadlines *h, struct evconn *ec, long long when)
{
	if (ec->heap_at == EVD_NOWHERE) {
		if (when == 0)
			return;
		ec->when = when;
		put(h, h->n++, ec);
		sift_up(h, ec->heap_at);
	} else if (when == 0) {
		take_out(h, ec);
	} else if (when != ec->when) {
		ec->when = when;
		sift_up(h, ec->heap_at);
		sift_down(h, ec->heap_at);
	}
}

struct evconn *
deadlines_first(const struct deadlines *h)
{
	return h->n > 0 ? h->at[0] : NULL;
}
