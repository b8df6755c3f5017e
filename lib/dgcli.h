/*
 * dgcli: what the datagram clients share.  The messages, operands or else
 * lines of standard input; the exchange of each for a reply, resent after
 * a timeout; and, for a Unix client, an address of its own for the reply.
 * Every wait is a pselect with the mask the client gives, so that a client
 * that blocks its signals still hears them whenever it waits.
 */
#ifndef TINCAN_DGCLI_H
#define TINCAN_DGCLI_H

#include <signal.h>
#include <stddef.h>

#include "addr.h"
#include "opt.h"

/*
 * -r: resends after the first try, when -r is not given: none.  A message
 * is sent once unless the user asks for more, so that a server that never
 * answers (udpd -s print, a tutorial's server) sees it once.
 */
#define DGCLI_RETRIES	0
/* -t: seconds to wait for a reply to each try, when -t is not given. */
#define DGCLI_TIMEOUT	1
/* The longest reply taken: any UDP datagram there is without jumbograms. */
#define DGCLI_REPLY_MAX	65536

/* -n, -r and -t as --help shows them, for a client's opts. */
#define DGCLI_OPTS \
	{ 'n', NULL, "send each message, do not wait for replies" }, \
	{ 'r', "retries", "resend an unanswered message up to retries times " \
	    "(default: " OPT_STR(DGCLI_RETRIES) ": sent once)" }, \
	{ 't', "timeout", "seconds to wait for each reply (default: " \
	    OPT_STR(DGCLI_TIMEOUT) ")" }

struct dgcli {
	/* The command line. */
	int		nowait;		/* -n: send, do not wait for replies */
	long long	retries;	/* -r */
	long long	timeout;	/* -t, seconds */
	char		**messages;	/* the operands after the address ... */
	int		nmessages;	/* ... or, with none, lines of stdin */
	/* What running makes. */
	int		fd;		/* the socket, connected to the server */
	char		peer[ADDR_STRLEN]; /* the server's address, for messages */
	sigset_t	waitmask;	/* the signal mask while waiting */
};

/* dgcli_init: the defaults; waitmask is the mask the process has now. */
void	dgcli_init(struct dgcli *c);

/*
 * dgcli_option: one of the options both clients take: -n, -r retries
 * (0 to 1000), -t timeout (1 to 86400).  Returns 0, or -1 with the reason
 * in why.
 */
int	dgcli_option(struct dgcli *c, int opt, const char *arg, char *why,
	    size_t whylen);

/*
 * dgcli_messages: take the n message operands; none means lines of
 * standard input.  Returns 0, or -1 with the reason in why when one is
 * longer than a datagram server takes (DGRAM_MAX).
 */
int	dgcli_messages(struct dgcli *c, int n, char **messages, char *why,
	    size_t whylen);

/*
 * dgcli_run: send each message on c->fd as one datagram.  Without -n,
 * wait -t seconds for its reply, send it again up to -r times, and write
 * the reply to out, with a newline unless it ends in one.  Lines of input
 * are read from in, each without its newline.  Returns 0 once every
 * message is answered (or sent, with -n); or -1 with the reason in err,
 * "no reply from 127.0.0.1:9877 within 1 s (sent once; -r resends, -n does
 * not wait)" or, with -r 2, "no reply from 127.0.0.1:9877 after 3 tries"
 * (errno ETIMEDOUT),
 * "127.0.0.1:9877: Connection refused", and errno EINTR when a signal came.
 */
int	dgcli_run(struct dgcli *c, int in, int out, char *err, size_t errlen);

/*
 * dgcli_bind_reply: give the Unix datagram socket fd an address for the
 * replies to come to: one the kernel picks in the abstract namespace
 * (Linux autobind), or where there is none, a socket file in a private
 * directory made in $TMPDIR (else /tmp).  Returns 0 with the file's path
 * in path, empty when no file was made; or -1 with errno and the reason
 * in err.
 */
int	dgcli_bind_reply(int fd, char *path, size_t size, char *err,
	    size_t errlen);

/*
 * dgcli_unbind: remove the file dgcli_bind_reply made, and its directory.
 * Returns 0 (also for an empty path), or -1 with errno.
 */
int	dgcli_unbind(const char *path);

#endif
