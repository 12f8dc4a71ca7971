/*
 * ecoplan import: turns another tool's measurements into a profile.
 * The one format so far is CodeCarbon's emissions.csv
 * (profiles/import_codecarbon.c); rows the importer set aside are
 * reported here as warnings with their line numbers.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "core/err.h"
#include "core/fsutil.h"
#include "core/num.h"
#include "profiles/import_codecarbon.h"
#include "profiles/profile.h"
#include "profiles/store.h"
#include "core/banned.h"

#define MAX_CSV_BYTES ((size_t)64 << 20)

static void
warn_skipped(const struct prof_cc_import *im, const char *file)
{
	size_t i;

	for (i = 0; i < im->n_skipped && i < PROF_CC_MAX_SKIPPED; i++)
		ep_warn("%s:%zu: %zu fields where the header has %zu%s: row "
		    "skipped", file, im->skipped[i].line,
		    im->skipped[i].fields, im->skipped[i].expected,
		    im->skipped[i].fields < im->skipped[i].expected ?
		    " (CodeCarbon's append bug drops empty fields)" : "");
	if (im->n_skipped > PROF_CC_MAX_SKIPPED)
		ep_warn("%s: %zu more malformed rows skipped", file,
		    im->n_skipped - PROF_CC_MAX_SKIPPED);
	if (im->n_other_projects > 0)
		ep_warn("%s: %zu rows of other projects left out", file,
		    im->n_other_projects);
	if (im->n_projects > 1)
		ep_warn("%s: rows of %zu projects averaged as runs of one "
		    "model", file, im->n_projects);
}

static void
print_summary(const struct prof_cc_import *im, const struct prof_profile *p,
    const char *file)
{
	double g = 0;
	size_t i, ng = 0;

	for (i = 0; i < im->n_rows; i++)
		if (!isnan(im->rows[i].emissions_g)) {
			g += im->rows[i].emissions_g;
			ng++;
		}
	printf("imported %zu run%s of %s from %s\n", im->n_rows,
	    im->n_rows == 1 ? "" : "s", p->model, file);
	printf("  codecarbon:   %s, tracking_mode %s\n",
	    im->version[0] ? im->version : "version unknown",
	    im->tracking_mode[0] ? im->tracking_mode : "unknown");
	printf("  energy:       %s (%s)\n",
	    p->estimated ? "estimated" : "measured", im->why);
	printf("  per run:      %.6g kWh (sd %.3g), %.6g s\n",
	    p->epoch_train.kwh * p->epochs_measured,
	    p->epoch_train.sd * p->epochs_measured,
	    p->epoch_train.seconds * p->epochs_measured);
	printf("  per epoch:    %.6g kWh (sd %.3g), %.6g s over %d epoch%s\n",
	    p->epoch_train.kwh, p->epoch_train.sd, p->epoch_train.seconds,
	    p->epochs_measured, p->epochs_measured == 1 ? "" : "s");
	if (ng > 0)
		printf("  emissions:    %.6g g CO2e a run (CodeCarbon's figure; "
		    "not stored)\n", g / (double)ng);
}

int
cmd_import(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "model", required_argument, NULL, 'm' },
		{ "epochs", required_argument, NULL, 'e' },
		{ "dataset", required_argument, NULL, 'd' },
		{ "no-save", no_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const struct cmd_entry *self = cmd_find("import");
	const char *model = NULL, *dataset = "unknown", *file;
	struct prof_cc_import im = PROF_CC_IMPORT_INIT;
	struct prof_profile p;
	struct ep_err err = EP_ERR_INIT;
	char *buf = NULL, *path = NULL;
	size_t len = 0;
	int ch, json = 0, save = 1, status = 1, epochs = 1;
	long l;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'm':
			model = optarg;
			break;
		case 'e':
			if (ep_parse_count(optarg, 1, 1000000, &l, &err) < 0)
				return cmd_usage_error(self, "--epochs: %s",
				    err.msg);
			epochs = (int)l;
			break;
		case 'd':
			dataset = optarg;
			break;
		case 'n':
			save = 0;
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			cmd_usage(self, stdout);
			return 0;
		default:
			return cmd_bad_option(self, ch, argv);
		}
	}
	if (optind == argc)
		return cmd_usage_error(self, "which format? (codecarbon)");
	if (strcmp(argv[optind], "codecarbon") != 0)
		return cmd_usage_error(self, "'%s': unknown format (expected "
		    "codecarbon)", argv[optind]);
	if (argc - optind != 2)
		return cmd_usage_error(self, "codecarbon needs one file");
	file = argv[optind + 1];
	if (model == NULL || model[0] == '\0')
		return cmd_usage_error(self, "--model is required");
	if (strlen(model) >= sizeof p.model)
		return cmd_usage_error(self, "--model: '%s': longer than %zu "
		    "characters", model, sizeof p.model - 1);
	if (dataset[0] == '\0' || strlen(dataset) >= sizeof p.dataset)
		return cmd_usage_error(self, "--dataset: '%s': empty or too "
		    "long", dataset);

	if (ep_read_file(file, MAX_CSV_BYTES, &buf, &len, &err) < 0 ||
	    prof_cc_parse(buf, len, file, model, &im, &err) < 0) {
		ep_report(&err);
		goto out;
	}
	warn_skipped(&im, file);
	prof_profile_init(&p);
	prof_cc_to_profile(&im, model, dataset, epochs, &p);
	snprintf(p.source, sizeof p.source, "ecoplan import codecarbon %s",
	    file);
	if (save && prof_store_save(&p, &path, &err) < 0) {
		ep_report(&err);
		goto out;
	}
	if (json) {
		char *s = prof_profile_to_json(&p);

		printf("%s\n", s);
		free(s);
	} else {
		print_summary(&im, &p, file);
		if (path != NULL)
			printf("profile saved: %s\n", path);
	}
	status = 0;
out:
	prof_cc_release(&im);
	free(buf);
	free(path);
	return status;
}
