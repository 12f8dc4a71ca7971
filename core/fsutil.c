/*
 * File-system helpers: reads with a cap, atomic writes, mkdir -p, locks.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fsutil.h"
#include "core/mem.h"
#include "core/banned.h"

/* Returns the folder part of path in a new string ("." when none). */
static char *
dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return ep_xstrdup(".");
	if (slash == path)
		return ep_xstrdup("/");
	return ep_xstrndup(path, (size_t)(slash - path));
}

static int
write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
ep_write_atomic(const char *path, const void *buf, size_t len, mode_t mode,
    struct ep_err *err)
{
	char *dir = NULL, *tmp = NULL;
	int fd = -1, dfd = -1, ret = -1, saved;
	struct stat st;

	/* A device or a pipe (/dev/null, /dev/stdout) is written in place:
	 * renaming over it would replace the device with a file. */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		if (S_ISDIR(st.st_mode))
			return ep_fail(err, EP_EIO, "%s: is a directory", path);
		if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0 ||
		    write_all(fd, buf, len) < 0) {
			saved = errno;
			if (fd >= 0)
				close(fd);
			return ep_fail(err, EP_EIO, "%s: write failed: %s",
			    path, strerror(saved));
		}
		if (close(fd) < 0) {
			saved = errno;
			return ep_fail(err, EP_EIO, "%s: write failed: %s",
			    path, strerror(saved));
		}
		return 0;
	}
	dir = dir_of(path);
	tmp = ep_xasprintf("%s.tmp.XXXXXX", path);
	if ((fd = mkstemp(tmp)) < 0) {
		saved = errno;
		ep_fail(err, EP_EIO, "%s: cannot create temporary file: %s",
		    path, strerror(saved));
		free(tmp);
		tmp = NULL;
		goto out;
	}
	if (write_all(fd, buf, len) < 0 || fchmod(fd, mode) < 0 ||
	    fsync(fd) < 0) {
		saved = errno;
		ep_fail(err, EP_EIO, "%s: write failed: %s", path,
		    strerror(saved));
		goto out;
	}
	if (close(fd) < 0) {
		saved = errno;
		fd = -1;
		ep_fail(err, EP_EIO, "%s: write failed: %s", path,
		    strerror(saved));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		saved = errno;
		ep_fail(err, EP_EIO, "%s: cannot rename into place: %s", path,
		    strerror(saved));
		goto out;
	}
	free(tmp);
	tmp = NULL;
	/* Make the rename durable; a folder that cannot be opened or
	 * synced (some network file systems) does not undo the write. */
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY)) >= 0) {
		fsync(dfd);
		close(dfd);
	}
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	if (tmp != NULL) {
		unlink(tmp);
		free(tmp);
	}
	free(dir);
	return ret;
}

int
ep_read_file(const char *path, size_t max, char **buf, size_t *len,
    struct ep_err *err)
{
	struct stat st;
	char *p = NULL;
	size_t n = 0, cap = 0;
	int fd, saved, ret = -1;

	if (strcmp(path, "-") == 0) {
		fd = STDIN_FILENO;
	} else {
		/* A folder or a device is refused before open(2), which
		 * could block on it; a FIFO is opened and read as a pipe. */
		if (stat(path, &st) == 0 && !S_ISREG(st.st_mode) &&
		    !S_ISFIFO(st.st_mode))
			return ep_fail(err, EP_EIO, "%s: %s", path,
			    S_ISDIR(st.st_mode) ? "is a directory, not a file" :
			    "not a regular file");
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
			saved = errno;
			return ep_fail(err, saved == ENOENT ? EP_ENOTFOUND :
			    EP_EIO, "%s: %s", path, strerror(saved));
		}
	}
	if (fstat(fd, &st) < 0) {
		saved = errno;
		ep_fail(err, EP_EIO, "%s: %s", path, strerror(saved));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		ep_fail(err, EP_EIO, "%s: is a directory, not a file", path);
		goto out;
	}
	if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode) &&
	    fd != STDIN_FILENO) {
		ep_fail(err, EP_EIO, "%s: not a regular file", path);
		goto out;
	}
	if (S_ISREG(st.st_mode) && (uintmax_t)st.st_size > max) {
		ep_fail(err, EP_ENOMEM, "%s: file too large (%jd bytes, limit "
		    "%zu)", path, (intmax_t)st.st_size, max);
		goto out;
	}
	cap = S_ISREG(st.st_mode) ? (size_t)st.st_size + 1 : 65536;
	p = ep_xmalloc(cap);
	for (;;) {
		ssize_t r;

		if (n + 1 >= cap) {
			/* Room for max bytes, one more to notice an
			 * overlong input, and the NUL. */
			size_t limit = max < SIZE_MAX - 2 ? max + 2 : SIZE_MAX;

			cap = cap > limit / 2 ? limit : cap * 2;
			p = ep_xrealloc(p, cap);
		}
		r = read(fd, p + n, cap - n - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			saved = errno;
			ep_fail(err, EP_EIO, "%s: %s", path, strerror(saved));
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max) {
			ep_fail(err, EP_ENOMEM, "%s: file too large (limit %zu "
			    "bytes)", path, max);
			goto out;
		}
	}
	p[n] = '\0';
	*buf = p;
	*len = n;
	p = NULL;
	ret = 0;
out:
	free(p);
	if (fd != STDIN_FILENO)
		close(fd);
	return ret;
}

int
ep_mkdir_p(const char *path, mode_t mode, struct ep_err *err)
{
	char *copy = ep_xstrdup(path), *p;
	struct stat st;
	int saved, ret = -1;

	if (*path == '\0') {
		free(copy);
		return ep_fail(err, EP_EUSAGE, "empty folder name");
	}
	for (p = copy + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		{
			char c = *p;

			*p = '\0';
			if (mkdir(copy, mode) < 0 && errno != EEXIST) {
				saved = errno;
				ep_fail(err, EP_EIO, "%s: cannot create: %s",
				    copy, strerror(saved));
				goto out;
			}
			*p = c;
			if (c == '\0')
				break;
		}
	}
	if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode)) {
		ep_fail(err, EP_EIO, "%s: not a directory", path);
		goto out;
	}
	ret = 0;
out:
	free(copy);
	return ret;
}

int
ep_lock_take(struct ep_lock *lock, const char *path, int exclusive,
    struct ep_err *err)
{
	int fd, saved;

	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0) {
		saved = errno;
		return ep_fail(err, EP_EIO, "%s: cannot open lock file: %s",
		    path, strerror(saved));
	}
	while (flock(fd, exclusive ? LOCK_EX : LOCK_SH) < 0) {
		if (errno == EINTR)
			continue;
		saved = errno;
		close(fd);
		return ep_fail(err, EP_EIO, "%s: cannot lock: %s", path,
		    strerror(saved));
	}
	lock->fd = fd;
	return 0;
}

void
ep_lock_release(struct ep_lock *lock)
{
	if (lock->fd >= 0) {
		flock(lock->fd, LOCK_UN);
		close(lock->fd);
	}
	lock->fd = -1;
}
