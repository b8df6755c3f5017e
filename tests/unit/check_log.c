/*
 * check_log: what the programs print.  Standard error or output is sent to
 * a datagram socket for the length of a call, so that each write(2) arrives
 * as one message: a line must come out whole, in one write.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define PEER	"127.0.0.1:40000"

/* One descriptor, 1 or 2, redirected to a datagram socket we read. */
struct capture {
	int	fd;		/* the one redirected */
	int	saved;		/* what it was */
	int	rd;		/* our end: one message a write */
};

static void
capture_start(struct capture *c, int fd)
{
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
	c->fd = fd;
	c->rd = sv[0];
	ck_assert_int_ne(c->saved = dup(fd), -1);
	ck_assert_int_ne(dup2(sv[1], fd), -1);
	close(sv[1]);
}

static void
capture_stop(struct capture *c)
{
	dup2(c->saved, c->fd);
	close(c->saved);
}

/* The next message, NUL-terminated: its length, or -1 if none is left. */
static ssize_t
capture_next(struct capture *c, char *buf, size_t size)
{
	ssize_t n = recv(c->rd, buf, size - 1, MSG_DONTWAIT);

	if (n >= 0)
		buf[n] = '\0';
	return n;
}

/* Assert that the writes captured were exactly the lines given, then none. */
static void
capture_expect(struct capture *c, const char *const *lines, size_t n)
{
	char buf[8192];
	size_t i;
	ssize_t len;

	for (i = 0; i < n; i++) {
		len = capture_next(c, buf, sizeof buf);
		ck_assert_msg(len >= 0, "write %zu of %zu missing", i + 1, n);
		ck_assert_str_eq(buf, lines[i]);
	}
	errno = 0;
	ck_assert_int_eq(capture_next(c, buf, sizeof buf), -1);
	ck_assert_int_eq(errno, EAGAIN);
	close(c->rd);
}

START_TEST(test_levels_write_prog_and_message)
{
	static const char *const want[] = {
		"prog: error: bind 127.0.0.1:7: Address already in use\n",
		"prog: warning 42\n",
		"prog: info\n",
	};
	struct capture err, out;

	log_open("prog");
	capture_start(&err, STDERR_FILENO);
	capture_start(&out, STDOUT_FILENO);
	log_error("error: %s: %s", "bind 127.0.0.1:7",
	    "Address already in use");
	log_warning("warning %d", 42);
	log_info("info");
	capture_stop(&out);
	capture_stop(&err);
	capture_expect(&err, want, 3);
	capture_expect(&out, NULL, 0);
	ck_assert_str_eq(log_prog(), "prog");
}
END_TEST

/* A message too long for the line is cut, still one line with its newline. */
START_TEST(test_long_message_cut_to_one_line)
{
	char *big = malloc(3001), buf[8192];
	struct capture err;
	ssize_t n;

	ck_assert_ptr_nonnull(big);
	memset(big, 'a', 3000);
	big[3000] = '\0';
	log_open("prog");
	capture_start(&err, STDERR_FILENO);
	log_error("%s", big);
	capture_stop(&err);
	n = capture_next(&err, buf, sizeof buf);
	ck_assert_int_gt(n, 1000);
	ck_assert_int_le(n, 2048);
	ck_assert_int_eq(strncmp(buf, "prog: aaaa", 10), 0);
	ck_assert_int_eq(buf[n - 1], '\n');
	ck_assert_uint_eq(strspn(buf + 6, "a"), (size_t)n - 7);
	capture_expect(&err, NULL, 0);
	free(big);
}
END_TEST

/* "peer: text" and one newline, whether text brought one (LF, CR LF) or not. */
START_TEST(test_output_adds_newline_only_if_missing)
{
	static const char *const want[] = {
		PEER ": hello\n",
		PEER ": hello\n",
		PEER ": hello\n",
		PEER ": \n",
		PEER ": \n",
		PEER ": two\n",
		PEER ": three\\r\n",
	};
	struct capture err, out;

	log_open("prog");
	capture_start(&out, STDOUT_FILENO);
	capture_start(&err, STDERR_FILENO);
	log_output(PEER, "hello", 5, 0, 0);
	log_output(PEER, "hello\n", 6, 0, 0);
	log_output(PEER, "hello world\n", 5, 0, 0);	/* len, not the NUL, ends it */
	log_output(PEER, "", 0, 0, 0);
	log_output(PEER, "\n", 1, 0, 0);
	log_output(PEER, "two\r\n", 5, 0, 0);
	log_output(PEER, "three\r", 6, 0, 0);
	capture_stop(&err);
	capture_stop(&out);
	capture_expect(&out, want, 7);
	capture_expect(&err, NULL, 0);
}
END_TEST

/*
 * What a peer sends cannot reach the terminal raw: controls, NUL, an
 * inner newline (which would start a line that looks like another peer's)
 * and invalid UTF-8 are escaped; valid UTF-8 is shown.
 */
START_TEST(test_output_escapes_what_a_peer_sent)
{
	static const char text[] = "\x1b[2Jhi\0there\nfake: line\r\x80\xc3\xa9\\";
	static const char *const want[] = {
		PEER ": \\x1b[2Jhi\\x00there\\nfake: line\\r\\x80\xc3\xa9\\\\\n",
	};
	struct capture out;

	log_open("prog");
	capture_start(&out, STDOUT_FILENO);
	log_output(PEER, text, sizeof text - 1, 0, 0);
	capture_stop(&out);
	capture_expect(&out, want, 1);
}
END_TEST

/* Text that goes on ("more") ends its line in a lone backslash. */
START_TEST(test_output_more_marks_continuation)
{
	static const char *const want[] = {
		PEER ": piece\\\n",
		PEER ": end\n",
	};
	struct capture out;

	log_open("prog");
	capture_start(&out, STDOUT_FILENO);
	log_output(PEER, "piece", 5, 1, 0);
	log_output(PEER, "end\n", 4, 0, 0);
	capture_stop(&out);
	capture_expect(&out, want, 2);
}
END_TEST

/*
 * Long text is split, not cut: lines of at most PIPE_BUF bytes, each one
 * write, each but the last continued with a '\\'; every byte is there.
 */
START_TEST(test_output_long_text_split_whole)
{
	char *text = malloc(5000), buf[8192];
	size_t ts = 0, lines = 0;
	struct capture out;
	ssize_t n;

	ck_assert_ptr_nonnull(text);
	memset(text, 't', 5000);
	log_open("prog");
	capture_start(&out, STDOUT_FILENO);
	log_output(PEER, text, 5000, 0, 0);
	capture_stop(&out);
	while ((n = capture_next(&out, buf, sizeof buf)) > 0) {
		lines++;
		ck_assert_int_le(n, PIPE_BUF);
		ck_assert_int_eq(strncmp(buf, PEER ": t", sizeof PEER + 2), 0);
		ck_assert_int_eq(buf[n - 1], '\n');
		ts += strspn(buf + sizeof PEER + 1, "t");
		ck_assert_int_eq(buf[n - 2] == '\\', ts < 5000);
	}
	ck_assert_uint_eq(lines, 2);
	ck_assert_uint_eq(ts, 5000);
	free(text);
}
END_TEST

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

/* Is fd open on /dev/null? */
static int
is_devnull(int fd)
{
	struct stat st, null;

	return fstat(fd, &st) == 0 && stat("/dev/null", &null) == 0 &&
	    S_ISCHR(st.st_mode) && st.st_rdev == null.st_rdev;
}

/* Is fd open on the same file as other? */
static int
same_file(int fd, int other)
{
	struct stat a, b;

	return fstat(fd, &a) == 0 && fstat(other, &b) == 0 &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* The lowest descriptor free now. */
static int
lowest_free(void)
{
	int fd = open("/dev/null", O_RDONLY);

	if (fd != -1)
		close(fd);
	return fd;
}

/*
 * In a child (it gives up its standard descriptors): close 0, 1 and 2,
 * log_open, and exit with a bit set for each that is not on /dev/null,
 * and 8 if log_open kept a descriptor of its own.
 */
START_TEST(test_open_fills_closed_standard_fds)
{
	int spare = lowest_free();
	pid_t pid;
	int fd, bits = 0;

	ck_assert_int_gt(spare, STDERR_FILENO);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		close(STDIN_FILENO);
		close(STDOUT_FILENO);
		close(STDERR_FILENO);
		log_open("prog");
		for (fd = 0; fd <= STDERR_FILENO; fd++)
			if (!is_devnull(fd))
				bits |= 1 << fd;
		if (lowest_free() != spare)
			bits |= 8;
		_exit(bits);
	}
	ck_assert_int_eq(wait_child(pid, 5000), 0);
}
END_TEST

/* Only the closed one is filled; the others keep what they were. */
START_TEST(test_open_fills_only_the_closed_fd)
{
	int spare = lowest_free(), p[2];
	pid_t pid;
	int bits = 0;

	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		if (pipe(p) == -1 || dup2(p[0], STDIN_FILENO) == -1 ||
		    dup2(p[1], STDERR_FILENO) == -1)
			_exit(64);
		close(STDOUT_FILENO);
		log_open("prog");
		if (!same_file(STDIN_FILENO, p[0]))
			bits |= 1;
		if (!is_devnull(STDOUT_FILENO))
			bits |= 2;
		if (!same_file(STDERR_FILENO, p[1]))
			bits |= 4;
		close(p[0]);
		close(p[1]);
		if (lowest_free() != spare)
			bits |= 8;
		_exit(bits);
	}
	ck_assert_int_eq(wait_child(pid, 5000), 0);
}
END_TEST

/* With 0, 1 and 2 open, log_open leaves them be and no descriptor behind. */
START_TEST(test_open_leaves_open_fds_alone)
{
	int saved[3], fd, spare;

	for (fd = 0; fd <= STDERR_FILENO; fd++)
		ck_assert_int_ne(saved[fd] = dup(fd), -1);
	spare = lowest_free();
	log_open("prog");
	ck_assert_int_eq(lowest_free(), spare);
	for (fd = 0; fd <= STDERR_FILENO; fd++) {
		ck_assert(same_file(fd, saved[fd]));
		close(saved[fd]);
	}
}
END_TEST

static Suite *
log_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc;

	tc = tcase_create("messages");
	tcase_add_test(tc, test_levels_write_prog_and_message);
	tcase_add_test(tc, test_long_message_cut_to_one_line);
	tcase_add_test(tc, test_output_adds_newline_only_if_missing);
	tcase_add_test(tc, test_output_long_text_split_whole);
	tcase_add_test(tc, test_output_escapes_what_a_peer_sent);
	tcase_add_test(tc, test_output_more_marks_continuation);
	suite_add_tcase(s, tc);

	tc = tcase_create("open");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_open_fills_closed_standard_fds);
	tcase_add_test(tc, test_open_fills_only_the_closed_fd);
	tcase_add_test(tc, test_open_leaves_open_fds_alone);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(log_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
