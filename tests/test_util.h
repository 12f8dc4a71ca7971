/*
 * Helpers shared by the cmocka unit tests.
 */
#ifndef ECOPLAN_TESTS_TEST_UTIL_H
#define ECOPLAN_TESTS_TEST_UTIL_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

/*
 * cmocka 1.1's assert_float_equal compares in float; this compares
 * doubles and prints both values in full.
 */
#define assert_close(a, b, tol) do { \
	double a_ = (a), b_ = (b); \
	if (!(fabs(a_ - b_) <= (tol))) \
		fail_msg("%s = %.17g, want %.17g (tolerance %g)", #a, a_, b_, \
		    (double)(tol)); \
} while (0)

/* Asserts that a string contains a substring. */
#define assert_contains(hay, needle) do { \
	const char *h_ = (hay), *n_ = (needle); \
	if (strstr(h_, n_) == NULL) \
		fail_msg("'%s' does not contain '%s'", h_, n_); \
} while (0)

/* A fresh temporary folder for a test (caller frees the string). */
static inline char *
test_tmpdir(void)
{
	char tmpl[] = "/tmp/ecoplan-test.XXXXXX";
	char *d = mkdtemp(tmpl);

	return d != NULL ? strdup(d) : NULL;
}

/* Removes a folder tree made by test_tmpdir(). */
static inline void
test_rmtree(const char *dir)
{
	char cmd[512];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

#endif
