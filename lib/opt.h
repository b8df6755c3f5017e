/* opt: the command-line conventions every program shares, on top of getopt(3). */
#ifndef TINCAN_OPT_H
#define TINCAN_OPT_H

#include <stddef.h>

/* What opt_next returns besides an option letter. */
#define OPT_END		(-1)	/* no more options: operands start at optind */
#define OPT_HELP	(-2)	/* -h or --help */
#define OPT_VERSION	(-3)	/* -V or --version */
#define OPT_BAD		(-4)	/* an unknown letter or a missing value: see why */

/* One option, as the usage line and --help show it. */
struct opt_doc {
	int		letter;		/* 0 ends a list */
	const char	*arg;		/* the value's name, or NULL for a flag */
	const char	*text;		/* what it does, and its default */
};

/* -4 and -6, for the opts of a program that takes IP addresses. */
#define OPT_DOC_FAMILY \
	{ '4', NULL, "IPv4 only" }, \
	{ '6', NULL, "IPv6 only" }

/* The most options a program has, -h and -V included. */
#define OPT_MAX		32

/* What a program says of itself in its usage line and in --help. */
struct opt_prog {
	const char	*name;		/* the program */
	int		section;	/* of its manual page: 1 or 8 */
	const char	*what;		/* one line: what the program is */
	const struct opt_doc *opts;	/* its options but -h and -V, any order */
	const char	*operands;	/* after the options: "[address]" */
	const char	*more;		/* lines on the operands and defaults */
};

/* Stringify the value of a macro, for a default in a text: OPT_STR(FOO). */
#define OPT_STR_(x)	#x
#define OPT_STR(x)	OPT_STR_(x)

/*
 * opt_next: the next option of argv, among those of opts (-h, --help,
 * -V and --version are added).  Returns the letter, or one of the OPT_
 * values above, with the reason in why for OPT_BAD.
 */
int	opt_next(int argc, char **argv, const struct opt_doc *opts, char *why,
	    size_t whylen);

/*
 * opt_num: the value arg of option opt, a decimal in [min, max].  Returns
 * 0, or -1 with the reason in why: "-t abc: not a number (0 to 86400)".
 */
int	opt_num(int opt, const char *arg, long long min, long long max,
	    long long *out, char *why, size_t whylen);

/*
 * opt_seconds: the value arg of option opt, seconds as a decimal with at
 * most 6 places ("5", "0.5", ".25"), in [min_us, max_us] microseconds.
 * Stores it in *out_us and returns 0, or returns -1 with the reason in
 * why: "-t 1x: not a number of seconds (0.001 to 86400)".  No exponent,
 * sign, blank or locale's decimal point: only digits and one '.'.
 */
int	opt_seconds(int opt, const char *arg, long long min_us, long long max_us,
	    long long *out_us, char *why, size_t whylen);

/*
 * opt_format_seconds: us microseconds as seconds, with the places it
 * needs and no more ("0.5", "60", "0.001"), into buf.  Returns buf.
 */
char	*opt_format_seconds(long long us, char *buf, size_t size);

/*
 * opt_operands: check that argv has at most max operands from optind on,
 * the first of which the program calls first ("the address").  Returns 0,
 * or -1 with the reason in why, which says that options go before the
 * operands when the one too many looks like an option:
 * "too many operands: '-v' (options go before the address)".
 */
int	opt_operands(int argc, char **argv, int max, const char *first,
	    char *why, size_t whylen);

/*
 * opt_synopsis: the usage line of p after the name, as its manual page
 * has it: "[-46dhVv] [-b backlog] ... [address]".  Returns buf.
 */
char	*opt_synopsis(const struct opt_prog *p, char *buf, size_t size);

/*
 * opt_usage: what OPT_HELP, OPT_VERSION or OPT_BAD call for: the version,
 * or the usage line and the help (what the program is, each option with
 * its default, p->more, and where the manual is), on standard output; or
 * why and the usage line on standard error.  Returns the exit status: 0,
 * or 2 for OPT_BAD.
 */
int	opt_usage(int found, const struct opt_prog *p, const char *why);

#endif
