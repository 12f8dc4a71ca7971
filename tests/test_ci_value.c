/*
 * Tests for ci-data/value: tag names, --source words, warnings and the
 * text helpers that keep server text and secrets out of messages.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>

#include "ci-data/value.h"
#include "tests/test_util.h"

static void
test_names_round_trip(void **state)
{
	enum ci_basis b;
	enum ci_signal s;
	enum ci_accounting a;

	(void)state;
	assert_string_equal(ci_source_name(CI_SRC_EM), "electricitymaps");
	assert_string_equal(ci_source_name(CI_SRC_UK), "uk");
	assert_string_equal(ci_basis_name(CI_BASIS_DIRECT), "direct");
	assert_string_equal(ci_signal_name(CI_SIGNAL_MARGINAL), "marginal");
	assert_string_equal(ci_accounting_name(CI_ACCT_CONSUMPTION),
	    "consumption");
	assert_int_equal(ci_basis_parse("lifecycle", &b), 0);
	assert_int_equal(b, CI_BASIS_LIFECYCLE);
	assert_int_equal(ci_signal_parse("average", &s), 0);
	assert_int_equal(s, CI_SIGNAL_AVERAGE);
	assert_int_equal(ci_accounting_parse("production", &a), 0);
	assert_int_equal(a, CI_ACCT_PRODUCTION);
	assert_int_equal(ci_basis_parse("Lifecycle", &b), -1);
	assert_int_equal(ci_signal_parse("", &s), -1);
}

static void
test_source_parse(void **state)
{
	struct ep_err err = EP_ERR_INIT;
	enum ci_source s;

	(void)state;
	assert_int_equal(ci_source_parse("em", &s, &err), 0);
	assert_int_equal(s, CI_SRC_EM);
	assert_int_equal(ci_source_parse("WattTime", &s, &err), 0);
	assert_int_equal(s, CI_SRC_WT);
	assert_int_equal(ci_source_parse("table", &s, &err), 0);
	assert_int_equal(s, CI_SRC_TABLE);
	assert_int_equal(ci_source_parse("electricitymap", &s, &err), -1);
	assert_int_equal(err.code, EP_EUSAGE);
	assert_string_equal(err.msg, "'electricitymap': unknown source; did "
	    "you mean 'electricitymaps'?");
	assert_int_equal(ci_source_parse("zzzzzz", &s, &err), -1);
	assert_contains(err.msg, "sources are auto, table, uk, "
	    "electricitymaps and watttime");
}

static void
test_value_init(void **state)
{
	struct ci_value v;

	(void)state;
	memset(&v, 0x55, sizeof v);
	ci_value_init(&v);
	assert_true(isnan(v.g_per_kwh));
	assert_true(isnan(v.percentile));
	assert_int_equal(v.year, 0);
	assert_int_equal(v.tag.basis, CI_BASIS_UNKNOWN);
	assert_string_equal(v.index, "");
}

static void
test_warnings(void **state)
{
	struct ci_warnings w = CI_WARNINGS_INIT;

	(void)state;
	ci_warn(&w, "first %d", 1);
	ci_warn(&w, "%s", "second");
	assert_int_equal(w.n, 2);
	assert_string_equal(w.msg[0], "first 1");
	assert_string_equal(w.msg[1], "second");
	ci_warnings_release(&w);
	assert_int_equal(w.n, 0);
	assert_null(w.msg);
	ci_warnings_release(&w);
}

static void
test_text_clean(void **state)
{
	char buf[16];

	(void)state;
	ci_text_clean(buf, sizeof buf, "ok\r\n\x1b[31mred");
	assert_string_equal(buf, "ok???[31mred");
	ci_text_clean(buf, sizeof buf, "a very long message indeed");
	assert_string_equal(buf, "a very long mes");
	ci_text_clean(buf, sizeof buf, "caf\xc3\xa9");
	assert_string_equal(buf, "caf??");
}

static void
test_text_redact(void **state)
{
	char buf[64];

	(void)state;
	snprintf(buf, sizeof buf, "bad token s3cr3t, s3cr3t again");
	ci_text_redact(buf, sizeof buf, "s3cr3t");
	assert_string_equal(buf, "bad token [redacted], [redacted] again");
	snprintf(buf, sizeof buf, "nothing here");
	ci_text_redact(buf, sizeof buf, "s3cr3t");
	assert_string_equal(buf, "nothing here");
	ci_text_redact(buf, sizeof buf, NULL);
	ci_text_redact(buf, sizeof buf, "");
	assert_string_equal(buf, "nothing here");
	/* A longer mask that does not fit is cut, never overflows, and
	 * never leaves a piece of the secret. */
	snprintf(buf, 12, "xx ab ab ab");
	ci_text_redact(buf, 12, "ab");
	assert_string_equal(buf, "xx [redacte");
	assert_null(strstr(buf, "ab"));
}

static void
test_fmt_g(void **state)
{
	char buf[32];

	(void)state;
	assert_string_equal(ci_fmt_g(buf, sizeof buf, 472.99), "472.99");
	assert_string_equal(ci_fmt_g(buf, sizeof buf, 182), "182");
	assert_string_equal(ci_fmt_g(buf, sizeof buf, 394.6253619), "394.63");
	assert_string_equal(ci_fmt_g(buf, sizeof buf, 143.30), "143.3");
	assert_string_equal(ci_fmt_g(buf, sizeof buf, 0.001), "0");
	assert_string_equal(ci_fmt_g(buf, sizeof buf, -0.001), "0");
	assert_string_equal(ci_fmt_g(buf, sizeof buf, (double)NAN), "-");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_round_trip),
		cmocka_unit_test(test_source_parse),
		cmocka_unit_test(test_value_init),
		cmocka_unit_test(test_warnings),
		cmocka_unit_test(test_text_clean),
		cmocka_unit_test(test_text_redact),
		cmocka_unit_test(test_fmt_g),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
