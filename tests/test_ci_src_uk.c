/*
 * Tests for ci-data/src_uk: the UK NESO parsers on real and documented
 * response bodies (tests/fixtures/ci/), every regional shape, and
 * malformed bodies.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>

#include "ci-data/isotime.h"
#include "ci-data/json.h"
#include "ci-data/src_uk.h"
#include "core/fsutil.h"
#include "tests/test_util.h"

/* Reads tests/fixtures/ci/NAME (caller frees). */
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
test_national_doc_example(void **state)
{
	struct ep_err err = EP_ERR_INIT;
	struct ci_value v;
	size_t len;
	char *body = fixture("uk_intensity_doc-example.json", &len);

	(void)state;
	assert_int_equal(ci_uk_parse_national(body, len, &v, &err), 0);
	assert_close(v.g_per_kwh, 263, 0);	/* the actual, not 266 */
	assert_false(v.tag.forecast);
	assert_string_equal(v.index, "moderate");
	assert_string_equal(iso(v.at), "2018-01-20T12:00:00Z");
	assert_int_equal(v.period_secs, 1800);
	assert_int_equal(v.year, 0);
	assert_int_equal(v.tag.source, CI_SRC_UK);
	assert_int_equal(v.tag.basis, CI_BASIS_DIRECT);
	assert_int_equal(v.tag.signal, CI_SIGNAL_AVERAGE);
	assert_int_equal(v.tag.accounting, CI_ACCT_CONSUMPTION);
	assert_contains(v.tag.text, "CC BY 4.0");
	free(body);
}

static void
test_national_forecast_when_no_actual(void **state)
{
	static const char body[] = "{\"data\":[{\"from\":\"2023-03-15T00:00Z\","
	    "\"to\":\"2023-03-15T00:30Z\",\"intensity\":{\"forecast\":185,"
	    "\"actual\":null,\"index\":\"moderate\"}}]}";
	struct ep_err err = EP_ERR_INIT;
	struct ci_value v;

	(void)state;
	assert_int_equal(ci_uk_parse_national(body, sizeof body - 1, &v, &err),
	    0);
	assert_close(v.g_per_kwh, 185, 0);
	assert_true(v.tag.forecast);
}

static void
test_series_real_pt24h(void **state)
{
	struct ci_series s = CI_SERIES_INIT;
	struct ep_err err = EP_ERR_INIT;
	size_t len;
	char *body = fixture("uk_intensity_pt24h_2023-03-15T0031Z.json", &len);

	(void)state;
	assert_int_equal(ci_uk_parse_series(body, len, 0, &s, &err), 0);
	assert_int_equal(s.n, 48);
	assert_int_equal(s.step_secs, 1800);
	assert_string_equal(iso(s.t[0]), "2023-03-14T00:30:00Z");
	assert_close(s.g_per_kwh[0], 85, 0);	/* actual 85, forecast 81 */
	assert_close(s.g_per_kwh[47], 185, 0);	/* no actual yet */
	assert_true(s.tag.forecast);
	assert_int_equal(s.tag.source, CI_SRC_UK);
	ci_series_release(&s);
	free(body);
}

static void
test_regional_doc_example(void **state)
{
	struct ep_err err = EP_ERR_INIT;
	struct ci_value v;
	size_t len;
	char *body = fixture("uk_regional_doc-example_comma-fixed.json", &len);

	(void)state;
	assert_int_equal(ci_uk_parse_regional(body, len, 3, &v, &err), 0);
	assert_close(v.g_per_kwh, 266, 0);
	assert_true(v.tag.forecast);
	assert_string_equal(v.index, "moderate");
	assert_string_equal(iso(v.at), "2018-01-20T12:00:00Z");
	assert_int_equal(ci_uk_parse_regional(body, len, 0, &v, &err), 0);
	assert_int_equal(ci_uk_parse_regional(body, len, 13, &v, &err), -1);
	assert_int_equal(err.code, EP_ENOTFOUND);
	assert_string_equal(err.msg, "region 13 is not in the response");
	free(body);
}

/* The shape of /regional/regionid/N (the documentation's description). */
static const char by_id[] = "{\"data\":[{\"regionid\":13,"
    "\"dnoregion\":\"UKPN London\",\"shortname\":\"London\",\"data\":["
    "{\"from\":\"2026-11-27T12:00Z\",\"to\":\"2026-11-27T12:30Z\","
    "\"intensity\":{\"forecast\":182,\"index\":\"moderate\"},"
    "\"generationmix\":[{\"fuel\":\"gas\",\"perc\":40.1}]},"
    "{\"from\":\"2026-11-27T12:30Z\",\"to\":\"2026-11-27T13:00Z\","
    "\"intensity\":{\"forecast\":170,\"index\":\"moderate\"}}]}]}";

/* /regional/intensity/FROM/fw48h/regionid/N: "data" is an object. */
static const char as_object[] = "{\"data\":{\"regionid\":13,"
    "\"shortname\":\"London\",\"data\":["
    "{\"from\":\"2026-11-27T12:00Z\",\"to\":\"2026-11-27T12:30Z\","
    "\"intensity\":{\"forecast\":120,\"index\":\"moderate\"}},"
    "{\"from\":\"2026-11-27T12:30Z\",\"to\":\"2026-11-27T13:00Z\","
    "\"intensity\":{\"forecast\":90,\"index\":\"low\"}},"
    "{\"from\":\"2026-11-27T13:00Z\",\"to\":\"2026-11-27T13:30Z\","
    "\"intensity\":{\"forecast\":95,\"index\":\"low\"}}]}}";

static void
test_regional_shapes(void **state)
{
	struct ci_series s = CI_SERIES_INIT;
	struct ep_err err = EP_ERR_INIT;
	struct ci_value v;

	(void)state;
	assert_int_equal(ci_uk_parse_regional(by_id, sizeof by_id - 1, 13, &v,
	    &err), 0);
	assert_close(v.g_per_kwh, 182, 0);
	assert_int_equal(ci_uk_parse_regional(by_id, sizeof by_id - 1, 3, &v,
	    &err), -1);
	assert_int_equal(ci_uk_parse_series(by_id, sizeof by_id - 1, 13, &s,
	    &err), 0);
	assert_int_equal(s.n, 2);
	ci_series_release(&s);
	assert_int_equal(ci_uk_parse_regional(as_object, sizeof as_object - 1,
	    13, &v, &err), 0);
	assert_close(v.g_per_kwh, 120, 0);
	assert_int_equal(ci_uk_parse_series(as_object, sizeof as_object - 1,
	    13, &s, &err), 0);
	assert_int_equal(s.n, 3);
	assert_close(s.g_per_kwh[1], 90, 0);
	assert_true(s.tag.forecast);
	ci_series_release(&s);
}

/* Parses body as national and checks the error. */
static void
bad_national(const char *body, enum ep_code code, const char *part)
{
	struct ep_err err = EP_ERR_INIT;
	struct ci_value v;

	if (ci_uk_parse_national(body, strlen(body), &v, &err) == 0)
		fail_msg("accepted: %s", body);
	assert_int_equal(err.code, code);
	assert_contains(err.msg, part);
}

static void
test_malformed(void **state)
{
	size_t len;
	char *body = fixture("uk_intensity_doc-example.json", &len);

	(void)state;
	/* A body cut short, as a truncated transfer would leave it. */
	body[len / 2] = '\0';
	bad_national(body, EP_EPARSE, "invalid JSON at byte");
	bad_national(body, EP_EPARSE, "(the body ends too soon)");
	free(body);
	bad_national("", EP_EPARSE, "empty response");
	bad_national("  \n", EP_EPARSE, "empty response");
	bad_national("<html>Bad Gateway</html>", EP_EPARSE,
	    "invalid JSON at byte 0");
	bad_national("{\"data\":[]} trailing", EP_EPARSE, "invalid JSON");
	bad_national("{\"data\":[]}", EP_EPARSE, "\"data\" is empty");
	bad_national("{\"nodata\":1}", EP_EPARSE, "no \"data\"");
	bad_national("{\"data\":[{\"to\":\"2018-01-20T12:30Z\"}]}", EP_EPARSE,
	    "no \"from\" time");
	bad_national("{\"data\":[{\"from\":\"yesterday\"}]}", EP_EPARSE,
	    "from: 'yesterday': not an ISO 8601 UTC time");
	bad_national("{\"data\":[{\"from\":\"2018-01-20T12:00Z\"}]}",
	    EP_EPARSE, "no \"intensity\" object");
	bad_national("{\"data\":[{\"from\":\"2018-01-20T12:00Z\","
	    "\"intensity\":{\"actual\":\"263\"}}]}", EP_EPARSE,
	    "\"actual\" is not a number");
	bad_national("{\"data\":[{\"from\":\"2018-01-20T12:00Z\","
	    "\"intensity\":{\"actual\":null,\"forecast\":null}}]}", EP_EPARSE,
	    "has no intensity");
	bad_national("{\"data\":[{\"from\":\"2018-01-20T12:00Z\","
	    "\"intensity\":{\"actual\":-4}}]}", EP_EPARSE, "out of range");
	bad_national("{\"data\":[{\"from\":\"2018-01-20T12:00Z\","
	    "\"to\":\"2018-01-20T11:30Z\",\"intensity\":{\"actual\":4}}]}",
	    EP_EPARSE, "ends before it starts");
}

static void
test_error_body(void **state)
{
	char why[160];
	size_t len;
	char *body = fixture("uk_error_400_doc-example.json", &len);

	(void)state;
	ci_json_api_error(body, len, why, sizeof why);
	assert_string_equal(why, "string");
	free(body);
	ci_json_api_error("not json", 8, why, sizeof why);
	assert_string_equal(why, "");
	ci_json_api_error(NULL, 0, why, sizeof why);
	assert_string_equal(why, "");
	ci_json_api_error("{\"error\":{\"code\":\"500\"}}", 24, why,
	    sizeof why);
	assert_string_equal(why, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_national_doc_example),
		cmocka_unit_test(test_national_forecast_when_no_actual),
		cmocka_unit_test(test_series_real_pt24h),
		cmocka_unit_test(test_regional_doc_example),
		cmocka_unit_test(test_regional_shapes),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_error_body),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
