/*
 * Tests for ci-data/src_electricitymaps: the parsers on the real
 * response bodies of tests/fixtures/ci/, null values, and which regions
 * the API can be asked about.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>

#include "ci-data/isotime.h"
#include "ci-data/json.h"
#include "ci-data/src_electricitymaps.h"
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
test_latest(void **state)
{
	struct ep_err err = EP_ERR_INIT;
	struct ci_value v;
	size_t len;
	char *body = fixture("electricitymaps_v3_carbon-intensity_latest.json",
	    &len);

	(void)state;
	assert_int_equal(ci_em_parse_latest(body, len, &v, &err), 0);
	assert_close(v.g_per_kwh, 216, 0);
	assert_string_equal(iso(v.at), "2024-03-06T19:00:00Z");
	assert_int_equal(v.period_secs, 3600);
	assert_int_equal(v.tag.source, CI_SRC_EM);
	assert_int_equal(v.tag.basis, CI_BASIS_LIFECYCLE);
	assert_int_equal(v.tag.accounting, CI_ACCT_CONSUMPTION);
	assert_int_equal(v.tag.signal, CI_SIGNAL_AVERAGE);
	assert_true(v.tag.estimated);
	assert_false(v.tag.forecast);
	free(body);
}

static void
test_latest_direct_and_null(void **state)
{
	static const char direct[] = "{\"zone\":\"DE\",\"carbonIntensity\":"
	    "302,\"datetime\":\"2018-04-25T18:07:00.350Z\","
	    "\"emissionFactorType\":\"direct\",\"isEstimated\":false}";
	static const char null[] = "{\"zone\":\"DE\",\"carbonIntensity\":null,"
	    "\"datetime\":\"2018-04-25T18:00:00.000Z\"}";
	static const char str[] = "{\"zone\":\"DE\",\"carbonIntensity\":"
	    "\"302\",\"datetime\":\"2018-04-25T18:00:00.000Z\"}";
	struct ep_err err = EP_ERR_INIT;
	struct ci_value v;

	(void)state;
	assert_int_equal(ci_em_parse_latest(direct, sizeof direct - 1, &v,
	    &err), 0);
	assert_int_equal(v.tag.basis, CI_BASIS_DIRECT);
	assert_false(v.tag.estimated);
	/* The fraction of a second is dropped. */
	assert_string_equal(iso(v.at), "2018-04-25T18:07:00Z");
	assert_int_equal(ci_em_parse_latest(null, sizeof null - 1, &v, &err),
	    -1);
	assert_int_equal(err.code, EP_ENOTFOUND);
	assert_string_equal(err.msg, "no value for zone DE");
	assert_int_equal(ci_em_parse_latest(str, sizeof str - 1, &v, &err),
	    -1);
	assert_int_equal(err.code, EP_EPARSE);
	assert_contains(err.msg, "\"carbonIntensity\" is not a number");
	assert_int_equal(ci_em_parse_latest("[1,2]", 5, &v, &err), -1);
	assert_contains(err.msg, "not a JSON object");
}

static void
test_history(void **state)
{
	struct ci_series s = CI_SERIES_INIT;
	struct ep_err err = EP_ERR_INIT;
	size_t len;
	char *body = fixture(
	    "electricitymaps_v3_carbon-intensity_history.json", &len);

	(void)state;
	assert_int_equal(ci_em_parse_history(body, len, &s, &err), 0);
	assert_int_equal(s.n, 24);
	assert_int_equal(s.step_secs, 3600);
	assert_string_equal(iso(s.t[0]), "2024-03-05T20:00:00Z");
	assert_close(s.g_per_kwh[0], 599, 0);
	assert_close(s.g_per_kwh[23], 689, 0);
	assert_true(s.tag.estimated);	/* two of the hours are */
	assert_false(s.tag.forecast);
	assert_int_equal(s.tag.basis, CI_BASIS_LIFECYCLE);
	ci_series_release(&s);
	free(body);
}

static void
test_history_nulls(void **state)
{
	static const char some[] = "{\"zone\":\"DE\",\"history\":["
	    "{\"carbonIntensity\":500,"
	    "\"datetime\":\"2024-03-05T20:00:00.000Z\"},"
	    "{\"carbonIntensity\":null,"
	    "\"datetime\":\"2024-03-05T21:00:00.000Z\"},"
	    "{\"carbonIntensity\":600,"
	    "\"datetime\":\"2024-03-05T22:00:00.000Z\"}]}";
	static const char none[] = "{\"zone\":\"DE\",\"history\":["
	    "{\"carbonIntensity\":null,"
	    "\"datetime\":\"2024-03-05T20:00:00.000Z\"}]}";
	static const char bad[] = "{\"zone\":\"DE\",\"history\":["
	    "{\"carbonIntensity\":1,\"datetime\":\"2024-03-05T20:00:00.000Z\"},"
	    "{\"carbonIntensity\":2}]}";
	struct ci_series s = CI_SERIES_INIT;
	struct ep_err err = EP_ERR_INIT;

	(void)state;
	assert_int_equal(ci_em_parse_history(some, sizeof some - 1, &s, &err),
	    0);
	assert_int_equal(s.n, 3);
	assert_true(isnan(s.g_per_kwh[1]));
	/* The gap is filled when the series goes onto its grid. */
	assert_int_equal(ci_series_regularise(&s, &err), 0);
	assert_close(s.g_per_kwh[1], 550, 1e-9);
	ci_series_release(&s);
	assert_int_equal(ci_em_parse_history(none, sizeof none - 1, &s, &err),
	    -1);
	assert_int_equal(err.code, EP_ENOTFOUND);
	ci_series_release(&s);
	assert_int_equal(ci_em_parse_history(bad, sizeof bad - 1, &s, &err),
	    -1);
	assert_string_equal(err.msg, "history[1]: no \"datetime\"");
	ci_series_release(&s);
	assert_int_equal(ci_em_parse_history("{}", 2, &s, &err), -1);
	assert_contains(err.msg, "no \"history\" array");
}

static void
test_error_body(void **state)
{
	char why[160];
	size_t len;
	char *buf = fixture("electricitymaps_error_401_invalid-auth-token.json",
	    &len);
	const char *body;

	(void)state;
	ci_json_api_error(buf, len, why, sizeof why);
	assert_string_equal(why, "Invalid auth-token");
	free(buf);
	body = "{\"status\":\"error\",\"message\":\"Unknown error occured\"}";
	ci_json_api_error(body, strlen(body), why, sizeof why);
	assert_string_equal(why, "Unknown error occured");
}

static void
test_covers(void **state)
{
	struct ci_region r;

	(void)state;
	memset(&r, 0, sizeof r);
	r.kind = CI_KIND_COUNTRY;
	snprintf(r.iso2, sizeof r.iso2, "DE");
	assert_true(ci_em_covers(&r));
	r.kind = CI_KIND_EM;
	assert_true(ci_em_covers(&r));
	r.kind = CI_KIND_CLOUD;
	assert_true(ci_em_covers(&r));
	r.kind = CI_KIND_SUBDIV;
	assert_false(ci_em_covers(&r));
	r.kind = CI_KIND_AGGREGATE;
	assert_false(ci_em_covers(&r));
	r.kind = CI_KIND_UK;
	assert_false(ci_em_covers(&r));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_latest),
		cmocka_unit_test(test_latest_direct_and_null),
		cmocka_unit_test(test_history),
		cmocka_unit_test(test_history_nulls),
		cmocka_unit_test(test_error_body),
		cmocka_unit_test(test_covers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
