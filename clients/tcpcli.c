/*
 * tcpcli: copy standard input to a TCP server and what it sends back to
 * standard output, with poll, byte for byte.  At the end of the input it
 * half-closes (shutdown SHUT_WR) and reads on until the server closes, so
 * "tcpcli < file" gets a whole echo of the file.
 */
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "io.h"
#include "log.h"
#include "net.h"
#include "opt.h"

static const struct opt_doc options[] = {
	OPT_DOC_FAMILY,
	{ 't', "timeout", "seconds to wait for the connection, 0: the system's "
	    "limit (default: 0)" },
	{ 0, NULL, NULL }
};

static const struct opt_prog tcpcli = {
	.name = "tcpcli",
	.section = 1,
	.what = "copy standard input to a TCP server and its replies to "
	    "standard output",
	.opts = options,
	.operands = "[address]",
	.more = ADDR_HELP_CLIENT
	    "At the end of the input tcpcli half-closes, and reads on until the\n"
	    "server closes.\n",
};

/* Bytes read from standard input, not yet written to the server. */
struct pending {
	char	data[65536];
	size_t	off, len;
	int	eof;		/* input ended (or the server stopped taking it) */
};

static int
usage(int found, const char *why)
{
	return opt_usage(found, &tcpcli, why);
}

/* Read more input; at its end, tell the server with a half-close. */
static int
fill_from_stdin(struct pending *p, int sock)
{
	ssize_t n = read(STDIN_FILENO, p->data, sizeof p->data);

	if (n == -1 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n == -1) {
		log_error("read from standard input: %s", strerror(errno));
		return -1;
	}
	if (n == 0) {
		p->eof = 1;
		shutdown(sock, SHUT_WR);
	}
	p->off = 0;
	p->len = (size_t)n;
	return 0;
}

/* Write what is pending to the server, as much as it takes now. */
static int
drain_to_server(struct pending *p, int sock, const char *peer)
{
	ssize_t n = write(sock, p->data + p->off, p->len - p->off);

	if (n == -1 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n == -1 && errno == EPIPE) {
		/* The server will read no more; still take what it sends. */
		p->len = p->off = 0;
		p->eof = 1;
		return 0;
	}
	if (n == -1) {
		log_error("write to %s: %s", peer, strerror(errno));
		return -1;
	}
	p->off += (size_t)n;
	if (p->off == p->len)
		p->off = p->len = 0;
	return 0;
}

/* Copy what the server sent to stdout; 1 once it has closed. */
static int
copy_to_stdout(int sock, const char *peer)
{
	char buf[65536];
	ssize_t n = read(sock, buf, sizeof buf);

	if (n == -1 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n == -1) {
		log_error("read from %s: %s", peer, strerror(errno));
		return -1;
	}
	if (n == 0)
		return 1;
	if (io_write_shown(STDOUT_FILENO, buf, (size_t)n, 0) == -1) {
		log_error("write to standard output: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* The copy loop: until the server closes, or an error. */
static int
relay(int sock, const char *peer)
{
	static struct pending p;
	struct pollfd pfd[2];
	int rc = 0;

	while (rc == 0) {
		pfd[0].fd = (p.eof || p.len > 0) ? -1 : STDIN_FILENO;
		pfd[0].events = POLLIN;
		pfd[1].fd = sock;
		pfd[1].events = POLLIN | (p.len > 0 ? POLLOUT : 0);
		if (poll(pfd, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			log_error("poll: %s", strerror(errno));
			return -1;
		}
		if (pfd[0].revents & POLLNVAL)
			p.eof = 1;
		else if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR))
			rc = fill_from_stdin(&p, sock);
		if (rc == 0 && (pfd[1].revents & POLLOUT))
			rc = drain_to_server(&p, sock, peer);
		if (rc == 0 && (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)))
			rc = copy_to_stdout(sock, peer);
	}
	return rc == 1 ? 0 : -1;
}

int
main(int argc, char **argv)
{
	char why[NET_ERRLEN], peer[ADDR_STRLEN];
	const char *spec = "9877";
	long long timeout = 0;
	int family = AF_UNSPEC, opt, sock, rc;
	struct addr a;

	log_open("tcpcli");
	while ((opt = opt_next(argc, argv, options, why, sizeof why)) >= 0) {
		if (opt == '4')
			family = AF_INET;
		else if (opt == '6')
			family = AF_INET6;
		else if (opt_num(opt, optarg, 0, 86400, &timeout, why, sizeof why) == -1)
			return usage(OPT_BAD, why);
	}
	if (opt != OPT_END)
		return usage(opt, why);
	if (opt_operands(argc, argv, 1, "the address", why, sizeof why) == -1)
		return usage(OPT_BAD, why);
	if (optind < argc)
		spec = argv[optind];
	if (addr_operand(&a, spec, "tcp", 0, why, sizeof why) == -1)
		return usage(OPT_BAD, why);
	signal(SIGPIPE, SIG_IGN);
	sock = net_connect(&a, family, SOCK_STREAM, (int)timeout * 1000, why,
	    sizeof why);
	if (sock == -1) {
		log_error("%s", why);
		return 1;
	}
	net_set_nonblock(sock, 1);
	rc = relay(sock, net_peer(sock, peer, sizeof peer));
	close(sock);
	return rc == 0 ? 0 : 1;
}
