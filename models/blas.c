/*
 * OpenBLAS's kernels for this CPU. A DYNAMIC_ARCH build picks them by
 * the CPU's family and model when it loads, and a release that predates
 * a CPU falls back to its generic "Prescott" kernels (SSE3): Debian
 * 12's 0.3.21 does so on an Emerald Rapids Xeon (family 6, model 207),
 * where its SGEMM then runs at a sixth of the SkylakeX kernels' rate
 * (18 against 115 GFLOP/s, one thread, n = 1024). The library honours
 * the environment variable OPENBLAS_CORETYPE, read only at load.
 */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/blas.h"
#include "core/banned.h"

unsigned
model_cpu_flags(void)
{
	unsigned f = 0;

#if defined(__x86_64__) && defined(__GNUC__)
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
		f |= MODEL_CPU_AVX2_FMA;
	if ((f & MODEL_CPU_AVX2_FMA) && __builtin_cpu_supports("avx512f") &&
	    __builtin_cpu_supports("avx512cd") &&
	    __builtin_cpu_supports("avx512bw") &&
	    __builtin_cpu_supports("avx512dq") &&
	    __builtin_cpu_supports("avx512vl"))
		f |= MODEL_CPU_AVX512;
#endif
	return f;
}

const char *
model_blas_better_core(const char *core, unsigned flags)
{
	if (core == NULL || strcmp(core, "Prescott") != 0)
		return NULL;
	if (flags & MODEL_CPU_AVX512)
		return "SkylakeX";
	if (flags & MODEL_CPU_AVX2_FMA)
		return "Haswell";
	return NULL;
}

const char *
model_blas_core(void)
{
	const char *c = openblas_get_corename();

	return c != NULL ? c : "unknown";
}

void
model_blas_describe(char *buf, size_t size)
{
	const char *cfg = openblas_get_config();
	size_t n = 0;

	/* Its configuration begins "OpenBLAS 0.3.21 ": two words. */
	if (cfg != NULL && strncmp(cfg, "OpenBLAS ", 9) == 0) {
		n = 9 + strcspn(cfg + 9, " ");
		snprintf(buf, size, "%.*s %s", (int)n, cfg, model_blas_core());
	} else {
		snprintf(buf, size, "OpenBLAS %s", model_blas_core());
	}
}

void
model_blas_single_thread(void)
{
	openblas_set_num_threads(1);
}

void
model_blas_check(char **argv)
{
	const char *want;

	if (getenv("OPENBLAS_CORETYPE") != NULL)
		return;
	want = model_blas_better_core(openblas_get_corename(),
	    model_cpu_flags());
	if (want == NULL || setenv("OPENBLAS_CORETYPE", want, 1) != 0)
		return;
	execv("/proc/self/exe", argv);
	/* Not run again: go on with the generic kernels. */
	unsetenv("OPENBLAS_CORETYPE");
}
