/*
 * Tests for models/screen: screened top-k lists, of both kinds of
 * screen, against scoring every item exactly (model_rows_score() and
 * model_topk_scan(), as serving does), on random tables, exact ties,
 * near ties a rounding apart, rows of very different sizes, and the
 * inputs the screen must refuse.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/rng.h"
#include "models/kernels.h"
#include "models/screen.h"

/* Training items: each (user, item) with probability 1 / every. */
static void
make_train(struct model_csr *t, uint32_t nu, uint32_t ni, uint32_t every,
    struct ep_rng *rng)
{
	uint32_t *r = ep_xreallocarray(NULL, (size_t)nu * ni + 1, sizeof *r);
	uint32_t *c = ep_xreallocarray(NULL, (size_t)nu * ni + 1, sizeof *c);
	size_t n = 0;
	uint32_t u, i;

	for (u = 0; u < nu; u++)
		for (i = 0; i < ni; i++)
			if (ep_rng_below(rng, every) == 0) {
				r[n] = u;
				c[n++] = i;
			}
	model_csr_from_pairs(t, nu, ni, r, c, n);
	free(r);
	free(c);
}

static void
free_csr(struct model_csr *t)
{
	free(t->rowptr);
	free(t->col);
}

/* The kinds of screen to test: bfloat16, and 8-bit where the CPU can
 * (where it cannot, the screen must refuse). */
static const enum model_screen_kind kinds[] = {
	MODEL_SCREEN_BF16, MODEL_SCREEN_INT8,
};
#define N_KINDS (sizeof kinds / sizeof *kinds)

static int
kind_runs(enum model_screen_kind kind)
{
#if defined(__x86_64__) && defined(__GNUC__)
	return kind != MODEL_SCREEN_INT8 ||
	    (__builtin_cpu_supports("avx512f") &&
	    __builtin_cpu_supports("avx512vnni"));
#else
	return kind != MODEL_SCREEN_INT8;
#endif
}

/*
 * Screens users 0..nu of U against V, checking each decided list
 * against exact scoring. Returns how many the screen decided.
 */
static size_t
check_users(const float *U, const float *V, size_t ni, size_t w, size_t nu,
    int k, const struct model_csr *train, enum model_screen_kind kind)
{
	struct model_screen sc;
	float *row, *exact = ep_xreallocarray(NULL, ni, sizeof *exact);
	uint32_t *cand, got[64], want[64], ti[64];
	float ts[64];
	size_t u, decided = 0, r;
	int cnt, j;

	if (model_screen_init(&sc, V, ni, w, kind) < 0) {
		free(exact);
		return 0;
	}
	assert_int_equal(sc.kind, kind);
	row = ep_xreallocarray(NULL, ni + w, sizeof *row);
	cand = ep_xreallocarray(NULL, model_screen_cand_cap(&sc),
	    sizeof *cand);
	for (u = 0; u < nu; u++) {
		const float *x = U + u * w;

		if (model_screen_topk(&sc, x, train, (uint32_t)u, k, row, cand,
		    got) < 0)
			continue;
		decided++;
		model_rows_score(NULL, x, w, 1, V, ni, exact);
		for (r = train->rowptr[u]; r < train->rowptr[u + 1]; r++)
			exact[train->col[r]] = -INFINITY;
		cnt = 0;
		model_topk_scan(exact, ni, k, ts, ti, &cnt, 0);
		for (j = 0; j < k; j++)
			want[j] = j < cnt ? ti[j] : UINT32_MAX;
		for (j = 0; j < k; j++)
			if (got[j] != want[j])
				fail_msg("kind %d, ni %zu, w %zu, k %d, user "
				    "%zu: place %d is item %u, want %u",
				    (int)kind, ni, w, k, u, j, got[j],
				    want[j]);
	}
	model_screen_release(&sc);
	free(row);
	free(cand);
	free(exact);
	return decided;
}

static void
test_random_tables(void **state)
{
	static const size_t nis[] = { 10, 37, 64, 1000, 3706 };
	static const size_t ws[] = { 16, 64, 256 };
	static const int ks[] = { 1, 10, 64 };
	struct ep_rng rng;
	size_t a, b, c, d, i, nu = 40;

	(void)state;
	if (!model_request_exact(16))
		skip();
	ep_rng_seed(&rng, 21, 1);
	for (d = 0; d < N_KINDS; d++)
		for (a = 0; a < sizeof nis / sizeof *nis; a++)
			for (b = 0; b < sizeof ws / sizeof *ws; b++)
				for (c = 0; c < sizeof ks / sizeof *ks; c++) {
		size_t ni = nis[a], w = ws[b];
		float *U = ep_xreallocarray(NULL, nu, w * sizeof *U);
		float *V = ep_xreallocarray(NULL, ni, w * sizeof *V);
		struct model_csr train = MODEL_CSR_INIT;
		size_t decided;

		for (i = 0; i < nu * w; i++)
			U[i] = (float)ep_rng_normal(&rng);
		for (i = 0; i < ni * w; i++)
			V[i] = (float)(0.1 * ep_rng_normal(&rng));
		make_train(&train, (uint32_t)nu, (uint32_t)ni, 5, &rng);
		decided = check_users(U, V, ni, w, nu, ks[c], &train,
		    kinds[d]);
		/* The screen must decide nearly every request here, or it
		 * tests nothing (too few items for k excepted). */
		if (kind_runs(kinds[d]) && (size_t)ks[c] * 2 < ni &&
		    decided < nu * 9 / 10)
			fail_msg("kind %d, ni %zu, w %zu, k %d: decided %zu "
			    "of %zu", (int)kinds[d], ni, w, ks[c], decided,
			    nu);
		if (!kind_runs(kinds[d]))
			assert_int_equal(decided, 0);
		free_csr(&train);
		free(U);
		free(V);
	}
}

/*
 * Ties: every row twice (equal scores, the lower id first), and rows a
 * rounding apart, whose exact scores differ by less than the screen's
 * error.
 */
static void
test_ties_and_near_ties(void **state)
{
	enum { NI = 400, W = 64, NU = 30 };
	struct ep_rng rng;
	float *U = ep_xreallocarray(NULL, NU, W * sizeof *U);
	float *V = ep_xreallocarray(NULL, NI, W * sizeof *V);
	struct model_csr train = MODEL_CSR_INIT;
	size_t i, k;

	(void)state;
	if (!model_request_exact(W))
		skip();
	ep_rng_seed(&rng, 22, 1);
	for (i = 0; i < NU * W; i++)
		U[i] = (float)ep_rng_normal(&rng);
	for (i = 0; i < NI; i += 2)
		for (k = 0; k < W; k++) {
			float v = (float)ep_rng_normal(&rng);

			V[i * W + k] = v;
			/* Equal, or one value a float step up. */
			V[(i + 1) * W + k] = i % 4 == 0 || k != i / 4 % W ? v :
			    nextafterf(v, INFINITY);
		}
	make_train(&train, NU, NI, 7, &rng);
	for (i = 0; i < N_KINDS; i++) {
		if (!kind_runs(kinds[i]))
			continue;
		assert_true(check_users(U, V, NI, W, NU, 10, &train,
		    kinds[i]) >= NU * 9 / 10);
		assert_true(check_users(U, V, NI, W, NU, 33, &train,
		    kinds[i]) >= NU * 9 / 10);
	}
	free_csr(&train);
	free(U);
	free(V);
}

/*
 * Rows of magnitudes two decades apart, rows and users with one spike
 * thirty times the rest (which then rounds coarsely in 8 bits), zero
 * rows: the bound must hold for each; the screen may decide fewer.
 */
static void
test_uneven_rows(void **state)
{
	enum { NI = 700, W = 48, NU = 30 };
	struct ep_rng rng;
	float *U = ep_xreallocarray(NULL, NU, W * sizeof *U);
	float *V = ep_xreallocarray(NULL, NI, W * sizeof *V);
	struct model_csr train = MODEL_CSR_INIT;
	size_t i, k, d, decided;

	(void)state;
	if (!model_request_exact(W))
		skip();
	ep_rng_seed(&rng, 24, 1);
	for (i = 0; i < NI; i++) {
		double mag = pow(10, 2 * ep_rng_uniform(&rng) - 1);

		for (k = 0; k < W; k++)
			V[i * W + k] = i % 50 == 0 ? 0 :
			    (float)(mag * ep_rng_normal(&rng));
		if (i % 7 == 0)
			V[i * W + i % W] = (float)(30 * mag);
	}
	for (i = 0; i < NU; i++)
		for (k = 0; k < W; k++)
			U[i * W + k] = i % 3 == 0 && k == i % W ? 30.0f :
			    (float)ep_rng_normal(&rng);
	make_train(&train, NU, NI, 9, &rng);
	for (d = 0; d < N_KINDS; d++) {
		if (!kind_runs(kinds[d]))
			continue;
		decided = check_users(U, V, NI, W, NU, 10, &train, kinds[d]);
		/* 30 and 19 of 30 when written. */
		assert_true(decided >= NU / 2);
	}
	free_csr(&train);
	free(U);
	free(V);
}

/* What the screen must refuse, leaving the request to exact scoring. */
static void
refusals(enum model_screen_kind kind)
{
	enum { NI = 300, W = 32 };
	struct model_screen sc;
	struct model_csr train = MODEL_CSR_INIT;
	struct ep_rng rng;
	float *V = ep_xreallocarray(NULL, NI, W * sizeof *V);
	float *row = ep_xreallocarray(NULL, NI + W, sizeof *row);
	float x[W];
	uint32_t cand[NI], out[64];
	size_t i;

	ep_rng_seed(&rng, 23, 1);
	for (i = 0; i < NI * W; i++)
		V[i] = (float)ep_rng_normal(&rng);
	for (i = 0; i < W; i++)
		x[i] = (float)ep_rng_normal(&rng);
	make_train(&train, 2, NI, 3, &rng);

	/* A width off the kernel's sixteen, and values it cannot hold. */
	assert_int_equal(model_screen_init(&sc, V, NI, 24, kind), -1);
	assert_int_equal(model_screen_init(&sc, V, 0, W, kind), -1);
	V[77] = NAN;
	assert_int_equal(model_screen_init(&sc, V, NI, W, kind), -1);
	V[77] = -INFINITY;
	assert_int_equal(model_screen_init(&sc, V, NI, W, kind), -1);
	/* Rounds up to infinity in bfloat16; the 8-bit table scales it. */
	V[77] = FLT_MAX;
	assert_int_equal(model_screen_init(&sc, V, NI, W, kind),
	    kind == MODEL_SCREEN_BF16 ? -1 : 0);
	model_screen_release(&sc);
	V[77] = 1;

	assert_int_equal(model_screen_init(&sc, V, NI, W, kind), 0);
	assert_int_equal(model_screen_topk(&sc, x, &train, 0, 10, row, cand,
	    out), 0);
	/* k out of range; a user row not finite, or large enough that
	 * scores could overflow. */
	assert_int_equal(model_screen_topk(&sc, x, &train, 0, 65, row, cand,
	    out), -1);
	x[3] = NAN;
	assert_int_equal(model_screen_topk(&sc, x, &train, 0, 10, row, cand,
	    out), -1);
	x[3] = 1e37f;
	assert_int_equal(model_screen_topk(&sc, x, &train, 0, 10, row, cand,
	    out), -1);
	/* A zero row: every item ties, too many candidates. */
	memset(x, 0, sizeof x);
	assert_int_equal(model_screen_topk(&sc, x, &train, 0, 10, row, cand,
	    out), -1);
	/* Fewer than k items left outside the training set. */
	{
		uint32_t r[NI], c[NI];
		struct model_csr most = MODEL_CSR_INIT;

		for (i = 0; i + 5 < NI; i++) {
			r[i] = 0;
			c[i] = (uint32_t)i;
		}
		model_csr_from_pairs(&most, 1, NI, r, c, NI - 5);
		for (i = 0; i < W; i++)
			x[i] = (float)ep_rng_normal(&rng);
		assert_int_equal(model_screen_topk(&sc, x, &most, 0, 5, row,
		    cand, out), 0);
		assert_int_equal(model_screen_topk(&sc, x, &most, 0, 6, row,
		    cand, out), -1);
		free_csr(&most);
	}
	model_screen_release(&sc);
	free_csr(&train);
	free(V);
	free(row);
}

static void
test_refusals(void **state)
{
	size_t i;

	(void)state;
	if (!model_request_exact(32))
		skip();
	for (i = 0; i < N_KINDS; i++) {
		struct model_screen sc;
		float V[32 * 20] = { 0 };

		if (kind_runs(kinds[i]))
			refusals(kinds[i]);
		else
			assert_int_equal(model_screen_init(&sc, V, 20, 32,
			    kinds[i]), -1);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_tables),
		cmocka_unit_test(test_ties_and_near_ties),
		cmocka_unit_test(test_uneven_rows),
		cmocka_unit_test(test_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
