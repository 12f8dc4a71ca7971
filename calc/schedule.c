/*
 * The least-emission start of a training run over a step-wise constant
 * intensity series, from prefix integrals of the series.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "calc/lifecycle.h"
#include "calc/schedule.h"
#include "core/mem.h"
#include "core/banned.h"

/* The series and its prefix integrals cum[k] = sum of v[j] x step, j < k. */
struct prefix {
	const double *v;
	const double *cum;
	size_t n;
	double step;
};

/* Integral of the intensity over [0, t), g/kWh x s; 0 <= t <= n x step. */
static double
integral(const struct prefix *p, double t)
{
	double k = floor(t / p->step);
	size_t i;

	if (k < 0)
		return 0;
	if (k >= (double)p->n)
		return p->cum[p->n];
	i = (size_t)k;
	return p->cum[i] + (t - k * p->step) * p->v[i];
}

/* Keeps start s when its window integral beats the best so far. */
static void
consider(const struct prefix *p, double s, double dur, double latest,
    double *best_s, double *best_i, size_t *count)
{
	double in, tol;

	if (s < 0)
		s = 0;
	if (s > latest)
		return;
	in = integral(p, s + dur) - integral(p, s);
	(*count)++;
	tol = 1e-12 * fabs(*best_i);
	if (*count == 1 || in < *best_i - tol ||
	    (in <= *best_i + tol && s < *best_s)) {
		*best_s = s;
		*best_i = in;
	}
}

int
calc_schedule(const double *g_per_kwh, size_t n, double step_secs,
    const struct calc_job *job, struct calc_schedule *out, struct ep_err *err)
{
	struct calc_schedule r = { 0 };
	struct prefix p;
	double *cum, end, dur, latest, best_s = 0, best_i = 0, now_i;
	char field[40];
	size_t i, count = 0;

	if (n == 0)
		return ep_fail(err, EP_ERANGE, "intensity series: empty");
	if (calc_value_check("step_secs", step_secs, 0, 1, err) ||
	    calc_value_check("duration_secs", job->duration_secs, 0, 1, err) ||
	    calc_value_check("energy_kwh", job->energy_kwh, 0, 0, err) ||
	    calc_value_check("pue", job->pue, 1, 0, err) ||
	    calc_value_check("deadline_secs", job->deadline_secs, 0, 0, err))
		return -1;
	for (i = 0; i < n; i++) {
		snprintf(field, sizeof field, "g_per_kwh[%zu]", i);
		if (calc_value_check(field, g_per_kwh[i], 0, 0, err))
			return -1;
	}
	dur = job->duration_secs;
	r.span_secs = (double)n * step_secs;
	end = r.span_secs;
	if (job->deadline_secs > 0 && job->deadline_secs < end)
		end = job->deadline_secs;
	if (dur > end)
		return ep_fail(err, EP_ERANGE,
		    "duration_secs: a run of %g s does not fit in the %g s "
		    "before the %s",
		    dur, end, end < r.span_secs ? "deadline" : "series ends");
	latest = end - dur;

	cum = ep_xmalloc((n + 1) * sizeof *cum);
	cum[0] = 0;
	for (i = 0; i < n; i++)
		cum[i + 1] = cum[i] + g_per_kwh[i] * step_secs;
	p.v = g_per_kwh;
	p.cum = cum;
	p.n = n;
	p.step = step_secs;

	/* Now, the latest start, and every start or end on a boundary. */
	consider(&p, 0, dur, latest, &best_s, &best_i, &count);
	now_i = best_i;
	consider(&p, latest, dur, latest, &best_s, &best_i, &count);
	for (i = 1; i <= n; i++) {
		consider(&p, (double)i * step_secs, dur, latest, &best_s,
		    &best_i, &count);
		consider(&p, (double)i * step_secs - dur, dur, latest, &best_s,
		    &best_i, &count);
	}
	free(cum);

	r.start_secs = best_s;
	r.mean_g_per_kwh = best_i / dur;
	r.emissions_g = job->energy_kwh * job->pue * r.mean_g_per_kwh;
	r.now_mean_g_per_kwh = now_i / dur;
	r.now_emissions_g = job->energy_kwh * job->pue * r.now_mean_g_per_kwh;
	r.saving_g = r.now_emissions_g - r.emissions_g;
	if (r.saving_g < 0) /* rounding within the tie tolerance */
		r.saving_g = 0;
	r.saving_pct =
	    r.now_emissions_g > 0 ? r.saving_g / r.now_emissions_g * 100.0 : 0;
	r.latest_start_secs = latest;
	r.n_starts = count;
	*out = r;
	return 0;
}
