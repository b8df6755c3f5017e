/*
 * resolve: ask the resolver what the programs of the suite would get.
 * Names to addresses (getaddrinfo), addresses to names (-r, getnameinfo),
 * service names to ports (-s); with no operand, this host's name.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "log.h"
#include "net.h"
#include "num.h"
#include "opt.h"

static const struct opt_doc options[] = {
	{ '4', NULL, "IPv4 addresses only" },
	{ '6', NULL, "IPv6 addresses only" },
	{ 'r', NULL, "reverse: each operand is an address; print its name" },
	{ 's', NULL, "services: each operand is a service name or a port" },
	{ 0, NULL, NULL }
};

static const struct opt_prog resolve = {
	.name = "resolve",
	.section = 1,
	.what = "ask the resolver what the programs of the suite would get",
	.opts = options,
	.operands = "[name ...]",
	.more = "Each name is printed with its addresses (getaddrinfo), each "
	    "address\nwith its name (-r, getnameinfo), each service with its "
	    "port (-s).\nWith no operand, resolve prints this host's name "
	    "(gethostname).\n",
};

/* Print "name address" for every address of name. */
static int
show_addresses(const char *name, int family)
{
	struct addrinfo *res, *ai;
	char err[NET_ERRLEN], host[ADDR_HOSTLEN];

	if ((res = net_resolve(name, 0, family, SOCK_STREAM, 0, err,
	    sizeof err)) == NULL) {
		log_error("%s", err);
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next)
		if (getnameinfo(ai->ai_addr, ai->ai_addrlen, host, sizeof host,
		    NULL, 0, NI_NUMERICHOST) == 0)
			printf("%s %s\n", name, host);
	freeaddrinfo(res);
	return 0;
}

/* Print "address name" for a numeric address. */
static int
show_name(const char *literal)
{
	struct addrinfo *res;
	char err[NET_ERRLEN], name[ADDR_HOSTLEN];
	int rc;

	if ((res = net_resolve(literal, 0, AF_UNSPEC, SOCK_STREAM,
	    AI_NUMERICHOST, err, sizeof err)) == NULL) {
		log_error("%s: not a numeric address", literal);
		return -1;
	}
	rc = net_reverse(res->ai_addr, res->ai_addrlen, name, sizeof name, err,
	    sizeof err);
	freeaddrinfo(res);
	if (rc == -1) {
		log_error("%s", err);
		return -1;
	}
	printf("%s %s\n", literal, name);
	return 0;
}

/* Print "name port/proto" for a service name, or "port name/proto" for a number. */
static int
show_service(const char *serv)
{
	static const char *protos[] = { "tcp", "udp" };
	const char *why;
	struct servent *se;
	long long port;
	int found = 0;
	size_t i;

	if (num_parse(serv, -1, 65536, &port, &why) == 0 &&
	    (port < 0 || port > 65535)) {
		log_error("%s: port out of range", serv);
		return -1;
	}
	for (i = 0; i < 2; i++) {
		if (num_parse(serv, 0, 65535, &port, &why) == 0)
			se = getservbyport(htons((unsigned short)port), protos[i]);
		else
			se = getservbyname(serv, protos[i]);
		if (se == NULL)
			continue;
		if (num_parse(serv, 0, 65535, &port, &why) == 0)
			printf("%s %s/%s\n", serv, se->s_name, protos[i]);
		else
			printf("%s %d/%s\n", serv, ntohs((unsigned short)se->s_port),
			    protos[i]);
		found = 1;
	}
	if (!found)
		log_error("%s: unknown service", serv);
	return found ? 0 : -1;
}

int
main(int argc, char **argv)
{
	char why[128], host[256];
	int family = AF_UNSPEC, reverse = 0, services = 0, opt, i, rc = 0;

	log_open("resolve");
	while ((opt = opt_next(argc, argv, options, why, sizeof why)) >= 0) {
		if (opt == '4')
			family = AF_INET;
		else if (opt == '6')
			family = AF_INET6;
		else if (opt == 'r')
			reverse = 1;
		else
			services = 1;
	}
	if (opt != OPT_END)
		return opt_usage(opt, &resolve, why);
	if (reverse && services)
		return opt_usage(OPT_BAD, &resolve, "-r and -s exclude each other");
	if (optind == argc) {
		if (reverse || services)
			return opt_usage(OPT_BAD, &resolve, "nothing to look up");
		if (gethostname(host, sizeof host) == -1) {
			log_error("gethostname: %s", strerror(errno));
			return 1;
		}
		printf("%s\n", host);
		return 0;
	}
	for (i = optind; i < argc; i++)
		if ((services ? show_service(argv[i]) : reverse ?
		    show_name(argv[i]) : show_addresses(argv[i], family)) == -1)
			rc = 1;
	return rc;
}
