/*
 * Datasets: user-item interactions loaded from a file (RecBole atomic
 * .inter, MovieLens-100K u.data, MovieLens-1M ratings.dat, generic CSV,
 * a pre-split train/valid/test triple) or made by the synthetic
 * generator. User and item tokens are remapped to dense ids 0..n-1 in
 * order of first appearance; every interaction is an implicit positive;
 * a (user, item) pair seen again is dropped (and counted) so that each
 * pair appears once.
 */
#ifndef ECOPLAN_MODELS_DATA_H
#define ECOPLAN_MODELS_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* The parts of a split. */
enum model_part {
	MODEL_TRAIN,
	MODEL_VALID,
	MODEL_TEST
};

/* Longest line a dataset file may have. */
#define MODEL_LINE_MAX ((size_t)1 << 20)
/* Largest dataset file read (bytes). */
#define MODEL_FILE_MAX ((size_t)8 << 30)
/*
 * Memory one interaction takes while loading (its ids, timestamp and
 * part, their arrays' growth, the duplicate set), for the estimate a
 * loader checks against ep_mem_limit() before it allocates: the file's
 * bytes twice (buffer and token maps) plus this much a line.
 */
#define MODEL_BYTES_PER_ROW 96.0

struct model_data {
	char *name;		/* short name: file name or "synthetic" */
	char *source;		/* path(s) or generator spec */
	const char *format;	/* "atomic", "u.data", "ml-1m", "csv",
				 * "presplit" or "synthetic"; static */
	char sha256[65];	/* of the file's bytes (see model_data_load) */
	uint32_t n_users;
	uint32_t n_items;
	size_t n_inter;		/* distinct (user, item) pairs kept */
	size_t n_rows;		/* data rows read */
	size_t n_dup;		/* rows dropped as repeated pairs */
	uint32_t *user;		/* n_inter user ids, in file order */
	uint32_t *item;		/* n_inter item ids */
	double *ts;		/* n_inter timestamps, or NULL */
	unsigned char *part;	/* pre-split: enum model_part of each
				 * interaction; otherwise NULL */
};

#define MODEL_DATA_INIT { NULL, NULL, NULL, "", 0, 0, 0, 0, 0, NULL, NULL, \
	NULL, NULL }

/*
 * Loads the dataset that spec names:
 *   synthetic[:users=U,items=I,inters=N,seed=S,...]  the generator
 *   synthetic-ml1m[:...]          the generator at MovieLens-1M's shape
 *   train=FILE,valid=FILE,test=FILE                   a pre-split triple
 *   PATH                          a file, format told from its name and
 *                                 content; NAME.train.inter (or .valid.,
 *                                 .test.) loads RecBole's triple beside it
 * sha256 is the digest of the file (as sha256sum prints it); for a
 * triple, of the three digests; for synthetic data, of the generated
 * (user, item) pairs. On failure returns -1 with a message naming the
 * file and line ("u.data:12: ...").
 */
int model_data_load(const char *spec, struct model_data *d,
    struct ep_err *err);

/*
 * The same in memory: parses len bytes of buf as the file name would be
 * (its name picks the format as above; it is never opened). For the
 * fuzzing harnesses and for callers that already hold the bytes.
 */
int model_data_parse(const char *name, const char *buf, size_t len,
    struct model_data *d, struct ep_err *err);

/* A pre-split triple in memory: names[k] and bufs[k] (lens[k] bytes). */
int model_data_parse_split(const char *const names[3],
    const char *const bufs[3], const size_t lens[3], struct model_data *d,
    struct ep_err *err);

/* Frees what model_data_load() allocated; safe on MODEL_DATA_INIT. */
void model_data_release(struct model_data *d);

/*
 * Gini coefficient of the items' interaction counts (0: every item
 * equally popular; near 1: a few items take everything).
 */
double model_data_gini(const struct model_data *d);

/*
 * Builds a dataset from already-remapped arrays (taking ownership of
 * user, item and ts, which may be NULL), dropping repeated pairs. For
 * the generator and for tests.
 */
void model_data_from_arrays(struct model_data *d, const char *name,
    const char *format, uint32_t n_users, uint32_t n_items, uint32_t *user,
    uint32_t *item, size_t n);

#endif
