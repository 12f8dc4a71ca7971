/*
 * CodeCarbon emissions.csv → profile. The file is fed to libcsv one
 * physical line at a time so that every row knows the line it started
 * on; a row whose field count differs from the header's is set aside,
 * never realigned, because CodeCarbon's append bug drops fields from
 * the middle of a row and no position of the remaining ones can be
 * trusted.
 */
#include <csv.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/mem.h"
#include "core/num.h"
#include "profiles/import_codecarbon.h"
#include "profiles/meter_estimate.h"
#include "core/banned.h"

#define MAX_FIELDS 512

enum col {
	C_PROJECT, C_DURATION, C_EMISSIONS, C_ENERGY, C_CPU_W, C_GPU_W,
	C_RAM_W, C_CPU_KWH, C_GPU_KWH, C_RAM_KWH, C_VERSION, C_TRACKING,
	C_CPU_MODEL, C_GPU_MODEL, C_OS, C_CPU_COUNT, C_RAM_TOTAL, C_PUE,
	C_COUNT
};

static const char *const col_names[C_COUNT] = {
	"project_name", "duration", "emissions", "energy_consumed",
	"cpu_power", "gpu_power", "ram_power", "cpu_energy", "gpu_energy",
	"ram_energy", "codecarbon_version", "tracking_mode", "cpu_model",
	"gpu_model", "os", "cpu_count", "ram_total_size", "pue"
};

/* What a row says about the host; only the first kept row's is used. */
struct row_text {
	char version[24];
	char tracking[16];
	char cpu[128];
	char gpu[128];
	char os[128];
	double cpu_count, ram_gb, pue;
};

struct ctx {
	const char *what;
	struct ep_err *err;
	int failed;
	size_t line;		/* the line being fed */
	size_t row_line;	/* the line the current row started on */
	char **fields;		/* the current row */
	size_t nf;		/* fields seen in it (may exceed MAX_FIELDS) */
	int have_header;
	size_t n_header;
	int col[C_COUNT];	/* header index of each column, or -1 */
	struct prof_cc_import *im;
	struct row_text *text;
	size_t cap;
};

static void
trim(char *s)
{
	size_t n = strlen(s), i = 0;

	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
	    s[n - 1] == '\r'))
		s[--n] = '\0';
	while (s[i] == ' ' || s[i] == '\t')
		i++;
	if (i > 0)
		memmove(s, s + i, n - i + 1);
}

static const char *
field(const struct ctx *c, enum col k)
{
	if (c->col[k] < 0 || (size_t)c->col[k] >= c->nf)
		return "";
	return c->fields[c->col[k]];
}

/* A numeric column: NaN when the column is missing or the field empty. */
static int
number(struct ctx *c, enum col k, double *out)
{
	const char *s = field(c, k);
	struct ep_err e = EP_ERR_INIT;

	*out = (double)NAN;
	if (*s == '\0')
		return 0;
	if (ep_parse_double(s, -1e300, 1e300, out, &e) < 0) {
		ep_fail(c->err, EP_EPARSE, "%s:%zu: %s: %s", c->what,
		    c->row_line, col_names[k], e.msg);
		c->failed = 1;
		return -1;
	}
	if (*out < 0) {
		ep_fail(c->err, EP_EPARSE, "%s:%zu: %s: '%s': must not be "
		    "negative", c->what, c->row_line, col_names[k], s);
		c->failed = 1;
		return -1;
	}
	return 0;
}

static void
text(const struct ctx *c, enum col k, char *buf, size_t size)
{
	snprintf(buf, size, "%s", field(c, k));
}

static void
take_header(struct ctx *c)
{
	size_t i;
	int k;

	for (k = 0; k < C_COUNT; k++)
		c->col[k] = -1;
	for (i = 0; i < c->nf && i < MAX_FIELDS; i++) {
		char *name = c->fields[i];

		/* A UTF-8 byte-order mark before the first name. */
		if (i == 0 && strncmp(name, "\xef\xbb\xbf", 3) == 0)
			memmove(name, name + 3, strlen(name + 3) + 1);
		trim(name);
		for (k = 0; k < C_COUNT; k++)
			if (c->col[k] < 0 && strcmp(name, col_names[k]) == 0)
				c->col[k] = (int)i;
	}
	c->n_header = c->nf;
	c->have_header = 1;
	if (c->col[C_ENERGY] < 0 && c->col[C_CPU_KWH] < 0 &&
	    c->col[C_GPU_KWH] < 0 && c->col[C_RAM_KWH] < 0) {
		ep_fail(c->err, EP_EPARSE, "%s:%zu: no energy_consumed column "
		    "(nor cpu_energy, gpu_energy, ram_energy): not a "
		    "CodeCarbon emissions file?", c->what, c->row_line);
		c->failed = 1;
	}
}

/* More logical CPUs than any machine CodeCarbon runs on has. */
#define CPU_COUNT_MAX 1048576

static void
take_row(struct ctx *c)
{
	struct prof_cc_import *im = c->im;
	struct prof_cc_row r;
	struct row_text t;
	double parts[3];
	int k, known = 0;

	if (c->nf != c->n_header) {
		if (im->n_skipped < PROF_CC_MAX_SKIPPED) {
			struct prof_cc_skip *s = &im->skipped[im->n_skipped];

			s->line = c->row_line;
			s->fields = c->nf;
			s->expected = c->n_header;
		}
		im->n_skipped++;
		return;
	}
	memset(&r, 0, sizeof r);
	memset(&t, 0, sizeof t);
	r.line = c->row_line;
	text(c, C_PROJECT, r.project, sizeof r.project);
	if (number(c, C_DURATION, &r.duration_secs) < 0 ||
	    number(c, C_ENERGY, &r.energy_kwh) < 0 ||
	    number(c, C_EMISSIONS, &r.emissions_g) < 0 ||
	    number(c, C_CPU_W, &r.cpu_watts) < 0 ||
	    number(c, C_GPU_W, &r.gpu_watts) < 0 ||
	    number(c, C_RAM_W, &r.ram_watts) < 0 ||
	    number(c, C_CPU_KWH, &r.cpu_kwh) < 0 ||
	    number(c, C_GPU_KWH, &r.gpu_kwh) < 0 ||
	    number(c, C_RAM_KWH, &r.ram_kwh) < 0 ||
	    number(c, C_CPU_COUNT, &t.cpu_count) < 0 ||
	    number(c, C_RAM_TOTAL, &t.ram_gb) < 0 ||
	    number(c, C_PUE, &t.pue) < 0)
		return;
	/* A count of logical CPUs (a profile keeps it as an int). */
	if (!isnan(t.cpu_count) && (t.cpu_count != floor(t.cpu_count) ||
	    t.cpu_count > CPU_COUNT_MAX)) {
		ep_fail(c->err, EP_EPARSE, "%s:%zu: cpu_count: '%s': not a "
		    "whole number of CPUs up to %d", c->what, c->row_line,
		    field(c, C_CPU_COUNT), CPU_COUNT_MAX);
		c->failed = 1;
		return;
	}
	r.emissions_g *= 1000;		/* kg → g; NaN stays NaN */
	if (isnan(r.energy_kwh)) {
		/* v2+ without the total: the parts add up to it. */
		parts[0] = r.cpu_kwh;
		parts[1] = r.gpu_kwh;
		parts[2] = r.ram_kwh;
		r.energy_kwh = 0;
		for (k = 0; k < 3; k++)
			if (!isnan(parts[k])) {
				r.energy_kwh += parts[k];
				known = 1;
			}
		if (!known) {
			ep_fail(c->err, EP_EPARSE, "%s:%zu: energy_consumed: "
			    "empty", c->what, c->row_line);
			c->failed = 1;
			return;
		}
	}
	text(c, C_VERSION, t.version, sizeof t.version);
	text(c, C_TRACKING, t.tracking, sizeof t.tracking);
	text(c, C_CPU_MODEL, t.cpu, sizeof t.cpu);
	text(c, C_GPU_MODEL, t.gpu, sizeof t.gpu);
	text(c, C_OS, t.os, sizeof t.os);
	if (im->n_rows == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 16;
		im->rows = ep_xrealloc(im->rows, c->cap * sizeof *im->rows);
		c->text = ep_xrealloc(c->text, c->cap * sizeof *c->text);
	}
	c->text[im->n_rows] = t;
	im->rows[im->n_rows++] = r;
}

static void
on_field(void *s, size_t len, void *data)
{
	struct ctx *c = data;

	if (c->failed)
		return;
	if (c->nf == 0)
		c->row_line = c->line;
	if (c->nf < MAX_FIELDS)
		c->fields[c->nf] = ep_xstrdup(s != NULL ? s : "");
	c->nf++;
	(void)len;
}

static void
on_row(int term, void *data)
{
	struct ctx *c = data;
	size_t i;

	(void)term;
	if (!c->failed) {
		if (c->nf == 0)
			c->row_line = c->line;
		if (!c->have_header)
			take_header(c);
		else
			take_row(c);
	}
	for (i = 0; i < c->nf && i < MAX_FIELDS; i++)
		free(c->fields[i]);
	c->nf = 0;
}

/* Does project contain word (case ignored) between separators? */
static int
has_word(const char *project, const char *word)
{
	size_t n = strlen(word);
	const char *p = project;

	if (n == 0)
		return 0;
	for (; *p != '\0'; p++) {
		if (p != project && strchr("_-./", p[-1]) == NULL)
			continue;
		if (strncasecmp(p, word, n) == 0 &&
		    (p[n] == '\0' || strchr("_-./", p[n]) != NULL))
			return 1;
	}
	return 0;
}

/* Keeps the rows of model's project when the file mixes projects. */
static void
filter_projects(struct prof_cc_import *im, struct row_text *text,
    const char *model)
{
	size_t i, j, kept = 0;

	for (i = 1; i < im->n_rows; i++)
		if (strcmp(im->rows[i].project, im->rows[0].project) != 0)
			break;
	if (i == im->n_rows || model == NULL)
		return;
	for (i = 0; i < im->n_rows; i++)
		if (has_word(im->rows[i].project, model))
			kept++;
	if (kept == 0)
		return;
	for (i = j = 0; i < im->n_rows; i++) {
		if (!has_word(im->rows[i].project, model))
			continue;
		im->rows[j] = im->rows[i];
		text[j++] = text[i];
	}
	im->n_other_projects = im->n_rows - kept;
	im->n_rows = kept;
}

static int
near(double a, double b)
{
	return b > 0 && fabs(a - b) <= 0.005 * b;
}

/*
 * The rule for estimated: CodeCarbon reads RAPL (Linux), the Energy
 * Meter Interface or Power Gadget (Windows, macOS) when it can, and
 * otherwise multiplies a TDP by a load factor, in its constant mode by
 * 0.5. So the CPU energy is an estimate when cpu_power is half of a TDP
 * CodeCarbon would use (the TDP of cpu_model in its table, its 85 W
 * default, or 4 W a thread), or when it is the same to nine digits in
 * every run (a reading never is); with no cpu_power column at all
 * (v1.x) nothing can be told and the import is labelled estimated.
 * RAM power is always CodeCarbon's estimate.
 */
static void
decide_estimated(struct prof_cc_import *im)
{
	double w = (double)NAN, tdp = 0, cands[3];
	static const char *const cand_what[3] = {
		"", "CodeCarbon's default", "4 W a thread"
	};
	char matched[128] = "";
	struct ep_err e = EP_ERR_INIT;
	size_t i, same = 1;
	int k;

	for (i = 0; i < im->n_rows; i++) {
		double x = im->rows[i].cpu_watts;

		if (isnan(x))
			continue;
		if (isnan(w))
			w = x;
		else if (fabs(x - w) > 1e-9 * fabs(w))
			same = 0;
	}
	if (isnan(w)) {
		im->estimated = 1;
		snprintf(im->why, sizeof im->why, "no cpu_power column "
		    "(CodeCarbon v1.x): how the energy was obtained is "
		    "unknown, taken as estimated");
		return;
	}
	if (im->cpu_model[0] != '\0' &&
	    prof_tdp_lookup(im->cpu_model, &tdp, matched, sizeof matched,
	    &e) != 1)
		tdp = 0;
	cands[0] = tdp;
	cands[1] = 85;
	cands[2] = isnan(im->cpu_count) ? 0 : 4 * im->cpu_count;
	for (k = 0; k < 3; k++) {
		if (!near(w, 0.5 * cands[k]))
			continue;
		im->estimated = 1;
		snprintf(im->why, sizeof im->why, "cpu_power %g W is 50%% of "
		    "the TDP %g W (%s): CodeCarbon's constant mode", w,
		    cands[k], k == 0 ? matched : cand_what[k]);
		return;
	}
	if (same && im->n_rows > 1) {
		im->estimated = 1;
		snprintf(im->why, sizeof im->why, "cpu_power is %g W in all "
		    "%zu runs: a constant, not a reading", w, im->n_rows);
		return;
	}
	im->estimated = 0;
	snprintf(im->why, sizeof im->why, "cpu_power %s: read from an "
	    "energy counter", im->n_rows > 1 ? "varies between runs" :
	    "is no TDP fraction");
}

int
prof_cc_parse(const char *buf, size_t len, const char *what,
    const char *model, struct prof_cc_import *im, struct ep_err *err)
{
	struct csv_parser parser;
	struct ctx c;
	size_t off = 0, i, n;
	int ret = -1, k;

	memset(&c, 0, sizeof c);
	c.what = what;
	c.err = err;
	c.im = im;
	c.fields = ep_xcalloc(MAX_FIELDS, sizeof *c.fields);
	for (k = 0; k < C_COUNT; k++)
		c.col[k] = -1;
	if (csv_init(&parser, CSV_STRICT | CSV_APPEND_NULL) != 0) {
		free(c.fields);
		return ep_fail(err, EP_ENOMEM, "%s: cannot start the CSV "
		    "parser", what);
	}
	while (off < len && !c.failed) {
		const char *nl = memchr(buf + off, '\n', len - off);

		n = nl != NULL ? (size_t)(nl - (buf + off)) + 1 : len - off;
		c.line++;
		if (csv_parse(&parser, buf + off, n, on_field, on_row, &c) !=
		    n) {
			ep_fail(err, EP_EPARSE, "%s:%zu: %s", what, c.line,
			    csv_strerror(csv_error(&parser)));
			c.failed = 1;
		}
		off += n;
	}
	if (!c.failed && csv_fini(&parser, on_field, on_row, &c) != 0) {
		ep_fail(err, EP_EPARSE, "%s:%zu: %s", what, c.line,
		    csv_strerror(csv_error(&parser)));
		c.failed = 1;
	}
	csv_free(&parser);
	for (i = 0; i < c.nf && i < MAX_FIELDS; i++)
		free(c.fields[i]);
	if (c.failed)
		goto out;
	if (!c.have_header) {
		ep_fail(err, EP_EPARSE, "%s: empty file", what);
		goto out;
	}
	im->n_columns = c.n_header;
	if (im->n_rows == 0) {
		if (im->n_skipped > 0)
			ep_fail(err, EP_EPARSE, "%s:%zu: %zu fields where the "
			    "header has %zu, and no well-formed row", what,
			    im->skipped[0].line, im->skipped[0].fields,
			    im->skipped[0].expected);
		else
			ep_fail(err, EP_EPARSE, "%s: no rows after the header",
			    what);
		goto out;
	}
	filter_projects(im, c.text, model);
	im->n_projects = 1;
	for (i = 1; i < im->n_rows; i++) {
		size_t j;

		for (j = 0; j < i; j++)
			if (strcmp(im->rows[j].project,
			    im->rows[i].project) == 0)
				break;
		if (j == i)
			im->n_projects++;
	}
	snprintf(im->version, sizeof im->version, "%s", c.text[0].version);
	snprintf(im->project, sizeof im->project, "%s", im->rows[0].project);
	snprintf(im->tracking_mode, sizeof im->tracking_mode, "%s",
	    c.text[0].tracking);
	snprintf(im->cpu_model, sizeof im->cpu_model, "%s", c.text[0].cpu);
	snprintf(im->gpu_model, sizeof im->gpu_model, "%s", c.text[0].gpu);
	snprintf(im->os, sizeof im->os, "%s", c.text[0].os);
	im->cpu_count = c.text[0].cpu_count;
	im->ram_total_gb = c.text[0].ram_gb;
	im->pue = c.text[0].pue;
	decide_estimated(im);
	ret = 0;
out:
	if (ret < 0) {
		free(im->rows);
		im->rows = NULL;
		im->n_rows = 0;
	}
	free(c.text);
	free(c.fields);
	return ret;
}

void
prof_cc_to_profile(const struct prof_cc_import *im, const char *model,
    const char *dataset, int epochs, struct prof_profile *p)
{
	double *kwh, *secs;
	size_t i;
	int n = (int)im->n_rows, any_cpu = 0, any_gpu = 0, any_ram = 0;
	int off;

	if (epochs < 1)
		epochs = 1;
	snprintf(p->model, sizeof p->model, "%s", model);
	snprintf(p->dataset, sizeof p->dataset, "%s", dataset);
	snprintf(p->cpu, sizeof p->cpu, "%s", im->cpu_model);
	snprintf(p->gpu, sizeof p->gpu, "%s", im->gpu_model);
	snprintf(p->os, sizeof p->os, "%s", im->os);
	p->threads = isnan(im->cpu_count) ? 0 : (int)im->cpu_count;
	p->ram_gb = isnan(im->ram_total_gb) ? 0 : im->ram_total_gb;
	snprintf(p->meter, sizeof p->meter, "codecarbon");
	p->meter_gpu[0] = '\0';
	p->estimated = im->estimated;
	for (i = 0; i < im->n_rows; i++) {
		any_cpu |= !isnan(im->rows[i].cpu_kwh);
		any_gpu |= !isnan(im->rows[i].gpu_kwh);
		any_ram |= !isnan(im->rows[i].ram_kwh);
	}
	off = snprintf(p->domains, sizeof p->domains, "%s%s%s",
	    any_cpu ? "cpu," : "", any_gpu ? "gpu," : "",
	    any_ram ? "ram," : "");
	if (off > 0)
		p->domains[off - 1] = '\0';
	else
		snprintf(p->domains, sizeof p->domains, "total");
	snprintf(p->assumptions, sizeof p->assumptions, "CodeCarbon %s, "
	    "tracking_mode %s: %s; RAM power is CodeCarbon's estimate; "
	    "energy_consumed includes PUE %g; mean of %zu run%s split into "
	    "%d epoch%s",
	    im->version[0] ? im->version : "(version unknown)",
	    im->tracking_mode[0] ? im->tracking_mode : "unknown", im->why,
	    isnan(im->pue) ? 1.0 : im->pue, im->n_rows,
	    im->n_rows == 1 ? "" : "s", epochs, epochs == 1 ? "" : "s");
	p->ladder[0] = '\0';
	p->idle_watts = 0;
	p->poll_secs = 0;

	kwh = ep_xcalloc(im->n_rows, sizeof *kwh);
	secs = ep_xcalloc(im->n_rows, sizeof *secs);
	for (i = 0; i < im->n_rows; i++) {
		kwh[i] = im->rows[i].energy_kwh / epochs;
		secs[i] = isnan(im->rows[i].duration_secs) ? 0 :
		    im->rows[i].duration_secs / epochs;
	}
	p->has_training = 1;
	p->epochs_measured = epochs;
	p->epochs_per_update = epochs;
	prof_stat_of(&p->epoch_train, kwh, kwh, secs, n);
	free(kwh);
	free(secs);
}

void
prof_cc_release(struct prof_cc_import *im)
{
	free(im->rows);
	im->rows = NULL;
	im->n_rows = 0;
}
