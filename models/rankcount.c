/*
 * GAUC's rank count (models/rankcount.h): a table of how many positives
 * lie below each of 256 cells of their range (AVX-512), or splits of the
 * row at the median positive, like the steps of a quicksort, until few
 * positives are left to compare every item with.
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
/* The AVX-512 cell table (tests/test_rankcount_avx2.c builds without). */
#if defined(HAVE_RANK_AVX2) && !defined(RANK_NO_AVX512)
#define HAVE_RANK_CELLS 1
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

#ifdef HAVE_RANK_CELLS
/*
 * The cell table, for 4 to CELL_MAX positives. Their range [lo, hi] is
 * cut into 256 cells by cell(x) = (int)min(x * s + b, 255), clamped at
 * 0, in fused multiply-adds, with lo near 2 and hi near 253. The map
 * never decreases, so an item in a cell below a positive's scores below
 * it and one in a cell above scores above it: each positive in a lower
 * cell counts 2 for the item, and the table holds their number for each
 * cell. One pass over the row sums the table's numbers, 64 items at a
 * time, with the cells as the byte indices of an in-register lookup;
 * the items in a cell that holds a positive are set aside, and a second
 * pass compares each with the positives of its own cell. The positives'
 * cells come from the same vector code as the items', so the two agree
 * whatever the rounding and denormal modes; the positives need no
 * sorting, only placing by cell. Exact, like the rest: the map only
 * decides which comparisons can be skipped.
 */
#define CELLS 256
#define CELL_MAX 127		/* positives a table: counts fit 7 bits */
#define CELL_MAX_M 8		/* most positives in one cell */
#define CELL_FLAG 0x80
/* Fewer positives, or fewer items, are compared directly (at 3 that
 * is still faster). */
#define CELL_MIN_P 4
#define CELL_MIN_N 64
/* The byte b in each of a word's eight bytes. */
#define BYTES(b) (0x0101010101010101ull * (b))
/* Up to this many positives, the first pass sets items aside by their
 * byte indices: a block of 64 flags about P / 4 items where the items
 * spread like the positives, and past about 48 positives too many
 * blocks flag more than 16. */
#define NARROW_MAX_P 48
#define T512 "avx512f,avx512bw,avx512dq,avx512vbmi,avx512vbmi2," \
    "avx512vnni,fma,popcnt"

struct celltab {
	float s, b;			/* the map */
	uint8_t below[CELLS];		/* positives in lower cells, and
					 * CELL_FLAG where the cell holds any */
	uint8_t first[CELLS];		/* a cell's first positive in v */
	uint8_t many[CELLS];		/* and its number of positives */
	float v[CELL_MAX + 1];		/* the positives, by cell */
	size_t P;
	int max_m;			/* most positives in a cell */
};

/* The cells of 16 scores as ints, those past 255 clamped to 255. */
__attribute__((target(T512), always_inline))
static inline __m512i
cells16(__m512 y, __m512 vs, __m512 vb)
{
	return _mm512_cvttps_epi32(_mm512_min_ps(_mm512_fmadd_ps(y, vs, vb),
	    _mm512_set1_ps(CELLS - 1)));
}

/*
 * The cells of 64 scores as bytes, in the packs' order: they work by
 * 128-bit lanes, so byte 16 L + 4 g + j holds the cell of y[g]'s lane
 * 4 L + j, score 16 g + 4 L + j. Those below 0 become 0 by the packs'
 * saturation: -inf and the other values past the ints convert to
 * INT_MIN, so only the top was clamped before.
 */
__attribute__((target(T512), always_inline))
static inline __m512i
cells64_packed(__m512 y0, __m512 y1, __m512 y2, __m512 y3, __m512 vs,
    __m512 vb)
{
	return _mm512_packus_epi16(
	    _mm512_packs_epi32(cells16(y0, vs, vb), cells16(y1, vs, vb)),
	    _mm512_packs_epi32(cells16(y2, vs, vb), cells16(y3, vs, vb)));
}

/* Bytes in the packs' order put in the scores' order: packed dword
 * 4 L + g holds scores 16 g + 4 L to 16 g + 4 L + 3. */
__attribute__((target(T512), always_inline))
static inline __m512i
in_order(__m512i packed)
{
	static const int32_t order[16] = {
		0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15,
	};

	return _mm512_permutexvar_epi32(_mm512_loadu_si512(order), packed);
}

/* The cells of 64 scores, as bytes in the scores' order. */
__attribute__((target(T512), always_inline))
static inline __m512i
cells64(__m512 y0, __m512 y1, __m512 y2, __m512 y3, __m512 vs, __m512 vb)
{
	return in_order(cells64_packed(y0, y1, y2, y3, vs, vb));
}

/* The 16 scores x[at..n) (with those past n read as -inf, cell 0). */
__attribute__((target(T512), always_inline))
static inline __m512
load16(const float *x, size_t at, size_t n)
{
	if (at >= n)
		return _mm512_set1_ps(-INFINITY);
	return _mm512_mask_loadu_ps(_mm512_set1_ps(-INFINITY), n - at >= 16 ?
	    0xffff : (__mmask16)((1u << (n - at)) - 1), x + at);
}

/* A 256-byte table's entries at the byte indices c. */
__attribute__((target(T512), always_inline))
static inline __m512i
lookup256(const __m512i t[4], __m512i c, __mmask64 high)
{
	return _mm512_mask_blend_epi8(high,
	    _mm512_permutex2var_epi8(t[0], c, t[1]),
	    _mm512_permutex2var_epi8(t[2], c, t[3]));
}

/* cell[0..n) for the scores v[0..n), n <= 128. */
__attribute__((target(T512)))
static void
cells_of(const float *v, size_t n, float s, float b, uint8_t *cell)
{
	const __m512 vs = _mm512_set1_ps(s), vb = _mm512_set1_ps(b);
	uint8_t all[128];
	size_t i;

	for (i = 0; i < n; i += 64)
		_mm512_storeu_si512(all + i, cells64(load16(v, i, n),
		    load16(v, i + 16, n), load16(v, i + 32, n),
		    load16(v, i + 48, n), vs, vb));
	memcpy(cell, all, n);
}

/* The lanes of y that k flags, moved to amb + *a; *a counts them (m is
 * k in a general register). */
__attribute__((target(T512), always_inline))
static inline void
set_aside16(__m512 y, __mmask16 k, unsigned m, float *amb, size_t *a)
{
	_mm512_storeu_ps(amb + *a, _mm512_maskz_compress_ps(k, y));
	*a += (size_t)__builtin_popcount(m);
}

/*
 * The first pass: the sum of the table's counts over x[0..n); the items
 * of flagged cells go to amb (room for n + 16), their number to *namb.
 * The sum needs no order, so the cells stay in the packs'. With few
 * positives (narrow), a block of 64 seldom flags more than 16 items:
 * their scores' indices, in the packs' order, are compressed in one
 * instruction and the scores looked up in the block's registers, in
 * place of four float compressions (which cost more than the rest of
 * the pass); a block with more takes the four, in the scores' order.
 */
__attribute__((target(T512), always_inline))
static inline uint64_t
cell_pass_body(const float *x, size_t n, const struct celltab *t,
    float *amb, size_t *namb, int narrow)
{
	const __m512 vs = _mm512_set1_ps(t->s), vb = _mm512_set1_ps(t->b);
	const __m512i ones = _mm512_set1_epi8(1);
	/* The score of each packed byte (see cells64_packed()). */
	static const uint8_t score_of[64] = {
		0, 1, 2, 3, 16, 17, 18, 19, 32, 33, 34, 35, 48, 49, 50, 51,
		4, 5, 6, 7, 20, 21, 22, 23, 36, 37, 38, 39, 52, 53, 54, 55,
		8, 9, 10, 11, 24, 25, 26, 27, 40, 41, 42, 43, 56, 57, 58, 59,
		12, 13, 14, 15, 28, 29, 30, 31, 44, 45, 46, 47, 60, 61, 62, 63,
	};
	const __m512i which = _mm512_loadu_si512(score_of);
	__m512i tab[4], acc = _mm512_setzero_si512();
	uint64_t sum = 0;
	size_t i, a = 0;
	int g;

	for (g = 0; g < 4; g++)
		tab[g] = _mm512_loadu_si512(t->below + 64 * g);
	for (i = 0; i < n; i += 64) {
		__m512 y0, y1, y2, y3;
		__m512i c, r;
		__mmask64 ka;
		size_t cnt;

		if (i + 64 <= n) {
			y0 = _mm512_loadu_ps(x + i);
			y1 = _mm512_loadu_ps(x + i + 16);
			y2 = _mm512_loadu_ps(x + i + 32);
			y3 = _mm512_loadu_ps(x + i + 48);
		} else {
			y0 = load16(x, i, n);
			y1 = load16(x, i + 16, n);
			y2 = load16(x, i + 32, n);
			y3 = load16(x, i + 48, n);
		}
		c = cells64_packed(y0, y1, y2, y3, vs, vb);
		r = lookup256(tab, c, _mm512_movepi8_mask(c));
		ka = _mm512_movepi8_mask(r);
		cnt = (size_t)__builtin_popcountll(_cvtmask64_u64(ka));
		/* Without a branch on whether a block holds such items: it
		 * is as good as random for a few positives. */
		if (narrow) {
			__m512i li = _mm512_cvtepu8_epi32(
			    _mm512_castsi512_si128(
			    _mm512_maskz_compress_epi8(ka, which)));

			_mm512_storeu_ps(amb + a, _mm512_mask_blend_ps(
			    _mm512_test_epi32_mask(li, _mm512_set1_epi32(32)),
			    _mm512_permutex2var_ps(y0, li, y1),
			    _mm512_permutex2var_ps(y2, li, y3)));
		}
		if (!narrow || __builtin_expect(cnt > 16, 0)) {
			__mmask64 k = _mm512_movepi8_mask(in_order(r));
			uint64_t m = _cvtmask64_u64(k);
			size_t b = a;

			set_aside16(y0, (__mmask16)k, (unsigned)m & 0xffff,
			    amb, &b);
			set_aside16(y1, (__mmask16)_kshiftri_mask64(k, 16),
			    (unsigned)(m >> 16) & 0xffff, amb, &b);
			set_aside16(y2, (__mmask16)_kshiftri_mask64(k, 32),
			    (unsigned)(m >> 32) & 0xffff, amb, &b);
			set_aside16(y3, (__mmask16)_kshiftri_mask64(k, 48),
			    (unsigned)(m >> 48), amb, &b);
		}
		a += cnt;
		/* Each dword lane gains the sum of four signed bytes: a
		 * flagged one is its count - 128, put right below. */
		acc = _mm512_dpbusd_epi32(acc, ones, r);
		if ((i & ((1u << 24) - 1)) == (1u << 24) - 64) {
			/* A lane gains at most 508 a block. */
			sum += (uint64_t)(int64_t)_mm512_reduce_add_epi32(acc);
			acc = _mm512_setzero_si512();
		}
	}
	*namb = a;
	return sum + (uint64_t)(int64_t)_mm512_reduce_add_epi32(acc) +
	    128 * (uint64_t)a;
}

__attribute__((target(T512)))
static uint64_t
cell_pass(const float *x, size_t n, const struct celltab *t, float *amb,
    size_t *namb)
{
	return t->P <= NARROW_MAX_P ? cell_pass_body(x, n, t, amb, namb, 1) :
	    cell_pass_body(x, n, t, amb, namb, 0);
}

/* v[idx] for 16 indices below 32 * K (K = 1, 2 or 4 pairs of vectors). */
__attribute__((target(T512), always_inline))
static inline __m512
lookup_v(const __m512 v[8], __m512i idx, int K)
{
	__m512 a = _mm512_permutex2var_ps(v[0], idx, v[1]), b;
	__mmask16 k32;

	if (K == 1)
		return a;
	k32 = _mm512_test_epi32_mask(idx, _mm512_set1_epi32(32));
	a = _mm512_mask_blend_ps(k32, a, _mm512_permutex2var_ps(v[2], idx,
	    v[3]));
	if (K == 2)
		return a;
	b = _mm512_mask_blend_ps(k32, _mm512_permutex2var_ps(v[4], idx, v[5]),
	    _mm512_permutex2var_ps(v[6], idx, v[7]));
	return _mm512_mask_blend_ps(_mm512_test_epi32_mask(idx,
	    _mm512_set1_epi32(64)), a, b);
}

/*
 * The second pass: for the items x[0..n) set aside, the sum of
 * #{x > t} + #{x >= t} over the positives t of each item's cell. K
 * pairs of vectors hold the positives.
 */
__attribute__((target(T512), always_inline))
static inline uint64_t
aside_pass_k(const float *x, size_t n, const struct celltab *t, int K)
{
	const __m512 vs = _mm512_set1_ps(t->s), vb = _mm512_set1_ps(t->b);
	const __m512i ones = _mm512_set1_epi32(1);
	__m512i first[4], many[4], acc = _mm512_setzero_si512();
	__m512 v[8];
	size_t i;
	int g, k;

	for (g = 0; g < 8; g++)
		v[g] = g < 2 * K ? _mm512_loadu_ps(t->v + 16 * g) :
		    _mm512_setzero_ps();
	for (g = 0; g < 4; g++) {
		first[g] = _mm512_loadu_si512(t->first + 64 * g);
		many[g] = _mm512_loadu_si512(t->many + 64 * g);
	}
	for (i = 0; i < n; i += 64) {
		/* Past n: -inf, in cell 0, which holds no positive. */
		__m512 y0 = load16(x, i, n), y1 = load16(x, i + 16, n),
		    y2 = load16(x, i + 32, n), y3 = load16(x, i + 48, n);
		__m512i cb = cells64(y0, y1, y2, y3, vs, vb);
		__mmask64 high = _mm512_movepi8_mask(cb);
		uint8_t fb[64], mb[64];

		_mm512_storeu_si512(fb, lookup256(first, cb, high));
		_mm512_storeu_si512(mb, lookup256(many, cb, high));
		for (g = 0; g < 4; g++) {
			__m512i f = _mm512_cvtepu8_epi32(_mm_loadu_si128(
			    (const __m128i *)(const void *)(fb + 16 * g)));
			__m512i m = _mm512_cvtepu8_epi32(_mm_loadu_si128(
			    (const __m128i *)(const void *)(mb + 16 * g)));
			__m512 y = g == 0 ? y0 : g == 1 ? y1 : g == 2 ? y2 : y3;

			/* Without a branch on the lanes' counts: which
			 * groups reach a second positive is random. */
			for (k = 0; k < t->max_m; k++) {
				__mmask16 on = _mm512_cmpgt_epi32_mask(m,
				    _mm512_set1_epi32(k));
				__m512 tv;

				tv = lookup_v(v, _mm512_add_epi32(f,
				    _mm512_set1_epi32(k)), K);
				acc = _mm512_mask_add_epi32(acc,
				    _mm512_mask_cmp_ps_mask(on, y, tv,
				    _CMP_GT_OQ), acc, ones);
				acc = _mm512_mask_add_epi32(acc,
				    _mm512_mask_cmp_ps_mask(on, y, tv,
				    _CMP_GE_OQ), acc, ones);
			}
		}
	}
	/* A lane counts at most 2 * CELL_MAX_M an item of its 1/16. */
	return (uint64_t)_mm512_reduce_add_epi64(_mm512_add_epi64(
	    _mm512_cvtepu32_epi64(_mm512_castsi512_si256(acc)),
	    _mm512_cvtepu32_epi64(_mm512_extracti64x4_epi64(acc, 1))));
}

/* The pairs of 16-float vectors that hold P positives. */
static int
pairs_for(size_t P)
{
	return P <= 32 ? 1 : P <= 64 ? 2 : 4;
}

__attribute__((target(T512)))
static uint64_t
aside_pass(const float *x, size_t n, const struct celltab *t)
{
	switch (pairs_for(t->P)) {
	case 1:
		return aside_pass_k(x, n, t, 1);
	case 2:
		return aside_pass_k(x, n, t, 2);
	default:
		return aside_pass_k(x, n, t, 4);
	}
}

/*
 * The table for the P (CELL_MIN_P to CELL_MAX) scores q, or -1 where
 * their range cannot be mapped (zero, or past the floats) or one cell
 * would hold more than CELL_MAX_M of them (many ties).
 */
__attribute__((target(T512)))
static int
cells_build(const float *q, size_t P, struct celltab *t)
{
	const __m512i b1 = _mm512_set1_epi64((long long)BYTES(1));
	const __m512i b7f = _mm512_set1_epi64((long long)BYTES(0x7f));
	uint8_t cell[CELL_MAX + 1], at[CELLS];
	__m512 lo = _mm512_set1_ps(q[0]), hi = lo;
	__m512i top = _mm512_setzero_si512(), carry = top;
	float low, high;
	double sd, bd;
	size_t j;
	int g;

	for (j = 0; j < P; j += 16) {
		__mmask16 k = P - j >= 16 ? 0xffff :
		    (__mmask16)((1u << (P - j)) - 1);
		__m512 y = _mm512_maskz_loadu_ps(k, q + j);

		lo = _mm512_mask_min_ps(lo, k, lo, y);
		hi = _mm512_mask_max_ps(hi, k, hi, y);
	}
	low = _mm512_reduce_min_ps(lo);
	high = _mm512_reduce_max_ps(hi);
	if (!(high > low))
		return -1;
	sd = (CELLS - 6) / ((double)high - (double)low);
	bd = 2 - (double)low * sd;
	t->s = (float)sd;
	t->b = (float)bd;
	if (!isfinite(t->s) || !(t->s > 0) || !isfinite(t->b))
		return -1;
	cells_of(q, P, t->s, t->b, cell);
	memset(t->many, 0, sizeof t->many);
	for (j = 0; j < P; j++)
		t->many[cell[j]]++;
	/*
	 * Prefix sums, eight cells to a 64-bit word: no byte passes 127,
	 * so the product of a word with 0x0101...01 holds the sums of its
	 * bytes 0 to i without carries, its top byte the word's total. The
	 * words' totals are summed across the vector in three shifts.
	 */
	for (g = 0; g < 4; g++) {
		__m512i m = _mm512_loadu_si512(t->many + 64 * g);
		__m512i in = _mm512_mullo_epi64(m, b1);
		__m512i tot = _mm512_srli_epi64(in, 56), w = tot, ex;

		top = _mm512_max_epu8(top, m);
		w = _mm512_add_epi64(w, _mm512_maskz_permutexvar_epi64(0xfe,
		    _mm512_set_epi64(6, 5, 4, 3, 2, 1, 0, 0), w));
		w = _mm512_add_epi64(w, _mm512_maskz_permutexvar_epi64(0xfc,
		    _mm512_set_epi64(5, 4, 3, 2, 1, 0, 0, 0), w));
		w = _mm512_add_epi64(_mm512_add_epi64(w,
		    _mm512_maskz_permutexvar_epi64(0xf0,
		    _mm512_set_epi64(3, 2, 1, 0, 0, 0, 0, 0), w)), carry);
		/* The cells before each: the word's bytes before, and the
		 * words before. */
		ex = _mm512_add_epi64(_mm512_sub_epi64(in, m),
		    _mm512_mullo_epi64(_mm512_sub_epi64(w, tot), b1));
		_mm512_storeu_si512(t->first + 64 * g, ex);
		/* CELL_FLAG in each byte of m that is not 0. */
		_mm512_storeu_si512(t->below + 64 * g, _mm512_or_si512(ex,
		    _mm512_andnot_si512(b7f, _mm512_add_epi64(m, b7f))));
		carry = _mm512_permutexvar_epi64(_mm512_set1_epi64(7), w);
	}
	/* The most in a cell: each word's bytes folded into its lowest. */
	top = _mm512_max_epu8(top, _mm512_srli_epi64(top, 32));
	top = _mm512_max_epu8(top, _mm512_srli_epi64(top, 16));
	top = _mm512_max_epu8(top, _mm512_srli_epi64(top, 8));
	t->max_m = (int)_mm512_reduce_max_epu64(_mm512_and_si512(top,
	    _mm512_set1_epi64(0xff)));
	/* Cell 0 (where padding goes) and the top one hold no positive. */
	if (t->many[0] != 0 || t->many[CELLS - 1] != 0 ||
	    t->max_m > CELL_MAX_M)
		return -1;
	memcpy(at, t->first, sizeof at);
	for (j = 0; j < P; j++)
		t->v[at[cell[j]]++] = q[j];
	/* The vectors' lanes past the positives are read, never used. */
	for (j = P; j < 32 * (size_t)pairs_for(P); j++)
		t->v[j] = 0;
	t->P = P;
	return 0;
}
#endif

#ifdef HAVE_RANK_AVX2
static int avx2;		/* this CPU runs the AVX2 versions */
#endif
#ifdef HAVE_RANK_CELLS
static int cells;		/* and the AVX-512 cell table */
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
#ifdef HAVE_RANK_CELLS
	cells = avx2 && __builtin_cpu_supports("avx512f") &&
	    __builtin_cpu_supports("avx512bw") &&
	    __builtin_cpu_supports("avx512dq") &&
	    __builtin_cpu_supports("avx512vbmi") &&
	    __builtin_cpu_supports("avx512vbmi2") &&
	    __builtin_cpu_supports("avx512vnni");
#endif
}

/* One call's state: its scratch and how deep it splits. */
struct ctx {
	struct model_rank_scratch *s;
	size_t depth;
};

#ifdef HAVE_RANK_CELLS
/*
 * The count for the P scores q among x[0..n) by the cell table, or -1
 * where cells_build() refuses them.
 */
static int
count_cells(struct model_rank_scratch *s, const float *x, size_t n,
    const float *q, size_t P, uint64_t *total)
{
	struct celltab t;
	size_t namb;
	uint64_t sum;

	if (cells_build(q, P, &t) < 0)
		return -1;
	sum = cell_pass(x, n, &t, s->amb, &namb);
	*total = 2 * sum + aside_pass(s->amb, namb, &t);
	return 0;
}
#endif

/* The count for the node's positives among x[0..n), at depth level. */
static uint64_t
count_node(const struct ctx *c, const float *x, size_t n,
    const struct node *nd, size_t level)
{
	struct node lo = *nd, hi = *nd;
	float *L, *R;
	size_t mid, nl, nr;

#ifdef HAVE_RANK_CELLS
	/* Few enough positives (with repeats) for the cell table. */
	if (cells && n >= CELL_MIN_N && weight(nd, nd->lo, nd->hi) >=
	    CELL_MIN_P && weight(nd, nd->lo, nd->hi) <= CELL_MAX) {
		float q[CELL_MAX];
		size_t j, P = 0;
		uint64_t r, t;

		for (j = nd->lo; j < nd->hi; j++)
			for (r = weight(nd, j, j + 1); r > 0; r--)
				q[P++] = nd->v[j];
		if (count_cells(c->s, x, n, q, P, &t) == 0)
			return t;
	}
#endif
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
	pthread_once(&once, init);
#ifdef HAVE_RANK_CELLS
	if (cells && n >= CELL_MIN_N && n + 16 > s->ambcap) {
		s->ambcap = n + 16;
		free(s->amb);
		s->amb = ep_xreallocarray(NULL, s->ambcap, sizeof *s->amb);
	}
	if (cells && n >= CELL_MIN_N && P >= CELL_MIN_P && P <= CELL_MAX) {
		uint64_t t;

		if (count_cells(s, row, n, q, P, &t) == 0)
			return t;
	}
#endif
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
	free(s->amb);
	free(s->v);
	free(s->wsum);
	memset(s, 0, sizeof *s);
}
