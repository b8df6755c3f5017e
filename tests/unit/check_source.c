/*
 * check_source: the socket source makes what a model asks for.  One
 * listener, non-blocking unless asked to block; one per worker, all on the
 * port the first got, SO_REUSEPORT on each; a Unix path made with the mode
 * asked, a stale socket there removed and anything else refused; the file
 * removed at close only while it is still the one made; an abstract name
 * given a mode refused; -m read as octal.
 */
#define _DEFAULT_SOURCE		/* SO_REUSEPORT */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "net.h"
#include "source.h"

static char dir[64];
static char err[NET_ERRLEN];

static void
setup(void)
{
	snprintf(dir, sizeof dir, "%s", "/tmp/check_source.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	/* The stale-socket line goes to /dev/null (each test is a process). */
	ck_assert_ptr_nonnull(freopen("/dev/null", "w", stderr));
}

static void
teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static void
parse(struct addr *a, const char *spec, int local)
{
	char why[256];

	ck_assert_msg(addr_operand(a, spec, "tcp", local, why, sizeof why) == 0,
	    "%s: %s", spec, why);
}

static int
blocks(int fd)
{
	return (fcntl(fd, F_GETFL) & O_NONBLOCK) == 0;
}

static int
reuseport(int fd)
{
	int on = 0;
	socklen_t len = sizeof on;

	ck_assert_int_eq(getsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, &len), 0);
	return on;
}

START_TEST(test_one_listener)
{
	struct source_want w = SOURCE_WANT_DEFAULT;
	struct source src;
	struct addr a;

	parse(&a, "127.0.0.1:0", 0);
	ck_assert_int_eq(source_open(&src, &a, AF_UNSPEC, SOCK_STREAM, 5, &w,
	    err, sizeof err), 0);
	ck_assert_int_eq(src.n, 1);
	ck_assert_int_gt(net_port(src.fd[0]), 0);
	ck_assert(!blocks(src.fd[0]));
	ck_assert(!reuseport(src.fd[0]));
	source_close(&src);
	ck_assert_ptr_null(src.fd);
	source_close(&src);	/* twice is harmless */
}
END_TEST

START_TEST(test_per_worker)
{
	struct source_want w = { .per_worker = 3, .blocking = 1, .mode = -1 };
	struct source src;
	struct addr a;
	int i;

	parse(&a, "127.0.0.1:0", 0);
	ck_assert_int_eq(source_open(&src, &a, AF_UNSPEC, SOCK_STREAM, 5, &w,
	    err, sizeof err), 0);
	ck_assert_int_eq(src.n, 3);
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(net_port(src.fd[i]), net_port(src.fd[0]));
		ck_assert(blocks(src.fd[i]));
		ck_assert(reuseport(src.fd[i]));
	}
	source_close(&src);
	/* One worker: one listener, SO_REUSEPORT all the same. */
	w.per_worker = 1;
	ck_assert_int_eq(source_open(&src, &a, AF_UNSPEC, SOCK_DGRAM, 5, &w,
	    err, sizeof err), 0);
	ck_assert_int_eq(src.n, 1);
	ck_assert(reuseport(src.fd[0]));
	source_close(&src);
}
END_TEST

START_TEST(test_path_mode_and_removal)
{
	struct source_want w = { .mode = 0600 };
	struct source src;
	struct addr a;
	struct stat st;
	char path[128];

	snprintf(path, sizeof path, "%s/s.sock", dir);
	parse(&a, path, 1);
	ck_assert_int_eq(source_open(&src, &a, AF_UNSPEC, SOCK_DGRAM, 0, &w,
	    err, sizeof err), 0);
	ck_assert_int_eq(lstat(path, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	source_close(&src);
	ck_assert_int_eq(access(path, F_OK), -1);
}
END_TEST

START_TEST(test_path_stale_and_refused)
{
	struct source_want w = SOURCE_WANT_DEFAULT;
	struct source src, live;
	struct addr a;
	char path[128], want[256];
	int fd;

	snprintf(path, sizeof path, "%s/s.sock", dir);
	parse(&a, path, 1);
	/* A socket whose server has gone: removed, and the path taken. */
	ck_assert_int_ge(fd = net_bind(&a, AF_UNSPEC, SOCK_DGRAM, 0, err,
	    sizeof err), 0);
	close(fd);
	ck_assert_int_eq(source_open(&live, &a, AF_UNSPEC, SOCK_DGRAM, 0, &w,
	    err, sizeof err), 0);
	/* Where a server answers: refused, its file left. */
	ck_assert_int_eq(source_open(&src, &a, AF_UNSPEC, SOCK_DGRAM, 0, &w,
	    err, sizeof err), -1);
	snprintf(want, sizeof want, "%s: in use: a server answers there", path);
	ck_assert_str_eq(err, want);
	ck_assert_int_eq(access(path, F_OK), 0);
	source_close(&src);	/* the failed one removes nothing */
	ck_assert_int_eq(access(path, F_OK), 0);
	/* A file put in the place of ours is not removed at close. */
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_ge(fd = open(path, O_WRONLY | O_CREAT, 0600), 0);
	close(fd);
	source_close(&live);
	ck_assert_int_eq(access(path, F_OK), 0);
	/* ... and, not being a socket, it is refused. */
	ck_assert_int_eq(source_open(&src, &a, AF_UNSPEC, SOCK_DGRAM, 0, &w,
	    err, sizeof err), -1);
	snprintf(want, sizeof want, "%s: exists and is not a socket; not removed",
	    path);
	ck_assert_str_eq(err, want);
}
END_TEST

START_TEST(test_abstract_takes_no_mode)
{
	struct source_want w = { .mode = 0600 };
	struct source src;
	struct addr a;

	parse(&a, "@check_source", 1);
	ck_assert_int_eq(source_open(&src, &a, AF_UNSPEC, SOCK_DGRAM, 0, &w,
	    err, sizeof err), -1);
	ck_assert_str_eq(err, "-m: @check_source is an abstract name, with no "
	    "file to give a mode");
	w.per_worker = 2;
	w.mode = -1;
	ck_assert_int_eq(source_open(&src, &a, AF_UNSPEC, SOCK_DGRAM, 0, &w,
	    err, sizeof err), -1);
	ck_assert_str_eq(err, "a socket per worker needs an IP address");
}
END_TEST

START_TEST(test_option_mode)
{
	char why[128];
	int mode = -1;

	ck_assert_int_eq(source_option_mode('m', "0660", &mode, why, sizeof why), 0);
	ck_assert_int_eq(mode, 0660);
	ck_assert_int_eq(source_option_mode('m', "00007", &mode, why, sizeof why), 0);
	ck_assert_int_eq(mode, 07);
	ck_assert_int_eq(source_option_mode('m', "0800", &mode, why, sizeof why), -1);
	ck_assert_str_eq(why, "-m 0800: not an octal mode (0 to 0777)");
	ck_assert_int_eq(source_option_mode('m', "1777", &mode, why, sizeof why), -1);
	ck_assert_int_eq(source_option_mode('m', "", &mode, why, sizeof why), -1);
}
END_TEST

static Suite *
source_suite(void)
{
	Suite *s = suite_create("source");
	TCase *tc = tcase_create("source");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_one_listener);
	tcase_add_test(tc, test_per_worker);
	tcase_add_test(tc, test_path_mode_and_removal);
	tcase_add_test(tc, test_path_stale_and_refused);
	tcase_add_test(tc, test_abstract_takes_no_mode);
	tcase_add_test(tc, test_option_mode);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(source_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
