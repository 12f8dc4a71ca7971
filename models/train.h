/*
 * Training a model on a split: one epoch at a time (for the profile
 * runner, which measures each), evaluation of the current state, and
 * the convergence loop with RecBole's early stopping.
 */
#ifndef ECOPLAN_MODELS_TRAIN_H
#define ECOPLAN_MODELS_TRAIN_H

#include "core/err.h"
#include "core/rng.h"
#include "models/eval.h"
#include "models/model.h"
#include "models/optim.h"
#include "models/sampler.h"

struct model_run {
	const struct model_ops *ops;
	const struct model_split *sp;	/* borrowed */
	struct model_hp hp;
	struct model *m;
	struct ep_rng rng;		/* initialisation, dropout */
	struct model_sampler sampler;
	struct model_optim optim;
	struct model_tensor *t;		/* the model's tensors */
	size_t n_t;
	float **best;			/* snapshot of the best epoch's weights */
	int epochs_done;
	int prepared;			/* scoring caches are current */
};

/* Creates the model ops with hp for sp. */
int model_run_init(struct model_run *r, const struct model_ops *ops,
    const struct model_hp *hp, const struct model_split *sp,
    struct ep_err *err);

/*
 * Trains one epoch (a traditional model: its one fitting pass); *loss is
 * the mean batch loss (0 for traditional models).
 */
int model_run_epoch(struct model_run *r, double *loss, struct ep_err *err);

/*
 * The same, but stops after max_batches mini-batches of a fresh epoch
 * (the benchmarks time part of a slow model's epoch); *done gets the
 * batches trained (0 for traditional models, which fit fully). The
 * weights are brought up to date as at the end of an epoch.
 */
int model_run_batches(struct model_run *r, size_t max_batches, double *loss,
    size_t *done, struct ep_err *err);

/* Evaluates part of the split with the model as it is now. */
int model_run_eval(struct model_run *r, enum model_part part,
    const struct model_eval_spec *spec, struct model_eval_result *res,
    struct ep_err *err);

/* Scores users as model_score_fn; ctx is the struct model_run. */
void model_run_score(void *ctx, const uint32_t *users, size_t n, float *out);

/* Keeps a copy of the current weights / puts the copy back. */
void model_run_snapshot(struct model_run *r);
void model_run_restore(struct model_run *r);

/* Called after each epoch of model_run_converge() (for progress). */
struct model_epoch_report {
	int epoch;		/* 1-based */
	double loss;
	double train_secs;
	double valid_secs;
	double valid_metric;	/* MRR@10 (or the first requested metric) */
	int best;		/* this epoch is the best so far */
	const struct model_eval_result *valid;
};

typedef void (*model_epoch_fn)(void *ctx, const struct model_epoch_report *);

/*
 * Trains for max_epochs, validating after each epoch with spec (whose
 * first metric decides, MRR@10 by RecBole's default); with converge set,
 * stops when that metric has not improved (ties count as improvement)
 * for more than stopping_step epochs, and restores the best epoch's
 * weights. Traditional models train once. *epochs gets the epochs run
 * and *best_epoch the restored one.
 */
int model_run_train(struct model_run *r, int max_epochs, int converge,
    const struct model_eval_spec *spec, model_epoch_fn fn, void *ctx,
    int *epochs, int *best_epoch, struct ep_err *err);

void model_run_release(struct model_run *r);

#endif
