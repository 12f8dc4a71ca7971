/*
 * Train/valid/test splits (RecBole's RS and LS procedures).
 */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "core/mem.h"
#include "core/num.h"
#include "core/rng.h"
#include "models/split.h"
#include "core/banned.h"

int
model_split_parse(const char *text, struct model_split_spec *spec,
    struct ep_err *err)
{
	char *copy = ep_xstrdup(text), *slash, *p;
	int ret = -1;

	spec->by_time = 0;
	if ((slash = strchr(copy, '/')) != NULL) {
		if (strcmp(slash, "/time") != 0 && strcmp(slash, "/random") != 0) {
			ep_fail(err, EP_EUSAGE, "'%s': expected /time or "
			    "/random after the split kind", text);
			goto out;
		}
		spec->by_time = strcmp(slash, "/time") == 0;
		*slash = '\0';
	}
	if (strcmp(copy, "loo") == 0) {
		spec->kind = MODEL_SPLIT_LOO;
	} else if (strcmp(copy, "rs") == 0) {
		spec->kind = MODEL_SPLIT_RATIO;
		spec->ratio[0] = 0.8;
		spec->ratio[1] = spec->ratio[2] = 0.1;
	} else if (strncmp(copy, "rs:", 3) == 0) {
		double w[3], sum;
		int k;

		p = copy + 3;
		for (k = 0; k < 3; k++) {
			char *comma = strchr(p, ',');

			if ((comma == NULL) != (k == 2)) {
				ep_fail(err, EP_EUSAGE, "'%s': expected "
				    "rs:TRAIN,VALID,TEST", text);
				goto out;
			}
			if (comma != NULL)
				*comma = '\0';
			if (ep_parse_double(p, 0, 1e9, &w[k], err) < 0) {
				ep_err_prefix(err, "%s", text);
				goto out;
			}
			if (comma != NULL)
				p = comma + 1;
		}
		if (w[0] <= 0) {
			ep_fail(err, EP_EUSAGE, "'%s': the training share must "
			    "be positive", text);
			goto out;
		}
		/* RecBole normalises by the sum in the same order. */
		sum = w[0] + w[1] + w[2];
		for (k = 0; k < 3; k++)
			spec->ratio[k] = w[k] / sum;
		spec->kind = MODEL_SPLIT_RATIO;
	} else {
		ep_fail(err, EP_EUSAGE, "'%s': unknown split (expected rs, "
		    "rs:8,1,1 or loo, optionally with /time)", text);
		goto out;
	}
	ret = 0;
out:
	free(copy);
	return ret;
}

void
model_split_counts(long n, const double ratio[3], long cnt[3])
{
	int i;

	/* int(ratio * n) in double, as RecBole computes it. */
	cnt[1] = (long)(ratio[1] * (double)n);
	cnt[2] = (long)(ratio[2] * (double)n);
	cnt[0] = n - cnt[1] - cnt[2];
	for (i = 1; i < 3; i++) {
		double share = ratio[i] * (double)n;

		if (cnt[0] <= 1)
			break;
		if (share > 0 && share < 1) {
			cnt[i]++;
			cnt[0]--;
		}
	}
}

/* Timestamps of the interactions being sorted, for qsort. */
static const double *sort_ts;

static int
cmp_by_time(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	double tx = sort_ts[x], ty = sort_ts[y];

	/* Equal times keep file order, so the sort is stable. */
	if (tx != ty)
		return tx < ty ? -1 : 1;
	return (x > y) - (x < y);
}

int
model_split_make(const struct model_data *d,
    const struct model_split_spec *spec, struct model_split *out,
    struct ep_err *err)
{
	size_t n = d->n_inter, i, *order, *grouped, *start;
	uint32_t *rows[3], *cols[3];
	size_t len[3] = { 0, 0, 0 };
	unsigned char *part;
	uint32_t u;
	int k;

	*out = (struct model_split)MODEL_SPLIT_INIT;
	out->n_users = d->n_users;
	out->n_items = d->n_items;
	part = ep_xmalloc(n);
	if (d->part != NULL) {
		memcpy(part, d->part, n);
		snprintf(out->desc, sizeof out->desc, "given (pre-split files)");
	} else {
		if (spec->by_time && d->ts == NULL) {
			free(part);
			return ep_fail(err, EP_EUSAGE, "%s: has no timestamps "
			    "to order the split by", d->name);
		}
		order = ep_xreallocarray(NULL, n, sizeof *order);
		for (i = 0; i < n; i++)
			order[i] = i;
		if (spec->by_time) {
			sort_ts = d->ts;
			qsort(order, n, sizeof *order, cmp_by_time);
			sort_ts = NULL;
		} else {
			struct ep_rng rng;

			ep_rng_seed(&rng, spec->seed, 0x5eed);
			for (i = n; i > 1; i--) {
				size_t j = ep_rng_below(&rng, (uint32_t)(i <=
				    UINT32_MAX ? i : UINT32_MAX));
				size_t t = order[i - 1];

				order[i - 1] = order[j];
				order[j] = t;
			}
		}
		/* Group by user, keeping the order within each user. */
		start = ep_xcalloc((size_t)d->n_users + 1, sizeof *start);
		for (i = 0; i < n; i++)
			start[d->user[i] + 1]++;
		for (u = 0; u < d->n_users; u++)
			start[u + 1] += start[u];
		grouped = ep_xreallocarray(NULL, n, sizeof *grouped);
		{
			size_t *next = ep_xreallocarray(NULL,
			    (size_t)d->n_users + 1, sizeof *next);

			memcpy(next, start, ((size_t)d->n_users + 1) *
			    sizeof *next);
			for (i = 0; i < n; i++)
				grouped[next[d->user[order[i]]]++] = order[i];
			free(next);
		}
		for (u = 0; u < d->n_users; u++) {
			long m = (long)(start[u + 1] - start[u]), cnt[3], j;
			size_t *g = grouped + start[u];

			if (spec->kind == MODEL_SPLIT_RATIO) {
				model_split_counts(m, spec->ratio, cnt);
			} else {
				/* Leave-one-out: the last goes to test, the
				 * one before to valid, while train keeps one. */
				long legal = m - 1 < 2 ? m - 1 : 2;

				cnt[0] = m - legal;
				cnt[1] = legal == 2;
				cnt[2] = legal >= 1;
			}
			for (j = 0; j < m; j++)
				part[g[j]] = j < cnt[0] ? MODEL_TRAIN :
				    j < cnt[0] + cnt[1] ? MODEL_VALID : MODEL_TEST;
		}
		if (spec->kind == MODEL_SPLIT_RATIO)
			snprintf(out->desc, sizeof out->desc,
			    "RS %g:%g:%g %s, seed %llu", spec->ratio[0],
			    spec->ratio[1], spec->ratio[2],
			    spec->by_time ? "by time" : "random",
			    (unsigned long long)spec->seed);
		else
			snprintf(out->desc, sizeof out->desc,
			    "leave-one-out %s, seed %llu",
			    spec->by_time ? "by time" : "random",
			    (unsigned long long)spec->seed);
		free(grouped);
		free(start);
		free(order);
	}
	for (i = 0; i < n; i++)
		len[part[i]]++;
	for (k = 0; k < 3; k++) {
		rows[k] = ep_xreallocarray(NULL, len[k], sizeof *rows[k]);
		cols[k] = ep_xreallocarray(NULL, len[k], sizeof *cols[k]);
		len[k] = 0;
	}
	for (i = 0; i < n; i++) {
		k = part[i];
		rows[k][len[k]] = d->user[i];
		cols[k][len[k]] = d->item[i];
		len[k]++;
	}
	for (k = 0; k < 3; k++) {
		model_csr_from_pairs(&out->part[k], d->n_users, d->n_items,
		    rows[k], cols[k], len[k]);
		free(rows[k]);
		free(cols[k]);
	}
	out->item_pop = ep_xcalloc(d->n_items ? d->n_items : 1,
	    sizeof *out->item_pop);
	for (i = 0; i < out->part[MODEL_TRAIN].nnz; i++)
		out->item_pop[out->part[MODEL_TRAIN].col[i]]++;
	free(part);
	return 0;
}

void
model_split_release(struct model_split *s)
{
	int k;

	for (k = 0; k < 3; k++)
		model_csr_release(&s->part[k]);
	free(s->item_pop);
	*s = (struct model_split)MODEL_SPLIT_INIT;
}
