/*
 * ISO 3166-1 country codes: alpha-2 ("DE") to alpha-3 ("DEU") and back,
 * for the countries in the compiled-in carbon-intensity table. Kosovo
 * is XK/XKX, as Ember writes it.
 */
#ifndef ECOPLAN_CI_DATA_ISO3166_H
#define ECOPLAN_CI_DATA_ISO3166_H

/*
 * The alpha-3 code of alpha-2 code a2 (any case), or NULL. "UK" is
 * taken as GB. The result is a static string.
 */
const char *ci_iso_alpha3(const char *a2);

/* The alpha-2 code of alpha-3 code a3 (any case), or NULL. Static. */
const char *ci_iso_alpha2(const char *a3);

#endif
