/*
 * A description of the machine for a profile's "host" object: CPU
 * model, hardware threads, RAM, GPU, operating system, the compiler
 * ecoplan was built with, and the host name.
 */
#ifndef ECOPLAN_PROFILES_HWINFO_H
#define ECOPLAN_PROFILES_HWINFO_H

#include "core/err.h"

struct prof_hwinfo {
	char cpu[128];		/* "model name" of /proc/cpuinfo, else the
				 * machine type ("aarch64") */
	int threads;		/* online hardware threads */
	double ram_gb;		/* total RAM in GiB (2^30 bytes) */
	char gpu[128];		/* NVML's name of the first GPU ("4 x ..."
				 * for several), or "" */
	char os[128];		/* "Linux 6.1.0" */
	char compiler[64];	/* "gcc 12.2.0", "clang 14.0.6" */
	char host[128];		/* gethostname(2) */
};

/*
 * Fills h. The CPU model comes from $ECOPLAN_CPUINFO when set (tests),
 * else /proc/cpuinfo; RAM from /proc/meminfo, else sysconf(3). A missing
 * source leaves its field empty or zero rather than failing; -1 only
 * when uname(2) fails.
 */
int prof_hwinfo_get(struct prof_hwinfo *h, struct ep_err *err);

#endif
