/*
 * loadcli: the load client of UNIX Network Programming, chapter 30.  It
 * forks -c children; each opens -n connections one after another and makes
 * one request on each: bench sends "-b\n" and reads exactly -b bytes, echo
 * sends -b bytes and checks they come back.  The parent merges what the
 * children counted (a latency histogram each, in shared memory) and reports
 * connections, errors by kind, the rate, latency percentiles and its own
 * CPU time, so that a reader can see when the client is the limit.
 */
#define _DEFAULT_SOURCE		/* MAP_ANONYMOUS */
#include <sys/types.h>
#include <sys/mman.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "hist.h"
#include "log.h"
#include "net.h"
#include "opt.h"

#define LOADCLI_BYTES		64	/* -b */
#define LOADCLI_CHILDREN	1	/* -c */
#define LOADCLI_CONNECTIONS	1000	/* -n */
#define LOADCLI_SECONDS		60	/* -T, after -D if given */
#define LOADCLI_TIMEOUT		5	/* -t */

static const struct opt_doc options[] = {
	OPT_DOC_FAMILY,
	{ 'b', "bytes", "the bytes of each request (default: "
	    OPT_STR(LOADCLI_BYTES) ")" },
	{ 'c', "children", "client processes at once (default: "
	    OPT_STR(LOADCLI_CHILDREN) ")" },
	{ 'D', "seconds", "make connections for this long, a decimal, instead "
	    "of -n each (default: none)" },
	{ 'j', NULL, "print the report as one line of JSON" },
	{ 'm', "bench|echo", "the kind of request (default: bench)" },
	{ 'n', "connections", "connections each child makes (default: "
	    OPT_STR(LOADCLI_CONNECTIONS) ")" },
	{ 'q', NULL, "quiet: no progress line" },
	{ 't', "seconds", "give up on a connection after this long (default: "
	    OPT_STR(LOADCLI_TIMEOUT) "; a decimal, such as 0.5)" },
	{ 'T', "seconds", "bound the whole run (default: "
	    OPT_STR(LOADCLI_SECONDS) ", counted after -D)" },
	{ 0, NULL, NULL }
};

static const struct opt_prog loadcli = {
	.name = "loadcli",
	.section = 1,
	.what = "load a TCP server with short connections; report rate "
	    "and latency",
	.opts = options,
	.operands = "[address]",
	.more = ADDR_HELP_CLIENT,
};

/* How a connection ended. */
enum outcome { OK, REFUSED, RESET, TIMED_OUT, SHORT_REPLY, WRONG_BYTES, OTHER, NOUTCOMES };
static const char *const outcome_name[NOUTCOMES] = {
	"ok", "refused", "reset", "timed out", "short reply", "wrong bytes", "other"
};
static const char *const outcome_key[NOUTCOMES] = {
	"ok", "refused", "reset", "timed_out", "short_reply", "wrong_bytes", "other"
};

/* What a child counts, in shared memory; the parent merges them. */
struct tally {
	atomic_ullong	made;			/* connections tried, for progress */
	unsigned long long outcomes[NOUTCOMES];
	struct hist	latency;		/* of every connection, in us */
	long long	end_us;			/* when the child finished */
	int		other_errno;		/* the first "other" error */
};

static struct {
	int		family;
	int		json, quiet;
	long long	children, connections, bytes, seconds;
	long long	timeout_us;		/* -t */
	long long	duration_us;		/* -D, or 0: -n connections */
	int		echo;			/* -m echo, else bench */
	const char	*spec;
} opts = { AF_UNSPEC, 0, 0, LOADCLI_CHILDREN, LOADCLI_CONNECTIONS, LOADCLI_BYTES,
    LOADCLI_SECONDS, LOADCLI_TIMEOUT * 1000000LL, 0, 0, "9877" };

static volatile sig_atomic_t expired;	/* the -T deadline has passed */
static volatile sig_atomic_t stopped_by;	/* the parent: SIGTERM, SIGINT, SIGHUP */
static pid_t *pids;			/* the children not yet reaped */
static long long run_end_us;		/* with -D, when no more are started */

/* The signals that end a run early, in the parent; in a child, as they were. */
static const int stop_signals[] = { SIGTERM, SIGINT, SIGHUP };
#define NSTOP_SIGNALS	(sizeof stop_signals / sizeof stop_signals[0])

static void
on_alarm(int sig)
{
	(void)sig;
	expired = 1;
}

static void
on_stop(int sig)
{
	stopped_by = sig;
}

static long long
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The errno of the last connection that ended as "other", for the report. */
static int other_errno;

/*
 * What an errno from a call on the socket says about the connection.  A
 * timeout of -t shows as EAGAIN from a read (SO_RCVTIMEO) and as
 * EINPROGRESS from connect (SO_SNDTIMEO, on Linux).
 */
static enum outcome
outcome_of(int e)
{
	if (expired || e == ETIMEDOUT || e == EINTR || e == EAGAIN ||
	    e == EWOULDBLOCK || e == EINPROGRESS)
		return TIMED_OUT;
	if (e == ECONNREFUSED)
		return REFUSED;
	/* A socket that was connected and no longer is was reset under us. */
	if (e == ECONNRESET || e == EPIPE || e == ENOTCONN)
		return RESET;
	other_errno = e;
	return OTHER;
}

/* One connection in progress: its socket, and when it must be done by. */
struct conn {
	int		fd;
	long long	deadline_us;	/* -t after it was started */
	long long	timeo_at_us;	/* when SO_RCVTIMEO was last set, or 0 */
};

/*
 * Set the timeout option of c's socket (SO_RCVTIMEO, SO_SNDTIMEO) to the
 * time c has left.  Returns 0, or -1 with errno ETIMEDOUT when it has none.
 */
static int
conn_timeout(struct conn *c, int option)
{
	long long now = now_us(), left = c->deadline_us - now;
	struct timeval tv;

	if (left <= 0) {
		errno = ETIMEDOUT;
		return -1;
	}
	tv.tv_sec = (time_t)(left / 1000000);
	tv.tv_usec = (suseconds_t)(left % 1000000);
	if (setsockopt(c->fd, SOL_SOCKET, option, &tv, sizeof tv) == -1)
		return -1;
	if (option == SO_RCVTIMEO)
		c->timeo_at_us = now;
	return 0;
}

/*
 * read(2) that gives up at c's deadline, with ETIMEDOUT.  A blocking read
 * under SO_RCVTIMEO costs no poll(2) before it: the timeout is set before
 * the first read, and again only once more than a millisecond has gone
 * since, so a read may end that much after the deadline.
 */
static ssize_t
conn_read(struct conn *c, void *buf, size_t size)
{
	ssize_t n;

	if ((c->timeo_at_us == 0 || now_us() - c->timeo_at_us > 1000) &&
	    conn_timeout(c, SO_RCVTIMEO) == -1)
		return -1;
	if ((n = read(c->fd, buf, size)) == -1 &&
	    (errno == EAGAIN || errno == EWOULDBLOCK))
		errno = ETIMEDOUT;
	return n;
}

/* The milliseconds c has left, rounded up, for poll(2); 0 when none. */
static int
conn_poll_ms(const struct conn *c)
{
	long long left = c->deadline_us - now_us();

	return left > 0 ? (int)((left + 999) / 1000) : 0;
}

/* Add n bytes of reply to *got; -1 past -b, or unlike the echo of want. */
static int
take_reply(const char *buf, size_t n, size_t *got, const char *want)
{
	if (*got + n > (size_t)opts.bytes ||
	    (want != NULL && memcmp(buf, want + *got, n) != 0))
		return -1;
	*got += n;
	return 0;
}

/*
 * Send the request, then half-close.  A request larger than the socket
 * buffers (a big echo) is sent as poll allows, taking the reply as it comes
 * meanwhile: written in one go, it would wait for a server that waits for
 * us to read.  OK means the request went out and the reply is to be read.
 */
static enum outcome
send_request(struct conn *c, const char *req, size_t reqlen, char *buf,
    size_t size, size_t *got, const char *want)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN | POLLOUT };
	size_t sent = 0;
	ssize_t n;
	int ready;

	for (;;) {
		n = send(c->fd, req + sent, reqlen - sent, MSG_DONTWAIT);
		if (n == -1 && errno != EAGAIN && errno != EWOULDBLOCK)
			return outcome_of(errno);
		if (n > 0 && (sent += (size_t)n) == reqlen)
			return shutdown(c->fd, SHUT_WR) == -1 ? outcome_of(errno) : OK;
		if ((ready = poll(&pfd, 1, conn_poll_ms(c))) == -1)
			return outcome_of(errno);
		if (ready == 0)
			return TIMED_OUT;
		if ((pfd.revents & (POLLIN | POLLERR | POLLHUP)) == 0)
			continue;
		n = recv(c->fd, buf, size, MSG_DONTWAIT);
		if (n == 0)
			return SHORT_REPLY;	/* closed before it took the request */
		if (n == -1 && errno != EAGAIN && errno != EWOULDBLOCK)
			return outcome_of(errno);
		if (n > 0 && take_reply(buf, (size_t)n, got, want) == -1)
			return WRONG_BYTES;
	}
}

/* Read the rest of the reply, until the server closes. */
static enum outcome
read_reply(struct conn *c, char *buf, size_t size, size_t got, const char *want)
{
	ssize_t n;

	while ((n = conn_read(c, buf, size)) > 0)
		if (take_reply(buf, (size_t)n, &got, want) == -1)
			return WRONG_BYTES;
	if (n == -1)
		return outcome_of(errno);
	return got < (size_t)opts.bytes ? SHORT_REPLY : OK;
}

/*
 * bench, as UNP's client does it: write "-b\n", read -b bytes, close.
 * The read that brings the last byte asks for one more, so that a reply
 * longer than asked is seen when it comes with the rest.
 */
static enum outcome
bench_exchange(struct conn *c, const char *req, size_t reqlen, char *buf,
    size_t size)
{
	size_t got = 0, want = (size_t)opts.bytes;
	ssize_t n;

	/* A line of a few bytes: one write takes it, or the connection failed. */
	if ((n = write(c->fd, req, reqlen)) != (ssize_t)reqlen)
		return outcome_of(n == -1 ? errno : EPIPE);
	while (got <= want) {
		n = conn_read(c, buf, size);
		if (n == -1)
			return outcome_of(errno);
		if (n == 0)
			break;
		got += (size_t)n;
		if (got == want)
			return OK;
	}
	return got < want ? SHORT_REPLY : WRONG_BYTES;
}

/*
 * One connection, started at start_us: connect, then the exchange of the
 * mode, all within -t.  echo sends the payload, half-closes and reads the
 * echo to the end, checking each byte: the half-close also lets the server
 * close first.  SO_SNDTIMEO bounds connect(2) (on Linux) and the writes.
 */
static enum outcome
one_connection(const struct addrinfo *ai, long long start_us, const char *req,
    size_t reqlen, char *buf, size_t size)
{
	struct conn c = { -1, start_us + opts.timeout_us, 0 };
	enum outcome o;
	size_t got = 0;

	c.fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c.fd == -1)
		return outcome_of(errno);
	if (conn_timeout(&c, SO_SNDTIMEO) == -1 ||
	    connect(c.fd, ai->ai_addr, ai->ai_addrlen) == -1)
		o = outcome_of(errno);
	else if (!opts.echo)
		o = bench_exchange(&c, req, reqlen, buf, size);
	else if ((o = send_request(&c, req, reqlen, buf, size, &got, req)) == OK)
		o = read_reply(&c, buf, size, got, req);
	close(c.fd);
	return o;
}

/* The request: for echo, -b bytes of a pattern; for bench, "-b\n". */
static char *
make_request(size_t *len)
{
	char *req;
	long long i;

	if (!opts.echo) {
		req = malloc(32);
		if (req != NULL)
			*len = (size_t)snprintf(req, 32, "%lld\n", opts.bytes);
		return req;
	}
	if ((req = malloc((size_t)opts.bytes)) == NULL)
		return NULL;
	for (i = 0; i < opts.bytes; i++)
		req[i] = (char)('!' + (i * 7 + i / 95) % 94);
	*len = (size_t)opts.bytes;
	return req;
}

/*
 * In a new child: die with the parent, however it ends.  On Linux the
 * kernel sends SIGKILL when the parent dies; elsewhere the child looks
 * before each connection.  A parent that died before this ran is seen at
 * once.  The stop signals take their default action again: a SIGINT to
 * the whole group (^C) ends the children at once.
 */
static void
child_follows(pid_t parent)
{
	size_t i;

#ifdef PR_SET_PDEATHSIG
	prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
	if (getppid() != parent)
		_exit(1);
	for (i = 0; i < NSTOP_SIGNALS; i++)
		signal(stop_signals[i], SIG_DFL);
}

/* Whether a child that has made made connections makes another. */
static int
more_to_make(long long made)
{
	if (opts.duration_us > 0)
		return now_us() < run_end_us;
	return made < opts.connections;
}

/*
 * A child: -n connections, or connections until the end of -D, each
 * counted in t, until done or out of time.
 */
static void
child_main(const struct addrinfo *ai, const char *req, size_t reqlen,
    struct tally *t, long long deadline_us, pid_t parent)
{
	/*
	 * SIGALRM at the deadline, and every 100 ms after it: a signal that
	 * lands just before a blocking call would not interrupt that call.
	 */
	struct itimerval left = { { 0, 100 * 1000 }, { 0, 0 } };
	size_t size = 65536;
	long long i, start, us;
	char *buf = malloc(size);
	enum outcome o;

	child_follows(parent);
	if (buf == NULL) {
		log_error("child: %s", strerror(errno));
		_exit(1);
	}
	us = deadline_us - now_us();
	left.it_value.tv_sec = us > 0 ? us / 1000000 : 0;
	left.it_value.tv_usec = us > 0 ? us % 1000000 : 1;
	setitimer(ITIMER_REAL, &left, NULL);
	for (i = 0; more_to_make(i) && !expired && getppid() == parent; i++) {
		start = now_us();
		o = one_connection(ai, start, req, reqlen, buf, size);
		us = now_us() - start;
		t->outcomes[o]++;
		if (o == OTHER && t->other_errno == 0)
			t->other_errno = other_errno;
		hist_add(&t->latency, (unsigned long long)us);
		atomic_fetch_add_explicit(&t->made, 1, memory_order_relaxed);
	}
	t->end_us = now_us();
	free(buf);
	_exit(0);
}

/* The whole run, merged. */
struct totals {
	unsigned long long outcomes[NOUTCOMES];
	struct hist	latency;
	unsigned long long made, errors, not_made;
	double		elapsed, user, sys;
	int		other_errno;
};

static void
merge(const struct tally *t, long long n, struct totals *sum)
{
	long long k;
	int i;

	for (k = 0; k < n; k++) {
		for (i = 0; i < NOUTCOMES; i++)
			sum->outcomes[i] += t[k].outcomes[i];
		hist_merge(&sum->latency, &t[k].latency);
		if (sum->other_errno == 0)
			sum->other_errno = t[k].other_errno;
	}
	for (i = 0; i < NOUTCOMES; i++)
		sum->made += sum->outcomes[i];
	sum->errors = sum->made - sum->outcomes[OK];
	if (opts.duration_us == 0)	/* with -D there is no count to make */
		sum->not_made = (unsigned long long)(opts.children *
		    opts.connections) - sum->made;
}

/* The latency below which a fraction p of the connections finished, in ms. */
static double
percentile_ms(const struct totals *sum, double p)
{
	return hist_find_percentile(&sum->latency, p) / 1000.0;
}

static void
report_text(const struct totals *sum, const char *where)
{
	char duration[32];
	int i;

	if (opts.duration_us > 0)
		printf("loadcli: %s, %lld children for %s s, %s %lld bytes\n",
		    where, opts.children, opt_format_seconds(opts.duration_us,
		    duration, sizeof duration), opts.echo ? "echo" : "bench",
		    opts.bytes);
	else
		printf("loadcli: %s, %lld children x %lld connections, %s %lld "
		    "bytes\n", where, opts.children, opts.connections,
		    opts.echo ? "echo" : "bench", opts.bytes);
	printf("connections  %llu, %llu failed", sum->made, sum->errors);
	if (sum->not_made > 0)
		printf(", %llu not made", sum->not_made);
	printf("\n");
	if (sum->errors > 0) {
		printf("errors      ");
		for (i = 1; i < NOUTCOMES; i++)
			if (sum->outcomes[i] > 0)
				printf(" %s %llu", outcome_name[i], sum->outcomes[i]);
		if (sum->other_errno != 0)
			printf(" (other: %s)", strerror(sum->other_errno));
		printf("\n");
	}
	printf("elapsed      %.3f s\n", sum->elapsed);
	printf("rate         %.1f connections/s\n",
	    sum->elapsed > 0 ? (double)sum->made / sum->elapsed : 0.0);
	printf("latency      p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, max %.3f ms\n",
	    percentile_ms(sum, 0.50), percentile_ms(sum, 0.90),
	    percentile_ms(sum, 0.99), (double)sum->latency.max / 1000.0);
	printf("client cpu   %.2f s user, %.2f s system, %.2f of a CPU\n",
	    sum->user, sum->sys, sum->elapsed > 0 ?
	    (sum->user + sum->sys) / sum->elapsed : 0.0);
}

static void
report_json(const struct totals *sum, const char *where)
{
	int i;

	char duration[32], timeout[32];

	printf("{\"address\": \"%s\", \"mode\": \"%s\", \"bytes\": %lld, "
	    "\"children\": %lld, ", where, opts.echo ? "echo" : "bench",
	    opts.bytes, opts.children);
	if (opts.duration_us > 0)
		printf("\"connections_per_child\": null, \"duration_s\": %s, ",
		    opt_format_seconds(opts.duration_us, duration, sizeof duration));
	else
		printf("\"connections_per_child\": %lld, \"duration_s\": null, ",
		    opts.connections);
	printf("\"timeout_s\": %s, \"connections\": %llu, \"failed\": %llu, "
	    "\"not_made\": %llu, \"errors\": {",
	    opt_format_seconds(opts.timeout_us, timeout, sizeof timeout),
	    sum->made, sum->errors, sum->not_made);
	for (i = 1; i < NOUTCOMES; i++)
		printf("%s\"%s\": %llu", i > 1 ? ", " : "", outcome_key[i],
		    sum->outcomes[i]);
	printf("}, \"elapsed_s\": %.6f, \"rate\": %.3f, \"latency_ms\": "
	    "{\"p50\": %.4f, \"p90\": %.4f, \"p99\": %.4f, \"max\": %.4f}, "
	    "\"client_cpu_s\": {\"user\": %.4f, \"system\": %.4f}}\n",
	    sum->elapsed, sum->elapsed > 0 ? (double)sum->made / sum->elapsed : 0.0,
	    percentile_ms(sum, 0.50), percentile_ms(sum, 0.90),
	    percentile_ms(sum, 0.99), (double)sum->latency.max / 1000.0,
	    sum->user, sum->sys);
}

/* How many connections the children have made so far. */
static unsigned long long
made_so_far(const struct tally *t, long long n)
{
	unsigned long long made = 0;
	long long k;

	for (k = 0; k < n; k++)
		made += atomic_load_explicit(&t[k].made, memory_order_relaxed);
	return made;
}

/*
 * Wait for every child, showing progress on a terminal.  A child still
 * there two seconds after the deadline is killed.  Returns how many did
 * not exit 0.
 */
static int
wait_children(const struct tally *t, long long deadline_us, long long start_us)
{
	struct timespec tick = { 0, 250 * 1000 * 1000 };
	int progress = !opts.quiet && !opts.json && isatty(STDERR_FILENO);
	long long left = 0, bad = 0, k;
	int status;
	pid_t pid;

	for (k = 0; k < opts.children; k++)
		left += pids[k] != 0;	/* a fork that failed left a 0 */
	while (left > 0) {
		if (stopped_by && deadline_us > now_us()) {
			/* As at the deadline: they stop now, or are killed in 2 s. */
			deadline_us = now_us();
			for (k = 0; k < opts.children; k++)
				if (pids[k] != 0)
					kill(pids[k], SIGALRM);
		}
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			for (k = 0; k < opts.children; k++)
				if (pids[k] == pid)
					pids[k] = 0;
			left--;
			if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
				bad++;
		}
		if (left == 0 || (pid == -1 && errno == ECHILD))
			break;
		if (now_us() > deadline_us + 2000000)
			for (k = 0; k < opts.children; k++)
				if (pids[k] != 0)
					kill(pids[k], SIGKILL);
		if (progress && opts.duration_us > 0)
			fprintf(stderr, "\rloadcli: %llu connections, %.1f of %.1f s",
			    made_so_far(t, opts.children), (now_us() - start_us) / 1e6,
			    opts.duration_us / 1e6);
		else if (progress)
			fprintf(stderr, "\rloadcli: %llu of %lld connections, %.1f s",
			    made_so_far(t, opts.children), opts.children * opts.connections,
			    (now_us() - start_us) / 1e6);
		nanosleep(&tick, NULL);
	}
	if (progress)
		fprintf(stderr, "\r%60s\r", "");
	return (int)bad;
}

static int
usage(int found, const char *why)
{
	return opt_usage(found, &loadcli, why);
}

static int
parse_options(int argc, char **argv, char *why, size_t whylen)
{
	int opt;

	while ((opt = opt_next(argc, argv, options, why, whylen)) >= 0) {
		switch (opt) {
		case '4': opts.family = AF_INET; break;
		case '6': opts.family = AF_INET6; break;
		case 'j': opts.json = 1; break;
		case 'q': opts.quiet = 1; break;
		case 'b':
			if (opt_num(opt, optarg, 1, 16777216, &opts.bytes, why, whylen) == -1)
				return OPT_BAD;
			break;
		case 'c':
			if (opt_num(opt, optarg, 1, 4096, &opts.children, why, whylen) == -1)
				return OPT_BAD;
			break;
		case 'n':
			if (opt_num(opt, optarg, 1, 1000000000, &opts.connections, why, whylen) == -1)
				return OPT_BAD;
			break;
		case 'T':
			if (opt_num(opt, optarg, 1, 86400, &opts.seconds, why, whylen) == -1)
				return OPT_BAD;
			break;
		case 't':
			if (opt_seconds(opt, optarg, 1000, 86400000000LL,
			    &opts.timeout_us, why, whylen) == -1)
				return OPT_BAD;
			break;
		case 'D':
			if (opt_seconds(opt, optarg, 1000, 86400000000LL,
			    &opts.duration_us, why, whylen) == -1)
				return OPT_BAD;
			break;
		case 'm':
			if (strcmp(optarg, "bench") != 0 && strcmp(optarg, "echo") != 0) {
				snprintf(why, whylen, "-m %s: not bench or echo", optarg);
				return OPT_BAD;
			}
			opts.echo = strcmp(optarg, "echo") == 0;
			break;
		}
	}
	if (opt != OPT_END)
		return opt;
	if (opt_operands(argc, argv, 1, "the address", why, whylen) == -1)
		return OPT_BAD;
	if (optind < argc)
		opts.spec = argv[optind];
	return OPT_END;
}

/* The server's address, resolved once: every connection goes to the first. */
static struct addrinfo *
resolve(char *why, size_t whylen, int *usage_error)
{
	struct addr a;

	*usage_error = 1;
	if (addr_operand(&a, opts.spec, "tcp", 0, why, whylen) == -1)
		return NULL;
	*usage_error = 0;
	return net_resolve(a.wildcard ? NULL : a.host, a.port, opts.family,
	    SOCK_STREAM, 0, why, whylen);
}

/* Fork the children; each runs child_main and never returns. */
static int
start_children(const struct addrinfo *ai, const char *req, size_t reqlen,
    struct tally *t, long long deadline_us)
{
	pid_t pid, parent = getpid();
	long long k;

	for (k = 0; k < opts.children; k++) {
		if ((pid = fork()) == -1) {
			log_error("fork: %s", strerror(errno));
			while (k-- > 0)		/* as at the deadline: stop now */
				kill(pids[k], SIGALRM);
			return -1;
		}
		if (pid == 0)
			child_main(ai, req, reqlen, &t[k], deadline_us, parent);
		pids[k] = pid;
	}
	return 0;
}

/*
 * The totals of a finished run: outcomes, latencies, time, our CPU.  A child
 * that was killed never noted its end: it ended when it was reaped, by
 * reaped_us at the latest.
 */
static void
sum_up(const struct tally *t, long long start_us, long long reaped_us,
    struct totals *sum)
{
	struct rusage self, kids;
	long long k, end = start_us;

	memset(sum, 0, sizeof *sum);
	merge(t, opts.children, sum);
	for (k = 0; k < opts.children; k++) {
		if (t[k].end_us > end)
			end = t[k].end_us;
		if (t[k].end_us == 0 && reaped_us > end)
			end = reaped_us;
	}
	sum->elapsed = (end - start_us) / 1e6;
	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &kids);
	sum->user = (double)(self.ru_utime.tv_sec + kids.ru_utime.tv_sec) +
	    (self.ru_utime.tv_usec + kids.ru_utime.tv_usec) / 1e6;
	sum->sys = (double)(self.ru_stime.tv_sec + kids.ru_stime.tv_sec) +
	    (self.ru_stime.tv_usec + kids.ru_stime.tv_usec) / 1e6;
}

int
main(int argc, char **argv)
{
	char why[NET_ERRLEN], where[ADDR_STRLEN];
	struct sigaction sa;
	struct addrinfo *ai;
	struct tally *t;
	struct totals sum;
	long long start_us, deadline_us;
	int found, usage_error, bad;
	size_t k, size, reqlen = 0;
	char *req;

	log_open("loadcli");
	if ((found = parse_options(argc, argv, why, sizeof why)) != OPT_END)
		return usage(found, why);
	if ((ai = resolve(why, sizeof why, &usage_error)) == NULL) {
		if (usage_error)
			return usage(OPT_BAD, why);
		log_error("%s", why);
		return 1;
	}
	addr_format(ai->ai_addr, ai->ai_addrlen, where, sizeof where);
	size = (size_t)opts.children * sizeof *t;
	t = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pids = calloc((size_t)opts.children, sizeof *pids);
	if (t == MAP_FAILED || pids == NULL) {
		log_error("tallies: %s", strerror(errno));
		return 1;
	}
	if ((req = make_request(&reqlen)) == NULL) {	/* one, for every child */
		log_error("request: %s", strerror(errno));
		return 1;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;	/* no SA_RESTART: the deadline interrupts */
	sigaction(SIGALRM, &sa, NULL);
	sa.sa_handler = on_stop;	/* the run ends early; the report is made */
	for (k = 0; k < NSTOP_SIGNALS; k++)
		sigaction(stop_signals[k], &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	start_us = now_us();
	run_end_us = start_us + opts.duration_us;
	deadline_us = run_end_us + opts.seconds * 1000000;
	if (start_children(ai, req, reqlen, t, deadline_us) == -1)
		deadline_us = now_us();	/* and kill the ones started in 2 s */
	bad = wait_children(t, deadline_us, start_us);
	sum_up(t, start_us, now_us(), &sum);
	if (stopped_by)
		log_error("stopped by signal %d; the run was cut short", (int)stopped_by);
	if (opts.json)
		report_json(&sum, where);
	else
		report_text(&sum, where);
	munmap(t, size);
	free(req);
	free(pids);
	freeaddrinfo(ai);
	return sum.errors > 0 || sum.not_made > 0 || bad > 0 || stopped_by;
}
