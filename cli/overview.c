/*
 * The command overview, the unknown-command message and the version.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cmd.h"
#include "cli/overview.h"
#include "core/embed.h"
#include "core/suggest.h"
#include "core/version.h"
#include "core/banned.h"

void
cmd_overview(FILE *f)
{
	size_t i;

	fputs("usage: ecoplan [-hV] command [arg ...]\n\n"
	    "A lifecycle energy and carbon planner for recommender systems.\n"
	    "\ncommands:\n", f);
	for (i = 0; i < cmd_table_len; i++)
		fprintf(f, "  %-10s %s%s\n", cmd_table[i].name,
		    cmd_table[i].summary,
		    cmd_table[i].fn == NULL ? " (not yet built)" : "");
	fputs("\n'ecoplan help COMMAND' shows a command's manual page.\n", f);
}

int
cmd_unknown(const char *name)
{
	struct ep_suggest s;
	const char *best;
	size_t i;

	ep_suggest_init(&s, name);
	for (i = 0; i < cmd_table_len; i++)
		ep_suggest_offer(&s, cmd_table[i].name);
	if ((best = ep_suggest_best(&s)) != NULL)
		fprintf(stderr, "ecoplan: %s: unknown command; did you mean "
		    "'%s'?\n", name, best);
	else
		fprintf(stderr, "ecoplan: %s: unknown command; see 'ecoplan "
		    "--help'\n", name);
	return 2;
}

void
cmd_version(FILE *f)
{
	size_t i, n = ep_embed_count();

	fprintf(f, "ecoplan %s\n", EP_VERSION);
	fputs("\nCompiled-in data and its sources:\n", f);
	for (i = 0; i < n; i++) {
		const struct ep_blob *b = ep_embed_at(i);
		const char *slash = strrchr(b->name, '/');

		if (slash != NULL && strcmp(slash + 1, "ATTRIBUTION") == 0)
			fprintf(f, "\n%s", (const char *)b->data);
	}
}
