/*
 * The user-item interaction graph of the graph recommenders (NGCF,
 * LightGCN): the bipartite adjacency A of the training interactions over
 * U + I nodes (users first, then items), normalised symmetrically as
 * RecBole does, L = D^-1/2 A D^-1/2 with degrees + 1e-7, and the sparse
 * times dense product Y = L X that propagates embeddings along it.
 * L is symmetric, so the same product also carries gradients back
 * (d/dX of L X is L^T = L).
 */
#ifndef ECOPLAN_MODELS_GRAPH_H
#define ECOPLAN_MODELS_GRAPH_H

#include <stddef.h>
#include <stdint.h>

#include "models/csr.h"

struct model_graph {
	uint32_t n_users;
	uint32_t n_items;
	uint32_t n;		/* nodes: n_users + n_items */
	size_t nnz;		/* 2 x training interactions */
	size_t *rowptr;		/* n + 1 offsets */
	uint32_t *col;		/* nnz node ids, ascending per row */
	float *val;		/* nnz normalised weights */
};

#define MODEL_GRAPH_INIT { 0, 0, 0, 0, NULL, NULL, NULL }

/*
 * Builds g from the training interactions train (users x items): node u
 * is user u, node n_users + i is item i. Frees nothing of train.
 */
void model_graph_build(struct model_graph *g, const struct model_csr *train);

/*
 * Y = L X (accumulate 0) or Y += L X (accumulate 1), for X and Y of g->n
 * rows of d floats, row r of X at x + r * ldx (ldx >= d), of Y at
 * y + r * ldy. X and Y must not overlap. Parallel over rows with OpenMP;
 * each row is summed in a fixed order, so the result does not depend on
 * the thread count.
 */
void model_graph_spmm(const struct model_graph *g, const float *x,
    size_t ldx, float *y, size_t ldy, size_t d, int accumulate);

/*
 * The same product for rows rows[0 .. n_rows) of Y only (node ids below
 * g->n, ascending for locality); the other rows of Y are not touched.
 * Each listed row gets the same sum, bit for bit, as from
 * model_graph_spmm(): a batch whose loss reads a few rows of the last
 * layer need not propagate the rest.
 */
void model_graph_spmm_rows(const struct model_graph *g,
    const uint32_t *rows, size_t n_rows, const float *x, size_t ldx,
    float *y, size_t ldy, size_t d, int accumulate);

/*
 * The nodes that n (user, item, negative item) triples name, ascending
 * and each once, into rows (room for g->n); returns their number. mark
 * is g->n bytes of scratch, all 0, and is left so.
 */
size_t model_graph_triple_rows(const struct model_graph *g,
    const uint32_t *user, const uint32_t *item, const uint32_t *neg,
    size_t n, unsigned char *mark, uint32_t *rows);

/* Bytes moved from and to memory by one model_graph_spmm() at width d,
 * counting each row of X once per edge (the gathers). */
double model_graph_spmm_bytes(const struct model_graph *g, size_t d);

/* Frees g's arrays; safe on MODEL_GRAPH_INIT. */
void model_graph_release(struct model_graph *g);

#endif
