// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The one place that decides what a kernel does with a module
 * (kbtf_validate_pair). Findings are gathered in the order the kernel meets
 * them (symbols at load, BTF in the COMING notifier), then the verdict is
 * the worst that applies: error, symbols, btf-rejected,
 * no-distilled-support, ok; layout drift only ever warns. The findings
 * themselves come from judge_symbols.c, judge_reloc.c, judge_nobase.c and
 * judge_drift.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kbtf/judge.h"

void kbtf_judge_appendf(char *buf, size_t len, size_t *used, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*used + 1 >= len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *used, len - *used, fmt, ap);
	va_end(ap);
	if (n > 0)
		*used = *used + (size_t)n < len ? *used + (size_t)n : len - 1;
}

enum kbtf_kernel_gen kbtf_judge_gen(const struct judge *j)
{
	if (j->k->k->release)
		return kbtf_kernel_gen_of_release(j->k->k->release);
	return j->k->distilled_support ? KBTF_KERNEL_6_12 : KBTF_KERNEL_6_1;
}

/* What a kernel does when it cannot use the module's BTF. */
enum kbtf_load kbtf_judge_load_rejected(const struct judge *j)
{
	switch (j->k->allow_btf_mismatch) {
	case 1:
		return KBTF_LOAD_NO_BTF;
	case 0:
		return KBTF_LOAD_REFUSED;
	default:
		return KBTF_LOAD_NO_BTF_OR_REFUSED;
	}
}

void kbtf_judge_rejected(struct judge *j, enum kbtf_verdict v, const char *headline)
{
	if (j->btf_verdict == KBTF_VERDICT_OK) {
		j->btf_verdict = v;
		snprintf(j->headline, sizeof(j->headline), "%s", headline);
	}
	j->btf_load = kbtf_judge_load_rejected(j);
}

/* The lines the kernel prints after btf_parse_module() failed. */
void kbtf_judge_log_failure(struct judge *j, int err)
{
	bool old = !j->k->distilled_support;

	if (j->k->allow_btf_mismatch == 1 && !old)
		kbtf_rb_log(&j->rb, "Kernel module BTF mismatch detected, BTF debug info may be "
				    "unavailable for some modules");
	else if (j->k->allow_btf_mismatch != -1 || old)
		kbtf_rb_log(&j->rb, "failed to validate module [%s] BTF: %d", j->modname, err);
}

/* ------------------------------------------------------------ the pair */

/*
 * A section holding @n BTF blobs back to back (per-object BTF a linker
 * concatenated): the kernel parses one blob per section and refuses the
 * bytes after it. True when @sec is such an archive.
 */
static bool judge_archive(struct judge *j, const char *sec, int n)
{
	struct kbtf_problem *p;
	char why[160];

	if (n < 2)
		return false;
	snprintf(why, sizeof(why), "%s is an archive of %d BTF blobs", sec, n);
	p = kbtf_rb_problem(&j->rb, KBTF_PROBLEM_BTF, sec, "malformed");
	if (p) {
		p->kernel_first = true;
		kbtf_rb_field(&j->rb, &p->expected, "one BTF blob in %s", sec);
		kbtf_rb_field(&j->rb, &p->actual, "%s", why);
		kbtf_rb_field(&j->rb, &p->detail,
			      "The kernel parses one BTF per section and refuses bytes after its "
			      "string section (\"Unsupported section found\"). Encode the module's "
			      "BTF again as one deduplicated blob (kbtf build, or pahole -J); "
			      "'kbtf inspect' lists the blobs.");
	}
	kbtf_judge_rejected(j, KBTF_VERDICT_BTF_REJECTED, why);
	kbtf_judge_log_failure(j, -EINVAL);
	return true;
}

static void judge_btf(struct judge *j)
{
	const struct kbtf_module *m = j->m->mod;
	struct kbtf_problem *p;

	if (!m->btf_data || !m->btf_size) {
		kbtf_rb_warning(&j->rb, KBTF_SEV_INFO, "no-btf", ".BTF",
				"the module has no .BTF: the kernel has nothing to check (and BPF "
				"tools see no types for it)");
		return;
	}
	if (j->k->btf_modules == 0) {
		kbtf_rb_warning(&j->rb, KBTF_SEV_INFO, "btf-ignored", ".BTF",
				"this kernel is built without CONFIG_DEBUG_INFO_BTF_MODULES: it "
				"ignores module BTF");
		return;
	}
	if (judge_archive(j, ".BTF", j->m->blobs[1]) ||
	    judge_archive(j, ".BTF.base", j->m->blobs[0]))
		return;
	if (!m->btf_base_data) {
		kbtf_judge_plain(j);
		return;
	}
	if (!j->k->distilled_support) {
		kbtf_judge_pre611(j);
		return;
	}
	if (j->m->btf_error) {
		p = kbtf_rb_problem(&j->rb, KBTF_PROBLEM_BTF, ".BTF", "malformed");
		if (p) {
			p->kernel_first = true;
			kbtf_rb_field(&j->rb, &p->actual, "%s", j->m->btf_error);
		}
		kbtf_judge_rejected(j, KBTF_VERDICT_BTF_REJECTED, j->m->btf_error);
		kbtf_judge_log_failure(j, -EINVAL);
		return;
	}
	kbtf_judge_relocation(j);
}

static const char *consequence(const struct judge *j, enum kbtf_load load)
{
	if (j->symbols_bad)
		return "The module loader refuses the module: it cannot resolve or verify its "
		       "symbols (see the symbol problems).";
	switch (load) {
	case KBTF_LOAD_OK:
		if (!j->m->mod->btf_data)
			return "The module loads; it has no BTF.";
		if (!j->m->mod->btf_base_data)
			return "The module loads; its plain split BTF is read on this kernel's "
			       "vmlinux, the one it was built for, and registered.";
		return "The module loads; its BTF is relocated onto this kernel and registered.";
	case KBTF_LOAD_NO_BTF:
		return "CONFIG_MODULE_ALLOW_BTF_MISMATCH=y: the module loads without BTF (no "
		       "/sys/kernel/btf entry, no BPF tracing of its types, its kfuncs are not "
		       "registered).";
	case KBTF_LOAD_REFUSED:
		return "CONFIG_MODULE_ALLOW_BTF_MISMATCH is not set: the kernel refuses to load "
		       "the module (Invalid argument).";
	case KBTF_LOAD_NO_BTF_OR_REFUSED:
		return "This kernel's config is unknown: with CONFIG_MODULE_ALLOW_BTF_MISMATCH=y "
		       "the module loads without BTF; without it the load is refused.";
	case KBTF_LOAD_WRONG_BTF:
		return "The kernel does not notice: the module loads and its BTF is registered "
		       "with wrong types; BPF programs and tools reading it misbehave.";
	default:
		return "unknown";
	}
}

/* What an ok summary says of the module's BTF: a distilled one is
 * relocated, a plain split one (built for this kernel) read as it is. */
static const char *btf_words(const struct judge *j, enum kbtf_load load)
{
	if (load != KBTF_LOAD_OK || !j->m->mod->btf_data)
		return "";
	return j->m->mod->btf_base_data ? ", BTF relocates" : ", BTF registered";
}

static void summarize(struct judge *j)
{
	struct kbtf_result *r = j->rb.r;
	size_t nsym = kbtf_result_count(r, KBTF_PROBLEM_SYMBOL);
	size_t nbtf = kbtf_result_count(r, KBTF_PROBLEM_BTF);
	size_t nwarn = kbtf_result_warnings(r, KBTF_SEV_WARNING);

	r->verdict = j->symbols_bad ? KBTF_VERDICT_SYMBOLS : j->btf_verdict;
	r->load = j->symbols_bad ? KBTF_LOAD_REFUSED : j->btf_load;
	kbtf_rb_set(&j->rb, &r->consequence, "%s", consequence(j, r->load));
	switch (r->verdict) {
	case KBTF_VERDICT_SYMBOLS:
		kbtf_rb_set(&j->rb, &r->summary, "%zu symbol problem%s%s%s", nsym,
			    nsym == 1 ? "" : "s", nbtf ? "; BTF: " : "", nbtf ? j->headline : "");
		break;
	case KBTF_VERDICT_BTF_REJECTED:
	case KBTF_VERDICT_NO_DISTILLED:
		kbtf_rb_set(&j->rb, &r->summary, "%s%s", j->headline,
			    nbtf > 1 ? " (and more)" : "");
		break;
	default:
		kbtf_rb_set(&j->rb, &r->summary, "loads%s; %zu warning%s", btf_words(j, r->load),
			    nwarn, nwarn == 1 ? "" : "s");
		break;
	}
}

static void set_layers(struct judge *j)
{
	const struct kbtf_kernel *k = j->k->k;
	struct kbtf_result *r = j->rb.r;
	size_t i;

	if (!k->nr_layers)
		return;
	r->layers = calloc(k->nr_layers, sizeof(*r->layers));
	if (!r->layers) {
		j->rb.err = -ENOMEM;
		return;
	}
	/* an archive's layers are part of the source as given */
	for (i = 0; i < k->nr_layers; i++)
		if (!k->layers[i].in_archive)
			kbtf_rb_set(&j->rb, &r->layers[r->nr_layers++], "%s", k->layers[i].from);
}

static void init_result(struct judge *j)
{
	struct kbtf_result *r = j->rb.r;
	const struct kbtf_module *m = j->m->mod;

	kbtf_rb_set(&j->rb, &r->module, "%s", j->m->path);
	kbtf_rb_set(&j->rb, &r->module_name, "%s", j->modname);
	kbtf_rb_set(&j->rb, &r->source, "%s", j->k->source);
	if (j->k->k->release)
		kbtf_rb_set(&j->rb, &r->release, "%s", j->k->k->release);
	set_layers(j);
	kbtf_rb_set(&j->rb, &r->btf_form, "%s",
		    !m->btf_data       ? "none"
		    : m->btf_base_data ? "distilled"
				       : "split");
	kbtf_rb_set(&j->rb, &r->kernel_log, "%s", "");
	r->allow_btf_mismatch = j->k->allow_btf_mismatch;
	r->reloc_err = -1;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int kbtf_validate_pair(const struct kbtf_vmod *m, const struct kbtf_vkernel *k,
		       const struct kbtf_validate_opts *opts, struct kbtf_result *out)
{
	static const struct kbtf_validate_opts defaults;
	struct judge j = {.m = m, .k = k, .o = opts ? opts : &defaults};
	double t0 = now_ms();

	memset(out, 0, sizeof(*out));
	j.rb.r = out;
	j.modname = m->mod->name ? m->mod->name : m->path;
	j.release = k->k->release ? k->k->release : "this kernel";
	j.btf_verdict = KBTF_VERDICT_OK;
	j.btf_load = KBTF_LOAD_OK;
	init_result(&j);
	kbtf_judge_symbols(&j);
	judge_btf(&j);
	summarize(&j);
	out->ms = now_ms() - t0;
	if (j.rb.err) {
		kbtf_result_fini(out);
		return kbtf_err(j.rb.err, "out of memory judging %s on %s", m->path, k->source);
	}
	return 0;
}
