/*
 * Carbon-intensity values and what they mean. Every intensity ecoplan
 * uses carries a tag saying where it came from and on what basis it was
 * measured (lifecycle CO2e or direct CO2; average or marginal;
 * production or consumption mix), because the sources differ and must
 * never be mixed silently. Intensities are always in grams per kWh of
 * electricity (g/kWh).
 *
 * This header also holds the warning list through which the library
 * reports every fallback step to its caller (only cli/ prints them).
 */
#ifndef ECOPLAN_CI_DATA_VALUE_H
#define ECOPLAN_CI_DATA_VALUE_H

#include <stddef.h>
#include <time.h>

#include "core/err.h"

/* Where a value came from. */
enum ci_source {
	CI_SRC_AUTO,		/* pick by region (requests only) */
	CI_SRC_TABLE,		/* the compiled-in tables */
	CI_SRC_UK,		/* UK NESO Carbon Intensity API */
	CI_SRC_EM,		/* Electricity Maps API v3 */
	CI_SRC_WT,		/* WattTime API v3 */
	CI_SRC_EXPLICIT		/* given by the user (--ci) */
};

/* What the value counts: whole life (CO2e) or the smokestack (CO2). */
enum ci_basis {
	CI_BASIS_UNKNOWN,
	CI_BASIS_LIFECYCLE,
	CI_BASIS_DIRECT		/* operational, combustion only */
};

/* Average intensity of the mix, or of the marginal generator. */
enum ci_signal {
	CI_SIGNAL_AVERAGE,
	CI_SIGNAL_MARGINAL
};

/* The mix it describes: generated in the region, or consumed there. */
enum ci_accounting {
	CI_ACCT_UNKNOWN,
	CI_ACCT_PRODUCTION,
	CI_ACCT_CONSUMPTION
};

#define CI_TEXT_MAX 192

/* Provenance and basis of a value or a series. */
struct ci_tag {
	enum ci_source source;
	enum ci_basis basis;
	enum ci_signal signal;
	enum ci_accounting accounting;
	int estimated;		/* modelled by the source (Electricity
				 * Maps) */
	int forecast;		/* a forecast, not a measurement */
	char text[CI_TEXT_MAX];	/* the source in words, and release */
};

/* One intensity. */
struct ci_value {
	double g_per_kwh;
	int year;		/* annual average: its year; otherwise 0 */
	time_t at;		/* timestamped value: start of its period */
	long period_secs;	/* length of that period; 0 when annual */
	double percentile;	/* WattTime signal index (0-100), or NaN */
	char index[16];		/* UK index word ("moderate"), or "" */
	struct ci_tag tag;
};

/* Sets v to an empty value: no number (NaN), no year, unknown basis. */
void ci_value_init(struct ci_value *v);

/* Short stable names, as used in --source, JSON output and the cache. */
const char *ci_source_name(enum ci_source s);
const char *ci_basis_name(enum ci_basis b);
const char *ci_signal_name(enum ci_signal s);
const char *ci_accounting_name(enum ci_accounting a);

/*
 * Parses a --source word: auto, table, uk, electricitymaps (or em),
 * watttime (or wt). Returns 0, or -1 with EP_EUSAGE and the closest
 * word suggested.
 */
int ci_source_parse(const char *s, enum ci_source *out, struct ep_err *err);

/* Parses the names written by the functions above; -1 when unknown. */
int ci_basis_parse(const char *s, enum ci_basis *out);
int ci_signal_parse(const char *s, enum ci_signal *out);
int ci_accounting_parse(const char *s, enum ci_accounting *out);

/*
 * Fallback steps and other things a caller should tell the user. The
 * library only collects them; cli/ prints them as warnings. Messages
 * are lowercase without a full stop, like error messages.
 */
struct ci_warnings {
	char **msg;		/* owned */
	size_t n;
};

#define CI_WARNINGS_INIT { NULL, 0 }

/* Appends a formatted message (copied). */
void ci_warn(struct ci_warnings *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Frees every message; safe on CI_WARNINGS_INIT. */
void ci_warnings_release(struct ci_warnings *w);

/*
 * Copies s into dst (size bytes, always NUL-terminated), keeping only
 * printable ASCII (other bytes become '?') and cutting it at size - 1,
 * for text from a server that goes into a message.
 */
void ci_text_clean(char *dst, size_t size, const char *s);

/*
 * Replaces every occurrence of secret (when not NULL or empty) in the
 * NUL-terminated buffer s of capacity size with "[redacted]", so that a
 * token echoed by a server never reaches a message.
 */
void ci_text_redact(char *s, size_t size, const char *secret);

/*
 * Formats an intensity for people: at most two decimals, trailing
 * zeros dropped ("472.99", "182", "394.6"). Returns buf.
 */
char *ci_fmt_g(char *buf, size_t size, double g_per_kwh);

#endif
