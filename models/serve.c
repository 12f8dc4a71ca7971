/*
 * Top-k serving for inference measurements.
 */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "models/kernels.h"
#include "models/serve.h"
#include "core/banned.h"

void
model_server_init(struct model_server *s, struct model_run *run, int k)
{
	size_t I = run->sp->n_items;
	int t;

	memset(s, 0, sizeof *s);
	s->run = run;
	s->k = k < 1 ? 1 : k > 64 ? 64 : k;	/* lists of at most 64 */
	s->block = (1u << 20) / (4 * (I ? I : 1));
	s->block = s->block < 8 ? 8 : s->block > 256 ? 256 : s->block;
	s->n_threads = omp_get_max_threads();
	s->scores = ep_xcalloc((size_t)s->n_threads, sizeof *s->scores);
	for (t = 0; t < s->n_threads; t++)
		s->scores[t] = ep_xaligned(s->block * I, sizeof(float));
	if (!run->prepared && run->ops->prepare != NULL)
		run->ops->prepare(run->m);
	run->prepared = 1;
}

/* The k best of row (training items excluded), ties to the lower id. */
static void
select_topk(const struct model_csr *train, uint32_t u, float *row, size_t I,
    int k, uint32_t *out)
{
	float ts[64];
	uint32_t ti[64];
	size_t r;
	int cnt = 0, j;

	for (r = train->rowptr[u]; r < train->rowptr[u + 1]; r++)
		row[train->col[r]] = -INFINITY;
	model_topk_scan(row, I, k, ts, ti, &cnt, 0);
	for (j = 0; j < k; j++)
		out[j] = j < cnt ? ti[j] : UINT32_MAX;
}

void
model_server_topk(struct model_server *s, const uint32_t *users, size_t n,
    uint32_t *out)
{
	const struct model_csr *train = &s->run->sp->part[MODEL_TRAIN];
	size_t I = s->run->sp->n_items;
	size_t nb = (n + s->block - 1) / s->block;
	int k = s->k;
	long b;

	/* One block needs no threads; more are served in parallel. */
#pragma omp parallel for schedule(dynamic, 1) if (nb > 1)
	for (b = 0; b < (long)nb; b++) {
		size_t first = (size_t)b * s->block, j;
		size_t m = n - first < s->block ? n - first : s->block;
		float *sc = s->scores[omp_get_thread_num()];

		s->run->ops->score(s->run->m, users + first, m, sc);
		for (j = 0; j < m; j++)
			select_topk(train, users[first + j], sc + j * I, I, k,
			    out + (first + j) * (size_t)s->k);
	}
}

void
model_server_release(struct model_server *s)
{
	int t;

	for (t = 0; t < s->n_threads; t++)
		free(s->scores[t]);
	free(s->scores);
	memset(s, 0, sizeof *s);
}
