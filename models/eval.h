/*
 * Full-sort evaluation with RecBole's twelve metrics, all computed from
 * one top-k selection in one pass over the users.
 *
 * For every user with at least one interaction in the evaluated part, the
 * model scores all items; the user's items in earlier parts (train for
 * validation; train and valid for test) are excluded; the k best
 * remaining items are selected (ties go to the lower item id) and every
 * requested metric is computed from that list. Users are processed in
 * blocks, in parallel, and per-block sums are added in block order, so
 * results do not depend on the thread count.
 */
#ifndef ECOPLAN_MODELS_EVAL_H
#define ECOPLAN_MODELS_EVAL_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "models/data.h"
#include "models/split.h"

enum model_metric {
	MODEL_RECALL,
	MODEL_MRR,
	MODEL_NDCG,
	MODEL_HIT,
	MODEL_MAP,
	MODEL_PRECISION,
	MODEL_GAUC,
	MODEL_ITEMCOVERAGE,
	MODEL_AVERAGEPOPULARITY,
	MODEL_GINIINDEX,
	MODEL_SHANNONENTROPY,
	MODEL_TAILPERCENTAGE,
	MODEL_METRIC_COUNT
};

#define MODEL_EVAL_MAX 64	/* metric requests in one spec */
#define MODEL_EVAL_KMAX 1000	/* largest k */

struct model_metric_req {
	enum model_metric metric;
	int k;			/* list length; 0 for GAUC */
};

struct model_eval_spec {
	size_t n;
	struct model_metric_req req[MODEL_EVAL_MAX];
	/*
	 * RecBole's conventions (the default): ItemCoverage and GiniIndex
	 * divide by the item count plus one (RecBole's [PAD] item), and
	 * ShannonEntropy is divided by the number of distinct recommended
	 * items. With 0: the real item count, and plain entropy.
	 */
	int recbole_compat;
	double tail_ratio;	/* TailPercentage: <= 1 a share of the
				 * training items, > 1 a count threshold */
};

/*
 * Parses a metric list: comma-separated names with an optional "@k"
 * (default 10), case-insensitive: recall, mrr, ndcg, hit, map,
 * precision, gauc, itemcoverage, averagepopularity, giniindex,
 * shannonentropy, tailpercentage; "all" (or "all@k") is the twelve.
 * Repeats are dropped. Sets recbole_compat = 1, tail_ratio = 0.1.
 */
int model_eval_parse(const char *list, struct model_eval_spec *spec,
    struct ep_err *err);

/* "recall@10", "gauc": the request's label, into buf. */
void model_eval_label(const struct model_metric_req *r, char *buf,
    size_t size);

/* RecBole's name of a metric ("Recall", "GiniIndex"). */
const char *model_metric_name(enum model_metric m);

/* Whether larger values of the metric are better. */
int model_metric_larger_better(enum model_metric m);

/*
 * Scores users[0..n) against all items into scores, row-major n x
 * n_items. Called from several threads at once on different blocks: it
 * must be thread-safe, and should not start threads of its own (call
 * OpenBLAS single-threaded).
 */
typedef void (*model_score_fn)(void *ctx, const uint32_t *users, size_t n,
    float *scores);

struct model_eval_result {
	size_t n;			/* = spec->n */
	double value[MODEL_EVAL_MAX];	/* in spec order */
	size_t users;			/* users evaluated */
	double secs;			/* wall time of the pass */
};

/*
 * Evaluates part (MODEL_VALID or MODEL_TEST) of sp with scores from fn.
 * Returns -1 when the part has no users.
 */
int model_eval_run(const struct model_split *sp, enum model_part part,
    const struct model_eval_spec *spec, model_score_fn fn, void *ctx,
    struct model_eval_result *res, struct ep_err *err);

/* Index of metric (m, k) in res, or -1 when it was not requested. */
int model_eval_find(const struct model_eval_spec *spec, enum model_metric m,
    int k);

#endif
