/*
 * Energy meters: the ladder of DESIGN.md. A meter is opened once and
 * read as a running total of joules since it was opened; the caller
 * takes differences around what it measures.
 *
 *   rapl      powercap sysfs (Intel and AMD): package and DRAM zones, no
 *             nested double counting, wraparound handled by a background
 *             polling thread;
 *   perf      the perf_event "power" PMU (energy-pkg, energy-ram), 64-bit
 *             counts kept by the kernel;
 *   nvml      NVIDIA GPU energy through dlopen("libnvidia-ml.so.1"), added
 *             to the CPU meter, never instead of it;
 *   estimate  this process's CPU time times a per-thread power from the
 *             CPU's TDP (CodeCarbon's table, compiled in), plus RAM power;
 *             always labelled estimated.
 * "auto" takes the first that can be read, and records why each one
 * above it was skipped.
 */
#ifndef ECOPLAN_PROFILES_METER_H
#define ECOPLAN_PROFILES_METER_H

#include "core/err.h"

enum prof_meter_kind {
	PROF_METER_AUTO,
	PROF_METER_RAPL,
	PROF_METER_PERF,
	PROF_METER_NVML,	/* GPU only: with auto, added to a CPU meter */
	PROF_METER_ESTIMATE
};

struct prof_meter_opts {
	enum prof_meter_kind kind;
	double cpu_watts;	/* estimate: > 0 overrides the per-thread
				 * power from the TDP table (watts a busy
				 * thread draws) */
	double ram_watts;	/* estimate: > 0 overrides RAM power (W) */
	int no_gpu;		/* do not add NVML */
};

#define PROF_METER_OPTS_INIT { PROF_METER_AUTO, 0, 0, 0 }

struct prof_meter_impl;

struct prof_meter {
	char kind[16];		/* "rapl", "perf", "estimate" (+ "nvml" in
				 * gpu_kind when a GPU meter is added) */
	char gpu_kind[16];	/* "nvml" or "": a GPU meter is always
				 * machine-wide, whatever machine_wide says
				 * of the CPU meter */
	int estimated;		/* 1 for estimate */
	int machine_wide;	/* the CPU meter counts the whole machine
				 * (rapl, perf, nvml), so an idle baseline
				 * applies */
	char domains[128];	/* e.g. "package-0,dram" or "cpu,ram" */
	char assumptions[512];	/* estimate: the powers used and where they
				 * came from; others: resolution, polling */
	char ladder[512];	/* why meters above this one were skipped
				 * ("rapl: ...; perf: ..."), and why no GPU
				 * meter was added ("nvml: ...") */
	double poll_secs;	/* background polling interval, 0 if none */
	struct prof_meter_impl *impl;
};

/*
 * Opens the meter opts asks for (auto: the ladder). With an explicit
 * kind that cannot be read, fails with the reason (and how to fix it,
 * e.g. the root-only energy_uj of Linux 5.10 and later). The sysfs root
 * is $ECOPLAN_SYSFS_ROOT when set (for tests), else /sys.
 */
int prof_meter_open(struct prof_meter *m, const struct prof_meter_opts *opts,
    struct ep_err *err);

/*
 * Joules since the meter was opened (CPU meter plus GPU meter), and, when
 * cpu_j/gpu_j are not NULL, the two parts. Thread-safe against the
 * polling thread.
 */
int prof_meter_read(struct prof_meter *m, double *joules, double *cpu_j,
    double *gpu_j, struct ep_err *err);

/*
 * The background polling so far, to measure its overhead: how many polls
 * the thread has made and the wall-clock seconds spent inside them (the
 * meter's lock is held for that long). Zero when there is no thread.
 */
void prof_meter_poll_stats(struct prof_meter *m, unsigned long *polls,
    double *secs);

/* Stops the polling thread and frees everything; safe on a zeroed meter. */
void prof_meter_close(struct prof_meter *m);

/* The kind named s ("auto", "rapl", "perf", "nvml", "estimate"), or -1. */
int prof_meter_kind_parse(const char *s);

#endif
