/*
 * Resolving a region to a carbon intensity (or a series of them): the
 * order of ci.h, live source selection, and the warnings that say which
 * step was taken and why.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ci-data/cache.h"
#include "ci-data/ci.h"
#include "ci-data/http.h"
#include "ci-data/isotime.h"
#include "ci-data/src_electricitymaps.h"
#include "ci-data/src_uk.h"
#include "ci-data/src_watttime.h"
#include "ci-data/table.h"
#include "core/banned.h"

/* A cache entry from the future by less than this is a clock skew. */
#define SKEW_SECS 300.0

struct ctx {
	const struct ci_request *req;
	struct ci_result *res;
	struct ci_table t;
	struct ci_region r;
	enum ci_source src;	/* live source for the region, or TABLE */
	int live;		/* fetch */
	int table_only;		/* --source table: no live, no cache */
	int series;		/* resolving a series */
	time_t now;
	struct ci_http_opts http;
};

const char *
ci_origin_name(enum ci_origin o)
{
	static const char *const names[] = {
		[CI_ORIGIN_EXPLICIT] = "explicit",
		[CI_ORIGIN_LIVE] = "live",
		[CI_ORIGIN_CACHE] = "cache",
		[CI_ORIGIN_STALE] = "stale-cache",
		[CI_ORIGIN_TABLE] = "table",
		[CI_ORIGIN_WORLD] = "world",
	};

	return (size_t)o < sizeof names / sizeof names[0] ? names[o] :
	    "unknown";
}

void
ci_result_release(struct ci_result *res)
{
	ci_warnings_release(&res->warn);
	ci_series_release(&res->series);
}

/*
 * The live source for r: the one asked for, or the natural one under
 * CI_SRC_AUTO (CI_SRC_TABLE when there is none). A named source that
 * cannot serve r is a usage error.
 */
static int
pick_source(enum ci_source want, const struct ci_region *r,
    enum ci_source *out, struct ep_err *err)
{
	int uk = r->kind == CI_KIND_UK || (r->kind == CI_KIND_COUNTRY &&
	    strcmp(r->iso2, "GB") == 0);

	switch (want) {
	case CI_SRC_AUTO:
		if (uk)
			*out = CI_SRC_UK;
		else if (r->kind == CI_KIND_WT)
			*out = CI_SRC_WT;
		else if (ci_em_covers(r))
			*out = CI_SRC_EM;
		else
			*out = CI_SRC_TABLE;
		return 0;
	case CI_SRC_UK:
		if (!uk)
			return ep_fail(err, EP_EUSAGE, "%s: the UK API covers "
			    "only GB and uk:1 to uk:17", r->id);
		break;
	case CI_SRC_EM:
		if (!ci_em_covers(r))
			return ep_fail(err, EP_EUSAGE, "%s: Electricity Maps "
			    "covers countries, cloud regions and em: zones; "
			    "name a zone with em:ZONE", r->id);
		break;
	case CI_SRC_WT:
		if (!ci_wt_covers(r))
			return ep_fail(err, EP_EUSAGE, "%s: WattTime needs a "
			    "wt:REGION or a region with coordinates (azure:)",
			    r->id);
		break;
	default:
		break;
	}
	*out = want;
	return 0;
}

static void
set_used(struct ci_result *res, const char *id, const char *name)
{
	snprintf(res->used, sizeof res->used, "%s", id);
	snprintf(res->used_name, sizeof res->used_name, "%s", name);
}

static int
setup(struct ctx *c, struct ep_err *err)
{
	const struct ci_request *req = c->req;
	double ttl;

	c->now = req->now != 0 ? req->now : time(NULL);
	if (ci_table_load(&c->t, err) < 0 ||
	    ci_region_parse(&c->t, req->region, &c->r, err) < 0 ||
	    pick_source(req->source, &c->r, &c->src, err) < 0)
		return -1;
	snprintf(c->res->region, sizeof c->res->region, "%s", c->r.id);
	snprintf(c->res->name, sizeof c->res->name, "%s", c->r.name);
	set_used(c->res, c->r.id, c->r.name);
	c->table_only = req->source == CI_SRC_TABLE;
	c->live = !c->table_only && (req->live || req->source != CI_SRC_AUTO);
	/* Check the settings up front, so that a mistake in them is an
	 * error whether or not a step needs them. */
	if (!c->table_only && (ci_cache_ttl(c->src, &ttl, err) < 0 ||
	    (c->live && ci_http_opts_env(&c->http, err) < 0)))
		return -1;
	return 0;
}

/* Puts a series on its grid and cuts it to the hours asked for. */
static int
series_ready(struct ctx *c, struct ci_series *s, int trim_past,
    struct ep_err *err)
{
	size_t i, k;

	if (ci_series_regularise(s, err) < 0)
		return -1;
	/* A cached forecast loses the half hours that have gone by. */
	if (trim_past && s->tag.forecast) {
		for (k = 0; k < s->n && s->t[k] + s->step_secs <= c->now; k++)
			;
		for (i = k; i < s->n; i++) {
			s->t[i - k] = s->t[i];
			s->g_per_kwh[i - k] = s->g_per_kwh[i];
		}
		s->n -= k;
		if (s->n == 0)
			return ep_fail(err, EP_ENOTFOUND,
			    "the forecast has run out");
	}
	ci_series_truncate(s, (double)c->req->hours * 3600.0);
	return 0;
}

/* Fetches from c->src into the result. */
static int
fetch(struct ctx *c, struct ep_err *err)
{
	struct ci_result *res = c->res;
	struct ci_series *s = &res->series;
	const struct ci_region *r = &c->r;

	if (!c->series) {
		switch (c->src) {
		case CI_SRC_UK:
			return ci_uk_fetch(r->uk_id, &c->http, &res->value,
			    err);
		case CI_SRC_EM:
			return ci_em_fetch(r, &c->http, &res->value, err);
		case CI_SRC_WT:
			return ci_wt_fetch(r, &c->http, &res->value,
			    &res->warn, err);
		default:
			return ep_fail(err, EP_EUSAGE, "no live source");
		}
	}
	s->n = 0;
	switch (c->src) {
	case CI_SRC_UK:
		if (ci_uk_fetch_series(r->uk_id, c->now, &c->http, s, err) < 0)
			return -1;
		break;
	case CI_SRC_EM:
		if (ci_em_fetch_series(r, &c->http, s, err) < 0)
			return -1;
		break;
	case CI_SRC_WT:
		if (ci_wt_fetch_series(r, c->req->hours, &c->http, s,
		    err) < 0)
			return -1;
		break;
	default:
		return ep_fail(err, EP_EUSAGE, "no live source");
	}
	if (ci_series_regularise(s, err) < 0)
		return ep_err_prefix(err, "bad response");
	return 0;
}

/*
 * Step 2. Returns 1 when a live value was got, 0 when the next step is
 * to be tried (*failed says whether a fetch was attempted and failed),
 * -1 on a configuration error.
 */
static int
try_live(struct ctx *c, int *failed, struct ep_err *err)
{
	struct ci_result *res = c->res;
	struct ep_err ferr = EP_ERR_INIT, cerr = EP_ERR_INIT;
	const char *src = ci_source_name(c->src);
	double hours;
	int r;

	*failed = 0;
	if (!c->live)
		return 0;
	if (c->src == CI_SRC_TABLE) {
		ci_warn(&res->warn, "%s: no live source covers it; --live "
		    "serves countries, cloud regions and uk:, em: and wt: "
		    "regions", c->r.id);
		*failed = 1;
		return 0;
	}
	if (fetch(c, &ferr) < 0) {
		if (ferr.code == EP_EUSAGE) {
			*err = ferr;
			return ep_err_prefix(err, "%s", src);
		}
		ci_warn(&res->warn, "%s: %s: %s", src, c->r.id, ferr.msg);
		ci_series_release(&res->series);
		ci_value_init(&res->value);
		*failed = 1;
		return 0;
	}
	if (c->series)
		r = ci_cache_put_series(c->src, c->r.id, &res->series, c->now,
		    &cerr);
	else
		r = ci_cache_put_value(c->src, c->r.id, &res->value, c->now,
		    &cerr);
	if (r < 0)
		ci_warn(&res->warn, "cache: %s", cerr.msg);
	if (c->series) {
		hours = (double)res->series.n * (double)res->series.step_secs /
		    3600.0;
		if (res->series.tag.forecast && hours < c->req->hours - 1e-9)
			ci_warn(&res->warn, "%s: %s: the forecast reaches "
			    "%g h, not the %d h asked for", src, c->r.id,
			    hours, c->req->hours);
		series_ready(c, &res->series, 0, &ferr);
	}
	res->origin = CI_ORIGIN_LIVE;
	res->fetched = c->now;
	return 1;
}

/* Step 3. Returns 1 when a cached value was used, else 0. */
static int
try_cache(struct ctx *c, int live_failed)
{
	struct ci_result *res = c->res;
	struct ep_err cerr = EP_ERR_INIT;
	const char *src = ci_source_name(c->src);
	char when[40], age[40];
	time_t fetched = 0;
	double ttl = 0, secs;
	int r, fresh, used = 0;

	if (c->table_only || c->src == CI_SRC_TABLE)
		return 0;
	ci_cache_ttl(c->src, &ttl, NULL);
	if (c->series)
		r = ci_cache_get_series(c->src, c->r.id, &res->series,
		    &fetched, &cerr);
	else
		r = ci_cache_get_value(c->src, c->r.id, &res->value, &fetched,
		    &cerr);
	if (r < 0)
		ci_warn(&res->warn, "ignoring the cache: %s", cerr.msg);
	if (r <= 0)
		goto out;
	secs = difftime(c->now, fetched);
	/* A time to live of 0 makes every entry stale. */
	fresh = secs < ttl && secs >= -SKEW_SECS;
	if (!fresh && !live_failed)
		goto out;
	if (c->series && series_ready(c, &res->series, 1, &cerr) < 0) {
		ci_warn(&res->warn, "ignoring the cached %s series for %s: %s",
		    src, c->r.id, cerr.msg);
		goto out;
	}
	ci_time_format(fetched, CI_TIME_HUMAN, when, sizeof when);
	ci_age_format(secs, age, sizeof age);
	if (!fresh)
		ci_warn(&res->warn, "using a stale cached %s value for %s, "
		    "fetched %s (%s old)", src, c->r.id, when, age);
	else if (live_failed)
		ci_warn(&res->warn, "using the cached %s value for %s, "
		    "fetched %s (%s old)", src, c->r.id, when, age);
	res->origin = fresh ? CI_ORIGIN_CACHE : CI_ORIGIN_STALE;
	res->fetched = fetched;
	res->age_secs = secs > 0 ? secs : 0;
	used = 1;
out:
	if (!used) {
		ci_series_release(&res->series);
		ci_value_init(&res->value);
	}
	return used;
}

/* "uk: regions", said of a live-only kind of region. */
static const char *
live_only_what(enum ci_kind k)
{
	switch (k) {
	case CI_KIND_UK:
		return "UK regional values are";
	case CI_KIND_EM:
		return "Electricity Maps zones are";
	case CI_KIND_WT:
		return "WattTime regions are";
	default:
		return NULL;
	}
}

/*
 * Steps 4 and 5: the table value of the region, of its nearest region
 * or of the World. With a series, a flat one, said so.
 */
static void
use_table(struct ctx *c, int live_failed)
{
	struct ci_result *res = c->res;
	const struct ci_entry *e = c->r.entry;
	const char *what = live_only_what(c->r.kind);
	char g[32], flat[256];
	struct ci_tag tag;

	res->origin = CI_ORIGIN_TABLE;
	if (e == NULL && c->r.fallback != NULL) {
		e = c->r.fallback;
		ci_fmt_g(g, sizeof g, e->value.g_per_kwh);
		if (live_failed)
			ci_warn(&res->warn, "using the built-in value for %s "
			    "(%s) instead: %s g/kWh (%d)", e->id, e->name, g,
			    e->value.year);
		else if (what != NULL)
			ci_warn(&res->warn, "%s: %s live only (use --live); "
			    "using the built-in value for %s (%s): %s g/kWh "
			    "(%d)", c->r.id, what, e->id, e->name, g,
			    e->value.year);
		else
			ci_warn(&res->warn, "%s: no built-in value; using the "
			    "one for %s (%s): %s g/kWh (%d)", c->r.id, e->id,
			    e->name, g, e->value.year);
	} else if (e == NULL) {
		e = ci_table_world(&c->t);
		res->origin = CI_ORIGIN_WORLD;
		ci_fmt_g(g, sizeof g, e != NULL ? e->value.g_per_kwh :
		    CI_WORLD_G_PER_KWH);
		ci_warn(&res->warn, "%s: no built-in value; using the World "
		    "average: %s g/kWh (%d)", c->r.id, g, e != NULL ?
		    e->value.year : CI_WORLD_YEAR);
	} else if (live_failed) {
		ci_fmt_g(g, sizeof g, e->value.g_per_kwh);
		ci_warn(&res->warn, "using the built-in table value for %s "
		    "instead: %s g/kWh (%d)", e->id, g, e->value.year);
	}
	if (e != NULL) {
		res->value = e->value;
		set_used(res, e->id, e->name);
	} else {
		ci_value_init(&res->value);
		res->value.g_per_kwh = CI_WORLD_G_PER_KWH;
		res->value.year = CI_WORLD_YEAR;
		res->value.tag.source = CI_SRC_TABLE;
		res->value.tag.basis = CI_BASIS_LIFECYCLE;
		res->value.tag.accounting = CI_ACCT_PRODUCTION;
		snprintf(res->value.tag.text, sizeof res->value.tag.text,
		    "Ember yearly electricity data 2025 release");
		set_used(res, "World", "World");
	}
	if (!c->series)
		return;
	ci_fmt_g(g, sizeof g, res->value.g_per_kwh);
	snprintf(flat, sizeof flat, "the annual value of %s, %s g/kWh (%d), "
	    "as a flat series", res->used, g, res->value.year);
	if (c->src == CI_SRC_TABLE && !c->table_only)
		ci_warn(&res->warn, "%s: no live source gives a forecast; "
		    "showing %s", c->r.id, flat);
	else if (!c->live && !c->table_only)
		ci_warn(&res->warn, "%s: forecasts need --live; showing %s",
		    c->r.id, flat);
	else
		ci_warn(&res->warn, "showing %s", flat);
	tag = res->value.tag;
	ci_series_flat(&res->series, c->now - c->now % 3600, 3600,
	    (size_t)c->req->hours, res->value.g_per_kwh, &tag);
}

static int
resolve(const struct ci_request *req, struct ci_result *res, int series,
    struct ep_err *err)
{
	struct ctx c;
	int failed = 0, ret = -1, r;

	memset(res, 0, sizeof *res);
	ci_value_init(&res->value);
	memset(&c, 0, sizeof c);
	c.req = req;
	c.res = res;
	c.series = series;
	if (series && (req->hours < CI_HOURS_MIN ||
	    req->hours > CI_HOURS_MAX)) {
		ep_fail(err, EP_EUSAGE, "hours must be %d to %d", CI_HOURS_MIN,
		    CI_HOURS_MAX);
		goto out;
	}
	if (req->has_explicit) {
		if (!(req->explicit_g_per_kwh >= 0) ||
		    !isfinite(req->explicit_g_per_kwh)) {
			ep_fail(err, EP_EUSAGE, "bad explicit intensity");
			goto out;
		}
		c.now = req->now != 0 ? req->now : time(NULL);
		res->origin = CI_ORIGIN_EXPLICIT;
		res->value.g_per_kwh = req->explicit_g_per_kwh;
		res->value.tag.source = CI_SRC_EXPLICIT;
		snprintf(res->value.tag.text, sizeof res->value.tag.text,
		    "given on the command line");
		set_used(res, "-", "given intensity");
		snprintf(res->region, sizeof res->region, "-");
		snprintf(res->name, sizeof res->name, "given intensity");
		if (series)
			ci_series_flat(&res->series, c.now - c.now % 3600,
			    3600, (size_t)req->hours, res->value.g_per_kwh,
			    &res->value.tag);
		ret = 0;
		goto out;
	}
	if (setup(&c, err) < 0)
		goto out;
	if ((r = try_live(&c, &failed, err)) < 0)
		goto out;
	if (r == 0 && !try_cache(&c, failed))
		use_table(&c, failed);
	ret = 0;
out:
	ci_table_release(&c.t);
	return ret;
}

int
ci_resolve(const struct ci_request *req, struct ci_result *res,
    struct ep_err *err)
{
	return resolve(req, res, 0, err);
}

int
ci_resolve_series(const struct ci_request *req, struct ci_result *res,
    struct ep_err *err)
{
	return resolve(req, res, 1, err);
}
