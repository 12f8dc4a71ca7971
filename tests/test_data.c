/*
 * Tests for models/data, models/synth and models/split: every loader on
 * small files, the bad-input cases, the generator, and the split rules.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fsutil.h"
#include "core/mem.h"
#include "core/rng.h"
#include "models/csr.h"
#include "models/data.h"
#include "models/split.h"
#include "models/synth.h"
#include "tests/test_util.h"

static char *tmp;

static int
setup(void **state)
{
	(void)state;
	tmp = test_tmpdir();
	return tmp == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	test_rmtree(tmp);
	free(tmp);
	return 0;
}

/* Writes len bytes to tmp/name; returns the path (caller frees). */
static char *
put(const char *name, const char *data, size_t len)
{
	struct ep_err err = EP_ERR_INIT;
	char *path = ep_xasprintf("%s/%s", tmp, name);

	if (ep_write_atomic(path, data, len, 0644, &err) < 0)
		fail_msg("%s", err.msg);
	return path;
}

#define PUT(name, lit) put(name, lit, sizeof lit - 1)

static void
load_ok(const char *spec, struct model_data *d)
{
	struct ep_err err = EP_ERR_INIT;

	if (model_data_load(spec, d, &err) < 0)
		fail_msg("%s: %s", spec, err.msg);
}

/* Loading fails with a message containing want (and the path). */
static void
load_bad(const char *path, const char *want)
{
	struct ep_err err = EP_ERR_INIT;
	struct model_data d = MODEL_DATA_INIT;

	if (model_data_load(path, &d, &err) == 0)
		fail_msg("%s: loaded, want '%s'", path, want);
	assert_contains(err.msg, want);
	assert_null(d.user);
	model_data_release(&d);
}

static void
test_atomic_columns_any_order(void **state)
{
	struct model_data d = MODEL_DATA_INIT;
	char *p = PUT("x.inter",
	    "item_id:token\trating:float\tuser_id:token\textra:token_seq\n"
	    "i1\t3\tu1\ta b\n"
	    "i2\t4\tu1\t\n"
	    "i1\t5\tu2\tc\n"
	    "i1\t2\tu1\tdup\n");

	(void)state;
	load_ok(p, &d);
	assert_string_equal(d.format, "atomic");
	assert_int_equal(d.n_users, 2);
	assert_int_equal(d.n_items, 2);
	assert_int_equal(d.n_rows, 4);
	assert_int_equal(d.n_inter, 3);
	assert_int_equal(d.n_dup, 1);
	/* Ids in order of first appearance. */
	assert_int_equal(d.user[0], 0);
	assert_int_equal(d.item[1], 1);
	assert_int_equal(d.user[2], 1);
	assert_null(d.ts);
	model_data_release(&d);
	free(p);
}

static void
test_udata_and_ratings_dat(void **state)
{
	struct model_data d = MODEL_DATA_INIT;
	char *p = PUT("u.data", "196\t242\t3\t881250949\n186\t302\t3\t891717742\n"
	    "196\t302\t1\t878887116\n");
	char *q = PUT("ratings.dat", "1::1193::5::978300760\n"
	    "1::661::3::978302109\n2::1193::4::978298413\n");

	(void)state;
	load_ok(p, &d);
	assert_string_equal(d.format, "u.data");
	assert_int_equal(d.n_users, 2);
	assert_int_equal(d.n_items, 2);
	assert_non_null(d.ts);
	assert_close(d.ts[2], 878887116, 0);
	model_data_release(&d);
	load_ok(q, &d);
	assert_string_equal(d.format, "ml-1m");
	assert_int_equal(d.n_inter, 3);
	assert_int_equal(d.n_items, 2);
	model_data_release(&d);
	free(p);
	free(q);
}

static void
test_csv_with_and_without_header(void **state)
{
	struct model_data d = MODEL_DATA_INIT;
	char *a = PUT("h.csv", "userId,movieId,rating,timestamp\n"
	    "1,10,4.0,100\n2,\"10\",3.5,200\n1,11,1,50\n");
	char *b = PUT("n.csv", "7,70\n8,80\n7,80\n");
	char *c = PUT("named.csv", "timestamp,item,user\n5,\"a,b\",x\n"
	    "6,c,y\n");

	(void)state;
	load_ok(a, &d);
	assert_string_equal(d.format, "csv");
	assert_int_equal(d.n_users, 2);
	assert_int_equal(d.n_items, 2);
	assert_non_null(d.ts);
	assert_close(d.ts[1], 200, 0);
	model_data_release(&d);
	load_ok(b, &d);
	assert_int_equal(d.n_inter, 3);
	assert_null(d.ts);
	model_data_release(&d);
	/* Columns found by name, in any order; quoted commas. */
	load_ok(c, &d);
	assert_int_equal(d.n_users, 2);
	assert_int_equal(d.n_items, 2);
	assert_close(d.ts[0], 5, 0);
	model_data_release(&d);
	free(a);
	free(b);
	free(c);
}

static void
test_crlf_and_bom_are_accepted(void **state)
{
	struct model_data d = MODEL_DATA_INIT, e = MODEL_DATA_INIT;
	char *a = PUT("crlf.inter", "\xef\xbb\xbfuser_id:token\titem_id:token\r\n"
	    "u1\ti1\r\nu2\ti1\r\n");
	char *b = PUT("lf.inter", "user_id:token\titem_id:token\nu1\ti1\n"
	    "u2\ti1\n");

	(void)state;
	load_ok(a, &d);
	load_ok(b, &e);
	assert_int_equal(d.n_inter, 2);
	assert_int_equal(d.n_users, e.n_users);
	assert_int_equal(d.n_items, 1);
	model_data_release(&d);
	model_data_release(&e);
	free(a);
	free(b);
}

static void
test_presplit_triple(void **state)
{
	struct model_data d = MODEL_DATA_INIT;
	struct model_split sp = MODEL_SPLIT_INIT;
	struct model_split_spec spec = MODEL_SPLIT_SPEC_DEFAULT;
	struct ep_err err = EP_ERR_INIT;
	char *a = PUT("t.train.inter", "user_id:token\titem_id:token\n"
	    "u1\ti1\nu1\ti2\nu2\ti1\n");
	char *b = PUT("t.valid.inter", "user_id:token\titem_id:token\nu1\ti3\n");
	char *c = PUT("t.test.inter", "user_id:token\titem_id:token\nu2\ti3\n");
	char *spec_s = ep_xasprintf("train=%s,valid=%s,test=%s", a, b, c);

	(void)state;
	load_ok(b, &d);		/* any of the three names loads all */
	assert_string_equal(d.format, "presplit");
	assert_int_equal(d.n_inter, 5);
	assert_int_equal(d.n_items, 3);
	assert_int_equal(model_split_make(&d, &spec, &sp, &err), 0);
	assert_int_equal(sp.part[MODEL_TRAIN].nnz, 3);
	assert_int_equal(sp.part[MODEL_VALID].nnz, 1);
	assert_int_equal(sp.part[MODEL_TEST].nnz, 1);
	assert_true(model_csr_has(&sp.part[MODEL_TEST], 1, 2));
	model_split_release(&sp);
	model_data_release(&d);
	load_ok(spec_s, &d);
	assert_int_equal(d.n_inter, 5);
	model_data_release(&d);
	load_bad("train=a,valid=b", "test=FILE is missing");
	load_bad("train=a,valid=b,test=c,train=d", "expected train=FILE");
	free(a);
	free(b);
	free(c);
	free(spec_s);
}

static void
test_bad_inputs(void **state)
{
	char *p, *big;
	size_t n = 10 << 20;

	(void)state;
	p = PUT("empty.inter", "");
	load_bad(p, "empty.inter: empty file");
	free(p);
	p = PUT("blank.csv", "\n\n  \n");
	load_bad(p, "blank.csv: empty file");
	free(p);
	p = PUT("nouser.inter", "item_id:token\trating:float\ni1\t3\n");
	load_bad(p, "nouser.inter:1: no 'user_id:token' column");
	free(p);
	p = PUT("badtype.inter", "user_id:token\titem_id:int\nu\ti\n");
	load_bad(p, "badtype.inter:1: header field 'item_id:int': unknown "
	    "type");
	free(p);
	p = PUT("notype.inter", "user_id\titem_id\nu\ti\n");
	load_bad(p, "notype.inter:1: header field 'user_id' has no ':type'");
	free(p);
	p = PUT("u.data", "196\t242\t3\t881250949\nabc\t242\t3\t881250949\n");
	load_bad(p, "u.data:2: user id: 'abc': expected a whole number");
	free(p);
	p = PUT("rt.inter", "user_id:token\titem_id:token\ttimestamp:float\n"
	    "u\ti\tsoon\n");
	load_bad(p, "rt.inter:2: timestamp: 'soon': not a number");
	free(p);
	p = PUT("trunc.inter", "user_id:token\titem_id:token\trating:float\n"
	    "u\ti\t3\nu2\ti");
	load_bad(p, "trunc.inter:3: expected 3 fields, found 2 (truncated "
	    "last line?)");
	free(p);
	p = PUT("nul.csv", "1,2\n3,\0004\n");
	load_bad(p, "nul.csv:2: NUL byte");
	free(p);
	big = ep_xmalloc(n + 32);
	memcpy(big, "1,2\n1,", 6);
	memset(big + 6, '7', n);
	big[n + 6] = '\n';
	p = put("long.csv", big, n + 7);
	load_bad(p, "long.csv:2: line longer than");
	free(p);
	free(big);
	load_bad(tmp, "is a directory");
	p = ep_xasprintf("%s/missing.inter", tmp);
	load_bad(p, "missing.inter: No such file");
	free(p);
	p = PUT("what.txt", "hello\nworld\n");
	load_bad(p, "what.txt:1: cannot tell the format");
	free(p);
	p = PUT("q.csv", "1,\"2\n");
	load_bad(p, "q.csv");
	free(p);
	p = PUT("emptyid.csv", "user,item\n1,\n");
	load_bad(p, "emptyid.csv:2: empty item id");
	free(p);
	load_bad("synthetic:users=0", "out of range");
	load_bad("synthetic:colour=red", "unknown key 'colour'");
	load_bad("synthetic:users=10,items=10,inters=5", "at least users");
	load_bad("synthetic:inters=1e12", "out of range");
	load_bad("synthetical", "No such file");
	load_bad("", "empty dataset name");
}

static void
test_synthetic_deterministic_and_shaped(void **state)
{
	struct model_data a = MODEL_DATA_INIT, b = MODEL_DATA_INIT;
	struct model_data c = MODEL_DATA_INIT;

	(void)state;
	load_ok("synthetic:users=300,items=200,inters=6000,seed=3", &a);
	load_ok("synthetic:users=300,items=200,inters=6000,seed=3", &b);
	load_ok("synthetic:users=300,items=200,inters=6000,seed=4", &c);
	assert_int_equal(a.n_inter, 6000);
	assert_int_equal(a.n_users, 300);
	assert_true(a.n_items <= 200);
	assert_int_equal(a.n_dup, 0);
	assert_string_equal(a.sha256, b.sha256);
	assert_memory_equal(a.item, b.item, a.n_inter * sizeof *a.item);
	assert_string_not_equal(a.sha256, c.sha256);
	/* Popularity is skewed. */
	assert_true(model_data_gini(&a) > 0.3);
	model_data_release(&a);
	model_data_release(&b);
	model_data_release(&c);
	load_ok("synthetic", &a);
	assert_int_equal(a.n_users, 943);
	assert_int_equal(a.n_inter, 100000);
	model_data_release(&a);
}

static void
test_split_counts_rule(void **state)
{
	const double r[3] = { 0.8, 0.1, 0.1 };
	long c[3];

	(void)state;
	model_split_counts(20, r, c);
	assert_int_equal(c[0], 16);
	assert_int_equal(c[1], 2);
	assert_int_equal(c[2], 2);
	model_split_counts(25, r, c);
	assert_int_equal(c[0], 21);
	assert_int_equal(c[1], 2);
	/* Small users: a part between 0 and 1 takes one from train. */
	model_split_counts(5, r, c);
	assert_int_equal(c[0], 3);
	assert_int_equal(c[1], 1);
	assert_int_equal(c[2], 1);
	model_split_counts(2, r, c);
	assert_int_equal(c[0], 1);
	assert_int_equal(c[1], 1);
	assert_int_equal(c[2], 0);
	model_split_counts(1, r, c);
	assert_int_equal(c[0], 1);
	assert_int_equal(c[1] + c[2], 0);
}

static void
test_split_partitions_and_seeds(void **state)
{
	struct model_data d = MODEL_DATA_INIT;
	struct model_split a = MODEL_SPLIT_INIT, b = MODEL_SPLIT_INIT;
	struct model_split_spec spec = MODEL_SPLIT_SPEC_DEFAULT;
	struct ep_err err = EP_ERR_INIT;
	uint32_t u;

	(void)state;
	load_ok("synthetic:users=200,items=150,inters=5000", &d);
	assert_int_equal(model_split_make(&d, &spec, &a, &err), 0);
	assert_int_equal(a.part[0].nnz + a.part[1].nnz + a.part[2].nnz, 5000);
	for (u = 0; u < d.n_users; u++) {
		long c[3], n = 0;
		int k;

		for (k = 0; k < 3; k++)
			n += (long)model_csr_row_len(&a.part[k], u);
		model_split_counts(n, spec.ratio, c);
		for (k = 0; k < 3; k++)
			assert_int_equal(model_csr_row_len(&a.part[k], u), c[k]);
	}
	spec.seed = 99;
	assert_int_equal(model_split_make(&d, &spec, &b, &err), 0);
	assert_int_equal(a.part[1].nnz, b.part[1].nnz);
	assert_memory_not_equal(a.part[1].col, b.part[1].col,
	    a.part[1].nnz * sizeof *a.part[1].col);
	model_split_release(&b);
	/* Leave-one-out: one valid and one test item per user (n >= 3). */
	assert_int_equal(model_split_parse("loo", &spec, &err), 0);
	assert_int_equal(model_split_make(&d, &spec, &b, &err), 0);
	assert_int_equal(b.part[MODEL_VALID].nnz, d.n_users);
	assert_int_equal(b.part[MODEL_TEST].nnz, d.n_users);
	model_split_release(&b);
	/* Ordering by time needs timestamps. */
	assert_int_equal(model_split_parse("rs/time", &spec, &err), 0);
	assert_int_equal(model_split_make(&d, &spec, &b, &err), -1);
	assert_contains(err.msg, "no timestamps");
	model_split_release(&a);
	model_data_release(&d);
}

static void
test_split_by_time(void **state)
{
	struct model_data d = MODEL_DATA_INIT;
	struct model_split sp = MODEL_SPLIT_INIT;
	struct model_split_spec spec = MODEL_SPLIT_SPEC_DEFAULT;
	struct ep_err err = EP_ERR_INIT;
	char *p = PUT("t.csv", "u,i,r,t\n1,a,1,30\n1,b,1,10\n1,c,1,20\n");

	(void)state;
	load_ok(p, &d);
	assert_int_equal(model_split_parse("loo/time", &spec, &err), 0);
	assert_int_equal(model_split_make(&d, &spec, &sp, &err), 0);
	/* Items a (t=30) test, c (t=20) valid, b (t=10) train. */
	assert_true(model_csr_has(&sp.part[MODEL_TEST], 0, 0));
	assert_true(model_csr_has(&sp.part[MODEL_VALID], 0, 2));
	assert_true(model_csr_has(&sp.part[MODEL_TRAIN], 0, 1));
	model_split_release(&sp);
	model_data_release(&d);
	assert_int_equal(model_split_parse("rs:1,1", &spec, &err), -1);
	assert_int_equal(model_split_parse("rs:0,1,1", &spec, &err), -1);
	assert_int_equal(model_split_parse("rs:8,1,1/when", &spec, &err), -1);
	assert_int_equal(model_split_parse("kfold", &spec, &err), -1);
	assert_int_equal(model_split_parse("rs:2,1,1", &spec, &err), 0);
	assert_close(spec.ratio[0], 0.5, 1e-15);
	free(p);
}

/* RecBole's published split of ml-100k, when the shared data is here. */
static void
test_ml100k_split_sizes(void **state)
{
	const char *path = "../shared/data/ml-100k/ml-100k.inter";
	struct model_data d = MODEL_DATA_INIT;
	struct model_split sp = MODEL_SPLIT_INIT;
	struct model_split_spec spec = MODEL_SPLIT_SPEC_DEFAULT;
	struct ep_err err = EP_ERR_INIT;

	(void)state;
	if (access(path, R_OK) != 0)
		skip();
	load_ok(path, &d);
	assert_string_equal(d.sha256, "4edb74e2a81178c2ba9ff381495f754f996c4a"
	    "ea351b1272ca36b43da0935eff");
	assert_int_equal(d.n_users, 943);
	assert_int_equal(d.n_items, 1682);
	assert_int_equal(model_split_make(&d, &spec, &sp, &err), 0);
	assert_int_equal(sp.part[MODEL_TRAIN].nnz, 80808);
	assert_int_equal(sp.part[MODEL_VALID].nnz, 9596);
	assert_int_equal(sp.part[MODEL_TEST].nnz, 9596);
	model_split_release(&sp);
	model_data_release(&d);
}

/*
 * model_csr_cooccur() counts each column's co-occurrences as a table of
 * all pairs does, and lists each column counted once: columns with few
 * counts (the branch) and with many (the scan) alike.
 */
static void
test_csr_cooccur_matches_naive(void **state)
{
	const uint32_t R = 60, C = 50;
	uint32_t *rows = ep_xcalloc((size_t)R * C, sizeof *rows);
	uint32_t *cols = ep_xcalloc((size_t)R * C, sizeof *cols);
	uint32_t *want = ep_xcalloc((size_t)C * C, sizeof *want);
	uint32_t *cnt = ep_xcalloc(C, sizeof *cnt);
	uint32_t *touched = ep_xcalloc(C, sizeof *touched);
	unsigned char *x = ep_xcalloc((size_t)R * C, 1), *seen;
	struct model_csr m = MODEL_CSR_INIT, t = MODEL_CSR_INIT;
	struct ep_rng rng;
	uint32_t r, a, c;
	size_t n = 0, k, nt, paths[2] = { 0, 0 };

	(void)state;
	ep_rng_seed(&rng, 21, 1);
	/* Column c is in a row with a chance falling from 0.6 to 0.01:
	 * popular columns take the scan, the tail the branch. */
	for (r = 0; r < R; r++)
		for (c = 0; c < C; c++)
			if (ep_rng_uniform(&rng) < 0.6 * exp(-0.1 * c) +
			    0.01) {
				x[(size_t)r * C + c] = 1;
				rows[n] = r;
				cols[n++] = c;
			}
	model_csr_from_pairs(&m, R, C, rows, cols, n);
	model_csr_transpose(&m, &t);
	for (r = 0; r < R; r++)
		for (a = 0; a < C; a++)
			for (c = 0; c < C; c++)
				want[(size_t)a * C + c] +=
				    x[(size_t)r * C + a] & x[(size_t)r * C + c];
	seen = ep_xcalloc(C, 1);
	for (a = 0; a < C; a++) {
		size_t incs = 0;

		for (k = t.rowptr[a]; k < t.rowptr[a + 1]; k++)
			incs += model_csr_row_len(&m, t.col[k]);
		paths[incs >= C / 4]++;
		nt = model_csr_cooccur(&m, &t, a, cnt, touched);
		memset(seen, 0, C);
		for (k = 0; k < nt; k++) {
			assert_true(touched[k] < C);
			assert_false(seen[touched[k]]);
			seen[touched[k]] = 1;
		}
		for (c = 0; c < C; c++) {
			assert_int_equal(cnt[c], want[(size_t)a * C + c]);
			assert_int_equal(seen[c], want[(size_t)a * C + c] > 0);
		}
		for (k = 0; k < nt; k++)
			cnt[touched[k]] = 0;
	}
	assert_true(paths[0] > 0 && paths[1] > 0);
	model_csr_release(&m);
	model_csr_release(&t);
	free(rows);
	free(cols);
	free(want);
	free(cnt);
	free(touched);
	free(x);
	free(seen);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_atomic_columns_any_order),
		cmocka_unit_test(test_udata_and_ratings_dat),
		cmocka_unit_test(test_csv_with_and_without_header),
		cmocka_unit_test(test_crlf_and_bom_are_accepted),
		cmocka_unit_test(test_presplit_triple),
		cmocka_unit_test(test_bad_inputs),
		cmocka_unit_test(test_synthetic_deterministic_and_shaped),
		cmocka_unit_test(test_split_counts_rule),
		cmocka_unit_test(test_split_partitions_and_seeds),
		cmocka_unit_test(test_split_by_time),
		cmocka_unit_test(test_ml100k_split_sizes),
		cmocka_unit_test(test_csr_cooccur_matches_naive),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
