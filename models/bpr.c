/*
 * BPR: matrix factorisation trained with the Bayesian personalised
 * ranking loss (Rendle et al. 2009), as RecBole implements it: user and
 * item tables of embedding_size, Xavier-normal initialisation, score
 * p_u . q_i, loss -log(1e-10 + sigmoid(p_u . q_i - p_u . q_j)) averaged
 * over the batch, and no regularisation (RecBole's BPR has none, and its
 * weight decay is 0).
 */
#include <cblas.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "models/kernels.h"
#include "models/model.h"
#include "core/banned.h"

/*
 * Work (rows x width) below which a batch is handled by one thread: a
 * batch of 2048 triples is well under a millisecond of work, and a
 * parallel region per batch costs more than that on a loaded machine,
 * where a barrier waits for a descheduled thread.
 */
#define PAR_MIN ((size_t)1 << 22)

struct model {
	const struct model_split *sp;
	size_t d;
	struct model_tensor t[2];	/* user, item */
	float *coef;			/* batch scratch: d(loss)/dx */
	double *part;			/* batch scratch: each triple's loss */
	struct model_panel items;	/* the item table packed for scoring */
};

static const struct model_param params[] = {
	{ "embedding_size", MODEL_PARAM_INT, 64, 1, 4096, NULL,
	    "dimension of the user and item embeddings" },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

static struct model *
bpr_create(const struct model_split *sp, const struct model_hp *hp,
    struct ep_rng *rng, struct ep_err *err)
{
	struct model *m = ep_xcalloc(1, sizeof *m);

	(void)err;
	m->sp = sp;
	m->d = (size_t)model_hp_get(hp, "embedding_size");
	model_tensor_alloc(&m->t[0], "user_embedding", sp->n_users, m->d);
	model_tensor_alloc(&m->t[1], "item_embedding", sp->n_items, m->d);
	/* PyTorch's Xavier scale for RecBole's tables, which have one more
	 * row (the [PAD] id) than there are users or items. */
	model_init_normal(m->t[0].w, sp->n_users * m->d,
	    sqrt(2.0 / (double)(sp->n_users + 1 + m->d)), rng);
	model_init_normal(m->t[1].w, sp->n_items * m->d,
	    sqrt(2.0 / (double)(sp->n_items + 1 + m->d)), rng);
	return m;
}

static struct model_tensor *
bpr_tensors(struct model *m, size_t *n)
{
	*n = 2;
	return m->t;
}

/*
 * The loss in two parallel passes: each triple's coefficient, then the
 * gradient rows, each row owned by one thread (row % threads), which adds
 * its contributions in batch order. No atomics, and the same sums in the
 * same order whatever the thread count.
 */
static double
bpr_loss(struct model *m, const struct model_batch *b, int grad, int train,
    struct ep_rng *rng)
{
	size_t d = m->d, n = b->n;
	const float *P = m->t[0].w, *Q = m->t[1].w;
	double loss = 0, scale = 1.0 / (double)n;
	long k;

	(void)train;
	(void)rng;
	m->coef = ep_xreallocarray(m->coef, n, sizeof *m->coef);
	m->part = ep_xreallocarray(m->part, n, sizeof *m->part);
#pragma omp parallel for schedule(static) if (n * d > PAR_MIN)
	for (k = 0; k < (long)n; k++) {
		const float *pu = P + (size_t)b->user[k] * d;
		const float *qi = Q + (size_t)b->item[k] * d;
		const float *qj = Q + (size_t)b->neg[k] * d;
		float x = 0, s;
		size_t c;

		/* In vector lanes: partial sums, added at the end. */
#pragma omp simd reduction(+:x)
		for (c = 0; c < d; c++)
			x += pu[c] * (qi[c] - qj[c]);
		s = 1.0f / (1.0f + expf(-x));
		m->part[k] = -log(1e-10 + (double)s);
		/* d/dx -log(eps + s(x)) = -s(x)(1 - s(x)) / (eps + s(x)). */
		m->coef[k] = (float)(-(double)s * (1 - (double)s) /
		    (1e-10 + (double)s) * scale);
	}
	for (k = 0; k < (long)n; k++)
		loss += m->part[k];
	if (!grad)
		return loss * scale;
#pragma omp parallel if (n * d > PAR_MIN)
	{
		int nt = omp_get_num_threads(), me = omp_get_thread_num();
		float *gP = m->t[0].g, *gQ = m->t[1].g;
		size_t c;
		long j;

		for (j = 0; j < (long)n; j++) {
			uint32_t u = b->user[j], i = b->item[j], q = b->neg[j];
			const float *pu = P + (size_t)u * d;
			float cf = m->coef[j];

			if ((int)(u % (uint32_t)nt) == me) {
				const float *qi = Q + (size_t)i * d;
				const float *qj = Q + (size_t)q * d;
				float *g = gP + (size_t)u * d;

				for (c = 0; c < d; c++)
					g[c] += cf * (qi[c] - qj[c]);
				m->t[0].touched[u] = 1;
			}
			if ((int)(i % (uint32_t)nt) == me) {
				float *g = gQ + (size_t)i * d;

				for (c = 0; c < d; c++)
					g[c] += cf * pu[c];
				m->t[1].touched[i] = 1;
			}
			if ((int)(q % (uint32_t)nt) == me) {
				float *g = gQ + (size_t)q * d;

				for (c = 0; c < d; c++)
					g[c] -= cf * pu[c];
				m->t[1].touched[q] = 1;
			}
		}
	}
	return loss * scale;
}

static void
bpr_mark_rows(struct model *m, const struct model_batch *b)
{
	size_t k;

	for (k = 0; k < b->n; k++) {
		m->t[0].touched[b->user[k]] = 1;
		m->t[1].touched[b->item[k]] = 1;
		m->t[1].touched[b->neg[k]] = 1;
	}
}

static void
bpr_tables(struct model *m, const float **user, const float **item,
    size_t *w)
{
	*user = m->t[0].w;
	*item = m->t[1].w;
	*w = m->d;
}

static void
bpr_score(struct model *m, const uint32_t *users, size_t n, float *out)
{
	const float *U, *V;
	size_t w;

	bpr_tables(m, &U, &V, &w);
	model_dot_score(&m->items, U, V, w, users, n, m->sp->n_items, out);
}

static void
bpr_stepped(struct model *m)
{
	model_panel_forget(&m->items);
}

static void
bpr_prepare(struct model *m)
{
	(void)model_panel_pack(&m->items, m->t[1].w, m->sp->n_items, m->d,
	    MODEL_PANEL_AUTO);
}

static void
bpr_stats(const struct model *m, struct model_stats *st)
{
	double nu = m->sp->n_users, ni = m->sp->n_items, d = (double)m->d;
	double N = (double)m->sp->part[MODEL_TRAIN].nnz;
	double steps = ceil(N / 2048);

	st->params = (nu + ni) * d;
	/* Forward and backward of N triples, and a dense Adam step (about
	 * ten operations a parameter) per batch. */
	st->flops_epoch = N * 8 * d + steps * (nu + ni) * d * 10;
	st->flops_user = 2 * ni * d;
	/* Weights, gradients, Adam's moments; the item table packed for
	 * scoring (models/panel.c). */
	st->bytes = (st->params * 4 + ni * d) * sizeof(float);
}

static void
bpr_free(struct model *m)
{
	model_tensor_release(&m->t[0]);
	model_tensor_release(&m->t[1]);
	free(m->coef);
	free(m->part);
	model_panel_release(&m->items);
	free(m);
}

const struct model_ops model_bpr_ops = {
	.name = "bpr",
	.title = "BPR",
	.summary = "matrix factorisation with the pairwise BPR loss",
	.sampling = MODEL_SAMPLE_PAIRWISE,
	.params = params,
	.create = bpr_create,
	.tensors = bpr_tensors,
	.loss = bpr_loss,
	.mark_rows = bpr_mark_rows,
	.stepped = bpr_stepped,
	.score = bpr_score,
	.prepare = bpr_prepare,
	.tables = bpr_tables,
	.stats = bpr_stats,
	.free = bpr_free,
};
