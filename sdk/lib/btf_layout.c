// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A composite's layout as layout drift compares it, and its digest
 * (btf_layout.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "btf_layout.h"

#define PTR_BITS 64

/* ------------------------------------------------------------ type facts */

static uint32_t type_bits(const struct kbtf_btf *btf, uint32_t id, int depth)
{
	/* sizes and the types named are in the head: a struct's members
	 * are not rebuilt for its size (a kernel's BTF stored as a delta) */
	const struct btf_type *t = kbtf_btf_type_head(btf, id);

	if (!t || depth > 32)
		return 0;
	if (kbtf_kind(t) == BTF_KIND_ARRAY)
		t = kbtf_btf_type(btf, id);
	switch (kbtf_kind(t)) {
	case BTF_KIND_INT:
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
	case BTF_KIND_FLOAT:
		return t->size * 8;
	case BTF_KIND_PTR:
		return PTR_BITS;
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_CONST:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		return type_bits(btf, t->type, depth + 1);
	case BTF_KIND_ARRAY:
		return kbtf_array(t)->nelems * type_bits(btf, kbtf_array(t)->type, depth + 1);
	default:
		return 0;
	}
}

/*
 * Remembered per BTF: the members of a kernel's structs name the same few
 * typedefs again and again (u32, spinlock_t, struct list_head), each a
 * chain to walk.
 */
uint32_t kbtf_type_bits(struct kbtf_bits_memo *m, const struct kbtf_btf *btf, uint32_t id)
{
	uint32_t slot = (id * 2654435761u) >> 23; /* KBTF_BITS_MEMO slots */

	if (!m || !id)
		return type_bits(btf, id, 0);
	if (m->id[slot] != id) {
		m->id[slot] = id;
		m->bits[slot] = type_bits(btf, id, 0);
	}
	return m->bits[slot];
}

/*
 * @a @b @c into @buf of @len bytes, cut to fit as snprintf() cuts: type
 * names are made for every member compared, and snprintf()'s format
 * parsing was a tenth of judging a pair.
 */
static void cat3(char *buf, size_t len, const char *a, const char *b, const char *c)
{
	const char *part[3] = {a, b, c};
	size_t n = 0, l, i;

	for (i = 0; i < 3 && n + 1 < len; i++) {
		l = strlen(part[i]);
		if (l > len - 1 - n)
			l = len - 1 - n;
		memcpy(buf + n, part[i], l);
		n += l;
	}
	buf[n] = '\0';
}

static void name_rec(const struct kbtf_btf *btf, uint32_t id, char *buf, size_t len, int depth)
{
	/* a name needs the head but for an array's length and element */
	const struct btf_type *t = kbtf_btf_type_head(btf, id);
	const char *name, *tag = "";
	char inner[256], num[16];

	if (!len)
		return;
	if (!id) {
		cat3(buf, len, "void", "", "");
		return;
	}
	if (!t || depth > 8) {
		cat3(buf, len, "?", "", "");
		return;
	}
	if (kbtf_kind(t) == BTF_KIND_ARRAY)
		t = kbtf_btf_type(btf, id);
	name = kbtf_btf_str(btf, t->name_off);
	if (!name)
		name = "?";
	switch (kbtf_kind(t)) {
	case BTF_KIND_STRUCT:
		tag = "struct ";
		break;
	case BTF_KIND_UNION:
		tag = "union ";
		break;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		tag = "enum ";
		break;
	case BTF_KIND_FWD:
		tag = kbtf_kflag(t) ? "union " : "struct ";
		break;
	case BTF_KIND_PTR:
		name_rec(btf, t->type, inner, sizeof(inner), depth + 1);
		cat3(buf, len, inner, " *", "");
		return;
	case BTF_KIND_CONST:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_RESTRICT:
		name_rec(btf, t->type, inner, sizeof(inner), depth + 1);
		cat3(buf, len,
		     kbtf_kind(t) == BTF_KIND_CONST	 ? "const "
		     : kbtf_kind(t) == BTF_KIND_VOLATILE ? "volatile "
							 : "restrict ",
		     inner, "");
		return;
	case BTF_KIND_TYPE_TAG:
		name_rec(btf, t->type, buf, len, depth + 1);
		return;
	case BTF_KIND_ARRAY:
		name_rec(btf, kbtf_array(t)->type, inner, sizeof(inner), depth + 1);
		snprintf(num, sizeof(num), "[%u]", kbtf_array(t)->nelems);
		cat3(buf, len, inner, num, "");
		return;
	case BTF_KIND_FUNC_PROTO:
		cat3(buf, len, "function", "", "");
		return;
	default:
		break;
	}
	cat3(buf, len, tag, *name ? name : "{...}", "");
}
void kbtf_type_name(const struct kbtf_btf *btf, uint32_t id, char *buf, size_t len)
{
	name_rec(btf, id, buf, len, 0);
}

/* ------------------------------------------------------------ flattening */

static uint64_t name_key(const char *s)
{
	uint64_t k = 0;

	/* the bytes as read, then in the order strcmp() weighs them */
	memcpy(&k, s, strnlen(s, 8));
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	k = __builtin_bswap64(k);
#endif
	return k;
}

/* The id a member's type resolves to through typedefs and modifiers. */
static uint32_t strip(const struct kbtf_btf *btf, uint32_t id)
{
	return kbtf_btf_skip_mods_typedefs(btf, id);
}

/*
 * What an array of arrays of @id holds, through typedefs and modifiers; 0
 * past MAX_ARRAY_DEPTH steps: a damaged or hostile BTF's array can be its
 * own element, and an unbounded walk then never ends (found by fuzz_pair).
 */
#define MAX_ARRAY_DEPTH 32

uint32_t kbtf_type_element(const struct kbtf_btf *btf, uint32_t id)
{
	int depth;

	for (depth = 0; depth <= MAX_ARRAY_DEPTH; depth++) {
		const struct btf_type *t;

		id = strip(btf, id);
		t = kbtf_btf_type_head(btf, id);
		if (!t || kbtf_kind(t) != BTF_KIND_ARRAY)
			return id;
		/* a record that fails its check reads as VOID, not an array */
		t = kbtf_btf_type(btf, id);
		if (kbtf_kind(t) != BTF_KIND_ARRAY)
			return id;
		id = kbtf_array(t)->type;
	}
	return 0;
}

static bool anon_composite(const struct kbtf_btf *btf, uint32_t id)
{
	const struct btf_type *t = kbtf_btf_type_head(btf, strip(btf, id));

	return t && kbtf_is_composite(t) && !t->name_off;
}

static int flatten(const struct kbtf_btf *btf, struct kbtf_bits_memo *bm, uint32_t id,
		   uint32_t base, struct kbtf_flatlist *out, int depth)
{
	const struct btf_type *t = kbtf_btf_type(btf, strip(btf, id));
	const struct btf_member *m;
	uint32_t i;
	int err;

	if (!t || !kbtf_is_composite(t) || depth > KBTF_FLAT_MAX_DEPTH)
		return 0;
	m = kbtf_members(t);
	for (i = 0; i < kbtf_vlen(t); i++) {
		uint32_t off = base + kbtf_member_bit_offset(t, &m[i]);
		uint32_t bf = kbtf_member_bitfield_size(t, &m[i]);
		struct kbtf_flat *f;

		if (++out->steps > KBTF_FLAT_MAX_STEPS)
			return -ELOOP;
		if (!m[i].name_off && anon_composite(btf, m[i].type)) {
			err = flatten(btf, bm, m[i].type, off, out, depth + 1);
			if (err)
				return err;
			continue;
		}
		if (!m[i].name_off)
			continue; /* unnamed padding bitfield */
		if (out->n == out->cap) {
			/* room for the outer type's members at once */
			size_t cap = out->cap		 ? out->cap * 2
				     : kbtf_vlen(t) > 32 ? kbtf_vlen(t)
							 : 32;
			struct kbtf_flat *n = realloc(out->v, sizeof(*n) * cap);

			if (!n)
				return -ENOMEM;
			out->v = n;
			out->cap = cap;
		}
		f = &out->v[out->n++];
		f->name = kbtf_btf_str(btf, m[i].name_off);
		if (!f->name)
			f->name = "?";
		f->key = name_key(f->name);
		f->bit_off = off;
		f->bits = bf ? bf : kbtf_type_bits(bm, btf, m[i].type);
		f->type = m[i].type;
		f->at = (uint32_t)(out->n - 1);
	}
	return 0;
}

int kbtf_flatten(const struct kbtf_btf *btf, struct kbtf_bits_memo *memo, uint32_t id,
		 uint32_t base, struct kbtf_flatlist *out)
{
	return flatten(btf, memo, id, base, out, 0);
}

/* ------------------------------------------------------------ the digest */

/*
 * What drift reports of one composite embedded by value, or reached by
 * pointer, build time (b) against a target kernel (t), is a function of:
 *
 *   1. the two kinds (a struct against a union: "the type itself"
 *      changed) and the two sizes;
 *   2. the two flattened member lists (kbtf_flatten(), in declaration
 *      order): drift sorts each by name and offset and pairs them by name;
 *      a member is moved, resized or retyped when its bit offset, its bits
 *      or kbtf_type_name() of its type differ (drift compares that text,
 *      or a cheaper test sure to agree with it), vanished or added when
 *      its name is on one side only; a list that hits KBTF_FLAT_MAX_STEPS
 *      is "not compared";
 *   3. for a type embedded by value, the composites its members hold by
 *      value (kbtf_type_element()): a named composite on the build side
 *      that is a composite on the target side is compared in turn, with
 *      1-3 again.
 *
 * The digest hashes exactly these inputs of one side: the kind, the size,
 * the member list in order (each member's name, bit offset, bits and
 * type name text), and for each member what kbtf_type_element() finds: a
 * named composite with its own digest, an anonymous composite, or
 * anything else. Two equal digests (a 64-bit hash: equal inputs but for a
 * 2^-64 chance) thus mean equal kinds, sizes and member lists, member by
 * member: sorting equal lists gives equal lists, every name pairs with
 * itself, no offset, bits or type text differs, no member vanishes or is
 * added; and every composite drift would follow from there has equal
 * digests on both sides, so the same holds all the way down. Drift would
 * report nothing for the type and below, and may skip it. A type whose
 * list or nesting hits a bound (or loops) gets no digest and is compared.
 */
#define DIGEST_MAX_NESTING 64

enum { DIG_EMPTY, DIG_BUSY, DIG_DONE };

struct dig_slot {
	uint32_t id; /* 0: empty */
	uint8_t state;
	uint64_t digest;
};

struct kbtf_digests {
	const struct kbtf_btf *btf;
	struct dig_slot *slot;
	uint32_t mask, used;
	struct kbtf_bits_memo bits;
	char name[256];
};

struct kbtf_digests *kbtf_digests_new(const struct kbtf_btf *btf)
{
	struct kbtf_digests *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->btf = btf;
	m->mask = 63;
	m->slot = calloc(m->mask + 1, sizeof(*m->slot));
	if (!m->slot) {
		free(m);
		return NULL;
	}
	return m;
}

void kbtf_digests_free(struct kbtf_digests *m)
{
	if (!m)
		return;
	free(m->slot);
	free(m);
}

static struct dig_slot *dig_find(struct kbtf_digests *m, uint32_t id)
{
	uint32_t s = (id * 2654435761u) & m->mask;

	while (m->slot[s].id && m->slot[s].id != id)
		s = (s + 1) & m->mask;
	return &m->slot[s];
}

/* The slot of @id, made when new; NULL: out of memory. */
static struct dig_slot *dig_slot(struct kbtf_digests *m, uint32_t id)
{
	struct dig_slot *e = dig_find(m, id);

	if (e->id)
		return e;
	if (2 * (m->used + 1) > m->mask + 1) {
		struct dig_slot *old = m->slot;
		uint32_t n = m->mask + 1, i;

		m->slot = calloc(2 * (size_t)n, sizeof(*m->slot));
		if (!m->slot) {
			m->slot = old;
			return NULL;
		}
		m->mask = 2 * n - 1;
		for (i = 0; i < n; i++)
			if (old[i].id)
				*dig_find(m, old[i].id) = old[i];
		free(old);
		e = dig_find(m, id);
	}
	e->id = id;
	e->state = DIG_EMPTY;
	m->used++;
	return e;
}

static inline uint64_t mix(uint64_t h, uint64_t v)
{
	v *= 0x87c37b91114253d5ull;
	v = (v << 31) | (v >> 33);
	h ^= v * 0x4cf5ad432745937full;
	h = (h << 27) | (h >> 37);
	return h * 5 + 0x52dce729;
}

static uint64_t mix_str(uint64_t h, const char *s)
{
	size_t n = strlen(s), i;
	uint64_t w;

	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&w, s + i, 8);
		h = mix(h, w);
	}
	w = 0;
	memcpy(&w, s + i, n - i);
	return mix(mix(h, w), n);
}

/* The element kinds a digest tells apart (3. above). */
enum { EL_OTHER = 1, EL_ANON, EL_NAMED };

static uint64_t digest_of(struct kbtf_digests *m, uint32_t id, int nesting);

static uint64_t digest_list(struct kbtf_digests *m, const struct btf_type *t,
			    const struct kbtf_flatlist *l, int nesting)
{
	uint64_t h = mix(mix(mix(0x6b62746664696731ull, kbtf_kind(t)), t->size), l->n), c;
	size_t i;

	for (i = 0; i < l->n; i++) {
		const struct kbtf_flat *f = &l->v[i];
		uint32_t e = kbtf_type_element(m->btf, f->type);
		const struct btf_type *et = e ? kbtf_btf_type_head(m->btf, e) : NULL;

		h = mix(mix(mix_str(h, f->name), f->bit_off), f->bits);
		kbtf_type_name(m->btf, f->type, m->name, sizeof(m->name));
		h = mix_str(h, m->name);
		if (!et || !kbtf_is_composite(et)) {
			h = mix(h, EL_OTHER);
		} else if (!et->name_off) {
			h = mix(h, EL_ANON);
		} else {
			c = digest_of(m, e, nesting + 1);
			if (!c)
				return 0;
			h = mix(mix(h, EL_NAMED), c);
		}
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h ? h : 1;
}

static uint64_t digest_of(struct kbtf_digests *m, uint32_t id, int nesting)
{
	const struct btf_type *t = kbtf_btf_type(m->btf, id);
	struct kbtf_flatlist l = {0};
	struct dig_slot *e;
	uint64_t h = 0;

	if (!t || !kbtf_is_composite(t) || nesting > DIGEST_MAX_NESTING)
		return 0;
	e = dig_slot(m, id);
	if (!e || e->state == DIG_BUSY)
		return 0; /* a type that holds itself by value: compared */
	if (e->state == DIG_DONE)
		return e->digest;
	e->state = DIG_BUSY;
	if (!kbtf_flatten(m->btf, &m->bits, id, 0, &l))
		h = digest_list(m, t, &l, nesting);
	free(l.v);
	/* the table may have grown meanwhile */
	e = dig_find(m, id);
	e->state = DIG_DONE;
	e->digest = h;
	return h;
}

uint64_t kbtf_layout_digest(struct kbtf_digests *m, uint32_t id)
{
	return m ? digest_of(m, id, 0) : 0;
}
