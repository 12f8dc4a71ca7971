/*
 * Shared by the libFuzzer harnesses (tests/fuzz/fuzz_*.c, built and run
 * by "make fuzz"). Every parser is handed a private heap copy of the
 * input, NUL-terminated exactly at its end as the callers' buffers are,
 * so that AddressSanitizer sees any read past the end.
 */
#ifndef ECOPLAN_TESTS_FUZZ_FUZZ_H
#define ECOPLAN_TESTS_FUZZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A NUL-terminated copy of data (caller frees). */
static inline char *
fuzz_copy(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		abort();
	if (size > 0)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#endif
