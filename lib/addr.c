/* addr: parse and format endpoints, the address grammar of every program. */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "escape.h"
#include "num.h"

static int
fail(char *why, size_t whylen, const char *reason)
{
	snprintf(why, whylen, "%s", reason);
	return -1;
}

/* A path or an abstract name: the bytes after any '@', up to 107 of them. */
static int
parse_local(struct addr *a, const char *spec, char *why, size_t whylen)
{
	const char *name = spec;

	a->kind = ADDR_UNIX;
	if (*spec == '@') {
		a->kind = ADDR_ABSTRACT;
		name = spec + 1;
		if (*name == '\0')
			return fail(why, whylen, "empty abstract name");
	}
	if (strlen(name) > ADDR_UNIX_MAX)
		return fail(why, whylen, a->kind == ADDR_UNIX ?
		    "Unix path too long (max 107 bytes)" :
		    "abstract name too long (max 107 bytes)");
	memcpy(a->path, name, strlen(name) + 1);
	return 0;
}

/* A decimal port, or a service name from the services database. */
static int
parse_port(struct addr *a, const char *port, const char *proto, char *why,
    size_t whylen)
{
	struct servent *se;
	long long v;
	const char *numwhy;
	size_t i;

	if (*port == '\0')
		return fail(why, whylen, "empty port");
	if (isdigit((unsigned char)*port) || *port == '-' || *port == '+') {
		for (i = (*port == '-' || *port == '+'); isdigit((unsigned char)port[i]); i++)
			continue;
		if (port[i] != '\0' && i > 0 && isdigit((unsigned char)port[i - 1]))
			return fail(why, whylen, "trailing characters after port");
		if (*port == '+' || (*port == '-' && i == 1))
			return fail(why, whylen, "bad port");
		if (*port == '-')
			return fail(why, whylen, "port out of range");
		if (num_parse(port, 0, 65535, &v, &numwhy) == -1)
			return fail(why, whylen, errno == ERANGE ?
			    "port out of range" : "bad port");
		a->port = (unsigned)v;
		return 0;
	}
	if ((se = getservbyname(port, proto)) == NULL) {
		snprintf(why, whylen, "unknown service '%s'", port);
		return -1;
	}
	a->port = ntohs((unsigned short)se->s_port);
	return 0;
}

/* A host name or IPv4 literal: letters, digits, '.', '-' and '_' only. */
static int
parse_host(struct addr *a, const char *host, size_t len, char *why,
    size_t whylen)
{
	size_t i;

	if (len == 0)
		return fail(why, whylen, "empty host");
	if (len >= sizeof a->host)
		return fail(why, whylen, "host name too long");
	if (len == 1 && *host == '*') {
		a->wildcard = 1;
		return 0;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)host[i];

		if (!isalnum(c) && c != '.' && c != '-' && c != '_') {
			snprintf(why, whylen, "bad character '%c' in host name", c);
			return -1;
		}
	}
	memcpy(a->host, host, len);
	a->host[len] = '\0';
	return 0;
}

/* "[v6]:port": the literal must be IPv6, with an optional %scope. */
static int
parse_bracketed(struct addr *a, const char *spec, const char *proto,
    char *why, size_t whylen)
{
	const char *close = strchr(spec, ']');
	struct in6_addr in6;
	char literal[INET6_ADDRSTRLEN + 64];
	size_t len;

	if (close == NULL)
		return fail(why, whylen, "missing ']'");
	len = (size_t)(close - spec - 1);
	if (len == 0)
		return fail(why, whylen, "empty host");
	if (len >= sizeof literal)
		return fail(why, whylen, "bad IPv6 address");
	memcpy(literal, spec + 1, len);
	literal[len] = '\0';
	literal[strcspn(literal, "%")] = '\0';
	if (inet_pton(AF_INET6, literal, &in6) != 1)
		return fail(why, whylen, "bad IPv6 address");
	/* An IPv6 socket bound with IPV6_V6ONLY cannot take one: say what to write. */
	if (IN6_IS_ADDR_V4MAPPED(&in6)) {
		inet_ntop(AF_INET, &in6.s6_addr[12], literal, sizeof literal);
		snprintf(why, whylen, "an IPv4-mapped IPv6 address: write it as %s",
		    literal);
		return -1;
	}
	memcpy(a->host, spec + 1, len);
	a->host[len] = '\0';
	if (close[1] == '\0')
		return fail(why, whylen, "missing port after ']'");
	if (close[1] != ':')
		return fail(why, whylen, "trailing characters after ']'");
	return parse_port(a, close + 2, proto, why, whylen);
}

int
addr_parse(struct addr *a, const char *spec, const char *proto, char *why,
    size_t whylen)
{
	const char *colon;

	memset(a, 0, sizeof *a);
	a->kind = ADDR_INET;
	if (*spec == '\0')
		return fail(why, whylen, "empty address");
	if (*spec == '/' || *spec == '@' || strncmp(spec, "./", 2) == 0 ||
	    strncmp(spec, "../", 3) == 0)
		return parse_local(a, spec, why, whylen);
	if (*spec == '[')
		return parse_bracketed(a, spec, proto, why, whylen);
	if ((colon = strchr(spec, ':')) == NULL) {
		a->wildcard = 1;
		return parse_port(a, spec, proto, why, whylen);
	}
	if (strchr(colon + 1, ':') != NULL)
		return fail(why, whylen, "IPv6 address needs brackets: [addr]:port");
	if (parse_host(a, spec, (size_t)(colon - spec), why, whylen) == -1)
		return -1;
	return parse_port(a, colon + 1, proto, why, whylen);
}

int
addr_operand(struct addr *a, const char *spec, const char *proto, int local,
    char *why, size_t whylen)
{
	char reason[ADDR_WHYLEN];
	int rc;

	/* A Unix-domain program has no services: a word is a path, as bind(2) takes it. */
	if (local) {
		memset(a, 0, sizeof *a);
		rc = *spec == '\0' ? fail(reason, sizeof reason, "empty path") :
		    parse_local(a, spec, reason, sizeof reason);
	} else
		rc = addr_parse(a, spec, proto, reason, sizeof reason);
	if (rc == 0 && !local && a->kind != ADDR_INET)
		rc = fail(reason, sizeof reason, "not an IP address and port");
	if (rc == -1) {
		snprintf(why, whylen, "bad address '%s': %s", spec, reason);
		return -1;
	}
	return 0;
}

char *
addr_format(const struct sockaddr *sa, socklen_t len, char *buf, size_t size)
{
	const struct sockaddr_un *sun = (const struct sockaddr_un *)sa;
	char host[ADDR_HOSTLEN], serv[16];
	struct sockaddr_in v4;
	const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)sa;
	size_t pathlen;

	if (sa->sa_family == AF_UNIX) {
		pathlen = len > offsetof(struct sockaddr_un, sun_path) ?
		    len - offsetof(struct sockaddr_un, sun_path) : 0;
		/* A peer names its own socket: its bytes are escaped. */
		if (pathlen == 0)
			snprintf(buf, size, "unnamed");
		else if (sun->sun_path[0] == '\0' && size > 1) {
			buf[0] = '@';
			escape_text(buf + 1, size - 1, sun->sun_path + 1, pathlen - 1);
		} else
			escape_text(buf, size, sun->sun_path,
			    strnlen(sun->sun_path, pathlen));
		return buf;
	}
	if (sa->sa_family == AF_INET6 && len >= sizeof *v6 &&
	    IN6_IS_ADDR_V4MAPPED(&v6->sin6_addr)) {
		memset(&v4, 0, sizeof v4);
		v4.sin_family = AF_INET;
		v4.sin_port = v6->sin6_port;
		memcpy(&v4.sin_addr, &v6->sin6_addr.s6_addr[12], 4);
		sa = (const struct sockaddr *)&v4;
		len = sizeof v4;
	}
	if (getnameinfo(sa, len, host, sizeof host, serv, sizeof serv,
	    NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		snprintf(buf, size, "unknown");
	else if (sa->sa_family == AF_INET6)
		snprintf(buf, size, "[%s]:%s", host, serv);
	else
		snprintf(buf, size, "%s:%s", host, serv);
	return buf;
}

char *
addr_spec(const struct addr *a, char *buf, size_t size)
{
	if (a->kind == ADDR_UNIX)
		snprintf(buf, size, "%s", a->path);
	else if (a->kind == ADDR_ABSTRACT)
		snprintf(buf, size, "@%s", a->path);
	else if (a->wildcard)
		snprintf(buf, size, "*:%u", a->port);
	else if (strchr(a->host, ':') != NULL)
		snprintf(buf, size, "[%s]:%u", a->host, a->port);
	else
		snprintf(buf, size, "%s:%u", a->host, a->port);
	return buf;
}

int
addr_sockaddr_un(const struct addr *a, struct sockaddr_un *sun, socklen_t *len)
{
	size_t n = strlen(a->path);

	if (a->kind == ADDR_INET) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	memset(sun, 0, sizeof *sun);
	sun->sun_family = AF_UNIX;
	if (a->kind == ADDR_ABSTRACT) {
		/* The name is the bytes after a leading NUL, and no terminator. */
		memcpy(sun->sun_path + 1, a->path, n);
		*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
	} else {
		memcpy(sun->sun_path, a->path, n + 1);
		*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
	}
	return 0;
}
