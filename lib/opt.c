/* opt: the command-line conventions every program shares, on top of getopt(3). */
/* Said outright: with _XOPEN_SOURCE alone, glibc's getopt permutes argv. */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "num.h"
#include "opt.h"

/* Where the pages are installed; the build says (Makefile.am). */
#ifndef TINCAN_MANDIR
#define TINCAN_MANDIR	"/usr/local/share/man"
#endif

/* The two options every program takes, from opt_next. */
static const struct opt_doc common[] = {
	{ 'h', NULL, "show this help and exit" },
	{ 'V', NULL, "show the version and exit" },
	{ 0, NULL, NULL }
};

/* The getopt(3) string of opts: "46b:d...", then "hV". */
static void
opt_letters(const struct opt_doc *opts, char *buf, size_t size)
{
	size_t n = 0;

	buf[n++] = ':';		/* a missing value is told from an unknown letter */
	for (; opts->letter != 0 && n + 3 < size; opts++) {
		buf[n++] = (char)opts->letter;
		if (opts->arg != NULL)
			buf[n++] = ':';
	}
	buf[n] = '\0';
	snprintf(buf + n, size - n, "hV");
}

int
opt_next(int argc, char **argv, const struct opt_doc *opts, char *why,
    size_t whylen)
{
	char letters[OPT_MAX * 2 + 4];
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
	opt_letters(opts, letters, sizeof letters);
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

/*
 * The microseconds of the decimal seconds s, or -1 when s is not one;
 * past limit_us, limit_us + 1 (so a huge number is too large, not wrapped).
 */
static long long
seconds_us(const char *s, long long limit_us, const char **why)
{
	long long us = 0, unit = 1000000;
	const char *p = s;

	*why = "not a number of seconds";
	if (!isdigit((unsigned char)*p) &&
	    !(*p == '.' && isdigit((unsigned char)p[1])))
		return -1;
	for (; isdigit((unsigned char)*p); p++)
		if ((us = us * 10 + (*p - '0')) > limit_us / 1000000)
			us = limit_us / 1000000 + 1;	/* stays too large */
	us *= 1000000;
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++) {
			if ((unit /= 10) == 0) {
				*why = "finer than a microsecond";
				return -1;
			}
			us += (*p - '0') * unit;
		}
	return *p == '\0' ? us : -1;
}

int
opt_seconds(int opt, const char *arg, long long min_us, long long max_us,
    long long *out_us, char *why, size_t whylen)
{
	char lo[32], hi[32];
	const char *reason;
	long long us;

	us = seconds_us(arg, max_us, &reason);
	if (us != -1 && us < min_us)
		reason = "too small";
	else if (us > max_us)
		reason = "too large";
	else if (us != -1) {
		*out_us = us;
		return 0;
	}
	snprintf(why, whylen, "-%c %s: %s (%s to %s)", opt, arg, reason,
	    opt_format_seconds(min_us, lo, sizeof lo),
	    opt_format_seconds(max_us, hi, sizeof hi));
	return -1;
}

char *
opt_format_seconds(long long us, char *buf, size_t size)
{
	int places = 6;
	long long frac = us % 1000000;

	while (places > 0 && frac % 10 == 0) {
		frac /= 10;
		places--;
	}
	if (places == 0)
		snprintf(buf, size, "%lld", us / 1000000);
	else
		snprintf(buf, size, "%lld.%0*lld", us / 1000000, places, frac);
	return buf;
}

int
opt_operands(int argc, char **argv, int max, const char *first, char *why,
    size_t whylen)
{
	const char *extra;

	if (argc - optind <= max)
		return 0;
	extra = argv[optind + max];
	if (extra[0] == '-' && extra[1] != '\0')
		snprintf(why, whylen, "too many operands: '%s' (options go "
		    "before %s)", extra, first);
	else
		snprintf(why, whylen, "too many operands: '%s'", extra);
	return -1;
}

/* Digits first, then letters as a dictionary has them, V before v. */
static int
by_letter(const void *a, const void *b)
{
	int x = (*(const struct opt_doc *const *)a)->letter;
	int y = (*(const struct opt_doc *const *)b)->letter;

	if (tolower(x) != tolower(y))
		return tolower(x) - tolower(y);
	return x - y;
}

/* The options of p and the common ones, sorted, into list; their count. */
static size_t
opt_sorted(const struct opt_prog *p, const struct opt_doc **list)
{
	const struct opt_doc *d;
	size_t n = 0;

	for (d = common; d->letter != 0; d++)
		list[n++] = d;
	for (d = p->opts; d != NULL && d->letter != 0 && n < OPT_MAX; d++)
		list[n++] = d;
	qsort(list, n, sizeof *list, by_letter);
	return n;
}

char *
opt_synopsis(const struct opt_prog *p, char *buf, size_t size)
{
	const struct opt_doc *list[OPT_MAX];
	char flags[OPT_MAX + 1];
	size_t n = opt_sorted(p, list), i, nflags = 0, len;

	for (i = 0; i < n; i++)
		if (list[i]->arg == NULL)
			flags[nflags++] = (char)list[i]->letter;
	flags[nflags] = '\0';
	len = (size_t)snprintf(buf, size, "[-%s]", flags);
	for (i = 0; i < n && len < size; i++)
		if (list[i]->arg != NULL)
			len += (size_t)snprintf(buf + len, size - len, " [-%c %s]",
			    list[i]->letter, list[i]->arg);
	if (len < size && p->operands != NULL)
		snprintf(buf + len, size - len, " %s", p->operands);
	return buf;
}

/* Print text from column indent, its words wrapped before column 80. */
static void
opt_wrap(const char *text, int indent)
{
	int col = indent, len;

	while (*text != '\0') {
		len = (int)strcspn(text, " ");
		if (col > indent && col + 1 + len >= 80) {
			printf("\n%*s", indent, "");
			col = indent;
		} else if (col > indent) {
			putchar(' ');
			col++;
		}
		printf("%.*s", len, text);
		col += len;
		text += len;
		text += strspn(text, " ");
	}
	putchar('\n');
}

/* --help: the usage line, what the program is, its options, the rest. */
static void
opt_help(const struct opt_prog *p)
{
	char manual[PATH_MAX + 128];
	const struct opt_doc *list[OPT_MAX];
	size_t n = opt_sorted(p, list), i;
	char synopsis[1024], left[64];

	printf("usage: %s %s\n", p->name, opt_synopsis(p, synopsis,
	    sizeof synopsis));
	printf("%s: %s\n\nOptions, which go before the operands:\n", p->name,
	    p->what);
	for (i = 0; i < n; i++) {
		if (list[i]->letter == 'h')
			snprintf(left, sizeof left, "-h, --help");
		else if (list[i]->letter == 'V')
			snprintf(left, sizeof left, "-V, --version");
		else
			snprintf(left, sizeof left, "-%c%s%s", list[i]->letter,
			    list[i]->arg != NULL ? " " : "",
			    list[i]->arg != NULL ? list[i]->arg : "");
		printf("  %-15s ", left);
		opt_wrap(list[i]->text, 18);
	}
	if (p->more != NULL)
		printf("\n%s", p->more);
	/* Wrapped: the directory is as long as the prefix chosen makes it. */
	snprintf(manual, sizeof manual, "The manual: man %d %s, once installed "
	    "(in %s);", p->section, p->name, TINCAN_MANDIR);
	putchar('\n');
	opt_wrap(manual, 0);
	printf("in the source tree: man -l man/%s.%d\n", p->name, p->section);
}

int
opt_usage(int found, const struct opt_prog *p, const char *why)
{
	char synopsis[1024];

	if (found == OPT_VERSION) {
		printf("%s (%s) %s\n", log_prog(), PACKAGE_NAME, PACKAGE_VERSION);
		return 0;
	}
	if (found == OPT_HELP) {
		opt_help(p);
		return 0;
	}
	log_error("%s", why);
	fprintf(stderr, "usage: %s %s\n", p->name, opt_synopsis(p, synopsis,
	    sizeof synopsis));
	return 2;
}
