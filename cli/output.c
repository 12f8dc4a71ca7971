/*
 * Text tables for the command line.
 */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli/output.h"
#include "core/mem.h"
#include "core/banned.h"

void
cmd_table_init(struct cmd_table *t, size_t ncols, ...)
{
	va_list ap;
	size_t i;

	t->ncols = ncols;
	t->nrows = 1;
	t->cap = 16;
	t->cells = ep_xcalloc(t->cap * ncols, sizeof *t->cells);
	va_start(ap, ncols);
	for (i = 0; i < ncols; i++)
		t->cells[i] = ep_xstrdup(va_arg(ap, const char *));
	va_end(ap);
}

void
cmd_table_row(struct cmd_table *t, char **cells)
{
	if (t->nrows == t->cap) {
		t->cap *= 2;
		t->cells = ep_xreallocarray(t->cells, t->cap * t->ncols,
		    sizeof *t->cells);
	}
	memcpy(t->cells + t->nrows * t->ncols, cells,
	    t->ncols * sizeof *cells);
	t->nrows++;
}

char *
cmd_cell(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	s = ep_xmalloc((size_t)(n < 0 ? 0 : n) + 1);
	va_start(ap, fmt);
	vsnprintf(s, (size_t)(n < 0 ? 0 : n) + 1, fmt, ap);
	va_end(ap);
	return s;
}

/* Does the cell read as a number (for right alignment)? */
static int
numeric(const char *s)
{
	char *end;

	if (*s == '\0')
		return 0;
	strtod(s, &end);
	return end != s && (*end == '\0' || (*end == '%' && end[1] == '\0'));
}

void
cmd_table_print(const struct cmd_table *t, FILE *f)
{
	size_t *w = ep_xcalloc(t->ncols, sizeof *w), r, c;

	for (r = 0; r < t->nrows; r++)
		for (c = 0; c < t->ncols; c++) {
			size_t n = strlen(t->cells[r * t->ncols + c]);

			if (n > w[c])
				w[c] = n;
		}
	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			const char *s = t->cells[r * t->ncols + c];
			int right = r > 0 && numeric(s);

			if (c + 1 == t->ncols && !right)
				fprintf(f, "%s", s);
			else
				fprintf(f, right ? "%*s" : "%-*s", (int)w[c], s);
			if (c + 1 < t->ncols)
				fputs("  ", f);
		}
		fputc('\n', f);
	}
	free(w);
}

void
cmd_table_release(struct cmd_table *t)
{
	size_t i;

	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	memset(t, 0, sizeof *t);
}

char *
cmd_num(double x, int sig)
{
	double a = fabs(x);

	if (x == 0)
		return ep_xstrdup("0");
	if (a >= 1e-3 && a < 1e7) {
		int decimals = sig - 1 - (int)floor(log10(a));

		if (decimals < 0)
			decimals = 0;
		return cmd_cell("%.*f", decimals, x);
	}
	return cmd_cell("%.*g", sig, x);
}
