/*
 * WattTime API v3: parsing login, forecast, signal-index and
 * region-from-loc bodies, and a session that logs in once, sends the
 * bearer token in a header and logs in again once when it has expired.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ci-data/creds.h"
#include "ci-data/isotime.h"
#include "ci-data/json.h"
#include "ci-data/src_watttime.h"
#include "core/mem.h"
#include "core/banned.h"

#define WT_MAX_G 5000.0
#define WT_STEP_SECS 300L
#define USER_ENV "ECOPLAN_WATTTIME_USERNAME"
#define PASS_ENV "ECOPLAN_WATTTIME_PASSWORD"

static void
wt_tag(struct ci_tag *t)
{
	memset(t, 0, sizeof *t);
	t->source = CI_SRC_WT;
	t->basis = CI_BASIS_DIRECT;
	t->signal = CI_SIGNAL_MARGINAL;
	t->accounting = CI_ACCT_UNKNOWN;
	t->forecast = 1;
	snprintf(t->text, sizeof t->text, "%s", CI_WT_TEXT);
}

int
ci_wt_parse_login(const char *body, size_t len, char **token,
    struct ep_err *err)
{
	const char *t;
	cJSON *root = NULL;
	int ret = -1;
	size_t i;

	*token = NULL;
	if (ci_json_parse(body, len, &root, err) < 0)
		goto out;
	if ((t = ci_json_string(root, "token")) == NULL || t[0] == '\0') {
		ep_fail(err, EP_EPARSE, "no \"token\" in the login response");
		goto out;
	}
	/* It goes into a header: refuse anything that could break one. */
	for (i = 0; t[i] != '\0'; i++) {
		unsigned char ch = (unsigned char)t[i];

		if (ch <= 0x20 || ch >= 0x7f) {
			ep_fail(err, EP_EPARSE, "the login token holds a "
			    "character a token may not contain");
			goto out;
		}
	}
	*token = ep_xstrdup(t);
	ret = 0;
out:
	if (root != NULL) {
		/* Wipe cJSON's copy of the token too. */
		cJSON *it = cJSON_GetObjectItemCaseSensitive(root, "token");

		if (cJSON_IsString(it))
			explicit_bzero(it->valuestring,
			    strlen(it->valuestring));
		cJSON_Delete(root);
	}
	return ret;
}

/* Checks meta and returns the factor to g/kWh and the step. */
static int
read_meta(const cJSON *root, double *factor, long *step, struct ep_err *err)
{
	const cJSON *meta = cJSON_GetObjectItemCaseSensitive(root, "meta");
	const char *units, *sig;
	double p;
	int r;

	if (!cJSON_IsObject(meta))
		return ep_fail(err, EP_EPARSE, "no \"meta\" in the response");
	if ((units = ci_json_string(meta, "units")) == NULL)
		return ep_fail(err, EP_EPARSE, "no \"meta.units\" in the "
		    "response");
	if (strcmp(units, "lbs_co2_per_mwh") != 0)
		return ep_fail(err, EP_EPARSE, "unsupported units '%.40s' "
		    "(expected lbs_co2_per_mwh)", units);
	*factor = CI_G_PER_KWH_PER_LB_PER_MWH;
	if ((sig = ci_json_string(meta, "signal_type")) != NULL &&
	    strcmp(sig, "co2_moer") != 0)
		return ep_fail(err, EP_EPARSE, "unexpected signal '%.40s' "
		    "(expected co2_moer)", sig);
	*step = WT_STEP_SECS;
	if ((r = ci_json_number(meta, "data_point_period_seconds", &p)) < 0 ||
	    (r == 1 && (p < 60 || p > 86400 || p != floor(p))))
		return ep_fail(err, EP_EPARSE, "bad "
		    "\"meta.data_point_period_seconds\"");
	if (r == 1)
		*step = (long)p;
	return 0;
}

/* Reads {"point_time","value"}: *g in g/kWh. */
static int
read_point(const cJSON *pt, double factor, time_t *at, double *g,
    struct ep_err *err)
{
	const char *pt_time = ci_json_string(pt, "point_time");
	double v;

	if (pt_time == NULL)
		return ep_fail(err, EP_EPARSE, "a point has no \"point_time\"");
	if (ci_time_parse(pt_time, at, err) < 0)
		return ep_err_prefix(err, "point_time");
	if (ci_json_number(pt, "value", &v) != 1)
		return ep_fail(err, EP_EPARSE, "%s: \"value\" is not a number",
		    pt_time);
	*g = v * factor;
	if (*g < 0 || *g > WT_MAX_G)
		return ep_fail(err, EP_EPARSE, "%s: %g lbs/MWh out of range",
		    pt_time, v);
	return 0;
}

int
ci_wt_parse_forecast(const char *body, size_t len, struct ci_series *s,
    struct ep_err *err)
{
	const cJSON *data, *points, *first, *pt;
	cJSON *root = NULL;
	double factor, g = 0;
	time_t at;
	int ret = -1;

	wt_tag(&s->tag);
	if (ci_json_parse(body, len, &root, err) < 0)
		goto out;
	if (read_meta(root, &factor, &s->step_secs, err) < 0)
		goto out;
	data = cJSON_GetObjectItemCaseSensitive(root, "data");
	if (!cJSON_IsArray(data)) {
		ep_fail(err, EP_EPARSE, "no \"data\" array in the response");
		goto out;
	}
	first = cJSON_GetArrayItem(data, 0);
	points = data;
	if (cJSON_IsObject(first) &&
	    cJSON_GetObjectItemCaseSensitive(first, "forecast") != NULL) {
		points = cJSON_GetObjectItemCaseSensitive(first, "forecast");
		if (!cJSON_IsArray(points)) {
			ep_fail(err, EP_EPARSE, "\"forecast\" is not an array");
			goto out;
		}
	}
	cJSON_ArrayForEach(pt, points) {
		if (read_point(pt, factor, &at, &g, err) < 0)
			goto out;
		ci_series_push(s, at, g);
	}
	if (s->n == 0) {
		ep_fail(err, EP_ENOTFOUND, "no points in the forecast");
		goto out;
	}
	ret = 0;
out:
	cJSON_Delete(root);
	return ret;
}

int
ci_wt_parse_index(const char *body, size_t len, double *percentile,
    struct ep_err *err)
{
	const cJSON *data, *pt, *meta;
	const char *units;
	cJSON *root = NULL;
	double v;
	int ret = -1;

	if (ci_json_parse(body, len, &root, err) < 0)
		goto out;
	meta = cJSON_GetObjectItemCaseSensitive(root, "meta");
	if ((units = ci_json_string(meta, "units")) != NULL &&
	    strcmp(units, "percentile") != 0) {
		ep_fail(err, EP_EPARSE, "unsupported units '%.40s' (expected "
		    "percentile)", units);
		goto out;
	}
	data = cJSON_GetObjectItemCaseSensitive(root, "data");
	pt = cJSON_IsArray(data) ? cJSON_GetArrayItem(data, 0) : NULL;
	if (pt == NULL || ci_json_number(pt, "value", &v) != 1) {
		ep_fail(err, EP_EPARSE, "no index value in the response");
		goto out;
	}
	if (v < 0 || v > 100) {
		ep_fail(err, EP_EPARSE, "index %g is not a percentile", v);
		goto out;
	}
	*percentile = v;
	ret = 0;
out:
	cJSON_Delete(root);
	return ret;
}

int
ci_wt_parse_region(const char *body, size_t len, char *region, size_t size,
    struct ep_err *err)
{
	const char *r;
	cJSON *root = NULL;
	int ret = -1;
	size_t i;

	if (ci_json_parse(body, len, &root, err) < 0)
		goto out;
	if ((r = ci_json_string(root, "region")) == NULL || r[0] == '\0' ||
	    strlen(r) >= size) {
		ep_fail(err, EP_EPARSE, "no \"region\" in the response");
		goto out;
	}
	for (i = 0; r[i] != '\0'; i++) {
		if (!((r[i] >= 'A' && r[i] <= 'Z') ||
		    (r[i] >= 'a' && r[i] <= 'z') ||
		    (r[i] >= '0' && r[i] <= '9') || r[i] == '_' ||
		    r[i] == '-')) {
			ep_fail(err, EP_EPARSE, "bad region name in the "
			    "response");
			goto out;
		}
	}
	snprintf(region, size, "%s", r);
	ret = 0;
out:
	cJSON_Delete(root);
	return ret;
}

int
ci_wt_covers(const struct ci_region *r)
{
	return r->kind == CI_KIND_WT || (isfinite(r->lat) && isfinite(r->lon));
}

/* A logged-in WattTime session. */
struct session {
	const struct ci_http_opts *o;
	char *base;
	char *user;
	char *password;
	char *token;
	char region[64];
};

static void
session_close(struct session *ss)
{
	free(ss->base);
	ci_secret_free(ss->user);
	ci_secret_free(ss->password);
	ci_secret_free(ss->token);
	memset(ss, 0, sizeof *ss);
}

static int
login(struct session *ss, struct ep_err *err)
{
	struct ci_http_req req = { NULL, NULL, NULL, NULL };
	struct ci_http_resp resp = CI_HTTP_RESP_INIT;
	const char *secrets[3];
	char *url = ep_xasprintf("%s/login", ss->base);
	int ret = -1;

	ci_secret_free(ss->token);
	ss->token = NULL;
	req.url = url;
	req.user = ss->user;
	req.password = ss->password;
	secrets[0] = ss->password;
	secrets[1] = ss->user;
	secrets[2] = NULL;
	if (ci_json_fetch(&req, ss->o, secrets, &resp, err) < 0 ||
	    ci_wt_parse_login(resp.body, resp.len, &ss->token, err) < 0) {
		ep_err_prefix(err, "login");
		goto out;
	}
	ret = 0;
out:
	if (resp.body != NULL)
		explicit_bzero(resp.body, resp.len);
	ci_http_resp_release(&resp);
	free(url);
	return ret;
}

/* GETs base + path with the token, logging in again once on a 401. */
static int
session_get(struct session *ss, const char *path, struct ci_http_resp *resp,
    struct ep_err *err)
{
	struct ci_http_req req = { NULL, NULL, NULL, NULL };
	const char *secrets[3];
	char *url = ep_xasprintf("%s%s", ss->base, path), *header = NULL;
	int ret = -1, tries;

	req.url = url;
	for (tries = 0; tries < 2; tries++) {
		ci_secret_free(header);
		header = ep_xasprintf("Authorization: Bearer %s", ss->token);
		req.header = header;
		secrets[0] = ss->token;
		secrets[1] = ss->password;
		secrets[2] = NULL;
		if ((ret = ci_json_fetch(&req, ss->o, secrets, resp, err)) == 0)
			break;
		/* "Token expires after 30 minutes": log in once more. */
		if (resp->status != 401 || tries > 0)
			break;
		ci_http_resp_release(resp);
		if (login(ss, err) < 0)
			break;
	}
	ci_secret_free(header);
	free(url);
	return ret;
}

/* Finds the credentials, logs in and settles the WattTime region. */
static int
session_open(struct session *ss, const struct ci_region *r,
    const struct ci_http_opts *o, struct ep_err *err)
{
	struct ci_http_resp resp = CI_HTTP_RESP_INIT;
	char *cpath = NULL, path[160];
	int fu, fp, ret = -1;

	memset(ss, 0, sizeof *ss);
	ss->o = o;
	if (!ci_wt_covers(r)) {
		ep_fail(err, EP_EUSAGE, "WattTime has no region for %s; name "
		    "one with wt:REGION", r->id);
		goto out;
	}
	if ((ss->base = ci_http_base("ECOPLAN_WATTTIME_API_URL", CI_WT_URL,
	    err)) == NULL)
		goto out;
	if ((fu = ci_secret_get(USER_ENV, "watttime_username",
	    CI_SECRET_TEXT, &ss->user, err)) < 0 ||
	    (fp = ci_secret_get(PASS_ENV, "watttime_password",
	    CI_SECRET_TEXT, &ss->password, err)) < 0)
		goto out;
	if (fu == 0 || fp == 0) {
		cpath = ci_creds_path(NULL);
		ep_fail(err, EP_ENOTFOUND, "no account: set %s and %s, or "
		    "watttime_username and watttime_password in %s", USER_ENV,
		    PASS_ENV, cpath != NULL ? cpath : "the credentials file");
		goto out;
	}
	if (!ci_http_secret_ok(ss->base)) {
		ep_fail(err, EP_EUSAGE, "ECOPLAN_WATTTIME_API_URL: refusing to "
		    "send credentials over plain http to a host that is not "
		    "loopback");
		goto out;
	}
	if (login(ss, err) < 0)
		goto out;
	if (r->kind == CI_KIND_WT) {
		snprintf(ss->region, sizeof ss->region, "%s", r->zone);
	} else {
		snprintf(path, sizeof path, "/v3/region-from-loc?latitude=%.4f"
		    "&longitude=%.4f&signal_type=co2_moer", r->lat, r->lon);
		if (session_get(ss, path, &resp, err) < 0 ||
		    ci_wt_parse_region(resp.body, resp.len, ss->region,
		    sizeof ss->region, err) < 0) {
			ep_err_prefix(err, "region-from-loc");
			goto out;
		}
	}
	ret = 0;
out:
	ci_http_resp_release(&resp);
	free(cpath);
	return ret;
}

/* GETs the forecast for the session's region into s. */
static int
forecast(struct session *ss, int hours, struct ci_series *s,
    struct ep_err *err)
{
	struct ci_http_resp resp = CI_HTTP_RESP_INIT;
	char path[192];
	int ret = -1;

	snprintf(path, sizeof path, "/v3/forecast?region=%s"
	    "&signal_type=co2_moer&horizon_hours=%d", ss->region, hours);
	if (session_get(ss, path, &resp, err) < 0)
		goto out;
	if ((ret = ci_wt_parse_forecast(resp.body, resp.len, s, err)) < 0 &&
	    err != NULL && err->code == EP_EPARSE)
		ep_err_prefix(err, "bad response");
out:
	ci_http_resp_release(&resp);
	return ret;
}

int
ci_wt_fetch(const struct ci_region *r, const struct ci_http_opts *o,
    struct ci_value *v, struct ci_warnings *w, struct ep_err *err)
{
	struct ci_http_resp resp = CI_HTTP_RESP_INIT;
	struct ci_series s = CI_SERIES_INIT;
	struct ep_err ierr = EP_ERR_INIT;
	struct session ss;
	char path[160];
	size_t i, k;
	int ret = -1;

	if (session_open(&ss, r, o, err) < 0 || forecast(&ss, 0, &s, err) < 0)
		goto out;
	/* The earliest point is the current one. */
	for (i = 1, k = 0; i < s.n; i++)
		if (s.t[i] < s.t[k])
			k = i;
	ci_value_init(v);
	v->tag = s.tag;
	v->g_per_kwh = s.g_per_kwh[k];
	v->at = s.t[k];
	v->period_secs = s.step_secs;
	snprintf(path, sizeof path, "/v3/signal-index?region=%s"
	    "&signal_type=co2_moer", ss.region);
	if (session_get(&ss, path, &resp, &ierr) < 0 ||
	    ci_wt_parse_index(resp.body, resp.len, &v->percentile, &ierr) < 0)
		ci_warn(w, "watttime: %s: signal index unavailable: %s", r->id,
		    ierr.msg);
	ret = 0;
out:
	ci_http_resp_release(&resp);
	ci_series_release(&s);
	session_close(&ss);
	return ret;
}

int
ci_wt_fetch_series(const struct ci_region *r, int hours,
    const struct ci_http_opts *o, struct ci_series *s, struct ep_err *err)
{
	struct session ss;
	int ret = -1;

	if (hours < 1 || hours > 72) {
		ep_fail(err, EP_EUSAGE, "WattTime forecasts reach 1 to 72 "
		    "hours ahead");
		memset(&ss, 0, sizeof ss);
		goto out;
	}
	if (session_open(&ss, r, o, err) < 0)
		goto out;
	ret = forecast(&ss, hours, s, err);
out:
	session_close(&ss);
	return ret;
}
