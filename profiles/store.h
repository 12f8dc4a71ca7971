/*
 * The profile store: one file per model x dataset x host under the data
 * folder, $XDG_DATA_HOME/ecoplan/profiles/HOST/MODEL--DATASET.json (or
 * under $ECOPLAN_HOME/data). Files are written atomically under an
 * exclusive lock; a profile that is measured again moves the previous
 * file to history/ in the same folder instead of destroying it.
 */
#ifndef ECOPLAN_PROFILES_STORE_H
#define ECOPLAN_PROFILES_STORE_H

#include <stddef.h>

#include "core/err.h"
#include "profiles/profile.h"

/* This machine's folder of the store, created if missing (caller frees). */
char *prof_store_dir(struct ep_err *err);

/* The file name a profile is stored under: "MODEL--DATASET.json". */
void prof_store_name(const char *model, const char *dataset, char *buf,
    size_t size);

/*
 * Saves p into the store; a profile already there for the same model
 * and dataset goes to history/ first. *path_out (may be NULL) gets the
 * path written (caller frees).
 */
int prof_store_save(const struct prof_profile *p, char **path_out,
    struct ep_err *err);

/* One stored profile, for listing. */
struct prof_entry {
	char name[160];		/* file name without .json */
	char path[512];
	struct prof_profile p;
	int ok;			/* parsed; else err holds why not */
	char err[EP_ERR_MSG_MAX];
};

/*
 * Reads every profile of this machine's store into a new array (caller
 * frees with free(3)), sorted by name. Files that do not parse are
 * listed with ok = 0 and the reason.
 */
int prof_store_list(struct prof_entry **list, size_t *n, struct ep_err *err);

/*
 * Finds the stored profile of model (and dataset, or any dataset when
 * dataset is NULL: the newest). Returns 0 and fills p, or -1 with
 * EP_ENOTFOUND when there is none.
 */
int prof_store_find(const char *model, const char *dataset,
    struct prof_profile *p, struct ep_err *err);

/*
 * Removes the stored profile called name (a file name with or without
 * .json, or MODEL to remove all of that model's), keeping history/.
 * *removed gets the number of files removed.
 */
int prof_store_remove(const char *name, size_t *removed, struct ep_err *err);

#endif
