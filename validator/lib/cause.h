/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private to the validator: the root causes behind a matrix's problems, the
 * one taxonomy every report and the exit-code gate use (cause.c).
 *
 * A problem is a symptom on one pair (a symbol's CRC differs on 6.12.117);
 * a cause is why, said once for every pair it hits, with the fix a vendor
 * applies ("this binary is tied to one kernel build: ship it through
 * DKMS"). Each pair's problems, warnings and unchecked steps map to causes
 * (kbtf_causes_of); the matrix's causes are grouped into rows with the
 * pairs they hit (kbtf_cause_rows). The evidence stays in the problems.
 */
#ifndef KBTF_CAUSE_H
#define KBTF_CAUSE_H

#include <stdbool.h>
#include <stddef.h>

#include "kbtf/matrix.h"

/* The causes, worst first within their class (the order rows are listed in). */
enum kbtf_cause {
	KBTF_CAUSE_UNREADABLE,	    /* kbtf could not read the kernel */
	KBTF_CAUSE_ELF_ARCH,	    /* built for another architecture */
	KBTF_CAUSE_ELF,		    /* the loader's ELF checks refuse the file */
	KBTF_CAUSE_ABI_BUILD,	    /* module_layout CRC or vermagic: tied to one build */
	KBTF_CAUSE_CONFIG_RT,	    /* PREEMPT_RT: vermagic, or a lock type's size */
	KBTF_CAUSE_UNVERSIONED,	    /* no __versions on a kernel that cannot force it */
	KBTF_CAUSE_SYMBOL_MISSING,  /* an import not exported by these kernels */
	KBTF_CAUSE_SYMBOL_CRC,	    /* one symbol's CRC changed (module_layout did not) */
	KBTF_CAUSE_SYMBOL_ACCESS,   /* GPL-only export, or a namespace not imported */
	KBTF_CAUSE_TYPE_CHANGED,    /* a type resized or reshaped */
	KBTF_CAUSE_TYPE_MISSING,    /* a type these kernels do not have */
	KBTF_CAUSE_NO_BTF_BASE,	    /* the kernel predates .BTF.base (< 6.11) */
	KBTF_CAUSE_SPLIT_OTHER,	    /* plain split BTF built for another kernel */
	KBTF_CAUSE_BTF_MALFORMED,   /* the module's BTF fails the kernel's checks */
	KBTF_CAUSE_LAYOUT_DRIFT,    /* a type embedded by value changed layout (warning) */
	KBTF_CAUSE_MEMBER_MOVED,    /* a member the module's code touches moved or changed */
	KBTF_CAUSE_UNCHECKED_SYMS,  /* no export list for these kernels */
	KBTF_CAUSE_UNCHECKED_MAGIC, /* no config: vermagic not compared */
	KBTF_CAUSE_UNCHECKED_ARCH,  /* the kernel's architecture unknown: e_machine not compared */
	KBTF_CAUSE_COUNT
};

/* The classes --fail-on names, one per cause. */
enum kbtf_cause_class {
	KBTF_CLASS_ERROR,
	KBTF_CLASS_ELF,
	KBTF_CLASS_SYMBOLS,
	KBTF_CLASS_BTF,
	KBTF_CLASS_CONFIG,
	KBTF_CLASS_DRIFT,
	KBTF_CLASS_UNCHECKED,
};

/* "abi-tied-to-build", ...: the stable code of a cause (docs/json-format.md). */
const char *kbtf_cause_code(enum kbtf_cause c);
/* "error", "elf", "symbols", "btf", "config", "drift", "unchecked" */
const char *kbtf_cause_class_str(enum kbtf_cause_class c);
enum kbtf_cause_class kbtf_cause_class(enum kbtf_cause c);
/* One line saying what the cause is (no subject). */
const char *kbtf_cause_title(enum kbtf_cause c);

/* One cause on one pair; @subject is a symbol, a type, or "" (borrowed). */
struct kbtf_pair_cause {
	enum kbtf_cause cause;
	const char *subject;
};

/*
 * The causes of pair @r, each (cause, subject) once, in taxonomy order.
 * A pair whose module_layout CRC differs gets abi-tied-to-build, and its
 * other CRC differences stay evidence rather than causes of their own.
 * *@out is malloc'ed (NULL when *@n is 0). -ENOMEM.
 */
int kbtf_causes_of(const struct kbtf_result *r, struct kbtf_pair_cause **out, size_t *n);

/* A cause across the matrix: its subjects, and the pairs it hits. */
struct kbtf_cause_row {
	enum kbtf_cause cause;
	const char **subjects; /* borrowed from the results; "" omitted */
	size_t nr_subjects;
	size_t *pairs; /* result indexes, ascending */
	size_t nr_pairs;
	char *fix; /* the fix, one or two sentences naming the subjects */
};

/*
 * The matrix's causes as rows: one per (cause, subject), except causes
 * whose fix does not depend on the subject (one row each), then rows of
 * one cause hitting the very same kernels merged (twelve symbols missing
 * from 6.1 are one row, whichever modules import them). In taxonomy
 * order, then most pairs first. -ENOMEM.
 */
int kbtf_cause_rows(const struct kbtf_matrix *mx, struct kbtf_cause_row **out, size_t *n);
void kbtf_cause_rows_free(struct kbtf_cause_row *rows, size_t n);

/* The fix for one cause on one subject (malloc'ed; NULL out of memory). */
char *kbtf_cause_fix(enum kbtf_cause c, const char *subject);

/* The kernels (k indexes, ascending, unique) and modules a row hits. */
size_t kbtf_cause_row_kernels(const struct kbtf_matrix *mx, const struct kbtf_cause_row *row,
			      size_t *out);
size_t kbtf_cause_row_modules(const struct kbtf_matrix *mx, const struct kbtf_cause_row *row,
			      size_t *out);

/*
 * What to supply so that an unchecked step runs (one sentence), for the
 * bits of @r->unchecked not skipped on purpose; "" when none.
 */
const char *kbtf_unchecked_supply(const struct kbtf_result *r);

/* ---------------------------------------------------- distro ABI models */

/*
 * How a distribution's kernels keep their module ABI, recognised from the
 * kernel release (a table in cause.c: Debian, RHEL-like, SUSE). A model
 * with a stable kABI groups its kernels into streams (one binary built
 * for one kernel of a stream serves them all); one without makes every
 * release its own stream.
 */
struct kbtf_abi_model {
	const char *distro;  /* "Debian" */
	const char *summary; /* how modules follow its kernels, for report headers */
	bool stable_kabi;
};

/* The model of a release, or NULL when it is no known distro build. */
const struct kbtf_abi_model *kbtf_abi_model_of(const char *release);
/* The stream @release belongs to (its kABI group) into @buf. */
void kbtf_abi_stream(const struct kbtf_abi_model *m, const char *release, char *buf, size_t len);

#endif
