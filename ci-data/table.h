/*
 * The compiled-in carbon-intensity tables (the CSV files of ci-data/data, Ember
 * and Google Cloud data; see ci-data/data/ATTRIBUTION) and the region
 * names a user may write:
 *
 *   DE, DEU, Germany     a country: ISO 3166-1 alpha-2 or alpha-3 code,
 *                        or its name ("UK" is taken as GB)
 *   US-CA, Kerala        a US or Indian state: ISO 3166-2 code or name
 *                        (values scaled to the national lifecycle figure)
 *   World, EU, G20       an aggregate region
 *   aws:eu-west-1        a cloud region (also gcp:, azure:)
 *   uk:13, uk:London     a UK NESO region, 1 to 17 (live only)
 *   em:DE, em:US-CAL-CISO  an Electricity Maps zone (live only)
 *   wt:CAISO_NORTH       a WattTime region (live only)
 *
 * Matching ignores case; in names, spaces, punctuation and hyphens are
 * ignored too ("latin-america-and-caribbean").
 */
#ifndef ECOPLAN_CI_DATA_TABLE_H
#define ECOPLAN_CI_DATA_TABLE_H

#include <stddef.h>

#include "ci-data/value.h"
#include "core/err.h"

enum ci_kind {
	CI_KIND_AGGREGATE,
	CI_KIND_COUNTRY,
	CI_KIND_SUBDIV,
	CI_KIND_CLOUD,
	CI_KIND_UK,
	CI_KIND_EM,
	CI_KIND_WT
};

/* One row of the tables (or one UK region, which has no value). */
struct ci_entry {
	enum ci_kind kind;
	char *id;		/* "DE", "World", "US-CA", "aws:eu-west-1" */
	char *name;		/* "Germany", "California", "Ireland" */
	char *country;		/* its country's name; NULL for
				 * countries and aggregates */
	char iso2[3];		/* its country, "" for aggregates */
	char iso3[4];
	int has_value;		/* 0 for the UK regions */
	struct ci_value value;	/* annual, with year and tag */
	double lat, lon;	/* degrees, NaN when unknown */
	int uk_id;		/* 1-17 for the UK regions */
};

struct ci_table {
	struct ci_entry *e;	/* owned */
	size_t n;
};

#define CI_TABLE_INIT { NULL, 0 }

/*
 * Loads the four tables (through ep_data_get(), so $ECOPLAN_DATA_DIR
 * may override them) and adds the UK regions. Fails with EP_EPARSE and
 * "FILE:LINE: COLUMN: why" on a malformed table. Release with
 * ci_table_release().
 */
int ci_table_load(struct ci_table *t, struct ep_err *err);

/* Frees the entries; safe on CI_TABLE_INIT. */
void ci_table_release(struct ci_table *t);

/* The World aggregate, or NULL when an override table lacks it. */
const struct ci_entry *ci_table_world(const struct ci_table *t);

/* The country with alpha-3 code iso3, or NULL. */
const struct ci_entry *ci_table_country(const struct ci_table *t,
    const char *iso3);

/*
 * Does e match a "ci list" search? Case-insensitive substring of its id,
 * name, country codes or country name; NULL or "" matches everything.
 */
int ci_entry_matches(const struct ci_entry *e, const char *text);

/* A region as the user wrote it, resolved against the table. */
struct ci_region {
	enum ci_kind kind;
	char id[96];		/* canonical spelling: "DE", "uk:13" */
	char name[128];		/* for people: "Germany", "London" */
	const struct ci_entry *entry;	/* its own value, or NULL */
	const struct ci_entry *fallback;	/* nearest value when entry
						 * is NULL, or NULL */
	char iso2[3];		/* its country, "" when none */
	char zone[64];		/* em: zone or wt: region */
	char provider[16];	/* cloud: "aws", "gcp", "azure" */
	char cloud[64];		/* cloud: the provider's region name */
	int uk_id;		/* uk: 1-17 */
	double lat, lon;	/* degrees, NaN when unknown */
};

/*
 * Resolves spec against t into *r, which borrows from t (t must outlive
 * it). An unknown or malformed region is a usage error (EP_EUSAGE),
 * whose message names the closest matches ("'germny': unknown region;
 * did you mean DE (Germany)?").
 */
int ci_region_parse(const struct ci_table *t, const char *spec,
    struct ci_region *r, struct ep_err *err);

/* The UK NESO region name of id 1-17, or NULL. Static. */
const char *ci_uk_region_name(int id);

#endif
