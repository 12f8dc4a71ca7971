/*
 * Strict number parsing. Every parser here first scans a plain decimal
 * number (sign, digits, point, exponent: never hex, NaN or infinity),
 * then matches what follows against a table of units. Anything left over
 * is an error that quotes the whole input.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/num.h"
#include "core/banned.h"

struct unit {
	const char *name;
	double factor;	/* multiply the number by this to get the base unit */
};

/* Longest text we quote back in a message. */
#define QUOTE_MAX 60

static int
bad(struct ep_err *err, enum ep_code code, const char *s, const char *why)
{
	if (strlen(s) > QUOTE_MAX)
		return ep_fail(err, code, "'%.*s...': %s", QUOTE_MAX, s, why);
	return ep_fail(err, code, "'%s': %s", s, why);
}

/* Does s start with a word strtod would read as NaN or infinity? */
static int
is_nonfinite_word(const char *s)
{
	size_t n;

	if (*s == '+' || *s == '-')
		s++;
	if (strncasecmp(s, "infinity", 8) == 0)
		n = 8;
	else if (strncasecmp(s, "nan", 3) == 0 || strncasecmp(s, "inf", 3) == 0)
		n = 3;
	else
		return 0;
	/* "nanh" is a bad word, not a NaN with a unit. */
	return !isalpha((unsigned char)s[n]);
}

/*
 * Scans the decimal number at the start of s into *v and points *rest
 * past it. Only [+-]digits[.digits][e[+-]digits] is accepted, with at
 * least one digit in the mantissa.
 */
static int
scan_number(const char *s, double *v, const char **rest, struct ep_err *err)
{
	const char *p = s;
	char buf[128];
	size_t digits = 0, len;
	char *end;
	double x;

	if (*s == '\0')
		return ep_fail(err, EP_EUSAGE, "empty value");
	if (is_nonfinite_word(s))
		return bad(err, EP_EUSAGE, s, "not a finite number");
	if (*p == '+' || *p == '-')
		p++;
	while (isdigit((unsigned char)*p)) {
		p++;
		digits++;
	}
	if (*p == '.') {
		p++;
		while (isdigit((unsigned char)*p)) {
			p++;
			digits++;
		}
	}
	if (digits == 0)
		return bad(err, EP_EUSAGE, s, "not a number");
	if (*p == 'e' || *p == 'E') {
		const char *q = p + 1;

		if (*q == '+' || *q == '-')
			q++;
		if (isdigit((unsigned char)*q)) {
			while (isdigit((unsigned char)*q))
				q++;
			p = q;
		}
	}
	len = (size_t)(p - s);
	if (len >= sizeof buf)
		return bad(err, EP_ERANGE, s, "number too long");
	memcpy(buf, s, len);
	buf[len] = '\0';
	errno = 0;
	x = strtod(buf, &end);
	if (*end != '\0')
		return bad(err, EP_EUSAGE, s, "not a number");
	if (errno == ERANGE || !isfinite(x))
		return bad(err, EP_ERANGE, s, "out of range");
	*v = x;
	*rest = p;
	return 0;
}

/* Skips the spaces allowed between a number and its unit. */
static const char *
skip_spaces(const char *p)
{
	while (*p == ' ')
		p++;
	return p;
}

/*
 * Finds unit u in table (exact match first, then case-insensitive when
 * fold is set). Returns its factor, or a negative number when unknown.
 */
static double
unit_find(const struct unit *table, const char *u, int fold)
{
	const struct unit *t;

	for (t = table; t->name != NULL; t++)
		if (strcmp(t->name, u) == 0)
			return t->factor;
	if (fold)
		for (t = table; t->name != NULL; t++)
			if (strcasecmp(t->name, u) == 0)
				return t->factor;
	return -1;
}

static int
unknown_unit(struct ep_err *err, const char *s, const char *u,
    const char *expected)
{
	char why[160];

	snprintf(why, sizeof why, "unknown unit '%.20s' (expected %s)", u,
	    expected);
	return bad(err, EP_EUSAGE, s, why);
}

/*
 * The shared shape of the unit parsers: a non-negative number, optional
 * spaces, then a unit from table. An empty unit uses bare_factor, or is
 * an error when bare_factor is negative.
 */
static int
parse_with_unit(const char *s, const struct unit *table, int fold,
    double bare_factor, const char *expected, double *out, struct ep_err *err)
{
	const char *rest;
	double v, f, r;

	if (scan_number(s, &v, &rest, err) < 0)
		return -1;
	if (v < 0 || (v == 0 && *s == '-'))
		return bad(err, EP_ERANGE, s, "must not be negative");
	rest = skip_spaces(rest);
	if (*rest == '\0') {
		if (bare_factor < 0) {
			char why[160];

			snprintf(why, sizeof why, "missing unit (expected %s)",
			    expected);
			return bad(err, EP_EUSAGE, s, why);
		}
		f = bare_factor;
	} else if ((f = unit_find(table, rest, fold)) < 0) {
		return unknown_unit(err, s, rest, expected);
	}
	r = v * f;
	if (!isfinite(r))
		return bad(err, EP_ERANGE, s, "out of range");
	*out = r;
	return 0;
}

int
ep_parse_double(const char *s, double min, double max, double *out,
    struct ep_err *err)
{
	const char *rest;
	double v;

	if (scan_number(s, &v, &rest, err) < 0)
		return -1;
	if (*rest != '\0')
		return bad(err, EP_EUSAGE, s, "trailing characters after number");
	if (v < min || v > max) {
		char why[128];

		snprintf(why, sizeof why, "out of range (%g to %g)", min, max);
		return bad(err, EP_ERANGE, s, why);
	}
	*out = v;
	return 0;
}

int
ep_parse_long(const char *s, long min, long max, long *out,
    struct ep_err *err)
{
	const char *p = s;
	char *end;
	long v;

	if (*s == '\0')
		return ep_fail(err, EP_EUSAGE, "empty value");
	if (*p == '+' || *p == '-')
		p++;
	if (!isdigit((unsigned char)*p))
		return bad(err, EP_EUSAGE, s, "not an integer");
	errno = 0;
	v = strtol(s, &end, 10);
	if (*end != '\0')
		return bad(err, EP_EUSAGE, s, "not an integer");
	if (errno == ERANGE || v < min || v > max) {
		char why[128];

		snprintf(why, sizeof why, "out of range (%ld to %ld)", min, max);
		return bad(err, EP_ERANGE, s, why);
	}
	*out = v;
	return 0;
}

int
ep_parse_count(const char *s, long min, long max, long *out,
    struct ep_err *err)
{
	const char *rest;
	double v;
	char why[128];

	if (scan_number(s, &v, &rest, err) < 0)
		return -1;
	if (*rest != '\0')
		return bad(err, EP_EUSAGE, s, "trailing characters after number");
	if (v < 0 || (v == 0 && *s == '-'))
		return bad(err, EP_ERANGE, s, "must not be negative");
	if (v != floor(v))
		return bad(err, EP_EUSAGE, s, "not a whole number");
	/* Above 2^53 a double no longer holds every integer exactly. */
	if (v > 9007199254740992.0 || v < (double)min || v > (double)max) {
		snprintf(why, sizeof why, "out of range (%ld to %ld)", min, max);
		return bad(err, EP_ERANGE, s, why);
	}
	*out = (long)v;
	return 0;
}

static const struct unit per_units[] = {
	{ "s", 1.0 }, { "sec", 1.0 }, { "second", 1.0 },
	{ "min", 60.0 }, { "minute", 60.0 },
	{ "h", 3600.0 }, { "hr", 3600.0 }, { "hour", 3600.0 },
	{ "d", EP_SECS_PER_DAY }, { "day", EP_SECS_PER_DAY },
	{ "w", 7 * EP_SECS_PER_DAY }, { "wk", 7 * EP_SECS_PER_DAY },
	{ "week", 7 * EP_SECS_PER_DAY },
	{ "mo", EP_SECS_PER_YEAR / 12 }, { "month", EP_SECS_PER_YEAR / 12 },
	{ "y", EP_SECS_PER_YEAR }, { "yr", EP_SECS_PER_YEAR },
	{ "year", EP_SECS_PER_YEAR },
	{ NULL, 0 }
};

#define PER_EXPECTED "/s, /min, /h, /day, /week, /month or /yr"

int
ep_parse_rate(const char *s, double *per_sec, struct ep_err *err)
{
	const char *rest;
	double v, period;

	if (scan_number(s, &v, &rest, err) < 0)
		return -1;
	if (v < 0 || (v == 0 && *s == '-'))
		return bad(err, EP_ERANGE, s, "must not be negative");
	rest = skip_spaces(rest);
	if (*rest == '\0') {
		*per_sec = v;
		return 0;
	}
	if (*rest != '/')
		return unknown_unit(err, s, rest, PER_EXPECTED);
	rest = skip_spaces(rest + 1);
	if ((period = unit_find(per_units, rest, 1)) < 0)
		return unknown_unit(err, s, rest, PER_EXPECTED);
	*per_sec = v / period;
	return 0;
}

static const struct unit duration_units[] = {
	{ "ms", 1e-3 },
	{ "s", 1.0 }, { "sec", 1.0 }, { "secs", 1.0 }, { "second", 1.0 },
	{ "seconds", 1.0 },
	{ "m", 60.0 }, { "min", 60.0 }, { "mins", 60.0 }, { "minute", 60.0 },
	{ "minutes", 60.0 },
	{ "h", 3600.0 }, { "hr", 3600.0 }, { "hrs", 3600.0 },
	{ "hour", 3600.0 }, { "hours", 3600.0 },
	{ "d", EP_SECS_PER_DAY }, { "day", EP_SECS_PER_DAY },
	{ "days", EP_SECS_PER_DAY },
	{ "w", 7 * EP_SECS_PER_DAY }, { "wk", 7 * EP_SECS_PER_DAY },
	{ "week", 7 * EP_SECS_PER_DAY }, { "weeks", 7 * EP_SECS_PER_DAY },
	{ "mo", EP_SECS_PER_YEAR / 12 }, { "month", EP_SECS_PER_YEAR / 12 },
	{ "months", EP_SECS_PER_YEAR / 12 },
	{ "y", EP_SECS_PER_YEAR }, { "yr", EP_SECS_PER_YEAR },
	{ "year", EP_SECS_PER_YEAR }, { "years", EP_SECS_PER_YEAR },
	{ NULL, 0 }
};

int
ep_parse_duration(const char *s, double *secs, struct ep_err *err)
{
	return parse_with_unit(s, duration_units, 1, -1,
	    "ms, s, min, h, d, w, mo or y", secs, err);
}

static const struct unit cadence_words[] = {
	{ "never", 0 },
	{ "hourly", EP_SECS_PER_YEAR / 3600.0 },
	{ "daily", EP_SECS_PER_YEAR / EP_SECS_PER_DAY },
	{ "weekly", EP_SECS_PER_YEAR / (7 * EP_SECS_PER_DAY) },
	{ "fortnightly", EP_SECS_PER_YEAR / (14 * EP_SECS_PER_DAY) },
	{ "monthly", 12 },
	{ "quarterly", 4 },
	{ "yearly", 1 },
	{ "annually", 1 },
	{ NULL, 0 }
};

int
ep_parse_cadence(const char *s, double *per_year, struct ep_err *err)
{
	const char *rest;
	double v, secs;

	if ((v = unit_find(cadence_words, s, 1)) >= 0) {
		*per_year = v;
		return 0;
	}
	if (isalpha((unsigned char)*s) && !is_nonfinite_word(s))
		return bad(err, EP_EUSAGE, s,
		    "unknown cadence (expected hourly, daily, weekly, "
		    "fortnightly, monthly, quarterly, yearly, never, N/day, "
		    "N/yr or an interval such as 12h)");
	if (scan_number(s, &v, &rest, err) < 0)
		return -1;
	if (strchr(rest, '/') != NULL) {
		if (ep_parse_rate(s, &v, err) < 0)
			return -1;
		*per_year = v * EP_SECS_PER_YEAR;
		return 0;
	}
	if (ep_parse_duration(s, &secs, err) < 0)
		return -1;
	if (secs <= 0)
		return bad(err, EP_ERANGE, s, "interval must be positive");
	*per_year = EP_SECS_PER_YEAR / secs;
	return 0;
}

static const struct unit energy_units[] = {
	{ "J", 1.0 / 3.6e6 }, { "kJ", 1.0 / 3.6e3 }, { "MJ", 1.0 / 3.6 },
	{ "GJ", 1e3 / 3.6 },
	{ "Wh", 1e-3 }, { "kWh", 1.0 }, { "MWh", 1e3 }, { "GWh", 1e6 },
	/* Common spellings whose case carries no meaning. */
	{ "j", 1.0 / 3.6e6 }, { "kj", 1.0 / 3.6e3 }, { "wh", 1e-3 },
	{ "kwh", 1.0 }, { "KWh", 1.0 }, { "KWH", 1.0 },
	{ NULL, 0 }
};

int
ep_parse_energy(const char *s, double *kwh, struct ep_err *err)
{
	return parse_with_unit(s, energy_units, 0, -1,
	    "J, kJ, MJ, Wh, kWh or MWh", kwh, err);
}

static const struct unit intensity_units[] = {
	{ "g/kWh", 1.0 }, { "gCO2/kWh", 1.0 }, { "gCO2e/kWh", 1.0 },
	{ "gCO2eq/kWh", 1.0 }, { "kg/MWh", 1.0 },
	{ "kg/kWh", 1e3 }, { "t/MWh", 1e3 },
	{ "lb/MWh", 0.45359237 }, { "lbs/MWh", 0.45359237 },
	{ NULL, 0 }
};

int
ep_parse_intensity(const char *s, double *g_per_kwh, struct ep_err *err)
{
	/* Only the case of "kWh"/"MWh" matters, and folding keeps k and M
	 * apart because no table entry differs from another by case alone. */
	return parse_with_unit(s, intensity_units, 1, 1.0,
	    "g/kWh, kg/kWh, kg/MWh, t/MWh or lb/MWh", g_per_kwh, err);
}

static const struct unit power_units[] = {
	{ "mW", 1e-3 }, { "W", 1.0 }, { "kW", 1e3 }, { "MW", 1e6 },
	{ "w", 1.0 }, { "kw", 1e3 },
	{ NULL, 0 }
};

int
ep_parse_power(const char *s, double *watts, struct ep_err *err)
{
	return parse_with_unit(s, power_units, 0, 1.0, "mW, W or kW", watts,
	    err);
}
