// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Distillation against the rules of libbpf's btf__distill_base() in
 * docs/kernel-rules.md section 3, on synthetic bases and splits: which base
 * types are kept (3.2), where each kind goes and in what form (3.3),
 * ordering and id rewriting (3.4), string tables (3.5), every refusal
 * (3.1), plus kbtf's additions: extra roots, ambiguity warnings, the
 * layout record and .BTF_ids patching.
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
#include "btf_ids.h"
#include "kbtf/builder.h"
#include "kbtf/distill.h"
#include "kbtf/err.h"
#include "distill_origin.h"
#include "distill_redistill.h"

struct pair {
	struct kbtf_buf base_raw, split_raw;
	struct kbtf_btf *base, *split;
};

static struct kbtf_btf *parse(struct kbtf_buf *raw, const struct kbtf_btf *base)
{
	struct kbtf_parse_opts o = {.base = base, .name = "t"};
	struct kbtf_btf *btf = NULL;

	if (kbtf_btf_parse(raw->data, raw->size, &o, &btf))
		fail_msg("parse: %s", kbtf_errstr());
	return btf;
}

static void finish_base(struct pair *p, struct kbtf_builder *b, enum kbtf_endian e)
{
	struct kbtf_write_opts wo = {.endian = e};

	assert_int_equal(kbtf_builder_write(b, &wo, &p->base_raw), 0);
	kbtf_builder_free(b);
	p->base = parse(&p->base_raw, NULL);
}

static void finish_split(struct pair *p, struct kbtf_builder *b, enum kbtf_endian e)
{
	struct kbtf_write_opts wo = {.endian = e};

	assert_int_equal(kbtf_builder_write(b, &wo, &p->split_raw), 0);
	kbtf_builder_free(b);
	p->split = parse(&p->split_raw, p->base);
}

static void pair_free(struct pair *p)
{
	kbtf_btf_free(p->split);
	kbtf_btf_free(p->base);
	kbtf_buf_release(&p->split_raw);
	kbtf_buf_release(&p->base_raw);
}

static const char *name_of(const struct kbtf_btf *b, uint32_t id)
{
	return kbtf_btf_str(b, kbtf_btf_type(b, id)->name_off);
}

static void expect_type(const struct kbtf_btf *b, uint32_t id, uint32_t kind, const char *name,
			uint32_t size_or_type, uint32_t vlen, bool kflag)
{
	const struct btf_type *t = kbtf_btf_type(b, id);

	assert_non_null(t);
	if (kbtf_kind(t) != kind || strcmp(name_of(b, id), name) || t->size != size_or_type ||
	    kbtf_vlen(t) != vlen || kbtf_kflag(t) != kflag)
		fail_msg("[%u]: got %s '%s' %u vlen %u kflag %d, want %s '%s' %u vlen %u kflag %d",
			 id, kbtf_kind_str(kbtf_kind(t)), name_of(b, id), t->size, kbtf_vlen(t),
			 kbtf_kflag(t), kbtf_kind_str(kind), name, size_or_type, vlen, kflag);
}

/*
 * A base with one of every kind a split may reference, and a few it may
 * not. Ids are fixed; the comments say what the rules make of each.
 */
enum {
	B_INT = 1,  /* INT int 4 signed: to base, byte for byte */
	B_UINT,	    /* INT 'unsigned int' 4: referenced only by S_OWN via typedef */
	B_DOUBLE,   /* FLOAT double 8: to base */
	B_FWD,	    /* FWD union 'opaque': to base, kflag kept */
	B_S,	    /* STRUCT s 16 {int a; enum e en; struct t *p}: base, memberless */
	B_T,	    /* STRUCT t 8: only behind s's member: not needed */
	B_T_PTR,    /* PTR -> t: only s's member: not needed */
	B_U,	    /* UNION u 4: base, memberless */
	B_ANON,	    /* STRUCT (anon) 4 {unsigned x}: split, full, members followed */
	B_E,	    /* ENUM e 4 signed {A=-1}: base as ENUM 4 kflag 0 vlen 0 */
	B_E64,	    /* ENUM64 e64 8 signed: base as ENUM 8 kflag 0 */
	B_EANON,    /* ENUM (anon) 4 {B=1}: split, full copy */
	B_TD,	    /* TYPEDEF td -> s: split */
	B_PTR_U,    /* PTR -> u: split */
	B_ARR,	    /* ARRAY int[4] index int: split */
	B_CONST,    /* CONST -> double: split */
	B_VOL,	    /* VOLATILE -> int: split */
	B_RESTR,    /* RESTRICT -> PTR u: split */
	B_TAG,	    /* TYPE_TAG user -> int: split */
	B_PROTO,    /* FUNC_PROTO int (e) : split */
	B_FUNC,	    /* FUNC f -> proto: refused when referenced */
	B_VAR,	    /* VAR v int: refused */
	B_SEC,	    /* DATASEC .data: refused */
	B_DTAG,	    /* DECL_TAG on s: refused */
	B_UNUSED,   /* INT unused: not referenced */
	B_PTR_FUNC, /* PTR -> FUNC: refused through recursion */
	B_NR,
};

static struct kbtf_builder *kinds_base(void)
{
	struct kbtf_builder *b = kbtf_builder_new(NULL);

	assert_int_equal(kbtf_builder_add_int(b, "int", 4, BTF_INT_SIGNED, 0, 32), B_INT);
	assert_int_equal(kbtf_builder_add_int(b, "unsigned int", 4, 0, 0, 32), B_UINT);
	assert_int_equal(kbtf_builder_add_float(b, "double", 8), B_DOUBLE);
	assert_int_equal(kbtf_builder_add_fwd(b, "opaque", true), B_FWD);
	assert_int_equal(kbtf_builder_add_struct(b, "s", 16), B_S);
	kbtf_builder_add_member(b, "a", B_INT, 0, 0);
	kbtf_builder_add_member(b, "en", B_E, 32, 0);
	kbtf_builder_add_member(b, "p", B_T_PTR, 64, 0);
	assert_int_equal(kbtf_builder_add_struct(b, "t", 8), B_T);
	kbtf_builder_add_member(b, "z", B_INT, 0, 0);
	assert_int_equal(kbtf_builder_add_ptr(b, B_T), B_T_PTR);
	assert_int_equal(kbtf_builder_add_union(b, "u", 4), B_U);
	kbtf_builder_add_member(b, "i", B_INT, 0, 0);
	assert_int_equal(kbtf_builder_add_struct(b, NULL, 4), B_ANON);
	kbtf_builder_add_member(b, "x", B_UINT, 0, 0);
	assert_int_equal(kbtf_builder_add_enum(b, "e", 4, true), B_E);
	kbtf_builder_add_enum_value(b, "A", -1);
	assert_int_equal(kbtf_builder_add_enum64(b, "e64", 8, true), B_E64);
	kbtf_builder_add_enum64_value(b, "BIG", 1ull << 40);
	assert_int_equal(kbtf_builder_add_enum(b, NULL, 4, false), B_EANON);
	kbtf_builder_add_enum_value(b, "B", 1);
	assert_int_equal(kbtf_builder_add_typedef(b, "td", B_S), B_TD);
	assert_int_equal(kbtf_builder_add_ptr(b, B_U), B_PTR_U);
	assert_int_equal(kbtf_builder_add_array(b, B_INT, B_INT, 4), B_ARR);
	assert_int_equal(kbtf_builder_add_const(b, B_DOUBLE), B_CONST);
	assert_int_equal(kbtf_builder_add_volatile(b, B_INT), B_VOL);
	assert_int_equal(kbtf_builder_add_restrict(b, B_PTR_U), B_RESTR);
	assert_int_equal(kbtf_builder_add_type_tag(b, "user", B_INT), B_TAG);
	assert_int_equal(kbtf_builder_add_func_proto(b, B_INT), B_PROTO);
	kbtf_builder_add_param(b, "arg", B_E);
	assert_int_equal(kbtf_builder_add_func(b, "f", BTF_FUNC_GLOBAL, B_PROTO), B_FUNC);
	assert_int_equal(kbtf_builder_add_var(b, "v", B_INT, 1), B_VAR);
	assert_int_equal(kbtf_builder_add_datasec(b, ".data", 4), B_SEC);
	kbtf_builder_add_secinfo(b, B_VAR, 0, 4);
	assert_int_equal(kbtf_builder_add_decl_tag(b, "dtag", B_S, -1), B_DTAG);
	assert_int_equal(kbtf_builder_add_int(b, "unused", 2, 0, 0, 16), B_UNUSED);
	assert_int_equal(kbtf_builder_add_ptr(b, B_FUNC), B_PTR_FUNC);
	return b;
}

/*
 * Split types (ids from B_NR): S_OWN references, in member order, every
 * referable kind; S_PTR points at S_OWN (split -> split reference).
 */
static void kinds_split(struct pair *p, enum kbtf_endian e)
{
	static const uint32_t refs[] = {B_INT,	 B_DOUBLE, B_FWD,   B_S,   B_U,	    B_ANON,
					B_E,	 B_E64,	   B_EANON, B_TD,  B_PTR_U, B_ARR,
					B_CONST, B_VOL,	   B_RESTR, B_TAG, B_PROTO};
	struct kbtf_builder *b;
	char name[16];
	size_t i;

	finish_base(p, kinds_base(), e);
	b = kbtf_builder_new(p->base);
	assert_int_equal(kbtf_builder_add_struct(b, "own", 128), B_NR);
	for (i = 0; i < sizeof(refs) / sizeof(refs[0]); i++) {
		snprintf(name, sizeof(name), "m%zu", i);
		kbtf_builder_add_member(b, name, refs[i], (uint32_t)i * 32, 0);
	}
	assert_int_equal(kbtf_builder_add_ptr(b, B_NR), B_NR + 1);
	finish_split(p, b, e);
}

static void placement_and_order(void **state)
{
	struct kbtf_distill_result r;
	struct pair p = {0};
	uint32_t own, first_copy;

	(void)state;
	kinds_split(&p, KBTF_ENDIAN_LITTLE);
	assert_int_equal(kbtf_distill(p.split, NULL, &r), 0);

	/* 3.3 + 3.4: base = INT, FLOAT, FWD, named composites, named enums, by original id */
	assert_int_equal(kbtf_btf_type_cnt(r.base_btf), 9);
	expect_type(r.base_btf, 1, BTF_KIND_INT, "int", 4, 0, false);
	assert_int_equal(kbtf_int_word(kbtf_btf_type(r.base_btf, 1)), BTF_INT_SIGNED << 24 | 32);
	expect_type(r.base_btf, 2, BTF_KIND_INT, "unsigned int", 4, 0, false);
	expect_type(r.base_btf, 3, BTF_KIND_FLOAT, "double", 8, 0, false);
	expect_type(r.base_btf, 4, BTF_KIND_FWD, "opaque", 0, 0, true);
	expect_type(r.base_btf, 5, BTF_KIND_STRUCT, "s", 16, 0, false);
	expect_type(r.base_btf, 6, BTF_KIND_UNION, "u", 4, 0, false);
	expect_type(r.base_btf, 7, BTF_KIND_ENUM, "e", 4, 0, false);
	expect_type(r.base_btf, 8, BTF_KIND_ENUM, "e64", 8, 0, false);
	assert_int_equal(r.nr_base_types, 8);

	/* split: its own types first, renumbered from 9 */
	own = 9;
	assert_int_equal(kbtf_btf_start_id(r.split_btf), 9);
	expect_type(r.split_btf, own, BTF_KIND_STRUCT, "own", 128, 17, false);
	expect_type(r.split_btf, own + 1, BTF_KIND_PTR, "", own, 0, false);

	/* then the base types copied in full, by original id */
	first_copy = own + 2;
	assert_int_equal(r.nr_copied, 10);
	assert_int_equal(kbtf_btf_type_cnt(r.split_btf), first_copy + 10);
	expect_type(r.split_btf, first_copy, BTF_KIND_STRUCT, "", 4, 1, false);	  /* B_ANON */
	expect_type(r.split_btf, first_copy + 1, BTF_KIND_ENUM, "", 4, 1, false); /* B_EANON */
	expect_type(r.split_btf, first_copy + 2, BTF_KIND_TYPEDEF, "td", 5, 0, false);
	expect_type(r.split_btf, first_copy + 3, BTF_KIND_PTR, "", 6, 0, false);
	expect_type(r.split_btf, first_copy + 4, BTF_KIND_ARRAY, "", 0, 0, false);
	expect_type(r.split_btf, first_copy + 5, BTF_KIND_CONST, "", 3, 0, false);
	expect_type(r.split_btf, first_copy + 6, BTF_KIND_VOLATILE, "", 1, 0, false);
	expect_type(r.split_btf, first_copy + 7, BTF_KIND_RESTRICT, "", first_copy + 3, 0, false);
	expect_type(r.split_btf, first_copy + 8, BTF_KIND_TYPE_TAG, "user", 1, 0, false);
	expect_type(r.split_btf, first_copy + 9, BTF_KIND_FUNC_PROTO, "", 1, 1, false);

	/* ids inside copies and split types are rewritten (3.4) */
	assert_int_equal(kbtf_members(kbtf_btf_type(r.split_btf, first_copy))[0].type, 2);
	assert_int_equal(kbtf_array(kbtf_btf_type(r.split_btf, first_copy + 4))->type, 1);
	assert_int_equal(kbtf_array(kbtf_btf_type(r.split_btf, first_copy + 4))->index_type, 1);
	assert_int_equal(kbtf_params(kbtf_btf_type(r.split_btf, first_copy + 9))[0].type, 7);
	assert_int_equal(kbtf_members(kbtf_btf_type(r.split_btf, own))[3].type, 5); /* s */
	assert_int_equal(kbtf_members(kbtf_btf_type(r.split_btf, own))[5].type,
			 first_copy); /* anonymous struct */
	assert_int_equal(kbtf_members(kbtf_btf_type(r.split_btf, own))[16].type,
			 first_copy + 9); /* proto */

	/* the old -> new map says the same, 0 for what was dropped */
	assert_int_equal(r.id_map[B_S], 5);
	assert_int_equal(r.id_map[B_T], 0);
	assert_int_equal(r.id_map[B_T_PTR], 0);
	assert_int_equal(r.id_map[B_UNUSED], 0);
	assert_int_equal(r.id_map[B_TD], first_copy + 2);
	assert_int_equal(r.id_map[B_NR], own);
	kbtf_distill_result_release(&r);
	pair_free(&p);
}

/* Both outputs: 24-byte headers, in the source's byte order (3.1). */
static void byte_order_and_header(void **state)
{
	struct kbtf_distill_result r;
	struct pair p = {0};

	(void)state;
	kinds_split(&p, KBTF_ENDIAN_BIG);
	assert_int_equal(kbtf_distill(p.split, NULL, &r), 0);
	assert_int_equal(r.base.data[0], 0xeb);
	assert_int_equal(r.base.data[1], 0x9f);
	assert_int_equal(r.split.data[0], 0xeb);
	assert_int_equal(kbtf_btf_hdr_len(r.base_btf), 24);
	assert_int_equal(kbtf_btf_hdr_len(r.split_btf), 24);
	assert_int_equal(kbtf_btf_endian(r.split_btf), KBTF_ENDIAN_BIG);
	assert_int_equal(r.nr_base_types, 8);
	kbtf_distill_result_release(&r);
	pair_free(&p);
}

/* 3.5: base strings in base order with a leading NUL; split strings look in the base first. */
static void string_tables(void **state)
{
	static const char want_base[] = "\0int\0unsigned int\0double\0opaque\0s\0u\0e\0e64";
	struct kbtf_distill_result r;
	struct pair p = {0};
	const char *split_strs;
	uint32_t own_name;

	(void)state;
	kinds_split(&p, KBTF_ENDIAN_LITTLE);
	assert_int_equal(kbtf_distill(p.split, NULL, &r), 0);
	assert_int_equal(kbtf_btf_str_len(r.base_btf), sizeof(want_base));
	assert_memory_equal(r.base.data + 24 + kbtf_btf_type_len(r.base_btf), want_base,
			    sizeof(want_base));

	/* split: no leading NUL; "own" first, then member names in order */
	split_strs = (const char *)r.split.data + 24 + kbtf_btf_type_len(r.split_btf);
	assert_string_equal(split_strs, "own");
	assert_string_equal(split_strs + 4, "m0");
	own_name = kbtf_btf_type(r.split_btf, 9)->name_off;
	assert_int_equal(own_name, sizeof(want_base));
	/* "td" and "user" are not base names: they live in the split's table */
	assert_true(kbtf_btf_type(r.split_btf, 13)->name_off >= sizeof(want_base));
	/* the anonymous struct's member "x" too; a name equal to a base name uses the base */
	assert_string_equal(
	    kbtf_btf_str(r.split_btf, kbtf_members(kbtf_btf_type(r.split_btf, 11))[0].name_off),
	    "x");
	kbtf_distill_result_release(&r);
	pair_free(&p);
}

static void split_string_reuses_base(void **state)
{
	struct kbtf_distill_result r;
	struct kbtf_builder *b;
	struct pair p = {0};
	uint32_t m;

	(void)state;
	b = kbtf_builder_new(NULL);
	kbtf_builder_add_int(b, "int", 4, BTF_INT_SIGNED, 0, 32);
	finish_base(&p, b, KBTF_ENDIAN_LITTLE);
	b = kbtf_builder_new(p.base);
	kbtf_builder_add_struct(b, "mod", 4);
	kbtf_builder_add_member(b, "int", 1, 0, 0); /* a member called "int" */
	finish_split(&p, b, KBTF_ENDIAN_LITTLE);
	assert_int_equal(kbtf_distill(p.split, NULL, &r), 0);
	m = kbtf_members(kbtf_btf_type(r.split_btf, 2))[0].name_off;
	assert_int_equal(m, 1); /* offset of "int" in the distilled base */
	assert_int_equal(kbtf_btf_str_len(r.split_btf), 4); /* only "mod\0" */
	kbtf_distill_result_release(&r);
	pair_free(&p);
}

/* Two 'int's of the same encoding share one base string; both types stay. */
static void duplicate_base_names(void **state)
{
	struct kbtf_distill_result r;
	struct kbtf_builder *b;
	struct pair p = {0};

	(void)state;
	b = kbtf_builder_new(NULL);
	kbtf_builder_add_struct(b, "dup", 8);
	kbtf_builder_add_struct(b, "dup", 16);
	finish_base(&p, b, KBTF_ENDIAN_LITTLE);
	b = kbtf_builder_new(p.base);
	kbtf_builder_add_struct(b, "m", 24);
	kbtf_builder_add_member(b, "a", 1, 0, 0);
	kbtf_builder_add_member(b, "b", 2, 64, 0);
	finish_split(&p, b, KBTF_ENDIAN_LITTLE);
	assert_int_equal(kbtf_distill(p.split, NULL, &r), 0);
	expect_type(r.base_btf, 1, BTF_KIND_STRUCT, "dup", 8, 0, false);
	expect_type(r.base_btf, 2, BTF_KIND_STRUCT, "dup", 16, 0, false);
	assert_int_equal(kbtf_btf_type(r.base_btf, 1)->name_off,
			 kbtf_btf_type(r.base_btf, 2)->name_off);
	assert_int_equal(kbtf_btf_str_len(r.base_btf), 5);
	/* different sizes: relocation can tell them apart, no warning */
	assert_int_equal(r.nr_warnings, 0);
	kbtf_distill_result_release(&r);
	pair_free(&p);
}

static int warned;
static char warned_msg[512];

static void catch_warn(void *ctx, const char *msg)
{
	(void)ctx;
	warned++;
	snprintf(warned_msg, sizeof(warned_msg), "%s", msg);
}

/* Same name and size twice (and a FWD of a referenced name): ambiguous at relocation. */
static void ambiguous_names_warn(void **state)
{
	struct kbtf_distill_opts o = {.warn = catch_warn};
	struct kbtf_distill_result r;
	struct kbtf_builder *b;
	struct pair p = {0};

	(void)state;
	b = kbtf_builder_new(NULL);
	kbtf_builder_add_struct(b, "twin", 8);
	kbtf_builder_add_union(b, "twin", 8);
	kbtf_builder_add_struct(b, "solo", 4);
	finish_base(&p, b, KBTF_ENDIAN_LITTLE);
	b = kbtf_builder_new(p.base);
	kbtf_builder_add_struct(b, "m", 12);
	kbtf_builder_add_member(b, "a", 1, 0, 0);
	kbtf_builder_add_member(b, "c", 3, 64, 0);
	finish_split(&p, b, KBTF_ENDIAN_LITTLE);
	warned = 0;
	assert_int_equal(kbtf_distill(p.split, &o, &r), 0);
	assert_int_equal(warned, 1);
	assert_non_null(strstr(warned_msg, "'twin'"));
	assert_non_null(strstr(warned_msg, "multiple candidates"));
	kbtf_distill_result_release(&r);
	pair_free(&p);
}

static void refuse_reference(uint32_t target, const char *want)
{
	struct kbtf_distill_result r;
	struct kbtf_builder *b;
	struct pair p = {0};
	int err;

	finish_base(&p, kinds_base(), KBTF_ENDIAN_LITTLE);
	b = kbtf_builder_new(p.base);
	kbtf_builder_add_struct(b, "m", 8);
	kbtf_builder_add_member(b, "a", B_INT, 0, 0);
	kbtf_builder_add_member(b, "bad", target, 32, 0);
	finish_split(&p, b, KBTF_ENDIAN_LITTLE);
	err = kbtf_distill(p.split, NULL, &r);
	assert_int_equal(err, -EINVAL);
	if (!strstr(kbtf_errstr(), want))
		fail_msg("error '%s' lacks '%s'", kbtf_errstr(), want);
	assert_null(r.base.data);
	pair_free(&p);
}

/* 3.1: FUNC, VAR, DATASEC, DECL_TAG in the base cannot be referenced; nor through a PTR. */
static void refusals(void **state)
{
	(void)state;
	refuse_reference(B_FUNC, "unexpected reference to base type[21] of kind [12]");
	refuse_reference(B_VAR, "unexpected reference to base type[22] of kind [14]");
	refuse_reference(B_SEC, "unexpected reference to base type[23] of kind [15]");
	refuse_reference(B_DTAG, "unexpected reference to base type[24] of kind [17]");
	refuse_reference(B_PTR_FUNC, "unexpected reference to base type[21] of kind [12]");
}

static void refuse_not_split(void **state)
{
	struct kbtf_distill_result r;
	struct pair p = {0};

	(void)state;
	finish_base(&p, kinds_base(), KBTF_ENDIAN_LITTLE);
	assert_int_equal(kbtf_distill(p.base, NULL, &r), -EINVAL);
	assert_non_null(strstr(kbtf_errstr(), "not split"));
	pair_free(&p);
}

static void refuse_odd_enum_size(void **state)
{
	struct kbtf_distill_result r;
	struct kbtf_builder *b;
	struct pair p = {0};

	(void)state;
	b = kbtf_builder_new(NULL);
	kbtf_builder_add_enum(b, "odd", 3, false);
	finish_base(&p, b, KBTF_ENDIAN_LITTLE);
	b = kbtf_builder_new(p.base);
	kbtf_builder_add_ptr(b, 1);
	finish_split(&p, b, KBTF_ENDIAN_LITTLE);
	assert_int_equal(kbtf_distill(p.split, NULL, &r), -EINVAL);
	pair_free(&p);
}

/* kbtf's extension: base types named by BTF_ID() only are kept when asked. */
static void extra_roots(void **state)
{
	uint32_t roots[] = {B_T, B_TD};
	struct kbtf_distill_opts o = {.extra_roots = roots, .nr_extra_roots = 2};
	struct kbtf_distill_result r;
	struct pair p = {0};

	(void)state;
	kinds_split(&p, KBTF_ENDIAN_LITTLE);
	assert_int_equal(kbtf_distill(p.split, &o, &r), 0);
	/* t joins the base between s and u; td was already copied */
	expect_type(r.base_btf, 6, BTF_KIND_STRUCT, "t", 8, 0, false);
	assert_int_equal(r.nr_base_types, 9);
	assert_int_equal(r.id_map[B_T], 6);
	kbtf_distill_result_release(&r);
	pair_free(&p);
}

/* A split with no base references at all: a base of VOID only is still valid. */
static void self_contained_split(void **state)
{
	struct kbtf_distill_result r;
	struct kbtf_builder *b;
	struct pair p = {0};

	(void)state;
	b = kbtf_builder_new(NULL);
	kbtf_builder_add_int(b, "int", 4, BTF_INT_SIGNED, 0, 32);
	finish_base(&p, b, KBTF_ENDIAN_LITTLE);
	b = kbtf_builder_new(p.base);
	kbtf_builder_add_int(b, "char", 1, BTF_INT_CHAR, 0, 8);
	finish_split(&p, b, KBTF_ENDIAN_LITTLE);
	assert_int_equal(kbtf_distill(p.split, &(struct kbtf_distill_opts){.no_check = true}, &r),
			 0);
	assert_int_equal(r.nr_base_types, 0);
	expect_type(r.split_btf, 1, BTF_KIND_INT, "char", 1, 0, false);
	kbtf_distill_result_release(&r);
	pair_free(&p);
}

/* Layout record: D's composites in full, by-value nested ones in full, pointees as stubs. */
static void layout_record(void **state)
{
	struct kbtf_distill_result r;
	struct kbtf_btf *lay;
	struct kbtf_buf raw;
	struct pair p = {0};
	uint32_t ids[4];

	(void)state;
	kinds_split(&p, KBTF_ENDIAN_LITTLE);
	assert_int_equal(kbtf_distill(p.split, NULL, &r), 0);
	assert_int_equal(kbtf_layout_build(p.split, &r, KBTF_ENDIAN_LITTLE, &raw), 0);
	assert_int_equal(kbtf_layout_parse(raw.data, raw.size, &lay), 0);
	assert_int_equal(kbtf_btf_find_by_name(lay, "s", BTF_KIND_STRUCT, ids, 4), 1);
	assert_true(kbtf_layout_is_full(lay, ids[0]));
	assert_int_equal(kbtf_vlen(kbtf_btf_type(lay, ids[0])), 3);
	/* t is only behind s's pointer member: a stub keeping its size */
	assert_int_equal(kbtf_btf_find_by_name(lay, "t", BTF_KIND_STRUCT, ids, 4), 1);
	assert_false(kbtf_layout_is_full(lay, ids[0]));
	assert_int_equal(kbtf_btf_type(lay, ids[0])->size, 8);
	assert_int_equal(kbtf_btf_find_by_name(lay, "u", BTF_KIND_UNION, ids, 4), 1);
	assert_true(kbtf_layout_is_full(lay, ids[0]));
	/* enums keep name, size and signedness, not values */
	assert_int_equal(kbtf_btf_find_by_name(lay, "e", BTF_KIND_ENUM, ids, 4), 1);
	assert_int_equal(kbtf_vlen(kbtf_btf_type(lay, ids[0])), 0);
	assert_true(kbtf_kflag(kbtf_btf_type(lay, ids[0])));
	/* nothing the kernel could not parse, no FUNC/VAR */
	assert_int_equal(kbtf_btf_find_by_name(lay, "f", -1, ids, 4), 0);
	kbtf_btf_free(lay);
	kbtf_buf_release(&raw);
	kbtf_distill_result_release(&r);
	pair_free(&p);
}

/* .BTF_ids: slots written, set counts from symbol sizes, sets sorted (set8 pairs move whole). */
static void btf_ids_patch(void **state)
{
	uint8_t sec[48] = {0};
	struct kbtf_btf_id_ref refs[4] = {
	    {.name = "b", .kind = BTF_KIND_FUNC, .offset = 8, .in_set = true},
	    {.name = "a", .kind = BTF_KIND_FUNC, .offset = 16, .in_set = true},
	    {.name = "x", .kind = BTF_KIND_STRUCT, .offset = 24},
	    {.name = "y", .kind = BTF_KIND_STRUCT, .offset = 32},
	};
	struct kbtf_btf_id_set set = {.name = "s", .offset = 0, .cnt = 2, .set8 = true};
	struct kbtf_btf_ids ids = {
	    .refs = refs, .nr_refs = 4, .sets = &set, .nr_sets = 1, .data = sec, .size = 40};
	uint32_t vals[4] = {30, 20, 7, 0}, w[10];
	struct kbtf_buf out;

	(void)state;
	sec[4] = 1;  /* set8 flags: kfuncs */
	sec[12] = 5; /* flags of b's pair */
	sec[20] = 6; /* flags of a's pair */
	assert_int_equal(kbtf_btf_ids_patch(&ids, vals, &out), 0);
	assert_int_equal(out.size, 40);
	memcpy(w, out.data, 40);
	assert_int_equal(w[0], 2);  /* cnt */
	assert_int_equal(w[1], 1);  /* flags untouched */
	assert_int_equal(w[2], 20); /* a sorted first, with its flags */
	assert_int_equal(w[3], 6);
	assert_int_equal(w[4], 30);
	assert_int_equal(w[5], 5);
	assert_int_equal(w[6], 7);
	assert_int_equal(w[8], 0);
	kbtf_buf_release(&out);
}

/* kbuild 7.x's order: anonymous types first, then named ones by name */
static void sorted_by_name(void **state)
{
	struct kbtf_builder *b;
	struct kbtf_buf raw = {0};
	struct kbtf_btf *btf;
	int i;
	/* which order, and whether it counts as sorted */
	static const struct {
		const char *names[3];
		bool sorted;
	} cases[] = {
	    {{"", "a_t", "b_t"}, true},	   /* anonymous, then a, b */
	    {{"a_t", "", "b_t"}, false},   /* anonymous between named */
	    {{"", "b_t", "a_t"}, false},   /* b before a */
	    {{"", "", "a_t"}, false},	   /* one named type says nothing */
	    {{"a_t", "a_t", "b_t"}, true}, /* equal names may repeat */
	};

	(void)state;
	for (i = 0; i < (int)(sizeof(cases) / sizeof(cases[0])); i++) {
		int k, id;

		b = kbtf_builder_new(NULL);
		id = kbtf_builder_add_int(b, "int", 4, BTF_INT_SIGNED, 0, 32);
		assert_true(id > 0);
		for (k = 0; k < 3; k++) {
			if (*cases[i].names[k])
				assert_true(kbtf_builder_add_typedef(b, cases[i].names[k], 1) > 0);
			else
				assert_true(kbtf_builder_add_ptr(b, 1) > 0);
		}
		assert_int_equal(kbtf_builder_write(b, NULL, &raw), 0);
		kbtf_builder_free(b);
		btf = parse(&raw, NULL);
		/* "int" comes first and is named: only ids 2.. matter */
		assert_int_equal(kbtf_btf_sorted_by_name(btf), false);
		kbtf_btf_free(btf);
		kbtf_buf_release(&raw);

		/* the same three on a base holding int: the split's own order */
		{
			struct pair p = {0};

			b = kbtf_builder_new(NULL);
			kbtf_builder_add_int(b, "int", 4, BTF_INT_SIGNED, 0, 32);
			finish_base(&p, b, KBTF_ENDIAN_LITTLE);
			b = kbtf_builder_new(p.base);
			for (k = 0; k < 3; k++) {
				if (*cases[i].names[k])
					kbtf_builder_add_typedef(b, cases[i].names[k], 1);
				else
					kbtf_builder_add_ptr(b, 1);
			}
			finish_split(&p, b, KBTF_ENDIAN_LITTLE);
			assert_int_equal(kbtf_btf_sorted_by_name(p.split), cases[i].sorted);
			pair_free(&p);
		}
	}
}

/*
 * --redistill's first half: a split written on a distilled base, with
 * copies of kernel types (a pointer and a typedef) in it, put back onto
 * the full kernel BTF: the copies fold onto the kernel's own, the
 * module's struct stays and names them.
 */
static void redistill_folds_copies(void **state)
{
	struct pair full = {0}, nat = {0};
	struct kbtf_builder *b;
	struct kbtf_buf out = {0};
	struct kbtf_btf *re;
	const struct btf_type *t;
	uint32_t folded = 0;

	(void)state;
	/* the kernel: int, struct foo (8), foo *, typedef foo foo_t */
	b = kbtf_builder_new(NULL);
	kbtf_builder_add_int(b, "int", 4, BTF_INT_SIGNED, 0, 32);
	kbtf_builder_add_struct(b, "other", 4);
	kbtf_builder_add_member(b, "x", 1, 0, 0);
	kbtf_builder_add_struct(b, "foo", 8);
	kbtf_builder_add_member(b, "a", 1, 0, 0);
	kbtf_builder_add_member(b, "b", 1, 32, 0);
	kbtf_builder_add_ptr(b, 3);
	kbtf_builder_add_typedef(b, "foo_t", 3);
	finish_base(&full, b, KBTF_ENDIAN_LITTLE);

	/* the native distilled base: int, struct foo without members */
	b = kbtf_builder_new(NULL);
	kbtf_builder_add_int(b, "int", 4, BTF_INT_SIGNED, 0, 32);
	kbtf_builder_add_struct(b, "foo", 8);
	finish_base(&nat, b, KBTF_ENDIAN_LITTLE);
	/* its split: copies of foo * and foo_t, and the module's struct */
	b = kbtf_builder_new(nat.base);
	kbtf_builder_add_ptr(b, 2);		 /* 3 */
	kbtf_builder_add_typedef(b, "foo_t", 2); /* 4 */
	kbtf_builder_add_struct(b, "mine", 16);	 /* 5 */
	kbtf_builder_add_member(b, "p", 3, 0, 0);
	kbtf_builder_add_member(b, "f", 4, 64, 0);
	finish_split(&nat, b, KBTF_ENDIAN_LITTLE);

	assert_int_equal(kbtf_redistill_split(nat.base, nat.split, full.base, "k", &out, &folded),
			 0);
	assert_int_equal(folded, 2);
	re = parse(&out, full.base);
	assert_int_equal(kbtf_btf_type_cnt(re), kbtf_btf_type_cnt(full.base) + 1);
	t = kbtf_btf_type(re, kbtf_btf_type_cnt(full.base));
	assert_string_equal(kbtf_btf_str(re, t->name_off), "mine");
	assert_int_equal(kbtf_members(t)[0].type, 4); /* the kernel's foo * */
	assert_int_equal(kbtf_members(t)[1].type, 5); /* the kernel's foo_t */
	kbtf_btf_free(re);
	kbtf_buf_release(&out);

	/* a base type the kernel does not have (another size) is refused */
	pair_free(&nat);
	b = kbtf_builder_new(NULL);
	kbtf_builder_add_int(b, "int", 4, BTF_INT_SIGNED, 0, 32);
	kbtf_builder_add_struct(b, "foo", 16);
	finish_base(&nat, b, KBTF_ENDIAN_LITTLE);
	b = kbtf_builder_new(nat.base);
	kbtf_builder_add_ptr(b, 2);
	finish_split(&nat, b, KBTF_ENDIAN_LITTLE);
	assert_int_equal(kbtf_redistill_split(nat.base, nat.split, full.base, "k", &out, &folded),
			 -EINVAL);
	assert_non_null(strstr(kbtf_errstr(), "STRUCT 'foo' (size 16)"));
	pair_free(&nat);
	pair_free(&full);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(placement_and_order),
	    cmocka_unit_test(byte_order_and_header),
	    cmocka_unit_test(string_tables),
	    cmocka_unit_test(split_string_reuses_base),
	    cmocka_unit_test(duplicate_base_names),
	    cmocka_unit_test(ambiguous_names_warn),
	    cmocka_unit_test(refusals),
	    cmocka_unit_test(refuse_not_split),
	    cmocka_unit_test(refuse_odd_enum_size),
	    cmocka_unit_test(extra_roots),
	    cmocka_unit_test(self_contained_split),
	    cmocka_unit_test(layout_record),
	    cmocka_unit_test(btf_ids_patch),
	    cmocka_unit_test(sorted_by_name),
	    cmocka_unit_test(redistill_folds_copies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
