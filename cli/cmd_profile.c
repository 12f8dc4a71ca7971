/*
 * ecoplan profile: measurement mode. Runs each model on this machine
 * through the protocol of profiles/runner.c with the best energy meter
 * available, stores a profile per model, and ends with a table of what
 * was measured.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "cli/output.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/num.h"
#include "core/progress.h"
#include "models/blas.h"
#include "models/data.h"
#include "models/model.h"
#include "models/split.h"
#include "profiles/hwinfo.h"
#include "profiles/meter.h"
#include "profiles/profile.h"
#include "profiles/runner.h"
#include "profiles/store.h"
#include "core/banned.h"

struct prog {
	struct ep_progress bar;
	char label[96];
	const char *model;
	size_t index;
	size_t count;
};

static void
on_progress(void *ctx, const char *what, double frac)
{
	struct prog *pg = ctx;

	snprintf(pg->label, sizeof pg->label, "%-10s %-10s", pg->model, what);
	pg->bar.label = pg->label;
	ep_progress_update(&pg->bar, (double)pg->index + frac);
}

/* Splits s at commas into up to max pieces (in a copy kept by the caller). */
static size_t
split_list(char *s, char **out, size_t max)
{
	size_t n = 0;
	char *p = s, *comma;

	while (p != NULL) {
		if (n == max)
			return max + 1;	/* too many: the caller says so */
		if ((comma = strchr(p, ',')) != NULL)
			*comma = '\0';
		out[n++] = p;
		p = comma != NULL ? comma + 1 : NULL;
	}
	return n;
}

static void
print_table(struct prof_profile *ps, size_t n)
{
	struct cmd_table t = CMD_TABLE_INIT;
	size_t i;

	cmd_table_init(&t, 11, "model", "s/epoch", "train kWh/ep",
	    "valid-12 kWh", "valid-1 kWh", "valid share", "1-metric saving",
	    "J/req b=1", "J/req b=64", "J/req b=all", "NDCG@10");
	for (i = 0; i < n; i++) {
		const struct prof_profile *p = &ps[i];
		const struct prof_valid *all = prof_profile_valid(p, "all");
		const struct prof_valid *one = prof_profile_valid(p, "mrr");
		double tr = p->epoch_train.kwh, va = all ? all->e.kwh : 0;
		double v1 = one ? one->e.kwh : 0;
		char *row[11];
		size_t b;

		row[0] = cmd_cell("%s", p->model);
		row[1] = cmd_num(p->epoch_train.seconds +
		    (all ? all->e.seconds : 0), 3);
		row[2] = cmd_num(tr, 3);
		row[3] = all ? cmd_num(va, 3) : ep_xstrdup("-");
		row[4] = one ? cmd_num(v1, 3) : ep_xstrdup("-");
		row[5] = all && tr + va > 0 ? cmd_cell("%.1f%%",
		    100 * va / (tr + va)) : ep_xstrdup("-");
		row[6] = all && one && tr + va > 0 ? cmd_cell("%.1f%%",
		    100 * (va - v1) / (tr + va)) : ep_xstrdup("-");
		for (b = 0; b < 3; b++)
			row[7 + b] = b < p->n_batches ?
			    cmd_num(p->batches[b].kwh_per_query * 3.6e6, 3) :
			    ep_xstrdup("-");
		row[10] = cmd_num(prof_profile_metric(p, "ndcg@10"), 4);
		cmd_table_row(&t, row);
	}
	cmd_table_print(&t, stdout);
	cmd_table_release(&t);
	if (n > 0)
		printf("\nmeter: %s%s%s%s; %s\n", ps[0].meter,
		    ps[0].meter_gpu[0] ? " + " : "", ps[0].meter_gpu,
		    ps[0].estimated ? " (estimated)" : " (measured)",
		    ps[0].estimated ? ps[0].assumptions : ps[0].domains);
	puts("valid share: the 12-metric validation pass as a share of an "
	    "epoch (training + validation);\n1-metric saving: what "
	    "validating with MRR@10 alone saves of that epoch.");
}

int
cmd_profile(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dataset", required_argument, NULL, 'd' },
		{ "epochs", required_argument, NULL, 'e' },
		{ "metrics", required_argument, NULL, 'm' },
		{ "batch", required_argument, NULL, 'b' },
		{ "repeat", required_argument, NULL, 'r' },
		{ "meter", required_argument, NULL, 'M' },
		{ "cpu-watts", required_argument, NULL, 'C' },
		{ "ram-watts", required_argument, NULL, 'R' },
		{ "set", required_argument, NULL, 's' },
		{ "converge", no_argument, NULL, 'c' },
		{ "update-epochs", required_argument, NULL, 'u' },
		{ "no-save", no_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const struct cmd_entry *self = cmd_find("profile");
	const char *dataset = "synthetic";
	const struct model_ops *ops_list[64];
	struct prof_run_opts o;
	struct prof_meter_opts mo = PROF_METER_OPTS_INIT;
	struct prof_meter meter;
	struct prof_hwinfo hw;
	struct model_data d = MODEL_DATA_INIT;
	struct model_split sp = MODEL_SPLIT_INIT;
	struct model_split_spec ss = MODEL_SPLIT_SPEC_DEFAULT;
	struct prof_profile *ps = NULL;
	struct ep_err err = EP_ERR_INIT;
	struct prog pg;
	char *sets_copy = NULL, *batch_copy = NULL, **sets = NULL;
	size_t n_models = 0, n_sets = 0, i, j;
	int ch, json = 0, save = 1, status = 1, used;
	long l;
	double v;

	memset(&meter, 0, sizeof meter);
	memset(&pg, 0, sizeof pg);
	prof_run_opts_init(&o);
	sets = ep_xcalloc((size_t)argc + 1, sizeof *sets);
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":d:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			dataset = optarg;
			break;
		case 'e':
			if (ep_parse_count(optarg, 1, 64, &l, &err) < 0) {
				status = cmd_usage_error(self, "--epochs: %s",
				    err.msg);
				goto out;
			}
			o.epochs = (int)l;
			break;
		case 'm': {
			char *pieces[PROF_RUN_MAX_SETS], *c;

			free(sets_copy);
			sets_copy = ep_xstrdup(optarg);
			o.n_sets = split_list(sets_copy, pieces,
			    PROF_RUN_MAX_SETS);
			if (o.n_sets > PROF_RUN_MAX_SETS) {
				status = cmd_usage_error(self, "--metrics: more "
				    "than %d metric sets", PROF_RUN_MAX_SETS);
				goto out;
			}
			for (i = 0; i < o.n_sets; i++) {
				/* '+' joins metrics into one set. */
				for (c = pieces[i]; *c != '\0'; c++)
					if (*c == '+')
						*c = ',';
				o.sets[i] = pieces[i];
				if (prof_run_check_set(pieces[i], &err) < 0) {
					status = cmd_usage_error(self,
					    "--metrics: %s", err.msg);
					goto out;
				}
			}
			break;
		}
		case 'b': {
			char *bs[PROF_MAX_BATCHES];
			size_t nb;

			free(batch_copy);
			batch_copy = ep_xstrdup(optarg);
			nb = split_list(batch_copy, bs, PROF_MAX_BATCHES);
			if (nb > PROF_MAX_BATCHES) {
				status = cmd_usage_error(self, "--batch: more "
				    "than %d batch sizes", PROF_MAX_BATCHES);
				goto out;
			}
			for (i = 0; i < nb; i++) {
				if (strcmp(bs[i], "all") == 0) {
					o.batches[i] = 0;
					continue;
				}
				if (ep_parse_count(bs[i], 1, 10000000, &l,
				    &err) < 0) {
					status = cmd_usage_error(self, "--batch: "
					    "%s", err.msg);
					goto out;
				}
				o.batches[i] = (double)l;
			}
			o.n_batches = nb;
			break;
		}
		case 'r':
			if (ep_parse_count(optarg, 1, 64, &l, &err) < 0) {
				status = cmd_usage_error(self, "--repeat: %s",
				    err.msg);
				goto out;
			}
			o.repeat = (int)l;
			break;
		case 'M': {
			int k = prof_meter_kind_parse(optarg);

			if (k < 0) {
				status = cmd_usage_error(self, "--meter: '%s': "
				    "expected auto, rapl, perf, nvml or "
				    "estimate", optarg);
				goto out;
			}
			mo.kind = (enum prof_meter_kind)k;
			break;
		}
		case 'C':
		case 'R':
			if (ep_parse_power(optarg, &v, &err) < 0 || v <= 0) {
				status = cmd_usage_error(self, "--%s: %s",
				    ch == 'C' ? "cpu-watts" : "ram-watts",
				    err.msg[0] ? err.msg : "must be positive");
				goto out;
			}
			if (ch == 'C')
				mo.cpu_watts = v;
			else
				mo.ram_watts = v;
			break;
		case 's':
			sets[n_sets++] = optarg;
			break;
		case 'c':
			o.converge = 1;
			break;
		case 'u':
			if (ep_parse_count(optarg, 1, 100000, &l, &err) < 0) {
				status = cmd_usage_error(self, "--update-epochs: "
				    "%s", err.msg);
				goto out;
			}
			o.update_epochs = (double)l;
			break;
		case 'n':
			save = 0;
			break;
		case 'j':
			json = 1;
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
	if (optind == argc) {
		for (i = 0; i < model_count() && i < 64; i++)
			ops_list[n_models++] = model_at(i);
	} else {
		for (; optind < argc && n_models < 64; optind++) {
			const struct model_ops *ops = model_find(argv[optind]);

			if (ops == NULL) {
				status = cmd_unknown_model(argv[optind]);
				goto out;
			}
			ops_list[n_models++] = ops;
		}
	}
	/* Each --set must mean something to at least one model. */
	for (j = 0; j < n_sets; j++) {
		used = 0;
		for (i = 0; i < n_models; i++) {
			struct model_hp hp;

			model_hp_defaults(ops_list[i], &hp);
			if (model_hp_set(&hp, sets[j], &err) == 0)
				used = 1;
			else if (err.code == EP_ERANGE ||
			    strstr(err.msg, "unknown key") == NULL) {
				status = cmd_usage_error(self, "--set: %s: %s",
				    ops_list[i]->name, err.msg);
				goto out;
			}
		}
		if (!used) {
			status = cmd_usage_error(self, "--set: %s", err.msg);
			goto out;
		}
	}

	if (model_data_load(dataset, &d, &err) < 0 ||
	    model_split_make(&d, &ss, &sp, &err) < 0 ||
	    prof_hwinfo_get(&hw, &err) < 0 ||
	    prof_meter_open(&meter, &mo, &err) < 0) {
		ep_report(&err);
		status = err.code == EP_EUSAGE ? 2 : 1;
		goto out;
	}
	if (!json)
		fprintf(stderr, "ecoplan: meter: %s%s%s%s%s%s\n", meter.kind,
		    meter.gpu_kind[0] ? " + " : "", meter.gpu_kind,
		    meter.estimated ? " (estimated: " : " (",
		    meter.estimated ? meter.assumptions : meter.domains, ")");
	if (!json && meter.ladder[0] != '\0')
		fprintf(stderr, "ecoplan: meter: %s\n", meter.ladder);
	if (prof_run_idle(&meter, 2.0, &o.idle_watts, &err) < 0) {
		ep_report(&err);
		goto out;
	}
	ps = ep_xcalloc(n_models, sizeof *ps);
	pg.count = n_models;
	ep_progress_start(&pg.bar, "profile", "models", (double)n_models);
	o.progress = on_progress;
	o.ctx = &pg;
	for (i = 0; i < n_models; i++) {
		struct prof_profile *p = &ps[i];
		struct model_hp hp;
		struct ep_err e2 = EP_ERR_INIT;
		char *path = NULL;

		pg.model = ops_list[i]->name;
		pg.index = i;
		model_hp_defaults(ops_list[i], &hp);
		for (j = 0; j < n_sets; j++)
			model_hp_set(&hp, sets[j], &e2);
		prof_profile_init(p);
		snprintf(p->host_name, sizeof p->host_name, "%.63s", hw.host);
		snprintf(p->cpu, sizeof p->cpu, "%s", hw.cpu);
		p->threads = hw.threads;
		p->ram_gb = hw.ram_gb;
		snprintf(p->gpu, sizeof p->gpu, "%s", hw.gpu);
		snprintf(p->os, sizeof p->os, "%s", hw.os);
		snprintf(p->compiler, sizeof p->compiler, "%s", hw.compiler);
		model_blas_describe(p->blas, sizeof p->blas);
		snprintf(p->meter, sizeof p->meter, "%s", meter.kind);
		snprintf(p->meter_gpu, sizeof p->meter_gpu, "%s",
		    meter.gpu_kind);
		p->estimated = meter.estimated;
		snprintf(p->domains, sizeof p->domains, "%s", meter.domains);
		snprintf(p->assumptions, sizeof p->assumptions, "%s",
		    meter.assumptions);
		snprintf(p->ladder, sizeof p->ladder, "%s", meter.ladder);
		p->poll_secs = meter.poll_secs;
		snprintf(p->source, sizeof p->source, "ecoplan profile");
		if (prof_run_model(ops_list[i], &hp, &d, &sp, &meter, &o, p,
		    &err) < 0) {
			ep_progress_finish(&pg.bar);
			ep_report(&err);
			goto out;
		}
		if (save) {
			if (prof_store_save(p, &path, &err) < 0) {
				ep_progress_finish(&pg.bar);
				ep_report(&err);
				goto out;
			}
			free(path);
		}
	}
	ep_progress_update(&pg.bar, (double)n_models);
	ep_progress_finish(&pg.bar);
	if (json) {
		fputs("[", stdout);
		for (i = 0; i < n_models; i++) {
			char *s = prof_profile_to_json(&ps[i]);

			printf("%s%s", i ? ",\n" : "\n", s);
			free(s);
		}
		fputs("\n]\n", stdout);
	} else {
		print_table(ps, n_models);
		if (save)
			fputs("profiles saved; see 'ecoplan profiles list'\n",
			    stdout);
	}
	status = 0;
out:
	prof_meter_close(&meter);
	model_split_release(&sp);
	model_data_release(&d);
	free(ps);
	free(sets);
	free(sets_copy);
	free(batch_copy);
	return status;
}
