/*
 * The overview printed by "ecoplan --help" and "ecoplan help", and the
 * unknown-command error, shared by main.c and cmd_help.c.
 */
#ifndef ECOPLAN_CLI_OVERVIEW_H
#define ECOPLAN_CLI_OVERVIEW_H

#include <stdio.h>

/* Prints the usage line and the list of subcommands on f. */
void cmd_overview(FILE *f);

/*
 * Reports "ecoplan: NAME: unknown command", with the closest command
 * name when one is near. Returns 2.
 */
int cmd_unknown(const char *name);

/* Prints the version and the attribution of every compiled-in data file. */
void cmd_version(FILE *f);

#endif
