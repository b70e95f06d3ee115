/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Distillation: turn a module's split BTF (built against a full vmlinux BTF)
 * into a distilled base (.BTF.base) plus a new split (.BTF) on top of it,
 * the way libbpf's btf__distill_base does, so the kernel (>= 6.11) can
 * relocate the module's BTF onto whatever vmlinux it runs.
 *
 * Also the build-time layout record: a third, non-ALLOC ELF section that
 * keeps the full member lists of the vmlinux composites a module uses, so a
 * validator can later detect layout drift from the .ko alone.
 */
#ifndef KBTF_DISTILL_H
#define KBTF_DISTILL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kbtf/api.h"
#include "kbtf/btf.h"
#include "kbtf/buf.h"
#include "kbtf/source.h"

/* A warning the distiller wants shown; it does not stop the job. */
typedef void (*kbtf_warn_fn)(void *ctx, const char *msg);

struct kbtf_distill_opts {
	/*
	 * Base ids kept in the distilled base as if a split type referred to
	 * them (kbtf uses this for types named only by BTF_ID() in .BTF_ids).
	 * NULL/0 gives exactly libbpf's result.
	 */
	const uint32_t *extra_roots;
	size_t nr_extra_roots;
	/* Warnings (ambiguous names in the base, ...); NULL drops them. */
	kbtf_warn_fn warn;
	void *warn_ctx;
	/* Skip the kernel parse-time checks of the output (tests only). */
	bool no_check;
};

struct kbtf_distill_result {
	struct kbtf_buf base;  /* raw .BTF.base, 24-byte header, source byte order */
	struct kbtf_buf split; /* raw .BTF on top of it */
	/* Both parsed back (they point into base/split; free with the result). */
	struct kbtf_btf *base_btf;
	struct kbtf_btf *split_btf;
	/*
	 * Old id -> new id, for every id of the source (base and split);
	 * 0 for base types the module does not need. id_map_len is the
	 * source's type_cnt.
	 */
	uint32_t *id_map;
	uint32_t id_map_len;
	uint32_t nr_base_types;	 /* in the new base, VOID excluded */
	uint32_t nr_split_types; /* in the new split */
	uint32_t nr_copied;	 /* of those, base types copied into the split */
	uint32_t nr_warnings;
};

/*
 * Distill @src, a split BTF whose base is the full kernel BTF it was built
 * against. Refuses (-EINVAL, libbpf's reason) a non-split input and split
 * references to base FUNC, VAR, DATASEC or DECL_TAG types. The output is
 * checked against the kernel's parse-time rules before it is returned.
 */
KBTF_API int kbtf_distill(const struct kbtf_btf *src, const struct kbtf_distill_opts *opts,
			  struct kbtf_distill_result *out);
KBTF_API void kbtf_distill_result_release(struct kbtf_distill_result *r);

/* ------------------------------------------------------ whole modules */

/* Which BTF a module gets. */
enum kbtf_btf_form {
	/*
	 * What the kernel the module was built for reads (its generation,
	 * kbtf_kernel_gen_of_release() in kbtf/check.h): plain split before
	 * 6.11, which ignores .BTF.base; distilled from 6.11 on, and when the
	 * release is unknown.
	 */
	KBTF_FORM_AUTO,
	/* .BTF.base + a split .BTF on it, relocated by kernels >= 6.11 */
	KBTF_FORM_DISTILLED,
	/*
	 * Plain split .BTF on the full base (no .BTF.base, no layout record):
	 * what kbuild writes when its headers carry a vmlinux, for kernels
	 * before 6.11, which read .BTF on their own vmlinux. Valid on that
	 * kernel build only.
	 */
	KBTF_FORM_PLAIN,
};

/*
 * Settle @asked (KBTF_FORM_AUTO: by @release, the kernel the module was
 * built for; NULL when unknown) into KBTF_FORM_DISTILLED or
 * KBTF_FORM_PLAIN, and say what and why in @why, e.g. "plain split .BTF on
 * 6.1.0-56-amd64's full BTF (kernels before 6.11 ignore .BTF.base)".
 */
KBTF_API enum kbtf_btf_form kbtf_distill_pick_form(enum kbtf_btf_form asked, const char *release,
						   char *why, size_t len);

/* Who wrote a module's .BTF.base (kbtf marks its own). */
enum kbtf_base_origin {
	KBTF_BASE_NONE,		 /* no .BTF.base */
	KBTF_BASE_KBTF,		 /* kbtf distill / build / the DKMS hook */
	KBTF_BASE_NATIVE_PAHOLE, /* kbuild 6.11+: pahole distilled_base (or libbpf) */
	KBTF_BASE_NATIVE_BTFIDS, /* kbuild 7.x: resolve_btfids --distill_base */
};

struct kbtf_distill_module_opts {
	/* The kernel the module was built against (its full vmlinux BTF). */
	struct kbtf_kernel *base;
	/* Where to write (NULL: replace the module in place). */
	const char *out;
	/* Re-sign with these (both or neither); sign_tool NULL: look it up. */
	const char *sign_key;
	const char *sign_cert;
	const char *sign_tool;
	const char *sign_hash; /* NULL: CONFIG_MODULE_SIG_HASH, else sha256 */
	/* Kernel build directory, to find sign-file and the signing hash. */
	const char *kdir;
	/* Distill even though the module says it was built for another release. */
	bool force;
	/* Leave out the layout record section. */
	bool no_layout;
	/* Which BTF to write; 0 (KBTF_FORM_AUTO) picks by the module's release. */
	enum kbtf_btf_form form;
	/*
	 * A module kbuild distilled natively (pahole's distilled_base,
	 * resolve_btfids --distill_base) is kept as it is unless this is
	 * set: then its split is put back onto @base (the kernel it was
	 * built for) and distilled again by kbtf, to a minimal base.
	 */
	bool redistill;
	/* pahole to encode DWARF-only modules with (NULL: "pahole"). */
	const char *pahole;
	/* Warnings and progress notes (NULL: dropped). */
	kbtf_warn_fn warn;
	kbtf_warn_fn note;
	void *log_ctx;
};

struct kbtf_distill_module_report {
	bool already; /* it had .BTF.base already: nothing changed */
	bool plain;   /* .BTF on the full base, no .BTF.base */
	/* the form written (or found), and what decided it, one line */
	enum kbtf_btf_form form;
	char form_why[256];
	bool encoded; /* pahole made its .BTF from DWARF first */
	bool resigned;
	enum kbtf_compression compression;
	uint32_t base_types, split_types, copied;
	size_t base_bytes, split_bytes, layout_bytes;
	/* the objects' access records merged into .kbtf.access (0: none) */
	size_t access_bytes, access_records;
	size_t ids_slots, ids_zero; /* .BTF_ids slots written, of which left 0 */
	uint32_t warnings;
	size_t size_before, size_after; /* file sizes */
	/* who had distilled the .BTF.base the module came with */
	enum kbtf_base_origin origin;
	bool redistilled;	    /* a native base replaced (opts->redistill) */
	uint32_t native_base_types; /* the native .BTF.base's types, VOID excluded */
	uint32_t folded;	    /* split copies of kernel types folded back */
};

/*
 * The whole job on one .ko (plain or compressed, signed or not): take its
 * split .BTF (or encode one from DWARF with pahole against @opts->base),
 * check it belongs to that base, distill, give .BTF_ids distilled-space
 * ids, add the layout record, re-sign and re-compress as it was, and
 * replace the file atomically (temporary file beside it, fsync, rename;
 * on any error the original is untouched). A module that already has
 * .BTF.base is left alone (@rep->already). Plain split (asked for, or
 * picked for a kernel before 6.11): a module with .BTF and no .BTF.base is
 * left alone, a DWARF-only one gets pahole's split .BTF on the base, and
 * one with .BTF.base is refused when plain split was asked for (left alone,
 * with a warning, when it was picked). @rep->form_why says which form and
 * why. A module kbuild distilled natively is left alone too (@rep->origin
 * says by what) unless @opts->redistill is set.
 * -KBTF_ETOOL (kbtf/err.h) when pahole or sign-file failed.
 */
KBTF_API int kbtf_distill_module(const char *path, const struct kbtf_distill_module_opts *opts,
				 struct kbtf_distill_module_report *rep);

/* ------------------------------------------------------ layout record */

/* The ELF section that holds the layout record. */
#define KBTF_LAYOUT_SECTION ".kbtf.layout"

/*
 * Build the layout record for a distillation of @src: a standalone (base)
 * BTF holding, in full, every named struct/union of the distilled base and,
 * transitively, every named struct/union embedded by value in one of those
 * (through typedefs, modifiers, arrays and anonymous members). Named
 * composites reached only through pointers or prototypes appear as
 * memberless stubs with their size; enums appear without values. Written in
 * @endian with a 24-byte header. See docs/distill.md.
 */
KBTF_API int kbtf_layout_build(const struct kbtf_btf *src, const struct kbtf_distill_result *d,
			       enum kbtf_endian endian, struct kbtf_buf *out);

/*
 * Parse a module's layout record (its KBTF_LAYOUT_SECTION) into a base BTF
 * of build-time vmlinux types. -ENOENT if the module has none. Look types
 * up by name with kbtf_btf_find_by_name(); kbtf_layout_is_full() tells a
 * full definition from a stub.
 */
KBTF_API int kbtf_layout_load(const struct kbtf_module *m, struct kbtf_btf **out);
/* Same, from the raw section bytes. */
KBTF_API int kbtf_layout_parse(const void *data, size_t size, struct kbtf_btf **out);
/* True when type @id of a layout record carries its member list. */
KBTF_API bool kbtf_layout_is_full(const struct kbtf_btf *layout, uint32_t id);

#endif
