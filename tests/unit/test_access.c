// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The access record (sdk/lib/module_access.c) and its judge
 * (validator/lib/judge_access.c). Blobs are written here by hand in the
 * plugin's format (access/kbtf_access_plugin.c: "KBAC", version 1, a 24-byte
 * header, 10-word records, a string table), one per object as the linker
 * concatenates them; the judge runs through kbtf_validate_pair() on a kernel
 * built in memory whose struct list_head has next and prev swapped at the
 * same size, the case no kernel check notices.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kbtf/builder.h"
#include "kbtf/err.h"
#include "kbtf/validate.h"
#include "access_plugin.h"
#include "module_access.h"
#include "judge.h"
#include "prepared.h"

/* ------------------------------------------------------------ blobs */

struct rec {
	const char *s[6]; /* type, path, mtype, func, via, file */
	uint32_t line, bit_off, bits, flags;
};

static void put32(uint8_t *p, uint32_t v, bool big)
{
	for (int i = 0; i < 4; i++)
		p[big ? 3 - i : i] = (uint8_t)(v >> (8 * i));
}

/* One object's blob at @out + *@len, 4-byte aligned, as the plugin writes it. */
static void blob(uint8_t *out, size_t *len, const struct rec *r, size_t n, bool big)
{
	char strs[4096];
	size_t sl = 1, i, k;
	uint8_t *p = out + *len;

	strs[0] = '\0';
	memcpy(p, "KBAC", 4);
	put32(p + 4, 1, big);
	put32(p + 8, 24, big);
	put32(p + 12, (uint32_t)n, big);
	for (i = 0; i < n; i++) {
		uint8_t *w = p + 24 + i * 40;

		for (k = 0; k < 6; k++) {
			/* no dedup here: the reader must not need it */
			put32(w + 4 * k, (uint32_t)sl, big);
			strcpy(strs + sl, r[i].s[k]);
			sl += strlen(r[i].s[k]) + 1;
		}
		put32(w + 24, r[i].line, big);
		put32(w + 28, r[i].bit_off, big);
		put32(w + 32, r[i].bits, big);
		put32(w + 36, r[i].flags, big);
	}
	while (sl % 4)
		strs[sl++] = '\0';
	put32(p + 16, (uint32_t)sl, big);
	put32(p + 20, 0, big);
	memcpy(p + 24 + n * 40, strs, sl);
	*len += 24 + n * 40 + sl;
}

#define R KBTF_ACC_READ
#define W KBTF_ACC_WRITE

static const struct rec demo[] = {
    {{"struct list_head", "next", "struct list_head*", "accdemo_touch", "list_add", "/m/accdemo.c"},
     19,
     0,
     64,
     W},
    {{"struct list_head", "prev", "struct list_head*", "accdemo_touch", "list_add", "/m/accdemo.c"},
     19,
     64,
     64,
     W},
    {{"struct net_device", "mtu", "int", "accdemo_touch", "", "/m/accdemo.c"}, 21, 64, 32, W},
    {{"struct net_device", "ifindex", "int", "accdemo_touch", "", "/m/accdemo.c"}, 24, 32, 32, R},
    {{"struct sk_buff", "ip_summed", "__u8", "accdemo_touch", "", "/m/accdemo.c"},
     23,
     5,
     2,
     W | KBTF_ACC_BITFIELD},
    {{"struct sk_buff", "len", "unsigned int", "accdemo_xmit", "", "/m/xmit.c"}, 7, 32, 32, R},
};

static struct kbtf_access *parse_ok(const uint8_t *d, size_t n)
{
	struct kbtf_access *a;

	if (kbtf_access_parse(d, n, &a))
		fail_msg("parse: %s", kbtf_errstr());
	return a;
}

static void test_parse_objects(void **state)
{
	/* list_add's next read and written on the same line, in two objects */
	static const struct rec again[] = {
	    {{"struct list_head", "next", "struct list_head*", "accdemo_touch", "list_add",
	      "/m/accdemo.c"},
	     19,
	     0,
	     64,
	     R},
	};
	uint8_t d[8192] = {0};
	size_t n = 0;
	struct kbtf_access *a;

	blob(d, &n, demo, 4, false);
	n += 4; /* the linker's zero padding between objects */
	blob(d, &n, demo + 4, 2, false);
	blob(d, &n, again, 1, false);
	a = parse_ok(d, n);
	assert_int_equal(a->nr_units, 3);
	assert_int_equal(a->nr, 6); /* the repeated access folded */
	/* sorted by type, member */
	assert_string_equal(a->recs[0].type, "struct list_head");
	assert_string_equal(a->recs[0].path, "next");
	assert_int_equal(a->recs[0].flags, R | W);
	assert_string_equal(a->recs[0].via, "list_add");
	assert_int_equal(a->recs[0].line, 19);
	assert_string_equal(a->recs[2].path, "ifindex");
	assert_string_equal(a->recs[4].path, "ip_summed");
	assert_int_equal(a->recs[4].bit_off, 5);
	assert_int_equal(a->recs[4].bits, 2);
	assert_true(a->recs[4].flags & KBTF_ACC_BITFIELD);
	assert_string_equal(a->recs[5].file, "/m/xmit.c");
	assert_string_equal(kbtf_access_how(a->recs[0].flags), "reads and writes");
	kbtf_access_free(a);
}

static void test_big_endian_and_roundtrip(void **state)
{
	uint8_t d[8192] = {0};
	size_t n = 0, i;
	struct kbtf_access *a, *b;
	struct kbtf_buf out;

	blob(d, &n, demo, 6, true);
	a = parse_ok(d, n);
	assert_int_equal(a->nr, 6);
	assert_int_equal(a->recs[0].bits, 64);
	/* merged: one blob, strings once */
	assert_int_equal(kbtf_access_write(a, KBTF_ENDIAN_LITTLE, &out), 0);
	assert_true(out.size < n);
	b = parse_ok(out.data, out.size);
	assert_int_equal(b->nr, a->nr);
	for (i = 0; i < a->nr; i++) {
		assert_string_equal(a->recs[i].type, b->recs[i].type);
		assert_string_equal(a->recs[i].path, b->recs[i].path);
		assert_string_equal(a->recs[i].mtype, b->recs[i].mtype);
		assert_string_equal(a->recs[i].func, b->recs[i].func);
		assert_string_equal(a->recs[i].via, b->recs[i].via);
		assert_string_equal(a->recs[i].file, b->recs[i].file);
		assert_int_equal(a->recs[i].line, b->recs[i].line);
		assert_int_equal(a->recs[i].bit_off, b->recs[i].bit_off);
		assert_int_equal(a->recs[i].flags, b->recs[i].flags);
	}
	kbtf_buf_release(&out);
	kbtf_access_free(a);
	kbtf_access_free(b);
}

static void expect_bad(const uint8_t *d, size_t n, const char *needle)
{
	struct kbtf_access *a = (struct kbtf_access *)1;

	assert_int_equal(kbtf_access_parse(d, n, &a), -EINVAL);
	assert_null(a);
	if (!strstr(kbtf_errstr(), needle))
		fail_msg("'%s' does not say '%s'", kbtf_errstr(), needle);
}

static void test_malformed(void **state)
{
	uint8_t d[4096] = {0}, c[4096];
	size_t n = 0;

	blob(d, &n, demo, 2, false);
	memcpy(c, d, n);
	c[0] = 'X';
	expect_bad(c, n, "offset 0 are not a record");
	memcpy(c, d, n);
	put32(c + 4, 2, false);
	expect_bad(c, n, "version 2");
	expect_bad(d, n - 8, "do not fit");
	memcpy(c, d, n);
	put32(c + 12, 0x10000000, false); /* records past the end, no overflow */
	expect_bad(c, n, "do not fit");
	memcpy(c, d, n);
	put32(c + 24 + 4, 0x7fffffff, false); /* a string past the table */
	expect_bad(c, n, "past its");
	memcpy(c, d, n);
	c[n - 1] = 'x'; /* the table's last NUL */
	expect_bad(c, n, "does not end in a NUL");
	memcpy(c, d, n);
	put32(c + 24, 0, false); /* no type */
	expect_bad(c, n, "no type or member");
	/* trailing bytes that are neither padding nor a record */
	memcpy(c, d, n);
	memcpy(c + n, "\0\0\0\0junk", 8);
	expect_bad(c, n + 8, "are not a record");
}

/* ------------------------------------------------------------ the judge */

/*
 * The kernel: 1 int, 2 unsigned char, 3 list_head (@swapped: prev first),
 * 4 net_device { flags; union { ifindex; alias; }; mtu; pad; } (16),
 * 5 list_head*, 6 that union, 7 sk_buff { __u8 ip_summed:2 at bit 5; len },
 * 8 typedef __u8.
 */
static void kernel_btf(struct kbtf_buf *out, bool swapped, bool mtu_gone)
{
	struct kbtf_builder *b = kbtf_builder_new(NULL);

	kbtf_builder_add_int(b, "int", 4, BTF_INT_SIGNED, 0, 32);
	kbtf_builder_add_int(b, "unsigned char", 1, 0, 0, 8);
	kbtf_builder_add_struct(b, "list_head", 16);
	kbtf_builder_add_member(b, swapped ? "prev" : "next", 5, 0, 0);
	kbtf_builder_add_member(b, swapped ? "next" : "prev", 5, 64, 0);
	kbtf_builder_add_struct(b, "net_device", 16);
	kbtf_builder_add_member(b, "flags", 1, 0, 0);
	kbtf_builder_add_member(b, NULL, 6, 32, 0);
	kbtf_builder_add_member(b, mtu_gone ? "max_mtu" : "mtu", 1, 64, 0);
	kbtf_builder_add_member(b, "pad", 1, 96, 0);
	kbtf_builder_add_ptr(b, 3);
	kbtf_builder_add_union(b, NULL, 4);
	kbtf_builder_add_member(b, "ifindex", 1, 0, 0);
	kbtf_builder_add_member(b, "alias", 1, 0, 0);
	kbtf_builder_add_struct(b, "sk_buff", 8);
	kbtf_builder_add_member(b, "ip_summed", 8, 5, 2);
	kbtf_builder_add_member(b, "len", 9, 32, 0);
	kbtf_builder_add_typedef(b, "__u8", 2);
	kbtf_builder_add_int(b, "unsigned int", 4, 0, 0, 32);
	assert_int_equal(kbtf_builder_write(b, NULL, out), 0);
	kbtf_builder_free(b);
}

struct pair {
	struct kbtf_kernel k;
	struct kbtf_vkernel *vk;
	struct kbtf_module m;
	struct kbtf_vmod *vm;
	struct kbtf_result r;
};

static void judge(struct pair *p, bool swapped, bool mtu_gone, bool with_record)
{
	uint8_t d[8192] = {0};
	size_t n = 0;

	memset(p, 0, sizeof(*p));
	kernel_btf(&p->k.btf_raw, swapped, mtu_gone);
	p->k.source = (char *)"test-kernel";
	p->k.release = (char *)"6.12.113+deb12-amd64";
	if (kbtf_vkernel_from_kernel(&p->k, NULL, &p->vk))
		fail_msg("vkernel: %s", kbtf_errstr());
	p->m.path = (char *)"/m/accdemo.ko";
	p->m.name = (char *)"accdemo";
	if (kbtf_vmod_from_module(&p->m, &p->vm))
		fail_msg("vmod: %s", kbtf_errstr());
	if (with_record) {
		static const struct rec nosuch[] = {
		    {{"struct nosuch", "x", "int", "f", "", "/m/x.c"}, 1, 0, 32, R},
		};

		blob(d, &n, demo, 6, false);
		blob(d, &n, nosuch, 1, false);
		p->vm->access = parse_ok(d, n);
	}
	if (kbtf_validate_pair(p->vm, p->vk, NULL, &p->r))
		fail_msg("validate: %s", kbtf_errstr());
}

static void pair_fini(struct pair *p)
{
	kbtf_result_fini(&p->r);
	kbtf_vmod_free(p->vm);
	kbtf_vkernel_free(p->vk);
	kbtf_btf_free(p->k.btf);
	kbtf_buf_release(&p->k.btf_raw);
}

static const struct kbtf_warning *warning(const struct kbtf_result *r, const char *kind)
{
	for (size_t i = 0; i < r->nr_warnings; i++)
		if (!strcmp(r->warnings[i].kind, kind))
			return &r->warnings[i];
	return NULL;
}

static const struct kbtf_problem *problem(const struct kbtf_result *r, const char *reason,
					  const char *needle)
{
	for (size_t i = 0; i < r->nr_problems; i++)
		if (!strcmp(r->problems[i].reason, reason) &&
		    strstr(r->problems[i].expected, needle))
			return &r->problems[i];
	return NULL;
}

static void test_swapped_members(void **state)
{
	const struct kbtf_problem *p;
	struct pair pr;

	judge(&pr, true, false, true);
	assert_int_equal(pr.r.verdict, KBTF_VERDICT_LAYOUT_CONFLICT);
	assert_int_equal(pr.r.load, KBTF_LOAD_OK);
	/* next and prev; mtu, ifindex (in an anonymous union), the bitfield
	 * and len are where the module has them */
	assert_int_equal(pr.r.nr_problems, 2);
	p = problem(&pr.r, "member-moved", "struct list_head.next");
	assert_non_null(p);
	assert_string_equal(p->name, "struct list_head");
	assert_non_null(strstr(p->detail, "accdemo_touch (/m/accdemo.c:19, in list_add) writes "
					  "`struct list_head.next` at offset 0; on "
					  "6.12.113+deb12-amd64 it is at 8, where `prev` now "
					  "starts."));
	assert_non_null(strstr(p->actual, "at offset 8"));
	assert_non_null(problem(&pr.r, "member-moved", "struct list_head.prev"));
	assert_non_null(strstr(pr.r.summary, "`struct list_head.next` at offset 0"));
	assert_non_null(strstr(pr.r.summary, "(and more)"));
	assert_non_null(strstr(pr.r.consequence, "loads"));
	/* struct nosuch is not in the kernel's BTF: said, not judged */
	assert_non_null(warning(&pr.r, "access-partial"));
	assert_null(warning(&pr.r, "access-not-recorded"));
	pair_fini(&pr);
}

static void test_same_layout_ok(void **state)
{
	struct pair pr;

	judge(&pr, false, false, true);
	assert_int_equal(pr.r.verdict, KBTF_VERDICT_OK);
	assert_int_equal(pr.r.nr_problems, 0);
	pair_fini(&pr);
}

static void test_vanished(void **state)
{
	const struct kbtf_problem *p;
	struct pair pr;

	judge(&pr, false, true, true);
	assert_int_equal(pr.r.verdict, KBTF_VERDICT_LAYOUT_CONFLICT);
	assert_int_equal(pr.r.nr_problems, 1);
	p = problem(&pr.r, "member-vanished", "struct net_device.mtu");
	assert_non_null(p);
	assert_non_null(strstr(p->actual, "has no member mtu, where `max_mtu` now starts"));
	assert_non_null(strstr(p->detail, "accdemo_touch (/m/accdemo.c:21) writes"));
	pair_fini(&pr);
}

static void test_no_record(void **state)
{
	const struct kbtf_warning *w;
	struct pair pr;

	judge(&pr, true, false, false);
	assert_int_equal(pr.r.verdict, KBTF_VERDICT_OK);
	w = warning(&pr.r, "access-not-recorded");
	assert_non_null(w);
	assert_int_equal(w->severity, KBTF_SEV_INFO);
	assert_non_null(strstr(w->message, "type-level"));
	pair_fini(&pr);
}

/* ------------------------------------------------------------ finding members */

/* @recs (@n of them) judged on a kernel of the types @build adds. */
static void judge_on(struct pair *p, void (*build)(struct kbtf_builder *), const struct rec *recs,
		     size_t n)
{
	struct kbtf_builder *b = kbtf_builder_new(NULL);
	uint8_t d[8192] = {0};
	size_t len = 0;

	memset(p, 0, sizeof(*p));
	build(b);
	assert_int_equal(kbtf_builder_write(b, NULL, &p->k.btf_raw), 0);
	kbtf_builder_free(b);
	p->k.source = (char *)"test-kernel";
	p->k.release = (char *)"6.12.113+deb12-amd64";
	if (kbtf_vkernel_from_kernel(&p->k, NULL, &p->vk))
		fail_msg("vkernel: %s", kbtf_errstr());
	p->m.path = (char *)"/m/accdemo.ko";
	p->m.name = (char *)"accdemo";
	if (kbtf_vmod_from_module(&p->m, &p->vm))
		fail_msg("vmod: %s", kbtf_errstr());
	blob(d, &len, recs, n, false);
	p->vm->access = parse_ok(d, len);
	if (kbtf_validate_pair(p->vm, p->vk, NULL, &p->r))
		fail_msg("validate: %s", kbtf_errstr());
}

/* The module has @member ("struct X.a.b") at byte 1; the kernel at @at. */
static void expect_at(const struct kbtf_result *r, const char *member, const char *at)
{
	const struct kbtf_problem *p;
	char want[256];

	snprintf(want, sizeof(want), "%s: int at offset 1,", member);
	p = problem(r, "member-moved", want);
	if (!p)
		fail_msg("no member-moved for %s", member);
	snprintf(want, sizeof(want), "%s: int at offset %s,", member, at);
	if (!strstr(p->actual, want))
		fail_msg("%s: \"%s\", not at %s", member, p->actual, at);
}

#define AT1(type, path)                                                                            \
	{                                                                                          \
		{type, path, "int", "f", "", "/m/f.c"}, 1, 8, 32, R                                \
	}

/*
 * 2 struct big {
 *	int ab;
 *	union { int x; struct { int y; int z; }; };	(3, 4)
 *	int a;
 *	union { int dup; };				(5)
 *	int dup;					(hand-made: C has no such)
 *	int after;
 * };
 */
static void big_btf(struct kbtf_builder *b)
{
	kbtf_builder_add_int(b, "int", 4, BTF_INT_SIGNED, 0, 32);
	kbtf_builder_add_struct(b, "big", 28);
	kbtf_builder_add_member(b, "ab", 1, 0, 0);
	kbtf_builder_add_member(b, NULL, 3, 32, 0);
	kbtf_builder_add_member(b, "a", 1, 96, 0);
	kbtf_builder_add_member(b, NULL, 5, 128, 0);
	kbtf_builder_add_member(b, "dup", 1, 160, 0);
	kbtf_builder_add_member(b, "after", 1, 192, 0);
	kbtf_builder_add_union(b, NULL, 8);
	kbtf_builder_add_member(b, "x", 1, 0, 0);
	kbtf_builder_add_member(b, NULL, 4, 0, 0);
	kbtf_builder_add_struct(b, NULL, 8);
	kbtf_builder_add_member(b, "y", 1, 0, 0);
	kbtf_builder_add_member(b, "z", 1, 32, 0);
	kbtf_builder_add_union(b, NULL, 4);
	kbtf_builder_add_member(b, "dup", 1, 0, 0);
}

/*
 * Members are read once per type and kept, so a later path finds what an
 * earlier one read past: the answers stay the first member of that name in
 * declaration order, anonymous members entered where they stand ("dup" in
 * the union, not the later one, though both were read for "after"), and a
 * name is whole ("a" is not "ab" or "after").
 */
static void test_member_order(void **state)
{
	static const struct rec recs[] = {
	    AT1("struct big", "a"),   AT1("struct big", "ab"), AT1("struct big", "after"),
	    AT1("struct big", "dup"), AT1("struct big", "x"),  AT1("struct big", "y"),
	    AT1("struct big", "z"),
	};
	struct pair pr;

	judge_on(&pr, big_btf, recs, sizeof(recs) / sizeof(recs[0]));
	assert_int_equal(pr.r.nr_problems, 7);
	expect_at(&pr.r, "struct big.a", "12");
	expect_at(&pr.r, "struct big.ab", "0");
	expect_at(&pr.r, "struct big.after", "24");
	expect_at(&pr.r, "struct big.dup", "16");
	expect_at(&pr.r, "struct big.x", "4");
	expect_at(&pr.r, "struct big.y", "4");
	expect_at(&pr.r, "struct big.z", "8");
	pair_fini(&pr);
}

/*
 * 9 struct top { int pad; struct l1 l1; }; l1 to l4 { int pad; next; } with
 * the pad laid out last, l3's next through a const typedef (4, 5) to l4;
 * l5 { int pad; int v; int w; } likewise. Six composites on one path, more
 * than are kept at once, and each pad somewhere else: a composite's names
 * are its own, whichever composite had its place before.
 */
static void chain_btf(struct kbtf_builder *b)
{
	kbtf_builder_add_int(b, "int", 4, BTF_INT_SIGNED, 0, 32);
	kbtf_builder_add_struct(b, "l5", 12);
	kbtf_builder_add_member(b, "pad", 1, 64, 0);
	kbtf_builder_add_member(b, "v", 1, 0, 0);
	kbtf_builder_add_member(b, "w", 1, 32, 0);
	kbtf_builder_add_struct(b, "l4", 16);
	kbtf_builder_add_member(b, "pad", 1, 96, 0);
	kbtf_builder_add_member(b, "l5", 2, 0, 0);
	kbtf_builder_add_typedef(b, "l4_t", 3);
	kbtf_builder_add_const(b, 4);
	kbtf_builder_add_struct(b, "l3", 20);
	kbtf_builder_add_member(b, "pad", 1, 128, 0);
	kbtf_builder_add_member(b, "l4", 5, 0, 0);
	kbtf_builder_add_struct(b, "l2", 24);
	kbtf_builder_add_member(b, "pad", 1, 160, 0);
	kbtf_builder_add_member(b, "l3", 6, 0, 0);
	kbtf_builder_add_struct(b, "l1", 28);
	kbtf_builder_add_member(b, "pad", 1, 192, 0);
	kbtf_builder_add_member(b, "l2", 7, 0, 0);
	kbtf_builder_add_struct(b, "top", 32);
	kbtf_builder_add_member(b, "pad", 1, 0, 0);
	kbtf_builder_add_member(b, "l1", 8, 32, 0);
}

static void test_member_chain(void **state)
{
	static const struct rec recs[] = {
	    AT1("struct top", "l1.l2.l3.l4.l5.v"),
	    AT1("struct top", "l1.l2.l3.l4.l5.w"),
	    AT1("struct top", "pad"),
	    AT1("struct l3", "l4.l5.w"),
	    AT1("struct l1", "pad"),
	    AT1("struct l2", "pad"),
	    AT1("struct l3", "pad"),
	    AT1("struct l4", "pad"),
	    AT1("struct l5", "pad"),
	};
	struct pair pr;

	judge_on(&pr, chain_btf, recs, sizeof(recs) / sizeof(recs[0]));
	assert_int_equal(pr.r.nr_problems, 9);
	expect_at(&pr.r, "struct top.l1.l2.l3.l4.l5.v", "4");
	expect_at(&pr.r, "struct top.l1.l2.l3.l4.l5.w", "8");
	expect_at(&pr.r, "struct top.pad", "0");
	expect_at(&pr.r, "struct l3.l4.l5.w", "4");
	expect_at(&pr.r, "struct l1.pad", "24");
	expect_at(&pr.r, "struct l2.pad", "20");
	expect_at(&pr.r, "struct l3.pad", "16");
	expect_at(&pr.r, "struct l4.pad", "12");
	expect_at(&pr.r, "struct l5.pad", "8");
	pair_fini(&pr);
}

/*
 * 2 struct cyc { struct cyc; int v; int w; }: hostile BTF, an anonymous
 * member of its own type. Anonymous members are entered 16 deep (each at
 * bit 64), where v is found: 16 * 64 + 32 bits.
 */
static void cycle_btf(struct kbtf_builder *b)
{
	kbtf_builder_add_int(b, "int", 4, BTF_INT_SIGNED, 0, 32);
	kbtf_builder_add_struct(b, "cyc", 16);
	kbtf_builder_add_member(b, NULL, 2, 64, 0);
	kbtf_builder_add_member(b, "v", 1, 32, 0);
	kbtf_builder_add_member(b, "w", 1, 96, 0);
}

static void test_member_cycle(void **state)
{
	static const struct rec recs[] = {
	    AT1("struct cyc", "v"),
	    AT1("struct cyc", "w"),
	};
	struct pair pr;

	judge_on(&pr, cycle_btf, recs, 2);
	assert_int_equal(pr.r.nr_problems, 2);
	expect_at(&pr.r, "struct cyc.v", "132");
	expect_at(&pr.r, "struct cyc.w", "140");
	pair_fini(&pr);
}

#define HUGE_MEMBERS 5000

/* 2 struct huge { int m0; ... int m4999; }: more members than are kept. */
static void huge_btf(struct kbtf_builder *b)
{
	char name[16];

	kbtf_builder_add_int(b, "int", 4, BTF_INT_SIGNED, 0, 32);
	kbtf_builder_add_struct(b, "huge", HUGE_MEMBERS * 4);
	for (int i = 0; i < HUGE_MEMBERS; i++) {
		snprintf(name, sizeof(name), "m%d", i);
		kbtf_builder_add_member(b, name, 1, 32 * i, 0);
	}
}

/* Past the reading budget: found by scanning, before and after it broke. */
static void test_member_budget(void **state)
{
	static const struct rec recs[] = {
	    AT1("struct huge", "m10"), AT1("struct huge", "m4990"), AT1("struct huge", "m4999"),
	    AT1("struct huge", "m5"),  AT1("struct huge", "m5000"),
	};
	struct pair pr;

	judge_on(&pr, huge_btf, recs, sizeof(recs) / sizeof(recs[0]));
	assert_int_equal(pr.r.nr_problems, 5);
	expect_at(&pr.r, "struct huge.m10", "40");
	expect_at(&pr.r, "struct huge.m4990", "19960");
	expect_at(&pr.r, "struct huge.m4999", "19996");
	expect_at(&pr.r, "struct huge.m5", "20");
	assert_non_null(problem(&pr.r, "member-vanished", "struct huge.m5000:"));
	pair_fini(&pr);
}

static void test_combine(void **state)
{
	struct kbtf_findings f;
	struct kbtf_outcome o;

	memset(&f, 0, sizeof(f));
	f.access.nr_conflicts = 1;
	o = kbtf_verdict_combine(&f, -1);
	assert_int_equal(o.verdict, KBTF_VERDICT_LAYOUT_CONFLICT);
	assert_int_equal(o.load, KBTF_LOAD_OK);
	/* a load the kernel refuses is that verdict; the conflicts stay listed */
	f.sym.unresolved = true;
	assert_int_equal(kbtf_verdict_combine(&f, -1).verdict, KBTF_VERDICT_SYMBOLS);
	f.sym.unresolved = false;
	f.btf.verdict = KBTF_VERDICT_BTF_REJECTED;
	f.btf.fate = KBTF_BTF_FAILS;
	assert_int_equal(kbtf_verdict_combine(&f, 0).verdict, KBTF_VERDICT_BTF_REJECTED);
	assert_string_equal(kbtf_verdict_str(KBTF_VERDICT_LAYOUT_CONFLICT), "layout-conflict");
	assert_true(KBTF_VERDICT_LAYOUT_CONFLICT > KBTF_VERDICT_OK &&
		    KBTF_VERDICT_LAYOUT_CONFLICT < KBTF_VERDICT_BTF_REJECTED);
}

/* ------------------------------------------------------------ KCFLAGS */

static void expect_kcflags(const char *env, const char *want)
{
	char *s;

	if (env)
		assert_int_equal(setenv("KCFLAGS", env, 1), 0);
	else
		unsetenv("KCFLAGS");
	s = kbtf_access_kcflags("/c/access/b/kbtf_access.so");
	assert_non_null(s);
	assert_string_equal(s, want);
	free(s);
}

/*
 * "make ci" of a kbtf new project: kbtf.mk exported the plugin for the
 * default kernel's compiler, and kbtf build for another kernel (another
 * gcc-12 build, another cache key) appended its own; cc1 refused "plugin
 * kbtf_access was specified with different paths". Each build carries its
 * own plugin only; the user's words stay, in order.
 */
static void test_kcflags_one_plugin(void **state)
{
	(void)state;
	expect_kcflags(NULL, "KCFLAGS=-fplugin=/c/access/b/kbtf_access.so");
	expect_kcflags("", "KCFLAGS=-fplugin=/c/access/b/kbtf_access.so");
	expect_kcflags("-DX=1  -g", "KCFLAGS=-DX=1 -g -fplugin=/c/access/b/kbtf_access.so");
	expect_kcflags("-fplugin=/c/access/a/kbtf_access.so",
		       "KCFLAGS=-fplugin=/c/access/b/kbtf_access.so");
	expect_kcflags("-DX -fplugin=/c/access/a/kbtf_access.so -g -fplugin=kbtf_access",
		       "KCFLAGS=-DX -g -fplugin=/c/access/b/kbtf_access.so");
	/* GCC's name is the file's up to its first '.' */
	expect_kcflags("-fplugin=/p/kbtf_access.so.1",
		       "KCFLAGS=-fplugin=/c/access/b/kbtf_access.so");
	/* other plugins and the plugin's arguments stay */
	expect_kcflags("-fplugin=/p/other.so -fplugin=/p/kbtf_accessory.so "
		       "-fplugin-arg-kbtf_access-ktree=/k",
		       "KCFLAGS=-fplugin=/p/other.so -fplugin=/p/kbtf_accessory.so "
		       "-fplugin-arg-kbtf_access-ktree=/k -fplugin=/c/access/b/kbtf_access.so");
	unsetenv("KCFLAGS");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_objects),
	    cmocka_unit_test(test_big_endian_and_roundtrip),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_swapped_members),
	    cmocka_unit_test(test_same_layout_ok),
	    cmocka_unit_test(test_vanished),
	    cmocka_unit_test(test_no_record),
	    cmocka_unit_test(test_member_order),
	    cmocka_unit_test(test_member_chain),
	    cmocka_unit_test(test_member_cycle),
	    cmocka_unit_test(test_member_budget),
	    cmocka_unit_test(test_combine),
	    cmocka_unit_test(test_kcflags_one_plugin),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
