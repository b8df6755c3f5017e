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
#include "child.h"
#include "held.h"
#include "hist.h"
#include "log.h"
#include "net.h"
#include "opt.h"

#define LOADCLI_BYTES		64	/* -b */
#define LOADCLI_CHILDREN	1	/* -c */
#define LOADCLI_CONNECTIONS	1000	/* -n */
#define LOADCLI_SECONDS		600	/* -T */

static const struct opt_doc options[] = {
	OPT_DOC_FAMILY,
	{ 'b', "bytes", "the bytes of each request (default: "
	    OPT_STR(LOADCLI_BYTES) ")" },
	{ 'c', "children", "client processes at once (default: "
	    OPT_STR(LOADCLI_CHILDREN) ")" },
	{ 'H', "held", "idle connections held open beside the load, from one "
	    "more process (default: 0)" },
	{ 'j', NULL, "print the report as one line of JSON" },
	{ 'm', "bench|echo", "the kind of request (default: bench)" },
	{ 'n', "connections", "connections each child makes (default: "
	    OPT_STR(LOADCLI_CONNECTIONS) ")" },
	{ 'q', NULL, "quiet: no progress line" },
	{ 'T', "seconds", "bound the whole run (default: "
	    OPT_STR(LOADCLI_SECONDS) ")" },
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
	int		echo;			/* -m echo, else bench */
	const char	*spec;
	long long	held;			/* -H */
} opts = { AF_UNSPEC, 0, 0, LOADCLI_CHILDREN, LOADCLI_CONNECTIONS, LOADCLI_BYTES,
    LOADCLI_SECONDS, 0, "9877", 0 };

static volatile sig_atomic_t expired;	/* the -T deadline has passed */
static volatile sig_atomic_t stopped_by;	/* the parent: SIGTERM, SIGINT, SIGHUP */
static pid_t *pids;			/* the children not yet reaped */

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

/* What an errno from a call on the socket says about the connection. */
static enum outcome
outcome_of(int e)
{
	if (expired || e == ETIMEDOUT || e == EINTR)
		return TIMED_OUT;
	if (e == ECONNREFUSED)
		return REFUSED;
	/* A socket that was connected and no longer is was reset under us. */
	if (e == ECONNRESET || e == EPIPE || e == ENOTCONN)
		return RESET;
	other_errno = e;
	return OTHER;
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
send_request(int fd, const char *req, size_t reqlen, char *buf, size_t size,
    size_t *got, const char *want)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLOUT };
	size_t sent = 0;
	ssize_t n;

	for (;;) {
		n = send(fd, req + sent, reqlen - sent, MSG_DONTWAIT);
		if (n == -1 && errno != EAGAIN && errno != EWOULDBLOCK)
			return outcome_of(errno);
		if (n > 0 && (sent += (size_t)n) == reqlen)
			return shutdown(fd, SHUT_WR) == -1 ? outcome_of(errno) : OK;
		if (poll(&pfd, 1, -1) == -1)
			return outcome_of(errno);
		if ((pfd.revents & (POLLIN | POLLERR | POLLHUP)) == 0)
			continue;
		n = recv(fd, buf, size, MSG_DONTWAIT);
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
read_reply(int fd, char *buf, size_t size, size_t got, const char *want)
{
	ssize_t n;

	while ((n = read(fd, buf, size)) > 0)
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
bench_exchange(int fd, const char *req, size_t reqlen, char *buf, size_t size)
{
	size_t got = 0, want = (size_t)opts.bytes;
	ssize_t n;

	/* A line of a few bytes: one write takes it, or the connection failed. */
	if ((n = write(fd, req, reqlen)) != (ssize_t)reqlen)
		return outcome_of(n == -1 ? errno : EPIPE);
	while (got <= want) {
		n = read(fd, buf, size);
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
 * One connection: connect, then the exchange of the mode.  echo sends the
 * payload, half-closes and reads the echo to the end, checking each byte:
 * the half-close also lets the server close first.
 */
static enum outcome
one_connection(const struct addrinfo *ai, const char *req, size_t reqlen,
    char *buf, size_t size)
{
	enum outcome o;
	size_t got = 0;
	int fd;

	if ((fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return outcome_of(errno);
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == -1)
		o = outcome_of(errno);
	else if (!opts.echo)
		o = bench_exchange(fd, req, reqlen, buf, size);
	else if ((o = send_request(fd, req, reqlen, buf, size, &got, req)) == OK)
		o = read_reply(fd, buf, size, got, req);
	close(fd);
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

/* A child: -n connections, each counted in t, until done or out of time. */
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
	for (i = 0; i < opts.connections && !expired && getppid() == parent; i++) {
		start = now_us();
		o = one_connection(ai, req, reqlen, buf, size);
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
	const struct held *held;		/* -H, or NULL */
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
	sum->not_made = (unsigned long long)(opts.children * opts.connections) -
	    sum->made;
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
	int i;

	printf("loadcli: %s, %lld children x %lld connections, %s %lld bytes\n",
	    where, opts.children, opts.connections, opts.echo ? "echo" : "bench",
	    opts.bytes);
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
	held_report_text(sum->held);
}

static void
report_json(const struct totals *sum, const char *where)
{
	int i;

	printf("{\"address\": \"%s\", \"mode\": \"%s\", \"bytes\": %lld, "
	    "\"children\": %lld, \"connections_per_child\": %lld, "
	    "\"connections\": %llu, \"failed\": %llu, \"not_made\": %llu, "
	    "\"errors\": {", where, opts.echo ? "echo" : "bench", opts.bytes,
	    opts.children, opts.connections, sum->made, sum->errors,
	    sum->not_made);
	for (i = 1; i < NOUTCOMES; i++)
		printf("%s\"%s\": %llu", i > 1 ? ", " : "", outcome_key[i],
		    sum->outcomes[i]);
	printf("}, \"elapsed_s\": %.6f, \"rate\": %.3f, \"latency_ms\": "
	    "{\"p50\": %.4f, \"p90\": %.4f, \"p99\": %.4f, \"max\": %.4f}, "
	    "\"client_cpu_s\": {\"user\": %.4f, \"system\": %.4f}",
	    sum->elapsed, sum->elapsed > 0 ? (double)sum->made / sum->elapsed : 0.0,
	    percentile_ms(sum, 0.50), percentile_ms(sum, 0.90),
	    percentile_ms(sum, 0.99), (double)sum->latency.max / 1000.0,
	    sum->user, sum->sys);
	held_report_json(sum->held);
	printf("}\n");
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
wait_children(const struct tally *t, long long deadline_us, long long start_us,
    struct held *held)
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
			if (held_reaped(held, pid, status))
				continue;
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
		if (progress)
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
		case 'H':
			if (opt_num(opt, optarg, 0, 1000000, &opts.held, why, whylen) == -1)
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
	struct held *held = NULL;
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
	if (opts.held > 0 &&
	    (held = held_start(ai, opts.held, why, sizeof why)) == NULL) {
		log_error("%s", why);
		freeaddrinfo(ai);
		return 1;
	}
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
	deadline_us = start_us + opts.seconds * 1000000;
	held_wait(held, deadline_us);	/* the load starts once they are held */
	start_us = now_us();
	if (stopped_by || start_children(ai, req, reqlen, t, deadline_us) == -1)
		deadline_us = now_us();	/* and kill the ones started in 2 s */
	bad = wait_children(t, deadline_us, start_us, held);
	sum_up(t, start_us, now_us(), &sum);
	held_stop(held);
	sum.held = held;
	bad += held_failed(held);	/* as a child that failed */
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
	held_free(held);
	return sum.errors > 0 || sum.not_made > 0 || bad > 0 || stopped_by;
}
