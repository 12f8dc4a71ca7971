/*
 * Shared by the planning commands: picking profiles (local store or a
 * reference set), profile to calc/ costs, and the scenario's intensity.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ci-data/ci.h"
#include "cli/planning.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/num.h"
#include "core/suggest.h"
#include "models/model.h"
#include "profiles/store.h"
#include "core/banned.h"

/* Reference sets searched for a default, in this order. */
static const char *const default_sets[] = {
	"ref:schodl2025-mind", "ref:schodl2025-movielens",
	"ref:schodl2025-amazon", "ref:spillo2023-mind",
	"ref:spillo2023-movielens", "ref:spillo2023-amazon"
};

#define N_DEFAULT (sizeof default_sets / sizeof default_sets[0])

/* Adds name to the list buffer unless it is there (case-insensitive). */
static void
list_add(char *list, size_t size, const char *name)
{
	const char *s = list, *e;
	size_t len = strlen(name), have = strlen(list);

	while (*s != '\0') {
		e = strchr(s, ',');
		if (e == NULL)
			e = s + strlen(s);
		if ((size_t)(e - s) == len && strncasecmp(s, name, len) == 0)
			return;
		s = *e == ',' ? e + 2 : e;
	}
	if (have + 3 < size)
		snprintf(list + have, size - have, "%s%s", have ? ", " : "",
		    name);
}

/*
 * Whether name is a model ecoplan knows: one it can train, or one of a
 * reference set. Fills list with all of them for a message, and offers
 * each to s.
 */
static int
model_known(const char *name, char *list, size_t size, struct ep_suggest *s)
{
	struct prof_set set = PROF_SET_INIT;
	struct ep_err err = EP_ERR_INIT;
	size_t i, j;
	int known = 0;

	list[0] = '\0';
	for (i = 0; i < model_count(); i++) {
		list_add(list, size, model_at(i)->name);
		ep_suggest_offer(s, model_at(i)->name);
		if (strcasecmp(model_at(i)->name, name) == 0)
			known = 1;
	}
	for (i = 0; i < N_DEFAULT; i++) {
		if (prof_ref_load(default_sets[i], &set, &err) < 0)
			continue;
		for (j = 0; j < set.n; j++) {
			list_add(list, size, set.p[j].model);
			ep_suggest_offer(s, set.p[j].model);
			if (strcasecmp(set.p[j].model, name) == 0)
				known = 1;
		}
		prof_set_release(&set);
	}
	return known;
}

/* Reports an unknown model name; returns 2. */
static int
unknown_model(const char *cmd, const char *name)
{
	struct ep_suggest s;
	char list[1024];
	const char *best;

	ep_suggest_init(&s, name);
	model_known(name, list, sizeof list, &s);
	best = ep_suggest_best(&s);
	ep_error("%s: %s: unknown model%s%s%s (known: %s)", cmd, name,
	    best ? "; did you mean '" : "", best ? best : "",
	    best ? "'?" : "", list);
	return 2;
}

static int
is_known(const char *name)
{
	struct ep_suggest s;
	char list[1024];

	ep_suggest_init(&s, name);
	return model_known(name, list, sizeof list, &s);
}

/* The names of set's models, for a message. */
static void
set_models(const struct prof_set *set, char *buf, size_t size)
{
	size_t i;

	buf[0] = '\0';
	for (i = 0; i < set->n; i++)
		list_add(buf, size, set->p[i].model);
}

static int
has_all(const struct prof_set *set, char **names, size_t n, int need_inf)
{
	const struct prof_profile *p;
	size_t i;

	for (i = 0; i < n; i++) {
		p = prof_set_find(set, names[i]);
		if (p == NULL || (need_inf && !p->has_inference))
			return 0;
	}
	return 1;
}

static int
from_set(const char *cmd, const struct prof_set *set, char **names,
    size_t n, int need_inf, struct cmd_pick *out)
{
	const struct prof_profile *p;
	char list[1024];
	size_t i;

	for (i = 0; i < n; i++) {
		p = prof_set_find(set, names[i]);
		if (p == NULL) {
			if (!is_known(names[i]))
				return unknown_model(cmd, names[i]);
			set_models(set, list, sizeof list);
			ep_error("%s: %s: not in %s (it has: %s)", cmd,
			    names[i], set->name, list);
			return 1;
		}
		if (need_inf && !p->has_inference) {
			ep_error("%s: %s: %s has no inference energy for it "
			    "(%s)", cmd, p->model, set->name,
			    strncmp(set->name, "ref:spillo", 10) == 0 ?
			    "that study measured training only" :
			    "it ran out of memory in the study");
			return 1;
		}
		out->p[i] = *p;
	}
	return 0;
}

static int
from_store(const char *cmd, char **names, size_t n, int need_inf,
    struct cmd_pick *out)
{
	struct ep_err err = EP_ERR_INIT;
	size_t i;

	for (i = 0; i < n; i++) {
		if (prof_store_find(names[i], NULL, &out->p[i], &err) < 0) {
			if (err.code != EP_ENOTFOUND) {
				ep_err_prefix(&err, "%s", cmd);
				ep_report(&err);
				return ep_err_status(&err);
			}
			if (!is_known(names[i]))
				return unknown_model(cmd, names[i]);
			ep_error("%s: %s: no profile on this machine; make "
			    "one with 'ecoplan profile %s'", cmd, names[i],
			    names[i]);
			return 1;
		}
		if (need_inf && !out->p[i].has_inference) {
			ep_error("%s: %s: its profile has no inference "
			    "figures; measure them with 'ecoplan profile %s'",
			    cmd, names[i], names[i]);
			return 1;
		}
	}
	return 0;
}

int
cmd_pick_profiles(const char *cmd, char **names, size_t n, const char *set,
    int need_inf, struct cmd_pick *out)
{
	struct prof_set rs = PROF_SET_INIT;
	struct prof_profile tmp;
	struct ep_err err = EP_ERR_INIT;
	size_t i, local = 0;
	int st;

	*out = (struct cmd_pick)CMD_PICK_INIT;
	out->n = n;
	out->p = ep_xcalloc(n > 0 ? n : 1, sizeof *out->p);
	if (set != NULL && strcmp(set, "local") == 0) {
		snprintf(out->set, sizeof out->set, "local");
		return from_store(cmd, names, n, need_inf, out);
	}
	if (set != NULL) {
		if (prof_ref_load(set, &rs, &err) < 0) {
			ep_err_prefix(&err, "%s: --profiles", cmd);
			ep_report(&err);
			return ep_err_status(&err);
		}
		snprintf(out->set, sizeof out->set, "%s", set);
		st = from_set(cmd, &rs, names, n, need_inf, out);
		prof_set_release(&rs);
		return st;
	}
	for (i = 0; i < n; i++) {
		if (prof_store_find(names[i], NULL, &tmp, &err) == 0)
			local++;
		ep_err_clear(&err);
	}
	if (local == n) {
		snprintf(out->set, sizeof out->set, "local");
		return from_store(cmd, names, n, need_inf, out);
	}
	if (local > 0) {
		for (i = 0; i < n; i++)
			if (prof_store_find(names[i], NULL, &tmp, &err) < 0)
				break;
		ep_err_clear(&err);
		if (!is_known(names[i]))
			return unknown_model(cmd, names[i]);
		ep_error("%s: %s: no profile on this machine, while other "
		    "models have one; make one with 'ecoplan profile %s', "
		    "or compare reference profiles with --profiles SET", cmd,
		    names[i], names[i]);
		return 1;
	}
	out->defaulted = 1;
	for (i = 0; i < N_DEFAULT; i++) {
		if (prof_ref_load(default_sets[i], &rs, &err) < 0) {
			ep_err_prefix(&err, "%s", cmd);
			ep_report(&err);
			return ep_err_status(&err);
		}
		if (has_all(&rs, names, n, need_inf)) {
			snprintf(out->set, sizeof out->set, "%s",
			    default_sets[i]);
			st = from_set(cmd, &rs, names, n, need_inf, out);
			prof_set_release(&rs);
			return st;
		}
		prof_set_release(&rs);
	}
	/* No set has them all: say what is wrong with the first name. */
	for (i = 0; i < n; i++) {
		size_t j, found = 0;

		if (!is_known(names[i]))
			return unknown_model(cmd, names[i]);
		for (j = 0; j < N_DEFAULT && !found; j++) {
			if (prof_ref_load(default_sets[j], &rs, &err) < 0)
				continue;
			found = has_all(&rs, &names[i], 1, need_inf);
			prof_set_release(&rs);
		}
		if (!found) {
			ep_error("%s: %s: no profile on this machine and none "
			    "in a reference set%s; make one with 'ecoplan "
			    "profile %s'", cmd, names[i],
			    need_inf ? " with inference figures" : "",
			    names[i]);
			return 1;
		}
	}
	ep_error("%s: no reference set has all of these models%s; choose "
	    "one with --profiles SET, or measure them with 'ecoplan "
	    "profile'", cmd, need_inf ? " with inference figures" : "");
	return 1;
}

void
cmd_pick_release(struct cmd_pick *pk)
{
	free(pk->p);
	pk->p = NULL;
	pk->n = 0;
}

int
cmd_load_set(const char *cmd, const char *name, struct prof_set *set)
{
	struct ep_err err = EP_ERR_INIT;
	struct prof_entry *list = NULL;
	size_t n = 0, i;

	*set = (struct prof_set)PROF_SET_INIT;
	if (strcmp(name, "local") != 0) {
		if (prof_ref_load(name, set, &err) < 0) {
			ep_err_prefix(&err, "%s", cmd);
			ep_report(&err);
			return ep_err_status(&err);
		}
		return 0;
	}
	if (prof_store_list(&list, &n, &err) < 0) {
		ep_err_prefix(&err, "%s: local", cmd);
		ep_report(&err);
		return ep_err_status(&err);
	}
	snprintf(set->name, sizeof set->name, "local");
	for (i = 0; i < n; i++)
		if (list[i].ok)
			prof_set_add(set, &list[i].p);
	free(list);
	return 0;
}

int
cmd_profile_cost(const char *cmd, const struct prof_profile *p,
    const char *valid, int need_inf, struct calc_cost *c)
{
	const struct prof_valid *v = NULL;
	size_t i;

	memset(c, 0, sizeof *c);
	if (!p->has_training) {
		ep_error("%s: %s: its profile has no training figures", cmd,
		    p->model);
		return 1;
	}
	if (p->n_valid > 0) {
		v = prof_profile_valid(p, valid);
		if (v == NULL) {
			ep_error("%s: %s: its profile has no validation "
			    "figure for metric set '%s'", cmd, p->model,
			    valid);
			return 1;
		}
	}
	c->setup_kwh = p->setup.kwh;
	c->setup_sd_kwh = p->setup.sd;
	c->epoch_train_kwh = p->epoch_train.kwh;
	c->epoch_train_sd_kwh = p->epoch_train.sd;
	c->epoch_valid_kwh = v != NULL ? v->e.kwh : 0;
	c->epoch_valid_sd_kwh = v != NULL ? v->e.sd : 0;
	c->epochs = p->epochs_per_update;
	c->users_per_query = p->users_per_query > 0 ? p->users_per_query : 1;
	if (!p->has_inference || p->n_batches == 0) {
		if (need_inf) {
			ep_error("%s: %s: its profile has no inference "
			    "figures", cmd, p->model);
			return 1;
		}
		c->n_points = 1;
		c->batch[0] = 1;
		c->query_kwh[0] = 1e-300;
		return 0;
	}
	for (i = 0; i < p->n_batches && i < CALC_MAX_POINTS; i++) {
		c->batch[i] = p->batches[i].batch;
		c->query_kwh[i] = p->batches[i].kwh_per_query;
		c->query_sd_kwh[i] = p->batches[i].sd;
	}
	c->n_points = i;
	return 0;
}

double
cmd_profile_metric(const struct prof_profile *p, const char *name)
{
	return prof_profile_metric(p, name);
}

int
cmd_resolve_intensity(const char *cmd, const char *region,
    const char *explicit, struct cmd_intensity *out)
{
	struct ci_request req = CI_REQUEST_INIT;
	struct ci_result res;
	struct ep_err err = EP_ERR_INIT;
	const struct ci_value *v;
	size_t i;
	int st;

	memset(out, 0, sizeof *out);
	memset(&res, 0, sizeof res);
	if (explicit != NULL) {
		if (ep_parse_intensity(explicit, &out->g_per_kwh, &err) < 0) {
			ep_err_prefix(&err, "%s: --ci", cmd);
			ep_report(&err);
			return 2;
		}
		if (!(out->g_per_kwh > 0)) {
			ep_error("%s: --ci: '%s': must be positive", cmd,
			    explicit);
			return 2;
		}
		snprintf(out->words, sizeof out->words,
		    "%.6g g/kWh, given with --ci", out->g_per_kwh);
		return 0;
	}
	if (region == NULL) {
		region = getenv("ECOPLAN_REGION");
		if (region == NULL || region[0] == '\0')
			region = "World";
		out->defaulted = 1;
	}
	req.region = region;
	if (ci_resolve(&req, &res, &err) < 0) {
		ep_err_prefix(&err, "%s: region", cmd);
		ep_report(&err);
		st = ep_err_status(&err);
		ci_result_release(&res);
		return st;
	}
	for (i = 0; i < res.warn.n; i++)
		ep_warn("%s", res.warn.msg[i]);
	v = &res.value;
	out->g_per_kwh = v->g_per_kwh;
	snprintf(out->region, sizeof out->region, "%s", res.region);
	snprintf(out->words, sizeof out->words,
	    "%.6g g/kWh, %s%s%s%s, %d, %s (%s, %s)%s", v->g_per_kwh,
	    res.region, strcmp(res.used, res.region) != 0 ? " (value of " :
	    "", strcmp(res.used, res.region) != 0 ? res.used : "",
	    strcmp(res.used, res.region) != 0 ? ")" : "", v->year,
	    v->tag.text, ci_basis_name(v->tag.basis),
	    ci_signal_name(v->tag.signal),
	    out->defaulted ? (getenv("ECOPLAN_REGION") != NULL &&
	    getenv("ECOPLAN_REGION")[0] != '\0' ? "; from $ECOPLAN_REGION" :
	    "; World average: no --region nor $ECOPLAN_REGION") : "");
	ci_result_release(&res);
	if (!(out->g_per_kwh > 0)) {
		ep_error("%s: region %s: no positive intensity", cmd, region);
		return 1;
	}
	return 0;
}

const char *
cmd_model_name(const struct prof_profile *p)
{
	return p->model;
}
