/*
 * udpd: the datagram server over UDP.  There are no connections, so there
 * is nothing to hand to a child: one loop of recvmsg and sendto serves
 * every client in turn, a datagram at a time.  What it will not do is
 * answer a datagram from a reserved source port, where another server may
 * be listening: two echo or chargen servers made to talk to each other
 * would ping-pong for ever (CVE-1999-0103).
 */
#include <sys/socket.h>
#include <netinet/in.h>

#include "dgram.h"
#include "server.h"

/* Ports below this one belong to servers (IPPORT_RESERVED of BSD). */
#define RESERVED_PORTS	1024

/*
 * The loop guard: no answer to port 0, nor to a port where a server may
 * live.  Returns why a datagram from sa is not served, or NULL.
 */
static const char *
from_server_port(const struct sockaddr *sa, socklen_t len)
{
	unsigned port;

	(void)len;
	if (sa->sa_family == AF_INET)
		port = ntohs(((const struct sockaddr_in *)sa)->sin_port);
	else if (sa->sa_family == AF_INET6)
		port = ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	else
		return "not an IP sender";
	return port < RESERVED_PORTS ? "source port below 1024" : NULL;
}

/* One loop (lib/dgram.c), and the guard. */
static int
udpd_run(struct server *s)
{
	return dgram_serve(s, from_server_port);
}

static const struct server_model udpd = {
	.name = "udpd",
	.socktype = SOCK_DGRAM,
	.default_addr = "9877",
	.options = "46dp:s:u:v",
	.synopsis = "[-46dhVv] [-p pidfile] [-s service] [-u user] [address]",
	.run = udpd_run,
};

int
main(int argc, char **argv)
{
	return server_main(argc, argv, &udpd);
}
