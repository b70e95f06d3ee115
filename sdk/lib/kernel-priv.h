/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Shared between kernel.c and kconfig.c, not part of the public API.
 */
#ifndef KBTF_KERNEL_PRIV_H
#define KBTF_KERNEL_PRIV_H

#include <stddef.h>

/*
 * Read a kernel config file, gzip-compressed (/proc/config.gz) or plain,
 * into a NUL-terminated heap string. -ENOENT when it does not exist.
 */
int kbtf_kconfig_read_file(const char *path, char **text, size_t *len);

/*
 * The config embedded by CONFIG_IKCONFIG ("IKCFG_ST" + gzip + "IKCFG_ED")
 * in a decompressed kernel image; -ENOENT when there is none.
 */
int kbtf_kconfig_from_image(const void *data, size_t size, char **text, size_t *len);

#endif
