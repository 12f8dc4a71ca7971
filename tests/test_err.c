/*
 * Tests for core/err and core/mem.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/mman.h>

#include "core/err.h"
#include "core/mem.h"
#include "tests/test_util.h"

static void
test_fail_formats_and_returns_minus_one(void **state)
{
	struct ep_err err = EP_ERR_INIT;

	(void)state;
	assert_int_equal(ep_fail(&err, EP_EPARSE, "%s:%d: bad '%s'", "a.csv",
	    12, "x"), -1);
	assert_int_equal(err.code, EP_EPARSE);
	assert_string_equal(err.msg, "a.csv:12: bad 'x'");
	assert_int_equal(ep_fail(NULL, EP_EIO, "ignored"), -1);
}

static void
test_prefix_adds_context(void **state)
{
	struct ep_err err = EP_ERR_INIT;

	(void)state;
	ep_fail(&err, EP_ERANGE, "'-5': must not be negative");
	assert_int_equal(ep_err_prefix(&err, "--%s", "qps"), -1);
	assert_string_equal(err.msg, "--qps: '-5': must not be negative");
	assert_int_equal(err.code, EP_ERANGE);
}

static void
test_prefix_truncates_safely(void **state)
{
	struct ep_err err = EP_ERR_INIT;
	char big[EP_ERR_MSG_MAX * 2];

	(void)state;
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	ep_fail(&err, EP_EIO, "%s", big);
	assert_int_equal(strlen(err.msg), EP_ERR_MSG_MAX - 1);
	ep_err_prefix(&err, "file.json");
	assert_int_equal(strlen(err.msg), EP_ERR_MSG_MAX - 1);
	assert_memory_equal(err.msg, "file.json: aaa", 14);
	ep_err_prefix(&err, "%s", big);
	assert_int_equal(strlen(err.msg), EP_ERR_MSG_MAX - 1);
}

static void
test_status_and_clear(void **state)
{
	struct ep_err err = EP_ERR_INIT;

	(void)state;
	ep_fail(&err, EP_EUSAGE, "x");
	assert_int_equal(ep_err_status(&err), 2);
	ep_fail(&err, EP_EIO, "x");
	assert_int_equal(ep_err_status(&err), 1);
	ep_err_clear(&err);
	assert_int_equal(err.code, EP_OK);
	assert_string_equal(err.msg, "");
}

static void
test_mem_helpers(void **state)
{
	char *s;
	double *d;

	(void)state;
	s = ep_xasprintf("%s-%d", "ngcf", 3);
	assert_string_equal(s, "ngcf-3");
	free(s);
	s = ep_xstrndup("abcdef", 3);
	assert_string_equal(s, "abc");
	free(s);
	d = ep_xaligned(100, sizeof *d);
	assert_int_equal((uintptr_t)d % 64, 0);
	d[99] = 1;
	free(d);
	d = ep_xreallocarray(NULL, 10, sizeof *d);
	d[9] = 2;
	free(d);
}

/* A table of megabytes starts on a huge page, and every byte of it,
 * past the last whole huge page too, is its own. */
static void
test_aligned_large(void **state)
{
	size_t n = (3u << 20) + 40, i;
	unsigned char *p;
	unsigned sum = 0;

	(void)state;
	p = ep_xaligned(n, 1);
	assert_int_equal((uintptr_t)p % 64, 0);
#ifdef MADV_HUGEPAGE
	assert_int_equal((uintptr_t)p % (2u << 20), 0);
#endif
	memset(p, 0xa5, n);
	for (i = 0; i < n; i += 4093)
		sum += p[i];
	sum += p[n - 1];
	assert_int_equal(sum, 0xa5u * ((n - 1) / 4093 + 2));
	free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fail_formats_and_returns_minus_one),
		cmocka_unit_test(test_prefix_adds_context),
		cmocka_unit_test(test_prefix_truncates_safely),
		cmocka_unit_test(test_status_and_clear),
		cmocka_unit_test(test_mem_helpers),
		cmocka_unit_test(test_aligned_large),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
