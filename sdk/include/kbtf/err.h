/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One error convention for all of libkbtf: a function that fails returns a
 * negative errno and leaves one line in a per-thread buffer saying why.
 * Commands print "kbtf: <file>: <that line>". The buffer is per thread so
 * the validator's worker threads do not trample each other's messages.
 */
#ifndef KBTF_ERR_H
#define KBTF_ERR_H

#include <stdarg.h>

#include "kbtf/api.h"

#if defined(__GNUC__)
#define KBTF_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define KBTF_PRINTF(a, b)
#endif

/*
 * kbtf's own error numbers, returned negated like an errno. They lie above
 * the errno range (the kernel's MAX_ERRNO is 4095), so no errno a system
 * call reports (a genuine ECHILD from waitpid, say) is taken for one.
 */
#define KBTF_ERRNO_BASE 4096
/* An external tool kbtf ran (make, pahole, sign-file, apt-get, strip) failed or could not start. */
#define KBTF_ETOOL (KBTF_ERRNO_BASE + 1)

/*
 * Record why the current operation failed and return @err (a negative
 * errno, passed through unchanged so callers can "return kbtf_err(...)").
 */
KBTF_API int kbtf_err(int err, const char *fmt, ...) KBTF_PRINTF(2, 3);
KBTF_API int kbtf_verr(int err, const char *fmt, va_list ap) KBTF_PRINTF(2, 0);

/* kbtf_err_nomem(): the one wording for a failed allocation. */
KBTF_API int kbtf_err_nomem(void);

/* Prefix the current message with "<prefix>: " (adds context on the way up). */
KBTF_API int kbtf_err_prefix(int err, const char *fmt, ...) KBTF_PRINTF(2, 3);

/* The last message recorded on this thread ("" if none). */
KBTF_API const char *kbtf_errstr(void);

KBTF_API void kbtf_err_clear(void);

/*
 * What the error number @err means, without the detail kbtf_errstr() has:
 * strerror() for an errno, kbtf's own text for KBTF_ETOOL. Either sign.
 */
KBTF_API const char *kbtf_strerror(int err);

#endif
