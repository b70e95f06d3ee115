/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private to the validator: filling a kbtf_result. Allocation failures are
 * sticky (rb->err) so the judging code reads as a list of findings rather
 * than a ladder of error checks; kbtf_validate_pair looks at rb->err once.
 */
#ifndef KBTF_RESULT_BUILD_H
#define KBTF_RESULT_BUILD_H

#include "kbtf/err.h"
#include "kbtf/validate.h"

struct kbtf_rb {
	struct kbtf_result *r;
	int err; /* first allocation failure, sticky */
	size_t cap_problems, cap_warnings;
};

/* printf into a new string; NULL (and rb->err set) when out of memory. */
char *kbtf_rb_strf(struct kbtf_rb *rb, const char *fmt, ...) KBTF_PRINTF(2, 3);
void kbtf_rb_set(struct kbtf_rb *rb, char **dst, const char *fmt, ...) KBTF_PRINTF(3, 4);

struct kbtf_problem *kbtf_rb_problem(struct kbtf_rb *rb, enum kbtf_problem_kind kind,
				     const char *name, const char *reason);
/* Set one of a problem's text fields (expected, actual, detail). */
void kbtf_rb_field(struct kbtf_rb *rb, char **field, const char *fmt, ...) KBTF_PRINTF(3, 4);

struct kbtf_warning *kbtf_rb_warning(struct kbtf_rb *rb, enum kbtf_severity sev, const char *kind,
				     const char *name, const char *fmt, ...) KBTF_PRINTF(5, 6);
void kbtf_rb_detail(struct kbtf_rb *rb, struct kbtf_warning *w, const char *fmt, ...)
    KBTF_PRINTF(3, 4);

/* Append one line to the kernel log the result shows. */
void kbtf_rb_log(struct kbtf_rb *rb, const char *fmt, ...) KBTF_PRINTF(2, 3);

#endif
