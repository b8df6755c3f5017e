/* num: the one bounded parser for every number from a command line or the wire. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include "num.h"

int
num_parse(const char *s, long long min, long long max, long long *out,
    const char **why)
{
	const char *digits = (*s == '-') ? s + 1 : s;
	char *end;
	long long v;

	/* strtoll alone would accept " 12", "+12" and "12abc". */
	if (*digits < '0' || *digits > '9') {
		*why = "not a number";
		errno = EINVAL;
		return -1;
	}
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end != '\0') {
		*why = "not a number";
		errno = EINVAL;
		return -1;
	}
	if ((errno == ERANGE && v == LLONG_MIN) || v < min) {
		*why = "too small";
		errno = ERANGE;
		return -1;
	}
	if (errno == ERANGE || v > max) {
		*why = "too large";
		errno = ERANGE;
		return -1;
	}
	*out = v;
	return 0;
}
