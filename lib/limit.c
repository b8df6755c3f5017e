/* limit: how much one source may have; see limit.h. */
#define _DEFAULT_SOURCE		/* MAP_ANONYMOUS, getentropy */
#include <sys/types.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "io.h"
#include "limit.h"

struct limit {
	uint64_t	key;		/* of the hash: sources cannot aim at a slot */
	long long	interval_us;	/* one more every interval */
	long long	tolerance_us;	/* how far ahead a slot may run: the burst */
	int		by;		/* LIMIT_ADDRESS or LIMIT_PORT */
	/* Per slot, when its budget is back to full minus one, in us. */
	_Atomic long long tat[LIMIT_SLOTS];
};

/* A key no peer can guess, so that none can choose whom it shares a slot with. */
static uint64_t
random_key(void)
{
	uint64_t key;
	struct timespec ts;

	if (getentropy(&key, sizeof key) == 0)
		return key;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_nsec ^ (uint64_t)ts.tv_sec << 32 ^ (uint64_t)getpid();
}

struct limit *
limit_new(long long interval_us, unsigned burst, int by)
{
	struct limit *l;

	l = mmap(NULL, sizeof *l, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (l == MAP_FAILED)
		return NULL;
	/* The mapping is zeroed: every slot starts with its whole burst. */
	l->key = random_key();
	l->interval_us = interval_us;
	l->tolerance_us = interval_us * (burst > 0 ? burst - 1 : 0);
	l->by = by;
	return l;
}

struct limit *
limit_new_log(void)
{
	return limit_new(LIMIT_LOG_MS * 1000LL, 1, LIMIT_ADDRESS);
}

void
limit_free(struct limit *l)
{
	if (l != NULL)
		munmap(l, sizeof *l);
}

/* The finaliser of SplitMix64: each bit of h moves every bit of the result. */
static uint64_t
mix(uint64_t h)
{
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	return h ^ (h >> 31);
}

static uint64_t
hash_bytes(uint64_t h, const void *bytes, size_t n)
{
	const unsigned char *p = bytes;
	size_t i;

	for (i = 0; i < n; i++)
		h = mix(h ^ p[i]);
	return h;
}

/*
 * The slot of source sa: its family, its address (an IPv4-mapped IPv6
 * address as the IPv4 one: the same host), and its port if the table
 * counts by port; a Unix sender by its name.
 */
static size_t
slot_of(const struct limit *l, const struct sockaddr *sa, socklen_t len)
{
	const struct sockaddr_in *v4 = (const struct sockaddr_in *)sa;
	const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)sa;
	const size_t pathoff = offsetof(struct sockaddr_un, sun_path);
	uint64_t h = l->key;
	int family = sa->sa_family;

	if (family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&v6->sin6_addr)) {
		family = AF_INET;
		h = hash_bytes(h, &family, sizeof family);
		h = hash_bytes(h, &v6->sin6_addr.s6_addr[12], 4);
	} else {
		h = hash_bytes(h, &family, sizeof family);
		if (family == AF_INET)
			h = hash_bytes(h, &v4->sin_addr, sizeof v4->sin_addr);
		else if (family == AF_INET6)
			h = hash_bytes(h, &v6->sin6_addr, sizeof v6->sin6_addr);
		else if (family == AF_UNIX && len > pathoff)
			h = hash_bytes(h, (const char *)sa + pathoff, len - pathoff);
	}
	if (l->by == LIMIT_PORT && family != AF_UNIX)
		h = hash_bytes(h, sa->sa_family == AF_INET6 ? &v6->sin6_port :
		    &v4->sin_port, sizeof v4->sin_port);
	return (size_t)(h % LIMIT_SLOTS);
}

int
limit_take(struct limit *l, const struct sockaddr *sa, socklen_t len)
{
	_Atomic long long *slot;
	long long now, tat, next;

	if (l == NULL)
		return 1;
	slot = &l->tat[slot_of(l, sa, len)];
	now = io_now_us();
	tat = atomic_load(slot);
	do {
		/* An idle slot is full: its time is now, not in the past. */
		next = tat > now ? tat : now;
		if (next - now > l->tolerance_us)
			return 0;
		next += l->interval_us;
	} while (!atomic_compare_exchange_weak(slot, &tat, next));
	return 1;
}
