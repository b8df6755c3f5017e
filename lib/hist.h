/*
 * hist: a histogram of values (loadcli's latencies, in microseconds) that
 * adds up and answers percentiles.  The buckets are log-linear and fixed:
 * below HIST_EXACT each value has a bucket of its own; above, each power
 * of two is cut into HIST_SUB buckets, about 3% wide.  Fixed buckets let
 * histograms kept apart (one per loadcli child) be merged bucket by bucket.
 * The sum of the values and of their squares, kept beside the buckets,
 * give the exact mean and standard deviation, and merge as well.
 */
#ifndef TINCAN_HIST_H
#define TINCAN_HIST_H

#define HIST_EXACT	64
#define HIST_SUB	32
#define HIST_BUCKETS	(HIST_EXACT + 58 * HIST_SUB)

struct hist {
	unsigned long long count[HIST_BUCKETS];
	unsigned long long n;		/* values added */
	unsigned long long max;		/* the largest of them; 0 when none */
	unsigned long long sum;		/* their sum */
	double		sumsq;		/* the sum of their squares */
};

/* hist_init: make h empty. */
void	hist_init(struct hist *h);

/* hist_add: count the value v in h. */
void	hist_add(struct hist *h, unsigned long long v);

/* hist_merge: add every value counted in h to sum, as if added there. */
void	hist_merge(struct hist *sum, const struct hist *h);

/*
 * hist_find_bucket: the index of the bucket v is counted in: v itself
 * below HIST_EXACT; the last bucket for values of 2^63 and above.
 */
int	hist_find_bucket(unsigned long long v);

/*
 * hist_find_percentile: the value below or at which a fraction p (0 to 1)
 * of the values in h lie, by nearest rank: the ceil(p * n)th smallest, as
 * its bucket tells it (the value itself below HIST_EXACT, else the middle
 * of the bucket), never more than the max.  0 when h is empty.
 */
double	hist_find_percentile(const struct hist *h, double p);

/* hist_mean: the mean of the values in h; 0 when h is empty. */
double	hist_mean(const struct hist *h);

/*
 * hist_stddev: the standard deviation of the values in h, as those of a
 * whole population (divided by n, not n - 1); 0 when h is empty.
 */
double	hist_stddev(const struct hist *h);

#endif
