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
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
 * @grow changes the size of s5 (its entry differs) and the name of s3's
 * member (its layout digest differs), @drop leaves out s7.
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
		/* @grow renames s3's member too: its entry is the reference's, its
		 * layout digest is not */
		assert_int_equal(
		    kbtf_builder_add_member(b, grow && i == 3 ? "w" : "v", intid, 0, 0), 0);
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

/*
 * Every answer of @ix, printed: candidates of every name with their layout
 * digests, symbols, all lines.
 */
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
		for (j = 0; j < n; j++) {
			uint64_t d;
			/* the layout digest drift asks for (none: 0) */
			bool has = kbtf_pindex_digest(ix, name, c[j].id, &d);

			fprintf(f, " %u/%x/%u/%u/%u/%d:%llx", c[j].id, c[j].info, c[j].size,
				c[j].name_off, c[j].int_enc, has, (unsigned long long)d);
		}
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
#define NR_IDRUNS_MIN 1 /* the fixture inserts types early: one run at least */

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
	size_t i, refused = 0, caught = 0, same = 0, whole_caught = 0;
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
		/* what kbtf kernels check reads whole: the run tables, gone records */
		whole_caught += kbtf_pindex_check_runs(d) != 0;
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
	/* every byte of the run tables, the gone records and their checksums */
	assert_true(whole_caught >= 8 * (NR_IDRUNS_MIN + 1));
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
 * CRCs told against a donor: another kernel's delta index against the
 * same reference. The donor's CRCs all differ from the reference's (a new
 * ABI); the next kernel's differ from the donor's in three.
 */
/* @size bytes of @data to the new file @dir/@name. */
static void put_file(const char *dir, const char *name, const void *data, size_t size)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wx");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, size, f), size);
	assert_int_equal(fclose(f), 0);
}

/*
 * Two profiles' deltas against one index.ref (hard links, as in a store)
 * share its reference index, opened once; each answers as the whole index,
 * the second from what the first checked. Rewritten in place, the file is
 * read anew (another reference object) and its damage found.
 */
static void test_shared_reference(void **state)
{
	struct kbtf_pindex *whole, *a, *b, *c;
	char da[320], db[320], from[512], to[512];
	const struct kbtf_pindex *ra;
	struct kbtf_pindex_sym sym;
	struct pair_fx p;
	char *want, *got;
	uint8_t *bad;
	size_t i;
	int fd;

	pair_fx(&p);
	snprintf(da, sizeof(da), "%s/a", tmpdir);
	snprintf(db, sizeof(db), "%s/b", tmpdir);
	assert_int_equal(mkdir(da, 0755), 0);
	assert_int_equal(mkdir(db, 0755), 0);
	put_file(da, "index", p.delta.data, p.delta.size);
	put_file(db, "index", p.delta.data, p.delta.size);
	put_file(da, "index.ref", p.ref.data, p.ref.size);
	snprintf(from, sizeof(from), "%s/index.ref", da);
	snprintf(to, sizeof(to), "%s/index.ref", db);
	assert_int_equal(link(from, to), 0);

	whole = open_whole(&p.whole);
	want = answers(whole, NR + 3);
	if (kbtf_pindex_open_unstamped(da, &a) || kbtf_pindex_open_unstamped(db, &b))
		fail_msg("open: %s", kbtf_errstr());
	ra = kbtf_pindex_reference(a);
	assert_non_null(ra);
	assert_ptr_equal(kbtf_pindex_reference(b), ra);
	for (i = 0; i < 2; i++) { /* the second time from what was checked */
		got = answers(i ? b : a, NR + 3);
		assert_string_equal(got, want);
		free(got);
	}
	assert_false(kbtf_pindex_damaged(a) || kbtf_pindex_damaged(b));
	kbtf_pindex_free(b);

	/* every byte of the symbol strings flipped in place, later than the
	 * file's change time can tell apart (a jiffy at worst) */
	usleep(20 * 1000);
	bad = malloc(p.ref.size);
	assert_non_null(bad);
	memcpy(bad, p.ref.data, p.ref.size);
	for (i = 0; i + 14 <= p.ref.size; i++)
		if (!memcmp(bad + i, "kmalloc_caches", 14))
			bad[i] ^= 0x20;
	fd = open(from, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, bad, p.ref.size, 0), (ssize_t)p.ref.size);
	close(fd);
	free(bad);
	/* @a still holds the old one: a new object, not the old one again */
	if (kbtf_pindex_open_unstamped(db, &c))
		fail_msg("open after the rewrite: %s", kbtf_errstr());
	assert_ptr_not_equal(kbtf_pindex_reference(c), ra);
	assert_false(kbtf_pindex_symbol(c, "kmalloc_caches", &sym) && !kbtf_pindex_damaged(c));
	assert_true(kbtf_pindex_damaged(c));
	/* the old holder still answers from what it checked */
	assert_true(kbtf_pindex_symbol(a, "printk", &sym));
	kbtf_pindex_free(a);
	kbtf_pindex_free(c);
	kbtf_pindex_free(whole);
	free(want);
	pair_release(&p);
}

#define NR_SYMS 130

static char *many_symvers(uint32_t base, const uint32_t *changed, size_t nc)
{
	char *text;
	size_t len, i, j;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	for (i = 0; i < NR_SYMS; i++) {
		uint32_t crc = base + (uint32_t)i;

		for (j = 0; j < nc; j++)
			crc ^= changed[j] == i ? 0x5a5a0000u : 0;
		fprintf(f, "0x%08x\tsym%zu\tvmlinux\tEXPORT_SYMBOL\t\n", crc, i);
	}
	fclose(f);
	return text;
}

struct donor_fx {
	struct kbtf_buf ref, a, da, b, db;
};

/* The next kernel's CRCs that differ from the donor's: one in each block of 64 */
static const uint32_t changed_spread[] = {3, 64, NR_SYMS - 1};
/* ten in the first block: more than one 32-byte round of the block's checksum */
static const uint32_t changed_packed[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};

static void donor_fx_of(struct donor_fx *x, unsigned int nr, const uint32_t *changed, size_t nc)
{
	char *r = many_symvers(0x1000, NULL, 0), *a = many_symvers(0x7000, NULL, 0),
	     *b = many_symvers(0x7000, changed, nc);

	whole_index(&x->ref, r, nr, false, false, false);
	whole_index(&x->a, a, nr, false, false, false);
	whole_index(&x->b, b, nr, false, false, false);
	assert_int_equal(kbtf_pindex_delta(x->a.data, x->a.size, x->ref.data, x->ref.size, &x->da),
			 0);
	assert_int_equal(kbtf_pindex_delta_donor(x->b.data, x->b.size, x->ref.data, x->ref.size,
						 x->da.data, x->da.size, &x->db),
			 0);
	free(r);
	free(a);
	free(b);
}

static void donor_fx(struct donor_fx *x, unsigned int nr)
{
	donor_fx_of(x, nr, changed_spread, 3);
}

static void donor_release(struct donor_fx *x)
{
	kbtf_buf_release(&x->ref);
	kbtf_buf_release(&x->a);
	kbtf_buf_release(&x->da);
	kbtf_buf_release(&x->b);
	kbtf_buf_release(&x->db);
}

static struct kbtf_pindex *open_donor(const struct donor_fx *x, const struct kbtf_buf *d,
				      const struct kbtf_buf *donor)
{
	struct kbtf_pindex *ix = NULL;

	if (kbtf_pindex_from_mem_donor(d->data, d->size, x->ref.data, x->ref.size, donor->data,
				       donor->size, "index", &ix))
		fail_msg("open: %s", kbtf_errstr());
	return ix;
}

static void test_crc_donor(void **state)
{
	struct kbtf_pindex *whole, *d;
	struct kbtf_buf again, whole_crcs;
	struct donor_fx x;
	char *want, *got;

	donor_fx(&x, NR);
	/* the donor holds every CRC (520 bytes); the other three and a block record per 64 */
	assert_true(x.db.size + 400 < x.da.size);
	whole = open_whole(&x.b);
	want = answers(whole, NR);
	kbtf_pindex_free(whole);
	d = open_donor(&x, &x.db, &x.da);
	got = answers(d, NR);
	assert_string_equal(got, want);
	assert_false(kbtf_pindex_damaged(d));
	free(got);
	kbtf_pindex_free(d);

	/* no donor given, or another index as the donor */
	assert_int_equal(
	    kbtf_pindex_from_mem_ref(x.db.data, x.db.size, x.ref.data, x.ref.size, "index", &d),
	    -EINVAL);
	assert_non_null(strstr(kbtf_errstr(), "given none"));
	assert_int_equal(kbtf_pindex_from_mem_donor(x.db.data, x.db.size, x.ref.data, x.ref.size,
						    x.ref.data, x.ref.size, "index", &d),
			 -EINVAL);
	assert_null(d);
	assert_int_equal(kbtf_pindex_from_mem_donor(x.db.data, x.db.size, x.ref.data, x.ref.size,
						    x.db.data, x.db.size, "index", &d),
			 -EINVAL);
	assert_null(d);
	/* a donor whose CRCs are told against another is no donor: written whole */
	assert_int_equal(kbtf_pindex_delta_donor(x.b.data, x.b.size, x.ref.data, x.ref.size,
						 x.db.data, x.db.size, &again),
			 0);
	assert_int_equal(kbtf_pindex_delta(x.b.data, x.b.size, x.ref.data, x.ref.size, &whole_crcs),
			 0);
	assert_int_equal(again.size, whole_crcs.size);
	assert_memory_equal(again.data, whole_crcs.data, again.size);
	/* a kernel with the donor's very CRCs: none of its own */
	kbtf_buf_release(&again);
	assert_int_equal(kbtf_pindex_delta_donor(x.a.data, x.a.size, x.ref.data, x.ref.size,
						 x.da.data, x.da.size, &again),
			 0);
	assert_true(again.size < x.da.size); /* the same CRCs as the donor's: used */
	kbtf_buf_release(&again);
	kbtf_buf_release(&whole_crcs);
	free(want);
	donor_release(&x);
}

/*
 * One bit flipped in the delta (bit 1 of every byte; with @top_bits, bit 7
 * too) or in its donor (bit 1 of every third byte): refused, damaged on
 * use, or harmless.
 * With the CRCs spread one to a block, and packed ten to one block, whose
 * checksum then takes a whole 32-byte round: the top bit of its last word
 * must reach the 32-bit sum too.
 */
static void crc_donor_damage(const uint32_t *changed, size_t nc, bool top_bits)
{
	size_t i, refused = 0, caught = 0, same = 0, which;
	struct kbtf_pindex *whole, *d;
	struct donor_fx x;
	char *want, *got;
	uint8_t *copy;
	unsigned int bit;
	int err;

	donor_fx_of(&x, NR, changed, nc);
	whole = open_whole(&x.b);
	want = answers(whole, NR);
	kbtf_pindex_free(whole);
	copy = malloc(x.da.size > x.db.size ? x.da.size : x.db.size);
	assert_non_null(copy);
	for (which = 0; which < 2; which++) {
		const struct kbtf_buf *victim = which ? &x.da : &x.db;

		for (i = 0; i < victim->size * 8; i += which ? 3 * 8 : top_bits ? 4 : 8) {
			bit = which || !top_bits ? 1 : i % 8 ? 7 : 1;
			memcpy(copy, victim->data, victim->size);
			copy[i / 8] ^= (uint8_t)(1u << bit);
			err = kbtf_pindex_from_mem_donor(
			    which ? x.db.data : copy, x.db.size, x.ref.data, x.ref.size,
			    which ? copy : x.da.data, x.da.size, "index", &d);
			if (err) {
				assert_true(err == -EINVAL || err == -ESTALE);
				refused++;
				continue;
			}
			got = answers(d, NR);
			if (kbtf_pindex_damaged(d))
				caught++;
			else if (!strcmp(got, want))
				same++;
			else
				fail_msg("bit %u of byte %zu of the %s flipped: a different answer "
					 "believed",
					 bit, i / 8, which ? "donor" : "delta");
			free(got);
			kbtf_pindex_free(d);
		}
	}
	assert_true(refused > 0 && caught > 0);
	print_message("donor damage: %zu refused, %zu caught on use, %zu harmless\n", refused,
		      caught, same);
	free(copy);
	free(want);
	donor_release(&x);
}

static void test_crc_donor_damage(void **state)
{
	crc_donor_damage(changed_spread, 3, false);
	crc_donor_damage(changed_packed, 10, true);
}

/*
 * Seeds for fuzz_index, written where KBTF_INDEX_SEEDS names a directory
 * (skipped otherwise): a whole index and a delta with its reference, sealed.
 */
static void write_seed(const char *name, uint8_t flags, const struct kbtf_buf *ref,
		       const struct kbtf_buf *donor, const struct kbtf_buf *b)
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
	if (donor) {
		len = (uint32_t)donor->size;
		fwrite(&len, 4, 1, f);
		fwrite(donor->data, 1, donor->size, f);
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
	write_seed("whole-v8-sealed", 1, NULL, NULL, &whole);
	write_seed("delta-v8-sealed", 3, &ref, NULL, &delta);
	kbtf_buf_release(&ref);
	kbtf_buf_release(&whole);
	kbtf_buf_release(&delta);
	{
		struct donor_fx x;

		donor_fx(&x, NR);
		write_seed("donor-v8-sealed", 7, &x.ref, &x.da, &x.db);
		donor_release(&x);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_shared_reference, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_wrong_reference, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_damage, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_crc_donor, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_crc_donor_damage, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fuzz_seeds, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
