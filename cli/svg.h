/*
 * A small SVG writer for ecoplan's plots (--plot FILE.svg): shapes and
 * escaped text into a memory buffer, a plot area mapping data to pixels
 * with "nice" axis ticks, and an atomic write of the result. Colours and
 * styles are fixed strings chosen by the caller; only text is escaped.
 */
#ifndef ECOPLAN_CLI_SVG_H
#define ECOPLAN_CLI_SVG_H

#include <stddef.h>

#include "core/err.h"

struct cmd_svg {
	char *buf;		/* owned */
	size_t len, cap;
	double width, height;	/* pixels */
};

#define CMD_SVG_INIT { NULL, 0, 0, 0, 0 }

enum cmd_svg_anchor {
	CMD_SVG_START,
	CMD_SVG_MIDDLE,
	CMD_SVG_END
};

/*
 * Starts a document width x height pixels on a white background, with
 * title (escaped; may be NULL) as its <title>. Release with
 * cmd_svg_release().
 */
void cmd_svg_begin(struct cmd_svg *s, double width, double height,
    const char *title);

/* Frees the buffer; safe on CMD_SVG_INIT. */
void cmd_svg_release(struct cmd_svg *s);

/* A filled rectangle; opacity from 0 to 1. */
void cmd_svg_rect(struct cmd_svg *s, double x, double y, double w, double h,
    const char *fill, double opacity);

/* A straight line; dashed when dash is not 0. */
void cmd_svg_line(struct cmd_svg *s, double x1, double y1, double x2,
    double y2, const char *stroke, double width, int dash);

/* A line through n points (x[i], y[i]) in pixels. */
void cmd_svg_polyline(struct cmd_svg *s, const double *x, const double *y,
    size_t n, const char *stroke, double width);

/* A small filled circle. */
void cmd_svg_dot(struct cmd_svg *s, double x, double y, double r,
    const char *fill);

/* Text at (x, y), its baseline, escaped; size in pixels. */
void cmd_svg_text(struct cmd_svg *s, double x, double y,
    enum cmd_svg_anchor anchor, double size, const char *fill,
    const char *text);

/*
 * Ends the document and writes it to path atomically (mode 0644), or
 * to standard output when path is "-". Returns 0, or -1 with err set.
 */
int cmd_svg_write(struct cmd_svg *s, const char *path, struct ep_err *err);

/*
 * Up to max (at least 2) "nice" tick values (1, 2 or 5 times a power of
 * ten apart) covering [lo, hi], into ticks; returns how many. The first
 * is at or below lo and the last at or above hi, so that the ticks can
 * be the axis range.
 */
size_t cmd_svg_ticks(double lo, double hi, size_t max, double *ticks);

/* A plot area: data ranges and the pixel box they map to. */
struct cmd_svg_plot {
	double x0, x1, y0, y1;		/* data */
	double left, top, w, h;		/* pixels */
};

/*
 * Places a plot area in s with margins for the axes and the title, for
 * data in [xmin, xmax] x [ymin, ymax] (empty ranges are widened).
 */
void cmd_svg_plot_init(struct cmd_svg_plot *p, const struct cmd_svg *s,
    double xmin, double xmax, double ymin, double ymax);

/* Pixel coordinates of data x and y. */
double cmd_svg_px(const struct cmd_svg_plot *p, double x);
double cmd_svg_py(const struct cmd_svg_plot *p, double y);

/* Formats an x tick for its label: writes into buf, returns buf. */
typedef const char *(*cmd_svg_label_fn)(double x, char *buf, size_t size,
    void *data);

/*
 * Draws the frame, grid lines, tick labels and axis titles of p. xticks
 * (n values) are labelled by xfmt (plain numbers when NULL); the y axis
 * gets its own nice ticks.
 */
void cmd_svg_axes(struct cmd_svg *s, const struct cmd_svg_plot *p,
    const double *xticks, size_t n, cmd_svg_label_fn xfmt, void *data,
    const char *xtitle, const char *ytitle);

#endif
