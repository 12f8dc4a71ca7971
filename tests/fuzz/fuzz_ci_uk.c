/*
 * Fuzzes the UK NESO Carbon Intensity API response parsers: national,
 * regional (every region id, and out-of-range ones) and the series.
 */
#include "tests/fuzz/fuzz.h"
#include "ci-data/src_uk.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ci_series s = CI_SERIES_INIT;
	struct ci_value v;
	struct ep_err err = EP_ERR_INIT;
	char *buf = fuzz_copy(data, size);
	/* The last byte picks the region: 0 (national) to 18. */
	int region = size > 0 ? data[size - 1] % 19 : 13;

	memset(&v, 0, sizeof v);
	(void)ci_uk_parse_national(buf, size, &v, &err);
	memset(&v, 0, sizeof v);
	(void)ci_uk_parse_regional(buf, size, region, &v, &err);
	(void)ci_uk_parse_series(buf, size, region, &s, &err);
	ci_series_release(&s);
	free(buf);
	return 0;
}
