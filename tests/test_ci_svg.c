/*
 * Tests for cli/svg, the SVG writer behind "ci forecast --plot" (and
 * the plots of compare and plan): escaping, ticks, the plot mapping and
 * the file written.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <sys/stat.h>

#include "cli/svg.h"
#include "core/fsutil.h"
#include "tests/test_util.h"

static void
test_ticks(void **state)
{
	double t[16];
	size_t n;

	(void)state;
	n = cmd_svg_ticks(0, 212, 8, t);
	assert_int_equal(n, 6);
	assert_close(t[0], 0, 0);
	assert_close(t[1], 50, 1e-12);
	assert_close(t[5], 250, 1e-12);
	n = cmd_svg_ticks(69, 212, 8, t);
	assert_true(t[0] <= 69 && t[n - 1] >= 212);
	assert_true(n <= 8);
	n = cmd_svg_ticks(0, 48, 9, t);
	assert_close(t[1] - t[0], 10, 1e-12);
	assert_true(t[n - 1] >= 48);
	/* A flat range is widened, never a division by zero. */
	n = cmd_svg_ticks(344.14, 344.14, 8, t);
	assert_true(n >= 2 && t[0] < 344.14 && t[n - 1] > 344.14);
	n = cmd_svg_ticks(0, 0, 8, t);
	assert_true(n >= 2 && t[0] <= 0 && t[n - 1] >= 0);
	n = cmd_svg_ticks((double)NAN, 1, 8, t);
	assert_int_equal(n, 2);
	n = cmd_svg_ticks(5, 1, 1, t);
	assert_true(n >= 2 && n <= 2);
}

static void
test_plot_mapping(void **state)
{
	struct cmd_svg s = CMD_SVG_INIT;
	struct cmd_svg_plot p;

	(void)state;
	cmd_svg_begin(&s, 800, 360, NULL);
	cmd_svg_plot_init(&p, &s, 0, 48, 0, 250);
	assert_close(cmd_svg_px(&p, 0), p.left, 1e-9);
	assert_close(cmd_svg_px(&p, 48), p.left + p.w, 1e-9);
	assert_close(cmd_svg_py(&p, 0), p.top + p.h, 1e-9);
	assert_close(cmd_svg_py(&p, 250), p.top, 1e-9);
	assert_true(p.left + p.w < 800 && p.top + p.h < 360);
	cmd_svg_plot_init(&p, &s, 5, 5, 7, 7);
	assert_true(p.x1 > p.x0 && p.y1 > p.y0);
	cmd_svg_release(&s);
}

static void
test_document(void **state)
{
	struct cmd_svg s = CMD_SVG_INIT;
	struct cmd_svg_plot p;
	struct ep_err err = EP_ERR_INIT;
	double x[] = { 10, 20, 30 }, y[] = { 5, 15, 10 }, xt[] = { 0, 1, 2 };
	char *dir = test_tmpdir(), path[512], *buf = NULL;
	struct stat st;
	size_t len;

	(void)state;
	assert_non_null(dir);
	cmd_svg_begin(&s, 400, 200, "A & B <tricky> \"title\"");
	cmd_svg_plot_init(&p, &s, 0, 2, 0, 20);
	cmd_svg_axes(&s, &p, xt, 3, NULL, NULL, "hours", "g/kWh");
	cmd_svg_rect(&s, 1, 2, 3, -4, "#2ca02c", 0.2);
	cmd_svg_line(&s, 0, 0, 1, 1, "#000000", 1, 1);
	cmd_svg_polyline(&s, x, y, 3, "#1f77b4", 2);
	cmd_svg_dot(&s, 1, 1, 2, "#ff0000");
	cmd_svg_text(&s, 5, 5, CMD_SVG_END, 10, "#333333", "it's <5>\x01");
	snprintf(path, sizeof path, "%s/plot.svg", dir);
	assert_int_equal(cmd_svg_write(&s, path, &err), 0);
	cmd_svg_release(&s);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	assert_int_equal(ep_read_file(path, 1 << 20, &buf, &len, &err), 0);
	assert_true(strncmp(buf, "<?xml version=\"1.0\"", 19) == 0);
	assert_contains(buf, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
	    "width=\"400\" height=\"200\"");
	assert_contains(buf, "<title>A &amp; B &lt;tricky&gt; "
	    "&quot;title&quot;</title>");
	assert_contains(buf, "it&apos;s &lt;5&gt;</text>");
	assert_contains(buf, "points=\"10.00,5.00 20.00,15.00 30.00,10.00\"");
	assert_contains(buf, "width=\"3.00\" height=\"0.00\"");
	assert_contains(buf, "stroke-dasharray");
	assert_contains(buf, ">hours</text>");
	assert_contains(buf, "rotate(-90)\">g/kWh</text>");
	assert_null(strstr(buf, "\x01"));
	assert_true(strcmp(buf + len - 7, "</svg>\n") == 0);
	free(buf);
	/* No folder to write into. */
	cmd_svg_begin(&s, 10, 10, NULL);
	snprintf(path, sizeof path, "%s/missing/plot.svg", dir);
	assert_int_equal(cmd_svg_write(&s, path, &err), -1);
	assert_int_equal(err.code, EP_EIO);
	cmd_svg_release(&s);
	test_rmtree(dir);
	free(dir);
}

static void
test_grows(void **state)
{
	struct cmd_svg s = CMD_SVG_INIT;
	char text[3000];
	size_t i;

	(void)state;
	memset(text, 'x', sizeof text - 1);
	text[sizeof text - 1] = '\0';
	cmd_svg_begin(&s, 10, 10, NULL);
	for (i = 0; i < 20; i++)
		cmd_svg_text(&s, 0, 0, CMD_SVG_START, 1, "#000000", text);
	assert_true(s.len > 20 * sizeof text);
	assert_int_equal(strlen(s.buf), s.len);
	cmd_svg_release(&s);
	cmd_svg_release(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ticks),
		cmocka_unit_test(test_plot_mapping),
		cmocka_unit_test(test_document),
		cmocka_unit_test(test_grows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
