/* opt: the command-line conventions every program shares, on top of getopt(3). */
#ifndef TINCAN_OPT_H
#define TINCAN_OPT_H

#include <stddef.h>

/* What opt_next returns besides an option letter. */
#define OPT_END		(-1)	/* no more options: operands start at optind */
#define OPT_HELP	(-2)	/* -h or --help */
#define OPT_VERSION	(-3)	/* -V or --version */
#define OPT_BAD		(-4)	/* an unknown letter or a missing value: see why */

/*
 * opt_next: the next option of argv, as getopt(3) finds it in optstring
 * ("46t:"; h and V are added).  Returns the letter, or one of the OPT_
 * values above, with the reason in why for OPT_BAD.
 */
int	opt_next(int argc, char **argv, const char *optstring, char *why,
	    size_t whylen);

/*
 * opt_num: the value arg of option opt, a decimal in [min, max].  Returns
 * 0, or -1 with the reason in why: "-t abc: not a number (0 to 86400)".
 */
int	opt_num(int opt, const char *arg, long long min, long long max,
	    long long *out, char *why, size_t whylen);

/*
 * opt_usage: what OPT_HELP, OPT_VERSION or OPT_BAD call for: the usage line
 * or the version on standard output, or why and the usage line on standard
 * error.  extra, when not NULL, is more help text.  Returns the exit
 * status: 0, or 2 for OPT_BAD.
 */
int	opt_usage(int found, const char *synopsis, const char *extra,
	    const char *why);

#endif
