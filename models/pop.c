/*
 * Pop: ranks items by their number of training interactions, the same
 * list for every user.
 *
 * RecBole's Pop counts the items of its pointwise training loader, which
 * has already appended one uniform negative to each positive, so its
 * counts are popularity plus sampling noise. ecoplan follows that by
 * default, for comparability with RecBole's figures
 * (count_negatives=1); count_negatives=0 counts true popularity.
 */
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "models/model.h"
#include "models/sampler.h"
#include "core/banned.h"

struct model {
	const struct model_split *sp;
	double *count;		/* n_items */
	float *score;		/* count / max count */
	int with_neg;
	uint64_t seed;
};

static const struct model_param params[] = {
	{ "count_negatives", MODEL_PARAM_INT, 1, 0, 1, NULL,
	    "also count the sampled negatives, as RecBole does" },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

static struct model *
pop_create(const struct model_split *sp, const struct model_hp *hp,
    struct ep_rng *rng, struct ep_err *err)
{
	struct model *m = ep_xcalloc(1, sizeof *m);

	(void)rng;
	(void)err;
	m->sp = sp;
	m->with_neg = model_hp_get(hp, "count_negatives") != 0;
	m->seed = (uint64_t)model_hp_get(hp, "seed");
	m->count = ep_xcalloc(sp->n_items ? sp->n_items : 1, sizeof *m->count);
	m->score = ep_xcalloc(sp->n_items ? sp->n_items : 1, sizeof *m->score);
	return m;
}

static int
pop_fit(struct model *m, struct ep_rng *rng, struct ep_err *err)
{
	struct model_sampler s;
	struct model_batch b;
	double max = 0;
	uint32_t i;
	size_t k;

	(void)rng;
	(void)err;
	memset(m->count, 0, m->sp->n_items * sizeof *m->count);
	/* One pass of the pointwise loader: positives and negatives. */
	model_sampler_init(&s, m->sp, MODEL_SAMPLE_POINTWISE, 2048, m->seed);
	model_sampler_epoch(&s);
	while (model_sampler_next(&s, &b))
		for (k = 0; k < b.n; k++)
			if (m->with_neg || b.label[k] > 0)
				m->count[b.item[k]]++;
	model_sampler_release(&s);
	for (i = 0; i < m->sp->n_items; i++)
		if (m->count[i] > max)
			max = m->count[i];
	for (i = 0; i < m->sp->n_items; i++)
		m->score[i] = max > 0 ? (float)(m->count[i] / max) : 0;
	return 0;
}

static void
pop_score(struct model *m, const uint32_t *users, size_t n, float *out)
{
	size_t j, I = m->sp->n_items;

	(void)users;
	for (j = 0; j < n; j++)
		memcpy(out + j * I, m->score, I * sizeof *out);
}

static void
pop_stats(const struct model *m, struct model_stats *st)
{
	double N = (double)m->sp->part[MODEL_TRAIN].nnz;

	st->params = m->sp->n_items;
	st->flops_epoch = 2 * N;
	st->flops_user = m->sp->n_items;
	st->bytes = (double)m->sp->n_items * (sizeof(double) + sizeof(float));
}

static void
pop_free(struct model *m)
{
	free(m->count);
	free(m->score);
	free(m);
}

const struct model_ops model_pop_ops = {
	.name = "pop",
	.title = "Pop",
	.summary = "most popular items first, the same list for everyone",
	.sampling = MODEL_SAMPLE_NONE,
	.params = params,
	.create = pop_create,
	.fit = pop_fit,
	.score = pop_score,
	.stats = pop_stats,
	.free = pop_free,
};
