/*
 * MultiVAE (Liang et al. 2018) as RecBole implements it. A user's binary
 * training row x_u (all items) is L2-normalised, passed through dropout
 * (training only) and encoded,
 *   h  = tanh(W0 dropout(x_u / ||x_u||) + b0)          (H = 600)
 *   e  = W1 h + b1                                      (latent 128)
 *   mu = e[0 .. 64), logvar = e[64 .. 128)
 *   z  = mu + eps * exp(logvar / 2)   in training, eps ~ N(0, 0.01^2)
 *   z  = mu                           otherwise
 * then decoded, logits = W3 tanh(W2 z + b2) + b3 (all items). The loss
 * over a batch of users is the multinomial negative log-likelihood
 * -mean_u sum_i x_ui log softmax(logits_u)_i plus beta times the KL term
 * -1/2 mean_u sum (1 + logvar - mu^2 - exp(logvar)), where beta =
 * min(anneal_cap, update / total_anneal_steps) and update counts the
 * training batches so far, incremented before use (RecBole's
 * self.update); total_anneal_steps = 0 gives beta = anneal_cap. Xavier-
 * normal weights, zero biases. Scores are the decoder's logits from mu.
 *
 * Randomness (dropout and eps) is used only when training (train = 1),
 * drawn from the rng in a fixed order; with train = 0 there is no dropout
 * and eps = 0 (z = mu), which is RecBole's evaluation mode, so gradient
 * checks with train = 0 cover the KL term through mu and logvar, and with
 * train = 1, dropout_prob = 0 and a re-seeded rng the path through eps.
 *
 * The input is sparse: the first layer sums the columns of W0 for the
 * user's items (stored as rows, I x H, the transpose of PyTorch's
 * weight), which is the dense product's arithmetic without the zeros.
 * The other layers are SGEMMs; the large ones (anything touching all
 * items) are split into fixed blocks of rows run in parallel, so that
 * results do not depend on the thread count.
 */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "models/kernels.h"
#include "models/model.h"
#include "models/panel.h"
#include "models/vmath.h"
#include "core/banned.h"

/* Rows of a GEMM block, and the multiply-adds below which a GEMM runs on
 * one thread (a parallel region costs more than it saves on a loaded
 * machine). */
#define BLOCK_ROWS 256
#define PAR_MIN ((size_t)1 << 25)
#define EPS_STD 0.01

enum { T_E0W, T_E0B, T_E1W, T_E1B, T_D0W, T_D0B, T_D1W, T_D1B, T_COUNT };

struct model {
	const struct model_split *sp;
	const struct model_csr *hist;	/* training rows */
	size_t H;		/* hidden width */
	size_t lat;		/* encoder output: mu and logvar */
	size_t zd;		/* lat / 2 */
	double dropout;
	double anneal_cap;
	double total_anneal;
	long update;		/* training batches so far */
	uint32_t drop_below;
	float keep_mul;
	struct model_tensor t[T_COUNT];
	/* Batch workspace for cap users. */
	size_t cap;
	float *h1, *e, *eps, *z, *d1, *lg;
	float *gd1, *gz, *ge, *gh1;
	float *s;		/* each user's input scale */
	double *part;		/* each user's log-likelihood and KL */
	size_t *off;		/* each user's first entry in keep */
	unsigned char *keep;	/* dropout of each history entry */
	size_t keep_cap;
	struct model_panel out;	/* the output layer, packed for scoring */
};

static const struct model_param params[] = {
	{ "mlp_hidden_size", MODEL_PARAM_INT, 600, 1, 65536, NULL,
	    "width of the encoder's and decoder's hidden layer (RecBole's "
	    "mlp_hidden_size [600]; one layer)" },
	{ "latent_dimension", MODEL_PARAM_INT, 128, 2, 65536, NULL,
	    "encoder output, mu and logvar (even; z has half of it)" },
	{ "dropout_prob", MODEL_PARAM_REAL, 0.5, 0, 0.99, NULL,
	    "dropout of the normalised input in training" },
	{ "anneal_cap", MODEL_PARAM_REAL, 0.2, 0, 1e6, NULL,
	    "largest weight of the KL term" },
	{ "total_anneal_steps", MODEL_PARAM_INT, 200000, 0, 1e12, NULL,
	    "training batches over which the KL weight grows to anneal_cap; "
	    "0: anneal_cap from the start" },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

static struct model *
multivae_create(const struct model_split *sp, const struct model_hp *hp,
    struct ep_rng *rng, struct ep_err *err)
{
	struct model *m;
	size_t ni = sp->n_items, H, lat, zd;
	struct model_tensor *t;
	int k;

	lat = (size_t)model_hp_get(hp, "latent_dimension");
	if (lat % 2 != 0) {
		ep_fail(err, EP_EUSAGE, "latent_dimension: %zu: expected an "
		    "even number", lat);
		return NULL;
	}
	m = ep_xcalloc(1, sizeof *m);
	m->sp = sp;
	m->hist = &sp->part[MODEL_TRAIN];
	m->H = H = (size_t)model_hp_get(hp, "mlp_hidden_size");
	m->lat = lat;
	m->zd = zd = lat / 2;
	m->dropout = model_hp_get(hp, "dropout_prob");
	m->anneal_cap = model_hp_get(hp, "anneal_cap");
	m->total_anneal = model_hp_get(hp, "total_anneal_steps");
	m->drop_below = (uint32_t)fmin(m->dropout * 4294967296.0,
	    4294967295.0);
	m->keep_mul = (float)(1.0 / (1.0 - m->dropout));
	t = m->t;
	model_tensor_alloc(&t[T_E0W], "encoder0.weight_t", ni, H);
	model_tensor_alloc(&t[T_E0B], "encoder0.bias", 1, H);
	model_tensor_alloc(&t[T_E1W], "encoder1.weight", lat, H);
	model_tensor_alloc(&t[T_E1B], "encoder1.bias", 1, lat);
	model_tensor_alloc(&t[T_D0W], "decoder0.weight", H, zd);
	model_tensor_alloc(&t[T_D0B], "decoder0.bias", 1, H);
	model_tensor_alloc(&t[T_D1W], "decoder1.weight", ni, H);
	model_tensor_alloc(&t[T_D1B], "decoder1.bias", 1, ni);
	/* Xavier-normal with PyTorch's fans; RecBole's item dimension has
	 * the [PAD] id too. */
	model_init_normal(t[T_E0W].w, ni * H, sqrt(2.0 / (double)(ni + 1 + H)),
	    rng);
	model_init_xavier_normal(t[T_E1W].w, lat, H, rng);
	model_init_xavier_normal(t[T_D0W].w, H, zd, rng);
	model_init_normal(t[T_D1W].w, ni * H, sqrt(2.0 / (double)(ni + 1 + H)),
	    rng);
	for (k = T_E0B; k < T_COUNT; k += 2)
		memset(t[k].w, 0, t[k].cols * sizeof(float));
	return m;
}

static struct model_tensor *
multivae_tensors(struct model *m, size_t *n)
{
	*n = T_COUNT;
	return m->t;
}

/* Frees the batch workspace. */
static void
release_workspace(struct model *m)
{
	free(m->h1);
	free(m->e);
	free(m->eps);
	free(m->z);
	free(m->d1);
	free(m->lg);
	free(m->gd1);
	free(m->gz);
	free(m->ge);
	free(m->gh1);
	free(m->s);
	free(m->part);
	free(m->off);
}

/* Grows the batch workspace to n users (once, at the first batch). */
static void
reserve(struct model *m, size_t n)
{
	size_t ni = m->sp->n_items;

	if (n <= m->cap)
		return;
	release_workspace(m);
	m->h1 = ep_xaligned(n * m->H, sizeof(float));
	m->e = ep_xaligned(n * m->lat, sizeof(float));
	m->eps = ep_xaligned(n * m->zd, sizeof(float));
	m->z = ep_xaligned(n * m->zd, sizeof(float));
	m->d1 = ep_xaligned(n * m->H, sizeof(float));
	m->lg = ep_xaligned(n * ni, sizeof(float));
	m->gd1 = ep_xaligned(n * m->H, sizeof(float));
	m->gz = ep_xaligned(n * m->zd, sizeof(float));
	m->ge = ep_xaligned(n * m->lat, sizeof(float));
	m->gh1 = ep_xaligned(n * m->H, sizeof(float));
	m->s = ep_xaligned(n, sizeof(float));
	m->part = ep_xaligned(2 * n, sizeof(double));
	m->off = ep_xaligned(n + 1, sizeof(size_t));
	m->cap = n;
}

/*
 * C (rows x cols) = op(A) op(B) + beta C, row-major, in fixed blocks of
 * BLOCK_ROWS rows of C, in parallel when large. op(A)'s rows are A's
 * rows, or with ta A's columns.
 */
static void
gemm_rows(int ta, int tb, size_t rows, size_t cols, size_t k,
    const float *A, size_t lda, const float *B, size_t ldb, float beta,
    float *C, size_t ldc)
{
	size_t nb = (rows + BLOCK_ROWS - 1) / BLOCK_ROWS;
	long b;

#pragma omp parallel for schedule(dynamic, 1) if (nb > 1 && \
    rows * cols * k > PAR_MIN)
	for (b = 0; b < (long)nb; b++) {
		size_t r0 = (size_t)b * BLOCK_ROWS;
		size_t r = rows - r0 < BLOCK_ROWS ? rows - r0 : BLOCK_ROWS;

		cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans,
		    tb ? CblasTrans : CblasNoTrans, (int)r, (int)cols, (int)k,
		    1.0f, ta ? A + r0 : A + r0 * lda, (int)lda, B, (int)ldb,
		    beta, C + r0 * ldc, (int)ldc);
	}
}

/* Adds the bias b (w wide) to each of n rows of x, then tanh (four at
 * a time, models/vmath.h: glibc's tanhf, one value a call, took a sixth
 * of a validation pass). */
static void
bias_tanh(float *x, const float *b, size_t n, size_t w)
{
	size_t k, c;

	for (k = 0; k < n; k++) {
		float *r = x + k * w;

		for (c = 0; c < w; c++)
			r[c] += b[c];
		model_tanh_span(r, r, 1.0f, w);
	}
}

/*
 * The encoder's first layer for users[0..n): h1 = tanh(b0 + s_u * sum of
 * the rows of W0 of u's (kept) items); keep NULL: no dropout; par: in
 * parallel over users when large.
 */
static void
encode_first(const struct model *m, const uint32_t *users, size_t n,
    const float *s, const size_t *off, const unsigned char *keep, int par,
    float *h1)
{
	const struct model_csr *h = m->hist;
	const float *W = m->t[T_E0W].w, *b0 = m->t[T_E0B].w;
	size_t H = m->H;
	long k;

#pragma omp parallel for schedule(dynamic, 16) if (par && n > 1 && \
    h->nnz * H > PAR_MIN)
	for (k = 0; k < (long)n; k++) {
		uint32_t u = users[k];
		const uint32_t *row = h->col + h->rowptr[u];
		size_t len = model_csr_row_len(h, u), j;
		float *r = h1 + (size_t)k * H;

		const float *x[4];
		int q = 0;

		memset(r, 0, H * sizeof(float));
		/* The kept rows four at a time, in order: the same sums as
		 * one at a time, with r read and written a quarter as often
		 * (the loads and stores of r bound the loop, not W's rows). */
		for (j = 0; j < len; j++) {
			if (keep != NULL && !keep[off[k] + j])
				continue;
			x[q++] = W + (size_t)row[j] * H;
			if (q == 4) {
				model_axpy4(r, s[k], x[0], x[1], x[2], x[3], H);
				q = 0;
			}
		}
		for (j = 0; j < (size_t)q; j++)
			model_axpy(r, s[k], x[j], H);
	}
	bias_tanh(h1, b0, n, H);
}

/* 1 / max(||x_u||, 1e-12), F.normalize of a binary row. */
static float
norm_scale(const struct model *m, uint32_t u)
{
	double len = (double)model_csr_row_len(m->hist, u);

	return (float)(1 / fmax(sqrt(len), 1e-12));
}

static double
multivae_loss(struct model *m, const struct model_batch *b, int grad,
    int train, struct ep_rng *rng)
{
	const struct model_csr *h = m->hist;
	size_t n = b->n, ni = m->sp->n_items, H = m->H, lat = m->lat;
	size_t zd = m->zd, k, c, tot;
	int dropping = train && m->dropout > 0;
	double beta, ce = 0, kl = 0, inv = 1.0 / (double)n;
	long r;

	if (train && grad)
		m->update++;
	beta = m->total_anneal > 0 ? fmin(m->anneal_cap, (double)m->update /
	    m->total_anneal) : m->anneal_cap;
	reserve(m, n);
	/* Input scales and dropout, drawn entry by entry in batch order. */
	tot = 0;
	for (k = 0; k < n; k++) {
		m->off[k] = tot;
		m->s[k] = norm_scale(m, b->user[k]) *
		    (dropping ? m->keep_mul : 1.0f);
		tot += model_csr_row_len(h, b->user[k]);
	}
	m->off[n] = tot;
	if (dropping) {
		if (tot > m->keep_cap) {
			free(m->keep);
			m->keep_cap = tot + tot / 2;
			m->keep = ep_xaligned(m->keep_cap, 1);
		}
		for (k = 0; k < tot; k++)
			m->keep[k] = ep_rng_u32(rng) >= m->drop_below;
	}
	encode_first(m, b->user, n, m->s, m->off, dropping ? m->keep : NULL,
	    1, m->h1);
	for (k = 0; k < n; k++)
		memcpy(m->e + k * lat, m->t[T_E1B].w, lat * sizeof(float));
	gemm_rows(0, 1, n, lat, H, m->h1, H, m->t[T_E1W].w, H, 1.0f, m->e, lat);
	/* z = mu + eps * sigma. */
	for (k = 0; k < n; k++) {
		const float *mu = m->e + k * lat, *lv = mu + zd;
		float *z = m->z + k * zd, *ep = m->eps + k * zd;

		for (c = 0; c < zd; c++) {
			ep[c] = train ? (float)(EPS_STD * ep_rng_normal(rng)) : 0;
			z[c] = mu[c] + ep[c] * expf(0.5f * lv[c]);
		}
	}
	gemm_rows(0, 1, n, H, zd, m->z, zd, m->t[T_D0W].w, zd, 0.0f, m->d1, H);
	bias_tanh(m->d1, m->t[T_D0B].w, n, H);
	for (k = 0; k < n; k++)
		memcpy(m->lg + k * ni, m->t[T_D1B].w, ni * sizeof(float));
	gemm_rows(0, 1, n, ni, H, m->d1, H, m->t[T_D1W].w, H, 1.0f, m->lg, ni);

	/* Log-softmax, the log-likelihood of the history and (in place)
	 * d/dlogits = (|R_u| softmax - x_u) / n; and the KL term. */
#pragma omp parallel for schedule(static) if (n > 1 && n * ni > PAR_MIN / 8)
	for (r = 0; r < (long)n; r++) {
		uint32_t u = b->user[r];
		float *l = m->lg + (size_t)r * ni;
		const uint32_t *row = h->col + h->rowptr[u];
		size_t len = model_csr_row_len(h, u), i, j, w;
		const float *mu = m->e + (size_t)r * lat, *lv = mu + zd;
		double se = 0, lse, hs = 0, kk = 0;
		float mx = -INFINITY, ex[256], f;

		/* The max and the sum in vector lanes (a NaN logit makes the
		 * loss NaN either way). */
#pragma omp simd reduction(max:mx)
		for (i = 0; i < ni; i++)
			mx = l[i] > mx ? l[i] : mx;
		for (i = 0; i < len; i++)
			hs += (double)l[row[i]];
		/* exp(l - max) in float, four at a time (models/vmath.h),
		 * summed in double; with grad, kept in l for the softmax. */
		for (i = 0; i < ni; i += w) {
			w = ni - i < 256 ? ni - i : 256;
			model_exp_span(ex, l + i, -mx, w);
#pragma omp simd reduction(+:se)
			for (j = 0; j < w; j++)
				se += (double)ex[j];
			if (grad)
				memcpy(l + i, ex, w * sizeof(float));
		}
		lse = (double)mx + log(se);
		m->part[2 * r] = (double)len * lse - hs;
		for (i = 0; i < zd; i++)
			kk += 1 + (double)lv[i] - (double)mu[i] * (double)mu[i] -
			    exp((double)lv[i]);
		m->part[2 * r + 1] = -0.5 * kk;
		if (!grad)
			continue;
		f = (float)((double)len * inv / se);
		for (i = 0; i < ni; i++)
			l[i] *= f;
		for (i = 0; i < len; i++)
			l[row[i]] -= (float)inv;
	}
	for (k = 0; k < n; k++) {
		ce += m->part[2 * k];
		kl += m->part[2 * k + 1];
	}
	if (!grad)
		return (ce + beta * kl) * inv;

	/* Decoder output layer. */
	gemm_rows(1, 0, ni, H, n, m->lg, ni, m->d1, H, 1.0f, m->t[T_D1W].g, H);
	for (k = 0; k < n; k++)
		model_axpy(m->t[T_D1B].g, 1.0f, m->lg + k * ni, ni);
	gemm_rows(0, 0, n, H, ni, m->lg, ni, m->t[T_D1W].w, H, 0.0f, m->gd1, H);
	/* Through tanh, then the decoder's first layer. */
	for (k = 0; k < n * H; k++)
		m->gd1[k] *= 1 - m->d1[k] * m->d1[k];
	gemm_rows(1, 0, H, zd, n, m->gd1, H, m->z, zd, 1.0f, m->t[T_D0W].g, zd);
	for (k = 0; k < n; k++)
		model_axpy(m->t[T_D0B].g, 1.0f, m->gd1 + k * H, H);
	gemm_rows(0, 0, n, zd, H, m->gd1, H, m->t[T_D0W].w, zd, 0.0f, m->gz,
	    zd);
	/* Through the reparameterisation and the KL term. */
	for (k = 0; k < n; k++) {
		const float *mu = m->e + k * lat, *lv = mu + zd;
		const float *gz = m->gz + k * zd, *ep = m->eps + k * zd;
		float *ge = m->ge + k * lat;

		for (c = 0; c < zd; c++) {
			double ev = exp((double)lv[c]);

			ge[c] = (float)((double)gz[c] + beta * inv * (double)mu[c]);
			ge[zd + c] = (float)((double)gz[c] * (double)ep[c] * 0.5 *
			    sqrt(ev) + beta * inv * 0.5 * (ev - 1));
		}
	}
	gemm_rows(1, 0, lat, H, n, m->ge, lat, m->h1, H, 1.0f, m->t[T_E1W].g,
	    H);
	for (k = 0; k < n; k++)
		model_axpy(m->t[T_E1B].g, 1.0f, m->ge + k * lat, lat);
	gemm_rows(0, 0, n, H, lat, m->ge, lat, m->t[T_E1W].w, H, 0.0f, m->gh1,
	    H);
	for (k = 0; k < n * H; k++)
		m->gh1[k] *= 1 - m->h1[k] * m->h1[k];
	/* The first layer's rows, in batch order. */
	for (k = 0; k < n; k++) {
		uint32_t u = b->user[k];
		const uint32_t *row = h->col + h->rowptr[u];
		size_t len = model_csr_row_len(h, u), j;
		const float *g = m->gh1 + k * H;

		for (j = 0; j < len; j++)
			if (!dropping || m->keep[m->off[k] + j])
				model_axpy(m->t[T_E0W].g + (size_t)row[j] * H,
				    m->s[k], g, H);
		model_axpy(m->t[T_E0B].g, 1.0f, g, H);
	}
	for (k = 0; k < T_COUNT; k++)
		memset(m->t[k].touched, 1, m->t[k].rows);
	return (ce + beta * kl) * inv;
}

/* Every row: the decoder's output layer has a gradient in every row, and
 * Adam's dense semantics move the others too. */
static void
multivae_mark_rows(struct model *m, const struct model_batch *b)
{
	size_t k;

	(void)b;
	for (k = 0; k < T_COUNT; k++)
		memset(m->t[k].touched, 1, m->t[k].rows);
}

static void
multivae_score(struct model *m, const uint32_t *users, size_t n, float *out)
{
	size_t ni = m->sp->n_items, H = m->H, lat = m->lat, zd = m->zd, k;
	float *s = ep_xaligned(n, sizeof(float));
	float *h1 = ep_xaligned(n * H, sizeof(float));
	float *e = ep_xaligned(n * lat, sizeof(float));
	float *d1 = ep_xaligned(n * H, sizeof(float));

	for (k = 0; k < n; k++)
		s[k] = norm_scale(m, users[k]);
	encode_first(m, users, n, s, NULL, NULL, 0, h1);
	for (k = 0; k < n; k++)
		memcpy(e + k * lat, m->t[T_E1B].w, lat * sizeof(float));
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)lat,
	    (int)H, 1.0f, h1, (int)H, m->t[T_E1W].w, (int)H, 1.0f, e, (int)lat);
	/* z = mu: the first half of each row of e. */
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)H,
	    (int)zd, 1.0f, e, (int)lat, m->t[T_D0W].w, (int)zd, 0.0f, d1,
	    (int)H);
	bias_tanh(d1, m->t[T_D0B].w, n, H);
	/* The output layer, most of the work: with its weights packed by
	 * prepare() where the CPU has a kernel for them, else SGEMM. */
	if (model_panel_holds(&m->out, m->t[T_D1W].w, ni, H)) {
		model_panel_score(&m->out, d1, NULL, n, out);
	} else {
		for (k = 0; k < n; k++)
			memcpy(out + k * ni, m->t[T_D1B].w,
			    ni * sizeof(float));
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n,
		    (int)ni, (int)H, 1.0f, d1, (int)H, m->t[T_D1W].w, (int)H,
		    1.0f, out, (int)ni);
	}
	free(s);
	free(h1);
	free(e);
	free(d1);
}

static void
multivae_stepped(struct model *m)
{
	model_panel_forget(&m->out);
}

static void
multivae_prepare(struct model *m)
{
	(void)model_panel_pack_bias(&m->out, m->t[T_D1W].w, m->t[T_D1B].w,
	    m->sp->n_items, m->H, MODEL_PANEL_AUTO);
}

static void
multivae_stats(const struct model *m, struct model_stats *st)
{
	double U = m->sp->n_users, ni = m->sp->n_items, H = (double)m->H;
	double lat = (double)m->lat, zd = (double)m->zd;
	double N = (double)m->hist->nnz, steps = ceil(U / 2048);

	st->params = 2 * ni * H + ni + H * lat + lat + H * zd + 2 * H;
	/* Forward and backward: the sparse first layer (2 N H each way),
	 * the three dense layers (2 mac forward, 4 backward), the softmax
	 * and its gradient, tanh; Adam over every parameter a step. */
	st->flops_epoch = 4 * N * H + 6 * U * (H * lat + zd * H + H * ni) +
	    U * (8 * ni + 10 * H) + steps * st->params * 10;
	st->flops_user = 2 * (N / (U > 0 ? U : 1)) * H + 2 * (H * lat +
	    zd * H + H * ni) + 2 * H;
	/* Weights, gradients, Adam's moments; the batch workspace (logits
	 * for 2048 users and the hidden layers); the output layer packed for
	 * scoring. */
	st->bytes = (st->params * 4 + 2048.0 * (ni + 4 * H + 3 * lat +
	    3 * zd) + ni * (H + 1)) * sizeof(float);
}

static void
multivae_free(struct model *m)
{
	int k;

	for (k = 0; k < T_COUNT; k++)
		model_tensor_release(&m->t[k]);
	release_workspace(m);
	free(m->keep);
	model_panel_release(&m->out);
	free(m);
}

const struct model_ops model_multivae_ops = {
	.name = "multivae",
	.title = "MultiVAE",
	.summary = "variational autoencoder of users' item rows, multinomial "
	    "likelihood",
	.sampling = MODEL_SAMPLE_USERS,
	.params = params,
	.create = multivae_create,
	.tensors = multivae_tensors,
	.loss = multivae_loss,
	.mark_rows = multivae_mark_rows,
	.stepped = multivae_stepped,
	.score = multivae_score,
	.prepare = multivae_prepare,
	.stats = multivae_stats,
	.free = multivae_free,
};
