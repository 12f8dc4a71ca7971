/*
 * Scoring against a packed item table (models/panel.h). A pair of
 * panels holds 32 items: for each k of the width, their 32 values in a
 * row, so that one k is one or two vector loads. The users of a call are
 * packed the same way, a tile of them (12 for AVX-512, 6 for AVX2) for
 * each k in a row, and each of their values is broadcast against the
 * item vectors into accumulators that stay in registers for the whole
 * width: 24 of AVX-512's 32 (12 users x 2 x 16 items), 12 of AVX2's 16
 * (6 users x 2 x 8 items). A pair's panel (128 bytes a k) and the
 * users' tiles stay in the L1 while every tile passes over the pair;
 * each score is stored once, with no zeroing before.
 */
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_PANEL_KERNELS 1
#endif

#include "core/mem.h"
#include "models/panel.h"
#include "core/banned.h"

#define PAIR 32			/* items a pair of panels */
#define MR512 12		/* users a tile, AVX-512 */
#define MR256 6			/* users a tile, AVX2 */

#ifdef HAVE_PANEL_KERNELS
/*
 * The accumulators are named one by one, not kept in arrays: with R a
 * constant, each compiler then holds them in registers (clang kept an
 * array of them on the stack, at a third of the speed).
 */
#define EACH6(M) M(0) M(1) M(2) M(3) M(4) M(5)
#define EACH12(M) EACH6(M) M(6) M(7) M(8) M(9) M(10) M(11)

#define ZERO512(r) __m512 c##r = _mm512_setzero_ps(), d##r = c##r;
#define STEP512(r) \
	if (R > r) { \
		__m512 x = _mm512_set1_ps(at[r]); \
		c##r = _mm512_fmadd_ps(x, b0, c##r); \
		d##r = _mm512_fmadd_ps(x, b1, d##r); \
	}
#define BIAS512(r) \
	if (R > r) { \
		c##r = _mm512_add_ps(c##r, e0); \
		d##r = _mm512_add_ps(d##r, e1); \
	}
#define STORE512(r) \
	if (R > r) { \
		_mm512_storeu_ps(out + (size_t)r * ldo, c##r); \
		_mm512_storeu_ps(out + (size_t)r * ldo + 16, d##r); \
	}

/*
 * R (a constant where inlined) users' scores against one pair: at holds
 * their values k by k (MR512 a k), p the pair's, pb its 32 biases or
 * NULL; the 32 scores of user r go to out + r ldo.
 */
__attribute__((target("avx512f,fma"), always_inline))
static inline void
tile512(const float *at, const float *p, const float *pb, size_t w,
    float *out, size_t ldo, int R)
{
	size_t k;

	EACH12(ZERO512)
	for (k = 0; k < w; k++, at += MR512, p += PAIR) {
		__m512 b0 = _mm512_load_ps(p), b1 = _mm512_load_ps(p + 16);

		EACH12(STEP512)
	}
	if (pb != NULL) {
		__m512 e0 = _mm512_load_ps(pb), e1 = _mm512_load_ps(pb + 16);

		EACH12(BIAS512)
	}
	EACH12(STORE512)
}

/* tile512() for R = 1 .. MR512 users. */
__attribute__((target("avx512f,fma")))
static void
tile512_r(const float *at, const float *p, const float *pb, size_t w,
    float *out, size_t ldo, size_t R)
{
	switch (R) {
	case 1: tile512(at, p, pb, w, out, ldo, 1); break;
	case 2: tile512(at, p, pb, w, out, ldo, 2); break;
	case 3: tile512(at, p, pb, w, out, ldo, 3); break;
	case 4: tile512(at, p, pb, w, out, ldo, 4); break;
	case 5: tile512(at, p, pb, w, out, ldo, 5); break;
	case 6: tile512(at, p, pb, w, out, ldo, 6); break;
	case 7: tile512(at, p, pb, w, out, ldo, 7); break;
	case 8: tile512(at, p, pb, w, out, ldo, 8); break;
	case 9: tile512(at, p, pb, w, out, ldo, 9); break;
	case 10: tile512(at, p, pb, w, out, ldo, 10); break;
	case 11: tile512(at, p, pb, w, out, ldo, 11); break;
	default: tile512(at, p, pb, w, out, ldo, MR512); break;
	}
}

#define ZERO256(r) __m256 c##r = _mm256_setzero_ps(), d##r = c##r;
#define STEP256(r) \
	if (R > r) { \
		__m256 x = _mm256_broadcast_ss(at + r); \
		c##r = _mm256_fmadd_ps(x, b0, c##r); \
		d##r = _mm256_fmadd_ps(x, b1, d##r); \
	}
#define BIAS256(r) \
	if (R > r) { \
		c##r = _mm256_add_ps(c##r, e0); \
		d##r = _mm256_add_ps(d##r, e1); \
	}
#define STORE256(r) \
	if (R > r) { \
		_mm256_storeu_ps(out + (size_t)r * ldo, c##r); \
		_mm256_storeu_ps(out + (size_t)r * ldo + 8, d##r); \
	}

/* R users' scores against half a pair (16 items at p, their biases at
 * pb or none), AVX2: two vectors of 8 items a k. */
__attribute__((target("avx2,fma"), always_inline))
static inline void
tile256(const float *at, const float *p, const float *pb, size_t w,
    float *out, size_t ldo, int R)
{
	size_t k;

	EACH6(ZERO256)
	for (k = 0; k < w; k++, at += MR256, p += PAIR) {
		__m256 b0 = _mm256_load_ps(p), b1 = _mm256_load_ps(p + 8);

		EACH6(STEP256)
	}
	if (pb != NULL) {
		__m256 e0 = _mm256_load_ps(pb), e1 = _mm256_load_ps(pb + 8);

		EACH6(BIAS256)
	}
	EACH6(STORE256)
}

__attribute__((target("avx2,fma")))
static void
tile256_r(const float *at, const float *p, const float *pb, size_t w,
    float *out, size_t ldo, size_t R)
{
	switch (R) {
	case 1: tile256(at, p, pb, w, out, ldo, 1); break;
	case 2: tile256(at, p, pb, w, out, ldo, 2); break;
	case 3: tile256(at, p, pb, w, out, ldo, 3); break;
	case 4: tile256(at, p, pb, w, out, ldo, 4); break;
	case 5: tile256(at, p, pb, w, out, ldo, 5); break;
	default: tile256(at, p, pb, w, out, ldo, MR256); break;
	}
}
#endif

static int
isa_present(enum model_panel_isa isa)
{
#ifdef HAVE_PANEL_KERNELS
	switch (isa) {
	case MODEL_PANEL_AVX512:
		return __builtin_cpu_supports("avx512f") &&
		    __builtin_cpu_supports("fma");
	case MODEL_PANEL_AVX2:
		return __builtin_cpu_supports("avx2") &&
		    __builtin_cpu_supports("fma");
	default:
		return 0;
	}
#else
	(void)isa;
	return 0;
#endif
}

int
model_panel_pack(struct model_panel *pn, const float *V, size_t ni,
    size_t w, enum model_panel_isa isa)
{
	return model_panel_pack_bias(pn, V, NULL, ni, w, isa);
}

int
model_panel_pack_bias(struct model_panel *pn, const float *V,
    const float *bias, size_t ni, size_t w, enum model_panel_isa isa)
{
	size_t j, l, k, kb, need;

	pn->V = NULL;
	if (isa == MODEL_PANEL_AUTO)
		isa = isa_present(MODEL_PANEL_AVX512) ? MODEL_PANEL_AVX512 :
		    MODEL_PANEL_AVX2;
	if (!isa_present(isa) || ni == 0 || w == 0)
		return -1;
	pn->pairs = (ni + PAIR - 1) / PAIR;
	need = pn->pairs * w * PAIR;
	if (need / PAIR / w != pn->pairs)
		return -1;
	if (need > pn->cap) {
		free(pn->p);
		pn->p = ep_xaligned(need, sizeof *pn->p);
		pn->cap = need;
	}
	/* By 64 k at a time, so that the 8 KiB written stay in the L1 while
	 * the 32 rows' pieces are read. */
	for (j = 0; j < pn->pairs; j++) {
		float *q = pn->p + j * w * PAIR;
		size_t n = ni - j * PAIR < PAIR ? ni - j * PAIR : PAIR;

		for (kb = 0; kb < w; kb += 64) {
			size_t ke = w - kb < 64 ? w : kb + 64;

			for (l = 0; l < n; l++) {
				const float *row = V + (j * PAIR + l) * w;

				for (k = kb; k < ke; k++)
					q[k * PAIR + l] = row[k];
			}
			for (; l < PAIR; l++)
				for (k = kb; k < ke; k++)
					q[k * PAIR + l] = 0.0f;
		}
	}
	if (bias != NULL) {
		if (pn->pairs * PAIR > pn->bias_cap) {
			free(pn->bias);
			pn->bias = ep_xaligned(pn->pairs * PAIR,
			    sizeof *pn->bias);
			pn->bias_cap = pn->pairs * PAIR;
		}
		memcpy(pn->bias, bias, ni * sizeof *bias);
		memset(pn->bias + ni, 0, (pn->pairs * PAIR - ni) *
		    sizeof *bias);
	}
	pn->has_bias = bias != NULL;
	pn->V = V;
	pn->ni = ni;
	pn->w = w;
	pn->isa = isa;
	return 0;
}

int
model_panel_holds(const struct model_panel *pn, const float *V, size_t ni,
    size_t w)
{
	return pn != NULL && pn->V != NULL && pn->V == V && pn->ni == ni &&
	    pn->w == w;
}

void
model_panel_forget(struct model_panel *pn)
{
	pn->V = NULL;
}

void
model_panel_release(struct model_panel *pn)
{
	free(pn->p);
	free(pn->bias);
	*pn = (struct model_panel)MODEL_PANEL_INIT;
}

/* The n users' rows of U in tiles of mr: at[t w + k mr + r] is value k
 * of user t + r, t a multiple of mr. */
static void
pack_users(const float *U, const uint32_t *users, size_t n, size_t w,
    size_t mr, float *at)
{
	size_t t, r, k;

	for (t = 0; t < n; t += mr)
		for (r = 0; r < mr && t + r < n; r++) {
			const float *row = U + (users != NULL ?
			    (size_t)users[t + r] : t + r) * w;
			float *dst = at + t * w + r;

			for (k = 0; k < w; k++)
				dst[k * mr] = row[k];
		}
}

void
model_panel_score(const struct model_panel *pn, const float *U,
    const uint32_t *users, size_t n, float *out)
{
#ifdef HAVE_PANEL_KERNELS
	const size_t ni = pn->ni, w = pn->w;
	const size_t mr = pn->isa == MODEL_PANEL_AVX512 ? MR512 : MR256;
	float *at, tmp[MR512 * PAIR];
	size_t j, t, r, h;

	if (n == 0)
		return;
	at = ep_xmalloc(((n + mr - 1) / mr) * mr * w * sizeof *at);
	pack_users(U, users, n, w, mr, at);
	for (j = 0; j < pn->pairs; j++) {
		const float *p = pn->p + j * w * PAIR;
		const float *pb = pn->has_bias ? pn->bias + j * PAIR : NULL;
		size_t cols = ni - j * PAIR < PAIR ? ni - j * PAIR : PAIR;

		for (t = 0; t < n; t += mr) {
			size_t R = n - t < mr ? n - t : mr;
			/* A pair past the last item writes to tmp first. */
			float *o = cols == PAIR ? out + t * ni + j * PAIR : tmp;
			size_t ldo = cols == PAIR ? ni : PAIR;

			if (pn->isa == MODEL_PANEL_AVX512) {
				tile512_r(at + t * w, p, pb, w, o, ldo, R);
			} else {
				for (h = 0; h < PAIR; h += 16)
					tile256_r(at + t * w, p + h,
					    pb != NULL ? pb + h : NULL, w,
					    o + h, ldo, R);
			}
			if (cols < PAIR)
				for (r = 0; r < R; r++)
					memcpy(out + (t + r) * ni + j * PAIR,
					    tmp + r * PAIR,
					    cols * sizeof *out);
		}
	}
	free(at);
#else
	(void)pn;
	(void)U;
	(void)users;
	(void)n;
	(void)out;
	abort();
#endif
}
