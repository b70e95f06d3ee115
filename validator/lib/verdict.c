// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The one place that decides what a kernel does with a module
 * (kbtf_validate_pair). Findings are gathered in the order the kernel meets
 * them (symbols at load, BTF in the COMING notifier), then the verdict is
 * the worst that applies: error, symbols, btf-rejected,
 * no-distilled-support, ok; layout drift only ever warns.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kbtf/check.h"
#include "kbtf/drift.h"
#include "kbtf/relocate.h"
#include "kbtf/result_build.h"
#include "kbtf/validate.h"

#define MAX_LISTED 6 /* candidates / members spelled out per problem */

static void appendf(char *buf, size_t len, size_t *used, const char *fmt, ...)
	KBTF_PRINTF(4, 5);

struct judge {
	struct kbtf_rb rb;
	const struct kbtf_vmod *m;
	const struct kbtf_vkernel *k;
	const struct kbtf_validate_opts *o;
	const char *modname;
	const char *release; /* never NULL: "this kernel" when unknown */
	enum kbtf_verdict btf_verdict;
	enum kbtf_load btf_load;
	bool symbols_bad;
	char headline[640]; /* the first BTF finding, for the summary */
};

static enum kbtf_kernel_gen kernel_gen(const struct judge *j)
{
	if (j->k->k->release)
		return kbtf_kernel_gen_of_release(j->k->k->release);
	return j->k->distilled_support ? KBTF_KERNEL_6_12 : KBTF_KERNEL_6_1;
}

/* What a kernel does when it cannot use the module's BTF. */
static enum kbtf_load load_when_rejected(const struct judge *j)
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

static void btf_rejected(struct judge *j, enum kbtf_verdict v, const char *headline)
{
	if (j->btf_verdict == KBTF_VERDICT_OK) {
		j->btf_verdict = v;
		snprintf(j->headline, sizeof(j->headline), "%s", headline);
	}
	j->btf_load = load_when_rejected(j);
}

/* The lines the kernel prints after btf_parse_module() failed. */
static void log_btf_failure(struct judge *j, int err)
{
	bool old = !j->k->distilled_support;

	if (j->k->allow_btf_mismatch == 1 && !old)
		kbtf_rb_log(&j->rb, "Kernel module BTF mismatch detected, BTF debug info may be "
				    "unavailable for some modules");
	else if (j->k->allow_btf_mismatch != -1 || old)
		kbtf_rb_log(&j->rb, "failed to validate module [%s] BTF: %d", j->modname, err);
}

/* ------------------------------------------------------------ facts */

static const char *kind_word(uint32_t kind)
{
	switch (kind) {
	case BTF_KIND_STRUCT:
		return "struct";
	case BTF_KIND_UNION:
		return "union";
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		return "enum";
	case BTF_KIND_FWD:
		return "forward declaration";
	case BTF_KIND_INT:
		return "int";
	case BTF_KIND_FLOAT:
		return "float";
	default:
		return kbtf_kind_str(kind);
	}
}

static void int_enc_str(uint32_t enc, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s%s", enc & BTF_INT_SIGNED ? "signed" : "unsigned",
		 enc & BTF_INT_CHAR ? " char" : "", enc & BTF_INT_BOOL ? " bool" : "", "");
}

/* "name@off type" for the first members of composite @id, into @buf. */
static void members_str(const struct kbtf_btf *btf, uint32_t id, char *buf, size_t len)
{
	const struct btf_type *t = kbtf_btf_type(btf, id);
	const struct btf_member *mb;
	size_t used = 0;
	uint32_t i;

	buf[0] = '\0';
	if (!t || !kbtf_is_composite(t))
		return;
	mb = kbtf_members(t);
	for (i = 0; i < kbtf_vlen(t) && used + 1 < len; i++) {
		const char *name = kbtf_btf_str(btf, mb[i].name_off);
		uint32_t off = kbtf_member_bit_offset(t, &mb[i]);
		char tn[96];
		int n;

		if (i == MAX_LISTED) {
			snprintf(buf + used, len - used, "; ... (%u members)", kbtf_vlen(t));
			return;
		}
		kbtf_type_name(btf, mb[i].type, tn, sizeof(tn));
		n = snprintf(buf + used, len - used, "%s%s %s at %u%s", i ? "; " : "", tn,
			     name && *name ? name : "(anon)", off % 8 ? off : off / 8,
			     off % 8 ? " bits" : "");
		if (n < 0)
			return;
		used += (size_t)n;
	}
}

/* The build-time definition of a composite (layout record or build BTF). */
static struct kbtf_btf *build_side(const struct judge *j, const char *name, uint32_t kind,
				   uint32_t size, uint32_t *id)
{
	struct kbtf_btf *srcs[2] = { j->m->layout, j->o->build_btf };
	uint32_t ids[8];
	int s, n, i;

	for (s = 0; s < 2; s++) {
		if (!srcs[s])
			continue;
		n = kbtf_btf_find_by_name(srcs[s], name, (int)kind, ids, 8);
		for (i = 0; i < n && i < 8; i++) {
			const struct btf_type *t = kbtf_btf_type(srcs[s], ids[i]);

			if (t->size == size && kbtf_vlen(t)) {
				*id = ids[i];
				return srcs[s];
			}
		}
	}
	return NULL;
}

/* ------------------------------------------------------------ symbols */

static void symbol_problem(struct judge *j, const struct kbtf_sym_issue *is)
{
	struct kbtf_problem *p = kbtf_rb_problem(&j->rb, KBTF_PROBLEM_SYMBOL, is->name,
						 kbtf_sym_issue_str(is->kind));
	const char *lic = j->m->syms.license ? j->m->syms.license : "(none)";

	if (!p)
		return;
	switch (is->kind) {
	case KBTF_SYM_UNRESOLVED:
		kbtf_rb_field(&j->rb, &p->expected, "exported (the module calls or uses it)");
		kbtf_rb_field(&j->rb, &p->actual, "not exported by %s", j->release);
		kbtf_rb_field(&j->rb, &p->detail,
			      "Nothing in %s's export list provides %s: the load fails with "
			      "\"Unknown symbol\".",
			      j->release, is->name);
		break;
	case KBTF_SYM_CRC:
		kbtf_rb_field(&j->rb, &p->expected, "CRC 0x%08x (module's __versions)",
			      is->module_crc);
		kbtf_rb_field(&j->rb, &p->actual, "CRC 0x%08x (Module.symvers, %s)",
			      is->kernel_crc, is->exporter);
		kbtf_rb_field(&j->rb, &p->detail,
			      "The symbol's prototype or the types it uses differ from build "
			      "time (modversions): the loader refuses the module.");
		break;
	case KBTF_SYM_GPL_ONLY:
		kbtf_rb_field(&j->rb, &p->expected, "usable by a module licensed \"%s\"", lic);
		kbtf_rb_field(&j->rb, &p->actual, "EXPORT_SYMBOL_GPL (%s)", is->exporter);
		kbtf_rb_field(&j->rb, &p->detail,
			      "GPL-only exports are invisible to modules whose license is not "
			      "GPL-compatible: \"Unknown symbol\".");
		break;
	case KBTF_SYM_NAMESPACE:
		kbtf_rb_field(&j->rb, &p->expected, "MODULE_IMPORT_NS(%s)", is->ns);
		kbtf_rb_field(&j->rb, &p->actual, "exported in namespace %s; not imported",
			      is->ns);
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
	kbtf_rb_field(&j->rb, &p->detail, "The module carries no __versions section and "
					  "this kernel cannot force-load it.");
}

static void judge_symbols(struct judge *j)
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
	j->symbols_bad = sr.nr_issues > 0;
	if (sr.unversioned)
		unversioned(j);
	if (sr.nr_from_modules)
		kbtf_rb_warning(&j->rb, KBTF_SEV_INFO, "symbols-from-modules", "",
				"%zu of %zu symbols are exported by in-tree modules (modprobe "
				"loads those first; insmod does not)",
				sr.nr_from_modules, sr.nr_checked);
	kbtf_sym_result_fini(&sr);
}

/* ------------------------------------------------------------ relocation */

/* The stable reason code for a distilled type that did not map. */
static const char *reloc_reason(const struct kbtf_reloc_type *rt)
{
	bool seen[8] = { false };
	uint32_t i;

	if (rt->status == KBTF_RELOC_AMBIGUOUS)
		return "ambiguous";
	if (!rt->nr_cands)
		return "not-found";
	for (i = 0; i < rt->nr_cands; i++)
		if ((unsigned int)rt->cands[i].why < 8)
			seen[rt->cands[i].why] = true;
	if (seen[KBTF_CAND_EMBEDDED_SIZE])
		return "size-mismatch";
	if (seen[KBTF_CAND_INT_ENCODING])
		return "encoding-mismatch";
	if (seen[KBTF_CAND_FWD_FLAG] || seen[KBTF_CAND_KIND])
		return "kind-mismatch";
	return "size-mismatch";
}

static void expected_str(const struct judge *j, const struct kbtf_reloc_type *rt, char *buf,
			 size_t len)
{
	char enc[32] = "", via[160] = "";

	if (rt->kind == BTF_KIND_INT) {
		int_enc_str(rt->int_enc, enc, sizeof(enc));
		snprintf(enc + strlen(enc), sizeof(enc) - strlen(enc), ", ");
	}
	if (rt->embedded && rt->embedded_by) {
		char tn[128];

		kbtf_type_name(j->m->split, rt->embedded_by, tn, sizeof(tn));
		snprintf(via, sizeof(via), ", embedded by value in %s", tn);
	}
	if (rt->kind == BTF_KIND_FWD)
		snprintf(buf, len, "%s %s (%s)%s", kind_word(rt->kind), rt->name,
			 rt->kflag ? "union" : "struct", via);
	else
		snprintf(buf, len, "%s %s, %s%u bytes%s", kind_word(rt->kind), rt->name, enc,
			 rt->size, via);
}

static void actual_str(const struct kbtf_reloc_type *rt, char *buf, size_t len)
{
	size_t used = 0;
	uint32_t i;

	if (!rt->nr_cands) {
		snprintf(buf, len, "no int, float, enum, struct, union or forward declaration "
				   "of that name");
		return;
	}
	buf[0] = '\0';
	for (i = 0; i < rt->nr_cands && i < MAX_LISTED && used + 1 < len; i++) {
		const struct kbtf_reloc_cand *c = &rt->cands[i];
		char enc[32] = "";
		int n;

		if (c->kind == BTF_KIND_INT) {
			int_enc_str(c->int_enc, enc, sizeof(enc));
			snprintf(enc + strlen(enc), sizeof(enc) - strlen(enc), ", ");
		}
		n = snprintf(buf + used, len - used, "%s%s %s [%u], %s%u bytes: %s", i ? "; " : "",
			     kind_word(c->kind), rt->name, c->id, enc, c->size,
			     kbtf_cand_why_str(c->why));
		if (n < 0)
			return;
		used += (size_t)n;
	}
	if (rt->nr_cands_total > i && used + 1 < len)
		snprintf(buf + used, len - used, "; and %u more", rt->nr_cands_total - i);
}

/* Both sides' member layouts for an embedded composite whose size differs. */
static void layout_detail(struct judge *j, struct kbtf_problem *p,
			  const struct kbtf_reloc_type *rt)
{
	char then[512] = "", now[512] = "";
	const struct kbtf_reloc_cand *c = NULL;
	struct kbtf_btf *b;
	uint32_t i, bid;

	for (i = 0; i < rt->nr_cands && !c; i++)
		if (rt->cands[i].why == KBTF_CAND_EMBEDDED_SIZE)
			c = &rt->cands[i];
	if (!c)
		return;
	members_str(j->k->btf, c->id, now, sizeof(now));
	b = build_side(j, rt->name, rt->kind, rt->size, &bid);
	if (b)
		members_str(b, bid, then, sizeof(then));
	kbtf_rb_field(&j->rb, &p->detail,
		      "The module embeds %s %s by value, so the kernel requires the size it "
		      "was built with (%u bytes); %s has %u bytes.%s%s%s%s%s",
		      kind_word(rt->kind), rt->name, rt->size, j->release, c->size,
		      *then ? " Build time: " : "", then, *now ? ". This kernel: " : "", now,
		      *now ? "." : "");
}

static void reloc_problem(struct judge *j, const struct kbtf_reloc_result *res,
			  const struct kbtf_reloc_type *rt)
{
	const char *reason = reloc_reason(rt);
	struct kbtf_problem *p = kbtf_rb_problem(&j->rb, KBTF_PROBLEM_BTF, rt->name, reason);
	char exp[320], act[1024];

	if (!p)
		return;
	p->kernel_first = rt->id == res->first_bad;
	expected_str(j, rt, exp, sizeof(exp));
	actual_str(rt, act, sizeof(act));
	kbtf_rb_field(&j->rb, &p->expected, "%s", exp);
	kbtf_rb_field(&j->rb, &p->actual, "%s", act);
	if (!strcmp(reason, "size-mismatch") && rt->embedded)
		layout_detail(j, p, rt);
	else if (!strcmp(reason, "ambiguous"))
		kbtf_rb_field(&j->rb, &p->detail,
			      "More than one %s named %s fits, and the kernel cannot tell "
			      "which one the module means.",
			      kind_word(rt->kind), rt->name);
	else if (!strcmp(reason, "not-found"))
		kbtf_rb_field(&j->rb, &p->detail, "%s has no type named %s.", j->release,
			      rt->name);
	else if (!strcmp(reason, "encoding-mismatch"))
		kbtf_rb_field(&j->rb, &p->detail,
			      "The kernel maps an int only to an int of the same size and "
			      "signedness/char encoding.");
	else
		kbtf_rb_field(&j->rb, &p->detail,
			      "No %s named %s with a compatible kind and size.", kind_word(rt->kind),
			      rt->name);
}

static void stage_problem(struct judge *j, const struct kbtf_reloc_result *res)
{
	struct kbtf_problem *p = NULL;
	char name[64];

	switch (res->stage) {
	case KBTF_RELOC_STAGE_DISTILLED:
		snprintf(name, sizeof(name), ".BTF.base type [%u]", res->first_bad);
		p = kbtf_rb_problem(&j->rb, KBTF_PROBLEM_BTF, name, "bad-distilled-base");
		if (p)
			kbtf_rb_field(&j->rb, &p->expected,
				      "named int, float, enum, struct, union or fwd");
		break;
	case KBTF_RELOC_STAGE_STRING:
		snprintf(name, sizeof(name), ".BTF type [%u]", res->badstrs[0].type_id);
		p = kbtf_rb_problem(&j->rb, KBTF_PROBLEM_BTF, name, "string-not-mapped");
		if (p)
			kbtf_rb_field(&j->rb, &p->expected,
				      "string offsets below %u start a distilled type name",
				      kbtf_btf_str_len(j->m->dist));
		if (p)
			kbtf_rb_field(&j->rb, &p->actual, "offset %u (%u such offsets)",
				      res->badstrs[0].off, res->nr_badstrs);
		break;
	case KBTF_RELOC_STAGE_LOOP:
		p = kbtf_rb_problem(&j->rb, KBTF_PROBLEM_BTF, ".BTF", "array-loop");
		if (p)
			kbtf_rb_field(&j->rb, &p->detail,
				      "An ARRAY refers to itself through its element type: the "
				      "kernel's embedded-type walk never ends (the load hangs).");
		break;
	case KBTF_RELOC_STAGE_BADMAP:
		p = kbtf_rb_problem(&j->rb, KBTF_PROBLEM_BTF, "(empty name)", "empty-name");
		break;
	default:
		return;
	}
	if (p) {
		p->kernel_first = true;
		if (!p->detail)
			kbtf_rb_field(&j->rb, &p->detail, "%s", res->kernel_log);
	}
}

static void mode_warning(struct judge *j, const struct kbtf_reloc_result *res)
{
	if (!res->mode_sensitive)
		return;
	kbtf_rb_warning(&j->rb, KBTF_SEV_WARNING, "pre-fix-kernels", "",
			"kernels 6.11-6.13 without the January 2025 embedded-marking fix would "
			"%s this module's BTF (see --pre-fix)",
			res->other_mode_err ? "reject" : "accept");
}

/* The kernel's parse-time checks of .BTF.base (@which 0) or .BTF (1). */
static void judge_meta(struct judge *j, int which, bool *bad)
{
	const char *what = which ? ".BTF" : ".BTF.base";
	enum kbtf_kernel_gen gen = kernel_gen(j);
	const char *why = j->m->meta_why[gen][which];
	struct kbtf_problem *p;

	if (*bad || !j->m->meta_err[gen][which])
		return;
	*bad = true;
	p = kbtf_rb_problem(&j->rb, KBTF_PROBLEM_BTF, what, "meta-check");
	if (!p)
		return;
	kbtf_rb_field(&j->rb, &p->expected, "BTF the kernel's parse-time checks accept");
	kbtf_rb_field(&j->rb, &p->actual, "%s", why);
	kbtf_rb_field(&j->rb, &p->detail, "The kernel rejects %s before relocating it.", what);
	p->kernel_first = true;
	btf_rejected(j, KBTF_VERDICT_BTF_REJECTED, why);
	log_btf_failure(j, -EINVAL);
}

static void judge_drift(struct judge *j, const struct kbtf_reloc_result *res);

/* Run the relocation simulator and record its outcome in the result. */
static int simulate(struct judge *j, const struct kbtf_reloc_opts *ro,
		    struct kbtf_reloc_result *res)
{
	if (kbtf_relocate_sim_prep(j->m->reloc_prep, j->k->target, ro, res)) {
		j->rb.err = -ENOMEM;
		return -ENOMEM;
	}
	j->rb.r->reloc_err = res->err;
	kbtf_rb_set(&j->rb, &j->rb.r->reloc_log, "%s", res->kernel_log);
	return 0;
}

static void judge_relocation(struct judge *j)
{
	struct kbtf_reloc_opts ro = { .pre_fix = j->o->pre_fix };
	struct kbtf_reloc_result res;
	bool bad = false;
	uint32_t i;

	judge_meta(j, 0, &bad);
	judge_meta(j, 1, &bad);
	if (bad)
		return;
	if (simulate(j, &ro, &res))
		return;
	mode_warning(j, &res);
	if (!res.err) {
		judge_drift(j, &res);
		kbtf_reloc_result_fini(&res);
		return;
	}
	for (i = 0; i + 1 < res.nr_dist; i++)
		if (res.types[i].status != KBTF_RELOC_MAPPED)
			reloc_problem(j, &res, &res.types[i]);
	stage_problem(j, &res);
	kbtf_rb_log(&j->rb, "%s", res.kernel_log);
	log_btf_failure(j, res.err);
	btf_rejected(j, KBTF_VERDICT_BTF_REJECTED, res.kernel_log);
	kbtf_reloc_result_fini(&res);
}

/* ------------------------------------------------------------ drift */

static void bits_str(uint32_t bits, char *buf, size_t len)
{
	if (bits % 8)
		snprintf(buf, len, "bit %u", bits);
	else
		snprintf(buf, len, "%u", bits / 8);
}


static void appendf(char *buf, size_t len, size_t *used, const char *fmt, ...)
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

static void member_line(struct judge *j, struct kbtf_warning *w, const struct kbtf_member_diff *d)
{
	char a[32], b[32], line[640];
	size_t used = 0;

	bits_str(d->old_bit_off, a, sizeof(a));
	bits_str(d->new_bit_off, b, sizeof(b));
	if (d->changes == KBTF_DRIFT_VANISHED) {
		kbtf_rb_detail(&j->rb, w, "%s: vanished (was %s at offset %s)", d->path,
			       d->old_type, a);
		return;
	}
	if (d->changes == KBTF_DRIFT_ADDED) {
		kbtf_rb_detail(&j->rb, w, "%s: added (%s at offset %s)", d->path, d->new_type, b);
		return;
	}
	appendf(line, sizeof(line), &used, "%s:", d->path);
	if (d->changes & KBTF_DRIFT_MOVED)
		appendf(line, sizeof(line), &used, " offset %s -> %s", a, b);
	if (d->changes & KBTF_DRIFT_RESIZED)
		appendf(line, sizeof(line), &used, "%s size %u -> %u bits",
			d->changes & KBTF_DRIFT_MOVED ? "," : "", d->old_bits, d->new_bits);
	if (d->changes & KBTF_DRIFT_RETYPED)
		appendf(line, sizeof(line), &used, "%s type %s -> %s",
			d->changes & (KBTF_DRIFT_MOVED | KBTF_DRIFT_RESIZED) ? "," : "",
			d->old_type, d->new_type);
	kbtf_rb_detail(&j->rb, w, "%s", line);
}

static void drift_by_value(struct judge *j, const struct kbtf_type_drift *td)
{
	struct kbtf_warning *w;
	size_t i;

	w = kbtf_rb_warning(&j->rb, KBTF_SEV_WARNING, "layout-drift", td->name,
			    "%s is embedded by value%s%s and changed layout since build time "
			    "(%zu member%s): the kernel does not check this",
			    td->name, td->via ? " inside " : "", td->via ? td->via : "",
			    td->nr_diffs, td->nr_diffs == 1 ? "" : "s");
	if (!w)
		return;
	if (td->old_size != td->new_size)
		kbtf_rb_detail(&j->rb, w, "size: %u -> %u bytes", td->old_size, td->new_size);
	for (i = 0; i < td->nr_diffs; i++)
		member_line(j, w, &td->diffs[i]);
}

static void drift_by_pointer(struct judge *j, const struct kbtf_drift_result *dr)
{
	struct kbtf_warning *w;
	char names[512], line[512];
	size_t i, n = 0, used = 0;

	names[0] = '\0';
	for (i = 0; i < dr->nr_types; i++) {
		if (dr->types[i].use != KBTF_DRIFT_BY_POINTER)
			continue;
		appendf(names, sizeof(names), &used, "%s%s", n ? ", " : "", dr->types[i].name);
		n++;
	}
	if (!n)
		return;
	w = kbtf_rb_warning(&j->rb, KBTF_SEV_INFO, "layout-drift-pointer", "",
			    "%zu kernel type%s the module reaches through pointers changed "
			    "layout: %s",
			    n, n == 1 ? "" : "s", names);
	for (i = 0; w && i < dr->nr_types; i++) {
		const struct kbtf_type_drift *td = &dr->types[i];
		size_t m, changed = 0, gone = 0, added = 0;

		if (td->use != KBTF_DRIFT_BY_POINTER)
			continue;
		for (m = 0; m < td->nr_diffs; m++) {
			gone += !!(td->diffs[m].changes & KBTF_DRIFT_VANISHED);
			added += !!(td->diffs[m].changes & KBTF_DRIFT_ADDED);
		}
		changed = td->nr_diffs - gone - added;
		used = 0;
		appendf(line, sizeof(line), &used, "%s: %u -> %u bytes; %zu changed, %zu vanished, "
			"%zu added", td->name, td->old_size, td->new_size, changed, gone, added);
		for (m = 0; m < td->nr_diffs && m < MAX_LISTED; m++)
			appendf(line, sizeof(line), &used, "%s%s", m ? ", " : " (", td->diffs[m].path);
		if (td->nr_diffs)
			appendf(line, sizeof(line), &used, "%s)", td->nr_diffs > MAX_LISTED ? ", ..." : "");
		kbtf_rb_detail(&j->rb, w, "%s", line);
	}
}

static void judge_drift(struct judge *j, const struct kbtf_reloc_result *res)
{
	struct kbtf_drift_input in = {
		.split = j->m->split,
		.reloc = res,
		.target = j->k->btf,
		.build = j->m->layout ? j->m->layout : j->o->build_btf,
		.layout = j->m->layout != NULL,
	};
	struct kbtf_drift_result dr;
	size_t i;

	if (!in.build) {
		kbtf_rb_warning(&j->rb, KBTF_SEV_INFO, "drift-not-checked", "",
				"layout drift not checked: the module has no layout record "
				"(kbtf distill writes one) and no --build-kernel was given");
		return;
	}
	if (kbtf_drift_compare(&in, &dr)) {
		j->rb.err = -ENOMEM;
		return;
	}
	for (i = 0; i < dr.nr_types; i++)
		if (dr.types[i].use == KBTF_DRIFT_BY_VALUE)
			drift_by_value(j, &dr.types[i]);
	drift_by_pointer(j, &dr);
	if (dr.nr_unknown)
		kbtf_rb_warning(&j->rb, KBTF_SEV_INFO, "drift-partial", "",
				"%zu kernel type%s without a build-time layout were not compared",
				dr.nr_unknown, dr.nr_unknown == 1 ? "" : "s");
	kbtf_drift_result_fini(&dr);
}

/* ------------------------------------------------------------ no .BTF.base support */

/*
 * What a kernel parsing .BTF directly on its own vmlinux makes of it
 * (kernels before 6.11 with a distilled module; any kernel with a plain
 * split built for another vmlinux). 0: the kernel accepts it; else the
 * reason is in @why.
 */
static int parse_on_vmlinux(struct judge *j, char *why, size_t len)
{
	struct kbtf_parse_opts po = {
		.base = j->k->btf, .name = ".BTF on vmlinux", .kernel_refs = true
	};
	const struct kbtf_module *m = j->m->mod;
	struct kbtf_btf *btf;
	int err;

	err = kbtf_btf_parse(m->btf_data, m->btf_size, &po, &btf);
	if (err) {
		snprintf(why, len, "%s", kbtf_errstr());
		return err;
	}
	err = kbtf_check_kernel(btf, kernel_gen(j));
	if (err)
		snprintf(why, len, "%s", kbtf_errstr());
	kbtf_btf_free(btf);
	return err;
}

/* For the record: what relocation would say if this kernel could run it. */
static void relocation_anyway(struct judge *j)
{
	struct kbtf_reloc_opts ro = { .pre_fix = j->o->pre_fix };
	struct kbtf_reloc_result res;

	char names[256] = "";
	size_t used = 0;
	uint32_t i;

	if (!j->m->reloc_prep || simulate(j, &ro, &res))
		return;
	for (i = 0; res.err && i + 1 < res.nr_dist; i++)
		if (res.types[i].status != KBTF_RELOC_MAPPED)
			appendf(names, sizeof(names), &used, "%s%s", used ? ", " : "",
				res.types[i].name);
	if (res.err)
		kbtf_rb_warning(&j->rb, KBTF_SEV_INFO, "relocation-elsewhere", "",
				"a kernel of this BTF that read .BTF.base would still reject it: "
				"%s%s%s%s",
				res.kernel_log, *names ? " (types that do not map: " : "", names,
				*names ? ")" : "");
	kbtf_reloc_result_fini(&res);
}

static void judge_pre611(struct judge *j)
{
	struct kbtf_problem *p;
	char why[512];
	int err = parse_on_vmlinux(j, why, sizeof(why));

	relocation_anyway(j);
	p = kbtf_rb_problem(&j->rb, KBTF_PROBLEM_BTF, ".BTF.base", "no-distilled-support");
	j->btf_verdict = KBTF_VERDICT_NO_DISTILLED;
	if (!p)
		return;
	p->kernel_first = true;
	kbtf_rb_field(&j->rb, &p->expected, "a kernel that reads .BTF.base (Linux 6.11 or later)");
	kbtf_rb_field(&j->rb, &p->actual, "%s (%s)", j->release, j->k->distilled_support_why);
	if (err) {
		kbtf_rb_field(&j->rb, &p->detail,
			      "This kernel ignores .BTF.base and parses .BTF as split BTF on its "
			      "own vmlinux, so every id and string points at unrelated vmlinux "
			      "data; its parse-time checks reject it: %s",
			      why);
		snprintf(j->headline, sizeof(j->headline), "kernel predates .BTF.base; .BTF "
			 "misread and rejected");
		j->btf_load = load_when_rejected(j);
		log_btf_failure(j, -EINVAL);
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

/* ------------------------------------------------------------ plain split */

/* Was the module's plain split built on exactly this kernel's BTF? 1 yes,
 * 0 no, -1 cannot tell. @how says what decided. */
static int same_build(struct judge *j, char *how, size_t len)
{
	const struct kbtf_btf *b = j->o->build_btf, *t = j->k->btf;

	if (b) {
		bool same = kbtf_btf_type_cnt(b) == kbtf_btf_type_cnt(t) &&
			    kbtf_btf_str_len(b) == kbtf_btf_str_len(t) &&
			    (!j->o->build_hash ||
			     j->o->build_hash == kbtf_hash_bytes(j->k->k->btf_raw.data,
								 j->k->k->btf_raw.size));

		snprintf(how, len, "build kernel BTF: %u types, %u string bytes; this kernel: "
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

static void judge_plain(struct judge *j)
{
	struct kbtf_problem *p;
	char why[512], how[512];
	int err = parse_on_vmlinux(j, why, sizeof(why));
	int same = err ? 0 : same_build(j, how, sizeof(how));

	if (same == 1)
		return;
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
		btf_rejected(j, KBTF_VERDICT_BTF_REJECTED,
			     "plain split .BTF built for another kernel; rejected at parse");
		log_btf_failure(j, -EINVAL);
		return;
	}
	kbtf_rb_field(&j->rb, &p->actual, "%s", how);
	kbtf_rb_field(&j->rb, &p->detail,
		      "The module has plain split BTF (no .BTF.base) made for another vmlinux. "
		      "The kernel's checks pass, so it registers the BTF with ids and strings "
		      "pointing at unrelated vmlinux types, without any message.");
	btf_rejected(j, KBTF_VERDICT_BTF_REJECTED,
		     "plain split .BTF built for another kernel; silently misread");
	j->btf_load = KBTF_LOAD_WRONG_BTF;
}

/* ------------------------------------------------------------ the pair */

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
	if (!m->btf_base_data) {
		judge_plain(j);
		return;
	}
	if (!j->k->distilled_support) {
		judge_pre611(j);
		return;
	}
	if (j->m->btf_error) {
		p = kbtf_rb_problem(&j->rb, KBTF_PROBLEM_BTF, ".BTF", "malformed");
		if (p) {
			p->kernel_first = true;
			kbtf_rb_field(&j->rb, &p->actual, "%s", j->m->btf_error);
		}
		btf_rejected(j, KBTF_VERDICT_BTF_REJECTED, j->m->btf_error);
		log_btf_failure(j, -EINVAL);
		return;
	}
	judge_relocation(j);
}

static const char *consequence(const struct judge *j, enum kbtf_load load)
{
	if (j->symbols_bad)
		return "The module loader refuses the module: it cannot resolve or verify its "
		       "symbols (see the symbol problems).";
	switch (load) {
	case KBTF_LOAD_OK:
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
		kbtf_rb_set(&j->rb, &r->summary, "loads%s; %zu warning%s",
			    r->load == KBTF_LOAD_OK && j->m->mod->btf_data ? ", BTF relocates" : "",
			    nwarn, nwarn == 1 ? "" : "s");
		break;
	}
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
	kbtf_rb_set(&j->rb, &r->btf_form, "%s",
		    !m->btf_data ? "none" : m->btf_base_data ? "distilled" : "split");
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
	struct judge j = { .m = m, .k = k, .o = opts ? opts : &defaults };
	double t0 = now_ms();

	memset(out, 0, sizeof(*out));
	j.rb.r = out;
	j.modname = m->mod->name ? m->mod->name : m->path;
	j.release = k->k->release ? k->k->release : "this kernel";
	j.btf_verdict = KBTF_VERDICT_OK;
	j.btf_load = KBTF_LOAD_OK;
	init_result(&j);
	judge_symbols(&j);
	judge_btf(&j);
	summarize(&j);
	out->ms = now_ms() - t0;
	if (j.rb.err) {
		kbtf_result_fini(out);
		return kbtf_err(j.rb.err, "out of memory judging %s on %s", m->path, k->source);
	}
	return 0;
}
