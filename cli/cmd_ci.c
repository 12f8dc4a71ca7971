/*
 * ecoplan ci: the carbon intensity of a region (ci [region]), the
 * regions ecoplan knows (ci list), and an intensity series with its
 * greenest window (ci forecast), as text for people or JSON for
 * scripts. Fallback steps come back from ci-data/ as warnings, which
 * are printed here on stderr.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "ci-data/ci.h"
#include "ci-data/isotime.h"
#include "ci-data/table.h"
#include "cli/cmd.h"
#include "cli/svg.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/num.h"
#include "core/banned.h"

/* Widest sparkline, in columns. */
#define SPARK_MAX 72
/* Widest region column of "ci list". */
#define ID_COL_MAX 28

enum { OPT_LIVE = 256, OPT_SOURCE, OPT_JSON, OPT_HOURS, OPT_WINDOW,
	OPT_PLOT };

static const struct cmd_entry *
self(void)
{
	return cmd_find("ci");
}

/* Reports a failed resolution: usage errors exit 2, others 1. */
static int
fail(struct ep_err *err)
{
	ep_err_prefix(err, "ci");
	ep_report(err);
	return ep_err_status(err);
}

static void
print_warnings(const struct ci_warnings *w)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		ep_warn("%s", w->msg[i]);
}

static const char *
kind_name(enum ci_kind k)
{
	static const char *const names[] = {
		[CI_KIND_AGGREGATE] = "aggregate",
		[CI_KIND_COUNTRY] = "country",
		[CI_KIND_SUBDIV] = "subdivision",
		[CI_KIND_CLOUD] = "cloud",
		[CI_KIND_UK] = "uk",
		[CI_KIND_EM] = "em",
		[CI_KIND_WT] = "wt",
	};

	return names[k];
}

/* "lifecycle, average, production mix": the basis in words. */
static void
basis_words(const struct ci_tag *t, char *buf, size_t size)
{
	size_t n;

	n = (size_t)snprintf(buf, size, "%s, %s", ci_basis_name(t->basis),
	    ci_signal_name(t->signal));
	if (t->accounting != CI_ACCT_UNKNOWN && n < size)
		n += (size_t)snprintf(buf + n, size - n, ", %s mix",
		    ci_accounting_name(t->accounting));
	if (t->forecast && n < size)
		n += (size_t)snprintf(buf + n, size - n, ", forecast");
	if (t->estimated && n < size)
		snprintf(buf + n, size - n, ", estimated");
}

/* "live, fetched 2026-11-27 12:03 UTC" and the like. */
static void
origin_words(const struct ci_result *res, char *buf, size_t size)
{
	char when[40], age[40];

	ci_time_format(res->fetched, CI_TIME_HUMAN, when, sizeof when);
	ci_age_format(res->age_secs, age, sizeof age);
	switch (res->origin) {
	case CI_ORIGIN_LIVE:
		snprintf(buf, size, "live, fetched %s", when);
		break;
	case CI_ORIGIN_CACHE:
		snprintf(buf, size, "cache, fetched %s (%s old)", when, age);
		break;
	case CI_ORIGIN_STALE:
		snprintf(buf, size, "stale cache, fetched %s (%s old)", when,
		    age);
		break;
	case CI_ORIGIN_TABLE:
		snprintf(buf, size, "built-in table");
		break;
	case CI_ORIGIN_WORLD:
		snprintf(buf, size, "World average (no value for %s)",
		    res->region);
		break;
	case CI_ORIGIN_EXPLICIT:
		snprintf(buf, size, "given on the command line");
		break;
	}
}

/* "DE (Germany)", or just "World" when the name says no more. */
static const char *
id_name(const char *id, const char *name, char *buf, size_t size)
{
	if (strcasecmp(id, name) == 0)
		snprintf(buf, size, "%s", id);
	else
		snprintf(buf, size, "%s (%s)", id, name);
	return buf;
}

/*
 * "2026-11-28 02:00 to 03:00 UTC", or with both dates when the range
 * crosses midnight.
 */
static const char *
time_range(time_t a, time_t b, char *buf, size_t size)
{
	char x[40], y[40], dx[40], dy[40];

	ci_time_format(a, CI_TIME_ISO, dx, sizeof dx);
	ci_time_format(b, CI_TIME_ISO, dy, sizeof dy);
	if (strncmp(dx, dy, 10) == 0)
		snprintf(buf, size, "%.16s to %s UTC", ci_time_format(a,
		    CI_TIME_HUMAN, x, sizeof x), ci_time_format(b,
		    CI_TIME_CLOCK, y, sizeof y));
	else
		snprintf(buf, size, "%.16s to %s", ci_time_format(a,
		    CI_TIME_HUMAN, x, sizeof x), ci_time_format(b,
		    CI_TIME_HUMAN, y, sizeof y));
	return buf;
}

/* Adds the fields ci and ci forecast share to a JSON object. */
static cJSON *
json_head(const struct ci_result *res)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "region", res->region);
	cJSON_AddStringToObject(o, "name", res->name);
	cJSON_AddStringToObject(o, "used", res->used);
	cJSON_AddStringToObject(o, "used_name", res->used_name);
	return o;
}

static void
json_common(cJSON *o, const struct ci_result *res, const struct ci_tag *t)
{
	char when[40];

	cJSON_AddStringToObject(o, "unit", "g/kWh");
	cJSON_AddStringToObject(o, "basis", ci_basis_name(t->basis));
	cJSON_AddStringToObject(o, "signal", ci_signal_name(t->signal));
	cJSON_AddStringToObject(o, "accounting",
	    ci_accounting_name(t->accounting));
	cJSON_AddBoolToObject(o, "forecast", t->forecast);
	cJSON_AddBoolToObject(o, "estimated", t->estimated);
	cJSON_AddStringToObject(o, "source", ci_source_name(t->source));
	cJSON_AddStringToObject(o, "source_text", t->text);
	cJSON_AddStringToObject(o, "origin", ci_origin_name(res->origin));
	if (res->origin == CI_ORIGIN_LIVE || res->origin == CI_ORIGIN_CACHE ||
	    res->origin == CI_ORIGIN_STALE) {
		cJSON_AddStringToObject(o, "fetched", ci_time_format(
		    res->fetched, CI_TIME_ISO, when, sizeof when));
		cJSON_AddNumberToObject(o, "age_secs", floor(res->age_secs));
	} else {
		cJSON_AddNullToObject(o, "fetched");
		cJSON_AddNullToObject(o, "age_secs");
	}
}

static void
json_warnings(cJSON *o, const struct ci_warnings *w)
{
	cJSON *a = cJSON_AddArrayToObject(o, "warnings");
	size_t i;

	for (i = 0; i < w->n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(w->msg[i]));
}

/* Prints a JSON document (taken over) and a newline. */
static int
json_print(cJSON *o)
{
	char *text = cJSON_Print(o);
	int ret = 0;

	if (text == NULL) {
		ep_error("ci: cannot format JSON");
		ret = 1;
	} else {
		puts(text);
	}
	cJSON_free(text);
	cJSON_Delete(o);
	return ret;
}

static int
show_json(const struct ci_result *res)
{
	const struct ci_value *v = &res->value;
	cJSON *o = json_head(res);
	char at[40];

	cJSON_AddNumberToObject(o, "g_per_kwh", v->g_per_kwh);
	json_common(o, res, &v->tag);
	if (v->year != 0)
		cJSON_AddNumberToObject(o, "year", v->year);
	else
		cJSON_AddNullToObject(o, "year");
	if (v->year == 0 && res->origin != CI_ORIGIN_EXPLICIT) {
		cJSON_AddStringToObject(o, "period_start", ci_time_format(v->at,
		    CI_TIME_ISO, at, sizeof at));
		cJSON_AddNumberToObject(o, "period_secs",
		    (double)v->period_secs);
	} else {
		cJSON_AddNullToObject(o, "period_start");
		cJSON_AddNullToObject(o, "period_secs");
	}
	if (v->index[0] != '\0')
		cJSON_AddStringToObject(o, "index", v->index);
	else
		cJSON_AddNullToObject(o, "index");
	if (isfinite(v->percentile))
		cJSON_AddNumberToObject(o, "percentile", v->percentile);
	else
		cJSON_AddNullToObject(o, "percentile");
	json_warnings(o, &res->warn);
	return json_print(o);
}

static void
show_text(const struct ci_result *res)
{
	const struct ci_value *v = &res->value;
	char g[32], buf[256], at[40];

	printf("region:     %s\n", id_name(res->region, res->name, buf,
	    sizeof buf));
	if (strcmp(res->used, res->region) != 0)
		printf("value of:   %s\n", id_name(res->used, res->used_name,
		    buf, sizeof buf));
	printf("intensity:  %s g/kWh", ci_fmt_g(g, sizeof g, v->g_per_kwh));
	if (v->index[0] != '\0')
		printf(" (index: %s)", v->index);
	if (isfinite(v->percentile))
		printf(" (percentile %.0f of recent values)", v->percentile);
	putchar('\n');
	basis_words(&v->tag, buf, sizeof buf);
	printf("basis:      %s\n", buf);
	if (v->year != 0)
		printf("year:       %d\n", v->year);
	else
		printf("period:     %s, %ld min\n", ci_time_format(v->at,
		    CI_TIME_HUMAN, at, sizeof at), v->period_secs / 60);
	printf("source:     %s\n", v->tag.text);
	origin_words(res, buf, sizeof buf);
	printf("from:       %s\n", buf);
}

/* ecoplan ci [region] [--live] [--source source] [--json] */
static int
ci_show(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "live", no_argument, NULL, OPT_LIVE },
		{ "source", required_argument, NULL, OPT_SOURCE },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct ci_request req = CI_REQUEST_INIT;
	struct ci_result res;
	struct ep_err err = EP_ERR_INIT;
	int ch, json = 0, status;

	memset(&res, 0, sizeof res);
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (ch) {
		case OPT_LIVE:
			req.live = 1;
			break;
		case OPT_SOURCE:
			if (ci_source_parse(optarg, &req.source, &err) < 0)
				return cmd_usage_error(self(), "--source: %s",
				    err.msg);
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
	if (argc - optind > 1)
		return cmd_usage_error(self(), "too many arguments");
	req.region = argc - optind == 1 ? argv[optind] :
	    getenv("ECOPLAN_REGION");
	if (req.region == NULL || req.region[0] == '\0')
		req.region = "World";
	if (ci_resolve(&req, &res, &err) < 0) {
		status = fail(&err);
		goto out;
	}
	print_warnings(&res.warn);
	status = 0;
	if (json)
		status = show_json(&res);
	else
		show_text(&res);
out:
	ci_result_release(&res);
	return status;
}

/* ecoplan ci list [text] [--json] */
static int
ci_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct ci_table t = CI_TABLE_INIT;
	struct ep_err err = EP_ERR_INIT;
	const char *text = NULL;
	cJSON *arr = NULL, *o;
	int ch, json = 0, status = 1, idw = 6;
	size_t i, n = 0;
	char g[32], year[16];

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (ch) {
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
	if (argc - optind > 1)
		return cmd_usage_error(self(), "list: too many arguments");
	if (argc - optind == 1)
		text = argv[optind];
	if (ci_table_load(&t, &err) < 0)
		return fail(&err);
	for (i = 0; i < t.n; i++) {
		int w = (int)strlen(t.e[i].id);

		if (ci_entry_matches(&t.e[i], text) && w > idw)
			idw = w < ID_COL_MAX ? w : ID_COL_MAX;
	}
	if (json)
		arr = cJSON_CreateArray();
	for (i = 0; i < t.n; i++) {
		const struct ci_entry *e = &t.e[i];

		if (!ci_entry_matches(e, text))
			continue;
		if (n++ == 0 && !json)
			printf("%-*s %9s  %4s  %-9s  %s\n", idw, "REGION",
			    "g/kWh", "YEAR", "BASIS", "NAME");
		if (json) {
			o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "region", e->id);
			cJSON_AddStringToObject(o, "name", e->name);
			cJSON_AddStringToObject(o, "kind", kind_name(e->kind));
			if (e->iso2[0] != '\0')
				cJSON_AddStringToObject(o, "iso2", e->iso2);
			if (e->iso3[0] != '\0')
				cJSON_AddStringToObject(o, "iso3", e->iso3);
			if (e->has_value) {
				cJSON_AddNumberToObject(o, "g_per_kwh",
				    e->value.g_per_kwh);
				cJSON_AddNumberToObject(o, "year",
				    e->value.year);
				cJSON_AddStringToObject(o, "basis",
				    ci_basis_name(e->value.tag.basis));
				cJSON_AddStringToObject(o, "source_text",
				    e->value.tag.text);
			}
			cJSON_AddBoolToObject(o, "live_only", !e->has_value);
			cJSON_AddItemToArray(arr, o);
			continue;
		}
		if (e->has_value) {
			ci_fmt_g(g, sizeof g, e->value.g_per_kwh);
			snprintf(year, sizeof year, "%d", e->value.year);
		} else {
			snprintf(g, sizeof g, "-");
			snprintf(year, sizeof year, "-");
		}
		printf("%-*s %9s  %4s  %-9s  %s\n", idw, e->id, g, year,
		    e->has_value ? ci_basis_name(e->value.tag.basis) : "live",
		    e->name);
	}
	if (n == 0) {
		ep_error("ci: list: no region matches '%s'", text != NULL ?
		    text : "");
		cJSON_Delete(arr);
		goto out;
	}
	status = json ? json_print(arr) : 0;
out:
	ci_table_release(&t);
	return status;
}

/* Does the locale name v say UTF-8 ("en_GB.UTF-8", "C.utf8")? */
static int
names_utf8(const char *v)
{
	for (; *v != '\0'; v++)
		if (strncasecmp(v, "utf-8", 5) == 0 ||
		    strncasecmp(v, "utf8", 4) == 0)
			return 1;
	return 0;
}

/*
 * Does the locale take UTF-8? By the variables' names, as setlocale(3)
 * would pick them, without changing the locale of the process.
 */
static int
utf8_locale(void)
{
	static const char *const vars[] = { "LC_ALL", "LC_CTYPE", "LANG" };
	const char *v;
	size_t i;

	for (i = 0; i < sizeof vars / sizeof vars[0]; i++)
		if ((v = getenv(vars[i])) != NULL && v[0] != '\0')
			return names_utf8(v);
	return 0;
}

/* "half-hourly", "hourly", "5-minute". */
static const char *
step_words(long step, char *buf, size_t size)
{
	if (step == 1800)
		return "half-hourly";
	if (step == 3600)
		return "hourly";
	if (step % 3600 == 0)
		snprintf(buf, size, "%ld-hour", step / 3600);
	else if (step % 60 == 0)
		snprintf(buf, size, "%ld-minute", step / 60);
	else
		snprintf(buf, size, "%ld-second", step);
	return buf;
}

/*
 * A sparkline of s, one column per point or per bucket of points (their
 * mean) when there are more than SPARK_MAX, with the greenest window
 * marked by '^' on the line below.
 */
static void
sparkline(const struct ci_series *s, const struct ci_summary *sum)
{
	static const char *const blocks[] = { "\u2581", "\u2582", "\u2583",
		"\u2584", "\u2585", "\u2586", "\u2587", "\u2588" };
	static const char ascii[] = "_.,-=+*#";
	size_t per = (s->n + SPARK_MAX - 1) / SPARK_MAX, cols, c, i, lo, hi;
	int utf8 = utf8_locale(), level;
	double span = sum->max - sum->min, m;
	char first[16], last[16];

	if (per == 0)
		per = 1;
	cols = (s->n + per - 1) / per;
	for (c = 0; c < cols; c++) {
		lo = c * per;
		hi = lo + per < s->n ? lo + per : s->n;
		for (m = 0, i = lo; i < hi; i++)
			m += s->g_per_kwh[i];
		m /= (double)(hi - lo);
		level = span > 0 ? (int)lround((m - sum->min) / span * 7) : 3;
		if (level < 0)
			level = 0;
		if (level > 7)
			level = 7;
		if (utf8)
			fputs(blocks[level], stdout);
		else
			putchar(ascii[level]);
	}
	putchar('\n');
	lo = sum->window_first / per;
	hi = (sum->window_first + sum->window_len - 1) / per;
	for (c = 0; c <= hi && c < cols; c++)
		putchar(c >= lo ? '^' : ' ');
	putchar('\n');
	ci_time_format(s->t[0], CI_TIME_CLOCK, first, sizeof first);
	ci_time_format(s->t[s->n - 1] + s->step_secs, CI_TIME_CLOCK, last,
	    sizeof last);
	/* The start under the first column, the end under the last. */
	if (cols >= strlen(first) + strlen(last) + 2)
		printf("%s%*s\n", first, (int)(cols - strlen(first)), last);
	else
		printf("%s to %s\n", first, last);
}

static void
forecast_text(const struct ci_result *res, const struct ci_summary *sum)
{
	const struct ci_series *s = &res->series;
	const char *what = res->origin == CI_ORIGIN_TABLE ||
	    res->origin == CI_ORIGIN_WORLD || res->origin ==
	    CI_ORIGIN_EXPLICIT ? "flat annual value" : s->tag.forecast ?
	    "forecast" : "history";
	char buf[256], a[64], b[40], g1[32], g2[32], g3[32], w[40];
	double less;

	printf("%s: %s, %s\n", id_name(res->region, res->name, buf,
	    sizeof buf), what, s->tag.text);
	if (strcmp(res->used, res->region) != 0)
		printf("value of: %s\n", id_name(res->used, res->used_name,
		    buf, sizeof buf));
	basis_words(&s->tag, buf, sizeof buf);
	printf("%s; %zu %s values, %s\n", buf, s->n,
	    step_words(s->step_secs, w, sizeof w), time_range(s->t[0],
	    s->t[s->n - 1] + s->step_secs, a, sizeof a));
	origin_words(res, buf, sizeof buf);
	printf("from %s\n\n", buf);
	sparkline(s, sum);
	putchar('\n');
	if (sum->max == sum->min) {
		printf("flat at %s g/kWh: every window is as green as any "
		    "other\n", ci_fmt_g(g1, sizeof g1, sum->mean));
		return;
	}
	printf("mean %s g/kWh, min %s at %s, max %s at %s\n",
	    ci_fmt_g(g1, sizeof g1, sum->mean),
	    ci_fmt_g(g2, sizeof g2, sum->min),
	    ci_time_format(sum->min_at, CI_TIME_HUMAN, a, sizeof a),
	    ci_fmt_g(g3, sizeof g3, sum->max),
	    ci_time_format(sum->max_at, CI_TIME_HUMAN, b, sizeof b));
	ci_age_format(sum->window_secs, w, sizeof w);
	printf("greenest %s: %s, mean %s g/kWh\n", w,
	    time_range(sum->window_start, sum->window_start +
	    (time_t)sum->window_secs, a, sizeof a),
	    ci_fmt_g(g1, sizeof g1, sum->window_mean));
	/* Against starting at once, which only a forecast can offer. */
	if (s->tag.forecast && sum->first_mean > 0 && sum->window_first > 0) {
		less = 100 * (1 - sum->window_mean / sum->first_mean);
		printf("starting now instead: mean %s g/kWh (the greenest "
		    "window is %.0f%% lower)\n", ci_fmt_g(g2, sizeof g2,
		    sum->first_mean), less);
	}
}

static int
forecast_json(const struct ci_result *res, const struct ci_summary *sum)
{
	const struct ci_series *s = &res->series;
	cJSON *o = json_head(res), *pts, *p, *so;
	char t[40];
	size_t i;

	json_common(o, res, &s->tag);
	cJSON_AddNumberToObject(o, "step_secs", (double)s->step_secs);
	pts = cJSON_AddArrayToObject(o, "points");
	for (i = 0; i < s->n; i++) {
		p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, "t", ci_time_format(s->t[i],
		    CI_TIME_ISO, t, sizeof t));
		cJSON_AddNumberToObject(p, "g_per_kwh", s->g_per_kwh[i]);
		cJSON_AddItemToArray(pts, p);
	}
	so = cJSON_AddObjectToObject(o, "summary");
	cJSON_AddNumberToObject(so, "mean", sum->mean);
	cJSON_AddNumberToObject(so, "min", sum->min);
	cJSON_AddStringToObject(so, "min_at", ci_time_format(sum->min_at,
	    CI_TIME_ISO, t, sizeof t));
	cJSON_AddNumberToObject(so, "max", sum->max);
	cJSON_AddStringToObject(so, "max_at", ci_time_format(sum->max_at,
	    CI_TIME_ISO, t, sizeof t));
	cJSON_AddNumberToObject(so, "window_secs", sum->window_secs);
	cJSON_AddStringToObject(so, "window_start", ci_time_format(
	    sum->window_start, CI_TIME_ISO, t, sizeof t));
	cJSON_AddStringToObject(so, "window_end", ci_time_format(
	    sum->window_start + (time_t)sum->window_secs, CI_TIME_ISO, t,
	    sizeof t));
	cJSON_AddNumberToObject(so, "window_mean", sum->window_mean);
	cJSON_AddNumberToObject(so, "first_mean", sum->first_mean);
	json_warnings(o, &res->warn);
	return json_print(o);
}

/* Labels an x tick (hours from the start) with its UTC clock time. */
static const char *
clock_label(double hours, char *buf, size_t size, void *data)
{
	const time_t *t0 = data;

	return ci_time_format(*t0 + (time_t)lround(hours * 3600),
	    CI_TIME_CLOCK, buf, size);
}

/* Writes the series as a step plot with the greenest window shaded. */
static int
forecast_plot(const struct ci_result *res, const struct ci_summary *sum,
    const char *path, struct ep_err *err)
{
	const struct ci_series *s = &res->series;
	struct cmd_svg svg = CMD_SVG_INIT;
	struct cmd_svg_plot p;
	double *x = NULL, *y = NULL, hours, yt[16], xt[16], x0, x1;
	size_t i, k, nyt, nxt;
	char title[320], a[40];
	time_t t0 = s->t[0];
	int ret;

	hours = (double)s->n * (double)s->step_secs / 3600.0;
	nyt = cmd_svg_ticks(sum->min < 0 ? sum->min : 0, sum->max, 8, yt);
	snprintf(title, sizeof title, "Carbon intensity of %s (%s), from %s",
	    res->region, res->name, ci_time_format(t0, CI_TIME_HUMAN, a,
	    sizeof a));
	cmd_svg_begin(&svg, 800, 360, title);
	cmd_svg_plot_init(&p, &svg, 0, hours, yt[0], yt[nyt - 1]);
	cmd_svg_text(&svg, p.left, 24, CMD_SVG_START, 14, "#111111", title);
	x0 = cmd_svg_px(&p, (double)(sum->window_start - t0) / 3600.0);
	x1 = cmd_svg_px(&p, ((double)(sum->window_start - t0) +
	    sum->window_secs) / 3600.0);
	cmd_svg_rect(&svg, x0, p.top, x1 - x0, p.h, "#2ca02c", 0.18);
	nxt = cmd_svg_ticks(0, hours, hours > 24 ? 9 : 7, xt);
	cmd_svg_axes(&svg, &p, xt, nxt, clock_label, &t0, "time (UTC)",
	    "g/kWh");
	/* A step line: each value holds for its whole interval. */
	x = ep_xcalloc(2 * s->n, sizeof *x);
	y = ep_xcalloc(2 * s->n, sizeof *y);
	for (i = 0, k = 0; i < s->n; i++) {
		double h0 = (double)(s->t[i] - t0) / 3600.0;
		double h1 = h0 + (double)s->step_secs / 3600.0;

		x[k] = cmd_svg_px(&p, h0);
		y[k++] = cmd_svg_py(&p, s->g_per_kwh[i]);
		x[k] = cmd_svg_px(&p, h1);
		y[k++] = cmd_svg_py(&p, s->g_per_kwh[i]);
	}
	cmd_svg_polyline(&svg, x, y, k, "#1f77b4", 2);
	cmd_svg_text(&svg, (x0 + x1) / 2, p.top + 14, CMD_SVG_MIDDLE, 11,
	    "#2ca02c", "greenest");
	ret = cmd_svg_write(&svg, path, err);
	free(x);
	free(y);
	cmd_svg_release(&svg);
	return ret;
}

/*
 * ecoplan ci forecast region [--hours n] [--window duration] [--live]
 * [--source source] [--json] [--plot file.svg]
 */
static int
ci_forecast(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "hours", required_argument, NULL, OPT_HOURS },
		{ "window", required_argument, NULL, OPT_WINDOW },
		{ "live", no_argument, NULL, OPT_LIVE },
		{ "source", required_argument, NULL, OPT_SOURCE },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "plot", required_argument, NULL, OPT_PLOT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct ci_request req = CI_REQUEST_INIT;
	struct ci_summary sum;
	struct ci_result res;
	struct ep_err err = EP_ERR_INIT;
	const char *plot = NULL;
	double window = 3600, span;
	char w1[40], w2[40];
	int ch, json = 0, status = 1;
	long hours;

	memset(&res, 0, sizeof res);
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (ch) {
		case OPT_HOURS:
			if (ep_parse_long(optarg, CI_HOURS_MIN, CI_HOURS_MAX,
			    &hours, &err) < 0)
				return cmd_usage_error(self(), "--hours: %s",
				    err.msg);
			req.hours = (int)hours;
			break;
		case OPT_WINDOW:
			if (ep_parse_duration(optarg, &window, &err) < 0)
				return cmd_usage_error(self(), "--window: %s",
				    err.msg);
			if (window <= 0)
				return cmd_usage_error(self(), "--window: must "
				    "be longer than zero");
			break;
		case OPT_LIVE:
			req.live = 1;
			break;
		case OPT_SOURCE:
			if (ci_source_parse(optarg, &req.source, &err) < 0)
				return cmd_usage_error(self(), "--source: %s",
				    err.msg);
			break;
		case OPT_JSON:
			json = 1;
			break;
		case OPT_PLOT:
			if (*optarg == '\0')
				return cmd_usage_error(self(), "--plot: empty "
				    "file name");
			plot = optarg;
			break;
		case 'h':
			cmd_usage(self(), stdout);
			return 0;
		default:
			return cmd_bad_option(self(), ch, argv);
		}
	}
	if (argc - optind < 1)
		return cmd_usage_error(self(), "forecast: missing region");
	if (argc - optind > 1)
		return cmd_usage_error(self(), "forecast: too many arguments");
	if (window > (double)req.hours * 3600)
		return cmd_usage_error(self(), "--window: %s is longer than "
		    "--hours (%d h)", ci_age_format(window, w1, sizeof w1),
		    req.hours);
	req.region = argv[optind];
	if (ci_resolve_series(&req, &res, &err) < 0) {
		status = fail(&err);
		goto out;
	}
	print_warnings(&res.warn);
	span = (double)res.series.n * (double)res.series.step_secs;
	if (window > span) {
		ep_error("ci: --window: %s is longer than the series (%s)",
		    ci_age_format(window, w1, sizeof w1),
		    ci_age_format(span, w2, sizeof w2));
		status = 2;
		goto out;
	}
	if (ci_series_summary(&res.series, window, &sum, &err) < 0) {
		status = fail(&err);
		goto out;
	}
	if (plot != NULL && forecast_plot(&res, &sum, plot, &err) < 0) {
		status = fail(&err);
		goto out;
	}
	if (plot != NULL && strcmp(plot, "-") == 0)
		status = 0;
	else if (json)
		status = forecast_json(&res, &sum);
	else {
		forecast_text(&res, &sum);
		status = 0;
	}
out:
	ci_result_release(&res);
	return status;
}

int
cmd_ci(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "list") == 0)
		return ci_list(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "forecast") == 0)
		return ci_forecast(argc - 1, argv + 1);
	return ci_show(argc, argv);
}
