/*
 * callgrind_driver: a fixed amount of one model's work, for instruction
 * counts (bench/RESULTS.md):
 *
 *   valgrind --tool=callgrind --toggle-collect=model_run_batches \
 *       build/bench/callgrind_driver lightgcn \
 *       synthetic:users=1500,items=900,inters=100000 train 10
 *
 * MODE train: N mini-batches (collect model_run_batches); serve: N
 * one-user top-10 requests (collect model_server_topk); eval1, eval12:
 * N validation passes with MRR@10 or all twelve metrics (collect
 * model_eval_run). Prints a figure of the result to compare runs by,
 * and the seconds the N batches, requests or passes took.
 * Run it with OMP_NUM_THREADS=1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "models/blas.h"
#include "models/serve.h"
#include "models/train.h"

int
main(int argc, char **argv)
{
	struct model_data d = MODEL_DATA_INIT;
	struct model_split sp = MODEL_SPLIT_INIT;
	struct model_split_spec ss = MODEL_SPLIT_SPEC_DEFAULT;
	struct ep_err err = EP_ERR_INIT;
	const struct model_ops *ops;
	struct model_hp hp;
	struct model_run run;
	double loss, t0;
	size_t done;
	int n, i;

	model_blas_check(argv);
	if (argc != 5 || (ops = model_find(argv[1])) == NULL) {
		fprintf(stderr, "usage: callgrind_driver model dataset "
		    "train|serve|eval1|eval12 n\n");
		return 2;
	}
	n = atoi(argv[4]);
	if (model_data_load(argv[2], &d, &err) < 0 ||
	    model_split_make(&d, &ss, &sp, &err) < 0) {
		fprintf(stderr, "callgrind_driver: %s\n", err.msg);
		return 1;
	}
	model_hp_defaults(ops, &hp);
	if (model_run_init(&run, ops, &hp, &sp, &err) < 0) {
		fprintf(stderr, "callgrind_driver: %s\n", err.msg);
		return 1;
	}
	t0 = ep_clock_mono();
	if (strcmp(argv[3], "train") == 0) {
		model_run_batches(&run, (size_t)n, &loss, &done, &err);
		printf("loss %.9g (%a) after %zu batches\n", loss, loss, done);
	} else if (strcmp(argv[3], "serve") == 0) {
		struct model_server s;
		uint32_t out[10], u;
		unsigned long h = 0;

		model_run_batches(&run, 2, &loss, &done, &err);
		t0 = ep_clock_mono();
		model_server_init(&s, &run, 10);
		for (i = 0; i < n; i++) {
			u = (uint32_t)(((unsigned)i * 2654435761u) % sp.n_users);
			model_server_topk(&s, &u, 1, out);
			h = h * 31 + out[0];
		}
		printf("hash of the lists %lu\n", h);
		model_server_release(&s);
	} else {
		struct model_eval_spec spec;
		struct model_eval_result r;

		model_run_batches(&run, 2, &loss, &done, &err);
		t0 = ep_clock_mono();
		model_eval_parse(strcmp(argv[3], "eval1") == 0 ? "mrr@10" :
		    "all@10", &spec, &err);
		for (i = 0; i < n; i++)
			model_run_eval(&run, MODEL_VALID, &spec, &r, &err);
		printf("first metric %.9g\n", r.value[0]);
	}
	printf("%.3f s\n", ep_clock_mono() - t0);
	model_run_release(&run);
	model_split_release(&sp);
	model_data_release(&d);
	return 0;
}
