/*
 * Monte Carlo over the spreads of two models' profile figures: how sure
 * are the break-even and the verdict at the given load?
 *
 * Each sample draws every figure of both profiles (setup, per-epoch
 * training and validation, the per-query energy at every measured
 * batch) from a normal distribution with the figure's mean and standard
 * deviation, truncated at zero by redrawing (GSL's mt19937, seeded, so
 * runs repeat exactly; figures with sd 0 are not drawn). A draw is the
 * figure's true value in that sample: it applies to every epoch and
 * every request alike. The scenario (cadence, load, batching, PUE,
 * intensities) is held fixed.
 *
 * From each sample come the break-even N* (calc/breakeven.h, at the
 * batch each model serves at the given load), both models' annual
 * emissions, and which model is greener over the horizon.
 */
#ifndef ECOPLAN_CALC_UNCERTAINTY_H
#define ECOPLAN_CALC_UNCERTAINTY_H

#include <stddef.h>

#include "calc/breakeven.h"
#include "calc/lifecycle.h"
#include "core/err.h"

/* Most samples one call takes (memory: 3 doubles a sample). */
#define CALC_MC_MAX_SAMPLES 10000000

/* Percentiles of a sample: 5th, 50th, 95th (a 90% interval). */
struct calc_interval {
	double lo;
	double median;
	double hi;
};

struct calc_uncertainty {
	size_t n_samples;
	/*
	 * N* is oriented on the model with the higher nominal update cost
	 * (A on a tie), "dear": in each sample it is the number of
	 * requests per update above which dear is greener, 0 when dear
	 * is greener at any volume and +inf when it never is above some
	 * volume (it dominates less, or the order reverses).
	 */
	enum calc_model dear;
	struct calc_interval requests_per_update;	/* may hold +inf */
	struct calc_interval queries_per_update;	/* NaN when the
							 * units differ */
	double p_finite;		/* share of samples with N* < inf */
	struct calc_interval emissions_g_a;	/* annual, g */
	struct calc_interval emissions_g_b;
	double p_a_greener;		/* share of samples in which A emits
					 * less over the horizon (ties
					 * count half) */
};

/*
 * Runs n_samples (1..CALC_MC_MAX_SAMPLES) samples seeded with seed (GSL
 * mt19937: seed 0 is its default seed, 4357) for a against b under s,
 * whose requests_per_sec must be positive. Percentiles interpolate
 * linearly between order statistics, as GSL's
 * gsl_stats_quantile_from_sorted_data does. Allocates and frees its own
 * work arrays (exits on out of memory, see core/mem.h). Returns 0, or -1
 * with err set.
 */
int calc_uncertainty(const struct calc_cost *a, const struct calc_cost *b,
    const struct calc_scenario *s, size_t n_samples, unsigned long seed,
    struct calc_uncertainty *out, struct ep_err *err);

#endif
