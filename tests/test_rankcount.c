/*
 * Tests for models/rankcount: the cell table and the split-and-count
 * against counting every (item, positive) pair, on rows with ties,
 * infinities and every tail length, items on and next to the cells'
 * edges, and positives few and many (past the cells' and the split
 * depth's caps). tests/test_rankcount_avx2.c runs the same tests on the
 * version without the AVX-512 cell table, tests/test_rankcount_scalar.c
 * on the one without AVX2.
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
#include "models/rankcount.h"

/* The definition, pair by pair. */
static uint64_t
naive_count(const float *row, size_t n, const float *q, size_t P)
{
	uint64_t c = 0;
	size_t i, j;

	for (j = 0; j < P; j++)
		for (i = 0; i < n; i++)
			c += (uint64_t)(row[i] > q[j]) + (uint64_t)(row[i] >= q[j]);
	return c;
}

/* A score of kind 0 (continuous), 1 (five values, so ties) or 2
 * (either, with infinities and the extreme finite values mixed in). */
static float
score(struct ep_rng *rng, int kind)
{
	uint32_t c = ep_rng_below(rng, 100);

	if (kind == 2 && c < 4)
		return -INFINITY;
	if (kind == 2 && c < 6)
		return INFINITY;
	if (kind == 2 && c < 8)
		return c == 6 ? -FLT_MAX : FLT_MAX;
	if (kind >= 1 && c < 50)
		return (float)ep_rng_below(rng, 5);
	return (float)ep_rng_normal(rng);
}

/* One row and set of positives, checked against the definition. */
static void
check(struct ep_rng *rng, struct model_rank_scratch *s, size_t n, size_t P,
    int kind)
{
	float *row = ep_xreallocarray(NULL, n + 1, sizeof *row);
	float *q = ep_xreallocarray(NULL, P + 1, sizeof *q);
	uint64_t got, want;
	size_t i;

	for (i = 0; i < n; i++)
		row[i] = score(rng, kind);
	/* Positives are items of the row (as in GAUC) or other scores. */
	for (i = 0; i < P; i++)
		q[i] = n > 0 && ep_rng_below(rng, 4) != 0 ?
		    row[ep_rng_below(rng, (uint32_t)n)] : score(rng, kind);
	got = model_rank_count(row, n, q, P, s);
	want = naive_count(row, n, q, P);
	if (got != want)
		fail_msg("n %zu, P %zu, kind %d: count %llu, want %llu", n, P,
		    kind, (unsigned long long)got, (unsigned long long)want);
	free(row);
	free(q);
}

static void
test_matches_definition(void **state)
{
	struct model_rank_scratch s;
	struct ep_rng rng;
	int t, kind;

	(void)state;
	memset(&s, 0, sizeof s);
	ep_rng_seed(&rng, 11, 3);
	/* Every tail length and the first few depths of splitting. */
	for (kind = 0; kind < 3; kind++)
		for (t = 0; t < 600; t++)
			check(&rng, &s, (size_t)t % 67, (size_t)t / 67 * 5,
			    kind);
	/* Random shapes through one scratch, growing and shrinking. */
	for (t = 0; t < 400; t++)
		check(&rng, &s, ep_rng_below(&rng, 2000),
		    ep_rng_below(&rng, t % 4 == 0 ? 400 : 40), t % 3);
	/* Every tail past one and two blocks of 64 with the cells' sizes
	 * of positives. */
	for (kind = 0; kind < 3; kind++)
		for (t = 0; t < 260; t++)
			check(&rng, &s, 64 + (size_t)t % 130,
			    3 + ep_rng_below(&rng, 130), kind);
	model_rank_scratch_release(&s);
}

/*
 * More distinct positives than MODEL_RANK_LEVELS splits reduce to
 * MODEL_RANK_LEAF (the last leaves compare with more), and a positive
 * for every item.
 */
static void
test_many_positives(void **state)
{
	enum { N = 6000, P = (MODEL_RANK_LEAF << MODEL_RANK_LEVELS) + 300 };
	struct model_rank_scratch s;
	struct ep_rng rng;
	float *row = ep_xreallocarray(NULL, N, sizeof *row);
	float *q = ep_xreallocarray(NULL, P, sizeof *q);
	size_t i;

	(void)state;
	memset(&s, 0, sizeof s);
	ep_rng_seed(&rng, 12, 3);
	/* Distinct scores: i / 7 is exact in float below 2^24. */
	for (i = 0; i < N; i++)
		row[i] = (float)((i * 2654435761u) % N) / 7;
	for (i = 0; i < P; i++)
		q[i] = row[i];
	assert_true(model_rank_count(row, N, q, P, &s) ==
	    naive_count(row, N, q, P));
	check(&rng, &s, 1500, 1500, 0);
	check(&rng, &s, 1500, 1500, 1);
	check(&rng, &s, 0, 50, 0);
	model_rank_scratch_release(&s);
	free(row);
	free(q);
}

/*
 * Every pattern of eight lanes on either side of a split: block m of the
 * row holds 2 where bit b of m is set and 0.5 (or 0.05, below every
 * positive, for odd m) where it is not, and the positives' median falls
 * between them.
 */
static void
test_every_lane_pattern(void **state)
{
	struct model_rank_scratch s;
	float row[256 * 8 + 5], q[20];
	size_t i, P = 0;
	int m, b;

	(void)state;
	memset(&s, 0, sizeof s);
	for (m = 0; m < 256; m++)
		for (b = 0; b < 8; b++)
			row[m * 8 + b] = m >> b & 1 ? 2.0f :
			    m & 1 ? 0.05f : 0.5f;
	for (i = 256 * 8; i < sizeof row / sizeof *row; i++)
		row[i] = (float)i / 1000;
	for (i = 1; i < 10; i++) {
		q[P++] = (float)i / 10;		/* 0.1 .. 0.9 */
		q[P++] = 1 + (float)i / 10;	/* 1.1 .. 1.9 */
	}
	q[P++] = 2.0f;
	q[P++] = 0.5f;
	assert_true(model_rank_count(row, sizeof row / sizeof *row, q, P,
	    &s) == naive_count(row, sizeof row / sizeof *row, q, P));
	model_rank_scratch_release(&s);
}

/* The count for row and q, checked against the definition. */
static void
check_row(const float *row, size_t n, const float *q, size_t P,
    struct model_rank_scratch *s, const char *what)
{
	uint64_t got = model_rank_count(row, n, q, P, s),
	    want = naive_count(row, n, q, P);

	if (got != want)
		fail_msg("%s (n %zu, P %zu): count %llu, want %llu", what, n,
		    P, (unsigned long long)got, (unsigned long long)want);
}

/*
 * Blocks of 64 with every number of items in a positive's cell, 0 to 64
 * (the others far outside the positives' range): the first pass takes
 * up to 16 a block one way where there are few positives, and more
 * another. Those items equal a positive or lie a float either side.
 */
static void
test_crowded_blocks(void **state)
{
	enum { B = 65 * 64 };
	struct model_rank_scratch s;
	struct ep_rng rng;
	float *row = ep_xreallocarray(NULL, B, sizeof *row), q[100];
	size_t Ps[] = { 4, 5, 16, 40, 48, 49, 64, 100 };
	size_t t, i, j, k;

	(void)state;
	memset(&s, 0, sizeof s);
	ep_rng_seed(&rng, 17, 3);
	for (t = 0; t < sizeof Ps / sizeof *Ps; t++) {
		for (j = 0; j < Ps[t]; j++)
			q[j] = (float)ep_rng_normal(&rng);
		for (k = 0; k <= 64; k++)
			for (i = 0; i < 64; i++) {
				float x = q[ep_rng_below(&rng, (uint32_t)Ps[t])];
				uint32_t d = ep_rng_below(&rng, 3);

				if (d != 0)
					x = nextafterf(x, d == 1 ? INFINITY :
					    -INFINITY);
				row[64 * k + i] = i < k ? x :
				    ep_rng_below(&rng, 2) ? 100.0f : -100.0f;
			}
		check_row(row, B, q, Ps[t], &s, "crowded");
		check_row(row + 3, B - 3, q, Ps[t], &s, "crowded, shifted");
	}
	model_rank_scratch_release(&s);
	free(row);
}

/*
 * Items on the edges of the cells (where x * s + b is a whole number,
 * with the map rankcount.c chooses), a float either side of each edge
 * and of each positive, for 3 to 130 positives (the table takes 4 to 127).
 */
static void
test_cell_edges(void **state)
{
	struct model_rank_scratch s;
	struct ep_rng rng;
	float *row = ep_xreallocarray(NULL, 4000, sizeof *row);
	float q[130];
	size_t Ps[] = { 3, 4, 9, 31, 32, 33, 64, 65, 127, 128, 130 };
	size_t t, j, n, P;
	int k, d;

	(void)state;
	memset(&s, 0, sizeof s);
	ep_rng_seed(&rng, 13, 3);
	for (t = 0; t < sizeof Ps / sizeof *Ps; t++) {
		float lo = INFINITY, hi = -INFINITY;
		double sd, bd;

		P = Ps[t];
		for (j = 0; j < P; j++) {
			q[j] = (float)ep_rng_normal(&rng);
			lo = q[j] < lo ? q[j] : lo;
			hi = q[j] > hi ? q[j] : hi;
		}
		sd = 250 / ((double)hi - (double)lo);
		bd = 2 - (double)lo * sd;
		n = 0;
		for (k = -2; k <= 258; k++) {
			float e = (float)((k - (float)bd) / (float)sd);

			row[n++] = e;
			row[n++] = nextafterf(e, INFINITY);
			row[n++] = nextafterf(e, -INFINITY);
		}
		for (j = 0; j < P; j++)
			for (d = 0; d < 5; d++) {
				float x = q[j];
				int m;

				for (m = 0; m < d; m++)
					x = nextafterf(x, d % 2 ?
					    INFINITY : -INFINITY);
				row[n++] = x;
			}
		check_row(row, n, q, P, &s, "edges");
		/* Every tail length past a block of 64. */
		for (j = 0; j < 130; j += 7)
			check_row(row + j, 64 + j, q, P, &s, "edge tails");
	}
	model_rank_scratch_release(&s);
	free(row);
}

/*
 * The positives the cells cannot take, each counted the other way:
 * infinite ones, a range of nothing or of one float, the widest range,
 * many equal in one cell; and a row past 2^24 items, where the first
 * pass empties its counters into a wider one.
 */
static void
test_cell_refusals(void **state)
{
	struct model_rank_scratch s;
	struct ep_rng rng;
	enum { N = 3000 };
	float *row = ep_xreallocarray(NULL, N, sizeof *row), q[40], *big;
	size_t i, j, nbig = ((size_t)1 << 24) + 100;

	(void)state;
	memset(&s, 0, sizeof s);
	ep_rng_seed(&rng, 14, 3);
	for (i = 0; i < N; i++)
		row[i] = score(&rng, 2);
	for (j = 0; j < 10; j++)
		q[j] = row[j * 7];
	q[3] = INFINITY;
	check_row(row, N, q, 10, &s, "a positive at +inf");
	q[3] = -INFINITY;
	check_row(row, N, q, 10, &s, "a positive at -inf");
	q[3] = -FLT_MAX;
	q[4] = FLT_MAX;
	check_row(row, N, q, 10, &s, "the widest range");
	for (j = 0; j < 10; j++)
		q[j] = 0.5f;
	check_row(row, N, q, 10, &s, "one score");
	q[9] = nextafterf(0.5f, 1);
	check_row(row, N, q, 10, &s, "a range of one float");
	q[0] = 1.4e-45f;	/* the least denormal: the map's scale */
	q[1] = 0;		/* would pass the floats */
	q[2] = 0;
	q[3] = 0;
	check_row(row, N, q, 4, &s, "a range of one denormal");
	for (j = 0; j < 40; j++)
		q[j] = j < 12 ? 0.25f : (float)ep_rng_normal(&rng);
	check_row(row, N, q, 40, &s, "twelve equal positives");
	for (i = 0; i < N; i++)
		row[i] = (float)ep_rng_below(&rng, 5);
	check_row(row, N, q, 40, &s, "a row of five values");

	big = ep_xreallocarray(NULL, nbig, sizeof *big);
	for (i = 0; i < nbig; i++)
		big[i] = (float)(i % 1000) / 1000;
	q[0] = 0.1f;
	q[1] = 0.5f;
	q[2] = 0.9f;
	q[3] = 0.5f;
	check_row(big, nbig, q, 4, &s, "2^24 + 100 items");
	free(big);
	model_rank_scratch_release(&s);
	free(row);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matches_definition),
		cmocka_unit_test(test_many_positives),
		cmocka_unit_test(test_every_lane_pattern),
		cmocka_unit_test(test_cell_edges),
		cmocka_unit_test(test_cell_refusals),
		cmocka_unit_test(test_crowded_blocks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
