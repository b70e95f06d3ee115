// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The BTF model: parse a raw blob (base or split) into an index of type
 * record offsets, and answer questions about types and strings by logical id
 * and offset. Structural rules are libbpf's (btf_new and its sanity pass);
 * the kernel's stricter parse-time rules live in btf_check.c.
 *
 * A native-endian blob is used in place; a foreign-endian one is swapped
 * once into a private copy while it is walked.
 */
#include <byteswap.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "kbtf/btf.h"
#include "btf_delta.h"
#include "btf_prepared.h"
#include "kbtf/err.h"

#define KBTF_MAX_TYPES 0x7fffffffu

struct name_index {
	uint32_t mask;
	uint32_t *head; /* bucket -> id + 1 of first type in chain */
	uint32_t *next; /* (id - start_id) -> id + 1 of next type in chain */
};

/*
 * A map of rebuilt records or strings, read without the lock: a grown map
 * publishes a new table and keeps the old ones (a reader may still be in
 * one) until it is freed; a slot's value is written before its key.
 */
struct dtab {
	struct dtab *older;
	uint32_t cap;
	uint32_t *keys; /* key + 1; 0: empty */
	const void **vals;
};

struct dmap {
	struct dtab *tab;
	uint32_t nr;
};

struct kbtf_btf {
	const struct kbtf_btf *base;
	struct kbtf_buf owned; /* the blob, when handed over */
	uint8_t *native;       /* swapped private copy (foreign endian) */
	const uint8_t *raw;    /* the blob in host order */
	size_t raw_size;
	struct btf_header hdr; /* host order */
	uint32_t layout_off, layout_len;
	const uint8_t *types;
	const char *strs;
	uint32_t *type_offs; /* own types: byte offset inside types */
	uint32_t nr_types;
	uint32_t start_id;
	uint32_t start_str_off;
	enum kbtf_endian endian;
	const struct kbtf_kind_layout *layout;
	uint32_t nr_layout;
	uint32_t unknown_kinds;
	char *name;
	struct name_index *names;
	/* prepared (kbtf_btf_parse_prepared): type_offs is borrowed, and
	 * each record is checked on first use, one bit per type */
	uint8_t *checked;
	int damaged;
	/* the offsets' owner checks them before a record they place is believed */
	bool (*offs_ok)(const void *ctx, uint32_t first, uint32_t n);
	const void *offs_ctx;
	/* prepared from a delta: each record and string rebuilt when first
	 * read, into chunks of a few pages (a sparse copy of the whole BTF
	 * would fault in a fresh page for almost every record read), found
	 * again by id and offset; rebuilt under dmutex, found again without it.
	 * dheads holds the head of every record read, rebuilt whole (then the
	 * record) or alone (kbtf_btf_type_head()): a head is found in one map */
	struct kbtf_btf_delta_src *dsrc;
	const struct kbtf_btf_delta_strs *dstr_run; /* where the last string was */
	struct dchunk *dchunks;
	struct dmap drecs, dheads, dstrs;
	pthread_mutex_t dmutex;
};

static const struct btf_type void_type;

/* ------------------------------------------ a delta's rebuilt records */

struct dchunk {
	struct dchunk *next;
	size_t used, cap;
	uint64_t data[]; /* 8-byte aligned */
};

#define DCHUNK_BYTES 16384

static void *dchunk_alloc(struct kbtf_btf *btf, size_t n)
{
	struct dchunk *c = btf->dchunks;
	void *p;

	n = (n + 7) & ~(size_t)7;
	if (!c || c->cap - c->used < n) {
		size_t cap = n > DCHUNK_BYTES ? n : DCHUNK_BYTES;

		c = malloc(sizeof(*c) + cap);
		if (!c)
			return NULL;
		c->next = btf->dchunks;
		c->used = 0;
		c->cap = cap;
		btf->dchunks = c;
	}
	p = (uint8_t *)c->data + c->used;
	c->used += n;
	return p;
}

/* The value of @key, or NULL: without the lock (a miss is then looked up again under it). */
static inline const void *dmap_get(const struct dmap *m, uint32_t key)
{
	const struct dtab *t = __atomic_load_n(&m->tab, __ATOMIC_ACQUIRE);
	uint32_t h, k;

	if (!t)
		return NULL;
	for (h = (key * 2654435761u) & (t->cap - 1);
	     (k = __atomic_load_n(&t->keys[h], __ATOMIC_ACQUIRE)); h = (h + 1) & (t->cap - 1))
		if (k == key + 1)
			return t->vals[h];
	return NULL;
}

static void dtab_insert(struct dtab *t, uint32_t key, const void *val)
{
	uint32_t h;

	for (h = (key * 2654435761u) & (t->cap - 1); t->keys[h]; h = (h + 1) & (t->cap - 1))
		;
	t->vals[h] = val;
	__atomic_store_n(&t->keys[h], key + 1, __ATOMIC_RELEASE);
}

/* Under the lock. */
static int dmap_put(struct dmap *m, uint32_t key, const void *val)
{
	struct dtab *t = m->tab, *n;
	uint32_t i;

	if (!t || 2 * (m->nr + 1) > t->cap) {
		n = calloc(1, sizeof(*n));
		if (!n)
			return -ENOMEM;
		n->cap = t ? 2 * t->cap : 1024; /* a judge rebuilds a few hundred records */
		/* a value is read only where its key is set */
		n->keys = calloc(n->cap, sizeof(*n->keys));
		n->vals = malloc(n->cap * sizeof(*n->vals));
		if (!n->keys || !n->vals) {
			free(n->keys);
			free(n->vals);
			free(n);
			return -ENOMEM;
		}
		for (i = 0; t && i < t->cap; i++)
			if (t->keys[i])
				dtab_insert(n, t->keys[i] - 1, t->vals[i]);
		n->older = t;
		__atomic_store_n(&m->tab, n, __ATOMIC_RELEASE);
		t = n;
	}
	dtab_insert(t, key, val);
	m->nr++;
	return 0;
}

static void dmap_free(struct dmap *m)
{
	struct dtab *t = m->tab, *older;

	for (; t; t = older) {
		older = t->older;
		free(t->keys);
		free(t->vals);
		free(t);
	}
}

static const char *const kind_names[] = {
    "UNKN", "INT",     "PTR",	   "ARRAY",    "STRUCT",   "UNION",  "ENUM",
    "FWD",  "TYPEDEF", "VOLATILE", "CONST",    "RESTRICT", "FUNC",   "FUNC_PROTO",
    "VAR",  "DATASEC", "FLOAT",	   "DECL_TAG", "TYPE_TAG", "ENUM64",
};

const char *kbtf_kind_str(uint32_t kind)
{
	if (kind < sizeof(kind_names) / sizeof(kind_names[0]))
		return kind_names[kind];
	return "UNKN";
}

static enum kbtf_endian host_endian(void)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return KBTF_ENDIAN_BIG;
#else
	return KBTF_ENDIAN_LITTLE;
#endif
}

/* Bytes that follow the 12-byte head for a known kind, -1 if unknown. */
static long known_tail_size(uint32_t kind, uint32_t vlen)
{
	switch (kind) {
	case BTF_KIND_FWD:
	case BTF_KIND_PTR:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_FUNC:
	case BTF_KIND_FLOAT:
	case BTF_KIND_TYPE_TAG:
		return 0;
	case BTF_KIND_INT:
		return 4;
	case BTF_KIND_ARRAY:
		return sizeof(struct btf_array);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return (long)vlen * sizeof(struct btf_member);
	case BTF_KIND_ENUM:
		return (long)vlen * sizeof(struct btf_enum);
	case BTF_KIND_ENUM64:
		return (long)vlen * sizeof(struct btf_enum64);
	case BTF_KIND_FUNC_PROTO:
		return (long)vlen * sizeof(struct btf_param);
	case BTF_KIND_VAR:
		return sizeof(struct btf_var);
	case BTF_KIND_DATASEC:
		return (long)vlen * sizeof(struct btf_var_secinfo);
	case BTF_KIND_DECL_TAG:
		return sizeof(struct btf_decl_tag);
	default:
		return -1;
	}
}

size_t kbtf_type_rec_size(const struct btf_type *t)
{
	long tail = known_tail_size(kbtf_kind(t), kbtf_vlen(t));

	return tail < 0 ? 0 : sizeof(*t) + (size_t)tail;
}

/* Record size using the blob's kind-layout table for kinds we do not know. */
static long rec_size(const struct kbtf_btf *btf, uint32_t kind, uint32_t vlen)
{
	long tail = known_tail_size(kind, vlen);
	const struct kbtf_kind_layout *l;

	if (tail >= 0 && kind <= KBTF_KIND_MAX_KNOWN)
		return (long)sizeof(struct btf_type) + tail;
	if (!btf->layout || kind >= btf->nr_layout)
		return -1;
	l = &btf->layout[kind];
	/* records are runs of u32 words; anything else cannot be walked */
	if (l->info_sz % 4 || l->elem_sz % 4)
		return -1;
	return (long)sizeof(struct btf_type) + l->info_sz + (long)vlen * l->elem_sz;
}

static uint32_t hdr_u32(const uint8_t *p, bool swap)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return swap ? bswap_32(v) : v;
}

bool kbtf_btf_has_magic(const void *data, size_t size)
{
	const uint8_t *p = data;

	return size >= 4 && ((p[0] == 0x9f && p[1] == 0xeb) || (p[0] == 0xeb && p[1] == 0x9f));
}

bool kbtf_btf_peek(const void *data, size_t size, struct kbtf_btf_rawhdr *h)
{
	const uint8_t *p = data;
	uint64_t at;

	memset(h, 0, sizeof(*h));
	if (size < KBTF_HDR_LEN_CLASSIC || !kbtf_btf_has_magic(p, size))
		return false;
	h->endian = p[0] == 0x9f ? KBTF_ENDIAN_LITTLE : KBTF_ENDIAN_BIG;
	h->swap = h->endian != host_endian();
	h->hdr.magic = BTF_MAGIC;
	h->hdr.version = p[2];
	h->hdr.flags = p[3];
	h->hdr.hdr_len = hdr_u32(p + 4, h->swap);
	h->hdr.type_off = hdr_u32(p + 8, h->swap);
	h->hdr.type_len = hdr_u32(p + 12, h->swap);
	h->hdr.str_off = hdr_u32(p + 16, h->swap);
	h->hdr.str_len = hdr_u32(p + 20, h->swap);
	if (h->hdr.hdr_len >= KBTF_HDR_LEN_LAYOUT && size >= KBTF_HDR_LEN_LAYOUT) {
		h->layout_off = hdr_u32(p + 24, h->swap);
		h->layout_len = hdr_u32(p + 28, h->swap);
	}
	at = (uint64_t)h->hdr.hdr_len + h->hdr.str_off;
	h->first_str = at < size && h->hdr.str_len ? p[at] : 0;
	h->split = !h->hdr.str_len || h->first_str != 0;
	return true;
}

bool kbtf_btf_is_split(const void *data, size_t size)
{
	struct kbtf_btf_rawhdr h;

	return kbtf_btf_peek(data, size, &h) && h.split;
}

static int parse_header(struct kbtf_btf *btf, const uint8_t *data, size_t size, bool *swap)
{
	const char *name = btf->name;
	struct kbtf_btf_rawhdr rh;
	uint16_t magic;
	uint64_t end;

	/* the kernel's words (btf_parse_hdr()) where it refuses the same */
	if (size < KBTF_HDR_LEN_CLASSIC)
		return kbtf_err(-EINVAL, "%s: %zu bytes is too short for a BTF header (%s)", name,
				size, size < 8 ? "hdr_len not found" : "btf_header not found");
	if (!kbtf_btf_peek(data, size, &rh)) {
		memcpy(&magic, data, 2);
		return kbtf_err(-EINVAL, "%s: bad BTF magic 0x%04x at offset 0", name, magic);
	}
	*swap = rh.swap;
	btf->endian = rh.endian;
	btf->hdr = rh.hdr;
	if (btf->hdr.hdr_len > size)
		return kbtf_err(-EINVAL,
				"%s: btf_header not found (header length %u, blob %zu bytes)", name,
				btf->hdr.hdr_len, size);
	/*
	 * The kernel reads the fields past a short header as zero, so a blob
	 * with types has no string section where btf_parse_str_sec() wants
	 * one ("String section is not at the end"); kbtf refuses it here.
	 */
	if (btf->hdr.hdr_len < KBTF_HDR_LEN_CLASSIC)
		return kbtf_err(-EINVAL,
				"%s: header length %u, shorter than the 24-byte btf_header", name,
				btf->hdr.hdr_len);
	btf->layout_off = rh.layout_off;
	btf->layout_len = rh.layout_len;

	end = (uint64_t)btf->hdr.hdr_len + btf->hdr.str_off + btf->hdr.str_len;
	if (end > size)
		return kbtf_err(
		    -EINVAL, "%s: string section (offset %u, %u bytes) runs past the %zu-byte blob",
		    name, btf->hdr.str_off, btf->hdr.str_len, size);
	if ((uint64_t)btf->hdr.type_off + btf->hdr.type_len > btf->hdr.str_off)
		return kbtf_err(
		    -EINVAL,
		    "%s: type section (offset %u, %u bytes) overlaps the string section at %u",
		    name, btf->hdr.type_off, btf->hdr.type_len, btf->hdr.str_off);
	if (btf->hdr.type_off % 4)
		return kbtf_err(-EINVAL, "%s: type section offset %u is not 4-byte aligned", name,
				btf->hdr.type_off);
	if (btf->layout_len) {
		if (btf->layout_off % 4 || btf->layout_len % sizeof(struct kbtf_kind_layout) ||
		    btf->layout_len / sizeof(struct kbtf_kind_layout) > 128)
			return kbtf_err(
			    -EINVAL, "%s: kind layout section (offset %u, %u bytes) is misaligned",
			    name, btf->layout_off, btf->layout_len);
		if (btf->layout_off < btf->hdr.type_off + btf->hdr.type_len ||
		    (uint64_t)btf->layout_off + btf->layout_len > btf->hdr.str_off)
			return kbtf_err(-EINVAL,
					"%s: kind layout section (offset %u, %u bytes) is not "
					"between types and strings",
					name, btf->layout_off, btf->layout_len);
	}
	return 0;
}

static int parse_strings(struct kbtf_btf *btf)
{
	uint32_t len = btf->hdr.str_len;

	if (!len) {
		if (!btf->base)
			return kbtf_err(-EINVAL, "%s: empty string section in a base BTF",
					btf->name);
		return 0;
	}
	if (btf->strs[len - 1] != '\0')
		return kbtf_err(-EINVAL, "%s: string section (%u bytes) does not end with NUL",
				btf->name, len);
	if (!btf->base && btf->strs[0] != '\0')
		return kbtf_err(-EINVAL,
				"%s: string section does not start with NUL (split BTF parsed "
				"without its base?)",
				btf->name);
	return 0;
}

/* Swap the layout table in the private copy (u8, u8, u16 records). */
static void swap_layout(struct kbtf_btf *btf, uint8_t *copy)
{
	struct kbtf_kind_layout *l = (void *)(copy + btf->hdr.hdr_len + btf->layout_off);
	uint32_t i;

	for (i = 0; i < btf->layout_len / sizeof(*l); i++)
		l[i].flags = bswap_16(l[i].flags);
}

static int grow_offs(struct kbtf_btf *btf, uint32_t *cap)
{
	uint32_t ncap = *cap ? *cap * 2 : 1024;
	uint32_t *n = realloc(btf->type_offs, (size_t)ncap * sizeof(*n));

	if (!n)
		return kbtf_err(-ENOMEM, "%s: out of memory indexing types", btf->name);
	btf->type_offs = n;
	*cap = ncap;
	return 0;
}

/*
 * libbpf's sanity rules, checked while the records are walked so the blob
 * is read once: string offsets are checked at once (the string section's
 * size is known); referenced ids only need to be below type_cnt, which is
 * known at the end, so the walk keeps the largest one seen; FUNCs are
 * remembered and their FUNC_PROTO checked after the walk.
 */
struct ref_check {
	uint32_t max_ref, max_ref_at;
	uint32_t *funcs;
	uint32_t nr_funcs, cap_funcs;
};

static inline void note_ref(struct ref_check *r, uint32_t ref, uint32_t id)
{
	if (ref > r->max_ref) {
		r->max_ref = ref;
		r->max_ref_at = id;
	}
}

static bool str_ok(const struct kbtf_btf *btf, uint32_t off)
{
	return off < btf->start_str_off + btf->hdr.str_len;
}

static int bad_str(const struct kbtf_btf *btf, uint32_t id, const struct btf_type *t, uint32_t off)
{
	return kbtf_err(-EINVAL, "%s: type [%u] %s: invalid string offset %u", btf->name, id,
			kbtf_kind_str(kbtf_kind(t)), off);
}

static int note_func(struct kbtf_btf *btf, struct ref_check *r, uint32_t id)
{
	if (r->nr_funcs == r->cap_funcs) {
		uint32_t ncap = r->cap_funcs ? r->cap_funcs * 2 : 4096;
		uint32_t *n = realloc(r->funcs, (size_t)ncap * sizeof(*n));

		if (!n)
			return kbtf_err(-ENOMEM, "%s: out of memory", btf->name);
		r->funcs = n;
		r->cap_funcs = ncap;
	}
	r->funcs[r->nr_funcs++] = id;
	return 0;
}

static int check_record(struct kbtf_btf *btf, struct ref_check *r, uint32_t id,
			const struct btf_type *t)
{
	uint32_t kind = kbtf_kind(t), n = kbtf_vlen(t), i;

	if (!str_ok(btf, t->name_off))
		return bad_str(btf, id, t, t->name_off);
	switch (kind) {
	case BTF_KIND_FUNC:
		note_ref(r, t->type, id);
		return note_func(btf, r, id);
	case BTF_KIND_PTR:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_VAR:
	case BTF_KIND_DECL_TAG:
	case BTF_KIND_TYPE_TAG:
		note_ref(r, t->type, id);
		return 0;
	case BTF_KIND_ARRAY:
		note_ref(r, kbtf_array(t)->type, id);
		note_ref(r, kbtf_array(t)->index_type, id);
		return 0;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		for (i = 0; i < n; i++) {
			const struct btf_member *m = &kbtf_members(t)[i];

			if (!str_ok(btf, m->name_off))
				return bad_str(btf, id, t, m->name_off);
			note_ref(r, m->type, id);
		}
		return 0;
	case BTF_KIND_ENUM:
		for (i = 0; i < n; i++)
			if (!str_ok(btf, kbtf_enums(t)[i].name_off))
				return bad_str(btf, id, t, kbtf_enums(t)[i].name_off);
		return 0;
	case BTF_KIND_ENUM64:
		for (i = 0; i < n; i++)
			if (!str_ok(btf, kbtf_enum64s(t)[i].name_off))
				return bad_str(btf, id, t, kbtf_enum64s(t)[i].name_off);
		return 0;
	case BTF_KIND_FUNC_PROTO:
		note_ref(r, t->type, id);
		for (i = 0; i < n; i++) {
			const struct btf_param *p = &kbtf_params(t)[i];

			if (!str_ok(btf, p->name_off))
				return bad_str(btf, id, t, p->name_off);
			note_ref(r, p->type, id);
		}
		return 0;
	case BTF_KIND_DATASEC:
		for (i = 0; i < n; i++)
			note_ref(r, kbtf_secinfos(t)[i].type, id);
		return 0;
	default:
		/* INT, FWD, FLOAT; unknown kinds: only the name is known */
		return 0;
	}
}

static int finish_refs(const struct kbtf_btf *btf, const struct ref_check *r, bool kernel_refs)
{
	uint32_t cnt = kbtf_btf_type_cnt(btf), i;

	if (kernel_refs) /* the kernel's meta checks: range only (BTF_MAX_TYPE) */
		cnt = 0xfffff + 1;

	if (r->max_ref >= cnt) {
		const struct btf_type *t = kbtf_btf_type(btf, r->max_ref_at);

		return kbtf_err(-EINVAL, "%s: type [%u] %s: invalid type id %u (only %u types)",
				btf->name, r->max_ref_at, kbtf_kind_str(kbtf_kind(t)), r->max_ref,
				cnt);
	}
	for (i = 0; !kernel_refs && i < r->nr_funcs; i++) {
		const struct btf_type *t = kbtf_btf_type(btf, r->funcs[i]);
		const struct btf_type *p = kbtf_btf_type(btf, t->type);

		if (!p || kbtf_kind(p) != BTF_KIND_FUNC_PROTO)
			return kbtf_err(
			    -EINVAL, "%s: type [%u] FUNC: referenced type [%u] is not FUNC_PROTO",
			    btf->name, r->funcs[i], t->type);
	}
	return 0;
}

/*
 * One walk over the type section: record each type's offset, size it by
 * kind (or by the layout table), and, for a foreign-endian blob, swap the
 * record in the private copy as we go.
 */
static int walk_types(struct kbtf_btf *btf, uint8_t *swap_types, struct ref_check *refs)
{
	const uint8_t *types = btf->types;
	uint32_t len = btf->hdr.type_len, off = 0, cap = 0;
	int err;

	/* a cheap upper bound avoids most reallocations on big kernels */
	cap = len / 16 + 1;
	btf->type_offs = malloc((size_t)cap * sizeof(uint32_t));
	if (!btf->type_offs)
		return kbtf_err(-ENOMEM, "%s: out of memory indexing types", btf->name);
	while (off < len) {
		uint32_t id = btf->start_id + btf->nr_types, info, kind, i;
		long size;

		if (len - off < sizeof(struct btf_type))
			return kbtf_err(
			    -EINVAL, "%s: type [%u] at type offset %u is truncated (%u bytes left)",
			    btf->name, id, off, len - off);
		if (swap_types) {
			uint32_t *w = (uint32_t *)(swap_types + off);

			for (i = 0; i < 3; i++)
				w[i] = bswap_32(w[i]);
		}
		memcpy(&info, types + off + 4, 4);
		kind = (info >> 24) & 0x7f;
		size = rec_size(btf, kind, info & 0xffffff);
		if (size < 0)
			return kbtf_err(-EINVAL,
					"%s: type [%u] at type offset %u has unknown kind %u and "
					"no kind layout describes it",
					btf->name, id, off, kind);
		if ((uint64_t)size > len - off)
			return kbtf_err(-EINVAL,
					"%s: type [%u] %s at type offset %u is malformed: its "
					"%ld-byte record runs past the type section",
					btf->name, id, kbtf_kind_str(kind), off, size);
		if (swap_types) {
			uint32_t *w = (uint32_t *)(swap_types + off);

			for (i = 3; i < (uint32_t)size / 4; i++)
				w[i] = bswap_32(w[i]);
		}
		if (kind > KBTF_KIND_MAX_KNOWN || kind == BTF_KIND_UNKN)
			btf->unknown_kinds++;
		if (btf->nr_types == cap && (err = grow_offs(btf, &cap)))
			return err;
		if ((uint64_t)btf->start_id + btf->nr_types >= KBTF_MAX_TYPES)
			return kbtf_err(-E2BIG, "%s: more than %u types", btf->name,
					KBTF_MAX_TYPES);
		btf->type_offs[btf->nr_types++] = off;
		err = check_record(btf, refs, id, (const void *)(types + off));
		if (err)
			return err;
		off += (uint32_t)size;
	}
	return 0;
}

uint32_t kbtf_btf_type_cnt(const struct kbtf_btf *btf)
{
	return btf->start_id + btf->nr_types;
}

static int set_name(struct kbtf_btf *btf, const struct kbtf_parse_opts *opts)
{
	btf->name = strdup(opts && opts->name ? opts->name : "BTF");
	return btf->name ? 0 : kbtf_err_nomem();
}

int kbtf_btf_parse(const void *data, size_t size, const struct kbtf_parse_opts *opts,
		   struct kbtf_btf **out)
{
	struct kbtf_btf *btf;
	struct ref_check refs = {0};
	uint8_t *swap_types = NULL;
	bool swap = false;
	size_t pad;
	int err;

	*out = NULL;
	btf = calloc(1, sizeof(*btf));
	if (!btf)
		return kbtf_err_nomem();
	err = set_name(btf, opts);
	if (err)
		goto fail;
	btf->base = opts ? opts->base : NULL;
	btf->start_id = btf->base ? kbtf_btf_type_cnt(btf->base) : 1;
	btf->start_str_off = btf->base ? btf->base->start_str_off + btf->base->hdr.str_len : 0;
	err = parse_header(btf, data, size, &swap);
	if (err)
		goto fail;
	pad = (4 - ((uintptr_t)data + btf->hdr.hdr_len) % 4) % 4;
	if (swap || pad) {
		/*
		 * Foreign byte order, or records that would sit unaligned
		 * (odd header length, odd mapping offset): work on a copy
		 * placed so the type section starts 4-byte aligned.
		 */
		pad = (4 - btf->hdr.hdr_len % 4) % 4;
		btf->native = malloc(size + pad);
		if (!btf->native) {
			err = kbtf_err(-ENOMEM, "%s: out of memory copying BTF", btf->name);
			goto fail;
		}
		memcpy(btf->native + pad, data, size);
		btf->raw = btf->native + pad;
		if (swap) {
			swap_types = btf->native + pad + btf->hdr.hdr_len + btf->hdr.type_off;
			if (btf->layout_len)
				swap_layout(btf, btf->native + pad);
		}
	} else {
		btf->raw = data;
	}
	btf->raw_size = size;
	btf->types = btf->raw + btf->hdr.hdr_len + btf->hdr.type_off;
	btf->strs = (const char *)btf->raw + btf->hdr.hdr_len + btf->hdr.str_off;
	if (btf->layout_len) {
		btf->layout = (const void *)(btf->raw + btf->hdr.hdr_len + btf->layout_off);
		btf->nr_layout = btf->layout_len / sizeof(struct kbtf_kind_layout);
	}
	err = parse_strings(btf);
	if (err)
		goto fail;
	err = walk_types(btf, swap_types, &refs);
	if (err)
		goto fail;
	err = finish_refs(btf, &refs, opts && opts->kernel_refs);
	if (err)
		goto fail;
	free(refs.funcs);
	*out = btf;
	return 0;
fail:
	free(refs.funcs);
	kbtf_btf_free(btf);
	return err;
}

int kbtf_btf_parse_buf(struct kbtf_buf *buf, const struct kbtf_parse_opts *opts,
		       struct kbtf_btf **out)
{
	int err = kbtf_btf_parse(buf->data, buf->size, opts, out);

	if (err)
		return err;
	kbtf_buf_move(&(*out)->owned, buf);
	return 0;
}

static void free_names(struct name_index *n)
{
	if (!n)
		return;
	free(n->head);
	free(n->next);
	free(n);
}

void kbtf_btf_free(struct kbtf_btf *btf)
{
	if (!btf)
		return;
	free_names(btf->names);
	if (!btf->checked)
		free(btf->type_offs);
	free(btf->checked);
	free(btf->native);
	if (btf->dsrc) {
		while (btf->dchunks) {
			struct dchunk *c = btf->dchunks;

			btf->dchunks = c->next;
			free(c);
		}
		dmap_free(&btf->drecs);
		dmap_free(&btf->dheads);
		dmap_free(&btf->dstrs);
		kbtf_btf_delta_src_free(btf->dsrc);
		pthread_mutex_destroy(&btf->dmutex);
	}
	kbtf_buf_release(&btf->owned);
	free(btf->name);
	free(btf);
}

const struct kbtf_btf *kbtf_btf_base(const struct kbtf_btf *btf)
{
	return btf->base;
}

uint32_t kbtf_btf_start_id(const struct kbtf_btf *btf)
{
	return btf->start_id;
}

uint32_t kbtf_btf_start_str_off(const struct kbtf_btf *btf)
{
	return btf->start_str_off;
}

uint32_t kbtf_btf_str_len(const struct kbtf_btf *btf)
{
	return btf->hdr.str_len;
}

uint32_t kbtf_btf_type_len(const struct kbtf_btf *btf)
{
	return btf->hdr.type_len;
}

uint32_t kbtf_btf_hdr_len(const struct kbtf_btf *btf)
{
	return btf->hdr.hdr_len;
}

enum kbtf_endian kbtf_btf_endian(const struct kbtf_btf *btf)
{
	return btf->endian;
}

const struct btf_header *kbtf_btf_header(const struct kbtf_btf *btf)
{
	return &btf->hdr;
}

size_t kbtf_btf_raw_size(const struct kbtf_btf *btf)
{
	return btf->raw_size;
}

const uint8_t *kbtf_btf_raw_data(const struct kbtf_btf *btf)
{
	return btf->raw;
}

const struct kbtf_kind_layout *kbtf_btf_kind_layout(const struct kbtf_btf *btf, uint32_t *nr)
{
	if (nr)
		*nr = btf->nr_layout;
	return btf->layout;
}

uint32_t kbtf_btf_unknown_kind_cnt(const struct kbtf_btf *btf)
{
	return btf->unknown_kinds;
}

const char *kbtf_btf_name(const struct kbtf_btf *btf)
{
	return btf->name ? btf->name : "";
}

static const struct btf_type *prepared_check(const struct kbtf_btf *btf, uint32_t i);
/* out of line: kbtf_btf_type() of a parsed BTF stays a few instructions */
static const struct btf_type *prepared_type(const struct kbtf_btf *btf, uint32_t i)
    __attribute__((noinline));

const struct btf_type *kbtf_btf_type(const struct kbtf_btf *btf, uint32_t id)
{
	while (id < btf->start_id) {
		if (id == 0)
			return &void_type;
		btf = btf->base;
	}
	if (id - btf->start_id >= btf->nr_types)
		return NULL;
	if (btf->checked)
		return prepared_type(btf, id - btf->start_id);
	return (const void *)(btf->types + btf->type_offs[id - btf->start_id]);
}

/* ------------------------------------------------- prepared kernel BTF */

/* Is @rec (@len bytes, record @i) whole and sound, as the full parse checks it? */
static bool record_ok(const struct kbtf_btf *btf, uint32_t i, const uint8_t *rec, uint64_t len)
{
	struct ref_check r = {0};
	uint32_t info, kind;
	long size;
	bool ok;

	if (len < sizeof(struct btf_type))
		return false;
	memcpy(&info, rec + 4, 4);
	kind = (info >> 24) & 0x7f;
	size = rec_size(btf, kind, info & 0xffffff);
	if (size <= 0 || (uint64_t)size != len)
		return false;
	/* a struct kbtf_btf is read-only to others; only the error slot is written */
	ok = !check_record((struct kbtf_btf *)btf, &r, btf->start_id + i, (const void *)rec) &&
	     r.max_ref < kbtf_btf_type_cnt(btf);
	free(r.funcs);
	return ok;
}

/*
 * A head rebuilt alone (kbtf_btf_type_head()), and where the delta has
 * its record: the record read whole later is not looked for again (a
 * judge reads a struct's head, through a typedef, before its members).
 */
struct dhead {
	struct btf_type t; /* first: handed out as the head */
	struct kbtf_btf_delta_rec where;
};

/* Record @i of a delta's BTF, not read before: rebuilt and checked. */
static __attribute__((noinline)) const struct btf_type *delta_type_rebuild(struct kbtf_btf *btf,
									   uint32_t i)
{
	struct kbtf_btf_delta_rec where = {0};
	const struct dhead *h;
	const struct btf_type *t;
	uint8_t *rec = NULL;

	pthread_mutex_lock(&btf->dmutex);
	t = dmap_get(&btf->drecs, i);
	if (!t) {
		/* found and sized by the delta (no type offsets needed), or
		 * where its head read alone found it, then checked as any
		 * record. A record is kept in dheads only once in drecs, so
		 * what dheads holds here is a dhead, or VOID for a head that
		 * failed (its record fails too) */
		h = dmap_get(&btf->dheads, i);
		if (!h)
			kbtf_btf_delta_src_locate(btf->dsrc, i + 1, &where);
		else if (&h->t != &void_type)
			where = h->where;
		if (where.len)
			rec = dchunk_alloc(btf, where.len);
		if (rec && !kbtf_btf_delta_src_record(btf->dsrc, &where, rec) &&
		    record_ok(btf, i, rec, where.len)) {
			t = (const void *)rec;
		} else {
			__atomic_store_n(&btf->damaged, 1, __ATOMIC_RELEASE);
			t = &void_type;
		}
		if (dmap_put(&btf->drecs, i, t) || (!h && dmap_put(&btf->dheads, i, t)))
			__atomic_store_n(&btf->damaged, 1, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&btf->dmutex);
	return t;
}

/* Record @i of a delta's BTF: rebuilt the first time, then found without a lock. */
static inline const struct btf_type *delta_type(const struct kbtf_btf *btf, uint32_t i)
{
	const struct btf_type *t = dmap_get(&btf->drecs, i);

	/* only the rebuilt cache changes */
	return t ? t : delta_type_rebuild((struct kbtf_btf *)btf, i);
}

/*
 * Is the head @t of a record of @len bytes sound, as record_ok() checks
 * those words: its kind known and sized to @len, its name a string, and
 * the type it names (the kinds whose third word is one, as check_record()
 * notes them) an id in range? A head that fails is a record that fails.
 */
static bool head_ok(const struct kbtf_btf *btf, const struct btf_type *t, uint32_t len)
{
	long size = rec_size(btf, (t->info >> 24) & 0x7f, t->info & 0xffffff);

	if (size <= 0 || (uint64_t)size != len || !str_ok(btf, t->name_off))
		return false;
	switch (kbtf_kind(t)) {
	case BTF_KIND_FUNC:
	case BTF_KIND_PTR:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_VAR:
	case BTF_KIND_DECL_TAG:
	case BTF_KIND_TYPE_TAG:
	case BTF_KIND_FUNC_PROTO:
		return t->type < kbtf_btf_type_cnt(btf);
	default:
		return true;
	}
}

/*
 * The head of record @i of a delta's BTF, neither it nor its record read
 * before: its three words rebuilt and checked alone. One that fails reads
 * as VOID and marks the object damaged, as its record would (the record's
 * checks include the head's), and is kept as the record's answer too.
 * (A record rebuilt whole left its head in dheads.)
 */
static __attribute__((noinline)) const struct btf_type *delta_head_rebuild(struct kbtf_btf *btf,
									   uint32_t i)
{
	struct kbtf_btf_delta_rec where;
	const struct btf_type *t;
	struct dhead *head = NULL;
	int err;

	pthread_mutex_lock(&btf->dmutex);
	t = dmap_get(&btf->dheads, i);
	if (!t) {
		if (kbtf_btf_delta_src_locate(btf->dsrc, i + 1, &where))
			head = dchunk_alloc(btf, sizeof(*head));
		if (head && !kbtf_btf_delta_src_head(btf->dsrc, &where, (uint8_t *)&head->t) &&
		    head_ok(btf, &head->t, where.len)) {
			head->where = where;
			t = &head->t;
			err = dmap_put(&btf->dheads, i, t);
		} else {
			__atomic_store_n(&btf->damaged, 1, __ATOMIC_RELEASE);
			t = &void_type;
			err = dmap_put(&btf->dheads, i, t) || dmap_put(&btf->drecs, i, t);
		}
		if (err)
			__atomic_store_n(&btf->damaged, 1, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&btf->dmutex);
	return t;
}

/*
 * The head of record @i of a delta's BTF: rebuilt alone the first time
 * (unless the record was), then found without a lock.
 */
static inline const struct btf_type *delta_head(const struct kbtf_btf *btf, uint32_t i)
{
	const struct btf_type *t = dmap_get(&btf->dheads, i);

	/* only the rebuilt caches change */
	return t ? t : delta_head_rebuild((struct kbtf_btf *)btf, i);
}

/*
 * Record @i of a prepared BTF: the first time, check that it fills exactly
 * the bytes up to the next record's offset, and its string offsets and
 * referenced ids as the full parse does; a record that fails reads as VOID
 * and marks the object damaged (kbtf_btf_damaged()).
 */
static const struct btf_type *prepared_type(const struct kbtf_btf *btf, uint32_t i)
{
	if (btf->dsrc)
		return delta_type(btf, i);
	if (__atomic_load_n(&btf->checked[i / 8], __ATOMIC_ACQUIRE) & (1u << (i % 8)))
		return (const void *)(btf->types + btf->type_offs[i]);
	return prepared_check(btf, i);
}

/* Record @i of a prepared BTF, read the first time: checked. */
static __attribute__((noinline)) const struct btf_type *prepared_check(const struct kbtf_btf *btf,
								       uint32_t i)
{
	uint32_t off = btf->type_offs[i], len = btf->hdr.type_len, next;
	uint8_t bit = (uint8_t)(1u << (i % 8));

	if (btf->offs_ok && !btf->offs_ok(btf->offs_ctx, i, i + 1 < btf->nr_types ? 2 : 1)) {
		__atomic_store_n(&((struct kbtf_btf *)btf)->damaged, 1, __ATOMIC_RELEASE);
		return &void_type;
	}
	next = i + 1 < btf->nr_types ? btf->type_offs[i + 1] : len;
	if (off % 4 || off >= next || next > len ||
	    !record_ok(btf, i, btf->types + off, (uint64_t)next - off)) {
		__atomic_store_n(&((struct kbtf_btf *)btf)->damaged, 1, __ATOMIC_RELEASE);
		return &void_type;
	}
	__atomic_fetch_or(&btf->checked[i / 8], bit, __ATOMIC_RELEASE);
	return (const void *)(btf->types + off);
}

/* As kbtf_btf_type(), and the same few instructions for a BTF parsed whole. */
const struct btf_type *kbtf_btf_type_head(const struct kbtf_btf *btf, uint32_t id)
{
	while (id < btf->start_id) {
		if (id == 0)
			return &void_type;
		btf = btf->base;
	}
	if (id - btf->start_id >= btf->nr_types)
		return NULL;
	if (btf->checked)
		return btf->dsrc ? delta_head(btf, id - btf->start_id)
				 : prepared_type(btf, id - btf->start_id);
	return (const void *)(btf->types + btf->type_offs[id - btf->start_id]);
}

int kbtf_btf_parse_prepared(const void *data, size_t size, const uint32_t *offs, uint32_t nr,
			    const char *name, struct kbtf_btf **out)
{
	struct kbtf_parse_opts o = {.name = name};
	struct kbtf_btf *btf;
	bool swap = false;
	int err;

	*out = NULL;
	btf = calloc(1, sizeof(*btf));
	if (!btf)
		return kbtf_err_nomem();
	err = set_name(btf, &o);
	if (!err)
		err = parse_header(btf, data, size, &swap);
	if (!err && (swap || (uintptr_t)data % 4 || btf->hdr.hdr_len % 4 || btf->layout_len))
		err = -ENOTSUP; /* the full parse handles those */
	if (err)
		goto fail;
	btf->start_id = 1;
	btf->raw = data;
	btf->raw_size = size;
	btf->types = btf->raw + btf->hdr.hdr_len + btf->hdr.type_off;
	btf->strs = (const char *)btf->raw + btf->hdr.hdr_len + btf->hdr.str_off;
	err = parse_strings(btf);
	if (err)
		goto fail;
	btf->checked = calloc(nr / 8 + 1, 1);
	if (!btf->checked) {
		err = kbtf_err_nomem();
		goto fail;
	}
	btf->type_offs = (uint32_t *)offs;
	btf->nr_types = nr;
	*out = btf;
	return 0;
fail:
	kbtf_btf_free(btf);
	return err;
}

/*
 * The string at @rel of a delta's string section that spans where its
 * bytes come from: rebuilt the first time, found again after. NULL when
 * memory runs out. Out of line: delta_str() stays a call and a test.
 */
static __attribute__((noinline)) const char *delta_str_copy(struct kbtf_btf *btf, uint32_t rel)
{
	uint32_t len = btf->hdr.str_len, n = 0, step;
	char tmp[256], *s = NULL, *grown;
	const char *out;

	/* read before: no lock */
	out = dmap_get(&btf->dstrs, rel);
	if (out)
		return out;
	pthread_mutex_lock(&btf->dmutex);
	out = dmap_get(&btf->dstrs, rel);
	/* the section ends with a NUL (checked on open): the loop ends there */
	while (!out) {
		step = len - rel - n < sizeof(tmp) ? len - rel - n : (uint32_t)sizeof(tmp);
		if (!kbtf_btf_delta_src_strings(btf->dsrc, rel + n, rel + n + step, tmp)) {
			/* a block of the delta's string tables is damaged */
			__atomic_store_n(&btf->damaged, 1, __ATOMIC_RELEASE);
			break;
		}
		grown = realloc(s, n + step);
		if (!grown)
			break;
		s = grown;
		memcpy(s + n, tmp, step);
		n += step;
		if (memchr(tmp, 0, step)) {
			size_t sl = strlen(s);
			char *copy = dchunk_alloc(btf, sl + 1);

			if (copy) {
				memcpy(copy, s, sl + 1);
				if (!dmap_put(&btf->dstrs, rel, copy))
					out = copy;
			}
			break;
		}
	}
	free(s);
	pthread_mutex_unlock(&btf->dmutex);
	return out;
}

/*
 * The string at @rel of a delta's string section (checked in bounds), the
 * first time in its run: where it lies whole in the reference's strings or
 * the delta's literal bytes (almost every string), there, and its run kept
 * for the next; else rebuilt the first time.
 */
static __attribute__((noinline)) const char *delta_str_find(struct kbtf_btf *btf, uint32_t rel)
{
	const struct kbtf_btf_delta_strs *run = NULL;
	const char *out = kbtf_btf_delta_src_string(btf->dsrc, rel, &run);

	if (run)
		__atomic_store_n(&btf->dstr_run, run, __ATOMIC_RELEASE);
	return out ? out : delta_str_copy(btf, rel);
}

/*
 * The string at @rel of a delta's string section (checked in bounds): in
 * the run the last one was found in, without a call (a struct's member
 * names sit together), else found. A run's view is written once, before
 * the reader that found it publishes it here (release, acquire below).
 */
static inline const char *delta_str(const struct kbtf_btf *btf, uint32_t rel)
{
	const struct kbtf_btf_delta_strs *run = __atomic_load_n(&btf->dstr_run, __ATOMIC_ACQUIRE);

	if (run && rel - run->from < __atomic_load_n(&run->len, __ATOMIC_RELAXED))
		return run->base + (rel - run->from);
	/* only the caches change */
	return delta_str_find((struct kbtf_btf *)btf, rel);
}

int kbtf_btf_parse_prepared_delta(struct kbtf_btf_delta_src *src, uint32_t nr, const char *name,
				  struct kbtf_btf **out)
{
	struct kbtf_parse_opts o = {.name = name};
	struct kbtf_btf_rawhdr rh;
	const uint8_t *hdr;
	struct kbtf_btf *btf;
	uint32_t hdr_len, size, nk;
	char first = 1, last = 1;
	int err;

	*out = NULL;
	btf = calloc(1, sizeof(*btf));
	if (!btf) {
		kbtf_btf_delta_src_free(src);
		return kbtf_err_nomem();
	}
	btf->dsrc = src;
	pthread_mutex_init(&btf->dmutex, NULL);
	err = set_name(btf, &o);
	if (err)
		goto fail;
	hdr = kbtf_btf_delta_src_header(src, &hdr_len, &size, &nk);
	/* the header alone (its first string is not there to peek at) */
	if (nk != nr || !kbtf_btf_peek(hdr, hdr_len, &rh) || rh.swap || rh.layout_len ||
	    rh.hdr.hdr_len != hdr_len || rh.hdr.type_off || rh.hdr.str_off != rh.hdr.type_len ||
	    !rh.hdr.str_len || (uint64_t)hdr_len + rh.hdr.type_len + rh.hdr.str_len != size) {
		err =
		    kbtf_err(-EINVAL, "%s: the delta's BTF header does not match its index", name);
		goto fail;
	}
	btf->hdr = rh.hdr;
	btf->endian = rh.endian;
	btf->start_id = 1;
	btf->raw_size = size;
	btf->checked = calloc(1, 1); /* routes kbtf_btf_type() to prepared_type() */
	if (!btf->checked) {
		err = kbtf_err_nomem();
		goto fail;
	}
	if (!kbtf_btf_delta_src_strings(src, 0, 1, &first) ||
	    !kbtf_btf_delta_src_strings(src, rh.hdr.str_len - 1, rh.hdr.str_len, &last)) {
		err = kbtf_err(-EINVAL, "%s: damaged BTF delta (string tables)", name);
		goto fail;
	}
	if (first || last) {
		err = kbtf_err(-EINVAL, "%s: string section of the delta's BTF is not NUL-bounded",
			       name);
		goto fail;
	}
	btf->nr_types = nr;
	*out = btf;
	return 0;
fail:
	kbtf_btf_free(btf);
	return err;
}

void kbtf_btf_prepared_check_offs(struct kbtf_btf *btf,
				  bool (*ok)(const void *ctx, uint32_t first, uint32_t n),
				  const void *ctx)
{
	btf->offs_ok = ok;
	btf->offs_ctx = ctx;
}

bool kbtf_btf_damaged(const struct kbtf_btf *btf)
{
	return __atomic_load_n(&btf->damaged, __ATOMIC_ACQUIRE);
}

const char *kbtf_btf_str(const struct kbtf_btf *btf, uint32_t off)
{
	if (off == 0)
		return "";
	while (off < btf->start_str_off)
		btf = btf->base;
	if (off - btf->start_str_off >= btf->hdr.str_len)
		return NULL;
	if (btf->dsrc)
		return delta_str(btf, off - btf->start_str_off);
	return btf->strs + (off - btf->start_str_off);
}

int kbtf_btf_index_names(struct kbtf_btf *btf)
{
	struct name_index *n;
	uint32_t nb = 16, i;

	if (btf->names)
		return 0;
	while (nb < btf->nr_types * 2u && nb < (1u << 30))
		nb <<= 1;
	n = calloc(1, sizeof(*n));
	if (!n)
		return kbtf_err(-ENOMEM, "out of memory indexing names");
	n->mask = nb - 1;
	n->head = calloc(nb, sizeof(uint32_t));
	n->next = calloc(btf->nr_types ? btf->nr_types : 1, sizeof(uint32_t));
	if (!n->head || !n->next) {
		free_names(n);
		return kbtf_err(-ENOMEM, "out of memory indexing names");
	}
	/* insert highest id first so every chain lists ids in ascending order */
	for (i = btf->nr_types; i-- > 0;) {
		/* a delta's records exist once rebuilt (the name: the head
		 * alone), a prepared one's once checked */
		const struct btf_type *t = btf->checked
					       ? kbtf_btf_type_head(btf, btf->start_id + i)
					       : (const void *)(btf->types + btf->type_offs[i]);
		uint32_t b;
		const char *name;

		if (!t->name_off)
			continue;
		name = kbtf_btf_str(btf, t->name_off);
		b = kbtf_hash_str(name ? name : "") & n->mask;
		n->next[i] = n->head[b];
		n->head[b] = btf->start_id + i + 1;
	}
	btf->names = n;
	return 0;
}

int kbtf_btf_find_by_name(struct kbtf_btf *btf, const char *name, int kind, uint32_t *ids,
			  uint32_t max)
{
	uint32_t cur, found = 0;
	int err = kbtf_btf_index_names(btf);

	if (err)
		return err;
	cur = btf->names->head[kbtf_hash_str(name) & btf->names->mask];
	while (cur) {
		uint32_t id = cur - 1;
		const struct btf_type *t = kbtf_btf_type_head(btf, id);

		if ((kind < 0 || kbtf_kind(t) == (uint32_t)kind) &&
		    !strcmp(kbtf_btf_str(btf, t->name_off), name)) {
			if (found < max)
				ids[found] = id;
			found++;
		}
		cur = btf->names->next[id - btf->start_id];
	}
	return (int)found;
}

/* @btf and the objects under it, bottom first; their number. */
static int layers_of(struct kbtf_btf *btf, struct kbtf_btf **out, int max)
{
	int n = 0, i;

	/* the index is lazy state, not content: filling it in a base is safe */
	for (; btf && n < max; btf = (struct kbtf_btf *)btf->base)
		out[n++] = btf;
	for (i = 0; i < n / 2; i++) {
		struct kbtf_btf *t = out[i];

		out[i] = out[n - 1 - i];
		out[n - 1 - i] = t;
	}
	return n;
}

int kbtf_btf_index_names_all(struct kbtf_btf *btf)
{
	struct kbtf_btf *l[KBTF_MAX_CHAIN];
	int n = layers_of(btf, l, KBTF_MAX_CHAIN), i, err;

	for (i = 0; i < n; i++) {
		err = kbtf_btf_index_names(l[i]);
		if (err)
			return err;
	}
	return 0;
}

int kbtf_btf_find_by_name_all(struct kbtf_btf *btf, const char *name, int kind, uint32_t *ids,
			      uint32_t max)
{
	struct kbtf_btf *l[KBTF_MAX_CHAIN];
	int n = layers_of(btf, l, KBTF_MAX_CHAIN), i, got;
	uint32_t found = 0;

	for (i = 0; i < n; i++) {
		got = kbtf_btf_find_by_name(l[i], name, kind, ids + (found < max ? found : max),
					    found < max ? max - found : 0);
		if (got < 0)
			return got;
		found += (uint32_t)got;
	}
	return (int)found;
}

uint32_t kbtf_btf_skip_mods_typedefs(const struct kbtf_btf *btf, uint32_t id)
{
	const struct btf_type *t;
	int depth;

	for (depth = 0; depth < 32; depth++) {
		/* the kind and the type named: the head's */
		t = kbtf_btf_type_head(btf, id);
		if (!t)
			return 0;
		if (!kbtf_is_modifier(t) && kbtf_kind(t) != BTF_KIND_TYPEDEF)
			return id;
		id = t->type;
	}
	return 0;
}
