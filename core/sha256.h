/*
 * SHA-256 (FIPS 180-4), for fingerprinting datasets: the same digest as
 * sha256sum(1) gives for a file.
 */
#ifndef ECOPLAN_CORE_SHA256_H
#define ECOPLAN_CORE_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct ep_sha256 {
	uint32_t h[8];
	uint64_t len;		/* bytes hashed so far */
	unsigned char buf[64];
	size_t fill;		/* bytes waiting in buf */
};

void ep_sha256_init(struct ep_sha256 *s);
void ep_sha256_update(struct ep_sha256 *s, const void *data, size_t len);
/* Finishes the hash and writes 64 lowercase hex digits and a NUL to hex. */
void ep_sha256_hex(struct ep_sha256 *s, char hex[65]);

#endif
