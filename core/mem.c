/*
 * Allocation wrappers that exit on exhaustion.
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/mman.h>
#include <unistd.h>

#include "core/mem.h"
#include "core/num.h"
#include "core/banned.h"

/* The huge page of x86-64 (and of arm64 with 4 KiB pages), also the
 * smallest array aligned to one. */
#define HUGE_PAGE ((size_t)2 << 20)

int
ep_mem_limit(size_t *bytes, struct ep_err *err)
{
	const char *s = getenv("ECOPLAN_MAX_MEMORY");
	char num[32];
	double mult = 1;
	long pages, page;
	size_t n;
	long v;

	if (s == NULL || *s == '\0') {
		pages = sysconf(_SC_PHYS_PAGES);
		page = sysconf(_SC_PAGE_SIZE);
		if (pages <= 0 || page <= 0)
			*bytes = SIZE_MAX;
		else if ((double)pages * (double)page >= (double)SIZE_MAX)
			*bytes = SIZE_MAX;
		else
			*bytes = (size_t)pages * (size_t)page;
		return 0;
	}
	n = strlen(s);
	if (n > 0 && n < sizeof num) {
		const char *units = "KMGT", *u;

		if ((u = strchr(units, toupper((unsigned char)s[n - 1]))) !=
		    NULL && s[n - 1] != '\0')
			mult = ldexp(1.0, 10 * (int)(u - units + 1));
	}
	if (n == 0 || n >= sizeof num)
		goto bad;
	memcpy(num, s, n + 1);
	if (mult > 1)
		num[n - 1] = '\0';
	if (ep_parse_long(num, 1, 1L << 50, &v, err) < 0 ||
	    (double)v * mult >= (double)SIZE_MAX)
		goto bad;
	*bytes = (size_t)((double)v * mult);
	return 0;
bad:
	return ep_fail(err, EP_EUSAGE, "ECOPLAN_MAX_MEMORY: '%s': expected "
	    "a byte count such as 4096, 512M or 2G", s);
}

/* Bytes for people: "512 KiB", "3.2 GiB". */
static const char *
human(double b, char *buf, size_t size)
{
	static const char *const units[] = { "bytes", "KiB", "MiB", "GiB",
		"TiB", "PiB" };
	int u = 0;

	while (b >= 1024 && u < 5) {
		b /= 1024;
		u++;
	}
	snprintf(buf, size, u == 0 || b >= 100 ? "%.0f %s" : "%.1f %s", b,
	    units[u]);
	return buf;
}

int
ep_mem_check(const char *what, double need, struct ep_err *err)
{
	const char *env = getenv("ECOPLAN_MAX_MEMORY");
	char a[32], b[32];
	size_t limit;

	if (ep_mem_limit(&limit, err) < 0)
		return -1;
	if (need <= (double)limit)
		return 0;
	return ep_fail(err, EP_ENOMEM, "%s: needs about %s of memory, more "
	    "than the limit of %s (%s)", what, human(need, a, sizeof a),
	    human((double)limit, b, sizeof b), env != NULL && *env != '\0' ?
	    "ECOPLAN_MAX_MEMORY" :
	    "physical memory; set ECOPLAN_MAX_MEMORY to change it");
}

void
ep_oom(void)
{
	fputs("ecoplan: out of memory\n", stderr);
	exit(1);
}

void *
ep_xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (p == NULL)
		ep_oom();
	return p;
}

void *
ep_xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (p == NULL)
		ep_oom();
	return p;
}

void *
ep_xrealloc(void *ptr, size_t size)
{
	void *p = realloc(ptr, size ? size : 1);

	if (p == NULL)
		ep_oom();
	return p;
}

void *
ep_xreallocarray(void *ptr, size_t nmemb, size_t size)
{
	if (size != 0 && nmemb > SIZE_MAX / size)
		ep_oom();
	return ep_xrealloc(ptr, nmemb * size);
}

void *
ep_xaligned(size_t nmemb, size_t size)
{
	size_t bytes;
	void *p = NULL;

	if (size != 0 && nmemb > (SIZE_MAX - 64) / size)
		ep_oom();
	bytes = (nmemb * size + 63) & ~(size_t)63;
#ifdef MADV_HUGEPAGE
	if (bytes >= HUGE_PAGE) {
		/*
		 * Tables of megabytes are read at random by row (gathers
		 * through a graph's edges, rows of an item-item matrix):
		 * with 4 KiB pages nearly every row costs a TLB miss.
		 * Aligned to a huge page, the array's whole huge pages are
		 * marked, and the kernel may back them with 2 MiB pages
		 * where transparent huge pages are enabled ("madvise" or
		 * "always"); the tail keeps small pages, so no memory is
		 * taken beyond the array. Where huge pages are off the
		 * advice is refused, which changes nothing.
		 */
		if (posix_memalign(&p, HUGE_PAGE, bytes) != 0)
			ep_oom();
		(void)madvise(p, bytes & ~(HUGE_PAGE - 1), MADV_HUGEPAGE);
		return p;
	}
#endif
	if (posix_memalign(&p, 64, bytes ? bytes : 64) != 0)
		ep_oom();
	return p;
}

char *
ep_xstrdup(const char *s)
{
	return ep_xstrndup(s, strlen(s));
}

char *
ep_xstrndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = ep_xmalloc(len + 1);

	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *
ep_xasprintf(const char *fmt, ...)
{
	va_list ap;
	int n;
	char *p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		ep_oom();
	p = ep_xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}
