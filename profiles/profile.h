/*
 * Profiles: what measurement mode records about one model on one dataset
 * and one host, in the JSON format ecoplan-profile/1
 * (man/ecoplan-profile.5 is normative). The writer and the reader live
 * here; the reader checks every field's type, unit and range and names
 * the field at fault ("ngcf.json: training.epoch_train.kwh: expected a
 * number >= 0").
 */
#ifndef ECOPLAN_PROFILES_PROFILE_H
#define ECOPLAN_PROFILES_PROFILE_H

#include <stddef.h>

#include "core/err.h"

#define PROF_SCHEMA "ecoplan-profile/1"
#define PROF_SCHEMA_MAJOR 1

#define PROF_MAX_PARAMS 32
#define PROF_MAX_SETS 8
#define PROF_MAX_BATCHES 16
#define PROF_MAX_METRICS 32

/* A measured figure: mean and spread over n measurements. */
struct prof_stat {
	double kwh;		/* net energy: gross less the idle baseline
				 * (equal to gross for per-process meters) */
	double sd;		/* standard deviation of kwh */
	double gross_kwh;
	double seconds;		/* mean wall time */
	double seconds_sd;
	int n;			/* measurements; 0 when unknown */
};

struct prof_param {
	char key[32];
	char value[48];		/* as text: "64", "0.001", "adam" */
	int numeric;		/* the value is a number (written unquoted) */
};

struct prof_valid {
	char name[32];		/* metric set: "all", "mrr", or a list */
	struct prof_stat e;
};

struct prof_batch {
	double batch;		/* requests a batch */
	double kwh_per_query;	/* net, per request (see users_per_query) */
	double sd;
	double gross_kwh_per_query;
	double p50_ms;		/* latency of a batch */
	double p99_ms;
	double queries_per_sec;
	int n;			/* repeats */
};

struct prof_metric {
	char name[32];		/* "ndcg@10" */
	double value;
};

struct prof_profile {
	char schema[32];
	char ecoplan_version[16];
	char created[32];		/* ISO 8601 UTC */
	char model[32];
	size_t n_params;
	struct prof_param params[PROF_MAX_PARAMS];
	/* dataset */
	char dataset[128];
	long users;
	long items;
	long interactions;
	char sha256[65];
	char split[96];
	/* host */
	char host_name[64];
	char cpu[128];
	int threads;
	double ram_gb;
	char gpu[128];			/* "" when none */
	char os[128];
	char compiler[64];
	char blas[96];			/* "OpenBLAS 0.3.21 SkylakeX", or "" */
	/* meter */
	char meter[16];			/* rapl, perf, estimate, codecarbon, ... */
	char meter_gpu[16];		/* nvml or "" */
	int estimated;
	char domains[128];
	char assumptions[512];
	char ladder[512];
	double idle_watts;		/* baseline subtracted (0: none) */
	double poll_secs;
	/* training */
	int has_training;
	int epochs_measured;
	double epochs_per_update;	/* to convergence, or as configured */
	struct prof_stat epoch_train;
	size_t n_valid;
	struct prof_valid valid[PROF_MAX_SETS];
	struct prof_stat setup;
	/* inference */
	int has_inference;
	double users_per_query;		/* single-user requests a query answers */
	int k;
	size_t n_batches;
	struct prof_batch batches[PROF_MAX_BATCHES];
	/* accuracy */
	int converged;
	size_t n_metrics;
	struct prof_metric metrics[PROF_MAX_METRICS];
	/* provenance */
	int incomplete;			/* a measurement was cut short */
	char source[256];		/* what was measured (command, import) */
};

/* Fills p with an empty profile of the current schema and version. */
void prof_profile_init(struct prof_profile *p);

/*
 * Serialises p as pretty JSON into a new string (caller frees). Fields
 * that are unknown (empty strings, no training or inference part) are
 * left out or null, as ecoplan-profile(5) says.
 */
char *prof_profile_to_json(const struct prof_profile *p);

/*
 * Parses and checks len bytes of JSON from what (a path, for messages)
 * into p. A newer major schema, a missing required field, a wrong type,
 * a negative energy or a NaN fail with what and the field's path.
 */
int prof_profile_parse(const char *buf, size_t len, const char *what,
    struct prof_profile *p, struct ep_err *err);

/* Reads and parses a profile file. */
int prof_profile_load(const char *path, struct prof_profile *p,
    struct ep_err *err);

/* The validation figure for set name ("all", "mrr"), or NULL. */
const struct prof_valid *prof_profile_valid(const struct prof_profile *p,
    const char *name);

/* The value of metric name ("ndcg@10"), or NaN. */
double prof_profile_metric(const struct prof_profile *p, const char *name);

/* Sets *stat to the mean and sample standard deviation of n values. */
void prof_stat_of(struct prof_stat *stat, const double *kwh,
    const double *gross_kwh, const double *secs, int n);

#endif
