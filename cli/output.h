/*
 * Output writers for results on stdout: aligned text tables for people,
 * JSON (cJSON) for scripts.
 */
#ifndef ECOPLAN_CLI_OUTPUT_H
#define ECOPLAN_CLI_OUTPUT_H

#include <stddef.h>
#include <stdio.h>

/* A text table: columns of strings, right-aligned when numeric. */
struct cmd_table {
	size_t ncols;
	size_t nrows;		/* including the header row */
	char **cells;		/* nrows x ncols, owned */
	size_t cap;
};

#define CMD_TABLE_INIT { 0, 0, NULL, 0 }

/* Starts a table whose header row is the ncols strings given. */
void cmd_table_init(struct cmd_table *t, size_t ncols, ...);

/* Adds a row of ncols cells, each a printf format and its arguments
 * already formatted by the caller (use cmd_cell()). Takes ownership. */
void cmd_table_row(struct cmd_table *t, char **cells);

/* printf into a new cell string. */
char *cmd_cell(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints the table with columns separated by two spaces. */
void cmd_table_print(const struct cmd_table *t, FILE *f);

void cmd_table_release(struct cmd_table *t);

/* Formats x with sig significant digits, without exponent for ordinary
 * magnitudes ("0.2134", "1234.5", "3.1e-09"). */
char *cmd_num(double x, int sig);

#endif
