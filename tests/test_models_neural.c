/*
 * Tests for the neural models (NeuMF, MultiVAE): every tensor's gradient
 * against central finite differences on a tiny split (without dropout
 * and, with its masks and MultiVAE's eps fixed by a re-seeded rng,
 * through them), that each model learns (beats Pop), determinism across
 * thread counts, that score() is a naive per-(user, item) forward pass
 * done here in double, and that scoring after training uses the trained
 * weights.
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
 * The gradient check (test_models_util.h) on the tiny split, train 0 (no
 * dropout; MultiVAE's z = mu) or 1 (fixed dropout masks and eps); only
 * the embeddings are scaled, and ReLU kinks are allowed for.
 */
static void
grad_check_mode(const char *name, const char *const *sets, double scale,
    double h, double etol, double agg, int train)
{
	test_grad_check(&tiny, name, sets, scale, h, etol, agg, train,
	    TEST_GRAD_EMBEDDINGS_ONLY | TEST_GRAD_KINKS);
}

static void
grad_check(const char *name, const char *const *sets, double scale,
    double h, double etol, double agg)
{
	grad_check_mode(name, sets, scale, h, etol, agg, 0);
}

/* Scores after training are those of a fresh model given the trained
 * weights. */
static void
check_scores_fresh(const char *name)
{
	uint32_t users[3] = { 0, 7, 123 };
	float *s = ep_xmalloc(3 * split.n_items * sizeof *s);
	struct model_run run;

	test_scores_fresh(&split, name, users, 3, s, &run);
	free(s);
	model_run_release(&run);
}

static void
test_neumf_gradient(void **state)
{
	static const char *const narrow[] = { "mf_embedding_size=5",
		"mlp_embedding_size=4", "mlp_hidden_size_1=6",
		"mlp_hidden_size_2=3", NULL };
	static const char *const three[] = { "mf_embedding_size=6",
		"mlp_embedding_size=5", "mlp_hidden_size_1=7",
		"mlp_hidden_size_2=6", "mlp_hidden_size_3=4", NULL };
	static const char *const one[] = { "mlp_hidden_size_2=0", NULL };

	(void)state;
	/*
	 * Embeddings start at N(0, 0.01): scaled up, so that the products
	 * of two of them are well above the float noise. A step of h moves
	 * a few of the batch's ReLU pre-activations across 0 (more of them
	 * the wider the layers); those entries are checked again with a
	 * smaller step. Wide layers' small weight gradients are nearer the
	 * float noise: 3% over the entries.
	 */
	grad_check("neumf", narrow, 10, 1e-3, 1e-4, 0.01);
	grad_check("neumf", three, 10, 1e-3, 1e-4, 0.03);
	grad_check("neumf", NULL, 10, 1e-3, 1e-4, 0.03);
	grad_check("neumf", one, 10, 1e-3, 1e-4, 0.03);
}

/*
 * A NeuMF run on the shared split and its first batch of 1,400 samples
 * (more than two of its blocks of 512); returns its tensors.
 */
static struct model_tensor *
neumf_big_batch(struct model_run *run, struct model_batch *b, size_t *nt)
{
	const struct model_ops *ops = model_find("neumf");
	struct model_hp hp;
	struct ep_err err = EP_ERR_INIT;

	test_hp_for("neumf", NULL, &hp);
	assert_int_equal(model_run_init(run, ops, &hp, &split, &err), 0);
	run->sampler.batch = 1400;
	model_sampler_epoch(&run->sampler);
	assert_true(model_sampler_next(&run->sampler, b));
	assert_true(b->n > 2 * 512);
	return ops->tensors(run->m, nt);
}

/*
 * A batch of more samples than NeuMF's blocks of 512 (its MLP runs
 * block by block): without dropout, its loss and gradients are the
 * weighted means of those of its parts of at most 300 samples, each
 * one block.
 */
static void
test_neumf_blocks(void **state)
{
	const struct model_ops *ops = model_find("neumf");
	struct model_run run;
	struct model_batch b, part;
	struct ep_rng rng;
	struct model_tensor *t;
	float **want;
	double loss, sum = 0;
	size_t nt, k, i, at;

	(void)state;
	t = neumf_big_batch(&run, &b, &nt);
	want = ep_xcalloc(nt, sizeof *want);
	for (k = 0; k < nt; k++) {
		/* Scaled up from N(0, 0.01), as in the gradient check. */
		for (i = 0; i < t[k].rows * t[k].cols; i++)
			t[k].w[i] *= t[k].rows > 1 ? 10.0f : 1.0f;
		want[k] = ep_xcalloc(t[k].rows * t[k].cols, sizeof **want);
	}
	for (at = 0; at < b.n; at += part.n) {
		part.n = b.n - at < 300 ? b.n - at : 300;
		part.user = b.user + at;
		part.item = b.item + at;
		part.neg = NULL;
		part.label = b.label + at;
		for (k = 0; k < nt; k++)
			memset(t[k].g, 0, t[k].rows * t[k].cols * sizeof(float));
		ep_rng_seed(&rng, 1, 1);
		sum += (double)part.n / (double)b.n *
		    ops->loss(run.m, &part, 1, 0, &rng);
		for (k = 0; k < nt; k++)
			for (i = 0; i < t[k].rows * t[k].cols; i++)
				want[k][i] += (float)((double)part.n /
				    (double)b.n * (double)t[k].g[i]);
	}
	for (k = 0; k < nt; k++)
		memset(t[k].g, 0, t[k].rows * t[k].cols * sizeof(float));
	ep_rng_seed(&rng, 1, 1);
	loss = ops->loss(run.m, &b, 1, 0, &rng);
	assert_close(loss, sum, 1e-6 * fabs(sum));
	for (k = 0; k < nt; k++) {
		double big = 0;

		for (i = 0; i < t[k].rows * t[k].cols; i++)
			big = fmax(big, fabs((double)want[k][i]));
		assert_true(big > 0);
		for (i = 0; i < t[k].rows * t[k].cols; i++)
			if (!(fabs((double)t[k].g[i] - (double)want[k][i]) <=
			    1e-4 * big))
				fail_msg("%s[%zu]: %.9g, the parts' %.9g",
				    t[k].name, i, (double)t[k].g[i],
				    (double)want[k][i]);
		free(want[k]);
	}
	free(want);
	model_run_release(&run);
}

/*
 * The same batch of 1,400 samples (its output layer, MLP and table
 * scatter on the OpenMP threads) gives the same loss and gradients, bit
 * for bit, on one thread and on three.
 */
static void
test_neumf_threads(void **state)
{
	const struct model_ops *ops = model_find("neumf");
	struct model_run run;
	struct model_batch b;
	struct ep_rng rng;
	struct model_tensor *t;
	float **one;
	double loss1, loss3;
	size_t nt, k;
	int saved = omp_get_max_threads();

	(void)state;
	t = neumf_big_batch(&run, &b, &nt);
	one = ep_xcalloc(nt, sizeof *one);
	omp_set_num_threads(1);
	ep_rng_seed(&rng, 1, 1);
	loss1 = ops->loss(run.m, &b, 1, 1, &rng);
	for (k = 0; k < nt; k++) {
		size_t sz = t[k].rows * t[k].cols * sizeof(float);

		one[k] = ep_xmalloc(sz);
		memcpy(one[k], t[k].g, sz);
		memset(t[k].g, 0, sz);
	}
	omp_set_num_threads(3);
	ep_rng_seed(&rng, 1, 1);
	loss3 = ops->loss(run.m, &b, 1, 1, &rng);
	omp_set_num_threads(saved);
	assert_memory_equal(&loss1, &loss3, sizeof loss1);
	for (k = 0; k < nt; k++) {
		if (memcmp(one[k], t[k].g, t[k].rows * t[k].cols *
		    sizeof(float)) != 0)
			fail_msg("%s: gradients differ between 1 and 3 threads",
			    t[k].name);
		free(one[k]);
	}
	free(one);
	model_run_release(&run);
}

/* The backward pass through NeuMF's dropout, with its masks fixed. */
static void
test_neumf_gradient_dropout(void **state)
{
	static const char *const narrow[] = { "mf_embedding_size=5",
		"mlp_embedding_size=4", "mlp_hidden_size_1=6",
		"mlp_hidden_size_2=3", "dropout_prob=0.3", NULL };
	static const char *const def[] = { "dropout_prob=0.3", NULL };

	(void)state;
	grad_check_mode("neumf", narrow, 10, 1e-3, 1e-4, 0.01, 1);
	/* At RecBole's widths, 3% over the entries, as without dropout. */
	grad_check_mode("neumf", def, 10, 1e-3, 1e-4, 0.03, 1);
}

/*
 * MultiVAE with train = 0: no dropout and z = mu. total_anneal_steps=0
 * puts the KL term in at anneal_cap, here 1, so that its gradient
 * (through mu and logvar) is checked as well.
 */
static void
test_multivae_gradient(void **state)
{
	static const char *const kl[] = { "total_anneal_steps=0",
		"anneal_cap=1", NULL };
	static const char *const narrow[] = { "mlp_hidden_size=9",
		"latent_dimension=6", "total_anneal_steps=0", "anneal_cap=1",
		NULL };

	(void)state;
	grad_check("multivae", kl, 1, 1e-3, 1e-4, 0.01);
	grad_check("multivae", narrow, 1, 1e-3, 1e-4, 0.01);
}

/*
 * With train = 1 the rng, re-seeded for every call, fixes eps (and the
 * dropout masks): the path through the reparameterisation is checked.
 */
static void
test_multivae_gradient_sampled(void **state)
{
	static const char *const eps[] = { "mlp_hidden_size=9",
		"latent_dimension=6", "total_anneal_steps=0", "anneal_cap=1",
		"dropout_prob=0", NULL };
	static const char *const drop[] = { "mlp_hidden_size=9",
		"latent_dimension=6", "total_anneal_steps=0", "anneal_cap=0.5",
		NULL };
	static const char *const wide[] = { "total_anneal_steps=0",
		"anneal_cap=1", NULL };

	(void)state;
	grad_check_mode("multivae", eps, 1, 1e-3, 1e-4, 0.01, 1);
	grad_check_mode("multivae", drop, 1, 1e-3, 1e-4, 0.01, 1);
	grad_check_mode("multivae", wide, 1, 1e-3, 1e-4, 0.01, 1);
}

/*
 * The KL weight counts training batches as RecBole's self.update does,
 * incremented before use: with total_anneal_steps 2 and anneal_cap 0.7
 * it is 0 before any, 0.5 after one and 0.7 (capped) after two.
 */
static void
test_multivae_anneal(void **state)
{
	static const char *const sets[] = { "total_anneal_steps=2",
		"anneal_cap=0.7", "dropout_prob=0", NULL };
	const struct model_ops *ops = model_find("multivae");
	struct model_hp hp;
	struct model_run run;
	struct model_batch b;
	struct ep_err err = EP_ERR_INIT;
	struct ep_rng rng;
	double l0, l1, l2;

	(void)state;
	test_hp_for("multivae", sets, &hp);
	assert_int_equal(model_run_init(&run, ops, &hp, &tiny, &err), 0);
	model_sampler_epoch(&run.sampler);
	assert_true(model_sampler_next(&run.sampler, &b));
	ep_rng_seed(&rng, 1, 1);
	l0 = ops->loss(run.m, &b, 0, 0, &rng);
	ops->loss(run.m, &b, 1, 1, &rng);
	l1 = ops->loss(run.m, &b, 0, 0, &rng);
	ops->loss(run.m, &b, 1, 1, &rng);
	l2 = ops->loss(run.m, &b, 0, 0, &rng);
	assert_true(l1 > l0);
	assert_close((l2 - l0) / (l1 - l0), 1.4, 1e-6);
	model_run_release(&run);
	/* An odd latent dimension has no halves. */
	{
		static const char *const odd[] = { "latent_dimension=7", NULL };

		test_hp_for("multivae", odd, &hp);
		assert_int_equal(model_run_init(&run, ops, &hp, &tiny, &err),
		    -1);
		assert_int_equal(err.code, EP_EUSAGE);
		model_run_release(&run);
	}
}

static void
test_models_beat_pop(void **state)
{
	static const char *const nf[] = { "learning_rate=0.01", NULL };
	static const char *const vae[] = { "train_batch_size=64", NULL };
	double pop, neumf, vae_ndcg;

	(void)state;
	pop = test_trained_ndcg(&split, "pop", NULL, 1, NULL);
	neumf = test_trained_ndcg(&split, "neumf", nf, 10, NULL);
	vae_ndcg = test_trained_ndcg(&split, "multivae", vae, 20, NULL);
	print_message("NDCG@10: pop %.4f neumf %.4f multivae %.4f\n", pop,
	    neumf, vae_ndcg);
	if (!(neumf > pop * 1.1))
		fail_msg("NeuMF NDCG@10 %.4f vs Pop %.4f", neumf, pop);
	if (!(vae_ndcg > pop * 1.1))
		fail_msg("MultiVAE NDCG@10 %.4f vs Pop %.4f", vae_ndcg, pop);
}

static void
test_deterministic(void **state)
{
	(void)state;
	test_check_deterministic(&split, "neumf");
	test_check_deterministic(&split, "multivae");
}

static void
test_scores_after_training(void **state)
{
	(void)state;
	check_scores_fresh("neumf");
	check_scores_fresh("multivae");
}

/* NeuMF's logit for (u, i), the textbook way, in double. */
static double
neumf_naive(const struct model_tensor *t, size_t nt, uint32_t u, uint32_t i)
{
	size_t mf = t[0].cols, me = t[2].cols, L = (nt - 6) / 2, l, o, c;
	size_t w = 2 * me;
	double x[256], y[256], z;

	for (c = 0; c < me; c++) {
		x[c] = (double)t[2].w[u * me + c];
		x[me + c] = (double)t[3].w[i * me + c];
	}
	for (l = 0; l < L; l++) {
		const struct model_tensor *W = &t[4 + 2 * l], *B = &t[5 + 2 * l];

		assert_int_equal(W->cols, w);
		for (o = 0; o < W->rows; o++) {
			double s = (double)B->w[o];

			for (c = 0; c < w; c++)
				s += (double)W->w[o * w + c] * x[c];
			y[o] = s > 0 ? s : 0;
		}
		w = W->rows;
		memcpy(x, y, w * sizeof *x);
	}
	z = (double)t[nt - 1].w[0];
	for (c = 0; c < mf; c++)
		z += (double)t[nt - 2].w[c] * (double)t[0].w[u * mf + c] *
		    (double)t[1].w[i * mf + c];
	for (c = 0; c < w; c++)
		z += (double)t[nt - 2].w[mf + c] * x[c];
	return z;
}

/* MultiVAE's logits for user u (into out, ni): dense input, in double. */
static void
multivae_naive(const struct model_tensor *t, const struct model_split *sp,
    uint32_t u, double *out)
{
	const struct model_csr *h = &sp->part[MODEL_TRAIN];
	size_t ni = sp->n_items, H = t[0].cols, lat = t[2].rows, zd = lat / 2;
	size_t i, o, c;
	double *h1 = ep_xcalloc(H, sizeof *h1), *e = ep_xcalloc(lat, sizeof *e);
	double *d1 = ep_xcalloc(H, sizeof *d1), nrm = 0;

	for (i = 0; i < ni; i++)
		nrm += model_csr_has(h, u, (uint32_t)i) ? 1 : 0;
	nrm = sqrt(nrm);
	for (o = 0; o < H; o++) {
		double s = (double)t[1].w[o];

		for (i = 0; i < ni; i++)
			if (model_csr_has(h, u, (uint32_t)i))
				s += (double)t[0].w[i * H + o] / nrm;
		h1[o] = tanh(s);
	}
	for (o = 0; o < lat; o++) {
		e[o] = (double)t[3].w[o];
		for (c = 0; c < H; c++)
			e[o] += (double)t[2].w[o * H + c] * h1[c];
	}
	for (o = 0; o < H; o++) {
		double s = (double)t[5].w[o];

		for (c = 0; c < zd; c++)
			s += (double)t[4].w[o * zd + c] * e[c];
		d1[o] = tanh(s);
	}
	for (i = 0; i < ni; i++) {
		out[i] = (double)t[7].w[i];
		for (c = 0; c < H; c++)
			out[i] += (double)t[6].w[i * H + c] * d1[c];
	}
	free(h1);
	free(e);
	free(d1);
}

/* score() after training is the naive forward pass of every pair. */
static void
test_scores_naive(void **state)
{
	static const char *const three[] = { "mlp_hidden_size_3=16", NULL };
	const char *names[3] = { "neumf", "neumf", "multivae" };
	uint32_t users[3] = { 0, 7, 123 };
	size_t ni = split.n_items, nt, j, i;
	int k;

	(void)state;
	for (k = 0; k < 3; k++) {
		const struct model_ops *ops = model_find(names[k]);
		struct model_run run;
		struct model_tensor *t;
		float *s = ep_xmalloc(3 * ni * sizeof *s);
		double *want = ep_xmalloc(ni * sizeof *want);

		test_trained_ndcg(&split, names[k], k == 1 ? three : NULL, 2, &run);
		t = ops->tensors(run.m, &nt);
		ops->score(run.m, users, 3, s);
		for (j = 0; j < 3; j++) {
			if (k < 2)
				for (i = 0; i < ni; i++)
					want[i] = neumf_naive(t, nt, users[j],
					    (uint32_t)i);
			else
				multivae_naive(t, &split, users[j], want);
			for (i = 0; i < ni; i++)
				assert_close((double)s[j * ni + i], want[i],
				    1e-4 + 1e-4 * fabs(want[i]));
		}
		free(s);
		free(want);
		model_run_release(&run);
	}
}

static void
test_stats(void **state)
{
	const char *names[2] = { "neumf", "multivae" };
	double nu = split.n_users, ni = split.n_items;
	double want[2];
	int k;

	(void)state;
	/* Four tables, Linear 128 -> 128 -> 64, the output 128 -> 1. */
	want[0] = (nu + ni) * 128 + (128 * 128 + 128) + (128 * 64 + 64) +
	    129;
	/* I -> 600 -> 128, 64 -> 600 -> I. */
	want[1] = ni * 600 + 600 + 600 * 128 + 128 + 64 * 600 + 600 +
	    600 * ni + ni;
	for (k = 0; k < 2; k++) {
		const struct model_ops *ops = model_find(names[k]);
		struct model_hp hp;
		struct model_run run;
		struct model_stats st;
		struct ep_err err = EP_ERR_INIT;
		size_t nt, i;
		double cnt = 0;
		struct model_tensor *t;

		test_hp_for(names[k], NULL, &hp);
		assert_int_equal(model_run_init(&run, ops, &hp, &split, &err),
		    0);
		ops->stats(run.m, &st);
		assert_close(st.params, want[k], 0);
		t = ops->tensors(run.m, &nt);
		for (i = 0; i < nt; i++)
			cnt += (double)(t[i].rows * t[i].cols);
		assert_close(cnt, want[k], 0);
		assert_true(st.bytes > st.params * 4 * sizeof(float));
		assert_true(st.flops_epoch > 0 && st.flops_user > 0);
		model_run_release(&run);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_neumf_gradient),
		cmocka_unit_test(test_neumf_blocks),
		cmocka_unit_test(test_neumf_threads),
		cmocka_unit_test(test_neumf_gradient_dropout),
		cmocka_unit_test(test_multivae_gradient),
		cmocka_unit_test(test_multivae_gradient_sampled),
		cmocka_unit_test(test_multivae_anneal),
		cmocka_unit_test(test_scores_naive),
		cmocka_unit_test(test_models_beat_pop),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_scores_after_training),
		cmocka_unit_test(test_stats),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
