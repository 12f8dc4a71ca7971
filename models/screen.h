/*
 * Screening one-user requests of dot-product models with a coarse copy
 * of the item table: 8-bit integers, a scale a row (where the CPU has
 * AVX-512 VNNI), or bfloat16 (each value's upper 16 bits, rounded). A
 * request's cost is reading the table; a quarter or half the bytes give
 * a first score for every item, with a proven bound on how far it is
 * from the exact one, and only the items that could still reach the top
 * k are scored exactly. The list is the one that exact scoring of every
 * item gives, bit for bit.
 */
#ifndef ECOPLAN_MODELS_SCREEN_H
#define ECOPLAN_MODELS_SCREEN_H

#include <stddef.h>
#include <stdint.h>

#include "models/csr.h"

enum model_screen_kind {
	MODEL_SCREEN_AUTO,	/* 8-bit where the CPU can, else bfloat16 */
	MODEL_SCREEN_BF16,
	MODEL_SCREEN_INT8
};

struct model_screen {
	const float *V;		/* the item table, borrowed: ni x w */
	size_t ni, w;
	enum model_screen_kind kind;	/* BF16 or INT8 once made */
	uint16_t *low;		/* BF16: V rounded to nearest even */
	uint8_t *q;		/* INT8: V / scale rounded, plus 128 */
	float *scale;		/* INT8: each row's scale (padded to 16) */
	double err;		/* BF16: |exact - screened| <= err |x|;
				 * INT8: the row part of the bound */
	double hmax;		/* INT8: the largest rounded row's norm */
	double vmax;		/* the largest row norm of V (or rounded) */
};

/*
 * Prepares to screen requests against the table V, of the kind asked
 * (AUTO: the faster this CPU runs). Returns 0, or -1 (nothing
 * allocated) where it cannot: a CPU without AVX2 and FMA (or, for
 * INT8, AVX-512 VNNI), a width that is not a multiple of 16, or a value
 * that is not finite (or, for BF16, rounds to infinity).
 */
int model_screen_init(struct model_screen *sc, const float *V, size_t ni,
    size_t w, enum model_screen_kind kind);

/*
 * The k best items for the user vector x (w floats), the user's
 * training items (row u of train) left out, ties to the lower id, into
 * out[0..k), k <= 64: the list model_topk_scan() makes of the scores
 * model_rows_score() gives. row (ni + w floats) and cand
 * (model_screen_cand_cap()) are scratch. Returns 0, or -1 where the
 * screen cannot decide (x not finite, fewer than k candidates, or too
 * many near the cut): the caller then scores every item exactly.
 */
int model_screen_topk(const struct model_screen *sc, const float *x,
    const struct model_csr *train, uint32_t u, int k, float *row,
    uint32_t *cand, uint32_t *out);

/* The size of cand for model_screen_topk(). */
size_t model_screen_cand_cap(const struct model_screen *sc);

void model_screen_release(struct model_screen *sc);

#endif
