/* Fuzzes the profile reader, prof_profile_parse() (ecoplan-profile(5)). */
#include "tests/fuzz/fuzz.h"
#include "profiles/profile.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct prof_profile p;	/* large: keep it off the stack */
	struct ep_err err = EP_ERR_INIT;
	char *buf = fuzz_copy(data, size);

	if (prof_profile_parse(buf, size, "fuzz.json", &p, &err) == 0) {
		char *json = prof_profile_to_json(&p);

		free(json);
	}
	free(buf);
	return 0;
}
