/*
 * LightGCN (He et al. 2020) as RecBole implements it: ego embeddings
 * E0 for users and items (Xavier-uniform), propagated without weights
 * or non-linearity over the normalised graph, E(k+1) = L E(k), and the
 * final embedding the mean of E0 .. E(n_layers). Training is pairwise:
 * the BPR loss on final embeddings plus reg_weight times RecBole's
 * EmbLoss on the ego rows of the batch's users, positives and negatives,
 * (||E0[u]||_F + ||E0[i]||_F + ||E0[j]||_F) / batch, norms not squared.
 *
 * As in RecBole the whole graph is propagated forward and backward for
 * every mini-batch, except the last layer forward, which only the
 * batch's rows need (they get the same bits). The propagation is
 * linear, so the backward pass needs none of the forward layers: with G
 * the gradient of the final rows divided by n_layers + 1,
 * d/dE0 = G + L (G + L (G + ...)).
 *
 * The user and item tables are two views of one array, so that E0 is the
 * first layer as it is, and their gradients one array the backward
 * product adds into.
 */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "models/graph.h"
#include "models/kernels.h"
#include "models/model.h"
#include "core/banned.h"

struct model {
	const struct model_split *sp;
	size_t d;
	size_t layers;
	size_t n;			/* nodes: users + items */
	double reg_weight;
	struct model_graph graph;
	struct model_tensor t[2];	/* user, item: views of w and g */
	float *w;			/* n x d ego embeddings */
	float *g;			/* their gradient */
	unsigned char *touched;		/* n marks */
	float *a, *b;			/* n x d layer buffers */
	float *fin;			/* n x d final embeddings */
	int cached;			/* fin is that of the current w */
	struct model_panel items;	/* fin's item rows, packed to score */
	uint32_t *rows;			/* a batch's distinct nodes */
	unsigned char *in_batch;	/* n marks */
};

static const struct model_param params[] = {
	{ "embedding_size", MODEL_PARAM_INT, 64, 1, 4096, NULL,
	    "dimension of the user and item embeddings" },
	{ "n_layers", MODEL_PARAM_INT, 2, 0, 16, NULL,
	    "propagation layers" },
	{ "reg_weight", MODEL_PARAM_REAL, 1e-5, 0, 1e6, NULL,
	    "weight of the (non-squared) norm of the batch's ego embeddings" },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

/* Uniform in [-bound, bound): PyTorch's xavier_uniform_. */
static void
init_uniform(float *w, size_t n, double bound, struct ep_rng *rng)
{
	size_t k;

	for (k = 0; k < n; k++)
		w[k] = (float)((2 * ep_rng_uniform(rng) - 1) * bound);
}

/* y[0..n) += x[0..n), in parallel. */
static void
add_to(float *restrict y, const float *restrict x, size_t n)
{
	long k;

#pragma omp parallel for simd schedule(static) if (n > 65536)
	for (k = 0; k < (long)n; k++)
		y[k] += x[k];
}

static struct model *
lgcn_create(const struct model_split *sp, const struct model_hp *hp,
    struct ep_rng *rng, struct ep_err *err)
{
	struct model *m = ep_xcalloc(1, sizeof *m);
	size_t d = (size_t)model_hp_get(hp, "embedding_size"), nu, ni;

	(void)err;
	m->sp = sp;
	m->d = d;
	m->layers = (size_t)model_hp_get(hp, "n_layers");
	m->reg_weight = model_hp_get(hp, "reg_weight");
	nu = sp->n_users;
	ni = sp->n_items;
	m->n = nu + ni;
	model_graph_build(&m->graph, &sp->part[MODEL_TRAIN]);
	m->w = ep_xaligned(m->n * d, sizeof(float));
	m->g = ep_xaligned(m->n * d, sizeof(float));
	memset(m->g, 0, m->n * d * sizeof(float));
	m->touched = ep_xcalloc(m->n ? m->n : 1, 1);
	m->a = ep_xaligned(m->n * d, sizeof(float));
	m->b = ep_xaligned(m->n * d, sizeof(float));
	m->fin = ep_xaligned(m->n * d, sizeof(float));
	m->rows = ep_xreallocarray(NULL, m->n ? m->n : 1, sizeof *m->rows);
	m->in_batch = ep_xcalloc(m->n ? m->n : 1, 1);
	m->t[0] = (struct model_tensor){ "user_embedding", m->w, m->g, nu, d,
	    m->touched };
	m->t[1] = (struct model_tensor){ "item_embedding", m->w + nu * d,
	    m->g + nu * d, ni, d, m->touched + nu };
	/* PyTorch's Xavier bound for RecBole's tables, which have one more
	 * row (the [PAD] id) than there are users or items. */
	init_uniform(m->t[0].w, nu * d, sqrt(6.0 / (double)(nu + 1 + d)), rng);
	init_uniform(m->t[1].w, ni * d, sqrt(6.0 / (double)(ni + 1 + d)), rng);
	return m;
}

static struct model_tensor *
lgcn_tensors(struct model *m, size_t *n)
{
	*n = 2;
	return m->t;
}

/* fin = mean of the layers 0 .. layers of the current weights. */
static void
propagate(struct model *m)
{
	size_t nd = m->n * m->d, l;
	const float *cur = m->w;
	long k;
	float *next = m->a;
	float scale = 1.0f / (float)(m->layers + 1);

	memcpy(m->fin, m->w, nd * sizeof(float));
	for (l = 0; l < m->layers; l++) {
		model_graph_spmm(&m->graph, cur, m->d, next, m->d, m->d, 0);
		add_to(m->fin, next, nd);
		cur = next;
		next = next == m->a ? m->b : m->a;
	}
#pragma omp parallel for simd schedule(static) if (nd > 65536)
	for (k = 0; k < (long)nd; k++)
		m->fin[k] *= scale;
	m->cached = 1;
	model_panel_forget(&m->items);
}

/*
 * The final embeddings of the batch's nodes only: every layer but the
 * last in full, the last and the mean at the batch's rows (ascending in
 * m->rows), each row the same bits as propagate() gives it. The loss
 * reads no other row, so the last product skips the rows no triple of
 * the batch names. fin's other rows are left stale: not cached.
 */
static void
propagate_batch(struct model *m, const struct model_batch *b)
{
	size_t d = m->d, nr, l, k;
	const float *cur = m->w;
	float *next = m->a;
	float scale = 1.0f / (float)(m->layers + 1);

	nr = model_graph_triple_rows(&m->graph, b->user, b->item, b->neg,
	    b->n, m->in_batch, m->rows);
	for (k = 0; k < nr; k++)
		memcpy(m->fin + (size_t)m->rows[k] * d,
		    m->w + (size_t)m->rows[k] * d, d * sizeof(float));
	for (l = 0; l < m->layers; l++) {
		if (l + 1 < m->layers)
			model_graph_spmm(&m->graph, cur, d, next, d, d, 0);
		else
			model_graph_spmm_rows(&m->graph, m->rows, nr, cur, d,
			    next, d, d, 0);
		/* fin += this layer, in propagate()'s order. */
		for (k = 0; k < nr; k++) {
			size_t o = (size_t)m->rows[k] * d;

			model_axpy(m->fin + o, 1.0f, next + o, d);
		}
		cur = next;
		next = next == m->a ? m->b : m->a;
	}
	for (k = 0; k < nr; k++) {
		float *f = m->fin + (size_t)m->rows[k] * d;
		size_t c;

		for (c = 0; c < d; c++)
			f[c] *= scale;
	}
	m->cached = 0;
	model_panel_forget(&m->items);
}

/* ||rows idx of w||_F over the batch (repeated rows count again). */
static double
batch_norm(const float *w, const uint32_t *idx, size_t n, size_t d)
{
	return sqrt(model_rows_sumsq(w, d, d, idx, n));
}

/* g[idx[k]] += f * w[idx[k]] for the batch. */
static void
batch_scatter(float *g, const float *w, const uint32_t *idx, size_t n,
    size_t d, float f)
{
	size_t k;

	for (k = 0; k < n; k++) {
		float *gr = g + (size_t)idx[k] * d;
		const float *r = w + (size_t)idx[k] * d;

		model_axpy(gr, f, r, d);	/* vectorised: g and w differ */
	}
}

static double
lgcn_loss(struct model *m, const struct model_batch *b, int grad, int train,
    struct ep_rng *rng)
{
	size_t d = m->d, n = b->n, nu = m->sp->n_users, nd = m->n * d, k, l;
	const float *Fu = m->fin, *Fi = m->fin + nu * d;
	const float *Wu = m->t[0].w, *Wi = m->t[1].w;
	double loss, scale = 1.0 / (double)n, nrm[3];
	float *G = m->a, *T = m->b, gscale;

	(void)train;
	(void)rng;
	if (grad)
		propagate_batch(m, b);
	else
		propagate(m);
	if (grad)
		memset(G, 0, nd * sizeof(float));
	/* The gradient of the final rows, divided by layers + 1 (the mean),
	 * gathered in G in batch order. */
	gscale = 1.0f / (float)(m->layers + 1);
	loss = scale * model_bpr_pairs(Fu, Fi, d, b->user, b->item,
	    b->neg, n, scale, gscale, grad ? G : NULL,
	    grad ? G + nu * d : NULL);
	nrm[0] = batch_norm(Wu, b->user, n, d);
	nrm[1] = batch_norm(Wi, b->item, n, d);
	nrm[2] = batch_norm(Wi, b->neg, n, d);
	loss += m->reg_weight * (nrm[0] + nrm[1] + nrm[2]) * scale;
	if (!grad)
		return loss;

	/* Backward through the layers: T(L) = G, T(k) = G + L T(k + 1),
	 * and d/dE0 = T(0), added to the tensors' gradient. */
	if (m->layers == 0) {
		add_to(m->g, G, nd);
	} else {
		float *cur = G, *next;

		/* fin is free now: it serves as a second buffer. */
		for (l = m->layers; l > 1; l--) {
			next = cur == T ? m->fin : T;
			memcpy(next, G, nd * sizeof(float));
			model_graph_spmm(&m->graph, cur, d, next, d, d, 1);
			cur = next;
		}
		add_to(m->g, G, nd);
		model_graph_spmm(&m->graph, cur, d, m->g, d, d, 1);
	}
	m->cached = 0;
	model_panel_forget(&m->items);
	/* d||M||_F / dM = M / ||M||_F, scattered back to the rows. */
	for (k = 0; k < 3; k++) {
		const uint32_t *idx = k == 0 ? b->user : k == 1 ? b->item : b->neg;

		if (nrm[k] > 0)
			batch_scatter(k == 0 ? m->t[0].g : m->t[1].g,
			    k == 0 ? Wu : Wi, idx, n, d,
			    (float)(m->reg_weight * scale / nrm[k]));
	}
	/* The propagation spreads the gradient over the whole graph. */
	memset(m->touched, 1, m->n);
	return loss;
}

/* Every batch propagates the whole graph: it reads every row. */
static void
lgcn_mark_rows(struct model *m, const struct model_batch *b)
{
	(void)b;
	memset(m->touched, 1, m->n);
}

static void
lgcn_stepped(struct model *m)
{
	m->cached = 0;
	model_panel_forget(&m->items);
}

static void
lgcn_prepare(struct model *m)
{
	/* The optimiser may bring rows up to date without a step (flush),
	 * so propagate afresh. */
	propagate(m);
	(void)model_panel_pack(&m->items, m->fin + (size_t)m->sp->n_users *
	    m->d, m->sp->n_items, m->d, MODEL_PANEL_AUTO);
}

static void
lgcn_tables(struct model *m, const float **user, const float **item,
    size_t *w)
{
	*user = m->fin;
	*item = m->fin + (size_t)m->sp->n_users * m->d;
	*w = m->d;
}

static void
lgcn_score(struct model *m, const uint32_t *users, size_t n, float *out)
{
	const float *U, *V;
	size_t w;

	lgcn_tables(m, &U, &V, &w);
	model_dot_score(&m->items, U, V, w, users, n, m->sp->n_items, out);
}

static void
lgcn_stats(const struct model *m, struct model_stats *st)
{
	double nu = m->sp->n_users, ni = m->sp->n_items, d = (double)m->d;
	double N = (double)m->sp->part[MODEL_TRAIN].nnz;
	double steps = ceil(N / 2048), L = (double)m->layers;
	double nnz = (double)m->graph.nnz;

	st->params = (nu + ni) * d;
	/* Per batch: layers products forward and (layers - 1 + 1) backward
	 * (2 nnz d each; the last forward one, done at the batch's rows
	 * only, counted in full), the layer sums, the batch's triples, and
	 * a dense Adam step (about ten operations a parameter). */
	st->flops_epoch = steps * (2 * L * 2 * nnz * d +
	    (L + 3) * (nu + ni) * d + (nu + ni) * d * 10) + N * 14 * d;
	st->flops_user = 2 * ni * d;
	/* Weights, gradients, Adam's two moments, three buffers, the item
	 * rows packed for scoring, graph. */
	st->bytes = (st->params * 7 + ni * d) * sizeof(float) +
	    nnz * (sizeof(uint32_t) + sizeof(float)) +
	    (nu + ni + 1) * sizeof(size_t) + nu + ni;
}

static void
lgcn_free(struct model *m)
{
	model_graph_release(&m->graph);
	free(m->w);
	free(m->g);
	free(m->touched);
	free(m->a);
	free(m->b);
	free(m->fin);
	free(m->rows);
	free(m->in_batch);
	model_panel_release(&m->items);
	free(m);
}

const struct model_ops model_lightgcn_ops = {
	.name = "lightgcn",
	.title = "LightGCN",
	.summary = "linear propagation of embeddings over the user-item graph",
	.sampling = MODEL_SAMPLE_PAIRWISE,
	.params = params,
	.create = lgcn_create,
	.tensors = lgcn_tensors,
	.loss = lgcn_loss,
	.mark_rows = lgcn_mark_rows,
	.stepped = lgcn_stepped,
	.prepare = lgcn_prepare,
	.score = lgcn_score,
	.tables = lgcn_tables,
	.stats = lgcn_stats,
	.free = lgcn_free,
};
