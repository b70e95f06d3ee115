/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Module signatures: find the kernel's scripts/sign-file and re-sign a
 * module image after kbtf changed it (an appended signature covers every
 * byte before it, so any change invalidates it).
 */
#ifndef KBTF_MODULE_SIGN_H
#define KBTF_MODULE_SIGN_H

#include <stdbool.h>
#include <stddef.h>

#include "kbtf/buf.h"

/*
 * Path of sign-file for a kernel: @kdir/scripts/sign-file, then the
 * headers and kbuild directories of @release (/lib/modules/R/build,
 * /usr/src/linux-headers-R, /usr/lib/linux-kbuild-<version>), then any
 * installed linux-kbuild or headers package. Either argument may be NULL.
 * Returns a heap string, or NULL with kbtf_errstr() listing what was tried.
 */
char *kbtf_sign_find_tool(const char *kdir, const char *release);

/*
 * Append a signature to @image (an unsigned module ELF) with
 * "sign-file HASH KEY CERT file", working in @tmpdir; @out receives the
 * signed bytes. HASH defaults to sha256. -KBTF_ETOOL when sign-file fails.
 */
int kbtf_sign_image(const char *tool, const char *hash, const char *key, const char *cert,
		    const void *image, size_t size, const char *tmpdir, struct kbtf_buf *out);

/* True when @data ends with the "~Module signature appended~" trailer. */
bool kbtf_sign_present(const void *data, size_t size);

#endif
