/*
 * ecoplan compare: two or more models over their life under one
 * scenario (load, retraining cadence, intensity, PUE, horizon): energy
 * of an update and of a request, annual energy and emissions split into
 * training and serving, accuracy, the break-even of every pair, and a
 * one-line verdict at the given load; optionally a Monte Carlo interval
 * over the profiles' spreads and an SVG plot of emissions against load.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "calc/breakeven.h"
#include "calc/lifecycle.h"
#include "calc/uncertainty.h"
#include "cli/cmd.h"
#include "cli/output.h"
#include "cli/planning.h"
#include "cli/svg.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/num.h"
#include "core/banned.h"

enum { OPT_QPS = 256, OPT_RETRAIN, OPT_REGION, OPT_CI, OPT_TRAIN_REGION,
	OPT_PUE, OPT_YEARS, OPT_PROFILES, OPT_METRIC_SET, OPT_BATCH,
	OPT_UNCERTAINTY, OPT_SEED, OPT_ALLOW_MIXED, OPT_JSON, OPT_CSV,
	OPT_PLOT };

/* Most models one comparison takes. */
#define MAX_MODELS 16
/* Points of each line in the plot. */
#define PLOT_POINTS 97

struct cmp {
	const char *qps_s, *retrain_s, *region, *ci_s, *train_region;
	const char *profiles, *metric_set, *plot;
	double pue, years, batch;
	long samples;
	unsigned long seed;
	int allow_mixed, json, csv;
	struct calc_scenario sc;
	struct cmd_intensity ci_serve, ci_train;
	struct cmd_pick pick;
	size_t n;
	struct calc_cost cost[MAX_MODELS];
	struct calc_annual yr[MAX_MODELS];
};

static const struct cmd_entry *
self(void)
{
	return cmd_find("compare");
}

static int
parse_positive(const char *opt, const char *s, double min, double *out)
{
	struct ep_err err = EP_ERR_INIT;

	if (ep_parse_double(s, min, 1e15, out, &err) < 0)
		return cmd_bad_value(self(), opt, &err);
	return 0;
}

/* Parses the scenario options into c->sc; returns an exit status. */
static int
scenario(struct cmp *c)
{
	struct ep_err err = EP_ERR_INIT;
	double rps, upy;
	int st;

	if (ep_parse_rate(c->qps_s, &rps, &err) < 0)
		return cmd_bad_value(self(), "--qps", &err);
	if (!(rps > 0)) {
		ep_error("compare: --qps: '%s': must be more than 0 (a "
		    "comparison needs some load)", c->qps_s);
		return 2;
	}
	if (ep_parse_cadence(c->retrain_s, &upy, &err) < 0)
		return cmd_bad_value(self(), "--retrain", &err);
	c->sc = (struct calc_scenario)CALC_SCENARIO_INIT;
	c->sc.requests_per_sec = rps;
	c->sc.updates_per_year = upy;
	c->sc.pue = c->pue;
	c->sc.years = c->years;
	c->sc.serve_batch = c->batch;
	st = cmd_resolve_intensity("compare", c->region, c->ci_s,
	    &c->ci_serve);
	if (st != 0)
		return st;
	if (c->train_region != NULL) {
		st = cmd_resolve_intensity("compare", c->train_region, NULL,
		    &c->ci_train);
		if (st != 0)
			return st;
	} else {
		c->ci_train = c->ci_serve;
	}
	c->sc.ci_serve_g_per_kwh = c->ci_serve.g_per_kwh;
	c->sc.ci_train_g_per_kwh = c->ci_train.g_per_kwh;
	return 0;
}

static const char *
name(const struct cmp *c, size_t i)
{
	return cmd_model_name(&c->pick.p[i]);
}

/* "50 req/s", "0.004 req/s", "2.1e-06 req/s" */
static char *
rate_words(double rps)
{
	return ep_xasprintf("%.3g req/s", rps);
}

/* The pair (i, j) under the scenario; returns an exit status. */
static int
pair(const struct cmp *c, size_t i, size_t j, struct calc_breakeven *be)
{
	struct ep_err err = EP_ERR_INIT;

	if (calc_breakeven(&c->cost[i], &c->cost[j], &c->sc, be, &err) < 0) {
		ep_err_prefix(&err, "compare: %s vs %s", name(c, i),
		    name(c, j));
		ep_report(&err);
		return 1;
	}
	return 0;
}

/* The model greener above the break-even of (i, j), by index. */
static size_t
above(const struct calc_breakeven *be, size_t i, size_t j)
{
	return be->greener_above == CALC_A ? i : j;
}

/* "dominates": words for a pair's verdict, into buf. */
static const char *
pair_words(const struct cmp *c, size_t i, size_t j,
    const struct calc_breakeven *be, char *buf, size_t size)
{
	switch (be->verdict) {
	case CALC_CROSSING:
		snprintf(buf, size, "%s greener above the break-even, %s "
		    "below", name(c, above(be, i, j)),
		    name(c, above(be, i, j) == i ? j : i));
		break;
	case CALC_A_DOMINATES:
		snprintf(buf, size, "%s dominates: no more energy to train "
		    "nor to serve", name(c, i));
		break;
	case CALC_B_DOMINATES:
		snprintf(buf, size, "%s dominates: no more energy to train "
		    "nor to serve", name(c, j));
		break;
	default:
		snprintf(buf, size, "equal costs");
		break;
	}
	return buf;
}

/* The verdict sentence at the scenario's load. */
static char *
verdict(const struct cmp *c)
{
	struct calc_breakeven be;
	size_t best = 0, second, i;
	double pct;
	char *rate, *s, *be_rate, *tail;

	for (i = 1; i < c->n; i++)
		if (c->yr[i].horizon_g < c->yr[best].horizon_g)
			best = i;
	second = best == 0 ? 1 : 0;
	for (i = 0; i < c->n; i++)
		if (i != best && c->yr[i].horizon_g < c->yr[second].horizon_g)
			second = i;
	pct = (c->yr[second].horizon_g - c->yr[best].horizon_g) /
	    c->yr[second].horizon_g * 100;
	rate = rate_words(c->sc.requests_per_sec);
	if (pair(c, best, second, &be) != 0)
		be.verdict = CALC_EQUAL;
	if (be.verdict == CALC_CROSSING) {
		be_rate = rate_words(be.requests_per_sec);
		tail = ep_xasprintf("break-even at %s", be_rate);
		free(be_rate);
	} else if (be.verdict == CALC_A_DOMINATES ||
	    be.verdict == CALC_B_DOMINATES) {
		tail = ep_xasprintf("%s dominates (no break-even)",
		    name(c, best));
	} else {
		tail = ep_xstrdup("no break-even");
	}
	s = ep_xasprintf("at %s with %s retraining %s emits %.0f%% less "
	    "than %s%s; %s", rate, c->retrain_s, name(c, best), pct,
	    name(c, second), c->n > 2 ? " (the next greenest)" : "", tail);
	free(rate);
	free(tail);
	return s;
}

static void
print_assumptions(const struct cmp *c)
{
	const struct prof_profile *p = &c->pick.p[0];
	char *u = cmd_num(c->sc.updates_per_year, 4);

	printf("profiles:    %s%s\n", c->pick.set, c->pick.defaulted ?
	    " (default: the first reference set with all these models; "
	    "choose with --profiles)" : "");
	if (p->source[0] != '\0')
		printf("measured:    %s\n", p->source);
	printf("host:        %s (%s%s%s), meter %s%s\n", p->host_name,
	    p->cpu, p->gpu[0] ? ", " : "", p->gpu, p->meter,
	    p->estimated ? " (estimated in part)" : "");
	printf("dataset:     %s\n", p->dataset);
	printf("load:        %.6g requests/s (one user each)",
	    c->sc.requests_per_sec);
	if (p->users_per_query > 1) {
		char *qq = cmd_num(c->sc.requests_per_sec /
		    p->users_per_query, 4);

		printf("; %s queries/s of %.0f users, the profiles' unit",
		    qq, p->users_per_query);
		free(qq);
	}
	printf("\n");
	printf("retraining:  %s (%s updates a year)\n", c->retrain_s, u);
	printf("intensity:   %s%s\n", c->ci_serve.words,
	    c->train_region != NULL ? " (serving)" : "");
	if (c->train_region != NULL)
		printf("             %s (training)\n", c->ci_train.words);
	printf("PUE:         %g; horizon %g year%s; validation metric set "
	    "'%s'; serving batch %g quer%s\n", c->pue, c->years,
	    c->years == 1 ? "" : "s", c->metric_set, c->batch,
	    c->batch == 1 ? "y" : "ies");
	free(u);
}

static char *
kg(double g)
{
	return cmd_num(g / 1000, 4);
}

static void
print_models(const struct cmp *c)
{
	struct cmd_table t = CMD_TABLE_INIT;
	static const char *const metrics[] = { "ndcg@10", "mrr@10",
		"recall@10" };
	char *cells[14];
	size_t i, m;

	cmd_table_init(&t, 14, "model", "update kWh", "(train", "valid)",
	    "request kWh", "kWh/yr", "(train", "serve)", "kg CO2e/yr",
	    "(train", "serve)", "NDCG@10", "MRR@10", "Recall@10");
	for (i = 0; i < c->n; i++) {
		const struct calc_cost *k = &c->cost[i];
		const struct calc_annual *y = &c->yr[i];

		cells[0] = ep_xstrdup(name(c, i));
		cells[1] = cmd_num(y->update_kwh, 4);
		cells[2] = cmd_num(k->setup_kwh + k->epochs *
		    k->epoch_train_kwh, 4);
		cells[3] = cmd_num(k->epochs * k->epoch_valid_kwh, 4);
		cells[4] = cmd_num(y->request_kwh, 4);
		cells[5] = cmd_num(y->it_kwh, 4);
		cells[6] = cmd_num(y->train_kwh, 4);
		cells[7] = cmd_num(y->serve_kwh, 4);
		cells[8] = kg(y->emissions_g);
		cells[9] = kg(y->train_g);
		cells[10] = kg(y->serve_g);
		for (m = 0; m < 3; m++) {
			double v = cmd_profile_metric(&c->pick.p[i],
			    metrics[m]);

			cells[11 + m] = isnan(v) ? ep_xstrdup("-") :
			    cmd_num(v, 4);
		}
		cmd_table_row(&t, cells);
	}
	cmd_table_print(&t, stdout);
	cmd_table_release(&t);
}

static char *
ceil_words(double x)
{
	char *n, *s;

	if (isnan(x))
		return ep_xstrdup("-");
	n = cmd_num(x, 5);
	s = ep_xasprintf("%.0f (%s)", ceil(x), n);
	free(n);
	return s;
}

static int
print_pairs(const struct cmp *c)
{
	struct cmd_table t = CMD_TABLE_INIT;
	struct calc_breakeven be;
	char *cells[5], buf[256];
	size_t i, j;

	cmd_table_init(&t, 5, "pair", "N* queries/update",
	    "N* requests/update", "break-even req/s", "verdict");
	for (i = 0; i < c->n; i++)
		for (j = i + 1; j < c->n; j++) {
			if (pair(c, i, j, &be) != 0) {
				cmd_table_release(&t);
				return 1;
			}
			cells[0] = ep_xasprintf("%s vs %s", name(c, i),
			    name(c, j));
			cells[1] = ceil_words(be.queries_per_update);
			cells[2] = isnan(be.requests_per_update) ?
			    ep_xstrdup("-") : cmd_num(be.requests_per_update,
			    4);
			cells[3] = isnan(be.requests_per_sec) ?
			    ep_xstrdup("-") : cmd_num(be.requests_per_sec, 4);
			cells[4] = ep_xstrdup(pair_words(c, i, j, &be, buf,
			    sizeof buf));
			cmd_table_row(&t, cells);
		}
	cmd_table_print(&t, stdout);
	cmd_table_release(&t);
	return 0;
}

static void
interval_json(cJSON *o, const char *key, const struct calc_interval *v)
{
	cJSON *a = cJSON_AddObjectToObject(o, key);

	cJSON_AddNumberToObject(a, "p5", v->lo);
	cJSON_AddNumberToObject(a, "median", v->median);
	cJSON_AddNumberToObject(a, "p95", v->hi);
}

static char *
interval_words(const struct calc_interval *v, double scale)
{
	char *a = cmd_num(v->median * scale, 4), *b = cmd_num(v->lo * scale,
	    4), *d = cmd_num(v->hi * scale, 4), *s;

	s = ep_xasprintf("%s [%s, %s]", a, b, d);
	free(a);
	free(b);
	free(d);
	return s;
}

/* Monte Carlo of every pair: text, or into arr (JSON). */
static int
uncertainty(const struct cmp *c, cJSON *arr)
{
	struct calc_uncertainty u;
	struct ep_err err = EP_ERR_INIT;
	size_t i, j;

	if (arr == NULL)
		printf("\nuncertainty (%ld samples, seed %lu; median [90%% "
		    "interval]):\n", c->samples, c->seed);
	for (i = 0; i < c->n; i++)
		for (j = i + 1; j < c->n; j++) {
			if (calc_uncertainty(&c->cost[i], &c->cost[j], &c->sc,
			    (size_t)c->samples, c->seed, &u, &err) < 0) {
				ep_err_prefix(&err, "compare: --uncertainty");
				ep_report(&err);
				return 1;
			}
			if (arr != NULL) {
				cJSON *o = cJSON_CreateObject();

				cJSON_AddStringToObject(o, "a", name(c, i));
				cJSON_AddStringToObject(o, "b", name(c, j));
				cJSON_AddNumberToObject(o, "samples",
				    (double)u.n_samples);
				cJSON_AddStringToObject(o, "dear",
				    name(c, u.dear == CALC_A ? i : j));
				interval_json(o, "breakeven_queries_per_update",
				    &u.queries_per_update);
				interval_json(o,
				    "breakeven_requests_per_update",
				    &u.requests_per_update);
				cJSON_AddNumberToObject(o, "p_breakeven_finite",
				    u.p_finite);
				interval_json(o, "annual_g_a",
				    &u.emissions_g_a);
				interval_json(o, "annual_g_b",
				    &u.emissions_g_b);
				cJSON_AddNumberToObject(o, "p_a_greener",
				    u.p_a_greener);
				cJSON_AddItemToArray(arr, o);
			} else {
				char *nq = interval_words(&u.queries_per_update,
				    1);
				char *ea = interval_words(&u.emissions_g_a,
				    1e-3);
				char *eb = interval_words(&u.emissions_g_b,
				    1e-3);

				printf("  %s vs %s: N* %s queries/update "
				    "(above it %s is greener; finite in "
				    "%.1f%%)\n", name(c, i), name(c, j), nq,
				    name(c, u.dear == CALC_A ? i : j),
				    u.p_finite * 100);
				printf("    annual kg CO2e %s %s, %s %s; "
				    "P(%s greener) = %.3f\n", name(c, i), ea,
				    name(c, j), eb, name(c, i),
				    u.p_a_greener);
				free(nq);
				free(ea);
				free(eb);
			}
		}
	return 0;
}

static cJSON *
model_json(const struct cmp *c, size_t i)
{
	const struct calc_cost *k = &c->cost[i];
	const struct calc_annual *y = &c->yr[i];
	const struct prof_profile *p = &c->pick.p[i];
	double all = prof_update_kwh(p, "all"), one = prof_update_kwh(p,
	    "mrr");
	cJSON *o = cJSON_CreateObject(), *a;
	static const char *const metrics[] = { "ndcg@10", "mrr@10",
		"recall@10" };
	size_t m;

	cJSON_AddStringToObject(o, "model", name(c, i));
	cJSON_AddStringToObject(o, "dataset", p->dataset);
	cJSON_AddStringToObject(o, "host", p->host_name);
	cJSON_AddNumberToObject(o, "update_kwh", y->update_kwh);
	cJSON_AddNumberToObject(o, "update_train_kwh", k->setup_kwh +
	    k->epochs * k->epoch_train_kwh);
	cJSON_AddNumberToObject(o, "update_valid_kwh", k->epochs *
	    k->epoch_valid_kwh);
	cJSON_AddNumberToObject(o, "epochs", k->epochs);
	cJSON_AddNumberToObject(o, "request_kwh", y->request_kwh);
	cJSON_AddNumberToObject(o, "query_kwh", y->request_kwh *
	    k->users_per_query);
	cJSON_AddNumberToObject(o, "users_per_query", k->users_per_query);
	cJSON_AddNumberToObject(o, "batch", y->batch);
	if (all > 0 && one >= 0)
		cJSON_AddNumberToObject(o, "one_metric_saving_pct",
		    (all - one) / all * 100);
	else
		cJSON_AddNullToObject(o, "one_metric_saving_pct");
	a = cJSON_AddObjectToObject(o, "annual");
	cJSON_AddNumberToObject(a, "updates", y->updates_per_year);
	cJSON_AddNumberToObject(a, "requests", y->requests_per_year);
	cJSON_AddNumberToObject(a, "train_kwh", y->train_kwh);
	cJSON_AddNumberToObject(a, "serve_kwh", y->serve_kwh);
	cJSON_AddNumberToObject(a, "it_kwh", y->it_kwh);
	cJSON_AddNumberToObject(a, "facility_kwh", y->facility_kwh);
	cJSON_AddNumberToObject(a, "train_g", y->train_g);
	cJSON_AddNumberToObject(a, "serve_g", y->serve_g);
	cJSON_AddNumberToObject(a, "g", y->emissions_g);
	cJSON_AddNumberToObject(o, "horizon_kwh", y->horizon_kwh);
	cJSON_AddNumberToObject(o, "horizon_g", y->horizon_g);
	a = cJSON_AddObjectToObject(o, "accuracy");
	for (m = 0; m < sizeof metrics / sizeof metrics[0]; m++) {
		double v = cmd_profile_metric(p, metrics[m]);

		if (isnan(v))
			cJSON_AddNullToObject(a, metrics[m]);
		else
			cJSON_AddNumberToObject(a, metrics[m], v);
	}
	return o;
}

static void
num_or_null(cJSON *o, const char *key, double v)
{
	if (isnan(v) || isinf(v))
		cJSON_AddNullToObject(o, key);
	else
		cJSON_AddNumberToObject(o, key, v);
}

static int
print_json(const struct cmp *c)
{
	cJSON *root = cJSON_CreateObject(), *o, *arr;
	struct calc_breakeven be;
	char *s, *v;
	size_t i, j;
	int st = 0;

	o = cJSON_AddObjectToObject(root, "profiles");
	cJSON_AddStringToObject(o, "set", c->pick.set);
	cJSON_AddBoolToObject(o, "default", c->pick.defaulted);
	cJSON_AddStringToObject(o, "source", c->pick.p[0].source);
	o = cJSON_AddObjectToObject(root, "assumptions");
	cJSON_AddNumberToObject(o, "requests_per_sec",
	    c->sc.requests_per_sec);
	cJSON_AddStringToObject(o, "retrain", c->retrain_s);
	cJSON_AddNumberToObject(o, "updates_per_year",
	    c->sc.updates_per_year);
	cJSON_AddNumberToObject(o, "pue", c->pue);
	cJSON_AddNumberToObject(o, "years", c->years);
	cJSON_AddStringToObject(o, "metric_set", c->metric_set);
	cJSON_AddNumberToObject(o, "batch", c->batch);
	cJSON_AddNumberToObject(o, "ci_serve_g_per_kwh",
	    c->ci_serve.g_per_kwh);
	cJSON_AddStringToObject(o, "ci_serve", c->ci_serve.words);
	cJSON_AddNumberToObject(o, "ci_train_g_per_kwh",
	    c->ci_train.g_per_kwh);
	cJSON_AddStringToObject(o, "ci_train", c->ci_train.words);
	arr = cJSON_AddArrayToObject(root, "models");
	for (i = 0; i < c->n; i++)
		cJSON_AddItemToArray(arr, model_json(c, i));
	arr = cJSON_AddArrayToObject(root, "pairs");
	for (i = 0; i < c->n && st == 0; i++)
		for (j = i + 1; j < c->n && st == 0; j++) {
			if ((st = pair(c, i, j, &be)) != 0)
				break;
			o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "a", name(c, i));
			cJSON_AddStringToObject(o, "b", name(c, j));
			cJSON_AddStringToObject(o, "verdict",
			    calc_verdict_name(be.verdict));
			if (be.verdict == CALC_CROSSING)
				cJSON_AddStringToObject(o, "greener_above",
				    name(c, above(&be, i, j)));
			else
				cJSON_AddNullToObject(o, "greener_above");
			num_or_null(o, "breakeven_queries_per_update",
			    be.queries_per_update);
			num_or_null(o, "breakeven_requests_per_update",
			    be.requests_per_update);
			num_or_null(o, "breakeven_requests_per_sec",
			    be.requests_per_sec);
			num_or_null(o, "breakeven_queries_per_sec",
			    be.queries_per_sec);
			num_or_null(o, "energy_breakeven_queries_per_update",
			    be.energy_queries_per_update);
			cJSON_AddItemToArray(arr, o);
		}
	if (st == 0 && c->samples > 0) {
		arr = cJSON_AddArrayToObject(root, "uncertainty");
		st = uncertainty(c, arr);
	}
	if (st == 0) {
		v = verdict(c);
		cJSON_AddStringToObject(root, "verdict", v);
		free(v);
		s = cJSON_Print(root);
		printf("%s\n", s);
		free(s);
	}
	cJSON_Delete(root);
	return st;
}

/* One CSV field: quoted when it holds a comma or a quote. */
static void
csv_str(const char *s, int last)
{
	const char *p;

	if (strpbrk(s, ",\"\n") != NULL) {
		putchar('"');
		for (p = s; *p; p++) {
			if (*p == '"')
				putchar('"');
			putchar(*p);
		}
		putchar('"');
	} else {
		fputs(s, stdout);
	}
	putchar(last ? '\n' : ',');
}

static void
csv_num(double v, int last)
{
	if (isnan(v))
		printf("%s", last ? "\n" : ",");
	else
		printf("%.10g%s", v, last ? "\n" : ",");
}

/* One row per model, then one per pair, with a "kind" column. */
static int
print_csv(const struct cmp *c)
{
	struct calc_breakeven be;
	size_t i, j;

	printf("kind,model,dataset,update_kwh,update_train_kwh,"
	    "update_valid_kwh,request_kwh,annual_kwh,annual_train_kwh,"
	    "annual_serve_kwh,annual_g,annual_train_g,annual_serve_g,"
	    "ndcg10,other,verdict,breakeven_queries_per_update,"
	    "breakeven_requests_per_update,breakeven_requests_per_sec\n");
	for (i = 0; i < c->n; i++) {
		const struct calc_cost *k = &c->cost[i];
		const struct calc_annual *y = &c->yr[i];

		csv_str("model", 0);
		csv_str(name(c, i), 0);
		csv_str(c->pick.p[i].dataset, 0);
		csv_num(y->update_kwh, 0);
		csv_num(k->setup_kwh + k->epochs * k->epoch_train_kwh, 0);
		csv_num(k->epochs * k->epoch_valid_kwh, 0);
		csv_num(y->request_kwh, 0);
		csv_num(y->it_kwh, 0);
		csv_num(y->train_kwh, 0);
		csv_num(y->serve_kwh, 0);
		csv_num(y->emissions_g, 0);
		csv_num(y->train_g, 0);
		csv_num(y->serve_g, 0);
		csv_num(cmd_profile_metric(&c->pick.p[i], "ndcg@10"), 0);
		printf(",,,,\n");
	}
	for (i = 0; i < c->n; i++)
		for (j = i + 1; j < c->n; j++) {
			if (pair(c, i, j, &be) != 0)
				return 1;
			csv_str("pair", 0);
			csv_str(name(c, i), 0);
			csv_str(c->pick.p[i].dataset, 0);
			printf(",,,,,,,,,,,");
			csv_str(name(c, j), 0);
			csv_str(calc_verdict_name(be.verdict), 0);
			csv_num(be.queries_per_update, 0);
			csv_num(be.requests_per_update, 0);
			csv_num(be.requests_per_sec, 1);
		}
	return 0;
}

static const char *const colours[] = {
	"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
	"#e377c2", "#7f7f7f"
};

/* "0.001", "1", "1000", "1e+06" for a decade 10^e. */
static void
decade_label(double e, char *buf, size_t size)
{
	double v = pow(10, e);

	if (e >= -3 && e <= 5)
		snprintf(buf, size, "%g", v);
	else
		snprintf(buf, size, "1e%+.0f", e);
}

/* Annual emissions of model i at rps, g. */
static double
emissions_at(const struct cmp *c, size_t i, double rps)
{
	struct calc_scenario s = c->sc;
	struct calc_annual y;
	struct ep_err err = EP_ERR_INIT;

	s.requests_per_sec = rps;
	if (calc_annual(&c->cost[i], &s, &y, &err) < 0)
		return (double)NAN;
	return y.emissions_g;
}

static int
plot(const struct cmp *c)
{
	struct cmd_svg svg = CMD_SVG_INIT;
	struct calc_breakeven be;
	struct ep_err err = EP_ERR_INIT;
	double lo, hi, ylo = (double)INFINITY, yhi = -(double)INFINITY;
	double x[PLOT_POINTS], y[PLOT_POINTS], l, e, v;
	double t = 40, left = 80, w = 620, h = 360;
	char label[64], *title;
	size_t i, j, k;
	int ret;

	lo = hi = log10(c->sc.requests_per_sec);
	for (i = 0; i < c->n; i++)
		for (j = i + 1; j < c->n; j++)
			if (pair(c, i, j, &be) == 0 &&
			    be.verdict == CALC_CROSSING &&
			    be.requests_per_sec > 0) {
				l = log10(be.requests_per_sec);
				lo = l < lo ? l : lo;
				hi = l > hi ? l : hi;
			}
	lo = floor(lo) - 2;
	hi = ceil(hi) + 2;
	for (i = 0; i < c->n; i++)
		for (k = 0; k < PLOT_POINTS; k++) {
			v = log10(emissions_at(c, i, pow(10, lo + (hi - lo) *
			    (double)k / (PLOT_POINTS - 1))));
			ylo = v < ylo ? v : ylo;
			yhi = v > yhi ? v : yhi;
		}
	ylo = floor(ylo);
	yhi = ceil(yhi);
	if (yhi <= ylo)
		yhi = ylo + 1;
	title = ep_xasprintf("Annual emissions against load (%s retraining,"
	    " %s)", c->retrain_s, c->pick.set);
	cmd_svg_begin(&svg, 900, 460, title);
	cmd_svg_text(&svg, left, 24, CMD_SVG_START, 14, "#111111", title);
#define PX(v) (left + ((v) - lo) / (hi - lo) * w)
#define PY(v) (t + h - ((v) - ylo) / (yhi - ylo) * h)
	for (e = lo; e <= hi + 1e-9; e += 1) {
		cmd_svg_line(&svg, PX(e), t, PX(e), t + h, "#dddddd", 1, 0);
		decade_label(e, label, sizeof label);
		cmd_svg_text(&svg, PX(e), t + h + 18, CMD_SVG_MIDDLE, 11,
		    "#333333", label);
	}
	for (e = ylo; e <= yhi + 1e-9; e += 1) {
		cmd_svg_line(&svg, left, PY(e), left + w, PY(e), "#dddddd", 1,
		    0);
		decade_label(e - 3, label, sizeof label);
		cmd_svg_text(&svg, left - 6, PY(e) + 4, CMD_SVG_END, 11,
		    "#333333", label);
	}
	cmd_svg_line(&svg, left, t, left, t + h, "#333333", 1, 0);
	cmd_svg_line(&svg, left, t + h, left + w, t + h, "#333333", 1, 0);
	cmd_svg_text(&svg, left + w / 2, t + h + 40, CMD_SVG_MIDDLE, 12,
	    "#333333", "request rate, single-user requests/s (log)");
	cmd_svg_text(&svg, 10, t - 10, CMD_SVG_START, 12, "#333333",
	    "kg CO2e a year (log)");
	for (i = 0; i < c->n; i++) {
		for (k = 0; k < PLOT_POINTS; k++) {
			l = lo + (hi - lo) * (double)k / (PLOT_POINTS - 1);
			x[k] = PX(l);
			y[k] = PY(log10(emissions_at(c, i, pow(10, l))));
		}
		cmd_svg_polyline(&svg, x, y, PLOT_POINTS,
		    colours[i % (sizeof colours / sizeof colours[0])], 2);
		cmd_svg_line(&svg, left + w + 20, t + 10 + 18 * (double)i,
		    left + w + 40, t + 10 + 18 * (double)i,
		    colours[i % (sizeof colours / sizeof colours[0])], 3, 0);
		cmd_svg_text(&svg, left + w + 46, t + 14 + 18 * (double)i,
		    CMD_SVG_START, 12, "#111111", name(c, i));
	}
	for (i = 0; i < c->n; i++)
		for (j = i + 1; j < c->n; j++) {
			if (pair(c, i, j, &be) != 0 ||
			    be.verdict != CALC_CROSSING ||
			    !(be.requests_per_sec > 0))
				continue;
			l = log10(be.requests_per_sec);
			v = log10(emissions_at(c, i, be.requests_per_sec));
			cmd_svg_dot(&svg, PX(l), PY(v), 5, "#111111");
			snprintf(label, sizeof label, "%s = %s", name(c, i),
			    name(c, j));
			cmd_svg_text(&svg, PX(l) + 7, PY(v) - 7,
			    CMD_SVG_START, 11, "#111111", label);
		}
	l = log10(c->sc.requests_per_sec);
	cmd_svg_line(&svg, PX(l), t, PX(l), t + h, "#555555", 1, 1);
#undef PX
#undef PY
	ret = cmd_svg_write(&svg, c->plot, &err);
	cmd_svg_release(&svg);
	free(title);
	if (ret < 0) {
		ep_err_prefix(&err, "compare: --plot");
		ep_report(&err);
		return 1;
	}
	return 0;
}

/* Refuses profiles of different datasets unless --allow-mixed. */
static int
check_mixed(const struct cmp *c)
{
	size_t i;

	for (i = 1; i < c->n; i++)
		if (strcmp(c->pick.p[i].dataset, c->pick.p[0].dataset) != 0) {
			if (c->allow_mixed) {
				ep_warn("compare: %s was measured on %s and %s "
				    "on %s: the comparison mixes datasets",
				    name(c, 0), c->pick.p[0].dataset,
				    name(c, i), c->pick.p[i].dataset);
				continue;
			}
			ep_error("compare: %s was measured on %s but %s on "
			    "%s: energy depends on the data, so the figures "
			    "do not compare (use --allow-mixed to compare "
			    "them anyway)", name(c, 0), c->pick.p[0].dataset,
			    name(c, i), c->pick.p[i].dataset);
			return 2;
		}
	return 0;
}

static int
run(struct cmp *c, char **names)
{
	struct ep_err err = EP_ERR_INIT;
	size_t i;
	int st;

	if ((st = scenario(c)) != 0)
		return st;
	st = cmd_pick_profiles("compare", names, c->n, c->profiles, 1,
	    &c->pick);
	if (st != 0)
		return st;
	if ((st = check_mixed(c)) != 0)
		return st;
	for (i = 0; i < c->n; i++) {
		st = cmd_profile_cost("compare", &c->pick.p[i], c->metric_set,
		    1, &c->cost[i]);
		if (st != 0)
			return st;
		if (calc_annual(&c->cost[i], &c->sc, &c->yr[i], &err) < 0) {
			ep_err_prefix(&err, "compare: %s", name(c, i));
			ep_report(&err);
			return ep_err_status(&err);
		}
	}
	if (c->json)
		st = print_json(c);
	else if (c->csv)
		st = print_csv(c);
	else {
		char *v;

		print_assumptions(c);
		printf("\n");
		print_models(c);
		printf("\n");
		if ((st = print_pairs(c)) != 0)
			return st;
		if (c->samples > 0 && (st = uncertainty(c, NULL)) != 0)
			return st;
		v = verdict(c);
		printf("\n%s\n", v);
		free(v);
	}
	if (st == 0 && c->plot != NULL)
		st = plot(c);
	return st;
}

int
cmd_compare(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "qps", required_argument, NULL, OPT_QPS },
		{ "retrain", required_argument, NULL, OPT_RETRAIN },
		{ "region", required_argument, NULL, OPT_REGION },
		{ "ci", required_argument, NULL, OPT_CI },
		{ "train-region", required_argument, NULL, OPT_TRAIN_REGION },
		{ "pue", required_argument, NULL, OPT_PUE },
		{ "years", required_argument, NULL, OPT_YEARS },
		{ "profiles", required_argument, NULL, OPT_PROFILES },
		{ "metric-set", required_argument, NULL, OPT_METRIC_SET },
		{ "batch", required_argument, NULL, OPT_BATCH },
		{ "uncertainty", required_argument, NULL, OPT_UNCERTAINTY },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "allow-mixed", no_argument, NULL, OPT_ALLOW_MIXED },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "csv", no_argument, NULL, OPT_CSV },
		{ "plot", required_argument, NULL, OPT_PLOT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct cmp *c = ep_xcalloc(1, sizeof *c);
	struct ep_err err = EP_ERR_INIT;
	const char *pue_s = "1", *years_s = "1", *batch_s = "1";
	const char *samples_s = NULL, *seed_s = NULL;
	size_t i, j;
	long l;
	int ch, st = 0;

	c->qps_s = "1";
	c->retrain_s = "weekly";
	c->metric_set = "all";
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (ch) {
		case OPT_QPS:
			c->qps_s = optarg;
			break;
		case OPT_RETRAIN:
			c->retrain_s = optarg;
			break;
		case OPT_REGION:
			c->region = optarg;
			break;
		case OPT_CI:
			c->ci_s = optarg;
			break;
		case OPT_TRAIN_REGION:
			c->train_region = optarg;
			break;
		case OPT_PUE:
			pue_s = optarg;
			break;
		case OPT_YEARS:
			years_s = optarg;
			break;
		case OPT_PROFILES:
			c->profiles = optarg;
			break;
		case OPT_METRIC_SET:
			c->metric_set = optarg;
			break;
		case OPT_BATCH:
			batch_s = optarg;
			break;
		case OPT_UNCERTAINTY:
			samples_s = optarg;
			break;
		case OPT_SEED:
			seed_s = optarg;
			break;
		case OPT_ALLOW_MIXED:
			c->allow_mixed = 1;
			break;
		case OPT_JSON:
			c->json = 1;
			break;
		case OPT_CSV:
			c->csv = 1;
			break;
		case OPT_PLOT:
			if (*optarg == '\0') {
				st = cmd_usage_error(self(), "--plot: empty file "
				    "name");
				goto out;
			}
			c->plot = optarg;
			break;
		case 'h':
			cmd_usage(self(), stdout);
			goto out;
		default:
			st = cmd_bad_option(self(), ch, argv);
			goto out;
		}
	}
	c->n = (size_t)(argc - optind);
	if (c->n < 2) {
		st = cmd_usage_error(self(), "needs at least two models");
		goto out;
	}
	if (c->n > MAX_MODELS) {
		st = cmd_usage_error(self(), "at most %d models",
		    MAX_MODELS);
		goto out;
	}
	for (i = 0; i + 1 < c->n; i++)
		for (j = i + 1; j < c->n; j++)
			if (strcasecmp(argv[optind + (int)i],
			    argv[optind + (int)j]) == 0) {
				st = cmd_usage_error(self(), "%s: named twice",
				    argv[optind + (int)i]);
				goto out;
			}
	if (c->json && c->csv) {
		st = cmd_usage_error(self(), "--json and --csv: choose one");
		goto out;
	}
	if (c->region != NULL && c->ci_s != NULL) {
		st = cmd_usage_error(self(), "--region and --ci: choose one");
		goto out;
	}
	if (strcmp(c->metric_set, "all") != 0 &&
	    strcmp(c->metric_set, "mrr") != 0) {
		st = cmd_usage_error(self(), "--metric-set: '%s': expected "
		    "all or mrr", c->metric_set);
		goto out;
	}
	if ((st = parse_positive("--pue", pue_s, 1, &c->pue)) != 0 ||
	    (st = parse_positive("--batch", batch_s, 1, &c->batch)) != 0)
		goto out;
	if ((st = parse_positive("--years", years_s, 0, &c->years)) != 0)
		goto out;
	if (!(c->years > 0)) {
		ep_error("compare: --years: '%s': must be more than 0",
		    years_s);
		st = 2;
		goto out;
	}
	if (samples_s != NULL) {
		if (ep_parse_count(samples_s, 1, CALC_MC_MAX_SAMPLES, &l,
		    &err) < 0) {
			st = cmd_bad_value(self(), "--uncertainty", &err);
			goto out;
		}
		c->samples = l;
	}
	if (seed_s != NULL) {
		if (ep_parse_count(seed_s, 0, 4294967295L, &l, &err) < 0) {
			st = cmd_bad_value(self(), "--seed", &err);
			goto out;
		}
		c->seed = (unsigned long)l;
	}
	st = run(c, &argv[optind]);
out:
	cmd_pick_release(&c->pick);
	free(c);
	return st;
}
