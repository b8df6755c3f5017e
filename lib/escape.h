/*
 * escape: make bytes a peer controls safe to show on a terminal or in a
 * log.  Everything a server prints or logs that came from the network (the
 * print service's text, a refused request, a Unix peer's name) goes
 * through escape_text first.
 */
#ifndef TINCAN_ESCAPE_H
#define TINCAN_ESCAPE_H

#include <stddef.h>

/* The most one input byte can become: "\xHH". */
#define ESCAPE_RATIO	4
/* Room for the escaped form of n bytes, with its NUL. */
#define ESCAPE_SIZE(n)	((n) * ESCAPE_RATIO + 1)

/*
 * escape_text: write the len bytes at in to out (size bytes, at least 1)
 * as text that shows as it is and cannot move a cursor, end a line or
 * change a terminal's state.  Printable ASCII stays, and so does UTF-8
 * that is valid and visible; a backslash becomes "\\"; tab, newline and
 * carriage return become "\t", "\n" and "\r"; every other byte (controls,
 * DEL, invalid or overlong UTF-8, C1 controls, and the invisible format
 * characters that reorder or hide text, such as U+202E) becomes "\xHH".
 * An escape or a character that does not fit is left out whole, never
 * cut.  out is always NUL-terminated.  Returns how many bytes of in were
 * taken: len when all of it fitted.
 */
size_t	escape_text(char *out, size_t size, const void *in, size_t len);

/*
 * escape_terminal: escape_text for text a client shows on a terminal as
 * lines: a newline, a tab, and the carriage return of a CR LF pass as they
 * are; everything else as escape_text has it.
 */
size_t	escape_terminal(char *out, size_t size, const void *in, size_t len);

/*
 * escape_ascii: escape_text for bytes shown between double quotes, as
 * loadcli shows the first bytes of a reply it did not expect: printable
 * ASCII stays, but for the backslash ("\\") and the double quote
 * ("\x22"); tab, newline and carriage return become "\t", "\n" and
 * "\r"; every other byte, UTF-8 included, becomes "\xHH".
 */
size_t	escape_ascii(char *out, size_t size, const void *in, size_t len);

#endif
