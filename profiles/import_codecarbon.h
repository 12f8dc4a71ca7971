/*
 * Importing CodeCarbon's emissions.csv into a training profile. Every
 * release's header set is read (v1.x to 3.3): columns are found by name,
 * never by position, and a column a release lacks is unknown. Rows with
 * fewer fields than the header (CodeCarbon's append bug drops empty
 * fields, so the values behind them shift left) or with more fields are
 * never realigned: they are set aside with their line numbers and the
 * caller reports them. The remaining rows are runs, aggregated with
 * their mean and standard deviation.
 *
 * Units: energy_consumed and *_energy are kWh (PUE already applied),
 * emissions kg CO2e (converted to g here), duration s, *_power W.
 */
#ifndef ECOPLAN_PROFILES_IMPORT_CODECARBON_H
#define ECOPLAN_PROFILES_IMPORT_CODECARBON_H

#include <stddef.h>

#include "core/err.h"
#include "profiles/profile.h"

#define PROF_CC_MAX_SKIPPED 16

/* One row of emissions.csv; NaN marks an unknown (missing) value. */
struct prof_cc_row {
	size_t line;		/* line of the file the row starts on */
	char project[128];	/* project_name, or "" */
	double duration_secs;
	double energy_kwh;	/* energy_consumed, else the sum of parts */
	double emissions_g;
	double cpu_watts, gpu_watts, ram_watts;
	double cpu_kwh, gpu_kwh, ram_kwh;
};

/* A skipped row: where, how many fields, and how many were expected. */
struct prof_cc_skip {
	size_t line;
	size_t fields;
	size_t expected;
};

struct prof_cc_import {
	size_t n_rows;			/* rows kept (runs) */
	struct prof_cc_row *rows;	/* owned; prof_cc_release() */
	size_t n_skipped;		/* malformed rows set aside */
	struct prof_cc_skip skipped[PROF_CC_MAX_SKIPPED]; /* the first */
	size_t n_columns;		/* fields in the header */
	size_t n_projects;		/* distinct project_name values kept */
	size_t n_other_projects;	/* rows left out by the model filter */
	/* Text columns, from the first row kept ("" when unknown). */
	char version[24];		/* codecarbon_version */
	char project[128];
	char tracking_mode[16];		/* "machine" or "process" */
	char cpu_model[128];
	char gpu_model[128];
	char os[128];
	double cpu_count;		/* NaN when unknown */
	double ram_total_gb;
	double pue;
	/* The verdict on how the energy was obtained. */
	int estimated;
	char why[256];			/* the rule that decided it */
};

#define PROF_CC_IMPORT_INIT { 0, NULL, 0, { { 0, 0, 0 } }, 0, 0, 0, "", \
    "", "", "", "", "", 0, 0, 0, 0, "" }

/*
 * Parses len bytes of an emissions.csv (what names it in messages,
 * "what:LINE: ..."). When the file's rows come from several projects
 * (project_name differs) and model is not NULL, only the rows whose
 * project_name contains model as a word (split at '_', '-', '.', '/',
 * case ignored) are kept, when there are any. Fails when the file is
 * empty, has no header, lacks both energy_consumed and the *_energy
 * columns, has no well-formed row, or a number cannot be read (with
 * the line and column). On success im is filled (release it with
 * prof_cc_release()).
 */
int prof_cc_parse(const char *buf, size_t len, const char *what,
    const char *model, struct prof_cc_import *im, struct ep_err *err);

/*
 * Fills p (already prof_profile_init'ed) from im as a training profile
 * of model on dataset: meter "codecarbon", the runs' mean energy and
 * spread divided into epochs per-epoch figures (epochs >= 1), and the
 * host as CodeCarbon saw it.
 */
void prof_cc_to_profile(const struct prof_cc_import *im, const char *model,
    const char *dataset, int epochs, struct prof_profile *p);

/* Frees im's rows; safe on PROF_CC_IMPORT_INIT. */
void prof_cc_release(struct prof_cc_import *im);

#endif
