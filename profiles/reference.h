/*
 * Reference profile sets compiled into ecoplan: the seed study's own
 * measurements, turned into profiles at run time from the CSV table
 * profiles/data/schodl2025_per_model_summary.csv (see ATTRIBUTION), so
 * that planning works before anything is measured on this machine.
 *
 *   ref:schodl2025-mind, -movielens, -amazon: Schodl et al. 2025, one
 *	profile per model that trained: training energy per epoch split
 *	into training and validation with all twelve metrics ("all") and
 *	with MRR only ("mrr"), inference energy per query with its spread
 *	(a query is one top-10 pass over all users of the dataset), and
 *	NDCG, MRR and Recall at 10. Host: the study's laptop.
 *   ref:spillo2023-mind, -movielens, -amazon: Spillo et al. 2023, the
 *	training energy of one update (as a total) and NDCG and MRR at 10.
 *   ref:schodl2025, ref:spillo2023: the three datasets together.
 *
 * Update energy. For the 2025 sets, one update with all metrics costs
 * the twelve-metric run's training energy E12 over its n epochs:
 *
 *	epoch_train    = E12 / n x t_train / (t_train + t_valid)
 *	epoch_valid.all = E12 / n x t_valid / (t_train + t_valid)
 *
 * with t the run's mean seconds per epoch of training and of validation
 * (CPU power was a constant 22.5 W, so energy follows time), so that
 * n x (epoch_train + epoch_valid.all) = E12 exactly; and with MRR only
 *
 *	epoch_valid.mrr = E1 / n - epoch_train
 *
 * from the one-metric run's energy E1, so that an update costs E1. In
 * four runs (DGCF on MIND and Amazon, SGL on MIND, NAIS on MovieLens)
 * the one-metric run trained faster per epoch and this is negative;
 * there epoch_valid.mrr = E1 / n x t1_valid / (t1_train + t1_valid),
 * from that run's own time shares, and the update costs a little more
 * than E1. The study's totals E12 and E1 are kept as they are
 * (prof_set.twelve_kwh, one_kwh) for the one-metric saving.
 */
#ifndef ECOPLAN_PROFILES_REFERENCE_H
#define ECOPLAN_PROFILES_REFERENCE_H

#include <stddef.h>

#include "core/err.h"
#include "profiles/profile.h"

/* The data file, as core/embed.h names it. */
#define PROF_REF_TABLE "profiles/schodl2025_per_model_summary.csv"

/* Users a query of the study serves (all users but RecBole's [PAD]). */
#define PROF_REF_USERS_MIND 23679
#define PROF_REF_USERS_MOVIELENS 6036
#define PROF_REF_USERS_AMAZON 22155

/* A set of profiles: a reference set or this machine's store. */
struct prof_set {
	char name[64];			/* "ref:schodl2025-mind", "local" */
	char study[128];		/* who measured, or "" */
	size_t n;
	struct prof_profile *p;		/* n profiles, owned */
	double *twelve_kwh;		/* n: the study's twelve-metric
					 * training energy, NaN if none */
	double *one_kwh;		/* n: one-metric, NaN if none */
};

#define PROF_SET_INIT { "", "", 0, NULL, NULL, NULL }

/* The reference sets' names: prof_ref_name(0 .. prof_ref_count()-1). */
size_t prof_ref_count(void);
const char *prof_ref_name(size_t i);

/* Whether name is a reference set's name. */
int prof_ref_known(const char *name);

/*
 * Loads the reference set called name into set (release with
 * prof_set_release). Fails with EP_EUSAGE for an unknown name (listing
 * the known ones), EP_EPARSE when the compiled-in table is damaged.
 */
int prof_ref_load(const char *name, struct prof_set *set,
    struct ep_err *err);

/* Adds a copy of p to set (with NaN study totals). */
void prof_set_add(struct prof_set *set, const struct prof_profile *p);

/* The profile of model in set (case-insensitive), or NULL. */
const struct prof_profile *prof_set_find(const struct prof_set *set,
    const char *model);

/* Frees what set holds; safe on PROF_SET_INIT. */
void prof_set_release(struct prof_set *set);

/*
 * Training energy of one update of p with metric set valid ("all",
 * "mrr"): setup + epochs x (epoch_train + epoch_valid), kWh; NaN when
 * p has no training part or no such validation figure (a profile
 * without any validation figure counts none).
 */
double prof_update_kwh(const struct prof_profile *p, const char *valid);

#endif
