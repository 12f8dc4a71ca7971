/*
 * FISM (Kabbur et al. 2013), factored item similarity, as RecBole
 * implements it: a user is the sum of the source embeddings p_j of the
 * items in their training history, scaled by |R_u|^-alpha, and
 *   z(u, i) = |R_u|^-alpha sum_{j in R_u} p_j . q_i + b_u + b_i.
 * Training is pointwise (one uniform negative per positive) with binary
 * cross-entropy and the regulariser reg1 ||P||_F + reg2 ||Q||_F (norms
 * not squared, over the whole tables, every batch).
 *
 * RecBole's peculiarities:
 *   - the target item stays in its own history (the paper removes it):
 *     followed;
 *   - RecBole's training output is sigmoid(z), fed to a loss that applies
 *     the sigmoid again. That squashes every gradient by sigmoid'(z) <=
 *     1/4 and leaves the model little better than Pop, so ecoplan trains
 *     on z by default; double_sigmoid=1 reproduces RecBole. The cost of
 *     an epoch is the same either way.
 * Scores for ranking are z (no sigmoid).
 *
 * RecBole pads every batch to the longest history and multiplies
 * per sample; here the history sum is made once per distinct user of a
 * batch, and its gradient spread back once, which gives the same
 * gradient for a fraction of the work.
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

/* Floats of a whole-table loop (the norms, their gradient) from which
 * it runs on the OpenMP threads: at ML-1M's 237,184 floats a table, on
 * one thread, the other waited at the next barrier (bench/RESULTS.md,
 * section 51). */
#define PAR_MIN ((size_t)1 << 16)

enum { T_SRC, T_DST, T_UBIAS, T_IBIAS, T_COUNT };

struct model {
	const struct model_split *sp;
	const struct model_csr *hist;	/* training rows */
	size_t d;
	double reg1;
	double reg2;
	double alpha;
	int double_sigmoid;
	struct model_tensor t[T_COUNT];
	uint64_t *cum;			/* cum[i]: the scatter's work on
					 * the items below i (owned_from()) */
	/* Batch scratch. */
	uint32_t *order;		/* samples sorted by user */
	uint32_t *tmp;			/* the sort's other buffer */
	size_t *gstart;			/* first sample of each user group */
	float *dz;			/* d(loss)/dz of each sample */
	double *part;			/* loss of each sample */
	float *S;			/* history sum of each group */
	float *G;			/* its gradient */
	size_t S_cap;
	double *rowsum;			/* norm scratch */
	struct model_panel items;	/* Q packed for scoring */
};

static const struct model_param params[] = {
	{ "embedding_size", MODEL_PARAM_INT, 64, 1, 4096, NULL,
	    "dimension of the item embeddings" },
	{ "reg1", MODEL_PARAM_REAL, 1e-2, 0, 1e6, NULL,
	    "weight of ||P||_F (RecBole's reg_weights[0])" },
	{ "reg2", MODEL_PARAM_REAL, 1e-2, 0, 1e6, NULL,
	    "weight of ||Q||_F (RecBole's reg_weights[1])" },
	{ "alpha", MODEL_PARAM_REAL, 0, 0, 1, NULL,
	    "history normalisation exponent" },
	{ "double_sigmoid", MODEL_PARAM_INT, 0, 0, 1, NULL,
	    "apply the sigmoid twice in training, as RecBole does" },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

static struct model *
fism_create(const struct model_split *sp, const struct model_hp *hp,
    struct ep_rng *rng, struct ep_err *err)
{
	struct model *m = ep_xcalloc(1, sizeof *m);
	size_t d = (size_t)model_hp_get(hp, "embedding_size");
	uint32_t i, u;

	(void)err;
	m->sp = sp;
	m->hist = &sp->part[MODEL_TRAIN];
	m->d = d;
	m->reg1 = model_hp_get(hp, "reg1");
	m->reg2 = model_hp_get(hp, "reg2");
	m->alpha = model_hp_get(hp, "alpha");
	m->double_sigmoid = model_hp_get(hp, "double_sigmoid") != 0;
	model_tensor_alloc(&m->t[T_SRC], "item_src_embedding", sp->n_items, d);
	model_tensor_alloc(&m->t[T_DST], "item_dst_embedding", sp->n_items, d);
	model_tensor_alloc(&m->t[T_UBIAS], "user_bias", sp->n_users, 1);
	model_tensor_alloc(&m->t[T_IBIAS], "item_bias", sp->n_items, 1);
	model_init_normal(m->t[T_SRC].w, sp->n_items * d, 0.01, rng);
	model_init_normal(m->t[T_DST].w, sp->n_items * d, 0.01, rng);
	memset(m->t[T_UBIAS].w, 0, sp->n_users * sizeof(float));
	memset(m->t[T_IBIAS].w, 0, sp->n_items * sizeof(float));
	/* An item's share of the scatter: one a history holding it, times
	 * that history's length, as a user's batches come in proportion
	 * to it; and one for the item's own samples. */
	m->cum = ep_xcalloc((size_t)sp->n_items + 1, sizeof *m->cum);
	for (u = 0; u < sp->n_users; u++) {
		size_t len = model_csr_row_len(m->hist, u), r;

		for (r = 0; r < len; r++)
			m->cum[m->hist->col[m->hist->rowptr[u] + r] + 1] +=
			    len;
	}
	for (i = 0; i < sp->n_items; i++)
		m->cum[i + 1] += m->cum[i] + 1;
	return m;
}

static struct model_tensor *
fism_tensors(struct model *m, size_t *n)
{
	*n = T_COUNT;
	return m->t;
}

static double
sigmoid(double x)
{
	return 1 / (1 + exp(-x));
}

/* log(1 + e^x) without overflow. */
static double
softplus(double x)
{
	return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x));
}

/* |R_u|^-alpha */
static double
hist_coef(const struct model *m, uint32_t u)
{
	size_t n = model_csr_row_len(m->hist, u);

	return n == 0 ? 0 : m->alpha == 0 ? 1 : pow((double)n, -m->alpha);
}

/* s = coef * sum of the source embeddings of u's history. */
static void
hist_sum(const struct model *m, uint32_t u, double coef, float *s)
{
	const struct model_csr *h = m->hist;
	size_t c;

	model_sum_rows(s, m->t[T_SRC].w, h->col + h->rowptr[u],
	    model_csr_row_len(h, u), m->d);
	for (c = 0; c < m->d; c++)
		s[c] *= (float)coef;
}

/*
 * Frobenius norm of a rows x cols table: per-row sums in double, added in
 * row order, so the result does not depend on the thread count.
 */
static double
frob(const float *w, size_t rows, size_t cols, double *rowsum)
{
	double s = 0;
	long r;
	size_t i;

#pragma omp parallel for schedule(static) if (rows * cols > PAR_MIN)
	for (r = 0; r < (long)rows; r++) {
		const float *x = w + (size_t)r * cols;
		double a = 0;
		size_t c;

		/* Each square is exact in double; partial sums in lanes. */
#pragma omp simd reduction(+:a)
		for (c = 0; c < cols; c++)
			a += (double)x[c] * (double)x[c];
		rowsum[r] = a;
	}
	for (i = 0; i < rows; i++)
		s += rowsum[i];
	return sqrt(s);
}

/*
 * order[0..n) = 0..n-1 sorted by user[] and then by index: a stable
 * least-significant-digit radix sort, a byte of the user id a pass (as
 * many passes as n_users needs), with tmp as the other buffer.
 */
static void
order_by_user(const uint32_t *user, size_t n, uint32_t n_users,
    uint32_t *order, uint32_t *tmp)
{
	size_t cnt[256], k;
	unsigned shift;
	uint32_t *src = order, *dst = tmp, *t;

	for (k = 0; k < n; k++)
		order[k] = (uint32_t)k;
	for (shift = 0; shift < 32 && (n_users - 1) >> shift != 0;
	    shift += 8) {
		size_t at = 0, c;

		memset(cnt, 0, sizeof cnt);
		for (k = 0; k < n; k++)
			cnt[user[k] >> shift & 0xff]++;
		for (k = 0; k < 256; k++) {
			c = cnt[k];
			cnt[k] = at;
			at += c;
		}
		for (k = 0; k < n; k++) {
			uint32_t x = src[k];

			dst[cnt[user[x] >> shift & 0xff]++] = x;
		}
		t = src;
		src = dst;
		dst = t;
	}
	if (src != order)
		memcpy(order, src, n * sizeof *order);
}

/*
 * The first item row that thread me of nt owns: the items are cut where
 * the scatter's expected work divides evenly (low ids are often the
 * popular items).
 */
static uint32_t
owned_from(const struct model *m, size_t me, size_t nt)
{
	uint32_t ni = m->sp->n_items, a = 0, b = ni;
	uint64_t goal;

	if (me == 0)
		return 0;
	if (me >= nt)
		return ni;
	goal = (uint64_t)((double)m->cum[ni] * (double)me / (double)nt);
	/* The first i with cum[i] >= goal. */
	while (a < b) {
		uint32_t mid = a + (b - a) / 2;

		if (m->cum[mid] < goal)
			a = mid + 1;
		else
			b = mid;
	}
	return a;
}

/*
 * The batch, user by user: each distinct user's history is summed once
 * (in parallel over users), its samples scored, and the gradient of the
 * sum gathered in G. Gradient rows are then written by the thread that
 * owns them (a range of rows, owned_from()) in a fixed order: no
 * atomics, and the same result whatever the thread count.
 */
static double
fism_loss(struct model *m, const struct model_batch *b, int grad, int train,
    struct ep_rng *rng)
{
	const float *Q = m->t[T_DST].w, *bu = m->t[T_UBIAS].w;
	const float *bi = m->t[T_IBIAS].w;
	size_t d = m->d, n = b->n, ng = 0, k, ni = m->sp->n_items;
	double loss = 0, scale = 1.0 / (double)n, nP, nQ;
	long g;

	(void)train;
	(void)rng;
	m->order = ep_xreallocarray(m->order, n, sizeof *m->order);
	m->tmp = ep_xreallocarray(m->tmp, n, sizeof *m->tmp);
	m->gstart = ep_xreallocarray(m->gstart, n + 1, sizeof *m->gstart);
	m->dz = ep_xreallocarray(m->dz, n, sizeof *m->dz);
	m->part = ep_xreallocarray(m->part, n, sizeof *m->part);
	order_by_user(b->user, n, m->sp->n_users, m->order, m->tmp);
	for (k = 0; k < n; k++)
		if (k == 0 || b->user[m->order[k]] != b->user[m->order[k - 1]])
			m->gstart[ng++] = k;
	m->gstart[ng] = n;
	if (ng * d > m->S_cap) {
		m->S_cap = ng * d;
		free(m->S);
		free(m->G);
		m->S = ep_xaligned(m->S_cap, sizeof *m->S);
		m->G = ep_xaligned(m->S_cap, sizeof *m->G);
	}

#pragma omp parallel for schedule(dynamic, 8)
	for (g = 0; g < (long)ng; g++) {
		uint32_t u = b->user[m->order[m->gstart[g]]];
		double coef = hist_coef(m, u);
		float *sg = m->S + (size_t)g * d, *Gg = m->G + (size_t)g * d;
		size_t e, c;

		hist_sum(m, u, coef, sg);
		memset(Gg, 0, d * sizeof *Gg);
		for (e = m->gstart[g]; e < m->gstart[g + 1]; e++) {
			size_t x = m->order[e];
			const float *q = Q + (size_t)b->item[x] * d;
			double z = (double)bu[u] + (double)bi[b->item[x]], o, dz;
			double y = (double)b->label[x];

#pragma omp simd reduction(+:z)
			for (c = 0; c < d; c++)
				z += (double)sg[c] * (double)q[c];
			o = m->double_sigmoid ? sigmoid(z) : z;
			/* BCE with logits: softplus(o) - y o. */
			m->part[x] = softplus(o) - y * o;
			dz = (sigmoid(o) - y) * scale;
			if (m->double_sigmoid)
				dz *= sigmoid(z) * (1 - sigmoid(z));
			m->dz[x] = (float)dz;
			if (grad)
				for (c = 0; c < d; c++)
					Gg[c] += (float)(dz * (double)q[c]);
		}
	}
	for (k = 0; k < n; k++)
		loss += m->part[k];
	loss *= scale;

	if (grad) {
#pragma omp parallel
		{
			/* This thread owns the rows in [lo, hi) of the item
			 * tables and [ulo, uhi) of the user biases. */
			size_t nt = (size_t)omp_get_num_threads();
			size_t me = (size_t)omp_get_thread_num();
			uint32_t lo = owned_from(m, me, nt);
			uint32_t hi = owned_from(m, me + 1, nt);
			uint32_t nu = m->sp->n_users;
			uint32_t ulo = (uint32_t)(nu * me / nt);
			uint32_t uhi = (uint32_t)(nu * (me + 1) / nt);
			size_t e, r, end;
			long gg;

			for (gg = 0; gg < (long)ng; gg++) {
				const float *sg = m->S + (size_t)gg * d;
				const float *Gg = m->G + (size_t)gg * d;
				uint32_t u = b->user[m->order[m->gstart[gg]]];
				const uint32_t *row = m->hist->col +
				    m->hist->rowptr[u];
				size_t len = model_csr_row_len(m->hist, u);
				float coef = (float)hist_coef(m, u);

				for (e = m->gstart[gg]; e < m->gstart[gg + 1]; e++) {
					size_t x = m->order[e];
					uint32_t i = b->item[x];

					if (i < lo || i >= hi)
						continue;
					model_axpy(m->t[T_DST].g + (size_t)i * d,
					    m->dz[x], sg, d);
					m->t[T_IBIAS].g[i] += m->dz[x];
					m->t[T_DST].touched[i] = 1;
					m->t[T_IBIAS].touched[i] = 1;
				}
				if (u >= ulo && u < uhi) {
					for (e = m->gstart[gg]; e < m->gstart[gg + 1];
					    e++)
						m->t[T_UBIAS].g[u] +=
						    m->dz[m->order[e]];
					m->t[T_UBIAS].touched[u] = 1;
				}
				/* ds/dp_j = coef for every j in the history;
				 * the row is sorted, so this thread's items are
				 * one run of it. */
				r = model_lower_bound(row, len, lo);
				end = model_lower_bound(row, len, hi);
				model_axpy_rows(m->t[T_SRC].g, row + r, end - r,
				    coef, Gg, d);
				for (; r < end; r++)
					m->t[T_SRC].touched[row[r]] = 1;
			}
		}
	}

	m->rowsum = ep_xreallocarray(m->rowsum, ni ? ni : 1, sizeof *m->rowsum);
	nP = frob(m->t[T_SRC].w, ni, d, m->rowsum);
	nQ = frob(m->t[T_DST].w, ni, d, m->rowsum);
	loss += m->reg1 * nP + m->reg2 * nQ;
	if (grad) {
		/* d||W||_F / dW = W / ||W||_F: every row has a gradient. */
		float fp = nP > 0 ? (float)(m->reg1 / nP) : 0;
		float fq = nQ > 0 ? (float)(m->reg2 / nQ) : 0;
		long i;

#pragma omp parallel for schedule(static) if (ni * d > PAR_MIN)
		for (i = 0; i < (long)(ni * d); i++) {
			m->t[T_SRC].g[i] += fp * m->t[T_SRC].w[i];
			m->t[T_DST].g[i] += fq * m->t[T_DST].w[i];
		}
		memset(m->t[T_SRC].touched, 1, ni);
		memset(m->t[T_DST].touched, 1, ni);
	}
	return loss;
}

/* The regulariser reads every row of P and Q; the rest is the batch's. */
static void
fism_mark_rows(struct model *m, const struct model_batch *b)
{
	size_t k;

	memset(m->t[T_SRC].touched, 1, m->sp->n_items);
	memset(m->t[T_DST].touched, 1, m->sp->n_items);
	for (k = 0; k < b->n; k++) {
		m->t[T_UBIAS].touched[b->user[k]] = 1;
		m->t[T_IBIAS].touched[b->item[k]] = 1;
	}
}

static void
fism_score(struct model *m, const uint32_t *users, size_t n, float *out)
{
	size_t d = m->d, ni = m->sp->n_items, j, i;
	float *S = ep_xmalloc(n * d * sizeof *S);

	for (j = 0; j < n; j++)
		hist_sum(m, users[j], hist_coef(m, users[j]), S + j * d);
	model_rows_score(&m->items, S, d, n, m->t[T_DST].w, ni, out);
	for (j = 0; j < n; j++) {
		float ub = m->t[T_UBIAS].w[users[j]];
		float *row = out + j * ni;

		for (i = 0; i < ni; i++)
			row[i] += ub + m->t[T_IBIAS].w[i];
	}
	free(S);
}

static void
fism_stepped(struct model *m)
{
	model_panel_forget(&m->items);
}

static void
fism_prepare(struct model *m)
{
	(void)model_panel_pack(&m->items, m->t[T_DST].w, m->sp->n_items,
	    m->d, MODEL_PANEL_AUTO);
}

static void
fism_stats(const struct model *m, struct model_stats *st)
{
	double nu = m->sp->n_users, ni = m->sp->n_items, d = (double)m->d;
	double N = (double)m->hist->nnz, steps = ceil(N / 1024), sumsq = 0;
	uint32_t u;

	/* A user's history is summed (and its gradient spread back) once
	 * for each batch the user appears in; estimate with the expected
	 * number of batches a user of n interactions meets. */
	for (u = 0; u < m->sp->n_users; u++) {
		double n = (double)model_csr_row_len(m->hist, u);

		sumsq += n * fmin(n, steps);
	}
	st->params = 2 * ni * d + nu + ni;
	st->flops_epoch = 4 * sumsq * d + 2 * N * 6 * d +
	    steps * (2 * ni * d * 14 + nu + ni);
	st->flops_user = 2 * ni * d + ni;
	/* Weights, gradients, Adam's moments; Q packed for scoring. */
	st->bytes = (st->params * 4 + ni * d) * sizeof(float);
}

static void
fism_free(struct model *m)
{
	int k;

	for (k = 0; k < T_COUNT; k++)
		model_tensor_release(&m->t[k]);
	free(m->cum);
	free(m->order);
	free(m->tmp);
	free(m->gstart);
	free(m->dz);
	free(m->part);
	free(m->S);
	free(m->G);
	free(m->rowsum);
	model_panel_release(&m->items);
	free(m);
}

const struct model_ops model_fism_ops = {
	.name = "fism",
	.title = "FISM",
	.summary = "factored item similarity: users as sums of item embeddings",
	.sampling = MODEL_SAMPLE_POINTWISE,
	.params = params,
	.create = fism_create,
	.tensors = fism_tensors,
	.loss = fism_loss,
	.mark_rows = fism_mark_rows,
	.stepped = fism_stepped,
	.score = fism_score,
	.prepare = fism_prepare,
	.stats = fism_stats,
	.free = fism_free,
};
