/*
 * Clocks for timing.
 */
#include <time.h>

#include "core/clock.h"
#include "core/banned.h"

static double
read_clock(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts) < 0)
		return 0;
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double
ep_clock_mono(void)
{
	return read_clock(CLOCK_MONOTONIC);
}

double
ep_clock_cpu(void)
{
	return read_clock(CLOCK_PROCESS_CPUTIME_ID);
}
