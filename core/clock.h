/*
 * Clocks for timing: a monotonic wall clock and this process's CPU time.
 */
#ifndef ECOPLAN_CORE_CLOCK_H
#define ECOPLAN_CORE_CLOCK_H

/* Seconds on the monotonic clock (an arbitrary origin). */
double ep_clock_mono(void);

/* CPU seconds used by this process so far, all threads, user + system. */
double ep_clock_cpu(void);

#endif
