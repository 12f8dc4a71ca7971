/*
 * bench_eval: wall time of one full-sort validation pass with MRR@10 only
 * and with all twelve metrics, on the ML-1M-shaped synthetic set and on
 * ml-100k (when ../shared/data is present), scored by a dense
 * matrix-factorisation model (d = 64, models/panel.c's kernel on the item
 * table packed once a pass, as BPR scores): the
 * cost of a BPR-like model's validation. Prints users/s, the ratio of
 * twelve metrics to one, and the ratio to RecBole's validation pass as
 * logged by the seed study (its machine, not this one: see below).
 */
#include <cblas.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/mem.h"
#include "core/rng.h"
#include "models/blas.h"
#include "models/eval.h"
#include "models/kernels.h"
#include "models/panel.h"

#define DIM 64
#define REPS 7

struct mf {
	const float *user;	/* n_users x DIM */
	const float *item;	/* n_items x DIM */
	uint32_t n_items;
	struct model_panel items;	/* item packed, once a pass */
};

/* As BPR scores: model_dot_score() on the table its prepare() packed. */
static void
score_mf(void *ctx, const uint32_t *users, size_t n, float *out)
{
	const struct mf *m = ctx;

	model_dot_score(&m->items, m->user, m->item, DIM, users, n,
	    m->n_items, out);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * Median seconds of REPS validation passes with each of the n metric
 * lists, the lists taking turns pass by pass (after one pass of each to
 * warm up), so that the machine's drifts reach all of them alike.
 */
static void
time_passes(const struct model_split *sp, const char *const *metrics,
    int n, struct mf *m, double *med, size_t *users)
{
	struct model_eval_spec spec[3];
	struct model_eval_result r;
	struct ep_err err = EP_ERR_INIT;
	double t[3][REPS];
	int i, k;

	for (k = 0; k < n; k++)
		if (model_eval_parse(metrics[k], &spec[k], &err) < 0) {
			fprintf(stderr, "bench_eval: %s\n", err.msg);
			exit(1);
		}
	for (i = -1; i < REPS; i++)
		for (k = 0; k < n; k++) {
			/* The packing is part of each pass, as a model's
			 * prepare() is after each epoch. */
			double t0 = ep_clock_mono(), pack;

			model_panel_forget(&m->items);
			(void)model_panel_pack(&m->items, m->item, m->n_items,
			    DIM, MODEL_PANEL_AUTO);
			pack = ep_clock_mono() - t0;
			if (model_eval_run(sp, MODEL_VALID, &spec[k], score_mf,
			    m, &r, &err) < 0) {
				fprintf(stderr, "bench_eval: %s\n", err.msg);
				exit(1);
			}
			if (i >= 0)
				t[k][i] = r.secs + pack;
		}
	*users = r.users;
	for (k = 0; k < n; k++) {
		qsort(t[k], REPS, sizeof *t[k], cmp_double);
		med[k] = t[k][REPS / 2];
	}
}

static void
bench(const char *spec_s, double recbole_12, double recbole_1,
    const char *recbole_what)
{
	struct model_data d = MODEL_DATA_INIT;
	struct model_split sp = MODEL_SPLIT_INIT;
	struct model_split_spec ss = MODEL_SPLIT_SPEC_DEFAULT;
	struct ep_err err = EP_ERR_INIT;
	struct ep_rng rng;
	static const char *const lists[3] = {
		"mrr@10", "all@10", "recall,mrr,ndcg,hit,map,precision,"
		"itemcoverage,averagepopularity,giniindex,shannonentropy,"
		"tailpercentage",
	};
	struct mf m;
	float *u, *v;
	double one, twelve, eleven, med[3];
	size_t users, k;

	if (model_data_load(spec_s, &d, &err) < 0 ||
	    model_split_make(&d, &ss, &sp, &err) < 0) {
		printf("%-16s skipped: %s\n", spec_s, err.msg);
		return;
	}
	ep_rng_seed(&rng, 1, 1);
	u = ep_xaligned((size_t)d.n_users * DIM, sizeof *u);
	v = ep_xaligned((size_t)d.n_items * DIM, sizeof *v);
	for (k = 0; k < (size_t)d.n_users * DIM; k++)
		u[k] = (float)(0.1 * ep_rng_normal(&rng));
	for (k = 0; k < (size_t)d.n_items * DIM; k++)
		v[k] = (float)(0.1 * ep_rng_normal(&rng));
	m.user = u;
	m.item = v;
	m.n_items = d.n_items;
	m.items = (struct model_panel)MODEL_PANEL_INIT;
	time_passes(&sp, lists, 3, &m, med, &users);
	one = med[0];
	twelve = med[1];
	eleven = med[2];
	printf("%-16s %6zu users x %5u items: MRR@10 %7.1f ms (%8.0f users/s)"
	    "  12 metrics %7.1f ms (%8.0f users/s)  ratio %.3f  (without "
	    "GAUC %.3f)\n", spec_s, users, d.n_items, one * 1e3,
	    (double)users / one, twelve * 1e3, (double)users / twelve,
	    twelve / one, eleven / one);
	if (recbole_12 > 0)
		printf("%-16s RecBole %s: 12 metrics %.3f s, 1 metric %.3f s "
		    "-> ecoplan %.0fx and %.0fx faster\n", "", recbole_what,
		    recbole_12, recbole_1, recbole_12 / twelve,
		    recbole_1 / one);
	model_panel_release(&m.items);
	free(u);
	free(v);
	model_split_release(&sp);
	model_data_release(&d);
}

int
main(int argc, char **argv)
{
	char cpu[512] = "unknown";
	FILE *f;

	(void)argc;
	model_blas_check(argv);
	f = fopen("/proc/cpuinfo", "r");
	if (f != NULL) {
		char line[512];

		while (fgets(line, sizeof line, f) != NULL)
			if (strncmp(line, "model name", 10) == 0) {
				char *c = strchr(line, ':');

				snprintf(cpu, sizeof cpu, "%s", c ? c + 2 : line);
				cpu[strcspn(cpu, "\n")] = '\0';
				break;
			}
		fclose(f);
	}
	/* Threads come from OpenMP over user blocks; BLAS runs one thread
	 * inside each, as the evaluator requires. */
	openblas_set_num_threads(1);
	printf("validation pass benchmark: %s, %d threads, dense MF scorer "
	    "d=%d, median of %d passes taking turns\n", cpu,
	    omp_get_max_threads(), DIM, REPS);
	/* RecBole's figures: the seed study's BPR logs on MovieLens-1M
	 * (6,037 users, 3,193 items after its filtering; Intel i7-10850H
	 * with a Quadro T2000 GPU), mean validation time per epoch. */
	bench("synthetic-ml1m", 14.378, 5.389,
	    "BPR, ML-1M, seed study's laptop");
	if (access("../shared/data/ml-100k/ml-100k.inter", R_OK) == 0)
		bench("../shared/data/ml-100k/ml-100k.inter", 0, 0, "");
	else
		printf("ml-100k          skipped: ../shared/data not present\n");
	return 0;
}
