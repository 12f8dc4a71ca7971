/*
 * Fuzzes region parsing: ci_region_parse() against the compiled-in
 * tables (loaded once), and the ISO 3166 code lookups.
 */
#include "tests/fuzz/fuzz.h"
#include "ci-data/iso3166.h"
#include "ci-data/table.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);

static struct ci_table table = CI_TABLE_INIT;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct ep_err err = EP_ERR_INIT;

	(void)argc;
	(void)argv;
	unsetenv("ECOPLAN_DATA_DIR");
	if (ci_table_load(&table, &err) < 0)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ci_region r;
	struct ep_err err = EP_ERR_INIT;
	char *spec = fuzz_copy(data, size);	/* stops at the first NUL */
	size_t i;

	(void)ci_region_parse(&table, spec, &r, &err);
	(void)ci_iso_alpha3(spec);
	(void)ci_iso_alpha2(spec);
	/* "ci list TEXT" searches every entry: on the first 128 bytes only,
	 * as a longer search text is as slow as it is pointless. */
	if (size > 128)
		spec[128] = '\0';
	for (i = 0; i < table.n && spec[0] != '\0'; i++)
		(void)ci_entry_matches(&table.e[i], spec);
	free(spec);
	return 0;
}
