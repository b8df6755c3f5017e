/*
 * loadcli: the load client of UNIX Network Programming, chapter 30.  It
 * forks -c children; each opens connections one after another (-n of them,
 * or for -D seconds) and makes -k requests on each (clients/exchange.c).
 * In a closed loop, the book's, a child starts a connection when the last
 * is over; with -R, an open loop, connections are due at a fixed rate
 * whatever the server does, and each one's latency counts from when it was
 * due, so that a stalled server shows (the coordinated omission that wrk2
 * corrects).  The parent merges what the children counted (a latency
 * histogram each, in shared memory) and reports connections, errors by
 * kind, the rate, latency percentiles, the mean, and its own CPU time, so
 * that a reader can see when the client is the limit.  The first reply
 * the protocol does not allow ends the run: a mismatch does not come right.
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
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "child.h"
#include "escape.h"
#include "exchange.h"
#include "held.h"
#include "hist.h"
#include "io.h"
#include "log.h"
#include "net.h"
#include "opt.h"

#define LOADCLI_BYTES		64	/* -b */
#define LOADCLI_CHILDREN	1	/* -c */
#define LOADCLI_REQUESTS	1	/* -k */
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
	{ 'H', "held", "idle connections held open beside the load, from one "
	    "more process (default: 0)" },
	{ 'j', NULL, "print the report as one line of JSON" },
	{ 'k', "requests", "requests on each connection (default: "
	    OPT_STR(LOADCLI_REQUESTS) ")" },
	{ 'm', "bench|echo", "the kind of request (default: bench)" },
	{ 'n', "connections", "connections each child makes (default: "
	    OPT_STR(LOADCLI_CONNECTIONS) ")" },
	{ 'q', NULL, "quiet: no progress line" },
	{ 'R', "rate", "open loop: start this many connections a second in "
	    "all, whatever the server does (default: none, a closed loop)" },
	{ 't', "seconds", "give up on a connection after this long (default: "
	    OPT_STR(LOADCLI_TIMEOUT) "; a decimal, such as 0.5)" },
	{ 'T', "seconds", "bound the whole run (default: "
	    OPT_STR(LOADCLI_SECONDS) ", counted after -D; a decimal)" },
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

/* What a child counts, in shared memory; the parent merges them. */
struct tally {
	atomic_ullong	made;			/* connections tried, for progress */
	unsigned long long outcomes[NOUTCOMES];
	unsigned long long requests;		/* answered in full */
	struct hist	latency;		/* of those that succeeded, in us */
	long long	end_us;			/* when the child finished */
	int		other_errno;		/* the first "other" error */
	long long	unexpected_us;		/* when the first unexpected reply came */
	struct unexpected unexpected;		/* what it held */
};

/* The memory the parent shares with its children. */
struct shared {
	long long	epoch_us;	/* the start, once every child is forked */
	struct tally	t[];		/* one a child */
};

/* A run: what main sets up, and every child starts from. */
struct run {
	struct addrinfo	*ai;
	char		*req;		/* the request, the same on every connection */
	size_t		reqlen;
	struct shared	*sh;
	size_t		shsize;
	long long	start_us;	/* the start of the run, -H's holding included */
	long long	forked_us;	/* just before the first fork */
	long long	deadline_us;	/* -T */
	int		gate[2];	/* a pipe: closed, it lets the children start */
	pid_t		parent;
};

static struct {
	int		family;
	int		json, quiet;
	long long	children, connections, bytes, requests, rate;
	long long	limit_us;		/* -T */
	long long	timeout_us;		/* -t */
	long long	duration_us;		/* -D, or 0: -n connections */
	int		echo;			/* -m echo, else bench */
	const char	*spec;
	long long	held;			/* -H */
} opts = { AF_UNSPEC, 0, 0, LOADCLI_CHILDREN, LOADCLI_CONNECTIONS, LOADCLI_BYTES,
    LOADCLI_REQUESTS, 0, LOADCLI_SECONDS * 1000000LL,
    LOADCLI_TIMEOUT * 1000000LL, 0, 0,
    "9877", 0 };

static volatile sig_atomic_t expired;	/* the -T deadline has passed */
static volatile sig_atomic_t stopped_by;	/* the parent: SIGTERM, SIGINT, SIGHUP */
/*
 * SIGUSR1: in the parent, a child met an unexpected reply and the run ends;
 * in a child, the parent says to stop now.
 */
static volatile sig_atomic_t told_to_stop;
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

static void
on_usr1(int sig)
{
	(void)sig;
	told_to_stop = 1;
}

/*
 * In a new load child: die with the parent (child_follows), wake on time
 * with -R, and leave the write end of the gate to the parent alone.
 */
static void
child_begins(const struct run *r)
{
	child_follows(r->parent);
#ifdef PR_SET_TIMERSLACK
	/* With -R, wake at the due time, not up to 50 us after (the default). */
	if (opts.rate > 0)
		prctl(PR_SET_TIMERSLACK, 1UL);
#endif
	close(r->gate[1]);
}

/*
 * Whether the parent of a child has gone.  On Linux the kernel kills the
 * child then, and the hot path is spared a getppid(2) a connection.
 */
static int
orphaned(const struct run *r)
{
#ifdef PR_SET_PDEATHSIG
	(void)r;
	return 0;
#else
	return getppid() != r->parent;
#endif
}

/*
 * SIGALRM at the deadline, and every 100 ms after it: a signal that lands
 * just before a blocking call would not interrupt that call.
 */
static void
arm_deadline(long long deadline_us)
{
	struct itimerval left = { { 0, 100 * 1000 }, { 0, 0 } };
	long long us = deadline_us - io_now_us();

	left.it_value.tv_sec = us > 0 ? us / 1000000 : 0;
	left.it_value.tv_usec = us > 0 ? us % 1000000 : 1;
	setitimer(ITIMER_REAL, &left, NULL);
}

/* Wait until the parent closes the gate, every child forked; the epoch. */
static long long
wait_for_start(const struct run *r)
{
	char c;

	while (read(r->gate[0], &c, 1) == -1 && errno == EINTR && !expired &&
	    !told_to_stop)
		;
	close(r->gate[0]);
	return r->sh->epoch_us;
}

/*
 * When connection i of child k is due: now in a closed loop; with -R, on
 * the child's schedule of -R / -c a second from the epoch, the children's
 * schedules offset so that their starts are spread evenly.
 */
static long long
due_us(long long k, long long i, long long epoch_us)
{
	if (opts.rate == 0)
		return io_now_us();
	return epoch_us + (long long)((double)(k + i * opts.children) * 1e6 /
	    (double)opts.rate);
}

/*
 * Sleep until due_us, on the monotonic clock, to the due time itself, not
 * for an interval, so that lateness does not add up.  Returns 0, or -1
 * when a signal (the deadline, a stop) cut it short.
 */
static int
sleep_until(long long due_us)
{
	struct timespec ts = { (time_t)(due_us / 1000000),
	    (long)(due_us % 1000000) * 1000 };

	return clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == 0 ?
	    0 : -1;
}

/* Count in t a connection that ended as o, us after it was due. */
static void
tally_add(struct tally *t, const struct exchange *x, enum outcome o,
    long long us)
{
	t->outcomes[o]++;
	t->requests += (unsigned long long)x->answered;
	if (o == OK)
		hist_add(&t->latency, (unsigned long long)us);
	if (o == OTHER && t->other_errno == 0)
		t->other_errno = x->other_errno;
	if (o == UNEXPECTED && t->unexpected_us == 0) {
		t->unexpected_us = io_now_us();
		t->unexpected = x->seen;
	}
	atomic_fetch_add_explicit(&t->made, 1, memory_order_relaxed);
}

/*
 * Child k: connections one after another, each counted in its tally,
 * until -n are made or -D is over, or out of time, or told to stop.  A
 * connection a stop cut short is not counted.  An unexpected reply ends
 * the child, and the parent is told, to end the run.
 */
static void
child_main(const struct run *r, long long k)
{
	struct exchange x = { .ai = r->ai, .echo = opts.echo,
	    .bytes = (size_t)opts.bytes, .requests = opts.requests,
	    .timeout_us = opts.timeout_us, .req = r->req, .reqlen = r->reqlen,
	    .size = 65536 };
	struct tally *t = &r->sh->t[k];
	long long i, epoch, end, due, start;
	enum outcome o;

	child_begins(r);
	if ((x.buf = malloc(x.size)) == NULL) {
		log_error("child: %s", strerror(errno));
		_exit(1);
	}
	arm_deadline(r->deadline_us);
	epoch = wait_for_start(r);
	end = epoch + opts.duration_us;
	for (i = 0; !expired && !told_to_stop && !orphaned(r); i++) {
		due = due_us(k, i, epoch);
		if (opts.duration_us > 0 ? due >= end : i >= opts.connections)
			break;
		/* Late, a child does not sleep: it starts at once. */
		start = opts.rate > 0 ? io_now_us() : due;
		if (due > start && sleep_until(due) == -1)
			break;
		o = exchange_run(&x, due > start ? due : start);
		if (told_to_stop && o != OK)
			break;
		tally_add(t, &x, o, io_now_us() - due);
		if (o == UNEXPECTED) {
			kill(r->parent, SIGUSR1);
			break;
		}
	}
	t->end_us = io_now_us();
	free(x.buf);
	_exit(0);
}

/* The whole run, merged. */
struct totals {
	unsigned long long outcomes[NOUTCOMES];
	unsigned long long requests;
	struct hist	latency;
	unsigned long long made, errors, not_made;
	double		elapsed, user, sys;
	double		wall;		/* from the first fork: the CPU's time */
	int		other_errno;
	const struct unexpected *unexpected;	/* the first, or NULL */
	const struct held *held;		/* -H, or NULL */
};

static void
merge(const struct tally *t, long long n, struct totals *sum)
{
	long long k, first_us = 0;
	int i;

	for (k = 0; k < n; k++) {
		for (i = 0; i < NOUTCOMES; i++)
			sum->outcomes[i] += t[k].outcomes[i];
		sum->requests += t[k].requests;
		hist_merge(&sum->latency, &t[k].latency);
		if (sum->other_errno == 0)
			sum->other_errno = t[k].other_errno;
		if (t[k].unexpected_us != 0 &&
		    (first_us == 0 || t[k].unexpected_us < first_us)) {
			first_us = t[k].unexpected_us;
			sum->unexpected = &t[k].unexpected;
		}
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

/* A rate: n in the elapsed time of the run. */
static double
per_second(const struct totals *sum, unsigned long long n)
{
	return sum->elapsed > 0 ? (double)n / sum->elapsed : 0.0;
}

/* The first bytes of the unexpected reply u, escaped, to show in quotes. */
static char *
unexpected_text(const struct unexpected *u, char *buf, size_t size)
{
	escape_ascii(buf, size, u->bytes, u->len);
	return buf;
}

/* What is wrong with the unexpected reply u, in a few words. */
static void
unexpected_why(const struct unexpected *u, char *buf, size_t size)
{
	if (u->echoed)
		snprintf(buf, size, "the request itself: an echo server? "
		    "try -m echo");
	else if (u->offset >= (unsigned long long)opts.bytes)
		snprintf(buf, size, "byte %llu is past the %lld %s", u->offset,
		    opts.bytes, opts.echo ? "sent" : "asked for");
	else if (opts.echo)
		snprintf(buf, size, "byte %llu differs from the one sent",
		    u->offset);
	else
		snprintf(buf, size, "byte %llu is not 0: not a bench reply",
		    u->offset);
}

/* The first line of the report: the address and the load asked for. */
static void
report_load(const char *where)
{
	char duration[32];

	printf("loadcli: %s, %lld children ", where, opts.children);
	if (opts.duration_us > 0)
		printf("for %s s", opt_format_seconds(opts.duration_us, duration,
		    sizeof duration));
	else
		printf("x %lld connections", opts.connections);
	printf(", %s %lld bytes", opts.echo ? "echo" : "bench", opts.bytes);
	if (opts.requests > 1)
		printf(", %lld requests each", opts.requests);
	printf("\n");
}

/* The counts, and the errors by kind; the unexpected reply, if one came. */
static void
report_errors(const struct totals *sum)
{
	char text[ESCAPE_SIZE(EXCHANGE_FIRST)], why[128];
	int i;

	printf("connections  %llu, %llu failed", sum->made, sum->errors);
	if (sum->not_made > 0)
		printf(", %llu not made", sum->not_made);
	printf("\n");
	if (sum->errors > 0) {
		printf("errors      ");
		for (i = 1; i < NOUTCOMES; i++)
			if (sum->outcomes[i] > 0)
				printf(" %s %llu", exchange_outcome_name[i], sum->outcomes[i]);
		if (sum->other_errno != 0)
			printf(" (other: %s)", strerror(sum->other_errno));
		printf("\n");
	}
	if (sum->unexpected != NULL) {
		unexpected_why(sum->unexpected, why, sizeof why);
		printf("unexpected   first bytes \"%s\" (%s)\n", unexpected_text(
		    sum->unexpected, text, sizeof text), why);
	}
}

/* The latency of the connections that succeeded: one fact a line. */
static void
report_latency(const struct totals *sum)
{
	if (sum->latency.n == 0) {
		printf("latency      none: no connection succeeded\n");
		return;
	}
	printf("latency      p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, "
	    "p99.9 %.3f ms, max %.3f ms\n", percentile_ms(sum, 0.50),
	    percentile_ms(sum, 0.90), percentile_ms(sum, 0.99),
	    percentile_ms(sum, 0.999), (double)sum->latency.max / 1000.0);
	printf("             mean %.3f ms, sd %.3f ms\n",
	    hist_mean(&sum->latency) / 1000.0,
	    hist_stddev(&sum->latency) / 1000.0);
}

static void
report_text(const struct totals *sum, const char *where)
{
	report_load(where);
	report_errors(sum);
	printf("elapsed      %.3f s\n", sum->elapsed);
	printf("rate         %.1f connections/s", per_second(sum, sum->made));
	if (opts.rate > 0)
		printf(" (asked %lld)", opts.rate);
	printf("\n");
	if (opts.requests > 1)
		printf("requests     %.1f requests/s (%lld a connection)\n",
		    per_second(sum, sum->requests), opts.requests);
	report_latency(sum);
	printf("client cpu   %.2f s user, %.2f s system, %.2f of a CPU\n",
	    sum->user, sum->sys, sum->wall > 0 ?
	    (sum->user + sum->sys) / sum->wall : 0.0);
	held_report_text(sum->held);
}

/* s as a JSON string, quoted; s is what escape_ascii made: ASCII alone. */
static void
json_string(const char *s)
{
	putchar('"');
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			putchar('\\');
		putchar(*s);
	}
	putchar('"');
}

/* "latency_ms": the figures of report_latency, null when none succeeded. */
static void
json_latency(const struct totals *sum)
{
	const struct hist *h = &sum->latency;

	if (h->n == 0) {
		printf("\"latency_ms\": {\"p50\": null, \"p90\": null, "
		    "\"p99\": null, \"p99_9\": null, \"max\": null, "
		    "\"mean\": null, \"stddev\": null}");
		return;
	}
	printf("\"latency_ms\": {\"p50\": %.4f, \"p90\": %.4f, \"p99\": %.4f, "
	    "\"p99_9\": %.4f, \"max\": %.4f, \"mean\": %.4f, \"stddev\": %.4f}",
	    percentile_ms(sum, 0.50), percentile_ms(sum, 0.90),
	    percentile_ms(sum, 0.99), percentile_ms(sum, 0.999),
	    (double)h->max / 1000.0, hist_mean(h) / 1000.0,
	    hist_stddev(h) / 1000.0);
}

/* "unexpected": how many, and the first one's bytes, as the text has them. */
static void
json_unexpected(const struct totals *sum)
{
	char text[ESCAPE_SIZE(EXCHANGE_FIRST)];
	const struct unexpected *u = sum->unexpected;

	printf("\"unexpected\": {\"count\": %llu, \"first_bytes\": ",
	    sum->outcomes[UNEXPECTED]);
	if (u == NULL) {
		printf("null, \"offset\": null, \"echo\": false}");
		return;
	}
	json_string(unexpected_text(u, text, sizeof text));
	printf(", \"offset\": %llu, \"echo\": %s}", u->offset,
	    u->echoed ? "true" : "false");
}

static void
report_json(const struct totals *sum, const char *where)
{
	char duration[32], timeout[32];
	int i;

	printf("{\"address\": \"%s\", \"mode\": \"%s\", \"bytes\": %lld, "
	    "\"children\": %lld, ", where, opts.echo ? "echo" : "bench",
	    opts.bytes, opts.children);
	if (opts.duration_us > 0)
		printf("\"connections_per_child\": null, \"duration_s\": %s, ",
		    opt_format_seconds(opts.duration_us, duration, sizeof duration));
	else
		printf("\"connections_per_child\": %lld, \"duration_s\": null, ",
		    opts.connections);
	printf("\"requests_per_connection\": %lld, \"timeout_s\": %s, ",
	    opts.requests, opt_format_seconds(opts.timeout_us, timeout,
	    sizeof timeout));
	printf("\"connections\": %llu, \"failed\": %llu, \"not_made\": %llu, "
	    "\"errors\": {", sum->made, sum->errors, sum->not_made);
	for (i = 1; i < NOUTCOMES; i++)
		printf("%s\"%s\": %llu", i > 1 ? ", " : "", exchange_outcome_key[i],
		    sum->outcomes[i]);
	printf("}, ");
	json_unexpected(sum);
	printf(", \"elapsed_s\": %.6f, \"rate\": %.3f, \"rate_asked\": ",
	    sum->elapsed, per_second(sum, sum->made));
	if (opts.rate > 0)
		printf("%lld, ", opts.rate);
	else
		printf("null, ");
	printf("\"request_rate\": %.3f, ", per_second(sum, sum->requests));
	json_latency(sum);
	printf(", \"client_cpu_s\": {\"user\": %.4f, \"system\": %.4f}",
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

/* The progress line, on a terminal: what is made, how long it has taken. */
static void
show_progress(const struct tally *t, long long start_us)
{
	double took = (io_now_us() - start_us) / 1e6;

	if (opts.duration_us > 0)
		fprintf(stderr, "\rloadcli: %llu connections, %.1f of %.1f s",
		    made_so_far(t, opts.children), took, opts.duration_us / 1e6);
	else
		fprintf(stderr, "\rloadcli: %llu of %lld connections, %.1f s",
		    made_so_far(t, opts.children), opts.children *
		    opts.connections, took);
}

/* Send sig to every child not yet reaped. */
static void
signal_children(int sig)
{
	long long k;

	for (k = 0; k < opts.children; k++)
		if (pids[k] != 0)
			kill(pids[k], sig);
}

/*
 * Wait for every child, showing progress on a terminal.  A stop signal or
 * an unexpected reply ends the run now: the children are told to stop
 * (again at every tick, lest one was about to block).  A
 * child still there two seconds after the deadline is killed.  Returns
 * how many did not exit 0.
 */
static int
wait_children(const struct tally *t, long long deadline_us, long long start_us,
    struct held *held)
{
	/* Reaped within 10 ms of the end: a short run (-D 0.2) is not drawn out. */
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	int progress = !opts.quiet && !opts.json && isatty(STDERR_FILENO);
	long long left = 0, bad = 0, k, shown = 0;
	int status;
	pid_t pid;

	for (k = 0; k < opts.children; k++)
		left += pids[k] != 0;	/* a fork that failed left a 0 */
	while (left > 0) {
		if ((stopped_by || told_to_stop) && deadline_us > io_now_us())
			deadline_us = io_now_us();	/* stop now, or be killed in 2 s */
		if (stopped_by || told_to_stop)
			signal_children(SIGUSR1);
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
		if (io_now_us() > deadline_us + 2000000)
			signal_children(SIGKILL);
		if (progress && io_now_us() - shown >= 250000) {
			show_progress(t, start_us);
			shown = io_now_us();
		}
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

/* A numeric option's value, bounded, into *out; -1 with why if bad. */
static int
number(int opt, long long min, long long max, long long *out, char *why,
    size_t whylen)
{
	return opt_num(opt, optarg, min, max, out, why, whylen);
}

/* Decimal seconds, from a millisecond to a day, into *us. */
static int
seconds(int opt, long long *us, char *why, size_t whylen)
{
	return opt_seconds(opt, optarg, 1000, 86400000000LL, us, why, whylen);
}

static int
parse_options(int argc, char **argv, char *why, size_t whylen)
{
	int opt = OPT_END, bad = 0;

	while (!bad && (opt = opt_next(argc, argv, options, why, whylen)) >= 0) {
		switch (opt) {
		case '4': opts.family = AF_INET; break;
		case '6': opts.family = AF_INET6; break;
		case 'j': opts.json = 1; break;
		case 'q': opts.quiet = 1; break;
		case 'b': bad = number(opt, 1, 16777216, &opts.bytes, why, whylen); break;
		case 'c': bad = number(opt, 1, 4096, &opts.children, why, whylen); break;
		case 'k': bad = number(opt, 1, 1000000, &opts.requests, why, whylen); break;
		case 'n': bad = number(opt, 1, 1000000000, &opts.connections, why, whylen); break;
		case 'R': bad = number(opt, 1, 10000000, &opts.rate, why, whylen); break;
		case 'T': bad = seconds(opt, &opts.limit_us, why, whylen); break;
		case 't': bad = seconds(opt, &opts.timeout_us, why, whylen); break;
		case 'D': bad = seconds(opt, &opts.duration_us, why, whylen); break;
		case 'H': bad = number(opt, 0, 1000000, &opts.held, why, whylen); break;
		case 'm':
			if (strcmp(optarg, "bench") != 0 && strcmp(optarg, "echo") != 0) {
				snprintf(why, whylen, "-m %s: not bench or echo", optarg);
				return OPT_BAD;
			}
			opts.echo = strcmp(optarg, "echo") == 0;
			break;
		}
	}
	if (bad)
		return OPT_BAD;
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

/*
 * Fork the children; each runs child_main and never returns.  Once all
 * are forked (or one could not be), the epoch is set and the gate closed:
 * they start together, with one clock.
 */
static int
start_children(struct run *r)
{
	long long k;
	pid_t pid;
	int status = 0;

	for (k = 0; k < opts.children; k++) {
		if ((pid = fork()) == -1) {
			log_error("fork: %s", strerror(errno));
			signal_children(SIGUSR1);	/* stop now */
			status = -1;
			break;
		}
		if (pid == 0)
			child_main(r, k);
		pids[k] = pid;
	}
	r->sh->epoch_us = io_now_us();
	close(r->gate[0]);
	close(r->gate[1]);
	return status;
}

/*
 * The totals of a finished run: outcomes, latencies, time from the epoch,
 * our CPU.  A child that was killed never noted its end: it ended when it
 * was reaped, by reaped_us at the latest.
 */
static void
sum_up(const struct run *r, long long reaped_us, struct totals *sum)
{
	const struct shared *sh = r->sh;
	struct rusage self, kids;
	long long k, end = sh->epoch_us;

	memset(sum, 0, sizeof *sum);
	merge(sh->t, opts.children, sum);
	for (k = 0; k < opts.children; k++) {
		if (sh->t[k].end_us > end)
			end = sh->t[k].end_us;
		if (sh->t[k].end_us == 0 && reaped_us > end)
			end = reaped_us;
	}
	sum->elapsed = (end - sh->epoch_us) / 1e6;
	sum->wall = (reaped_us - r->forked_us) / 1e6;
	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &kids);
	sum->user = (double)(self.ru_utime.tv_sec + kids.ru_utime.tv_sec) +
	    (self.ru_utime.tv_usec + kids.ru_utime.tv_usec) / 1e6;
	sum->sys = (double)(self.ru_stime.tv_sec + kids.ru_stime.tv_sec) +
	    (self.ru_stime.tv_usec + kids.ru_stime.tv_usec) / 1e6;
}

/* The run's memory, request and gate; -1 with a message if out of them. */
static int
prepare(struct run *r)
{
	r->shsize = sizeof *r->sh + (size_t)opts.children * sizeof r->sh->t[0];
	r->sh = mmap(NULL, r->shsize, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pids = calloc((size_t)opts.children, sizeof *pids);
	if (r->sh == MAP_FAILED || pids == NULL) {
		log_error("tallies: %s", strerror(errno));
		return -1;
	}
	r->req = exchange_request(opts.echo, (size_t)opts.bytes, &r->reqlen);
	if (r->req == NULL) {
		log_error("request: %s", strerror(errno));
		return -1;
	}
	if (pipe(r->gate) == -1) {
		log_error("pipe: %s", strerror(errno));
		return -1;
	}
	r->parent = getpid();
	return 0;
}

/* The handlers of the parent; the children keep SIGALRM's and SIGUSR1's. */
static void
catch_signals(void)
{
	struct sigaction sa;
	size_t k;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;	/* no SA_RESTART: the deadline interrupts */
	sigaction(SIGALRM, &sa, NULL);
	sa.sa_handler = on_usr1;	/* a stop, told between parent and child */
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = on_stop;	/* the run ends early; the report is made */
	for (k = 0; k < NSTOP_SIGNALS; k++)
		sigaction(stop_signals[k], &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int
main(int argc, char **argv)
{
	char why[NET_ERRLEN], where[ADDR_STRLEN];
	struct run r;
	struct totals sum;
	struct held *held = NULL;
	int found, usage_error, bad;

	log_open("loadcli");
	memset(&r, 0, sizeof r);
	if ((found = parse_options(argc, argv, why, sizeof why)) != OPT_END)
		return usage(found, why);
	if ((r.ai = resolve(why, sizeof why, &usage_error)) == NULL) {
		if (usage_error)
			return usage(OPT_BAD, why);
		log_error("%s", why);
		return 1;
	}
	addr_format(r.ai->ai_addr, r.ai->ai_addrlen, where, sizeof where);
	if (opts.held > 0 &&
	    (held = held_start(r.ai, opts.held, why, sizeof why)) == NULL) {
		log_error("%s", why);
		freeaddrinfo(r.ai);
		return 1;
	}
	if (prepare(&r) == -1)
		return 1;
	catch_signals();
	r.start_us = io_now_us();
	r.deadline_us = r.start_us + opts.duration_us + opts.limit_us;
	held_wait(held, r.deadline_us);	/* the load starts once they are held */
	r.forked_us = io_now_us();
	if (stopped_by || start_children(&r) == -1)
		r.deadline_us = io_now_us();	/* and kill the ones started in 2 s */
	bad = wait_children(r.sh->t, r.deadline_us, r.sh->epoch_us, held);
	sum_up(&r, io_now_us(), &sum);
	held_stop(held);
	sum.held = held;
	bad += held_failed(held);	/* as a child that failed */
	if (stopped_by)
		log_error("stopped by signal %d; the run was cut short", (int)stopped_by);
	else if (sum.unexpected != NULL)
		log_error("unexpected reply; the run was stopped at the first");
	if (opts.json)
		report_json(&sum, where);
	else
		report_text(&sum, where);
	munmap(r.sh, r.shsize);
	free(r.req);
	free(pids);
	freeaddrinfo(r.ai);
	held_free(held);
	return sum.errors > 0 || sum.not_made > 0 || bad > 0 || stopped_by;
}
