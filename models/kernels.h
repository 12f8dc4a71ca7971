/*
 * Small dense kernels shared by the models, compiled for AVX2 (some for
 * AVX-512 too) as well as the baseline where the compiler supports
 * function versions, and picked at load time. The arithmetic is the same
 * in every version (no fused multiply-add), so results do not depend on
 * the CPU.
 */
#ifndef ECOPLAN_MODELS_KERNELS_H
#define ECOPLAN_MODELS_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "models/csr.h"
#include "models/panel.h"

/* y[0..n) += a * x[0..n) */
void model_axpy(float *restrict y, float a, const float *restrict x,
    size_t n);

/* model_axpy() with x0, x1, x2 and x3 in turn, the same sums, y read and
 * written once. */
void model_axpy4(float *restrict y, float a, const float *restrict x0,
    const float *restrict x1, const float *restrict x2,
    const float *restrict x3, size_t n);

/* y[0..n) += a * x[0..n), x widened to double: each y[i] by itself. */
void model_axpy_fd(double *restrict y, double a, const float *restrict x,
    size_t n);

/* As model_axpy_fd(), x 16-bit counts. */
void model_axpy_hd(double *restrict y, double a, const uint16_t *restrict x,
    size_t n);
/*
 * The first k in [from, n) with w[k] != 0 or q[k] - c[k] > l1, else n:
 * the coordinates that a sweep of non-negative coordinate descent may
 * change (at w[k] = 0 the update is max(q[k] - c[k] - l1, 0) / ...).
 */
size_t model_cd_next(const double *q, const double *c, const double *w,
    double l1, size_t from, size_t n);

/* y[i] = z[i] > 0 ? z[i] : 0.2 z[i] (LeakyReLU, slope 0.2), i < n. */
void model_leaky_relu(float *restrict y, const float *restrict z, size_t n);

/* g[i] *= z[i] > 0 ? 1 : 0.2 (LeakyReLU's derivative), i < n. */
void model_leaky_relu_grad(float *restrict g, const float *restrict z,
    size_t n);

/* y[i] *= keep[i] ? mul : 0 (dropout with its rescaling), i < n. */
void model_keep_scale(float *restrict y, const unsigned char *restrict keep,
    float mul, size_t n);

/* Row idx[k] of Y (rows of d) += a * x, for cnt distinct indices: as
 * model_axpy() on each row in turn. */
void model_axpy_rows(float *Y, const uint32_t *idx, size_t cnt, float a,
    const float *restrict x, size_t d);

/* out[0..d) = sum over k of W[idx[k] * d .. + d), for cnt indices. */
void model_sum_rows(float *restrict out, const float *restrict W,
    const uint32_t *idx, size_t cnt, size_t d);

/*
 * As model_sum_rows(), the rows ld apart: out[0..d) = sum over k of
 * W[idx[k] * ld .. + d), starting from zero and adding in the order of
 * idx, lane by lane. A panel of d columns of a wider table.
 */
void model_sum_rows_ld(float *restrict out, const float *restrict W,
    size_t ld, const uint32_t *idx, size_t cnt, size_t d);

/*
 * The sum of squares, in double, of the rows idx[0..n) of x (row r at
 * x + r * ld, w values; repeated rows count again): eight running sums,
 * lane l taking the columns c with c % 8 == l, added pairwise at the
 * end. The order is fixed, so the result does not depend on the CPU.
 */
double model_rows_sumsq(const float *x, size_t ld, size_t w,
    const uint32_t *idx, size_t n);

/* sum x[i] * y[i] in float, in index order. */
float model_dot(const float *restrict x, const float *restrict y, size_t n);

/* First index k in the sorted a[0..n) with a[k] >= key. */
size_t model_lower_bound(const uint32_t *a, size_t n, uint32_t key);

/*
 * Scores users against all ni items with a sparse item-item model W
 * (rows rowptr/col/val, one row per item, may be NULL before fitting):
 * out[b] = sum of the rows of W of user b's training items (in x).
 */
void model_item_rows_score(const struct model_csr *x, const size_t *rowptr,
    const uint32_t *col, const float *val, const uint32_t *users, size_t n,
    size_t ni, float *out);

/*
 * RecBole's BPR loss on final user rows U and item rows V (width w) for
 * a batch of n (user, pos, neg) triples: returns the sum over the batch
 * of -log(1e-10 + sigmoid(u . (i - j))). With GU and GV (the gradient
 * rows of the users and of the items) not NULL, adds to them the
 * gradient of that sum times scale, times gscale.
 */
double model_bpr_pairs(const float *U, const float *V, size_t w,
    const uint32_t *user, const uint32_t *pos, const uint32_t *neg,
    size_t n, double scale, float gscale, float *GU, float *GV);

/* Below this many users, model_rows_score() scores row by row. */
#define MODEL_GEMV_MAX 4

/*
 * out[j][i] = A[j] . V[i] for n dense rows A (n x w) and the ni rows of
 * V: row by row below a few rows (a request; an FMA kernel where the CPU
 * has one, else SGEMV), else by model_panel_score() where pn (or NULL)
 * holds V packed, else one SGEMM.
 */
void model_rows_score(const struct model_panel *pn, const float *A,
    size_t w, size_t n, const float *V, size_t ni, float *out);

/*
 * Whether model_rows_score() scores a single row of width w with this
 * file's own kernel (AVX2 and FMA, w a multiple of 8), whose scores
 * model_request_score() reproduces one at a time; SGEMV's cannot be.
 */
int model_request_exact(size_t w);

/*
 * Where model_request_exact(w): the score, bit for bit, that
 * model_rows_score(pn, x, w, 1, V, ni, out) writes to out[i].
 */
float model_request_score(const float *V, size_t ni, size_t w, const float *x,
    size_t i);

/*
 * Dot-product scores: out (n x ni, row-major) = the rows users[0..n) of
 * the user table U (width w) times the ni rows of the item table V: by
 * model_panel_score() where pn (or NULL) holds V packed and there are
 * MODEL_GEMV_MAX users or more, else by model_rows_score(). Thread-safe
 * (BLAS must be single-threaded in parallel callers).
 */
void model_dot_score(const struct model_panel *pn, const float *U,
    const float *V, size_t w, const uint32_t *users, size_t n, size_t ni,
    float *out);

/*
 * Offers item i with score x to a top-k list (ts/ti, descending, *cnt
 * entries so far). A strictly greater score is needed to enter the list
 * or move up, so that among equal scores the item offered first (the
 * lower id, when items are offered in order) stays ahead.
 */
static inline void
model_topk_offer(float *ts, uint32_t *ti, int *cnt, int k, float x,
    uint32_t i)
{
	int p;

	if (*cnt < k)
		p = (*cnt)++;
	else if (x > ts[k - 1])
		p = k - 1;
	else
		return;
	while (p > 0 && ts[p - 1] < x) {
		ts[p] = ts[p - 1];
		ti[p] = ti[p - 1];
		p--;
	}
	ts[p] = x;
	ti[p] = i;
}

/*
 * Offers row[0..n), in index order, to a top-k list as above: every
 * score above -inf; a NaN is skipped, or with nan_low written back to
 * row as -FLT_MAX and offered. Most scores cost one vector compare
 * against the list's last score; with AVX-512, a long row without NaN
 * is first read for a floor that at least k of its scores reach, and
 * only scores at or above it are offered (the same list). k < 1 offers
 * nothing.
 */
void model_topk_scan(float *row, size_t n, int k, float *ts, uint32_t *ti,
    int *cnt, int nan_low);

#endif
