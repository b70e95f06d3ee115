// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The ELF rewrite (kbtf_elf_set_sections(), sdk/lib/elf_write.c) on a
 * small ELF64 relocatable object built here byte by byte: a section is
 * added and read back, and two images the fuzzer found are refused with
 * a message instead of hanging or reading through a null pointer: a
 * section asking for 2^32-byte alignment (libelf padded the new file to
 * it) and an empty section name table (libelf gives it no buffer).
 */
#include <elf.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "elf_read.h"
#include "elf_write.h"
#include "kbtf/err.h"

enum { S_NULL, S_TEXT, S_SHSTRTAB, NSEC };

static const char names[] = "\0.text\0.shstrtab\0";
static uint8_t img[1024];
static size_t img_len;

/* .text (4 bytes) and .shstrtab, section headers at 64 */
static void build(uint64_t text_align, uint32_t shstrtab_size)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
	Elf64_Shdr *sh;
	size_t text_off = 64, str_off = 68, shoff;

	memset(img, 0, sizeof(img));
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_REL;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_ehsize = sizeof(Elf64_Ehdr);
	eh->e_shentsize = sizeof(Elf64_Shdr);
	eh->e_shnum = NSEC;
	eh->e_shstrndx = S_SHSTRTAB;
	memcpy(img + text_off, "\x90\x90\x90\xc3", 4);
	memcpy(img + str_off, names, sizeof(names));
	shoff = (str_off + sizeof(names) + 7) & ~(size_t)7;
	eh->e_shoff = shoff;
	sh = (Elf64_Shdr *)(img + shoff);
	sh[S_TEXT] = (Elf64_Shdr){.sh_name = 1,
				  .sh_type = SHT_PROGBITS,
				  .sh_flags = SHF_ALLOC | SHF_EXECINSTR,
				  .sh_offset = text_off,
				  .sh_size = 4,
				  .sh_addralign = text_align};
	sh[S_SHSTRTAB] = (Elf64_Shdr){.sh_name = 7,
				      .sh_type = SHT_STRTAB,
				      .sh_offset = str_off,
				      .sh_size = shstrtab_size,
				      .sh_addralign = 1};
	img_len = shoff + NSEC * sizeof(Elf64_Shdr);
}

static const uint8_t btf[24] = {0x9f, 0xeb, 1, 0, 24};
static const struct kbtf_elf_section add_btf = {".BTF", btf, sizeof(btf)};

static void test_adds_section(void **state)
{
	struct kbtf_elf_sec sec;
	struct kbtf_buf out;
	struct kbtf_elf *e;

	build(16, sizeof(names));
	assert_int_equal(kbtf_elf_set_sections(img, img_len, &add_btf, 1, &out), 0);
	assert_int_equal(kbtf_elf_open(out.data, out.size, &e), 0);
	assert_int_equal(kbtf_elf_section(e, ".BTF", &sec), 0);
	assert_int_equal(sec.size, sizeof(btf));
	assert_memory_equal(sec.data, btf, sizeof(btf));
	assert_int_equal(kbtf_elf_section(e, ".text", &sec), 0);
	assert_memory_equal(sec.data, "\x90\x90\x90\xc3", 4);
	kbtf_elf_close(e);
	kbtf_buf_release(&out);
}

static void test_huge_alignment(void **state)
{
	struct kbtf_buf out;

	build(1ull << 32, sizeof(names));
	assert_int_equal(kbtf_elf_set_sections(img, img_len, &add_btf, 1, &out), -EINVAL);
	assert_non_null(strstr(kbtf_errstr(), "4294967296-byte alignment"));
	assert_null(out.data);
}

static void test_empty_shstrtab(void **state)
{
	struct kbtf_buf out;
	int err;

	build(16, 0);
	err = kbtf_elf_set_sections(img, img_len, &add_btf, 1, &out);
	/* a new table holds the added name; no name of the old sections */
	if (!err) {
		struct kbtf_elf_sec sec;
		struct kbtf_elf *e;

		assert_int_equal(kbtf_elf_open(out.data, out.size, &e), 0);
		assert_int_equal(kbtf_elf_section(e, ".BTF", &sec), 0);
		assert_int_equal(sec.size, sizeof(btf));
		kbtf_elf_close(e);
		kbtf_buf_release(&out);
	} else {
		assert_int_equal(err, -EINVAL);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_adds_section),
	    cmocka_unit_test(test_huge_alignment),
	    cmocka_unit_test(test_empty_shstrtab),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
