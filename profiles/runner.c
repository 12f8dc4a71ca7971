/*
 * The measurement protocol (see runner.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/mem.h"
#include "core/rng.h"
#include "models/eval.h"
#include "models/serve.h"
#include "models/train.h"
#include "profiles/runner.h"
#include "core/banned.h"

#define J_PER_KWH 3.6e6

void
prof_run_opts_init(struct prof_run_opts *o)
{
	memset(o, 0, sizeof *o);
	o->epochs = 3;
	o->n_sets = 2;
	o->sets[0] = "all";
	o->sets[1] = "mrr";
	o->n_batches = 3;
	o->batches[0] = 1;
	o->batches[1] = 64;
	o->batches[2] = 0;
	o->repeat = 3;
	o->min_window_secs = 1.0;
	o->min_valid_secs = 0.2;
	o->min_requests = 100;
	o->k = 10;
}

/* A measurement in progress. */
struct span {
	double t0;
	double j0;
};

static int
span_begin(struct prof_meter *m, struct span *s, struct ep_err *err)
{
	if (prof_meter_read(m, &s->j0, NULL, NULL, err) < 0)
		return -1;
	s->t0 = ep_clock_mono();
	return 0;
}

/* Ends a span: gross joules and seconds. */
static int
span_end(struct prof_meter *m, const struct span *s, double *joules,
    double *secs, struct ep_err *err)
{
	double j1;

	*secs = ep_clock_mono() - s->t0;
	if (prof_meter_read(m, &j1, NULL, NULL, err) < 0)
		return -1;
	*joules = j1 - s->j0;
	if (*joules < 0)
		*joules = 0;
	return 0;
}

int
prof_run_idle(struct prof_meter *m, double secs, double *watts,
    struct ep_err *err)
{
	struct timespec ts;
	struct span s;
	double j, t;

	*watts = 0;
	if (!m->machine_wide)
		return 0;
	if (span_begin(m, &s, err) < 0)
		return -1;
	ts.tv_sec = (time_t)secs;
	ts.tv_nsec = (long)((secs - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) < 0)
		;
	if (span_end(m, &s, &j, &t, err) < 0)
		return -1;
	*watts = t > 0 ? j / t : 0;
	return 0;
}

/* Net kWh of gross joules over secs, less the idle baseline. */
static double
net_kwh(const struct prof_run_opts *o, double joules, double secs)
{
	double net = joules - o->idle_watts * secs;

	return (net > 0 ? net : 0) / J_PER_KWH;
}

static void
progress(const struct prof_run_opts *o, const char *what, double frac)
{
	if (o->progress != NULL)
		o->progress(o->ctx, what, frac);
}

/* "all" and "mrr" are sets at @10; anything else is a metric list. */
static int
set_spec(const char *set, struct model_eval_spec *spec, struct ep_err *err)
{
	const char *list = strcmp(set, "all") == 0 ? "all@10" :
	    strcmp(set, "mrr") == 0 ? "mrr@10" : set;

	if (model_eval_parse(list, spec, err) < 0)
		return ep_err_prefix(err, "metric set '%s'", set);
	return 0;
}

int
prof_run_check_set(const char *set, struct ep_err *err)
{
	struct model_eval_spec spec;

	return set_spec(set, &spec, err);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
percentile(double *v, size_t n, double q)
{
	size_t i;

	if (n == 0)
		return 0;
	qsort(v, n, sizeof *v, cmp_double);
	i = (size_t)ceil(q * (double)n) - 1;
	return v[i < n ? i : n - 1];
}

/* Measures inference at every batch size into p->batches. */
static int
run_inference(struct model_run *run, struct prof_meter *m,
    const struct prof_run_opts *o, struct prof_profile *p,
    struct ep_err *err)
{
	struct model_server srv;
	struct ep_rng rng;
	uint32_t U = run->sp->n_users, *users = NULL, *out = NULL;
	size_t bi, cap_lat = 0, max_b = 0;
	double *lat = NULL;
	int ret = -1;

	model_server_init(&srv, run, o->k);
	ep_rng_seed(&rng, 2020, 0x5e7e);
	p->k = o->k;
	p->users_per_query = 1;
	for (bi = 0; bi < o->n_batches; bi++) {
		size_t b = o->batches[bi] > 0 ? (size_t)o->batches[bi] : U;

		if (b > max_b)
			max_b = b;
	}
	users = ep_xreallocarray(NULL, max_b, sizeof *users);
	out = ep_xreallocarray(NULL, max_b * (size_t)o->k, sizeof *out);
	p->n_batches = 0;
	for (bi = 0; bi < o->n_batches; bi++) {
		size_t b = o->batches[bi] > 0 ? (size_t)o->batches[bi] : U;
		double kwh[64], gross[64], secs[64], reqs_total = 0,
		    secs_total = 0;
		struct prof_batch *pb;
		struct prof_stat st;
		size_t n_lat = 0, j;
		int rep, nrep = o->repeat > 64 ? 64 : o->repeat;

		/* Batch sizes must increase in a profile; skip repeats. */
		if (p->n_batches > 0 &&
		    (double)b <= p->batches[p->n_batches - 1].batch)
			continue;
		for (rep = 0; rep < nrep; rep++) {
			struct span s;
			double joules, t;
			size_t reqs = 0;

			progress(o, "inference", ((double)bi + (double)rep /
			    nrep) / (double)o->n_batches);
			if (span_begin(m, &s, err) < 0)
				goto out;
			do {
				double t1 = ep_clock_mono();

				for (j = 0; j < b; j++)
					users[j] = ep_rng_below(&rng, U);
				model_server_topk(&srv, users, b, out);
				if (n_lat == cap_lat) {
					cap_lat = cap_lat ? cap_lat * 2 : 1024;
					lat = ep_xreallocarray(lat, cap_lat,
					    sizeof *lat);
				}
				lat[n_lat++] = (ep_clock_mono() - t1) * 1e3;
				reqs += b;
			} while (ep_clock_mono() - s.t0 < o->min_window_secs ||
			    reqs < (size_t)o->min_requests);
			if (span_end(m, &s, &joules, &t, err) < 0)
				goto out;
			kwh[rep] = net_kwh(o, joules, t) / (double)reqs;
			gross[rep] = joules / J_PER_KWH / (double)reqs;
			secs[rep] = t;
			reqs_total += (double)reqs;
			secs_total += t;
		}
		prof_stat_of(&st, kwh, gross, secs, nrep);
		pb = &p->batches[p->n_batches++];
		pb->batch = (double)b;
		pb->kwh_per_query = st.kwh;
		pb->sd = st.sd;
		pb->gross_kwh_per_query = st.gross_kwh;
		pb->n = nrep;
		pb->queries_per_sec = secs_total > 0 ? reqs_total / secs_total :
		    0;
		pb->p50_ms = percentile(lat, n_lat, 0.50);
		pb->p99_ms = percentile(lat, n_lat, 0.99);
		n_lat = 0;
	}
	p->has_inference = p->n_batches > 0;
	ret = 0;
out:
	model_server_release(&srv);
	free(users);
	free(out);
	free(lat);
	return ret;
}

static void
set_params(const struct model_hp *hp, struct prof_profile *p)
{
	size_t i;

	p->n_params = 0;
	for (i = 0; i < hp->n && i < PROF_MAX_PARAMS; i++) {
		struct prof_param *pp = &p->params[p->n_params++];

		snprintf(pp->key, sizeof pp->key, "%s", hp->p[i]->key);
		model_hp_format(hp, i, pp->value, sizeof pp->value);
		pp->numeric = hp->p[i]->type != MODEL_PARAM_CHOICE;
	}
}

int
prof_run_model(const struct model_ops *ops, const struct model_hp *hp,
    const struct model_data *d, const struct model_split *sp,
    struct prof_meter *m, const struct prof_run_opts *o,
    struct prof_profile *p, struct ep_err *err)
{
	struct model_eval_spec specs[PROF_RUN_MAX_SETS], test_spec;
	struct model_eval_result res;
	struct model_run run;
	struct span s;
	double joules, t, loss;
	double tr_kwh[64], tr_gross[64], tr_secs[64];
	double va_kwh[PROF_RUN_MAX_SETS][64], va_gross[PROF_RUN_MAX_SETS][64];
	double va_secs[PROF_RUN_MAX_SETS][64];
	int trained = ops->sampling != MODEL_SAMPLE_NONE;
	int epochs = trained ? (o->epochs > 64 ? 64 : o->epochs) : 1;
	int ep, ret = -1, ran = 0, best = 0;
	size_t k;

	memset(&run, 0, sizeof run);
	for (k = 0; k < o->n_sets; k++)
		if (set_spec(o->sets[k], &specs[k], err) < 0)
			return -1;
	if (model_eval_parse("ndcg@10,mrr@10,recall@10,hit@10,precision@10",
	    &test_spec, err) < 0)
		return -1;
	snprintf(p->model, sizeof p->model, "%s", ops->name);
	set_params(hp, p);
	snprintf(p->dataset, sizeof p->dataset, "%s", d->name);
	p->users = d->n_users;
	p->items = d->n_items;
	p->interactions = (long)d->n_inter;
	snprintf(p->sha256, sizeof p->sha256, "%s", d->sha256);
	snprintf(p->split, sizeof p->split, "%s", sp->desc);
	p->idle_watts = o->idle_watts;

	/* Setup: the model's data structures and initial weights. */
	progress(o, "setup", 0);
	if (span_begin(m, &s, err) < 0 ||
	    model_run_init(&run, ops, hp, sp, err) < 0 ||
	    span_end(m, &s, &joules, &t, err) < 0)
		goto out;
	{
		double kw = net_kwh(o, joules, t), g = joules / J_PER_KWH;

		prof_stat_of(&p->setup, &kw, &g, &t, 1);
	}
	if (trained) {
		progress(o, "warm-up", 0);
		if (model_run_epoch(&run, &loss, err) < 0)
			goto out;
	}
	for (ep = 0; ep < epochs; ep++) {
		progress(o, "epochs", (double)ep / epochs);
		if (span_begin(m, &s, err) < 0 ||
		    model_run_epoch(&run, &loss, err) < 0 ||
		    span_end(m, &s, &joules, &t, err) < 0)
			goto out;
		tr_kwh[ep] = net_kwh(o, joules, t);
		tr_gross[ep] = joules / J_PER_KWH;
		tr_secs[ep] = t;
		/* Every metric set on the same model state. A pass shorter
		 * than the meter can resolve is repeated (it does not change
		 * the model) and the window divided by the passes. */
		for (k = 0; k < o->n_sets; k++) {
			int passes = 0;

			if (span_begin(m, &s, err) < 0)
				goto out;
			do {
				if (model_run_eval(&run, MODEL_VALID, &specs[k],
				    &res, err) < 0)
					goto out;
				passes++;
			} while (ep_clock_mono() - s.t0 < o->min_valid_secs &&
			    passes < 1000);
			if (span_end(m, &s, &joules, &t, err) < 0)
				goto out;
			va_kwh[k][ep] = net_kwh(o, joules, t) / passes;
			va_gross[k][ep] = joules / J_PER_KWH / passes;
			va_secs[k][ep] = t / passes;
		}
	}
	p->has_training = 1;
	p->epochs_measured = epochs;
	prof_stat_of(&p->epoch_train, tr_kwh, tr_gross, tr_secs, epochs);
	p->n_valid = o->n_sets;
	for (k = 0; k < o->n_sets; k++) {
		snprintf(p->valid[k].name, sizeof p->valid[k].name, "%s",
		    o->sets[k]);
		prof_stat_of(&p->valid[k].e, va_kwh[k], va_gross[k],
		    va_secs[k], epochs);
	}
	if (!trained)
		p->epochs_per_update = 1;
	else if (o->converge) {
		struct model_eval_spec mrr;

		progress(o, "converging", 0);
		if (model_eval_parse("mrr@10", &mrr, err) < 0 ||
		    model_run_train(&run, (int)model_hp_get(hp, "epochs"), 1,
		    &mrr, NULL, NULL, &ran, &best, err) < 0)
			goto out;
		p->epochs_per_update = 1 + epochs + ran;
		p->converged = 1;
	} else {
		p->epochs_per_update = o->update_epochs > 0 ? o->update_epochs :
		    50;
	}

	progress(o, "inference", 0);
	if (run_inference(&run, m, o, p, err) < 0)
		goto out;
	if (model_run_eval(&run, MODEL_TEST, &test_spec, &res, err) < 0)
		goto out;
	p->n_metrics = 0;
	for (k = 0; k < test_spec.n && k < PROF_MAX_METRICS; k++) {
		struct prof_metric *pm = &p->metrics[p->n_metrics++];

		model_eval_label(&test_spec.req[k], pm->name, sizeof pm->name);
		pm->value = res.value[k];
	}
	progress(o, "done", 1);
	ret = 0;
out:
	model_run_release(&run);
	return ret;
}
