/*
 * ecoplan measure's engine: fork/execvp of the command with its output
 * through two pipes, a poll loop that echoes and scans the output,
 * samples /proc for the process tree's CPU time, and reads the meter at
 * each epoch marker. See profiles/measure.h for the attribution rules.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/mem.h"
#include "profiles/measure.h"
#include "profiles/meter_estimate.h"
#include "core/banned.h"

#define MAX_TREE 4096
#define CHUNK 8192

static volatile sig_atomic_t child_pid;
static volatile sig_atomic_t got_signal;

/*
 * A signal sent to ecoplan itself (kill, a supervisor) is passed on; a
 * terminal's Ctrl-C (si_code SI_KERNEL) already reached the command,
 * which shares ecoplan's process group.
 */
static void
on_signal(int sig, siginfo_t *info, void *uc)
{
	(void)uc;
	got_signal = sig;
#ifdef SI_KERNEL
	if (info != NULL && info->si_code == SI_KERNEL)
		return;
#else
	(void)info;
#endif
	if (child_pid > 0)
		kill((pid_t)child_pid, sig);
}

/* A point in time: everything an epoch boundary needs. */
struct mark {
	double t;		/* monotonic seconds */
	double cpu_j, gpu_j;	/* meter */
	double tree_secs;	/* process tree CPU time */
	double ram_j;		/* estimate: the tree's RAM energy so far */
	double busy_secs;	/* machine busy CPU time, NaN if unknown */
};

struct stream {
	int fd;			/* read end, -1 when closed */
	int out;		/* where to echo */
	char *line;		/* PROF_MEASURE_LINE_MAX + 1 bytes */
	size_t len;
	int broken;		/* out can no longer be written */
};

struct run {
	struct prof_meter *m;
	const struct prof_measure_opts *o;
	struct prof_measure_result *r;
	regex_t epoch_re, query_re;
	int has_epoch, has_query;
	pid_t pid;
	long tck;
	double tree_max;	/* the largest tree CPU time seen */
	double ram_j;		/* estimate: the tree's RAM energy so far */
	double rss_gb;		/* its resident memory at the last sample */
	double rss_t;		/* and when that was */
	struct mark last;	/* the previous epoch boundary */
	size_t cap;
	struct ep_err *err;
	int failed;
};

/*
 * Fields 14-17 of /proc/PID/stat (utime, stime, cutime, cstime), in
 * clock ticks, the parent pid (field 4) and the resident set in pages
 * (field 24). Returns -1 when the process is gone.
 */
static int
read_stat(pid_t pid, unsigned long long *ticks, long *ppid,
    unsigned long long *rss_pages)
{
	char path[64], buf[1024], *p;
	unsigned long long v[4];
	ssize_t n;
	int fd, i;

	snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* The command name may hold spaces and ')': skip to the last ')'. */
	if ((p = strrchr(buf, ')')) == NULL)
		return -1;
	p++;
	/* Fields from 3 (state) on, separated by single spaces. */
	for (i = 3; i <= 24 && p != NULL; i++) {
		char *end;

		while (*p == ' ')
			p++;
		if (i == 4 && ppid != NULL)
			*ppid = strtol(p, NULL, 10);
		if (i == 24 && rss_pages != NULL)
			*rss_pages = strtoull(p, NULL, 10);
		if (i >= 14 && i <= 17) {
			v[i - 14] = strtoull(p, &end, 10);
			p = end;
			continue;
		}
		p = strchr(p, ' ');
	}
	if (p == NULL)
		return -1;
	*ticks = v[0] + v[1] + v[2] + v[3];
	return 0;
}

/* Appends the children of pid to list (through task/TID/children). */
static int
children_of(pid_t pid, pid_t *list, size_t *n, size_t max)
{
	char path[96], buf[4096];
	struct dirent *de;
	DIR *d;
	int found = 0;

	snprintf(path, sizeof path, "/proc/%ld/task", (long)pid);
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		ssize_t len;
		char *p, *end;
		int fd;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "/proc/%ld/task/%.20s/children",
		    (long)pid, de->d_name);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			continue;
		found = 1;
		len = read(fd, buf, sizeof buf - 1);
		close(fd);
		if (len <= 0)
			continue;
		buf[len] = '\0';
		for (p = buf; *p != '\0' && *n < max; p = end) {
			long c = strtol(p, &end, 10);

			if (end == p)
				break;
			list[(*n)++] = (pid_t)c;
		}
	}
	closedir(d);
	return found ? 0 : -1;
}

/* Kernels without task/TID/children: every process whose parent is pid. */
static void
children_by_scan(pid_t pid, pid_t *list, size_t *n, size_t max)
{
	struct dirent *de;
	DIR *d;

	if ((d = opendir("/proc")) == NULL)
		return;
	while ((de = readdir(d)) != NULL && *n < max) {
		unsigned long long t;
		long pp = 0, c;
		char *end;

		c = strtol(de->d_name, &end, 10);
		if (end == de->d_name || *end != '\0')
			continue;
		if (read_stat((pid_t)c, &t, &pp, NULL) == 0 &&
		    pp == (long)pid)
			list[(*n)++] = (pid_t)c;
	}
	closedir(d);
}

/*
 * CPU seconds of the process tree under pid: every live member's own
 * and reaped children's time (a child reaped by a member moves from the
 * live set into its parent's cutime, so nothing is counted twice). The
 * members' resident memory, in GiB, goes to *rss_gb.
 */
static double
tree_cpu(pid_t pid, long tck, double *rss_gb)
{
	pid_t *todo = ep_xcalloc(MAX_TREE, sizeof *todo);
	unsigned long long sum = 0, t, pages, rss = 0;
	long page = sysconf(_SC_PAGESIZE);
	size_t n = 0, i;
	int scan = 0;

	todo[n++] = pid;
	for (i = 0; i < n; i++) {
		pages = 0;
		if (read_stat(todo[i], &t, NULL, &pages) < 0)
			continue;
		sum += t;
		rss += pages;
		if (scan || children_of(todo[i], todo, &n, MAX_TREE) < 0) {
			scan = 1;
			children_by_scan(todo[i], todo, &n, MAX_TREE);
		}
	}
	free(todo);
	*rss_gb = (double)rss * (double)(page > 0 ? page : 4096) /
	    (1024.0 * 1024 * 1024);
	return (double)sum / (double)tck;
}

/* The machine's busy CPU seconds (all CPUs) from /proc/stat, or NaN. */
static double
machine_busy(long tck)
{
	unsigned long long v[8] = { 0 };
	char buf[512];
	ssize_t n;
	int fd, k;
	char *p;
	unsigned long long busy = 0;

	if ((fd = open("/proc/stat", O_RDONLY | O_CLOEXEC)) < 0)
		return (double)NAN;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 4 || strncmp(buf, "cpu ", 4) != 0)
		return (double)NAN;
	buf[n] = '\0';
	p = buf + 4;
	for (k = 0; k < 8; k++) {
		char *end;

		v[k] = strtoull(p, &end, 10);
		if (end == p)
			break;
		p = end;
	}
	/* user nice system idle iowait irq softirq steal */
	for (k = 0; k < 8; k++)
		if (k != 3 && k != 4)
			busy += v[k];
	return (double)busy / (double)tck;
}

static int
take_mark(struct run *u, struct mark *mk)
{
	double total;

	if (prof_meter_read(u->m, &total, &mk->cpu_j, &mk->gpu_j,
	    u->err) < 0) {
		u->failed = 1;
		return -1;
	}
	mk->t = ep_clock_mono();
	/* RAM: the last sample's resident memory held until now. */
	u->ram_j += u->rss_gb * u->r->watts_per_gb * (mk->t - u->rss_t);
	mk->ram_j = u->ram_j;
	mk->tree_secs = tree_cpu(u->pid, u->tck, &u->rss_gb);
	u->rss_t = mk->t;
	/* A member that exits between samples takes its time with it
	 * until its parent reaps it: never let the total go backwards. */
	if (mk->tree_secs < u->tree_max)
		mk->tree_secs = u->tree_max;
	u->tree_max = mk->tree_secs;
	mk->busy_secs = machine_busy(u->tck);
	u->r->samples++;
	return 0;
}

/*
 * The energy between two marks: gross is the meter's reading (plus, for
 * the estimate meter, the tree's CPU time at the per-thread power); net
 * is the command's share.
 */
static void
span(const struct run *u, const struct mark *a, const struct mark *b,
    double *net, double *gross, double *cpu_secs)
{
	double cpu_j = b->cpu_j - a->cpu_j, gpu_j = b->gpu_j - a->gpu_j;
	double tree = b->tree_secs - a->tree_secs;
	double busy = b->busy_secs - a->busy_secs, share;

	if (tree < 0)
		tree = 0;
	*cpu_secs = tree;
	if (!u->m->machine_wide) {
		*gross = cpu_j + gpu_j + tree * u->r->watts_per_thread +
		    (b->ram_j - a->ram_j);
		*net = *gross;
		return;
	}
	*gross = cpu_j + gpu_j;
	share = isnan(busy) || busy <= 0 ? 1 : tree / busy;
	if (share > 1)
		share = 1;
	*net = share * cpu_j + gpu_j;
}

static void
close_epoch(struct run *u)
{
	struct prof_measure_result *r = u->r;
	struct prof_measure_epoch *e;
	struct mark now;

	if (take_mark(u, &now) < 0)
		return;
	if (r->n_epochs == PROF_MEASURE_MAX_EPOCHS) {
		/* Keep memory bounded: the last epoch absorbs the rest. */
		double net, gross, cs;

		e = &r->epochs[r->n_epochs - 1];
		span(u, &u->last, &now, &net, &gross, &cs);
		e->joules += net;
		e->gross_joules += gross;
		e->secs += now.t - u->last.t;
		e->cpu_secs += cs;
		r->extra_markers++;
		u->last = now;
		return;
	}
	if (r->n_epochs == u->cap) {
		u->cap = u->cap ? 2 * u->cap : 64;
		r->epochs = ep_xreallocarray(r->epochs, u->cap,
		    sizeof *r->epochs);
	}
	e = &r->epochs[r->n_epochs];
	span(u, &u->last, &now, &e->joules, &e->gross_joules, &e->cpu_secs);
	e->secs = now.t - u->last.t;
	e->warmup = r->n_epochs == 0;
	r->n_epochs++;
	u->last = now;
}

/* One line (or a piece of a long one), without its newline. */
static void
scan_line(struct run *u, char *line)
{
	u->r->lines++;
	if (u->has_epoch && regexec(&u->epoch_re, line, 0, NULL, 0) == 0)
		close_epoch(u);
	if (u->has_query && regexec(&u->query_re, line, 0, NULL, 0) == 0)
		u->r->queries++;
}

/* Returns -1 when fd is gone (EPIPE and the like). */
static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Echoes n bytes as they come and feeds them to the line scanner. */
static void
feed(struct run *u, struct stream *s, const char *p, size_t n)
{
	size_t i;

	/*
	 * When our own output is gone (a reader such as head(1) quit),
	 * stop reading the command's stream, so that the command sees
	 * the broken pipe as it would have without ecoplan.
	 */
	if (!s->broken && write_all(s->out, p, n) < 0)
		s->broken = 1;
	for (i = 0; i < n; i++) {
		if (p[i] == '\n') {
			s->line[s->len] = '\0';
			scan_line(u, s->line);
			s->len = 0;
			continue;
		}
		if (s->len == PROF_MEASURE_LINE_MAX) {
			s->line[s->len] = '\0';
			scan_line(u, s->line);
			s->len = 0;
		}
		s->line[s->len++] = p[i] == '\0' ? ' ' : p[i];
	}
}

/* Reads what is there; closes the stream at end of file. */
static void
drain(struct run *u, struct stream *s, char *buf)
{
	ssize_t n = read(s->fd, buf, CHUNK);

	if (n > 0) {
		feed(u, s, buf, (size_t)n);
		if (!s->broken)
			return;
		n = 0;		/* close it: the command gets EPIPE */
	}
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	close(s->fd);
	s->fd = -1;
	if (s->len > 0) {
		/* The last line had no newline: scan it all the same. */
		s->line[s->len] = '\0';
		scan_line(u, s->line);
		s->len = 0;
	}
}

/* The estimate meter's watts for one busy thread, from its notes. */
static double
thread_watts(const struct prof_meter *m)
{
	const char *p = strstr(m->assumptions, "cpu: ");
	double w;
	char *end;

	if (p != NULL) {
		w = strtod(p + 5, &end);
		if (end != p + 5 && strncmp(end, " W/thread", 9) == 0 &&
		    w > 0 && isfinite(w))
			return w;
	}
	return PROF_EST_FALLBACK_WATTS;
}

static int
compile(regex_t *re, const char *pat, const char *opt, struct ep_err *err)
{
	char msg[128];
	int rc;

	/* An empty pattern would match every line. */
	if (*pat == '\0')
		return ep_fail(err, EP_EUSAGE, "%s: empty pattern", opt);
	if ((rc = regcomp(re, pat, REG_EXTENDED | REG_NOSUB)) == 0)
		return 0;
	regerror(rc, re, msg, sizeof msg);
	return ep_fail(err, EP_EUSAGE, "%s: '%s': %s", opt, pat, msg);
}

static int
pipe_cloexec(int fd[2])
{
	if (pipe(fd) < 0)
		return -1;
	if (fcntl(fd[0], F_SETFD, FD_CLOEXEC) < 0 ||
	    fcntl(fd[1], F_SETFD, FD_CLOEXEC) < 0)
		return -1;
	return 0;
}

static int
spawn(struct run *u, int *out_r, int *err_r, struct ep_err *err)
{
	int po[2] = { -1, -1 }, pe[2] = { -1, -1 }, px[2] = { -1, -1 };
	int saved, e = 0;
	ssize_t n;
	pid_t pid;

	if (pipe_cloexec(po) < 0 || pipe_cloexec(pe) < 0 ||
	    pipe_cloexec(px) < 0) {
		saved = errno;
		ep_fail(err, EP_EIO, "pipe: %s", strerror(saved));
		goto fail;
	}
	if ((pid = fork()) < 0) {
		saved = errno;
		ep_fail(err, EP_EIO, "fork: %s", strerror(saved));
		goto fail;
	}
	if (pid == 0) {
		/* The child: only async-signal-safe calls from here on. */
		struct sigaction dfl;

		memset(&dfl, 0, sizeof dfl);
		dfl.sa_handler = SIG_DFL;
		sigemptyset(&dfl.sa_mask);
		sigaction(SIGINT, &dfl, NULL);
		sigaction(SIGTERM, &dfl, NULL);
		sigaction(SIGHUP, &dfl, NULL);
		sigaction(SIGPIPE, &dfl, NULL);
		if (dup2(po[1], 1) < 0 || dup2(pe[1], 2) < 0)
			_exit(127);
		execvp(u->o->argv[0], u->o->argv);
		e = errno;
		n = write(px[1], &e, sizeof e);
		(void)n;
		_exit(127);
	}
	u->pid = pid;
	child_pid = (sig_atomic_t)pid;
	close(po[1]);
	close(pe[1]);
	close(px[1]);
	/* The exec pipe closes on a successful exec, or brings errno. */
	do
		n = read(px[0], &e, sizeof e);
	while (n < 0 && errno == EINTR);
	close(px[0]);
	if (n == (ssize_t)sizeof e) {
		int st;

		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		child_pid = 0;
		close(po[0]);
		close(pe[0]);
		u->r->exec_errno = e;
		if (e == ENOENT)
			return ep_fail(err, EP_ENOTFOUND, "%s: not found",
			    u->o->argv[0]);
		return ep_fail(err, EP_EIO, "%s: %s", u->o->argv[0],
		    strerror(e));
	}
	*out_r = po[0];
	*err_r = pe[0];
	return 0;
fail:
	close(po[0]);
	close(po[1]);
	close(pe[0]);
	close(pe[1]);
	close(px[0]);
	close(px[1]);
	return -1;
}

int
prof_measure_run(struct prof_meter *m, const struct prof_measure_opts *o,
    struct prof_measure_result *r, struct ep_err *err)
{
	struct sigaction sa, ign, old_int, old_term, old_hup, old_pipe;
	struct stream so, se;
	struct run u;
	struct mark start, end;
	struct rusage ru;
	char *buf = NULL;
	double interval = o->sample_secs > 0 ? o->sample_secs : 0.1;
	double next_sample, cs;
	int ret = -1, st = 0, reaped = 0, handlers = 0;

	memset(r, 0, sizeof *r);
	memset(&u, 0, sizeof u);
	memset(&so, 0, sizeof so);
	memset(&se, 0, sizeof se);
	so.fd = se.fd = -1;
	r->tree_share = (double)NAN;
	u.m = m;
	u.o = o;
	u.r = r;
	u.err = err;
	u.tck = sysconf(_SC_CLK_TCK);
	if (u.tck <= 0)
		u.tck = 100;
	r->watts_per_thread = m->machine_wide ? 0 : thread_watts(m);
	r->watts_per_gb = m->machine_wide ? 0 : PROF_EST_WATTS_PER_GB;
	if (o->argv == NULL || o->argv[0] == NULL)
		return ep_fail(err, EP_EUSAGE, "no command to measure");
	if (o->epoch_marker != NULL) {
		if (compile(&u.epoch_re, o->epoch_marker, "--epoch-marker",
		    err) < 0)
			return -1;
		u.has_epoch = 1;
	}
	if (o->query_marker != NULL) {
		if (compile(&u.query_re, o->query_marker, "--query-marker",
		    err) < 0)
			goto out;
		u.has_query = 1;
	}
	so.line = ep_xmalloc(PROF_MEASURE_LINE_MAX + 1);
	se.line = ep_xmalloc(PROF_MEASURE_LINE_MAX + 1);
	buf = ep_xmalloc(CHUNK);
	so.out = o->out_fd;
	se.out = o->err_fd;

	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	got_signal = 0;
	child_pid = 0;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	sigaction(SIGHUP, &sa, &old_hup);
	/* A closed stdout must not kill ecoplan with the command running. */
	memset(&ign, 0, sizeof ign);
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGPIPE, &ign, &old_pipe);
	handlers = 1;

	/* The start mark before the fork, so no work goes uncounted. */
	u.pid = getpid();
	if (prof_meter_read(m, &cs, &start.cpu_j, &start.gpu_j, err) < 0)
		goto out;
	start.t = ep_clock_mono();
	start.tree_secs = 0;
	start.ram_j = 0;
	u.rss_t = start.t;
	start.busy_secs = machine_busy(u.tck);
	if (spawn(&u, &so.fd, &se.fd, err) < 0)
		goto out;
	u.last = start;
	next_sample = start.t + interval;

	while (so.fd >= 0 || se.fd >= 0) {
		struct pollfd pf[2];
		nfds_t nf = 0;
		int timeout, rc, i;
		double now = ep_clock_mono();

		if (!reaped && now >= next_sample) {
			struct mark tmp;

			/* Keeps tree_max current while members come and
			 * go; the mark itself is not a boundary. */
			if (take_mark(&u, &tmp) < 0)
				goto kill_out;
			next_sample = now + interval;
		}
		timeout = reaped ? 200 : (int)((next_sample - now) * 1000) + 1;
		if (so.fd >= 0) {
			pf[nf].fd = so.fd;
			pf[nf++].events = POLLIN;
		}
		if (se.fd >= 0) {
			pf[nf].fd = se.fd;
			pf[nf++].events = POLLIN;
		}
		rc = poll(pf, nf, timeout);
		if (rc < 0 && errno != EINTR) {
			int saved = errno;

			ep_fail(err, EP_EIO, "poll: %s", strerror(saved));
			goto kill_out;
		}
		if (got_signal)
			r->interrupted = 1;
		if (rc == 0 && reaped)
			break;	/* a leftover grandchild holds the pipes */
		for (i = 0; rc > 0 && i < (int)nf; i++) {
			if (pf[i].revents == 0)
				continue;
			drain(&u, pf[i].fd == so.fd ? &so : &se, buf);
		}
		if (u.failed)
			goto kill_out;
		if (!reaped) {
			pid_t w = wait4(u.pid, &st, WNOHANG, &ru);

			if (w == u.pid)
				reaped = 1;
		}
	}
	if (!reaped)
		while (wait4(u.pid, &st, 0, &ru) < 0 && errno == EINTR)
			;
	child_pid = 0;
	if (got_signal)
		r->interrupted = 1;

	/* The end: rusage has every reaped descendant's CPU time. */
	if (prof_meter_read(m, &cs, &end.cpu_j, &end.gpu_j, err) < 0)
		goto out;
	end.t = ep_clock_mono();
	u.ram_j += u.rss_gb * r->watts_per_gb * (end.t - u.rss_t);
	end.ram_j = u.ram_j;
	r->ram_joules = u.ram_j;
	end.tree_secs = (double)ru.ru_utime.tv_sec +
	    (double)ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	if (end.tree_secs < u.tree_max)
		end.tree_secs = u.tree_max;
	end.busy_secs = machine_busy(u.tck);
	span(&u, &start, &end, &r->joules, &r->gross_joules, &r->cpu_secs);
	r->gpu_joules = end.gpu_j - start.gpu_j;
	r->secs = end.t - start.t;
	if (!isnan(start.busy_secs) && !isnan(end.busy_secs) &&
	    end.busy_secs > start.busy_secs) {
		r->tree_share = r->cpu_secs / (end.busy_secs - start.busy_secs);
		if (r->tree_share > 1)
			r->tree_share = 1;
	}
	if (WIFSIGNALED(st)) {
		r->term_signal = WTERMSIG(st);
		r->exit_status = 128 + r->term_signal;
	} else {
		r->exit_status = WEXITSTATUS(st);
	}
	if (o->queries > 0)
		r->queries = o->queries;
	ret = 0;
	goto out;
kill_out:
	/* A failure of ours: do not leave the command running. */
	if (!reaped && u.pid > 0) {
		kill(u.pid, SIGTERM);
		while (waitpid(u.pid, &st, 0) < 0 && errno == EINTR)
			;
	}
	child_pid = 0;
out:
	if (handlers) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGTERM, &old_term, NULL);
		sigaction(SIGHUP, &old_hup, NULL);
		sigaction(SIGPIPE, &old_pipe, NULL);
	}
	if (so.fd >= 0)
		close(so.fd);
	if (se.fd >= 0)
		close(se.fd);
	if (u.has_epoch)
		regfree(&u.epoch_re);
	if (u.has_query)
		regfree(&u.query_re);
	free(so.line);
	free(se.line);
	free(buf);
	return ret;
}

static void
set_stat(struct prof_stat *s, const struct prof_measure_epoch *e, size_t n)
{
	double *kwh = ep_xcalloc(n, sizeof *kwh);
	double *gross = ep_xcalloc(n, sizeof *gross);
	double *secs = ep_xcalloc(n, sizeof *secs);
	size_t i;

	for (i = 0; i < n; i++) {
		kwh[i] = e[i].joules / 3.6e6;
		gross[i] = e[i].gross_joules / 3.6e6;
		secs[i] = e[i].secs;
	}
	prof_stat_of(s, kwh, gross, secs, (int)n);
	free(kwh);
	free(gross);
	free(secs);
}

void
prof_measure_to_profile(const struct prof_measure_result *r,
    const struct prof_meter *m, struct prof_profile *p)
{
	char note[256];
	size_t len;

	snprintf(p->meter, sizeof p->meter, "%s", m->kind);
	snprintf(p->meter_gpu, sizeof p->meter_gpu, "%s", m->gpu_kind);
	p->estimated = m->estimated;
	snprintf(p->domains, sizeof p->domains, "%s", m->domains);
	snprintf(p->ladder, sizeof p->ladder, "%s", m->ladder);
	p->poll_secs = m->poll_secs;
	p->idle_watts = 0;
	if (strcmp(m->kind, "nvml") == 0)
		snprintf(note, sizeof note, "; kwh and gross_kwh are the "
		    "GPU energy alone: no CPU meter was used");
	else if (m->machine_wide)
		snprintf(note, sizeof note, "; kwh is the command's process "
		    "tree share of the CPU energy (%.1f%% of the machine's "
		    "busy CPU time, from /proc) plus all GPU energy, "
		    "gross_kwh the whole machine",
		    isnan(r->tree_share) ? 100.0 : 100 * r->tree_share);
	else
		snprintf(note, sizeof note, "; plus the command's process "
		    "tree: %.3f CPU s at %g W/thread and its resident memory "
		    "at %g W/GB (%.3g J)", r->cpu_secs, r->watts_per_thread,
		    r->watts_per_gb, r->ram_joules);
	/* The meter's notes, then ours, as much as fits. */
	len = strlen(m->assumptions);
	if (len >= sizeof p->assumptions)
		len = sizeof p->assumptions - 1;
	memcpy(p->assumptions, m->assumptions, len);
	p->assumptions[len] = '\0';
	{
		const char *add = len > 0 ? note : note + 2;
		size_t room = sizeof p->assumptions - 1 - len;
		size_t alen = strlen(add);

		if (alen > room)
			alen = room;
		memcpy(p->assumptions + len, add, alen);
		p->assumptions[len + alen] = '\0';
	}

	if (r->n_epochs > 0 || r->queries <= 0) {
		struct prof_measure_epoch whole;

		p->has_training = 1;
		if (r->n_epochs == 0) {
			/* No markers: the whole run is one epoch. */
			whole.joules = r->joules;
			whole.gross_joules = r->gross_joules;
			whole.secs = r->secs;
			whole.cpu_secs = r->cpu_secs;
			whole.warmup = 0;
			set_stat(&p->epoch_train, &whole, 1);
			p->epochs_measured = 1;
			p->epochs_per_update = 1;
		} else if (r->n_epochs == 1) {
			set_stat(&p->epoch_train, r->epochs, 1);
			p->epochs_measured = 1;
			p->epochs_per_update = 1;
		} else {
			/* The first epoch is warm-up: it goes to setup. */
			set_stat(&p->setup, r->epochs, 1);
			set_stat(&p->epoch_train, r->epochs + 1,
			    r->n_epochs - 1);
			p->epochs_measured = (int)r->n_epochs;
			p->epochs_per_update = (double)r->n_epochs;
		}
	}
	if (r->queries > 0) {
		struct prof_batch *b = &p->batches[0];

		p->has_inference = 1;
		p->users_per_query = 1;
		p->k = 10;	/* unknown: the schema's default list length */
		p->n_batches = 1;
		memset(b, 0, sizeof *b);
		b->batch = 1;
		b->kwh_per_query = r->joules / 3.6e6 / (double)r->queries;
		b->gross_kwh_per_query = r->gross_joules / 3.6e6 /
		    (double)r->queries;
		b->queries_per_sec = r->secs > 0 ?
		    (double)r->queries / r->secs : 0;
		b->n = 1;
	}
	p->incomplete = r->interrupted || r->exit_status != 0;
}

void
prof_measure_release(struct prof_measure_result *r)
{
	free(r->epochs);
	r->epochs = NULL;
	r->n_epochs = 0;
}
