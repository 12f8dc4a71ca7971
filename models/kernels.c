/*
 * Dense kernels for the models.
 */
#include <cblas.h>
#include <float.h>
#include <math.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif
/* The top-k scan's AVX2 and AVX-512 versions (tests/test_kernels_*.c
 * build without them: the code other CPUs run). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(TOPK_SCALAR_ONLY)
#define HAVE_TOPK_AVX2 1
#if !defined(TOPK_NO_AVX512)
#define HAVE_TOPK_AVX512 1
#endif
#endif
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "models/kernels.h"
#include "models/vmath.h"
#include "core/banned.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define VERSIONS __attribute__((target_clones("avx2", "default")))
/* For loops of independent elements that are bound by the L1 and L2:
 * twice the lanes again, the same arithmetic (no FMA either). */
#define VERSIONS512 \
	__attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define VERSIONS
#define VERSIONS512
#endif

VERSIONS void
model_axpy(float *restrict y, float a, const float *restrict x, size_t n)
{
	size_t i;

#pragma omp simd
	for (i = 0; i < n; i++)
		y[i] += a * x[i];
}

VERSIONS512 void
model_axpy4(float *restrict y, float a, const float *restrict x0,
    const float *restrict x1, const float *restrict x2,
    const float *restrict x3, size_t n)
{
	size_t i;

#pragma omp simd
	for (i = 0; i < n; i++) {
		float t = y[i];

		t += a * x0[i];
		t += a * x1[i];
		t += a * x2[i];
		t += a * x3[i];
		y[i] = t;
	}
}

VERSIONS512 void
model_axpy_hd(double *restrict y, double a, const uint16_t *restrict x,
    size_t n)
{
	size_t i;

#pragma omp simd
	for (i = 0; i < n; i++)
		y[i] += a * (double)x[i];
}

VERSIONS512 void
model_axpy_fd(double *restrict y, double a, const float *restrict x,
    size_t n)
{
	size_t i;

#pragma omp simd
	for (i = 0; i < n; i++)
		y[i] += a * (double)x[i];
}

VERSIONS512 size_t
model_cd_next(const double *q, const double *c, const double *w,
    double l1, size_t from, size_t n)
{
	size_t k = from, i;

	/* Eight at a time, in vector compares, to the first block that
	 * holds one; then one at a time. */
	for (; k + 8 <= n; k += 8) {
		int any = 0;

#pragma omp simd reduction(|:any)
		for (i = 0; i < 8; i++)
			any |= (w[k + i] != 0) | (q[k + i] - c[k + i] > l1);
		if (any)
			break;
	}
	for (; k < n; k++)
		if (w[k] != 0 || q[k] - c[k] > l1)
			return k;
	return n;
}

/*
 * The element-wise steps of NGCF's layers. They were vectorised at the
 * baseline's four lanes only, with byte-to-float widening that cost
 * about ten instructions an element; each element's arithmetic is the
 * same in every version.
 */
VERSIONS void
model_leaky_relu(float *restrict y, const float *restrict z, size_t n)
{
	size_t i;

#pragma omp simd
	for (i = 0; i < n; i++)
		y[i] = z[i] > 0 ? z[i] : 0.2f * z[i];
}

VERSIONS void
model_leaky_relu_grad(float *restrict g, const float *restrict z, size_t n)
{
	size_t i;

#pragma omp simd
	for (i = 0; i < n; i++)
		g[i] *= z[i] > 0 ? 1.0f : 0.2f;
}

VERSIONS void
model_keep_scale(float *restrict y, const unsigned char *restrict keep,
    float mul, size_t n)
{
	size_t i;

#pragma omp simd
	for (i = 0; i < n; i++)
		y[i] *= keep[i] ? mul : 0.0f;
}

VERSIONS void
model_axpy_rows(float *Y, const uint32_t *idx, size_t cnt, float a,
    const float *restrict x, size_t d)
{
	size_t k, c;

#if defined(__GNUC__)
	/* At width 64 the product a x is formed once, in eight vector
	 * registers, and each row is a load, an add and a store of eight
	 * vectors (one call a row cost about 66 instructions). */
	if (d == 64) {
		model_v8f p0, p1, p2, p3, p4, p5, p6, p7;
		const model_v8fu *xv = (const model_v8fu *)x;

		p0 = a * xv[0];
		p1 = a * xv[1];
		p2 = a * xv[2];
		p3 = a * xv[3];
		p4 = a * xv[4];
		p5 = a * xv[5];
		p6 = a * xv[6];
		p7 = a * xv[7];
		for (k = 0; k < cnt; k++) {
			model_v8fu *y = (model_v8fu *)(Y + (size_t)idx[k] * 64);

			y[0] += p0;
			y[1] += p1;
			y[2] += p2;
			y[3] += p3;
			y[4] += p4;
			y[5] += p5;
			y[6] += p6;
			y[7] += p7;
		}
		return;
	}
#endif
	for (k = 0; k < cnt; k++) {
		float *restrict y = Y + (size_t)idx[k] * d;

#pragma omp simd
		for (c = 0; c < d; c++)
			y[c] += a * x[c];
	}
}

/*
 * Rows ahead that model_sum_rows_ld() asks the cache for: EASE gathers
 * quarter-KiB pieces of a 55 MB table that no hardware prefetcher can
 * guess (8 to 32 were within the noise of each other, 16 the best by
 * a little; bench/RESULTS.md, optimisation 55).
 */
#define SUM_ROWS_AHEAD 16

VERSIONS void
model_sum_rows_ld(float *restrict out, const float *restrict W,
    size_t ld, const uint32_t *idx, size_t cnt, size_t d)
{
	size_t k, c;

#if defined(__GNUC__)
	/* At width 64 the sum is held in eight vector registers: summed
	 * in out, each row waited for the store of the one before. The
	 * same additions in the same order. The row SUM_ROWS_AHEAD on is
	 * fetched meanwhile. */
	if (d == 64) {
		model_v8f a0 = { 0 }, a1 = { 0 }, a2 = { 0 }, a3 = { 0 };
		model_v8f a4 = { 0 }, a5 = { 0 }, a6 = { 0 }, a7 = { 0 };
		model_v8fu *o = (model_v8fu *)out;

		for (k = 0; k < cnt; k++) {
			const model_v8fu *w = (const model_v8fu *)(W +
			    (size_t)idx[k] * ld);

			if (k + SUM_ROWS_AHEAD < cnt) {
				const char *f = (const char *)(W +
				    (size_t)idx[k + SUM_ROWS_AHEAD] *
				    ld);

				__builtin_prefetch(f);
				__builtin_prefetch(f + 64);
				__builtin_prefetch(f + 128);
				__builtin_prefetch(f + 192);
			}
			a0 += w[0];
			a1 += w[1];
			a2 += w[2];
			a3 += w[3];
			a4 += w[4];
			a5 += w[5];
			a6 += w[6];
			a7 += w[7];
		}
		o[0] = a0;
		o[1] = a1;
		o[2] = a2;
		o[3] = a3;
		o[4] = a4;
		o[5] = a5;
		o[6] = a6;
		o[7] = a7;
		return;
	}
#endif
	memset(out, 0, d * sizeof *out);
	for (k = 0; k < cnt; k++) {
		const float *w = W + (size_t)idx[k] * ld;

#pragma omp simd
		for (c = 0; c < d; c++)
			out[c] += w[c];
	}
}

void
model_sum_rows(float *restrict out, const float *restrict W,
    const uint32_t *idx, size_t cnt, size_t d)
{
	model_sum_rows_ld(out, W, d, idx, cnt, d);
}

VERSIONS double
model_rows_sumsq(const float *x, size_t ld, size_t w, const uint32_t *idx,
    size_t n)
{
	double a[8] = { 0, 0, 0, 0, 0, 0, 0, 0 };
	size_t k, c, l;

	/* One running sum was a chain of dependent additions (about 2 ms
	 * a batch for NGCF on ML-1M); eight lanes vectorise. */
	for (k = 0; k < n; k++) {
		const float *r = x + (size_t)idx[k] * ld;

		for (c = 0; c + 8 <= w; c += 8) {
#pragma omp simd
			for (l = 0; l < 8; l++)
				a[l] += (double)r[c + l] * (double)r[c + l];
		}
		for (l = 0; c < w; c++, l++)
			a[l] += (double)r[c] * (double)r[c];
	}
	return ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
}

float
model_dot(const float *restrict x, const float *restrict y, size_t n)
{
	float s = 0;
	size_t i;

	/* Sequential on purpose: the order of a float sum is part of the
	 * result, and callers rely on it being fixed. */
	for (i = 0; i < n; i++)
		s += x[i] * y[i];
	return s;
}

size_t
model_lower_bound(const uint32_t *a, size_t n, uint32_t key)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (a[mid] < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void
model_item_rows_score(const struct model_csr *x, const size_t *rowptr,
    const uint32_t *col, const float *val, const uint32_t *users, size_t n,
    size_t ni, float *out)
{
	size_t b, q, p;

	for (b = 0; b < n; b++) {
		float *restrict o = out + b * ni;
		uint32_t u = users[b];

		memset(o, 0, ni * sizeof *o);
		if (rowptr == NULL)
			continue;
		for (q = x->rowptr[u]; q < x->rowptr[u + 1]; q++) {
			uint32_t i = x->col[q];

			for (p = rowptr[i]; p < rowptr[i + 1]; p++)
				o[col[p]] += val[p];
		}
	}
}

VERSIONS double
model_bpr_pairs(const float *U, const float *V, size_t w,
    const uint32_t *user, const uint32_t *pos, const uint32_t *neg,
    size_t n, double scale, float gscale, float *GU, float *GV)
{
	double loss = 0;
	size_t k, c;

	for (k = 0; k < n; k++) {
		const float *pu = U + (size_t)user[k] * w;
		const float *qi = V + (size_t)pos[k] * w;
		const float *qj = V + (size_t)neg[k] * w;
		float x = 0, s, cf, *gu, *gi, *gj;

		/* In vector lanes: partial sums, added at the end. */
#pragma omp simd reduction(+:x)
		for (c = 0; c < w; c++)
			x += pu[c] * (qi[c] - qj[c]);
		s = 1.0f / (1.0f + expf(-x));
		loss += -log(1e-10 + (double)s);
		if (GU == NULL)
			continue;
		/* d/dx -log(eps + s(x)) = -s(x)(1 - s(x)) / (eps + s(x)). */
		cf = (float)(-(double)s * (1 - (double)s) /
		    (1e-10 + (double)s) * scale) * gscale;
		gu = GU + (size_t)user[k] * w;
		gi = GV + (size_t)pos[k] * w;
		gj = GV + (size_t)neg[k] * w;
		/* The rows are each other or disjoint (gi is gj where the
		 * negative is the positive): lane c touches element c only,
		 * in the order of the statements, as one at a time. */
#pragma omp simd
		for (c = 0; c < w; c++) {
			gu[c] += cf * (qi[c] - qj[c]);
			gi[c] += cf * pu[c];
			gj[c] -= cf * pu[c];
		}
	}
	return loss;
}

#if defined(__x86_64__) && defined(__GNUC__)
#define HAVE_GEMV_FMA 1
/*
 * out[i] = V[i] . x for the ni rows of V (width w, a multiple of 8):
 * four rows a pass over x, in fused multiply-adds. A request's scoring
 * streams the whole item table from the cache once; this reads it about
 * 1.2 to 1.4 times as fast as OpenBLAS's SGEMV here (bench/RESULTS.md,
 * optimisation 7).
 */
__attribute__((target("avx2,fma")))
static void
gemv_rows_fma(const float *V, size_t ni, size_t w, const float *x,
    float *out)
{
	size_t i, k;

	for (i = 0; i + 4 <= ni; i += 4) {
		const float *a = V + i * w, *b = a + w, *c = b + w, *d = c + w;
		__m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
		__m256 h;
		__m128 r;

		for (k = 0; k < w; k += 8) {
			__m256 xv = _mm256_loadu_ps(x + k);

			s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + k), xv, s0);
			s1 = _mm256_fmadd_ps(_mm256_loadu_ps(b + k), xv, s1);
			s2 = _mm256_fmadd_ps(_mm256_loadu_ps(c + k), xv, s2);
			s3 = _mm256_fmadd_ps(_mm256_loadu_ps(d + k), xv, s3);
		}
		h = _mm256_hadd_ps(_mm256_hadd_ps(s0, s1),
		    _mm256_hadd_ps(s2, s3));
		r = _mm_add_ps(_mm256_castps256_ps128(h),
		    _mm256_extractf128_ps(h, 1));
		_mm_storeu_ps(out + i, r);
	}
	for (; i < ni; i++) {
		const float *a = V + i * w;
		__m256 s0 = _mm256_setzero_ps();
		__m128 r;

		for (k = 0; k < w; k += 8)
			s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + k),
			    _mm256_loadu_ps(x + k), s0);
		r = _mm_add_ps(_mm256_castps256_ps128(s0),
		    _mm256_extractf128_ps(s0, 1));
		r = _mm_hadd_ps(r, r);
		r = _mm_hadd_ps(r, r);
		out[i] = _mm_cvtss_f32(r);
	}
}
#endif

int
model_request_exact(size_t w)
{
#ifdef HAVE_GEMV_FMA
	return w % 8 == 0 && __builtin_cpu_supports("avx2") &&
	    __builtin_cpu_supports("fma");
#else
	(void)w;
	return 0;
#endif
}

#ifdef HAVE_GEMV_FMA
/* Row i alone, added up the way gemv_rows_fma() adds it up there. */
__attribute__((target("avx2,fma")))
static float
gemv_row_fma(const float *V, size_t ni, size_t w, const float *x, size_t i)
{
	const float *a = V + i * w;
	__m256 s0 = _mm256_setzero_ps();
	float l[8];
	size_t k;

	for (k = 0; k < w; k += 8)
		s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + k),
		    _mm256_loadu_ps(x + k), s0);
	_mm256_storeu_ps(l, s0);
	/* A group of four: two horizontal adds, then the halves. */
	if (i < ni - ni % 4)
		return ((l[0] + l[1]) + (l[2] + l[3])) +
		    ((l[4] + l[5]) + (l[6] + l[7]));
	/* The tail: the halves, then two horizontal adds. */
	return ((l[0] + l[4]) + (l[1] + l[5])) + ((l[2] + l[6]) +
	    (l[3] + l[7]));
}
#endif

float
model_request_score(const float *V, size_t ni, size_t w, const float *x,
    size_t i)
{
#ifdef HAVE_GEMV_FMA
	return gemv_row_fma(V, ni, w, x, i);
#else
	(void)V;
	(void)ni;
	(void)w;
	(void)x;
	(void)i;
	return NAN;
#endif
}

/* One row of scores: out[i] = V[i] . x. */
static void
gemv_rows(const float *V, size_t ni, size_t w, const float *x, float *out)
{
#ifdef HAVE_GEMV_FMA
	if (model_request_exact(w)) {
		gemv_rows_fma(V, ni, w, x, out);
		return;
	}
#endif
	cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)ni, (int)w, 1.0f, V,
	    (int)w, x, 1, 0.0f, out, 1);
}

void
model_rows_score(const struct model_panel *pn, const float *A, size_t w,
    size_t n, const float *V, size_t ni, float *out)
{
	size_t j;

	/*
	 * A few users (a single request): one matrix-vector product each.
	 * SGEMM would pack the whole item table first, which cost about
	 * two thirds of a one-user request (callgrind, ML-1M shape).
	 */
	if (n < MODEL_GEMV_MAX) {
		for (j = 0; j < n; j++)
			gemv_rows(V, ni, w, A + j * w, out + j * ni);
		return;
	}
	if (model_panel_holds(pn, V, ni, w)) {
		model_panel_score(pn, A, NULL, n, out);
		return;
	}
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)ni,
	    (int)w, 1.0f, A, (int)w, V, (int)w, 0.0f, out, (int)ni);
}

void
model_dot_score(const struct model_panel *pn, const float *U,
    const float *V, size_t w, const uint32_t *users, size_t n, size_t ni,
    float *out)
{
	float *a;
	size_t j;

	if (n >= MODEL_GEMV_MAX && model_panel_holds(pn, V, ni, w)) {
		model_panel_score(pn, U, users, n, out);
		return;
	}
	if (n < MODEL_GEMV_MAX) {
		for (j = 0; j < n; j++)
			model_rows_score(NULL, U + (size_t)users[j] * w, w, 1,
			    V, ni, out + j * ni);
		return;
	}
	a = ep_xmalloc(n * w * sizeof *a);
	for (j = 0; j < n; j++)
		memcpy(a + j * w, U + (size_t)users[j] * w, w * sizeof *a);
	model_rows_score(NULL, a, w, n, V, ni, out);
	free(a);
}

/*
 * Offers row[i] as model_topk_scan() does: NaN skipped, or written back
 * as -FLT_MAX and offered with nan_low; -inf never offered.
 */
static inline void
offer_one(float *row, size_t i, int k, float *ts, uint32_t *ti, int *cnt,
    int nan_low)
{
	float x = row[i];

	if (x != x) {
		if (!nan_low)
			return;
		row[i] = x = -FLT_MAX;
	}
	if (x > -INFINITY)
		model_topk_offer(ts, ti, cnt, k, x, (uint32_t)i);
}

/*
 * A floor for a list of the k best of row[0..n): the k-th largest of
 * the maxima of the row's 64 interleaved parts (items i with i % 64 =
 * l), so that at least k distinct items score at or above it and no
 * item below it can enter the list. -inf where it says nothing: a row
 * too short to pay for the pass, k past 64, or a NaN in the row (whose
 * writing back is the plain scan's). In a row in random order, the
 * scan then offers 23.5 items on average for k = 20 in rows of 3,706
 * normal scores, and 95 for k = 50, where it offered about 124 and 265
 * before its list's threshold rose. For AVX-512's scan of k > 16 (k <=
 * 16 has scan_floor16_avx512()).
 */
#define FLOOR_LANES 64

static inline __attribute__((always_inline)) float
scan_floor(const float *row, size_t n, int k)
{
	float m[FLOOR_LANES], v = -INFINITY, below;
	int nan[FLOOR_LANES], any = 0, c;
	size_t i, l;

	if (k > FLOOR_LANES || n < (size_t)16 * FLOOR_LANES ||
	    n < (size_t)16 * (size_t)k)
		return -INFINITY;
	for (l = 0; l < FLOOR_LANES; l++) {
		m[l] = -INFINITY;
		nan[l] = 0;
	}
	for (i = 0; i + FLOOR_LANES <= n; i += FLOOR_LANES)
#pragma omp simd
		for (l = 0; l < FLOOR_LANES; l++) {
			float x = row[i + l];

			m[l] = x > m[l] ? x : m[l];
			nan[l] |= x != x;
		}
	for (l = 0; i + l < n; l++) {
		float x = row[i + l];

		m[l] = x > m[l] ? x : m[l];
		nan[l] |= x != x;
	}
#pragma omp simd reduction(|:any)
	for (l = 0; l < FLOOR_LANES; l++)
		any |= nan[l];
	if (any)
		return -INFINITY;
	/* The largest maximum, then the next below it, until k maxima
	 * are at or above it (repeats count each). */
#pragma omp simd reduction(max:v)
	for (l = 0; l < FLOOR_LANES; l++)
		v = m[l] > v ? m[l] : v;
	for (;;) {
		c = 0;
#pragma omp simd reduction(+:c)
		for (l = 0; l < FLOOR_LANES; l++)
			c += m[l] >= v;
		if (c >= k || v == -INFINITY)
			return v;
		below = -INFINITY;
#pragma omp simd reduction(max:below)
		for (l = 0; l < FLOOR_LANES; l++)
			below = m[l] < v && m[l] > below ? m[l] : below;
		v = below;
	}
}

/* No floor: where the vectors are narrower than AVX-512's, the pass
 * that finds one costs more than the entries it saves. */
static inline float
no_floor(const float *row, size_t n, int k)
{
	(void)row;
	(void)n;
	(void)k;
	return -INFINITY;
}

/*
 * Offers, from block i on, the scores at or above the floor f, until
 * the list is full (the rest of the block that fills it included,
 * which offer_one() sifts by the list's own threshold); *at is left at
 * the next block. There is no NaN in the row (scan_floor()).
 */
static inline __attribute__((always_inline)) void
fill_above_floor(float *row, size_t n, size_t *at, int k, float *ts,
    uint32_t *ti, int *cnt, float f)
{
	size_t i = *at, j;

	for (; i < n && *cnt < k; i += 16) {
		size_t m = n - i < 16 ? n - i : 16;
		unsigned bits = 0;

#pragma omp simd reduction(|:bits)
		for (j = 0; j < m; j++)
			bits |= (unsigned)(row[i + j] >= f) << j;
		for (; bits != 0; bits &= bits - 1)
			offer_one(row, i + (size_t)__builtin_ctz(bits), k, ts,
			    ti, cnt, 0);
	}
	*at = i < n ? i : n;
}

/* Bits of x[0..16) that are not at or below thr: above it, or NaN. */
static inline unsigned
above16_scalar(const float *x, float thr)
{
	unsigned any = 0, bits = 0;
	size_t j;

#pragma omp simd reduction(|:any)
	for (j = 0; j < 16; j++)
		any |= !(x[j] <= thr);
	if (!any)
		return 0;
#pragma omp simd reduction(|:bits)
	for (j = 0; j < 16; j++)
		bits |= (unsigned)!(x[j] <= thr) << j;
	return bits;
}

/*
 * Once the list is full, a score enters only above the last one kept:
 * the scan tests blocks of 16 scores against that threshold, and offers
 * only the scores a block's mask flags, in order (model_topk_offer()
 * turns away those that a rise of the threshold within the block has
 * left below it). A request's top-10 then costs a vector compare a
 * score instead of a call. The AVX2 version takes the mask in two
 * compares and two movemasks, where gcc's vectorised loop spent most
 * of the scan's time reducing sixteen lanes.
 */
#define SCAN_BODY(above, floor_of)					\
	do {								\
		float f_ = *cnt < k ? floor_of(row, n, k) : -INFINITY;	\
									\
		if (f_ > -INFINITY)					\
			fill_above_floor(row, n, &i, k, ts, ti, cnt, f_); \
		for (; i < n && *cnt < k; i++)				\
			offer_one(row, i, k, ts, ti, cnt, nan_low);	\
		for (; i + 16 <= n; i += 16) {				\
			unsigned bits = above(row + i, ts[k - 1]);	\
									\
			for (; bits != 0; bits &= bits - 1)		\
				offer_one(row, i + (size_t)		\
				    __builtin_ctz(bits), k, ts, ti,	\
				    cnt, nan_low);			\
		}							\
		for (; i < n; i++)					\
			offer_one(row, i, k, ts, ti, cnt, nan_low);	\
	} while (0)

static void
scan_scalar(float *row, size_t n, int k, float *ts, uint32_t *ti,
    int *cnt, int nan_low)
{
	size_t i = 0;

	SCAN_BODY(above16_scalar, no_floor);
}

#ifdef HAVE_TOPK_AVX2
__attribute__((target("avx2"), always_inline))
static inline unsigned
above16_avx2(const float *x, float thr)
{
	const __m256 t = _mm256_set1_ps(thr);

	return (unsigned)_mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(x),
	    t, _CMP_NLE_UQ)) | (unsigned)_mm256_movemask_ps(_mm256_cmp_ps(
	    _mm256_loadu_ps(x + 8), t, _CMP_NLE_UQ)) << 8;
}

__attribute__((target("avx2")))
static void
scan_avx2(float *row, size_t n, int k, float *ts, uint32_t *ti, int *cnt,
    int nan_low)
{
	size_t i = 0;

	SCAN_BODY(above16_avx2, no_floor);
}
#endif

#ifdef HAVE_TOPK_AVX512
__attribute__((target("avx512f"), always_inline))
static inline uint64_t
above64_avx512(const float *x, float thr)
{
	const __m512 t = _mm512_set1_ps(thr);

	return (uint64_t)_mm512_cmp_ps_mask(_mm512_loadu_ps(x), t,
	    _CMP_NLE_UQ) |
	    (uint64_t)_mm512_cmp_ps_mask(_mm512_loadu_ps(x + 16), t,
	    _CMP_NLE_UQ) << 16 |
	    (uint64_t)_mm512_cmp_ps_mask(_mm512_loadu_ps(x + 32), t,
	    _CMP_NLE_UQ) << 32 |
	    (uint64_t)_mm512_cmp_ps_mask(_mm512_loadu_ps(x + 48), t,
	    _CMP_NLE_UQ) << 48;
}

__attribute__((target("avx512f"), always_inline))
static inline unsigned
above16_avx512(const float *x, float thr)
{
	return _mm512_cmp_ps_mask(_mm512_loadu_ps(x), _mm512_set1_ps(thr),
	    _CMP_NLE_UQ);
}

/* The same for the m < 64 scores x[0..m). */
__attribute__((target("avx512f"), always_inline))
static inline uint64_t
above_tail_avx512(const float *x, size_t m, float thr)
{
	const __m512 t = _mm512_set1_ps(thr);
	uint64_t bits = 0;
	size_t g;

	for (g = 0; g < m; g += 16) {
		__mmask16 in = m - g >= 16 ? 0xffff :
		    (__mmask16)((1u << (m - g)) - 1);

		bits |= (uint64_t)_mm512_mask_cmp_ps_mask(in,
		    _mm512_maskz_loadu_ps(in, x + g), t, _CMP_NLE_UQ) << g;
	}
	return bits;
}

/*
 * scan_floor() for k <= 16 from 16 interleaved parts (items i with i %
 * 16 = l), whose maxima are four vectors' lane by lane: the k-th largest
 * of the 16 is the least of those that fewer than k others exceed, each
 * lane's count taken against the 15 rotations of the vector. 14.5 items
 * on average reach it for k = 10 in rows of 3,706 normal scores, which
 * the scan offered 69 of before its threshold rose (10.8 from 64 parts,
 * for many times the selection's cost).
 */
__attribute__((target("avx512f")))
static float
scan_floor16_avx512(const float *row, size_t n, int k)
{
	const __m512 ninf = _mm512_set1_ps(-INFINITY);
	const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
	    10, 11, 12, 13, 14, 15);
	__m512 m0 = ninf, m1 = ninf, m2 = ninf, m3 = ninf, m;
	__m512i rank = _mm512_setzero_si512();
	__mmask16 nan = 0;
	size_t i;
	int r;

	if (n < (size_t)16 * FLOOR_LANES || n < (size_t)16 * (size_t)k)
		return -INFINITY;
	for (i = 0; i + 64 <= n; i += 64) {
		__m512 y0 = _mm512_loadu_ps(row + i);
		__m512 y1 = _mm512_loadu_ps(row + i + 16);
		__m512 y2 = _mm512_loadu_ps(row + i + 32);
		__m512 y3 = _mm512_loadu_ps(row + i + 48);

		/* A NaN in y is passed over (max returns its second
		 * operand), and flagged. */
		nan |= _mm512_cmp_ps_mask(y0, y1, _CMP_UNORD_Q) |
		    _mm512_cmp_ps_mask(y2, y3, _CMP_UNORD_Q);
		m0 = _mm512_max_ps(y0, m0);
		m1 = _mm512_max_ps(y1, m1);
		m2 = _mm512_max_ps(y2, m2);
		m3 = _mm512_max_ps(y3, m3);
	}
	for (; i < n; i += 16) {
		__mmask16 in = n - i >= 16 ? 0xffff :
		    (__mmask16)((1u << (n - i)) - 1);
		__m512 y = _mm512_mask_loadu_ps(ninf, in, row + i);

		nan |= _mm512_cmp_ps_mask(y, y, _CMP_UNORD_Q);
		m0 = _mm512_max_ps(y, m0);
	}
	if (nan != 0)
		return -INFINITY;
	m = _mm512_max_ps(_mm512_max_ps(m0, m1), _mm512_max_ps(m2, m3));
	for (r = 1; r < 16; r++) {
		__m512 o = _mm512_permutexvar_ps(_mm512_and_si512(
		    _mm512_add_epi32(lane, _mm512_set1_epi32(r)),
		    _mm512_set1_epi32(15)), m);

		rank = _mm512_mask_add_epi32(rank, _mm512_cmp_ps_mask(o, m,
		    _CMP_GT_OQ), rank, _mm512_set1_epi32(1));
	}
	return _mm512_mask_reduce_min_ps(_mm512_cmp_epi32_mask(rank,
	    _mm512_set1_epi32(k), _MM_CMPINT_LT), m);
}

/*
 * The list of up to 16 kept in two registers, T (scores) and X (items),
 * with lanes past k unused: x goes in after the p scores at or above
 * it, by one expand of each register, and the threshold is lane k - 1
 * broadcast. In a block that flags scores, the mask is taken again
 * after each entry, so that no score the new threshold turns away is
 * looked at. The same list as model_topk_offer() keeps, without its
 * branches. The list may start short (*cnt < k, the empty lanes -inf),
 * with a floor, bottom, under the threshold (scan_floor16_avx512(): at
 * least k scores reach it, so the list fills): only scores at or above
 * it are flagged.
 */
__attribute__((target("avx512f")))
static void
scan_avx512_reg(float *row, size_t i, size_t n, int k, float *ts,
    uint32_t *ti, int *cnt, float bottom, int nan_low)
{
	const __mmask16 kk = (__mmask16)((1u << k) - 1);
	const __mmask16 have = (__mmask16)((1u << *cnt) - 1);
	const __m512i last = _mm512_set1_epi32(k - 1);
	/* Flagged: above the largest float below the floor. */
	const __m512 under = _mm512_set1_ps(nextafterf(bottom, -INFINITY));
	__m512 T = _mm512_mask_loadu_ps(_mm512_set1_ps(-INFINITY), have, ts);
	__m512i X = _mm512_maskz_loadu_epi32(have, ti);
	__m512 thr;

	thr = _mm512_max_ps(_mm512_permutexvar_ps(last, T), under);
	for (; i < n; i += 64) {
		uint64_t bits, done = 0;

		if (i + 64 <= n)
			bits = above64_avx512(row + i, _mm512_cvtss_f32(thr));
		else
			bits = above_tail_avx512(row + i, n - i,
			    _mm512_cvtss_f32(thr));
		while ((bits &= ~done) != 0) {
			unsigned b = (unsigned)__builtin_ctzll(bits), p;
			float x = row[i + b];
			__mmask16 at;

			done = (2ull << b) - 1;
			if (x != x) {
				if (!nan_low)
					continue;
				row[i + b] = x = -FLT_MAX;
				if (!(x > _mm512_cvtss_f32(thr)))
					continue;
			}
			p = (unsigned)__builtin_popcount(
			    _mm512_mask_cmp_ps_mask(kk, T, _mm512_set1_ps(x),
			    _CMP_GE_OQ));
			at = (__mmask16)~(1u << p);
			T = _mm512_mask_expand_ps(_mm512_set1_ps(x), at, T);
			X = _mm512_mask_expand_epi32(_mm512_set1_epi32(
			    (int)(i + b)), at, X);
			thr = _mm512_max_ps(_mm512_permutexvar_ps(last, T),
			    under);
			if (i + 64 <= n)
				bits = above64_avx512(row + i,
				    _mm512_cvtss_f32(thr));
			else
				bits = above_tail_avx512(row + i, n - i,
				    _mm512_cvtss_f32(thr));
		}
	}
	/* Entries are above -inf; the lanes still -inf are empty. */
	*cnt = __builtin_popcount(_mm512_mask_cmp_ps_mask(kk, T,
	    _mm512_set1_ps(-INFINITY), _CMP_GT_OQ));
	_mm512_mask_storeu_ps(ts, kk, T);
	_mm512_mask_storeu_epi32(ti, kk, X);
}

__attribute__((target("avx512f")))
static void
scan_avx512(float *row, size_t n, int k, float *ts, uint32_t *ti,
    int *cnt, int nan_low)
{
	size_t i = 0;

	if (k <= 16) {
		/* (Below 4 the list's few entries cost less than the
		 * floor.) */
		float f = *cnt < k && k >= 4 ? scan_floor16_avx512(row, n,
		    k) : -INFINITY;

		/* Without a floor, the list fills score by score. */
		if (f == -INFINITY)
			for (; i < n && *cnt < k; i++)
				offer_one(row, i, k, ts, ti, cnt, nan_low);
		if (i < n)
			scan_avx512_reg(row, i, n, k, ts, ti, cnt, f,
			    nan_low);
		return;
	}
	SCAN_BODY(above16_avx512, scan_floor);
}
#endif

void
model_topk_scan(float *row, size_t n, int k, float *ts, uint32_t *ti,
    int *cnt, int nan_low)
{
	if (k < 1)
		return;
#ifdef HAVE_TOPK_AVX512
	if (__builtin_cpu_supports("avx512f")) {
		scan_avx512(row, n, k, ts, ti, cnt, nan_low);
		return;
	}
#endif
#ifdef HAVE_TOPK_AVX2
	if (__builtin_cpu_supports("avx2")) {
		scan_avx2(row, n, k, ts, ti, cnt, nan_low);
		return;
	}
#endif
	scan_scalar(row, n, k, ts, ti, cnt, nan_low);
}
