/*
 * Synthetic implicit-feedback data.
 *
 * Items get a popularity rank (a random permutation, so that rank is not
 * the id) with weight (rank + 1)^-alpha, and a taste cluster. Users get a
 * cluster and an activity drawn from a log-normal, scaled so that the
 * activities add up to the requested interaction count. Each user's
 * items are drawn without repetition: with probability `affinity` from
 * the popularity-weighted items of the user's cluster, otherwise from all
 * items. Sampling uses Walker's alias tables, O(1) a draw. Each user has
 * its own random stream, so users are generated in parallel and the
 * result does not depend on the thread count.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/num.h"
#include "core/rng.h"
#include "core/sha256.h"
#include "models/synth.h"
#include "core/banned.h"

/* Walker/Vose alias table over n outcomes. */
struct alias {
	uint32_t n;
	double *prob;
	uint32_t *alias;
	uint32_t *value;	/* outcome index -> item id */
};

static void
alias_build(struct alias *a, const double *w, const uint32_t *value,
    uint32_t n)
{
	uint32_t *small = ep_xreallocarray(NULL, n, sizeof *small);
	uint32_t *large = ep_xreallocarray(NULL, n, sizeof *large);
	double *p = ep_xreallocarray(NULL, n, sizeof *p), sum = 0;
	uint32_t ns = 0, nl = 0, i;

	a->n = n;
	a->prob = ep_xreallocarray(NULL, n, sizeof *a->prob);
	a->alias = ep_xreallocarray(NULL, n, sizeof *a->alias);
	a->value = ep_xreallocarray(NULL, n, sizeof *a->value);
	memcpy(a->value, value, n * sizeof *value);
	for (i = 0; i < n; i++)
		sum += w[i];
	for (i = 0; i < n; i++) {
		p[i] = w[i] * n / sum;
		if (p[i] < 1)
			small[ns++] = i;
		else
			large[nl++] = i;
	}
	while (ns > 0 && nl > 0) {
		uint32_t s = small[--ns], l = large[--nl];

		a->prob[s] = p[s];
		a->alias[s] = l;
		p[l] -= 1 - p[s];
		if (p[l] < 1)
			small[ns++] = l;
		else
			large[nl++] = l;
	}
	while (nl > 0) {
		i = large[--nl];
		a->prob[i] = 1;
		a->alias[i] = i;
	}
	while (ns > 0) {
		i = small[--ns];
		a->prob[i] = 1;
		a->alias[i] = i;
	}
	free(small);
	free(large);
	free(p);
}

static uint32_t
alias_draw(const struct alias *a, struct ep_rng *rng)
{
	uint32_t i = ep_rng_below(rng, a->n);

	return a->value[ep_rng_uniform(rng) < a->prob[i] ? i : a->alias[i]];
}

static void
alias_release(struct alias *a)
{
	free(a->prob);
	free(a->alias);
	free(a->value);
}

int
model_synth_parse(const char *text, struct model_synth_spec *spec,
    struct ep_err *err)
{
	const char *rest;
	char *copy = NULL, *p;
	int ret = -1;

	spec->seed = 2020;
	spec->clusters = 20;
	spec->alpha = 1.4;
	spec->affinity = 0.8;
	spec->activity_sigma = 0.9;
	if (strncmp(text, "synthetic-ml1m", 14) == 0) {
		spec->users = 6040;
		spec->items = 3706;
		spec->inters = 1000209;
		rest = text + 14;
	} else if (strncmp(text, "synthetic", 9) == 0) {
		spec->users = 943;
		spec->items = 1682;
		spec->inters = 100000;
		rest = text + 9;
	} else {
		return ep_fail(err, EP_EUSAGE, "'%s': not a synthetic dataset",
		    text);
	}
	if (*rest == '\0')
		return 0;
	if (*rest != ':')
		return ep_fail(err, EP_EUSAGE, "'%s': unknown dataset (expected "
		    "synthetic or synthetic-ml1m, optionally followed by "
		    ":key=value,...)", text);
	copy = ep_xstrdup(rest + 1);
	for (p = copy; p != NULL && *p != '\0';) {
		char *comma = strchr(p, ','), *eq;
		long *lv = NULL;
		double *dv = NULL, dmin = 0, dmax = 0;
		long lmin = 0, lmax = 0;

		if (comma != NULL)
			*comma = '\0';
		if ((eq = strchr(p, '=')) == NULL) {
			ep_fail(err, EP_EUSAGE, "%s: '%s': expected key=value",
			    text, p);
			goto out;
		}
		*eq = '\0';
#define LKEY(k, field, lo, hi) else if (strcmp(p, k) == 0) \
	(lv = &spec->field, lmin = (lo), lmax = (hi))
#define DKEY(k, field, lo, hi) else if (strcmp(p, k) == 0) \
	(dv = &spec->field, dmin = (lo), dmax = (hi))
		if (0)
			;
		LKEY("users", users, 1, 100000000);
		LKEY("items", items, 2, 100000000);
		LKEY("inters", inters, 1, 1000000000);
		LKEY("seed", seed, 0, 4294967295L);
		LKEY("clusters", clusters, 1, 10000);
		DKEY("alpha", alpha, 0, 3);
		DKEY("affinity", affinity, 0, 1);
		DKEY("sigma", activity_sigma, 0, 3);
		else {
			ep_fail(err, EP_EUSAGE, "%s: unknown key '%s' (expected "
			    "users, items, inters, seed, clusters, alpha, "
			    "affinity or sigma)", text, p);
			goto out;
		}
#undef LKEY
#undef DKEY
		if (lv != NULL && ep_parse_count(eq + 1, lmin, lmax, lv,
		    err) < 0) {
			/* A bad spec is a usage error, out of range or not. */
			err->code = EP_EUSAGE;
			ep_err_prefix(err, "%s: %s", text, p);
			goto out;
		}
		if (dv != NULL && ep_parse_double(eq + 1, dmin, dmax, dv,
		    err) < 0) {
			err->code = EP_EUSAGE;
			ep_err_prefix(err, "%s: %s", text, p);
			goto out;
		}
		p = comma != NULL ? comma + 1 : NULL;
	}
	/* Each user needs an item, and no user can hold more than a
	 * third of the items (so sampling without repetition stays fast). */
	if (spec->inters < spec->users) {
		ep_fail(err, EP_EUSAGE, "%s: inters (%ld) must be at least "
		    "users (%ld)", text, spec->inters, spec->users);
		goto out;
	}
	if ((double)spec->inters > (double)spec->users *
	    (double)(spec->items / 3 + 1) * 0.9) {
		ep_fail(err, EP_EUSAGE, "%s: inters (%ld) too many for %ld "
		    "users and %ld items (at most 90%% of users x items/3)",
		    text, spec->inters, spec->users, spec->items);
		goto out;
	}
	if (ep_mem_check(text, (double)spec->inters * MODEL_BYTES_PER_ROW +
	    ((double)spec->users + (double)spec->items) * 64.0, err) < 0)
		goto out;
	ret = 0;
out:
	free(copy);
	return ret;
}

/* Per-user interaction counts: log-normal, at least one, summing to N. */
static void
user_counts(const struct model_synth_spec *sp, struct ep_rng *rng,
    uint32_t *cnt)
{
	uint32_t U = (uint32_t)sp->users, cap = (uint32_t)(sp->items / 3 + 1);
	double *a = ep_xreallocarray(NULL, U, sizeof *a), sum = 0;
	long left;
	uint32_t u, base = 1;

	/* A floor like MovieLens's (every user has some history), when the
	 * average allows it. */
	if (sp->inters / sp->users >= 20)
		base = 5;
	for (u = 0; u < U; u++) {
		a[u] = exp(sp->activity_sigma * ep_rng_normal(rng));
		sum += a[u];
	}
	left = sp->inters;
	for (u = 0; u < U; u++) {
		double want = base + (double)(sp->inters - (long)base * U) *
		    a[u] / sum;
		uint32_t c = (uint32_t)want;

		cnt[u] = c < base ? base : c > cap ? cap : c;
		left -= cnt[u];
	}
	/* Hand out (or take back) the rounding remainder one at a time. */
	for (u = 0; left != 0; u = (u + 1) % U) {
		if (left > 0 && cnt[u] < cap) {
			cnt[u]++;
			left--;
		} else if (left < 0 && cnt[u] > 1) {
			cnt[u]--;
			left++;
		}
	}
	free(a);
}

int
model_synth_make(const struct model_synth_spec *sp, const char *name,
    struct model_data *d, struct ep_err *err)
{
	uint32_t U = (uint32_t)sp->users, I = (uint32_t)sp->items;
	uint32_t C = (uint32_t)sp->clusters, c, u, i;
	uint32_t *cnt, *perm, *item_cluster, *user_cluster, *members, *remap;
	uint32_t *user, *item, next_id = 0;
	size_t *off, n = (size_t)sp->inters, k;
	struct alias global, *cl;
	struct ep_rng rng;
	struct ep_sha256 h;
	double *w;
	uint32_t *csize, *cstart;

	(void)err;
	ep_rng_seed(&rng, (uint64_t)sp->seed, 0);
	/* Items: popularity rank by a random permutation, and a cluster. */
	perm = ep_xreallocarray(NULL, I, sizeof *perm);
	for (i = 0; i < I; i++)
		perm[i] = i;
	for (i = I - 1; i > 0; i--) {
		uint32_t j = ep_rng_below(&rng, i + 1), t = perm[i];

		perm[i] = perm[j];
		perm[j] = t;
	}
	w = ep_xreallocarray(NULL, I, sizeof *w);
	for (i = 0; i < I; i++)
		w[perm[i]] = pow((double)i + 1, -sp->alpha);
	item_cluster = ep_xreallocarray(NULL, I, sizeof *item_cluster);
	csize = ep_xcalloc(C, sizeof *csize);
	for (i = 0; i < I; i++) {
		item_cluster[i] = ep_rng_below(&rng, C);
		csize[item_cluster[i]]++;
	}
	for (i = 0; i < I; i++)
		perm[i] = i;
	alias_build(&global, w, perm, I);
	/* One alias table per cluster, over the cluster's items. */
	cstart = ep_xcalloc((size_t)C + 1, sizeof *cstart);
	for (c = 0; c < C; c++)
		cstart[c + 1] = cstart[c] + csize[c];
	members = ep_xreallocarray(NULL, I, sizeof *members);
	memset(csize, 0, C * sizeof *csize);
	for (i = 0; i < I; i++) {
		c = item_cluster[i];
		members[cstart[c] + csize[c]++] = i;
	}
	cl = ep_xcalloc(C, sizeof *cl);
	{
		double *cw = ep_xreallocarray(NULL, I, sizeof *cw);

		for (c = 0; c < C; c++) {
			for (i = 0; i < csize[c]; i++)
				cw[i] = w[members[cstart[c] + i]];
			if (csize[c] > 0)
				alias_build(&cl[c], cw, members + cstart[c],
				    csize[c]);
		}
		free(cw);
	}
	/* Users: a cluster and an activity. */
	user_cluster = ep_xreallocarray(NULL, U, sizeof *user_cluster);
	for (u = 0; u < U; u++)
		user_cluster[u] = ep_rng_below(&rng, C);
	cnt = ep_xreallocarray(NULL, U, sizeof *cnt);
	user_counts(sp, &rng, cnt);
	off = ep_xreallocarray(NULL, (size_t)U + 1, sizeof *off);
	off[0] = 0;
	for (u = 0; u < U; u++)
		off[u + 1] = off[u] + cnt[u];
	user = ep_xreallocarray(NULL, n, sizeof *user);
	item = ep_xreallocarray(NULL, n, sizeof *item);

#pragma omp parallel
	{
		unsigned char *taken = ep_xcalloc((I + 7) / 8, 1);
		long uu;

#pragma omp for schedule(dynamic, 64)
		for (uu = 0; uu < (long)U; uu++) {
			struct ep_rng r;
			const struct alias *mine = &cl[user_cluster[uu]];
			size_t o = off[uu], m, tries = 0;

			ep_rng_seed(&r, (uint64_t)sp->seed, (uint64_t)uu + 1);
			for (m = 0; m < cnt[uu]; tries++) {
				uint32_t it;

				if (tries > 50 * (size_t)cnt[uu] + 1000)
					it = ep_rng_below(&r, I);
				else if (mine->n > 0 &&
				    ep_rng_uniform(&r) < sp->affinity)
					it = alias_draw(mine, &r);
				else
					it = alias_draw(&global, &r);
				if (taken[it >> 3] & (1u << (it & 7)))
					continue;
				taken[it >> 3] |= (unsigned char)(1u << (it & 7));
				user[o + m] = (uint32_t)uu;
				item[o + m] = it;
				m++;
			}
			for (m = 0; m < cnt[uu]; m++) {
				uint32_t it = item[o + m];

				taken[it >> 3] &= (unsigned char)~(1u << (it & 7));
			}
		}
		free(taken);
	}

	/* Dense item ids in order of first appearance, like a file. */
	remap = ep_xreallocarray(NULL, I, sizeof *remap);
	for (i = 0; i < I; i++)
		remap[i] = UINT32_MAX;
	for (k = 0; k < n; k++) {
		if (remap[item[k]] == UINT32_MAX)
			remap[item[k]] = next_id++;
		item[k] = remap[item[k]];
	}
	ep_sha256_init(&h);
	for (k = 0; k < n; k++) {
		unsigned char b[8];
		int j;

		for (j = 0; j < 4; j++) {
			b[j] = (unsigned char)(user[k] >> (8 * j));
			b[4 + j] = (unsigned char)(item[k] >> (8 * j));
		}
		ep_sha256_update(&h, b, 8);
	}
	ep_sha256_hex(&h, d->sha256);
	model_data_from_arrays(d, name, "synthetic", U, next_id, user, item, n);

	for (c = 0; c < C; c++)
		if (csize[c] > 0)
			alias_release(&cl[c]);
	alias_release(&global);
	free(cl);
	free(remap);
	free(off);
	free(cnt);
	free(user_cluster);
	free(members);
	free(cstart);
	free(csize);
	free(item_cluster);
	free(w);
	free(perm);
	return 0;
}

int
model_synth_load(const char *text, struct model_data *d, struct ep_err *err)
{
	struct model_synth_spec spec;

	if (model_synth_parse(text, &spec, err) < 0)
		return -1;
	d->source = ep_xstrdup(text);
	if (model_synth_make(&spec, text, d, err) < 0)
		return -1;
	return 0;
}
