/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reports of a validation matrix: one writer per format behind one
 * interface. text is for terminals and logs, json for programs (stable,
 * docs/json-format.md), junit for CI, md and html for people (a matrix of
 * modules x kernels with drill-down per problem).
 */
#ifndef KBTF_REPORT_H
#define KBTF_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "kbtf/api.h"
#include "kbtf/matrix.h"

enum kbtf_report_format {
	KBTF_REPORT_TEXT,
	KBTF_REPORT_JSON,
	KBTF_REPORT_JUNIT,
	KBTF_REPORT_MD,
	KBTF_REPORT_HTML,
};

/* A previous run's JSON report, read for --baseline (kbtf_baseline_load). */
struct kbtf_baseline;

struct kbtf_report_opts {
	bool color;	   /* ANSI colour (text only) */
	bool verbose;	   /* text: details of ok pairs too */
	const char *title; /* md/html heading; NULL: a default */
	/* what changed since this run (NULL: no comparison) */
	const struct kbtf_baseline *baseline;
};

/*
 * Read a JSON report (format 1 or 2) of an earlier run as a baseline:
 * each pair's module name, kernel and verdict. A file that is not such a
 * report: -EINVAL naming it and the reason.
 */
KBTF_API int kbtf_baseline_load(const char *path, struct kbtf_baseline **out);
KBTF_API void kbtf_baseline_free(struct kbtf_baseline *b);

/*
 * Which verdicts make a run fail (the exit status). kbtf_report_fail_parse()
 * reads a comma list of verdicts ("btf-rejected", "ok-unchecked", ...),
 * each matching pairs of that verdict, and classes: "btf" (btf-rejected,
 * no-distilled-support, and any pair with a BTF problem, also one that an
 * earlier step refused: Debian's symbols differ on every other kernel, and
 * its BTF still matters), "symbols" (likewise), "elf", "unchecked"
 * (ok-unchecked), "error", "any", "none"; -EINVAL naming a word it does
 * not know.
 */
KBTF_API int kbtf_report_fail_parse(const char *list, unsigned int *out);
/* The default: every verdict but ok. */
KBTF_API unsigned int kbtf_report_fail_default(void);
/* True when a pair of the matrix has a verdict in @fail. */
KBTF_API bool kbtf_report_fails(const struct kbtf_matrix *mx, unsigned int fail);

/* The format a file name's extension asks for (.txt .json .xml .md .html); -EINVAL if none. */
KBTF_API int kbtf_report_format_of_path(const char *path, enum kbtf_report_format *out);

/* "text", "json", "junit", "md" (or "markdown"), "html"; -EINVAL otherwise. */
KBTF_API int kbtf_report_format_parse(const char *name, enum kbtf_report_format *out);

/* Write the report; -EIO when the stream failed. */
KBTF_API int kbtf_report_write(FILE *f, enum kbtf_report_format fmt, const struct kbtf_matrix *mx,
			       const struct kbtf_report_opts *opts);

#endif
