/*
 * The training loop: batches from the sampler, the model's loss and
 * gradients, Adam; validation after each epoch and early stopping.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/mem.h"
#include "models/blas.h"
#include "models/train.h"
#include "core/banned.h"

int
model_run_init(struct model_run *r, const struct model_ops *ops,
    const struct model_hp *hp, const struct model_split *sp,
    struct ep_err *err)
{
	uint64_t seed = (uint64_t)model_hp_get(hp, "seed");

	memset(r, 0, sizeof *r);
	r->ops = ops;
	r->sp = sp;
	r->hp = *hp;
	model_blas_single_thread();
	ep_rng_seed(&r->rng, seed, 0x1417);
	if ((r->m = ops->create(sp, hp, &r->rng, err)) == NULL)
		return -1;
	if (ops->sampling != MODEL_SAMPLE_NONE) {
		enum model_optim_kind kind;

		r->t = ops->tensors(r->m, &r->n_t);
		model_sampler_init(&r->sampler, sp, ops->sampling,
		    (size_t)model_hp_get(hp, "train_batch_size"), seed);
		kind = (enum model_optim_kind)model_hp_get(hp, "optimizer");
		/* Replaying needs to know which rows a batch reads. */
		if (kind == MODEL_ADAM && ops->mark_rows == NULL)
			kind = MODEL_ADAM_EAGER;
		model_optim_init(&r->optim, r->t, r->n_t,
		    model_hp_get(hp, "learning_rate"), kind);
	}
	return 0;
}

int
model_run_epoch(struct model_run *r, double *loss, struct ep_err *err)
{
	size_t done;

	return model_run_batches(r, SIZE_MAX, loss, &done, err);
}

int
model_run_batches(struct model_run *r, size_t max_batches, double *loss,
    size_t *done, struct ep_err *err)
{
	struct model_batch b;
	double sum = 0;
	size_t nb = 0;

	r->prepared = 0;
	*done = 0;
	if (r->ops->sampling == MODEL_SAMPLE_NONE) {
		*loss = 0;
		if (r->ops->fit(r->m, &r->rng, err) < 0)
			return -1;
		r->epochs_done++;
		return 0;
	}
	model_sampler_epoch(&r->sampler);
	while (nb < max_batches && model_sampler_next(&r->sampler, &b)) {
		if (r->optim.kind == MODEL_ADAM) {
			r->ops->mark_rows(r->m, &b);
			model_optim_refresh(&r->optim);
		}
		sum += r->ops->loss(r->m, &b, 1, 1, &r->rng);
		model_optim_step(&r->optim);
		if (r->ops->stepped != NULL)
			r->ops->stepped(r->m);
		nb++;
	}
	/* The epoch ends with every weight current. */
	model_optim_flush(&r->optim);
	*loss = nb > 0 ? sum / (double)nb : 0;
	*done = nb;
	r->epochs_done++;
	return 0;
}

void
model_run_score(void *ctx, const uint32_t *users, size_t n, float *out)
{
	struct model_run *r = ctx;

	r->ops->score(r->m, users, n, out);
}

int
model_run_eval(struct model_run *r, enum model_part part,
    const struct model_eval_spec *spec, struct model_eval_result *res,
    struct ep_err *err)
{
	if (!r->prepared && r->ops->prepare != NULL)
		r->ops->prepare(r->m);
	r->prepared = 1;
	return model_eval_run(r->sp, part, spec, model_run_score, r, res, err);
}

void
model_run_snapshot(struct model_run *r)
{
	size_t k;

	if (r->best == NULL && r->n_t > 0) {
		r->best = ep_xcalloc(r->n_t, sizeof *r->best);
		for (k = 0; k < r->n_t; k++)
			r->best[k] = ep_xreallocarray(NULL,
			    r->t[k].rows * r->t[k].cols, sizeof(float));
	}
	for (k = 0; k < r->n_t; k++)
		memcpy(r->best[k], r->t[k].w,
		    r->t[k].rows * r->t[k].cols * sizeof(float));
}

void
model_run_restore(struct model_run *r)
{
	size_t k;

	if (r->best == NULL)
		return;
	for (k = 0; k < r->n_t; k++)
		memcpy(r->t[k].w, r->best[k],
		    r->t[k].rows * r->t[k].cols * sizeof(float));
	r->prepared = 0;
	if (r->ops->stepped != NULL)
		r->ops->stepped(r->m);
}

int
model_run_train(struct model_run *r, int max_epochs, int converge,
    const struct model_eval_spec *spec, model_epoch_fn fn, void *ctx,
    int *epochs, int *best_epoch, struct ep_err *err)
{
	double st = model_hp_get(&r->hp, "stopping_step");
	int stopping = isnan(st) ? 10 : (int)st;
	int ep, bad = 0;
	double best = -1e300;

	/* Traditional models have no epochs (nor a stopping_step). */
	if (r->ops->sampling == MODEL_SAMPLE_NONE)
		max_epochs = 1;
	*best_epoch = 0;
	for (ep = 1; ep <= max_epochs; ep++) {
		struct model_epoch_report rep;
		struct model_eval_result res;
		double t0 = ep_clock_mono(), t1, score;
		int larger = model_metric_larger_better(spec->req[0].metric);

		memset(&rep, 0, sizeof rep);
		if (model_run_epoch(r, &rep.loss, err) < 0)
			return -1;
		t1 = ep_clock_mono();
		if (model_run_eval(r, MODEL_VALID, spec, &res, err) < 0)
			return -1;
		score = larger ? res.value[0] : -res.value[0];
		rep.epoch = ep;
		rep.train_secs = t1 - t0;
		rep.valid_secs = res.secs;
		rep.valid_metric = res.value[0];
		rep.valid = &res;
		/* RecBole's early stopping: a tie counts as an improvement;
		 * stop after more than stopping_step epochs without one. */
		if (score >= best) {
			best = score;
			bad = 0;
			*best_epoch = ep;
			rep.best = 1;
			if (converge)
				model_run_snapshot(r);
		} else {
			bad++;
		}
		if (fn != NULL)
			fn(ctx, &rep);
		if (converge && bad > stopping)
			break;
	}
	*epochs = ep > max_epochs ? max_epochs : ep;
	if (converge && *best_epoch != r->epochs_done)
		model_run_restore(r);
	return 0;
}

void
model_run_release(struct model_run *r)
{
	size_t k;

	if (r->best != NULL)
		for (k = 0; k < r->n_t; k++)
			free(r->best[k]);
	free(r->best);
	if (r->ops != NULL && r->ops->sampling != MODEL_SAMPLE_NONE) {
		model_sampler_release(&r->sampler);
		model_optim_release(&r->optim);
	}
	if (r->m != NULL)
		r->ops->free(r->m);
	memset(r, 0, sizeof *r);
}
