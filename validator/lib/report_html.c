// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The HTML report: one self-contained page (inline CSS and a few lines of
 * script, nothing fetched). A summary to read in ten seconds (how many
 * pairs load, the main causes and their fixes), the distro's ABI model,
 * the causes table with the kernels and modules each hits, what changed
 * since a baseline, a colour-coded kernel x module matrix whose cells name
 * their causes and jump to that pair, and one collapsible section per pair
 * with its causes, the problems (both sides' facts), warnings, the
 * kernel's messages and the consequence.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cause.h"
#include "kbtf/report.h"
#include "report_writers.h"

#define esc kbtf_report_xml_escape

static const char css[] =
    "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px;"
    "color:#1d1d1f;background:#fafafa}\n"
    "h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}\n"
    ".sub{color:#666;margin-bottom:12px}\n"
    ".badge{display:inline-block;padding:2px 10px;border-radius:10px;margin:0 6px 6px 0;"
    "font-weight:600}\n"
    "table{border-collapse:collapse;background:#fff}\n"
    "th,td{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}\n"
    "th{background:#f0f0f0;position:sticky;top:0}\n"
    "td.cell a{display:block;color:inherit;text-decoration:none;font-weight:600}\n"
    ".v-ok{background:#e6f4ea;color:#1e6b34}.v-warn{background:#fff6d6;color:#7a5a00}\n"
    ".v-bad{background:#fde7e7;color:#a51d1d}.v-old{background:#ffedd9;color:#9a4a00}\n"
    ".v-err{background:#f1e6f7;color:#6a1b9a}\n"
    "details.pair{background:#fff;color:#1d1d1f;border:1px solid #ddd;"
    "border-left:6px solid #ccc;border-radius:4px;margin:8px 0;padding:4px 12px}\n"
    "details.pair.v-ok>summary{color:#1e6b34}details.pair.v-warn>summary{color:#7a5a00}\n"
    "details.pair.v-bad>summary{color:#a51d1d}details.pair.v-old>summary{color:#9a4a00}\n"
    "details.pair.v-err>summary{color:#6a1b9a}\n"
    "details.pair.v-ok{border-left-color:#34a853}details.pair.v-warn{border-left-color:#f2b600}\n"
    "details.pair.v-bad{border-left-color:#d93025}details.pair.v-old{border-left-color:#f08c00}\n"
    "details.pair.v-err{border-left-color:#8e24aa}\n"
    "details.pair>summary{cursor:pointer;font-weight:600;padding:4px 0}\n"
    "details.pair .v{display:inline-block;min-width:150px}\n"
    ".facts{color:#444;margin:6px 0}.facts b{color:#1d1d1f}\n"
    "table.problems td{font-size:13px}table.problems td.name{font-family:monospace}\n"
    "li.warning{color:#7a5a00}li.info{color:#555}\n"
    "pre{background:#1d1d1f;color:#e8e8e8;padding:8px 10px;border-radius:4px;"
    "overflow-x:auto;font-size:12.5px}\n"
    ".star{color:#d93025}\n"
    "#hideok{margin-left:12px}\n"
    "body.hide-ok details.pair.v-ok{display:none}\n"
    ".summary{display:flex;gap:16px;flex-wrap:wrap;margin:12px 0}\n"
    ".big{background:#fff;border:1px solid #ddd;border-radius:6px;padding:10px 16px;"
    "min-width:150px}\n"
    ".big b{display:block;font-size:28px;line-height:1.1}\n"
    ".big.v-ok b{color:#1e6b34}.big.v-bad b{color:#a51d1d}.big.v-warn b{color:#7a5a00}"
    ".big.v-old b{color:#9a4a00}\n"
    ".top{background:#fff;border:1px solid #ddd;border-radius:6px;padding:8px 16px;"
    "max-width:1100px}\n"
    ".top li{margin:4px 0}\n"
    ".abi{background:#eef4fb;border-left:5px solid #4a7fc1;padding:8px 14px;margin:10px 0;"
    "max-width:1100px}\n"
    "table.causes td{font-size:13px;max-width:520px}\n"
    "code.cause{background:#eef;padding:0 4px;border-radius:3px;white-space:nowrap}\n"
    "td.cell small.c{display:block;font-weight:400;font-size:11px;opacity:.85}\n"
    "tr.worse td{background:#fde7e7}tr.better td{background:#e6f4ea}\n";

static const char script[] =
    "function openTarget(){var h=location.hash.slice(1);if(!h)return;"
    "var e=document.getElementById(h);if(e&&e.tagName==='DETAILS'){e.open=true;"
    "e.scrollIntoView();}}\n"
    "window.addEventListener('hashchange',openTarget);openTarget();\n"
    "document.getElementById('hideok').addEventListener('change',function(ev){"
    "document.body.classList.toggle('hide-ok',ev.target.checked);});\n";

static const char *vclass(const struct kbtf_result *r)
{
	switch (r->verdict) {
	case KBTF_VERDICT_OK:
		if (kbtf_report_label_index(r))
			return "v-warn";
		return kbtf_result_warnings(r, KBTF_SEV_WARNING) ? "v-warn" : "v-ok";
	case KBTF_VERDICT_NO_DISTILLED:
		return "v-old";
	case KBTF_VERDICT_ERROR:
		return "v-err";
	default:
		return "v-bad";
	}
}

static void badges(FILE *f, const struct kbtf_matrix *mx)
{
	static const char *const cls[KBTF_REPORT_NR_LABELS] = {
	    "v-ok", "v-warn", "v-old", "v-bad", "v-bad", "v-bad", "v-err", "v-bad",
	};
	size_t i;

	fputs("<div>", f);
	for (i = 0; i < KBTF_REPORT_NR_LABELS; i++)
		fprintf(f, "<span class=\"badge %s\">%s: %zu</span>", cls[i], kbtf_report_labels[i],
			kbtf_report_count_label(mx, i));
	fputs("<label id=\"hideoklabel\"><input type=\"checkbox\" id=\"hideok\"> hide ok pairs "
	      "without warnings</label></div>\n",
	      f);
}

/* The cell's causes by code, each once: what to read before clicking. */
static void cell_causes(FILE *f, const struct kbtf_result *r)
{
	struct kbtf_pair_cause *pc;
	size_t n, i, shown = 0;

	if (kbtf_causes_of(r, &pc, &n))
		return;
	for (i = 0; i < n; i++) {
		if (i && pc[i].cause == pc[i - 1].cause)
			continue;
		fprintf(f, "%s%s", shown++ ? ", " : "<small class=\"c\">",
			kbtf_cause_code(pc[i].cause));
	}
	if (shown)
		fputs("</small>", f);
	free(pc);
}

static void cell(FILE *f, const struct kbtf_matrix *mx, size_t m, size_t k)
{
	const struct kbtf_result *r = kbtf_report_at(mx, m, k);
	size_t nw = kbtf_result_warnings(r, KBTF_SEV_WARNING);

	if (r->not_paired) {
		fputs("<td class=\"cell\">not paired</td>", f);
		return;
	}
	fprintf(f, "<td class=\"cell %s\"><a href=\"#pair-%zu-%zu\" title=\"", vclass(r), m, k);
	esc(f, r->summary);
	fprintf(f, "\">%s", kbtf_result_label(r));
	if (r->verdict == KBTF_VERDICT_SYMBOLS && kbtf_result_count(r, KBTF_PROBLEM_BTF))
		fputs(" <small>+ BTF</small>", f);
	if (nw)
		fprintf(f, " <small>(%zu warning%s)</small>", nw, nw == 1 ? "" : "s");
	cell_causes(f, r);
	fputs("</a></td>", f);
}

static void matrix(FILE *f, const struct kbtf_matrix *mx)
{
	struct kbtf_report_grid g;
	char label[256];
	size_t i, c, m, k;

	kbtf_report_grid_init(mx, &g);
	fprintf(f, "<table class=\"matrix\"><thead><tr><th>%s</th>",
		g.rows_kernels ? "kernel \\ module" : "module \\ kernel");
	for (c = 0; c < g.cols; c++) {
		kbtf_report_grid_label(mx, &g, false, c, label, sizeof(label));
		fputs("<th>", f);
		esc(f, label);
		fputs("</th>", f);
	}
	fputs("</tr></thead><tbody>\n", f);
	for (i = 0; i < g.rows; i++) {
		const struct kbtf_result *r =
		    kbtf_report_grid_label(mx, &g, true, i, label, sizeof(label));

		fputs("<tr><th title=\"", f);
		esc(f, r->source);
		fputs("\">", f);
		esc(f, label);
		fputs("</th>", f);
		for (c = 0; c < g.cols; c++) {
			kbtf_report_grid_pair(&g, i, c, &m, &k);
			cell(f, mx, m, k);
		}
		fputs("</tr>\n", f);
	}
	fputs("</tbody></table>\n", f);
}

#define MAX_GROUPS 100
#define MAX_GROUP_LINKS 12

static void group_row(FILE *f, const struct kbtf_matrix *mx, const struct kbtf_report_group *g)
{
	char mod[256], ker[256];
	size_t i;

	fprintf(f, "<tr><td>%s</td><td class=\"name\">",
		g->kind == KBTF_PROBLEM_BTF ? "btf" : "symbol");
	esc(f, g->name);
	fputs("</td><td>", f);
	esc(f, g->reason);
	fprintf(f, "</td><td>%zu</td><td>", g->nr_pairs);
	for (i = 0; i < g->nr_pairs && i < MAX_GROUP_LINKS; i++) {
		size_t at = g->pairs[i];

		kbtf_report_module_label(&mx->results[at], mod, sizeof(mod));
		kbtf_report_kernel_label(&mx->results[at], ker, sizeof(ker));
		fprintf(f, "%s<a href=\"#pair-%zu-%zu\">", i ? ", " : "", at / mx->nr_kernels,
			at % mx->nr_kernels);
		esc(f, mod);
		fputs(" on ", f);
		esc(f, ker);
		fputs("</a>", f);
	}
	if (g->nr_pairs > MAX_GROUP_LINKS)
		fprintf(f, " and %zu more", g->nr_pairs - MAX_GROUP_LINKS);
	fputs("</td></tr>\n", f);
}

/* Each distinct problem once, with the pairs it hits: drill-down by problem. */
static int groups(FILE *f, const struct kbtf_matrix *mx)
{
	struct kbtf_report_group *g;
	size_t n, i;
	int err = kbtf_report_groups(mx, &g, &n);

	if (err || !n)
		return err;
	fputs("<h2>Problems (the evidence)</h2>\n<table "
	      "class=\"problems\"><thead><tr><th></th><th>name</th>"
	      "<th>reason</th><th>pairs</th><th>where</th></tr></thead><tbody>\n",
	      f);
	for (i = 0; i < n && i < MAX_GROUPS; i++)
		group_row(f, mx, &g[i]);
	fputs("</tbody></table>\n", f);
	if (n > MAX_GROUPS)
		fprintf(f, "<p class=\"sub\">and %zu more distinct problems; see the pairs.</p>\n",
			n - MAX_GROUPS);
	kbtf_report_groups_free(g, n);
	return 0;
}

static void td(FILE *f, const char *cls, const char *s)
{
	fprintf(f, "<td%s%s%s>", cls ? " class=\"" : "", cls ? cls : "", cls ? "\"" : "");
	esc(f, s ? s : "");
	fputs("</td>", f);
}

static void problems(FILE *f, const struct kbtf_result *r)
{
	size_t i;

	if (!r->nr_problems)
		return;
	fputs("<table class=\"problems\"><thead><tr><th></th><th>name</th><th>reason</th>"
	      "<th>module (build time)</th><th>this kernel</th><th>why it matters</th></tr>"
	      "</thead><tbody>\n",
	      f);
	for (i = 0; i < r->nr_problems; i++) {
		const struct kbtf_problem *p = &r->problems[i];

		fprintf(f, "<tr><td>%s%s</td>", p->kind == KBTF_PROBLEM_BTF ? "btf" : "symbol",
			p->kernel_first ? " <span class=\"star\" title=\"the kernel's own message "
					  "names this one\">&#9733;</span>"
					: "");
		td(f, "name", p->name);
		td(f, NULL, p->reason);
		td(f, NULL, p->expected);
		td(f, NULL, p->actual);
		td(f, NULL, p->detail);
		fputs("</tr>\n", f);
	}
	fputs("</tbody></table>\n", f);
}

static void warnings(FILE *f, const struct kbtf_result *r)
{
	size_t i, d;

	if (!r->nr_warnings)
		return;
	fputs("<ul class=\"warnings\">\n", f);
	for (i = 0; i < r->nr_warnings; i++) {
		const struct kbtf_warning *w = &r->warnings[i];
		bool warn = w->severity == KBTF_SEV_WARNING;

		fprintf(f, "<li class=\"%s\"><b>%s</b>: ", warn ? "warning" : "info",
			warn ? "warning" : "info");
		esc(f, w->message);
		if (w->nr_details) {
			fputs("<ul>", f);
			for (d = 0; d < w->nr_details; d++) {
				fputs("<li><code>", f);
				esc(f, w->details[d]);
				fputs("</code></li>", f);
			}
			fputs("</ul>", f);
		}
		fputs("</li>\n", f);
	}
	fputs("</ul>\n", f);
}

static void pair_causes(FILE *f, const struct kbtf_result *r)
{
	struct kbtf_pair_cause *pc;
	size_t n, i;
	char *fix;

	if (kbtf_causes_of(r, &pc, &n) || !n)
		return;
	fputs("<ul class=\"pcauses\">", f);
	for (i = 0; i < n; i++) {
		fprintf(f, "<li><code class=\"cause\">%s</code> ", kbtf_cause_code(pc[i].cause));
		if (*pc[i].subject && strlen(pc[i].subject) < 120)
			esc(f, pc[i].subject);
		fix = kbtf_cause_fix(pc[i].cause, pc[i].subject);
		if (fix) {
			fputs(" &mdash; ", f);
			esc(f, fix);
		}
		free(fix);
		fputs("</li>", f);
	}
	fputs("</ul>\n", f);
	free(pc);
}

static void pair(FILE *f, const struct kbtf_matrix *mx, size_t m, size_t k)
{
	const struct kbtf_result *r = kbtf_report_at(mx, m, k);
	char mod[256], ker[256];

	kbtf_report_module_label(r, mod, sizeof(mod));
	kbtf_report_kernel_label(r, ker, sizeof(ker));
	fprintf(f,
		"<details class=\"pair %s\" id=\"pair-%zu-%zu\"><summary><span class=\"v\">%s"
		"</span> ",
		vclass(r), m, k, kbtf_result_label(r));
	esc(f, mod);
	fputs(" on ", f);
	esc(f, ker);
	fputs(" &mdash; ", f);
	esc(f, r->summary);
	fputs("</summary>\n", f);
	pair_causes(f, r);
	fputs("<div class=\"facts\"><b>module</b> ", f);
	esc(f, r->module);
	fputs(" &middot; <b>kernel source</b> ", f);
	esc(f, r->source);
	if (r->verdict != KBTF_VERDICT_ERROR) {
		fprintf(f, " &middot; <b>module BTF</b> %s<br><b>at load: %s</b> &mdash; ",
			r->btf_form ? r->btf_form : "?", kbtf_load_str(r->load));
		esc(f, r->consequence);
	}
	if (r->unchecked && r->verdict != KBTF_VERDICT_ERROR) {
		char what[64];

		kbtf_report_unchecked_str(r->unchecked, what, sizeof(what));
		fprintf(f, "<br><b>unchecked</b>: %s%s", what, r->skipped ? " (--no-symbols)" : "");
		if (*kbtf_unchecked_supply(r)) {
			fputs(" &mdash; to check: ", f);
			esc(f, kbtf_unchecked_supply(r));
		}
	}
	fputs("</div>\n", f);
	problems(f, r);
	warnings(f, r);
	if (r->kernel_log && *r->kernel_log) {
		fputs("<div>The kernel's messages:</div><pre>", f);
		esc(f, r->kernel_log);
		fputs("</pre>\n", f);
	}
	if (r->kernel_log_note && *r->kernel_log_note) {
		fputs("<div>", f);
		esc(f, r->kernel_log_note);
		fputs("</div>\n", f);
	}
	fputs("</details>\n", f);
}

/* The subjects of a row, at most @max, "a, b and 3 more". */
static void subjects(FILE *f, const struct kbtf_cause_row *row, size_t max)
{
	size_t i, shown = 0;

	for (i = 0; i < row->nr_subjects && shown < max; i++) {
		if (!*row->subjects[i] || strlen(row->subjects[i]) > 120)
			continue;
		fputs(shown++ ? ", " : "", f);
		esc(f, row->subjects[i]);
	}
	if (row->nr_subjects > shown && shown)
		fprintf(f, " and %zu more", row->nr_subjects - shown);
}

/*
 * What a manager reads in ten seconds: how many pairs load as built, how
 * many are refused or lose their BTF, how many are not fully checked, and
 * the three causes that hit the most pairs with their fix.
 */
static int summary(FILE *f, const struct kbtf_matrix *mx, const struct kbtf_cause_row *rows,
		   size_t n)
{
	size_t np = 0, i, shown, best, used[3];
	size_t refused = kbtf_report_count_label(mx, 4) + kbtf_report_count_label(mx, 5);
	size_t nobtf = 0;

	/* BTF that fails also where an earlier step refuses the load: a
	 * rebuild with the symbols fixed meets it next */
	for (i = 0; i < mx->nr_modules * mx->nr_kernels; i++)
		np += !mx->results[i].not_paired;
	for (i = 0; i < mx->nr_modules * mx->nr_kernels; i++)
		nobtf += !mx->results[i].not_paired &&
			 (mx->results[i].verdict == KBTF_VERDICT_BTF_REJECTED ||
			  mx->results[i].verdict == KBTF_VERDICT_NO_DISTILLED ||
			  kbtf_result_count(&mx->results[i], KBTF_PROBLEM_BTF) > 0);

	fputs("<div class=\"summary\">", f);
	fprintf(f, "<div class=\"big v-ok\"><b>%zu / %zu</b>pairs load as built</div>",
		kbtf_report_count_label(mx, 0), np);
	fprintf(f, "<div class=\"big v-bad\"><b>%zu</b>refused by the loader</div>", refused);
	fprintf(f,
		"<div class=\"big v-old\"><b>%zu</b>BTF rejected or unusable (also behind a "
		"refusal)</div>",
		nobtf);
	fprintf(f, "<div class=\"big v-warn\"><b>%zu</b>ok, but not fully checked</div>",
		kbtf_report_count_label(mx, 1));
	fputs("</div>\n", f);
	if (!n)
		return 0;
	fputs("<div class=\"top\"><b>What to do first</b> (the causes that hit the most "
	      "pairs)<ol>",
	      f);
	for (shown = 0; shown < 3 && shown < n; shown++) {
		best = SIZE_MAX;
		for (i = 0; i < n; i++) {
			size_t j;
			bool taken = false;

			for (j = 0; j < shown; j++)
				taken |= used[j] == i;
			if (!taken && (best == SIZE_MAX || rows[i].nr_pairs > rows[best].nr_pairs))
				best = i;
		}
		used[shown] = best;
		fprintf(f, "<li><code class=\"cause\">%s</code> (%zu pair%s): ",
			kbtf_cause_code(rows[best].cause), rows[best].nr_pairs,
			rows[best].nr_pairs == 1 ? "" : "s");
		esc(f, rows[best].fix);
		fputs("</li>", f);
	}
	fputs("</ol></div>\n", f);
	return 0;
}

static void causes(FILE *f, const struct kbtf_matrix *mx, const struct kbtf_cause_row *rows,
		   size_t n)
{
	char ks[4096], ms[1024];
	size_t i;

	if (!n)
		return;
	fputs("<h2>Causes and fixes</h2>\n<table class=\"causes\"><thead><tr><th>cause</th>"
	      "<th>what</th><th>kernels</th><th>modules</th><th>pairs</th><th>fix</th></tr>"
	      "</thead><tbody>\n",
	      f);
	for (i = 0; i < n; i++) {
		const struct kbtf_cause_row *row = &rows[i];

		fprintf(f, "<tr><td><code class=\"cause\">%s</code><br><small>%s</small></td><td>",
			kbtf_cause_code(row->cause),
			kbtf_cause_class_str(kbtf_cause_class(row->cause)));
		esc(f, kbtf_cause_title(row->cause));
		if (row->nr_subjects && *row->subjects[0]) {
			fputs(": <b>", f);
			subjects(f, row, 8);
			fputs("</b>", f);
		}
		kbtf_report_row_names(mx, row, true, 16, ks, sizeof(ks));
		kbtf_report_row_names(mx, row, false, 8, ms, sizeof(ms));
		fputs("</td><td>", f);
		esc(f, ks);
		fputs("</td><td>", f);
		esc(f, ms);
		fprintf(f, "</td><td>%zu</td><td>", row->nr_pairs);
		esc(f, row->fix);
		fputs("</td></tr>\n", f);
	}
	fputs("</tbody></table>\n", f);
}

static void abi_para(void *ctx, const char *text)
{
	fputs("<div class=\"abi\">", ctx);
	esc(ctx, text);
	fputs("</div>\n", ctx);
}

static int changes(FILE *f, const struct kbtf_matrix *mx, const struct kbtf_baseline *b)
{
	struct kbtf_report_change *c;
	struct kbtf_change_row row;
	size_t n, i, same = 0;

	if (kbtf_report_changes(mx, b, &c, &n))
		return -ENOMEM;
	fputs("<h2>Since the baseline</h2>\n<p class=\"sub\">", f);
	esc(f, kbtf_baseline_path(b));
	fputs("</p>\n<table class=\"changes\"><thead><tr><th>change</th><th>module</th>"
	      "<th>kernel</th><th>was</th><th>now</th></tr></thead><tbody>\n",
	      f);
	for (i = 0; kbtf_report_next_change(mx, c, n, &i, &same, &row);) {
		bool link = row.r && !row.r->not_paired;

		fprintf(f, "<tr class=\"%s\"><td>%s</td><td>", kbtf_change_str(row.c->change),
			kbtf_change_str(row.c->change));
		esc(f, row.module);
		fputs("</td><td>", f);
		/* a pair not made has no section to link to */
		if (link)
			fprintf(f, "<a href=\"#pair-%zu-%zu\">", row.c->at / mx->nr_kernels,
				row.c->at % mx->nr_kernels);
		esc(f, row.kernel);
		fputs(link ? "</a></td><td>" : "</td><td>", f);
		esc(f, row.c->was ? row.c->was : "-");
		fprintf(f, "</td><td>%s</td></tr>\n", row.now ? row.now : "-");
	}
	fprintf(f, "</tbody></table>\n<p class=\"sub\">%zu pair%s unchanged.</p>\n", same,
		same == 1 ? "" : "s");
	free(c);
	return 0;
}

int kbtf_report_html(FILE *f, const struct kbtf_matrix *mx, const struct kbtf_report_opts *o)
{
	const char *title = o->title ? o->title : "kbtf validate report";
	struct kbtf_cause_row *rows;
	char line[512];
	size_t m, k, nrows;

	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
	      f);
	esc(f, title);
	fprintf(f, "</title>\n<style>\n%s</style></head>\n<body>\n<h1>", css);
	esc(f, title);
	fprintf(f,
		"</h1>\n<div class=\"sub\">%zu module%s &times; %zu kernel%s &middot; kbtf %s "
		"&middot; %.0f ms</div>\n",
		mx->nr_modules, mx->nr_modules == 1 ? "" : "s", mx->nr_kernels,
		mx->nr_kernels == 1 ? "" : "s", KBTF_VERSION, mx->total_ms);
	if (kbtf_cause_rows(mx, &rows, &nrows))
		return -ENOMEM;
	summary(f, mx, rows, nrows);
	if (kbtf_report_abi_text(mx, abi_para, f)) {
		kbtf_cause_rows_free(rows, nrows);
		return -ENOMEM;
	}
	badges(f, mx);
	if (o->baseline && changes(f, mx, o->baseline)) {
		kbtf_cause_rows_free(rows, nrows);
		return -ENOMEM;
	}
	fputs("<h2>Matrix</h2>\n<p class=\"sub\">Each cell: the verdict and its causes; click it "
	      "for the evidence.</p>\n",
	      f);
	if (mx->nr_modules && mx->nr_kernels)
		matrix(f, mx);
	for (m = 0; m < mx->nr_modules; m++) {
		if (!kbtf_report_not_paired(mx, m, line, sizeof(line)))
			continue;
		fputs("<p class=\"sub\">", f);
		esc(f, line);
		fputs("</p>\n", f);
	}
	causes(f, mx, rows, nrows);
	kbtf_cause_rows_free(rows, nrows);
	if (groups(f, mx))
		return -ENOMEM;
	fputs("<h2>Pairs</h2>\n<p class=\"sub\">Click a pair (or a matrix cell) for its "
	      "problems, warnings and the kernel's messages. &#9733; marks the problem the "
	      "kernel's own message names.</p>\n",
	      f);
	for (m = 0; m < mx->nr_modules; m++)
		for (k = 0; k < mx->nr_kernels; k++)
			if (!kbtf_report_at(mx, m, k)->not_paired)
				pair(f, mx, m, k);
	fprintf(f, "<script>\n%s</script>\n</body></html>\n", script);
	return 0;
}
