/*
 * check_num: the one bounded parser.  Every number from a command line or
 * the wire goes through num_parse, so each refusal is checked with its
 * reason and its errno, and a refusal must leave *out alone.
 */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include "num.h"

struct num_case {
	const char	*s;
	long long	 min, max;
	const char	*why;		/* NULL: valid */
	int		 err;		/* errno when refused */
	long long	 value;		/* when valid */
};

#define OK(s, min, max, v)	{ s, min, max, NULL, 0, v }
#define NOTNUM(s)			{ s, 0, 100, "not a number", EINVAL, 0 }
#define SMALL(s, min, max)	{ s, min, max, "too small", ERANGE, 0 }
#define LARGE(s, min, max)	{ s, min, max, "too large", ERANGE, 0 }

static const struct num_case num_cases[] = {
	OK("0", 0, 10, 0),
	OK("-0", 0, 10, 0),
	OK("7", 0, 10, 7),
	OK("007", 0, 10, 7),
	OK("-5", -5, 5, -5),			/* min itself */
	OK("5", -5, 5, 5),			/* max itself */
	OK("65535", 0, 65535, 65535),
	OK("9223372036854775807", LLONG_MIN, LLONG_MAX, LLONG_MAX),
	OK("-9223372036854775808", LLONG_MIN, LLONG_MAX, LLONG_MIN),

	SMALL("-6", -5, 5),			/* min - 1 */
	LARGE("6", -5, 5),			/* max + 1 */
	SMALL("-1", 0, 65535),
	LARGE("65536", 0, 65535),
	SMALL("0", 1, 16777216),
	LARGE("16777217", 1, 16777216),
	/* Past a long long: ERANGE from strtoll, not a wrapped value. */
	LARGE("9223372036854775808", LLONG_MIN, LLONG_MAX),
	SMALL("-9223372036854775809", LLONG_MIN, LLONG_MAX),
	LARGE("99999999999999999999", 0, 65535),
	SMALL("-99999999999999999999", 0, 65535),
	LARGE("99999999999999999999999999999999999999", LLONG_MIN, LLONG_MAX),

	NOTNUM(""),
	NOTNUM(" 1"),
	NOTNUM("\t1"),
	NOTNUM("1 "),
	NOTNUM("+1"),
	NOTNUM("1x"),
	NOTNUM("12abc"),
	NOTNUM("-"),
	NOTNUM("--1"),
	NOTNUM("-+1"),
	NOTNUM("- 1"),
	NOTNUM("0x10"),
	NOTNUM("1.5"),
	NOTNUM("1e3"),
	NOTNUM("1\n"),
	NOTNUM("abc"),
};

START_TEST(test_parse_value_or_reason_and_errno)
{
	const struct num_case *t = &num_cases[_i];
	const long long untouched = 0x5a5a5a5aLL;
	long long v = untouched;
	const char *why = NULL;
	int rc;

	errno = 0;
	rc = num_parse(t->s, t->min, t->max, &v, &why);
	if (t->why == NULL) {
		ck_assert_msg(rc == 0, "\"%s\" in [%lld, %lld] refused: %s",
		    t->s, t->min, t->max, why);
		ck_assert_int_eq(v, t->value);
		return;
	}
	ck_assert_msg(rc == -1, "\"%s\" in [%lld, %lld] taken as %lld",
	    t->s, t->min, t->max, v);
	ck_assert_ptr_nonnull(why);
	ck_assert_str_eq(why, t->why);
	ck_assert_int_eq(errno, t->err);
	ck_assert_int_eq(v, untouched);
}
END_TEST

/* A stale ERANGE from an earlier call must not refuse a good number. */
START_TEST(test_stale_errno_is_ignored)
{
	long long v = -1;
	const char *why = NULL;

	errno = ERANGE;
	ck_assert_int_eq(num_parse("42", 0, 100, &v, &why), 0);
	ck_assert_int_eq(v, 42);
	errno = EINVAL;
	ck_assert_int_eq(num_parse("-9223372036854775808", LLONG_MIN, 0, &v,
	    &why), 0);
	ck_assert_int_eq(v, LLONG_MIN);
}
END_TEST

static Suite *
num_suite(void)
{
	Suite *s = suite_create("num");
	TCase *tc = tcase_create("parse");

	tcase_add_loop_test(tc, test_parse_value_or_reason_and_errno, 0,
	    (int)(sizeof num_cases / sizeof num_cases[0]));
	tcase_add_test(tc, test_stale_errno_is_ignored);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(num_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
