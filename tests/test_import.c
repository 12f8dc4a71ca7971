/*
 * Tests for profiles/import_codecarbon: real CodeCarbon 2.8.3 output of
 * the seed study, and hand-made files for the other header sets, the
 * append bug's short rows, missing columns and empty files
 * (tests/fixtures/codecarbon/, see its README).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>

#include "core/fsutil.h"
#include "profiles/import_codecarbon.h"
#include "profiles/profile.h"
#include "tests/test_util.h"

#define DIR "tests/fixtures/codecarbon/"

/* Parses a fixture; returns what prof_cc_parse returned. */
static int
parse(const char *name, const char *model, struct prof_cc_import *im,
    struct ep_err *err)
{
	char path[256], *buf = NULL;
	size_t len = 0;
	int rc;

	snprintf(path, sizeof path, DIR "%s", name);
	assert_int_equal(ep_read_file(path, (size_t)1 << 20, &buf, &len,
	    err), 0);
	rc = prof_cc_parse(buf, len, name, model, im, err);
	free(buf);
	return rc;
}

static void
test_import_study_inference(void **state)
{
	struct prof_cc_import im = PROF_CC_IMPORT_INIT;
	struct ep_err err = EP_ERR_INIT;
	struct prof_profile p;

	(void)state;
	assert_int_equal(parse("schodl2025_movielens_inf_exp_0.csv", "pop",
	    &im, &err), 0);
	assert_int_equal(im.n_rows, 11);
	assert_int_equal(im.n_skipped, 0);
	assert_int_equal(im.n_columns, 32);
	assert_string_equal(im.version, "2.8.3");
	assert_string_equal(im.tracking_mode, "machine");
	/* Row 1 of the file, in kWh and s as CodeCarbon wrote them. */
	assert_close(im.rows[0].energy_kwh, 5.8730753930436834e-05, 1e-18);
	assert_close(im.rows[0].duration_secs, 4.449080599999999, 1e-12);
	/* emissions are kg in the file, g here. */
	assert_close(im.rows[0].emissions_g, 6.508072304539566e-03, 1e-15);
	assert_close(im.rows[0].cpu_watts, 22.5, 0);
	assert_int_equal(im.rows[0].line, 2);
	/* 22.5 W is half the i7-10850H's 45 W TDP: constant mode. */
	assert_int_equal(im.estimated, 1);
	assert_contains(im.why, "50% of the TDP 45 W");

	prof_profile_init(&p);
	prof_cc_to_profile(&im, "pop", "movielens", 1, &p);
	assert_string_equal(p.meter, "codecarbon");
	assert_true(p.estimated);
	assert_true(p.has_training);
	assert_int_equal(p.epoch_train.n, 11);
	assert_true(p.epoch_train.kwh > 5.5e-5 && p.epoch_train.kwh < 6e-5);
	assert_true(p.epoch_train.sd > 0);
	assert_string_equal(p.cpu, "Intel(R) Core(TM) i7-10850H CPU @ 2.70GHz");
	assert_int_equal(p.threads, 12);
	prof_cc_release(&im);
}

static void
test_import_study_training_filters_model(void **state)
{
	struct prof_cc_import im = PROF_CC_IMPORT_INIT;
	struct ep_err err = EP_ERR_INIT;
	struct prof_profile p;

	(void)state;
	assert_int_equal(parse("schodl2025_movielens_training.csv", "BPR",
	    &im, &err), 0);
	/* 36 runs of 18 models: the two BPR runs are kept. */
	assert_int_equal(im.n_rows, 2);
	assert_int_equal(im.n_other_projects, 34);
	assert_string_equal(im.rows[0].project, "2_movielens_BPR");
	assert_string_equal(im.rows[1].project, "20_movielens_BPR");
	assert_int_equal(im.rows[0].line, 4);

	prof_profile_init(&p);
	prof_cc_to_profile(&im, "bpr", "movielens", 50, &p);
	assert_int_equal(p.epochs_measured, 50);
	assert_close(p.epochs_per_update, 50, 0);
	assert_close(p.epoch_train.kwh * 50,
	    (im.rows[0].energy_kwh + im.rows[1].energy_kwh) / 2, 1e-15);
	prof_cc_release(&im);
}

static void
test_import_measured_varying_power(void **state)
{
	struct prof_cc_import im = PROF_CC_IMPORT_INIT;
	struct ep_err err = EP_ERR_INIT;
	struct prof_profile p;

	(void)state;
	assert_int_equal(parse("v3_measured.csv", NULL, &im, &err), 0);
	assert_int_equal(im.n_rows, 3);
	assert_int_equal(im.n_columns, 38);
	assert_int_equal(im.estimated, 0);
	prof_profile_init(&p);
	prof_cc_to_profile(&im, "bpr", "d", 1, &p);
	assert_false(p.estimated);
	assert_close(p.epoch_train.kwh, 0.001, 1e-15);
	assert_close(p.epoch_train.sd, 0.0002, 1e-15);
	assert_close(p.epoch_train.seconds, 100, 1e-12);
	assert_string_equal(p.domains, "cpu,gpu,ram");
	prof_cc_release(&im);
}

static void
test_import_short_and_long_rows_skipped(void **state)
{
	struct prof_cc_import im = PROF_CC_IMPORT_INIT;
	struct ep_err err = EP_ERR_INIT;

	(void)state;
	assert_int_equal(parse("short_row.csv", NULL, &im, &err), 0);
	assert_int_equal(im.n_rows, 2);
	assert_int_equal(im.n_skipped, 2);
	assert_int_equal(im.skipped[0].line, 3);
	assert_int_equal(im.skipped[0].fields, 31);
	assert_int_equal(im.skipped[0].expected, 38);
	assert_int_equal(im.skipped[1].line, 4);
	assert_int_equal(im.skipped[1].fields, 40);
	/* The kept rows are the well-formed ones, values unshifted. */
	assert_int_equal(im.rows[1].line, 5);
	assert_close(im.rows[1].energy_kwh, 0.0008, 1e-15);
	prof_cc_release(&im);
}

static void
test_import_missing_columns_unknown(void **state)
{
	struct prof_cc_import im = PROF_CC_IMPORT_INIT;
	struct ep_err err = EP_ERR_INIT;

	(void)state;
	assert_int_equal(parse("missing_column.csv", NULL, &im, &err), 0);
	assert_int_equal(im.n_rows, 2);
	/* No duration: unknown. No energy_consumed: the parts' sum. */
	assert_true(isnan(im.rows[0].duration_secs));
	assert_close(im.rows[0].energy_kwh, 0.0008 + 0.0 + 0.0002, 1e-15);
	prof_cc_release(&im);
}

static void
test_import_old_header_set(void **state)
{
	struct prof_cc_import im = PROF_CC_IMPORT_INIT;
	struct ep_err err = EP_ERR_INIT;

	(void)state;
	/* v1.x columns, a byte-order mark and CRLF line ends. */
	assert_int_equal(parse("v1_header.csv", NULL, &im, &err), 0);
	assert_int_equal(im.n_rows, 2);
	assert_int_equal(im.n_columns, 12);
	assert_close(im.rows[0].energy_kwh, 0.0050, 1e-15);
	assert_close(im.rows[1].duration_secs, 130.5, 1e-12);
	assert_close(im.rows[0].emissions_g, 2.1, 1e-12);
	assert_true(isnan(im.rows[0].cpu_watts));
	assert_int_equal(im.estimated, 1);
	assert_contains(im.why, "no cpu_power column");
	prof_cc_release(&im);
}

static void
test_import_reordered_columns(void **state)
{
	struct prof_cc_import im = PROF_CC_IMPORT_INIT;
	struct ep_err err = EP_ERR_INIT;

	(void)state;
	assert_int_equal(parse("v2_reordered.csv", NULL, &im, &err), 0);
	assert_int_equal(im.n_rows, 1);
	assert_close(im.rows[0].energy_kwh, 0.0026, 1e-15);
	assert_close(im.rows[0].duration_secs, 200, 0);
	assert_string_equal(im.cpu_model, "Unknown, CPU");
	assert_string_equal(im.tracking_mode, "process");
	/* 42.5 W is half of CodeCarbon's 85 W default TDP. */
	assert_int_equal(im.estimated, 1);
	assert_contains(im.why, "85 W");
	prof_cc_release(&im);
}

static void
test_import_errors(void **state)
{
	static const struct {
		const char *file;
		const char *msg;
	} cases[] = {
		{ "empty.csv", "empty.csv: empty file" },
		{ "header_only.csv", "header_only.csv: no rows after the "
		    "header" },
		{ "no_energy.csv", "no_energy.csv:1: no energy_consumed "
		    "column" },
		{ "all_short.csv", "all_short.csv:2: 31 fields where the "
		    "header has 38" },
		{ "bad_number.csv", "bad_number.csv:3: energy_consumed: "
		    "'lots'" },
		{ "bad_cpu_count.csv", "bad_cpu_count.csv:3: cpu_count: "
		    "'1e40': not a whole number of CPUs" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct prof_cc_import im = PROF_CC_IMPORT_INIT;
		struct ep_err err = EP_ERR_INIT;

		assert_int_equal(parse(cases[i].file, NULL, &im, &err), -1);
		assert_int_equal(err.code, EP_EPARSE);
		assert_contains(err.msg, cases[i].msg);
		assert_null(im.rows);
		prof_cc_release(&im);
	}
}

static void
test_import_profile_round_trip(void **state)
{
	struct prof_cc_import im = PROF_CC_IMPORT_INIT;
	struct ep_err err = EP_ERR_INIT;
	struct prof_profile p, q;
	char *json;

	(void)state;
	assert_int_equal(parse("v3_measured.csv", NULL, &im, &err), 0);
	prof_profile_init(&p);
	prof_cc_to_profile(&im, "bpr", "ml-1m", 4, &p);
	json = prof_profile_to_json(&p);
	assert_non_null(json);
	assert_int_equal(prof_profile_parse(json, strlen(json), "x", &q,
	    &err), 0);
	assert_string_equal(q.meter, "codecarbon");
	assert_string_equal(q.dataset, "ml-1m");
	assert_int_equal(q.epochs_measured, 4);
	assert_close(q.epoch_train.kwh, 0.001 / 4, 1e-15);
	free(json);
	prof_cc_release(&im);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_import_study_inference),
		cmocka_unit_test(test_import_study_training_filters_model),
		cmocka_unit_test(test_import_measured_varying_power),
		cmocka_unit_test(test_import_short_and_long_rows_skipped),
		cmocka_unit_test(test_import_missing_columns_unknown),
		cmocka_unit_test(test_import_old_header_set),
		cmocka_unit_test(test_import_reordered_columns),
		cmocka_unit_test(test_import_errors),
		cmocka_unit_test(test_import_profile_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
