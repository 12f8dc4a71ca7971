/*
 * tests/test_kernels.c on models/kernels.c built without its top-k
 * scan's AVX-512 version (the code a CPU with AVX2 only runs),
 * compiled in here in place of the library's copy.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#define TOPK_NO_AVX512 1
#include "models/kernels.c"

#include "tests/test_kernels.c"
