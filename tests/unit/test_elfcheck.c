// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The module loader's ELF validity checks (kbtf_module_elf_check(),
 * sdk/lib/module_elfcheck.c) on a small ELF64 module built here byte by
 * byte, in the three forms of load_module(): elf_validity_check() +
 * setup_load_info() (6.1), elf_validity_cache_copy() (6.12) and its split
 * form (newest); and the verdict they give (kbtf_verdict_combine()).
 * Each recipe of issue 13 item 1 is one case.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "judge.h"
#include "kbtf/source.h"
#include "kbtf/validate.h"

#define MOD_SIZE 1280 /* the test's struct module */

enum { S_NULL, S_MODINFO, S_THIS, S_SYMTAB, S_STRTAB, S_SHSTRTAB, NSEC };

static uint8_t img[8192];
static size_t img_len;
static size_t shoff;

static void put16(size_t at, uint16_t v)
{
	memcpy(img + at, &v, 2);
}

static void put32(size_t at, uint32_t v)
{
	memcpy(img + at, &v, 4);
}

static void put64(size_t at, uint64_t v)
{
	memcpy(img + at, &v, 8);
}

static void shdr(int i, uint32_t name, uint32_t type, uint64_t flags, uint64_t off, uint64_t size,
		 uint32_t link)
{
	size_t o = shoff + (size_t)i * 64;

	put32(o, name);
	put32(o + 4, type);
	put64(o + 8, flags);
	put64(o + 24, off);
	put64(o + 32, size);
	put32(o + 40, link);
}

/* A little-endian x86_64 module: .modinfo, this_module, symtab, strtab. */
static void build(void)
{
	static const char modinfo[] = "license=GPL\0name=kbtf_t\0vermagic=x\0";
	static const char shstr[] =
	    "\0.modinfo\0.gnu.linkonce.this_module\0.symtab\0.strtab\0.shstrtab\0";
	static const char str[] = "\0init_module\0";
	size_t at = 64, mi, th, sy, st, ss;

	memset(img, 0, sizeof(img));
	memcpy(img, "\177ELF\2\1\1", 7);
	put16(16, 1);  /* ET_REL */
	put16(18, 62); /* EM_X86_64 */
	put32(20, 1);
	put16(52, 64);
	mi = at;
	memcpy(img + at, modinfo, sizeof(modinfo));
	at += sizeof(modinfo);
	th = at;
	memcpy(img + th + 24, "kbtf_t", 6);
	at += MOD_SIZE;
	sy = at;
	put32(sy + 24, 1); /* symbol 1 named "init_module" */
	at += 48;
	st = at;
	memcpy(img + at, str, sizeof(str));
	at += sizeof(str);
	ss = at;
	memcpy(img + at, shstr, sizeof(shstr));
	at += sizeof(shstr);
	shoff = (at + 7) & ~(size_t)7;
	put64(40, shoff);
	put16(58, 64);
	put16(60, NSEC);
	put16(62, S_SHSTRTAB);
	shdr(S_MODINFO, 1, 1, 2, mi, sizeof(modinfo), 0);
	shdr(S_THIS, 10, 1, 3, th, MOD_SIZE, 0);
	shdr(S_SYMTAB, 36, 2, 0, sy, 48, S_STRTAB);
	shdr(S_STRTAB, 44, 3, 0, st, sizeof(str), 0);
	shdr(S_SHSTRTAB, 52, 3, 0, ss, sizeof(shstr), 0);
	img_len = shoff + NSEC * 64;
}

static const struct kbtf_elf_target k61 = {
    .arch = "x86_64", .major = 6, .minor = 1, .module_struct_size = MOD_SIZE};
static const struct kbtf_elf_target k612 = {
    .arch = "x86_64", .major = 6, .minor = 12, .module_struct_size = MOD_SIZE};
static const struct kbtf_elf_target knew = {
    .arch = "x86_64", .major = 7, .module_struct_size = MOD_SIZE};

static char logbuf[320];

static int check(const struct kbtf_elf_target *t)
{
	return kbtf_module_elf_check(img, img_len, t, logbuf, sizeof(logbuf));
}

/* Every form refuses with @msg. */
static void refused_everywhere(const char *msg)
{
	const struct kbtf_elf_target *all[] = {&k61, &k612, &knew};
	size_t i;

	for (i = 0; i < 3; i++) {
		assert_int_equal(check(all[i]), -ENOEXEC);
		assert_string_equal(logbuf, msg);
	}
}

static void test_sound_module(void **state)
{
	build();
	assert_int_equal(check(&k61), 0);
	assert_int_equal(check(&k612), 0);
	assert_int_equal(check(&knew), 0);
	assert_int_equal(check(NULL), 0);
	assert_string_equal(logbuf, "");
}

/* head -c N M.ko: the section table is past the end */
static void test_truncated(void **state)
{
	build();
	img_len -= 100;
	refused_everywhere("Invalid ELF section header overflow");
	img_len = 40;
	refused_everywhere("Invalid ELF header len 40");
}

static void test_shoff_past_eof(void **state)
{
	build();
	put64(40, 0x7fffffff);
	refused_everywhere("Invalid ELF section header overflow");
}

static void test_shentsize(void **state)
{
	build();
	put16(58, 13);
	refused_everywhere("Invalid ELF section header size");
}

static void test_shnum_ffff(void **state)
{
	build();
	put16(60, 0xffff);
	refused_everywhere("Invalid ELF section header overflow");
}

/* EM_AARCH64 on an x86_64 kernel; no kernel arch known: not checked */
static void test_machine(void **state)
{
	build();
	put16(18, 183);
	refused_everywhere("Invalid architecture in ELF header: 183");
	assert_int_equal(check(NULL), 0);
}

static void test_section_outside(void **state)
{
	build();
	shdr(S_MODINFO, 1, 1, 2, img_len - 4, 64, 0);
	refused_everywhere("Invalid ELF section in module (section 1 type 1)");
}

/* No .gnu.linkonce.this_module: each release says it its own way. */
static void test_no_this_module(void **state)
{
	build();
	put32(shoff + S_THIS * 64, 44); /* now called .strtab */
	assert_int_equal(check(&k61), -ENOEXEC);
	assert_string_equal(logbuf, "kbtf_t: No module found in object");
	assert_int_equal(check(&k612), -ENOEXEC);
	assert_string_equal(
	    logbuf, "module kbtf_t: Only one .gnu.linkonce.this_module section must exist.");
	assert_int_equal(check(&knew), -ENOEXEC);
	assert_string_equal(
	    logbuf, "module kbtf_t: Exactly one .gnu.linkonce.this_module section must exist.");
}

/* struct module of another size: checked from 6.4 on */
static void test_this_module_size(void **state)
{
	const struct kbtf_elf_target k612big = {
	    .arch = "x86_64", .major = 6, .minor = 12, .module_struct_size = MOD_SIZE + 64};

	build();
	assert_int_equal(kbtf_module_elf_check(img, img_len, &k612big, logbuf, sizeof(logbuf)),
			 -ENOEXEC);
	assert_string_equal(logbuf, "module kbtf_t: .gnu.linkonce.this_module section size must "
				    "match the kernel's built struct module size at run time");
	assert_int_equal(check(&k61), 0);
}

/* the symbol string table's checks came with the split form */
static void test_strtab_leading_nul(void **state)
{
	build();
	img[64 + 36 + MOD_SIZE + 48] = 'x';
	assert_int_equal(check(&k612), 0);
	assert_int_equal(check(&knew), -ENOEXEC);
	assert_string_equal(logbuf, "symbol string table missing leading NUL");
}

static void test_no_symtab(void **state)
{
	build();
	put32(shoff + S_SYMTAB * 64 + 4, 1); /* PROGBITS */
	assert_int_equal(check(&k61), -ENOEXEC);
	assert_string_equal(logbuf, "kbtf_t: module has no symbols (stripped?)");
	assert_int_equal(check(&knew), -ENOEXEC);
	assert_string_equal(logbuf, "kbtf_t: module has no symbols (stripped?)");
}

/* load_module() order: the ELF step decides before symbols and BTF. */
static void test_verdict_first(void **state)
{
	struct kbtf_findings f;
	struct kbtf_outcome o;

	memset(&f, 0, sizeof(f));
	f.elf.refused = true;
	f.sym.unresolved = true;
	f.btf.fate = KBTF_BTF_FAILS;
	o = kbtf_verdict_combine(&f, 1);
	assert_int_equal(o.verdict, KBTF_VERDICT_ELF_REJECTED);
	assert_int_equal(o.load, KBTF_LOAD_REFUSED);
	assert_int_equal(o.step, KBTF_STEP_ELF);
	assert_string_equal(kbtf_verdict_str(o.verdict), "elf-rejected");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sound_module),     cmocka_unit_test(test_truncated),
	    cmocka_unit_test(test_shoff_past_eof),   cmocka_unit_test(test_shentsize),
	    cmocka_unit_test(test_shnum_ffff),	     cmocka_unit_test(test_machine),
	    cmocka_unit_test(test_section_outside),  cmocka_unit_test(test_no_this_module),
	    cmocka_unit_test(test_this_module_size), cmocka_unit_test(test_strtab_leading_nul),
	    cmocka_unit_test(test_no_symtab),	     cmocka_unit_test(test_verdict_first),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
