/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Who distilled a module's .BTF.base: kbtf (it marks its own), or the
 * kernel's build itself. kbuild distils out-of-tree modules natively from
 * Linux 6.11 on when pahole >= 1.28 is there (pahole
 * --btf_features=distilled_base, kernel commit 46fb0b62ea29), and from
 * Linux 7.x with resolve_btfids --distill_base, which also sorts the BTF by
 * name. kbtf build, kbtf distill and the DKMS hook keep a native result
 * unless asked to redistill; kbtf inspect says which it is.
 */
#ifndef KBTF_DISTILL_ORIGIN_H
#define KBTF_DISTILL_ORIGIN_H

#include <stdbool.h>
#include <stddef.h>

#include "kbtf/btf.h"
#include "kbtf/distill.h" /* enum kbtf_base_origin */
#include "kbtf/source.h"

/*
 * kbtf's mark on a module it distilled: a non-ALLOC section (the loader
 * neither copies nor checks it) holding "kbtf VERSION\n". Modules kbtf
 * distilled before the mark existed carry its layout record
 * (KBTF_LAYOUT_SECTION) unless --no-layout was given.
 */
#define KBTF_DISTILLED_SECTION ".kbtf.distilled"

/*
 * Decide from the module alone: the mark (or the layout record) says kbtf;
 * otherwise the .BTF.base is native, made by resolve_btfids when the
 * module's split .BTF is sorted by name (kbuild 7.x sorts it before it
 * distils), by pahole otherwise (pahole 1.30 and libbpf's
 * btf__distill_base() write the same base, byte for byte, and do not sort).
 * @split_sorted, when not NULL, gets whether .BTF's own named types are
 * in name order (false when .BTF does not read on .BTF.base).
 */
enum kbtf_base_origin kbtf_base_origin(const struct kbtf_module *m, bool *split_sorted);

/* "kbtf", "pahole (kbuild distilled_base)", ... */
const char *kbtf_base_origin_str(enum kbtf_base_origin o);
/* "kbtf", "pahole", "resolve_btfids", NULL for none: for JSON */
const char *kbtf_base_origin_key(enum kbtf_base_origin o);
static inline bool kbtf_base_origin_native(enum kbtf_base_origin o)
{
	return o == KBTF_BASE_NATIVE_PAHOLE || o == KBTF_BASE_NATIVE_BTFIDS;
}

/*
 * True when @btf's own types are in the order kbuild 7.x gives module and
 * vmlinux BTF so the kernel can find a type by name with a binary search:
 * anonymous types first, then the named ones in nondecreasing strcmp()
 * order (at least two of them).
 */
bool kbtf_btf_sorted_by_name(const struct kbtf_btf *btf);

#endif
