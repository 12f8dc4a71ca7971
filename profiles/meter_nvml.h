/*
 * The nvml meter (internal to profiles/meter.c): NVIDIA GPU energy
 * through NVML, loaded with dlopen(3) at run time, so that ecoplan has
 * no build or run dependency on the driver. The library is
 * "libnvidia-ml.so.1", or $ECOPLAN_NVML_LIB when set (tests point it at
 * a stub or at a file that does not exist).
 *
 * A GPU with the total-energy counter (Volta and newer: millijoules
 * since the driver loaded) is read directly; an older one has its power
 * (milliwatts) sampled and integrated, which needs prof_nvml_read() to
 * be called every PROF_NVML_POLL_SECS.
 */
#ifndef ECOPLAN_PROFILES_METER_NVML_H
#define ECOPLAN_PROFILES_METER_NVML_H

#include <stddef.h>

#include "core/err.h"

/* Power sampling interval for GPUs without an energy counter (s). */
#define PROF_NVML_POLL_SECS 0.1

struct prof_nvml;

/*
 * Loads NVML and opens every GPU it lists. Writes the domains ("gpu-0",
 * "gpu-1", ...) and a description of how each GPU is read into notes,
 * and into *poll_secs PROF_NVML_POLL_SECS when a GPU is power-sampled,
 * else 0. Fails with the reason when the library cannot be loaded, lacks
 * a function, fails to initialise, or there is no usable GPU. On
 * success *out is owned by the caller and freed with prof_nvml_close().
 */
int prof_nvml_open(struct prof_nvml **out, char *domains, size_t domains_len,
    char *notes, size_t notes_len, double *poll_secs, struct ep_err *err);

/*
 * Joules of all GPUs since open. For power-sampled GPUs this takes a
 * sample and adds the trapezoid since the last one. Not thread-safe.
 */
int prof_nvml_read(struct prof_nvml *n, double *joules, struct ep_err *err);

/* Shuts NVML down, unloads it and frees n; safe on NULL. */
void prof_nvml_close(struct prof_nvml *n);

/*
 * The GPUs' name for a host description: "NVIDIA A100-SXM4-40GB", or
 * "4 x NVIDIA A100-SXM4-40GB" for several (the first one's name).
 * Returns 0, or -1 (buf set to "") when NVML or a GPU is absent.
 */
int prof_nvml_gpu_name(char *buf, size_t len);

#endif
