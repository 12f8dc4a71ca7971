/*
 * ecoplan plan: the greenest model over a range of loads and retraining
 * cadences. For each rate (log-spaced between lo and hi) and each
 * cadence it names the model with the least annual emissions, and the
 * greenest of those accurate enough: within a tolerance of the best
 * NDCG@10 of the models named, or above a floor. As a table, CSV, or an
 * SVG heatmap.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calc/lifecycle.h"
#include "cli/cmd.h"
#include "cli/output.h"
#include "cli/planning.h"
#include "cli/svg.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/num.h"
#include "core/banned.h"

enum { OPT_QPS = 256, OPT_RETRAIN, OPT_POINTS, OPT_REGION, OPT_CI,
	OPT_PROFILES, OPT_MIN_NDCG, OPT_TOLERANCE, OPT_CSV, OPT_PLOT };

#define MAX_MODELS 16
#define MAX_CADENCES 16
#define MAX_POINTS 64

struct plan {
	double lo, hi;
	size_t n_rates;
	double rates[MAX_POINTS];
	size_t n_cad;
	char *cad_s[MAX_CADENCES];
	double cad[MAX_CADENCES];
	double floor_ndcg;		/* accurate enough: NDCG >= this */
	struct cmd_intensity ci;
	struct cmd_pick pick;
	size_t n;
	struct calc_cost cost[MAX_MODELS];
	double ndcg[MAX_MODELS];
	/* Results, [rate][cadence]: model index, or -1. */
	int green[MAX_POINTS][MAX_CADENCES];
	int accurate[MAX_POINTS][MAX_CADENCES];
	double green_g[MAX_POINTS][MAX_CADENCES];
	double accurate_g[MAX_POINTS][MAX_CADENCES];
};

static const struct cmd_entry *
self(void)
{
	return cmd_find("plan");
}

/* "lo..hi" or one rate, both more than 0; returns an exit status. */
static int
parse_range(const char *s, double *lo, double *hi)
{
	struct ep_err err = EP_ERR_INIT;
	const char *dots = strstr(s, "..");
	char *a;
	int ret;

	a = dots != NULL ? ep_xstrndup(s, (size_t)(dots - s)) :
	    ep_xstrdup(s);
	ret = ep_parse_rate(a, lo, &err);
	free(a);
	if (ret < 0)
		return cmd_bad_value(self(), "--qps", &err);
	if (dots == NULL)
		*hi = *lo;
	else if (ep_parse_rate(dots + 2, hi, &err) < 0)
		return cmd_bad_value(self(), "--qps", &err);
	if (!(*lo > 0) || !(*hi > 0)) {
		ep_error("plan: --qps: '%s': rates must be more than 0", s);
		return 2;
	}
	if (*hi < *lo) {
		ep_error("plan: --qps: '%s': the range runs backwards", s);
		return 2;
	}
	return 0;
}

/* A comma list of cadences; returns an exit status. */
static int
parse_cadences(struct plan *pl, const char *list)
{
	struct ep_err err = EP_ERR_INIT;
	const char *s = list, *e;

	while (*s != '\0') {
		e = strchr(s, ',');
		if (e == NULL)
			e = s + strlen(s);
		if (pl->n_cad == MAX_CADENCES) {
			ep_error("plan: --retrain: at most %d cadences",
			    MAX_CADENCES);
			return 2;
		}
		pl->cad_s[pl->n_cad] = ep_xstrndup(s, (size_t)(e - s));
		if (ep_parse_cadence(pl->cad_s[pl->n_cad],
		    &pl->cad[pl->n_cad], &err) < 0) {
			pl->n_cad++;
			return cmd_bad_value(self(), "--retrain", &err);
		}
		pl->n_cad++;
		s = *e == ',' ? e + 1 : e;
		if (*e == ',' && *s == '\0') {
			ep_error("plan: --retrain: '%s': empty cadence", list);
			return 2;
		}
	}
	if (pl->n_cad == 0) {
		ep_error("plan: --retrain: no cadence given");
		return 2;
	}
	return 0;
}

static const char *
name(const struct plan *pl, int i)
{
	return i < 0 ? "-" : cmd_model_name(&pl->pick.p[i]);
}

/* Fills the results; returns an exit status. */
static int
solve(struct plan *pl)
{
	struct calc_scenario s = CALC_SCENARIO_INIT;
	struct calc_annual y;
	struct ep_err err = EP_ERR_INIT;
	size_t r, k, i;

	s.ci_train_g_per_kwh = s.ci_serve_g_per_kwh = pl->ci.g_per_kwh;
	for (r = 0; r < pl->n_rates; r++)
		for (k = 0; k < pl->n_cad; k++) {
			s.requests_per_sec = pl->rates[r];
			s.updates_per_year = pl->cad[k];
			pl->green[r][k] = pl->accurate[r][k] = -1;
			for (i = 0; i < pl->n; i++) {
				if (calc_annual(&pl->cost[i], &s, &y, &err) <
				    0) {
					ep_err_prefix(&err, "plan: %s",
					    name(pl, (int)i));
					ep_report(&err);
					return 1;
				}
				if (pl->green[r][k] < 0 ||
				    y.horizon_g < pl->green_g[r][k]) {
					pl->green[r][k] = (int)i;
					pl->green_g[r][k] = y.horizon_g;
				}
				if (!(pl->ndcg[i] >= pl->floor_ndcg))
					continue;
				if (pl->accurate[r][k] < 0 ||
				    y.horizon_g < pl->accurate_g[r][k]) {
					pl->accurate[r][k] = (int)i;
					pl->accurate_g[r][k] = y.horizon_g;
				}
			}
		}
	return 0;
}

static void
print_table(const struct plan *pl, int csv)
{
	struct cmd_table t = CMD_TABLE_INIT;
	char *cells[6];
	size_t r, k;

	if (csv)
		printf("requests_per_sec,retrain,updates_per_year,greenest,"
		    "greenest_g,greenest_accurate,greenest_accurate_g\n");
	else
		cmd_table_init(&t, 6, "req/s", "retrain", "greenest",
		    "kg CO2e/yr", "greenest accurate", "kg CO2e/yr");
	for (r = 0; r < pl->n_rates; r++)
		for (k = 0; k < pl->n_cad; k++) {
			int a = pl->accurate[r][k];

			if (csv) {
				printf("%.10g,%s,%.10g,%s,%.10g,%s,",
				    pl->rates[r], pl->cad_s[k], pl->cad[k],
				    name(pl, pl->green[r][k]),
				    pl->green_g[r][k], a < 0 ? "" :
				    name(pl, a));
				if (a >= 0)
					printf("%.10g", pl->accurate_g[r][k]);
				printf("\n");
				continue;
			}
			cells[0] = cmd_num(pl->rates[r], 3);
			cells[1] = ep_xstrdup(pl->cad_s[k]);
			cells[2] = ep_xstrdup(name(pl, pl->green[r][k]));
			cells[3] = cmd_num(pl->green_g[r][k] / 1000, 4);
			cells[4] = ep_xstrdup(name(pl, a));
			cells[5] = a < 0 ? ep_xstrdup("-") :
			    cmd_num(pl->accurate_g[r][k] / 1000, 4);
			cmd_table_row(&t, cells);
		}
	if (!csv) {
		cmd_table_print(&t, stdout);
		cmd_table_release(&t);
	}
}

static const char *const colours[] = {
	"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
	"#e377c2", "#7f7f7f", "#bcbd22", "#17becf"
};

#define N_COLOURS (sizeof colours / sizeof colours[0])

static int
plot(const struct plan *pl, const char *path)
{
	struct cmd_svg svg = CMD_SVG_INIT;
	struct ep_err err = EP_ERR_INIT;
	double left = 110, top = 50, cw = 90, ch = 36, x, y;
	char *label;
	size_t r, k, i;
	int ret;

	cmd_svg_begin(&svg, left + cw * (double)pl->n_rates + 180,
	    top + ch * (double)pl->n_cad + 70, "Greenest model by load and "
	    "retraining cadence");
	cmd_svg_text(&svg, left, 24, CMD_SVG_START, 14, "#111111",
	    "Greenest model (colour) and greenest accurate model (text)");
	for (r = 0; r < pl->n_rates; r++) {
		label = cmd_num(pl->rates[r], 3);
		cmd_svg_text(&svg, left + cw * ((double)r + 0.5),
		    top + ch * (double)pl->n_cad + 18, CMD_SVG_MIDDLE, 11,
		    "#333333", label);
		free(label);
		for (k = 0; k < pl->n_cad; k++) {
			x = left + cw * (double)r;
			y = top + ch * (double)k;
			cmd_svg_rect(&svg, x, y, cw - 2, ch - 2,
			    colours[(size_t)pl->green[r][k] % N_COLOURS],
			    0.55);
			cmd_svg_text(&svg, x + cw / 2, y + ch / 2 + 4,
			    CMD_SVG_MIDDLE, 11, "#111111",
			    name(pl, pl->accurate[r][k]));
		}
	}
	for (k = 0; k < pl->n_cad; k++)
		cmd_svg_text(&svg, left - 8, top + ch * ((double)k + 0.5) + 4,
		    CMD_SVG_END, 11, "#333333", pl->cad_s[k]);
	cmd_svg_text(&svg, left + cw * (double)pl->n_rates / 2,
	    top + ch * (double)pl->n_cad + 42, CMD_SVG_MIDDLE, 12, "#333333",
	    "single-user requests/s");
	for (i = 0; i < pl->n; i++) {
		x = left + cw * (double)pl->n_rates + 20;
		y = top + 18 * (double)i;
		cmd_svg_rect(&svg, x, y, 14, 14, colours[i % N_COLOURS], 0.55);
		cmd_svg_text(&svg, x + 20, y + 12, CMD_SVG_START, 12,
		    "#111111", name(pl, (int)i));
	}
	ret = cmd_svg_write(&svg, path, &err);
	cmd_svg_release(&svg);
	if (ret < 0) {
		ep_err_prefix(&err, "plan: --plot");
		ep_report(&err);
		return 1;
	}
	return 0;
}

static int
run(struct plan *pl, char **names, const char *profiles, const char *region,
    const char *ci_s, const char *min_s, const char *tol_s, int csv,
    const char *plot_path)
{
	struct ep_err err = EP_ERR_INIT;
	double best = -(double)INFINITY, v;
	size_t i;
	int st;

	st = cmd_resolve_intensity("plan", region, ci_s, &pl->ci);
	if (st != 0)
		return st;
	st = cmd_pick_profiles("plan", names, pl->n, profiles, 1, &pl->pick);
	if (st != 0)
		return st;
	for (i = 0; i < pl->n; i++) {
		if (strcmp(pl->pick.p[i].dataset, pl->pick.p[0].dataset) !=
		    0) {
			ep_error("plan: %s was measured on %s but %s on %s: "
			    "energy depends on the data, so the figures do "
			    "not compare", name(pl, 0),
			    pl->pick.p[0].dataset, name(pl, (int)i),
			    pl->pick.p[i].dataset);
			return 2;
		}
		st = cmd_profile_cost("plan", &pl->pick.p[i], "all", 1,
		    &pl->cost[i]);
		if (st != 0)
			return st;
		pl->ndcg[i] = cmd_profile_metric(&pl->pick.p[i], "ndcg@10");
		if (pl->ndcg[i] > best)
			best = pl->ndcg[i];
	}
	if (min_s != NULL) {
		if (ep_parse_double(min_s, 0, 1, &pl->floor_ndcg, &err) < 0)
			return cmd_bad_value(self(), "--min-ndcg", &err);
	} else {
		v = 0.05;
		if (tol_s != NULL && ep_parse_double(tol_s, 0, 1, &v, &err) <
		    0)
			return cmd_bad_value(self(), "--accuracy-tolerance", &err);
		pl->floor_ndcg = isinf(best) ? (double)INFINITY :
		    best * (1 - v);
	}
	if ((st = solve(pl)) != 0)
		return st;
	if (!csv) {
		printf("profiles:   %s%s\n", pl->pick.set,
		    pl->pick.defaulted ? " (default: the first reference "
		    "set with all these models; choose with --profiles)" :
		    "");
		printf("dataset:    %s\n", pl->pick.p[0].dataset);
		printf("intensity:  %s\n", pl->ci.words);
		printf("accurate:   NDCG@10 >= %.4g%s\n", pl->floor_ndcg,
		    min_s != NULL ? "" : " (within the tolerance of the "
		    "best)");
		printf("PUE 1, one-year horizon, metric set 'all', batch 1\n"
		    "\n");
	}
	print_table(pl, csv);
	if (plot_path != NULL)
		return plot(pl, plot_path);
	return 0;
}

int
cmd_plan(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "qps", required_argument, NULL, OPT_QPS },
		{ "retrain", required_argument, NULL, OPT_RETRAIN },
		{ "points", required_argument, NULL, OPT_POINTS },
		{ "region", required_argument, NULL, OPT_REGION },
		{ "ci", required_argument, NULL, OPT_CI },
		{ "profiles", required_argument, NULL, OPT_PROFILES },
		{ "min-ndcg", required_argument, NULL, OPT_MIN_NDCG },
		{ "accuracy-tolerance", required_argument, NULL,
		    OPT_TOLERANCE },
		{ "csv", no_argument, NULL, OPT_CSV },
		{ "plot", required_argument, NULL, OPT_PLOT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct plan *pl = ep_xcalloc(1, sizeof *pl);
	struct ep_err err = EP_ERR_INIT;
	const char *qps = NULL, *retrain = NULL, *region = NULL, *ci = NULL;
	const char *profiles = NULL, *min_s = NULL, *tol_s = NULL;
	const char *plot_path = NULL, *points_s = "7";
	long points;
	size_t i;
	int ch, st = 0, csv = 0;

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (ch) {
		case OPT_QPS:
			qps = optarg;
			break;
		case OPT_RETRAIN:
			retrain = optarg;
			break;
		case OPT_POINTS:
			points_s = optarg;
			break;
		case OPT_REGION:
			region = optarg;
			break;
		case OPT_CI:
			ci = optarg;
			break;
		case OPT_PROFILES:
			profiles = optarg;
			break;
		case OPT_MIN_NDCG:
			min_s = optarg;
			break;
		case OPT_TOLERANCE:
			tol_s = optarg;
			break;
		case OPT_CSV:
			csv = 1;
			break;
		case OPT_PLOT:
			if (*optarg == '\0') {
				st = cmd_usage_error(self(), "--plot: empty file "
				    "name");
				goto out;
			}
			plot_path = optarg;
			break;
		case 'h':
			cmd_usage(self(), stdout);
			goto out;
		default:
			st = cmd_bad_option(self(), ch, argv);
			goto out;
		}
	}
	pl->n = (size_t)(argc - optind);
	if (pl->n < 1 || pl->n > MAX_MODELS) {
		st = cmd_usage_error(self(), "needs 1 to %d models",
		    MAX_MODELS);
		goto out;
	}
	if (qps == NULL || retrain == NULL) {
		st = cmd_usage_error(self(), "needs --qps and --retrain");
		goto out;
	}
	if (min_s != NULL && tol_s != NULL) {
		st = cmd_usage_error(self(), "--min-ndcg and "
		    "--accuracy-tolerance: choose one");
		goto out;
	}
	if (region != NULL && ci != NULL) {
		st = cmd_usage_error(self(), "--region and --ci: choose one");
		goto out;
	}
	if (ep_parse_count(points_s, 1, MAX_POINTS, &points, &err) < 0) {
		st = cmd_bad_value(self(), "--points", &err);
		goto out;
	}
	if ((st = parse_range(qps, &pl->lo, &pl->hi)) != 0 ||
	    (st = parse_cadences(pl, retrain)) != 0)
		goto out;
	pl->n_rates = pl->hi > pl->lo ? (size_t)points : 1;
	for (i = 0; i < pl->n_rates; i++)
		pl->rates[i] = pl->n_rates == 1 ? pl->lo : exp(log(pl->lo) +
		    (log(pl->hi) - log(pl->lo)) * (double)i /
		    (double)(pl->n_rates - 1));
	st = run(pl, &argv[optind], profiles, region, ci, min_s, tol_s, csv,
	    plot_path);
out:
	for (i = 0; i < pl->n_cad; i++)
		free(pl->cad_s[i]);
	cmd_pick_release(&pl->pick);
	free(pl);
	return st;
}
