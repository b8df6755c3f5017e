/* hist: a histogram that adds up and answers percentiles; see hist.h. */
#include <math.h>
#include <string.h>

#include "hist.h"

void
hist_init(struct hist *h)
{
	memset(h, 0, sizeof *h);
}

int
hist_find_bucket(unsigned long long v)
{
	int msb, shift;

	if (v < HIST_EXACT)
		return (int)v;
	msb = 63 - __builtin_clzll(v);
	shift = msb - 5;			/* v >> shift is in [32, 64) */
	if (shift > 57)
		return HIST_BUCKETS - 1;
	return HIST_EXACT + (shift - 1) * HIST_SUB + (int)((v >> shift) - HIST_SUB);
}

/* The value bucket b stands for: itself when exact, else its middle. */
static double
bucket_value(int b)
{
	int shift, sub;

	if (b < HIST_EXACT)
		return b;
	shift = (b - HIST_EXACT) / HIST_SUB + 1;
	sub = (b - HIST_EXACT) % HIST_SUB + HIST_SUB;
	return ((double)sub + 0.5) * (double)(1ULL << shift);
}

void
hist_add(struct hist *h, unsigned long long v)
{
	h->count[hist_find_bucket(v)]++;
	h->n++;
	h->sum += v;
	h->sumsq += (double)v * (double)v;
	if (v > h->max)
		h->max = v;
}

void
hist_merge(struct hist *sum, const struct hist *h)
{
	int b;

	for (b = 0; b < HIST_BUCKETS; b++)
		sum->count[b] += h->count[b];
	sum->n += h->n;
	sum->sum += h->sum;
	sum->sumsq += h->sumsq;
	if (h->max > sum->max)
		sum->max = h->max;
}

double
hist_find_percentile(const struct hist *h, double p)
{
	unsigned long long rank, seen = 0;
	double v;
	int b;

	if (h->n == 0)
		return 0;
	/* ceil(p * n), the slack for a product a hair above whole (0.07 * 100). */
	rank = (unsigned long long)(p * (double)h->n + 0.999999);
	for (b = 0; b < HIST_BUCKETS; b++)
		if ((seen += h->count[b]) >= rank)
			break;
	if (b == HIST_BUCKETS)
		return (double)h->max;
	v = bucket_value(b);
	return v > (double)h->max ? (double)h->max : v;
}

double
hist_mean(const struct hist *h)
{
	return h->n == 0 ? 0 : (double)h->sum / (double)h->n;
}

double
hist_stddev(const struct hist *h)
{
	double mean = hist_mean(h), var;

	if (h->n == 0)
		return 0;
	/* Rounding can leave a hair below 0 when every value is the same. */
	var = h->sumsq / (double)h->n - mean * mean;
	return var > 0 ? sqrt(var) : 0;
}
