/*
 * The subcommand table. A new subcommand is one cmd_<name>.c file and
 * one line here; its usage text is the SYNOPSIS of its man page.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/cmd.h"
#include "core/err.h"
#include "core/banned.h"

const struct cmd_entry cmd_table[] = {
	{ "profile", cmd_profile,
	    "profile [-d dataset] [--epochs n] [--metrics list] "
	    "[--batch list] [--repeat n] [--meter kind] [--cpu-watts watts] "
	    "[--ram-watts watts] [--set key=value] [--converge] "
	    "[--update-epochs n] [--no-save] [--json] [model ...]",
	    "measure models' training and inference energy on this machine",
	    1 },
	{ "train", cmd_train,
	    "train [-d dataset] [--epochs n | --converge] [--metrics list] "
	    "[--set key=value] [--split spec] [--json] model",
	    "train a model and report its accuracy", 1 },
	{ "measure", cmd_measure,
	    "measure [--name name] [--dataset name] [--epoch-marker regex] "
	    "[--queries n | --query-marker regex] [--meter kind] [--no-save] "
	    "[--json] -- command [arg ...]",
	    "measure the energy of any command, epoch by epoch", 0 },
	{ "import", cmd_import,
	    "import codecarbon file --model name [--epochs n] "
	    "[--dataset name] [--no-save] [--json]",
	    "turn another tool's measurements into a profile", 0 },
	{ "profiles", cmd_profiles,
	    "profiles [--json] [list | show name | rm name]",
	    "list, show or remove stored profiles", 0 },
	{ "compare", cmd_compare,
	    "compare [--qps rate] [--retrain cadence] "
	    "[--region region | --ci intensity] [--train-region region] "
	    "[--pue pue] [--years years] [--profiles set] [--metric-set set] "
	    "[--batch n] [--uncertainty n] [--seed n] [--allow-mixed] "
	    "[--json | --csv] [--plot file.svg] model model ...",
	    "compare models' lifecycle energy and emissions, with break-even",
	    0 },
	{ "plan", cmd_plan,
	    "plan --qps lo..hi --retrain list [--points n] "
	    "[--region region | --ci intensity] [--profiles set] "
	    "[--min-ndcg x | --accuracy-tolerance t] [--csv] "
	    "[--plot file.svg] model ...",
	    "find the greenest model over ranges of load and cadence", 0 },
	{ "ci", cmd_ci,
	    "ci [region] [--live] [--source source] [--json]\n"
	    "       ecoplan ci list [text] [--json]\n"
	    "       ecoplan ci forecast region [--hours n] [--window duration] "
	    "[--live] [--source source] [--json] [--plot file.svg]",
	    "show the carbon intensity of a region", 0 },
	{ "schedule", cmd_schedule,
	    "schedule --region region [--within duration] [--live] "
	    "[--pue pue] [--profiles set] [--metric-set set] [--json] model",
	    "find the greenest time to retrain", 0 },
	{ "rank", cmd_rank,
	    "rank [--by train | inference | ndcg] [--json] set set",
	    "compare two profile sets' model rankings", 0 },
	{ "models", cmd_models,
	    "models [--json]",
	    "list the models ecoplan can train and profile", 0 },
	{ "datasets", cmd_datasets,
	    "datasets [--split spec] [--seed n] [--json] [dataset ...]",
	    "list built-in datasets or describe dataset files", 0 },
	{ "help", cmd_help,
	    "help [command]",
	    "show the manual page of a command", 0 },
};

const size_t cmd_table_len = sizeof cmd_table / sizeof cmd_table[0];

const struct cmd_entry *
cmd_find(const char *name)
{
	size_t i;

	for (i = 0; i < cmd_table_len; i++)
		if (strcmp(cmd_table[i].name, name) == 0)
			return &cmd_table[i];
	return NULL;
}

void
cmd_usage(const struct cmd_entry *e, FILE *f)
{
	fprintf(f, "usage: ecoplan %s\n", e->usage);
}

int
cmd_usage_error(const struct cmd_entry *e, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "ecoplan: %s: ", e->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	cmd_usage(e, stderr);
	return 2;
}

int
cmd_bad_option(const struct cmd_entry *e, int ch, char **argv)
{
	const char *arg = argv[optind - 1], *eq;

	if (ch == ':')
		return cmd_usage_error(e, "%s: missing value", arg);
	if (strncmp(arg, "--", 2) == 0) {
		/* getopt_long sets optopt to a known option's value when it
		 * was given "=value" it does not take. */
		eq = strchr(arg, '=');
		if (eq != NULL && optopt != 0)
			return cmd_usage_error(e, "%.*s: takes no value",
			    (int)(eq - arg), arg);
		return cmd_usage_error(e, "%.*s: unknown option",
		    eq != NULL ? (int)(eq - arg) : (int)strlen(arg), arg);
	}
	if (optopt != 0 && optopt != '?')
		return cmd_usage_error(e, "-%c: unknown option", optopt);
	return cmd_usage_error(e, "%s: unknown option", arg);
}

int
cmd_bad_value(const struct cmd_entry *e, const char *opt,
    struct ep_err *err)
{
	ep_err_prefix(err, "%s: %s", e->name, opt);
	ep_report(err);
	return 2;
}
