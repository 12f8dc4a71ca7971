/*
 * Electricity Maps API v3 (https://www.electricitymaps.com): hourly
 * carbon intensity of a zone ("DE", "US-CAL-CISO"), on the flow-traced
 * consumption mix with lifecycle factors unless the body says "direct".
 * The token goes in the "auth-token" header; it comes from
 * $ECOPLAN_ELECTRICITYMAPS_TOKEN or the credentials file (key
 * electricitymaps_token, see creds.h) and never appears in a message.
 *
 * The parsers take response bodies and are pure; the fetchers GET from
 * $ECOPLAN_ELECTRICITYMAPS_API_URL (default CI_EM_URL) and parse.
 */
#ifndef ECOPLAN_CI_DATA_SRC_ELECTRICITYMAPS_H
#define ECOPLAN_CI_DATA_SRC_ELECTRICITYMAPS_H

#include <stddef.h>

#include "ci-data/http.h"
#include "ci-data/series.h"
#include "ci-data/table.h"
#include "ci-data/value.h"
#include "core/err.h"

#define CI_EM_URL "https://api.electricitymaps.com/v3"
#define CI_EM_TEXT "Electricity Maps API v3"
#define CI_EM_STEP_SECS 3600L

/*
 * Parses GET /carbon-intensity/latest: carbonIntensity at datetime (the
 * start of the hour), emissionFactorType, isEstimated. A null intensity
 * fails with EP_ENOTFOUND ("no value for zone DE"), other defects with
 * EP_EPARSE.
 */
int ci_em_parse_latest(const char *body, size_t len, struct ci_value *v,
    struct ep_err *err);

/*
 * Parses GET /carbon-intensity/history ("history":[...], hourly, the
 * last 24 hours) into s, which must be empty. Hours whose intensity is
 * null become missing values (NaN) for ci_series_regularise() to fill.
 */
int ci_em_parse_history(const char *body, size_t len, struct ci_series *s,
    struct ep_err *err);

/*
 * Can r be asked of Electricity Maps? Countries (zone = alpha-2 code),
 * em: zones and cloud regions (by dataCenterProvider and
 * dataCenterRegion) can; aggregates, states, uk: and wt: regions
 * cannot.
 */
int ci_em_covers(const struct ci_region *r);

/* GETs and parses the latest value for r (see ci_em_covers()). */
int ci_em_fetch(const struct ci_region *r, const struct ci_http_opts *o,
    struct ci_value *v, struct ep_err *err);

/* GETs and parses the last 24 hours for r. */
int ci_em_fetch_series(const struct ci_region *r,
    const struct ci_http_opts *o, struct ci_series *s, struct ep_err *err);

#endif
