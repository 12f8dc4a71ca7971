/*
 * Break-even between two models: the closed form at one serving batch,
 * and the crossing in serving rate when the request energy depends on
 * the load, found with GSL's Brent solver.
 */
#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_roots.h>

#include "calc/breakeven.h"
#include "core/num.h"
#include "core/banned.h"

/*
 * Log grid for the load search: decades from CALC_LOAD_MIN_RPS to
 * CALC_LOAD_MAX_RPS, points a decade, and room for the batch knots.
 */
#define GRID_DECADES    21
#define GRID_PER_DECADE 24
#define GRID_STEPS      (GRID_DECADES * GRID_PER_DECADE)
#define GRID_MAX        (GRID_STEPS + 1 + 2 * CALC_MAX_POINTS)
#define BRENT_MAX_ITER  200
#define BRENT_EPS_LOG   1e-12

const char *
calc_verdict_name(enum calc_verdict v)
{
	switch (v) {
	case CALC_CROSSING:
		return "crossing";
	case CALC_A_DOMINATES:
		return "A dominates";
	case CALC_B_DOMINATES:
		return "B dominates";
	case CALC_EQUAL:
		return "equal";
	case CALC_A_GREENER:
		return "A greener";
	case CALC_B_GREENER:
		return "B greener";
	}
	return "?";
}

/* Validates both models and the scenario, naming the model at fault. */
static int
check_pair(const struct calc_cost *a, const struct calc_cost *b,
    const struct calc_scenario *s, struct ep_err *err)
{
	if (calc_cost_check(a, err))
		return ep_err_prefix(err, "model A");
	if (calc_cost_check(b, err))
		return ep_err_prefix(err, "model B");
	return calc_scenario_check(s, 0, err);
}

/* Dominance from the two counts, or CALC_CROSSING. */
static enum calc_verdict
classify(double upd_a, double upd_b, double req_a, double req_b)
{
	if (upd_a == upd_b && req_a == req_b)
		return CALC_EQUAL;
	if (upd_a <= upd_b && req_a <= req_b)
		return CALC_A_DOMINATES;
	if (upd_a >= upd_b && req_a >= req_b)
		return CALC_B_DOMINATES;
	return CALC_CROSSING;
}

int
calc_breakeven(const struct calc_cost *a, const struct calc_cost *b,
    const struct calc_scenario *s, struct calc_breakeven *out,
    struct ep_err *err)
{
	struct calc_breakeven r;
	double n_energy;

	if (check_pair(a, b, s, err))
		return -1;
	r.update_kwh_a = calc_update_kwh(a);
	r.update_kwh_b = calc_update_kwh(b);
	r.request_kwh_a = calc_request_kwh(a, s, s->requests_per_sec);
	r.request_kwh_b = calc_request_kwh(b, s, s->requests_per_sec);
	r.verdict = classify(
	    r.update_kwh_a, r.update_kwh_b, r.request_kwh_a, r.request_kwh_b);
	r.greener_above = r.request_kwh_a < r.request_kwh_b ? CALC_A : CALC_B;
	r.requests_per_update = r.queries_per_update = (double)NAN;
	r.energy_requests_per_update = (double)NAN;
	r.energy_queries_per_update = (double)NAN;
	r.requests_per_sec = r.queries_per_sec = (double)NAN;
	if (r.verdict == CALC_CROSSING) {
		/* Both differences have the same sign here. */
		n_energy = (r.update_kwh_a - r.update_kwh_b) /
		    (r.request_kwh_b - r.request_kwh_a);
		r.energy_requests_per_update = n_energy;
		r.requests_per_update =
		    n_energy * s->ci_train_g_per_kwh / s->ci_serve_g_per_kwh;
		r.requests_per_sec = r.requests_per_update *
		    calc_updates_effective(s) / EP_SECS_PER_YEAR;
		if (a->users_per_query == b->users_per_query) {
			r.queries_per_update =
			    r.requests_per_update / a->users_per_query;
			r.energy_queries_per_update =
			    n_energy / a->users_per_query;
			r.queries_per_sec =
			    r.requests_per_sec / a->users_per_query;
		}
	}
	*out = r;
	return 0;
}

/* What the emission difference at one rate needs. */
struct load_pair {
	const struct calc_cost *a, *b;
	const struct calc_scenario *s;
	double upd_a, upd_b; /* E_upd */
	double train_w;      /* U_eff x CI_train, per year */
	double serve_w;      /* year x CI_serve */
};

/*
 * (C_A - C_B) / (C_A + C_B) at rate exp(x), where C is a model's annual
 * emissions (PUE cancels): negative where A is greener. The sum is
 * positive because U_eff and the intensities are.
 */
static double
load_diff(double x, void *p)
{
	const struct load_pair *lp = p;
	double rate = exp(x), ca, cb;

	ca = lp->train_w * lp->upd_a +
	    lp->serve_w * rate * calc_request_kwh(lp->a, lp->s, rate);
	cb = lp->train_w * lp->upd_b +
	    lp->serve_w * rate * calc_request_kwh(lp->b, lp->s, rate);
	return (ca - cb) / (ca + cb);
}

static int
cmp_double(const void *p, const void *q)
{
	double x = *(const double *)p, y = *(const double *)q;

	return (x > y) - (x < y);
}

/* Adds ln(rate) of every rate at which c reaches a measured batch. */
static size_t
add_knots(const struct calc_cost *c, const struct calc_scenario *s, double *xs,
    size_t n)
{
	double rate;
	size_t i;

	if (!(s->batch_window_secs > 0))
		return n;
	for (i = 0; i < c->n_points; i++) {
		rate = (c->batch[i] - 1.0) * c->users_per_query /
		    s->batch_window_secs;
		if (rate > CALC_LOAD_MIN_RPS && rate < CALC_LOAD_MAX_RPS)
			xs[n++] = log(rate);
	}
	return n;
}

/* Refines the sign change of load_diff in [lo, hi] with Brent. */
static int
brent(gsl_root_fsolver *solver, struct load_pair *lp, double lo, double hi,
    double *root, struct ep_err *err)
{
	gsl_function f;
	int status, iter;

	f.function = load_diff;
	f.params = lp;
	status = gsl_root_fsolver_set(solver, &f, lo, hi);
	for (iter = 0; status == GSL_SUCCESS && iter < BRENT_MAX_ITER; iter++) {
		status = gsl_root_fsolver_iterate(solver);
		if (status != GSL_SUCCESS)
			break;
		lo = gsl_root_fsolver_x_lower(solver);
		hi = gsl_root_fsolver_x_upper(solver);
		status = gsl_root_test_interval(lo, hi, BRENT_EPS_LOG, 0);
		if (status == GSL_SUCCESS) {
			*root = gsl_root_fsolver_root(solver);
			return 0;
		}
		if (status == GSL_CONTINUE)
			status = GSL_SUCCESS;
	}
	if (status == GSL_SUCCESS)
		return ep_fail(err, EP_ERANGE,
		    "break-even: Brent solver did not converge in %d steps",
		    BRENT_MAX_ITER);
	return ep_fail(err, EP_ERANGE, "break-even: Brent solver: %s",
	    gsl_strerror(status));
}

/* Records a crossing at ln(rate) x. */
static void
add_crossing(struct calc_breakeven_load *r, const struct load_pair *lp,
    double x, double u_eff)
{
	double rate = exp(x);
	size_t k = r->n_crossings++;

	if (k >= CALC_MAX_CROSSINGS)
		return;
	r->requests_per_sec[k] = rate;
	r->requests_per_update[k] = rate * EP_SECS_PER_YEAR / u_eff;
	r->batch_a[k] = calc_serve_batch(lp->a, lp->s, rate);
	r->batch_b[k] = calc_serve_batch(lp->b, lp->s, rate);
}

int
calc_breakeven_load(const struct calc_cost *a, const struct calc_cost *b,
    const struct calc_scenario *s, struct calc_breakeven_load *out,
    struct ep_err *err)
{
	struct calc_breakeven_load r = { 0 };
	struct load_pair lp;
	gsl_root_fsolver *solver = NULL;
	double xs[GRID_MAX], fs[GRID_MAX];
	double x0 = log(CALC_LOAD_MIN_RPS), x1 = log(CALC_LOAD_MAX_RPS);
	double u_eff, root = 0, rate, d_req, d_upd, first = 0;
	int req_lt = 0, req_gt = 0;
	size_t n = 0, m, i, steps;
	int rc = -1;

	if (check_pair(a, b, s, err))
		return -1;
	u_eff = calc_updates_effective(s);
	lp.a = a;
	lp.b = b;
	lp.s = s;
	lp.upd_a = calc_update_kwh(a);
	lp.upd_b = calc_update_kwh(b);
	lp.train_w = u_eff * s->ci_train_g_per_kwh;
	lp.serve_w = EP_SECS_PER_YEAR * s->ci_serve_g_per_kwh;

	/* The grid: log-spaced rates, then the batch knots, in order. */
	steps = GRID_STEPS;
	for (i = 0; i <= steps; i++)
		xs[n++] = x0 + (x1 - x0) * (double)i / (double)steps;
	n = add_knots(a, s, xs, n);
	n = add_knots(b, s, xs, n);
	qsort(xs, n, sizeof xs[0], cmp_double);
	for (i = m = 0; i < n; i++)
		if (m == 0 || xs[i] > xs[m - 1])
			xs[m++] = xs[i];
	n = m;

	for (i = 0; i < n; i++) {
		rate = exp(xs[i]);
		fs[i] = load_diff(xs[i], &lp);
		d_req =
		    calc_request_kwh(a, s, rate) - calc_request_kwh(b, s, rate);
		req_lt |= d_req < 0;
		req_gt |= d_req > 0;
		if (first == 0)
			first = fs[i];
	}
	d_upd = lp.upd_a - lp.upd_b;
	if (d_upd == 0 && !req_lt && !req_gt)
		r.verdict = CALC_EQUAL;
	else if (d_upd <= 0 && !req_gt)
		r.verdict = CALC_A_DOMINATES;
	else if (d_upd >= 0 && !req_lt)
		r.verdict = CALC_B_DOMINATES;
	if (r.verdict != CALC_CROSSING) {
		r.greener_below =
		    r.verdict == CALC_B_DOMINATES ? CALC_B : CALC_A;
		rc = 0;
		goto out;
	}

	solver = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
	if (solver == NULL) {
		ep_fail(err, EP_ENOMEM,
		    "break-even: cannot allocate the GSL root solver");
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (fs[i] == 0) {
			/* A crossing exactly on a grid point (the first of
			 * a run of zeros) when the sign differs on either
			 * side of the run; a touch is no crossing. */
			for (m = i; m < n && fs[m] == 0; m++)
				continue;
			if (i > 0 && fs[i - 1] != 0 && m < n &&
			    (fs[i - 1] < 0) != (fs[m] < 0))
				add_crossing(&r, &lp, xs[i], u_eff);
			continue;
		}
		if (i + 1 < n && fs[i + 1] != 0 &&
		    (fs[i] < 0) != (fs[i + 1] < 0)) {
			if (brent(solver, &lp, xs[i], xs[i + 1], &root, err))
				goto out;
			add_crossing(&r, &lp, root, u_eff);
		}
	}
	r.greener_below = first < 0 ? CALC_A : CALC_B;
	if (r.n_crossings == 0)
		r.verdict = first < 0 ? CALC_A_GREENER : CALC_B_GREENER;
	rc = 0;
out:
	if (solver != NULL)
		gsl_root_fsolver_free(solver);
	if (rc == 0)
		*out = r;
	return rc;
}
