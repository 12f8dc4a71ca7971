/*
 * SVG output for plots: a growing buffer of elements, text escaping,
 * axis ticks and an atomic write.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/svg.h"
#include "core/fsutil.h"
#include "core/mem.h"
#include "core/banned.h"

/* Margins around a plot area, in pixels. */
#define M_LEFT 64.0
#define M_RIGHT 24.0
#define M_TOP 44.0
#define M_BOTTOM 52.0

static void
put(struct cmd_svg *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
put(struct cmd_svg *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(s->buf + s->len, s->cap - s->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < s->cap - s->len) {
			s->len += (size_t)n;
			return;
		}
		s->cap = s->cap * 2 + (n > 0 ? (size_t)n : 0) + 256;
		s->buf = ep_xrealloc(s->buf, s->cap);
	}
}

/* Appends text with &, <, >, " and ' escaped; control bytes dropped. */
static void
put_escaped(struct cmd_svg *s, const char *text)
{
	for (; *text != '\0'; text++) {
		switch (*text) {
		case '&':
			put(s, "&amp;");
			break;
		case '<':
			put(s, "&lt;");
			break;
		case '>':
			put(s, "&gt;");
			break;
		case '"':
			put(s, "&quot;");
			break;
		case '\'':
			put(s, "&apos;");
			break;
		default:
			if ((unsigned char)*text >= 0x20 || *text == '\t')
				put(s, "%c", *text);
			break;
		}
	}
}

void
cmd_svg_begin(struct cmd_svg *s, double width, double height,
    const char *title)
{
	s->cap = 4096;
	s->buf = ep_xmalloc(s->cap);
	s->buf[0] = '\0';
	s->len = 0;
	s->width = width;
	s->height = height;
	put(s, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" "
	    "height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
	    "font-family=\"sans-serif\">\n", width, height, width, height);
	if (title != NULL) {
		put(s, "<title>");
		put_escaped(s, title);
		put(s, "</title>\n");
	}
	put(s, "<rect x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\" "
	    "fill=\"#ffffff\"/>\n", width, height);
}

void
cmd_svg_release(struct cmd_svg *s)
{
	free(s->buf);
	s->buf = NULL;
	s->len = 0;
	s->cap = 0;
}

void
cmd_svg_rect(struct cmd_svg *s, double x, double y, double w, double h,
    const char *fill, double opacity)
{
	put(s, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" "
	    "fill=\"%s\" fill-opacity=\"%.2f\"/>\n", x, y, w > 0 ? w : 0,
	    h > 0 ? h : 0, fill, opacity);
}

void
cmd_svg_line(struct cmd_svg *s, double x1, double y1, double x2, double y2,
    const char *stroke, double width, int dash)
{
	put(s, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" "
	    "stroke=\"%s\" stroke-width=\"%.2f\"%s/>\n", x1, y1, x2, y2,
	    stroke, width, dash ? " stroke-dasharray=\"4 3\"" : "");
}

void
cmd_svg_polyline(struct cmd_svg *s, const double *x, const double *y,
    size_t n, const char *stroke, double width)
{
	size_t i;

	if (n == 0)
		return;
	put(s, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"%.2f\" "
	    "stroke-linejoin=\"round\" points=\"", stroke, width);
	for (i = 0; i < n; i++)
		put(s, "%s%.2f,%.2f", i == 0 ? "" : " ", x[i], y[i]);
	put(s, "\"/>\n");
}

void
cmd_svg_dot(struct cmd_svg *s, double x, double y, double r,
    const char *fill)
{
	put(s, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"%.2f\" fill=\"%s\"/>\n",
	    x, y, r, fill);
}

void
cmd_svg_text(struct cmd_svg *s, double x, double y,
    enum cmd_svg_anchor anchor, double size, const char *fill,
    const char *text)
{
	static const char *const anchors[] = { "start", "middle", "end" };

	put(s, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"%s\" "
	    "font-size=\"%.1f\" fill=\"%s\">", x, y, anchors[anchor], size,
	    fill);
	put_escaped(s, text);
	put(s, "</text>\n");
}

int
cmd_svg_write(struct cmd_svg *s, const char *path, struct ep_err *err)
{
	put(s, "</svg>\n");
	if (strcmp(path, "-") == 0) {
		if (fwrite(s->buf, 1, s->len, stdout) != s->len)
			return ep_fail(err, EP_EIO, "standard output: write "
			    "error");
		return 0;
	}
	return ep_write_atomic(path, s->buf, s->len, 0644, err);
}

size_t
cmd_svg_ticks(double lo, double hi, size_t max, double *ticks)
{
	static const double steps[] = { 1, 2, 5, 10 };
	double span, mag, step = 1, start, t;
	size_t i, n = 0;

	if (max < 2)
		max = 2;
	if (!isfinite(lo) || !isfinite(hi)) {
		ticks[0] = 0;
		ticks[1] = 1;
		return 2;
	}
	if (hi < lo) {
		t = lo;
		lo = hi;
		hi = t;
	}
	if (hi - lo < 1e-12 * (fabs(lo) + 1)) {
		lo -= fabs(lo) > 0 ? fabs(lo) * 0.1 : 1;
		hi += fabs(hi) > 0 ? fabs(hi) * 0.1 : 1;
	}
	span = hi - lo;
	mag = pow(10, floor(log10(span / (double)(max - 1))));
	for (i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		step = steps[i] * mag;
		if (ceil(hi / step) - floor(lo / step) + 1 <= (double)max)
			break;
	}
	while (ceil(hi / step) - floor(lo / step) + 1 > (double)max)
		step *= 2;
	start = floor(lo / step) * step;
	for (n = 0; n < max;) {
		t = start + (double)n * step;
		ticks[n++] = fabs(t) < step * 1e-9 ? 0 : t;
		if (t >= hi - step * 1e-9)
			break;
	}
	if (n < 2) {
		ticks[0] = start;
		ticks[1] = start + step;
		n = 2;
	}
	return n;
}

void
cmd_svg_plot_init(struct cmd_svg_plot *p, const struct cmd_svg *s,
    double xmin, double xmax, double ymin, double ymax)
{
	if (!(xmax > xmin))
		xmax = xmin + 1;
	if (!(ymax > ymin)) {
		ymin -= 1;
		ymax += 1;
	}
	p->x0 = xmin;
	p->x1 = xmax;
	p->y0 = ymin;
	p->y1 = ymax;
	p->left = M_LEFT;
	p->top = M_TOP;
	p->w = s->width - M_LEFT - M_RIGHT;
	p->h = s->height - M_TOP - M_BOTTOM;
}

double
cmd_svg_px(const struct cmd_svg_plot *p, double x)
{
	return p->left + (x - p->x0) / (p->x1 - p->x0) * p->w;
}

double
cmd_svg_py(const struct cmd_svg_plot *p, double y)
{
	return p->top + p->h - (y - p->y0) / (p->y1 - p->y0) * p->h;
}

/* A number for a label: "1.5", "250", "0". */
static const char *
plain(double v, char *buf, size_t size, void *data)
{
	(void)data;
	snprintf(buf, size, "%g", v);
	return buf;
}

void
cmd_svg_axes(struct cmd_svg *s, const struct cmd_svg_plot *p,
    const double *xticks, size_t n, cmd_svg_label_fn xfmt, void *data,
    const char *xtitle, const char *ytitle)
{
	double yt[16], x, y;
	char label[64];
	size_t i, ny;

	if (xfmt == NULL)
		xfmt = plain;
	ny = cmd_svg_ticks(p->y0, p->y1, 8, yt);
	for (i = 0; i < ny; i++) {
		if (yt[i] < p->y0 - 1e-9 || yt[i] > p->y1 + 1e-9)
			continue;
		y = cmd_svg_py(p, yt[i]);
		cmd_svg_line(s, p->left, y, p->left + p->w, y, "#dddddd", 1, 0);
		cmd_svg_text(s, p->left - 6, y + 4, CMD_SVG_END, 11, "#333333",
		    plain(yt[i], label, sizeof label, NULL));
	}
	for (i = 0; i < n; i++) {
		if (xticks[i] < p->x0 - 1e-9 || xticks[i] > p->x1 + 1e-9)
			continue;
		x = cmd_svg_px(p, xticks[i]);
		cmd_svg_line(s, x, p->top + p->h, x, p->top + p->h + 4,
		    "#333333", 1, 0);
		cmd_svg_text(s, x, p->top + p->h + 18, CMD_SVG_MIDDLE, 11,
		    "#333333", xfmt(xticks[i], label, sizeof label, data));
	}
	put(s, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" "
	    "fill=\"none\" stroke=\"#333333\" stroke-width=\"1\"/>\n", p->left,
	    p->top, p->w, p->h);
	if (xtitle != NULL)
		cmd_svg_text(s, p->left + p->w / 2, s->height - 10,
		    CMD_SVG_MIDDLE, 12, "#333333", xtitle);
	if (ytitle != NULL) {
		put(s, "<text x=\"0\" y=\"0\" text-anchor=\"middle\" "
		    "font-size=\"12.0\" fill=\"#333333\" "
		    "transform=\"translate(16 %.2f) rotate(-90)\">",
		    p->top + p->h / 2);
		put_escaped(s, ytitle);
		put(s, "</text>\n");
	}
}
