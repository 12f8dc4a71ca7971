/*
 * Carbon-aware scheduling of one training run: given a carbon-intensity
 * series (a forecast or history on a regular grid) and the run's
 * duration, the start time with the least emissions and the saving
 * against starting now.
 *
 * Value i of the series stands for the interval [i x step, (i + 1) x
 * step) seconds after the series starts, which is "now"; the intensity
 * is constant within a step. The run draws its energy evenly over its
 * duration, which need not be a whole number of steps, and may start at
 * any time (not only on a step boundary). Its emissions are
 *
 *	energy_kwh x PUE x (mean intensity over [start, start + duration))
 *
 * That mean is piecewise linear in the start time, so its least value
 * lies where the start or the end of the run falls on a step boundary,
 * or at the earliest or latest start allowed: exactly those starts are
 * compared, the earliest winning a tie.
 */
#ifndef ECOPLAN_CALC_SCHEDULE_H
#define ECOPLAN_CALC_SCHEDULE_H

#include <stddef.h>

#include "core/err.h"

struct calc_job {
	double duration_secs;	/* > 0 */
	double energy_kwh;	/* IT energy of the run, >= 0 */
	double pue;		/* >= 1 */
	double deadline_secs;	/* the run must end by then (seconds after
				 * now); 0: by the end of the series */
};

struct calc_schedule {
	double start_secs;		/* best start, seconds after now */
	double mean_g_per_kwh;		/* mean intensity over that run */
	double emissions_g;		/* emissions of that run */
	double now_mean_g_per_kwh;	/* the same, starting now */
	double now_emissions_g;
	double saving_g;		/* now - best, >= 0 */
	double saving_pct;		/* of now; 0 when now emits nothing */
	double span_secs;		/* n x step: what the series covers */
	double latest_start_secs;	/* latest start compared */
	size_t n_starts;		/* starts compared */
};

/*
 * Finds the best start for job within the n >= 1 intensities g_per_kwh
 * (g/kWh, finite, >= 0) spaced step_secs (> 0) apart. Fails with
 * EP_ERANGE, naming the field or value at fault, on bad input or when
 * the run does not fit between now and the deadline (or the series'
 * end, whichever is sooner). Allocates and frees a work array (exits on
 * out of memory, see core/mem.h).
 */
int calc_schedule(const double *g_per_kwh, size_t n, double step_secs,
    const struct calc_job *job, struct calc_schedule *out,
    struct ep_err *err);

#endif
