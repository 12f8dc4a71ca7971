/*
 * bench_perf: the performance benchmark of issue #11, run first by
 * `make bench`.
 *
 * 1. This machine's limits: memory bandwidth (STREAM triad, arrays far
 *    larger than the L3 cache, best of several, all threads and one),
 *    the rates of reads that stay in the L2 (256 KiB a thread) and in
 *    the L3 (4 MiB a thread),
 *    single-precision GEMM through OpenBLAS (a large square product and
 *    the shapes the models use) and the per-core scalar rate (dependent
 *    and independent multiply-add chains).
 * 2. Every model of the registry (model_at(i)), on the ML-1M-shaped
 *    synthetic set and on ml-100k when ../shared/data has it: seconds per
 *    training epoch (slow models: timed over some mini-batches and
 *    scaled, which the output says), a validation pass with one metric
 *    and with twelve, top-10 serving at batch 1, 64 and all users, peak
 *    resident memory, and the share of the machine's limit that the
 *    dominant kernel reaches.
 * 3. The planner: `ecoplan compare` with 10,000 Monte Carlo samples and
 *    start-up, as medians of many runs of the binary.
 *
 * RecBole's figures come from ../shared/peer/RESULTS.md when it exists
 * (same machine; format in README.md and below), otherwise from the
 * RecBole team's published GPU times (a different machine, and said so).
 *
 * Environment: BENCH_QUICK=1 for a run of a couple of minutes;
 * BENCH_JSON=path for the JSON file (default bench/results.json);
 * BENCH_ECOPLAN=path for the binary (default ./ecoplan); BENCH_PEER=path
 * for the same-machine RecBole file (default ../shared/peer/RESULTS.md).
 */
#include <cblas.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <math.h>
#include <omp.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/mem.h"
#include "core/rng.h"
#include "models/blas.h"
#include "models/graph.h"
#include "models/kernels.h"
#include "models/panel.h"
#include "models/serve.h"
#include "models/train.h"

extern char **environ;

static int quick;
static FILE *js;		/* the JSON file */
static int js_first_model = 1;

/* ---- machine limits ---- */

struct limits {
	double triad_all, triad_1;	/* GB/s */
	double cache_all, cache_1;	/* GB/s, reads from the L3 */
	double cache_mib;		/* read a thread */
	double l2_all, l2_1;		/* GB/s, reads from the L2 */
	double l2_mib;			/* read a thread */
	double l2_size;			/* bytes of L2 a core (0: unknown) */
	double l3_size;			/* bytes of L3 (0: unknown) */
	double sgemm_sq_all, sgemm_sq_1;	/* GFLOP/s, large square */
	double sgemm_b64_all, sgemm_b64_1;	/* 2048 x 64 x 64 */
	double sgemm_score_1;		/* 256 x 3706 x 64 (scoring) */
	double panel_score_1;		/* the same, models/panel.c */
	int sq_n;
	double fma_dep_ns;		/* one dependent mul+add, ns */
	double scalar_gflops;		/* 8 independent chains, one core */
	double triad_mib;		/* size of each triad array */
};

static struct limits lim;

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
median(double *v, size_t n)
{
	if (n == 0)
		return (double)NAN;
	qsort(v, n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Best GB/s of reps triads a = b + s c over n doubles on threads. */
static double
triad(double *a, const double *b, const double *c, long n, int threads,
    int reps)
{
	double best = 0;
	int r;

	for (r = 0; r < reps; r++) {
		double t0 = ep_clock_mono(), t;
		long i;

#pragma omp parallel for simd schedule(static) num_threads(threads)
		for (i = 0; i < n; i++)
			a[i] = b[i] + 3.0 * c[i];
		t = ep_clock_mono() - t0;
		if (3.0 * 8 * (double)n / t / 1e9 > best)
			best = 3.0 * 8 * (double)n / t / 1e9;
	}
	return best;
}

typedef uint32_t bench_v8u __attribute__((vector_size(32)));

/* The sum of n (a multiple of 4) vectors, four chains of adds. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx2", "default")))
#endif
static uint32_t
read_part(const bench_v8u *p, size_t n)
{
	bench_v8u a = { 0 }, b = a, c = a, d = a;
	size_t i;

	for (i = 0; i < n; i += 4) {
		a += p[i];
		b += p[i + 1];
		c += p[i + 2];
		d += p[i + 3];
	}
	a += b + c + d;
	return a[0] ^ a[7];
}

/*
 * Best GB/s of reps rounds in which each of threads threads reads its
 * own mib MiB at least sixteen times (64 MiB in all a round): a size
 * inside the L2, or past it and inside the L3, the limits of kernels
 * whose data stays in a cache (the graph product's gathers, a request's
 * item table).
 */
static double
cache_read(double mib, int threads, int reps)
{
	size_t n = (size_t)(mib * 1048576) / sizeof(bench_v8u) / 4 * 4;
	bench_v8u *buf = ep_xaligned(n * (size_t)threads, sizeof *buf);
	int passes = mib < 4 ? (int)(64 / mib) : 16;
	volatile uint32_t sink = 0;
	uint32_t acc = 0;
	double best = 0;
	size_t i;
	int r;

	for (i = 0; i < n * (size_t)threads * 8; i++)
		((uint32_t *)buf)[i] = (uint32_t)i;
	for (r = 0; r < reps; r++) {
		double t0 = ep_clock_mono(), t;

#pragma omp parallel num_threads(threads) reduction(^:acc)
		{
			const bench_v8u *p = buf + n *
			    (size_t)omp_get_thread_num();
			int k;

			for (k = 0; k < passes; k++)
				acc ^= read_part(p, n);
		}
		t = ep_clock_mono() - t0;
		t = (double)passes * (double)n * sizeof *buf * threads / t / 1e9;
		if (t > best)
			best = t;
	}
	sink = acc;
	(void)sink;
	free(buf);
	return best;
}

/*
 * Best GFLOP/s of C = A B (m x k times k x n) with BLAS on threads; or,
 * with panel, of scoring m users against n items of width k (B as n
 * rows of k) on one thread with models/panel.c's kernel, the table
 * packed beforehand as a model's prepare() packs it (0 where the CPU
 * has no such kernel).
 */
static double
product_rate(int m, int n, int k, int threads, int panel)
{
	float *a = ep_xaligned((size_t)m * k, sizeof *a);
	float *b = ep_xaligned((size_t)k * n, sizeof *b);
	float *c = ep_xaligned((size_t)m * n, sizeof *c);
	struct model_panel pn = MODEL_PANEL_INIT;
	double flops = 2.0 * m * n * k, best = 0, spent = 0;
	size_t i;
	int r;

	for (i = 0; i < (size_t)m * k; i++)
		a[i] = (float)(i % 17) * 0.01f;
	for (i = 0; i < (size_t)k * n; i++)
		b[i] = (float)(i % 13) * 0.01f;
	if (panel && model_panel_pack(&pn, b, (size_t)n, (size_t)k,
	    MODEL_PANEL_AUTO) < 0)
		goto out;
	openblas_set_num_threads(threads);
	for (r = 0; r < 50 && (r < 3 || spent < (quick ? 0.3 : 1.0)); r++) {
		double t0 = ep_clock_mono(), t;

		if (panel)
			model_panel_score(&pn, a, NULL, (size_t)m, c);
		else
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
			    m, n, k, 1.0f, a, k, b, n, 0.0f, c, n);
		t = ep_clock_mono() - t0;
		spent += t;
		if (flops / t / 1e9 > best)
			best = flops / t / 1e9;
	}
	openblas_set_num_threads(1);
out:
	model_panel_release(&pn);
	free(a);
	free(b);
	free(c);
	return best;
}

/* The scalar rate of one core: mul+add chains in double. The empty asm
 * keeps each chain a chain (no vectorising across chains). */
static void
scalar_rate(double *dep_ns, double *gflops)
{
	const long n = quick ? 20000000 : 100000000;
	double x = 1.0, y[8], t0, t, s = 0;
	const double a = 0.999999, b = 1e-7;
	long i;
	int j;

	t0 = ep_clock_mono();
	for (i = 0; i < n; i++) {
		x = x * a + b;
		__asm__ volatile("" : "+x"(x));
	}
	t = ep_clock_mono() - t0;
	*dep_ns = t / (double)n * 1e9;
	for (j = 0; j < 8; j++)
		y[j] = 1.0 + j;
	t0 = ep_clock_mono();
	for (i = 0; i < n; i++)
		for (j = 0; j < 8; j++) {
			y[j] = y[j] * a + b;
			__asm__ volatile("" : "+x"(y[j]));
		}
	t = ep_clock_mono() - t0;
	for (j = 0; j < 8; j++)
		s += y[j];
	*gflops = 2.0 * 8 * (double)n / t / 1e9 + 0 * (s + x);
}

static void
measure_limits(void)
{
	long n = quick ? 8L << 20 : 20L << 20;	/* doubles an array */
	int reps = quick ? 4 : 8, nt = omp_get_max_threads();
	double *a = ep_xaligned((size_t)n, sizeof *a);
	double *b = ep_xaligned((size_t)n, sizeof *b);
	double *c = ep_xaligned((size_t)n, sizeof *c);
	long i;

#pragma omp parallel for schedule(static)
	for (i = 0; i < n; i++) {
		a[i] = 0;
		b[i] = 1;
		c[i] = 2;
	}
	lim.triad_mib = (double)n * 8 / 1048576;
	lim.triad_all = triad(a, b, c, n, nt, reps);
	lim.triad_1 = triad(a, b, c, n, 1, reps);
	free(a);
	free(b);
	free(c);
	lim.cache_mib = 4;
	lim.cache_all = cache_read(lim.cache_mib, nt, reps * 4);
	lim.cache_1 = cache_read(lim.cache_mib, 1, reps * 4);
	lim.l2_mib = 0.25;
	lim.l2_all = cache_read(lim.l2_mib, nt, reps * 4);
	lim.l2_1 = cache_read(lim.l2_mib, 1, reps * 4);
#ifdef _SC_LEVEL2_CACHE_SIZE
	lim.l2_size = (double)sysconf(_SC_LEVEL2_CACHE_SIZE);
#endif
#ifdef _SC_LEVEL3_CACHE_SIZE
	lim.l3_size = (double)sysconf(_SC_LEVEL3_CACHE_SIZE);
#endif
	if (!(lim.l2_size > 0))
		lim.l2_size = 0;
	if (!(lim.l3_size > 0))
		lim.l3_size = 0;
	lim.sq_n = quick ? 1024 : 2048;
	lim.sgemm_sq_all = product_rate(lim.sq_n, lim.sq_n, lim.sq_n, nt, 0);
	lim.sgemm_sq_1 = product_rate(lim.sq_n, lim.sq_n, lim.sq_n, 1, 0);
	lim.sgemm_b64_all = product_rate(2048, 64, 64, nt, 0);
	lim.sgemm_b64_1 = product_rate(2048, 64, 64, 1, 0);
	lim.sgemm_score_1 = product_rate(256, 3706, 64, 1, 0);
	lim.panel_score_1 = product_rate(256, 3706, 64, 1, 1);
	scalar_rate(&lim.fma_dep_ns, &lim.scalar_gflops);

	printf("\n== machine limits (%d threads) ==\n", nt);
	printf("memory   STREAM triad, 3 arrays of %.0f MiB, best of %d: "
	    "%.1f GB/s all threads, %.1f GB/s one thread\n", lim.triad_mib,
	    reps, lim.triad_all, lim.triad_1);
	printf("cache    reads of %.0f MiB a thread (past the L2, in the L3), "
	    "best of %d: %.1f GB/s all threads, %.1f GB/s one thread\n",
	    lim.cache_mib, reps * 4, lim.cache_all, lim.cache_1);
	printf("cache    reads of %.0f KiB a thread (in the L2, %.0f KiB a "
	    "core), best of %d: %.1f GB/s all threads, %.1f GB/s one "
	    "thread\n", lim.l2_mib * 1024, lim.l2_size / 1024, reps * 4,
	    lim.l2_all, lim.l2_1);
	printf("sgemm    OpenBLAS %dx%dx%d: %.1f GFLOP/s all threads, %.1f "
	    "one thread\n", lim.sq_n, lim.sq_n, lim.sq_n, lim.sgemm_sq_all,
	    lim.sgemm_sq_1);
	printf("sgemm    2048x64x64 (a batch through a 64x64 layer): %.1f "
	    "GFLOP/s all threads, %.1f one thread\n", lim.sgemm_b64_all,
	    lim.sgemm_b64_1);
	printf("sgemm    256x3706x64 (scoring a block of users): %.1f GFLOP/s "
	    "one thread\n", lim.sgemm_score_1);
	printf("panel    256x3706x64 (the same with ecoplan's kernel, the "
	    "table packed once): %.1f GFLOP/s one thread\n",
	    lim.panel_score_1);
	printf("scalar   dependent mul+add chain %.2f ns/op; 8 independent "
	    "chains %.2f GFLOP/s (one core, double)\n", lim.fma_dep_ns,
	    lim.scalar_gflops);
	fprintf(js, "  \"limits\": {\"threads\": %d, \"triad_array_mib\": %.0f, "
	    "\"triad_gbs_all\": %.2f, \"triad_gbs_1\": %.2f, "
	    "\"cache_read_mib\": %.0f, \"cache_read_gbs_all\": %.2f, "
	    "\"cache_read_gbs_1\": %.2f, \"l2_read_kib\": %.0f, "
	    "\"l2_read_gbs_all\": %.2f, \"l2_read_gbs_1\": %.2f, "
	    "\"l2_bytes\": %.0f, "
	    "\"sgemm_square_n\": %d, \"sgemm_square_gflops_all\": %.2f, "
	    "\"sgemm_square_gflops_1\": %.2f, \"sgemm_2048x64x64_gflops_all\": "
	    "%.2f, \"sgemm_2048x64x64_gflops_1\": %.2f, "
	    "\"sgemm_256x3706x64_gflops_1\": %.2f, "
	    "\"panel_256x3706x64_gflops_1\": %.2f, \"scalar_dep_ns\": %.3f, "
	    "\"scalar_gflops_1\": %.3f},\n", nt, lim.triad_mib, lim.triad_all,
	    lim.triad_1, lim.cache_mib, lim.cache_all, lim.cache_1,
	    lim.l2_mib * 1024, lim.l2_all, lim.l2_1, lim.l2_size, lim.sq_n,
	    lim.sgemm_sq_all, lim.sgemm_sq_1,
	    lim.sgemm_b64_all, lim.sgemm_b64_1, lim.sgemm_score_1,
	    lim.panel_score_1, lim.fma_dep_ns, lim.scalar_gflops);
}

/* ---- RecBole's figures ---- */

/* RecBole team, ml-1m, TITAN V GPU (notes/recbole-reference.md §4.1). */
static const struct {
	const char *model;
	double train, eval;
} published[] = {
	{ "pop", 1.51, 0.22 }, { "itemknn", 1.56, 7.24 },
	{ "bpr", 1.73, 0.27 }, { "fism", 24.33, 3.12 },
	{ "ngcf", 5.76, 0.28 }, { "lightgcn", 4.10, 0.22 },
	{ "slimelastic", 1.43, 1.81 }, { "ease", 1.65, 3.19 },
	{ "multivae", 0.04, 0.23 }, { "dgcf", 99.88, 0.75 },
	{ "neumf", 3.30, 1.49 },
};

#define PEER_MAX 64

static struct {
	char model[32], dataset[32];
	double train, eval;
} peer[PEER_MAX];
static size_t n_peer;
static const char *peer_path;

static void
trim(char *s)
{
	size_t n = strlen(s), k = 0;

	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
	    s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
	while (s[k] == ' ' || s[k] == '\t')
		k++;
	memmove(s, s + k, n - k + 1);
}

/* Seconds in a table cell, or NaN for "-", empty or not a number. */
static double
cell_secs(const char *c)
{
	char *end;
	double v = strtod(c, &end);

	return end == c || *end != '\0' || !(v > 0) ? (double)NAN : v;
}

/*
 * Reads the same-machine RecBole figures: the first Markdown table of
 * the file whose header row names the columns model, dataset,
 * train_s_epoch and eval_s_epoch (any order, other columns ignored,
 * case-insensitive); one row per model and dataset, "-" for no figure.
 */
static void
load_peer(void)
{
	static const char *paths[] = { NULL, "../shared/peer/RESULTS.md",
	    "/work/shared/peer/RESULTS.md" };
	char line[1024];
	int col[4] = { -1, -1, -1, -1 }, header = 0;
	size_t p;
	FILE *f = NULL;

	paths[0] = getenv("BENCH_PEER");
	for (p = 0; p < 3 && f == NULL; p++)
		if (paths[p] != NULL && paths[p][0] != '\0' &&
		    (f = fopen(paths[p], "r")) != NULL)
			peer_path = paths[p];
	if (f == NULL)
		return;
	while (fgets(line, sizeof line, f) != NULL && n_peer < PEER_MAX) {
		char *cell[16], *s = line, *bar;
		int nc = 0, j;

		trim(line);
		if (line[0] != '|') {
			if (header)
				break;	/* the table has ended */
			continue;
		}
		s++;
		while (nc < 16 && (bar = strchr(s, '|')) != NULL) {
			*bar = '\0';
			trim(s);
			cell[nc++] = s;
			s = bar + 1;
		}
		if (!header) {
			static const char *want[4] = { "model", "dataset",
			    "train_s_epoch", "eval_s_epoch" };

			for (j = 0; j < nc; j++) {
				int w;

				for (w = 0; w < 4; w++)
					if (strcasecmp(cell[j], want[w]) == 0)
						col[w] = j;
			}
			if (col[0] >= 0 && col[1] >= 0 && col[2] >= 0)
				header = 1;
			else
				col[0] = col[1] = col[2] = col[3] = -1;
			continue;
		}
		if (strspn(cell[0], "-: ") == strlen(cell[0]))
			continue;	/* the |---|---| rule */
		if (col[0] >= nc || col[1] >= nc || col[2] >= nc)
			continue;
		snprintf(peer[n_peer].model, sizeof peer[n_peer].model, "%s",
		    cell[col[0]]);
		snprintf(peer[n_peer].dataset, sizeof peer[n_peer].dataset,
		    "%s", cell[col[1]]);
		peer[n_peer].train = cell_secs(cell[col[2]]);
		peer[n_peer].eval = col[3] >= 0 && col[3] < nc ?
		    cell_secs(cell[col[3]]) : (double)NAN;
		n_peer++;
	}
	fclose(f);
}

/* RecBole's train and eval seconds for model on dataset (ml-1m, ml-100k)
 * and where they come from, or NULL. */
static const char *
recbole_for(const char *model, const char *dataset, double *train,
    double *eval)
{
	size_t k;

	if (peer_path != NULL) {
		for (k = 0; k < n_peer; k++)
			if (strcasecmp(peer[k].model, model) == 0 &&
			    strcasecmp(peer[k].dataset, dataset) == 0) {
				*train = peer[k].train;
				*eval = peer[k].eval;
				return "same machine";
			}
		return NULL;
	}
	if (strcmp(dataset, "ml-1m") != 0)
		return NULL;
	for (k = 0; k < sizeof published / sizeof published[0]; k++)
		if (strcasecmp(published[k].model, model) == 0) {
			*train = published[k].train;
			*eval = published[k].eval;
			return "TITAN V GPU, other machine";
		}
	return NULL;
}

/* ---- memory ---- */

/* A /proc/self/status field in kB, or -1. */
static long
status_kb(const char *field)
{
	char line[256];
	size_t n = strlen(field);
	long v = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL)
		if (strncmp(line, field, n) == 0 && line[n] == ':') {
			v = strtol(line + n + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

/* Resets the peak RSS (Linux >= 4.0); 0 when it worked. */
static int
reset_peak(void)
{
	int fd = open("/proc/self/clear_refs", O_WRONLY), ok;

	if (fd < 0)
		return -1;
	ok = write(fd, "5", 1) == 1 ? 0 : -1;
	close(fd);
	return ok;
}

/* ---- models ---- */

/*
 * Models whose training is dominated by models/graph.c's SpMM. DGCF is
 * not among them: its routing passes are its own kernels (per-factor
 * weights recomputed each iteration), so it is judged by its training
 * flops like the other trained models.
 */
static int
uses_graph_spmm(const char *name)
{
	return strcmp(name, "lightgcn") == 0 || strcmp(name, "ngcf") == 0;
}

/*
 * Models whose training is dominated by dense Adam's sweep: BPR, whose
 * loss is a dot product a pair, and whose step (RecBole's Adam, every
 * parameter every step) reads and writes its tables and their moments
 * whole, where they are small enough to be swept every step rather
 * than replayed (models/optim.c). Its limit is the read rate of the
 * cache level that holds them.
 */
static int
uses_adam_sweep(const struct model_run *run)
{
	return strcmp(run->ops->name, "bpr") == 0 &&
	    run->optim.kind == MODEL_ADAM_EAGER;
}

struct sweep_fig {
	double ms, gbs;
	double table;		/* bytes of weights, gradients, moments */
	double share;		/* of which a thread sweeps */
	const char *where;	/* the level holding a thread's share */
	double at_size;		/* all-thread read rate of shares that size */
	double limit;		/* the L2 read, GB/s, all threads */
};

/* The last sweep timed (uses_adam_sweep()), printed under its table. */
static struct sweep_fig last_adam;

/*
 * Times the trained model's Adam step (its gradients are zero after the
 * last step, which changes nothing a sweep does): 8 streams of floats,
 * weights, gradients and both moments read and written. Like the graph
 * product, the step beats the read of a buffer its size (this VM's 4
 * MiB read is one stream a thread, the step four), so its limit is the
 * all-thread L2 read, the fastest past the L1.
 */
static struct sweep_fig
time_adam(struct model_run *run)
{
	struct sweep_fig f;
	double t[40];
	int r, reps = quick ? 10 : 40, nt = omp_get_max_threads();

	model_optim_step(&run->optim);
	for (r = 0; r < reps; r++) {
		double t0 = ep_clock_mono();

		model_optim_step(&run->optim);
		t[r] = ep_clock_mono() - t0;
	}
	f.ms = median(t, (size_t)reps) * 1e3;
	f.table = 16.0 * (double)run->optim.total;
	f.share = f.table / nt;
	f.gbs = 2 * f.table / (f.ms / 1e3) / 1e9;
	f.where = lim.l2_size > 0 && f.share <= lim.l2_size ? "L2" :
	    lim.l3_size == 0 || f.table <= lim.l3_size ? "L3" : "DRAM";
	f.at_size = cache_read(f.share / 1048576, nt, quick ? 16 : 32);
	f.limit = lim.l2_all;
	return f;
}

struct spmm_fig {
	double ms, gbs;
	double table;		/* bytes of the gathered table */
	const char *where;	/* where it fits: "L2", "L3" or "DRAM" */
	double at_size;		/* the read rate of a table that size */
	double limit;		/* the L2 read (GB/s, all threads) */
};

/*
 * The smallest level that holds a gathered table of the given bytes (a
 * core's L2 holds it whole, since every core gathers from all of it),
 * and the rate at which every thread reads a table that size. Gathers
 * beat that rate where the table is past the L2 (popular rows stay in
 * the L1 and L2: 150% to 166% of it for the graph product at the ML-1M
 * shape on a 2 MiB L2), so the limit is the L2's read, the fastest past
 * the L1: the better of the fixed-size figure and this one where the
 * table fits the L2 (the two wander apart on a shared machine).
 */
static void
place_table(struct spmm_fig *f, double bytes)
{
	f->table = bytes;
	if (lim.l2_size > 0 && f->table <= lim.l2_size)
		f->where = "L2";
	else if (lim.l3_size == 0 || f->table <= lim.l3_size)
		f->where = "L3";
	else
		f->where = "DRAM";
	f->at_size = cache_read(f->table / 1048576, omp_get_max_threads(),
	    quick ? 16 : 32);
	f->limit = lim.l2_all;
	if (strcmp(f->where, "L2") == 0 && f->at_size > f->limit)
		f->limit = f->at_size;
}

/* Times the graph product of the split at width 64 (all threads). */
static struct spmm_fig
time_spmm(const struct model_split *sp)
{
	struct model_graph g = MODEL_GRAPH_INIT;
	struct spmm_fig f;
	double t[15];
	float *x, *y;
	size_t k, n;
	int r, reps = quick ? 5 : 15;

	model_graph_build(&g, &sp->part[MODEL_TRAIN]);
	n = (size_t)g.n * 64;
	x = ep_xaligned(n, sizeof *x);
	y = ep_xaligned(n, sizeof *y);
	for (k = 0; k < n; k++)
		x[k] = (float)(k % 101) * 0.01f;
	model_graph_spmm(&g, x, 64, y, 64, 64, 0);
	for (r = 0; r < reps; r++) {
		double t0 = ep_clock_mono();

		model_graph_spmm(&g, x, 64, y, 64, 64, 0);
		t[r] = ep_clock_mono() - t0;
	}
	f.ms = median(t, (size_t)reps) * 1e3;
	f.gbs = model_graph_spmm_bytes(&g, 64) / (f.ms / 1e3) / 1e9;
	place_table(&f, (double)n * sizeof *x);
	free(x);
	free(y);
	model_graph_release(&g);
	return f;
}

/*
 * FISM's dominant kernels, the two halves of its history pass, at width
 * 64 over the split's training rows: every user's history rows summed
 * (model_sum_rows(), the users shared out in blocks) and a gradient
 * added to each of those rows (model_axpy_rows(), each thread the rows
 * of its own run of items, as fism.c does; cut here where the entries
 * divide evenly, each history passing once, where fism.c weights them
 * by how often a batch holds their history). Counted: a row read by the
 * sum, read and written by the scatter. In training the two run
 * between the sampler's, the scoring's and Adam's passes, which evict
 * some of the table: this is the kernels' own rate.
 */
static struct spmm_fig
time_hist(const struct model_split *sp)
{
	const struct model_csr *h = &sp->part[MODEL_TRAIN];
	uint32_t ni = sp->n_items, nu = sp->n_users, i;
	struct spmm_fig f;
	double t[15];
	float *P, *S, G[64];
	uint32_t *cut;
	uint64_t run = 0, total = h->nnz;
	size_t k, nt = (size_t)omp_get_max_threads();
	int r, reps = quick ? 5 : 15;

	P = ep_xaligned((size_t)ni * 64, sizeof *P);
	S = ep_xaligned((size_t)nu * 64, sizeof *S);
	for (k = 0; k < (size_t)ni * 64; k++)
		P[k] = (float)(k % 101) * 0.01f;
	for (k = 0; k < 64; k++)
		G[k] = (float)k * 1e-6f;
	cut = ep_xcalloc(nt + 1, sizeof *cut);
	for (k = 1; k <= nt; k++)
		cut[k] = ni;
	for (k = 1, i = 0; k < nt && i < ni; i++) {
		run += sp->item_pop[i];
		while (k < nt && run * nt >= total * k)
			cut[k++] = i + 1;
	}
	for (r = -1; r < reps; r++) {
		double t0 = ep_clock_mono();
		long u;

#pragma omp parallel for schedule(dynamic, 16)
		for (u = 0; u < (long)nu; u++)
			model_sum_rows(S + (size_t)u * 64, P, h->col +
			    h->rowptr[u], model_csr_row_len(h, (uint32_t)u), 64);
#pragma omp parallel num_threads((int)nt)
		{
			size_t me = (size_t)omp_get_thread_num();
			uint32_t lo = cut[me], hi = cut[me + 1], v;

			for (v = 0; v < nu; v++) {
				const uint32_t *row = h->col + h->rowptr[v];
				size_t len = model_csr_row_len(h, v);
				size_t a = model_lower_bound(row, len, lo);

				model_axpy_rows(P, row + a,
				    model_lower_bound(row, len, hi) - a,
				    1.0f, G, 64);
			}
		}
		if (r >= 0)
			t[r] = ep_clock_mono() - t0;
	}
	f.ms = median(t, (size_t)reps) * 1e3;
	f.gbs = (double)h->nnz * 64 * sizeof *P * 3 / (f.ms / 1e3) / 1e9;
	place_table(&f, (double)ni * 64 * sizeof *P);
	free(cut);
	free(S);
	free(P);
	return f;
}

/*
 * Median seconds of validation passes with MRR@10 alone (*one) and with
 * all twelve metrics (*twelve), the two alternated so that a change of
 * the machine's load falls on both alike. Returns -1 on failure.
 */
static int
time_eval(struct model_run *run, int reps, double *one, double *twelve)
{
	struct model_eval_spec s1, s12;
	struct model_eval_result res;
	struct ep_err err = EP_ERR_INIT;
	double t1[7], t12[7];
	int r;

	if (model_eval_parse("mrr@10", &s1, &err) < 0 ||
	    model_eval_parse("all@10", &s12, &err) < 0)
		return -1;
	for (r = 0; r < reps; r++) {
		if (model_run_eval(run, MODEL_VALID, &s1, &res, &err) < 0)
			return -1;
		t1[r] = res.secs;
		if (model_run_eval(run, MODEL_VALID, &s12, &res, &err) < 0)
			return -1;
		t12[r] = res.secs;
	}
	*one = median(t1, (size_t)reps);
	*twelve = median(t12, (size_t)reps);
	return 0;
}

struct serve_fig {
	double b1_us, b1_rps;	/* batch 1: median latency, requests/s */
	double b64_ms, b64_ups;	/* batch 64: median latency, users/s */
	double all_s, all_ups;	/* all users in one call */
};

static struct serve_fig
time_serve(struct model_run *run)
{
	struct model_server s;
	struct serve_fig f;
	struct ep_rng rng;
	uint32_t nu = run->sp->n_users, *users, *out;
	size_t n1 = quick ? 300 : 2000, n64 = quick ? 20 : 100, k;
	double *t, sum = 0, t0, tt[3];
	int r, reps = quick ? 1 : 3;

	model_server_init(&s, run, 10);
	ep_rng_seed(&rng, 11, 7);
	users = ep_xmalloc((size_t)nu * sizeof *users);
	out = ep_xmalloc((size_t)nu * 10 * sizeof *out);
	t = ep_xmalloc((n1 > n64 ? n1 : n64) * sizeof *t);
	for (k = 0; k < nu; k++)
		users[k] = (uint32_t)k;
	/* Requests from random users; the first is a warm-up. */
	model_server_topk(&s, users, 1, out);
	for (k = 0; k < n1; k++) {
		uint32_t u = (uint32_t)(ep_rng_uniform(&rng) * nu) % nu;

		t0 = ep_clock_mono();
		model_server_topk(&s, &u, 1, out);
		t[k] = ep_clock_mono() - t0;
		sum += t[k];
	}
	f.b1_rps = (double)n1 / sum;
	f.b1_us = median(t, n1) * 1e6;
	sum = 0;
	for (k = 0; k < n64; k++) {
		uint32_t b[64];
		int j;

		for (j = 0; j < 64; j++)
			b[j] = (uint32_t)(ep_rng_uniform(&rng) * nu) % nu;
		t0 = ep_clock_mono();
		model_server_topk(&s, b, 64, out);
		t[k] = ep_clock_mono() - t0;
		sum += t[k];
	}
	f.b64_ups = 64.0 * (double)n64 / sum;
	f.b64_ms = median(t, n64) * 1e3;
	for (r = 0; r < reps; r++) {
		t0 = ep_clock_mono();
		model_server_topk(&s, users, nu, out);
		tt[r] = ep_clock_mono() - t0;
	}
	f.all_s = median(tt, (size_t)reps);
	f.all_ups = nu / f.all_s;
	free(t);
	free(users);
	free(out);
	model_server_release(&s);
	return f;
}

struct model_fig {
	double setup_s;
	double train_s;			/* per epoch (or fit) */
	size_t batches_timed, batches;	/* timed < batches: scaled */
	int epochs_timed;
	double eval1_s, eval12_s;
	struct serve_fig sv;
	double peak_mib;
	const char *peak_how;
	struct model_stats st;
	double train_gflops, score_gflops, score_gbs;
	const char *dom;		/* the dominant kernel and its limit */
	double dom_pct;
	struct sweep_fig adam;		/* uses_adam_sweep() models */
	const char *rb_src;
	double rb_train, rb_eval;
};

/*
 * Times one epoch of a trained model: a warm-up of a few batches, then
 * full epochs (median) when an epoch is short, or the first batches of
 * an epoch scaled to the whole when it is long (or in quick mode).
 */
static int
time_train(struct model_run *run, struct model_fig *mf, struct ep_err *err)
{
	size_t M = model_sampler_batches(&run->sampler), N, done;
	double loss, t0, per_batch, t[3];
	int e, n;

	mf->batches = M;
	N = M < 4 ? M : 4;
	t0 = ep_clock_mono();
	if (model_run_batches(run, N, &loss, &done, err) < 0)
		return -1;
	per_batch = (ep_clock_mono() - t0) / (double)(done ? done : 1);
	/* Slow: over 20 s an epoch (4 s in quick mode). */
	if (per_batch * (double)M > (quick ? 4.0 : 20.0)) {
		N = (size_t)((quick ? 3.0 : 15.0) / per_batch);
		N = N < 5 ? 5 : N > M ? M : N;
		t0 = ep_clock_mono();
		if (model_run_batches(run, N, &loss, &done, err) < 0)
			return -1;
		mf->train_s = (ep_clock_mono() - t0) / (double)done *
		    (double)M;
		mf->batches_timed = done;
		mf->epochs_timed = 0;
		return 0;
	}
	n = quick || per_batch * (double)M > 5.0 ? 1 : 3;
	for (e = 0; e < n; e++) {
		t0 = ep_clock_mono();
		if (model_run_epoch(run, &loss, err) < 0)
			return -1;
		t[e] = ep_clock_mono() - t0;
	}
	mf->train_s = median(t, (size_t)n);
	mf->batches_timed = M;
	mf->epochs_timed = n;
	return 0;
}

static void
json_str(const char *key, const char *v, int comma)
{
	fprintf(js, "\"%s\": \"%s\"%s", key, v, comma ? ", " : "");
}

static void
json_num(const char *key, double v, int comma)
{
	if (isfinite(v))
		fprintf(js, "\"%s\": %.6g%s", key, v, comma ? ", " : "");
	else
		fprintf(js, "\"%s\": null%s", key, comma ? ", " : "");
}

static void
bench_model(const struct model_ops *ops, const struct model_split *sp,
    const char *dataset, const struct spmm_fig *spmm,
    const struct spmm_fig *hist)
{
	struct model_hp hp;
	struct model_run run;
	struct model_fig f;
	struct ep_err err = EP_ERR_INIT;
	struct rusage ru0, ru1;
	long rss0;
	double t0, nu = sp->n_users;
	char how[64], rb[64];
	int peak_ok;

	/* Hand the previous model's freed memory back to the system, so
	 * that this model's pages count as new. */
	malloc_trim(0);
	peak_ok = reset_peak() == 0;
	memset(&f, 0, sizeof f);
	getrusage(RUSAGE_SELF, &ru0);
	rss0 = status_kb("VmRSS");
	model_hp_defaults(ops, &hp);
	t0 = ep_clock_mono();
	if (model_run_init(&run, ops, &hp, sp, &err) < 0) {
		printf("%-12s skipped: %s\n", ops->name, err.msg);
		return;
	}
	f.setup_s = ep_clock_mono() - t0;
	if (ops->sampling == MODEL_SAMPLE_NONE) {
		double loss;

		t0 = ep_clock_mono();
		if (model_run_epoch(&run, &loss, &err) < 0) {
			printf("%-12s failed: %s\n", ops->name, err.msg);
			model_run_release(&run);
			return;
		}
		f.train_s = ep_clock_mono() - t0;
		f.epochs_timed = 1;
	} else if (time_train(&run, &f, &err) < 0) {
		printf("%-12s failed: %s\n", ops->name, err.msg);
		model_run_release(&run);
		return;
	}
	/* The first pass after training prepares the caches: not timed. */
	if (time_eval(&run, 1, &f.eval1_s, &f.eval12_s) < 0 ||
	    time_eval(&run, quick ? 3 : 7, &f.eval1_s, &f.eval12_s) < 0)
		f.eval1_s = f.eval12_s = (double)NAN;
	f.sv = time_serve(&run);
	/* Last: the sweep moves the weights (momentum), which nothing
	 * after it reads. */
	if (uses_adam_sweep(&run))
		f.adam = time_adam(&run);
	ops->stats(run.m, &f.st);
	if (peak_ok) {
		f.peak_mib = (double)(status_kb("VmHWM") - rss0) / 1024;
		f.peak_how = "VmHWM (reset before the model) - VmRSS before";
	} else {
		getrusage(RUSAGE_SELF, &ru1);
		f.peak_mib = (double)(ru1.ru_maxrss - ru0.ru_maxrss) / 1024;
		f.peak_how = "ru_maxrss delta (lower bound)";
	}
	f.train_gflops = f.st.flops_epoch / f.train_s / 1e9;
	f.score_gflops = f.st.flops_user * nu / f.sv.all_s / 1e9;
	/* Scoring writes each score and the top-k pass reads it back. */
	f.score_gbs = nu * sp->n_items * 8.0 / f.sv.all_s / 1e9;
	if (uses_graph_spmm(ops->name) && spmm != NULL) {
		f.dom = "SpMM vs L2 read";
		f.dom_pct = 100 * spmm->gbs / spmm->limit;
	} else if (strcmp(ops->name, "fism") == 0 && hist != NULL) {
		f.dom = "history vs L2 read";
		f.dom_pct = 100 * hist->gbs / hist->limit;
	} else if (uses_adam_sweep(&run)) {
		f.dom = "Adam vs L2 read";
		f.dom_pct = 100 * f.adam.gbs / f.adam.limit;
		last_adam = f.adam;
	} else if (strcmp(ops->name, "ease") == 0) {
		/* Scoring sums pieces of the history's rows of B, four
		 * bytes an addition, from the L2 once a block has read
		 * them (optimisation 55). */
		f.dom = "scoring vs L2 read";
		f.dom_pct = 100 * f.score_gflops * sizeof(float) / lim.l2_all;
	} else if (ops->sampling != MODEL_SAMPLE_NONE) {
		f.dom = "train flops vs SGEMM";
		f.dom_pct = 100 * f.train_gflops / lim.sgemm_sq_all;
	} else {
		f.dom = "scoring vs SGEMM";
		f.dom_pct = 100 * f.score_gflops / lim.sgemm_sq_all;
	}
	f.rb_src = recbole_for(ops->name, dataset, &f.rb_train, &f.rb_eval);
	if (f.epochs_timed > 0)
		snprintf(how, sizeof how, "%d full epoch%s", f.epochs_timed,
		    f.epochs_timed > 1 ? "s, median" : "");
	else
		snprintf(how, sizeof how, "scaled from %zu of %zu batches",
		    f.batches_timed, f.batches);
	if (f.rb_src != NULL) {
		char a[24], e[24];

		if (isfinite(f.rb_train))
			snprintf(a, sizeof a, "%.2fx", f.rb_train / f.train_s);
		else
			snprintf(a, sizeof a, "n/a");
		if (isfinite(f.rb_eval))
			snprintf(e, sizeof e, "%.1fx", f.rb_eval / f.eval1_s);
		else
			snprintf(e, sizeof e, "n/a");
		snprintf(rb, sizeof rb, "%s/%s", a, e);
	} else {
		snprintf(rb, sizeof rb, "n/a");
	}
	printf("%-11s %9.3f %-30s %8.4f %8.4f %5.2f %8.1f %7.2f %9.0f "
	    "%7.1f %5.1f%% %-20s %s\n", ops->name, f.train_s, how, f.eval1_s,
	    f.eval12_s, f.eval12_s / f.eval1_s, f.sv.b1_us, f.sv.b64_ms,
	    f.sv.all_ups, f.peak_mib, f.dom_pct, f.dom, rb);
	fflush(stdout);

	fprintf(js, "%s      {", js_first_model ? "" : ",\n");
	js_first_model = 0;
	json_str("model", ops->name, 1);
	json_num("setup_s", f.setup_s, 1);
	json_num("train_s_epoch", f.train_s, 1);
	json_num("train_batches_timed", (double)f.batches_timed, 1);
	json_num("train_batches_epoch", (double)f.batches, 1);
	json_str("train_how", how, 1);
	json_num("valid_1_metric_s", f.eval1_s, 1);
	json_num("valid_12_metrics_s", f.eval12_s, 1);
	json_num("valid_ratio_12_to_1", f.eval12_s / f.eval1_s, 1);
	json_num("top10_b1_median_us", f.sv.b1_us, 1);
	json_num("top10_b1_req_per_s", f.sv.b1_rps, 1);
	json_num("top10_b64_median_ms", f.sv.b64_ms, 1);
	json_num("top10_b64_users_per_s", f.sv.b64_ups, 1);
	json_num("top10_all_s", f.sv.all_s, 1);
	json_num("top10_all_users_per_s", f.sv.all_ups, 1);
	json_num("peak_mib", f.peak_mib, 1);
	json_str("peak_how", f.peak_how, 1);
	json_num("model_bytes", f.st.bytes, 1);
	json_num("flops_epoch", f.st.flops_epoch, 1);
	json_num("flops_user", f.st.flops_user, 1);
	json_num("train_gflops", f.train_gflops, 1);
	json_num("score_gflops", f.score_gflops, 1);
	json_num("score_gbs", f.score_gbs, 1);
	if (f.adam.table > 0) {
		json_num("adam_step_ms", f.adam.ms, 1);
		json_num("adam_step_gbs", f.adam.gbs, 1);
		json_num("adam_table_bytes", f.adam.table, 1);
		json_num("adam_share_bytes", f.adam.share, 1);
		json_str("adam_level", f.adam.where, 1);
		json_num("adam_at_size_gbs", f.adam.at_size, 1);
		json_str("adam_limit", "L2 read", 1);
		json_num("adam_limit_gbs", f.adam.limit, 1);
	}
	json_str("dominant_kernel", f.dom, 1);
	json_num("dominant_pct_of_limit", f.dom_pct, 1);
	if (f.rb_src != NULL) {
		json_str("recbole_source", f.rb_src, 1);
		json_num("recbole_train_s", f.rb_train, 1);
		json_num("recbole_eval_s", f.rb_eval, 1);
		json_num("recbole_train_ratio", f.rb_train / f.train_s, 1);
		json_num("recbole_eval_ratio", f.rb_eval / f.eval1_s, 0);
	} else {
		json_str("recbole_source", "n/a", 0);
	}
	fputc('}', js);
	model_run_release(&run);
}

static int js_first_set = 1;

static void
bench_dataset(const char *spec_s, const char *dataset)
{
	struct model_data d = MODEL_DATA_INIT;
	struct model_split sp = MODEL_SPLIT_INIT;
	struct model_split_spec ss = MODEL_SPLIT_SPEC_DEFAULT;
	struct ep_err err = EP_ERR_INIT;
	struct spmm_fig spmm, hist;
	size_t i;

	if (model_data_load(spec_s, &d, &err) < 0 ||
	    model_split_make(&d, &ss, &sp, &err) < 0) {
		printf("\n%s: skipped: %s\n", spec_s, err.msg);
		return;
	}
	spmm = time_spmm(&sp);
	hist = time_hist(&sp);
	printf("\n== %s: %u users, %u items, %zu training interactions ==\n",
	    spec_s, d.n_users, d.n_items, sp.part[MODEL_TRAIN].nnz);
	printf("SpMM (graph propagation, d=64): %.2f ms a product, %.1f GB/s "
	    "counted (each gathered row once per edge): %.0f%% of the "
	    "all-thread L2 read (%.1f GB/s); its table of %.0f KiB fits the "
	    "%s, and a table that size reads at %.1f GB/s (%.0f%%; %.0f%% of "
	    "the %.0f MiB read, %.0f%% of the triad)\n", spmm.ms, spmm.gbs,
	    100 * spmm.gbs / spmm.limit, spmm.limit, spmm.table / 1024,
	    spmm.where,
	    spmm.at_size, 100 * spmm.gbs / spmm.at_size,
	    100 * spmm.gbs / lim.cache_all, lim.cache_mib,
	    100 * spmm.gbs / lim.triad_all);
	printf("FISM's history pass (d=64: each user's history rows summed, "
	    "then a gradient added to each): %.2f ms, %.1f GB/s counted (a "
	    "row read by the sum, read and written by the scatter): %.0f%% "
	    "of the all-thread L2 read (%.1f GB/s); its table of %.0f KiB "
	    "fits the %s, and a table that size reads at %.1f GB/s (%.0f%%)"
	    "\n", hist.ms, hist.gbs, 100 * hist.gbs / hist.limit, hist.limit,
	    hist.table / 1024, hist.where, hist.at_size,
	    100 * hist.gbs / hist.at_size);
	printf("RecBole ratio = RecBole s / ecoplan s (train/valid); source: "
	    "%s\n", peer_path != NULL ? peer_path :
	    strcmp(dataset, "ml-1m") == 0 ? "published TITAN V GPU times "
	    "(RecBole team; a DIFFERENT machine)" : "none for this dataset");
	printf("%-11s %9s %-30s %8s %8s %5s %8s %7s %9s %7s %6s %-20s %s\n",
	    "model", "s/epoch", "how", "valid1 s", "valid12s", "12/1",
	    "top10 us", "b64 ms", "all u/s", "peakMiB", "kern%",
	    "dominant kernel", "RecBole");
	fprintf(js, "%s    {\"dataset\": \"%s\", \"spec\": \"%s\", "
	    "\"users\": %u, \"items\": %u, \"train_interactions\": %zu, "
	    "\"spmm_ms\": %.4f, \"spmm_gbs\": %.3f, \"spmm_pct_triad\": %.2f, "
	    "\"spmm_pct_cache_read\": %.2f, \"spmm_table_bytes\": %.0f, "
	    "\"spmm_fits\": \"%s\", \"spmm_at_size_gbs\": %.3f, "
	    "\"spmm_limit\": \"L2 read\", \"spmm_limit_gbs\": %.3f, "
	    "\"spmm_pct_limit\": %.2f, \"hist_ms\": %.4f, "
	    "\"hist_gbs\": %.3f, \"hist_table_bytes\": %.0f, "
	    "\"hist_fits\": \"%s\", \"hist_at_size_gbs\": %.3f, "
	    "\"hist_limit\": \"L2 read\", \"hist_limit_gbs\": %.3f, "
	    "\"hist_pct_limit\": %.2f, \"models\": [\n",
	    js_first_set ? "" : ",\n", dataset, spec_s, d.n_users, d.n_items,
	    sp.part[MODEL_TRAIN].nnz, spmm.ms, spmm.gbs,
	    100 * spmm.gbs / lim.triad_all, 100 * spmm.gbs / lim.cache_all,
	    spmm.table, spmm.where, spmm.at_size, spmm.limit,
	    100 * spmm.gbs / spmm.limit, hist.ms, hist.gbs, hist.table,
	    hist.where, hist.at_size, hist.limit,
	    100 * hist.gbs / hist.limit);
	js_first_set = 0;
	js_first_model = 1;
	memset(&last_adam, 0, sizeof last_adam);
	for (i = 0; i < model_count(); i++)
		bench_model(model_at(i), &sp, dataset, &spmm, &hist);
	if (last_adam.table > 0)
		printf("Adam step (BPR, dense: weights, gradients and moments "
		    "read and written, %.1f MiB, %.1f MiB a thread): %.3f ms, "
		    "%.1f GB/s: %.0f%% of the all-thread L2 read (%.1f GB/s); "
		    "a thread's share is in the %s, and shares that size read "
		    "at %.1f GB/s (%.0f%%; %.0f%% of the %.0f MiB read)\n",
		    last_adam.table / 1048576, last_adam.share / 1048576,
		    last_adam.ms, last_adam.gbs,
		    100 * last_adam.gbs / last_adam.limit, last_adam.limit,
		    last_adam.where, last_adam.at_size,
		    100 * last_adam.gbs / last_adam.at_size,
		    100 * last_adam.gbs / lim.cache_all, lim.cache_mib);
	fprintf(js, "\n    ]}");
	model_split_release(&sp);
	model_data_release(&d);
}

/* ---- the planner: runs of the binary ---- */

/* Median and 90th percentile wall seconds of reps runs of argv. */
static int
time_command(char *const argv[], int reps, double *med, double *p90)
{
	posix_spawn_file_actions_t fa;
	double *t = ep_xmalloc((size_t)reps * sizeof *t);
	int r, status;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	for (r = 0; r < reps; r++) {
		double t0 = ep_clock_mono();
		pid_t pid;

		if (posix_spawn(&pid, argv[0], &fa, NULL, argv, environ) != 0 ||
		    waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0) {
			free(t);
			posix_spawn_file_actions_destroy(&fa);
			return -1;
		}
		t[r] = ep_clock_mono() - t0;
	}
	*med = median(t, (size_t)reps);
	*p90 = t[(size_t)(0.9 * (reps - 1))];
	free(t);
	posix_spawn_file_actions_destroy(&fa);
	return 0;
}

static void
bench_planner(void)
{
	const char *bin = getenv("BENCH_ECOPLAN");
	char b[256];
	static char a_ver[] = "--version", a_cmp[] = "compare",
	    a_unc[] = "--uncertainty", a_n[] = "10000", a_ngcf[] = "ngcf",
	    a_fism[] = "fism";
	char *v_argv[] = { b, a_ver, NULL };
	char *c_argv[] = { b, a_cmp, a_unc, a_n, a_ngcf, a_fism, NULL };
	char *c0_argv[] = { b, a_cmp, a_ngcf, a_fism, NULL };
	static char a_true[] = "/bin/true";
	char *t_argv[] = { a_true, NULL };
	double tm = (double)NAN, tp;
	double sm, sp, cm, cp, zm, zp;
	int rs = quick ? 50 : 300, rc = quick ? 15 : 60;

	snprintf(b, sizeof b, "%s", bin != NULL ? bin : "./ecoplan");
	printf("\n== planner (%s; median of many runs, output to /dev/null) "
	    "==\n", b);
	if (access(b, X_OK) != 0 ||
	    time_command(v_argv, rs, &sm, &sp) < 0 ||
	    time_command(c0_argv, rc, &zm, &zp) < 0 ||
	    time_command(c_argv, rc, &cm, &cp) < 0) {
		printf("skipped: cannot run %s\n", b);
		fprintf(js, "  \"planner\": null,\n");
		return;
	}
	/* The cost of starting any process here, for scale. */
	if (access(a_true, X_OK) == 0 && time_command(t_argv, rs, &tm, &tp) == 0)
		printf("baseline (/bin/true: process start alone) %7.2f ms "
		    "median, %7.2f ms p90, %d runs\n", tm * 1e3, tp * 1e3, rs);
	printf("start-up (ecoplan --version)              %7.2f ms median, "
	    "%7.2f ms p90, %d runs  target < 10 ms: %s\n", sm * 1e3, sp * 1e3,
	    rs, sm < 0.010 ? "met" : "NOT met");
	printf("compare ngcf fism (no Monte Carlo)        %7.2f ms median, "
	    "%7.2f ms p90, %d runs\n", zm * 1e3, zp * 1e3, rc);
	printf("compare --uncertainty 10000 ngcf fism     %7.2f ms median, "
	    "%7.2f ms p90, %d runs  target < 100 ms: %s\n", cm * 1e3,
	    cp * 1e3, rc, cm < 0.100 ? "met" : "NOT met");
	fprintf(js, "  \"planner\": {\"bin_true_ms_median\": %.3f, "
	    "\"startup_ms_median\": %.3f, "
	    "\"startup_ms_p90\": %.3f, \"startup_runs\": %d, "
	    "\"compare_plain_ms_median\": %.3f, "
	    "\"compare_mc10000_ms_median\": %.3f, "
	    "\"compare_mc10000_ms_p90\": %.3f, \"compare_runs\": %d},\n",
	    isfinite(tm) ? tm * 1e3 : -1, sm * 1e3, sp * 1e3, rs, zm * 1e3,
	    cm * 1e3, cp * 1e3,
	    rc);
}

/* ---- main ---- */

static void
cpu_name(char *cpu, size_t size)
{
	char line[512];
	FILE *f = fopen("/proc/cpuinfo", "r");

	snprintf(cpu, size, "unknown");
	if (f == NULL)
		return;
	while (fgets(line, sizeof line, f) != NULL)
		if (strncmp(line, "model name", 10) == 0) {
			char *c = strchr(line, ':');

			snprintf(cpu, size, "%s", c ? c + 2 : line);
			cpu[strcspn(cpu, "\n")] = '\0';
			break;
		}
	fclose(f);
}

int
main(int argc, char **argv)
{
	const char *jpath = getenv("BENCH_JSON"), *q = getenv("BENCH_QUICK");
	const char *ml100k[] = { "../shared/data/ml-100k/ml-100k.inter",
	    "/work/shared/data/ml-100k/ml-100k.inter" };
	char cpu[512], stamp[64];
	double load[3] = { -1, -1, -1 }, t_start = ep_clock_mono();
	time_t now = time(NULL);
	struct tm tm;
	size_t k;

	(void)argc;
	/* OpenBLAS's kernels for this CPU, as ecoplan's commands run it. */
	model_blas_check(argv);
	quick = q != NULL && q[0] != '\0' && strcmp(q, "0") != 0;
	if (jpath == NULL || jpath[0] == '\0')
		jpath = "bench/results.json";
	if ((js = fopen(jpath, "w")) == NULL) {
		fprintf(stderr, "bench_perf: %s: %s\n", jpath, strerror(errno));
		return 1;
	}
	cpu_name(cpu, sizeof cpu);
	getloadavg(load, 3);
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
	model_blas_single_thread();
	/* Large blocks always mmap()ed, so that free() returns them and
	 * each model's peak memory is its own (glibc). */
	mallopt(M_MMAP_THRESHOLD, 256 * 1024);
	load_peer();
	printf("ecoplan performance benchmark%s: %s, %ld CPUs online, %d "
	    "OpenMP threads, OpenBLAS core %s%s, load %.2f %.2f %.2f, %s\n",
	    quick ? " (BENCH_QUICK)" : "", cpu, sysconf(_SC_NPROCESSORS_ONLN),
	    omp_get_max_threads(), model_blas_core(),
	    getenv("OPENBLAS_CORETYPE") != NULL ? " (OPENBLAS_CORETYPE)" : "",
	    load[0], load[1], load[2], stamp);
	fprintf(js, "{\n  \"quick\": %s, \"cpu\": \"%s\", \"cpus\": %ld, "
	    "\"threads\": %d, \"blas_core\": \"%s\", "
	    "\"load_start\": [%.2f, %.2f, %.2f], \"date\": \"%s\",\n",
	    quick ? "true" : "false", cpu, sysconf(_SC_NPROCESSORS_ONLN),
	    omp_get_max_threads(), model_blas_core(), load[0], load[1],
	    load[2], stamp);
	measure_limits();
	bench_planner();
	fprintf(js, "  \"datasets\": [\n");
	bench_dataset("synthetic-ml1m", "ml-1m");
	for (k = 0; k < 2; k++)
		if (access(ml100k[k], R_OK) == 0) {
			bench_dataset(ml100k[k], "ml-100k");
			break;
		}
	if (k == 2)
		printf("\nml-100k: skipped: not in ../shared/data\n");
	getloadavg(load, 3);
	printf("\nload at the end %.2f %.2f %.2f; %.0f s in all; JSON in "
	    "%s\n", load[0], load[1], load[2], ep_clock_mono() - t_start,
	    jpath);
	fprintf(js, "\n  ],\n  \"load_end\": [%.2f, %.2f, %.2f], "
	    "\"secs\": %.1f\n}\n", load[0], load[1], load[2],
	    ep_clock_mono() - t_start);
	if (fclose(js) != 0) {
		fprintf(stderr, "bench_perf: %s: write error\n", jpath);
		return 1;
	}
	return 0;
}
