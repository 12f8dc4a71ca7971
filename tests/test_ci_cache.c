/*
 * Tests for ci-data/cache: round trips of values and series, file
 * names and modes, times to live, and damaged or foreign cache files.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ci-data/cache.h"
#include "core/fsutil.h"
#include "tests/test_util.h"

#define NOW ((time_t)1795000000)

static char *home;

static int
setup(void **state)
{
	(void)state;
	if ((home = test_tmpdir()) == NULL)
		return -1;
	setenv("ECOPLAN_HOME", home, 1);
	unsetenv("ECOPLAN_CI_CACHE_TTL");
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	test_rmtree(home);
	free(home);
	unsetenv("ECOPLAN_HOME");
	return 0;
}

static void
sample(struct ci_value *v)
{
	ci_value_init(v);
	v->g_per_kwh = 182.5;
	v->at = NOW - 600;
	v->period_secs = 1800;
	snprintf(v->index, sizeof v->index, "moderate");
	v->tag.source = CI_SRC_UK;
	v->tag.basis = CI_BASIS_DIRECT;
	v->tag.signal = CI_SIGNAL_AVERAGE;
	v->tag.accounting = CI_ACCT_CONSUMPTION;
	v->tag.forecast = 1;
	snprintf(v->tag.text, sizeof v->tag.text, "UK NESO");
}

static void
test_value_round_trip(void **state)
{
	struct ep_err err = EP_ERR_INIT;
	struct ci_value v, got;
	time_t fetched = 0;
	struct stat st;
	char path[512];

	(void)state;
	sample(&v);
	assert_int_equal(ci_cache_put_value(CI_SRC_UK, "uk:13", &v, NOW,
	    &err), 0);
	assert_int_equal(ci_cache_get_value(CI_SRC_UK, "uk:13", &got,
	    &fetched, &err), 1);
	assert_true(fetched == NOW);
	assert_close(got.g_per_kwh, 182.5, 0);
	assert_true(got.at == v.at);
	assert_int_equal(got.period_secs, 1800);
	assert_true(isnan(got.percentile));
	assert_string_equal(got.index, "moderate");
	assert_int_equal(got.tag.source, CI_SRC_UK);
	assert_int_equal(got.tag.basis, CI_BASIS_DIRECT);
	assert_int_equal(got.tag.accounting, CI_ACCT_CONSUMPTION);
	assert_true(got.tag.forecast);
	assert_false(got.tag.estimated);
	assert_string_equal(got.tag.text, "UK NESO");
	/* Only its owner may read the cache. */
	snprintf(path, sizeof path, "%s/cache/ci/uk-now-uk_13.json", home);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	snprintf(path, sizeof path, "%s/cache/ci", home);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	/* Another source or region is another entry. */
	assert_int_equal(ci_cache_get_value(CI_SRC_EM, "uk:13", &got,
	    &fetched, &err), 0);
	assert_int_equal(ci_cache_get_value(CI_SRC_UK, "GB", &got, &fetched,
	    &err), 0);
}

static void
test_value_percentile(void **state)
{
	struct ep_err err = EP_ERR_INIT;
	struct ci_value v, got;
	time_t fetched;

	(void)state;
	sample(&v);
	v.tag.source = CI_SRC_WT;
	v.tag.signal = CI_SIGNAL_MARGINAL;
	v.percentile = 53;
	assert_int_equal(ci_cache_put_value(CI_SRC_WT, "wt:CAISO_NORTH", &v,
	    NOW, &err), 0);
	assert_int_equal(ci_cache_get_value(CI_SRC_WT, "wt:CAISO_NORTH", &got,
	    &fetched, &err), 1);
	assert_close(got.percentile, 53, 0);
	assert_int_equal(got.tag.signal, CI_SIGNAL_MARGINAL);
}

static void
test_series_round_trip(void **state)
{
	struct ci_series s = CI_SERIES_INIT, got = CI_SERIES_INIT;
	struct ep_err err = EP_ERR_INIT;
	time_t fetched;
	size_t i;

	(void)state;
	s.step_secs = 3600;
	s.tag.source = CI_SRC_EM;
	s.tag.basis = CI_BASIS_LIFECYCLE;
	s.tag.estimated = 1;
	snprintf(s.tag.text, sizeof s.tag.text, "Electricity Maps API v3");
	for (i = 0; i < 24; i++)
		ci_series_push(&s, NOW + (time_t)i * 3600,
		    i == 5 ? (double)NAN : 500.0 + (double)i);
	assert_int_equal(ci_cache_put_series(CI_SRC_EM, "DE", &s, NOW, &err),
	    0);
	assert_int_equal(ci_cache_get_series(CI_SRC_EM, "DE", &got, &fetched,
	    &err), 1);
	assert_int_equal(got.n, 24);
	assert_int_equal(got.step_secs, 3600);
	assert_true(got.tag.estimated);
	assert_true(got.t[23] == NOW + 23 * 3600);
	assert_close(got.g_per_kwh[4], 504, 0);
	assert_true(isnan(got.g_per_kwh[5]));
	ci_series_release(&s);
	ci_series_release(&got);
}

/* Writes text as the UK cache file of key and expects a rejection. */
static void
damaged(const char *key, const char *file, const char *text,
    const char *part)
{
	struct ep_err err = EP_ERR_INIT;
	struct ci_value got;
	char path[512];
	time_t fetched;

	snprintf(path, sizeof path, "%s/cache/ci/%s", home, file);
	assert_int_equal(ep_write_atomic(path, text, strlen(text), 0600, &err),
	    0);
	assert_int_equal(ci_cache_get_value(CI_SRC_UK, key, &got, &fetched,
	    &err), -1);
	assert_contains(err.msg, part);
}

static void
test_damaged_files(void **state)
{
	struct ep_err err = EP_ERR_INIT;
	struct ci_value v;

	(void)state;
	sample(&v);
	assert_int_equal(ci_cache_put_value(CI_SRC_UK, "GB", &v, NOW, &err),
	    0);
	damaged("GB", "uk-now-GB.json", "{\"schema\":\"ecoplan-ci-ca",
	    "not a valid cache file: invalid JSON");
	damaged("GB", "uk-now-GB.json", "{\"schema\":\"other/1\"}",
	    "unknown schema");
	damaged("GB", "uk-now-GB.json", "{\"schema\":\"ecoplan-ci-cache/1\","
	    "\"source\":\"uk\",\"key\":\"FR\",\"fetched\":"
	    "\"2026-11-27T12:00:00Z\"}", "another source or region");
	damaged("GB", "uk-now-GB.json", "{\"schema\":\"ecoplan-ci-cache/1\","
	    "\"source\":\"uk\",\"key\":\"GB\",\"fetched\":\"noon\"}",
	    "bad \"fetched\" time");
	damaged("GB", "uk-now-GB.json", "{\"schema\":\"ecoplan-ci-cache/1\","
	    "\"source\":\"uk\",\"key\":\"GB\",\"fetched\":"
	    "\"2026-11-27T12:00:00Z\",\"value\":{\"g_per_kwh\":-1}}",
	    "bad \"value\"");
}

static void
test_ttl(void **state)
{
	struct ep_err err = EP_ERR_INIT;
	double t;

	(void)state;
	assert_int_equal(ci_cache_ttl(CI_SRC_UK, &t, &err), 0);
	assert_close(t, 1800, 0);
	assert_int_equal(ci_cache_ttl(CI_SRC_EM, &t, &err), 0);
	assert_close(t, 3600, 0);
	assert_int_equal(ci_cache_ttl(CI_SRC_WT, &t, &err), 0);
	assert_close(t, 300, 0);
	setenv("ECOPLAN_CI_CACHE_TTL", "10min", 1);
	assert_int_equal(ci_cache_ttl(CI_SRC_UK, &t, &err), 0);
	assert_close(t, 600, 0);
	setenv("ECOPLAN_CI_CACHE_TTL", "soon", 1);
	assert_int_equal(ci_cache_ttl(CI_SRC_UK, &t, &err), -1);
	assert_int_equal(err.code, EP_EUSAGE);
	assert_contains(err.msg, "ECOPLAN_CI_CACHE_TTL: 'soon'");
	unsetenv("ECOPLAN_CI_CACHE_TTL");
}

static void
test_unwritable(void **state)
{
	struct ep_err err = EP_ERR_INIT;
	struct ci_value v;
	char path[512];

	(void)state;
	sample(&v);
	/* A file where the cache folder should be (which stops root too). */
	snprintf(path, sizeof path, "%s/file", home);
	assert_int_equal(ep_write_atomic(path, "x", 1, 0600, &err), 0);
	setenv("ECOPLAN_HOME", path, 1);
	assert_int_equal(ci_cache_put_value(CI_SRC_UK, "GB", &v, NOW, &err),
	    -1);
	assert_int_equal(err.code, EP_EIO);
	setenv("ECOPLAN_HOME", home, 1);
	/* A key cannot climb out of the cache folder. */
	assert_int_equal(ci_cache_put_value(CI_SRC_UK, "../../escape", &v, NOW,
	    &err), 0);
	snprintf(path, sizeof path, "%s/cache/ci/uk-now-_._.._escape.json",
	    home);
	assert_int_equal(access(path, F_OK), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_value_round_trip),
		cmocka_unit_test(test_value_percentile),
		cmocka_unit_test(test_series_round_trip),
		cmocka_unit_test(test_damaged_files),
		cmocka_unit_test(test_ttl),
		cmocka_unit_test(test_unwritable),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
