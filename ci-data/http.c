/*
 * HTTP GET over libcurl for the live carbon-intensity sources: limits,
 * retries and error messages. CURLOPT_FAILONERROR is not set: error
 * bodies carry the API's reason ("Invalid auth-token"), which callers
 * put into their messages, so the status is checked here instead.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "ci-data/curl.h"
#include "ci-data/http.h"
#include "core/mem.h"
#include "core/num.h"
#include "core/version.h"
#include "core/banned.h"

/* libcurl, once ci_http_global_init() has loaded it. */
static struct ci_curl *cu;

/* One transfer's state, shared with the libcurl callbacks. */
struct xfer {
	char *body;
	size_t len, cap, max;
	int over;		/* the body went past max */
	long retry_after;	/* seconds, -1 when absent */
};

void
ci_http_opts_init(struct ci_http_opts *o)
{
	o->connect_ms = CI_HTTP_CONNECT_MS;
	o->timeout_ms = CI_HTTP_TIMEOUT_MS;
	o->max_bytes = CI_HTTP_MAX_BYTES;
	o->retries = CI_HTTP_RETRIES;
	o->backoff_ms = CI_HTTP_BACKOFF_MS;
	o->max_wait_ms = CI_HTTP_MAX_WAIT_MS;
}

/* A duration from the environment, in ms, within (0, max_secs]. */
static int
env_ms(const char *name, double min_secs, double max_secs, long *out,
    struct ep_err *err)
{
	const char *v = getenv(name);
	double secs;

	if (v == NULL || v[0] == '\0')
		return 0;
	if (ep_parse_duration(v, &secs, err) < 0) {
		ep_err_prefix(err, "%s", name);
		if (err != NULL)
			err->code = EP_EUSAGE;
		return -1;
	}
	if (secs < min_secs || secs > max_secs)
		return ep_fail(err, EP_EUSAGE, "%s: '%s': must be between %g s "
		    "and %g s", name, v, min_secs, max_secs);
	*out = (long)(secs * 1000 + 0.5);
	if (*out == 0 && secs > 0)
		*out = 1;
	return 0;
}

int
ci_http_opts_env(struct ci_http_opts *o, struct ep_err *err)
{
	const char *v;
	long n;

	ci_http_opts_init(o);
	if (env_ms("ECOPLAN_HTTP_TIMEOUT", 0.001, 600, &o->timeout_ms,
	    err) < 0 ||
	    env_ms("ECOPLAN_HTTP_CONNECT_TIMEOUT", 0.001, 600, &o->connect_ms,
	    err) < 0 ||
	    env_ms("ECOPLAN_HTTP_BACKOFF", 0, 60, &o->backoff_ms, err) < 0)
		return -1;
	if ((v = getenv("ECOPLAN_HTTP_RETRIES")) != NULL && v[0] != '\0') {
		if (ep_parse_long(v, 0, 10, &n, err) < 0) {
			ep_err_prefix(err, "ECOPLAN_HTTP_RETRIES");
			if (err != NULL)
				err->code = EP_EUSAGE;
			return -1;
		}
		o->retries = (int)n;
	}
	return 0;
}

void
ci_http_resp_release(struct ci_http_resp *r)
{
	free(r->body);
	r->body = NULL;
	r->len = 0;
	r->status = 0;
	r->attempts = 0;
}

const char *
ci_http_reason(long status)
{
	static const struct {
		long status;
		const char *reason;
	} reasons[] = {
		{ 400, "Bad Request" }, { 401, "Unauthorized" },
		{ 402, "Payment Required" }, { 403, "Forbidden" },
		{ 404, "Not Found" }, { 405, "Method Not Allowed" },
		{ 408, "Request Timeout" }, { 410, "Gone" },
		{ 422, "Unprocessable Content" },
		{ 429, "Too Many Requests" },
		{ 500, "Internal Server Error" }, { 501, "Not Implemented" },
		{ 502, "Bad Gateway" }, { 503, "Service Unavailable" },
		{ 504, "Gateway Timeout" },
	};
	size_t i;

	for (i = 0; i < sizeof reasons / sizeof reasons[0]; i++)
		if (reasons[i].status == status)
			return reasons[i].reason;
	return "";
}

/*
 * Parses an IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT" (RFC 9110), by
 * hand: strptime() would depend on the locale and on _XOPEN_SOURCE.
 */
static int
http_date(const char *s, time_t *out)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	int d, y, hh, mm, ss, mon, used = 0;
	char wday[4], mname[4], zone[4];
	struct tm tm;
	const char *m;

	if (sscanf(s, "%3[A-Za-z], %2d %3[A-Za-z] %4d %2d:%2d:%2d %3[A-Z]%n",
	    wday, &d, mname, &y, &hh, &mm, &ss, zone, &used) != 8 ||
	    s[used] != '\0' || strcmp(zone, "GMT") != 0 || strlen(mname) != 3)
		return -1;
	if ((m = strstr(months, mname)) == NULL || (m - months) % 3 != 0)
		return -1;
	mon = (int)(m - months) / 3;
	if (d < 1 || d > 31 || hh > 23 || mm > 59 || ss > 60 || y < 1970)
		return -1;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mon;
	tm.tm_mday = d;
	tm.tm_hour = hh;
	tm.tm_min = mm;
	tm.tm_sec = ss;
	if ((*out = timegm(&tm)) == (time_t)-1)
		return -1;
	return 0;
}

long
ci_http_retry_after(const char *value, time_t now)
{
	struct ep_err err = EP_ERR_INIT;
	char buf[64];
	size_t n;
	time_t t;
	long secs;

	while (*value == ' ' || *value == '\t')
		value++;
	n = strlen(value);
	while (n > 0 && (value[n - 1] == ' ' || value[n - 1] == '\t'))
		n--;
	if (n == 0 || n >= sizeof buf)
		return -1;
	memcpy(buf, value, n);
	buf[n] = '\0';
	if (ep_parse_long(buf, 0, 1000000000L, &secs, &err) == 0)
		return secs;
	if (http_date(buf, &t) < 0)
		return -1;
	return t > now ? (long)(t - now) : 0;
}

long
ci_http_wait_ms(const struct ci_http_opts *o, int attempt,
    long retry_after_secs)
{
	long ms;
	int i;

	if (retry_after_secs >= 0) {
		if (retry_after_secs > o->max_wait_ms / 1000)
			return -1;
		return retry_after_secs * 1000;
	}
	ms = o->backoff_ms;
	for (i = 0; i < attempt && ms < o->max_wait_ms; i++)
		ms *= 2;
	return ms < o->max_wait_ms ? ms : o->max_wait_ms;
}

static void
sleep_ms(long ms)
{
	struct timespec ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static size_t
on_body(char *p, size_t size, size_t n, void *data)
{
	struct xfer *x = data;
	size_t len = size * n;

	if (len > x->max - x->len) {
		x->over = 1;
		return 0;
	}
	if (x->len + len + 1 > x->cap) {
		size_t cap = x->cap == 0 ? 16384 : x->cap;

		while (cap < x->len + len + 1)
			cap *= 2;
		x->body = ep_xrealloc(x->body, cap);
		x->cap = cap;
	}
	memcpy(x->body + x->len, p, len);
	x->len += len;
	x->body[x->len] = '\0';
	return len;
}

static size_t
on_header(char *p, size_t size, size_t n, void *data)
{
	static const char name[] = "retry-after:";
	struct xfer *x = data;
	size_t len = size * n, nl = sizeof name - 1;
	char value[128];

	if (len > nl && strncasecmp(p, name, nl) == 0) {
		size_t vl = len - nl;

		if (vl >= sizeof value)
			vl = sizeof value - 1;
		memcpy(value, p + nl, vl);
		value[vl] = '\0';
		value[strcspn(value, "\r\n")] = '\0';
		x->retry_after = ci_http_retry_after(value, time(NULL));
	}
	return len;
}

/* Seconds for a message: "2", "0.5". */
static double
secs(long ms)
{
	return (double)ms / 1000.0;
}

/* Turns a failed transfer into a message. */
static int
transfer_error(CURLcode rc, const char *errbuf, const struct xfer *x,
    const struct ci_http_opts *o, struct ep_err *err)
{
	const char *why = errbuf[0] != '\0' ? errbuf : cu->easy_strerror(rc);

	switch (rc) {
	case CURLE_WRITE_ERROR:
	case CURLE_FILESIZE_EXCEEDED:
		/* The first is ours only when on_body() refused. */
		if (rc == CURLE_FILESIZE_EXCEEDED || x->over)
			return ep_fail(err, EP_ENOMEM, "response larger than "
			    "the limit of %zu bytes", o->max_bytes);
		break;
	case CURLE_OPERATION_TIMEDOUT:
		if (strncmp(errbuf, "Connection timed out", 20) == 0 ||
		    strncmp(errbuf, "Connection time-out", 19) == 0)
			return ep_fail(err, EP_ENET, "could not connect within "
			    "%g s", secs(o->connect_ms));
		return ep_fail(err, EP_ENET, "timed out after %g s",
		    secs(o->timeout_ms));
	case CURLE_PARTIAL_FILE:
		return ep_fail(err, EP_ENET, "truncated response: the "
		    "connection closed before the end of the body");
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return ep_fail(err, EP_ENET, "cannot resolve host: %s", why);
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CONNECT_ERROR:
		return ep_fail(err, EP_ENET, "TLS verification failed: %s",
		    why);
	default:
		break;
	}
	return ep_fail(err, EP_ENET, "%s", why);
}

/* Frees a header list, wiping the copies of any secret in it first. */
static void
slist_free(struct curl_slist *l)
{
	struct curl_slist *p;

	if (l == NULL)
		return;
	for (p = l; p != NULL; p = p->next)
		explicit_bzero(p->data, strlen(p->data));
	cu->slist_free_all(l);
}

/* Is s a dotted IPv4 address in 127.0.0.0/8? */
static int
loopback4(const char *s)
{
	int dots = 0;

	if (strncmp(s, "127.", 4) != 0)
		return 0;
	for (; *s != '\0'; s++) {
		if (*s == '.')
			dots++;
		else if (*s < '0' || *s > '9')
			return 0;
	}
	return dots == 3;
}

/* Sets the options that hold for every attempt. */
static int
setup(CURL *h, const struct ci_http_req *req, const struct ci_http_opts *o,
    struct curl_slist *headers, struct xfer *x, char *errbuf)
{
	CURLcode rc = CURLE_OK;

#define SET(opt, val) \
	do { \
		if (rc == CURLE_OK) \
			rc = cu->easy_setopt(h, opt, val); \
	} while (0)
	SET(CURLOPT_URL, req->url);
	SET(CURLOPT_ERRORBUFFER, errbuf);
	SET(CURLOPT_USERAGENT, "ecoplan/" EP_VERSION);
	SET(CURLOPT_HTTPHEADER, headers);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_CONNECTTIMEOUT_MS, o->connect_ms);
	SET(CURLOPT_TIMEOUT_MS, o->timeout_ms);
	SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)o->max_bytes);
	SET(CURLOPT_WRITEFUNCTION, on_body);
	SET(CURLOPT_WRITEDATA, x);
	SET(CURLOPT_HEADERFUNCTION, on_header);
	SET(CURLOPT_HEADERDATA, x);
	SET(CURLOPT_ACCEPT_ENCODING, "");
	/* Never off, whatever the environment says. */
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	SET(CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
#else
	SET(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	if (req->user != NULL) {
		SET(CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		SET(CURLOPT_USERNAME, req->user);
		SET(CURLOPT_PASSWORD, req->password != NULL ? req->password :
		    "");
	}
#undef SET
	return rc == CURLE_OK ? 0 : -1;
}

int
ci_http_get(const struct ci_http_req *req, const struct ci_http_opts *o,
    struct ci_http_resp *resp, struct ep_err *err)
{
	char errbuf[CURL_ERROR_SIZE];
	struct curl_slist *headers = NULL, *tmp;
	struct xfer x;
	CURL *h = NULL;
	CURLcode rc;
	long status = 0, wait;
	int attempt, ret = -1;

	memset(&x, 0, sizeof x);
	x.max = o->max_bytes;
	resp->body = NULL;
	resp->len = 0;
	resp->status = 0;
	resp->attempts = 0;
	errbuf[0] = '\0';
	if (ci_http_global_init(err) < 0)
		goto out;
	if ((h = cu->easy_init()) == NULL) {
		ep_fail(err, EP_ENOMEM, "cannot start a libcurl transfer");
		goto out;
	}
	headers = cu->slist_append(NULL, "Accept: application/json");
	if (headers != NULL && req->header != NULL) {
		if ((tmp = cu->slist_append(headers, req->header)) == NULL) {
			slist_free(headers);
			headers = NULL;
		} else {
			headers = tmp;
		}
	}
	if (headers == NULL || setup(h, req, o, headers, &x, errbuf) < 0) {
		ep_fail(err, EP_ENOMEM, "cannot set up the libcurl transfer");
		goto out;
	}
	for (attempt = 0;; attempt++) {
		x.len = 0;
		x.over = 0;
		x.retry_after = -1;
		if (x.body != NULL)
			x.body[0] = '\0';
		errbuf[0] = '\0';
		rc = cu->easy_perform(h);
		resp->attempts = attempt + 1;
		if (rc != CURLE_OK) {
			transfer_error(rc, errbuf, &x, o, err);
			goto out;
		}
		if (cu->easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status) !=
		    CURLE_OK || status == 0) {
			ep_fail(err, EP_ENET, "no HTTP response");
			goto out;
		}
		resp->status = status;
		if (status >= 200 && status <= 299)
			break;
		if (status != 429 && status < 500) {
			ep_fail(err, EP_ENET, "HTTP %ld %s", status,
			    ci_http_reason(status));
			goto out;
		}
		if (attempt >= o->retries) {
			if (attempt == 0)
				ep_fail(err, EP_ENET, "HTTP %ld %s", status,
				    ci_http_reason(status));
			else
				ep_fail(err, EP_ENET, "HTTP %ld %s after %d "
				    "attempts", status, ci_http_reason(status),
				    attempt + 1);
			goto out;
		}
		if ((wait = ci_http_wait_ms(o, attempt, x.retry_after)) < 0) {
			ep_fail(err, EP_ENET, "HTTP %ld %s (the server asks to "
			    "wait %ld s)", status, ci_http_reason(status),
			    x.retry_after);
			goto out;
		}
		sleep_ms(wait);
	}
	ret = 0;
out:
	/* The body is handed over on success and on an HTTP error. */
	if (resp->status != 0 && x.body != NULL && !x.over) {
		resp->body = x.body;
		resp->len = x.len;
		x.body = NULL;
	}
	free(x.body);
	if (h != NULL)
		cu->easy_cleanup(h);
	slist_free(headers);
	return ret;
}

char *
ci_http_base(const char *env, const char *def, struct ep_err *err)
{
	const char *v = getenv(env);
	char *s;
	size_t n;

	if (v == NULL || v[0] == '\0')
		v = def;
	if (strncasecmp(v, "http://", 7) != 0 &&
	    strncasecmp(v, "https://", 8) != 0) {
		ep_fail(err, EP_EUSAGE, "%s: '%.60s': not an http:// or "
		    "https:// URL", env, v);
		return NULL;
	}
	if (strpbrk(v, " \t\r\n?#") != NULL) {
		ep_fail(err, EP_EUSAGE, "%s: a base URL takes no spaces, query "
		    "or fragment", env);
		return NULL;
	}
	s = ep_xstrdup(v);
	n = strlen(s);
	while (n > 8 && s[n - 1] == '/')
		s[--n] = '\0';
	return s;
}

int
ci_http_secret_ok(const char *url)
{
	const char *host, *end, *at;
	char h[256];
	size_t n;

	if (strncasecmp(url, "https://", 8) == 0)
		return 1;
	if (strncasecmp(url, "http://", 7) != 0)
		return 0;
	host = url + 7;
	end = host + strcspn(host, "/");
	/* Skip any user information: "user:pass@host". */
	if ((at = memchr(host, '@', (size_t)(end - host))) != NULL)
		host = at + 1;
	if (*host == '[') {
		const char *rb = memchr(host, ']', (size_t)(end - host));

		if (rb == NULL)
			return 0;
		n = (size_t)(rb - host - 1);
		host++;
	} else {
		n = strcspn(host, ":/");
		if (host + n > end)
			n = (size_t)(end - host);
	}
	if (n == 0 || n >= sizeof h)
		return 0;
	memcpy(h, host, n);
	h[n] = '\0';
	return strcasecmp(h, "localhost") == 0 || strcmp(h, "::1") == 0 ||
	    loopback4(h);
}

int
ci_http_global_init(struct ep_err *err)
{
	if (cu == NULL)
		cu = ci_curl_load(err);
	return cu != NULL ? 0 : -1;
}

void
ci_http_global_cleanup(void)
{
	ci_curl_unload();
	cu = NULL;
}
