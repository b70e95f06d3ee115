/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Putting a natively distilled module's split BTF back onto the full BTF
 * of its build kernel, for `kbtf distill --redistill` (distill_redistill.c
 * says how).
 */
#ifndef KBTF_DISTILL_REDISTILL_H
#define KBTF_DISTILL_REDISTILL_H

#include <stdint.h>

#include "kbtf/btf.h"
#include "kbtf/buf.h"

/*
 * @split parsed on @dist (the module's .BTF on its .BTF.base): write into
 * @out a raw split BTF on @full (the build kernel's BTF, named @kernel in
 * messages) with the same module types, every .BTF.base type replaced by
 * its build-kernel type and every split copy of a build-kernel type folded
 * onto it (@folded counts those). -EINVAL, naming the type, when a
 * .BTF.base type is not in @full.
 */
int kbtf_redistill_split(const struct kbtf_btf *dist, const struct kbtf_btf *split,
			 struct kbtf_btf *full, const char *kernel, struct kbtf_buf *out,
			 uint32_t *folded);

#endif
