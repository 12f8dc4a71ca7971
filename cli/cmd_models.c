/*
 * ecoplan models: the models ecoplan can train and profile, with their
 * hyperparameters and defaults.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "cli/cmd.h"
#include "cli/output.h"
#include "models/model.h"
#include "core/banned.h"

static const char *
kind(const struct model_ops *ops)
{
	return ops->sampling == MODEL_SAMPLE_NONE ? "traditional" : "trained";
}

int
cmd_models(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const struct cmd_entry *self = cmd_find("models");
	struct cmd_table t = CMD_TABLE_INIT;
	cJSON *arr = NULL;
	int ch, json = 0;
	size_t i, k;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (ch) {
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
	if (optind < argc)
		return cmd_usage_error(self, "unexpected argument '%s'",
		    argv[optind]);
	if (json)
		arr = cJSON_CreateArray();
	else
		cmd_table_init(&t, 4, "model", "kind", "hyperparameters",
		    "description");
	for (i = 0; i < model_count(); i++) {
		const struct model_ops *ops = model_at(i);
		struct model_hp hp;
		char buf[64], params[512] = "";
		size_t len = 0, own = 0;
		cJSON *o = NULL, *p = NULL;

		model_hp_defaults(ops, &hp);
		while (ops->params[own].key != NULL)
			own++;
		if (json) {
			o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "name", ops->name);
			cJSON_AddStringToObject(o, "title", ops->title);
			cJSON_AddStringToObject(o, "kind", kind(ops));
			cJSON_AddStringToObject(o, "description", ops->summary);
			p = cJSON_AddObjectToObject(o, "defaults");
		}
		for (k = 0; k < hp.n; k++) {
			model_hp_format(&hp, k, buf, sizeof buf);
			if (json) {
				if (hp.p[k]->type == MODEL_PARAM_CHOICE)
					cJSON_AddStringToObject(p, hp.p[k]->key,
					    buf);
				else
					cJSON_AddNumberToObject(p, hp.p[k]->key,
					    hp.v[k]);
			} else if (k < own && len + 1 < sizeof params) {
				int n = snprintf(params + len,
				    sizeof params - len, "%s%s=%s", k ? " " : "",
				    hp.p[k]->key, buf);

				if (n > 0)
					len += (size_t)n;
			}
		}
		if (json) {
			cJSON_AddItemToArray(arr, o);
		} else {
			char *row[4] = { cmd_cell("%s", ops->name),
				cmd_cell("%s", kind(ops)), cmd_cell("%s", params),
				cmd_cell("%s", ops->summary) };

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
		fputs("\nTrained models also take learning_rate=0.001 "
		    "train_batch_size=2048 optimizer=adam\nstopping_step=10 "
		    "epochs=300; every model takes seed=2020. Set any with "
		    "--set key=value.\n", stdout);
	}
	return 0;
}
