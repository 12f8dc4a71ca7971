/*
 * SLIMElastic, as RecBole's SLIMElastic: for every item j, the
 * non-negative elastic net that scikit-learn's ElasticNet solves,
 *
 *	min_w  1/(2n) |x_j - X w|^2 + alpha rho |w|_1
 *	       + alpha (1 - rho) / 2 |w|^2,     w >= 0,  w_j = 0,
 *
 * with X the binary training matrix (users x items), x_j its column j,
 * n = n_users + 1 (RecBole counts its [PAD] user row), alpha = alpha and
 * rho = l1_ratio; w_j = 0 is RecBole's hide_item (column j zeroed in the
 * design). The solutions are the columns of W, and
 *
 *	score(u, .) = sum over i in R_u of W[i][.].
 *
 * The solver is covariance-based coordinate descent (Friedman et al.
 * 2010) on the Gram matrix G = X'X, built once (in float: its entries
 * are co-occurrence counts) and shared by all columns. Multiplied by n,
 * the coordinate update is sklearn's:
 *
 *	w_k = max(q_k - (G w)_k + G_kk w_k - l1, 0) / (G_kk + l2),
 *
 * with q = X'x_j (column j of G), l1 = n alpha rho, l2 = n alpha (1-rho),
 * and c = G w kept up to date as w changes. After each sweep over all
 * items, sweeps run over the non-zero coefficients only, on a packed copy
 * of their Gram block, until they settle (glmnet's active-set strategy);
 * then the next full sweep checks whether other coefficients want to
 * enter. max_iter bounds the full sweeps, as sklearn's bounds its sweeps,
 * and each active phase. The stopping rule is sklearn's: when the largest
 * change of a full sweep is below tol times the largest coefficient, the
 * duality gap (computed from G, q and c) must also be below tol |x_j|^2.
 * The cheap active sweeps leave the solution at least as converged as
 * the same number of plain sweeps would: with RecBole's max_iter 100,
 * every column of ml-100k converges, where 100 plain cyclic sweeps leave
 * 3% of them short of the tolerance.
 *
 * sklearn visits the coordinates in random order (selection 'random' in
 * RecBole, seeded from NumPy's global RNG) and, X being sparse, on the
 * residual rather than on G; this visits them cyclically. The problem is
 * strictly convex for alpha (1 - rho) > 0, so both converge to the same
 * optimum and differ only within the tolerance. Columns are independent
 * and fitted in parallel, each deterministically, so W does not depend on
 * the thread count.
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
	double alpha;
	double l1_ratio;
	double tol;
	long max_iter;
	/* W by source item i: row i holds the (j, W[i][j]) with
	 * W[i][j] > 0, j ascending. Owned. */
	size_t *rowptr;		/* n_items + 1 */
	uint32_t *col;		/* nnz */
	float *val;		/* nnz */
	size_t nnz;
	double sumsq;		/* sum_u |R_u|^2 */
	double flops_fit;	/* counted by fit() */
	size_t unconverged;	/* columns that reached max_iter */
	int fitted;
};

/*
 * The Gram matrix X'X (symmetric), dense when at least one item pair in
 * SLIM_DENSE_SHARE co-occurs and it takes at most SLIM_DENSE_MAX bytes,
 * else one sparse row per item. Dense rows make the updates of c and the
 * packing of the active block vector loops; sparse rows keep catalogues
 * with few co-occurrences small. Dense rows are 16-bit counts where no
 * item has more than 65535 users (no pair can co-occur more often than
 * either item occurs), exact and half the bytes for the updates of c to
 * read; else floats.
 */
struct gram {
	uint32_t n;
	float *dense;		/* n x n, or NULL */
	uint16_t *dense16;	/* n x n, or NULL; not both */
	uint32_t *len;		/* entries in each row, diagonal included */
	uint32_t **col;		/* sparse only: unordered */
	float **val;		/* sparse only: co-occurrence counts */
	double *diag;		/* G_kk: the items' popularity */
	uint32_t nonempty;	/* items with G_kk > 0 */
	double nnz;
};

#define SLIM_DENSE_SHARE 8
#define SLIM_DENSE_MAX ((double)(4UL << 30))

/* Per-thread workspace of the column solver. */
struct slim_ws {
	double *w;		/* n: coefficients */
	double *c;		/* n: G w */
	double *q;		/* n: X' x_j */
	uint32_t *act;		/* n: coefficients that have been non-zero */
	unsigned char *in_act;	/* n */
	int32_t *pos;		/* n: index in act, or -1 */
	float *ga;		/* packed Gram block of act, grown */
	size_t ga_cap;
	double *ca;		/* G w on act */
	double *wa;		/* w on act */
};

/* Constants of one column's problem, in sklearn's scaling (times n). */
struct slim_prob {
	uint32_t j;
	double l1;
	double l2;
	double tol;
	long max_iter;
};

static const struct model_param slim_params[] = {
	{ "alpha", MODEL_PARAM_REAL, 0.2, 0, 1e6, NULL,
	    "weight of the elastic-net penalty (sklearn's alpha)" },
	{ "l1_ratio", MODEL_PARAM_REAL, 0.02, 0, 1, NULL,
	    "share of the penalty that is L1 (sklearn's l1_ratio)" },
	{ "max_iter", MODEL_PARAM_INT, 100, 1, 100000, NULL,
	    "most coordinate-descent sweeps over all items per item column "
	    "(and over its non-zero coefficients between two of them)" },
	{ "tol", MODEL_PARAM_REAL, 1e-4, 0, 1, NULL,
	    "stop when the largest change of a sweep is below tol times the "
	    "largest coefficient and the duality gap below tol |x_j|^2" },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

static struct model *
slim_create(const struct model_split *sp, const struct model_hp *hp,
    struct ep_rng *rng, struct ep_err *err)
{
	const struct model_csr *x = &sp->part[MODEL_TRAIN];
	struct model *m;
	uint32_t u;

	(void)rng;
	(void)err;
	m = ep_xcalloc(1, sizeof *m);
	m->sp = sp;
	m->alpha = model_hp_get(hp, "alpha");
	m->l1_ratio = model_hp_get(hp, "l1_ratio");
	m->max_iter = (long)model_hp_get(hp, "max_iter");
	m->tol = model_hp_get(hp, "tol");
	for (u = 0; u < x->n_rows; u++) {
		double d = (double)model_csr_row_len(x, u);

		m->sumsq += d * d;
	}
	return m;
}

/* Builds g = X'X from x and its transpose xt. */
static void
gram_build(struct gram *g, const struct model_csr *x,
    const struct model_csr *xt)
{
	uint32_t ni = x->n_cols;
	long a;

	memset(g, 0, sizeof *g);
	g->n = ni;
	g->len = ep_xcalloc((size_t)ni + 1, sizeof *g->len);
	g->col = ep_xcalloc((size_t)ni + 1, sizeof *g->col);
	g->val = ep_xcalloc((size_t)ni + 1, sizeof *g->val);
	g->diag = ep_xcalloc((size_t)ni + 1, sizeof *g->diag);
#pragma omp parallel
	{
		uint32_t *cnt = ep_xcalloc((size_t)ni + 1, sizeof *cnt);
		uint32_t *touched = ep_xcalloc((size_t)ni + 1,
		    sizeof *touched);

#pragma omp for schedule(dynamic, 8)
		for (a = 0; a < (long)ni; a++) {
			size_t t, nt = model_csr_cooccur(x, xt, (uint32_t)a,
			    cnt, touched);

			g->len[a] = (uint32_t)nt;
			if (nt > 0) {
				g->col[a] = ep_xreallocarray(NULL, nt,
				    sizeof *g->col[a]);
				g->val[a] = ep_xreallocarray(NULL, nt,
				    sizeof *g->val[a]);
			}
			for (t = 0; t < nt; t++) {
				g->col[a][t] = touched[t];
				g->val[a][t] = (float)cnt[touched[t]];
				cnt[touched[t]] = 0;
			}
			g->diag[a] = (double)model_csr_row_len(xt, (uint32_t)a);
		}
		free(cnt);
		free(touched);
	}
	g->nnz = 0;
	g->nonempty = 0;
	for (a = 0; a < (long)ni; a++) {
		g->nnz += g->len[a];
		g->nonempty += g->diag[a] != 0;
	}
	if (g->nnz * SLIM_DENSE_SHARE < (double)ni * ni ||
	    (double)ni * ni * sizeof(float) > SLIM_DENSE_MAX)
		return;
	for (a = 0; a < (long)ni && g->diag[a] <= UINT16_MAX; a++)
		;
	if (a == (long)ni)
		g->dense16 = ep_xaligned((size_t)ni * ni, sizeof *g->dense16);
	else
		g->dense = ep_xaligned((size_t)ni * ni, sizeof *g->dense);
#pragma omp parallel for schedule(dynamic, 16)
	for (a = 0; a < (long)ni; a++) {
		uint32_t t;

		if (g->dense16 != NULL) {
			uint16_t *row = g->dense16 + (size_t)a * ni;

			memset(row, 0, (size_t)ni * sizeof *row);
			for (t = 0; t < g->len[a]; t++)
				row[g->col[a][t]] = (uint16_t)g->val[a][t];
		} else {
			float *row = g->dense + (size_t)a * ni;

			memset(row, 0, (size_t)ni * sizeof *row);
			for (t = 0; t < g->len[a]; t++)
				row[g->col[a][t]] = g->val[a][t];
		}
		free(g->col[a]);
		free(g->val[a]);
		g->col[a] = NULL;
		g->val[a] = NULL;
	}
}

static void
gram_release(struct gram *g)
{
	uint32_t k;

	for (k = 0; g->col != NULL && k < g->n; k++) {
		free(g->col[k]);
		free(g->val[k]);
	}
	free(g->dense);
	free(g->dense16);
	free(g->len);
	free(g->col);
	free(g->val);
	free(g->diag);
}

static void
ws_init(struct slim_ws *ws, uint32_t n)
{
	uint32_t k;

	memset(ws, 0, sizeof *ws);
	ws->w = ep_xcalloc((size_t)n + 1, sizeof *ws->w);
	ws->c = ep_xcalloc((size_t)n + 1, sizeof *ws->c);
	ws->q = ep_xcalloc((size_t)n + 1, sizeof *ws->q);
	ws->act = ep_xcalloc((size_t)n + 1, sizeof *ws->act);
	ws->in_act = ep_xcalloc((size_t)n + 1, sizeof *ws->in_act);
	ws->pos = ep_xcalloc((size_t)n + 1, sizeof *ws->pos);
	for (k = 0; k < n; k++)
		ws->pos[k] = -1;
	ws->ca = ep_xcalloc((size_t)n + 1, sizeof *ws->ca);
	ws->wa = ep_xcalloc((size_t)n + 1, sizeof *ws->wa);
}

static void
ws_release(struct slim_ws *ws)
{
	free(ws->w);
	free(ws->c);
	free(ws->q);
	free(ws->act);
	free(ws->in_act);
	free(ws->pos);
	free(ws->ga);
	free(ws->ca);
	free(ws->wa);
}

/* Entry at of a dense G (row-major), exactly. */
static inline double
gram_dense(const struct gram *g, size_t at)
{
	return g->dense16 != NULL ? (double)g->dense16[at] :
	    (double)g->dense[at];
}

/* c += d * G[:, k] (G is symmetric: row k). Returns the flops. */
static inline double
gram_axpy(const struct gram *g, uint32_t k, double d, double *restrict c)
{
	uint32_t p;

	if (g->dense16 != NULL) {
		model_axpy_hd(c, d, g->dense16 + (size_t)k * g->n, g->n);
		return 2.0 * g->n;
	} else if (g->dense != NULL) {
		model_axpy_fd(c, d, g->dense + (size_t)k * g->n, g->n);
		return 2.0 * g->n;
	} else {
		const uint32_t *col = g->col[k];
		const float *val = g->val[k];

		for (p = 0; p < g->len[k]; p++)
			c[col[p]] += d * (double)val[p];
		return 2.0 * g->len[k];
	}
}

/* Sets q to column j of G with entry j zeroed (v = 1), or clears what
 * that set (v = 0). */
static void
gram_column(const struct gram *g, uint32_t j, double *q, int v)
{
	uint32_t p;

	if (g->dense16 != NULL || g->dense != NULL) {
		size_t at = (size_t)j * g->n;

		for (p = 0; p < g->n; p++)
			q[p] = v ? gram_dense(g, at + p) : 0;
	} else {
		for (p = 0; p < g->len[j]; p++)
			q[g->col[j][p]] = v ? (double)g->val[j][p] : 0;
	}
	q[j] = 0;
}

/* Packs the Gram block of act[0..na) into ga (na x na). pos is -1
 * everywhere and is left so. Returns the operations. */
static double
gram_pack(const struct gram *g, const uint32_t *act, size_t na,
    int32_t *pos, float *ga)
{
	double ops = 0;
	size_t a, b;
	uint32_t p;

	if (g->dense16 != NULL || g->dense != NULL) {
		for (a = 0; a < na; a++) {
			size_t at = (size_t)act[a] * g->n;

			for (b = 0; b < na; b++)
				ga[a * na + b] = (float)gram_dense(g,
				    at + act[b]);
		}
		return (double)(na * na);
	}
	for (a = 0; a < na; a++)
		pos[act[a]] = (int32_t)a;
	for (a = 0; a < na; a++) {
		float *row = ga + a * na;
		uint32_t i = act[a];

		memset(row, 0, na * sizeof *row);
		for (p = 0; p < g->len[i]; p++) {
			int32_t at = pos[g->col[i][p]];

			if (at >= 0)
				row[at] = g->val[i][p];
		}
		ops += g->len[i];
	}
	for (a = 0; a < na; a++)
		pos[act[a]] = -1;
	return ops;
}

/* sklearn's coordinate update, with tmp = q_k - (G w)_k + G_kk w_k. */
static inline double
cd_update(double tmp, double gkk, const struct slim_prob *pb)
{
	return tmp > pb->l1 ? (tmp - pb->l1) / (gkk + pb->l2) : 0;
}

/*
 * The duality gap of sklearn's enet_coordinate_descent (positive), in
 * Gram form: X'R = q - G w, |R|^2 = |y|^2 - 2 q.w + w.G w,
 * R.y = |y|^2 - q.w. The hidden column j contributes X'R_j = 0.
 */
static double
duality_gap(const struct gram *g, const struct slim_ws *ws, size_t nact,
    double y2, const struct slim_prob *pb)
{
	double dual = 0, qw = 0, wc = 0, w2 = 0, l1n = 0, r2, cst, gap;
	uint32_t k;
	size_t a;

	for (k = 0; k < g->n; k++) {
		double xta;

		if (k == pb->j)
			continue;
		xta = ws->q[k] - ws->c[k] - pb->l2 * ws->w[k];
		if (xta > dual)
			dual = xta;
	}
	for (a = 0; a < nact; a++) {
		uint32_t i = ws->act[a];
		double w = ws->w[i];

		qw += ws->q[i] * w;
		wc += ws->c[i] * w;
		w2 += w * w;
		l1n += w;
	}
	r2 = y2 - 2 * qw + wc;
	if (dual > pb->l1) {
		cst = pb->l1 / dual;
		gap = 0.5 * (r2 + r2 * cst * cst);
	} else {
		cst = 1;
		gap = r2;
	}
	return gap + pb->l1 * l1n - cst * (y2 - qw) +
	    0.5 * pb->l2 * (1 + cst * cst) * w2;
}

/*
 * Solves column pb->j into ws->w (non-zeros at ws->act[0..*nact)).
 * Adds its floating-point operations to *flops. Returns 1 when it
 * converged, 0 when it stopped at max_iter.
 */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
static int
slim_column(const struct gram *g, struct slim_ws *ws,
    const struct slim_prob *pb, size_t *nact, double *flops)
{
	uint32_t ni = g->n, j = pb->j, k;
	double y2 = g->diag[j], dmax, wmax, fl = 0;
	size_t na = 0, a, b, nvis;
	long it = 0, ait;
	int conv = 0;

	*nact = 0;
	if (y2 == 0)
		return 1;
	gram_column(g, j, ws->q, 1);
	/* The coordinates a sweep visits: the non-empty items but j. */
	nvis = g->nonempty - 1;
	for (;;) {
		/*
		 * A full sweep over every coordinate but j. Where w_k = 0
		 * and q_k - c_k <= l1 the update leaves w_k at 0 and
		 * changes nothing else, so such runs are skipped by vector
		 * compares (c is read after each change, as before).
		 */
		dmax = wmax = 0;
		fl += 5.0 * (double)nvis;
		for (k = (uint32_t)model_cd_next(ws->q, ws->c, ws->w, pb->l1,
		    0, ni); k < ni; k = (uint32_t)model_cd_next(ws->q, ws->c,
		    ws->w, pb->l1, (size_t)k + 1, ni)) {
			double wk = ws->w[k], nw;

			if (k == j || g->diag[k] == 0)
				continue;
			nw = cd_update(ws->q[k] - ws->c[k] + g->diag[k] * wk,
			    g->diag[k], pb);
			if (nw != wk) {
				fl += gram_axpy(g, k, nw - wk, ws->c);
				ws->w[k] = nw;
				if (!ws->in_act[k]) {
					ws->in_act[k] = 1;
					ws->act[na++] = k;
				}
			}
			dmax = fmax(dmax, fabs(nw - wk));
			wmax = fmax(wmax, nw);
		}
		it++;
		if (wmax == 0 || dmax / wmax < pb->tol || it >= pb->max_iter) {
			fl += 3.0 * ni + 8.0 * (double)na;
			if (duality_gap(g, ws, na, y2, pb) < pb->tol * y2) {
				conv = 1;
				break;
			}
			if (it >= pb->max_iter)
				break;
		}

		/* Drop the coefficients that went back to zero, then pack
		 * the Gram block of the others. */
		for (a = b = 0; a < na; a++) {
			if (ws->w[ws->act[a]] != 0)
				ws->act[b++] = ws->act[a];
			else
				ws->in_act[ws->act[a]] = 0;
		}
		na = b;
		if (na == 0)
			continue;
		if (na * na > ws->ga_cap) {
			ws->ga_cap = na * na;
			free(ws->ga);
			ws->ga = ep_xreallocarray(NULL, ws->ga_cap,
			    sizeof *ws->ga);
		}
		fl += gram_pack(g, ws->act, na, ws->pos, ws->ga);
		for (a = 0; a < na; a++) {
			ws->ca[a] = ws->c[ws->act[a]];
			ws->wa[a] = ws->w[ws->act[a]];
		}

		/* Sweeps over the active set until they settle. */
		for (ait = 0; ait < pb->max_iter; ait++) {
			dmax = wmax = 0;
			for (a = 0; a < na; a++) {
				uint32_t i = ws->act[a];
				double wk = ws->wa[a], nw;

				nw = cd_update(ws->q[i] - ws->ca[a] +
				    g->diag[i] * wk, g->diag[i], pb);
				if (nw != wk) {
					model_axpy_fd(ws->ca, nw - wk,
					    ws->ga + a * na, na);
					ws->wa[a] = nw;
				}
				dmax = fmax(dmax, fabs(nw - wk));
				wmax = fmax(wmax, nw);
			}
			fl += 5.0 * (double)na + 2.0 * (double)(na * na);
			if (wmax == 0 || dmax / wmax < pb->tol)
				break;
		}

		/* Bring c up to date over all items. */
		for (a = 0; a < na; a++) {
			uint32_t i = ws->act[a];
			double d = ws->wa[a] - ws->w[i];

			if (d != 0) {
				fl += gram_axpy(g, i, d, ws->c);
				ws->w[i] = ws->wa[a];
			}
		}
	}
	gram_column(g, j, ws->q, 0);
	*nact = na;
	*flops += fl;
	return conv;
}

/* Clears what slim_column() left in ws, keeping w's non-zeros listed in
 * ws->act[0..na). */
static void
ws_clear(struct slim_ws *ws, uint32_t n, size_t na)
{
	size_t a;

	for (a = 0; a < na; a++)
		ws->in_act[ws->act[a]] = 0;
	memset(ws->w, 0, (size_t)n * sizeof *ws->w);
	memset(ws->c, 0, (size_t)n * sizeof *ws->c);
}

static int
slim_fit(struct model *m, struct ep_rng *rng, struct ep_err *err)
{
	const struct model_csr *x = &m->sp->part[MODEL_TRAIN];
	struct model_csr xt = MODEL_CSR_INIT;
	struct gram g;
	uint32_t ni = m->sp->n_items, i, j;
	double n = (double)m->sp->n_users + 1;
	uint32_t **wj = NULL;	/* per column j: source items */
	float **vj = NULL;	/* and their weights */
	uint32_t *nj = NULL;
	double *flops = NULL;
	size_t *next = NULL, p, unconv = 0;
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
	gram_build(&g, x, &xt);
	model_csr_release(&xt);
	wj = ep_xcalloc((size_t)ni + 1, sizeof *wj);
	vj = ep_xcalloc((size_t)ni + 1, sizeof *vj);
	nj = ep_xcalloc((size_t)ni + 1, sizeof *nj);
	flops = ep_xcalloc((size_t)ni + 1, sizeof *flops);

#pragma omp parallel reduction(+:unconv)
	{
		struct slim_ws ws;

		ws_init(&ws, ni);
#pragma omp for schedule(dynamic, 4)
		for (jj = 0; jj < (long)ni; jj++) {
			struct slim_prob pb;
			size_t na, a, cnt = 0;

			pb.j = (uint32_t)jj;
			pb.l1 = n * m->alpha * m->l1_ratio;
			pb.l2 = n * m->alpha * (1 - m->l1_ratio);
			pb.tol = m->tol;
			pb.max_iter = m->max_iter;
			if (!slim_column(&g, &ws, &pb, &na, &flops[jj]))
				unconv++;
			for (a = 0; a < na; a++)
				if (ws.w[ws.act[a]] > 0)
					cnt++;
			if (cnt > 0) {
				wj[jj] = ep_xreallocarray(NULL, cnt,
				    sizeof *wj[jj]);
				vj[jj] = ep_xreallocarray(NULL, cnt,
				    sizeof *vj[jj]);
			}
			for (a = 0, cnt = 0; a < na; a++) {
				uint32_t k = ws.act[a];

				if (ws.w[k] > 0) {
					wj[jj][cnt] = k;
					vj[jj][cnt++] = (float)ws.w[k];
				}
			}
			nj[jj] = (uint32_t)cnt;
			ws_clear(&ws, ni, na);
		}
		ws_release(&ws);
	}

	/* Rows by source item; visiting columns in order sorts them. */
	m->rowptr = ep_xcalloc((size_t)ni + 1, sizeof *m->rowptr);
	for (j = 0; j < ni; j++)
		for (p = 0; p < nj[j]; p++)
			m->rowptr[wj[j][p] + 1]++;
	for (i = 0; i < ni; i++)
		m->rowptr[i + 1] += m->rowptr[i];
	m->nnz = m->rowptr[ni];
	m->col = ep_xreallocarray(NULL, m->nnz + 1, sizeof *m->col);
	m->val = ep_xreallocarray(NULL, m->nnz + 1, sizeof *m->val);
	next = ep_xreallocarray(NULL, (size_t)ni + 1, sizeof *next);
	memcpy(next, m->rowptr, ((size_t)ni + 1) * sizeof *next);
	m->flops_fit = m->sumsq;
	for (j = 0; j < ni; j++) {
		for (p = 0; p < nj[j]; p++) {
			size_t at = next[wj[j][p]]++;

			m->col[at] = j;
			m->val[at] = vj[j][p];
		}
		free(wj[j]);
		free(vj[j]);
		m->flops_fit += flops[j];
	}
	m->unconverged = unconv;
	m->fitted = 1;
	free(next);
	free(wj);
	free(vj);
	free(nj);
	free(flops);
	gram_release(&g);
	return 0;
}

static void
slim_score(struct model *m, const uint32_t *users, size_t n, float *out)
{
	model_item_rows_score(&m->sp->part[MODEL_TRAIN], m->rowptr, m->col,
	    m->val, users, n, m->sp->n_items, out);
}

static void
slim_stats(const struct model *m, struct model_stats *st)
{
	const struct model_csr *x = &m->sp->part[MODEL_TRAIN];
	double ni = m->sp->n_items, U = m->sp->n_users, adds = 0;
	size_t p;

	if (m->fitted) {
		for (p = 0; p < x->nnz; p++) {
			uint32_t i = x->col[p];

			adds += (double)(m->rowptr[i + 1] - m->rowptr[i]);
		}
		st->params = (double)m->nnz;
		st->flops_epoch = m->flops_fit;
	} else {
		/* Before fit: the Gram matrix and max_iter sweeps without
		 * any coefficient changing, a lower bound. */
		st->params = 0;
		st->flops_epoch = m->sumsq + 5 * ni * ni * (double)m->max_iter;
	}
	st->flops_user = U > 0 ? adds / U : 0;
	st->bytes = (double)sizeof *m + (ni + 1) * sizeof(size_t) +
	    st->params * (sizeof(uint32_t) + sizeof(float));
}

static void
slim_free(struct model *m)
{
	if (m == NULL)
		return;
	free(m->rowptr);
	free(m->col);
	free(m->val);
	free(m);
}

const struct model_ops model_slimelastic_ops = {
	.name = "slimelastic",
	.title = "SLIMElastic",
	.summary = "sparse linear item-item model fitted by non-negative "
	    "elastic net",
	.sampling = MODEL_SAMPLE_NONE,
	.params = slim_params,
	.create = slim_create,
	.fit = slim_fit,
	.tensors = NULL,
	.loss = NULL,
	.stepped = NULL,
	.score = slim_score,
	.prepare = NULL,
	.stats = slim_stats,
	.free = slim_free,
};
