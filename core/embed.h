/*
 * Data files compiled into the binary at build time (tools/embedgen.c
 * turns each file listed in the Makefile's EMBED variable into a byte
 * array), so that ecoplan works anywhere with no data folder. Each file
 * is known by a name of the form "AREA/FILE", e.g.
 * "ci-data/country_ci_latest.csv". A file of the same name under
 * $ECOPLAN_DATA_DIR overrides the compiled-in copy.
 */
#ifndef ECOPLAN_CORE_EMBED_H
#define ECOPLAN_CORE_EMBED_H

#include <stddef.h>

#include "core/err.h"

struct ep_blob {
	const char *name;
	const unsigned char *data;	/* NUL-terminated for convenience */
	size_t size;			/* without the NUL */
};

/* The compiled-in files, and how many there are. */
const struct ep_blob *ep_embed_at(size_t i);
size_t ep_embed_count(void);

/* The compiled-in file called name, or NULL. */
const struct ep_blob *ep_embed_find(const char *name);

/* A data file's contents and where they came from. */
struct ep_data {
	const char *data;	/* NUL-terminated */
	size_t size;		/* without the NUL */
	char *origin;		/* the override's path, or "built-in" */
	char *buf;		/* owned copy when read from a file, or NULL */
};

#define EP_DATA_INIT { NULL, 0, NULL, NULL }

/*
 * Gets data file name: from $ECOPLAN_DATA_DIR/name when that exists,
 * else the compiled-in copy. Release with ep_data_release(). Returns -1
 * with err set when neither exists or the override cannot be read.
 */
int ep_data_get(const char *name, struct ep_data *d, struct ep_err *err);

/* Frees what ep_data_get() allocated; safe on EP_DATA_INIT. */
void ep_data_release(struct ep_data *d);

#endif
