/*
 * Lifecycle energy and emissions of one model: validation of the plain
 * cost and scenario structs, the serving batch and its log-log
 * interpolated per-request energy, and the annual sums of DESIGN.md.
 */
#include <math.h>
#include <stdio.h>

#include "calc/lifecycle.h"
#include "core/num.h"
#include "core/banned.h"

int
calc_value_check(
    const char *field, double v, double min, int strict, struct ep_err *err)
{
	if (isnan(v))
		return ep_fail(err, EP_ERANGE, "%s: not a number", field);
	if (isinf(v))
		return ep_fail(err, EP_ERANGE, "%s: must be finite", field);
	if (strict && !(v > min)) {
		if (min == 0)
			return ep_fail(err, EP_ERANGE,
			    "%s: must be positive (got %g)", field, v);
		return ep_fail(err, EP_ERANGE,
		    "%s: must be more than %g (got %g)", field, min, v);
	}
	if (!strict && v < min) {
		if (min == 0)
			return ep_fail(err, EP_ERANGE,
			    "%s: must not be negative (got %g)", field, v);
		return ep_fail(err, EP_ERANGE,
		    "%s: must be at least %g (got %g)", field, min, v);
	}
	return 0;
}

int
calc_cost_check(const struct calc_cost *c, struct ep_err *err)
{
	char field[48];
	size_t i;

	if (calc_value_check("setup_kwh", c->setup_kwh, 0, 0, err) ||
	    calc_value_check("setup_sd_kwh", c->setup_sd_kwh, 0, 0, err) ||
	    calc_value_check(
		"epoch_train_kwh", c->epoch_train_kwh, 0, 0, err) ||
	    calc_value_check(
		"epoch_train_sd_kwh", c->epoch_train_sd_kwh, 0, 0, err) ||
	    calc_value_check(
		"epoch_valid_kwh", c->epoch_valid_kwh, 0, 0, err) ||
	    calc_value_check(
		"epoch_valid_sd_kwh", c->epoch_valid_sd_kwh, 0, 0, err) ||
	    calc_value_check("epochs", c->epochs, 0, 0, err) ||
	    calc_value_check("users_per_query", c->users_per_query, 0, 1, err))
		return -1;
	if (c->n_points < 1 || c->n_points > CALC_MAX_POINTS)
		return ep_fail(err, EP_ERANGE,
		    "batches: need 1 to %d serving measurements (got %zu)",
		    CALC_MAX_POINTS, c->n_points);
	for (i = 0; i < c->n_points; i++) {
		snprintf(field, sizeof field, "batch[%zu]", i);
		if (calc_value_check(field, c->batch[i], 1, 0, err))
			return -1;
		if (i > 0 && !(c->batch[i] > c->batch[i - 1]))
			return ep_fail(err, EP_ERANGE,
			    "batch[%zu]: must be more than batch[%zu] (%g)", i,
			    i - 1, c->batch[i - 1]);
		snprintf(field, sizeof field, "query_kwh[%zu]", i);
		if (calc_value_check(field, c->query_kwh[i], 0, 1, err))
			return -1;
		snprintf(field, sizeof field, "query_sd_kwh[%zu]", i);
		if (calc_value_check(field, c->query_sd_kwh[i], 0, 0, err))
			return -1;
	}
	return 0;
}

int
calc_scenario_check(
    const struct calc_scenario *s, int need_load, struct ep_err *err)
{
	if (calc_value_check(
		"updates_per_year", s->updates_per_year, 0, 0, err) ||
	    calc_value_check(
		"requests_per_sec", s->requests_per_sec, 0, need_load, err) ||
	    calc_value_check("pue", s->pue, 1, 0, err) ||
	    calc_value_check(
		"ci_train_g_per_kwh", s->ci_train_g_per_kwh, 0, 1, err) ||
	    calc_value_check(
		"ci_serve_g_per_kwh", s->ci_serve_g_per_kwh, 0, 1, err) ||
	    calc_value_check("years", s->years, 0, 1, err) ||
	    calc_value_check(
		"batch_window_secs", s->batch_window_secs, 0, 0, err))
		return -1;
	if (s->batch_window_secs == 0 &&
	    calc_value_check("serve_batch", s->serve_batch, 1, 0, err))
		return -1;
	return 0;
}

double
calc_update_kwh(const struct calc_cost *c)
{
	return c->setup_kwh +
	    c->epochs * (c->epoch_train_kwh + c->epoch_valid_kwh);
}

double
calc_query_kwh_at(const struct calc_cost *c, double b)
{
	size_t lo = 0, hi = c->n_points - 1, mid;
	double t;

	if (b <= c->batch[0])
		return c->query_kwh[0];
	if (b >= c->batch[hi])
		return c->query_kwh[hi];
	/* batch[lo] < b < batch[hi]: bisect to neighbours. */
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (c->batch[mid] == b)
			return c->query_kwh[mid];
		if (c->batch[mid] < b)
			lo = mid;
		else
			hi = mid;
	}
	t = log(b / c->batch[lo]) / log(c->batch[hi] / c->batch[lo]);
	return c->query_kwh[lo] *
	    exp(t * log(c->query_kwh[hi] / c->query_kwh[lo]));
}

double
calc_serve_batch(const struct calc_cost *c, const struct calc_scenario *s,
    double requests_per_sec)
{
	double b = s->serve_batch;

	if (s->batch_window_secs > 0)
		b = 1.0 +
		    requests_per_sec / c->users_per_query *
			s->batch_window_secs;
	if (b < c->batch[0])
		b = c->batch[0];
	if (b > c->batch[c->n_points - 1])
		b = c->batch[c->n_points - 1];
	return b;
}

double
calc_request_kwh(const struct calc_cost *c, const struct calc_scenario *s,
    double requests_per_sec)
{
	return calc_query_kwh_at(c, calc_serve_batch(c, s, requests_per_sec)) /
	    c->users_per_query;
}

double
calc_updates_effective(const struct calc_scenario *s)
{
	double once = 1.0 / s->years;

	return s->updates_per_year > once ? s->updates_per_year : once;
}

int
calc_annual(const struct calc_cost *c, const struct calc_scenario *s,
    struct calc_annual *out, struct ep_err *err)
{
	struct calc_annual a = { 0 };
	double pue = s->pue;

	if (calc_cost_check(c, err) || calc_scenario_check(s, 1, err))
		return -1;
	a.updates_per_year = s->updates_per_year;
	a.requests_per_year = s->requests_per_sec * EP_SECS_PER_YEAR;
	a.queries_per_year = a.requests_per_year / c->users_per_query;
	a.batch = calc_serve_batch(c, s, s->requests_per_sec);
	a.update_kwh = calc_update_kwh(c);
	a.request_kwh = calc_query_kwh_at(c, a.batch) / c->users_per_query;
	a.train_kwh = a.updates_per_year * a.update_kwh;
	a.serve_kwh = a.requests_per_year * a.request_kwh;
	a.it_kwh = a.train_kwh + a.serve_kwh;
	a.facility_kwh = pue * a.it_kwh;
	a.train_g = pue * a.train_kwh * s->ci_train_g_per_kwh;
	a.serve_g = pue * a.serve_kwh * s->ci_serve_g_per_kwh;
	a.emissions_g = a.train_g + a.serve_g;
	a.horizon_updates = calc_updates_effective(s) * s->years;
	a.horizon_kwh =
	    pue * (a.horizon_updates * a.update_kwh + s->years * a.serve_kwh);
	a.horizon_g = pue *
	    (a.horizon_updates * a.update_kwh * s->ci_train_g_per_kwh +
		s->years * a.serve_kwh * s->ci_serve_g_per_kwh);
	*out = a;
	return 0;
}

int
calc_saving_pct(
    double baseline, double alternative, double *pct, struct ep_err *err)
{
	if (calc_value_check("baseline", baseline, 0, 1, err) ||
	    calc_value_check("alternative", alternative, 0, 0, err))
		return -1;
	*pct = (baseline - alternative) / baseline * 100.0;
	return 0;
}

int
calc_saving_mean_pct(const double *baseline, const double *alternative,
    size_t n, double *mean_pct, struct ep_err *err)
{
	double sum = 0, pct;
	size_t i;

	if (n == 0)
		return ep_fail(err, EP_ERANGE, "savings: no pairs");
	for (i = 0; i < n; i++) {
		if (calc_saving_pct(baseline[i], alternative[i], &pct, err))
			return ep_err_prefix(err, "pair %zu", i);
		sum += pct;
	}
	*mean_pct = sum / (double)n;
	return 0;
}
