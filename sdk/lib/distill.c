// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Distillation of split BTF into a distilled base plus a new split, with the
 * semantics of libbpf's btf__distill_base (docs/kernel-rules.md section 3):
 * which base types are needed, where each goes, in which order, how ids and
 * strings are rewritten, and when to refuse.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "kbtf/builder.h"
#include "kbtf/check.h"
#include "kbtf/distill.h"
#include "kbtf/err.h"

struct distiller {
	const struct kbtf_btf *src;
	const struct kbtf_btf *base; /* src's base: the full kernel BTF */
	const struct kbtf_distill_opts *opts;
	uint32_t split_start;	     /* first split id of src */
	uint32_t type_cnt;	     /* src's type_cnt */
	uint32_t *map;		     /* marking (map[i] = i), then old -> new ids */
	struct kbtf_builder *base_b; /* the new base's strings are searched first */
	struct kbtf_builder *split_b;
	uint32_t nr_warnings;
};

static void warn(struct distiller *d, const char *fmt, ...) KBTF_PRINTF(2, 3);

static void warn(struct distiller *d, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	d->nr_warnings++;
	if (!d->opts || !d->opts->warn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	d->opts->warn(d->opts->warn_ctx, msg);
}

/* Kinds a split type may reference in the base (libbpf's list). */
static bool referable_kind(uint32_t kind)
{
	switch (kind) {
	case BTF_KIND_INT:
	case BTF_KIND_FLOAT:
	case BTF_KIND_FWD:
	case BTF_KIND_ARRAY:
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
	case BTF_KIND_PTR:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_FUNC_PROTO:
	case BTF_KIND_TYPE_TAG:
		return true;
	default:
		return false;
	}
}

/* Named composites lose their members in the base: what they refer to is not needed. */
static bool stops_marking(const struct btf_type *t)
{
	return kbtf_is_composite(t) && t->name_off;
}

/*
 * Depth-first marking of the base types reachable from the id fields of
 * @root, in the order libbpf's recursive walk visits them (so the first
 * offending reference reported is the same one). Explicit stack: kernel
 * type chains can be long.
 */
struct mark_frame {
	struct kbtf_field_iter it;
};

static int mark_from(struct distiller *d, const struct btf_type *root, struct mark_frame **stack,
		     size_t *cap)
{
	size_t depth = 0;
	const uint32_t *f;
	int err;

	if (kbtf_field_iter_init(&(*stack)[0].it, root, KBTF_FIELDS_IDS))
		return kbtf_err(-EINVAL, "type of unknown kind %u", kbtf_kind(root));
	depth = 1;
	while (depth) {
		const struct btf_type *bt;
		uint32_t id;

		f = kbtf_field_iter_next(&(*stack)[depth - 1].it);
		if (!f) {
			depth--;
			continue;
		}
		id = *f;
		if (!id || id >= d->split_start || d->map[id])
			continue;
		bt = kbtf_btf_type(d->src, id);
		if (!bt || !referable_kind(kbtf_kind(bt)))
			return kbtf_err(-EINVAL,
					"unexpected reference to base type[%u] of kind [%u] when "
					"creating distilled base BTF",
					id, bt ? kbtf_kind(bt) : 0);
		d->map[id] = id;
		if (stops_marking(bt))
			continue;
		if (depth == *cap) {
			struct mark_frame *n = realloc(*stack, *cap * 2 * sizeof(**stack));

			if (!n)
				return kbtf_err(-ENOMEM, "out of memory distilling BTF");
			*stack = n;
			*cap *= 2;
		}
		err = kbtf_field_iter_init(&(*stack)[depth].it, bt, KBTF_FIELDS_IDS);
		if (err)
			return kbtf_err(-EINVAL, "base type [%u] of unknown kind %u", id,
					kbtf_kind(bt));
		depth++;
	}
	return 0;
}

static int mark_needed(struct distiller *d)
{
	const struct kbtf_distill_opts *o = d->opts;
	size_t cap = 64, i;
	struct mark_frame *stack = malloc(cap * sizeof(*stack));
	uint32_t id;
	int err = 0;

	if (!stack)
		return kbtf_err(-ENOMEM, "out of memory distilling BTF");
	for (id = d->split_start; id < d->type_cnt && !err; id++) {
		err = mark_from(d, kbtf_btf_type(d->src, id), &stack, &cap);
		if (err)
			kbtf_err_prefix(err, "split type [%u]", id);
	}
	/* extra roots behave like one more split type pointing at each of them */
	for (i = 0; !err && o && i < o->nr_extra_roots; i++) {
		struct btf_type ptr = {.info = kbtf_info(BTF_KIND_PTR, false, 0),
				       .type = o->extra_roots[i]};

		if (ptr.type >= d->split_start)
			continue;
		err = mark_from(d, &ptr, &stack, &cap);
	}
	free(stack);
	return err;
}

enum placement { NOT_NEEDED, TO_BASE, TO_SPLIT };

static enum placement place(const struct btf_type *t)
{
	switch (kbtf_kind(t)) {
	case BTF_KIND_INT:
	case BTF_KIND_FLOAT:
	case BTF_KIND_FWD:
		return TO_BASE;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		return t->name_off ? TO_BASE : TO_SPLIT;
	default:
		/* ARRAY, TYPEDEF, PTR, modifiers, FUNC_PROTO, TYPE_TAG */
		return TO_SPLIT;
	}
}

/*
 * Final ids: the new base holds the base-bound types in original id order;
 * the new split holds the original split types, then the split-bound base
 * types in original id order.
 */
static void assign_ids(struct distiller *d, uint32_t *nbase, uint32_t *ncopied)
{
	uint32_t id, next_base = 1, next_split, copied = 0;

	for (id = 1; id < d->split_start; id++)
		if (d->map[id] && place(kbtf_btf_type(d->src, id)) == TO_BASE)
			d->map[id] = next_base++;
	next_split = next_base + (d->type_cnt - d->split_start);
	for (id = 1; id < d->split_start; id++) {
		if (d->map[id] && place(kbtf_btf_type(d->src, id)) == TO_SPLIT) {
			d->map[id] = next_split++;
			copied++;
		}
	}
	for (id = d->split_start; id < d->type_cnt; id++)
		d->map[id] = id - d->split_start + next_base;
	*nbase = next_base - 1;
	*ncopied = copied;
}

static uint32_t map_id(uint32_t id, void *ctx)
{
	struct distiller *d = ctx;

	return id < d->type_cnt ? d->map[id] : 0;
}

/* Split strings: an exact match among the new base's strings wins. */
static int map_split_str(const char *s, void *ctx)
{
	struct distiller *d = ctx;
	int off;

	if (!s || !*s)
		return 0;
	off = kbtf_builder_find_str(d->base_b, s);
	if (off >= 0)
		return off;
	return kbtf_builder_add_str(d->split_b, s);
}

static bool enum_size_ok(uint32_t size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

static int add_base_type(struct distiller *d, uint32_t id)
{
	const struct btf_type *t = kbtf_btf_type(d->src, id);
	const char *name = kbtf_btf_str(d->src, t->name_off);
	int ret;

	switch (kbtf_kind(t)) {
	case BTF_KIND_INT:
	case BTF_KIND_FLOAT:
	case BTF_KIND_FWD:
		ret = kbtf_builder_copy_type(d->base_b, d->src, id, map_id, NULL, d);
		break;
	case BTF_KIND_STRUCT:
		ret = kbtf_builder_add_struct(d->base_b, name, t->size);
		break;
	case BTF_KIND_UNION:
		ret = kbtf_builder_add_union(d->base_b, name, t->size);
		break;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		/* relocation matches an ENUM against ENUM or ENUM64 of that size */
		if (!enum_size_ok(t->size))
			return kbtf_err(-EINVAL, "base enum '%s' [%u] has size %u", name, id,
					t->size);
		ret = kbtf_builder_add_enum(d->base_b, name, t->size, false);
		break;
	default:
		return kbtf_err(-EINVAL,
				"unexpected kind when adding base type '%s'[%u] of kind [%u] to "
				"distilled base BTF",
				name, id, kbtf_kind(t));
	}
	return ret < 0 ? ret : 0;
}

static int build_base(struct distiller *d)
{
	uint32_t id;
	int err;

	d->base_b = kbtf_builder_new(NULL);
	if (!d->base_b)
		return -ENOMEM;
	for (id = 1; id < d->split_start; id++) {
		if (!d->map[id] || place(kbtf_btf_type(d->src, id)) != TO_BASE)
			continue;
		err = add_base_type(d, id);
		if (err)
			return err;
	}
	return 0;
}

static int build_split(struct distiller *d, const struct kbtf_btf *new_base)
{
	uint32_t id;
	int ret;

	d->split_b = kbtf_builder_new(new_base);
	if (!d->split_b)
		return -ENOMEM;
	for (id = d->split_start; id < d->type_cnt; id++) {
		ret = kbtf_builder_copy_type(d->split_b, d->src, id, map_id, map_split_str, d);
		if (ret < 0)
			return ret;
	}
	for (id = 1; id < d->split_start; id++) {
		if (!d->map[id] || place(kbtf_btf_type(d->src, id)) != TO_SPLIT)
			continue;
		ret = kbtf_builder_copy_type(d->split_b, d->src, id, map_id, map_split_str, d);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* ------------------------------------------------ ambiguity warnings */

/*
 * Relocation maps each distilled type by name (and size, when a name is
 * shared). Names the build kernel itself holds twice in a way relocation
 * cannot tell apart will fail there and most likely everywhere else too;
 * say so now (btf_relocate()'s ambiguous names: docs/kernel-rules.md 4.3).
 */
struct name_slot {
	const char *name;
	uint32_t new_id;     /* the distilled type */
	uint32_t same;	     /* base types relocation would accept for it */
	uint32_t composites; /* STRUCT/UNION of this name in the base */
};

static struct name_slot *slot_find(struct name_slot *tab, uint32_t mask, const char *name)
{
	uint32_t h = kbtf_hash_str(name) & mask;

	while (tab[h].name && strcmp(tab[h].name, name))
		h = (h + 1) & mask;
	return &tab[h];
}

/* Would relocation accept base type @bt for distilled type @dt (key and table B)? */
static bool candidate(const struct btf_type *dt, const struct btf_type *bt, uint32_t composites)
{
	uint32_t dk = kbtf_kind(dt), bk = kbtf_kind(bt);
	bool sized_key;

	if (bk == BTF_KIND_FWD)
		sized_key = false;
	else if (bk == BTF_KIND_STRUCT || bk == BTF_KIND_UNION)
		sized_key = composites > 1;
	else if (bk == BTF_KIND_INT || bk == BTF_KIND_FLOAT || bk == BTF_KIND_ENUM ||
		 bk == BTF_KIND_ENUM64)
		sized_key = true;
	else
		return false;
	if (sized_key && dt->size != bt->size)
		return false;
	switch (dk) {
	case BTF_KIND_INT:
		return bk == BTF_KIND_INT &&
		       (kbtf_int_word(dt) >> 24 & 0xf) == (kbtf_int_word(bt) >> 24 & 0xf);
	case BTF_KIND_FLOAT:
		return bk == BTF_KIND_FLOAT;
	case BTF_KIND_ENUM:
		return bk == BTF_KIND_ENUM || bk == BTF_KIND_ENUM64;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return true;
	case BTF_KIND_FWD:
		if (bk == BTF_KIND_FWD)
			return kbtf_kflag(bt) == kbtf_kflag(dt);
		return (bk == BTF_KIND_STRUCT && !kbtf_kflag(bt)) ||
		       (bk == BTF_KIND_UNION && kbtf_kflag(bt));
	default:
		return false;
	}
}

static bool relocation_keyed(const struct btf_type *t)
{
	switch (kbtf_kind(t)) {
	case BTF_KIND_INT:
	case BTF_KIND_FLOAT:
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
	case BTF_KIND_FWD:
		return true;
	default:
		return false;
	}
}

static void warn_ambiguous(struct distiller *d, const struct kbtf_btf *nb, uint32_t nr)
{
	uint32_t mask = 16, id, i, *hits = NULL, nr_hits = 0, cap = 0;
	struct name_slot *tab, *s;

	while (mask < nr * 2)
		mask <<= 1;
	tab = calloc(mask, sizeof(*tab));
	if (!tab)
		return;
	mask--;
	for (id = 1; id <= nr; id++) {
		const char *name = kbtf_btf_str(nb, kbtf_btf_type(nb, id)->name_off);

		if (!name || !*name)
			continue;
		s = slot_find(tab, mask, name);
		if (!s->name) {
			s->name = name;
			s->new_id = id;
		}
	}
	/* one pass over the base: composites per name, and who shares a name */
	for (id = 1; id < d->split_start; id++) {
		const struct btf_type *bt = kbtf_btf_type(d->base, id);

		/* relocation keys only these kinds; FUNCs (half of vmlinux) never match */
		if (!bt->name_off || !relocation_keyed(bt))
			continue;
		s = slot_find(tab, mask, kbtf_btf_str(d->base, bt->name_off));
		if (!s->name)
			continue;
		if (kbtf_is_composite(bt))
			s->composites++;
		if (nr_hits == cap) {
			uint32_t *n = realloc(hits, (cap ? cap * 2 : 64) * sizeof(*hits));

			if (!n)
				goto out;
			hits = n;
			cap = cap ? cap * 2 : 64;
		}
		hits[nr_hits++] = id;
	}
	for (i = 0; i < nr_hits; i++) {
		const struct btf_type *bt = kbtf_btf_type(d->base, hits[i]);

		s = slot_find(tab, mask, kbtf_btf_str(d->base, bt->name_off));
		if (candidate(kbtf_btf_type(nb, s->new_id), bt, s->composites))
			s->same++;
	}
	for (i = 0; i <= mask; i++) {
		const struct btf_type *dt;

		if (!tab[i].name || tab[i].same < 2)
			continue;
		dt = kbtf_btf_type(nb, tab[i].new_id);
		warn(d,
		     "%s '%s' (size %u): the build kernel has %u types relocation would accept "
		     "for it; loading will fail with 'multiple candidates'",
		     kbtf_kind_str(kbtf_kind(dt)), tab[i].name, dt->size, tab[i].same);
	}
out:
	free(hits);
	free(tab);
}

/* ------------------------------------------------------------ output */

static int finish(struct distiller *d, struct kbtf_distill_result *out)
{
	struct kbtf_write_opts wo = {.endian = kbtf_btf_endian(d->src)};
	struct kbtf_parse_opts po = {.name = ".BTF.base"};
	int err;

	err = kbtf_builder_write(d->base_b, &wo, &out->base);
	if (err)
		return err;
	err = kbtf_btf_parse(out->base.data, out->base.size, &po, &out->base_btf);
	if (err)
		return kbtf_err_prefix(err, "distilled base does not parse back");
	err = build_split(d, out->base_btf);
	if (err)
		return err;
	err = kbtf_builder_write(d->split_b, &wo, &out->split);
	if (err)
		return err;
	po.name = ".BTF";
	po.base = out->base_btf;
	err = kbtf_btf_parse(out->split.data, out->split.size, &po, &out->split_btf);
	if (err)
		return kbtf_err_prefix(err, "distilled split does not parse back");
	if (d->opts && d->opts->no_check)
		return 0;
	err = kbtf_check_kernel(out->base_btf, KBTF_KERNEL_6_12);
	if (err)
		return kbtf_err_prefix(err, "the kernel would reject the distilled base");
	err = kbtf_check_kernel(out->split_btf, KBTF_KERNEL_6_12);
	if (err)
		return kbtf_err_prefix(err, "the kernel would reject the distilled split");
	return 0;
}

int kbtf_distill(const struct kbtf_btf *src, const struct kbtf_distill_opts *opts,
		 struct kbtf_distill_result *out)
{
	struct distiller d = {.src = src, .opts = opts};
	int err;

	memset(out, 0, sizeof(*out));
	if (!src || !kbtf_btf_base(src))
		return kbtf_err(-EINVAL, "not split BTF: distillation needs a module's BTF "
					 "parsed on top of its kernel's");
	d.base = kbtf_btf_base(src);
	d.split_start = kbtf_btf_start_id(src);
	d.type_cnt = kbtf_btf_type_cnt(src);
	d.map = calloc(d.type_cnt, sizeof(*d.map));
	if (!d.map)
		return kbtf_err(-ENOMEM, "out of memory distilling BTF");
	err = mark_needed(&d);
	if (err)
		goto out;
	assign_ids(&d, &out->nr_base_types, &out->nr_copied);
	err = build_base(&d);
	if (err)
		goto out;
	err = finish(&d, out);
	if (err)
		goto out;
	warn_ambiguous(&d, out->base_btf, out->nr_base_types);
	out->nr_split_types = d.type_cnt - d.split_start + out->nr_copied;
	out->nr_warnings = d.nr_warnings;
	out->id_map = d.map;
	out->id_map_len = d.type_cnt;
	d.map = NULL;
out:
	free(d.map);
	kbtf_builder_free(d.base_b);
	kbtf_builder_free(d.split_b);
	if (err)
		kbtf_distill_result_release(out);
	return err;
}

void kbtf_distill_result_release(struct kbtf_distill_result *r)
{
	if (!r)
		return;
	kbtf_btf_free(r->split_btf);
	kbtf_btf_free(r->base_btf);
	kbtf_buf_release(&r->split);
	kbtf_buf_release(&r->base);
	free(r->id_map);
	memset(r, 0, sizeof(*r));
}
