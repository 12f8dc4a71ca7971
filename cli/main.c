/*
 * ecoplan: global options and dispatch to the subcommand table.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "cli/cmd.h"
#include "cli/overview.h"
#include "ci-data/http.h"
#include "core/err.h"
#include "core/version.h"
#include "models/blas.h"
#include "core/banned.h"

/*
 * Flushes stdout and reports a write error (a full disk, a closed pipe
 * that did not raise SIGPIPE), as git's run_builtin() does, so that a
 * command never claims success for output that was lost.
 */
static int
check_stdout(int status)
{
	int saved;

	if (fflush(stdout) != 0 || ferror(stdout)) {
		saved = errno;
		ep_error("write error: %s",
		    saved != 0 ? strerror(saved) : "standard output");
		return status == 0 ? 1 : status;
	}
	if (fclose(stdout) != 0) {
		saved = errno;
		ep_error("write error: %s", strerror(saved));
		return status == 0 ? 1 : status;
	}
	return status;
}

static int
run(int argc, char **argv)
{
	char **all = argv;
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const struct cmd_entry *e;
	int ch;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			cmd_overview(stdout);
			return 0;
		case 'V':
			cmd_version(stdout);
			return 0;
		default:
			ep_error("%s: unknown option", argv[optind - 1]);
			cmd_overview(stderr);
			return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		cmd_overview(stderr);
		return 2;
	}
	if ((e = cmd_find(argv[0])) == NULL)
		return cmd_unknown(argv[0]);
	if (e->fn == NULL) {
		ep_error("%s: not yet built in ecoplan %s; see ecoplan(1)",
		    e->name, EP_VERSION);
		return 1;
	}
	if (e->models)
		model_blas_check(all);
	/* Each subcommand parses its own options from a fresh start. */
	optind = 0;
	opterr = 1;
	return e->fn(argc, argv);
}

int
main(int argc, char **argv)
{
	int status;

	/* GSL's default handler aborts; ecoplan checks status codes. */
	gsl_set_error_handler_off();
	/* libcurl is initialised by the first transfer, if any. */
	status = run(argc, argv);
	ci_http_global_cleanup();
	return check_stdout(status);
}
