/*
 * Screening requests with a bfloat16 item table (models/screen.h).
 *
 * The bound: the request kernel (models/kernels.c) adds w products in a
 * tree of depth at most w, so its score e of a row v differs from x . v
 * by at most g |x| |v|, g = w u / (1 - w u), u = 2^-24 (each product
 * and sum rounded once; Cauchy-Schwarz bounds the sum of |x_k v_k|).
 * The screened score s of the rounded row h is as close to x . h, and
 * |x . h - x . v| <= |x| |h - v|. So |e - s| <= |x| E with
 * E = max over rows of |h - v| + g (|v| + |h|), computed once in double.
 * Every item of the exact top k then has s >= (the k-th best s) - 2 |x| E.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_SCREEN 1
#endif

#include "core/mem.h"
#include "models/kernels.h"
#include "models/screen.h"
#include "core/banned.h"

#ifdef HAVE_SCREEN
static int
cpu_ok(void)
{
	return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

/* v rounded to bfloat16 (the upper half of a float), to nearest even;
 * v finite and at most bfloat16's largest value. */
static uint16_t
to_bf16(float v)
{
	uint32_t b;

	memcpy(&b, &v, sizeof b);
	return (uint16_t)((b + 0x7fffu + (b >> 16 & 1)) >> 16);
}

/* The float a 32-bit lane holds: hi its upper half, lo its lower. */
static float
lane_float(uint16_t hi, uint16_t lo)
{
	uint32_t b = (uint32_t)hi << 16 | lo;
	float v;

	memcpy(&v, &b, sizeof v);
	return v;
}

/*
 * The upper half for an odd value v whose lane's lower half is lo (its
 * even neighbour's bfloat16): the kernel reads the whole lane as v, so
 * of v's own upper half and the two next to it, the one that puts the
 * lane nearest v (within half a bfloat16 step, as rounding would be),
 * never one that makes it infinite or NaN.
 */
static uint16_t
odd_half(float v, uint16_t lo)
{
	uint32_t b;
	uint16_t best;
	double least = HUGE_VAL, want = (double)v;
	int d;

	memcpy(&b, &v, sizeof b);
	best = (uint16_t)(b >> 16);
	for (d = -1; d <= 1; d++) {
		uint16_t h = (uint16_t)((b >> 16) + (uint32_t)d);
		double f = (double)lane_float(h, lo);

		if (isfinite(f) && fabs(f - want) < least) {
			least = fabs(f - want);
			best = h;
		}
	}
	return best;
}

/*
 * Where value k of row i is in the bfloat16 table: rows in blocks of
 * eight, each block's rows interleaved sixteen values at a time, so that
 * the kernel reads one stream; the rows after the last block whole.
 */
static size_t
low_at(size_t ni, size_t w, size_t i, size_t k)
{
	if (i >= ni - ni % 8)
		return i * w + k;
	return (i - i % 8) * w + k / 16 * 128 + i % 8 * 16 + k % 16;
}

/* The lane sums of s0..s3, in that order. */
__attribute__((target("avx2"), always_inline))
static inline __m128
sums4(__m256 s0, __m256 s1, __m256 s2, __m256 s3)
{
	__m256 h = _mm256_hadd_ps(_mm256_hadd_ps(s0, s1),
	    _mm256_hadd_ps(s2, s3));

	return _mm_add_ps(_mm256_castps256_ps128(h),
	    _mm256_extractf128_ps(h, 1));
}

/*
 * out[i] = x . H[i] for the ni rows of H, eight rows a pass. Sixteen
 * values of a row are one load: as eight 32-bit lanes, a lane as it is
 * is the odd value (its lower half, the even value, serving as more
 * bits of it; see odd_half()) and shifted up by 16 bits the even one,
 * so x comes split the same way, xe[j] = x[16 c + 2 j] and xo[j] =
 * x[16 c + 2 j + 1] for chunk c.
 */
__attribute__((target("avx2,fma")))
static void
bf16_rows(const uint16_t *H, size_t ni, size_t w, const float *xe,
    const float *xo, float *out)
{
	size_t i, k;

#define ROW(p, kk) _mm256_loadu_si256((const __m256i *)(const void *) \
	((p) + (kk)))
#define TERM(acc, v) acc = _mm256_fmadd_ps(_mm256_castsi256_ps(v), xov, \
	_mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_slli_epi32(v, 16)), xev, \
	acc))
	for (i = 0; i + 8 <= ni; i += 8) {
		const uint16_t *a = H + i * w;	/* the block, interleaved */
		__m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
		__m256 s4 = s0, s5 = s0, s6 = s0, s7 = s0;

		for (k = 0; k < w; k += 16, a += 128) {
			__m256 xev = _mm256_loadu_ps(xe + k / 2);
			__m256 xov = _mm256_loadu_ps(xo + k / 2);
			__m256i v;

			v = ROW(a, 0);
			TERM(s0, v);
			v = ROW(a, 16);
			TERM(s1, v);
			v = ROW(a, 32);
			TERM(s2, v);
			v = ROW(a, 48);
			TERM(s3, v);
			v = ROW(a, 64);
			TERM(s4, v);
			v = ROW(a, 80);
			TERM(s5, v);
			v = ROW(a, 96);
			TERM(s6, v);
			v = ROW(a, 112);
			TERM(s7, v);
		}
		_mm_storeu_ps(out + i, sums4(s0, s1, s2, s3));
		_mm_storeu_ps(out + i + 4, sums4(s4, s5, s6, s7));
	}
	for (; i < ni; i++) {
		const uint16_t *a = H + i * w;
		__m256 s0 = _mm256_setzero_ps();

		for (k = 0; k < w; k += 16) {
			__m256 xev = _mm256_loadu_ps(xe + k / 2);
			__m256 xov = _mm256_loadu_ps(xo + k / 2);
			__m256i v = ROW(a, k);

			TERM(s0, v);
		}
		out[i] = _mm_cvtss_f32(sums4(s0, s0, s0, s0));
	}
#undef TERM
#undef ROW
}
#endif

int
model_screen_init(struct model_screen *sc, const float *V, size_t ni,
    size_t w)
{
	memset(sc, 0, sizeof *sc);
#ifdef HAVE_SCREEN
	{
		double g = (double)w * 0x1p-24 / (1 - (double)w * 0x1p-24);
		size_t i, k;

		if (!cpu_ok() || w == 0 || w % 16 != 0 || ni == 0 ||
		    !model_request_exact(w))
			return -1;
		/* Finite values only, and none that rounds up to infinity. */
		for (i = 0; i < ni * w; i++)
			if (!(fabsf(V[i]) <= 0x1.fep127f))
				return -1;
		sc->low = ep_xreallocarray(NULL, ni, w * sizeof *sc->low);
		for (i = 0; i < ni; i++) {
			const float *v = V + i * w;
			double dd = 0, vv = 0, hh = 0, e;

			for (k = 0; k < w; k += 2) {
				uint16_t lo = to_bf16(v[k]);

				sc->low[low_at(ni, w, i, k)] = lo;
				sc->low[low_at(ni, w, i, k + 1)] =
				    odd_half(v[k + 1], lo);
			}
			/* The values the kernel multiplies by. */
			for (k = 0; k < w; k++) {
				size_t at = low_at(ni, w, i, k - k % 2);
				double hk = (double)(k % 2 == 0 ?
				    lane_float(sc->low[at], 0) :
				    lane_float(sc->low[at + 1], sc->low[at]));
				double vk = (double)v[k];

				dd += (hk - vk) * (hk - vk);
				vv += vk * vk;
				hh += hk * hk;
			}
			e = sqrt(dd) + g * (sqrt(vv) + sqrt(hh));
			if (e > sc->err)
				sc->err = e;
			if (sqrt(vv) > sc->vmax)
				sc->vmax = sqrt(vv);
			if (sqrt(hh) > sc->vmax)
				sc->vmax = sqrt(hh);
		}
		/* The double sums above are exact to about 1e-15. */
		sc->err *= 1 + 1e-9;
		sc->V = V;
		sc->ni = ni;
		sc->w = w;
		return 0;
	}
#else
	(void)V;
	(void)ni;
	(void)w;
	return -1;
#endif
}

size_t
model_screen_cand_cap(const struct model_screen *sc)
{
	return sc->ni / 16 + 64;
}

int
model_screen_topk(const struct model_screen *sc, const float *x,
    const struct model_csr *train, uint32_t u, int k, float *row,
    uint32_t *cand, uint32_t *out)
{
#ifdef HAVE_SCREEN
	size_t ni = sc->ni, cap = model_screen_cand_cap(sc), nc = 0, i, r;
	double xx = 0, nx, cut;
	float ts[64], t, *xe = row + ni, *xo = xe + sc->w / 2;
	uint32_t ti[64];
	int cnt = 0, j;

	if (sc->low == NULL || k < 1 || k > 64)
		return -1;
	/* |x|, and x split into even and odd values as bf16_rows() reads
	 * them. */
	for (i = 0; i < sc->w; i++) {
		double xi = (double)x[i];

		xx += xi * xi;
		if (i % 2 == 0)
			xe[i / 16 * 8 + i % 16 / 2] = x[i];
		else
			xo[i / 16 * 8 + i % 16 / 2] = x[i];
	}
	nx = sqrt(xx);
	/* Finite, and no score or partial sum near float's range. */
	if (!(nx * sc->vmax <= 1e36))
		return -1;
	bf16_rows(sc->low, ni, sc->w, xe, xo, row);
	for (r = train->rowptr[u]; r < train->rowptr[u + 1]; r++)
		row[train->col[r]] = -INFINITY;
	model_topk_scan(row, ni, k, ts, ti, &cnt, 0);
	if (cnt < k)
		return -1;
	cut = (double)ts[k - 1] - 2 * nx * sc->err;
	t = (float)cut;
	if ((double)t > cut)
		t = nextafterf(t, -INFINITY);
	if (!(t > -INFINITY))
		return -1;
	/* The candidates, in id order: sixteen scores a test while none
	 * reaches the cut. */
	for (i = 0; i < ni; i += 16) {
		size_t end = ni - i < 16 ? ni : i + 16, q;
		int any = 0;

		for (q = i; q < end; q++)
			any |= row[q] >= t;
		if (!any)
			continue;
		for (q = i; q < end; q++)
			if (row[q] >= t) {
				if (nc == cap)
					return -1;
				cand[nc++] = (uint32_t)q;
			}
	}
	cnt = 0;
	for (i = 0; i < nc; i++)
		model_topk_offer(ts, ti, &cnt, k, model_request_score(sc->V,
		    ni, sc->w, x, cand[i]), cand[i]);
	for (j = 0; j < k; j++)
		out[j] = j < cnt ? ti[j] : UINT32_MAX;
	return 0;
#else
	(void)sc;
	(void)x;
	(void)train;
	(void)u;
	(void)k;
	(void)row;
	(void)cand;
	(void)out;
	return -1;
#endif
}

void
model_screen_release(struct model_screen *sc)
{
	free(sc->low);
	memset(sc, 0, sizeof *sc);
}
