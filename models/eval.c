/*
 * Full-sort evaluation: one top-k selection per user feeds all twelve
 * metrics (RecBole's definitions, notes/recbole-reference.md section
 * 2.3). The selection and the exclusion of earlier-split items share
 * a single scan of each user's scores; GAUC's ranks are counted apart
 * (models/rankcount.c).
 */
#include <ctype.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/clock.h"
#include "core/mem.h"
#include "core/num.h"
#include "models/eval.h"
#include "models/kernels.h"
#include "models/rankcount.h"
#include "core/banned.h"

static const struct {
	const char *name;	/* RecBole's */
	const char *alias;	/* a short spelling, or NULL */
	int topk;		/* takes @k */
	int larger_better;
} metrics[MODEL_METRIC_COUNT] = {
	[MODEL_RECALL] = { "Recall", NULL, 1, 1 },
	[MODEL_MRR] = { "MRR", NULL, 1, 1 },
	[MODEL_NDCG] = { "NDCG", NULL, 1, 1 },
	[MODEL_HIT] = { "Hit", NULL, 1, 1 },
	[MODEL_MAP] = { "MAP", NULL, 1, 1 },
	[MODEL_PRECISION] = { "Precision", NULL, 1, 1 },
	[MODEL_GAUC] = { "GAUC", NULL, 0, 1 },
	[MODEL_ITEMCOVERAGE] = { "ItemCoverage", "coverage", 1, 1 },
	[MODEL_AVERAGEPOPULARITY] = { "AveragePopularity", "avgpop", 1, 0 },
	[MODEL_GINIINDEX] = { "GiniIndex", "gini", 1, 0 },
	[MODEL_SHANNONENTROPY] = { "ShannonEntropy", "entropy", 1, 1 },
	[MODEL_TAILPERCENTAGE] = { "TailPercentage", "tail", 1, 1 },
};

const char *
model_metric_name(enum model_metric m)
{
	return metrics[m].name;
}

int
model_metric_larger_better(enum model_metric m)
{
	return metrics[m].larger_better;
}

void
model_eval_label(const struct model_metric_req *r, char *buf, size_t size)
{
	const char *name = metrics[r->metric].name;
	size_t i, n = strlen(name);

	if (n >= size)
		n = size - 1;
	for (i = 0; i < n; i++)
		buf[i] = (char)tolower((unsigned char)name[i]);
	buf[n] = '\0';
	if (metrics[r->metric].topk)
		snprintf(buf + n, size - n, "@%d", r->k);
}

int
model_eval_find(const struct model_eval_spec *spec, enum model_metric m,
    int k)
{
	size_t i;

	for (i = 0; i < spec->n; i++)
		if (spec->req[i].metric == m &&
		    (!metrics[m].topk || spec->req[i].k == k))
			return (int)i;
	return -1;
}

static int
add_req(struct model_eval_spec *spec, enum model_metric m, int k,
    const char *list, struct ep_err *err)
{
	if (model_eval_find(spec, m, k) >= 0)
		return 0;
	if (spec->n == MODEL_EVAL_MAX)
		return ep_fail(err, EP_EUSAGE, "'%s': more than %d metrics",
		    list, MODEL_EVAL_MAX);
	spec->req[spec->n].metric = m;
	spec->req[spec->n].k = metrics[m].topk ? k : 0;
	spec->n++;
	return 0;
}

int
model_eval_parse(const char *list, struct model_eval_spec *spec,
    struct ep_err *err)
{
	char *copy = ep_xstrdup(list), *p, *next;
	int ret = -1;

	memset(spec, 0, sizeof *spec);
	spec->recbole_compat = 1;
	spec->tail_ratio = 0.1;
	if (*list == '\0') {
		ep_fail(err, EP_EUSAGE, "empty metric list");
		goto out;
	}
	for (p = copy; p != NULL; p = next) {
		char *at;
		long k = 10;
		int m;

		if ((next = strchr(p, ',')) != NULL)
			*next++ = '\0';
		if ((at = strchr(p, '@')) != NULL) {
			*at = '\0';
			if (ep_parse_long(at + 1, 1, MODEL_EVAL_KMAX, &k,
			    err) < 0) {
				ep_err_prefix(err, "metric '%s@%s'", p, at + 1);
				goto out;
			}
		}
		if (strcasecmp(p, "all") == 0) {
			for (m = 0; m < MODEL_METRIC_COUNT; m++)
				if (add_req(spec, (enum model_metric)m, (int)k,
				    list, err) < 0)
					goto out;
			continue;
		}
		for (m = 0; m < MODEL_METRIC_COUNT; m++)
			if (strcasecmp(p, metrics[m].name) == 0 ||
			    (metrics[m].alias != NULL &&
			    strcasecmp(p, metrics[m].alias) == 0))
				break;
		if (m == MODEL_METRIC_COUNT) {
			ep_fail(err, EP_EUSAGE, "'%s': unknown metric (expected "
			    "recall, mrr, ndcg, hit, map, precision, gauc, "
			    "itemcoverage, averagepopularity, giniindex, "
			    "shannonentropy, tailpercentage or all)", p);
			goto out;
		}
		if (!metrics[m].topk && at != NULL) {
			ep_fail(err, EP_EUSAGE, "'%s': %s ranks all items and "
			    "takes no @k", list, metrics[m].name);
			goto out;
		}
		if (add_req(spec, (enum model_metric)m, (int)k, list, err) < 0)
			goto out;
	}
	ret = 0;
out:
	free(copy);
	return ret;
}

/* What every worker needs, read-only. */
struct job {
	const struct model_split *sp;
	const struct model_eval_spec *spec;
	const struct model_csr *pos;	/* the evaluated part */
	const struct model_csr *excl[2];	/* earlier parts (or NULL) */
	int K;				/* longest list needed */
	int need_gauc;
	int agg_k[MODEL_EVAL_MAX];	/* distinct k of the aggregate metrics */
	int n_agg;
	unsigned char *tail;		/* item is in the tail set, or NULL */
	double *disc;			/* disc[j] = 1 / log2(j + 2) */
	double *idcg;			/* idcg[n] = sum_{j<n} disc[j] */
	uint32_t *users;		/* users evaluated, ascending */
	size_t n_users;
	size_t block;			/* users a block */
};

/* One worker's scratch space. */
struct scratch {
	float *scores;		/* block x n_items */
	unsigned char *mark;	/* n_items: is a positive of the user */
	uint32_t *counts;	/* n_agg x n_items: times in a top-k list */
	float *top_s;		/* K */
	uint32_t *top_i;	/* K */
	float *q;		/* GAUC: the positives' scores */
	size_t qcap;
	struct model_rank_scratch rank;
};

/*
 * Evaluates one user whose scores are in row (n_items long, modified),
 * adding per-user metric values to sums and GAUC terms to gauc[0..1].
 */
static void
eval_user(const struct job *jb, struct scratch *s, uint32_t u, float *row,
    double *sums, double *gauc)
{
	const struct model_csr *pos = jb->pos;
	const uint32_t *pi = pos->col + pos->rowptr[u];
	size_t P = model_csr_row_len(pos, u), n_excl = 0, j, r;
	uint32_t I = jb->sp->n_items;
	int K = jb->K, cnt = 0, e;
	float *ts = s->top_s;
	uint32_t *ti = s->top_i;
	double hits_at[MODEL_EVAL_KMAX + 1];

	for (e = 0; e < 2; e++) {
		const struct model_csr *x = jb->excl[e];

		if (x == NULL)
			continue;
		for (r = x->rowptr[u]; r < x->rowptr[u + 1]; r++)
			row[x->col[r]] = -INFINITY;
		n_excl += model_csr_row_len(x, u);
	}
	for (j = 0; j < P; j++)
		s->mark[pi[j]] = 1;
	/* The one scan: top-K by insertion (ties keep the lower id). NaN
	 * scores are written back as the lowest finite score. */
	model_topk_scan(row, I, K, ts, ti, &cnt, 1);

	/* hits_at[j]: hits among the first j items of the list. */
	hits_at[0] = 0;
	for (e = 0; e < K; e++)
		hits_at[e + 1] = hits_at[e] + (e < cnt && s->mark[ti[e]]);

	for (j = 0; j < jb->spec->n; j++) {
		const struct model_metric_req *rq = &jb->spec->req[j];
		int k = rq->k, kk = k < cnt ? k : cnt, t;
		double v = 0, h = hits_at[k];

		switch (rq->metric) {
		case MODEL_RECALL:
			v = h / (double)P;
			break;
		case MODEL_MRR:
			for (t = 0; t < kk; t++)
				if (s->mark[ti[t]]) {
					v = 1.0 / (t + 1);
					break;
				}
			break;
		case MODEL_NDCG:
			for (t = 0; t < kk; t++)
				if (s->mark[ti[t]])
					v += jb->disc[t];
			v /= jb->idcg[P < (size_t)k ? P : (size_t)k];
			break;
		case MODEL_HIT:
			v = h > 0;
			break;
		case MODEL_MAP:
			for (t = 0; t < kk; t++)
				if (s->mark[ti[t]])
					v += hits_at[t + 1] / (t + 1);
			v /= (double)(P < (size_t)k ? P : (size_t)k);
			break;
		case MODEL_PRECISION:
			v = h / k;
			break;
		case MODEL_AVERAGEPOPULARITY:
			for (t = 0; t < kk; t++)
				v += jb->sp->item_pop[ti[t]];
			v /= k;
			break;
		case MODEL_TAILPERCENTAGE:
			for (t = 0; t < kk; t++)
				v += jb->tail[ti[t]];
			v /= k;
			break;
		default:
			continue;	/* aggregates and GAUC: below */
		}
		sums[j] += v;
	}
	for (e = 0; e < jb->n_agg; e++) {
		uint32_t *c = s->counts + (size_t)e * I;
		int t, kk = jb->agg_k[e] < cnt ? jb->agg_k[e] : cnt;

		for (t = 0; t < kk; t++)
			c[ti[t]]++;
	}
	if (jb->need_gauc && P > 0 && (size_t)I - n_excl > P) {
		double n_u = (double)(I - n_excl), Pd = (double)P, auc;
		double rank_sum;

		if (P > s->qcap) {
			s->qcap = 2 * P;
			s->q = ep_xreallocarray(s->q, s->qcap, sizeof *s->q);
		}
		for (j = 0; j < P; j++) {
			float x = row[pi[j]];

			/* A positive the model scored -inf still ranks. */
			s->q[j] = x == -INFINITY ? -FLT_MAX : x;
		}
		/* The positives' descending ranks among the candidates
		 * (excluded items are -inf and never counted), a tie group
		 * sharing its average rank, summed. */
		rank_sum = ((double)model_rank_count(row, I, s->q, P,
		    &s->rank) + Pd) / 2;
		auc = ((n_u + 1) * Pd - Pd * (Pd + 1) / 2 - rank_sum) /
		    (Pd * (n_u - Pd));
		gauc[0] += Pd * auc;
		gauc[1] += Pd;
	}
	for (j = 0; j < P; j++)
		s->mark[pi[j]] = 0;
}

/*
 * The tail set of TailPercentage, as RecBole chooses it: items with at
 * most ratio training interactions where ratio > 1, or else the first
 * max(1, int(ratio * n)) of the n training items by (count, id)
 * ascending, found by counting rather than sorting.
 */
static unsigned char *
tail_set(const struct model_split *sp, double ratio)
{
	unsigned char *tail = ep_xcalloc(sp->n_items ? sp->n_items : 1, 1);
	uint32_t i, n = 0, top = 0, c, edge;
	size_t cut, below, *hist;

	if (ratio > 1) {
		for (i = 0; i < sp->n_items; i++)
			tail[i] = sp->item_pop[i] > 0 &&
			    sp->item_pop[i] <= ratio;
		return tail;
	}
	for (i = 0; i < sp->n_items; i++)
		if (sp->item_pop[i] > 0) {
			n++;
			top = sp->item_pop[i] > top ? sp->item_pop[i] : top;
		}
	if (n == 0)
		return tail;
	cut = (size_t)((double)n * ratio);
	if (cut < 1)
		cut = 1;
	/* The count at which the cut falls: every item below it is in,
	 * and those at it in id order until the cut. */
	hist = ep_xcalloc((size_t)top + 1, sizeof *hist);
	for (i = 0; i < sp->n_items; i++)
		hist[sp->item_pop[i]]++;
	for (c = 1, below = 0; c < top && below + hist[c] < cut; c++)
		below += hist[c];
	edge = c;
	for (i = 0; i < sp->n_items; i++) {
		uint32_t p = sp->item_pop[i];

		if (p > 0 && p < edge)
			tail[i] = 1;
		else if (p == edge && below < cut) {
			tail[i] = 1;
			below++;
		}
	}
	free(hist);
	return tail;
}

int
model_eval_run(const struct model_split *sp, enum model_part part,
    const struct model_eval_spec *spec, model_score_fn fn, void *ctx,
    struct model_eval_result *res, struct ep_err *err)
{
	struct job jb;
	size_t n_blocks, b, j, I = sp->n_items;
	double *block_sums, *block_gauc, t0 = ep_clock_mono(), den;
	uint64_t *totals = NULL;
	uint32_t u;
	int e, t;

	memset(&jb, 0, sizeof jb);
	memset(res, 0, sizeof *res);
	if (spec->n == 0)
		return ep_fail(err, EP_EUSAGE, "no metrics requested");
	jb.sp = sp;
	jb.spec = spec;
	jb.pos = &sp->part[part];
	jb.excl[0] = &sp->part[MODEL_TRAIN];
	jb.excl[1] = part == MODEL_TEST ? &sp->part[MODEL_VALID] : NULL;
	jb.K = 1;
	for (j = 0; j < spec->n; j++) {
		const struct model_metric_req *r = &spec->req[j];

		if (r->k > jb.K)
			jb.K = r->k;
		if (r->metric == MODEL_GAUC)
			jb.need_gauc = 1;
		if (r->metric == MODEL_ITEMCOVERAGE ||
		    r->metric == MODEL_GINIINDEX ||
		    r->metric == MODEL_SHANNONENTROPY) {
			for (e = 0; e < jb.n_agg; e++)
				if (jb.agg_k[e] == r->k)
					break;
			if (e == jb.n_agg)
				jb.agg_k[jb.n_agg++] = r->k;
		}
		if (r->metric == MODEL_TAILPERCENTAGE && jb.tail == NULL)
			jb.tail = tail_set(sp, spec->tail_ratio);
	}
	jb.disc = ep_xreallocarray(NULL, (size_t)jb.K + 1, sizeof *jb.disc);
	jb.idcg = ep_xreallocarray(NULL, (size_t)jb.K + 1, sizeof *jb.idcg);
	jb.idcg[0] = 0;	/* unused: every evaluated user has a positive */
	for (t = 0; t < jb.K; t++) {
		jb.disc[t] = 1.0 / log2((double)t + 2);
		jb.idcg[t + 1] = jb.idcg[t] + jb.disc[t];
	}
	jb.users = ep_xreallocarray(NULL, sp->n_users ? sp->n_users : 1,
	    sizeof *jb.users);
	for (u = 0; u < sp->n_users; u++)
		if (model_csr_row_len(jb.pos, u) > 0)
			jb.users[jb.n_users++] = u;
	if (jb.n_users == 0) {
		free(jb.users);
		free(jb.disc);
		free(jb.idcg);
		free(jb.tail);
		return ep_fail(err, EP_EUSAGE, "the %s part has no users",
		    part == MODEL_VALID ? "validation" : "test");
	}
	/* Blocks of about 1 MiB of scores: big enough for an efficient
	 * GEMM, small enough to stay in cache while it is scanned. */
	jb.block = (1u << 20) / (4 * (I ? I : 1));
	jb.block = jb.block < 8 ? 8 : jb.block > 256 ? 256 : jb.block;
	n_blocks = (jb.n_users + jb.block - 1) / jb.block;
	block_sums = ep_xcalloc(n_blocks * spec->n, sizeof *block_sums);
	block_gauc = ep_xcalloc(n_blocks * 2, sizeof *block_gauc);
	if (jb.n_agg > 0)
		totals = ep_xcalloc((size_t)jb.n_agg * I, sizeof *totals);

#pragma omp parallel
	{
		struct scratch s;
		long bb;

		memset(&s, 0, sizeof s);
		s.scores = ep_xaligned(jb.block * I, sizeof *s.scores);
		s.mark = ep_xcalloc(I ? I : 1, 1);
		if (jb.n_agg > 0)
			s.counts = ep_xcalloc((size_t)jb.n_agg * I,
			    sizeof *s.counts);
		s.top_s = ep_xreallocarray(NULL, (size_t)jb.K, sizeof *s.top_s);
		s.top_i = ep_xreallocarray(NULL, (size_t)jb.K, sizeof *s.top_i);

#pragma omp for schedule(dynamic, 1)
		for (bb = 0; bb < (long)n_blocks; bb++) {
			size_t first = (size_t)bb * jb.block, n, k;

			n = jb.n_users - first < jb.block ?
			    jb.n_users - first : jb.block;
			fn(ctx, jb.users + first, n, s.scores);
			for (k = 0; k < n; k++)
				eval_user(&jb, &s, jb.users[first + k],
				    s.scores + k * I,
				    block_sums + (size_t)bb * spec->n,
				    block_gauc + 2 * (size_t)bb);
		}
		if (jb.n_agg > 0) {
#pragma omp critical
			for (size_t c = 0; c < (size_t)jb.n_agg * I; c++)
				totals[c] += s.counts[c];
		}
		free(s.scores);
		free(s.mark);
		free(s.counts);
		free(s.top_s);
		free(s.top_i);
		free(s.q);
		model_rank_scratch_release(&s.rank);
	}

	/* Sums in block order: the same whatever the thread count. */
	res->n = spec->n;
	res->users = jb.n_users;
	for (b = 0; b < n_blocks; b++)
		for (j = 0; j < spec->n; j++)
			res->value[j] += block_sums[b * spec->n + j];
	den = (double)I + (spec->recbole_compat ? 1 : 0);
	for (j = 0; j < spec->n; j++) {
		const struct model_metric_req *r = &spec->req[j];
		double total = (double)jb.n_users * r->k;
		const uint64_t *c = NULL;
		size_t m = 0, i;

		for (e = 0; e < jb.n_agg; e++)
			if (jb.agg_k[e] == r->k)
				c = totals + (size_t)e * I;
		switch (r->metric) {
		case MODEL_GAUC: {
			double num = 0, pos = 0;

			for (b = 0; b < n_blocks; b++) {
				num += block_gauc[2 * b];
				pos += block_gauc[2 * b + 1];
			}
			res->value[j] = pos > 0 ? num / pos : 0;
			break;
		}
		case MODEL_ITEMCOVERAGE:
			for (i = 0; i < I; i++)
				m += c[i] > 0;
			res->value[j] = (double)m / den;
			break;
		case MODEL_SHANNONENTROPY: {
			double h = 0;

			for (i = 0; i < I; i++)
				if (c[i] > 0) {
					double p = (double)c[i] / total;

					h -= p * log(p);
					m++;
				}
			res->value[j] = spec->recbole_compat && m > 0 ?
			    h / (double)m : h;
			break;
		}
		case MODEL_GINIINDEX: {
			/* The recommended items' counts in ascending order,
			 * by counting: a count is at most the users'. */
			uint64_t top = 0, v, *hist;
			size_t at;
			double g = 0;

			for (i = 0; i < I; i++)
				if (c[i] > 0) {
					m++;
					top = c[i] > top ? c[i] : top;
				}
			hist = ep_xcalloc((size_t)top + 1, sizeof *hist);
			for (i = 0; i < I; i++)
				hist[c[i]]++;
			/* The m recommended items take the top m of den
			 * indices; unrecommended ones count zero. */
			for (v = 1, at = 0; v <= top; v++) {
				uint64_t k;

				for (k = 0; k < hist[v]; k++, at++) {
					double idx = den - (double)m + 1 +
					    (double)at;

					g += (2 * idx - den - 1) * (double)v;
				}
			}
			res->value[j] = g / total / den;
			free(hist);
			break;
		}
		default:
			res->value[j] /= (double)jb.n_users;
			break;
		}
	}
	res->secs = ep_clock_mono() - t0;
	free(totals);
	free(block_sums);
	free(block_gauc);
	free(jb.users);
	free(jb.disc);
	free(jb.idcg);
	free(jb.tail);
	return 0;
}
