/*
 * Screening requests with a coarse item table (models/screen.h).
 *
 * The bound: the request kernel (models/kernels.c) adds w products in a
 * tree of depth at most w, so its score e of a row v differs from x . v
 * by at most g |x| |v|, g = w u / (1 - w u), u = 2^-24 (each product
 * and sum rounded once; Cauchy-Schwarz bounds the sum of |x_k v_k|).
 *
 * bfloat16: the screened score s of the rounded row h is as close to
 * x . h, and |x . h - x . v| <= |x| |h - v|. So |e - s| <= |x| E with
 * E = max over rows of |h - v| + g (|v| + |h|), computed once in double.
 *
 * 8-bit: a row v is h = c q (c a float scale, q integers in [-127,
 * 127]) and the request x is y = d p likewise, so y . h = d c (p . q),
 * an integer sum computed exactly, then converted and scaled in three
 * roundings: |s - y . h| <= 3.01 u |y| |h|. And |y . h - x . v| <=
 * |y - x| |h| + |x| |h - v|. So |e - s| <= |x| E + (|y - x| + 3.01 u
 * |y|) H, with E = max over rows of |h - v| + g |v| and H the largest
 * |h|, computed once; |y - x| and |y| are computed per request.
 *
 * Every item of the exact top k then has s >= (the k-th best s) - 2
 * times the bound.
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

/* 8-bit screening: AVX-512 with its integer dot products (VNNI). */
static int
cpu_int8(void)
{
	return __builtin_cpu_supports("avx512f") &&
	    __builtin_cpu_supports("avx512vnni");
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

/*
 * Where value k of row i is in the 8-bit table: rows in blocks of 16
 * (the last padded), each block a run of w / 4 groups of 64 bytes, a
 * group the four values 4 j to 4 j + 3 of each of the 16 rows in turn:
 * one 32-bit lane a row, as the integer dot product adds them.
 */
static size_t
q_at(size_t w, size_t i, size_t k)
{
	return i / 16 * 16 * w + k / 4 * 64 + i % 16 * 4 + k % 4;
}

/*
 * out[0..16 nb) = (p . q_i) d c_i for the rows of nb blocks of the
 * 8-bit table T: p4[j] holds the request's integers 4 j to 4 j + 3 as
 * bytes, and bias = 128 times their sum (the table holds q + 128). Each
 * of 16 lanes sums one row, four accumulators a block; the integer sums
 * are exact.
 */
__attribute__((target("avx512f,avx512vnni")))
static void
int8_rows(const uint8_t *T, size_t nb, size_t w, const int32_t *p4,
    int32_t bias, const float *c, float d, float *out)
{
	const __m512i vbias = _mm512_set1_epi32(bias);
	const __m512 vd = _mm512_set1_ps(d);
	size_t b, j;

	for (b = 0; b < nb; b++, T += 16 * w) {
		__m512i s0 = _mm512_setzero_si512(), s1 = s0, s2 = s0, s3 = s0;
		__m512 f;

		for (j = 0; j < w / 4; j += 4) {
			const __m512i *a = (const __m512i *)(const void *)
			    (T + 64 * j);

			s0 = _mm512_dpbusd_epi32(s0, _mm512_load_si512(a),
			    _mm512_set1_epi32(p4[j]));
			s1 = _mm512_dpbusd_epi32(s1, _mm512_load_si512(a + 1),
			    _mm512_set1_epi32(p4[j + 1]));
			s2 = _mm512_dpbusd_epi32(s2, _mm512_load_si512(a + 2),
			    _mm512_set1_epi32(p4[j + 2]));
			s3 = _mm512_dpbusd_epi32(s3, _mm512_load_si512(a + 3),
			    _mm512_set1_epi32(p4[j + 3]));
		}
		f = _mm512_cvtepi32_ps(_mm512_sub_epi32(_mm512_add_epi32(
		    _mm512_add_epi32(s0, s1), _mm512_add_epi32(s2, s3)),
		    vbias));
		_mm512_storeu_ps(out + 16 * b, _mm512_mul_ps(_mm512_mul_ps(f,
		    _mm512_load_ps(c + 16 * b)), vd));
	}
}

__attribute__((target("avx512f")))
static size_t
candidates_avx512(const float *row, size_t n, float t, uint32_t *cand,
    size_t cap)
{
	const __m512 vt = _mm512_set1_ps(t);
	__m512i id = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
	    12, 13, 14, 15);
	size_t nc = 0, i;

	for (i = 0; i < n; i += 16) {
		__mmask16 in = n - i >= 16 ? 0xffff :
		    (__mmask16)((1u << (n - i)) - 1);
		__mmask16 m = _mm512_mask_cmp_ps_mask(in,
		    _mm512_maskz_loadu_ps(in, row + i), vt, _CMP_GE_OQ);
		size_t c = (size_t)__builtin_popcount(m);

		if (c != 0) {
			if (nc + c > cap)
				return cap + 1;
			_mm512_mask_compressstoreu_epi32(cand + nc, m, id);
			nc += c;
		}
		id = _mm512_add_epi32(id, _mm512_set1_epi32(16));
	}
	return nc;
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

/* Finite values only (and for bfloat16, none that rounds up to
 * infinity). */
static int
table_ok(const float *V, size_t n, float most)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!(fabsf(V[i]) <= most))
			return 0;
	return 1;
}

static int
init_bf16(struct model_screen *sc, const float *V, size_t ni, size_t w)
{
	double g = (double)w * 0x1p-24 / (1 - (double)w * 0x1p-24);
	size_t i, k;

	if (!table_ok(V, ni * w, 0x1.fep127f))
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
	sc->kind = MODEL_SCREEN_BF16;
	return 0;
}

/*
 * The scale of the n values v[]: their largest magnitude over 127, and
 * each value's integer q[k] = v[k] / scale rounded (at most 127 in
 * magnitude); all 0 for a zero (or tiny) row.
 */
static float
quantise(const float *v, size_t n, int8_t *q)
{
	float most = 0, c;
	size_t k;

	for (k = 0; k < n; k++)
		most = fmaxf(most, fabsf(v[k]));
	c = most / 127;
	for (k = 0; k < n; k++) {
		long r = c > 0 ? lrintf(v[k] / c) : 0;

		q[k] = (int8_t)(r > 127 ? 127 : r < -127 ? -127 : r);
	}
	return c;
}

static int
init_int8(struct model_screen *sc, const float *V, size_t ni, size_t w)
{
	double g = (double)w * 0x1p-24 / (1 - (double)w * 0x1p-24);
	size_t nb = (ni + 15) / 16, i, k;
	int8_t *q;

	if (!table_ok(V, ni * w, FLT_MAX) || w > (1u << 16))
		return -1;
	q = ep_xreallocarray(NULL, w, sizeof *q);
	/* Padding rows are zero (128); each value at its place for the
	 * kernel. */
	sc->q = ep_xaligned(nb * 16 * w, 1);
	memset(sc->q, 128, nb * 16 * w);
	sc->scale = ep_xaligned(nb * 16, sizeof *sc->scale);
	memset(sc->scale, 0, nb * 16 * sizeof *sc->scale);
	for (i = 0; i < ni; i++) {
		const float *v = V + i * w;
		float c = quantise(v, w, q);
		double dd = 0, vv = 0, hh = 0;

		sc->scale[i] = c;
		for (k = 0; k < w; k++) {
			/* Exact: a float times an 8-bit integer. */
			double hk = (double)c * q[k], vk = (double)v[k];

			sc->q[q_at(w, i, k)] = (uint8_t)(q[k] + 128);
			dd += (hk - vk) * (hk - vk);
			vv += vk * vk;
			hh += hk * hk;
		}
		sc->err = fmax(sc->err, sqrt(dd) + g * sqrt(vv));
		sc->hmax = fmax(sc->hmax, sqrt(hh));
		sc->vmax = fmax(sc->vmax, fmax(sqrt(vv), sqrt(hh)));
	}
	free(q);
	sc->err *= 1 + 1e-9;
	sc->hmax *= 1 + 1e-9;
	sc->kind = MODEL_SCREEN_INT8;
	return 0;
}
#endif

int
model_screen_init(struct model_screen *sc, const float *V, size_t ni,
    size_t w, enum model_screen_kind kind)
{
	memset(sc, 0, sizeof *sc);
#ifdef HAVE_SCREEN
	if (!cpu_ok() || w == 0 || w % 16 != 0 || ni == 0 ||
	    !model_request_exact(w))
		return -1;
	if (kind == MODEL_SCREEN_AUTO)
		kind = cpu_int8() ? MODEL_SCREEN_INT8 : MODEL_SCREEN_BF16;
	if (kind == MODEL_SCREEN_INT8 ? !cpu_int8() ||
	    init_int8(sc, V, ni, w) < 0 : init_bf16(sc, V, ni, w) < 0) {
		model_screen_release(sc);
		return -1;
	}
	sc->V = V;
	sc->ni = ni;
	sc->w = w;
	return 0;
#else
	(void)V;
	(void)ni;
	(void)w;
	(void)kind;
	return -1;
#endif
}

#ifdef HAVE_SCREEN
/*
 * The bounds above count rounding relative to each value; a product or
 * sum that falls below the normal floats is off by up to 2^-149 as well,
 * at most a few times for each of the w products.
 */
#define UNDERFLOW_SLACK(w) ((double)(w) * 0x1p-146)

/*
 * The bfloat16 scores of x into row[0..ni) (the w floats after them
 * hold x split for the kernel); |x| into *nx. Returns the bound.
 */
static double
screen_bf16(const struct model_screen *sc, const float *x, float *row,
    double *nx)
{
	float *xe = row + sc->ni, *xo = xe + sc->w / 2;
	double xx = 0;
	size_t i;

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
	*nx = sqrt(xx);
	if (!(*nx < HUGE_VAL))
		return 0;	/* refused by the caller */
	bf16_rows(sc->low, sc->ni, sc->w, xe, xo, row);
	return *nx * sc->err + UNDERFLOW_SLACK(sc->w);
}

/*
 * The 8-bit scores of x into row[0..ni) (the w floats after them hold
 * x's integers for the kernel); |x| into *nx. Returns the bound.
 */
static double
screen_int8(const struct model_screen *sc, const float *x, float *row,
    double *nx)
{
	size_t w = sc->w, ni = sc->ni, full = ni / 16, i;
	int32_t *p4 = (int32_t *)(void *)(row + ni), sum = 0;
	int8_t *p = (int8_t *)p4;
	double xx = 0, yy = 0, dd = 0, bound;
	float d, last[16];

	for (i = 0; i < w; i++)
		xx += (double)x[i] * (double)x[i];
	*nx = sqrt(xx);
	if (!(*nx < HUGE_VAL))
		return 0;	/* refused by the caller */
	d = quantise(x, w, p);
	for (i = 0; i < w; i++) {
		double yi = (double)d * p[i];	/* exact */

		sum += p[i];
		yy += yi * yi;
		dd += (yi - (double)x[i]) * (yi - (double)x[i]);
	}
	int8_rows(sc->q, full, w, p4, 128 * sum, sc->scale, d, row);
	if (full * 16 < ni) {
		int8_rows(sc->q + full * 16 * w, 1, w, p4, 128 * sum,
		    sc->scale + full * 16, d, last);
		memcpy(row + full * 16, last, (ni - full * 16) * sizeof *row);
	}
	bound = *nx * sc->err + (sqrt(dd) * (1 + 1e-9) +
	    3.01 * 0x1p-24 * sqrt(yy)) * sc->hmax;
	return bound * (1 + 1e-9) + UNDERFLOW_SLACK(w);
}
/*
 * The items of row[0..n) scoring t or more, in id order, into cand; how
 * many, or cap + 1 where there are more than cap. Sixteen scores a
 * test while none reaches t; with AVX-512 (wide), sixteen a compare and
 * a compressed store.
 */
static size_t
candidates(const float *row, size_t n, float t, uint32_t *cand, size_t cap,
    int wide)
{
	size_t nc = 0, i, q;

	if (wide)
		return candidates_avx512(row, n, t, cand, cap);
	for (i = 0; i < n; i += 16) {
		size_t end = n - i < 16 ? n : i + 16;
		int any = 0;

		for (q = i; q < end; q++)
			any |= row[q] >= t;
		if (!any)
			continue;
		for (q = i; q < end; q++)
			if (row[q] >= t) {
				if (nc == cap)
					return cap + 1;
				cand[nc++] = (uint32_t)q;
			}
	}
	return nc;
}

#endif

size_t
model_screen_cand_cap(const struct model_screen *sc)
{
	/* Scoring the candidates exactly must cost well under scoring
	 * every item: the 8-bit screen, at a quarter of the bytes and a
	 * looser bound, may pass more. */
	return sc->ni / (sc->kind == MODEL_SCREEN_INT8 ? 4 : 16) + 64;
}

int
model_screen_topk(const struct model_screen *sc, const float *x,
    const struct model_csr *train, uint32_t u, int k, float *row,
    uint32_t *cand, uint32_t *out)
{
#ifdef HAVE_SCREEN
	size_t ni = sc->ni, cap = model_screen_cand_cap(sc), nc = 0, i, r;
	double nx, bound, cut;
	float ts[64], t;
	uint32_t ti[64];
	int cnt = 0, j;

	if ((sc->low == NULL && sc->q == NULL) || k < 1 || k > 64)
		return -1;
	bound = sc->kind == MODEL_SCREEN_INT8 ?
	    screen_int8(sc, x, row, &nx) : screen_bf16(sc, x, row, &nx);
	/* Finite, and no score or partial sum near float's range. */
	if (!(nx * sc->vmax <= 1e36))
		return -1;
	for (r = train->rowptr[u]; r < train->rowptr[u + 1]; r++)
		row[train->col[r]] = -INFINITY;
	model_topk_scan(row, ni, k, ts, ti, &cnt, 0);
	if (cnt < k)
		return -1;
	cut = (double)ts[k - 1] - 2 * bound;
	t = (float)cut;
	if ((double)t > cut)
		t = nextafterf(t, -INFINITY);
	if (!(t > -INFINITY))
		return -1;
	nc = candidates(row, ni, t, cand, cap, sc->kind == MODEL_SCREEN_INT8);
	if (nc > cap)
		return -1;
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
	free(sc->q);
	free(sc->scale);
	memset(sc, 0, sizeof *sc);
}
