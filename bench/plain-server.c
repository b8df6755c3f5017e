/*
 * plain-server: the plainest iterative server of the bench protocol, to
 * measure iterd against.  Blocking accept, read a request line, write N
 * bytes, again until the client closes, close; nothing else: no timeout,
 * no poll, no signals, no logging, no checks beyond what keeps it alive.
 * Not part of tincan; see bench/iterd-vs-plain.
 *
 *   plain-server PORT      (0: any; the port is printed on standard output)
 */
#define _POSIX_C_SOURCE 200809L
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char filler[65536];

/* Serve one connection: request lines until the client closes. */
static void
serve(int fd)
{
	char req[64];
	size_t have = 0, chunk;
	ssize_t n;
	char *nl;
	long want;

	for (;;) {
		while ((nl = memchr(req, '\n', have)) == NULL) {
			if (have == sizeof req ||
			    (n = read(fd, req + have, sizeof req - have)) <= 0)
				return;
			have += (size_t)n;
		}
		want = strtol(req, NULL, 10);
		have -= (size_t)(nl + 1 - req);
		memmove(req, nl + 1, have);
		for (; want > 0; want -= (long)chunk) {
			chunk = (size_t)want < sizeof filler ? (size_t)want :
			    sizeof filler;
			if (write(fd, filler, chunk) != (ssize_t)chunk)
				return;
		}
	}
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof sin;
	int lfd, fd, on = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: plain-server PORT\n");
		return 2;
	}
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)atoi(argv[1]));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((lfd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == -1 ||
	    bind(lfd, (struct sockaddr *)&sin, sizeof sin) == -1 ||
	    listen(lfd, SOMAXCONN) == -1 ||
	    getsockname(lfd, (struct sockaddr *)&sin, &len) == -1) {
		perror("plain-server");
		return 1;
	}
	printf("%u\n", ntohs(sin.sin_port));
	fflush(stdout);
	for (;;) {
		if ((fd = accept(lfd, NULL, NULL)) == -1)
			continue;
		serve(fd);
		close(fd);
	}
}
