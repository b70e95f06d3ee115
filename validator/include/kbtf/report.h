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

struct kbtf_report_opts {
	bool color;	   /* ANSI colour (text only) */
	bool verbose;	   /* text: details of ok pairs too */
	const char *title; /* md/html heading; NULL: a default */
};

/* "text", "json", "junit", "md" (or "markdown"), "html"; -EINVAL otherwise. */
KBTF_API int kbtf_report_format_parse(const char *name, enum kbtf_report_format *out);

/* Write the report; -EIO when the stream failed. */
KBTF_API int kbtf_report_write(FILE *f, enum kbtf_report_format fmt, const struct kbtf_matrix *mx,
			       const struct kbtf_report_opts *opts);

#endif
