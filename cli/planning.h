/*
 * What the planning commands (compare, plan, schedule, rank) share:
 * finding the profiles of the models named (this machine's store first,
 * else a reference set), turning a profile into calc/'s costs, and the
 * carbon intensity of the scenario with its provenance.
 */
#ifndef ECOPLAN_CLI_PLANNING_H
#define ECOPLAN_CLI_PLANNING_H

#include <stddef.h>

#include "calc/lifecycle.h"
#include "ci-data/ci.h"
#include "core/err.h"
#include "profiles/profile.h"
#include "profiles/reference.h"

/* The profiles of the models named on the command line. */
struct cmd_pick {
	char set[64];		/* "local" or a reference set's name */
	int defaulted;		/* the set was chosen, not given */
	size_t n;
	struct prof_profile *p;	/* n, in the order named; owned */
};

#define CMD_PICK_INIT { "", 0, 0, NULL }

/*
 * Finds a profile for each of the n models names. With set NULL: this
 * machine's stored profiles when every model has one, else the first
 * per-dataset reference set that has them all (with inference figures
 * when need_inference). With set "local" or a reference set's name:
 * from there. Reports what is wrong on stderr ("ecoplan: CMD: ...",
 * naming the known models for an unknown one and saying how to make a
 * missing profile) and returns the exit status: 0, 1 or 2.
 */
int cmd_pick_profiles(const char *cmd, char **names, size_t n,
    const char *set, int need_inference, struct cmd_pick *out);

void cmd_pick_release(struct cmd_pick *pk);

/*
 * Loads a whole set ("local" or a reference set) into set. Reports and
 * returns an exit status as cmd_pick_profiles.
 */
int cmd_load_set(const char *cmd, const char *name, struct prof_set *set);

/*
 * The costs of profile p for calc/, with validation on metric set
 * valid ("all", "mrr"). Reports (naming the model) and returns 1 when
 * p lacks a figure that is needed.
 */
int cmd_profile_cost(const char *cmd, const struct prof_profile *p,
    const char *valid, int need_inference, struct calc_cost *c);

/* A metric of p ("ndcg@10") or NaN. */
double cmd_profile_metric(const struct prof_profile *p, const char *name);

/* The intensity of a scenario and where it came from. */
struct cmd_intensity {
	double g_per_kwh;
	char region[96];	/* "World", "DE", or "" for --ci */
	char words[1024];	/* "472.99 g/kWh, World, 2024, Ember ...,
				 * lifecycle, average" */
	int defaulted;		/* no region given: $ECOPLAN_REGION or
				 * World */
};

/*
 * Resolves the intensity of region (NULL: $ECOPLAN_REGION, else World),
 * or explicit (a --ci value; NULL when not given). Warnings of the
 * fallbacks go to stderr. Returns the exit status.
 */
int cmd_resolve_intensity(const char *cmd, const char *region,
    const char *explicit, struct cmd_intensity *out);

/* Upper-case display name of a model as the profile spells it. */
const char *cmd_model_name(const struct prof_profile *p);

#endif
