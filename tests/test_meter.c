/*
 * Tests for the energy meters (profiles/meter*.c) and profiles/hwinfo:
 * RAPL on powercap fixture trees built at test time (packages, nested
 * and duplicate zones, hex indices, wraparound between reads and between
 * polls, unreadable counters), the perf PMU's sysfs parsing, NVML absent
 * and through a stub library compiled at test time, the estimate with
 * its TDP matching, and the ladder that ties them together.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/fsutil.h"
#include "core/mem.h"
#include "profiles/hwinfo.h"
#include "profiles/meter.h"
#include "profiles/meter_estimate.h"
#include "profiles/meter_nvml.h"
#include "profiles/meter_perf.h"
#include "profiles/meter_rapl.h"
#include "tests/test_util.h"

#define PC "class/powercap"

static char *tmp;		/* a fresh folder per test: the sysfs root */
static char *gtmp;		/* the group's folder: the NVML stub */
static char *stub;		/* path of the stub library, or NULL */

/*
 * A stand-in for libnvidia-ml.so.1: one GPU whose energy (mJ) or power
 * (mW) is the number in $FAKE_NVML_FILE; with FAKE_NVML_MODE=power it
 * has no energy counter, as before Volta.
 */
static const char stub_src[] =
    "#include <stdio.h>\n"
    "#include <stdlib.h>\n"
    "#include <string.h>\n"
    "static int dev;\n"
    "static unsigned long long val(void) {\n"
    "	const char *p = getenv(\"FAKE_NVML_FILE\");\n"
    "	unsigned long long v = 0;\n"
    "	FILE *f = p != NULL ? fopen(p, \"r\") : NULL;\n"
    "	if (f != NULL) { if (fscanf(f, \"%llu\", &v) != 1) v = 0;\n"
    "		fclose(f); }\n"
    "	return v;\n"
    "}\n"
    "static int power_only(void) {\n"
    "	const char *m = getenv(\"FAKE_NVML_MODE\");\n"
    "	return m != NULL && strcmp(m, \"power\") == 0;\n"
    "}\n"
    "int nvmlInit_v2(void) { return 0; }\n"
    "int nvmlShutdown(void) { return 0; }\n"
    "int nvmlDeviceGetCount_v2(unsigned *n) { *n = 1; return 0; }\n"
    "int nvmlDeviceGetHandleByIndex_v2(unsigned i, void **h) {\n"
    "	(void)i; *h = &dev; return 0; }\n"
    "int nvmlDeviceGetTotalEnergyConsumption(void *h,\n"
    "    unsigned long long *e) {\n"
    "	(void)h; if (power_only()) return 3; *e = val(); return 0; }\n"
    "int nvmlDeviceGetPowerUsage(void *h, unsigned *mw) {\n"
    "	(void)h; *mw = (unsigned)val(); return 0; }\n"
    "int nvmlDeviceGetName(void *h, char *b, unsigned n) {\n"
    "	(void)h; snprintf(b, n, \"Fake GPU 9000\"); return 0; }\n"
    "const char *nvmlErrorString(int r) {\n"
    "	return r == 3 ? \"Not Supported\" : \"Unknown Error\"; }\n";

static int
group_setup(void **state)
{
	struct ep_err err = EP_ERR_INIT;
	char *src, *cmd;

	(void)state;
	if ((gtmp = test_tmpdir()) == NULL)
		return -1;
	src = ep_xasprintf("%s/fake_nvml.c", gtmp);
	stub = ep_xasprintf("%s/libfake-nvml.so", gtmp);
	cmd = ep_xasprintf("cc -shared -fPIC -o '%s' '%s' 2>/dev/null", stub,
	    src);
	/* No compiler, or a /tmp that cannot map code: NVML stub tests skip. */
	if (ep_write_atomic(src, stub_src, sizeof stub_src - 1, 0644,
	    &err) < 0 || system(cmd) != 0) {
		free(stub);
		stub = NULL;
	} else {
		char name[128];

		setenv("ECOPLAN_NVML_LIB", stub, 1);
		if (prof_nvml_gpu_name(name, sizeof name) < 0) {
			free(stub);
			stub = NULL;
		}
		unsetenv("ECOPLAN_NVML_LIB");
	}
	free(cmd);
	free(src);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	test_rmtree(gtmp);
	free(gtmp);
	free(stub);
	return 0;
}

static int
setup(void **state)
{
	(void)state;
	if ((tmp = test_tmpdir()) == NULL)
		return -1;
	setenv("ECOPLAN_SYSFS_ROOT", tmp, 1);
	setenv("ECOPLAN_NVML_LIB", "/nonexistent/libnvidia-ml.so.1", 1);
	unsetenv("ECOPLAN_CPUINFO");
	unsetenv("FAKE_NVML_MODE");
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	test_rmtree(tmp);
	free(tmp);
	unsetenv("ECOPLAN_SYSFS_ROOT");
	unsetenv("ECOPLAN_CPUINFO");
	return 0;
}

/* Writes text to tmp/rel (mode 0644), making its folders. */
static void
put_mode(const char *rel, const char *text, mode_t mode)
{
	struct ep_err err = EP_ERR_INIT;
	char *path = ep_xasprintf("%s/%s", tmp, rel);
	char *dir = ep_xstrdup(path);

	*strrchr(dir, '/') = '\0';
	if (ep_mkdir_p(dir, 0755, &err) < 0 ||
	    ep_write_atomic(path, text, strlen(text), mode, &err) < 0)
		fail_msg("%s", err.msg);
	free(dir);
	free(path);
}

static void
put(const char *rel, const char *text)
{
	put_mode(rel, text, 0644);
}

/* A zone folder at tmp/class/powercap/rel. */
static void
zone(const char *rel, const char *name, unsigned long long energy_uj,
    unsigned long long range_uj)
{
	char *p, buf[64];

	p = ep_xasprintf("%s/%s/name", PC, rel);
	snprintf(buf, sizeof buf, "%s\n", name);
	put(p, buf);
	free(p);
	p = ep_xasprintf("%s/%s/energy_uj", PC, rel);
	snprintf(buf, sizeof buf, "%llu\n", energy_uj);
	put(p, buf);
	free(p);
	p = ep_xasprintf("%s/%s/max_energy_range_uj", PC, rel);
	snprintf(buf, sizeof buf, "%llu\n", range_uj);
	put(p, buf);
	free(p);
}

/* Rewrites a zone's counter (atomically, as a racing poll may read it). */
static void
set_energy(const char *rel, unsigned long long energy_uj)
{
	char *p = ep_xasprintf("%s/%s/energy_uj", PC, rel);
	char buf[32];

	snprintf(buf, sizeof buf, "%llu\n", energy_uj);
	put(p, buf);
	free(p);
}

/* A symlink tmp/class/powercap/name -> target, as sysfs has. */
static void
link_zone(const char *name, const char *target)
{
	char *p = ep_xasprintf("%s/%s/%s", tmp, PC, name);

	if (symlink(target, p) < 0)
		fail_msg("symlink %s: %s", p, strerror(errno));
	free(p);
}

static void
open_ok(struct prof_meter *m, enum prof_meter_kind kind)
{
	struct prof_meter_opts o = PROF_METER_OPTS_INIT;
	struct ep_err err = EP_ERR_INIT;

	o.kind = kind;
	if (prof_meter_open(m, &o, &err) < 0)
		fail_msg("open: %s", err.msg);
}

/* Opening kind fails with a message containing want. */
static void
open_bad(enum prof_meter_kind kind, const char *want)
{
	struct prof_meter_opts o = PROF_METER_OPTS_INIT;
	struct ep_err err = EP_ERR_INIT;
	struct prof_meter m;

	o.kind = kind;
	if (prof_meter_open(&m, &o, &err) == 0) {
		prof_meter_close(&m);
		fail_msg("opened a %s meter, want '%s'", m.kind, want);
	}
	assert_contains(err.msg, want);
	assert_null(m.impl);
}

static double
read_j(struct prof_meter *m)
{
	struct ep_err err = EP_ERR_INIT;
	double j = -1;

	if (prof_meter_read(m, &j, NULL, NULL, &err) < 0)
		fail_msg("read: %s", err.msg);
	return j;
}

static void
sleep_secs(double s)
{
	struct timespec ts;

	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Waits (at most 5 s) until the thread has made n more polls. */
static void
wait_polls(struct prof_meter *m, unsigned long n)
{
	unsigned long p0, p;
	double secs, t0 = ep_clock_mono();

	prof_meter_poll_stats(m, &p0, &secs);
	do {
		sleep_secs(0.01);
		prof_meter_poll_stats(m, &p, &secs);
		if (ep_clock_mono() - t0 > 5)
			fail_msg("the polling thread made %lu polls in 5 s",
			    p - p0);
	} while (p < p0 + n);
}

static void
test_kind_parse(void **state)
{
	(void)state;
	assert_int_equal(prof_meter_kind_parse("auto"), PROF_METER_AUTO);
	assert_int_equal(prof_meter_kind_parse("rapl"), PROF_METER_RAPL);
	assert_int_equal(prof_meter_kind_parse("perf"), PROF_METER_PERF);
	assert_int_equal(prof_meter_kind_parse("nvml"), PROF_METER_NVML);
	assert_int_equal(prof_meter_kind_parse("estimate"),
	    PROF_METER_ESTIMATE);
	assert_int_equal(prof_meter_kind_parse("RAPL"), -1);
	assert_int_equal(prof_meter_kind_parse(""), -1);
	assert_int_equal(prof_meter_kind_parse("rapl "), -1);
	assert_int_equal(prof_meter_kind_parse(NULL), -1);
}

static void
test_close_zeroed_is_safe(void **state)
{
	struct ep_err err = EP_ERR_INIT;
	struct prof_meter m;
	unsigned long polls;
	double j, secs;

	(void)state;
	memset(&m, 0, sizeof m);
	prof_meter_close(&m);
	prof_meter_close(&m);
	assert_int_equal(prof_meter_read(&m, &j, NULL, NULL, &err), -1);
	assert_contains(err.msg, "not open");
	prof_meter_poll_stats(&m, &polls, &secs);
	assert_int_equal(polls, 0);
}

static void
test_rapl_one_package(void **state)
{
	struct prof_meter m;

	(void)state;
	zone("intel-rapl:0", "package-0", 1000000, 262143999938ULL);
	open_ok(&m, PROF_METER_RAPL);
	assert_string_equal(m.kind, "rapl");
	assert_string_equal(m.domains, "package-0");
	assert_int_equal(m.machine_wide, 1);
	assert_int_equal(m.estimated, 0);
	assert_string_equal(m.gpu_kind, "");
	/* 262144 J at 1000 W wraps in 262 s: capped at the maximum. */
	assert_close(m.poll_secs, PROF_RAPL_POLL_MAX_SECS, 1e-12);
	assert_contains(m.assumptions, "polled every 5 s");
	assert_contains(m.ladder, "rapl requested");
	assert_close(read_j(&m), 0, 1e-12);
	set_energy("intel-rapl:0", 3500000);
	assert_close(read_j(&m), 2.5, 1e-9);
	set_energy("intel-rapl:0", 3500001);
	assert_close(read_j(&m), 2.500001, 1e-9);
	prof_meter_close(&m);
	assert_null(m.impl);
	prof_meter_close(&m);
}

/*
 * Two packages, each with core and dram subzones, plus psys and an MMIO
 * copy of package 0, laid out as sysfs does (subzones inside their
 * package, symlinked from the class folder for package 0 only): only
 * package and dram are summed.
 */
static void
test_rapl_two_packages_no_double_count(void **state)
{
	struct ep_err err = EP_ERR_INIT;
	struct prof_meter m;
	double j, c, g;

	(void)state;
	zone("intel-rapl:0", "package-0", 1000000, 262143999938ULL);
	zone("intel-rapl:0/intel-rapl:0:0", "core", 500, 262143999938ULL);
	zone("intel-rapl:0/intel-rapl:0:1", "uncore", 600, 262143999938ULL);
	zone("intel-rapl:0/intel-rapl:0:2", "dram", 300000, 65712999613ULL);
	zone("intel-rapl:1", "package-1", 2000000, 262143999938ULL);
	zone("intel-rapl:1/intel-rapl:1:0", "core", 700, 262143999938ULL);
	zone("intel-rapl:1/intel-rapl:1:1", "dram", 400000, 65712999613ULL);
	zone("intel-rapl:2", "psys", 9000000, 262143999938ULL);
	zone("intel-rapl-mmio:0", "package-0", 7000000, 262143999938ULL);
	put(PC "/intel-rapl/enabled", "1\n");	/* the control type */
	link_zone("intel-rapl:0:0", "intel-rapl:0/intel-rapl:0:0");
	link_zone("intel-rapl:0:2", "intel-rapl:0/intel-rapl:0:2");

	open_ok(&m, PROF_METER_RAPL);
	assert_string_equal(m.domains, "package-0,package-1,dram-0,dram-1");
	assert_contains(m.assumptions, "psys");
	assert_contains(m.assumptions, "core (inside a package)");
	assert_contains(m.assumptions, "uncore (inside a package)");
	assert_contains(m.assumptions, "intel-rapl-mmio");
	/* The shortest range is DRAM's 65713 J: 32.9 s at 1000 W, capped. */
	assert_close(m.poll_secs, 5, 1e-12);
	set_energy("intel-rapl:0", 2500000);			/* +1.5 J */
	set_energy("intel-rapl:1", 4500000);			/* +2.5 J */
	set_energy("intel-rapl:0/intel-rapl:0:2", 550000);	/* +0.25 */
	set_energy("intel-rapl:1/intel-rapl:1:1", 1150000);	/* +0.75 */
	set_energy("intel-rapl:0/intel-rapl:0:0", 1000500);	/* core */
	set_energy("intel-rapl:2", 109000000);			/* psys */
	set_energy("intel-rapl-mmio:0", 57000000);		/* mmio */
	if (prof_meter_read(&m, &j, &c, &g, &err) < 0)
		fail_msg("%s", err.msg);
	assert_close(j, 5.0, 1e-9);
	assert_close(c, 5.0, 1e-9);
	assert_close(g, 0, 0);
	prof_meter_close(&m);
}

/* Zone indices are hexadecimal: intel-rapl:a is the tenth package. */
static void
test_rapl_hex_index(void **state)
{
	struct prof_meter m;

	(void)state;
	zone("intel-rapl:9", "package-9", 100, 262143999938ULL);
	zone("intel-rapl:a", "package-10", 200, 262143999938ULL);
	zone("intel-rapl:a/intel-rapl:a:0", "dram", 300, 65712999613ULL);
	/* Not a zone name: ignored. */
	zone("intel-rapl:zz", "package-99", 0, 262143999938ULL);
	open_ok(&m, PROF_METER_RAPL);
	assert_string_equal(m.domains, "package-9,package-10,dram");
	set_energy("intel-rapl:9", 1000100);
	set_energy("intel-rapl:a", 2000200);
	set_energy("intel-rapl:a/intel-rapl:a:0", 3000300);
	assert_close(read_j(&m), 6.0, 1e-9);
	prof_meter_close(&m);
}

/* A counter that went down wrapped once: add max_energy_range_uj. */
static void
test_rapl_wraparound_between_reads(void **state)
{
	struct prof_meter m;

	(void)state;
	zone("intel-rapl:0", "package-0", 999000000, 1000000000);
	open_ok(&m, PROF_METER_RAPL);
	/* 1000 J at 1000 W wraps in 1 s: polled every 0.5 s. */
	assert_close(m.poll_secs, 0.5, 1e-12);
	set_energy("intel-rapl:0", 1000000);
	assert_close(read_j(&m), 2.0, 1e-9);
	set_energy("intel-rapl:0", 999000000);
	assert_close(read_j(&m), 1000.0, 1e-9);
	set_energy("intel-rapl:0", 0);
	assert_close(read_j(&m), 1001.0, 1e-9);
	prof_meter_close(&m);
}

/*
 * Two wraps between the caller's reads: only the polling thread sees
 * them. Without it the last read would show 50 J instead of 450 J.
 */
static void
test_rapl_two_wraps_seen_by_polling(void **state)
{
	struct prof_meter m;
	unsigned long polls;
	double secs;

	(void)state;
	zone("intel-rapl:0", "package-0", 0, 200000000);	/* 200 J */
	open_ok(&m, PROF_METER_RAPL);
	assert_close(m.poll_secs, 0.1, 1e-12);
	/* Two polls after each write: one may have read the old value. */
	set_energy("intel-rapl:0", 150000000);		/* +150 J */
	wait_polls(&m, 2);
	set_energy("intel-rapl:0", 100000000);		/* wrap: +150 J */
	wait_polls(&m, 2);
	set_energy("intel-rapl:0", 50000000);		/* wrap: +150 J */
	assert_close(read_j(&m), 450.0, 1e-9);
	prof_meter_poll_stats(&m, &polls, &secs);
	assert_true(polls >= 4);
	assert_true(secs >= 0 && secs < 1);
	prof_meter_close(&m);
}

/* A poll that fails (the zone vanished) is reported by the next read. */
static void
test_rapl_vanished_zone(void **state)
{
	struct ep_err err = EP_ERR_INIT;
	struct prof_meter m;
	char *p;
	double j;

	(void)state;
	zone("intel-rapl:0", "package-0", 0, 20000000);	/* polled 0.01 s */
	open_ok(&m, PROF_METER_RAPL);
	p = ep_xasprintf("%s/%s/intel-rapl:0/energy_uj", tmp, PC);
	assert_int_equal(unlink(p), 0);
	free(p);
	wait_polls(&m, 1);
	assert_int_equal(prof_meter_read(&m, &j, NULL, NULL, &err), -1);
	assert_contains(err.msg, "energy_uj: No such file");
	prof_meter_close(&m);
}

/*
 * The cost of polling: at the fastest interval (0.01 s) over 1 s, the
 * thread must spend well under 1% of the time in polls. Real counters
 * are polled every 5 s, 500 times less often.
 */
static void
test_rapl_poll_overhead(void **state)
{
	struct prof_meter m;
	unsigned long polls;
	double secs, t0;

	(void)state;
	zone("intel-rapl:0", "package-0", 0, 20000000);
	zone("intel-rapl:0/intel-rapl:0:0", "dram", 0, 20000000);
	zone("intel-rapl:1", "package-1", 0, 20000000);
	zone("intel-rapl:1/intel-rapl:1:0", "dram", 0, 20000000);
	t0 = ep_clock_mono();
	open_ok(&m, PROF_METER_RAPL);
	assert_close(m.poll_secs, PROF_RAPL_POLL_MIN_SECS, 1e-12);
	sleep_secs(1.0);
	prof_meter_poll_stats(&m, &polls, &secs);
	t0 = ep_clock_mono() - t0;
	prof_meter_close(&m);
	print_message("poll overhead: %lu polls of 4 zones in %.2f s, "
	    "%.1f us each, %.4f%% of the window\n", polls, t0,
	    1e6 * secs / (double)(polls > 0 ? polls : 1), 100 * secs / t0);
	assert_true(polls >= 20 && polls <= 110);
	/* Well under 1% here; 5% leaves room for a loaded machine. */
	assert_true(secs / t0 < 0.05);
}

static void
test_rapl_no_powercap(void **state)
{
	(void)state;
	open_bad(PROF_METER_RAPL, "rapl: ");
	open_bad(PROF_METER_RAPL, "/class/powercap: not found");
	open_bad(PROF_METER_RAPL, "virtual machines");
}

static void
test_rapl_bad_trees(void **state)
{
	(void)state;
	/* Only zones that are never summed. */
	zone("intel-rapl:0", "psys", 0, 262143999938ULL);
	open_bad(PROF_METER_RAPL, "no package zone (found: psys");
	/* A zone without its counter. */
	zone("intel-rapl:1", "package-0", 0, 262143999938ULL);
	{
		char *p = ep_xasprintf("%s/%s/intel-rapl:1/energy_uj", tmp,
		    PC);

		assert_int_equal(unlink(p), 0);
		free(p);
	}
	open_bad(PROF_METER_RAPL, "intel-rapl:1/energy_uj: No such file");
	/* A counter that is not a number. */
	put(PC "/intel-rapl:1/energy_uj", "12ab\n");
	open_bad(PROF_METER_RAPL, "energy_uj: not a counter: '12ab'");
	put(PC "/intel-rapl:1/energy_uj", "12\n");
	put(PC "/intel-rapl:1/max_energy_range_uj", "0\n");
	open_bad(PROF_METER_RAPL, "max_energy_range_uj: not a counter range");
}

/*
 * A DRAM zone whose counter cannot be read (ENODATA on some platforms;
 * here a folder, EISDIR) is left out; a package zone's is an error.
 */
static void
test_rapl_unreadable_dram_skipped(void **state)
{
	char *p;
	struct prof_meter m;

	(void)state;
	zone("intel-rapl:0", "package-0", 1000000, 262143999938ULL);
	zone("intel-rapl:0/intel-rapl:0:0", "dram", 0, 65712999613ULL);
	zone("intel-rapl:1", "package-1", 1000000, 262143999938ULL);
	zone("intel-rapl:1/intel-rapl:1:0", "dram", 0, 65712999613ULL);
	p = ep_xasprintf("%s/%s/intel-rapl:0/intel-rapl:0:0/energy_uj", tmp,
	    PC);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(mkdir(p, 0755), 0);
	free(p);
	open_ok(&m, PROF_METER_RAPL);
	assert_string_equal(m.domains, "package-0,package-1,dram-1");
	assert_contains(m.assumptions, "not summed: dram-0 (unreadable)");
	set_energy("intel-rapl:0", 2000000);
	set_energy("intel-rapl:1/intel-rapl:1:0", 500000);
	assert_close(read_j(&m), 1.5, 1e-9);
	prof_meter_close(&m);
	p = ep_xasprintf("%s/%s/intel-rapl:1/energy_uj", tmp, PC);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(mkdir(p, 0755), 0);
	free(p);
	open_bad(PROF_METER_RAPL, "intel-rapl:1/energy_uj: Is a directory");
}

/* Child side of the unreadable-counter test; exit status 0 on success. */
static int
unreadable_checks(void)
{
	struct prof_meter_opts o = PROF_METER_OPTS_INIT;
	struct ep_err err = EP_ERR_INIT;
	struct prof_meter m;
	long paranoid = 0;
	char *text = NULL;
	size_t len;

	o.kind = PROF_METER_RAPL;
	if (prof_meter_open(&m, &o, &err) == 0) {
		fprintf(stderr, "rapl opened an unreadable counter\n");
		return 1;
	}
	if (strstr(err.msg, "intel-rapl:0/energy_uj: readable only by root "
	    "since Linux 5.10 (CVE-2020-8694)") == NULL ||
	    strstr(err.msg, "sudo chmod a+r") == NULL) {
		fprintf(stderr, "message: %s\n", err.msg);
		return 2;
	}
	o.kind = PROF_METER_AUTO;
	if (prof_meter_open(&m, &o, &err) < 0 ||
	    strcmp(m.kind, "estimate") != 0 ||
	    strstr(m.ladder, "rapl: ") == NULL ||
	    strstr(m.ladder, "CVE-2020-8694") == NULL ||
	    strstr(m.ladder, "; perf: ") == NULL) {
		fprintf(stderr, "auto: %s / %s\n", err.msg, m.ladder);
		return 3;
	}
	prof_meter_close(&m);
	/*
	 * With a PMU in sysfs, an unprivileged perf_event_open is refused
	 * when perf_event_paranoid > 0, and the message says what to do.
	 */
	if (ep_read_file("/proc/sys/kernel/perf_event_paranoid", 64, &text,
	    &len, &err) == 0)
		paranoid = strtol(text, NULL, 10);
	free(text);
	if (paranoid > 0) {
		o.kind = PROF_METER_PERF;
		if (prof_meter_open(&m, &o, &err) == 0) {
			fprintf(stderr, "perf opened\n");
			return 4;
		}
		if (strstr(err.msg, "kernel.perf_event_paranoid is") == NULL ||
		    strstr(err.msg, "CAP_PERFMON") == NULL) {
			fprintf(stderr, "perf: %s\n", err.msg);
			return 5;
		}
	}
	return 0;
}

static void
perf_tree(const char *type)
{
	put("bus/event_source/devices/power/type", type);
	put("bus/event_source/devices/power/cpumask", "0\n");
	put("bus/event_source/devices/power/events/energy-pkg", "event=0x02\n");
	put("bus/event_source/devices/power/events/energy-pkg.scale",
	    "2.3283064365386962890625e-10\n");
	put("bus/event_source/devices/power/events/energy-pkg.unit",
	    "Joules\n");
	put("bus/event_source/devices/power/events/energy-ram", "event=0x03\n");
	put("bus/event_source/devices/power/events/energy-ram.scale",
	    "2.3283064365386962890625e-10\n");
}

/*
 * energy_uj readable only by root (mode 0400, as since Linux 5.10). Root
 * reads it anyway, so as root the checks run in a child that has become
 * nobody; otherwise a chmod 000 does it.
 */
static void
test_rapl_unreadable(void **state)
{
	int status;
	pid_t pid;

	(void)state;
	zone("intel-rapl:0", "package-0", 1000, 262143999938ULL);
	put_mode(PC "/intel-rapl:0/energy_uj", "1000\n", 0400);
	perf_tree("4242\n");
	assert_int_equal(chmod(tmp, 0755), 0);
	if (geteuid() != 0) {
		char *p = ep_xasprintf("%s/%s/intel-rapl:0/energy_uj", tmp, PC);
		FILE *f;

		assert_int_equal(chmod(p, 0), 0);
		f = fopen(p, "r");
		free(p);
		if (f != NULL) {
			fclose(f);
			skip();
		}
		assert_int_equal(unreadable_checks(), 0);
		return;
	}
	fflush(NULL);
	if ((pid = fork()) < 0)
		fail_msg("fork: %s", strerror(errno));
	if (pid == 0) {
		if (setgid(65534) < 0 || setuid(65534) < 0)
			_exit(77);
		_exit(unreadable_checks());
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77)
		skip();
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* No powercap and no PMU: auto falls to the estimate and says why. */
static void
test_ladder_falls_to_estimate(void **state)
{
	struct prof_meter m;

	(void)state;
	open_ok(&m, PROF_METER_AUTO);
	assert_string_equal(m.kind, "estimate");
	assert_int_equal(m.estimated, 1);
	assert_int_equal(m.machine_wide, 0);
	assert_string_equal(m.domains, "cpu,ram");
	assert_string_equal(m.gpu_kind, "");
	assert_contains(m.ladder, "rapl: ");
	assert_contains(m.ladder, "/class/powercap: not found");
	assert_contains(m.ladder, "; perf: ");
	assert_contains(m.ladder, "/bus/event_source/devices/power: not "
	    "found");
	assert_contains(m.ladder, "; nvml: /nonexistent/libnvidia-ml.so.1");
	assert_close(m.poll_secs, 0, 0);
	assert_true(read_j(&m) >= 0);
	prof_meter_close(&m);
}

/* A readable powercap wins over the rest of the ladder. */
static void
test_ladder_takes_rapl(void **state)
{
	struct prof_meter m;

	(void)state;
	zone("intel-rapl:0", "package-0", 0, 262143999938ULL);
	perf_tree("4242\n");
	open_ok(&m, PROF_METER_AUTO);
	assert_string_equal(m.kind, "rapl");
	assert_int_equal(m.machine_wide, 1);
	assert_false(strstr(m.ladder, "rapl:") != NULL);
	assert_false(strstr(m.ladder, "perf:") != NULL);
	assert_contains(m.ladder, "nvml: ");
	prof_meter_close(&m);
}

static void
test_perf_parse(void **state)
{
	struct ep_err err = EP_ERR_INIT;
	unsigned long long c = 0;
	int cpus[8];

	(void)state;
	assert_int_equal(prof_perf_parse_event("event=0x02", &c, &err), 0);
	assert_int_equal(c, 2);
	assert_int_equal(prof_perf_parse_event("event=0x03\n", &c, &err), 0);
	assert_int_equal(c, 3);
	assert_int_equal(prof_perf_parse_event("event=5", &c, &err), 0);
	assert_int_equal(c, 5);
	assert_int_equal(prof_perf_parse_event("event=0x02,umask=0x1", &c,
	    &err), -1);
	assert_contains(err.msg, "only the event term");
	assert_int_equal(prof_perf_parse_event("config=1", &c, &err), -1);
	assert_int_equal(prof_perf_parse_event("event=", &c, &err), -1);
	assert_int_equal(prof_perf_parse_event("event=zz", &c, &err), -1);

	assert_int_equal(prof_perf_parse_cpus("0\n", cpus, 8, &err), 1);
	assert_int_equal(cpus[0], 0);
	assert_int_equal(prof_perf_parse_cpus("0,28", cpus, 8, &err), 2);
	assert_int_equal(cpus[1], 28);
	assert_int_equal(prof_perf_parse_cpus("0-3,8", cpus, 8, &err), 5);
	assert_int_equal(cpus[3], 3);
	assert_int_equal(cpus[4], 8);
	assert_int_equal(prof_perf_parse_cpus("0-9", cpus, 8, &err), -1);
	assert_contains(err.msg, "more than 8 CPUs");
	assert_int_equal(prof_perf_parse_cpus("", cpus, 8, &err), -1);
	assert_int_equal(prof_perf_parse_cpus("a", cpus, 8, &err), -1);
	assert_int_equal(prof_perf_parse_cpus("3-1", cpus, 8, &err), -1);
	assert_int_equal(prof_perf_parse_cpus("1,", cpus, 8, &err), 1);
}

/*
 * A well-formed PMU in sysfs with a type the kernel does not have: the
 * files are parsed, then perf_event_open fails (no such PMU, or not
 * permitted) with a message naming the event.
 */
static void
test_perf_fixture_open_fails_clearly(void **state)
{
	struct prof_meter_opts o = PROF_METER_OPTS_INIT;
	struct ep_err err = EP_ERR_INIT;
	struct prof_meter m;

	(void)state;
	perf_tree("4242\n");
	o.kind = PROF_METER_PERF;
	assert_int_equal(prof_meter_open(&m, &o, &err), -1);
	assert_contains(err.msg, "perf: perf_event_open power/energy-pkg/");
	if (strstr(err.msg, "Permission denied") != NULL ||
	    strstr(err.msg, "not permitted") != NULL)
		/* Unprivileged, or a container that blocks the call. */
		assert_contains(err.msg, geteuid() == 0 ? "seccomp" :
		    "perf_event_paranoid");
	else
		assert_contains(err.msg, "(type 4242, config 0x2) on cpu 0: "
		    "No such file or directory");
}

static void
test_perf_bad_trees(void **state)
{
	(void)state;
	open_bad(PROF_METER_PERF, "devices/power: not found: no RAPL perf "
	    "PMU");
	perf_tree("x\n");
	open_bad(PROF_METER_PERF, "devices/power/type: 'x'");
	perf_tree("4242\n");
	put("bus/event_source/devices/power/events/energy-pkg", "evt=2\n");
	open_bad(PROF_METER_PERF, "events/energy-pkg: 'evt=2': expected "
	    "event=<number>");
	perf_tree("4242\n");
	put("bus/event_source/devices/power/events/energy-pkg.unit",
	    "Watts\n");
	open_bad(PROF_METER_PERF, "unit 'Watts', expected 'Joules'");
	perf_tree("4242\n");
	put("bus/event_source/devices/power/events/energy-pkg.scale", "-1\n");
	open_bad(PROF_METER_PERF, "energy-pkg.scale");
	perf_tree("4242\n");
	put("bus/event_source/devices/power/cpumask", "\n");
	open_bad(PROF_METER_PERF, "cpumask: '': empty CPU list");
	perf_tree("4242\n");
	{
		char *p = ep_xasprintf("%s/bus/event_source/devices/power/"
		    "events/energy-pkg", tmp);

		assert_int_equal(unlink(p), 0);
		free(p);
	}
	open_bad(PROF_METER_PERF, "events/energy-pkg: not found");
	/* As an H200 machine's virtual machine has it: psys alone, with
	 * a counter that stays at 0. It is named, and not used. */
	put("bus/event_source/devices/power/events/energy-psys",
	    "event=0x05\n");
	put("bus/event_source/devices/power/events/energy-psys.scale",
	    "2.3283064365386962890625e-10\n");
	{
		char *p = ep_xasprintf("%s/bus/event_source/devices/power/"
		    "events/energy-ram", tmp);

		assert_int_equal(unlink(p), 0);
		free(p);
	}
	open_bad(PROF_METER_PERF, "has no package counter (found: "
	    "energy-psys)");
}

static void
test_nvml_absent(void **state)
{
	struct prof_meter_opts o = PROF_METER_OPTS_INIT;
	struct ep_err err = EP_ERR_INIT;
	struct prof_meter m;
	char name[128] = "x";

	(void)state;
	open_bad(PROF_METER_NVML, "nvml: /nonexistent/libnvidia-ml.so.1");
	open_bad(PROF_METER_NVML, "(no NVIDIA driver)");
	assert_int_equal(prof_nvml_gpu_name(name, sizeof name), -1);
	assert_string_equal(name, "");
	/* no_gpu: not even tried. */
	o.no_gpu = 1;
	if (prof_meter_open(&m, &o, &err) < 0)
		fail_msg("%s", err.msg);
	assert_false(strstr(m.ladder, "nvml") != NULL);
	prof_meter_close(&m);
}

/* Points the NVML loader at the stub, with the given counter value. */
static int
use_stub(const char *mode, const char *value)
{
	char *f;

	if (stub == NULL)
		return -1;
	f = ep_xasprintf("%s/nvml_value", tmp);
	setenv("ECOPLAN_NVML_LIB", stub, 1);
	setenv("FAKE_NVML_FILE", f, 1);
	if (mode != NULL)
		setenv("FAKE_NVML_MODE", mode, 1);
	free(f);
	put("nvml_value", value);
	return 0;
}

/* A GPU with the energy counter (mJ) on its own and added to the CPU. */
static void
test_nvml_energy_counter(void **state)
{
	struct ep_err err = EP_ERR_INIT;
	struct prof_meter m;
	double j, c, g;

	(void)state;
	if (use_stub(NULL, "5000\n") < 0)
		skip();
	open_ok(&m, PROF_METER_NVML);
	assert_string_equal(m.kind, "nvml");
	assert_string_equal(m.gpu_kind, "nvml");
	assert_string_equal(m.domains, "gpu-0");
	assert_int_equal(m.machine_wide, 1);
	assert_close(m.poll_secs, 0, 0);
	assert_contains(m.assumptions, "total-energy counter (mJ) of 1 GPU");
	put("nvml_value", "7500\n");
	if (prof_meter_read(&m, &j, &c, &g, &err) < 0)
		fail_msg("%s", err.msg);
	assert_close(j, 2.5, 1e-12);
	assert_close(c, 0, 0);
	assert_close(g, 2.5, 1e-12);
	prof_meter_close(&m);

	/* Auto: the estimate plus the GPU, never the GPU instead. */
	put("nvml_value", "1000\n");
	open_ok(&m, PROF_METER_AUTO);
	assert_string_equal(m.kind, "estimate");
	assert_string_equal(m.gpu_kind, "nvml");
	assert_string_equal(m.domains, "cpu,ram,gpu-0");
	assert_contains(m.assumptions, "; nvml: total-energy counter");
	put("nvml_value", "4000\n");
	if (prof_meter_read(&m, &j, &c, &g, &err) < 0)
		fail_msg("%s", err.msg);
	assert_close(g, 3.0, 1e-12);
	assert_true(c >= 0);
	assert_close(j, c + g, 1e-12);
	prof_meter_close(&m);
}

/* A GPU without the counter: power sampled every 0.1 s, integrated. */
static void
test_nvml_power_sampling(void **state)
{
	struct ep_err err = EP_ERR_INIT;
	struct prof_meter m;
	unsigned long polls;
	double j, c, g, t0, t1, t2, t3, secs;

	(void)state;
	if (use_stub("power", "100000\n") < 0)	/* 100 W */
		skip();
	t0 = ep_clock_mono();
	open_ok(&m, PROF_METER_NVML);
	t1 = ep_clock_mono();
	assert_close(m.poll_secs, PROF_NVML_POLL_SECS, 1e-12);
	assert_contains(m.assumptions, "sampled every 0.1 s");
	sleep_secs(0.35);
	t2 = ep_clock_mono();
	if (prof_meter_read(&m, &j, &c, &g, &err) < 0)
		fail_msg("%s", err.msg);
	t3 = ep_clock_mono();
	prof_meter_poll_stats(&m, &polls, &secs);
	prof_meter_close(&m);
	assert_true(polls >= 2);
	assert_true(g >= 100 * (t2 - t1) - 1e-9);
	assert_true(g <= 100 * (t3 - t0) + 1e-9);
	assert_close(j, g, 0);
}

static void
test_hwinfo(void **state)
{
	struct ep_err err = EP_ERR_INIT;
	struct prof_hwinfo h;
	char *path;

	(void)state;
	put("cpuinfo", "processor\t: 0\nmodel name\t: Intel(R) Core(TM) "
	    "i7-10850H   CPU @ 2.70GHz\nsiblings\t: 2\n\n");
	path = ep_xasprintf("%s/cpuinfo", tmp);
	setenv("ECOPLAN_CPUINFO", path, 1);
	free(path);
	assert_int_equal(prof_hwinfo_get(&h, &err), 0);
	assert_string_equal(h.cpu, "Intel(R) Core(TM) i7-10850H CPU @ 2.70GHz");
	assert_true(h.threads >= 1);
	assert_true(h.ram_gb > 0.1);
	assert_string_equal(h.gpu, "");
	assert_true(strncmp(h.os, "Linux ", 6) == 0);
	assert_true(strncmp(h.compiler, "gcc ", 4) == 0 ||
	    strncmp(h.compiler, "clang ", 6) == 0);
	assert_true(h.host[0] != '\0');
	if (use_stub(NULL, "0\n") == 0) {
		assert_int_equal(prof_hwinfo_get(&h, &err), 0);
		assert_string_equal(h.gpu, "Fake GPU 9000");
	}
	/* No model name (some ARM kernels): the machine type. */
	put("cpuinfo", "processor\t: 0\nBogoMIPS\t: 48.00\n");
	assert_int_equal(prof_hwinfo_get(&h, &err), 0);
	assert_true(h.cpu[0] != '\0');
}

/*
 * A busy loop of ~0.2 s with given powers: E = cpu s x W + wall s x W,
 * bounded by the clocks read just outside and just inside the meter.
 */
static void
test_estimate_busy_loop(void **state)
{
	struct prof_meter_opts o = PROF_METER_OPTS_INIT;
	struct ep_err err = EP_ERR_INIT;
	struct prof_meter m;
	volatile double x = 0;
	double c0, w0, c0b, w0b, c1a, w1a, c1, w1, j;
	long i;

	(void)state;
	o.kind = PROF_METER_ESTIMATE;
	o.cpu_watts = 10;
	o.ram_watts = 2;
	c0 = ep_clock_cpu();
	w0 = ep_clock_mono();
	if (prof_meter_open(&m, &o, &err) < 0)
		fail_msg("%s", err.msg);
	c0b = ep_clock_cpu();
	w0b = ep_clock_mono();
	assert_string_equal(m.kind, "estimate");
	assert_int_equal(m.estimated, 1);
	assert_int_equal(m.machine_wide, 0);
	assert_string_equal(m.domains, "cpu,ram");
	assert_contains(m.assumptions, "cpu: 10 W/thread (given)");
	assert_contains(m.assumptions, "ram: 2 W (given)");
	assert_string_equal(m.ladder, "estimate requested; nvml: "
	    "/nonexistent/libnvidia-ml.so.1: cannot open shared object file: "
	    "No such file or directory (no NVIDIA driver)");
	while (ep_clock_cpu() - c0b < 0.2)
		for (i = 0; i < 10000; i++)
			x += 1e-9 * (double)i;
	c1a = ep_clock_cpu();
	w1a = ep_clock_mono();
	j = read_j(&m);
	c1 = ep_clock_cpu();
	w1 = ep_clock_mono();
	prof_meter_close(&m);
	assert_true(x > 0);
	assert_true(j >= 10 * (c1a - c0b) + 2 * (w1a - w0b) - 1e-9);
	assert_true(j <= 10 * (c1 - c0) + 2 * (w1 - w0) + 1e-9);
	assert_true(j > 2.0);
}

/* Without overrides: the RAM part follows this process's memory. */
static void
test_estimate_resident_memory(void **state)
{
	struct prof_meter_opts o = PROF_METER_OPTS_INIT;
	struct ep_err err = EP_ERR_INIT;
	struct prof_meter m;
	double j, t0;

	(void)state;
	o.kind = PROF_METER_ESTIMATE;
	o.cpu_watts = 1e-9;	/* leaves the RAM part alone */
	t0 = ep_clock_mono();
	if (prof_meter_open(&m, &o, &err) < 0)
		fail_msg("%s", err.msg);
	assert_contains(m.assumptions, "ram: 0.375 W/GB of this process's "
	    "resident memory (current, /proc/self/statm");
	sleep_secs(0.1);
	j = read_j(&m);
	prof_meter_close(&m);
	/* A test binary holds a few MiB: far under 1 GiB for 0.1 s. */
	assert_true(j > 0);
	assert_true(j < 0.375 * (ep_clock_mono() - t0));
}

static void
tdp_is(const char *model, double watts, const char *entry)
{
	struct ep_err err = EP_ERR_INIT;
	char name[128];
	double w = 0;
	int r = prof_tdp_lookup(model, &w, name, sizeof name, &err);

	if (r != 1)
		fail_msg("'%s': %s", model, r < 0 ? err.msg : "no match");
	assert_close(w, watts, 1e-9);
	assert_string_equal(name, entry);
}

static void
tdp_none(const char *model)
{
	struct ep_err err = EP_ERR_INIT;
	char name[128] = "";
	double w = -1;

	if (prof_tdp_lookup(model, &w, name, sizeof name, &err) != 0)
		fail_msg("'%s' matched '%s' (%g W)", model, name, w);
}

static void
test_tdp_matching(void **state)
{
	(void)state;
	tdp_is("Intel(R) Core(TM) i7-10850H CPU @ 2.70GHz", 45,
	    "Intel Core i7-10850H");
	tdp_is("AMD EPYC 7763 64-Core Processor", 280, "AMD EPYC 7763");
	tdp_is("Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz", 300,
	    "Intel Xeon Platinum 8375C");
	tdp_is("intel(r) xeon(r) platinum 8375c cpu @ 2.90ghz", 300,
	    "Intel Xeon Platinum 8375C");
	tdp_is("11th Gen Intel(R) Core(TM) i7-1165G7 @ 2.80GHz", 28,
	    "Intel Core i7-1165G7");
	tdp_is("AMD Ryzen 9 5950X 16-Core Processor", 105,
	    "AMD Ryzen 9 5950X");
	tdp_is("Intel(R) Xeon(R) CPU E5-2686 v4 @ 2.30GHz", 145,
	    "Intel Xeon E5-2686 v4");
	tdp_none("AMD EPYC");
	tdp_none("Intel(R) Xeon(R) CPU @ 2.20GHz");
	tdp_none("");
	tdp_none("Intel Core i7-99999X");
	/* Malformed TDP rows ("27.29.5") are skipped, not matched. */
	tdp_none("Intel Celeron 1000A");
}

/* The estimate's thread power from a cpuinfo fixture. */
static void
estimate_with(const char *cpuinfo, const char *want)
{
	struct prof_meter m;
	char *path;

	put("cpuinfo", cpuinfo);
	path = ep_xasprintf("%s/cpuinfo", tmp);
	setenv("ECOPLAN_CPUINFO", path, 1);
	free(path);
	open_ok(&m, PROF_METER_ESTIMATE);
	assert_contains(m.assumptions, want);
	prof_meter_close(&m);
}

static void
test_estimate_tdp_from_cpuinfo(void **state)
{
	(void)state;
	estimate_with("processor\t: 0\nmodel name\t: Intel(R) Core(TM) "
	    "i7-10850H CPU @ 2.70GHz\nphysical id\t: 0\nsiblings\t: 2\n"
	    "flags\t\t: fpu vme sse2\n\nprocessor\t: 1\nmodel name\t: "
	    "Intel(R) Core(TM) i7-10850H CPU @ 2.70GHz\nphysical id\t: 0\n"
	    "siblings\t: 2\n",
	    "cpu: 22.5 W/thread from TDP 45 W of 'Intel Core i7-10850H' "
	    "(CodeCarbon cpu_power.csv) over 2 threads");
	/* Two packages of 2 threads: the TDP is per package. */
	estimate_with("processor\t: 0\nmodel name\t: Intel(R) Xeon(R) "
	    "Platinum 8375C CPU @ 2.90GHz\nphysical id\t: 0\nsiblings\t: 2\n"
	    "\nprocessor\t: 1\nphysical id\t: 0\n\nprocessor\t: 2\n"
	    "physical id\t: 1\n\nprocessor\t: 3\nphysical id\t: 1\n",
	    "cpu: 150 W/thread from TDP 300 W of 'Intel Xeon Platinum 8375C'");
	/* A VM's 2 vCPUs of a 64-core EPYC: 128 threads share the TDP. */
	estimate_with("processor\t: 0\nmodel name\t: AMD EPYC 7763 64-Core "
	    "Processor\nsiblings\t: 2\nflags\t\t: fpu hypervisor lahf_lm\n",
	    "cpu: 2.188 W/thread from TDP 280 W of 'AMD EPYC 7763' "
	    "(CodeCarbon cpu_power.csv) over 128 threads (virtual machine");
	/* A VM with no core count in the name: the fallback. */
	estimate_with("processor\t: 0\nmodel name\t: Intel(R) Xeon(R) "
	    "Platinum 8375C CPU @ 2.90GHz\nsiblings\t: 2\nflags\t\t: "
	    "hypervisor\n",
	    "cpu: 4 W/thread (CodeCarbon's fallback: a virtual machine");
	/* This machine's kind of CPU name: no model number. */
	estimate_with("processor\t: 0\nmodel name\t: AMD EPYC\nsiblings\t: 2\n"
	    "flags\t\t: fpu hypervisor\n",
	    "cpu: 4 W/thread (CodeCarbon's fallback: 'AMD EPYC' is not in "
	    "cpu_power.csv)");
	/* No cpuinfo at all: still an estimate, saying why. */
	setenv("ECOPLAN_CPUINFO", "/nonexistent/cpuinfo", 1);
	{
		struct prof_meter m;

		open_ok(&m, PROF_METER_ESTIMATE);
		assert_contains(m.assumptions, "cpu: 4 W/thread (CodeCarbon's "
		    "fallback: /nonexistent/cpuinfo: No such file");
		prof_meter_close(&m);
	}
}

static void
test_cpuinfo_read(void **state)
{
	struct ep_err err = EP_ERR_INIT;
	struct prof_cpuinfo ci;
	char *path;

	(void)state;
	put("cpuinfo", "processor\t: 0\nmodel name\t: AMD   EPYC 7763 64-Core "
	    "Processor  \nphysical id\t: 0\nsiblings\t: 4\nflags\t\t: fpu "
	    "hypervisor\n\nprocessor\t: 1\nphysical id\t: 3\n");
	path = ep_xasprintf("%s/cpuinfo", tmp);
	setenv("ECOPLAN_CPUINFO", path, 1);
	free(path);
	assert_int_equal(prof_cpuinfo_read(&ci, &err), 0);
	assert_string_equal(ci.model, "AMD EPYC 7763 64-Core Processor");
	assert_int_equal(ci.threads, 4);
	assert_int_equal(ci.packages, 2);
	assert_int_equal(ci.cores_in_name, 64);
	assert_int_equal(ci.hypervisor, 1);
	/* No siblings line: CPUs listed over packages. */
	put("cpuinfo", "processor\t: 0\nprocessor\t: 1\nprocessor\t: 2\n");
	assert_int_equal(prof_cpuinfo_read(&ci, &err), 0);
	assert_string_equal(ci.model, "");
	assert_int_equal(ci.threads, 3);
	assert_int_equal(ci.packages, 1);
	assert_int_equal(ci.hypervisor, 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_kind_parse),
		T(test_close_zeroed_is_safe),
		T(test_rapl_one_package),
		T(test_rapl_two_packages_no_double_count),
		T(test_rapl_hex_index),
		T(test_rapl_wraparound_between_reads),
		T(test_rapl_two_wraps_seen_by_polling),
		T(test_rapl_vanished_zone),
		T(test_rapl_poll_overhead),
		T(test_rapl_no_powercap),
		T(test_rapl_bad_trees),
		T(test_rapl_unreadable),
		T(test_rapl_unreadable_dram_skipped),
		T(test_ladder_falls_to_estimate),
		T(test_ladder_takes_rapl),
		T(test_perf_parse),
		T(test_perf_fixture_open_fails_clearly),
		T(test_perf_bad_trees),
		T(test_nvml_absent),
		T(test_nvml_energy_counter),
		T(test_nvml_power_sampling),
		T(test_hwinfo),
		T(test_estimate_busy_loop),
		T(test_estimate_resident_memory),
		T(test_tdp_matching),
		T(test_estimate_tdp_from_cpuinfo),
		T(test_cpuinfo_read),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
