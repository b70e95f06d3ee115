// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * btf_parse_module() when no relocation happens: a kernel before 6.11
 * ignores .BTF.base and reads .BTF on its own vmlinux; a module with plain
 * split .BTF is read the same way on every kernel. What the kernel then
 * accepts, rejects or silently misreads, as the BTF step's findings.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "judge.h"
#include "kernel_gen.h"
#include "prepared.h"

/*
 * What a kernel parsing .BTF directly on its own vmlinux makes of it
 * (kernels before 6.11 with a distilled module; any kernel with a plain
 * split built for another vmlinux). 0: the kernel accepts it; else the
 * reason is in @why.
 */
static int parse_on_vmlinux(const struct kbtf_pair *pair, char *why, size_t len)
{
	struct kbtf_parse_opts po = {
	    .base = pair->k->btf, .name = ".BTF on vmlinux", .kernel_refs = true};
	const struct kbtf_module *m = pair->m->mod;
	struct kbtf_btf *btf;
	int err;

	err = kbtf_btf_parse(m->btf_data, m->btf_size, &po, &btf);
	if (err) {
		snprintf(why, len, "%s", kbtf_errstr());
		return err;
	}
	err = kbtf_check_kernel(btf, pair->gen);
	if (err)
		snprintf(why, len, "%s", kbtf_errstr());
	kbtf_btf_free(btf);
	return err;
}

void kbtf_judge_pre611(const struct kbtf_pair *pair, struct kbtf_btf_findings *f)
{
	struct kbtf_problem *p;
	char why[512];
	int err = parse_on_vmlinux(pair, why, sizeof(why));

	p = kbtf_note_problem(&f->notes, KBTF_PROBLEM_BTF, ".BTF.base", "no-distilled-support");
	if (!p)
		return;
	p->kernel_first = true;
	kbtf_note_field(&f->notes, &p->expected,
			"a kernel that reads .BTF.base (Linux %s or later)",
			kbtf_kgen_btf_base_since());
	kbtf_note_field(&f->notes, &p->actual, "%s (%s)", pair->release,
			pair->k->distilled_support_why);
	if (err) {
		kbtf_note_field(&f->notes, &p->detail,
				"This kernel ignores .BTF.base and parses .BTF as split BTF on its "
				"own vmlinux, so every id and string points at unrelated vmlinux "
				"data; its parse-time checks reject it: %s",
				why);
		kbtf_btf_decided(f, KBTF_VERDICT_NO_DISTILLED, KBTF_BTF_FAILS, -EINVAL,
				 "kernel predates .BTF.base; .BTF misread and rejected");
		return;
	}
	kbtf_note_field(&f->notes, &p->detail,
			"This kernel ignores .BTF.base and parses .BTF as split BTF on its own "
			"vmlinux: every id and string points at unrelated vmlinux data, and its "
			"parse-time checks happen to pass, so the module's BTF is registered "
			"with wrong types without any message.");
	kbtf_btf_decided(f, KBTF_VERDICT_NO_DISTILLED, KBTF_BTF_MISREAD, 0,
			 "kernel predates .BTF.base; .BTF silently misread");
}

/* Was the module's plain split built on exactly this kernel's BTF? 1 yes,
 * 0 no, -1 cannot tell. @how says what decided. */
static int same_build(const struct kbtf_pair *pair, char *how, size_t len)
{
	const struct kbtf_btf *b = pair->o->build_btf, *t = pair->k->btf;

	if (b) {
		bool same = kbtf_btf_type_cnt(b) == kbtf_btf_type_cnt(t) &&
			    kbtf_btf_str_len(b) == kbtf_btf_str_len(t) &&
			    (!pair->o->build_hash ||
			     pair->o->build_hash == kbtf_kernel_btf_hash(pair->k->k));

		snprintf(how, len,
			 "build kernel BTF: %u types, %u string bytes; this kernel: "
			 "%u types, %u string bytes%s",
			 kbtf_btf_type_cnt(b), kbtf_btf_str_len(b), kbtf_btf_type_cnt(t),
			 kbtf_btf_str_len(t), same ? " (identical)" : "");
		return same;
	}
	if (pair->m->release && pair->k->k->release) {
		snprintf(how, len, "module built for %s (vermagic), this kernel is %s",
			 pair->m->release, pair->k->k->release);
		return !strcmp(pair->m->release, pair->k->k->release);
	}
	snprintf(how, len, "no --build-kernel, and the %s release is unknown",
		 pair->m->release ? "kernel's" : "module's");
	return -1;
}

void kbtf_judge_plain(const struct kbtf_pair *pair, struct kbtf_btf_findings *f)
{
	struct kbtf_problem *p;
	char why[512], how[512];
	int err = parse_on_vmlinux(pair, why, sizeof(why));
	int same = err ? 0 : same_build(pair, how, sizeof(how));

	if (same == 1) {
		if (!pair->o->build_btf)
			kbtf_note_warning(
			    &f->notes, KBTF_SEV_INFO, "plain-split", ".BTF",
			    "plain split .BTF (no .BTF.base), taken as built against this "
			    "kernel because %s; --build-kernel compares the BTF itself",
			    how);
		return;
	}
	if (same == -1) {
		kbtf_note_warning(
		    &f->notes, KBTF_SEV_WARNING, "plain-split", ".BTF",
		    "plain split .BTF (no .BTF.base) is valid only on the exact kernel "
		    "it was built against; could not confirm this is it (%s)",
		    how);
		return;
	}
	p = kbtf_note_problem(&f->notes, KBTF_PROBLEM_BTF, ".BTF", "built-for-another-kernel");
	if (!p)
		return;
	p->kernel_first = true;
	kbtf_note_field(&f->notes, &p->expected,
			"split BTF of this kernel's vmlinux, or .BTF.base");
	if (err) {
		kbtf_note_field(&f->notes, &p->actual, "rejected when parsed on this vmlinux: %s",
				why);
		kbtf_note_field(&f->notes, &p->detail,
				"The module has plain split BTF (no .BTF.base) made for another "
				"vmlinux; its ids and strings do not fit this one.");
		kbtf_btf_decided(f, KBTF_VERDICT_BTF_REJECTED, KBTF_BTF_FAILS, -EINVAL,
				 "plain split .BTF built for another kernel; rejected at parse");
		return;
	}
	kbtf_note_field(&f->notes, &p->actual, "%s", how);
	kbtf_note_field(&f->notes, &p->detail,
			"The module has plain split BTF (no .BTF.base) made for another vmlinux. "
			"The kernel's checks pass, so it registers the BTF with ids and strings "
			"pointing at unrelated vmlinux types, without any message.");
	kbtf_btf_decided(f, KBTF_VERDICT_BTF_REJECTED, KBTF_BTF_MISREAD, 0,
			 "plain split .BTF built for another kernel; silently misread");
}
