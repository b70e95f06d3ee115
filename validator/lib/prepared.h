/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The insides of a module and a kernel prepared for validation
 * (kbtf/validate.h has them opaque): what the judges, the matrix and
 * boot-test's prediction read. Built by vmodule.c and vkernel.c.
 */
#ifndef KBTF_PREPARED_H
#define KBTF_PREPARED_H

#include <stdbool.h>

#include "kbtf/check.h" /* enum kbtf_kernel_gen */
#include "kbtf/validate.h"
#include "module_access.h"
#include "relocate.h"
#include "symbols.h"

/* A module prepared for validation. */
struct kbtf_drift_cache;
struct kbtf_elf_memo;
struct kbtf_elf_memo *kbtf_elf_memo_new(void); /* NULL: out of memory */
void kbtf_elf_memo_free(struct kbtf_elf_memo *m);

struct kbtf_vmod {
	char *path;
	struct kbtf_module *mod;
	bool own_mod;		 /* free mod with the vmod */
	struct kbtf_btf *dist;	 /* parsed .BTF.base (distilled modules) */
	struct kbtf_btf *split;	 /* .BTF on dist */
	char *btf_error;	 /* why .BTF/.BTF.base could not be parsed */
	int blobs[2];		 /* BTF blobs in .BTF.base [0] and .BTF [1]: > 1, an archive */
	struct kbtf_btf *layout; /* the build-time layout record, if any */
	struct kbtf_drift_cache *drift_cache; /* its member lists, for every kernel */
	char *layout_error;		      /* why the module's layout record could not be read */
	struct kbtf_access *access;	      /* the build-time access record, if any */
	char *access_error;		      /* why it could not be read */
	struct kbtf_reloc_prep *reloc_prep;   /* relocation, kernel-independent part */
	struct kbtf_elf_memo *elf_memo;	      /* the loader's ELF checks by kernel (verdict.c) */
	/* the kernel's parse-time checks of .BTF.base [0] and .BTF [1], by
	 * rule generation (enum kbtf_kernel_gen): 0 or an errno, and why */
	int meta_err[KBTF_KERNEL_LAYOUT + 1][2];
	char meta_why[KBTF_KERNEL_LAYOUT + 1][2][256];
	struct kbtf_modsyms syms;
	const char *release; /* from vermagic's first word (may be NULL) */
	char *release_buf;
};

struct kbtf_pindex;
struct vkernel_lazy;

/*
 * Three-valued config facts: -1 unknown, 0 not set, 1 set.
 *
 * A kernel opened from a stored profile with a prepared index
 * (profile_index.h) is answered from the index: relocation candidates,
 * the lines of Module.symvers a module needs, config facts. Its BTF is
 * then parsed only when a judge reads it (kbtf_vkernel_btf()), and k is a
 * shell holding the source, release and machine.
 */
struct kbtf_vkernel {
	char *source;
	struct kbtf_kernel *k;
	bool own_k;
	struct kbtf_btf *btf; /* owned by k; NULL until kbtf_vkernel_btf() from an index */
	struct kbtf_pindex *ix;
	struct vkernel_lazy *lazy; /* the full kernel behind an index, opened on demand */
	uint64_t btf_hash;	   /* kbtf_kernel_btf_hash() of the kernel */
	struct kbtf_reloc_target *target;
	struct kbtf_symvers *symvers; /* NULL: no export list known */
	char *symvers_from;
	/* the export list is vmlinux's alone, read from the boot image (no
	 * Module.symvers): a symbol not in it may be an in-tree module's */
	bool exports_vmlinux_only;
	/* ... the image's and the in-tree modules' .ko files': complete, derived */
	bool exports_derived;
	int major, minor;	     /* from the release; -1 unknown */
	size_t module_struct_size;   /* struct module in its BTF; 0 unknown */
	bool distilled_support;	     /* reads .BTF.base (>= 6.11) */
	char *distilled_support_why; /* how that was decided */
	int allow_btf_mismatch;
	int btf_modules; /* DEBUG_INFO_BTF_MODULES */
	int modversions;
	int force_load;
	int allow_missing_ns;
	int module_sig; /* MODULE_SIG: an unsigned module taints the kernel */
	/* the vermagic its modules must carry, from release and config
	 * (NULL when that cannot be known: no config, RANDSTRUCT, ...) */
	char *vermagic;
};

/*
 * The kernel's parsed BTF stack, parsed on the first call for a kernel
 * prepared from an index (thread-safe); NULL with kbtf_errstr() set when
 * it cannot be (a profile damaged or changed since its index was built).
 */
const struct kbtf_btf *kbtf_vkernel_btf(const struct kbtf_vkernel *vk);

/*
 * 0, or -EINVAL with the reason recorded when a record of a profile's BTF
 * read since it was prepared failed its check: the pair judged on it
 * cannot be trusted.
 */
int kbtf_vkernel_check(const struct kbtf_vkernel *vk);

/*
 * The layout digest (btf_layout.h) of the kernel's struct or union @id
 * named @name, from its index (@vk a struct kbtf_vkernel): false when the
 * kernel has none (no index: a BTF given as a file), the index none for
 * it, or what the lookup read is damaged (then kbtf_vkernel_check() says
 * so and the pair is not judged).
 */
bool kbtf_vkernel_layout_digest(const void *vk, const char *name, uint32_t id, uint64_t *out);

/*
 * The kernel's types named @name of @kind (any when negative), ids
 * ascending, up to @max stored; their number. From the index when there is
 * one (it holds the kinds relocation keys on and typedefs: other kinds
 * must not be asked), else kbtf_btf_find_by_name_all() on the stack.
 */
int kbtf_vkernel_find_type(const struct kbtf_vkernel *vk, const char *name, int kind, uint32_t *ids,
			   int max);

/*
 * Would judging @m on @k read the kernel's BTF beyond what the index
 * answers (drift, a module without .BTF.base, a kernel that does not read
 * .BTF.base)? kbtf_validate_pair() parses it first when so, so a damaged
 * profile stops the pair with one line instead of a half-judged verdict.
 */
bool kbtf_vkernel_needs_btf(const struct kbtf_vmod *m, const struct kbtf_vkernel *k,
			    const struct kbtf_validate_opts *o);

#endif
