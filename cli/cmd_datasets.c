/*
 * ecoplan datasets: lists the built-in datasets, or loads and describes
 * dataset files (size, density, popularity skew, fingerprint, and the
 * sizes of the split ecoplan would train on).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "cli/cmd.h"
#include "cli/output.h"
#include "core/err.h"
#include "core/num.h"
#include "models/data.h"
#include "models/split.h"
#include "models/synth.h"
#include "core/banned.h"

static const struct {
	const char *name;
	const char *what;
} builtins[] = {
	{ "synthetic", "the default; MovieLens-100K's shape" },
	{ "synthetic-ml1m", "MovieLens-1M's shape" },
};

static int
list_builtins(int json)
{
	struct ep_err err = EP_ERR_INIT;
	struct cmd_table t = CMD_TABLE_INIT;
	cJSON *arr = json ? cJSON_CreateArray() : NULL;
	size_t i;

	if (!json)
		cmd_table_init(&t, 5, "name", "users", "items", "interactions",
		    "description");
	for (i = 0; i < sizeof builtins / sizeof builtins[0]; i++) {
		struct model_synth_spec sp;

		if (model_synth_parse(builtins[i].name, &sp, &err) < 0) {
			ep_report(&err);
			return 1;
		}
		if (json) {
			cJSON *o = cJSON_CreateObject();

			cJSON_AddStringToObject(o, "name", builtins[i].name);
			cJSON_AddNumberToObject(o, "users", (double)sp.users);
			cJSON_AddNumberToObject(o, "items", (double)sp.items);
			cJSON_AddNumberToObject(o, "interactions",
			    (double)sp.inters);
			cJSON_AddStringToObject(o, "description",
			    builtins[i].what);
			cJSON_AddItemToArray(arr, o);
		} else {
			char *row[5] = { cmd_cell("%s", builtins[i].name),
				cmd_cell("%ld", sp.users),
				cmd_cell("%ld", sp.items),
				cmd_cell("%ld", sp.inters),
				cmd_cell("%s", builtins[i].what) };

			cmd_table_row(&t, row);
		}
	}
	if (json) {
		char *s = cJSON_Print(arr);

		puts(s);
		free(s);
		cJSON_Delete(arr);
	} else {
		cmd_table_print(&t, stdout);
		cmd_table_release(&t);
		puts("\nAny size: synthetic:users=U,items=I,inters=N,seed=S "
		    "(see ecoplan-datasets(1)).");
	}
	return 0;
}

static cJSON *
describe(const struct model_data *d, const struct model_split *sp)
{
	cJSON *o = cJSON_CreateObject(), *s;
	double density = d->n_users && d->n_items ? (double)d->n_inter /
	    ((double)d->n_users * (double)d->n_items) : 0;

	cJSON_AddStringToObject(o, "name", d->name);
	cJSON_AddStringToObject(o, "source", d->source);
	cJSON_AddStringToObject(o, "format", d->format);
	cJSON_AddNumberToObject(o, "users", d->n_users);
	cJSON_AddNumberToObject(o, "items", d->n_items);
	cJSON_AddNumberToObject(o, "interactions", (double)d->n_inter);
	cJSON_AddNumberToObject(o, "rows", (double)d->n_rows);
	cJSON_AddNumberToObject(o, "duplicates_dropped", (double)d->n_dup);
	cJSON_AddNumberToObject(o, "density", density);
	cJSON_AddNumberToObject(o, "popularity_gini", model_data_gini(d));
	cJSON_AddBoolToObject(o, "timestamps", d->ts != NULL);
	cJSON_AddStringToObject(o, "sha256", d->sha256);
	s = cJSON_AddObjectToObject(o, "split");
	cJSON_AddStringToObject(s, "procedure", sp->desc);
	cJSON_AddNumberToObject(s, "train", (double)sp->part[MODEL_TRAIN].nnz);
	cJSON_AddNumberToObject(s, "valid", (double)sp->part[MODEL_VALID].nnz);
	cJSON_AddNumberToObject(s, "test", (double)sp->part[MODEL_TEST].nnz);
	return o;
}

static void
print_text(const cJSON *o)
{
	const cJSON *s = cJSON_GetObjectItem(o, "split");

#define STR(k) cJSON_GetObjectItem(o, k)->valuestring
#define NUM(k) cJSON_GetObjectItem(o, k)->valuedouble
	printf("dataset       %s\n", STR("name"));
	printf("source        %s\n", STR("source"));
	printf("format        %s\n", STR("format"));
	printf("users         %.0f\n", NUM("users"));
	printf("items         %.0f\n", NUM("items"));
	printf("interactions  %.0f (%.0f rows, %.0f repeated pairs dropped)\n",
	    NUM("interactions"), NUM("rows"), NUM("duplicates_dropped"));
	printf("density       %.4f%%\n", 100 * NUM("density"));
	printf("popularity    Gini %.4f\n", NUM("popularity_gini"));
	printf("timestamps    %s\n", cJSON_IsTrue(cJSON_GetObjectItem(o,
	    "timestamps")) ? "yes" : "no");
	printf("sha256        %s\n", STR("sha256"));
	printf("split         %s: train %.0f, valid %.0f, test %.0f\n",
	    cJSON_GetObjectItem(s, "procedure")->valuestring,
	    cJSON_GetObjectItem(s, "train")->valuedouble,
	    cJSON_GetObjectItem(s, "valid")->valuedouble,
	    cJSON_GetObjectItem(s, "test")->valuedouble);
#undef STR
#undef NUM
}

int
cmd_datasets(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "split", required_argument, NULL, 's' },
		{ "seed", required_argument, NULL, 'S' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const struct cmd_entry *self = cmd_find("datasets");
	struct model_split_spec spec = MODEL_SPLIT_SPEC_DEFAULT;
	struct ep_err err = EP_ERR_INIT;
	cJSON *arr = NULL;
	int ch, json = 0, i, status = 0;
	long seed;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			if (model_split_parse(optarg, &spec, &err) < 0)
				return cmd_usage_error(self, "--split: %s",
				    err.msg);
			break;
		case 'S':
			if (ep_parse_long(optarg, 0, 4294967295L, &seed,
			    &err) < 0)
				return cmd_usage_error(self, "--seed: %s",
				    err.msg);
			spec.seed = (uint64_t)seed;
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
		return list_builtins(json);
	if (json)
		arr = cJSON_CreateArray();
	for (i = optind; i < argc; i++) {
		struct model_data d = MODEL_DATA_INIT;
		struct model_split sp = MODEL_SPLIT_INIT;
		cJSON *o;

		if (model_data_load(argv[i], &d, &err) < 0 ||
		    model_split_make(&d, &spec, &sp, &err) < 0) {
			ep_report(&err);
			model_data_release(&d);
			status = err.code == EP_EUSAGE ? 2 : 1;
			break;
		}
		o = describe(&d, &sp);
		if (json) {
			cJSON_AddItemToArray(arr, o);
		} else {
			if (i > optind)
				putchar('\n');
			print_text(o);
			cJSON_Delete(o);
		}
		model_split_release(&sp);
		model_data_release(&d);
	}
	if (json) {
		if (status == 0) {
			char *s = cJSON_Print(arr);

			puts(s);
			free(s);
		}
		cJSON_Delete(arr);
	}
	return status;
}
