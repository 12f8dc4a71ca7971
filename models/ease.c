/*
 * EASE (Steck 2019), as RecBole's EASE: with X the binary training
 * matrix (users x items),
 *
 *	G = X'X + lambda I,   P = G^-1,   B[i][j] = -P[i][j] / P[j][j],
 *	B[j][j] = 0,          score(u, .) = sum over i in R_u of B[i][.].
 *
 * G is accumulated through the sparse structure (the lower triangle
 * only) and inverted in double by Cholesky (LAPACK dpotrf and dpotri
 * from OpenBLAS); B is kept as a dense float item x item matrix (rows
 * padded to whole cache lines), so scoring a user adds |R_u| rows of
 * B. RecBole inverts in float32 with numpy.linalg.inv; double is more
 * accurate and G is symmetric positive definite for any lambda > 0.
 * fit() needs 12 I^2 bytes at its peak (G in double, B in float), so
 * item counts above EASE_MAX_ITEMS, or whose matrices do not fit in
 * physical memory, are refused.
 */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "core/mem.h"
#include "models/kernels.h"
#include "models/model.h"
#include "core/banned.h"

/* LAPACK, exported by libopenblas (there is no lapacke.h to include). */
void dpotrf_(const char *uplo, const int *n, double *a, const int *lda,
    int *info);
void dpotri_(const char *uplo, const int *n, double *a, const int *lda,
    int *info);

/* The most items EASE takes: 30,000 items need 10.8 GB. */
#define EASE_MAX_ITEMS 30000

/* Side of the tiles in which P is turned into B. */
#define EASE_TILE 64

/* Columns of B a scoring pass takes at a time (model_sum_rows_ld()'s
 * width in registers). */
#define EASE_PANEL 64

struct model {
	const struct model_split *sp;	/* borrowed; outlives the model */
	double lambda;		/* reg_weight */
	float *b;		/* n_items rows, ease_ld() apart; owned */
	double sumsq;		/* sum_u |R_u|^2 */
};

static const struct model_param ease_params[] = {
	{ "reg_weight", MODEL_PARAM_REAL, 250.0, 1e-6, 1e9, NULL,
	    "lambda, added to the diagonal of the item-item Gram matrix" },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

/* The stride of B's rows for n items: whole cache lines, so that a
 * panel of a row is EASE_PANEL / 16 lines, not one more. */
static size_t
ease_ld(size_t n)
{
	return (n + 15) & ~(size_t)15;
}

/* Bytes fit() holds at its peak for n items. */
static double
ease_peak_bytes(double n)
{
	return n * n * sizeof(double) + n * (n + 15) * sizeof(float);
}

static struct model *
ease_create(const struct model_split *sp, const struct model_hp *hp,
    struct ep_rng *rng, struct ep_err *err)
{
	const struct model_csr *x = &sp->part[MODEL_TRAIN];
	double need = ease_peak_bytes(sp->n_items);
	long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
	struct model *m;
	uint32_t u;

	(void)rng;
	if (sp->n_items > EASE_MAX_ITEMS) {
		ep_fail(err, EP_ENOMEM, "EASE: %u items need %.1f GB for the "
		    "item x item matrices (at most %d items)", sp->n_items,
		    need / 1e9, EASE_MAX_ITEMS);
		return NULL;
	}
	if (pages > 0 && page > 0 && need > (double)pages * (double)page) {
		ep_fail(err, EP_ENOMEM, "EASE: %u items need %.1f GB for the "
		    "item x item matrices, more than the %.1f GB of memory",
		    sp->n_items, need / 1e9,
		    (double)pages * (double)page / 1e9);
		return NULL;
	}
	m = ep_xcalloc(1, sizeof *m);
	m->sp = sp;
	m->lambda = model_hp_get(hp, "reg_weight");
	for (u = 0; u < x->n_rows; u++) {
		double d = (double)model_csr_row_len(x, u);

		m->sumsq += d * d;
	}
	return m;
}

/*
 * Cholesky factorisation and inverse of the n x n matrix g in place;
 * OpenBLAS may use all the OpenMP threads for these two calls only.
 */
static int
ease_invert(double *g, int n, struct ep_err *err)
{
	int info = 0, saved = openblas_get_num_threads();

#ifdef _OPENMP
	openblas_set_num_threads(omp_get_max_threads());
#endif
	/* g's row-major lower triangle is LAPACK's column-major upper. */
	dpotrf_("U", &n, g, &n, &info);
	if (info == 0)
		dpotri_("U", &n, g, &n, &info);
	openblas_set_num_threads(saved);
	if (info != 0)
		return ep_fail(err, EP_ERANGE, "EASE: the item-item matrix is "
		    "not positive definite (LAPACK info %d); raise reg_weight",
		    info);
	return 0;
}

static int
ease_fit(struct model *m, struct ep_rng *rng, struct ep_err *err)
{
	const struct model_csr *x = &m->sp->part[MODEL_TRAIN];
	struct model_csr xt = MODEL_CSR_INIT;
	size_t ni = m->sp->n_items, ld;
	double *g = NULL, *dinv = NULL;
	long a, ib;
	int rc = -1;

	(void)rng;
	free(m->b);
	m->b = NULL;
	if (ni == 0)
		return 0;
	model_csr_transpose(x, &xt);
	g = ep_xaligned(ni * ni, sizeof *g);

	/* Row a of G's lower triangle: the items b <= a of a's users. The
	 * rows are written by one thread each (first touch, no atomics). */
#pragma omp parallel for schedule(dynamic, 16)
	for (a = 0; a < (long)ni; a++) {
		double *restrict row = g + (size_t)a * ni;
		size_t p, q;

		memset(row, 0, ni * sizeof *row);
		for (p = xt.rowptr[a]; p < xt.rowptr[a + 1]; p++) {
			uint32_t u = xt.col[p];

			for (q = x->rowptr[u]; q < x->rowptr[u + 1] &&
			    x->col[q] <= (uint32_t)a; q++)
				row[x->col[q]] += 1.0;
		}
		row[a] += m->lambda;
	}
	model_csr_release(&xt);
	if (ease_invert(g, (int)ni, err) < 0)
		goto out;

	/* P is valid in its lower triangle: P[i][j] = g[max][min]. Tiles
	 * keep the transposed reads of the upper half in cache. */
	dinv = ep_xcalloc(ni, sizeof *dinv);
	for (a = 0; a < (long)ni; a++)
		dinv[a] = 1.0 / g[(size_t)a * ni + (size_t)a];
	ld = ease_ld(ni);
	m->b = ep_xaligned(ni * ld, sizeof *m->b);
#pragma omp parallel for schedule(dynamic, 1)
	for (ib = 0; ib < (long)ni; ib += EASE_TILE) {
		size_t i, j, jb, iend = (size_t)ib + EASE_TILE < ni ?
		    (size_t)ib + EASE_TILE : ni;

		for (jb = 0; jb < ni; jb += EASE_TILE) {
			size_t jend = jb + EASE_TILE < ni ? jb + EASE_TILE : ni;

			for (i = (size_t)ib; i < iend; i++) {
				float *restrict brow = m->b + i * ld;

				for (j = jb; j < jend; j++) {
					double p = j <= i ? g[i * ni + j] :
					    g[j * ni + i];

					brow[j] = (float)(-p * dinv[j]);
				}
				if (i >= jb && i < jend)
					brow[i] = 0;
			}
		}
	}
	rc = 0;
out:
	free(g);
	free(dinv);
	return rc;
}

/*
 * The block's users' rows of X times B, a panel of EASE_PANEL columns
 * at a time: each user's history rows of the panel are summed in
 * registers and the sum stored once (model_sum_rows_ld()), and the
 * panel's rows that the block reads (a quarter of a KiB each) stay in
 * the L2 from one user to the next. Adding whole rows of B into the
 * output read and wrote the output's row once per history item: three
 * times the bytes. Each output adds its items in ascending order from
 * zero, as before (bench/RESULTS.md, optimisation 55).
 */
static void
ease_score(struct model *m, const uint32_t *users, size_t n, float *out)
{
	const struct model_csr *x = &m->sp->part[MODEL_TRAIN];
	size_t ni = m->sp->n_items, ld = ease_ld(ni), bu, p, w;

	if (m->b == NULL) {
		memset(out, 0, n * ni * sizeof *out);
		return;
	}
	for (p = 0; p < ni; p += w) {
		w = ni - p < EASE_PANEL ? ni - p : EASE_PANEL;
		for (bu = 0; bu < n; bu++) {
			uint32_t u = users[bu];

			model_sum_rows_ld(out + bu * ni + p, m->b + p, ld,
			    x->col + x->rowptr[u], model_csr_row_len(x, u),
			    w);
		}
	}
}

static void
ease_stats(const struct model *m, struct model_stats *st)
{
	const struct model_csr *x = &m->sp->part[MODEL_TRAIN];
	double ni = m->sp->n_items, U = m->sp->n_users;

	st->params = ni * ni;
	/* Half the co-occurrences for G's triangle, I^3/3 for dpotrf,
	 * 2 I^3/3 for dpotri, 2 I^2 to form B. */
	st->flops_epoch = m->sumsq / 2 + ni * ni * ni + 2 * ni * ni;
	st->flops_user = U > 0 ? (double)x->nnz * ni / U : 0;
	st->bytes = (double)sizeof *m +
	    ni * (double)ease_ld(m->sp->n_items) * sizeof(float);
}

static void
ease_free(struct model *m)
{
	if (m == NULL)
		return;
	free(m->b);
	free(m);
}

const struct model_ops model_ease_ops = {
	.name = "ease",
	.title = "EASE",
	.summary = "embarrassingly shallow autoencoder: closed-form item-item "
	    "ridge regression",
	.sampling = MODEL_SAMPLE_NONE,
	.params = ease_params,
	.create = ease_create,
	.fit = ease_fit,
	.tensors = NULL,
	.loss = NULL,
	.stepped = NULL,
	.score = ease_score,
	.prepare = NULL,
	.stats = ease_stats,
	.free = ease_free,
};
