// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The build-time layout record (section .kbtf.layout): the full member
 * lists of the vmlinux composites a distilled module uses, kept so that a
 * validator can tell, from the .ko alone, whether a target kernel changed
 * the layout of a struct the module relies on. The kernel ignores the
 * section (it is not SHF_ALLOC and its name means nothing to the loader).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kbtf/builder.h"
#include "kbtf/distill.h"
#include "elf_read.h"
#include "kbtf/err.h"
#include "kbtf/source.h"

/* How a base type was reached: through a pointer/prototype, or by value. */
enum {
	SEEN_REF = 1,
	SEEN_VAL = 2,
};

struct layout {
	const struct kbtf_btf *src;
	uint32_t nr;	 /* base type_cnt: ids below are base types */
	uint8_t *seen;	 /* SEEN_* bits per base id */
	uint32_t *map;	 /* base id -> layout id */
	uint32_t *stack; /* pending (id << 1 | by_value) */
	size_t depth, cap;
};

static int push(struct layout *l, uint32_t id, bool by_value)
{
	uint8_t bit = by_value ? SEEN_VAL : SEEN_REF;

	if (!id || id >= l->nr || (l->seen[id] & bit))
		return 0;
	l->seen[id] |= bit;
	if (l->depth == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 256;
		uint32_t *n = realloc(l->stack, ncap * sizeof(*n));

		if (!n)
			return kbtf_err(-ENOMEM, "out of memory building the layout record");
		l->stack = n;
		l->cap = ncap;
	}
	l->stack[l->depth++] = id << 1 | by_value;
	return 0;
}

/* Visit what type @id refers to, given how @id itself was reached. */
static int expand(struct layout *l, uint32_t id, bool by_value)
{
	const struct btf_type *t = kbtf_btf_type(l->src, id);
	const struct btf_member *m;
	const struct btf_param *p;
	uint32_t i;
	int err = 0;

	switch (kbtf_kind(t)) {
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		/* a named composite seen only by reference stays a stub */
		if (t->name_off && !by_value)
			return 0;
		m = kbtf_members(t);
		for (i = 0; i < kbtf_vlen(t) && !err; i++)
			err = push(l, m[i].type, true);
		return err;
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_CONST:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		return push(l, t->type, by_value);
	case BTF_KIND_ARRAY:
		err = push(l, kbtf_array(t)->type, by_value);
		return err ? err : push(l, kbtf_array(t)->index_type, false);
	case BTF_KIND_PTR:
		return push(l, t->type, false);
	case BTF_KIND_FUNC_PROTO:
		err = push(l, t->type, false);
		p = kbtf_params(t);
		for (i = 0; i < kbtf_vlen(t) && !err; i++)
			err = push(l, p[i].type, false);
		return err;
	default:
		return 0;
	}
}

static int collect(struct layout *l, const struct kbtf_distill_result *d)
{
	uint32_t id;
	int err;

	/* roots: the named composites of the distilled base, taken in full */
	for (id = 1; id < l->nr; id++) {
		const struct btf_type *t = kbtf_btf_type(l->src, id);

		if (d->id_map[id] && d->id_map[id] <= d->nr_base_types && kbtf_is_composite(t)) {
			err = push(l, id, true);
			if (err)
				return err;
		}
	}
	while (l->depth) {
		uint32_t e = l->stack[--l->depth];

		err = expand(l, e >> 1, e & 1);
		if (err)
			return err;
	}
	return 0;
}

static uint32_t layout_map_id(uint32_t id, void *ctx)
{
	struct layout *l = ctx;

	return id < l->nr ? l->map[id] : 0;
}

static bool emittable(const struct btf_type *t)
{
	switch (kbtf_kind(t)) {
	case BTF_KIND_FUNC:
	case BTF_KIND_VAR:
	case BTF_KIND_DATASEC:
	case BTF_KIND_DECL_TAG:
		return false;
	default:
		return kbtf_kind(t) != BTF_KIND_UNKN && kbtf_kind(t) <= KBTF_KIND_MAX_KNOWN;
	}
}

static int emit_one(struct layout *l, struct kbtf_builder *b, uint32_t id)
{
	const struct btf_type *t = kbtf_btf_type(l->src, id);
	const char *name = kbtf_btf_str(l->src, t->name_off);
	bool stub = t->name_off && !(l->seen[id] & SEEN_VAL);

	switch (kbtf_kind(t)) {
	case BTF_KIND_STRUCT:
		if (stub)
			return kbtf_builder_add_struct(b, name, t->size);
		break;
	case BTF_KIND_UNION:
		if (stub)
			return kbtf_builder_add_union(b, name, t->size);
		break;
	case BTF_KIND_ENUM:
		return kbtf_builder_add_enum(b, name, t->size, kbtf_kflag(t));
	case BTF_KIND_ENUM64:
		return kbtf_builder_add_enum64(b, name, t->size, kbtf_kflag(t));
	default:
		break;
	}
	return kbtf_builder_copy_type(b, l->src, id, layout_map_id, NULL, l);
}

static int emit(struct layout *l, enum kbtf_endian endian, struct kbtf_buf *out)
{
	struct kbtf_write_opts wo = {.endian = endian};
	struct kbtf_builder *b = kbtf_builder_new(NULL);
	uint32_t id, next = 1;
	int ret = 0;

	if (!b)
		return -ENOMEM;
	for (id = 1; id < l->nr; id++)
		if (l->seen[id] && emittable(kbtf_btf_type(l->src, id)))
			l->map[id] = next++;
	for (id = 1; id < l->nr && ret >= 0; id++)
		if (l->map[id])
			ret = emit_one(l, b, id);
	if (ret >= 0)
		ret = kbtf_builder_write(b, &wo, out);
	kbtf_builder_free(b);
	return ret < 0 ? ret : 0;
}

int kbtf_layout_build(const struct kbtf_btf *src, const struct kbtf_distill_result *d,
		      enum kbtf_endian endian, struct kbtf_buf *out)
{
	struct layout l = {.src = src};
	int err;

	memset(out, 0, sizeof(*out));
	if (!kbtf_btf_base(src) || !d->id_map || d->id_map_len != kbtf_btf_type_cnt(src))
		return kbtf_err(-EINVAL, "layout record: not the BTF that was distilled");
	l.nr = kbtf_btf_start_id(src);
	l.seen = calloc(l.nr, 1);
	l.map = calloc(l.nr, sizeof(*l.map));
	if (!l.seen || !l.map) {
		err = kbtf_err(-ENOMEM, "out of memory building the layout record");
		goto out;
	}
	err = collect(&l, d);
	if (!err)
		err = emit(&l, endian, out);
out:
	free(l.seen);
	free(l.map);
	free(l.stack);
	return err;
}

int kbtf_layout_parse(const void *data, size_t size, struct kbtf_btf **out)
{
	struct kbtf_parse_opts po = {.name = KBTF_LAYOUT_SECTION};
	struct kbtf_buf copy;
	int err;

	err = kbtf_buf_dup(data, size, &copy);
	if (err)
		return err;
	err = kbtf_btf_parse_buf(&copy, &po, out);
	kbtf_buf_release(&copy);
	return err;
}

int kbtf_layout_load(const struct kbtf_module *m, struct kbtf_btf **out)
{
	*out = NULL;
	if (m->layout_err == -ENOENT)
		return kbtf_err(-ENOENT,
				"%s has no %s section (not distilled by kbtf, or "
				"distilled with --no-layout)",
				m->path ? m->path : "module", KBTF_LAYOUT_SECTION);
	if (m->layout_err)
		return kbtf_err(m->layout_err, "section %s lies outside the file",
				KBTF_LAYOUT_SECTION);
	return kbtf_layout_parse(m->layout_data, m->layout_size, out);
}

bool kbtf_layout_is_full(const struct kbtf_btf *layout, uint32_t id)
{
	const struct btf_type *t = kbtf_btf_type(layout, id);

	/* a stub keeps the size but no members; an empty struct has size 0 */
	return t && kbtf_is_composite(t) && (kbtf_vlen(t) || !t->size);
}
