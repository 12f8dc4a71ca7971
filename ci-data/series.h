/*
 * Time series of carbon intensity: half-hourly (UK NESO), hourly
 * (Electricity Maps) or five-minute (WattTime) values in g/kWh, for
 * forecasts and scheduling. A value at time t stands for the interval
 * [t, t + step). Gaps are filled by GSL interpolation onto a regular
 * grid; the summary gives the mean, the extremes and the greenest
 * window of a given length.
 */
#ifndef ECOPLAN_CI_DATA_SERIES_H
#define ECOPLAN_CI_DATA_SERIES_H

#include <stddef.h>
#include <time.h>

#include "ci-data/value.h"
#include "core/err.h"

struct ci_series {
	struct ci_tag tag;	/* source and basis of every value */
	long step_secs;		/* grid step: 300, 1800, 3600... */
	size_t n;
	time_t *t;		/* n times (owned) */
	double *g_per_kwh;	/* n values (owned); NaN for a missing one */
	size_t cap;
};

#define CI_SERIES_INIT { { 0 }, 0, 0, NULL, NULL, 0 }

/* Frees the points; safe on CI_SERIES_INIT. Keeps nothing. */
void ci_series_release(struct ci_series *s);

/* Appends a point (any order; g_per_kwh may be NaN for "missing"). */
void ci_series_push(struct ci_series *s, time_t t, double g_per_kwh);

/*
 * Puts s on a regular grid of s->step_secs (which must be positive):
 * sorts by time, drops points without a value and duplicate times (the
 * last one wins), then evaluates a GSL interpolant (Steffen's monotone
 * cubic, which never overshoots the data, or linear with only two
 * points) at every step from the first point to the last. Values on the
 * grid are kept exactly; gaps are filled. Fails with EP_EPARSE when no
 * point has a value.
 */
int ci_series_regularise(struct ci_series *s, struct ep_err *err);

/*
 * Keeps only the points in [t0, t0 + secs), where t0 is the first
 * point's time. Returns how many points remain.
 */
size_t ci_series_truncate(struct ci_series *s, double secs);

/*
 * Makes s a flat series of n points step_secs apart from start, all at
 * g_per_kwh, tagged with tag: what is known when only an annual value
 * is. Replaces any points s had.
 */
void ci_series_flat(struct ci_series *s, time_t start, long step_secs,
    size_t n, double g_per_kwh, const struct ci_tag *tag);

struct ci_summary {
	double mean, min, max;		/* g/kWh over the series */
	time_t min_at, max_at;		/* first time each is reached */
	double window_secs;		/* the window asked for, rounded up
					 * to whole steps */
	time_t window_start;		/* the greenest window's start */
	size_t window_first;		/* and its first point */
	size_t window_len;		/* its length in points */
	double window_mean;		/* its mean intensity */
	double first_mean;		/* mean of the window starting at the
					 * first point ("now") */
};

/*
 * Summarises a regular series (see ci_series_regularise): mean, min and
 * max, and the window of window_secs (rounded up to whole steps, at
 * least one) with the least mean intensity; the earliest wins a tie.
 * Fails with EP_ERANGE when the window is longer than the series, and
 * with EP_EPARSE when s is empty or has a missing value.
 */
int ci_series_summary(const struct ci_series *s, double window_secs,
    struct ci_summary *out, struct ep_err *err);

#endif
