/*
 * The estimate meter: CPU time times a per-thread power from the TDP
 * table, plus RAM power. The TDP table is CodeCarbon's cpu_power.csv
 * (MIT; see profiles/data/ATTRIBUTION), read with libcsv.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <unistd.h>

#include <csv.h>

#include "core/clock.h"
#include "core/embed.h"
#include "core/fsutil.h"
#include "core/mem.h"
#include "core/num.h"
#include "profiles/meter_estimate.h"
#include "core/banned.h"

#define TDP_TABLE "profiles/cpu_power.csv"
#define CPUINFO_MAX (16 << 20)
#define MAX_TOKS 24
#define TOK_LEN 32
#define MAX_PACKAGES 64
#define GIB 1073741824.0

struct toks {
	char t[MAX_TOKS][TOK_LEN];
	int n;
};

struct prof_estimate {
	double thread_watts;	/* a busy thread */
	double ram_watts;	/* > 0: fixed RAM power */
	int ram_peak;		/* resident memory from getrusage (peak) */
	double cpu0, t0;	/* CPU and wall clocks at open */
	double ram_j;		/* integrated RAM energy */
	double last_ram_w, last_t;
};

/* Copies a line's value with runs of white space collapsed to one. */
static void
collapse(char *dst, size_t len, const char *s, size_t n)
{
	size_t i, o = 0;
	int space = 0;

	while (n > 0 && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	for (i = 0; i < n && o + 1 < len; i++) {
		if (isspace((unsigned char)s[i])) {
			space = 1;
			continue;
		}
		if (space && o > 0 && o + 2 < len)
			dst[o++] = ' ';
		space = 0;
		dst[o++] = s[i];
	}
	dst[o] = '\0';
}

/* N of an "N-Core" (or "N-Cores") word in s, or 0. */
static int
cores_in(const char *s)
{
	const char *p;

	for (p = s; (p = strchr(p, '-')) != NULL; p++) {
		const char *q = p;
		int v = 0, mul = 1;

		if (strncasecmp(p + 1, "core", 4) != 0)
			continue;
		while (q > s && isdigit((unsigned char)q[-1])) {
			v += (q[-1] - '0') * mul;
			mul *= 10;
			q--;
			if (mul > 100000)
				break;
		}
		if (q < p && v > 0)
			return v;
	}
	return 0;
}

int
prof_cpuinfo_read(struct prof_cpuinfo *ci, struct ep_err *err)
{
	const char *path = getenv("ECOPLAN_CPUINFO");
	long ids[MAX_PACKAGES];
	int n_ids = 0, procs = 0, have_flags = 0;
	char *buf = NULL, *line, *next;
	size_t len;

	memset(ci, 0, sizeof *ci);
	if (path == NULL || path[0] == '\0')
		path = "/proc/cpuinfo";
	if (ep_read_file(path, CPUINFO_MAX, &buf, &len, err) < 0)
		return -1;
	for (line = buf; line != NULL && *line != '\0'; line = next) {
		char *colon, *end, key[32];
		const char *val;
		size_t klen;
		long v;

		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if ((colon = strchr(line, ':')) == NULL)
			continue;
		end = colon;
		while (end > line && isspace((unsigned char)end[-1]))
			end--;
		klen = (size_t)(end - line);
		if (klen >= sizeof key)
			continue;
		memcpy(key, line, klen);
		key[klen] = '\0';
		val = colon + 1;
		while (isspace((unsigned char)*val))
			val++;
		if (strcmp(key, "processor") == 0) {
			procs++;
		} else if (strcmp(key, "model name") == 0 &&
		    ci->model[0] == '\0') {
			collapse(ci->model, sizeof ci->model, val, strlen(val));
		} else if (strcmp(key, "siblings") == 0 && ci->threads == 0) {
			if (ep_parse_long(val, 1, 1 << 20, &v, err) == 0)
				ci->threads = (int)v;
		} else if (strcmp(key, "physical id") == 0) {
			int i;

			if (ep_parse_long(val, 0, 1 << 20, &v, err) < 0)
				continue;
			for (i = 0; i < n_ids && ids[i] != v; i++)
				;
			if (i == n_ids && n_ids < MAX_PACKAGES)
				ids[n_ids++] = v;
		} else if (strcmp(key, "flags") == 0 && !have_flags) {
			have_flags = 1;
			ci->hypervisor = strstr(val, "hypervisor") != NULL;
		}
	}
	if (err != NULL)
		ep_err_clear(err);	/* a malformed line is ignored */
	free(buf);
	ci->packages = n_ids > 0 ? n_ids : 1;
	if (ci->threads == 0) {
		long conf = sysconf(_SC_NPROCESSORS_CONF);

		if (procs == 0)
			procs = conf > 0 ? (int)conf : 1;
		ci->threads = procs / ci->packages > 0 ?
		    procs / ci->packages : 1;
	}
	ci->cores_in_name = cores_in(ci->model);
	return 0;
}

/* Words that say nothing about which CPU it is. */
static int
noise_word(const char *w)
{
	size_t n = strlen(w);

	return strcmp(w, "cpu") == 0 || strcmp(w, "processor") == 0 ||
	    (n > 5 && strcmp(w + n - 5, "-core") == 0) ||
	    (n > 6 && strcmp(w + n - 6, "-cores") == 0);
}

/*
 * Splits a CPU name into lower-case words, without "(r)", "(tm)", the
 * clock after "@" and the noise words.
 */
static void
tokenize(const char *s, struct toks *t)
{
	char buf[256], *p, *w;
	size_t i, wl;

	t->n = 0;
	for (i = 0; s[i] != '\0' && s[i] != '@' && i + 1 < sizeof buf; i++)
		buf[i] = (char)tolower((unsigned char)s[i]);
	buf[i] = '\0';
	while ((p = strstr(buf, "(r)")) != NULL)
		memset(p, ' ', 3);
	while ((p = strstr(buf, "(tm)")) != NULL)
		memset(p, ' ', 4);
	for (p = buf; *p != '\0';) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '\0')
			break;
		w = p;
		while (*p != '\0' && *p != ' ' && *p != '\t' && *p != ',')
			p++;
		if (*p != '\0')
			*p++ = '\0';
		if (noise_word(w) || t->n == MAX_TOKS)
			continue;
		wl = strlen(w) < TOK_LEN ? strlen(w) : TOK_LEN - 1;
		memcpy(t->t[t->n], w, wl);
		t->t[t->n++][wl] = '\0';
	}
}

/* A model number: three or more characters, one of them a digit. */
static int
model_word(const char *w)
{
	return strlen(w) >= 3 && strpbrk(w, "0123456789") != NULL;
}

static int
has_tok(const struct toks *t, const char *w)
{
	int i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->t[i], w) == 0)
			return 1;
	return 0;
}

/* State of the table scan: the query and the best entry so far. */
struct match {
	struct toks q;
	char *f[2];		/* the row's fields (owned) */
	int nf;
	size_t row;
	int best_full;		/* the best is a full match */
	int best_score;
	double best_watts;
	char best_name[128];
};

/*
 * Scores one entry: a full match (every word of the entry in the query)
 * beats a partial one (every model number, and half the words), and
 * more matched words beat fewer.
 */
static void
consider(struct match *m, const char *name, double watts)
{
	struct toks e;
	int i, hit = 0, model = 0, model_hit = 0, full;

	tokenize(name, &e);
	for (i = 0; i < e.n; i++) {
		int h = has_tok(&m->q, e.t[i]);

		hit += h;
		if (model_word(e.t[i])) {
			model++;
			model_hit += h;
		}
	}
	if (model == 0 || model_hit < model)
		return;
	full = hit == e.n;
	if (!full && 2 * hit < e.n)
		return;
	if (full < m->best_full || (full == m->best_full &&
	    hit <= m->best_score))
		return;
	m->best_full = full;
	m->best_score = hit;
	m->best_watts = watts;
	snprintf(m->best_name, sizeof m->best_name, "%s", name);
}

static void
csv_field(void *s, size_t len, void *data)
{
	struct match *m = data;

	if (m->nf < 2)
		m->f[m->nf] = ep_xstrndup(s != NULL ? s : "",
		    s != NULL ? len : 0);
	m->nf++;
}

static void
csv_row(int c, void *data)
{
	struct match *m = data;
	struct ep_err err = EP_ERR_INIT;
	double watts;

	(void)c;
	/* Skips the header and rows with a malformed TDP ("27.29.5"). */
	if (m->row++ > 0 && m->nf == 2 &&
	    ep_parse_double(m->f[1], 0.1, 2000, &watts, &err) == 0)
		consider(m, m->f[0], watts);
	free(m->f[0]);
	free(m->f[1]);
	m->f[0] = m->f[1] = NULL;
	m->nf = 0;
}

int
prof_tdp_lookup(const char *model, double *watts, char *matched,
    size_t matched_len, struct ep_err *err)
{
	struct ep_data d = EP_DATA_INIT;
	struct csv_parser p;
	struct match m;
	int ret = -1;

	memset(&m, 0, sizeof m);
	m.best_full = -1;
	tokenize(model, &m.q);
	if (ep_data_get(TDP_TABLE, &d, err) < 0)
		return -1;
	if (csv_init(&p, CSV_STRICT | CSV_APPEND_NULL) != 0) {
		ep_fail(err, EP_ENOMEM, "%s: cannot start the CSV parser",
		    TDP_TABLE);
		goto out;
	}
	if (csv_parse(&p, d.data, d.size, csv_field, csv_row, &m) != d.size ||
	    csv_fini(&p, csv_field, csv_row, &m) != 0) {
		ep_fail(err, EP_EPARSE, "%s (%s): %s", TDP_TABLE, d.origin,
		    csv_strerror(csv_error(&p)));
		csv_free(&p);
		goto out;
	}
	csv_free(&p);
	ret = 0;
	if (m.best_full >= 0) {
		*watts = m.best_watts;
		if (matched != NULL)
			snprintf(matched, matched_len, "%s", m.best_name);
		ret = 1;
	}
out:
	free(m.f[0]);
	free(m.f[1]);
	ep_data_release(&d);
	return ret;
}

/*
 * Resident memory of this process in GiB: current from /proc/self/statm,
 * else the peak from getrusage (*peak set).
 */
static double
rss_gib(int *peak)
{
	struct rusage ru;
	unsigned long size, res;
	long page = sysconf(_SC_PAGESIZE);
	FILE *f = fopen("/proc/self/statm", "r");
	int got = 0;

	if (f != NULL) {
		got = fscanf(f, "%lu %lu", &size, &res) == 2;
		fclose(f);
	}
	if (got && page > 0) {
		*peak = 0;
		return (double)res * (double)page / GIB;
	}
	*peak = 1;
	if (getrusage(RUSAGE_SELF, &ru) < 0)
		return 0;
	return (double)ru.ru_maxrss * 1024.0 / GIB;
}

/* Works out the power of a busy thread and writes how into what. */
static void
thread_power(struct prof_estimate *e, char *what, size_t len)
{
	struct ep_err err = EP_ERR_INIT;
	struct prof_cpuinfo ci;
	char name[128] = "";
	double tdp = 0;
	int found = 0, threads;

	if (prof_cpuinfo_read(&ci, &err) < 0 ||
	    (found = prof_tdp_lookup(ci.model, &tdp, name, sizeof name,
	    &err)) < 0) {
		/* Still an estimate, and it says why it is a rough one. */
		e->thread_watts = PROF_EST_FALLBACK_WATTS;
		snprintf(what, len, "cpu: %g W/thread (CodeCarbon's fallback: "
		    "%.200s)", e->thread_watts, err.msg);
		return;
	}
	if (!found) {
		e->thread_watts = PROF_EST_FALLBACK_WATTS;
		snprintf(what, len, "cpu: %g W/thread (CodeCarbon's fallback: "
		    "'%s' is not in cpu_power.csv)", e->thread_watts,
		    ci.model[0] != '\0' ? ci.model : "unknown CPU");
		return;
	}
	threads = ci.threads;
	if (ci.hypervisor) {
		/*
		 * A virtual machine sees its own vCPUs, not the host CPU's
		 * threads: the TDP shared among 2 vCPUs would be tens of
		 * watts a thread. Only a core count in the name helps.
		 */
		if (ci.cores_in_name == 0) {
			e->thread_watts = PROF_EST_FALLBACK_WATTS;
			snprintf(what, len, "cpu: %g W/thread (CodeCarbon's "
			    "fallback: a virtual machine does not show how "
			    "many threads share the TDP %g W of '%s')",
			    e->thread_watts, tdp, name);
			return;
		}
		if (2 * ci.cores_in_name > threads)
			threads = 2 * ci.cores_in_name;
		e->thread_watts = tdp / threads;
		snprintf(what, len, "cpu: %.4g W/thread from TDP %g W of '%s' "
		    "(CodeCarbon cpu_power.csv) over %d threads (virtual "
		    "machine: 2 threads to each of the name's %d cores)",
		    e->thread_watts, tdp, name, threads, ci.cores_in_name);
		return;
	}
	e->thread_watts = tdp / threads;
	snprintf(what, len, "cpu: %.4g W/thread from TDP %g W of '%s' "
	    "(CodeCarbon cpu_power.csv) over %d threads", e->thread_watts, tdp,
	    name, threads);
}

int
prof_estimate_open(struct prof_estimate **out, double cpu_watts,
    double ram_watts, char *domains, size_t domains_len, char *notes,
    size_t notes_len, struct ep_err *err)
{
	struct prof_estimate *e = ep_xcalloc(1, sizeof *e);
	char cpu[320], ram[160];

	(void)err;	/* an estimate can always be made */
	*out = NULL;
	if (cpu_watts > 0) {
		e->thread_watts = cpu_watts;
		snprintf(cpu, sizeof cpu, "cpu: %g W/thread (given)",
		    cpu_watts);
	} else {
		thread_power(e, cpu, sizeof cpu);
	}
	if (ram_watts > 0) {
		e->ram_watts = ram_watts;
		snprintf(ram, sizeof ram, "ram: %g W (given)", ram_watts);
	} else {
		e->last_ram_w = PROF_EST_WATTS_PER_GB * rss_gib(&e->ram_peak);
		snprintf(ram, sizeof ram, "ram: %g W/GB of this process's "
		    "resident memory (%s)", PROF_EST_WATTS_PER_GB,
		    e->ram_peak ? "peak, getrusage" :
		    "current, /proc/self/statm, at each read");
	}
	snprintf(domains, domains_len, "cpu,ram");
	snprintf(notes, notes_len, "this process only: %s; %s", cpu, ram);
	e->cpu0 = ep_clock_cpu();
	e->t0 = e->last_t = ep_clock_mono();
	*out = e;
	return 0;
}

int
prof_estimate_read(struct prof_estimate *e, double *joules,
    struct ep_err *err)
{
	double t = ep_clock_mono();
	double cpu = ep_clock_cpu() - e->cpu0;

	(void)err;
	if (e->ram_watts > 0) {
		e->ram_j = e->ram_watts * (t - e->t0);
	} else {
		int peak;
		double w = PROF_EST_WATTS_PER_GB * rss_gib(&peak);

		e->ram_j += 0.5 * (e->last_ram_w + w) * (t - e->last_t);
		e->last_ram_w = w;
		e->last_t = t;
	}
	*joules = cpu * e->thread_watts + e->ram_j;
	return 0;
}

void
prof_estimate_close(struct prof_estimate *e)
{
	free(e);
}
