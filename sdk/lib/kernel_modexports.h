/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The exports of a kernel's own modules, read from the .ko files its image
 * package ships (lib/modules/REL/kernel/PATH.ko{,.xz,.zst,.gz}), for a
 * kernel that came without Module.symvers: with vmlinux's exports read
 * from the boot image (kernel_exports.h) they make the Module.symvers the
 * kernel build wrote, line for line.
 */
#ifndef KBTF_KERNEL_MODEXPORTS_H
#define KBTF_KERNEL_MODEXPORTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/*
 * The Module.symvers module column of a package member or file @path
 * ("lib/modules/REL/kernel/net/vmw_vsock/vsock.ko.xz", usr/ in front or
 * not) of kernel @rel: "net/vmw_vsock/vsock" into @out. False for anything
 * else (another release, extra/ or updates/, not a .ko).
 */
bool kbtf_modexports_intree_path(const char *path, const char *rel, char *out, size_t len);

/*
 * The exports of module @data (@size bytes, an ELF relocatable, or one
 * compressed with xz, zstd or gzip) as Module.symvers lines ("0xCRC\tNAME\t
 * @modpath\tEXPORT_SYMBOL[_GPL]\tNAMESPACE") onto @out, their number added
 * to *@nr. Read the way the module loader will see them once relocated:
 * each __ksymtab entry's name and namespace fields point into
 * __ksymtab_strings through their relocations, __kcrctab[i] is entry i's
 * CRC. A module with no exports writes nothing; -EINVAL (with a reason)
 * when the tables do not hold together.
 */
int kbtf_modexports_read(const void *data, size_t size, const char *modpath, FILE *out, size_t *nr);

struct modexports_pool;

/*
 * The in-tree modules' exports of one kernel, collected one module at a
 * time: the caller hands over each module's (compressed) bytes as the
 * package streams by, worker threads decompress and read them, and the
 * lines come out in the order the modules were given.
 */
struct kbtf_modexports {
	const char *release;
	char *text; /* Module.symvers lines, heap (after finish) */
	size_t len;
	size_t nr_exports, nr_modules;
	struct modexports_pool *pool;
};

/* @jobs worker threads (0: one per online CPU, at most 8). */
int kbtf_modexports_init(struct kbtf_modexports *c, const char *release, unsigned int jobs);
/* Member or file @path with content @data: taken when it is an in-tree module. */
int kbtf_modexports_add(struct kbtf_modexports *c, const char *path, const void *data, size_t size);
/* Every in-tree module under directory @root (lib/ and usr/lib/modules/REL/kernel). */
int kbtf_modexports_add_dir(struct kbtf_modexports *c, const char *root);
/* Wait for the workers; c->text, c->len then hold the lines; the first
 * module (in the order given) that failed, its error. */
int kbtf_modexports_finish(struct kbtf_modexports *c);
void kbtf_modexports_release(struct kbtf_modexports *c);

struct kbtf_kernel;
/*
 * @k was opened from an unpacked image alone (its symvers_path is the
 * image's export table): add the exports of the in-tree modules package
 * @pkg ships to that file (kernel.c). Nothing to do for a kernel with a
 * Module.symvers.
 */
int kbtf_kernel_module_exports(struct kbtf_kernel *k, const char *pkg);

#endif
