/*
 * The Adam optimiser: dense (replayed on demand), lazy, and eager.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "models/optim.h"
#include "core/banned.h"

/* Bytes of weights, gradients and moments below which dense Adam sweeps
 * every row at every step rather than replaying skipped steps. */
#define OPTIM_SWEEP_MAX ((size_t)16 << 20)

/* Parameters below which a step runs on one thread: a parallel region
 * at every step costs more than it saves for small tables, or when
 * another process holds a core. From 2^18 (BPR's, FISM's and the graph
 * models' ML-1M tables) two threads won every paired run on this 2-vCPU
 * machine at light load; 2^22 was chosen when three other engineers
 * shared it. */
#define OPTIM_PAR_MIN ((size_t)1 << 18)

void
model_optim_init(struct model_optim *o, struct model_tensor *t, size_t n,
    double lr, enum model_optim_kind kind)
{
	size_t k;

	memset(o, 0, sizeof *o);
	o->t = t;
	o->n = n;
	o->lr = lr;
	o->beta1 = 0.9;
	o->beta2 = 0.999;
	o->eps = 1e-8;
	o->kind = kind;
	for (k = 0; k < n; k++)
		o->total += t[k].rows * t[k].cols;
	/* Tables that fit in the cache are cheaper to sweep every step than
	 * to replay: the same weights either way. */
	if (kind == MODEL_ADAM && o->total * 4 * sizeof(float) <= OPTIM_SWEEP_MAX)
		o->kind = MODEL_ADAM_EAGER;
	o->m = ep_xcalloc(n ? n : 1, sizeof *o->m);
	o->v = ep_xcalloc(n ? n : 1, sizeof *o->v);
	o->last = ep_xcalloc(n ? n : 1, sizeof *o->last);
	for (k = 0; k < n; k++) {
		size_t len = t[k].rows * t[k].cols;

		o->m[k] = ep_xaligned(len, sizeof(float));
		o->v[k] = ep_xaligned(len, sizeof(float));
		memset(o->m[k], 0, len * sizeof(float));
		memset(o->v[k], 0, len * sizeof(float));
		o->last[k] = ep_xcalloc(t[k].rows ? t[k].rows : 1,
		    sizeof **o->last);
	}
}

/*
 * One step on n consecutive parameters with gradient g (NULL: zero),
 * zeroing g: one pass over w, g, m and v.
 */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx2", "default")))
#endif
static void
adam_span(float *restrict w, float *restrict g, float *restrict m,
    float *restrict v, size_t n, float b1, float b2, float step_size,
    float isb2, float eps)
{
	size_t i;

	if (g == NULL) {
#pragma omp simd
		for (i = 0; i < n; i++) {
			float mi = b1 * m[i] + (1 - b1) * 0.0f;
			float vi = b2 * v[i] + (1 - b2) * 0.0f * 0.0f;

			m[i] = mi;
			v[i] = vi;
			w[i] -= step_size * mi / (sqrtf(vi) * isb2 + eps);
		}
		return;
	}
#pragma omp simd
	for (i = 0; i < n; i++) {
		float gi = g[i];
		float mi = b1 * m[i] + (1 - b1) * gi;
		float vi = b2 * v[i] + (1 - b2) * gi * gi;

		m[i] = mi;
		v[i] = vi;
		w[i] -= step_size * mi / (sqrtf(vi) * isb2 + eps);
		g[i] = 0;
	}
}

/*
 * Replays steps from+1 .. to (without gradient) on a row: adam_span()
 * with a zero gradient, step by step, so the result is the same to the
 * bit. The row (in the L1 cache) is swept once a step, in vectors; each
 * parameter's steps one after the other in registers made a chain of
 * dependent divisions and square roots that GCC could not vectorise
 * across parameters.
 */
static void
replay(float *w, float *m, float *v, size_t n, const float *step_size,
    const float *isb2, long from, long to, float b1, float b2, float eps)
{
	long s;

	for (s = from + 1; s <= to; s++)
		adam_span(w, NULL, m, v, n, b1, b2, step_size[s], isb2[s],
		    eps);
}

static void
catch_up(struct model_optim *o, size_t k, size_t r, long from, long to)
{
	struct model_tensor *t = &o->t[k];
	size_t c = t->cols, off = r * c;

	if (from >= to)
		return;
	replay(t->w + off, o->m[k] + off, o->v[k] + off, c, o->step_size,
	    o->inv_sqrt_bc2, from, to, (float)o->beta1, (float)o->beta2,
	    (float)o->eps);
}

void
model_optim_step(struct model_optim *o)
{
	long t;

	t = ++o->step;
	if ((size_t)t >= o->steps_cap) {
		o->steps_cap = o->steps_cap ? o->steps_cap * 2 : 1024;
		o->step_size = ep_xreallocarray(o->step_size, o->steps_cap,
		    sizeof *o->step_size);
		o->inv_sqrt_bc2 = ep_xreallocarray(o->inv_sqrt_bc2,
		    o->steps_cap, sizeof *o->inv_sqrt_bc2);
	}
	o->step_size[t] = (float)(o->lr / (1 - pow(o->beta1, (double)t)));
	o->inv_sqrt_bc2[t] = (float)(1 / sqrt(1 - pow(o->beta2, (double)t)));
	/* One parallel sweep over the rows of all tensors; every thread
	 * walks the tensors (k is its own) and shares out their rows. */
#pragma omp parallel if (o->total > OPTIM_PAR_MIN)
	for (size_t k = 0; k < o->n; k++) {
		struct model_tensor *tt = &o->t[k];
		size_t cols = tt->cols;
		long r, rows = (long)tt->rows;
		int eager = o->kind == MODEL_ADAM_EAGER || tt->touched == NULL;

#pragma omp for schedule(static) nowait
		for (r = 0; r < rows; r++) {
			size_t off = (size_t)r * cols;

			if (!eager && !tt->touched[r])
				continue;
			if (o->kind == MODEL_ADAM)
				catch_up(o, k, (size_t)r, o->last[k][r], t - 1);
			adam_span(tt->w + off, tt->g + off, o->m[k] + off,
			    o->v[k] + off, cols, (float)o->beta1,
			    (float)o->beta2, o->step_size[t],
			    o->inv_sqrt_bc2[t], (float)o->eps);
			o->last[k][r] = t;
			if (tt->touched != NULL)
				tt->touched[r] = 0;
		}
	}
}

void
model_optim_refresh(struct model_optim *o)
{
	size_t k;

	if (o->kind != MODEL_ADAM)
		return;
	for (k = 0; k < o->n; k++) {
		struct model_tensor *t = &o->t[k];
		long r, rows = (long)t->rows;

		if (t->touched == NULL)
			continue;
#pragma omp parallel for schedule(dynamic, 64) if (rows > 4096)
		for (r = 0; r < rows; r++)
			if (t->touched[r] && o->last[k][r] < o->step) {
				catch_up(o, k, (size_t)r, o->last[k][r],
				    o->step);
				o->last[k][r] = o->step;
			}
	}
}

void
model_optim_flush(struct model_optim *o)
{
	size_t k;

	if (o->kind != MODEL_ADAM)
		return;
	for (k = 0; k < o->n; k++) {
		long r, rows = (long)o->t[k].rows;

#pragma omp parallel for schedule(dynamic, 64)
		for (r = 0; r < rows; r++)
			if (o->last[k][r] < o->step) {
				catch_up(o, k, (size_t)r, o->last[k][r],
				    o->step);
				o->last[k][r] = o->step;
			}
	}
}

void
model_optim_release(struct model_optim *o)
{
	size_t k;

	for (k = 0; k < o->n; k++) {
		free(o->m[k]);
		free(o->v[k]);
		free(o->last[k]);
	}
	free(o->m);
	free(o->v);
	free(o->last);
	free(o->step_size);
	free(o->inv_sqrt_bc2);
	memset(o, 0, sizeof *o);
}
