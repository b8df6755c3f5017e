/* opt: the command-line conventions every program shares, on top of getopt(3). */
/* Said outright: with _XOPEN_SOURCE alone, glibc's getopt permutes argv. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "num.h"
#include "opt.h"

int
opt_next(int argc, char **argv, const char *optstring, char *why,
    size_t whylen)
{
	char letters[64];
	int opt;

	if (optind < argc && strcmp(argv[optind], "--help") == 0)
		return OPT_HELP;
	if (optind < argc && strcmp(argv[optind], "--version") == 0)
		return OPT_VERSION;
	if (optind < argc && strncmp(argv[optind], "--", 2) == 0 &&
	    argv[optind][2] != '\0') {
		snprintf(why, whylen, "unknown option '%s'", argv[optind]);
		return OPT_BAD;
	}
	/*
	 * This is POSIX getopt (no _GNU_SOURCE here): options stop at the
	 * first operand, as in BSD, so "iterd 9877 -v" is two operands.
	 */
	/* A leading ':' makes getopt tell a missing value from an unknown letter. */
	snprintf(letters, sizeof letters, ":%shV", optstring);
	opterr = 0;
	switch (opt = getopt(argc, argv, letters)) {
	case -1:
		return OPT_END;
	case 'h':
		return OPT_HELP;
	case 'V':
		return OPT_VERSION;
	case ':':
		snprintf(why, whylen, "option '-%c' needs a value", optopt);
		return OPT_BAD;
	case '?':
		snprintf(why, whylen, "unknown option '-%c'", optopt);
		return OPT_BAD;
	default:
		return opt;
	}
}

int
opt_num(int opt, const char *arg, long long min, long long max,
    long long *out, char *why, size_t whylen)
{
	const char *numwhy;

	if (num_parse(arg, min, max, out, &numwhy) == -1) {
		snprintf(why, whylen, "-%c %s: %s (%lld to %lld)", opt, arg,
		    numwhy, min, max);
		return -1;
	}
	return 0;
}

int
opt_usage(int found, const char *synopsis, const char *extra,
    const char *why)
{
	if (found == OPT_VERSION) {
		printf("%s (%s) %s\n", log_prog(), PACKAGE_NAME, PACKAGE_VERSION);
		return 0;
	}
	if (found == OPT_HELP) {
		printf("usage: %s %s\n%s", log_prog(), synopsis,
		    extra != NULL ? extra : "");
		return 0;
	}
	log_error("%s", why);
	fprintf(stderr, "usage: %s %s\n", log_prog(), synopsis);
	return 2;
}
