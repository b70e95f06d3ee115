// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The validator's result for a (module, kernel) pair, judged as kbtf
 * validate judges it (kbtf_vrun_judge; kbtf_verdict_combine in verdict.c
 * decides), reduced to what a boot can show: is the BTF accepted, which
 * name must the kernel's log show, and does a symbol problem refuse the
 * load even when it is forced (unknown symbols) or only when it is not
 * (CRCs).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "boottest.h"
#include "kbtf/validate.h"

const char *kbtf_bt_verdict_str(enum kbtf_bt_verdict v)
{
	switch (v) {
	case KBTF_BT_V_UNKNOWN:
		return "unknown";
	case KBTF_BT_V_OK:
		return "ok";
	case KBTF_BT_V_LAYOUT_DRIFT:
		return "layout-drift";
	case KBTF_BT_V_BTF_REJECTED:
		return "btf-rejected";
	case KBTF_BT_V_NO_DISTILLED:
		return "no-distilled-support";
	case KBTF_BT_V_SYMBOLS:
		return "symbols";
	case KBTF_BT_V_ELF_REJECTED:
		return "elf-rejected";
	}
	return "?";
}

static enum kbtf_bt_verdict verdict_of(const struct kbtf_result *r)
{
	size_t i;

	switch (r->verdict) {
	case KBTF_VERDICT_OK:
		for (i = 0; i < r->nr_warnings; i++) {
			if (!strcmp(r->warnings[i].kind, "layout-drift"))
				return KBTF_BT_V_LAYOUT_DRIFT;
		}
		return KBTF_BT_V_OK;
	case KBTF_VERDICT_LAYOUT_CONFLICT:
		/* it loads: what it then does wrong no log line shows */
		return KBTF_BT_V_LAYOUT_DRIFT;
	case KBTF_VERDICT_NO_DISTILLED:
		return KBTF_BT_V_NO_DISTILLED;
	case KBTF_VERDICT_BTF_REJECTED:
		return KBTF_BT_V_BTF_REJECTED;
	case KBTF_VERDICT_SYMBOLS:
		return KBTF_BT_V_SYMBOLS;
	case KBTF_VERDICT_ELF_REJECTED:
		return KBTF_BT_V_ELF_REJECTED;
	case KBTF_VERDICT_ERROR:
		break;
	}
	return KBTF_BT_V_UNKNOWN;
}

/*
 * A problem of the BTF step itself: not one of the members the module's
 * code touches (judge_access.c), which no kernel checks at load time.
 */
static bool btf_step_problem(const struct kbtf_problem *p)
{
	static const char *const access[] = {"member-vanished", "member-moved", "bitfield-changed",
					     "member-resized", "member-retyped"};
	size_t i;

	if (p->kind != KBTF_PROBLEM_BTF)
		return false;
	for (i = 0; i < sizeof(access) / sizeof(access[0]); i++)
		if (!strcmp(p->reason, access[i]))
			return false;
	return true;
}

/* The BTF outcome alone (a symbols verdict hides it in r->load). */
static enum kbtf_bt_tri btf_accepted(const struct kbtf_result *r)
{
	size_t i;

	if (r->verdict == KBTF_VERDICT_SYMBOLS) {
		for (i = 0; i < r->nr_problems; i++)
			if (btf_step_problem(&r->problems[i]))
				return KBTF_BT_NO;
		return KBTF_BT_YES;
	}
	switch (r->load) {
	case KBTF_LOAD_OK:
	case KBTF_LOAD_WRONG_BTF:
		return KBTF_BT_YES;
	case KBTF_LOAD_NO_BTF:
	case KBTF_LOAD_REFUSED:
	case KBTF_LOAD_NO_BTF_OR_REFUSED:
		return KBTF_BT_NO;
	case KBTF_LOAD_UNKNOWN:
		break;
	}
	return KBTF_BT_ANY;
}

/*
 * What the kernel's log must show for a rejected BTF: the distilled type
 * its relocation message names, or else the 6.1-style "failed to validate"
 * line when the validator says the kernel prints it. From the BTF step's
 * own lines (btf_log), which a forced load reaches even when a normal one
 * stops earlier and its kernel_log ends there.
 */
static void btf_needle(const struct kbtf_result *r, struct kbtf_bt_prediction *p)
{
	static const char named[] = "distilled base BTF type '";
	const char *log = r->btf_log ? r->btf_log : "";
	const char *l = strstr(log, named);

	/* an anonymous type's empty name says nothing */
	if (l && l[sizeof(named) - 1] != '\'') {
		l += sizeof(named) - 1;
		snprintf(p->needle, sizeof(p->needle), "'%.*s'", (int)strcspn(l, "'\n"), l);
		return;
	}
	l = strstr(log, "failed to validate module [");
	if (l && strchr(l, ']'))
		snprintf(p->needle, sizeof(p->needle), "%.*s", (int)(strchr(l, ']') - l + 1), l);
}

/* Symbol problems: unknown symbols stop even a forced load; CRCs do not. */
static void symbol_facts(const struct kbtf_result *r, struct kbtf_bt_prediction *p)
{
	size_t i;

	for (i = 0; i < r->nr_problems; i++) {
		const struct kbtf_problem *pr = &r->problems[i];

		/* checked before everything else, as a build identity (boottest_facts.c) */
		if (pr->kind != KBTF_PROBLEM_SYMBOL || !strcmp(pr->name, "module_layout"))
			continue;
		if (!strcmp(pr->reason, "crc-mismatch")) {
			p->crc_mismatch = true;
			continue;
		}
		if (!p->symbols_missing) {
			p->symbols_missing = true;
			if (!strcmp(pr->reason, "namespace-not-imported")) {
				p->refuse_err = EINVAL;
				snprintf(p->sym_needle, sizeof(p->sym_needle), "%s", pr->name);
			} else if (!strcmp(pr->reason, "unversioned")) {
				p->refuse_err = ENOEXEC;
			} else {
				p->refuse_err = ENOENT;
				snprintf(p->sym_needle, sizeof(p->sym_needle), "Unknown symbol %s",
					 pr->name);
			}
		}
	}
}

void kbtf_bt_prediction_from_result(const struct kbtf_result *r, struct kbtf_bt_prediction *p)
{
	memset(p, 0, sizeof(*p));
	p->verdict = verdict_of(r);
	snprintf(p->verdict_str, sizeof(p->verdict_str), "%s",
		 p->verdict == KBTF_BT_V_LAYOUT_DRIFT ? "ok (layout-drift)"
						      : kbtf_verdict_str(r->verdict));
	snprintf(p->detail, sizeof(p->detail), "%s%s%s", r->summary ? r->summary : "",
		 r->consequence && *r->consequence ? " -- " : "",
		 r->consequence ? r->consequence : "");
	p->btf_accepted = btf_accepted(r);
	for (size_t i = 0; i < r->nr_warnings; i++) {
		if (!strcmp(r->warnings[i].kind, "symbols-not-checked"))
			p->symbols_unchecked = true;
	}
	/* line for line only when every step the load meets was judged: the
	 * symbols checked, the BTF fate known */
	if (r->kernel_log && !p->symbols_unchecked && r->load != KBTF_LOAD_UNKNOWN &&
	    r->load != KBTF_LOAD_NO_BTF_OR_REFUSED && strlen(r->kernel_log) < sizeof(p->log)) {
		p->log_known = true;
		snprintf(p->log, sizeof(p->log), "%s", r->kernel_log);
	}
	if (r->verdict == KBTF_VERDICT_ELF_REJECTED) {
		/* the kernel's one line: the ELF step is the only one judged */
		p->elf_refused = true;
		snprintf(p->elf_needle, sizeof(p->elf_needle), "%.*s",
			 (int)strcspn(r->kernel_log ? r->kernel_log : "", "\n"),
			 r->kernel_log ? r->kernel_log : "");
		return;
	}
	if (p->btf_accepted == KBTF_BT_NO)
		btf_needle(r, p);
	symbol_facts(r, p);
}
