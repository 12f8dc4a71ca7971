/*
 * The measurement protocol of ecoplan profile: for one model on one
 * split, with one meter:
 *   - setup (creating the model's data structures) measured once;
 *   - one unmeasured warm-up epoch (trained models only: a traditional
 *     model's single fit is its whole training);
 *   - N measured epochs, each split into the training step and the
 *     validation pass, the validation measured for each requested
 *     metric set on the same model state (a pass shorter than
 *     min_valid_secs repeated, the window divided by the passes);
 *   - inference: top-k requests for random users at each batch size,
 *     each measured over a window of at least min_window_secs and
 *     min_requests requests, repeated;
 *   - the test accuracy, and with converge the epochs to early stopping.
 * With a machine-wide meter an idle baseline (watts) is subtracted to
 * give net energy beside gross.
 */
#ifndef ECOPLAN_PROFILES_RUNNER_H
#define ECOPLAN_PROFILES_RUNNER_H

#include <stddef.h>

#include "core/err.h"
#include "models/data.h"
#include "models/model.h"
#include "models/split.h"
#include "profiles/meter.h"
#include "profiles/profile.h"

#define PROF_RUN_MAX_SETS 4

struct prof_run_opts {
	int epochs;			/* measured epochs (trained models) */
	int converge;			/* also train to early stopping */
	double update_epochs;		/* epochs an update takes when not
					 * converging (0: 50 trained, 1
					 * traditional) */
	size_t n_sets;
	const char *sets[PROF_RUN_MAX_SETS];	/* "all", "mrr" or lists */
	size_t n_batches;
	double batches[PROF_MAX_BATCHES];	/* 0 means all users */
	int repeat;
	double min_window_secs;
	double min_valid_secs;		/* a validation pass shorter than this
					 * is repeated within one measurement */
	int min_requests;
	int k;
	double idle_watts;		/* from prof_run_idle(), 0: none */
	/* Progress: called with a phase label and a fraction done. */
	void (*progress)(void *ctx, const char *what, double frac);
	void *ctx;
};

void prof_run_opts_init(struct prof_run_opts *o);

/*
 * Checks a metric set as --metrics gives it ("all", "mrr", or metrics
 * joined by ','), failing with EP_EUSAGE as prof_run_model would.
 */
int prof_run_check_set(const char *set, struct ep_err *err);

/*
 * Measures the idle power of a machine-wide meter over secs seconds of
 * sleep (0 for a per-process meter).
 */
int prof_run_idle(struct prof_meter *m, double secs, double *watts,
    struct ep_err *err);

/*
 * Runs the protocol for ops with hp on split sp of dataset d (for the
 * profile's dataset fields), writing everything measured into p (whose
 * host and meter fields the caller has filled).
 */
int prof_run_model(const struct model_ops *ops, const struct model_hp *hp,
    const struct model_data *d, const struct model_split *sp,
    struct prof_meter *m, const struct prof_run_opts *o,
    struct prof_profile *p, struct ep_err *err);

#endif
