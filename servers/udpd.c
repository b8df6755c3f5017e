/*
 * udpd: the datagram server over UDP.  There are no connections, so there
 * is nothing to hand to a child: one loop of recvmsg and sendto serves
 * every client in turn, a datagram at a time (lib/dgram.c).  What it adds
 * is whom it will not answer, since UDP's source address is whatever the
 * sender wrote: two services that answer everything, made to talk to each
 * other by one forged datagram, would answer each other for ever
 * (CVE-1999-0103).  Beside what the loop refuses for every datagram server
 * (our own port; a source past its budget of -r replies a second), udpd
 * refuses the ports where servers live and the addresses that are not one
 * host.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stddef.h>
#include <stdint.h>

#include "dgram.h"
#include "net.h"
#include "server.h"

/* Ports below this one belong to servers (IPPORT_RESERVED of BSD). */
#define RESERVED_PORTS	1024

/* udpd's state: its option. */
struct udpd {
	long long	rate;		/* -r */
};

static int
udpd_option(void *ctx, int opt, const char *arg, char *why, size_t whylen)
{
	struct udpd *u = ctx;

	return dgram_option_rate(opt, arg, &u->rate, why, whylen);
}

/* 0.0.0.0/8 (this network), 224/4 (multicast), 240/4 (reserved, broadcast). */
static int
not_one_ipv4_host(uint32_t a)
{
	return (a >> 24) == 0 || (a >> 28) == 0xe || (a >> 28) == 0xf;
}

/* Is sa an address a reply would reach no host, or many, at? */
static int
not_one_host(const struct sockaddr *sa)
{
	const struct in6_addr *a6 = &((const struct sockaddr_in6 *)sa)->sin6_addr;
	uint32_t a4;

	if (sa->sa_family == AF_INET)
		return not_one_ipv4_host(ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr));
	if (IN6_IS_ADDR_V4MAPPED(a6)) {
		a4 = (uint32_t)a6->s6_addr[12] << 24 | (uint32_t)a6->s6_addr[13] << 16 |
		    (uint32_t)a6->s6_addr[14] << 8 | a6->s6_addr[15];
		return not_one_ipv4_host(a4);
	}
	return IN6_IS_ADDR_UNSPECIFIED(a6) || IN6_IS_ADDR_MULTICAST(a6);
}

/*
 * udpd's own guard: no answer to port 0, nor to a port where a server may
 * live, nor to a source that is not one host.  Returns why a datagram
 * from sa is not served, or NULL.
 */
static const char *
refuse_source(const struct sockaddr *sa, socklen_t len)
{
	int port = net_sockaddr_port(sa);

	(void)len;
	if (port == -1)
		return "not an IP sender";
	if (port < RESERVED_PORTS)
		return "source port below 1024";
	if (not_one_host(sa))
		return "source is not one host (multicast, broadcast or none)";
	return NULL;
}

/* One loop (lib/dgram.c), and the guard. */
static int
udpd_run(void *ctx, struct server *s)
{
	const struct udpd *u = ctx;

	return dgram_serve(s, u->rate, refuse_source);
}

static const struct opt_doc udpd_opts[] = {
	DGRAM_OPT_RATE,
	{ 0, NULL, NULL }
};

static const struct server_model udpd = {
	.name = "udpd",
	.socktype = SOCK_DGRAM,
	.default_addr = "9877",
	.what = "a UDP server: a reply to each datagram",
	.opts = udpd_opts,
	.option = udpd_option,
	.run = udpd_run,
};

int
main(int argc, char **argv)
{
	struct udpd u = { .rate = DGRAM_RATE };

	return server_main(argc, argv, &udpd, &u);
}
