// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A profile's index stored as a delta against its reference kernel's
 * (profile_index.c, F_DELTA): every answer read through the delta equals
 * the whole index's (candidates with ids and name offsets mapped, names
 * added and gone, symbol lines added, removed and with new CRCs, the whole
 * Module.symvers in order); a damaged delta, a damaged reference and the
 * wrong reference are refused or marked damaged, never believed.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kbtf/btf.h"
#include "kbtf/builder.h"
#include "kbtf/err.h"
#include "kbtf/source.h"
#include "profile_index.h"
#include "util.h"

static char tmpdir[256];

/* The reference's Module.symvers, and the next ABI's: CRCs changed, a
 * symbol listed twice gone, lines added (one in the middle, one with
 * another module). */
static const char symvers_ref[] = "0x12345678\tprintk\tvmlinux\tEXPORT_SYMBOL\t\n"
				  "0x9abcdef0\tkmalloc_caches\tvmlinux\tEXPORT_SYMBOL_GPL\t\n"
				  "0x00000001\tdup\tvmlinux\tEXPORT_SYMBOL\t\n"
				  "0xdeadbeef\tusb_ep_queue\tdrivers/usb/gadget/udc/udc-core"
				  "\tEXPORT_SYMBOL_GPL\tUSB_GADGET\n"
				  "0x00000002\tdup\tdrivers/x\tEXPORT_SYMBOL\tNS\n"
				  "0x00000003\tgone\tvmlinux\tEXPORT_SYMBOL\t\n"
				  "0x00000000\told_style\tvmlinux\tEXPORT_SYMBOL\n"
				  "0x00000004\tgone\tdrivers/z\tEXPORT_SYMBOL\t\n";
static const char symvers_new[] = "0x12345679\tprintk\tvmlinux\tEXPORT_SYMBOL\t\n"
				  "0x9abcdef0\tkmalloc_caches\tvmlinux\tEXPORT_SYMBOL_GPL\t\n"
				  "0x00000005\tadded\tvmlinux\tEXPORT_SYMBOL_GPL\t\n"
				  "0x00000001\tdup\tvmlinux\tEXPORT_SYMBOL\t\n"
				  "0xdeadbeee\tusb_ep_queue\tdrivers/usb/gadget/udc/udc-core"
				  "\tEXPORT_SYMBOL_GPL\tUSB_GADGET\n"
				  "0x00000002\tdup\tdrivers/x\tEXPORT_SYMBOL\tNS\n"
				  "0x00000000\told_style\tvmlinux\tEXPORT_SYMBOL\n"
				  "0x00000007\tprintk\tdrivers/y\tEXPORT_SYMBOL\t\n";
static const char *const sym_names[] = {"printk",	"kmalloc_caches", "added",     "dup",
					"usb_ep_queue", "gone",		  "old_style", "nosuch"};

static int setup(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/kbtf-test-index-delta.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	kbtf_rm_rf(tmpdir);
	return 0;
}

/*
 * A vmlinux-like BTF of @nr structs s0.. after a few named types; @early
 * puts one more struct first (every later id and string offset moves),
 * @grow changes the size of s5 (its entry differs), @drop leaves out s7.
 */
static void make_btf(struct kbtf_buf *out, unsigned int nr, bool early, bool grow, bool drop)
{
	struct kbtf_builder *b = kbtf_builder_new(NULL);
	char name[32];
	unsigned int i;
	int intid, sid;

	assert_non_null(b);
	if (early)
		assert_true(kbtf_builder_add_struct(b, "early", 8) > 0);
	intid = kbtf_builder_add_int(b, "int", 4, BTF_INT_SIGNED, 0, 32);
	assert_true(kbtf_builder_add_int(b, "int", 4, 0, 0, 32) > 0);
	assert_true(kbtf_builder_add_struct(b, "task", 16) > 0);
	assert_int_equal(kbtf_builder_add_member(b, "pid", intid, 0, 0), 0);
	assert_true(kbtf_builder_add_fwd(b, "task", false) > 0);
	assert_true(kbtf_builder_add_struct(b, "module", 64) > 0);
	for (i = 0; i < nr; i++) {
		if (drop && i == 7)
			continue;
		snprintf(name, sizeof(name), "s%u", i);
		sid = kbtf_builder_add_struct(b, name, grow && i == 5 ? 8 : 4);
		assert_true(sid > 0);
		assert_int_equal(kbtf_builder_add_member(b, "v", intid, 0, 0), 0);
		/* a typedef of it: its size word is the struct's id, which moves too */
		snprintf(name, sizeof(name), "t%u", i);
		assert_true(kbtf_builder_add_typedef(b, name, (uint32_t)sid) > 0);
	}
	assert_int_equal(kbtf_builder_write(b, NULL, out), 0);
	kbtf_builder_free(b);
}

/* The whole index of a kernel of that BTF and Module.symvers @symvers. */
static void whole_index(struct kbtf_buf *out, const char *symvers, unsigned int nr, bool early,
			bool grow, bool drop)
{
	struct kbtf_kernel k = {0};
	char path[320];
	FILE *f;

	snprintf(path, sizeof(path), "%s/Module.symvers", tmpdir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(symvers, f);
	fclose(f);
	k.source = "fake";
	k.release = "6.12.1-test";
	k.arch = "x86_64";
	k.symvers_path = path;
	make_btf(&k.btf_raw, nr, early, grow, drop);
	assert_int_equal(kbtf_pindex_build(&k, path, NULL, out), 0);
	kbtf_btf_free(k.btf);
	kbtf_buf_release(&k.btf_raw);
}

static struct kbtf_pindex *open_whole(const struct kbtf_buf *b)
{
	struct kbtf_pindex *ix = NULL;

	if (kbtf_pindex_from_mem(b->data, b->size, "index", &ix))
		fail_msg("open: %s", kbtf_errstr());
	return ix;
}

/* Every answer of @ix, printed: candidates of every name, symbols, all lines. */
static char *answers(const struct kbtf_pindex *ix, unsigned int nr)
{
	const struct kbtf_pindex_cand *c;
	struct kbtf_pindex_sym s;
	char name[32], *text;
	size_t len, i;
	uint32_t n, j;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	for (i = 0; i < 2 * nr + 6; i++) {
		const char *fixed[] = {"early", "int", "task", "module", "nosuch", ""};

		if (i < 6)
			snprintf(name, sizeof(name), "%s", fixed[i]);
		else
			snprintf(name, sizeof(name), "%c%zu", i < nr + 6 ? 's' : 't',
				 i < nr + 6 ? i - 6 : i - 6 - nr);
		n = kbtf_pindex_cands(ix, name, &c);
		fprintf(f, "%s:", name);
		for (j = 0; j < n; j++)
			fprintf(f, " %u/%x/%u/%u/%u", c[j].id, c[j].info, c[j].size, c[j].name_off,
				c[j].int_enc);
		fputc('\n', f);
	}
	for (i = 0; i < sizeof(sym_names) / sizeof(sym_names[0]); i++)
		if (kbtf_pindex_symbol(ix, sym_names[i], &s))
			kbtf_pindex_sym_print(f, &s);
		else
			fprintf(f, "none %s\n", sym_names[i]);
	fprintf(f, "lines %u\n", kbtf_pindex_nr_syms(ix));
	for (j = 0; j < kbtf_pindex_nr_syms(ix); j++)
		if (kbtf_pindex_sym_at(ix, j, &s))
			kbtf_pindex_sym_print(f, &s);
		else
			fprintf(f, "line %u: none\n", j);
	assert_false(kbtf_pindex_sym_at(ix, j, &s));
	fprintf(f, "release %s types %u\n", kbtf_pindex_release(ix), kbtf_pindex_type_cnt(ix));
	fclose(f);
	return text;
}

#define NR 400

struct pair_fx {
	struct kbtf_buf ref, whole, delta;
};

static void pair_fx(struct pair_fx *p)
{
	whole_index(&p->ref, symvers_ref, NR, false, false, false);
	whole_index(&p->whole, symvers_new, NR + 3, true, true, true);
	assert_int_equal(
	    kbtf_pindex_delta(p->whole.data, p->whole.size, p->ref.data, p->ref.size, &p->delta),
	    0);
}

static void pair_release(struct pair_fx *p)
{
	kbtf_buf_release(&p->ref);
	kbtf_buf_release(&p->whole);
	kbtf_buf_release(&p->delta);
}

static void test_round_trip(void **state)
{
	struct kbtf_pindex *whole, *d;
	struct pair_fx p;
	char *want, *got;

	pair_fx(&p);
	/* a fraction of the whole index: the typedefs' targets are mapped too */
	assert_true(p.delta.size * 4 < p.whole.size);
	whole = open_whole(&p.whole);
	if (kbtf_pindex_from_mem_ref(p.delta.data, p.delta.size, p.ref.data, p.ref.size, "index",
				     &d))
		fail_msg("open the delta: %s", kbtf_errstr());
	want = answers(whole, NR + 3);
	got = answers(d, NR + 3);
	assert_string_equal(got, want);
	/* what the delta changed is there: ids moved, s5 grown, s7 gone */
	assert_non_null(strstr(got, "s7:\n"));
	assert_non_null(strstr(got, "added\tvmlinux"));
	assert_non_null(strstr(got, "none gone"));
	assert_false(kbtf_pindex_damaged(d));
	free(want);
	free(got);
	kbtf_pindex_free(whole);
	kbtf_pindex_free(d);
	pair_release(&p);
}

/* A delta without its reference, against another one, or against a delta. */
static void test_wrong_reference(void **state)
{
	struct kbtf_buf other;
	struct kbtf_pindex *d;
	struct pair_fx p;

	pair_fx(&p);
	assert_int_equal(kbtf_pindex_from_mem(p.delta.data, p.delta.size, "index", &d), -EINVAL);
	assert_null(d);
	assert_non_null(strstr(kbtf_errstr(), "given none"));
	whole_index(&other, symvers_ref, NR + 1, false, false, false);
	assert_int_equal(kbtf_pindex_from_mem_ref(p.delta.data, p.delta.size, other.data,
						  other.size, "index", &d),
			 -EINVAL);
	assert_null(d);
	assert_non_null(strstr(kbtf_errstr(), "against another reference index"));
	assert_int_equal(kbtf_pindex_from_mem_ref(p.delta.data, p.delta.size, p.delta.data,
						  p.delta.size, "index", &d),
			 -EINVAL);
	assert_null(d);
	/* and no delta is made against a delta */
	kbtf_buf_release(&other);
	assert_int_equal(
	    kbtf_pindex_delta(p.whole.data, p.whole.size, p.delta.data, p.delta.size, &other),
	    -ENOTSUP);
	pair_release(&p);
}

/*
 * One bit flipped anywhere in the delta is refused at open, or changes no
 * answer, or marks the index damaged; the same for the reference's symbol
 * table (checked on use): never a different answer believed.
 */
static void test_damage(void **state)
{
	struct kbtf_pindex *whole, *d;
	size_t i, refused = 0, caught = 0, same = 0;
	struct pair_fx p;
	char *want, *got;
	uint8_t *copy;
	int err;

	pair_fx(&p);
	whole = open_whole(&p.whole);
	want = answers(whole, NR + 3);
	kbtf_pindex_free(whole);
	copy = malloc(p.delta.size > p.ref.size ? p.delta.size : p.ref.size);
	assert_non_null(copy);
	for (i = 0; i < p.delta.size; i++) {
		memcpy(copy, p.delta.data, p.delta.size);
		copy[i] ^= 0x04;
		err = kbtf_pindex_from_mem_ref(copy, p.delta.size, p.ref.data, p.ref.size, "index",
					       &d);
		if (err) {
			assert_true(err == -EINVAL || err == -ESTALE);
			refused++;
			continue;
		}
		got = answers(d, NR + 3);
		if (kbtf_pindex_damaged(d))
			caught++;
		else if (!strcmp(got, want))
			same++;
		else
			fail_msg("byte %zu of the delta flipped: a different answer believed", i);
		free(got);
		kbtf_pindex_free(d);
	}
	assert_true(refused > 0);
	/* the reference: past its open-time checks, its symbol table */
	for (i = 0; i < p.ref.size; i += 3) {
		memcpy(copy, p.ref.data, p.ref.size);
		copy[i] ^= 0x04;
		err = kbtf_pindex_from_mem_ref(p.delta.data, p.delta.size, copy, p.ref.size,
					       "index", &d);
		if (err) {
			refused++;
			continue;
		}
		got = answers(d, NR + 3);
		if (kbtf_pindex_damaged(d))
			caught++;
		else if (!strcmp(got, want))
			same++;
		else
			fail_msg("byte %zu of the reference flipped: a different answer believed",
				 i);
		free(got);
		kbtf_pindex_free(d);
	}
	assert_true(caught > 0);
	print_message("delta damage: %zu refused, %zu caught on use, %zu harmless\n", refused,
		      caught, same);
	free(copy);
	free(want);
	pair_release(&p);
}

/*
 * Seeds for fuzz_index, written where KBTF_INDEX_SEEDS names a directory
 * (skipped otherwise): a whole index and a delta with its reference, sealed.
 */
static void write_seed(const char *name, uint8_t flags, const struct kbtf_buf *ref,
		       const struct kbtf_buf *b)
{
	char path[512];
	uint32_t len;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", getenv("KBTF_INDEX_SEEDS"), name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputc(flags, f);
	if (ref) {
		len = (uint32_t)ref->size; /* little-endian hosts only: a seed */
		fwrite(&len, 4, 1, f);
		fwrite(ref->data, 1, ref->size, f);
	}
	fwrite(b->data, 1, b->size, f);
	assert_int_equal(fclose(f), 0);
}

static void test_fuzz_seeds(void **state)
{
	struct kbtf_buf ref, whole, delta;

	if (!getenv("KBTF_INDEX_SEEDS"))
		skip();
	whole_index(&ref, symvers_ref, 24, false, false, false);
	whole_index(&whole, symvers_new, 27, true, true, true);
	assert_int_equal(kbtf_pindex_delta(whole.data, whole.size, ref.data, ref.size, &delta), 0);
	write_seed("whole-v5-sealed", 1, NULL, &whole);
	write_seed("delta-v5-sealed", 3, &ref, &delta);
	kbtf_buf_release(&ref);
	kbtf_buf_release(&whole);
	kbtf_buf_release(&delta);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_wrong_reference, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_damage, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fuzz_seeds, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
