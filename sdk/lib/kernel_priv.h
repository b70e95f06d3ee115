/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Shared between kernel.c and kernel_config.c, not part of the public API.
 */
#ifndef KBTF_KERNEL_PRIV_H
#define KBTF_KERNEL_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kbtf/source.h"

/* The largest kernel config read (real ones are ~300 KB). */
#define KBTF_KCONFIG_MAX (16u << 20)

/*
 * Read a kernel config file, gzip-compressed (/proc/config.gz) or plain,
 * into a NUL-terminated heap string. -ENOENT when it does not exist; a
 * profile's config delta (profile.h) is refused: it needs its reference.
 */
int kbtf_kconfig_read_file(const char *path, char **text, size_t *len);

/*
 * The config embedded by CONFIG_IKCONFIG ("IKCFG_ST" + gzip + "IKCFG_ED")
 * in a decompressed kernel image; -ENOENT when there is none.
 */
int kbtf_kconfig_from_image(const void *data, size_t size, char **text, size_t *len);

/* kernel_layers.c: is this .BTF archive a vmlinux BTF with split layers
 * after it? Then stack those members on k->btf (parsed from member 0). */
bool kbtf_kernel_archive_is_stack(const struct kbtf_kernel *k, const struct kbtf_archive_member *m,
				  int n);
int kbtf_kernel_stack_archive(struct kbtf_kernel *k, const struct kbtf_archive_member *m, int n);
void kbtf_kernel_layers_free(struct kbtf_kernel *k);

#endif
