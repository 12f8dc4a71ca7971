/*
 * The model table and the interface every model implements.
 *
 * A model is one file: a struct model_ops with its name, its
 * hyperparameters (RecBole's defaults, overridable with --set key=value)
 * and its functions. Models are of two kinds:
 *   - trained models (BPR, FISM, ...) expose their parameters as tensors
 *     and a loss over a mini-batch that also accumulates gradients; the
 *     generic trainer (models/train.c) samples batches, calls the loss
 *     and steps the optimiser (models/optim.c);
 *   - traditional models (Pop, ItemKNN, SLIMElastic, EASE) are fitted in
 *     one pass by their fit function, as RecBole's TraditionalTrainer does.
 * Every model scores blocks of users against all items for the
 * evaluator, and reports its size and cost for the benchmarks.
 * models/ knows nothing of energy: that is profiles/'s business.
 */
#ifndef ECOPLAN_MODELS_MODEL_H
#define ECOPLAN_MODELS_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/rng.h"
#include "models/split.h"

/* A hyperparameter: its key, default and allowed range. */
enum model_param_type {
	MODEL_PARAM_INT,
	MODEL_PARAM_REAL,
	MODEL_PARAM_CHOICE	/* one of the '|'-separated words in choices;
				 * the value is the word's index */
};

struct model_param {
	const char *key;
	enum model_param_type type;
	double def;
	double min;
	double max;
	const char *choices;	/* MODEL_PARAM_CHOICE only */
	const char *help;
};

/* Hyperparameter values, in the order of the model's table. */
#define MODEL_MAX_PARAMS 24

struct model_hp {
	size_t n;
	double v[MODEL_MAX_PARAMS];
	const struct model_param *p[MODEL_MAX_PARAMS];
};

/* One parameter tensor of a trained model, row-major rows x cols. */
struct model_tensor {
	const char *name;
	float *w;		/* values */
	float *g;		/* gradient accumulated by loss() */
	size_t rows;
	size_t cols;
	unsigned char *touched;	/* rows with a gradient this step (for the
				 * lazy optimiser), set by loss() */
};

/*
 * A mini-batch: n (user, item) rows; pairwise models also get a sampled
 * negative item for each row, pointwise models a 0/1 label.
 */
struct model_batch {
	size_t n;
	uint32_t *user;
	uint32_t *item;
	uint32_t *neg;		/* pairwise: n negatives; else NULL */
	float *label;		/* pointwise: n labels; else NULL */
};

enum model_sampling {
	MODEL_SAMPLE_NONE,	/* traditional: fit() does everything */
	MODEL_SAMPLE_PAIRWISE,	/* (u, i, j): B positives, B negatives */
	MODEL_SAMPLE_POINTWISE,	/* (u, i, label): B/2 positives, B/2 negatives */
	MODEL_SAMPLE_USERS	/* batches of user ids (autoencoders) */
};

/* Size and cost, for reports and the benchmarks' roofline. */
struct model_stats {
	double params;		/* trainable or stored parameters */
	double flops_epoch;	/* estimated floating-point operations of one
				 * training epoch (or of fit) */
	double flops_user;	/* of scoring one user against all items */
	double bytes;		/* memory held by the model */
};

struct model;

struct model_ops {
	const char *name;	/* "bpr": what --model and the table use */
	const char *title;	/* "BPR": RecBole's class name */
	const char *summary;	/* one line */
	enum model_sampling sampling;
	const struct model_param *params;	/* ends with a NULL key */

	/* Creates the model for split sp with hyperparameters hp, its
	 * parameters initialised from rng. */
	struct model *(*create)(const struct model_split *sp,
	    const struct model_hp *hp, struct ep_rng *rng, struct ep_err *err);

	/* Traditional models: fits the model in one pass. Returns 0 or -1. */
	int (*fit)(struct model *m, struct ep_rng *rng, struct ep_err *err);

	/* Trained models: the parameter tensors. */
	struct model_tensor *(*tensors)(struct model *m, size_t *n);

	/*
	 * Trained models: the mean loss over batch b (including
	 * regularisation); with grad set, also adds d(loss)/d(w) to every
	 * tensor's g and marks the touched rows. train is 0 during gradient
	 * checks: no dropout or other randomness.
	 */
	double (*loss)(struct model *m, const struct model_batch *b, int grad,
	    int train, struct ep_rng *rng);

	/*
	 * Trained models: marks (in each tensor's touched) every row that
	 * loss() will read for batch b, so that the optimiser can bring
	 * those rows up to date first. NULL: the optimiser keeps every row
	 * current at every step instead.
	 */
	void (*mark_rows)(struct model *m, const struct model_batch *b);

	/* Called after each optimiser step (e.g. to drop caches). */
	void (*stepped)(struct model *m);

	/* Scores users[0..n) against all items into out (n x n_items).
	 * Thread-safe; calls BLAS single-threaded. */
	void (*score)(struct model *m, const uint32_t *users, size_t n,
	    float *out);

	/* Prepares for a series of score() calls (caches), or NULL. */
	void (*prepare)(struct model *m);

	/*
	 * Dot-product models, or NULL: the user and item tables (width
	 * *w) that score() multiplies with model_dot_score(), as they are
	 * after prepare().
	 */
	void (*tables)(struct model *m, const float **user,
	    const float **item, size_t *w);

	void (*stats)(const struct model *m, struct model_stats *st);
	void (*free)(struct model *m);
};

/* The model called name (case-insensitive), or NULL. */
const struct model_ops *model_find(const char *name);

/* The table: model_at(0 .. model_count()-1). */
const struct model_ops *model_at(size_t i);
size_t model_count(void);

/* Hyperparameters of the trainer, shared by all trained models. */
extern const struct model_param model_train_params[];

/*
 * Sets hp to the defaults of ops's table, then the trainer's
 * (model_train_params, trained models only), then "seed"; all can be
 * read with model_hp_get().
 */
void model_hp_defaults(const struct model_ops *ops, struct model_hp *hp);

/*
 * Applies "key=value" to hp. Unknown keys and values out of range are
 * rejected with the list of valid keys or the range (EP_EUSAGE).
 */
int model_hp_set(struct model_hp *hp, const char *kv, struct ep_err *err);

/* The value of key in hp (which must exist). */
double model_hp_get(const struct model_hp *hp, const char *key);

/* Formats the value of hp->v[i] ("64", "0.001", "lazy_adam") into buf. */
void model_hp_format(const struct model_hp *hp, size_t i, char *buf,
    size_t size);

/* Allocates t's values (uninitialised), zeroed gradient and marks. */
void model_tensor_alloc(struct model_tensor *t, const char *name,
    size_t rows, size_t cols);

/* Frees what model_tensor_alloc() allocated. */
void model_tensor_release(struct model_tensor *t);

/* Xavier-normal initialisation of a rows x cols table, as PyTorch does
 * for an embedding (std = sqrt(2 / (rows + cols))). */
void model_init_xavier_normal(float *w, size_t rows, size_t cols,
    struct ep_rng *rng);

/* Normal(0, std) initialisation. */
void model_init_normal(float *w, size_t n, double std, struct ep_rng *rng);

#endif
