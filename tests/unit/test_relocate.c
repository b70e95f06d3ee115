// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The relocation simulator against synthetic kernels: every rule of
 * btf_relocate() in docs/kernel-rules.md 4.1 (steps 2, 5, 7, 8, 10), every
 * row of the 4.3 table and the FWD flag quirk, with the kernel's return
 * value and log line.
 *
 * Each case builds a target kernel B, a distilled base D and a module split
 * on top of D with the builder, then simulates. The expectations are the
 * kernel's documented behaviour (the 4.3 table was measured with libbpf),
 * not output of the code under test.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kbtf/btf.h"
#include "kbtf/builder.h"
#include "kbtf/err.h"
#include "relocate.h"

/* How the module's own struct refers to distilled type 1. */
enum use {
	USE_VALUE,   /* a member of that type */
	USE_TYPEDEF, /* a member of a typedef of it */
	USE_ARRAY,   /* a member array of it */
	USE_CONST,   /* a member of const that type */
	USE_ANON,    /* a member anon struct that holds it by value */
	USE_PTR,     /* a member pointer to it */
	USE_VAR,     /* only a VAR of that type */
	USE_PARAM,   /* only a function parameter of that type */
};

struct world {
	struct kbtf_btf *base, *dist, *split;
	struct kbtf_reloc_result res;
};

static struct kbtf_btf *finish(struct kbtf_builder *b, const struct kbtf_btf *on)
{
	struct kbtf_parse_opts o = {.base = on, .name = on ? "split" : "base"};
	struct kbtf_btf *btf = NULL;
	struct kbtf_buf raw;

	assert_int_equal(kbtf_builder_write(b, NULL, &raw), 0);
	if (kbtf_btf_parse_buf(&raw, &o, &btf))
		fail_msg("parse: %s", kbtf_errstr());
	kbtf_builder_free(b);
	return btf;
}

/* A module split on @w->dist that uses distilled type @d as @use says. */
static struct kbtf_btf *module_using(struct world *w, uint32_t d, enum use use)
{
	struct kbtf_builder *b = kbtf_builder_new(w->dist);
	int intid = 0, ref = (int)d, s, p;

	switch (use) {
	case USE_TYPEDEF:
		ref = kbtf_builder_add_typedef(b, "d_t", d);
		break;
	case USE_ARRAY:
		intid = kbtf_builder_add_int(b, "unsigned int", 4, 0, 0, 32);
		ref = kbtf_builder_add_array(b, d, intid, 2);
		break;
	case USE_CONST:
		ref = kbtf_builder_add_const(b, d);
		break;
	case USE_ANON:
		ref = kbtf_builder_add_struct(b, NULL, 64);
		kbtf_builder_add_member(b, "inner", d, 0, 0);
		break;
	case USE_PTR:
		ref = kbtf_builder_add_ptr(b, d);
		break;
	case USE_VAR:
		kbtf_builder_add_var(b, "v", d, 1);
		return finish(b, w->dist);
	case USE_PARAM:
		p = kbtf_builder_add_func_proto(b, 0);
		kbtf_builder_add_param(b, "x", d);
		kbtf_builder_add_func(b, "f", 1, (uint32_t)p);
		return finish(b, w->dist);
	case USE_VALUE:
		break;
	}
	s = kbtf_builder_add_struct(b, "mod_state", 128);
	assert_true(s > 0);
	kbtf_builder_add_member(b, "field", (uint32_t)ref, 0, 0);
	return finish(b, w->dist);
}

static void sim(struct world *w, bool pre_fix)
{
	struct kbtf_reloc_opts o = {.pre_fix = pre_fix};

	if (kbtf_relocate_sim_btf(w->split, w->base, &o, &w->res))
		fail_msg("simulate: %s", kbtf_errstr());
}

static void world_free(struct world *w)
{
	kbtf_reloc_result_fini(&w->res);
	kbtf_btf_free(w->split);
	kbtf_btf_free(w->dist);
	kbtf_btf_free(w->base);
	memset(w, 0, sizeof(*w));
}

static void expect_log(const struct world *w, const char *log)
{
	if (strcmp(w->res.kernel_log, log))
		fail_msg("log\n  got:  %s\n  want: %s", w->res.kernel_log, log);
}

static void expect_ok(struct world *w, uint32_t d, uint32_t target)
{
	if (w->res.err)
		fail_msg("expected OK, got %d: %s", w->res.err, w->res.kernel_log);
	assert_int_equal(w->res.stage, KBTF_RELOC_STAGE_OK);
	assert_string_equal(w->res.kernel_log, "");
	assert_int_equal(w->res.types[d - 1].status, KBTF_RELOC_MAPPED);
	assert_int_equal(kbtf_reloc_map_id(&w->res, d), target);
}

static void expect_unmapped(struct world *w, uint32_t d, const char *name)
{
	char log[256];

	snprintf(log, sizeof(log), "distilled base BTF type '%s' [%u] is not mapped to base BTF id",
		 name, d);
	assert_int_equal(w->res.err, -EINVAL);
	assert_int_equal(w->res.stage, KBTF_RELOC_STAGE_UNMAPPED);
	assert_int_equal(w->res.first_bad, d);
	expect_log(w, log);
	assert_int_equal(w->res.types[d - 1].status, KBTF_RELOC_UNMAPPED);
}

/* Distilled base with one named STRUCT "bar" of @size (id 1). */
static struct kbtf_btf *dist_struct(const char *name, uint32_t size)
{
	struct kbtf_builder *b = kbtf_builder_new(NULL);

	kbtf_builder_add_struct(b, name, size);
	return finish(b, NULL);
}

/* ---------------------------------------------------------------- step 2 */

static void test_distilled_anonymous(void **state)
{
	struct world w = {0};
	struct kbtf_builder *b = kbtf_builder_new(NULL);

	kbtf_builder_add_int(b, "int", 4, BTF_INT_SIGNED, 0, 32);
	kbtf_builder_add_struct(b, NULL, 8);
	w.dist = finish(b, NULL);
	b = kbtf_builder_new(NULL);
	kbtf_builder_add_int(b, "int", 4, BTF_INT_SIGNED, 0, 32);
	w.base = finish(b, NULL);
	w.split = module_using(&w, 1, USE_VALUE);
	sim(&w, false);
	assert_int_equal(w.res.err, -EINVAL);
	assert_int_equal(w.res.stage, KBTF_RELOC_STAGE_DISTILLED);
	assert_int_equal(w.res.first_bad, 2);
	expect_log(&w, "type [2], kind [4] is invalid for distilled base BTF; it is anonymous");
	world_free(&w);
}

static void expect_bad_kind(void (*add)(struct kbtf_builder *), uint32_t kind)
{
	struct world w = {0};
	struct kbtf_builder *b = kbtf_builder_new(NULL);
	char log[128];

	kbtf_builder_add_int(b, "int", 4, BTF_INT_SIGNED, 0, 32);
	add(b);
	w.dist = finish(b, NULL);
	b = kbtf_builder_new(NULL);
	kbtf_builder_add_int(b, "int", 4, BTF_INT_SIGNED, 0, 32);
	w.base = finish(b, NULL);
	w.split = module_using(&w, 1, USE_VALUE);
	sim(&w, false);
	snprintf(log, sizeof(log), "type [2] in distilled based BTF has unexpected kind [%u]",
		 kind);
	assert_int_equal(w.res.err, -EINVAL);
	assert_int_equal(w.res.stage, KBTF_RELOC_STAGE_DISTILLED);
	expect_log(&w, log);
	world_free(&w);
}

static void add_ptr(struct kbtf_builder *b)
{
	kbtf_builder_add_ptr(b, 1);
}

static void add_enum64(struct kbtf_builder *b)
{
	kbtf_builder_add_enum64(b, "e64", 8, false);
}

static void add_typedef(struct kbtf_builder *b)
{
	kbtf_builder_add_typedef(b, "int_t", 1);
}

static void test_distilled_bad_kinds(void **state)
{
	expect_bad_kind(add_ptr, BTF_KIND_PTR);
	expect_bad_kind(add_enum64, BTF_KIND_ENUM64);
	expect_bad_kind(add_typedef, BTF_KIND_TYPEDEF);
}

/* ------------------------------------------------- 4.3: struct and union */

/* Kernel with struct "bar" of each size in @sizes (ids 1..n). */
static struct kbtf_btf *kernel_structs(const char *name, const uint32_t *sizes, int n)
{
	struct kbtf_builder *b = kbtf_builder_new(NULL);
	int i;

	for (i = 0; i < n; i++)
		kbtf_builder_add_struct(b, name, sizes[i]);
	return finish(b, NULL);
}

static void test_unique_name_size_ignored(void **state)
{
	static const uint32_t sz[] = {99};
	struct world w = {0};

	w.base = kernel_structs("bar", sz, 1);
	w.dist = dist_struct("bar", 8);
	w.split = module_using(&w, 1, USE_PTR);
	sim(&w, false);
	expect_ok(&w, 1, 1);
	assert_false(w.res.types[0].embedded);
	world_free(&w);
}

static void test_two_sizes_picks_equal(void **state)
{
	static const uint32_t sz[] = {16, 8};
	struct world w = {0};

	w.base = kernel_structs("bar", sz, 2);
	w.dist = dist_struct("bar", 8);
	w.split = module_using(&w, 1, USE_PTR);
	sim(&w, false);
	expect_ok(&w, 1, 2);
	/* the size-16 one was seen and turned down by the sized key */
	assert_int_equal(w.res.types[0].nr_cands, 2);
	assert_int_equal(w.res.types[0].cands[0].id, 1);
	assert_int_equal(w.res.types[0].cands[0].why, KBTF_CAND_SIZE);
	assert_true(w.res.types[0].cands[0].key_sized);
	assert_int_equal(w.res.types[0].cands[1].why, KBTF_CAND_ACCEPTED);
	world_free(&w);
}

static void test_two_sizes_none_equal(void **state)
{
	static const uint32_t sz[] = {16, 32};
	struct world w = {0};

	w.base = kernel_structs("bar", sz, 2);
	w.dist = dist_struct("bar", 8);
	w.split = module_using(&w, 1, USE_PTR);
	sim(&w, false);
	expect_unmapped(&w, 1, "bar");
	assert_int_equal(w.res.types[0].nr_cands, 2);
	world_free(&w);
}

static void test_same_size_twice_ambiguous(void **state)
{
	static const uint32_t sz[] = {8, 8};
	struct world w = {0};

	w.base = kernel_structs("bar", sz, 2);
	w.dist = dist_struct("bar", 8);
	w.split = module_using(&w, 1, USE_PTR);
	sim(&w, false);
	assert_int_equal(w.res.err, -EINVAL);
	assert_int_equal(w.res.stage, KBTF_RELOC_STAGE_AMBIGUOUS);
	expect_log(&w, "distilled base BTF type 'bar' [1], size 8 has multiple candidates of the "
		       "same size (ids [2, 1]) in base BTF");
	assert_int_equal(w.res.types[0].status, KBTF_RELOC_AMBIGUOUS);
	assert_int_equal(w.res.types[0].cands[1].why, KBTF_CAND_AGAIN);
	world_free(&w);
}

static void test_struct_and_union_same_size_ambiguous(void **state)
{
	struct world w = {0};
	struct kbtf_builder *b = kbtf_builder_new(NULL);

	kbtf_builder_add_int(b, "int", 4, BTF_INT_SIGNED, 0, 32);
	kbtf_builder_add_union(b, "bar", 8);
	kbtf_builder_add_struct(b, "bar", 8);
	w.base = finish(b, NULL);
	w.dist = dist_struct("bar", 8);
	w.split = module_using(&w, 1, USE_VALUE);
	sim(&w, false);
	assert_int_equal(w.res.stage, KBTF_RELOC_STAGE_AMBIGUOUS);
	expect_log(&w, "distilled base BTF type 'bar' [1], size 8 has multiple candidates of the "
		       "same size (ids [3, 2]) in base BTF");
	world_free(&w);
}

static void test_fwd_plus_struct_ambiguous(void **state)
{
	struct world w = {0};
	struct kbtf_builder *b = kbtf_builder_new(NULL);

	kbtf_builder_add_fwd(b, "bar", false);
	kbtf_builder_add_struct(b, "bar", 8);
	w.base = finish(b, NULL);
	w.dist = dist_struct("bar", 8);
	w.split = module_using(&w, 1, USE_PTR);
	sim(&w, false);
	assert_int_equal(w.res.stage, KBTF_RELOC_STAGE_AMBIGUOUS);
	expect_log(&w, "distilled base BTF type 'bar' [1], size 8 has multiple candidates of the "
		       "same size (ids [2, 1]) in base BTF");
	world_free(&w);
}

/*
 * Embedded, FWD first: the FWD (size 0) fails the embedded size test, the
 * struct maps. Struct first: the first acceptance overwrites the embedded
 * mark, so the FWD that follows is taken too and the kernel reports
 * multiple candidates. Order matters; the simulator must follow it.
 */
static void test_embedded_fwd_order(void **state)
{
	struct world w = {0};
	struct kbtf_builder *b = kbtf_builder_new(NULL);

	kbtf_builder_add_fwd(b, "bar", false);
	kbtf_builder_add_struct(b, "bar", 8);
	w.base = finish(b, NULL);
	w.dist = dist_struct("bar", 8);
	w.split = module_using(&w, 1, USE_VALUE);
	sim(&w, false);
	expect_ok(&w, 1, 2);
	assert_true(w.res.types[0].embedded);
	assert_int_equal(w.res.types[0].cands[0].why, KBTF_CAND_EMBEDDED_SIZE);
	world_free(&w);

	b = kbtf_builder_new(NULL);
	kbtf_builder_add_struct(b, "bar", 8);
	kbtf_builder_add_fwd(b, "bar", false);
	w.base = finish(b, NULL);
	w.dist = dist_struct("bar", 8);
	w.split = module_using(&w, 1, USE_VALUE);
	sim(&w, false);
	assert_int_equal(w.res.stage, KBTF_RELOC_STAGE_AMBIGUOUS);
	expect_log(&w, "distilled base BTF type 'bar' [1], size 0 has multiple candidates of the "
		       "same size (ids [2, 1]) in base BTF");
	world_free(&w);
}

static void test_other_kind_same_name_maps(void **state)
{
	struct world w = {0};
	struct kbtf_builder *b = kbtf_builder_new(NULL);

	kbtf_builder_add_union(b, "bar", 40);
	w.base = finish(b, NULL);
	w.dist = dist_struct("bar", 8);
	w.split = module_using(&w, 1, USE_PTR);
	sim(&w, false);
	expect_ok(&w, 1, 1);
	world_free(&w);

	b = kbtf_builder_new(NULL);
	kbtf_builder_add_int(b, "bar", 8, 0, 0, 64);
	w.base = finish(b, NULL);
	w.dist = dist_struct("bar", 8);
	w.split = module_using(&w, 1, USE_PTR);
	sim(&w, false);
	expect_ok(&w, 1, 1);
	world_free(&w);

	/* an INT of another size: the INT's key is sized, so it never meets */
	b = kbtf_builder_new(NULL);
	kbtf_builder_add_int(b, "bar", 4, 0, 0, 32);
	w.base = finish(b, NULL);
	w.dist = dist_struct("bar", 8);
	w.split = module_using(&w, 1, USE_PTR);
	sim(&w, false);
	expect_unmapped(&w, 1, "bar");
	world_free(&w);
}

static void embedded_size_mismatch(enum use use, bool should_fail)
{
	static const uint32_t sz[] = {24};
	struct world w = {0};

	w.base = kernel_structs("foo", sz, 1);
	w.dist = dist_struct("foo", 16);
	w.split = module_using(&w, 1, use);
	sim(&w, false);
	if (should_fail) {
		expect_unmapped(&w, 1, "foo");
		assert_true(w.res.types[0].embedded);
		assert_int_not_equal(w.res.types[0].embedded_by, 0);
		assert_int_equal(w.res.types[0].cands[0].why, KBTF_CAND_EMBEDDED_SIZE);
		assert_int_equal(w.res.types[0].cands[0].size, 24);
	} else {
		expect_ok(&w, 1, 1);
		assert_false(w.res.types[0].embedded);
	}
	world_free(&w);
}

static void test_embedded_size_mismatch(void **state)
{
	embedded_size_mismatch(USE_VALUE, true);
	embedded_size_mismatch(USE_TYPEDEF, true);
	embedded_size_mismatch(USE_ARRAY, true);
	embedded_size_mismatch(USE_CONST, true);
	embedded_size_mismatch(USE_ANON, true); /* transitive through a split anon struct */
}

static void test_not_embedded_size_free(void **state)
{
	embedded_size_mismatch(USE_PTR, false);
	embedded_size_mismatch(USE_VAR, false);	  /* "viavar": a VAR does not mark */
	embedded_size_mismatch(USE_PARAM, false); /* nor does a parameter */
}

/* ---------------------------------------------------- 4.3: INT/ENUM/FLOAT */

static struct kbtf_btf *one_int(const char *name, uint32_t size, uint32_t enc, uint32_t bits)
{
	struct kbtf_builder *b = kbtf_builder_new(NULL);

	kbtf_builder_add_int(b, name, size, enc, 0, bits);
	return finish(b, NULL);
}

static void test_int_bits_ignored(void **state)
{
	struct world w = {0};

	w.base = one_int("int", 4, BTF_INT_SIGNED, 16);
	w.dist = one_int("int", 4, BTF_INT_SIGNED, 32);
	w.split = module_using(&w, 1, USE_VAR);
	sim(&w, false);
	expect_ok(&w, 1, 1);
	world_free(&w);
}

static void test_int_encoding_differs(void **state)
{
	struct world w = {0};

	w.base = one_int("int", 4, 0, 32);
	w.dist = one_int("int", 4, BTF_INT_SIGNED, 32);
	w.split = module_using(&w, 1, USE_VAR);
	sim(&w, false);
	expect_unmapped(&w, 1, "int");
	assert_int_equal(w.res.types[0].cands[0].why, KBTF_CAND_INT_ENCODING);
	world_free(&w);

	/* "char": unsigned in one kernel, SIGNED in the other (e1000e on 6.1) */
	w.base = one_int("char", 1, BTF_INT_SIGNED, 8);
	w.dist = one_int("char", 1, 0, 8);
	w.split = module_using(&w, 1, USE_VAR);
	sim(&w, false);
	expect_unmapped(&w, 1, "char");
	world_free(&w);
}

static void test_int_size_differs(void **state)
{
	struct world w = {0};

	w.base = one_int("long", 4, BTF_INT_SIGNED, 32);
	w.dist = one_int("long", 8, BTF_INT_SIGNED, 64);
	w.split = module_using(&w, 1, USE_VAR);
	sim(&w, false);
	expect_unmapped(&w, 1, "long");
	assert_int_equal(w.res.types[0].cands[0].why, KBTF_CAND_SIZE);
	world_free(&w);
}

static void test_int_twice_in_dist(void **state)
{
	struct world w = {0};
	struct kbtf_builder *b = kbtf_builder_new(NULL);

	kbtf_builder_add_int(b, "int", 4, BTF_INT_SIGNED, 0, 32);
	kbtf_builder_add_int(b, "int", 4, BTF_INT_SIGNED, 0, 32);
	w.dist = finish(b, NULL);
	w.base = one_int("int", 4, BTF_INT_SIGNED, 32);
	w.split = module_using(&w, 2, USE_VAR);
	sim(&w, false);
	expect_ok(&w, 1, 1);
	expect_ok(&w, 2, 1);
	world_free(&w);
}

static struct kbtf_btf *one_enum(bool is64, const char *name, uint32_t size)
{
	struct kbtf_builder *b = kbtf_builder_new(NULL);

	if (is64)
		kbtf_builder_add_enum64(b, name, size, true);
	else
		kbtf_builder_add_enum(b, name, size, false);
	return finish(b, NULL);
}

static void test_enum_rules(void **state)
{
	struct world w = {0};

	/* ENUM64 of the same size maps; signedness is not compared */
	w.base = one_enum(true, "e", 4);
	w.dist = one_enum(false, "e", 4);
	w.split = module_using(&w, 1, USE_VAR);
	sim(&w, false);
	expect_ok(&w, 1, 1);
	world_free(&w);

	w.base = one_enum(false, "e", 8);
	w.dist = one_enum(false, "e", 4);
	w.split = module_using(&w, 1, USE_VAR);
	sim(&w, false);
	expect_unmapped(&w, 1, "e");
	world_free(&w);
}

static void test_float_rules(void **state)
{
	struct world w = {0};
	struct kbtf_builder *b = kbtf_builder_new(NULL);

	kbtf_builder_add_float(b, "double", 16);
	w.base = finish(b, NULL);
	b = kbtf_builder_new(NULL);
	kbtf_builder_add_float(b, "double", 8);
	w.dist = finish(b, NULL);
	w.split = module_using(&w, 1, USE_VAR);
	sim(&w, false);
	expect_unmapped(&w, 1, "double");
	world_free(&w);

	b = kbtf_builder_new(NULL);
	kbtf_builder_add_int(b, "double", 8, 0, 0, 64);
	kbtf_builder_add_float(b, "double", 8);
	w.base = finish(b, NULL);
	b = kbtf_builder_new(NULL);
	kbtf_builder_add_float(b, "double", 8);
	w.dist = finish(b, NULL);
	w.split = module_using(&w, 1, USE_VAR);
	sim(&w, false);
	expect_ok(&w, 1, 2);
	assert_int_equal(w.res.types[0].cands[0].why, KBTF_CAND_KIND);
	world_free(&w);
}

/* ------------------------------------------------------- 4.3: FWD quirk */

static struct kbtf_btf *dist_fwd(bool is_union)
{
	struct kbtf_builder *b = kbtf_builder_new(NULL);

	kbtf_builder_add_fwd(b, "fw", is_union);
	return finish(b, NULL);
}

/* Kernel: int (1), then a struct/union "fw" with or without bitfields (2). */
static struct kbtf_btf *kernel_fw(bool is_union, bool bitfields)
{
	struct kbtf_builder *b = kbtf_builder_new(NULL);

	kbtf_builder_add_int(b, "int", 4, BTF_INT_SIGNED, 0, 32);
	if (is_union)
		kbtf_builder_add_union(b, "fw", 4);
	else
		kbtf_builder_add_struct(b, "fw", 4);
	kbtf_builder_add_member(b, "a", 1, 0, bitfields ? 3 : 0);
	return finish(b, NULL);
}

static void fwd_case(struct kbtf_btf *base, bool dist_union, bool ok, uint32_t target)
{
	struct world w = {0};

	w.base = base;
	w.dist = dist_fwd(dist_union);
	w.split = module_using(&w, 1, USE_PTR);
	sim(&w, false);
	if (ok) {
		expect_ok(&w, 1, target);
	} else {
		expect_unmapped(&w, 1, "fw");
		assert_int_equal(w.res.types[0].cands[0].why, KBTF_CAND_FWD_FLAG);
	}
	world_free(&w);
}

static struct kbtf_btf *kernel_fwd(bool is_union)
{
	return dist_fwd(is_union);
}

static void test_fwd_quirk(void **state)
{
	fwd_case(kernel_fwd(false), false, true, 1);
	fwd_case(kernel_fwd(true), false, false, 0);
	fwd_case(kernel_fwd(true), true, true, 1);
	/* the composite's own bitfield flag decides, not the FWD's flag */
	fwd_case(kernel_fw(false, false), false, true, 2);
	fwd_case(kernel_fw(false, true), false, false, 0);
	fwd_case(kernel_fw(true, true), true, true, 2);
	fwd_case(kernel_fw(true, false), true, false, 0);
	fwd_case(kernel_fw(true, true), false, true, 2); /* struct FWD takes a bitfield union */
}

static void test_fwd_needs_unique_name(void **state)
{
	static const uint32_t sz[] = {40, 48};
	struct world w = {0};

	w.base = kernel_structs("fw", sz, 2);
	w.dist = dist_fwd(false);
	w.split = module_using(&w, 1, USE_PTR);
	sim(&w, false);
	expect_unmapped(&w, 1, "fw");
	assert_int_equal(w.res.types[0].cands[0].why, KBTF_CAND_SIZE);
	world_free(&w);
}

/* ------------------------------------------------------ step 8 and order */

static void test_missing_type(void **state)
{
	struct world w = {0};

	w.base = one_int("int", 4, BTF_INT_SIGNED, 32);
	w.dist = dist_struct("spinlock", 4);
	w.split = module_using(&w, 1, USE_VALUE);
	sim(&w, false);
	expect_unmapped(&w, 1, "spinlock");
	assert_int_equal(w.res.types[0].nr_cands, 0);
	world_free(&w);
}

/* Every bad type is reported; the kernel's log names the first in id order. */
static void test_all_unmapped_reported(void **state)
{
	struct world w = {0};
	struct kbtf_builder *b = kbtf_builder_new(NULL);

	kbtf_builder_add_struct(b, "zeta", 8);
	kbtf_builder_add_struct(b, "alpha", 8);
	kbtf_builder_add_int(b, "int", 4, BTF_INT_SIGNED, 0, 32);
	kbtf_builder_add_struct(b, "mid", 8);
	w.dist = finish(b, NULL);
	b = kbtf_builder_new(NULL);
	kbtf_builder_add_int(b, "int", 4, BTF_INT_SIGNED, 0, 32);
	kbtf_builder_add_struct(b, "alpha", 8);
	w.base = finish(b, NULL);
	w.split = module_using(&w, 1, USE_PTR);
	sim(&w, false);
	expect_unmapped(&w, 1, "zeta");
	assert_int_equal(w.res.nr_bad, 2);
	assert_int_equal(w.res.types[3].status, KBTF_RELOC_UNMAPPED);
	assert_int_equal(kbtf_reloc_map_id(&w.res, 2), 2);
	assert_int_equal(kbtf_reloc_map_id(&w.res, 3), 1);
	world_free(&w);
}

/* An ambiguity stops the kernel's scan: it is reported even though an
 * unmapped type has a lower distilled id. */
static void test_ambiguity_beats_unmapped(void **state)
{
	struct world w = {0};
	struct kbtf_builder *b = kbtf_builder_new(NULL);

	kbtf_builder_add_struct(b, "gone", 8);
	kbtf_builder_add_struct(b, "dup", 8);
	w.dist = finish(b, NULL);
	b = kbtf_builder_new(NULL);
	kbtf_builder_add_struct(b, "dup", 8);
	kbtf_builder_add_struct(b, "dup", 8);
	w.base = finish(b, NULL);
	w.split = module_using(&w, 1, USE_PTR);
	sim(&w, false);
	assert_int_equal(w.res.stage, KBTF_RELOC_STAGE_AMBIGUOUS);
	assert_int_equal(w.res.first_bad, 2);
	assert_int_equal(w.res.nr_bad, 2);
	world_free(&w);
}

/* The first ambiguity in kernel id order wins, whatever the name order. */
static void test_first_ambiguity_by_kernel_id(void **state)
{
	struct world w = {0};
	struct kbtf_builder *b = kbtf_builder_new(NULL);

	kbtf_builder_add_struct(b, "aaa", 8);
	kbtf_builder_add_struct(b, "zzz", 8);
	w.dist = finish(b, NULL);
	b = kbtf_builder_new(NULL);
	kbtf_builder_add_struct(b, "zzz", 8); /* 1 */
	kbtf_builder_add_struct(b, "zzz", 8); /* 2: zzz is ambiguous here */
	kbtf_builder_add_struct(b, "aaa", 8); /* 3 */
	kbtf_builder_add_struct(b, "aaa", 8); /* 4 */
	w.base = finish(b, NULL);
	w.split = module_using(&w, 1, USE_PTR);
	sim(&w, false);
	expect_log(&w, "distilled base BTF type 'zzz' [2], size 8 has multiple candidates of the "
		       "same size (ids [2, 1]) in base BTF");
	world_free(&w);
}

/* ------------------------------------------- 4.4: pre-fix embedded marking */

/*
 * The split's last nD types are not scanned by unfixed kernels. Here the
 * module has 2 types and D has 2 (VOID + foo): the struct embedding foo is
 * split id 3, which an unfixed kernel (ids [2, 2)) never looks at.
 */
static void test_pre_fix_mode(void **state)
{
	static const uint32_t sz[] = {24};
	struct world w = {0};
	struct kbtf_builder *b;

	w.base = kernel_structs("foo", sz, 1);
	w.dist = dist_struct("foo", 16);
	b = kbtf_builder_new(w.dist);
	kbtf_builder_add_struct(b, "mod_state", 64);
	kbtf_builder_add_member(b, "f", 1, 0, 0);
	w.split = finish(b, w.dist);

	sim(&w, false);
	expect_unmapped(&w, 1, "foo");
	assert_true(w.res.types[0].embedded_fixed);
	assert_false(w.res.types[0].embedded_prefix);
	assert_true(w.res.mode_sensitive);
	assert_int_equal(w.res.other_mode_err, 0);
	kbtf_reloc_result_fini(&w.res);

	sim(&w, true);
	expect_ok(&w, 1, 1);
	assert_false(w.res.types[0].embedded);
	assert_true(w.res.mode_sensitive);
	assert_int_equal(w.res.other_mode_err, -EINVAL);
	world_free(&w);
}

static void test_mode_insensitive(void **state)
{
	struct world w = {0};

	w.base = one_int("int", 4, BTF_INT_SIGNED, 32);
	w.dist = dist_struct("spinlock", 4);
	w.split = module_using(&w, 1, USE_VALUE);
	sim(&w, true);
	assert_false(w.res.mode_sensitive);
	world_free(&w);
}

/* ------------------------------------------------------- step 10, strings */

static void test_string_not_mapped(void **state)
{
	struct world w = {0};
	struct kbtf_builder *b;
	struct btf_type t = {0};
	uint32_t rec[3];

	w.base = kernel_structs("spinlock", (const uint32_t[]){4}, 1);
	w.dist = dist_struct("spinlock", 4); /* strings "\0spinlock\0": name at 1 */
	b = kbtf_builder_new(w.dist);
	kbtf_builder_add_ptr(b, 1);
	/* a typedef named at offset 1 (the distilled name itself): fine */
	kbtf_builder_add_typedef(b, "x", 1);
	t.name_off = 1;
	t.info = kbtf_info(BTF_KIND_TYPEDEF, false, 0);
	t.type = 1;
	memcpy(rec, &t, sizeof(rec));
	kbtf_builder_add_raw(b, rec, sizeof(rec));
	w.split = finish(b, w.dist);
	sim(&w, false);
	expect_ok(&w, 1, 1);
	world_free(&w);

	w.base = kernel_structs("spinlock", (const uint32_t[]){4}, 1);
	w.dist = dist_struct("spinlock", 4);
	b = kbtf_builder_new(w.dist);
	t.name_off = 3; /* "inlock": inside the distilled strings, no name starts there */
	/* (the raw record must be the first split type: it is the one reported) */
	memcpy(rec, &t, sizeof(rec));
	kbtf_builder_add_raw(b, rec, sizeof(rec));
	kbtf_builder_add_typedef(b, "own_name", 1); /* a string of its own, at >= 10: fine */
	w.split = finish(b, w.dist);
	sim(&w, false);
	assert_int_equal(w.res.err, -ENOENT);
	assert_int_equal(w.res.stage, KBTF_RELOC_STAGE_STRING);
	expect_log(&w, "string '' [offset 3] is not mapped to base BTF");
	assert_int_equal(w.res.nr_badstrs, 1);
	assert_int_equal(w.res.badstrs[0].type_id, 2);
	world_free(&w);
}

/* --------------------------------------------------------- defensive paths */

/* A kernel type whose name offset is nonzero but names "" meets the VOID
 * entry of the sorted distilled base. */
static void test_empty_name_meets_void(void **state)
{
	struct world w = {0};
	struct kbtf_builder *b = kbtf_builder_new(NULL);
	struct btf_type t = {0};
	int off;

	kbtf_builder_add_struct(b, "bar", 8);
	off = kbtf_builder_add_str(b, "bar"); /* "\0bar\0": offset 4 is "" */
	t.name_off = (uint32_t)off + 3;
	t.info = kbtf_info(BTF_KIND_STRUCT, false, 0);
	t.size = 8;
	kbtf_builder_add_raw(b, &t, sizeof(t));
	w.base = finish(b, NULL);
	w.dist = dist_struct("bar", 8);
	w.split = module_using(&w, 1, USE_PTR);
	sim(&w, false);
	assert_int_equal(w.res.err, -EINVAL);
	assert_int_equal(w.res.stage, KBTF_RELOC_STAGE_BADMAP);
	expect_log(&w, "base BTF id [2] maps to invalid distilled base BTF id [0]");
	world_free(&w);
}

static void test_array_loop_detected(void **state)
{
	static const uint32_t sz[] = {8};
	struct world w = {0};
	struct kbtf_builder *b;
	int arr;

	w.base = kernel_structs("bar", sz, 1);
	w.dist = dist_struct("bar", 8);
	b = kbtf_builder_new(w.dist);
	arr = kbtf_builder_add_array(b, 3, 1, 2);	/* id 2, element 3 */
	kbtf_builder_add_array(b, (uint32_t)arr, 1, 2); /* id 3, element 2 */
	kbtf_builder_add_struct(b, "m", 8);
	kbtf_builder_add_member(b, "a", (uint32_t)arr, 0, 0);
	w.split = finish(b, w.dist);
	sim(&w, false);
	assert_int_equal(w.res.err, -ELOOP);
	assert_int_equal(w.res.stage, KBTF_RELOC_STAGE_LOOP);
	world_free(&w);
}

/* ------------------------------------------------------- stacked layers */

/*
 * A kernel of two layers: vmlinux {1 struct bar (8)} and a split layer on
 * it {2 struct bar (@upper_size), 3 struct only_up (4)}. The upper bar
 * reuses vmlinux's name string (as a deduplicating encoder writes it)
 * when @shared_name, else has a string of its own.
 */
static struct kbtf_btf *stack_kernel(uint32_t upper_size, bool shared_name,
				     struct kbtf_btf **bottom)
{
	struct kbtf_builder *b = kbtf_builder_new(NULL);
	uint32_t rec[3];

	kbtf_builder_add_struct(b, "bar", 8);
	*bottom = finish(b, NULL);
	b = kbtf_builder_new(*bottom);
	rec[0] = shared_name ? kbtf_btf_type(*bottom, 1)->name_off
			     : (uint32_t)kbtf_builder_add_str(b, "bar");
	rec[1] = kbtf_info(BTF_KIND_STRUCT, false, 0);
	rec[2] = upper_size;
	assert_int_equal(kbtf_builder_add_raw(b, rec, sizeof(rec)), 2);
	assert_int_equal(kbtf_builder_add_struct(b, "only_up", 4), 3);
	return finish(b, *bottom);
}

static void stack_case(uint32_t upper, bool shared, uint32_t want_size, enum use use,
		       struct world *w, struct kbtf_btf **bottom)
{
	w->base = stack_kernel(upper, shared, bottom);
	w->dist = dist_struct("bar", want_size);
	w->split = module_using(w, 1, use);
	sim(w, false);
}

static void stack_done(struct world *w, struct kbtf_btf *bottom)
{
	world_free(w); /* the top layer first: it refers to the bottom */
	kbtf_btf_free(bottom);
}

static void test_stack_resolves_across_layers(void **state)
{
	struct kbtf_btf *bottom;
	struct world w = {0};

	/* the upper layer's 16-byte bar is the only fit for an embedded bar 16 */
	stack_case(16, true, 16, USE_VALUE, &w, &bottom);
	expect_ok(&w, 1, 2);
	stack_done(&w, bottom);
	/* and the bottom's for bar 8 */
	stack_case(16, true, 8, USE_VALUE, &w, &bottom);
	expect_ok(&w, 1, 1);
	stack_done(&w, bottom);
	/* a type only the upper layer has */
	w.base = stack_kernel(16, true, &bottom);
	w.dist = dist_struct("only_up", 4);
	w.split = module_using(&w, 1, USE_VALUE);
	sim(&w, false);
	expect_ok(&w, 1, 3);
	stack_done(&w, bottom);
}

static void test_stack_ambiguity_in_scan_order(void **state)
{
	struct kbtf_btf *bottom;
	struct world w = {0};

	/* the same size in both layers: the scan meets [1] first, then [2] */
	stack_case(8, true, 8, USE_PTR, &w, &bottom);
	assert_int_equal(w.res.stage, KBTF_RELOC_STAGE_AMBIGUOUS);
	expect_log(&w, "distilled base BTF type 'bar' [1], size 8 has multiple candidates of the "
		       "same size (ids [2, 1]) in base BTF");
	stack_done(&w, bottom);
	/*
	 * Names counted by string offset, as the kernel does: with a string of
	 * its own the upper bar counts apart, so both bars are keyed by name
	 * alone and a pointed-to bar 8 meets two candidates.
	 */
	stack_case(16, false, 8, USE_PTR, &w, &bottom);
	assert_int_equal(w.res.stage, KBTF_RELOC_STAGE_AMBIGUOUS);
	stack_done(&w, bottom);
	/* shared string: counted together, keyed by size, only [1] fits */
	stack_case(16, true, 8, USE_PTR, &w, &bottom);
	expect_ok(&w, 1, 1);
	stack_done(&w, bottom);
}

static void test_not_split(void **state)
{
	struct kbtf_btf *base = one_int("int", 4, 0, 32);
	struct kbtf_reloc_result res;

	assert_int_equal(kbtf_relocate_sim_btf(base, base, NULL, &res), -EINVAL);
	kbtf_btf_free(base);
}

/* The target is indexed once and shared: many modules, one target. */
static void test_target_reuse(void **state)
{
	static const uint32_t sz[] = {8, 16};
	struct kbtf_reloc_target *tgt;
	struct world w = {0};
	int i;

	w.base = kernel_structs("bar", sz, 2);
	w.dist = dist_struct("bar", 16);
	w.split = module_using(&w, 1, USE_VALUE);
	assert_int_equal(kbtf_reloc_target_new(w.base, &tgt), 0);
	for (i = 0; i < 3; i++) {
		assert_int_equal(kbtf_relocate_sim(w.split, tgt, NULL, &w.res), 0);
		expect_ok(&w, 1, 2);
		kbtf_reloc_result_fini(&w.res);
	}
	kbtf_reloc_target_free(tgt);
	world_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_distilled_anonymous),
	    cmocka_unit_test(test_distilled_bad_kinds),
	    cmocka_unit_test(test_unique_name_size_ignored),
	    cmocka_unit_test(test_two_sizes_picks_equal),
	    cmocka_unit_test(test_two_sizes_none_equal),
	    cmocka_unit_test(test_same_size_twice_ambiguous),
	    cmocka_unit_test(test_struct_and_union_same_size_ambiguous),
	    cmocka_unit_test(test_fwd_plus_struct_ambiguous),
	    cmocka_unit_test(test_embedded_fwd_order),
	    cmocka_unit_test(test_other_kind_same_name_maps),
	    cmocka_unit_test(test_embedded_size_mismatch),
	    cmocka_unit_test(test_not_embedded_size_free),
	    cmocka_unit_test(test_int_bits_ignored),
	    cmocka_unit_test(test_int_encoding_differs),
	    cmocka_unit_test(test_int_size_differs),
	    cmocka_unit_test(test_int_twice_in_dist),
	    cmocka_unit_test(test_enum_rules),
	    cmocka_unit_test(test_float_rules),
	    cmocka_unit_test(test_fwd_quirk),
	    cmocka_unit_test(test_fwd_needs_unique_name),
	    cmocka_unit_test(test_missing_type),
	    cmocka_unit_test(test_all_unmapped_reported),
	    cmocka_unit_test(test_ambiguity_beats_unmapped),
	    cmocka_unit_test(test_first_ambiguity_by_kernel_id),
	    cmocka_unit_test(test_pre_fix_mode),
	    cmocka_unit_test(test_mode_insensitive),
	    cmocka_unit_test(test_string_not_mapped),
	    cmocka_unit_test(test_empty_name_meets_void),
	    cmocka_unit_test(test_array_loop_detected),
	    cmocka_unit_test(test_stack_resolves_across_layers),
	    cmocka_unit_test(test_stack_ambiguity_in_scan_order),
	    cmocka_unit_test(test_not_split),
	    cmocka_unit_test(test_target_reuse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
