/*
 * Stability of a ranking of models between two profile sets (the seed
 * study's check that rankings by energy hold across hardware): Spearman's
 * rho and Kendall's tau-b between paired values, one pair per model that
 * both sets hold. The caller pairs the models; only the order of the
 * values matters, so any unit will do as long as it is the same within
 * each set.
 */
#ifndef ECOPLAN_CALC_RANK_H
#define ECOPLAN_CALC_RANK_H

#include <stddef.h>

#include "core/err.h"

struct calc_rank {
	size_t n;		/* pairs */
	double spearman_rho;	/* Pearson correlation of the ranks, tied
				 * values sharing their average rank
				 * (gsl_stats_spearman) */
	double kendall_tau_b;	/* (concordant - discordant) /
				 * sqrt((n0 - ties_x)(n0 - ties_y)) */
};

/*
 * Rank correlations of x[i] against y[i], i < n (n >= 2; every value
 * finite). Fails with EP_ERANGE when a value is NaN or infinite (naming
 * it) or when all of x, or all of y, are equal (no ranking to compare).
 * Allocates and frees a work array (exits on out of memory).
 */
int calc_rank(const double *x, const double *y, size_t n,
    struct calc_rank *out, struct ep_err *err);

#endif
