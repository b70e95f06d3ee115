// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * kernel_exports.c on a small vmlinux made here: __ksymtab and
 * __ksymtab_gpl entries (PREL32 offsets, or pointers), their __kcrctab
 * CRCs and __ksymtab_strings, at load addresses like a kernel's; and the
 * tables broken in the ways a damaged image would be.
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

#include "elf_read.h"
#include "kernel_exports.h"

#define BASE 0xffffffff82000000ull

enum { S_NULL, S_KSYM, S_KSYM_GPL, S_CRC, S_CRC_GPL, S_STRS, S_SHSTR, NSEC };

struct img {
	uint8_t buf[4096];
	Elf64_Shdr sh[NSEC];
	size_t at; /* next free file offset */
};

static const char shstr[] = "\0__ksymtab\0__ksymtab_gpl\0__kcrctab\0__kcrctab_gpl\0"
			    "__ksymtab_strings\0.shstrtab";
/* offsets of the names above */
static const uint32_t shname[NSEC] = {0, 1, 11, 25, 35, 49, 67};
static const char strs[] = "\0alpha\0beta\0gamma\0NS_ONE\0";
enum { STR_ALPHA = 1, STR_BETA = 7, STR_GAMMA = 12, STR_NS = 18 };

static void add(struct img *m, int i, const void *data, size_t size, uint64_t addr)
{
	memcpy(m->buf + m->at, data, size);
	m->sh[i] = (Elf64_Shdr){.sh_name = shname[i],
				.sh_type = i == S_SHSTR ? SHT_STRTAB : SHT_PROGBITS,
				.sh_flags = i == S_SHSTR ? 0 : SHF_ALLOC,
				.sh_addr = addr,
				.sh_offset = m->at,
				.sh_size = size,
				.sh_addralign = 1};
	m->at += (size + 7) & ~7ul;
}

/* name/namespace string offsets -> relative fields of entry @i at @tab */
static void prel(int32_t *e, uint64_t tab, int i, uint64_t strs_at, int name, int ns)
{
	uint64_t field = tab + 12 * (uint64_t)i;

	e[3 * i] = 0;
	e[3 * i + 1] = (int32_t)(int64_t)(strs_at + (uint64_t)name - (field + 4));
	e[3 * i + 2] = ns ? (int32_t)(int64_t)(strs_at + (uint64_t)ns - (field + 8)) : 0;
}

/* A vmlinux with alpha, beta (EXPORT_SYMBOL) and gamma (GPL, in NS_ONE). */
static size_t make(struct img *m, bool pointers, bool crcs)
{
	const uint64_t ksym = BASE + 0x1000, gpl = BASE + 0x2000, str = BASE + 0x3000;
	const uint32_t crc[2] = {0x11111111, 0x22222222}, crc_gpl[1] = {0x33333333};
	Elf64_Ehdr *eh = (Elf64_Ehdr *)m->buf;
	int32_t e[6], g[3];
	uint64_t pe[6], pg[3];

	memset(m, 0, sizeof(*m));
	m->at = sizeof(*eh);
	if (pointers) {
		uint64_t p1[6] = {0, str + STR_ALPHA, 0, 0, str + STR_BETA, 0};
		uint64_t p2[3] = {0, str + STR_GAMMA, str + STR_NS};

		memcpy(pe, p1, sizeof(pe));
		memcpy(pg, p2, sizeof(pg));
		add(m, S_KSYM, pe, sizeof(pe), ksym);
		add(m, S_KSYM_GPL, pg, sizeof(pg), gpl);
	} else {
		prel(e, ksym, 0, str, STR_ALPHA, 0);
		prel(e, ksym, 1, str, STR_BETA, 0);
		prel(g, gpl, 0, str, STR_GAMMA, STR_NS);
		add(m, S_KSYM, e, sizeof(e), ksym);
		add(m, S_KSYM_GPL, g, sizeof(g), gpl);
	}
	if (crcs) {
		add(m, S_CRC, crc, sizeof(crc), BASE + 0x4000);
		add(m, S_CRC_GPL, crc_gpl, sizeof(crc_gpl), BASE + 0x5000);
	}
	add(m, S_STRS, strs, sizeof(strs), str);
	add(m, S_SHSTR, shstr, sizeof(shstr), 0);
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_ehsize = sizeof(*eh);
	eh->e_shentsize = sizeof(Elf64_Shdr);
	eh->e_shnum = NSEC;
	eh->e_shstrndx = S_SHSTR;
	eh->e_shoff = m->at;
	memcpy(m->buf + m->at, m->sh, sizeof(m->sh));
	return m->at + sizeof(m->sh);
}

static int read_exports(struct img *m, size_t size, char **text, size_t *nr)
{
	struct kbtf_elf *e;
	size_t len;
	int err;

	assert_int_equal(kbtf_elf_open(m->buf, size, &e), 0);
	err = kbtf_kernel_exports_read(e, text, &len, nr);
	kbtf_elf_close(e);
	return err;
}

static const char want[] = "0x11111111\talpha\tvmlinux\tEXPORT_SYMBOL\t\n"
			   "0x22222222\tbeta\tvmlinux\tEXPORT_SYMBOL\t\n"
			   "0x33333333\tgamma\tvmlinux\tEXPORT_SYMBOL_GPL\tNS_ONE\n";

static void test_prel32(void **state)
{
	struct img m;
	size_t size = make(&m, false, true), nr;
	char *text;

	assert_int_equal(read_exports(&m, size, &text, &nr), 0);
	assert_int_equal(nr, 3);
	assert_string_equal(text, want);
	free(text);
}

static void test_pointers(void **state)
{
	struct img m;
	size_t size = make(&m, true, true), nr;
	char *text;

	assert_int_equal(read_exports(&m, size, &text, &nr), 0);
	assert_string_equal(text, want);
	free(text);
}

/* without CONFIG_MODVERSIONS: no __kcrctab, CRC 0 as Module.symvers has it */
static void test_no_crcs(void **state)
{
	struct img m;
	size_t size = make(&m, false, false), nr;
	char *text;

	assert_int_equal(read_exports(&m, size, &text, &nr), 0);
	assert_non_null(strstr(text, "0x00000000\talpha\tvmlinux\tEXPORT_SYMBOL\t\n"));
	free(text);
}

static void test_broken(void **state)
{
	struct img m;
	size_t size, nr;
	char *text;
	int32_t *e;

	/* the second entry's name points past __ksymtab_strings */
	size = make(&m, false, true);
	e = (int32_t *)(m.buf + m.sh[S_KSYM].sh_offset);
	e[4] += 4096;
	assert_int_equal(read_exports(&m, size, &text, &nr), -EINVAL);
	assert_null(text);

	/* one CRC short */
	size = make(&m, false, true);
	((Elf64_Shdr *)(m.buf + ((Elf64_Ehdr *)m.buf)->e_shoff))[S_CRC].sh_size = 4;
	assert_int_equal(read_exports(&m, size, &text, &nr), -EINVAL);

	/* no export table at all: nothing to read, not an error to report */
	size = make(&m, false, true);
	((Elf64_Shdr *)(m.buf + ((Elf64_Ehdr *)m.buf)->e_shoff))[S_KSYM].sh_name = 0;
	((Elf64_Shdr *)(m.buf + ((Elf64_Ehdr *)m.buf)->e_shoff))[S_KSYM_GPL].sh_name = 0;
	assert_int_equal(read_exports(&m, size, &text, &nr), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_prel32),
	    cmocka_unit_test(test_pointers),
	    cmocka_unit_test(test_no_crcs),
	    cmocka_unit_test(test_broken),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
