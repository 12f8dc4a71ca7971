/*
 * DGCF (Wang et al. 2020, "Disentangled Graph Collaborative Filtering")
 * as RecBole implements it. Ego embeddings E0 (Xavier-normal) are split
 * into n_factors chunks ("intents") of d / F values. Every edge e of the
 * user-item graph (both directions of each training interaction, head h,
 * tail t) has F routing logits A[e], all 1 at the start of every forward
 * pass and carried from layer to layer. A layer with input X repeats
 * n_iterations times:
 *   S[e]    = softmax over the factors of A[e]
 *   deg_f   = sum of S[e, f] over the node's edges (as head), >= 1e-8
 *   w[e, f] = S[e, f] deg_f(h)^-1/2 deg_f(t)^-1/2
 *   Y_f(v)  = sum over v's edges of w[e, f] X_f(t)
 *   A[e, f] += normalise(Y_f(h)) . tanh(normalise(X_f(t)))
 * and its output is the last iteration's Y. The final embedding is the
 * mean of E0 and the layers' outputs. The loss is BPR on the final
 * embeddings, plus reg_weight times RecBole's EmbLoss on the batch's ego
 * rows (norms not squared, over the batch), plus cor_weight times the
 * distance correlation of consecutive factor chunks of the final
 * embeddings of cor_batch_size sampled users and as many sampled items,
 * summed over the F - 1 pairs and divided by (F + 1) F / 2.
 *
 * RecBole detaches nothing: the routing weights depend on the embeddings
 * through the softmax, the degrees and the normalisations, and the
 * backward pass here goes through all of them. Its distance matrix is
 * computed as r - 2 X (X^T + r^T) (r the squared row norms), which is
 * not the squared distance r - 2 X X^T + r^T that the comment there
 * says; ecoplan computes what RecBole's code computes.
 *
 * As in RecBole the whole graph is propagated forward and backward for
 * every mini-batch. Every pass over the edges runs in parallel over
 * blocks of head nodes (the graph's rows); what belongs to a tail is
 * reached through the reverse of each edge (the graph is symmetric), so
 * that each output row or edge is written by one thread in a fixed
 * order: no atomics, and results do not depend on the thread count. The
 * last iteration of the last layer updates logits that nothing reads;
 * that update is skipped. Scoring uses one cached propagation.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "models/graph.h"
#include "models/kernels.h"
#include "models/model.h"
#include "models/vmath.h"
#include "core/banned.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define VERSIONS __attribute__((target_clones("avx2", "default")))
#define WIDE 1			/* an AVX-512 build of the 4x16 passes */
#else
#define VERSIONS
#define WIDE 0
#endif

#define MAX_D 1024		/* widest embedding (a row on the stack) */
#define MAX_F 64		/* most factors */
#define ROW_BLOCK 32		/* head nodes a task */
#define NRM_EPS 1e-12f		/* F.normalize's floor of the norm */
#define DEG_MIN 1e-8f		/* RecBole's clamp of the degrees */
#define AHEAD 16		/* edges ahead whose data is prefetched */

struct model {
	const struct model_split *sp;
	size_t d;		/* embedding size */
	size_t F;		/* factors */
	size_t c;		/* d / F: a chunk */
	size_t T;		/* routing iterations */
	size_t L;		/* layers */
	size_t n;		/* nodes: users + items */
	size_t E;		/* edges: 2 x training interactions */
	double reg_weight;
	double cor_weight;
	size_t cor_n;		/* users (and items) of the correlation batch */
	struct model_graph graph;	/* rows: heads; col: tails */
	uint32_t *rev;		/* E: the edge t -> h of edge h -> t */
	struct model_tensor t[2];	/* user, item: views of w and g */
	float *w;		/* n x d ego embeddings */
	float *g;		/* their gradient */
	unsigned char *touched;	/* n marks */
	float *A;		/* E x F routing logits */
	int wide;		/* the CPU runs the AVX-512 passes */
	/* Saved by the forward pass for the backward pass, one of each per
	 * iteration (L x T) or per layer (L). */
	float *S;		/* (L T - 1) x E x F softmax of the logits,
				 * but the first iteration's */
	float *deg;		/* L T x n x F degrees */
	float *r;		/* L T x n x F max(deg, 1e-8)^-1/2 */
	float *Y;		/* L T x n x d iteration outputs */
	float *ynrm;		/* L T x n x F norms of Y's chunks */
	float *yinv;		/* L T x n x F 1 / max(norm, 1e-12) */
	float *Z;		/* L x n x d tanh(normalise(input chunks)) */
	float *xnrm;		/* L x n x F norms of the input chunks */
	float *fin;		/* n x d final embeddings */
	/* Backward buffers. */
	float *G;		/* n x d: d(loss)/d(fin) */
	float *gout;		/* n x d: of a layer's output */
	float *gy;		/* n x d: of an iteration's output */
	float *gx;		/* n x d: of a layer's input */
	float *gz;		/* n x d: of Z */
	float *gA;		/* E x F: of the logits */
	float *gw;		/* E x F: of the edge weights */
	/* The correlation batch and its workspace (doubles: small). */
	uint32_t *perm_u, *perm_i;	/* n_users, n_items */
	uint32_t *cor_u, *cor_i;	/* cor_n each */
	double *cx;		/* M x d sampled final rows, M = 2 cor_n */
	double *cgx;		/* M x d their gradient */
	double *cval;		/* F x M x M RecBole's "value" */
	double *cD;		/* F x M x M distances */
	double *cDc;		/* F x M x M centred distances */
	double *cgD;		/* F x M x M gradient of the centred ones */
	double *cvec;		/* 4 M scratch */
	int cached;		/* fin is that of the current w */
	struct model_panel items;	/* fin's item rows, packed to score */
};

static const struct model_param params[] = {
	{ "embedding_size", MODEL_PARAM_INT, 64, 1, MAX_D, NULL,
	    "dimension of the user and item embeddings" },
	{ "n_factors", MODEL_PARAM_INT, 4, 1, MAX_F, NULL,
	    "intents the embedding is split into (must divide "
	    "embedding_size)" },
	{ "n_iterations", MODEL_PARAM_INT, 2, 1, 16, NULL,
	    "routing iterations a layer" },
	{ "n_layers", MODEL_PARAM_INT, 1, 0, 8, NULL,
	    "propagation layers" },
	{ "reg_weight", MODEL_PARAM_REAL, 1e-3, 0, 1e6, NULL,
	    "weight of the (non-squared) norm of the batch's ego embeddings" },
	{ "cor_weight", MODEL_PARAM_REAL, 0.01, 0, 1e6, NULL,
	    "weight of the distance correlation between factors" },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

/* The saved arrays of iteration t of layer l. */
#define AT(m, arr, l, t, per) ((m)->arr + ((l) * (m)->T + (t)) * (per))

static const float *
layer_input(const struct model *m, size_t l)
{
	return l == 0 ? m->w : AT(m, Y, l - 1, m->T - 1, m->n * m->d);
}

/*
 * The edge reverse of each edge: row h holds edge h -> t at k; the edge
 * t -> h is found in row t by binary search (columns are sorted).
 */
static void
build_reverse(struct model *m)
{
	const struct model_graph *gr = &m->graph;
	long v;

#pragma omp parallel for schedule(dynamic, 64)
	for (v = 0; v < (long)gr->n; v++) {
		size_t k;

		for (k = gr->rowptr[v]; k < gr->rowptr[v + 1]; k++) {
			uint32_t u = gr->col[k];
			size_t lo = gr->rowptr[u];

			m->rev[k] = (uint32_t)(lo + model_lower_bound(gr->col +
			    lo, gr->rowptr[u + 1] - lo, (uint32_t)v));
		}
	}
}

static struct model *
dgcf_create(const struct model_split *sp, const struct model_hp *hp,
    struct ep_rng *rng, struct ep_err *err)
{
	struct model *m;
	size_t d = (size_t)model_hp_get(hp, "embedding_size");
	size_t F = (size_t)model_hp_get(hp, "n_factors");
	size_t nu = sp->n_users, ni = sp->n_items, n, E, LT, nd, M, k;
	double N = (double)sp->part[MODEL_TRAIN].nnz, nbatch, cn;

	if (d % F != 0) {
		ep_fail(err, EP_EUSAGE, "dgcf: n_factors %zu does not divide "
		    "embedding_size %zu", F, d);
		return NULL;
	}
	if (2 * N >= 4294967295.0) {
		ep_fail(err, EP_ERANGE, "dgcf: too many interactions");
		return NULL;
	}
	m = ep_xcalloc(1, sizeof *m);
	m->sp = sp;
	m->d = d;
	m->F = F;
	m->c = d / F;
	m->T = (size_t)model_hp_get(hp, "n_iterations");
	m->L = (size_t)model_hp_get(hp, "n_layers");
#if WIDE
	m->wide = __builtin_cpu_supports("avx512f");
#endif
	m->reg_weight = model_hp_get(hp, "reg_weight");
	m->cor_weight = model_hp_get(hp, "cor_weight");
	m->n = n = nu + ni;
	model_graph_build(&m->graph, &sp->part[MODEL_TRAIN]);
	m->E = E = m->graph.nnz;
	m->rev = ep_xaligned(E ? E : 1, sizeof(uint32_t));
	build_reverse(m);
	/* RecBole: n_batch = inter_num // train_batch_size + 1 and
	 * cor_batch_size = int(max(n_users / n_batch, n_items / n_batch)),
	 * counts that include the [PAD] ids. It samples without
	 * replacement, so no more than there are users or items. */
	nbatch = floor(N / model_hp_get(hp, "train_batch_size")) + 1;
	cn = floor(fmax((double)(nu + 1) / nbatch, (double)(ni + 1) / nbatch));
	cn = fmin(cn, (double)(nu < ni ? nu : ni));
	m->cor_n = cn >= 1 ? (size_t)cn : 1;
	if (F < 2 || !(m->cor_weight > 1e-9) || nu == 0 || ni == 0)
		m->cor_n = 0;
	LT = m->L * m->T;
	nd = n * d;
	m->w = ep_xaligned(nd ? nd : 1, sizeof(float));
	m->g = ep_xaligned(nd ? nd : 1, sizeof(float));
	memset(m->g, 0, nd * sizeof(float));
	m->touched = ep_xcalloc(n ? n : 1, 1);
	m->A = ep_xaligned(E * F + 1, sizeof(float));
	/* The first iteration's weights are constant (1 / F): not stored. */
	m->S = ep_xaligned((LT > 0 ? LT - 1 : 0) * E * F + 1, sizeof(float));
	m->deg = ep_xaligned(LT * n * F + 1, sizeof(float));
	m->r = ep_xaligned(LT * n * F + 1, sizeof(float));
	m->Y = ep_xaligned(LT * nd + 1, sizeof(float));
	m->ynrm = ep_xaligned(LT * n * F + 1, sizeof(float));
	m->yinv = ep_xaligned(LT * n * F + 1, sizeof(float));
	m->Z = ep_xaligned(m->L * nd + 1, sizeof(float));
	m->xnrm = ep_xaligned(m->L * n * F + 1, sizeof(float));
	m->fin = ep_xaligned(nd + 1, sizeof(float));
	m->G = ep_xaligned(nd + 1, sizeof(float));
	m->gout = ep_xaligned(nd + 1, sizeof(float));
	m->gy = ep_xaligned(nd + 1, sizeof(float));
	m->gx = ep_xaligned(nd + 1, sizeof(float));
	m->gz = ep_xaligned(nd + 1, sizeof(float));
	m->gA = ep_xaligned(E * F + 1, sizeof(float));
	m->gw = ep_xaligned(E * F + 1, sizeof(float));
	M = 2 * m->cor_n;
	m->perm_u = ep_xaligned(nu + 1, sizeof(uint32_t));
	m->perm_i = ep_xaligned(ni + 1, sizeof(uint32_t));
	m->cor_u = ep_xaligned(m->cor_n + 1, sizeof(uint32_t));
	m->cor_i = ep_xaligned(m->cor_n + 1, sizeof(uint32_t));
	m->cx = ep_xaligned(M * d + 1, sizeof(double));
	m->cgx = ep_xaligned(M * d + 1, sizeof(double));
	m->cval = ep_xaligned(F * M * M + 1, sizeof(double));
	m->cD = ep_xaligned(F * M * M + 1, sizeof(double));
	m->cDc = ep_xaligned(F * M * M + 1, sizeof(double));
	m->cgD = ep_xaligned(F * M * M + 1, sizeof(double));
	m->cvec = ep_xaligned(4 * M + 1, sizeof(double));
	for (k = 0; k < m->cor_n; k++) {
		/* train = 0 (gradient checks): evenly spaced ids. */
		m->cor_u[k] = (uint32_t)(k * nu / m->cor_n);
		m->cor_i[k] = (uint32_t)(k * ni / m->cor_n);
	}
	m->t[0] = (struct model_tensor){ "user_embedding", m->w, m->g, nu, d,
	    m->touched };
	m->t[1] = (struct model_tensor){ "item_embedding", m->w + nu * d,
	    m->g + nu * d, ni, d, m->touched + nu };
	/* PyTorch's Xavier-normal scale for RecBole's tables, which have
	 * one more row (the [PAD] id) than there are users or items. */
	model_init_normal(m->t[0].w, nu * d, sqrt(2.0 / (double)(nu + 1 + d)),
	    rng);
	model_init_normal(m->t[1].w, ni * d, sqrt(2.0 / (double)(ni + 1 + d)),
	    rng);
	return m;
}

static struct model_tensor *
dgcf_tensors(struct model *m, size_t *n)
{
	*n = 2;
	return m->t;
}

/*
 * The passes over the graph. Each runs over blocks of head nodes in
 * parallel; a block's function gets what it needs in a struct pass.
 */
struct pass {
	struct model *m;
	const float *X;		/* layer input */
	float *Zt;		/* tanh(normalise(X)) */
	float *xnrm;		/* norms of X's chunks */
	float *S, *deg, *r;	/* this iteration's */
	float *Y, *ynrm, *yinv;
	int update;		/* the logits' update is live */
	int live_a;		/* this iteration's logits are live */
	/*
	 * Work folded into the passes, so that a mini-batch opens few
	 * parallel regions (each costs a wait for the slowest thread, and
	 * much more when another process holds a core).
	 */
	int first_layer;	/* the first iteration of the first layer: the
				 * logits are all 1, so every weight S is
				 * 1 / F, and S is neither stored nor read */
	int tail;		/* forward: Z and xnrm computed here (t = 0) */
	int fin;		/* forward: the final rows computed here */
	const float *gsrc;	/* backward: d/dY from the layer's output is
				 * gscale gsrc, or NULL */
	float gscale;
	const float *gyp;	/* backward: d/dY read by the routed sum's
				 * backward: m->gy, or gsrc when the update is
				 * dead */
	float gys;		/* its scale */
	int gx_first;		/* backward: gx is written, not added to */
	int gz_first;		/* gz is written, not added to */
	int ga_first;		/* gA is written, not added to */
	int close;		/* t = 0: through Z into gx, and for layer 0
				 * into the ego gradient */
	int zlive;		/* gz holds a gradient */
};

/*
 * The passes gather rows of the tables by an edge's tail and read the
 * reverse edge's values: both are scattered beyond what the hardware
 * prefetcher can guess, so they are fetched AHEAD edges early.
 */
static inline __attribute__((always_inline)) void
fetch_row(const float *t, size_t row, size_t d)
{
	const char *q = (const char *)(t + row * d);
	size_t n = d * sizeof(float);

	__builtin_prefetch(q, 0, 3);
	if (n > 64)
		__builtin_prefetch(q + 64, 0, 3);
	if (n > 128)
		__builtin_prefetch(q + 128, 0, 3);
	if (n > 192)
		__builtin_prefetch(q + 192, 0, 3);
}

static inline __attribute__((always_inline)) void
fetch_edge(const float *a, size_t e, size_t F)
{
	__builtin_prefetch(a + e * F, 0, 3);
}

/*
 * The per-edge work on rows split into F chunks of c. For RecBole's
 * shape, 4 chunks of 16, in vectors (GCC's and Clang's vector
 * extensions) which the compiler keeps in registers: of 8 (AVX
 * registers in the AVX2 clones, pairs of SSE ones otherwise), or where
 * wide is set, of 16, one AVX-512 register a chunk. Both widths do the
 * same operations in the same order, lane by lane, so they agree bit
 * for bit; the four dots of an edge are summed across as a whole, not
 * one chunk at a time.
 */
#if defined(__GNUC__)
#define VEC_4X16 1

/* The sums of each adjacent pair of a and b, as vhaddps orders them (a
 * macro: AVX values are not passed to functions built without AVX). */
#define PAIR_SUMS(a, b) \
	(__builtin_shufflevector(a, b, 0, 2, 8, 10, 4, 6, 12, 14) + \
	    __builtin_shufflevector(a, b, 1, 3, 9, 11, 5, 7, 13, 15))
/* A vector of 16's halves' sum. */
#define HALVES(v) \
	(__builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7) + \
	    __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15))
#else
#define VEC_4X16 0
#endif

/* An edge's weight for each chunk: a = s r scale, where s NULL stands
 * for weights of 1 / F. */
static inline __attribute__((always_inline)) void
edge_weights(float *restrict a, const float *s, const float *restrict r,
    float scale, size_t F)
{
	size_t f;

#if VEC_4X16
	if (F == 4) {
		model_v4f sv = s != NULL ? *(const model_v4fu *)s :
		    (model_v4f){ 0.25f, 0.25f, 0.25f, 0.25f };

		*(model_v4fu *)a = sv * *(const model_v4fu *)r * scale;
		return;
	}
#endif
	for (f = 0; f < F; f++)
		a[f] = (s != NULL ? s[f] : 1.0f / (float)F) * r[f] * scale;
}

/* acc += a[f] x, chunk by chunk. */
static inline __attribute__((always_inline)) void
axpy_chunks(float *restrict acc, const float *restrict a,
    const float *restrict x, size_t F, size_t c, int wide)
{
	size_t f, j;

#if VEC_4X16
	if (F == 4 && c == 16 && wide) {
		model_v16fu *va = (model_v16fu *)acc;
		const model_v16fu *vx = (const model_v16fu *)x;

		va[0] += a[0] * vx[0];
		va[1] += a[1] * vx[1];
		va[2] += a[2] * vx[2];
		va[3] += a[3] * vx[3];
		return;
	}
	if (F == 4 && c == 16) {
		model_v8fu *va = (model_v8fu *)acc;
		const model_v8fu *vx = (const model_v8fu *)x;

		/* Written out: GCC does not unroll this loop itself. */
		va[0] += a[0] * vx[0];
		va[1] += a[0] * vx[1];
		va[2] += a[1] * vx[2];
		va[3] += a[1] * vx[3];
		va[4] += a[2] * vx[4];
		va[5] += a[2] * vx[5];
		va[6] += a[3] * vx[6];
		va[7] += a[3] * vx[7];
		return;
	}
#endif
	for (f = 0; f < F; f++)
#pragma omp simd
		for (j = f * c; j < (f + 1) * c; j++)
			acc[j] += a[f] * x[j];
}

/* out[f] = the dot of chunk f of x and y. */
static inline __attribute__((always_inline)) void
dot_chunks(float *restrict out, const float *restrict x,
    const float *restrict y, size_t F, size_t c, int wide)
{
	size_t f, j;

#if VEC_4X16
	if (F == 4 && c == 16) {
		model_v8f t0, t1, t2, t3, w;

		if (wide) {
			const model_v16fu *vx = (const model_v16fu *)x;
			const model_v16fu *vy = (const model_v16fu *)y;
			model_v16f p0 = vx[0] * vy[0], p1 = vx[1] * vy[1];
			model_v16f p2 = vx[2] * vy[2], p3 = vx[3] * vy[3];

			t0 = HALVES(p0);
			t1 = HALVES(p1);
			t2 = HALVES(p2);
			t3 = HALVES(p3);
		} else {
			const model_v8fu *vx = (const model_v8fu *)x;
			const model_v8fu *vy = (const model_v8fu *)y;

			t0 = vx[0] * vy[0] + vx[1] * vy[1];
			t1 = vx[2] * vy[2] + vx[3] * vy[3];
			t2 = vx[4] * vy[4] + vx[5] * vy[5];
			t3 = vx[6] * vy[6] + vx[7] * vy[7];
		}
		w = PAIR_SUMS(PAIR_SUMS(t0, t1), PAIR_SUMS(t2, t3));
		/* The halves' sum as one vector, not four scalars. */
		*(model_v4fu *)out = __builtin_shufflevector(w, w, 0, 1, 2, 3) +
		    __builtin_shufflevector(w, w, 4, 5, 6, 7);
		return;
	}
#endif
	for (f = 0; f < F; f++) {
		float dot = 0;

#pragma omp simd reduction(+:dot)
		for (j = f * c; j < (f + 1) * c; j++)
			dot += x[j] * y[j];
		out[f] = dot;
	}
}

#if VEC_4X16
/* Lane j of each group of four, in all four lanes of its group. */
#define GROUP_LANE(x, j) \
	__builtin_shufflevector(x, x, j, j, j, j, 4 + j, 4 + j, 4 + j, \
	    4 + j, 8 + j, 8 + j, 8 + j, 8 + j, 12 + j, 12 + j, 12 + j, 12 + j)
/* Where b > a, b; elsewhere a (a ? : written out, as C has none for
 * vectors). */
#define GREATER(a, b) \
	((model_v16f)(((model_v16i)(a) & ~(model_v16i)((b) > (a))) | \
	    ((model_v16i)(b) & (model_v16i)((b) > (a)))))

/*
 * The softmax of four edges' four logits each, in one vector of 16: the
 * scalar loop's operations in its order, lane by lane, so the same
 * weights bit for bit. Adds each edge's weights to ds in edge order.
 */
static inline __attribute__((always_inline)) void
softmax_4edges(float *restrict s, const float *restrict a,
    float *restrict ds)
{
	model_v16f x = *(const model_v16fu *)a, mx = GROUP_LANE(x, 0), e, z;
	model_v16f x1 = GROUP_LANE(x, 1), x2 = GROUP_LANE(x, 2);
	model_v16f x3 = GROUP_LANE(x, 3);
	model_v4f acc = *(const model_v4fu *)ds;

	mx = GREATER(mx, x1);
	mx = GREATER(mx, x2);
	mx = GREATER(mx, x3);
	e = x + -mx;
	model_exp_v16(&e);
	z = (model_v16f){ 0 } + GROUP_LANE(e, 0);
	z += GROUP_LANE(e, 1);
	z += GROUP_LANE(e, 2);
	z += GROUP_LANE(e, 3);
	e /= z;
	*(model_v16fu *)s = e;
	acc += __builtin_shufflevector(e, e, 0, 1, 2, 3);
	acc += __builtin_shufflevector(e, e, 4, 5, 6, 7);
	acc += __builtin_shufflevector(e, e, 8, 9, 10, 11);
	acc += __builtin_shufflevector(e, e, 12, 13, 14, 15);
	*(model_v4fu *)ds = acc;
}
#endif

/* Softmax of the logits, degrees and their inverse roots. */
static inline __attribute__((always_inline)) void
block_weights(const struct pass *p, size_t lo, size_t hi, size_t F,
    size_t c, int wide)
{
	const struct model *m = p->m;
	const struct model_graph *gr = &m->graph;
	size_t d = F * c, v, k, f, j;

	for (v = lo; v < hi; v++) {
		size_t end = gr->rowptr[v + 1];
		float ds[MAX_F];

		for (f = 0; f < F; f++)
			ds[f] = 0;
		if (p->tail) {
			/* Z = tanh(normalise(X)) chunk by chunk. */
			for (f = 0; f < F; f++) {
				const float *x = p->X + v * d + f * c;
				float *z = p->Zt + v * d + f * c, s2 = 0, inv;

				for (j = 0; j < c; j++)
					s2 += x[j] * x[j];
				s2 = sqrtf(s2);
				p->xnrm[v * F + f] = s2;
				inv = 1.0f / (s2 > NRM_EPS ? s2 : NRM_EPS);
				model_tanh_span(z, x, inv, c);
			}
		}
		for (k = gr->rowptr[v]; k < end; k++) {
			const float *a = m->A + k * F;
			float *s, mx, z = 0;

#if VEC_4X16
			if (F == 4 && wide && !p->first_layer && k + 4 <= end) {
				softmax_4edges(p->S + k * F, a, ds);
				k += 3;
				continue;
			}
#endif
			if (p->first_layer) {
				/* Equal logits: exp(0) = 1 each, so every
				 * weight is 1 / F, bit for bit; the logits
				 * are set by the update. */
				for (f = 0; f < F; f++)
					ds[f] += 1.0f / (float)F;
				continue;
			}
			s = p->S + k * F;
			mx = a[0];

			for (f = 1; f < F; f++)
				mx = a[f] > mx ? a[f] : mx;
			model_exp_span(s, a, -mx, F);
			for (f = 0; f < F; f++)
				z += s[f];
			for (f = 0; f < F; f++) {
				s[f] /= z;
				ds[f] += s[f];
			}
		}
		for (f = 0; f < F; f++) {
			p->deg[v * F + f] = ds[f];
			p->r[v * F + f] = 1.0f / sqrtf(ds[f] > DEG_MIN ? ds[f] :
			    DEG_MIN);
		}
	}
}

/* Y = the routed sum, its chunks' norms, and the logits' update. */
static inline __attribute__((always_inline)) void
block_propagate(const struct pass *p, size_t lo, size_t hi, size_t F,
    size_t c, int wide)
{
	struct model *m = p->m;
	const struct model_graph *gr = &m->graph;
	size_t d = F * c, v, k, f, j;

	for (v = lo; v < hi; v++) {
		float acc[MAX_D], a[MAX_F];
		float *y = p->Y + v * d;

		for (j = 0; j < d; j++)
			acc[j] = 0;
		for (k = gr->rowptr[v]; k < gr->rowptr[v + 1]; k++) {
			size_t u = gr->col[k];
			const float *x = p->X + u * d;

			if (k + AHEAD < m->E)
				fetch_row(p->X, gr->col[k + AHEAD], d);
			edge_weights(a, p->first_layer ? NULL : p->S + k * F,
			    p->r + u * F, 1.0f, F);
			axpy_chunks(acc, a, x, F, c, wide);
		}
		for (f = 0; f < F; f++) {
			float rv = p->r[v * F + f], s2 = 0, nr;

			for (j = f * c; j < (f + 1) * c; j++) {
				y[j] = rv * acc[j];
				s2 += y[j] * y[j];
			}
			nr = sqrtf(s2);
			p->ynrm[v * F + f] = nr;
			p->yinv[v * F + f] = 1.0f / (nr > NRM_EPS ? nr : NRM_EPS);
		}
		if (p->fin) {
			/* The mean of E0 and the layers' outputs (this one
			 * the last). */
			float sc = 1.0f / (float)(m->L + 1);
			size_t l;

			for (j = 0; j < d; j++) {
				float sum = m->w[v * d + j];

				for (l = 0; l + 1 < m->L; l++)
					sum += AT(m, Y, l, m->T - 1,
					    m->n * d)[v * d + j];
				sum += y[j];
				m->fin[v * d + j] = sum * sc;
			}
		}
		if (!p->update)
			continue;
		for (k = gr->rowptr[v]; k < gr->rowptr[v + 1]; k++) {
			const float *z = p->Zt + (size_t)gr->col[k] * d;

			if (k + AHEAD < m->E)
				fetch_row(p->Zt, gr->col[k + AHEAD], d);
			dot_chunks(a, y, z, F, c, wide);
			for (f = 0; f < F; f++)
				m->A[k * F + f] = (p->first_layer ? 1.0f :
				    m->A[k * F + f]) + p->yinv[v * F + f] * a[f];
		}
	}
}

/* d/dnormalise(x) -> d/dx for one chunk: g (in) and out may alias. */
static inline void
normalise_back(const float *x, float nr, const float *g, float *out,
    size_t c)
{
	size_t j;

	if (nr > NRM_EPS) {
		float dot = 0, inv = 1.0f / nr;

		for (j = 0; j < c; j++)
			dot += x[j] * inv * g[j];
		for (j = 0; j < c; j++)
			out[j] = (g[j] - x[j] * inv * dot) * inv;
	} else {
		for (j = 0; j < c; j++)
			out[j] = g[j] / NRM_EPS;
	}
}

/*
 * Backward through the logits' update of the iteration: gy = gout plus
 * what the update passes to Y; gz += what it passes to Z.
 */
static inline __attribute__((always_inline)) void
block_back_update(const struct pass *p, size_t lo, size_t hi, size_t F,
    size_t c, int wide)
{
	struct model *m = p->m;
	const struct model_graph *gr = &m->graph;
	size_t d = F * c, v, k, f, j;

	for (v = lo; v < hi; v++) {
		float gyn[MAX_D], gzv[MAX_D], gb[MAX_F];
		float *gy = m->gy + v * d, *gz = m->gz + v * d;

		for (j = 0; j < d; j++)
			gyn[j] = gzv[j] = 0;
		for (k = gr->rowptr[v]; k < gr->rowptr[v + 1]; k++) {
			size_t u = gr->col[k], e2 = m->rev[k];
			const float *z = p->Zt + u * d, *yu = p->Y + u * d;

			if (k + AHEAD < m->E) {
				size_t ua = gr->col[k + AHEAD];

				fetch_row(p->Zt, ua, d);
				fetch_row(p->Y, ua, d);
				fetch_edge(m->gA, m->rev[k + AHEAD], F);
			}
			/* A[k] read normalise(Y(v)) and Z(u); the reverse
			 * edge read normalise(Y(u)), Z(v). */
			for (f = 0; f < F; f++)
				gb[f] = m->gA[e2 * F + f] * p->yinv[u * F + f];
			axpy_chunks(gyn, m->gA + k * F, z, F, c, wide);
			axpy_chunks(gzv, gb, yu, F, c, wide);
		}
		for (j = 0; j < d; j++)
			gz[j] = p->gz_first ? gzv[j] : gz[j] + gzv[j];
		for (f = 0; f < F; f++)
			normalise_back(p->Y + v * d + f * c, p->ynrm[v * F + f],
			    gyn + f * c, gy + f * c, c);
		if (p->gsrc != NULL)
			for (j = 0; j < d; j++)
				gy[j] += p->gsrc[v * d + j] * p->gscale;
	}
}

/*
 * The end of a layer's backward pass for row v: through Z =
 * tanh(normalise(X)) into gx, and for layer 0 gx and the final rows'
 * own share (E0's) into the ego gradient.
 */
static inline __attribute__((always_inline)) void
close_row(const struct pass *p, size_t v)
{
	struct model *m = p->m;
	size_t F = m->F, c = m->c, d = m->d, f, j;
	float *gx = m->gx + v * d;

	if (p->zlive) {
		float tmp[MAX_D];

		for (j = 0; j < d; j++) {
			float z = p->Zt[v * d + j];

			tmp[j] = m->gz[v * d + j] * (1 - z * z);
		}
		for (f = 0; f < F; f++)
			normalise_back(p->X + v * d + f * c, p->xnrm[v * F + f],
			    tmp + f * c, tmp + f * c, c);
		for (j = 0; j < d; j++)
			gx[j] += tmp[j];
	}
	if (p->X == m->w) {
		float sc = 1.0f / (float)(m->L + 1);

		for (j = 0; j < d; j++)
			m->g[v * d + j] += m->G[v * d + j] * sc + gx[j];
	}
}

/*
 * Backward from the edge weights of row v through the degrees and the
 * softmax into gA. gr holds d/dr(v): r(v) scales the edges of v as head
 * and as tail.
 */
static inline __attribute__((always_inline)) void
back_softmax_row(const struct pass *p, size_t v, const float *gr_,
    size_t F)
{
	struct model *m = p->m;
	const struct model_graph *gr = &m->graph;
	const float *rv = p->r + v * F;
	float gd[MAX_F], gs[MAX_F];
	size_t k, f;

	for (f = 0; f < F; f++)
		gd[f] = p->deg[v * F + f] >= DEG_MIN ?
		    -0.5f * gr_[f] * rv[f] * rv[f] * rv[f] : 0;
	for (k = gr->rowptr[v]; k < gr->rowptr[v + 1]; k++) {
		size_t u = gr->col[k];
		const float *s = p->S + k * F;
		float dot = 0;

		for (f = 0; f < F; f++) {
			gs[f] = m->gw[k * F + f] * rv[f] * p->r[u * F + f] +
			    gd[f];
			dot += s[f] * gs[f];
		}
		for (f = 0; f < F; f++)
			m->gA[k * F + f] = (p->ga_first ? 0.0f :
			    m->gA[k * F + f]) + s[f] * (gs[f] - dot);
	}
}

/*
 * Backward through the routed sum: gx += w^T gy, and where the logits
 * are live, gw = gy . X(tail) and on through the softmax into gA.
 * d/dr(v) takes, from each edge v -> u, gw S r(u), and from its
 * reverse u -> v, which carried X(v) into Y(u), S[e2] r(u) (gy(u) .
 * X(v)). Summed over the edges, the second is X(v) . acc, chunk by
 * chunk, acc being the routed sum of the gy(u) just formed: one dot a
 * row, not one an edge.
 */
static inline __attribute__((always_inline)) void
block_back_propagate(const struct pass *p, size_t lo, size_t hi, size_t F,
    size_t c, int wide)
{
	struct model *m = p->m;
	const struct model_graph *gr = &m->graph;
	size_t d = F * c, v, k, f, j;

	for (v = lo; v < hi; v++) {
		float acc[MAX_D], gyv[MAX_D], a[MAX_F], gr_[MAX_F];
		const float *xv = p->X + v * d;
		float *gx = m->gx + v * d;

		for (j = 0; j < d; j++) {
			acc[j] = 0;
			gyv[j] = p->gyp[v * d + j] * p->gys;
		}
		for (f = 0; f < F; f++)
			gr_[f] = 0;
		for (k = gr->rowptr[v]; k < gr->rowptr[v + 1]; k++) {
			size_t u = gr->col[k], e2 = m->rev[k];
			const float *gyu = p->gyp + u * d;
			const float *ru = p->r + u * F;

			if (k + AHEAD < m->E) {
				size_t ua = gr->col[k + AHEAD];

				fetch_row(p->gyp, ua, d);
				if (p->live_a) {
					fetch_row(p->X, ua, d);
					fetch_edge(p->S, m->rev[k + AHEAD], F);
				}
			}
			/* Edge u -> v carried X(v) into Y(u) with weight
			 * S[e2] r(u) r(v); r(v) is applied below. */
			edge_weights(a, p->first_layer ? NULL : p->S + e2 * F,
			    ru, p->gys, F);
			axpy_chunks(acc, a, gyu, F, c, wide);
			if (!p->live_a)
				continue;
			dot_chunks(m->gw + k * F, gyv, p->X + u * d, F, c,
			    wide);
			for (f = 0; f < F; f++)
				gr_[f] += ru[f] * m->gw[k * F + f] *
				    p->S[k * F + f];
		}
		if (p->live_a) {
			float g2[MAX_F];

			dot_chunks(g2, acc, xv, F, c, wide);
			for (f = 0; f < F; f++)
				gr_[f] += g2[f];
		}
		for (f = 0; f < F; f++) {
			float rv = p->r[v * F + f];

			for (j = f * c; j < (f + 1) * c; j++)
				gx[j] = p->gx_first ? rv * acc[j] :
				    gx[j] + rv * acc[j];
		}
		if (p->live_a)
			back_softmax_row(p, v, gr_, F);
		if (p->close)
			close_row(p, v);
	}
}

/*
 * Each pass compiled three times: for RecBole's 4 factors of 16 (loops
 * of known length, which the compiler unrolls and vectorises), in
 * vectors of 8 and, for CPUs with AVX-512, of 16; and for any shape.
 */
#if WIDE
#define WIDE_VERSION(name) \
__attribute__((target("avx512f"))) static void \
name##_4x16w(const struct pass *p, size_t lo, size_t hi) \
{ \
	name(p, lo, hi, 4, 16, 1); \
}
#else
#define WIDE_VERSION(name) \
static void \
name##_4x16w(const struct pass *p, size_t lo, size_t hi) \
{ \
	name(p, lo, hi, 4, 16, 0); \
}
#endif
#define PASS_VERSIONS(name) \
WIDE_VERSION(name) \
VERSIONS static void \
name##_4x16(const struct pass *p, size_t lo, size_t hi) \
{ \
	name(p, lo, hi, 4, 16, 0); \
} \
VERSIONS static void \
name##_any(const struct pass *p, size_t lo, size_t hi) \
{ \
	name(p, lo, hi, p->m->F, p->m->c, 0); \
}

PASS_VERSIONS(block_weights)
PASS_VERSIONS(block_propagate)
PASS_VERSIONS(block_back_update)
PASS_VERSIONS(block_back_propagate)

enum pass_kind { P_WEIGHTS, P_PROPAGATE, P_BACK_UPDATE, P_BACK_PROPAGATE };

typedef void pass_fn(const struct pass *, size_t, size_t);

/* By kind: any shape, 4 x 16, 4 x 16 in AVX-512. */
static pass_fn *const pass_fns[][3] = {
	[P_WEIGHTS] = { block_weights_any, block_weights_4x16,
		block_weights_4x16w },
	[P_PROPAGATE] = { block_propagate_any, block_propagate_4x16,
		block_propagate_4x16w },
	[P_BACK_UPDATE] = { block_back_update_any, block_back_update_4x16,
		block_back_update_4x16w },
	[P_BACK_PROPAGATE] = { block_back_propagate_any,
		block_back_propagate_4x16, block_back_propagate_4x16w },
};

static void
run_pass(enum pass_kind kind, const struct pass *p)
{
	const struct model *m = p->m;
	long nb = (long)((m->n + ROW_BLOCK - 1) / ROW_BLOCK), b;
	pass_fn *fn = pass_fns[kind][m->F != 4 || m->c != 16 ? 0 :
	    m->wide ? 2 : 1];

	/* Degrees are skewed, so blocks are handed out dynamically; which
	 * thread does a row does not change what it computes. */
#pragma omp parallel for schedule(dynamic, 4) if (m->E * m->d > 65536)
	for (b = 0; b < nb; b++) {
		size_t lo = (size_t)b * ROW_BLOCK;

		fn(p, lo, lo + ROW_BLOCK < m->n ? lo + ROW_BLOCK : m->n);
	}
}

static struct pass
pass_at(struct model *m, size_t l, size_t t)
{
	struct pass p;
	size_t n = m->n, F = m->F;

	memset(&p, 0, sizeof p);
	p.m = m;
	p.X = layer_input(m, l);
	p.Zt = m->Z + l * n * m->d;
	p.xnrm = m->xnrm + l * n * F;
	/* Slot 0 would be the first iteration's, which is not stored. */
	p.S = l == 0 && t == 0 ? NULL : m->S + (l * m->T + t - 1) * m->E * F;
	p.deg = AT(m, deg, l, t, n * F);
	p.r = AT(m, r, l, t, n * F);
	p.Y = AT(m, Y, l, t, n * m->d);
	p.ynrm = AT(m, ynrm, l, t, n * F);
	p.yinv = AT(m, yinv, l, t, n * F);
	/* The last iteration of the last layer updates logits that nothing
	 * reads; the first iteration's logits are constant. */
	p.update = !(l + 1 == m->L && t + 1 == m->T);
	p.first_layer = l == 0 && t == 0;
	p.live_a = !p.first_layer;
	return p;
}

/* The forward pass into fin, keeping what the backward pass needs. */
static void
propagate(struct model *m)
{
	size_t l, t, L = m->L;

	if (L == 0)
		memcpy(m->fin, m->w, m->n * m->d * sizeof(float));
	for (l = 0; l < L; l++) {
		for (t = 0; t < m->T; t++) {
			struct pass p = pass_at(m, l, t);

			p.tail = t == 0;
			p.fin = l + 1 == L && t + 1 == m->T;
			run_pass(P_WEIGHTS, &p);
			run_pass(P_PROPAGATE, &p);
		}
	}
	m->cached = 1;
	model_panel_forget(&m->items);
}

/*
 * Backward from G (d(loss)/d(fin)) to the ego embeddings' gradient.
 */
static void
backward(struct model *m)
{
	size_t nd = m->n * m->d, L = m->L, l, t;
	float scale = 1.0f / (float)(L + 1);
	int ga_fresh = 1;
	long k;

	if (L == 0) {
		for (k = 0; k < (long)nd; k++)
			m->g[k] += m->G[k];
		return;
	}
	for (l = L; l-- > 0;) {
		const float *gsrc = m->G;
		float gscale = scale;
		int gz_fresh = 1;

		if (l + 1 < L) {
			/* The layer output's share of the mean, plus what
			 * the layer above passed down to its input. */
#pragma omp parallel for simd schedule(static) if (nd > 65536)
			for (k = 0; k < (long)nd; k++)
				m->gout[k] = m->G[k] * scale + m->gx[k];
			gsrc = m->gout;
			gscale = 1.0f;
		}
		for (t = m->T; t-- > 0;) {
			struct pass p = pass_at(m, l, t);

			p.gsrc = t + 1 == m->T ? gsrc : NULL;
			p.gscale = gscale;
			p.gx_first = t + 1 == m->T;
			p.close = t == 0;
			if (p.update) {
				p.gz_first = gz_fresh;
				gz_fresh = 0;
				p.gyp = m->gy;
				p.gys = 1.0f;
				run_pass(P_BACK_UPDATE, &p);
			} else {
				p.gyp = gsrc;
				p.gys = gscale;
			}
			p.zlive = !gz_fresh;
			if (p.live_a) {
				p.ga_first = ga_fresh;
				ga_fresh = 0;
			}
			run_pass(P_BACK_PROPAGATE, &p);
		}
	}
}

/*
 * RecBole's centred distance matrix of the rows of X (M x c, row stride
 * ld) into val (its "value"), D and Dc.
 */
static void
centred_distance(const double *X, size_t ld, size_t M, size_t c,
    double *val, double *D, double *Dc, double *vec)
{
	double *rr = vec, *ss = vec + M, *cm = vec + 2 * M, *rm = vec + 3 * M;
	double all = 0;
	size_t i, j, k;

	for (i = 0; i < M; i++) {
		rr[i] = ss[i] = 0;
		for (k = 0; k < c; k++) {
			rr[i] += X[i * ld + k] * X[i * ld + k];
			ss[i] += X[i * ld + k];
		}
		cm[i] = rm[i] = 0;
	}
	for (i = 0; i < M; i++)
		for (j = 0; j < M; j++) {
			double xy = 0, v;

			for (k = 0; k < c; k++)
				xy += X[i * ld + k] * X[j * ld + k];
			/* r - 2 X (X^T + r^T), as RecBole has it. */
			v = rr[i] - 2 * (xy + ss[i] * rr[j]);
			val[i * M + j] = v;
			D[i * M + j] = sqrt((v > 0 ? v : 0) + 1e-8);
			rm[i] += D[i * M + j];
			cm[j] += D[i * M + j];
			all += D[i * M + j];
		}
	for (i = 0; i < M; i++)
		for (j = 0; j < M; j++)
			Dc[i * M + j] = D[i * M + j] - cm[j] / (double)M -
			    rm[i] / (double)M + all / ((double)M * M);
}

/* Backward of centred_distance: gDc (overwritten) to gX (added). */
static void
centred_distance_back(const double *X, size_t ld, size_t M, size_t c,
    const double *val, const double *D, double *gDc, double *gX,
    double *vec)
{
	double *rr = vec, *ss = vec + M, *cm = vec + 2 * M, *rm = vec + 3 * M;
	double all = 0, *gv = gDc;
	size_t i, j, k;

	for (i = 0; i < M; i++)
		cm[i] = rm[i] = 0;
	for (i = 0; i < M; i++)
		for (j = 0; j < M; j++) {
			rm[i] += gDc[i * M + j];
			cm[j] += gDc[i * M + j];
			all += gDc[i * M + j];
		}
	/* The centring is self-adjoint; then through the root and the
	 * clamp, in place: gv = d/dvalue. */
	for (i = 0; i < M; i++)
		for (j = 0; j < M; j++) {
			double g = gDc[i * M + j] - cm[j] / (double)M -
			    rm[i] / (double)M + all / ((double)M * M);

			gv[i * M + j] = val[i * M + j] > 0 ?
			    g / (2 * D[i * M + j]) : 0;
		}
	/* value_ij = r_i - 2 x_i . x_j - 2 s_i r_j. */
	for (i = 0; i < M; i++) {
		rr[i] = ss[i] = 0;
		for (k = 0; k < c; k++) {
			rr[i] += X[i * ld + k] * X[i * ld + k];
			ss[i] += X[i * ld + k];
		}
	}
	for (i = 0; i < M; i++) {
		double gr = 0, gs = 0;

		for (j = 0; j < M; j++) {
			gr += gv[i * M + j] - 2 * gv[j * M + i] * ss[j];
			gs += -2 * gv[i * M + j] * rr[j];
		}
		for (k = 0; k < c; k++) {
			double s = 0;

			for (j = 0; j < M; j++)
				s += (gv[i * M + j] + gv[j * M + i]) *
				    X[j * ld + k];
			gX[i * ld + k] += -2 * s + 2 * X[i * ld + k] * gr + gs;
		}
	}
}

/*
 * cor_weight times RecBole's correlation loss of the sampled rows; with
 * grad, adds its gradient to G.
 */
static double
cor_loss(struct model *m, int grad)
{
	size_t C = m->cor_n, M = 2 * C, d = m->d, c = m->c, F = m->F;
	size_t nu = m->sp->n_users, MM = M * M, i, j, f;
	double total = 0, div = (double)(F + 1) * (double)F / 2;
	double inv2 = 1.0 / ((double)M * (double)M);

	for (i = 0; i < M; i++) {
		size_t row = i < C ? m->cor_u[i] : nu + m->cor_i[i - C];

		for (j = 0; j < d; j++)
			m->cx[i * d + j] = (double)m->fin[row * d + j];
	}
	for (f = 0; f < F; f++)
		centred_distance(m->cx + f * c, d, M, c, m->cval + f * MM,
		    m->cD + f * MM, m->cDc + f * MM, m->cvec);
	if (grad)
		memset(m->cgD, 0, F * MM * sizeof(double));
	for (f = 0; f + 1 < F; f++) {
		const double *D1 = m->cDc + f * MM, *D2 = m->cDc + (f + 1) * MM;
		double a12 = 0, a11 = 0, a22 = 0, d12, d11, d22, p, sp, den;
		double g12, g11, g22, gp, gdc;

		for (i = 0; i < MM; i++) {
			a12 += D1[i] * D2[i];
			a11 += D1[i] * D1[i];
			a22 += D2[i] * D2[i];
		}
		a12 *= inv2;
		a11 *= inv2;
		a22 *= inv2;
		d12 = sqrt((a12 > 0 ? a12 : 0) + 1e-8);
		d11 = sqrt((a11 > 0 ? a11 : 0) + 1e-8);
		d22 = sqrt((a22 > 0 ? a22 : 0) + 1e-8);
		p = d11 * d22;
		sp = sqrt(p > 0 ? p : 0);
		den = sp + 1e-10;
		total += d12 / den;
		if (!grad)
			continue;
		gdc = m->cor_weight / div;
		g12 = gdc / den;
		gp = p > 0 ? -gdc * d12 / (den * den) / (2 * sp) : 0;
		g11 = gp * d22;
		g22 = gp * d11;
		/* d dcov / d a = 1 / (2 dcov) where a > 0; then d a / d Dc. */
		g12 = a12 > 0 ? g12 / (2 * d12) * inv2 : 0;
		g11 = a11 > 0 ? g11 / (2 * d11) * inv2 : 0;
		g22 = a22 > 0 ? g22 / (2 * d22) * inv2 : 0;
		{
			double *gD1 = m->cgD + f * MM;
			double *gD2 = m->cgD + (f + 1) * MM;

			for (i = 0; i < MM; i++) {
				gD1[i] += g12 * D2[i] + 2 * g11 * D1[i];
				gD2[i] += g12 * D1[i] + 2 * g22 * D2[i];
			}
		}
	}
	if (grad) {
		memset(m->cgx, 0, M * d * sizeof(double));
		for (f = 0; f < F; f++)
			centred_distance_back(m->cx + f * c, d, M, c,
			    m->cval + f * MM, m->cD + f * MM, m->cgD + f * MM,
			    m->cgx + f * c, m->cvec);
		for (i = 0; i < M; i++) {
			size_t row = i < C ? m->cor_u[i] : nu + m->cor_i[i - C];

			for (j = 0; j < d; j++)
				m->G[row * d + j] += (float)m->cgx[i * d + j];
		}
	}
	return m->cor_weight * total / div;
}

/* k distinct values of [0, n) into out, by a partial Fisher-Yates
 * shuffle of perm (reset first, so that the draw depends on rng only). */
static void
sample_distinct(uint32_t *perm, uint32_t n, uint32_t *out, size_t k,
    struct ep_rng *rng)
{
	uint32_t i, j, tmp;

	for (i = 0; i < n; i++)
		perm[i] = i;
	for (i = 0; i < k; i++) {
		j = i + ep_rng_below(rng, n - i);
		tmp = perm[i];
		perm[i] = perm[j];
		perm[j] = tmp;
		out[i] = perm[i];
	}
}

/* ||rows idx of w||_F over the batch (repeated rows count again). */
static double
batch_norm(const float *w, const uint32_t *idx, size_t n, size_t d)
{
	return sqrt(model_rows_sumsq(w, d, d, idx, n));
}

static double
dgcf_loss(struct model *m, const struct model_batch *b, int grad, int train,
    struct ep_rng *rng)
{
	size_t d = m->d, n = b->n, nu = m->sp->n_users, nd = m->n * d, k;
	const float *Fu = m->fin, *Fi = m->fin + nu * d;
	const float *Wu = m->t[0].w, *Wi = m->t[1].w;
	double loss, scale = 1.0 / (double)n, nrm[3];

	/* The correlation batch: sampled in training (RecBole draws it with
	 * Python's random, ecoplan from rng); fixed otherwise. */
	if (train && m->cor_n > 0) {
		sample_distinct(m->perm_u, m->sp->n_users, m->cor_u, m->cor_n,
		    rng);
		sample_distinct(m->perm_i, m->sp->n_items, m->cor_i, m->cor_n,
		    rng);
	}
	propagate(m);
	if (grad)
		memset(m->G, 0, nd * sizeof(float));
	loss = scale * model_bpr_pairs(Fu, Fi, d, b->user, b->item,
	    b->neg, n, scale, 1.0f, grad ? m->G : NULL,
	    grad ? m->G + nu * d : NULL);
	nrm[0] = batch_norm(Wu, b->user, n, d);
	nrm[1] = batch_norm(Wi, b->item, n, d);
	nrm[2] = batch_norm(Wi, b->neg, n, d);
	loss += m->reg_weight * (nrm[0] + nrm[1] + nrm[2]) * scale;
	if (m->cor_n > 0)
		loss += cor_loss(m, grad);
	if (!grad)
		return loss;
	backward(m);
	m->cached = 0;
	model_panel_forget(&m->items);
	/* d||M||_F / dM = M / ||M||_F, scattered back to the rows. */
	for (k = 0; k < 3; k++) {
		const uint32_t *idx = k == 0 ? b->user : k == 1 ? b->item : b->neg;
		float *g = k == 0 ? m->t[0].g : m->t[1].g;
		const float *w = k == 0 ? Wu : Wi;
		float f;
		size_t r;

		if (!(nrm[k] > 0))
			continue;
		f = (float)(m->reg_weight * scale / nrm[k]);
		for (r = 0; r < n; r++)
			model_axpy(g + (size_t)idx[r] * d, f,
			    w + (size_t)idx[r] * d, d);
	}
	/* The propagation spreads the gradient over the whole graph. */
	memset(m->touched, 1, m->n);
	return loss;
}

/* Every batch propagates the whole graph: it reads every row. */
static void
dgcf_mark_rows(struct model *m, const struct model_batch *b)
{
	(void)b;
	memset(m->touched, 1, m->n);
}

static void
dgcf_stepped(struct model *m)
{
	m->cached = 0;
	model_panel_forget(&m->items);
}

static void
dgcf_prepare(struct model *m)
{
	/* The optimiser may bring rows up to date without a step (flush),
	 * so propagate afresh. */
	propagate(m);
	(void)model_panel_pack(&m->items, m->fin + (size_t)m->sp->n_users *
	    m->d, m->sp->n_items, m->d, MODEL_PANEL_AUTO);
}

static void
dgcf_tables(struct model *m, const float **user, const float **item,
    size_t *w)
{
	*user = m->fin;
	*item = m->fin + (size_t)m->sp->n_users * m->d;
	*w = m->d;
}

static void
dgcf_score(struct model *m, const uint32_t *users, size_t n, float *out)
{
	const float *U, *V;
	size_t w;

	dgcf_tables(m, &U, &V, &w);
	model_dot_score(&m->items, U, V, w, users, n, m->sp->n_items, out);
}

static void
dgcf_stats(const struct model *m, struct model_stats *st)
{
	double nu = m->sp->n_users, ni = m->sp->n_items, d = (double)m->d;
	double N = (double)m->sp->part[MODEL_TRAIN].nnz, n = nu + ni;
	double steps = ceil(N / 2048), E = (double)m->E, F = (double)m->F;
	double M = 2 * (double)m->cor_n, LT = (double)(m->L * m->T);
	double fl = 0;
	size_t l, t;

	for (l = 0; l < m->L; l++) {
		/* Z and its backward. */
		fl += n * d * 30;
		for (t = 0; t < m->T; t++) {
			int update = !(l + 1 == m->L && t + 1 == m->T);
			int live_a = !(l == 0 && t == 0);

			/* Softmax (an exponential counted as 10), degrees;
			 * the routed sum; norms; the logits' update. */
			fl += E * F * 16 + 2 * E * d + E * F + n * d * 4;
			if (update)
				fl += 2 * E * d + E * F;
			/* Backward: the update's two sums and the norms;
			 * the transposed sum and the weights' gradient (the
			 * reverse edge's recomputed: two dots an edge);
			 * degrees and softmax. */
			if (update)
				fl += 4 * E * d + n * d * 8;
			fl += 2 * E * d + E * F;
			if (live_a)
				fl += 4 * E * d + E * F * 16;
		}
	}
	/* The correlation: F distance matrices forward and backward, and
	 * F - 1 pairs of products. */
	fl += F * M * M * (2 * d / F + 12) * 3 + (F - 1) * M * M * 10;
	st->params = n * d;
	st->flops_epoch = steps * (fl + n * d * (m->L + 3) +
	    st->params * 10) + N * 14 * d;
	st->flops_user = 2 * ni * d;
	/* Weights, gradients, Adam's moments, fin and five backward
	 * buffers, the saved iterations and layers, the edge arrays
	 * (logits, their gradient, the weights' gradient, the saved
	 * softmaxes but the first iteration's), the graph and its reverse,
	 * the correlation's workspace; the item rows packed for scoring. */
	st->bytes = (n * d * (4 + 6) + ni * d + LT * (n * d + 4 * n * F) +
	    (double)m->L * (n * d + n * F) + E * F * (3 + (LT > 0 ? LT - 1 :
	    0))) *
	    sizeof(float) + E * (2 * sizeof(uint32_t) + sizeof(float)) +
	    (n + 1) * sizeof(size_t) + n + (n + 2 * M) * sizeof(uint32_t) +
	    (2 * M * d + 4 * F * M * M + 4 * M) * sizeof(double);
}

static void
dgcf_free(struct model *m)
{
	model_graph_release(&m->graph);
	free(m->rev);
	free(m->w);
	free(m->g);
	free(m->touched);
	free(m->A);
	free(m->S);
	free(m->deg);
	free(m->r);
	free(m->Y);
	free(m->ynrm);
	free(m->yinv);
	free(m->Z);
	free(m->xnrm);
	free(m->fin);
	free(m->G);
	free(m->gout);
	free(m->gy);
	free(m->gx);
	free(m->gz);
	free(m->gA);
	free(m->gw);
	free(m->perm_u);
	free(m->perm_i);
	free(m->cor_u);
	free(m->cor_i);
	free(m->cx);
	free(m->cgx);
	free(m->cval);
	free(m->cD);
	free(m->cDc);
	free(m->cgD);
	free(m->cvec);
	model_panel_release(&m->items);
	free(m);
}

const struct model_ops model_dgcf_ops = {
	.name = "dgcf",
	.title = "DGCF",
	.summary = "disentangled graph collaborative filtering: intent routing",
	.sampling = MODEL_SAMPLE_PAIRWISE,
	.params = params,
	.create = dgcf_create,
	.tensors = dgcf_tensors,
	.loss = dgcf_loss,
	.mark_rows = dgcf_mark_rows,
	.stepped = dgcf_stepped,
	.prepare = dgcf_prepare,
	.score = dgcf_score,
	.tables = dgcf_tables,
	.stats = dgcf_stats,
	.free = dgcf_free,
};
