/*
 * A small, fast, seedable random number generator (PCG32, O'Neill 2014:
 * 64-bit LCG state, XSH-RR output). Each stream is independent, so work
 * split across threads can give each user or block its own stream and
 * stay deterministic whatever the thread count.
 */
#ifndef ECOPLAN_CORE_RNG_H
#define ECOPLAN_CORE_RNG_H

#include <stdint.h>

struct ep_rng {
	uint64_t state;
	uint64_t inc;	/* stream selector, always odd */
};

/* Seeds rng; different stream values give independent sequences. */
void ep_rng_seed(struct ep_rng *rng, uint64_t seed, uint64_t stream);

/* A uniformly distributed 32-bit value. */
uint32_t ep_rng_u32(struct ep_rng *rng);

/* A uniform integer in [0, n), without modulo bias; n > 0. */
uint32_t ep_rng_below(struct ep_rng *rng, uint32_t n);

/* A uniform double in [0, 1) with 53 random bits. */
double ep_rng_uniform(struct ep_rng *rng);

/* A standard normal variate (Box-Muller; one of the pair is discarded). */
double ep_rng_normal(struct ep_rng *rng);

/*
 * A 64-bit mix of x (splitmix64's finaliser): a stateless hash, for
 * counter-based random values (dropout masks) and hash tables.
 */
static inline uint64_t
ep_mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

#endif
