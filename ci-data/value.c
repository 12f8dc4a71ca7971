/*
 * Carbon-intensity values: names of the tags, the warning list and the
 * small text helpers every source shares.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ci-data/value.h"
#include "core/mem.h"
#include "core/suggest.h"
#include "core/banned.h"

static const char *const source_names[] = {
	[CI_SRC_AUTO] = "auto",
	[CI_SRC_TABLE] = "table",
	[CI_SRC_UK] = "uk",
	[CI_SRC_EM] = "electricitymaps",
	[CI_SRC_WT] = "watttime",
	[CI_SRC_EXPLICIT] = "explicit",
};

static const char *const basis_names[] = {
	[CI_BASIS_UNKNOWN] = "unknown",
	[CI_BASIS_LIFECYCLE] = "lifecycle",
	[CI_BASIS_DIRECT] = "direct",
};

static const char *const signal_names[] = {
	[CI_SIGNAL_AVERAGE] = "average",
	[CI_SIGNAL_MARGINAL] = "marginal",
};

static const char *const accounting_names[] = {
	[CI_ACCT_UNKNOWN] = "unknown",
	[CI_ACCT_PRODUCTION] = "production",
	[CI_ACCT_CONSUMPTION] = "consumption",
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

void
ci_value_init(struct ci_value *v)
{
	memset(v, 0, sizeof *v);
	v->g_per_kwh = (double)NAN;
	v->percentile = (double)NAN;
}

const char *
ci_source_name(enum ci_source s)
{
	return (size_t)s < NELEM(source_names) ? source_names[s] : "unknown";
}

const char *
ci_basis_name(enum ci_basis b)
{
	return (size_t)b < NELEM(basis_names) ? basis_names[b] : "unknown";
}

const char *
ci_signal_name(enum ci_signal s)
{
	return (size_t)s < NELEM(signal_names) ? signal_names[s] : "unknown";
}

const char *
ci_accounting_name(enum ci_accounting a)
{
	return (size_t)a < NELEM(accounting_names) ? accounting_names[a] :
	    "unknown";
}

int
ci_source_parse(const char *s, enum ci_source *out, struct ep_err *err)
{
	static const struct {
		const char *word;
		enum ci_source src;
	} words[] = {
		{ "auto", CI_SRC_AUTO },
		{ "table", CI_SRC_TABLE },
		{ "uk", CI_SRC_UK },
		{ "electricitymaps", CI_SRC_EM },
		{ "em", CI_SRC_EM },
		{ "watttime", CI_SRC_WT },
		{ "wt", CI_SRC_WT },
	};
	struct ep_suggest sg;
	const char *best;
	size_t i;

	for (i = 0; i < NELEM(words); i++) {
		if (strcasecmp(s, words[i].word) == 0) {
			*out = words[i].src;
			return 0;
		}
	}
	ep_suggest_init(&sg, s);
	for (i = 0; i < NELEM(words); i++)
		ep_suggest_offer(&sg, words[i].word);
	if ((best = ep_suggest_best(&sg)) != NULL)
		return ep_fail(err, EP_EUSAGE, "'%s': unknown source; did you "
		    "mean '%s'?", s, best);
	return ep_fail(err, EP_EUSAGE, "'%s': unknown source; sources are "
	    "auto, table, uk, electricitymaps and watttime", s);
}

/* Finds s among n names; -1 when absent. */
static int
name_index(const char *s, const char *const *names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (names[i] != NULL && strcmp(s, names[i]) == 0)
			return (int)i;
	return -1;
}

int
ci_basis_parse(const char *s, enum ci_basis *out)
{
	int i = name_index(s, basis_names, NELEM(basis_names));

	if (i < 0)
		return -1;
	*out = (enum ci_basis)i;
	return 0;
}

int
ci_signal_parse(const char *s, enum ci_signal *out)
{
	int i = name_index(s, signal_names, NELEM(signal_names));

	if (i < 0)
		return -1;
	*out = (enum ci_signal)i;
	return 0;
}

int
ci_accounting_parse(const char *s, enum ci_accounting *out)
{
	int i = name_index(s, accounting_names, NELEM(accounting_names));

	if (i < 0)
		return -1;
	*out = (enum ci_accounting)i;
	return 0;
}

void
ci_warn(struct ci_warnings *w, const char *fmt, ...)
{
	char buf[EP_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	w->msg = ep_xreallocarray(w->msg, w->n + 1, sizeof *w->msg);
	w->msg[w->n++] = ep_xstrdup(buf);
}

void
ci_warnings_release(struct ci_warnings *w)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		free(w->msg[i]);
	free(w->msg);
	w->msg = NULL;
	w->n = 0;
}

void
ci_text_clean(char *dst, size_t size, const char *s)
{
	size_t i;

	if (size == 0)
		return;
	for (i = 0; s[i] != '\0' && i + 1 < size; i++) {
		unsigned char c = (unsigned char)s[i];

		dst[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	dst[i] = '\0';
}

void
ci_text_redact(char *s, size_t size, const char *secret)
{
	static const char mask[] = "[redacted]";
	size_t slen, o = 0, i;
	const char *p = s;
	char *out;

	if (secret == NULL || (slen = strlen(secret)) == 0 || size == 0)
		return;
	out = ep_xmalloc(size);
	while (*p != '\0' && o + 1 < size) {
		if (strncmp(p, secret, slen) == 0) {
			for (i = 0; mask[i] != '\0' && o + 1 < size; i++)
				out[o++] = mask[i];
			p += slen;
		} else {
			out[o++] = *p++;
		}
	}
	out[o] = '\0';
	memcpy(s, out, o + 1);
	free(out);
}

char *
ci_fmt_g(char *buf, size_t size, double g)
{
	char *dot, *end;

	if (!isfinite(g)) {
		snprintf(buf, size, "-");
		return buf;
	}
	snprintf(buf, size, "%.2f", g);
	if ((dot = strchr(buf, '.')) != NULL) {
		end = buf + strlen(buf) - 1;
		while (end > dot && *end == '0')
			*end-- = '\0';
		if (end == dot)
			*end = '\0';
	}
	if (strcmp(buf, "-0") == 0)
		snprintf(buf, size, "0");
	return buf;
}
