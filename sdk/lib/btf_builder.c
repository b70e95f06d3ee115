// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * BTF builder: grows a type section and a deduplicated string table in host
 * order, then serialises them with a 24-byte (or 32-byte kind-layout) header
 * in the byte order asked for. See kbtf/builder.h.
 */
#include <byteswap.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "kbtf/builder.h"
#include "kbtf/err.h"

struct kbtf_builder {
	const struct kbtf_btf *base;
	uint32_t start_id;
	uint32_t start_str_off;

	uint8_t *types;
	size_t types_len, types_cap;
	uint32_t *offs; /* record offsets */
	uint32_t nr_types, offs_cap;
	int last; /* index of the last type, -1 if none */

	char *strs;
	size_t strs_len, strs_cap;
	uint32_t *str_slots; /* open addressing: local offset + 1, 0 empty */
	uint32_t str_mask, nr_strs;
};

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
	size_t ncap = *cap ? *cap : 64;
	void *n;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	n = realloc(*p, ncap * elem);
	if (!n)
		return kbtf_err(-ENOMEM, "out of memory building BTF");
	*p = n;
	*cap = ncap;
	return 0;
}

static int rehash_strs(struct kbtf_builder *b)
{
	uint32_t nslots = b->str_mask ? (b->str_mask + 1) * 2 : 256, i;
	uint32_t *slots = calloc(nslots, sizeof(*slots));

	if (!slots)
		return kbtf_err(-ENOMEM, "out of memory building BTF strings");
	for (i = 0; b->str_slots && i <= b->str_mask; i++) {
		uint32_t v = b->str_slots[i], h;

		if (!v)
			continue;
		h = kbtf_hash_str(b->strs + v - 1) & (nslots - 1);
		while (slots[h])
			h = (h + 1) & (nslots - 1);
		slots[h] = v;
	}
	free(b->str_slots);
	b->str_slots = slots;
	b->str_mask = nslots - 1;
	return 0;
}

/* Slot where @s is or would go. */
static uint32_t *str_slot(const struct kbtf_builder *b, const char *s)
{
	uint32_t h = kbtf_hash_str(s) & b->str_mask;

	while (b->str_slots[h] && strcmp(b->strs + b->str_slots[h] - 1, s))
		h = (h + 1) & b->str_mask;
	return &b->str_slots[h];
}

struct kbtf_builder *kbtf_builder_new(const struct kbtf_btf *base)
{
	struct kbtf_builder *b = calloc(1, sizeof(*b));

	if (!b) {
		kbtf_err_nomem();
		return NULL;
	}
	b->base = base;
	b->last = -1;
	b->start_id = base ? kbtf_btf_type_cnt(base) : 1;
	b->start_str_off = base ? kbtf_btf_start_str_off(base) + kbtf_btf_str_len(base) : 0;
	if (rehash_strs(b))
		goto fail;
	if (!base) {
		/* a base string table starts with the empty string */
		if (grow((void **)&b->strs, &b->strs_cap, 1, 1))
			goto fail;
		b->strs[0] = '\0';
		b->strs_len = 1;
	}
	return b;
fail:
	kbtf_builder_free(b);
	return NULL;
}

void kbtf_builder_free(struct kbtf_builder *b)
{
	if (!b)
		return;
	free(b->types);
	free(b->offs);
	free(b->strs);
	free(b->str_slots);
	free(b);
}

int kbtf_builder_find_str(const struct kbtf_builder *b, const char *s)
{
	uint32_t *slot;

	if (!s || !*s)
		return 0;
	slot = str_slot(b, s);
	if (!*slot)
		return -ENOENT;
	return (int)(b->start_str_off + *slot - 1);
}

int kbtf_builder_add_str(struct kbtf_builder *b, const char *s)
{
	uint32_t *slot, off;
	size_t len;
	int err;

	if (!s || !*s)
		return 0;
	slot = str_slot(b, s);
	if (*slot)
		return (int)(b->start_str_off + *slot - 1);
	len = strlen(s) + 1;
	if (b->start_str_off + b->strs_len + len > 0x7fffffffu)
		return kbtf_err(-E2BIG, "BTF string section would exceed 2 GiB");
	err = grow((void **)&b->strs, &b->strs_cap, b->strs_len + len, 1);
	if (err)
		return err;
	memcpy(b->strs + b->strs_len, s, len);
	off = (uint32_t)b->strs_len;
	*slot = off + 1;
	b->strs_len += len;
	if (++b->nr_strs * 2 > b->str_mask) {
		err = rehash_strs(b);
		if (err)
			return err;
	}
	return (int)(b->start_str_off + off);
}

static struct btf_type *last_type(struct kbtf_builder *b)
{
	return b->last < 0 ? NULL : (struct btf_type *)(b->types + b->offs[b->last]);
}

/* Append @len bytes to the type section; returns where they go. */
static void *append(struct kbtf_builder *b, size_t len)
{
	void *p;

	if (grow((void **)&b->types, &b->types_cap, b->types_len + len, 1))
		return NULL;
	p = b->types + b->types_len;
	memset(p, 0, len);
	b->types_len += len;
	return p;
}

/* Start a new record of @len bytes; returns its new id or negative errno. */
static int new_type(struct kbtf_builder *b, size_t len, struct btf_type **t)
{
	size_t cap = b->offs_cap;
	int err;

	if ((uint64_t)b->start_id + b->nr_types >= 0x7fffffffu)
		return kbtf_err(-E2BIG, "too many BTF types");
	err = grow((void **)&b->offs, &cap, b->nr_types + 1, sizeof(uint32_t));
	if (err)
		return err;
	b->offs_cap = (uint32_t)cap;
	b->offs[b->nr_types] = (uint32_t)b->types_len;
	*t = append(b, len);
	if (!*t)
		return -ENOMEM;
	b->last = (int)b->nr_types++;
	return (int)(b->start_id + b->nr_types - 1);
}

static int add_simple(struct kbtf_builder *b, uint32_t kind, const char *name, bool kflag,
		      uint32_t size_or_type, size_t tail)
{
	struct btf_type *t;
	int name_off = kbtf_builder_add_str(b, name), id;

	if (name_off < 0)
		return name_off;
	id = new_type(b, sizeof(*t) + tail, &t);
	if (id < 0)
		return id;
	t->name_off = (uint32_t)name_off;
	t->info = kbtf_info(kind, kflag, 0);
	t->size = size_or_type;
	return id;
}

int kbtf_builder_add_int(struct kbtf_builder *b, const char *name, uint32_t size, uint32_t encoding,
			 uint32_t bit_offset, uint32_t nr_bits)
{
	int id = add_simple(b, BTF_KIND_INT, name, false, size, 4);

	if (id > 0) {
		uint32_t *w = (uint32_t *)(last_type(b) + 1);

		*w = (encoding & 0xf) << 24 | (bit_offset & 0xff) << 16 | (nr_bits & 0xff);
	}
	return id;
}

int kbtf_builder_add_float(struct kbtf_builder *b, const char *name, uint32_t size)
{
	return add_simple(b, BTF_KIND_FLOAT, name, false, size, 0);
}

int kbtf_builder_add_ptr(struct kbtf_builder *b, uint32_t type)
{
	return add_simple(b, BTF_KIND_PTR, NULL, false, type, 0);
}

int kbtf_builder_add_array(struct kbtf_builder *b, uint32_t elem, uint32_t index, uint32_t nelems)
{
	int id = add_simple(b, BTF_KIND_ARRAY, NULL, false, 0, sizeof(struct btf_array));

	if (id > 0) {
		struct btf_array *a = (struct btf_array *)(last_type(b) + 1);

		a->type = elem;
		a->index_type = index;
		a->nelems = nelems;
	}
	return id;
}

int kbtf_builder_add_struct(struct kbtf_builder *b, const char *name, uint32_t size)
{
	return add_simple(b, BTF_KIND_STRUCT, name, false, size, 0);
}

int kbtf_builder_add_union(struct kbtf_builder *b, const char *name, uint32_t size)
{
	return add_simple(b, BTF_KIND_UNION, name, false, size, 0);
}

/* Append one vlen item to the last type if it is of kind @kind. */
static void *add_item(struct kbtf_builder *b, uint32_t kind, uint32_t kind2, size_t size)
{
	struct btf_type *t = last_type(b);
	uint32_t vlen;
	void *item;

	if (!t || (kbtf_kind(t) != kind && kbtf_kind(t) != kind2)) {
		kbtf_err(-EINVAL, "no %s to add a %s to", kbtf_kind_str(kind),
			 kind == BTF_KIND_DATASEC ? "section entry" : "member");
		return NULL;
	}
	vlen = kbtf_vlen(t);
	if (vlen >= 0xffffff) {
		kbtf_err(-E2BIG, "too many members");
		return NULL;
	}
	item = append(b, size);
	if (!item)
		return NULL;
	t = last_type(b); /* append may have moved the section */
	t->info = kbtf_info(kbtf_kind(t), kbtf_kflag(t), vlen + 1);
	return item;
}

/* Switch the last composite to the kflag (bitfield) member encoding. */
static void use_bitfield_encoding(struct btf_type *t)
{
	struct btf_member *m = (struct btf_member *)(t + 1);
	uint32_t i;

	if (kbtf_kflag(t))
		return;
	for (i = 0; i < kbtf_vlen(t); i++)
		m[i].offset &= 0xffffff;
	t->info = kbtf_info(kbtf_kind(t), true, kbtf_vlen(t));
}

int kbtf_builder_add_member(struct kbtf_builder *b, const char *name, uint32_t type,
			    uint32_t bit_offset, uint32_t bitfield_size)
{
	int name_off = kbtf_builder_add_str(b, name);
	struct btf_member *m;
	struct btf_type *t;

	if (name_off < 0)
		return name_off;
	m = add_item(b, BTF_KIND_STRUCT, BTF_KIND_UNION, sizeof(*m));
	if (!m)
		return -EINVAL;
	t = last_type(b);
	if (bitfield_size)
		use_bitfield_encoding(t);
	m->name_off = (uint32_t)name_off;
	m->type = type;
	m->offset =
	    kbtf_kflag(t) ? (bitfield_size & 0xff) << 24 | (bit_offset & 0xffffff) : bit_offset;
	return 0;
}

int kbtf_builder_add_enum(struct kbtf_builder *b, const char *name, uint32_t size, bool is_signed)
{
	return add_simple(b, BTF_KIND_ENUM, name, is_signed, size, 0);
}

int kbtf_builder_add_enum_value(struct kbtf_builder *b, const char *name, int64_t value)
{
	int name_off = kbtf_builder_add_str(b, name);
	struct btf_enum *e;

	if (name_off < 0)
		return name_off;
	e = add_item(b, BTF_KIND_ENUM, BTF_KIND_ENUM, sizeof(*e));
	if (!e)
		return -EINVAL;
	e->name_off = (uint32_t)name_off;
	e->val = (int32_t)value;
	return 0;
}

int kbtf_builder_add_enum64(struct kbtf_builder *b, const char *name, uint32_t size, bool is_signed)
{
	return add_simple(b, BTF_KIND_ENUM64, name, is_signed, size, 0);
}

int kbtf_builder_add_enum64_value(struct kbtf_builder *b, const char *name, uint64_t value)
{
	int name_off = kbtf_builder_add_str(b, name);
	struct btf_enum64 *e;

	if (name_off < 0)
		return name_off;
	e = add_item(b, BTF_KIND_ENUM64, BTF_KIND_ENUM64, sizeof(*e));
	if (!e)
		return -EINVAL;
	e->name_off = (uint32_t)name_off;
	e->val_lo32 = (uint32_t)value;
	e->val_hi32 = (uint32_t)(value >> 32);
	return 0;
}

int kbtf_builder_add_fwd(struct kbtf_builder *b, const char *name, bool is_union)
{
	return add_simple(b, BTF_KIND_FWD, name, is_union, 0, 0);
}

int kbtf_builder_add_typedef(struct kbtf_builder *b, const char *name, uint32_t type)
{
	return add_simple(b, BTF_KIND_TYPEDEF, name, false, type, 0);
}

int kbtf_builder_add_volatile(struct kbtf_builder *b, uint32_t type)
{
	return add_simple(b, BTF_KIND_VOLATILE, NULL, false, type, 0);
}

int kbtf_builder_add_const(struct kbtf_builder *b, uint32_t type)
{
	return add_simple(b, BTF_KIND_CONST, NULL, false, type, 0);
}

int kbtf_builder_add_restrict(struct kbtf_builder *b, uint32_t type)
{
	return add_simple(b, BTF_KIND_RESTRICT, NULL, false, type, 0);
}

int kbtf_builder_add_type_tag(struct kbtf_builder *b, const char *tag, uint32_t type)
{
	return add_simple(b, BTF_KIND_TYPE_TAG, tag, false, type, 0);
}

int kbtf_builder_add_func(struct kbtf_builder *b, const char *name, uint32_t linkage,
			  uint32_t proto)
{
	int id = add_simple(b, BTF_KIND_FUNC, name, false, proto, 0);

	if (id > 0)
		last_type(b)->info = kbtf_info(BTF_KIND_FUNC, false, linkage);
	return id;
}

int kbtf_builder_add_func_proto(struct kbtf_builder *b, uint32_t ret)
{
	return add_simple(b, BTF_KIND_FUNC_PROTO, NULL, false, ret, 0);
}

int kbtf_builder_add_param(struct kbtf_builder *b, const char *name, uint32_t type)
{
	int name_off = kbtf_builder_add_str(b, name);
	struct btf_param *p;

	if (name_off < 0)
		return name_off;
	p = add_item(b, BTF_KIND_FUNC_PROTO, BTF_KIND_FUNC_PROTO, sizeof(*p));
	if (!p)
		return -EINVAL;
	p->name_off = (uint32_t)name_off;
	p->type = type;
	return 0;
}

int kbtf_builder_add_var(struct kbtf_builder *b, const char *name, uint32_t type, uint32_t linkage)
{
	int id = add_simple(b, BTF_KIND_VAR, name, false, type, sizeof(struct btf_var));

	if (id > 0)
		((struct btf_var *)(last_type(b) + 1))->linkage = linkage;
	return id;
}

int kbtf_builder_add_datasec(struct kbtf_builder *b, const char *name, uint32_t size)
{
	return add_simple(b, BTF_KIND_DATASEC, name, false, size, 0);
}

int kbtf_builder_add_secinfo(struct kbtf_builder *b, uint32_t type, uint32_t offset, uint32_t size)
{
	struct btf_var_secinfo *v = add_item(b, BTF_KIND_DATASEC, BTF_KIND_DATASEC, sizeof(*v));

	if (!v)
		return -EINVAL;
	v->type = type;
	v->offset = offset;
	v->size = size;
	return 0;
}

int kbtf_builder_add_decl_tag(struct kbtf_builder *b, const char *tag, uint32_t type,
			      int32_t component_idx)
{
	int id = add_simple(b, BTF_KIND_DECL_TAG, tag, false, type, sizeof(struct btf_decl_tag));

	if (id > 0)
		((struct btf_decl_tag *)(last_type(b) + 1))->component_idx = component_idx;
	return id;
}

int kbtf_builder_add_raw(struct kbtf_builder *b, const void *rec, size_t len)
{
	struct btf_type *t;
	int id;

	if (len < sizeof(*t) || len % 4)
		return kbtf_err(-EINVAL, "raw BTF record of %zu bytes", len);
	id = new_type(b, len, &t);
	if (id > 0)
		memcpy(t, rec, len);
	return id;
}

int kbtf_builder_copy_type(struct kbtf_builder *b, const struct kbtf_btf *src, uint32_t id,
			   kbtf_map_id_fn map_id, kbtf_map_str_fn map_str, void *ctx)
{
	const struct btf_type *st = kbtf_btf_type(src, id);
	struct kbtf_field_iter it;
	const uint32_t *f;
	struct btf_type *t;
	size_t len;
	int nid, what;

	if (!st || !(len = kbtf_type_rec_size(st)))
		return kbtf_err(-EINVAL, "cannot copy type [%u]: unknown or missing", id);
	nid = new_type(b, len, &t);
	if (nid < 0)
		return nid;
	memcpy(t, st, len);
	for (what = KBTF_FIELDS_IDS; what <= KBTF_FIELDS_STRS; what++) {
		kbtf_field_iter_init(&it, st, what);
		while ((f = kbtf_field_iter_next(&it))) {
			uint32_t *dst =
			    (uint32_t *)((uint8_t *)t + ((const uint8_t *)f - (const uint8_t *)st));
			const char *s;
			int off;

			if (what == KBTF_FIELDS_IDS) {
				if (map_id)
					*dst = map_id(*f, ctx);
				continue;
			}
			s = kbtf_btf_str(src, *f);
			off = map_str ? map_str(s, ctx) : kbtf_builder_add_str(b, s);
			if (off < 0)
				return off;
			t = (struct btf_type *)(b->types + b->offs[b->last]);
			dst =
			    (uint32_t *)((uint8_t *)t + ((const uint8_t *)f - (const uint8_t *)st));
			*dst = (uint32_t)off;
		}
	}
	return nid;
}

uint32_t kbtf_builder_type_cnt(const struct kbtf_builder *b)
{
	return b->nr_types;
}

uint32_t kbtf_builder_start_id(const struct kbtf_builder *b)
{
	return b->start_id;
}

uint32_t kbtf_builder_str_len(const struct kbtf_builder *b)
{
	return (uint32_t)b->strs_len;
}

/* The kind-layout table this writer describes: every kind it knows. */
static void fill_layout(struct kbtf_kind_layout *l)
{
	uint32_t k;

	for (k = 0; k <= KBTF_KIND_MAX_KNOWN; k++) {
		struct btf_type probe = {.info = kbtf_info(k, false, 0)};
		size_t fixed = kbtf_type_rec_size(&probe);

		probe.info = kbtf_info(k, false, 1);
		l[k].info_sz = fixed ? (uint8_t)(fixed - sizeof(probe)) : 0;
		l[k].elem_sz = fixed ? (uint8_t)(kbtf_type_rec_size(&probe) - fixed) : 0;
		l[k].flags = 0;
	}
}

static void put32(uint8_t *p, uint32_t v, bool swap)
{
	v = swap ? bswap_32(v) : v;
	memcpy(p, &v, 4);
}

static bool host_is_big(void)
{
	return __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__;
}

int kbtf_builder_write(const struct kbtf_builder *b, const struct kbtf_write_opts *opts,
		       struct kbtf_buf *out)
{
	struct kbtf_kind_layout layout[KBTF_MAX_KINDS];
	bool swap = opts && (opts->endian == KBTF_ENDIAN_BIG) != host_is_big();
	bool with_layout = opts && opts->kind_layout;
	uint32_t hdr_len = with_layout ? KBTF_HDR_LEN_LAYOUT : KBTF_HDR_LEN_CLASSIC;
	uint32_t nr_kinds = KBTF_KIND_MAX_KNOWN + 1 + (with_layout ? opts->nr_extra_kinds : 0);
	uint32_t layout_len = with_layout ? nr_kinds * sizeof(layout[0]) : 0;
	uint32_t str_off = (uint32_t)b->types_len + layout_len, i;
	size_t total = hdr_len + str_off + b->strs_len;
	uint8_t *p;

	if (nr_kinds > KBTF_MAX_KINDS)
		return kbtf_err(-EINVAL, "a kind layout describes at most %d kinds",
				KBTF_MAX_KINDS);
	p = calloc(1, total);
	if (!p)
		return kbtf_err(-ENOMEM, "out of memory writing BTF");
	/* 0xEB9F in the target byte order */
	p[0] = swap != host_is_big() ? 0xeb : 0x9f;
	p[1] = swap != host_is_big() ? 0x9f : 0xeb;
	p[2] = BTF_VERSION;
	p[3] = 0;
	put32(p + 4, hdr_len, swap);
	put32(p + 8, 0, swap);
	put32(p + 12, (uint32_t)b->types_len, swap);
	put32(p + 16, str_off, swap);
	put32(p + 20, (uint32_t)b->strs_len, swap);
	if (with_layout) {
		put32(p + 24, (uint32_t)b->types_len, swap);
		put32(p + 28, layout_len, swap);
	}
	if (b->types_len)
		memcpy(p + hdr_len, b->types, b->types_len);
	if (swap) {
		/* every record is a run of u32 words */
		for (i = 0; i < b->types_len / 4; i++) {
			uint32_t w;

			memcpy(&w, p + hdr_len + i * 4, 4);
			put32(p + hdr_len + i * 4, w, true);
		}
	}
	if (with_layout) {
		fill_layout(layout);
		for (i = KBTF_KIND_MAX_KNOWN + 1; i < nr_kinds; i++)
			layout[i] = opts->extra_kinds[i - KBTF_KIND_MAX_KNOWN - 1];
		for (i = 0; swap && i < nr_kinds; i++)
			layout[i].flags = bswap_16(layout[i].flags);
		memcpy(p + hdr_len + b->types_len, layout, layout_len);
	}
	if (b->strs_len)
		memcpy(p + hdr_len + str_off, b->strs, b->strs_len);
	out->data = p;
	out->size = total;
	out->owner = KBTF_BUF_HEAP;
	return 0;
}
