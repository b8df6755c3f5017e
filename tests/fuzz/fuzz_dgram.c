/*
 * fuzz_dgram: every datagram handler of lib/service, on any datagram from
 * any kind of peer.  A handler answers or not, but its answer fits the
 * buffer it is given: the length is SERVICE_NO_REPLY, SERVICE_PRINT or 0
 * to size, and nothing is read past the datagram nor written past the
 * buffer.
 *
 * An input is SIZE (2 bytes, big-endian: the reply buffer, 0 to 65535
 * bytes) PEER (1 byte: an IPv4, IPv6, Unix path or unnamed Unix sender)
 * SEQ (1 byte: the count of datagrams before it) DATAGRAM...  Each
 * service that offers datagrams answers it in turn.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>


#include "fuzz.h"
#include "service.h"

#define MAX_SERVICES	32

static const struct service *dgram_services[MAX_SERVICES];
static size_t nservices;

/* The services offered over datagrams: the list service_names gives. */
static void
find_services(void)
{
	char names[256], *name, *last;
	const struct service *svc;

	service_names(SOCK_DGRAM, names, sizeof names);
	for (name = strtok_r(names, ", ", &last); name != NULL;
	    name = strtok_r(NULL, ", ", &last)) {
		svc = service_find(name);
		FUZZ_ASSERT(svc != NULL && svc->dgram != NULL);
		FUZZ_ASSERT(nservices < MAX_SERVICES);
		dgram_services[nservices++] = svc;
	}
	FUZZ_ASSERT(nservices > 0);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	find_services();
	return 0;
}

/* Peer number pick, as recvfrom fills it in; *len its length. */
static const struct sockaddr *
peer_of(uint8_t pick, socklen_t *len)
{
	static struct sockaddr_in v4 = { .sin_family = AF_INET };
	static struct sockaddr_in6 v6 = { .sin6_family = AF_INET6 };
	static struct sockaddr_un un = { .sun_family = AF_UNIX };

	switch (pick % 4) {
	case 0:
		v4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		v4.sin_port = htons(40000);
		*len = sizeof v4;
		return (const struct sockaddr *)&v4;
	case 1:
		v6.sin6_addr = in6addr_loopback;
		v6.sin6_port = htons(40000);
		*len = sizeof v6;
		return (const struct sockaddr *)&v6;
	case 2:
		snprintf(un.sun_path, sizeof un.sun_path, "/tmp/fuzz.sock");
		*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
		    strlen(un.sun_path) + 1);
		return (const struct sockaddr *)&un;
	default:
		*len = (socklen_t)offsetof(struct sockaddr_un, sun_path);
		return (const struct sockaddr *)&un;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct sockaddr *peer;
	socklen_t peerlen;
	size_t outsize, i;
	unsigned long long seq;
	ssize_t r;
	char *out;

	if (size < 4)
		return 0;
	outsize = (size_t)data[0] << 8 | data[1];
	peer = peer_of(data[2], &peerlen);
	seq = data[3];
	data += 4, size -= 4;
	for (i = 0; i < nservices; i++) {
		/* A block of exactly outsize bytes: ASan sees a byte too far. */
		if ((out = malloc(outsize)) == NULL && outsize > 0)
			abort();
		r = dgram_services[i]->dgram(&(struct dgram_req){
		    .in = (const char *)data, .len = size, .peer = peer,
		    .peerlen = peerlen, .seq = seq }, out, outsize);
		if (!(r == SERVICE_NO_REPLY || r == SERVICE_PRINT ||
		    (r >= 0 && (size_t)r <= outsize)))
			fprintf(stderr, "%s: reply of %zd bytes, buffer %zu\n",
			    dgram_services[i]->name, r, outsize);
		FUZZ_ASSERT(r == SERVICE_NO_REPLY || r == SERVICE_PRINT ||
		    (r >= 0 && (size_t)r <= outsize));
		free(out);
	}
	return 0;
}
