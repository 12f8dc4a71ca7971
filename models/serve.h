/*
 * Serving: top-k recommendations for a batch of users, as a deployed
 * model would answer requests: score all items, leave out the user's
 * training items, keep the k best. Used to measure inference cost.
 */
#ifndef ECOPLAN_MODELS_SERVE_H
#define ECOPLAN_MODELS_SERVE_H

#include <stddef.h>
#include <stdint.h>

#include "models/screen.h"
#include "models/train.h"

struct model_server {
	struct model_run *run;	/* borrowed */
	int k;
	size_t block;		/* users scored per call of the model */
	float **scores;		/* per thread: block x n_items */
	int n_threads;
	/* Dot-product models with a large item table: one-user requests
	 * screened in 8 bits or bfloat16 (models/screen.h). */
	const float *user;	/* the user table, or NULL: not screened */
	struct model_screen screen;
	uint32_t **cand;	/* per thread */
};

/*
 * Prepares to serve top-k lists from run's model: its scoring caches,
 * and for a dot-product model whose item table holds MODEL_SCREEN_MIN
 * floats or more, the table's coarse copy for screening (below that,
 * the screen's fixed costs weigh more than it saves). The model must
 * not be trained while it is served.
 */
#define MODEL_SCREEN_MIN (1u << 16)

void model_server_init(struct model_server *s, struct model_run *run, int k);

/*
 * Answers n requests: the k best items for each of users[0..n) into
 * out[n x k] (UINT32_MAX pads a list when a user has fewer candidates).
 * Large batches are split into blocks served in parallel.
 */
void model_server_topk(struct model_server *s, const uint32_t *users,
    size_t n, uint32_t *out);

void model_server_release(struct model_server *s);

#endif
