/* fuzz: what every libFuzzer target of tests/fuzz/ shares (see README.md there). */
#ifndef TINCAN_FUZZ_H
#define TINCAN_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The entry points libFuzzer calls; each target defines the first. */
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int	LLVMFuzzerInitialize(int *argc, char ***argv);

/*
 * A property that must hold: when it does not, say which and abort, so
 * that libFuzzer saves the input as a crash.
 */
#define FUZZ_ASSERT(cond) \
	((cond) ? (void)0 : fuzz_broken(#cond, __FILE__, __LINE__))

static inline void
fuzz_broken(const char *what, const char *file, int line)
{
	fprintf(stderr, "%s:%d: property broken: %s\n", file, line, what);
	abort();
}

/*
 * fuzz_string: the input as a C string in a heap block of its own (free
 * it), so that ASan sees a read past its NUL.  A NUL in the input ends
 * the string there.
 */
static inline char *
fuzz_string(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* fuzz_nul_within: does buf hold a NUL in its first size bytes? */
static inline int
fuzz_nul_within(const char *buf, size_t size)
{
	return memchr(buf, '\0', size) != NULL;
}

#endif
