/*
 * ecoplan profiles: lists, shows and removes the profiles stored on this
 * machine.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "cli/output.h"
#include "core/err.h"
#include "core/fsutil.h"
#include "core/mem.h"
#include "profiles/profile.h"
#include "profiles/store.h"
#include "core/banned.h"

static int
list(int json)
{
	struct ep_err err = EP_ERR_INIT;
	struct prof_entry *l;
	struct cmd_table t = CMD_TABLE_INIT;
	size_t n, i;

	if (prof_store_list(&l, &n, &err) < 0) {
		ep_report(&err);
		return 1;
	}
	if (json) {
		fputs("[", stdout);
		for (i = 0; i < n; i++) {
			char *s;

			if (!l[i].ok)
				continue;
			s = prof_profile_to_json(&l[i].p);
			printf("%s%s", i ? ",\n" : "\n", s);
			free(s);
		}
		fputs("\n]\n", stdout);
		free(l);
		return 0;
	}
	cmd_table_init(&t, 8, "name", "model", "dataset", "created", "meter",
	    "train kWh/epoch", "J/request", "NDCG@10");
	for (i = 0; i < n; i++) {
		const struct prof_profile *p = &l[i].p;
		char *row[8];

		row[0] = cmd_cell("%s", l[i].name);
		if (!l[i].ok) {
			size_t k;

			row[1] = cmd_cell("unreadable: %s", l[i].err);
			for (k = 2; k < 8; k++)
				row[k] = ep_xstrdup("");
			cmd_table_row(&t, row);
			continue;
		}
		row[1] = cmd_cell("%s", p->model);
		row[2] = cmd_cell("%s", p->dataset);
		row[3] = cmd_cell("%s", p->created);
		row[4] = cmd_cell("%s%s", p->meter, p->estimated ? "*" : "");
		row[5] = p->has_training ? cmd_num(p->epoch_train.kwh, 3) :
		    ep_xstrdup("-");
		row[6] = p->has_inference ? cmd_num(p->batches[0].kwh_per_query *
		    3.6e6 / p->users_per_query, 3) : ep_xstrdup("-");
		row[7] = cmd_num(prof_profile_metric(p, "ndcg@10"), 4);
		cmd_table_row(&t, row);
	}
	if (n == 0)
		puts("no profiles on this machine yet; make some with "
		    "'ecoplan profile'");
	else {
		cmd_table_print(&t, stdout);
		puts("(* estimated meter; J/request at the smallest batch)");
	}
	cmd_table_release(&t);
	free(l);
	return 0;
}

static int
show(const char *name)
{
	struct ep_err err = EP_ERR_INIT;
	struct prof_entry *l;
	size_t n, i, len = strlen(name);
	int found = 0;

	if (prof_store_list(&l, &n, &err) < 0) {
		ep_report(&err);
		return 1;
	}
	if (len > 5 && strcmp(name + len - 5, ".json") == 0)
		len -= 5;
	for (i = 0; i < n; i++) {
		char *buf;
		size_t blen;

		if (!(strlen(l[i].name) == len &&
		    strncmp(l[i].name, name, len) == 0) &&
		    !(l[i].ok && strcmp(l[i].p.model, name) == 0))
			continue;
		if (ep_read_file(l[i].path, (size_t)4 << 20, &buf, &blen,
		    &err) < 0) {
			ep_report(&err);
			free(l);
			return 1;
		}
		fwrite(buf, 1, blen, stdout);
		if (blen > 0 && buf[blen - 1] != '\n')
			putchar('\n');
		free(buf);
		found++;
	}
	free(l);
	if (!found) {
		ep_error("%s: no such profile (see 'ecoplan profiles list')",
		    name);
		return 1;
	}
	return 0;
}

int
cmd_profiles(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const struct cmd_entry *self = cmd_find("profiles");
	struct ep_err err = EP_ERR_INIT;
	const char *verb;
	int ch, json = 0;
	size_t removed;

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
	verb = optind < argc ? argv[optind++] : "list";
	if (strcmp(verb, "list") == 0) {
		if (optind != argc)
			return cmd_usage_error(self, "list takes no arguments");
		return list(json);
	}
	if (strcmp(verb, "show") == 0 || strcmp(verb, "rm") == 0) {
		if (optind + 1 != argc)
			return cmd_usage_error(self, "%s needs one profile name",
			    verb);
		if (strcmp(verb, "show") == 0)
			return show(argv[optind]);
		if (prof_store_remove(argv[optind], &removed, &err) < 0) {
			ep_report(&err);
			return 1;
		}
		printf("removed %zu profile%s\n", removed, removed == 1 ? "" :
		    "s");
		return 0;
	}
	return cmd_usage_error(self, "'%s': unknown verb (expected list, show "
	    "or rm)", verb);
}
