// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The text report: the distro's ABI model when the kernels are known
 * distro builds, a table of every pair (module, kernel, verdict, load),
 * the causes with the kernels they hit and their fix, what changed since
 * a baseline, then the details of every pair that is not a plain ok: the
 * kernel's own message, the problems with both sides' facts (all of them
 * with --verbose), warnings, and what the kernel does. Colour only when
 * asked (the command asks on a tty).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cause.h"
#include "kbtf/report.h"
#include "report_writers.h"

/* problems listed per pair without --verbose */
#define BRIEF_PROBLEMS 3

static const char *verdict_color(const struct kbtf_result *r)
{
	switch (r->verdict) {
	case KBTF_VERDICT_OK:
		return kbtf_report_label_index(r) ? "\033[33m" : "\033[32m";
	case KBTF_VERDICT_NO_DISTILLED:
	case KBTF_VERDICT_LAYOUT_CONFLICT:
		return "\033[33m";
	case KBTF_VERDICT_BTF_REJECTED:
	case KBTF_VERDICT_SYMBOLS:
	case KBTF_VERDICT_ELF_REJECTED:
		return "\033[31m";
	default:
		return "\033[35m";
	}
}

static void widths(const struct kbtf_matrix *mx, int *wm, int *wk)
{
	char buf[256];
	size_t i;

	*wm = 6;
	*wk = 6;
	for (i = 0; i < mx->nr_modules * mx->nr_kernels; i++) {
		kbtf_report_module_label(&mx->results[i], buf, sizeof(buf));
		if ((int)strlen(buf) > *wm)
			*wm = (int)strlen(buf);
		kbtf_report_kernel_label(&mx->results[i], buf, sizeof(buf));
		if ((int)strlen(buf) > *wk)
			*wk = (int)strlen(buf);
	}
}

static void table(FILE *f, const struct kbtf_matrix *mx, const struct kbtf_report_opts *o)
{
	char mod[256], ker[256];
	int wm, wk;
	size_t m, k;

	widths(mx, &wm, &wk);
	fprintf(f, "%s%-*s  %-*s  %-20s  %s%s\n", o->color ? "\033[1m" : "", wm, "MODULE", wk,
		"KERNEL", "VERDICT", "AT LOAD", o->color ? "\033[0m" : "");
	for (m = 0; m < mx->nr_modules; m++) {
		for (k = 0; k < mx->nr_kernels; k++) {
			const struct kbtf_result *r = kbtf_report_at(mx, m, k);
			size_t nw = kbtf_result_warnings(r, KBTF_SEV_WARNING);

			if (r->not_paired)
				continue;
			kbtf_report_module_label(r, mod, sizeof(mod));
			kbtf_report_kernel_label(r, ker, sizeof(ker));
			fprintf(f, "%-*s  %-*s  %s%-20s%s  %s", wm, mod, wk, ker,
				o->color ? verdict_color(r) : "", kbtf_result_label(r),
				o->color ? "\033[0m" : "",
				r->verdict == KBTF_VERDICT_ERROR ? "-" : kbtf_load_str(r->load));
			if (nw)
				fprintf(f, " (%zu warning%s)", nw, nw == 1 ? "" : "s");
			fputc('\n', f);
		}
	}
	for (m = 0; m < mx->nr_modules; m++)
		if (kbtf_report_not_paired(mx, m, mod, sizeof(mod)))
			fprintf(f, "%s\n", mod);
}

static void indent_lines(FILE *f, const char *prefix, const char *text)
{
	const char *p = text, *nl;

	while (p && *p) {
		nl = strchr(p, '\n');
		fprintf(f, "%s%.*s\n", prefix, nl ? (int)(nl - p) : (int)strlen(p), p);
		p = nl ? nl + 1 : NULL;
	}
}

static void problems(FILE *f, const struct kbtf_result *r, const struct kbtf_report_opts *o)
{
	size_t i, shown = 0;

	for (i = 0; i < r->nr_problems; i++) {
		/* the first few, and always the one the kernel reports */
		if (!o->verbose && shown >= BRIEF_PROBLEMS && !r->problems[i].kernel_first)
			continue;
		shown++;
		const struct kbtf_problem *p = &r->problems[i];

		fprintf(f, "  %s%s %s%s: %s%s\n", o->color ? "\033[1m" : "",
			p->kind == KBTF_PROBLEM_BTF ? "btf" : "symbol", p->name,
			o->color ? "\033[0m" : "", p->reason,
			p->kernel_first ? " (the kernel's message names this one)" : "");
		if (p->expected)
			fprintf(f, "      module: %s\n", p->expected);
		if (p->actual)
			fprintf(f, "      kernel: %s\n", p->actual);
		if (p->detail)
			fprintf(f, "      %s\n", p->detail);
	}
	if (shown < r->nr_problems)
		fprintf(f, "  ... and %zu more problem%s (--verbose lists them)\n",
			r->nr_problems - shown, r->nr_problems - shown == 1 ? "" : "s");
}

static void warnings(FILE *f, const struct kbtf_result *r, const struct kbtf_report_opts *o)
{
	size_t i, d;

	for (i = 0; i < r->nr_warnings; i++) {
		const struct kbtf_warning *w = &r->warnings[i];
		bool warn = w->severity == KBTF_SEV_WARNING;

		fprintf(f, "  %s%s%s: %s\n", o->color && warn ? "\033[33m" : "",
			warn ? "warning" : "info", o->color && warn ? "\033[0m" : "", w->message);
		for (d = 0; d < w->nr_details; d++)
			fprintf(f, "      %s\n", w->details[d]);
	}
}

static void pair_causes(FILE *f, const struct kbtf_result *r)
{
	char line[1024];

	kbtf_report_causes_str(r, line, sizeof(line));
	if (*line)
		fprintf(f, "  causes: %s\n", line);
}

static void unchecked_line(FILE *f, const struct kbtf_result *r)
{
	char what[64];

	if (!r->unchecked || r->verdict == KBTF_VERDICT_ERROR)
		return;
	kbtf_report_unchecked_str(r->unchecked, what, sizeof(what));
	fprintf(f, "  unchecked: %s%s%s%s\n", what, r->skipped ? " (--no-symbols)" : "",
		*kbtf_unchecked_supply(r) ? "; to check: " : "", kbtf_unchecked_supply(r));
}

static void details(FILE *f, const struct kbtf_result *r, const struct kbtf_report_opts *o)
{
	char mod[256], ker[256];

	kbtf_report_module_label(r, mod, sizeof(mod));
	kbtf_report_kernel_label(r, ker, sizeof(ker));
	fprintf(f, "\n%s%s on %s%s: %s%s%s: %s\n", o->color ? "\033[1m" : "", mod, ker,
		o->color ? "\033[0m" : "", o->color ? verdict_color(r) : "", kbtf_result_label(r),
		o->color ? "\033[0m" : "", r->summary ? r->summary : "");
	if (r->source && strcmp(r->source, ker))
		fprintf(f, "  kernel source: %s\n", r->source);
	pair_causes(f, r);
	unchecked_line(f, r);
	problems(f, r, o);
	warnings(f, r, o);
	if (r->kernel_log && *r->kernel_log) {
		fprintf(f, "  kernel log:\n");
		indent_lines(f, "    | ", r->kernel_log);
	}
	if (r->kernel_log_note && *r->kernel_log_note)
		fprintf(f, "  %s\n", r->kernel_log_note);
	if (kbtf_report_label_index(r) && r->consequence)
		fprintf(f, "  at load: %s\n", r->consequence);
	if (r->kabi)
		fprintf(f, "  %s\n", r->kabi);
}

static void abi_line(void *ctx, const char *text)
{
	fprintf(ctx, "%s\n\n", text);
}

static int causes(FILE *f, const struct kbtf_matrix *mx, const struct kbtf_report_opts *o)
{
	struct kbtf_cause_row *rows;
	char ks[1024], ms[512], subj[512];
	size_t n, i, s, used;

	if (kbtf_cause_rows(mx, &rows, &n))
		return -ENOMEM;
	if (n)
		fprintf(f, "\n%sCauses%s (%zu):\n", o->color ? "\033[1m" : "",
			o->color ? "\033[0m" : "", n);
	for (i = 0; i < n; i++) {
		const struct kbtf_cause_row *row = &rows[i];

		subj[0] = '\0';
		for (s = 0, used = 0; s < row->nr_subjects && s < 6 && used + 1 < sizeof(subj); s++)
			if (*row->subjects[s] && strlen(row->subjects[s]) < 80)
				used += (size_t)snprintf(subj + used, sizeof(subj) - used, "%s%s",
							 used ? ", " : "", row->subjects[s]);
		if (row->nr_subjects > 6 && used + 1 < sizeof(subj))
			snprintf(subj + used, sizeof(subj) - used, " and %zu more",
				 row->nr_subjects - 6);
		kbtf_report_row_names(mx, row, true, o->verbose ? SIZE_MAX : 8, ks, sizeof(ks));
		kbtf_report_row_names(mx, row, false, 8, ms, sizeof(ms));
		fprintf(f, "  [%s] %s%s%s\n", kbtf_cause_class_str(kbtf_cause_class(row->cause)),
			kbtf_cause_code(row->cause), *subj ? ": " : "", subj);
		fprintf(f, "      %zu pair%s; kernels: %s; modules: %s\n", row->nr_pairs,
			row->nr_pairs == 1 ? "" : "s", ks, ms);
		fprintf(f, "      fix: %s\n", row->fix);
	}
	kbtf_cause_rows_free(rows, n);
	return 0;
}

static int changes(FILE *f, const struct kbtf_matrix *mx, const struct kbtf_report_opts *o)
{
	struct kbtf_report_change *c;
	struct kbtf_change_row row;
	size_t n, i, same = 0;

	if (kbtf_report_changes(mx, o->baseline, &c, &n))
		return -ENOMEM;
	fprintf(f, "\nSince the baseline %s:\n", kbtf_baseline_path(o->baseline));
	for (i = 0; kbtf_report_next_change(mx, c, n, &i, &same, &row);)
		fprintf(f, "  %-6s  %s on %s: %s -> %s\n", kbtf_change_str(row.c->change),
			row.module, row.kernel, row.c->was ? row.c->was : "(none)",
			row.now ? row.now : "(not in this run)");
	fprintf(f, "  %zu pair%s unchanged\n", same, same == 1 ? "" : "s");
	free(c);
	return 0;
}

int kbtf_report_text(FILE *f, const struct kbtf_matrix *mx, const struct kbtf_report_opts *o)
{
	size_t i, n = 0;

	if (kbtf_report_abi_text(mx, abi_line, f))
		return -ENOMEM;
	table(f, mx, o);
	if (causes(f, mx, o))
		return -ENOMEM;
	if (o->baseline && changes(f, mx, o))
		return -ENOMEM;
	for (i = 0; i < mx->nr_modules * mx->nr_kernels; i++) {
		const struct kbtf_result *r = &mx->results[i];

		if (r->not_paired)
			continue;
		n++;
		/* an ok pair whose architecture was not compared says so too */
		if (o->verbose || kbtf_report_label_index(r) ||
		    kbtf_result_warnings(r, KBTF_SEV_WARNING) || r->unchecked & KBTF_UNCHECKED_ARCH)
			details(f, r, o);
	}
	fprintf(f, "\n%zu pair%s:", n, n == 1 ? "" : "s");
	for (i = 0; i < KBTF_REPORT_NR_LABELS; i++)
		fprintf(f, "%s %zu %s", i ? "," : "", kbtf_report_count_label(mx, i),
			kbtf_report_labels[i]);
	fprintf(f, " (%.0f ms)\n", mx->total_ms);
	return 0;
}
