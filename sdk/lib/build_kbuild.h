/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Driving kbuild for an out-of-tree module and finding the BTF of the
 * kernel it builds against: what `kbtf build`, the kbtf.mk hook and
 * `kbtf distill` without --base share.
 */
#ifndef KBTF_BUILD_KBUILD_H
#define KBTF_BUILD_KBUILD_H

#include <stddef.h>

#include "kbtf/source.h"

/* Release of a kernel build directory (include/config/kernel.release), or NULL. */
char *kbtf_kdir_release(const char *kdir);

/* The running kernel's release (uname -r), heap string. */
char *kbtf_running_release(void);

/*
 * Open the base kernel for @release built in @kdir (either may be NULL,
 * not both), trying in order: KDIR/vmlinux; /sys/kernel/btf/vmlinux when
 * RELEASE is the running kernel; /boot/vmlinuz-RELEASE;
 * /usr/lib/debug/boot/vmlinux-RELEASE;
 * /usr/lib/debug/lib/modules/RELEASE/vmlinux. The first that opens wins;
 * @how says which ("KDIR/vmlinux: /path"). -ENOENT lists every place tried.
 */
int kbtf_find_base(const char *release, const char *kdir, struct kbtf_kernel **out, char **how);

/*
 * The modules a kbuild run in @moddir produced, from its modules.order
 * (entries "x.o" or "x.ko", absolute or relative to @moddir), as .ko paths.
 */
int kbtf_modules_order(const char *moddir, char ***kos, size_t *nr);
void kbtf_modules_free(char **v, size_t nr);

/*
 * make -C KDIR M=MODDIR [-jJOBS] modules EXTRA..., output passed through.
 * Returns make's exit status (0 ok) or a negative errno.
 */
int kbtf_kbuild_modules(const char *kdir, const char *moddir, int jobs, const char *const *extra,
			size_t nr_extra);

#endif
