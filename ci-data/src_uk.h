/*
 * The UK NESO Carbon Intensity API (https://carbonintensity.org.uk, no
 * key, CC BY 4.0): half-hourly operational CO2 intensity of Great
 * Britain and of its 17 regions, measured and forecast 48 hours ahead.
 * Values are direct (combustion CO2 only, not lifecycle CO2e) and
 * include imports, so they are tagged direct, average, consumption.
 *
 * The parsers take response bodies and are pure; the fetchers GET from
 * $ECOPLAN_UK_API_URL (default CI_UK_URL) and parse.
 */
#ifndef ECOPLAN_CI_DATA_SRC_UK_H
#define ECOPLAN_CI_DATA_SRC_UK_H

#include <stddef.h>
#include <time.h>

#include "ci-data/http.h"
#include "ci-data/series.h"
#include "ci-data/value.h"
#include "core/err.h"

#define CI_UK_URL "https://api.carbonintensity.org.uk"
#define CI_UK_TEXT "UK NESO Carbon Intensity API (CC BY 4.0)"
#define CI_UK_STEP_SECS 1800L

/*
 * Parses a national body (GET /intensity, /intensity/date...): the
 * first half hour's actual value, or its forecast (then tagged
 * forecast) while the actual is not in. Fails with EP_EPARSE saying
 * what is missing.
 */
int ci_uk_parse_national(const char *body, size_t len, struct ci_value *v,
    struct ep_err *err);

/*
 * Parses a regional body for region_id (1-17; 0 takes the first
 * region): the shapes of GET /regional ("data":[{"regions":[...]}]),
 * /regional/regionid/N ("data":[{"regionid":N,"data":[...]}]) and
 * /regional/intensity/FROM/fw48h/regionid/N (where "data" is an object).
 * Regional values are forecasts. Fails with EP_EPARSE, or EP_ENOTFOUND
 * when the region is not in the body.
 */
int ci_uk_parse_regional(const char *body, size_t len, int region_id,
    struct ci_value *v, struct ep_err *err);

/*
 * Parses a series: national (region_id 0: /intensity/FROM/fw48h or
 * /pt24h) or regional (as ci_uk_parse_regional()). Each half hour gives
 * its actual value when there is one, else its forecast; s is tagged
 * forecast when any value is one. s must be empty (CI_SERIES_INIT); it
 * is left unsorted and not regularised.
 */
int ci_uk_parse_series(const char *body, size_t len, int region_id,
    struct ci_series *s, struct ep_err *err);

/* GETs and parses the current value: national when region_id is 0. */
int ci_uk_fetch(int region_id, const struct ci_http_opts *o,
    struct ci_value *v, struct ep_err *err);

/*
 * GETs and parses the 48-hour forecast from the half hour containing
 * now: national when region_id is 0.
 */
int ci_uk_fetch_series(int region_id, time_t now,
    const struct ci_http_opts *o, struct ci_series *s, struct ep_err *err);

#endif
