/*
 * The perf meter (internal to profiles/meter.c): the RAPL counters of
 * the perf_event "power" PMU, energy-pkg and, where the CPU has it,
 * energy-ram. The PMU's type, its cpumask (one CPU per package) and each
 * event's config and scale are read from sysfs
 * (<root>/bus/event_source/devices/power), and one system-wide event is
 * opened per CPU in the mask with perf_event_open(2). The kernel folds
 * the 32-bit hardware counter into a 64-bit count, so there is no
 * wraparound to poll for.
 */
#ifndef ECOPLAN_PROFILES_METER_PERF_H
#define ECOPLAN_PROFILES_METER_PERF_H

#include <stddef.h>

#include "core/err.h"

/* Most CPUs taken from a cpumask (one per package in practice). */
#define PROF_PERF_MAX_CPUS 256

struct prof_perf;

/*
 * Parses an event description of the power PMU, "event=0x02", into the
 * perf_event_attr config. Only the event term is accepted (the only
 * format the power PMU has).
 */
int prof_perf_parse_event(const char *s, unsigned long long *config,
    struct ep_err *err);

/*
 * Parses a CPU list ("0", "0,28", "0-3,8") into cpus (at most max);
 * returns the count, or -1.
 */
int prof_perf_parse_cpus(const char *s, int *cpus, int max,
    struct ep_err *err);

/*
 * Opens energy-pkg (and energy-ram when listed) on each CPU of the PMU's
 * cpumask. Writes the domains ("package-0,dram-0", one of each per CPU
 * of the mask) and a description into notes. Fails with the reason when
 * the PMU is absent, its sysfs files are malformed, or perf_event_open
 * is refused (naming kernel.perf_event_paranoid and CAP_PERFMON). On
 * success *out is owned by the caller and freed with prof_perf_close().
 */
int prof_perf_open(struct prof_perf **out, const char *root, char *domains,
    size_t domains_len, char *notes, size_t notes_len, struct ep_err *err);

/* Joules counted since open, all events together. */
int prof_perf_read(struct prof_perf *p, double *joules, struct ep_err *err);

/* Closes the events and frees p; safe on NULL. */
void prof_perf_close(struct prof_perf *p);

#endif
