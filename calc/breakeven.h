/*
 * Break-even between two models A and B: how many requests per model
 * update (N*) and what serving rate (qps*) make the model that is dearer
 * to train the greener one, because it is cheaper per request:
 *
 *	N*   = (E_upd,A - E_upd,B) x CI_train / ((e_B - e_A) x CI_serve)
 *	qps* = N* x U_eff / 31 557 600
 *
 * in single-user requests (see calc/lifecycle.h for the query unit and
 * U_eff). With one intensity for training and serving this is the seed
 * study's energy break-even; PUE cancels. When one model is cheaper on
 * both counts there is no break-even: it dominates.
 *
 * With load-dependent request cost (dynamic batching, several measured
 * batch sizes) the per-request energy itself depends on the rate, and
 * the rate at which the two models' annual emissions are equal is found
 * by bracketing on a log grid and GSL's Brent solver (see
 * calc_breakeven_load).
 */
#ifndef ECOPLAN_CALC_BREAKEVEN_H
#define ECOPLAN_CALC_BREAKEVEN_H

#include <stddef.h>

#include "calc/lifecycle.h"
#include "core/err.h"

enum calc_model { CALC_A, CALC_B };

enum calc_verdict {
	CALC_CROSSING,		/* each model is greener on one side */
	CALC_A_DOMINATES,	/* A costs no more per update nor per
				 * request, and less on one count */
	CALC_B_DOMINATES,
	CALC_EQUAL,		/* same cost on both counts */
	CALC_A_GREENER,		/* (load only) A is greener at every rate
				 * searched without dominating */
	CALC_B_GREENER
};

/* "crossing", "A dominates", ... (static string). */
const char *calc_verdict_name(enum calc_verdict v);

struct calc_breakeven {
	enum calc_verdict verdict;
	enum calc_model greener_above;	/* CROSSING: the model greener at
					 * more than N* requests per update
					 * (the one cheaper per request) */
	double update_kwh_a, update_kwh_b;	/* E_upd */
	double request_kwh_a, request_kwh_b;	/* e per request, at the
						 * scenario's batch */
	/* The rest are set for CALC_CROSSING only, NaN otherwise. */
	double requests_per_update;	/* N*, on emissions */
	double queries_per_update;	/* N* / users_per_query; NaN when the
					 * two profiles' units differ */
	double energy_requests_per_update;	/* N* on energy alone */
	double energy_queries_per_update;
	double requests_per_sec;	/* qps* (on emissions) */
	double queries_per_sec;
};

/*
 * Break-even of a against b under s, with each model's request energy at
 * the batch it serves at s->requests_per_sec (fixed serve_batch, or the
 * dynamic batch at that load; the load may be 0 when the batch is
 * fixed). Returns 0, or -1 with err naming the field at fault.
 */
int calc_breakeven(const struct calc_cost *a, const struct calc_cost *b,
    const struct calc_scenario *s, struct calc_breakeven *out,
    struct ep_err *err);

/* Rates searched for load-dependent crossings, single-user requests/s. */
#define CALC_LOAD_MIN_RPS 1e-9
#define CALC_LOAD_MAX_RPS 1e12
#define CALC_MAX_CROSSINGS 8

struct calc_breakeven_load {
	enum calc_verdict verdict;	/* CROSSING when a crossing lies in
					 * the searched range */
	enum calc_model greener_below;	/* greener below the first crossing
					 * (at every rate without one) */
	size_t n_crossings;		/* found; the first
					 * CALC_MAX_CROSSINGS are kept */
	double requests_per_sec[CALC_MAX_CROSSINGS];	/* ascending */
	double requests_per_update[CALC_MAX_CROSSINGS];	/* rate x
							 * year / U_eff */
	double batch_a[CALC_MAX_CROSSINGS];	/* batches served there */
	double batch_b[CALC_MAX_CROSSINGS];
};

/*
 * Serving rates in [CALC_LOAD_MIN_RPS, CALC_LOAD_MAX_RPS] at which a's
 * and b's annual emissions under s are equal, with each model's request
 * energy at the batch that rate gives it (s->requests_per_sec is
 * ignored). The emission difference is sampled on a log grid (24 points
 * a decade, plus every rate where a model reaches a measured batch);
 * each sign change is refined with gsl_root_fsolver_brent in log(rate)
 * to a relative 1e-12. Two crossings closer than one grid step (10%)
 * may go unseen. Returns 0, or -1 with err set (EP_ERANGE for bad
 * input, EP_ENOMEM or EP_ERANGE when GSL fails).
 */
int calc_breakeven_load(const struct calc_cost *a, const struct calc_cost *b,
    const struct calc_scenario *s, struct calc_breakeven_load *out,
    struct ep_err *err);

#endif
