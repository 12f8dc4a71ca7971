/*
 * GAUC's rank count (models/rankcount.h): split the row at the median
 * positive, like one step of a quicksort, until few positives are left
 * to compare every item with.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
/* AVX2 versions (tests/test_rankcount_scalar.c builds without them). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(RANK_SCALAR_ONLY)
#include <immintrin.h>
#define HAVE_RANK_AVX2 1
#endif

#include "core/mem.h"
#include "models/rankcount.h"
#include "core/banned.h"

/*
 * A split costs about as much as comparing with two or three scores;
 * callgrind counted 7% fewer instructions in ML-1M's GAUC with leaves of
 * 8 distinct scores than with 4 or 12.
 */
#define LEAF MODEL_RANK_LEAF

/* A node's positives: the distinct scores v[lo..hi). */
struct node {
	const float *v;
	const uint64_t *wsum;
	size_t lo, hi;
};

/* The number of positives (with repeats) with the scores v[a..b). */
static uint64_t
weight(const struct node *nd, size_t a, size_t b)
{
	return nd->wsum[b] - nd->wsum[a];
}

/*
 * Splits x[0..n): items below lo are dropped, [lo, mid) go to L and
 * [mid, +inf] to R (both have room for n). Counts in *nl and *nr.
 */
static void
split_scalar(const float *x, size_t n, float lo, float mid, float *L,
    size_t *nl, float *R, size_t *nr)
{
	size_t i, a = 0, b = 0;

	for (i = 0; i < n; i++) {
		float y = x[i];

		L[a] = y;
		R[b] = y;
		a += y >= lo && y < mid;
		b += y >= mid;
	}
	*nl = a;
	*nr = b;
}

/* Sum over the node's positives of #{x > v} + #{x >= v}, one by one. */
static uint64_t
sweep_scalar(const float *x, size_t n, const struct node *nd)
{
	uint64_t total = 0;
	size_t i, j;

	for (j = nd->lo; j < nd->hi; j++) {
		float t = nd->v[j];
		size_t c = 0;

#pragma omp simd reduction(+:c)
		for (i = 0; i < n; i++)
			c += (size_t)(x[i] > t) + (size_t)(x[i] >= t);
		total += c * weight(nd, j, j + 1);
	}
	return total;
}

#ifdef HAVE_RANK_AVX2
/* perm[m]: the lanes whose bit is set in m, in order, then the others. */
static uint8_t perm[256][8];

static void
perm_init(void)
{
	int m, b, k;

	for (m = 0; m < 256; m++) {
		k = 0;
		for (b = 0; b < 8; b++)
			if (m >> b & 1)
				perm[m][k++] = (uint8_t)b;
		for (b = 0; b < 8; b++)
			if (!(m >> b & 1))
				perm[m][k++] = (uint8_t)b;
	}
}

/*
 * split_scalar() eight items at a time: each side's items are moved to
 * the front of a vector and all eight lanes stored; the next store
 * starts after the ones kept. Writing at most eight past the kept
 * items never passes x's own count, so n floats still suffice.
 */
__attribute__((target("avx2"), always_inline))
static inline void
split_avx2_body(const float *x, size_t n, float lo, float mid, int drop,
    float *L, size_t *nl, float *R, size_t *nr)
{
	__m256 lv = _mm256_set1_ps(lo), mv = _mm256_set1_ps(mid);
	size_t i, a = 0, b = 0, ta, tb;

	for (i = 0; i + 8 <= n; i += 8) {
		__m256 y = _mm256_loadu_ps(x + i);
		int hi = _mm256_movemask_ps(_mm256_cmp_ps(y, mv, _CMP_GE_OQ));
		int low = ~hi & 0xff;
		__m256i pl, ph;

		if (drop)
			low &= _mm256_movemask_ps(_mm256_cmp_ps(y, lv,
			    _CMP_GE_OQ));
		pl = _mm256_cvtepu8_epi32(
		    _mm_loadl_epi64((const __m128i *)(const void *)perm[low]));
		ph = _mm256_cvtepu8_epi32(
		    _mm_loadl_epi64((const __m128i *)(const void *)perm[hi]));
		_mm256_storeu_ps(L + a, _mm256_permutevar8x32_ps(y, pl));
		_mm256_storeu_ps(R + b, _mm256_permutevar8x32_ps(y, ph));
		a += (size_t)__builtin_popcount((unsigned)low);
		b += (size_t)__builtin_popcount((unsigned)hi);
	}
	split_scalar(x + i, n - i, lo, mid, L + a, &ta, R + b, &tb);
	*nl = a + ta;
	*nr = b + tb;
}

/* The body where no item of x is below lo (one comparison less), and
 * where items below lo are dropped (the first split). */
__attribute__((target("avx2")))
static void
split_avx2(const float *x, size_t n, float lo, float mid, float *L,
    size_t *nl, float *R, size_t *nr)
{
	split_avx2_body(x, n, lo, mid, 0, L, nl, R, nr);
}

__attribute__((target("avx2")))
static void
split_drop_avx2(const float *x, size_t n, float lo, float mid, float *L,
    size_t *nl, float *R, size_t *nr)
{
	split_avx2_body(x, n, lo, mid, 1, L, nl, R, nr);
}

__attribute__((target("avx2")))
static uint64_t
lanes_sum(__m256i acc)
{
	uint32_t l[8];
	uint64_t s = 0;
	int k;

	_mm256_storeu_si256((__m256i *)(void *)l, acc);
	for (k = 0; k < 8; k++)
		s += l[k];
	return s;
}

/* acc + (y > t) + (y >= t), lane by lane. */
__attribute__((target("avx2"), always_inline))
static inline __m256i
count_lanes(__m256i acc, __m256 y, __m256 t)
{
	acc = _mm256_sub_epi32(acc,
	    _mm256_castps_si256(_mm256_cmp_ps(y, t, _CMP_GT_OQ)));
	return _mm256_sub_epi32(acc,
	    _mm256_castps_si256(_mm256_cmp_ps(y, t, _CMP_GE_OQ)));
}

/*
 * Counts for K (1 to 4, a constant where inlined) thresholds t[] in
 * one pass, eight items at a time: each comparison's all-ones lanes are
 * -1, so subtracting them counts. A lane counts at most n / 4.
 */
__attribute__((target("avx2"), always_inline))
static inline void
count_k(const float *x, size_t n, const float *t, int K, uint64_t *c)
{
	__m256 t0 = _mm256_set1_ps(t[0]);
	__m256 t1 = _mm256_set1_ps(K > 1 ? t[1] : t[0]);
	__m256 t2 = _mm256_set1_ps(K > 2 ? t[2] : t[0]);
	__m256 t3 = _mm256_set1_ps(K > 3 ? t[3] : t[0]);
	__m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
	size_t i;
	int k;

	for (i = 0; i + 8 <= n; i += 8) {
		__m256 y = _mm256_loadu_ps(x + i);

		a0 = count_lanes(a0, y, t0);
		if (K > 1)
			a1 = count_lanes(a1, y, t1);
		if (K > 2)
			a2 = count_lanes(a2, y, t2);
		if (K > 3)
			a3 = count_lanes(a3, y, t3);
	}
	c[0] = lanes_sum(a0);
	c[1] = K > 1 ? lanes_sum(a1) : 0;
	c[2] = K > 2 ? lanes_sum(a2) : 0;
	c[3] = K > 3 ? lanes_sum(a3) : 0;
	for (; i < n; i++)
		for (k = 0; k < K; k++)
			c[k] += (uint64_t)(x[i] > t[k]) +
			    (uint64_t)(x[i] >= t[k]);
}

__attribute__((target("avx2")))
static uint64_t
sweep_avx2(const float *x, size_t n, const struct node *nd)
{
	uint64_t total = 0, c[4];
	size_t j, k;

	for (j = nd->lo; j < nd->hi; j += 4) {
		size_t K = nd->hi - j < 4 ? nd->hi - j : 4;
		const float *t = nd->v + j;

		switch (K) {
		case 1:
			count_k(x, n, t, 1, c);
			break;
		case 2:
			count_k(x, n, t, 2, c);
			break;
		case 3:
			count_k(x, n, t, 3, c);
			break;
		default:
			count_k(x, n, t, 4, c);
			break;
		}
		for (k = 0; k < K; k++)
			total += c[k] * weight(nd, j + k, j + k + 1);
	}
	return total;
}
#endif

#ifdef HAVE_RANK_AVX2
static int avx2;		/* this CPU runs the AVX2 versions */
#endif
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void
init(void)
{
#ifdef HAVE_RANK_AVX2
	avx2 = __builtin_cpu_supports("avx2") ? 1 : 0;
	if (avx2)
		perm_init();
#endif
}

/* One call's state: its scratch and how deep it splits. */
struct ctx {
	struct model_rank_scratch *s;
	size_t depth;
};

/* The count for the node's positives among x[0..n), at depth level. */
static uint64_t
count_node(const struct ctx *c, const float *x, size_t n,
    const struct node *nd, size_t level)
{
	struct node lo = *nd, hi = *nd;
	float *L, *R;
	size_t mid, nl, nr;

	if (nd->hi - nd->lo <= LEAF || level == c->depth || n == 0) {
#ifdef HAVE_RANK_AVX2
		if (avx2)
			return sweep_avx2(x, n, nd);
#endif
		return sweep_scalar(x, n, nd);
	}
	/* Items below the lowest positive count for none: only the root
	 * can hold any, and this split drops them. */
	mid = nd->lo + (nd->hi - nd->lo) / 2;
	L = c->s->buf + level * 2 * c->s->cap;
	R = L + c->s->cap;
#ifdef HAVE_RANK_AVX2
	if (avx2 && level == 0)
		split_drop_avx2(x, n, nd->v[nd->lo], nd->v[mid], L, &nl, R,
		    &nr);
	else if (avx2)
		split_avx2(x, n, nd->v[nd->lo], nd->v[mid], L, &nl, R, &nr);
	else
#endif
		split_scalar(x, n, nd->v[nd->lo], nd->v[mid], L, &nl, R, &nr);
	lo.hi = mid;
	hi.lo = mid;
	/* Every item of R is above every positive of the lower half. */
	return 2 * (uint64_t)nr * weight(nd, nd->lo, mid) +
	    count_node(c, L, nl, &lo, level + 1) +
	    count_node(c, R, nr, &hi, level + 1);
}

static int
cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;

	return (x > y) - (x < y);
}

uint64_t
model_rank_count(const float *row, size_t n, const float *q, size_t P,
    struct model_rank_scratch *s)
{
	struct node nd;
	struct ctx c;
	size_t j, D, d;

	if (P == 0 || n == 0)
		return 0;
	if (P + 1 > s->vcap) {
		s->vcap = 2 * P + 1;
		s->v = ep_xreallocarray(s->v, s->vcap, sizeof *s->v);
		s->wsum = ep_xreallocarray(s->wsum, s->vcap, sizeof *s->wsum);
	}
	memcpy(s->v, q, P * sizeof *q);
	if (P > 32)
		qsort(s->v, P, sizeof *s->v, cmp_float);
	else
		for (j = 1; j < P; j++) {
			float y = s->v[j];
			size_t k = j;

			for (; k > 0 && s->v[k - 1] > y; k--)
				s->v[k] = s->v[k - 1];
			s->v[k] = y;
		}
	/* Distinct scores, each with its count of positives. */
	s->wsum[0] = 0;
	for (j = 0, D = 0; j < P; j++) {
		if (D == 0 || s->v[j] != s->v[D - 1]) {
			s->v[D] = s->v[j];
			s->wsum[D + 1] = s->wsum[D];
			D++;
		}
		s->wsum[D]++;
	}
	/* Splits until LEAF scores are left (the upper half of an odd
	 * count is the larger), each level with two partitions of n. */
	for (c.depth = 0, d = D; d > LEAF && c.depth < MODEL_RANK_LEVELS;
	    c.depth++)
		d = (d + 1) / 2;
	if (c.depth > 0 && (c.depth > s->levels || n > s->cap)) {
		if (n > s->cap)
			s->cap = n;
		if (c.depth > s->levels)
			s->levels = c.depth;
		free(s->buf);
		s->buf = ep_xreallocarray(NULL, s->levels * 2, s->cap *
		    sizeof *s->buf);
	}
	c.s = s;
	pthread_once(&once, init);
	nd.v = s->v;
	nd.wsum = s->wsum;
	nd.lo = 0;
	nd.hi = D;
	return count_node(&c, row, n, &nd, 0);
}

void
model_rank_scratch_release(struct model_rank_scratch *s)
{
	free(s->buf);
	free(s->v);
	free(s->wsum);
	memset(s, 0, sizeof *s);
}
