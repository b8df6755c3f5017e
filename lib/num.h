/* num: the one bounded parser for every number from a command line or the wire. */
#ifndef TINCAN_NUM_H
#define TINCAN_NUM_H

/*
 * num_parse: read the decimal integer s, which must lie in [min, max], as
 * OpenBSD's strtonum does.  Returns 0 and stores it in *out; returns -1 with
 * *why set to "not a number", "too small" or "too large" and errno EINVAL or
 * ERANGE.  Leading blanks, a plus sign and trailing characters are refused.
 */
int num_parse(const char *s, long long min, long long max, long long *out,
    const char **why);

#endif
