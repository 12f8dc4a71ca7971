/*
 * ISO 8601 timestamps in UTC, read strictly and written with gmtime_r.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ci-data/isotime.h"
#include "core/banned.h"

/* Reads exactly n digits at *p into *out and moves *p past them. */
static int
digits(const char **p, int n, int *out)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

static int
expect(const char **p, char c)
{
	if (**p != c)
		return -1;
	(*p)++;
	return 0;
}

static int
days_in_month(int year, int mon)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
		30, 31 };
	int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return mon == 2 && leap ? 29 : mdays[mon - 1];
}

int
ci_time_parse(const char *s, time_t *out, struct ep_err *err)
{
	const char *p = s;
	int y, mo, d, h, mi, sec = 0, oh = 0, om = 0, sign = 0, ret = -1;
	struct tm tm;
	time_t t;

	if (digits(&p, 4, &y) < 0 || expect(&p, '-') < 0 ||
	    digits(&p, 2, &mo) < 0 || expect(&p, '-') < 0 ||
	    digits(&p, 2, &d) < 0 || (*p != 'T' && *p != 't' && *p != ' '))
		goto out;
	p++;
	if (digits(&p, 2, &h) < 0 || expect(&p, ':') < 0 ||
	    digits(&p, 2, &mi) < 0)
		goto out;
	if (*p == ':') {
		p++;
		if (digits(&p, 2, &sec) < 0)
			goto out;
		if (*p == '.') {
			p++;
			if (!isdigit((unsigned char)*p))
				goto out;
			while (isdigit((unsigned char)*p))
				p++;
		}
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '-' ? -1 : 1;
		p++;
		if (digits(&p, 2, &oh) < 0)
			goto out;
		if (*p == ':')
			p++;
		if (digits(&p, 2, &om) < 0 || oh > 23 || om > 59)
			goto out;
	} else {
		goto out;
	}
	if (*p != '\0' || mo < 1 || mo > 12 || d < 1 ||
	    d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 60)
		goto out;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	if (t == (time_t)-1 && !(y == 1969 && mo == 12 && d == 31))
		goto out;
	/* The offset says how far local time is ahead of UTC. */
	*out = t - sign * (time_t)(oh * 3600 + om * 60);
	ret = 0;
out:
	if (ret < 0)
		ep_fail(err, EP_EPARSE, "'%.40s': not an ISO 8601 UTC time", s);
	return ret;
}

char *
ci_time_format(time_t t, enum ci_time_style style, char *buf, size_t size)
{
	struct tm tm;
	size_t n = 0;

	if (size == 0)
		return buf;
	if (gmtime_r(&t, &tm) != NULL) {
		/* Literal formats, so that the compiler checks them. */
		switch (style) {
		case CI_TIME_ISO:
			n = strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
			break;
		case CI_TIME_MINUTES:
			n = strftime(buf, size, "%Y-%m-%dT%H:%MZ", &tm);
			break;
		case CI_TIME_HUMAN:
			n = strftime(buf, size, "%Y-%m-%d %H:%M UTC", &tm);
			break;
		case CI_TIME_CLOCK:
			n = strftime(buf, size, "%H:%M", &tm);
			break;
		}
	}
	if (n == 0)
		buf[0] = '\0';
	return buf;
}

char *
ci_age_format(double secs, char *buf, size_t size)
{
	/* Clamped to a billion years, so that the conversion to long
	 * cannot overflow (a user's "--window 1e20y" comes here). */
	long s = !(secs > 0) ? 0 : secs >= 3.15576e16 ? 31557600000000000L :
	    (long)(secs + 0.5);

	if (s < 60)
		snprintf(buf, size, "%ld s", s);
	else if (s < 3600)
		snprintf(buf, size, "%ld min", s / 60);
	else if (s < 96 * 3600 && (s % 3600) / 60 != 0)
		snprintf(buf, size, "%ld h %ld min", s / 3600, (s % 3600) / 60);
	else if (s < 96 * 3600)
		snprintf(buf, size, "%ld h", s / 3600);
	else
		snprintf(buf, size, "%ld days", s / 86400);
	return buf;
}
