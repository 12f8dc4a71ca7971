/*
 * Where ecoplan keeps its files, after the XDG Base Directory
 * specification: data (the profile store) under $XDG_DATA_HOME/ecoplan,
 * the cache under $XDG_CACHE_HOME/ecoplan, configuration under
 * $XDG_CONFIG_HOME/ecoplan, defaulting to ~/.local/share, ~/.cache and
 * ~/.config. A relative value in an XDG variable is ignored, as the
 * specification requires. $ECOPLAN_HOME, when set, replaces all three
 * with $ECOPLAN_HOME/data, $ECOPLAN_HOME/cache and $ECOPLAN_HOME/config.
 */
#ifndef ECOPLAN_CORE_PATHS_H
#define ECOPLAN_CORE_PATHS_H

#include "core/err.h"

enum ep_dir {
	EP_DIR_DATA,
	EP_DIR_CACHE,
	EP_DIR_CONFIG
};

/*
 * Returns the folder for kind in a new string (caller frees), without
 * creating it, or NULL with err set when neither the variables nor HOME
 * give an absolute path.
 */
char *ep_xdg_dir(enum ep_dir kind, struct ep_err *err);

/*
 * Like ep_xdg_dir() with "/sub" appended, creating the folder (mode 0700)
 * when it is missing. sub may be NULL.
 */
char *ep_xdg_mkdir(enum ep_dir kind, const char *sub, struct ep_err *err);

#endif
