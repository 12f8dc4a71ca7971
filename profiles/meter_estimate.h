/*
 * The estimate meter (internal to profiles/meter.c), for machines with no
 * energy counter: this process's CPU time times the power of one busy
 * hardware thread, plus RAM power over wall time.
 *
 * The power of a thread is the CPU's thermal design power (TDP) divided
 * by its hardware threads per package, the TDP taken from CodeCarbon's
 * cpu_power.csv (compiled in as "profiles/cpu_power.csv") by the model
 * name in /proc/cpuinfo, matched on its words. A CPU that is not in the
 * table gets CodeCarbon's fallback of PROF_EST_FALLBACK_WATTS a thread.
 * RAM is PROF_EST_WATTS_PER_GB (CodeCarbon before 2.8.5) per GiB of this
 * process's resident memory. Both can be overridden in watts.
 */
#ifndef ECOPLAN_PROFILES_METER_ESTIMATE_H
#define ECOPLAN_PROFILES_METER_ESTIMATE_H

#include <stddef.h>

#include "core/err.h"

/* Watts a busy thread draws when the CPU is not in the table. */
#define PROF_EST_FALLBACK_WATTS 4.0
/* Watts per GiB of resident memory. */
#define PROF_EST_WATTS_PER_GB 0.375

/* What /proc/cpuinfo says about the CPU. */
struct prof_cpuinfo {
	char model[128];	/* "model name", spaces collapsed, or "" */
	int threads;		/* hardware threads per package ("siblings",
				 * else online CPUs over packages) */
	int packages;		/* distinct "physical id" values, at least 1 */
	int cores_in_name;	/* N of an "N-Core" in the name, or 0 */
	int hypervisor;		/* the "hypervisor" flag: a virtual machine,
				 * whose thread count is not the CPU's */
};

/*
 * Reads $ECOPLAN_CPUINFO when set (for tests), else /proc/cpuinfo. A
 * file without a model name (some ARM kernels) leaves model empty.
 */
int prof_cpuinfo_read(struct prof_cpuinfo *ci, struct ep_err *err);

/*
 * Looks up the TDP of the CPU called model in the compiled-in table.
 * Case, "(R)", "(TM)", "CPU", "Processor", "N-Core" words and the
 * "@ 2.70GHz" clock are ignored, and the entry whose words all occur in
 * model, with the most words, wins; it must share a model number (a word
 * of three or more characters with a digit), so a bare "AMD EPYC"
 * matches nothing. Rows with a malformed TDP are skipped. Returns 1 with
 * *watts and the entry's name in matched (may be NULL), 0 when nothing
 * matches, -1 when the table cannot be read.
 */
int prof_tdp_lookup(const char *model, double *watts, char *matched,
    size_t matched_len, struct ep_err *err);

struct prof_estimate;

/*
 * Starts an estimate. cpu_watts > 0 sets the power of a busy thread and
 * ram_watts > 0 the RAM power instead of the table and the resident
 * memory. Writes "cpu,ram" into domains and the powers used, with where
 * they came from, into notes. On success *out is owned by the caller and
 * freed with prof_estimate_close().
 */
int prof_estimate_open(struct prof_estimate **out, double cpu_watts,
    double ram_watts, char *domains, size_t domains_len, char *notes,
    size_t notes_len, struct ep_err *err);

/*
 * Estimated joules since open: CPU seconds of this process (all threads)
 * times the thread power, plus RAM power times wall time (with resident
 * memory sampled at each read, trapezoids between reads). Not
 * thread-safe.
 */
int prof_estimate_read(struct prof_estimate *e, double *joules,
    struct ep_err *err);

/* Frees e; safe on NULL. */
void prof_estimate_close(struct prof_estimate *e);

#endif
