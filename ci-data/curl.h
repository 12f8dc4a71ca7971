/*
 * libcurl, loaded with dlopen(3) by the first transfer rather than
 * linked: its TLS, authentication and compression libraries (28 of the
 * 43 shared libraries ecoplan loaded) cost every command about 60% of
 * its start-up, and only the commands that fetch live intensities use
 * them. The headers are still libcurl's, so the types, options and
 * constants are checked at build time against the installed version.
 */
#ifndef ECOPLAN_CI_DATA_CURL_H
#define ECOPLAN_CI_DATA_CURL_H

#include <curl/curl.h>

#include "core/err.h"

/* The shared object loaded: libcurl's soname, the same on every Linux. */
#define CI_CURL_LIB "libcurl.so.4"

/* The libcurl functions ecoplan calls. */
struct ci_curl {
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *h, CURLoption opt, ...);
	CURLcode (*easy_perform)(CURL *h);
	CURLcode (*easy_getinfo)(CURL *h, CURLINFO info, ...);
	void (*easy_cleanup)(CURL *h);
	const char *(*easy_strerror)(CURLcode rc);
	struct curl_slist *(*slist_append)(struct curl_slist *l,
	    const char *s);
	void (*slist_free_all)(struct curl_slist *l);
	CURLcode (*global_init)(long flags);
	void (*global_cleanup)(void);
};

/*
 * Loads libcurl and runs curl_global_init() the first time; later calls
 * return the same table. The table may be changed (the tests replace
 * easy_perform). Not thread-safe, as curl_global_init() is not. Returns
 * NULL with err set when libcurl cannot be loaded or initialised.
 */
struct ci_curl *ci_curl_load(struct ep_err *err);

/* curl_global_cleanup() and dlclose(), if ci_curl_load() loaded it. */
void ci_curl_unload(void);

#endif
