/*
 * The synthetic dataset generator, ecoplan's embedded default. It is
 * deterministic for a seed (and for any thread count), and has the shape
 * of real implicit-feedback data: item popularity follows a power law,
 * user activity is skewed (log-normal), and users and items belong to
 * latent taste clusters, so that a learned model clearly beats ranking
 * by popularity.
 */
#ifndef ECOPLAN_MODELS_SYNTH_H
#define ECOPLAN_MODELS_SYNTH_H

#include <stdint.h>

#include "core/err.h"
#include "models/data.h"

struct model_synth_spec {
	long users;
	long items;
	long inters;
	long seed;
	long clusters;		/* latent taste clusters */
	double alpha;		/* popularity exponent: weight of rank r is
				 * (r + 1)^-alpha */
	double affinity;	/* share of a user's items drawn from the
				 * user's own cluster */
	double activity_sigma;	/* log-normal spread of user activity */
};

/*
 * Parses "synthetic[:key=value,...]" or "synthetic-ml1m[:...]" into spec.
 * synthetic is MovieLens-100K's shape (943 users, 1,682 items, 100,000
 * interactions); synthetic-ml1m is MovieLens-1M's (6,040 users, 3,706
 * items, 1,000,209 interactions). Keys: users, items, inters, seed,
 * clusters, alpha, affinity, sigma.
 */
int model_synth_parse(const char *text, struct model_synth_spec *spec,
    struct ep_err *err);

/* Generates the dataset spec describes into d (see model_data_load()). */
int model_synth_make(const struct model_synth_spec *spec, const char *name,
    struct model_data *d, struct ep_err *err);

/* model_synth_parse() then model_synth_make(). */
int model_synth_load(const char *text, struct model_data *d,
    struct ep_err *err);

#endif
