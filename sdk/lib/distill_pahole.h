/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Encoding a module's DWARF into split BTF with the installed pahole, as
 * kbuild's "BTF [M]" step does when the kernel build directory has a
 * vmlinux (Debian's 6.1 headers have none, so modules built there get no
 * BTF at all).
 */
#ifndef KBTF_DISTILL_PAHOLE_H
#define KBTF_DISTILL_PAHOLE_H

#include <stddef.h>

#include "kbtf/buf.h"

/*
 * Run "pahole -J --btf_gen_floats -j --lang_exclude=rust --btf_base BASE"
 * on a copy of @image in @tmpdir, with LLVM_OBJCOPY=objcopy, and return the
 * .BTF it produced (split BTF on top of @base_raw, a raw vmlinux BTF).
 * @pahole NULL means "pahole" from PATH. -KBTF_ETOOL when pahole fails.
 */
int kbtf_pahole_encode(const void *image, size_t size, const void *base_raw, size_t base_size,
		       const char *tmpdir, const char *pahole, struct kbtf_buf *out);

#endif
