/*
 * check_addr: the address grammar every program reads (with the exact
 * reason for each refusal), the numeric forms addr_format prints, and the
 * round trip addr_parse -> addr_spec -> addr_parse.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <check.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

/* Names of exact lengths at the edge of sun_path, built from ten bytes. */
#define TEN	"0123456789"
#define HUNDRED	TEN TEN TEN TEN TEN TEN TEN TEN TEN TEN
#define PATH107	"/" HUNDRED "abcdef"	/* the longest path: 107 bytes and a NUL */
#define PATH108	PATH107 "g"
#define NAME107	HUNDRED "abcdefg"	/* the longest abstract name, after '@' */
#define NAME108	NAME107 "h"

struct parse_case {
	const char	*spec;
	const char	*proto;
	const char	*why;		/* NULL: valid; else the exact reason */
	enum addr_kind	 kind;
	int		 wildcard;
	const char	*host;
	unsigned	 port;
	const char	*path;		/* a path, or an abstract name without '@' */
};

#define INET(spec, host, port) \
	{ spec, "tcp", NULL, ADDR_INET, 0, host, port, "" }
#define WILD(spec, port) \
	{ spec, "tcp", NULL, ADDR_INET, 1, "", port, "" }
#define PATH(spec, path) \
	{ spec, "tcp", NULL, ADDR_UNIX, 0, "", 0, path }
#define ABSTRACT(spec, name) \
	{ spec, "tcp", NULL, ADDR_ABSTRACT, 0, "", 0, name }
#define BAD(spec, why) \
	{ spec, "tcp", why, ADDR_INET, 0, "", 0, "" }

static const struct parse_case parse_cases[] = {
	/* What parses, and into what. */
	INET("127.0.0.1:9877", "127.0.0.1", 9877),
	INET("[::1]:9877", "::1", 9877),
	INET("[fe80::1%lo]:80", "fe80::1%lo", 80),
	INET("[2001:db8::42]:443", "2001:db8::42", 443),
	INET("localhost:9877", "localhost", 9877),
	INET("my-host_1.example:80", "my-host_1.example", 80),
	INET("localhost:echo", "localhost", 7),
	INET("localhost:domain", "localhost", 53),
	{ "localhost:domain", "udp", NULL, ADDR_INET, 0, "localhost", 53, "" },
	INET("127.0.0.1:0", "127.0.0.1", 0),
	INET("127.0.0.1:65535", "127.0.0.1", 65535),
	INET("[::1]:65535", "::1", 65535),
	WILD("*:80", 80),
	WILD("80", 80),
	WILD("0", 0),
	WILD("65535", 65535),
	WILD("echo", 7),
	WILD("*:domain", 53),
	PATH("/tmp/tincan.sock", "/tmp/tincan.sock"),
	PATH("./rel", "./rel"),
	PATH("../rel", "../rel"),
	PATH(PATH107, PATH107),
	ABSTRACT("@name", "name"),
	ABSTRACT("@" NAME107, NAME107),

	/* What is refused, and the reason given. */
	BAD("", "empty address"),
	BAD("host:", "empty port"),
	BAD(":80", "empty host"),
	BAD(":", "empty host"),
	BAD("[::1", "missing ']'"),
	BAD("[::1]", "missing port after ']'"),
	BAD("[::1]x", "trailing characters after ']'"),
	BAD("[::1]:", "empty port"),
	BAD("[]:80", "empty host"),
	BAD("[127.0.0.1]:80", "bad IPv6 address"),
	BAD("[::g]:80", "bad IPv6 address"),
	BAD("[::1]:65536", "port out of range"),
	BAD("127.0.0.1:80x", "trailing characters after port"),
	BAD("80x", "trailing characters after port"),
	BAD("127.0.0.1:65536", "port out of range"),
	BAD("127.0.0.1:-1", "port out of range"),
	BAD("127.0.0.1:99999999999999999999", "port out of range"),
	BAD("65536", "port out of range"),
	BAD("-1", "port out of range"),
	BAD("99999999999999999999", "port out of range"),
	BAD("localhost:+80", "bad port"),
	BAD("localhost:-", "bad port"),
	BAD("localhost:-x", "bad port"),
	BAD("-0", "port out of range"),
	BAD("::1:80", "IPv6 address needs brackets: [addr]:port"),
	BAD("::1", "IPv6 address needs brackets: [addr]:port"),
	BAD("a b:80", "bad character ' ' in host name"),
	BAD("a/b:80", "bad character '/' in host name"),
	BAD("**:80", "bad character '*' in host name"),
	BAD("localhost:nosuchsvc", "unknown service 'nosuchsvc'"),
	BAD("nosuchsvc", "unknown service 'nosuchsvc'"),
	BAD(PATH108, "Unix path too long (max 107 bytes)"),
	BAD("./" HUNDRED "abcdef", "Unix path too long (max 107 bytes)"),
	BAD("[::ffff:127.0.0.1]:7", "an IPv4-mapped IPv6 address: write it as 127.0.0.1"),
	BAD("[::FFFF:10.1.2.3]:0", "an IPv4-mapped IPv6 address: write it as 10.1.2.3"),
	BAD("@", "empty abstract name"),
	BAD("@" NAME108, "abstract name too long (max 107 bytes)"),
};

#define NCASES(t)	((int)(sizeof (t) / sizeof (t)[0]))

START_TEST(test_parse_gives_fields_or_exact_reason)
{
	const struct parse_case *t = &parse_cases[_i];
	struct addr a;
	char why[ADDR_WHYLEN] = "";
	int rc;

	rc = addr_parse(&a, t->spec, t->proto, why, sizeof why);
	if (t->why != NULL) {
		ck_assert_msg(rc == -1, "\"%s\" parsed; expected \"%s\"",
		    t->spec, t->why);
		ck_assert_str_eq(why, t->why);
		return;
	}
	ck_assert_msg(rc == 0, "\"%s\" refused: %s", t->spec, why);
	ck_assert_int_eq(a.kind, t->kind);
	ck_assert_int_eq(a.wildcard, t->wildcard);
	if (t->kind == ADDR_INET) {
		ck_assert_str_eq(a.host, t->host);
		ck_assert_uint_eq(a.port, t->port);
	} else
		ck_assert_str_eq(a.path, t->path);
}
END_TEST

/* The table's names at the limit must really have the lengths they claim. */
START_TEST(test_limit_names_have_their_lengths)
{
	ck_assert_uint_eq(strlen(PATH107), ADDR_UNIX_MAX);
	ck_assert_uint_eq(strlen(PATH108), ADDR_UNIX_MAX + 1);
	ck_assert_uint_eq(strlen(NAME107), ADDR_UNIX_MAX);
	ck_assert_uint_eq(strlen(NAME108), ADDR_UNIX_MAX + 1);
	ck_assert_uint_eq(strlen("./" HUNDRED "abcdef"), ADDR_UNIX_MAX + 1);
}
END_TEST

/* A host fills host[] to its last byte but one; longer is refused, not cut. */
START_TEST(test_host_longer_than_buffer_is_refused)
{
	char spec[ADDR_HOSTLEN + 16], why[ADDR_WHYLEN] = "";
	struct addr a;

	memset(spec, 'h', ADDR_HOSTLEN - 1);
	strcpy(spec + ADDR_HOSTLEN - 1, ":80");
	ck_assert_int_eq(addr_parse(&a, spec, "tcp", why, sizeof why), 0);
	ck_assert_uint_eq(strlen(a.host), ADDR_HOSTLEN - 1);
	ck_assert_uint_eq(a.port, 80);

	memset(spec, 'h', ADDR_HOSTLEN);
	strcpy(spec + ADDR_HOSTLEN, ":80");
	ck_assert_int_eq(addr_parse(&a, spec, "tcp", why, sizeof why), -1);
	ck_assert_str_eq(why, "host name too long");
}
END_TEST

/* The reason is cut to the caller's buffer, and still a string. */
START_TEST(test_reason_fits_callers_buffer)
{
	char why[6];
	struct addr a;

	memset(why, 'x', sizeof why);
	ck_assert_int_eq(addr_parse(&a, "", "tcp", why, sizeof why), -1);
	ck_assert_str_eq(why, "empty");
}
END_TEST

/* A second parse into the same struct leaves nothing of the first. */
START_TEST(test_parse_starts_afresh)
{
	struct addr a, fresh;
	char why[ADDR_WHYLEN];

	ck_assert_int_eq(addr_parse(&a, "@name", "tcp", why, sizeof why), 0);
	ck_assert_int_eq(addr_parse(&a, "localhost:80", "tcp", why,
	    sizeof why), 0);
	ck_assert_int_eq(addr_parse(&fresh, "localhost:80", "tcp", why,
	    sizeof why), 0);
	ck_assert_mem_eq(&a, &fresh, sizeof a);
	ck_assert_str_eq(a.path, "");
}
END_TEST

struct operand_case {
	const char	*spec;
	int		local;		/* the program speaks Unix-domain sockets */
	const char	*why;		/* NULL if it passes */
	enum addr_kind	kind;		/* what it parses as, if it passes */
	const char	*path;		/* and the path or name kept */
};

static const struct operand_case operand_cases[] = {
	{ "127.0.0.1:80", 0, NULL, ADDR_INET, "" },
	{ "80", 0, NULL, ADDR_INET, "" },
	{ "/tmp/sock", 0, "bad address '/tmp/sock': not an IP address and port",
	    ADDR_INET, "" },
	{ "@name", 0, "bad address '@name': not an IP address and port",
	    ADDR_INET, "" },
	{ "unix.sock", 0,
	    "bad address 'unix.sock': unknown service 'unix.sock'", ADDR_INET, "" },
	/* To a Unix-domain program, every word but @name is a path. */
	{ "unix.sock", 1, NULL, ADDR_UNIX, "unix.sock" },
	{ "dir/unix.sock", 1, NULL, ADDR_UNIX, "dir/unix.sock" },
	{ "80", 1, NULL, ADDR_UNIX, "80" },
	{ "127.0.0.1:80", 1, NULL, ADDR_UNIX, "127.0.0.1:80" },
	{ "/tmp/sock", 1, NULL, ADDR_UNIX, "/tmp/sock" },
	{ "../sock", 1, NULL, ADDR_UNIX, "../sock" },
	{ "@name", 1, NULL, ADDR_ABSTRACT, "name" },
	{ "", 1, "bad address '': empty path", ADDR_UNIX, "" },
	{ "@", 1, "bad address '@': empty abstract name", ADDR_UNIX, "" },
};

START_TEST(test_operand)
{
	const struct operand_case *t = &operand_cases[_i];
	struct addr a;
	char why[ADDR_WHYLEN + 64];

	strcpy(why, "untouched");
	if (t->why != NULL) {
		ck_assert_int_eq(addr_operand(&a, t->spec, "tcp", t->local, why,
		    sizeof why), -1);
		ck_assert_str_eq(why, t->why);
		return;
	}
	ck_assert_int_eq(addr_operand(&a, t->spec, "tcp", t->local, why,
	    sizeof why), 0);
	ck_assert_int_eq(a.kind, t->kind);
	ck_assert_str_eq(a.path, t->path);
	ck_assert_str_eq(why, "untouched");
}
END_TEST

START_TEST(test_format_ipv4)
{
	struct sockaddr_in sin;
	char buf[ADDR_STRLEN];

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(9877);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_ptr_eq(addr_format((struct sockaddr *)&sin, sizeof sin, buf,
	    sizeof buf), buf);
	ck_assert_str_eq(buf, "127.0.0.1:9877");
}
END_TEST

START_TEST(test_format_ipv6_in_brackets)
{
	struct sockaddr_in6 sin6;
	char buf[ADDR_STRLEN];

	memset(&sin6, 0, sizeof sin6);
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(9877);
	sin6.sin6_addr = in6addr_loopback;
	addr_format((struct sockaddr *)&sin6, sizeof sin6, buf, sizeof buf);
	ck_assert_str_eq(buf, "[::1]:9877");
}
END_TEST

/* What a dual-stack listener sees of an IPv4 client is shown as IPv4. */
START_TEST(test_format_v4_mapped_as_ipv4)
{
	struct sockaddr_in6 sin6;
	char buf[ADDR_STRLEN];

	memset(&sin6, 0, sizeof sin6);
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(40000);
	ck_assert_int_eq(inet_pton(AF_INET6, "::ffff:127.0.0.1",
	    &sin6.sin6_addr), 1);
	addr_format((struct sockaddr *)&sin6, sizeof sin6, buf, sizeof buf);
	ck_assert_str_eq(buf, "127.0.0.1:40000");
}
END_TEST

/* A path is shown up to its NUL, or up to the length when there is none. */
START_TEST(test_format_unix_path)
{
	struct sockaddr_un sun;
	char buf[ADDR_STRLEN];
	socklen_t base = offsetof(struct sockaddr_un, sun_path);

	memset(&sun, 'X', sizeof sun);
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, "/path", 6);
	addr_format((struct sockaddr *)&sun, base + 6, buf, sizeof buf);
	ck_assert_str_eq(buf, "/path");
	addr_format((struct sockaddr *)&sun, sizeof sun, buf, sizeof buf);
	ck_assert_str_eq(buf, "/path");

	memset(&sun, 'X', sizeof sun);
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, "/path", 5);
	addr_format((struct sockaddr *)&sun, base + 5, buf, sizeof buf);
	ck_assert_str_eq(buf, "/path");
}
END_TEST

/* An abstract name has no terminator: its length is all there is. */
START_TEST(test_format_abstract_by_length)
{
	struct sockaddr_un sun;
	char buf[ADDR_STRLEN];

	memset(&sun, 'X', sizeof sun);
	sun.sun_family = AF_UNIX;
	sun.sun_path[0] = '\0';
	memcpy(sun.sun_path + 1, "name", 4);
	addr_format((struct sockaddr *)&sun,
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + 4), buf,
	    sizeof buf);
	ck_assert_str_eq(buf, "@name");
}
END_TEST

START_TEST(test_format_unnamed)
{
	struct sockaddr_un sun;
	char buf[ADDR_STRLEN];

	memset(&sun, 'X', sizeof sun);
	sun.sun_family = AF_UNIX;
	addr_format((struct sockaddr *)&sun, sizeof(sa_family_t), buf,
	    sizeof buf);
	ck_assert_str_eq(buf, "unnamed");
}
END_TEST

START_TEST(test_format_cut_to_buffer)
{
	struct sockaddr_in sin;
	char buf[5];

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(9877);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	addr_format((struct sockaddr *)&sin, sizeof sin, buf, sizeof buf);
	ck_assert_str_eq(buf, "127.");
}
END_TEST

/* A path's sockaddr holds it with its NUL; its length counts that NUL. */
START_TEST(test_sockaddr_un_path)
{
	struct sockaddr_un sun;
	struct addr a;
	socklen_t len = 0;
	char why[ADDR_WHYLEN], buf[ADDR_STRLEN];

	ck_assert_int_eq(addr_parse(&a, "./sock", "tcp", why, sizeof why), 0);
	ck_assert_int_eq(addr_sockaddr_un(&a, &sun, &len), 0);
	ck_assert_int_eq(sun.sun_family, AF_UNIX);
	ck_assert_uint_eq(len, offsetof(struct sockaddr_un, sun_path) + 7);
	ck_assert_str_eq(sun.sun_path, "./sock");

	/* The longest path fills sun_path, its NUL included. */
	ck_assert_int_eq(addr_parse(&a, PATH107, "tcp", why, sizeof why), 0);
	ck_assert_int_eq(addr_sockaddr_un(&a, &sun, &len), 0);
	ck_assert_uint_eq(len, sizeof sun);
	ck_assert_str_eq(sun.sun_path, PATH107);
	addr_format((struct sockaddr *)&sun, len, buf, sizeof buf);
	ck_assert_str_eq(buf, PATH107);
}
END_TEST

/* An abstract name follows a NUL, and the length ends it: no terminator. */
START_TEST(test_sockaddr_un_abstract)
{
	struct sockaddr_un sun;
	struct addr a;
	socklen_t len = 0;
	char why[ADDR_WHYLEN], buf[ADDR_STRLEN];

	ck_assert_int_eq(addr_parse(&a, "@name", "tcp", why, sizeof why), 0);
	ck_assert_int_eq(addr_sockaddr_un(&a, &sun, &len), 0);
	ck_assert_uint_eq(len, offsetof(struct sockaddr_un, sun_path) + 5);
	ck_assert_int_eq(sun.sun_path[0], '\0');
	ck_assert_mem_eq(sun.sun_path + 1, "name", 4);
	addr_format((struct sockaddr *)&sun, len, buf, sizeof buf);
	ck_assert_str_eq(buf, "@name");

	/* The longest name fills sun_path exactly. */
	ck_assert_int_eq(addr_parse(&a, "@" NAME107, "tcp", why, sizeof why), 0);
	ck_assert_int_eq(addr_sockaddr_un(&a, &sun, &len), 0);
	ck_assert_uint_eq(len, sizeof sun);
	ck_assert_mem_eq(sun.sun_path + 1, NAME107, ADDR_UNIX_MAX);
	addr_format((struct sockaddr *)&sun, len, buf, sizeof buf);
	ck_assert_str_eq(buf, "@" NAME107);
}
END_TEST

START_TEST(test_sockaddr_un_refuses_inet)
{
	struct sockaddr_un sun;
	struct addr a;
	socklen_t len = 0;
	char why[ADDR_WHYLEN];

	ck_assert_int_eq(addr_parse(&a, "127.0.0.1:80", "tcp", why,
	    sizeof why), 0);
	errno = 0;
	ck_assert_int_eq(addr_sockaddr_un(&a, &sun, &len), -1);
	ck_assert_int_eq(errno, EAFNOSUPPORT);
}
END_TEST

struct spec_case {
	const char	*spec;
	const char	*written;	/* what addr_spec gives back */
};

static const struct spec_case spec_cases[] = {
	{ "localhost:9877", "localhost:9877" },
	{ "127.0.0.1:0", "127.0.0.1:0" },
	{ "[::1]:9877", "[::1]:9877" },
	{ "[fe80::1%lo]:80", "[fe80::1%lo]:80" },
	{ "*:9877", "*:9877" },
	{ "9877", "*:9877" },
	{ "localhost:echo", "localhost:7" },
	{ "/tmp/tincan.sock", "/tmp/tincan.sock" },
	{ "./rel", "./rel" },
	{ "@name", "@name" },
	{ PATH107, PATH107 },
	{ "@" NAME107, "@" NAME107 },
};

/* What addr_spec writes reads back as the same address. */
START_TEST(test_spec_round_trip)
{
	const struct spec_case *t = &spec_cases[_i];
	struct addr a, again;
	char why[ADDR_WHYLEN], buf[ADDR_STRLEN];

	ck_assert_int_eq(addr_parse(&a, t->spec, "tcp", why, sizeof why), 0);
	ck_assert_ptr_eq(addr_spec(&a, buf, sizeof buf), buf);
	ck_assert_str_eq(buf, t->written);
	ck_assert_msg(addr_parse(&again, buf, "tcp", why, sizeof why) == 0,
	    "\"%s\" does not read back: %s", buf, why);
	ck_assert_mem_eq(&a, &again, sizeof a);
}
END_TEST

static Suite *
addr_suite(void)
{
	Suite *s = suite_create("addr");
	TCase *tc;

	tc = tcase_create("parse");
	tcase_add_loop_test(tc, test_parse_gives_fields_or_exact_reason, 0,
	    NCASES(parse_cases));
	tcase_add_test(tc, test_limit_names_have_their_lengths);
	tcase_add_test(tc, test_host_longer_than_buffer_is_refused);
	tcase_add_test(tc, test_reason_fits_callers_buffer);
	tcase_add_test(tc, test_parse_starts_afresh);
	tcase_add_loop_test(tc, test_operand, 0, NCASES(operand_cases));
	suite_add_tcase(s, tc);

	tc = tcase_create("format");
	tcase_add_test(tc, test_format_ipv4);
	tcase_add_test(tc, test_format_ipv6_in_brackets);
	tcase_add_test(tc, test_format_v4_mapped_as_ipv4);
	tcase_add_test(tc, test_format_unix_path);
	tcase_add_test(tc, test_format_abstract_by_length);
	tcase_add_test(tc, test_format_unnamed);
	tcase_add_test(tc, test_format_cut_to_buffer);
	tcase_add_test(tc, test_sockaddr_un_path);
	tcase_add_test(tc, test_sockaddr_un_abstract);
	tcase_add_test(tc, test_sockaddr_un_refuses_inet);
	suite_add_tcase(s, tc);

	tc = tcase_create("spec");
	tcase_add_loop_test(tc, test_spec_round_trip, 0, NCASES(spec_cases));
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(addr_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
