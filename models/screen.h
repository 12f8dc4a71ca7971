/*
 * Screening one-user requests of dot-product models with a bfloat16
 * copy of the item table (each value's upper 16 bits, rounded). A
 * request's cost is reading the table; half the bytes give a first
 * score for every item, with a proven bound on how far it is from the
 * exact one, and only the items that could still reach the top k are
 * scored exactly. The list is the one that exact scoring of every item
 * gives, bit for bit.
 */
#ifndef ECOPLAN_MODELS_SCREEN_H
#define ECOPLAN_MODELS_SCREEN_H

#include <stddef.h>
#include <stdint.h>

#include "models/csr.h"

struct model_screen {
	const float *V;		/* the item table, borrowed: ni x w */
	size_t ni, w;
	uint16_t *low;		/* V in bfloat16, rounded to nearest even */
	double err;		/* |exact - screened score| <= err * |x| */
	double vmax;		/* the largest row norm of V */
};

/*
 * Prepares to screen requests against the table V. Returns 0, or -1
 * (nothing allocated) where it cannot: a CPU without AVX2 and FMA, a
 * width that is not a multiple of 16, or a value that is not finite or
 * rounds to infinity.
 */
int model_screen_init(struct model_screen *sc, const float *V, size_t ni,
    size_t w);

/*
 * The k best items for the user vector x (w floats), the user's
 * training items (row u of train) left out, ties to the lower id, into
 * out[0..k), k <= 64: the list model_topk_scan() makes of the scores
 * model_rows_score() gives. row (ni + w floats) and cand
 * (model_screen_cand_cap()) are scratch. Returns 0, or -1 where the screen cannot decide (x not
 * finite, fewer than k candidates, or too many near the cut): the
 * caller then scores every item exactly.
 */
int model_screen_topk(const struct model_screen *sc, const float *x,
    const struct model_csr *train, uint32_t u, int k, float *row,
    uint32_t *cand, uint32_t *out);

/* The size of cand for model_screen_topk(). */
size_t model_screen_cand_cap(const struct model_screen *sc);

void model_screen_release(struct model_screen *sc);

#endif
