/*
 * Fuzzes the strict number parsers of core/num: integers, counts, reals,
 * rates, durations, cadences, energies, intensities and powers. Each
 * must either fail or give a finite value in its range.
 */
#include <math.h>

#include "tests/fuzz/fuzz.h"
#include "core/num.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ep_err err = EP_ERR_INIT;
	char *s = fuzz_copy(data, size);
	long l;
	double d;

	if (ep_parse_long(s, -1000, 1000, &l, &err) == 0 &&
	    (l < -1000 || l > 1000))
		abort();
	if (ep_parse_count(s, 0, 1000000000L, &l, &err) == 0 &&
	    (l < 0 || l > 1000000000L))
		abort();
	if (ep_parse_double(s, -1e6, 1e6, &d, &err) == 0 &&
	    !(d >= -1e6 && d <= 1e6))
		abort();
	if (ep_parse_rate(s, &d, &err) == 0 && !(isfinite(d) && d >= 0))
		abort();
	if (ep_parse_duration(s, &d, &err) == 0 && !(isfinite(d) && d >= 0))
		abort();
	if (ep_parse_cadence(s, &d, &err) == 0 && !(isfinite(d) && d >= 0))
		abort();
	if (ep_parse_energy(s, &d, &err) == 0 && !(isfinite(d) && d >= 0))
		abort();
	if (ep_parse_intensity(s, &d, &err) == 0 && !(isfinite(d) && d >= 0))
		abort();
	if (ep_parse_power(s, &d, &err) == 0 && !(isfinite(d) && d >= 0))
		abort();
	free(s);
	return 0;
}
