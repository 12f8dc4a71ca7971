/*
 * Helpers shared by the model tests (test_models*.c): hyperparameters
 * from key=value lists, a trained model's test NDCG@10, the check that
 * training does not depend on the thread count, and the gradient check.
 * Include after cmocka.h.
 */
#ifndef ECOPLAN_TESTS_TEST_MODELS_UTIL_H
#define ECOPLAN_TESTS_TEST_MODELS_UTIL_H

#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/rng.h"
#include "models/data.h"
#include "models/eval.h"
#include "models/model.h"
#include "models/sampler.h"
#include "models/split.h"
#include "models/train.h"

/* The data the model tests learn on, and a tiny set for gradient
 * checks. */
#define TEST_DATA_SMALL "synthetic:users=400,items=600,inters=16000," \
	"clusters=10,seed=5"
#define TEST_DATA_TINY "synthetic:users=16,items=20,inters=80,clusters=2," \
	"seed=3"

/* Loads dataset spec into d and splits it with the default rule into
 * sp; prints the error and returns -1 on failure (for cmocka setups). */
static inline int
test_split_load(const char *spec, struct model_data *d,
    struct model_split *sp)
{
	struct model_split_spec rule = MODEL_SPLIT_SPEC_DEFAULT;
	struct ep_err err = EP_ERR_INIT;

	if (model_data_load(spec, d, &err) < 0 ||
	    model_split_make(d, &rule, sp, &err) < 0) {
		fprintf(stderr, "%s: %s\n", spec, err.msg);
		return -1;
	}
	return 0;
}

static inline void
test_split_release(struct model_data *d, struct model_split *sp)
{
	model_split_release(sp);
	model_data_release(d);
}

/* The defaults of model name with sets ("key=value", NULL-ended). */
static inline void
test_hp_for(const char *name, const char *const *sets, struct model_hp *hp)
{
	const struct model_ops *ops = model_find(name);
	struct ep_err err = EP_ERR_INIT;

	assert_non_null(ops);
	model_hp_defaults(ops, hp);
	for (; sets != NULL && *sets != NULL; sets++)
		if (model_hp_set(hp, *sets, &err) < 0)
			fail_msg("%s", err.msg);
}

/*
 * Test NDCG@10 of model name trained on sp for epochs (0: to
 * convergence); the run is kept in *keep when keep is not NULL.
 */
static inline double
test_trained_ndcg(const struct model_split *sp, const char *name,
    const char *const *sets, int epochs, struct model_run *keep)
{
	const struct model_ops *ops = model_find(name);
	struct model_hp hp;
	struct model_run run;
	struct model_eval_spec spec;
	struct model_eval_result res;
	struct ep_err err = EP_ERR_INIT;
	int ran, best;

	test_hp_for(name, sets, &hp);
	assert_int_equal(model_eval_parse("mrr@10,ndcg@10", &spec, &err), 0);
	assert_int_equal(model_run_init(&run, ops, &hp, sp, &err), 0);
	assert_int_equal(model_run_train(&run, epochs ? epochs : 300,
	    epochs == 0, &spec, NULL, NULL, &ran, &best, &err), 0);
	assert_true(best >= 1 && best <= ran);
	assert_int_equal(model_run_eval(&run, MODEL_TEST, &spec, &res, &err),
	    0);
	if (keep != NULL)
		*keep = run;
	else
		model_run_release(&run);
	return res.value[1];
}

/* Runs a and b hold the same weights, bit for bit; both are released. */
static inline void
test_same_weights(struct model_run *a, struct model_run *b)
{
	size_t k;

	for (k = 0; k < a->n_t; k++)
		assert_memory_equal(a->t[k].w, b->t[k].w,
		    a->t[k].rows * a->t[k].cols * sizeof(float));
	model_run_release(a);
	model_run_release(b);
}

/* Two epochs on 1 and on 3 threads give the same weights, bit for bit:
 * sums run in a fixed order. */
static inline void
test_check_deterministic(const struct model_split *sp, const char *name)
{
	struct model_run a, b;

	omp_set_num_threads(1);
	test_trained_ndcg(sp, name, NULL, 2, &a);
	omp_set_num_threads(3);
	test_trained_ndcg(sp, name, NULL, 2, &b);
	omp_set_num_threads(omp_get_num_procs());
	test_same_weights(&a, &b);
}

/*
 * Trains model name on sp for 2 epochs into *run and scores users[0..n)
 * into s (n x sp->n_items); checks that a fresh model given the trained
 * weights scores them the same, bit for bit (no cache is stale, nor made
 * with dropout). The caller releases *run.
 */
static inline void
test_scores_fresh(const struct model_split *sp, const char *name,
    const uint32_t *users, size_t n, float *s, struct model_run *run)
{
	const struct model_ops *ops = model_find(name);
	struct model_run fresh;
	struct model_hp hp;
	struct ep_err err = EP_ERR_INIT;
	size_t ni = sp->n_items, nt, k;
	struct model_tensor *t, *ft;
	float *s2 = ep_xmalloc(n * ni * sizeof *s2);

	test_trained_ndcg(sp, name, NULL, 2, run);
	ops->score(run->m, users, n, s);
	test_hp_for(name, NULL, &hp);
	assert_int_equal(model_run_init(&fresh, ops, &hp, sp, &err), 0);
	t = ops->tensors(run->m, &nt);
	ft = ops->tensors(fresh.m, &k);
	assert_int_equal(k, nt);
	for (k = 0; k < nt; k++)
		memcpy(ft[k].w, t[k].w, t[k].rows * t[k].cols * sizeof(float));
	if (ops->prepare != NULL)
		ops->prepare(fresh.m);
	ops->score(fresh.m, users, n, s2);
	assert_memory_equal(s, s2, n * ni * sizeof *s2);
	free(s2);
	model_run_release(&fresh);
}

/* test_grad_check()'s flags. */
#define TEST_GRAD_EMBEDDINGS_ONLY 1	/* scale only "*embedding*" tensors */
#define TEST_GRAD_KINKS 2		/* allow ReLU kinks (see below) */

/* The loss on batch b, the rng re-seeded as before every call. */
static inline double
test_loss_at(struct model_run *run, const struct model_batch *b, int train)
{
	struct ep_rng rng;

	ep_rng_seed(&rng, 1, 1);
	return run->ops->loss(run->m, b, 0, train, &rng);
}

/* (L(w + h) - L(w - h)) / 2h for the one weight *w, whose value is keep
 * and is left so. */
static inline double
test_central_diff(struct model_run *run, const struct model_batch *b,
    int train, float *w, float keep, double h)
{
	double lp, lm;

	*w = keep + (float)h;
	lp = test_loss_at(run, b, train);
	*w = keep - (float)h;
	lm = test_loss_at(run, b, train);
	*w = keep;
	return (lp - lm) / (2 * h);
}

/*
 * Checks every parameter's analytic gradient of model name (with sets)
 * on one batch of 24 from sp against central differences
 * (L(w + h) - L(w - h)) / 2h, with train 0 (no dropout, no sampling) or
 * 1 (the same dropout masks and samples at every call: the model draws
 * them from an rng re-seeded before each call). Biases (one-row
 * tensors) are first given values to check with, and the other tensors
 * multiplied by scale (only the embeddings with
 * TEST_GRAD_EMBEDDINGS_ONLY). The checks:
 *   - entry by entry, on every entry of small tensors and about 100 of
 *     larger ones, to within etol plus 3% (the float noise of a single
 *     difference, and LeakyReLU kinks crossed). With TEST_GRAD_KINKS,
 *     an entry beyond that (a ReLU kink within h) is checked again with
 *     step h / 10, to within 10 etol plus 3%, for at most 1 entry in 20;
 *   - over those entries together, to within agg (relative);
 *   - along the gradient itself (all of the tensor moved by h g / |g|),
 *     which must change the loss at the rate |g|, to within 1%: a
 *     signal far above the noise, however small each entry is.
 */
static inline void
test_grad_check(const struct model_split *sp, const char *name,
    const char *const *sets, double scale, double h, double etol,
    double agg, int train, int flags)
{
	const struct model_ops *ops = model_find(name);
	struct model_hp hp;
	struct model_run run;
	struct model_batch b;
	struct ep_err err = EP_ERR_INIT;
	struct ep_rng rng;
	size_t k, nt, checked = 0, kinks = 0;
	struct model_tensor *t;
	double worst = 0;

	test_hp_for(name, sets, &hp);
	assert_int_equal(model_run_init(&run, ops, &hp, sp, &err), 0);
	run.sampler.batch = 24;
	model_sampler_epoch(&run.sampler);
	assert_true(model_sampler_next(&run.sampler, &b));
	t = ops->tensors(run.m, &nt);
	for (k = 0; k < nt; k++) {
		size_t n = t[k].rows * t[k].cols, i;
		int scaled = !(flags & TEST_GRAD_EMBEDDINGS_ONLY) ||
		    strstr(t[k].name, "embedding") != NULL;

		for (i = 0; i < n; i++) {
			if (t[k].rows == 1)
				t[k].w[i] = 0.1f * (float)(i % 7) - 0.3f;
			else if (scaled)
				t[k].w[i] *= (float)scale;
			t[k].g[i] = 0;
		}
	}
	ep_rng_seed(&rng, 1, 1);
	ops->loss(run.m, &b, 1, train, &rng);
	for (k = 0; k < nt; k++) {
		size_t n = t[k].rows * t[k].cols, i, step;
		float *g = ep_xmalloc(n * sizeof *g);
		float *keep = ep_xmalloc(n * sizeof *keep);
		double ss_diff = 0, ss_num = 0, gn = 0, lp, lm, num, diff;

		memcpy(g, t[k].g, n * sizeof *g);
		memcpy(keep, t[k].w, n * sizeof *keep);
		step = n > 200 ? n / 97 : 1;
		for (i = 0; i < n; i += step) {
			num = test_central_diff(&run, &b, train, &t[k].w[i],
			    keep[i], h);
			diff = fabs(num - (double)g[i]);
			if (diff > etol + 0.03 * fabs(num)) {
				double h2 = h / 10, num2;

				if (!(flags & TEST_GRAD_KINKS))
					fail_msg("%s: %s[%zu]: analytic %.6g, "
					    "numeric %.6g", name, t[k].name, i,
					    (double)g[i], num);
				/* Again with h / 10, where the float noise
				 * is ten times as large. */
				num2 = test_central_diff(&run, &b, train,
				    &t[k].w[i], keep[i], h2);
				if (fabs(num2 - (double)g[i]) <= 10 * etol +
				    0.03 * fabs(num2)) {
					kinks++;
					checked++;
					continue;
				}
				fail_msg("%s: %s[%zu]: analytic %.6g, numeric "
				    "%.6g (%.6g with h / 10)", name, t[k].name,
				    i, (double)g[i], num, num2);
			}
			ss_diff += diff * diff;
			ss_num += num * num;
			if (diff > worst)
				worst = diff;
			checked++;
		}
		if (!(sqrt(ss_diff) <= agg * sqrt(ss_num)))
			fail_msg("%s: %s: relative error %.3g over the entries",
			    name, t[k].name, sqrt(ss_diff / ss_num));
		for (i = 0; i < n; i++)
			gn += (double)g[i] * (double)g[i];
		gn = sqrt(gn);
		/* Every tensor takes part in the loss. */
		if (!(gn > 1e-4))
			fail_msg("%s: %s: no gradient", name, t[k].name);
		for (i = 0; i < n; i++)
			t[k].w[i] = keep[i] + (float)(h * (double)g[i] / gn);
		lp = test_loss_at(&run, &b, train);
		for (i = 0; i < n; i++)
			t[k].w[i] = keep[i] - (float)(h * (double)g[i] / gn);
		lm = test_loss_at(&run, &b, train);
		memcpy(t[k].w, keep, n * sizeof *keep);
		num = (lp - lm) / (2 * h);
		if (fabs(num - gn) > 0.01 * gn)
			fail_msg("%s: %s: along the gradient %.6g, its norm "
			    "%.6g", name, t[k].name, num, gn);
		free(g);
		free(keep);
	}
	assert_true(checked > 100);
	/* Kinks are rare: most entries are checked by central
	 * differences. */
	if (kinks * 20 > checked)
		fail_msg("%s: %zu of %zu entries across a kink", name, kinks,
		    checked);
	print_message("%s: %zu entries (%zu across a kink), worst difference "
	    "%.3g\n", name, checked, kinks, worst);
	model_run_release(&run);
}

#endif
