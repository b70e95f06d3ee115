/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The kernel's own parse-time rules for vmlinux and module BTF
 * (btf_parse_base / btf_parse_module: header, string section, per-type
 * meta checks, type-tag chains). Stricter than libbpf's, which kbtf_btf_parse
 * already applies. A module whose BTF fails these is loaded without BTF (or
 * refused), so the distiller checks its output and the validator checks
 * what a kernel would see.
 */
#ifndef KBTF_CHECK_H
#define KBTF_CHECK_H

#include "kbtf/api.h"
#include "kbtf/btf.h"

/* Rule generations: which release brought which parse-time rules. */
enum kbtf_kernel_gen {
	KBTF_KERNEL_6_1,    /* kinds up to ENUM64; no .BTF.base (before 6.11) */
	KBTF_KERNEL_6_12,   /* + distilled base and relocation (6.11 .. 6.13) */
	KBTF_KERNEL_6_14,   /* + kflag on TYPE_TAG/DECL_TAG ("attribute" tags) */
	KBTF_KERNEL_LAYOUT, /* newest (7.1+): + the 32-byte kind-layout header */
};

/*
 * The rule generation of a kernel release string ("6.12.113+deb12-amd64").
 * Unparsable strings give the newest generation.
 */
KBTF_API enum kbtf_kernel_gen kbtf_kernel_gen_of_release(const char *release);

/*
 * Apply the kernel's meta checks to @btf (this object's own types and
 * header; the base is assumed already accepted). 0 if the kernel would
 * accept it, else a negative errno with the kernel's reason, naming the
 * type id, e.g. "type [112690] STRUCT 'x': Invalid name".
 */
KBTF_API int kbtf_check_kernel(const struct kbtf_btf *btf, enum kbtf_kernel_gen gen);

#endif
