/*
 * dgram: what the datagram servers share.  Receiving, with the signals let
 * in while the server waits; answering without ever blocking on one peer;
 * the counts of -v; and the log of dropped datagrams, which says at most
 * one line a minute for each source however fast they come.  A datagram
 * server's own file keeps the loop and its rule of whom not to answer.
 */
#ifndef TINCAN_DGRAM_H
#define TINCAN_DGRAM_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/socket.h>

#include "opt.h"
#include "server.h"

/* The largest datagram served, in and out: all UDP carries over IPv4. */
#define DGRAM_MAX	65507
/* Why a datagram longer than DGRAM_MAX is dropped, for dgram_drop. */
#define DGRAM_TOO_LONG	"longer than " OPT_STR(DGRAM_MAX) " bytes"
/* -r: replies a second to one source (address and port), in bursts as large. */
#define DGRAM_RATE	100
/* -r as --help shows it, for a server's opts. */
#define DGRAM_OPT_RATE	{ 'r', "rate", "replies a second to one sender, in " \
	"bursts as large; 0: no limit (default: " OPT_STR(DGRAM_RATE) ")" }

/* One datagram server at work (large: its buffers are in it). */
struct dgram {
	struct server	*s;
	int		family;		/* of s->fd: names an unnamed Unix sender */
	int		unwaited;	/* datagrams taken since the last wait */
	long long	waited_ms;	/* when the signals were last let in */
	unsigned long long received, answered, dropped;
	unsigned long long unnamed;	/* from Unix senders with no address */
	long long	rate;		/* -r: replies a second to one source; 0: any */
	struct limit	*replies;	/* the budget of each source, for rate */
	struct sockaddr_storage self;	/* our own address: never answered */
	socklen_t	selflen;
	char		in[DGRAM_MAX];	/* dgram_serve's: the datagram served, */
	char		out[DGRAM_MAX];	/* and its reply */
};

/*
 * What a datagram server refuses to answer, besides what dgram_serve
 * refuses for all: a reason not to serve a datagram from peer, or NULL.
 */
typedef const char *dgram_refuse_fn(const struct sockaddr *peer,
    socklen_t peerlen);

/*
 * dgram_init: start serving datagrams on s->fd: no counts, and a budget
 * of rate replies a second for each source (0: no budget).  Returns 0, or
 * -1 with errno when the budget's table cannot be made.
 */
int	dgram_init(struct dgram *d, struct server *s, long long rate);

/* dgram_fini: let go of what dgram_init made. */
void	dgram_fini(struct dgram *d);

/*
 * dgram_option_rate: the value of -r, replies a second to one source, 0
 * to 1000000.  Returns 0, or -1 with the reason in why.
 */
int	dgram_option_rate(int opt, const char *arg, long long *rate, char *why,
	    size_t whylen);

/*
 * dgram_recv: the next datagram on s->fd into buf (size bytes), its sender
 * in *peer and *peerlen (on entry the room there); counts it.  Waits in
 * pselect, where the blocked signals are let in, and lets them in also
 * after SERVER_BATCH datagrams taken in a row without a wait, so that a
 * steady stream cannot hold a SIGTERM back.  An unnamed Unix sender is
 * given as a bare AF_UNIX address of sizeof(sa_family_t) bytes.  Transient
 * errors (an ICMP error queued on the socket, ENOBUFS) are retried.
 * Returns the length; or -1 with errno EMSGSIZE for a datagram longer than
 * size (read and thrown away; *peer is its sender), EINTR when a signal
 * came (see the server flags), or the error of recvmsg.
 */
ssize_t	dgram_recv(struct dgram *d, void *buf, size_t size,
	    struct sockaddr *peer, socklen_t *peerlen);

/*
 * dgram_reply: answer the datagram of inlen bytes from peer with outlen
 * bytes of out, or with nothing when outlen is -1; count it and, under -v,
 * log it.  The reply never blocks: a peer that cannot take it now (its
 * queue is full, it has gone) loses it, counted and logged as a drop.
 * Returns 0, or -1 with errno when the reply could not be sent.
 */
int	dgram_reply(struct dgram *d, const struct sockaddr *peer,
	    socklen_t peerlen, size_t inlen, const void *out, ssize_t outlen);

/*
 * dgram_drop: count a datagram from peer that is not served, or whose
 * reply is not sent, for the reason why.  Logged under -v every time, else
 * as a warning at most once a minute for each source (its address without
 * the port: lib/limit.c).
 */
void	dgram_drop(struct dgram *d, const struct sockaddr *peer,
	    socklen_t peerlen, const char *why);

/*
 * dgram_unanswered: count a datagram that was served but cannot be
 * answered, since its sender has no address (an unnamed Unix socket).
 * outlen is what the service would have sent, -1 for nothing.  Logged
 * under -v; else, when a reply was due, a warning as rate-limited as a drop.
 */
void	dgram_unanswered(struct dgram *d, const struct sockaddr *peer,
	    socklen_t peerlen, size_t inlen, ssize_t outlen);

/*
 * dgram_serve: the loop of a datagram server, until SIGTERM or SIGINT:
 * receive a datagram, serve it with s->service, answer it.  Never
 * answered, so that no two services can be made to answer each other for
 * ever: a datagram from our own address (for IP, from our port on any
 * address: ourselves, or another server on the same port); one refuse
 * gives a reason for, when refuse is not NULL; and a reply past the
 * source's budget of rate a second (dgram_init), which ends a loop with
 * any other service after about rate exchanges.  A sender with no address
 * is served, not answered.  Returns the exit status: 0, or 1 if receiving
 * failed for good.
 */
int	dgram_serve(struct server *s, long long rate, dgram_refuse_fn *refuse);

/*
 * dgram_summary: under -v, log the counts: "5 datagrams received,
 * 3 answered, 1 dropped", and for a Unix server ", 1 from unnamed senders".
 */
void	dgram_summary(const struct dgram *d);

#endif
