/*
 * String interning with dense ids.
 */
#include <string.h>
#include <stdlib.h>

#include "core/mem.h"
#include "core/strmap.h"
#include "core/banned.h"

#define EMPTY UINT32_MAX

/* FNV-1a, then a final mix so that linear probing sees spread bits. */
static uint64_t
hash_bytes(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

static void
grow(struct ep_strmap *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 1024, i, j;
	struct ep_strmap_slot *ns = ep_xreallocarray(NULL, ncap, sizeof *ns);

	for (i = 0; i < ncap; i++)
		ns[i].id = EMPTY;
	for (i = 0; i < m->cap; i++) {
		if (m->slots[i].id == EMPTY)
			continue;
		for (j = m->slots[i].hash & (ncap - 1); ns[j].id != EMPTY;
		    j = (j + 1) & (ncap - 1))
			;
		ns[j] = m->slots[i];
	}
	free(m->slots);
	m->slots = ns;
	m->cap = ncap;
}

uint32_t
ep_strmap_intern(struct ep_strmap *m, const char *s, size_t len)
{
	uint64_t h = hash_bytes(s, len);
	struct ep_strmap_slot *slot;
	size_t j;

	if ((size_t)m->count * 2 >= m->cap)
		grow(m);
	for (j = h & (m->cap - 1); m->slots[j].id != EMPTY;
	    j = (j + 1) & (m->cap - 1)) {
		slot = &m->slots[j];
		if (slot->hash == h && slot->len == len &&
		    memcmp(m->arena + slot->off, s, len) == 0)
			return slot->id;
	}
	if (m->count == EMPTY || len >= UINT32_MAX)
		return EMPTY;
	if (m->arena_len + len + 1 > m->arena_cap) {
		m->arena_cap = (m->arena_len + len + 1) * 2;
		m->arena = ep_xrealloc(m->arena, m->arena_cap);
	}
	if (m->count == m->offs_cap) {
		m->offs_cap = m->offs_cap ? m->offs_cap * 2 : 1024;
		m->offs = ep_xreallocarray(m->offs, m->offs_cap,
		    sizeof *m->offs);
	}
	slot = &m->slots[j];
	slot->hash = h;
	slot->off = m->arena_len;
	slot->len = (uint32_t)len;
	slot->id = m->count;
	memcpy(m->arena + m->arena_len, s, len);
	m->arena[m->arena_len + len] = '\0';
	m->offs[m->count] = m->arena_len;
	m->arena_len += len + 1;
	return m->count++;
}

const char *
ep_strmap_name(const struct ep_strmap *m, uint32_t id)
{
	return id < m->count ? m->arena + m->offs[id] : NULL;
}

void
ep_strmap_release(struct ep_strmap *m)
{
	free(m->slots);
	free(m->arena);
	free(m->offs);
	memset(m, 0, sizeof *m);
}
