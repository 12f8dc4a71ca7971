/*
 * Fuzzes the CodeCarbon emissions.csv import, prof_cc_parse(), and the
 * conversion of what it accepts into a profile.
 */
#include "tests/fuzz/fuzz.h"
#include "profiles/import_codecarbon.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct prof_profile p;
	struct prof_cc_import im = PROF_CC_IMPORT_INIT;
	struct ep_err err = EP_ERR_INIT;
	char *buf = fuzz_copy(data, size);
	/* The first byte chooses whether to filter by a model name. */
	const char *model = size > 0 && (data[0] & 1) ? "bpr" : NULL;

	if (prof_cc_parse(buf, size, "emissions.csv", model, &im, &err) == 0) {
		char *json;

		prof_profile_init(&p);
		prof_cc_to_profile(&im, "bpr", "ml-100k", 1 + (int)(size % 50),
		    &p);
		json = prof_profile_to_json(&p);
		free(json);
	}
	prof_cc_release(&im);
	free(buf);
	return 0;
}
