/*
 * plain-client: the plainest load client of loadcli's shape, to measure
 * loadcli against (not installed, not part of the suite's programs).
 * Children connect, write "BYTES\n", read BYTES bytes and close, in a
 * blocking loop, with no checks, no timing per connection, no histogram.
 *
 *   plain-client CHILDREN CONNECTIONS BYTES PORT
 *
 * Prints "plain: N connections in S s, R connections/s" for 127.0.0.1:PORT.
 */
#define _POSIX_C_SOURCE 200809L
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
child(const struct sockaddr_in *sin, long n, long bytes)
{
	char req[32], buf[65536];
	long i, got;
	ssize_t r;
	int fd, len = snprintf(req, sizeof req, "%ld\n", bytes);

	for (i = 0; i < n; i++) {
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd == -1 || connect(fd, (const struct sockaddr *)sin, sizeof *sin) == -1 ||
		    write(fd, req, (size_t)len) != len)
			_exit(1);
		for (got = 0; got < bytes; got += r)
			if ((r = read(fd, buf, sizeof buf)) <= 0)
				_exit(1);
		close(fd);
	}
	_exit(0);
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sin;
	long c, n, bytes, k, failed = 0;
	int status;
	double start;

	if (argc != 5) {
		fprintf(stderr, "usage: plain-client CHILDREN CONNECTIONS BYTES PORT\n");
		return 2;
	}
	c = atol(argv[1]);
	n = atol(argv[2]);
	bytes = atol(argv[3]);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)atoi(argv[4]));
	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	start = now();
	for (k = 0; k < c; k++)
		if (fork() == 0)
			child(&sin, n, bytes);
	for (k = 0; k < c; k++)
		if (wait(&status) == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failed++;
	printf("plain: %ld connections in %.3f s, %.1f connections/s%s\n", c * n,
	    now() - start, c * n / (now() - start), failed ? " (some failed)" : "");
	return failed != 0;
}
