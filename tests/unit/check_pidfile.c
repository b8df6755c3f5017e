/*
 * check_pidfile: the pidfile is made or taken in a held directory, never
 * through a link, never a file with a second name or another owner;
 * locked, so that a second open says who runs; written, then held
 * read-only; removed at the end only if it is still ours.  And
 * path_open_dir, which holds the directory.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "path.h"
#include "pidfile.h"

static char dir[64];
static char err[512];

static void
setup(void)
{
	snprintf(dir, sizeof dir, "%s", "/tmp/check_pidfile.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void
teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* dir/name, in buf. */
static const char *
in_dir(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", dir, name);
	return buf;
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

START_TEST(test_path_open_dir)
{
	char name[NAME_MAX + 1], path[PATH_MAX], big[PATH_MAX + 16];
	int fd;

	ck_assert_int_ne(fd = path_open_dir("bare", name, sizeof name), -1);
	ck_assert_str_eq(name, "bare");
	close(fd);
	ck_assert_int_ne(fd = path_open_dir("/tmp", name, sizeof name), -1);
	ck_assert_str_eq(name, "tmp");
	close(fd);
	ck_assert_int_ne(fd = path_open_dir(in_dir(path, sizeof path, "f"), name,
	    sizeof name), -1);
	ck_assert_str_eq(name, "f");
	close(fd);
	errno = 0;
	ck_assert_int_eq(path_open_dir("a/b/", name, sizeof name), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(path_open_dir("/no/such/dir/f", name, sizeof name), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(path_open_dir("/tmp/a-long-name", name, 4), -1);
	ck_assert_int_eq(errno, ENAMETOOLONG);
	memset(big, 'd', sizeof big - 3);
	memcpy(big + sizeof big - 3, "/f", 3);
	ck_assert_int_eq(path_open_dir(big, name, sizeof name), -1);
	ck_assert_int_eq(errno, ENAMETOOLONG);
}
END_TEST

/* Made, locked against a second open, written, read-only, then removed. */
START_TEST(test_pidfile_life)
{
	struct pidfile pf, second;
	char path[PATH_MAX], want[PATH_MAX + 64], text[32] = "";
	struct stat st;
	FILE *f;

	in_dir(path, sizeof path, "p.pid");
	ck_assert_msg(pidfile_open(&pf, path, err, sizeof err) == 0, "%s", err);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0644);
	ck_assert_msg(pidfile_write(&pf, err, sizeof err) == 0, "%s", err);
	ck_assert_int_eq(pf.writefd, -1);
	ck_assert_int_eq(fcntl(pf.lockfd, F_GETFL) & O_ACCMODE, O_RDONLY);
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	ck_assert_ptr_nonnull(fgets(text, sizeof text, f));
	fclose(f);
	snprintf(want, sizeof want, "%ld\n", (long)getpid());
	ck_assert_str_eq(text, want);
	/* A second server: refused, and told which pid runs. */
	ck_assert_int_eq(pidfile_open(&second, path, err, sizeof err), -1);
	snprintf(want, sizeof want, "pidfile %s: already running (pid %ld)", path,
	    (long)getpid());
	ck_assert_str_eq(err, want);
	ck_assert_int_eq(second.lockfd, -1);
	pidfile_remove(&pf);
	ck_assert_int_eq(access(path, F_OK), -1);
	/* Free again. */
	ck_assert_msg(pidfile_open(&pf, path, err, sizeof err) == 0, "%s", err);
	pidfile_remove(&pf);
}
END_TEST

/* A stale file of ours is taken over and made 0644. */
START_TEST(test_pidfile_stale_taken_over)
{
	char path[PATH_MAX];
	struct pidfile pf;
	struct stat st;

	in_dir(path, sizeof path, "stale.pid");
	write_file(path, "999999\n");
	ck_assert_int_eq(chmod(path, 0666), 0);
	ck_assert_msg(pidfile_open(&pf, path, err, sizeof err) == 0, "%s", err);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0644);
	ck_assert_msg(pidfile_write(&pf, err, sizeof err) == 0, "%s", err);
	pidfile_remove(&pf);
}
END_TEST

struct refusal {
	const char	*name;
	const char	*why;
};

static const struct refusal refusals[] = {
	{ "link.pid", "a symbolic link; not followed" },
	{ "hard.pid", "has 2 names (a hard link); not used" },
	{ "fifo.pid", "not a regular file; not used" },
	{ "dir.pid", "Is a directory" },
	{ "none/x.pid", "No such file or directory" },
	{ "slash/", "not a file name" },
};

START_TEST(test_pidfile_refuses)
{
	char path[PATH_MAX], other[PATH_MAX], want[PATH_MAX + 128];
	struct pidfile pf;

	write_file(in_dir(other, sizeof other, "target"), "precious\n");
	ck_assert_int_eq(symlink(other, in_dir(path, sizeof path, "link.pid")), 0);
	ck_assert_int_eq(link(other, in_dir(path, sizeof path, "hard.pid")), 0);
	ck_assert_int_eq(mkfifo(in_dir(path, sizeof path, "fifo.pid"), 0600), 0);
	ck_assert_int_eq(mkdir(in_dir(path, sizeof path, "dir.pid"), 0700), 0);
	in_dir(path, sizeof path, refusals[_i].name);
	ck_assert_int_eq(pidfile_open(&pf, path, err, sizeof err), -1);
	snprintf(want, sizeof want, "pidfile %s: %s", path, refusals[_i].why);
	ck_assert_str_eq(err, want);
	ck_assert_int_eq(pf.dirfd, -1);
	ck_assert_int_eq(pf.lockfd, -1);
}
END_TEST

/* Someone else's file, as root: refused as not ours (root only, to chown). */
START_TEST(test_pidfile_refuses_another_owner)
{
	char path[PATH_MAX], want[PATH_MAX + 160];
	struct pidfile pf;

	if (geteuid() != 0)
		return;
	in_dir(path, sizeof path, "theirs.pid");
	write_file(path, "1\n");
	ck_assert_int_eq(chown(path, 65534, 65534), 0);
	ck_assert_int_eq(pidfile_open(&pf, path, err, sizeof err), -1);
	snprintf(want, sizeof want, "pidfile %s: owned by uid 65534, not by this "
	    "server; not used (remove it, or use a directory only root can "
	    "write, such as /run)", path);
	ck_assert_str_eq(err, want);
}
END_TEST

/* At the end, a file put in the pidfile's place is left alone. */
START_TEST(test_pidfile_remove_only_ours)
{
	char path[PATH_MAX], moved[PATH_MAX];
	struct pidfile pf;

	in_dir(path, sizeof path, "p.pid");
	ck_assert_msg(pidfile_open(&pf, path, err, sizeof err) == 0, "%s", err);
	ck_assert_msg(pidfile_write(&pf, err, sizeof err) == 0, "%s", err);
	ck_assert_int_eq(rename(path, in_dir(moved, sizeof moved, "moved")), 0);
	write_file(path, "someone else's\n");
	pidfile_remove(&pf);
	ck_assert_int_eq(access(path, F_OK), 0);
	ck_assert_int_eq(access(moved, F_OK), 0);
}
END_TEST

/* Closed, as in a child: nothing removed, the lock still the parent's. */
START_TEST(test_pidfile_close_removes_nothing)
{
	char path[PATH_MAX];
	struct pidfile pf;

	in_dir(path, sizeof path, "p.pid");
	ck_assert_msg(pidfile_open(&pf, path, err, sizeof err) == 0, "%s", err);
	ck_assert_msg(pidfile_write(&pf, err, sizeof err) == 0, "%s", err);
	pidfile_close(&pf);
	ck_assert_int_eq(access(path, F_OK), 0);
	pidfile_close(&pf);	/* twice is harmless */
}
END_TEST

static Suite *
pidfile_suite(void)
{
	Suite *s = suite_create("pidfile");
	TCase *tc = tcase_create("pidfile");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_path_open_dir);
	tcase_add_test(tc, test_pidfile_life);
	tcase_add_test(tc, test_pidfile_stale_taken_over);
	tcase_add_loop_test(tc, test_pidfile_refuses, 0,
	    (int)(sizeof refusals / sizeof refusals[0]));
	tcase_add_test(tc, test_pidfile_refuses_another_owner);
	tcase_add_test(tc, test_pidfile_remove_only_ours);
	tcase_add_test(tc, test_pidfile_close_removes_nothing);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(pidfile_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
