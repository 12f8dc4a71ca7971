/*
 * Tests for core/paths: XDG folders and the ECOPLAN_HOME override.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <sys/stat.h>

#include "core/paths.h"
#include "tests/test_util.h"

static void
clear_env(void)
{
	unsetenv("ECOPLAN_HOME");
	unsetenv("XDG_DATA_HOME");
	unsetenv("XDG_CACHE_HOME");
	unsetenv("XDG_CONFIG_HOME");
	setenv("HOME", "/home/u", 1);
}

static void
want_dir(enum ep_dir kind, const char *want)
{
	struct ep_err err = EP_ERR_INIT;
	char *d = ep_xdg_dir(kind, &err);

	if (d == NULL)
		fail_msg("no folder: %s", err.msg);
	assert_string_equal(d, want);
	free(d);
}

static void
test_defaults_under_home(void **state)
{
	(void)state;
	clear_env();
	want_dir(EP_DIR_DATA, "/home/u/.local/share/ecoplan");
	want_dir(EP_DIR_CACHE, "/home/u/.cache/ecoplan");
	want_dir(EP_DIR_CONFIG, "/home/u/.config/ecoplan");
}

static void
test_xdg_variables(void **state)
{
	(void)state;
	clear_env();
	setenv("XDG_DATA_HOME", "/d", 1);
	setenv("XDG_CACHE_HOME", "/c", 1);
	setenv("XDG_CONFIG_HOME", "/k", 1);
	want_dir(EP_DIR_DATA, "/d/ecoplan");
	want_dir(EP_DIR_CACHE, "/c/ecoplan");
	want_dir(EP_DIR_CONFIG, "/k/ecoplan");
}

static void
test_relative_xdg_ignored(void **state)
{
	(void)state;
	clear_env();
	setenv("XDG_DATA_HOME", "relative/dir", 1);
	setenv("XDG_CACHE_HOME", "", 1);
	want_dir(EP_DIR_DATA, "/home/u/.local/share/ecoplan");
	want_dir(EP_DIR_CACHE, "/home/u/.cache/ecoplan");
}

static void
test_ecoplan_home_wins(void **state)
{
	(void)state;
	clear_env();
	setenv("XDG_DATA_HOME", "/d", 1);
	setenv("ECOPLAN_HOME", "/e", 1);
	want_dir(EP_DIR_DATA, "/e/data");
	want_dir(EP_DIR_CACHE, "/e/cache");
	want_dir(EP_DIR_CONFIG, "/e/config");
}

static void
test_no_home_is_an_error(void **state)
{
	struct ep_err err = EP_ERR_INIT;

	(void)state;
	clear_env();
	unsetenv("HOME");
	assert_null(ep_xdg_dir(EP_DIR_CACHE, &err));
	assert_contains(err.msg, "XDG_CACHE_HOME");
	setenv("HOME", "not/absolute", 1);
	assert_null(ep_xdg_dir(EP_DIR_DATA, &err));
}

static void
test_mkdir_creates_private_folder(void **state)
{
	struct ep_err err = EP_ERR_INIT;
	char *tmp = test_tmpdir(), *d;
	struct stat st;

	(void)state;
	clear_env();
	setenv("ECOPLAN_HOME", tmp, 1);
	d = ep_xdg_mkdir(EP_DIR_DATA, "profiles/host", &err);
	assert_non_null(d);
	assert_true(strstr(d, "/data/profiles/host") != NULL);
	assert_int_equal(stat(d, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	free(d);
	test_rmtree(tmp);
	free(tmp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_under_home),
		cmocka_unit_test(test_xdg_variables),
		cmocka_unit_test(test_relative_xdg_ignored),
		cmocka_unit_test(test_ecoplan_home_wins),
		cmocka_unit_test(test_no_home_is_an_error),
		cmocka_unit_test(test_mkdir_creates_private_folder),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
