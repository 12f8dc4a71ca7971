/*
 * Tests for ci-data/table: the compiled-in tables, every region syntax,
 * suggestions for unknown regions, and errors in damaged tables.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <sys/stat.h>

#include "ci-data/iso3166.h"
#include "ci-data/table.h"
#include "tests/test_util.h"

static struct ci_table table = CI_TABLE_INIT;

static int
setup(void **state)
{
	struct ep_err err = EP_ERR_INIT;

	(void)state;
	unsetenv("ECOPLAN_DATA_DIR");
	if (ci_table_load(&table, &err) < 0) {
		fprintf(stderr, "cannot load the tables: %s\n", err.msg);
		return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	ci_table_release(&table);
	return 0;
}

/* Resolves spec, which must succeed, and checks its id. */
static struct ci_region
region(const char *spec, const char *want_id)
{
	struct ep_err err = EP_ERR_INIT;
	struct ci_region r;

	if (ci_region_parse(&table, spec, &r, &err) < 0)
		fail_msg("'%s' rejected: %s", spec, err.msg);
	assert_string_equal(r.id, want_id);
	return r;
}

/* Checks that spec is rejected with a message containing part. */
static void
rejected(const char *spec, const char *part)
{
	struct ep_err err = EP_ERR_INIT;
	struct ci_region r;

	if (ci_region_parse(&table, spec, &r, &err) == 0)
		fail_msg("'%s' accepted as %s", spec, r.id);
	assert_int_equal(err.code, EP_EUSAGE);
	assert_contains(err.msg, part);
}

static void
test_table_counts(void **state)
{
	size_t i, n[CI_KIND_WT + 1] = { 0 };

	(void)state;
	for (i = 0; i < table.n; i++)
		n[table.e[i].kind]++;
	assert_int_equal(n[CI_KIND_COUNTRY], 214);
	assert_int_equal(n[CI_KIND_AGGREGATE], 13);
	/* 90 rows less "US Total" and "India Total". */
	assert_int_equal(n[CI_KIND_SUBDIV], 88);
	assert_int_equal(n[CI_KIND_CLOUD], 127);
	assert_int_equal(n[CI_KIND_UK], 17);
	for (i = 0; i < table.n; i++) {
		const struct ci_entry *e = &table.e[i];

		if (e->kind == CI_KIND_COUNTRY)
			assert_int_equal(strlen(e->iso2), 2);
		if (e->has_value) {
			assert_true(e->value.g_per_kwh >= 0);
			assert_true(e->value.year >= 2000);
			assert_true(e->value.tag.text[0] != '\0');
		}
	}
}

static void
test_table_world(void **state)
{
	const struct ci_entry *w = ci_table_world(&table);

	(void)state;
	assert_non_null(w);
	assert_close(w->value.g_per_kwh, 472.99, 1e-9);
	assert_int_equal(w->value.year, 2024);
	assert_int_equal(w->value.tag.basis, CI_BASIS_LIFECYCLE);
	assert_int_equal(w->value.tag.signal, CI_SIGNAL_AVERAGE);
	assert_int_equal(w->value.tag.accounting, CI_ACCT_PRODUCTION);
}

static void
test_region_countries(void **state)
{
	static const char *const de[] = { "DE", "de", "DEU", "deu",
		"Germany", "GERMANY" };
	struct ci_region r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof de / sizeof de[0]; i++) {
		r = region(de[i], "DE");
		assert_int_equal(r.kind, CI_KIND_COUNTRY);
		assert_string_equal(r.name, "Germany");
		assert_string_equal(r.iso2, "DE");
		assert_non_null(r.entry);
		assert_close(r.entry->value.g_per_kwh, 344.14, 1e-9);
		assert_int_equal(r.entry->value.year, 2024);
	}
	region("UK", "GB");
	region("gbr", "GB");
	region("United Kingdom", "GB");
	/* RFC 4180 quoting in the table. */
	r = region("Palestine, State of", "PS");
	assert_close(r.entry->value.g_per_kwh, 460.78, 1e-9);
	region("XKX", "XK");
	r = region("ESH", "EH");
	assert_int_equal(r.entry->value.year, 2009);
}

static void
test_region_aggregates(void **state)
{
	struct ci_region r;

	(void)state;
	r = region("world", "World");
	assert_int_equal(r.kind, CI_KIND_AGGREGATE);
	assert_close(r.entry->value.g_per_kwh, 472.99, 1e-9);
	region("EU", "EU");
	region("g7", "G7");
	region("latin-america-and-caribbean", "Latin America and Caribbean");
	region("north_america", "North America");
}

static void
test_region_subdivisions(void **state)
{
	struct ci_region r;

	(void)state;
	r = region("US-CA", "US-CA");
	assert_int_equal(r.kind, CI_KIND_SUBDIV);
	assert_string_equal(r.name, "California");
	/* The column scaled to the national lifecycle figure. */
	assert_close(r.entry->value.g_per_kwh, 221.59, 1e-9);
	assert_contains(r.entry->value.tag.text, "scaled");
	region("us-ca", "US-CA");
	region("california", "US-CA");
	r = region("washington-dc", "US-DC");
	assert_close(r.entry->value.g_per_kwh, 175.44, 1e-9);
	region("Washington", "US-WA");
	/* Indian states without an ISO code go by name. */
	r = region("kerala", "Kerala");
	assert_close(r.entry->value.g_per_kwh, 32.98, 1e-9);
	assert_string_equal(r.iso2, "IN");
	region("IN-DL", "IN-DL");
	/* Georgia is a country first. */
	region("Georgia", "GE");
	region("US-GA", "US-GA");
}

static void
test_region_missing_subdivision(void **state)
{
	struct ci_region r;

	(void)state;
	r = region("JP-13", "JP-13");
	assert_null(r.entry);
	assert_non_null(r.fallback);
	assert_string_equal(r.fallback->id, "JP");
	assert_string_equal(r.name, "Japan");
	/* Every US state is in the table: a miss is a typo. */
	rejected("US-XX", "did you mean US-TX (Texas)?");
}

static void
test_region_cloud(void **state)
{
	struct ci_region r;

	(void)state;
	r = region("aws:eu-west-1", "aws:eu-west-1");
	assert_int_equal(r.kind, CI_KIND_CLOUD);
	assert_string_equal(r.provider, "aws");
	assert_string_equal(r.cloud, "eu-west-1");
	assert_string_equal(r.iso2, "IE");
	assert_close(r.entry->value.g_per_kwh, 279.7, 1e-9);
	assert_int_equal(r.entry->value.tag.basis, CI_BASIS_LIFECYCLE);
	region("AWS:EU-WEST-1", "aws:eu-west-1");
	/* Google's figures are operational (direct). */
	r = region("gcp:europe-west4", "gcp:europe-west4");
	assert_close(r.entry->value.g_per_kwh, 208.81, 1e-9);
	assert_int_equal(r.entry->value.tag.basis, CI_BASIS_DIRECT);
	r = region("azure:westeurope", "azure:westeurope");
	assert_close(r.lat, 52.3667, 1e-9);
	assert_close(r.lon, 4.9, 1e-9);
	/* A quoted location with a comma. */
	r = region("azure:japaneast", "azure:japaneast");
	assert_string_equal(r.name, "Tokyo, Saitama");
	rejected("aws:eu-wst-1", "did you mean aws:eu-west-1 (EU (Ireland))");
	rejected("gcp:nowhere-at-all", "unknown cloud region; see");
}

static void
test_region_uk(void **state)
{
	struct ci_region r;

	(void)state;
	r = region("uk:13", "uk:13");
	assert_int_equal(r.kind, CI_KIND_UK);
	assert_int_equal(r.uk_id, 13);
	assert_string_equal(r.name, "London");
	assert_null(r.entry);
	assert_string_equal(r.fallback->id, "GB");
	region("UK:1", "uk:1");
	region("uk:london", "uk:13");
	region("uk:north-west-england", "uk:3");
	rejected("uk:0", "UK region ids are 1 to 17");
	rejected("uk:18", "UK region ids are 1 to 17");
	rejected("uk:-1", "UK region ids are 1 to 17");
	rejected("uk:londn", "did you mean uk:13 (London)?");
	rejected("uk:", "nothing after 'uk:'");
	assert_string_equal(ci_uk_region_name(17), "Wales");
	assert_null(ci_uk_region_name(18));
}

static void
test_region_live_zones(void **state)
{
	struct ci_region r;

	(void)state;
	r = region("em:DE", "em:DE");
	assert_int_equal(r.kind, CI_KIND_EM);
	assert_string_equal(r.zone, "DE");
	assert_null(r.entry);
	assert_string_equal(r.fallback->id, "DE");
	r = region("em:dk-dk1", "em:DK-DK1");
	assert_string_equal(r.zone, "DK-DK1");
	assert_string_equal(r.fallback->id, "DK");
	r = region("em:US-CAL-CISO", "em:US-CAL-CISO");
	assert_string_equal(r.fallback->id, "US");
	r = region("em:XX-YY", "em:XX-YY");
	assert_null(r.fallback);
	rejected("em:DE/../x", "bad Electricity Maps zone");
	r = region("wt:CAISO_NORTH", "wt:CAISO_NORTH");
	assert_int_equal(r.kind, CI_KIND_WT);
	assert_null(r.fallback);
	r = region("wt:de", "wt:DE");
	assert_string_equal(r.fallback->id, "DE");
	rejected("wt:a b", "bad WattTime region");
}

static void
test_region_unknown(void **state)
{
	(void)state;
	rejected("germny", "'germny': unknown region; did you mean DE "
	    "(Germany)?");
	rejected("Frnace", "did you mean FR (France)?");
	rejected("qqqqqqqqqq", "unknown region; see 'ecoplan ci list'");
	rejected("foo:bar", "unknown region prefix 'foo'");
	rejected("", "empty region name");
	rejected("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxx", "too long");
}

static void
test_entry_matches(void **state)
{
	const struct ci_entry *kerala = NULL, *de = NULL;
	size_t i;

	(void)state;
	for (i = 0; i < table.n; i++) {
		if (strcmp(table.e[i].id, "Kerala") == 0)
			kerala = &table.e[i];
		if (strcmp(table.e[i].id, "DE") == 0)
			de = &table.e[i];
	}
	assert_non_null(kerala);
	assert_non_null(de);
	assert_true(ci_entry_matches(kerala, "india"));
	assert_true(ci_entry_matches(kerala, NULL));
	assert_true(ci_entry_matches(de, "deu"));
	assert_true(ci_entry_matches(de, "GERM"));
	assert_false(ci_entry_matches(de, "france"));
}

static void
test_iso(void **state)
{
	(void)state;
	assert_string_equal(ci_iso_alpha3("de"), "DEU");
	assert_string_equal(ci_iso_alpha3("UK"), "GBR");
	assert_string_equal(ci_iso_alpha3("KY"), "CYM");
	assert_string_equal(ci_iso_alpha2("cym"), "KY");
	assert_null(ci_iso_alpha3("ZZ"));
	assert_null(ci_iso_alpha2("ZZZ"));
}

/* Loads a table with country_ci_latest.csv replaced by csv. */
static void
load_bad(const char *csv, const char *part)
{
	struct ci_table t = CI_TABLE_INIT;
	struct ep_err err = EP_ERR_INIT;
	char *dir = test_tmpdir(), path[512];
	FILE *f;

	assert_non_null(dir);
	snprintf(path, sizeof path, "%s/ci-data", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof path, "%s/ci-data/country_ci_latest.csv", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(csv, f);
	fclose(f);
	setenv("ECOPLAN_DATA_DIR", dir, 1);
	if (ci_table_load(&t, &err) == 0)
		fail_msg("a damaged table loaded");
	unsetenv("ECOPLAN_DATA_DIR");
	assert_int_equal(err.code, EP_EPARSE);
	assert_contains(err.msg, "country_ci_latest.csv");
	assert_contains(err.msg, part);
	assert_null(t.e);
	test_rmtree(dir);
	free(dir);
}

static void
test_table_damaged(void **state)
{
	static const char head[] =
	    "iso_code,country,year,carbon_intensity_gco2_per_kwh,source\n";
	char csv[512];

	(void)state;
	snprintf(csv, sizeof csv, "%sDEU,Germany,2024,344,x\nFRA,France,"
	    "2024,abc,x\n", head);
	load_bad(csv, ":3: carbon_intensity_gco2_per_kwh: 'abc': not a "
	    "number");
	snprintf(csv, sizeof csv, "%sDEU,Germany,2024,-5,x\n", head);
	load_bad(csv, ":2: carbon_intensity_gco2_per_kwh: '-5': out of range");
	snprintf(csv, sizeof csv, "%sDEU,Germany,20x4,344,x\n", head);
	load_bad(csv, ":2: year:");
	snprintf(csv, sizeof csv, "%sDEUX,Germany,2024,344,x\n", head);
	load_bad(csv, ":2: iso_code: 'DEUX': not an ISO 3166-1 alpha-3 code");
	load_bad("iso_code,country,year,source\nDEU,Germany,2024,x\n",
	    ":1: missing column 'carbon_intensity_gco2_per_kwh'");
	snprintf(csv, sizeof csv, "%sDEU,\"Germany,2024,344,x\n", head);
	load_bad(csv, ":2: ");
	load_bad(head, "no rows");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_counts),
		cmocka_unit_test(test_table_world),
		cmocka_unit_test(test_region_countries),
		cmocka_unit_test(test_region_aggregates),
		cmocka_unit_test(test_region_subdivisions),
		cmocka_unit_test(test_region_missing_subdivision),
		cmocka_unit_test(test_region_cloud),
		cmocka_unit_test(test_region_uk),
		cmocka_unit_test(test_region_live_zones),
		cmocka_unit_test(test_region_unknown),
		cmocka_unit_test(test_entry_matches),
		cmocka_unit_test(test_iso),
		cmocka_unit_test(test_table_damaged),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
