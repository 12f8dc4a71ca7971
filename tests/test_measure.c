/*
 * Tests for profiles/measure: markers close epochs, output passes
 * through byte for byte (long lines and a last line without a newline
 * included), energy under the estimate meter follows the child's work,
 * exit statuses and signals come back, a missing command is reported.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "core/fsutil.h"
#include "profiles/measure.h"
#include "profiles/meter.h"
#include "profiles/profile.h"
#include "tests/test_util.h"

/* A command that burns CPU in proportion to its argument, then marks. */
#define BURN "for n in 1 2 4; do awk -v n=$n 'BEGIN { " \
    "for (i = 0; i < n * 1500000; i++) s += i }'; " \
    "echo \"epoch $n done\"; done"

struct fixture {
	struct prof_meter m;
	char *dir;
	char out_path[512];
	int out_fd;
};

static int
setup(void **state)
{
	struct prof_meter_opts mo = PROF_METER_OPTS_INIT;
	struct ep_err err = EP_ERR_INIT;
	struct fixture *f = calloc(1, sizeof *f);

	if (f == NULL)
		return -1;
	mo.kind = PROF_METER_ESTIMATE;
	mo.cpu_watts = 10;
	mo.ram_watts = 1;
	if (prof_meter_open(&f->m, &mo, &err) < 0) {
		fprintf(stderr, "%s\n", err.msg);
		free(f);
		return -1;
	}
	f->dir = test_tmpdir();
	snprintf(f->out_path, sizeof f->out_path, "%s/out", f->dir);
	f->out_fd = open(f->out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	*state = f;
	return f->out_fd < 0 ? -1 : 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	close(f->out_fd);
	prof_meter_close(&f->m);
	test_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

/* Runs sh -c script with its stdout (and stderr) into the fixture's file. */
static int
run_sh(struct fixture *f, const char *script, const char *marker,
    const char *qmarker, struct prof_measure_result *r, struct ep_err *err)
{
	char sh[] = "sh", c[] = "-c", *copy = strdup(script);
	char *argv[] = { sh, c, copy, NULL };
	struct prof_measure_opts o = PROF_MEASURE_OPTS_INIT;
	int rc;

	assert_non_null(copy);
	o.argv = argv;
	o.epoch_marker = marker;
	o.query_marker = qmarker;
	o.out_fd = f->out_fd;
	o.err_fd = f->out_fd;
	o.sample_secs = 0.02;
	rc = prof_measure_run(&f->m, &o, r, err);
	free(copy);
	return rc;
}

static char *
output(struct fixture *f, size_t *len)
{
	struct ep_err err = EP_ERR_INIT;
	char *buf = NULL;

	assert_int_equal(ep_read_file(f->out_path, (size_t)1 << 24, &buf, len,
	    &err), 0);
	return buf;
}

static void
test_measure_epochs_follow_work(void **state)
{
	struct fixture *f = *state;
	struct prof_measure_result r;
	struct ep_err err = EP_ERR_INIT;
	struct prof_profile p;
	double e1, e2, e3;
	size_t len;
	char *out;

	assert_int_equal(run_sh(f, BURN, "^epoch [0-9]+ done$", NULL, &r,
	    &err), 0);
	assert_int_equal(r.exit_status, 0);
	assert_int_equal(r.n_epochs, 3);
	assert_true(r.epochs[0].warmup);
	assert_false(r.epochs[1].warmup);
	out = output(f, &len);
	assert_string_equal(out, "epoch 1 done\nepoch 2 done\nepoch 4 done\n");
	free(out);
	/* The child's CPU time is charged at 10 W a thread. */
	assert_true(r.cpu_secs > 0.05);
	assert_true(r.joules >= r.cpu_secs * 10);
	/* And its resident memory at 0.375 W/GiB. */
	assert_true(r.ram_joules > 0);
	assert_close(r.watts_per_gb, 0.375, 1e-12);
	/* Energy follows the work: 1, 2, 4 units (loose: a busy CI box). */
	e1 = r.epochs[0].joules;
	e2 = r.epochs[1].joules;
	e3 = r.epochs[2].joules;
	assert_true(e1 > 0);
	if (!(e2 / e1 > 1.3 && e2 / e1 < 3.5 && e3 / e2 > 1.3 &&
	    e3 / e2 < 3.5))
		fail_msg("epoch energies %g %g %g not ~1:2:4", e1, e2, e3);

	prof_profile_init(&p);
	prof_measure_to_profile(&r, &f->m, &p);
	assert_true(p.has_training);
	assert_false(p.has_inference);
	assert_int_equal(p.epochs_measured, 3);
	assert_int_equal(p.epoch_train.n, 2);
	assert_close(p.setup.kwh, e1 / 3.6e6, 1e-18);
	assert_close(p.epoch_train.kwh, (e2 + e3) / 2 / 3.6e6, 1e-15);
	assert_false(p.incomplete);
	assert_string_equal(p.meter, "estimate");
	assert_contains(p.assumptions, "W/thread");
	prof_measure_release(&r);
}

static void
test_measure_last_line_and_long_lines(void **state)
{
	struct fixture *f = *state;
	struct prof_measure_result r;
	struct ep_err err = EP_ERR_INIT;
	size_t len;
	char *out;

	/* 200000 bytes on one line, then two markers, the last unended. */
	assert_int_equal(run_sh(f, "awk 'BEGIN { for (i = 0; i < 200000; i++) "
	    "printf \"x\"; printf \"\\n\" }'; printf 'epoch 1\\nepoch 2'",
	    "epoch", NULL, &r, &err), 0);
	assert_int_equal(r.n_epochs, 2);
	out = output(f, &len);
	assert_int_equal(len, 200000 + 1 + 8 + 7);
	assert_string_equal(out + 200001, "epoch 1\nepoch 2");
	free(out);
	/* The long line was scanned in pieces of at most 64 KiB. */
	assert_int_equal(r.lines, 4 + 2);
	prof_measure_release(&r);
}

static void
test_measure_stderr_scanned(void **state)
{
	struct fixture *f = *state;
	struct prof_measure_result r;
	struct ep_err err = EP_ERR_INIT;

	assert_int_equal(run_sh(f, "echo 'epoch a' >&2; echo 'epoch b'",
	    "^epoch", NULL, &r, &err), 0);
	assert_int_equal(r.n_epochs, 2);
	prof_measure_release(&r);
}

static void
test_measure_exit_status_and_signal(void **state)
{
	struct fixture *f = *state;
	struct prof_measure_result r;
	struct ep_err err = EP_ERR_INIT;
	struct prof_profile p;

	assert_int_equal(run_sh(f, "exit 7", NULL, NULL, &r, &err), 0);
	assert_int_equal(r.exit_status, 7);
	assert_int_equal(r.term_signal, 0);
	prof_profile_init(&p);
	prof_measure_to_profile(&r, &f->m, &p);
	assert_true(p.incomplete);
	/* No markers: the whole run is one epoch. */
	assert_int_equal(p.epochs_measured, 1);
	assert_int_equal(p.epoch_train.n, 1);
	prof_measure_release(&r);

	assert_int_equal(run_sh(f, "kill -KILL $$", NULL, NULL, &r, &err), 0);
	assert_int_equal(r.exit_status, 128 + 9);
	assert_int_equal(r.term_signal, 9);
	prof_measure_release(&r);
}

static void
test_measure_not_found(void **state)
{
	struct fixture *f = *state;
	char name[] = "frobnicatexyz";
	char *argv[] = { name, NULL };
	struct prof_measure_opts o = PROF_MEASURE_OPTS_INIT;
	struct prof_measure_result r;
	struct ep_err err = EP_ERR_INIT;

	o.argv = argv;
	o.out_fd = f->out_fd;
	assert_int_equal(prof_measure_run(&f->m, &o, &r, &err), -1);
	assert_int_equal(r.exec_errno, ENOENT);
	assert_int_equal(err.code, EP_ENOTFOUND);
	assert_string_equal(err.msg, "frobnicatexyz: not found");
	prof_measure_release(&r);
}

static void
test_measure_bad_marker(void **state)
{
	struct fixture *f = *state;
	struct prof_measure_result r;
	struct ep_err err = EP_ERR_INIT;

	assert_int_equal(run_sh(f, "true", "epoch (", NULL, &r, &err), -1);
	assert_int_equal(err.code, EP_EUSAGE);
	assert_contains(err.msg, "--epoch-marker: 'epoch ('");
	prof_measure_release(&r);
}

static void
test_measure_queries(void **state)
{
	struct fixture *f = *state;
	struct prof_measure_result r;
	struct ep_err err = EP_ERR_INIT;
	struct prof_profile p, q;
	char *json;

	assert_int_equal(run_sh(f, "for i in 1 2 3 4 5; do echo served "
	    "batch $i; done", NULL, "^served batch", &r, &err), 0);
	assert_int_equal(r.queries, 5);
	prof_profile_init(&p);
	prof_measure_to_profile(&r, &f->m, &p);
	assert_true(p.has_inference);
	assert_false(p.has_training);
	assert_int_equal(p.n_batches, 1);
	assert_close(p.batches[0].kwh_per_query, r.joules / 3.6e6 / 5, 1e-18);
	/* What is stored reads back. */
	snprintf(p.model, sizeof p.model, "served");
	snprintf(p.dataset, sizeof p.dataset, "d");
	json = prof_profile_to_json(&p);
	assert_non_null(json);
	assert_int_equal(prof_profile_parse(json, strlen(json), "x", &q,
	    &err), 0);
	assert_true(q.has_inference);
	free(json);
	prof_measure_release(&r);
}

/*
 * A machine-wide meter: a fake powercap tree whose counter the command
 * itself advances, 2 J in the first epoch and 4 J in the second. The
 * whole figure is exact; the command's share is its process tree's CPU
 * time over the machine's, so at most the whole.
 */
static void
test_measure_machine_wide_share(void **state)
{
	struct fixture *f = *state;
	struct prof_meter_opts mo = PROF_METER_OPTS_INIT;
	struct prof_measure_result r;
	struct ep_err err = EP_ERR_INIT;
	struct prof_meter m;
	struct prof_profile p;
	char path[600], script[2048];
	FILE *fp;
	static const char *const files[][2] = {
		{ "name", "package-0\n" },
		{ "energy_uj", "1000000\n" },
		{ "max_energy_range_uj", "262143999938\n" },
	};
	char sh[] = "sh", c[] = "-c";
	char *argv[] = { sh, c, script, NULL };
	struct prof_measure_opts o = PROF_MEASURE_OPTS_INIT;
	size_t i;

	snprintf(path, sizeof path, "%s/class/powercap/intel-rapl:0",
	    f->dir);
	assert_int_equal(ep_mkdir_p(path, 0755, &err), 0);
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof path, "%s/class/powercap/intel-rapl:0/%s",
		    f->dir, files[i][0]);
		assert_non_null(fp = fopen(path, "w"));
		fputs(files[i][1], fp);
		fclose(fp);
	}
	setenv("ECOPLAN_SYSFS_ROOT", f->dir, 1);
	mo.kind = PROF_METER_RAPL;
	mo.no_gpu = 1;
	if (prof_meter_open(&m, &mo, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(m.machine_wide, 1);
	snprintf(script, sizeof script, "E='%s/class/powercap/"
	    "intel-rapl:0/energy_uj'; "
	    "awk 'BEGIN { for (i = 0; i < 1000000; i++) s += i }'; "
	    "echo 3000000 >\"$E.t\" && mv \"$E.t\" \"$E\"; echo epoch; "
	    "awk 'BEGIN { for (i = 0; i < 1000000; i++) s += i }'; "
	    "echo 7000000 >\"$E.t\" && mv \"$E.t\" \"$E\"; echo epoch",
	    f->dir);
	o.argv = argv;
	o.epoch_marker = "^epoch$";
	o.out_fd = f->out_fd;
	o.err_fd = f->out_fd;
	assert_int_equal(prof_measure_run(&m, &o, &r, &err), 0);
	assert_int_equal(r.exit_status, 0);
	assert_int_equal(r.n_epochs, 2);
	assert_close(r.epochs[0].gross_joules, 2, 1e-9);
	assert_close(r.epochs[1].gross_joules, 4, 1e-9);
	assert_close(r.gross_joules, 6, 1e-9);
	for (i = 0; i < 2; i++)
		assert_true(r.epochs[i].joules >= 0 &&
		    r.epochs[i].joules <= r.epochs[i].gross_joules + 1e-12);
	assert_true(r.joules > 0 && r.joules <= 6 + 1e-12);
	assert_true(r.tree_share > 0 && r.tree_share <= 1);
	assert_true(r.cpu_secs > 0);
	prof_profile_init(&p);
	prof_measure_to_profile(&r, &m, &p);
	assert_string_equal(p.meter, "rapl");
	assert_false(p.estimated);
	assert_close(p.setup.gross_kwh, 2 / 3.6e6, 1e-15);
	assert_close(p.epoch_train.gross_kwh, 4 / 3.6e6, 1e-15);
	assert_contains(p.assumptions, "process tree share");
	prof_measure_release(&r);
	prof_meter_close(&m);
	unsetenv("ECOPLAN_SYSFS_ROOT");
}

/* The GPU meter alone: nothing claims a CPU share it did not count. */
static void
test_measure_gpu_only_note(void **state)
{
	struct prof_measure_result r;
	struct prof_meter m;
	struct prof_profile p;

	(void)state;
	memset(&r, 0, sizeof r);
	memset(&m, 0, sizeof m);
	r.joules = r.gross_joules = 3600;
	r.secs = 10;
	r.tree_share = 0.5;
	snprintf(m.kind, sizeof m.kind, "nvml");
	snprintf(m.gpu_kind, sizeof m.gpu_kind, "nvml");
	snprintf(m.assumptions, sizeof m.assumptions, "nvml: counter");
	m.machine_wide = 1;
	prof_profile_init(&p);
	prof_measure_to_profile(&r, &m, &p);
	assert_contains(p.assumptions, "GPU energy alone");
	assert_null(strstr(p.assumptions, "share of the CPU"));
	assert_close(p.epoch_train.kwh, 1e-3, 1e-12);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_measure_epochs_follow_work,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_measure_last_line_and_long_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_measure_stderr_scanned,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_measure_exit_status_and_signal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_measure_not_found, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_measure_bad_marker, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_measure_queries, setup,
		    teardown),
		cmocka_unit_test(test_measure_gpu_only_note),
		cmocka_unit_test_setup_teardown(test_measure_machine_wide_share,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
