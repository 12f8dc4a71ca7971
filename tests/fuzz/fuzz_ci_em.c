/* Fuzzes the Electricity Maps v3 response parsers (latest, history). */
#include "tests/fuzz/fuzz.h"
#include "ci-data/json.h"
#include "ci-data/src_electricitymaps.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ci_series s = CI_SERIES_INIT;
	struct ci_value v;
	struct ep_err err = EP_ERR_INIT;
	char *buf = fuzz_copy(data, size), msg[256];

	memset(&v, 0, sizeof v);
	(void)ci_em_parse_latest(buf, size, &v, &err);
	(void)ci_em_parse_history(buf, size, &s, &err);
	ci_json_api_error(buf, size, msg, sizeof msg);
	ci_series_release(&s);
	free(buf);
	return 0;
}
