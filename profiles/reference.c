/*
 * Reference profile sets: the seed study's table (one row per model and
 * dataset) turned into profiles, read with libcsv from the compiled-in
 * copy. See reference.h for what each figure becomes.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <csv.h>

#include "core/embed.h"
#include "core/mem.h"
#include "core/num.h"
#include "profiles/reference.h"
#include "core/banned.h"

/* Columns read from the table, in this order in struct row. */
enum col {
	C_DATASET, C_MODEL, C_REF_KWH, C_REF_NDCG, C_REF_MRR, C_EPOCHS,
	C_E12, C_NDCG, C_MRR, C_RECALL, C_E1, C_E1_SECS, C_MRR1,
	C_INFER, C_INFER_SD, C_INFER_SECS, C_T12, C_V12, C_T1, C_V1,
	C_E12_SECS, N_COLS
};

static const char *const col_names[N_COLS] = {
	"dataset", "model", "ref_train_kWh", "ref_ndcg10", "ref_mrr10",
	"repro_epochs", "repro12_train_kWh", "repro12_ndcg10",
	"repro12_mrr10", "repro12_recall10", "one_train_kWh", "one_train_s",
	"one_mrr10", "infer_kWh_per_query", "infer_kWh_per_query_pstd",
	"infer_s_per_query", "train_s_per_epoch_12", "eval_s_per_epoch_12",
	"train_s_per_epoch_1", "eval_s_per_epoch_1", "repro12_train_s"
};

/* The sets, and the dataset each takes ("" for all). */
static const struct {
	const char *name;
	const char *dataset;
	int spillo;
} sets[] = {
	{ "ref:schodl2025-mind", "mind", 0 },
	{ "ref:schodl2025-movielens", "movielens", 0 },
	{ "ref:schodl2025-amazon", "amazon", 0 },
	{ "ref:spillo2023-mind", "mind", 1 },
	{ "ref:spillo2023-movielens", "movielens", 1 },
	{ "ref:spillo2023-amazon", "amazon", 1 },
	{ "ref:schodl2025", "", 0 },
	{ "ref:spillo2023", "", 1 },
};

#define N_SETS (sizeof sets / sizeof sets[0])

/* The datasets as the study ran them (RecBole's counts less [PAD]). */
static const struct {
	const char *name;
	const char *full;
	long users, items, inters;
} datasets[] = {
	{ "mind", "MIND (Spillo et al. 2023 preprocessing)",
	    PROF_REF_USERS_MIND, 4414, 1048575 },
	{ "movielens", "MovieLens-1M (Spillo et al. 2023 preprocessing)",
	    PROF_REF_USERS_MOVIELENS, 3192, 757451 },
	{ "amazon", "Amazon Books (Spillo et al. 2023 preprocessing)",
	    PROF_REF_USERS_AMAZON, 54458, 1465871 },
};

#define STUDY_2025 "Schodl, Lesota, Tommasel, Schedl, RecSys 2025 " \
	"(hcai-mms/RecSys-Footprint-Inference @ f2e59494)"
#define STUDY_2023 "Spillo et al., RecSys 2023 " \
	"(swapUniba/CarbonRecommenderRecSys23 @ f58aec6c)"

struct reader {
	int set;			/* index into sets */
	struct prof_set *out;
	size_t line;			/* 0: header */
	size_t nf;			/* fields of the current row */
	int map[N_COLS];		/* column of each, -1 when absent */
	char *f[64];			/* fields of the current row */
	struct ep_err *err;
	int failed;
};

size_t
prof_ref_count(void)
{
	return N_SETS;
}

const char *
prof_ref_name(size_t i)
{
	return i < N_SETS ? sets[i].name : NULL;
}

int
prof_ref_known(const char *name)
{
	size_t i;

	for (i = 0; i < N_SETS; i++)
		if (strcmp(sets[i].name, name) == 0)
			return 1;
	return 0;
}

static void
on_field(void *s, size_t len, void *data)
{
	struct reader *r = data;

	if (r->nf < sizeof r->f / sizeof r->f[0])
		r->f[r->nf] = ep_xstrndup(s != NULL ? s : "",
		    s != NULL ? len : 0);
	r->nf++;
}

static const char *
fld(const struct reader *r, enum col c)
{
	int i = r->map[c];

	if (i < 0 || (size_t)i >= r->nf || r->f[i] == NULL)
		return "";
	return r->f[i];
}

/* A number of the row, NaN when empty or not a number (out-of-memory). */
static double
num(const struct reader *r, enum col c)
{
	struct ep_err e = EP_ERR_INIT;
	double v;

	if (ep_parse_double(fld(r, c), -1e300, 1e300, &v, &e) < 0)
		return (double)NAN;
	return v;
}

static int
bad(struct reader *r, const char *what)
{
	if (!r->failed)
		ep_fail(r->err, EP_EPARSE, "%s: line %zu: %s", PROF_REF_TABLE,
		    r->line + 1, what);
	r->failed = 1;
	return -1;
}

static int
read_header(struct reader *r)
{
	size_t c, i;

	for (c = 0; c < N_COLS; c++) {
		r->map[c] = -1;
		for (i = 0; i < r->nf && i < sizeof r->f / sizeof r->f[0];
		    i++)
			if (strcmp(r->f[i], col_names[c]) == 0)
				r->map[c] = (int)i;
		if (r->map[c] < 0)
			return bad(r, "a column is missing");
	}
	return 0;
}

static void
set_metric(struct prof_profile *p, const char *name, double v)
{
	if (isnan(v) || p->n_metrics >= PROF_MAX_METRICS)
		return;
	snprintf(p->metrics[p->n_metrics].name,
	    sizeof p->metrics[p->n_metrics].name, "%s", name);
	p->metrics[p->n_metrics++].value = v;
}

static void
set_valid(struct prof_profile *p, const char *name, double kwh,
    double secs)
{
	struct prof_valid *v = &p->valid[p->n_valid++];

	snprintf(v->name, sizeof v->name, "%s", name);
	v->e.kwh = v->e.gross_kwh = kwh;
	v->e.seconds = secs;
	v->e.n = 1;
}

/* The fields common to both studies' profiles. */
static void
base_profile(struct prof_profile *p, const struct reader *r, int spillo)
{
	const char *ds = fld(r, C_DATASET);
	size_t i;

	prof_profile_init(p);
	snprintf(p->created, sizeof p->created, "%s",
	    spillo ? "2023-09-18T00:00:00Z" : "2025-08-11T00:00:00Z");
	snprintf(p->model, sizeof p->model, "%s", fld(r, C_MODEL));
	snprintf(p->dataset, sizeof p->dataset, "%s", ds);
	for (i = 0; i < sizeof datasets / sizeof datasets[0]; i++)
		if (strcmp(datasets[i].name, ds) == 0) {
			p->users = datasets[i].users;
			p->items = datasets[i].items;
			p->interactions = datasets[i].inters;
			snprintf(p->split, sizeof p->split, "%s",
			    spillo ? "as Spillo et al. 2023" :
			    "RS 0.8/0.1/0.1 by user, random order");
		}
	snprintf(p->meter, sizeof p->meter, "codecarbon");
	snprintf(p->source, sizeof p->source, "%s",
	    spillo ? STUDY_2023 : STUDY_2025);
	p->k = 10;
	p->converged = 0;
	if (spillo) {
		snprintf(p->host_name, sizeof p->host_name,
		    "spillo2023-workstation");
		snprintf(p->cpu, sizeof p->cpu,
		    "Intel Core i7-3770 CPU @ 3.40GHz");
		p->threads = 8;
		p->ram_gb = 31.3;
		snprintf(p->gpu, sizeof p->gpu, "NVIDIA GeForce GTX TITAN X");
		snprintf(p->os, sizeof p->os, "Linux 5.15.0-69-generic");
		snprintf(p->meter_gpu, sizeof p->meter_gpu, "nvml");
		snprintf(p->assumptions, sizeof p->assumptions,
		    "CodeCarbon 2.1.4; RecBole 1.1.1; energy of training "
		    "with validation on twelve metrics after each epoch");
	} else {
		snprintf(p->host_name, sizeof p->host_name,
		    "schodl2025-laptop");
		snprintf(p->cpu, sizeof p->cpu,
		    "Intel Core i7-10850H CPU @ 2.70GHz");
		p->threads = 12;
		p->ram_gb = 32;
		snprintf(p->gpu, sizeof p->gpu,
		    "NVIDIA Quadro T2000 (mobile, 4 GB)");
		snprintf(p->os, sizeof p->os, "Windows 11 Pro 24H2");
		snprintf(p->meter_gpu, sizeof p->meter_gpu, "nvml");
		p->estimated = 1;
		snprintf(p->assumptions, sizeof p->assumptions,
		    "CodeCarbon 2.8.3 with the CPU at a constant 22.5 W "
		    "(half its 45 W TDP: an estimate), RAM 11.9 W, GPU by "
		    "NVML; RecBole 1.1.1; per-epoch energy split by time "
		    "shares");
	}
}

/* A 2025 row: the reproduction's figures. */
static int
row_2025(struct reader *r, struct prof_profile *p, double *e12, double *e1)
{
	double n = num(r, C_EPOCHS), t12 = num(r, C_T12), v12 = num(r,
	    C_V12), t1 = num(r, C_T1), v1 = num(r, C_V1);
	double q = num(r, C_INFER), qsd = num(r, C_INFER_SD), per, vm;

	*e12 = num(r, C_E12);
	*e1 = num(r, C_E1);
	if (isnan(*e12))
		return 0;		/* the run crashed: no profile */
	if (!(n >= 1) || !(t12 > 0) || !(v12 >= 0) || !(*e12 > 0) ||
	    !(*e1 > 0) || !(t1 > 0) || !(v1 >= 0))
		return bad(r, "a training figure is missing or not positive");
	base_profile(p, r, 0);
	p->has_training = 1;
	p->epochs_measured = (int)n;
	p->epochs_per_update = n;
	per = *e12 / n;
	p->epoch_train.kwh = p->epoch_train.gross_kwh = per * t12 /
	    (t12 + v12);
	p->epoch_train.seconds = t12;
	p->epoch_train.n = (int)n;
	set_valid(p, "all", per * v12 / (t12 + v12), v12);
	vm = *e1 / n - p->epoch_train.kwh;
	if (!(vm >= 0))
		vm = *e1 / n * v1 / (t1 + v1);
	set_valid(p, "mrr", vm, v1);
	if (!isnan(q)) {
		if (!(q > 0) || !(qsd >= 0))
			return bad(r, "inference energy is not positive");
		p->has_inference = 1;
		p->users_per_query = (double)p->users;
		p->n_batches = 1;
		p->batches[0].batch = 1;
		p->batches[0].kwh_per_query = q;
		p->batches[0].gross_kwh_per_query = q;
		p->batches[0].sd = qsd;
		p->batches[0].n = 10;
		p->batches[0].p50_ms = num(r, C_INFER_SECS) * 1000;
		p->batches[0].p99_ms = p->batches[0].p50_ms;
		if (p->batches[0].p50_ms > 0)
			p->batches[0].queries_per_sec = 1000 /
			    p->batches[0].p50_ms;
	}
	set_metric(p, "ndcg@10", num(r, C_NDCG));
	set_metric(p, "mrr@10", num(r, C_MRR));
	set_metric(p, "recall@10", num(r, C_RECALL));
	return 1;
}

/* A 2023 row: Spillo's training energy as one total. */
static int
row_2023(struct reader *r, struct prof_profile *p)
{
	double e = num(r, C_REF_KWH);

	if (isnan(e))
		return 0;
	if (!(e > 0))
		return bad(r, "ref_train_kWh is not positive");
	base_profile(p, r, 1);
	p->has_training = 1;
	p->epochs_per_update = 0;
	p->setup.kwh = p->setup.gross_kwh = e;
	p->setup.n = 1;
	set_metric(p, "ndcg@10", num(r, C_REF_NDCG));
	set_metric(p, "mrr@10", num(r, C_REF_MRR));
	return 1;
}

static void
on_row(int ch, void *data)
{
	struct reader *r = data;
	struct prof_profile p;
	double e12 = (double)NAN, e1 = (double)NAN;
	size_t i;
	int got;

	(void)ch;
	if (r->failed)
		goto out;
	if (r->line == 0) {
		read_header(r);
		goto out;
	}
	if (sets[r->set].dataset[0] != '\0' &&
	    strcmp(fld(r, C_DATASET), sets[r->set].dataset) != 0)
		goto out;
	if (sets[r->set].spillo)
		got = row_2023(r, &p);
	else
		got = row_2025(r, &p, &e12, &e1);
	if (got == 1) {
		prof_set_add(r->out, &p);
		r->out->twelve_kwh[r->out->n - 1] = e12;
		r->out->one_kwh[r->out->n - 1] = e1;
	}
out:
	for (i = 0; i < r->nf && i < sizeof r->f / sizeof r->f[0]; i++) {
		free(r->f[i]);
		r->f[i] = NULL;
	}
	r->nf = 0;
	r->line++;
}

void
prof_set_add(struct prof_set *set, const struct prof_profile *p)
{
	set->p = ep_xreallocarray(set->p, set->n + 1, sizeof *set->p);
	set->twelve_kwh = ep_xreallocarray(set->twelve_kwh, set->n + 1,
	    sizeof *set->twelve_kwh);
	set->one_kwh = ep_xreallocarray(set->one_kwh, set->n + 1,
	    sizeof *set->one_kwh);
	set->p[set->n] = *p;
	set->twelve_kwh[set->n] = (double)NAN;
	set->one_kwh[set->n] = (double)NAN;
	set->n++;
}

int
prof_ref_load(const char *name, struct prof_set *set, struct ep_err *err)
{
	struct ep_data d = EP_DATA_INIT;
	struct csv_parser p;
	struct reader r;
	char list[512] = "";
	size_t i, len = 0;

	memset(&r, 0, sizeof r);
	r.set = -1;
	for (i = 0; i < N_SETS; i++) {
		int n = snprintf(list + len, sizeof list - len, "%s%s",
		    i ? ", " : "", sets[i].name);

		if (n > 0 && (size_t)n < sizeof list - len)
			len += (size_t)n;
		if (strcmp(sets[i].name, name) == 0)
			r.set = (int)i;
	}
	if (r.set < 0)
		return ep_fail(err, EP_EUSAGE,
		    "'%s': unknown profile set (known: local, %s)", name,
		    list);
	*set = (struct prof_set)PROF_SET_INIT;
	snprintf(set->name, sizeof set->name, "%s", name);
	snprintf(set->study, sizeof set->study, "%s",
	    sets[r.set].spillo ? STUDY_2023 : STUDY_2025);
	r.out = set;
	r.err = err;
	if (ep_data_get(PROF_REF_TABLE, &d, err) < 0)
		return -1;
	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) !=
	    0) {
		ep_data_release(&d);
		return ep_fail(err, EP_ENOMEM,
		    "%s: cannot start the CSV parser", PROF_REF_TABLE);
	}
	if (csv_parse(&p, d.data, d.size, on_field, on_row, &r) != d.size ||
	    csv_fini(&p, on_field, on_row, &r) != 0) {
		if (!r.failed)
			ep_fail(err, EP_EPARSE, "%s (%s): %s", PROF_REF_TABLE,
			    d.origin, csv_strerror(csv_error(&p)));
		r.failed = 1;
	}
	csv_free(&p);
	for (i = 0; i < r.nf && i < sizeof r.f / sizeof r.f[0]; i++)
		free(r.f[i]);
	ep_data_release(&d);
	if (!r.failed && set->n == 0) {
		ep_fail(err, EP_EPARSE, "%s: no rows for %s", PROF_REF_TABLE,
		    name);
		r.failed = 1;
	}
	if (r.failed) {
		prof_set_release(set);
		return -1;
	}
	return 0;
}

const struct prof_profile *
prof_set_find(const struct prof_set *set, const char *model)
{
	size_t i;

	for (i = 0; i < set->n; i++)
		if (strcasecmp(set->p[i].model, model) == 0)
			return &set->p[i];
	return NULL;
}

void
prof_set_release(struct prof_set *set)
{
	free(set->p);
	free(set->twelve_kwh);
	free(set->one_kwh);
	set->p = NULL;
	set->twelve_kwh = set->one_kwh = NULL;
	set->n = 0;
}

double
prof_update_kwh(const struct prof_profile *p, const char *valid)
{
	const struct prof_valid *v;
	double e;

	if (!p->has_training)
		return (double)NAN;
	e = p->epoch_train.kwh;
	if (p->n_valid > 0) {
		v = prof_profile_valid(p, valid);
		if (v == NULL)
			return (double)NAN;
		e += v->e.kwh;
	}
	return p->setup.kwh + p->epochs_per_update * e;
}
