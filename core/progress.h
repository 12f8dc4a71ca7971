/*
 * A progress bar with rate and ETA on stderr. It draws only when stderr
 * is a terminal, so pipes, logs and tests stay clean, and at most ten
 * times a second, so that updating it in a loop costs nothing.
 */
#ifndef ECOPLAN_CORE_PROGRESS_H
#define ECOPLAN_CORE_PROGRESS_H

#include <stddef.h>

struct ep_progress {
	const char *label;	/* borrowed; must outlive the bar */
	const char *unit;	/* e.g. "epochs", for the rate; borrowed */
	double total;		/* 0 when unknown: no bar, no ETA */
	double done;
	double t_start;
	double t_drawn;
	int enabled;
};

#define EP_PROGRESS_INIT { NULL, NULL, 0, 0, 0, 0, 0 }

/* Starts a bar; it is enabled only when stderr is a terminal. */
void ep_progress_start(struct ep_progress *p, const char *label,
    const char *unit, double total);

/* Records that done units are finished and redraws when due. */
void ep_progress_update(struct ep_progress *p, double done);

/* Draws the final state and ends the line; safe on a disabled bar. */
void ep_progress_finish(struct ep_progress *p);

/*
 * Formats one line of the bar into buf (at most size bytes, always
 * NUL-terminated), e.g. "train  [=====>     ]  50%  12.0 epochs/s  ETA
 * 0:04", for a terminal width columns wide. Returns the length written.
 * Pure: for tests, and used by the drawing functions.
 */
size_t ep_progress_format(char *buf, size_t size, const char *label,
    const char *unit, double done, double total, double elapsed_secs,
    int width);

#endif
