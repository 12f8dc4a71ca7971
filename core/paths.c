/*
 * XDG base directories, with the ECOPLAN_HOME override.
 */
#include <stdlib.h>
#include <string.h>

#include "core/fsutil.h"
#include "core/mem.h"
#include "core/paths.h"
#include "core/banned.h"

static const struct {
	const char *xdg_var;	/* XDG variable */
	const char *home_sub;	/* default below $HOME */
	const char *own_sub;	/* below $ECOPLAN_HOME */
} dirs[] = {
	[EP_DIR_DATA] = { "XDG_DATA_HOME", ".local/share", "data" },
	[EP_DIR_CACHE] = { "XDG_CACHE_HOME", ".cache", "cache" },
	[EP_DIR_CONFIG] = { "XDG_CONFIG_HOME", ".config", "config" },
};

/* Returns the variable's value when it is set to an absolute path. */
static const char *
abs_env(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && v[0] == '/' ? v : NULL;
}

char *
ep_xdg_dir(enum ep_dir kind, struct ep_err *err)
{
	const char *v, *own = getenv("ECOPLAN_HOME");

	if (own != NULL && own[0] != '\0')
		return ep_xasprintf("%s/%s", own, dirs[kind].own_sub);
	if ((v = abs_env(dirs[kind].xdg_var)) != NULL)
		return ep_xasprintf("%s/ecoplan", v);
	if ((v = abs_env("HOME")) != NULL)
		return ep_xasprintf("%s/%s/ecoplan", v, dirs[kind].home_sub);
	ep_fail(err, EP_EIO, "cannot find a home folder: set HOME, %s or "
	    "ECOPLAN_HOME to an absolute path", dirs[kind].xdg_var);
	return NULL;
}

char *
ep_xdg_mkdir(enum ep_dir kind, const char *sub, struct ep_err *err)
{
	char *base, *path;

	if ((base = ep_xdg_dir(kind, err)) == NULL)
		return NULL;
	if (sub == NULL)
		path = base;
	else {
		path = ep_xasprintf("%s/%s", base, sub);
		free(base);
	}
	if (ep_mkdir_p(path, 0700, err) < 0) {
		free(path);
		return NULL;
	}
	return path;
}
