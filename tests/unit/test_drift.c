// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Layout drift on synthetic kernels: a type embedded by value vs one
 * reached through a pointer, members moved / resized / retyped / vanished /
 * added, anonymous members flattened, nested by-value types followed, and
 * a layout record with stubs.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "kbtf/btf.h"
#include "kbtf/builder.h"
#include "drift.h"
#include "kbtf/err.h"
#include "relocate.h"

static struct kbtf_btf *finish(struct kbtf_builder *b, const struct kbtf_btf *on)
{
	struct kbtf_parse_opts o = {.base = on};
	struct kbtf_btf *btf = NULL;
	struct kbtf_buf raw;

	assert_int_equal(kbtf_builder_write(b, NULL, &raw), 0);
	if (kbtf_btf_parse_buf(&raw, &o, &btf))
		fail_msg("parse: %s", kbtf_errstr());
	kbtf_builder_free(b);
	return btf;
}

/*
 * Kernel "v" (1 = build, 2 = target). Ids: 1 int, 2 long, 3 inner(8),
 * 4 foo(24), 5 task(16 or 24).
 *   build : inner {int p; int q}; foo {int a; int b; struct inner in; union {int u1; short u2}}
 *           task {int x; long y}
 *   target: inner {int q; int p}; foo {int b; int a; struct inner in; union {...} at 20}
 *           task {long y; int x; int z}
 */
/* kernel_in()'s damage: none, foo.in an array of itself, or the anonymous
 * union holding itself 64 times over */
enum loop { NO_LOOP, ARRAY_LOOP, ANON_LOOP };

static struct kbtf_btf *kernel_in(int v, enum loop looped)
{
	struct kbtf_builder *b = kbtf_builder_new(NULL);
	int anon, i;

	kbtf_builder_add_int(b, "int", 4, BTF_INT_SIGNED, 0, 32);
	kbtf_builder_add_int(b, "long", 8, BTF_INT_SIGNED, 0, 64);
	kbtf_builder_add_struct(b, "inner", 8);
	kbtf_builder_add_member(b, v == 1 ? "p" : "q", 1, 0, 0);
	kbtf_builder_add_member(b, v == 1 ? "q" : "p", 1, 32, 0);
	kbtf_builder_add_struct(b, "foo", 24);
	kbtf_builder_add_member(b, v == 1 ? "a" : "b", 1, 0, 0);
	kbtf_builder_add_member(b, v == 1 ? "b" : "a", 1, 32, 0);
	kbtf_builder_add_member(b, "in", looped == ARRAY_LOOP ? 7 : 3, 64, 0);
	kbtf_builder_add_member(b, NULL, 6, v == 1 ? 128 : 160, 0);
	kbtf_builder_add_struct(b, "task", v == 1 ? 16 : 24);
	if (v == 1) {
		kbtf_builder_add_member(b, "x", 1, 0, 0);
		kbtf_builder_add_member(b, "y", 2, 64, 0);
	} else {
		kbtf_builder_add_member(b, "y", 2, 0, 0);
		kbtf_builder_add_member(b, "x", 1, 64, 0);
		kbtf_builder_add_member(b, "z", 1, 96, 0);
	}
	anon = kbtf_builder_add_union(b, NULL, 4); /* 6 */
	assert_int_equal(anon, 6);
	kbtf_builder_add_member(b, "u1", 1, 0, 0);
	kbtf_builder_add_member(b, "u2", 1, 0, 0);
	for (i = 0; looped == ANON_LOOP && i < 64; i++)
		kbtf_builder_add_member(b, NULL, 6, 0, 0);
	if (looped == ARRAY_LOOP) /* 7: an array that is its own element */
		assert_int_equal(kbtf_builder_add_array(b, 7, 1, 1), 7);
	return finish(b, NULL);
}

static struct kbtf_btf *kernel(int v)
{
	return kernel_in(v, NO_LOOP);
}

struct world {
	struct kbtf_btf *build, *target, *dist, *split;
	struct kbtf_reloc_result reloc;
	struct kbtf_drift_result drift;
};

/*
 * Distilled base: 1 foo(24), 2 task(16); module embeds foo, points to task.
 * The target is @target, or kernel 2.
 */
static void setup_on(struct world *w, struct kbtf_btf *build, struct kbtf_btf *target, bool layout)
{
	struct kbtf_drift_input in = {0};
	struct kbtf_builder *b;
	int ptr;

	memset(w, 0, sizeof(*w));
	w->build = build;
	w->target = target ? target : kernel(2);
	b = kbtf_builder_new(NULL);
	kbtf_builder_add_struct(b, "foo", 24);
	kbtf_builder_add_struct(b, "task", 16);
	w->dist = finish(b, NULL);
	b = kbtf_builder_new(w->dist);
	ptr = kbtf_builder_add_ptr(b, 2);
	kbtf_builder_add_struct(b, "mod", 40);
	kbtf_builder_add_member(b, "f", 1, 0, 0);
	kbtf_builder_add_member(b, "t", (uint32_t)ptr, 192, 0);
	w->split = finish(b, w->dist);
	assert_int_equal(kbtf_relocate_sim_btf(w->split, w->target, NULL, &w->reloc), 0);
	assert_int_equal(w->reloc.err, 0);
	assert_int_equal(kbtf_btf_index_names(w->build), 0);
	in.split = w->split;
	in.reloc = &w->reloc;
	in.target = w->target;
	in.build = w->build;
	in.layout = layout;
	if (kbtf_drift_compare(&in, &w->drift))
		fail_msg("drift: %s", kbtf_errstr());
}

static void setup(struct world *w, struct kbtf_btf *build, bool layout)
{
	setup_on(w, build, NULL, layout);
}

static void teardown(struct world *w)
{
	kbtf_drift_result_fini(&w->drift);
	kbtf_reloc_result_fini(&w->reloc);
	kbtf_btf_free(w->split);
	kbtf_btf_free(w->dist);
	kbtf_btf_free(w->target);
	kbtf_btf_free(w->build);
}

static const struct kbtf_type_drift *find(const struct world *w, const char *name)
{
	size_t i;

	for (i = 0; i < w->drift.nr_types; i++)
		if (!strcmp(w->drift.types[i].name, name))
			return &w->drift.types[i];
	return NULL;
}

static const struct kbtf_member_diff *member(const struct kbtf_type_drift *td, const char *path)
{
	size_t i;

	for (i = 0; i < td->nr_diffs; i++)
		if (!strcmp(td->diffs[i].path, path))
			return &td->diffs[i];
	fail_msg("no diff for member %s of %s", path, td->name);
	return NULL;
}

static void test_by_value_moved(void **state)
{
	struct world w;
	const struct kbtf_type_drift *foo;
	const struct kbtf_member_diff *md;

	setup(&w, kernel(1), false);
	foo = find(&w, "struct foo");
	assert_non_null(foo);
	assert_int_equal(foo->use, KBTF_DRIFT_BY_VALUE);
	assert_null(foo->via);
	assert_int_equal(foo->old_size, 24);
	assert_int_equal(foo->new_size, 24);
	/* a, b swapped; u1, u2 (flattened from the anonymous union) moved by 32 bits */
	assert_int_equal(foo->nr_diffs, 4);
	md = member(foo, "a");
	assert_int_equal(md->changes, KBTF_DRIFT_MOVED);
	assert_int_equal(md->old_bit_off, 0);
	assert_int_equal(md->new_bit_off, 32);
	md = member(foo, "u2");
	assert_int_equal(md->old_bit_off, 128);
	assert_int_equal(md->new_bit_off, 160);
	assert_string_equal(md->old_type, "int");
	teardown(&w);
}

static void test_nested_by_value(void **state)
{
	struct world w;
	const struct kbtf_type_drift *inner;

	setup(&w, kernel(1), false);
	/* foo.in did not move, but struct inner changed inside */
	inner = find(&w, "struct inner");
	assert_non_null(inner);
	assert_int_equal(inner->use, KBTF_DRIFT_BY_VALUE);
	assert_string_equal(inner->via, "struct foo");
	assert_int_equal(member(inner, "p")->changes, KBTF_DRIFT_MOVED);
	assert_int_equal(w.drift.nr_compared, 3);
	teardown(&w);
}

/*
 * foo.in, embedded by value, is an array whose element is the array itself
 * on both sides: drift follows arrays to what they hold, and must stop.
 */
static void test_array_own_element(void **state)
{
	struct world w;

	setup_on(&w, kernel_in(1, ARRAY_LOOP), kernel_in(2, ARRAY_LOOP), false);
	assert_int_equal(w.drift.nr_compared, 2); /* foo and task, nothing under in */
	assert_int_equal(member(find(&w, "struct foo"), "a")->changes, KBTF_DRIFT_MOVED);
	teardown(&w);
}

/*
 * foo's anonymous union holds itself, unnamed, 64 times: its members
 * unfold without end. foo is told as not compared, and task still is.
 */
static void test_anon_own_member(void **state)
{
	struct world w;

	setup_on(&w, kernel_in(1, ANON_LOOP), kernel_in(2, ANON_LOOP), false);
	assert_null(find(&w, "struct foo"));
	assert_int_equal(w.drift.nr_looped, 1);
	assert_int_equal(member(find(&w, "struct task"), "x")->changes, KBTF_DRIFT_MOVED);
	teardown(&w);
}

static void test_by_pointer(void **state)
{
	struct world w;
	const struct kbtf_type_drift *task;
	const struct kbtf_member_diff *md;

	setup(&w, kernel(1), false);
	task = find(&w, "struct task");
	assert_non_null(task);
	assert_int_equal(task->use, KBTF_DRIFT_BY_POINTER);
	assert_int_equal(task->old_size, 16);
	assert_int_equal(task->new_size, 24);
	assert_int_equal(member(task, "x")->changes, KBTF_DRIFT_MOVED);
	md = member(task, "z");
	assert_int_equal(md->changes, KBTF_DRIFT_ADDED);
	assert_int_equal(md->new_bits, 32);
	/* a type reached through pointers is summarised by paths: no names made */
	assert_null(md->old_type);
	assert_null(md->new_type);
	teardown(&w);
}

static void test_no_drift(void **state)
{
	struct world w;

	setup(&w, kernel(2), false);
	/* the target against itself; task differs in size from the distilled 16 */
	assert_null(find(&w, "struct foo"));
	assert_null(find(&w, "struct inner"));
	assert_int_equal(w.drift.nr_unknown, 1);
	teardown(&w);
}

/* Build kernel where members changed type and size or vanished. */
static struct kbtf_btf *kernel_retyped(void)
{
	struct kbtf_builder *b = kbtf_builder_new(NULL);

	kbtf_builder_add_int(b, "int", 4, BTF_INT_SIGNED, 0, 32);
	kbtf_builder_add_int(b, "long", 8, BTF_INT_SIGNED, 0, 64);
	kbtf_builder_add_struct(b, "inner", 8);
	kbtf_builder_add_member(b, "p", 1, 0, 0);
	kbtf_builder_add_member(b, "q", 1, 32, 0);
	kbtf_builder_add_struct(b, "foo", 24);
	kbtf_builder_add_member(b, "a", 2, 0, 0); /* long: resized + retyped */
	kbtf_builder_add_member(b, "gone", 1, 64, 0);
	kbtf_builder_add_member(b, "in", 3, 64, 0);
	kbtf_builder_add_member(b, "b", 1, 128, 3); /* a bitfield of 3 bits */
	kbtf_builder_add_struct(b, "task", 16);
	kbtf_builder_add_member(b, "x", 1, 0, 0);
	kbtf_builder_add_member(b, "y", 2, 64, 0);
	return finish(b, NULL);
}

static void test_retyped_resized_vanished(void **state)
{
	struct world w;
	const struct kbtf_type_drift *foo;
	const struct kbtf_member_diff *md;

	setup(&w, kernel_retyped(), false);
	foo = find(&w, "struct foo");
	assert_non_null(foo);
	md = member(&*foo, "a");
	assert_int_equal(md->changes, KBTF_DRIFT_MOVED | KBTF_DRIFT_RESIZED | KBTF_DRIFT_RETYPED);
	assert_string_equal(md->old_type, "long");
	assert_int_equal(md->old_bits, 64);
	assert_int_equal(md->new_bits, 32);
	assert_int_equal(member(foo, "gone")->changes, KBTF_DRIFT_VANISHED);
	md = member(foo, "b");
	assert_int_equal(md->old_bits, 3);
	assert_int_equal(md->changes & KBTF_DRIFT_RESIZED, KBTF_DRIFT_RESIZED);
	assert_int_equal(member(foo, "u1")->changes, KBTF_DRIFT_ADDED);
	teardown(&w);
}

/*
 * Build kernel whose foo matches the target's but for how its members'
 * types are written: retyped exactly when their names differ, as
 * kbtf_type_name() writes them (a typedef named "int" is "int"; a FWD is
 * "struct" or "union" by its kflag; a type tag is what it tags).
 * Ids: 1 int, 2 typedef int, 3 const int, 4 fwd inner, 5 tagged int,
 * 6 foo, 7 foo's anonymous union, 8 task.
 */
static struct kbtf_btf *kernel_names(bool fwd_union)
{
	struct kbtf_builder *b = kbtf_builder_new(NULL);
	int td, cst, fwd, tag;

	kbtf_builder_add_int(b, "int", 4, BTF_INT_SIGNED, 0, 32); /* 1 */
	td = kbtf_builder_add_typedef(b, "int", 1);
	cst = kbtf_builder_add_const(b, 1);
	fwd = kbtf_builder_add_fwd(b, "inner", fwd_union);
	tag = kbtf_builder_add_type_tag(b, "user", 1);
	kbtf_builder_add_struct(b, "foo", 24);
	kbtf_builder_add_member(b, "b", (uint32_t)cst, 0, 0);
	kbtf_builder_add_member(b, "a", (uint32_t)td, 32, 0);
	kbtf_builder_add_member(b, "in", (uint32_t)fwd, 64, 0);
	kbtf_builder_add_member(b, NULL, 7, 160, 0); /* the union below */
	assert_int_equal(kbtf_builder_add_union(b, NULL, 4), 7);
	kbtf_builder_add_member(b, "u1", (uint32_t)tag, 0, 0);
	kbtf_builder_add_member(b, "u2", 1, 0, 0);
	kbtf_builder_add_struct(b, "task", 16);
	kbtf_builder_add_member(b, "x", 1, 0, 0);
	return finish(b, NULL);
}

static void test_retyped_by_name(void **state)
{
	const struct kbtf_type_drift *foo;
	const struct kbtf_member_diff *md;
	struct world w;
	size_t i;

	setup(&w, kernel_names(false), false);
	foo = find(&w, "struct foo");
	assert_non_null(foo);
	md = member(foo, "b");
	assert_int_equal(md->changes, KBTF_DRIFT_RETYPED);
	assert_string_equal(md->old_type, "const int");
	assert_string_equal(md->new_type, "int");
	for (i = 0; i < foo->nr_diffs; i++) {
		assert_string_not_equal(foo->diffs[i].path, "a");  /* typedef "int" */
		assert_string_not_equal(foo->diffs[i].path, "u1"); /* tagged int */
	}
	/* "struct inner" both, a FWD in the build: resized (no size), not retyped */
	assert_int_equal(member(foo, "in")->changes, KBTF_DRIFT_RESIZED);
	teardown(&w);

	setup(&w, kernel_names(true), false);
	md = member(find(&w, "struct foo"), "in");
	assert_int_equal(md->changes & KBTF_DRIFT_RETYPED, KBTF_DRIFT_RETYPED);
	assert_string_equal(md->old_type, "union inner");
	assert_string_equal(md->new_type, "struct inner");
	teardown(&w);
}

/* A layout record: foo in full, task as a stub (size, no members). */
static void test_layout_record_stub(void **state)
{
	struct kbtf_builder *b = kbtf_builder_new(NULL);
	struct world w;

	kbtf_builder_add_int(b, "int", 4, BTF_INT_SIGNED, 0, 32);
	kbtf_builder_add_struct(b, "foo", 24);
	kbtf_builder_add_member(b, "a", 1, 0, 0);
	kbtf_builder_add_member(b, "b", 1, 32, 0);
	kbtf_builder_add_struct(b, "task", 16);
	setup(&w, finish(b, NULL), true);
	assert_int_equal(w.drift.nr_unknown, 1); /* task: only a stub */
	assert_null(find(&w, "struct task"));
	assert_non_null(find(&w, "struct foo"));
	assert_int_equal(member(find(&w, "struct foo"), "in")->changes, KBTF_DRIFT_ADDED);
	teardown(&w);
}

static void test_type_names(void **state)
{
	struct kbtf_builder *b = kbtf_builder_new(NULL);
	struct kbtf_btf *btf;
	char buf[64];

	kbtf_builder_add_int(b, "char", 1, 0, 0, 8); /* 1 */
	kbtf_builder_add_int(b, "int", 4, 0, 0, 32); /* 2 */
	kbtf_builder_add_array(b, 1, 2, 16);	     /* 3 */
	kbtf_builder_add_struct(b, "list_head", 16); /* 4 */
	kbtf_builder_add_ptr(b, 4);		     /* 5 */
	kbtf_builder_add_const(b, 5);		     /* 6 */
	kbtf_builder_add_typedef(b, "u8", 1);	     /* 7 */
	kbtf_builder_add_union(b, NULL, 4);	     /* 8 */
	btf = finish(b, NULL);
	kbtf_type_name(btf, 3, buf, sizeof(buf));
	assert_string_equal(buf, "char[16]");
	kbtf_type_name(btf, 6, buf, sizeof(buf));
	assert_string_equal(buf, "const struct list_head *");
	kbtf_type_name(btf, 7, buf, sizeof(buf));
	assert_string_equal(buf, "u8");
	kbtf_type_name(btf, 8, buf, sizeof(buf));
	assert_string_equal(buf, "union {...}");
	kbtf_type_name(btf, 0, buf, sizeof(buf));
	assert_string_equal(buf, "void");
	kbtf_btf_free(btf);
}

/* Every type and member difference of @r, one line each. */
static void describe(const struct kbtf_drift_result *r, char *out, size_t len)
{
	FILE *f = fmemopen(out, len, "w");
	size_t i, j;

	assert_non_null(f);
	fprintf(f, "%zu compared, %zu unknown\n", r->nr_compared, r->nr_unknown);
	for (i = 0; i < r->nr_types; i++) {
		const struct kbtf_type_drift *td = &r->types[i];

		fprintf(f, "%s via %s: %u -> %u\n", td->name, td->via ? td->via : "-", td->old_size,
			td->new_size);
		for (j = 0; j < td->nr_diffs; j++) {
			const struct kbtf_member_diff *md = &td->diffs[j];

			fprintf(f, "  %s %x %u/%u %u/%u %s %s\n", md->path, md->changes,
				md->old_bit_off, md->old_bits, md->new_bit_off, md->new_bits,
				md->old_type ? md->old_type : "-",
				md->new_type ? md->new_type : "-");
		}
	}
	fclose(f);
}

/*
 * The build side's member lists kept across pairs: the second judge
 * answers from them exactly as the first (and as without them); a cache
 * filled from one build BTF is not used for another.
 */
static void test_cache(void **state)
{
	static char plain[4096], first[4096], again[4096];
	struct kbtf_drift_cache *c = kbtf_drift_cache_new();
	struct kbtf_drift_input in = {0};
	struct kbtf_drift_result r;
	struct kbtf_btf *other;
	struct world w;

	assert_non_null(c);
	setup(&w, kernel(1), false);
	describe(&w.drift, plain, sizeof(plain));
	assert_non_null(strstr(plain, "struct foo"));
	in.split = w.split;
	in.reloc = &w.reloc;
	in.target = w.target;
	in.build = w.build;
	in.cache = c;
	assert_int_equal(kbtf_drift_compare(&in, &r), 0);
	describe(&r, first, sizeof(first));
	kbtf_drift_result_fini(&r);
	assert_int_equal(kbtf_drift_compare(&in, &r), 0);
	describe(&r, again, sizeof(again));
	kbtf_drift_result_fini(&r);
	assert_string_equal(first, plain);
	assert_string_equal(again, plain);
	/* another build: the cache holds the first one's lists, not used */
	other = kernel_retyped();
	assert_int_equal(kbtf_btf_index_names(other), 0);
	in.build = other;
	assert_int_equal(kbtf_drift_compare(&in, &r), 0);
	describe(&r, again, sizeof(again));
	kbtf_drift_result_fini(&r);
	in.cache = NULL;
	assert_int_equal(kbtf_drift_compare(&in, &r), 0);
	describe(&r, first, sizeof(first));
	kbtf_drift_result_fini(&r);
	assert_string_equal(again, first);
	assert_string_not_equal(again, plain);
	kbtf_btf_free(other);
	teardown(&w);
	kbtf_drift_cache_free(c);
}

/* ------------------------------------------------------------ digests */

/*
 * A target kernel's layout digests as its index gives them: computed on
 * @btf (the target: the truth; the build: a lie that every type is
 * unchanged), by name as drift asks.
 */
struct digest_src {
	struct kbtf_digests *m;
	struct kbtf_btf *btf;
	bool by_name; /* @btf is not the target: find the type by name */
	int calls;
};

static bool digest_from(const void *ctx, const char *name, uint32_t id, uint64_t *out)
{
	struct digest_src *s = (struct digest_src *)ctx;
	uint32_t ids[4];

	s->calls++;
	if (s->by_name && kbtf_btf_find_by_name_all(s->btf, name, BTF_KIND_STRUCT, ids, 4) < 1)
		return false;
	*out = kbtf_layout_digest(s->m, s->by_name ? ids[0] : id);
	return *out != 0;
}

static void compare_with(struct world *w, struct kbtf_drift_cache *c, struct digest_src *src,
			 char *out, size_t len, size_t *compared)
{
	struct kbtf_drift_input in = {0};
	struct kbtf_drift_result r;

	in.split = w->split;
	in.reloc = &w->reloc;
	in.target = w->target;
	in.build = w->build;
	in.cache = c;
	in.target_digest = src ? digest_from : NULL;
	in.target_digest_ctx = src;
	assert_int_equal(kbtf_drift_compare(&in, &r), 0);
	describe(&r, out, len);
	*compared = r.nr_compared;
	kbtf_drift_result_fini(&r);
}

/*
 * Digests decide what is compared, never what is found: with the
 * target's true digests the answer is the full comparison's; told that
 * foo's digest is the build's (a lie: foo and the inner struct it embeds
 * both changed), drift skips foo and inner, still counted as compared.
 */
static void test_digest_skip(void **state)
{
	static char plain[4096], honest[4096], lied[4096];
	struct kbtf_drift_cache *c = kbtf_drift_cache_new();
	struct digest_src truth = {0}, lie = {0};
	size_t n_plain, n_honest, n_lied;
	struct world w;

	assert_non_null(c);
	setup(&w, kernel(1), false);
	compare_with(&w, NULL, NULL, plain, sizeof(plain), &n_plain);
	truth.m = kbtf_digests_new(w.target);
	truth.btf = w.target;
	compare_with(&w, c, &truth, honest, sizeof(honest), &n_honest);
	assert_true(truth.calls > 0);
	assert_string_equal(honest, plain);
	assert_int_equal(n_honest, n_plain);
	assert_non_null(strstr(plain, "struct inner via struct foo"));

	lie.m = kbtf_digests_new(w.build);
	lie.btf = w.build;
	lie.by_name = true;
	compare_with(&w, c, &lie, lied, sizeof(lied), &n_lied);
	assert_null(strstr(lied, "struct foo"));
	assert_null(strstr(lied, "struct inner"));
	assert_int_equal(n_lied, n_plain);
	kbtf_digests_free(truth.m);
	kbtf_digests_free(lie.m);
	teardown(&w);
	kbtf_drift_cache_free(c);
}

/*
 * struct top { struct mid m; int z; } with struct mid { leaf_t l[2];
 * long x; } and typedef struct leaf { int a; int b; } leaf_t: drift
 * follows top.m and mid.l (an array of a typedef) by value, so a change
 * to leaf changes top's digest. @change: 0 none, 1 leaf.b renamed, 2
 * leaf's members swapped (moved), 3 leaf.b an unsigned int (retyped: the
 * same size and place, only its type's name differs), 4 none, but an
 * unrelated type first (every id moves). Returns top's id.
 */
static struct kbtf_btf *nested(int change, uint32_t *top)
{
	struct kbtf_builder *b = kbtf_builder_new(NULL);
	int i, u, l, lt, arr, mid;

	if (change == 4)
		kbtf_builder_add_int(b, "char", 1, BTF_INT_SIGNED, 0, 8);
	i = kbtf_builder_add_int(b, "int", 4, BTF_INT_SIGNED, 0, 32);
	u = kbtf_builder_add_int(b, "unsigned int", 4, 0, 0, 32);
	kbtf_builder_add_int(b, "long", 8, BTF_INT_SIGNED, 0, 64);
	l = kbtf_builder_add_struct(b, "leaf", 8);
	kbtf_builder_add_member(b, "a", (uint32_t)i, change == 2 ? 32 : 0, 0);
	kbtf_builder_add_member(b, change == 1 ? "c" : "b", (uint32_t)(change == 3 ? u : i),
				change == 2 ? 0 : 32, 0);
	lt = kbtf_builder_add_typedef(b, "leaf_t", (uint32_t)l);
	arr = kbtf_builder_add_array(b, (uint32_t)lt, (uint32_t)i, 2);
	mid = kbtf_builder_add_struct(b, "mid", 24);
	kbtf_builder_add_member(b, "l", (uint32_t)arr, 0, 0);
	kbtf_builder_add_member(b, "x", (uint32_t)i + 2, 128, 0);
	*top = (uint32_t)kbtf_builder_add_struct(b, "top", 32);
	kbtf_builder_add_member(b, "m", (uint32_t)mid, 0, 0);
	kbtf_builder_add_member(b, "z", (uint32_t)i, 192, 0);
	return finish(b, NULL);
}

static uint64_t top_digest(int change)
{
	struct kbtf_digests *m;
	struct kbtf_btf *btf;
	uint32_t top;
	uint64_t h;

	btf = nested(change, &top);
	m = kbtf_digests_new(btf);
	assert_non_null(m);
	h = kbtf_layout_digest(m, top);
	/* asked again: the same (remembered) */
	assert_true(h == kbtf_layout_digest(m, top));
	kbtf_digests_free(m);
	kbtf_btf_free(btf);
	return h;
}

static void test_digest_nested_change(void **state)
{
	uint64_t base = top_digest(0);
	int change;

	assert_true(base != 0);
	for (change = 1; change <= 3; change++)
		if (top_digest(change) == base)
			fail_msg("change %d deep in a by-value member: top's digest unchanged",
				 change);
	/* the same layout with other ids: the same digest */
	assert_true(top_digest(4) == base);
}

/* A type that holds itself by value (a damaged BTF) or is no composite has no digest. */
static void test_digest_none(void **state)
{
	struct kbtf_builder *b = kbtf_builder_new(NULL);
	struct kbtf_digests *m;
	struct kbtf_btf *btf;

	kbtf_builder_add_int(b, "int", 4, BTF_INT_SIGNED, 0, 32);
	kbtf_builder_add_struct(b, "self", 8); /* 2 */
	kbtf_builder_add_member(b, "me", 2, 0, 0);
	btf = finish(b, NULL);
	m = kbtf_digests_new(btf);
	assert_true(kbtf_layout_digest(m, 2) == 0);
	assert_true(kbtf_layout_digest(m, 1) == 0);
	kbtf_digests_free(m);
	kbtf_btf_free(btf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_by_value_moved),
	    cmocka_unit_test(test_nested_by_value),
	    cmocka_unit_test(test_array_own_element),
	    cmocka_unit_test(test_anon_own_member),
	    cmocka_unit_test(test_by_pointer),
	    cmocka_unit_test(test_no_drift),
	    cmocka_unit_test(test_retyped_resized_vanished),
	    cmocka_unit_test(test_retyped_by_name),
	    cmocka_unit_test(test_layout_record_stub),
	    cmocka_unit_test(test_type_names),
	    cmocka_unit_test(test_cache),
	    cmocka_unit_test(test_digest_skip),
	    cmocka_unit_test(test_digest_nested_change),
	    cmocka_unit_test(test_digest_none),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
