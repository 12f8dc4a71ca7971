/*
 * UTC timestamps as the carbon-intensity APIs write them, and ages for
 * people. Every time here is a time_t in UTC; local time is never used.
 * (General helpers: they would belong in core/ once another area needs
 * them.)
 */
#ifndef ECOPLAN_CI_DATA_ISOTIME_H
#define ECOPLAN_CI_DATA_ISOTIME_H

#include <stddef.h>
#include <time.h>

#include "core/err.h"

/*
 * Parses an ISO 8601 date and time in the forms the APIs use:
 * "2023-03-14T00:30Z" (UK NESO), "2024-03-05T20:00:00.000Z"
 * (Electricity Maps), "2022-07-15T00:00:00+00:00" (WattTime). Seconds
 * and a fraction (dropped) are optional; a zone, Z or +hh:mm / -hh:mm,
 * is required. Returns 0, or -1 with EP_EPARSE quoting s.
 */
int ci_time_parse(const char *s, time_t *out, struct ep_err *err);

enum ci_time_style {
	CI_TIME_ISO,		/* 2026-11-27T12:00:00Z */
	CI_TIME_MINUTES,	/* 2026-11-27T12:00Z, as the UK API wants */
	CI_TIME_HUMAN,		/* 2026-11-27 12:00 UTC */
	CI_TIME_CLOCK		/* 12:00 */
};

/* Formats t in UTC into buf (size bytes, NUL-terminated); returns buf. */
char *ci_time_format(time_t t, enum ci_time_style style, char *buf,
    size_t size);

/*
 * Formats an age or a length of time for people: "45 s", "12 min",
 * "2 h 5 min", "50 h", and whole days from four days on ("5 days").
 * Negative ages (a clock set back) read "0 s". Returns buf.
 */
char *ci_age_format(double secs, char *buf, size_t size);

#endif
