/*
 * Terminal progress bar on stderr.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/progress.h"
#include "core/banned.h"

#define REDRAW_SECS 0.1

static int
term_width(void)
{
	struct winsize ws;

	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
		return ws.ws_col;
	return 80;
}

/* Writes secs as H:MM:SS or M:SS. */
static void
format_hms(char *buf, size_t size, double secs)
{
	long s = (long)(secs + 0.5);

	if (s >= 3600)
		snprintf(buf, size, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60,
		    s % 60);
	else
		snprintf(buf, size, "%ld:%02ld", s / 60, s % 60);
}

size_t
ep_progress_format(char *buf, size_t size, const char *label,
    const char *unit, double done, double total, double elapsed_secs,
    int width)
{
	char rate[48] = "", eta[32] = "", tail[96];
	double frac, per_sec;
	int bar, fill, i, n;
	size_t len;

	if (size == 0)
		return 0;
	per_sec = elapsed_secs > 0 ? done / elapsed_secs : 0;
	if (per_sec > 0)
		snprintf(rate, sizeof rate, "  %.3g %s/s", per_sec,
		    unit != NULL ? unit : "");
	if (total <= 0) {
		format_hms(eta, sizeof eta, elapsed_secs);
		n = snprintf(buf, size, "%s  %.0f%s  %s", label, done, rate,
		    eta);
		return n < 0 ? 0 : strlen(buf);
	}
	frac = done / total;
	frac = frac < 0 ? 0 : frac > 1 ? 1 : frac;
	if (per_sec > 0 && done < total) {
		char hms[24];

		format_hms(hms, sizeof hms, (total - done) / per_sec);
		snprintf(eta, sizeof eta, "  ETA %s", hms);
	} else if (done >= total) {
		char hms[24];

		format_hms(hms, sizeof hms, elapsed_secs);
		snprintf(eta, sizeof eta, "  in %s", hms);
	}
	snprintf(tail, sizeof tail, "] %3.0f%%%s%s", floor(frac * 100), rate,
	    eta);
	n = snprintf(buf, size, "%s  [", label);
	if (n < 0 || (size_t)n >= size)
		return strlen(buf);
	len = (size_t)n;
	bar = width - (int)len - (int)strlen(tail) - 1;
	if (bar > 40)
		bar = 40;
	if (bar < 5)
		bar = 5;
	fill = (int)(frac * bar);
	for (i = 0; i < bar && len + 1 < size; i++)
		buf[len++] = i < fill ? '=' : i == fill ? '>' : ' ';
	buf[len] = '\0';
	snprintf(buf + len, size - len, "%s", tail);
	return strlen(buf);
}

static void
draw(struct ep_progress *p, double now)
{
	char line[512];

	ep_progress_format(line, sizeof line, p->label, p->unit, p->done,
	    p->total, now - p->t_start, term_width());
	/* \r returns to the start of the line; \033[K clears what is left. */
	fprintf(stderr, "\r%s\033[K", line);
	fflush(stderr);
	p->t_drawn = now;
}

void
ep_progress_start(struct ep_progress *p, const char *label,
    const char *unit, double total)
{
	p->label = label;
	p->unit = unit;
	p->total = total;
	p->done = 0;
	p->t_start = ep_clock_mono();
	p->t_drawn = 0;
	p->enabled = isatty(STDERR_FILENO);
	if (p->enabled)
		draw(p, p->t_start);
}

void
ep_progress_update(struct ep_progress *p, double done)
{
	double now;

	p->done = done;
	if (!p->enabled)
		return;
	now = ep_clock_mono();
	if (now - p->t_drawn >= REDRAW_SECS)
		draw(p, now);
}

void
ep_progress_finish(struct ep_progress *p)
{
	if (!p->enabled)
		return;
	draw(p, ep_clock_mono());
	fputc('\n', stderr);
	p->enabled = 0;
}
