/*
 * Tests for ci-data/series: regular grids with GSL interpolation, and
 * the summary (mean, extremes, greenest window), on small made-up
 * series and on a real day of the GB grid.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>

#include "ci-data/isotime.h"
#include "ci-data/series.h"
#include "ci-data/src_uk.h"
#include "core/fsutil.h"
#include "tests/test_util.h"

#define T0 ((time_t)1700000000 - (time_t)1700000000 % 3600)

static void
test_regularise_keeps_grid_points(void **state)
{
	struct ci_series s = CI_SERIES_INIT;
	struct ep_err err = EP_ERR_INIT;
	static const double v[] = { 100, 120, 90, 300, 250 };
	size_t i;

	(void)state;
	s.step_secs = 3600;
	for (i = 0; i < 5; i++)
		ci_series_push(&s, T0 + (time_t)i * 3600, v[i]);
	assert_int_equal(ci_series_regularise(&s, &err), 0);
	assert_int_equal(s.n, 5);
	for (i = 0; i < 5; i++) {
		assert_true(s.t[i] == T0 + (time_t)i * 3600);
		assert_close(s.g_per_kwh[i], v[i], 1e-9);
	}
	ci_series_release(&s);
}

static void
test_regularise_fills_gaps(void **state)
{
	struct ci_series s = CI_SERIES_INIT;
	struct ep_err err = EP_ERR_INIT;

	(void)state;
	/* Two points: linear. */
	s.step_secs = 1800;
	ci_series_push(&s, T0, 100);
	ci_series_push(&s, T0 + 7200, 200);
	assert_int_equal(ci_series_regularise(&s, &err), 0);
	assert_int_equal(s.n, 5);
	assert_close(s.g_per_kwh[1], 125, 1e-9);
	assert_close(s.g_per_kwh[2], 150, 1e-9);
	assert_close(s.g_per_kwh[4], 200, 1e-9);
	ci_series_release(&s);

	/* A missing value (NaN) inside a monotone run: Steffen's
	 * interpolation stays between its neighbours. */
	s.step_secs = 3600;
	ci_series_push(&s, T0, 100);
	ci_series_push(&s, T0 + 3600, 110);
	ci_series_push(&s, T0 + 7200, (double)NAN);
	ci_series_push(&s, T0 + 10800, 150);
	ci_series_push(&s, T0 + 14400, 160);
	assert_int_equal(ci_series_regularise(&s, &err), 0);
	assert_int_equal(s.n, 5);
	assert_true(s.g_per_kwh[2] > 110 && s.g_per_kwh[2] < 150);
	assert_close(s.g_per_kwh[3], 150, 1e-9);
	ci_series_release(&s);

	/* A peak with a gap beside it never overshoots the data. */
	s.step_secs = 3600;
	ci_series_push(&s, T0, 0);
	ci_series_push(&s, T0 + 3600, 500);
	ci_series_push(&s, T0 + 3 * 3600, 0);
	assert_int_equal(ci_series_regularise(&s, &err), 0);
	assert_int_equal(s.n, 4);
	assert_true(s.g_per_kwh[2] >= 0 && s.g_per_kwh[2] <= 500);
	ci_series_release(&s);
}

static void
test_regularise_sorts_and_dedups(void **state)
{
	struct ci_series s = CI_SERIES_INIT;
	struct ep_err err = EP_ERR_INIT;

	(void)state;
	s.step_secs = 300;
	ci_series_push(&s, T0 + 600, 30);
	ci_series_push(&s, T0, 10);
	ci_series_push(&s, T0 + 300, 20);
	ci_series_push(&s, T0 + 300, 25);	/* the later one wins */
	assert_int_equal(ci_series_regularise(&s, &err), 0);
	assert_int_equal(s.n, 3);
	assert_close(s.g_per_kwh[0], 10, 0);
	assert_close(s.g_per_kwh[1], 25, 0);
	assert_close(s.g_per_kwh[2], 30, 0);
	ci_series_release(&s);
}

static void
test_regularise_rejects(void **state)
{
	struct ci_series s = CI_SERIES_INIT;
	struct ep_err err = EP_ERR_INIT;

	(void)state;
	s.step_secs = 3600;
	ci_series_push(&s, T0, (double)NAN);
	assert_int_equal(ci_series_regularise(&s, &err), -1);
	assert_int_equal(err.code, EP_EPARSE);
	assert_contains(err.msg, "no values");
	ci_series_release(&s);
	s.step_secs = 0;
	ci_series_push(&s, T0, 1);
	assert_int_equal(ci_series_regularise(&s, &err), -1);
	assert_contains(err.msg, "step must be positive");
	ci_series_release(&s);
	/* One value is a series of one. */
	s.step_secs = 60;
	ci_series_push(&s, T0, 7);
	assert_int_equal(ci_series_regularise(&s, &err), 0);
	assert_int_equal(s.n, 1);
	ci_series_release(&s);
}

static void
test_truncate_and_flat(void **state)
{
	struct ci_series s = CI_SERIES_INIT;
	struct ci_tag tag;

	(void)state;
	memset(&tag, 0, sizeof tag);
	tag.source = CI_SRC_TABLE;
	ci_series_flat(&s, T0, 1800, 96, 210.89, &tag);
	assert_int_equal(s.n, 96);
	assert_int_equal(s.tag.source, CI_SRC_TABLE);
	assert_true(s.t[95] == T0 + 95 * 1800);
	assert_int_equal(ci_series_truncate(&s, 6 * 3600), 12);
	assert_int_equal(ci_series_truncate(&s, 1e9), 12);
	assert_int_equal(ci_series_truncate(&s, 0), 0);
	ci_series_release(&s);
}

static void
test_summary(void **state)
{
	static const double v[] = { 300, 200, 100, 150, 50, 400 };
	struct ci_series s = CI_SERIES_INIT;
	struct ep_err err = EP_ERR_INIT;
	struct ci_summary sum;
	size_t i;

	(void)state;
	s.step_secs = 3600;
	for (i = 0; i < 6; i++)
		ci_series_push(&s, T0 + (time_t)i * 3600, v[i]);
	assert_int_equal(ci_series_summary(&s, 3600, &sum, &err), 0);
	assert_close(sum.mean, 200, 1e-12);
	assert_close(sum.min, 50, 0);
	assert_true(sum.min_at == T0 + 4 * 3600);
	assert_close(sum.max, 400, 0);
	assert_true(sum.max_at == T0 + 5 * 3600);
	assert_int_equal(sum.window_first, 4);
	assert_int_equal(sum.window_len, 1);
	assert_close(sum.window_mean, 50, 0);
	assert_close(sum.first_mean, 300, 0);
	/* Two hours: 100+150 beats 150+50? No: 200 < 250. */
	assert_int_equal(ci_series_summary(&s, 7200, &sum, &err), 0);
	assert_int_equal(sum.window_first, 3);
	assert_close(sum.window_mean, 100, 1e-12);
	assert_close(sum.window_secs, 7200, 0);
	assert_true(sum.window_start == T0 + 3 * 3600);
	/* A part step rounds up to a whole one. */
	assert_int_equal(ci_series_summary(&s, 5400, &sum, &err), 0);
	assert_int_equal(sum.window_len, 2);
	/* Zero still means one step. */
	assert_int_equal(ci_series_summary(&s, 0, &sum, &err), 0);
	assert_int_equal(sum.window_len, 1);
	/* The whole series. */
	assert_int_equal(ci_series_summary(&s, 6 * 3600, &sum, &err), 0);
	assert_int_equal(sum.window_first, 0);
	assert_close(sum.window_mean, 200, 1e-12);
	assert_int_equal(ci_series_summary(&s, 7 * 3600, &sum, &err), -1);
	assert_int_equal(err.code, EP_ERANGE);
	assert_contains(err.msg, "longer than the series");
	ci_series_release(&s);
}

static void
test_summary_ties_and_errors(void **state)
{
	struct ci_series s = CI_SERIES_INIT;
	struct ep_err err = EP_ERR_INIT;
	struct ci_summary sum;
	size_t i;

	(void)state;
	s.step_secs = 1800;
	for (i = 0; i < 10; i++)
		ci_series_push(&s, T0 + (time_t)i * 1800, i % 2 ? 10 : 20);
	assert_int_equal(ci_series_summary(&s, 3600, &sum, &err), 0);
	assert_int_equal(sum.window_first, 0);	/* every pair ties */
	assert_int_equal(ci_series_summary(&s, 1800, &sum, &err), 0);
	assert_int_equal(sum.window_first, 1);	/* the first 10 */
	s.g_per_kwh[3] = (double)NAN;
	assert_int_equal(ci_series_summary(&s, 1800, &sum, &err), -1);
	assert_contains(err.msg, "missing value at step 3");
	s.n = 0;
	assert_int_equal(ci_series_summary(&s, 1800, &sum, &err), -1);
	assert_contains(err.msg, "empty series");
	ci_series_release(&s);
}

/* The real GB day of 2023-03-14: trough at night, peak in the evening. */
static void
test_summary_real_uk_day(void **state)
{
	struct ci_series s = CI_SERIES_INIT;
	struct ep_err err = EP_ERR_INIT;
	struct ci_summary sum;
	char *body = NULL, when[40];
	size_t len;

	(void)state;
	assert_int_equal(ep_read_file("tests/fixtures/ci/"
	    "uk_intensity_pt24h_2023-03-15T0031Z.json", 1 << 20, &body, &len,
	    &err), 0);
	assert_int_equal(ci_uk_parse_series(body, len, 0, &s, &err), 0);
	assert_int_equal(ci_series_regularise(&s, &err), 0);
	assert_int_equal(s.n, 48);
	assert_int_equal(ci_series_summary(&s, 3600, &sum, &err), 0);
	assert_close(sum.min, 69, 0);
	assert_string_equal(ci_time_format(sum.min_at, CI_TIME_ISO, when,
	    sizeof when), "2023-03-14T02:00:00Z");
	assert_close(sum.max, 212, 0);
	assert_string_equal(ci_time_format(sum.max_at, CI_TIME_ISO, when,
	    sizeof when), "2023-03-14T20:30:00Z");
	assert_close(sum.mean, 128.47916666666666, 1e-9);
	assert_string_equal(ci_time_format(sum.window_start, CI_TIME_ISO, when,
	    sizeof when), "2023-03-14T01:30:00Z");
	assert_close(sum.window_mean, 71, 1e-12);
	assert_int_equal(ci_series_summary(&s, 3 * 3600, &sum, &err), 0);
	assert_string_equal(ci_time_format(sum.window_start, CI_TIME_ISO, when,
	    sizeof when), "2023-03-14T01:00:00Z");
	assert_close(sum.window_mean, 75.166666666666671, 1e-9);
	ci_series_release(&s);
	free(body);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_regularise_keeps_grid_points),
		cmocka_unit_test(test_regularise_fills_gaps),
		cmocka_unit_test(test_regularise_sorts_and_dedups),
		cmocka_unit_test(test_regularise_rejects),
		cmocka_unit_test(test_truncate_and_flat),
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_summary_ties_and_errors),
		cmocka_unit_test(test_summary_real_uk_day),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
