/*
 * Error values: formatting messages into struct ep_err, and the one place
 * that writes them to stderr.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "core/banned.h"

int
ep_fail(struct ep_err *err, enum ep_code code, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return -1;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	return -1;
}

int
ep_err_prefix(struct ep_err *err, const char *fmt, ...)
{
	char prefix[EP_ERR_MSG_MAX];
	size_t plen, mlen, cap = sizeof err->msg - 1;
	va_list ap;

	if (err == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof prefix, fmt, ap);
	va_end(ap);
	/* Shift the message right and put "prefix: " in front of it,
	 * cutting the end off when the whole does not fit. */
	plen = strlen(prefix) + 2;
	if (plen > cap)
		plen = cap;
	mlen = strlen(err->msg);
	if (plen + mlen > cap)
		mlen = cap - plen;
	memmove(err->msg + plen, err->msg, mlen);
	err->msg[plen + mlen] = '\0';
	memcpy(err->msg, prefix, plen >= 2 ? plen - 2 : plen);
	if (plen >= 2) {
		err->msg[plen - 2] = ':';
		err->msg[plen - 1] = ' ';
	}
	if (err->code == EP_OK)
		err->code = EP_EIO;
	return -1;
}

void
ep_err_clear(struct ep_err *err)
{
	err->code = EP_OK;
	err->msg[0] = '\0';
}

int
ep_err_status(const struct ep_err *err)
{
	return err->code == EP_EUSAGE ? 2 : 1;
}

void
ep_report(const struct ep_err *err)
{
	fprintf(stderr, "ecoplan: %s\n",
	    err->msg[0] != '\0' ? err->msg : "unknown error");
}

void
ep_error(const char *fmt, ...)
{
	va_list ap;

	fputs("ecoplan: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
ep_warn(const char *fmt, ...)
{
	va_list ap;

	fputs("ecoplan: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
