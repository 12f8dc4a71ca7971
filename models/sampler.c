/*
 * Training batches and negative sampling.
 */
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "models/sampler.h"
#include "core/banned.h"

/* The largest bit table of the training matrix kept for negative
 * sampling (ML-1M's: 2.7 MiB); past it, each test is a binary search. */
#define SEEN_MAX ((size_t)64 << 20)

void
model_sampler_init(struct model_sampler *s, const struct model_split *sp,
    enum model_sampling kind, size_t batch, uint64_t seed)
{
	const struct model_csr *t = &sp->part[MODEL_TRAIN];
	size_t k, cap, words = ((size_t)t->n_cols + 63) / 64;
	uint32_t u;

	memset(s, 0, sizeof *s);
	s->train = t;
	s->kind = kind;
	s->batch = batch < 2 ? 2 : batch;
	ep_rng_seed(&s->rng, seed, 0xba7c);
	s->pairs = ep_xreallocarray(NULL, t->nnz ? t->nnz : 1,
	    sizeof *s->pairs);
	for (u = 0; u < t->n_rows; u++)
		for (k = t->rowptr[u]; k < t->rowptr[u + 1]; k++)
			s->pairs[k] = (uint64_t)u << 32 | t->col[k];
	if (kind == MODEL_SAMPLE_PAIRWISE || kind == MODEL_SAMPLE_POINTWISE) {
		if (words > 0 && t->n_rows <= SEEN_MAX / 8 / words) {
			s->seen = ep_xcalloc((size_t)t->n_rows * words,
			    sizeof *s->seen);
			s->seen_words = words;
			for (u = 0; u < t->n_rows; u++)
				for (k = t->rowptr[u]; k < t->rowptr[u + 1];
				    k++)
					s->seen[u * words + t->col[k] / 64] |=
					    1ull << (t->col[k] % 64);
		}
	}
	s->users = ep_xreallocarray(NULL, t->n_rows ? t->n_rows : 1,
	    sizeof *s->users);
	for (u = 0; u < t->n_rows; u++)
		s->users[u] = u;
	cap = s->batch;
	s->b.user = ep_xreallocarray(NULL, cap, sizeof *s->b.user);
	s->b.item = ep_xreallocarray(NULL, cap, sizeof *s->b.item);
	if (kind == MODEL_SAMPLE_PAIRWISE)
		s->b.neg = ep_xreallocarray(NULL, cap, sizeof *s->b.neg);
	if (kind == MODEL_SAMPLE_POINTWISE)
		s->b.label = ep_xreallocarray(NULL, cap, sizeof *s->b.label);
	s->pos = t->nnz;
}

/*
 * The entries themselves are shuffled, not their indices, so that a
 * batch reads them in a run rather than gathering users and items from
 * all of the training matrix.
 */
static void
shuffle_pairs(uint64_t *a, size_t n, struct ep_rng *rng)
{
	size_t i;

	for (i = n; i > 1; i--) {
		size_t j = ep_rng_below(rng, (uint32_t)i);
		uint64_t t = a[i - 1];

		a[i - 1] = a[j];
		a[j] = t;
	}
}

void
model_sampler_epoch(struct model_sampler *s)
{
	uint32_t i;

	if (s->kind == MODEL_SAMPLE_USERS) {
		for (i = s->train->n_rows; i > 1; i--) {
			uint32_t j = ep_rng_below(&s->rng, i), t = s->users[i - 1];

			s->users[i - 1] = s->users[j];
			s->users[j] = t;
		}
	} else {
		shuffle_pairs(s->pairs, s->train->nnz, &s->rng);
	}
	s->pos = 0;
}

/* Is (u, j) a training entry? One bit where the table was kept. */
static int
seen(const struct model_sampler *s, uint32_t u, uint32_t j)
{
	if (s->seen != NULL)
		return (int)(s->seen[u * s->seen_words + j / 64] >> (j % 64) &
		    1);
	return model_csr_has(s->train, u, j);
}

uint32_t
model_sampler_negative(struct model_sampler *s, uint32_t u)
{
	uint32_t I = s->train->n_cols, j;
	int tries = 0;

	/* A user holding (almost) every item would loop for long: after
	 * many tries any item will do. */
	do
		j = ep_rng_below(&s->rng, I);
	while (seen(s, u, j) && ++tries < 1000);
	return j;
}

size_t
model_sampler_batches(const struct model_sampler *s)
{
	size_t per = s->kind == MODEL_SAMPLE_POINTWISE ? s->batch / 2 :
	    s->batch, n = s->kind == MODEL_SAMPLE_USERS ? s->train->n_rows :
	    s->train->nnz;

	return (n + per - 1) / per;
}

int
model_sampler_next(struct model_sampler *s, struct model_batch *b)
{
	size_t n, k, total;

	if (s->kind == MODEL_SAMPLE_USERS) {
		total = s->train->n_rows;
		if (s->pos >= total)
			return 0;
		n = total - s->pos < s->batch ? total - s->pos : s->batch;
		memcpy(s->b.user, s->users + s->pos, n * sizeof *s->b.user);
		s->pos += n;
		s->b.n = n;
		*b = s->b;
		return 1;
	}
	total = s->train->nnz;
	if (s->pos >= total)
		return 0;
	if (s->kind == MODEL_SAMPLE_POINTWISE) {
		size_t half = s->batch / 2;

		n = total - s->pos < half ? total - s->pos : half;
		/* Positives first, then one negative each, as RecBole's
		 * pointwise loader appends them. */
		for (k = 0; k < n; k++) {
			uint64_t e = s->pairs[s->pos + k];

			s->b.user[k] = (uint32_t)(e >> 32);
			s->b.item[k] = (uint32_t)e;
			s->b.label[k] = 1;
		}
		for (k = 0; k < n; k++) {
			uint32_t u = s->b.user[k];

			s->b.user[n + k] = u;
			s->b.item[n + k] = model_sampler_negative(s, u);
			s->b.label[n + k] = 0;
		}
		s->pos += n;
		s->b.n = 2 * n;
	} else {
		n = total - s->pos < s->batch ? total - s->pos : s->batch;
		for (k = 0; k < n; k++) {
			uint64_t e = s->pairs[s->pos + k];
			uint32_t u = (uint32_t)(e >> 32);

			s->b.user[k] = u;
			s->b.item[k] = (uint32_t)e;
			if (s->b.neg != NULL)
				s->b.neg[k] = model_sampler_negative(s, u);
		}
		s->pos += n;
		s->b.n = n;
	}
	*b = s->b;
	return 1;
}

void
model_sampler_release(struct model_sampler *s)
{
	free(s->pairs);
	free(s->seen);
	free(s->users);
	free(s->b.user);
	free(s->b.item);
	free(s->b.neg);
	free(s->b.label);
	memset(s, 0, sizeof *s);
}
