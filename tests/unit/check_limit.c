/*
 * check_limit: a source gets its burst and then one more each interval;
 * by address or by address and port; an IPv4-mapped address is the IPv4
 * host; the table is shared with a child forked after it; no table, no
 * limit.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <check.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "limit.h"

static struct sockaddr_in
v4(const char *host, unsigned port)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	ck_assert_int_eq(inet_pton(AF_INET, host, &sin.sin_addr), 1);
	return sin;
}

/* How many of tries takes from sa's budget succeed. */
static int
takes(struct limit *l, const struct sockaddr_in *sa, int tries)
{
	int i, n = 0;

	for (i = 0; i < tries; i++)
		n += limit_take(l, (const struct sockaddr *)sa, sizeof *sa);
	return n;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* A burst of 5, then nothing; one more after an interval. */
START_TEST(test_burst_then_one_an_interval)
{
	struct limit *l = limit_new(1000 * 1000, 5, LIMIT_PORT);
	struct sockaddr_in a = v4("192.0.2.1", 4000);

	ck_assert_ptr_nonnull(l);
	ck_assert_int_eq(takes(l, &a, 8), 5);
	/* One interval and a bit: one more, not two (unless this took 2 s). */
	sleep_ms(1100);
	ck_assert_int_eq(takes(l, &a, 3), 1);
	limit_free(l);
}
END_TEST

/*
 * Two sources have budgets of their own.  They may share a slot by
 * chance (1 in LIMIT_SLOTS), so of 16 sources, nearly all must be untouched
 * by the first's spending.
 */
static int
untouched(int by, unsigned (*port)(unsigned i), const char *(*host)(unsigned i))
{
	struct limit *l = limit_new(1000 * 1000, 2, by);
	struct sockaddr_in a = v4("192.0.2.1", 4000), b;
	unsigned i;
	int n = 0;

	ck_assert_ptr_nonnull(l);
	ck_assert_int_eq(takes(l, &a, 3), 2);
	for (i = 1; i <= 16; i++) {
		b = v4(host(i), port(i));
		n += takes(l, &b, 1);
	}
	limit_free(l);
	return n;
}

static unsigned same_port(unsigned i) { (void)i; return 4000; }
static unsigned other_port(unsigned i) { return 4000 + i; }
static const char *same_host(unsigned i) { (void)i; return "192.0.2.1"; }
static const char *
other_host(unsigned i)
{
	static char host[32];

	snprintf(host, sizeof host, "192.0.2.%u", 1 + i);
	return host;
}

START_TEST(test_sources_apart)
{
	/* By port: the same host on other ports has budgets of its own. */
	ck_assert_int_ge(untouched(LIMIT_PORT, other_port, same_host), 14);
	/* By address: the other ports are the same source, spent. */
	ck_assert_int_eq(untouched(LIMIT_ADDRESS, other_port, same_host), 0);
	/* Other hosts are other sources either way. */
	ck_assert_int_ge(untouched(LIMIT_ADDRESS, same_port, other_host), 14);
}
END_TEST

/* ::ffff:192.0.2.1 is the host 192.0.2.1: one budget. */
START_TEST(test_mapped_is_ipv4)
{
	struct limit *l = limit_new(1000 * 1000, 3, LIMIT_PORT);
	struct sockaddr_in a = v4("192.0.2.1", 4000);
	struct sockaddr_in6 m;

	ck_assert_ptr_nonnull(l);
	memset(&m, 0, sizeof m);
	m.sin6_family = AF_INET6;
	m.sin6_port = htons(4000);
	ck_assert_int_eq(inet_pton(AF_INET6, "::ffff:192.0.2.1", &m.sin6_addr), 1);
	ck_assert_int_eq(takes(l, &a, 3), 3);
	ck_assert_int_eq(limit_take(l, (struct sockaddr *)&m, sizeof m), 0);
	limit_free(l);
}
END_TEST

/* Unix senders by name; two names, two budgets (bar a shared slot). */
START_TEST(test_unix_names)
{
	struct limit *l = limit_new(1000 * 1000, 1, LIMIT_PORT);
	struct sockaddr_un u;
	socklen_t len;
	int i, fresh = 0;

	ck_assert_ptr_nonnull(l);
	for (i = 0; i < 16; i++) {
		memset(&u, 0, sizeof u);
		u.sun_family = AF_UNIX;
		len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
		    (size_t)snprintf(u.sun_path, sizeof u.sun_path, "/tmp/c%d", i) + 1);
		fresh += limit_take(l, (struct sockaddr *)&u, len);
		ck_assert_int_eq(limit_take(l, (struct sockaddr *)&u, len), 0);
	}
	ck_assert_int_ge(fresh, 14);
	limit_free(l);
}
END_TEST

/* A child forked after the table spends the budget the parent sees. */
START_TEST(test_shared_with_children)
{
	struct limit *l = limit_new(1000 * 1000, 4, LIMIT_PORT);
	struct sockaddr_in a = v4("192.0.2.1", 4000);
	int status;
	pid_t pid;

	ck_assert_ptr_nonnull(l);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0)
		_exit(takes(l, &a, 4) == 4 ? 0 : 1);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_int_eq(takes(l, &a, 1), 0);
	limit_free(l);
}
END_TEST

START_TEST(test_no_table_no_limit)
{
	struct sockaddr_in a = v4("192.0.2.1", 4000);

	ck_assert_int_eq(takes(NULL, &a, 1000), 1000);
	limit_free(NULL);
}
END_TEST

/* The log table: one line a source a minute. */
START_TEST(test_log_once_a_minute)
{
	struct limit *l = limit_new_log();
	struct sockaddr_in a = v4("192.0.2.1", 4000), b = v4("192.0.2.1", 5000);

	ck_assert_ptr_nonnull(l);
	ck_assert_int_eq(takes(l, &a, 1), 1);
	ck_assert_int_eq(takes(l, &a, 100), 0);
	/* Another port of the same host is the same source. */
	ck_assert_int_eq(takes(l, &b, 1), 0);
	limit_free(l);
}
END_TEST

static Suite *
limit_suite(void)
{
	Suite *s = suite_create("limit");
	TCase *tc = tcase_create("limit");

	tcase_add_test(tc, test_burst_then_one_an_interval);
	tcase_add_test(tc, test_sources_apart);
	tcase_add_test(tc, test_mapped_is_ipv4);
	tcase_add_test(tc, test_unix_names);
	tcase_add_test(tc, test_shared_with_children);
	tcase_add_test(tc, test_no_table_no_limit);
	tcase_add_test(tc, test_log_once_a_minute);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(limit_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
