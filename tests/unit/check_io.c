/*
 * check_io: reads and writes over socketpairs and pipes, with a writer or
 * reader in a forked child: short counts, end of file, timeouts on
 * non-blocking descriptors, and EINTR from a signal without SA_RESTART.
 */
#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "io.h"

#define MIB		(1024 * 1024)
#define LONG_WAIT	5000	/* ms: what a test allows any one wait */

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		continue;
}

/* Byte i of the test stream: not a short cycle, so a slip shows. */
static unsigned char
pattern(size_t i)
{
	return (unsigned char)((i * 7 + i / 251) & 0xff);
}

static char *
pattern_buf(size_t n)
{
	char *buf = malloc(n);
	size_t i;

	ck_assert_ptr_nonnull(buf);
	for (i = 0; i < n; i++)
		buf[i] = (char)pattern(i);
	return buf;
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

/* One write a writer child makes: after delay_ms, or once fd is drained. */
struct piece {
	const char	*data;
	size_t		 len;
	int		 delay_ms;
	int		 drained;	/* first wait for the reader to take all */
};

/* Wait until the reader took all written to fd; a pipe tells either end. */
static int
wait_drained(int fd)
{
	long long deadline = now_ms() + LONG_WAIT;
	int queued = 1;

	while (ioctl(fd, FIONREAD, &queued) == 0 && queued > 0 &&
	    now_ms() < deadline)
		poll(NULL, 0, 5);
	return queued == 0 ? 0 : -1;
}

/*
 * Fork a child that writes the pieces to fd (closing other, the reader's
 * end, first) and exits 0, 1 if a write failed, 3 if the reader never
 * drained the descriptor.  Only _exit in the child: it shares Check's state.
 */
static pid_t
spawn_writer(int fd, int other, const struct piece *p, size_t n)
{
	pid_t pid = fork();
	size_t i;

	ck_assert_int_ne(pid, -1);
	if (pid != 0)
		return pid;
	close(other);
	for (i = 0; i < n; i++) {
		if (p[i].drained && wait_drained(fd) == -1)
			_exit(3);
		sleep_ms(p[i].delay_ms);
		if (io_writen(fd, p[i].data, p[i].len, LONG_WAIT) !=
		    (ssize_t)p[i].len)
			_exit(1);
	}
	_exit(0);
}

/* Fork a child that reads n bytes of the pattern from fd and checks them. */
static pid_t
spawn_reader(int fd, int other, size_t n, int delay_ms)
{
	pid_t pid = fork();
	char buf[8192];
	size_t got = 0, i;
	ssize_t r;

	ck_assert_int_ne(pid, -1);
	if (pid != 0)
		return pid;
	close(other);
	sleep_ms(delay_ms);
	while (got < n && (r = io_read(fd, buf, sizeof buf, LONG_WAIT)) > 0)
		for (i = 0; i < (size_t)r; i++, got++)
			if ((unsigned char)buf[i] != pattern(got))
				_exit(2);
	_exit(got == n ? 0 : 1);
}

static void
stream_pair(int sv[2])
{
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
}

static void
set_nonblock(int fd)
{
	ck_assert_int_ne(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK), -1);
}

/* Read 1 MiB from rfd that a child writes on wfd, then end of file. */
static void
check_readn_mib(int rfd, int wfd)
{
	struct piece p = { NULL, MIB, 0, 0 };
	char *want = pattern_buf(MIB), *got = calloc(1, MIB);
	char extra;
	pid_t pid;

	ck_assert_ptr_nonnull(got);
	p.data = want;
	pid = spawn_writer(wfd, rfd, &p, 1);
	close(wfd);
	ck_assert_int_eq(io_readn(rfd, got, MIB, LONG_WAIT), MIB);
	ck_assert_mem_eq(got, want, MIB);
	ck_assert_int_eq(io_readn(rfd, &extra, 1, LONG_WAIT), 0);
	ck_assert_int_eq(wait_child(pid, LONG_WAIT), 0);
	close(rfd);
	free(want);
	free(got);
}

START_TEST(test_readn_mib_over_socketpair)
{
	int sv[2];

	stream_pair(sv);
	check_readn_mib(sv[0], sv[1]);
}
END_TEST

START_TEST(test_readn_mib_over_pipe)
{
	int p[2];

	ck_assert_int_eq(pipe(p), 0);
	check_readn_mib(p[0], p[1]);
}
END_TEST

/* A non-blocking reader must wait in poll, not spin or give up at EAGAIN. */
START_TEST(test_readn_mib_nonblocking)
{
	int sv[2];

	stream_pair(sv);
	set_nonblock(sv[0]);
	check_readn_mib(sv[0], sv[1]);
}
END_TEST

/* A writer faster than its reader: io_writen must push every byte. */
START_TEST(test_writen_mib_to_slow_reader)
{
	char *buf = pattern_buf(MIB);
	int sv[2];
	pid_t pid;

	stream_pair(sv);
	pid = spawn_reader(sv[1], sv[0], MIB, 100);
	close(sv[1]);
	ck_assert_int_eq(io_writen(sv[0], buf, MIB, LONG_WAIT), MIB);
	close(sv[0]);
	ck_assert_int_eq(wait_child(pid, LONG_WAIT), 0);
	free(buf);
}
END_TEST

START_TEST(test_writen_mib_nonblocking)
{
	char *buf = pattern_buf(MIB);
	int p[2];
	pid_t pid;

	ck_assert_int_eq(pipe(p), 0);
	set_nonblock(p[1]);
	pid = spawn_reader(p[0], p[1], MIB, 100);
	close(p[0]);
	ck_assert_int_eq(io_writen(p[1], buf, MIB, LONG_WAIT), MIB);
	close(p[1]);
	ck_assert_int_eq(wait_child(pid, LONG_WAIT), 0);
	free(buf);
}
END_TEST

/* At end of file io_readn gives what there was, then 0. */
START_TEST(test_readn_short_count_at_eof)
{
	char buf[100];
	int sv[2];

	stream_pair(sv);
	ck_assert_int_eq(write(sv[1], "0123456789", 10), 10);
	close(sv[1]);
	ck_assert_int_eq(io_readn(sv[0], buf, sizeof buf, LONG_WAIT), 10);
	ck_assert_mem_eq(buf, "0123456789", 10);
	ck_assert_int_eq(io_readn(sv[0], buf, sizeof buf, LONG_WAIT), 0);
	ck_assert_int_eq(io_read(sv[0], buf, sizeof buf, LONG_WAIT), 0);
	close(sv[0]);
}
END_TEST

/* io_read is one read: it returns what is there, not what was asked. */
START_TEST(test_read_returns_what_is_there)
{
	char buf[100];
	int sv[2];

	stream_pair(sv);
	ck_assert_int_eq(write(sv[1], "abc", 3), 3);
	ck_assert_int_eq(io_read(sv[0], buf, sizeof buf, LONG_WAIT), 3);
	ck_assert_mem_eq(buf, "abc", 3);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

/* Assert that start_ms was about timeout_ms ago: not early, not much late. */
static void
check_waited(long long start_ms, int timeout_ms)
{
	long long took = now_ms() - start_ms;

	ck_assert_msg(took >= timeout_ms - 5 && took < timeout_ms + 2000,
	    "waited %lld ms for a %d ms timeout", took, timeout_ms);
}

START_TEST(test_read_times_out_on_empty_nonblocking)
{
	char buf[16];
	long long start;
	int sv[2];

	stream_pair(sv);
	set_nonblock(sv[0]);
	start = now_ms();
	errno = 0;
	ck_assert_int_eq(io_read(sv[0], buf, sizeof buf, 100), -1);
	ck_assert_int_eq(errno, ETIMEDOUT);
	check_waited(start, 100);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

/* Part of what io_readn wants, then silence: a timeout, not a short count. */
START_TEST(test_readn_times_out_after_part)
{
	char buf[16];
	long long start;
	int sv[2];

	stream_pair(sv);
	set_nonblock(sv[0]);
	ck_assert_int_eq(write(sv[1], "abc", 3), 3);
	start = now_ms();
	errno = 0;
	ck_assert_int_eq(io_readn(sv[0], buf, sizeof buf, 100), -1);
	ck_assert_int_eq(errno, ETIMEDOUT);
	check_waited(start, 100);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

/* A peer that never reads: io_writen gives up once the buffer stays full. */
START_TEST(test_writen_times_out_when_peer_never_reads)
{
	char *buf = pattern_buf(4 * MIB);
	long long start;
	int sv[2];

	stream_pair(sv);
	set_nonblock(sv[0]);
	start = now_ms();
	errno = 0;
	ck_assert_int_eq(io_writen(sv[0], buf, 4 * MIB, 100), -1);
	ck_assert_int_eq(errno, ETIMEDOUT);
	check_waited(start, 100);
	close(sv[0]);
	close(sv[1]);
	free(buf);
}
END_TEST

START_TEST(test_wait_ready_or_timeout)
{
	long long start;
	int sv[2];

	stream_pair(sv);
	start = now_ms();
	errno = 0;
	ck_assert_int_eq(io_wait(sv[0], POLLIN, 100), -1);
	ck_assert_int_eq(errno, ETIMEDOUT);
	check_waited(start, 100);
	ck_assert_int_eq(io_wait(sv[0], POLLOUT, 100), 0);
	ck_assert_int_eq(write(sv[1], "x", 1), 1);
	ck_assert_int_eq(io_wait(sv[0], POLLIN, 100), 0);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

/* A blocking descriptor never says it would block: the timeout has no say. */
START_TEST(test_timeout_ignored_on_blocking)
{
	struct piece p = { "late", 4, 300, 0 };
	char buf[4];
	int sv[2];
	pid_t pid;

	stream_pair(sv);
	pid = spawn_writer(sv[1], sv[0], &p, 1);
	close(sv[1]);
	ck_assert_int_eq(io_readn(sv[0], buf, sizeof buf, 50), 4);
	ck_assert_mem_eq(buf, "late", 4);
	ck_assert_int_eq(wait_child(pid, LONG_WAIT), 0);
	close(sv[0]);
}
END_TEST

/* Timeout 0 on a non-blocking descriptor: wait for ever, not give up at once. */
START_TEST(test_zero_timeout_waits_for_ever)
{
	struct piece p = { "late", 4, 300, 0 };
	char buf[4];
	int sv[2];
	pid_t pid;

	stream_pair(sv);
	set_nonblock(sv[0]);
	pid = spawn_writer(sv[1], sv[0], &p, 1);
	close(sv[1]);
	ck_assert_int_eq(io_readn(sv[0], buf, sizeof buf, 0), 4);
	ck_assert_mem_eq(buf, "late", 4);
	ck_assert_int_eq(wait_child(pid, LONG_WAIT), 0);
	close(sv[0]);
}
END_TEST

/* A peer gone: the write fails with EPIPE (SIGPIPE ignored, as servers do). */
START_TEST(test_writen_epipe_when_peer_closed)
{
	void (*old)(int) = signal(SIGPIPE, SIG_IGN);
	int sv[2];

	stream_pair(sv);
	close(sv[1]);
	errno = 0;
	ck_assert_int_eq(io_writen(sv[0], "x", 1, LONG_WAIT), -1);
	ck_assert_int_eq(errno, EPIPE);
	close(sv[0]);
	signal(SIGPIPE, old);
}
END_TEST

static volatile sig_atomic_t alarms;

static void
on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

/*
 * SIGALRM every 20 ms, without SA_RESTART, so that a blocked read or
 * write or poll fails with EINTR each time.
 */
static void
start_alarms(struct sigaction *old)
{
	struct sigaction sa;
	struct itimerval it = { { 0, 20000 }, { 0, 20000 } };

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;
	alarms = 0;
	ck_assert_int_eq(sigaction(SIGALRM, &sa, old), 0);
	ck_assert_int_eq(setitimer(ITIMER_REAL, &it, NULL), 0);
}

static void
stop_alarms(const struct sigaction *old)
{
	struct itimerval off;

	memset(&off, 0, sizeof off);
	setitimer(ITIMER_REAL, &off, NULL);
	sigaction(SIGALRM, old, NULL);
}

/* Data arrives 300 ms late, while alarms interrupt the read: it completes. */
static void
check_read_survives_eintr(int nonblock)
{
	struct piece p = { "after the alarms", 16, 300, 0 };
	struct sigaction old;
	char buf[16];
	ssize_t n;
	int sv[2];
	pid_t pid;

	stream_pair(sv);
	if (nonblock)
		set_nonblock(sv[0]);
	pid = spawn_writer(sv[1], sv[0], &p, 1);
	close(sv[1]);
	start_alarms(&old);
	n = io_readn(sv[0], buf, sizeof buf, LONG_WAIT);
	stop_alarms(&old);
	ck_assert_int_eq(n, 16);
	ck_assert_mem_eq(buf, "after the alarms", 16);
	ck_assert_msg(alarms > 1, "only %d alarms: the read was not interrupted",
	    (int)alarms);
	ck_assert_int_eq(wait_child(pid, LONG_WAIT), 0);
	close(sv[0]);
}

START_TEST(test_read_survives_eintr_blocking)
{
	check_read_survives_eintr(0);
}
END_TEST

START_TEST(test_read_survives_eintr_in_poll)
{
	check_read_survives_eintr(1);
}
END_TEST

/* A write blocked on a full buffer, interrupted again and again, completes. */
START_TEST(test_writen_survives_eintr)
{
	char *buf = pattern_buf(MIB);
	struct sigaction old;
	ssize_t n;
	int sv[2];
	pid_t pid;

	stream_pair(sv);
	pid = spawn_reader(sv[1], sv[0], MIB, 300);
	close(sv[1]);
	start_alarms(&old);
	n = io_writen(sv[0], buf, MIB, LONG_WAIT);
	stop_alarms(&old);
	ck_assert_int_eq(n, MIB);
	ck_assert_msg(alarms > 1, "only %d alarms: the write was not interrupted",
	    (int)alarms);
	close(sv[0]);
	ck_assert_int_eq(wait_child(pid, LONG_WAIT), 0);
	free(buf);
}
END_TEST

/*
 * With io_stop_at's flag at its level, the alarms that a read survived
 * above end it at once, with EINTR; below the level it goes on.
 */
static volatile sig_atomic_t stop_flag;

START_TEST(test_stop_at_gives_up_when_flag_reached)
{
	struct sigaction old;
	long long start;
	char buf[4];
	int sv[2];

	stream_pair(sv);
	set_nonblock(sv[0]);
	stop_flag = 2;
	io_stop_at(&stop_flag, 2, NULL);
	start_alarms(&old);
	start = now_ms();
	errno = 0;
	ck_assert_int_eq(io_read(sv[0], buf, sizeof buf, LONG_WAIT), -1);
	ck_assert_int_eq(errno, EINTR);
	stop_alarms(&old);
	io_stop_at(NULL, 0, NULL);
	ck_assert_msg(now_ms() - start < LONG_WAIT / 2, "the read went on");
	close(sv[0]);
	close(sv[1]);
}
END_TEST

START_TEST(test_stop_at_below_level_goes_on)
{
	struct piece p = { "late", 4, 300, 0 };
	struct sigaction old;
	char buf[4];
	int sv[2];
	pid_t pid;

	stream_pair(sv);
	set_nonblock(sv[0]);
	pid = spawn_writer(sv[1], sv[0], &p, 1);
	close(sv[1]);
	stop_flag = 1;
	io_stop_at(&stop_flag, 2, NULL);
	start_alarms(&old);
	ck_assert_int_eq(io_readn(sv[0], buf, sizeof buf, LONG_WAIT), 4);
	stop_alarms(&old);
	io_stop_at(NULL, 0, NULL);
	ck_assert_mem_eq(buf, "late", 4);
	ck_assert_msg(alarms > 1, "only %d alarms", (int)alarms);
	ck_assert_int_eq(wait_child(pid, LONG_WAIT), 0);
	close(sv[0]);
}
END_TEST

static Suite *
io_suite(void)
{
	Suite *s = suite_create("io");
	TCase *tc;

	tc = tcase_create("readn_writen");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_readn_mib_over_socketpair);
	tcase_add_test(tc, test_readn_mib_over_pipe);
	tcase_add_test(tc, test_readn_mib_nonblocking);
	tcase_add_test(tc, test_writen_mib_to_slow_reader);
	tcase_add_test(tc, test_writen_mib_nonblocking);
	tcase_add_test(tc, test_readn_short_count_at_eof);
	tcase_add_test(tc, test_read_returns_what_is_there);
	tcase_add_test(tc, test_writen_epipe_when_peer_closed);
	suite_add_tcase(s, tc);

	tc = tcase_create("timeouts");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_read_times_out_on_empty_nonblocking);
	tcase_add_test(tc, test_readn_times_out_after_part);
	tcase_add_test(tc, test_writen_times_out_when_peer_never_reads);
	tcase_add_test(tc, test_wait_ready_or_timeout);
	tcase_add_test(tc, test_timeout_ignored_on_blocking);
	tcase_add_test(tc, test_zero_timeout_waits_for_ever);
	suite_add_tcase(s, tc);

	tc = tcase_create("eintr");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_read_survives_eintr_blocking);
	tcase_add_test(tc, test_read_survives_eintr_in_poll);
	tcase_add_test(tc, test_writen_survives_eintr);
	tcase_add_test(tc, test_stop_at_gives_up_when_flag_reached);
	tcase_add_test(tc, test_stop_at_below_level_goes_on);
	suite_add_tcase(s, tc);

	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(io_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
