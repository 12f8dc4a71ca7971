/*
 * Tests for models/blas.c: which OpenBLAS core replaces the generic one
 * it may take a new CPU for, and that nothing else is replaced; how the
 * library is described in profiles.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "models/blas.h"

static void
test_blas_better_core(void **state)
{
	const unsigned both = MODEL_CPU_AVX2_FMA | MODEL_CPU_AVX512;

	(void)state;
	/* The generic fallback, by what the CPU offers. */
	assert_string_equal(model_blas_better_core("Prescott", both),
	    "SkylakeX");
	assert_string_equal(model_blas_better_core("Prescott",
	    MODEL_CPU_AVX2_FMA), "Haswell");
	assert_null(model_blas_better_core("Prescott", 0));
	/* A core the library chose for the CPU stands, whatever it is. */
	assert_null(model_blas_better_core("Haswell", both));
	assert_null(model_blas_better_core("SkylakeX", both));
	assert_null(model_blas_better_core("Zen", both));
	assert_null(model_blas_better_core("Core2", both));
	assert_null(model_blas_better_core("prescott", both));
	assert_null(model_blas_better_core("", both));
	assert_null(model_blas_better_core(NULL, both));
}

/* AVX-512 is only reported with AVX2 and FMA; the core is named. */
static void
test_blas_cpu(void **state)
{
	unsigned f = model_cpu_flags();

	(void)state;
	assert_true((f & ~(unsigned)(MODEL_CPU_AVX2_FMA |
	    MODEL_CPU_AVX512)) == 0);
	if (f & MODEL_CPU_AVX512)
		assert_true(f & MODEL_CPU_AVX2_FMA);
	assert_true(strlen(model_blas_core()) > 0);
}

/* "OpenBLAS <version> <core>", and cut to the buffer. */
static void
test_blas_describe(void **state)
{
	char buf[96], small[12];
	const char *core = model_blas_core();
	size_t n;

	(void)state;
	model_blas_describe(buf, sizeof buf);
	n = strlen(buf);
	assert_true(strncmp(buf, "OpenBLAS ", 9) == 0);
	assert_true(n > strlen(core));
	assert_string_equal(buf + n - strlen(core), core);
	assert_true(buf[n - strlen(core) - 1] == ' ');
	model_blas_describe(small, sizeof small);
	assert_int_equal(strlen(small), sizeof small - 1);
	assert_true(strncmp(small, buf, sizeof small - 1) == 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blas_better_core),
		cmocka_unit_test(test_blas_cpu),
		cmocka_unit_test(test_blas_describe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
