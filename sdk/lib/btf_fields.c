// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Which words of a type record are type ids and which are string offsets.
 * Distillation, relocation and the sanity pass all rewrite or check "every
 * id field" / "every string field"; this file is the one place that knows
 * where those fields sit for each kind.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "kbtf/btf.h"

static void set_items(struct kbtf_field_iter *it, uint32_t item_size, uint32_t nfields,
		      uint32_t off0, uint32_t off1)
{
	it->item = (const uint8_t *)(it->t + 1);
	it->items_left = kbtf_vlen(it->t);
	it->item_size = item_size;
	it->item_nfields = nfields;
	it->item_off[0] = off0;
	it->item_off[1] = off1;
	it->item_field = 0;
}

static void init_ids(struct kbtf_field_iter *it, const struct btf_type *t)
{
	const struct btf_array *a;

	switch (kbtf_kind(t)) {
	case BTF_KIND_PTR:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_FUNC:
	case BTF_KIND_VAR:
	case BTF_KIND_DECL_TAG:
	case BTF_KIND_TYPE_TAG:
		it->head[0] = &t->type;
		it->head_left = 1;
		break;
	case BTF_KIND_ARRAY:
		a = kbtf_array(t);
		it->head[0] = &a->type;
		it->head[1] = &a->index_type;
		it->head_left = 2;
		break;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		set_items(it, sizeof(struct btf_member), 1, offsetof(struct btf_member, type), 0);
		break;
	case BTF_KIND_FUNC_PROTO:
		it->head[0] = &t->type;
		it->head_left = 1;
		set_items(it, sizeof(struct btf_param), 1, offsetof(struct btf_param, type), 0);
		break;
	case BTF_KIND_DATASEC:
		set_items(it, sizeof(struct btf_var_secinfo), 1,
			  offsetof(struct btf_var_secinfo, type), 0);
		break;
	default:
		break;
	}
}

static void init_strs(struct kbtf_field_iter *it, const struct btf_type *t)
{
	it->head[0] = &t->name_off;
	it->head_left = 1;
	switch (kbtf_kind(t)) {
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		set_items(it, sizeof(struct btf_member), 1, offsetof(struct btf_member, name_off),
			  0);
		break;
	case BTF_KIND_ENUM:
		set_items(it, sizeof(struct btf_enum), 1, offsetof(struct btf_enum, name_off), 0);
		break;
	case BTF_KIND_ENUM64:
		set_items(it, sizeof(struct btf_enum64), 1, offsetof(struct btf_enum64, name_off),
			  0);
		break;
	case BTF_KIND_FUNC_PROTO:
		set_items(it, sizeof(struct btf_param), 1, offsetof(struct btf_param, name_off), 0);
		break;
	default:
		break;
	}
}

int kbtf_field_iter_init(struct kbtf_field_iter *it, const struct btf_type *t,
			 enum kbtf_field_kind what)
{
	memset(it, 0, sizeof(*it));
	it->t = t;
	it->what = what;
	if (kbtf_kind(t) == BTF_KIND_UNKN || kbtf_kind(t) > KBTF_KIND_MAX_KNOWN)
		return -EINVAL;
	if (what == KBTF_FIELDS_IDS)
		init_ids(it, t);
	else
		init_strs(it, t);
	return 0;
}

const uint32_t *kbtf_field_iter_next(struct kbtf_field_iter *it)
{
	const uint32_t *f;

	if (it->head_left) {
		/* head fields are handed out in order: head[0], then head[1] */
		uint32_t total = it->head[1] ? 2 : 1;

		f = it->head[total - it->head_left];
		it->head_left--;
		return f;
	}
	if (!it->items_left)
		return NULL;
	f = (const uint32_t *)(it->item + it->item_off[it->item_field]);
	if (++it->item_field == it->item_nfields) {
		it->item_field = 0;
		it->item += it->item_size;
		it->items_left--;
	}
	return f;
}
