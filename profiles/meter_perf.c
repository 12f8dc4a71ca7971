/*
 * The perf meter: RAPL through the perf_event "power" PMU. Counts are
 * kept by the kernel in 64 bits and converted to joules with the scale
 * sysfs gives for each event (2^-32 J on every CPU so far).
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/perf_event.h>

#include "core/fsutil.h"
#include "core/mem.h"
#include "core/num.h"
#include "profiles/meter_perf.h"
#include "core/banned.h"

#define SYSFS_MAX 65536
#define PARANOID_PATH "/proc/sys/kernel/perf_event_paranoid"

struct perf_ev {
	int fd;
	uint64_t start;		/* count at open */
	double scale;		/* joules per count */
};

struct prof_perf {
	struct perf_ev *ev;
	size_t n;
};

/* One event of the PMU as sysfs describes it. */
struct ev_desc {
	const char *name;	/* "energy-pkg" */
	const char *label;	/* "package" */
	unsigned long long config;
	double scale;
};

int
prof_perf_parse_event(const char *s, unsigned long long *config,
    struct ep_err *err)
{
	unsigned long long v;
	const char *p = s;
	char *end;

	if (strncmp(p, "event=", 6) != 0)
		return ep_fail(err, EP_EPARSE, "'%s': expected event=<number>",
		    s);
	p += 6;
	if (*p < '0' || *p > '9')
		return ep_fail(err, EP_EPARSE, "'%s': expected event=<number>",
		    s);
	errno = 0;
	v = strtoull(p, &end, 0);
	if (errno != 0 || end == p)
		return ep_fail(err, EP_EPARSE, "'%s': bad event number", s);
	while (*end == '\n' || *end == ' ')
		end++;
	if (*end != '\0')
		return ep_fail(err, EP_EPARSE, "'%s': only the event term is "
		    "supported", s);
	*config = v;
	return 0;
}

int
prof_perf_parse_cpus(const char *s, int *cpus, int max, struct ep_err *err)
{
	const char *p = s;
	int n = 0;

	while (*p != '\0' && *p != '\n') {
		long lo, hi, c;
		char *end;

		if (*p < '0' || *p > '9')
			return ep_fail(err, EP_EPARSE, "'%s': bad CPU list", s);
		errno = 0;
		lo = strtol(p, &end, 10);
		hi = lo;
		if (errno != 0 || lo > 1L << 20)
			return ep_fail(err, EP_EPARSE, "'%s': bad CPU list", s);
		if (*end == '-') {
			p = end + 1;
			if (*p < '0' || *p > '9')
				return ep_fail(err, EP_EPARSE, "'%s': bad CPU "
				    "list", s);
			hi = strtol(p, &end, 10);
			if (errno != 0 || hi < lo || hi > 1L << 20)
				return ep_fail(err, EP_EPARSE, "'%s': bad CPU "
				    "list", s);
		}
		for (c = lo; c <= hi; c++) {
			if (n >= max)
				return ep_fail(err, EP_ERANGE, "'%s': more "
				    "than %d CPUs", s, max);
			cpus[n++] = (int)c;
		}
		p = end;
		if (*p == ',')
			p++;
		else if (*p != '\0' && *p != '\n')
			return ep_fail(err, EP_EPARSE, "'%s': bad CPU list", s);
	}
	if (n == 0)
		return ep_fail(err, EP_EPARSE, "'%s': empty CPU list", s);
	return n;
}

/* Reads a sysfs file of the PMU into a new string, trailing newline cut. */
static char *
read_text(const char *path, struct ep_err *err)
{
	char *buf = NULL;
	size_t len = 0;

	if (ep_read_file(path, SYSFS_MAX, &buf, &len, err) < 0)
		return NULL;
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
		buf[--len] = '\0';
	return buf;
}

/*
 * Reads event name's config and scale from base/events. Returns 1 when
 * the event is listed, 0 when it is not (ok only for optional events),
 * -1 on a malformed description.
 */
static int
read_event(const char *base, struct ev_desc *e, struct ep_err *err)
{
	char *path = ep_xasprintf("%s/events/%s", base, e->name);
	char *text = NULL;
	struct stat st;
	int ret = -1;

	if (stat(path, &st) < 0) {
		ret = 0;
		goto out;
	}
	if ((text = read_text(path, err)) == NULL)
		goto out;
	if (prof_perf_parse_event(text, &e->config, err) < 0) {
		ep_err_prefix(err, "%s", path);
		goto out;
	}
	free(text);
	free(path);
	path = ep_xasprintf("%s/events/%s.scale", base, e->name);
	if ((text = read_text(path, err)) == NULL)
		goto out;
	if (ep_parse_double(text, 1e-30, 1e6, &e->scale, err) < 0) {
		ep_err_prefix(err, "%s", path);
		goto out;
	}
	free(text);
	free(path);
	/* The unit is optional; when given it must be joules. */
	path = ep_xasprintf("%s/events/%s.unit", base, e->name);
	text = NULL;
	if (stat(path, &st) == 0) {
		if ((text = read_text(path, err)) == NULL)
			goto out;
		if (strcmp(text, "Joules") != 0) {
			ep_fail(err, EP_EPARSE, "%s: unit '%s', expected "
			    "'Joules'", path, text);
			goto out;
		}
	}
	ret = 1;
out:
	free(text);
	free(path);
	return ret;
}

/* kernel.perf_event_paranoid, or 99 when it cannot be read. */
static long
paranoid_level(void)
{
	struct ep_err err = EP_ERR_INIT;
	char *text = read_text(PARANOID_PATH, &err);
	long v = 99;

	if (text != NULL && ep_parse_long(text, -10, 10, &v, &err) < 0)
		v = 99;
	free(text);
	return v;
}

/* Opens one system-wide counting event on cpu; fills err on failure. */
static int
open_event(int type, const struct ev_desc *e, int cpu, struct ep_err *err)
{
	struct perf_event_attr attr;
	unsigned long flags = 0;
	long fd;
	int saved;

	memset(&attr, 0, sizeof attr);
	attr.type = (uint32_t)type;
	attr.size = sizeof attr;
	attr.config = e->config;
#ifdef PERF_FLAG_FD_CLOEXEC
	flags = PERF_FLAG_FD_CLOEXEC;
#endif
	fd = syscall(SYS_perf_event_open, &attr, -1, cpu, -1, flags);
	if (fd >= 0)
		return (int)fd;
	saved = errno;
	if ((saved == EACCES || saved == EPERM) && geteuid() == 0)
		return ep_fail(err, EP_EIO, "perf_event_open power/%s/ on cpu "
		    "%d: %s (refused to root: a container's seccomp profile or "
		    "a security module blocks perf_event_open)", e->name, cpu,
		    strerror(saved));
	if (saved == EACCES || saved == EPERM) {
		long lvl = paranoid_level();

		if (lvl != 99)
			return ep_fail(err, EP_EIO, "perf_event_open power/%s/ "
			    "on cpu %d: %s (kernel.perf_event_paranoid is %ld; "
			    "needs <= 0 or CAP_PERFMON: run as root or `sudo "
			    "sysctl kernel.perf_event_paranoid=0`)", e->name,
			    cpu, strerror(saved), lvl);
		return ep_fail(err, EP_EIO, "perf_event_open power/%s/ on cpu "
		    "%d: %s (needs kernel.perf_event_paranoid <= 0 or "
		    "CAP_PERFMON)", e->name, cpu, strerror(saved));
	}
	return ep_fail(err, EP_EIO, "perf_event_open power/%s/ (type %d, "
	    "config 0x%llx) on cpu %d: %s", e->name, type, e->config, cpu,
	    strerror(saved));
}

/* Reads an event's 64-bit count. */
static int
read_count(int fd, uint64_t *v, struct ep_err *err)
{
	ssize_t n;
	int saved;

	do
		n = read(fd, v, sizeof *v);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof *v) {
		saved = n < 0 ? errno : EIO;
		return ep_fail(err, EP_EIO, "perf: reading a power counter: %s",
		    strerror(saved));
	}
	return 0;
}

/* Appends s to buf after a comma when buf is not empty. */
static void
append(char *buf, size_t len, const char *s)
{
	size_t used = strlen(buf);
	int n;

	n = snprintf(buf + used, len - used, "%s%s", used > 0 ? "," : "", s);
	if ((n < 0 || (size_t)n >= len - used) && len > 4)
		memcpy(buf + len - 4, "...", 4);
}

/*
 * The energy events base/events lists, comma-separated, into buf (for
 * the message that says why none of them is used).
 */
static void
list_events(const char *base, char *buf, size_t len)
{
	char *path = ep_xasprintf("%s/events", base);
	DIR *d = opendir(path);
	struct dirent *de;
	size_t n = 0;

	buf[0] = '\0';
	while (d != NULL && (de = readdir(d)) != NULL && n++ < 64)
		if (strncmp(de->d_name, "energy-", 7) == 0 &&
		    strchr(de->d_name, '.') == NULL)
			append(buf, len, de->d_name);
	if (d != NULL)
		closedir(d);
	free(path);
}

int
prof_perf_open(struct prof_perf **out, const char *root, char *domains,
    size_t domains_len, char *notes, size_t notes_len, struct ep_err *err)
{
	struct ev_desc ev[2] = {
		{ "energy-pkg", "package", 0, 0 },
		{ "energy-ram", "dram", 0, 0 }
	};
	struct ep_err ram_err = EP_ERR_INIT;
	struct prof_perf *p = NULL;
	char *base = ep_xasprintf("%s/bus/event_source/devices/power", root);
	char *path = NULL, *text = NULL, cpulist[64] = "";
	int cpus[PROF_PERF_MAX_CPUS], ncpu, have[2], ret = -1;
	long type;
	size_t e;
	int i;
	struct stat st;

	*out = NULL;
	if (stat(base, &st) < 0) {
		ep_fail(err, EP_ENOTFOUND, "%s: not found: no RAPL perf PMU "
		    "(virtual machines have none)", base);
		goto out;
	}
	path = ep_xasprintf("%s/type", base);
	if ((text = read_text(path, err)) == NULL)
		goto out;
	if (ep_parse_long(text, 0, 1L << 30, &type, err) < 0) {
		ep_err_prefix(err, "%s", path);
		goto out;
	}
	free(text);
	free(path);
	path = ep_xasprintf("%s/cpumask", base);
	if ((text = read_text(path, err)) == NULL)
		goto out;
	if ((ncpu = prof_perf_parse_cpus(text, cpus, PROF_PERF_MAX_CPUS,
	    err)) < 0) {
		ep_err_prefix(err, "%s", path);
		goto out;
	}
	snprintf(cpulist, sizeof cpulist, "%s", text);
	for (e = 0; e < 2; e++)
		if ((have[e] = read_event(base, &ev[e], err)) < 0)
			goto out;
	if (!have[0]) {
		char found[160];

		/* energy-psys (the platform) is not used in its place: it
		 * contains more than the packages, and virtual machines
		 * list it with a counter that never moves. */
		list_events(base, found, sizeof found);
		ep_fail(err, EP_ENOTFOUND, "%s/events/energy-pkg: not found: "
		    "this CPU's power PMU has no package counter%s%s%s", base,
		    found[0] != '\0' ? " (found: " : "", found,
		    found[0] != '\0' ? ")" : "");
		goto out;
	}

	p = ep_xcalloc(1, sizeof *p);
	p->ev = ep_xcalloc(2 * (size_t)ncpu, sizeof *p->ev);
	domains[0] = '\0';
	for (e = 0; e < 2; e++) {
		size_t first = p->n;

		if (!have[e])
			continue;
		for (i = 0; i < ncpu; i++) {
			struct perf_ev *pe = &p->ev[p->n];
			struct ep_err *eerr = e == 0 ? err : &ram_err;
			char label[32];

			if ((pe->fd = open_event((int)type, &ev[e], cpus[i],
			    eerr)) < 0)
				break;
			p->n++;
			pe->scale = ev[e].scale;
			if (read_count(pe->fd, &pe->start, eerr) < 0)
				break;
			if (ncpu > 1)
				snprintf(label, sizeof label, "%s-%d",
				    ev[e].label, i);
			else
				snprintf(label, sizeof label, "%s%s",
				    ev[e].label, e == 0 ? "-0" : "");
			append(domains, domains_len, label);
		}
		if (i < ncpu) {
			if (e == 0)
				goto out;
			/* The package counter alone is still a meter. */
			while (p->n > first)
				close(p->ev[--p->n].fd);
			have[e] = 0;
		}
	}
	snprintf(notes, notes_len, "perf: power/energy-pkg/%s (scale %g J) "
	    "on cpu %s, 64-bit kernel counts (no wraparound)%s%s",
	    have[1] ? " and energy-ram" : "", ev[0].scale, cpulist,
	    ram_err.msg[0] != '\0' ? "; energy-ram skipped: " : "",
	    ram_err.msg);
	*out = p;
	p = NULL;
	ret = 0;
out:
	free(text);
	free(path);
	free(base);
	prof_perf_close(p);
	return ret;
}

int
prof_perf_read(struct prof_perf *p, double *joules, struct ep_err *err)
{
	double sum = 0;
	size_t i;

	for (i = 0; i < p->n; i++) {
		uint64_t v;

		if (read_count(p->ev[i].fd, &v, err) < 0)
			return -1;
		sum += (double)(v - p->ev[i].start) * p->ev[i].scale;
	}
	*joules = sum;
	return 0;
}

void
prof_perf_close(struct prof_perf *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n; i++)
		close(p->ev[i].fd);
	free(p->ev);
	free(p);
}
