// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Fuzz --baseline's reader (report_baseline.c): its JSON parser on any
 * bytes, and for what reads as a report, the comparison with a small
 * matrix and every report format that prints it. Seeds: JSON reports of
 * real runs (format 2) and a format 1 one.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kbtf/report.h"
#include "report_writers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *dup(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* One module on two kernels: ok and symbols, as a real run leaves them. */
static void fill(struct kbtf_result *r, const char *rel, enum kbtf_verdict v)
{
	memset(r, 0, sizeof(*r));
	r->module = dup("/m/kbtf_demo.ko");
	r->module_name = dup("kbtf_demo");
	r->source = dup("/profiles/x");
	r->release = dup(rel);
	r->verdict = v;
	r->load = v == KBTF_VERDICT_OK ? KBTF_LOAD_OK : KBTF_LOAD_REFUSED;
	r->summary = dup("s");
	r->consequence = dup("c");
	r->kernel_log = dup("");
	r->kernel_log_note = dup("");
	r->btf_form = dup("distilled");
	r->allow_btf_mismatch = -1;
	r->reloc_err = -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum kbtf_report_format fmts[] = {KBTF_REPORT_TEXT, KBTF_REPORT_JSON,
						       KBTF_REPORT_MD, KBTF_REPORT_HTML};
	struct kbtf_result res[2];
	struct kbtf_matrix mx = {.results = res, .nr_modules = 1, .nr_kernels = 2};
	struct kbtf_report_opts o = {0};
	struct kbtf_report_change *c;
	struct kbtf_baseline *b;
	FILE *null;
	size_t n, i;

	if (kbtf_baseline_from_mem("fuzz.json", data, size, &b))
		return 0;
	fill(&res[0], "6.12.113+deb12-amd64", KBTF_VERDICT_OK);
	fill(&res[1], "6.12.113+deb12-rt-amd64", KBTF_VERDICT_SYMBOLS);
	if (!kbtf_report_changes(&mx, b, &c, &n))
		free(c);
	null = fopen("/dev/null", "w");
	o.baseline = b;
	for (i = 0; null && i < sizeof(fmts) / sizeof(fmts[0]); i++)
		kbtf_report_write(null, fmts[i], &mx, &o);
	if (null)
		fclose(null);
	kbtf_result_fini(&res[0]);
	kbtf_result_fini(&res[1]);
	kbtf_baseline_free(b);
	return 0;
}
