/*
 * check_service: every protocol handler, as a server runs it.  A stream
 * handler serves one end of a socketpair in a forked child, through the
 * struct service that service_find gives and the blocking driver of
 * conn.c; the child checks the result, c.why and the byte counts,
 * and reports by its exit status.  The test is the client on the other end.
 * The handlers are also driven by hand, with no socket at all, to show
 * what they ask for at each step.  The datagram handlers are plain calls.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conn.h"
#include "io.h"
#include "service.h"

#define MIB		(1024 * 1024)
#define WAIT_MS		20000	/* ms for one exchange, under valgrind too */
#define PEER		"127.0.0.1:40000"	/* the peer of every child's conn */

#define DAYTIME_RE	"^[A-Z][a-z]{2} [A-Z][a-z]{2} [ 0-9][0-9] " \
	"[0-9]{2}:[0-9]{2}:[0-9]{2} [0-9]{4}\r\n$"

#define CHARGEN_CHARS	95
#define CHARGEN_WIDTH	72
#define CHARGEN_LINE	74

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* pid's exit status, waited for up to timeout_ms; -1 if it did not exit. */
static int
wait_child(pid_t pid, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	int status;
	pid_t r;

	while ((r = waitpid(pid, &status, WNOHANG)) == 0 && now_ms() < deadline)
		poll(NULL, 0, 10);
	if (r == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		return -1;
	}
	if (r == -1 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static void
set_nonblock(int fd)
{
	ck_assert_int_ne(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK),
	    -1);
}

/* What the child expects of the handler. */
struct expect {
	int		 rc;		/* SERVICE_DONE, _FAILED or _REFUSED */
	const char	*why;		/* exactly; "" when rc is DONE */
	long long	 bytes_in;	/* -1: not checked */
	long long	 bytes_out;	/* -1: not checked */
};

/* In the child: run the handler and say, on stderr, what differed. */
static int
run_handler(const struct service *s, int fd, const struct expect *e)
{
	static char room[65536];
	struct sockaddr_in peer;
	struct conn c;
	int rc, ok;

	memset(&peer, 0, sizeof peer);
	peer.sin_family = AF_INET;
	peer.sin_port = htons(40000);
	peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == -1)
		return 0;
	conn_start(&c, s, fd, (struct sockaddr *)&peer, sizeof peer, WAIT_MS,
	    room, sizeof room, io_now_ms());
	rc = conn_serve(&c);
	ok = rc == e->rc && strcmp(c.why, e->why) == 0 &&
	    (e->bytes_in < 0 || c.bytes_in == (unsigned long long)e->bytes_in) &&
	    (e->bytes_out < 0 || c.bytes_out == (unsigned long long)e->bytes_out);
	if (!ok)
		dprintf(STDERR_FILENO, "%s: returned %d, why \"%s\", %llu in, "
		    "%llu out; expected %d, \"%s\", %lld in, %lld out\n",
		    s->name, rc, c.why, c.bytes_in, c.bytes_out, e->rc, e->why,
		    e->bytes_in, e->bytes_out);
	return ok;
}

/*
 * Fork a child that serves one connection with the service called name
 * and exits 0 if the handler did what e says.  *fd is the client's end,
 * non-blocking so that every io_ call on it is bounded by WAIT_MS.  With
 * out >= 0 the child's standard output goes there.  Only _exit in the
 * child: it shares Check's state.
 */
static pid_t
serve(const char *name, const struct expect *e, int out, int *fd)
{
	const struct service *s = service_find(name);
	int sv[2];
	pid_t pid;

	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_nonnull(s->stream);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		/* As servers do: a client gone is EPIPE, not death. */
		signal(SIGPIPE, SIG_IGN);
		close(sv[0]);
		if (out >= 0 && dup2(out, STDOUT_FILENO) == -1)
			_exit(64);
		_exit(run_handler(s, sv[1], e) ? 0 : 1);
	}
	close(sv[1]);
	set_nonblock(sv[0]);
	*fd = sv[0];
	return pid;
}

static void
check_child(pid_t pid)
{
	ck_assert_msg(wait_child(pid, WAIT_MS) == 0,
	    "the handler did not do what was expected (see stderr)");
}

/*
 * Write out to fd, then shut down our sending half, while reading what
 * comes back until end of file: echo writes as it reads, so doing one
 * after the other would deadlock.  Keeps the first size bytes in in and
 * returns how many came in all.
 */
static size_t
exchange(int fd, const char *out, size_t outlen, char *in, size_t size)
{
	long long deadline = now_ms() + WAIT_MS;
	char scratch[65536];
	struct pollfd pfd = { .fd = fd };
	size_t put = 0, got = 0;
	ssize_t n;

	if (outlen == 0)
		ck_assert_int_eq(shutdown(fd, SHUT_WR), 0);
	for (;;) {
		ck_assert_msg(now_ms() < deadline, "no end of file in %d ms",
		    WAIT_MS);
		pfd.events = POLLIN | (put < outlen ? POLLOUT : 0);
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		if (put < outlen && (pfd.revents & POLLOUT)) {
			n = write(fd, out + put, outlen - put);
			ck_assert_msg(n > 0 || errno == EAGAIN, "write: %s",
			    strerror(errno));
			if (n > 0 && (put += (size_t)n) == outlen)
				ck_assert_int_eq(shutdown(fd, SHUT_WR), 0);
		}
		if (!(pfd.revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		n = got < size ? read(fd, in + got, size - got) :
		    read(fd, scratch, sizeof scratch);
		if (n == 0)
			break;
		ck_assert_msg(n > 0 || errno == EAGAIN, "read: %s",
		    strerror(errno));
		if (n > 0)
			got += (size_t)n;
	}
	ck_assert_uint_eq(put, outlen);
	return got;
}

static void
send_all(int fd, const char *s, size_t n)
{
	ck_assert_int_eq(io_writen(fd, s, n, WAIT_MS), (ssize_t)n);
}

/* Read and count exactly n bytes; fail on end of file or timeout first. */
static void
read_count(int fd, size_t n)
{
	static char buf[65536];
	size_t chunk;
	ssize_t r;

	for (; n > 0; n -= (size_t)r) {
		chunk = n < sizeof buf ? n : sizeof buf;
		r = io_read(fd, buf, chunk, WAIT_MS);
		ck_assert_msg(r > 0, "%zu bytes short: %s", n,
		    r == 0 ? "end of file" : strerror(errno));
	}
}

/* Bytes that come before end of file, which must come within WAIT_MS. */
static size_t
read_to_eof(int fd)
{
	char buf[4096];
	size_t got = 0;
	ssize_t r;

	while ((r = io_read(fd, buf, sizeof buf, WAIT_MS)) > 0)
		got += (size_t)r;
	ck_assert_msg(r == 0, "read: %s", strerror(errno));
	return got;
}

/*
 * A daytime line: the shape RFC 867 suggests, and the time asctime gives
 * for some second in [from, to], the C locale's layout with CR LF.
 */
static void
check_daytime_line(const char *line, time_t from, time_t to)
{
	char want[64];
	struct tm tm;
	regex_t re;
	size_t n;
	time_t t;
	int rc;

	ck_assert_int_eq(regcomp(&re, DAYTIME_RE, REG_EXTENDED | REG_NOSUB), 0);
	rc = regexec(&re, line, 0, NULL, 0);
	regfree(&re);
	ck_assert_msg(rc == 0, "not a daytime line: \"%s\"", line);
	for (t = from; t <= to; t++) {
		ck_assert_ptr_nonnull(localtime_r(&t, &tm));
		ck_assert_ptr_nonnull(asctime_r(&tm, want));
		n = strcspn(want, "\n");
		strcpy(want + n, "\r\n");
		if (strcmp(line, want) == 0)
			return;
	}
	ck_abort_msg("\"%s\" is not the time now", line);
}

/* RFC 864 line i: 72 characters from ' ' + i % 95 on, then CR LF. */
static void
check_chargen_line(const char *line, unsigned i)
{
	char want[CHARGEN_LINE];
	unsigned j;

	for (j = 0; j < CHARGEN_WIDTH; j++)
		ck_assert_msg(line[j] == (char)(' ' + (i + j) % CHARGEN_CHARS),
		    "line %u, column %u: '%c'", i, j, line[j]);
	ck_assert_int_eq(line[CHARGEN_WIDTH], '\r');
	ck_assert_int_eq(line[CHARGEN_WIDTH + 1], '\n');
	service_chargen_line(i, want);
	ck_assert_mem_eq(line, want, CHARGEN_LINE);
}

START_TEST(test_echo_returns_mib_of_random_bytes)
{
	static const struct expect e = { SERVICE_DONE, "", MIB, MIB };
	char *out = malloc(MIB), *in = malloc(MIB);
	unsigned seed = 864;
	size_t i;
	pid_t pid;
	int fd;

	ck_assert_ptr_nonnull(out);
	ck_assert_ptr_nonnull(in);
	for (i = 0; i < MIB; i++)
		out[i] = (char)(rand_r(&seed) >> 7);
	pid = serve("echo", &e, -1, &fd);
	ck_assert_uint_eq(exchange(fd, out, MIB, in, MIB), MIB);
	ck_assert_mem_eq(in, out, MIB);
	close(fd);
	check_child(pid);
	free(out);
	free(in);
}
END_TEST

START_TEST(test_discard_reads_all_replies_nothing)
{
	static const struct expect e = { SERVICE_DONE, "", MIB, 0 };
	char *out = calloc(1, MIB), in[16];
	pid_t pid;
	int fd;

	ck_assert_ptr_nonnull(out);
	pid = serve("discard", &e, -1, &fd);
	ck_assert_uint_eq(exchange(fd, out, MIB, in, sizeof in), 0);
	close(fd);
	check_child(pid);
	free(out);
}
END_TEST

START_TEST(test_daytime_one_line_then_close)
{
	static const struct expect e = { SERVICE_DONE, "", 0, 26 };
	time_t from = time(NULL);
	char line[128];
	size_t n;
	pid_t pid;
	int fd;

	pid = serve("daytime", &e, -1, &fd);
	n = exchange(fd, NULL, 0, line, sizeof line - 1);
	line[n] = '\0';
	ck_assert_uint_eq(n, 26);
	check_daytime_line(line, from, time(NULL));
	close(fd);
	check_child(pid);
}
END_TEST

/*
 * Send len bytes of input first, if any, and end it; read 3 cycles of the
 * pattern; close.  The handler ends DONE when its write meets EPIPE.
 */
static void
check_chargen_stream(size_t len)
{
	static const struct expect e = { SERVICE_DONE, "", -1, -1 };
	static char buf[3 * CHARGEN_CHARS * CHARGEN_LINE];
	char *input;
	unsigned i;
	pid_t pid;
	int fd;

	pid = serve("chargen", &e, -1, &fd);
	if (len > 0) {
		/*
		 * More than the socket holds, sent before we read a byte:
		 * it gets through only if chargen reads while it writes.
		 */
		ck_assert_ptr_nonnull(input = malloc(len));
		memset(input, 'i', len);
		send_all(fd, input, len);
		ck_assert_int_eq(shutdown(fd, SHUT_WR), 0);
		free(input);
	}
	ck_assert_int_eq(io_readn(fd, buf, sizeof buf, WAIT_MS), sizeof buf);
	for (i = 0; i < 3 * CHARGEN_CHARS; i++)
		check_chargen_line(buf + i * CHARGEN_LINE, i);
	close(fd);
	check_child(pid);
}

START_TEST(test_chargen_rfc864_pattern)
{
	check_chargen_stream(0);
}
END_TEST

/* Input is dropped, and its end of file changes nothing. */
START_TEST(test_chargen_drops_input)
{
	check_chargen_stream(MIB);
}
END_TEST

/* Request N, get exactly N bytes, and the connection takes another. */
START_TEST(test_bench_exact_count_then_more)
{
	static const unsigned counts[] = { 1, 16, SERVICE_BENCH_MAX };
	unsigned n = counts[_i];
	char req[32];
	struct expect e = { SERVICE_DONE, "", 0, 0 };
	pid_t pid;
	int fd, len;

	len = snprintf(req, sizeof req, "%u\n", n);
	e.bytes_in = len + 2;
	e.bytes_out = (long long)n + 1;
	pid = serve("bench", &e, -1, &fd);
	send_all(fd, req, (size_t)len);
	read_count(fd, n);
	send_all(fd, "1\n", 2);
	read_count(fd, 1);
	ck_assert_int_eq(shutdown(fd, SHUT_WR), 0);
	ck_assert_uint_eq(read_to_eof(fd), 0);
	close(fd);
	check_child(pid);
}
END_TEST

/* Two requests in one write are two replies, back to back. */
START_TEST(test_bench_two_requests_one_write)
{
	static const struct expect e = { SERVICE_DONE, "", 4, 8 };
	char in[64];
	pid_t pid;
	int fd;

	pid = serve("bench", &e, -1, &fd);
	ck_assert_uint_eq(exchange(fd, "3\n5\n", 4, in, sizeof in), 8);
	close(fd);
	check_child(pid);
}
END_TEST

struct refusal {
	const char	*request;
	size_t		 len;		/* 0: strlen(request) */
	int		 eof;		/* shut down our half after it */
	const char	*why;
};

/* Digits, an optional CR, then LF: nothing else is a request. */
static const struct refusal refusals[] = {
	{ "0\n", 0, 0, "too small: \"0\"" },
	{ "-1\n", 0, 0, "not a number: \"-1\"" },
	{ "+1\n", 0, 0, "not a number: \"+1\"" },
	{ "16777217\n", 0, 0, "too large: \"16777217\"" },
	{ "abc\n", 0, 0, "not a number: \"abc\"" },
	{ "12abc\r\n", 0, 0, "not a number: \"12abc\\r\"" },
	{ " 1\n", 0, 0, "not a number: \" 1\"" },
	{ "\n", 0, 0, "not a number: \"\"" },
	{ "\r\n", 0, 0, "not a number: \"\\r\"" },
	{ "5\rX\n", 0, 0, "not a number: \"5\\rX\"" },
	{ "5\r\r\n", 0, 0, "not a number: \"5\\r\\r\"" },
	{ "5\0junk\n", 7, 0, "not a number: \"5\\x00junk\"" },
	{ "5 \n", 0, 0, "not a number: \"5 \"" },
	{ "\x1b[2J\n", 0, 0, "not a number: \"\\x1b[2J\"" },
	{ "1234567890123456789012345678901234567890\n", 0, 0,
	    "request too long: \"1234567890123456789012345678901\"" },
	{ "5", 0, 1, "request without newline: \"5\"" },
};

/* A request that breaks the protocol: REFUSED, no reply, the end. */
START_TEST(test_bench_refuses)
{
	const struct refusal *t = &refusals[_i];
	struct expect e = { SERVICE_REFUSED, NULL, -1, 0 };
	pid_t pid;
	int fd;

	e.why = t->why;
	pid = serve("bench", &e, -1, &fd);
	send_all(fd, t->request, t->len != 0 ? t->len : strlen(t->request));
	if (t->eof)
		ck_assert_int_eq(shutdown(fd, SHUT_WR), 0);
	ck_assert_uint_eq(read_to_eof(fd), 0);
	close(fd);
	check_child(pid);
}
END_TEST

/* The request parser alone: the N, or the reason. */
static const struct {
	const char	*line;
	size_t		 len;
	long long	 n;
	const char	*why;
} requests[] = {
	{ "1\n", 2, 1, NULL },
	{ "16777216\n", 9, 16777216, NULL },
	{ "007\r\n", 5, 7, NULL },
	{ "5\n", 1, -1, "request without newline" },
	{ "5", 1, -1, "request without newline" },
	{ "", 0, -1, "request without newline" },
	{ "99999999999999999999\n", 21, -1, "too large" },
	{ "5\n\n", 3, -1, "not a number" },
	{ "5\0\n", 3, -1, "not a number" },
	{ "\r5\n", 3, -1, "not a number" },
};

START_TEST(test_bench_request_grammar)
{
	const char *why = NULL;
	long long n;

	n = service_bench_request(requests[_i].line, requests[_i].len, &why);
	ck_assert_int_eq(n, requests[_i].n);
	if (requests[_i].why != NULL)
		ck_assert_str_eq(why, requests[_i].why);
}
END_TEST

/* A request after a good one is refused all the same, after its reply. */
START_TEST(test_bench_refuses_after_good_request)
{
	static const struct expect e = {
		SERVICE_REFUSED, "not a number: \"x\"", 4, 2
	};
	pid_t pid;
	int fd;

	pid = serve("bench", &e, -1, &fd);
	send_all(fd, "2\nx\n", 4);
	ck_assert_uint_eq(read_to_eof(fd), 2);
	close(fd);
	check_child(pid);
}
END_TEST

/* Assert the next messages on the datagram socket fd are lines, then none. */
static void
check_messages(int fd, const char *const *lines, size_t n)
{
	char buf[4096];
	ssize_t len;
	size_t i;

	for (i = 0; i < n; i++) {
		len = recv(fd, buf, sizeof buf - 1, MSG_DONTWAIT);
		ck_assert_msg(len >= 0, "message %zu missing", i + 1);
		buf[len] = '\0';
		ck_assert_str_eq(buf, lines[i]);
	}
	errno = 0;
	ck_assert_int_eq(recv(fd, buf, sizeof buf, MSG_DONTWAIT), -1);
	ck_assert_int_eq(errno, EAGAIN);
}

/* Standard output of the child: a datagram socket, one message a write. */
static void
print_case(const char *input, size_t len, const char *const *lines, size_t n)
{
	struct expect e = { SERVICE_DONE, "", 0, 0 };
	char in[16];
	pid_t pid;
	int out[2], fd;

	e.bytes_in = (long long)len;
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_DGRAM, 0, out), 0);
	pid = serve("print", &e, out[1], &fd);
	close(out[1]);
	ck_assert_uint_eq(exchange(fd, input, len, in, sizeof in), 0);
	close(fd);
	check_child(pid);
	check_messages(out[0], lines, n);
	close(out[0]);
}

START_TEST(test_print_lines_prefixed_with_peer)
{
	static const char *const lines[] = {
		PEER ": hello\n",
		PEER ": world\n",
		PEER ": \n",
		PEER ": last\n",
	};

	print_case("hello\nworld\r\n\nlast", 18, lines, 4);
}
END_TEST

/*
 * Binary-safe: a leading NUL does not end the connection, a NUL inside
 * loses nothing after it, and what cannot be shown is escaped.
 */
START_TEST(test_print_nul_and_controls_escaped)
{
	static const char input[] = "\0lead\na\0b\n\x1b]0;title\x07\nx\ry\n";
	static const char *const lines[] = {
		PEER ": \\x00lead\n",
		PEER ": a\\x00b\n",
		PEER ": \\x1b]0;title\\x07\n",
		PEER ": x\\ry\n",
	};

	print_case(input, sizeof input - 1, lines, 4);
}
END_TEST

/*
 * A line too long for the handler's buffer goes out in pieces, each a
 * line that ends in a lone backslash but the last; a NUL in it loses
 * nothing.
 */
START_TEST(test_print_long_line_in_pieces)
{
	static char input[1502], first[1200], second[600];
	const char *const lines[] = { first, second };

	memset(input, 'x', 1500);
	input[1100] = '\0';
	input[1500] = '\n';
	snprintf(first, sizeof first, "%s: %.*s\\\n", PEER, 1023, input);
	snprintf(second, sizeof second, "%s: %.*s\\x00%.*s\n", PEER, 77,
	    input, 399, input);
	print_case(input, 1501, lines, 2);
}
END_TEST

/* conn_serve's stop flag, set by SIGUSR1 to the level that cuts. */
static volatile sig_atomic_t usr1_stop;

static void
on_usr1(int sig)
{
	(void)sig;
	usr1_stop = 2;
}

/* A UDP socket on 127.0.0.1, connected to another that never reads. */
static int
udp_to_deaf_peer(int *deaf)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof sin;
	int fd;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	*deaf = socket(AF_INET, SOCK_DGRAM, 0);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	ck_assert_int_ne(*deaf, -1);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(bind(*deaf, (struct sockaddr *)&sin, sizeof sin), 0);
	ck_assert_int_eq(getsockname(*deaf, (struct sockaddr *)&sin, &len), 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin, len), 0);
	set_nonblock(fd);
	return fd;
}

/*
 * A connection that never has to wait holds no signal back: conn_serve
 * lets them in every few milliseconds.  The signals are blocked but in
 * the waits (io_stop_at's mask), a SIGUSR1 that stops is pending from the
 * start, and chargen writes to a connected UDP socket, where a send never
 * waits: only the letting in ends the exchange, cut off.
 */
START_TEST(test_serve_lets_signals_in_when_never_waiting)
{
	struct sockaddr_in peer = { .sin_family = AF_INET };
	int deaf, fd = udp_to_deaf_peer(&deaf);
	pid_t pid = fork();

	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		struct sigaction sa;
		sigset_t usr1, waitmask;
		struct conn c;
		char room[4096];
		int rc;

		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_usr1;
		sigemptyset(&usr1);
		sigaddset(&usr1, SIGUSR1);
		sigprocmask(SIG_BLOCK, &usr1, &waitmask);
		sigdelset(&waitmask, SIGUSR1);
		sigaction(SIGUSR1, &sa, NULL);
		raise(SIGUSR1);
		io_stop_at(&usr1_stop, 2, &waitmask);
		conn_start(&c, service_find("chargen"), fd,
		    (struct sockaddr *)&peer, sizeof peer, WAIT_MS, room,
		    sizeof room, io_now_ms());
		rc = conn_serve(&c);
		if (rc == SERVICE_FAILED && c.bytes_out > 0 &&
		    strcmp(c.why, "cut off: the server is stopping") == 0)
			_exit(0);
		dprintf(STDERR_FILENO, "returned %d, why \"%s\", %llu out\n",
		    rc, c.why, c.bytes_out);
		_exit(1);
	}
	ck_assert_int_eq(wait_child(pid, WAIT_MS), 0);
	close(fd);
	close(deaf);
}
END_TEST

START_TEST(test_find_every_service)
{
	static const char *const names[] = {
		"echo", "discard", "daytime", "chargen", "bench", "print",
	};
	const struct service *s;
	size_t i;
	char list[128];

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		s = service_find(names[i]);
		ck_assert_msg(s != NULL, "no service %s", names[i]);
		ck_assert_str_eq(s->name, names[i]);
		ck_assert_ptr_nonnull(s->stream);
	}
	ck_assert_str_eq(service_names(SOCK_STREAM, list, sizeof list),
	    "echo, discard, daytime, chargen, bench, print");
	/* bench is a stream protocol only. */
	ck_assert_str_eq(service_names(SOCK_DGRAM, list, sizeof list),
	    "echo, discard, daytime, chargen, print");
	/* Cut short, never past the room. */
	ck_assert_str_eq(service_names(SOCK_DGRAM, list, 10), "echo, dis");
	ck_assert_ptr_null(service_find("nope"));
	ck_assert_ptr_null(service_find(""));
	ck_assert_ptr_null(service_find("echo "));
}
END_TEST

START_TEST(test_conn_start_and_peer)
{
	struct sockaddr_in6 sin6;
	struct sockaddr_un sun;
	struct conn c;
	char room[SERVICE_ROOM_MIN];

	memset(&sin6, 0, sizeof sin6);
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(40000);
	sin6.sin6_addr = in6addr_loopback;
	memset(&c, 0x5a, sizeof c);
	conn_start(&c, service_find("echo"), 7, (struct sockaddr *)&sin6,
	    sizeof sin6, 1500, room, sizeof room, 1000);
	ck_assert_int_eq(c.fd, 7);
	ck_assert_int_eq(c.timeout_ms, 1500);
	ck_assert_uint_eq(c.bytes_in, 0);
	ck_assert_uint_eq(c.bytes_out, 0);
	ck_assert_str_eq(c.why, "");
	ck_assert_str_eq(conn_peer(&c), "[::1]:40000");
	/* Echo starts by reading; the idle clock runs from the start. */
	ck_assert_int_eq(conn_events(&c), POLLIN);
	ck_assert_int_eq(conn_deadline(&c), 2500);
	conn_expire(&c);
	ck_assert_int_eq(c.state, CONN_OVER);
	ck_assert_int_eq(c.rc, SERVICE_FAILED);
	ck_assert_str_eq(c.why, "idle for 1 s, dropped");
	ck_assert_int_eq(conn_events(&c), 0);

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	conn_start(&c, service_find("bench"), 7, (struct sockaddr *)&sun,
	    sizeof(sa_family_t), 0, room, sizeof room, 1000);
	ck_assert_str_eq(conn_peer(&c), "unnamed");
	ck_assert_int_eq(conn_deadline(&c), 0);
	conn_cut(&c);
	ck_assert_str_eq(c.why, "cut off: the server is stopping");
}
END_TEST

/*
 * A driver by hand: start the handler of name in room, as conn.c would,
 * with no socket.
 */
static void
hand_start(struct xchg *x, const char *name, char *room, size_t size)
{
	memset(x, 0, sizeof *x);
	x->room = room;
	x->roomsize = size;
	x->now = 0;
	service_find(name)->stream->start(x);
}

/* Give the handler of name n bytes, as much as it asks for. */
static void
hand_input(struct xchg *x, const char *name, const char *bytes, size_t n)
{
	ck_assert_ptr_nonnull(x->in);
	ck_assert_uint_ge(x->inroom, n);
	memcpy(x->in, bytes, n);
	service_find(name)->stream->input(x, n);
}

/* Take what the handler of name asks to write, and say it was written. */
static size_t
hand_output(struct xchg *x, const char *name, char *to, size_t size)
{
	size_t n = x->outlen;

	ck_assert_uint_gt(n, 0);
	ck_assert_uint_le(n, size);
	memcpy(to, x->out, n);
	x->out = NULL;
	x->outlen = 0;
	service_find(name)->stream->wrote(x);
	return n;
}

/* Echo reads nothing while what it read is not yet written back. */
START_TEST(test_echo_holds_input_while_writing)
{
	char room[SERVICE_ROOM_MIN], got[16];
	struct xchg x;

	hand_start(&x, "echo", room, sizeof room);
	ck_assert_uint_eq(x.inroom, sizeof room);
	hand_input(&x, "echo", "hello", 5);
	ck_assert_ptr_null(x.in);
	ck_assert_uint_eq(hand_output(&x, "echo", got, sizeof got), 5);
	ck_assert_mem_eq(got, "hello", 5);
	ck_assert_ptr_nonnull(x.in);
	service_find("echo")->stream->input(&x, 0);
	ck_assert_int_eq(x.end, XCHG_CLOSE);
	ck_assert_uint_eq(x.outlen, 0);
}
END_TEST

/* Requests that come a byte at a time, two in a row, then the end. */
START_TEST(test_bench_by_hand_byte_by_byte)
{
	char room[SERVICE_ROOM_MIN], got[16];
	const char *req = "3\r\n2\n";
	struct xchg x;
	size_t i;

	hand_start(&x, "bench", room, sizeof room);
	ck_assert_int_eq(x.whole, 1);
	for (i = 0; i < 3; i++) {
		ck_assert_uint_eq(x.outlen, 0);
		hand_input(&x, "bench", req + i, 1);
	}
	ck_assert_uint_eq(hand_output(&x, "bench", got, sizeof got), 3);
	hand_input(&x, "bench", req + 3, 2);
	ck_assert_uint_eq(hand_output(&x, "bench", got, sizeof got), 2);
	ck_assert_mem_eq(got, "\0\0", 2);
	ck_assert_ptr_nonnull(x.in);
	service_find("bench")->stream->input(&x, 0);
	ck_assert_int_eq(x.end, XCHG_CLOSE);
	ck_assert_int_eq(x.result, SERVICE_DONE);
}
END_TEST

/* A line longer than a piece comes in pieces; the last, at the end, whole. */
START_TEST(test_print_by_hand_pieces)
{
	char room[SERVICE_ROOM_MIN], got[2048], line[1500];
	struct xchg x;
	size_t n;

	memset(line, 'p', sizeof line);
	hand_start(&x, "print", room, sizeof room);
	hand_input(&x, "print", line, x.inroom);
	ck_assert_int_eq(x.out_print, 1);
	ck_assert_int_eq(x.print_more, 1);
	ck_assert_uint_eq(hand_output(&x, "print", got, sizeof got), 1023);
	hand_input(&x, "print", line, sizeof line - 1023);
	ck_assert_uint_eq(x.outlen, 0);
	service_find("print")->stream->input(&x, 0);
	ck_assert_int_eq(x.print_more, 0);
	n = hand_output(&x, "print", got, sizeof got);
	ck_assert_uint_eq(n, sizeof line - 1023);
	ck_assert_int_eq(x.end, XCHG_CLOSE);
}
END_TEST

/* daytime: one line, then the server closes first; chargen: whole lines. */
START_TEST(test_daytime_and_chargen_by_hand)
{
	char room[SERVICE_ROOM_MIN], line[CHARGEN_LINE];
	struct xchg x;

	hand_start(&x, "daytime", room, sizeof room);
	ck_assert_uint_eq(x.outlen, 26);
	ck_assert_ptr_null(x.in);
	ck_assert_int_eq(x.end, XCHG_LINGER);

	hand_start(&x, "chargen", room, sizeof room);
	ck_assert_int_eq(x.endless, 1);
	ck_assert_uint_eq(x.outlen % CHARGEN_LINE, 0);
	ck_assert_uint_gt(x.outlen, 0);
	service_chargen_line(1, line);
	ck_assert_mem_eq(x.out + CHARGEN_LINE, line, CHARGEN_LINE);
	/* Input is dropped where it cannot touch the output. */
	ck_assert_ptr_nonnull(x.in);
	ck_assert(x.in >= x.out + x.outlen);
	ck_assert(x.in + x.inroom <= room + sizeof room);
}
END_TEST

START_TEST(test_chargen_line_pattern)
{
	char line[CHARGEN_LINE], again[CHARGEN_LINE];
	unsigned i;

	for (i = 0; i < 3 * CHARGEN_CHARS; i++) {
		service_chargen_line(i, line);
		check_chargen_line(line, i);
		service_chargen_line(i + CHARGEN_CHARS, again);
		ck_assert_mem_eq(line, again, CHARGEN_LINE);
	}
	service_chargen_line(0, line);
	ck_assert_mem_eq(line, " !\"#$%&'()*+,-./0123456789:;<=>?"
	    "@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefg\r\n", CHARGEN_LINE);
}
END_TEST

START_TEST(test_daytime_line_and_small_buffer)
{
	time_t from = time(NULL);
	char line[64];
	size_t n;

	n = service_daytime(line, sizeof line);
	ck_assert_uint_eq(n, strlen(line));
	check_daytime_line(line, from, time(NULL));
	ck_assert_uint_eq(service_daytime(line, 10), 0);
}
END_TEST

static const struct sockaddr *
dgram_peer(socklen_t *len)
{
	static struct sockaddr_in peer;

	memset(&peer, 0, sizeof peer);
	peer.sin_family = AF_INET;
	peer.sin_port = htons(5000);
	peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	*len = sizeof peer;
	return (struct sockaddr *)&peer;
}

/* One datagram of len bytes to the handler s, the seq-th the server had. */
static ssize_t
dg(const struct service *s, const char *in, size_t len, char *out,
    size_t size, unsigned long long seq)
{
	socklen_t plen;
	const struct sockaddr *peer = dgram_peer(&plen);

	return s->dgram(&(struct dgram_req){ .in = in, .len = len,
	    .peer = peer, .peerlen = plen, .seq = seq }, out, size);
}

START_TEST(test_dgram_echo_copies)
{
	const struct service *s = service_find("echo");
	char out[8];

	ck_assert_int_eq(dg(s, "ping", 4, out, sizeof out, 0), 4);
	ck_assert_mem_eq(out, "ping", 4);
	/* Cut to the room there is. */
	ck_assert_int_eq(dg(s, "pingpong!", 9, out, sizeof out, 0),
	    8);
	ck_assert_mem_eq(out, "pingpong", 8);
	ck_assert_int_eq(dg(s, "", 0, out, sizeof out, 0), 0);
}
END_TEST

START_TEST(test_dgram_discard_no_reply)
{
	const struct service *s = service_find("discard");
	char out[64];

	ck_assert_int_eq(dg(s, "ping", 4, out, sizeof out, 0), -1);
}
END_TEST

START_TEST(test_dgram_daytime_line)
{
	const struct service *s = service_find("daytime");
	char out[64];
	time_t from = time(NULL);
	ssize_t n;

	n = dg(s, "", 0, out, sizeof out - 1, 0);
	ck_assert_int_eq(n, 26);
	out[n] = '\0';
	check_daytime_line(out, from, time(NULL));
}
END_TEST

/* 0 to 512 bytes of the pattern, from the start of some line on. */
START_TEST(test_dgram_chargen_prefix_of_pattern)
{
	const struct service *s = service_find("chargen");
	char out[SERVICE_CHARGEN_DGRAM + 1], line[CHARGEN_LINE];
	unsigned first, k, call;
	ssize_t n, longest = 0;
	size_t off;

	for (call = 0; call < 200; call++) {
		n = dg(s, "", 0, out, sizeof out, call);
		ck_assert_int_ge(n, 0);
		ck_assert_int_le(n, SERVICE_CHARGEN_DGRAM);
		if (n > longest)
			longest = n;
		if (n == 0)
			continue;
		first = (unsigned)(out[0] - ' ');
		ck_assert_uint_lt(first, CHARGEN_CHARS);
		for (k = first, off = 0; off < (size_t)n; k++, off += CHARGEN_LINE) {
			service_chargen_line(k, line);
			ck_assert_mem_eq(out + off, line,
			    (size_t)n - off < CHARGEN_LINE ? (size_t)n - off :
			    CHARGEN_LINE);
		}
	}
	/* 200 draws from 0..512, none past one line, would not be random. */
	ck_assert_int_gt(longest, CHARGEN_LINE);
	/* No more than the room there is. */
	ck_assert_int_le(dg(s, "", 0, out, 10, call), 10);
}
END_TEST

START_TEST(test_dgram_bench_none)
{
	const struct service *s = service_find("bench");

	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_nonnull(s->stream);
	ck_assert_ptr_null(s->dgram);
}
END_TEST

/* print asks the server to show the datagram, and writes nothing itself. */
START_TEST(test_dgram_print_asks_to_show)
{
	const struct service *s = service_find("print");
	char out[64];

	memset(out, 'x', sizeof out);
	ck_assert_int_eq(dg(s, "hello\n", 6, out, sizeof out, 0), SERVICE_PRINT);
	ck_assert_int_eq(out[0], 'x');
}
END_TEST

static Suite *
service_suite(void)
{
	Suite *s = suite_create("service");
	TCase *tc;

	tc = tcase_create("stream");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_echo_returns_mib_of_random_bytes);
	tcase_add_test(tc, test_discard_reads_all_replies_nothing);
	tcase_add_test(tc, test_daytime_one_line_then_close);
	tcase_add_test(tc, test_chargen_rfc864_pattern);
	tcase_add_test(tc, test_chargen_drops_input);
	tcase_add_loop_test(tc, test_bench_exact_count_then_more, 0, 3);
	tcase_add_test(tc, test_bench_two_requests_one_write);
	tcase_add_loop_test(tc, test_bench_refuses, 0,
	    (int)(sizeof refusals / sizeof refusals[0]));
	tcase_add_test(tc, test_bench_refuses_after_good_request);
	tcase_add_loop_test(tc, test_bench_request_grammar, 0,
	    (int)(sizeof requests / sizeof requests[0]));
	tcase_add_test(tc, test_print_lines_prefixed_with_peer);
	tcase_add_test(tc, test_print_long_line_in_pieces);
	tcase_add_test(tc, test_print_nul_and_controls_escaped);
	tcase_add_test(tc, test_serve_lets_signals_in_when_never_waiting);
	suite_add_tcase(s, tc);

	tc = tcase_create("parts");
	tcase_add_test(tc, test_find_every_service);
	tcase_add_test(tc, test_conn_start_and_peer);
	tcase_add_test(tc, test_echo_holds_input_while_writing);
	tcase_add_test(tc, test_bench_by_hand_byte_by_byte);
	tcase_add_test(tc, test_print_by_hand_pieces);
	tcase_add_test(tc, test_daytime_and_chargen_by_hand);
	tcase_add_test(tc, test_chargen_line_pattern);
	tcase_add_test(tc, test_daytime_line_and_small_buffer);
	suite_add_tcase(s, tc);

	tc = tcase_create("dgram");
	tcase_add_test(tc, test_dgram_echo_copies);
	tcase_add_test(tc, test_dgram_discard_no_reply);
	tcase_add_test(tc, test_dgram_daytime_line);
	tcase_add_test(tc, test_dgram_chargen_prefix_of_pattern);
	tcase_add_test(tc, test_dgram_bench_none);
	tcase_add_test(tc, test_dgram_print_asks_to_show);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(service_suite());
	int failed;

	/* The tests are clients that may write to a handler already gone. */
	signal(SIGPIPE, SIG_IGN);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
