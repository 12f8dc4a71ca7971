/*
 * Splitting a dataset into training, validation and test parts.
 *
 * The default is RecBole's: one random permutation of all interactions
 * (seeded), grouped by user keeping that order, and for each user with n
 * interactions valid = floor(0.1 n), test = floor(0.1 n), train = the
 * rest, except that a part whose share is between 0 and 1 interaction
 * takes one from train while train keeps more than one. Leave-one-out
 * puts each user's last interaction in test and the one before in valid
 * (when the user has that many). Either can order by timestamp instead
 * of randomly. A pre-split dataset keeps its parts.
 */
#ifndef ECOPLAN_MODELS_SPLIT_H
#define ECOPLAN_MODELS_SPLIT_H

#include <stdint.h>

#include "core/err.h"
#include "models/csr.h"
#include "models/data.h"

enum model_split_kind {
	MODEL_SPLIT_RATIO,	/* RecBole RS */
	MODEL_SPLIT_LOO		/* RecBole LS, valid_and_test */
};

struct model_split_spec {
	enum model_split_kind kind;
	double ratio[3];	/* train, valid, test; normalised */
	int by_time;		/* order by timestamp, not randomly */
	uint64_t seed;
};

#define MODEL_SPLIT_SPEC_DEFAULT { MODEL_SPLIT_RATIO, { 0.8, 0.1, 0.1 }, 0, \
	2020 }

struct model_split {
	uint32_t n_users;
	uint32_t n_items;
	struct model_csr part[3];	/* by enum model_part: user x item */
	uint32_t *item_pop;		/* training interactions per item */
	char desc[96];			/* e.g. "RS 0.8:0.1:0.1 random, seed
					 * 2020" */
};

#define MODEL_SPLIT_INIT { 0, 0, { MODEL_CSR_INIT, MODEL_CSR_INIT, \
	MODEL_CSR_INIT }, NULL, "" }

/*
 * Parses a split description: "rs" (8:1:1), "rs:8,1,1" (any three
 * non-negative weights, train positive), "loo"; either may end in
 * "/time" to order by timestamp. The seed is left as it is.
 */
int model_split_parse(const char *text, struct model_split_spec *spec,
    struct ep_err *err);

/*
 * Splits d as spec says into out. Fails when ordering by time is asked
 * of a dataset without timestamps.
 */
int model_split_make(const struct model_data *d,
    const struct model_split_spec *spec, struct model_split *out,
    struct ep_err *err);

/* The number of interactions in each part per user, RecBole's rule. */
void model_split_counts(long n, const double ratio[3], long cnt[3]);

void model_split_release(struct model_split *s);

#endif
