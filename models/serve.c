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
	size_t I = run->sp->n_items, w = 0;
	int t;

	memset(s, 0, sizeof *s);
	s->run = run;
	s->k = k < 1 ? 1 : k > 64 ? 64 : k;	/* lists of at most 64 */
	s->block = (1u << 20) / (4 * (I ? I : 1));
	s->block = s->block < 8 ? 8 : s->block > 256 ? 256 : s->block;
	s->n_threads = omp_get_max_threads();
	if (!run->prepared && run->ops->prepare != NULL)
		run->ops->prepare(run->m);
	run->prepared = 1;
	if (run->ops->tables != NULL) {
		const float *U, *V;

		run->ops->tables(run->m, &U, &V, &w);
		if ((double)I * w >= MODEL_SCREEN_MIN &&
		    model_screen_init(&s->screen, V, I, w,
		    MODEL_SCREEN_AUTO) == 0) {
			s->user = U;
			s->cand = ep_xcalloc((size_t)s->n_threads,
			    sizeof *s->cand);
			for (t = 0; t < s->n_threads; t++)
				s->cand[t] = ep_xreallocarray(NULL,
				    model_screen_cand_cap(&s->screen),
				    sizeof *s->cand[t]);
		} else
			w = 0;
	}
	/* Screening also keeps a split copy of the user's row there. */
	s->scores = ep_xcalloc((size_t)s->n_threads, sizeof *s->scores);
	for (t = 0; t < s->n_threads; t++)
		s->scores[t] = ep_xaligned(s->block * I + w, sizeof(float));
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

/* Serves users[0..m) into out (m x k) with thread th's scratch. */
static void
serve_block(struct model_server *s, const uint32_t *users, size_t m,
    uint32_t *out, int th)
{
	const struct model_csr *train = &s->run->sp->part[MODEL_TRAIN];
	size_t I = s->run->sp->n_items, j;
	float *sc = s->scores[th];
	int k = s->k;

	/* A request of a user or a few: screened one by one, as the model
	 * scores so few users (model_rows_score()). */
	if (s->user != NULL && m < MODEL_GEMV_MAX) {
		for (j = 0; j < m; j++) {
			uint32_t u = users[j];
			uint32_t *o = out + j * (size_t)k;

			if (model_screen_topk(&s->screen, s->user + (size_t)u *
			    s->screen.w, train, u, k, sc, s->cand[th], o) < 0) {
				s->run->ops->score(s->run->m, &u, 1, sc);
				select_topk(train, u, sc, I, k, o);
			}
		}
		return;
	}
	s->run->ops->score(s->run->m, users, m, sc);
	for (j = 0; j < m; j++)
		select_topk(train, users[j], sc + j * I, I, k,
		    out + j * (size_t)k);
}

void
model_server_topk(struct model_server *s, const uint32_t *users, size_t n,
    uint32_t *out)
{
	size_t nb = (n + s->block - 1) / s->block;
	long b;

	/* One block needs no threads (nor a parallel region's start-up);
	 * more are served in parallel. */
	if (nb == 1) {
		serve_block(s, users, n, out, 0);
		return;
	}
#pragma omp parallel for schedule(dynamic, 1)
	for (b = 0; b < (long)nb; b++) {
		size_t first = (size_t)b * s->block;
		size_t m = n - first < s->block ? n - first : s->block;

		serve_block(s, users + first, m, out + first * (size_t)s->k,
		    omp_get_thread_num());
	}
}

void
model_server_release(struct model_server *s)
{
	int t;

	for (t = 0; t < s->n_threads; t++) {
		free(s->scores[t]);
		if (s->cand != NULL)
			free(s->cand[t]);
	}
	free(s->scores);
	free(s->cand);
	model_screen_release(&s->screen);
	memset(s, 0, sizeof *s);
}
