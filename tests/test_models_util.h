/*
 * Helpers shared by the model tests (test_models*.c): hyperparameters
 * from key=value lists, a trained model's test NDCG@10, and the check
 * that training does not depend on the thread count.
 */
#ifndef ECOPLAN_TESTS_TEST_MODELS_UTIL_H
#define ECOPLAN_TESTS_TEST_MODELS_UTIL_H

#include <omp.h>
#include <stdio.h>

#include "models/data.h"
#include "models/eval.h"
#include "models/model.h"
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

/* Two epochs on 1 and on 3 threads give the same weights, bit for bit:
 * sums run in a fixed order. */
static inline void
test_check_deterministic(const struct model_split *sp, const char *name)
{
	struct model_run a, b;
	size_t k;

	omp_set_num_threads(1);
	test_trained_ndcg(sp, name, NULL, 2, &a);
	omp_set_num_threads(3);
	test_trained_ndcg(sp, name, NULL, 2, &b);
	omp_set_num_threads(omp_get_num_procs());
	for (k = 0; k < a.n_t; k++)
		assert_memory_equal(a.t[k].w, b.t[k].w,
		    a.t[k].rows * a.t[k].cols * sizeof(float));
	model_run_release(&a);
	model_run_release(&b);
}

#endif
