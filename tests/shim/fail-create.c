/*
 * fail-create: an LD_PRELOAD shim for the tests of the thread models.
 * With TINCAN_FAIL_CREATES=N in the environment, the first N calls of
 * pthread_create fail with EAGAIN, as when the system has no thread to
 * give; the later ones go ahead.  Test code only; not part of any program
 * of the suite.
 */
#define _GNU_SOURCE		/* RTLD_NEXT */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

typedef int create_fn(pthread_t *, const pthread_attr_t *, void *(*)(void *),
    void *);

static atomic_long calls;

int
pthread_create(pthread_t *tid, const pthread_attr_t *attr,
    void *(*fn)(void *), void *arg)
{
	static create_fn *real;
	const char *n = getenv("TINCAN_FAIL_CREATES");

	if (n != NULL && atomic_fetch_add(&calls, 1) < atol(n))
		return EAGAIN;
	if (real == NULL)
		real = (create_fn *)dlsym(RTLD_NEXT, "pthread_create");
	return real(tid, attr, fn, arg);
}
