/*
 * The profile store on disk.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fsutil.h"
#include "core/mem.h"
#include "core/paths.h"
#include "profiles/store.h"
#include "core/banned.h"

/* Keeps [A-Za-z0-9._-], maps anything else to '_'. */
static void
slug(const char *in, char *out, size_t size)
{
	size_t i, n = 0;

	for (i = 0; in[i] != '\0' && n + 1 < size; i++) {
		char c = in[i];

		out[n++] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '-' ||
		    c == '_' ? c : '_';
	}
	out[n] = '\0';
	if (n == 0)
		snprintf(out, size, "_");
}

char *
prof_store_dir(struct ep_err *err)
{
	char host[256] = "localhost", sh[128], *sub, *dir;

	if (gethostname(host, sizeof host - 1) < 0 || host[0] == '\0')
		snprintf(host, sizeof host, "localhost");
	host[sizeof host - 1] = '\0';
	slug(host, sh, sizeof sh);
	sub = ep_xasprintf("profiles/%s", sh);
	dir = ep_xdg_mkdir(EP_DIR_DATA, sub, err);
	free(sub);
	return dir;
}

void
prof_store_name(const char *model, const char *dataset, char *buf,
    size_t size)
{
	char m[48], d[96];

	slug(model, m, sizeof m);
	slug(dataset, d, sizeof d);
	snprintf(buf, size, "%s--%s.json", m, d);
}

/*
 * Makes dst a copy of src: a hard link where the file system allows,
 * else an atomic copy of the bytes.
 */
static int
keep_copy(const char *src, const char *dst, struct ep_err *err)
{
	char *buf = NULL;
	size_t len;
	int ret;

	if (link(src, dst) == 0)
		return 0;
	if (ep_read_file(src, (size_t)64 << 20, &buf, &len, err) < 0)
		return -1;
	ret = ep_write_atomic(dst, buf, len, 0644, err);
	free(buf);
	return ret;
}

int
prof_store_save(const struct prof_profile *p, char **path_out,
    struct ep_err *err)
{
	struct ep_lock lock = EP_LOCK_INIT;
	char name[160], *dir, *path = NULL, *lockp = NULL, *json = NULL;
	char *hist = NULL;
	struct stat st;
	int ret = -1;

	if ((dir = prof_store_dir(err)) == NULL)
		return -1;
	prof_store_name(p->model, p->dataset, name, sizeof name);
	path = ep_xasprintf("%s/%s", dir, name);
	lockp = ep_xasprintf("%s/.lock", dir);
	if (ep_lock_take(&lock, lockp, 1, err) < 0)
		goto out;
	if (stat(path, &st) == 0) {
		/* Keep the previous measurement: history/NAME.CREATED.json,
		 * its creation time taken from the old file itself. It is
		 * linked (or copied) there, never moved: the old file stays
		 * in place until the new one is renamed over it, so that a
		 * crash at any point leaves one complete version. */
		struct prof_profile old;
		struct ep_err e2 = EP_ERR_INIT;
		char stamp[40] = "", *hdir = ep_xasprintf("%s/history", dir);
		size_t len = strlen(name) - 5;
		int k;

		if (prof_profile_load(path, &old, &e2) == 0)
			slug(old.created, stamp, sizeof stamp);
		else
			snprintf(stamp, sizeof stamp, "%lld",
			    (long long)st.st_mtime);
		if (ep_mkdir_p(hdir, 0700, err) < 0) {
			free(hdir);
			goto out;
		}
		/* Two measurements stamped the same second get -2, -3... */
		for (k = 1; k <= 100; k++) {
			free(hist);
			hist = k == 1 ? ep_xasprintf("%s/%.*s.%s.json", hdir,
			    (int)len, name, stamp) : ep_xasprintf(
			    "%s/%.*s.%s-%d.json", hdir, (int)len, name, stamp,
			    k);
			if (access(hist, F_OK) != 0)
				break;
		}
		free(hdir);
		if (keep_copy(path, hist, err) < 0)
			goto out;
	}
	json = prof_profile_to_json(p);
	if (ep_write_atomic(path, json, strlen(json), 0644, err) < 0)
		goto out;
	if (path_out != NULL) {
		*path_out = path;
		path = NULL;
	}
	ret = 0;
out:
	ep_lock_release(&lock);
	free(json);
	free(hist);
	free(lockp);
	free(path);
	free(dir);
	return ret;
}

static int
cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct prof_entry *)a)->name,
	    ((const struct prof_entry *)b)->name);
}

int
prof_store_list(struct prof_entry **list, size_t *n, struct ep_err *err)
{
	struct prof_entry *l = NULL;
	struct dirent *de;
	size_t cnt = 0, cap = 0;
	char *dir;
	DIR *d;

	*list = NULL;
	*n = 0;
	if ((dir = prof_store_dir(err)) == NULL)
		return -1;
	if ((d = opendir(dir)) == NULL) {
		int saved = errno;

		ep_fail(err, EP_EIO, "%s: %s", dir, strerror(saved));
		free(dir);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		struct prof_entry *e;
		struct ep_err e2 = EP_ERR_INIT;

		if (len < 6 || de->d_name[0] == '.' ||
		    strcmp(de->d_name + len - 5, ".json") != 0 ||
		    len - 5 >= sizeof l->name)
			continue;
		if (cnt == cap) {
			cap = cap ? cap * 2 : 16;
			l = ep_xreallocarray(l, cap, sizeof *l);
		}
		e = &l[cnt++];
		memset(e, 0, sizeof *e);
		snprintf(e->name, sizeof e->name, "%.*s", (int)(len - 5),
		    de->d_name);
		snprintf(e->path, sizeof e->path, "%s/%s", dir, de->d_name);
		e->ok = prof_profile_load(e->path, &e->p, &e2) == 0;
		if (!e->ok)
			snprintf(e->err, sizeof e->err, "%s", e2.msg);
	}
	closedir(d);
	free(dir);
	if (cnt > 1)
		qsort(l, cnt, sizeof *l, cmp_entry);
	*list = l;
	*n = cnt;
	return 0;
}

int
prof_store_find(const char *model, const char *dataset,
    struct prof_profile *p, struct ep_err *err)
{
	struct prof_entry *l;
	size_t n, i;
	int best = -1;

	if (prof_store_list(&l, &n, err) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (!l[i].ok || strcmp(l[i].p.model, model) != 0)
			continue;
		if (dataset != NULL && strcmp(l[i].p.dataset, dataset) != 0)
			continue;
		if (best < 0 || strcmp(l[i].p.created, l[best].p.created) > 0)
			best = (int)i;
	}
	if (best >= 0)
		*p = l[best].p;
	free(l);
	if (best < 0)
		return ep_fail(err, EP_ENOTFOUND, "%s: no profile of this "
		    "model%s%s on this machine", model, dataset ? " on " : "",
		    dataset ? dataset : "");
	return 0;
}

int
prof_store_remove(const char *name, size_t *removed, struct ep_err *err)
{
	struct ep_lock lock = EP_LOCK_INIT;
	struct prof_entry *l = NULL;
	char *dir = NULL, *lockp = NULL;
	size_t n, i, len = strlen(name);
	int ret = -1;

	*removed = 0;
	if ((dir = prof_store_dir(err)) == NULL)
		return -1;
	lockp = ep_xasprintf("%s/.lock", dir);
	if (ep_lock_take(&lock, lockp, 1, err) < 0 ||
	    prof_store_list(&l, &n, err) < 0)
		goto out;
	if (len > 5 && strcmp(name + len - 5, ".json") == 0)
		len -= 5;
	for (i = 0; i < n; i++) {
		int match = strlen(l[i].name) == len &&
		    strncmp(l[i].name, name, len) == 0;

		/* A bare model name matches all of its datasets. */
		if (!match && l[i].ok && strcmp(l[i].p.model, name) == 0)
			match = 1;
		if (!match)
			continue;
		if (unlink(l[i].path) < 0) {
			int saved = errno;

			ep_fail(err, EP_EIO, "%s: %s", l[i].path,
			    strerror(saved));
			goto out;
		}
		(*removed)++;
	}
	if (*removed == 0) {
		ep_fail(err, EP_ENOTFOUND, "%s: no such profile (see 'ecoplan "
		    "profiles list')", name);
		goto out;
	}
	ret = 0;
out:
	ep_lock_release(&lock);
	free(l);
	free(lockp);
	free(dir);
	return ret;
}
