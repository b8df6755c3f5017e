/*
 * iterd: the iterative server.  One process, one connection at a time:
 * accept, serve, close, repeat.  While it serves one client the others wait
 * in the listen queue; that is the whole model, and its weakness.
 */
#include <sys/socket.h>

#include <errno.h>
#include <string.h>

#include "io.h"
#include "log.h"
#include "server.h"

/* The model has no state of its own: ctx is NULL. */
static int
iterd_run(void *ctx, struct server *s)
{
	struct sockaddr_storage peer;
	socklen_t len;
	int fd;

	(void)ctx;
	/*
	 * The first SIGTERM lets the client in hand finish; a second one cuts
	 * it off.  The signals stay blocked but in the waits, of accept
	 * (pselect) and of the connection (ppoll), which let them in: no
	 * sigprocmask a connection.
	 */
	io_stop_at(&server_term, 2, &s->waitmask);
	while (!server_term) {
		len = sizeof peer;
		fd = server_accept(s, s->fd, (struct sockaddr *)&peer, &len);
		if (fd == -1 && errno == EINTR)
			continue;
		if (fd == -1) {
			log_error("accept: %s", strerror(errno));
			return 1;
		}
		server_serve(s, fd, (struct sockaddr *)&peer, len);
		s->served++;
	}
	return 0;
}

static const struct server_model iterd = {
	.name = "iterd",
	.socktype = SOCK_STREAM,
	.default_addr = "9877",
	.what = "an iterative TCP server: one connection at a time",
	.run = iterd_run,
};

int
main(int argc, char **argv)
{
	return server_main(argc, argv, &iterd, NULL);
}
