/*
 * Adam over a model's tensors, with PyTorch's semantics (betas 0.9 and
 * 0.999, eps 1e-8, bias correction, no weight decay).
 *
 * Dense Adam (the default, RecBole's behaviour with dense embedding
 * gradients) updates every parameter at every step: rows without a
 * gradient still decay their moments and keep moving. Doing that eagerly
 * streams every table through memory at every step. Instead, a row is
 * brought up to date only when it next has a gradient, or at flush(): the
 * skipped steps are replayed on that row alone, with the same arithmetic
 * in the same order, so the weights are bit-for-bit those of eager dense
 * Adam while the tables are read once per use, not once per step.
 *
 * The lazy variant (TensorFlow's LazyAdam) leaves rows without a gradient
 * alone: their moments do not decay. It changes the result.
 */
#ifndef ECOPLAN_MODELS_OPTIM_H
#define ECOPLAN_MODELS_OPTIM_H

#include <stddef.h>

#include "models/model.h"

enum model_optim_kind {
	MODEL_ADAM,		/* dense semantics, replayed on demand */
	MODEL_LAZY_ADAM,
	MODEL_ADAM_EAGER	/* dense, every row every step (for tests) */
};

struct model_optim {
	struct model_tensor *t;	/* borrowed */
	size_t n;
	float **m;		/* first moments, one array a tensor */
	float **v;		/* second moments */
	long **last;		/* step each row was last brought up to */
	float *step_size;	/* per step: lr / (1 - beta1^t) */
	float *inv_sqrt_bc2;	/* per step: 1 / sqrt(1 - beta2^t) */
	size_t steps_cap;
	double lr;
	double beta1;
	double beta2;
	double eps;
	long step;
	size_t total;		/* parameters in all tensors */
	enum model_optim_kind kind;
};

void model_optim_init(struct model_optim *o, struct model_tensor *t,
    size_t n, double lr, enum model_optim_kind kind);

/*
 * Brings the rows marked touched up to the current step, before a loss
 * reads them (dense Adam only; the marks stay).
 */
void model_optim_refresh(struct model_optim *o);

/*
 * Applies one step from the tensors' gradients (rows marked touched;
 * other rows' gradients must be zero), then zeroes the gradients and the
 * marks.
 */
void model_optim_step(struct model_optim *o);

/* Brings every row up to the current step (before the weights are read
 * for scoring or saving). */
void model_optim_flush(struct model_optim *o);

void model_optim_release(struct model_optim *o);

#endif
