/*
 * Compressed sparse row matrices of 0/1 entries (user x item
 * interactions), with column indices sorted within each row.
 */
#ifndef ECOPLAN_MODELS_CSR_H
#define ECOPLAN_MODELS_CSR_H

#include <stddef.h>
#include <stdint.h>

struct model_csr {
	uint32_t n_rows;
	uint32_t n_cols;
	size_t nnz;
	size_t *rowptr;		/* n_rows + 1 offsets into col */
	uint32_t *col;		/* nnz column indices, ascending per row */
};

#define MODEL_CSR_INIT { 0, 0, 0, NULL, NULL }

/*
 * Builds m from n (row, col) pairs in any order (counting sort by row,
 * then each row sorted). Pairs must be distinct and in range.
 */
void model_csr_from_pairs(struct model_csr *m, uint32_t n_rows,
    uint32_t n_cols, const uint32_t *rows, const uint32_t *cols, size_t n);

/* Builds t as the transpose of m. */
void model_csr_transpose(const struct model_csr *m, struct model_csr *t);

/* Builds c with the entries of a and b (which must not overlap). */
void model_csr_union(const struct model_csr *a, const struct model_csr *b,
    struct model_csr *c);

/* Number of entries in row r. */
static inline size_t
model_csr_row_len(const struct model_csr *m, uint32_t r)
{
	return m->rowptr[r + 1] - m->rowptr[r];
}

/* Whether entry (r, c) is present (binary search in row r). */
int model_csr_has(const struct model_csr *m, uint32_t r, uint32_t c);

/*
 * Column a's co-occurrences (a binary m, its transpose t): for every
 * column c that shares a row with a (a itself included), cnt[c] = the
 * rows they share, and c is listed in touched; returns how many are.
 * cnt (m->n_cols, zero on entry) is left for the caller to clear at the
 * listed columns; touched has room for m->n_cols. The order of the list
 * is unspecified. Where the counts add up to a quarter of the columns
 * or more, they are taken without a branch and the list made by a scan.
 */
size_t model_csr_cooccur(const struct model_csr *m, const struct model_csr *t,
    uint32_t a, uint32_t *cnt, uint32_t *touched);

/* Frees the arrays; safe on MODEL_CSR_INIT. */
void model_csr_release(struct model_csr *m);

#endif
