/*
 * The planning model of one recommender model over its life: training,
 * retraining and serving, in energy (kWh) and emissions (g CO2e).
 *
 * One update (a full retraining) costs
 *
 *	E_upd = setup + epochs x (epoch_train + epoch_valid)	kWh
 *
 * and one single-user request costs e(b) = query_kwh(b) / users_per_query
 * kWh when queries are served in batches of b. With U updates a year and
 * R requests a second (Q = R x 31 557 600 requests a year):
 *
 *	energy_yr    = U x E_upd + Q x e				[IT kWh]
 *	emissions_yr = PUE x (U x E_upd x CI_train + Q x e x CI_serve)	[g]
 *
 * Training and serving may sit in different regions (two intensities);
 * one PUE covers both. Over a horizon of Y years the model is trained
 * max(U x Y, 1) times (a deployed model is trained at least once) and
 * serves Y x Q requests.
 *
 * Query unit. A profile states its per-query energy in its own unit: a
 * query answers users_per_query single-user requests (1 for profiles
 * measured by ecoplan; the user count for the seed study, where a query
 * is one top-10 pass over all users). Rates and break-evens are in
 * single-user requests, so that profiles in different units compare;
 * the profile's own unit is R / users_per_query.
 *
 * Serving batch. A profile may measure the per-query energy at several
 * batch sizes (queries per batch, strictly increasing); between them the
 * energy is interpolated linearly in log(batch)-log(energy), and outside
 * the measured range it is held at the nearest end (never extrapolated).
 * The batch served is either fixed (serve_batch), or follows the load
 * under dynamic batching: the server waits batch_window_secs after a
 * query arrives and serves everything that came meanwhile, so with
 * Poisson arrivals at lambda queries/s a batch holds on average
 *
 *	b(lambda) = 1 + lambda x batch_window_secs
 *
 * queries, capped at the largest batch measured (the server's maximum
 * batch) and floored at the smallest.
 *
 * Everything here is pure arithmetic on the caller's structs: no I/O, no
 * globals, no allocation. Functions that take a struct ep_err validate
 * their input first and fail with EP_ERANGE naming the field at fault
 * (NaN, infinity, a negative value, or zero where it is meaningless).
 */
#ifndef ECOPLAN_CALC_LIFECYCLE_H
#define ECOPLAN_CALC_LIFECYCLE_H

#include <stddef.h>

#include "core/err.h"

/* Batch sizes one profile can carry. */
#define CALC_MAX_POINTS 16

/*
 * The costs of one model, as a profile gives them. Every figure has a
 * standard deviation (0 when exact) for calc/uncertainty. A profile that
 * knows only the total energy of an update puts it in setup_kwh with
 * epochs 0.
 */
struct calc_cost {
	double setup_kwh;		/* per update, outside the epochs */
	double setup_sd_kwh;
	double epoch_train_kwh;		/* one training epoch */
	double epoch_train_sd_kwh;
	double epoch_valid_kwh;		/* one validation pass (metric set) */
	double epoch_valid_sd_kwh;
	double epochs;			/* epochs per update, >= 0 */

	size_t n_points;		/* 1..CALC_MAX_POINTS */
	double batch[CALC_MAX_POINTS];	/* queries per batch, >= 1, rising */
	double query_kwh[CALC_MAX_POINTS];	/* per query at batch[i], > 0 */
	double query_sd_kwh[CALC_MAX_POINTS];
	double users_per_query;		/* single-user requests a query, > 0 */
};

/* One planning scenario, shared by the models compared. */
struct calc_scenario {
	double updates_per_year;	/* U >= 0 (see ep_parse_cadence) */
	double requests_per_sec;	/* single-user requests/s; > 0 where a
					 * load is needed, else 0 or more */
	double pue;			/* power usage effectiveness, >= 1 */
	double ci_train_g_per_kwh;	/* where training runs, > 0 */
	double ci_serve_g_per_kwh;	/* where serving runs, > 0 */
	double years;			/* horizon, > 0 */
	double serve_batch;		/* fixed batch (queries, >= 1); used
					 * when batch_window_secs is 0 */
	double batch_window_secs;	/* > 0: dynamic batching (above) */
};

/* No retraining, no load, PUE 1, one year, batch 1; intensities unset. */
#define CALC_SCENARIO_INIT { 0, 0, 1.0, 0, 0, 1.0, 1.0, 0 }

/* One model's year (and horizon) under a scenario. */
struct calc_annual {
	double updates_per_year;	/* U */
	double requests_per_year;	/* Q, single-user requests */
	double queries_per_year;	/* Q / users_per_query */
	double batch;			/* batch served, queries (after the
					 * clamp to the measured range) */
	double update_kwh;		/* E_upd */
	double request_kwh;		/* e at that batch, per request */
	double train_kwh;		/* U x E_upd, IT energy */
	double serve_kwh;		/* Q x e, IT energy */
	double it_kwh;			/* train + serve */
	double facility_kwh;		/* PUE x it */
	double train_g;			/* PUE x train x CI_train */
	double serve_g;			/* PUE x serve x CI_serve */
	double emissions_g;		/* train_g + serve_g */
	double horizon_updates;		/* max(U x years, 1) */
	double horizon_kwh;		/* facility energy over the horizon */
	double horizon_g;		/* emissions over the horizon */
};

/*
 * Checks that v is a finite number of at least min (strict: more than
 * min). Returns 0, or -1 with EP_ERANGE and "FIELD: why" in err.
 */
int calc_value_check(const char *field, double v, double min, int strict,
    struct ep_err *err);

/* Validates every field of c (see struct calc_cost). */
int calc_cost_check(const struct calc_cost *c, struct ep_err *err);

/*
 * Validates s. With need_load, requests_per_sec must be positive;
 * without, it may be 0 (unknown) but not negative.
 */
int calc_scenario_check(const struct calc_scenario *s, int need_load,
    struct ep_err *err);

/* E_upd of a validated cost, kWh. */
double calc_update_kwh(const struct calc_cost *c);

/*
 * Per-query energy (kWh, profile's unit) at batch b queries: log-log
 * interpolation between the measured batches, held at the ends. Exact
 * at a measured batch. c must be validated.
 */
double calc_query_kwh_at(const struct calc_cost *c, double b);

/*
 * The batch (queries) that c serves in scenario s at requests_per_sec
 * single-user requests/s: fixed or load-dependent (see above), clamped
 * to the measured range.
 */
double calc_serve_batch(const struct calc_cost *c,
    const struct calc_scenario *s, double requests_per_sec);

/* Energy of one single-user request at that batch, kWh. */
double calc_request_kwh(const struct calc_cost *c,
    const struct calc_scenario *s, double requests_per_sec);

/*
 * Updates a year that the horizon spreads its trainings over:
 * max(U, 1 / years), so that a model never retrained is still trained
 * once. Used for break-even rates.
 */
double calc_updates_effective(const struct calc_scenario *s);

/*
 * Fills out with c's year under s, at s->requests_per_sec (which must be
 * positive). Returns 0, or -1 with err set on invalid input.
 */
int calc_annual(const struct calc_cost *c, const struct calc_scenario *s,
    struct calc_annual *out, struct ep_err *err);

/*
 * Saving of alternative against baseline, in per cent of baseline:
 * (baseline - alternative) / baseline x 100; positive when the
 * alternative costs less (the seed study's "one metric vs twelve" is
 * minus this). baseline must be positive, alternative non-negative.
 */
int calc_saving_pct(double baseline, double alternative, double *pct,
    struct ep_err *err);

/*
 * Unweighted mean of calc_saving_pct over n >= 1 pairs (the seed study's
 * 28.77% is this mean over its 47 runs). Errors name the pair's index.
 */
int calc_saving_mean_pct(const double *baseline, const double *alternative,
    size_t n, double *mean_pct, struct ep_err *err);

#endif
