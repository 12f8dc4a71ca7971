/*
 * ItemKNN, as RecBole's ItemKNN with knn_method 'item': the cosine
 * similarity of items over the binary training matrix X (users x items),
 *
 *	s(i, j) = x_i . x_j / (|x_i| |x_j| + shrink + 1e-6),  s(j, j) = 0,
 *
 * keeping for every target item j only the k largest s(i, j) (zeros
 * dropped, ties to the lower i), and the score
 *
 *	score(u, j) = sum over i in R_u of W[i, j].
 *
 * For binary X, x_i . x_j is the number of users who have both items and
 * |x_i| is the square root of i's popularity. fit() counts the
 * co-occurrences of one target item at a time through the sparse
 * structure (its users, then their items) into a per-thread dense
 * counter, so it costs sum_u |R_u|^2 increments and no atomics; it
 * selects the k best with a bounded heap. W is stored by source item, so
 * that scoring a user is a scatter-add of |R_u| sparse rows.
 *
 * Departures from RecBole: similarities are computed in double (RecBole
 * in float32) and stored as float; ties are broken by the lower item id
 * (argpartition leaves them unspecified); scores are computed per user
 * rather than precomputed for all users as RecBole's pred_mat is.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "models/kernels.h"
#include "models/model.h"
#include "core/banned.h"

struct model {
	const struct model_split *sp;	/* borrowed; outlives the model */
	uint32_t k;		/* neighbours kept per target item */
	double shrink;
	/* W by source item i: row i holds the (j, s(i, j)) where i is
	 * among j's k nearest, j ascending. Owned. */
	size_t *rowptr;		/* n_items + 1 */
	uint32_t *col;		/* nnz target items */
	float *val;		/* nnz similarities */
	size_t nnz;
	double sumsq;		/* sum_u |R_u|^2: co-occurrence increments */
	double pairs;		/* nonzero similarities computed by fit() */
	int fitted;
};

/* A candidate neighbour of the current target item. */
struct cand {
	double s;
	uint32_t i;
};

static const struct model_param itemknn_params[] = {
	{ "k", MODEL_PARAM_INT, 100, 1, 100000, NULL,
	    "neighbours kept for each item (RecBole's k)" },
	{ "shrink", MODEL_PARAM_REAL, 0, 0, 1e9, NULL,
	    "added to the denominator of the cosine, damping similarities "
	    "computed from few users" },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

/* Whether a is a worse neighbour than b: lower similarity, or equal
 * similarity and a higher item id. */
static inline int
worse(const struct cand *a, const struct cand *b)
{
	return a->s < b->s || (a->s == b->s && a->i > b->i);
}

/* Restores the heap order (worst at the root) below position p. */
static void
sift_down(struct cand *h, size_t n, size_t p)
{
	struct cand x = h[p];

	for (;;) {
		size_t c = 2 * p + 1;

		if (c >= n)
			break;
		if (c + 1 < n && worse(&h[c + 1], &h[c]))
			c++;
		if (!worse(&h[c], &x))
			break;
		h[p] = h[c];
		p = c;
	}
	h[p] = x;
}

static void
sift_up(struct cand *h, size_t p)
{
	struct cand x = h[p];

	while (p > 0) {
		size_t q = (p - 1) / 2;

		if (!worse(&x, &h[q]))
			break;
		h[p] = h[q];
		p = q;
	}
	h[p] = x;
}

/* Offers x to the heap h of at most k best candidates (n in use). */
static inline void
heap_offer(struct cand *h, size_t *n, size_t k, const struct cand *x)
{
	if (*n < k) {
		h[*n] = *x;
		sift_up(h, (*n)++);
	} else if (worse(&h[0], x)) {
		h[0] = *x;
		sift_down(h, *n, 0);
	}
}

static struct model *
itemknn_create(const struct model_split *sp, const struct model_hp *hp,
    struct ep_rng *rng, struct ep_err *err)
{
	const struct model_csr *x = &sp->part[MODEL_TRAIN];
	struct model *m;
	uint32_t u;

	(void)rng;
	(void)err;
	m = ep_xcalloc(1, sizeof *m);
	m->sp = sp;
	m->k = (uint32_t)model_hp_get(hp, "k");
	m->shrink = model_hp_get(hp, "shrink");
	for (u = 0; u < x->n_rows; u++) {
		double d = (double)model_csr_row_len(x, u);

		m->sumsq += d * d;
	}
	return m;
}

static int
itemknn_fit(struct model *m, struct ep_rng *rng, struct ep_err *err)
{
	const struct model_csr *x = &m->sp->part[MODEL_TRAIN];
	struct model_csr xt = MODEL_CSR_INIT;
	uint32_t ni = m->sp->n_items;
	size_t kmax = m->k < ni ? m->k : ni;
	struct cand **nb = NULL;	/* per target j: its neighbours */
	uint32_t *nb_n = NULL;
	double *norm = NULL, pairs = 0;
	size_t *next = NULL, p;
	uint32_t i, j;
	long jj;

	(void)rng;
	(void)err;
	free(m->rowptr);
	free(m->col);
	free(m->val);
	m->rowptr = NULL;
	m->col = NULL;
	m->val = NULL;
	model_csr_transpose(x, &xt);
	norm = ep_xcalloc((size_t)ni + 1, sizeof *norm);
	for (i = 0; i < ni; i++)
		norm[i] = sqrt((double)model_csr_row_len(&xt, i));
	nb = ep_xcalloc((size_t)ni + 1, sizeof *nb);
	nb_n = ep_xcalloc((size_t)ni + 1, sizeof *nb_n);

#pragma omp parallel reduction(+:pairs)
	{
		uint32_t *cnt = ep_xcalloc((size_t)ni + 1, sizeof *cnt);
		uint32_t *touched = ep_xcalloc((size_t)ni + 1,
		    sizeof *touched);
		struct cand *heap = ep_xcalloc(kmax + 1, sizeof *heap);

		/* Popular items cost far more than the others: hand out
		 * small chunks. */
#pragma omp for schedule(dynamic, 8)
		for (jj = 0; jj < (long)ni; jj++) {
			uint32_t tj = (uint32_t)jj;
			size_t t, nh = 0;
			size_t nt = model_csr_cooccur(x, &xt, tj, cnt, touched);

			for (t = 0; t < nt; t++) {
				struct cand c;

				c.i = touched[t];
				c.s = (double)cnt[c.i] / (norm[c.i] *
				    norm[tj] + m->shrink + 1e-6);
				cnt[c.i] = 0;
				if (c.i == tj || !(c.s > 0))
					continue;
				pairs++;
				heap_offer(heap, &nh, kmax, &c);
			}
			if (nh > 0) {
				nb[tj] = ep_xreallocarray(NULL, nh,
				    sizeof *nb[tj]);
				memcpy(nb[tj], heap, nh * sizeof *heap);
			}
			nb_n[tj] = (uint32_t)nh;
		}
		free(cnt);
		free(touched);
		free(heap);
	}

	/* Turn the per-target lists around into rows by source item;
	 * visiting targets in order leaves each row sorted. */
	m->rowptr = ep_xcalloc((size_t)ni + 1, sizeof *m->rowptr);
	for (j = 0; j < ni; j++)
		for (p = 0; p < nb_n[j]; p++)
			m->rowptr[nb[j][p].i + 1]++;
	for (i = 0; i < ni; i++)
		m->rowptr[i + 1] += m->rowptr[i];
	m->nnz = m->rowptr[ni];
	m->col = ep_xreallocarray(NULL, m->nnz + 1, sizeof *m->col);
	m->val = ep_xreallocarray(NULL, m->nnz + 1, sizeof *m->val);
	next = ep_xreallocarray(NULL, (size_t)ni + 1, sizeof *next);
	memcpy(next, m->rowptr, ((size_t)ni + 1) * sizeof *next);
	for (j = 0; j < ni; j++) {
		for (p = 0; p < nb_n[j]; p++) {
			size_t at = next[nb[j][p].i]++;

			m->col[at] = j;
			m->val[at] = (float)nb[j][p].s;
		}
		free(nb[j]);
	}
	m->pairs = pairs;
	m->fitted = 1;
	free(next);
	free(nb);
	free(nb_n);
	free(norm);
	model_csr_release(&xt);
	return 0;
}

static void
itemknn_score(struct model *m, const uint32_t *users, size_t n, float *out)
{
	model_item_rows_score(&m->sp->part[MODEL_TRAIN], m->rowptr, m->col,
	    m->val, users, n, m->sp->n_items, out);
}

static void
itemknn_stats(const struct model *m, struct model_stats *st)
{
	const struct model_csr *x = &m->sp->part[MODEL_TRAIN];
	double ni = m->sp->n_items, U = m->sp->n_users;
	double pairs, adds = 0;
	size_t p;

	/* Before fit, bound the candidate pairs by the co-occurrence
	 * increments and by the number of item pairs. */
	pairs = m->fitted ? m->pairs : fmin(m->sumsq, ni * ni);
	st->flops_epoch = m->sumsq + 4 * pairs;
	if (m->fitted) {
		/* Each training interaction (u, i) adds row i of W. */
		for (p = 0; p < x->nnz; p++) {
			uint32_t i = x->col[p];

			adds += (double)(m->rowptr[i + 1] - m->rowptr[i]);
		}
		st->params = (double)m->nnz;
	} else {
		adds = (double)x->nnz * fmin(m->k, ni);
		st->params = ni * fmin(m->k, ni);
	}
	st->flops_user = U > 0 ? adds / U : 0;
	st->bytes = (double)sizeof *m + (ni + 1) * sizeof(size_t) +
	    st->params * (sizeof(uint32_t) + sizeof(float));
}

static void
itemknn_free(struct model *m)
{
	if (m == NULL)
		return;
	free(m->rowptr);
	free(m->col);
	free(m->val);
	free(m);
}

const struct model_ops model_itemknn_ops = {
	.name = "itemknn",
	.title = "ItemKNN",
	.summary = "item-based k-nearest neighbours with cosine similarity",
	.sampling = MODEL_SAMPLE_NONE,
	.params = itemknn_params,
	.create = itemknn_create,
	.fit = itemknn_fit,
	.tensors = NULL,
	.loss = NULL,
	.stepped = NULL,
	.score = itemknn_score,
	.prepare = NULL,
	.stats = itemknn_stats,
	.free = itemknn_free,
};
