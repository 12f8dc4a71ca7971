/*
 * The count behind GAUC: where a user's positive items stand among all
 * the scores of a row, ties included, in time that grows with the log of
 * the number of positives rather than with the number (or, with AVX-512,
 * in one pass over the row and a second over the few items near a
 * positive).
 */
#ifndef ECOPLAN_MODELS_RANKCOUNT_H
#define ECOPLAN_MODELS_RANKCOUNT_H

#include <stddef.h>
#include <stdint.h>

/* Scratch space for model_rank_count(); zero it before first use. */
struct model_rank_scratch {
	float *buf;		/* levels x 2 partitions of cap floats */
	size_t cap, levels;
	float *amb;		/* items set aside by the cell table */
	size_t ambcap;
	float *v;		/* the distinct positive scores, ascending */
	uint64_t *wsum;		/* wsum[j]: positives with a score below v[j] */
	size_t vcap;
};

/*
 * Returns the sum over the P scores q[] of #{i < n: row[i] > q[j]} +
 * #{i < n: row[i] >= q[j]}. No score may be NaN. A positive's 1-based
 * descending rank, a tie group sharing its average, is (that pair of
 * counts + 1) / 2, so GAUC's rank sum is (the result + P) / 2.
 *
 * Where the CPU has AVX-512 (with DQ, VBMI, VBMI2 and VNNI) and there
 * are 4 to 127 positives, the positives' range is cut into 256 cells:
 * one pass looks up, 64 items at a time, how many positives lie in cells
 * below each item's, and only the items that share a cell with a
 * positive are compared with it. Otherwise (or with more positives, or
 * with a range the cells cannot cut, or many ties in one cell) the
 * positives are sorted and split at their median score, and the row at
 * the same score: the items below count for no positive above, and those
 * above count for every positive below, so each half of the positives
 * needs only its half of the row. Splitting goes on (down to 127
 * positives for the cells, or eight distinct scores, at most
 * MODEL_RANK_LEVELS times) and the rest is counted by comparison, eight
 * items at a time where the CPU has AVX2. Items below the lowest
 * positive are dropped at the first split.
 */
uint64_t model_rank_count(const float *row, size_t n, const float *q,
    size_t P, struct model_rank_scratch *s);

void model_rank_scratch_release(struct model_rank_scratch *s);

/* Distinct scores counted by comparison alone; most levels of splits. */
#define MODEL_RANK_LEAF 8
#define MODEL_RANK_LEVELS 8

#endif
