/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private to the validator: what a judge writes down (kbtf_notes), and
 * filling a kbtf_result from it (kbtf_rb). Allocation failures are sticky
 * (notes->err, rb->err) so the judging code reads as a list of findings
 * rather than a ladder of error checks; kbtf_validate_pair looks at them
 * once.
 */
#ifndef KBTF_RESULT_BUILD_H
#define KBTF_RESULT_BUILD_H

#include <stdbool.h>

#include "kbtf/err.h"
#include "kbtf/validate.h"

/*
 * What one judge found, in the order it found it: problems, warnings and
 * the lines the kernel would print. The judge owns them until the pair's
 * result takes them (kbtf_rb_take).
 */
struct kbtf_notes {
	struct kbtf_problem *problems;
	size_t nr_problems, cap_problems;
	struct kbtf_warning *warnings;
	size_t nr_warnings, cap_warnings;
	char **log;
	size_t nr_log;
	int err; /* first allocation failure, sticky */
};

struct kbtf_problem *kbtf_note_problem(struct kbtf_notes *n, enum kbtf_problem_kind kind,
				       const char *name, const char *reason);
/* Set one of a problem's text fields (expected, actual, detail). */
void kbtf_note_field(struct kbtf_notes *n, char **field, const char *fmt, ...) KBTF_PRINTF(3, 4);

struct kbtf_warning *kbtf_note_warning(struct kbtf_notes *n, enum kbtf_severity sev,
				       const char *kind, const char *name, const char *fmt, ...)
    KBTF_PRINTF(5, 6);
void kbtf_note_detail(struct kbtf_notes *n, struct kbtf_warning *w, const char *fmt, ...)
    KBTF_PRINTF(3, 4);

/* One line the kernel would print. */
void kbtf_note_log(struct kbtf_notes *n, const char *fmt, ...) KBTF_PRINTF(2, 3);
void kbtf_notes_fini(struct kbtf_notes *n);

/* printf at *@used into @buf of @len bytes, truncating; *@used advances. */
void kbtf_appendf(char *buf, size_t len, size_t *used, const char *fmt, ...) KBTF_PRINTF(4, 5);
/* kbtf_appendf() of "%s" and of "%u", without a format to parse (judges
 * make lines for every member that changed) */
void kbtf_appends(char *buf, size_t len, size_t *used, const char *s);
void kbtf_appendu(char *buf, size_t len, size_t *used, unsigned int v);
/* ... and of "0x%08x" */
void kbtf_appendx(char *buf, size_t len, size_t *used, uint32_t v);
/* A size in bits as the judges' lines give it: "8" (bytes), "bit 3". */
void kbtf_bits_str(uint32_t bits, char *buf, size_t len);

/* The result of one pair, being filled. */
struct kbtf_rb {
	struct kbtf_result *r;
	int err; /* first allocation failure, sticky */
};

void kbtf_rb_set(struct kbtf_rb *rb, char **dst, const char *fmt, ...) KBTF_PRINTF(3, 4);
/*
 * Append a judge's problems and warnings to the result's and, when its step
 * ran in the kernel (@ran), its log lines to the result's kernel log, in
 * the judge's order; @n is left empty.
 */
void kbtf_rb_take(struct kbtf_rb *rb, struct kbtf_notes *n, bool ran);

#endif
