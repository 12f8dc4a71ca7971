/*
 * tests/test_kernels.c on models/kernels.c built without its top-k
 * scan's AVX2 and AVX-512 versions (the code a CPU without AVX2 runs),
 * compiled in here in place of the library's copy.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#define TOPK_SCALAR_ONLY 1
#include "models/kernels.c"

#include "tests/test_kernels.c"
