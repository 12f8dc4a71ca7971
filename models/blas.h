/*
 * OpenBLAS's settings: its kernels for this CPU (repaired where the
 * library took the CPU for a generic one) and its threads.
 */
#ifndef ECOPLAN_MODELS_BLAS_H
#define ECOPLAN_MODELS_BLAS_H

#include <stddef.h>

/* What the CPU offers of what OpenBLAS's x86-64 kernels use. */
enum {
	MODEL_CPU_AVX2_FMA = 1,	/* AVX2 and FMA: Haswell's kernels */
	MODEL_CPU_AVX512 = 2	/* AVX-512 F, CD, BW, DQ, VL: SkylakeX's */
};

/* This CPU's MODEL_CPU_* flags. */
unsigned model_cpu_flags(void);

/*
 * The core to ask OpenBLAS for (OPENBLAS_CORETYPE) where it chose core
 * for a CPU with flags, or NULL where its choice stands: only its
 * generic x86-64 fallback, "Prescott" (SSE3), is replaced.
 */
const char *model_blas_better_core(const char *core, unsigned flags);

/*
 * OpenBLAS reads OPENBLAS_CORETYPE once, when it loads. Where it took
 * this CPU for a generic one and the variable is unset, sets it and runs
 * the program again (argv, through /proc/self/exe); returns otherwise,
 * or where that fails.
 */
void model_blas_check(char **argv);

/* The core OpenBLAS runs ("SkylakeX"). */
const char *model_blas_core(void);

/*
 * The library, its version and its core, "OpenBLAS 0.3.21 SkylakeX",
 * into buf (size bytes, truncated to fit).
 */
void model_blas_describe(char *buf, size_t size);

/*
 * Makes OpenBLAS run single-threaded: ecoplan parallelises with OpenMP
 * over users, blocks or rows, and BLAS is called inside those loops.
 */
void model_blas_single_thread(void);

#endif
