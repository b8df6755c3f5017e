/*
 * check_net: binding, listening and connecting on loopback IPv4 and IPv6,
 * the dual-stack wildcard, abstract names and paths, with the exact error
 * text.  Only loopback addresses and "localhost" from /etc/hosts: no other
 * host and no DNS query.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <netinet/in.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "net.h"

#define WAIT_MS	5000	/* what a test allows one connect or receive */

static struct addr
parse(const char *spec)
{
	struct addr a;
	char why[ADDR_WHYLEN];

	ck_assert_msg(addr_parse(&a, spec, "tcp", why, sizeof why) == 0,
	    "\"%s\": %s", spec, why);
	return a;
}

static struct addr parsef(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static struct addr
parsef(const char *fmt, ...)
{
	char spec[ADDR_STRLEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(spec, sizeof spec, fmt, ap);
	va_end(ap);
	return parse(spec);
}

/* The port fd is bound to, from getsockname. */
static unsigned
port_of(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;

	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	ck_assert_int_eq(ss.ss_family, AF_INET6);
	return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

/* A receive or accept on fd gives up after WAIT_MS, so no test can hang. */
static void
bound_waits(int fd)
{
	struct timeval tv = { WAIT_MS / 1000, 0 };

	ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv,
	    sizeof tv), 0);
}

static int
listen_on(const char *spec, int family)
{
	struct addr a = parse(spec);
	char err[NET_ERRLEN] = "";
	int fd;

	fd = net_listen(&a, family, 16, 0, err, sizeof err);
	ck_assert_msg(fd >= 0, "listen %s: %s", spec, err);
	bound_waits(fd);
	return fd;
}

static int
connect_to(const struct addr *a, int socktype, int timeout_ms)
{
	char err[NET_ERRLEN] = "";
	int fd;

	fd = net_connect(a, AF_UNSPEC, socktype, timeout_ms, err, sizeof err);
	ck_assert_msg(fd >= 0, "%s", err);
	bound_waits(fd);
	return fd;
}

static int
accept_one(int lfd)
{
	int fd = accept(lfd, NULL, NULL);

	ck_assert_int_ge(fd, 0);
	bound_waits(fd);
	return fd;
}

static void
check_cloexec(int fd)
{
	ck_assert_int_ne(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
}

static void
check_blocking(int fd)
{
	ck_assert_int_eq(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
}

/* Each end's peer is the other's own address, and bytes get through. */
static void
check_pair_agrees(int cfd, int afd)
{
	char here[ADDR_STRLEN], there[ADDR_STRLEN], buf[4];

	ck_assert_str_eq(net_peer(cfd, there, sizeof there),
	    net_local(afd, here, sizeof here));
	ck_assert_str_eq(net_peer(afd, there, sizeof there),
	    net_local(cfd, here, sizeof here));
	ck_assert_int_eq(write(cfd, "ping", 4), 4);
	ck_assert_int_eq(read(afd, buf, sizeof buf), 4);
	ck_assert_mem_eq(buf, "ping", 4);
}

static int
have_ipv6(void)
{
	int fd = socket(AF_INET6, SOCK_STREAM, 0);

	if (fd == -1)
		return 0;
	close(fd);
	return 1;
}

START_TEST(test_listen_port_zero_gets_real_port)
{
	char buf[ADDR_STRLEN], want[ADDR_STRLEN];
	int fd = listen_on("127.0.0.1:0", AF_UNSPEC);
	unsigned port = port_of(fd);

	ck_assert_uint_ne(port, 0);
	snprintf(want, sizeof want, "127.0.0.1:%u", port);
	ck_assert_str_eq(net_local(fd, buf, sizeof buf), want);
	check_cloexec(fd);
	close(fd);
}
END_TEST

/* With and without a timeout (_i = 0, 1): blocking, close-on-exec. */
START_TEST(test_connect_peer_and_local_agree)
{
	int lfd = listen_on("127.0.0.1:0", AF_UNSPEC);
	unsigned port = port_of(lfd);
	struct addr a = parsef("127.0.0.1:%u", port);
	char buf[ADDR_STRLEN], want[ADDR_STRLEN];
	int cfd, afd;

	cfd = connect_to(&a, SOCK_STREAM, _i == 0 ? 0 : WAIT_MS);
	afd = accept_one(lfd);
	snprintf(want, sizeof want, "127.0.0.1:%u", port);
	ck_assert_str_eq(net_peer(cfd, buf, sizeof buf), want);
	check_pair_agrees(cfd, afd);
	check_blocking(cfd);
	check_cloexec(cfd);
	close(afd);
	close(cfd);
	close(lfd);
}
END_TEST

/* A port alone names the loopback address when connecting. */
START_TEST(test_connect_wildcard_means_loopback)
{
	int lfd = listen_on("127.0.0.1:0", AF_UNSPEC);
	struct addr a = parsef("%u", port_of(lfd));
	char err[NET_ERRLEN] = "";
	int cfd, afd;

	cfd = net_connect(&a, AF_INET, SOCK_STREAM, WAIT_MS, err, sizeof err);
	ck_assert_msg(cfd >= 0, "%s", err);
	afd = accept_one(lfd);
	check_pair_agrees(cfd, afd);
	close(afd);
	close(cfd);
	close(lfd);
}
END_TEST

/*
 * A port bound but not listening refuses connections, and stays ours
 * for the test.  With and without a timeout (_i = 0, 1).
 */
START_TEST(test_connect_refused_exact_error)
{
	struct addr any = parse("127.0.0.1:0"), a;
	char err[NET_ERRLEN] = "", want[NET_ERRLEN];
	unsigned port;
	int bfd;

	bfd = net_bind(&any, AF_UNSPEC, SOCK_STREAM, 0, err, sizeof err);
	ck_assert_msg(bfd >= 0, "%s", err);
	port = port_of(bfd);
	a = parsef("127.0.0.1:%u", port);
	errno = 0;
	ck_assert_int_eq(net_connect(&a, AF_UNSPEC, SOCK_STREAM,
	    _i == 0 ? 0 : WAIT_MS, err, sizeof err), -1);
	ck_assert_int_eq(errno, ECONNREFUSED);
	snprintf(want, sizeof want,
	    "connect to 127.0.0.1:%u: Connection refused", port);
	ck_assert_str_eq(err, want);
	close(bfd);
}
END_TEST

START_TEST(test_listen_and_connect_ipv6_loopback)
{
	char buf[ADDR_STRLEN], want[ADDR_STRLEN];
	struct addr a;
	int lfd, cfd, afd;
	unsigned port;

	if (!have_ipv6())
		return;
	lfd = listen_on("[::1]:0", AF_UNSPEC);
	port = port_of(lfd);
	snprintf(want, sizeof want, "[::1]:%u", port);
	ck_assert_str_eq(net_local(lfd, buf, sizeof buf), want);
	a = parsef("[::1]:%u", port);
	cfd = connect_to(&a, SOCK_STREAM, WAIT_MS);
	afd = accept_one(lfd);
	check_pair_agrees(cfd, afd);
	close(afd);
	close(cfd);
	close(lfd);
}
END_TEST

/* "0" with AF_UNSPEC: one socket on [::] that IPv4 clients reach as well. */
START_TEST(test_wildcard_listens_dual_stack)
{
	int lfd = listen_on("0", AF_UNSPEC);
	unsigned port = port_of(lfd);
	char buf[ADDR_STRLEN], want[ADDR_STRLEN];
	struct addr v4 = parsef("127.0.0.1:%u", port), v6;
	int cfd, afd, ipv6 = have_ipv6();

	ck_assert_uint_ne(port, 0);
	snprintf(want, sizeof want, ipv6 ? "[::]:%u" : "0.0.0.0:%u", port);
	ck_assert_str_eq(net_local(lfd, buf, sizeof buf), want);

	cfd = connect_to(&v4, SOCK_STREAM, WAIT_MS);
	afd = accept_one(lfd);
	/* The v4-mapped peer is shown as the IPv4 client's own address. */
	check_pair_agrees(cfd, afd);
	ck_assert_int_eq(strncmp(net_peer(afd, buf, sizeof buf), "127.0.0.1:",
	    10), 0);
	close(afd);
	close(cfd);

	if (ipv6) {
		v6 = parsef("[::1]:%u", port);
		cfd = connect_to(&v6, SOCK_STREAM, WAIT_MS);
		afd = accept_one(lfd);
		check_pair_agrees(cfd, afd);
		ck_assert_int_eq(strncmp(net_peer(afd, buf, sizeof buf),
		    "[::1]:", 6), 0);
		close(afd);
		close(cfd);
	}
	close(lfd);
}
END_TEST

/* A datagram to a bound socket, and the reply to where it came from. */
static void
check_dgram_exchange(int sfd, int cfd)
{
	struct sockaddr_storage from;
	socklen_t fromlen = sizeof from;
	char buf[16], here[ADDR_STRLEN], there[ADDR_STRLEN];

	ck_assert_int_eq(send(cfd, "ping", 4, 0), 4);
	ck_assert_int_eq(recvfrom(sfd, buf, sizeof buf, 0,
	    (struct sockaddr *)&from, &fromlen), 4);
	ck_assert_mem_eq(buf, "ping", 4);
	ck_assert_str_eq(addr_format((struct sockaddr *)&from, fromlen, there,
	    sizeof there), net_local(cfd, here, sizeof here));
	ck_assert_int_eq(sendto(sfd, "pong", 4, 0, (struct sockaddr *)&from,
	    fromlen), 4);
	ck_assert_int_eq(recv(cfd, buf, sizeof buf, 0), 4);
	ck_assert_mem_eq(buf, "pong", 4);
	ck_assert_str_eq(net_peer(cfd, there, sizeof there),
	    net_local(sfd, here, sizeof here));
}

START_TEST(test_bind_dgram_loopback)
{
	struct addr any = parse("127.0.0.1:0"), a;
	char err[NET_ERRLEN] = "", buf[ADDR_STRLEN], want[ADDR_STRLEN];
	int sfd, cfd, type;
	socklen_t len = sizeof type;

	sfd = net_bind(&any, AF_UNSPEC, SOCK_DGRAM, 0, err, sizeof err);
	ck_assert_msg(sfd >= 0, "%s", err);
	bound_waits(sfd);
	ck_assert_int_eq(getsockopt(sfd, SOL_SOCKET, SO_TYPE, &type, &len), 0);
	ck_assert_int_eq(type, SOCK_DGRAM);
	snprintf(want, sizeof want, "127.0.0.1:%u", port_of(sfd));
	ck_assert_str_eq(net_local(sfd, buf, sizeof buf), want);
	check_cloexec(sfd);
	a = parsef("127.0.0.1:%u", port_of(sfd));
	cfd = connect_to(&a, SOCK_DGRAM, WAIT_MS);
	check_dgram_exchange(sfd, cfd);
	close(cfd);
	close(sfd);
}
END_TEST

/* A second bind of a port in use, stream (_i = 0) or datagram (_i = 1). */
START_TEST(test_bind_in_use_exact_error)
{
	int socktype = _i == 0 ? SOCK_STREAM : SOCK_DGRAM;
	struct addr any = parse("127.0.0.1:0"), a;
	char err[NET_ERRLEN] = "", want[NET_ERRLEN];
	unsigned port;
	int fd;

	/* A listening socket: SO_REUSEADDR does not let a second bind in. */
	fd = socktype == SOCK_STREAM ?
	    net_listen(&any, AF_UNSPEC, 16, 0, err, sizeof err) :
	    net_bind(&any, AF_UNSPEC, SOCK_DGRAM, 0, err, sizeof err);
	ck_assert_msg(fd >= 0, "%s", err);
	port = port_of(fd);
	a = parsef("127.0.0.1:%u", port);
	errno = 0;
	ck_assert_int_eq(net_bind(&a, AF_UNSPEC, socktype, 0, err, sizeof err),
	    -1);
	ck_assert_int_eq(errno, EADDRINUSE);
	snprintf(want, sizeof want, "bind 127.0.0.1:%u: Address already in use",
	    port);
	ck_assert_str_eq(err, want);
	close(fd);
}
END_TEST

/* A fresh abstract name; len > 0 pads it to len bytes after the '@'. */
static void
abstract_name(char *spec, size_t size, size_t len)
{
	static unsigned n;
	size_t have;

	have = (size_t)snprintf(spec, size, "@tincan-check-net-%ld-%u",
	    (long)getpid(), n++);
	if (len == 0)
		return;
	ck_assert_uint_lt(have, len + 1);
	ck_assert_uint_lt(len + 1, size);
	memset(spec + have, 'x', len + 1 - have);
	spec[len + 1] = '\0';
}

START_TEST(test_abstract_dgram_bind_connect)
{
	char spec[ADDR_STRLEN], err[NET_ERRLEN] = "", buf[ADDR_STRLEN];
	char want[NET_ERRLEN];
	struct addr a;
	int sfd, cfd;

	abstract_name(spec, sizeof spec, 0);
	a = parse(spec);
	sfd = net_bind(&a, AF_UNSPEC, SOCK_DGRAM, 0, err, sizeof err);
	ck_assert_msg(sfd >= 0, "%s", err);
	bound_waits(sfd);
	ck_assert_str_eq(net_local(sfd, buf, sizeof buf), spec);

	/* The name is taken now. */
	errno = 0;
	ck_assert_int_eq(net_bind(&a, AF_UNSPEC, SOCK_DGRAM, 0, err,
	    sizeof err), -1);
	ck_assert_int_eq(errno, EADDRINUSE);
	snprintf(want, sizeof want, "bind %s: Address already in use", spec);
	ck_assert_str_eq(err, want);

	cfd = net_connect(&a, AF_UNSPEC, SOCK_DGRAM, WAIT_MS, err, sizeof err);
	ck_assert_msg(cfd >= 0, "%s", err);
	bound_waits(cfd);
	ck_assert_str_eq(net_peer(cfd, buf, sizeof buf), spec);
	ck_assert_int_eq(send(cfd, "ping", 4, 0), 4);
	ck_assert_int_eq(recv(sfd, buf, sizeof buf, 0), 4);
	ck_assert_mem_eq(buf, "ping", 4);
	close(cfd);
	close(sfd);
}
END_TEST

START_TEST(test_abstract_stream_listen_connect)
{
	char spec[ADDR_STRLEN], buf[ADDR_STRLEN];
	struct addr a;
	int lfd, cfd, afd;

	abstract_name(spec, sizeof spec, 0);
	lfd = listen_on(spec, AF_UNSPEC);
	a = parse(spec);
	cfd = connect_to(&a, SOCK_STREAM, WAIT_MS);
	afd = accept_one(lfd);
	ck_assert_str_eq(net_peer(cfd, buf, sizeof buf), spec);
	ck_assert_str_eq(net_local(afd, buf, sizeof buf), spec);
	/* The client has no name of its own. */
	ck_assert_str_eq(net_local(cfd, buf, sizeof buf), "unnamed");
	ck_assert_str_eq(net_peer(afd, buf, sizeof buf), "unnamed");
	check_blocking(cfd);
	check_cloexec(cfd);
	close(afd);
	close(cfd);
	close(lfd);
}
END_TEST

/* The longest abstract name, 107 bytes, binds and is shown whole. */
START_TEST(test_abstract_longest_name)
{
	char spec[ADDR_STRLEN], err[NET_ERRLEN] = "", buf[ADDR_STRLEN];
	struct addr a;
	int fd;

	abstract_name(spec, sizeof spec, ADDR_UNIX_MAX);
	ck_assert_uint_eq(strlen(spec), ADDR_UNIX_MAX + 1);
	a = parse(spec);
	fd = net_bind(&a, AF_UNSPEC, SOCK_DGRAM, 0, err, sizeof err);
	ck_assert_msg(fd >= 0, "%s", err);
	ck_assert_str_eq(net_local(fd, buf, sizeof buf), spec);
	close(fd);
}
END_TEST

/* A directory of our own under /tmp: short, so a 107-byte path fits in it. */
static void
make_dir(char dir[32])
{
	strcpy(dir, "/tmp/tincan-check-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

START_TEST(test_path_dgram_bind_connect)
{
	char dir[32], path[64], err[NET_ERRLEN] = "", want[NET_ERRLEN];
	char buf[ADDR_STRLEN];
	struct stat st;
	struct addr a;
	int sfd, cfd;

	make_dir(dir);
	snprintf(path, sizeof path, "%s/sock", dir);
	a = parse(path);
	sfd = net_bind(&a, AF_UNSPEC, SOCK_DGRAM, 0, err, sizeof err);
	ck_assert_msg(sfd >= 0, "%s", err);
	bound_waits(sfd);
	ck_assert_int_eq(lstat(path, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	ck_assert_str_eq(net_local(sfd, buf, sizeof buf), path);

	/* The file is there: bound as given, never unlinked first. */
	errno = 0;
	ck_assert_int_eq(net_bind(&a, AF_UNSPEC, SOCK_DGRAM, 0, err,
	    sizeof err), -1);
	ck_assert_int_eq(errno, EADDRINUSE);
	snprintf(want, sizeof want, "bind %s: Address already in use", path);
	ck_assert_str_eq(err, want);

	cfd = net_connect(&a, AF_UNSPEC, SOCK_DGRAM, WAIT_MS, err, sizeof err);
	ck_assert_msg(cfd >= 0, "%s", err);
	bound_waits(cfd);
	ck_assert_str_eq(net_peer(cfd, buf, sizeof buf), path);
	ck_assert_int_eq(send(cfd, "ping", 4, 0), 4);
	ck_assert_int_eq(recv(sfd, buf, sizeof buf, 0), 4);
	ck_assert_mem_eq(buf, "ping", 4);
	close(cfd);
	close(sfd);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

START_TEST(test_path_stream_listen_connect)
{
	char dir[32], path[64], buf[ADDR_STRLEN];
	struct addr a;
	int lfd, cfd, afd;

	make_dir(dir);
	snprintf(path, sizeof path, "%s/stream", dir);
	lfd = listen_on(path, AF_UNSPEC);
	a = parse(path);
	cfd = connect_to(&a, SOCK_STREAM, 0);
	afd = accept_one(lfd);
	ck_assert_str_eq(net_peer(cfd, buf, sizeof buf), path);
	ck_assert_str_eq(net_local(afd, buf, sizeof buf), path);
	ck_assert_int_eq(write(cfd, "x", 1), 1);
	ck_assert_int_eq(read(afd, buf, 1), 1);
	close(afd);
	close(cfd);
	close(lfd);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

/* A path of 107 bytes, the most sun_path takes, binds and is shown whole. */
START_TEST(test_path_longest)
{
	char dir[32], path[ADDR_UNIX_MAX + 1], err[NET_ERRLEN] = "";
	char buf[ADDR_STRLEN];
	struct addr a;
	size_t n;
	int fd;

	make_dir(dir);
	n = (size_t)snprintf(path, sizeof path, "%s/", dir);
	memset(path + n, 'p', ADDR_UNIX_MAX - n);
	path[ADDR_UNIX_MAX] = '\0';
	a = parse(path);
	fd = net_bind(&a, AF_UNSPEC, SOCK_DGRAM, 0, err, sizeof err);
	ck_assert_msg(fd >= 0, "%s", err);
	ck_assert_str_eq(net_local(fd, buf, sizeof buf), path);
	close(fd);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

START_TEST(test_connect_missing_path_exact_error)
{
	char dir[32], path[64], err[NET_ERRLEN] = "", want[NET_ERRLEN];
	struct addr a;

	make_dir(dir);
	snprintf(path, sizeof path, "%s/none", dir);
	a = parse(path);
	errno = 0;
	ck_assert_int_eq(net_connect(&a, AF_UNSPEC, SOCK_STREAM, WAIT_MS, err,
	    sizeof err), -1);
	ck_assert_int_eq(errno, ENOENT);
	snprintf(want, sizeof want, "connect to %s: No such file or directory",
	    path);
	ck_assert_str_eq(err, want);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

START_TEST(test_set_nonblock_toggles)
{
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(fcntl(sv[0], F_GETFL) & O_NONBLOCK, 0);
	ck_assert_int_eq(net_set_nonblock(sv[0], 1), 0);
	ck_assert_int_ne(fcntl(sv[0], F_GETFL) & O_NONBLOCK, 0);
	ck_assert_int_eq(net_set_nonblock(sv[0], 1), 0);
	ck_assert_int_ne(fcntl(sv[0], F_GETFL) & O_NONBLOCK, 0);
	ck_assert_int_eq(net_set_nonblock(sv[0], 0), 0);
	ck_assert_int_eq(fcntl(sv[0], F_GETFL) & O_NONBLOCK, 0);
	/* The other flags stay as they were. */
	ck_assert_int_eq(fcntl(sv[0], F_SETFL, O_APPEND), 0);
	ck_assert_int_eq(net_set_nonblock(sv[0], 1), 0);
	ck_assert_int_ne(fcntl(sv[0], F_GETFL) & O_APPEND, 0);
	close(sv[0]);
	close(sv[1]);
	errno = 0;
	ck_assert_int_eq(net_set_nonblock(sv[0], 1), -1);
	ck_assert_int_eq(errno, EBADF);
}
END_TEST

/* Is want among the addresses of res, formatted? */
static int
has_address(const struct addrinfo *res, const char *want)
{
	char buf[ADDR_STRLEN];

	for (; res != NULL; res = res->ai_next)
		if (strcmp(addr_format(res->ai_addr, res->ai_addrlen, buf,
		    sizeof buf), want) == 0)
			return 1;
	return 0;
}

/* A bounded connect to a Unix listener with a full queue waits, then times out. */
START_TEST(test_connect_unix_busy_waits_for_timeout)
{
	char why[ADDR_WHYLEN], err[NET_ERRLEN], spec[64];
	struct addr a;
	int lfd, c1;

	snprintf(spec, sizeof spec, "@tincan-busy-%ld", (long)getpid());
	ck_assert_int_eq(addr_parse(&a, spec, "tcp", why, sizeof why), 0);
	lfd = net_listen(&a, AF_UNSPEC, 0, 0, err, sizeof err);
	ck_assert_int_ge(lfd, 0);
	c1 = net_connect(&a, AF_UNSPEC, SOCK_STREAM, 200, err, sizeof err);
	ck_assert_int_ge(c1, 0);
	errno = 0;
	ck_assert_int_eq(net_connect(&a, AF_UNSPEC, SOCK_STREAM, 200, err,
	    sizeof err), -1);
	ck_assert_msg(errno == ETIMEDOUT, "errno %d: %s", errno, err);
	close(c1);
	close(lfd);
}
END_TEST

START_TEST(test_resolve_localhost)
{
	char err[NET_ERRLEN] = "";
	struct addrinfo *res, *ai;

	res = net_resolve("localhost", 9877, AF_UNSPEC, SOCK_STREAM, 0, err,
	    sizeof err);
	ck_assert_msg(res != NULL, "%s", err);
	ck_assert(has_address(res, "127.0.0.1:9877"));
	for (ai = res; ai != NULL; ai = ai->ai_next)
		ck_assert_int_eq(ai->ai_socktype, SOCK_STREAM);
	freeaddrinfo(res);
}
END_TEST

/* No host: the loopback address to connect to, every address to bind. */
START_TEST(test_resolve_no_host)
{
	char err[NET_ERRLEN] = "";
	struct addrinfo *res;

	res = net_resolve(NULL, 7, AF_INET, SOCK_DGRAM, 0, err, sizeof err);
	ck_assert_msg(res != NULL, "%s", err);
	ck_assert(has_address(res, "127.0.0.1:7"));
	freeaddrinfo(res);
	res = net_resolve(NULL, 7, AF_INET, SOCK_DGRAM, AI_PASSIVE, err,
	    sizeof err);
	ck_assert_msg(res != NULL, "%s", err);
	ck_assert(has_address(res, "0.0.0.0:7"));
	freeaddrinfo(res);
	if (!have_ipv6())
		return;
	res = net_resolve(NULL, 7, AF_INET6, SOCK_STREAM, 0, err, sizeof err);
	ck_assert_msg(res != NULL, "%s", err);
	ck_assert(has_address(res, "[::1]:7"));
	freeaddrinfo(res);
}
END_TEST

/* AI_NUMERICHOST keeps this from asking DNS; the reason is gai_strerror's. */
START_TEST(test_resolve_failure_names_host)
{
	char err[NET_ERRLEN] = "", want[NET_ERRLEN];

	ck_assert_ptr_null(net_resolve("not-an-address", 7, AF_INET,
	    SOCK_STREAM, AI_NUMERICHOST, err, sizeof err));
	snprintf(want, sizeof want, "not-an-address: %s",
	    gai_strerror(EAI_NONAME));
	ck_assert_str_eq(err, want);
}
END_TEST

static Suite *
net_suite(void)
{
	Suite *s = suite_create("net");
	TCase *tc;

	tc = tcase_create("inet");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_listen_port_zero_gets_real_port);
	tcase_add_loop_test(tc, test_connect_peer_and_local_agree, 0, 2);
	tcase_add_test(tc, test_connect_wildcard_means_loopback);
	tcase_add_loop_test(tc, test_connect_refused_exact_error, 0, 2);
	tcase_add_test(tc, test_listen_and_connect_ipv6_loopback);
	tcase_add_test(tc, test_wildcard_listens_dual_stack);
	tcase_add_test(tc, test_bind_dgram_loopback);
	tcase_add_loop_test(tc, test_bind_in_use_exact_error, 0, 2);
	suite_add_tcase(s, tc);

	tc = tcase_create("local");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_abstract_dgram_bind_connect);
	tcase_add_test(tc, test_abstract_stream_listen_connect);
	tcase_add_test(tc, test_abstract_longest_name);
	tcase_add_test(tc, test_path_dgram_bind_connect);
	tcase_add_test(tc, test_path_stream_listen_connect);
	tcase_add_test(tc, test_path_longest);
	tcase_add_test(tc, test_connect_missing_path_exact_error);
	suite_add_tcase(s, tc);

	tc = tcase_create("misc");
	tcase_add_test(tc, test_set_nonblock_toggles);
	tcase_add_test(tc, test_connect_unix_busy_waits_for_timeout);
	tcase_add_test(tc, test_resolve_localhost);
	tcase_add_test(tc, test_resolve_no_host);
	tcase_add_test(tc, test_resolve_failure_names_host);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(net_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
