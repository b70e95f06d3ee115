// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The BTF model: every kind survives build -> write -> parse with the same
 * facts; byte order; split numbering; the name index; and each structural
 * rejection rule, checked on hand-broken blobs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <errno.h>
#include <cmocka.h>

#include "kbtf/btf.h"
#include "kbtf/builder.h"
#include "kbtf/err.h"

/* One of every kind, ids in order of creation (see each comment). */
static struct kbtf_builder *every_kind(void)
{
	struct kbtf_builder *b = kbtf_builder_new(NULL);

	assert_non_null(b);
	assert_int_equal(kbtf_builder_add_int(b, "int", 4, BTF_INT_SIGNED, 0, 32), 1);
	assert_int_equal(kbtf_builder_add_ptr(b, 1), 2);
	assert_int_equal(kbtf_builder_add_array(b, 1, 1, 7), 3);
	assert_int_equal(kbtf_builder_add_struct(b, "pair", 8), 4);
	assert_int_equal(kbtf_builder_add_member(b, "a", 1, 0, 0), 0);
	assert_int_equal(kbtf_builder_add_member(b, "b", 1, 32, 3), 0); /* bitfield */
	assert_int_equal(kbtf_builder_add_union(b, "u", 4), 5);
	assert_int_equal(kbtf_builder_add_member(b, "x", 1, 0, 0), 0);
	assert_int_equal(kbtf_builder_add_enum(b, "color", 4, true), 6);
	assert_int_equal(kbtf_builder_add_enum_value(b, "RED", -1), 0);
	assert_int_equal(kbtf_builder_add_enum_value(b, "BLUE", 2), 0);
	assert_int_equal(kbtf_builder_add_fwd(b, "opaque", true), 7);
	assert_int_equal(kbtf_builder_add_typedef(b, "int_t", 1), 8);
	assert_int_equal(kbtf_builder_add_volatile(b, 1), 9);
	assert_int_equal(kbtf_builder_add_const(b, 1), 10);
	assert_int_equal(kbtf_builder_add_restrict(b, 2), 11);
	assert_int_equal(kbtf_builder_add_func_proto(b, 1), 12);
	assert_int_equal(kbtf_builder_add_param(b, "p", 2), 0);
	assert_int_equal(kbtf_builder_add_func(b, "f", BTF_FUNC_GLOBAL, 12), 13);
	assert_int_equal(kbtf_builder_add_var(b, "v", 1, BTF_VAR_GLOBAL_ALLOCATED), 14);
	assert_int_equal(kbtf_builder_add_datasec(b, ".data", 8), 15);
	assert_int_equal(kbtf_builder_add_secinfo(b, 14, 0, 4), 0);
	assert_int_equal(kbtf_builder_add_float(b, "double", 8), 16);
	assert_int_equal(kbtf_builder_add_decl_tag(b, "tag", 4, 1), 17);
	assert_int_equal(kbtf_builder_add_type_tag(b, "user", 1), 18);
	assert_int_equal(kbtf_builder_add_enum64(b, "big", 8, false), 19);
	assert_int_equal(kbtf_builder_add_enum64_value(b, "HUGE", 0x123456789ull), 0);
	return b;
}

static struct kbtf_btf *parse_ok(struct kbtf_buf *raw, const struct kbtf_btf *base)
{
	struct kbtf_parse_opts o = {.base = base, .name = "test"};
	struct kbtf_btf *btf = NULL;
	int err = kbtf_btf_parse(raw->data, raw->size, &o, &btf);

	if (err)
		fail_msg("parse failed: %s", kbtf_errstr());
	return btf;
}

static void check_every_kind(const struct kbtf_btf *btf)
{
	const struct btf_type *t;

	assert_int_equal(kbtf_btf_type_cnt(btf), 20);
	static const uint32_t kinds[20] = {
	    0,
	    BTF_KIND_INT,
	    BTF_KIND_PTR,
	    BTF_KIND_ARRAY,
	    BTF_KIND_STRUCT,
	    BTF_KIND_UNION,
	    BTF_KIND_ENUM,
	    BTF_KIND_FWD,
	    BTF_KIND_TYPEDEF,
	    BTF_KIND_VOLATILE,
	    BTF_KIND_CONST,
	    BTF_KIND_RESTRICT,
	    BTF_KIND_FUNC_PROTO,
	    BTF_KIND_FUNC,
	    BTF_KIND_VAR,
	    BTF_KIND_DATASEC,
	    BTF_KIND_FLOAT,
	    BTF_KIND_DECL_TAG,
	    BTF_KIND_TYPE_TAG,
	    BTF_KIND_ENUM64,
	};

	for (uint32_t id = 1; id < 20; id++)
		assert_int_equal(kbtf_kind(kbtf_btf_type(btf, id)), kinds[id]);
	t = kbtf_btf_type(btf, 1);
	assert_string_equal(kbtf_btf_str(btf, t->name_off), "int");
	assert_int_equal(t->size, 4);
	assert_int_equal(kbtf_int_word(t) >> 24, BTF_INT_SIGNED);
	assert_int_equal(kbtf_int_word(t) & 0xff, 32);
	assert_int_equal(kbtf_array(kbtf_btf_type(btf, 3))->nelems, 7);
	t = kbtf_btf_type(btf, 4);
	assert_int_equal(kbtf_vlen(t), 2);
	assert_true(kbtf_kflag(t));
	assert_int_equal(kbtf_member_bit_offset(t, &kbtf_members(t)[1]), 32);
	assert_int_equal(kbtf_member_bitfield_size(t, &kbtf_members(t)[1]), 3);
	assert_string_equal(kbtf_btf_str(btf, kbtf_members(t)[1].name_off), "b");
	t = kbtf_btf_type(btf, 6);
	assert_true(kbtf_kflag(t));
	assert_int_equal(kbtf_enums(t)[0].val, -1);
	assert_true(kbtf_kflag(kbtf_btf_type(btf, 7)));
	assert_int_equal(kbtf_vlen(kbtf_btf_type(btf, 13)), BTF_FUNC_GLOBAL);
	assert_int_equal(kbtf_var(kbtf_btf_type(btf, 14))->linkage, BTF_VAR_GLOBAL_ALLOCATED);
	assert_int_equal(kbtf_secinfos(kbtf_btf_type(btf, 15))[0].size, 4);
	assert_int_equal(kbtf_decl_tag(kbtf_btf_type(btf, 17))->component_idx, 1);
	t = kbtf_btf_type(btf, 19);
	assert_int_equal(kbtf_enum64s(t)[0].val_lo32, 0x23456789);
	assert_int_equal(kbtf_enum64s(t)[0].val_hi32, 0x1);
	assert_null(kbtf_btf_type(btf, 20));
	assert_int_equal(kbtf_kind(kbtf_btf_type(btf, 0)), BTF_KIND_UNKN);
}

static void test_every_kind_round_trip(void **state)
{
	struct kbtf_builder *b = every_kind();
	struct kbtf_buf raw;
	struct kbtf_btf *btf;

	assert_int_equal(kbtf_builder_write(b, NULL, &raw), 0);
	btf = parse_ok(&raw, NULL);
	check_every_kind(btf);
	assert_int_equal(kbtf_btf_hdr_len(btf), 24);
	kbtf_btf_free(btf);
	kbtf_buf_release(&raw);
	kbtf_builder_free(b);
}

static void test_both_byte_orders(void **state)
{
	struct kbtf_builder *b = every_kind();
	struct kbtf_write_opts le = {.endian = KBTF_ENDIAN_LITTLE};
	struct kbtf_write_opts be = {.endian = KBTF_ENDIAN_BIG};
	struct kbtf_buf rle, rbe;
	struct kbtf_btf *x, *y;

	assert_int_equal(kbtf_builder_write(b, &le, &rle), 0);
	assert_int_equal(kbtf_builder_write(b, &be, &rbe), 0);
	assert_int_equal(rle.data[0], 0x9f);
	assert_int_equal(rle.data[1], 0xeb);
	assert_int_equal(rbe.data[0], 0xeb);
	assert_int_equal(rbe.data[1], 0x9f);
	assert_int_equal(rle.size, rbe.size);
	x = parse_ok(&rle, NULL);
	y = parse_ok(&rbe, NULL);
	assert_int_equal(kbtf_btf_endian(x), KBTF_ENDIAN_LITTLE);
	assert_int_equal(kbtf_btf_endian(y), KBTF_ENDIAN_BIG);
	check_every_kind(y);
	/* the swapped copy holds exactly the native records */
	for (uint32_t id = 1; id < 20; id++)
		assert_memory_equal(kbtf_btf_type(x, id), kbtf_btf_type(y, id),
				    kbtf_type_rec_size(kbtf_btf_type(x, id)));
	kbtf_btf_free(x);
	kbtf_btf_free(y);
	kbtf_buf_release(&rle);
	kbtf_buf_release(&rbe);
	kbtf_builder_free(b);
}

static void test_split_numbering(void **state)
{
	struct kbtf_builder *bb = every_kind(), *sb;
	struct kbtf_buf braw, sraw;
	struct kbtf_btf *base, *split;
	const struct btf_type *t;

	assert_int_equal(kbtf_builder_write(bb, NULL, &braw), 0);
	base = parse_ok(&braw, NULL);
	sb = kbtf_builder_new(base);
	assert_int_equal(kbtf_builder_add_struct(sb, "mod_state", 16), 20);
	assert_int_equal(kbtf_builder_add_member(sb, "p", 4, 0, 0), 0);
	assert_int_equal(kbtf_builder_add_ptr(sb, 20), 21);
	assert_int_equal(kbtf_builder_write(sb, NULL, &sraw), 0);
	/* a split's strings do not start with NUL */
	{
		uint32_t str_off;

		memcpy(&str_off, sraw.data + 16, 4);
		assert_int_not_equal(sraw.data[24 + str_off], 0);
	}
	split = parse_ok(&sraw, base);
	assert_int_equal(kbtf_btf_start_id(split), 20);
	assert_int_equal(kbtf_btf_type_cnt(split), 22);
	assert_int_equal(kbtf_btf_start_str_off(split), kbtf_btf_str_len(base));
	t = kbtf_btf_type(split, 20);
	assert_true(t->name_off >= kbtf_btf_str_len(base));
	assert_string_equal(kbtf_btf_str(split, t->name_off), "mod_state");
	/* base ids and strings answered through the split */
	t = kbtf_btf_type(split, 4);
	assert_string_equal(kbtf_btf_str(split, t->name_off), "pair");
	assert_int_equal(kbtf_members(kbtf_btf_type(split, 20))[0].type, 4);
	/* a "p" member name already in the base is re-added in the split */
	assert_true(kbtf_members(kbtf_btf_type(split, 20))[0].name_off >= kbtf_btf_str_len(base));
	kbtf_btf_free(split);
	kbtf_btf_free(base);
	kbtf_buf_release(&sraw);
	kbtf_buf_release(&braw);
	kbtf_builder_free(sb);
	kbtf_builder_free(bb);
}

static void test_name_index(void **state)
{
	struct kbtf_builder *b = kbtf_builder_new(NULL);
	struct kbtf_buf raw;
	struct kbtf_btf *btf;
	uint32_t ids[4];

	kbtf_builder_add_struct(b, "dup", 8);
	kbtf_builder_add_int(b, "int", 4, 0, 0, 32);
	kbtf_builder_add_union(b, "dup", 16);
	kbtf_builder_add_struct(b, "dup", 8);
	assert_int_equal(kbtf_builder_write(b, NULL, &raw), 0);
	btf = parse_ok(&raw, NULL);
	assert_int_equal(kbtf_btf_find_by_name(btf, "dup", -1, ids, 4), 3);
	assert_int_equal(ids[0], 1);
	assert_int_equal(ids[1], 3);
	assert_int_equal(ids[2], 4);
	assert_int_equal(kbtf_btf_find_by_name(btf, "dup", BTF_KIND_STRUCT, ids, 4), 2);
	assert_int_equal(ids[1], 4);
	assert_int_equal(kbtf_btf_find_by_name(btf, "dup", BTF_KIND_STRUCT, ids, 1), 2);
	assert_int_equal(kbtf_btf_find_by_name(btf, "nope", -1, ids, 4), 0);
	kbtf_btf_free(btf);
	kbtf_buf_release(&raw);
	kbtf_builder_free(b);
}

static void test_kind_layout_skips_unknown_kind(void **state)
{
	struct kbtf_builder *b = kbtf_builder_new(NULL);
	struct kbtf_write_opts o = {.kind_layout = true};
	/* kind 19 record, but we re-label it below; an unknown kind 25 with vlen 0 */
	uint32_t rec[3] = {0, kbtf_info(25, false, 0), 0};
	struct kbtf_buf raw;
	struct kbtf_btf *btf;
	uint32_t nr;

	kbtf_builder_add_int(b, "int", 4, 0, 0, 32);
	assert_int_equal(kbtf_builder_add_raw(b, rec, sizeof(rec)), 2);
	kbtf_builder_add_ptr(b, 1);
	assert_int_equal(kbtf_builder_write(b, &o, &raw), 0);
	/* the writer only describes kinds it knows: kind 25 is not sized */
	assert_int_not_equal(kbtf_btf_parse(raw.data, raw.size, NULL, &btf), 0);
	assert_non_null(strstr(kbtf_errstr(), "unknown kind 25"));
	kbtf_buf_release(&raw);

	/* describe kind 25 by extending the table: rewrite it by hand */
	{
		struct kbtf_builder *b2 = kbtf_builder_new(NULL);
		struct kbtf_buf r2;
		struct kbtf_kind_layout l[26];
		uint8_t *blob;
		uint32_t hdr[8], type_len, str_len, i;

		kbtf_builder_add_int(b2, "int", 4, 0, 0, 32);
		kbtf_builder_add_raw(b2, rec, sizeof(rec));
		kbtf_builder_add_ptr(b2, 1);
		assert_int_equal(kbtf_builder_write(b2, NULL, &r2), 0);
		memcpy(hdr, r2.data, 24);
		type_len = hdr[3];
		str_len = hdr[5];
		memset(l, 0, sizeof(l));
		for (i = 0; i < 26; i++) {
			struct btf_type p0 = {.info = kbtf_info(i, 0, 0)},
					p1 = {.info = kbtf_info(i, 0, 1)};
			size_t f = i <= 19 ? kbtf_type_rec_size(&p0) : 0;

			l[i].info_sz = f ? (uint8_t)(f - 12) : 0;
			l[i].elem_sz = f ? (uint8_t)(kbtf_type_rec_size(&p1) - f) : 0;
		}
		blob = calloc(1, 32 + type_len + sizeof(l) + str_len);
		hdr[1] = 32;
		hdr[4] = type_len + sizeof(l);
		hdr[6] = type_len;
		hdr[7] = sizeof(l);
		memcpy(blob, hdr, 32);
		memcpy(blob + 32, r2.data + 24, type_len);
		memcpy(blob + 32 + type_len, l, sizeof(l));
		memcpy(blob + 32 + type_len + sizeof(l), r2.data + 24 + type_len, str_len);
		assert_int_equal(
		    kbtf_btf_parse(blob, 32 + type_len + sizeof(l) + str_len, NULL, &btf), 0);
		assert_int_equal(kbtf_btf_type_cnt(btf), 4);
		assert_int_equal(kbtf_btf_unknown_kind_cnt(btf), 1);
		assert_int_equal(kbtf_kind(kbtf_btf_type(btf, 3)), BTF_KIND_PTR);
		assert_non_null(kbtf_btf_kind_layout(btf, &nr));
		assert_int_equal(nr, 26);
		kbtf_btf_free(btf);
		/* the writer told about kinds 20..25 makes the same bytes */
		{
			struct kbtf_write_opts ox = {
			    .kind_layout = true, .extra_kinds = l + 20, .nr_extra_kinds = 6};
			struct kbtf_buf r3;

			assert_int_equal(kbtf_builder_write(b2, &ox, &r3), 0);
			assert_int_equal(r3.size, 32 + type_len + sizeof(l) + str_len);
			assert_memory_equal(r3.data, blob, r3.size);
			kbtf_buf_release(&r3);
			ox.nr_extra_kinds = KBTF_MAX_KINDS; /* more than the kind field names */
			assert_int_equal(kbtf_builder_write(b2, &ox, &r3), -EINVAL);
		}
		free(blob);
		kbtf_buf_release(&r2);
		kbtf_builder_free(b2);
	}
	kbtf_builder_free(b);
}

/* --- rejection rules: each on a hand-broken copy of a valid blob --- */

struct broken {
	struct kbtf_buf raw;
	uint32_t *hdr; /* the 6 header words after magic/version/flags */
};

static void make_valid(struct broken *x)
{
	struct kbtf_builder *b = every_kind();

	assert_int_equal(kbtf_builder_write(b, NULL, &x->raw), 0);
	x->hdr = (uint32_t *)(x->raw.data + 4);
	kbtf_builder_free(b);
}

static void expect_reject(struct broken *x, size_t size, const char *needle)
{
	struct kbtf_btf *btf = NULL;
	int err = kbtf_btf_parse(x->raw.data, size, NULL, &btf);

	assert_int_not_equal(err, 0);
	assert_null(btf);
	if (!strstr(kbtf_errstr(), needle))
		fail_msg("expected '%s' in '%s'", needle, kbtf_errstr());
	kbtf_buf_release(&x->raw);
}

static void test_reject_short_and_magic(void **state)
{
	struct broken x;

	make_valid(&x);
	expect_reject(&x, 10, "too short");
	make_valid(&x);
	x.raw.data[0] = 0x12;
	expect_reject(&x, x.raw.size, "bad BTF magic");
}

static void test_reject_header_len(void **state)
{
	struct broken x;

	make_valid(&x);
	x.hdr[0] = 20;
	expect_reject(&x, x.raw.size, "header length");
	make_valid(&x);
	x.hdr[0] = (uint32_t)x.raw.size + 1;
	expect_reject(&x, x.raw.size, "header length");
}

static void test_reject_sections(void **state)
{
	struct broken x;

	make_valid(&x);
	expect_reject(&x, x.raw.size - 1, "runs past"); /* truncated file */
	make_valid(&x);
	x.hdr[2] += 4; /* type_len into the strings */
	expect_reject(&x, x.raw.size, "overlaps");
	make_valid(&x);
	x.hdr[1] = 2; /* misaligned type_off */
	x.hdr[2] -= 2;
	expect_reject(&x, x.raw.size, "aligned");
}

static void test_reject_strings(void **state)
{
	struct broken x;

	make_valid(&x);
	x.raw.data[x.raw.size - 1] = 'x';
	expect_reject(&x, x.raw.size, "does not end with NUL");
	make_valid(&x);
	x.raw.data[24 + x.hdr[3]] = 'x';
	expect_reject(&x, x.raw.size, "does not start with NUL");
}

static void test_reject_types(void **state)
{
	struct broken x;
	struct btf_type *t;

	/* a record cut short: shrink the type section by 4 and move strings */
	make_valid(&x);
	t = (struct btf_type *)(x.raw.data + 24);
	t->info = kbtf_info(BTF_KIND_STRUCT, 0, 1000);
	expect_reject(&x, x.raw.size, "malformed");
	make_valid(&x);
	t = (struct btf_type *)(x.raw.data + 24);
	t->info = kbtf_info(42, 0, 0);
	expect_reject(&x, x.raw.size, "unknown kind 42");
	make_valid(&x);
	t = (struct btf_type *)(x.raw.data + 24 + 16); /* id 2: PTR */
	t->type = 999;
	expect_reject(&x, x.raw.size, "invalid type id 999");
	make_valid(&x);
	t = (struct btf_type *)(x.raw.data + 24);
	t->name_off = 0x7fffff;
	expect_reject(&x, x.raw.size, "invalid string offset");
	make_valid(&x);
	x.hdr[2] = 6; /* leftover bytes after the last whole record */
	expect_reject(&x, x.raw.size, "truncated");
}

static void test_reject_func_not_proto(void **state)
{
	struct kbtf_builder *b = kbtf_builder_new(NULL);
	struct kbtf_buf raw;
	struct kbtf_btf *btf;

	kbtf_builder_add_int(b, "int", 4, 0, 0, 32);
	kbtf_builder_add_func(b, "f", 0, 1);
	assert_int_equal(kbtf_builder_write(b, NULL, &raw), 0);
	assert_int_not_equal(kbtf_btf_parse(raw.data, raw.size, NULL, &btf), 0);
	assert_non_null(strstr(kbtf_errstr(), "not FUNC_PROTO"));
	kbtf_buf_release(&raw);
	kbtf_builder_free(b);
}

static void test_split_needs_base_strings(void **state)
{
	struct kbtf_builder *bb = every_kind(), *sb;
	struct kbtf_buf braw, sraw;
	struct kbtf_btf *base, *split;

	assert_int_equal(kbtf_builder_write(bb, NULL, &braw), 0);
	base = parse_ok(&braw, NULL);
	sb = kbtf_builder_new(base);
	kbtf_builder_add_struct(sb, "s", 4);
	kbtf_builder_add_member(sb, "m", 1, 0, 0);
	assert_int_equal(kbtf_builder_write(sb, NULL, &sraw), 0);
	/* parsed without its base, a split's strings are not a valid base table */
	assert_int_not_equal(kbtf_btf_parse(sraw.data, sraw.size, NULL, &split), 0);
	assert_non_null(strstr(kbtf_errstr(), "start with NUL"));
	split = parse_ok(&sraw, base);
	kbtf_btf_free(split);
	kbtf_btf_free(base);
	kbtf_buf_release(&sraw);
	kbtf_buf_release(&braw);
	kbtf_builder_free(sb);
	kbtf_builder_free(bb);
}

static void test_string_dedup(void **state)
{
	struct kbtf_builder *b = kbtf_builder_new(NULL);
	char name[32];
	int first, i;

	first = kbtf_builder_add_str(b, "hello");
	assert_int_equal(first, 1);
	for (i = 0; i < 5000; i++) {
		snprintf(name, sizeof(name), "n%d", i);
		assert_true(kbtf_builder_add_str(b, name) > 0);
	}
	assert_int_equal(kbtf_builder_add_str(b, "hello"), first);
	assert_int_equal(kbtf_builder_find_str(b, "n4999"), kbtf_builder_add_str(b, "n4999"));
	assert_int_equal(kbtf_builder_find_str(b, "absent"), -ENOENT);
	assert_int_equal(kbtf_builder_add_str(b, ""), 0);
	kbtf_builder_free(b);
}

static void test_archive_members(void **state)
{
	struct kbtf_builder *b = every_kind();
	struct kbtf_archive_member m[4];
	struct kbtf_buf one;
	uint8_t *blob;
	size_t total;

	assert_int_equal(kbtf_builder_write(b, NULL, &one), 0);
	assert_int_equal(kbtf_btf_archive_members(one.data, one.size, m, 4), 1);
	/* three blobs, the second followed by 3 bytes of zero padding */
	total = one.size * 3 + 3;
	blob = calloc(1, total + 16);
	memcpy(blob, one.data, one.size);
	memcpy(blob + one.size, one.data, one.size);
	memcpy(blob + 2 * one.size + 3, one.data, one.size);
	assert_int_equal(kbtf_btf_archive_members(blob, total, m, 4), 3);
	assert_int_equal(m[1].offset, one.size);
	assert_int_equal(m[2].offset, 2 * one.size + 3);
	assert_int_equal(m[2].size, one.size);
	/* garbage after a blob is not an archive member */
	memset(blob + total, 0x41, 16);
	assert_true(kbtf_btf_archive_members(blob, total + 16, m, 4) < 0);
	assert_non_null(strstr(kbtf_errstr(), "neither padding nor another BTF blob"));
	assert_true(kbtf_btf_archive_members("junkjunkjunkjunkjunkjunkjunk", 28, m, 4) < 0);
	free(blob);
	kbtf_buf_release(&one);
	kbtf_builder_free(b);
}

/* vmlinux, then a layer on top (e.g. vmlinux.vars), then a module on that. */
static void test_stacked_layers(void **state)
{
	struct kbtf_builder *bb = every_kind(), *lb, *mb;
	struct kbtf_buf braw, lraw, mraw;
	struct kbtf_btf *base, *layer, *mod;
	const struct btf_type *t;

	assert_int_equal(kbtf_builder_write(bb, NULL, &braw), 0);
	base = parse_ok(&braw, NULL);
	lb = kbtf_builder_new(base);
	assert_int_equal(kbtf_builder_add_var(lb, "jiffies_like", 1, 1), 20);
	assert_int_equal(kbtf_builder_add_struct(lb, "layer_only", 4), 21);
	assert_int_equal(kbtf_builder_write(lb, NULL, &lraw), 0);
	layer = parse_ok(&lraw, base);
	mb = kbtf_builder_new(layer);
	assert_int_equal(kbtf_builder_add_ptr(mb, 21), 22);
	assert_int_equal(kbtf_builder_add_struct(mb, "m", 8), 23);
	assert_int_equal(kbtf_builder_add_member(mb, "p", 22, 0, 0), 0);
	assert_int_equal(kbtf_builder_write(mb, NULL, &mraw), 0);
	mod = parse_ok(&mraw, layer);
	assert_int_equal(kbtf_btf_start_id(mod), 22);
	assert_int_equal(kbtf_btf_start_str_off(mod),
			 kbtf_btf_str_len(base) + kbtf_btf_str_len(layer));
	t = kbtf_btf_type(mod, kbtf_btf_type(mod, 22)->type);
	assert_string_equal(kbtf_btf_str(mod, t->name_off), "layer_only");
	t = kbtf_btf_type(mod, 4);
	assert_string_equal(kbtf_btf_str(mod, t->name_off), "pair");
	assert_string_equal(kbtf_btf_str(mod, kbtf_btf_type(mod, 23)->name_off), "m");
	kbtf_btf_free(mod);
	kbtf_btf_free(layer);
	kbtf_btf_free(base);
	kbtf_buf_release(&mraw);
	kbtf_buf_release(&lraw);
	kbtf_buf_release(&braw);
	kbtf_builder_free(mb);
	kbtf_builder_free(lb);
	kbtf_builder_free(bb);
}

/* The raw header as everything outside the parser reads it. */
static void test_peek_header(void **state)
{
	struct kbtf_builder *bb = every_kind(), *sb;
	struct kbtf_write_opts be = {.endian = KBTF_ENDIAN_BIG};
	struct kbtf_write_opts kl = {.kind_layout = true};
	struct kbtf_buf braw, bbe, sraw, lraw;
	struct kbtf_btf_rawhdr h;
	struct kbtf_btf *base;

	assert_int_equal(kbtf_builder_write(bb, NULL, &braw), 0);
	assert_int_equal(kbtf_builder_write(bb, &be, &bbe), 0);
	assert_int_equal(kbtf_builder_write(bb, &kl, &lraw), 0);
	base = parse_ok(&braw, NULL);
	assert_true(kbtf_btf_peek(braw.data, braw.size, &h));
	assert_int_equal(h.endian, KBTF_ENDIAN_LITTLE);
	assert_int_equal(h.hdr.hdr_len, 24);
	assert_int_equal(h.hdr.type_len, kbtf_btf_type_len(base));
	assert_int_equal(h.hdr.str_len, kbtf_btf_str_len(base));
	assert_int_equal(h.layout_len, 0);
	assert_int_equal(h.first_str, 0);
	assert_false(h.split);
	assert_false(kbtf_btf_is_split(braw.data, braw.size));
	/* the same fields from the other byte order */
	assert_true(kbtf_btf_peek(bbe.data, bbe.size, &h));
	assert_int_equal(h.endian, KBTF_ENDIAN_BIG);
	assert_int_equal(h.hdr.type_len, kbtf_btf_type_len(base));
	assert_int_equal(h.hdr.str_len, kbtf_btf_str_len(base));
	/* a 32-byte header with its kind-layout section */
	assert_true(kbtf_btf_peek(lraw.data, lraw.size, &h));
	assert_int_equal(h.hdr.hdr_len, 32);
	assert_int_not_equal(h.layout_len, 0);
	/* split: its strings go on from the base's */
	sb = kbtf_builder_new(base);
	kbtf_builder_add_struct(sb, "mod_state", 16);
	assert_int_equal(kbtf_builder_write(sb, NULL, &sraw), 0);
	assert_true(kbtf_btf_is_split(sraw.data, sraw.size));
	/* too short for a header, or no magic */
	assert_true(kbtf_btf_has_magic(braw.data, 4));
	assert_false(kbtf_btf_has_magic(braw.data, 3));
	assert_false(kbtf_btf_peek(braw.data, 23, &h));
	assert_false(kbtf_btf_peek("\x7f"
				   "ELF and more than twenty-four bytes",
				   36, &h));
	assert_false(kbtf_btf_is_split("\x7f"
				       "ELF and more than twenty-four bytes",
				       36));
	kbtf_btf_free(base);
	kbtf_buf_release(&braw);
	kbtf_buf_release(&bbe);
	kbtf_buf_release(&lraw);
	kbtf_buf_release(&sraw);
	kbtf_builder_free(sb);
	kbtf_builder_free(bb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_kind_round_trip),
	    cmocka_unit_test(test_both_byte_orders),
	    cmocka_unit_test(test_split_numbering),
	    cmocka_unit_test(test_name_index),
	    cmocka_unit_test(test_kind_layout_skips_unknown_kind),
	    cmocka_unit_test(test_reject_short_and_magic),
	    cmocka_unit_test(test_peek_header),
	    cmocka_unit_test(test_reject_header_len),
	    cmocka_unit_test(test_reject_sections),
	    cmocka_unit_test(test_reject_strings),
	    cmocka_unit_test(test_reject_types),
	    cmocka_unit_test(test_reject_func_not_proto),
	    cmocka_unit_test(test_split_needs_base_strings),
	    cmocka_unit_test(test_string_dedup),
	    cmocka_unit_test(test_archive_members),
	    cmocka_unit_test(test_stacked_layers),
	};

	return cmocka_run_group_tests_name("btf", tests, NULL, NULL);
}
