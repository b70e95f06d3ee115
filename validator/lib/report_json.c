// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The JSON report, through the one shared JSON writer (kbtf/json.h). The
 * shape is documented in docs/json-format.md and kept stable: fields may be
 * added, never renamed or removed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "cause.h"
#include "kbtf/err.h"
#include "kbtf/json.h"
#include "kbtf/report.h"
#include "report_writers.h"

/* 2: modules and kernels are lists of facts, causes, unchecked steps,
 * ok-unchecked, CRCs and sizes as numbers (docs/json-format.md) */
#define KBTF_JSON_FORMAT_VERSION 2

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
	if (p->has_crc) {
		kbtf_json_kv_uint(j, "module_crc", p->module_crc);
		kbtf_json_kv_uint(j, "kernel_crc", p->kernel_crc);
	} else {
		kbtf_json_kv_null(j, "module_crc");
		kbtf_json_kv_null(j, "kernel_crc");
	}
	if (p->module_size >= 0)
		kbtf_json_kv_int(j, "module_size", p->module_size);
	else
		kbtf_json_kv_null(j, "module_size");
	if (p->kernel_size >= 0)
		kbtf_json_kv_int(j, "kernel_size", p->kernel_size);
	else
		kbtf_json_kv_null(j, "kernel_size");
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

static void unchecked(struct kbtf_json *j, const char *key, unsigned int bits)
{
	static const enum kbtf_unchecked all[] = {KBTF_UNCHECKED_SYMBOLS, KBTF_UNCHECKED_VERMAGIC,
						  KBTF_UNCHECKED_ARCH, KBTF_UNCHECKED_LAYOUT};
	size_t i;

	kbtf_json_kv_array(j, key);
	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (bits & all[i])
			kbtf_json_string(j, kbtf_unchecked_str(all[i]));
	kbtf_json_array_end(j);
}

static int pair_causes(struct kbtf_json *j, const struct kbtf_result *r)
{
	struct kbtf_pair_cause *pc;
	size_t n, i;

	if (kbtf_causes_of(r, &pc, &n))
		return -ENOMEM;
	kbtf_json_kv_array(j, "causes");
	for (i = 0; i < n; i++) {
		kbtf_json_object_start(j);
		kbtf_json_kv_string(j, "code", kbtf_cause_code(pc[i].cause));
		kbtf_json_kv_string(j, "subject", pc[i].subject);
		kbtf_json_object_end(j);
	}
	kbtf_json_array_end(j);
	free(pc);
	return 0;
}

static int result(struct kbtf_json *j, const struct kbtf_matrix *mx, size_t at)
{
	const struct kbtf_result *r = &mx->results[at];
	size_t i;

	kbtf_json_object_start(j);
	kbtf_json_kv_uint(j, "module_index", at / mx->nr_kernels);
	kbtf_json_kv_uint(j, "kernel_index", at % mx->nr_kernels);
	kbtf_json_kv_string(j, "module", r->module);
	kbtf_json_kv_string(j, "module_name", r->module_name);
	kbtf_json_kv_string(j, "source", r->source);
	kbtf_json_kv_string(j, "release", r->release);
	kbtf_json_kv_array(j, "layers");
	for (i = 0; i < r->nr_layers; i++)
		kbtf_json_string(j, r->layers[i]);
	kbtf_json_array_end(j);
	kbtf_json_kv_string(j, "verdict", kbtf_result_label(r));
	kbtf_json_kv_string(j, "summary", r->summary);
	unchecked(j, "unchecked", r->unchecked);
	unchecked(j, "skipped", r->skipped);
	kbtf_json_kv_string(j, "to_check", kbtf_unchecked_supply(r));
	if (pair_causes(j, r))
		return -ENOMEM;
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
		if (r->kabi)
			kbtf_json_kv_string(j, "kabi", r->kabi);
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
	return 0;
}

/* Each module once, with what is known of it (from its first pair). */
static void modules(struct kbtf_json *j, const struct kbtf_matrix *mx)
{
	char label[256];
	size_t m;

	kbtf_json_kv_array(j, "modules");
	for (m = 0; m < mx->nr_modules && mx->nr_kernels; m++) {
		const struct kbtf_result *r = kbtf_report_at(mx, m, 0);

		kbtf_report_module_label(r, label, sizeof(label));
		kbtf_json_object_start(j);
		kbtf_json_kv_uint(j, "index", m);
		kbtf_json_kv_string(j, "name", label);
		kbtf_json_kv_string(j, "path", r->module);
		kbtf_json_kv_string(j, "build_release", r->module_release);
		kbtf_json_kv_string(j, "arch", r->module_arch);
		kbtf_json_kv_string(j, "btf_form", r->btf_form);
		kbtf_json_object_end(j);
	}
	kbtf_json_array_end(j);
}

/* Each kernel once (from the first module's pair on it). */
static void kernels(struct kbtf_json *j, const struct kbtf_matrix *mx)
{
	const struct kbtf_abi_model *am;
	char label[256];
	size_t k, i;

	kbtf_json_kv_array(j, "kernels");
	for (k = 0; k < mx->nr_kernels && mx->nr_modules; k++) {
		const struct kbtf_result *r = kbtf_report_at(mx, 0, k);

		/* a pair made on it, when there is one, knows its symbols */
		for (i = 1; r->not_paired && i < mx->nr_modules; i++)
			r = kbtf_report_at(mx, i, k);
		kbtf_report_kernel_label(r, label, sizeof(label));
		am = kbtf_abi_model_of(r->release);
		kbtf_json_object_start(j);
		kbtf_json_kv_uint(j, "index", k);
		kbtf_json_kv_string(j, "name", label);
		kbtf_json_kv_string(j, "release", r->release);
		kbtf_json_kv_string(j, "source", r->source);
		kbtf_json_kv_string(j, "arch", r->kernel_arch);
		kbtf_json_kv_array(j, "layers");
		for (i = 0; i < r->nr_layers; i++)
			kbtf_json_string(j, r->layers[i]);
		kbtf_json_array_end(j);
		kbtf_json_kv_string(j, "distro", am ? am->distro : NULL);
		if (r->verdict == KBTF_VERDICT_ERROR)
			kbtf_json_kv_null(j, "symbols_from");
		else
			kbtf_json_kv_string(j, "symbols_from", r->symbols_from);
		if (r->verdict == KBTF_VERDICT_ERROR)
			kbtf_json_kv_null(j, "allow_btf_mismatch");
		else
			tristate(j, "allow_btf_mismatch", r->allow_btf_mismatch);
		kbtf_json_object_end(j);
	}
	kbtf_json_array_end(j);
}

static void indexes(struct kbtf_json *j, const char *key, const size_t *v, size_t n)
{
	size_t i;

	kbtf_json_kv_array(j, key);
	for (i = 0; i < n; i++)
		kbtf_json_uint(j, v[i]);
	kbtf_json_array_end(j);
}

/* The matrix's causes, one object per row (cause.h). */
static int causes(struct kbtf_json *j, const struct kbtf_matrix *mx)
{
	struct kbtf_cause_row *rows;
	size_t n, i, s, nk, nm;
	size_t *ks = calloc(mx->nr_kernels + mx->nr_modules + 1, sizeof(*ks));
	size_t *ms = ks ? ks + mx->nr_kernels : NULL;

	if (!ks || kbtf_cause_rows(mx, &rows, &n)) {
		free(ks);
		return -ENOMEM;
	}
	kbtf_json_kv_array(j, "causes");
	for (i = 0; i < n; i++) {
		kbtf_json_object_start(j);
		kbtf_json_kv_string(j, "code", kbtf_cause_code(rows[i].cause));
		kbtf_json_kv_string(j, "class",
				    kbtf_cause_class_str(kbtf_cause_class(rows[i].cause)));
		kbtf_json_kv_string(j, "title", kbtf_cause_title(rows[i].cause));
		kbtf_json_kv_array(j, "subjects");
		for (s = 0; s < rows[i].nr_subjects; s++)
			if (*rows[i].subjects[s])
				kbtf_json_string(j, rows[i].subjects[s]);
		kbtf_json_array_end(j);
		kbtf_json_kv_string(j, "fix", rows[i].fix);
		nk = kbtf_cause_row_kernels(mx, &rows[i], ks);
		nm = kbtf_cause_row_modules(mx, &rows[i], ms);
		indexes(j, "kernels", ks, nk);
		indexes(j, "modules", ms, nm);
		kbtf_json_kv_uint(j, "pairs", rows[i].nr_pairs);
		kbtf_json_object_end(j);
	}
	kbtf_json_array_end(j);
	kbtf_cause_rows_free(rows, n);
	free(ks);
	return 0;
}

/* The distro ABI models of the kernels (report_abi.c groups them). */
static int abi(struct kbtf_json *j, const struct kbtf_matrix *mx)
{
	struct kbtf_report_abi *a;
	size_t n, i, s;

	if (kbtf_report_abi(mx, &a, &n))
		return -ENOMEM;
	kbtf_json_kv_array(j, "abi_models");
	for (i = 0; i < n; i++) {
		kbtf_json_object_start(j);
		kbtf_json_kv_string(j, "distro", a[i].model->distro);
		kbtf_json_kv_bool(j, "stable_kabi", a[i].model->stable_kabi);
		kbtf_json_kv_string(j, "summary", a[i].model->summary);
		indexes(j, "kernels", a[i].kernels, a[i].nr_kernels);
		kbtf_json_kv_array(j, "streams");
		for (s = 0; s < a[i].nr_streams; s++) {
			kbtf_json_object_start(j);
			kbtf_json_kv_string(j, "name", a[i].streams[s].name);
			indexes(j, "kernels", a[i].streams[s].kernels, a[i].streams[s].nr_kernels);
			kbtf_json_object_end(j);
		}
		kbtf_json_array_end(j);
		kbtf_json_object_end(j);
	}
	kbtf_json_array_end(j);
	kbtf_report_abi_free(a, n);
	return 0;
}

static void counts(struct kbtf_json *j, const struct kbtf_matrix *mx)
{
	size_t i;

	kbtf_json_kv_object(j, "counts");
	for (i = 0; i < KBTF_REPORT_NR_LABELS; i++)
		kbtf_json_kv_uint(j, kbtf_report_labels[i], kbtf_report_count_label(mx, i));
	kbtf_json_object_end(j);
}

/* Per module, the kernels of other architectures it was not paired with. */
static void not_paired(struct kbtf_json *j, const struct kbtf_matrix *mx)
{
	char line[512];
	size_t m, k;

	kbtf_json_kv_array(j, "not_paired");
	for (m = 0; m < mx->nr_modules; m++) {
		if (!kbtf_report_not_paired(mx, m, line, sizeof(line)))
			continue;
		kbtf_json_object_start(j);
		kbtf_json_kv_uint(j, "module_index", m);
		kbtf_json_kv_string(j, "arch", kbtf_report_at(mx, m, 0)->module_arch);
		kbtf_json_kv_array(j, "kernels");
		for (k = 0; k < mx->nr_kernels; k++)
			if (kbtf_report_at(mx, m, k)->not_paired)
				kbtf_json_uint(j, k);
		kbtf_json_array_end(j);
		kbtf_json_kv_string(j, "message", line);
		kbtf_json_object_end(j);
	}
	kbtf_json_array_end(j);
}

int kbtf_report_json(FILE *f, const struct kbtf_matrix *mx, const struct kbtf_report_opts *o)
{
	struct kbtf_json *j = kbtf_json_new(f, true);
	size_t i;
	int err = 0;

	if (!j)
		return kbtf_err_nomem();
	kbtf_json_object_start(j);
	kbtf_json_kv_uint(j, "format_version", KBTF_JSON_FORMAT_VERSION);
	kbtf_json_kv_string(j, "kbtf_version", KBTF_VERSION);
	kbtf_json_kv_string(j, "worst", kbtf_report_worst_label(mx));
	counts(j, mx);
	modules(j, mx);
	kernels(j, mx);
	err = abi(j, mx);
	if (!err)
		err = causes(j, mx);
	if (o->baseline && !err)
		err = kbtf_report_baseline_json(j, mx, o->baseline);
	kbtf_json_kv_uint(j, "total_ms", (uint64_t)mx->total_ms);
	not_paired(j, mx);
	kbtf_json_kv_array(j, "results");
	for (i = 0; !err && i < mx->nr_modules * mx->nr_kernels; i++)
		if (!mx->results[i].not_paired)
			err = result(j, mx, i);
	kbtf_json_array_end(j);
	kbtf_json_object_end(j);
	if (kbtf_json_free(j) && !err)
		return kbtf_err(-EIO, "writing JSON failed");
	return err ? kbtf_err_nomem() : 0;
}
