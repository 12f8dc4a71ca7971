/*
 * Tests for NeuMF's scoring tower (models/neumf.c, compiled in here in
 * place of the library's copy): the plain, AVX2 and AVX-512 versions
 * against the MLP in double, for one to three layers of widths on and
 * off the four and eight outputs of a pass, with pre-activations either
 * side of 0; and the AVX-512 version against the AVX2 one bit for bit.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "models/neumf.c"

#include "core/rng.h"

/* A model with only what the tower reads: widths, layers, output. */
struct fake {
	struct model m;
	struct model_tensor t[2 * MAX_LAYERS + 2];
};

static void
fake_init(struct fake *f, size_t mf, const size_t *w, size_t L,
    struct ep_rng *rng)
{
	size_t l, k;

	memset(f, 0, sizeof *f);
	f->m.mf = mf;
	f->m.layers = L;
	f->m.maxw = 0;
	for (l = 0; l <= L; l++) {
		f->m.w[l] = w[l];
		f->m.maxw = w[l] > f->m.maxw ? w[l] : f->m.maxw;
	}
	for (l = 0; l < L; l++) {
		f->m.lw[l] = &f->t[2 * l];
		f->m.lb[l] = &f->t[2 * l + 1];
		model_tensor_alloc(f->m.lw[l], "w", w[l + 1], w[l]);
		model_tensor_alloc(f->m.lb[l], "b", 1, w[l + 1]);
		for (k = 0; k < w[l + 1] * w[l]; k++)
			f->m.lw[l]->w[k] = (float)ep_rng_normal(rng) / 4;
		for (k = 0; k < w[l + 1]; k++)
			f->m.lb[l]->w[k] = (float)ep_rng_normal(rng) / 4;
	}
	f->m.ow = &f->t[2 * L];
	f->m.ob = &f->t[2 * L + 1];
	model_tensor_alloc(f->m.ow, "ow", 1, mf + w[L]);
	model_tensor_alloc(f->m.ob, "ob", 1, 1);
	for (k = 0; k < mf + w[L]; k++)
		f->m.ow->w[k] = (float)ep_rng_normal(rng);
	f->m.ob->w[0] = (float)ep_rng_normal(rng);
}

static void
fake_release(struct fake *f)
{
	size_t k;

	for (k = 0; k < 2 * f->m.layers + 2; k++)
		model_tensor_release(&f->t[k]);
}

/* The tower for lane k, in double. */
static double
naive(const struct model *m, const float *qb, const float *ub, size_t k)
{
	double x[64], y[64], z;
	size_t l, o, c, w = m->w[1];

	for (c = 0; c < w; c++) {
		double v = (double)qb[c * TOWER_LANES + k] + (double)ub[c];

		x[c] = v > 0 ? v : 0;
	}
	for (l = 1; l < m->layers; l++) {
		size_t in = m->w[l];

		for (o = 0; o < m->w[l + 1]; o++) {
			double s = (double)m->lb[l]->w[o];

			for (c = 0; c < in; c++)
				s += (double)m->lw[l]->w[o * in + c] * x[c];
			y[o] = s > 0 ? s : 0;
		}
		w = m->w[l + 1];
		memcpy(x, y, w * sizeof *x);
	}
	z = (double)m->ob->w[0];
	for (c = 0; c < w; c++)
		z += (double)m->ow->w[m->mf + c] * x[c];
	return z;
}

static void
test_tower_matches_naive(void **state)
{
	static const size_t shapes[][4] = {
		{ 1, 8, 0, 0 }, { 1, 13, 0, 0 }, { 2, 16, 8, 0 },
		{ 2, 13, 11, 0 }, { 3, 24, 17, 9 }, { 3, 5, 3, 1 },
		{ 2, 64, 32, 0 },
	};
	struct ep_rng rng;
	size_t s, k, c, trial;

	(void)state;
	ep_rng_seed(&rng, 21, 3);
	for (s = 0; s < sizeof shapes / sizeof *shapes; s++)
		for (trial = 0; trial < 20; trial++) {
			size_t w[4] = { 10, shapes[s][1], shapes[s][2],
				shapes[s][3] }, L = shapes[s][0];
			struct fake f;
			float *qb, *ub, *xa, *xb, zp[TOWER_LANES],
			    za[TOWER_LANES], zw[TOWER_LANES];

			fake_init(&f, 3, w, L, &rng);
			qb = ep_xaligned(w[1] * TOWER_LANES, sizeof *qb);
			ub = ep_xaligned(w[1], sizeof *ub);
			xa = ep_xaligned(f.m.maxw * TOWER_LANES, sizeof *xa);
			xb = ep_xaligned(f.m.maxw * TOWER_LANES, sizeof *xb);
			for (c = 0; c < w[1] * TOWER_LANES; c++)
				qb[c] = (float)ep_rng_normal(&rng);
			for (c = 0; c < w[1]; c++)
				ub[c] = (float)ep_rng_normal(&rng) / 2;
			tower_plain(&f.m, qb, ub, xa, xb, zp);
			memcpy(za, zp, sizeof za);
			memcpy(zw, zp, sizeof zw);
#ifdef HAVE_TOWER_AVX2
			if (__builtin_cpu_supports("avx2") &&
			    __builtin_cpu_supports("fma"))
				tower_avx2(&f.m, qb, ub, xa, xb, za);
#endif
#ifdef HAVE_TOWER_AVX512
			if (__builtin_cpu_supports("avx512f")) {
				tower_avx512(&f.m, qb, ub, xa, xb, zw);
				if (memcmp(zw, za, sizeof zw) != 0)
					fail_msg("shape %zu: AVX-512 and AVX2 "
					    "differ", s);
			}
#endif
			for (k = 0; k < TOWER_LANES; k++) {
				double want = naive(&f.m, qb, ub, k);
				double tol = 1e-5 * (1 + fabs(want));

				if (fabs((double)zp[k] - want) > tol ||
				    fabs((double)za[k] - want) > tol ||
				    fabs((double)zw[k] - want) > tol)
					fail_msg("shape %zu lane %zu: plain %.9g, "
					    "avx2 %.9g, avx512 %.9g, want %.9g",
					    s, k, (double)zp[k], (double)za[k],
					    (double)zw[k], want);
			}
			free(qb);
			free(ub);
			free(xa);
			free(xb);
			fake_release(&f);
		}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tower_matches_naive),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
