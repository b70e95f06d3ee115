/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Simulation of the kernel's btf_relocate() (>= 6.11): how a module's split
 * BTF, written against a distilled base (.BTF.base), is mapped onto a
 * running kernel's vmlinux BTF at load time.
 *
 * The simulator decides exactly what the kernel decides (same rules, same
 * order, same first failure and the same log line) but keeps going where
 * the kernel stops: every distilled type gets a status and the full list of
 * same-named kernel types with the reason each was or was not taken.
 *
 * Nothing is rewritten: the module's BTF stays read-only, so one parsed
 * module can be checked against many kernels from many threads.
 */
#ifndef KBTF_RELOCATE_H
#define KBTF_RELOCATE_H

#include <stdbool.h>
#include <stdint.h>

#include "kbtf/btf.h"

/*
 * What a kernel needs for relocation, prepared once per kernel and then
 * shared read-only between modules and threads: for every named type of a
 * kind the relocator looks at, its id and the first bytes of its name, so a
 * module's few names are found in one cache-friendly pass.
 */
struct kbtf_reloc_target;

int kbtf_reloc_target_new(const struct kbtf_btf *vmlinux, struct kbtf_reloc_target **out);
/*
 * The same answered from a profile's prepared index (profile_index.h),
 * which must outlive it: one hash lookup per name of the module instead of
 * a pass over the kernel's types. kbtf_reloc_target_btf() gives NULL.
 */
struct kbtf_pindex;
int kbtf_reloc_target_from_index(const struct kbtf_pindex *ix, struct kbtf_reloc_target **out);
void kbtf_reloc_target_free(struct kbtf_reloc_target *t);
const struct kbtf_btf *kbtf_reloc_target_btf(const struct kbtf_reloc_target *t);

/* Why one kernel type was or was not taken for a distilled type. */
enum kbtf_cand_why {
	KBTF_CAND_ACCEPTED = 0,	 /* mapped (the first one accepted) */
	KBTF_CAND_AGAIN,	 /* accepted a second time: ambiguity */
	KBTF_CAND_SIZE,		 /* the name+size key differs (INT/FLOAT/ENUM, or a
				  * struct/union whose name is not unique) */
	KBTF_CAND_KIND,		 /* kind not compatible */
	KBTF_CAND_INT_ENCODING,	 /* INT with another encoding */
	KBTF_CAND_FWD_FLAG,	 /* FWD vs FWD/STRUCT/UNION flag rule */
	KBTF_CAND_EMBEDDED_SIZE, /* the module embeds it and the size differs */
};

const char *kbtf_cand_why_str(enum kbtf_cand_why w);

struct kbtf_reloc_cand {
	uint32_t id; /* kernel type id */
	uint32_t kind;
	uint32_t size; /* size word (0 for FWD) */
	bool kflag;
	uint32_t int_enc; /* INT encoding bits (SIGNED/CHAR/BOOL) */
	bool key_sized;	  /* the kernel's key for it included the size */
	enum kbtf_cand_why why;
};

enum kbtf_reloc_status {
	KBTF_RELOC_MAPPED = 0,
	KBTF_RELOC_UNMAPPED,  /* no kernel type accepted */
	KBTF_RELOC_AMBIGUOUS, /* accepted more than once */
};

const char *kbtf_reloc_status_str(enum kbtf_reloc_status s);

/* One distilled base type and what became of it. */
struct kbtf_reloc_type {
	uint32_t id;	  /* id in the distilled base (1..nD-1) */
	const char *name; /* points into the module's BTF */
	uint32_t kind;
	uint32_t size;
	bool kflag;
	uint32_t int_enc;
	bool embedded;	      /* marked embedded in the simulated mode */
	bool embedded_fixed;  /* ... with the traversal fix 5ca681a86ef9 */
	bool embedded_prefix; /* ... without it */
	uint32_t embedded_by; /* a split type whose member embeds it (0: none) */
	enum kbtf_reloc_status status;
	uint32_t target_id;	       /* the kernel id it maps to (first accepted) */
	struct kbtf_reloc_cand *cands; /* every kernel type of the same name */
	uint32_t nr_cands;
	uint32_t nr_cands_total; /* may exceed nr_cands (capped list) */
};

/* Where the kernel's btf_relocate() stops. */
enum kbtf_reloc_stage {
	KBTF_RELOC_STAGE_OK = 0,
	KBTF_RELOC_STAGE_DISTILLED, /* step 2: distilled base not acceptable */
	KBTF_RELOC_STAGE_AMBIGUOUS, /* step 7: multiple candidates */
	KBTF_RELOC_STAGE_UNMAPPED,  /* step 8: a type not mapped */
	KBTF_RELOC_STAGE_STRING,    /* step 10: a string not mapped */
	KBTF_RELOC_STAGE_BADMAP,    /* step 7: a kernel type named "" met VOID */
	KBTF_RELOC_STAGE_LOOP,	    /* the kernel would not terminate (array loop) */
};

/* A split string offset below the distilled string length that no
 * distilled type name starts at (step 10 fails on the first). */
struct kbtf_reloc_badstr {
	uint32_t type_id; /* split type holding it */
	uint32_t off;
};

struct kbtf_reloc_result {
	int err; /* what btf_relocate() returns: 0, -EINVAL or -ENOENT */
	enum kbtf_reloc_stage stage;
	uint32_t first_bad;   /* distilled id the kernel's message names (0: none) */
	char kernel_log[512]; /* the kernel's message, no prefix, no newline */

	uint32_t nr_dist;	       /* type_cnt of the distilled base (incl. VOID) */
	uint32_t nr_split;	       /* number of split types */
	uint32_t nr_target;	       /* type_cnt of the kernel's BTF */
	struct kbtf_reloc_type *types; /* nr_dist - 1 entries, by id (types[id-1]) */
	uint32_t nr_bad;	       /* types not MAPPED */

	struct kbtf_reloc_badstr *badstrs;
	uint32_t nr_badstrs;

	/* The other embedding mode (fixed vs pre-fix) gives another outcome. */
	bool mode_sensitive;
	int other_mode_err;
};

struct kbtf_reloc_opts {
	/*
	 * Mark embedded types the way kernels 6.11-6.13 did before kernel
	 * commit 5ca681a86ef9 ("libbpf: Fix incorrect traversal end type ID
	 * when marking BTF_IS_EMBEDDED", 6.14, backported to 6.12.y and
	 * 6.13.y): only split ids [nD, nS) are scanned, so the last nD split
	 * types are skipped.
	 */
	bool pre_fix;
	/* Cap on candidates kept per distilled type (0: 16). */
	uint32_t max_cands;
};

/*
 * What does not depend on the kernel (sorting and hashing the distilled
 * base, embedded marks, string checks), prepared once per module and then
 * shared read-only. @split must outlive it.
 */
struct kbtf_reloc_prep;

int kbtf_reloc_prepare(const struct kbtf_btf *split, struct kbtf_reloc_prep **out);
void kbtf_reloc_prep_free(struct kbtf_reloc_prep *p);
int kbtf_relocate_sim_prep(const struct kbtf_reloc_prep *prep,
			   const struct kbtf_reloc_target *target,
			   const struct kbtf_reloc_opts *opts, struct kbtf_reloc_result *res);

/*
 * Simulate relocating @split (parsed on top of its distilled base) onto
 * @target. Returns 0 when the simulation ran (whatever the kernel's answer,
 * which is in @res->err), or a negative errno when it could not run (out of
 * memory, @split has no base). Free @res with kbtf_reloc_result_fini.
 */
int kbtf_relocate_sim(const struct kbtf_btf *split, const struct kbtf_reloc_target *target,
		      const struct kbtf_reloc_opts *opts, struct kbtf_reloc_result *res);

/* Convenience: prepare @vmlinux as a one-off target and simulate. */
int kbtf_relocate_sim_btf(const struct kbtf_btf *split, const struct kbtf_btf *vmlinux,
			  const struct kbtf_reloc_opts *opts, struct kbtf_reloc_result *res);

/* Kernel id that distilled id @id maps to (0 when unmapped or out of range). */
uint32_t kbtf_reloc_map_id(const struct kbtf_reloc_result *res, uint32_t id);

void kbtf_reloc_result_fini(struct kbtf_reloc_result *res);

#endif
