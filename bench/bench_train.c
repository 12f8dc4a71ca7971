/*
 * bench_train: seconds per training epoch (traditional models: the one
 * fit) of every model, on the ML-1M-shaped synthetic set and on ml-100k
 * when ../shared/data is present; median of a few epochs after a warm-up
 * epoch. RecBole's figures for comparison are the seed study's logged
 * per-epoch training times on MovieLens-1M (its laptop: i7-10850H with a
 * Quadro T2000 GPU, not this machine).
 */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "models/train.h"

#define EPOCHS 3

/* Seed study, MovieLens-1M, mean training seconds per epoch (12-metric
 * runs; recbole_log_summary.csv). */
static const struct {
	const char *model;
	double secs;
} recbole[] = {
	{ "pop", 1.28 }, { "itemknn", 1.17 }, { "bpr", 1.351 },
	{ "fism", 30.365 }, { "slimelastic", 1.119 }, { "lightgcn", 19.956 },
	{ "ngcf", 30.459 }, { "dgcf", 752.252 },
};

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void
bench(const char *spec_s, int with_recbole)
{
	struct model_data d = MODEL_DATA_INIT;
	struct model_split sp = MODEL_SPLIT_INIT;
	struct model_split_spec ss = MODEL_SPLIT_SPEC_DEFAULT;
	struct ep_err err = EP_ERR_INIT;
	size_t i, k;

	if (model_data_load(spec_s, &d, &err) < 0 ||
	    model_split_make(&d, &ss, &sp, &err) < 0) {
		printf("%s: skipped: %s\n", spec_s, err.msg);
		return;
	}
	printf("%s (%u users, %u items, %zu training interactions)\n", spec_s,
	    d.n_users, d.n_items, sp.part[MODEL_TRAIN].nnz);
	for (i = 0; i < model_count(); i++) {
		const struct model_ops *ops = model_at(i);
		struct model_hp hp;
		struct model_run run;
		double t[EPOCHS], loss, med;
		int e, n = ops->sampling == MODEL_SAMPLE_NONE ? 1 : EPOCHS;

		model_hp_defaults(ops, &hp);
		if (model_run_init(&run, ops, &hp, &sp, &err) < 0) {
			printf("  %-12s %s\n", ops->name, err.msg);
			continue;
		}
		if (n > 1)
			model_run_epoch(&run, &loss, &err);
		for (e = 0; e < n; e++) {
			double t0 = ep_clock_mono();

			if (model_run_epoch(&run, &loss, &err) < 0)
				break;
			t[e] = ep_clock_mono() - t0;
		}
		qsort(t, (size_t)n, sizeof *t, cmp_double);
		med = t[n / 2];
		printf("  %-12s %8.3f s/epoch", ops->name, med);
		for (k = 0; with_recbole && k < sizeof recbole /
		    sizeof recbole[0]; k++)
			if (strcmp(recbole[k].model, ops->name) == 0)
				printf("   RecBole (study laptop) %7.3f s: %5.1fx",
				    recbole[k].secs, recbole[k].secs / med);
		putchar('\n');
		model_run_release(&run);
	}
	model_split_release(&sp);
	model_data_release(&d);
}

int
main(void)
{
	printf("training benchmark: %d threads, median of %d epochs after a "
	    "warm-up\n", omp_get_max_threads(), EPOCHS);
	bench("synthetic-ml1m", 1);
	if (access("../shared/data/ml-100k/ml-100k.inter", R_OK) == 0)
		bench("../shared/data/ml-100k/ml-100k.inter", 0);
	else
		puts("ml-100k: skipped: ../shared/data not present");
	return 0;
}
