/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A kernel's exports read from its image: the ELF vmlinux (the payload of
 * an x86 bzImage) keeps the sections the module loader searches,
 * __ksymtab and __ksymtab_gpl (struct kernel_symbol), __kcrctab and
 * __kcrctab_gpl (the modversions CRCs, one per entry, in the same order)
 * and __ksymtab_strings (names and namespaces). Enough to judge a
 * module's symbols when no Module.symvers came with the kernel.
 */
#ifndef KBTF_KERNEL_EXPORTS_H
#define KBTF_KERNEL_EXPORTS_H

#include <stddef.h>

#include "elf_read.h"

/*
 * The exports of ELF vmlinux @e as Module.symvers text ("0xCRC\tNAME\t
 * vmlinux\tEXPORT_SYMBOL[_GPL]\tNAMESPACE", CRC 0 without modversions)
 * into *@text (heap, NUL-terminated), their number into *@nr. -ENOENT when
 * @e has no __ksymtab; -EINVAL (with a reason) when its tables do not
 * hold together.
 */
int kbtf_kernel_exports_read(const struct kbtf_elf *e, char **text, size_t *len, size_t *nr);

#endif
