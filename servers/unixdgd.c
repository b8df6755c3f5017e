/*
 * unixdgd: the datagram server on a Unix-domain socket.  The loop is
 * udpd's: one recvmsg and one sendto per datagram, for every client.  What
 * differs is the address.  A path is a file: an old one is removed only
 * when it is a socket where no server answers any more, the new one is
 * made with the mode of -m, and it is removed at exit (the socket source
 * does all three: lib/source.c).  And a sender that never bound an
 * address of its own can be served but not answered.
 */
#include <sys/socket.h>

#include <stddef.h>

#include "dgram.h"
#include "server.h"
#include "source.h"

/* unixdgd's state: its options. */
struct unixdgd {
	int		mode;		/* -m, or -1: what the umask leaves */
	long long	rate;		/* -r */
};

static int
unixdgd_option(void *ctx, int opt, const char *arg, char *why, size_t whylen)
{
	struct unixdgd *u = ctx;

	if (opt == 'm')
		return source_option_mode(opt, arg, &u->mode, why, whylen);
	return dgram_option_rate(opt, arg, &u->rate, why, whylen);
}

/* The socket file, made with the mode of -m. */
static void
unixdgd_want(void *ctx, struct source_want *w)
{
	const struct unixdgd *u = ctx;

	w->mode = u->mode;
}

/* The loop is lib/dgram.c's; the socket file, lib/source.c's. */
static int
unixdgd_run(void *ctx, struct server *s)
{
	const struct unixdgd *u = ctx;

	return dgram_serve(s, u->rate, NULL);
}

static const struct opt_doc unixdgd_opts[] = {
	{ 'm', "mode", "the mode of the socket file, in octal, such as 0660 "
	    "(default: "
	    "0777 less the umask)" },
	DGRAM_OPT_RATE,
	{ 0, NULL, NULL }
};

static const struct server_model unixdgd = {
	.name = "unixdgd",
	.socktype = SOCK_DGRAM,
	.local = 1,
	.default_addr = "/tmp/unixdgd.sock",
	.what = "a Unix-domain datagram server: a reply to each datagram",
	.opts = unixdgd_opts,
	.option = unixdgd_option,
	.want = unixdgd_want,
	.run = unixdgd_run,
};

int
main(int argc, char **argv)
{
	struct unixdgd u = { .mode = -1, .rate = DGRAM_RATE };

	return server_main(argc, argv, &unixdgd, &u);
}
