/*
 * fuzz_addr: the address grammar of every program (lib/addr).
 *
 * An input "a" SPEC is an address operand.  Whatever addr_parse takes must
 * come back whole: addr_spec writes it in the grammar again, and that parses
 * to the same struct addr.  A Unix path or @name must also survive the trip
 * through a sockaddr_un: addr_format of it is what addr_spec wrote, when
 * it has no byte that addr_format may escape for display.  What addr_parse
 * refuses, it refuses with a reason.
 *
 * An input "f" FAMILY LENGTH SIZE BYTES... is a socket address as a server
 * gets it from accept or recvfrom: addr_format must not read past its
 * length, nor write past the size of its buffer, and must leave a string.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>

#include "addr.h"
#include "fuzz.h"

/* The fields of two struct addr, compared one by one (padding is not ours). */
static int
addr_same(const struct addr *a, const struct addr *b)
{
	return a->kind == b->kind && a->wildcard == b->wildcard &&
	    strcmp(a->host, b->host) == 0 && a->port == b->port &&
	    strcmp(a->path, b->path) == 0;
}

/* Is s printable ASCII without a backslash: text no display escapes? */
static int
plain(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s < ' ' || *s > '~' || *s == '\\')
			return 0;
	return 1;
}

/* A local address formatted from its sockaddr_un reads as its spec. */
static void
check_local(const struct addr *a, const char *spec)
{
	struct sockaddr_un sun;
	socklen_t len;
	char shown[ADDR_STRLEN];

	FUZZ_ASSERT(addr_sockaddr_un(a, &sun, &len) == 0);
	if (!plain(a->path))
		return;
	addr_format((const struct sockaddr *)&sun, len, shown, sizeof shown);
	FUZZ_ASSERT(strcmp(shown, spec) == 0);
}

static void
check_parse(const uint8_t *data, size_t size)
{
	struct addr a, again;
	char why[ADDR_WHYLEN], spec[ADDR_STRLEN];
	char *s = fuzz_string(data, size);

	memset(why, 'x', sizeof why);
	if (addr_parse(&a, s, "tcp", why, sizeof why) == -1) {
		FUZZ_ASSERT(fuzz_nul_within(why, sizeof why) && why[0] != '\0');
		free(s);
		return;
	}
	addr_spec(&a, spec, sizeof spec);
	FUZZ_ASSERT(addr_parse(&again, spec, "tcp", why, sizeof why) == 0);
	FUZZ_ASSERT(addr_same(&a, &again));
	if (a.kind != ADDR_INET)
		check_local(&a, spec);
	free(s);
}

/*
 * A length for a sockaddr of this family: any from the family's field to
 * the largest the family has (a length shorter than the family's struct
 * must be refused, not read past).
 */
static socklen_t
sockaddr_len(sa_family_t family, uint8_t pick)
{
	size_t most = family == AF_UNIX ? sizeof(struct sockaddr_un) :
	    family == AF_INET ? sizeof(struct sockaddr_in) :
	    family == AF_INET6 ? sizeof(struct sockaddr_in6) :
	    sizeof(struct sockaddr_storage);

	return (socklen_t)(sizeof(sa_family_t) + pick % (most - sizeof(sa_family_t) + 1));
}

static void
check_format(const uint8_t *data, size_t size)
{
	static const sa_family_t families[] = { AF_UNIX, AF_INET, AF_INET6, AF_UNSPEC };
	struct sockaddr *sa;
	sa_family_t family;
	socklen_t len;
	size_t bufsize;
	char *buf;

	if (size < 3)
		return;
	family = families[data[0] % (sizeof families / sizeof families[0])];
	len = sockaddr_len(family, data[1]);
	bufsize = 1 + data[2] % ADDR_STRLEN;
	data += 3, size -= 3;
	/* Blocks of exactly these sizes, so that ASan sees a byte too far. */
	if ((sa = calloc(1, len)) == NULL || (buf = malloc(bufsize)) == NULL)
		abort();
	memcpy(sa, data, size < len ? size : len);
	sa->sa_family = family;
	memset(buf, 'x', bufsize);
	FUZZ_ASSERT(addr_format(sa, len, buf, bufsize) == buf);
	FUZZ_ASSERT(fuzz_nul_within(buf, bufsize));
	free(buf);
	free(sa);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if (data[0] == 'a')
		check_parse(data + 1, size - 1);
	else if (data[0] == 'f')
		check_format(data + 1, size - 1);
	return 0;
}
