/*
 * The profile file format, ecoplan-profile/1: JSON through cJSON.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "core/fsutil.h"
#include "core/mem.h"
#include "core/version.h"
#include "profiles/profile.h"
#include "core/banned.h"

/* No profile is larger than this. */
#define PROFILE_MAX ((size_t)4 << 20)

void
prof_profile_init(struct prof_profile *p)
{
	struct tm tm;
	time_t now = time(NULL);

	memset(p, 0, sizeof *p);
	snprintf(p->schema, sizeof p->schema, "%s", PROF_SCHEMA);
	snprintf(p->ecoplan_version, sizeof p->ecoplan_version, "%s",
	    EP_VERSION);
	gmtime_r(&now, &tm);
	strftime(p->created, sizeof p->created, "%Y-%m-%dT%H:%M:%SZ", &tm);
	p->users_per_query = 1;
	p->k = 10;
}

void
prof_stat_of(struct prof_stat *s, const double *kwh, const double *gross,
    const double *secs, int n)
{
	double m = 0, g = 0, t = 0, v = 0, vt = 0;
	int i;

	memset(s, 0, sizeof *s);
	if (n <= 0)
		return;
	for (i = 0; i < n; i++) {
		m += kwh[i];
		g += gross != NULL ? gross[i] : kwh[i];
		t += secs != NULL ? secs[i] : 0;
	}
	m /= n;
	g /= n;
	t /= n;
	for (i = 0; i < n && n > 1; i++) {
		v += (kwh[i] - m) * (kwh[i] - m);
		if (secs != NULL)
			vt += (secs[i] - t) * (secs[i] - t);
	}
	s->kwh = m;
	s->gross_kwh = g;
	s->seconds = t;
	s->sd = n > 1 ? sqrt(v / (n - 1)) : 0;
	s->seconds_sd = n > 1 ? sqrt(vt / (n - 1)) : 0;
	s->n = n;
}

static void
add_str(cJSON *o, const char *key, const char *s)
{
	if (s[0] != '\0')
		cJSON_AddStringToObject(o, key, s);
	else
		cJSON_AddNullToObject(o, key);
}

static cJSON *
stat_json(const struct prof_stat *s)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "kwh", s->kwh);
	cJSON_AddNumberToObject(o, "sd", s->sd);
	cJSON_AddNumberToObject(o, "gross_kwh", s->gross_kwh);
	cJSON_AddNumberToObject(o, "seconds", s->seconds);
	cJSON_AddNumberToObject(o, "seconds_sd", s->seconds_sd);
	cJSON_AddNumberToObject(o, "n", s->n);
	return o;
}

char *
prof_profile_to_json(const struct prof_profile *p)
{
	cJSON *root = cJSON_CreateObject(), *o, *a;
	char *s;
	size_t i;

	cJSON_AddStringToObject(root, "schema", p->schema);
	cJSON_AddStringToObject(root, "ecoplan_version", p->ecoplan_version);
	cJSON_AddStringToObject(root, "created", p->created);
	cJSON_AddStringToObject(root, "model", p->model);
	o = cJSON_AddObjectToObject(root, "params");
	for (i = 0; i < p->n_params; i++) {
		if (p->params[i].numeric)
			cJSON_AddNumberToObject(o, p->params[i].key,
			    strtod(p->params[i].value, NULL));
		else
			cJSON_AddStringToObject(o, p->params[i].key,
			    p->params[i].value);
	}
	o = cJSON_AddObjectToObject(root, "dataset");
	cJSON_AddStringToObject(o, "name", p->dataset);
	cJSON_AddNumberToObject(o, "users", (double)p->users);
	cJSON_AddNumberToObject(o, "items", (double)p->items);
	cJSON_AddNumberToObject(o, "interactions", (double)p->interactions);
	add_str(o, "sha256", p->sha256);
	add_str(o, "split", p->split);
	o = cJSON_AddObjectToObject(root, "host");
	add_str(o, "name", p->host_name);
	add_str(o, "cpu", p->cpu);
	cJSON_AddNumberToObject(o, "threads", p->threads);
	cJSON_AddNumberToObject(o, "ram_gb", p->ram_gb);
	add_str(o, "gpu", p->gpu);
	add_str(o, "os", p->os);
	add_str(o, "compiler", p->compiler);
	add_str(o, "blas", p->blas);
	o = cJSON_AddObjectToObject(root, "meter");
	cJSON_AddStringToObject(o, "kind", p->meter);
	add_str(o, "gpu", p->meter_gpu);
	cJSON_AddBoolToObject(o, "estimated", p->estimated);
	a = cJSON_AddArrayToObject(o, "domains");
	{
		char buf[sizeof p->domains], *tok, *save = NULL;

		snprintf(buf, sizeof buf, "%s", p->domains);
		for (tok = strtok_r(buf, ",", &save); tok != NULL;
		    tok = strtok_r(NULL, ",", &save))
			cJSON_AddItemToArray(a, cJSON_CreateString(tok));
	}
	add_str(o, "assumptions", p->assumptions);
	add_str(o, "ladder", p->ladder);
	cJSON_AddNumberToObject(o, "idle_watts", p->idle_watts);
	cJSON_AddNumberToObject(o, "poll_seconds", p->poll_secs);
	if (p->has_training) {
		o = cJSON_AddObjectToObject(root, "training");
		cJSON_AddNumberToObject(o, "epochs_measured",
		    p->epochs_measured);
		cJSON_AddNumberToObject(o, "epochs_per_update",
		    p->epochs_per_update);
		cJSON_AddItemToObject(o, "epoch_train",
		    stat_json(&p->epoch_train));
		a = cJSON_AddObjectToObject(o, "epoch_valid");
		for (i = 0; i < p->n_valid; i++)
			cJSON_AddItemToObject(a, p->valid[i].name,
			    stat_json(&p->valid[i].e));
		cJSON_AddItemToObject(o, "setup", stat_json(&p->setup));
	} else {
		cJSON_AddNullToObject(root, "training");
	}
	if (p->has_inference) {
		o = cJSON_AddObjectToObject(root, "inference");
		cJSON_AddStringToObject(o, "unit", "request");
		cJSON_AddNumberToObject(o, "users_per_query",
		    p->users_per_query);
		cJSON_AddNumberToObject(o, "k", p->k);
		a = cJSON_AddArrayToObject(o, "batches");
		for (i = 0; i < p->n_batches; i++) {
			const struct prof_batch *b = &p->batches[i];
			cJSON *x = cJSON_CreateObject();

			cJSON_AddNumberToObject(x, "batch", b->batch);
			cJSON_AddNumberToObject(x, "kwh_per_query",
			    b->kwh_per_query);
			cJSON_AddNumberToObject(x, "sd", b->sd);
			cJSON_AddNumberToObject(x, "gross_kwh_per_query",
			    b->gross_kwh_per_query);
			cJSON_AddNumberToObject(x, "p50_ms", b->p50_ms);
			cJSON_AddNumberToObject(x, "p99_ms", b->p99_ms);
			cJSON_AddNumberToObject(x, "queries_per_second",
			    b->queries_per_sec);
			cJSON_AddNumberToObject(x, "n", b->n);
			cJSON_AddItemToArray(a, x);
		}
	} else {
		cJSON_AddNullToObject(root, "inference");
	}
	o = cJSON_AddObjectToObject(root, "accuracy");
	cJSON_AddBoolToObject(o, "converged", p->converged);
	for (i = 0; i < p->n_metrics; i++)
		cJSON_AddNumberToObject(o, p->metrics[i].name,
		    p->metrics[i].value);
	cJSON_AddBoolToObject(root, "incomplete", p->incomplete);
	add_str(root, "source", p->source);
	s = cJSON_Print(root);
	cJSON_Delete(root);
	if (s == NULL)
		ep_oom();
	return s;
}

/* Reading: each accessor checks one field and names it when it fails. */
struct rd {
	const char *what;	/* file, for messages */
	struct ep_err *err;
	int failed;		/* a field was at fault */
};

/* Records a failure: the accessors return -1 or NULL through this. */
#define FAIL(r, ...) ((r)->failed = 1, ep_fail((r)->err, __VA_ARGS__))

static const cJSON *
get(struct rd *r, const cJSON *o, const char *path, const char *key,
    int required)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);

	if ((x == NULL || cJSON_IsNull(x)) && required) {
		FAIL(r, EP_EPARSE, "%s: %s%s%s: missing", r->what,
		    path, *path ? "." : "", key);
		return NULL;
	}
	return x != NULL && !cJSON_IsNull(x) ? x : NULL;
}

static int
get_num(struct rd *r, const cJSON *o, const char *path, const char *key,
    double min, double max, int required, double *out)
{
	const cJSON *x = get(r, o, path, key, required);

	if (x == NULL)
		return required ? -1 : 0;
	if (!cJSON_IsNumber(x) || !isfinite(x->valuedouble))
		return FAIL(r, EP_EPARSE, "%s: %s%s%s: expected a "
		    "number", r->what, path, *path ? "." : "", key);
	if (x->valuedouble < min || x->valuedouble > max)
		return FAIL(r, EP_ERANGE, "%s: %s%s%s: %g out of range "
		    "(%g to %g)", r->what, path, *path ? "." : "", key,
		    x->valuedouble, min, max);
	*out = x->valuedouble;
	return 0;
}

static int
get_str(struct rd *r, const cJSON *o, const char *path, const char *key,
    int required, char *out, size_t size)
{
	const cJSON *x = get(r, o, path, key, required);

	if (x == NULL)
		return required ? -1 : 0;
	if (!cJSON_IsString(x))
		return FAIL(r, EP_EPARSE, "%s: %s%s%s: expected a "
		    "string", r->what, path, *path ? "." : "", key);
	if (strlen(x->valuestring) >= size)
		return FAIL(r, EP_ERANGE, "%s: %s%s%s: longer than %zu "
		    "characters", r->what, path, *path ? "." : "", key,
		    size - 1);
	snprintf(out, size, "%s", x->valuestring);
	return 0;
}

static int
get_bool(struct rd *r, const cJSON *o, const char *path, const char *key,
    int *out)
{
	const cJSON *x = get(r, o, path, key, 0);

	if (x == NULL)
		return 0;
	if (!cJSON_IsBool(x))
		return FAIL(r, EP_EPARSE, "%s: %s.%s: expected true or "
		    "false", r->what, path, key);
	*out = cJSON_IsTrue(x);
	return 0;
}

static const cJSON *
get_obj(struct rd *r, const cJSON *o, const char *path, const char *key,
    int required)
{
	const cJSON *x = get(r, o, path, key, required);

	if (x != NULL && !cJSON_IsObject(x)) {
		FAIL(r, EP_EPARSE, "%s: %s%s%s: expected an object",
		    r->what, path, *path ? "." : "", key);
		return NULL;
	}
	return x;
}

#define HUGE_KWH 1e9

static int
get_stat(struct rd *r, const cJSON *o, const char *path, struct prof_stat *s)
{
	double n = 0;

	memset(s, 0, sizeof *s);
	if (get_num(r, o, path, "kwh", 0, HUGE_KWH, 1, &s->kwh) < 0 ||
	    get_num(r, o, path, "sd", 0, HUGE_KWH, 0, &s->sd) < 0 ||
	    get_num(r, o, path, "gross_kwh", 0, HUGE_KWH, 0,
	    &s->gross_kwh) < 0 ||
	    get_num(r, o, path, "seconds", 0, 1e9, 0, &s->seconds) < 0 ||
	    get_num(r, o, path, "seconds_sd", 0, 1e9, 0, &s->seconds_sd) < 0 ||
	    get_num(r, o, path, "n", 0, 1e9, 0, &n) < 0)
		return -1;
	if (s->gross_kwh == 0)
		s->gross_kwh = s->kwh;
	s->n = (int)n;
	return 0;
}

/*
 * Whether text ends inside a string or with brackets still open: the
 * mark of a file cut short, as opposed to one with a wrong character.
 */
static int
json_unclosed(const char *buf, size_t len)
{
	size_t i, depth = 0;
	int in_str = 0;

	for (i = 0; i < len; i++) {
		char c = buf[i];

		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = 0;
		} else if (c == '"') {
			in_str = 1;
		} else if (c == '{' || c == '[') {
			depth++;
		} else if ((c == '}' || c == ']') && depth > 0) {
			depth--;
		}
	}
	return in_str || depth > 0;
}

int
prof_profile_parse(const char *buf, size_t len, const char *what,
    struct prof_profile *p, struct ep_err *err)
{
	struct rd r = { what, err, 0 };
	const cJSON *o, *x, *it;
	cJSON *root;
	double v = 0;
	int ret = -1, major = 0;

	memset(p, 0, sizeof *p);
	if ((root = cJSON_ParseWithLength(buf, len)) == NULL) {
		const char *at = cJSON_GetErrorPtr();
		long line = 1;
		const char *c;

		for (c = buf; at != NULL && c < at && c < buf + len; c++)
			line += *c == '\n';
		return ep_fail(err, EP_EPARSE, "%s:%ld: not valid JSON%s", what,
		    line, json_unclosed(buf, len) ? " (truncated?)" : "");
	}
	if (!cJSON_IsObject(root)) {
		ep_fail(err, EP_EPARSE, "%s: not a JSON object", what);
		goto out;
	}
	if (get_str(&r, root, "", "schema", 1, p->schema, sizeof p->schema) < 0)
		goto out;
	if (sscanf(p->schema, "ecoplan-profile/%d", &major) != 1) {
		ep_fail(err, EP_EPARSE, "%s: schema: '%s' is not an ecoplan "
		    "profile", what, p->schema);
		goto out;
	}
	if (major > PROF_SCHEMA_MAJOR) {
		ep_fail(err, EP_EPARSE, "%s: schema: '%s' is newer than this "
		    "ecoplan (%s) reads; upgrade ecoplan", what, p->schema,
		    PROF_SCHEMA);
		goto out;
	}
	if (get_str(&r, root, "", "ecoplan_version", 0, p->ecoplan_version,
	    sizeof p->ecoplan_version) < 0 ||
	    get_str(&r, root, "", "created", 0, p->created,
	    sizeof p->created) < 0 ||
	    get_str(&r, root, "", "model", 1, p->model, sizeof p->model) < 0)
		goto out;
	if (p->model[0] == '\0') {
		ep_fail(err, EP_EPARSE, "%s: model: empty", what);
		goto out;
	}
	if ((o = get_obj(&r, root, "", "params", 0)) == NULL && r.failed)
		goto out;
	if (o != NULL)
		cJSON_ArrayForEach(it, o) {
			struct prof_param *pp;

			if (p->n_params == PROF_MAX_PARAMS)
				break;
			pp = &p->params[p->n_params];
			if (strlen(it->string) >= sizeof pp->key)
				continue;
			snprintf(pp->key, sizeof pp->key, "%s", it->string);
			if (cJSON_IsNumber(it)) {
				snprintf(pp->value, sizeof pp->value, "%.17g",
				    it->valuedouble);
				pp->numeric = 1;
			} else if (cJSON_IsString(it)) {
				snprintf(pp->value, sizeof pp->value, "%s",
				    it->valuestring);
			} else {
				ep_fail(err, EP_EPARSE, "%s: params.%s: expected "
				    "a number or a string", what, it->string);
				goto out;
			}
			p->n_params++;
		}
	if ((o = get_obj(&r, root, "", "dataset", 1)) == NULL)
		goto out;
	/* An optional number absent leaves v as it was. */
	v = 0;
	if (get_str(&r, o, "dataset", "name", 1, p->dataset,
	    sizeof p->dataset) < 0 ||
	    get_num(&r, o, "dataset", "users", 0, 1e12, 0, &v) < 0)
		goto out;
	p->users = (long)v;
	v = 0;
	if (get_num(&r, o, "dataset", "items", 0, 1e12, 0, &v) < 0)
		goto out;
	p->items = (long)v;
	v = 0;
	if (get_num(&r, o, "dataset", "interactions", 0, 1e15, 0, &v) < 0)
		goto out;
	p->interactions = (long)v;
	if (get_str(&r, o, "dataset", "sha256", 0, p->sha256,
	    sizeof p->sha256) < 0 ||
	    get_str(&r, o, "dataset", "split", 0, p->split,
	    sizeof p->split) < 0)
		goto out;
	if ((o = get_obj(&r, root, "", "host", 0)) != NULL) {
		v = 0;
		if (get_str(&r, o, "host", "name", 0, p->host_name,
		    sizeof p->host_name) < 0 ||
		    get_str(&r, o, "host", "cpu", 0, p->cpu, sizeof p->cpu) < 0 ||
		    get_num(&r, o, "host", "threads", 0, 1e6, 0, &v) < 0 ||
		    get_num(&r, o, "host", "ram_gb", 0, 1e9, 0, &p->ram_gb) < 0 ||
		    get_str(&r, o, "host", "gpu", 0, p->gpu, sizeof p->gpu) < 0 ||
		    get_str(&r, o, "host", "os", 0, p->os, sizeof p->os) < 0 ||
		    get_str(&r, o, "host", "compiler", 0, p->compiler,
		    sizeof p->compiler) < 0 ||
		    get_str(&r, o, "host", "blas", 0, p->blas,
		    sizeof p->blas) < 0)
			goto out;
		p->threads = (int)v;
	} else if (r.failed) {
		goto out;
	}
	if ((o = get_obj(&r, root, "", "meter", 1)) == NULL)
		goto out;
	if (get_str(&r, o, "meter", "kind", 1, p->meter, sizeof p->meter) < 0 ||
	    get_str(&r, o, "meter", "gpu", 0, p->meter_gpu,
	    sizeof p->meter_gpu) < 0 ||
	    get_bool(&r, o, "meter", "estimated", &p->estimated) < 0 ||
	    get_str(&r, o, "meter", "assumptions", 0, p->assumptions,
	    sizeof p->assumptions) < 0 ||
	    get_str(&r, o, "meter", "ladder", 0, p->ladder,
	    sizeof p->ladder) < 0 ||
	    get_num(&r, o, "meter", "idle_watts", 0, 1e7, 0,
	    &p->idle_watts) < 0 ||
	    get_num(&r, o, "meter", "poll_seconds", 0, 1e6, 0,
	    &p->poll_secs) < 0)
		goto out;
	if ((x = cJSON_GetObjectItem(o, "domains")) != NULL &&
	    cJSON_IsArray(x)) {
		size_t len2 = 0;

		cJSON_ArrayForEach(it, x) {
			int n;

			if (!cJSON_IsString(it)) {
				ep_fail(err, EP_EPARSE, "%s: meter.domains: "
				    "expected strings", what);
				goto out;
			}
			n = snprintf(p->domains + len2, sizeof p->domains - len2,
			    "%s%s", len2 ? "," : "", it->valuestring);
			if (n < 0 || (size_t)n >= sizeof p->domains - len2)
				break;
			len2 += (size_t)n;
		}
	}
	if ((o = get_obj(&r, root, "", "training", 0)) != NULL) {
		const cJSON *ev, *so;

		p->has_training = 1;
		v = 0;
		if (get_num(&r, o, "training", "epochs_measured", 0, 1e9, 0,
		    &v) < 0 ||
		    get_num(&r, o, "training", "epochs_per_update", 0, 1e9, 1,
		    &p->epochs_per_update) < 0)
			goto out;
		p->epochs_measured = (int)v;
		if ((so = get_obj(&r, o, "training", "epoch_train", 1)) == NULL ||
		    get_stat(&r, so, "training.epoch_train",
		    &p->epoch_train) < 0)
			goto out;
		if ((ev = get_obj(&r, o, "training", "epoch_valid", 0)) != NULL)
			cJSON_ArrayForEach(it, ev) {
				struct prof_valid *pv;
				char path[96];

				if (p->n_valid == PROF_MAX_SETS)
					break;
				pv = &p->valid[p->n_valid];
				snprintf(pv->name, sizeof pv->name, "%s",
				    it->string);
				snprintf(path, sizeof path,
				    "training.epoch_valid.%s", it->string);
				if (!cJSON_IsObject(it)) {
					ep_fail(err, EP_EPARSE, "%s: %s: expected "
					    "an object", what, path);
					goto out;
				}
				if (get_stat(&r, it, path, &pv->e) < 0)
					goto out;
				p->n_valid++;
			}
		else if (r.failed)
			goto out;
		if ((so = get_obj(&r, o, "training", "setup", 0)) != NULL) {
			if (get_stat(&r, so, "training.setup", &p->setup) < 0)
				goto out;
		} else if (r.failed) {
			goto out;
		}
	} else if (r.failed) {
		goto out;
	}
	if ((o = get_obj(&r, root, "", "inference", 0)) != NULL) {
		const cJSON *bs;
		char unit[16] = "request";
		double k = 10;
		size_t i;

		p->has_inference = 1;
		if (get_str(&r, o, "inference", "unit", 0, unit,
		    sizeof unit) < 0)
			goto out;
		if (strcmp(unit, "request") != 0 && strcmp(unit, "query") != 0) {
			ep_fail(err, EP_EPARSE, "%s: inference.unit: '%s': "
			    "expected request", what, unit);
			goto out;
		}
		p->users_per_query = 1;
		if (get_num(&r, o, "inference", "users_per_query", 1, 1e12, 0,
		    &p->users_per_query) < 0 ||
		    get_num(&r, o, "inference", "k", 1, 1e6, 0, &k) < 0)
			goto out;
		p->k = (int)k;
		bs = cJSON_GetObjectItem(o, "batches");
		if (!cJSON_IsArray(bs) || cJSON_GetArraySize(bs) == 0) {
			ep_fail(err, EP_EPARSE, "%s: inference.batches: expected "
			    "a non-empty array", what);
			goto out;
		}
		cJSON_ArrayForEach(it, bs) {
			struct prof_batch *b;
			char path[64];

			if (p->n_batches == PROF_MAX_BATCHES)
				break;
			b = &p->batches[p->n_batches];
			snprintf(path, sizeof path, "inference.batches[%zu]",
			    p->n_batches);
			v = 0;
			if (!cJSON_IsObject(it) ||
			    get_num(&r, it, path, "batch", 1, 1e12, 1,
			    &b->batch) < 0 ||
			    get_num(&r, it, path, "kwh_per_query", 0, HUGE_KWH, 1,
			    &b->kwh_per_query) < 0 ||
			    get_num(&r, it, path, "sd", 0, HUGE_KWH, 0,
			    &b->sd) < 0 ||
			    get_num(&r, it, path, "gross_kwh_per_query", 0,
			    HUGE_KWH, 0, &b->gross_kwh_per_query) < 0 ||
			    get_num(&r, it, path, "p50_ms", 0, 1e12, 0,
			    &b->p50_ms) < 0 ||
			    get_num(&r, it, path, "p99_ms", 0, 1e12, 0,
			    &b->p99_ms) < 0 ||
			    get_num(&r, it, path, "queries_per_second", 0, 1e15,
			    0, &b->queries_per_sec) < 0 ||
			    get_num(&r, it, path, "n", 0, 1e9, 0, &v) < 0) {
				if (!cJSON_IsObject(it))
					ep_fail(err, EP_EPARSE, "%s: %s: expected "
					    "an object", what, path);
				goto out;
			}
			if (b->gross_kwh_per_query == 0)
				b->gross_kwh_per_query = b->kwh_per_query;
			b->n = (int)v;
			p->n_batches++;
		}
		for (i = 1; i < p->n_batches; i++)
			if (!(p->batches[i].batch > p->batches[i - 1].batch)) {
				ep_fail(err, EP_EPARSE, "%s: inference.batches: "
				    "batch sizes must increase", what);
				goto out;
			}
	} else if (r.failed) {
		goto out;
	}
	if (!p->has_training && !p->has_inference) {
		ep_fail(err, EP_EPARSE, "%s: has neither training nor inference "
		    "figures", what);
		goto out;
	}
	if ((o = get_obj(&r, root, "", "accuracy", 0)) != NULL) {
		cJSON_ArrayForEach(it, o) {
			struct prof_metric *pm;

			if (strcmp(it->string, "converged") == 0) {
				if (!cJSON_IsBool(it)) {
					ep_fail(err, EP_EPARSE, "%s: accuracy."
					    "converged: expected true or false",
					    what);
					goto out;
				}
				p->converged = cJSON_IsTrue(it);
				continue;
			}
			if (p->n_metrics == PROF_MAX_METRICS)
				break;
			if (!cJSON_IsNumber(it) || !isfinite(it->valuedouble)) {
				ep_fail(err, EP_EPARSE, "%s: accuracy.%s: "
				    "expected a number", what, it->string);
				goto out;
			}
			pm = &p->metrics[p->n_metrics++];
			snprintf(pm->name, sizeof pm->name, "%s", it->string);
			pm->value = it->valuedouble;
		}
	} else if (r.failed) {
		goto out;
	}
	if (get_bool(&r, root, "", "incomplete", &p->incomplete) < 0 ||
	    get_str(&r, root, "", "source", 0, p->source,
	    sizeof p->source) < 0)
		goto out;
	ret = 0;
out:
	cJSON_Delete(root);
	return ret;
}

int
prof_profile_load(const char *path, struct prof_profile *p,
    struct ep_err *err)
{
	char *buf = NULL;
	size_t len;
	int ret;

	if (ep_read_file(path, PROFILE_MAX, &buf, &len, err) < 0)
		return -1;
	ret = prof_profile_parse(buf, len, path, p, err);
	free(buf);
	return ret;
}

const struct prof_valid *
prof_profile_valid(const struct prof_profile *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->n_valid; i++)
		if (strcmp(p->valid[i].name, name) == 0)
			return &p->valid[i];
	return NULL;
}

double
prof_profile_metric(const struct prof_profile *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->n_metrics; i++)
		if (strcmp(p->metrics[i].name, name) == 0)
			return p->metrics[i].value;
	return (double)NAN;
}
