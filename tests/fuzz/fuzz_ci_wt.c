/*
 * Fuzzes the WattTime v3 response parsers: login token, forecast and
 * historical series, signal index, region-from-location.
 */
#include "tests/fuzz/fuzz.h"
#include "ci-data/src_watttime.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ci_series s = CI_SERIES_INIT;
	struct ep_err err = EP_ERR_INIT;
	char *buf = fuzz_copy(data, size), *token = NULL, region[64];
	double pct;

	if (ci_wt_parse_login(buf, size, &token, &err) == 0)
		free(token);
	(void)ci_wt_parse_forecast(buf, size, &s, &err);
	(void)ci_wt_parse_index(buf, size, &pct, &err);
	(void)ci_wt_parse_region(buf, size, region, sizeof region, &err);
	ci_series_release(&s);
	free(buf);
	return 0;
}
