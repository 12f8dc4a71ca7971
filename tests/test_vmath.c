/*
 * Tests for models/vmath.h: the vector exponential and tanh against the
 * C library's in double precision, over a sweep of every 4099th float,
 * at the edges of their ranges, and through every tail length of the
 * spans; the exponential of 16 lanes against that of 4.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <string.h>

#include "models/vmath.h"

/* The distance between floats near r. */
static double
ulp_at(double r)
{
	int e;

	frexp(r, &e);
	return ldexp(1.0, e - 24 < -149 ? -149 : e - 24);
}

static float
one_exp(float x)
{
	float y;

	model_exp_span(&y, &x, 0, 1);
	return y;
}

static float
one_tanh(float x)
{
	float y;

	model_tanh_span(&y, &x, 1, 1);
	return y;
}

/* Every 4099th bit pattern (both signs, every exponent). */
static void
test_vmath_sweep(void **state)
{
	double worst_e = 0, worst_t = 0;
	uint64_t b;

	(void)state;
	for (b = 0; b <= 0xffffffffu; b += 4099) {
		uint32_t w = (uint32_t)b;
		float x;
		double r;

		memcpy(&x, &w, sizeof x);
		if (!isfinite(x))
			continue;
		if (x > -87.33f && x < 88.37f) {
			r = exp((double)x);
			worst_e = fmax(worst_e, fabs((double)one_exp(x) - r) /
			    ulp_at(r));
		}
		r = tanh((double)x);
		if (r == 0)
			assert_true(one_tanh(x) == 0);
		else
			worst_t = fmax(worst_t, fabs((double)one_tanh(x) - r) /
			    ulp_at(r));
	}
	print_message("exp within %.3f ulp, tanh within %.3f ulp\n", worst_e,
	    worst_t);
	assert_true(worst_e <= 2);
	assert_true(worst_t <= 2);
	/* The sweep reached both halves of tanh and the range's edges. */
	assert_true(worst_e > 0 && worst_t > 0);
}

static void
test_vmath_edges(void **state)
{
	(void)state;
	assert_true(isnan(one_exp(NAN)));
	assert_true(isnan(one_tanh(NAN)));
	assert_true(one_exp(0) == 1.0f);
	/* Saturated above and flushed below, never infinite or zero. */
	assert_true(one_exp(INFINITY) > 1e38f && isfinite(one_exp(INFINITY)));
	assert_true(one_exp(1e30f) == one_exp(88.37626f));
	assert_true(one_exp(-INFINITY) == one_exp(-87.33654f));
	assert_true(one_exp(-200) >= FLT_MIN && one_exp(-200) < 1.2e-38f);
	assert_true(one_tanh(INFINITY) == 1.0f);
	assert_true(one_tanh(-INFINITY) == -1.0f);
	assert_true(one_tanh(20) == 1.0f);
	assert_true(one_tanh(0) == 0 && !signbit(one_tanh(0)));
	assert_true(one_tanh(-0.0f) == 0 && signbit(one_tanh(-0.0f)));
	assert_true(one_tanh(1e-30f) == 1e-30f);
	/* Odd, on both sides of the switch at 0.625. */
	assert_true(one_tanh(-0.6f) == -one_tanh(0.6f));
	assert_true(one_tanh(-0.7f) == -one_tanh(0.7f));
}

/* Spans of every length up to 9: each value as if alone, the shift
 * and scale applied, nothing past the end written. */
static void
test_vmath_spans(void **state)
{
	float in[9], out[10];
	size_t n, i;

	(void)state;
	for (i = 0; i < 9; i++)
		in[i] = -2.0f + 0.45f * (float)i;
	for (n = 0; n <= 9; n++) {
		for (i = 0; i < 10; i++)
			out[i] = -7;
		model_exp_span(out, in, -0.5f, n);
		for (i = 0; i < n; i++)
			assert_true(out[i] == one_exp(in[i] - 0.5f));
		assert_true(out[n] == -7);
		model_tanh_span(out, in, 0.5f, n);
		for (i = 0; i < n; i++)
			assert_true(out[i] == one_tanh(in[i] * 0.5f));
		assert_true(out[n] == -7);
	}
}

/* The exponential of 16 lanes: each lane bit for bit that of 4, over
 * the sweep's bit patterns (NaN, infinities and the clamps among them)
 * in every lane position. */
static void
test_vmath_exp16(void **state)
{
	uint64_t b;

	(void)state;
	for (b = 0; b <= 0xffffffffu; b += 16 * 4099) {
		uint32_t w[16], got[16], want[16];
		model_v16f v16;
		model_v4f v4;
		size_t i;

		for (i = 0; i < 16; i++)
			w[i] = (uint32_t)(b + i * 4099);
		memcpy(&v16, w, sizeof v16);
		model_exp_v16(&v16);
		memcpy(got, &v16, sizeof got);
		for (i = 0; i < 16; i += 4) {
			memcpy(&v4, w + i, sizeof v4);
			v4 = model_exp4(v4);
			memcpy(want + i, &v4, sizeof v4);
		}
		assert_memory_equal(got, want, sizeof got);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vmath_sweep),
		cmocka_unit_test(test_vmath_edges),
		cmocka_unit_test(test_vmath_spans),
		cmocka_unit_test(test_vmath_exp16),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
