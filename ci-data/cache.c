/*
 * The carbon-intensity cache: JSON files (schema "ecoplan-ci-cache/1")
 * written with ep_write_atomic() and validated field by field on
 * reading, since anything may have happened to them in between.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ci-data/cache.h"
#include "ci-data/isotime.h"
#include "ci-data/json.h"
#include "core/fsutil.h"
#include "core/mem.h"
#include "core/num.h"
#include "core/paths.h"
#include "core/banned.h"

#define SCHEMA "ecoplan-ci-cache/1"
/* Larger than any series the sources send, several times over. */
#define CACHE_MAX ((size_t)4 << 20)

int
ci_cache_ttl(enum ci_source src, double *secs, struct ep_err *err)
{
	const char *v = getenv("ECOPLAN_CI_CACHE_TTL");

	if (v != NULL && v[0] != '\0') {
		if (ep_parse_duration(v, secs, err) < 0) {
			ep_err_prefix(err, "ECOPLAN_CI_CACHE_TTL");
			if (err != NULL)
				err->code = EP_EUSAGE;
			return -1;
		}
		return 0;
	}
	switch (src) {
	case CI_SRC_UK:
		*secs = CI_TTL_UK;
		break;
	case CI_SRC_EM:
		*secs = CI_TTL_EM;
		break;
	case CI_SRC_WT:
		*secs = CI_TTL_WT;
		break;
	default:
		*secs = 0;
		break;
	}
	return 0;
}

/*
 * The cache file of src, kind ("now" or "series") and key: letters,
 * digits, '.', '-' and '_' of key are kept, anything else becomes '_'
 * ("uk:13" -> "uk-now-uk_13.json"). With create, the folder is made.
 */
static char *
cache_file(enum ci_source src, const char *kind, const char *key,
    int create, struct ep_err *err)
{
	char safe[128], *dir, *path;
	size_t i;

	for (i = 0; key[i] != '\0' && i + 1 < sizeof safe; i++)
		safe[i] = isalnum((unsigned char)key[i]) || key[i] == '.' ||
		    key[i] == '-' || key[i] == '_' ? key[i] : '_';
	safe[i] = '\0';
	if (i == 0 || safe[0] == '.')
		safe[0] = '_';
	dir = create ? ep_xdg_mkdir(EP_DIR_CACHE, "ci", err) :
	    ep_xdg_dir(EP_DIR_CACHE, err);
	if (dir == NULL)
		return NULL;
	path = ep_xasprintf("%s%s/%s-%s-%s.json", dir, create ? "" : "/ci",
	    ci_source_name(src), kind, safe);
	free(dir);
	return path;
}

static cJSON *
tag_json(const struct ci_tag *t)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "source", ci_source_name(t->source));
	cJSON_AddStringToObject(o, "basis", ci_basis_name(t->basis));
	cJSON_AddStringToObject(o, "signal", ci_signal_name(t->signal));
	cJSON_AddStringToObject(o, "accounting",
	    ci_accounting_name(t->accounting));
	cJSON_AddBoolToObject(o, "estimated", t->estimated);
	cJSON_AddBoolToObject(o, "forecast", t->forecast);
	cJSON_AddStringToObject(o, "text", t->text);
	return o;
}

/* Wraps body (taken over) in the envelope and writes the file. */
static int
write_entry(enum ci_source src, const char *kind, const char *key,
    time_t fetched, const char *member, cJSON *body, struct ep_err *err)
{
	cJSON *root = cJSON_CreateObject();
	char when[32], *text = NULL, *path = NULL;
	int ret = -1;

	cJSON_AddStringToObject(root, "schema", SCHEMA);
	cJSON_AddStringToObject(root, "source", ci_source_name(src));
	cJSON_AddStringToObject(root, "key", key);
	cJSON_AddStringToObject(root, "fetched", ci_time_format(fetched,
	    CI_TIME_ISO, when, sizeof when));
	cJSON_AddItemToObject(root, member, body);
	if ((text = cJSON_PrintUnformatted(root)) == NULL) {
		ep_fail(err, EP_ENOMEM, "cannot format the cache entry");
		goto out;
	}
	if ((path = cache_file(src, kind, key, 1, err)) == NULL)
		goto out;
	ret = ep_write_atomic(path, text, strlen(text), 0600, err);
out:
	free(path);
	free(text);
	cJSON_Delete(root);
	return ret;
}

int
ci_cache_put_value(enum ci_source src, const char *key,
    const struct ci_value *v, time_t fetched, struct ep_err *err)
{
	cJSON *o = cJSON_CreateObject();
	char at[32];

	cJSON_AddNumberToObject(o, "g_per_kwh", v->g_per_kwh);
	cJSON_AddNumberToObject(o, "year", v->year);
	if (v->year == 0)
		cJSON_AddStringToObject(o, "at", ci_time_format(v->at,
		    CI_TIME_ISO, at, sizeof at));
	cJSON_AddNumberToObject(o, "period_secs", (double)v->period_secs);
	if (isfinite(v->percentile))
		cJSON_AddNumberToObject(o, "percentile", v->percentile);
	cJSON_AddStringToObject(o, "index", v->index);
	cJSON_AddItemToObject(o, "tag", tag_json(&v->tag));
	return write_entry(src, "now", key, fetched, "value", o, err);
}

int
ci_cache_put_series(enum ci_source src, const char *key,
    const struct ci_series *s, time_t fetched, struct ep_err *err)
{
	cJSON *o = cJSON_CreateObject(), *t = cJSON_CreateArray();
	cJSON *g = cJSON_CreateArray();
	size_t i;

	cJSON_AddNumberToObject(o, "step_secs", (double)s->step_secs);
	cJSON_AddItemToObject(o, "tag", tag_json(&s->tag));
	for (i = 0; i < s->n; i++) {
		cJSON_AddItemToArray(t, cJSON_CreateNumber((double)s->t[i]));
		cJSON_AddItemToArray(g, isfinite(s->g_per_kwh[i]) ?
		    cJSON_CreateNumber(s->g_per_kwh[i]) : cJSON_CreateNull());
	}
	cJSON_AddItemToObject(o, "t", t);
	cJSON_AddItemToObject(o, "g_per_kwh", g);
	return write_entry(src, "series", key, fetched, "series", o, err);
}

static int
read_tag(const cJSON *o, struct ci_tag *t)
{
	const char *s;
	enum ci_source src;
	cJSON *e, *f;

	if (!cJSON_IsObject(o))
		return -1;
	memset(t, 0, sizeof *t);
	if ((s = ci_json_string(o, "source")) == NULL ||
	    ci_source_parse(s, &src, NULL) < 0)
		return -1;
	t->source = src;
	if ((s = ci_json_string(o, "basis")) == NULL ||
	    ci_basis_parse(s, &t->basis) < 0 ||
	    (s = ci_json_string(o, "signal")) == NULL ||
	    ci_signal_parse(s, &t->signal) < 0 ||
	    (s = ci_json_string(o, "accounting")) == NULL ||
	    ci_accounting_parse(s, &t->accounting) < 0 ||
	    (s = ci_json_string(o, "text")) == NULL)
		return -1;
	ci_text_clean(t->text, sizeof t->text, s);
	e = cJSON_GetObjectItemCaseSensitive(o, "estimated");
	f = cJSON_GetObjectItemCaseSensitive(o, "forecast");
	if (!cJSON_IsBool(e) || !cJSON_IsBool(f))
		return -1;
	t->estimated = cJSON_IsTrue(e);
	t->forecast = cJSON_IsTrue(f);
	return 0;
}

/*
 * Reads and checks the envelope of a cache file. Returns 1 with *root
 * (to free) and *fetched set, 0 when there is no file, -1 on error.
 */
static int
read_entry(enum ci_source src, const char *kind, const char *key,
    cJSON **root, time_t *fetched, struct ep_err *err)
{
	char *path = NULL, *buf = NULL;
	const char *s, *why = NULL;
	struct ep_err rerr = EP_ERR_INIT;
	struct stat st;
	size_t len;
	int ret = -1;

	*root = NULL;
	if ((path = cache_file(src, kind, key, 0, err)) == NULL)
		goto out;
	if (stat(path, &st) < 0 && errno == ENOENT) {
		ret = 0;
		goto out;
	}
	if (ep_read_file(path, CACHE_MAX, &buf, &len, &rerr) < 0) {
		ep_fail(err, EP_EIO, "%s", rerr.msg);
		goto out;
	}
	if (ci_json_parse(buf, len, root, &rerr) < 0) {
		why = rerr.msg;
	} else if ((s = ci_json_string(*root, "schema")) == NULL ||
	    strcmp(s, SCHEMA) != 0) {
		why = "unknown schema";
	} else if ((s = ci_json_string(*root, "source")) == NULL ||
	    strcmp(s, ci_source_name(src)) != 0 ||
	    (s = ci_json_string(*root, "key")) == NULL ||
	    strcmp(s, key) != 0) {
		why = "it belongs to another source or region";
	} else if ((s = ci_json_string(*root, "fetched")) == NULL ||
	    ci_time_parse(s, fetched, NULL) < 0) {
		why = "bad \"fetched\" time";
	}
	if (why != NULL) {
		ep_fail(err, EP_EPARSE, "%s: not a valid cache file: %s", path,
		    why);
		cJSON_Delete(*root);
		*root = NULL;
		goto out;
	}
	ret = 1;
out:
	free(buf);
	free(path);
	return ret;
}

int
ci_cache_get_value(enum ci_source src, const char *key, struct ci_value *v,
    time_t *fetched, struct ep_err *err)
{
	const cJSON *o;
	const char *at, *index;
	cJSON *root = NULL;
	double d, year;
	int ret;

	if ((ret = read_entry(src, "now", key, &root, fetched, err)) <= 0)
		return ret;
	ret = -1;
	ci_value_init(v);
	o = cJSON_GetObjectItemCaseSensitive(root, "value");
	if (!cJSON_IsObject(o) ||
	    ci_json_number(o, "g_per_kwh", &v->g_per_kwh) != 1 ||
	    !(v->g_per_kwh >= 0) ||
	    ci_json_number(o, "year", &year) != 1 ||
	    ci_json_number(o, "period_secs", &d) != 1 || d < 0 ||
	    (index = ci_json_string(o, "index")) == NULL ||
	    ci_json_number(o, "percentile", &v->percentile) < 0 ||
	    read_tag(cJSON_GetObjectItemCaseSensitive(o, "tag"),
	    &v->tag) < 0)
		goto out;
	v->year = (int)year;
	v->period_secs = (long)d;
	ci_text_clean(v->index, sizeof v->index, index);
	if (v->year == 0 && ((at = ci_json_string(o, "at")) == NULL ||
	    ci_time_parse(at, &v->at, NULL) < 0))
		goto out;
	ret = 1;
out:
	cJSON_Delete(root);
	if (ret < 0) {
		ci_value_init(v);
		ep_fail(err, EP_EPARSE, "%s cache for %s: not a valid cache "
		    "file: bad \"value\"", ci_source_name(src), key);
	}
	return ret;
}

int
ci_cache_get_series(enum ci_source src, const char *key,
    struct ci_series *s, time_t *fetched, struct ep_err *err)
{
	const cJSON *o, *t, *g, *ti, *gi;
	cJSON *root = NULL;
	double step;
	int ret;

	if ((ret = read_entry(src, "series", key, &root, fetched, err)) <= 0)
		return ret;
	ret = -1;
	o = cJSON_GetObjectItemCaseSensitive(root, "series");
	t = cJSON_GetObjectItemCaseSensitive(o, "t");
	g = cJSON_GetObjectItemCaseSensitive(o, "g_per_kwh");
	if (!cJSON_IsObject(o) || ci_json_number(o, "step_secs", &step) != 1 ||
	    step < 1 || step > 86400 || !cJSON_IsArray(t) ||
	    !cJSON_IsArray(g) ||
	    cJSON_GetArraySize(t) != cJSON_GetArraySize(g) ||
	    cJSON_GetArraySize(t) == 0 ||
	    read_tag(cJSON_GetObjectItemCaseSensitive(o, "tag"), &s->tag) < 0)
		goto out;
	s->step_secs = (long)step;
	for (ti = t->child, gi = g->child; ti != NULL && gi != NULL;
	    ti = ti->next, gi = gi->next) {
		if (!cJSON_IsNumber(ti) || !isfinite(ti->valuedouble) ||
		    (!cJSON_IsNull(gi) && !(cJSON_IsNumber(gi) &&
		    gi->valuedouble >= 0 && isfinite(gi->valuedouble))))
			goto out;
		ci_series_push(s, (time_t)ti->valuedouble, cJSON_IsNull(gi) ?
		    (double)NAN : gi->valuedouble);
	}
	ret = 1;
out:
	cJSON_Delete(root);
	if (ret < 0) {
		ci_series_release(s);
		ep_fail(err, EP_EPARSE, "%s cache for %s: not a valid cache "
		    "file: bad \"series\"", ci_source_name(src), key);
	}
	return ret;
}
