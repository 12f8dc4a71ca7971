/*
 * Tests for the model framework and the trained models: gradients
 * against central finite differences, Adam, the sampler, hyperparameter
 * parsing, determinism, and that each model learns.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <omp.h>
#include <stdio.h>

#include "core/mem.h"
#include "models/data.h"
#include "models/model.h"
#include "models/optim.h"
#include "models/sampler.h"
#include "models/split.h"
#include "models/train.h"
#include "tests/test_models_util.h"
#include "tests/test_util.h"

/* A small dataset and split shared by the tests. */
static struct model_data data = MODEL_DATA_INIT;
static struct model_split split = MODEL_SPLIT_INIT;

static int
setup(void **state)
{
	(void)state;
	return test_split_load(TEST_DATA_SMALL, &data, &split);
}

static int
teardown(void **state)
{
	(void)state;
	test_split_release(&data, &split);
	return 0;
}

/*
 * Checks every parameter's analytic gradient on one batch against the
 * central difference (L(w + h) - L(w - h)) / 2h, on a few rows of each
 * tensor (all of a small tensor).
 */
static void
grad_check(const char *name, const char *const *sets)
{
	const struct model_ops *ops = model_find(name);
	struct model_hp hp;
	struct model_run run;
	struct model_batch b;
	struct ep_err err = EP_ERR_INIT;
	struct ep_rng rng;
	size_t k, nt, checked = 0;
	struct model_tensor *t;

	test_hp_for(name, sets, &hp);
	assert_int_equal(model_run_init(&run, ops, &hp, &split, &err), 0);
	/* A batch of 16: scale the weights up so the loss is not flat. */
	run.sampler.batch = 16;
	model_sampler_epoch(&run.sampler);
	assert_true(model_sampler_next(&run.sampler, &b));
	t = ops->tensors(run.m, &nt);
	for (k = 0; k < nt; k++) {
		size_t n = t[k].rows * t[k].cols, i;

		for (i = 0; i < n; i++) {
			t[k].w[i] *= 20;
			t[k].g[i] = 0;
		}
	}
	ep_rng_seed(&rng, 1, 1);
	ops->loss(run.m, &b, 1, 0, &rng);
	for (k = 0; k < nt; k++) {
		size_t n = t[k].rows * t[k].cols, i, step;
		float *g = ep_xmalloc(n * sizeof *g);

		memcpy(g, t[k].g, n * sizeof *g);
		step = n > 400 ? n / 97 : 1;
		for (i = 0; i < n; i += step) {
			float keep = t[k].w[i];
			double h = 1e-2, lp, lm, num;

			t[k].w[i] = keep + (float)h;
			lp = ops->loss(run.m, &b, 0, 0, &rng);
			t[k].w[i] = keep - (float)h;
			lm = ops->loss(run.m, &b, 0, 0, &rng);
			t[k].w[i] = keep;
			num = (lp - lm) / (2 * h);
			if (fabs(num - (double)g[i]) > 2e-3 + 0.03 * fabs(num))
				fail_msg("%s: %s[%zu]: analytic %.6g, numeric "
				    "%.6g", name, t[k].name, i, (double)g[i],
				    num);
			checked++;
		}
		free(g);
	}
	assert_true(checked > 20);
	model_run_release(&run);
}

static void
test_bpr_gradient(void **state)
{
	(void)state;
	grad_check("bpr", NULL);
}

static void
test_fism_gradient(void **state)
{
	static const char *const recbole[] = { "double_sigmoid=1", "alpha=0.5",
		NULL };

	(void)state;
	grad_check("fism", NULL);
	grad_check("fism", recbole);
}

static void
test_adam_step_by_hand(void **state)
{
	struct model_tensor t;
	struct model_optim o;
	float w0 = 0.5f;

	(void)state;
	model_tensor_alloc(&t, "w", 2, 1);
	t.w[0] = w0;
	t.w[1] = w0;
	t.g[0] = 2;
	t.touched[0] = 1;
	model_optim_init(&o, &t, 1, 0.1, MODEL_ADAM);
	model_optim_step(&o);
	/* Step 1: m = 0.2, v = 0.004, m^ = 2, v^ = 4: w -= 0.1 * 2 / 2. */
	assert_close((double)t.w[0], (double)w0 - 0.1 / (1 + 1e-8 * 0.5), 1e-6);
	assert_close((double)t.w[1], (double)w0, 0);
	assert_close((double)t.g[0], 0, 0);
	/* Step 2 with no gradient: dense Adam still moves w[0] (once the
	 * skipped step is replayed). */
	model_optim_step(&o);
	model_optim_flush(&o);
	assert_true((double)t.w[0] < (double)w0 - 0.1 - 1e-3);
	model_optim_release(&o);

	t.w[0] = w0;
	t.g[0] = 2;
	t.touched[0] = 1;
	model_optim_init(&o, &t, 1, 0.1, MODEL_LAZY_ADAM);
	model_optim_step(&o);
	assert_close((double)t.w[0], (double)w0 - 0.1, 1e-6);
	/* Lazy: no gradient, no move. */
	model_optim_step(&o);
	assert_close((double)t.w[0], (double)w0 - 0.1, 1e-6);
	model_optim_release(&o);
	model_tensor_release(&t);
}

/* Replayed dense Adam gives exactly the weights of eager dense Adam. */
static void
test_adam_replay_is_exact(void **state)
{
	struct model_tensor a, b;
	struct model_optim oa, ob;
	struct ep_rng rng;
	size_t rows = 50, cols = 7, i;
	int s;

	(void)state;
	model_tensor_alloc(&a, "a", rows, cols);
	model_tensor_alloc(&b, "b", rows, cols);
	ep_rng_seed(&rng, 9, 9);
	model_init_normal(a.w, rows * cols, 1, &rng);
	memcpy(b.w, a.w, rows * cols * sizeof(float));
	model_optim_init(&oa, &a, 1, 0.01, MODEL_ADAM);
	model_optim_init(&ob, &b, 1, 0.01, MODEL_ADAM_EAGER);
	for (s = 0; s < 300; s++) {
		/* A few rows get a gradient each step, most do not. */
		for (i = 0; i < 3; i++) {
			size_t r = ep_rng_below(&rng, (uint32_t)rows), c;

			for (c = 0; c < cols; c++) {
				float g = (float)ep_rng_normal(&rng);

				a.g[r * cols + c] += g;
				b.g[r * cols + c] += g;
			}
			a.touched[r] = b.touched[r] = 1;
		}
		model_optim_step(&oa);
		model_optim_step(&ob);
		if (s % 97 == 0)
			model_optim_flush(&oa);
	}
	model_optim_flush(&oa);
	assert_memory_equal(a.w, b.w, rows * cols * sizeof(float));
	assert_memory_equal(oa.m[0], ob.m[0], rows * cols * sizeof(float));
	assert_memory_equal(oa.v[0], ob.v[0], rows * cols * sizeof(float));
	model_optim_release(&oa);
	model_optim_release(&ob);
	model_tensor_release(&a);
	model_tensor_release(&b);
}

static void
test_sampler(void **state)
{
	struct model_sampler s;
	struct model_batch b;
	const struct model_csr *tr = &split.part[MODEL_TRAIN];
	size_t seen = 0, k, batches = 0;

	(void)state;
	model_sampler_init(&s, &split, MODEL_SAMPLE_PAIRWISE, 1000, 3);
	model_sampler_epoch(&s);
	while (model_sampler_next(&s, &b)) {
		for (k = 0; k < b.n; k++) {
			assert_true(model_csr_has(tr, b.user[k], b.item[k]));
			assert_false(model_csr_has(tr, b.user[k], b.neg[k]));
		}
		seen += b.n;
		batches++;
	}
	assert_int_equal(seen, tr->nnz);
	assert_int_equal(batches, model_sampler_batches(&s));
	model_sampler_release(&s);

	model_sampler_init(&s, &split, MODEL_SAMPLE_POINTWISE, 64, 3);
	model_sampler_epoch(&s);
	assert_true(model_sampler_next(&s, &b));
	assert_int_equal(b.n, 64);
	for (k = 0; k < 32; k++) {
		assert_close((double)b.label[k], 1, 0);
		assert_close((double)b.label[32 + k], 0, 0);
		assert_int_equal(b.user[k], b.user[32 + k]);
		assert_false(model_csr_has(tr, b.user[k], b.item[32 + k]));
	}
	model_sampler_release(&s);
}

static void
test_hyperparameters(void **state)
{
	struct model_hp hp;
	struct ep_err err = EP_ERR_INIT;

	(void)state;
	test_hp_for("bpr", NULL, &hp);
	assert_close(model_hp_get(&hp, "embedding_size"), 64, 0);
	assert_close(model_hp_get(&hp, "learning_rate"), 1e-3, 0);
	assert_close(model_hp_get(&hp, "seed"), 2020, 0);
	assert_int_equal(model_hp_set(&hp, "embedding_size=16", &err), 0);
	assert_close(model_hp_get(&hp, "embedding_size"), 16, 0);
	assert_int_equal(model_hp_set(&hp, "optimizer=lazy_adam", &err), 0);
	assert_close(model_hp_get(&hp, "optimizer"), 1, 0);
	assert_int_equal(model_hp_set(&hp, "optimizer=sgd", &err), -1);
	assert_contains(err.msg, "expected one of adam|lazy_adam|eager_adam");
	assert_int_equal(model_hp_set(&hp, "embedding_size=0", &err), -1);
	assert_contains(err.msg, "embedding_size: '0': out of range");
	assert_int_equal(model_hp_set(&hp, "embedding_size=2.5", &err), -1);
	assert_int_equal(model_hp_set(&hp, "learning_rate=nan", &err), -1);
	assert_int_equal(model_hp_set(&hp, "colour=red", &err), -1);
	assert_contains(err.msg, "'colour': unknown key (valid keys: "
	    "embedding_size, learning_rate");
	assert_int_equal(model_hp_set(&hp, "=3", &err), -1);
	assert_int_equal(model_hp_set(&hp, "seed", &err), -1);
	test_hp_for("pop", NULL, &hp);
	assert_int_equal(model_hp_set(&hp, "learning_rate=0.1", &err), -1);
	assert_null(model_find("nope"));
	assert_non_null(model_find("BPR"));
}

static void
test_models_beat_pop(void **state)
{
	static const char *const fism[] = { "learning_rate=0.01", NULL };
	double pop, bpr, fi;

	(void)state;
	pop = test_trained_ndcg(&split, "pop", NULL, 1, NULL);
	bpr = test_trained_ndcg(&split, "bpr", NULL, 0, NULL);
	fi = test_trained_ndcg(&split, "fism", fism, 30, NULL);
	if (!(bpr > pop * 1.1))
		fail_msg("BPR NDCG@10 %.4f vs Pop %.4f", bpr, pop);
	if (!(fi > pop * 1.05))
		fail_msg("FISM NDCG@10 %.4f vs Pop %.4f", fi, pop);
}

/* A model trained with replayed and with eager dense Adam is the same. */
static void
test_replayed_adam_trains_identically(void **state)
{
	static const char *const eager[] = { "optimizer=eager_adam", NULL };
	struct model_run a, b;

	(void)state;
	test_trained_ndcg(&split, "bpr", NULL, 2, &a);
	test_trained_ndcg(&split, "bpr", eager, 2, &b);
	test_same_weights(&a, &b);
}

static void
test_deterministic(void **state)
{
	struct model_run a, b;

	(void)state;
	/* Also across thread counts: sums run in a fixed order. */
	omp_set_num_threads(1);
	test_trained_ndcg(&split, "bpr", NULL, 3, &a);
	omp_set_num_threads(3);
	test_trained_ndcg(&split, "bpr", NULL, 3, &b);
	test_same_weights(&a, &b);
	/* FISM's rows are cut between the threads by their histories. */
	omp_set_num_threads(1);
	test_trained_ndcg(&split, "fism", NULL, 3, &a);
	omp_set_num_threads(3);
	test_trained_ndcg(&split, "fism", NULL, 3, &b);
	test_same_weights(&a, &b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bpr_gradient),
		cmocka_unit_test(test_fism_gradient),
		cmocka_unit_test(test_adam_step_by_hand),
		cmocka_unit_test(test_adam_replay_is_exact),
		cmocka_unit_test(test_sampler),
		cmocka_unit_test(test_hyperparameters),
		cmocka_unit_test(test_models_beat_pop),
		cmocka_unit_test(test_replayed_adam_trains_identically),
		cmocka_unit_test(test_deterministic),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
