/*
 * Allocation wrappers that exit on exhaustion.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/banned.h"

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
