/*
 * fuzz_bench: the bench request parser (service_bench_request, lib/service)
 * against a second reading of its grammar written here: one or more ASCII
 * digits, then "\n" or "\r\n", and nothing else; N from 1 to
 * SERVICE_BENCH_MAX.  Both must agree on every line: the N, or a refusal
 * with a reason.
 *
 * An input is the request line as it came, '\n' included, in a block of
 * exactly its size.
 */
#include "fuzz.h"
#include "service.h"

/* The N the grammar gives the line, or -1. */
static long long
reference(const unsigned char *line, size_t len)
{
	size_t end = len, i;
	long long n = 0;

	if (end == 0 || line[end - 1] != '\n')
		return -1;
	end--;
	if (end > 0 && line[end - 1] == '\r')
		end--;
	if (end == 0)
		return -1;
	for (i = 0; i < end; i++) {
		if (line[i] < '0' || line[i] > '9')
			return -1;
		n = n * 10 + (line[i] - '0');
		if (n > SERVICE_BENCH_MAX)
			n = SERVICE_BENCH_MAX + 1;	/* past the bound: stays past it */
	}
	return n >= 1 && n <= SERVICE_BENCH_MAX ? n : -1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *why = NULL;
	long long got, want;
	char *line;

	/* What bench reads is a line of at most SERVICE_BENCH_LINE - 1 bytes. */
	if (size >= SERVICE_BENCH_LINE)
		return 0;
	if ((line = malloc(size > 0 ? size : 1)) == NULL)
		abort();
	memcpy(line, data, size);
	got = service_bench_request(line, size, &why);
	want = reference(data, size);
	FUZZ_ASSERT(got == want);
	FUZZ_ASSERT(got != -1 || (why != NULL && *why != '\0'));
	free(line);
	return 0;
}
