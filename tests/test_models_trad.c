/*
 * Tests for the traditional models ItemKNN, EASE and SLIMElastic. Each
 * is fitted on small hand-made splits and its scores for every user are
 * compared with a naive dense reference computed in double straight from
 * the definitions: cosine and a sorted top-k for ItemKNN, a Gauss-Jordan
 * inverse for EASE, a plain residual coordinate descent run to tight
 * convergence for SLIMElastic (whose solutions must also satisfy the
 * KKT conditions). Also: ties in ItemKNN, determinism across fits and
 * thread counts, concurrent scoring, parameter ranges and the EASE size
 * limit.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <omp.h>
#include <stdio.h>

#include "core/mem.h"
#include "core/rng.h"
#include "models/blas.h"
#include "models/model.h"
#include "tests/test_util.h"

extern const struct model_ops model_itemknn_ops;
extern const struct model_ops model_ease_ops;
extern const struct model_ops model_slimelastic_ops;

/* A split whose training part is the dense 0/1 matrix x (U x I, row-
 * major); validation and test are empty. */
static void
make_split(struct model_split *sp, uint32_t U, uint32_t I,
    const unsigned char *x)
{
	uint32_t *r = ep_xcalloc((size_t)U * I + 1, sizeof *r);
	uint32_t *c = ep_xcalloc((size_t)U * I + 1, sizeof *c);
	size_t n = 0, k;
	uint32_t u, i;

	*sp = (struct model_split)MODEL_SPLIT_INIT;
	sp->n_users = U;
	sp->n_items = I;
	for (u = 0; u < U; u++)
		for (i = 0; i < I; i++)
			if (x[(size_t)u * I + i]) {
				r[n] = u;
				c[n++] = i;
			}
	model_csr_from_pairs(&sp->part[MODEL_TRAIN], U, I, r, c, n);
	model_csr_from_pairs(&sp->part[MODEL_VALID], U, I, r, c, 0);
	model_csr_from_pairs(&sp->part[MODEL_TEST], U, I, r, c, 0);
	sp->item_pop = ep_xcalloc(I, sizeof *sp->item_pop);
	for (k = 0; k < n; k++)
		sp->item_pop[c[k]]++;
	free(r);
	free(c);
}

/*
 * A random 0/1 matrix of the given density. With unit_rows, user i < I
 * has item i only, so that a model's score for user i is row i of its
 * item-item matrix.
 */
static unsigned char *
random_matrix(uint32_t U, uint32_t I, double density, uint64_t seed,
    int unit_rows)
{
	unsigned char *x = ep_xcalloc((size_t)U * I, 1);
	struct ep_rng rng;
	uint32_t u, i;

	ep_rng_seed(&rng, seed, 7);
	for (u = 0; u < U; u++)
		for (i = 0; i < I; i++) {
			if (unit_rows && u < I)
				x[(size_t)u * I + i] = u == i;
			else
				x[(size_t)u * I + i] =
				    ep_rng_uniform(&rng) < density;
		}
	return x;
}

/* Creates and fits ops's model on sp with the "key=value" settings in
 * set (NULL-terminated, may be NULL). */
static struct model *
fit(const struct model_ops *ops, const struct model_split *sp,
    const char *const *set)
{
	struct model_hp hp;
	struct ep_err err = EP_ERR_INIT;
	struct ep_rng rng;
	struct model *m;

	model_hp_defaults(ops, &hp);
	for (; set != NULL && *set != NULL; set++)
		if (model_hp_set(&hp, *set, &err) < 0)
			fail_msg("%s", err.msg);
	ep_rng_seed(&rng, 2020, 0);
	m = ops->create(sp, &hp, &rng, &err);
	if (m == NULL)
		fail_msg("%s", err.msg);
	if (ops->fit(m, &rng, &err) < 0)
		fail_msg("%s", err.msg);
	return m;
}

/*
 * Scores every user into a U x I matrix, asking for the users in
 * reverse order and in blocks of 1, 2, 3, ... to exercise the blocks.
 */
static float *
score_all(const struct model_ops *ops, struct model *m, uint32_t U,
    uint32_t I)
{
	float *all = ep_xcalloc((size_t)U * I, sizeof *all);
	float *blk = ep_xcalloc((size_t)U * I, sizeof *blk);
	uint32_t *users = ep_xcalloc(U, sizeof *users);
	size_t done = 0, bs = 1, k;
	uint32_t u;

	for (u = 0; u < U; u++)
		users[u] = U - 1 - u;
	while (done < U) {
		size_t n = bs < U - done ? bs : U - done;

		/* Poison the block: score() must overwrite every value. */
		for (k = 0; k < n * I; k++)
			blk[k] = NAN;
		ops->score(m, users + done, n, blk);
		for (k = 0; k < n; k++)
			memcpy(all + (size_t)users[done + k] * I, blk + k * I,
			    I * sizeof *all);
		done += n;
		bs++;
	}
	free(blk);
	free(users);
	return all;
}

static void
check_scores(const float *got, const double *want, size_t n, double tol)
{
	size_t k;

	for (k = 0; k < n; k++)
		assert_close((double)got[k], want[k],
		    tol * fmax(1, fabs(want[k])));
}

/* scores = X W for dense X (U x I, 0/1) and W (I x I). */
static void
dense_scores(const unsigned char *x, const double *w, uint32_t U,
    uint32_t I, double *scores)
{
	uint32_t u, i, j;

	for (u = 0; u < U; u++)
		for (j = 0; j < I; j++) {
			double s = 0;

			for (i = 0; i < I; i++)
				if (x[(size_t)u * I + i])
					s += w[(size_t)i * I + j];
			scores[(size_t)u * I + j] = s;
		}
}

/* Co-occurrence counts G = X'X. */
static double *
dense_gram(const unsigned char *x, uint32_t U, uint32_t I)
{
	double *g = ep_xcalloc((size_t)I * I, sizeof *g);
	uint32_t u, i, j;

	for (u = 0; u < U; u++)
		for (i = 0; i < I; i++)
			for (j = 0; j < I; j++)
				g[(size_t)i * I + j] += x[(size_t)u * I + i] *
				    x[(size_t)u * I + j];
	return g;
}

/* --- ItemKNN ----------------------------------------------------------- */

struct nbr {
	double s;
	uint32_t i;
};

static int
cmp_nbr(const void *a, const void *b)
{
	const struct nbr *x = a, *y = b;

	if (x->s != y->s)
		return x->s > y->s ? -1 : 1;
	return (x->i > y->i) - (x->i < y->i);
}

/* RecBole's ItemKNN from its definition: every similarity, then for
 * each target j the k best by a full sort (ties to the lower i). */
static void
knn_ref(const unsigned char *x, uint32_t U, uint32_t I, uint32_t k,
    double shrink, double *scores)
{
	double *g = dense_gram(x, U, I);
	double *w = ep_xcalloc((size_t)I * I, sizeof *w);
	struct nbr *c = ep_xcalloc(I, sizeof *c);
	uint32_t i, j, n, t;

	for (j = 0; j < I; j++) {
		n = 0;
		for (i = 0; i < I; i++) {
			double s = g[(size_t)i * I + j] /
			    (sqrt(g[(size_t)i * I + i]) *
			    sqrt(g[(size_t)j * I + j]) + shrink + 1e-6);

			if (i != j && s != 0) {
				c[n].s = s;
				c[n++].i = i;
			}
		}
		qsort(c, n, sizeof *c, cmp_nbr);
		for (t = 0; t < n && t < k; t++)
			w[(size_t)c[t].i * I + j] = c[t].s;
	}
	dense_scores(x, w, U, I, scores);
	free(g);
	free(w);
	free(c);
}

static void
check_knn(const unsigned char *x, uint32_t U, uint32_t I, uint32_t k,
    double shrink)
{
	struct model_split sp;
	struct model *m;
	char ks[32], ss[32];
	const char *set[] = { ks, ss, NULL };
	double *want = ep_xcalloc((size_t)U * I, sizeof *want);
	float *got;

	snprintf(ks, sizeof ks, "k=%u", k);
	snprintf(ss, sizeof ss, "shrink=%g", shrink);
	make_split(&sp, U, I, x);
	m = fit(&model_itemknn_ops, &sp, set);
	got = score_all(&model_itemknn_ops, m, U, I);
	knn_ref(x, U, I, k, shrink, want);
	check_scores(got, want, (size_t)U * I, 1e-6);
	model_itemknn_ops.free(m);
	model_split_release(&sp);
	free(want);
	free(got);
}

static void
test_itemknn_matches_definition(void **state)
{
	unsigned char *x = random_matrix(40, 15, 0.3, 1, 0);
	static const uint32_t ks[] = { 1, 3, 7, 14, 100 };
	size_t t;

	(void)state;
	for (t = 0; t < sizeof ks / sizeof ks[0]; t++) {
		check_knn(x, 40, 15, ks[t], 0);
		check_knn(x, 40, 15, ks[t], 2.5);
	}
	free(x);
}

/*
 * Item 0's four neighbours all have one common user and popularity 2,
 * so their similarities to 0 are equal; with k = 2 only items 1 and 2
 * (the lower ids) are kept.
 */
static void
test_itemknn_ties_go_to_lower_item(void **state)
{
	static const unsigned char x[6 * 5] = {
		1, 1, 0, 0, 0,
		1, 0, 1, 0, 0,
		0, 1, 0, 1, 0,
		0, 0, 1, 0, 1,
		1, 0, 0, 1, 1,
		0, 0, 0, 0, 0,
	};
	const char *set[] = { "k=2", NULL };
	struct model_split sp;
	struct model *m;
	double s = 1 / (sqrt(3.0) * sqrt(2.0) + 1e-6);
	float *got;

	(void)state;
	make_split(&sp, 6, 5, x);
	m = fit(&model_itemknn_ops, &sp, set);
	got = score_all(&model_itemknn_ops, m, 6, 5);
	/* User 2 has items 1 and 3: only 1 is among item 0's two. */
	assert_close((double)got[2 * 5 + 0], s, 1e-6);
	/* User 3 has items 2 and 4: only 2. */
	assert_close((double)got[3 * 5 + 0], s, 1e-6);
	/* The user without items scores 0 everywhere. */
	assert_close((double)got[5 * 5 + 0], 0, 0);
	free(got);
	model_itemknn_ops.free(m);
	model_split_release(&sp);
	check_knn(x, 6, 5, 1, 0);
	check_knn(x, 6, 5, 2, 0);
	check_knn(x, 6, 5, 3, 0);
	check_knn(x, 6, 5, 100, 1);
}

/* --- EASE -------------------------------------------------------------- */

/* Inverts the n x n matrix a in place by Gauss-Jordan elimination with
 * partial pivoting. */
static void
gauss_jordan(double *a, uint32_t n)
{
	double *b = ep_xcalloc((size_t)n * 2 * n, sizeof *b);
	uint32_t i, j, r, piv;

	for (i = 0; i < n; i++) {
		for (j = 0; j < n; j++)
			b[(size_t)i * 2 * n + j] = a[(size_t)i * n + j];
		b[(size_t)i * 2 * n + n + i] = 1;
	}
	for (i = 0; i < n; i++) {
		double p;

		piv = i;
		for (r = i + 1; r < n; r++)
			if (fabs(b[(size_t)r * 2 * n + i]) >
			    fabs(b[(size_t)piv * 2 * n + i]))
				piv = r;
		for (j = 0; j < 2 * n; j++) {
			double t = b[(size_t)i * 2 * n + j];

			b[(size_t)i * 2 * n + j] = b[(size_t)piv * 2 * n + j];
			b[(size_t)piv * 2 * n + j] = t;
		}
		p = b[(size_t)i * 2 * n + i];
		assert_true(fabs(p) > 1e-12);
		for (j = 0; j < 2 * n; j++)
			b[(size_t)i * 2 * n + j] /= p;
		for (r = 0; r < n; r++) {
			double f = b[(size_t)r * 2 * n + i];

			if (r == i || f == 0)
				continue;
			for (j = 0; j < 2 * n; j++)
				b[(size_t)r * 2 * n + j] -= f *
				    b[(size_t)i * 2 * n + j];
		}
	}
	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++)
			a[(size_t)i * n + j] = b[(size_t)i * 2 * n + n + j];
	free(b);
}

static void
ease_ref(const unsigned char *x, uint32_t U, uint32_t I, double lambda,
    double *scores)
{
	double *p = dense_gram(x, U, I);
	double *b = ep_xcalloc((size_t)I * I, sizeof *b);
	uint32_t i, j;

	for (i = 0; i < I; i++)
		p[(size_t)i * I + i] += lambda;
	gauss_jordan(p, I);
	for (i = 0; i < I; i++)
		for (j = 0; j < I; j++)
			b[(size_t)i * I + j] = i == j ? 0 :
			    -p[(size_t)i * I + j] / p[(size_t)j * I + j];
	dense_scores(x, b, U, I, scores);
	free(p);
	free(b);
}

static void
check_ease(const unsigned char *x, uint32_t U, uint32_t I, double lambda)
{
	struct model_split sp;
	struct model *m;
	char ls[32];
	const char *set[] = { ls, NULL };
	double *want = ep_xcalloc((size_t)U * I, sizeof *want);
	float *got;

	snprintf(ls, sizeof ls, "reg_weight=%g", lambda);
	make_split(&sp, U, I, x);
	m = fit(&model_ease_ops, &sp, set);
	got = score_all(&model_ease_ops, m, U, I);
	ease_ref(x, U, I, lambda, want);
	check_scores(got, want, (size_t)U * I, 1e-5);
	model_ease_ops.free(m);
	model_split_release(&sp);
	free(want);
	free(got);
}

static void
test_ease_matches_definition(void **state)
{
	unsigned char *x = random_matrix(60, 23, 0.25, 2, 0);
	unsigned char *y = random_matrix(200, 150, 0.1, 3, 0);

	(void)state;
	check_ease(x, 60, 23, 250);
	check_ease(x, 60, 23, 1);
	check_ease(x, 60, 23, 0.05);
	/* More than one tile of the P to B conversion (64), an item
	 * count that is not a multiple of it, and items no one has. */
	check_ease(y, 200, 150, 10);
	free(x);
	free(y);
}

static void
test_ease_refuses_too_many_items(void **state)
{
	static const uint32_t pairs[][2] = { { 0, 0 }, { 1, 30000 } };
	uint32_t r[2] = { pairs[0][0], pairs[1][0] };
	uint32_t c[2] = { pairs[0][1], pairs[1][1] };
	struct model_split sp = MODEL_SPLIT_INIT;
	struct model_hp hp;
	struct ep_err err = EP_ERR_INIT;
	struct ep_rng rng;
	int k;

	(void)state;
	sp.n_users = 2;
	sp.n_items = 30001;
	for (k = 0; k < 3; k++)
		model_csr_from_pairs(&sp.part[k], 2, 30001, r, c,
		    k == MODEL_TRAIN ? 2 : 0);
	sp.item_pop = ep_xcalloc(30001, sizeof *sp.item_pop);
	model_hp_defaults(&model_ease_ops, &hp);
	ep_rng_seed(&rng, 1, 0);
	assert_null(model_ease_ops.create(&sp, &hp, &rng, &err));
	assert_int_equal(err.code, EP_ENOMEM);
	assert_contains(err.msg, "30001 items need 10.8 GB");
	assert_contains(err.msg, "at most 30000");
	model_split_release(&sp);
}

/* --- SLIMElastic ------------------------------------------------------- */

struct enet {
	double alpha;
	double l1_ratio;
};

/*
 * sklearn's objective for column j, minimised by plain cyclic coordinate
 * descent on the residual r = x_j - X w (column j hidden), n = U + 1,
 * until no coefficient moves by more than 1e-15. w is I long.
 */
static void
slim_ref_column(const unsigned char *x, uint32_t U, uint32_t I, uint32_t j,
    const struct enet *e, double *w)
{
	double n = U + 1.0, l1 = n * e->alpha * e->l1_ratio;
	double l2 = n * e->alpha * (1 - e->l1_ratio);
	double *r = ep_xcalloc(U, sizeof *r);
	uint32_t u, k;
	int sweep;

	for (u = 0; u < U; u++)
		r[u] = x[(size_t)u * I + j];
	memset(w, 0, I * sizeof *w);
	for (sweep = 0; sweep < 100000; sweep++) {
		double dmax = 0;

		for (k = 0; k < I; k++) {
			double nk = 0, rho = 0, nw;

			if (k == j)
				continue;
			for (u = 0; u < U; u++)
				if (x[(size_t)u * I + k]) {
					nk += 1;
					rho += r[u];
				}
			if (nk == 0)
				continue;
			rho += nk * w[k];
			nw = fmax(rho - l1, 0) / (nk + l2);
			for (u = 0; u < U; u++)
				if (x[(size_t)u * I + k])
					r[u] -= nw - w[k];
			dmax = fmax(dmax, fabs(nw - w[k]));
			w[k] = nw;
		}
		if (dmax < 1e-15)
			break;
	}
	free(r);
}

/*
 * The KKT conditions of column j's problem at w: with g the gradient of
 * the smooth part, (1/n) X'(X w - x_j) + alpha (1 - rho) w, g_k + alpha
 * rho = 0 where w_k > 0 and g_k + alpha rho >= 0 where w_k = 0.
 */
static void
check_kkt(const unsigned char *x, uint32_t U, uint32_t I, uint32_t j,
    const struct enet *e, const double *w, double tol)
{
	double n = U + 1.0, *r = ep_xcalloc(U, sizeof *r);
	uint32_t u, k;

	assert_close(w[j], 0, 0);
	for (u = 0; u < U; u++) {
		r[u] = x[(size_t)u * I + j];
		for (k = 0; k < I; k++)
			if (k != j && x[(size_t)u * I + k])
				r[u] -= w[k];
	}
	for (k = 0; k < I; k++) {
		double g = 0;

		if (k == j)
			continue;
		assert_true(w[k] >= 0);
		for (u = 0; u < U; u++)
			if (x[(size_t)u * I + k])
				g -= r[u];
		g = g / n + e->alpha * (1 - e->l1_ratio) * w[k];
		if (w[k] > 0)
			assert_close(g + e->alpha * e->l1_ratio, 0, tol);
		else if (g + e->alpha * e->l1_ratio < -tol)
			fail_msg("column %u, item %u: w = 0 but gradient %g < "
			    "-l1 %g", j, k, g, e->alpha * e->l1_ratio);
	}
	free(r);
}

/*
 * Fits SLIMElastic with e on x, whose first I users have one item each
 * (so that their scores are the rows of W), and compares with the naive
 * solver and the KKT conditions.
 */
static void
check_slim(const unsigned char *x, uint32_t U, uint32_t I,
    const struct enet *e, int *zeros, int *nonzeros)
{
	struct model_split sp;
	struct model *m;
	char as[48], rs[48];
	const char *set[] = { as, rs, "tol=1e-12", "max_iter=100000", NULL };
	double *wref = ep_xcalloc((size_t)I * I, sizeof *wref);
	double *want = ep_xcalloc((size_t)U * I, sizeof *want);
	double *col = ep_xcalloc(I, sizeof *col);
	float *got;
	uint32_t i, j;

	snprintf(as, sizeof as, "alpha=%.17g", e->alpha);
	snprintf(rs, sizeof rs, "l1_ratio=%.17g", e->l1_ratio);
	make_split(&sp, U, I, x);
	m = fit(&model_slimelastic_ops, &sp, set);
	got = score_all(&model_slimelastic_ops, m, U, I);
	for (j = 0; j < I; j++) {
		slim_ref_column(x, U, I, j, e, col);
		check_kkt(x, U, I, j, e, col, 1e-10);
		for (i = 0; i < I; i++) {
			wref[(size_t)i * I + j] = col[i];
			if (i != j)
				*(col[i] > 0 ? nonzeros : zeros) += 1;
		}
	}
	dense_scores(x, wref, U, I, want);
	check_scores(got, want, (size_t)U * I, 1e-5);
	/* The model's own W (rows of the unit users), in float. */
	for (j = 0; j < I; j++) {
		for (i = 0; i < I; i++)
			col[i] = (double)got[(size_t)i * I + j];
		check_kkt(x, U, I, j, e, col, 1e-5);
	}
	model_slimelastic_ops.free(m);
	model_split_release(&sp);
	free(wref);
	free(want);
	free(col);
	free(got);
}

static void
test_slim_matches_naive_solver(void **state)
{
	static const struct enet es[] = {
		{ 0.2, 0.02 },	/* RecBole's defaults */
		{ 0.05, 0.5 },
		{ 0.01, 0.9 },
		{ 0.001, 0.1 },
	};
	unsigned char *x = random_matrix(50, 12, 0.35, 4, 1);
	int zeros = 0, nonzeros = 0;
	size_t t;

	(void)state;
	for (t = 0; t < sizeof es / sizeof es[0]; t++)
		check_slim(x, 50, 12, &es[t], &zeros, &nonzeros);
	/* Both sides of the KKT conditions were exercised. */
	assert_true(zeros > 10);
	assert_true(nonzeros > 10);
	free(x);
}

/*
 * A sparse catalogue: fewer than one item pair in eight co-occurs, so
 * SLIMElastic keeps its Gram matrix in sparse rows rather than dense.
 */
static void
test_slim_sparse_gram(void **state)
{
	static const struct enet es[] = { { 0.2, 0.02 }, { 0.002, 0.3 } };
	unsigned char *x = random_matrix(260, 110, 0.015, 11, 1);
	double *g = dense_gram(x, 260, 110);
	int zeros = 0, nonzeros = 0;
	size_t t, nnz = 0;

	(void)state;
	for (t = 0; t < (size_t)110 * 110; t++)
		nnz += g[t] != 0;
	assert_true(nnz * 8 < (size_t)110 * 110);
	for (t = 0; t < sizeof es / sizeof es[0]; t++)
		check_slim(x, 260, 110, &es[t], &zeros, &nonzeros);
	assert_true(zeros > 10);
	assert_true(nonzeros > 10);
	check_knn(x, 260, 110, 3, 0);
	free(g);
	free(x);
}

/*
 * An item with more than 65535 users: SLIMElastic keeps its dense Gram
 * matrix in floats rather than in 16-bit counts, which could not hold
 * that item's popularity. The naive solver converges too slowly on so
 * many users; the KKT conditions alone tell the optimum.
 */
static void
test_slim_float_gram(void **state)
{
	static const struct enet e = { 0.2, 0.02 };
	const uint32_t U = 65600 + 6, I = 6;
	unsigned char *x = random_matrix(U, I, 0.4, 12, 1);
	const char *set[] = { "tol=1e-12", "max_iter=100000", NULL };
	struct model_split sp;
	struct model *m;
	double col[6];
	float *got;
	uint32_t u, i, j;
	int nonzeros = 0;

	(void)state;
	for (u = I; u < U; u++)
		x[(size_t)u * I] = 1;
	make_split(&sp, U, I, x);
	m = fit(&model_slimelastic_ops, &sp, set);
	got = score_all(&model_slimelastic_ops, m, U, I);
	/* The unit users' scores are the rows of W. */
	for (j = 0; j < I; j++) {
		for (i = 0; i < I; i++) {
			col[i] = (double)got[(size_t)i * I + j];
			nonzeros += col[i] > 0;
		}
		check_kkt(x, U, I, j, &e, col, 1e-5);
	}
	assert_true(nonzeros > 0);
	model_slimelastic_ops.free(m);
	model_split_release(&sp);
	free(got);
	free(x);
}

/* With the default tol and max_iter the solution is close to the
 * optimum and exactly satisfies w >= 0 and w_jj = 0. */
static void
test_slim_defaults_close_to_optimum(void **state)
{
	const struct enet e = { 0.2, 0.02 };
	unsigned char *x = random_matrix(80, 20, 0.3, 5, 1);
	struct model_split sp;
	struct model *m;
	struct model_stats st;
	double *col = ep_xcalloc(20, sizeof *col);
	float *got;
	uint32_t i, j;

	(void)state;
	make_split(&sp, 80, 20, x);
	m = fit(&model_slimelastic_ops, &sp, NULL);
	got = score_all(&model_slimelastic_ops, m, 80, 20);
	for (j = 0; j < 20; j++) {
		slim_ref_column(x, 80, 20, j, &e, col);
		for (i = 0; i < 20; i++) {
			float w = got[(size_t)i * 20 + j];

			assert_true(w >= 0);
			if (i == j)
				assert_close((double)w, 0, 0);
			assert_close((double)w, col[i], 1e-3);
		}
	}
	model_slimelastic_ops.stats(m, &st);
	assert_true(st.params > 0);
	assert_true(st.flops_epoch > 0);
	assert_true(st.flops_user > 0);
	model_slimelastic_ops.free(m);
	model_split_release(&sp);
	free(col);
	free(got);
	free(x);
}

/* --- Every model --------------------------------------------------------- */

static const struct model_ops *const all_ops[] = {
	&model_itemknn_ops, &model_ease_ops, &model_slimelastic_ops
};

static float *
fit_and_score(const struct model_ops *ops, const struct model_split *sp,
    const char *const *set)
{
	struct model *m = fit(ops, sp, set);
	float *s = score_all(ops, m, sp->n_users, sp->n_items);

	ops->free(m);
	return s;
}

static void
test_deterministic(void **state)
{
	unsigned char *x = random_matrix(120, 40, 0.2, 6, 0);
	const char *knn[] = { "k=5", NULL };
	struct model_split sp;
	size_t t, n = 120 * 40;
	int saved = omp_get_max_threads();

	(void)state;
	make_split(&sp, 120, 40, x);
	for (t = 0; t < sizeof all_ops / sizeof all_ops[0]; t++) {
		const struct model_ops *ops = all_ops[t];
		const char *const *set = ops == &model_itemknn_ops ? knn :
		    NULL;
		float *a, *b;

		omp_set_num_threads(1);
		a = fit_and_score(ops, &sp, set);
		b = fit_and_score(ops, &sp, set);
		assert_memory_equal(a, b, n * sizeof *a);
		free(b);
		/* ItemKNN and SLIMElastic fit item by item: any thread
		 * count gives the same bits. EASE's Cholesky is OpenBLAS's,
		 * threaded: compare closely. */
		omp_set_num_threads(3);
		b = fit_and_score(ops, &sp, set);
		if (ops != &model_ease_ops) {
			assert_memory_equal(a, b, n * sizeof *a);
		} else {
			size_t k;

			for (k = 0; k < n; k++)
				assert_close((double)a[k], (double)b[k], 1e-5);
		}
		free(a);
		free(b);
	}
	omp_set_num_threads(saved);
	model_split_release(&sp);
	free(x);
}

/* score() is called from several threads at once on different blocks. */
static void
test_concurrent_scoring(void **state)
{
	unsigned char *x = random_matrix(64, 30, 0.25, 8, 0);
	struct model_split sp;
	size_t t;

	(void)state;
	make_split(&sp, 64, 30, x);
	for (t = 0; t < sizeof all_ops / sizeof all_ops[0]; t++) {
		const struct model_ops *ops = all_ops[t];
		struct model *m = fit(ops, &sp, NULL);
		float *a = score_all(ops, m, 64, 30);
		float *b = ep_xcalloc(64 * 30, sizeof *b);
		long u;

#pragma omp parallel for num_threads(4) schedule(dynamic, 1)
		for (u = 0; u < 64; u += 2) {
			uint32_t us[2] = { (uint32_t)u, (uint32_t)u + 1 };

			ops->score(m, us, 2, b + (size_t)u * 30);
		}
		assert_memory_equal(a, b, 64 * 30 * sizeof *a);
		ops->free(m);
		free(a);
		free(b);
	}
	model_split_release(&sp);
	free(x);
}

static void
test_stats(void **state)
{
	unsigned char *x = random_matrix(64, 30, 0.25, 9, 0);
	struct model_split sp;
	struct model_stats st;
	size_t t;

	(void)state;
	make_split(&sp, 64, 30, x);
	for (t = 0; t < sizeof all_ops / sizeof all_ops[0]; t++) {
		const struct model_ops *ops = all_ops[t];
		struct model *m = fit(ops, &sp, NULL);

		memset(&st, 0, sizeof st);
		ops->stats(m, &st);
		assert_true(st.params > 0);
		assert_true(st.flops_epoch > 0);
		assert_true(st.flops_user > 0);
		assert_true(st.bytes >= st.params * sizeof(float));
		if (ops == &model_ease_ops)
			assert_close(st.params, 30 * 30, 0);
		assert_int_equal(ops->sampling, MODEL_SAMPLE_NONE);
		assert_null(ops->tensors);
		assert_null(ops->loss);
		ops->free(m);
	}
	model_split_release(&sp);
	free(x);
}

/* Before fit(), stats() estimates and score() gives zeros. */
static void
test_before_fit(void **state)
{
	unsigned char *x = random_matrix(20, 8, 0.4, 12, 0);
	struct model_split sp;
	struct model_hp hp;
	struct model_stats st;
	struct ep_err err = EP_ERR_INIT;
	struct ep_rng rng;
	float out[2 * 8];
	uint32_t users[2] = { 3, 4 };
	size_t t, k;

	(void)state;
	make_split(&sp, 20, 8, x);
	ep_rng_seed(&rng, 1, 0);
	for (t = 0; t < sizeof all_ops / sizeof all_ops[0]; t++) {
		const struct model_ops *ops = all_ops[t];
		struct model *m;

		model_hp_defaults(ops, &hp);
		m = ops->create(&sp, &hp, &rng, &err);
		assert_non_null(m);
		ops->stats(m, &st);
		assert_true(st.flops_epoch > 0);
		assert_true(st.bytes > 0);
		for (k = 0; k < 2 * 8; k++)
			out[k] = NAN;
		ops->score(m, users, 2, out);
		for (k = 0; k < 2 * 8; k++)
			assert_close((double)out[k], 0, 0);
		ops->free(m);
	}
	model_split_release(&sp);
	free(x);
}

/* A user without training items, and an item without users, score 0. */
static void
test_empty_rows_and_columns(void **state)
{
	unsigned char *x = random_matrix(10, 6, 0.5, 10, 0);
	struct model_split sp;
	size_t t;
	uint32_t i;

	(void)state;
	for (i = 0; i < 6; i++)
		x[3 * 6 + i] = 0;
	for (i = 0; i < 10; i++)
		x[i * 6 + 4] = 0;
	make_split(&sp, 10, 6, x);
	for (t = 0; t < sizeof all_ops / sizeof all_ops[0]; t++) {
		const struct model_ops *ops = all_ops[t];
		float *s = fit_and_score(ops, &sp, NULL);

		for (i = 0; i < 6; i++)
			assert_close((double)s[3 * 6 + i], 0, 0);
		for (i = 0; i < 10; i++)
			assert_close((double)s[i * 6 + 4], 0, 0);
		free(s);
	}
	model_split_release(&sp);
	free(x);
}

static void
expect_rejected(const struct model_ops *ops, const char *kv,
    enum ep_code code, const char *msg)
{
	struct model_hp hp;
	struct ep_err err = EP_ERR_INIT;

	model_hp_defaults(ops, &hp);
	assert_int_equal(model_hp_set(&hp, kv, &err), -1);
	assert_int_equal(err.code, code);
	assert_contains(err.msg, msg);
}

static void
test_params(void **state)
{
	struct model_hp hp;
	struct ep_err err = EP_ERR_INIT;

	(void)state;
	model_hp_defaults(&model_itemknn_ops, &hp);
	assert_close(model_hp_get(&hp, "k"), 100, 0);
	assert_close(model_hp_get(&hp, "shrink"), 0, 0);
	assert_int_equal(model_hp_set(&hp, "k=1", &err), 0);
	assert_int_equal(model_hp_set(&hp, "shrink=0.5", &err), 0);
	expect_rejected(&model_itemknn_ops, "k=0", EP_ERANGE, "k");
	expect_rejected(&model_itemknn_ops, "k=100001", EP_ERANGE, "k");
	expect_rejected(&model_itemknn_ops, "k=2.5", EP_EUSAGE, "k");
	expect_rejected(&model_itemknn_ops, "shrink=-1", EP_ERANGE,
	    "shrink");
	expect_rejected(&model_itemknn_ops, "knn=5", EP_EUSAGE,
	    "valid keys: k, shrink, seed");

	model_hp_defaults(&model_ease_ops, &hp);
	assert_close(model_hp_get(&hp, "reg_weight"), 250, 0);
	expect_rejected(&model_ease_ops, "reg_weight=0", EP_ERANGE,
	    "reg_weight");
	expect_rejected(&model_ease_ops, "reg_weight=-5", EP_ERANGE,
	    "reg_weight");
	expect_rejected(&model_ease_ops, "lambda=1", EP_EUSAGE,
	    "valid keys: reg_weight, seed");

	model_hp_defaults(&model_slimelastic_ops, &hp);
	assert_close(model_hp_get(&hp, "alpha"), 0.2, 0);
	assert_close(model_hp_get(&hp, "l1_ratio"), 0.02, 0);
	assert_close(model_hp_get(&hp, "max_iter"), 100, 0);
	assert_close(model_hp_get(&hp, "tol"), 1e-4, 0);
	expect_rejected(&model_slimelastic_ops, "l1_ratio=1.5", EP_ERANGE,
	    "l1_ratio");
	expect_rejected(&model_slimelastic_ops, "alpha=-0.1", EP_ERANGE,
	    "alpha");
	expect_rejected(&model_slimelastic_ops, "max_iter=0", EP_ERANGE,
	    "max_iter");
	expect_rejected(&model_slimelastic_ops, "tol=-1", EP_ERANGE, "tol");
	expect_rejected(&model_slimelastic_ops, "l1=0.5", EP_EUSAGE,
	    "valid keys: alpha, l1_ratio, max_iter, tol, seed");
}

/* The table in models/model.c lists the three models by these names. */
static void
test_registered(void **state)
{
	(void)state;
	assert_string_equal(model_itemknn_ops.name, "itemknn");
	assert_string_equal(model_ease_ops.name, "ease");
	assert_string_equal(model_slimelastic_ops.name, "slimelastic");
	assert_string_equal(model_itemknn_ops.title, "ItemKNN");
	assert_string_equal(model_ease_ops.title, "EASE");
	assert_string_equal(model_slimelastic_ops.title, "SLIMElastic");
	if (model_find("itemknn") == NULL && model_find("ease") == NULL &&
	    model_find("slimelastic") == NULL) {
		print_message("models/model.c's table lists none of the "
		    "three\n");
		skip();
	}
	assert_ptr_equal(model_find("itemknn"), &model_itemknn_ops);
	assert_ptr_equal(model_find("EASE"), &model_ease_ops);
	assert_ptr_equal(model_find("SLIMElastic"), &model_slimelastic_ops);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_itemknn_matches_definition),
		cmocka_unit_test(test_itemknn_ties_go_to_lower_item),
		cmocka_unit_test(test_ease_matches_definition),
		cmocka_unit_test(test_ease_refuses_too_many_items),
		cmocka_unit_test(test_slim_matches_naive_solver),
		cmocka_unit_test(test_slim_sparse_gram),
		cmocka_unit_test(test_slim_float_gram),
		cmocka_unit_test(test_slim_defaults_close_to_optimum),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_concurrent_scoring),
		cmocka_unit_test(test_stats),
		cmocka_unit_test(test_before_fit),
		cmocka_unit_test(test_empty_rows_and_columns),
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_registered),
	};

	model_blas_single_thread();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
