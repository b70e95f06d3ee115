// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The Markdown report: counts, the distro's ABI model, the causes with
 * their fix and the kernels they hit, what changed since a baseline, a
 * matrix of kernels x modules whose cells link to a details section per
 * pair (its causes, problems as a table with both sides' facts, warnings,
 * the kernel's messages). Renders on GitHub/GitLab.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cause.h"
#include "kbtf/report.h"
#include "report_writers.h"

/* Text inside a table cell or a line: no newlines, pipes escaped, no HTML. */
static void md_text(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '|':
			fputs("\\|", f);
			break;
		case '\n':
			fputs(" ", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '*':
		case '_':
		case '`':
		case '[':
		case ']':
		case '\\':
			fputc('\\', f);
			fputc(*s, f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

static const char *mark(const struct kbtf_result *r)
{
	switch (r->verdict) {
	case KBTF_VERDICT_OK:
		if (kbtf_report_label_index(r))
			return "❓";
		return kbtf_result_warnings(r, KBTF_SEV_WARNING) ? "⚠️" : "✅";
	case KBTF_VERDICT_NO_DISTILLED:
		return "🟧";
	case KBTF_VERDICT_ERROR:
		return "❔";
	default:
		return "❌";
	}
}

static void cell(FILE *f, const struct kbtf_matrix *mx, size_t m, size_t k)
{
	const struct kbtf_result *r = kbtf_report_at(mx, m, k);
	size_t nw = kbtf_result_warnings(r, KBTF_SEV_WARNING);

	if (r->not_paired) {
		fputs(" – not paired |", f);
		return;
	}
	fprintf(f, " %s [%s](#pair-%zu-%zu)", mark(r), kbtf_result_label(r), m, k);
	if (r->verdict == KBTF_VERDICT_SYMBOLS && kbtf_result_count(r, KBTF_PROBLEM_BTF))
		fputs(" + BTF", f);
	if (nw)
		fprintf(f, " (%zu warning%s)", nw, nw == 1 ? "" : "s");
	fputs(" |", f);
}

static void matrix(FILE *f, const struct kbtf_matrix *mx)
{
	struct kbtf_report_grid g;
	char label[256];
	size_t i, c, m, k;

	kbtf_report_grid_init(mx, &g);
	fprintf(f, "| %s |", g.rows_kernels ? "kernel \\\\ module" : "module \\\\ kernel");
	for (c = 0; c < g.cols; c++) {
		kbtf_report_grid_label(mx, &g, false, c, label, sizeof(label));
		fputs(" ", f);
		md_text(f, label);
		fputs(" |", f);
	}
	fputs("\n|---|", f);
	for (c = 0; c < g.cols; c++)
		fputs("---|", f);
	fputc('\n', f);
	for (i = 0; i < g.rows; i++) {
		kbtf_report_grid_label(mx, &g, true, i, label, sizeof(label));
		fputs("| ", f);
		md_text(f, label);
		fputs(" |", f);
		for (c = 0; c < g.cols; c++) {
			kbtf_report_grid_pair(&g, i, c, &m, &k);
			cell(f, mx, m, k);
		}
		fputc('\n', f);
	}
}

#define MAX_GROUPS 50
#define MAX_GROUP_LINKS 8

static int groups(FILE *f, const struct kbtf_matrix *mx)
{
	struct kbtf_report_group *g;
	char mod[256], ker[256];
	size_t n, i, p;
	int err = kbtf_report_groups(mx, &g, &n);

	if (err || !n)
		return err;
	fputs("\n## Problems (the evidence)\n\n| | name | reason | pairs | where "
	      "|\n|---|---|---|---|---|\n",
	      f);
	for (i = 0; i < n && i < MAX_GROUPS; i++) {
		fprintf(f, "| %s | ", g[i].kind == KBTF_PROBLEM_BTF ? "btf" : "symbol");
		md_text(f, g[i].name);
		fputs(" | ", f);
		md_text(f, g[i].reason);
		fprintf(f, " | %zu |", g[i].nr_pairs);
		for (p = 0; p < g[i].nr_pairs && p < MAX_GROUP_LINKS; p++) {
			size_t at = g[i].pairs[p];

			kbtf_report_module_label(&mx->results[at], mod, sizeof(mod));
			kbtf_report_kernel_label(&mx->results[at], ker, sizeof(ker));
			fprintf(f, "%s [", p ? "," : "");
			md_text(f, mod);
			fputs(" on ", f);
			md_text(f, ker);
			fprintf(f, "](#pair-%zu-%zu)", at / mx->nr_kernels, at % mx->nr_kernels);
		}
		if (g[i].nr_pairs > MAX_GROUP_LINKS)
			fprintf(f, " and %zu more", g[i].nr_pairs - MAX_GROUP_LINKS);
		fputs(" |\n", f);
	}
	if (n > MAX_GROUPS)
		fprintf(f, "\nand %zu more distinct problems; see the pairs.\n", n - MAX_GROUPS);
	kbtf_report_groups_free(g, n);
	return 0;
}

static void problems(FILE *f, const struct kbtf_result *r)
{
	size_t i;

	if (!r->nr_problems)
		return;
	fputs("\n| | name | reason | module (build time) | this kernel |\n"
	      "|---|---|---|---|---|\n",
	      f);
	for (i = 0; i < r->nr_problems; i++) {
		const struct kbtf_problem *p = &r->problems[i];

		fprintf(f, "| %s%s | ", p->kind == KBTF_PROBLEM_BTF ? "btf" : "symbol",
			p->kernel_first ? " ★" : "");
		md_text(f, p->name);
		fputs(" | ", f);
		md_text(f, p->reason);
		fputs(" | ", f);
		md_text(f, p->expected ? p->expected : "");
		fputs(" | ", f);
		md_text(f, p->actual ? p->actual : "");
		fputs(" |\n", f);
	}
	/* the why of each BTF problem; symbol problems say it all in the table */
	for (i = 0; i < r->nr_problems; i++) {
		if (!r->problems[i].detail || r->problems[i].kind != KBTF_PROBLEM_BTF)
			continue;
		fputs(i ? "" : "\n", f);
		fputs("- **", f);
		md_text(f, r->problems[i].name);
		fputs("**: ", f);
		md_text(f, r->problems[i].detail);
		fputc('\n', f);
	}
}

static void warnings(FILE *f, const struct kbtf_result *r)
{
	size_t i, d;

	if (r->nr_warnings)
		fputc('\n', f);
	for (i = 0; i < r->nr_warnings; i++) {
		const struct kbtf_warning *w = &r->warnings[i];

		fprintf(f,
			"- %s: ", w->severity == KBTF_SEV_WARNING ? "⚠️ **warning**" : "info");
		md_text(f, w->message);
		fputc('\n', f);
		for (d = 0; d < w->nr_details; d++) {
			fputs("  - ", f);
			md_text(f, w->details[d]);
			fputc('\n', f);
		}
	}
}

static void pair_causes(FILE *f, const struct kbtf_result *r)
{
	char line[1024];

	kbtf_report_causes_str(r, line, sizeof(line));
	if (!*line)
		return;
	fputs("- causes: ", f);
	md_text(f, line);
	fputc('\n', f);
}

static int causes(FILE *f, const struct kbtf_matrix *mx)
{
	struct kbtf_cause_row *rows;
	char ks[1024], ms[512];
	size_t n, i, s;

	if (kbtf_cause_rows(mx, &rows, &n))
		return -ENOMEM;
	if (n)
		fputs("\n## Causes and fixes\n\n| cause | what | kernels | modules | fix |\n"
		      "|---|---|---|---|---|\n",
		      f);
	for (i = 0; i < n; i++) {
		const struct kbtf_cause_row *row = &rows[i];

		fprintf(f, "| `%s` (%s) | ", kbtf_cause_code(row->cause),
			kbtf_cause_class_str(kbtf_cause_class(row->cause)));
		md_text(f, kbtf_cause_title(row->cause));
		for (s = 0; s < row->nr_subjects && s < 8; s++) {
			if (!*row->subjects[s] || strlen(row->subjects[s]) > 80)
				continue;
			fputs(s ? ", " : ": ", f);
			md_text(f, row->subjects[s]);
		}
		if (row->nr_subjects > 8)
			fprintf(f, " and %zu more", row->nr_subjects - 8);
		kbtf_report_row_names(mx, row, true, 12, ks, sizeof(ks));
		kbtf_report_row_names(mx, row, false, 8, ms, sizeof(ms));
		fputs(" | ", f);
		md_text(f, ks);
		fputs(" | ", f);
		md_text(f, ms);
		fputs(" | ", f);
		md_text(f, row->fix);
		fputs(" |\n", f);
	}
	kbtf_cause_rows_free(rows, n);
	return 0;
}

static int changes(FILE *f, const struct kbtf_matrix *mx, const struct kbtf_baseline *b)
{
	struct kbtf_report_change *c;
	struct kbtf_change_row row;
	size_t n, i, same = 0;

	if (kbtf_report_changes(mx, b, &c, &n))
		return -ENOMEM;
	fputs("\n## Since the baseline\n\n", f);
	md_text(f, kbtf_baseline_path(b));
	fputs("\n\n| change | module | kernel | was | now |\n|---|---|---|---|---|\n", f);
	for (i = 0; kbtf_report_next_change(mx, c, n, &i, &same, &row);) {
		fprintf(f, "| %s%s | ", row.c->change == KBTF_CHANGE_WORSE ? "❌ " : "",
			kbtf_change_str(row.c->change));
		md_text(f, row.module);
		fputs(" | ", f);
		md_text(f, row.kernel);
		fprintf(f, " | %s | %s |\n", row.c->was ? row.c->was : "-",
			row.now ? row.now : "-");
	}
	fprintf(f, "\n%zu pair%s unchanged.\n", same, same == 1 ? "" : "s");
	free(c);
	return 0;
}

static void abi_para(void *ctx, const char *text)
{
	fputs("> ", ctx);
	md_text(ctx, text);
	fputs("\n\n", ctx);
}

static void details(FILE *f, const struct kbtf_matrix *mx, size_t m, size_t k)
{
	const struct kbtf_result *r = kbtf_report_at(mx, m, k);
	char mod[256], ker[256];

	kbtf_report_module_label(r, mod, sizeof(mod));
	kbtf_report_kernel_label(r, ker, sizeof(ker));
	fprintf(f, "\n<a id=\"pair-%zu-%zu\"></a>\n\n### %s ", m, k, mark(r));
	md_text(f, mod);
	fputs(" on ", f);
	md_text(f, ker);
	fprintf(f, ": %s\n\n", kbtf_result_label(r));
	md_text(f, r->summary ? r->summary : "");
	fputs("\n\n- kernel source: ", f);
	md_text(f, r->source);
	fputs("\n", f);
	pair_causes(f, r);
	if (r->unchecked && r->verdict != KBTF_VERDICT_ERROR) {
		char what[64];

		kbtf_report_unchecked_str(r->unchecked, what, sizeof(what));
		fprintf(f, "- unchecked: **%s**%s", what, r->skipped ? " (--no-symbols)" : "");
		if (*kbtf_unchecked_supply(r)) {
			fputs("; to check: ", f);
			md_text(f, kbtf_unchecked_supply(r));
		}
		fputc('\n', f);
	}
	if (r->verdict != KBTF_VERDICT_ERROR) {
		fprintf(f, "- at load: **%s**", kbtf_load_str(r->load));
		if (r->consequence) {
			fputs(" — ", f);
			md_text(f, r->consequence);
		}
		fputc('\n', f);
	}
	problems(f, r);
	warnings(f, r);
	if (r->kernel_log && *r->kernel_log)
		fprintf(f, "\nThe kernel's messages:\n\n```\n%s\n```\n", r->kernel_log);
	if (r->kernel_log_note && *r->kernel_log_note) {
		fputc('\n', f);
		md_text(f, r->kernel_log_note);
		fputc('\n', f);
	}
}

int kbtf_report_md(FILE *f, const struct kbtf_matrix *mx, const struct kbtf_report_opts *o)
{
	char line[512];
	size_t m, k;

	fprintf(f, "# %s\n\n", o->title ? o->title : "kbtf validate report");
	fprintf(f, "%zu module%s x %zu kernel%s, kbtf %s. ", mx->nr_modules,
		mx->nr_modules == 1 ? "" : "s", mx->nr_kernels, mx->nr_kernels == 1 ? "" : "s",
		KBTF_VERSION);
	fprintf(f,
		"✅ ok: %zu · ❓ ok-unchecked: %zu · 🟧 no-distilled-support: %zu · "
		"❌ btf-rejected: %zu · ❌ symbols: %zu · ❌ elf-rejected: %zu · ❔ error: %zu · "
		"❌ layout-conflict: %zu\n\n",
		kbtf_report_count_label(mx, 0), kbtf_report_count_label(mx, 1),
		kbtf_report_count_label(mx, 2), kbtf_report_count_label(mx, 3),
		kbtf_report_count_label(mx, 4), kbtf_report_count_label(mx, 5),
		kbtf_report_count_label(mx, 6), kbtf_report_count_label(mx, 7));
	if (kbtf_report_abi_text(mx, abi_para, f))
		return -ENOMEM;
	if (causes(f, mx))
		return -ENOMEM;
	if (o->baseline && changes(f, mx, o->baseline))
		return -ENOMEM;
	fputs("\n## Matrix\n\n", f);
	if (mx->nr_modules && mx->nr_kernels)
		matrix(f, mx);
	for (m = 0, k = 0; m < mx->nr_modules; m++) {
		if (!kbtf_report_not_paired(mx, m, line, sizeof(line)))
			continue;
		fputs(k++ ? "\n- " : "\nPairs not made (another architecture):\n\n- ", f);
		md_text(f, line);
	}
	if (k)
		fputc('\n', f);
	if (groups(f, mx))
		return -ENOMEM;
	fputs("\n## Pairs\n", f);
	for (m = 0; m < mx->nr_modules; m++)
		for (k = 0; k < mx->nr_kernels; k++)
			if (!kbtf_report_at(mx, m, k)->not_paired)
				details(f, mx, m, k);
	return 0;
}
