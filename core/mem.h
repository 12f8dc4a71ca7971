/*
 * Allocation that cannot fail: on exhaustion these print
 * "ecoplan: out of memory" and exit 1 (as tmux, signify and git do), so
 * that callers have no untested out-of-memory paths. Every result is
 * owned by the caller and freed with free(3).
 */
#ifndef ECOPLAN_CORE_MEM_H
#define ECOPLAN_CORE_MEM_H

#include <stddef.h>

#include "core/err.h"

/* Reports "ecoplan: out of memory" and exits 1: for allocations made by
 * third-party libraries (cJSON) that report exhaustion with NULL. */
_Noreturn void ep_oom(void);

void *ep_xmalloc(size_t size);
void *ep_xcalloc(size_t nmemb, size_t size);
void *ep_xrealloc(void *ptr, size_t size);
/* realloc for nmemb * size bytes; the multiplication is overflow-checked. */
void *ep_xreallocarray(void *ptr, size_t nmemb, size_t size);
/*
 * nmemb * size bytes aligned to 64 (a cache line), for hot dense arrays;
 * from 2 MiB, aligned to a huge page, and on Linux its whole huge pages
 * advised as such (MADV_HUGEPAGE).
 */
void *ep_xaligned(size_t nmemb, size_t size);
char *ep_xstrdup(const char *s);
char *ep_xstrndup(const char *s, size_t n);
/* printf into a new string. */
char *ep_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * The most memory one dataset may take, in bytes: $ECOPLAN_MAX_MEMORY
 * when set (a byte count with an optional K, M, G or T suffix, powers of
 * 1024: "512M", "2G"), else the machine's physical memory. Loaders
 * compare their estimate against it before allocating, so that a file
 * too large fails with a message instead of exhausting the machine.
 * Fails with EP_EUSAGE on a malformed variable.
 */
int ep_mem_limit(size_t *bytes, struct ep_err *err);

/* Checks need (bytes, estimated) against ep_mem_limit(): fails with
 * EP_ENOMEM and "WHAT: needs about N MiB ..., over the limit of ...". */
int ep_mem_check(const char *what, double need, struct ep_err *err);

#endif
