/*
 * The rapl meter: powercap sysfs zones, summed without nested double
 * counting, with wraparound handled between reads. Every file is opened,
 * read and closed at each read (a few microseconds on sysfs), so that a
 * fixture tree rewritten by rename(2) is seen as the kernel's files are.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/mem.h"
#include "profiles/meter_rapl.h"
#include "core/banned.h"

#define ZONE_PREFIX "intel-rapl:"
#define MMIO_PREFIX "intel-rapl-mmio:"

struct zone {
	char *dir;		/* the zone's folder (owned) */
	char *energy_path;	/* dir/energy_uj (owned) */
	char name[32];		/* contents of its name file */
	char label[32];		/* what domains calls it */
	unsigned long pkg;	/* index of intel-rapl:<pkg> */
	unsigned long sub;	/* index of intel-rapl:<pkg>:<sub> */
	int nested;		/* a subzone */
	int summed;		/* counted in the total */
	uint64_t range_uj;	/* max_energy_range_uj */
	uint64_t prev_uj;	/* energy_uj at the last read */
	uint64_t total_uj;	/* energy since open */
};

struct prof_rapl {
	struct zone *z;		/* the summed zones */
	size_t n;
	char *root;		/* the sysfs root, for messages (owned) */
};

struct zone_list {
	struct zone *z;
	size_t n, cap;
};

/*
 * Reads a small sysfs file into buf (NUL-terminated, trailing white
 * space removed). Returns 0, or -1 with the errno of the failure in
 * *saved.
 */
static int
read_small(const char *path, char *buf, size_t len, int *saved)
{
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		*saved = errno;
		return -1;
	}
	do
		n = read(fd, buf, len - 1);
	while (n < 0 && errno == EINTR);
	*saved = errno;
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' ' ||
	    buf[n - 1] == '\t'))
		buf[--n] = '\0';
	return 0;
}

/* Parses an unsigned decimal counter, the whole string. */
static int
parse_u64(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = (uint64_t)v;
	return 0;
}

/*
 * Reads the counter in path. A file that cannot be opened for lack of
 * permission is the root-only energy_uj of CVE-2020-8694: say so, and
 * how to fix it (*denied is set then).
 */
static int
read_counter(const char *path, const char *root, uint64_t *out,
    int *denied, struct ep_err *err)
{
	char buf[64];
	int saved;

	*denied = 0;
	if (read_small(path, buf, sizeof buf, &saved) < 0) {
		*denied = saved == EACCES || saved == EPERM;
		if (*denied)
			return ep_fail(err, EP_EIO, "%s: readable only by root "
			    "since Linux 5.10 (CVE-2020-8694); run as root or "
			    "`sudo chmod a+r %s/class/powercap/intel-rapl:*/"
			    "energy_uj`", path, root);
		return ep_fail(err, saved == ENOENT ? EP_ENOTFOUND : EP_EIO,
		    "%s: %s", path, strerror(saved));
	}
	if (parse_u64(buf, out) < 0)
		return ep_fail(err, EP_EPARSE, "%s: not a counter: '%s'", path,
		    buf);
	return 0;
}

/* Parses 1 to 8 hexadecimal digits at *p, moving *p past them. */
static int
parse_hex(const char **p, unsigned long *out)
{
	unsigned long v = 0;
	int n = 0;

	for (;;) {
		char c = **p;
		int d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			break;
		if (++n > 8)
			return -1;
		v = v * 16 + (unsigned long)d;
		(*p)++;
	}
	if (n == 0)
		return -1;
	*out = v;
	return 0;
}

/*
 * Parses a zone folder's name: "intel-rapl:<hex>" (a top zone) or
 * "intel-rapl:<hex>:<hex>" (a subzone). The index is hexadecimal because
 * the kernel names zones with "%s:%x".
 */
static int
parse_zone_name(const char *s, unsigned long *pkg, unsigned long *sub,
    int *nested)
{
	const char *p = s + strlen(ZONE_PREFIX);

	if (strncmp(s, ZONE_PREFIX, strlen(ZONE_PREFIX)) != 0 ||
	    parse_hex(&p, pkg) < 0)
		return -1;
	*sub = 0;
	*nested = 0;
	if (*p == '\0')
		return 0;
	if (*p != ':')
		return -1;
	p++;
	if (parse_hex(&p, sub) < 0 || *p != '\0')
		return -1;
	*nested = 1;
	return 0;
}

/*
 * Adds a zone unless it is already listed (the class folder and the
 * parent's folder both show a subzone).
 */
static void
zone_add(struct zone_list *l, const char *dir, unsigned long pkg,
    unsigned long sub, int nested)
{
	struct zone *z;
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->z[i].pkg == pkg && l->z[i].sub == sub &&
		    l->z[i].nested == nested)
			return;
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 8;
		l->z = ep_xreallocarray(l->z, l->cap, sizeof *l->z);
	}
	z = &l->z[l->n++];
	memset(z, 0, sizeof *z);
	z->dir = ep_xstrdup(dir);
	z->energy_path = ep_xasprintf("%s/energy_uj", dir);
	z->pkg = pkg;
	z->sub = sub;
	z->nested = nested;
}

static void
zone_free(struct zone *z)
{
	free(z->dir);
	free(z->energy_path);
	z->dir = NULL;
	z->energy_path = NULL;
}

/*
 * Lists the zones in folder dir. With want_pkg >= 0 (a zone's own
 * folder) only its subzones are taken. Counts intel-rapl-mmio:* entries
 * in *mmio.
 */
static int
scan_dir(const char *dir, long want_pkg, struct zone_list *l, int *mmio,
    struct ep_err *err)
{
	struct dirent *de;
	DIR *d;
	int saved;

	if ((d = opendir(dir)) == NULL) {
		saved = errno;
		if (saved == ENOENT)
			return ep_fail(err, EP_ENOTFOUND, "%s: not found: no "
			    "RAPL powercap interface (virtual machines and "
			    "most cloud instances have none)", dir);
		return ep_fail(err, EP_EIO, "%s: %s", dir, strerror(saved));
	}
	while ((de = readdir(d)) != NULL) {
		unsigned long pkg, sub;
		int nested;
		char *path;

		if (strncmp(de->d_name, MMIO_PREFIX,
		    strlen(MMIO_PREFIX)) == 0) {
			(*mmio)++;
			continue;
		}
		if (parse_zone_name(de->d_name, &pkg, &sub, &nested) < 0)
			continue;
		if (want_pkg >= 0 &&
		    (!nested || pkg != (unsigned long)want_pkg))
			continue;
		path = ep_xasprintf("%s/%s", dir, de->d_name);
		zone_add(l, path, pkg, sub, nested);
		free(path);
	}
	closedir(d);
	return 0;
}

/* Top zones first, by index, then subzones by package. */
static int
zone_cmp(const void *a, const void *b)
{
	const struct zone *x = a, *y = b;

	if (x->nested != y->nested)
		return x->nested - y->nested;
	if (x->pkg != y->pkg)
		return x->pkg < y->pkg ? -1 : 1;
	if (x->sub != y->sub)
		return x->sub < y->sub ? -1 : 1;
	return 0;
}

/*
 * Appends s to buf (size len) after sep when buf is not empty; marks a
 * cut with "...".
 */
static void
append(char *buf, size_t len, const char *sep, const char *s)
{
	size_t used = strlen(buf);
	int n;

	n = snprintf(buf + used, len - used, "%s%s", used > 0 ? sep : "", s);
	if (n < 0 || (size_t)n >= len - used) {
		if (len > 4)
			memcpy(buf + len - 4, "...", 4);
	}
}

/* Decides which zones are summed, from their names. */
static void
classify(struct zone_list *l, size_t *n_dram, char *skipped, size_t len)
{
	size_t i;

	*n_dram = 0;
	for (i = 0; i < l->n; i++) {
		struct zone *z = &l->z[i];
		char what[80];

		if (strcmp(z->name, "dram") == 0) {
			z->summed = 1;
			(*n_dram)++;
			continue;
		}
		if (!z->nested && strncmp(z->name, "package-", 8) == 0) {
			z->summed = 1;
			snprintf(z->label, sizeof z->label, "%s", z->name);
			continue;
		}
		if (strcmp(z->name, "psys") == 0)
			snprintf(what, sizeof what, "psys (contains the "
			    "packages)");
		else if (z->nested)
			snprintf(what, sizeof what, "%s (inside a package)",
			    z->name);
		else
			snprintf(what, sizeof what, "%s (unknown zone)",
			    z->name);
		/* Once per kind, not once per package. */
		if (strstr(skipped, what) == NULL)
			append(skipped, len, ", ", what);
	}
	for (i = 0; i < l->n; i++) {
		struct zone *z = &l->z[i];

		if (z->summed && strcmp(z->name, "dram") == 0) {
			if (*n_dram > 1)
				snprintf(z->label, sizeof z->label, "dram-%lu",
				    z->pkg);
			else
				snprintf(z->label, sizeof z->label, "dram");
		}
	}
}

int
prof_rapl_open(struct prof_rapl **out, const char *root, char *domains,
    size_t domains_len, char *notes, size_t notes_len, double *poll_secs,
    struct ep_err *err)
{
	struct zone_list l = { NULL, 0, 0 };
	struct prof_rapl *r = NULL;
	char *classdir = ep_xasprintf("%s/class/powercap", root);
	char skipped[256] = "";
	double min_range_j = 0, secs;
	size_t i, j, n_top, n_dram;
	int mmio = 0, ret = -1;

	*out = NULL;
	if (scan_dir(classdir, -1, &l, &mmio, err) < 0)
		goto out;
	/* Subzones may show only inside their parent's folder. */
	n_top = l.n;
	for (i = 0; i < n_top; i++)
		if (!l.z[i].nested) {
			char *dir = ep_xstrdup(l.z[i].dir);
			int r2 = scan_dir(dir, (long)l.z[i].pkg, &l, &mmio,
			    err);

			free(dir);
			if (r2 < 0)
				goto out;
		}
	for (i = 0; i < l.n; i++) {
		char *path = ep_xasprintf("%s/name", l.z[i].dir);
		int saved;

		if (read_small(path, l.z[i].name, sizeof l.z[i].name,
		    &saved) < 0) {
			ep_fail(err, EP_EIO, "%s: %s", path, strerror(saved));
			free(path);
			goto out;
		}
		free(path);
	}
	if (l.n > 0)
		qsort(l.z, l.n, sizeof *l.z, zone_cmp);
	classify(&l, &n_dram, skipped, sizeof skipped);
	if (mmio > 0)
		append(skipped, sizeof skipped, ", ", "intel-rapl-mmio "
		    "(a copy of package)");

	r = ep_xcalloc(1, sizeof *r);
	r->root = ep_xstrdup(root);
	r->z = ep_xcalloc(l.n > 0 ? l.n : 1, sizeof *r->z);
	for (i = 0; i < l.n; i++) {
		if (l.z[i].summed) {
			r->z[r->n++] = l.z[i];
			l.z[i].dir = NULL;
			l.z[i].energy_path = NULL;
		}
	}
	if (r->n == 0 || n_dram == r->n) {
		ep_fail(err, EP_ENOTFOUND, "%s: no package zone%s%s%s",
		    classdir, skipped[0] != '\0' ? " (found: " : "", skipped,
		    skipped[0] != '\0' ? ")" : "");
		goto out;
	}
	domains[0] = '\0';
	for (i = j = 0; i < r->n; i++) {
		struct zone *z = &r->z[i];
		char *path = ep_xasprintf("%s/max_energy_range_uj", z->dir);
		char buf[64];
		int saved, denied;

		if (read_small(path, buf, sizeof buf, &saved) < 0) {
			ep_fail(err, saved == ENOENT ? EP_ENOTFOUND : EP_EIO,
			    "%s: %s", path, strerror(saved));
			free(path);
			goto out;
		}
		if (parse_u64(buf, &z->range_uj) < 0 || z->range_uj == 0) {
			ep_fail(err, EP_EPARSE, "%s: not a counter range: '%s'",
			    path, buf);
			free(path);
			goto out;
		}
		free(path);
		if (read_counter(z->energy_path, root, &z->prev_uj, &denied,
		    err) < 0) {
			/*
			 * Some platforms list a DRAM zone whose counter
			 * cannot be read (ENODATA): the packages still
			 * measure. A refused read is fixable, so it fails.
			 */
			if (denied || strcmp(z->name, "dram") != 0)
				goto out;
			append(skipped, sizeof skipped, ", ", z->label);
			append(skipped, sizeof skipped, " ", "(unreadable)");
			if (err != NULL)
				ep_err_clear(err);
			zone_free(z);
			continue;
		}
		if (min_range_j == 0 || (double)z->range_uj * 1e-6 <
		    min_range_j)
			min_range_j = (double)z->range_uj * 1e-6;
		append(domains, domains_len, ",", z->label);
		if (j != i) {
			r->z[j] = *z;
			memset(z, 0, sizeof *z);
		}
		j++;
	}
	r->n = j;
	/*
	 * Two wraps cannot pass unseen when each zone is read at least once
	 * per wrap period; half of the shortest period at a power no socket
	 * reaches leaves a margin for a late poll.
	 */
	secs = min_range_j / (2 * PROF_RAPL_WORST_WATTS);
	if (secs > PROF_RAPL_POLL_MAX_SECS)
		secs = PROF_RAPL_POLL_MAX_SECS;
	if (secs < PROF_RAPL_POLL_MIN_SECS)
		secs = PROF_RAPL_POLL_MIN_SECS;
	*poll_secs = secs;
	snprintf(notes, notes_len, "rapl: powercap energy_uj counters "
	    "(in uJ), wrapping at max_energy_range_uj (shortest %.0f J), "
	    "polled every %g s%s%s", min_range_j, secs,
	    skipped[0] != '\0' ? "; not summed: " : "", skipped);
	*out = r;
	r = NULL;
	ret = 0;
out:
	for (i = 0; i < l.n; i++)
		zone_free(&l.z[i]);
	free(l.z);
	free(classdir);
	prof_rapl_close(r);
	return ret;
}

int
prof_rapl_read(struct prof_rapl *r, double *joules, struct ep_err *err)
{
	uint64_t sum = 0;
	size_t i;
	int denied;

	for (i = 0; i < r->n; i++) {
		struct zone *z = &r->z[i];
		uint64_t cur = 0;

		if (read_counter(z->energy_path, r->root, &cur, &denied,
		    err) < 0)
			return -1;
		if (cur >= z->prev_uj)
			z->total_uj += cur - z->prev_uj;
		else if (z->prev_uj <= z->range_uj)
			/* Wrapped once (polling rules out twice). */
			z->total_uj += z->range_uj - z->prev_uj + cur;
		else
			/* A counter above its own range was reset. */
			z->total_uj += cur;
		z->prev_uj = cur;
		sum += z->total_uj;
	}
	*joules = (double)sum * 1e-6;
	return 0;
}

void
prof_rapl_close(struct prof_rapl *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++)
		zone_free(&r->z[i]);
	free(r->z);
	free(r->root);
	free(r);
}
