/*
 * Rank correlations between two profile sets: Spearman's rho through
 * GSL, Kendall's tau-b by counting pairs (the sets are small: one value
 * a model).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <gsl/gsl_statistics_double.h>

#include "calc/lifecycle.h"
#include "calc/rank.h"
#include "core/mem.h"
#include "core/banned.h"

/* Sign of a - b: -1, 0 or 1. */
static int
sign(double a, double b)
{
	return (a > b) - (a < b);
}

/* Kendall's tau-b, O(n^2); the caller ensures neither side is constant. */
static double
kendall_tau_b(const double *x, const double *y, size_t n)
{
	double conc = 0, disc = 0, tie_x = 0, tie_y = 0, n0;
	size_t i, j;
	int sx, sy;

	for (i = 0; i < n; i++) {
		for (j = i + 1; j < n; j++) {
			sx = sign(x[i], x[j]);
			sy = sign(y[i], y[j]);
			if (sx == 0)
				tie_x++;
			if (sy == 0)
				tie_y++;
			if (sx * sy > 0)
				conc++;
			else if (sx * sy < 0)
				disc++;
		}
	}
	n0 = (double)n * (double)(n - 1) / 2.0;
	return (conc - disc) / sqrt((n0 - tie_x) * (n0 - tie_y));
}

/* Are all n values of v equal? */
static int
constant(const double *v, size_t n)
{
	size_t i;

	for (i = 1; i < n; i++)
		if (v[i] != v[0])
			return 0;
	return 1;
}

int
calc_rank(const double *x, const double *y, size_t n, struct calc_rank *out,
    struct ep_err *err)
{
	struct calc_rank r;
	double *work;
	char field[32];
	size_t i;

	if (n < 2)
		return ep_fail(err, EP_ERANGE,
		    "rank: need at least 2 models in both sets (got %zu)", n);
	for (i = 0; i < n; i++) {
		snprintf(field, sizeof field, "x[%zu]", i);
		if (calc_value_check(field, x[i], -HUGE_VAL, 0, err))
			return -1;
		snprintf(field, sizeof field, "y[%zu]", i);
		if (calc_value_check(field, y[i], -HUGE_VAL, 0, err))
			return -1;
	}
	if (constant(x, n))
		return ep_fail(err, EP_ERANGE,
		    "rank: all values of the first set are equal");
	if (constant(y, n))
		return ep_fail(err, EP_ERANGE,
		    "rank: all values of the second set are equal");
	work = ep_xmalloc(2 * n * sizeof *work);
	r.n = n;
	r.spearman_rho = gsl_stats_spearman(x, 1, y, 1, n, work);
	free(work);
	r.kendall_tau_b = kendall_tau_b(x, y, n);
	if (!isfinite(r.spearman_rho) || !isfinite(r.kendall_tau_b))
		return ep_fail(err, EP_ERANGE, "rank: correlation undefined");
	*out = r;
	return 0;
}
