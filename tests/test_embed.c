/*
 * Tests for core/embed (compiled-in data, ECOPLAN_DATA_DIR override)
 * and core/suggest.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>

#include "core/embed.h"
#include "core/fsutil.h"
#include "core/mem.h"
#include "core/suggest.h"
#include "tests/test_util.h"

static void
test_embedded_tables_present(void **state)
{
	const struct ep_blob *b;
	size_t i;

	(void)state;
	b = ep_embed_find("ci-data/country_ci_latest.csv");
	assert_non_null(b);
	assert_true(b->size > 10000);
	assert_memory_equal(b->data, "iso_code,country,year", 21);
	assert_int_equal(b->data[b->size], '\0');
	assert_non_null(ep_embed_find("ci-data/ATTRIBUTION"));
	assert_non_null(ep_embed_find("profiles/cpu_power.csv"));
	assert_null(ep_embed_find("nope.csv"));
	for (i = 0; i < ep_embed_count(); i++)
		assert_non_null(ep_embed_at(i)->name);
	assert_null(ep_embed_at(ep_embed_count()));
}

static void
test_data_dir_overrides(void **state)
{
	struct ep_err err = EP_ERR_INIT;
	struct ep_data d = EP_DATA_INIT;
	char *dir = test_tmpdir(), *sub, *path;

	(void)state;
	unsetenv("ECOPLAN_DATA_DIR");
	assert_int_equal(ep_data_get("ci-data/aggregates_ci_latest.csv", &d,
	    &err), 0);
	assert_string_equal(d.origin, "built-in");
	ep_data_release(&d);

	sub = ep_xasprintf("%s/ci-data", dir);
	path = ep_xasprintf("%s/aggregates_ci_latest.csv", sub);
	assert_int_equal(ep_mkdir_p(sub, 0700, &err), 0);
	assert_int_equal(ep_write_atomic(path, "x,y\n", 4, 0644, &err), 0);
	setenv("ECOPLAN_DATA_DIR", dir, 1);
	assert_int_equal(ep_data_get("ci-data/aggregates_ci_latest.csv", &d,
	    &err), 0);
	assert_string_equal(d.data, "x,y\n");
	assert_string_equal(d.origin, path);
	ep_data_release(&d);
	ep_data_release(&d);

	/* Files not overridden still come from the binary. */
	assert_int_equal(ep_data_get("ci-data/country_ci_latest.csv", &d,
	    &err), 0);
	assert_string_equal(d.origin, "built-in");
	ep_data_release(&d);
	assert_int_equal(ep_data_get("ci-data/none.csv", &d, &err), -1);
	assert_int_equal(err.code, EP_ENOTFOUND);
	unsetenv("ECOPLAN_DATA_DIR");
	test_rmtree(dir);
	free(dir);
	free(sub);
	free(path);
}

static void
test_edit_distance(void **state)
{
	(void)state;
	assert_int_equal(ep_edit_distance("", ""), 0);
	assert_int_equal(ep_edit_distance("abc", ""), 3);
	assert_int_equal(ep_edit_distance("kitten", "sitting"), 3);
	assert_int_equal(ep_edit_distance("ngcf", "NGCF"), 0);
	assert_int_equal(ep_edit_distance("ncgf", "ngcf"), 1);
	assert_int_equal(ep_edit_distance("compre", "compare"), 1);
}

static void
test_suggest(void **state)
{
	static const char *const names[] = { "compare", "profile", "profiles",
		"plan", "ci" };
	struct ep_suggest s;
	size_t i;

	(void)state;
	ep_suggest_init(&s, "comapre");
	for (i = 0; i < 5; i++)
		ep_suggest_offer(&s, names[i]);
	assert_string_equal(ep_suggest_best(&s), "compare");
	ep_suggest_init(&s, "frobnicate");
	for (i = 0; i < 5; i++)
		ep_suggest_offer(&s, names[i]);
	assert_null(ep_suggest_best(&s));
	ep_suggest_init(&s, "cx");
	for (i = 0; i < 5; i++)
		ep_suggest_offer(&s, names[i]);
	assert_string_equal(ep_suggest_best(&s), "ci");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_embedded_tables_present),
		cmocka_unit_test(test_data_dir_overrides),
		cmocka_unit_test(test_edit_distance),
		cmocka_unit_test(test_suggest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
