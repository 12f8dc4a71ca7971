/*
 * Tests for DGCF: the forward pass and the loss against a plain
 * transcription of RecBole's (edge lists, doubles), every tensor's
 * gradient against central finite differences on a tiny graph (BPR,
 * regularisation and distance correlation; with the correlation batch
 * fixed, and sampled from a re-seeded rng), that the model learns
 * (beats Pop), determinism across thread counts, and that scoring after
 * training uses a fresh propagation of the trained weights.
 *
 * With train = 0 the model's correlation batch is fixed: the users
 * k U / C and the items k I / C for k < C (C = cor_batch_size), evenly
 * spaced ids, so that loss() is a function of the weights alone. With
 * train = 1 it is drawn from the rng passed to loss(), which the checks
 * re-seed before every call.
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

/*
 * RecBole's forward pass, transcribed plainly: edge lists (user -> item
 * edges, then item -> user), dense per-factor loops, doubles. fin gets
 * the (U + I) x d final embeddings.
 */
static void
ref_forward(const struct model_split *sp, const struct model_tensor *t,
    size_t F, size_t T, size_t L, double *fin)
{
	const struct model_csr *tr = &sp->part[MODEL_TRAIN];
	size_t nu = sp->n_users, n = nu + sp->n_items, d = t[0].cols;
	size_t c = d / F, E = 2 * tr->nnz, e, l, it, f, j, v, u;
	size_t *head = ep_xmalloc(E * sizeof *head);
	size_t *tail = ep_xmalloc(E * sizeof *tail);
	double *A = ep_xmalloc(E * F * sizeof *A);
	double *S = ep_xmalloc(E * F * sizeof *S);
	double *X = ep_xmalloc(n * d * sizeof *X);
	double *Y = ep_xmalloc(n * d * sizeof *Y);
	double *deg = ep_xmalloc(n * F * sizeof *deg);

	e = 0;
	for (u = 0; u < nu; u++)
		for (j = tr->rowptr[u]; j < tr->rowptr[u + 1]; j++) {
			head[e] = u;
			tail[e] = nu + tr->col[j];
			head[e + tr->nnz] = nu + tr->col[j];
			tail[e + tr->nnz] = u;
			e++;
		}
	for (v = 0; v < n; v++)
		for (j = 0; j < d; j++)
			fin[v * d + j] = X[v * d + j] = (double)(v < nu ?
			    t[0].w[v * d + j] : t[1].w[(v - nu) * d + j]);
	for (e = 0; e < E * F; e++)
		A[e] = 1;
	for (l = 0; l < L; l++) {
		for (it = 0; it < T; it++) {
			for (e = 0; e < E; e++) {
				double z = 0;

				for (f = 0; f < F; f++)
					z += exp(A[e * F + f]);
				for (f = 0; f < F; f++)
					S[e * F + f] = exp(A[e * F + f]) / z;
			}
			memset(deg, 0, n * F * sizeof *deg);
			for (e = 0; e < E; e++)
				for (f = 0; f < F; f++)
					deg[head[e] * F + f] += S[e * F + f];
			for (v = 0; v < n * F; v++)
				deg[v] = 1 / sqrt(deg[v] > 1e-8 ? deg[v] : 1e-8);
			memset(Y, 0, n * d * sizeof *Y);
			for (e = 0; e < E; e++)
				for (f = 0; f < F; f++) {
					double w = S[e * F + f] *
					    deg[head[e] * F + f] *
					    deg[tail[e] * F + f];

					for (j = f * c; j < (f + 1) * c; j++)
						Y[head[e] * d + j] += w *
						    X[tail[e] * d + j];
				}
			for (e = 0; e < E; e++)
				for (f = 0; f < F; f++) {
					double hn = 0, tn = 0, s = 0;
					const double *hy = Y + head[e] * d;
					const double *tx = X + tail[e] * d;

					for (j = f * c; j < (f + 1) * c; j++) {
						hn += hy[j] * hy[j];
						tn += tx[j] * tx[j];
					}
					hn = fmax(sqrt(hn), 1e-12);
					tn = fmax(sqrt(tn), 1e-12);
					for (j = f * c; j < (f + 1) * c; j++)
						s += hy[j] / hn *
						    tanh(tx[j] / tn);
					A[e * F + f] += s;
				}
		}
		memcpy(X, Y, n * d * sizeof *X);
		for (j = 0; j < n * d; j++)
			fin[j] += Y[j];
	}
	for (j = 0; j < n * d; j++)
		fin[j] /= (double)(L + 1);
	free(head);
	free(tail);
	free(A);
	free(S);
	free(X);
	free(Y);
	free(deg);
}

/* RecBole's _create_centered_distance, transcribed (M x c, doubles). */
static void
ref_centred(const double *X, size_t M, size_t c, double *D)
{
	double *r = ep_xmalloc(M * sizeof *r), *B = ep_xmalloc(c * M *
	    sizeof *B), *cm = ep_xcalloc(M, sizeof *cm), *rm = ep_xcalloc(M,
	    sizeof *rm), all = 0;
	size_t i, j, k;

	for (i = 0; i < M; i++) {
		r[i] = 0;
		for (k = 0; k < c; k++)
			r[i] += X[i * c + k] * X[i * c + k];
	}
	/* B = X.T + r.T, broadcast over the rows of X.T. */
	for (k = 0; k < c; k++)
		for (j = 0; j < M; j++)
			B[k * M + j] = X[j * c + k] + r[j];
	for (i = 0; i < M; i++)
		for (j = 0; j < M; j++) {
			double mm = 0, v;

			for (k = 0; k < c; k++)
				mm += X[i * c + k] * B[k * M + j];
			v = r[i] - 2 * mm;
			D[i * M + j] = sqrt((v > 0 ? v : 0) + 1e-8);
		}
	for (i = 0; i < M; i++)
		for (j = 0; j < M; j++) {
			cm[j] += D[i * M + j] / (double)M;
			rm[i] += D[i * M + j] / (double)M;
			all += D[i * M + j];
		}
	all /= (double)(M * M);
	for (i = 0; i < M; i++)
		for (j = 0; j < M; j++)
			D[i * M + j] += -cm[j] - rm[i] + all;
	free(r);
	free(B);
	free(cm);
	free(rm);
}

static double
ref_dcov(const double *D1, const double *D2, size_t M)
{
	double s = 0;
	size_t i;

	for (i = 0; i < M * M; i++)
		s += D1[i] * D2[i];
	s /= (double)(M * M);
	return sqrt((s > 0 ? s : 0) + 1e-8);
}

/* RecBole's calculate_loss for batch b, correlation batch fixed as the
 * model fixes it with train = 0 (C users and C items, evenly spaced). */
static double
ref_loss(const struct model_split *sp, const struct model_tensor *t,
    const struct model_hp *hp, const struct model_batch *b, size_t C)
{
	size_t F = (size_t)model_hp_get(hp, "n_factors");
	size_t d = t[0].cols, c = d / F, nu = sp->n_users, ni = sp->n_items;
	size_t n = nu + ni, M = 2 * C, k, j, f;
	double *fin = ep_xmalloc(n * d * sizeof *fin), mf = 0, reg[3] = { 0 };
	double loss, cor = 0;

	ref_forward(sp, t, F, (size_t)model_hp_get(hp, "n_iterations"),
	    (size_t)model_hp_get(hp, "n_layers"), fin);
	for (k = 0; k < b->n; k++) {
		double x = 0;

		for (j = 0; j < d; j++) {
			x += fin[b->user[k] * d + j] * (fin[(nu + b->item[k]) *
			    d + j] - fin[(nu + b->neg[k]) * d + j]);
			reg[0] += pow((double)t[0].w[b->user[k] * d + j], 2);
			reg[1] += pow((double)t[1].w[b->item[k] * d + j], 2);
			reg[2] += pow((double)t[1].w[b->neg[k] * d + j], 2);
		}
		mf += -log(1e-10 + 1 / (1 + exp(-x)));
	}
	loss = mf / (double)b->n + model_hp_get(hp, "reg_weight") *
	    (sqrt(reg[0]) + sqrt(reg[1]) + sqrt(reg[2])) / (double)b->n;
	if (F > 1 && C > 0) {
		double *X = ep_xmalloc(F * M * c * sizeof *X);
		double *D = ep_xmalloc(F * M * M * sizeof *D);

		for (f = 0; f < F; f++) {
			for (k = 0; k < M; k++) {
				size_t row = k < C ? k * nu / C :
				    nu + (k - C) * ni / C;

				for (j = 0; j < c; j++)
					X[(f * M + k) * c + j] =
					    fin[row * d + f * c + j];
			}
			ref_centred(X + f * M * c, M, c, D + f * M * M);
		}
		for (f = 0; f + 1 < F; f++) {
			const double *D1 = D + f * M * M, *D2 = D1 + M * M;
			double p = ref_dcov(D1, D1, M) * ref_dcov(D2, D2, M);

			cor += ref_dcov(D1, D2, M) / (sqrt(p > 0 ? p : 0) +
			    1e-10);
		}
		cor /= (double)((F + 1) * F) / 2;
		loss += model_hp_get(hp, "cor_weight") * cor;
		free(X);
		free(D);
	}
	free(fin);
	return loss;
}

/* The correlation batch size RecBole derives, capped as ecoplan caps it. */
static size_t
cor_batch(const struct model_split *sp, size_t batch)
{
	size_t nb = sp->part[MODEL_TRAIN].nnz / batch + 1;
	size_t nu = sp->n_users + 1, ni = sp->n_items + 1, c;

	c = (nu > ni ? nu : ni) / nb;
	if (c > sp->n_users)
		c = sp->n_users;
	if (c > sp->n_items)
		c = sp->n_items;
	return c;
}

static void
check_reference(const char *const *sets, double scale)
{
	const struct model_ops *ops = model_find("dgcf");
	struct model_hp hp;
	struct model_run run;
	struct model_batch b;
	struct ep_err err = EP_ERR_INIT;
	struct ep_rng rng;
	size_t nt, k, i, nu = tiny.n_users, ni = tiny.n_items, d, n;
	struct model_tensor *t;
	uint32_t users[3] = { 0, 5, 15 };
	float *s;
	double *fin, got, want;

	test_hp_for("dgcf", sets, &hp);
	assert_int_equal(model_run_init(&run, ops, &hp, &tiny, &err), 0);
	run.sampler.batch = 24;
	model_sampler_epoch(&run.sampler);
	assert_true(model_sampler_next(&run.sampler, &b));
	t = ops->tensors(run.m, &nt);
	assert_int_equal(nt, 2);
	for (k = 0; k < nt; k++)
		for (i = 0; i < t[k].rows * t[k].cols; i++)
			t[k].w[i] *= (float)scale;
	d = t[0].cols;
	n = nu + ni;
	ep_rng_seed(&rng, 1, 1);
	got = ops->loss(run.m, &b, 0, 0, &rng);
	want = ref_loss(&tiny, t, &hp, &b, cor_batch(&tiny,
	    (size_t)model_hp_get(&hp, "train_batch_size")));
	assert_close(got, want, 1e-5 * fabs(want) + 1e-6);
	/* Scores are dot products of the reference's final rows. */
	fin = ep_xmalloc(n * d * sizeof *fin);
	ref_forward(&tiny, t, (size_t)model_hp_get(&hp, "n_factors"),
	    (size_t)model_hp_get(&hp, "n_iterations"),
	    (size_t)model_hp_get(&hp, "n_layers"), fin);
	s = ep_xmalloc(3 * ni * sizeof *s);
	ops->prepare(run.m);
	ops->score(run.m, users, 3, s);
	for (k = 0; k < 3; k++)
		for (i = 0; i < ni; i++) {
			double x = 0;
			size_t j;

			for (j = 0; j < d; j++)
				x += fin[users[k] * d + j] *
				    fin[(nu + i) * d + j];
			assert_close((double)s[k * ni + i], x,
			    1e-5 * fabs(x) + 1e-6);
		}
	free(s);
	free(fin);
	model_run_release(&run);
}

static void
test_dgcf_matches_reference(void **state)
{
	static const char *const deep[] = { "embedding_size=12",
		"n_factors=3", "n_iterations=3", "n_layers=2",
		"cor_weight=0.7", "reg_weight=0.2", NULL };
	static const char *const one[] = { "n_factors=1", NULL };
	/* One iteration a layer: the logits of layer 0's constant first
	 * iteration are carried into layer 1's. */
	static const char *const carried[] = { "n_iterations=1",
		"n_layers=2", NULL };

	(void)state;
	check_reference(NULL, 1);
	check_reference(NULL, 20);
	check_reference(deep, 5);
	check_reference(one, 5);
	check_reference(carried, 5);
}

/*
 * The gradient check (test_models_util.h) on the tiny split, with train 0
 * (the correlation batch fixed) or 1 (sampled from an rng re-seeded
 * before every call, so the same at every call).
 * The correlation's distances are sqrt(max(v, 0) + 1e-8), whose
 * curvature is unbounded where an entry v nears 0; with many sampled
 * rows some entry does, and a difference over h = 1e-3 no longer
 * measures the slope there, while a much smaller h drowns in float
 * noise. The checks that weigh the correlation heavily therefore take a
 * small correlation batch (train_batch_size 24 on the tiny split: 7
 * users and 7 items) and, where some entry still comes close, h = 3e-4
 * with a tolerance widened for the noise.
 */
static void
grad_check(const char *const *sets, double scale, double h, double etol,
    double agg, int train)
{
	test_grad_check(&tiny, "dgcf", sets, scale, h, etol, agg, train, 0);
}

static void
test_dgcf_gradient(void **state)
{
	static const char *const reg[] = { "reg_weight=0.3", NULL };
	/* The correlation term dominating the loss. */
	static const char *const cor[] = { "cor_weight=30", "reg_weight=0",
		"train_batch_size=24", NULL };
	static const char *const nocor[] = { "cor_weight=0", NULL };
	/* Two layers and three iterations: logits carried across layers,
	 * every update live but the last. */
	static const char *const deep[] = { "embedding_size=12",
		"n_factors=3", "n_iterations=3", "n_layers=2",
		"cor_weight=3", "reg_weight=0.1", "train_batch_size=24", NULL };
	static const char *const deep0[] = { "embedding_size=12",
		"n_factors=3", "n_iterations=3", "n_layers=2",
		"cor_weight=0", "reg_weight=0.1", NULL };
	static const char *const carried[] = { "n_iterations=1",
		"n_layers=2", "cor_weight=0", NULL };
	/* No layers: no routing, the ego rows are the final ones. */
	static const char *const flat[] = { "n_layers=0", "cor_weight=0",
		NULL };

	(void)state;
	grad_check(NULL, 3, 1e-3, 1e-4, 0.01, 0);
	grad_check(reg, 3, 1e-3, 1e-4, 0.01, 0);
	grad_check(cor, 3, 1e-3, 1e-4, 0.01, 0);
	grad_check(nocor, 3, 1e-3, 1e-4, 0.01, 0);
	grad_check(deep0, 3, 1e-3, 1e-4, 0.01, 0);
	grad_check(deep, 3, 3e-4, 2e-4, 0.01, 0);
	grad_check(carried, 3, 1e-3, 1e-4, 0.01, 0);
	grad_check(flat, 3, 1e-3, 1e-4, 0.01, 0);
}

/* With the correlation batch sampled (the same at every call). */
static void
test_dgcf_gradient_sampled(void **state)
{
	static const char *const cor[] = { "cor_weight=1",
		"train_batch_size=24", NULL };

	(void)state;
	grad_check(cor, 3, 1e-3, 1e-4, 0.01, 1);
}

static void
test_dgcf_beats_pop(void **state)
{
	static const char *const fast[] = { "learning_rate=0.01", NULL };
	double pop, dg;

	(void)state;
	pop = test_trained_ndcg(&split, "pop", NULL, 1, NULL);
	dg = test_trained_ndcg(&split, "dgcf", fast, 10, NULL);
	print_message("NDCG@10: pop %.4f dgcf %.4f\n", pop, dg);
	if (!(dg > pop * 1.1))
		fail_msg("DGCF NDCG@10 %.4f vs Pop %.4f", dg, pop);
}

static void
test_dgcf_deterministic(void **state)
{
	(void)state;
	/* Also across thread counts: every sum runs in a fixed order, and
	 * the correlation batch comes from the run's rng. */
	test_check_deterministic(&split, "dgcf");
}

/*
 * Scores after training are those of a fresh model given the trained
 * weights (the cache is not stale), and change after one more step.
 */
static void
test_dgcf_scores_fresh(void **state)
{
	const struct model_ops *ops = model_find("dgcf");
	struct model_run run;
	struct model_batch b;
	uint32_t users[3] = { 0, 7, 123 };
	size_t ni = split.n_items;
	float *s1 = ep_xmalloc(3 * ni * sizeof *s1);
	float *s2 = ep_xmalloc(3 * ni * sizeof *s2);

	(void)state;
	test_scores_fresh(&split, "dgcf", users, 3, s1, &run);

	/* One more step: the trainer's prepare gives new scores. */
	model_sampler_epoch(&run.sampler);
	assert_true(model_sampler_next(&run.sampler, &b));
	ops->mark_rows(run.m, &b);
	model_optim_refresh(&run.optim);
	ops->loss(run.m, &b, 1, 1, &run.rng);
	model_optim_step(&run.optim);
	ops->stepped(run.m);
	model_optim_flush(&run.optim);
	ops->prepare(run.m);
	ops->score(run.m, users, 3, s2);
	assert_true(memcmp(s1, s2, 3 * ni * sizeof *s1) != 0);
	free(s1);
	free(s2);
	model_run_release(&run);
}

static void
test_dgcf_stats(void **state)
{
	const struct model_ops *ops = model_find("dgcf");
	struct model_hp hp;
	struct model_run run;
	struct model_stats st, lg;
	struct ep_err err = EP_ERR_INIT;
	double n = split.n_users + split.n_items;
	static const char *const bad[] = { "n_factors=5", NULL };

	(void)state;
	test_hp_for("dgcf", NULL, &hp);
	assert_int_equal(model_run_init(&run, ops, &hp, &split, &err), 0);
	ops->stats(run.m, &st);
	assert_close(st.params, n * 64, 0);
	assert_int_equal(run.n_t, 2);
	assert_true(st.bytes > st.params * 4 * 10);
	assert_true(st.flops_epoch > 0 && st.flops_user > 0);
	model_run_release(&run);
	/* Dearer to train than LightGCN, as cheap to query. */
	model_hp_defaults(model_find("lightgcn"), &hp);
	assert_int_equal(model_run_init(&run, model_find("lightgcn"), &hp,
	    &split, &err), 0);
	model_find("lightgcn")->stats(run.m, &lg);
	model_run_release(&run);
	assert_true(st.flops_epoch > 2 * lg.flops_epoch);
	assert_close(st.flops_user, lg.flops_user, 0);
	/* The factors must divide the embedding. */
	test_hp_for("dgcf", bad, &hp);
	assert_int_equal(model_run_init(&run, ops, &hp, &split, &err), -1);
	assert_int_equal(err.code, EP_EUSAGE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dgcf_matches_reference),
		cmocka_unit_test(test_dgcf_gradient),
		cmocka_unit_test(test_dgcf_gradient_sampled),
		cmocka_unit_test(test_dgcf_beats_pop),
		cmocka_unit_test(test_dgcf_deterministic),
		cmocka_unit_test(test_dgcf_scores_fresh),
		cmocka_unit_test(test_dgcf_stats),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
