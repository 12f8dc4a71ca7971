/*
 * ecoplan schedule: when to retrain a model so that the update emits
 * least. The energy and duration of one update come from the model's
 * profile, the intensity over the coming hours from a live or cached
 * forecast (ci_resolve_series); calc_schedule finds the best start and
 * the saving against starting now. With only an annual average for the
 * region every start emits the same, and the output says so.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "calc/schedule.h"
#include "ci-data/ci.h"
#include "ci-data/isotime.h"
#include "cli/cmd.h"
#include "cli/output.h"
#include "cli/planning.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/num.h"
#include "core/banned.h"

enum { OPT_REGION = 256, OPT_WITHIN, OPT_LIVE, OPT_PUE, OPT_PROFILES,
	OPT_METRIC_SET, OPT_JSON };

static const struct cmd_entry *
self(void)
{
	return cmd_find("schedule");
}

/* "2 h 5 min", "48 min", "30 s". */
static void
duration_words(double secs, char *buf, size_t size)
{
	long s = lround(secs);

	if (s >= 3600)
		snprintf(buf, size, "%ld h %ld min", s / 3600, s % 3600 / 60);
	else if (s >= 60)
		snprintf(buf, size, "%ld min %ld s", s / 60, s % 60);
	else
		snprintf(buf, size, "%ld s", s);
}

/* Seconds of one update: setup + epochs x (train + validation). */
static double
update_secs(const struct prof_profile *p, const char *valid)
{
	const struct prof_valid *v = prof_profile_valid(p, valid);

	return p->setup.seconds + p->epochs_per_update *
	    (p->epoch_train.seconds + (v != NULL ? v->e.seconds : 0));
}

struct job {
	const struct prof_profile *p;
	const char *set, *region, *metric_set;
	double kwh, secs, pue, within;
	int live, json;
};

static int
run(const struct job *j)
{
	struct ci_request req = CI_REQUEST_INIT;
	struct ci_result res;
	struct ep_err err = EP_ERR_INIT;
	struct calc_job job;
	struct calc_schedule out;
	char d[64], when[64], *a, *b;
	double *g;
	size_t i;
	int st = 0, flat;

	memset(&res, 0, sizeof res);
	req.region = j->region;
	req.live = j->live;
	req.hours = (int)ceil(j->within / 3600);
	if (req.hours < CI_HOURS_MIN)
		req.hours = CI_HOURS_MIN;
	if (req.hours > CI_HOURS_MAX)
		req.hours = CI_HOURS_MAX;
	if (ci_resolve_series(&req, &res, &err) < 0) {
		ep_err_prefix(&err, "schedule: --region");
		ep_report(&err);
		st = ep_err_status(&err);
		goto out;
	}
	for (i = 0; i < res.warn.n; i++)
		ep_warn("%s", res.warn.msg[i]);
	flat = res.origin == CI_ORIGIN_TABLE || res.origin == CI_ORIGIN_WORLD;
	duration_words(j->secs, d, sizeof d);
	if (flat) {
		double e = j->kwh * j->pue * res.value.g_per_kwh;

		a = cmd_num(e, 4);
		if (j->json) {
			cJSON *o = cJSON_CreateObject();
			char *s;

			cJSON_AddStringToObject(o, "model", j->p->model);
			cJSON_AddStringToObject(o, "region", res.region);
			cJSON_AddBoolToObject(o, "forecast", 0);
			cJSON_AddNumberToObject(o, "update_kwh", j->kwh);
			cJSON_AddNumberToObject(o, "update_secs", j->secs);
			cJSON_AddNumberToObject(o, "g_per_kwh",
			    res.value.g_per_kwh);
			cJSON_AddNumberToObject(o, "emissions_g", e);
			s = cJSON_Print(o);
			printf("%s\n", s);
			free(s);
			cJSON_Delete(o);
		} else {
			printf("%s: one update takes %s and %.4g kWh (%s)\n",
			    j->p->model, d, j->kwh, j->set);
			printf("only an annual average is available for %s: "
			    "%.5g g/kWh (%s, %d), so every start emits the "
			    "same, %s g CO2e; a forecast needs --live and a "
			    "live source for the region (UK NESO for GB, "
			    "Electricity Maps, WattTime; see ecoplan-ci(1))\n",
			    res.region, res.value.g_per_kwh,
			    res.value.tag.text, res.value.year, a);
		}
		free(a);
		goto out;
	}
	g = res.series.g_per_kwh;
	for (i = 0; i < res.series.n; i++)
		if (!isfinite(g[i])) {
			ep_error("schedule: %s: the forecast has a gap at "
			    "value %zu; try again later", res.region, i);
			st = 1;
			goto out;
		}
	job.duration_secs = j->secs;
	job.energy_kwh = j->kwh;
	job.pue = j->pue;
	job.deadline_secs = j->within;
	if ((double)res.series.n * (double)res.series.step_secs <
	    job.deadline_secs)
		job.deadline_secs = 0;
	if (calc_schedule(g, res.series.n, (double)res.series.step_secs,
	    &job, &out, &err) < 0) {
		ep_err_prefix(&err, "schedule: %s", j->p->model);
		ep_report(&err);
		st = 1;
		goto out;
	}
	ci_time_format(res.series.t[0] + (time_t)out.start_secs,
	    CI_TIME_HUMAN, when, sizeof when);
	if (j->json) {
		cJSON *o = cJSON_CreateObject();
		char *s;

		cJSON_AddStringToObject(o, "model", j->p->model);
		cJSON_AddStringToObject(o, "region", res.region);
		cJSON_AddBoolToObject(o, "forecast", 1);
		cJSON_AddStringToObject(o, "origin",
		    ci_origin_name(res.origin));
		cJSON_AddNumberToObject(o, "update_kwh", j->kwh);
		cJSON_AddNumberToObject(o, "update_secs", j->secs);
		cJSON_AddStringToObject(o, "start", when);
		cJSON_AddNumberToObject(o, "start_secs", out.start_secs);
		cJSON_AddNumberToObject(o, "mean_g_per_kwh",
		    out.mean_g_per_kwh);
		cJSON_AddNumberToObject(o, "emissions_g", out.emissions_g);
		cJSON_AddNumberToObject(o, "now_emissions_g",
		    out.now_emissions_g);
		cJSON_AddNumberToObject(o, "saving_g", out.saving_g);
		cJSON_AddNumberToObject(o, "saving_pct", out.saving_pct);
		s = cJSON_Print(o);
		printf("%s\n", s);
		free(s);
		cJSON_Delete(o);
		goto out;
	}
	printf("%s: one update takes %s and %.4g kWh (%s)\n", j->p->model,
	    d, j->kwh, j->set);
	printf("intensity:  %s, %s (%s), %zu values %ld min apart\n",
	    res.region, res.series.tag.text, ci_origin_name(res.origin),
	    res.series.n, res.series.step_secs / 60);
	duration_words(out.start_secs, d, sizeof d);
	a = cmd_num(out.emissions_g, 4);
	b = cmd_num(out.now_emissions_g, 4);
	printf("best start: %s (in %s): mean %.4g g/kWh, %s g CO2e\n", when,
	    d, out.mean_g_per_kwh, a);
	printf("now:        mean %.4g g/kWh, %s g CO2e\n",
	    out.now_mean_g_per_kwh, b);
	free(a);
	free(b);
	a = cmd_num(out.saving_g, 4);
	printf("saving:     %s g CO2e (%.1f%%)\n", a, out.saving_pct);
	free(a);
out:
	ci_result_release(&res);
	return st;
}

int
cmd_schedule(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "region", required_argument, NULL, OPT_REGION },
		{ "within", required_argument, NULL, OPT_WITHIN },
		{ "live", no_argument, NULL, OPT_LIVE },
		{ "pue", required_argument, NULL, OPT_PUE },
		{ "profiles", required_argument, NULL, OPT_PROFILES },
		{ "metric-set", required_argument, NULL, OPT_METRIC_SET },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct cmd_pick pick = CMD_PICK_INIT;
	struct ep_err err = EP_ERR_INIT;
	struct job j;
	const char *within_s = "48h", *pue_s = "1", *profiles = NULL;
	int ch, st = 0;

	memset(&j, 0, sizeof j);
	j.metric_set = "all";
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (ch) {
		case OPT_REGION:
			j.region = optarg;
			break;
		case OPT_WITHIN:
			within_s = optarg;
			break;
		case OPT_LIVE:
			j.live = 1;
			break;
		case OPT_PUE:
			pue_s = optarg;
			break;
		case OPT_PROFILES:
			profiles = optarg;
			break;
		case OPT_METRIC_SET:
			j.metric_set = optarg;
			break;
		case OPT_JSON:
			j.json = 1;
			break;
		case 'h':
			cmd_usage(self(), stdout);
			return 0;
		default:
			return cmd_bad_option(self(), ch, argv);
		}
	}
	if (argc - optind != 1)
		return cmd_usage_error(self(), "needs one model");
	if (j.region == NULL)
		return cmd_usage_error(self(), "needs --region");
	if (strcmp(j.metric_set, "all") != 0 &&
	    strcmp(j.metric_set, "mrr") != 0)
		return cmd_usage_error(self(), "--metric-set: '%s': expected "
		    "all or mrr", j.metric_set);
	if (ep_parse_duration(within_s, &j.within, &err) < 0)
		return cmd_bad_value(self(), "--within", &err);
	if (!(j.within > 0) || j.within > CI_HOURS_MAX * 3600.0) {
		ep_error("schedule: --within: '%s': must be more than 0 and "
		    "at most %d h", within_s, CI_HOURS_MAX);
		return 2;
	}
	if (ep_parse_double(pue_s, 1, 100, &j.pue, &err) < 0)
		return cmd_bad_value(self(), "--pue", &err);
	st = cmd_pick_profiles("schedule", &argv[optind], 1, profiles, 0,
	    &pick);
	if (st != 0)
		goto out;
	j.p = &pick.p[0];
	j.set = pick.set;
	j.kwh = prof_update_kwh(j.p, j.metric_set);
	j.secs = update_secs(j.p, j.metric_set);
	if (!(j.kwh >= 0)) {
		ep_error("schedule: %s: its profile has no training energy "
		    "for metric set '%s'", j.p->model, j.metric_set);
		st = 1;
		goto out;
	}
	if (!(j.secs > 0)) {
		ep_error("schedule: %s: its profile (%s) does not say how "
		    "long an update takes", j.p->model, pick.set);
		st = 1;
		goto out;
	}
	if (j.secs > j.within) {
		ep_error("schedule: %s: one update takes %.0f s, longer than "
		    "--within %s", j.p->model, j.secs, within_s);
		st = 1;
		goto out;
	}
	st = run(&j);
out:
	cmd_pick_release(&pick);
	return st;
}
