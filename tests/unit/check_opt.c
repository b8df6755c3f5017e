/*
 * check_opt: the decimal seconds of options such as loadcli's -t and -D.
 * Each value is read to the microsecond with no floating point, each
 * refusal says why with the range as the user writes it, and a refusal
 * leaves *out alone.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "opt.h"

struct seconds_case {
	const char	*s;
	long long	 us;		/* when valid */
	const char	*why;		/* NULL: valid; else the whole message */
};

/* In [0.001 s, 86400 s], as loadcli's -t. */
#define MIN	1000LL
#define MAX	86400000000LL

static const struct seconds_case seconds_cases[] = {
	{ "5", 5000000, NULL },
	{ "0.5", 500000, NULL },
	{ ".25", 250000, NULL },
	{ "5.", 5000000, NULL },
	{ "007.50", 7500000, NULL },
	{ "0.001", 1000, NULL },			/* min itself */
	{ "86400", 86400000000LL, NULL },		/* max itself */
	{ "86400.000000", 86400000000LL, NULL },
	{ "1.000001", 1000001, NULL },
	{ "0.000999", 0, "-t 0.000999: too small (0.001 to 86400)" },
	{ "0", 0, "-t 0: too small (0.001 to 86400)" },
	{ "86400.000001", 0, "-t 86400.000001: too large (0.001 to 86400)" },
	/* Far past a long long: too large, not wrapped round. */
	{ "99999999999999999999999999", 0,
	    "-t 99999999999999999999999999: too large (0.001 to 86400)" },
	{ "1.0000001", 0,
	    "-t 1.0000001: finer than a microsecond (0.001 to 86400)" },
	{ "", 0, "-t : not a number of seconds (0.001 to 86400)" },
	{ ".", 0, "-t .: not a number of seconds (0.001 to 86400)" },
	{ "-1", 0, "-t -1: not a number of seconds (0.001 to 86400)" },
	{ "+1", 0, "-t +1: not a number of seconds (0.001 to 86400)" },
	{ " 1", 0, "-t  1: not a number of seconds (0.001 to 86400)" },
	{ "1 ", 0, "-t 1 : not a number of seconds (0.001 to 86400)" },
	{ "1e3", 0, "-t 1e3: not a number of seconds (0.001 to 86400)" },
	{ "0x10", 0, "-t 0x10: not a number of seconds (0.001 to 86400)" },
	{ "1,5", 0, "-t 1,5: not a number of seconds (0.001 to 86400)" },
	{ "1.2.3", 0, "-t 1.2.3: not a number of seconds (0.001 to 86400)" },
	{ "inf", 0, "-t inf: not a number of seconds (0.001 to 86400)" },
	{ "nan", 0, "-t nan: not a number of seconds (0.001 to 86400)" },
};

START_TEST(test_seconds_value_or_reason)
{
	const struct seconds_case *t = &seconds_cases[_i];
	const long long untouched = 0x5a5a5a5aLL;
	long long us = untouched;
	char why[128] = "";
	int rc;

	rc = opt_seconds('t', t->s, MIN, MAX, &us, why, sizeof why);
	if (t->why == NULL) {
		ck_assert_msg(rc == 0, "\"%s\" refused: %s", t->s, why);
		ck_assert_int_eq(us, t->us);
		return;
	}
	ck_assert_msg(rc == -1, "\"%s\" taken as %lld us", t->s, us);
	ck_assert_str_eq(why, t->why);
	ck_assert_int_eq(us, untouched);
}
END_TEST

START_TEST(test_format_seconds_has_the_places_it_needs)
{
	char buf[32];

	ck_assert_str_eq(opt_format_seconds(0, buf, sizeof buf), "0");
	ck_assert_str_eq(opt_format_seconds(60000000, buf, sizeof buf), "60");
	ck_assert_str_eq(opt_format_seconds(500000, buf, sizeof buf), "0.5");
	ck_assert_str_eq(opt_format_seconds(1000, buf, sizeof buf), "0.001");
	ck_assert_str_eq(opt_format_seconds(1000001, buf, sizeof buf), "1.000001");
	ck_assert_str_eq(opt_format_seconds(2250000, buf, sizeof buf), "2.25");
}
END_TEST

static Suite *
opt_suite(void)
{
	Suite *s = suite_create("opt");
	TCase *tc = tcase_create("seconds");

	tcase_add_loop_test(tc, test_seconds_value_or_reason, 0,
	    (int)(sizeof seconds_cases / sizeof seconds_cases[0]));
	tcase_add_test(tc, test_format_seconds_has_the_places_it_needs);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(opt_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
