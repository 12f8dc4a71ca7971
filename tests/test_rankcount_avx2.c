/*
 * tests/test_rankcount.c on models/rankcount.c built without its AVX-512
 * cell table (the code a CPU with AVX2 only runs), compiled in here in
 * place of the library's copy.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#define RANK_NO_AVX512 1
#include "models/rankcount.c"

#include "tests/test_rankcount.c"
