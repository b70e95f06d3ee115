// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The HTML report: one self-contained page (inline CSS and a few lines of
 * script, nothing fetched). Counts, a colour-coded matrix whose cells jump
 * to that pair, and one collapsible section per pair with the problems
 * (both sides' facts), warnings, the kernel's messages and the consequence.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

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
    "body.hide-ok details.pair.v-ok{display:none}\n";

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
	static const struct {
		enum kbtf_verdict v;
		const char *cls;
	} b[] = {
	    {KBTF_VERDICT_OK, "v-ok"},
	    {KBTF_VERDICT_BTF_REJECTED, "v-bad"},
	    {KBTF_VERDICT_SYMBOLS, "v-bad"},
	    {KBTF_VERDICT_ELF_REJECTED, "v-bad"},
	    {KBTF_VERDICT_NO_DISTILLED, "v-old"},
	    {KBTF_VERDICT_ERROR, "v-err"},
	};
	size_t i;

	fputs("<div>", f);
	for (i = 0; i < sizeof(b) / sizeof(b[0]); i++)
		fprintf(f, "<span class=\"badge %s\">%s: %zu</span>", b[i].cls,
			kbtf_verdict_str(b[i].v), kbtf_report_count(mx, b[i].v));
	fputs("<label id=\"hideoklabel\"><input type=\"checkbox\" id=\"hideok\"> hide ok pairs "
	      "without warnings</label></div>\n",
	      f);
}

static void cell(FILE *f, const struct kbtf_matrix *mx, size_t m, size_t k)
{
	const struct kbtf_result *r = kbtf_report_at(mx, m, k);
	size_t nw = kbtf_result_warnings(r, KBTF_SEV_WARNING);

	fprintf(f, "<td class=\"cell %s\"><a href=\"#pair-%zu-%zu\" title=\"", vclass(r), m, k);
	esc(f, r->summary);
	fprintf(f, "\">%s", kbtf_verdict_str(r->verdict));
	if (r->verdict == KBTF_VERDICT_SYMBOLS && kbtf_result_count(r, KBTF_PROBLEM_BTF))
		fputs(" <small>+ BTF</small>", f);
	if (nw)
		fprintf(f, " <small>(%zu warning%s)</small>", nw, nw == 1 ? "" : "s");
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
	fputs("<h2>Problems</h2>\n<table class=\"problems\"><thead><tr><th></th><th>name</th>"
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

static void pair(FILE *f, const struct kbtf_matrix *mx, size_t m, size_t k)
{
	const struct kbtf_result *r = kbtf_report_at(mx, m, k);
	char mod[256], ker[256];

	kbtf_report_module_label(r, mod, sizeof(mod));
	kbtf_report_kernel_label(r, ker, sizeof(ker));
	fprintf(f,
		"<details class=\"pair %s\" id=\"pair-%zu-%zu\"><summary><span class=\"v\">%s"
		"</span> ",
		vclass(r), m, k, kbtf_verdict_str(r->verdict));
	esc(f, mod);
	fputs(" on ", f);
	esc(f, ker);
	fputs(" &mdash; ", f);
	esc(f, r->summary);
	fputs("</summary>\n<div class=\"facts\"><b>module</b> ", f);
	esc(f, r->module);
	fputs(" &middot; <b>kernel source</b> ", f);
	esc(f, r->source);
	if (r->verdict != KBTF_VERDICT_ERROR) {
		fprintf(f, " &middot; <b>module BTF</b> %s<br><b>at load: %s</b> &mdash; ",
			r->btf_form ? r->btf_form : "?", kbtf_load_str(r->load));
		esc(f, r->consequence);
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

int kbtf_report_html(FILE *f, const struct kbtf_matrix *mx, const struct kbtf_report_opts *o)
{
	const char *title = o->title ? o->title : "kbtf validate report";
	size_t m, k;

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
	badges(f, mx);
	fputs("<h2>Matrix</h2>\n", f);
	if (mx->nr_modules && mx->nr_kernels)
		matrix(f, mx);
	if (groups(f, mx))
		return -ENOMEM;
	fputs("<h2>Pairs</h2>\n<p class=\"sub\">Click a pair (or a matrix cell) for its "
	      "problems, warnings and the kernel's messages. &#9733; marks the problem the "
	      "kernel's own message names.</p>\n",
	      f);
	for (m = 0; m < mx->nr_modules; m++)
		for (k = 0; k < mx->nr_kernels; k++)
			pair(f, mx, m, k);
	fprintf(f, "<script>\n%s</script>\n</body></html>\n", script);
	return 0;
}
