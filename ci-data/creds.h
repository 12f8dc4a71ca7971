/*
 * Secrets for the live sources (the Electricity Maps token, the
 * WattTime account): from an environment variable, or else from the
 * credentials file $XDG_CONFIG_HOME/ecoplan/credentials, which holds
 * "key = value" lines and '#' comments and is refused unless only its
 * owner can read it (mode 0600 or stricter). Secrets never appear in a
 * message: errors name the variable, the file and the line, never the
 * value.
 */
#ifndef ECOPLAN_CI_DATA_CREDS_H
#define ECOPLAN_CI_DATA_CREDS_H

#include "core/err.h"

/* What a secret may contain. */
enum ci_secret_kind {
	CI_SECRET_TOKEN,	/* printable ASCII without spaces (a header) */
	CI_SECRET_TEXT		/* anything but control characters */
};

/*
 * Looks up a secret: $env when set and not empty, else key in the
 * credentials file. Returns 1 with *out set (owned; free it with
 * ci_secret_free()), 0 when neither has it, -1 with err set: EP_EIO
 * when the file cannot be read or is refused (not ours, or open to
 * others: the message says how to fix it), EP_EPARSE when it is
 * malformed or the secret in it holds characters kind forbids, EP_EUSAGE
 * when the variable's value does.
 */
int ci_secret_get(const char *env, const char *key, enum ci_secret_kind kind,
    char **out, struct ep_err *err);

/* Wipes and frees a secret; safe on NULL. */
void ci_secret_free(char *s);

/* The credentials file's path (caller frees), or NULL with err set. */
char *ci_creds_path(struct ep_err *err);

#endif
