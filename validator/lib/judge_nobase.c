// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * When no relocation happens: a kernel before 6.11 ignores .BTF.base and
 * reads .BTF on its own vmlinux; a module with plain split .BTF is read
 * the same way on every kernel. What the kernel then accepts, rejects or
 * silently misreads.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "judge.h"
#include "kgen.h"
#include "prepared.h"

/*
 * What a kernel parsing .BTF directly on its own vmlinux makes of it
 * (kernels before 6.11 with a distilled module; any kernel with a plain
 * split built for another vmlinux). 0: the kernel accepts it; else the
 * reason is in @why.
 */
static int parse_on_vmlinux(struct judge *j, char *why, size_t len)
{
	struct kbtf_parse_opts po = {
	    .base = j->k->btf, .name = ".BTF on vmlinux", .kernel_refs = true};
	const struct kbtf_module *m = j->m->mod;
	struct kbtf_btf *btf;
	int err;

	err = kbtf_btf_parse(m->btf_data, m->btf_size, &po, &btf);
	if (err) {
		snprintf(why, len, "%s", kbtf_errstr());
		return err;
	}
	err = kbtf_check_kernel(btf, kbtf_judge_gen(j));
	if (err)
		snprintf(why, len, "%s", kbtf_errstr());
	kbtf_btf_free(btf);
	return err;
}

void kbtf_judge_pre611(struct judge *j)
{
	struct kbtf_problem *p;
	char why[512];
	int err = parse_on_vmlinux(j, why, sizeof(why));

	kbtf_judge_relocation_anyway(j);
	p = kbtf_rb_problem(&j->rb, KBTF_PROBLEM_BTF, ".BTF.base", "no-distilled-support");
	j->btf_verdict = KBTF_VERDICT_NO_DISTILLED;
	if (!p)
		return;
	p->kernel_first = true;
	kbtf_rb_field(&j->rb, &p->expected, "a kernel that reads .BTF.base (Linux %s or later)",
		      kbtf_kgen_btf_base_since());
	kbtf_rb_field(&j->rb, &p->actual, "%s (%s)", j->release, j->k->distilled_support_why);
	if (err) {
		kbtf_rb_field(&j->rb, &p->detail,
			      "This kernel ignores .BTF.base and parses .BTF as split BTF on its "
			      "own vmlinux, so every id and string points at unrelated vmlinux "
			      "data; its parse-time checks reject it: %s",
			      why);
		snprintf(j->headline, sizeof(j->headline),
			 "kernel predates .BTF.base; .BTF "
			 "misread and rejected");
		j->btf_load = kbtf_judge_load_rejected(j);
		kbtf_judge_log_failure(j, -EINVAL);
		return;
	}
	kbtf_rb_field(&j->rb, &p->detail,
		      "This kernel ignores .BTF.base and parses .BTF as split BTF on its own "
		      "vmlinux: every id and string points at unrelated vmlinux data, and its "
		      "parse-time checks happen to pass, so the module's BTF is registered "
		      "with wrong types without any message.");
	snprintf(j->headline, sizeof(j->headline),
		 "kernel predates .BTF.base; .BTF silently misread");
	j->btf_load = KBTF_LOAD_WRONG_BTF;
}

/* Was the module's plain split built on exactly this kernel's BTF? 1 yes,
 * 0 no, -1 cannot tell. @how says what decided. */
static int same_build(struct judge *j, char *how, size_t len)
{
	const struct kbtf_btf *b = j->o->build_btf, *t = j->k->btf;

	if (b) {
		bool same =
		    kbtf_btf_type_cnt(b) == kbtf_btf_type_cnt(t) &&
		    kbtf_btf_str_len(b) == kbtf_btf_str_len(t) &&
		    (!j->o->build_hash || j->o->build_hash == kbtf_kernel_btf_hash(j->k->k));

		snprintf(how, len,
			 "build kernel BTF: %u types, %u string bytes; this kernel: "
			 "%u types, %u string bytes%s",
			 kbtf_btf_type_cnt(b), kbtf_btf_str_len(b), kbtf_btf_type_cnt(t),
			 kbtf_btf_str_len(t), same ? " (identical)" : "");
		return same;
	}
	if (j->m->release && j->k->k->release) {
		snprintf(how, len, "module built for %s (vermagic), this kernel is %s",
			 j->m->release, j->k->k->release);
		return !strcmp(j->m->release, j->k->k->release);
	}
	snprintf(how, len, "no --build-kernel, and the %s release is unknown",
		 j->m->release ? "kernel's" : "module's");
	return -1;
}

void kbtf_judge_plain(struct judge *j)
{
	struct kbtf_problem *p;
	char why[512], how[512];
	int err = parse_on_vmlinux(j, why, sizeof(why));
	int same = err ? 0 : same_build(j, how, sizeof(how));

	if (same == 1) {
		if (!j->o->build_btf)
			kbtf_rb_warning(
			    &j->rb, KBTF_SEV_INFO, "plain-split", ".BTF",
			    "plain split .BTF (no .BTF.base), taken as built against this "
			    "kernel because %s; --build-kernel compares the BTF itself",
			    how);
		return;
	}
	if (same == -1) {
		kbtf_rb_warning(&j->rb, KBTF_SEV_WARNING, "plain-split", ".BTF",
				"plain split .BTF (no .BTF.base) is valid only on the exact kernel "
				"it was built against; could not confirm this is it (%s)",
				how);
		return;
	}
	p = kbtf_rb_problem(&j->rb, KBTF_PROBLEM_BTF, ".BTF", "built-for-another-kernel");
	if (!p)
		return;
	p->kernel_first = true;
	kbtf_rb_field(&j->rb, &p->expected, "split BTF of this kernel's vmlinux, or .BTF.base");
	if (err) {
		kbtf_rb_field(&j->rb, &p->actual, "rejected when parsed on this vmlinux: %s", why);
		kbtf_rb_field(&j->rb, &p->detail,
			      "The module has plain split BTF (no .BTF.base) made for another "
			      "vmlinux; its ids and strings do not fit this one.");
		kbtf_judge_rejected(j, KBTF_VERDICT_BTF_REJECTED,
				    "plain split .BTF built for another kernel; rejected at parse");
		kbtf_judge_log_failure(j, -EINVAL);
		return;
	}
	kbtf_rb_field(&j->rb, &p->actual, "%s", how);
	kbtf_rb_field(&j->rb, &p->detail,
		      "The module has plain split BTF (no .BTF.base) made for another vmlinux. "
		      "The kernel's checks pass, so it registers the BTF with ids and strings "
		      "pointing at unrelated vmlinux types, without any message.");
	kbtf_judge_rejected(j, KBTF_VERDICT_BTF_REJECTED,
			    "plain split .BTF built for another kernel; silently misread");
	j->btf_load = KBTF_LOAD_WRONG_BTF;
}
