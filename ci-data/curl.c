/*
 * libcurl through dlopen(3): see curl.h for why.
 */
#include <dlfcn.h>
#include <string.h>

#include "ci-data/curl.h"
#include "core/banned.h"

static struct ci_curl api;
static void *lib;

/* Resolves one symbol into *slot (a function pointer's storage). */
static int
sym(const char *name, void *slot, struct ep_err *err)
{
	void *p;

	/* ISO C leaves converting an object pointer to a function pointer
	 * undefined; POSIX requires dlsym's result to be usable so. */
	_Static_assert(sizeof p == sizeof api.easy_init,
	    "function pointers differ from object pointers");
	dlerror();
	if ((p = dlsym(lib, name)) == NULL)
		return ep_fail(err, EP_ENOTFOUND, "%s: no symbol %s",
		    CI_CURL_LIB, name);
	memcpy(slot, &p, sizeof p);
	return 0;
}

struct ci_curl *
ci_curl_load(struct ep_err *err)
{
	const char *why;

	if (lib != NULL)
		return &api;
	if ((lib = dlopen(CI_CURL_LIB, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		why = dlerror();
		ep_fail(err, EP_ENOTFOUND, "cannot load libcurl: %s (install "
		    "the libcurl4 package)", why != NULL ? why : CI_CURL_LIB);
		return NULL;
	}
	if (sym("curl_easy_init", &api.easy_init, err) < 0 ||
	    sym("curl_easy_setopt", &api.easy_setopt, err) < 0 ||
	    sym("curl_easy_perform", &api.easy_perform, err) < 0 ||
	    sym("curl_easy_getinfo", &api.easy_getinfo, err) < 0 ||
	    sym("curl_easy_cleanup", &api.easy_cleanup, err) < 0 ||
	    sym("curl_easy_strerror", &api.easy_strerror, err) < 0 ||
	    sym("curl_slist_append", &api.slist_append, err) < 0 ||
	    sym("curl_slist_free_all", &api.slist_free_all, err) < 0 ||
	    sym("curl_global_init", &api.global_init, err) < 0 ||
	    sym("curl_global_cleanup", &api.global_cleanup, err) < 0)
		goto fail;
	if (api.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		ep_fail(err, EP_ENOMEM, "cannot initialise libcurl");
		goto fail;
	}
	return &api;
fail:
	dlclose(lib);
	lib = NULL;
	memset(&api, 0, sizeof api);
	return NULL;
}

void
ci_curl_unload(void)
{
	if (lib == NULL)
		return;
	api.global_cleanup();
	dlclose(lib);
	lib = NULL;
	memset(&api, 0, sizeof api);
}
