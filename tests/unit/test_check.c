// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The kernel's parse-time rules (btf_check.c): BTF every kernel accepts passes;
 * each rule the kernel enforces rejects with the kernel's words.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kbtf/btf.h"
#include "kbtf/builder.h"
#include "kbtf/check.h"
#include "kbtf/err.h"

typedef void (*add_fn)(struct kbtf_builder *b);

/* Build int (id 1) + whatever @add adds, then run the 6.12 checks. */
static int check_with(add_fn add, enum kbtf_kernel_gen gen, bool layout)
{
	struct kbtf_builder *b = kbtf_builder_new(NULL);
	struct kbtf_write_opts o = {.kind_layout = layout};
	struct kbtf_buf raw;
	struct kbtf_btf *btf;
	int err;

	kbtf_builder_add_int(b, "int", 4, BTF_INT_SIGNED, 0, 32);
	add(b);
	assert_int_equal(kbtf_builder_write(b, &o, &raw), 0);
	err = kbtf_btf_parse(raw.data, raw.size, NULL, &btf);
	if (err)
		fail_msg("parse: %s", kbtf_errstr());
	err = kbtf_check_kernel(btf, gen);
	kbtf_btf_free(btf);
	kbtf_buf_release(&raw);
	kbtf_builder_free(b);
	return err;
}

static void expect(add_fn add, const char *needle)
{
	int err = check_with(add, KBTF_KERNEL_6_12, false);

	assert_int_not_equal(err, 0);
	if (!strstr(kbtf_errstr(), needle))
		fail_msg("expected '%s' in '%s'", needle, kbtf_errstr());
}

static void add_all_good(struct kbtf_builder *b)
{
	kbtf_builder_add_ptr(b, 1);	    /* 2 */
	kbtf_builder_add_array(b, 1, 1, 4); /* 3 */
	kbtf_builder_add_struct(b, "s", 8); /* 4 */
	kbtf_builder_add_member(b, "a", 1, 0, 0);
	kbtf_builder_add_member(b, "b", 1, 32, 4);
	kbtf_builder_add_union(b, "u", 4); /* 5 */
	kbtf_builder_add_member(b, "x", 1, 0, 0);
	kbtf_builder_add_member(b, "y", 1, 0, 0);
	kbtf_builder_add_enum(b, "e", 4, true); /* 6 */
	kbtf_builder_add_enum_value(b, "E_A", -3);
	kbtf_builder_add_fwd(b, "f", false);	 /* 7 */
	kbtf_builder_add_typedef(b, "t", 2);	 /* 8 */
	kbtf_builder_add_const(b, 1);		 /* 9 */
	kbtf_builder_add_type_tag(b, "user", 9); /* 10: tags precede modifiers */
	kbtf_builder_add_func_proto(b, 1);	 /* 11 */
	kbtf_builder_add_param(b, "p", 1);
	kbtf_builder_add_func(b, "fn", BTF_FUNC_STATIC, 11); /* 12 */
	kbtf_builder_add_var(b, "v", 1, 1);		     /* 13 */
	kbtf_builder_add_datasec(b, ".bss", 8);		     /* 14 */
	kbtf_builder_add_secinfo(b, 13, 0, 4);
	kbtf_builder_add_float(b, "double", 8);	     /* 15 */
	kbtf_builder_add_decl_tag(b, "k", 12, -1);   /* 16 */
	kbtf_builder_add_enum64(b, "e64", 8, false); /* 17 */
	kbtf_builder_add_enum64_value(b, "BIG", 1ull << 40);
}

static void test_good_btf_passes(void **state)
{
	if (check_with(add_all_good, KBTF_KERNEL_6_12, false))
		fail_msg("%s", kbtf_errstr());
	assert_int_equal(check_with(add_all_good, KBTF_KERNEL_6_1, false), 0);
}

static void bad_struct_name(struct kbtf_builder *b)
{
	kbtf_builder_add_struct(b, "1bad", 4);
}

static void bad_member_name(struct kbtf_builder *b)
{
	kbtf_builder_add_struct(b, "s", 4);
	kbtf_builder_add_member(b, " unsigned int", 1, 0, 0);
}

static void union_offset(struct kbtf_builder *b)
{
	kbtf_builder_add_union(b, "u", 8);
	kbtf_builder_add_member(b, "a", 1, 32, 0);
}

static void decreasing_offsets(struct kbtf_builder *b)
{
	kbtf_builder_add_struct(b, "s", 8);
	kbtf_builder_add_member(b, "a", 1, 32, 0);
	kbtf_builder_add_member(b, "b", 1, 0, 0);
}

static void member_past_size(struct kbtf_builder *b)
{
	kbtf_builder_add_struct(b, "s", 4);
	kbtf_builder_add_member(b, "a", 1, 40, 0);
}

static void member_void(struct kbtf_builder *b)
{
	kbtf_builder_add_struct(b, "s", 4);
	kbtf_builder_add_member(b, "a", 0, 0, 0);
}

static void extern_func(struct kbtf_builder *b)
{
	kbtf_builder_add_func_proto(b, 1);
	kbtf_builder_add_func(b, "f", BTF_FUNC_EXTERN, 2);
}

static void extern_var(struct kbtf_builder *b)
{
	kbtf_builder_add_var(b, "v", 1, 2);
}

static void int_two_encodings(struct kbtf_builder *b)
{
	kbtf_builder_add_int(b, "x", 4, BTF_INT_SIGNED | BTF_INT_CHAR, 0, 8);
}

static void int_too_wide(struct kbtf_builder *b)
{
	kbtf_builder_add_int(b, "x", 1, 0, 0, 16);
}

static void datasec_overlap(struct kbtf_builder *b)
{
	kbtf_builder_add_var(b, "v", 1, 1);
	kbtf_builder_add_var(b, "w", 1, 1);
	kbtf_builder_add_datasec(b, ".data", 8);
	kbtf_builder_add_secinfo(b, 2, 0, 4);
	kbtf_builder_add_secinfo(b, 3, 2, 4);
}

static void float_size(struct kbtf_builder *b)
{
	kbtf_builder_add_float(b, "f", 3);
}

static void enum_size(struct kbtf_builder *b)
{
	kbtf_builder_add_enum(b, "e", 3, false);
}

static void enum_value_name(struct kbtf_builder *b)
{
	kbtf_builder_add_enum(b, "e", 4, false);
	kbtf_builder_add_enum_value(b, "", 1);
}

static void tag_after_const(struct kbtf_builder *b)
{
	kbtf_builder_add_type_tag(b, "user", 1); /* 2 */
	kbtf_builder_add_const(b, 2);		 /* 3: const -> tag: a tag after a modifier */
}

static void named_ptr(struct kbtf_builder *b)
{
	uint32_t rec[3] = {1, kbtf_info(BTF_KIND_PTR, 0, 0), 1};

	kbtf_builder_add_raw(b, rec, sizeof(rec));
}

static void info_unused_bits(struct kbtf_builder *b)
{
	uint32_t rec[3] = {0, kbtf_info(BTF_KIND_PTR, 0, 0) | 0x00010000, 1};

	kbtf_builder_add_raw(b, rec, sizeof(rec));
}

static void fwd_no_name(struct kbtf_builder *b)
{
	kbtf_builder_add_fwd(b, NULL, false);
}

static void ptr_loop(struct kbtf_builder *b)
{
	kbtf_builder_add_const(b, 3);	 /* 2 */
	kbtf_builder_add_volatile(b, 2); /* 3: a modifier cycle */
}

static void decl_tag_kflag(struct kbtf_builder *b)
{
	uint32_t rec[4] = {1, kbtf_info(BTF_KIND_DECL_TAG, 1, 0), 1, (uint32_t)-1};

	kbtf_builder_add_raw(b, rec, sizeof(rec));
}

static void test_rules(void **state)
{
	expect(bad_struct_name, "Invalid name");
	expect(bad_member_name, "Invalid member name");
	expect(union_offset, "Invalid member bits_offset");
	expect(decreasing_offsets, "Invalid member bits_offset");
	expect(member_past_size, "exceeds its struct size");
	expect(member_void, "Invalid type_id");
	expect(extern_func, "Invalid func linkage");
	expect(extern_var, "Linkage not supported");
	expect(int_two_encodings, "Unsupported encoding");
	expect(int_too_wide, "nr_bits exceeds type_size");
	expect(datasec_overlap, "Invalid offset");
	expect(float_size, "Invalid type_size");
	expect(enum_size, "Unexpected size");
	expect(enum_value_name, "Invalid name_offset");
	expect(tag_after_const, "Type tags don't precede modifiers");
	expect(named_ptr, "Invalid name");
	expect(info_unused_bits, "Invalid btf_info");
	expect(fwd_no_name, "Invalid name");
	expect(ptr_loop, "Max chain length");
	expect(decl_tag_kflag, "kind_flag");
}

static void nothing(struct kbtf_builder *b)
{
}

static void test_layout_header_by_generation(void **state)
{
	assert_int_not_equal(check_with(nothing, KBTF_KERNEL_6_12, true), 0);
	assert_non_null(strstr(kbtf_errstr(), "Unsupported btf_header"));
	assert_int_equal(check_with(nothing, KBTF_KERNEL_LAYOUT, true), 0);
	assert_int_equal(check_with(decl_tag_kflag, KBTF_KERNEL_LAYOUT, false), 0);
	/* 6.14 .. 7.0: attribute tags, but the layout header only from 7.1 */
	assert_int_equal(check_with(decl_tag_kflag, KBTF_KERNEL_6_14, false), 0);
	assert_int_not_equal(check_with(decl_tag_kflag, KBTF_KERNEL_6_12, false), 0);
	assert_int_not_equal(check_with(nothing, KBTF_KERNEL_6_14, true), 0);
	assert_non_null(strstr(kbtf_errstr(), "Unsupported btf_header"));
}

/*
 * int (id 1) written with a 24-byte header, then widened to @hdr_len bytes
 * whose tail past the classic 24 is zero, except byte @poke (if nonzero)
 * set to 0x01: what kbuild's resolve_btfids writes from 7.0 on, and its
 * variant with a field an older kernel does not know.
 */
static uint8_t *widened(uint32_t hdr_len, uint32_t poke, size_t *size)
{
	struct kbtf_builder *b = kbtf_builder_new(NULL);
	struct kbtf_buf raw;
	uint8_t *p;

	kbtf_builder_add_int(b, "int", 4, BTF_INT_SIGNED, 0, 32);
	assert_int_equal(kbtf_builder_write(b, NULL, &raw), 0);
	*size = raw.size + hdr_len - 24;
	p = calloc(1, *size);
	memcpy(p, raw.data, 24);
	memcpy(p + hdr_len, (uint8_t *)raw.data + 24, raw.size - 24);
	memcpy(p + 4, &hdr_len, 4);
	if (poke)
		p[poke] = 1;
	kbtf_buf_release(&raw);
	kbtf_builder_free(b);
	return p;
}

static int check_widened(uint32_t hdr_len, uint32_t poke, enum kbtf_kernel_gen gen)
{
	struct kbtf_btf *btf;
	size_t size;
	uint8_t *p = widened(hdr_len, poke, &size);
	int err;

	if (kbtf_btf_parse(p, size, NULL, &btf))
		fail_msg("parse: %s", kbtf_errstr());
	assert_int_equal(kbtf_btf_hdr_len(btf), hdr_len);
	err = kbtf_check_kernel(btf, gen);
	kbtf_btf_free(btf);
	free(p);
	return err;
}

/*
 * btf_parse_hdr(): a header longer than the kernel's struct btf_header is
 * read when the bytes past it are zero (6.1 and 6.12 take hdr_len 32 with
 * zero layout fields), refused with -E2BIG "Unsupported btf_header" when
 * one is not.
 */
static void test_header_zero_tail(void **state)
{
	assert_int_equal(check_widened(32, 0, KBTF_KERNEL_6_1), 0);
	assert_int_equal(check_widened(32, 0, KBTF_KERNEL_6_12), 0);
	assert_int_equal(check_widened(32, 0, KBTF_KERNEL_LAYOUT), 0);
	/* any length: 40 bytes of which 16 are zero */
	assert_int_equal(check_widened(40, 0, KBTF_KERNEL_6_12), 0);
	assert_int_equal(check_widened(40, 0, KBTF_KERNEL_LAYOUT), 0);
}

static void test_header_nonzero_tail(void **state)
{
	/* layout_off's low byte (layout_len stays 0: no layout section) */
	assert_int_equal(check_widened(32, 24, KBTF_KERNEL_6_12), -E2BIG);
	assert_non_null(strstr(kbtf_errstr(), "Unsupported btf_header"));
	assert_non_null(strstr(kbtf_errstr(), "header byte 24"));
	assert_int_equal(check_widened(32, 27, KBTF_KERNEL_6_1), -E2BIG);
	assert_int_equal(check_widened(32, 24, KBTF_KERNEL_6_14), -E2BIG);
	assert_int_equal(check_widened(32, 0, KBTF_KERNEL_6_14), 0);
	assert_non_null(strstr(kbtf_errstr(), "Unsupported btf_header"));
	/* a kernel whose header is 32 bytes looks past 32 only */
	assert_int_equal(check_widened(40, 36, KBTF_KERNEL_LAYOUT), -E2BIG);
	assert_non_null(strstr(kbtf_errstr(), "header byte 36"));
	assert_int_equal(check_widened(40, 36, KBTF_KERNEL_6_12), -E2BIG);
}

/* A header the blob does not hold, or shorter than 24 bytes: refused. */
static void test_header_short(void **state)
{
	struct kbtf_btf *btf = NULL;
	size_t size;
	uint8_t *p = widened(32, 0, &size);
	uint32_t len = 16;

	/* hdr_len 32 in a 28-byte blob */
	assert_int_not_equal(kbtf_btf_parse(p, 28, NULL, &btf), 0);
	assert_non_null(strstr(kbtf_errstr(), "btf_header not found"));
	/* hdr_len 64 past the blob's end */
	len = (uint32_t)size + 4;
	memcpy(p + 4, &len, 4);
	assert_int_not_equal(kbtf_btf_parse(p, size, NULL, &btf), 0);
	assert_non_null(strstr(kbtf_errstr(), "btf_header not found"));
	/* hdr_len 16: the kernel finds no string section where it wants one */
	len = 16;
	memcpy(p + 4, &len, 4);
	assert_int_not_equal(kbtf_btf_parse(p, size, NULL, &btf), 0);
	assert_non_null(strstr(kbtf_errstr(), "shorter than the 24-byte btf_header"));
	/* 6 bytes: no hdr_len at all */
	assert_int_not_equal(kbtf_btf_parse(p, 6, NULL, &btf), 0);
	assert_non_null(strstr(kbtf_errstr(), "hdr_len not found"));
	assert_null(btf);
	free(p);
}

/* Bytes after the string section (a second blob: an archive) are refused. */
static void test_bytes_after_strings(void **state)
{
	struct kbtf_builder *b = kbtf_builder_new(NULL);
	struct kbtf_buf raw;
	struct kbtf_btf *btf;
	uint8_t *two;

	kbtf_builder_add_int(b, "int", 4, BTF_INT_SIGNED, 0, 32);
	assert_int_equal(kbtf_builder_write(b, NULL, &raw), 0);
	two = malloc(raw.size * 2);
	memcpy(two, raw.data, raw.size);
	memcpy(two + raw.size, raw.data, raw.size);
	/* libbpf's rules allow the tail; the kernel's do not */
	assert_int_equal(kbtf_btf_parse(two, raw.size * 2, NULL, &btf), 0);
	assert_int_equal(kbtf_btf_raw_size(btf), raw.size * 2);
	assert_int_equal(kbtf_check_kernel(btf, KBTF_KERNEL_6_12), -EINVAL);
	assert_non_null(strstr(kbtf_errstr(), "Unsupported section found"));
	kbtf_btf_free(btf);
	assert_int_equal(kbtf_btf_parse(two, raw.size, NULL, &btf), 0);
	assert_int_equal(kbtf_check_kernel(btf, KBTF_KERNEL_6_12), 0);
	kbtf_btf_free(btf);
	free(two);
	kbtf_buf_release(&raw);
	kbtf_builder_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good_btf_passes),
	    cmocka_unit_test(test_rules),
	    cmocka_unit_test(test_layout_header_by_generation),
	    cmocka_unit_test(test_bytes_after_strings),
	    cmocka_unit_test(test_header_zero_tail),
	    cmocka_unit_test(test_header_nonzero_tail),
	    cmocka_unit_test(test_header_short),
	};

	return cmocka_run_group_tests_name("check", tests, NULL, NULL);
}
