/*
 * File-system helpers: whole-file reads with a size cap, atomic writes,
 * mkdir -p and advisory locks. Every file ecoplan writes goes through
 * ep_write_atomic(), so that a reader sees either the old complete file
 * or the new complete file, never a half-written one.
 */
#ifndef ECOPLAN_CORE_FSUTIL_H
#define ECOPLAN_CORE_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

#include "core/err.h"

/*
 * Writes len bytes of buf to path atomically: a temporary file in the
 * same folder is written, fsync'd, given mode, renamed over path, and the
 * folder is fsync'd so the rename itself survives a crash. On failure
 * the temporary file is removed and path is untouched. A path that is a
 * device or a FIFO (/dev/null, /dev/stdout) is written in place instead,
 * since renaming over it would replace the device. Returns 0 or -1.
 */
int ep_write_atomic(const char *path, const void *buf, size_t len,
    mode_t mode, struct ep_err *err);

/*
 * Reads the whole of path into a new NUL-terminated buffer (*buf, owned
 * by the caller, freed with free(3)) and its length, without the NUL,
 * into *len. Fails with a clear message when path is a directory or not
 * a regular file (FIFOs are allowed), or longer than max bytes
 * (EP_ENOMEM). "-" reads standard input.
 */
int ep_read_file(const char *path, size_t max, char **buf, size_t *len,
    struct ep_err *err);

/* Creates path and any missing parents with mode (like mkdir -p). */
int ep_mkdir_p(const char *path, mode_t mode, struct ep_err *err);

/* An advisory lock held on a lock file (flock(2)). */
struct ep_lock {
	int fd;
};

#define EP_LOCK_INIT { -1 }

/*
 * Takes an exclusive (or shared when exclusive is 0) lock on path,
 * creating the file if needed, and waits for it. Released by
 * ep_lock_release(), or by the process ending.
 */
int ep_lock_take(struct ep_lock *lock, const char *path, int exclusive,
    struct ep_err *err);

/* Releases a lock taken by ep_lock_take(); safe on EP_LOCK_INIT. */
void ep_lock_release(struct ep_lock *lock);

#endif
