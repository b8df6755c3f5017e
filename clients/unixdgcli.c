/*
 * unixdgcli: udpcli over a Unix datagram socket.  One thing is new: a Unix
 * socket has no address until it binds one, and a server cannot answer a
 * sender without one.  So unless it only sends (-n), unixdgcli binds an
 * address of its own for the replies; and where that took a file, it
 * removes the file at exit, also when SIGINT, SIGTERM or SIGHUP ends it.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "dgcli.h"
#include "log.h"
#include "net.h"
#include "opt.h"

static const struct opt_doc options[] = {
	DGCLI_OPTS,
	{ 0, NULL, NULL }
};

static const struct opt_prog unixdgcli = {
	.name = "unixdgcli",
	.section = 1,
	.what = "send each message to a Unix-domain datagram server, print "
	    "each reply",
	.opts = options,
	.operands = "[path [message ...]]",
	.more = "The server's path (default: /tmp/unixdgd.sock):\n"
	    ADDR_HELP_LOCAL
	    "Every operand after the path is a message, even one that starts\n"
	    "with '-'; with none, each line of standard input is one.\n",
};

/* The signal that ends the client, once its file is removed. */
static volatile sig_atomic_t caught;

static void
on_signal(int sig)
{
	caught = sig;
}

static int
usage(int found, const char *why)
{
	return opt_usage(found, &unixdgcli, why);
}

/*
 * The signals that end the client are blocked, but let in by every wait
 * (c->waitmask), so that the main line hears them and removes the file.
 */
static void
catch_signals(struct dgcli *c)
{
	static const int ending[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa;
	sigset_t block;
	size_t i;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&block);
	for (i = 0; i < sizeof ending / sizeof ending[0]; i++) {
		sigaction(ending[i], &sa, NULL);
		sigaddset(&block, ending[i]);
	}
	sigprocmask(SIG_BLOCK, &block, &c->waitmask);
}

/* End as the signal would have ended us, so that the caller sees it. */
static void
die_of(int sig, const struct dgcli *c)
{
	signal(sig, SIG_DFL);
	raise(sig);
	sigprocmask(SIG_SETMASK, &c->waitmask, NULL);
}

/* Connect to the server, and bind a reply address unless -n. */
static int
open_socket(struct dgcli *c, const struct addr *a, char *path, size_t size,
    char *why, size_t whylen)
{
	path[0] = '\0';
	if ((c->fd = net_connect(a, AF_UNSPEC, SOCK_DGRAM, 0, why, whylen)) == -1)
		return -1;
	net_peer(c->fd, c->peer, sizeof c->peer);
	if (!c->nowait && dgcli_bind_reply(c->fd, path, size, why, whylen) == -1)
		return -1;
	return 0;
}

int
main(int argc, char **argv)
{
	char why[NET_ERRLEN];
	char path[sizeof ((struct sockaddr_un *)0)->sun_path];
	const char *spec = "/tmp/unixdgd.sock";
	struct dgcli c;
	struct addr a;
	int opt, rc;

	log_open("unixdgcli");
	dgcli_init(&c);
	while ((opt = opt_next(argc, argv, options, why, sizeof why)) >= 0)
		if (dgcli_option(&c, opt, optarg, why, sizeof why) == -1)
			return usage(OPT_BAD, why);
	if (opt != OPT_END)
		return usage(opt, why);
	/* The first operand is the path; any after it are messages. */
	if (optind < argc)
		spec = argv[optind++];
	if (addr_operand(&a, spec, "udp", 1, why, sizeof why) == -1)
		return usage(OPT_BAD, why);
	if (dgcli_messages(&c, argc - optind, argv + optind, why,
	    sizeof why) == -1)
		return usage(OPT_BAD, why);
	signal(SIGPIPE, SIG_IGN);
	catch_signals(&c);
	rc = open_socket(&c, &a, path, sizeof path, why, sizeof why);
	if (rc == 0)
		rc = dgcli_run(&c, STDIN_FILENO, STDOUT_FILENO, why, sizeof why);
	if (rc == -1 && !(errno == EINTR && caught))
		log_error("%s", why);
	if (c.fd != -1)
		close(c.fd);
	if (dgcli_unbind(path) == -1)
		log_warning("remove %s: %s", path, strerror(errno));
	if (caught)
		die_of(caught, &c);
	return rc == 0 ? 0 : 1;
}
