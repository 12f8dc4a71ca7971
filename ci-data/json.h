/*
 * cJSON helpers shared by the parsers of ci-data (internal to ci-data:
 * cJSON values never leave it). Bodies come from the network, so every
 * accessor checks types and finiteness.
 */
#ifndef ECOPLAN_CI_DATA_JSON_H
#define ECOPLAN_CI_DATA_JSON_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "ci-data/http.h"
#include "core/err.h"

/*
 * Parses body (len bytes, with body[len] == '\0') as one JSON value
 * with nothing after it. On failure returns -1 with EP_EPARSE, "invalid
 * JSON at byte N" (or "empty response"). Free *root with cJSON_Delete().
 */
int ci_json_parse(const char *body, size_t len, cJSON **root,
    struct ep_err *err);

/*
 * Reads obj.key as a finite number: returns 1 and sets *out, 0 when the
 * key is missing or null, -1 when it is something else.
 */
int ci_json_number(const cJSON *obj, const char *key, double *out);

/* obj.key when it is a string, else NULL. Borrowed from obj. */
const char *ci_json_string(const cJSON *obj, const char *key);

/*
 * The reason an API gives in an error body, cleaned for a message (at
 * most size - 1 printable characters): {"error":"..."},
 * {"error":{"message":"..."}}, {"message":"..."} or both of the first
 * and last ("error: message"). "" when the body says nothing usable.
 */
void ci_json_api_error(const char *body, size_t len, char *buf, size_t size);

/*
 * ci_http_get(), and on failure the API's reason from an error body
 * added to the message ("HTTP 401 Unauthorized: Invalid auth-token").
 * Every string of the NULL-terminated list secrets (may be NULL) is
 * then masked in the message, in case a server echoed one.
 */
int ci_json_fetch(const struct ci_http_req *req,
    const struct ci_http_opts *o, const char *const *secrets,
    struct ci_http_resp *resp, struct ep_err *err);

#endif
