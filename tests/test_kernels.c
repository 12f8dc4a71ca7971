/*
 * Tests for models/kernels: the top-k scan against offering every score
 * one by one, the request scorer against a double-precision product,
 * on the awkward shapes and values (NaN, infinities, ties, tails), the
 * sum of gathered rows against a plain loop, and the scatter of a
 * scaled row against model_axpy() row by row.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/mem.h"
#include "core/rng.h"
#include "models/kernels.h"
#include "tests/test_util.h"

/* The scan's definition: each score in turn, as eval and serve did. */
static void
naive_scan(float *row, size_t n, int k, float *ts, uint32_t *ti, int *cnt,
    int nan_low)
{
	size_t i;

	for (i = 0; i < n; i++) {
		float x = row[i];

		if (x != x) {
			if (!nan_low)
				continue;
			row[i] = x = -FLT_MAX;
		}
		if (x > -INFINITY)
			model_topk_offer(ts, ti, cnt, k, x, (uint32_t)i);
	}
}

/* A score drawn so that ties, NaN (where nan) and both infinities all
 * occur. */
static float
hostile_score(struct ep_rng *rng, int coarse, int nan)
{
	uint32_t c = ep_rng_below(rng, 100);

	if (c < 3)
		return nan ? NAN : -FLT_MAX;
	if (c < 8)
		return -INFINITY;
	if (c == 8)
		return INFINITY;
	if (c == 9)
		return -FLT_MAX;
	return coarse ? (float)ep_rng_below(rng, 5) :
	    (float)ep_rng_normal(rng);
}

static void
test_topk_scan_matches_offers(void **state)
{
	/* From 1,024 scores and 16 k, rows without NaN take a floor
	 * first (scan_floor16_avx512()). */
	static const size_t ns[] = { 0, 1, 7, 15, 16, 17, 31, 33, 64, 100,
		127, 200, 1000, 1024, 1087, 3706 };
	static const int ks[] = { 1, 3, 10, 20, 64 };
	struct ep_rng rng;
	size_t a, b, i;
	int nan_low, mode, trial = 0;

	(void)state;
	ep_rng_seed(&rng, 5, 3);
	for (a = 0; a < sizeof ns / sizeof *ns; a++)
		for (b = 0; b < sizeof ks / sizeof *ks; b++)
			for (nan_low = 0; nan_low < 2; nan_low++)
				for (mode = 0; mode < 4; mode++) {
		size_t n = ns[a];
		int k = ks[b], c1 = 0, c2 = 0, j;
		float *r1 = ep_xcalloc(n + 1, sizeof *r1);
		float *r2 = ep_xcalloc(n + 1, sizeof *r2);
		float s1[64], s2[64];
		uint32_t i1[64], i2[64];

		int coarse = mode & 1, nan = mode < 2;

		for (i = 0; i < n; i++)
			r1[i] = hostile_score(&rng, coarse, nan);
		/* A rising tail (the threshold moves in the vector blocks),
		 * or a falling row (the top in the first block). */
		if (trial % 3 == 0)
			for (i = n / 2; i < n; i++)
				r1[i] = (float)i;
		else if (trial % 7 == 1)
			for (i = 0; i < n; i++)
				r1[i] = (float)(n - i) * 0.5f;
		trial++;
		memcpy(r2, r1, n * sizeof *r1);
		naive_scan(r1, n, k, s1, i1, &c1, nan_low);
		model_topk_scan(r2, n, k, s2, i2, &c2, nan_low);
		assert_int_equal(c1, c2);
		for (j = 0; j < c1; j++) {
			assert_int_equal(i1[j], i2[j]);
			assert_true(s1[j] == s2[j]);
		}
		/* NaNs written back (or left) the same way. */
		for (i = 0; i < n; i++)
			assert_memory_equal(&r1[i], &r2[i], sizeof *r1);
		free(r1);
		free(r2);
				}
}

static void
test_rows_score_matches_double(void **state)
{
	/* Widths on and off the vector kernel's multiple of 8, item counts
	 * on and off its four rows a pass, one row and a batch. */
	static const size_t ws[] = { 1, 8, 12, 64, 256 };
	static const size_t nis[] = { 1, 3, 4, 5, 37 };
	static const size_t nus[] = { 1, 3, 9 };
	struct ep_rng rng;
	size_t a, b, c, i, j, k;

	(void)state;
	ep_rng_seed(&rng, 9, 1);
	for (a = 0; a < sizeof ws / sizeof *ws; a++)
		for (b = 0; b < sizeof nis / sizeof *nis; b++)
			for (c = 0; c < sizeof nus / sizeof *nus; c++) {
		size_t w = ws[a], ni = nis[b], nu = nus[c];
		float *U = ep_xmalloc(nu * w * sizeof *U);
		float *V = ep_xmalloc(ni * w * sizeof *V);
		float *out = ep_xmalloc(nu * ni * sizeof *out);
		uint32_t *users = ep_xmalloc(nu * sizeof *users);

		for (i = 0; i < nu * w; i++)
			U[i] = (float)ep_rng_normal(&rng);
		for (i = 0; i < ni * w; i++)
			V[i] = (float)ep_rng_normal(&rng);
		for (j = 0; j < nu; j++)
			users[j] = (uint32_t)(nu - 1 - j);
		model_dot_score(NULL, U, V, w, users, nu, ni, out);
		for (j = 0; j < nu; j++)
			for (i = 0; i < ni; i++) {
				double want = 0, mag = 0;

				for (k = 0; k < w; k++) {
					double p = (double)U[users[j] * w + k] *
					    (double)V[i * w + k];

					want += p;
					mag += fabs(p);
				}
				assert_close((double)out[j * ni + i], want,
				    1e-6 * mag + 1e-30);
			}
		/* Dense rows: the same products without the gather. */
		model_rows_score(NULL, U, w, nu, V, ni, out);
		for (i = 0; i < ni; i++) {
			double want = 0, mag = 0;

			for (k = 0; k < w; k++) {
				want += (double)U[k] * (double)V[i * w + k];
				mag += fabs((double)U[k] *
				    (double)V[i * w + k]);
			}
			assert_close((double)out[i], want, 1e-6 * mag + 1e-30);
		}
		free(U);
		free(V);
		free(out);
		free(users);
			}
}

/* model_request_score() gives each score of a one-row product bit for
 * bit, in groups of four rows and in the tail. */
static void
test_request_score_matches_rows(void **state)
{
	static const size_t ws[] = { 8, 16, 64, 256 };
	static const size_t nis[] = { 1, 3, 4, 5, 8, 37, 1027 };
	struct ep_rng rng;
	size_t a, b, i;

	(void)state;
	ep_rng_seed(&rng, 10, 1);
	for (a = 0; a < sizeof ws / sizeof *ws; a++)
		for (b = 0; b < sizeof nis / sizeof *nis; b++) {
			size_t w = ws[a], ni = nis[b];
			float *x = ep_xmalloc(w * sizeof *x);
			float *V = ep_xmalloc(ni * w * sizeof *V);
			float *out = ep_xmalloc(ni * sizeof *out);

			if (!model_request_exact(w)) {
				free(x);
				free(V);
				free(out);
				skip();
			}
			for (i = 0; i < w; i++)
				x[i] = (float)ep_rng_normal(&rng);
			for (i = 0; i < ni * w; i++)
				V[i] = (float)ep_rng_normal(&rng);
			model_rows_score(NULL, x, w, 1, V, ni, out);
			for (i = 0; i < ni; i++) {
				float e = model_request_score(V, ni, w, x, i);

				if (memcmp(&e, &out[i], sizeof e) != 0)
					fail_msg("w %zu, ni %zu, row %zu: %.9g, "
					    "want %.9g", w, ni, i, (double)e,
					    (double)out[i]);
			}
			free(x);
			free(V);
			free(out);
		}
}

/* model_sum_rows() adds the rows in the order named, lane by lane, as
 * a float loop does: bit for bit, at the width of 64 (held in
 * registers) and others, with rows repeated and none; and so does
 * model_sum_rows_ld() on a panel of a wider table (rows ld apart, the
 * panel five columns in), whose columns beside the panel are NaN. */
static void
test_sum_rows_in_order(void **state)
{
	static const size_t ds[] = { 1, 7, 63, 64, 65, 128 };
	static const size_t cnts[] = { 0, 1, 2, 9, 300 };
	struct ep_rng rng;
	size_t a, b, k, c, wide;

	(void)state;
	ep_rng_seed(&rng, 11, 1);
	for (wide = 0; wide < 2; wide++)
	for (a = 0; a < sizeof ds / sizeof *ds; a++)
		for (b = 0; b < sizeof cnts / sizeof *cnts; b++) {
			size_t d = ds[a], cnt = cnts[b], rows = 50;
			size_t ld = wide ? d + 37 : d, off = wide ? 5 : 0;
			float *W = ep_xmalloc(rows * ld * sizeof *W);
			float *out = ep_xmalloc(d * sizeof *out);
			float *want = ep_xmalloc(d * sizeof *want);
			uint32_t *idx = ep_xmalloc((cnt + 1) * sizeof *idx);

			for (k = 0; k < rows * ld; k++)
				W[k] = k % ld < off || k % ld >= off + d ?
				    NAN : (float)(ep_rng_normal(&rng) *
				    exp(8 * ep_rng_uniform(&rng)));
			for (k = 0; k < cnt; k++)
				idx[k] = (uint32_t)ep_rng_below(&rng, rows);
			for (c = 0; c < d; c++)
				want[c] = 0;
			for (k = 0; k < cnt; k++)
				for (c = 0; c < d; c++)
					want[c] += W[(size_t)idx[k] * ld +
					    off + c];
			for (c = 0; c < d; c++)
				out[c] = NAN;
			if (wide)
				model_sum_rows_ld(out, W + off, ld, idx, cnt,
				    d);
			else
				model_sum_rows(out, W, idx, cnt, d);
			if (memcmp(out, want, d * sizeof *out) != 0)
				fail_msg("d %zu, ld %zu, %zu rows: not the "
				    "sum in order", d, ld, cnt);
			free(W);
			free(out);
			free(want);
			free(idx);
		}
}

/* model_axpy_rows() gives each row what model_axpy() gives it, bit for
 * bit, at the width of 64 (the product formed once) and others. */
static void
test_axpy_rows_matches_axpy(void **state)
{
	static const size_t ds[] = { 1, 7, 63, 64, 65, 128 };
	static const size_t cnts[] = { 0, 1, 5, 40 };
	struct ep_rng rng;
	size_t a, b, k;

	(void)state;
	ep_rng_seed(&rng, 12, 1);
	for (a = 0; a < sizeof ds / sizeof *ds; a++)
		for (b = 0; b < sizeof cnts / sizeof *cnts; b++) {
			size_t d = ds[a], cnt = cnts[b], rows = 60;
			float *Y = ep_xmalloc(rows * d * sizeof *Y);
			float *want = ep_xmalloc(rows * d * sizeof *want);
			float *x = ep_xmalloc(d * sizeof *x);
			uint32_t *idx = ep_xmalloc((cnt + 1) * sizeof *idx);
			float f = (float)ep_rng_normal(&rng);

			for (k = 0; k < rows * d; k++)
				Y[k] = want[k] = (float)ep_rng_normal(&rng);
			for (k = 0; k < d; k++)
				x[k] = (float)(ep_rng_normal(&rng) *
				    exp(6 * ep_rng_uniform(&rng)));
			/* Distinct rows, every third one. */
			for (k = 0; k < cnt; k++)
				idx[k] = (uint32_t)((k * 3 + b) % rows);
			for (k = 0; k < cnt; k++)
				model_axpy(want + (size_t)idx[k] * d, f, x, d);
			model_axpy_rows(Y, idx, cnt, f, x, d);
			if (memcmp(Y, want, rows * d * sizeof *Y) != 0)
				fail_msg("d %zu, %zu rows: not model_axpy's", d,
				    cnt);
			free(Y);
			free(want);
			free(x);
			free(idx);
		}
}

/* model_axpy4() gives what model_axpy() gives with its four rows in
 * turn, bit for bit, on values of very different sizes. */
static void
test_axpy4_matches_axpy(void **state)
{
	static const size_t ns[] = { 1, 7, 16, 17, 64, 600, 1001 };
	struct ep_rng rng;
	size_t a, k, j;

	(void)state;
	ep_rng_seed(&rng, 13, 1);
	for (a = 0; a < sizeof ns / sizeof *ns; a++) {
		size_t n = ns[a];
		float *y = ep_xmalloc(n * sizeof *y);
		float *want = ep_xmalloc(n * sizeof *want);
		float *x = ep_xmalloc(4 * n * sizeof *x);
		float f = (float)ep_rng_normal(&rng);

		for (k = 0; k < n; k++)
			y[k] = want[k] = (float)ep_rng_normal(&rng);
		for (k = 0; k < 4 * n; k++)
			x[k] = (float)(ep_rng_normal(&rng) *
			    exp(12 * ep_rng_uniform(&rng) - 6));
		for (j = 0; j < 4; j++)
			model_axpy(want, f, x + j * n, n);
		model_axpy4(y, f, x, x + n, x + 2 * n, x + 3 * n, n);
		if (memcmp(y, want, n * sizeof *y) != 0)
			fail_msg("n %zu: not model_axpy's", n);
		free(y);
		free(want);
		free(x);
	}
}

/* model_axpy_fd() and model_axpy_hd() add a times each widened float or
 * 16-bit count to its double, bit for bit as one element at a time
 * does, whatever the version the CPU picked, at lengths about its
 * vectors' and off their alignment. */
static void
test_axpy_fd_matches_loop(void **state)
{
	static const size_t ns[] = { 0, 1, 3, 7, 8, 9, 15, 16, 17, 64, 101,
	    3706 };
	struct ep_rng rng;
	size_t a, k, off, half;

	(void)state;
	ep_rng_seed(&rng, 13, 1);
	for (a = 0; a < sizeof ns / sizeof *ns; a++)
		for (off = 0; off < 4; off++) {
			size_t n = ns[a];
			double *y = ep_xmalloc((n + 3) * sizeof *y);
			double *want = ep_xmalloc((n + 3) * sizeof *want);
			float *x = ep_xmalloc((n + 3) * sizeof *x);
			uint16_t *h = ep_xmalloc((n + 3) * sizeof *h);
			double f = ep_rng_normal(&rng) / 3;

			half = off >= 2;
			for (k = 0; k < n + 3; k++) {
				y[k] = want[k] = ep_rng_normal(&rng) *
				    exp(10 * ep_rng_uniform(&rng));
				x[k] = (float)ep_rng_normal(&rng);
				h[k] = (uint16_t)ep_rng_below(&rng, 65536);
			}
			for (k = off; k < off + n; k++) {
				double p = f * (half ? (double)h[k] :
				    (double)x[k]);

				want[k] += p;
			}
			if (half)
				model_axpy_hd(y + off, f, h + off, n);
			else
				model_axpy_fd(y + off, f, x + off, n);
			if (memcmp(y, want, (n + 3) * sizeof *y) != 0)
				fail_msg("%s, n %zu, offset %zu: not the sum "
				    "one element at a time", half ?
				    "model_axpy_hd" : "model_axpy_fd", n, off);
			free(y);
			free(want);
			free(x);
			free(h);
		}
}

/* model_cd_next() finds what a loop over the coordinates finds, from
 * every start, live coordinates being rare, common, NaN-bordered and
 * at the ends, and l1 = 0. */
static void
test_cd_next_matches_loop(void **state)
{
	static const size_t ns[] = { 0, 1, 7, 8, 9, 16, 17, 100 };
	static const double shares[] = { 0, 0.01, 0.2, 1 };
	struct ep_rng rng;
	size_t a, b, k, from, trial;

	(void)state;
	ep_rng_seed(&rng, 17, 2);
	for (a = 0; a < sizeof ns / sizeof *ns; a++)
		for (b = 0; b < sizeof shares / sizeof *shares; b++)
			for (trial = 0; trial < 4; trial++) {
				size_t n = ns[a];
				double *q = ep_xmalloc((n + 1) * sizeof *q);
				double *c = ep_xmalloc((n + 1) * sizeof *c);
				double *w = ep_xmalloc((n + 1) * sizeof *w);
				double l1 = trial == 3 ? 0 : 2;

				for (k = 0; k < n; k++) {
					double u = ep_rng_uniform(&rng);

					c[k] = 10 * ep_rng_uniform(&rng);
					/* At or below the threshold unless
					 * drawn live. */
					q[k] = c[k] + l1 * ep_rng_uniform(&rng);
					w[k] = 0;
					if (u < shares[b] / 2)
						w[k] = ep_rng_uniform(&rng);
					else if (u < shares[b])
						q[k] = c[k] + l1 + 0.5;
					if (trial == 2 && k % 5 == 0)
						q[k] = (double)NAN;
				}
				for (from = 0; from <= n; from++) {
					size_t want = from;

					while (want < n && !(w[want] != 0 ||
					    q[want] - c[want] > l1))
						want++;
					if (model_cd_next(q, c, w, l1, from,
					    n) != want)
						fail_msg("n %zu, share %g, trial "
						    "%zu, from %zu: %zu, want "
						    "%zu", n, shares[b], trial,
						    from, model_cd_next(q, c, w,
						    l1, from, n), want);
				}
				free(q);
				free(c);
				free(w);
			}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_topk_scan_matches_offers),
		cmocka_unit_test(test_rows_score_matches_double),
		cmocka_unit_test(test_axpy4_matches_axpy),
		cmocka_unit_test(test_request_score_matches_rows),
		cmocka_unit_test(test_sum_rows_in_order),
		cmocka_unit_test(test_axpy_rows_matches_axpy),
		cmocka_unit_test(test_axpy_fd_matches_loop),
		cmocka_unit_test(test_cd_next_matches_loop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
