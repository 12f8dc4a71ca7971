/*
 * Tests for ci-data/creds: the environment first, then the credentials
 * file, which is refused unless only its owner can read it; secrets
 * never appear in messages.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ci-data/creds.h"
#include "core/fsutil.h"
#include "tests/test_util.h"

#define ENV "ECOPLAN_TEST_TOKEN"
#define SECRET "em-secret-4242"

static char *home;
static char path[640];

static int
setup(void **state)
{
	struct ep_err err = EP_ERR_INIT;
	char dir[512];

	(void)state;
	if ((home = test_tmpdir()) == NULL)
		return -1;
	setenv("ECOPLAN_HOME", home, 1);
	unsetenv(ENV);
	snprintf(dir, sizeof dir, "%s/config", home);
	snprintf(path, sizeof path, "%s/credentials", dir);
	return ep_mkdir_p(dir, 0700, &err);
}

static int
teardown(void **state)
{
	(void)state;
	test_rmtree(home);
	free(home);
	unsetenv("ECOPLAN_HOME");
	unsetenv(ENV);
	return 0;
}

static void
write_creds(const char *text, mode_t mode)
{
	struct ep_err err = EP_ERR_INIT;

	assert_int_equal(ep_write_atomic(path, text, strlen(text), mode, &err),
	    0);
	assert_int_equal(chmod(path, mode), 0);
}

static void
test_none(void **state)
{
	struct ep_err err = EP_ERR_INIT;
	char *s = NULL;

	(void)state;
	unlink(path);
	assert_int_equal(ci_secret_get(ENV, "token", CI_SECRET_TOKEN, &s,
	    &err), 0);
	assert_null(s);
	ci_secret_free(NULL);
}

static void
test_env_first(void **state)
{
	struct ep_err err = EP_ERR_INIT;
	char *s = NULL;

	(void)state;
	write_creds("token = from-file\n", 0600);
	setenv(ENV, "from-env", 1);
	assert_int_equal(ci_secret_get(ENV, "token", CI_SECRET_TOKEN, &s,
	    &err), 1);
	assert_string_equal(s, "from-env");
	ci_secret_free(s);
	/* An empty variable counts as unset. */
	setenv(ENV, "", 1);
	assert_int_equal(ci_secret_get(ENV, "token", CI_SECRET_TOKEN, &s,
	    &err), 1);
	assert_string_equal(s, "from-file");
	ci_secret_free(s);
	unsetenv(ENV);
}

static void
test_file_format(void **state)
{
	struct ep_err err = EP_ERR_INIT;
	char *s = NULL;

	(void)state;
	write_creds("# ecoplan credentials\n\n  other=1\n"
	    "token =  first \ntoken=" SECRET "\r\npassword = two words\n",
	    0600);
	assert_int_equal(ci_secret_get(ENV, "token", CI_SECRET_TOKEN, &s,
	    &err), 1);
	assert_string_equal(s, SECRET);	/* the last one wins */
	ci_secret_free(s);
	assert_int_equal(ci_secret_get(ENV, "password", CI_SECRET_TEXT, &s,
	    &err), 1);
	assert_string_equal(s, "two words");
	ci_secret_free(s);
	assert_int_equal(ci_secret_get(ENV, "missing", CI_SECRET_TEXT, &s,
	    &err), 0);
	/* Spaces are fine in a password, not in a token. */
	assert_int_equal(ci_secret_get(ENV, "password", CI_SECRET_TOKEN, &s,
	    &err), -1);
	assert_int_equal(err.code, EP_EPARSE);
	assert_null(strstr(err.msg, "two words"));
}

static void
test_refused_when_open(void **state)
{
	static const mode_t modes[] = { 0644, 0640, 0604, 0660, 0602 };
	struct ep_err err = EP_ERR_INIT;
	char *s = NULL;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof modes / sizeof modes[0]; i++) {
		write_creds("token = " SECRET "\n", modes[i]);
		assert_int_equal(ci_secret_get(ENV, "token", CI_SECRET_TOKEN,
		    &s, &err), -1);
		assert_null(s);
		assert_int_equal(err.code, EP_EIO);
		assert_contains(err.msg, "refused: mode 0");
		assert_contains(err.msg, "chmod 600");
		assert_contains(err.msg, path);
		assert_null(strstr(err.msg, SECRET));
	}
	/* Stricter than 0600 is fine. */
	write_creds("token = " SECRET "\n", 0400);
	assert_int_equal(ci_secret_get(ENV, "token", CI_SECRET_TOKEN, &s,
	    &err), 1);
	ci_secret_free(s);
	chmod(path, 0600);
}

static void
test_malformed_line(void **state)
{
	struct ep_err err = EP_ERR_INIT;
	char *s = NULL;

	(void)state;
	write_creds("token = ok\n" SECRET "\n", 0600);
	assert_int_equal(ci_secret_get(ENV, "token", CI_SECRET_TOKEN, &s,
	    &err), -1);
	assert_int_equal(err.code, EP_EPARSE);
	assert_contains(err.msg, "credentials:2: expected 'key = value'");
	assert_null(strstr(err.msg, SECRET));
}

static void
test_bad_env_value(void **state)
{
	struct ep_err err = EP_ERR_INIT;
	char *s = NULL;

	(void)state;
	setenv(ENV, "abc\r\nX-Injected: 1", 1);
	assert_int_equal(ci_secret_get(ENV, "token", CI_SECRET_TOKEN, &s,
	    &err), -1);
	assert_int_equal(err.code, EP_EUSAGE);
	assert_string_equal(err.msg, ENV ": holds characters a token may not "
	    "contain");
	setenv(ENV, "has space", 1);
	assert_int_equal(ci_secret_get(ENV, "token", CI_SECRET_TOKEN, &s,
	    &err), -1);
	assert_int_equal(ci_secret_get(ENV, "token", CI_SECRET_TEXT, &s,
	    &err), 1);
	ci_secret_free(s);
	unsetenv(ENV);
}

static void
test_not_a_file(void **state)
{
	struct ep_err err = EP_ERR_INIT;
	char *s = NULL;

	(void)state;
	unlink(path);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(ci_secret_get(ENV, "token", CI_SECRET_TOKEN, &s,
	    &err), -1);
	assert_contains(err.msg, "not a regular file");
	rmdir(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_none),
		cmocka_unit_test(test_env_first),
		cmocka_unit_test(test_file_format),
		cmocka_unit_test(test_refused_when_open),
		cmocka_unit_test(test_malformed_line),
		cmocka_unit_test(test_bad_env_value),
		cmocka_unit_test(test_not_a_file),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
