/*
 * Tests for core/progress: the line format, and silence off a terminal.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <unistd.h>

#include "core/progress.h"
#include "tests/test_util.h"

static void
test_format_half_way(void **state)
{
	char buf[256];

	(void)state;
	ep_progress_format(buf, sizeof buf, "train", "epochs", 5, 10, 2.5, 60);
	assert_contains(buf, "train  [");
	assert_contains(buf, "]  50%");
	assert_contains(buf, "2 epochs/s");
	assert_contains(buf, "ETA 0:03");
	assert_true(strlen(buf) <= 60);
}

static void
test_format_done_and_unknown_total(void **state)
{
	char buf[256];

	(void)state;
	ep_progress_format(buf, sizeof buf, "x", "req", 10, 10, 3725, 80);
	assert_contains(buf, "100%");
	assert_contains(buf, "in 1:02:05");
	assert_true(strchr(buf, '>') == NULL);
	ep_progress_format(buf, sizeof buf, "x", "req", 7, 0, 1, 80);
	assert_contains(buf, "x  7  7 req/s");
	assert_true(strchr(buf, '[') == NULL);
}

static void
test_format_small_buffer(void **state)
{
	char buf[12];

	(void)state;
	ep_progress_format(buf, sizeof buf, "a long label here", "u", 1, 2, 1,
	    80);
	assert_int_equal(strlen(buf), sizeof buf - 1);
	assert_int_equal(ep_progress_format(buf, 0, "x", "u", 1, 2, 1, 80), 0);
}

static void
test_silent_when_not_a_terminal(void **state)
{
	struct ep_progress p = EP_PROGRESS_INIT;
	FILE *f = tmpfile();
	int saved = dup(STDERR_FILENO);

	(void)state;
	dup2(fileno(f), STDERR_FILENO);
	ep_progress_start(&p, "train", "epochs", 3);
	ep_progress_update(&p, 1);
	ep_progress_finish(&p);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	assert_int_equal(p.enabled, 0);
	assert_int_equal(ftell(f), 0);
	fclose(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_half_way),
		cmocka_unit_test(test_format_done_and_unknown_total),
		cmocka_unit_test(test_format_small_buffer),
		cmocka_unit_test(test_silent_when_not_a_terminal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
