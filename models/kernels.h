/*
 * Small dense kernels shared by the models, compiled for AVX2 as well as
 * the baseline where the compiler supports function versions, and picked
 * at load time. The arithmetic is the same in every version (no fused
 * multiply-add), so results do not depend on the CPU.
 */
#ifndef ECOPLAN_MODELS_KERNELS_H
#define ECOPLAN_MODELS_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/* y[0..n) += a * x[0..n) */
void model_axpy(float *restrict y, float a, const float *restrict x,
    size_t n);

/* out[0..d) = sum over k of W[idx[k] * d .. + d), for cnt indices. */
void model_sum_rows(float *restrict out, const float *restrict W,
    const uint32_t *idx, size_t cnt, size_t d);

/* sum x[i] * y[i] in float, in index order. */
float model_dot(const float *restrict x, const float *restrict y, size_t n);

/* First index k in the sorted a[0..n) with a[k] >= key. */
size_t model_lower_bound(const uint32_t *a, size_t n, uint32_t key);

#endif
