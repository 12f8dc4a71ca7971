/*
 * Carbon-intensity time series: regular grids filled in with GSL
 * interpolation, and the summary scheduling needs. (GSL only: this file
 * must not include <cblas.h>.)
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_interp.h>

#include "ci-data/series.h"
#include "core/mem.h"
#include "core/banned.h"

/* No grid is longer than this: 90 days of five-minute values. */
#define GRID_MAX ((size_t)90 * 288)

void
ci_series_release(struct ci_series *s)
{
	free(s->t);
	free(s->g_per_kwh);
	s->t = NULL;
	s->g_per_kwh = NULL;
	s->n = 0;
	s->cap = 0;
}

void
ci_series_push(struct ci_series *s, time_t t, double g)
{
	if (s->n == s->cap) {
		s->cap = s->cap == 0 ? 64 : s->cap * 2;
		s->t = ep_xreallocarray(s->t, s->cap, sizeof *s->t);
		s->g_per_kwh = ep_xreallocarray(s->g_per_kwh, s->cap,
		    sizeof *s->g_per_kwh);
	}
	s->t[s->n] = t;
	s->g_per_kwh[s->n] = g;
	s->n++;
}

struct point {
	time_t t;
	double v;
	size_t order;	/* position pushed, so that the last one wins */
};

static int
cmp_point(const void *a, const void *b)
{
	const struct point *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

int
ci_series_regularise(struct ci_series *s, struct ep_err *err)
{
	struct point *p = NULL;
	double *x = NULL, *y = NULL;
	gsl_interp *interp = NULL;
	gsl_interp_accel *acc = NULL;
	size_t i, m = 0, k, ngrid;
	time_t t0;
	int ret = -1, st;

	if (s->step_secs <= 0) {
		ep_fail(err, EP_ERANGE, "series step must be positive");
		goto out;
	}
	p = ep_xcalloc(s->n > 0 ? s->n : 1, sizeof *p);
	for (i = 0; i < s->n; i++) {
		if (!isfinite(s->g_per_kwh[i]))
			continue;
		p[m].t = s->t[i];
		p[m].v = s->g_per_kwh[i];
		p[m].order = i;
		m++;
	}
	if (m == 0) {
		ep_fail(err, EP_EPARSE, "series has no values");
		goto out;
	}
	qsort(p, m, sizeof *p, cmp_point);
	/* Drop duplicate times, keeping the last one pushed. */
	for (i = 1, k = 0; i < m; i++) {
		if (p[i].t == p[k].t)
			p[k] = p[i];
		else
			p[++k] = p[i];
	}
	m = k + 1;
	t0 = p[0].t;
	if ((double)(p[m - 1].t - t0) / (double)s->step_secs >=
	    (double)GRID_MAX) {
		ep_fail(err, EP_ERANGE, "series too long (more than %zu steps)",
		    GRID_MAX);
		goto out;
	}
	ngrid = (size_t)((p[m - 1].t - t0) / s->step_secs) + 1;
	s->n = 0;
	if (m == 1) {
		ci_series_push(s, t0, p[0].v);
		ret = 0;
		goto out;
	}
	x = ep_xcalloc(m, sizeof *x);
	y = ep_xcalloc(m, sizeof *y);
	for (i = 0; i < m; i++) {
		/* Relative times keep full precision in a double. */
		x[i] = (double)(p[i].t - t0);
		y[i] = p[i].v;
	}
	interp = gsl_interp_alloc(m >= 3 ? gsl_interp_steffen :
	    gsl_interp_linear, m);
	acc = gsl_interp_accel_alloc();
	if (interp == NULL || acc == NULL) {
		ep_fail(err, EP_ENOMEM, "cannot allocate the interpolation");
		goto out;
	}
	if ((st = gsl_interp_init(interp, x, y, m)) != GSL_SUCCESS) {
		ep_fail(err, EP_EPARSE, "cannot interpolate the series: %s",
		    gsl_strerror(st));
		goto out;
	}
	for (k = 0, i = 0; k < ngrid; k++) {
		double xt = (double)k * (double)s->step_secs, v;

		if (xt > x[m - 1])
			break;
		/* A measured point is kept as it is, not re-evaluated. */
		while (i < m && x[i] < xt)
			i++;
		if (i < m && x[i] == xt) {
			ci_series_push(s, t0 + (time_t)k * s->step_secs, y[i]);
			continue;
		}
		st = gsl_interp_eval_e(interp, x, y, xt, acc, &v);
		if (st != GSL_SUCCESS || !isfinite(v)) {
			ep_fail(err, EP_EPARSE, "cannot interpolate the series "
			    "at step %zu: %s", k, gsl_strerror(st));
			goto out;
		}
		/* Monotone interpolation stays within the data, but keep
		 * rounding from making an intensity negative. */
		ci_series_push(s, t0 + (time_t)k * s->step_secs,
		    v < 0 ? 0 : v);
	}
	ret = 0;
out:
	if (acc != NULL)
		gsl_interp_accel_free(acc);
	if (interp != NULL)
		gsl_interp_free(interp);
	free(x);
	free(y);
	free(p);
	return ret;
}

size_t
ci_series_truncate(struct ci_series *s, double secs)
{
	size_t i;

	if (s->n == 0)
		return 0;
	for (i = 0; i < s->n; i++)
		if ((double)(s->t[i] - s->t[0]) >= secs)
			break;
	s->n = i;
	return s->n;
}

void
ci_series_flat(struct ci_series *s, time_t start, long step, size_t n,
    double g, const struct ci_tag *tag)
{
	size_t i;

	s->n = 0;
	s->tag = *tag;
	s->step_secs = step;
	for (i = 0; i < n; i++)
		ci_series_push(s, start + (time_t)i * step, g);
}

int
ci_series_summary(const struct ci_series *s, double window_secs,
    struct ci_summary *o, struct ep_err *err)
{
	double sum = 0, wsum, best;
	size_t i, len;

	memset(o, 0, sizeof *o);
	if (s->n == 0)
		return ep_fail(err, EP_EPARSE, "empty series");
	if (s->step_secs <= 0)
		return ep_fail(err, EP_ERANGE, "series step must be positive");
	if (!(window_secs >= 0) || window_secs > 1e9)
		return ep_fail(err, EP_ERANGE, "bad window length");
	len = (size_t)ceil(window_secs / (double)s->step_secs);
	if (len == 0)
		len = 1;
	if (len > s->n)
		return ep_fail(err, EP_ERANGE, "the window (%zu steps of "
		    "%ld s) is longer than the series (%zu steps)", len,
		    s->step_secs, s->n);
	o->min = HUGE_VAL;
	o->max = -HUGE_VAL;
	for (i = 0; i < s->n; i++) {
		double v = s->g_per_kwh[i];

		if (!isfinite(v))
			return ep_fail(err, EP_EPARSE, "series has a missing "
			    "value at step %zu", i);
		sum += v;
		if (v < o->min) {
			o->min = v;
			o->min_at = s->t[i];
		}
		if (v > o->max) {
			o->max = v;
			o->max_at = s->t[i];
		}
	}
	o->mean = sum / (double)s->n;
	/* A running sum over len points finds the window; its mean is
	 * then summed afresh, so rounding drift never reaches it. */
	wsum = 0;
	for (i = 0; i < len; i++)
		wsum += s->g_per_kwh[i];
	best = wsum;
	o->window_first = 0;
	o->first_mean = wsum / (double)len;
	for (i = len; i < s->n; i++) {
		wsum += s->g_per_kwh[i] - s->g_per_kwh[i - len];
		/* A tie within rounding keeps the earlier window. */
		if (wsum < best - 1e-9 * fabs(best)) {
			best = wsum;
			o->window_first = i - len + 1;
		}
	}
	wsum = 0;
	for (i = 0; i < len; i++)
		wsum += s->g_per_kwh[o->window_first + i];
	o->window_len = len;
	o->window_mean = wsum / (double)len;
	o->window_start = s->t[o->window_first];
	o->window_secs = (double)len * (double)s->step_secs;
	return 0;
}
