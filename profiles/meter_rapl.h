/*
 * The rapl meter (internal to profiles/meter.c): RAPL energy counters
 * through the powercap sysfs interface, Intel and AMD alike.
 *
 * Zones are /sys/class/powercap/intel-rapl:<pkg>[:<sub>], indices in
 * hexadecimal (intel-rapl:a is the tenth). Each package zone and each
 * dram subzone is summed; core and uncore (nested in their package),
 * psys (a superset of everything) and intel-rapl-mmio:* (a second view
 * of the package counter) never are. energy_uj is a 32-bit hardware
 * counter scaled to microjoules that wraps at max_energy_range_uj, so
 * the caller must call prof_rapl_read() at least every poll_secs for
 * two wraps never to pass unseen between reads.
 */
#ifndef ECOPLAN_PROFILES_METER_RAPL_H
#define ECOPLAN_PROFILES_METER_RAPL_H

#include <stddef.h>

#include "core/err.h"

/* Power a single zone is assumed never to exceed, for the poll interval. */
#define PROF_RAPL_WORST_WATTS 1000.0
/* Bounds on the poll interval (seconds). */
#define PROF_RAPL_POLL_MAX_SECS 5.0
#define PROF_RAPL_POLL_MIN_SECS 0.01

struct prof_rapl;

/*
 * Opens the zones under root/class/powercap (root is "/sys" or a fixture
 * tree). Writes the summed zones, comma-separated, into domains (e.g.
 * "package-0,package-1,dram-0,dram-1"), a description of the counters
 * and of what was left out into notes, and the interval at which
 * prof_rapl_read() must be called into *poll_secs: half the time the
 * fastest-wrapping zone takes to wrap at PROF_RAPL_WORST_WATTS, within
 * the bounds above. Fails with the reason when there is no powercap, no
 * package zone, or an energy_uj that cannot be read (saying how to fix
 * the root-only energy_uj of Linux 5.10 and later). On success *out is
 * owned by the caller and freed with prof_rapl_close().
 */
int prof_rapl_open(struct prof_rapl **out, const char *root, char *domains,
    size_t domains_len, char *notes, size_t notes_len, double *poll_secs,
    struct ep_err *err);

/*
 * Reads every zone and adds what each used since the last read (plus
 * max_energy_range_uj when its counter wrapped) to its total; *joules is
 * the sum of the totals since the meter was opened. Not thread-safe.
 */
int prof_rapl_read(struct prof_rapl *r, double *joules, struct ep_err *err);

/* Frees r; safe on NULL. */
void prof_rapl_close(struct prof_rapl *r);

#endif
