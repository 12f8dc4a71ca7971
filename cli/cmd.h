/*
 * The subcommand table shared by cli/main.c and the cmd_*.c files. Each
 * subcommand is one function taking its own argv (argv[0] is its name)
 * and returning the exit status: 0 success, 1 runtime failure, 2 usage
 * error.
 */
#ifndef ECOPLAN_CLI_CMD_H
#define ECOPLAN_CLI_CMD_H

#include <stddef.h>
#include <stdio.h>

#include "core/err.h"

struct cmd_entry {
	const char *name;
	int (*fn)(int argc, char **argv);	/* NULL: not built yet */
	const char *usage;			/* the man page's SYNOPSIS */
	const char *summary;			/* one line for the overview */
	int models;		/* runs models: OpenBLAS's kernels checked
				 * first (models/blas.h) */
};

/* The table, in the order the overview lists it. */
extern const struct cmd_entry cmd_table[];
extern const size_t cmd_table_len;

/* The entry called name (exact match), or NULL. */
const struct cmd_entry *cmd_find(const char *name);

/*
 * Prints the usage of e ("usage: ecoplan NAME ...", one line per
 * synopsis form) on f.
 */
void cmd_usage(const struct cmd_entry *e, FILE *f);

/*
 * Reports a usage error for e: "ecoplan: NAME: MSG" and the usage on
 * stderr. Returns 2, the exit status for usage errors.
 */
int cmd_usage_error(const struct cmd_entry *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Reports getopt_long's complaint ch (':' missing value, '?' unknown
 * option) about the option just read, with the usage. Returns 2.
 */
int cmd_bad_option(const struct cmd_entry *e, int ch, char **argv);

/* Reports "ecoplan: NAME: OPT: <err>" for a bad option value. Returns 2. */
int cmd_bad_value(const struct cmd_entry *e, const char *opt,
    struct ep_err *err);

int cmd_help(int argc, char **argv);
int cmd_ci(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_rank(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_schedule(int argc, char **argv);
int cmd_datasets(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_models(int argc, char **argv);
int cmd_profile(int argc, char **argv);
int cmd_profiles(int argc, char **argv);
int cmd_measure(int argc, char **argv);
int cmd_import(int argc, char **argv);

/* Reports an unknown model name with the known ones; returns 2. */
int cmd_unknown_model(const char *name);

#endif
