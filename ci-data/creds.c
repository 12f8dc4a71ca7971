/*
 * Secrets from the environment or the credentials file, checked for
 * ownership and permissions before a byte of the file is used.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ci-data/creds.h"
#include "core/mem.h"
#include "core/paths.h"
#include "core/banned.h"

/* A credentials file is a few lines; anything bigger is a mistake. */
#define CREDS_MAX 65536

char *
ci_creds_path(struct ep_err *err)
{
	char *dir, *path;

	if ((dir = ep_xdg_dir(EP_DIR_CONFIG, err)) == NULL)
		return NULL;
	path = ep_xasprintf("%s/credentials", dir);
	free(dir);
	return path;
}

void
ci_secret_free(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

/* Does s hold only what kind allows? */
static int
secret_ok(const char *s, enum ci_secret_kind kind)
{
	const unsigned char *p = (const unsigned char *)s;

	if (*p == '\0')
		return 0;
	for (; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return 0;
		if (kind == CI_SECRET_TOKEN && (*p == ' ' || *p > 0x7e))
			return 0;
	}
	return 1;
}

/*
 * Reads the credentials file into a new buffer, after checking that it
 * is a regular file of ours that no one else may read. Returns 1 with
 * *buf and *len set, 0 when there is no file, -1 on error.
 */
static int
read_creds(const char *path, char **buf, size_t *len, struct ep_err *err)
{
	struct stat st;
	char *p = NULL;
	size_t n = 0;
	ssize_t r;
	int fd, saved, ret = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		saved = errno;
		if (saved == ENOENT)
			return 0;
		return ep_fail(err, EP_EIO, "%s: %s", path, strerror(saved));
	}
	if (fstat(fd, &st) < 0) {
		saved = errno;
		ep_fail(err, EP_EIO, "%s: %s", path, strerror(saved));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		ep_fail(err, EP_EIO, "%s: not a regular file", path);
		goto out;
	}
	if (st.st_uid != geteuid()) {
		ep_fail(err, EP_EIO, "%s: refused: owned by another user",
		    path);
		goto out;
	}
	if ((st.st_mode & 077) != 0) {
		ep_fail(err, EP_EIO, "%s: refused: mode %04o lets others "
		    "read it; run 'chmod 600 %s'", path,
		    (unsigned)(st.st_mode & 07777), path);
		goto out;
	}
	if (st.st_size > CREDS_MAX) {
		ep_fail(err, EP_EIO, "%s: too large to be a credentials file",
		    path);
		goto out;
	}
	p = ep_xmalloc((size_t)st.st_size + 1);
	while (n < (size_t)st.st_size) {
		r = read(fd, p + n, (size_t)st.st_size - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			saved = errno;
			ep_fail(err, EP_EIO, "%s: %s", path, strerror(saved));
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	p[n] = '\0';
	*buf = p;
	*len = n;
	p = NULL;
	ret = 1;
out:
	if (p != NULL) {
		explicit_bzero(p, n);
		free(p);
	}
	close(fd);
	return ret;
}

static char *
trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' ||
	    end[-1] == '\r'))
		*--end = '\0';
	return s;
}

/*
 * Finds key in the file's text (modified in place). Lines are "key =
 * value"; the last one for a key wins. Messages give the line number
 * only, since a line may hold a secret.
 */
static int
find_key(char *text, const char *path, const char *key, char **out,
    struct ep_err *err)
{
	char *line = text, *next, *eq, *k, *v, *found = NULL;
	size_t lineno = 0;

	for (; line != NULL; line = next) {
		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		k = trim(line);
		if (*k == '\0' || *k == '#')
			continue;
		if ((eq = strchr(k, '=')) == NULL)
			return ep_fail(err, EP_EPARSE,
			    "%s:%zu: expected 'key = value'", path, lineno);
		*eq = '\0';
		k = trim(k);
		v = trim(eq + 1);
		if (strcmp(k, key) == 0)
			found = v;
	}
	if (found == NULL)
		return 0;
	*out = ep_xstrdup(found);
	return 1;
}

int
ci_secret_get(const char *env, const char *key, enum ci_secret_kind kind,
    char **out, struct ep_err *err)
{
	const char *v = getenv(env);
	char *path = NULL, *text = NULL, *s = NULL;
	size_t tlen = 0;
	int ret = -1, r;

	*out = NULL;
	if (v != NULL && v[0] != '\0') {
		if (!secret_ok(v, kind)) {
			ep_fail(err, EP_EUSAGE, "%s: holds characters a %s may "
			    "not contain", env, kind == CI_SECRET_TOKEN ?
			    "token" : "credential");
			goto out;
		}
		*out = ep_xstrdup(v);
		ret = 1;
		goto out;
	}
	if ((path = ci_creds_path(err)) == NULL)
		goto out;
	if ((r = read_creds(path, &text, &tlen, err)) <= 0) {
		ret = r;
		goto out;
	}
	if ((r = find_key(text, path, key, &s, err)) <= 0) {
		ret = r;
		goto out;
	}
	if (s == NULL || !secret_ok(s, kind)) {
		ep_fail(err, EP_EPARSE, "%s: %s: empty, or holds characters it "
		    "may not contain", path, key);
		goto out;
	}
	*out = s;
	s = NULL;
	ret = 1;
out:
	ci_secret_free(s);
	if (text != NULL) {
		/* find_key() cut the text into strings: wipe all of it. */
		explicit_bzero(text, tlen);
		free(text);
	}
	free(path);
	return ret;
}
