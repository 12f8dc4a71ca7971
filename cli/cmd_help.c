/*
 * ecoplan help [command]: shows a command's manual page. Pages are
 * looked for beside the binary first (man/ in the source tree, or
 * ../share/man/man1 where it is installed) so that the page shown always
 * matches the binary, then in the system's manual path.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "cli/overview.h"
#include "core/err.h"
#include "core/banned.h"

/*
 * Looks for PAGE.1, then PAGE.7 (a command documented with its topic,
 * as models is in ecoplan-models(7)), in the places a binary at exe_dir
 * would have it.
 */
static int
find_page(const char *exe_dir, const char *page, char *out, size_t size)
{
	static const char *const rel[] = {
		"man", "../man", "../share/man/man", "../../man"
	};
	static const char sections[] = "17";
	size_t i, k;

	for (k = 0; k < sizeof sections - 1; k++)
		for (i = 0; i < sizeof rel / sizeof rel[0]; i++) {
			/* The installed tree has a folder per section. */
			int installed = i == 2;
			int n = snprintf(out, size, "%s/%s%.*s/%s.%c", exe_dir,
			    rel[i], installed, &sections[k], page,
			    sections[k]);

			if (n > 0 && (size_t)n < size &&
			    access(out, R_OK) == 0)
				return 0;
		}
	return -1;
}

static void
exe_dir(char *out, size_t size)
{
	ssize_t n = readlink("/proc/self/exe", out, size - 1);
	char *slash;

	if (n <= 0) {
		snprintf(out, size, ".");
		return;
	}
	out[n] = '\0';
	if ((slash = strrchr(out, '/')) != NULL)
		*slash = '\0';
}

int
cmd_help(int argc, char **argv)
{
	const struct cmd_entry *self = cmd_find("help"), *e;
	char dir[PATH_MAX], path[PATH_MAX + 64], page[64];

	if (argc > 2)
		return cmd_usage_error(self, "too many arguments");
	if (argc < 2 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0) {
		cmd_overview(stdout);
		return 0;
	}
	if ((e = cmd_find(argv[1])) == NULL)
		return cmd_unknown(argv[1]);
	snprintf(page, sizeof page, "ecoplan-%s", e->name);
	exe_dir(dir, sizeof dir);
	if (find_page(dir, page, path, sizeof path) < 0 &&
	    find_page(dir, "ecoplan", path, sizeof path) < 0) {
		/* Not beside the binary: ask the system's man(1). */
		fflush(stdout);
		execlp("man", "man", page, (char *)NULL);
		ep_error("%s: cannot show the manual page: man(1) is not "
		    "installed", page);
		cmd_usage(e, stderr);
		return 1;
	}
	fflush(stdout);
	execlp("man", "man", "-l", path, (char *)NULL);
	execlp("mandoc", "mandoc", "-a", path, (char *)NULL);
	ep_error("%s: cannot show the manual page: neither man(1) nor "
	    "mandoc(1) is installed", path);
	cmd_usage(e, stderr);
	return 1;
}
