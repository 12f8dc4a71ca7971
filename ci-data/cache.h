/*
 * The cache of live carbon-intensity values and series, one JSON file
 * per source, kind and region under $XDG_CACHE_HOME/ecoplan/ci/ (files
 * mode 0600 in a 0700 folder, written atomically). Only parsed values
 * are stored, never a response body, a URL or a token, and only after a
 * fetch succeeded, so a bad response never reaches the cache. Each file
 * records when its value was fetched: a value younger than its source's
 * time to live is fresh; an older one is stale and used only when a
 * fetch fails, with a warning giving its age.
 */
#ifndef ECOPLAN_CI_DATA_CACHE_H
#define ECOPLAN_CI_DATA_CACHE_H

#include <time.h>

#include "ci-data/series.h"
#include "ci-data/value.h"
#include "core/err.h"

/* Times to live, in seconds: how often each source's values change. */
#define CI_TTL_UK 1800L		/* half-hourly */
#define CI_TTL_EM 3600L		/* hourly */
#define CI_TTL_WT 300L		/* five-minute */

/*
 * The time to live of src's values, in seconds, or the value of
 * $ECOPLAN_CI_CACHE_TTL (a duration, "0s" makes every entry stale) when
 * it is set. Fails with EP_EUSAGE on a bad value.
 */
int ci_cache_ttl(enum ci_source src, double *secs, struct ep_err *err);

/*
 * Stores v, fetched at fetched, as src's value for region key (a
 * canonical region id such as "GB" or "uk:13"). Creates the cache
 * folder as needed.
 */
int ci_cache_put_value(enum ci_source src, const char *key,
    const struct ci_value *v, time_t fetched, struct ep_err *err);

/*
 * Reads src's cached value for key. Returns 1 with *v and *fetched set,
 * 0 when there is none, -1 with err set when the file cannot be read or
 * is not a valid cache file (the caller warns and carries on).
 */
int ci_cache_get_value(enum ci_source src, const char *key,
    struct ci_value *v, time_t *fetched, struct ep_err *err);

/* As ci_cache_put_value(), for a series. */
int ci_cache_put_series(enum ci_source src, const char *key,
    const struct ci_series *s, time_t fetched, struct ep_err *err);

/*
 * As ci_cache_get_value(), for a series; s must be empty and is
 * released on failure.
 */
int ci_cache_get_series(enum ci_source src, const char *key,
    struct ci_series *s, time_t *fetched, struct ep_err *err);

#endif
