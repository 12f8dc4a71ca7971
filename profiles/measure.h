/*
 * Measuring an external command: runs it without a shell, passes its
 * standard output and error through unchanged while scanning every
 * line for an epoch marker (and a request-batch marker), and meters the
 * run with an open prof_meter.
 *
 * Attribution. A machine-wide meter (rapl, perf, nvml) counts every
 * process; the command's share is its process tree's CPU time over the
 * machine's busy CPU time (/proc/stat less idle and iowait), read from
 * /proc/PID/stat (utime + stime + cutime + cstime of the child and its
 * live descendants, found through /proc/PID/task/TID/children) at every
 * marker and every sample_secs, and from wait4()'s rusage at the end.
 * The CPU energy times that share, plus all of the GPU energy, is the
 * command's net energy; the whole machine's is kept beside it as gross.
 * The estimate meter counts only ecoplan's own CPU time and memory, so
 * the child tree's CPU seconds times the meter's watts per busy thread,
 * and its resident memory (sampled) times PROF_EST_WATTS_PER_GB over
 * time, are added to it. Descendants that outlive their parent and are
 * reparented are not counted.
 */
#ifndef ECOPLAN_PROFILES_MEASURE_H
#define ECOPLAN_PROFILES_MEASURE_H

#include <stddef.h>

#include "core/err.h"
#include "profiles/meter.h"
#include "profiles/profile.h"

/* Longest line kept for marker matching; longer ones are split. */
#define PROF_MEASURE_LINE_MAX 65536
/* Epochs recorded; markers beyond this only extend the last one. */
#define PROF_MEASURE_MAX_EPOCHS 100000

struct prof_measure_opts {
	char *const *argv;		/* command, arguments, NULL */
	const char *epoch_marker;	/* POSIX ERE closing an epoch, or NULL */
	const char *query_marker;	/* ERE, each match a request batch */
	long queries;			/* > 0: requests the run served */
	double sample_secs;		/* /proc sampling interval (0: 0.1) */
	int out_fd;			/* where the child's stdout goes (1) */
	int err_fd;			/* and its stderr (2) */
};

#define PROF_MEASURE_OPTS_INIT { NULL, NULL, NULL, 0, 0, 1, 2 }

/* One epoch: from the previous marker (or the start) to its marker. */
struct prof_measure_epoch {
	double joules;		/* net: the command's share */
	double gross_joules;	/* the meter's whole reading */
	double secs;
	double cpu_secs;	/* the process tree's CPU time */
	int warmup;		/* the first epoch */
};

struct prof_measure_result {
	int exit_status;	/* the command's, or 128 + signal */
	int term_signal;	/* signal that ended the command, or 0 */
	int interrupted;	/* ecoplan got SIGINT, SIGTERM or SIGHUP */
	int exec_errno;		/* the command could not be run: errno */
	double secs;		/* wall time of the whole run */
	double joules;		/* net energy of the whole run */
	double gross_joules;	/* the meter's whole reading */
	double gpu_joules;	/* of which GPU (machine-wide) */
	double cpu_secs;	/* the process tree's CPU time */
	double tree_share;	/* CPU-time share of the machine, 0..1, or
				 * NaN when /proc/stat cannot be read */
	double watts_per_thread;/* estimate meter: what a busy thread of the
				 * child is charged */
	double watts_per_gb;	/* estimate meter: what a GiB of the tree's
				 * resident memory is charged */
	double ram_joules;	/* estimate meter: the tree's RAM energy */
	size_t n_epochs;
	size_t extra_markers;	/* markers past PROF_MEASURE_MAX_EPOCHS */
	struct prof_measure_epoch *epochs;	/* owned */
	long queries;		/* given, or marker matches */
	size_t lines;		/* lines the command printed */
	unsigned long samples;	/* /proc samples taken */
};

/*
 * Runs o->argv[0] (searched in $PATH, no shell) and fills r. Returns 0
 * when the command ran, whatever its exit status; -1 with err when it
 * could not be started: r->exec_errno is ENOENT (EP_ENOTFOUND,
 * "COMMAND: not found") or another errno (EP_EIO), or a marker is not a
 * valid ERE (EP_EUSAGE), or the meter fails. SIGINT, SIGTERM and SIGHUP
 * sent to ecoplan are forwarded to the command while it runs (a
 * terminal's Ctrl-C reaches it directly and is not sent twice), and the
 * measurement goes on until the command ends, with r->interrupted set.
 * Release r with prof_measure_release().
 */
int prof_measure_run(struct prof_meter *m, const struct prof_measure_opts *o,
    struct prof_measure_result *r, struct ep_err *err);

/*
 * Fills p (already prof_profile_init'ed) from r: a training part when
 * there were epoch markers, or no queries (the whole run as one epoch),
 * with the first epoch as setup (warm-up) and the others as
 * epoch_train; an inference part (kWh per request) when queries > 0;
 * incomplete when the command failed or was interrupted. The caller
 * sets model, dataset, host and source.
 */
void prof_measure_to_profile(const struct prof_measure_result *r,
    const struct prof_meter *m, struct prof_profile *p);

/* Frees r's epochs; safe on a zeroed result. */
void prof_measure_release(struct prof_measure_result *r);

#endif
