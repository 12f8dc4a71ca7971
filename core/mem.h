/*
 * Allocation that cannot fail: on exhaustion these print
 * "ecoplan: out of memory" and exit 1 (as tmux, signify and git do), so
 * that callers have no untested out-of-memory paths. Every result is
 * owned by the caller and freed with free(3).
 */
#ifndef ECOPLAN_CORE_MEM_H
#define ECOPLAN_CORE_MEM_H

#include <stddef.h>

/* Reports "ecoplan: out of memory" and exits 1: for allocations made by
 * third-party libraries (cJSON) that report exhaustion with NULL. */
_Noreturn void ep_oom(void);

void *ep_xmalloc(size_t size);
void *ep_xcalloc(size_t nmemb, size_t size);
void *ep_xrealloc(void *ptr, size_t size);
/* realloc for nmemb * size bytes; the multiplication is overflow-checked. */
void *ep_xreallocarray(void *ptr, size_t nmemb, size_t size);
/* nmemb * size bytes aligned to 64 (a cache line), for hot dense arrays. */
void *ep_xaligned(size_t nmemb, size_t size);
char *ep_xstrdup(const char *s);
char *ep_xstrndup(const char *s, size_t n);
/* printf into a new string. */
char *ep_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
