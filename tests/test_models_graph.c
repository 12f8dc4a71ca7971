/*
 * Tests for the graph models (LightGCN, NGCF) and their graph kernels:
 * the normalised adjacency and its product against a dense reference,
 * every tensor's gradient against central finite differences on a tiny
 * graph (without dropout, and through NGCF's dropout with its masks
 * fixed), that each model learns (beats Pop), determinism
 * across thread counts, and that scoring after training uses a fresh
 * propagation of the trained weights.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <omp.h>
#include <stdio.h>

#include "core/mem.h"
#include "models/data.h"
#include "models/graph.h"
#include "models/model.h"
#include "models/sampler.h"
#include "models/split.h"
#include "models/train.h"
#include "tests/test_models_util.h"
#include "tests/test_util.h"

/* A small dataset for learning, and a tiny one for gradient checks. */
static struct model_data data = MODEL_DATA_INIT;
static struct model_split split = MODEL_SPLIT_INIT;
static struct model_data tiny_data = MODEL_DATA_INIT;
static struct model_split tiny = MODEL_SPLIT_INIT;

static int
setup(void **state)
{
	(void)state;
	return test_split_load(TEST_DATA_SMALL, &data, &split) < 0 ||
	    test_split_load(TEST_DATA_TINY, &tiny_data, &tiny) < 0 ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	test_split_release(&data, &split);
	test_split_release(&tiny_data, &tiny);
	return 0;
}

/* The dense normalised adjacency of sp's training part, (U+I)^2. */
static double *
dense_adjacency(const struct model_split *sp)
{
	const struct model_csr *tr = &sp->part[MODEL_TRAIN];
	size_t nu = sp->n_users, n = nu + sp->n_items, r, c, k;
	double *A = ep_xcalloc(n * n, sizeof *A), *deg;

	deg = ep_xcalloc(n, sizeof *deg);
	for (r = 0; r < nu; r++)
		for (k = tr->rowptr[r]; k < tr->rowptr[r + 1]; k++) {
			A[r * n + nu + tr->col[k]] = 1;
			A[(nu + tr->col[k]) * n + r] = 1;
		}
	for (r = 0; r < n; r++)
		for (c = 0; c < n; c++)
			deg[r] += A[r * n + c];
	for (r = 0; r < n; r++)
		for (c = 0; c < n; c++)
			A[r * n + c] /= sqrt((deg[r] + 1e-7) * (deg[c] + 1e-7));
	free(deg);
	return A;
}

static void
test_graph_spmm_matches_dense(void **state)
{
	struct model_graph g = MODEL_GRAPH_INIT;
	struct ep_rng rng;
	size_t n, r, c, k, d, ld = 150;
	double *A;
	float *x, *y;

	(void)state;
	model_graph_build(&g, &split.part[MODEL_TRAIN]);
	n = g.n;
	assert_int_equal(n, split.n_users + split.n_items);
	assert_int_equal(g.nnz, 2 * split.part[MODEL_TRAIN].nnz);
	A = dense_adjacency(&split);
	/* The sparse weights are the dense ones, and symmetric. */
	for (r = 0; r < n; r++)
		for (k = g.rowptr[r]; k < g.rowptr[r + 1]; k++)
			assert_close((double)g.val[k], A[r * n + g.col[k]],
			    1e-7);
	x = ep_xmalloc(n * ld * sizeof *x);
	y = ep_xmalloc(n * ld * sizeof *y);
	ep_rng_seed(&rng, 4, 4);
	for (k = 0; k < n * ld; k++)
		x[k] = (float)ep_rng_normal(&rng);
	/* Widths below, at and above the 64-wide kernel, strided. */
	for (d = 5; d <= 133; d += 64) {
		for (k = 0; k < n * ld; k++)
			y[k] = 1.5f;
		model_graph_spmm(&g, x, ld, y, ld, d, 0);
		for (r = 0; r < n; r += 7)
			for (c = 0; c < d; c++) {
				double want = 0;

				for (k = 0; k < n; k++)
					want += A[r * n + k] *
					    (double)x[k * ld + c];
				assert_close((double)y[r * ld + c], want, 1e-4);
			}
		/* The padding beyond d is left alone. */
		if (d < ld)
			assert_close((double)y[d], 1.5, 0);
		model_graph_spmm(&g, x, ld, y, ld, d, 1);
		for (r = 0; r < n; r += 11)
			for (c = 0; c < d; c++) {
				double want = 0;

				for (k = 0; k < n; k++)
					want += A[r * n + k] *
					    (double)x[k * ld + c];
				assert_close((double)y[r * ld + c], 2 * want,
				    2e-4);
			}
	}
	free(x);
	free(y);
	free(A);
	model_graph_release(&g);
	model_graph_release(&g);
}

/* The product at listed rows: those rows bit for bit as the full one,
 * and no other row touched. */
static void
test_graph_spmm_rows(void **state)
{
	struct model_graph g = MODEL_GRAPH_INIT;
	struct ep_rng rng;
	size_t n, k, d, ld = 150, nr, i;
	float *x, *full, *y;
	uint32_t *rows;
	int acc;

	(void)state;
	model_graph_build(&g, &split.part[MODEL_TRAIN]);
	n = g.n;
	x = ep_xmalloc(n * ld * sizeof *x);
	full = ep_xmalloc(n * ld * sizeof *full);
	y = ep_xmalloc(n * ld * sizeof *y);
	rows = ep_xmalloc(n * sizeof *rows);
	ep_rng_seed(&rng, 5, 5);
	for (k = 0; k < n * ld; k++)
		x[k] = (float)ep_rng_normal(&rng);
	/* Every third node, the last among them (and users and items). */
	for (nr = 0, k = 0; k < n; k += 3)
		rows[nr++] = (uint32_t)k;
	assert_true(nr > 2 && rows[nr - 1] >= split.n_users);
	for (d = 5; d <= 133; d += 64)
		for (acc = 0; acc <= 1; acc++) {
			for (k = 0; k < n * ld; k++)
				full[k] = y[k] = (float)(k % 13) - 6.0f;
			model_graph_spmm(&g, x, ld, full, ld, d, acc);
			model_graph_spmm_rows(&g, rows, nr, x, ld, y, ld, d,
			    acc);
			for (i = 0, k = 0; k < n; k++) {
				int listed = i < nr && rows[i] == k;
				size_t c;

				for (c = 0; c < ld; c++) {
					float want = listed && c < d ?
					    full[k * ld + c] :
					    (float)((k * ld + c) % 13) - 6.0f;

					assert_memory_equal(&y[k * ld + c],
					    &want, sizeof want);
				}
				i += listed;
			}
		}
	/* No rows: nothing happens. */
	model_graph_spmm_rows(&g, rows, 0, x, ld, y, ld, 64, 0);
	free(x);
	free(full);
	free(y);
	free(rows);
	model_graph_release(&g);
}

/*
 * LightGCN's and NGCF's training losses run the last layer at the
 * batch's rows only; each must be the loss of the full propagation (the
 * loss without a gradient) at any depth, with NGCF's dropout too (the
 * same masks either way): LightGCN's bit for bit, NGCF's to a relative
 * rel, as its dense layers are SGEMMs of other sets of rows, and some
 * of OpenBLAS's kernels round a row by its place and the number of rows
 * (Haswell's: about 2e-8 of the loss here; SkylakeX's: bit for bit
 * in these cases, not in all).
 */
static void
check_batch_rows_exact(const char *name, const char *const *sets,
    double rel)
{
	const struct model_ops *ops = model_find(name);
	struct model_hp hp;
	struct model_run run;
	struct model_batch b;
	struct ep_err err = EP_ERR_INIT;
	struct ep_rng rng;
	size_t j;
	int train;

	test_hp_for(name, sets, &hp);
	assert_int_equal(model_run_init(&run, ops, &hp, &split, &err), 0);
	run.sampler.batch = 40;
	model_sampler_epoch(&run.sampler);
	for (j = 0; j < 3 && model_sampler_next(&run.sampler, &b); j++)
		for (train = 0; train <= 1; train++) {
			double with_grad, without;

			ep_rng_seed(&rng, 1, 1);
			with_grad = ops->loss(run.m, &b, 1, train, &rng);
			without = test_loss_at(&run, &b, train);
			if (rel == 0 ? memcmp(&with_grad, &without,
			    sizeof without) != 0 : !(fabs(with_grad -
			    without) <= rel * fabs(without)))
				fail_msg("%s (%s): loss %.17g with the "
				    "gradient, %.17g without", name,
				    sets[0], with_grad, without);
		}
	model_run_release(&run);
}

static void
test_batch_rows_exact(void **state)
{
	static const char *const depth[][2] = { { "n_layers=0", NULL },
		{ "n_layers=1", NULL }, { "n_layers=2", NULL },
		{ "n_layers=3", NULL } };
	static const char *const odd[] = { "n_layers=2", "hidden_size=9",
		"embedding_size=12", "message_dropout=0.3", NULL };
	size_t v;

	(void)state;
	for (v = 0; v < sizeof depth / sizeof depth[0]; v++) {
		check_batch_rows_exact("lightgcn", depth[v], 0);
		if (v > 0)
			check_batch_rows_exact("ngcf", depth[v], 1e-6);
	}
	check_batch_rows_exact("ngcf", odd, 1e-6);
}

/* The gradient check (test_models_util.h) on the tiny split, train 0
 * (no dropout) or 1 (fixed dropout masks). */
static void
grad_check_mode(const char *name, const char *const *sets, double scale,
    double h, double etol, double agg, int train)
{
	test_grad_check(&tiny, name, sets, scale, h, etol, agg, train, 0);
}

static void
grad_check(const char *name, const char *const *sets, double scale,
    double h, double etol, double agg)
{
	grad_check_mode(name, sets, scale, h, etol, agg, 0);
}

static void
test_lightgcn_gradient(void **state)
{
	static const char *const layers3[] = { "n_layers=3", "reg_weight=0.3",
		NULL };
	static const char *const layers1[] = { "n_layers=1",
		"embedding_size=70", NULL };
	static const char *const layers0[] = { "n_layers=0", NULL };

	(void)state;
	grad_check("lightgcn", NULL, 3, 1e-3, 1e-4, 0.01);
	grad_check("lightgcn", layers3, 3, 1e-3, 1e-4, 0.01);
	grad_check("lightgcn", layers1, 3, 1e-3, 1e-4, 0.01);
	grad_check("lightgcn", layers0, 3, 1e-3, 1e-4, 0.01);
}

static void
test_ngcf_gradient(void **state)
{
	static const char *const reg[] = { "reg_weight=0.3", NULL };
	static const char *const narrow[] = { "embedding_size=12",
		"hidden_size=9", "n_layers=2", NULL };
	static const char *const one[] = { "embedding_size=12",
		"hidden_size=9", "n_layers=1", NULL };

	(void)state;
	/*
	 * At width 64 the layers' rows have unit norm, so single entries of
	 * the deeper weights' gradients are within a few times the float
	 * noise of a difference (about 5e-5 here); the narrow model, and
	 * the check along the gradient, are the sharp ones. Over the
	 * entries the narrow model's errors are also mostly that noise:
	 * at most 1.05% in GCC's build and 1.46% to 1.64% in clang's
	 * sanitizer build (its second layer's W2, with OpenBLAS's SkylakeX,
	 * Haswell and generic kernels alike).
	 */
	grad_check("ngcf", NULL, 3, 2e-3, 5e-4, 0.15);
	grad_check("ngcf", reg, 3, 2e-3, 5e-4, 0.15);
	grad_check("ngcf", narrow, 3, 2e-3, 2e-4, 0.03);
	/* The one layer runs at the batch's rows only. */
	grad_check("ngcf", one, 3, 2e-3, 2e-4, 0.03);
}

/* The backward pass through message dropout, with its masks fixed. */
static void
test_ngcf_gradient_dropout(void **state)
{
	static const char *const narrow[] = { "embedding_size=12",
		"hidden_size=9", "n_layers=2", "message_dropout=0.3", NULL };

	(void)state;
	grad_check_mode("ngcf", narrow, 3, 2e-3, 2e-4, 0.015, 1);
}

static void
test_models_beat_pop(void **state)
{
	static const char *const fast[] = { "learning_rate=0.01", NULL };
	double pop, lg, ng;

	(void)state;
	pop = test_trained_ndcg(&split, "pop", NULL, 1, NULL);
	lg = test_trained_ndcg(&split, "lightgcn", fast, 10, NULL);
	ng = test_trained_ndcg(&split, "ngcf", fast, 10, NULL);
	print_message("NDCG@10: pop %.4f lightgcn %.4f ngcf %.4f\n", pop, lg,
	    ng);
	if (!(lg > pop * 1.1))
		fail_msg("LightGCN NDCG@10 %.4f vs Pop %.4f", lg, pop);
	if (!(ng > pop * 1.1))
		fail_msg("NGCF NDCG@10 %.4f vs Pop %.4f", ng, pop);
}

static void
test_deterministic(void **state)
{
	(void)state;
	test_check_deterministic(&split, "lightgcn");
	test_check_deterministic(&split, "ngcf");
}

/*
 * Scores after training are those of a fresh model given the trained
 * weights (so the cache is not stale, nor made with dropout), and for
 * LightGCN those of a dense propagation done here.
 */
static void
check_scores_fresh(const char *name)
{
	const struct model_ops *ops = model_find(name);
	struct model_run run;
	uint32_t users[3] = { 0, 7, 123 };
	size_t ni = split.n_items, nt, k;
	struct model_tensor *t;
	float *s1 = ep_xmalloc(3 * ni * sizeof *s1);

	test_scores_fresh(&split, name, users, 3, s1, &run);
	t = ops->tensors(run.m, &nt);

	if (strcmp(name, "lightgcn") == 0) {
		/* fin = (E0 + A E0 + A^2 E0) / 3 with the dense A. */
		size_t nu = split.n_users, n = nu + ni, d = t[0].cols, r, c, j;
		double *A = dense_adjacency(&split);
		double *e = ep_xmalloc(n * d * sizeof *e);
		double *e1 = ep_xmalloc(n * d * sizeof *e1);
		double *fin = ep_xmalloc(n * d * sizeof *fin);

		for (r = 0; r < n; r++)
			for (c = 0; c < d; c++)
				e[r * d + c] = fin[r * d + c] = (double)(r < nu ?
				    t[0].w[r * d + c] : t[1].w[(r - nu) * d + c]);
		for (k = 0; k < 2; k++) {
			for (r = 0; r < n; r++)
				for (c = 0; c < d; c++) {
					double s = 0;

					for (j = 0; j < n; j++)
						if (A[r * n + j] != 0)
							s += A[r * n + j] *
							    e[j * d + c];
					e1[r * d + c] = s;
				}
			for (r = 0; r < n * d; r++) {
				e[r] = e1[r];
				fin[r] += e1[r];
			}
		}
		for (j = 0; j < 3; j++)
			for (k = 0; k < ni; k += 13) {
				double s = 0;

				for (c = 0; c < d; c++)
					s += fin[users[j] * d + c] *
					    fin[(nu + k) * d + c] / 9;
				assert_close((double)s1[j * ni + k], s, 1e-4);
			}
		free(A);
		free(e);
		free(e1);
		free(fin);
	}
	free(s1);
	model_run_release(&run);
}

static void
test_scores_after_training(void **state)
{
	(void)state;
	check_scores_fresh("lightgcn");
	check_scores_fresh("ngcf");
}

static void
test_stats(void **state)
{
	const char *names[2] = { "lightgcn", "ngcf" };
	int k;

	(void)state;
	for (k = 0; k < 2; k++) {
		const struct model_ops *ops = model_find(names[k]);
		struct model_hp hp;
		struct model_run run;
		struct model_stats st;
		struct ep_err err = EP_ERR_INIT;
		double n = split.n_users + split.n_items;

		test_hp_for(names[k], NULL, &hp);
		assert_int_equal(model_run_init(&run, ops, &hp, &split, &err),
		    0);
		ops->stats(run.m, &st);
		assert_true(st.params >= n * 64);
		assert_true(st.bytes > st.params * 4);
		assert_true(st.flops_epoch > 0 && st.flops_user > 0);
		model_run_release(&run);
	}
	/* NGCF: ego tables and three layers of two 64 x 64 Linear. */
	{
		const struct model_ops *ops = model_find("ngcf");
		struct model_hp hp;
		struct model_run run;
		struct model_stats st;
		struct ep_err err = EP_ERR_INIT;

		test_hp_for("ngcf", NULL, &hp);
		assert_int_equal(model_run_init(&run, ops, &hp, &split, &err),
		    0);
		ops->stats(run.m, &st);
		assert_close(st.params, (double)(split.n_users +
		    split.n_items) * 64 + 3 * (2 * 64 * 64 + 2 * 64), 0);
		assert_int_equal(run.n_t, 2 + 12);
		model_run_release(&run);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_graph_spmm_matches_dense),
		cmocka_unit_test(test_graph_spmm_rows),
		cmocka_unit_test(test_batch_rows_exact),
		cmocka_unit_test(test_lightgcn_gradient),
		cmocka_unit_test(test_ngcf_gradient),
		cmocka_unit_test(test_ngcf_gradient_dropout),
		cmocka_unit_test(test_models_beat_pop),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_scores_after_training),
		cmocka_unit_test(test_stats),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
