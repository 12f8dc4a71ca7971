/*
 * NeuMF (He et al. 2017) as RecBole implements it, without pre-training:
 * four embedding tables (user and item, for the GMF and the MLP branch,
 * normal initialisation with standard deviation 0.01), and
 *   g     = p_u * q_i                                   (* elementwise)
 *   x0    = [p'_u, q'_i]
 *   x_l+1 = ReLU(W_l dropout(x_l) + b_l)                for each layer
 *   z     = w . [g, x_L] + b
 * with RecBole's MLPLayers (dropout before every Linear, training only),
 * its Linear layers left at PyTorch's default initialisation (uniform in
 * +-1/sqrt(fan_in), weights and biases). Training is pointwise: binary
 * cross-entropy on z (BCEWithLogits) over half a batch of positives and
 * one sampled negative each; there is no regulariser.
 *
 * Scores are the logits z: RecBole's predict() returns sigmoid(z), which
 * ranks the same, and in float saturates to ties for large z.
 *
 * A batch's MLP runs in blocks of BLOCK_ROWS samples in parallel, one
 * parallel region forward and one back; each block's share of the weight
 * gradients is summed in block order, so results do not depend on the
 * thread count. Dropout masks come from a counter-based hash of a seed
 * drawn from the training rng for each batch (and of layer and element),
 * so the result depends on the seed only. Full-sort scoring pushes every
 * (user, item) pair through the MLP, as RecBole must (NeuMF has no
 * dot-product shortcut); the item half of the first layer,
 * W_0 [0, q'_i] + b_0, does not depend on the user and is computed once
 * by prepare(), and the rest of the tower runs fused, sixteen items at a
 * time, a weight broadcast into all of them (one multiply-add an item
 * and weight, with no pass of its own for the biases and ReLUs).
 */
#include <cblas.h>
#include <math.h>
#include <omp.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/rng.h"
#include "models/model.h"
#include "core/banned.h"

#define MAX_LAYERS 3
/* Samples a block of the batch's MLP (even: a dropout hash covers two
 * elements). */
#define BLOCK_ROWS 512
/* Items a block of the scoring tower (two AVX2 vectors, one AVX-512). */
#define TOWER_LANES 16

enum { T_UMF, T_IMF, T_UMLP, T_IMLP, T_FIXED };

struct model {
	const struct model_split *sp;
	size_t mf;		/* GMF width */
	size_t me;		/* MLP embedding width */
	size_t layers;
	size_t w[MAX_LAYERS + 1];	/* widths: w[0] = 2 me, then hidden */
	double dropout;
	uint32_t drop_below;	/* an element is dropped when its 32-bit
				 * hash is below this */
	float keep_mul;		/* 1 / (1 - p), as torch.nn.Dropout */
	/* The tables, then weight and bias a layer, then the output. */
	struct model_tensor t[T_FIXED + 2 * MAX_LAYERS + 2];
	size_t n_t;
	struct model_tensor *lw[MAX_LAYERS], *lb[MAX_LAYERS];
	struct model_tensor *ow, *ob;
	/* Batch workspace, for cap rows. */
	size_t cap;
	size_t maxw;
	float *x[MAX_LAYERS + 1];	/* layer inputs / ReLU outputs */
	float *a[MAX_LAYERS];	/* inputs after dropout */
	float *keep[MAX_LAYERS];	/* dropout: 0 or 1 / (1 - p) */
	float *gmf;		/* p_u * q_i */
	float *dz;		/* d(loss)/dz */
	double *lossk;		/* each sample's loss */
	float *gcur, *gnxt;	/* gradients flowing down the MLP */
	float *part;		/* per block: each layer's out x in + out */
	size_t part_w;		/* floats of part a block */
	/* Scoring cache: W_0 [0, q'_i] + b_0 for every item, blocked
	 * for the tower (neumf_prepare()). */
	float *qw;
	int cached;
};

static const struct model_param params[] = {
	{ "mf_embedding_size", MODEL_PARAM_INT, 64, 1, 4096, NULL,
	    "dimension of the GMF embeddings" },
	{ "mlp_embedding_size", MODEL_PARAM_INT, 64, 1, 4096, NULL,
	    "dimension of the MLP embeddings (the MLP's input is twice it)" },
	{ "mlp_hidden_size_1", MODEL_PARAM_INT, 128, 1, 4096, NULL,
	    "width of the first MLP layer (RecBole's mlp_hidden_size "
	    "[128,64] is mlp_hidden_size_1=128 mlp_hidden_size_2=64)" },
	{ "mlp_hidden_size_2", MODEL_PARAM_INT, 64, 0, 4096, NULL,
	    "width of the second MLP layer; 0: no second layer" },
	{ "mlp_hidden_size_3", MODEL_PARAM_INT, 0, 0, 4096, NULL,
	    "width of a third MLP layer; 0: none" },
	{ "dropout_prob", MODEL_PARAM_REAL, 0.1, 0, 0.99, NULL,
	    "dropout before every MLP layer in training" },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

static const char *const layer_names[MAX_LAYERS][2] = {
	{ "mlp0.weight", "mlp0.bias" },
	{ "mlp1.weight", "mlp1.bias" },
	{ "mlp2.weight", "mlp2.bias" },
};

/* PyTorch's default for nn.Linear: U(-1/sqrt(fan_in), 1/sqrt(fan_in)). */
static void
init_uniform(float *w, size_t n, size_t fan_in, struct ep_rng *rng)
{
	double b = 1 / sqrt((double)fan_in);
	size_t i;

	for (i = 0; i < n; i++)
		w[i] = (float)((2 * ep_rng_uniform(rng) - 1) * b);
}

static struct model *
neumf_create(const struct model_split *sp, const struct model_hp *hp,
    struct ep_rng *rng, struct ep_err *err)
{
	struct model *m = ep_xcalloc(1, sizeof *m);
	size_t nu = sp->n_users, ni = sp->n_items, k, hs[MAX_LAYERS];
	struct model_tensor *t;

	m->sp = sp;
	m->mf = (size_t)model_hp_get(hp, "mf_embedding_size");
	m->me = (size_t)model_hp_get(hp, "mlp_embedding_size");
	m->dropout = model_hp_get(hp, "dropout_prob");
	hs[0] = (size_t)model_hp_get(hp, "mlp_hidden_size_1");
	hs[1] = (size_t)model_hp_get(hp, "mlp_hidden_size_2");
	hs[2] = (size_t)model_hp_get(hp, "mlp_hidden_size_3");
	if (hs[1] == 0 && hs[2] != 0) {
		free(m);
		ep_fail(err, EP_EUSAGE, "mlp_hidden_size_3 needs "
		    "mlp_hidden_size_2");
		return NULL;
	}
	m->w[0] = 2 * m->me;
	m->maxw = m->w[0];
	for (k = 0; k < MAX_LAYERS && hs[k] > 0; k++) {
		m->w[k + 1] = hs[k];
		if (hs[k] > m->maxw)
			m->maxw = hs[k];
	}
	m->layers = k;
	m->drop_below = (uint32_t)fmin(m->dropout * 4294967296.0,
	    4294967295.0);
	m->keep_mul = (float)(1.0 / (1.0 - m->dropout));

	t = m->t;
	model_tensor_alloc(&t[T_UMF], "user_mf_embedding", nu, m->mf);
	model_tensor_alloc(&t[T_IMF], "item_mf_embedding", ni, m->mf);
	model_tensor_alloc(&t[T_UMLP], "user_mlp_embedding", nu, m->me);
	model_tensor_alloc(&t[T_IMLP], "item_mlp_embedding", ni, m->me);
	model_init_normal(t[T_UMF].w, nu * m->mf, 0.01, rng);
	model_init_normal(t[T_IMF].w, ni * m->mf, 0.01, rng);
	model_init_normal(t[T_UMLP].w, nu * m->me, 0.01, rng);
	model_init_normal(t[T_IMLP].w, ni * m->me, 0.01, rng);
	m->n_t = T_FIXED;
	for (k = 0; k < m->layers; k++) {
		size_t in = m->w[k], out = m->w[k + 1];

		m->lw[k] = &t[m->n_t++];
		m->lb[k] = &t[m->n_t++];
		model_tensor_alloc(m->lw[k], layer_names[k][0], out, in);
		model_tensor_alloc(m->lb[k], layer_names[k][1], 1, out);
		init_uniform(m->lw[k]->w, out * in, in, rng);
		init_uniform(m->lb[k]->w, out, in, rng);
	}
	m->ow = &t[m->n_t++];
	m->ob = &t[m->n_t++];
	model_tensor_alloc(m->ow, "predict.weight", 1, m->mf +
	    m->w[m->layers]);
	model_tensor_alloc(m->ob, "predict.bias", 1, 1);
	init_uniform(m->ow->w, m->mf + m->w[m->layers], m->mf +
	    m->w[m->layers], rng);
	init_uniform(m->ob->w, 1, m->mf + m->w[m->layers], rng);
	return m;
}

static struct model_tensor *
neumf_tensors(struct model *m, size_t *n)
{
	*n = m->n_t;
	return m->t;
}

/* Grows the batch workspace to n rows (only when a batch is larger than
 * any before: once, in training). */
static void
reserve(struct model *m, size_t n)
{
	size_t k;

	if (n <= m->cap)
		return;
	for (k = 0; k <= m->layers; k++) {
		free(m->x[k]);
		m->x[k] = ep_xaligned(n * m->w[k], sizeof(float));
	}
	for (k = 0; k < m->layers; k++) {
		free(m->a[k]);
		free(m->keep[k]);
		m->a[k] = ep_xaligned(n * m->w[k], sizeof(float));
		m->keep[k] = ep_xaligned(n * m->w[k], sizeof(float));
	}
	free(m->gmf);
	free(m->dz);
	free(m->lossk);
	free(m->gcur);
	free(m->gnxt);
	m->gmf = ep_xaligned(n * m->mf, sizeof(float));
	m->dz = ep_xaligned(n, sizeof(float));
	m->lossk = ep_xaligned(n, sizeof(double));
	m->gcur = ep_xaligned(n * m->maxw, sizeof(float));
	m->gnxt = ep_xaligned(n * m->maxw, sizeof(float));
	free(m->part);
	for (m->part_w = 0, k = 0; k < m->layers; k++)
		m->part_w += m->w[k + 1] * m->w[k] + m->w[k + 1];
	m->part = ep_xaligned((n + BLOCK_ROWS - 1) / BLOCK_ROWS * m->part_w,
	    sizeof(float));
	m->cap = n;
}

/*
 * Dropout's multipliers: keep[k] = mul unless the k-th 32-bit value of a
 * counter-based hash of seed is below drop_below (two values a hash),
 * then 0.
 */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("arch=x86-64-v4", "avx2", "default")))
#endif
static void
dropout_mask(uint64_t seed, uint32_t drop_below, float mul,
    float *restrict keep, size_t n)
{
	size_t k;

#pragma omp simd
	for (k = 0; k < n / 2; k++) {
		uint64_t z = ep_mix64(seed + (uint64_t)k * 0x9e3779b97f4a7c15ULL);

		keep[2 * k] = (uint32_t)z >= drop_below ? mul : 0.0f;
		keep[2 * k + 1] = (uint32_t)(z >> 32) >= drop_below ? mul : 0.0f;
	}
	if (n % 2)
		keep[n - 1] = (uint32_t)ep_mix64(seed + (uint64_t)(n / 2) *
		    0x9e3779b97f4a7c15ULL) >= drop_below ? mul : 0.0f;
}

/*
 * Layer l forward for the batch's rows [lo, hi): x_l+1 = ReLU(W_l
 * dropout(x_l) + b_l). lo is a multiple of BLOCK_ROWS, so lo times the
 * width is even and the block's masks are those of the whole batch.
 */
static void
layer_forward(struct model *m, size_t l, size_t lo, size_t hi, int dropping,
    uint64_t seed)
{
	size_t in = m->w[l], out = m->w[l + 1], n = hi - lo, k;
	const float *a = m->x[l] + lo * in;
	float *y = m->x[l + 1] + lo * out;

	if (dropping) {
		float *restrict ad = m->a[l] + lo * in;
		const float *restrict xl = m->x[l] + lo * in;
		float *restrict kp = m->keep[l] + lo * in;

		dropout_mask(seed + ((uint64_t)l << 56) + (uint64_t)(lo * in /
		    2) * 0x9e3779b97f4a7c15ULL, m->drop_below, m->keep_mul, kp,
		    n * in);
#pragma omp simd
		for (k = 0; k < n * in; k++)
			ad[k] = xl[k] * kp[k];
		a = ad;
	}
	for (k = 0; k < n; k++)
		memcpy(y + k * out, m->lb[l]->w, out * sizeof(float));
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)out,
	    (int)in, 1.0f, a, (int)in, m->lw[l]->w, (int)in, 1.0f, y,
	    (int)out);
#pragma omp simd
	for (k = 0; k < n * out; k++)
		y[k] = y[k] > 0 ? y[k] : 0.0f;
}

/*
 * The MLP backward for the batch's rows [lo, hi), from d/d(pre-activation)
 * of the last layer in gcur to d/dx_0 (in gcur or gnxt, alternating
 * layer by layer; a row of either at r * maxw, so that blocks never
 * share one at any width), each layer's weight and bias gradients over
 * these rows written to part (the last layer's first).
 */
static void
layers_backward(struct model *m, size_t lo, size_t hi, int dropping,
    float *part)
{
	size_t n = hi - lo, ld = m->maxw, l, r, c;
	float *src = m->gcur, *dst = m->gnxt, *tmp;

	for (l = m->layers; l-- > 0;) {
		size_t in = m->w[l], out = m->w[l + 1];
		const float *a = (dropping ? m->a[l] : m->x[l]) + lo * in;
		float *pb = part + out * in;

		cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)out,
		    (int)in, (int)n, 1.0f, src + lo * ld, (int)ld, a, (int)in,
		    0.0f, part, (int)in);
		for (c = 0; c < out; c++)
			pb[c] = 0;
		for (r = lo; r < hi; r++) {
			const float *restrict gr = src + r * ld;

#pragma omp simd
			for (c = 0; c < out; c++)
				pb[c] += gr[c];
		}
		/* d/d(dropped input) = gr W, then through the dropout and
		 * (below the first layer) the ReLU that made x_l. */
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n,
		    (int)in, (int)out, 1.0f, src + lo * ld, (int)ld,
		    m->lw[l]->w, (int)in, 0.0f, dst + lo * ld, (int)ld);
		for (r = lo; r < hi; r++) {
			float *restrict gn = dst + r * ld;
			const float *restrict kp = m->keep[l] + r * in;
			const float *restrict xl = m->x[l] + r * in;

			if (dropping)
#pragma omp simd
				for (c = 0; c < in; c++)
					gn[c] *= kp[c];
			if (l > 0)
#pragma omp simd
				for (c = 0; c < in; c++)
					gn[c] = xl[c] > 0 ? gn[c] : 0.0f;
		}
		part += out * in + out;
		tmp = src;
		src = dst;
		dst = tmp;
	}
}

/* log(1 + e^x) without overflow. */
static double
softplus(double x)
{
	return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x));
}

/*
 * A sample's gradient into its user's two table rows, or its item's:
 * the GMF row's product and the MLP row's share of the input gradient
 * gx. In vectors; written inline, GCC left the first loop scalar, as it
 * could not tell the rows apart.
 */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx2", "default")))
#endif
static void
scatter_half(float *restrict gp, float *restrict gm,
    const float *restrict other, const float *restrict ow,
    const float *restrict gx, float d, size_t mf, size_t me)
{
	size_t c;

#pragma omp simd
	for (c = 0; c < mf; c++)
		gp[c] += d * ow[c] * other[c];
#pragma omp simd
	for (c = 0; c < me; c++)
		gm[c] += gx[c];
}

static double
neumf_loss(struct model *m, const struct model_batch *b, int grad, int train,
    struct ep_rng *rng)
{
	size_t n = b->n, mf = m->mf, me = m->me, L = m->layers, k, c, l;
	size_t wl = m->w[L];
	const float *ow = m->ow->w;
	int dropping = train && m->dropout > 0;
	double loss = 0, scale = 1.0 / (double)n;
	uint64_t seed = 0;
	const float *gx0;
	long bk, blocks = (long)((n + BLOCK_ROWS - 1) / BLOCK_ROWS);

	reserve(m, n);
	if (dropping) {
		seed = (uint64_t)ep_rng_u32(rng) << 32;
		seed |= ep_rng_u32(rng);
	}
	/* Gather the GMF product and the MLP's input, and run the MLP,
	 * block by block (a row's values do not depend on its block). */
#pragma omp parallel for schedule(static) if (n > BLOCK_ROWS)
	for (bk = 0; bk < blocks; bk++) {
		size_t lo = (size_t)bk * BLOCK_ROWS, r, cc, ll;
		size_t hi = lo + BLOCK_ROWS < n ? lo + BLOCK_ROWS : n;

		for (r = lo; r < hi; r++) {
			const float *pu = m->t[T_UMF].w +
			    (size_t)b->user[r] * mf;
			const float *qi = m->t[T_IMF].w +
			    (size_t)b->item[r] * mf;
			float *g = m->gmf + r * mf, *x = m->x[0] + r * 2 * me;

			for (cc = 0; cc < mf; cc++)
				g[cc] = pu[cc] * qi[cc];
			memcpy(x, m->t[T_UMLP].w + (size_t)b->user[r] * me,
			    me * sizeof(float));
			memcpy(x + me, m->t[T_IMLP].w +
			    (size_t)b->item[r] * me, me * sizeof(float));
		}
		for (ll = 0; ll < L; ll++)
			layer_forward(m, ll, lo, hi, dropping, seed);
	}
	/* The output layer and binary cross-entropy with logits, sample by
	 * sample; the losses are added in sample order. */
#pragma omp parallel for schedule(static) if (n > BLOCK_ROWS)
	for (bk = 0; bk < (long)n; bk++) {
		size_t r = (size_t)bk, cc;
		const float *g = m->gmf + r * mf, *x = m->x[L] + r * wl;
		double z = (double)m->ob->w[0], y = (double)b->label[r];
		float s = 0, s2 = 0;

		for (cc = 0; cc < mf; cc++)
			s += g[cc] * ow[cc];
		for (cc = 0; cc < wl; cc++)
			s2 += x[cc] * ow[mf + cc];
		z += (double)s + (double)s2;
		m->lossk[r] = softplus(z) - y * z;
		m->dz[r] = (float)((1 / (1 + exp(-z)) - y) * scale);
	}
	for (k = 0; k < n; k++)
		loss += m->lossk[k];
	loss *= scale;
	if (!grad)
		return loss;

	/* The output layer's gradient, a column at a time over the samples
	 * in order, and d/dx_L through the last ReLU. */
#pragma omp parallel if (n > BLOCK_ROWS)
	{
		long cl, r;

#pragma omp for schedule(static) nowait
		for (cl = 0; cl < (long)(mf + wl); cl++) {
			size_t cc = (size_t)cl, j;
			const float *src = cc < mf ? m->gmf + cc :
			    m->x[L] + (cc - mf);
			size_t ld = cc < mf ? mf : wl;
			float a = m->ow->g[cc];

			for (j = 0; j < n; j++)
				a += m->dz[j] * src[j * ld];
			m->ow->g[cc] = a;
		}
#pragma omp for schedule(static)
		for (r = 0; r < (long)n; r++) {
			const float *x = m->x[L] + (size_t)r * wl;
			float d = m->dz[r], *gx = m->gcur + (size_t)r * m->maxw;
			size_t cc;

			for (cc = 0; cc < wl; cc++)
				gx[cc] = x[cc] > 0 ? d * ow[mf + cc] : 0.0f;
		}
	}
	for (k = 0; k < n; k++)
		m->ob->g[0] += m->dz[k];
	m->ow->touched[0] = 1;
	m->ob->touched[0] = 1;
	/* gcur holds d/d(pre-activation) of the last layer; each block
	 * carries its rows down the MLP and keeps its share of the weight
	 * gradients, summed below in block order. */
#pragma omp parallel for schedule(static) if (n > BLOCK_ROWS)
	for (bk = 0; bk < blocks; bk++) {
		size_t lo = (size_t)bk * BLOCK_ROWS;
		size_t hi = lo + BLOCK_ROWS < n ? lo + BLOCK_ROWS : n;

		layers_backward(m, lo, hi, dropping,
		    m->part + (size_t)bk * m->part_w);
	}
	for (bk = 0; bk < blocks; bk++) {
		const float *p = m->part + (size_t)bk * m->part_w;

		for (l = L; l-- > 0;) {
			size_t in = m->w[l], out = m->w[l + 1];
			float *gw = m->lw[l]->g, *gb = m->lb[l]->g;

			for (k = 0; k < out * in; k++)
				gw[k] += p[k];
			for (c = 0; c < out; c++)
				gb[c] += p[out * in + c];
			p += out * in + out;
		}
	}
	for (l = 0; l < L; l++) {
		memset(m->lw[l]->touched, 1, m->w[l + 1]);
		m->lb[l]->touched[0] = 1;
	}
	/* The input's gradient ends in gcur for an even number of layers,
	 * gnxt for an odd (layers_backward() alternates them). */
	gx0 = L % 2 ? m->gnxt : m->gcur;
	/* Scatter into the tables, in sample order: each thread takes the
	 * users and the items of its share of the ids, so that a row is
	 * written by one thread, whatever their number. */
#pragma omp parallel if (n > BLOCK_ROWS)
	{
		size_t nt = (size_t)omp_get_num_threads();
		size_t me_t = (size_t)omp_get_thread_num();
		uint32_t nu = m->t[T_UMF].rows, ni = m->t[T_IMF].rows;
		uint32_t ulo = (uint32_t)((uint64_t)nu * me_t / nt);
		uint32_t uhi = (uint32_t)((uint64_t)nu * (me_t + 1) / nt);
		uint32_t ilo = (uint32_t)((uint64_t)ni * me_t / nt);
		uint32_t ihi = (uint32_t)((uint64_t)ni * (me_t + 1) / nt);
		size_t r;

		for (r = 0; r < n; r++) {
			uint32_t u = b->user[r], i = b->item[r];
			const float *gx = gx0 + r * m->maxw;

			if (u >= ulo && u < uhi) {
				scatter_half(m->t[T_UMF].g + (size_t)u * mf,
				    m->t[T_UMLP].g + (size_t)u * me,
				    m->t[T_IMF].w + (size_t)i * mf, ow, gx,
				    m->dz[r], mf, me);
				m->t[T_UMF].touched[u] = 1;
				m->t[T_UMLP].touched[u] = 1;
			}
			if (i >= ilo && i < ihi) {
				scatter_half(m->t[T_IMF].g + (size_t)i * mf,
				    m->t[T_IMLP].g + (size_t)i * me,
				    m->t[T_UMF].w + (size_t)u * mf, ow,
				    gx + me, m->dz[r], mf, me);
				m->t[T_IMF].touched[i] = 1;
				m->t[T_IMLP].touched[i] = 1;
			}
		}
	}
	return loss;
}

static void
neumf_mark_rows(struct model *m, const struct model_batch *b)
{
	size_t k;

	for (k = 0; k < b->n; k++) {
		m->t[T_UMF].touched[b->user[k]] = 1;
		m->t[T_UMLP].touched[b->user[k]] = 1;
		m->t[T_IMF].touched[b->item[k]] = 1;
		m->t[T_IMLP].touched[b->item[k]] = 1;
	}
	for (k = T_FIXED; k < m->n_t; k++)
		memset(m->t[k].touched, 1, m->t[k].rows);
}

static void
neumf_stepped(struct model *m)
{
	m->cached = 0;
}

/*
 * The scoring cache: W_0 [0, q'_i] + b_0 for every item, in blocks of
 * TOWER_LANES items, value c of the block's item k at c * TOWER_LANES +
 * k (the items past the last are 0).
 */
static void
neumf_prepare(struct model *m)
{
	size_t ni = m->sp->n_items, h = m->w[1], me = m->me, i, c;
	size_t nb = (ni + TOWER_LANES - 1) / TOWER_LANES;
	float *qi = ep_xaligned(ni * h, sizeof(float));

	if (m->qw == NULL)
		m->qw = ep_xaligned(nb * TOWER_LANES * h, sizeof(float));
	for (i = 0; i < ni; i++)
		memcpy(qi + i * h, m->lb[0]->w, h * sizeof(float));
	/* W_0's item half is its columns me .. 2 me. */
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)ni, (int)h,
	    (int)me, 1.0f, m->t[T_IMLP].w, (int)me, m->lw[0]->w + me,
	    (int)(2 * me), 1.0f, qi, (int)h);
	memset(m->qw, 0, nb * TOWER_LANES * h * sizeof(float));
	for (i = 0; i < ni; i++)
		for (c = 0; c < h; c++)
			m->qw[(i / TOWER_LANES * h + c) * TOWER_LANES +
			    i % TOWER_LANES] = qi[i * h + c];
	free(qi);
	m->cached = 1;
}

/*
 * The MLP tower for a block of TOWER_LANES items: from the cached item
 * halves qb and the user's half ub of the first layer, the MLP's part
 * of each item's logit, w_mlp . x_L + b, into z. Lanes are items, so a
 * weight is broadcast and multiplied into every item at once. xa and xb
 * hold maxw x TOWER_LANES floats each.
 */
static void
tower_plain(const struct model *m, const float *qb, const float *ub,
    float *xa, float *xb, float *z)
{
	const float *wout = m->ow->w + m->mf;
	size_t h = m->w[1], L = m->layers, l, c, o, k;
	float *cur = xa, *nxt = xb, *t;

	for (c = 0; c < h; c++)
		for (k = 0; k < TOWER_LANES; k++) {
			float v = qb[c * TOWER_LANES + k] + ub[c];

			cur[c * TOWER_LANES + k] = v > 0 ? v : 0.0f;
		}
	for (l = 1; l < L; l++) {
		size_t in = m->w[l], out = m->w[l + 1];
		const float *W = m->lw[l]->w, *b = m->lb[l]->w;

		for (o = 0; o < out; o++) {
			float acc[TOWER_LANES];

			for (k = 0; k < TOWER_LANES; k++)
				acc[k] = b[o];
			for (c = 0; c < in; c++)
				for (k = 0; k < TOWER_LANES; k++)
					acc[k] += W[o * in + c] *
					    cur[c * TOWER_LANES + k];
			for (k = 0; k < TOWER_LANES; k++)
				nxt[o * TOWER_LANES + k] = acc[k] > 0 ?
				    acc[k] : 0.0f;
		}
		t = cur;
		cur = nxt;
		nxt = t;
	}
	for (k = 0; k < TOWER_LANES; k++)
		z[k] = m->ob->w[0];
	for (c = 0; c < m->w[L]; c++)
		for (k = 0; k < TOWER_LANES; k++)
			z[k] += wout[c] * cur[c * TOWER_LANES + k];
}

#if defined(__x86_64__) && defined(__GNUC__)
#define HAVE_TOWER_AVX2 1
/* acc + w[0] * x, a weight broadcast to the lanes, fused. */
#define TOWER_FMA(acc, w, x) \
	((acc) = _mm256_fmadd_ps(_mm256_broadcast_ss(w), (x), (acc)))

/* tower_plain() in AVX2 and FMA: four outputs a pass, each two
 * accumulators of eight items, so that a broadcast weight serves two
 * multiply-adds and a loaded input four. */
__attribute__((target("avx2,fma")))
static void
tower_avx2(const struct model *m, const float *qb, const float *ub,
    float *xa, float *xb, float *z)
{
	const __m256 zero = _mm256_setzero_ps();
	const float *wout = m->ow->w + m->mf;
	size_t h = m->w[1], L = m->layers, l, c, o;
	float *cur = xa, *nxt = xb, *t;
	__m256 acc, acc2;

	for (c = 0; c < 2 * h; c++)
		_mm256_store_ps(cur + 8 * c, _mm256_max_ps(_mm256_add_ps(
		    _mm256_load_ps(qb + 8 * c), _mm256_set1_ps(ub[c / 2])),
		    zero));
	for (l = 1; l < L; l++) {
		size_t in = m->w[l], out = m->w[l + 1];
		const float *W = m->lw[l]->w, *b = m->lb[l]->w;

		for (o = 0; o + 4 <= out; o += 4) {
			const float *w0 = W + o * in;
			__m256 a0 = _mm256_set1_ps(b[o]), b0 = a0,
			    a1 = _mm256_set1_ps(b[o + 1]), b1 = a1,
			    a2 = _mm256_set1_ps(b[o + 2]), b2 = a2,
			    a3 = _mm256_set1_ps(b[o + 3]), b3 = a3;

			for (c = 0; c < in; c++) {
				__m256 x = _mm256_load_ps(cur + 16 * c),
				    y = _mm256_load_ps(cur + 16 * c + 8), wv;

				wv = _mm256_broadcast_ss(w0 + c);
				a0 = _mm256_fmadd_ps(wv, x, a0);
				b0 = _mm256_fmadd_ps(wv, y, b0);
				wv = _mm256_broadcast_ss(w0 + in + c);
				a1 = _mm256_fmadd_ps(wv, x, a1);
				b1 = _mm256_fmadd_ps(wv, y, b1);
				wv = _mm256_broadcast_ss(w0 + 2 * in + c);
				a2 = _mm256_fmadd_ps(wv, x, a2);
				b2 = _mm256_fmadd_ps(wv, y, b2);
				wv = _mm256_broadcast_ss(w0 + 3 * in + c);
				a3 = _mm256_fmadd_ps(wv, x, a3);
				b3 = _mm256_fmadd_ps(wv, y, b3);
			}
			_mm256_store_ps(nxt + 16 * o, _mm256_max_ps(a0, zero));
			_mm256_store_ps(nxt + 16 * o + 8, _mm256_max_ps(b0, zero));
			_mm256_store_ps(nxt + 16 * (o + 1),
			    _mm256_max_ps(a1, zero));
			_mm256_store_ps(nxt + 16 * (o + 1) + 8,
			    _mm256_max_ps(b1, zero));
			_mm256_store_ps(nxt + 16 * (o + 2),
			    _mm256_max_ps(a2, zero));
			_mm256_store_ps(nxt + 16 * (o + 2) + 8,
			    _mm256_max_ps(b2, zero));
			_mm256_store_ps(nxt + 16 * (o + 3),
			    _mm256_max_ps(a3, zero));
			_mm256_store_ps(nxt + 16 * (o + 3) + 8,
			    _mm256_max_ps(b3, zero));
		}
		for (; o < out; o++) {
			acc = acc2 = _mm256_set1_ps(b[o]);
			for (c = 0; c < in; c++) {
				TOWER_FMA(acc, W + o * in + c,
				    _mm256_load_ps(cur + 16 * c));
				TOWER_FMA(acc2, W + o * in + c,
				    _mm256_load_ps(cur + 16 * c + 8));
			}
			_mm256_store_ps(nxt + 16 * o, _mm256_max_ps(acc, zero));
			_mm256_store_ps(nxt + 16 * o + 8,
			    _mm256_max_ps(acc2, zero));
		}
		t = cur;
		cur = nxt;
		nxt = t;
	}
	acc = acc2 = _mm256_set1_ps(m->ob->w[0]);
	for (c = 0; c < m->w[L]; c++) {
		TOWER_FMA(acc, wout + c, _mm256_load_ps(cur + 16 * c));
		TOWER_FMA(acc2, wout + c, _mm256_load_ps(cur + 16 * c + 8));
	}
	_mm256_storeu_ps(z, acc);
	_mm256_storeu_ps(z + 8, acc2);
}

#define HAVE_TOWER_AVX512 1
#define TOWER_FMA16(acc, w, x) \
	((acc) = _mm512_fmadd_ps(_mm512_set1_ps(*(w)), (x), (acc)))
/*
 * tower_avx2() in AVX-512: a block's sixteen items in one vector, eight
 * outputs a pass (eight accumulators, each weight broadcast from memory
 * into one multiply-add), half the instructions on CPUs whose two FMA
 * units are 512 bits wide. Every lane takes the same multiply-adds in
 * the same order as in tower_avx2(), so the scores are the same bit for
 * bit.
 */
__attribute__((target("avx512f")))
static void
tower_avx512(const struct model *m, const float *qb, const float *ub,
    float *xa, float *xb, float *z)
{
	const __m512 zero = _mm512_setzero_ps();
	const float *wout = m->ow->w + m->mf;
	size_t h = m->w[1], L = m->layers, l, c, o;
	float *cur = xa, *nxt = xb, *t;
	__m512 acc;

	for (c = 0; c < h; c++)
		_mm512_store_ps(cur + 16 * c, _mm512_max_ps(_mm512_add_ps(
		    _mm512_load_ps(qb + 16 * c), _mm512_set1_ps(ub[c])),
		    zero));
	for (l = 1; l < L; l++) {
		size_t in = m->w[l], out = m->w[l + 1];
		const float *W = m->lw[l]->w, *b = m->lb[l]->w;

		for (o = 0; o + 8 <= out; o += 8) {
			const float *w0 = W + o * in;
			__m512 a0 = _mm512_set1_ps(b[o]),
			    a1 = _mm512_set1_ps(b[o + 1]),
			    a2 = _mm512_set1_ps(b[o + 2]),
			    a3 = _mm512_set1_ps(b[o + 3]),
			    a4 = _mm512_set1_ps(b[o + 4]),
			    a5 = _mm512_set1_ps(b[o + 5]),
			    a6 = _mm512_set1_ps(b[o + 6]),
			    a7 = _mm512_set1_ps(b[o + 7]);

			/* Written out, so that the accumulators stay in
			 * registers. */
			for (c = 0; c < in; c++) {
				__m512 x = _mm512_load_ps(cur + 16 * c);

				TOWER_FMA16(a0, w0 + c, x);
				TOWER_FMA16(a1, w0 + in + c, x);
				TOWER_FMA16(a2, w0 + 2 * in + c, x);
				TOWER_FMA16(a3, w0 + 3 * in + c, x);
				TOWER_FMA16(a4, w0 + 4 * in + c, x);
				TOWER_FMA16(a5, w0 + 5 * in + c, x);
				TOWER_FMA16(a6, w0 + 6 * in + c, x);
				TOWER_FMA16(a7, w0 + 7 * in + c, x);
			}
			_mm512_store_ps(nxt + 16 * o, _mm512_max_ps(a0, zero));
			_mm512_store_ps(nxt + 16 * (o + 1),
			    _mm512_max_ps(a1, zero));
			_mm512_store_ps(nxt + 16 * (o + 2),
			    _mm512_max_ps(a2, zero));
			_mm512_store_ps(nxt + 16 * (o + 3),
			    _mm512_max_ps(a3, zero));
			_mm512_store_ps(nxt + 16 * (o + 4),
			    _mm512_max_ps(a4, zero));
			_mm512_store_ps(nxt + 16 * (o + 5),
			    _mm512_max_ps(a5, zero));
			_mm512_store_ps(nxt + 16 * (o + 6),
			    _mm512_max_ps(a6, zero));
			_mm512_store_ps(nxt + 16 * (o + 7),
			    _mm512_max_ps(a7, zero));
		}
		for (; o < out; o++) {
			acc = _mm512_set1_ps(b[o]);
			for (c = 0; c < in; c++)
				TOWER_FMA16(acc, W + o * in + c,
				    _mm512_load_ps(cur + 16 * c));
			_mm512_store_ps(nxt + 16 * o, _mm512_max_ps(acc, zero));
		}
		t = cur;
		cur = nxt;
		nxt = t;
	}
	acc = _mm512_set1_ps(m->ob->w[0]);
	for (c = 0; c < m->w[L]; c++)
		TOWER_FMA16(acc, wout + c, _mm512_load_ps(cur + 16 * c));
	_mm512_storeu_ps(z, acc);
}
#endif

static void
neumf_score(struct model *m, const uint32_t *users, size_t n, float *out)
{
	size_t ni = m->sp->n_items, mf = m->mf, me = m->me, h = m->w[1];
	size_t nb = (ni + TOWER_LANES - 1) / TOWER_LANES, j, b, k;
	float *xa, *xb, *ub, *pw, z[TOWER_LANES];
	void (*tower)(const struct model *, const float *, const float *,
	    float *, float *, float *) = tower_plain;

#ifdef HAVE_TOWER_AVX2
	if (__builtin_cpu_supports("avx512f"))
		tower = tower_avx512;
	else if (__builtin_cpu_supports("avx2") &&
	    __builtin_cpu_supports("fma"))
		tower = tower_avx2;
#endif
	xa = ep_xaligned(m->maxw * TOWER_LANES, sizeof(float));
	xb = ep_xaligned(m->maxw * TOWER_LANES, sizeof(float));
	ub = ep_xaligned(h, sizeof(float));
	pw = ep_xaligned(mf, sizeof(float));
	for (j = 0; j < n; j++) {
		const float *pm = m->t[T_UMLP].w + (size_t)users[j] * me;
		const float *pf = m->t[T_UMF].w + (size_t)users[j] * mf;
		float *row = out + j * ni;

		/* First layer: the user's half plus the cached item half;
		 * the tower gives x_L . w_mlp + b, TOWER_LANES items at a
		 * time. */
		cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)h, (int)me, 1.0f,
		    m->lw[0]->w, (int)(2 * me), pm, 1, 0.0f, ub, 1);
		for (b = 0; b < nb; b++) {
			size_t first = b * TOWER_LANES;

			tower(m, m->qw + first * h, ub, xa, xb, z);
			for (k = 0; k < TOWER_LANES && first + k < ni; k++)
				row[first + k] = z[k];
		}
		/* z += q_i . (p_u * w_gmf). */
		for (k = 0; k < mf; k++)
			pw[k] = pf[k] * m->ow->w[k];
		cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)ni, (int)mf, 1.0f,
		    m->t[T_IMF].w, (int)mf, pw, 1, 1.0f, row, 1);
	}
	free(xa);
	free(xb);
	free(ub);
	free(pw);
}

static void
neumf_stats(const struct model *m, struct model_stats *st)
{
	double nu = m->sp->n_users, ni = m->sp->n_items;
	double mf = (double)m->mf, me = (double)m->me;
	double N = (double)m->sp->part[MODEL_TRAIN].nnz, S = 2 * N;
	double steps = ceil(N / 1024), mac = 0, dense = 0, wl;
	size_t l;

	for (l = 0; l < m->layers; l++) {
		mac += (double)m->w[l] * (double)m->w[l + 1];
		dense += (double)m->w[l] * (double)m->w[l + 1] +
		    (double)m->w[l + 1];
	}
	wl = (double)m->w[m->layers];
	dense += mf + wl + 1;
	st->params = (nu + ni) * (mf + me) + dense;
	/* A sample: the MLP's GEMMs forward (2 mac) and backward (4 mac),
	 * the GMF product, output layer and scatter; Adam's dense semantics
	 * update every parameter every step (about 10 flops each). */
	st->flops_epoch = S * (6 * mac + 6 * mf + 6 * wl + 2 * me +
	    8 * me) + steps * st->params * 10;
	/* A user against all items: its half of the first layer, then per
	 * item the add and ReLU, the deeper layers' GEMMs and the output. */
	mac -= (double)m->w[0] / 2 * (double)m->w[1];
	st->flops_user = 2 * me * (double)m->w[1] + ni * (2 * (double)m->w[1] +
	    2 * mac + 2 * wl + 2 * mf);
	/* Weights, gradients, Adam's moments; the batch workspace (2048
	 * rows) and its blocks' weight gradients; the scoring cache. */
	st->bytes = (st->params * 4 + 2048.0 * (3 * (double)m->w[0] + mf +
	    3 * (double)m->maxw + 1) + 2048.0 / BLOCK_ROWS * (dense - mf -
	    wl - 1) + ni * (double)m->w[1]) * sizeof(float);
}

static void
neumf_free(struct model *m)
{
	size_t k;

	for (k = 0; k < m->n_t; k++)
		model_tensor_release(&m->t[k]);
	for (k = 0; k <= m->layers; k++)
		free(m->x[k]);
	for (k = 0; k < m->layers; k++) {
		free(m->a[k]);
		free(m->keep[k]);
	}
	free(m->gmf);
	free(m->dz);
	free(m->lossk);
	free(m->gcur);
	free(m->gnxt);
	free(m->part);
	free(m->qw);
	free(m);
}

const struct model_ops model_neumf_ops = {
	.name = "neumf",
	.title = "NeuMF",
	.summary = "neural matrix factorisation: GMF and MLP towers, "
	    "pointwise",
	.sampling = MODEL_SAMPLE_POINTWISE,
	.params = params,
	.create = neumf_create,
	.tensors = neumf_tensors,
	.loss = neumf_loss,
	.mark_rows = neumf_mark_rows,
	.stepped = neumf_stepped,
	.prepare = neumf_prepare,
	.score = neumf_score,
	.stats = neumf_stats,
	.free = neumf_free,
};
