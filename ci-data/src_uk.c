/*
 * UK NESO Carbon Intensity API: parsing its national and regional
 * bodies (whose "data" may be an array or an object) and fetching them.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ci-data/isotime.h"
#include "ci-data/json.h"
#include "ci-data/src_uk.h"
#include "core/mem.h"
#include "core/banned.h"

/* Above any grid's intensity: a bigger number is a broken body. */
#define UK_MAX_G 5000.0

static void
uk_tag(struct ci_tag *t)
{
	memset(t, 0, sizeof *t);
	t->source = CI_SRC_UK;
	t->basis = CI_BASIS_DIRECT;
	t->signal = CI_SIGNAL_AVERAGE;
	t->accounting = CI_ACCT_CONSUMPTION;
	snprintf(t->text, sizeof t->text, "%s", CI_UK_TEXT);
}

/*
 * Reads one half hour: "from" and "to" from times, the numbers from
 * intensity. Sets *g, *start, *period and *forecast.
 */
static int
read_slot(const cJSON *times, const cJSON *intensity, double *g,
    time_t *start, long *period, int *forecast, const char **index,
    struct ep_err *err)
{
	const char *from = ci_json_string(times, "from");
	const char *to = ci_json_string(times, "to");
	time_t end;
	int r;

	if (from == NULL)
		return ep_fail(err, EP_EPARSE, "a half hour has no \"from\" "
		    "time");
	if (ci_time_parse(from, start, err) < 0)
		return ep_err_prefix(err, "from");
	*period = CI_UK_STEP_SECS;
	if (to != NULL) {
		if (ci_time_parse(to, &end, err) < 0)
			return ep_err_prefix(err, "to");
		if (end <= *start)
			return ep_fail(err, EP_EPARSE, "half hour from %s ends "
			    "before it starts", from);
		*period = (long)(end - *start);
	}
	if (!cJSON_IsObject(intensity))
		return ep_fail(err, EP_EPARSE, "half hour from %s has no "
		    "\"intensity\" object", from);
	*forecast = 0;
	if ((r = ci_json_number(intensity, "actual", g)) < 0)
		return ep_fail(err, EP_EPARSE, "half hour from %s: \"actual\" "
		    "is not a number", from);
	if (r == 0) {
		*forecast = 1;
		if ((r = ci_json_number(intensity, "forecast", g)) < 0)
			return ep_fail(err, EP_EPARSE, "half hour from %s: "
			    "\"forecast\" is not a number", from);
		if (r == 0)
			return ep_fail(err, EP_EPARSE, "half hour from %s has "
			    "no intensity", from);
	}
	if (*g < 0 || *g > UK_MAX_G)
		return ep_fail(err, EP_EPARSE, "half hour from %s: intensity "
		    "%g g/kWh out of range", from, *g);
	if (index != NULL)
		*index = ci_json_string(intensity, "index");
	return 0;
}

static int
set_value(const cJSON *times, const cJSON *intensity, struct ci_value *v,
    struct ep_err *err)
{
	const char *index = NULL;

	ci_value_init(v);
	uk_tag(&v->tag);
	if (read_slot(times, intensity, &v->g_per_kwh, &v->at,
	    &v->period_secs, &v->tag.forecast, &index, err) < 0)
		return -1;
	if (index != NULL)
		ci_text_clean(v->index, sizeof v->index, index);
	return 0;
}

/* The "data" member as an array to walk: an object counts as one. */
static const cJSON *
data_of(const cJSON *root, struct ep_err *err)
{
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(root, "data");

	if (!cJSON_IsArray(d) && !cJSON_IsObject(d)) {
		ep_fail(err, EP_EPARSE, "no \"data\" in the response");
		return NULL;
	}
	return d;
}

int
ci_uk_parse_national(const char *body, size_t len, struct ci_value *v,
    struct ep_err *err)
{
	const cJSON *d, *slot;
	cJSON *root = NULL;
	int ret = -1;

	if (ci_json_parse(body, len, &root, err) < 0)
		goto out;
	if ((d = data_of(root, err)) == NULL)
		goto out;
	slot = cJSON_IsArray(d) ? cJSON_GetArrayItem(d, 0) : d;
	if (!cJSON_IsObject(slot)) {
		ep_fail(err, EP_EPARSE, "\"data\" is empty");
		goto out;
	}
	ret = set_value(slot, cJSON_GetObjectItemCaseSensitive(slot,
	    "intensity"), v, err);
out:
	cJSON_Delete(root);
	return ret;
}

/* Called for each half hour of the wanted region. */
typedef int (*slot_fn)(void *ctx, const cJSON *times,
    const cJSON *intensity, struct ep_err *err);

static int
id_matches(const cJSON *obj, int id)
{
	double d;

	return id == 0 || (ci_json_number(obj, "regionid", &d) == 1 &&
	    d == (double)id);
}

/*
 * Walks the half hours of region id in any of the regional shapes,
 * calling fn for each, until fn returns 1 (stop) or -1 (error). Returns
 * the number of half hours seen, or -1.
 */
static int
walk_regional(const cJSON *root, int id, slot_fn fn, void *ctx,
    struct ep_err *err)
{
	const cJSON *d, *item, *regions, *r, *slots, *slot;
	int seen = 0, rc;

	if ((d = data_of(root, err)) == NULL)
		return -1;
	for (item = cJSON_IsArray(d) ? d->child : d; item != NULL;
	    item = cJSON_IsArray(d) ? item->next : NULL) {
		if (!cJSON_IsObject(item))
			continue;
		regions = cJSON_GetObjectItemCaseSensitive(item, "regions");
		slots = cJSON_GetObjectItemCaseSensitive(item, "data");
		if (cJSON_IsArray(regions)) {
			/* /regional: a half hour holding every region. */
			cJSON_ArrayForEach(r, regions) {
				if (!id_matches(r, id))
					continue;
				seen++;
				rc = fn(ctx, item,
				    cJSON_GetObjectItemCaseSensitive(r,
				    "intensity"), err);
				if (rc != 0)
					return rc < 0 ? -1 : seen;
				break;
			}
		} else if (cJSON_IsArray(slots) && id_matches(item, id)) {
			/* /regional/regionid/N: a region holding its half
			 * hours. */
			cJSON_ArrayForEach(slot, slots) {
				seen++;
				rc = fn(ctx, slot,
				    cJSON_GetObjectItemCaseSensitive(slot,
				    "intensity"), err);
				if (rc != 0)
					return rc < 0 ? -1 : seen;
			}
		}
	}
	return seen;
}

static int
first_value(void *ctx, const cJSON *times, const cJSON *intensity,
    struct ep_err *err)
{
	if (set_value(times, intensity, ctx, err) < 0)
		return -1;
	return 1;
}

int
ci_uk_parse_regional(const char *body, size_t len, int region_id,
    struct ci_value *v, struct ep_err *err)
{
	cJSON *root = NULL;
	int ret = -1, seen;

	if (ci_json_parse(body, len, &root, err) < 0)
		goto out;
	if ((seen = walk_regional(root, region_id, first_value, v, err)) < 0)
		goto out;
	if (seen == 0) {
		ep_fail(err, EP_ENOTFOUND, "region %d is not in the response",
		    region_id);
		goto out;
	}
	ret = 0;
out:
	cJSON_Delete(root);
	return ret;
}

static int
add_point(void *ctx, const cJSON *times, const cJSON *intensity,
    struct ep_err *err)
{
	struct ci_series *s = ctx;
	time_t start;
	long period;
	int forecast;
	double g;

	if (read_slot(times, intensity, &g, &start, &period, &forecast, NULL,
	    err) < 0)
		return -1;
	if (forecast)
		s->tag.forecast = 1;
	ci_series_push(s, start, g);
	return 0;
}

int
ci_uk_parse_series(const char *body, size_t len, int region_id,
    struct ci_series *s, struct ep_err *err)
{
	const cJSON *d, *slot;
	cJSON *root = NULL;
	int ret = -1, seen = 0;

	uk_tag(&s->tag);
	s->step_secs = CI_UK_STEP_SECS;
	if (ci_json_parse(body, len, &root, err) < 0)
		goto out;
	if (region_id != 0) {
		if ((seen = walk_regional(root, region_id, add_point, s,
		    err)) < 0)
			goto out;
	} else {
		if ((d = data_of(root, err)) == NULL)
			goto out;
		if (!cJSON_IsArray(d)) {
			ep_fail(err, EP_EPARSE, "\"data\" is not an array");
			goto out;
		}
		cJSON_ArrayForEach(slot, d) {
			seen++;
			if (add_point(s, slot, cJSON_GetObjectItemCaseSensitive(
			    slot, "intensity"), err) < 0)
				goto out;
		}
	}
	if (seen == 0) {
		ep_fail(err, EP_EPARSE, "no half hours in the response");
		goto out;
	}
	ret = 0;
out:
	cJSON_Delete(root);
	return ret;
}

/* GETs base + path and returns the body in resp. */
static int
get(const char *path, const struct ci_http_opts *o,
    struct ci_http_resp *resp, struct ep_err *err)
{
	struct ci_http_req req = { NULL, NULL, NULL, NULL };
	char *base, *url;
	int ret;

	if ((base = ci_http_base("ECOPLAN_UK_API_URL", CI_UK_URL, err)) ==
	    NULL)
		return -1;
	url = ep_xasprintf("%s%s", base, path);
	req.url = url;
	ret = ci_json_fetch(&req, o, NULL, resp, err);
	free(url);
	free(base);
	return ret;
}

int
ci_uk_fetch(int region_id, const struct ci_http_opts *o, struct ci_value *v,
    struct ep_err *err)
{
	struct ci_http_resp resp = CI_HTTP_RESP_INIT;
	char path[64];
	int ret = -1;

	if (region_id == 0)
		snprintf(path, sizeof path, "/intensity");
	else
		snprintf(path, sizeof path, "/regional/regionid/%d", region_id);
	if (get(path, o, &resp, err) < 0)
		goto out;
	if (region_id == 0)
		ret = ci_uk_parse_national(resp.body, resp.len, v, err);
	else
		ret = ci_uk_parse_regional(resp.body, resp.len, region_id, v,
		    err);
	if (ret < 0)
		ep_err_prefix(err, "bad response");
out:
	ci_http_resp_release(&resp);
	return ret;
}

int
ci_uk_fetch_series(int region_id, time_t now, const struct ci_http_opts *o,
    struct ci_series *s, struct ep_err *err)
{
	struct ci_http_resp resp = CI_HTTP_RESP_INIT;
	char path[128], from[32];
	int ret = -1;

	/* From the start of the current half hour. */
	ci_time_format(now - now % CI_UK_STEP_SECS, CI_TIME_MINUTES, from,
	    sizeof from);
	if (region_id == 0)
		snprintf(path, sizeof path, "/intensity/%s/fw48h", from);
	else
		snprintf(path, sizeof path,
		    "/regional/intensity/%s/fw48h/regionid/%d", from,
		    region_id);
	if (get(path, o, &resp, err) < 0)
		goto out;
	if ((ret = ci_uk_parse_series(resp.body, resp.len, region_id, s,
	    err)) < 0)
		ep_err_prefix(err, "bad response");
out:
	ci_http_resp_release(&resp);
	return ret;
}
