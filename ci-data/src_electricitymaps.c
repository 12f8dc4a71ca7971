/*
 * Electricity Maps API v3: parsing the latest and history bodies, and
 * fetching them with the token in a header.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ci-data/creds.h"
#include "ci-data/isotime.h"
#include "ci-data/json.h"
#include "ci-data/src_electricitymaps.h"
#include "core/mem.h"
#include "core/banned.h"

#define EM_MAX_G 5000.0
#define TOKEN_ENV "ECOPLAN_ELECTRICITYMAPS_TOKEN"
#define TOKEN_KEY "electricitymaps_token"

static void
em_tag(struct ci_tag *t, const cJSON *obj)
{
	const char *eft = ci_json_string(obj, "emissionFactorType");
	const cJSON *est = cJSON_GetObjectItemCaseSensitive(obj,
	    "isEstimated");

	memset(t, 0, sizeof *t);
	t->source = CI_SRC_EM;
	t->basis = eft != NULL && strcmp(eft, "direct") == 0 ?
	    CI_BASIS_DIRECT : CI_BASIS_LIFECYCLE;
	t->signal = CI_SIGNAL_AVERAGE;
	t->accounting = CI_ACCT_CONSUMPTION;
	t->estimated = cJSON_IsTrue(est);
	snprintf(t->text, sizeof t->text, "%s", CI_EM_TEXT);
}

/* Reads one hour: *g is NaN when the intensity is null. */
static int
read_hour(const cJSON *obj, double *g, time_t *at, struct ep_err *err)
{
	const char *dt = ci_json_string(obj, "datetime");
	int r;

	if (dt == NULL)
		return ep_fail(err, EP_EPARSE, "no \"datetime\"");
	if (ci_time_parse(dt, at, err) < 0)
		return ep_err_prefix(err, "datetime");
	if ((r = ci_json_number(obj, "carbonIntensity", g)) < 0)
		return ep_fail(err, EP_EPARSE, "%s: \"carbonIntensity\" is not "
		    "a number", dt);
	if (r == 0)
		*g = (double)NAN;
	else if (*g < 0 || *g > EM_MAX_G)
		return ep_fail(err, EP_EPARSE, "%s: intensity %g g/kWh out of "
		    "range", dt, *g);
	return 0;
}

int
ci_em_parse_latest(const char *body, size_t len, struct ci_value *v,
    struct ep_err *err)
{
	const char *zone;
	cJSON *root = NULL;
	int ret = -1;

	ci_value_init(v);
	if (ci_json_parse(body, len, &root, err) < 0)
		goto out;
	if (!cJSON_IsObject(root)) {
		ep_fail(err, EP_EPARSE, "the response is not a JSON object");
		goto out;
	}
	em_tag(&v->tag, root);
	if (read_hour(root, &v->g_per_kwh, &v->at, err) < 0)
		goto out;
	if (isnan(v->g_per_kwh)) {
		zone = ci_json_string(root, "zone");
		ep_fail(err, EP_ENOTFOUND, "no value for zone %.32s",
		    zone != NULL ? zone : "?");
		goto out;
	}
	v->period_secs = CI_EM_STEP_SECS;
	ret = 0;
out:
	cJSON_Delete(root);
	return ret;
}

int
ci_em_parse_history(const char *body, size_t len, struct ci_series *s,
    struct ep_err *err)
{
	const cJSON *hist, *h;
	cJSON *root = NULL;
	time_t at;
	double g;
	int ret = -1, any = 0;
	size_t i = 0;

	em_tag(&s->tag, NULL);
	s->step_secs = CI_EM_STEP_SECS;
	if (ci_json_parse(body, len, &root, err) < 0)
		goto out;
	hist = cJSON_GetObjectItemCaseSensitive(root, "history");
	if (!cJSON_IsArray(hist)) {
		ep_fail(err, EP_EPARSE, "no \"history\" array in the response");
		goto out;
	}
	cJSON_ArrayForEach(h, hist) {
		if (!cJSON_IsObject(h)) {
			ep_fail(err, EP_EPARSE, "history[%zu]: not an object",
			    i);
			goto out;
		}
		if (read_hour(h, &g, &at, err) < 0) {
			ep_err_prefix(err, "history[%zu]", i);
			goto out;
		}
		if (i == 0)
			em_tag(&s->tag, h);
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(h,
		    "isEstimated")))
			s->tag.estimated = 1;
		any |= !isnan(g);
		ci_series_push(s, at, g);
		i++;
	}
	if (!any) {
		ep_fail(err, EP_ENOTFOUND, "no values in the history");
		goto out;
	}
	ret = 0;
out:
	cJSON_Delete(root);
	return ret;
}

int
ci_em_covers(const struct ci_region *r)
{
	switch (r->kind) {
	case CI_KIND_COUNTRY:
		return r->iso2[0] != '\0';
	case CI_KIND_EM:
	case CI_KIND_CLOUD:
		return 1;
	default:
		return 0;
	}
}

/* The query for r: "zone=DE" or the data-centre parameters. */
static void
query(const struct ci_region *r, char *buf, size_t size)
{
	if (r->kind == CI_KIND_CLOUD)
		snprintf(buf, size, "dataCenterProvider=%s&dataCenterRegion=%s",
		    r->provider, r->cloud);
	else
		snprintf(buf, size, "zone=%s", r->kind == CI_KIND_EM ? r->zone :
		    r->iso2);
}

/* GETs PATH?QUERY with the token and returns the body in resp. */
static int
get(const struct ci_region *r, const char *path,
    const struct ci_http_opts *o, struct ci_http_resp *resp,
    struct ep_err *err)
{
	struct ci_http_req req = { NULL, NULL, NULL, NULL };
	char *token = NULL, *base = NULL, *url = NULL, *header = NULL;
	const char *secrets[2] = { NULL, NULL };
	char q[160], *cpath = NULL;
	int ret = -1, found;

	if (!ci_em_covers(r)) {
		ep_fail(err, EP_EUSAGE, "Electricity Maps has no zone for %s; "
		    "name one with em:ZONE", r->id);
		goto out;
	}
	if ((base = ci_http_base("ECOPLAN_ELECTRICITYMAPS_API_URL", CI_EM_URL,
	    err)) == NULL)
		goto out;
	if ((found = ci_secret_get(TOKEN_ENV, TOKEN_KEY, CI_SECRET_TOKEN,
	    &token, err)) < 0)
		goto out;
	if (found == 0) {
		cpath = ci_creds_path(NULL);
		ep_fail(err, EP_ENOTFOUND, "no API token: set %s, or %s in %s",
		    TOKEN_ENV, TOKEN_KEY, cpath != NULL ? cpath :
		    "the credentials file");
		goto out;
	}
	if (!ci_http_secret_ok(base)) {
		ep_fail(err, EP_EUSAGE, "ECOPLAN_ELECTRICITYMAPS_API_URL: "
		    "refusing to send the token over plain http to a host that "
		    "is not loopback");
		goto out;
	}
	query(r, q, sizeof q);
	url = ep_xasprintf("%s%s?%s&emissionFactorType=lifecycle"
	    "&shouldUseFallbackCallerLookup=false", base, path, q);
	header = ep_xasprintf("auth-token: %s", token);
	req.url = url;
	req.header = header;
	secrets[0] = token;
	ret = ci_json_fetch(&req, o, secrets, resp, err);
out:
	ci_secret_free(header);
	ci_secret_free(token);
	free(cpath);
	free(url);
	free(base);
	return ret;
}

int
ci_em_fetch(const struct ci_region *r, const struct ci_http_opts *o,
    struct ci_value *v, struct ep_err *err)
{
	struct ci_http_resp resp = CI_HTTP_RESP_INIT;
	int ret = -1;

	if (get(r, "/carbon-intensity/latest", o, &resp, err) < 0)
		goto out;
	if ((ret = ci_em_parse_latest(resp.body, resp.len, v, err)) < 0 &&
	    err != NULL && err->code == EP_EPARSE)
		ep_err_prefix(err, "bad response");
out:
	ci_http_resp_release(&resp);
	return ret;
}

int
ci_em_fetch_series(const struct ci_region *r, const struct ci_http_opts *o,
    struct ci_series *s, struct ep_err *err)
{
	struct ci_http_resp resp = CI_HTTP_RESP_INIT;
	int ret = -1;

	if (get(r, "/carbon-intensity/history", o, &resp, err) < 0)
		goto out;
	if ((ret = ci_em_parse_history(resp.body, resp.len, s, err)) < 0 &&
	    err != NULL && err->code == EP_EPARSE)
		ep_err_prefix(err, "bad response");
out:
	ci_http_resp_release(&resp);
	return ret;
}
