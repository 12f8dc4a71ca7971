/*
 * Tests for models/panel: scores against a packed item table, with each
 * kernel the CPU has, bit for bit against the chain of fused
 * multiply-adds it promises; widths, item counts and user counts on and
 * off the tiles and pairs; nothing written past the output; and
 * model_dot_score() using a packing only while it holds its table.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/rng.h"
#include "models/kernels.h"
#include "models/panel.h"

static const enum model_panel_isa isas[] = {
	MODEL_PANEL_AVX512, MODEL_PANEL_AVX2, MODEL_PANEL_AUTO,
};
#define N_ISAS (sizeof isas / sizeof *isas)

#define GUARD 64	/* floats checked past the output */

static float *
random_table(size_t n, struct ep_rng *rng)
{
	float *t = ep_xmalloc((n ? n : 1) * sizeof *t);
	size_t i;

	for (i = 0; i < n; i++)
		t[i] = i % 11 == 3 ? 0.0f : (float)ep_rng_normal(rng);
	return t;
}

/* fma(a[w-1], v[w-1], ... fma(a[0], v[0], 0)). */
static float
chain(const float *a, const float *v, size_t w)
{
	float s = 0.0f;
	size_t k;

	for (k = 0; k < w; k++)
		s = fmaf(a[k], v[k], s);
	return s;
}

/* out's n x ni scores are the chains of the rows (users[j], or j) of U
 * with V's, plus bias[i] where bias is not NULL, and the GUARD floats
 * after them are untouched. */
static void
check_scores(const float *out, const float *U, const uint32_t *users,
    size_t n, const float *V, const float *bias, size_t ni, size_t w)
{
	size_t j, i;

	for (j = 0; j < n; j++) {
		const float *a = U + (users ? users[j] : j) * w;

		for (i = 0; i < ni; i++) {
			float want = chain(a, V + i * w, w);

			if (bias != NULL)
				want += bias[i];

			assert_memory_equal(&out[j * ni + i], &want,
			    sizeof want);
		}
	}
	for (i = 0; i < GUARD; i++)
		assert_true(isnan(out[n * ni + i]));
}

static void
test_matches_fma_chain(void **state)
{
	static const size_t ws[] = { 1, 3, 16, 64, 100 };
	static const size_t nis[] = { 1, 15, 16, 17, 31, 32, 33, 70, 97, 130,
	    300 };
	static const size_t ns[] = { 1, 2, 3, 5, 6, 7, 11, 12, 13, 15, 25,
	    70 };
	struct ep_rng rng;
	size_t a, b, c, j, i, ran = 0;
	int bi;

	(void)state;
	ep_rng_seed(&rng, 5, 1);
	for (a = 0; a < N_ISAS; a++)
		for (b = 0; b < sizeof ws / sizeof *ws; b++)
			for (c = 0; c < sizeof nis / sizeof *nis; c++)
				for (bi = 0; bi < 2; bi++) {
		size_t w = ws[b], ni = nis[c], nu = 80;
		struct model_panel pn = MODEL_PANEL_INIT;
		float *U = random_table(nu * w, &rng);
		float *V = random_table(ni * w, &rng);
		float *bias = bi ? random_table(ni, &rng) : NULL;
		size_t k;

		if (model_panel_pack_bias(&pn, V, bias, ni, w, isas[a]) < 0) {
			free(U);
			free(V);
			free(bias);
			continue;
		}
		assert_true(model_panel_holds(&pn, V, ni, w));
		for (k = 0; k < sizeof ns / sizeof *ns; k++) {
			size_t n = ns[k];
			float *out = ep_xmalloc((n * ni + GUARD) *
			    sizeof *out);
			uint32_t *users = ep_xmalloc(n * sizeof *users);

			for (j = 0; j < n; j++)
				users[j] = (uint32_t)((j * 7 + 3) % nu);
			for (i = 0; i < n * ni + GUARD; i++)
				out[i] = NAN;
			model_panel_score(&pn, U, users, n, out);
			check_scores(out, U, users, n, V, bias, ni, w);
			for (i = 0; i < n * ni; i++)
				out[i] = NAN;
			model_panel_score(&pn, U, NULL, n, out);
			check_scores(out, U, NULL, n, V, bias, ni, w);
			free(out);
			free(users);
			ran++;
		}
		model_panel_release(&pn);
		free(U);
		free(V);
		free(bias);
	}
	if (ran == 0)
		skip();
}

/* One packing reused for smaller and larger tables, with and without
 * biases. */
static void
test_repack(void **state)
{
	static const size_t nis[] = { 100, 20, 300, 33 };
	struct model_panel pn = MODEL_PANEL_INIT;
	struct ep_rng rng;
	size_t c, i, w = 24, n = 13;

	(void)state;
	ep_rng_seed(&rng, 6, 1);
	for (c = 0; c < sizeof nis / sizeof *nis; c++) {
		size_t ni = nis[c];
		float *U = random_table(n * w, &rng);
		float *V = random_table(ni * w, &rng);
		float *bias = c % 2 ? random_table(ni, &rng) : NULL;
		float *out = ep_xmalloc((n * ni + GUARD) * sizeof *out);

		if (model_panel_pack_bias(&pn, V, bias, ni, w,
		    MODEL_PANEL_AUTO) < 0) {
			free(U);
			free(V);
			free(bias);
			free(out);
			skip();
		}
		for (i = 0; i < n * ni + GUARD; i++)
			out[i] = NAN;
		model_panel_score(&pn, U, NULL, n, out);
		check_scores(out, U, NULL, n, V, bias, ni, w);
		free(U);
		free(V);
		free(bias);
		free(out);
	}
	model_panel_release(&pn);
}

/* |out - U V^T| within single precision's rounding of the products. */
static void
check_close(const float *out, const float *U, const uint32_t *users,
    size_t n, const float *V, size_t ni, size_t w)
{
	size_t j, i, k;

	for (j = 0; j < n; j++)
		for (i = 0; i < ni; i++) {
			double want = 0, mag = 0;

			for (k = 0; k < w; k++) {
				double p = (double)U[users[j] * w + k] *
				    (double)V[i * w + k];

				want += p;
				mag += fabs(p);
			}
			assert_true(fabs((double)out[j * ni + i] - want) <=
			    1e-6 * mag + 1e-30);
		}
}

/*
 * model_dot_score() scores through a packing that holds its table (the
 * chains, bit for bit), and through SGEMM where the packing is stale,
 * of another table, or absent.
 */
static void
test_dot_score(void **state)
{
	struct model_panel pn = MODEL_PANEL_INIT;
	struct ep_rng rng;
	size_t w = 32, ni = 45, n = 9, nu = 20, j, i;
	float *U, *V, *V2, *out;
	uint32_t users[9];

	(void)state;
	ep_rng_seed(&rng, 7, 1);
	U = random_table(nu * w, &rng);
	V = random_table(ni * w, &rng);
	V2 = random_table(ni * w, &rng);
	out = ep_xmalloc((n * ni + GUARD) * sizeof *out);
	for (j = 0; j < n; j++)
		users[j] = (uint32_t)(nu - 1 - 2 * j);
	if (model_panel_pack(&pn, V, ni, w, MODEL_PANEL_AUTO) < 0) {
		free(U);
		free(V);
		free(V2);
		free(out);
		skip();
	}
	for (i = 0; i < n * ni + GUARD; i++)
		out[i] = NAN;
	model_dot_score(&pn, U, V, w, users, n, ni, out);
	check_scores(out, U, users, n, V, NULL, ni, w);
	/* A packing of another table, or of the same one with another
	 * shape, is not used. */
	model_dot_score(&pn, U, V2, w, users, n, ni, out);
	check_close(out, U, users, n, V2, ni, w);
	assert_false(model_panel_holds(&pn, V, ni - 1, w));
	assert_false(model_panel_holds(&pn, V, ni, w - 1));
	assert_false(model_panel_holds(NULL, V, ni, w));
	/* Stale: the table changed in place. */
	memcpy(V, V2, ni * w * sizeof *V);
	model_panel_forget(&pn);
	assert_false(model_panel_holds(&pn, V, ni, w));
	model_dot_score(&pn, U, V, w, users, n, ni, out);
	check_close(out, U, users, n, V2, ni, w);
	model_panel_release(&pn);
	assert_false(model_panel_holds(&pn, V, ni, w));
	free(U);
	free(V);
	free(V2);
	free(out);
}

static void
test_refusals(void **state)
{
	struct model_panel pn = MODEL_PANEL_INIT;
	float V[16] = { 0 };

	(void)state;
	assert_int_equal(model_panel_pack(&pn, V, 0, 4, MODEL_PANEL_AUTO),
	    -1);
	assert_int_equal(model_panel_pack(&pn, V, 4, 0, MODEL_PANEL_AUTO),
	    -1);
	assert_false(model_panel_holds(&pn, V, 0, 4));
	model_panel_release(&pn);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matches_fma_chain),
		cmocka_unit_test(test_repack),
		cmocka_unit_test(test_dot_score),
		cmocka_unit_test(test_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
