/*
 * The exponential and the hyperbolic tangent of four floats at a time,
 * for element-wise steps where glibc's expf and tanhf, one value a call,
 * were a large share of the work: DGCF's softmax over the factors of an
 * edge and its tanh of the normalised rows (together about a quarter of
 * its instructions), and MultiVAE's softmax over the items.
 *
 * Cephes' single-precision algorithms (S. L. Moshier), written with
 * GCC's and Clang's vector extensions so that they inline into the
 * callers' AVX2 clones:
 *   exp(x)  = 2^n p(r), n = round(x / ln 2), r = x - n ln 2 (ln 2 in two
 *             parts), p Cephes' degree-7 polynomial;
 *   tanh(x) = x + x^3 q(x^2) for |x| < 0.625, otherwise
 *             sign(x) (1 - 2 / (exp(2|x|) + 1)).
 * Both are within 2 ulp of the correctly rounded result over the range
 * that the tests sweep (tests/test_vmath.c) and propagate NaN. model_exp4
 * flushes what would be subnormal (x < -87.3, results below 2^-126) to
 * exp(-87.3), about 1.2e-38, and saturates above 88.37 at 2.4e38: the
 * softmaxes add such terms to sums of at least 1, and tanh's own use
 * of it comes out as +-1 either way.
 *
 * The spans take any length; a tail of fewer than four goes through
 * the same code, padded, so a value's result does not depend on where
 * it sits.
 */
#ifndef ECOPLAN_MODELS_VMATH_H
#define ECOPLAN_MODELS_VMATH_H

#include <math.h>
#include <stddef.h>
#include <string.h>

#if defined(__GNUC__)

/* Vectors of four and eight floats, and the same at any float's
 * alignment (for loads from and stores to rows). */
typedef float model_v4f __attribute__((vector_size(16)));
typedef float model_v4fu __attribute__((vector_size(16), aligned(4)));
typedef float model_v8f __attribute__((vector_size(32)));
typedef float model_v8fu __attribute__((vector_size(32), aligned(4)));
typedef int model_v4i __attribute__((vector_size(16)));
typedef float model_v16f __attribute__((vector_size(64)));
typedef float model_v16fu __attribute__((vector_size(64), aligned(4)));
typedef int model_v16i __attribute__((vector_size(64)));

#define MODEL_V4(c) ((model_v4f){ (c), (c), (c), (c) })

/* Where m is set, b; elsewhere a. */
static inline __attribute__((always_inline)) model_v4f
model_v4_select(model_v4f a, model_v4f b, model_v4i m)
{
	return (model_v4f)(((model_v4i)a & ~m) | ((model_v4i)b & m));
}

/*
 * The exponential in place, written once for vectors of any width: V
 * the float vector, VI the int one of the same width (through a
 * pointer: a vector of 16 is not passed by value where AVX-512 is not
 * enabled). Every lane goes through the same operations, so a value's
 * result does not depend on the width.
 */
#define MODEL_EXP_DEFINE(name, V, VI) \
static inline __attribute__((always_inline)) void \
name(V *xp) \
{ \
	const float magic = 12582912.0f;	/* 1.5 2^23: rounds */ \
	V x = *xp, t, n, r, p; \
	VI e, m; \
\
	m = x < -87.33654f; \
	x = (V)(((VI)x & ~m) | ((VI)((V){ 0 } + -87.33654f) & m)); \
	m = x > 88.37626f; \
	x = (V)(((VI)x & ~m) | ((VI)((V){ 0 } + 88.37626f) & m)); \
	t = x * 1.44269504088896341f + magic; \
	n = t - magic; \
	r = x - n * 0.693359375f; \
	r = r - n * -2.12194440e-4f; \
	p = (V){ 0 } + 1.9875691500e-4f; \
	p = p * r + 1.3981999507e-3f; \
	p = p * r + 8.3334519073e-3f; \
	p = p * r + 4.1665795894e-2f; \
	p = p * r + 1.6666665459e-1f; \
	p = p * r + 5.0000001201e-1f; \
	p = p * (r * r) + r + 1.0f; \
	/* t's low bits hold n (its exponent is that of 1.5 2^23). */ \
	e = ((VI)t - 0x4b400000 + 127) << 23; \
	*xp = p * (V)e; \
}

MODEL_EXP_DEFINE(model_exp_v4, model_v4f, model_v4i)
MODEL_EXP_DEFINE(model_exp_v16, model_v16f, model_v16i)

static inline __attribute__((always_inline)) model_v4f
model_exp4(model_v4f x)
{
	model_exp_v4(&x);
	return x;
}

static inline __attribute__((always_inline)) model_v4f
model_tanh4(model_v4f x)
{
	const model_v4i sign = { (int)0x80000000u, (int)0x80000000u,
		(int)0x80000000u, (int)0x80000000u };
	model_v4f ax = (model_v4f)((model_v4i)x & ~sign), z = x * x, q, big;

	q = MODEL_V4(-5.70498872745e-3f);
	q = q * z + 2.06390887954e-2f;
	q = q * z - 5.37397155531e-2f;
	q = q * z + 1.33314422036e-1f;
	q = q * z - 3.33332819422e-1f;
	q = q * z * x + x;
	big = 1.0f - 2.0f / (model_exp4(ax + ax) + 1.0f);
	/* Both halves take x's sign (tanh(-0) = -0). */
	return (model_v4f)((model_v4i)model_v4_select(big, q,
	    ax < MODEL_V4(0.625f)) | ((model_v4i)x & sign));
}

enum model_vop { MODEL_VEXP, MODEL_VTANH };

/* out[i] = exp(in[i] + k) or tanh(in[i] k), i < n; a tail of fewer
 * than four is padded with zeros and goes through the same code. */
static inline __attribute__((always_inline)) void
model_span4(float *out, const float *in, size_t n, enum model_vop op,
    float k)
{
	float tmp[4];
	model_v4f v;
	size_t i, w;

	for (i = 0; i < n; i += 4) {
		w = n - i < 4 ? n - i : 4;
		if (w == 4) {
			memcpy(&v, in + i, sizeof v);
		} else {
			memset(tmp, 0, sizeof tmp);
			memcpy(tmp, in + i, w * sizeof(float));
			memcpy(&v, tmp, sizeof v);
		}
		v = op == MODEL_VEXP ? model_exp4(v + k) : model_tanh4(v * k);
		if (w == 4) {
			memcpy(out + i, &v, sizeof v);
		} else {
			memcpy(tmp, &v, sizeof v);
			memcpy(out + i, tmp, w * sizeof(float));
		}
	}
}

/* out[i] = exp(in[i] + add), i < n. */
static inline __attribute__((always_inline)) void
model_exp_span(float *out, const float *in, float add, size_t n)
{
	model_span4(out, in, n, MODEL_VEXP, add);
}

/* out[i] = tanh(in[i] scale), i < n. */
static inline __attribute__((always_inline)) void
model_tanh_span(float *out, const float *in, float scale, size_t n)
{
	model_span4(out, in, n, MODEL_VTANH, scale);
}

#else /* no vector extensions: the C library's, one value at a time */

static inline void
model_exp_span(float *out, const float *in, float add, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		out[i] = expf(in[i] + add);
}

static inline void
model_tanh_span(float *out, const float *in, float scale, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		out[i] = tanhf(in[i] * scale);
}

#endif
#endif
