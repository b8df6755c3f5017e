/*
 * fuzz_num: the one bounded parser (lib/num) against a second reading of
 * its grammar, written here without strtoll: an optional '-', then one or
 * more ASCII digits, and nothing else; the value must lie in [min, max].
 * Both must agree on every input: the value, or the reason, the errno, and
 * *out left alone.
 *
 * An input is MIN (8 bytes) MAX (8 bytes) TEXT..., the bounds in the byte
 * order of this machine.
 */
#include <errno.h>
#include <limits.h>

#include "fuzz.h"
#include "num.h"

/* What the grammar says of a string. */
struct verdict {
	const char	*why;		/* NULL: a number within the bounds */
	int		 err;		/* errno with a refusal */
	long long	 value;
};

/*
 * The magnitude of a run of digits, or -1 once it passes limit (the largest
 * magnitude a long long of this sign holds).
 */
static int
magnitude(const char *digits, unsigned long long limit, unsigned long long *mag)
{
	*mag = 0;
	for (; *digits != '\0'; digits++) {
		if (*mag > (limit - (unsigned)(*digits - '0')) / 10)
			return -1;
		*mag = *mag * 10 + (unsigned)(*digits - '0');
	}
	return 0;
}

static struct verdict
reference(const char *s, long long min, long long max)
{
	struct verdict v = { NULL, 0, 0 };
	int negative = (*s == '-');
	const char *digits = s + negative, *p;
	unsigned long long mag, limit;

	for (p = digits; *p >= '0' && *p <= '9'; p++)
		continue;
	if (p == digits || *p != '\0')
		return (struct verdict){ "not a number", EINVAL, 0 };
	limit = negative ? (unsigned long long)LLONG_MAX + 1 : (unsigned long long)LLONG_MAX;
	if (magnitude(digits, limit, &mag) == -1)
		return (struct verdict){ negative ? "too small" : "too large", ERANGE, 0 };
	if (negative)
		v.value = mag == limit ? LLONG_MIN : -(long long)mag;
	else
		v.value = (long long)mag;
	if (v.value < min)
		return (struct verdict){ "too small", ERANGE, 0 };
	if (v.value > max)
		return (struct verdict){ "too large", ERANGE, 0 };
	return v;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const long long untouched = 0x5eed;
	long long min, max, out = untouched;
	const char *why = NULL;
	struct verdict want;
	char *s;
	int rc;

	if (size < 2 * sizeof(long long))
		return 0;
	memcpy(&min, data, sizeof min);
	memcpy(&max, data + sizeof min, sizeof max);
	s = fuzz_string(data + 2 * sizeof min, size - 2 * sizeof min);
	want = reference(s, min, max);
	errno = 0;
	rc = num_parse(s, min, max, &out, &why);
	if (want.why == NULL) {
		FUZZ_ASSERT(rc == 0);
		FUZZ_ASSERT(out == want.value);
	} else {
		FUZZ_ASSERT(rc == -1);
		FUZZ_ASSERT(why != NULL && strcmp(why, want.why) == 0);
		FUZZ_ASSERT(errno == want.err);
		FUZZ_ASSERT(out == untouched);
	}
	free(s);
	return 0;
}
