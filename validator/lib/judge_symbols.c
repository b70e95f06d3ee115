// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The symbol steps of load_module(), as findings: early_mod_check()'s
 * module_layout CRC and vermagic, then simplify_symbols() (symbols.h), each
 * problem with both sides' facts and the loader's own messages.
 */
#include <errno.h>
#include <string.h>

#include "judge.h"
#include "prepared.h"

/* Where the kernel's CRC of a symbol was read. */
static const char *crc_source(const struct kbtf_pair *pair)
{
	if (pair->k->exports_vmlinux_only)
		return "the image's export table";
	if (pair->k->exports_derived)
		return "Module.symvers derived from the image and its modules";
	return "Module.symvers";
}

static void symbol_problem(const struct kbtf_pair *pair, struct kbtf_sym_findings *f,
			   const struct kbtf_sym_issue *is)
{
	struct kbtf_problem *p = kbtf_note_problem(&f->notes, KBTF_PROBLEM_SYMBOL, is->name,
						   kbtf_sym_issue_str(is->kind));
	const char *lic = pair->m->syms.license ? pair->m->syms.license : "(none)";

	if (!p)
		return;
	switch (is->kind) {
	case KBTF_SYM_UNRESOLVED:
		kbtf_note_field(&f->notes, &p->expected,
				"imports it (an undefined symbol the module calls or uses)");
		kbtf_note_field(&f->notes, &p->actual, "not exported by %s", pair->release);
		kbtf_note_field(&f->notes, &p->detail,
				"Nothing in %s's export list provides %s: the load fails with "
				"\"Unknown symbol\".",
				pair->release, is->name);
		break;
	case KBTF_SYM_CRC: {
		/* most kernels of a matrix disagree about a few CRCs: the
		 * lines are made without printf */
		char line[512];
		size_t used = 0;

		p->has_crc = true;
		p->module_crc = is->module_crc;
		p->kernel_crc = is->kernel_crc;
		line[0] = '\0';
		kbtf_appends(line, sizeof(line), &used, "CRC ");
		kbtf_appendx(line, sizeof(line), &used, is->module_crc);
		kbtf_appends(line, sizeof(line), &used, " (module's __versions)");
		kbtf_note_field(&f->notes, &p->expected, "%s", line);
		if (strlen(is->exporter) < 256) {
			used = 0;
			kbtf_appends(line, sizeof(line), &used, "CRC ");
			kbtf_appendx(line, sizeof(line), &used, is->kernel_crc);
			kbtf_appends(line, sizeof(line), &used, " (");
			kbtf_appends(line, sizeof(line), &used, crc_source(pair));
			kbtf_appends(line, sizeof(line), &used, ", ");
			kbtf_appends(line, sizeof(line), &used, is->exporter);
			kbtf_appends(line, sizeof(line), &used, ")");
			kbtf_note_field(&f->notes, &p->actual, "%s", line);
		} else {
			kbtf_note_field(&f->notes, &p->actual, "CRC 0x%08x (%s, %s)",
					is->kernel_crc, crc_source(pair), is->exporter);
		}
		kbtf_note_field(&f->notes, &p->detail,
				"The symbol's prototype or the types it uses differ from build "
				"time (modversions): the loader refuses the module.");
		break;
	}
	case KBTF_SYM_GPL_ONLY:
		kbtf_note_field(&f->notes, &p->expected,
				"imports it; the module is licensed \"%s\"", lic);
		kbtf_note_field(&f->notes, &p->actual, "EXPORT_SYMBOL_GPL (%s)", is->exporter);
		kbtf_note_field(&f->notes, &p->detail,
				"GPL-only exports are invisible to modules whose license is not "
				"GPL-compatible: \"Unknown symbol\".");
		break;
	case KBTF_SYM_NAMESPACE:
		kbtf_note_field(&f->notes, &p->expected, "imports it without MODULE_IMPORT_NS(%s)",
				is->ns);
		kbtf_note_field(&f->notes, &p->actual, "exported in namespace %s", is->ns);
		kbtf_note_field(&f->notes, &p->detail,
				"Namespaced exports need MODULE_IMPORT_NS in the module: the load "
				"fails.");
		break;
	}
	kbtf_note_log(&f->notes, "%s", is->kernel_log);
}

static void unversioned(const struct kbtf_pair *pair, struct kbtf_sym_findings *f)
{
	struct kbtf_problem *p;

	if (pair->k->force_load == 1) {
		kbtf_note_warning(&f->notes, KBTF_SEV_WARNING, "unversioned", "__versions",
				  "the module has no __versions: this kernel (MODULE_FORCE_LOAD=y) "
				  "loads it only by force and taints itself");
		/* check_modstruct_version() -> check_version() ->
		 * try_to_force_load(mod, "module_layout"), once per boot */
		kbtf_note_log(&f->layout, "%s: module_layout: kernel tainted.", pair->modname);
		return;
	}
	if (pair->k->force_load == -1) {
		kbtf_note_warning(&f->notes, KBTF_SEV_WARNING, "unversioned", "__versions",
				  "the module has no __versions: a kernel with MODULE_FORCE_LOAD=y "
				  "loads it tainted, one without refuses it");
		return;
	}
	/* check_modstruct_version() -> check_version() finds no __versions
	 * and try_to_force_load() fails: -ENOEXEC, nothing printed */
	f->unversioned = true;
	p = kbtf_note_problem(&f->layout, KBTF_PROBLEM_SYMBOL, "__versions", "unversioned");
	if (!p)
		return;
	kbtf_note_field(&f->layout, &p->expected, "symbol CRCs (CONFIG_MODVERSIONS)");
	kbtf_note_field(&f->layout, &p->actual, "none; MODULE_FORCE_LOAD is not set");
	kbtf_note_field(&f->layout, &p->detail,
			"The module carries no __versions section and this kernel cannot "
			"force-load it: the loader refuses it at module_layout (Exec format "
			"error) without a message.");
}

/*
 * check_modstruct_version(), the first check of early_mod_check(): the CRC
 * of struct module's layout (module_layout in __versions and
 * Module.symvers).
 */
static void module_layout(const struct kbtf_pair *pair, struct kbtf_sym_findings *f)
{
	const struct kbtf_export *e = kbtf_symvers_find(pair->k->symvers, "module_layout");
	const struct kbtf_modsyms *ms = &pair->m->syms;
	struct kbtf_problem *p;

	if (!e || !e->crc || !ms->has_layout_crc || pair->k->modversions == 0 ||
	    e->crc == ms->layout_crc)
		return;
	f->layout_mismatch = true;
	p = kbtf_note_problem(&f->layout, KBTF_PROBLEM_SYMBOL, "module_layout", "crc-mismatch");
	if (!p)
		return;
	p->has_crc = true;
	p->module_crc = ms->layout_crc;
	p->kernel_crc = e->crc;
	kbtf_note_field(&f->layout, &p->expected, "CRC 0x%08x (module's __versions)",
			ms->layout_crc);
	kbtf_note_field(&f->layout, &p->actual, "CRC 0x%08x (%s)", e->crc, crc_source(pair));
	kbtf_note_field(&f->layout, &p->detail,
			"struct module is laid out differently in this kernel; the loader refuses "
			"the module before looking at anything else (Exec format error), unless "
			"forced.");
	kbtf_note_log(&f->layout, "%s: disagrees about version of symbol module_layout",
		      pair->modname);
}

/*
 * check_modinfo's vermagic test, which runs before any symbol is looked
 * at: with __versions only the part after the release has to match.
 */
static void vermagic(const struct kbtf_pair *pair, struct kbtf_sym_findings *f)
{
	const char *mine = pair->m->mod->vermagic, *theirs = pair->k->vermagic;
	const char *a = mine, *b = theirs;
	struct kbtf_problem *p;

	if (!mine || !theirs)
		return;
	if (pair->m->syms.has_versions) {
		a += strcspn(a, " ");
		b += strcspn(b, " ");
	}
	if (!strcmp(a, b))
		return;
	f->vermagic_mismatch = true;
	p = kbtf_note_problem(&f->modinfo, KBTF_PROBLEM_SYMBOL, "vermagic", "vermagic-mismatch");
	if (!p)
		return;
	kbtf_note_field(&f->modinfo, &p->expected, "%s", mine);
	kbtf_note_field(&f->modinfo, &p->actual, "%s (from the kernel's release and config)",
			theirs);
	kbtf_note_field(
	    &f->modinfo, &p->detail,
	    "The loader compares the module's version magic with the kernel's%s and "
	    "refuses a mismatch; modprobe --force-vermagic skips the check and taints "
	    "the kernel.",
	    pair->m->syms.has_versions ? " (not the release: the module has modversions)" : "");
	kbtf_note_log(&f->modinfo, "%s: version magic '%s' should be '%s'", pair->modname, mine,
		      theirs);
}

/*
 * What a load that passed vermagic prints before any symbol is resolved:
 * check_modinfo() (up to 6.3) or module_augment_kernel_taints() (6.4 on),
 * then load_module()'s signature notice (its last step in both), in this
 * order. The out-of-tree, license and test lines print while their taint
 * bit is not yet set, the signature notice once (pr_notice_once): on a
 * fresh boot, the first such module shows them (klog.h).
 */
static void taint_lines(const struct kbtf_pair *pair, struct kbtf_sym_findings *f)
{
	const struct kbtf_module *m = pair->m->mod;
	const char *license = kbtf_module_modinfo(m, "license");

	if (!kbtf_module_modinfo(m, "intree"))
		kbtf_note_log(&f->modinfo, "%s: loading out-of-tree module taints kernel.",
			      pair->modname);
	if (kbtf_module_modinfo(m, "staging"))
		kbtf_note_log(&f->modinfo,
			      "%s: module is from the staging directory, the quality is unknown, "
			      "you have been warned.",
			      pair->modname);
	if (!license)
		license = "unspecified";
	if (!kbtf_license_gpl_compatible(license)) {
		/* set_license() / module_license_taint_check(), then add_taint()
		 * with LOCKDEP_NOW_UNRELIABLE turns lock debugging off */
		kbtf_note_log(&f->modinfo, "%s: module license '%s' taints kernel.", pair->modname,
			      license);
		kbtf_note_log(&f->modinfo, "Disabling lock debugging due to kernel taint");
	}
	if (kbtf_module_modinfo(m, "test"))
		kbtf_note_log(&f->modinfo, "%s: loading test module taints kernel.", pair->modname);
	/* module_sig_check() left sig_ok false: no signature (a signed one
	 * verifies or not by the keys the machine trusts, which kbtf does not
	 * know, so it predicts nothing for it) */
	if (pair->k->module_sig == 1 && !m->sig_len)
		kbtf_note_log(&f->modinfo,
			      "%s: module verification failed: signature and/or required key "
			      "missing - tainting kernel",
			      pair->modname);
}

void kbtf_judge_symbols(const struct kbtf_pair *pair, struct kbtf_sym_findings *f)
{
	struct kbtf_symcheck_kernel kc = {
	    .exports = pair->k->symvers,
	    .peers = pair->o->peers,
	    .modversions = pair->k->modversions,
	    .force_load = pair->k->force_load,
	    .allow_missing_ns = pair->k->allow_missing_ns,
	    .vmlinux_only = pair->k->exports_vmlinux_only,
	};
	struct kbtf_sym_result sr;
	size_t i;

	if (!pair->o->no_symbols) {
		module_layout(pair, f);
		vermagic(pair, f);
	}
	if (!f->vermagic_mismatch)
		taint_lines(pair, f);
	if (pair->o->no_symbols) {
		kbtf_note_warning(&f->notes, KBTF_SEV_INFO, "symbols-not-checked", "",
				  "symbols not checked (--no-symbols)");
		return;
	}
	if (!pair->k->symvers) {
		kbtf_note_warning(&f->notes, KBTF_SEV_WARNING, "symbols-not-checked", "",
				  "symbols not checked: no Module.symvers for this kernel (pass "
				  "--symvers, or a kernel source that includes its headers)");
		return;
	}
	if (kbtf_symbols_check(&pair->m->syms, &kc, &sr)) {
		f->notes.err = -ENOMEM;
		return;
	}
	for (i = 0; i <= sr.nr_issues; i++) {
		/* check_version()'s pr_warn_once, where the loop meets it */
		if (sr.no_version_first && i == sr.no_version_at)
			kbtf_note_log(&f->notes, "%s: no symbol version for %s", pair->modname,
				      sr.no_version_first);
		if (i < sr.nr_issues)
			symbol_problem(pair, f, &sr.issues[i]);
	}
	f->unresolved |= sr.nr_issues > 0;
	if (sr.unversioned)
		unversioned(pair, f);
	if (sr.nr_unchecked)
		kbtf_note_warning(&f->notes, KBTF_SEV_WARNING, "symbols-not-checked", "",
				  "%zu of %zu symbols are not in vmlinux's export table (read from "
				  "the boot image: no Module.symvers for this kernel) and were not "
				  "checked: in-tree modules may export them (pass --symvers, or a "
				  "kernel source that includes its headers)",
				  sr.nr_unchecked, sr.nr_checked);
	else if (pair->k->exports_vmlinux_only)
		kbtf_note_warning(&f->notes, KBTF_SEV_INFO, "symbols-from-image", "",
				  "all %zu symbols checked against vmlinux's export table and CRCs "
				  "read from the boot image (no Module.symvers for this kernel)",
				  sr.nr_checked);
	else if (pair->k->exports_derived)
		kbtf_note_warning(&f->notes, KBTF_SEV_INFO, "symbols-derived", "",
				  "all %zu symbols checked against the exports and CRCs read from "
				  "the boot image and the in-tree modules' .ko files (no "
				  "Module.symvers came with this kernel)",
				  sr.nr_checked);
	if (sr.nr_from_modules)
		kbtf_note_warning(&f->notes, KBTF_SEV_INFO, "symbols-from-modules", "",
				  "%zu of %zu symbols are exported by in-tree modules (modprobe "
				  "loads those first; insmod does not)",
				  sr.nr_from_modules, sr.nr_checked);
	kbtf_sym_result_fini(&sr);
}
