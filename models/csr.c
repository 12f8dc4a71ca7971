/*
 * Sparse 0/1 matrices in CSR form.
 */
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "models/csr.h"
#include "core/banned.h"

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

static void
alloc_csr(struct model_csr *m, uint32_t n_rows, uint32_t n_cols, size_t nnz)
{
	m->n_rows = n_rows;
	m->n_cols = n_cols;
	m->nnz = nnz;
	m->rowptr = ep_xcalloc((size_t)n_rows + 1, sizeof *m->rowptr);
	m->col = ep_xreallocarray(NULL, nnz, sizeof *m->col);
}

void
model_csr_from_pairs(struct model_csr *m, uint32_t n_rows, uint32_t n_cols,
    const uint32_t *rows, const uint32_t *cols, size_t n)
{
	size_t *next, i;
	uint32_t r;

	alloc_csr(m, n_rows, n_cols, n);
	for (i = 0; i < n; i++)
		m->rowptr[rows[i] + 1]++;
	for (r = 0; r < n_rows; r++)
		m->rowptr[r + 1] += m->rowptr[r];
	next = ep_xreallocarray(NULL, (size_t)n_rows + 1, sizeof *next);
	memcpy(next, m->rowptr, ((size_t)n_rows + 1) * sizeof *next);
	for (i = 0; i < n; i++)
		m->col[next[rows[i]]++] = cols[i];
	free(next);
	for (r = 0; r < n_rows; r++)
		qsort(m->col + m->rowptr[r], model_csr_row_len(m, r),
		    sizeof *m->col, cmp_u32);
}

void
model_csr_transpose(const struct model_csr *m, struct model_csr *t)
{
	size_t *next, k;
	uint32_t r, c;

	alloc_csr(t, m->n_cols, m->n_rows, m->nnz);
	for (k = 0; k < m->nnz; k++)
		t->rowptr[m->col[k] + 1]++;
	for (c = 0; c < m->n_cols; c++)
		t->rowptr[c + 1] += t->rowptr[c];
	next = ep_xreallocarray(NULL, (size_t)m->n_cols + 1, sizeof *next);
	memcpy(next, t->rowptr, ((size_t)m->n_cols + 1) * sizeof *next);
	/* Rows are visited in order, so each transposed row comes out
	 * sorted without a sort. */
	for (r = 0; r < m->n_rows; r++)
		for (k = m->rowptr[r]; k < m->rowptr[r + 1]; k++)
			t->col[next[m->col[k]]++] = r;
	free(next);
}

void
model_csr_union(const struct model_csr *a, const struct model_csr *b,
    struct model_csr *c)
{
	uint32_t r;
	size_t out = 0;

	alloc_csr(c, a->n_rows, a->n_cols, a->nnz + b->nnz);
	for (r = 0; r < a->n_rows; r++) {
		size_t i = a->rowptr[r], j = b->rowptr[r];
		size_t ie = a->rowptr[r + 1], je = b->rowptr[r + 1];

		while (i < ie || j < je) {
			if (j >= je || (i < ie && a->col[i] < b->col[j]))
				c->col[out++] = a->col[i++];
			else
				c->col[out++] = b->col[j++];
		}
		c->rowptr[r + 1] = out;
	}
}

int
model_csr_has(const struct model_csr *m, uint32_t r, uint32_t c)
{
	size_t lo = m->rowptr[r], hi = m->rowptr[r + 1];

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->col[mid] < c)
			lo = mid + 1;
		else if (m->col[mid] > c)
			hi = mid;
		else
			return 1;
	}
	return 0;
}

size_t
model_csr_cooccur(const struct model_csr *m, const struct model_csr *t,
    uint32_t a, uint32_t *cnt, uint32_t *touched)
{
	size_t r, q, incs = 0, nt = 0;
	uint32_t c;

	for (r = t->rowptr[a]; r < t->rowptr[a + 1]; r++)
		incs += model_csr_row_len(m, t->col[r]);
	if (incs >= m->n_cols / 4) {
		/* ItemKNN's ML-1M fit took 0.17 s this way, 0.30 s with
		 * the branch (bench/RESULTS.md, optimisation 59). */
		for (r = t->rowptr[a]; r < t->rowptr[a + 1]; r++) {
			const uint32_t *col = m->col + m->rowptr[t->col[r]];
			size_t len = model_csr_row_len(m, t->col[r]);

			for (q = 0; q < len; q++)
				cnt[col[q]]++;
		}
		for (c = 0; c < m->n_cols; c++)
			if (cnt[c] != 0)
				touched[nt++] = c;
		return nt;
	}
	for (r = t->rowptr[a]; r < t->rowptr[a + 1]; r++) {
		uint32_t u = t->col[r];

		for (q = m->rowptr[u]; q < m->rowptr[u + 1]; q++) {
			c = m->col[q];
			if (cnt[c]++ == 0)
				touched[nt++] = c;
		}
	}
	return nt;
}

void
model_csr_release(struct model_csr *m)
{
	free(m->rowptr);
	free(m->col);
	memset(m, 0, sizeof *m);
}
