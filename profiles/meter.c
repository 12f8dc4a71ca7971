/*
 * Energy meters: the ladder, and the background thread that polls the
 * meters that need it (rapl against counter wraparound, nvml power
 * sampling). Each backend lives in its own file; here they are opened in
 * order, combined as a CPU meter plus an optional GPU meter, and read
 * under one lock, so that the polling thread and the caller never read a
 * backend at the same time.
 *
 * The thread wakes only when a backend is due (every 5 s for real RAPL
 * counters, 0.1 s while a GPU is power-sampled), so its overhead is a few
 * sysfs reads per interval; prof_meter_poll_stats() measures it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/mem.h"
#include "profiles/meter.h"
#include "profiles/meter_estimate.h"
#include "profiles/meter_nvml.h"
#include "profiles/meter_perf.h"
#include "profiles/meter_rapl.h"
#include "core/banned.h"

/* One opened backend: its state and how to read and close it. */
struct slot {
	void *state;		/* NULL: empty slot */
	int (*read)(void *state, double *joules, struct ep_err *err);
	void (*close)(void *state);
	double poll_secs;	/* > 0: must be read this often */
	double next_due;	/* monotonic time of its next poll */
};

struct prof_meter_impl {
	struct slot cpu, gpu;
	pthread_mutex_t lock;	/* guards everything below and the slots */
	pthread_cond_t wake;	/* signalled to stop the thread */
	pthread_t thread;
	int thread_on;
	int stop;
	unsigned long polls;	/* polls made by the thread */
	double poll_wall;	/* seconds spent inside them */
	int poll_failed;	/* a poll failed: reported by the next read */
	struct ep_err poll_err;
};

/* Adapters from the backends' typed functions to the slots. */
static int
rapl_read(void *s, double *j, struct ep_err *err)
{
	return prof_rapl_read(s, j, err);
}

static void
rapl_close(void *s)
{
	prof_rapl_close(s);
}

static int
perf_read(void *s, double *j, struct ep_err *err)
{
	return prof_perf_read(s, j, err);
}

static void
perf_close(void *s)
{
	prof_perf_close(s);
}

static int
nvml_read(void *s, double *j, struct ep_err *err)
{
	return prof_nvml_read(s, j, err);
}

static void
nvml_close(void *s)
{
	prof_nvml_close(s);
}

static int
estimate_read(void *s, double *j, struct ep_err *err)
{
	return prof_estimate_read(s, j, err);
}

static void
estimate_close(void *s)
{
	prof_estimate_close(s);
}

static const char *const kind_names[] = {
	"auto", "rapl", "perf", "nvml", "estimate"
};

int
prof_meter_kind_parse(const char *s)
{
	size_t i;

	if (s == NULL)
		return -1;
	for (i = 0; i < sizeof kind_names / sizeof kind_names[0]; i++)
		if (strcmp(s, kind_names[i]) == 0)
			return (int)i;
	return -1;
}

/* Appends "sep fmt..." to buf (size len); a cut ends in "...". */
static void
appendf(char *buf, size_t len, const char *sep, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
appendf(char *buf, size_t len, const char *sep, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;
	int n;

	if (used > 0) {
		n = snprintf(buf + used, len - used, "%s", sep);
		if (n < 0 || (size_t)n >= len - used)
			goto cut;
		used += (size_t)n;
	}
	va_start(ap, fmt);
	n = vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < len - used)
		return;
cut:
	if (len > 4)
		memcpy(buf + len - 4, "...", 4);
}

/* Timespec for the monotonic time t, for pthread_cond_timedwait. */
static struct timespec
abs_time(double t)
{
	struct timespec ts;

	ts.tv_sec = (time_t)t;
	ts.tv_nsec = (long)((t - (double)ts.tv_sec) * 1e9);
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	if (ts.tv_nsec < 0)
		ts.tv_nsec = 0;
	return ts;
}

static int
pollable(const struct slot *s)
{
	return s->state != NULL && s->poll_secs > 0;
}

/* Reads a due slot for the thread; called with the lock held. */
static void
poll_slot(struct prof_meter_impl *im, struct slot *s)
{
	struct ep_err err = EP_ERR_INIT;
	double t0 = ep_clock_mono(), t1, j;

	if (s->read(s->state, &j, &err) < 0 && !im->poll_failed) {
		im->poll_failed = 1;
		im->poll_err = err;
	}
	t1 = ep_clock_mono();
	im->polls++;
	im->poll_wall += t1 - t0;
	s->next_due = t1 + s->poll_secs;
}

/*
 * The polling thread: sleeps until the earliest slot is due (or until
 * told to stop), then reads the due slots. Reads by the caller count as
 * polls too, and push the slot's next poll back.
 */
static void *
poll_main(void *arg)
{
	struct prof_meter_impl *im = arg;
	struct slot *slots[2];
	size_t i;

	slots[0] = &im->cpu;
	slots[1] = &im->gpu;
	pthread_mutex_lock(&im->lock);
	while (!im->stop) {
		double due = 0, now;
		struct timespec ts;

		for (i = 0; i < 2; i++)
			if (pollable(slots[i]) &&
			    (due == 0 || slots[i]->next_due < due))
				due = slots[i]->next_due;
		ts = abs_time(due);
		while (!im->stop && pthread_cond_timedwait(&im->wake,
		    &im->lock, &ts) == 0)
			;
		if (im->stop)
			break;
		now = ep_clock_mono();
		for (i = 0; i < 2; i++)
			if (pollable(slots[i]) && now >= slots[i]->next_due)
				poll_slot(im, slots[i]);
	}
	pthread_mutex_unlock(&im->lock);
	return NULL;
}

static int
start_thread(struct prof_meter_impl *im, struct ep_err *err)
{
	pthread_condattr_t ca;
	int e;

	if ((e = pthread_condattr_init(&ca)) != 0 ||
	    (e = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC)) != 0 ||
	    (e = pthread_cond_init(&im->wake, &ca)) != 0)
		return ep_fail(err, EP_EIO, "meter: polling thread: %s",
		    strerror(e));
	pthread_condattr_destroy(&ca);
	if ((e = pthread_create(&im->thread, NULL, poll_main, im)) != 0) {
		pthread_cond_destroy(&im->wake);
		return ep_fail(err, EP_EIO, "meter: polling thread: %s",
		    strerror(e));
	}
	im->thread_on = 1;
	return 0;
}

/* Opens a CPU backend of kind into the cpu slot. */
static int
open_cpu(struct prof_meter *m, enum prof_meter_kind kind,
    const struct prof_meter_opts *o, const char *root, struct ep_err *err)
{
	struct slot *s = &m->impl->cpu;
	double secs = 0;
	int r = -1;

	switch (kind) {
	case PROF_METER_RAPL: {
		struct prof_rapl *p;

		r = prof_rapl_open(&p, root, m->domains, sizeof m->domains,
		    m->assumptions, sizeof m->assumptions, &secs, err);
		if (r == 0) {
			s->state = p;
			s->read = rapl_read;
			s->close = rapl_close;
			snprintf(m->kind, sizeof m->kind, "rapl");
			m->machine_wide = 1;
		}
		break;
	}
	case PROF_METER_PERF: {
		struct prof_perf *p;

		r = prof_perf_open(&p, root, m->domains, sizeof m->domains,
		    m->assumptions, sizeof m->assumptions, err);
		if (r == 0) {
			s->state = p;
			s->read = perf_read;
			s->close = perf_close;
			snprintf(m->kind, sizeof m->kind, "perf");
			m->machine_wide = 1;
		}
		break;
	}
	case PROF_METER_ESTIMATE: {
		struct prof_estimate *p;

		r = prof_estimate_open(&p, o->cpu_watts, o->ram_watts,
		    m->domains, sizeof m->domains, m->assumptions,
		    sizeof m->assumptions, err);
		if (r == 0) {
			s->state = p;
			s->read = estimate_read;
			s->close = estimate_close;
			snprintf(m->kind, sizeof m->kind, "estimate");
			m->estimated = 1;
		}
		break;
	}
	case PROF_METER_AUTO:
	case PROF_METER_NVML:
		break;
	}
	if (r == 0)
		s->poll_secs = secs;
	else
		ep_err_prefix(err, "%s", kind_names[kind]);
	return r;
}

/* Opens NVML into the gpu slot. */
static int
open_gpu(struct prof_meter *m, struct ep_err *err)
{
	struct slot *s = &m->impl->gpu;
	struct prof_nvml *p;
	char domains[96], notes[256];
	double secs;

	if (prof_nvml_open(&p, domains, sizeof domains, notes, sizeof notes,
	    &secs, err) < 0)
		return ep_err_prefix(err, "nvml");
	s->state = p;
	s->read = nvml_read;
	s->close = nvml_close;
	s->poll_secs = secs;
	snprintf(m->gpu_kind, sizeof m->gpu_kind, "nvml");
	appendf(m->domains, sizeof m->domains, ",", "%s", domains);
	appendf(m->assumptions, sizeof m->assumptions, "; ", "%s", notes);
	return 0;
}

int
prof_meter_open(struct prof_meter *m, const struct prof_meter_opts *opts,
    struct ep_err *err)
{
	static const enum prof_meter_kind ladder[] = {
		PROF_METER_RAPL, PROF_METER_PERF, PROF_METER_ESTIMATE
	};
	struct prof_meter_opts def = PROF_METER_OPTS_INIT;
	const struct prof_meter_opts *o = opts != NULL ? opts : &def;
	const char *root = getenv("ECOPLAN_SYSFS_ROOT");
	struct prof_meter_impl *im;
	struct ep_err e = EP_ERR_INIT;
	double now;
	size_t i;
	int e2;

	memset(m, 0, sizeof *m);
	if (root == NULL || root[0] == '\0')
		root = "/sys";
	if ((int)o->kind < 0 || o->kind > PROF_METER_ESTIMATE)
		return ep_fail(err, EP_EUSAGE, "unknown meter kind %d",
		    (int)o->kind);
	im = ep_xcalloc(1, sizeof *im);
	if ((e2 = pthread_mutex_init(&im->lock, NULL)) != 0) {
		free(im);
		return ep_fail(err, EP_EIO, "meter: %s", strerror(e2));
	}
	m->impl = im;

	switch (o->kind) {
	case PROF_METER_AUTO:
		for (i = 0; i < sizeof ladder / sizeof ladder[0]; i++) {
			ep_err_clear(&e);
			if (open_cpu(m, ladder[i], o, root, &e) == 0)
				break;
			/* Keep the reason, and try the next rung. */
			appendf(m->ladder, sizeof m->ladder, "; ", "%s", e.msg);
			m->domains[0] = m->assumptions[0] = '\0';
		}
		if (i == sizeof ladder / sizeof ladder[0]) {
			ep_fail(err, e.code, "%s", e.msg);
			goto fail;
		}
		break;
	case PROF_METER_NVML:
		if (open_gpu(m, err) < 0)
			goto fail;
		snprintf(m->kind, sizeof m->kind, "nvml");
		m->machine_wide = 1;
		break;
	case PROF_METER_RAPL:
	case PROF_METER_PERF:
	case PROF_METER_ESTIMATE:
		if (open_cpu(m, o->kind, o, root, err) < 0)
			goto fail;
		snprintf(m->ladder, sizeof m->ladder, "%s requested",
		    kind_names[o->kind]);
		break;
	}
	/* A GPU meter is added to the CPU meter, never instead of it. */
	if (o->kind != PROF_METER_NVML && !o->no_gpu) {
		ep_err_clear(&e);
		if (open_gpu(m, &e) < 0)
			appendf(m->ladder, sizeof m->ladder, "; ", "%s", e.msg);
	}

	now = ep_clock_mono();
	im->cpu.next_due = now + im->cpu.poll_secs;
	im->gpu.next_due = now + im->gpu.poll_secs;
	if (im->cpu.state != NULL && im->cpu.poll_secs > 0)
		m->poll_secs = im->cpu.poll_secs;
	if (im->gpu.state != NULL && im->gpu.poll_secs > 0 &&
	    (m->poll_secs == 0 || im->gpu.poll_secs < m->poll_secs))
		m->poll_secs = im->gpu.poll_secs;
	if (m->poll_secs > 0 && start_thread(im, err) < 0)
		goto fail;
	return 0;
fail:
	prof_meter_close(m);
	memset(m, 0, sizeof *m);
	return -1;
}

/* Reads one slot for the caller; with the lock held. */
static int
read_slot(struct slot *s, double *j, struct ep_err *err)
{
	*j = 0;
	if (s->state == NULL)
		return 0;
	if (s->read(s->state, j, err) < 0)
		return -1;
	if (s->poll_secs > 0)
		s->next_due = ep_clock_mono() + s->poll_secs;
	return 0;
}

int
prof_meter_read(struct prof_meter *m, double *joules, double *cpu_j,
    double *gpu_j, struct ep_err *err)
{
	struct prof_meter_impl *im = m->impl;
	double c = 0, g = 0;
	int ret = -1;

	if (im == NULL)
		return ep_fail(err, EP_EUSAGE, "meter: not open");
	pthread_mutex_lock(&im->lock);
	if (im->poll_failed) {
		ep_fail(err, im->poll_err.code, "%s", im->poll_err.msg);
		goto out;
	}
	if (read_slot(&im->cpu, &c, err) < 0 || read_slot(&im->gpu, &g,
	    err) < 0)
		goto out;
	*joules = c + g;
	if (cpu_j != NULL)
		*cpu_j = c;
	if (gpu_j != NULL)
		*gpu_j = g;
	ret = 0;
out:
	pthread_mutex_unlock(&im->lock);
	return ret;
}

void
prof_meter_poll_stats(struct prof_meter *m, unsigned long *polls,
    double *secs)
{
	struct prof_meter_impl *im = m->impl;

	*polls = 0;
	*secs = 0;
	if (im == NULL)
		return;
	pthread_mutex_lock(&im->lock);
	*polls = im->polls;
	*secs = im->poll_wall;
	pthread_mutex_unlock(&im->lock);
}

void
prof_meter_close(struct prof_meter *m)
{
	struct prof_meter_impl *im = m->impl;

	if (im == NULL)
		return;
	if (im->thread_on) {
		pthread_mutex_lock(&im->lock);
		im->stop = 1;
		pthread_cond_signal(&im->wake);
		pthread_mutex_unlock(&im->lock);
		pthread_join(im->thread, NULL);
		pthread_cond_destroy(&im->wake);
	}
	if (im->cpu.state != NULL)
		im->cpu.close(im->cpu.state);
	if (im->gpu.state != NULL)
		im->gpu.close(im->gpu.state);
	pthread_mutex_destroy(&im->lock);
	free(im);
	m->impl = NULL;
}
