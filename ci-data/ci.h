/*
 * Carbon intensity of a region: the one entry point planning uses.
 * A value is resolved in this order, and every step down is reported in
 * the result's warnings (never silently):
 *
 *   1. an explicit value (--ci G);
 *   2. a live fetch, when asked for (--live, or --source naming a live
 *      source): UK NESO for GB and uk: regions, Electricity Maps for
 *      countries, em: zones and cloud regions, WattTime for wt: regions;
 *   3. a cached live value younger than its source's time to live; after
 *      a failed fetch, an older (stale) one, with its age;
 *   4. the compiled-in table: the region's own value, or the nearest
 *      one (GB for uk: regions, the country of an em: zone);
 *   5. the World average (472.99 g/kWh, Ember 2024).
 *
 * Only mistakes of the caller fail outright, as usage errors
 * (EP_EUSAGE): an unknown region (the message names the closest ones),
 * a bad variable, a --source that cannot serve the region.
 */
#ifndef ECOPLAN_CI_DATA_CI_H
#define ECOPLAN_CI_DATA_CI_H

#include <time.h>

#include "ci-data/series.h"
#include "ci-data/value.h"
#include "core/err.h"

/* The last resort: Ember's 2024 World average, when no table has it. */
#define CI_WORLD_G_PER_KWH 472.99
#define CI_WORLD_YEAR 2024

/* Forecast length bounds, in hours. */
#define CI_HOURS_MIN 1
#define CI_HOURS_MAX 72

struct ci_request {
	const char *region;	/* as the user wrote it; may be NULL when
				 * has_explicit is set */
	enum ci_source source;	/* CI_SRC_AUTO, or the one to use */
	int live;		/* fetch live values */
	int has_explicit;	/* use explicit_g_per_kwh */
	double explicit_g_per_kwh;
	int hours;		/* series: how far ahead, CI_HOURS_MIN-MAX */
	time_t now;		/* the time to resolve at; 0 for the clock */
};

#define CI_REQUEST_INIT { NULL, CI_SRC_AUTO, 0, 0, 0, 48, 0 }

/* How the value was obtained. */
enum ci_origin {
	CI_ORIGIN_EXPLICIT,
	CI_ORIGIN_LIVE,
	CI_ORIGIN_CACHE,	/* fresh */
	CI_ORIGIN_STALE,	/* stale, after a failed fetch */
	CI_ORIGIN_TABLE,
	CI_ORIGIN_WORLD
};

/* "explicit", "live", "cache", "stale-cache", "table", "world". */
const char *ci_origin_name(enum ci_origin o);

struct ci_result {
	char region[96];	/* the region asked for, canonical: "uk:13" */
	char name[128];		/* its name: "London" */
	char used[96];		/* the region whose value this is: "GB"
				 * after a fallback, else as region */
	char used_name[128];
	enum ci_origin origin;
	time_t fetched;		/* when fetched (live, cached), else 0 */
	double age_secs;	/* cached: age when used; else 0 */
	struct ci_value value;	/* ci_resolve() */
	struct ci_series series;	/* ci_resolve_series() */
	struct ci_warnings warn;	/* each fallback step, in order */
};

/*
 * Resolves req to one intensity in res (release with
 * ci_result_release(), also after a failure). Returns 0, or -1 with err
 * set for an unknown region or a configuration mistake; a failed fetch
 * is not an error but a warning and a fallback.
 */
int ci_resolve(const struct ci_request *req, struct ci_result *res,
    struct ep_err *err);

/*
 * Resolves req to a series of req->hours hours from now in res->series
 * (regular; see series.h), in the same order. Live series: the UK
 * forecast (48 h at most), the Electricity Maps history (the past 24 h:
 * its forecast needs a paid plan) or the WattTime forecast. Without one,
 * a flat hourly series at the resolved annual value, with a warning.
 */
int ci_resolve_series(const struct ci_request *req, struct ci_result *res,
    struct ep_err *err);

/* Frees what a result holds; safe on a zeroed one. */
void ci_result_release(struct ci_result *res);

#endif
