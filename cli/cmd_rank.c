/*
 * ecoplan rank: how well two profile sets agree on the order of the
 * models they share (the seed study's check that energy rankings hold
 * across hardware), by training energy, inference energy or NDCG@10:
 * Spearman's rho and Kendall's tau-b. For each set whose profiles carry
 * the study's twelve- and one-metric training totals it also gives the
 * mean change of training energy from validating on one metric.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "calc/lifecycle.h"
#include "calc/rank.h"
#include "cli/cmd.h"
#include "cli/output.h"
#include "cli/planning.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/banned.h"

enum { OPT_BY = 256, OPT_JSON };

enum by { BY_TRAIN, BY_INFERENCE, BY_NDCG };

static const struct cmd_entry *
self(void)
{
	return cmd_find("rank");
}

/* The value a model is ranked by, or NaN when its profile lacks it. */
static double
value(const struct prof_profile *p, enum by by)
{
	switch (by) {
	case BY_TRAIN:
		return prof_update_kwh(p, "all");
	case BY_INFERENCE:
		if (!p->has_inference || p->n_batches == 0)
			return (double)NAN;
		return p->batches[0].kwh_per_query /
		    (p->users_per_query > 0 ? p->users_per_query : 1);
	case BY_NDCG:
		return prof_profile_metric(p, "ndcg@10");
	}
	return (double)NAN;
}

/*
 * Whether the set holds one model on several datasets: then models pair
 * by model and dataset.
 */
static int
multi_dataset(const struct prof_set *s)
{
	size_t i;

	for (i = 1; i < s->n; i++)
		if (strcmp(s->p[i].dataset, s->p[0].dataset) != 0)
			return 1;
	return 0;
}

static const struct prof_profile *
partner(const struct prof_set *s, const struct prof_profile *p, int by_ds)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcasecmp(s->p[i].model, p->model) == 0 &&
		    (!by_ds || strcmp(s->p[i].dataset, p->dataset) == 0))
			return &s->p[i];
	return NULL;
}

/* Mean one-metric saving of a set with the study's totals, or -1. */
static int
saving(const struct prof_set *s, double *pct, size_t *n)
{
	struct ep_err err = EP_ERR_INIT;
	double *a = ep_xcalloc(s->n + 1, sizeof *a);
	double *b = ep_xcalloc(s->n + 1, sizeof *b);
	size_t i, k = 0;
	int ret = -1;

	for (i = 0; i < s->n; i++)
		if (!isnan(s->twelve_kwh[i]) && !isnan(s->one_kwh[i])) {
			a[k] = s->twelve_kwh[i];
			b[k++] = s->one_kwh[i];
		}
	if (k > 0 && calc_saving_mean_pct(a, b, k, pct, &err) == 0) {
		*n = k;
		ret = 0;
	}
	free(a);
	free(b);
	return ret;
}

static const char *const by_names[] = { "train", "inference", "ndcg" };
static const char *const by_words[] = {
	"training energy of an update (all metrics)",
	"inference energy of a request", "NDCG@10"
};

static int
run(const char *na, const char *nb, enum by by, int json)
{
	struct prof_set sa = PROF_SET_INIT, sb = PROF_SET_INIT;
	struct ep_err err = EP_ERR_INIT;
	struct calc_rank r;
	struct cmd_table t = CMD_TABLE_INIT;
	const struct prof_profile *q;
	double *x = NULL, *y = NULL, pct;
	const char **names = NULL, **ds = NULL;
	size_t i, n = 0, k;
	int st, by_ds;
	cJSON *root, *arr, *o;
	char *s;

	if ((st = cmd_load_set("rank", na, &sa)) != 0)
		return st;
	if ((st = cmd_load_set("rank", nb, &sb)) != 0)
		goto out;
	by_ds = multi_dataset(&sa) || multi_dataset(&sb);
	x = ep_xcalloc(sa.n + 1, sizeof *x);
	y = ep_xcalloc(sa.n + 1, sizeof *y);
	names = ep_xcalloc(sa.n + 1, sizeof *names);
	ds = ep_xcalloc(sa.n + 1, sizeof *ds);
	for (i = 0; i < sa.n; i++) {
		q = partner(&sb, &sa.p[i], by_ds);
		if (q == NULL || isnan(value(&sa.p[i], by)) ||
		    isnan(value(q, by)))
			continue;
		x[n] = value(&sa.p[i], by);
		y[n] = value(q, by);
		names[n] = sa.p[i].model;
		ds[n++] = sa.p[i].dataset;
	}
	if (n < 2) {
		ep_error("rank: %s and %s share %zu model%s with %s; a "
		    "ranking needs two", na, nb, n, n == 1 ? "" : "s",
		    by_words[by]);
		st = 1;
		goto out;
	}
	if (calc_rank(x, y, n, &r, &err) < 0) {
		ep_err_prefix(&err, "rank");
		ep_report(&err);
		st = 1;
		goto out;
	}
	if (json) {
		root = cJSON_CreateObject();
		cJSON_AddStringToObject(root, "a", na);
		cJSON_AddStringToObject(root, "b", nb);
		cJSON_AddStringToObject(root, "by", by_names[by]);
		cJSON_AddNumberToObject(root, "n", (double)r.n);
		cJSON_AddNumberToObject(root, "spearman_rho", r.spearman_rho);
		cJSON_AddNumberToObject(root, "kendall_tau_b",
		    r.kendall_tau_b);
		arr = cJSON_AddArrayToObject(root, "models");
		for (i = 0; i < n; i++) {
			o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "model", names[i]);
			cJSON_AddStringToObject(o, "dataset", ds[i]);
			cJSON_AddNumberToObject(o, "a", x[i]);
			cJSON_AddNumberToObject(o, "b", y[i]);
			cJSON_AddItemToArray(arr, o);
		}
		arr = cJSON_AddArrayToObject(root, "one_metric_saving");
		for (k = 0; k < 2; k++) {
			const struct prof_set *set = k == 0 ? &sa : &sb;

			if (saving(set, &pct, &i) < 0)
				continue;
			o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "set", set->name);
			cJSON_AddNumberToObject(o, "runs", (double)i);
			cJSON_AddNumberToObject(o, "mean_pct", pct);
			cJSON_AddItemToArray(arr, o);
		}
		s = cJSON_Print(root);
		printf("%s\n", s);
		free(s);
		cJSON_Delete(root);
		goto out;
	}
	printf("%s against %s, by %s: %zu models in both\n\n", na, nb,
	    by_words[by], n);
	cmd_table_init(&t, 4, "model", "dataset", na, nb);
	for (i = 0; i < n; i++) {
		char *cells[4];

		cells[0] = ep_xstrdup(names[i]);
		cells[1] = ep_xstrdup(ds[i]);
		cells[2] = cmd_num(x[i], 4);
		cells[3] = cmd_num(y[i], 4);
		cmd_table_row(&t, cells);
	}
	cmd_table_print(&t, stdout);
	cmd_table_release(&t);
	printf("\nSpearman rho  %.3f\nKendall tau-b %.3f\n", r.spearman_rho,
	    r.kendall_tau_b);
	for (k = 0; k < 2; k++) {
		const struct prof_set *set = k == 0 ? &sa : &sb;

		if (k == 1 && strcmp(na, nb) == 0)
			break;
		if (saving(set, &pct, &i) == 0)
			printf("%s: validating on MRR alone instead of twelve "
			    "metrics saves %.2f%% of training energy (mean "
			    "over %zu runs)\n", set->name, pct, i);
	}
out:
	free(x);
	free(y);
	free(names);
	free(ds);
	prof_set_release(&sa);
	prof_set_release(&sb);
	return st;
}

int
cmd_rank(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "by", required_argument, NULL, OPT_BY },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	enum by by = BY_TRAIN;
	int ch, json = 0;
	size_t i;

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (ch) {
		case OPT_BY:
			for (i = 0; i < 3; i++)
				if (strcmp(optarg, by_names[i]) == 0)
					break;
			if (i == 3)
				return cmd_usage_error(self(), "--by: '%s': "
				    "expected train, inference or ndcg",
				    optarg);
			by = (enum by)i;
			break;
		case OPT_JSON:
			json = 1;
			break;
		case 'h':
			cmd_usage(self(), stdout);
			return 0;
		default:
			return cmd_bad_option(self(), ch, argv);
		}
	}
	if (argc - optind != 2)
		return cmd_usage_error(self(), "needs two profile sets");
	return run(argv[optind], argv[optind + 1], by, json);
}
