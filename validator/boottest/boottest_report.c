// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * boot-test reports: prediction and observation side by side for every
 * (module, kernel) pair, per kernel the boot facts (accelerator, time,
 * status), and disagreements spelled out loudly with the kernel's own log
 * lines. Three formats: text for people, json (the shared writer) and
 * junit for CI, one testsuite per kernel, one testcase per module.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "boottest.h"
#include "kbtf/err.h"
#include "kbtf/json.h"

/* Kernel log lines worth showing beside a verdict (the rest is taint noise). */
static bool log_relevant(const char *l)
{
	static const char *const keys[] = {"BTF",     "btf",	 "distilled", "symbol",	 "version",
					   "Unknown", "Invalid", "failed",    "mismatch"};
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (strstr(l, keys[i]))
			return true;
	}
	return false;
}

static const char *kernel_label(const struct kbtf_bt_kernel_result *kr)
{
	return kr->release ? kr->release : kr->source;
}

void kbtf_bt_report_count(const struct kbtf_bt_report *r, size_t counts[3])
{
	size_t i, j;

	counts[0] = counts[1] = counts[2] = 0;
	for (i = 0; i < r->nr_kernels; i++) {
		for (j = 0; j < r->kernels[i].nr_pairs; j++)
			counts[r->kernels[i].pairs[j].agreement]++;
	}
}

/* ------------------------------------------------------------------ text */

static void text_pair(FILE *f, const struct kbtf_bt_pair *p)
{
	char exp[64], obs[64];
	size_t i;

	kbtf_bt_expect_str(&p->expect, exp, sizeof(exp));
	kbtf_bt_obs_str(p->obs, obs, sizeof(obs));
	fprintf(f, "  %-16s %-22s %-24s %-24s %s\n", p->module, p->pred.verdict_str, exp, obs,
		kbtf_bt_agreement_str(p->agreement));
	if (p->agreement == KBTF_BT_DISAGREE) {
		fprintf(f, "  !!! DISAGREE: %s\n", p->why);
		fprintf(f, "      validator: %s\n", p->pred.detail);
		fprintf(f, "      expected because: %s\n", p->expect.why);
		if (p->expect.exact) {
			const char *l = p->expect.log;

			while (*l) {
				size_t n = strcspn(l, "\n");

				fprintf(f, "      predicted | %.*s\n", (int)n, l);
				l += n + (l[n] ? 1 : 0);
			}
		}
	} else if (p->agreement == KBTF_BT_INCONCLUSIVE) {
		fprintf(f, "      (%s)\n", p->why);
	}
	if (!p->obs)
		return;
	for (i = 0; i < p->obs->nr_log; i++) {
		if (p->agreement == KBTF_BT_DISAGREE || log_relevant(p->obs->log[i]))
			fprintf(f, "      | %s\n", p->obs->log[i]);
	}
}

static void text_kernel(FILE *f, const struct kbtf_bt_kernel_result *kr)
{
	size_t i;

	fprintf(f, "\nkernel %s\n  source: %s\n", kernel_label(kr), kr->source);
	if (kr->skip_reason) {
		fprintf(f, "  not booted: %s\n", kr->skip_reason);
		return;
	}
	fprintf(f, "  boot: %s, %.1f s wall, /init at %.2f s, %s%s\n", kr->run.accel,
		kr->run.seconds, kr->boot.init_uptime, kbtf_bt_boot_status_str(kr->boot.status),
		kr->run.timed_out ? " (killed at the timeout)" : "");
	if (kr->run.kvm_failed)
		fprintf(f, "  accel: KVM failed (%s) after %.1f s; booted again under tcg\n",
			kr->run.kvm_failed, kr->run.kvm_seconds);
	if (kr->boot.panic)
		fprintf(f, "  console: %s\n", kr->boot.panic);
	for (i = 0; i < kr->boot.nr_obs; i++) {
		const struct kbtf_bt_obs *o = &kr->boot.obs[i];
		char obs[64];

		if (!o->is_dep)
			continue;
		kbtf_bt_obs_str(o, obs, sizeof(obs));
		fprintf(f, "  dependency %s: %s\n", o->name, obs);
	}
	fprintf(f, "  %-16s %-22s %-24s %-24s %s\n", "MODULE", "PREDICTED", "EXPECTED", "OBSERVED",
		"RESULT");
	for (i = 0; i < kr->nr_pairs; i++)
		text_pair(f, &kr->pairs[i]);
}

static void write_text(const struct kbtf_bt_report *r, FILE *f)
{
	size_t i, c[3];

	kbtf_bt_report_count(r, c);
	fprintf(f, "kbtf boot-test: %zu kernel(s), %s loads, timeout %u s\n", r->nr_kernels,
		r->force ? "forced" : "plain", r->timeout_s);
	for (i = 0; i < r->nr_kernels; i++)
		text_kernel(f, &r->kernels[i]);
	fprintf(f, "\nsummary: %zu pair(s): %zu agree, %zu disagree, %zu inconclusive\n",
		c[0] + c[1] + c[2], c[0], c[1], c[2]);
	if (c[1])
		fprintf(f,
			"!!! boot-test: the kernel did not do what the validator predicted "
			"for %zu pair(s)\n",
			c[1]);
}

/* ------------------------------------------------------------------ json */

static void json_tri(struct kbtf_json *j, const char *key, enum kbtf_bt_tri t)
{
	if (t == KBTF_BT_ANY)
		kbtf_json_kv_null(j, key);
	else
		kbtf_json_kv_bool(j, key, t == KBTF_BT_YES);
}

static void json_obs(struct kbtf_json *j, const struct kbtf_bt_obs *o)
{
	size_t i;

	if (!o || !o->started) {
		kbtf_json_null(j);
		return;
	}
	kbtf_json_object_start(j);
	kbtf_json_kv_bool(j, "result", o->result);
	if (o->result) {
		kbtf_json_kv_bool(j, "loaded", o->rc == 0);
		kbtf_json_kv_int(j, "errno", o->err);
		kbtf_json_kv_string(j, "error", o->errname);
	}
	if (o->btf < 0)
		kbtf_json_kv_null(j, "btf_registered");
	else
		kbtf_json_kv_bool(j, "btf_registered", o->btf == 1);
	kbtf_json_kv_array(j, "log");
	for (i = 0; i < o->nr_log; i++)
		kbtf_json_string(j, o->log[i]);
	kbtf_json_array_end(j);
	kbtf_json_object_end(j);
}

static void json_pair(struct kbtf_json *j, const struct kbtf_bt_pair *p)
{
	kbtf_json_object_start(j);
	kbtf_json_kv_string(j, "module", p->module);
	kbtf_json_kv_string(j, "path", p->module_path);
	kbtf_json_kv_object(j, "predicted");
	kbtf_json_kv_string(j, "verdict", p->pred.verdict_str);
	kbtf_json_kv_string(j, "detail", p->pred.detail);
	json_tri(j, "btf_accepted", p->pred.btf_accepted);
	kbtf_json_object_end(j);
	kbtf_json_kv_object(j, "expected");
	json_tri(j, "loads", p->expect.loads);
	json_tri(j, "btf_registered", p->expect.btf);
	if (p->expect.err)
		kbtf_json_kv_int(j, "errno", p->expect.err);
	if (p->expect.needle[0])
		kbtf_json_kv_string(j, "log_mentions", p->expect.needle);
	if (p->expect.exact) {
		/* the loader's lines, exactly and in order (a normal load) */
		const char *l = p->expect.log;

		kbtf_json_kv_array(j, "log");
		while (*l) {
			size_t n = strcspn(l, "\n");
			char line[512];

			snprintf(line, sizeof(line), "%.*s", (int)n, l);
			kbtf_json_string(j, line);
			l += n + (l[n] ? 1 : 0);
		}
		kbtf_json_array_end(j);
	}
	kbtf_json_kv_string(j, "rule", p->expect.why);
	kbtf_json_object_end(j);
	kbtf_json_key(j, "observed");
	json_obs(j, p->obs);
	kbtf_json_kv_string(j, "result",
			    p->agreement == KBTF_BT_DISAGREE ? "disagree"
							     : kbtf_bt_agreement_str(p->agreement));
	kbtf_json_kv_string(j, "why", p->why);
	kbtf_json_object_end(j);
}

static void json_kernel(struct kbtf_json *j, const struct kbtf_bt_kernel_result *kr)
{
	size_t i;

	kbtf_json_object_start(j);
	kbtf_json_kv_string(j, "source", kr->source);
	kbtf_json_kv_string(j, "release", kr->release);
	kbtf_json_kv_string(j, "image", kr->image);
	if (kr->skip_reason) {
		kbtf_json_kv_string(j, "status", "skipped");
		kbtf_json_kv_string(j, "skip_reason", kr->skip_reason);
	} else {
		kbtf_json_kv_string(j, "status", kbtf_bt_boot_status_str(kr->boot.status));
		kbtf_json_kv_string(j, "accel", kr->run.accel);
		kbtf_json_kv_string(j, "kvm_failed", kr->run.kvm_failed);
		kbtf_json_kv_int(j, "boot_ms", (int64_t)(kr->run.seconds * 1000));
		kbtf_json_kv_int(j, "init_ms", (int64_t)(kr->boot.init_uptime * 1000));
		kbtf_json_kv_bool(j, "timed_out", kr->run.timed_out);
		kbtf_json_kv_string(j, "guest_release", kr->boot.release);
		kbtf_json_kv_string(j, "console_panic", kr->boot.panic);
	}
	kbtf_json_kv_array(j, "dependencies");
	for (i = 0; i < kr->boot.nr_obs; i++) {
		if (kr->boot.obs[i].is_dep) {
			kbtf_json_object_start(j);
			kbtf_json_kv_string(j, "module", kr->boot.obs[i].name);
			kbtf_json_key(j, "observed");
			json_obs(j, &kr->boot.obs[i]);
			kbtf_json_object_end(j);
		}
	}
	kbtf_json_array_end(j);
	kbtf_json_kv_array(j, "pairs");
	for (i = 0; i < kr->nr_pairs; i++)
		json_pair(j, &kr->pairs[i]);
	kbtf_json_array_end(j);
	kbtf_json_object_end(j);
}

static int write_json(const struct kbtf_bt_report *r, FILE *f)
{
	struct kbtf_json *j = kbtf_json_new(f, true);
	size_t i, c[3];

	if (!j)
		return kbtf_err_nomem();
	kbtf_bt_report_count(r, c);
	kbtf_json_object_start(j);
	kbtf_json_kv_string(j, "command", "boot-test");
	kbtf_json_kv_bool(j, "force", r->force);
	kbtf_json_kv_uint(j, "timeout_s", r->timeout_s);
	kbtf_json_kv_array(j, "kernels");
	for (i = 0; i < r->nr_kernels; i++)
		json_kernel(j, &r->kernels[i]);
	kbtf_json_array_end(j);
	kbtf_json_kv_object(j, "summary");
	kbtf_json_kv_uint(j, "agree", c[0]);
	kbtf_json_kv_uint(j, "disagree", c[1]);
	kbtf_json_kv_uint(j, "inconclusive", c[2]);
	kbtf_json_object_end(j);
	kbtf_json_object_end(j);
	if (kbtf_json_free(j))
		return kbtf_err(-EIO, "cannot write the report");
	return 0;
}

/* ----------------------------------------------------------------- junit */

static void xml_text(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = *s;

		if (c == '<')
			fputs("&lt;", f);
		else if (c == '>')
			fputs("&gt;", f);
		else if (c == '&')
			fputs("&amp;", f);
		else if (c == '"')
			fputs("&quot;", f);
		else if (c < 0x20 && c != '\n' && c != '\t')
			fputc('?', f); /* not representable in XML 1.0 */
		else
			fputc(c, f);
	}
}

static void junit_pair(FILE *f, const struct kbtf_bt_kernel_result *kr,
		       const struct kbtf_bt_pair *p)
{
	char exp[64], obs[64];
	size_t i;

	kbtf_bt_expect_str(&p->expect, exp, sizeof(exp));
	kbtf_bt_obs_str(p->obs, obs, sizeof(obs));
	fputs("    <testcase classname=\"boot-test.", f);
	xml_text(f, kernel_label(kr));
	fputs("\" name=\"", f);
	xml_text(f, p->module);
	fputs("\">\n", f);
	if (p->agreement != KBTF_BT_AGREE) {
		fputs(p->agreement == KBTF_BT_DISAGREE ? "      <failure message=\""
						       : "      <skipped message=\"",
		      f);
		xml_text(f, p->why);
		fputs("\">", f);
		if (p->agreement == KBTF_BT_DISAGREE) {
			fprintf(f, "predicted %s, expected %s, observed %s\n", p->pred.verdict_str,
				exp, obs);
			xml_text(f, p->pred.detail);
		}
		fputs(p->agreement == KBTF_BT_DISAGREE ? "</failure>\n" : "</skipped>\n", f);
	}
	fputs("      <system-out>", f);
	fprintf(f, "predicted: %s; expected: %s; observed: %s\n", p->pred.verdict_str, exp, obs);
	for (i = 0; p->obs && i < p->obs->nr_log; i++) {
		xml_text(f, p->obs->log[i]);
		fputc('\n', f);
	}
	fputs("</system-out>\n    </testcase>\n", f);
}

static int write_junit(const struct kbtf_bt_report *r, FILE *f)
{
	size_t i, j, c[3];

	kbtf_bt_report_count(r, c);
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	fprintf(f,
		"<testsuites name=\"kbtf boot-test\" tests=\"%zu\" failures=\"%zu\" "
		"skipped=\"%zu\">\n",
		c[0] + c[1] + c[2], c[1], c[2]);
	for (i = 0; i < r->nr_kernels; i++) {
		const struct kbtf_bt_kernel_result *kr = &r->kernels[i];
		size_t fail = 0, skip = 0;

		for (j = 0; j < kr->nr_pairs; j++) {
			fail += kr->pairs[j].agreement == KBTF_BT_DISAGREE;
			skip += kr->pairs[j].agreement == KBTF_BT_INCONCLUSIVE;
		}
		fputs("  <testsuite name=\"", f);
		xml_text(f, kernel_label(kr));
		fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" skipped=\"%zu\" time=\"%.3f\">\n",
			kr->nr_pairs, fail, skip, kr->run.seconds);
		for (j = 0; j < kr->nr_pairs; j++)
			junit_pair(f, kr, &kr->pairs[j]);
		fputs("  </testsuite>\n", f);
	}
	fputs("</testsuites>\n", f);
	if (fflush(f) || ferror(f))
		return kbtf_err(-EIO, "cannot write the report");
	return 0;
}

int kbtf_bt_report_write(const struct kbtf_bt_report *r, enum kbtf_bt_format fmt, FILE *f)
{
	switch (fmt) {
	case KBTF_BT_FMT_JSON:
		return write_json(r, f);
	case KBTF_BT_FMT_JUNIT:
		return write_junit(r, f);
	case KBTF_BT_FMT_TEXT:
		break;
	}
	write_text(r, f);
	if (fflush(f) || ferror(f))
		return kbtf_err(-EIO, "cannot write the report");
	return 0;
}
