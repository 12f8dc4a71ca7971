/*
 * Interning of strings to dense ids 0, 1, 2, ... in order of first
 * appearance: the token remapping of dataset loaders. Open addressing
 * with linear probing; the strings themselves live in one growing arena.
 */
#ifndef ECOPLAN_CORE_STRMAP_H
#define ECOPLAN_CORE_STRMAP_H

#include <stddef.h>
#include <stdint.h>

struct ep_strmap_slot {
	uint64_t hash;
	size_t off;	/* into arena */
	uint32_t len;
	uint32_t id;	/* UINT32_MAX: empty */
};

struct ep_strmap {
	struct ep_strmap_slot *slots;
	size_t cap;	/* power of two */
	uint32_t count;
	char *arena;
	size_t arena_len, arena_cap;
	size_t *offs;	/* id -> offset in arena, for ep_strmap_name() */
	size_t offs_cap;
};

#define EP_STRMAP_INIT { NULL, 0, 0, NULL, 0, 0, NULL, 0 }

/*
 * The id of the len bytes at s, adding them with the next id when new.
 * Returns UINT32_MAX when 2^32 - 1 strings are already held.
 */
uint32_t ep_strmap_intern(struct ep_strmap *m, const char *s, size_t len);

/* The string with id (borrowed, NUL-terminated), or NULL. */
const char *ep_strmap_name(const struct ep_strmap *m, uint32_t id);

/* Frees everything; safe on EP_STRMAP_INIT. */
void ep_strmap_release(struct ep_strmap *m);

#endif
