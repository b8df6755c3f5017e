/* addr: parse and format endpoints, the address grammar of every program. */
#ifndef TINCAN_ADDR_H
#define TINCAN_ADDR_H

#include <stddef.h>
#include <sys/socket.h>

/* sun_path holds 108 bytes on Linux; a path needs one for its NUL. */
#define ADDR_UNIX_MAX	107
/* Room for a host as getnameinfo gives it (NI_MAXHOST). */
#define ADDR_HOSTLEN	1025
/* Room for any formatted endpoint: "[host]:65535", "/path" or "@name". */
#define ADDR_STRLEN	(ADDR_HOSTLEN + 8)
/* Room for the reason addr_parse gives. */
#define ADDR_WHYLEN	128

enum addr_kind {
	ADDR_INET,		/* host and port */
	ADDR_UNIX,		/* a path in the file system */
	ADDR_ABSTRACT		/* a Linux abstract name, "@name" */
};

struct addr {
	enum addr_kind	kind;
	int		wildcard;	/* inet: no host, or "*": every address */
	char		host[ADDR_HOSTLEN];	/* inet: name or literal, no brackets */
	unsigned	port;		/* inet: 0..65535 */
	char		path[ADDR_UNIX_MAX + 1]; /* unix path; abstract name without '@' */
};

/* For --help: the forms of an IP address beyond a port alone. */
#define ADDR_HELP_HOSTS \
	"  HOST:PORT       a name or an IPv4 address: localhost:9877, 127.0.0.1:55555\n" \
	"  [IPV6]:PORT     an IPv6 address, in brackets: [::1]:9877\n" \
	"PORT is a number or a service name (echo, or 7).\n"
/* For --help of a client: where the server is. */
#define ADDR_HELP_CLIENT \
	"The server's address (default: 9877, on this host):\n" \
	"  PORT            the loopback address, as 9877\n" \
	ADDR_HELP_HOSTS
/* For --help: the forms of a Unix-domain address. */
#define ADDR_HELP_LOCAL \
	"  PATH            a socket file, absolute or relative: /run/x.sock, unix.sock\n" \
	"  @NAME           a name in Linux's abstract namespace, with no file\n"

/*
 * addr_parse: parse spec, one of PORT, HOST:PORT, [IPV6]:PORT, *:PORT, /path,
 * ./path or @name, into *a.  A service name as PORT is looked up for proto
 * ("tcp" or "udp") in the services database.  An IPv4-mapped IPv6 literal,
 * [::ffff:a.b.c.d], is refused: the IPv4 address says the same.  Returns 0,
 * or -1 with the reason in why ("port out of range", "missing ']'", ...).
 */
int	addr_parse(struct addr *a, const char *spec, const char *proto,
	    char *why, size_t whylen);

/*
 * addr_operand: a program's address operand.  For a local program every
 * operand is a Unix path, relative or absolute, or an @name; for the others
 * it is addr_parse's grammar, and must be an IP address and port.  Returns 0, or -1 with the whole message in why: "bad address
 * '70000': port out of range".
 */
int	addr_operand(struct addr *a, const char *spec, const char *proto,
	    int local, char *why, size_t whylen);

/*
 * addr_format: write the numeric form of a socket address into buf:
 * "127.0.0.1:9877", "[::1]:9877", "/path", "@name", or "unnamed" for an
 * unbound Unix socket.  An IPv4-mapped IPv6 address is shown as IPv4; the
 * bytes of a Unix path or name, which a peer chooses, are escaped
 * (escape_text).
 * Returns buf.
 */
char	*addr_format(const struct sockaddr *sa, socklen_t len, char *buf,
	    size_t size);

/*
 * addr_spec: write a parsed address back in the grammar addr_parse reads:
 * "localhost:9877", "[::1]:9877", "*:9877", "/path", "@name".  Returns buf.
 */
char	*addr_spec(const struct addr *a, char *buf, size_t size);

/*
 * addr_sockaddr_un: fill *sun and *len for a Unix or abstract address.
 * Returns 0, or -1 with errno EAFNOSUPPORT for an inet address.
 */
struct sockaddr_un;
int	addr_sockaddr_un(const struct addr *a, struct sockaddr_un *sun,
	    socklen_t *len);

#endif
