/*
 * HTTP GET for the live carbon-intensity sources, over libcurl: connect
 * and total timeouts, a cap on the body size, TLS verification always
 * on, no redirects (a token must not follow one to another host),
 * retries with exponential backoff on 429 and 5xx that honour
 * Retry-After, and the User-Agent "ecoplan/VERSION". Secrets go only in
 * headers or HTTP Basic credentials, never in URLs, so that no message
 * built here can hold one. libcurl itself is loaded by the first
 * transfer (ci-data/curl.h).
 */
#ifndef ECOPLAN_CI_DATA_HTTP_H
#define ECOPLAN_CI_DATA_HTTP_H

#include <stddef.h>
#include <time.h>

#include "core/err.h"

/* Defaults; see ci_http_opts_env() for the overrides. */
#define CI_HTTP_CONNECT_MS 5000L
#define CI_HTTP_TIMEOUT_MS 20000L
#define CI_HTTP_MAX_BYTES ((size_t)1 << 20)
#define CI_HTTP_RETRIES 2
#define CI_HTTP_BACKOFF_MS 500L
#define CI_HTTP_MAX_WAIT_MS 60000L

struct ci_http_opts {
	long connect_ms;	/* to connect, per attempt */
	long timeout_ms;	/* for the whole of one attempt */
	size_t max_bytes;	/* largest body accepted */
	int retries;		/* extra attempts after a 429 or 5xx */
	long backoff_ms;	/* first wait without Retry-After; doubles */
	long max_wait_ms;	/* longest Retry-After honoured */
};

/*
 * Loads and initialises libcurl the first time it is called
 * (ci_http_get() calls it), so that commands that fetch nothing do not
 * pay for it: loading libcurl's libraries was about 60% of every
 * command's start-up, and its TLS set-up 8%. Not thread-safe: call it
 * from one thread. Returns 0, or -1 with err set.
 */
int ci_http_global_init(struct ep_err *err);

/* Releases and unloads libcurl if ci_http_global_init() loaded it. */
void ci_http_global_cleanup(void);

/* Sets the defaults above. */
void ci_http_opts_init(struct ci_http_opts *o);

/*
 * Sets the defaults, then applies the environment:
 * ECOPLAN_HTTP_TIMEOUT and ECOPLAN_HTTP_CONNECT_TIMEOUT (durations, "2s",
 * "500ms"; more than zero, at most 10 min), ECOPLAN_HTTP_RETRIES (0 to
 * 10) and ECOPLAN_HTTP_BACKOFF (a duration). A bad value fails with
 * EP_EUSAGE naming the variable.
 */
int ci_http_opts_env(struct ci_http_opts *o, struct ep_err *err);

struct ci_http_req {
	const char *url;	/* http:// or https:// */
	const char *header;	/* one more "Name: value" header, or NULL;
				 * may carry a secret */
	const char *user;	/* HTTP Basic credentials, or NULL */
	const char *password;
};

struct ci_http_resp {
	long status;		/* HTTP status of the last attempt, or 0 */
	char *body;		/* owned, NUL-terminated; kept on HTTP errors
				 * so that callers can read the API's reason */
	size_t len;		/* without the NUL */
	int attempts;
};

#define CI_HTTP_RESP_INIT { 0, NULL, 0, 0 }

/*
 * GETs req->url. Returns 0 when a 2xx response arrived whole within the
 * limits; its body is in resp (release with ci_http_resp_release()).
 * Otherwise returns -1 with err set: EP_ENET for a transfer failure
 * ("timed out after 2 s", "truncated response...") or an HTTP error
 * status ("HTTP 500 Internal Server Error after 3 attempts"), EP_ENOMEM
 * for a body over the cap. Sleeps between retries.
 */
int ci_http_get(const struct ci_http_req *req, const struct ci_http_opts *o,
    struct ci_http_resp *resp, struct ep_err *err);

/* Frees the body; safe on CI_HTTP_RESP_INIT. */
void ci_http_resp_release(struct ci_http_resp *r);

/*
 * Seconds a Retry-After value asks to wait: delta-seconds ("120") or an
 * HTTP-date ("Wed, 21 Oct 2015 07:28:00 GMT", relative to now; 0 when
 * past). -1 when value is neither.
 */
long ci_http_retry_after(const char *value, time_t now);

/*
 * Milliseconds to wait before retry number attempt + 1 (attempt counts
 * from 0): the Retry-After value when there is one (retry_after_secs >=
 * 0), else backoff_ms doubled at each attempt, at most max_wait_ms. -1
 * when the server asks for longer than max_wait_ms.
 */
long ci_http_wait_ms(const struct ci_http_opts *o, int attempt,
    long retry_after_secs);

/* The reason phrase of an HTTP status ("Too Many Requests"), or "". */
const char *ci_http_reason(long status);

/*
 * The base URL of an API: the value of environment variable env when
 * set (for tests and mirrors), else def; any trailing '/' removed.
 * Returns a new string (caller frees), or NULL with EP_EUSAGE when the
 * value is not an http:// or https:// URL.
 */
char *ci_http_base(const char *env, const char *def, struct ep_err *err);

/*
 * May a secret be sent to url? Only over https://, or over plain http://
 * to a loopback address (127.0.0.0/8, ::1, localhost), as tests do.
 */
int ci_http_secret_ok(const char *url);

#endif
