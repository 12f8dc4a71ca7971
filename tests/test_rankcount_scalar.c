/*
 * tests/test_rankcount.c on models/rankcount.c built without its AVX2
 * versions (the code a CPU without AVX2 runs), compiled in here in place
 * of the library's copy.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#define RANK_SCALAR_ONLY 1
#include "models/rankcount.c"

#include "tests/test_rankcount.c"
