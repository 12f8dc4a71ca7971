/*
 * cJSON helpers for the ci-data parsers: strict whole-body parsing with
 * the error position, typed field access and API error extraction.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ci-data/json.h"
#include "ci-data/value.h"
#include "core/banned.h"

/*
 * Does body stop in the middle of a value: inside a string, or with an
 * object or array left open? That is how a cut transfer looks.
 */
static int
cut_short(const char *body, size_t len)
{
	size_t i, depth = 0;
	int in_str = 0;

	for (i = 0; i < len; i++) {
		if (in_str) {
			if (body[i] == '\\')
				i++;
			else if (body[i] == '"')
				in_str = 0;
		} else if (body[i] == '"') {
			in_str = 1;
		} else if (body[i] == '{' || body[i] == '[') {
			depth++;
		} else if ((body[i] == '}' || body[i] == ']') && depth > 0) {
			depth--;
		}
	}
	return in_str || depth > 0;
}

int
ci_json_parse(const char *body, size_t len, cJSON **root,
    struct ep_err *err)
{
	const char *end = NULL;
	size_t i;

	*root = NULL;
	for (i = 0; i < len && (body[i] == ' ' || body[i] == '\t' ||
	    body[i] == '\r' || body[i] == '\n'); i++)
		;
	if (i == len)
		return ep_fail(err, EP_EPARSE, "empty response");
	if (memchr(body, '\0', len) != NULL)
		return ep_fail(err, EP_EPARSE, "invalid JSON: NUL byte at byte "
		    "%zu", (size_t)((const char *)memchr(body, '\0', len) -
		    body));
	/* The length includes the NUL so that cJSON can check that
	 * nothing but white space follows the value. */
	*root = cJSON_ParseWithLengthOpts(body, len + 1, &end, 1);
	if (*root == NULL) {
		size_t at = end != NULL && end >= body ? (size_t)(end - body) :
		    0;

		return ep_fail(err, EP_EPARSE, "invalid JSON at byte %zu%s", at,
		    cut_short(body, len) ? " (the body ends too soon)" : "");
	}
	return 0;
}

int
ci_json_number(const cJSON *obj, const char *key, double *out)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (it == NULL || cJSON_IsNull(it))
		return 0;
	if (!cJSON_IsNumber(it) || !isfinite(it->valuedouble))
		return -1;
	*out = it->valuedouble;
	return 1;
}

const char *
ci_json_string(const cJSON *obj, const char *key)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(it) ? it->valuestring : NULL;
}

void
ci_json_api_error(const char *body, size_t len, char *buf, size_t size)
{
	const cJSON *e;
	const char *what = NULL, *msg = NULL;
	char tmp[EP_ERR_MSG_MAX];
	cJSON *root = NULL;

	if (size == 0)
		return;
	buf[0] = '\0';
	if (body == NULL || ci_json_parse(body, len, &root, NULL) < 0 ||
	    !cJSON_IsObject(root))
		goto out;
	e = cJSON_GetObjectItemCaseSensitive(root, "error");
	if (cJSON_IsString(e))
		what = e->valuestring;
	else if (cJSON_IsObject(e))
		msg = ci_json_string(e, "message");
	if (msg == NULL)
		msg = ci_json_string(root, "message");
	if (what != NULL && msg != NULL)
		snprintf(tmp, sizeof tmp, "%s: %s", what, msg);
	else if (what != NULL || msg != NULL)
		snprintf(tmp, sizeof tmp, "%s", what != NULL ? what : msg);
	else
		goto out;
	ci_text_clean(buf, size, tmp);
out:
	cJSON_Delete(root);
}

int
ci_json_fetch(const struct ci_http_req *req, const struct ci_http_opts *o,
    const char *const *secrets, struct ci_http_resp *resp,
    struct ep_err *err)
{
	char why[160];
	size_t i, n;

	if (ci_http_get(req, o, resp, err) == 0)
		return 0;
	if (err == NULL)
		return -1;
	if (resp->status >= 400) {
		ci_json_api_error(resp->body, resp->len, why, sizeof why);
		n = strlen(err->msg);
		if (why[0] != '\0' && n < sizeof err->msg)
			snprintf(err->msg + n, sizeof err->msg - n, ": %s",
			    why);
	}
	for (i = 0; secrets != NULL && secrets[i] != NULL; i++)
		ci_text_redact(err->msg, sizeof err->msg, secrets[i]);
	return -1;
}
