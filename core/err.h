/*
 * Error values shared by every module. Library code never prints or
 * exits: it fills a caller-provided struct ep_err and returns -1 (or
 * NULL). Only cli/ reports, through ep_report(), as "ecoplan: what: why".
 */
#ifndef ECOPLAN_CORE_ERR_H
#define ECOPLAN_CORE_ERR_H

enum ep_code {
	EP_OK,
	EP_EUSAGE,	/* bad command line: exit status 2 */
	EP_EIO,		/* file or device could not be read or written */
	EP_EPARSE,	/* malformed input */
	EP_ENET,	/* network failure */
	EP_ERANGE,	/* value outside its allowed range */
	EP_ENOMEM,	/* resource limit (memory, size cap) */
	EP_ENOTFOUND	/* named thing does not exist */
};

#define EP_ERR_MSG_MAX 512

struct ep_err {
	enum ep_code code;
	char msg[EP_ERR_MSG_MAX];
};

#define EP_ERR_INIT { EP_OK, "" }

/*
 * Records code and the formatted message in err (which may be NULL).
 * Always returns -1, so that "return ep_fail(err, ...);" works.
 */
int ep_fail(struct ep_err *err, enum ep_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Puts "prefix: " in front of the message already in err, for adding
 * context (a file name, an option) as an error travels up. Returns -1.
 */
int ep_err_prefix(struct ep_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Clears err back to EP_ERR_INIT. */
void ep_err_clear(struct ep_err *err);

/* Exit status for an error: 2 for EP_EUSAGE, 1 for everything else. */
int ep_err_status(const struct ep_err *err);

/* Prints "ecoplan: MSG" on stderr. For cli/ only. */
void ep_report(const struct ep_err *err);

/* Prints "ecoplan: FMT..." on stderr. For cli/ only. */
void ep_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints "ecoplan: warning: FMT..." on stderr. For cli/ only. */
void ep_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
