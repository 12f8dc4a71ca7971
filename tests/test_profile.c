/*
 * Tests for profiles/profile (the JSON format) and profiles/store.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "core/mem.h"
#include "profiles/profile.h"
#include "profiles/store.h"
#include "tests/test_util.h"

static void
sample(struct prof_profile *p)
{
	prof_profile_init(p);
	snprintf(p->model, sizeof p->model, "bpr");
	p->n_params = 2;
	snprintf(p->params[0].key, sizeof p->params[0].key, "embedding_size");
	snprintf(p->params[0].value, sizeof p->params[0].value, "64");
	p->params[0].numeric = 1;
	snprintf(p->params[1].key, sizeof p->params[1].key, "optimizer");
	snprintf(p->params[1].value, sizeof p->params[1].value, "adam");
	snprintf(p->dataset, sizeof p->dataset, "synthetic");
	p->users = 943;
	p->items = 1682;
	p->interactions = 100000;
	snprintf(p->blas, sizeof p->blas, "OpenBLAS 0.3.21 SkylakeX");
	snprintf(p->meter, sizeof p->meter, "rapl");
	snprintf(p->domains, sizeof p->domains, "package-0,dram");
	p->idle_watts = 12.5;
	p->has_training = 1;
	p->epochs_measured = 3;
	p->epochs_per_update = 50;
	p->epoch_train.kwh = 1.25e-5;
	p->epoch_train.sd = 4e-7;
	p->epoch_train.gross_kwh = 2e-5;
	p->epoch_train.seconds = 0.9;
	p->epoch_train.n = 3;
	p->n_valid = 2;
	snprintf(p->valid[0].name, sizeof p->valid[0].name, "all");
	p->valid[0].e.kwh = 3e-6;
	snprintf(p->valid[1].name, sizeof p->valid[1].name, "mrr");
	p->valid[1].e.kwh = 2.5e-6;
	p->has_inference = 1;
	p->n_batches = 2;
	p->batches[0].batch = 1;
	p->batches[0].kwh_per_query = 3e-9;
	p->batches[0].p99_ms = 0.09;
	p->batches[1].batch = 64;
	p->batches[1].kwh_per_query = 1e-10;
	p->n_metrics = 1;
	snprintf(p->metrics[0].name, sizeof p->metrics[0].name, "ndcg@10");
	p->metrics[0].value = 0.21;
}

static void
test_round_trip(void **state)
{
	struct prof_profile a, b;
	struct ep_err err = EP_ERR_INIT;
	char *js;

	(void)state;
	sample(&a);
	js = prof_profile_to_json(&a);
	if (prof_profile_parse(js, strlen(js), "a.json", &b, &err) < 0)
		fail_msg("%s", err.msg);
	assert_string_equal(b.schema, "ecoplan-profile/1");
	assert_string_equal(b.model, "bpr");
	assert_int_equal(b.n_params, 2);
	assert_string_equal(b.params[1].value, "adam");
	assert_int_equal(b.users, 943);
	assert_string_equal(b.domains, "package-0,dram");
	assert_string_equal(b.blas, "OpenBLAS 0.3.21 SkylakeX");
	assert_close(b.idle_watts, 12.5, 0);
	assert_close(b.epoch_train.kwh, 1.25e-5, 1e-20);
	assert_close(b.epoch_train.gross_kwh, 2e-5, 1e-20);
	assert_close(b.epochs_per_update, 50, 0);
	assert_close(prof_profile_valid(&b, "mrr")->e.kwh, 2.5e-6, 1e-20);
	assert_null(prof_profile_valid(&b, "gauc"));
	assert_int_equal(b.n_batches, 2);
	assert_close(b.batches[1].kwh_per_query, 1e-10, 1e-25);
	assert_close(prof_profile_metric(&b, "ndcg@10"), 0.21, 0);
	assert_true(isnan(prof_profile_metric(&b, "mrr@10")));
	free(js);
}

/* Parsing text fails with a message containing want. */
static void
bad(const char *text, const char *want)
{
	struct prof_profile p;
	struct ep_err err = EP_ERR_INIT;

	if (prof_profile_parse(text, strlen(text), "p.json", &p, &err) == 0)
		fail_msg("accepted: %s", text);
	assert_contains(err.msg, want);
}

#define HEAD "{\"schema\": \"ecoplan-profile/1\", \"model\": \"m\", " \
	"\"dataset\": {\"name\": \"d\"}, \"meter\": {\"kind\": \"rapl\"}, "

static void
test_rejects(void **state)
{
	(void)state;
	bad("", "p.json:1: not valid JSON");
	bad("[1, 2]", "not a JSON object");
	bad("{\"schema\": \"ecoplan-profile/2\"}", "newer than this ecoplan");
	bad("{\"schema\": \"other/1\"}", "is not an ecoplan profile");
	bad("{\"model\": \"m\"}", "schema: missing");
	bad("{\"schema\": \"ecoplan-profile/1\", \"model\": \"m\", "
	    "\"dataset\": {\"name\": \"d\"}}", "meter: missing");
	bad(HEAD "\"training\": {\"epoch_train\": {\"kwh\": 1}}}",
	    "training.epochs_per_update: missing");
	bad(HEAD "\"training\": {\"epochs_per_update\": 5, \"epoch_train\": "
	    "{\"kwh\": -1}}}", "training.epoch_train.kwh: -1 out of range");
	bad(HEAD "\"training\": {\"epochs_per_update\": 5, \"epoch_train\": "
	    "{\"kwh\": \"1\"}}}", "training.epoch_train.kwh: expected a number");
	bad(HEAD "\"inference\": {\"batches\": []}}",
	    "inference.batches: expected a non-empty array");
	bad(HEAD "\"inference\": {\"batches\": [{\"batch\": 64, "
	    "\"kwh_per_query\": 1}, {\"batch\": 1, \"kwh_per_query\": 1}]}}",
	    "batch sizes must increase");
	bad(HEAD "\"inference\": {\"batches\": [{\"batch\": 0, "
	    "\"kwh_per_query\": 1}]}}", "inference.batches[0].batch: 0 out");
	bad(HEAD "\"inference\": null}", "neither training nor inference");
	bad(HEAD "\"training\": {\"epochs_per_update\": 5, \"epoch_train\": "
	    "{\"kwh\": 1}}, \"accuracy\": {\"ndcg@10\": \"good\"}}",
	    "accuracy.ndcg@10: expected a number");
	bad(HEAD "\"training\": {\"epochs_per_update\": 5, \"epoch_train\": "
	    "{\"kwh\": 1e999}}}", "training.epoch_train.kwh: expected a number");
	bad("{\"schema\": \"ecoplan-profile/1\", \"model\": \"m\", \"dat",
	    "not valid JSON (truncated?)");
	bad(HEAD "\"training\": {\"epochs_per_update\": 5, \"epoch_train\": "
	    "{\"kwh\": 1}, \"epoch_valid\": {\"all\": 3}}}",
	    "training.epoch_valid.all: expected an object");
}

/*
 * The dataset's sizes are optional: absent, they are 0 (the fuzzer
 * found users read from an uninitialised variable when absent).
 */
static void
test_optional_sizes(void **state)
{
	static const char text[] = HEAD "\"training\": {\"epochs_per_update\": "
	    "5, \"epoch_train\": {\"kwh\": 1}}}";
	struct prof_profile p;
	struct ep_err err = EP_ERR_INIT;

	(void)state;
	assert_int_equal(prof_profile_parse(text, strlen(text), "p.json", &p,
	    &err), 0);
	assert_int_equal(p.users, 0);
	assert_int_equal(p.items, 0);
	assert_int_equal(p.interactions, 0);
}

static void
test_store(void **state)
{
	struct prof_profile a, b;
	struct ep_err err = EP_ERR_INIT;
	struct prof_entry *l;
	char *dir = test_tmpdir(), *path = NULL, *hist;
	size_t n, removed;
	struct stat st;

	(void)state;
	setenv("ECOPLAN_HOME", dir, 1);
	sample(&a);
	assert_int_equal(prof_store_save(&a, &path, &err), 0);
	assert_contains(path, "/data/profiles/");
	assert_contains(path, "/bpr--synthetic.json");
	/* Saving again keeps the first in history/. */
	snprintf(a.created, sizeof a.created, "2030-01-01T00:00:00Z");
	a.epoch_train.kwh = 9e-5;
	assert_int_equal(prof_store_save(&a, NULL, &err), 0);
	hist = ep_xasprintf("%.*s/history", (int)(strrchr(path, '/') - path),
	    path);
	assert_int_equal(stat(hist, &st), 0);
	assert_int_equal(prof_store_find("bpr", NULL, &b, &err), 0);
	assert_close(b.epoch_train.kwh, 9e-5, 1e-20);
	assert_int_equal(prof_store_find("bpr", "other", &b, &err), -1);
	assert_int_equal(err.code, EP_ENOTFOUND);
	snprintf(a.model, sizeof a.model, "fism");
	assert_int_equal(prof_store_save(&a, NULL, &err), 0);
	assert_int_equal(prof_store_list(&l, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(l[0].name, "bpr--synthetic");
	assert_true(l[0].ok && l[1].ok);
	free(l);
	assert_int_equal(prof_store_remove("bpr", &removed, &err), 0);
	assert_int_equal(removed, 1);
	assert_int_equal(prof_store_remove("bpr", &removed, &err), -1);
	assert_int_equal(prof_store_remove("fism--synthetic.json", &removed,
	    &err), 0);
	assert_int_equal(stat(hist, &st), 0);
	unsetenv("ECOPLAN_HOME");
	test_rmtree(dir);
	free(dir);
	free(hist);
	free(path);
}

/*
 * Saving three times with one creation stamp keeps every earlier
 * version in history/ (the second under a -2 suffix), and the profile
 * itself never leaves its place: it is linked into history, not moved.
 */
static void
test_store_same_stamp(void **state)
{
	struct prof_profile a, b;
	struct ep_err err = EP_ERR_INIT;
	char *dir = test_tmpdir(), *path = NULL, *h1, *h2;
	struct stat st;

	(void)state;
	setenv("ECOPLAN_HOME", dir, 1);
	sample(&a);
	snprintf(a.created, sizeof a.created, "2030-01-01T00:00:00Z");
	a.epoch_train.kwh = 1e-5;
	assert_int_equal(prof_store_save(&a, &path, &err), 0);
	a.epoch_train.kwh = 2e-5;
	assert_int_equal(prof_store_save(&a, NULL, &err), 0);
	a.epoch_train.kwh = 3e-5;
	assert_int_equal(prof_store_save(&a, NULL, &err), 0);
	h1 = ep_xasprintf("%.*s/history/bpr--synthetic.%s.json",
	    (int)(strrchr(path, '/') - path), path, "2030-01-01T00_00_00Z");
	h2 = ep_xasprintf("%.*s/history/bpr--synthetic.%s-2.json",
	    (int)(strrchr(path, '/') - path), path, "2030-01-01T00_00_00Z");
	assert_int_equal(prof_profile_load(h1, &b, &err), 0);
	assert_close(b.epoch_train.kwh, 1e-5, 1e-20);
	assert_int_equal(prof_profile_load(h2, &b, &err), 0);
	assert_close(b.epoch_train.kwh, 2e-5, 1e-20);
	assert_int_equal(prof_profile_load(path, &b, &err), 0);
	assert_close(b.epoch_train.kwh, 3e-5, 1e-20);
	assert_int_equal(stat(path, &st), 0);
	unsetenv("ECOPLAN_HOME");
	test_rmtree(dir);
	free(dir);
	free(h1);
	free(h2);
	free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_optional_sizes),
		cmocka_unit_test(test_store),
		cmocka_unit_test(test_store_same_stamp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
