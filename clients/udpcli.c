/*
 * udpcli: send each message to a UDP server as one datagram and print the
 * reply on a line of its own, resending after a timeout (the dg_cli of
 * UNIX Network Programming, with the reliability of its chapter 22).  The
 * socket is connected, so only the server's replies are taken, and a port
 * where no one listens is reported at once, from the ICMP error, instead
 * of after every resend.
 */
#include <sys/socket.h>

#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "addr.h"
#include "dgcli.h"
#include "log.h"
#include "net.h"
#include "opt.h"

static const struct opt_doc options[] = {
	OPT_DOC_FAMILY,
	DGCLI_OPTS,
	{ 0, NULL, NULL }
};

static const struct opt_prog udpcli = {
	.name = "udpcli",
	.section = 1,
	.what = "send each message to a UDP server as a datagram, print each reply",
	.opts = options,
	.operands = "[address [message ...]]",
	.more = ADDR_HELP_CLIENT
	    "Every operand after the address is a message, even one that starts\n"
	    "with '-'; with none, each line of standard input is one.\n",
};

static int
usage(int found, const char *why)
{
	return opt_usage(found, &udpcli, why);
}

int
main(int argc, char **argv)
{
	char why[NET_ERRLEN];
	const char *spec = "9877";
	int family = AF_UNSPEC, opt, rc;
	struct dgcli c;
	struct addr a;

	log_open("udpcli");
	dgcli_init(&c);
	while ((opt = opt_next(argc, argv, options, why, sizeof why)) >= 0) {
		if (opt == '4')
			family = AF_INET;
		else if (opt == '6')
			family = AF_INET6;
		else if (dgcli_option(&c, opt, optarg, why, sizeof why) == -1)
			return usage(OPT_BAD, why);
	}
	if (opt != OPT_END)
		return usage(opt, why);
	/* The first operand is the address; any after it are messages. */
	if (optind < argc)
		spec = argv[optind++];
	if (addr_operand(&a, spec, "udp", 0, why, sizeof why) == -1)
		return usage(OPT_BAD, why);
	if (dgcli_messages(&c, argc - optind, argv + optind, why,
	    sizeof why) == -1)
		return usage(OPT_BAD, why);
	signal(SIGPIPE, SIG_IGN);
	c.fd = net_connect(&a, family, SOCK_DGRAM, 0, why, sizeof why);
	if (c.fd == -1) {
		log_error("%s", why);
		return 1;
	}
	net_peer(c.fd, c.peer, sizeof c.peer);
	rc = dgcli_run(&c, STDIN_FILENO, STDOUT_FILENO, why, sizeof why);
	if (rc == -1)
		log_error("%s", why);
	close(c.fd);
	return rc == 0 ? 0 : 1;
}
