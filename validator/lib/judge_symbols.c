// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Symbols as the module loader sees them (kbtf/symbols.h), turned into
 * problems with both sides' facts and the loader's own messages.
 */
#include <errno.h>
#include <string.h>

#include "kbtf/judge.h"

static void symbol_problem(struct judge *j, const struct kbtf_sym_issue *is)
{
	struct kbtf_problem *p =
	    kbtf_rb_problem(&j->rb, KBTF_PROBLEM_SYMBOL, is->name, kbtf_sym_issue_str(is->kind));
	const char *lic = j->m->syms.license ? j->m->syms.license : "(none)";

	if (!p)
		return;
	switch (is->kind) {
	case KBTF_SYM_UNRESOLVED:
		kbtf_rb_field(&j->rb, &p->expected,
			      "imports it (an undefined symbol the module calls or uses)");
		kbtf_rb_field(&j->rb, &p->actual, "not exported by %s", j->release);
		kbtf_rb_field(&j->rb, &p->detail,
			      "Nothing in %s's export list provides %s: the load fails with "
			      "\"Unknown symbol\".",
			      j->release, is->name);
		break;
	case KBTF_SYM_CRC:
		kbtf_rb_field(&j->rb, &p->expected, "CRC 0x%08x (module's __versions)",
			      is->module_crc);
		kbtf_rb_field(&j->rb, &p->actual, "CRC 0x%08x (Module.symvers, %s)", is->kernel_crc,
			      is->exporter);
		kbtf_rb_field(&j->rb, &p->detail,
			      "The symbol's prototype or the types it uses differ from build "
			      "time (modversions): the loader refuses the module.");
		break;
	case KBTF_SYM_GPL_ONLY:
		kbtf_rb_field(&j->rb, &p->expected, "imports it; the module is licensed \"%s\"",
			      lic);
		kbtf_rb_field(&j->rb, &p->actual, "EXPORT_SYMBOL_GPL (%s)", is->exporter);
		kbtf_rb_field(&j->rb, &p->detail,
			      "GPL-only exports are invisible to modules whose license is not "
			      "GPL-compatible: \"Unknown symbol\".");
		break;
	case KBTF_SYM_NAMESPACE:
		kbtf_rb_field(&j->rb, &p->expected, "imports it without MODULE_IMPORT_NS(%s)",
			      is->ns);
		kbtf_rb_field(&j->rb, &p->actual, "exported in namespace %s", is->ns);
		kbtf_rb_field(&j->rb, &p->detail,
			      "Namespaced exports need MODULE_IMPORT_NS in the module: the load "
			      "fails.");
		break;
	}
	kbtf_rb_log(&j->rb, "%s", is->kernel_log);
}

static void unversioned(struct judge *j)
{
	struct kbtf_problem *p;

	if (j->k->force_load == 1) {
		kbtf_rb_warning(&j->rb, KBTF_SEV_WARNING, "unversioned", "__versions",
				"the module has no __versions: this kernel (MODULE_FORCE_LOAD=y) "
				"loads it only by force and taints itself");
		return;
	}
	if (j->k->force_load == -1) {
		kbtf_rb_warning(&j->rb, KBTF_SEV_WARNING, "unversioned", "__versions",
				"the module has no __versions: a kernel with MODULE_FORCE_LOAD=y "
				"loads it tainted, one without refuses it");
		return;
	}
	p = kbtf_rb_problem(&j->rb, KBTF_PROBLEM_SYMBOL, "__versions", "unversioned");
	if (!p)
		return;
	j->symbols_bad = true;
	kbtf_rb_field(&j->rb, &p->expected, "symbol CRCs (CONFIG_MODVERSIONS)");
	kbtf_rb_field(&j->rb, &p->actual, "none; MODULE_FORCE_LOAD is not set");
	kbtf_rb_field(&j->rb, &p->detail,
		      "The module carries no __versions section and "
		      "this kernel cannot force-load it.");
}

/*
 * check_modstruct_layout: the first thing the loader checks, the CRC of
 * struct module's layout (module_layout in __versions and Module.symvers).
 */
static void module_layout(struct judge *j)
{
	const struct kbtf_export *e = kbtf_symvers_find(j->k->symvers, "module_layout");
	const struct kbtf_modsyms *ms = &j->m->syms;
	struct kbtf_problem *p;

	if (!e || !e->crc || !ms->has_layout_crc || j->k->modversions == 0 ||
	    e->crc == ms->layout_crc)
		return;
	j->symbols_bad = true;
	p = kbtf_rb_problem(&j->rb, KBTF_PROBLEM_SYMBOL, "module_layout", "crc-mismatch");
	if (!p)
		return;
	kbtf_rb_field(&j->rb, &p->expected, "CRC 0x%08x (module's __versions)", ms->layout_crc);
	kbtf_rb_field(&j->rb, &p->actual, "CRC 0x%08x (Module.symvers)", e->crc);
	kbtf_rb_field(&j->rb, &p->detail,
		      "struct module is laid out differently in this kernel; the loader refuses "
		      "the module before looking at anything else (Exec format error), unless "
		      "forced.");
	kbtf_rb_log(&j->rb, "%s: disagrees about version of symbol module_layout", j->modname);
}

/*
 * check_modinfo's vermagic test, which runs before any symbol is looked
 * at: with __versions only the part after the release has to match.
 */
static void vermagic(struct judge *j)
{
	const char *mine = j->m->mod->vermagic, *theirs = j->k->vermagic;
	const char *a = mine, *b = theirs;
	struct kbtf_problem *p;

	if (!mine || !theirs)
		return;
	if (j->m->syms.has_versions) {
		a += strcspn(a, " ");
		b += strcspn(b, " ");
	}
	if (!strcmp(a, b))
		return;
	j->symbols_bad = true;
	p = kbtf_rb_problem(&j->rb, KBTF_PROBLEM_SYMBOL, "vermagic", "vermagic-mismatch");
	if (!p)
		return;
	kbtf_rb_field(&j->rb, &p->expected, "%s", mine);
	kbtf_rb_field(&j->rb, &p->actual, "%s (from the kernel's release and config)", theirs);
	kbtf_rb_field(&j->rb, &p->detail,
		      "The loader compares the module's version magic with the kernel's%s and "
		      "refuses a mismatch; modprobe --force-vermagic skips the check and taints "
		      "the kernel.",
		      j->m->syms.has_versions ? " (not the release: the module has modversions)"
					      : "");
	kbtf_rb_log(&j->rb, "%s: version magic '%s' should be '%s'", j->modname, mine, theirs);
}

void kbtf_judge_symbols(struct judge *j)
{
	struct kbtf_symcheck_kernel kc = {
	    .exports = j->k->symvers,
	    .peers = j->o->peers,
	    .modversions = j->k->modversions,
	    .force_load = j->k->force_load,
	    .allow_missing_ns = j->k->allow_missing_ns,
	};
	struct kbtf_sym_result sr;
	size_t i;

	if (!j->o->no_symbols) {
		module_layout(j);
		vermagic(j);
	}
	if (j->o->no_symbols) {
		kbtf_rb_warning(&j->rb, KBTF_SEV_INFO, "symbols-not-checked", "",
				"symbols not checked (--no-symbols)");
		return;
	}
	if (!j->k->symvers) {
		kbtf_rb_warning(&j->rb, KBTF_SEV_WARNING, "symbols-not-checked", "",
				"symbols not checked: no Module.symvers for this kernel (pass "
				"--symvers, or a kernel source that includes its headers)");
		return;
	}
	if (kbtf_symbols_check(&j->m->syms, &kc, &sr)) {
		j->rb.err = -ENOMEM;
		return;
	}
	for (i = 0; i < sr.nr_issues; i++)
		symbol_problem(j, &sr.issues[i]);
	j->symbols_bad |= sr.nr_issues > 0;
	if (sr.unversioned)
		unversioned(j);
	if (sr.nr_from_modules)
		kbtf_rb_warning(&j->rb, KBTF_SEV_INFO, "symbols-from-modules", "",
				"%zu of %zu symbols are exported by in-tree modules (modprobe "
				"loads those first; insmod does not)",
				sr.nr_from_modules, sr.nr_checked);
	kbtf_sym_result_fini(&sr);
}
