/*
 * check_escape: escape_text shows every byte a peer can send as text that
 * cannot act on a terminal or forge a log line, keeps what is printable,
 * never cuts an escape or a character, and says how much it took.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"

struct shown {
	const char	*in;
	size_t		 len;		/* 0: strlen(in) */
	const char	*out;
};

static const struct shown cases[] = {
	{ "hello, world", 0, "hello, world" },
	{ "", 0, "" },
	{ "\\", 0, "\\\\" },
	{ "a\tb\nc\rd", 0, "a\\tb\\nc\\rd" },
	{ "\0", 1, "\\x00" },
	{ "a\0b", 3, "a\\x00b" },
	{ "\x1b[31mred\x1b[0m", 0, "\\x1b[31mred\\x1b[0m" },
	{ "\x07\x08\x7f", 0, "\\x07\\x08\\x7f" },
	/* Valid UTF-8 stays: é, €, U+1F600. */
	{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 0,
	    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80" },
	/* Invalid: a lone continuation, a cut sequence, overlong, surrogate, past U+10FFFF. */
	{ "\x80", 0, "\\x80" },
	{ "\xc3", 0, "\\xc3" },
	{ "\xe2\x82", 0, "\\xe2\\x82" },
	{ "\xc0\xaf", 0, "\\xc0\\xaf" },
	{ "\xe0\x80\xaf", 0, "\\xe0\\x80\\xaf" },
	{ "\xed\xa0\x80", 0, "\\xed\\xa0\\x80" },
	{ "\xf4\x90\x80\x80", 0, "\\xf4\\x90\\x80\\x80" },
	{ "\xff\xfe", 0, "\\xff\\xfe" },
	/* Valid but not to be shown: C1 CSI, RLO, LINE SEPARATOR, BOM. */
	{ "\xc2\x9b", 0, "\\xc2\\x9b" },
	{ "\xe2\x80\xae", 0, "\\xe2\\x80\\xae" },
	{ "\xe2\x80\xa8", 0, "\\xe2\\x80\\xa8" },
	{ "\xef\xbb\xbf", 0, "\\xef\\xbb\\xbf" },
};

START_TEST(test_escape_shows)
{
	const struct shown *t = &cases[_i];
	size_t len = t->len != 0 ? t->len : strlen(t->in);
	char out[ESCAPE_SIZE(64)];

	ck_assert_uint_eq(escape_text(out, sizeof out, t->in, len), len);
	ck_assert_str_eq(out, t->out);
}
END_TEST

/* Whatever the bytes, the result holds only printable ASCII and valid UTF-8. */
START_TEST(test_escape_every_byte)
{
	char in[256], out[ESCAPE_SIZE(256)];
	size_t i;

	for (i = 0; i < 256; i++)
		in[i] = (char)i;
	ck_assert_uint_eq(escape_text(out, sizeof out, in, sizeof in), sizeof in);
	for (i = 0; out[i] != '\0'; i++)
		ck_assert_msg(out[i] >= 0x20 && out[i] < 0x7f,
		    "byte 0x%02x at %zu", (unsigned char)out[i], i);
	/* 94 printable as they are, the backslash doubled, 3 named, 158 as \xHH. */
	ck_assert_uint_eq(strlen(out), 94 + 2 + 3 * 2 + 158 * 4);
}
END_TEST

/* Short of room: stop before an escape or a character, never in one. */
START_TEST(test_escape_never_cuts)
{
	char out[8];

	/* "ab" and "\x01" (4) fit in 7; "\x02" does not. */
	ck_assert_uint_eq(escape_text(out, sizeof out, "ab\x01\x02", 4), 3);
	ck_assert_str_eq(out, "ab\\x01");
	/* A 4-byte character needs 4 of the 5 left: taken whole. */
	ck_assert_uint_eq(escape_text(out, 6, "x\xf0\x9f\x98\x80y", 6), 5);
	ck_assert_str_eq(out, "x\xf0\x9f\x98\x80");
	/* ... and not in 4. */
	ck_assert_uint_eq(escape_text(out, 5, "x\xf0\x9f\x98\x80", 5), 1);
	ck_assert_str_eq(out, "x");
	/* Room for the NUL alone. */
	ck_assert_uint_eq(escape_text(out, 1, "abc", 3), 0);
	ck_assert_str_eq(out, "");
}
END_TEST

/* ESCAPE_SIZE is enough for the worst input. */
START_TEST(test_escape_size_is_enough)
{
	char in[100], out[ESCAPE_SIZE(100)];

	memset(in, 0x01, sizeof in);
	ck_assert_uint_eq(escape_text(out, sizeof out, in, sizeof in), sizeof in);
	ck_assert_uint_eq(strlen(out), 400);
}
END_TEST

/* For a terminal shown as lines: LF, tab and the CR of CR LF pass; a bare CR does not. */
START_TEST(test_escape_terminal_keeps_lines)
{
	static const char in[] = "one\ttwo\r\nthree\rfour\n\x1b[0m\x00";
	char out[ESCAPE_SIZE(64)];

	ck_assert_uint_eq(escape_terminal(out, sizeof out, in, sizeof in - 1),
	    sizeof in - 1);
	ck_assert_str_eq(out, "one\ttwo\r\nthree\\rfour\n\\x1b[0m\\x00");
	/* Short of room, a CR LF goes whole or not at all: never a bare CR. */
	ck_assert_uint_eq(escape_terminal(out, 3, "a\r\n", 3), 1);
	ck_assert_str_eq(out, "a");
	/* A CR at the very end has no LF after it: escaped. */
	ck_assert_uint_eq(escape_terminal(out, sizeof out, "end\r", 4), 4);
	ck_assert_str_eq(out, "end\\r");
}
END_TEST

/* Between quotes, ASCII alone: a quote and any byte past 0x7e are escaped. */
START_TEST(test_escape_ascii_for_quotes)
{
	static const char in[] = "64\n\"a\"\\\x1b[0m\xc3\xa9\x00";
	char out[ESCAPE_SIZE(64)];

	ck_assert_uint_eq(escape_ascii(out, sizeof out, in, sizeof in - 1),
	    sizeof in - 1);
	ck_assert_str_eq(out, "64\\n\\x22a\\x22\\\\\\x1b[0m\\xc3\\xa9\\x00");
	/* Short of room, an escape goes whole or not at all. */
	ck_assert_uint_eq(escape_ascii(out, 4, "a\x1b", 2), 1);
	ck_assert_str_eq(out, "a");
}
END_TEST

static Suite *
escape_suite(void)
{
	Suite *s = suite_create("escape");
	TCase *tc = tcase_create("escape");

	tcase_add_loop_test(tc, test_escape_shows, 0,
	    (int)(sizeof cases / sizeof cases[0]));
	tcase_add_test(tc, test_escape_every_byte);
	tcase_add_test(tc, test_escape_never_cuts);
	tcase_add_test(tc, test_escape_size_is_enough);
	tcase_add_test(tc, test_escape_terminal_keeps_lines);
	tcase_add_test(tc, test_escape_ascii_for_quotes);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(escape_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
