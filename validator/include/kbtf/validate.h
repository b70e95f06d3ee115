/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The validator's judgement for one (module, kernel) pair: what the kernel
 * will do at load time (symbols, BTF relocation or its absence) and what it
 * will silently accept (layout drift), as one verdict plus every problem
 * and warning with both sides' facts.
 *
 * Modules and kernels are prepared once (parsed, indexed) and then shared
 * read-only: one kernel against many modules, from many threads.
 * kbtf_validate_pair() in verdict.c is the one place that decides.
 */
#ifndef KBTF_VALIDATE_H
#define KBTF_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kbtf/api.h"
#include "kbtf/btf.h"
#include "kbtf/source.h"

struct kbtf_symvers; /* an export list (Module.symvers) */

/* Ordered by severity: a pair's verdict is the worst that applies. */
enum kbtf_verdict {
	KBTF_VERDICT_OK = 0,
	/* loads, but its code touches kernel struct members that moved or
	 * changed (the access record against the kernel's BTF) */
	KBTF_VERDICT_LAYOUT_CONFLICT,
	KBTF_VERDICT_NO_DISTILLED, /* kernel < 6.11 ignores .BTF.base */
	KBTF_VERDICT_BTF_REJECTED, /* the kernel will not use the module's BTF */
	KBTF_VERDICT_SYMBOLS,	   /* unresolved symbols or CRC mismatch: refused */
	KBTF_VERDICT_ELF_REJECTED, /* the loader's ELF checks fail: refused (-ENOEXEC) */
	KBTF_VERDICT_ERROR,	   /* an input could not be read */
};

#define KBTF_VERDICT_COUNT 7

/* "ok", "layout-conflict", "no-distilled-support", "btf-rejected", "symbols",
 * "elf-rejected", "error" */
KBTF_API const char *kbtf_verdict_str(enum kbtf_verdict v);

/* What happens to the module at load time. */
enum kbtf_load {
	KBTF_LOAD_UNKNOWN = 0,
	KBTF_LOAD_OK,		     /* loads, BTF registered */
	KBTF_LOAD_NO_BTF,	     /* loads without BTF (MODULE_ALLOW_BTF_MISMATCH=y) */
	KBTF_LOAD_REFUSED,	     /* the load fails */
	KBTF_LOAD_NO_BTF_OR_REFUSED, /* config unknown: one of the two */
	KBTF_LOAD_WRONG_BTF,	     /* loads; its BTF is registered with wrong types */
};

/* "loads", "loads-without-btf", "refused", ... */
KBTF_API const char *kbtf_load_str(enum kbtf_load l);

enum kbtf_problem_kind {
	KBTF_PROBLEM_BTF,
	KBTF_PROBLEM_SYMBOL,
};

struct kbtf_problem {
	enum kbtf_problem_kind kind;
	char *name;	   /* type or symbol */
	char *reason;	   /* stable short code: "not-found", "size-mismatch", ... */
	char *expected;	   /* the module's side */
	char *actual;	   /* the kernel's side */
	char *detail;	   /* one or two sentences, for people */
	bool kernel_first; /* the one the kernel's own message names */
	/* the facts as numbers where the problem has them (for programs):
	 * a symbol's CRCs (has_crc), a type's sizes in bytes (-1 unknown) */
	bool has_crc;
	uint32_t module_crc, kernel_crc;
	int64_t module_size, kernel_size;
};

/*
 * What a pair's verdict could not take into account (bits of
 * kbtf_result.unchecked): symbols and vermagic are load-time checks, so an
 * otherwise ok pair missing one reads "ok-unchecked" (kbtf_result_label);
 * layout drift is checked by no kernel and only listed; so is the
 * architecture of a kernel that names none (raw BTF): the user paired that
 * kernel with the module, and each report says per pair it was not compared.
 */
enum kbtf_unchecked {
	KBTF_UNCHECKED_SYMBOLS = 1 << 0,  /* no export list: module_layout, imports, CRCs */
	KBTF_UNCHECKED_VERMAGIC = 1 << 1, /* the kernel's vermagic is unknown (no config) */
	KBTF_UNCHECKED_LAYOUT = 1 << 2,	  /* no build-time layout: drift not compared */
	/* the kernel's architecture is unknown (raw BTF, a BTFHub file out of
	 * its <arch>/ folder): paired with every module, e_machine not compared */
	KBTF_UNCHECKED_ARCH = 1 << 3,
};

#define KBTF_UNCHECKED_LOAD (KBTF_UNCHECKED_SYMBOLS | KBTF_UNCHECKED_VERMAGIC)
/* what the pair's summary and to_check name */
#define KBTF_UNCHECKED_SAID (KBTF_UNCHECKED_LOAD | KBTF_UNCHECKED_ARCH)

enum kbtf_severity {
	KBTF_SEV_WARNING,
	KBTF_SEV_INFO,
};

struct kbtf_warning {
	enum kbtf_severity severity;
	char *kind;	/* "layout-drift", "symbols-not-checked", ... */
	char *name;	/* type or subject, may be "" */
	char *message;	/* one line */
	char **details; /* further lines (e.g. one per changed member) */
	size_t nr_details;
};

struct kbtf_result {
	char *module;	   /* the path as given */
	char *module_name; /* from .modinfo / .gnu.linkonce.this_module */
	char *source;	   /* the kernel SOURCE as given */
	char *release;	   /* kernel release, NULL when unknown */
	char **layers;	   /* split BTF layers stacked on the kernel's BTF */
	size_t nr_layers;
	enum kbtf_verdict verdict;
	enum kbtf_load load;
	char *summary;	   /* one line */
	char *consequence; /* what the kernel does, in words */
	/* lines the kernel prints on a normal load, up to the step that
	 * stops it ("" none) */
	char *kernel_log;
	/* where that log stops and which later steps did not run ("" when
	 * every step ran) */
	char *kernel_log_note;
	/* the lines btf_module_notify() prints once a load gets that far,
	 * even when an earlier step stops a normal load (a forced load skips
	 * the modversions and vermagic checks): for boot-test */
	char *btf_log;
	char *btf_form;		/* "distilled", "split", "none" */
	int allow_btf_mismatch; /* CONFIG_MODULE_ALLOW_BTF_MISMATCH: -1 unknown */
	/* btf_relocate() of .BTF.base onto this kernel's BTF, simulated even
	 * when the kernel would not run it (< 6.11): -1 not simulated (no
	 * .BTF.base), 0 succeeds, else its negative errno; and its message */
	int reloc_err;
	char *reloc_log;
	struct kbtf_problem *problems;
	size_t nr_problems;
	struct kbtf_warning *warnings;
	size_t nr_warnings;
	double ms; /* time spent judging this pair */
	/* what could not be checked (enum kbtf_unchecked bits), and which of
	 * those were turned off on purpose (--no-symbols) */
	unsigned int unchecked, skipped;
	/* facts of the two sides, for reports (NULL when unknown) */
	char *module_release; /* the release the module was built for (vermagic) */
	char *module_arch;
	char *kernel_arch;
	char *symbols_from; /* where the kernel's export list came from */
	/* RHEL-like kernels with a kABI stablelist: imports outside it and
	 * what weak-modules would do (one line), NULL for other kernels */
	char *kabi;
	/* the module and the kernel are built for different architectures:
	 * the pair was not judged and counts in no verdict (only the sides'
	 * facts above are set) */
	bool not_paired;
};

KBTF_API void kbtf_result_fini(struct kbtf_result *r);
/* An "error" result: @what could not be read because of @why. */
KBTF_API int kbtf_result_error(struct kbtf_result *r, const char *module, const char *source,
			       const char *why);
KBTF_API size_t kbtf_result_count(const struct kbtf_result *r, enum kbtf_problem_kind kind);
KBTF_API size_t kbtf_result_warnings(const struct kbtf_result *r, enum kbtf_severity sev);
/*
 * The verdict as reports print it: kbtf_verdict_str(), except an ok pair
 * whose load-time checks could not all run reads "ok-unchecked" (checks
 * turned off on purpose, --no-symbols, leave it "ok").
 */
KBTF_API const char *kbtf_result_label(const struct kbtf_result *r);
/* "symbols", "vermagic", "layout": the name of one kbtf_unchecked bit. */
KBTF_API const char *kbtf_unchecked_str(enum kbtf_unchecked u);

/* ------------------------------------------------------------- modules */

/* A module prepared for validation: parsed and indexed once, then shared read-only. */
struct kbtf_vmod;

KBTF_API int kbtf_vmod_open(const char *path, struct kbtf_vmod **out);
/* Prepare an already opened module (borrowed: it must outlive the vmod). */
KBTF_API int kbtf_vmod_from_module(const struct kbtf_module *m, struct kbtf_vmod **out);
KBTF_API void kbtf_vmod_free(struct kbtf_vmod *vm);

/* ------------------------------------------------------------- kernels */

/* A kernel prepared for validation: opened and indexed once, then shared read-only. */
struct kbtf_vkernel;

/* Split BTF files to stack on a kernel's BTF, bottom first. */
struct kbtf_layer_paths {
	const char *const *paths;
	size_t nr;
};

struct kbtf_vkernel_opts {
	const char *symvers;		/* Module.symvers overriding the kernel's */
	struct kbtf_layer_paths layers; /* stacked on the kernel's BTF */
	const char *work_dir;		/* for unpacking packages */
	bool no_symbols;		/* do not load Module.symvers */
	/* keep only these symbols of Module.symvers (NULL: all of them) */
	const struct kbtf_symvers *wanted;
};

KBTF_API int kbtf_vkernel_open(const char *source, const struct kbtf_vkernel_opts *opts,
			       struct kbtf_vkernel **out);
/* Prepare an already opened kernel (borrowed; its BTF is parsed if needed). */
KBTF_API int kbtf_vkernel_from_kernel(struct kbtf_kernel *k, const struct kbtf_vkernel_opts *opts,
				      struct kbtf_vkernel **out);
KBTF_API void kbtf_vkernel_free(struct kbtf_vkernel *vk);

/* ------------------------------------------------------------- one pair */

struct kbtf_validate_opts {
	/* simulate 6.11-6.13 kernels without the embedded-marking fix,
	 * kernel commit 5ca681a86ef9 (docs/kernel-rules.md 4.4) */
	bool pre_fix;
	/* build-time vmlinux BTF for drift when a module has no layout record
	 * (name-indexed before sharing) and for plain split modules */
	struct kbtf_btf *build_btf;
	uint64_t build_hash; /* hash of build_btf's raw bytes (0: unknown) */
	const char *build_release;
	/* exports of the other modules validated together (may be NULL) */
	const struct kbtf_symvers *peers;
	/* leave symbols out (a warning says so) */
	bool no_symbols;
};

KBTF_API int kbtf_validate_pair(const struct kbtf_vmod *m, const struct kbtf_vkernel *k,
				const struct kbtf_validate_opts *opts, struct kbtf_result *out);

#endif
