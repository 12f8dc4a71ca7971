/*
 * Tests for calc/: lifecycle sums, break-even (closed form and under
 * load), Monte Carlo uncertainty, scheduling and rank correlation. Each
 * formula is checked on a scenario computed by hand, and the seed
 * study's published figures are reproduced from its own measurements.
 *
 * The study's numbers below are copied, at full precision, from the
 * derived tables of Schodl et al. 2025 ("Investigating Carbon Footprint
 * of Recommender Systems Beyond Training Time", RecSys 2025; repository
 * hcai-mms/RecSys-Footprint-Inference, commit f2e59494), file
 * reference/schodl2025_per_model_summary.csv (columns repro12_train_kWh,
 * one_train_kWh, infer_kWh_per_query, infer_kWh_per_query_pstd, whose
 * training energies equal energy_consumed in
 * schodl2025-raw/<dataset>_training_log.csv) and
 * reference/breakeven_derived.csv;
 * the 2023 reference energies (ref_train_kWh) are Spillo et al. 2023's
 * (swapUniba/CarbonRecommenderRecSys23, commit f58aec6c, results.xlsx).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>

#include <gsl/gsl_errno.h>

#include "calc/breakeven.h"
#include "calc/lifecycle.h"
#include "calc/rank.h"
#include "calc/schedule.h"
#include "calc/uncertainty.h"
#include "core/num.h"
#include "tests/test_util.h"

#define REL(x) (fabs(x) * 1e-12)
#define DNAN   ((double)NAN) /* NAN is a float */

/* Users in one MIND query of the study (all users but [PAD]). */
#define MIND_USERS 23679

/* A cost known only as totals: one update, one query at batch 1. */
static struct calc_cost
cost_total(double update_kwh, double query_kwh, double users_per_query)
{
	struct calc_cost c = { 0 };

	c.setup_kwh = update_kwh;
	c.n_points = 1;
	c.batch[0] = 1;
	c.query_kwh[0] = query_kwh;
	c.users_per_query = users_per_query;
	return c;
}

static struct calc_scenario
scenario(double updates, double rps, double pue, double ci_train,
    double ci_serve, double years)
{
	struct calc_scenario s = CALC_SCENARIO_INIT;

	s.updates_per_year = updates;
	s.requests_per_sec = rps;
	s.pue = pue;
	s.ci_train_g_per_kwh = ci_train;
	s.ci_serve_g_per_kwh = ci_serve;
	s.years = years;
	return s;
}

/* Asserts that err holds EP_ERANGE and a message containing part. */
static void
assert_range_error(int rc, const struct ep_err *err, const char *part)
{
	assert_int_equal(rc, -1);
	assert_int_equal(err->code, EP_ERANGE);
	assert_contains(err->msg, part);
}

/* ---- lifecycle -------------------------------------------------------- */

static void
test_annual_by_hand(void **state)
{
	struct calc_cost c = { 0 };
	struct calc_scenario s = scenario(12, 10, 1.5, 100, 400, 3);
	struct calc_annual a;
	struct ep_err err = EP_ERR_INIT;

	(void)state;
	/* E_upd = 0.1 + 10 x (0.02 + 0.01) = 0.4 kWh. */
	c.setup_kwh = 0.1;
	c.epochs = 10;
	c.epoch_train_kwh = 0.02;
	c.epoch_valid_kwh = 0.01;
	c.n_points = 1;
	c.batch[0] = 1;
	c.query_kwh[0] = 2e-6;
	c.users_per_query = 1;
	assert_int_equal(calc_annual(&c, &s, &a, &err), 0);
	assert_close(a.update_kwh, 0.4, 1e-15);
	assert_close(a.requests_per_year, 315576000, 1e-6);
	assert_close(a.train_kwh, 4.8, 1e-12);
	assert_close(a.serve_kwh, 631.152, 1e-9);
	assert_close(a.it_kwh, 635.952, 1e-9);
	assert_close(a.facility_kwh, 953.928, 1e-9);
	assert_close(a.train_g, 720, 1e-9);      /* 1.5 x 4.8 x 100 */
	assert_close(a.serve_g, 378691.2, 1e-6); /* 1.5 x 631.152 x 400 */
	assert_close(a.emissions_g, 379411.2, 1e-6);
	assert_close(a.horizon_updates, 36, 1e-12);
	/* 1.5 x (36 x 0.4 + 3 x 631.152) */
	assert_close(a.horizon_kwh, 2861.784, 1e-8);
	assert_close(a.horizon_g, 1138233.6, 1e-5);
}

static void
test_annual_cadence(void **state)
{
	static const struct {
		const char *cadence;
		double per_year;
	} tab[] = {
		{ "daily", 365.25 },
		{ "weekly", 365.25 / 7 },
		{ "12h", 730.5 },
		{ "4/yr", 4 },
		{ "monthly", 12 },
		{ "never", 0 },
	};
	struct calc_cost c = cost_total(0.5, 1e-6, 1);
	struct calc_scenario s = scenario(0, 1, 1, 100, 100, 2);
	struct calc_annual a;
	struct ep_err err = EP_ERR_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof tab / sizeof tab[0]; i++) {
		assert_int_equal(
		    ep_parse_cadence(tab[i].cadence, &s.updates_per_year, &err),
		    0);
		assert_close(s.updates_per_year, tab[i].per_year, 1e-9);
		assert_int_equal(calc_annual(&c, &s, &a, &err), 0);
		assert_close(a.train_kwh, 0.5 * tab[i].per_year, 1e-9);
		/* A model is trained at least once over the horizon. */
		assert_close(a.horizon_updates,
		    tab[i].per_year * 2 > 1 ? tab[i].per_year * 2 : 1, 1e-9);
	}
	/* "never" over two years: one training, 31 557 600 x 2 requests. */
	assert_close(a.horizon_kwh, 0.5 + 2 * 31557600 * 1e-6, 1e-9);
}

static void
test_annual_regions(void **state)
{
	struct calc_cost c = cost_total(2, 1e-5, 1);
	struct calc_scenario s = scenario(100, 1, 1, 50, 500, 1);
	struct calc_annual a, b;
	struct ep_err err = EP_ERR_INIT;

	(void)state;
	/* Train 200 kWh, serve 315.576 kWh a year. */
	assert_int_equal(calc_annual(&c, &s, &a, &err), 0);
	assert_close(a.train_g, 200 * 50, 1e-9);
	assert_close(a.serve_g, 315.576 * 500, 1e-7);
	s.ci_train_g_per_kwh = 500;
	s.ci_serve_g_per_kwh = 50;
	assert_int_equal(calc_annual(&c, &s, &b, &err), 0);
	assert_close(b.emissions_g, 200 * 500 + 315.576 * 50, 1e-7);
	assert_close(a.it_kwh, b.it_kwh, 0);
}

static void
test_annual_pue(void **state)
{
	struct calc_cost c = cost_total(2, 1e-5, 1);
	struct calc_scenario s = scenario(100, 1, 1, 300, 300, 1);
	struct calc_annual a, b;
	struct ep_err err = EP_ERR_INIT;

	(void)state;
	assert_int_equal(calc_annual(&c, &s, &a, &err), 0);
	s.pue = 1.58;
	assert_int_equal(calc_annual(&c, &s, &b, &err), 0);
	assert_close(b.it_kwh, a.it_kwh, 0);
	assert_close(b.facility_kwh, 1.58 * a.it_kwh, REL(b.facility_kwh));
	assert_close(b.emissions_g, 1.58 * a.emissions_g, REL(b.emissions_g));
	assert_close(a.emissions_g, 300 * 515.576, 1e-7);
}

static void
test_annual_query_unit(void **state)
{
	/* A query answers 1000 users at 1e-3 kWh: 1e-6 kWh a request. */
	struct calc_cost c = cost_total(0, 1e-3, 1000);
	struct calc_scenario s = scenario(0, 2, 1, 100, 100, 1);
	struct calc_annual a;
	struct ep_err err = EP_ERR_INIT;

	(void)state;
	assert_int_equal(calc_annual(&c, &s, &a, &err), 0);
	assert_close(a.request_kwh, 1e-6, 1e-20);
	assert_close(a.queries_per_year, 2 * 31557.6, 1e-9);
	assert_close(a.serve_kwh, 2 * 31.5576, 1e-12);
}

static void
test_interp_log_log(void **state)
{
	struct calc_cost c = cost_total(0, 1e-5, 1);

	(void)state;
	c.n_points = 3;
	c.batch[1] = 100;
	c.query_kwh[1] = 1e-7;
	c.batch[2] = 400;
	c.query_kwh[2] = 4e-8;
	/* Slope -1 in log-log between 1 and 100: e(10) = 1e-6. */
	assert_close(calc_query_kwh_at(&c, 10), 1e-6, 1e-18);
	/* 100 to 400: slope log(0.4) / log(4); at 200, 1e-7 x 0.4^0.5. */
	assert_close(calc_query_kwh_at(&c, 200), 1e-7 * sqrt(0.4), 1e-20);
	/* Exact at the points, held beyond the ends. */
	assert_true(calc_query_kwh_at(&c, 1) == 1e-5);
	assert_true(calc_query_kwh_at(&c, 100) == 1e-7);
	assert_true(calc_query_kwh_at(&c, 400) == 4e-8);
	assert_true(calc_query_kwh_at(&c, 1e6) == 4e-8);
	assert_true(calc_query_kwh_at(&c, 0.5) == 1e-5);
}

static void
test_serve_batch(void **state)
{
	struct calc_cost c = cost_total(0, 1e-5, 1);
	struct calc_scenario s = scenario(1, 1, 1, 1, 1, 1);

	(void)state;
	c.n_points = 2;
	c.batch[1] = 256;
	c.query_kwh[1] = 1e-7;
	/* Fixed batch, clamped to the measured range. */
	s.serve_batch = 64;
	assert_close(calc_serve_batch(&c, &s, 1e6), 64, 0);
	s.serve_batch = 1024;
	assert_close(calc_serve_batch(&c, &s, 1), 256, 0);
	/* Dynamic: 1 + 1000/s x 0.01 s = 11; capped at 256. */
	s.batch_window_secs = 0.01;
	assert_close(calc_serve_batch(&c, &s, 1000), 11, 1e-12);
	assert_close(calc_serve_batch(&c, &s, 1e6), 256, 0);
	assert_close(calc_serve_batch(&c, &s, 0), 1, 0);
	/* 10 users a query: 1000 requests/s are 100 queries/s. */
	c.users_per_query = 10;
	assert_close(calc_serve_batch(&c, &s, 1000), 2, 1e-12);
	assert_close(
	    calc_request_kwh(&c, &s, 1000), calc_query_kwh_at(&c, 2) / 10, 0);
}

static void
test_bad_input(void **state)
{
	struct calc_cost good = cost_total(1, 1e-6, 1), c;
	struct calc_scenario gs = scenario(12, 5, 1.2, 100, 200, 1), s;
	struct calc_annual a;
	struct ep_err err = EP_ERR_INIT;

	(void)state;
	c = good;
	c.epoch_train_kwh = DNAN;
	assert_range_error(calc_annual(&c, &gs, &a, &err), &err,
	    "epoch_train_kwh: not a number");
	c = good;
	c.setup_kwh = -1;
	assert_range_error(calc_annual(&c, &gs, &a, &err), &err,
	    "setup_kwh: must not be negative");
	c = good;
	c.epochs = HUGE_VAL;
	assert_range_error(
	    calc_annual(&c, &gs, &a, &err), &err, "epochs: must be finite");
	c = good;
	c.users_per_query = 0;
	assert_range_error(calc_annual(&c, &gs, &a, &err), &err,
	    "users_per_query: must be positive");
	c = good;
	c.n_points = 0;
	assert_range_error(calc_annual(&c, &gs, &a, &err), &err, "batches");
	c = good;
	c.n_points = 2;
	c.batch[1] = 1;
	c.query_kwh[1] = 1e-7;
	assert_range_error(calc_annual(&c, &gs, &a, &err), &err,
	    "batch[1]: must be more than batch[0]");
	c.batch[1] = 8;
	c.query_kwh[1] = DNAN;
	assert_range_error(
	    calc_annual(&c, &gs, &a, &err), &err, "query_kwh[1]: not a number");
	c.query_kwh[1] = 0;
	assert_range_error(calc_annual(&c, &gs, &a, &err), &err,
	    "query_kwh[1]: must be positive");
	c.query_kwh[1] = 1e-7;
	c.query_sd_kwh[0] = -1e-9;
	assert_range_error(
	    calc_annual(&c, &gs, &a, &err), &err, "query_sd_kwh[0]");

	s = gs;
	s.requests_per_sec = 0;
	assert_range_error(calc_annual(&good, &s, &a, &err), &err,
	    "requests_per_sec: must be positive (got 0)");
	s.requests_per_sec = -3;
	assert_range_error(
	    calc_annual(&good, &s, &a, &err), &err, "requests_per_sec");
	s = gs;
	s.updates_per_year = -1;
	assert_range_error(calc_annual(&good, &s, &a, &err), &err,
	    "updates_per_year: must not be negative");
	s = gs;
	s.pue = 0.9;
	assert_range_error(
	    calc_annual(&good, &s, &a, &err), &err, "pue: must be at least 1");
	s = gs;
	s.ci_serve_g_per_kwh = DNAN;
	assert_range_error(calc_annual(&good, &s, &a, &err), &err,
	    "ci_serve_g_per_kwh: not a number");
	s = gs;
	s.ci_train_g_per_kwh = 0;
	assert_range_error(calc_annual(&good, &s, &a, &err), &err,
	    "ci_train_g_per_kwh: must be positive");
	s = gs;
	s.years = 0;
	assert_range_error(calc_annual(&good, &s, &a, &err), &err, "years");
	s = gs;
	s.serve_batch = 0.5;
	assert_range_error(
	    calc_annual(&good, &s, &a, &err), &err, "serve_batch");
	s = gs;
	s.batch_window_secs = -0.1;
	assert_range_error(
	    calc_annual(&good, &s, &a, &err), &err, "batch_window_secs");
}

static void
test_saving_pct(void **state)
{
	struct ep_err err = EP_ERR_INIT;
	double pct = 0;

	(void)state;
	assert_int_equal(calc_saving_pct(100, 71.23, &pct, &err), 0);
	assert_close(pct, 28.77, 1e-12);
	assert_int_equal(calc_saving_pct(2, 3, &pct, &err), 0);
	assert_close(pct, -50, 1e-12);
	assert_range_error(calc_saving_pct(0, 1, &pct, &err), &err,
	    "baseline: must be positive");
	assert_range_error(calc_saving_pct(1, DNAN, &pct, &err), &err,
	    "alternative: not a number");
}

/*
 * The study's 47 dataset/model runs with both metric settings: training
 * energy (kWh) computing 12 validation metrics, and computing MRR only.
 */
static const struct {
	const char *dataset, *model;
	double e12_kwh, one_kwh;
} metric_runs[] = {
	{ "mind", "Pop", 0.0008456737538890045, 0.00032539343013597804 },
	{ "mind", "ItemKNN", 0.0012337021161047852, 0.0008714363208419455 },
	{ "mind", "BPR", 0.035848081200967316, 0.015388701123550388 },
	{ "mind", "DMF", 0.06629061454002444, 0.046399923723585854 },
	{ "mind", "FISM", 0.08538827898805385, 0.06698507352321964 },
	{ "mind", "NAIS", 0.25772184597895176, 0.2234165536315013 },
	{ "mind", "SLIMElastic", 0.041554871340021435, 0.022082262337681968 },
	{ "mind", "NeuMF", 0.06737983719379789, 0.041804120220337276 },
	{ "mind", "MultiDAE", 0.05257921619381284, 0.027984315282585638 },
	{ "mind", "NGCF", 0.11411478944578012, 0.09155198417102282 },
	{ "mind", "DGCF", 2.3313067237535283, 2.16555081569464 },
	{ "mind", "LightGCN", 0.08412889977890275, 0.06085567360362288 },
	{ "mind", "SGL", 0.31107253121133527, 0.2208255000374461 },
	{ "movielens", "Pop", 0.0002212294838677985, 0.00011732838936762008 },
	{ "movielens", "ItemKNN", 0.00030486157416021765,
	    0.0002499301710790168 },
	{ "movielens", "BPR", 0.009551278644749861, 0.004254390839420555 },
	{ "movielens", "DMF", 0.017060421593472323, 0.011938420363910358 },
	{ "movielens", "FISM", 0.057419212912993664, 0.05097907371767595 },
	{ "movielens", "NAIS", 0.6525239745615115, 0.5390695349942299 },
	{ "movielens", "SLIMElastic", 0.012809751513620505,
	    0.00829896271731365 },
	{ "movielens", "NeuMF", 0.014614667117151363, 0.011879609979731191 },
	{ "movielens", "MultiDAE", 0.012238422328175015, 0.00679742387940034 },
	{ "movielens", "NGCF", 0.04658847104725153, 0.042218710312267926 },
	{ "movielens", "DGCF", 0.7936467685333195, 0.7841051255257996 },
	{ "movielens", "LightGCN", 0.03276511341834147, 0.02806272875740728 },
	{ "movielens", "SGL", 0.11129127788606165, 0.1058459953932293 },
	{ "movielens", "CKE", 0.02027288001911553, 0.015195785307096032 },
	{ "movielens", "CFKG", 0.01348997702487761, 0.008403270743603265 },
	{ "movielens", "KGCN", 0.02289669604313466, 0.01734675280053148 },
	{ "movielens", "KTUP", 0.02454720967586364, 0.019341185979643447 },
	{ "movielens", "RippleNet", 0.17194140060724794, 0.1701745136724856 },
	{ "amazon", "Pop", 0.0012583614572432714, 0.00035599004151449674 },
	{ "amazon", "ItemKNN", 0.0016409922163292303, 0.0009728446791545848 },
	{ "amazon", "BPR", 0.014646448370839643, 0.008405725618613538 },
	{ "amazon", "DMF", 0.025563216107985596, 0.0184873178892951 },
	{ "amazon", "SLIMElastic", 0.019169018724184507, 0.009600913986344871 },
	{ "amazon", "NeuMF", 0.052930294759193766, 0.0432419336064709 },
	{ "amazon", "MultiDAE", 0.04339807880072934, 0.0279830812107103 },
	{ "amazon", "NGCF", 0.029423108363755904, 0.0222565218595959 },
	{ "amazon", "DGCF", 1.8347748285015473, 1.77584094362265 },
	{ "amazon", "LightGCN", 0.030842940472355262, 0.0221695354962432 },
	{ "amazon", "SGL", 0.104913661369951, 0.0933516300736591 },
	{ "amazon", "CKE", 0.015179870497672197, 0.007391729319661412 },
	{ "amazon", "CFKG", 0.017337731261518927, 0.009435928979495143 },
	{ "amazon", "KGCN", 0.038861812854966954, 0.030211527755322935 },
	{ "amazon", "KTUP", 0.036118130622372485, 0.028390365770642585 },
	{ "amazon", "RippleNet", 0.055973030512596895, 0.048005976317627486 },
};

#define N_METRIC_RUNS (sizeof metric_runs / sizeof metric_runs[0])

/* Mean saving over the runs of one dataset (NULL: all). */
static double
mean_saving(const char *dataset, size_t *count)
{
	double base[N_METRIC_RUNS], alt[N_METRIC_RUNS], mean = 0;
	struct ep_err err = EP_ERR_INIT;
	size_t i, n = 0;

	for (i = 0; i < N_METRIC_RUNS; i++) {
		if (dataset != NULL &&
		    strcmp(metric_runs[i].dataset, dataset) != 0)
			continue;
		base[n] = metric_runs[i].e12_kwh;
		alt[n++] = metric_runs[i].one_kwh;
	}
	if (calc_saving_mean_pct(base, alt, n, &mean, &err) != 0)
		fail_msg("%s", err.msg);
	*count = n;
	return mean;
}

static void
test_saving_study(void **state)
{
	double base[2] = { 1, 0 }, alt[2] = { 1, 1 }, mean;
	struct ep_err err = EP_ERR_INIT;
	size_t n;

	(void)state;
	/* One metric instead of twelve: -28.77% training energy. */
	mean = mean_saving(NULL, &n);
	assert_int_equal(n, 47);
	assert_close(mean, 28.77488838761904, 1e-10);
	assert_close(round(-mean * 100) / 100, -28.77, 1e-12);
	mean = mean_saving("mind", &n);
	assert_int_equal(n, 13);
	assert_close(round(mean * 100) / 100, 32.92, 1e-12);
	mean = mean_saving("movielens", &n);
	assert_int_equal(n, 18);
	assert_close(round(mean * 100) / 100, 23.14, 1e-12);
	mean = mean_saving("amazon", &n);
	assert_int_equal(n, 16);
	assert_close(round(mean * 100) / 100, 31.75, 1e-12);

	assert_range_error(calc_saving_mean_pct(base, alt, 2, &mean, &err),
	    &err, "pair 1: baseline");
	assert_range_error(
	    calc_saving_mean_pct(base, alt, 0, &mean, &err), &err, "no pairs");
}

/* ---- break-even -------------------------------------------------------- */

/*
 * MIND, reproduction: 12-metric training energy (kWh), inference energy
 * per query (kWh, one top-10 pass over all 23,679 users) and its
 * population sd over the 10 measured blocks. NeuMF (out of memory at
 * inference) is left out.
 */
static const struct {
	const char *model;
	double train_kwh, query_kwh, query_sd_kwh;
} mind[] = {
	{ "Pop", 0.0008456737538890045, 2.406167860122898e-05,
	    1.2913567884373923e-06 },
	{ "ItemKNN", 0.0012337021161047852, 0.00020236941358958536,
	    1.3036025911102105e-06 },
	{ "BPR", 0.035848081200967316, 2.34333471763212e-05,
	    1.1435681321679782e-06 },
	{ "DMF", 0.06629061454002444, 2.475190255157423e-05,
	    5.847664097477087e-07 },
	{ "FISM", 0.08538827898805385, 0.0004959330677699164,
	    3.5988960949610813e-06 },
	{ "NAIS", 0.25772184597895176, 0.003627593812776147,
	    8.008007956798577e-06 },
	{ "SLIMElastic", 0.041554871340021435, 2.970889540090766e-05,
	    7.020183023132396e-07 },
	{ "MultiDAE", 0.05257921619381284, 3.1017980440418134e-05,
	    3.7864204784900417e-07 },
	{ "NGCF", 0.11411478944578012, 2.465619057579089e-05,
	    9.398832515721387e-07 },
	{ "DGCF", 2.3313067237535283, 2.2676886171722833e-05,
	    2.1677293632849257e-07 },
	{ "LightGCN", 0.08412889977890275, 2.3087943512063615e-05,
	    7.016555921060206e-07 },
	{ "SGL", 0.31107253121133527, 2.3098938701770155e-05,
	    7.104600308017863e-07 },
};

#define N_MIND (sizeof mind / sizeof mind[0])

/* The 38 MIND break-evens of breakeven_derived.csv (A dearer to train). */
static const struct {
	const char *a, *b;
	double exact;
	double ceil;
} mind_breakeven[] = {
	{ "BPR", "Pop", 55706.918450267905, 55707 },
	{ "LightGCN", "Pop", 85529.65478156872, 85530 },
	{ "SGL", "Pop", 322233.30271429574, 322234 },
	{ "DGCF", "Pop", 1682895.5736209042, 1682896 },
	{ "BPR", "ItemKNN", 193.44551257161558, 194 },
	{ "SLIMElastic", "ItemKNN", 233.52860078790576, 234 },
	{ "MultiDAE", "ItemKNN", 299.6503334349707, 300 },
	{ "DMF", "ItemKNN", 366.2753297449209, 367 },
	{ "LightGCN", "ItemKNN", 462.37459803823504, 463 },
	{ "NGCF", "ItemKNN", 635.1867655954519, 636 },
	{ "SGL", "ItemKNN", 1728.3316133854335, 1729 },
	{ "DGCF", "ItemKNN", 12967.000103565797, 12968 },
	{ "LightGCN", "BPR", 139780.8523013521, 139781 },
	{ "SGL", "BPR", 823018.7658367986, 823019 },
	{ "DGCF", "BPR", 3034470.552479162, 3034471 },
	{ "DMF", "SLIMElastic", 4990.070381749536, 4991 },
	{ "LightGCN", "SLIMElastic", 6430.19752350358, 6431 },
	{ "NGCF", "SLIMElastic", 14360.608944553136, 14361 },
	{ "SGL", "SLIMElastic", 40774.49704118057, 40775 },
	{ "DGCF", "SLIMElastic", 325618.4367492563, 325619 },
	{ "DMF", "MultiDAE", 2188.19468724181, 2189 },
	{ "LightGCN", "MultiDAE", 3978.5039931253505, 3979 },
	{ "NGCF", "MultiDAE", 9672.682462229186, 9673 },
	{ "SGL", "MultiDAE", 32641.99426503532, 32642 },
	{ "DGCF", "MultiDAE", 273192.8730396846, 273193 },
	{ "LightGCN", "DMF", 10720.387230279868, 10721 },
	{ "NGCF", "DMF", 499667.61749872274, 499668 },
	{ "SGL", "DMF", 148086.67273656666, 148087 },
	{ "DGCF", "DMF", 1091565.4118237437, 1091566 },
	{ "DGCF", "LightGCN", 5466823.2468774645, 5466824 },
	{ "NGCF", "FISM", 60.95463590057151, 61 },
	{ "SGL", "FISM", 477.3011048674855, 478 },
	{ "DGCF", "FISM", 4745.67165119951, 4746 },
	{ "SGL", "NGCF", 126477.7683375148, 126478 },
	{ "DGCF", "NGCF", 1120187.4404718948, 1120188 },
	{ "SGL", "NAIS", 14.801154418643417, 15 },
	{ "DGCF", "NAIS", 575.2101698853145, 576 },
	{ "DGCF", "SGL", 4786688.975222256, 4786689 },
};

#define N_MIND_BREAKEVEN (sizeof mind_breakeven / sizeof mind_breakeven[0])

/* A MIND model's cost in the study's query unit (with the sd). */
static struct calc_cost
mind_cost(const char *model)
{
	struct calc_cost c;
	size_t i;

	for (i = 0; i < N_MIND; i++) {
		if (strcmp(mind[i].model, model) == 0) {
			c = cost_total(
			    mind[i].train_kwh, mind[i].query_kwh, MIND_USERS);
			c.query_sd_kwh[0] = mind[i].query_sd_kwh;
			return c;
		}
	}
	fail_msg("no MIND model %s", model);
	return cost_total(0, 1, 1);
}

/* Break-even of a against b at one intensity and daily retraining. */
static struct calc_breakeven
mind_breakeven_of(const char *a, const char *b)
{
	struct calc_cost ca = mind_cost(a), cb = mind_cost(b);
	struct calc_scenario s = scenario(365.25, 0, 1, 475, 475, 1);
	struct calc_breakeven r;
	struct ep_err err = EP_ERR_INIT;

	if (calc_breakeven(&ca, &cb, &s, &r, &err) != 0)
		fail_msg("%s", err.msg);
	return r;
}

static void
test_breakeven_study_headline(void **state)
{
	struct calc_breakeven r;

	(void)state;
	/* BPR beats ItemKNN after 194 queries per update on MIND. */
	r = mind_breakeven_of("BPR", "ItemKNN");
	assert_int_equal(r.verdict, CALC_CROSSING);
	assert_int_equal(r.greener_above, CALC_A);
	assert_close(r.queries_per_update, 193.44551257161558, 1e-9);
	assert_close(ceil(r.queries_per_update), 194, 0);
	assert_close(
	    r.requests_per_update, 193.44551257161558 * MIND_USERS, 1e-5);
	assert_close(r.energy_queries_per_update, r.queries_per_update, 0);
	/* Daily retraining: 194 queries a day, in queries per second. */
	assert_close(r.queries_per_sec, 193.44551257161558 / 86400, 1e-14);
	/* NGCF beats FISM after 61, and the order of A and B is free. */
	r = mind_breakeven_of("FISM", "NGCF");
	assert_int_equal(r.verdict, CALC_CROSSING);
	assert_int_equal(r.greener_above, CALC_B);
	assert_close(r.queries_per_update, 60.95463590057151, 1e-10);
	assert_close(ceil(r.queries_per_update), 61, 0);
}

static void
test_breakeven_study_all_pairs(void **state)
{
	struct calc_breakeven r;
	size_t i, j, k, crossings = 0;
	int found;

	(void)state;
	for (i = 0; i < N_MIND; i++) {
		for (j = i + 1; j < N_MIND; j++) {
			r = mind_breakeven_of(mind[i].model, mind[j].model);
			if (r.verdict != CALC_CROSSING) {
				/* Cheaper on both counts: one dominates. */
				assert_true(r.verdict ==
				    (mind[i].train_kwh < mind[j].train_kwh ?
					    CALC_A_DOMINATES :
					    CALC_B_DOMINATES));
				assert_true(isnan(r.queries_per_update));
				continue;
			}
			crossings++;
			found = 0;
			for (k = 0; k < N_MIND_BREAKEVEN; k++) {
				const char *dear = r.greener_above == CALC_A ?
				    mind[i].model :
				    mind[j].model;
				const char *cheap = r.greener_above == CALC_A ?
				    mind[j].model :
				    mind[i].model;

				if (strcmp(mind_breakeven[k].a, dear) != 0 ||
				    strcmp(mind_breakeven[k].b, cheap) != 0)
					continue;
				found = 1;
				assert_close(r.queries_per_update,
				    mind_breakeven[k].exact,
				    mind_breakeven[k].exact * 1e-12);
				assert_close(ceil(r.queries_per_update),
				    mind_breakeven[k].ceil, 0);
			}
			if (!found)
				fail_msg("%s/%s: no published break-even",
				    mind[i].model, mind[j].model);
		}
	}
	assert_int_equal(crossings, N_MIND_BREAKEVEN);
}

static void
test_breakeven_by_hand(void **state)
{
	struct calc_cost a = cost_total(2, 1e-3, 1), b = cost_total(1, 2e-3, 1);
	struct calc_scenario s = scenario(365.25, 0, 1.3, 300, 300, 1);
	struct calc_breakeven r;
	struct ep_err err = EP_ERR_INIT;

	(void)state;
	/* (2 - 1) / (2e-3 - 1e-3) = 1000 requests per update. */
	assert_int_equal(calc_breakeven(&a, &b, &s, &r, &err), 0);
	assert_int_equal(r.verdict, CALC_CROSSING);
	assert_int_equal(r.greener_above, CALC_A);
	assert_close(r.requests_per_update, 1000, 1e-9);
	assert_close(r.queries_per_update, 1000, 1e-9);
	/* Daily: 1000 requests a day. */
	assert_close(r.requests_per_sec, 1000.0 / 86400, 1e-15);
	/* Training in a dirtier region than serving (PUE cancels):
	 * (2 - 1) x 100 / (1e-3 x 400) = 250. */
	s.ci_train_g_per_kwh = 100;
	s.ci_serve_g_per_kwh = 400;
	assert_int_equal(calc_breakeven(&a, &b, &s, &r, &err), 0);
	assert_close(r.requests_per_update, 250, 1e-9);
	assert_close(r.energy_requests_per_update, 1000, 1e-9);
	s.ci_train_g_per_kwh = 800;
	assert_int_equal(calc_breakeven(&a, &b, &s, &r, &err), 0);
	assert_close(r.requests_per_update, 2000, 1e-9);
	/* Never retrained, over 4 years: one training, 1000 requests over
	 * the four years. */
	s = scenario(0, 0, 1, 300, 300, 4);
	assert_int_equal(calc_breakeven(&a, &b, &s, &r, &err), 0);
	assert_close(r.requests_per_sec, 1000 / (4 * 31557600.0), 1e-18);
	/* Different query units: N* in requests only. */
	b = cost_total(1, 2e-2, 10);
	s = scenario(12, 0, 1, 300, 300, 1);
	assert_int_equal(calc_breakeven(&a, &b, &s, &r, &err), 0);
	assert_close(r.requests_per_update, 1000, 1e-9);
	assert_true(isnan(r.queries_per_update));
	assert_true(isnan(r.queries_per_sec));
	/* Same unit of 10 users: 100 queries. */
	a = cost_total(2, 1e-2, 10);
	assert_int_equal(calc_breakeven(&a, &b, &s, &r, &err), 0);
	assert_close(r.queries_per_update, 100, 1e-10);
	assert_close(r.requests_per_update, 1000, 1e-9);
}

static void
test_breakeven_dominance(void **state)
{
	struct calc_cost a = cost_total(1, 1e-3, 1), b = cost_total(2, 2e-3, 1);
	struct calc_scenario s = scenario(52, 0, 1, 300, 300, 1);
	struct calc_breakeven r;
	struct ep_err err = EP_ERR_INIT;

	(void)state;
	assert_int_equal(calc_breakeven(&a, &b, &s, &r, &err), 0);
	assert_int_equal(r.verdict, CALC_A_DOMINATES);
	assert_true(isnan(r.requests_per_update));
	assert_true(isnan(r.requests_per_sec));
	assert_int_equal(calc_breakeven(&b, &a, &s, &r, &err), 0);
	assert_int_equal(r.verdict, CALC_B_DOMINATES);
	/* A tie on one count: the other decides. */
	b = cost_total(1, 2e-3, 1);
	assert_int_equal(calc_breakeven(&a, &b, &s, &r, &err), 0);
	assert_int_equal(r.verdict, CALC_A_DOMINATES);
	assert_int_equal(calc_breakeven(&a, &a, &s, &r, &err), 0);
	assert_int_equal(r.verdict, CALC_EQUAL);
	assert_string_equal(calc_verdict_name(CALC_EQUAL), "equal");
	assert_string_equal(calc_verdict_name(CALC_A_DOMINATES), "A dominates");
}

static void
test_breakeven_batch(void **state)
{
	/* B is dearer per request at batch 1 but cheaper at batch 64. */
	struct calc_cost a = cost_total(2, 1e-6, 1), b = cost_total(1, 2e-6, 1);
	struct calc_scenario s = scenario(12, 0, 1, 300, 300, 1);
	struct calc_breakeven r;
	struct ep_err err = EP_ERR_INIT;

	(void)state;
	b.n_points = 2;
	b.batch[1] = 64;
	b.query_kwh[1] = 5e-7;
	assert_int_equal(calc_breakeven(&a, &b, &s, &r, &err), 0);
	assert_int_equal(r.verdict, CALC_CROSSING);
	assert_close(r.requests_per_update, 1e6, 1e-6);
	s.serve_batch = 64;
	assert_int_equal(calc_breakeven(&a, &b, &s, &r, &err), 0);
	assert_int_equal(r.verdict, CALC_B_DOMINATES);
	assert_close(r.request_kwh_b, 5e-7, 0);
	/* Dynamic batching at 630 requests/s and 0.1 s: batch 64. */
	s.batch_window_secs = 0.1;
	s.requests_per_sec = 630;
	assert_int_equal(calc_breakeven(&a, &b, &s, &r, &err), 0);
	assert_int_equal(r.verdict, CALC_B_DOMINATES);
}

static void
test_breakeven_bad_input(void **state)
{
	struct calc_cost a = cost_total(2, 1e-3, 1), b = cost_total(1, 2e-3, 1);
	struct calc_scenario s = scenario(12, 0, 1, 300, 300, 1);
	struct calc_breakeven r;
	struct calc_breakeven_load l;
	struct ep_err err = EP_ERR_INIT;

	(void)state;
	b.setup_kwh = DNAN;
	assert_range_error(calc_breakeven(&a, &b, &s, &r, &err), &err,
	    "model B: setup_kwh: not a number");
	assert_range_error(calc_breakeven_load(&b, &a, &s, &l, &err), &err,
	    "model A: setup_kwh: not a number");
	b.setup_kwh = 1;
	s.requests_per_sec = -1;
	assert_range_error(calc_breakeven(&a, &b, &s, &r, &err), &err,
	    "requests_per_sec: must not be negative");
	s.requests_per_sec = DNAN;
	assert_range_error(calc_breakeven(&a, &b, &s, &r, &err), &err,
	    "requests_per_sec: not a number");
	s.requests_per_sec = 0;
	s.updates_per_year = DNAN;
	assert_range_error(calc_breakeven_load(&a, &b, &s, &l, &err), &err,
	    "updates_per_year: not a number");
}

static void
test_breakeven_load_constant(void **state)
{
	struct calc_cost a = mind_cost("BPR"), b = mind_cost("ItemKNN");
	struct calc_scenario s = scenario(365.25, 0, 1, 475, 475, 1);
	struct calc_breakeven r;
	struct calc_breakeven_load l;
	struct ep_err err = EP_ERR_INIT;

	(void)state;
	/* One batch each: Brent must land on the closed form. */
	assert_int_equal(calc_breakeven(&a, &b, &s, &r, &err), 0);
	assert_int_equal(calc_breakeven_load(&a, &b, &s, &l, &err), 0);
	assert_int_equal(l.verdict, CALC_CROSSING);
	assert_int_equal(l.n_crossings, 1);
	assert_int_equal(l.greener_below, CALC_B);
	assert_close(l.requests_per_sec[0], r.requests_per_sec,
	    r.requests_per_sec * 1e-10);
	assert_close(
	    l.requests_per_update[0] / MIND_USERS, 193.44551257161558, 1e-7);
	/* Dominance carries over. */
	a = mind_cost("NAIS");
	assert_int_equal(calc_breakeven_load(&a, &b, &s, &l, &err), 0);
	assert_int_equal(l.verdict, CALC_B_DOMINATES);
	assert_int_equal(l.n_crossings, 0);
	assert_int_equal(calc_breakeven_load(&a, &a, &s, &l, &err), 0);
	assert_int_equal(l.verdict, CALC_EQUAL);
}

static void
test_breakeven_load_batching(void **state)
{
	/*
	 * A: 1 kWh an update, 1e-6 kWh a request at any load. B: free to
	 * train, 4e-6 kWh a request at batch 1 and 4e-8 at batch 100, so
	 * e_B(b) = 4e-6 / b. With a 1 s window b = 1 + r, and with
	 * U = k/2 updates a year (k = year x 1e-6), A is greener where
	 *
	 *	U + k r < 4 k r / (1 + r)  <=>  r^2 - 2.5 r + 0.5 < 0,
	 *
	 * between r = (2.5 -+ sqrt(4.25)) / 2 requests/s.
	 */
	struct calc_cost a = cost_total(1, 1e-6, 1), b = cost_total(0, 4e-6, 1);
	double k = 31557600 * 1e-6;
	struct calc_scenario s = scenario(k / 2, 0, 1.2, 200, 200, 1);
	struct calc_breakeven_load l;
	struct ep_err err = EP_ERR_INIT;
	double r1 = (2.5 - sqrt(4.25)) / 2, r2 = (2.5 + sqrt(4.25)) / 2;

	(void)state;
	b.n_points = 2;
	b.batch[1] = 100;
	b.query_kwh[1] = 4e-8;
	s.batch_window_secs = 1;
	assert_int_equal(calc_breakeven_load(&a, &b, &s, &l, &err), 0);
	assert_int_equal(l.verdict, CALC_CROSSING);
	assert_int_equal(l.greener_below, CALC_B);
	assert_int_equal(l.n_crossings, 2);
	assert_close(l.requests_per_sec[0], r1, r1 * 1e-10);
	assert_close(l.requests_per_sec[1], r2, r2 * 1e-10);
	assert_close(l.batch_b[0], 1 + r1, 1e-9);
	assert_close(l.batch_a[0], 1, 0);
	/* Requests per update: r x year / (k / 2) = 2e6 r. */
	assert_close(l.requests_per_update[1], 2e6 * r2, 1e-3);
	/* Retraining a little over twice as often, U = 1.0001 k: r^2 -
	 * 1.9999 r + 1.0001 has no real root (at U = k it would touch
	 * zero at 1 request/s): no crossing, B is greener at every load
	 * without dominating. */
	s.updates_per_year = k * 1.0001;
	assert_int_equal(calc_breakeven_load(&a, &b, &s, &l, &err), 0);
	assert_int_equal(l.n_crossings, 0);
	assert_int_equal(l.verdict, CALC_B_GREENER);
	assert_int_equal(l.greener_below, CALC_B);
}

/* ---- uncertainty ------------------------------------------------------- */

static void
test_uncertainty_exact_figures(void **state)
{
	struct calc_cost a = cost_total(2, 1e-3, 1), b = cost_total(1, 2e-3, 1);
	struct calc_scenario s = scenario(12, 1, 1.5, 100, 400, 1);
	struct calc_uncertainty u;
	struct calc_annual ya, yb;
	struct ep_err err = EP_ERR_INIT;

	(void)state;
	/* No spread: every percentile is the nominal value. */
	assert_int_equal(calc_uncertainty(&a, &b, &s, 100, 1, &u, &err), 0);
	assert_int_equal(calc_annual(&a, &s, &ya, &err), 0);
	assert_int_equal(calc_annual(&b, &s, &yb, &err), 0);
	assert_int_equal(u.n_samples, 100);
	assert_int_equal(u.dear, CALC_A);
	assert_close(u.requests_per_update.lo, 250, 1e-9);
	assert_close(u.requests_per_update.median, 250, 1e-9);
	assert_close(u.requests_per_update.hi, 250, 1e-9);
	assert_close(u.queries_per_update.median, 250, 1e-9);
	assert_close(u.p_finite, 1, 0);
	assert_close(
	    u.emissions_g_a.median, ya.emissions_g, REL(ya.emissions_g));
	assert_close(u.emissions_g_b.lo, yb.emissions_g, REL(yb.emissions_g));
	/* A million requests a year per update is far past 250. */
	assert_close(u.p_a_greener, 1, 0);
	/* B dearer both ways: A is never "the dear one", B never wins. */
	b = cost_total(3, 2e-3, 1);
	assert_int_equal(calc_uncertainty(&a, &b, &s, 10, 1, &u, &err), 0);
	assert_int_equal(u.dear, CALC_B);
	assert_true(isinf(u.requests_per_update.median));
	assert_close(u.p_finite, 0, 0);
	assert_close(u.p_a_greener, 1, 0);
	/* Same model: ties count half. */
	assert_int_equal(calc_uncertainty(&a, &a, &s, 10, 1, &u, &err), 0);
	assert_close(u.p_a_greener, 0.5, 0);
}

static void
test_uncertainty_study_10000(void **state)
{
	struct calc_cost a = mind_cost("BPR"), b = mind_cost("ItemKNN");
	struct calc_scenario s = scenario(365.25, 0, 1, 475, 475, 1);
	struct calc_breakeven r;
	struct calc_uncertainty u, v;
	struct ep_err err = EP_ERR_INIT;

	(void)state;
	/* At the nominal break-even load A and B are a coin toss. */
	assert_int_equal(calc_breakeven(&a, &b, &s, &r, &err), 0);
	s.requests_per_sec = r.requests_per_sec;
	assert_int_equal(calc_uncertainty(&a, &b, &s, 10000, 42, &u, &err), 0);
	assert_int_equal(u.n_samples, 10000);
	assert_int_equal(u.dear, CALC_A);
	assert_close(u.p_finite, 1, 0);
	assert_true(u.queries_per_update.lo < 193.45);
	assert_true(u.queries_per_update.hi > 193.45);
	assert_close(u.queries_per_update.median, 193.45, 193.45 * 0.01);
	assert_true(u.queries_per_update.lo > 150);
	assert_true(u.queries_per_update.hi < 250);
	assert_close(u.p_a_greener, 0.5, 0.05);
	assert_true(u.emissions_g_a.lo < u.emissions_g_a.median);
	assert_true(u.emissions_g_a.median < u.emissions_g_a.hi);
	/* Seeded: the same seed repeats exactly, another one differs. */
	assert_int_equal(calc_uncertainty(&a, &b, &s, 10000, 42, &v, &err), 0);
	assert_true(v.queries_per_update.median == u.queries_per_update.median);
	assert_true(v.p_a_greener == u.p_a_greener);
	assert_int_equal(calc_uncertainty(&a, &b, &s, 10000, 43, &v, &err), 0);
	assert_true(v.queries_per_update.median != u.queries_per_update.median);
	/* Ten times the load: BPR is greener in (nearly) every sample. */
	s.requests_per_sec *= 10;
	assert_int_equal(calc_uncertainty(&a, &b, &s, 10000, 42, &u, &err), 0);
	assert_true(u.p_a_greener > 0.999);
}

static void
test_uncertainty_truncation(void **state)
{
	/* Spreads far wider than the means: draws stay positive. */
	struct calc_cost a = cost_total(1, 1e-6, 1), b = cost_total(0, 1e-5, 1);
	struct calc_scenario s = scenario(12, 1, 1, 300, 300, 1);
	struct calc_uncertainty u;
	struct ep_err err = EP_ERR_INIT;

	(void)state;
	a.setup_sd_kwh = 10;
	a.query_sd_kwh[0] = 1e-4;
	b.setup_sd_kwh = 1; /* mean 0: a half-normal */
	b.query_sd_kwh[0] = 1e-3;
	assert_int_equal(calc_uncertainty(&a, &b, &s, 2000, 7, &u, &err), 0);
	assert_true(u.emissions_g_a.lo > 0);
	assert_true(u.emissions_g_b.lo > 0);
	assert_true(u.requests_per_update.lo >= 0);
	assert_true(u.p_finite > 0 && u.p_finite < 1);
}

static void
test_uncertainty_bad_input(void **state)
{
	struct calc_cost a = cost_total(2, 1e-3, 1), b = cost_total(1, 2e-3, 1);
	struct calc_scenario s = scenario(12, 1, 1, 300, 300, 1);
	struct calc_uncertainty u;
	struct ep_err err = EP_ERR_INIT;

	(void)state;
	assert_range_error(
	    calc_uncertainty(&a, &b, &s, 0, 1, &u, &err), &err, "samples");
	s.requests_per_sec = 0;
	assert_range_error(calc_uncertainty(&a, &b, &s, 10, 1, &u, &err), &err,
	    "requests_per_sec: must be positive");
	s.requests_per_sec = 1;
	a.epoch_valid_sd_kwh = DNAN;
	assert_range_error(calc_uncertainty(&a, &b, &s, 10, 1, &u, &err), &err,
	    "model A: epoch_valid_sd_kwh: not a number");
}

/* ---- schedule ---------------------------------------------------------- */

static void
test_schedule_hourly(void **state)
{
	static const double v[] = { 300, 200, 100, 50, 400, 500 };
	struct calc_job job = { 2 * 3600, 10, 1.2, 0 };
	struct calc_schedule r;
	struct ep_err err = EP_ERR_INIT;

	(void)state;
	/* Two hours: best from 2h, (100 + 50) / 2 = 75 against 250 now. */
	assert_int_equal(calc_schedule(v, 6, 3600, &job, &r, &err), 0);
	assert_close(r.start_secs, 7200, 1e-9);
	assert_close(r.mean_g_per_kwh, 75, 1e-12);
	assert_close(r.emissions_g, 10 * 1.2 * 75, 1e-9);
	assert_close(r.now_mean_g_per_kwh, 250, 1e-12);
	assert_close(r.now_emissions_g, 3000, 1e-9);
	assert_close(r.saving_g, 2100, 1e-9);
	assert_close(r.saving_pct, 70, 1e-9);
	assert_close(r.span_secs, 6 * 3600, 0);
	assert_close(r.latest_start_secs, 4 * 3600, 0);
	/* A deadline at 3h leaves starts 0 and 1h: 1h wins, 150. */
	job.deadline_secs = 3 * 3600;
	assert_int_equal(calc_schedule(v, 6, 3600, &job, &r, &err), 0);
	assert_close(r.start_secs, 3600, 1e-9);
	assert_close(r.mean_g_per_kwh, 150, 1e-12);
}

static void
test_schedule_fractional(void **state)
{
	static const double v[] = { 300, 200, 100, 50, 400 };
	struct calc_job job = { 1.5 * 3600, 1, 1, 0 };
	struct calc_schedule r;
	struct ep_err err = EP_ERR_INIT;

	(void)state;
	/*
	 * An hour and a half: from 2h, (100 + 0.5 x 50) / 1.5 = 83.3;
	 * from 2.5h (ending on the 4h boundary), (0.5 x 100 + 50) / 1.5
	 * = 66.7, the best, which starts mid-step.
	 */
	assert_int_equal(calc_schedule(v, 5, 3600, &job, &r, &err), 0);
	assert_close(r.start_secs, 2.5 * 3600, 1e-9);
	assert_close(r.mean_g_per_kwh, 100.0 / 1.5, 1e-12);
	assert_close(r.now_mean_g_per_kwh, (300 + 0.5 * 200) / 1.5, 1e-12);
	assert_close(r.saving_pct, (1 - 100.0 / 400) * 100, 1e-9);
}

static void
test_schedule_halfhourly(void **state)
{
	/* UK-style half-hours; a 45 min run: 0.75 h = 1.5 steps. */
	static const double v[] = { 210, 190, 150, 120, 90, 95, 130, 180 };
	struct calc_job job = { 45 * 60, 2, 1, 0 };
	struct calc_schedule r;
	struct ep_err err = EP_ERR_INIT;

	(void)state;
	/*
	 * Candidates around the trough: from 2h (step 4): (90 x 30 + 95 x
	 * 15) / 45 = 91.67; from 1h45 (ending at 2h30): (120 x 15 + 90 x
	 * 30) / 45 = 100; best 91.67 at 2h.
	 */
	assert_int_equal(calc_schedule(v, 8, 1800, &job, &r, &err), 0);
	assert_close(r.start_secs, 2 * 3600, 1e-9);
	assert_close(r.mean_g_per_kwh, (90 * 30 + 95 * 15) / 45.0, 1e-12);
	assert_close(r.emissions_g, 2 * (90 * 30 + 95 * 15) / 45.0, 1e-9);
}

static void
test_schedule_now_and_ties(void **state)
{
	static const double rising[] = { 10, 20, 30, 40 };
	static const double flat[] = { 100, 100, 100, 100 };
	struct calc_job job = { 3600, 5, 1, 0 };
	struct calc_schedule r;
	struct ep_err err = EP_ERR_INIT;

	(void)state;
	assert_int_equal(calc_schedule(rising, 4, 3600, &job, &r, &err), 0);
	assert_close(r.start_secs, 0, 0);
	assert_close(r.saving_g, 0, 0);
	assert_close(r.saving_pct, 0, 0);
	/* A tie goes to the earliest start. */
	assert_int_equal(calc_schedule(flat, 4, 3600, &job, &r, &err), 0);
	assert_close(r.start_secs, 0, 0);
	/* The run fills the whole series: one start. */
	job.duration_secs = 4 * 3600;
	assert_int_equal(calc_schedule(rising, 4, 3600, &job, &r, &err), 0);
	assert_close(r.mean_g_per_kwh, 25, 1e-12);
}

static void
test_schedule_bad_input(void **state)
{
	double v[] = { 100, 200, 300 };
	struct calc_job job = { 3600, 1, 1, 0 };
	struct calc_schedule r;
	struct ep_err err = EP_ERR_INIT;

	(void)state;
	assert_range_error(
	    calc_schedule(v, 0, 3600, &job, &r, &err), &err, "empty");
	assert_range_error(calc_schedule(v, 3, 0, &job, &r, &err), &err,
	    "step_secs: must be positive");
	v[1] = DNAN;
	assert_range_error(calc_schedule(v, 3, 3600, &job, &r, &err), &err,
	    "g_per_kwh[1]: not a number");
	v[1] = -5;
	assert_range_error(calc_schedule(v, 3, 3600, &job, &r, &err), &err,
	    "g_per_kwh[1]: must not be negative");
	v[1] = 200;
	job.duration_secs = 4 * 3600;
	assert_range_error(
	    calc_schedule(v, 3, 3600, &job, &r, &err), &err, "does not fit");
	job.duration_secs = 2 * 3600;
	job.deadline_secs = 3600;
	assert_range_error(
	    calc_schedule(v, 3, 3600, &job, &r, &err), &err, "deadline");
	job.deadline_secs = 0;
	job.pue = DNAN;
	assert_range_error(calc_schedule(v, 3, 3600, &job, &r, &err), &err,
	    "pue: not a number");
	job.pue = 1;
	job.duration_secs = 0;
	assert_range_error(calc_schedule(v, 3, 3600, &job, &r, &err), &err,
	    "duration_secs: must be positive");
}

/* ---- rank -------------------------------------------------------------- */

/*
 * MovieLens training energy (kWh) of the 18 models: the 2023 reference
 * (Spillo et al.) against the 2025 reproduction (12 metrics).
 */
static const double ml_ref_kwh[] = {
	0.00062808847618893,
	0.00151918490939988,
	0.00301890325286708,
	0.0188378425398894,
	0.176894269510365,
	0.546689993249268,
	0.00430286469522973,
	0.0077383395196052,
	0.00132809125801351,
	0.0717585581562323,
	1.02554183410446,
	0.044328345366127,
	0.189024993341947,
	0.0204924420725857,
	0.00836744865585863,
	0.0155199328963874,
	0.00954428266371282,
	0.382505348417806,
};
static const double ml_repro_kwh[] = {
	0.0002212294838677985,
	0.00030486157416021765,
	0.009551278644749861,
	0.017060421593472323,
	0.057419212912993664,
	0.6525239745615115,
	0.012809751513620505,
	0.014614667117151363,
	0.012238422328175015,
	0.04658847104725153,
	0.7936467685333195,
	0.03276511341834147,
	0.11129127788606165,
	0.02027288001911553,
	0.01348997702487761,
	0.02289669604313466,
	0.02454720967586364,
	0.17194140060724794,
};

static void
test_rank_study_movielens(void **state)
{
	struct calc_rank r;
	struct ep_err err = EP_ERR_INIT;

	(void)state;
	assert_int_equal(calc_rank(ml_ref_kwh, ml_repro_kwh, 18, &r, &err), 0);
	assert_int_equal(r.n, 18);
	/* The study's 0.973 (0.97317): 1 - 6 x 26 / (18 x 323). */
	assert_close(r.spearman_rho, 1 - 6.0 * 26 / (18 * 323), 1e-12);
	assert_close(round(r.spearman_rho * 1000) / 1000, 0.973, 1e-12);
	/* Kendall: 145 concordant, 8 discordant of 153 pairs. */
	assert_close(r.kendall_tau_b, (145.0 - 8) / 153, 1e-12);
}

static void
test_rank_ties_and_reversal(void **state)
{
	static const double x[] = { 1, 2, 2, 3 }, y[] = { 1, 3, 2, 4 };
	static const double up[] = { 1, 2, 3, 4, 5 },
			    down[] = { 9, 7, 5, 3, 1 };
	struct calc_rank r;
	struct ep_err err = EP_ERR_INIT;

	(void)state;
	/* Average ranks 1, 2.5, 2.5, 4: rho = 4.5 / sqrt(4.5 x 5). */
	assert_int_equal(calc_rank(x, y, 4, &r, &err), 0);
	assert_close(r.spearman_rho, 4.5 / sqrt(4.5 * 5), 1e-12);
	/* 5 concordant, one pair tied in x: 5 / sqrt(5 x 6). */
	assert_close(r.kendall_tau_b, 5 / sqrt(30.0), 1e-12);
	assert_int_equal(calc_rank(up, down, 5, &r, &err), 0);
	assert_close(r.spearman_rho, -1, 1e-12);
	assert_close(r.kendall_tau_b, -1, 1e-12);
	/* Only the order matters. */
	assert_int_equal(calc_rank(up, up, 2, &r, &err), 0);
	assert_close(r.spearman_rho, 1, 1e-12);
}

static void
test_rank_bad_input(void **state)
{
	double x[] = { 1, 2, 3 }, y[] = { 3, 3, 3 };
	struct calc_rank r;
	struct ep_err err = EP_ERR_INIT;

	(void)state;
	assert_range_error(calc_rank(x, x, 1, &r, &err), &err, "at least 2");
	assert_range_error(
	    calc_rank(x, y, 3, &r, &err), &err, "second set are equal");
	assert_range_error(
	    calc_rank(y, x, 3, &r, &err), &err, "first set are equal");
	y[2] = DNAN;
	assert_range_error(
	    calc_rank(x, y, 3, &r, &err), &err, "y[2]: not a number");
	x[0] = -HUGE_VAL;
	assert_range_error(
	    calc_rank(x, y, 3, &r, &err), &err, "x[0]: must be finite");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_annual_by_hand),
		cmocka_unit_test(test_annual_cadence),
		cmocka_unit_test(test_annual_regions),
		cmocka_unit_test(test_annual_pue),
		cmocka_unit_test(test_annual_query_unit),
		cmocka_unit_test(test_interp_log_log),
		cmocka_unit_test(test_serve_batch),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_saving_pct),
		cmocka_unit_test(test_saving_study),
		cmocka_unit_test(test_breakeven_study_headline),
		cmocka_unit_test(test_breakeven_study_all_pairs),
		cmocka_unit_test(test_breakeven_by_hand),
		cmocka_unit_test(test_breakeven_dominance),
		cmocka_unit_test(test_breakeven_batch),
		cmocka_unit_test(test_breakeven_bad_input),
		cmocka_unit_test(test_breakeven_load_constant),
		cmocka_unit_test(test_breakeven_load_batching),
		cmocka_unit_test(test_uncertainty_exact_figures),
		cmocka_unit_test(test_uncertainty_study_10000),
		cmocka_unit_test(test_uncertainty_truncation),
		cmocka_unit_test(test_uncertainty_bad_input),
		cmocka_unit_test(test_schedule_hourly),
		cmocka_unit_test(test_schedule_fractional),
		cmocka_unit_test(test_schedule_halfhourly),
		cmocka_unit_test(test_schedule_now_and_ties),
		cmocka_unit_test(test_schedule_bad_input),
		cmocka_unit_test(test_rank_study_movielens),
		cmocka_unit_test(test_rank_ties_and_reversal),
		cmocka_unit_test(test_rank_bad_input),
	};

	/* As main() does: GSL reports by status code, never aborts. */
	gsl_set_error_handler_off();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
