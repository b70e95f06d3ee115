// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The JSON report, through the one shared JSON writer (kbtf/json.h). The
 * shape is documented in docs/json-format.md and kept stable: fields may be
 * added, never renamed or removed.
 */
#include <errno.h>
#include <stdio.h>

#include "kbtf/err.h"
#include "kbtf/json.h"
#include "kbtf/report.h"
#include "report_writers.h"

#define KBTF_JSON_FORMAT_VERSION 1

static void tristate(struct kbtf_json *j, const char *key, int v)
{
	if (v < 0)
		kbtf_json_kv_null(j, key);
	else
		kbtf_json_kv_bool(j, key, v);
}

static void problem(struct kbtf_json *j, const struct kbtf_problem *p)
{
	kbtf_json_object_start(j);
	kbtf_json_kv_string(j, "kind", p->kind == KBTF_PROBLEM_BTF ? "btf" : "symbol");
	kbtf_json_kv_string(j, "name", p->name);
	kbtf_json_kv_string(j, "reason", p->reason);
	kbtf_json_kv_string(j, "expected", p->expected);
	kbtf_json_kv_string(j, "actual", p->actual);
	kbtf_json_kv_string(j, "detail", p->detail);
	kbtf_json_kv_bool(j, "kernel_reports_first", p->kernel_first);
	kbtf_json_object_end(j);
}

static void warning(struct kbtf_json *j, const struct kbtf_warning *w)
{
	size_t i;

	kbtf_json_object_start(j);
	kbtf_json_kv_string(j, "severity", w->severity == KBTF_SEV_WARNING ? "warning" : "info");
	kbtf_json_kv_string(j, "kind", w->kind);
	kbtf_json_kv_string(j, "name", w->name);
	kbtf_json_kv_string(j, "message", w->message);
	kbtf_json_kv_array(j, "details");
	for (i = 0; i < w->nr_details; i++)
		kbtf_json_string(j, w->details[i]);
	kbtf_json_array_end(j);
	kbtf_json_object_end(j);
}

static void result(struct kbtf_json *j, const struct kbtf_result *r)
{
	size_t i;

	kbtf_json_object_start(j);
	kbtf_json_kv_string(j, "module", r->module);
	kbtf_json_kv_string(j, "module_name", r->module_name);
	kbtf_json_kv_string(j, "source", r->source);
	kbtf_json_kv_string(j, "release", r->release);
	kbtf_json_kv_array(j, "layers");
	for (i = 0; i < r->nr_layers; i++)
		kbtf_json_string(j, r->layers[i]);
	kbtf_json_array_end(j);
	kbtf_json_kv_string(j, "verdict", kbtf_verdict_str(r->verdict));
	kbtf_json_kv_string(j, "summary", r->summary);
	kbtf_json_kv_array(j, "problems");
	for (i = 0; i < r->nr_problems; i++)
		problem(j, &r->problems[i]);
	kbtf_json_array_end(j);
	kbtf_json_kv_array(j, "warnings");
	for (i = 0; i < r->nr_warnings; i++)
		warning(j, &r->warnings[i]);
	kbtf_json_array_end(j);
	if (r->verdict != KBTF_VERDICT_ERROR) {
		kbtf_json_kv_string(j, "load", kbtf_load_str(r->load));
		kbtf_json_kv_string(j, "consequence", r->consequence);
		kbtf_json_kv_string(j, "kernel_log", r->kernel_log);
		kbtf_json_kv_string(j, "kernel_log_note",
				    r->kernel_log_note ? r->kernel_log_note : "");
		kbtf_json_kv_string(j, "btf_form", r->btf_form);
		if (r->reloc_err == -1) {
			kbtf_json_kv_null(j, "relocation");
		} else {
			kbtf_json_kv_object(j, "relocation");
			kbtf_json_kv_bool(j, "ok", !r->reloc_err);
			kbtf_json_kv_int(j, "errno", r->reloc_err);
			kbtf_json_kv_string(j, "message", r->reloc_log);
			kbtf_json_object_end(j);
		}
		tristate(j, "allow_btf_mismatch", r->allow_btf_mismatch);
		kbtf_json_kv_uint(j, "time_us", (uint64_t)(r->ms * 1000.0));
	}
	kbtf_json_object_end(j);
}

static void counts(struct kbtf_json *j, const struct kbtf_matrix *mx)
{
	int v;

	kbtf_json_kv_object(j, "counts");
	for (v = 0; v < KBTF_VERDICT_COUNT; v++)
		kbtf_json_kv_uint(j, kbtf_verdict_str((enum kbtf_verdict)v),
				  kbtf_report_count(mx, (enum kbtf_verdict)v));
	kbtf_json_object_end(j);
}

int kbtf_report_json(FILE *f, const struct kbtf_matrix *mx, const struct kbtf_report_opts *o)
{
	struct kbtf_json *j = kbtf_json_new(f, true);
	size_t i;

	if (!j)
		return kbtf_err_nomem();
	kbtf_json_object_start(j);
	kbtf_json_kv_uint(j, "format_version", KBTF_JSON_FORMAT_VERSION);
	kbtf_json_kv_string(j, "kbtf_version", KBTF_VERSION);
	kbtf_json_kv_string(j, "worst", kbtf_verdict_str(kbtf_matrix_worst(mx)));
	counts(j, mx);
	kbtf_json_kv_uint(j, "modules", mx->nr_modules);
	kbtf_json_kv_uint(j, "kernels", mx->nr_kernels);
	kbtf_json_kv_uint(j, "total_ms", (uint64_t)mx->total_ms);
	kbtf_json_kv_array(j, "results");
	for (i = 0; i < mx->nr_modules * mx->nr_kernels; i++)
		result(j, &mx->results[i]);
	kbtf_json_array_end(j);
	kbtf_json_object_end(j);
	if (kbtf_json_free(j))
		return kbtf_err(-EIO, "writing JSON failed");
	return 0;
}
