/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private to the validator: judging one (module, kernel) pair.
 *
 * Each judge looks at one step of the kernel's load and writes what it
 * found into its own findings: the would-be verdict of that step, and its
 * problems, warnings and kernel log lines (kbtf_notes). No judge decides
 * the pair's verdict; kbtf_verdict_combine() does, from all the findings,
 * in the order the kernel's load_module() meets them. The pair's path,
 * top-down, is kbtf_validate_pair() in verdict.c.
 *
 *   verdict.c        elf_validity_cache_copy(): the loader's ELF checks
 *   judge_symbols.c  early_mod_check(), simplify_symbols()
 *   judge_reloc.c    btf_parse_module() with .BTF.base: parse-time checks,
 *                    btf_relocate()
 *   judge_nobase.c   btf_parse_module() without .BTF.base: kernels before
 *                    6.11 and plain split BTF
 *   judge_drift.c    what no kernel checks: layout drift
 *   judge_access.c   what no kernel checks: the members the module's code
 *                    touches, moved or changed
 */
#ifndef KBTF_JUDGE_H
#define KBTF_JUDGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "kbtf/check.h"
#include "kbtf/validate.h"
#include "relocate.h"
#include "result_build.h"

#define MAX_LISTED 6 /* candidates / members spelled out per problem */

/* The pair being judged and the run's options; judges only read it. */
struct kbtf_pair {
	const struct kbtf_vmod *m;
	const struct kbtf_vkernel *k;
	const struct kbtf_validate_opts *o;
	const char *modname;
	const char *release;	  /* never NULL: "this kernel" when unknown */
	enum kbtf_kernel_gen gen; /* which generation of BTF parse-time rules */
};

/*
 * The first step: the loader's ELF validity checks
 * (kbtf_module_elf_check()). A module they refuse is judged no further.
 */
struct kbtf_elf_findings {
	bool refused;
	char log[320];	    /* the kernel's line */
	char headline[480]; /* for the summary */
	struct kbtf_notes notes;
};

/*
 * The symbol steps: early_mod_check() refuses a module whose
 * module_layout CRC differs (check_modstruct_version()) or whose vermagic
 * does not match (check_modinfo()); simplify_symbols() one whose
 * undefined symbols do not resolve or whose CRCs differ.
 */
struct kbtf_sym_findings {
	bool layout_mismatch;
	bool vermagic_mismatch;
	/* no __versions on a modversions kernel without MODULE_FORCE_LOAD:
	 * check_modstruct_version() refuses it without a word */
	bool unversioned;
	bool unresolved; /* not exported, GPL-only, namespace, CRC */
	/* one set of notes per step, so that only the lines of the steps the
	 * kernel ran reach the pair's kernel log */
	struct kbtf_notes layout;  /* check_modstruct_version() */
	struct kbtf_notes modinfo; /* check_modinfo() */
	struct kbtf_notes notes;   /* simplify_symbols() */
};

void kbtf_judge_symbols(const struct kbtf_pair *p, struct kbtf_sym_findings *f);

/*
 * kABI facts on a kernel with a stablelist (judge_kabi.c): the imports
 * outside it, and what weak-modules does with the module. Heap string,
 * NULL when the kernel has no stablelist. Not a load step.
 */
char *kbtf_judge_kabi(const struct kbtf_pair *p);

/* What btf_module_notify() ends up doing with the module's BTF. */
enum kbtf_btf_fate {
	KBTF_BTF_USED = 0, /* registered as meant, or there is none to register */
	KBTF_BTF_FAILS,	   /* btf_parse_module() fails: MODULE_ALLOW_BTF_MISMATCH decides */
	KBTF_BTF_MISREAD,  /* parsed and registered with ids on the wrong types */
};

/* The BTF step, btf_module_notify() -> btf_parse_module(). */
struct kbtf_btf_findings {
	enum kbtf_verdict verdict; /* ok, no-distilled-support or btf-rejected */
	enum kbtf_btf_fate fate;
	int parse_err;	    /* what btf_parse_module() returns when it fails */
	char headline[640]; /* the finding that decided, for the summary */
	/* btf_relocate() simulated: -1 not, 0 mapped, else its errno; its message */
	int reloc_err;
	char *reloc_log;
	/* relocation succeeded: the mapping layout drift starts from */
	bool relocated;
	struct kbtf_reloc_result reloc;
	struct kbtf_notes notes;
};

/* The step's verdict, fate and headline, for a judge of the BTF step. */
static inline void kbtf_btf_decided(struct kbtf_btf_findings *f, enum kbtf_verdict v,
				    enum kbtf_btf_fate fate, int parse_err, const char *headline)
{
	f->verdict = v;
	f->fate = fate;
	f->parse_err = parse_err;
	snprintf(f->headline, sizeof(f->headline), "%s", headline);
}

void kbtf_judge_relocation(const struct kbtf_pair *p, struct kbtf_btf_findings *f);
void kbtf_judge_relocation_anyway(const struct kbtf_pair *p, struct kbtf_btf_findings *f);
void kbtf_judge_pre611(const struct kbtf_pair *p, struct kbtf_btf_findings *f);
void kbtf_judge_plain(const struct kbtf_pair *p, struct kbtf_btf_findings *f);

/* Layout drift: warnings only, never a verdict. */
struct kbtf_drift_findings {
	struct kbtf_notes notes;
};

void kbtf_judge_drift(const struct kbtf_pair *p, const struct kbtf_reloc_result *res,
		      struct kbtf_drift_findings *f);

/*
 * Member-level layout conflicts: the module's access record against the
 * kernel's BTF (judge_access.c). Checked by no kernel: a conflict is the
 * verdict layout-conflict when the load itself succeeds.
 */
struct kbtf_access_findings {
	size_t nr_conflicts; /* touched members that moved, resized, ... */
	char headline[640];  /* the first, for the summary */
	struct kbtf_notes notes;
};

void kbtf_judge_access(const struct kbtf_pair *p, struct kbtf_access_findings *f);

/* Everything found about one pair, step by step. */
struct kbtf_findings {
	const char *unreadable; /* why the module or the kernel could not be read */
	struct kbtf_elf_findings elf;
	struct kbtf_sym_findings sym;
	struct kbtf_btf_findings btf;
	struct kbtf_drift_findings drift;
	struct kbtf_access_findings access;
};

/* The step of the load that decided a pair's verdict. */
enum kbtf_step {
	KBTF_STEP_READ,	     /* kbtf could not read an input: nothing was simulated */
	KBTF_STEP_ELF,	     /* elf_validity_cache_copy(): the ELF itself */
	KBTF_STEP_MODSTRUCT, /* check_modstruct_version(): module_layout's CRC */
	KBTF_STEP_MODINFO,   /* check_modinfo(): vermagic */
	KBTF_STEP_SYMBOLS,   /* simplify_symbols() */
	KBTF_STEP_BTF,	     /* btf_module_notify(), the last step: also every ok pair */
};

struct kbtf_outcome {
	enum kbtf_verdict verdict;
	enum kbtf_load load;
	enum kbtf_step step;
};

/*
 * The pair's verdict and load outcome from its findings, in the order the
 * kernel checks (verdict.c says which functions); @allow_btf_mismatch is
 * the kernel's CONFIG_MODULE_ALLOW_BTF_MISMATCH (-1 unknown).
 */
struct kbtf_outcome kbtf_verdict_combine(const struct kbtf_findings *f, int allow_btf_mismatch);

#endif
