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
/*
 * The pairs of module @m not made (kernels of another architecture) as one
 * line, "dummy (aarch64): not paired with 3 x86_64 kernels"; false when
 * every pair of it was made.
 */
bool kbtf_report_not_paired(const struct kbtf_matrix *mx, size_t m, char *buf, size_t len);
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

/*
 * The verdicts as reports print them (kbtf_result_label), best first:
 * "ok", "ok-unchecked", then kbtf_verdict_str() of the rest.
 */
#define KBTF_REPORT_NR_LABELS 8
extern const char *const kbtf_report_labels[KBTF_REPORT_NR_LABELS];
size_t kbtf_report_label_index(const struct kbtf_result *r);
size_t kbtf_report_count_label(const struct kbtf_matrix *mx, size_t label);
/* The worst label of the matrix. */
const char *kbtf_report_worst_label(const struct kbtf_matrix *mx);

/* The distro ABI models of a matrix's kernels (report_abi.c). */
struct kbtf_abi_model;
struct kbtf_report_stream {
	char name[64];
	size_t *kernels;
	size_t nr_kernels;
};
struct kbtf_report_abi {
	const struct kbtf_abi_model *model;
	size_t *kernels; /* kernel indexes of this distro */
	size_t nr_kernels;
	struct kbtf_report_stream *streams; /* kABI streams (stable_kabi), else one per release */
	size_t nr_streams;
};

int kbtf_report_abi(const struct kbtf_matrix *mx, struct kbtf_report_abi **out, size_t *n);
void kbtf_report_abi_free(struct kbtf_report_abi *a, size_t n);
/*
 * One paragraph per distro for the report header (text, no markup): its
 * model, and for a stable kABI the kernels one binary serves per module.
 * Written through @line(@ctx, text) once per paragraph.
 */
int kbtf_report_abi_text(const struct kbtf_matrix *mx, void (*line)(void *ctx, const char *text),
			 void *ctx);

/* What changed since the baseline, per pair (report_baseline.c). */
enum kbtf_change {
	KBTF_CHANGE_WORSE, /* a new failure, or a worse verdict */
	KBTF_CHANGE_NEW,   /* a pair the baseline did not have */
	KBTF_CHANGE_BETTER,
	KBTF_CHANGE_GONE, /* in the baseline, not in this run */
	/* judged in the baseline (a run before architecture pairing), not
	 * paired now: module and kernel are of two architectures */
	KBTF_CHANGE_UNPAIRED,
	KBTF_CHANGE_SAME,
};

struct kbtf_report_change {
	enum kbtf_change change;
	size_t at;	    /* result index; for GONE, SIZE_MAX */
	const char *was;    /* the baseline's verdict (NULL for NEW) */
	const char *module; /* for GONE: the baseline's names */
	const char *kernel;
};

/* The changes, worse first, then new, better, gone (same ones last). */
int kbtf_report_changes(const struct kbtf_matrix *mx, const struct kbtf_baseline *b,
			struct kbtf_report_change **out, size_t *n);
const char *kbtf_change_str(enum kbtf_change c);

/* One change as every report shows it (kbtf_report_next_change()). */
struct kbtf_change_row {
	const struct kbtf_report_change *c;
	const struct kbtf_result *r; /* this run's pair; NULL: gone */
	const char *module, *kernel; /* the run's labels, or the baseline's names */
	/* the verdict now, or "no longer paired (other architecture)"; NULL: gone */
	const char *now;
	char mod[256], ker[256];
};
/*
 * The next change of @c[*@i .. @n) to show into @row, *@i past it; the
 * unchanged pairs on the way are counted in *@same. False at the end.
 */
bool kbtf_report_next_change(const struct kbtf_matrix *mx, const struct kbtf_report_change *c,
			     size_t n, size_t *i, size_t *same, struct kbtf_change_row *row);
const char *kbtf_baseline_path(const struct kbtf_baseline *b);
/* kbtf_baseline_load() of @size bytes at @data, named @path in messages. */
int kbtf_baseline_from_mem(const char *path, const void *data, size_t size,
			   struct kbtf_baseline **out);

struct kbtf_json;
int kbtf_report_baseline_json(struct kbtf_json *j, const struct kbtf_matrix *mx,
			      const struct kbtf_baseline *b);

/*
 * "A, B and 3 more" of the kernels (@kernels) or modules a cause row hits,
 * at most @max names, into @buf.
 */
struct kbtf_cause_row;
void kbtf_report_row_names(const struct kbtf_matrix *mx, const struct kbtf_cause_row *row,
			   bool kernels, size_t max, char *buf, size_t len);
/* A pair's causes in one line: "abi-tied-to-build (module_layout);
 * symbol-missing (a, b, c, d and 2 more)" ("" none). */
void kbtf_report_causes_str(const struct kbtf_result *r, char *buf, size_t len);
/* "symbols, vermagic" of the bits of @unchecked into @buf ("" none). */
void kbtf_report_unchecked_str(unsigned int unchecked, char *buf, size_t len);

/* Write @s with &, <, >, " and ' escaped (HTML and XML text/attributes). */
void kbtf_report_xml_escape(FILE *f, const char *s);

#endif
