// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Relocation onto a kernel that reads .BTF.base: the kernel's parse-time
 * checks, then btf_relocate() simulated (relocate.h), every distilled
 * type that does not map turned into a problem with both sides' facts
 * (kind, size, candidates, member layouts where the size matters).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drift.h"

#include "judge.h"
#include "prepared.h"

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
/* Members of composite @id, anonymous members opened up (their fields
 * are the composite's fields in C), as "type name at offset; ...". */
static void members_rec(const struct kbtf_btf *btf, uint32_t id, uint32_t base, char *buf,
			size_t len, size_t *used, unsigned int *shown, int depth)
{
	const struct btf_type *t = kbtf_btf_type(btf, kbtf_btf_skip_mods_typedefs(btf, id));
	const struct btf_member *mb;
	uint32_t i;

	if (!t || !kbtf_is_composite(t) || depth > 4)
		return;
	mb = kbtf_members(t);
	for (i = 0; i < kbtf_vlen(t); i++) {
		const char *name = kbtf_btf_str(btf, mb[i].name_off);
		/* its kind and name: an anonymous composite is opened up */
		const struct btf_type *mt =
		    kbtf_btf_type_head(btf, kbtf_btf_skip_mods_typedefs(btf, mb[i].type));
		uint32_t off = base + kbtf_member_bit_offset(t, &mb[i]);
		char tn[96];

		if (!mb[i].name_off && mt && kbtf_is_composite(mt) && !mt->name_off) {
			members_rec(btf, mb[i].type, off, buf, len, used, shown, depth + 1);
			continue;
		}
		if (*shown == MAX_LISTED) {
			kbtf_appendf(buf, len, used, "; ...");
			(*shown)++;
		}
		if (*shown > MAX_LISTED)
			return;
		kbtf_type_name(btf, mb[i].type, tn, sizeof(tn));
		kbtf_appendf(buf, len, used, "%s%s %s at %u%s", *shown ? "; " : "", tn,
			     name && *name ? name : "(anonymous)", off % 8 ? off : off / 8,
			     off % 8 ? " bits" : "");
		(*shown)++;
	}
}

static void members_str(const struct kbtf_btf *btf, uint32_t id, char *buf, size_t len)
{
	unsigned int shown = 0;
	size_t used = 0;

	buf[0] = '\0';
	if (btf) /* NULL: a profile's BTF that could not be read */
		members_rec(btf, id, 0, buf, len, &used, &shown, 0);
}

/* The build-time definition of a composite (layout record or build BTF). */
static struct kbtf_btf *build_side(const struct kbtf_pair *pair, const char *name, uint32_t kind,
				   uint32_t size, uint32_t *id)
{
	struct kbtf_btf *srcs[2] = {pair->m->layout, pair->o->build_btf};
	uint32_t ids[8];
	int s, n, i;

	for (s = 0; s < 2; s++) {
		if (!srcs[s])
			continue;
		n = kbtf_btf_find_by_name_all(srcs[s], name, (int)kind, ids, 8);
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

/* The stable reason code for a distilled type that did not map. */
static const char *reloc_reason(const struct kbtf_reloc_type *rt)
{
	bool seen[8] = {false};
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

static void expected_str(const struct kbtf_pair *pair, const struct kbtf_reloc_type *rt, char *buf,
			 size_t len)
{
	char enc[32] = "", via[160] = "";

	if (rt->kind == BTF_KIND_INT) {
		int_enc_str(rt->int_enc, enc, sizeof(enc));
		snprintf(enc + strlen(enc), sizeof(enc) - strlen(enc), ", ");
	}
	if (rt->embedded && rt->embedded_by) {
		char tn[128];

		kbtf_type_name(pair->m->split, rt->embedded_by, tn, sizeof(tn));
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
		snprintf(buf, len,
			 "no int, float, enum, struct, union or forward declaration "
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
static void layout_detail(const struct kbtf_pair *pair, struct kbtf_btf_findings *f,
			  struct kbtf_problem *p, const struct kbtf_reloc_type *rt)
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
	members_str(kbtf_vkernel_btf(pair->k), c->id, now, sizeof(now));
	b = build_side(pair, rt->name, rt->kind, rt->size, &bid);
	if (b)
		members_str(b, bid, then, sizeof(then));
	kbtf_note_field(&f->notes, &p->detail,
			"The module embeds %s %s by value, so the kernel requires the size it "
			"was built with (%u bytes); %s has %u bytes.%s%s%s%s%s%s",
			kind_word(rt->kind), rt->name, rt->size, pair->release, c->size,
			*then ? " Build time: " : "", then, *then ? "." : "",
			*now ? " This kernel: " : "", now, *now ? "." : "");
}

/* A size problem's two sizes as numbers: the first candidate of the
 * right name whose size was what failed. */
static void sizes(struct kbtf_problem *p, const struct kbtf_reloc_type *rt)
{
	uint32_t i;

	if (strcmp(p->reason, "size-mismatch"))
		return;
	p->module_size = rt->size;
	for (i = 0; i < rt->nr_cands; i++) {
		if (rt->cands[i].why == KBTF_CAND_EMBEDDED_SIZE ||
		    rt->cands[i].why == KBTF_CAND_SIZE) {
			p->kernel_size = rt->cands[i].size;
			return;
		}
	}
}

static void reloc_problem(const struct kbtf_pair *pair, struct kbtf_btf_findings *f,
			  const struct kbtf_reloc_result *res, const struct kbtf_reloc_type *rt)
{
	const char *reason = reloc_reason(rt);
	struct kbtf_problem *p = kbtf_note_problem(&f->notes, KBTF_PROBLEM_BTF, rt->name, reason);
	char exp[320], act[1024];

	if (!p)
		return;
	p->kernel_first = rt->id == res->first_bad;
	sizes(p, rt);
	expected_str(pair, rt, exp, sizeof(exp));
	actual_str(rt, act, sizeof(act));
	kbtf_note_field(&f->notes, &p->expected, "%s", exp);
	kbtf_note_field(&f->notes, &p->actual, "%s", act);
	if (!strcmp(reason, "size-mismatch") && rt->embedded)
		layout_detail(pair, f, p, rt);
	else if (!strcmp(reason, "ambiguous"))
		kbtf_note_field(&f->notes, &p->detail,
				"More than one %s named %s fits, and the kernel cannot tell "
				"which one the module means.",
				kind_word(rt->kind), rt->name);
	else if (!strcmp(reason, "not-found"))
		kbtf_note_field(&f->notes, &p->detail, "%s has no type named %s.", pair->release,
				rt->name);
	else if (!strcmp(reason, "encoding-mismatch"))
		kbtf_note_field(&f->notes, &p->detail,
				"The kernel maps an int only to an int of the same size and "
				"signedness/char encoding.");
	else
		kbtf_note_field(&f->notes, &p->detail,
				"No %s named %s with a compatible kind and size.",
				kind_word(rt->kind), rt->name);
}

static void stage_problem(const struct kbtf_pair *pair, struct kbtf_btf_findings *f,
			  const struct kbtf_reloc_result *res)
{
	struct kbtf_problem *p = NULL;
	char name[64];

	switch (res->stage) {
	case KBTF_RELOC_STAGE_DISTILLED:
		snprintf(name, sizeof(name), ".BTF.base type [%u]", res->first_bad);
		p = kbtf_note_problem(&f->notes, KBTF_PROBLEM_BTF, name, "bad-distilled-base");
		if (p)
			kbtf_note_field(&f->notes, &p->expected,
					"named int, float, enum, struct, union or fwd");
		break;
	case KBTF_RELOC_STAGE_STRING:
		snprintf(name, sizeof(name), ".BTF type [%u]", res->badstrs[0].type_id);
		p = kbtf_note_problem(&f->notes, KBTF_PROBLEM_BTF, name, "string-not-mapped");
		if (p)
			kbtf_note_field(&f->notes, &p->expected,
					"string offsets below %u start a distilled type name",
					kbtf_btf_str_len(pair->m->dist));
		if (p)
			kbtf_note_field(&f->notes, &p->actual, "offset %u (%u such offsets)",
					res->badstrs[0].off, res->nr_badstrs);
		break;
	case KBTF_RELOC_STAGE_LOOP:
		p = kbtf_note_problem(&f->notes, KBTF_PROBLEM_BTF, ".BTF", "array-loop");
		if (p)
			kbtf_note_field(&f->notes, &p->detail,
					"An ARRAY refers to itself through its element type: the "
					"kernel's embedded-type walk never ends (the load hangs).");
		break;
	case KBTF_RELOC_STAGE_BADMAP:
		p = kbtf_note_problem(&f->notes, KBTF_PROBLEM_BTF, "(empty name)", "empty-name");
		break;
	default:
		return;
	}
	if (p) {
		p->kernel_first = true;
		if (!p->detail)
			kbtf_note_field(&f->notes, &p->detail, "%s", res->kernel_log);
	}
}

static void mode_warning(struct kbtf_btf_findings *f, const struct kbtf_reloc_result *res)
{
	if (!res->mode_sensitive)
		return;
	kbtf_note_warning(&f->notes, KBTF_SEV_WARNING, "pre-fix-kernels", "",
			  "kernels 6.11-6.13 without the embedded-marking fix (kernel commit "
			  "5ca681a86ef9, in 6.14 and the 6.12 and 6.13 stable series) would %s "
			  "this module's BTF (see --pre-fix)",
			  res->other_mode_err ? "reject" : "accept");
}

/* The kernel's parse-time checks of .BTF.base (@which 0) or .BTF (1). */
static void judge_meta(const struct kbtf_pair *pair, struct kbtf_btf_findings *f, int which,
		       bool *bad)
{
	const char *what = which ? ".BTF" : ".BTF.base";
	const char *why = pair->m->meta_why[pair->gen][which];
	struct kbtf_problem *p;

	if (*bad || !pair->m->meta_err[pair->gen][which])
		return;
	*bad = true;
	p = kbtf_note_problem(&f->notes, KBTF_PROBLEM_BTF, what, "meta-check");
	if (!p)
		return;
	kbtf_note_field(&f->notes, &p->expected, "BTF the kernel's parse-time checks accept");
	kbtf_note_field(&f->notes, &p->actual, "%s", why);
	kbtf_note_field(&f->notes, &p->detail, "The kernel rejects %s before relocating it.", what);
	p->kernel_first = true;
	/* the check's errno is the kernel's: -E2BIG for a nonzero header tail
	 * (btf_parse_hdr()), -EINVAL for the rest; 6.1 prints it */
	kbtf_btf_decided(f, KBTF_VERDICT_BTF_REJECTED, KBTF_BTF_FAILS,
			 pair->m->meta_err[pair->gen][which], why);
}

/* Run the relocation simulator and keep its outcome in the findings. */
static int simulate(const struct kbtf_pair *pair, struct kbtf_btf_findings *f,
		    const struct kbtf_reloc_opts *ro, struct kbtf_reloc_result *res)
{
	char *log;

	if (kbtf_relocate_sim_prep(pair->m->reloc_prep, pair->k->target, ro, res)) {
		f->notes.err = -ENOMEM;
		return -ENOMEM;
	}
	f->reloc_err = res->err;
	if (asprintf(&log, "%s", res->kernel_log) < 0) {
		f->notes.err = -ENOMEM;
		return 0;
	}
	free(f->reloc_log);
	f->reloc_log = log;
	return 0;
}

/*
 * btf_parse_module() of a module with .BTF.base on a kernel that reads it:
 * both parsed and checked, then btf_relocate(). A relocation that succeeds
 * is kept in @f for the drift judge.
 */
void kbtf_judge_relocation(const struct kbtf_pair *pair, struct kbtf_btf_findings *f)
{
	struct kbtf_reloc_opts ro = {.pre_fix = pair->o->pre_fix};
	struct kbtf_reloc_result *res = &f->reloc;
	bool bad = false;
	uint32_t i;

	judge_meta(pair, f, 0, &bad);
	judge_meta(pair, f, 1, &bad);
	if (bad)
		return;
	if (simulate(pair, f, &ro, res))
		return;
	mode_warning(f, res);
	if (!res->err) {
		f->relocated = true;
		return;
	}
	for (i = 0; i + 1 < res->nr_dist; i++)
		if (res->types[i].status != KBTF_RELOC_MAPPED)
			reloc_problem(pair, f, res, &res->types[i]);
	stage_problem(pair, f, res);
	kbtf_note_log(&f->notes, "%s", res->kernel_log);
	kbtf_btf_decided(f, KBTF_VERDICT_BTF_REJECTED, KBTF_BTF_FAILS, res->err, res->kernel_log);
	kbtf_reloc_result_fini(res);
}

/* For the record: what relocation would say if this kernel could run it. */
void kbtf_judge_relocation_anyway(const struct kbtf_pair *pair, struct kbtf_btf_findings *f)
{
	struct kbtf_reloc_opts ro = {.pre_fix = pair->o->pre_fix};
	struct kbtf_reloc_result res;
	char names[256] = "";
	size_t used = 0;
	uint32_t i;

	if (!pair->m->reloc_prep || simulate(pair, f, &ro, &res))
		return;
	for (i = 0; res.err && i + 1 < res.nr_dist; i++)
		if (res.types[i].status != KBTF_RELOC_MAPPED)
			kbtf_appendf(names, sizeof(names), &used, "%s%s", used ? ", " : "",
				     res.types[i].name);
	if (res.err)
		kbtf_note_warning(&f->notes, KBTF_SEV_INFO, "relocation-elsewhere", "",
				  "a kernel of this BTF that read .BTF.base would still reject it: "
				  "%s%s%s%s",
				  res.kernel_log, *names ? " (types that do not map: " : "", names,
				  *names ? ")" : "");
	kbtf_reloc_result_fini(&res);
}
