/*
 * The nvml meter: NVML is loaded with dlopen(3), and the few functions
 * ecoplan needs are declared here rather than taken from nvml.h, so that
 * neither the header nor the library is needed to build, and a machine
 * without NVIDIA's driver simply has no GPU meter.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/mem.h"
#include "profiles/meter_nvml.h"
#include "core/banned.h"

#define NVML_DEFAULT_LIB "libnvidia-ml.so.1"
#define NVML_NAME_LEN 96	/* NVML_DEVICE_NAME_V2_BUFFER_SIZE */

/* nvmlReturn_t is an enum; NVML_SUCCESS is 0. */
typedef int nvml_ret;
typedef struct nvml_device *nvml_dev;

struct nvml_api {
	void *lib;
	int inited;
	nvml_ret (*init)(void);
	nvml_ret (*shutdown)(void);
	nvml_ret (*count)(unsigned int *);
	nvml_ret (*handle)(unsigned int, nvml_dev *);
	nvml_ret (*energy)(nvml_dev, unsigned long long *);	/* mJ */
	nvml_ret (*power)(nvml_dev, unsigned int *);		/* mW */
	nvml_ret (*name)(nvml_dev, char *, unsigned int);
	const char *(*errstr)(nvml_ret);
};

struct gpu {
	nvml_dev h;
	int counter;			/* reads the total-energy counter */
	unsigned long long start_mj;	/* counter at open */
	double joules;			/* power-sampled: integrated energy */
	double last_w;			/* power-sampled: the last sample */
	double last_t;			/* and its time (monotonic s) */
};

struct prof_nvml {
	struct nvml_api api;
	struct gpu *g;
	unsigned int n;
};

static const char *
nvml_strerror(const struct nvml_api *api, nvml_ret r)
{
	static const char unknown[] = "NVML error";
	const char *s = api->errstr != NULL ? api->errstr(r) : NULL;

	return s != NULL ? s : unknown;
}

/*
 * Looks up name in the library into the function pointer at fp. A
 * function pointer cannot be assigned from void * in ISO C; POSIX
 * guarantees the representations match, so the bytes are copied.
 */
static int
sym(struct nvml_api *api, const char *name, void *fp, int required,
    const char *path, struct ep_err *err)
{
	void *p = dlsym(api->lib, name);

	if (p == NULL && required)
		return ep_fail(err, EP_EIO, "%s: no function %s (NVML too old)",
		    path, name);
	memcpy(fp, &p, sizeof p);
	return 0;
}

static void
api_unload(struct nvml_api *api)
{
	if (api->inited && api->shutdown != NULL)
		api->shutdown();
	api->inited = 0;
	if (api->lib != NULL)
		dlclose(api->lib);
	api->lib = NULL;
}

/* Loads and initialises NVML. */
static int
api_load(struct nvml_api *api, struct ep_err *err)
{
	const char *path = getenv("ECOPLAN_NVML_LIB");
	const char *why;
	nvml_ret r;

	/* Function and object pointers must be the same size for sym(). */
	_Static_assert(sizeof(void *) == sizeof api->init,
	    "function pointers differ from object pointers");
	memset(api, 0, sizeof *api);
	if (path == NULL || path[0] == '\0')
		path = NVML_DEFAULT_LIB;
	if ((api->lib = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		why = dlerror();
		return ep_fail(err, EP_ENOTFOUND, "%s (no NVIDIA driver)",
		    why != NULL ? why : path);
	}
	if (sym(api, "nvmlInit_v2", &api->init, 1, path, err) < 0 ||
	    sym(api, "nvmlShutdown", &api->shutdown, 1, path, err) < 0 ||
	    sym(api, "nvmlDeviceGetCount_v2", &api->count, 1, path, err) < 0 ||
	    sym(api, "nvmlDeviceGetHandleByIndex_v2", &api->handle, 1, path,
	    err) < 0 ||
	    sym(api, "nvmlDeviceGetPowerUsage", &api->power, 1, path,
	    err) < 0 ||
	    sym(api, "nvmlDeviceGetName", &api->name, 1, path, err) < 0 ||
	    sym(api, "nvmlDeviceGetTotalEnergyConsumption", &api->energy, 0,
	    path, err) < 0 ||
	    sym(api, "nvmlErrorString", &api->errstr, 0, path, err) < 0) {
		api_unload(api);
		return -1;
	}
	if ((r = api->init()) != 0) {
		ep_fail(err, EP_EIO, "nvmlInit: %s", nvml_strerror(api, r));
		api_unload(api);
		return -1;
	}
	api->inited = 1;
	return 0;
}

/* Appends s to buf after sep when buf is not empty. */
static void
append(char *buf, size_t len, const char *sep, const char *s)
{
	size_t used = strlen(buf);
	int n;

	n = snprintf(buf + used, len - used, "%s%s", used > 0 ? sep : "", s);
	if ((n < 0 || (size_t)n >= len - used) && len > 4)
		memcpy(buf + len - 4, "...", 4);
}

int
prof_nvml_open(struct prof_nvml **out, char *domains, size_t domains_len,
    char *notes, size_t notes_len, double *poll_secs, struct ep_err *err)
{
	struct prof_nvml *n = ep_xcalloc(1, sizeof *n);
	char skipped[160] = "";
	unsigned int count = 0, i, n_counter = 0, n_power = 0;
	nvml_ret r;

	*out = NULL;
	*poll_secs = 0;
	if (api_load(&n->api, err) < 0) {
		free(n);
		return -1;
	}
	if ((r = n->api.count(&count)) != 0) {
		ep_fail(err, EP_EIO, "nvmlDeviceGetCount: %s",
		    nvml_strerror(&n->api, r));
		goto fail;
	}
	if (count == 0) {
		ep_fail(err, EP_ENOTFOUND, "NVML lists no GPU");
		goto fail;
	}
	n->g = ep_xcalloc(count, sizeof *n->g);
	domains[0] = '\0';
	for (i = 0; i < count; i++) {
		struct gpu *g = &n->g[n->n];
		unsigned int mw;
		char what[96];

		if ((r = n->api.handle(i, &g->h)) != 0) {
			snprintf(what, sizeof what, "gpu-%u: %s", i,
			    nvml_strerror(&n->api, r));
			append(skipped, sizeof skipped, ", ", what);
			continue;
		}
		if (n->api.energy != NULL &&
		    n->api.energy(g->h, &g->start_mj) == 0) {
			g->counter = 1;
			n_counter++;
		} else if ((r = n->api.power(g->h, &mw)) == 0) {
			g->last_w = mw * 1e-3;
			g->last_t = ep_clock_mono();
			n_power++;
		} else {
			snprintf(what, sizeof what, "gpu-%u: no energy or "
			    "power reading (%s)", i, nvml_strerror(&n->api, r));
			append(skipped, sizeof skipped, ", ", what);
			continue;
		}
		snprintf(what, sizeof what, "gpu-%u", i);
		append(domains, domains_len, ",", what);
		n->n++;
	}
	if (n->n == 0) {
		ep_fail(err, EP_ENOTFOUND, "no GPU can be read: %s", skipped);
		goto fail;
	}
	notes[0] = '\0';
	if (n_counter > 0) {
		char what[96];

		snprintf(what, sizeof what, "nvml: total-energy counter (mJ) "
		    "of %u GPU%s", n_counter, n_counter > 1 ? "s" : "");
		append(notes, notes_len, "; ", what);
	}
	if (n_power > 0) {
		char what[160];

		snprintf(what, sizeof what, "nvml: power of %u GPU%s without "
		    "an energy counter sampled every %g s and integrated",
		    n_power, n_power > 1 ? "s" : "", PROF_NVML_POLL_SECS);
		append(notes, notes_len, "; ", what);
		*poll_secs = PROF_NVML_POLL_SECS;
	}
	if (skipped[0] != '\0') {
		append(notes, notes_len, "; ", "skipped ");
		append(notes, notes_len, "", skipped);
	}
	*out = n;
	return 0;
fail:
	prof_nvml_close(n);
	return -1;
}

int
prof_nvml_read(struct prof_nvml *n, double *joules, struct ep_err *err)
{
	double sum = 0;
	unsigned int i;

	for (i = 0; i < n->n; i++) {
		struct gpu *g = &n->g[i];
		unsigned long long mj;
		unsigned int mw;
		nvml_ret r;
		double t, w;

		if (g->counter) {
			if ((r = n->api.energy(g->h, &mj)) != 0)
				return ep_fail(err, EP_EIO, "nvml: gpu-%u "
				    "energy: %s", i, nvml_strerror(&n->api, r));
			/* A driver reload restarts the counter. */
			if (mj >= g->start_mj)
				sum += (double)(mj - g->start_mj) * 1e-3;
			continue;
		}
		if ((r = n->api.power(g->h, &mw)) != 0)
			return ep_fail(err, EP_EIO, "nvml: gpu-%u power: %s", i,
			    nvml_strerror(&n->api, r));
		t = ep_clock_mono();
		w = mw * 1e-3;
		g->joules += 0.5 * (g->last_w + w) * (t - g->last_t);
		g->last_w = w;
		g->last_t = t;
		sum += g->joules;
	}
	*joules = sum;
	return 0;
}

void
prof_nvml_close(struct prof_nvml *n)
{
	if (n == NULL)
		return;
	api_unload(&n->api);
	free(n->g);
	free(n);
}

int
prof_nvml_gpu_name(char *buf, size_t len)
{
	struct ep_err err = EP_ERR_INIT;
	struct nvml_api api;
	char name[NVML_NAME_LEN] = "";
	unsigned int count = 0;
	nvml_dev h;
	int ret = -1;

	buf[0] = '\0';
	if (api_load(&api, &err) < 0)
		return -1;
	if (api.count(&count) != 0 || count == 0 || api.handle(0, &h) != 0 ||
	    api.name(h, name, sizeof name) != 0)
		goto out;
	name[sizeof name - 1] = '\0';
	if (count > 1)
		snprintf(buf, len, "%u x %s", count, name);
	else
		snprintf(buf, len, "%s", name);
	ret = 0;
out:
	api_unload(&api);
	return ret;
}
