/*
 * Tests for core/num: every accepted form and every rejection path.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>

#include "core/num.h"
#include "tests/test_util.h"

typedef int (*dparser)(const char *, double *, struct ep_err *);

/* Parses s with f and checks the result against want. */
static void
accept(dparser f, const char *s, double want)
{
	struct ep_err err = EP_ERR_INIT;
	double v = -12345;

	if (f(s, &v, &err) != 0)
		fail_msg("'%s' rejected: %s", s, err.msg);
	assert_close(v, want, fabs(want) * 1e-12);
}

/* Checks that f rejects s with code and a message containing part. */
static void
reject(dparser f, const char *s, enum ep_code code, const char *part)
{
	struct ep_err err = EP_ERR_INIT;
	double v = -12345;

	if (f(s, &v, &err) == 0)
		fail_msg("'%s' accepted as %g", s, v);
	assert_int_equal(err.code, code);
	assert_contains(err.msg, part);
	assert_close(v, -12345, 0);
}

static int
dbl01(const char *s, double *v, struct ep_err *err)
{
	return ep_parse_double(s, 0, 1, v, err);
}

static int
dblany(const char *s, double *v, struct ep_err *err)
{
	return ep_parse_double(s, -1e300, 1e300, v, err);
}

static void
test_double_accepts(void **state)
{
	(void)state;
	accept(dblany, "0", 0);
	accept(dblany, "1.5", 1.5);
	accept(dblany, "-2", -2);
	accept(dblany, "+3", 3);
	accept(dblany, ".5", 0.5);
	accept(dblany, "5.", 5);
	accept(dblany, "1e-3", 1e-3);
	accept(dblany, "2.5E+2", 250);
	accept(dbl01, "1", 1);
	accept(dbl01, "0", 0);
}

static void
test_double_rejects(void **state)
{
	(void)state;
	reject(dblany, "", EP_EUSAGE, "empty");
	reject(dblany, "abc", EP_EUSAGE, "'abc': not a number");
	reject(dblany, "nan", EP_EUSAGE, "not a finite number");
	reject(dblany, "NaN", EP_EUSAGE, "not a finite number");
	reject(dblany, "-inf", EP_EUSAGE, "not a finite number");
	reject(dblany, "Infinity", EP_EUSAGE, "not a finite number");
	reject(dblany, "1e999", EP_ERANGE, "'1e999': out of range");
	reject(dblany, "-1e999", EP_ERANGE, "out of range");
	reject(dblany, "1e-999", EP_ERANGE, "out of range");
	reject(dblany, "0x10", EP_EUSAGE, "trailing");
	reject(dblany, "1.5x", EP_EUSAGE, "'1.5x': trailing");
	reject(dblany, " 1", EP_EUSAGE, "not a number");
	reject(dblany, "1 ", EP_EUSAGE, "trailing");
	reject(dblany, ".", EP_EUSAGE, "not a number");
	reject(dblany, "-", EP_EUSAGE, "not a number");
	reject(dblany, "1e", EP_EUSAGE, "trailing");
	reject(dblany, "1..2", EP_EUSAGE, "trailing");
	reject(dbl01, "1.0001", EP_ERANGE, "out of range (0 to 1)");
	reject(dbl01, "-0.1", EP_ERANGE, "out of range");
}

static void
test_double_long_input_is_cut_in_message(void **state)
{
	char s[400];

	(void)state;
	memset(s, '1', sizeof s - 2);
	s[sizeof s - 2] = 'x';
	s[sizeof s - 1] = '\0';
	reject(dblany, s, EP_ERANGE, "...': number too long");
}

static void
test_long(void **state)
{
	struct ep_err err = EP_ERR_INIT;
	long v = 0;

	(void)state;
	assert_int_equal(ep_parse_long("42", 0, 100, &v, &err), 0);
	assert_int_equal(v, 42);
	assert_int_equal(ep_parse_long("-7", -10, 10, &v, &err), 0);
	assert_int_equal(v, -7);
	assert_int_equal(ep_parse_long("+7", -10, 10, &v, &err), 0);
	assert_int_equal(v, 7);
	assert_int_equal(ep_parse_long("101", 0, 100, &v, &err), -1);
	assert_int_equal(err.code, EP_ERANGE);
	assert_contains(err.msg, "out of range (0 to 100)");
	assert_int_equal(ep_parse_long("99999999999999999999", 0, LONG_MAX,
	    &v, &err), -1);
	assert_int_equal(err.code, EP_ERANGE);
	assert_int_equal(ep_parse_long("", 0, 1, &v, &err), -1);
	assert_contains(err.msg, "empty");
	assert_int_equal(ep_parse_long("1.5", 0, 10, &v, &err), -1);
	assert_contains(err.msg, "'1.5': not an integer");
	assert_int_equal(ep_parse_long(" 1", 0, 10, &v, &err), -1);
	assert_int_equal(ep_parse_long("1e3", 0, 10000, &v, &err), -1);
	assert_int_equal(ep_parse_long("0x1", 0, 10, &v, &err), -1);
	assert_int_equal(ep_parse_long("-", 0, 10, &v, &err), -1);
	assert_int_equal(v, 7);
}

static void
test_count(void **state)
{
	struct ep_err err = EP_ERR_INIT;
	long v = 0;

	(void)state;
	assert_int_equal(ep_parse_count("1000", 0, LONG_MAX, &v, &err), 0);
	assert_int_equal(v, 1000);
	assert_int_equal(ep_parse_count("1e6", 0, LONG_MAX, &v, &err), 0);
	assert_int_equal(v, 1000000);
	assert_int_equal(ep_parse_count("2.5e1", 0, LONG_MAX, &v, &err), 0);
	assert_int_equal(v, 25);
	assert_int_equal(ep_parse_count("1.5", 0, 10, &v, &err), -1);
	assert_contains(err.msg, "'1.5': not a whole number");
	assert_int_equal(ep_parse_count("-1", 0, 10, &v, &err), -1);
	assert_contains(err.msg, "must not be negative");
	assert_int_equal(ep_parse_count("-0", 0, 10, &v, &err), -1);
	assert_int_equal(ep_parse_count("0", 1, 10, &v, &err), -1);
	assert_contains(err.msg, "out of range (1 to 10)");
	assert_int_equal(ep_parse_count("1e30", 0, LONG_MAX, &v, &err), -1);
	assert_int_equal(err.code, EP_ERANGE);
	assert_int_equal(ep_parse_count("nan", 0, 10, &v, &err), -1);
	assert_int_equal(ep_parse_count("5x", 0, 10, &v, &err), -1);
	assert_contains(err.msg, "trailing");
	assert_int_equal(v, 25);
}

static int
rate(const char *s, double *v, struct ep_err *err)
{
	return ep_parse_rate(s, v, err);
}

static void
test_rate(void **state)
{
	(void)state;
	accept(rate, "50", 50);
	accept(rate, "50/s", 50);
	accept(rate, "3000/min", 50);
	accept(rate, "3000 /min", 50);
	accept(rate, "180000/h", 50);
	accept(rate, "1e6/day", 1e6 / 86400);
	accept(rate, "7/week", 1.0 / 86400);
	accept(rate, "12/month", 12 / (31557600.0 / 12));
	accept(rate, "4/yr", 4 / 31557600.0);
	accept(rate, "4/year", 4 / 31557600.0);
	accept(rate, "1/HOUR", 1 / 3600.0);
	accept(rate, "0", 0);
	reject(rate, "-5", EP_ERANGE, "'-5': must not be negative");
	reject(rate, "-0/s", EP_ERANGE, "must not be negative");
	reject(rate, "50/fortnight", EP_EUSAGE, "unknown unit 'fortnight'");
	reject(rate, "50x", EP_EUSAGE, "unknown unit 'x'");
	reject(rate, "50/", EP_EUSAGE, "unknown unit");
	reject(rate, "/s", EP_EUSAGE, "not a number");
	reject(rate, "nan/s", EP_EUSAGE, "not a finite");
	reject(rate, "inf", EP_EUSAGE, "not a finite");
	reject(rate, "1e400/s", EP_ERANGE, "out of range");
	reject(rate, "", EP_EUSAGE, "empty");
	reject(rate, "50/s ", EP_EUSAGE, "unknown unit");
}

static int
dur(const char *s, double *v, struct ep_err *err)
{
	return ep_parse_duration(s, v, err);
}

static void
test_duration(void **state)
{
	(void)state;
	accept(dur, "90s", 90);
	accept(dur, "250ms", 0.25);
	accept(dur, "15min", 900);
	accept(dur, "15m", 900);
	accept(dur, "12h", 43200);
	accept(dur, "1.5h", 5400);
	accept(dur, "7d", 604800);
	accept(dur, "2w", 1209600);
	accept(dur, "1mo", 31557600.0 / 12);
	accept(dur, "1y", 31557600.0);
	accept(dur, "48 hours", 172800);
	accept(dur, "0s", 0);
	reject(dur, "90", EP_EUSAGE, "'90': missing unit");
	reject(dur, "-1h", EP_ERANGE, "must not be negative");
	reject(dur, "1parsec", EP_EUSAGE, "unknown unit 'parsec'");
	reject(dur, "h", EP_EUSAGE, "not a number");
	reject(dur, "nanh", EP_EUSAGE, "not a number");
	reject(dur, "1e308y", EP_ERANGE, "out of range");
}

static int
cad(const char *s, double *v, struct ep_err *err)
{
	return ep_parse_cadence(s, v, err);
}

static void
test_cadence(void **state)
{
	(void)state;
	accept(cad, "daily", 365.25);
	accept(cad, "Weekly", 365.25 / 7);
	accept(cad, "monthly", 12);
	accept(cad, "quarterly", 4);
	accept(cad, "yearly", 1);
	accept(cad, "annually", 1);
	accept(cad, "hourly", 8766);
	accept(cad, "fortnightly", 365.25 / 14);
	accept(cad, "never", 0);
	accept(cad, "4/yr", 4);
	accept(cad, "2/day", 730.5);
	accept(cad, "12h", 730.5);
	accept(cad, "7d", 365.25 / 7);
	accept(cad, "0/yr", 0);
	reject(cad, "sometimes", EP_EUSAGE, "'sometimes': unknown cadence");
	reject(cad, "0h", EP_ERANGE, "interval must be positive");
	reject(cad, "-1/yr", EP_ERANGE, "must not be negative");
	reject(cad, "-3d", EP_ERANGE, "must not be negative");
	reject(cad, "12", EP_EUSAGE, "missing unit");
	reject(cad, "4/eon", EP_EUSAGE, "unknown unit 'eon'");
	reject(cad, "", EP_EUSAGE, "empty");
	reject(cad, "nan", EP_EUSAGE, "not a finite");
	reject(cad, "daily ", EP_EUSAGE, "unknown cadence");
}

static int
energy(const char *s, double *v, struct ep_err *err)
{
	return ep_parse_energy(s, v, err);
}

static void
test_energy(void **state)
{
	(void)state;
	accept(energy, "1kWh", 1);
	accept(energy, "3.6MJ", 1);
	accept(energy, "3600000J", 1);
	accept(energy, "3600 kJ", 1);
	accept(energy, "500Wh", 0.5);
	accept(energy, "2MWh", 2000);
	accept(energy, "1GWh", 1e6);
	accept(energy, "1kwh", 1);
	accept(energy, "7.2GJ", 2000);
	reject(energy, "5", EP_EUSAGE, "missing unit");
	reject(energy, "5mwh", EP_EUSAGE, "unknown unit 'mwh'");
	reject(energy, "5 calories", EP_EUSAGE, "unknown unit");
	reject(energy, "-1J", EP_ERANGE, "must not be negative");
	reject(energy, "infJ", EP_EUSAGE, "not a number");
	reject(energy, "1e306GWh", EP_ERANGE, "out of range");
}

static int
intensity(const char *s, double *v, struct ep_err *err)
{
	return ep_parse_intensity(s, v, err);
}

static void
test_intensity(void **state)
{
	(void)state;
	accept(intensity, "300", 300);
	accept(intensity, "300g/kWh", 300);
	accept(intensity, "300 gCO2e/kWh", 300);
	accept(intensity, "300 gCO2/kWh", 300);
	accept(intensity, "0.3kg/kWh", 300);
	accept(intensity, "300kg/MWh", 300);
	accept(intensity, "0.3t/MWh", 300);
	accept(intensity, "1000lbs/MWh", 453.59237);
	accept(intensity, "1000 lb/MWh", 453.59237);
	accept(intensity, "300 g/kwh", 300);
	reject(intensity, "-3", EP_ERANGE, "must not be negative");
	reject(intensity, "300g", EP_EUSAGE, "unknown unit 'g'");
	reject(intensity, "NaN", EP_EUSAGE, "not a finite");
	reject(intensity, "300 g/kWh/h", EP_EUSAGE, "unknown unit");
}

static int
power(const char *s, double *v, struct ep_err *err)
{
	return ep_parse_power(s, v, err);
}

static void
test_power(void **state)
{
	(void)state;
	accept(power, "65", 65);
	accept(power, "65W", 65);
	accept(power, "0.2kW", 200);
	accept(power, "500mW", 0.5);
	reject(power, "65J", EP_EUSAGE, "unknown unit 'J'");
	reject(power, "-65", EP_ERANGE, "negative");
	reject(power, "", EP_EUSAGE, "empty");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_double_accepts),
		cmocka_unit_test(test_double_rejects),
		cmocka_unit_test(test_double_long_input_is_cut_in_message),
		cmocka_unit_test(test_long),
		cmocka_unit_test(test_count),
		cmocka_unit_test(test_rate),
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_cadence),
		cmocka_unit_test(test_energy),
		cmocka_unit_test(test_intensity),
		cmocka_unit_test(test_power),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
