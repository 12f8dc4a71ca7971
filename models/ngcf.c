/*
 * NGCF (Wang et al. 2019) as RecBole implements it. Ego embeddings E0
 * for users and items (Xavier-normal), then n_layers bi-interaction
 * layers over the normalised graph L, each
 *   S  = L E
 *   Z  = (E + S) W1^T + b1 + (S * E) W2^T + b2    (* elementwise)
 *   E' = normalise(dropout(LeakyReLU(Z, 0.2)))    (rows to unit L2 norm)
 * with message dropout 0.1 in training only, and the final embedding the
 * concatenation [E0, E1, ..., En] (E0 not normalised). Training is
 * pairwise: BPR on final embeddings plus reg_weight times RecBole's
 * EmbLoss on the batch's *final* embeddings (NGCF, unlike LightGCN,
 * regularises the propagated rows), norms not squared, over the batch.
 * RecBole's node dropout defaults to 0 and is not implemented.
 *
 * The whole graph is propagated for every mini-batch, as in RecBole,
 * except the last layer, which a training batch needs (and its backward
 * pass carries) only at the rows its triples name: there the layer's
 * saved values are kept compacted, in the order of those rows. The
 * two Linear layers of a layer are done as one GEMM: [E + S, S * E]
 * (n x 2 dim) times [W1 W2]^T. GEMMs and row-wise work run in parallel
 * over fixed blocks of rows, and weight gradients are summed block by
 * block in block order, so results do not depend on the thread count.
 * Dropout masks come from a counter-based hash of (batch seed, layer,
 * row, element), so that they do not depend on the thread count; the
 * forward pass keeps them (a byte an element) for the backward pass.
 */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/rng.h"
#include "models/graph.h"
#include "models/kernels.h"
#include "models/model.h"
#include "core/banned.h"

/* Rows a GEMM task (fixed, so that sums do not depend on threads). */
#define GEMM_ROWS 512
#define MAX_LAYERS 8

struct layer {
	size_t in;		/* width of the layer's input */
	size_t out;		/* and of its output */
	struct model_tensor *w1, *b1, *w2, *b2;
	float *S;		/* n x in: L E */
	/* By row, or by position in the batch's rows where the layer ran
	 * at those only (layer_forward()): */
	float *H;		/* n x 2 in: [E + S, S * E] */
	float *Z;		/* n x out: pre-activation */
	unsigned char *keep;	/* n x out: dropout's kept elements */
	float *nrm;		/* n: each output row's norm before scaling */
	float *Y;		/* n x out: the output again, packed, for the
				 * next layer's product (NULL in the last) */
};

struct model {
	const struct model_split *sp;
	size_t d;
	size_t layers;
	size_t n;		/* nodes: users + items */
	size_t width;		/* final width: d + layers x hidden */
	size_t hidden;
	double reg_weight;
	double dropout;
	struct model_graph graph;
	/* user, item (views of w and g), then w1, b1, w2, b2 a layer. */
	struct model_tensor t[2 + 4 * MAX_LAYERS];
	size_t n_t;
	float *w;		/* n x d ego embeddings */
	float *g;		/* their gradient */
	unsigned char *touched;	/* n marks */
	struct layer l[MAX_LAYERS];
	float *fin;		/* n x width final embeddings */
	float *gfin;		/* its gradient (batch rows) */
	float *gy;		/* n x max: gradient of a layer's output,
				 * then (in place) of its pre-activation */
	float *gx;		/* n x max: of its input */
	float *gs;		/* n x max: of S */
	float *gh;		/* n x 2 max: of H */
	float *wc;		/* out x 2 in: [W1 W2] */
	float *part;		/* per GEMM block: out x 2 in + out */
	size_t n_blocks;
	uint64_t mask_seed;	/* this batch's dropout */
	uint32_t drop_below;	/* an element is dropped when its 32-bit
				 * hash is below this */
	float keep_mul;		/* 1 / (1 - p), as torch.nn.Dropout */
	int dropping;
	float *bsum;		/* out: b1 + b2 */
	unsigned char *in_batch;	/* n: scratch marks */
	uint32_t *rows;		/* the batch's rows, ascending */
	size_t n_rows;
	int cached;
	struct model_panel items;	/* fin's item rows, packed to score */
};

static const struct model_param params[] = {
	{ "embedding_size", MODEL_PARAM_INT, 64, 1, 4096, NULL,
	    "dimension of the ego embeddings" },
	{ "hidden_size", MODEL_PARAM_INT, 64, 1, 4096, NULL,
	    "output width of every layer (RecBole's hidden_size_list "
	    "[64,64,64] is hidden_size=64 n_layers=3)" },
	{ "n_layers", MODEL_PARAM_INT, 3, 1, MAX_LAYERS, NULL,
	    "bi-interaction layers" },
	{ "message_dropout", MODEL_PARAM_REAL, 0.1, 0, 0.99, NULL,
	    "dropout of each layer's output in training" },
	{ "reg_weight", MODEL_PARAM_REAL, 1e-5, 0, 1e6, NULL,
	    "weight of the (non-squared) norm of the batch's final embeddings" },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

static const char *const tensor_names[MAX_LAYERS][4] = {
	{ "gnn0.w1", "gnn0.b1", "gnn0.w2", "gnn0.b2" },
	{ "gnn1.w1", "gnn1.b1", "gnn1.w2", "gnn1.b2" },
	{ "gnn2.w1", "gnn2.b1", "gnn2.w2", "gnn2.b2" },
	{ "gnn3.w1", "gnn3.b1", "gnn3.w2", "gnn3.b2" },
	{ "gnn4.w1", "gnn4.b1", "gnn4.w2", "gnn4.b2" },
	{ "gnn5.w1", "gnn5.b1", "gnn5.w2", "gnn5.b2" },
	{ "gnn6.w1", "gnn6.b1", "gnn6.w2", "gnn6.b2" },
	{ "gnn7.w1", "gnn7.b1", "gnn7.w2", "gnn7.b2" },
};

static struct model *
ngcf_create(const struct model_split *sp, const struct model_hp *hp,
    struct ep_rng *rng, struct ep_err *err)
{
	struct model *m = ep_xcalloc(1, sizeof *m);
	size_t d = (size_t)model_hp_get(hp, "embedding_size");
	size_t h = (size_t)model_hp_get(hp, "hidden_size");
	size_t nu = sp->n_users, ni = sp->n_items, k, n, mx;

	(void)err;
	m->sp = sp;
	m->d = d;
	m->hidden = h;
	m->layers = (size_t)model_hp_get(hp, "n_layers");
	m->reg_weight = model_hp_get(hp, "reg_weight");
	m->dropout = model_hp_get(hp, "message_dropout");
	m->n = n = nu + ni;
	m->width = d + m->layers * h;
	mx = d > h ? d : h;
	model_graph_build(&m->graph, &sp->part[MODEL_TRAIN]);
	m->w = ep_xaligned(n * d, sizeof(float));
	m->g = ep_xaligned(n * d, sizeof(float));
	memset(m->g, 0, n * d * sizeof(float));
	m->touched = ep_xcalloc(n ? n : 1, 1);
	m->in_batch = ep_xcalloc(n ? n : 1, 1);
	m->rows = ep_xaligned(n ? n : 1, sizeof *m->rows);
	m->t[0] = (struct model_tensor){ "user_embedding", m->w, m->g, nu, d,
	    m->touched };
	m->t[1] = (struct model_tensor){ "item_embedding", m->w + nu * d,
	    m->g + nu * d, ni, d, m->touched + nu };
	/* PyTorch's Xavier scale for RecBole's tables, which have one more
	 * row (the [PAD] id) than there are users or items. */
	model_init_normal(m->t[0].w, nu * d, sqrt(2.0 / (double)(nu + 1 + d)),
	    rng);
	model_init_normal(m->t[1].w, ni * d, sqrt(2.0 / (double)(ni + 1 + d)),
	    rng);
	m->n_t = 2;
	for (k = 0; k < m->layers; k++) {
		struct layer *L = &m->l[k];
		struct model_tensor *t = m->t + 2 + 4 * k;

		L->in = k == 0 ? d : h;
		L->out = h;
		model_tensor_alloc(&t[0], tensor_names[k][0], L->out, L->in);
		model_tensor_alloc(&t[1], tensor_names[k][1], 1, L->out);
		model_tensor_alloc(&t[2], tensor_names[k][2], L->out, L->in);
		model_tensor_alloc(&t[3], tensor_names[k][3], 1, L->out);
		/* nn.Linear(in, out): weight out x in, Xavier-normal with
		 * fan_in + fan_out = in + out; biases 0. */
		model_init_xavier_normal(t[0].w, L->out, L->in, rng);
		model_init_xavier_normal(t[2].w, L->out, L->in, rng);
		memset(t[1].w, 0, L->out * sizeof(float));
		memset(t[3].w, 0, L->out * sizeof(float));
		L->w1 = &t[0];
		L->b1 = &t[1];
		L->w2 = &t[2];
		L->b2 = &t[3];
		L->S = ep_xaligned(n * L->in, sizeof(float));
		L->H = ep_xaligned(n * 2 * L->in, sizeof(float));
		L->Z = ep_xaligned(n * L->out, sizeof(float));
		L->nrm = ep_xaligned(n ? n : 1, sizeof(float));
		L->keep = ep_xaligned(n * L->out, 1);
		L->Y = k + 1 < m->layers ? ep_xaligned(n * L->out,
		    sizeof(float)) : NULL;
		m->n_t += 4;
	}
	m->fin = ep_xaligned(n * m->width, sizeof(float));
	m->gfin = ep_xaligned(n * m->width, sizeof(float));
	m->gy = ep_xaligned(n * mx, sizeof(float));
	m->gx = ep_xaligned(n * mx, sizeof(float));
	m->gs = ep_xaligned(n * mx, sizeof(float));
	m->gh = ep_xaligned(n * 2 * mx, sizeof(float));
	m->wc = ep_xaligned(h * 2 * mx, sizeof(float));
	m->bsum = ep_xaligned(h, sizeof(float));
	m->drop_below = (uint32_t)fmin(m->dropout * 4294967296.0,
	    4294967295.0);
	m->keep_mul = (float)(1.0 / (1.0 - m->dropout));
	m->n_blocks = (n + GEMM_ROWS - 1) / GEMM_ROWS;
	m->part = ep_xaligned((m->n_blocks ? m->n_blocks : 1) *
	    (h * 2 * mx + h), sizeof(float));
	return m;
}

static struct model_tensor *
ngcf_tensors(struct model *m, size_t *n)
{
	*n = m->n_t;
	return m->t;
}

/*
 * The dropout mask of row i of layer k's output (out elements): 1 where
 * kept. Two elements a hash of (batch seed, layer, row, pair).
 */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
/* Built for x86-64-v4 too, whose vpmullq does the hash's 64-bit
 * multiplies (SSE2 forms each from three 32-bit ones). */
__attribute__((target_clones("arch=x86-64-v4", "avx2", "default")))
#endif
static void
dropout_row(const struct model *m, size_t k, size_t i, size_t out,
    unsigned char *restrict keep)
{
	uint64_t base = m->mask_seed + ((uint64_t)k << 58) +
	    (uint64_t)i * (out + 1) / 2 * 0x9e3779b97f4a7c15ULL;
	uint32_t below = m->drop_below;
	size_t c;

#pragma omp simd
	for (c = 0; c < out / 2; c++) {
		uint64_t z = ep_mix64(base + (uint64_t)c *
		    0x9e3779b97f4a7c15ULL);

		keep[2 * c] = (uint32_t)z >= below;
		keep[2 * c + 1] = (uint32_t)(z >> 32) >= below;
	}
	if (out % 2)
		keep[out - 1] = (uint32_t)ep_mix64(base + (uint64_t)(out / 2) *
		    0x9e3779b97f4a7c15ULL) >= below;
}

/* [W1 W2] of layer L into wc (out x 2 in). */
static void
concat_weights(const struct layer *L, float *wc)
{
	size_t o;

	for (o = 0; o < L->out; o++) {
		memcpy(wc + o * 2 * L->in, L->w1->w + o * L->in,
		    L->in * sizeof(float));
		memcpy(wc + o * 2 * L->in + L->in, L->w2->w + o * L->in,
		    L->in * sizeof(float));
	}
}

/* The node of a layer's i-th row: i, or the batch's i-th row. */
static size_t
node_of(const uint32_t *rows, size_t i)
{
	return rows != NULL ? rows[i] : i;
}

/*
 * Layer k (its input at column off of fin) forward, at every row (rows
 * NULL, nr = n) or at the nr rows rows[] only: then S and the output
 * are written at those rows, and H, Z, keep and nrm hold them compacted
 * in list order. A row's values are the same either way.
 */
static void
layer_forward(struct model *m, size_t k, size_t off, const uint32_t *rows,
    size_t nr)
{
	struct layer *L = &m->l[k];
	size_t W = m->width, in = L->in, out = L->out, o;
	size_t blocks = (nr + GEMM_ROWS - 1) / GEMM_ROWS;
	const float *E = m->fin + off;
	float *Y = m->fin + off + in;
	/* The same input packed (the ego table, or the layer below's
	 * copy): the product's gathers from rows W floats apart took 1.6
	 * times as long as from packed rows on the ML-1M graph. */
	const float *X = k == 0 ? m->w : m->l[k - 1].Y;
	size_t ldx = k == 0 ? m->d : in;
	long b;

	if (rows != NULL)
		model_graph_spmm_rows(&m->graph, rows, nr, X, ldx, L->S, in,
		    in, 0);
	else
		model_graph_spmm(&m->graph, X, ldx, L->S, in, in, 0);
	concat_weights(L, m->wc);
	for (o = 0; o < out; o++)
		m->bsum[o] = L->b1->w[o] + L->b2->w[o];
#pragma omp parallel for schedule(static)
	for (b = 0; b < (long)blocks; b++) {
		size_t lo = (size_t)b * GEMM_ROWS, i, c;
		size_t hi = lo + GEMM_ROWS < nr ? lo + GEMM_ROWS : nr;

		for (i = lo; i < hi; i++) {
			size_t v = node_of(rows, i);
			const float *restrict e = E + v * W;
			const float *restrict s = L->S + v * in;
			float *restrict hr = L->H + i * 2 * in;

#pragma omp simd
			for (c = 0; c < in; c++) {
				hr[c] = e[c] + s[c];
				hr[in + c] = s[c] * e[c];
			}
			memcpy(L->Z + i * out, m->bsum, out * sizeof(float));
		}
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans,
		    (int)(hi - lo), (int)out, (int)(2 * in), 1.0f,
		    L->H + lo * 2 * in, (int)(2 * in), m->wc, (int)(2 * in),
		    1.0f, L->Z + lo * out, (int)out);
		for (i = lo; i < hi; i++) {
			size_t v = node_of(rows, i);
			const float *restrict z = L->Z + i * out;
			float *restrict y = Y + v * W;
			unsigned char *restrict kp = L->keep + i * out;
			double s2 = 0;
			float nr2, inv;

			model_leaky_relu(y, z, out);
			if (m->dropping) {
				/* By node, so that the masks do not depend
				 * on which rows ran. */
				dropout_row(m, k, v, out, kp);
				model_keep_scale(y, kp, m->keep_mul, out);
			}
			/* A vector sum: the order is fixed by the code, not
			 * by the threads. */
#pragma omp simd reduction(+:s2)
			for (c = 0; c < out; c++)
				s2 += (double)y[c] * (double)y[c];
			/* F.normalize: x / max(||x||, 1e-12). */
			nr2 = (float)sqrt(s2);
			L->nrm[i] = nr2;
			inv = 1.0f / (nr2 > 1e-12f ? nr2 : 1e-12f);
#pragma omp simd
			for (c = 0; c < out; c++)
				y[c] *= inv;
			if (L->Y != NULL)
				memcpy(L->Y + v * out, y, out * sizeof *y);
		}
	}
}

/* Block 0 of the final embedding is E0 itself. */
static void
copy_ego(struct model *m)
{
	size_t W = m->width, d = m->d;
	long r;

#pragma omp parallel for schedule(static)
	for (r = 0; r < (long)m->n; r++)
		memcpy(m->fin + (size_t)r * W, m->w + (size_t)r * d,
		    d * sizeof(float));
}

/* The forward pass into fin (and each layer's saved values). */
static void
propagate(struct model *m)
{
	size_t off = 0, k;

	copy_ego(m);
	for (k = 0; k < m->layers; k++) {
		layer_forward(m, k, off, NULL, m->n);
		off += m->l[k].in;
	}
	m->n_rows = 0;
	m->cached = 1;
	model_panel_forget(&m->items);
}

/*
 * The forward pass a training batch needs: every layer but the last in
 * full, the last at the rows the batch's triples name (listed in
 * m->rows), the only ones the loss reads. fin's other rows of the last
 * block are left stale: not cached.
 */
static void
propagate_batch(struct model *m, const struct model_batch *b)
{
	size_t off = 0, nr, k;

	nr = model_graph_triple_rows(&m->graph, b->user, b->item, b->neg,
	    b->n, m->in_batch, m->rows);
	copy_ego(m);
	for (k = 0; k + 1 < m->layers; k++) {
		layer_forward(m, k, off, NULL, m->n);
		off += m->l[k].in;
	}
	layer_forward(m, k, off, m->rows, nr);
	m->n_rows = nr;
	m->cached = 0;
	model_panel_forget(&m->items);
}

/* ||rows idx of x (stride ld, width w)||_F over the batch. */
static double
batch_norm(const float *x, size_t ld, size_t w, const uint32_t *idx,
    size_t n)
{
	return sqrt(model_rows_sumsq(x, ld, w, idx, n));
}

/*
 * Backward through layer k: gy holds d(loss)/d(output); adds the weight
 * gradients and leaves d(loss)/d(input) in gx (k > 0) or adds it to the
 * ego gradient (k == 0). With rows (the layer ran at the nr rows rows[]
 * only, layer_forward()) gy holds those rows compacted, and the rest of
 * d/dS and of the direct d/dE is zero.
 */
static void
layer_backward(struct model *m, size_t k, size_t off, const uint32_t *rows,
    size_t nr)
{
	struct layer *L = &m->l[k];
	size_t W = m->width, in = L->in, out = L->out, i, c, b2;
	size_t pw = out * 2 * in + out;
	size_t blocks = (nr + GEMM_ROWS - 1) / GEMM_ROWS;
	const float *E = m->fin + off, *Y = m->fin + off + in;
	float *gz = m->gy, *gx = k == 0 ? m->g : m->gx;
	size_t ldx = k == 0 ? m->d : in;
	long b;

	concat_weights(L, m->wc);
	if (rows != NULL) {
		memset(m->gs, 0, m->n * in * sizeof(float));
		if (k > 0)
			memset(gx, 0, m->n * ldx * sizeof(float));
	}
#pragma omp parallel for schedule(static)
	for (b = 0; b < (long)blocks; b++) {
		size_t lo = (size_t)b * GEMM_ROWS, r, cc;
		size_t hi = lo + GEMM_ROWS < nr ? lo + GEMM_ROWS : nr;
		float *part = m->part + (size_t)b * pw;

		/* Through the normalisation, dropout and LeakyReLU, in
		 * place: gy becomes d/dZ. */
		for (r = lo; r < hi; r++) {
			float *restrict g = m->gy + r * out;
			const float *restrict y = Y + node_of(rows, r) * W;
			const float *restrict z = L->Z + r * out;
			const unsigned char *restrict kp = L->keep + r * out;
			float nr2 = L->nrm[r], dot = 0;

			if (nr2 > 1e-12f) {
#pragma omp simd reduction(+:dot)
				for (cc = 0; cc < out; cc++)
					dot += y[cc] * g[cc];
#pragma omp simd
				for (cc = 0; cc < out; cc++)
					g[cc] = (g[cc] - y[cc] * dot) / nr2;
			} else {
				for (cc = 0; cc < out; cc++)
					g[cc] /= 1e-12f;
			}
			if (m->dropping)
				model_keep_scale(g, kp, m->keep_mul, out);
			model_leaky_relu_grad(g, z, out);
		}
		/* This block's share of d/d[W1 W2] = gz^T H and of the bias
		 * gradient, summed over blocks in order below. */
		cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)out,
		    (int)(2 * in), (int)(hi - lo), 1.0f, gz + lo * out,
		    (int)out, L->H + lo * 2 * in, (int)(2 * in), 0.0f, part,
		    (int)(2 * in));
		for (cc = 0; cc < out; cc++)
			part[out * 2 * in + cc] = 0;
		for (r = lo; r < hi; r++) {
			float *restrict pb = part + out * 2 * in;
			const float *restrict gr = gz + r * out;

#pragma omp simd
			for (cc = 0; cc < out; cc++)
				pb[cc] += gr[cc];
		}
		/* d/dH = gz [W1 W2], then d/dS and the direct d/dE. */
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
		    (int)(hi - lo), (int)(2 * in), (int)out, 1.0f,
		    gz + lo * out, (int)out, m->wc, (int)(2 * in), 0.0f,
		    m->gh + lo * 2 * in, (int)(2 * in));
		for (r = lo; r < hi; r++) {
			size_t v = node_of(rows, r);
			const float *restrict gh = m->gh + r * 2 * in;
			const float *restrict e = E + v * W;
			const float *restrict s = L->S + v * in;
			float *restrict gs = m->gs + v * in;
			float *restrict ge = gx + v * ldx;

#pragma omp simd
			for (cc = 0; cc < in; cc++)
				gs[cc] = gh[cc] + gh[in + cc] * e[cc];
			if (k == 0)
#pragma omp simd
				for (cc = 0; cc < in; cc++)
					ge[cc] += gh[cc] + gh[in + cc] * s[cc];
			else
#pragma omp simd
				for (cc = 0; cc < in; cc++)
					ge[cc] = gh[cc] + gh[in + cc] * s[cc];
		}
	}
	for (b2 = 0; b2 < blocks; b2++) {
		const float *part = m->part + b2 * pw;

		for (i = 0; i < out; i++) {
			for (c = 0; c < in; c++) {
				L->w1->g[i * in + c] += part[i * 2 * in + c];
				L->w2->g[i * in + c] +=
				    part[i * 2 * in + in + c];
			}
			L->b1->g[i] += part[out * 2 * in + i];
			L->b2->g[i] += part[out * 2 * in + i];
		}
	}
	memset(L->w1->touched, 1, out);
	memset(L->w2->touched, 1, out);
	L->b1->touched[0] = 1;
	L->b2->touched[0] = 1;
	/* S = L E: d/dE += L d/dS (L is symmetric). */
	model_graph_spmm(&m->graph, m->gs, in, gx, ldx, in, 1);
}

static double
ngcf_loss(struct model *m, const struct model_batch *b, int grad, int train,
    struct ep_rng *rng)
{
	size_t W = m->width, n = b->n, nu = m->sp->n_users, k, off;
	const float *Fu = m->fin, *Fi = m->fin + nu * W;
	double loss, scale = 1.0 / (double)n, nrm[3];
	long r;

	m->dropping = train && m->dropout > 0;
	if (m->dropping)
		m->mask_seed = (uint64_t)ep_rng_u32(rng) << 32 |
		    ep_rng_u32(rng);
	if (grad)
		propagate_batch(m, b);
	else
		propagate(m);
	if (grad)
		memset(m->gfin, 0, m->n * W * sizeof(float));
	loss = scale * model_bpr_pairs(Fu, Fi, W, b->user, b->item,
	    b->neg, n, scale, 1.0f, grad ? m->gfin : NULL,
	    grad ? m->gfin + nu * W : NULL);
	nrm[0] = batch_norm(Fu, W, W, b->user, n);
	nrm[1] = batch_norm(Fi, W, W, b->item, n);
	nrm[2] = batch_norm(Fi, W, W, b->neg, n);
	loss += m->reg_weight * (nrm[0] + nrm[1] + nrm[2]) * scale;
	if (!grad)
		return loss;

	/* d||M||_F / dM = M / ||M||_F, scattered back to the rows. */
	for (k = 0; k < 3; k++) {
		const uint32_t *idx = k == 0 ? b->user : k == 1 ? b->item : b->neg;
		size_t base = k == 0 ? 0 : nu;
		float f;

		if (!(nrm[k] > 0))
			continue;
		f = (float)(m->reg_weight * scale / nrm[k]);
		for (r = 0; r < (long)n; r++) {
			size_t row = base + idx[r];

			model_axpy(m->gfin + row * W, f, m->fin + row * W, W);
		}
	}
	/* Backward from the last layer: gy = d/d(output of layer k), the
	 * final rows' share plus what the layer above passed down. */
	off = m->d + (m->layers - 1) * m->hidden;
	for (k = m->layers; k-- > 0;) {
		size_t out = m->l[k].out, in = m->l[k].in;
		/* The last layer ran at the batch's rows only. */
		const uint32_t *rows = k + 1 == m->layers ? m->rows : NULL;
		size_t nr = rows != NULL ? m->n_rows : m->n;

		off -= in;
#pragma omp parallel for schedule(static)
		for (r = 0; r < (long)nr; r++) {
			const float *restrict gf = m->gfin +
			    node_of(rows, (size_t)r) * W + off + in;
			float *restrict gy = m->gy + (size_t)r * out;
			const float *restrict gx = m->gx + (size_t)r * out;
			size_t cc;

			if (k + 1 < m->layers)
#pragma omp simd
				for (cc = 0; cc < out; cc++)
					gy[cc] = gf[cc] + gx[cc];
			else
				memcpy(gy, gf, out * sizeof(float));
		}
		if (k == 0) {
			/* The ego rows' own share of the final embedding. */
#pragma omp parallel for schedule(static)
			for (r = 0; r < (long)m->n; r++) {
				size_t cc;

				for (cc = 0; cc < m->d; cc++)
					m->g[(size_t)r * m->d + cc] +=
					    m->gfin[(size_t)r * W + cc];
			}
		}
		layer_backward(m, k, off, rows, nr);
	}
	m->cached = 0;
	model_panel_forget(&m->items);
	memset(m->touched, 1, m->n);
	return loss;
}

/* Every batch propagates the whole graph: it reads every row. */
static void
ngcf_mark_rows(struct model *m, const struct model_batch *b)
{
	size_t k;

	(void)b;
	for (k = 0; k < m->n_t; k++)
		memset(m->t[k].touched, 1, m->t[k].rows);
}

static void
ngcf_stepped(struct model *m)
{
	m->cached = 0;
	model_panel_forget(&m->items);
}

static void
ngcf_prepare(struct model *m)
{
	/* Scoring is evaluation: no dropout. The optimiser may bring rows
	 * up to date without a step (flush), so propagate afresh. */
	m->dropping = 0;
	propagate(m);
	(void)model_panel_pack(&m->items, m->fin + (size_t)m->sp->n_users *
	    m->width, m->sp->n_items, m->width, MODEL_PANEL_AUTO);
}

static void
ngcf_tables(struct model *m, const float **user, const float **item,
    size_t *w)
{
	*user = m->fin;
	*item = m->fin + (size_t)m->sp->n_users * m->width;
	*w = m->width;
}

static void
ngcf_score(struct model *m, const uint32_t *users, size_t n, float *out)
{
	const float *U, *V;
	size_t w;

	ngcf_tables(m, &U, &V, &w);
	model_dot_score(&m->items, U, V, w, users, n, m->sp->n_items, out);
}

static void
ngcf_stats(const struct model *m, struct model_stats *st)
{
	double nu = m->sp->n_users, ni = m->sp->n_items, d = (double)m->d;
	double N = (double)m->sp->part[MODEL_TRAIN].nnz, n = nu + ni;
	double steps = ceil(N / 2048), nnz = (double)m->graph.nnz;
	double lw = 0, fl = 0, buf = 0, mx = d > (double)m->hidden ? d :
	    (double)m->hidden;
	size_t k;

	for (k = 0; k < m->layers; k++) {
		double in = (double)m->l[k].in, out = (double)m->l[k].out;

		lw += 2 * in * out + 2 * out;
		/* Forward: product, the GEMM, row work; backward: two
		 * GEMMs, the product, row work. The last layer's, done at
		 * the batch's rows only but for its backward product, are
		 * counted in full. */
		fl += 2 * 2 * nnz * in + 3 * 2 * n * 2 * in * out +
		    n * (6 * in + 12 * out);
		buf += n * (3 * in + out + 1);
	}
	st->params = n * d + lw;
	st->flops_epoch = steps * (fl + st->params * 10) +
	    N * 14 * (double)m->width;
	st->flops_user = 2 * ni * (double)m->width;
	/* Weights, gradients, Adam's moments, saved layers, final rows and
	 * their gradient, scratch, the item rows packed for scoring, the
	 * graph, the batch's rows. */
	st->bytes = (st->params * 4 + buf + 2 * n * (double)m->width +
	    n * mx * 5 + ni * (double)m->width) * sizeof(float) +
	    nnz * (sizeof(uint32_t) + sizeof(float)) +
	    (n + 1) * sizeof(size_t) + n * (2 + sizeof(uint32_t));
}

static void
ngcf_free(struct model *m)
{
	size_t k;

	model_graph_release(&m->graph);
	for (k = 0; k < m->layers; k++) {
		free(m->l[k].S);
		free(m->l[k].H);
		free(m->l[k].Z);
		free(m->l[k].nrm);
		free(m->l[k].keep);
		free(m->l[k].Y);
	}
	for (k = 2; k < m->n_t; k++)
		model_tensor_release(&m->t[k]);
	free(m->w);
	free(m->g);
	free(m->touched);
	free(m->in_batch);
	free(m->rows);
	free(m->fin);
	free(m->gfin);
	free(m->gy);
	free(m->gx);
	free(m->gs);
	free(m->gh);
	free(m->wc);
	free(m->bsum);
	free(m->part);
	model_panel_release(&m->items);
	free(m);
}

const struct model_ops model_ngcf_ops = {
	.name = "ngcf",
	.title = "NGCF",
	.summary = "neural graph collaborative filtering: bi-interaction layers",
	.sampling = MODEL_SAMPLE_PAIRWISE,
	.params = params,
	.create = ngcf_create,
	.tensors = ngcf_tensors,
	.loss = ngcf_loss,
	.mark_rows = ngcf_mark_rows,
	.stepped = ngcf_stepped,
	.prepare = ngcf_prepare,
	.score = ngcf_score,
	.tables = ngcf_tables,
	.stats = ngcf_stats,
	.free = ngcf_free,
};
