/*
 * WattTime API v3 (https://watttime.org): the marginal operating
 * emissions rate (MOER, signal co2_moer) of a grid region such as
 * CAISO_NORTH, every five minutes, in lbs/MWh, converted here to g/kWh
 * (x 0.45359237) and tagged direct, marginal. A session logs in with
 * HTTP Basic credentials ($ECOPLAN_WATTTIME_USERNAME and
 * $ECOPLAN_WATTTIME_PASSWORD, or watttime_username and
 * watttime_password in the credentials file) for a bearer token, which
 * is held in memory only and never written or shown.
 *
 * The parsers take response bodies and are pure; the fetchers GET from
 * $ECOPLAN_WATTTIME_API_URL (default CI_WT_URL) and parse.
 */
#ifndef ECOPLAN_CI_DATA_SRC_WATTTIME_H
#define ECOPLAN_CI_DATA_SRC_WATTTIME_H

#include <stddef.h>
#include <time.h>

#include "ci-data/http.h"
#include "ci-data/series.h"
#include "ci-data/table.h"
#include "ci-data/value.h"
#include "core/err.h"

#define CI_WT_URL "https://api.watttime.org"
#define CI_WT_TEXT "WattTime API v3 (co2_moer)"
/* Grams per kWh in one lb/MWh: 453.59237 g / 1000 kWh. */
#define CI_G_PER_KWH_PER_LB_PER_MWH 0.45359237

/*
 * Parses GET /login: {"token": "..."}. *token is owned by the caller,
 * freed with ci_secret_free().
 */
int ci_wt_parse_login(const char *body, size_t len, char **token,
    struct ep_err *err);

/*
 * Parses a forecast into s, which must be empty: the flat form of GET
 * /v3/forecast ("data":[{"point_time","value"}]) or the nested form of
 * /v3/forecast/historical ("data":[{"generated_at","forecast":[...]}],
 * whose first forecast is taken). meta.units must be lbs_co2_per_mwh
 * (values are converted) and meta.signal_type, when given, co2_moer.
 * The step is meta.data_point_period_seconds (300 by default).
 */
int ci_wt_parse_forecast(const char *body, size_t len, struct ci_series *s,
    struct ep_err *err);

/*
 * Parses GET /v3/signal-index: the first point's value, a percentile
 * (0-100) of the region's recent MOER, into *percentile.
 */
int ci_wt_parse_index(const char *body, size_t len, double *percentile,
    struct ep_err *err);

/*
 * Parses GET /v3/region-from-loc: {"region": "CAISO_NORTH", ...} into
 * region (size bytes).
 */
int ci_wt_parse_region(const char *body, size_t len, char *region,
    size_t size, struct ep_err *err);

/*
 * Can r be asked of WattTime? wt: regions can, and regions with
 * coordinates (Azure's), through region-from-loc.
 */
int ci_wt_covers(const struct ci_region *r);

/*
 * Logs in and GETs the current MOER for r (a forecast of horizon 0),
 * then its signal index; a failure of the latter only adds a warning to
 * w.
 */
int ci_wt_fetch(const struct ci_region *r, const struct ci_http_opts *o,
    struct ci_value *v, struct ci_warnings *w, struct ep_err *err);

/* Logs in and GETs the MOER forecast for r, hours ahead (1-72). */
int ci_wt_fetch_series(const struct ci_region *r, int hours,
    const struct ci_http_opts *o, struct ci_series *s, struct ep_err *err);

#endif
