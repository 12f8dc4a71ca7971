/*
 * ecoplan measure: profiles any command. The command runs without a
 * shell with its output passed through (profiles/measure.c); ecoplan's
 * own summary goes to stderr, so the command's stdout stays as it was,
 * unless --json asks for the result on stdout after it. The profile is
 * stored under --name even when the run was cut short, marked
 * incomplete, and ecoplan exits with the command's status.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "core/err.h"
#include "core/num.h"
#include "profiles/hwinfo.h"
#include "profiles/measure.h"
#include "profiles/meter.h"
#include "profiles/profile.h"
#include "profiles/store.h"
#include "core/banned.h"

/* "ecoplan measure -- ARGV..." for the profile's source, shortened. */
static void
describe(char *const *argv, char *buf, size_t size)
{
	size_t len;
	int n;

	n = snprintf(buf, size, "ecoplan measure --");
	len = n > 0 ? (size_t)n : 0;
	for (; *argv != NULL && len < size; argv++) {
		n = snprintf(buf + len, size - len, " %s", *argv);
		if (n < 0)
			break;
		len += (size_t)n;
	}
}

static cJSON *
result_json(const struct prof_measure_result *r, const struct prof_profile *p)
{
	cJSON *o = cJSON_CreateObject(), *a, *x;
	char *s;
	size_t i;

	cJSON_AddNumberToObject(o, "exit_status", r->exit_status);
	cJSON_AddBoolToObject(o, "interrupted", r->interrupted);
	cJSON_AddNumberToObject(o, "seconds", r->secs);
	cJSON_AddNumberToObject(o, "kwh", r->joules / 3.6e6);
	cJSON_AddNumberToObject(o, "gross_kwh", r->gross_joules / 3.6e6);
	cJSON_AddNumberToObject(o, "cpu_seconds", r->cpu_secs);
	if (isnan(r->tree_share))
		cJSON_AddNullToObject(o, "tree_share");
	else
		cJSON_AddNumberToObject(o, "tree_share", r->tree_share);
	cJSON_AddNumberToObject(o, "queries", (double)r->queries);
	cJSON_AddNumberToObject(o, "lines", (double)r->lines);
	a = cJSON_AddArrayToObject(o, "epochs");
	for (i = 0; i < r->n_epochs; i++) {
		x = cJSON_CreateObject();
		cJSON_AddNumberToObject(x, "epoch", (double)(i + 1));
		cJSON_AddBoolToObject(x, "warmup", r->epochs[i].warmup);
		cJSON_AddNumberToObject(x, "seconds", r->epochs[i].secs);
		cJSON_AddNumberToObject(x, "kwh", r->epochs[i].joules / 3.6e6);
		cJSON_AddNumberToObject(x, "gross_kwh",
		    r->epochs[i].gross_joules / 3.6e6);
		cJSON_AddNumberToObject(x, "cpu_seconds",
		    r->epochs[i].cpu_secs);
		cJSON_AddItemToArray(a, x);
	}
	s = prof_profile_to_json(p);
	x = s != NULL ? cJSON_Parse(s) : NULL;
	free(s);
	if (x != NULL)
		cJSON_AddItemToObject(o, "profile", x);
	else
		cJSON_AddNullToObject(o, "profile");
	return o;
}

static void
print_summary(const struct prof_measure_result *r,
    const struct prof_meter *m, const char *name)
{
	size_t i;

	fprintf(stderr, "ecoplan: %s: exit status %d%s, %.3f s, %.6g kWh "
	    "(%s%s%s, %s)\n", name, r->exit_status,
	    r->interrupted ? " (interrupted)" : "", r->secs,
	    r->joules / 3.6e6, m->kind, m->gpu_kind[0] ? " + " : "",
	    m->gpu_kind, m->estimated ? "estimated" : "measured");
	if (m->machine_wide && !isnan(r->tree_share))
		fprintf(stderr, "ecoplan: %s: process tree %.1f%% of the "
		    "machine's busy CPU time; whole machine %.6g kWh\n", name,
		    100 * r->tree_share, r->gross_joules / 3.6e6);
	if (r->n_epochs > 0) {
		fprintf(stderr, "%-7s %10s %12s %12s %10s\n", "epoch",
		    "seconds", "kWh", "gross kWh", "CPU s");
		for (i = 0; i < r->n_epochs; i++)
			fprintf(stderr, "%-7zu %10.3f %12.6g %12.6g %10.3f%s\n",
			    i + 1, r->epochs[i].secs,
			    r->epochs[i].joules / 3.6e6,
			    r->epochs[i].gross_joules / 3.6e6,
			    r->epochs[i].cpu_secs,
			    r->epochs[i].warmup ? "  (warm-up)" : "");
	}
	if (r->queries > 0)
		fprintf(stderr, "ecoplan: %s: %ld requests, %.6g kWh a "
		    "request\n", name, r->queries,
		    r->joules / 3.6e6 / (double)r->queries);
}

int
cmd_measure(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "name", required_argument, NULL, 'N' },
		{ "dataset", required_argument, NULL, 'd' },
		{ "epoch-marker", required_argument, NULL, 'E' },
		{ "queries", required_argument, NULL, 'q' },
		{ "query-marker", required_argument, NULL, 'Q' },
		{ "meter", required_argument, NULL, 'M' },
		{ "no-save", no_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const struct cmd_entry *self = cmd_find("measure");
	struct prof_measure_opts mo = PROF_MEASURE_OPTS_INIT;
	struct prof_meter_opts meo = PROF_METER_OPTS_INIT;
	struct prof_measure_result r;
	struct prof_meter meter;
	struct prof_hwinfo hw;
	struct prof_profile p;
	struct ep_err err = EP_ERR_INIT;
	const char *name = NULL, *dataset = "unknown", *base;
	char *path = NULL;
	int ch, json = 0, save = 1, status = 1;
	long l;

	memset(&meter, 0, sizeof meter);
	memset(&r, 0, sizeof r);
	/* '+': stop at the command, whose options are its own. */
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'N':
			name = optarg;
			break;
		case 'd':
			dataset = optarg;
			break;
		case 'E':
			mo.epoch_marker = optarg;
			break;
		case 'q':
			if (ep_parse_count(optarg, 1, 1000000000000L, &l,
			    &err) < 0)
				return cmd_usage_error(self, "--queries: %s",
				    err.msg);
			mo.queries = l;
			break;
		case 'Q':
			mo.query_marker = optarg;
			break;
		case 'M': {
			int k = prof_meter_kind_parse(optarg);

			if (k < 0)
				return cmd_usage_error(self, "--meter: '%s': "
				    "expected auto, rapl, perf, nvml or "
				    "estimate", optarg);
			meo.kind = (enum prof_meter_kind)k;
			break;
		}
		case 'n':
			save = 0;
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			cmd_usage(self, stdout);
			return 0;
		default:
			return cmd_bad_option(self, ch, argv);
		}
	}
	if (optind == argc)
		return cmd_usage_error(self, "no command to measure");
	if (mo.queries > 0 && mo.query_marker != NULL)
		return cmd_usage_error(self, "--queries and --query-marker "
		    "exclude each other");
	mo.argv = argv + optind;
	if (name == NULL) {
		base = strrchr(argv[optind], '/');
		name = base != NULL && base[1] != '\0' ? base + 1 :
		    argv[optind];
	}
	if (name[0] == '\0' || strlen(name) >= sizeof p.model)
		return cmd_usage_error(self, "--name: '%s': empty or longer "
		    "than %zu characters", name, sizeof p.model - 1);
	if (dataset[0] == '\0' || strlen(dataset) >= sizeof p.dataset)
		return cmd_usage_error(self, "--dataset: '%s': empty or too "
		    "long", dataset);

	if (prof_hwinfo_get(&hw, &err) < 0 ||
	    prof_meter_open(&meter, &meo, &err) < 0) {
		ep_report(&err);
		status = ep_err_status(&err);
		goto out;
	}
	if (prof_measure_run(&meter, &mo, &r, &err) < 0) {
		ep_report(&err);
		if (r.exec_errno != 0)
			status = r.exec_errno == ENOENT ? 127 : 126;
		else
			status = ep_err_status(&err);
		goto out;
	}
	status = r.exit_status;

	prof_profile_init(&p);
	snprintf(p.model, sizeof p.model, "%s", name);
	snprintf(p.dataset, sizeof p.dataset, "%s", dataset);
	snprintf(p.host_name, sizeof p.host_name, "%.63s", hw.host);
	snprintf(p.cpu, sizeof p.cpu, "%s", hw.cpu);
	p.threads = hw.threads;
	p.ram_gb = hw.ram_gb;
	snprintf(p.gpu, sizeof p.gpu, "%s", hw.gpu);
	snprintf(p.os, sizeof p.os, "%s", hw.os);
	snprintf(p.compiler, sizeof p.compiler, "%s", hw.compiler);
	prof_measure_to_profile(&r, &meter, &p);
	describe(mo.argv, p.source, sizeof p.source);
	if (save && prof_store_save(&p, &path, &err) < 0) {
		ep_report(&err);
		if (status == 0)
			status = 1;
	}
	if (json) {
		cJSON *o = result_json(&r, &p);
		char *s = cJSON_Print(o);

		if (s != NULL)
			printf("%s\n", s);
		free(s);
		cJSON_Delete(o);
	} else {
		print_summary(&r, &meter, name);
	}
	if (path != NULL)
		fprintf(stderr, "ecoplan: %s: profile saved%s: %s\n", name,
		    p.incomplete ? " (incomplete)" : "", path);
out:
	prof_measure_release(&r);
	prof_meter_close(&meter);
	free(path);
	return status;
}
