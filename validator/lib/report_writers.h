/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Inside the report writers: one function per format behind
 * kbtf_report_write() (kbtf/report.h), and what they share: labels, the
 * grid the Markdown and HTML tables are laid out on, problems grouped
 * across the matrix, XML escaping.
 */
#ifndef KBTF_REPORT_WRITERS_H
#define KBTF_REPORT_WRITERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "kbtf/report.h"

/* The writers, one per format (report_<format>.c). */
int kbtf_report_text(FILE *f, const struct kbtf_matrix *mx, const struct kbtf_report_opts *o);
int kbtf_report_json(FILE *f, const struct kbtf_matrix *mx, const struct kbtf_report_opts *o);
int kbtf_report_junit(FILE *f, const struct kbtf_matrix *mx, const struct kbtf_report_opts *o);
int kbtf_report_md(FILE *f, const struct kbtf_matrix *mx, const struct kbtf_report_opts *o);
int kbtf_report_html(FILE *f, const struct kbtf_matrix *mx, const struct kbtf_report_opts *o);

/* ------------------------------------------------ shared by the writers */

/* The module's short name: .modinfo name, else the file name without .ko*. */
void kbtf_report_module_label(const struct kbtf_result *r, char *buf, size_t len);
/* The kernel's short name: its release, else the source's last path part. */
void kbtf_report_kernel_label(const struct kbtf_result *r, char *buf, size_t len);
/* Results of module @m on kernel @k. */
const struct kbtf_result *kbtf_report_at(const struct kbtf_matrix *mx, size_t m, size_t k);
/*
 * The matrix as a table (md, html): kernels as rows when there are at
 * least as many kernels as modules, so a long matrix grows downwards.
 */
struct kbtf_report_grid {
	bool rows_kernels;
	size_t rows, cols;
};

void kbtf_report_grid_init(const struct kbtf_matrix *mx, struct kbtf_report_grid *g);
/* The (module, kernel) indexes of the cell at @row, @col. */
void kbtf_report_grid_pair(const struct kbtf_report_grid *g, size_t row, size_t col, size_t *m,
			   size_t *k);
/* The label of row (@row true) or column @i into @buf; returns a result of that line. */
const struct kbtf_result *kbtf_report_grid_label(const struct kbtf_matrix *mx,
						 const struct kbtf_report_grid *g, bool row,
						 size_t i, char *buf, size_t len);
/* How many pairs have verdict @v. */
size_t kbtf_report_count(const struct kbtf_matrix *mx, enum kbtf_verdict v);
/* One problem (kind, name, reason) and the pairs (result indexes) that have it. */
struct kbtf_report_group {
	enum kbtf_problem_kind kind;
	const char *name, *reason;
	size_t *pairs;
	size_t nr_pairs;
};

/* Problems grouped across the matrix, most frequent first. */
int kbtf_report_groups(const struct kbtf_matrix *mx, struct kbtf_report_group **out, size_t *n);
void kbtf_report_groups_free(struct kbtf_report_group *g, size_t n);

/* Write @s with &, <, >, " and ' escaped (HTML and XML text/attributes). */
void kbtf_report_xml_escape(FILE *f, const char *s);

#endif
