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
 * split built for another vmlinux). 0: the kernel accepts it, and the
 * parsed split is in *@out when asked for; else the reason is in @why.
 */
static int parse_on_vmlinux(const struct kbtf_pair *pair, char *why, size_t len,
			    struct kbtf_btf **out)
{
	struct kbtf_parse_opts po = {
	    .base = kbtf_vkernel_btf(pair->k), .name = ".BTF on vmlinux", .kernel_refs = true};
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
	if (err || !out)
		kbtf_btf_free(btf);
	else
		*out = btf;
	return err;
}

/*
 * What btf_parse_module() returns for a failure parse_on_vmlinux() found:
 * -E2BIG for a header longer than the kernel's with a nonzero byte past it
 * (btf_parse_hdr()), -EINVAL for every other check; 6.1 prints it in
 * "failed to validate module [%s] BTF: %d".
 */
static int kernel_errno(int err)
{
	return err == -E2BIG ? -E2BIG : -EINVAL;
}

void kbtf_judge_pre611(const struct kbtf_pair *pair, struct kbtf_btf_findings *f)
{
	struct kbtf_problem *p;
	char why[512];
	int err = parse_on_vmlinux(pair, why, sizeof(why), NULL);

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
		kbtf_btf_decided(f, KBTF_VERDICT_NO_DISTILLED, KBTF_BTF_FAILS, kernel_errno(err),
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

/* ------------------------------------------- does a plain split fit? */

/*
 * A plain split stores neither the type count nor the string length of
 * the vmlinux it was built on: both are implied. Its first type is meant
 * to get id type_cnt(vmlinux), and its own strings to start at offset
 * str_len(vmlinux); ids and offsets below those name vmlinux types and
 * strings. So whether a split belongs to a vmlinux is read from what its
 * ids and offsets land on there, reading the split as the kernel does
 * (btf_parse_module() on the running vmlinux):
 *
 *  - every string offset lands on the start of a string: a vmlinux one
 *    below str_len(vmlinux), one of the split's own above it (pahole and
 *    kbtf reuse a vmlinux string by its start offset, and write their own
 *    strings whole); on a vmlinux of another string length the split's
 *    own offsets shift, and on another string table its vmlinux offsets
 *    land inside other strings;
 *  - every type id lands on a type of a kind that field can hold (a
 *    member or parameter on a data type, a FUNC on a FUNC_PROTO, a
 *    datasec entry on a VAR, ...); on a vmlinux of another type count the
 *    split's references to its own types shift onto its other types, and
 *    on another vmlinux its references into vmlinux land on unrelated
 *    types (functions, variables, tags).
 *
 * The release (module vermagic against kernel) is a hint only: it decides
 * nothing when the BTF can be read.
 */
struct fit {
	const struct kbtf_btf *btf; /* the split, parsed on the candidate vmlinux */
	uint32_t checked;	    /* ids and offsets looked at */
	char *why;
	size_t len;
};

static bool data_kind(uint32_t kind)
{
	switch (kind) {
	case BTF_KIND_FUNC:
	case BTF_KIND_FUNC_PROTO:
	case BTF_KIND_VAR:
	case BTF_KIND_DATASEC:
	case BTF_KIND_DECL_TAG:
		return false;
	default:
		return kind != BTF_KIND_UNKN;
	}
}

/* Can the field @what of a @from record refer to a type of kind @to? */
static bool ref_fits(uint32_t from, uint32_t to, bool is_void, bool array_index)
{
	switch (from) {
	case BTF_KIND_PTR:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		return is_void || data_kind(to) || to == BTF_KIND_FUNC_PROTO;
	case BTF_KIND_ARRAY:
		return array_index ? to == BTF_KIND_INT : !is_void && data_kind(to);
	case BTF_KIND_FUNC:
		return to == BTF_KIND_FUNC_PROTO;
	case BTF_KIND_FUNC_PROTO: /* return type, parameters (0: void, varargs) */
		return is_void || data_kind(to);
	case BTF_KIND_DATASEC:
		return to == BTF_KIND_VAR || to == BTF_KIND_FUNC;
	case BTF_KIND_DECL_TAG:
		return to == BTF_KIND_STRUCT || to == BTF_KIND_UNION || to == BTF_KIND_FUNC ||
		       to == BTF_KIND_VAR || to == BTF_KIND_TYPEDEF;
	default: /* members, VAR */
		return !is_void && data_kind(to);
	}
}

static const char *type_name(const struct kbtf_btf *btf, const struct btf_type *t)
{
	const char *n = t ? kbtf_btf_str(btf, t->name_off) : NULL;

	return n && *n ? n : "(anon)";
}

static bool fit_ids(struct fit *c, uint32_t id, const struct btf_type *t)
{
	struct kbtf_field_iter it;
	uint32_t kind = kbtf_kind(t);
	const uint32_t *f;

	if (kbtf_field_iter_init(&it, t, KBTF_FIELDS_IDS))
		return true;
	while ((f = kbtf_field_iter_next(&it))) {
		const struct btf_type *to = *f ? kbtf_btf_type(c->btf, *f) : NULL;
		bool index = kind == BTF_KIND_ARRAY && f == &kbtf_array(t)->index_type;

		c->checked++;
		if (ref_fits(kind, to ? kbtf_kind(to) : BTF_KIND_UNKN, !*f, index))
			continue;
		snprintf(c->why, c->len,
			 "type [%u] %s '%s' refers to [%u], which is %s%s%s%s in this vmlinux: "
			 "not a type that field can hold",
			 id, kbtf_kind_str(kind), type_name(c->btf, t), *f,
			 to ? kbtf_kind_str(kbtf_kind(to)) : "void", to ? " '" : "",
			 to ? type_name(c->btf, to) : "", to ? "'" : "");
		return false;
	}
	return true;
}

static bool fit_strs(struct fit *c, uint32_t id, const struct btf_type *t)
{
	uint32_t vml_len = kbtf_btf_start_str_off(c->btf);
	struct kbtf_field_iter it;
	const uint32_t *f;

	if (kbtf_field_iter_init(&it, t, KBTF_FIELDS_STRS))
		return true;
	while ((f = kbtf_field_iter_next(&it))) {
		const char *before;

		if (!*f)
			continue;
		c->checked++;
		/* the byte before: a vmlinux string's, or the split's own */
		before = *f == vml_len ? "" : kbtf_btf_str(c->btf, *f - 1);
		if (before && !*before)
			continue;
		snprintf(c->why, c->len,
			 "type [%u] %s: string offset %u lands inside %s string in this "
			 "vmlinux (%u string bytes), not at the start of one",
			 id, kbtf_kind_str(kbtf_kind(t)), *f,
			 *f < vml_len ? "a vmlinux" : "the module's own", vml_len);
		return false;
	}
	return true;
}

/*
 * 1: @split (parsed on the candidate vmlinux) reads as built on it; 0: it
 * does not (@why says where it breaks); -1: it has nothing to tell by.
 */
static int plain_fits(const struct kbtf_btf *split, char *why, size_t len)
{
	struct fit c = {.btf = split, .why = why, .len = len};
	uint32_t id, end = kbtf_btf_type_cnt(split);

	for (id = kbtf_btf_start_id(split); id < end; id++) {
		const struct btf_type *t = kbtf_btf_type(split, id);

		if (!fit_strs(&c, id, t) || !fit_ids(&c, id, t))
			return 0;
	}
	if (!c.checked)
		return -1;
	snprintf(why, len,
		 "its %u type ids and string offsets land where they should with its first "
		 "type at [%u] and its strings at offset %u, right after this vmlinux's",
		 c.checked, kbtf_btf_start_id(split), kbtf_btf_start_str_off(split));
	return 1;
}

/*
 * Was the module's plain split built on exactly this kernel's BTF? 1 yes,
 * 0 no, -1 cannot tell; @how says what decided. With --build-kernel, the
 * two BTFs are compared; otherwise the split itself says (plain_fits()),
 * and the releases decide only when it has nothing to tell by.
 */
static int same_build(const struct kbtf_pair *pair, const struct kbtf_btf *split, char *how,
		      size_t len)
{
	const struct kbtf_btf *b = pair->o->build_btf, *t = kbtf_vkernel_btf(pair->k);
	int fits;

	if (b) {
		bool same = kbtf_btf_type_cnt(b) == kbtf_btf_type_cnt(t) &&
			    kbtf_btf_str_len(b) == kbtf_btf_str_len(t) &&
			    (!pair->o->build_hash || pair->o->build_hash == pair->k->btf_hash);

		snprintf(how, len,
			 "build kernel BTF: %u types, %u string bytes; this kernel: "
			 "%u types, %u string bytes%s",
			 kbtf_btf_type_cnt(b), kbtf_btf_str_len(b), kbtf_btf_type_cnt(t),
			 kbtf_btf_str_len(t), same ? " (identical)" : "");
		return same;
	}
	fits = plain_fits(split, how, len);
	if (fits >= 0)
		return fits;
	if (pair->m->release && pair->k->k->release) {
		snprintf(how, len,
			 "its BTF refers to nothing to tell by; module built for %s "
			 "(vermagic), this kernel is %s",
			 pair->m->release, pair->k->k->release);
		return !strcmp(pair->m->release, pair->k->k->release);
	}
	snprintf(how, len,
		 "its BTF refers to nothing to tell by, no --build-kernel, and the %s "
		 "release is unknown",
		 pair->m->release ? "kernel's" : "module's");
	return -1;
}

/* The releases as a hint beside a decision the BTF made: "" when they agree. */
static void release_hint(const struct kbtf_pair *pair, char *out, size_t len)
{
	const char *mr = pair->m->release, *kr = pair->k->k->release;

	out[0] = 0;
	if (mr && kr && strcmp(mr, kr))
		snprintf(out, len,
			 " (the module's vermagic names %s, this kernel's release "
			 "reads %s: the BTF decides)",
			 mr, kr);
}

void kbtf_judge_plain(const struct kbtf_pair *pair, struct kbtf_btf_findings *f)
{
	struct kbtf_problem *p;
	char why[512], how[512], hint[256];
	struct kbtf_btf *split = NULL;
	int err = parse_on_vmlinux(pair, why, sizeof(why), &split);
	int same = err ? 0 : same_build(pair, split, how, sizeof(how));

	kbtf_btf_free(split);
	release_hint(pair, hint, sizeof(hint));
	if (same == 1) {
		if (!pair->o->build_btf)
			kbtf_note_warning(&f->notes, KBTF_SEV_INFO, "plain-split", ".BTF",
					  "plain split .BTF (no .BTF.base), read as built on this "
					  "kernel's vmlinux: %s%s",
					  how, hint);
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
		kbtf_btf_decided(f, KBTF_VERDICT_BTF_REJECTED, KBTF_BTF_FAILS, kernel_errno(err),
				 "plain split .BTF built for another kernel; rejected at parse");
		return;
	}
	kbtf_note_field(&f->notes, &p->actual, "%s%s", how, hint);
	kbtf_note_field(&f->notes, &p->detail,
			"The module has plain split BTF (no .BTF.base) made for another vmlinux. "
			"The kernel's checks pass, so it registers the BTF with ids and strings "
			"pointing at unrelated vmlinux types, without any message.");
	kbtf_btf_decided(f, KBTF_VERDICT_BTF_REJECTED, KBTF_BTF_MISREAD, 0,
			 "plain split .BTF built for another kernel; silently misread");
}
