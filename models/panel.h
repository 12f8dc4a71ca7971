/*
 * A dot-product model's item table packed once for a series of scoring
 * calls (a validation pass, a batch of requests): pairs of 16-item
 * panels, k-major, that a register-blocked kernel multiplies with
 * users' rows. SGEMM packs the whole table again on every call and
 * zeroes its output first; here both happen once or not at all. Each
 * score is the chain fma(a[w-1], v[w-1], ... fma(a[0], v[0], 0)) (plus
 * the item's bias where one was packed), the same on every CPU with the
 * kernels and for every call.
 */
#ifndef ECOPLAN_MODELS_PANEL_H
#define ECOPLAN_MODELS_PANEL_H

#include <stddef.h>
#include <stdint.h>

enum model_panel_isa {
	MODEL_PANEL_AUTO,	/* the fastest this CPU has */
	MODEL_PANEL_AVX512,	/* AVX-512F: 12 users x 32 items a tile */
	MODEL_PANEL_AVX2	/* AVX2 and FMA: 6 users x 16 items */
};

struct model_panel {
	const float *V;		/* the table packed (borrowed), or NULL */
	float *p;		/* pairs x w x 32 floats, zero-padded */
	float *bias;		/* pairs x 32, zero-padded, or NULL */
	size_t ni, w, pairs, cap, bias_cap;	/* caps: floats held */
	int has_bias;
	enum model_panel_isa isa;	/* AVX512 or AVX2 once packed */
};

/* An empty panel; model_panel_score() is not to be called on it. */
#define MODEL_PANEL_INIT \
	{ NULL, NULL, NULL, 0, 0, 0, 0, 0, 0, MODEL_PANEL_AUTO }

/*
 * Packs the item table V (ni x w, row-major), reusing the memory of an
 * earlier packing. Returns 0, or -1 (the panel left empty) for an empty
 * table or where this CPU has no kernel of the kind asked (AUTO:
 * neither); scoring then goes through SGEMM.
 */
int model_panel_pack(struct model_panel *pn, const float *V, size_t ni,
    size_t w, enum model_panel_isa isa);

/* model_panel_pack() with a bias for each item (ni floats, or NULL),
 * added to each chain once it is complete: chain + bias[i]. */
int model_panel_pack_bias(struct model_panel *pn, const float *V,
    const float *bias, size_t ni, size_t w, enum model_panel_isa isa);

/* Whether pn holds the packing of V (ni x w): not stale, not empty. */
int model_panel_holds(const struct model_panel *pn, const float *V,
    size_t ni, size_t w);

/* Marks the packing stale (V has changed); keeps the memory. */
void model_panel_forget(struct model_panel *pn);

/*
 * out (n x ni, row-major) = the rows of U (width w) times the packed
 * table: rows users[0..n) of U, or its first n rows where users is
 * NULL. Thread-safe on a panel that is not being packed.
 */
void model_panel_score(const struct model_panel *pn, const float *U,
    const uint32_t *users, size_t n, float *out);

void model_panel_release(struct model_panel *pn);

#endif
