// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The prepared index of a stored profile (profile_index.c) and the BTF
 * opened through it (kbtf_btf_parse_prepared): what the index answers
 * equals what the BTF, config and Module.symvers say; a damaged, truncated,
 * stale or other-version index is refused, never believed; a damaged
 * symbol record, type offset or BTF record is caught when it is read.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "btf_prepared.h"
#include "kbtf/btf.h"
#include "kbtf/builder.h"
#include "kbtf/err.h"
#include "kbtf/source.h"
#include "profile.h"
#include "profile_index.h"
#include "util.h"

static char tmpdir[256];

/*
 * vmlinux and module exports, GPL-only, namespaced, a symbol listed twice,
 * and a line of the format before 5.4 (no namespace field).
 */
static const char symvers_text[] = "0x12345678\tprintk\tvmlinux\tEXPORT_SYMBOL\t\n"
				   "0x9abcdef0\tkmalloc_caches\tvmlinux\tEXPORT_SYMBOL_GPL\t\n"
				   "0x00000001\tdup\tvmlinux\tEXPORT_SYMBOL\t\n"
				   "0xdeadbeef\tusb_ep_queue\tdrivers/usb/gadget/udc/udc-core"
				   "\tEXPORT_SYMBOL_GPL\tUSB_GADGET\n"
				   "0x00000002\tdup\tdrivers/x\tEXPORT_SYMBOL\tNS\n"
				   "0x00000000\told_style\tvmlinux\tEXPORT_SYMBOL\n";

/* Each line of symvers_text, the symbol it exports. */
static const char *const symvers_names[] = {"printk", "kmalloc_caches", "dup", "usb_ep_queue",
					    "dup",    "old_style"};

static const char config_text[] = "CONFIG_MODVERSIONS=y\nCONFIG_SMP=y\n"
				  "# CONFIG_MODULE_FORCE_LOAD is not set\nCONFIG_X86_64=y\n";

static int setup(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/kbtf-test-index.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	setenv("XDG_CACHE_HOME", tmpdir, 1);
	return 0;
}

static int teardown(void **state)
{
	kbtf_rm_rf(tmpdir);
	return 0;
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/*
 * A vmlinux-like BTF: two INTs named "int" (different encodings), a struct
 * and a FWD both named "task", "module" (size 64), a typedef (not keyed),
 * an enum, and @extra structs.
 */
static void make_btf(struct kbtf_buf *out, unsigned int extra)
{
	struct kbtf_builder *b = kbtf_builder_new(NULL);
	char name[32];
	unsigned int i;
	int intid;

	assert_non_null(b);
	intid = kbtf_builder_add_int(b, "int", 4, BTF_INT_SIGNED, 0, 32);
	assert_true(kbtf_builder_add_int(b, "int", 4, 0, 0, 32) > 0);
	assert_true(kbtf_builder_add_struct(b, "task", 16) > 0);
	assert_int_equal(kbtf_builder_add_member(b, "pid", intid, 0, 0), 0);
	assert_true(kbtf_builder_add_fwd(b, "task", false) > 0);
	assert_true(kbtf_builder_add_struct(b, "module", 64) > 0);
	assert_int_equal(kbtf_builder_add_member(b, "refcnt", intid, 0, 0), 0);
	assert_true(kbtf_builder_add_typedef(b, "task_t", 3) > 0);
	for (i = 0; i < extra; i++) {
		snprintf(name, sizeof(name), "s%u", i);
		assert_true(kbtf_builder_add_struct(b, name, 4) > 0);
		assert_int_equal(kbtf_builder_add_member(b, "v", intid, 0, 0), 0);
	}
	assert_int_equal(kbtf_builder_write(b, NULL, out), 0);
	kbtf_builder_free(b);
}

struct fake_kernel {
	struct kbtf_kernel k;
	char symvers[320];
};

static void fake_kernel(struct fake_kernel *f, unsigned int extra)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->symvers, sizeof(f->symvers), "%s/Module.symvers", tmpdir);
	write_text(f->symvers, symvers_text);
	f->k.source = "fake";
	f->k.release = "6.12.1-test";
	f->k.arch = "x86_64";
	f->k.config = (char *)config_text;
	f->k.config_len = strlen(config_text);
	f->k.symvers_path = f->symvers;
	make_btf(&f->k.btf_raw, extra);
}

static void fake_kernel_release(struct fake_kernel *f)
{
	kbtf_btf_free(f->k.btf);
	kbtf_buf_release(&f->k.btf_raw);
}

static struct kbtf_pindex *build_open(struct fake_kernel *f, struct kbtf_buf *raw)
{
	struct kbtf_pindex *ix = NULL;

	assert_int_equal(kbtf_pindex_build(&f->k, f->symvers, NULL, raw), 0);
	if (kbtf_pindex_from_mem(raw->data, raw->size, "index", &ix))
		fail_msg("open: %s", kbtf_errstr());
	return ix;
}

/* ------------------------------------------------------------- answers */

static void test_answers(void **state)
{
	const struct kbtf_pindex_cand *c;
	struct kbtf_pindex *ix;
	struct fake_kernel f;
	struct kbtf_buf raw;
	struct kbtf_pindex_sym sym;

	fake_kernel(&f, 5);
	ix = build_open(&f, &raw);
	assert_string_equal(kbtf_pindex_release(ix), "6.12.1-test");
	assert_string_equal(kbtf_pindex_arch(ix), "x86_64");
	assert_int_equal(kbtf_pindex_type_cnt(ix), 6 + 5 + 1);
	assert_int_equal(kbtf_pindex_module_struct_size(ix), 64);
	assert_false(kbtf_pindex_has_btf_relocate(ix));
	assert_true(kbtf_pindex_btf_hash(ix) == kbtf_kernel_btf_hash(&f.k));

	/* both INTs, in id order, with their encodings */
	assert_int_equal(kbtf_pindex_cands(ix, "int", &c), 2);
	assert_int_equal(c[0].id, 1);
	assert_int_equal(c[0].int_enc, BTF_INT_SIGNED);
	assert_int_equal(c[1].id, 2);
	assert_int_equal(c[1].int_enc, 0);
	/* a struct and a FWD of one name */
	assert_int_equal(kbtf_pindex_cands(ix, "task", &c), 2);
	assert_int_equal(c[0].id, 3);
	assert_int_equal(c[0].size, 16);
	assert_int_equal(BTF_INFO_KIND(c[0].info), BTF_KIND_STRUCT);
	assert_int_equal(BTF_INFO_KIND(c[1].info), BTF_KIND_FWD);
	/* typedefs are indexed too (member checks look them up), with their kind */
	assert_int_equal(kbtf_pindex_cands(ix, "task_t", &c), 1);
	assert_int_equal(BTF_INFO_KIND(c[0].info), BTF_KIND_TYPEDEF);
	assert_int_equal(kbtf_pindex_cands(ix, "s4", &c), 1);
	assert_int_equal(kbtf_pindex_cands(ix, "nosuch", &c), 0);

	assert_true(kbtf_pindex_has_config(ix));
	assert_string_equal(kbtf_pindex_config(ix, "MODVERSIONS"), "y");
	assert_null(kbtf_pindex_config(ix, "MODULE_FORCE_LOAD"));
	assert_null(kbtf_pindex_config(ix, "PREEMPT_RT"));

	assert_true(kbtf_pindex_has_symvers(ix));
	assert_true(kbtf_pindex_symvers_indexed(ix));
	assert_int_equal(kbtf_pindex_nr_syms(ix), 6);
	/* GPL-only, vmlinux, empty namespace field */
	assert_true(kbtf_pindex_symbol(ix, "kmalloc_caches", &sym));
	assert_int_equal(sym.crc, 0x9abcdef0);
	assert_string_equal(sym.name, "kmalloc_caches");
	assert_string_equal(sym.module, "vmlinux");
	assert_string_equal(sym.type, "EXPORT_SYMBOL_GPL");
	assert_string_equal(sym.ns, "");
	/* a module's namespaced GPL-only export */
	assert_true(kbtf_pindex_symbol(ix, "usb_ep_queue", &sym));
	assert_int_equal(sym.crc, 0xdeadbeef);
	assert_string_equal(sym.module, "drivers/usb/gadget/udc/udc-core");
	assert_string_equal(sym.type, "EXPORT_SYMBOL_GPL");
	assert_string_equal(sym.ns, "USB_GADGET");
	/* listed twice: the last line, as the parser keeps it */
	assert_true(kbtf_pindex_symbol(ix, "dup", &sym));
	assert_int_equal(sym.crc, 2);
	assert_string_equal(sym.module, "drivers/x");
	assert_string_equal(sym.ns, "NS");
	/* no namespace field at all (before 5.4), and a CRC of 0 */
	assert_true(kbtf_pindex_symbol(ix, "old_style", &sym));
	assert_int_equal(sym.crc, 0);
	assert_null(sym.ns);
	assert_false(kbtf_pindex_symbol(ix, "kmalloc", &sym));
	assert_false(kbtf_pindex_symbol(ix, "printk\tvmlinux", &sym));
	assert_false(kbtf_pindex_symbol(ix, "", &sym));
	assert_false(kbtf_pindex_damaged(ix));

	kbtf_pindex_free(ix);
	kbtf_buf_release(&raw);
	fake_kernel_release(&f);
}

/* The BTF opened through the index's offsets reads as the full parse. */
static void test_prepared_btf(void **state)
{
	struct kbtf_btf *full, *prep;
	struct kbtf_pindex *ix;
	struct fake_kernel f;
	struct kbtf_buf raw;
	const uint32_t *offs;
	uint32_t nr, id;

	fake_kernel(&f, 40);
	ix = build_open(&f, &raw);
	offs = kbtf_pindex_type_offs(ix, &nr);
	assert_non_null(offs);
	assert_int_equal(kbtf_btf_parse(f.k.btf_raw.data, f.k.btf_raw.size, NULL, &full), 0);
	assert_int_equal(nr + 1, kbtf_btf_type_cnt(full));
	assert_int_equal(kbtf_btf_parse_prepared(f.k.btf_raw.data, f.k.btf_raw.size, offs, nr,
						 "prepared", &prep),
			 0);
	assert_int_equal(kbtf_btf_type_cnt(prep), kbtf_btf_type_cnt(full));
	for (id = 0; id < kbtf_btf_type_cnt(full); id++) {
		const struct btf_type *a = kbtf_btf_type(full, id), *b = kbtf_btf_type(prep, id);

		assert_int_equal(kbtf_type_rec_size(a), kbtf_type_rec_size(b));
		assert_memory_equal(a, b, kbtf_type_rec_size(a));
		assert_string_equal(kbtf_btf_str(full, a->name_off),
				    kbtf_btf_str(prep, b->name_off));
	}
	assert_null(kbtf_btf_type(prep, nr + 1));
	assert_false(kbtf_btf_damaged(prep));
	kbtf_btf_free(prep);
	kbtf_btf_free(full);
	kbtf_pindex_free(ix);
	kbtf_buf_release(&raw);
	fake_kernel_release(&f);
}

/* A record that does not match its offset, or names a string past the end,
 * reads as VOID and marks the object damaged; the others stay readable. */
static void test_prepared_btf_damaged(void **state)
{
	struct kbtf_pindex *ix;
	struct fake_kernel f;
	struct kbtf_buf raw;
	struct kbtf_btf *prep;
	const uint32_t *offs;
	uint32_t nr, *bad, hdr_len, type_off;
	uint8_t *copy;

	fake_kernel(&f, 3);
	ix = build_open(&f, &raw);
	offs = kbtf_pindex_type_offs(ix, &nr);
	assert_non_null(offs);
	/* offsets shifted by 4: every record but the first is misplaced */
	bad = malloc(nr * sizeof(*bad));
	assert_non_null(bad);
	memcpy(bad, offs, nr * sizeof(*bad));
	bad[2] += 4;
	assert_int_equal(
	    kbtf_btf_parse_prepared(f.k.btf_raw.data, f.k.btf_raw.size, bad, nr, "p", &prep), 0);
	assert_non_null(kbtf_btf_type(prep, 1));
	assert_false(kbtf_btf_damaged(prep));
	assert_int_equal(kbtf_kind(kbtf_btf_type(prep, 3)), BTF_KIND_UNKN);
	assert_true(kbtf_btf_damaged(prep));
	kbtf_btf_free(prep);
	free(bad);

	/* a name offset past the strings */
	copy = malloc(f.k.btf_raw.size);
	assert_non_null(copy);
	memcpy(copy, f.k.btf_raw.data, f.k.btf_raw.size);
	memcpy(&hdr_len, copy + 4, 4);
	memcpy(&type_off, copy + 8, 4);
	memset(copy + hdr_len + type_off + offs[4], 0xff, 4); /* type 5's name_off */
	assert_int_equal(kbtf_btf_parse_prepared(copy, f.k.btf_raw.size, offs, nr, "p", &prep), 0);
	assert_non_null(kbtf_btf_type(prep, 4));
	assert_false(kbtf_btf_damaged(prep));
	assert_int_equal(kbtf_kind(kbtf_btf_type(prep, 5)), BTF_KIND_UNKN);
	assert_true(kbtf_btf_damaged(prep));
	kbtf_btf_free(prep);
	free(copy);

	kbtf_pindex_free(ix);
	kbtf_buf_release(&raw);
	fake_kernel_release(&f);
}

/* ------------------------------------------------------------- refusals */

/* The sections of the format (profile_index.c) the tests damage. */
enum {
	SEC_SLOTS = 5,
	SEC_OFFS = 10,
	SEC_SSLOTS = 12,
	SEC_SYMS = 14,
	SEC_DIGBLKS = 22,
	SEC_DIGVALS = 24,
	NR_SECS = 25
};

static uint32_t sec_off(const struct kbtf_buf *raw, int sec)
{
	/* sec[] ends the header (its size at byte 12): NR_SECS (offset, size) pairs */
	uint32_t off, hdr;

	memcpy(&hdr, raw->data + 12, 4);
	memcpy(&off, raw->data + hdr - NR_SECS * 8 + (size_t)sec * 8, 4);
	return off;
}

static void test_damage_refused(void **state)
{
	struct kbtf_pindex *ix;
	struct fake_kernel f;
	struct kbtf_buf raw;
	uint8_t *copy;
	size_t i, summed, refused = 0, tried = 0;
	int err;

	fake_kernel(&f, 20);
	ix = build_open(&f, &raw);
	kbtf_pindex_free(ix);
	copy = malloc(raw.size);
	assert_non_null(copy);
	/* every byte the open-time checksum covers (the header, the config and
	 * its strings): one bit flipped is refused */
	summed = sec_off(&raw, SEC_SLOTS); /* where the checksummed part ends */
	assert_true(summed > 200 && summed < 1024);
	for (i = 0; i < summed; i++) {
		memcpy(copy, raw.data, raw.size);
		copy[i] ^= 0x10;
		err = kbtf_pindex_from_mem(copy, raw.size, "index", &ix);
		tried++;
		if (err) {
			refused++;
			assert_true(err == -EINVAL || err == -ESTALE);
			assert_non_null(strstr(kbtf_errstr(), "index"));
		} else {
			kbtf_pindex_free(ix);
		}
	}
	assert_int_equal(refused, tried);

	/* every truncation */
	for (i = 0; i < raw.size; i += 7) {
		assert_int_not_equal(kbtf_pindex_from_mem(raw.data, i, "index", &ix), 0);
		assert_null(ix);
	}
	/* another version: stale, said so */
	memcpy(copy, raw.data, raw.size);
	copy[8] ^= 0x7f;
	assert_int_equal(kbtf_pindex_from_mem(copy, raw.size, "index", &ix), -ESTALE);
	assert_non_null(strstr(kbtf_errstr(), "version"));
	free(copy);
	kbtf_buf_release(&raw);
	fake_kernel_release(&f);
}

/* What kbtf_pindex_symbol() answers for each name of symvers_text, printed. */
static void answers(const struct kbtf_pindex *ix, char *out, size_t len)
{
	struct kbtf_pindex_sym sym;
	FILE *f = fmemopen(out, len, "w");
	size_t i;

	assert_non_null(f);
	for (i = 0; i < sizeof(symvers_names) / sizeof(symvers_names[0]); i++)
		if (kbtf_pindex_symbol(ix, symvers_names[i], &sym))
			kbtf_pindex_sym_print(f, &sym);
		else
			fprintf(f, "none\n");
	assert_false(kbtf_pindex_symbol(ix, "nosuch", &sym));
	fclose(f);
}

/*
 * The symbol table rebuilds every line byte for byte; one bit flipped
 * anywhere in it (slots, their sums, records, sets, strings) is either
 * harmless (every answer the same), refused or marks the index damaged: never a
 * different answer believed, a symbol lost or a CRC changed.
 */
static void test_symbols_damage(void **state)
{
	char want[1024], got[1024], expect[1024];
	struct kbtf_pindex *ix;
	struct fake_kernel f;
	struct kbtf_buf raw;
	uint8_t *copy;
	size_t i, start, caught = 0, harmless = 0;

	fake_kernel(&f, 2);
	ix = build_open(&f, &raw);
	answers(ix, want, sizeof(want));
	assert_false(kbtf_pindex_damaged(ix));
	kbtf_pindex_free(ix);
	/* each symbol's last line, as in the file */
	snprintf(expect, sizeof(expect), "%s",
		 "0x12345678\tprintk\tvmlinux\tEXPORT_SYMBOL\t\n"
		 "0x9abcdef0\tkmalloc_caches\tvmlinux\tEXPORT_SYMBOL_GPL\t\n"
		 "0x00000002\tdup\tdrivers/x\tEXPORT_SYMBOL\tNS\n"
		 "0xdeadbeef\tusb_ep_queue\tdrivers/usb/gadget/udc/udc-core"
		 "\tEXPORT_SYMBOL_GPL\tUSB_GADGET\n"
		 "0x00000002\tdup\tdrivers/x\tEXPORT_SYMBOL\tNS\n"
		 "0x00000000\told_style\tvmlinux\tEXPORT_SYMBOL\n");
	assert_string_equal(want, expect);

	copy = malloc(raw.size);
	assert_non_null(copy);
	start = sec_off(&raw, SEC_SSLOTS);
	for (i = start; i < raw.size; i++) {
		memcpy(copy, raw.data, raw.size);
		copy[i] ^= 0x04;
		if (kbtf_pindex_from_mem(copy, raw.size, "index", &ix)) {
			caught++; /* refused on open (the strings' terminator) */
			continue;
		}
		answers(ix, got, sizeof(got));
		if (kbtf_pindex_damaged(ix))
			caught++;
		else if (!strcmp(got, want))
			harmless++;
		else
			fail_msg("byte %zu flipped: answered\n%s", i, got);
		kbtf_pindex_free(ix);
	}
	assert_true(caught > (raw.size - start) / 2);
	free(copy);
	kbtf_buf_release(&raw);
	fake_kernel_release(&f);
}

/* A Module.symvers whose lines would not rebuild exactly gets no symbol
 * table: the judge then reads the file the full way. */
static void test_symbols_not_rebuilt(void **state)
{
	static const char *const odd[] = {
	    "0x1234567\tshort_crc\tvmlinux\tEXPORT_SYMBOL\t\n",
	    "0X12345678\tupper\tvmlinux\tEXPORT_SYMBOL\t\n",
	    "0x1234ABCD\tupper_hex\tvmlinux\tEXPORT_SYMBOL\t\n",
	    "0x12345678\tsix\tvmlinux\tEXPORT_SYMBOL\tNS\textra\n",
	    "0x12345678\tthree\tvmlinux\n",
	    "0x12345678\t\tvmlinux\tEXPORT_SYMBOL\t\n",
	    "\n",
	    "0x12345678\tno_newline\tvmlinux\tEXPORT_SYMBOL\t",
	};
	struct kbtf_pindex *ix;
	struct fake_kernel f;
	struct kbtf_buf raw;
	char text[512];
	size_t i;

	for (i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		fake_kernel(&f, 1);
		snprintf(text, sizeof(text), "%s%s", symvers_text, odd[i]);
		write_text(f.symvers, text);
		ix = build_open(&f, &raw);
		assert_true(kbtf_pindex_has_symvers(ix));
		assert_false(kbtf_pindex_symvers_indexed(ix));
		assert_int_equal(kbtf_pindex_nr_syms(ix), 0);
		kbtf_pindex_free(ix);
		kbtf_buf_release(&raw);
		fake_kernel_release(&f);
	}
}

/*
 * Real Module.symvers files (Debian's 6.1 and 6.12 headers, when
 * installed): the records printed in order are the file byte for byte,
 * and each symbol looks up to its last line.
 */
static void test_symbols_real(void **state)
{
	const char *const files[] = {
	    "/usr/src/linux-headers-6.12.113+deb12-amd64/Module.symvers",
	    "/usr/src/linux-headers-6.1.0-56-amd64/Module.symvers",
	};
	struct kbtf_pindex_sym sym, last;
	struct kbtf_pindex *ix;
	struct fake_kernel f;
	struct kbtf_buf raw, file;
	char *text;
	size_t len, i, tried = 0;
	uint32_t j, ns = 0, gpl = 0, mods = 0;
	FILE *out;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (kbtf_buf_from_file(files[i], &file))
			continue;
		tried++;
		fake_kernel(&f, 1);
		snprintf(f.symvers, sizeof(f.symvers), "%s", files[i]);
		ix = build_open(&f, &raw);
		assert_true(kbtf_pindex_symvers_indexed(ix));
		assert_true(kbtf_pindex_nr_syms(ix) > 20000);
		out = open_memstream(&text, &len);
		assert_non_null(out);
		for (j = 0; j < kbtf_pindex_nr_syms(ix); j++) {
			assert_true(kbtf_pindex_sym_at(ix, j, &sym));
			kbtf_pindex_sym_print(out, &sym);
			assert_true(kbtf_pindex_symbol(ix, sym.name, &last));
			assert_string_equal(last.name, sym.name);
			ns += sym.ns && *sym.ns;
			gpl += !strcmp(sym.type, "EXPORT_SYMBOL_GPL");
			mods += !!strcmp(sym.module, "vmlinux");
		}
		assert_int_equal(fclose(out), 0);
		assert_int_equal(len, file.size);
		assert_memory_equal(text, file.data, len);
		assert_true(ns > 100 && gpl > 1000 && mods > 1000);
		assert_false(kbtf_pindex_damaged(ix));
		free(text);
		kbtf_pindex_free(ix);
		kbtf_buf_release(&raw);
		kbtf_buf_release(&file);
		fake_kernel_release(&f);
	}
	if (!tried)
		skip();
}

/* What kbtf_pindex_cands() answers for every name of make_btf(@extra) and one absent. */
static void cand_answers(const struct kbtf_pindex *ix, unsigned int extra, char *out, size_t len)
{
	static const char *const fixed[] = {"int", "task", "module", "task_t", "nosuch", ""};
	const struct kbtf_pindex_cand *c;
	FILE *f = fmemopen(out, len, "w");
	char name[32];
	uint32_t n, j;
	size_t i;

	assert_non_null(f);
	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]) + extra; i++) {
		if (i < sizeof(fixed) / sizeof(fixed[0]))
			snprintf(name, sizeof(name), "%s", fixed[i]);
		else
			snprintf(name, sizeof(name), "s%zu", i - sizeof(fixed) / sizeof(fixed[0]));
		n = kbtf_pindex_cands(ix, name, &c);
		fprintf(f, "%s:%u", name, n);
		for (j = 0; j < n; j++)
			fprintf(f, " %u/%x/%u/%u/%u", c[j].id, c[j].info, c[j].size, c[j].name_off,
				c[j].int_enc);
		fputc('\n', f);
	}
	fclose(f);
}

/*
 * The names (slots, their block sums, name records, candidates, the name
 * pool) are not checked on open but where a lookup reads them: every bit
 * flipped is harmless (every answer the same), refused on open (the
 * pool's terminator), or marks the index damaged when a lookup reads it;
 * never a different answer believed, a name lost or a candidate changed.
 */
static void test_names_damage(void **state)
{
	static char want[8192], got[8192];
	size_t i, start, end, caught = 0, harmless = 0, refused = 0;
	struct kbtf_pindex *ix;
	struct fake_kernel f;
	struct kbtf_buf raw;
	uint8_t *copy;
	int bit;

	fake_kernel(&f, 40);
	ix = build_open(&f, &raw);
	cand_answers(ix, 40, want, sizeof(want));
	assert_false(kbtf_pindex_damaged(ix));
	assert_non_null(strstr(want, "s39:1 "));
	assert_non_null(strstr(want, "nosuch:0\n"));
	kbtf_pindex_free(ix);
	copy = malloc(raw.size);
	assert_non_null(copy);
	start = sec_off(&raw, SEC_SLOTS);
	end = sec_off(&raw, SEC_OFFS);
	for (i = start; i < end; i++) {
		for (bit = 0; bit < 8; bit++) {
			memcpy(copy, raw.data, raw.size);
			copy[i] ^= (uint8_t)(1u << bit);
			if (kbtf_pindex_from_mem(copy, raw.size, "index", &ix)) {
				refused++;
				assert_non_null(strstr(kbtf_errstr(), "damaged kernel index"));
				continue;
			}
			cand_answers(ix, 40, got, sizeof(got));
			if (kbtf_pindex_damaged(ix))
				caught++;
			else if (!strcmp(got, want))
				harmless++;
			else
				fail_msg("byte %zu bit %d flipped: answered\n%s", i, bit, got);
			kbtf_pindex_free(ix);
		}
	}
	/* the padding between sections, and slots no probe reads, are the harmless ones */
	assert_true(caught > 8 * (end - start) / 2);
	assert_int_equal(refused, 8); /* the last byte of the pool, its terminator */

	/* one name looked up: only the blocks and records its probe reads are checked */
	memcpy(copy, raw.data, raw.size);
	copy[end - 8] ^= 1; /* the last name in the pool */
	assert_int_equal(kbtf_pindex_from_mem(copy, raw.size, "index", &ix), 0);
	{
		const struct kbtf_pindex_cand *c;

		assert_int_equal(kbtf_pindex_cands(ix, "module", &c), 1);
	}
	assert_false(kbtf_pindex_damaged(ix));
	kbtf_pindex_free(ix);
	free(copy);
	kbtf_buf_release(&raw);
	fake_kernel_release(&f);
}

static bool offs_ok(const void *ix, uint32_t first, uint32_t n)
{
	return kbtf_pindex_type_offs_ok(ix, first, n);
}

/*
 * The type offsets, checked a block at a time where a prepared BTF reads
 * them: every bit of the offsets and their sums flipped either marks the
 * index damaged when the types are read, or changes nothing; a block no
 * type read lies in goes unnoticed.
 */
/*
 * The layout digests of every struct and union (@out, @nr of them: one a
 * candidate, 0 where the index has none), asked by name and id as drift
 * asks; @damaged: whether a lookup found the index damaged.
 */
static size_t all_digests(const struct kbtf_pindex *ix, uint64_t *out, size_t max, bool *damaged)
{
	const char *names[3] = {"task", "module", NULL};
	const struct kbtf_pindex_cand *c;
	char name[32];
	uint32_t n, j;
	size_t k = 0, i;

	for (i = 0; i < 2 + 200; i++) {
		if (i >= 2)
			snprintf(name, sizeof(name), "s%zu", i - 2);
		n = kbtf_pindex_cands(ix, i < 2 ? names[i] : name, &c);
		for (j = 0; j < n && k < max; j++)
			kbtf_pindex_digest(ix, i < 2 ? names[i] : name, c[j].id, &out[k++]);
	}
	*damaged = kbtf_pindex_damaged(ix);
	return k;
}

/*
 * Every bit of the layout digest sections flipped: what a lookup reads is
 * refused (damaged) or the answer is the same, never another digest; a
 * flipped digest must never be taken for a skip.
 */
static void test_digest_damage(void **state)
{
	static uint64_t want[512], got[512];
	size_t i, nw, ng, caught = 0, same = 0, start, end;
	struct kbtf_pindex *ix;
	struct fake_kernel f;
	struct kbtf_buf raw;
	uint8_t *copy;
	bool damaged;
	int bit;

	fake_kernel(&f, 200);
	ix = build_open(&f, &raw);
	nw = all_digests(ix, want, 512, &damaged);
	assert_false(damaged);
	/* task (and its FWD: none), module, s0..s199: all but the FWD have one */
	assert_int_equal(nw, 203);
	for (i = 0, ng = 0; i < nw; i++)
		ng += want[i] != 0;
	assert_int_equal(ng, 202);
	/* s0..s199 are one layout: one digest; task's and module's differ */
	assert_true(want[3] == want[202] && want[0] != want[2] && want[0] != want[3]);
	kbtf_pindex_free(ix);
	copy = malloc(raw.size);
	assert_non_null(copy);
	start = sec_off(&raw, SEC_DIGBLKS);
	end = raw.size;
	assert_true(end - start > 8 * 202);
	for (i = start; i < end; i++) {
		for (bit = 0; bit < 8; bit++) {
			memcpy(copy, raw.data, raw.size);
			copy[i] ^= (uint8_t)(1u << bit);
			if (kbtf_pindex_from_mem(copy, raw.size, "index", &ix)) {
				caught++; /* not read on open: the header's checksum */
				continue;
			}
			ng = all_digests(ix, got, 512, &damaged);
			if (damaged)
				caught++;
			else if (ng == nw && !memcmp(got, want, 8 * nw))
				same++;
			else
				fail_msg("byte %zu bit %d flipped: another digest, unnoticed", i,
					 bit);
			kbtf_pindex_free(ix);
		}
	}
	/* only the padding between sections may pass unnoticed */
	assert_true(same < 8 * 8 * 3);
	assert_int_equal(caught + same, 8 * (end - start));
	free(copy);
	kbtf_buf_release(&raw);
	fake_kernel_release(&f);
}

static void test_damage_on_use(void **state)
{
	size_t i, start, end, caught = 0, harmless = 0;
	const uint32_t *offs;
	struct kbtf_pindex *ix;
	struct fake_kernel f;
	struct kbtf_buf raw;
	struct kbtf_btf *prep, *full;
	uint32_t nr, id;
	uint8_t *copy;
	int bit;

	fake_kernel(&f, 200); /* 206 types: 4 blocks of offsets */
	assert_int_equal(kbtf_pindex_build(&f.k, f.symvers, NULL, &raw), 0);
	assert_int_equal(kbtf_btf_parse(f.k.btf_raw.data, f.k.btf_raw.size, NULL, &full), 0);
	copy = malloc(raw.size);
	assert_non_null(copy);
	start = sec_off(&raw, SEC_OFFS);
	end = sec_off(&raw, SEC_SSLOTS);
	for (i = start; i < end; i++) {
		for (bit = 0; bit < 8; bit++) {
			bool same = true;

			memcpy(copy, raw.data, raw.size);
			copy[i] ^= (uint8_t)(1u << bit);
			/* not read on open */
			assert_int_equal(kbtf_pindex_from_mem(copy, raw.size, "index", &ix), 0);
			offs = kbtf_pindex_type_offs(ix, &nr);
			assert_non_null(offs);
			assert_int_equal(nr + 1, kbtf_btf_type_cnt(full));
			assert_int_equal(kbtf_btf_parse_prepared(f.k.btf_raw.data, f.k.btf_raw.size,
								 offs, nr, "p", &prep),
					 0);
			kbtf_btf_prepared_check_offs(prep, offs_ok, ix);
			for (id = 1; id <= nr; id++) {
				const struct btf_type *a = kbtf_btf_type(full, id),
						      *b = kbtf_btf_type(prep, id);

				same = same && kbtf_type_rec_size(a) == kbtf_type_rec_size(b) &&
				       !memcmp(a, b, kbtf_type_rec_size(a));
			}
			if (kbtf_pindex_damaged(ix)) {
				caught++;
				assert_true(kbtf_btf_damaged(prep));
			} else if (same && !kbtf_btf_damaged(prep)) {
				harmless++;
			} else {
				fail_msg("byte %zu bit %d flipped: a type read wrong, unnoticed", i,
					 bit);
			}
			kbtf_btf_free(prep);
			kbtf_pindex_free(ix);
		}
	}
	/* the padding after the sums is all that may pass */
	assert_true(harmless < 8 * 8);
	assert_true(caught + harmless == 8 * (end - start));

	/* a flip in the last block goes unnoticed while only type 1 is read */
	memcpy(copy, raw.data, raw.size);
	copy[start + 4 * (nr - 1)] ^= 4;
	assert_int_equal(kbtf_pindex_from_mem(copy, raw.size, "index", &ix), 0);
	offs = kbtf_pindex_type_offs(ix, &nr);
	assert_int_equal(
	    kbtf_btf_parse_prepared(f.k.btf_raw.data, f.k.btf_raw.size, offs, nr, "p", &prep), 0);
	kbtf_btf_prepared_check_offs(prep, offs_ok, ix);
	assert_int_equal(kbtf_kind(kbtf_btf_type(prep, 1)), BTF_KIND_INT);
	assert_false(kbtf_pindex_damaged(ix));
	assert_false(kbtf_pindex_type_offs_ok(ix, 0, nr));
	assert_true(kbtf_pindex_damaged(ix));
	assert_false(kbtf_pindex_type_offs_ok(ix, nr, 1)); /* out of range */
	kbtf_btf_free(prep);
	kbtf_pindex_free(ix);

	free(copy);
	kbtf_btf_free(full);
	kbtf_buf_release(&raw);
	fake_kernel_release(&f);
}

/* A stored profile's index, and the same after its config changed. */
static void test_stored_and_stale(void **state)
{
	struct kbtf_profile_add_opts o = {0};
	struct kbtf_store *s;
	struct kbtf_pindex *ix;
	struct fake_kernel f;
	struct timespec ts[2] = {{0, 0}, {12345, 0}};
	char dir[512], path[600];

	fake_kernel(&f, 3);
	assert_int_equal(kbtf_store_open(NULL, &s), 0);
	if (kbtf_store_add(s, &f.k, &o, NULL))
		fail_msg("add: %s", kbtf_errstr());
	assert_int_equal(kbtf_store_profile_dir(s, "6.12.1-test", dir, sizeof(dir)), 0);
	if (kbtf_pindex_open(dir, &ix))
		fail_msg("open: %s", kbtf_errstr());
	assert_string_equal(kbtf_pindex_config(ix, "SMP"), "y");
	kbtf_pindex_free(ix);

	snprintf(path, sizeof(path), "%s/%s", dir, KBTF_PROFILE_CONFIG);
	assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
	assert_int_equal(kbtf_pindex_open(dir, &ix), -ESTALE);
	assert_non_null(strstr(kbtf_errstr(), "stale"));
	assert_non_null(strstr(kbtf_errstr(), "config"));

	snprintf(path, sizeof(path), "%s/%s", dir, KBTF_PROFILE_INDEX);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(kbtf_pindex_open(dir, &ix), -ENOENT);
	kbtf_store_free(s);
	fake_kernel_release(&f);
}

/* The whole text of @path, NUL-terminated (NULL: unreadable). */
static char *slurp(const char *path)
{
	struct kbtf_buf b;
	char *s;

	if (kbtf_buf_from_file(path, &b))
		return NULL;
	s = calloc(1, b.size + 1);
	if (s)
		memcpy(s, b.data, b.size);
	kbtf_buf_release(&b);
	return s;
}

/*
 * A stored profile keeps Module.symvers in its index only: the full-way
 * open rebuilds the file byte for byte from it, and an index that cannot
 * give it back (damaged, missing) fails the open rather than losing it.
 */
static void test_symvers_in_index(void **state)
{
	struct kbtf_profile_add_opts o = {0};
	struct kbtf_kernel *k;
	struct kbtf_store *s;
	struct kbtf_pindex *ix;
	struct fake_kernel f;
	struct kbtf_buf raw;
	char dir[512], path[600], out[600], *text;
	uint32_t syms;
	FILE *fo;

	fake_kernel(&f, 3);
	assert_int_equal(kbtf_store_open(NULL, &s), 0);
	if (kbtf_store_add(s, &f.k, &o, NULL))
		fail_msg("add: %s", kbtf_errstr());
	assert_int_equal(kbtf_store_profile_dir(s, "6.12.1-test", dir, sizeof(dir)), 0);
	snprintf(path, sizeof(path), "%s/%s", dir, KBTF_PROFILE_SYMVERS);
	assert_int_equal(access(path, F_OK), -1);
	if (kbtf_pindex_open(dir, &ix))
		fail_msg("open: %s", kbtf_errstr());
	assert_true(kbtf_pindex_symvers_indexed(ix));
	kbtf_pindex_free(ix);

	snprintf(out, sizeof(out), "%s/symvers.out", tmpdir);
	fo = fopen(out, "w");
	assert_non_null(fo);
	assert_int_equal(kbtf_pindex_print_symvers(dir, fo), 0);
	assert_int_equal(fclose(fo), 0);
	text = slurp(out);
	assert_non_null(text);
	assert_string_equal(text, symvers_text);
	free(text);
	if (kbtf_kernel_open(dir, NULL, &k))
		fail_msg("full-way open: %s", kbtf_errstr());
	assert_non_null(k->symvers_path);
	text = slurp(k->symvers_path);
	assert_non_null(text);
	assert_string_equal(text, symvers_text);
	free(text);
	kbtf_kernel_free(k);

	/* a record damaged: refused, the open with it */
	snprintf(path, sizeof(path), "%s/%s", dir, KBTF_PROFILE_INDEX);
	assert_int_equal(kbtf_buf_from_file(path, &raw), 0);
	text = malloc(raw.size);
	assert_non_null(text);
	memcpy(text, raw.data, raw.size);
	syms = sec_off(&raw, SEC_SYMS);
	text[syms + 5] ^= 0x10;
	assert_int_equal(unlink(path), 0);
	assert_int_equal(kbtf_write_file_atomic(path, text, raw.size, 0644), 0);
	kbtf_buf_release(&raw);
	free(text);
	fo = fopen(out, "w");
	assert_non_null(fo);
	assert_int_not_equal(kbtf_pindex_print_symvers(dir, fo), 0);
	assert_non_null(strstr(kbtf_errstr(), "checksum mismatch"));
	fclose(fo);
	assert_int_not_equal(kbtf_kernel_open(dir, NULL, &k), 0);
	assert_non_null(strstr(kbtf_errstr(), "Module.symvers is kept in its index"));

	/* no index: no Module.symvers either, said so */
	assert_int_equal(unlink(path), 0);
	assert_int_not_equal(kbtf_kernel_open(dir, NULL, &k), 0);
	assert_non_null(strstr(kbtf_errstr(), "no index holding it"));
	kbtf_store_free(s);
	fake_kernel_release(&f);
}

/* --------------------------------------------------------- shared store */

/* Files under <store>/.objects: how many, and how many only the store links. */
static void count_objects(const char *store, size_t *nr, size_t *orphans, nlink_t *max_links)
{
	char path[600], sub[1024];
	struct dirent *de, *fe;
	struct stat st;
	DIR *d, *f;

	*nr = *orphans = 0;
	*max_links = 0;
	snprintf(path, sizeof(path), "%s/.objects", store);
	d = opendir(path);
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		f = opendir(sub);
		assert_non_null(f);
		while ((fe = readdir(f))) {
			if (fe->d_name[0] == '.')
				continue;
			assert_int_equal(fstatat(dirfd(f), fe->d_name, &st, 0), 0);
			(*nr)++;
			*orphans += st.st_nlink == 1;
			if (st.st_nlink > *max_links)
				*max_links = st.st_nlink;
		}
		closedir(f);
	}
	closedir(d);
}

static void add_named(struct kbtf_store *s, struct fake_kernel *f, const char *name)
{
	struct kbtf_profile_add_opts o = {.name = name};

	if (kbtf_store_add(s, &f->k, &o, NULL))
		fail_msg("add %s: %s", name, kbtf_errstr());
}

/* One kernel under three names costs its files once; rm collects them. */
static void test_store_dedup(void **state)
{
	struct kbtf_store *s;
	struct fake_kernel f;
	struct kbtf_pindex *ix;
	char dir[512];
	size_t nr, orphans;
	nlink_t links;

	fake_kernel(&f, 30);
	assert_int_equal(kbtf_store_open(NULL, &s), 0);
	add_named(s, &f, "a");
	add_named(s, &f, "b");
	add_named(s, &f, "c");
	count_objects(kbtf_store_root(s), &nr, &orphans, &links);
	/* btf, config and the index (Module.symvers is in it), each once,
	 * linked 3 + 1 times */
	assert_int_equal(nr, 3);
	assert_int_equal(orphans, 0);
	assert_int_equal(links, 4);
	assert_int_equal(kbtf_store_profile_dir(s, "b", dir, sizeof(dir)), 0);
	if (kbtf_pindex_open(dir, &ix))
		fail_msg("open: %s", kbtf_errstr());
	kbtf_pindex_free(ix);

	/* replacing with another kernel leaves no orphan */
	fake_kernel_release(&f);
	fake_kernel(&f, 31);
	{
		struct kbtf_profile_add_opts o = {.name = "c", .replace = true};

		assert_int_equal(kbtf_store_add(s, &f.k, &o, NULL), 0);
	}
	count_objects(kbtf_store_root(s), &nr, &orphans, &links);
	assert_int_equal(orphans, 0);
	assert_int_equal(kbtf_store_remove(s, "a"), 0);
	assert_int_equal(kbtf_store_remove(s, "b"), 0);
	count_objects(kbtf_store_root(s), &nr, &orphans, &links);
	assert_int_equal(orphans, 0);
	assert_int_equal(kbtf_store_remove(s, "c"), 0);
	count_objects(kbtf_store_root(s), &nr, &orphans, &links);
	assert_int_equal(nr, 0);
	kbtf_store_free(s);
	fake_kernel_release(&f);
}

/* The data files of the profile in @dir that no other name links. */
static size_t private_files(const char *dir)
{
	struct dirent *de;
	struct stat st;
	size_t nr = 0;
	DIR *d = opendir(dir);

	assert_non_null(d);
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || !strcmp(de->d_name, KBTF_PROFILE_MARKER) ||
		    !strcmp(de->d_name, KBTF_PROFILE_RELEASE))
			continue;
		assert_int_equal(fstatat(dirfd(d), de->d_name, &st, 0), 0);
		nr += st.st_nlink == 1;
	}
	closedir(d);
	return nr;
}

#define WRITERS 16
#define ADDS 15

struct writer {
	struct fake_kernel *f;
	int no, err;
};

static void *write_many(void *arg)
{
	struct writer *w = arg;
	struct kbtf_store *s;
	char name[32];
	int i;

	if (kbtf_store_open(NULL, &s)) {
		w->err = -1;
		return NULL;
	}
	for (i = 0; i < ADDS && !w->err; i++) {
		struct kbtf_profile_add_opts o = {.name = name};

		snprintf(name, sizeof(name), "w%d-%d", w->no, i);
		w->err = kbtf_store_add(s, &w->f->k, &o, NULL);
		/* every other profile goes again at once, racing the others' links */
		if (!w->err && i % 2)
			w->err = kbtf_store_remove(s, name);
	}
	kbtf_store_free(s);
	return NULL;
}

/* 240 adds and 112 removes from 16 threads on two kernels: every profile
 * left opens with its index, and no object is left behind or missing. */
static void test_store_concurrent(void **state)
{
	struct fake_kernel f[2];
	struct writer w[WRITERS];
	pthread_t t[WRITERS];
	const struct kbtf_profile_info *const *list;
	struct kbtf_store *s;
	struct kbtf_pindex *ix;
	char dir[512];
	size_t n, i, nr, orphans;
	nlink_t links;

	fake_kernel(&f[0], 10);
	/* the two must differ: another BTF */
	f[1] = f[0];
	make_btf(&f[1].k.btf_raw, 11);
	f[1].k.btf = NULL;
	/* a kernel's BTF is parsed on first use, unlocked: parsed here, before
	 * the threads share the two (else two parses race and one leaks) */
	assert_non_null(kbtf_kernel_btf(&f[0].k));
	assert_non_null(kbtf_kernel_btf(&f[1].k));
	for (i = 0; i < WRITERS; i++) {
		w[i] = (struct writer){.f = &f[i % 2], .no = (int)i};
		assert_int_equal(pthread_create(&t[i], NULL, write_many, &w[i]), 0);
	}
	for (i = 0; i < WRITERS; i++) {
		pthread_join(t[i], NULL);
		if (w[i].err)
			fail_msg("writer %zu: %s", i, kbtf_errstr());
	}
	assert_int_equal(kbtf_store_open(NULL, &s), 0);
	assert_int_equal(kbtf_store_list(s, &list, &n), 0);
	assert_int_equal(n, WRITERS * ((ADDS + 1) / 2));
	for (i = 0; i < n; i++) {
		assert_int_equal(kbtf_store_profile_dir(s, list[i]->name, dir, sizeof(dir)), 0);
		if (kbtf_pindex_open(dir, &ix))
			fail_msg("%s: %s", list[i]->name, kbtf_errstr());
		kbtf_pindex_free(ix);
		/* no file left private by a collection racing its link */
		if (private_files(dir))
			fail_msg("%s: %zu data files not shared", list[i]->name,
				 private_files(dir));
	}
	count_objects(kbtf_store_root(s), &nr, &orphans, &links);
	/* the Module.symvers and config files are the same for both kernels */
	assert_true(nr <= 6);
	assert_int_equal(orphans, 0);
	kbtf_store_free(s);
	kbtf_btf_free(f[1].k.btf);
	kbtf_buf_release(&f[1].k.btf_raw);
	fake_kernel_release(&f[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_answers, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_prepared_btf, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_prepared_btf_damaged, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_damage_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_damage_on_use, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_digest_damage, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_names_damage, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_symbols_damage, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_symbols_not_rebuilt, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_symbols_real, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_stored_and_stale, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_symvers_in_index, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_store_dedup, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_store_concurrent, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
