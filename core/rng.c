/*
 * PCG32 random numbers.
 */
#include <math.h>

#include "core/rng.h"
#include "core/banned.h"

#define PCG_MULT 6364136223846793005ULL

uint32_t
ep_rng_u32(struct ep_rng *rng)
{
	uint64_t old = rng->state;
	uint32_t xorshifted = (uint32_t)(((old >> 18) ^ old) >> 27);
	uint32_t rot = (uint32_t)(old >> 59);

	rng->state = old * PCG_MULT + rng->inc;
	return (xorshifted >> rot) | (xorshifted << ((-rot) & 31));
}

void
ep_rng_seed(struct ep_rng *rng, uint64_t seed, uint64_t stream)
{
	rng->state = 0;
	rng->inc = (stream << 1) | 1;
	ep_rng_u32(rng);
	rng->state += seed;
	ep_rng_u32(rng);
}

uint32_t
ep_rng_below(struct ep_rng *rng, uint32_t n)
{
	/* Lemire's multiply-shift with rejection of the biased low end. */
	uint64_t m = (uint64_t)ep_rng_u32(rng) * n;
	uint32_t low = (uint32_t)m;

	if (low < n) {
		uint32_t threshold = (uint32_t)(-n) % n;

		while (low < threshold) {
			m = (uint64_t)ep_rng_u32(rng) * n;
			low = (uint32_t)m;
		}
	}
	return (uint32_t)(m >> 32);
}

double
ep_rng_uniform(struct ep_rng *rng)
{
	uint64_t hi = ep_rng_u32(rng) >> 5, lo = ep_rng_u32(rng) >> 6;

	return ((double)hi * 67108864.0 + (double)lo) * (1.0 / 9007199254740992.0);
}

double
ep_rng_normal(struct ep_rng *rng)
{
	double u1, u2;

	do
		u1 = ep_rng_uniform(rng);
	while (u1 <= 0);
	u2 = ep_rng_uniform(rng);
	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}
