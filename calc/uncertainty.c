/*
 * Monte Carlo uncertainty of a two-model comparison: truncated normal
 * draws of every profile figure (GSL mt19937), then percentiles of the
 * break-even and of annual emissions, and the probability that A is the
 * greener model.
 */
#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>

#include "calc/uncertainty.h"
#include "core/mem.h"
#include "core/num.h"
#include "core/banned.h"

/* A normal draw of mean (sd), redrawn until positive; mean >= 0. */
static double
draw(gsl_rng *rng, double mean, double sd)
{
	double x;

	if (sd == 0)
		return mean;
	do
		x = mean + gsl_ran_gaussian_ziggurat(rng, sd);
	while (!(x > 0));
	return x;
}

/* One sample of every figure of c into d. */
static void
draw_cost(gsl_rng *rng, const struct calc_cost *c, struct calc_cost *d)
{
	size_t i;

	d->setup_kwh = draw(rng, c->setup_kwh, c->setup_sd_kwh);
	d->epoch_train_kwh =
	    draw(rng, c->epoch_train_kwh, c->epoch_train_sd_kwh);
	d->epoch_valid_kwh =
	    draw(rng, c->epoch_valid_kwh, c->epoch_valid_sd_kwh);
	for (i = 0; i < c->n_points; i++)
		d->query_kwh[i] =
		    draw(rng, c->query_kwh[i], c->query_sd_kwh[i]);
}

/*
 * Requests per update above which the dear model (update cost upd_d,
 * request cost req_d) is greener than the other: 0 when it always is,
 * +inf when there is no such volume. w = CI_train / CI_serve.
 */
static double
threshold(double upd_d, double req_d, double upd_o, double req_o, double w)
{
	double d_upd = (upd_d - upd_o) * w, d_req = req_o - req_d;

	if (d_req > 0)
		return d_upd > 0 ? d_upd / d_req : 0;
	if (d_req == 0 && d_upd < 0)
		return 0;
	return HUGE_VAL;
}

/* The p-quantile of n >= 1 sorted values; +inf stays +inf. */
static double
quantile(const double *v, size_t n, double p)
{
	double h = (double)(n - 1) * p, d;
	size_t i = (size_t)h;

	d = h - (double)i;
	if (i + 1 >= n || d == 0 || v[i] == v[i + 1])
		return v[i];
	return v[i] + d * (v[i + 1] - v[i]);
}

static void
interval(double *v, size_t n, struct calc_interval *out)
{
	gsl_sort(v, 1, n);
	out->lo = quantile(v, n, 0.05);
	out->median = quantile(v, n, 0.5);
	out->hi = quantile(v, n, 0.95);
}

int
calc_uncertainty(const struct calc_cost *a, const struct calc_cost *b,
    const struct calc_scenario *s, size_t n_samples, unsigned long seed,
    struct calc_uncertainty *out, struct ep_err *err)
{
	struct calc_uncertainty r = { 0 };
	struct calc_cost da, db;
	gsl_rng *rng;
	double *nstar, *em_a, *em_b;
	double rps = s->requests_per_sec, q_year, batch_a, batch_b;
	double w, upd_a, upd_b, req_a, req_b, h_a, h_b, n_upd, wins = 0;
	double pue_t, pue_s;
	size_t i, finite = 0;

	if (calc_cost_check(a, err))
		return ep_err_prefix(err, "model A");
	if (calc_cost_check(b, err))
		return ep_err_prefix(err, "model B");
	if (calc_scenario_check(s, 1, err))
		return -1;
	if (n_samples < 1 || n_samples > CALC_MC_MAX_SAMPLES)
		return ep_fail(err, EP_ERANGE,
		    "samples: must be 1 to %d (got %zu)", CALC_MC_MAX_SAMPLES,
		    n_samples);
	rng = gsl_rng_alloc(gsl_rng_mt19937);
	if (rng == NULL)
		return ep_fail(err, EP_ENOMEM,
		    "uncertainty: cannot allocate the GSL generator");
	gsl_rng_set(rng, seed);
	nstar = ep_xmalloc(n_samples * sizeof *nstar);
	em_a = ep_xmalloc(n_samples * sizeof *em_a);
	em_b = ep_xmalloc(n_samples * sizeof *em_b);

	/* The batches depend on the load alone, not on the energies. */
	batch_a = calc_serve_batch(a, s, rps);
	batch_b = calc_serve_batch(b, s, rps);
	q_year = rps * EP_SECS_PER_YEAR;
	n_upd = calc_updates_effective(s) * s->years;
	w = s->ci_train_g_per_kwh / s->ci_serve_g_per_kwh;
	pue_t = s->pue * s->ci_train_g_per_kwh;
	pue_s = s->pue * s->ci_serve_g_per_kwh;
	r.dear = calc_update_kwh(a) >= calc_update_kwh(b) ? CALC_A : CALC_B;
	da = *a;
	db = *b;
	for (i = 0; i < n_samples; i++) {
		draw_cost(rng, a, &da);
		draw_cost(rng, b, &db);
		upd_a = calc_update_kwh(&da);
		upd_b = calc_update_kwh(&db);
		req_a = calc_query_kwh_at(&da, batch_a) / a->users_per_query;
		req_b = calc_query_kwh_at(&db, batch_b) / b->users_per_query;
		if (r.dear == CALC_A)
			nstar[i] = threshold(upd_a, req_a, upd_b, req_b, w);
		else
			nstar[i] = threshold(upd_b, req_b, upd_a, req_a, w);
		finite += !isinf(nstar[i]);
		em_a[i] = s->updates_per_year * upd_a * pue_t +
		    q_year * req_a * pue_s;
		em_b[i] = s->updates_per_year * upd_b * pue_t +
		    q_year * req_b * pue_s;
		h_a = n_upd * upd_a * pue_t + s->years * q_year * req_a * pue_s;
		h_b = n_upd * upd_b * pue_t + s->years * q_year * req_b * pue_s;
		wins += h_a < h_b ? 1.0 : h_a == h_b ? 0.5 : 0.0;
	}

	r.n_samples = n_samples;
	r.p_finite = (double)finite / (double)n_samples;
	r.p_a_greener = wins / (double)n_samples;
	interval(nstar, n_samples, &r.requests_per_update);
	r.queries_per_update.lo = r.queries_per_update.median =
	    r.queries_per_update.hi = (double)NAN;
	if (a->users_per_query == b->users_per_query) {
		r.queries_per_update.lo =
		    r.requests_per_update.lo / a->users_per_query;
		r.queries_per_update.median =
		    r.requests_per_update.median / a->users_per_query;
		r.queries_per_update.hi =
		    r.requests_per_update.hi / a->users_per_query;
	}
	interval(em_a, n_samples, &r.emissions_g_a);
	interval(em_b, n_samples, &r.emissions_g_b);
	*out = r;
	free(nstar);
	free(em_a);
	free(em_b);
	gsl_rng_free(rng);
	return 0;
}
