/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Layout drift: what the kernel does not check. Relocation only compares
 * names, kinds and (for embedded types) sizes; a kernel struct whose
 * members moved, resized or changed type while keeping its size still
 * relocates, and the module then reads and writes the wrong bytes.
 *
 * For every kernel struct/union the module uses (from its distilled base),
 * the build-time layout (the module's layout record, or the build kernel's
 * BTF) is compared member by member with the target kernel's. Anonymous
 * struct/union members are flattened the way C names their fields; named
 * composites embedded by value in an embedded type are compared too.
 */
#ifndef KBTF_DRIFT_H
#define KBTF_DRIFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "btf_layout.h"
#include "kbtf/btf.h"
#include "relocate.h"

enum kbtf_drift_use {
	KBTF_DRIFT_BY_VALUE,   /* embedded in module memory: a change corrupts it */
	KBTF_DRIFT_BY_POINTER, /* reached through pointers only */
};

/* Bits of kbtf_member_diff.changes. */
enum {
	KBTF_DRIFT_MOVED = 1 << 0,
	KBTF_DRIFT_RESIZED = 1 << 1,
	KBTF_DRIFT_RETYPED = 1 << 2,
	KBTF_DRIFT_VANISHED = 1 << 3,
	KBTF_DRIFT_ADDED = 1 << 4,
};

struct kbtf_member_diff {
	unsigned int changes;
	/* member name; "a.b" inside anonymous members is just "b". In the
	 * BTF's strings: good while the build and target BTF are. */
	const char *path;
	uint32_t old_bit_off; /* build time (VANISHED, MOVED, ...) */
	uint32_t new_bit_off; /* target kernel */
	uint32_t old_bits;    /* size in bits */
	uint32_t new_bits;
	/*
	 * "spinlock_t", "struct list_head *", ...: in type_names. Made for
	 * types embedded by value only (the lines that name them); NULL for
	 * types reached through pointers (their summary lists paths) and for
	 * an added or a vanished member's missing side.
	 */
	char *old_type;
	char *new_type;
	char *type_names; /* owns both */
};

struct kbtf_type_drift {
	char *name; /* "struct work_struct" */
	enum kbtf_drift_use use;
	char *via; /* the embedding type for nested ones, else NULL */
	uint32_t old_size, new_size;
	struct kbtf_member_diff *diffs;
	size_t nr_diffs;
};

struct kbtf_drift_result {
	struct kbtf_type_drift *types; /* only types that changed */
	size_t nr_types;
	size_t nr_compared; /* composites compared */
	size_t nr_unknown;  /* used composites without a build-time layout */
	size_t nr_looped;   /* used composites whose members unfold without end */
};

struct kbtf_drift_input {
	/* the module's split on its distilled base, and the relocation onto
	 * the target (types that did not map are skipped) */
	const struct kbtf_btf *split;
	const struct kbtf_reloc_result *reloc;
	const struct kbtf_btf *target;
	/*
	 * Build-time layouts: the module's layout record (layout = true; stubs
	 * are skipped) or the build kernel's BTF. Must be name-indexed
	 * (kbtf_btf_index_names) before it is shared between threads.
	 */
	struct kbtf_btf *build;
	bool layout;
	/* the build side's member lists and layout digests kept across pairs
	 * (NULL: none, and no type is skipped) */
	struct kbtf_drift_cache *cache;
	/*
	 * The target kernel's layout digest (btf_layout.h) of its composite
	 * @id named @name, from its index: true with *@out, false when it has
	 * none (NULL: no index, every type compared). A type whose digest
	 * equals the build side's is skipped with all it embeds by value:
	 * drift would find nothing there (btf_layout.c).
	 */
	bool (*target_digest)(const void *ctx, const char *name, uint32_t id, uint64_t *out);
	const void *target_digest_ctx;
};

/*
 * What the build side of a comparison costs once for all the kernels a
 * module is judged on: each type's member list, flattened and sorted, and
 * its layout digest, for one build-time BTF (the first one it is used
 * with; with another it is not used). Shared between threads. NULL: out
 * of memory.
 */
struct kbtf_drift_cache;
struct kbtf_drift_cache *kbtf_drift_cache_new(void);
void kbtf_drift_cache_free(struct kbtf_drift_cache *c);

int kbtf_drift_compare(const struct kbtf_drift_input *in, struct kbtf_drift_result *out);
void kbtf_drift_result_fini(struct kbtf_drift_result *r);

/* "moved", "resized", ... for one bit; "changed" for several. */
const char *kbtf_drift_change_str(unsigned int changes);

#endif
