/*
 * Tests for ci-data/src_watttime: the parsers on the bodies of
 * tests/fixtures/ci/ (fixtures of public clients, documentation examples
 * and bodies built from the schema), the lbs/MWh to g/kWh conversion,
 * and rejections.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>

#include "ci-data/creds.h"
#include "ci-data/isotime.h"
#include "ci-data/json.h"
#include "ci-data/src_watttime.h"
#include "core/fsutil.h"
#include "tests/test_util.h"

static char *
fixture(const char *name, size_t *len)
{
	struct ep_err err = EP_ERR_INIT;
	char path[256], *buf = NULL;

	snprintf(path, sizeof path, "tests/fixtures/ci/%s", name);
	if (ep_read_file(path, 1 << 20, &buf, len, &err) < 0)
		fail_msg("%s", err.msg);
	return buf;
}

static const char *
iso(time_t t)
{
	static char buf[40];

	return ci_time_format(t, CI_TIME_ISO, buf, sizeof buf);
}

static void
test_forecast_nested(void **state)
{
	struct ci_series s = CI_SERIES_INIT;
	struct ep_err err = EP_ERR_INIT;
	size_t len;
	char *body = fixture(
	    "watttime_v3_forecast-historical_aiowatttime-fixture.json", &len);

	(void)state;
	assert_int_equal(ci_wt_parse_forecast(body, len, &s, &err), 0);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.step_secs, 300);
	assert_string_equal(iso(s.t[2]), "2022-07-15T00:10:00Z");
	/* 870 lbs/MWh = 870 x 453.59237 g / 1000 kWh. */
	assert_close(s.g_per_kwh[0], 394.6253619, 1e-9);
	assert_int_equal(s.tag.source, CI_SRC_WT);
	assert_int_equal(s.tag.signal, CI_SIGNAL_MARGINAL);
	assert_int_equal(s.tag.basis, CI_BASIS_DIRECT);
	assert_true(s.tag.forecast);
	ci_series_release(&s);
	free(body);
}

static void
test_forecast_flat(void **state)
{
	struct ci_series s = CI_SERIES_INIT;
	struct ep_err err = EP_ERR_INIT;
	size_t len;
	char *body = fixture("watttime_v3_forecast_SYNTHETIC-from-schema.json",
	    &len);

	(void)state;
	assert_int_equal(ci_wt_parse_forecast(body, len, &s, &err), 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(iso(s.t[0]), "2024-01-01T00:00:00Z");
	assert_close(s.g_per_kwh[1], 865 * CI_G_PER_KWH_PER_LB_PER_MWH,
	    1e-12);
	ci_series_release(&s);
	free(body);
}

static void
bad_forecast(const char *body, const char *part)
{
	struct ci_series s = CI_SERIES_INIT;
	struct ep_err err = EP_ERR_INIT;

	if (ci_wt_parse_forecast(body, strlen(body), &s, &err) == 0)
		fail_msg("accepted: %s", body);
	assert_contains(err.msg, part);
	ci_series_release(&s);
}

static void
test_forecast_rejects(void **state)
{
	(void)state;
	bad_forecast("{\"data\":[]}", "no \"meta\"");
	bad_forecast("{\"data\":[],\"meta\":{}}", "no \"meta.units\"");
	bad_forecast("{\"data\":[],\"meta\":{\"units\":\"percentile\"}}",
	    "unsupported units 'percentile'");
	bad_forecast("{\"data\":[],\"meta\":{\"units\":\"lbs_co2_per_mwh\","
	    "\"signal_type\":\"health_damage\"}}", "unexpected signal");
	bad_forecast("{\"data\":[],\"meta\":{\"units\":\"lbs_co2_per_mwh\","
	    "\"data_point_period_seconds\":0}}",
	    "data_point_period_seconds");
	bad_forecast("{\"data\":[],\"meta\":{\"units\":\"lbs_co2_per_mwh\"}}",
	    "no points in the forecast");
	bad_forecast("{\"data\":[{\"point_time\":\"2024-01-01T00:00:00+00:00\","
	    "\"value\":\"870\"}],\"meta\":{\"units\":\"lbs_co2_per_mwh\"}}",
	    "\"value\" is not a number");
	bad_forecast("{\"data\":[{\"point_time\":\"2024-01-01T00:00:00+00:00\","
	    "\"value\":99999}],\"meta\":{\"units\":\"lbs_co2_per_mwh\"}}",
	    "99999 lbs/MWh out of range");
	bad_forecast("{\"data\":[{\"forecast\":{}}],\"meta\":{\"units\":"
	    "\"lbs_co2_per_mwh\"}}", "\"forecast\" is not an array");
}

static void
test_index(void **state)
{
	struct ep_err err = EP_ERR_INIT;
	double p = -1;
	size_t len;
	char *body = fixture("watttime_v3_signal-index_SYNTHETIC.json", &len);

	(void)state;
	assert_int_equal(ci_wt_parse_index(body, len, &p, &err), 0);
	assert_close(p, 53, 0);
	free(body);
	assert_int_equal(ci_wt_parse_index("{\"data\":[{\"value\":101}]}", 24,
	    &p, &err), -1);
	assert_contains(err.msg, "not a percentile");
	assert_int_equal(ci_wt_parse_index("{\"data\":[]}", 11, &p, &err), -1);
	assert_contains(err.msg, "no index value");
}

static void
test_region(void **state)
{
	struct ep_err err = EP_ERR_INIT;
	char region[64];
	size_t len;
	char *a = fixture(
	    "watttime_v3_region-from-loc_aiowatttime-fixture.json", &len);
	char *b;

	(void)state;
	assert_int_equal(ci_wt_parse_region(a, len, region, sizeof region,
	    &err), 0);
	assert_string_equal(region, "PSCO");
	free(a);
	b = fixture("watttime_v3_region-from-loc_transition-doc.json", &len);
	assert_int_equal(ci_wt_parse_region(b, len, region, sizeof region,
	    &err), 0);
	assert_string_equal(region, "ISONE_WCMA");
	free(b);
	assert_int_equal(ci_wt_parse_region("{\"region\":\"A/../B\"}", 19,
	    region, sizeof region, &err), -1);
	assert_contains(err.msg, "bad region name");
}

static void
test_login(void **state)
{
	struct ep_err err = EP_ERR_INIT;
	char *token = NULL;
	size_t len;
	char *body = fixture("watttime_login_SYNTHETIC.json", &len);

	(void)state;
	assert_int_equal(ci_wt_parse_login(body, len, &token, &err), 0);
	assert_string_equal(token, "wt-test-token-7f3a9c");
	ci_secret_free(token);
	free(body);
	assert_int_equal(ci_wt_parse_login("{}", 2, &token, &err), -1);
	assert_null(token);
	assert_contains(err.msg, "no \"token\"");
	/* A token that would break the header it goes into. */
	assert_int_equal(ci_wt_parse_login("{\"token\":\"a\\r\\nX: y\"}", 21,
	    &token, &err), -1);
	assert_contains(err.msg, "may not contain");
	assert_null(strstr(err.msg, "X: y"));
}

static void
test_error_body(void **state)
{
	char why[96];
	size_t len;
	char *body = fixture("watttime_error_invalid-scope_aiowatttime-fixture."
	    "json", &len);

	(void)state;
	ci_json_api_error(body, len, why, sizeof why);
	assert_string_equal(why, "Invalid query parameters: Invalid scope. You "
	    "do not have sufficient access to this resource. Se");
	free(body);
}

static void
test_covers(void **state)
{
	struct ci_region r;

	(void)state;
	memset(&r, 0, sizeof r);
	r.lat = (double)NAN;
	r.lon = (double)NAN;
	r.kind = CI_KIND_WT;
	assert_true(ci_wt_covers(&r));
	r.kind = CI_KIND_COUNTRY;
	assert_false(ci_wt_covers(&r));
	r.kind = CI_KIND_CLOUD;
	r.lat = 52.3667;
	r.lon = 4.9;
	assert_true(ci_wt_covers(&r));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forecast_nested),
		cmocka_unit_test(test_forecast_flat),
		cmocka_unit_test(test_forecast_rejects),
		cmocka_unit_test(test_index),
		cmocka_unit_test(test_region),
		cmocka_unit_test(test_login),
		cmocka_unit_test(test_error_body),
		cmocka_unit_test(test_covers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
