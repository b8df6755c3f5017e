/*
 * server: what every server shares.  The options, parsed once into one
 * struct; the start-up line; detaching with readiness; the pidfile; the
 * privilege drop; signals; the accept wrapper; serving one connection;
 * the summary at exit.  A server's own file gives only its model, as a
 * struct server_model, and calls server_main.
 *
 * Every server is one pipeline of three stages, each in one place:
 *
 *   1. the socket source (lib/source.c): the sockets, made as the model
 *      asks (its want hook): one listener or one per worker, blocking or
 *      not, a Unix socket file with its mode and its removal at exit;
 *   2. the model (servers/X.c): how a connection or a datagram gets from
 *      the socket to a handler, its state in a struct of its own;
 *   3. the handlers (lib/service.c): the protocols, state machines that
 *      make no system call.  lib/conn.c drives one over a connection:
 *      conn_serve for the blocking models (server_serve), conn_step for
 *      an event loop; the loop of lib/dgram.c calls the datagram ones.
 *
 * A new model is its own file, its line in Makefile.am, its page, its
 * tests and its line in scripts/compare-models.py: nothing here.
 */
#ifndef TINCAN_SERVER_H
#define TINCAN_SERVER_H

#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/socket.h>

#include "addr.h"
#include "limit.h"
#include "opt.h"
#include "pidfile.h"
#include "service.h"
#include "source.h"

/* The idle limit of a connection when -t is not given, in seconds. */
#define SERVER_TIMEOUT	300
/* The buffer of a connection server_serve serves, on its stack. */
#define SERVER_ROOM	65536
/* Connections or datagrams taken in a row before the signals are let in. */
#define SERVER_BATCH	64

struct server;
struct conn;

/*
 * One concurrency model: what its file tells server_main.  The model's
 * state lives in a struct of its own, which its main gives server_main as
 * ctx; every hook gets that ctx as its first argument (NULL for a model
 * with no state), then the server where the hook acts on it.
 */
struct server_model {
	const char	*name;		/* the program, for messages */
	int		socktype;	/* SOCK_STREAM or SOCK_DGRAM */
	int		local;		/* 1: Unix-domain addresses, else IP */
	const char	*default_addr;	/* without an address operand */
	const char	*what;		/* one line for --help: what it is */
	int		reaps;		/* 1: it forks children: SIGCHLD sets server_chld */
	/*
	 * The model's own options, ending with letter 0, or NULL; the
	 * shared ones (-4, -6, -b, -d, -p, -s, -t, -u, -v) are added by
	 * server_main, as the socket type and the address family call for.
	 */
	const struct opt_doc *opts;
	/* An option of the model's own: 0, or -1 with the reason in why. */
	int		(*option)(void *ctx, int opt, const char *arg, char *why,
			    size_t whylen);
	/*
	 * What the model asks of the socket source, once its options are
	 * read: w comes filled with SOURCE_WANT_DEFAULT, one non-blocking
	 * socket (server_accept takes what is there, or waits in pselect).
	 * NULL: that.
	 */
	void		(*want)(void *ctx, struct source_want *w);
	/*
	 * Set up the model once its sockets are open (s->src, s->fd), before
	 * the server detaches or drops privileges, so that what fails is
	 * said on the terminal; may be NULL.  0, or -1 with err and nothing
	 * left made.
	 */
	int		(*open)(void *ctx, struct server *s, char *err,
			    size_t errlen);
	/* Serve until told to stop; returns the exit status. */
	int		(*run)(void *ctx, struct server *s);
	/*
	 * Undo what open made, at the end; may be NULL.  Called also when
	 * open failed or was not reached: it finds nothing made then.
	 */
	void		(*close)(void *ctx, struct server *s);
};

struct server {
	const struct server_model *model;
	void		*model_ctx;	/* the model's state, given to its hooks */
	/* The command line. */
	int		family;		/* -4, -6: AF_INET, AF_INET6; else AF_UNSPEC */
	int		backlog;	/* -b */
	int		detach;		/* -d */
	const char	*pidfile;	/* -p */
	const struct service *service;	/* -s */
	int		timeout;	/* -t, idle seconds; 0: never */
	const char	*user;		/* -u */
	int		verbose;	/* -v */
	struct addr	addr;		/* the operand */
	/* What running makes. */
	struct source	src;		/* the sockets (lib/source.h) */
	int		fd;		/* src.fd[0]: the listener, or the datagram socket */
	char		bound[ADDR_STRLEN]; /* the address fd really has */
	/* Connections or datagrams, for -v: counted by the model. */
	unsigned long long served;
	int		accept_waits;	/* wait in pselect before accept */
	int		unwaited;	/* accepted since the signals were let in */
	sigset_t	waitmask;	/* the mask while waiting: signals let in */
	struct pidfile	pf;		/* -p, once opened */
	struct limit	*peer_logs;	/* lines about misbehaving peers, per source */
	/* Shedding at EMFILE, by any thread that accepts: under shed_lock. */
	pthread_mutex_t	shed_lock;
	int		spare_fd;	/* given up to shed a connection */
	long long	last_shed_log;	/* when the last EMFILE line was logged, ms */
	int		ready_fd;	/* detaching: tells the parent we are ready */
};

/*
 * ThreadSanitizer runs a signal's handler late, at the next call it
 * intercepts, not in the wait that the signal interrupted: the flag is
 * set after the model has looked at it.  In such a build the waits that
 * let the signals in (server_wait_readable, and crew_wait in the thread
 * models) end every SERVER_TSAN_TICK_MS as if a signal had come, so that
 * the flags are looked at again.
 */
#if defined(__SANITIZE_THREAD__)
#define SERVER_TSAN	1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SERVER_TSAN	1
#endif
#endif
#ifndef SERVER_TSAN
#define SERVER_TSAN	0
#endif
#define SERVER_TSAN_TICK_MS	100

/* Set by the signal handlers; the models read and clear them. */
extern volatile sig_atomic_t server_term;	/* SIGTERM and SIGINT received */
extern volatile sig_atomic_t server_hup;	/* SIGHUP */
extern volatile sig_atomic_t server_usr1;	/* SIGUSR1 */
extern volatile sig_atomic_t server_chld;	/* SIGCHLD */

/*
 * server_main: everything a server does around its model: parse argv, open
 * the socket, detach, write the pidfile, drop privileges, set up signals,
 * print the start-up line, run the model, clean up.  Returns the exit
 * status: 0, 1 for a runtime error, 2 for a usage error.  ctx is the
 * model's state, handed to each of its hooks.
 */
int	server_main(int argc, char **argv, const struct server_model *m,
	    void *ctx);

/*
 * server_accept: the next connection on lfd, non-blocking and
 * close-on-exec, its peer in *sa and *len.  It calls accept at once.  On
 * a blocking listener that waits (the caller leaves the signals unblocked,
 * so that one interrupts it).  On a non-blocking one with nothing pending,
 * with s->accept_waits it waits in pselect, where the blocked signals are
 * let in, and tries again; without, it returns -1 with EAGAIN.
 * Transient errors are retried quietly; at EMFILE or ENFILE the pending
 * connection is shed with a spare descriptor, logged at most once a
 * minute.  Returns the descriptor, or -1 with errno: EINTR when a signal
 * came (see the flags).  Without s->accept_waits it reads no flag and
 * writes nothing of s but under shed_lock: the threads of a pool may call
 * it at once on one listener.
 */
int	server_accept(struct server *s, int lfd, struct sockaddr *sa,
	    socklen_t *len);

/*
 * server_serve: run the service on the connection fd from peer, bounded by
 * -t, then close fd; the caller counts it.  Logs a line under -v, and a warning when
 * the client broke the protocol (without -v at most one a minute for each
 * source, for all the processes of the server).  Returns what the service
 * returned.
 */
int	server_serve(struct server *s, int fd, const struct sockaddr *peer,
	    socklen_t peerlen);

/*
 * server_serve_then: server_serve, calling over(arg) once the exchange is
 * over and before fd is closed: a thread model forgets the descriptor
 * there, so that no other thread acts on it once it is reused.
 */
int	server_serve_then(struct server *s, int fd, const struct sockaddr *peer,
	    socklen_t peerlen, void (*over)(void *arg), void *arg);

/*
 * server_conn_over: the connection c is over (conn.h): close its
 * descriptor and log it as server_serve does.  start_ms is
 * when it was accepted, in io_now_ms time, for the -v line.  For a model
 * that drives connections itself (evd).  Returns c->rc.
 */
int	server_conn_over(struct server *s, struct conn *c, long long start_ms);

/*
 * server_reap: reap every child that has exited, without waiting, retrying
 * EINTR; log one that was killed by a signal or exited non-zero, and call
 * gone(pid, badly, ctx) for each (badly: it did not exit 0).  Returns how
 * many were reaped.
 */
int	server_reap(void (*gone)(pid_t pid, int badly, void *ctx), void *ctx);

/*
 * server_wait_readable: wait in pselect until fd is readable, the blocked
 * signals let in meanwhile.  Returns 0, or -1 with errno (EINTR: a signal,
 * or in a ThreadSanitizer build perhaps one: see SERVER_TSAN).
 */
int	server_wait_readable(const struct server *s, int fd);

/*
 * server_let_signals_in: unblock the handled signals for a moment, so that
 * a pending one is delivered.  pselect delivers one only when it has to
 * wait: a socket that is always ready would hold a SIGTERM back.
 */
void	server_let_signals_in(const struct server *s);

/*
 * server_wait_signal: sleep until a signal the server handles comes in.
 * For a model that has nothing to do until then (a full forkd).
 */
void	server_wait_signal(const struct server *s);

/*
 * server_unblock_signals: let the handled signals in at any time, for a
 * process that waits in calls they must interrupt (a pool child in a
 * blocking accept).
 */
void	server_unblock_signals(const struct server *s);

/*
 * server_child: in a child just forked to serve, let go of what only the
 * parent keeps (the pidfile and its lock).
 */
void	server_child(struct server *s);


#endif
