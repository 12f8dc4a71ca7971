/*
 * Tests for models/eval: every metric on hand-computed cases (ties,
 * users with fewer than k candidates), against a brute-force reference
 * on random data, and determinism across thread counts.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <float.h>
#include <omp.h>
#include <stdio.h>

#include "core/mem.h"
#include "core/rng.h"
#include "models/eval.h"
#include "tests/test_util.h"

/* A split built from explicit (user, item) pairs per part. */
static void
make_split(struct model_split *sp, uint32_t U, uint32_t I,
    const uint32_t (*pairs[3])[2], const size_t n[3])
{
	int k;
	size_t j;

	*sp = (struct model_split)MODEL_SPLIT_INIT;
	sp->n_users = U;
	sp->n_items = I;
	for (k = 0; k < 3; k++) {
		uint32_t *r = ep_xcalloc(n[k] + 1, sizeof *r);
		uint32_t *c = ep_xcalloc(n[k] + 1, sizeof *c);

		for (j = 0; j < n[k]; j++) {
			r[j] = pairs[k][j][0];
			c[j] = pairs[k][j][1];
		}
		model_csr_from_pairs(&sp->part[k], U, I, r, c, n[k]);
		free(r);
		free(c);
	}
	sp->item_pop = ep_xcalloc(I, sizeof *sp->item_pop);
	for (j = 0; j < sp->part[MODEL_TRAIN].nnz; j++)
		sp->item_pop[sp->part[MODEL_TRAIN].col[j]]++;
}

/* Scores from a dense matrix: ctx is float[U][I] with I columns. */
struct dense {
	const float *m;
	uint32_t I;
};

static void
score_dense(void *ctx, const uint32_t *users, size_t n, float *out)
{
	const struct dense *d = ctx;
	size_t j;

	for (j = 0; j < n; j++)
		memcpy(out + j * d->I, d->m + (size_t)users[j] * d->I,
		    d->I * sizeof *out);
}

static const uint32_t train3[][2] = { { 0, 0 }, { 1, 1 }, { 1, 2 },
	{ 2, 3 } };
static const uint32_t valid3[][2] = { { 0, 2 }, { 0, 4 }, { 1, 5 } };
static const uint32_t test3[][2] = { { 2, 4 } };
static const float scores3[3 * 6] = {
	9, 5, 7, 7, 1, 3,
	1, 9, 9, 2, 2, 8,
	0, 0, 0, 0, 0, 0,
};

static double
value(const struct model_eval_spec *spec, const struct model_eval_result *r,
    enum model_metric m, int k)
{
	int i = model_eval_find(spec, m, k);

	assert_true(i >= 0);
	return r->value[i];
}

static void
run3(enum model_part part, const char *metrics, int compat, double tail,
    struct model_eval_spec *spec, struct model_eval_result *res)
{
	const uint32_t (*pairs[3])[2] = { train3, valid3, test3 };
	const size_t n[3] = { 4, 3, 1 };
	struct model_split sp;
	struct ep_err err = EP_ERR_INIT;
	struct dense d = { scores3, 6 };

	make_split(&sp, 3, 6, pairs, n);
	if (model_eval_parse(metrics, spec, &err) < 0)
		fail_msg("%s", err.msg);
	spec->recbole_compat = compat;
	spec->tail_ratio = tail;
	if (model_eval_run(&sp, part, spec, score_dense, &d, res, &err) < 0)
		fail_msg("%s", err.msg);
	model_split_release(&sp);
}

static void
test_topk_metrics_by_hand(void **state)
{
	struct model_eval_spec spec;
	struct model_eval_result r;

	(void)state;
	run3(MODEL_VALID, "all@3,mrr@1", 1, 0.5, &spec, &r);
	assert_int_equal(r.users, 2);
	assert_close(value(&spec, &r, MODEL_RECALL, 3), 0.75, 1e-12);
	assert_close(value(&spec, &r, MODEL_MRR, 3), 1.0, 1e-12);
	assert_close(value(&spec, &r, MODEL_MRR, 1), 1.0, 1e-12);
	assert_close(value(&spec, &r, MODEL_NDCG, 3),
	    (1 / (1 + 1 / log2(3.0)) + 1) / 2, 1e-12);
	assert_close(value(&spec, &r, MODEL_HIT, 3), 1.0, 1e-12);
	assert_close(value(&spec, &r, MODEL_MAP, 3), 0.75, 1e-12);
	assert_close(value(&spec, &r, MODEL_PRECISION, 3), 1.0 / 3, 1e-12);
}

static void
test_gauc_by_hand_with_ties(void **state)
{
	struct model_eval_spec spec;
	struct model_eval_result r;

	(void)state;
	/* User 0: AUC 2.5/6 (a tie with a negative counts a half), two
	 * positives; user 1: AUC 1, one positive. */
	run3(MODEL_VALID, "gauc", 1, 0.1, &spec, &r);
	assert_close(value(&spec, &r, MODEL_GAUC, 0),
	    (2 * (2.5 / 6) + 1) / 3, 1e-12);
	/* User 2 in test: all five candidates tie: AUC 0.5. */
	run3(MODEL_TEST, "gauc,recall@3,precision@3", 1, 0.1, &spec, &r);
	assert_int_equal(r.users, 1);
	assert_close(value(&spec, &r, MODEL_GAUC, 0), 0.5, 1e-12);
	assert_close(value(&spec, &r, MODEL_RECALL, 3), 0, 0);
}

static void
test_aggregate_metrics_by_hand(void **state)
{
	struct model_eval_spec spec;
	struct model_eval_result r;
	double h = 4.0 / 6 * log(6.0) + 1.0 / 3 * log(3.0);

	(void)state;
	/* Lists: user 0 [2, 3, 1], user 1 [5, 3, 4]. */
	run3(MODEL_VALID, "all@3", 1, 0.5, &spec, &r);
	assert_close(value(&spec, &r, MODEL_ITEMCOVERAGE, 3), 5.0 / 7, 1e-12);
	assert_close(value(&spec, &r, MODEL_GINIINDEX, 3), 16.0 / 6 / 7,
	    1e-12);
	assert_close(value(&spec, &r, MODEL_SHANNONENTROPY, 3), h / 5, 1e-12);
	assert_close(value(&spec, &r, MODEL_AVERAGEPOPULARITY, 3), 2.0 / 3,
	    1e-12);
	/* Tail at ratio 0.5: items 0 and 1 (of 4 training items). */
	assert_close(value(&spec, &r, MODEL_TAILPERCENTAGE, 3), 1.0 / 6,
	    1e-12);

	run3(MODEL_VALID, "all@3", 0, 0.1, &spec, &r);
	assert_close(value(&spec, &r, MODEL_ITEMCOVERAGE, 3), 5.0 / 6, 1e-12);
	assert_close(value(&spec, &r, MODEL_SHANNONENTROPY, 3), h, 1e-12);
	/* Without [PAD]: indices 2..6 of 6: (-3 -1 1 3)*1 + 5*2 = 10. */
	assert_close(value(&spec, &r, MODEL_GINIINDEX, 3), 10.0 / 6 / 6,
	    1e-12);
	/* Ratio 0.1 of 4 items: one item, the least popular (0). */
	assert_close(value(&spec, &r, MODEL_TAILPERCENTAGE, 3), 0, 0);
	/* A count threshold: items with at most 1 training interaction. */
	run3(MODEL_VALID, "tailpercentage@3", 1, 1.5, &spec, &r);
	assert_close(value(&spec, &r, MODEL_TAILPERCENTAGE, 3), 4.0 / 6,
	    1e-12);
}

static void
test_fewer_candidates_than_k(void **state)
{
	struct model_eval_spec spec;
	struct model_eval_result r;

	(void)state;
	/* k = 10 > the 5 or 4 candidates: lists are short, precision
	 * still divides by k, recall and NDCG see every positive. */
	run3(MODEL_VALID, "precision@10,recall@10,ndcg@10,map@10", 1, 0.1,
	    &spec, &r);
	assert_close(value(&spec, &r, MODEL_PRECISION, 10), (2.0 + 1) / 20,
	    1e-12);
	assert_close(value(&spec, &r, MODEL_RECALL, 10), 1.0, 1e-12);
	/* User 0: hits at ranks 1 and 5 (item 4 is last). */
	assert_close(value(&spec, &r, MODEL_NDCG, 10),
	    ((1 + 1 / log2(6.0)) / (1 + 1 / log2(3.0)) + 1) / 2, 1e-12);
	assert_close(value(&spec, &r, MODEL_MAP, 10),
	    ((1 + 2.0 / 5) / 2 + 1) / 2, 1e-12);
}

static void
test_parse(void **state)
{
	struct model_eval_spec spec;
	struct ep_err err = EP_ERR_INIT;
	char label[32];

	(void)state;
	assert_int_equal(model_eval_parse("all", &spec, &err), 0);
	assert_int_equal(spec.n, 12);
	model_eval_label(&spec.req[0], label, sizeof label);
	assert_string_equal(label, "recall@10");
	model_eval_label(&spec.req[6], label, sizeof label);
	assert_string_equal(label, "gauc");
	assert_int_equal(model_eval_parse("MRR,mrr@10,NDCG@20,gini", &spec,
	    &err), 0);
	assert_int_equal(spec.n, 3);
	assert_int_equal(spec.req[1].k, 20);
	assert_int_equal(model_eval_parse("mrr,auc", &spec, &err), -1);
	assert_contains(err.msg, "'auc': unknown metric");
	assert_int_equal(model_eval_parse("mrr@0", &spec, &err), -1);
	assert_contains(err.msg, "out of range");
	assert_int_equal(model_eval_parse("mrr@x", &spec, &err), -1);
	assert_int_equal(model_eval_parse("gauc@10", &spec, &err), -1);
	assert_contains(err.msg, "takes no @k");
	assert_int_equal(model_eval_parse("", &spec, &err), -1);
	assert_int_equal(model_eval_parse("mrr,,ndcg", &spec, &err), -1);
}

/*
 * Brute force: sort every user's candidates fully and compute the
 * metrics from their definitions.
 */
struct cand {
	float s;
	uint32_t i;
};

static int
cmp_cand(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->s != y->s)
		return x->s > y->s ? -1 : 1;
	return (x->i > y->i) - (x->i < y->i);
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/*
 * GiniIndex and TailPercentage (a share of 0.3, so that the cut falls
 * among items of equal counts) of the test part, against sorting: the
 * counts of the top-K lists for Gini, the training items by (count,
 * id) for the tail set.
 */
static void
check_aggregates(const struct model_split *sp, const float *m, int K)
{
	uint32_t U = sp->n_users, I = sp->n_items, u, i;
	uint64_t *cnt = ep_xcalloc(I, sizeof *cnt), *key;
	unsigned char *tail = ep_xcalloc(I, 1);
	struct model_eval_spec spec;
	struct model_eval_result r;
	struct ep_err err = EP_ERR_INIT;
	struct dense d = { m, I };
	double den = (double)I + 1, g = 0, tp = 0, total;
	size_t users = 0, n = 0, cut, j, nrec = 0;

	for (i = 0; i < I; i++)
		if (sp->item_pop[i] > 0)
			n++;
	key = ep_xcalloc(n + I + 1, sizeof *key);
	for (i = 0, n = 0; i < I; i++)
		if (sp->item_pop[i] > 0)
			key[n++] = (uint64_t)sp->item_pop[i] << 32 | i;
	qsort(key, n, sizeof *key, cmp_u64);
	cut = (size_t)((double)n * 0.3);
	for (j = 0; j < cut; j++)
		tail[(uint32_t)key[j]] = 1;
	for (u = 0; u < U; u++) {
		struct cand c[64];
		size_t nc = 0;

		if (model_csr_row_len(&sp->part[MODEL_TEST], u) == 0)
			continue;
		users++;
		for (i = 0; i < I; i++)
			if (!model_csr_has(&sp->part[MODEL_TRAIN], u, i) &&
			    !model_csr_has(&sp->part[MODEL_VALID], u, i)) {
				c[nc].s = m[u * I + i];
				c[nc].i = i;
				nc++;
			}
		qsort(c, nc, sizeof *c, cmp_cand);
		for (j = 0; j < (size_t)K && j < nc; j++) {
			cnt[c[j].i]++;
			tp += tail[c[j].i];
		}
	}
	total = (double)users * K;
	for (i = 0; i < I; i++)
		if (cnt[i] > 0)
			key[nrec++] = cnt[i];
	qsort(key, nrec, sizeof *key, cmp_u64);
	for (j = 0; j < nrec; j++)
		g += (2 * (den - (double)nrec + 1 + (double)j) - den - 1) *
		    (double)key[j];

	if (model_eval_parse("giniindex@7,tailpercentage@7", &spec, &err) < 0)
		fail_msg("%s", err.msg);
	spec.tail_ratio = 0.3;
	assert_int_equal(model_eval_run(sp, MODEL_TEST, &spec, score_dense,
	    &d, &r, &err), 0);
	assert_true(cut > 1 && nrec > 1);
	assert_close(value(&spec, &r, MODEL_GINIINDEX, K), g / total / den,
	    1e-12);
	assert_close(value(&spec, &r, MODEL_TAILPERCENTAGE, K),
	    tp / (double)K / (double)users, 1e-12);
	free(cnt);
	free(tail);
	free(key);
}

static void
test_against_brute_force(void **state)
{
	enum { U = 60, I = 50, K = 7 };
	uint32_t (*pr[3])[2];
	const uint32_t (*pairs[3])[2];
	size_t n[3] = { 0, 0, 0 };
	float *m = ep_xcalloc(U * I, sizeof *m);
	struct model_split sp;
	struct model_eval_spec spec;
	struct model_eval_result r;
	struct ep_err err = EP_ERR_INIT;
	struct ep_rng rng;
	struct dense d;
	double want[6] = { 0 }, gnum = 0, gden = 0;
	uint32_t u, i;
	size_t users = 0;
	int k;

	(void)state;
	ep_rng_seed(&rng, 7, 1);
	for (k = 0; k < 3; k++)
		pr[k] = ep_xcalloc(U * I, sizeof *pr[k]);
	for (u = 0; u < U; u++)
		for (i = 0; i < I; i++) {
			uint32_t x = ep_rng_below(&rng, 10);

			/* Coarse scores, so that ties are common. */
			m[u * I + i] = (float)ep_rng_below(&rng, 6);
			if (x < 3) {
				k = x == 0 ? MODEL_TRAIN : x == 1 ?
				    MODEL_VALID : MODEL_TEST;
				pr[k][n[k]][0] = u;
				pr[k][n[k]][1] = i;
				n[k]++;
			}
		}
	for (k = 0; k < 3; k++)
		pairs[k] = (const uint32_t (*)[2])pr[k];
	make_split(&sp, U, I, pairs, n);
	d.m = m;
	d.I = I;
	assert_int_equal(model_eval_parse("recall@7,mrr@7,ndcg@7,hit@7,map@7,"
	    "precision@7,gauc", &spec, &err), 0);
	assert_int_equal(model_eval_run(&sp, MODEL_TEST, &spec, score_dense,
	    &d, &r, &err), 0);

	for (u = 0; u < U; u++) {
		struct cand c[I];
		size_t nc = 0, P = model_csr_row_len(&sp.part[MODEL_TEST], u);
		double hits = 0, dcg = 0, idcg = 0, ap = 0, mrr = 0, auc = 0;
		size_t j, negs = 0;

		if (P == 0)
			continue;
		users++;
		for (i = 0; i < I; i++)
			if (!model_csr_has(&sp.part[MODEL_TRAIN], u, i) &&
			    !model_csr_has(&sp.part[MODEL_VALID], u, i)) {
				c[nc].s = m[u * I + i];
				c[nc].i = i;
				nc++;
			}
		qsort(c, nc, sizeof *c, cmp_cand);
		for (j = 0; j < K && j < nc; j++)
			if (model_csr_has(&sp.part[MODEL_TEST], u, c[j].i)) {
				hits++;
				dcg += 1 / log2((double)j + 2);
				ap += hits / (double)(j + 1);
				if (mrr == 0)
					mrr = 1.0 / (double)(j + 1);
			}
		for (j = 0; j < (P < K ? P : K); j++)
			idcg += 1 / log2((double)j + 2);
		want[0] += hits / (double)P;
		want[1] += mrr;
		want[2] += dcg / idcg;
		want[3] += hits > 0;
		want[4] += ap / (double)(P < K ? P : K);
		want[5] += hits / K;
		/* AUC by counting pairs, ties a half. */
		for (j = 0; j < nc; j++) {
			size_t l;

			if (!model_csr_has(&sp.part[MODEL_TEST], u, c[j].i))
				continue;
			for (l = 0; l < nc; l++) {
				if (model_csr_has(&sp.part[MODEL_TEST], u,
				    c[l].i))
					continue;
				auc += c[j].s > c[l].s ? 1 : c[j].s == c[l].s ?
				    0.5 : 0;
			}
		}
		negs = nc - P;
		if (negs > 0) {
			gnum += auc / (double)negs;
			gden += (double)P;
		}
	}
	assert_int_equal(r.users, users);
	for (k = 0; k < 6; k++)
		assert_close(r.value[k], want[k] / (double)users, 1e-12);
	assert_close(r.value[6], gnum / gden, 1e-12);
	check_aggregates(&sp, m, K);
	model_split_release(&sp);
	for (k = 0; k < 3; k++)
		free(pr[k]);
	free(m);
}

static void
test_same_result_any_thread_count(void **state)
{
	enum { U = 700, I = 300 };
	const uint32_t (*pairs[3])[2];
	uint32_t (*pr[3])[2];
	size_t n[3] = { 0, 0, 0 };
	float *m = ep_xcalloc(U * I, sizeof *m);
	struct model_split sp;
	struct model_eval_spec spec;
	struct model_eval_result r1, r2;
	struct ep_err err = EP_ERR_INIT;
	struct ep_rng rng;
	struct dense d;
	uint32_t u, i;
	size_t j;
	int k;

	(void)state;
	ep_rng_seed(&rng, 11, 2);
	for (k = 0; k < 3; k++)
		pr[k] = ep_xcalloc(U * I, sizeof *pr[k]);
	for (u = 0; u < U; u++)
		for (i = 0; i < I; i++) {
			uint32_t x = ep_rng_below(&rng, 20);

			m[u * I + i] = (float)ep_rng_uniform(&rng);
			if (x < 3) {
				k = (int)x;
				pr[k][n[k]][0] = u;
				pr[k][n[k]][1] = i;
				n[k]++;
			}
		}
	for (k = 0; k < 3; k++)
		pairs[k] = (const uint32_t (*)[2])pr[k];
	make_split(&sp, U, I, pairs, n);
	d.m = m;
	d.I = I;
	assert_int_equal(model_eval_parse("all", &spec, &err), 0);
	omp_set_num_threads(1);
	assert_int_equal(model_eval_run(&sp, MODEL_VALID, &spec, score_dense,
	    &d, &r1, &err), 0);
	omp_set_num_threads(3);
	assert_int_equal(model_eval_run(&sp, MODEL_VALID, &spec, score_dense,
	    &d, &r2, &err), 0);
	for (j = 0; j < spec.n; j++)
		assert_memory_equal(&r1.value[j], &r2.value[j], sizeof(double));
	model_split_release(&sp);
	for (k = 0; k < 3; k++)
		free(pr[k]);
	free(m);
}

static void
test_empty_part_is_an_error(void **state)
{
	const uint32_t (*pairs[3])[2] = { train3, valid3, test3 };
	const size_t n[3] = { 4, 0, 0 };
	struct model_split sp;
	struct model_eval_spec spec;
	struct model_eval_result r;
	struct ep_err err = EP_ERR_INIT;
	struct dense d = { scores3, 6 };

	(void)state;
	make_split(&sp, 3, 6, pairs, n);
	assert_int_equal(model_eval_parse("mrr", &spec, &err), 0);
	assert_int_equal(model_eval_run(&sp, MODEL_VALID, &spec, score_dense,
	    &d, &r, &err), -1);
	assert_contains(err.msg, "validation part has no users");
	model_split_release(&sp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_topk_metrics_by_hand),
		cmocka_unit_test(test_gauc_by_hand_with_ties),
		cmocka_unit_test(test_aggregate_metrics_by_hand),
		cmocka_unit_test(test_fewer_candidates_than_k),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_against_brute_force),
		cmocka_unit_test(test_same_result_any_thread_count),
		cmocka_unit_test(test_empty_part_is_an_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
