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
#include "kbtf/btf.h"
#include "kbtf/builder.h"
#include "kbtf/err.h"

#define NR_BLOCKS 8
#define PER_BLOCK 40

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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_roundtrip),
	    cmocka_unit_test(test_damage_refused),
	    cmocka_unit_test(test_not_encoded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
