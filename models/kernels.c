/*
 * Dense kernels for the models.
 */
#include <cblas.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "models/kernels.h"
#include "core/banned.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define VERSIONS __attribute__((target_clones("avx2", "default")))
#else
#define VERSIONS
#endif

/* Below this many users, model_dot_score() uses SGEMV. */
#define DOT_GEMV_MAX 4

VERSIONS void
model_axpy(float *restrict y, float a, const float *restrict x, size_t n)
{
	size_t i;

#pragma omp simd
	for (i = 0; i < n; i++)
		y[i] += a * x[i];
}

/*
 * The element-wise steps of NGCF's layers. They were vectorised at the
 * baseline's four lanes only, with byte-to-float widening that cost
 * about ten instructions an element; each element's arithmetic is the
 * same in every version.
 */
VERSIONS void
model_leaky_relu(float *restrict y, const float *restrict z, size_t n)
{
	size_t i;

#pragma omp simd
	for (i = 0; i < n; i++)
		y[i] = z[i] > 0 ? z[i] : 0.2f * z[i];
}

VERSIONS void
model_leaky_relu_grad(float *restrict g, const float *restrict z, size_t n)
{
	size_t i;

#pragma omp simd
	for (i = 0; i < n; i++)
		g[i] *= z[i] > 0 ? 1.0f : 0.2f;
}

VERSIONS void
model_keep_scale(float *restrict y, const unsigned char *restrict keep,
    float mul, size_t n)
{
	size_t i;

#pragma omp simd
	for (i = 0; i < n; i++)
		y[i] *= keep[i] ? mul : 0.0f;
}

VERSIONS void
model_sum_rows(float *restrict out, const float *restrict W,
    const uint32_t *idx, size_t cnt, size_t d)
{
	size_t k, c;

	memset(out, 0, d * sizeof *out);
	for (k = 0; k < cnt; k++) {
		const float *w = W + (size_t)idx[k] * d;

#pragma omp simd
		for (c = 0; c < d; c++)
			out[c] += w[c];
	}
}

VERSIONS double
model_rows_sumsq(const float *x, size_t ld, size_t w, const uint32_t *idx,
    size_t n)
{
	double a[8] = { 0, 0, 0, 0, 0, 0, 0, 0 };
	size_t k, c, l;

	/* One running sum was a chain of dependent additions (about 2 ms
	 * a batch for NGCF on ML-1M); eight lanes vectorise. */
	for (k = 0; k < n; k++) {
		const float *r = x + (size_t)idx[k] * ld;

		for (c = 0; c + 8 <= w; c += 8) {
#pragma omp simd
			for (l = 0; l < 8; l++)
				a[l] += (double)r[c + l] * (double)r[c + l];
		}
		for (l = 0; c < w; c++, l++)
			a[l] += (double)r[c] * (double)r[c];
	}
	return ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
}

float
model_dot(const float *restrict x, const float *restrict y, size_t n)
{
	float s = 0;
	size_t i;

	/* Sequential on purpose: the order of a float sum is part of the
	 * result, and callers rely on it being fixed. */
	for (i = 0; i < n; i++)
		s += x[i] * y[i];
	return s;
}

size_t
model_lower_bound(const uint32_t *a, size_t n, uint32_t key)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (a[mid] < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void
model_item_rows_score(const struct model_csr *x, const size_t *rowptr,
    const uint32_t *col, const float *val, const uint32_t *users, size_t n,
    size_t ni, float *out)
{
	size_t b, q, p;

	for (b = 0; b < n; b++) {
		float *restrict o = out + b * ni;
		uint32_t u = users[b];

		memset(o, 0, ni * sizeof *o);
		if (rowptr == NULL)
			continue;
		for (q = x->rowptr[u]; q < x->rowptr[u + 1]; q++) {
			uint32_t i = x->col[q];

			for (p = rowptr[i]; p < rowptr[i + 1]; p++)
				o[col[p]] += val[p];
		}
	}
}

void
model_dot_score(const float *U, const float *V, size_t w,
    const uint32_t *users, size_t n, size_t ni, float *out)
{
	float *a;
	size_t j;

	/*
	 * A few users (a single request): one matrix-vector product each.
	 * SGEMM would pack the whole item table first, which cost about
	 * two thirds of a one-user request (callgrind, ML-1M shape).
	 */
	if (n < DOT_GEMV_MAX) {
		for (j = 0; j < n; j++)
			cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)ni,
			    (int)w, 1.0f, V, (int)w, U + (size_t)users[j] * w,
			    1, 0.0f, out + j * ni, 1);
		return;
	}
	a = ep_xmalloc(n * w * sizeof *a);
	for (j = 0; j < n; j++)
		memcpy(a + j * w, U + (size_t)users[j] * w, w * sizeof *a);
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)ni,
	    (int)w, 1.0f, a, (int)w, V, (int)w, 0.0f, out, (int)ni);
	free(a);
}
