/*
 * Strict parsing of every kind of number the command line takes. Each
 * parser accepts the whole string or nothing: empty input, leading or
 * trailing junk, NaN, infinity, overflow, and negative values where they
 * are meaningless are rejected with the offending text quoted, e.g.
 * "'50x': unknown unit 'x'". Callers add the option name in front with
 * ep_err_prefix(). All parsers return 0 on success and -1 on failure
 * (EP_EUSAGE, or EP_ERANGE for a value out of its range); *out is written
 * only on success.
 */
#ifndef ECOPLAN_CORE_NUM_H
#define ECOPLAN_CORE_NUM_H

#include "core/err.h"

/* Seconds in a Julian year (365.25 days), the planning year. */
#define EP_SECS_PER_YEAR 31557600.0
#define EP_SECS_PER_DAY 86400.0

/* A decimal integer in [min, max]: "42", "-3", "+7". No exponent. */
int ep_parse_long(const char *s, long min, long max, long *out,
    struct ep_err *err);

/*
 * A count in [min, max] (min >= 0): "1000", or an exact integer written
 * with an exponent, "1e6". Fractions are rejected.
 */
int ep_parse_count(const char *s, long min, long max, long *out,
    struct ep_err *err);

/* A finite real number in [min, max]: "0.5", "-2", "1e-3". */
int ep_parse_double(const char *s, double min, double max, double *out,
    struct ep_err *err);

/*
 * A non-negative rate, converted to events per second: "50" (per
 * second), "50/s", "3000/min", "20/h", "1e6/day", "5/week",
 * "100/month", "4/yr".
 */
int ep_parse_rate(const char *s, double *per_sec, struct ep_err *err);

/*
 * A non-negative duration with a unit, converted to seconds: "250ms",
 * "90s", "15min" (or "15m"), "12h", "7d", "2w", "3mo" (a twelfth of a
 * year), "1y" (365.25 days).
 */
int ep_parse_duration(const char *s, double *secs, struct ep_err *err);

/*
 * A retraining cadence, converted to updates per year: a word (hourly,
 * daily, weekly, fortnightly, monthly, quarterly, yearly or annually,
 * never), a count per period ("4/yr", "2/day": see ep_parse_rate), or an
 * interval ("12h", "7d": once every interval, which must be positive).
 */
int ep_parse_cadence(const char *s, double *per_year, struct ep_err *err);

/*
 * A non-negative energy with a unit, converted to kWh: J, kJ, MJ, GJ,
 * Wh, kWh, MWh, GWh (case matters only where it tells milli from mega).
 */
int ep_parse_energy(const char *s, double *kwh, struct ep_err *err);

/*
 * A non-negative carbon intensity, converted to g/kWh: a bare number is
 * g/kWh; units g/kWh, gCO2/kWh, gCO2e/kWh, kg/kWh, kg/MWh, t/MWh, lb/MWh
 * (also lbs/MWh, as WattTime writes MOER).
 */
int ep_parse_intensity(const char *s, double *g_per_kwh, struct ep_err *err);

/* A non-negative power, converted to watts: "65", "65W", "0.2kW", "500mW". */
int ep_parse_power(const char *s, double *watts, struct ep_err *err);

#endif
