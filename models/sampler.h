/*
 * Mini-batches of training interactions with uniform negative sampling,
 * as RecBole's training loader makes them: the training interactions in
 * a new random order each epoch, and for each positive (u, i) one item j
 * drawn uniformly from all items, redrawn while u has j in training.
 * Deterministic for a seed.
 */
#ifndef ECOPLAN_MODELS_SAMPLER_H
#define ECOPLAN_MODELS_SAMPLER_H

#include <stddef.h>
#include <stdint.h>

#include "core/rng.h"
#include "models/model.h"
#include "models/split.h"

struct model_sampler {
	const struct model_csr *train;
	enum model_sampling kind;
	size_t batch;		/* rows a batch */
	uint64_t *pairs;	/* the training entries, user << 32 | item,
				 * in this epoch's order */
	size_t pos;		/* next entry of pairs */
	uint64_t *seen;		/* the training matrix as bits, a row of
				 * words a user, or NULL where too large */
	size_t seen_words;	/* words a row */
	uint32_t *users;	/* MODEL_SAMPLE_USERS: user order */
	struct ep_rng rng;
	struct model_batch b;	/* buffers handed out by next() */
};

/*
 * Prepares batches of batch rows of kind from sp's training part (a
 * pointwise batch holds batch / 2 positives and as many negatives).
 */
void model_sampler_init(struct model_sampler *s, const struct model_split *sp,
    enum model_sampling kind, size_t batch, uint64_t seed);

/* Starts an epoch: a fresh random order. */
void model_sampler_epoch(struct model_sampler *s);

/* Fills the next batch into *b (borrowed until the next call); returns 0
 * when the epoch is over. */
int model_sampler_next(struct model_sampler *s, struct model_batch *b);

/* An item user u has not interacted with in training, uniformly. */
uint32_t model_sampler_negative(struct model_sampler *s, uint32_t u);

/* Batches in one epoch. */
size_t model_sampler_batches(const struct model_sampler *s);

void model_sampler_release(struct model_sampler *s);

#endif
