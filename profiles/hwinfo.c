/*
 * The host description: /proc/cpuinfo, /proc/meminfo, uname(2),
 * gethostname(2), the compiler's predefined macros and NVML.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "profiles/hwinfo.h"
#include "profiles/meter_estimate.h"
#include "profiles/meter_nvml.h"
#include "core/banned.h"

#define GIB 1073741824.0

/* MemTotal of /proc/meminfo in GiB, else physical pages, else 0. */
static double
ram_gib(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	long pages, page;

	if (f != NULL) {
		while (fgets(line, sizeof line, f) != NULL) {
			unsigned long long kb;

			if (sscanf(line, "MemTotal: %llu kB", &kb) == 1) {
				fclose(f);
				return (double)kb * 1024.0 / GIB;
			}
		}
		fclose(f);
	}
	pages = sysconf(_SC_PHYS_PAGES);
	page = sysconf(_SC_PAGESIZE);
	if (pages > 0 && page > 0)
		return (double)pages * (double)page / GIB;
	return 0;
}

/* "Linux 6.1.0" from "Linux" and "6.1.0-18-amd64": the version numbers. */
static void
os_name(const struct utsname *u, char *buf, size_t len)
{
	size_t n = strspn(u->release, "0123456789.");

	if (n == 0)
		n = strlen(u->release);
	snprintf(buf, len, "%s %.*s", u->sysname, (int)n, u->release);
}

int
prof_hwinfo_get(struct prof_hwinfo *h, struct ep_err *err)
{
	struct ep_err e = EP_ERR_INIT;
	struct prof_cpuinfo ci;
	struct utsname u;
	long n;
	int saved;

	memset(h, 0, sizeof *h);
	if (uname(&u) < 0) {
		saved = errno;
		return ep_fail(err, EP_EIO, "uname: %s", strerror(saved));
	}
	if (prof_cpuinfo_read(&ci, &e) == 0 && ci.model[0] != '\0')
		snprintf(h->cpu, sizeof h->cpu, "%s", ci.model);
	else
		snprintf(h->cpu, sizeof h->cpu, "%s", u.machine);
	n = sysconf(_SC_NPROCESSORS_ONLN);
	h->threads = n > 0 ? (int)n : 1;
	h->ram_gb = ram_gib();
	prof_nvml_gpu_name(h->gpu, sizeof h->gpu);
	os_name(&u, h->os, sizeof h->os);
#if defined(__clang__)
	snprintf(h->compiler, sizeof h->compiler, "clang %d.%d.%d",
	    __clang_major__, __clang_minor__, __clang_patchlevel__);
#elif defined(__GNUC__)
	snprintf(h->compiler, sizeof h->compiler, "gcc %d.%d.%d", __GNUC__,
	    __GNUC_MINOR__, __GNUC_PATCHLEVEL__);
#else
	snprintf(h->compiler, sizeof h->compiler, "cc (C %ld)",
	    (long)__STDC_VERSION__);
#endif
	if (gethostname(h->host, sizeof h->host - 1) < 0)
		h->host[0] = '\0';
	h->host[sizeof h->host - 1] = '\0';
	return 0;
}
