/*
 * Tests for ci-data/ci: the order of resolution and the warning each
 * fallback step leaves. Live fetches go to a loopback port that nothing
 * listens on (connection refused, at once); caches are written by the
 * tests themselves. Every answer of a real server is tested over
 * loopback by tests/cli/ci.sh.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ci-data/cache.h"
#include "ci-data/ci.h"
#include "ci-data/http.h"
#include "tests/test_util.h"

#define NOW ((time_t)1795000000)	/* 2026-11-18T11:06:40Z */

static char *home;

/* A loopback URL on which nothing listens: bound, then closed. */
static void
closed_port_url(char *buf, size_t size)
{
	struct sockaddr_in a;
	socklen_t len = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	snprintf(buf, size, "http://127.0.0.1:%u", ntohs(a.sin_port));
	close(fd);
}

/* The environment every test starts from: nothing reachable, no token. */
static void
set_env(void)
{
	char url[64];

	closed_port_url(url, sizeof url);
	setenv("ECOPLAN_HOME", home, 1);
	setenv("ECOPLAN_UK_API_URL", url, 1);
	setenv("ECOPLAN_ELECTRICITYMAPS_API_URL", url, 1);
	setenv("ECOPLAN_WATTTIME_API_URL", url, 1);
	setenv("ECOPLAN_HTTP_RETRIES", "0", 1);
	unsetenv("ECOPLAN_ELECTRICITYMAPS_TOKEN");
	unsetenv("ECOPLAN_WATTTIME_USERNAME");
	unsetenv("ECOPLAN_WATTTIME_PASSWORD");
	unsetenv("ECOPLAN_CI_CACHE_TTL");
	unsetenv("ECOPLAN_DATA_DIR");
}

static int
setup(void **state)
{
	(void)state;
	if ((home = test_tmpdir()) == NULL)
		return -1;
	set_env();
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	test_rmtree(home);
	free(home);
	return 0;
}

/* A fresh cache for each test. */
static int
clear_cache(void **state)
{
	char cmd[600];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s/cache'", home);
	return system(cmd) == 0 ? 0 : -1;
}

static struct ci_request
request(const char *region)
{
	struct ci_request req = CI_REQUEST_INIT;

	req.region = region;
	req.now = NOW;
	return req;
}

/* Resolves req, which must succeed. */
static void
resolve(const struct ci_request *req, struct ci_result *res)
{
	struct ep_err err = EP_ERR_INIT;

	if (ci_resolve(req, res, &err) < 0)
		fail_msg("%s: %s", req->region, err.msg);
}

static void
assert_warnings(const struct ci_result *res, size_t n)
{
	size_t i;

	if (res->warn.n != n) {
		for (i = 0; i < res->warn.n; i++)
			fprintf(stderr, "warning: %s\n", res->warn.msg[i]);
		fail_msg("%zu warnings, want %zu", res->warn.n, n);
	}
}

/* Stores a live-looking UK value for key, fetched at fetched. */
static void
cache_uk(const char *key, double g, time_t fetched)
{
	struct ep_err err = EP_ERR_INIT;
	struct ci_value v;

	ci_value_init(&v);
	v.g_per_kwh = g;
	v.at = fetched;
	v.period_secs = 1800;
	v.tag.source = CI_SRC_UK;
	v.tag.basis = CI_BASIS_DIRECT;
	v.tag.accounting = CI_ACCT_CONSUMPTION;
	snprintf(v.tag.text, sizeof v.tag.text, "UK NESO");
	assert_int_equal(ci_cache_put_value(CI_SRC_UK, key, &v, fetched, &err),
	    0);
}

static void
test_explicit(void **state)
{
	struct ci_request req = request(NULL);
	struct ci_result res;

	(void)state;
	req.has_explicit = 1;
	req.explicit_g_per_kwh = 123.4;
	resolve(&req, &res);
	assert_int_equal(res.origin, CI_ORIGIN_EXPLICIT);
	assert_close(res.value.g_per_kwh, 123.4, 0);
	assert_int_equal(res.value.tag.source, CI_SRC_EXPLICIT);
	assert_warnings(&res, 0);
	ci_result_release(&res);
}

static void
test_table(void **state)
{
	struct ci_request req = request("deu");
	struct ci_result res;

	(void)state;
	resolve(&req, &res);
	assert_int_equal(res.origin, CI_ORIGIN_TABLE);
	assert_string_equal(res.region, "DE");
	assert_string_equal(res.name, "Germany");
	assert_string_equal(res.used, "DE");
	assert_close(res.value.g_per_kwh, 344.14, 1e-9);
	assert_int_equal(res.value.year, 2024);
	assert_warnings(&res, 0);
	ci_result_release(&res);
}

static void
test_live_only_regions_offline(void **state)
{
	struct ci_request req = request("uk:13");
	struct ci_result res;

	(void)state;
	resolve(&req, &res);
	assert_int_equal(res.origin, CI_ORIGIN_TABLE);
	assert_string_equal(res.region, "uk:13");
	assert_string_equal(res.used, "GB");
	assert_close(res.value.g_per_kwh, 210.89, 1e-9);
	assert_warnings(&res, 1);
	assert_string_equal(res.warn.msg[0], "uk:13: UK regional values are "
	    "live only (use --live); using the built-in value for GB (United "
	    "Kingdom): 210.89 g/kWh (2024)");
	ci_result_release(&res);

	req = request("em:DK-DK1");
	resolve(&req, &res);
	assert_string_equal(res.used, "DK");
	assert_contains(res.warn.msg[0], "em:DK-DK1: Electricity Maps zones "
	    "are live only (use --live)");
	ci_result_release(&res);

	req = request("wt:CAISO_NORTH");
	resolve(&req, &res);
	assert_int_equal(res.origin, CI_ORIGIN_WORLD);
	assert_string_equal(res.used, "World");
	assert_close(res.value.g_per_kwh, 472.99, 1e-9);
	assert_warnings(&res, 1);
	assert_string_equal(res.warn.msg[0], "wt:CAISO_NORTH: no built-in "
	    "value; using the World average: 472.99 g/kWh (2024)");
	ci_result_release(&res);
}

static void
test_fresh_cache_beats_table(void **state)
{
	struct ci_request req = request("GB");
	struct ci_result res;

	(void)state;
	cache_uk("GB", 150, NOW - 600);
	resolve(&req, &res);
	assert_int_equal(res.origin, CI_ORIGIN_CACHE);
	assert_close(res.value.g_per_kwh, 150, 0);
	assert_true(res.fetched == NOW - 600);
	assert_close(res.age_secs, 600, 0);
	assert_warnings(&res, 0);
	ci_result_release(&res);
	/* --source table skips the cache. */
	req.source = CI_SRC_TABLE;
	resolve(&req, &res);
	assert_int_equal(res.origin, CI_ORIGIN_TABLE);
	assert_warnings(&res, 0);
	ci_result_release(&res);
}

static void
test_stale_cache_ignored_offline(void **state)
{
	struct ci_request req = request("GB");
	struct ci_result res;

	(void)state;
	cache_uk("GB", 150, NOW - 7200);
	resolve(&req, &res);
	assert_int_equal(res.origin, CI_ORIGIN_TABLE);
	assert_close(res.value.g_per_kwh, 210.89, 1e-9);
	assert_warnings(&res, 0);
	ci_result_release(&res);
}

static void
test_failed_fetch_uses_stale_cache(void **state)
{
	struct ci_request req = request("GB");
	struct ci_result res;

	(void)state;
	cache_uk("GB", 150, NOW - 7500);
	req.live = 1;
	resolve(&req, &res);
	assert_int_equal(res.origin, CI_ORIGIN_STALE);
	assert_close(res.value.g_per_kwh, 150, 0);
	assert_warnings(&res, 2);
	assert_contains(res.warn.msg[0], "uk: GB: ");
	assert_contains(res.warn.msg[0], "onnect");
	assert_string_equal(res.warn.msg[1], "using a stale cached uk value "
	    "for GB, fetched 2026-11-18 09:01 UTC (2 h 5 min old)");
	ci_result_release(&res);
}

static void
test_failed_fetch_uses_table(void **state)
{
	struct ci_request req = request("GB");
	struct ci_result res;

	(void)state;
	req.live = 1;
	resolve(&req, &res);
	assert_int_equal(res.origin, CI_ORIGIN_TABLE);
	assert_warnings(&res, 2);
	assert_contains(res.warn.msg[0], "uk: GB: ");
	assert_string_equal(res.warn.msg[1], "using the built-in table value "
	    "for GB instead: 210.89 g/kWh (2024)");
	ci_result_release(&res);

	req = request("uk:13");
	req.live = 1;
	resolve(&req, &res);
	assert_warnings(&res, 2);
	assert_contains(res.warn.msg[0], "uk: uk:13: ");
	assert_string_equal(res.warn.msg[1], "using the built-in value for GB "
	    "(United Kingdom) instead: 210.89 g/kWh (2024)");
	ci_result_release(&res);
}

static void
test_no_token_no_request(void **state)
{
	struct ci_request req = request("DE");
	struct ci_result res;
	char path[600];

	(void)state;
	req.live = 1;
	resolve(&req, &res);
	assert_int_equal(res.origin, CI_ORIGIN_TABLE);
	assert_warnings(&res, 2);
	snprintf(path, sizeof path, "electricitymaps: DE: no API token: set "
	    "ECOPLAN_ELECTRICITYMAPS_TOKEN, or electricitymaps_token in "
	    "%s/config/credentials", home);
	assert_string_equal(res.warn.msg[0], path);
	ci_result_release(&res);

	req = request("wt:CAISO_NORTH");
	req.live = 1;
	resolve(&req, &res);
	assert_int_equal(res.origin, CI_ORIGIN_WORLD);
	assert_warnings(&res, 2);
	assert_contains(res.warn.msg[0], "watttime: wt:CAISO_NORTH: no "
	    "account: set ECOPLAN_WATTTIME_USERNAME and "
	    "ECOPLAN_WATTTIME_PASSWORD");
	ci_result_release(&res);
}

static void
test_no_live_source(void **state)
{
	struct ci_request req = request("US-CA");
	struct ci_result res;

	(void)state;
	req.live = 1;
	resolve(&req, &res);
	assert_int_equal(res.origin, CI_ORIGIN_TABLE);
	assert_close(res.value.g_per_kwh, 221.59, 1e-9);
	assert_warnings(&res, 2);
	assert_string_equal(res.warn.msg[0], "US-CA: no live source covers "
	    "it; --live serves countries, cloud regions and uk:, em: and wt: "
	    "regions");
	assert_string_equal(res.warn.msg[1], "using the built-in table value "
	    "for US-CA instead: 221.59 g/kWh (2024)");
	ci_result_release(&res);
}

/* Resolution that must fail with EP_EUSAGE and part in the message. */
static void
usage_error(struct ci_request *req, int series, const char *part)
{
	struct ep_err err = EP_ERR_INIT;
	struct ci_result res;
	int r = series ? ci_resolve_series(req, &res, &err) :
	    ci_resolve(req, &res, &err);

	if (r == 0)
		fail_msg("%s resolved", req->region);
	assert_int_equal(err.code, EP_EUSAGE);
	assert_contains(err.msg, part);
	ci_result_release(&res);
}

static void
test_usage_errors(void **state)
{
	struct ci_request req = request("DE");

	(void)state;
	req.source = CI_SRC_UK;
	usage_error(&req, 0, "DE: the UK API covers only GB and uk:1 to "
	    "uk:17");
	req = request("US-CA");
	req.source = CI_SRC_EM;
	usage_error(&req, 0, "US-CA: Electricity Maps covers countries");
	req = request("DE");
	req.source = CI_SRC_WT;
	usage_error(&req, 0, "DE: WattTime needs a wt:REGION");
	req = request("germny");
	usage_error(&req, 0, "did you mean DE (Germany)?");
	req = request("GB");
	req.live = 1;
	setenv("ECOPLAN_HTTP_TIMEOUT", "never", 1);
	usage_error(&req, 0, "ECOPLAN_HTTP_TIMEOUT: 'never'");
	unsetenv("ECOPLAN_HTTP_TIMEOUT");
	setenv("ECOPLAN_CI_CACHE_TTL", "-1s", 1);
	usage_error(&req, 0, "ECOPLAN_CI_CACHE_TTL");
	unsetenv("ECOPLAN_CI_CACHE_TTL");
	setenv("ECOPLAN_UK_API_URL", "gopher://127.0.0.1", 1);
	usage_error(&req, 0, "uk: ECOPLAN_UK_API_URL: 'gopher://127.0.0.1': "
	    "not an http:// or https:// URL");
	set_env();
	req = request("GB");
	req.hours = 73;
	usage_error(&req, 1, "hours must be 1 to 72");
}

static void
test_token_not_sent_in_clear(void **state)
{
	struct ci_request req = request("DE");

	(void)state;
	req.live = 1;
	setenv("ECOPLAN_ELECTRICITYMAPS_TOKEN", "tok-secret", 1);
	setenv("ECOPLAN_ELECTRICITYMAPS_API_URL", "http://api.example.invalid",
	    1);
	usage_error(&req, 0, "refusing to send the token over plain http");
	unsetenv("ECOPLAN_ELECTRICITYMAPS_TOKEN");
	set_env();
}

static void
test_series_offline_is_flat(void **state)
{
	struct ci_request req = request("DE");
	struct ep_err err = EP_ERR_INIT;
	struct ci_result res;

	(void)state;
	req.hours = 5;
	assert_int_equal(ci_resolve_series(&req, &res, &err), 0);
	assert_int_equal(res.origin, CI_ORIGIN_TABLE);
	assert_int_equal(res.series.n, 5);
	assert_int_equal(res.series.step_secs, 3600);
	assert_true(res.series.t[0] == NOW - NOW % 3600);
	assert_close(res.series.g_per_kwh[4], 344.14, 1e-9);
	assert_warnings(&res, 1);
	assert_string_equal(res.warn.msg[0], "DE: forecasts need --live; "
	    "showing the annual value of DE, 344.14 g/kWh (2024), as a flat "
	    "series");
	ci_result_release(&res);

	req = request("World");
	assert_int_equal(ci_resolve_series(&req, &res, &err), 0);
	assert_int_equal(res.series.n, 48);
	assert_contains(res.warn.msg[0], "World: no live source gives a "
	    "forecast");
	ci_result_release(&res);

	req = request(NULL);
	req.has_explicit = 1;
	req.explicit_g_per_kwh = 100;
	req.hours = 3;
	assert_int_equal(ci_resolve_series(&req, &res, &err), 0);
	assert_int_equal(res.origin, CI_ORIGIN_EXPLICIT);
	assert_int_equal(res.series.n, 3);
	ci_result_release(&res);
}

/* Caches a UK forecast of n half hours from start. */
static void
cache_forecast(time_t start, size_t n, time_t fetched)
{
	struct ci_series s = CI_SERIES_INIT;
	struct ep_err err = EP_ERR_INIT;
	size_t i;

	s.step_secs = 1800;
	s.tag.source = CI_SRC_UK;
	s.tag.forecast = 1;
	snprintf(s.tag.text, sizeof s.tag.text, "UK NESO");
	for (i = 0; i < n; i++)
		ci_series_push(&s, start + (time_t)i * 1800, 100 + (double)i);
	assert_int_equal(ci_cache_put_series(CI_SRC_UK, "GB", &s, fetched,
	    &err), 0);
	ci_series_release(&s);
}

static void
test_series_from_cache(void **state)
{
	struct ci_request req = request("GB");
	struct ep_err err = EP_ERR_INIT;
	struct ci_result res;
	time_t start = NOW - NOW % 1800;

	(void)state;
	/* Fetched 20 minutes ago from the half hour it began in. */
	cache_forecast(start - 1800, 96, NOW - 1200);
	req.hours = 6;
	assert_int_equal(ci_resolve_series(&req, &res, &err), 0);
	assert_int_equal(res.origin, CI_ORIGIN_CACHE);
	assert_warnings(&res, 0);
	/* The half hour gone by is dropped; six hours remain. */
	assert_true(res.series.t[0] == start);
	assert_close(res.series.g_per_kwh[0], 101, 0);
	assert_int_equal(res.series.n, 12);
	ci_result_release(&res);

	/* A stale forecast that has run out is no use, even after a
	 * failed fetch. */
	cache_forecast(start - 100 * 1800, 10, NOW - 86400);
	req.live = 1;
	assert_int_equal(ci_resolve_series(&req, &res, &err), 0);
	assert_int_equal(res.origin, CI_ORIGIN_TABLE);
	assert_warnings(&res, 4);
	assert_contains(res.warn.msg[0], "uk: GB: ");
	assert_string_equal(res.warn.msg[1], "ignoring the cached uk series "
	    "for GB: the forecast has run out");
	assert_string_equal(res.warn.msg[2], "using the built-in table value "
	    "for GB instead: 210.89 g/kWh (2024)");
	assert_string_equal(res.warn.msg[3], "showing the annual value of GB, "
	    "210.89 g/kWh (2024), as a flat series");
	ci_result_release(&res);
}

static void
test_damaged_cache_warns(void **state)
{
	struct ci_request req = request("GB");
	struct ci_result res;
	char path[600];
	FILE *f;

	(void)state;
	cache_uk("GB", 150, NOW - 60);
	snprintf(path, sizeof path, "%s/cache/ci/uk-now-GB.json", home);
	assert_non_null(f = fopen(path, "w"));
	fputs("{\"schema\":", f);
	fclose(f);
	resolve(&req, &res);
	assert_int_equal(res.origin, CI_ORIGIN_TABLE);
	assert_warnings(&res, 1);
	assert_contains(res.warn.msg[0], "ignoring the cache: ");
	assert_contains(res.warn.msg[0], "uk-now-GB.json: not a valid cache "
	    "file: invalid JSON");
	ci_result_release(&res);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_explicit, clear_cache),
		cmocka_unit_test_setup(test_table, clear_cache),
		cmocka_unit_test_setup(test_live_only_regions_offline,
		    clear_cache),
		cmocka_unit_test_setup(test_fresh_cache_beats_table,
		    clear_cache),
		cmocka_unit_test_setup(test_stale_cache_ignored_offline,
		    clear_cache),
		cmocka_unit_test_setup(test_failed_fetch_uses_stale_cache,
		    clear_cache),
		cmocka_unit_test_setup(test_failed_fetch_uses_table,
		    clear_cache),
		cmocka_unit_test_setup(test_no_token_no_request, clear_cache),
		cmocka_unit_test_setup(test_no_live_source, clear_cache),
		cmocka_unit_test_setup(test_usage_errors, clear_cache),
		cmocka_unit_test_setup(test_token_not_sent_in_clear,
		    clear_cache),
		cmocka_unit_test_setup(test_series_offline_is_flat,
		    clear_cache),
		cmocka_unit_test_setup(test_series_from_cache, clear_cache),
		cmocka_unit_test_setup(test_damaged_cache_warns, clear_cache),
	};
	int rc;

	rc = cmocka_run_group_tests(tests, setup, teardown);
	ci_http_global_cleanup();
	return rc;
}
