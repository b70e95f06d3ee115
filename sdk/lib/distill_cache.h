/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Opening a build kernel for distillation, through a per-user cache of the
 * BTF kbtf extracted from boot images and packages: decompressing a
 * vmlinuz takes seconds, and the kbtf.mk hook opens the base once per
 * module. Raw BTF, ELF vmlinux and sysfs sources are fast and not cached.
 */
#ifndef KBTF_DISTILL_CACHE_H
#define KBTF_DISTILL_CACHE_H

#include <stdbool.h>

#include "kbtf/source.h"

/*
 * kbtf_kernel_open(@source), or its cached BTF, release and config when
 * @source (same path, size, mtime, inode) was opened before. The cache is
 * $KBTF_CACHE_DIR, else ${XDG_CACHE_HOME:-~/.cache}/kbtf/base; set
 * KBTF_BASE_CACHE=0 to bypass it. @from_cache may be NULL.
 */
int kbtf_base_open(const char *source, struct kbtf_kernel **out, bool *from_cache);

#endif
