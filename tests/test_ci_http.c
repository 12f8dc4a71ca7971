/*
 * Tests for ci-data/http. curl_easy_perform is replaced in the table of
 * libcurl functions that ci-data/curl.c loads, so no transfer ever leaves
 * the process: each test queues the CURLcode a transfer ends with, and checks the message and
 * that transfer failures are not retried. Retries on 429/5xx, the size
 * cap against real bodies and timeouts against a slow server are tested
 * over loopback by tests/cli/ci.sh. Also the pure helpers: Retry-After,
 * backoff, base URLs and where secrets may go.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>

#include "ci-data/curl.h"
#include "ci-data/http.h"
#include "ci-data/json.h"
#include "tests/test_util.h"

static int calls;

static CURLcode
mock_perform(CURL *h)
{
	(void)h;
	calls++;
	return mock_type(CURLcode);
}

/* Runs one GET that ends with rc and checks the message. */
static void
transfer(CURLcode rc, enum ep_code code, const char *want)
{
	struct ci_http_req req = { "https://api.example.invalid/v3/x", NULL,
		NULL, NULL };
	struct ci_http_resp resp = CI_HTTP_RESP_INIT;
	struct ci_http_opts o;
	struct ep_err err = EP_ERR_INIT;

	ci_http_opts_init(&o);
	o.timeout_ms = 2000;
	o.connect_ms = 500;
	calls = 0;
	will_return(mock_perform, rc);
	assert_int_equal(ci_http_get(&req, &o, &resp, &err), -1);
	assert_int_equal(calls, 1);	/* never retried */
	assert_int_equal(resp.attempts, 1);
	assert_int_equal(resp.status, 0);
	assert_null(resp.body);
	assert_int_equal(err.code, code);
	assert_contains(err.msg, want);
	ci_http_resp_release(&resp);
}

static void
test_transfer_errors(void **state)
{
	(void)state;
	transfer(CURLE_OPERATION_TIMEDOUT, EP_ENET, "timed out after 2 s");
	transfer(CURLE_PARTIAL_FILE, EP_ENET, "truncated response: the "
	    "connection closed before the end of the body");
	transfer(CURLE_FILESIZE_EXCEEDED, EP_ENOMEM, "response larger than "
	    "the limit of 1048576 bytes");
	transfer(CURLE_COULDNT_RESOLVE_HOST, EP_ENET, "cannot resolve host");
	transfer(CURLE_PEER_FAILED_VERIFICATION, EP_ENET,
	    "TLS verification failed");
	transfer(CURLE_COULDNT_CONNECT, EP_ENET, "Couldn't connect to server");
	/* A write error that is not the size cap is curl's to explain. */
	transfer(CURLE_WRITE_ERROR, EP_ENET, "Failed writing");
	/* A transfer that "succeeded" without any HTTP status. */
	transfer(CURLE_OK, EP_ENET, "no HTTP response");
}

static void
test_fetch_keeps_secrets_out(void **state)
{
	struct ci_http_req req = { "https://api.example.invalid/x",
		"auth-token: tok-123", NULL, NULL };
	struct ci_http_resp resp = CI_HTTP_RESP_INIT;
	const char *secrets[] = { "tok-123", NULL };
	struct ci_http_opts o;
	struct ep_err err = EP_ERR_INIT;

	(void)state;
	ci_http_opts_init(&o);
	will_return(mock_perform, CURLE_COULDNT_CONNECT);
	assert_int_equal(ci_json_fetch(&req, &o, secrets, &resp, &err), -1);
	assert_null(strstr(err.msg, "tok-123"));
	ci_http_resp_release(&resp);
}

static void
test_retry_after(void **state)
{
	/* Sun, 06 Nov 1994 08:49:37 GMT */
	const time_t t = 784111777;

	(void)state;
	assert_int_equal(ci_http_retry_after("120", t), 120);
	assert_int_equal(ci_http_retry_after("  0  ", t), 0);
	assert_int_equal(ci_http_retry_after("Sun, 06 Nov 1994 08:49:37 GMT",
	    t - 30), 30);
	assert_int_equal(ci_http_retry_after("Sun, 06 Nov 1994 08:49:37 GMT",
	    t + 30), 0);
	assert_int_equal(ci_http_retry_after("-1", t), -1);
	assert_int_equal(ci_http_retry_after("1.5", t), -1);
	assert_int_equal(ci_http_retry_after("soon", t), -1);
	assert_int_equal(ci_http_retry_after("", t), -1);
	assert_int_equal(ci_http_retry_after("Sun, 06 Nov 1994 08:49:37 CET",
	    t), -1);
	assert_int_equal(ci_http_retry_after("Sun, 06 Foo 1994 08:49:37 GMT",
	    t), -1);
}

static void
test_wait(void **state)
{
	struct ci_http_opts o;

	(void)state;
	ci_http_opts_init(&o);
	assert_int_equal(ci_http_wait_ms(&o, 0, -1), 500);
	assert_int_equal(ci_http_wait_ms(&o, 1, -1), 1000);
	assert_int_equal(ci_http_wait_ms(&o, 2, -1), 2000);
	assert_int_equal(ci_http_wait_ms(&o, 30, -1), 60000);
	assert_int_equal(ci_http_wait_ms(&o, 0, 3), 3000);
	assert_int_equal(ci_http_wait_ms(&o, 5, 0), 0);
	assert_int_equal(ci_http_wait_ms(&o, 0, 60), 60000);
	assert_int_equal(ci_http_wait_ms(&o, 0, 61), -1);
	assert_int_equal(ci_http_wait_ms(&o, 0, 3600), -1);
}

static void
test_reason(void **state)
{
	(void)state;
	assert_string_equal(ci_http_reason(429), "Too Many Requests");
	assert_string_equal(ci_http_reason(401), "Unauthorized");
	assert_string_equal(ci_http_reason(503), "Service Unavailable");
	assert_string_equal(ci_http_reason(299), "");
}

static void
test_opts_env(void **state)
{
	struct ci_http_opts o;
	struct ep_err err = EP_ERR_INIT;

	(void)state;
	setenv("ECOPLAN_HTTP_TIMEOUT", "1500ms", 1);
	setenv("ECOPLAN_HTTP_CONNECT_TIMEOUT", "1s", 1);
	setenv("ECOPLAN_HTTP_RETRIES", "0", 1);
	setenv("ECOPLAN_HTTP_BACKOFF", "10ms", 1);
	assert_int_equal(ci_http_opts_env(&o, &err), 0);
	assert_int_equal(o.timeout_ms, 1500);
	assert_int_equal(o.connect_ms, 1000);
	assert_int_equal(o.retries, 0);
	assert_int_equal(o.backoff_ms, 10);
	assert_int_equal(o.max_bytes, CI_HTTP_MAX_BYTES);
	setenv("ECOPLAN_HTTP_TIMEOUT", "0s", 1);
	assert_int_equal(ci_http_opts_env(&o, &err), -1);
	assert_int_equal(err.code, EP_EUSAGE);
	assert_contains(err.msg, "ECOPLAN_HTTP_TIMEOUT: '0s': must be between");
	setenv("ECOPLAN_HTTP_TIMEOUT", "fast", 1);
	assert_int_equal(ci_http_opts_env(&o, &err), -1);
	assert_contains(err.msg, "ECOPLAN_HTTP_TIMEOUT: 'fast'");
	unsetenv("ECOPLAN_HTTP_TIMEOUT");
	setenv("ECOPLAN_HTTP_RETRIES", "11", 1);
	assert_int_equal(ci_http_opts_env(&o, &err), -1);
	assert_contains(err.msg, "ECOPLAN_HTTP_RETRIES: '11': out of range");
	unsetenv("ECOPLAN_HTTP_RETRIES");
	unsetenv("ECOPLAN_HTTP_CONNECT_TIMEOUT");
	unsetenv("ECOPLAN_HTTP_BACKOFF");
	assert_int_equal(ci_http_opts_env(&o, &err), 0);
	assert_int_equal(o.timeout_ms, CI_HTTP_TIMEOUT_MS);
	assert_int_equal(o.retries, CI_HTTP_RETRIES);
}

static void
test_base(void **state)
{
	struct ep_err err = EP_ERR_INIT;
	char *b;

	(void)state;
	unsetenv("ECOPLAN_TEST_URL");
	b = ci_http_base("ECOPLAN_TEST_URL", "https://api.example.org/v3",
	    &err);
	assert_string_equal(b, "https://api.example.org/v3");
	free(b);
	setenv("ECOPLAN_TEST_URL", "http://127.0.0.1:8080/base//", 1);
	b = ci_http_base("ECOPLAN_TEST_URL", "https://x", &err);
	assert_string_equal(b, "http://127.0.0.1:8080/base");
	free(b);
	setenv("ECOPLAN_TEST_URL", "ftp://example.org", 1);
	assert_null(ci_http_base("ECOPLAN_TEST_URL", "https://x", &err));
	assert_int_equal(err.code, EP_EUSAGE);
	assert_contains(err.msg, "ECOPLAN_TEST_URL: 'ftp://example.org': not "
	    "an http:// or https:// URL");
	setenv("ECOPLAN_TEST_URL", "https://example.org/?token=x", 1);
	assert_null(ci_http_base("ECOPLAN_TEST_URL", "https://x", &err));
	assert_contains(err.msg, "no spaces, query or fragment");
	assert_null(strstr(err.msg, "token=x"));
	unsetenv("ECOPLAN_TEST_URL");
}

static void
test_secret_ok(void **state)
{
	(void)state;
	assert_true(ci_http_secret_ok("https://api.electricitymaps.com/v3"));
	assert_true(ci_http_secret_ok("HTTPS://api.watttime.org"));
	assert_true(ci_http_secret_ok("http://127.0.0.1:4567/x"));
	assert_true(ci_http_secret_ok("http://127.1.2.3"));
	assert_true(ci_http_secret_ok("http://localhost:80/"));
	assert_true(ci_http_secret_ok("http://[::1]:8080/v3"));
	assert_false(ci_http_secret_ok("http://api.electricitymaps.com/v3"));
	assert_false(ci_http_secret_ok("http://127.evil.example/"));
	assert_false(ci_http_secret_ok("http://127.0.0.1.evil.example/"));
	assert_false(ci_http_secret_ok("http://localhost.evil.example/"));
	assert_false(ci_http_secret_ok("http://evil.example/127.0.0.1"));
	assert_false(ci_http_secret_ok("http://127.0.0.1@evil.example/"));
	assert_false(ci_http_secret_ok("ftp://127.0.0.1/"));
	assert_false(ci_http_secret_ok("http://[::1"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_transfer_errors),
		cmocka_unit_test(test_fetch_keeps_secrets_out),
		cmocka_unit_test(test_retry_after),
		cmocka_unit_test(test_wait),
		cmocka_unit_test(test_reason),
		cmocka_unit_test(test_opts_env),
		cmocka_unit_test(test_base),
		cmocka_unit_test(test_secret_ok),
	};
	int rc;

	struct ci_curl *cu;
	struct ep_err err = EP_ERR_INIT;

	if ((cu = ci_curl_load(&err)) == NULL) {
		fprintf(stderr, "test_ci_http: %s\n", err.msg);
		return 1;
	}
	cu->easy_perform = mock_perform;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	ci_http_global_cleanup();
	return rc;
}
