/*
 * Tests for ci-data/isotime: the timestamp forms of the three APIs,
 * strict rejection, and formatting.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include <stdio.h>

#include "ci-data/isotime.h"
#include "tests/test_util.h"

/* 2023-03-14T00:30:00Z */
#define UK_T ((time_t)1678753800)

static void
parses(const char *s, time_t want)
{
	struct ep_err err = EP_ERR_INIT;
	time_t t = 0;

	if (ci_time_parse(s, &t, &err) < 0)
		fail_msg("'%s' rejected: %s", s, err.msg);
	if (t != want)
		fail_msg("'%s' = %lld, want %lld", s, (long long)t,
		    (long long)want);
}

static void
rejects(const char *s)
{
	struct ep_err err = EP_ERR_INIT;
	time_t t = 0;

	if (ci_time_parse(s, &t, &err) == 0)
		fail_msg("'%s' accepted as %lld", s, (long long)t);
	assert_int_equal(err.code, EP_EPARSE);
	assert_contains(err.msg, "not an ISO 8601 UTC time");
}

static void
test_parse_forms(void **state)
{
	(void)state;
	parses("2023-03-14T00:30Z", UK_T);		/* UK NESO */
	parses("2023-03-14T00:30:00.000Z", UK_T);	/* Electricity Maps */
	parses("2023-03-14T00:30:00+00:00", UK_T);	/* WattTime */
	parses("2023-03-14T01:30:00+01:00", UK_T);
	parses("2023-03-13T19:30:00-05:00", UK_T);
	parses("2023-03-14T00:30:00+0000", UK_T);
	parses("2023-03-14 00:30Z", UK_T);
	parses("2024-02-29T00:00:00Z", 1709164800);
	parses("1970-01-01T00:00:00Z", 0);
}

static void
test_parse_rejects(void **state)
{
	(void)state;
	rejects("");
	rejects("2023-03-14");
	rejects("2023-03-14T00:30");		/* no zone */
	rejects("2023-03-14T00:30:00");
	rejects("2023-13-14T00:30Z");
	rejects("2023-02-29T00:30Z");
	rejects("2023-03-14T24:00Z");
	rejects("2023-03-14T00:60Z");
	rejects("2023-03-14T00:30Zjunk");
	rejects("2023-03-14T00:30:00.Z");
	rejects("2023-03-14T00:30+25:00");
	rejects("23-03-14T00:30Z");
}

static void
test_format(void **state)
{
	char buf[40];

	(void)state;
	assert_string_equal(ci_time_format(UK_T, CI_TIME_ISO, buf, sizeof buf),
	    "2023-03-14T00:30:00Z");
	assert_string_equal(ci_time_format(UK_T, CI_TIME_MINUTES, buf,
	    sizeof buf), "2023-03-14T00:30Z");
	assert_string_equal(ci_time_format(UK_T, CI_TIME_HUMAN, buf,
	    sizeof buf), "2023-03-14 00:30 UTC");
	assert_string_equal(ci_time_format(UK_T, CI_TIME_CLOCK, buf,
	    sizeof buf), "00:30");
	/* Too small a buffer gives "", never a cut string. */
	assert_string_equal(ci_time_format(UK_T, CI_TIME_ISO, buf, 5), "");
}

static void
test_age(void **state)
{
	char buf[32];

	(void)state;
	assert_string_equal(ci_age_format(-5, buf, sizeof buf), "0 s");
	assert_string_equal(ci_age_format(44.6, buf, sizeof buf), "45 s");
	assert_string_equal(ci_age_format(720, buf, sizeof buf), "12 min");
	assert_string_equal(ci_age_format(7500, buf, sizeof buf), "2 h 5 min");
	assert_string_equal(ci_age_format(3600, buf, sizeof buf), "1 h");
	assert_string_equal(ci_age_format(50 * 3600, buf, sizeof buf), "50 h");
	assert_string_equal(ci_age_format(5 * 86400 + 7, buf, sizeof buf),
	    "5 days");
	/* "ci forecast --window 99999999999999999999y" overflowed the
	 * conversion to long (UBSan; printed -9223372036854775808 s). */
	assert_string_equal(ci_age_format(3.15576e27, buf, sizeof buf),
	    "365250000000 days");
	assert_string_equal(ci_age_format((double)NAN, buf, sizeof buf),
	    "0 s");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_forms),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_age),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
