// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * kernel_modexports.c on a small module made here: a relocatable ELF
 * whose __ksymtab and __ksymtab_gpl entries are zeros with RELA
 * relocations against labels in __ksymtab_strings (what the .mod.c of
 * 6.4+ and the EXPORT_SYMBOL macro before it leave in a .ko), __kcrctab
 * CRCs as data; the same compressed; the tables broken the ways a damaged
 * module would be; and which package paths are in-tree modules.
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
#include <elf.h>

#include "kbtf/buf.h"
#include "kbtf/err.h"
#include "kbtf/source.h"
#include "kernel_modexports.h"

enum {
	S_NULL,
	S_KSYM,
	S_RELA_KSYM,
	S_KSYM_GPL,
	S_RELA_KSYM_GPL,
	S_CRC,
	S_CRC_GPL,
	S_STRS,
	S_SYMTAB,
	S_STRTAB,
	S_SHSTR,
	NSEC
};

static const char *const secname[NSEC] = {
    "",		 "__ksymtab",	  ".rela__ksymtab",    "__ksymtab_gpl", ".rela__ksymtab_gpl",
    "__kcrctab", "__kcrctab_gpl", "__ksymtab_strings", ".symtab",	".strtab",
    ".shstrtab"};

/* __kstrtab_alpha, __kstrtabns_alpha (empty), beta, its namespace, gamma */
static const char strs[] = "alpha\0\0beta\0NS_ONE\0gamma\0";
enum { L_ALPHA = 0, L_ALPHA_NS = 6, L_BETA = 7, L_NS = 12, L_GAMMA = 19, NR_LABELS = 5 };
static const uint32_t label_at[NR_LABELS] = {L_ALPHA, L_ALPHA_NS, L_BETA, L_NS, L_GAMMA};

struct mod {
	uint8_t buf[8192];
	Elf64_Shdr sh[NSEC];
	size_t at;
	/* what to build */
	int nr_crc;	    /* CRCs in __kcrctab (2: one per entry) */
	bool drop_name_rel; /* the second entry's name has no relocation */
};

static void add(struct mod *m, int i, uint32_t type, const void *data, size_t size)
{
	memcpy(m->buf + m->at, data, size);
	m->sh[i].sh_type = type;
	m->sh[i].sh_offset = m->at;
	m->sh[i].sh_size = size;
	m->sh[i].sh_addralign = 8;
	m->at += (size + 7) & ~7ul;
}

static Elf64_Rela rela(uint64_t off, uint32_t sym)
{
	return (Elf64_Rela){.r_offset = off, .r_info = ELF64_R_INFO(sym, R_X86_64_PC32)};
}

/* A module exporting alpha, beta (namespace NS_ONE) and, GPL, gamma. */
static size_t build(struct mod *m)
{
	uint8_t zeros[24] = {0};
	uint32_t crc[2] = {0x11111111, 0x22222222}, crc_gpl[1] = {0x33333333};
	Elf64_Rela r[6];
	Elf64_Sym sym[1 + NR_LABELS] = {{0}};
	char shstr[200], strtab[] = "\0lbl";
	size_t nr = 0, n = 0, i;
	Elf64_Ehdr *eh;

	m->at = sizeof(Elf64_Ehdr);
	/* symbols 1..5: local labels in __ksymtab_strings */
	for (i = 0; i < NR_LABELS; i++)
		sym[1 + i] = (Elf64_Sym){.st_name = 1,
					 .st_info = ELF64_ST_INFO(STB_LOCAL, STT_NOTYPE),
					 .st_shndx = S_STRS,
					 .st_value = label_at[i]};
	add(m, S_KSYM, SHT_PROGBITS, zeros, 24);
	r[nr++] = rela(4, 1 + 0);
	r[nr++] = rela(8, 1 + 1);
	if (!m->drop_name_rel)
		r[nr++] = rela(12 + 4, 1 + 2);
	r[nr++] = rela(12 + 8, 1 + 3);
	add(m, S_RELA_KSYM, SHT_RELA, r, nr * sizeof(r[0]));
	add(m, S_KSYM_GPL, SHT_PROGBITS, zeros, 12);
	r[0] = rela(4, 1 + 4);
	add(m, S_RELA_KSYM_GPL, SHT_RELA, r, sizeof(r[0]));
	add(m, S_CRC, SHT_PROGBITS, crc, 4 * (size_t)m->nr_crc);
	add(m, S_CRC_GPL, SHT_PROGBITS, crc_gpl, 4);
	add(m, S_STRS, SHT_PROGBITS, strs, sizeof(strs) - 1);
	add(m, S_SYMTAB, SHT_SYMTAB, sym, sizeof(sym));
	add(m, S_STRTAB, SHT_STRTAB, strtab, sizeof(strtab));
	for (i = 0; i < NSEC; i++) {
		m->sh[i].sh_name = (uint32_t)n;
		n += (size_t)snprintf(shstr + n, sizeof(shstr) - n, "%s", secname[i]) + 1;
	}
	add(m, S_SHSTR, SHT_STRTAB, shstr, n);
	m->sh[S_RELA_KSYM].sh_info = S_KSYM;
	m->sh[S_RELA_KSYM_GPL].sh_info = S_KSYM_GPL;
	m->sh[S_RELA_KSYM].sh_link = m->sh[S_RELA_KSYM_GPL].sh_link = S_SYMTAB;
	m->sh[S_RELA_KSYM].sh_entsize = m->sh[S_RELA_KSYM_GPL].sh_entsize = sizeof(Elf64_Rela);
	m->sh[S_SYMTAB].sh_entsize = sizeof(Elf64_Sym);
	m->sh[S_SYMTAB].sh_link = S_STRTAB;
	m->sh[S_SYMTAB].sh_info = 1 + NR_LABELS;
	m->sh[S_NULL].sh_type = SHT_NULL;
	m->sh[S_NULL].sh_size = 0;
	memcpy(m->buf + m->at, m->sh, sizeof(m->sh));
	eh = (Elf64_Ehdr *)m->buf;
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_REL;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_shoff = m->at;
	eh->e_ehsize = sizeof(Elf64_Ehdr);
	eh->e_shentsize = sizeof(Elf64_Shdr);
	eh->e_shnum = NSEC;
	eh->e_shstrndx = S_SHSTR;
	return m->at + sizeof(m->sh);
}

static int read_mod(const void *data, size_t size, char **text, size_t *nr)
{
	size_t len;
	FILE *f = open_memstream(text, &len);
	int err;

	assert_non_null(f);
	*nr = 0;
	err = kbtf_modexports_read(data, size, "drivers/media/v4l2-core/videodev", f, nr);
	fclose(f);
	return err;
}

static const char want[] =
    "0x11111111\talpha\tdrivers/media/v4l2-core/videodev\tEXPORT_SYMBOL\t\n"
    "0x22222222\tbeta\tdrivers/media/v4l2-core/videodev\tEXPORT_SYMBOL\tNS_ONE\n"
    "0x33333333\tgamma\tdrivers/media/v4l2-core/videodev\tEXPORT_SYMBOL_GPL\t\n";

static void test_module_exports(void **state)
{
	static struct mod m = {.nr_crc = 2};
	size_t size = build(&m), nr;
	char *text = NULL;

	(void)state;
	assert_int_equal(read_mod(m.buf, size, &text, &nr), 0);
	assert_int_equal(nr, 3);
	assert_string_equal(text, want);
	free(text);
}

static void test_module_exports_compressed(void **state)
{
	static struct mod m = {.nr_crc = 2};
	size_t size = build(&m), nr;
	enum kbtf_compression c[] = {KBTF_COMP_XZ, KBTF_COMP_ZSTD, KBTF_COMP_GZIP};
	struct kbtf_buf z;
	char *text = NULL;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		assert_int_equal(kbtf_compress(c[i], m.buf, size, &z), 0);
		assert_int_equal(read_mod(z.data, z.size, &text, &nr), 0);
		assert_string_equal(text, want);
		free(text);
		text = NULL;
		kbtf_buf_release(&z);
	}
}

static void test_module_exports_broken(void **state)
{
	static struct mod fewer = {.nr_crc = 1}, unnamed = {.nr_crc = 2, .drop_name_rel = true};
	size_t nr;
	char *text = NULL;
	size_t size;

	(void)state;
	size = build(&fewer);
	assert_int_equal(read_mod(fewer.buf, size, &text, &nr), -EINVAL);
	free(text);
	text = NULL;
	size = build(&unnamed);
	assert_int_equal(read_mod(unnamed.buf, size, &text, &nr), -EINVAL);
	free(text);
	text = NULL;
	/* not an ELF file at all */
	assert_int_equal(read_mod("garbage!", 8, &text, &nr), -EINVAL);
	free(text);
	text = NULL;
	/* a SHT_NOBITS __ksymtab of 256 TiB: no bytes to read, and a size
	 * nothing bounds (fuzz_source: a 2^48-byte allocation) */
	{
		static struct mod nobits = {.nr_crc = 2};
		Elf64_Shdr *sh;

		size = build(&nobits);
		sh = (Elf64_Shdr *)(nobits.buf + ((Elf64_Ehdr *)nobits.buf)->e_shoff);
		sh[S_KSYM].sh_type = SHT_NOBITS;
		sh[S_KSYM].sh_size = 1ull << 48;
		assert_int_equal(read_mod(nobits.buf, size, &text, &nr), -EINVAL);
		free(text);
	}
}

/* Three modules through the worker pool: lines in the order given; a
 * broken one among them fails the collection, naming it. */
static void test_collect(void **state)
{
	static struct mod good = {.nr_crc = 2}, bad = {.nr_crc = 1};
	static const char *const paths[] = {"lib/modules/R/kernel/c/one.ko",
					    "lib/modules/R/kernel/a/two.ko.xz",
					    "lib/modules/R/kernel/b/three.ko"};
	size_t size = build(&good), bsize = build(&bad), i;
	struct kbtf_modexports c;
	struct kbtf_buf z;

	(void)state;
	assert_int_equal(kbtf_compress(KBTF_COMP_XZ, good.buf, size, &z), 0);
	assert_int_equal(kbtf_modexports_init(&c, "R", 2), 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(kbtf_modexports_add(&c, paths[i], i == 1 ? z.data : good.buf,
						     i == 1 ? z.size : size),
				 0);
	/* not an in-tree module of R: ignored */
	assert_int_equal(kbtf_modexports_add(&c, "lib/modules/R/extra/x.ko", "junk", 4), 0);
	assert_int_equal(kbtf_modexports_finish(&c), 0);
	assert_int_equal(c.nr_modules, 3);
	assert_int_equal(c.nr_exports, 9);
	assert_non_null(strstr(c.text, "\talpha\tc/one\t"));
	assert_true(strstr(c.text, "\tc/one\t") < strstr(c.text, "\ta/two\t"));
	assert_true(strstr(c.text, "\ta/two\t") < strstr(c.text, "\tb/three\t"));
	assert_int_equal(strlen(c.text), c.len);
	kbtf_modexports_release(&c);

	assert_int_equal(kbtf_modexports_init(&c, "R", 0), 0);
	assert_int_equal(kbtf_modexports_add(&c, paths[0], good.buf, size), 0);
	assert_int_equal(kbtf_modexports_add(&c, paths[2], bad.buf, bsize), 0);
	assert_int_equal(kbtf_modexports_finish(&c), -EINVAL);
	assert_non_null(strstr(kbtf_errstr(), "b/three"));
	kbtf_modexports_release(&c);
	kbtf_buf_release(&z);
}

static void test_intree_path(void **state)
{
	const char *rel = "6.12.113+deb12-amd64";
	char out[256];

	(void)state;
	assert_true(kbtf_modexports_intree_path(
	    "lib/modules/6.12.113+deb12-amd64/kernel/net/vmw_vsock/vsock.ko.xz", rel, out,
	    sizeof(out)));
	assert_string_equal(out, "net/vmw_vsock/vsock");
	assert_true(kbtf_modexports_intree_path(
	    "usr/lib/modules/6.12.113+deb12-amd64/kernel/fs/ext4/ext4.ko.zst", rel, out,
	    sizeof(out)));
	assert_string_equal(out, "fs/ext4/ext4");
	assert_true(kbtf_modexports_intree_path("lib/modules/6.12.113+deb12-amd64/kernel/a/b.ko",
						rel, out, sizeof(out)));
	assert_string_equal(out, "a/b");
	/* another release, out-of-tree directories, not a module */
	assert_false(kbtf_modexports_intree_path(
	    "lib/modules/6.12.113+deb12-rt-amd64/kernel/a/b.ko", rel, out, sizeof(out)));
	assert_false(kbtf_modexports_intree_path("lib/modules/6.12.113+deb12-amd64/updates/a.ko",
						 rel, out, sizeof(out)));
	assert_false(kbtf_modexports_intree_path(
	    "lib/modules/6.12.113+deb12-amd64/kernel/modules.order", rel, out, sizeof(out)));
	assert_false(kbtf_modexports_intree_path("lib/modules/6.12.113+deb12-amd64/kernel/.ko", rel,
						 out, sizeof(out)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_module_exports),
	    cmocka_unit_test(test_module_exports_compressed),
	    cmocka_unit_test(test_module_exports_broken),
	    cmocka_unit_test(test_collect),
	    cmocka_unit_test(test_intree_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
