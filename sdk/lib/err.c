// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Per-thread "why did it fail" line behind kbtf_err(); see kbtf/err.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kbtf/err.h"

#define KBTF_ERR_MAX 1024

static _Thread_local char errbuf[KBTF_ERR_MAX];

int kbtf_verr(int err, const char *fmt, va_list ap)
{
	vsnprintf(errbuf, sizeof(errbuf), fmt, ap);
	return err;
}

int kbtf_err(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kbtf_verr(err, fmt, ap);
	va_end(ap);
	return err;
}

int kbtf_err_nomem(void)
{
	return kbtf_err(-ENOMEM, "out of memory");
}

int kbtf_err_prefix(int err, const char *fmt, ...)
{
	char old[KBTF_ERR_MAX];
	size_t used;
	va_list ap;
	int n;

	memcpy(old, errbuf, sizeof(old));
	va_start(ap, fmt);
	n = vsnprintf(errbuf, sizeof(errbuf), fmt, ap);
	va_end(ap);
	used = n < 0 ? 0 : (size_t)n;
	if (used + 2 < sizeof(errbuf)) {
		memcpy(errbuf + used, ": ", 3);
		used += 2;
		strncat(errbuf + used, old, sizeof(errbuf) - used - 1);
	}
	return err;
}

const char *kbtf_errstr(void)
{
	return errbuf;
}

void kbtf_err_clear(void)
{
	errbuf[0] = '\0';
}

const char *kbtf_strerror(int err)
{
	if (err < 0)
		err = -err;
	if (err == KBTF_ETOOL)
		return "external tool failed";
	return strerror(err);
}
