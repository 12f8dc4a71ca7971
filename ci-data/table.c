/*
 * The compiled-in carbon-intensity tables: CSV parsing with libcsv
 * (strict mode, so that a damaged table is an error, not a silently
 * shifted column), and resolution of the region names of table.h with
 * closest-match suggestions for typos.
 */
#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <csv.h>

#include "ci-data/iso3166.h"
#include "ci-data/table.h"
#include "core/embed.h"
#include "core/mem.h"
#include "core/num.h"
#include "core/suggest.h"
#include "core/banned.h"

/* Bounds for a believable grid intensity (g/kWh) and its year. */
#define CI_MAX_G 5000.0
#define YEAR_MIN 1990
#define YEAR_MAX 2100

#define MAX_COLS 32

static const char *const uk_regions[] = {
	NULL, "North Scotland", "South Scotland", "North West England",
	"North East England", "Yorkshire", "North Wales", "South Wales",
	"West Midlands", "East Midlands", "East England",
	"South West England", "South England", "London",
	"South East England", "England", "Scotland", "Wales"
};

#define UK_MAX_ID 17

const char *
ci_uk_region_name(int id)
{
	return id >= 1 && id <= UK_MAX_ID ? uk_regions[id] : NULL;
}

/*
 * CSV reading. libcsv calls field() for each field and row() at each
 * end of record; a row is handed to the file's handler with its line
 * number (records are one line each in these tables).
 */
struct csv_ctx;
typedef int (*row_fn)(struct csv_ctx *c, struct ep_err *err);

struct csv_ctx {
	struct ci_table *t;
	const char *file;	/* name for messages */
	row_fn handler;
	char *f[MAX_COLS];	/* the current row's fields (owned) */
	size_t nf;
	int too_many;
	size_t line;
	int col[MAX_COLS];	/* header positions of the wanted columns */
	const char *const *want;	/* the wanted column names */
	size_t nwant;
	int failed;
	struct ep_err err;
};

static void
csv_field(void *s, size_t len, void *data)
{
	struct csv_ctx *c = data;

	if (c->nf >= MAX_COLS) {
		c->too_many = 1;
		return;
	}
	c->f[c->nf++] = ep_xstrndup(s != NULL ? s : "", s != NULL ? len : 0);
}

static void
row_clear(struct csv_ctx *c)
{
	size_t i;

	for (i = 0; i < c->nf; i++)
		free(c->f[i]);
	c->nf = 0;
	c->too_many = 0;
}

/* Maps the header's column names to the wanted columns. */
static int
read_header(struct csv_ctx *c, struct ep_err *err)
{
	size_t i, j;

	for (i = 0; i < c->nwant; i++) {
		c->col[i] = -1;
		for (j = 0; j < c->nf; j++)
			if (strcmp(c->f[j], c->want[i]) == 0)
				c->col[i] = (int)j;
		if (c->col[i] < 0)
			return ep_fail(err, EP_EPARSE, "%s:1: missing column "
			    "'%s'", c->file, c->want[i]);
	}
	return 0;
}

static void
csv_row(int ch, void *data)
{
	struct csv_ctx *c = data;

	(void)ch;
	c->line++;
	if (c->failed)
		goto out;
	if (c->too_many) {
		ep_fail(&c->err, EP_EPARSE, "%s:%zu: more than %d fields",
		    c->file, c->line, MAX_COLS);
		c->failed = 1;
		goto out;
	}
	if (c->line == 1) {
		if (read_header(c, &c->err) < 0)
			c->failed = 1;
		goto out;
	}
	if (c->handler(c, &c->err) < 0)
		c->failed = 1;
out:
	row_clear(c);
}

/* The current row's field for wanted column i ("" when short). */
static const char *
fld(const struct csv_ctx *c, size_t i)
{
	int k = c->col[i];

	return k >= 0 && (size_t)k < c->nf ? c->f[k] : "";
}

/* Puts the place in front of a number parser's message: a table error. */
static int
field_error(const struct csv_ctx *c, size_t i, struct ep_err *err)
{
	ep_err_prefix(err, "%s:%zu: %s", c->file, c->line, c->want[i]);
	err->code = EP_EPARSE;
	return -1;
}

/* Parses wanted column i as a number in [min, max]. */
static int
fld_double(const struct csv_ctx *c, size_t i, double min, double max,
    double *out, struct ep_err *err)
{
	if (ep_parse_double(fld(c, i), min, max, out, err) < 0)
		return field_error(c, i, err);
	return 0;
}

static int
fld_year(const struct csv_ctx *c, size_t i, int *out, struct ep_err *err)
{
	long y;

	if (ep_parse_long(fld(c, i), YEAR_MIN, YEAR_MAX, &y, err) < 0)
		return field_error(c, i, err);
	*out = (int)y;
	return 0;
}

/* A latitude or longitude, NaN when the field is empty. */
static int
fld_coord(const struct csv_ctx *c, size_t i, double lim, double *out,
    struct ep_err *err)
{
	if (fld(c, i)[0] == '\0') {
		*out = (double)NAN;
		return 0;
	}
	return fld_double(c, i, -lim, lim, out, err);
}

static struct ci_entry *
entry_new(struct ci_table *t, enum ci_kind kind)
{
	struct ci_entry *e;

	t->e = ep_xreallocarray(t->e, t->n + 1, sizeof *t->e);
	e = &t->e[t->n++];
	memset(e, 0, sizeof *e);
	e->kind = kind;
	ci_value_init(&e->value);
	e->lat = (double)NAN;
	e->lon = (double)NAN;
	return e;
}

/* Fills the annual value of e: Ember-style lifecycle, production. */
static void
entry_annual(struct ci_entry *e, double g, int year, const char *source)
{
	e->has_value = 1;
	e->value.g_per_kwh = g;
	e->value.year = year;
	e->value.tag.source = CI_SRC_TABLE;
	e->value.tag.basis = CI_BASIS_LIFECYCLE;
	e->value.tag.signal = CI_SIGNAL_AVERAGE;
	e->value.tag.accounting = CI_ACCT_PRODUCTION;
	ci_text_clean(e->value.tag.text, sizeof e->value.tag.text, source);
}

/* Checks an ISO 3166-1 alpha-3 field and fills e's country codes. */
static int
set_country(struct csv_ctx *c, struct ci_entry *e, const char *iso3,
    struct ep_err *err)
{
	const char *a2;

	if (strlen(iso3) != 3)
		return ep_fail(err, EP_EPARSE, "%s:%zu: iso_code: '%s': not "
		    "an ISO 3166-1 alpha-3 code", c->file, c->line, iso3);
	snprintf(e->iso3, sizeof e->iso3, "%s", iso3);
	if ((a2 = ci_iso_alpha2(iso3)) != NULL)
		snprintf(e->iso2, sizeof e->iso2, "%s", a2);
	return 0;
}

enum { CO_ISO, CO_NAME, CO_YEAR, CO_G, CO_SOURCE };
static const char *const country_cols[] = {
	"iso_code", "country", "year", "carbon_intensity_gco2_per_kwh",
	"source"
};

static int
country_row(struct csv_ctx *c, struct ep_err *err)
{
	struct ci_entry *e = entry_new(c->t, CI_KIND_COUNTRY);
	double g;
	int year;

	if (set_country(c, e, fld(c, CO_ISO), err) < 0 ||
	    fld_year(c, CO_YEAR, &year, err) < 0 ||
	    fld_double(c, CO_G, 0, CI_MAX_G, &g, err) < 0)
		return -1;
	e->id = ep_xstrdup(e->iso2[0] != '\0' ? e->iso2 : e->iso3);
	e->name = ep_xstrdup(fld(c, CO_NAME));
	entry_annual(e, g, year, fld(c, CO_SOURCE));
	return 0;
}

enum { AG_NAME, AG_YEAR, AG_G, AG_SOURCE };
static const char *const aggregate_cols[] = {
	"region", "year", "carbon_intensity_gco2_per_kwh", "source"
};

static int
aggregate_row(struct csv_ctx *c, struct ep_err *err)
{
	struct ci_entry *e = entry_new(c->t, CI_KIND_AGGREGATE);
	double g;
	int year;

	if (fld(c, AG_NAME)[0] == '\0')
		return ep_fail(err, EP_EPARSE, "%s:%zu: region: empty",
		    c->file, c->line);
	if (fld_year(c, AG_YEAR, &year, err) < 0 ||
	    fld_double(c, AG_G, 0, CI_MAX_G, &g, err) < 0)
		return -1;
	e->id = ep_xstrdup(fld(c, AG_NAME));
	e->name = ep_xstrdup(fld(c, AG_NAME));
	entry_annual(e, g, year, fld(c, AG_SOURCE));
	return 0;
}

enum { SU_ISO, SU_CODE, SU_NAME, SU_YEAR, SU_SCALED, SU_SOURCE };
static const char *const subdiv_cols[] = {
	"iso_code", "subdivision_code", "subdivision", "year",
	"scaled_to_national_lifecycle_gco2_per_kwh", "source"
};

static int
subdiv_row(struct csv_ctx *c, struct ep_err *err)
{
	const char *name = fld(c, SU_NAME), *code = fld(c, SU_CODE);
	size_t nl = strlen(name);
	struct ci_entry *e;
	char src[CI_TEXT_MAX];
	double g;
	int year;

	/* "US Total" and "India Total" repeat the country table. */
	if (nl >= 6 && strcmp(name + nl - 6, " Total") == 0)
		return 0;
	e = entry_new(c->t, CI_KIND_SUBDIV);
	if (set_country(c, e, fld(c, SU_ISO), err) < 0 ||
	    fld_year(c, SU_YEAR, &year, err) < 0 ||
	    fld_double(c, SU_SCALED, 0, CI_MAX_G, &g, err) < 0)
		return -1;
	if (name[0] == '\0')
		return ep_fail(err, EP_EPARSE, "%s:%zu: subdivision: empty",
		    c->file, c->line);
	if (code[0] != '\0' && strncasecmp(code, e->iso2, 2) != 0)
		return ep_fail(err, EP_EPARSE, "%s:%zu: subdivision_code: "
		    "'%s' is not in %s", c->file, c->line, code, e->iso3);
	e->id = ep_xstrdup(code[0] != '\0' ? code : name);
	e->name = ep_xstrdup(name);
	snprintf(src, sizeof src, "%s, scaled to the national lifecycle "
	    "figure", fld(c, SU_SOURCE));
	entry_annual(e, g, year, src);
	return 0;
}

enum { CL_PROVIDER, CL_REGION, CL_LOCATION, CL_ISO, CL_G, CL_YEAR,
	CL_SOURCE, CL_LAT, CL_LON };
static const char *const cloud_cols[] = {
	"provider", "region", "location", "iso_code",
	"grid_ci_gco2_per_kwh", "ci_year", "ci_source", "latitude",
	"longitude"
};

static int
cloud_row(struct csv_ctx *c, struct ep_err *err)
{
	const char *prov = fld(c, CL_PROVIDER), *reg = fld(c, CL_REGION);
	const char *src = fld(c, CL_SOURCE);
	struct ci_entry *e = entry_new(c->t, CI_KIND_CLOUD);
	double g;
	int year;

	if (strcmp(prov, "aws") != 0 && strcmp(prov, "gcp") != 0 &&
	    strcmp(prov, "azure") != 0)
		return ep_fail(err, EP_EPARSE, "%s:%zu: provider: '%s': not "
		    "aws, gcp or azure", c->file, c->line, prov);
	if (reg[0] == '\0')
		return ep_fail(err, EP_EPARSE, "%s:%zu: region: empty",
		    c->file, c->line);
	if (set_country(c, e, fld(c, CL_ISO), err) < 0 ||
	    fld_year(c, CL_YEAR, &year, err) < 0 ||
	    fld_double(c, CL_G, 0, CI_MAX_G, &g, err) < 0 ||
	    fld_coord(c, CL_LAT, 90, &e->lat, err) < 0 ||
	    fld_coord(c, CL_LON, 180, &e->lon, err) < 0)
		return -1;
	e->id = ep_xasprintf("%s:%s", prov, reg);
	e->name = ep_xstrdup(fld(c, CL_LOCATION));
	entry_annual(e, g, year, src);
	/* Google publishes operational (direct) figures for its regions,
	 * location-based; the others are Ember's lifecycle values. */
	if (strstr(src, "operational") != NULL) {
		e->value.tag.basis = CI_BASIS_DIRECT;
		e->value.tag.accounting = CI_ACCT_UNKNOWN;
	}
	return 0;
}

static const struct {
	const char *name;	/* embedded data file */
	const char *const *cols;
	size_t ncols;
	row_fn row;
} files[] = {
	{ "ci-data/aggregates_ci_latest.csv", aggregate_cols,
	    sizeof aggregate_cols / sizeof aggregate_cols[0], aggregate_row },
	{ "ci-data/country_ci_latest.csv", country_cols,
	    sizeof country_cols / sizeof country_cols[0], country_row },
	{ "ci-data/subnational_ci_latest.csv", subdiv_cols,
	    sizeof subdiv_cols / sizeof subdiv_cols[0], subdiv_row },
	{ "ci-data/cloud_regions_ci.csv", cloud_cols,
	    sizeof cloud_cols / sizeof cloud_cols[0], cloud_row },
};

static int
load_file(struct ci_table *t, size_t fi, struct ep_err *err)
{
	struct ep_data d = EP_DATA_INIT;
	struct csv_parser p;
	struct csv_ctx c;
	int inited = 0, ret = -1, ce;

	memset(&c, 0, sizeof c);
	if (ep_data_get(files[fi].name, &d, err) < 0)
		goto out;
	c.t = t;
	c.file = d.buf != NULL ? d.origin : files[fi].name;
	c.handler = files[fi].row;
	c.want = files[fi].cols;
	c.nwant = files[fi].ncols;
	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) !=
	    0) {
		ep_fail(err, EP_ENOMEM, "%s: cannot start the CSV parser",
		    c.file);
		goto out;
	}
	inited = 1;
	if (csv_parse(&p, d.data, d.size, csv_field, csv_row, &c) != d.size ||
	    csv_fini(&p, csv_field, csv_row, &c) != 0) {
		ce = csv_error(&p);
		if (c.failed)
			*err = c.err;
		else
			ep_fail(err, EP_EPARSE, "%s:%zu: %s", c.file,
			    c.line + 1, csv_strerror(ce));
		goto out;
	}
	if (c.failed) {
		*err = c.err;
		goto out;
	}
	if (c.line < 2) {
		ep_fail(err, EP_EPARSE, "%s: no rows", c.file);
		goto out;
	}
	ret = 0;
out:
	row_clear(&c);
	if (inited)
		csv_free(&p);
	ep_data_release(&d);
	return ret;
}

static int
cmp_id(const void *a, const void *b)
{
	const struct ci_entry *x = a, *y = b;

	return strcasecmp(x->id, y->id);
}

int
ci_table_load(struct ci_table *t, struct ep_err *err)
{
	size_t i, first;
	int id;

	t->e = NULL;
	t->n = 0;
	for (i = 0; i < sizeof files / sizeof files[0]; i++) {
		first = t->n;
		if (load_file(t, i, err) < 0) {
			ci_table_release(t);
			return -1;
		}
		/* Countries come sorted by alpha-3; list them by alpha-2. */
		if (files[i].row == country_row)
			qsort(t->e + first, t->n - first, sizeof *t->e, cmp_id);
	}
	for (id = 1; id <= UK_MAX_ID; id++) {
		struct ci_entry *e = entry_new(t, CI_KIND_UK);

		e->id = ep_xasprintf("uk:%d", id);
		e->name = ep_xstrdup(uk_regions[id]);
		e->uk_id = id;
		snprintf(e->iso2, sizeof e->iso2, "GB");
		snprintf(e->iso3, sizeof e->iso3, "GBR");
	}
	/* Name the country of every state, cloud and UK region, so that
	 * a search for "india" finds Kerala. */
	for (i = 0; i < t->n; i++) {
		const struct ci_entry *c;

		if (t->e[i].kind != CI_KIND_COUNTRY &&
		    t->e[i].iso3[0] != '\0' &&
		    (c = ci_table_country(t, t->e[i].iso3)) != NULL)
			t->e[i].country = ep_xstrdup(c->name);
	}
	return 0;
}

void
ci_table_release(struct ci_table *t)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		free(t->e[i].id);
		free(t->e[i].name);
		free(t->e[i].country);
	}
	free(t->e);
	t->e = NULL;
	t->n = 0;
}

const struct ci_entry *
ci_table_world(const struct ci_table *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->e[i].kind == CI_KIND_AGGREGATE &&
		    strcasecmp(t->e[i].id, "World") == 0)
			return &t->e[i];
	return NULL;
}

const struct ci_entry *
ci_table_country(const struct ci_table *t, const char *iso3)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->e[i].kind == CI_KIND_COUNTRY &&
		    strcasecmp(t->e[i].iso3, iso3) == 0)
			return &t->e[i];
	return NULL;
}

/* Case-insensitive strstr. */
static int
contains(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay != '\0'; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return 1;
	return n == 0;
}

int
ci_entry_matches(const struct ci_entry *e, const char *text)
{
	if (text == NULL || text[0] == '\0')
		return 1;
	return contains(e->id, text) || contains(e->name, text) ||
	    (e->iso3[0] != '\0' && contains(e->iso3, text)) ||
	    (e->country != NULL && contains(e->country, text));
}

/* Lower-case letters and digits of s only, into buf. */
static void
squash(const char *s, char *buf, size_t size)
{
	size_t o = 0;

	for (; *s != '\0' && o + 1 < size; s++)
		if (isalnum((unsigned char)*s))
			buf[o++] = (char)tolower((unsigned char)*s);
	buf[o] = '\0';
}

/* Do two names match, ignoring case, spaces and punctuation? */
static int
name_eq(const char *a, const char *b)
{
	char x[128], y[128];

	squash(a, x, sizeof x);
	squash(b, y, sizeof y);
	return x[0] != '\0' && strcmp(x, y) == 0;
}

static void
region_from_entry(struct ci_region *r, const struct ci_entry *e)
{
	r->kind = e->kind;
	snprintf(r->id, sizeof r->id, "%s", e->id);
	snprintf(r->name, sizeof r->name, "%s", e->name);
	snprintf(r->iso2, sizeof r->iso2, "%s", e->iso2);
	r->entry = e->has_value ? e : NULL;
	r->lat = e->lat;
	r->lon = e->lon;
	r->uk_id = e->uk_id;
}

/* The first entry of kind (any kind when kind < 0) satisfying pred. */
static const struct ci_entry *
find(const struct ci_table *t, int kind,
    int (*pred)(const struct ci_entry *, const char *), const char *s)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if ((kind < 0 || (int)t->e[i].kind == kind) &&
		    pred(&t->e[i], s))
			return &t->e[i];
	return NULL;
}

static int
by_id(const struct ci_entry *e, const char *s)
{
	return strcasecmp(e->id, s) == 0;
}

static int
by_name(const struct ci_entry *e, const char *s)
{
	return name_eq(e->name, s);
}

/*
 * Suggestions. Each entry scores its smallest edit distance from the
 * word (over id, name and alpha-3 code); a name that contains the word
 * scores 1. The best three within a third of the word's length (at
 * least one edit) are offered.
 */
#define NSUGGEST 3

static size_t
score(const struct ci_entry *e, const char *word, size_t skip)
{
	size_t d, best = SIZE_MAX;
	char w[128], n[128];

	if ((d = ep_edit_distance(e->id + skip, word)) < best)
		best = d;
	if ((d = ep_edit_distance(e->name, word)) < best)
		best = d;
	if (e->kind == CI_KIND_COUNTRY &&
	    (d = ep_edit_distance(e->iso3, word)) < best)
		best = d;
	squash(word, w, sizeof w);
	squash(e->name, n, sizeof n);
	if (strlen(w) >= 3 && strstr(n, w) != NULL && best > 1)
		best = 1;
	return best;
}

/*
 * Writes "'SPEC': unknown region; did you mean A (Name), B (Name) or C
 * (Name)?" into err, considering entries of kind (any when < 0) whose id
 * starts with prefix (of which skip characters are left out of the
 * comparison).
 */
static int
unknown(const struct ci_table *t, const char *spec, int kind,
    const char *prefix, const char *what, struct ep_err *err)
{
	const struct ci_entry *best[NSUGGEST] = { NULL };
	size_t dist[NSUGGEST], i, j, k, d, limit, skip = strlen(prefix);
	const char *word = spec + skip;
	char msg[EP_ERR_MSG_MAX];
	size_t len;

	limit = strlen(word) / 3;
	if (limit < 1)
		limit = 1;
	for (i = 0; i < NSUGGEST; i++)
		dist[i] = SIZE_MAX;
	for (i = 0; i < t->n; i++) {
		const struct ci_entry *e = &t->e[i];

		if ((kind >= 0 && (int)e->kind != kind) ||
		    strncasecmp(e->id, prefix, skip) != 0)
			continue;
		if ((d = score(e, word, skip)) > limit)
			continue;
		for (j = 0; j < NSUGGEST && dist[j] <= d; j++)
			;
		if (j == NSUGGEST)
			continue;
		for (k = NSUGGEST - 1; k > j; k--) {
			best[k] = best[k - 1];
			dist[k] = dist[k - 1];
		}
		best[j] = e;
		dist[j] = d;
	}
	len = (size_t)snprintf(msg, sizeof msg, "'%.60s': unknown %s", spec,
	    what);
	if (best[0] == NULL) {
		snprintf(msg + len, sizeof msg - len,
		    "; see 'ecoplan ci list'");
		return ep_fail(err, EP_EUSAGE, "%s", msg);
	}
	len += (size_t)snprintf(msg + len, sizeof msg - len, "; did you mean ");
	for (i = 0; i < NSUGGEST && best[i] != NULL && len < sizeof msg; i++) {
		const char *sep = i == 0 ? "" :
		    (i + 1 < NSUGGEST && best[i + 1] != NULL) ? ", " : " or ";

		len += (size_t)snprintf(msg + len, sizeof msg - len,
		    "%s%s (%s)", sep, best[i]->id, best[i]->name);
	}
	if (len < sizeof msg)
		snprintf(msg + len, sizeof msg - len, "?");
	return ep_fail(err, EP_EUSAGE, "%s", msg);
}

/* Is s a zone or region name an API would take: [A-Za-z0-9_-], 1-63? */
static int
zone_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n >= 64)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' &&
		    s[i] != '_')
			return 0;
	return 1;
}

static void
upcase(char *s)
{
	for (; *s != '\0'; s++)
		*s = (char)toupper((unsigned char)*s);
}

/* The country entry of an alpha-2 code, or NULL. */
static const struct ci_entry *
country2(const struct ci_table *t, const char *a2)
{
	const char *a3 = ci_iso_alpha3(a2);

	return a3 != NULL ? ci_table_country(t, a3) : NULL;
}

/* em:ZONE and wt:REGION: live-only names, falling back on a country. */
static int
parse_live_name(const struct ci_table *t, const char *spec, const char *val,
    enum ci_kind kind, struct ci_region *r, struct ep_err *err)
{
	const char *what = kind == CI_KIND_EM ? "Electricity Maps zone" :
	    "WattTime region";
	const struct ci_entry *c;
	char cc[3];

	if (!zone_ok(val))
		return ep_fail(err, EP_EUSAGE, "'%.60s': bad %s: use letters, "
		    "digits, '-' and '_'", spec, what);
	r->kind = kind;
	snprintf(r->zone, sizeof r->zone, "%s", val);
	upcase(r->zone);
	snprintf(r->id, sizeof r->id, "%s:%s", kind == CI_KIND_EM ? "em" :
	    "wt", r->zone);
	snprintf(r->name, sizeof r->name, "%s", what);
	/* Electricity Maps zones start with their country ("DK-DK1");
	 * a WattTime region counts only when it is a country code. */
	c = NULL;
	if (isalpha((unsigned char)r->zone[0]) &&
	    isalpha((unsigned char)r->zone[1]) &&
	    (r->zone[2] == '\0' || (kind == CI_KIND_EM &&
	    r->zone[2] == '-'))) {
		cc[0] = r->zone[0];
		cc[1] = r->zone[1];
		cc[2] = '\0';
		c = country2(t, cc);
	}
	if (c != NULL) {
		r->fallback = c;
		snprintf(r->iso2, sizeof r->iso2, "%s", c->iso2);
		snprintf(r->name, sizeof r->name, "%s", c->name);
	}
	return 0;
}

static int
parse_uk(const struct ci_table *t, const char *spec, const char *val,
    struct ci_region *r, struct ep_err *err)
{
	const struct ci_entry *e = NULL;
	struct ep_err perr = EP_ERR_INIT;
	char id[16];
	long n;

	if (isdigit((unsigned char)val[0]) || val[0] == '-' || val[0] == '+') {
		if (ep_parse_long(val, 1, UK_MAX_ID, &n, &perr) < 0)
			return ep_fail(err, EP_EUSAGE, "'%.60s': UK region ids "
			    "are 1 to %d (see 'ecoplan ci list uk:')", spec,
			    UK_MAX_ID);
		snprintf(id, sizeof id, "uk:%ld", n);
		e = find(t, CI_KIND_UK, by_id, id);
	} else {
		e = find(t, CI_KIND_UK, by_name, val);
	}
	if (e == NULL)
		return unknown(t, spec, CI_KIND_UK, "uk:", "UK region", err);
	region_from_entry(r, e);
	r->fallback = ci_table_country(t, "GBR");
	return 0;
}

static int
parse_cloud(const struct ci_table *t, const char *prov, const char *val,
    struct ci_region *r, struct ep_err *err)
{
	const struct ci_entry *e;
	char id[128], prefix[24];

	snprintf(id, sizeof id, "%s:%s", prov, val);
	snprintf(prefix, sizeof prefix, "%s:", prov);
	if ((e = find(t, CI_KIND_CLOUD, by_id, id)) == NULL)
		return unknown(t, id, CI_KIND_CLOUD, prefix, "cloud region",
		    err);
	region_from_entry(r, e);
	snprintf(r->provider, sizeof r->provider, "%s", prov);
	snprintf(r->cloud, sizeof r->cloud, "%s", e->id + strlen(prefix));
	return 0;
}

/* "CC-XXX": an ISO 3166-2 subdivision code? */
static int
subdiv_shape(const char *s)
{
	size_t n = strlen(s), i;

	if (n < 4 || n > 6 || !isalpha((unsigned char)s[0]) ||
	    !isalpha((unsigned char)s[1]) || s[2] != '-')
		return 0;
	for (i = 3; i < n; i++)
		if (!isalnum((unsigned char)s[i]))
			return 0;
	return 1;
}

int
ci_region_parse(const struct ci_table *t, const char *spec,
    struct ci_region *r, struct ep_err *err)
{
	const struct ci_entry *e;
	const char *colon;
	char pre[16], cc[3];
	size_t plen;

	memset(r, 0, sizeof *r);
	r->lat = (double)NAN;
	r->lon = (double)NAN;
	if (spec == NULL || spec[0] == '\0')
		return ep_fail(err, EP_EUSAGE, "empty region name");
	if (strlen(spec) > 80)
		return ep_fail(err, EP_EUSAGE, "'%.40s...': region name too "
		    "long", spec);
	if ((colon = strchr(spec, ':')) != NULL) {
		plen = (size_t)(colon - spec);
		if (plen >= sizeof pre)
			plen = sizeof pre - 1;
		memcpy(pre, spec, plen);
		pre[plen] = '\0';
		if (colon[1] == '\0')
			return ep_fail(err, EP_EUSAGE, "'%s': nothing after "
			    "'%s:'", spec, pre);
		if (strcasecmp(pre, "uk") == 0)
			return parse_uk(t, spec, colon + 1, r, err);
		if (strcasecmp(pre, "em") == 0)
			return parse_live_name(t, spec, colon + 1, CI_KIND_EM,
			    r, err);
		if (strcasecmp(pre, "wt") == 0)
			return parse_live_name(t, spec, colon + 1, CI_KIND_WT,
			    r, err);
		if (strcasecmp(pre, "aws") == 0 ||
		    strcasecmp(pre, "gcp") == 0 ||
		    strcasecmp(pre, "azure") == 0) {
			for (plen = 0; pre[plen] != '\0'; plen++)
				pre[plen] = (char)tolower(
				    (unsigned char)pre[plen]);
			return parse_cloud(t, pre, colon + 1, r, err);
		}
		return ep_fail(err, EP_EUSAGE, "'%.60s': unknown region prefix "
		    "'%s'; prefixes are aws:, gcp:, azure:, uk:, em: and wt:",
		    spec, pre);
	}
	/* Aggregates first: "EU" and "G7" are not country codes. */
	if ((e = find(t, CI_KIND_AGGREGATE, by_name, spec)) != NULL ||
	    (strlen(spec) == 2 && (e = country2(t, spec)) != NULL) ||
	    (strlen(spec) == 3 && (e = ci_table_country(t, spec)) != NULL) ||
	    (e = find(t, CI_KIND_SUBDIV, by_id, spec)) != NULL ||
	    (e = find(t, CI_KIND_COUNTRY, by_name, spec)) != NULL ||
	    (e = find(t, CI_KIND_SUBDIV, by_name, spec)) != NULL) {
		region_from_entry(r, e);
		return 0;
	}
	/* A subdivision the table lacks: its country stands in, except
	 * in the US, where every state is there and a miss is a typo. */
	if (subdiv_shape(spec)) {
		cc[0] = spec[0];
		cc[1] = spec[1];
		cc[2] = '\0';
		if ((e = country2(t, cc)) != NULL &&
		    strcmp(e->iso3, "USA") != 0) {
			r->kind = CI_KIND_SUBDIV;
			snprintf(r->id, sizeof r->id, "%s", spec);
			upcase(r->id);
			snprintf(r->name, sizeof r->name, "%s", e->name);
			snprintf(r->iso2, sizeof r->iso2, "%s", e->iso2);
			r->fallback = e;
			return 0;
		}
		if (e != NULL)
			return unknown(t, spec, CI_KIND_SUBDIV, "", "region",
			    err);
	}
	return unknown(t, spec, -1, "", "region", err);
}
