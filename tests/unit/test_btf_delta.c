// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A kernel BTF stored as a delta against another (btf_delta.c): it
 * rebuilds the kernel's bytes exactly, through inserted types that shift
 * every later id and string offset, a changed struct, and blocks emitted
 * in another order (pahole -j); its records mostly come from the
 * reference; and a damaged or truncated delta, or one applied to another
 * reference, is refused, never believed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include "btf_delta.h"
#include "btf_layout.h"
#include "btf_prepared.h"
#include "hash.h"
#include "kbtf/btf.h"
#include "kbtf/builder.h"
#include "kbtf/err.h"
#include "kbtf/source.h"

#define NR_BLOCKS 8
#define PER_BLOCK 40

/* The counts and part offsets of the delta @d (format 4, little-endian host). */
struct layout {
	uint32_t hdr_len, nk, str_len, ntr, nlit, lit_len, nsr, str_lit, r_nr, r_strs;
	size_t tables, tr, tperm, lits, sr, sperm, ck, tb, lb, sb, rtb, rsb, tables_end;
	size_t sums, lit_rec, lit_str;
	uint32_t nblocks;
};

static void layout_of(const struct kbtf_buf *d, struct layout *l)
{
	const uint8_t *p = d->data;

	memcpy(&l->hdr_len, p + 12, 4);
	memcpy(&l->nk, p + 44, 4);
	memcpy(&l->str_len, p + 52, 4);
	memcpy(&l->ntr, p + 56, 4);
	memcpy(&l->nlit, p + 60, 4);
	memcpy(&l->lit_len, p + 64, 4);
	memcpy(&l->nsr, p + 68, 4);
	memcpy(&l->str_lit, p + 72, 4);
	memcpy(&l->r_nr, p + 76, 4);
	memcpy(&l->r_strs, p + 96, 4);
	l->tables = 104 + l->hdr_len;
	l->tr = l->tables;
	l->tperm = l->tr + 16 * l->ntr;
	l->lits = l->tperm + 4 * l->ntr;
	l->sr = l->lits + 8 * l->nlit;
	l->sperm = l->sr + 16 * l->nsr;
	l->ck = l->sperm + 4 * l->nsr;
	l->tb = l->ck + 4 * ((l->r_nr + 15) / 16);
	l->lb = l->tb + 4 * ((l->nk >> 8) + 2);
	l->sb = l->lb + 4 * ((l->nk >> 8) + 2);
	l->rtb = l->sb + 4 * ((l->str_len >> 12) + 2);
	l->rsb = l->rtb + 4 * ((l->r_nr >> 8) + 1);
	l->tables_end = l->rsb + 4 * ((l->r_strs >> 12) + 1);
	l->nblocks = (uint32_t)((l->tables_end - l->tables + 255) / 256);
	l->sums = l->tables_end;
	l->lit_rec = l->sums + 4 * l->nblocks;
	l->lit_str = l->lit_rec + l->lit_len;
}

static void put_u32(struct kbtf_buf *d, size_t at, uint32_t v)
{
	memcpy((uint8_t *)d->data + at, &v, 4);
}

static uint32_t get_u32(const struct kbtf_buf *d, size_t at)
{
	uint32_t v;

	memcpy(&v, (const uint8_t *)d->data + at, 4);
	return v;
}

/* One block of types of every kind, named after @blk; @changed widens a member. */
static void add_block(struct kbtf_builder *b, int blk, uint32_t intid, bool changed)
{
	char name[64];
	int s, p, f, i;

	for (i = 0; i < PER_BLOCK; i++) {
		snprintf(name, sizeof(name), "blk%d_s%d", blk, i);
		s = kbtf_builder_add_struct(b, name, 16);
		assert_true(s > 0);
		assert_int_equal(kbtf_builder_add_member(b, "a", intid, 0, 0), 0);
		assert_int_equal(
		    kbtf_builder_add_member(b, "b", intid, changed && i == 3 ? 64 : 32, 0), 0);
		p = kbtf_builder_add_ptr(b, (uint32_t)s);
		assert_true(p > 0);
		snprintf(name, sizeof(name), "blk%d_t%d", blk, i);
		assert_true(kbtf_builder_add_typedef(b, name, (uint32_t)p) > 0);
		f = kbtf_builder_add_func_proto(b, intid);
		assert_true(f > 0);
		assert_int_equal(kbtf_builder_add_param(b, "arg", (uint32_t)p), 0);
		snprintf(name, sizeof(name), "blk%d_f%d", blk, i);
		assert_true(kbtf_builder_add_func(b, name, 1, (uint32_t)f) > 0);
		snprintf(name, sizeof(name), "blk%d_e%d", blk, i);
		assert_true(kbtf_builder_add_enum(b, name, 4, false) > 0);
		assert_int_equal(kbtf_builder_add_enum_value(b, "E_ONE", 1), 0);
		assert_true(kbtf_builder_add_array(b, (uint32_t)s, intid, (uint32_t)i + 1) > 0);
		snprintf(name, sizeof(name), "blk%d_v%d", blk, i);
		assert_true(kbtf_builder_add_var(b, name, (uint32_t)s, 1) > 0);
	}
}

/*
 * The reference kernel (@variant 0), and a later one of its series
 * (@variant 1): new types first, one struct changed, two blocks swapped.
 */
static void make_kernel(int variant, struct kbtf_buf *out)
{
	static const int order0[NR_BLOCKS] = {0, 1, 2, 3, 4, 5, 6, 7};
	static const int order1[NR_BLOCKS] = {0, 1, 5, 3, 4, 2, 6, 7};
	const int *order = variant ? order1 : order0;
	struct kbtf_builder *b = kbtf_builder_new(NULL);
	int intid, i;

	assert_non_null(b);
	intid = kbtf_builder_add_int(b, "int", 4, BTF_INT_SIGNED, 0, 32);
	assert_true(intid > 0);
	if (variant) {
		assert_true(kbtf_builder_add_struct(b, "new_in_k", 8) > 0);
		assert_int_equal(kbtf_builder_add_member(b, "x", (uint32_t)intid, 0, 0), 0);
		assert_true(kbtf_builder_add_float(b, "new_float", 8) > 0);
	}
	for (i = 0; i < NR_BLOCKS; i++)
		add_block(b, order[i], (uint32_t)intid, variant && order[i] == 6);
	assert_int_equal(kbtf_builder_write(b, NULL, out), 0);
	kbtf_builder_free(b);
}

static void test_roundtrip(void **state)
{
	struct kbtf_buf r, k, d, o;
	struct kbtf_btf_delta_stats st;
	uint64_t hash, size;

	(void)state;
	make_kernel(0, &r);
	make_kernel(1, &k);
	assert_int_equal(kbtf_btf_delta_make(r.data, r.size, k.data, k.size, &d, &st), 0);
	assert_true(kbtf_btf_delta_has_magic(d.data, d.size));
	assert_int_equal(kbtf_btf_delta_ref(d.data, d.size, &hash, &size), 0);
	assert_int_equal(size, r.size);
	if (kbtf_btf_delta_apply(r.data, r.size, d.data, d.size, "t", &o))
		fail_msg("%s", kbtf_errstr());
	assert_int_equal(o.size, k.size);
	assert_memory_equal(o.data, k.data, k.size);
	/* every type is accounted for, almost all come from the reference */
	assert_int_equal(st.copied + st.literal, st.nr_types);
	assert_true(st.copied >= st.nr_types * 9 / 10);
	/* the new types and the changed struct's neighbourhood, no more */
	assert_true(st.literal >= 3 && st.literal <= 16);
	assert_true(st.size < k.size / 4);
	kbtf_buf_release(&o);
	/* a reference at an odd address (parsed in a copy) makes the same delta */
	{
		uint8_t *odd = malloc(r.size + 1);
		struct kbtf_buf d2;

		assert_non_null(odd);
		memcpy(odd + 1, r.data, r.size);
		assert_int_equal(kbtf_btf_delta_make(odd + 1, r.size, k.data, k.size, &d2, &st), 0);
		assert_int_equal(d2.size, d.size);
		assert_memory_equal(d2.data, d.data, d.size);
		assert_int_equal(kbtf_btf_delta_apply(odd + 1, r.size, d.data, d.size, "t", &o), 0);
		assert_memory_equal(o.data, k.data, k.size);
		kbtf_buf_release(&o);
		kbtf_buf_release(&d2);
		free(odd);
	}
	kbtf_buf_release(&d);
	/* a kernel against itself is one run and no literals */
	assert_int_equal(kbtf_btf_delta_make(r.data, r.size, r.data, r.size, &d, &st), 0);
	assert_int_equal(st.literal, 0);
	assert_int_equal(st.type_runs, 1);
	assert_int_equal(kbtf_btf_delta_apply(r.data, r.size, d.data, d.size, "t", &o), 0);
	assert_memory_equal(o.data, r.data, r.size);
	kbtf_buf_release(&o);
	kbtf_buf_release(&d);
	kbtf_buf_release(&r);
	kbtf_buf_release(&k);
}

/* Every one-byte change and every truncation is refused, never believed. */
static void test_damage_refused(void **state)
{
	struct kbtf_buf r, k, d, o;
	struct kbtf_btf_delta_stats st;
	uint8_t *copy;
	size_t i;

	(void)state;
	make_kernel(0, &r);
	make_kernel(1, &k);
	assert_int_equal(kbtf_btf_delta_make(r.data, r.size, k.data, k.size, &d, &st), 0);
	copy = malloc(d.size);
	assert_non_null(copy);
	for (i = 0; i < d.size; i++) {
		memcpy(copy, d.data, d.size);
		copy[i] ^= 0x41;
		assert_int_equal(kbtf_btf_delta_apply(r.data, r.size, copy, d.size, "t", &o),
				 -EINVAL);
		assert_null(o.data);
	}
	for (i = 0; i < d.size; i += 7)
		assert_int_equal(kbtf_btf_delta_apply(r.data, r.size, d.data, i, "t", &o), -EINVAL);
	/* the checksum passes, the reference does not: named as such */
	assert_int_equal(kbtf_btf_delta_apply(k.data, k.size, d.data, d.size, "t", &o), -EINVAL);
	assert_non_null(strstr(kbtf_errstr(), "another reference"));
	free(copy);
	kbtf_buf_release(&d);
	kbtf_buf_release(&r);
	kbtf_buf_release(&k);
}

/* What the delta does not encode is said, and the caller keeps the BTF whole. */
static void test_not_encoded(void **state)
{
	struct kbtf_buf r, k, d;
	struct kbtf_btf_delta_stats st;
	struct kbtf_write_opts big = {.endian = KBTF_ENDIAN_BIG};
	struct kbtf_builder *b = kbtf_builder_new(NULL);

	(void)state;
	make_kernel(0, &r);
	assert_true(kbtf_builder_add_int(b, "int", 4, BTF_INT_SIGNED, 0, 32) > 0);
	assert_int_equal(kbtf_builder_write(b, &big, &k), 0);
	kbtf_builder_free(b);
	assert_int_equal(kbtf_btf_delta_make(r.data, r.size, k.data, k.size, &d, &st), -ENOTSUP);
	assert_null(d.data);
	/* a header longer than what it says the sections are */
	assert_int_equal(kbtf_btf_delta_make(r.data, r.size, r.data, r.size - 1, &d, &st),
			 -ENOTSUP);
	kbtf_buf_release(&r);
	kbtf_buf_release(&k);
}

/* The lazy reader of the delta @d against @r, of @n types. */
static struct kbtf_btf *lazy_open(const struct kbtf_buf *r, const struct kbtf_buf *d, uint32_t n)
{
	struct kbtf_buf rc, dc;
	struct kbtf_btf_delta_src *src;
	struct kbtf_btf *lazy;

	assert_int_equal(kbtf_buf_dup(r->data, r->size, &rc), 0);
	assert_int_equal(kbtf_buf_dup(d->data, d->size, &dc), 0);
	if (kbtf_btf_delta_src_open(&rc, &dc, "t", &src))
		fail_msg("%s", kbtf_errstr());
	if (kbtf_btf_parse_prepared_delta(src, n, "t", &lazy))
		fail_msg("%s", kbtf_errstr());
	return lazy;
}

/*
 * Heads read lazily (kbtf_btf_type_head()), in a stride through all ids,
 * every third record read whole first: each head is the first 12 bytes of
 * the record rebuilt whole, found again (the same bytes) on a second
 * read; a record read whole after its head is whole, and a record read
 * whole first is its own head. The BTF parsed whole gives its records.
 */
static void heads_equal_full(const struct kbtf_buf *r, const struct kbtf_buf *d,
			     const struct kbtf_btf *full, uint32_t n)
{
	struct kbtf_btf *lazy = lazy_open(r, d, n);
	const struct btf_type *a, *b, *h;
	uint32_t j, id;

	for (j = 0; j < n; j++) {
		id = 1 + (uint32_t)((j * 7919ull) % n);
		a = kbtf_btf_type(full, id);
		assert_ptr_equal(kbtf_btf_type_head(full, id), a);
		if (j % 3 == 0) {
			b = kbtf_btf_type(lazy, id);
			assert_memory_equal(a, b, kbtf_type_rec_size(a));
			assert_ptr_equal(kbtf_btf_type_head(lazy, id), b);
			continue;
		}
		h = kbtf_btf_type_head(lazy, id);
		assert_non_null(h);
		assert_memory_equal(a, h, sizeof(*h));
		assert_ptr_equal(kbtf_btf_type_head(lazy, id), h);
	}
	for (id = 1; id <= n; id++) {
		a = kbtf_btf_type(full, id);
		b = kbtf_btf_type(lazy, id);
		assert_int_equal(kbtf_type_rec_size(a), kbtf_type_rec_size(b));
		assert_memory_equal(a, b, kbtf_type_rec_size(a));
		assert_memory_equal(a, kbtf_btf_type_head(lazy, id), sizeof(*a));
	}
	assert_int_equal(kbtf_kind(kbtf_btf_type_head(lazy, 0)), BTF_KIND_UNKN);
	assert_null(kbtf_btf_type_head(lazy, n + 1));
	assert_null(kbtf_btf_type_head(full, n + 1));
	assert_false(kbtf_btf_damaged(lazy));
	kbtf_btf_free(lazy);
}

/* The first literal of the delta @d whose kind @want(kind, vlen) takes: its id and offset. */
static bool literal_where(const struct kbtf_buf *d, bool (*want)(uint32_t kind, uint32_t vlen),
			  uint32_t *id, size_t *at)
{
	struct layout l;
	uint32_t i, info;

	layout_of(d, &l);
	for (i = 0; i < l.nlit; i++) {
		*at = l.lit_rec + get_u32(d, l.lits + 8 * i + 4);
		info = get_u32(d, *at + 4);
		if (want((info >> 24) & 0x1f, info & 0xffff)) {
			*id = get_u32(d, l.lits + 8 * i);
			return true;
		}
	}
	return false;
}

static bool a_struct(uint32_t kind, uint32_t vlen)
{
	return kind == BTF_KIND_STRUCT && vlen > 0;
}

static bool names_a_type(uint32_t kind, uint32_t vlen)
{
	(void)vlen;
	return kind == BTF_KIND_PTR || kind == BTF_KIND_TYPEDEF || kind == BTF_KIND_FUNC ||
	       kind == BTF_KIND_FUNC_PROTO;
}

/*
 * Word @w of literal @id (at @at of the delta @d) set to @v: read head
 * first, then whole. @head_damaged: the head reads as VOID and marks the
 * object damaged, as the record read whole then does; else the head reads
 * as written, and the record whole as VOID (@tail_damaged) or as written.
 */
static void literal_changed(const struct kbtf_buf *r, const struct kbtf_buf *d, uint32_t n,
			    uint32_t id, size_t at, uint32_t w, uint32_t v, bool head_damaged,
			    bool tail_damaged)
{
	struct kbtf_buf dc;
	struct kbtf_btf *lazy;
	const struct btf_type *h, *t;

	assert_int_equal(kbtf_buf_dup(d->data, d->size, &dc), 0);
	put_u32(&dc, at + 4 * w, v);
	lazy = lazy_open(r, &dc, n);
	h = kbtf_btf_type_head(lazy, id);
	assert_non_null(h);
	if (head_damaged) {
		assert_int_equal(kbtf_kind(h), BTF_KIND_UNKN);
		assert_true(kbtf_btf_damaged(lazy));
		assert_int_equal(kbtf_kind(kbtf_btf_type(lazy, id)), BTF_KIND_UNKN);
	} else {
		assert_memory_equal(h, (const uint8_t *)dc.data + at, sizeof(*h));
		assert_false(kbtf_btf_damaged(lazy));
		t = kbtf_btf_type(lazy, id);
		if (tail_damaged) {
			assert_int_equal(kbtf_kind(t), BTF_KIND_UNKN);
			assert_true(kbtf_btf_damaged(lazy));
		} else {
			assert_memory_equal(t, (const uint8_t *)dc.data + at,
					    kbtf_type_rec_size(t));
			assert_false(kbtf_btf_damaged(lazy));
		}
	}
	kbtf_btf_free(lazy);
	kbtf_buf_release(&dc);
}

/*
 * What needs a struct's name or size reads its head alone (a kernel's
 * BTF stored as a delta rebuilds no members for it): struct @id, literal
 * at @at of @d, with a member's name damaged, is sized and named as it
 * is, the object not damaged; its members, read whole, are damaged.
 */
static void head_readers(const struct kbtf_buf *r, const struct kbtf_buf *d, uint32_t n,
			 uint32_t id, size_t at)
{
	struct kbtf_flatlist fl = {0};
	struct kbtf_buf dc;
	struct kbtf_btf *lazy;
	char name[256], want[256];

	assert_int_equal(kbtf_buf_dup(d->data, d->size, &dc), 0);
	put_u32(&dc, at + 12, 0xeeeeeeee);
	lazy = lazy_open(r, &dc, n);
	assert_int_equal(kbtf_type_bits(NULL, lazy, id), 8 * get_u32(&dc, at + 8));
	kbtf_type_name(lazy, id, name, sizeof(name));
	snprintf(want, sizeof(want), "struct %s",
		 kbtf_btf_str(lazy, get_u32(&dc, at)) ? kbtf_btf_str(lazy, get_u32(&dc, at)) : "?");
	assert_string_equal(name, get_u32(&dc, at) ? want : "struct {...}");
	assert_int_equal(kbtf_btf_skip_mods_typedefs(lazy, id), id);
	assert_false(kbtf_btf_damaged(lazy));
	assert_int_equal(kbtf_flatten(lazy, NULL, id, 0, &fl), 0);
	assert_int_equal(fl.n, 0);
	assert_true(kbtf_btf_damaged(lazy));
	free(fl.v);
	kbtf_btf_free(lazy);
	kbtf_buf_release(&dc);
}

/*
 * A literal's head damaged after the tables' checksums (records are
 * checked when read): its name offset past the strings, its kind unknown,
 * its vlen past what its length holds, the type it names out of range,
 * each reads as VOID from kbtf_btf_type_head() and marks the object
 * damaged, never as an invented type. A head reads only what it checks:
 * a member's name damaged leaves the head read as it is, the record whole
 * VOID; a struct's size is no id, read as written.
 */
static void heads_damaged(const struct kbtf_buf *r, const struct kbtf_buf *d, uint32_t n)
{
	uint32_t id = 0, info;
	size_t at = 0;

	assert_true(literal_where(d, a_struct, &id, &at));
	info = get_u32(d, at + 4);
	literal_changed(r, d, n, id, at, 0, 0xeeeeeeee, true, true);
	literal_changed(r, d, n, id, at, 1, 31u << 24 | (info & 0xffff), true, true);
	literal_changed(r, d, n, id, at, 1, info | 1u << 16, true, true);
	literal_changed(r, d, n, id, at, 3, 0xeeeeeeee, false, true);
	literal_changed(r, d, n, id, at, 4, 0x7ffffff0, false, true);
	literal_changed(r, d, n, id, at, 2, 0x12345, false, false);
	head_readers(r, d, n, id, at);
	assert_true(literal_where(d, names_a_type, &id, &at));
	literal_changed(r, d, n, id, at, 2, 0x7ffffff0, true, true);
	literal_changed(r, d, n, id, at, 2, n + 1, true, true);
	literal_changed(r, d, n, id, at, 2, n, false, false);
}

/*
 * The lazy reader (kbtf_btf_parse_prepared_delta): every record and every
 * string read one at a time, in an order that is not the file's, equals
 * the BTF rebuilt whole, and a literal damaged after the tables' checksum
 * marks the object damaged when read, never believed.
 */
static void lazy_equals_full(const struct kbtf_buf *r, const struct kbtf_buf *k, uint32_t str_step)
{
	struct kbtf_btf_delta_stats st;
	struct kbtf_buf d, rc, dc;
	struct kbtf_btf_delta_src *src;
	struct kbtf_btf *full, *lazy;
	uint32_t n, i, id, j;

	assert_int_equal(kbtf_btf_delta_make(r->data, r->size, k->data, k->size, &d, &st), 0);
	assert_int_equal(kbtf_btf_parse(k->data, k->size, NULL, &full), 0);
	n = kbtf_btf_type_cnt(full) - 1;
	assert_int_equal(kbtf_buf_dup(r->data, r->size, &rc), 0);
	assert_int_equal(kbtf_buf_dup(d.data, d.size, &dc), 0);
	if (kbtf_btf_delta_src_open(&rc, &dc, "t", &src))
		fail_msg("%s", kbtf_errstr());
	if (kbtf_btf_parse_prepared_delta(src, n, "t", &lazy))
		fail_msg("%s", kbtf_errstr());
	for (j = 0; j < n; j++) {
		const struct btf_type *a, *b;
		const char *sa, *sb;

		id = 1 + (uint32_t)((j * 7919ull) % n); /* a stride through all ids */
		a = kbtf_btf_type(full, id);
		b = kbtf_btf_type(lazy, id);
		assert_int_equal(kbtf_type_rec_size(a), kbtf_type_rec_size(b));
		assert_memory_equal(a, b, kbtf_type_rec_size(a));
		sa = kbtf_btf_str(full, a->name_off);
		sb = kbtf_btf_str(lazy, b->name_off);
		assert_non_null(sb);
		assert_string_equal(sa, sb);
	}
	assert_false(kbtf_btf_damaged(lazy));
	heads_equal_full(r, &d, full, n);
	if (st.literal)
		heads_damaged(r, &d, n);
	assert_int_equal(kbtf_btf_str_len(lazy), kbtf_btf_str_len(full));
	for (i = 0; i < kbtf_btf_str_len(full); i += 1 + (uint32_t)strlen(kbtf_btf_str(full, i)))
		assert_string_equal(kbtf_btf_str(full, i), kbtf_btf_str(lazy, i));
	/* any offset, a name's tail too: read in place (in the reference's
	 * strings or the literal bytes) or copied, the same string */
	for (i = 0; i < kbtf_btf_str_len(full); i += str_step)
		assert_string_equal(kbtf_btf_str(full, i), kbtf_btf_str(lazy, i));
	kbtf_btf_free(lazy);
	/* a literal's name offset changed: the tables' checksums still
	 * pass, the record's check on first read does not */
	if (st.literal) {
		struct layout l;
		uint32_t lit_id;

		assert_int_equal(kbtf_buf_dup(d.data, d.size, &dc), 0);
		layout_of(&dc, &l);
		lit_id = get_u32(&dc, l.lits);
		memset((uint8_t *)dc.data + l.lit_rec, 0xee, 4);
		assert_int_equal(kbtf_buf_dup(r->data, r->size, &rc), 0);
		assert_int_equal(kbtf_btf_delta_src_open(&rc, &dc, "t", &src), 0);
		assert_int_equal(kbtf_btf_parse_prepared_delta(src, n, "t", &lazy), 0);
		assert_int_equal(kbtf_kind(kbtf_btf_type(lazy, lit_id)), BTF_KIND_UNKN);
		assert_true(kbtf_btf_damaged(lazy));
		kbtf_btf_free(lazy);
	}
	kbtf_btf_free(full);
	kbtf_buf_release(&d);
}

static void test_lazy(void **state)
{
	struct kbtf_buf r, k;

	(void)state;
	make_kernel(0, &r);
	make_kernel(1, &k);
	lazy_equals_full(&r, &k, 1);
	lazy_equals_full(&k, &r, 1);
	lazy_equals_full(&r, &r, 1);
	kbtf_buf_release(&r);
	kbtf_buf_release(&k);
}

/* Where the delta @d says R's record CK_IDS * @c is (its checkpoint @c). */
static uint8_t *checkpoint_at(const struct kbtf_buf *d, uint32_t c)
{
	struct layout l;

	layout_of(d, &l);
	return (uint8_t *)d->data + l.ck + 4 * c;
}

/* The lazy reader of @d against @r, every record read: damaged or not. */
static bool lazy_damaged(const struct kbtf_buf *r, const struct kbtf_buf *d, uint32_t n,
			 uint32_t *void_ids)
{
	struct kbtf_buf rc, dc;
	struct kbtf_btf_delta_src *src;
	struct kbtf_btf *lazy;
	bool damaged;
	uint32_t id;

	assert_int_equal(kbtf_buf_dup(r->data, r->size, &rc), 0);
	assert_int_equal(kbtf_buf_dup(d->data, d->size, &dc), 0);
	if (kbtf_btf_delta_src_open(&rc, &dc, "t", &src))
		fail_msg("%s", kbtf_errstr());
	if (kbtf_btf_parse_prepared_delta(src, n, "t", &lazy))
		fail_msg("%s", kbtf_errstr());
	*void_ids = 0;
	for (id = 1; id <= n; id++)
		*void_ids += kbtf_kind(kbtf_btf_type(lazy, id)) == BTF_KIND_UNKN;
	damaged = kbtf_btf_damaged(lazy);
	kbtf_btf_free(lazy);
	return damaged;
}

/*
 * The lazy reader of @d against @r, every record and every string read:
 * damaged, or each the same as in @full. Never another answer. Likewise
 * a second reader of every head alone (kbtf_btf_type_head()).
 */
static bool lazy_same_or_damaged(const struct kbtf_buf *r, const struct kbtf_buf *d,
				 const struct kbtf_btf *full, uint32_t n)
{
	struct kbtf_buf rc, dc;
	struct kbtf_btf_delta_src *src;
	struct kbtf_btf *lazy;
	bool same = true, damaged;
	uint32_t id, i;

	assert_int_equal(kbtf_buf_dup(r->data, r->size, &rc), 0);
	assert_int_equal(kbtf_buf_dup(d->data, d->size, &dc), 0);
	if (kbtf_btf_delta_src_open(&rc, &dc, "t", &src))
		fail_msg("%s", kbtf_errstr());
	if (kbtf_btf_parse_prepared_delta(src, n, "t", &lazy))
		return true; /* refused when first read: its string section's ends */
	for (id = 1; id <= n; id++) {
		const struct btf_type *a = kbtf_btf_type(full, id), *b = kbtf_btf_type(lazy, id);

		same = same && kbtf_type_rec_size(a) == kbtf_type_rec_size(b) &&
		       !memcmp(a, b, kbtf_type_rec_size(a));
	}
	for (i = 0; i < kbtf_btf_str_len(full); i += 1 + (uint32_t)strlen(kbtf_btf_str(full, i))) {
		const char *b = kbtf_btf_str(lazy, i);

		same = same && b && !strcmp(kbtf_btf_str(full, i), b);
	}
	damaged = kbtf_btf_damaged(lazy);
	kbtf_btf_free(lazy);
	if (!damaged && !same)
		fail_msg("a changed delta gave another answer, not marked damaged");
	lazy = lazy_open(r, d, n);
	for (id = 1, same = true; id <= n; id++)
		same = same && !memcmp(kbtf_btf_type(full, id), kbtf_btf_type_head(lazy, id), 12);
	if (!kbtf_btf_damaged(lazy) && !same)
		fail_msg("a changed delta gave another head, not marked damaged");
	damaged = damaged || kbtf_btf_damaged(lazy);
	kbtf_btf_free(lazy);
	return damaged;
}

/*
 * A flip in the header is refused when the reader opens the delta (its
 * checksum). A flip in the tables (runs and orders, literals' ids and
 * offsets, the reference's checkpoints, the lookup buckets, the blocks'
 * checksums) is found where a lookup first reads its block: the reads
 * that reach it mark the kernel damaged, never another answer; one no
 * read reaches changes no answer. Every flip in the first block (the
 * type runs every record lookup reads) is found. The reference's
 * checkpoints are also checked where a read walks from one: one out of
 * range, the checksums made to pass, marks the records behind it
 * damaged when they are read, never read outside the reference.
 */
static void test_lazy_checks(void **state)
{
	struct kbtf_buf r, k, d, rc, dc;
	struct kbtf_btf_delta_stats st;
	struct kbtf_btf_delta_src *src;
	struct kbtf_btf *full;
	struct layout l;
	uint32_t n, voids, bad, found = 0;
	size_t i;

	(void)state;
	make_kernel(0, &r);
	make_kernel(1, &k);
	assert_int_equal(kbtf_btf_delta_make(r.data, r.size, k.data, k.size, &d, &st), 0);
	assert_int_equal(kbtf_btf_parse(k.data, k.size, NULL, &full), 0);
	n = st.nr_types;
	layout_of(&d, &l);
	assert_true(l.nblocks >= 4);
	/* every byte of the header but the whole file's checksum (bytes
	 * 80-87, the whole rebuild's): refused when the reader opens it */
	for (i = 0; i < l.tables; i++) {
		if (i >= 80 && i < 88)
			continue;
		assert_int_equal(kbtf_buf_dup(r.data, r.size, &rc), 0);
		assert_int_equal(kbtf_buf_dup(d.data, d.size, &dc), 0);
		((uint8_t *)dc.data)[i] ^= 0x10;
		assert_int_equal(kbtf_btf_delta_src_open(&rc, &dc, "t", &src), -EINVAL);
		assert_null(src);
	}
	/* every byte of the tables and their checksums */
	assert_false(lazy_same_or_damaged(&r, &d, full, n));
	for (i = l.tables; i < l.lit_rec; i++) {
		bool damaged;

		assert_int_equal(kbtf_buf_dup(d.data, d.size, &dc), 0);
		((uint8_t *)dc.data)[i] ^= 0x10;
		damaged = lazy_same_or_damaged(&r, &dc, full, n);
		if (i < l.tables + 256 && !damaged)
			fail_msg("byte %zu of the first block: not found", i - l.tables);
		found += damaged;
		kbtf_buf_release(&dc);
	}
	assert_true(found > (l.lit_rec - l.tables) * 9 / 10);
	assert_false(lazy_damaged(&r, &d, n, &voids));
	assert_int_equal(voids, 0);
	/* the second checkpoint past the reference's types, sealed: the whole
	 * rebuild refuses it, the lazy reader where it walks from it */
	for (bad = 0; bad < 2; bad++) {
		uint32_t v = bad ? 0xfffffff0u : 2;

		assert_int_equal(kbtf_buf_dup(d.data, d.size, &dc), 0);
		memcpy(checkpoint_at(&dc, 1), &v, 4);
		kbtf_btf_delta_seal(dc.data, dc.size, r.data, r.size);
		assert_int_equal(kbtf_btf_delta_apply(r.data, r.size, dc.data, dc.size, "t", &rc),
				 -EINVAL);
		assert_true(lazy_damaged(&r, &dc, n, &voids));
		assert_true(voids > 0 && voids <= 16);
		kbtf_buf_release(&dc);
	}
	kbtf_btf_free(full);
	kbtf_buf_release(&d);
	kbtf_buf_release(&r);
	kbtf_buf_release(&k);
}

/*
 * A real pair when the test cache has it (bookworm's 6.12.113 and 6.12.117
 * amd64 images, as tests/lib/debfetch.sh stores them): every id read
 * lazily equals the BTF rebuilt whole, which equals 6.12.117's own.
 */
static void test_lazy_real(void **state)
{
	const char *cache = getenv("KBTF_TEST_CACHE");
	char a[512], b[512];
	struct kbtf_kernel *ka = NULL, *kb = NULL;
	struct kbtf_buf d, o;
	struct kbtf_btf_delta_stats st;
	FILE *f;

	(void)state;
	cache = cache ? cache : "/var/cache/kbtf-test";
	snprintf(a, sizeof(a),
		 "%s/debs/bookworm/linux-image-6.12.113+deb12-amd64_6.12.113-1~deb12u1_amd64.deb",
		 cache);
	snprintf(b, sizeof(b),
		 "%s/debs/bookworm/linux-image-6.12.117+deb12-amd64_6.12.117-1~deb12u1_amd64.deb",
		 cache);
	if (!(f = fopen(a, "rb")))
		skip();
	fclose(f);
	if (!(f = fopen(b, "rb")))
		skip();
	fclose(f);
	if (kbtf_kernel_open(a, NULL, &ka) || kbtf_kernel_open(b, NULL, &kb))
		fail_msg("%s", kbtf_errstr());
	assert_int_equal(kbtf_btf_delta_make(ka->btf_raw.data, ka->btf_raw.size, kb->btf_raw.data,
					     kb->btf_raw.size, &d, &st),
			 0);
	assert_true(st.size < kb->btf_raw.size / 20);
	assert_int_equal(
	    kbtf_btf_delta_apply(ka->btf_raw.data, ka->btf_raw.size, d.data, d.size, "t", &o), 0);
	assert_int_equal(o.size, kb->btf_raw.size);
	assert_memory_equal(o.data, kb->btf_raw.data, o.size);
	kbtf_buf_release(&o);
	kbtf_buf_release(&d);
	lazy_equals_full(&ka->btf_raw, &kb->btf_raw, 97);
	kbtf_kernel_free(ka);
	kbtf_kernel_free(kb);
}

/*
 * The delta @d with @what done to its tables, sealed (every checksum
 * passes): refused by the whole rebuild (kbtf kernels check) as a
 * damaged delta saying @why; the lazy reader, which believes tables
 * whose blocks' checksums hold as it believes any sealed file, reads
 * every record and string of it inside the delta and the reference.
 */
static void refused_sealed(const struct kbtf_buf *r, const struct kbtf_buf *d, size_t at,
			   uint32_t v, const char *why)
{
	struct kbtf_buf rc, dc, o;
	struct kbtf_btf_delta_src *src;

	assert_int_equal(kbtf_buf_dup(d->data, d->size, &dc), 0);
	put_u32(&dc, at, v);
	kbtf_btf_delta_seal(dc.data, dc.size, r->data, r->size);
	assert_int_equal(kbtf_btf_delta_apply(r->data, r->size, dc.data, dc.size, "t", &o),
			 -EINVAL);
	assert_non_null(strstr(kbtf_errstr(), "damaged BTF delta"));
	assert_non_null(strstr(kbtf_errstr(), why));
	if (!strstr(kbtf_errstr(), why))
		fail_msg("%s: wanted %s", kbtf_errstr(), why);
	assert_int_equal(kbtf_buf_dup(r->data, r->size, &rc), 0);
	assert_int_equal(kbtf_btf_delta_src_open(&rc, &dc, "t", &src), 0);
	{
		struct kbtf_btf *lazy;
		uint32_t id, nk, i;

		nk = get_u32(d, 44);
		if (!kbtf_btf_parse_prepared_delta(src, nk, "t", &lazy)) {
			for (id = 1; id <= nk; id++)
				(void)kbtf_btf_type(lazy, id);
			for (i = 0; i < kbtf_btf_str_len(lazy); i += 7)
				(void)kbtf_btf_str(lazy, i);
			kbtf_btf_free(lazy);
		}
	}
}

/*
 * Tables whose checksums pass but whose runs, orders, literals or
 * lookup buckets are wrong: each refused by the whole rebuild with the
 * check's own reason. The R orders are checked without a table of the
 * indices seen: a run listed twice, or out of order, or an index past
 * the runs, is still caught.
 */
static void test_tables_refused(void **state)
{
	struct kbtf_buf r, k, d;
	struct kbtf_btf_delta_stats st;
	struct layout l;
	uint32_t t0, t1, s0, s1;

	(void)state;
	make_kernel(0, &r);
	make_kernel(1, &k);
	assert_int_equal(kbtf_btf_delta_make(r.data, r.size, k.data, k.size, &d, &st), 0);
	layout_of(&d, &l);
	assert_true(l.ntr >= 2 && l.nsr >= 2 && l.nlit >= 2);
	t0 = get_u32(&d, l.tperm);
	t1 = get_u32(&d, l.tperm + 4);
	s0 = get_u32(&d, l.sperm);
	s1 = get_u32(&d, l.sperm + 4);
	/* R orders: a run twice, two swapped, an index past the runs */
	refused_sealed(&r, &d, l.tperm + 4, t0, "type runs out of order in the reference");
	refused_sealed(&r, &d, l.tperm, t1, "type runs out of order in the reference");
	refused_sealed(&r, &d, l.tperm + 4 * (l.ntr - 1), get_u32(&d, l.tperm),
		       "type runs out of order in the reference");
	refused_sealed(&r, &d, l.tperm, l.ntr, "type runs out of order in the reference");
	refused_sealed(&r, &d, l.sperm + 4, s0, "string runs out of order in the reference");
	refused_sealed(&r, &d, l.sperm, s1, "string runs out of order in the reference");
	refused_sealed(&r, &d, l.sperm, l.nsr, "string runs out of order in the reference");
	/* two runs overlapping in R: the second starts inside the first */
	refused_sealed(&r, &d, l.tr + 16 * t1 + 4, get_u32(&d, l.tr + 16 * t0 + 4),
		       "type runs out of order in the reference");
	refused_sealed(&r, &d, l.sr + 16 * s1 + 4, get_u32(&d, l.sr + 16 * s0 + 4),
		       "string runs out of order in the reference");
	/* K order and ranges: runs overlapping, empty, past the end */
	refused_sealed(&r, &d, l.tr + 16, get_u32(&d, l.tr), "type run out of range or order");
	refused_sealed(&r, &d, l.tr + 8, 0, "type run out of range or order");
	refused_sealed(&r, &d, l.tr + 4, l.r_nr, "type run out of range or order");
	refused_sealed(&r, &d, l.tr + 12, 2, "type run out of range or order");
	refused_sealed(&r, &d, l.sr + 16, get_u32(&d, l.sr), "string run out of range or order");
	refused_sealed(&r, &d, l.sr + 8, 0, "string run out of range or order");
	/* a string run's literal bytes before it */
	refused_sealed(&r, &d, l.sr + 16 + 12, get_u32(&d, l.sr + 16 + 12) + 1,
		       "literal strings do not fill the gaps");
	/* the lookups: a K id's, a K string's, an R id's and an R string's bucket */
	refused_sealed(&r, &d, l.tb + 4, get_u32(&d, l.tb + 4) + 1,
		       "lookup buckets are not the tables'");
	refused_sealed(&r, &d, l.lb, get_u32(&d, l.lb) + 1, "lookup buckets are not the tables'");
	refused_sealed(&r, &d, l.sb, get_u32(&d, l.sb) + 1, "lookup buckets are not the tables'");
	refused_sealed(&r, &d, l.rtb, get_u32(&d, l.rtb) + 1, "lookup buckets are not the tables'");
	refused_sealed(&r, &d, l.rsb + 4 * ((l.r_strs >> 12)), 0,
		       "lookup buckets are not the tables'");
	/* literals: ids or offsets not ascending, an offset not aligned, an id past K's */
	refused_sealed(&r, &d, l.lits + 8, get_u32(&d, l.lits), "literal out of range or order");
	refused_sealed(&r, &d, l.lits + 12, get_u32(&d, l.lits + 4),
		       "literal out of range or order");
	refused_sealed(&r, &d, l.lits + 4, 2, "literal out of range or order");
	refused_sealed(&r, &d, l.lits + 8 * (l.nlit - 1), st.nr_types + 1,
		       "literal out of range or order");
	refused_sealed(&r, &d, l.lits, 0, "literal out of range or order");
	kbtf_buf_release(&d);
	kbtf_buf_release(&r);
	kbtf_buf_release(&k);
}

/*
 * The delta @d with string run @at shortened by its last byte, moved to
 * the literal bytes after it as @byte, sealed (into @out).
 */
static void run_cut(const struct kbtf_buf *r, const struct kbtf_buf *d, uint32_t at, char byte,
		    struct kbtf_buf *out)
{
	struct layout l;
	uint32_t i, k_off, gap = 0, prev_end = 0;
	size_t ins;
	uint8_t *p;

	layout_of(d, &l);
	for (i = 0; i <= at; i++) {
		k_off = get_u32(d, l.sr + 16 * i);
		gap += k_off - prev_end;
		prev_end = k_off + get_u32(d, l.sr + 16 * i + 8);
	}
	/* the literal bytes of the gap after the run start at @gap */
	ins = l.lit_str + gap;
	out->size = d->size + 1;
	out->data = p = malloc(out->size);
	out->owner = KBTF_BUF_HEAP;
	assert_non_null(p);
	memcpy(p, d->data, ins);
	p[ins] = (uint8_t)byte;
	memcpy(p + ins + 1, (const uint8_t *)d->data + ins, d->size - ins);
	put_u32(out, l.sr + 16 * at + 8, get_u32(d, l.sr + 16 * at + 8) - 1);
	/* the runs after it have one more literal byte before them */
	for (i = at + 1; i < l.nsr; i++)
		put_u32(out, l.sr + 16 * i + 12, get_u32(d, l.sr + 16 * i + 12) + 1);
	put_u32(out, 72, l.str_lit + 1);
	kbtf_btf_delta_seal(out->data, out->size, r->data, r->size);
}

/*
 * A string run whose reference bytes do not end in a NUL (the maker never
 * writes one: its runs are whole strings): a string that spans the run's
 * end is copied from the run and the literal bytes after it, never read
 * in place on into the reference's next bytes. With the run's NUL moved
 * to the literal bytes the delta still rebuilds the kernel's bytes; with
 * another byte there, the run's last string continues into the next one.
 */
static void test_run_open_end(void **state)
{
	struct kbtf_buf r, k, d, dc, rc;
	struct kbtf_btf_delta_stats st;
	struct kbtf_btf_delta_src *src;
	struct kbtf_btf *full, *lazy;
	struct layout l;
	uint32_t i, at = 0, len = 0, k_off, n, last;
	char want[512];

	(void)state;
	make_kernel(0, &r);
	make_kernel(1, &k);
	assert_int_equal(kbtf_btf_delta_make(r.data, r.size, k.data, k.size, &d, &st), 0);
	layout_of(&d, &l);
	for (i = 0; i < l.nsr; i++)
		if (get_u32(&d, l.sr + 16 * i + 8) > len) {
			len = get_u32(&d, l.sr + 16 * i + 8);
			at = i;
		}
	assert_true(len > 16);
	k_off = get_u32(&d, l.sr + 16 * at);
	assert_int_equal(kbtf_btf_parse(k.data, k.size, NULL, &full), 0);
	assert_true(k_off + len < kbtf_btf_str_len(full));
	n = kbtf_btf_type_cnt(full) - 1;
	/* the NUL moved: the same kernel, every string and record */
	run_cut(&r, &d, at, 0, &dc);
	assert_int_equal(kbtf_btf_delta_apply(r.data, r.size, dc.data, dc.size, "t", &rc), 0);
	assert_int_equal(rc.size, k.size);
	assert_memory_equal(rc.data, k.data, k.size);
	kbtf_buf_release(&rc);
	assert_int_equal(kbtf_buf_dup(r.data, r.size, &rc), 0);
	if (kbtf_btf_delta_src_open(&rc, &dc, "t", &src))
		fail_msg("%s", kbtf_errstr());
	assert_int_equal(kbtf_btf_parse_prepared_delta(src, n, "t", &lazy), 0);
	for (i = 0; i < 2 * len; i++) /* twice: the second time the run's end is known */
		assert_string_equal(kbtf_btf_str(full, k_off + i % len),
				    kbtf_btf_str(lazy, k_off + i % len));
	for (i = 1; i <= n; i++)
		assert_memory_equal(kbtf_btf_type(full, i), kbtf_btf_type(lazy, i),
				    kbtf_type_rec_size(kbtf_btf_type(full, i)));
	assert_false(kbtf_btf_damaged(lazy));
	kbtf_btf_free(lazy);
	/* a '#' there instead: the run's last string runs on into the next */
	run_cut(&r, &d, at, '#', &dc);
	assert_int_equal(kbtf_buf_dup(r.data, r.size, &rc), 0);
	if (kbtf_btf_delta_src_open(&rc, &dc, "t", &src))
		fail_msg("%s", kbtf_errstr());
	assert_int_equal(kbtf_btf_parse_prepared_delta(src, n, "t", &lazy), 0);
	for (last = k_off + len - 2; last > k_off && kbtf_btf_str(full, last - 1)[0]; last--)
		;
	for (i = 0; i < 2; i++) {
		snprintf(want, sizeof(want), "%s#%s", kbtf_btf_str(full, last),
			 kbtf_btf_str(full, k_off + len));
		assert_string_equal(kbtf_btf_str(lazy, last), want);
		snprintf(want, sizeof(want), "%s#%s", kbtf_btf_str(full, k_off + len - 2),
			 kbtf_btf_str(full, k_off + len));
		assert_string_equal(kbtf_btf_str(lazy, k_off + len - 2), want);
	}
	kbtf_btf_free(lazy);
	kbtf_btf_free(full);
	kbtf_buf_release(&d);
	kbtf_buf_release(&r);
	kbtf_buf_release(&k);
}

/*
 * The byte hash a delta names its reference and its result by (and the
 * profile index its blocks): stored in files, so its values never change
 * however it is computed. These are the values of the word-at-a-time
 * loop it started as, over every tail length and an unaligned start.
 */
static void test_hash_pinned(void **state)
{
	static const struct {
		size_t len;
		uint64_t hash;
	} want[] = {
	    {0, 0x14650fb0739d0383ull},	   {1, 0x44bda4d473cdc534ull},
	    {7, 0xf436406ce4d3cdf7ull},	   {8, 0xc4902bd7ee61d8c1ull},
	    {9, 0x62cbb0ea1039596cull},	   {31, 0x9efe487ef4cc0112ull},
	    {32, 0x32777b67753935dfull},   {33, 0x54c0c9519242beebull},
	    {63, 0x58893336be8f19b2ull},   {64, 0x0bcce9eb8d54aae6ull},
	    {65, 0x9cdc9e42bf066c1eull},   {100, 0xff80ff2e6df90a8bull},
	    {1000, 0xda1eb224e9793124ull}, {1099, 0x3cced26d368c4478ull},
	};
	static uint8_t buf[1100];
	uint32_t x = 1;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(buf); i++) {
		x = x * 1103515245u + 12345u;
		buf[i] = (uint8_t)(x >> 16);
	}
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_int_equal(kbtf_hash_bytes(buf + 1, want[i].len), want[i].hash);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_roundtrip),	   cmocka_unit_test(test_damage_refused),
	    cmocka_unit_test(test_not_encoded),	   cmocka_unit_test(test_lazy),
	    cmocka_unit_test(test_lazy_real),	   cmocka_unit_test(test_lazy_checks),
	    cmocka_unit_test(test_tables_refused), cmocka_unit_test(test_run_open_end),
	    cmocka_unit_test(test_hash_pinned),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
