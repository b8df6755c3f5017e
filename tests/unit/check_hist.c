/*
 * check_hist: loadcli's latency histogram.  Exact buckets at the edges of
 * every power of two; exact percentiles by nearest rank for known sets,
 * small counts above all, where a rank rounded the wrong way shows;
 * histograms merged as loadcli merges its children's; the empty one; max.
 */
#include <check.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "hist.h"

/* The first bucket of the power of two 2^k, for k from 6 to 62. */
static int
first_of_power(int k)
{
	return HIST_EXACT + (k - 6) * HIST_SUB;
}

/* A histogram of the n values v[]. */
static void
hist_of(struct hist *h, const unsigned long long *v, size_t n)
{
	size_t i;

	hist_init(h);
	for (i = 0; i < n; i++)
		hist_add(h, v[i]);
}

START_TEST(test_values_below_64_have_a_bucket_each)
{
	unsigned long long v;

	for (v = 0; v < HIST_EXACT; v++)
		ck_assert_int_eq(hist_find_bucket(v), (int)v);
}
END_TEST

/* 2^k opens a bucket; 2^k - 1 closes the one before; 32 buckets a power. */
START_TEST(test_bucket_edges_at_every_power_of_two)
{
	unsigned long long p, step;
	int k, j;

	for (k = 6; k <= 62; k++) {
		p = 1ULL << k;
		step = p / HIST_SUB;
		ck_assert_int_eq(hist_find_bucket(p), first_of_power(k));
		ck_assert_int_eq(hist_find_bucket(p - 1), first_of_power(k) - 1);
		for (j = 0; j < HIST_SUB; j++) {
			ck_assert_int_eq(hist_find_bucket(p + j * step),
			    first_of_power(k) + j);
			ck_assert_int_eq(hist_find_bucket(p + (j + 1) * step - 1),
			    first_of_power(k) + j);
		}
	}
}
END_TEST

START_TEST(test_known_buckets)
{
	ck_assert_int_eq(hist_find_bucket(64), 64);
	ck_assert_int_eq(hist_find_bucket(65), 64);	/* 2 wide from 64 */
	ck_assert_int_eq(hist_find_bucket(66), 65);
	ck_assert_int_eq(hist_find_bucket(127), 95);
	ck_assert_int_eq(hist_find_bucket(128), 96);
	ck_assert_int_eq(hist_find_bucket(131), 96);	/* 4 wide from 128 */
	ck_assert_int_eq(hist_find_bucket(132), 97);
	ck_assert_int_eq(hist_find_bucket(200000), 64 + 11 * 32 + 16);
	ck_assert_int_eq(hist_find_bucket((1ULL << 63) - 1),
	    first_of_power(62) + 31);
	ck_assert_int_eq(hist_find_bucket(1ULL << 63), HIST_BUCKETS - 1);
	ck_assert_int_eq(hist_find_bucket(ULLONG_MAX), HIST_BUCKETS - 1);
}
END_TEST

/* Up to 2^20, a value is in the bucket of the one before it or the next. */
START_TEST(test_buckets_never_go_back_or_skip)
{
	unsigned long long v;
	int b, prev = hist_find_bucket(0);

	/* An assertion marks a point each time: only the failure asserts. */
	for (v = 1; v <= 1ULL << 20; v++) {
		b = hist_find_bucket(v);
		if (b != prev && b != prev + 1)
			ck_abort_msg("%llu is in bucket %d, %llu in %d", v - 1,
			    prev, v, b);
		prev = b;
	}
}
END_TEST

START_TEST(test_empty_histogram)
{
	struct hist h;

	hist_init(&h);
	ck_assert_uint_eq(h.n, 0);
	ck_assert_uint_eq(h.max, 0);
	ck_assert_double_eq(hist_find_percentile(&h, 0.5), 0);
	ck_assert_double_eq(hist_find_percentile(&h, 0.99), 0);
	ck_assert_double_eq(hist_find_percentile(&h, 1.0), 0);
}
END_TEST

/* Nearest rank, ceil(p * n), where p * n is not whole. */
START_TEST(test_percentiles_of_small_sets)
{
	static const unsigned long long one_to_60[60] = {
		1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18,
		19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34,
		35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50,
		51, 52, 53, 54, 55, 56, 57, 58, 59, 60
	};
	static const unsigned long long shuffled[4] = { 4, 1, 3, 2 };
	struct hist h;

	hist_of(&h, shuffled, 4);
	ck_assert_double_eq(hist_find_percentile(&h, 0.5), 2);	/* rank 2 */
	ck_assert_double_eq(hist_find_percentile(&h, 0.9), 4);	/* 3.6: 4 */
	ck_assert_double_eq(hist_find_percentile(&h, 1.0), 4);
	hist_of(&h, one_to_60, 3);
	ck_assert_double_eq(hist_find_percentile(&h, 0.5), 2);	/* 1.5: 2 */
	hist_of(&h, one_to_60, 1);
	ck_assert_double_eq(hist_find_percentile(&h, 0.5), 1);
	ck_assert_double_eq(hist_find_percentile(&h, 0.99), 1);
	hist_of(&h, one_to_60, 10);
	ck_assert_double_eq(hist_find_percentile(&h, 0.5), 5);
	ck_assert_double_eq(hist_find_percentile(&h, 0.9), 9);	/* not 10 */
	ck_assert_double_eq(hist_find_percentile(&h, 0.99), 10);	/* 9.9: 10 */
	hist_of(&h, one_to_60, 16);
	ck_assert_double_eq(hist_find_percentile(&h, 0.9), 15);	/* 14.4: 15 */
	hist_of(&h, one_to_60, 60);
	ck_assert_double_eq(hist_find_percentile(&h, 0.5), 30);
	ck_assert_double_eq(hist_find_percentile(&h, 0.9), 54);
	ck_assert_double_eq(hist_find_percentile(&h, 0.99), 60);	/* 59.4: 60 */
}
END_TEST

/* p99 of 100 values is the 99th: one slow value in 100 is past it. */
START_TEST(test_p99_of_100_values)
{
	struct hist h;
	int i;

	hist_init(&h);
	for (i = 0; i < 99; i++)
		hist_add(&h, 1);
	hist_add(&h, 50);
	ck_assert_double_eq(hist_find_percentile(&h, 0.99), 1);
	ck_assert_double_eq(hist_find_percentile(&h, 1.0), 50);
	hist_add(&h, 50);		/* 101 values: rank 99.99, so 100 */
	ck_assert_double_eq(hist_find_percentile(&h, 0.99), 50);
}
END_TEST

/*
 * Every count from 1 to 1000 and p of 0.5, 0.9 and 0.99: with the value 2
 * at rank ceil(p * n) alone, 1 below it and 3 above, the answer is 2.
 */
START_TEST(test_rank_is_ceil_for_every_count)
{
	static const int per_mille[] = { 500, 900, 990 };
	struct hist h;
	unsigned n, want, i;
	size_t k;

	for (k = 0; k < sizeof per_mille / sizeof per_mille[0]; k++)
		for (n = 1; n <= 1000; n++) {
			want = (per_mille[k] * n + 999) / 1000;
			hist_init(&h);
			for (i = 1; i <= n; i++)
				hist_add(&h, i < want ? 1 : i == want ? 2 : 3);
			ck_assert_msg(hist_find_percentile(&h, per_mille[k] / 1000.0) == 2,
			    "p%g of %u values is not the value at rank %u",
			    per_mille[k] / 10.0, n, want);
		}
}
END_TEST

/* Above 64 a percentile is the middle of its bucket, but never past max. */
START_TEST(test_percentile_is_the_bucket_middle_up_to_max)
{
	struct hist h;

	hist_init(&h);
	hist_add(&h, 200000);		/* [196608, 200704): middle 198656 */
	hist_add(&h, 300000);
	ck_assert_double_eq(hist_find_percentile(&h, 0.5), 198656);
	hist_init(&h);
	hist_add(&h, 100);		/* [100, 102): middle 101 */
	hist_add(&h, 100);
	ck_assert_double_eq(hist_find_percentile(&h, 0.5), 100);	/* max */
	hist_add(&h, 1000);
	ck_assert_double_eq(hist_find_percentile(&h, 0.5), 101);
	ck_assert_double_eq(hist_find_percentile(&h, 0.99), 1000);
}
END_TEST

START_TEST(test_max_and_count)
{
	struct hist h;

	hist_init(&h);
	hist_add(&h, 7);
	hist_add(&h, 123456789);
	hist_add(&h, 0);
	hist_add(&h, 5000);
	ck_assert_uint_eq(h.n, 4);
	ck_assert_uint_eq(h.max, 123456789);
	/* max is exact; p100 is the middle of max's bucket, here below it. */
	ck_assert_double_eq(hist_find_percentile(&h, 1.0), 58.5 * (1 << 21));
	hist_add(&h, ULLONG_MAX);
	ck_assert_uint_eq(h.max, ULLONG_MAX);
	ck_assert_uint_eq(h.count[HIST_BUCKETS - 1], 1);
}
END_TEST

/*
 * As loadcli merges its children: three histograms, one of them empty,
 * add up to the histogram of all their values, and the percentiles of the
 * sum are none of any one child's.
 */
START_TEST(test_merge_children)
{
	static const unsigned long long fast[] = { 3, 1, 2, 2, 1, 3, 2, 1 };
	static const unsigned long long slow[] = { 200000, 250000, 210000, 220000 };
	static const unsigned long long all[] = { 3, 1, 2, 2, 1, 3, 2, 1,
		200000, 250000, 210000, 220000 };
	struct hist child[3], sum, direct;

	hist_of(&child[0], slow, 4);
	hist_init(&child[1]);
	hist_of(&child[2], fast, 8);
	hist_init(&sum);
	hist_merge(&sum, &child[0]);
	hist_merge(&sum, &child[1]);
	hist_merge(&sum, &child[2]);
	hist_of(&direct, all, 12);
	ck_assert_uint_eq(sum.n, 12);
	ck_assert_uint_eq(sum.max, 250000);
	ck_assert_mem_eq(sum.count, direct.count, sizeof sum.count);
	/* 8 fast, 4 slow: p50 (rank 6) is fast, p90 (rank 11) is slow. */
	ck_assert_double_eq(hist_find_percentile(&sum, 0.5), 2);
	ck_assert_double_eq(hist_find_percentile(&sum, 0.9), 219136);
	ck_assert_double_eq(hist_find_percentile(&sum, 0.99), 250000);
	ck_assert_double_eq(hist_find_percentile(&child[0], 0.5), 210944);
	ck_assert_double_eq(hist_find_percentile(&child[2], 0.9), 3);
	/* The children are left as they were. */
	ck_assert_uint_eq(child[0].n, 4);
	ck_assert_uint_eq(child[2].max, 3);
}
END_TEST

/* Merging into a sum that has values keeps them, and a larger max. */
START_TEST(test_merge_keeps_what_the_sum_had)
{
	struct hist sum, h;

	hist_init(&sum);
	hist_add(&sum, 9000);
	hist_init(&h);
	hist_add(&h, 5);
	hist_merge(&sum, &h);
	ck_assert_uint_eq(sum.n, 2);
	ck_assert_uint_eq(sum.max, 9000);
	ck_assert_uint_eq(sum.count[5], 1);
	ck_assert_uint_eq(sum.count[hist_find_bucket(9000)], 1);
	hist_init(&h);
	hist_merge(&sum, &h);		/* an empty child changes nothing */
	ck_assert_uint_eq(sum.n, 2);
	ck_assert_uint_eq(sum.max, 9000);
	ck_assert_double_eq(hist_find_percentile(&sum, 0.5), 5);
}
END_TEST

/* The mean and deviation of known sets, exact, whatever the buckets. */
START_TEST(test_mean_and_stddev)
{
	static const unsigned long long v[] = { 2, 4, 4, 4, 5, 5, 7, 9 };
	static const unsigned long long same[] = { 1000003, 1000003, 1000003 };
	struct hist h;

	hist_of(&h, v, 8);
	ck_assert_double_eq_tol(hist_mean(&h), 5.0, 1e-12);
	ck_assert_double_eq_tol(hist_stddev(&h), 2.0, 1e-12);
	/* Far above the exact buckets, where a bucket's middle would be off. */
	hist_of(&h, same, 3);
	ck_assert_double_eq_tol(hist_mean(&h), 1000003.0, 1e-6);
	ck_assert_double_eq_tol(hist_stddev(&h), 0.0, 1e-6);
	hist_init(&h);
	ck_assert_double_eq(hist_mean(&h), 0.0);
	ck_assert_double_eq(hist_stddev(&h), 0.0);
}
END_TEST

/* Merged, the sums give the mean and deviation of all the values. */
START_TEST(test_merge_keeps_mean_and_stddev)
{
	static const unsigned long long a[] = { 2, 4, 4, 4 }, b[] = { 5, 5, 7, 9 };
	struct hist ha, hb, sum;

	hist_of(&ha, a, 4);
	hist_of(&hb, b, 4);
	hist_init(&sum);
	hist_merge(&sum, &ha);
	hist_merge(&sum, &hb);
	ck_assert_double_eq_tol(hist_mean(&sum), 5.0, 1e-12);
	ck_assert_double_eq_tol(hist_stddev(&sum), 2.0, 1e-12);
}
END_TEST

static Suite *
hist_suite(void)
{
	Suite *s = suite_create("hist");
	TCase *buckets = tcase_create("buckets");
	TCase *percentiles = tcase_create("percentiles");
	TCase *merge = tcase_create("merge");

	tcase_add_test(buckets, test_values_below_64_have_a_bucket_each);
	tcase_add_test(buckets, test_bucket_edges_at_every_power_of_two);
	tcase_add_test(buckets, test_known_buckets);
	tcase_add_test(buckets, test_buckets_never_go_back_or_skip);
	suite_add_tcase(s, buckets);
	tcase_add_test(percentiles, test_empty_histogram);
	tcase_add_test(percentiles, test_percentiles_of_small_sets);
	tcase_add_test(percentiles, test_p99_of_100_values);
	tcase_add_test(percentiles, test_rank_is_ceil_for_every_count);
	tcase_add_test(percentiles, test_percentile_is_the_bucket_middle_up_to_max);
	tcase_add_test(percentiles, test_max_and_count);
	tcase_add_test(percentiles, test_mean_and_stddev);
	tcase_set_timeout(percentiles, 30);
	suite_add_tcase(s, percentiles);
	tcase_add_test(merge, test_merge_children);
	tcase_add_test(merge, test_merge_keeps_what_the_sum_had);
	tcase_add_test(merge, test_merge_keeps_mean_and_stddev);
	suite_add_tcase(s, merge);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(hist_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
