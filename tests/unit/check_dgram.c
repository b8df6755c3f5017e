/*
 * check_dgram: the datagram loop the datagram servers share, through its
 * public calls on a struct server set up here by hand.  A SIGTERM that is
 * pending while datagrams keep coming stops dgram_recv within SERVER_BATCH
 * of them, over UDP and over a Unix socketpair; a datagram too long is
 * EMSGSIZE, its sender given, and the next one is whole; received and
 * answered are counted; a reply a peer cannot take is a drop, never a wait.
 * (The once-a-minute log of drops is not tested here: -v logs every one.)
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dgram.h"
#include "server.h"

/* Datagrams queued for the flood: the socket never runs dry. */
#define FLOOD		(3 * SERVER_BATCH)

enum transport { UDP, UNIX_PAIR };

/* A datagram server's socket, the struct server around it, and a client's. */
struct rig {
	struct server	s;
	struct dgram	d;
	int		client;
	struct sockaddr_storage client_addr;	/* UDP: where the client is */
};

static void
on_term(int sig)
{
	(void)sig;
	server_term = 1;
}

/*
 * SIGTERM as a server has it: a handler that sets server_term, and
 * blocked except where the server waits (s->waitmask).
 */
static void
take_sigterm_as_a_server(struct server *s)
{
	struct sigaction sa;
	sigset_t block;

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_term;
	ck_assert_int_eq(sigaction(SIGTERM, &sa, NULL), 0);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	ck_assert_int_eq(sigprocmask(SIG_BLOCK, &block, &s->waitmask), 0);
}

/* The log lines of -v go to /dev/null (each test is a process of its own). */
static void
quiet_stderr(void)
{
	int null = open("/dev/null", O_WRONLY);

	ck_assert_int_ge(null, 0);
	ck_assert_int_eq(dup2(null, STDERR_FILENO), STDERR_FILENO);
	close(null);
}

/* No read of the client's waits more than 5 s. */
static void
bound_reads(int fd)
{
	struct timeval tv = { 5, 0 };

	ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv), 0);
}

/* A UDP socket on 127.0.0.1, on a free port; its address in *sin. */
static int
udp_socket(struct sockaddr_in *sin)
{
	socklen_t len = sizeof *sin;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	ck_assert_int_ge(fd, 0);
	memset(sin, 0, sizeof *sin);
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)sin, sizeof *sin), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)sin, &len), 0);
	return fd;
}

/*
 * The server's socket and a client's that sends to it, for t.  -v, so
 * that a drop is logged every time (to /dev/null) and not rate-limited.
 */
static void
rig_open(struct rig *r, enum transport t)
{
	struct sockaddr_in srv, cli;
	int sv[2], rcvbuf = 1 << 20;

	quiet_stderr();
	memset(r, 0, sizeof *r);
	r->s.service = service_find("echo");
	r->s.verbose = 1;
	if (t == UDP) {
		r->s.fd = udp_socket(&srv);
		/* Room for the whole flood. */
		ck_assert_int_eq(setsockopt(r->s.fd, SOL_SOCKET, SO_RCVBUF,
		    &rcvbuf, sizeof rcvbuf), 0);
		r->client = udp_socket(&cli);
		ck_assert_int_eq(connect(r->client, (struct sockaddr *)&srv,
		    sizeof srv), 0);
		memcpy(&r->client_addr, &cli, sizeof cli);
	} else {
		ck_assert_int_eq(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
		r->s.fd = sv[0];
		r->client = sv[1];
	}
	bound_reads(r->client);
	ck_assert_int_eq(dgram_init(&r->d, &r->s, 0), 0);
}

static void
rig_close(struct rig *r)
{
	close(r->client);
	close(r->s.fd);
}

/* The client sends datagram number i ("7"), and it is queued. */
static void
send_numbered(int fd, unsigned i)
{
	char msg[16];
	int len = snprintf(msg, sizeof msg, "%u", i);

	ck_assert_int_eq(send(fd, msg, (size_t)len, MSG_DONTWAIT), len);
}

/* Is the datagram of n bytes in buf number i? */
static int
is_numbered(const char *buf, ssize_t n, unsigned i)
{
	char msg[16];
	int len = snprintf(msg, sizeof msg, "%u", i);

	return n == len && memcmp(buf, msg, (size_t)len) == 0;
}

/*
 * A SIGTERM pending while the socket always has a datagram: dgram_recv
 * never has to wait, where the signal would come in, so it must let it in
 * itself, within SERVER_BATCH datagrams, and say EINTR.  The datagram it
 * did not take is still there: nothing was lost on the way out.
 */
START_TEST(test_sigterm_stops_a_steady_stream)
{
	struct sockaddr_storage peer;
	struct rig r;
	socklen_t len;
	char buf[64];
	ssize_t n = 0;
	unsigned got;

	rig_open(&r, (enum transport)_i);
	for (got = 0; got < FLOOD; got++)
		send_numbered(r.client, got);
	take_sigterm_as_a_server(&r.s);
	ck_assert_int_eq(raise(SIGTERM), 0);
	ck_assert_int_eq(server_term, 0);	/* pending: blocked till let in */
	for (got = 0; got < FLOOD; got++) {
		len = sizeof peer;
		n = dgram_recv(&r.d, buf, sizeof buf, (struct sockaddr *)&peer, &len);
		if (n == -1)
			break;
		ck_assert_msg(is_numbered(buf, n, got), "datagram %u is not next", got);
	}
	ck_assert_msg(n == -1 && errno == EINTR,
	    "%u datagrams of a stream taken with SIGTERM pending", got);
	ck_assert_int_eq(server_term, 1);
	ck_assert_uint_le(got, SERVER_BATCH);
	ck_assert_uint_eq(r.d.received, got);
	n = recv(r.s.fd, buf, sizeof buf, MSG_DONTWAIT);
	ck_assert_msg(is_numbered(buf, n, got), "datagram %u is not still queued", got);
	rig_close(&r);
}
END_TEST

/* With no signal, a stream of three batches and more is all taken. */
START_TEST(test_no_signal_no_stop)
{
	struct sockaddr_storage peer;
	struct rig r;
	socklen_t len;
	char buf[64];
	ssize_t n;
	unsigned got;

	rig_open(&r, (enum transport)_i);
	for (got = 0; got < FLOOD; got++)
		send_numbered(r.client, got);
	take_sigterm_as_a_server(&r.s);
	for (got = 0; got < FLOOD; got++) {
		len = sizeof peer;
		n = dgram_recv(&r.d, buf, sizeof buf, (struct sockaddr *)&peer, &len);
		ck_assert_msg(is_numbered(buf, n, got), "datagram %u: %zd", got, n);
	}
	ck_assert_uint_eq(r.d.received, FLOOD);
	ck_assert_uint_eq(r.s.served, FLOOD);
	ck_assert_int_eq(server_term, 0);
	rig_close(&r);
}
END_TEST

/* A SIGTERM that comes while dgram_recv waits on an idle socket: EINTR. */
START_TEST(test_sigterm_while_waiting)
{
	struct timespec pause = { 0, 100 * 1000 * 1000 };
	struct sockaddr_storage peer;
	struct rig r;
	socklen_t len = sizeof peer;
	char buf[64];
	pid_t pid;
	int status;

	rig_open(&r, (enum transport)_i);
	take_sigterm_as_a_server(&r.s);
	if ((pid = fork()) == 0) {		/* SIGTERM to us in 100 ms */
		nanosleep(&pause, NULL);
		kill(getppid(), SIGTERM);
		_exit(0);
	}
	ck_assert_int_gt(pid, 0);
	errno = 0;
	ck_assert_int_eq(dgram_recv(&r.d, buf, sizeof buf, (struct sockaddr *)&peer,
	    &len), -1);
	ck_assert_int_eq(errno, EINTR);
	ck_assert_int_eq(server_term, 1);
	ck_assert_uint_eq(r.d.received, 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	rig_close(&r);
}
END_TEST

/*
 * A datagram longer than the buffer: EMSGSIZE, its sender given and
 * counted as received; one exactly as long is whole; the next is whole.
 */
START_TEST(test_too_long_is_emsgsize_with_the_sender)
{
	struct sockaddr_storage peer;
	const struct sockaddr_in *from = (const struct sockaddr_in *)&peer;
	const struct sockaddr_in *cli;
	struct rig r;
	socklen_t len;
	char buf[16], big[100];

	rig_open(&r, UDP);
	cli = (const struct sockaddr_in *)&r.client_addr;
	memset(big, 'b', sizeof big);
	ck_assert_int_eq(send(r.client, big, sizeof big, 0), (ssize_t)sizeof big);
	ck_assert_int_eq(send(r.client, big, sizeof buf + 1, 0), (ssize_t)sizeof buf + 1);
	ck_assert_int_eq(send(r.client, big, sizeof buf, 0), (ssize_t)sizeof buf);
	ck_assert_int_eq(send(r.client, "after", 5, 0), 5);

	memset(&peer, 0, sizeof peer);
	len = sizeof peer;
	errno = 0;
	ck_assert_int_eq(dgram_recv(&r.d, buf, sizeof buf, (struct sockaddr *)&peer,
	    &len), -1);
	ck_assert_int_eq(errno, EMSGSIZE);
	ck_assert_uint_eq(len, sizeof(struct sockaddr_in));
	ck_assert_int_eq(from->sin_family, AF_INET);
	ck_assert_uint_eq(from->sin_port, cli->sin_port);
	ck_assert_uint_eq(from->sin_addr.s_addr, cli->sin_addr.s_addr);
	ck_assert_uint_eq(r.d.received, 1);

	len = sizeof peer;
	errno = 0;
	ck_assert_int_eq(dgram_recv(&r.d, buf, sizeof buf, (struct sockaddr *)&peer,
	    &len), -1);				/* one byte too long */
	ck_assert_int_eq(errno, EMSGSIZE);
	len = sizeof peer;
	ck_assert_int_eq(dgram_recv(&r.d, buf, sizeof buf, (struct sockaddr *)&peer,
	    &len), (ssize_t)sizeof buf);		/* just fits */
	len = sizeof peer;
	ck_assert_int_eq(dgram_recv(&r.d, buf, sizeof buf, (struct sockaddr *)&peer,
	    &len), 5);
	ck_assert_mem_eq(buf, "after", 5);
	ck_assert_uint_eq(r.d.received, 4);
	ck_assert_uint_eq(r.d.answered, 0);
	ck_assert_uint_eq(r.d.dropped, 0);	/* the caller drops, not recv */
	rig_close(&r);
}
END_TEST

/* Each datagram answered comes back exactly and is counted; no reply is not. */
START_TEST(test_counts_received_and_answered)
{
	static const char *const msgs[] = { "one", "", "three" };
	struct sockaddr_storage peer;
	struct rig r;
	socklen_t len;
	char buf[64], back[64];
	ssize_t n;
	size_t k;

	rig_open(&r, UDP);
	for (k = 0; k < 3; k++) {
		ck_assert_int_eq(send(r.client, msgs[k], strlen(msgs[k]), 0),
		    (ssize_t)strlen(msgs[k]));
		len = sizeof peer;
		n = dgram_recv(&r.d, buf, sizeof buf, (struct sockaddr *)&peer, &len);
		ck_assert_int_eq(n, (ssize_t)strlen(msgs[k]));
		ck_assert_int_eq(dgram_reply(&r.d, (struct sockaddr *)&peer, len,
		    (size_t)n, buf, n), 0);
		ck_assert_int_eq(recv(r.client, back, sizeof back, 0), n);
		ck_assert_mem_eq(back, msgs[k], (size_t)n);
	}
	ck_assert_int_eq(send(r.client, "quiet", 5, 0), 5);
	len = sizeof peer;
	ck_assert_int_eq(dgram_recv(&r.d, buf, sizeof buf, (struct sockaddr *)&peer,
	    &len), 5);
	ck_assert_int_eq(dgram_reply(&r.d, (struct sockaddr *)&peer, len, 5, NULL, -1), 0);
	ck_assert_int_eq(recv(r.client, back, sizeof back, MSG_DONTWAIT), -1);
	ck_assert_int_eq(errno, EAGAIN);
	ck_assert_uint_eq(r.d.received, 4);
	ck_assert_uint_eq(r.d.answered, 3);
	ck_assert_uint_eq(r.d.dropped, 0);
	ck_assert_uint_eq(r.s.served, 4);
	rig_close(&r);
}
END_TEST

/* An abstract Unix address of this test, "@tincan-check-dgram-PID-what". */
static socklen_t
abstract_addr(struct sockaddr_un *sun, const char *what)
{
	int n;

	memset(sun, 0, sizeof *sun);
	sun->sun_family = AF_UNIX;
	n = snprintf(sun->sun_path + 1, sizeof sun->sun_path - 1,
	    "tincan-check-dgram-%ld-%s", (long)getpid(), what);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * A peer whose queue is full cannot take the reply: on a blocking socket
 * a plain sendto would wait for it; dgram_reply drops it at once, counts
 * it and says EAGAIN.  A peer that has gone: a drop too.
 */
START_TEST(test_reply_to_a_full_peer_is_a_drop)
{
	struct timeval three_s = { 3, 0 };
	struct sockaddr_un srv, full, gone;
	socklen_t srvlen, fulllen, gonelen;
	struct server s;
	struct dgram d;
	long long start;
	int peer, i, rc;

	memset(&s, 0, sizeof s);
	quiet_stderr();
	s.service = service_find("echo");
	s.verbose = 1;
	srvlen = abstract_addr(&srv, "server");
	fulllen = abstract_addr(&full, "full");
	gonelen = abstract_addr(&gone, "gone");
	s.fd = socket(AF_UNIX, SOCK_DGRAM, 0);	/* blocking */
	peer = socket(AF_UNIX, SOCK_DGRAM, 0);
	ck_assert_int_ge(s.fd, 0);
	ck_assert_int_ge(peer, 0);
	/* A send that waits gives up after 3 s, to fail here, not time out. */
	ck_assert_int_eq(setsockopt(s.fd, SOL_SOCKET, SO_SNDTIMEO, &three_s,
	    sizeof three_s), 0);
	ck_assert_int_eq(bind(s.fd, (struct sockaddr *)&srv, srvlen), 0);
	ck_assert_int_eq(bind(peer, (struct sockaddr *)&full, fulllen), 0);
	ck_assert_int_eq(dgram_init(&d, &s, 0), 0);
	/* Fill the peer's queue; it never reads. */
	for (i = 0; i < 100000; i++)
		if (sendto(s.fd, "f", 1, MSG_DONTWAIT, (struct sockaddr *)&full,
		    fulllen) == -1)
			break;
	ck_assert_int_eq(errno, EAGAIN);

	start = now_ms();
	errno = 0;
	rc = dgram_reply(&d, (struct sockaddr *)&full, fulllen, 1, "r", 1);
	ck_assert_int_eq(rc, -1);
	ck_assert_int_eq(errno, EAGAIN);
	ck_assert_int_lt(now_ms() - start, 1000);
	ck_assert_uint_eq(d.dropped, 1);
	ck_assert_uint_eq(d.answered, 0);

	errno = 0;
	rc = dgram_reply(&d, (struct sockaddr *)&gone, gonelen, 1, "r", 1);
	ck_assert_int_eq(rc, -1);
	ck_assert_int_eq(errno, ECONNREFUSED);
	ck_assert_uint_eq(d.dropped, 2);
	ck_assert_uint_eq(d.answered, 0);
	close(peer);
	close(s.fd);
}
END_TEST

static Suite *
dgram_suite(void)
{
	Suite *s = suite_create("dgram");
	TCase *recv_tc = tcase_create("recv");
	TCase *reply_tc = tcase_create("reply");

	/* Loop tests: _i is the transport, UDP then a Unix socketpair. */
	tcase_add_loop_test(recv_tc, test_sigterm_stops_a_steady_stream, UDP,
	    UNIX_PAIR + 1);
	tcase_add_loop_test(recv_tc, test_no_signal_no_stop, UDP, UNIX_PAIR + 1);
	tcase_add_loop_test(recv_tc, test_sigterm_while_waiting, UDP,
	    UNIX_PAIR + 1);
	tcase_add_test(recv_tc, test_too_long_is_emsgsize_with_the_sender);
	tcase_set_timeout(recv_tc, 10);
	suite_add_tcase(s, recv_tc);
	tcase_add_test(reply_tc, test_counts_received_and_answered);
	tcase_add_test(reply_tc, test_reply_to_a_full_peer_is_a_drop);
	tcase_set_timeout(reply_tc, 10);
	suite_add_tcase(s, reply_tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(dgram_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
