/*
 * Tests for core/fsutil: atomic writes, capped reads, mkdir -p, locks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/fsutil.h"
#include "core/mem.h"
#include "tests/test_util.h"

static int
setup(void **state)
{
	*state = test_tmpdir();
	return *state == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	test_rmtree(*state);
	free(*state);
	return 0;
}

/* Number of entries in dir other than . and .. */
static int
count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void
test_write_atomic_then_read(void **state)
{
	struct ep_err err = EP_ERR_INIT;
	char *path = ep_xasprintf("%s/p.json", (char *)*state), *buf;
	struct stat st;
	size_t len;

	assert_int_equal(ep_write_atomic(path, "old", 3, 0644, &err), 0);
	assert_int_equal(ep_write_atomic(path, "new!", 4, 0600, &err), 0);
	assert_int_equal(ep_read_file(path, 100, &buf, &len, &err), 0);
	assert_int_equal(len, 4);
	assert_string_equal(buf, "new!");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* No temporary file is left behind. */
	assert_int_equal(count_entries(*state), 1);
	free(buf);
	free(path);
}

static void
test_write_atomic_keeps_devices(void **state)
{
	struct ep_err err = EP_ERR_INIT;
	struct stat st;

	assert_int_equal(ep_write_atomic("/dev/null", "x", 1, 0644, &err), 0);
	assert_int_equal(stat("/dev/null", &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(ep_write_atomic(*state, "x", 1, 0644, &err), -1);
	assert_contains(err.msg, "is a directory");
}

static void
test_write_atomic_failure_leaves_target(void **state)
{
	struct ep_err err = EP_ERR_INIT;
	char *path = ep_xasprintf("%s/missing/p.json", (char *)*state);

	assert_int_equal(ep_write_atomic(path, "x", 1, 0644, &err), -1);
	assert_int_equal(err.code, EP_EIO);
	assert_contains(err.msg, "missing/p.json: cannot create temporary");
	free(path);
}

static void
test_read_rejects_directory_and_missing(void **state)
{
	struct ep_err err = EP_ERR_INIT;
	char *buf = NULL, *path;
	size_t len;

	assert_int_equal(ep_read_file(*state, 100, &buf, &len, &err), -1);
	assert_contains(err.msg, "is a directory");
	path = ep_xasprintf("%s/nope", (char *)*state);
	assert_int_equal(ep_read_file(path, 100, &buf, &len, &err), -1);
	assert_int_equal(err.code, EP_ENOTFOUND);
	assert_contains(err.msg, "No such file");
	assert_null(buf);
	free(path);
}

static void
test_read_enforces_cap(void **state)
{
	struct ep_err err = EP_ERR_INIT;
	char *path = ep_xasprintf("%s/big", (char *)*state), *buf = NULL;
	size_t len;

	assert_int_equal(ep_write_atomic(path, "0123456789", 10, 0644, &err),
	    0);
	assert_int_equal(ep_read_file(path, 9, &buf, &len, &err), -1);
	assert_int_equal(err.code, EP_ENOMEM);
	assert_contains(err.msg, "too large");
	assert_int_equal(ep_read_file(path, 10, &buf, &len, &err), 0);
	assert_int_equal(len, 10);
	free(buf);
	free(path);
}

static void
test_read_from_pipe(void **state)
{
	struct ep_err err = EP_ERR_INIT;
	char *path = ep_xasprintf("%s/fifo", (char *)*state), *buf = NULL;
	size_t len;
	pid_t pid;

	assert_int_equal(mkfifo(path, 0600), 0);
	if ((pid = fork()) == 0) {
		int fd = open(path, O_WRONLY);
		char chunk[1000];
		int i;

		memset(chunk, 'z', sizeof chunk);
		for (i = 0; i < 200; i++)
			if (write(fd, chunk, sizeof chunk) < 0)
				_exit(1);
		_exit(0);
	}
	/* Larger than the first buffer: exercises the growth path. */
	assert_int_equal(ep_read_file(path, 1 << 20, &buf, &len, &err), 0);
	assert_int_equal(len, 200000);
	waitpid(pid, NULL, 0);
	free(buf);
	free(path);
}

static void
test_mkdir_p(void **state)
{
	struct ep_err err = EP_ERR_INIT;
	char *path = ep_xasprintf("%s/a/b//c/", (char *)*state), *file;
	struct stat st;

	assert_int_equal(ep_mkdir_p(path, 0700, &err), 0);
	assert_int_equal(ep_mkdir_p(path, 0700, &err), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	file = ep_xasprintf("%s/a/f", (char *)*state);
	assert_int_equal(ep_write_atomic(file, "", 0, 0644, &err), 0);
	free(path);
	path = ep_xasprintf("%s/a/f/g", (char *)*state);
	assert_int_equal(ep_mkdir_p(path, 0700, &err), -1);
	assert_contains(err.msg, "a/f");
	assert_int_equal(ep_mkdir_p("", 0700, &err), -1);
	free(file);
	free(path);
}

static void
test_lock_excludes_other_process(void **state)
{
	struct ep_err err = EP_ERR_INIT;
	struct ep_lock lock = EP_LOCK_INIT;
	char *path = ep_xasprintf("%s/lock", (char *)*state);
	int status;
	pid_t pid;

	assert_int_equal(ep_lock_take(&lock, path, 1, &err), 0);
	if ((pid = fork()) == 0) {
		int fd = open(path, O_RDWR);

		/* Held by the parent: a non-blocking try must fail. */
		_exit(flock(fd, LOCK_EX | LOCK_NB) == 0 ? 1 : 0);
	}
	waitpid(pid, &status, 0);
	assert_int_equal(WEXITSTATUS(status), 0);
	ep_lock_release(&lock);
	ep_lock_release(&lock);
	if ((pid = fork()) == 0) {
		int fd = open(path, O_RDWR);

		_exit(flock(fd, LOCK_EX | LOCK_NB) == 0 ? 0 : 1);
	}
	waitpid(pid, &status, 0);
	assert_int_equal(WEXITSTATUS(status), 0);
	free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_write_atomic_then_read,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_write_atomic_failure_leaves_target, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_atomic_keeps_devices,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_read_rejects_directory_and_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_enforces_cap, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_read_from_pipe, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_mkdir_p, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_excludes_other_process,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
