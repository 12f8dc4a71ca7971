/*
 * The normalised user-item graph and its sparse times dense product.
 *
 * The product runs over blocks of rows in parallel: each output row is
 * owned by one thread, which gathers the rows of X its edges name and
 * sums them in edge order, so no atomics are needed and the result is
 * the same whatever the thread count. For the usual width of 64 the
 * accumulator is eight vectors of 8 floats (GCC's and Clang's vector
 * extensions: AVX registers in the AVX-512 and AVX2 clones, pairs of
 * SSE ones otherwise), held in registers across a row's edges: as a
 * local array GCC kept it on the stack, and every edge waited for the
 * store of the previous one. (Vectors of 16 would be expanded piecewise
 * in the clones without AVX-512.)
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "models/graph.h"
#include "models/vmath.h"
#include "core/banned.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define VERSIONS __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define VERSIONS
#endif

/* Rows a task of the parallel product. */
#define ROW_BLOCK 32
/* Edges ahead whose rows are prefetched. */
#ifndef PREFETCH
#define PREFETCH 16
#endif

void
model_graph_build(struct model_graph *g, const struct model_csr *train)
{
	struct model_csr t = MODEL_CSR_INIT;
	uint32_t nu = train->n_rows, ni = train->n_cols, r;
	double *inv;
	size_t k, at = 0;

	model_csr_transpose(train, &t);
	g->n_users = nu;
	g->n_items = ni;
	g->n = nu + ni;
	g->nnz = 2 * train->nnz;
	g->rowptr = ep_xreallocarray(NULL, (size_t)g->n + 1,
	    sizeof *g->rowptr);
	g->col = ep_xreallocarray(NULL, g->nnz ? g->nnz : 1, sizeof *g->col);
	g->val = ep_xreallocarray(NULL, g->nnz ? g->nnz : 1, sizeof *g->val);
	inv = ep_xreallocarray(NULL, (size_t)g->n + 1, sizeof *inv);
	/* RecBole adds 1e-7 to every degree before the inverse root. */
	for (r = 0; r < nu; r++)
		inv[r] = 1 / sqrt((double)model_csr_row_len(train, r) + 1e-7);
	for (r = 0; r < ni; r++)
		inv[nu + r] = 1 / sqrt((double)model_csr_row_len(&t, r) + 1e-7);
	g->rowptr[0] = 0;
	for (r = 0; r < nu; r++) {
		for (k = train->rowptr[r]; k < train->rowptr[r + 1]; k++) {
			g->col[at] = nu + train->col[k];
			g->val[at] = (float)(inv[r] * inv[nu + train->col[k]]);
			at++;
		}
		g->rowptr[r + 1] = at;
	}
	for (r = 0; r < ni; r++) {
		for (k = t.rowptr[r]; k < t.rowptr[r + 1]; k++) {
			g->col[at] = t.col[k];
			g->val[at] = (float)(inv[nu + r] * inv[t.col[k]]);
			at++;
		}
		g->rowptr[nu + r + 1] = at;
	}
	free(inv);
	model_csr_release(&t);
}

/*
 * The rows gathered are scattered over X, beyond what the hardware
 * prefetcher can guess: the one PREFETCH edges after edge k is fetched
 * now (about 15% faster on ML-1M's graph).
 */
static inline __attribute__((always_inline)) void
fetch_ahead(const struct model_graph *g, const float *x, size_t ldx,
    size_t k)
{
	if (k + PREFETCH < g->nnz) {
		const char *p = (const char *)(x +
		    (size_t)g->col[k + PREFETCH] * ldx);

		__builtin_prefetch(p, 0, 3);
		__builtin_prefetch(p + 64, 0, 3);
		__builtin_prefetch(p + 128, 0, 3);
		__builtin_prefetch(p + 192, 0, 3);
	}
}

/*
 * Rows [lo, hi) of the product at width 64, or rows rows[lo .. hi) where
 * rows is not NULL: each row's sum in edge order, stored in y or added
 * to it (accumulate).
 */
#if defined(__GNUC__)

VERSIONS static void
spmm_block64(const struct model_graph *g, const uint32_t *rows, size_t lo,
    size_t hi, const float *restrict x, size_t ldx, float *restrict y,
    size_t ldy, int accumulate)
{
	size_t i, k, k1;

	for (i = lo; i < hi; i++) {
		uint32_t r = rows != NULL ? rows[i] : (uint32_t)i;
		model_v8fu *yr = (model_v8fu *)(y + (size_t)r * ldy);
		model_v8f a0 = { 0 }, a1 = { 0 }, a2 = { 0 }, a3 = { 0 };
		model_v8f a4 = { 0 }, a5 = { 0 }, a6 = { 0 }, a7 = { 0 };

		k = g->rowptr[r];
		k1 = g->rowptr[r + 1];
		for (; k < k1; k++) {
			const model_v8fu *xr = (const model_v8fu *)(x +
			    (size_t)g->col[k] * ldx);
			float v = g->val[k];

			fetch_ahead(g, x, ldx, k);
			a0 += v * xr[0];
			a1 += v * xr[1];
			a2 += v * xr[2];
			a3 += v * xr[3];
			a4 += v * xr[4];
			a5 += v * xr[5];
			a6 += v * xr[6];
			a7 += v * xr[7];
		}
		if (accumulate) {
			a0 += yr[0];
			a1 += yr[1];
			a2 += yr[2];
			a3 += yr[3];
			a4 += yr[4];
			a5 += yr[5];
			a6 += yr[6];
			a7 += yr[7];
		}
		yr[0] = a0;
		yr[1] = a1;
		yr[2] = a2;
		yr[3] = a3;
		yr[4] = a4;
		yr[5] = a5;
		yr[6] = a6;
		yr[7] = a7;
	}
}
#else
VERSIONS static void
spmm_block64(const struct model_graph *g, const uint32_t *rows, size_t lo,
    size_t hi, const float *restrict x, size_t ldx, float *restrict y,
    size_t ldy, int accumulate)
{
	size_t i, k, k1, c;

	for (i = lo; i < hi; i++) {
		uint32_t r = rows != NULL ? rows[i] : (uint32_t)i;
		float acc[64];
		float *yr = y + (size_t)r * ldy;

		k = g->rowptr[r];
		k1 = g->rowptr[r + 1];
		for (c = 0; c < 64; c++)
			acc[c] = 0;
		for (; k < k1; k++) {
			const float *xr = x + (size_t)g->col[k] * ldx;
			float v = g->val[k];

			fetch_ahead(g, x, ldx, k);
#pragma omp simd
			for (c = 0; c < 64; c++)
				acc[c] += v * xr[c];
		}
		if (accumulate)
			for (c = 0; c < 64; c++)
				yr[c] += acc[c];
		else
			for (c = 0; c < 64; c++)
				yr[c] = acc[c];
	}
}
#endif

/* The same for any width w <= 64. */
static void
spmm_block(const struct model_graph *g, const uint32_t *rows, size_t lo,
    size_t hi, const float *restrict x, size_t ldx, float *restrict y,
    size_t ldy, size_t w, int accumulate)
{
	size_t i, k, c;

	for (i = lo; i < hi; i++) {
		uint32_t r = rows != NULL ? rows[i] : (uint32_t)i;
		float acc[64];
		float *yr = y + (size_t)r * ldy;

		for (c = 0; c < w; c++)
			acc[c] = 0;
		for (k = g->rowptr[r]; k < g->rowptr[r + 1]; k++) {
			const float *xr = x + (size_t)g->col[k] * ldx;
			float v = g->val[k];

			for (c = 0; c < w; c++)
				acc[c] += v * xr[c];
		}
		for (c = 0; c < w; c++)
			yr[c] = accumulate ? yr[c] + acc[c] : acc[c];
	}
}

/* The product over rows [0, n) or rows[0 .. n). */
static void
spmm(const struct model_graph *g, const uint32_t *rows, size_t n,
    const float *x, size_t ldx, float *y, size_t ldy, size_t d,
    int accumulate)
{
	long nb = (long)((n + ROW_BLOCK - 1) / ROW_BLOCK), b;
	double work = (double)d * (rows == NULL ? (double)g->nnz :
	    (double)n * (double)g->nnz / (g->n ? g->n : 1));

	/* Degrees are skewed (popular items), so blocks of rows are handed
	 * out dynamically; which thread sums a row does not change its sum. */
#pragma omp parallel for schedule(dynamic, 4) if (work > 65536)
	for (b = 0; b < nb; b++) {
		size_t lo = (size_t)b * ROW_BLOCK;
		size_t hi = lo + ROW_BLOCK < n ? lo + ROW_BLOCK : n;
		size_t c0;

		for (c0 = 0; c0 < d; c0 += 64) {
			if (d - c0 >= 64)
				spmm_block64(g, rows, lo, hi, x + c0, ldx,
				    y + c0, ldy, accumulate);
			else
				spmm_block(g, rows, lo, hi, x + c0, ldx,
				    y + c0, ldy, d - c0, accumulate);
		}
	}
}

void
model_graph_spmm(const struct model_graph *g, const float *x, size_t ldx,
    float *y, size_t ldy, size_t d, int accumulate)
{
	spmm(g, NULL, g->n, x, ldx, y, ldy, d, accumulate);
}

void
model_graph_spmm_rows(const struct model_graph *g, const uint32_t *rows,
    size_t n_rows, const float *x, size_t ldx, float *y, size_t ldy,
    size_t d, int accumulate)
{
	spmm(g, rows, n_rows, x, ldx, y, ldy, d, accumulate);
}

size_t
model_graph_triple_rows(const struct model_graph *g, const uint32_t *user,
    const uint32_t *item, const uint32_t *neg, size_t n, unsigned char *mark,
    uint32_t *rows)
{
	size_t k, nr = 0;
	uint32_t r;

	for (k = 0; k < n; k++) {
		mark[user[k]] = 1;
		mark[g->n_users + item[k]] = 1;
		mark[g->n_users + neg[k]] = 1;
	}
	for (r = 0; r < g->n; r++)
		if (mark[r]) {
			rows[nr++] = r;
			mark[r] = 0;
		}
	return nr;
}

double
model_graph_spmm_bytes(const struct model_graph *g, size_t d)
{
	/* Edge indices and weights, one gathered row of X per edge, the
	 * row offsets, and each row of Y written once. */
	return (double)g->nnz * (sizeof(uint32_t) + sizeof(float) +
	    (double)d * sizeof(float)) + (double)(g->n + 1) * sizeof(size_t) +
	    (double)g->n * (double)d * sizeof(float);
}

void
model_graph_release(struct model_graph *g)
{
	free(g->rowptr);
	free(g->col);
	free(g->val);
	memset(g, 0, sizeof *g);
}
