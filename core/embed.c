/*
 * Access to the compiled-in data files, with the $ECOPLAN_DATA_DIR
 * override. The table itself is generated into $(O)/embed_data.c.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/embed.h"
#include "core/fsutil.h"
#include "core/mem.h"
#include "core/banned.h"

/* Defined in the generated embed_data.c. */
extern const struct ep_blob ep_embed_table[];
extern const size_t ep_embed_table_len;

/* No data file is larger than this; a bigger override is a mistake. */
#define DATA_MAX ((size_t)64 << 20)

const struct ep_blob *
ep_embed_at(size_t i)
{
	return i < ep_embed_table_len ? &ep_embed_table[i] : NULL;
}

size_t
ep_embed_count(void)
{
	return ep_embed_table_len;
}

const struct ep_blob *
ep_embed_find(const char *name)
{
	size_t i;

	for (i = 0; i < ep_embed_table_len; i++)
		if (strcmp(ep_embed_table[i].name, name) == 0)
			return &ep_embed_table[i];
	return NULL;
}

int
ep_data_get(const char *name, struct ep_data *d, struct ep_err *err)
{
	const char *dir = getenv("ECOPLAN_DATA_DIR");
	const struct ep_blob *b;

	if (dir != NULL && dir[0] != '\0') {
		char *path = ep_xasprintf("%s/%s", dir, name);
		struct stat st;

		if (stat(path, &st) == 0) {
			if (ep_read_file(path, DATA_MAX, &d->buf, &d->size,
			    err) < 0) {
				free(path);
				return -1;
			}
			d->data = d->buf;
			d->origin = path;
			return 0;
		}
		free(path);
	}
	if ((b = ep_embed_find(name)) == NULL)
		return ep_fail(err, EP_ENOTFOUND, "%s: no such data file", name);
	d->data = (const char *)b->data;
	d->size = b->size;
	d->origin = ep_xstrdup("built-in");
	d->buf = NULL;
	return 0;
}

void
ep_data_release(struct ep_data *d)
{
	free(d->buf);
	free(d->origin);
	d->buf = NULL;
	d->origin = NULL;
	d->data = NULL;
	d->size = 0;
}
