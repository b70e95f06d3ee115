// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The JUnit XML report for CI: one testsuite per module, one testcase per
 * (module, kernel). A pair that is not ok is a <failure> whose type is the
 * verdict and whose text starts with its causes and their fixes; an
 * ok-unchecked pair is <skipped> saying what was not checked and what to
 * supply; an unreadable input is an <error>; warnings go to system-out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cause.h"
#include "kbtf/report.h"
#include "report_writers.h"

static void attr(FILE *f, const char *name, const char *value)
{
	fprintf(f, " %s=\"", name);
	kbtf_report_xml_escape(f, value);
	fputc('"', f);
}

static void causes_body(FILE *f, const struct kbtf_result *r)
{
	struct kbtf_pair_cause *pc;
	size_t n, i;
	char *fix;

	if (kbtf_causes_of(r, &pc, &n))
		return;
	for (i = 0; i < n; i++) {
		fprintf(f, "cause %s", kbtf_cause_code(pc[i].cause));
		if (*pc[i].subject) {
			fputc(' ', f);
			kbtf_report_xml_escape(f, pc[i].subject);
		}
		fix = kbtf_cause_fix(pc[i].cause, pc[i].subject);
		if (fix) {
			fputs("\n  fix: ", f);
			kbtf_report_xml_escape(f, fix);
		}
		fputc('\n', f);
		free(fix);
	}
	free(pc);
}

static void failure_body(FILE *f, const struct kbtf_result *r)
{
	size_t i;

	causes_body(f, r);
	for (i = 0; i < r->nr_problems; i++) {
		const struct kbtf_problem *p = &r->problems[i];

		fprintf(f, "%s ", p->kind == KBTF_PROBLEM_BTF ? "btf" : "symbol");
		kbtf_report_xml_escape(f, p->name);
		fputs(": ", f);
		kbtf_report_xml_escape(f, p->reason);
		fputc('\n', f);
		if (p->expected) {
			fputs("  module: ", f);
			kbtf_report_xml_escape(f, p->expected);
			fputc('\n', f);
		}
		if (p->actual) {
			fputs("  kernel: ", f);
			kbtf_report_xml_escape(f, p->actual);
			fputc('\n', f);
		}
	}
	if (r->kernel_log && *r->kernel_log) {
		fputs("kernel log:\n", f);
		kbtf_report_xml_escape(f, r->kernel_log);
		fputc('\n', f);
	}
	if (r->consequence) {
		fputs("at load: ", f);
		kbtf_report_xml_escape(f, r->consequence);
		fputc('\n', f);
	}
}

static void testcase(FILE *f, const struct kbtf_result *r)
{
	char mod[256], ker[256];
	size_t i, d;

	kbtf_report_module_label(r, mod, sizeof(mod));
	kbtf_report_kernel_label(r, ker, sizeof(ker));
	fputs("    <testcase", f);
	attr(f, "classname", mod);
	attr(f, "name", ker);
	fprintf(f, " time=\"%.6f\">\n", r->ms / 1000.0);
	if (r->verdict == KBTF_VERDICT_ERROR) {
		fputs("      <error", f);
		attr(f, "type", "error");
		attr(f, "message", r->summary ? r->summary : "could not be read");
		fputs("/>\n", f);
	} else if (kbtf_report_label_index(r) == 1) {
		char what[64], msg[512];

		kbtf_report_unchecked_str(r->unchecked & KBTF_UNCHECKED_LOAD, what, sizeof(what));
		snprintf(msg, sizeof(msg), "ok-unchecked: %s not checked; to check: %s", what,
			 *kbtf_unchecked_supply(r) ? kbtf_unchecked_supply(r)
						   : "drop --no-symbols");
		fputs("      <skipped", f);
		attr(f, "message", msg);
		fputs("/>\n", f);
	} else if (r->verdict != KBTF_VERDICT_OK) {
		fputs("      <failure", f);
		attr(f, "type", kbtf_verdict_str(r->verdict));
		attr(f, "message", r->summary ? r->summary : "");
		fputs(">", f);
		failure_body(f, r);
		fputs("</failure>\n", f);
	}
	if (r->nr_warnings) {
		fputs("      <system-out>", f);
		for (i = 0; i < r->nr_warnings; i++) {
			const struct kbtf_warning *w = &r->warnings[i];

			fputs(w->severity == KBTF_SEV_WARNING ? "warning: " : "info: ", f);
			kbtf_report_xml_escape(f, w->message);
			fputc('\n', f);
			for (d = 0; d < w->nr_details; d++) {
				fputs("  ", f);
				kbtf_report_xml_escape(f, w->details[d]);
				fputc('\n', f);
			}
		}
		fputs("</system-out>\n", f);
	}
	fputs("    </testcase>\n", f);
}

static void abi_property(void *ctx, const char *text)
{
	fputs("      <property name=\"abi-model\"", ctx);
	attr(ctx, "value", text);
	fputs("/>\n", ctx);
}

static bool has_abi(const struct kbtf_matrix *mx)
{
	struct kbtf_report_abi *a;
	size_t n;

	if (kbtf_report_abi(mx, &a, &n))
		return false;
	kbtf_report_abi_free(a, n);
	return n > 0;
}

static void suite(FILE *f, const struct kbtf_matrix *mx, size_t m)
{
	size_t k, failures = 0, errors = 0, skipped = 0, tests = 0;
	char mod[256], line[512];
	double ms = 0;

	for (k = 0; k < mx->nr_kernels; k++) {
		const struct kbtf_result *r = kbtf_report_at(mx, m, k);

		if (r->not_paired)
			continue;
		tests++;
		errors += r->verdict == KBTF_VERDICT_ERROR;
		failures += r->verdict != KBTF_VERDICT_ERROR && r->verdict != KBTF_VERDICT_OK;
		skipped += kbtf_report_label_index(r) == 1;
		ms += r->ms;
	}
	kbtf_report_module_label(kbtf_report_at(mx, m, 0), mod, sizeof(mod));
	fputs("  <testsuite", f);
	attr(f, "name", mod);
	fprintf(f,
		" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" time=\"%.6f\">\n",
		tests, failures, errors, skipped, ms / 1000.0);
	/* the distro's ABI model, which says why most failures are expected */
	if (has_abi(mx)) {
		fputs("    <properties>\n", f);
		kbtf_report_abi_text(mx, abi_property, f);
		fputs("    </properties>\n", f);
	}
	for (k = 0; k < mx->nr_kernels; k++)
		if (!kbtf_report_at(mx, m, k)->not_paired)
			testcase(f, kbtf_report_at(mx, m, k));
	if (kbtf_report_not_paired(mx, m, line, sizeof(line))) {
		fputs("    <system-out>", f);
		kbtf_report_xml_escape(f, line);
		fputs("</system-out>\n", f);
	}
	fputs("  </testsuite>\n", f);
}

int kbtf_report_junit(FILE *f, const struct kbtf_matrix *mx, const struct kbtf_report_opts *o)
{
	size_t m, i, n = 0;
	size_t errors = kbtf_report_count(mx, KBTF_VERDICT_ERROR);

	for (i = 0; i < mx->nr_modules * mx->nr_kernels; i++)
		n += !mx->results[i].not_paired;

	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
	fprintf(f,
		"<testsuites name=\"kbtf validate\" tests=\"%zu\" failures=\"%zu\" "
		"errors=\"%zu\" skipped=\"%zu\" time=\"%.6f\">\n",
		n, n - errors - kbtf_report_count(mx, KBTF_VERDICT_OK), errors,
		kbtf_report_count_label(mx, 1), mx->total_ms / 1000.0);
	for (m = 0; m < mx->nr_modules && mx->nr_kernels; m++)
		suite(f, mx, m);
	fputs("</testsuites>\n", f);
	return 0;
}
