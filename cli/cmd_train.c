/*
 * ecoplan train: trains a model on a dataset and reports its accuracy,
 * epoch by epoch and on the test part at the end. This is the accuracy
 * tool; energy is measured by ecoplan profile.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli/cmd.h"
#include "cli/output.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/num.h"
#include "core/suggest.h"
#include "models/data.h"
#include "models/model.h"
#include "models/split.h"
#include "models/train.h"
#include "core/banned.h"

/* RecBole's default metrics, always led by MRR@10 for early stopping. */
#define DEFAULT_METRICS "mrr@10,recall@10,ndcg@10,hit@10,precision@10"

struct train_out {
	int json;
	cJSON *epochs;
	const struct model_eval_spec *spec;
};

/* Reports an unknown model with the known ones (and a close match). */
int
cmd_unknown_model(const char *name)
{
	struct ep_suggest s;
	const char *best;
	char list[256] = "";
	size_t i, len = 0;

	ep_suggest_init(&s, name);
	for (i = 0; i < model_count(); i++) {
		int n = snprintf(list + len, sizeof list - len, "%s%s",
		    i ? ", " : "", model_at(i)->name);

		if (n > 0 && (size_t)n < sizeof list - len)
			len += (size_t)n;
		ep_suggest_offer(&s, model_at(i)->name);
	}
	best = ep_suggest_best(&s);
	ep_error("%s: unknown model%s%s%s (known: %s)", name,
	    best ? "; did you mean '" : "", best ? best : "",
	    best ? "'?" : "", list);
	return 2;
}

static void
on_epoch(void *ctx, const struct model_epoch_report *r)
{
	struct train_out *o = ctx;
	char label[32];
	size_t j;

	if (o->json) {
		cJSON *e = cJSON_CreateObject(), *v;

		cJSON_AddNumberToObject(e, "epoch", r->epoch);
		cJSON_AddNumberToObject(e, "loss", r->loss);
		cJSON_AddNumberToObject(e, "train_seconds", r->train_secs);
		cJSON_AddNumberToObject(e, "valid_seconds", r->valid_secs);
		v = cJSON_AddObjectToObject(e, "valid");
		for (j = 0; j < o->spec->n; j++) {
			model_eval_label(&o->spec->req[j], label, sizeof label);
			cJSON_AddNumberToObject(v, label, r->valid->value[j]);
		}
		cJSON_AddItemToArray(o->epochs, e);
		return;
	}
	model_eval_label(&o->spec->req[0], label, sizeof label);
	printf("epoch %4d  loss %.6f  valid %s %.4f%s  train %.3f s  "
	    "valid %.3f s\n", r->epoch, r->loss, label, r->valid_metric,
	    r->best ? " *" : "  ", r->train_secs, r->valid_secs);
	fflush(stdout);
}

int
cmd_train(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dataset", required_argument, NULL, 'd' },
		{ "epochs", required_argument, NULL, 'e' },
		{ "converge", no_argument, NULL, 'c' },
		{ "metrics", required_argument, NULL, 'm' },
		{ "set", required_argument, NULL, 's' },
		{ "split", required_argument, NULL, 'S' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const struct cmd_entry *self = cmd_find("train");
	const struct model_ops *ops;
	const char *dataset = "synthetic", *metrics = NULL, *split_s = "rs";
	struct model_data d = MODEL_DATA_INIT;
	struct model_split sp = MODEL_SPLIT_INIT;
	struct model_split_spec ss = MODEL_SPLIT_SPEC_DEFAULT;
	struct model_eval_spec spec, parsed;
	struct model_eval_result test;
	struct model_run run;
	struct model_hp hp;
	struct ep_err err = EP_ERR_INIT;
	struct train_out out = { 0, NULL, NULL };
	char **sets = NULL, label[32], *mlist = NULL;
	int ch, status = 1, epochs = 0, converge = 0, n_sets = 0, i;
	int ran = 0, best = 0;
	long l;
	size_t j;

	memset(&run, 0, sizeof run);
	sets = ep_xcalloc((size_t)argc + 1, sizeof *sets);
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":d:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			dataset = optarg;
			break;
		case 'e':
			if (ep_parse_count(optarg, 1, 1000000, &l, &err) < 0) {
				status = cmd_usage_error(self, "--epochs: %s",
				    err.msg);
				goto out;
			}
			epochs = (int)l;
			break;
		case 'c':
			converge = 1;
			break;
		case 'm':
			metrics = optarg;
			break;
		case 's':
			sets[n_sets++] = optarg;
			break;
		case 'S':
			split_s = optarg;
			break;
		case 'j':
			out.json = 1;
			break;
		case 'h':
			cmd_usage(self, stdout);
			status = 0;
			goto out;
		default:
			status = cmd_bad_option(self, ch, argv);
			goto out;
		}
	}
	if (optind + 1 != argc) {
		status = cmd_usage_error(self, optind == argc ?
		    "which model? (see ecoplan models)" : "one model at a time");
		goto out;
	}
	if (epochs > 0 && converge) {
		status = cmd_usage_error(self, "--epochs and --converge "
		    "exclude each other");
		goto out;
	}
	if ((ops = model_find(argv[optind])) == NULL) {
		status = cmd_unknown_model(argv[optind]);
		goto out;
	}
	model_hp_defaults(ops, &hp);
	for (i = 0; i < n_sets; i++)
		if (model_hp_set(&hp, sets[i], &err) < 0) {
			status = cmd_usage_error(self, "--set: %s: %s",
			    ops->name, err.msg);
			goto out;
		}
	/* MRR@10 first: it decides early stopping, as in RecBole. */
	mlist = ep_xasprintf("mrr@10,%s", metrics ? metrics : DEFAULT_METRICS);
	if (model_eval_parse(mlist, &spec, &err) < 0 ||
	    (metrics && model_eval_parse(metrics, &parsed, &err) < 0)) {
		status = cmd_usage_error(self, "--metrics: %s", err.msg);
		goto out;
	}
	if (model_split_parse(split_s, &ss, &err) < 0) {
		status = cmd_usage_error(self, "--split: %s", err.msg);
		goto out;
	}
	if (epochs == 0 && !converge)
		converge = 1;
	/* Traditional models have no epochs key: they fit once. */
	if (converge)
		epochs = ops->sampling == MODEL_SAMPLE_NONE ? 1 :
		    (int)model_hp_get(&hp, "epochs");
	ss.seed = (uint64_t)model_hp_get(&hp, "seed");
	if (model_data_load(dataset, &d, &err) < 0 ||
	    model_split_make(&d, &ss, &sp, &err) < 0 ||
	    model_run_init(&run, ops, &hp, &sp, &err) < 0) {
		ep_report(&err);
		status = err.code == EP_EUSAGE ? 2 : 1;
		goto out;
	}
	out.spec = &spec;
	if (out.json)
		out.epochs = cJSON_CreateArray();
	else
		printf("%s on %s (%u users, %u items; %s): %s\n", ops->title,
		    d.name, d.n_users, d.n_items, sp.desc, converge ?
		    "training to convergence" : "training");
	if (model_run_train(&run, epochs, converge, &spec, on_epoch, &out,
	    &ran, &best, &err) < 0 ||
	    model_run_eval(&run, MODEL_TEST, &spec, &test, &err) < 0) {
		ep_report(&err);
		goto out;
	}
	if (out.json) {
		cJSON *o = cJSON_CreateObject(), *p, *t;
		char *s, buf[64];

		cJSON_AddStringToObject(o, "model", ops->name);
		p = cJSON_AddObjectToObject(o, "params");
		for (j = 0; j < hp.n; j++) {
			model_hp_format(&hp, j, buf, sizeof buf);
			if (hp.p[j]->type == MODEL_PARAM_CHOICE)
				cJSON_AddStringToObject(p, hp.p[j]->key, buf);
			else
				cJSON_AddNumberToObject(p, hp.p[j]->key, hp.v[j]);
		}
		t = cJSON_AddObjectToObject(o, "dataset");
		cJSON_AddStringToObject(t, "name", d.name);
		cJSON_AddNumberToObject(t, "users", d.n_users);
		cJSON_AddNumberToObject(t, "items", d.n_items);
		cJSON_AddNumberToObject(t, "interactions", (double)d.n_inter);
		cJSON_AddStringToObject(t, "sha256", d.sha256);
		cJSON_AddStringToObject(t, "split", sp.desc);
		cJSON_AddBoolToObject(o, "converged", converge);
		cJSON_AddNumberToObject(o, "epochs", ran);
		cJSON_AddNumberToObject(o, "best_epoch", best);
		cJSON_AddItemToObject(o, "epoch_log", out.epochs);
		out.epochs = NULL;
		t = cJSON_AddObjectToObject(o, "test");
		for (j = 0; j < spec.n; j++) {
			model_eval_label(&spec.req[j], label, sizeof label);
			cJSON_AddNumberToObject(t, label, test.value[j]);
		}
		s = cJSON_Print(o);
		puts(s);
		free(s);
		cJSON_Delete(o);
	} else {
		printf("%s after %d epoch%s (best %d): test", converge ?
		    "converged" : "trained", ran, ran == 1 ? "" : "s", best);
		for (j = 0; j < spec.n; j++) {
			model_eval_label(&spec.req[j], label, sizeof label);
			printf("%s %s %.4f", j ? "," : "", label, test.value[j]);
		}
		putchar('\n');
	}
	status = 0;
out:
	cJSON_Delete(out.epochs);
	model_run_release(&run);
	model_split_release(&sp);
	model_data_release(&d);
	free(mlist);
	free(sets);
	return status;
}
