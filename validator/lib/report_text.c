// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The text report: a table of every pair (module, kernel, verdict, load),
 * then the details of every pair that is not a plain ok: the kernel's own
 * message, each problem with both sides' facts, warnings, and what the
 * kernel does. Colour only when asked (the command asks on a tty).
 */
#include <stdio.h>
#include <string.h>

#include "kbtf/report.h"
#include "report_writers.h"

static const char *verdict_color(enum kbtf_verdict v)
{
	switch (v) {
	case KBTF_VERDICT_OK:
		return "\033[32m";
	case KBTF_VERDICT_NO_DISTILLED:
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

			kbtf_report_module_label(r, mod, sizeof(mod));
			kbtf_report_kernel_label(r, ker, sizeof(ker));
			fprintf(f, "%-*s  %-*s  %s%-20s%s  %s", wm, mod, wk, ker,
				o->color ? verdict_color(r->verdict) : "",
				kbtf_verdict_str(r->verdict), o->color ? "\033[0m" : "",
				r->verdict == KBTF_VERDICT_ERROR ? "-" : kbtf_load_str(r->load));
			if (nw)
				fprintf(f, " (%zu warning%s)", nw, nw == 1 ? "" : "s");
			fputc('\n', f);
		}
	}
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
	size_t i;

	for (i = 0; i < r->nr_problems; i++) {
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

static void details(FILE *f, const struct kbtf_result *r, const struct kbtf_report_opts *o)
{
	char mod[256], ker[256];

	kbtf_report_module_label(r, mod, sizeof(mod));
	kbtf_report_kernel_label(r, ker, sizeof(ker));
	fprintf(f, "\n%s%s on %s%s: %s%s%s: %s\n", o->color ? "\033[1m" : "", mod, ker,
		o->color ? "\033[0m" : "", o->color ? verdict_color(r->verdict) : "",
		kbtf_verdict_str(r->verdict), o->color ? "\033[0m" : "",
		r->summary ? r->summary : "");
	if (r->source && strcmp(r->source, ker))
		fprintf(f, "  kernel source: %s\n", r->source);
	problems(f, r, o);
	warnings(f, r, o);
	if (r->kernel_log && *r->kernel_log) {
		fprintf(f, "  kernel log:\n");
		indent_lines(f, "    | ", r->kernel_log);
	}
	if (r->kernel_log_note && *r->kernel_log_note)
		fprintf(f, "  %s\n", r->kernel_log_note);
	if (r->verdict != KBTF_VERDICT_OK && r->consequence)
		fprintf(f, "  at load: %s\n", r->consequence);
}

int kbtf_report_text(FILE *f, const struct kbtf_matrix *mx, const struct kbtf_report_opts *o)
{
	size_t i, n = mx->nr_modules * mx->nr_kernels;

	table(f, mx, o);
	for (i = 0; i < n; i++) {
		const struct kbtf_result *r = &mx->results[i];

		if (o->verbose || r->verdict != KBTF_VERDICT_OK ||
		    kbtf_result_warnings(r, KBTF_SEV_WARNING))
			details(f, r, o);
	}
	fprintf(f,
		"\n%zu pair%s: %zu ok, %zu btf-rejected, %zu no-distilled-support, "
		"%zu symbols, %zu elf-rejected, %zu error (%.0f ms)\n",
		n, n == 1 ? "" : "s", kbtf_report_count(mx, KBTF_VERDICT_OK),
		kbtf_report_count(mx, KBTF_VERDICT_BTF_REJECTED),
		kbtf_report_count(mx, KBTF_VERDICT_NO_DISTILLED),
		kbtf_report_count(mx, KBTF_VERDICT_SYMBOLS),
		kbtf_report_count(mx, KBTF_VERDICT_ELF_REJECTED),
		kbtf_report_count(mx, KBTF_VERDICT_ERROR), mx->total_ms);
	return 0;
}
