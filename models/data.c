/*
 * Dataset loading: format detection, the line-based formats (RecBole
 * atomic, u.data, ratings.dat), CSV through libcsv, pre-split triples,
 * token remapping and duplicate removal.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <csv.h>

#include "core/fsutil.h"
#include "core/mem.h"
#include "core/rng.h"
#include "core/sha256.h"
#include "core/strmap.h"
#include "models/data.h"
#include "models/synth.h"
#include "core/banned.h"

/* A set of 64-bit keys ((user << 32) | item), for dropping repeats. */
struct pairset {
	uint64_t *keys;		/* 0 marks an empty slot; keys are stored + 1 */
	size_t cap;
	size_t count;
};

/* Adds key; returns 1 when it was new, 0 when already present. */
static int
pairset_add(struct pairset *s, uint64_t key)
{
	size_t j;

	key += 1;
	if (s->count * 2 >= s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 4096, i;
		uint64_t *nk = ep_xcalloc(ncap, sizeof *nk);

		for (i = 0; i < s->cap; i++) {
			if (s->keys[i] == 0)
				continue;
			for (j = ep_mix64(s->keys[i]) & (ncap - 1); nk[j] != 0;
			    j = (j + 1) & (ncap - 1))
				;
			nk[j] = s->keys[i];
		}
		free(s->keys);
		s->keys = nk;
		s->cap = ncap;
	}
	for (j = ep_mix64(key) & (s->cap - 1); s->keys[j] != 0;
	    j = (j + 1) & (s->cap - 1))
		if (s->keys[j] == key)
			return 0;
	s->keys[j] = key;
	s->count++;
	return 1;
}

/* Interactions being collected from one or more files. */
struct builder {
	struct ep_strmap users;
	struct ep_strmap items;
	struct pairset seen;
	uint32_t *user;
	uint32_t *item;
	double *ts;
	unsigned char *part;
	size_t n;
	size_t cap;
	size_t n_rows;
	size_t n_dup;
	int all_ts;	/* every row so far had a timestamp */
};

static void
builder_add(struct builder *b, uint32_t u, uint32_t i, double ts, int has_ts,
    int part)
{
	b->n_rows++;
	if (!pairset_add(&b->seen, (uint64_t)u << 32 | i)) {
		b->n_dup++;
		return;
	}
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 4096;
		b->user = ep_xreallocarray(b->user, b->cap, sizeof *b->user);
		b->item = ep_xreallocarray(b->item, b->cap, sizeof *b->item);
		b->ts = ep_xreallocarray(b->ts, b->cap, sizeof *b->ts);
		b->part = ep_xrealloc(b->part, b->cap);
	}
	b->user[b->n] = u;
	b->item[b->n] = i;
	b->ts[b->n] = ts;
	b->part[b->n] = (unsigned char)part;
	b->all_ts &= has_ts;
	b->n++;
}

static void
builder_release(struct builder *b)
{
	ep_strmap_release(&b->users);
	ep_strmap_release(&b->items);
	free(b->seen.keys);
	free(b->user);
	free(b->item);
	free(b->ts);
	free(b->part);
	memset(b, 0, sizeof *b);
}

/* One file being parsed: its bytes and where we are in them. */
struct src {
	const char *path;	/* for messages */
	const char *buf;
	size_t len;
	size_t pos;
	size_t lineno;		/* of the line last returned */
	int part;		/* enum model_part, or -1 */
};

/*
 * Returns the next line (without its "\n" or "\r\n") in *line and *n;
 * 0 at the end, -1 on a NUL byte or an overlong line.
 */
static int
next_line(struct src *s, const char **line, size_t *n, struct ep_err *err)
{
	const char *p, *nl;
	size_t len;

	if (s->pos >= s->len)
		return 0;
	p = s->buf + s->pos;
	nl = memchr(p, '\n', s->len - s->pos);
	len = nl != NULL ? (size_t)(nl - p) : s->len - s->pos;
	s->lineno++;
	s->pos += len + (nl != NULL);
	if (len > MODEL_LINE_MAX)
		return ep_fail(err, EP_EPARSE, "%s:%zu: line longer than %zu "
		    "bytes", s->path, s->lineno, MODEL_LINE_MAX);
	if (memchr(p, '\0', len) != NULL)
		return ep_fail(err, EP_EPARSE, "%s:%zu: NUL byte in line",
		    s->path, s->lineno);
	if (len > 0 && p[len - 1] == '\r')
		len--;
	*line = p;
	*n = len;
	return 1;
}

/* Is this the last line, and did the file end without a newline? */
static int
truncated_here(const struct src *s)
{
	return s->pos >= s->len && s->len > 0 && s->buf[s->len - 1] != '\n';
}

static int
blank(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isspace((unsigned char)p[i]))
			return 0;
	return 1;
}

/* A field of a split line. */
struct field {
	const char *p;
	size_t n;
};

#define MAX_FIELDS 64

/* Splits p[0..n) on sep (one or more characters); returns the count. */
static size_t
split_fields(const char *p, size_t n, const char *sep, struct field *f,
    size_t max)
{
	size_t k = 0, seplen = strlen(sep);
	const char *end = p + n;

	for (;;) {
		const char *q = p;

		while (q < end && !((size_t)(end - q) >= seplen &&
		    memcmp(q, sep, seplen) == 0))
			q++;
		if (k < max) {
			f[k].p = p;
			f[k].n = (size_t)(q - p);
		}
		k++;
		if (q >= end)
			break;
		p = q + seplen;
	}
	return k;
}

/* Quotes up to 40 bytes of a field for a message. */
static const char *
quote(const struct field *f, char *buf, size_t size)
{
	int n = f->n > 40 ? 40 : (int)f->n;

	snprintf(buf, size, "'%.*s%s'", n, f->p, f->n > 40 ? "..." : "");
	return buf;
}

/* Parses a field as a finite number. */
static int
field_number(const struct src *s, const struct field *f, const char *what,
    double *out, struct ep_err *err)
{
	char buf[64], q[64], *end;
	double v;

	if (f->n == 0 || f->n >= sizeof buf)
		return ep_fail(err, EP_EPARSE, "%s:%zu: %s: %s: not a number",
		    s->path, s->lineno, what, quote(f, q, sizeof q));
	memcpy(buf, f->p, f->n);
	buf[f->n] = '\0';
	errno = 0;
	v = strtod(buf, &end);
	if (end == buf || *end != '\0' || !isfinite(v) || isspace(
	    (unsigned char)buf[0]))
		return ep_fail(err, EP_EPARSE, "%s:%zu: %s: %s: not a number",
		    s->path, s->lineno, what, quote(f, q, sizeof q));
	*out = v;
	return 0;
}

/* Checks that a field is a non-negative decimal integer. */
static int
field_integer(const struct src *s, const struct field *f, const char *what,
    struct ep_err *err)
{
	char q[64];
	size_t i;

	for (i = 0; i < f->n; i++)
		if (!isdigit((unsigned char)f->p[i]))
			break;
	if (f->n == 0 || i < f->n || f->n > 18)
		return ep_fail(err, EP_EPARSE, "%s:%zu: %s: %s: expected a "
		    "whole number", s->path, s->lineno, what,
		    quote(f, q, sizeof q));
	return 0;
}

/* Interns the user and item tokens of one row and adds it. */
static int
add_row(struct builder *b, const struct src *s, const struct field *u,
    const struct field *it, double ts, int has_ts, struct ep_err *err)
{
	uint32_t uid, iid;

	if (u->n == 0)
		return ep_fail(err, EP_EPARSE, "%s:%zu: empty user id", s->path,
		    s->lineno);
	if (it->n == 0)
		return ep_fail(err, EP_EPARSE, "%s:%zu: empty item id", s->path,
		    s->lineno);
	uid = ep_strmap_intern(&b->users, u->p, u->n);
	iid = ep_strmap_intern(&b->items, it->p, it->n);
	if (uid == UINT32_MAX || iid == UINT32_MAX)
		return ep_fail(err, EP_ENOMEM, "%s:%zu: too many distinct ids",
		    s->path, s->lineno);
	builder_add(b, uid, iid, ts, has_ts, s->part);
	return 0;
}

static int
field_count_error(const struct src *s, size_t want, size_t got,
    struct ep_err *err)
{
	return ep_fail(err, EP_EPARSE, "%s:%zu: expected %zu fields, found "
	    "%zu%s", s->path, s->lineno, want, got,
	    truncated_here(s) ? " (truncated last line?)" : "");
}

/* RecBole atomic .inter: a "name:type" header, then tab-separated rows. */
static int
parse_atomic(struct builder *b, struct src *s, struct ep_err *err)
{
	static const char *const types[] = { "token", "float", "token_seq",
		"float_seq" };
	struct field f[MAX_FIELDS], h[MAX_FIELDS];
	long col_user = -1, col_item = -1, col_rating = -1, col_ts = -1;
	const char *line;
	size_t n, nf, k;
	int r;
	char q[64];

	if ((r = next_line(s, &line, &n, err)) <= 0)
		return r < 0 ? -1 : ep_fail(err, EP_EPARSE, "%s: empty file",
		    s->path);
	nf = split_fields(line, n, "\t", h, MAX_FIELDS);
	if (nf > MAX_FIELDS)
		return ep_fail(err, EP_EPARSE, "%s:1: more than %d columns",
		    s->path, MAX_FIELDS);
	for (k = 0; k < nf; k++) {
		const char *colon = memchr(h[k].p, ':', h[k].n);
		size_t namelen, t;
		struct field type;

		if (colon == NULL)
			return ep_fail(err, EP_EPARSE, "%s:1: header field %s "
			    "has no ':type' (not a RecBole atomic file?)",
			    s->path, quote(&h[k], q, sizeof q));
		namelen = (size_t)(colon - h[k].p);
		type.p = colon + 1;
		type.n = h[k].n - namelen - 1;
		for (t = 0; t < 4; t++)
			if (strlen(types[t]) == type.n &&
			    memcmp(types[t], type.p, type.n) == 0)
				break;
		if (t == 4)
			return ep_fail(err, EP_EPARSE, "%s:1: header field %s: "
			    "unknown type (expected token, float, token_seq "
			    "or float_seq)", s->path, quote(&h[k], q, sizeof q));
#define IS(name) (namelen == strlen(name) && memcmp(h[k].p, name, namelen) == 0)
		if (IS("user_id")) {
			if (t != 0)
				return ep_fail(err, EP_EPARSE, "%s:1: user_id "
				    "must be of type token", s->path);
			col_user = (long)k;
		} else if (IS("item_id")) {
			if (t != 0)
				return ep_fail(err, EP_EPARSE, "%s:1: item_id "
				    "must be of type token", s->path);
			col_item = (long)k;
		} else if (IS("rating") && t == 1) {
			col_rating = (long)k;
		} else if (IS("timestamp") && t == 1) {
			col_ts = (long)k;
		}
#undef IS
	}
	if (col_user < 0 || col_item < 0)
		return ep_fail(err, EP_EPARSE, "%s:1: no '%s' column in the "
		    "header", s->path, col_user < 0 ? "user_id:token" :
		    "item_id:token");
	while ((r = next_line(s, &line, &n, err)) > 0) {
		double ts = 0, rating;

		if (blank(line, n))
			continue;
		if ((k = split_fields(line, n, "\t", f, MAX_FIELDS)) != nf)
			return field_count_error(s, nf, k, err);
		if (col_rating >= 0 && f[col_rating].n > 0 &&
		    field_number(s, &f[col_rating], "rating", &rating, err) < 0)
			return -1;
		if (col_ts >= 0 &&
		    field_number(s, &f[col_ts], "timestamp", &ts, err) < 0)
			return -1;
		if (add_row(b, s, &f[col_user], &f[col_item], ts, col_ts >= 0,
		    err) < 0)
			return -1;
	}
	return r;
}

/*
 * MovieLens numeric rows: "user SEP item SEP rating SEP timestamp" with
 * no header (u.data: tabs; ratings.dat: "::").
 */
static int
parse_movielens(struct builder *b, struct src *s, const char *sep,
    struct ep_err *err)
{
	struct field f[MAX_FIELDS];
	const char *line;
	size_t n, k;
	int r;

	while ((r = next_line(s, &line, &n, err)) > 0) {
		double rating, ts;

		if (blank(line, n))
			continue;
		if ((k = split_fields(line, n, sep, f, MAX_FIELDS)) != 4)
			return field_count_error(s, 4, k, err);
		if (field_integer(s, &f[0], "user id", err) < 0 ||
		    field_integer(s, &f[1], "item id", err) < 0 ||
		    field_number(s, &f[2], "rating", &rating, err) < 0 ||
		    field_number(s, &f[3], "timestamp", &ts, err) < 0)
			return -1;
		if (add_row(b, s, &f[0], &f[1], ts, 1, err) < 0)
			return -1;
	}
	if (r == 0 && b->n_rows == 0)
		return ep_fail(err, EP_EPARSE, "%s: no interactions", s->path);
	return r;
}

/* State of the CSV parser's callbacks. */
struct csvstate {
	struct builder *b;
	struct src *s;
	struct ep_err *err;
	char *rec;		/* copies of the record's first fields; libcsv
				 * reuses its buffer after each callback */
	size_t rec_len;
	size_t rec_cap;
	size_t foff[8];		/* offsets of the first eight fields in rec */
	size_t flen[8];
	char *field[8];		/* set from foff when the record ends */
	size_t nfields;
	size_t records;
	int header;		/* first record was a header */
	long col[4];		/* user, item, rating, timestamp; -1: none */
	int failed;
};

static int
csv_numeric(const char *p, size_t n)
{
	char buf[64], *end;

	if (n == 0 || n >= sizeof buf)
		return 0;
	memcpy(buf, p, n);
	buf[n] = '\0';
	strtod(buf, &end);
	return *end == '\0' && !isspace((unsigned char)buf[0]);
}

static long
csv_find(const struct csvstate *c, const char *const *names)
{
	size_t k;

	for (k = 0; k < c->nfields && k < 8; k++) {
		const char *const *nm;
		size_t len = c->flen[k];
		const char *colon = memchr(c->field[k], ':', len);

		/* "user_id:token" names a column as RecBole would. */
		if (colon != NULL)
			len = (size_t)(colon - c->field[k]);
		for (nm = names; *nm != NULL; nm++)
			if (strlen(*nm) == len &&
			    strncasecmp(*nm, c->field[k], len) == 0)
				return (long)k;
	}
	return -1;
}

static void
csv_on_field(void *data, size_t len, void *ctx)
{
	struct csvstate *c = ctx;

	if (c->nfields < 8) {
		if (c->rec_len + len + 1 > c->rec_cap) {
			c->rec_cap = (c->rec_len + len + 1) * 2;
			c->rec = ep_xrealloc(c->rec, c->rec_cap);
		}
		memcpy(c->rec + c->rec_len, data, len);
		c->rec[c->rec_len + len] = '\0';
		c->foff[c->nfields] = c->rec_len;
		c->flen[c->nfields] = len;
		c->rec_len += len + 1;
	}
	c->nfields++;
}

static void
csv_header(struct csvstate *c)
{
	static const char *const users[] = { "user", "user_id", "userid",
		"uid", "user id", "customer_id", "reviewerid", "visitorid",
		NULL };
	static const char *const items[] = { "item", "item_id", "itemid",
		"iid", "item id", "movieid", "movie_id", "product_id", "asin",
		"business_id", "artist_id", "track_id", "book_id", "news_id",
		NULL };
	static const char *const ratings[] = { "rating", "ratings", "score",
		"stars", NULL };
	static const char *const times[] = { "timestamp", "time", "ts",
		"unix_time", "unixtime", NULL };

	c->col[0] = csv_find(c, users);
	c->col[1] = csv_find(c, items);
	c->col[2] = csv_find(c, ratings);
	c->col[3] = csv_find(c, times);
	/* A header with unfamiliar names: fall back to the positions of
	 * user,item[,rating[,timestamp]]. */
	if (c->col[0] < 0 && c->col[1] < 0) {
		c->col[0] = 0;
		c->col[1] = 1;
		if (c->col[2] < 0 && c->col[3] < 0) {
			c->col[2] = c->nfields > 2 ? 2 : -1;
			c->col[3] = c->nfields > 3 ? 3 : -1;
		}
	} else if (c->col[0] < 0 || c->col[1] < 0) {
		/* One named, the other not: take the first other column. */
		long named = c->col[0] < 0 ? c->col[1] : c->col[0];

		c->col[c->col[0] < 0 ? 0 : 1] = named == 0 ? 1 : 0;
	}
}

static void
csv_on_record(int term, void *ctx)
{
	struct csvstate *c = ctx;
	struct field u, it, f;
	double ts = 0, rating;
	long need;
	size_t k;

	(void)term;
	if (c->failed)
		goto out;
	for (k = 0; k < c->nfields && k < 8; k++)
		c->field[k] = c->rec + c->foff[k];
	if (c->nfields == 1 && c->flen[0] == 0)
		goto out;	/* a blank line */
	if (c->records++ == 0) {
		if (c->nfields < 2) {
			ep_fail(c->err, EP_EPARSE, "%s:%zu: expected at least "
			    "2 fields (user,item), found %zu", c->s->path,
			    c->s->lineno, c->nfields);
			c->failed = 1;
			goto out;
		}
		if (!csv_numeric(c->field[0], c->flen[0]) ||
		    !csv_numeric(c->field[1], c->flen[1])) {
			c->header = 1;
			csv_header(c);
			goto out;
		}
		c->col[0] = 0;
		c->col[1] = 1;
		c->col[2] = c->nfields > 2 ? 2 : -1;
		c->col[3] = c->nfields > 3 ? 3 : -1;
	}
	need = c->col[0] > c->col[1] ? c->col[0] : c->col[1];
	if (c->col[2] > need)
		need = c->col[2];
	if (c->col[3] > need)
		need = c->col[3];
	if ((long)c->nfields <= need || need >= 8) {
		ep_fail(c->err, EP_EPARSE, "%s:%zu: expected %ld fields, found "
		    "%zu%s", c->s->path, c->s->lineno, need + 1, c->nfields,
		    truncated_here(c->s) ? " (truncated last line?)" : "");
		c->failed = 1;
		goto out;
	}
	u.p = c->field[c->col[0]];
	u.n = c->flen[c->col[0]];
	it.p = c->field[c->col[1]];
	it.n = c->flen[c->col[1]];
	if (c->col[2] >= 0 && c->flen[c->col[2]] > 0) {
		f.p = c->field[c->col[2]];
		f.n = c->flen[c->col[2]];
		if (field_number(c->s, &f, "rating", &rating, c->err) < 0) {
			c->failed = 1;
			goto out;
		}
	}
	if (c->col[3] >= 0) {
		f.p = c->field[c->col[3]];
		f.n = c->flen[c->col[3]];
		if (field_number(c->s, &f, "timestamp", &ts, c->err) < 0) {
			c->failed = 1;
			goto out;
		}
	}
	if (add_row(c->b, c->s, &u, &it, ts, c->col[3] >= 0, c->err) < 0)
		c->failed = 1;
out:
	c->nfields = 0;
	c->rec_len = 0;
}

/*
 * Generic CSV through libcsv: "user,item[,rating[,timestamp]]", with or
 * without a header; quoted fields allowed. Lines are fed one at a time
 * so that messages can name the line.
 */
static int
parse_csv(struct builder *b, struct src *s, struct ep_err *err)
{
	struct csv_parser p;
	struct csvstate c;
	const char *line;
	size_t n;
	int r, ret = -1;

	memset(&c, 0, sizeof c);
	c.b = b;
	c.s = s;
	c.err = err;
	if (csv_init(&p, CSV_STRICT | CSV_APPEND_NULL) != 0)
		return ep_fail(err, EP_ENOMEM, "%s: cannot start the CSV "
		    "parser", s->path);
	while ((r = next_line(s, &line, &n, err)) > 0) {
		if (csv_parse(&p, line, n, csv_on_field, csv_on_record, &c) != n
		    || csv_parse(&p, "\n", 1, csv_on_field, csv_on_record,
		    &c) != 1) {
			ep_fail(err, EP_EPARSE, "%s:%zu: %s", s->path,
			    s->lineno, csv_strerror(csv_error(&p)));
			goto out;
		}
		if (c.failed)
			goto out;
	}
	if (r < 0)
		goto out;
	if (csv_fini(&p, csv_on_field, csv_on_record, &c) != 0) {
		ep_fail(err, EP_EPARSE, "%s:%zu: %s (unterminated quote?)",
		    s->path, s->lineno, csv_strerror(csv_error(&p)));
		goto out;
	}
	if (c.failed)
		goto out;
	if (b->n_rows == 0) {
		ep_fail(err, EP_EPARSE, "%s: no interactions", s->path);
		goto out;
	}
	ret = 0;
out:
	csv_free(&p);
	free(c.rec);
	return ret;
}

/* Whether needle (m bytes) occurs in p[0..n); memmem(3) is not POSIX. */
static const char *
has_bytes(const char *p, size_t n, const char *needle, size_t m)
{
	size_t i;

	for (i = 0; i + m <= n; i++)
		if (memcmp(p + i, needle, m) == 0)
			return p + i;
	return NULL;
}

static int
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static const char *
base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash != NULL ? slash + 1 : path;
}

/*
 * Parses len bytes of one file in the format its name and first line
 * indicate. Returns the format name through *format and the bytes'
 * digest through sha.
 */
static int
parse_buf(struct builder *b, const char *path, const char *buf, size_t len,
    int part, const char **format, char sha[65], struct ep_err *err)
{
	struct ep_sha256 h;
	struct src s;
	const char *first, *nl, *fmt;
	size_t flen;
	int ret = -1;

	ep_sha256_init(&h);
	ep_sha256_update(&h, buf, len);
	ep_sha256_hex(&h, sha);
	memset(&s, 0, sizeof s);
	s.path = path;
	s.buf = buf;
	s.len = len;
	s.part = part;
	/* A UTF-8 byte order mark is not part of the first field. */
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		s.pos = 3;
	if (blank(buf + s.pos, len - s.pos))
		return ep_fail(err, EP_EPARSE, "%s: empty file", path);
	/* Every line may become an interaction: check the memory that
	 * would take before taking it. */
	{
		const char *p = buf, *end = buf + len;
		double lines = 1;

		while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
			p++;
			lines++;
		}
		if (ep_mem_check(path, 2.0 * (double)len + lines *
		    MODEL_BYTES_PER_ROW, err) < 0)
			return -1;
	}
	first = buf + s.pos;
	nl = memchr(first, '\n', len - s.pos);
	flen = nl != NULL ? (size_t)(nl - first) : len - s.pos;
	if (flen > MODEL_LINE_MAX)
		flen = MODEL_LINE_MAX;
	if (ends_with(path, ".inter") ||
	    (memchr(first, '\t', flen) != NULL &&
	    (has_bytes(first, flen, ":token", 6) != NULL ||
	    has_bytes(first, flen, ":float", 6) != NULL))) {
		fmt = "atomic";
		ret = parse_atomic(b, &s, err);
	} else if (has_bytes(first, flen, "::", 2) != NULL ||
	    ends_with(path, ".dat")) {
		fmt = "ml-1m";
		ret = parse_movielens(b, &s, "::", err);
	} else if (memchr(first, '\t', flen) != NULL ||
	    strcmp(base_name(path), "u.data") == 0) {
		fmt = "u.data";
		ret = parse_movielens(b, &s, "\t", err);
	} else if (memchr(first, ',', flen) != NULL || ends_with(path, ".csv")) {
		fmt = "csv";
		ret = parse_csv(b, &s, err);
	} else {
		return ep_fail(err, EP_EPARSE, "%s:1: cannot tell the format "
		    "(expected a RecBole .inter header, tab- or '::'-separated "
		    "MovieLens rows, or CSV)", path);
	}
	if (ret == 0 && b->n == 0)
		ret = ep_fail(err, EP_EPARSE, "%s: no interactions", path);
	*format = fmt;
	return ret;
}

/* Reads one file and parses it (see parse_buf). */
static int
load_file(struct builder *b, const char *path, int part, const char **format,
    char sha[65], struct ep_err *err)
{
	char *buf = NULL;
	struct stat st;
	size_t len;
	int ret;

	/* The bytes alone must fit before they are read. */
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    ep_mem_check(path, (double)st.st_size, err) < 0)
		return -1;
	if (ep_read_file(path, MODEL_FILE_MAX, &buf, &len, err) < 0)
		return -1;
	ret = parse_buf(b, path, buf, len, part, format, sha, err);
	free(buf);
	return ret;
}

/* Moves the builder's arrays into d. */
static void
builder_finish(struct builder *b, struct model_data *d, int keep_parts)
{
	d->n_users = b->users.count;
	d->n_items = b->items.count;
	d->n_inter = b->n;
	d->n_rows = b->n_rows;
	d->n_dup = b->n_dup;
	d->user = b->user;
	d->item = b->item;
	b->user = b->item = NULL;
	if (b->all_ts && b->n > 0) {
		d->ts = b->ts;
		b->ts = NULL;
	}
	if (keep_parts) {
		d->part = b->part;
		b->part = NULL;
	}
	builder_release(b);
}

/*
 * Loads "train=F,valid=F,test=F", or the three files given; with bufs,
 * parses bufs[k] (lens[k] bytes) under the name paths[k] instead.
 */
static int
load_triple(const char *const paths[3], const char *const *bufs,
    const size_t *lens, struct model_data *d, struct ep_err *err)
{
	struct builder b;
	struct ep_sha256 h;
	char sha[3][65];
	const char *fmt = NULL;
	int k, r;

	memset(&b, 0, sizeof b);
	b.all_ts = 1;
	for (k = 0; k < 3; k++) {
		if (bufs != NULL)
			r = parse_buf(&b, paths[k], bufs[k], lens[k], k, &fmt,
			    sha[k], err);
		else
			r = load_file(&b, paths[k], k, &fmt, sha[k], err);
		if (r < 0) {
			builder_release(&b);
			return -1;
		}
	}
	ep_sha256_init(&h);
	for (k = 0; k < 3; k++)
		ep_sha256_update(&h, sha[k], 64);
	ep_sha256_hex(&h, d->sha256);
	d->format = "presplit";
	d->name = ep_xstrdup(base_name(paths[0]));
	d->source = ep_xasprintf("train=%s,valid=%s,test=%s", paths[0],
	    paths[1], paths[2]);
	builder_finish(&b, d, 1);
	return 0;
}

static int
load_triple_spec(const char *spec, struct model_data *d, struct ep_err *err)
{
	static const char *const keys[3] = { "train=", "valid=", "test=" };
	char *copy = ep_xstrdup(spec), *p = copy, *paths[3] = { NULL };
	int k, ret = -1;

	while (p != NULL) {
		char *comma = strchr(p, ',');

		if (comma != NULL)
			*comma = '\0';
		for (k = 0; k < 3; k++)
			if (strncmp(p, keys[k], strlen(keys[k])) == 0)
				break;
		if (k == 3 || paths[k] != NULL || p[strlen(keys[k % 3])] == '\0'
		    ) {
			ep_fail(err, EP_EUSAGE, "'%s': expected "
			    "train=FILE,valid=FILE,test=FILE", spec);
			goto out;
		}
		paths[k] = p + strlen(keys[k]);
		p = comma != NULL ? comma + 1 : NULL;
	}
	for (k = 0; k < 3; k++)
		if (paths[k] == NULL) {
			ep_fail(err, EP_EUSAGE, "'%s': %sFILE is missing", spec,
			    keys[k]);
			goto out;
		}
	ret = load_triple((const char *const *)paths, NULL, NULL, d, err);
out:
	free(copy);
	return ret;
}

int
model_data_load(const char *spec, struct model_data *d, struct ep_err *err)
{
	static const char *const parts[3] = { ".train.inter", ".valid.inter",
		".test.inter" };
	struct builder b;
	const char *fmt = NULL;
	int k;

	*d = (struct model_data)MODEL_DATA_INIT;
	if (spec == NULL || *spec == '\0')
		return ep_fail(err, EP_EUSAGE, "empty dataset name");
	if (strncmp(spec, "synthetic", 9) == 0 && (spec[9] == '\0' ||
	    spec[9] == ':' || spec[9] == '-'))
		return model_synth_load(spec, d, err);
	if (strncmp(spec, "train=", 6) == 0 || strncmp(spec, "valid=", 6) == 0
	    || strncmp(spec, "test=", 5) == 0)
		return load_triple_spec(spec, d, err);
	for (k = 0; k < 3; k++) {
		if (ends_with(spec, parts[k])) {
			size_t stem = strlen(spec) - strlen(parts[k]);
			char *p[3];
			int j, ret;

			for (j = 0; j < 3; j++)
				p[j] = ep_xasprintf("%.*s%s", (int)stem, spec,
				    parts[j]);
			ret = load_triple((const char *const *)p, NULL, NULL, d, err);
			for (j = 0; j < 3; j++)
				free(p[j]);
			return ret;
		}
	}
	memset(&b, 0, sizeof b);
	b.all_ts = 1;
	if (load_file(&b, spec, -1, &fmt, d->sha256, err) < 0) {
		builder_release(&b);
		return -1;
	}
	d->format = fmt;
	d->name = ep_xstrdup(base_name(spec));
	d->source = ep_xstrdup(spec);
	builder_finish(&b, d, 0);
	return 0;
}

int
model_data_parse(const char *name, const char *buf, size_t len,
    struct model_data *d, struct ep_err *err)
{
	struct builder b;
	const char *fmt = NULL;

	*d = (struct model_data)MODEL_DATA_INIT;
	memset(&b, 0, sizeof b);
	b.all_ts = 1;
	if (parse_buf(&b, name, buf, len, -1, &fmt, d->sha256, err) < 0) {
		builder_release(&b);
		return -1;
	}
	d->format = fmt;
	d->name = ep_xstrdup(base_name(name));
	d->source = ep_xstrdup(name);
	builder_finish(&b, d, 0);
	return 0;
}

int
model_data_parse_split(const char *const names[3], const char *const bufs[3],
    const size_t lens[3], struct model_data *d, struct ep_err *err)
{
	*d = (struct model_data)MODEL_DATA_INIT;
	return load_triple(names, bufs, lens, d, err);
}

void
model_data_from_arrays(struct model_data *d, const char *name,
    const char *format, uint32_t n_users, uint32_t n_items, uint32_t *user,
    uint32_t *item, size_t n)
{
	struct pairset seen = { NULL, 0, 0 };
	size_t i, out = 0;

	for (i = 0; i < n; i++) {
		if (!pairset_add(&seen, (uint64_t)user[i] << 32 | item[i]))
			continue;
		user[out] = user[i];
		item[out] = item[i];
		out++;
	}
	free(seen.keys);
	d->name = ep_xstrdup(name);
	if (d->source == NULL)
		d->source = ep_xstrdup(name);
	d->format = format;
	d->n_users = n_users;
	d->n_items = n_items;
	d->n_rows = n;
	d->n_dup = n - out;
	d->n_inter = out;
	d->user = user;
	d->item = item;
}

void
model_data_release(struct model_data *d)
{
	free(d->name);
	free(d->source);
	free(d->user);
	free(d->item);
	free(d->ts);
	free(d->part);
	*d = (struct model_data)MODEL_DATA_INIT;
}

static int
cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return (x > y) - (x < y);
}

double
model_data_gini(const struct model_data *d)
{
	size_t *cnt, i;
	double num = 0, total = 0, n = d->n_items;

	if (d->n_items == 0 || d->n_inter == 0)
		return 0;
	cnt = ep_xcalloc(d->n_items, sizeof *cnt);
	for (i = 0; i < d->n_inter; i++)
		cnt[d->item[i]]++;
	qsort(cnt, d->n_items, sizeof *cnt, cmp_size);
	/* G = sum_i (2i - n - 1) x_i / (n sum x), i = 1..n ascending. */
	for (i = 0; i < d->n_items; i++) {
		num += (2.0 * (double)(i + 1) - n - 1) * (double)cnt[i];
		total += (double)cnt[i];
	}
	free(cnt);
	return num / (n * total);
}
