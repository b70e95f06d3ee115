// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Read-only ELF access for kbtf (see elf_read.h): libelf parses the headers
 * from a memory buffer, and every section handed out is bounds-checked
 * against that buffer here, because a section header may point anywhere.
 */
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>

#include "elf_read.h"
#include "kbtf/err.h"

struct kbtf_elf {
	Elf *elf;
	const uint8_t *data;
	size_t size;
	size_t shstrndx;
	GElf_Ehdr ehdr;
};

bool kbtf_elf_detect(const void *data, size_t size)
{
	return size >= EI_NIDENT && !memcmp(data, ELFMAG, SELFMAG);
}

int kbtf_elf_open(const void *data, size_t size, struct kbtf_elf **out)
{
	struct kbtf_elf *e;
	int err;

	*out = NULL;
	if (!kbtf_elf_detect(data, size))
		return kbtf_err(-EINVAL, "not an ELF file");
	if (elf_version(EV_CURRENT) == EV_NONE)
		return kbtf_err(-EINVAL, "libelf is too old: %s", elf_errmsg(-1));
	e = calloc(1, sizeof(*e));
	if (!e)
		return kbtf_err_nomem();
	e->data = data;
	e->size = size;
	/* libelf only reads through this pointer in ELF_C_READ_MMAP mode */
	e->elf = elf_memory((char *)data, size);
	if (!e->elf) {
		err = kbtf_err(-EINVAL, "cannot read ELF: %s", elf_errmsg(-1));
		goto fail;
	}
	if (elf_kind(e->elf) != ELF_K_ELF || !gelf_getehdr(e->elf, &e->ehdr)) {
		err = kbtf_err(-EINVAL, "bad ELF header: %s", elf_errmsg(-1));
		goto fail;
	}
	if (e->ehdr.e_ident[EI_DATA] != ELFDATA2LSB && e->ehdr.e_ident[EI_DATA] != ELFDATA2MSB) {
		err = kbtf_err(-EINVAL, "ELF byte order %u is neither little nor big",
			       e->ehdr.e_ident[EI_DATA]);
		goto fail;
	}
	if (elf_getshdrstrndx(e->elf, &e->shstrndx)) {
		err = kbtf_err(-EINVAL, "no section name table: %s", elf_errmsg(-1));
		goto fail;
	}
	*out = e;
	return 0;
fail:
	kbtf_elf_close(e);
	return err;
}

void kbtf_elf_close(struct kbtf_elf *e)
{
	if (!e)
		return;
	if (e->elf)
		elf_end(e->elf);
	free(e);
}

bool kbtf_elf_is_rel(const struct kbtf_elf *e)
{
	return e->ehdr.e_type == ET_REL;
}

int kbtf_elf_class(const struct kbtf_elf *e)
{
	return e->ehdr.e_ident[EI_CLASS] == ELFCLASS32 ? 32 : 64;
}

enum kbtf_endian kbtf_elf_endian(const struct kbtf_elf *e)
{
	return e->ehdr.e_ident[EI_DATA] == ELFDATA2MSB ? KBTF_ENDIAN_BIG : KBTF_ENDIAN_LITTLE;
}

const char *kbtf_elf_arch(const struct kbtf_elf *e)
{
	bool big = kbtf_elf_endian(e) == KBTF_ENDIAN_BIG;
	bool is64 = kbtf_elf_class(e) == 64;

	switch (e->ehdr.e_machine) {
	case EM_X86_64:
		return "x86_64";
	case EM_386:
		return "i386";
	case EM_AARCH64:
		return big ? "aarch64_be" : "aarch64";
	case EM_ARM:
		return big ? "armeb" : "arm";
	case EM_PPC64:
		return big ? "ppc64" : "ppc64le";
	case EM_PPC:
		return "ppc";
	case EM_S390:
		return is64 ? "s390x" : "s390";
	case EM_RISCV:
		return is64 ? "riscv64" : "riscv32";
	case EM_MIPS:
		if (is64)
			return big ? "mips64" : "mips64el";
		return big ? "mips" : "mipsel";
	case EM_LOONGARCH:
		return is64 ? "loongarch64" : "loongarch32";
	case EM_SPARCV9:
		return "sparc64";
	case EM_SPARC:
		return "sparc";
	case EM_BPF:
		return big ? "bpfeb" : "bpfel";
	case EM_NONE:
		return "none";
	default:
		return "unknown";
	}
}

static const char *sec_name(const struct kbtf_elf *e, const GElf_Shdr *sh)
{
	return elf_strptr(e->elf, e->shstrndx, sh->sh_name);
}

/* Contents of @sh, checked to lie inside the buffer. */
static int sec_fill(const struct kbtf_elf *e, Elf_Scn *scn, const GElf_Shdr *sh, const char *name,
		    struct kbtf_elf_sec *sec)
{
	memset(sec, 0, sizeof(*sec));
	sec->type = sh->sh_type;
	sec->flags = sh->sh_flags;
	sec->index = elf_ndxscn(scn);
	sec->addr = sh->sh_addr;
	if (sh->sh_type == SHT_NOBITS)
		return 0;
	if (sh->sh_offset > e->size || sh->sh_size > e->size - sh->sh_offset)
		return kbtf_err(-EINVAL,
				"section %s (offset %llu, %llu bytes) runs past the %zu-byte file",
				name, (unsigned long long)sh->sh_offset,
				(unsigned long long)sh->sh_size, e->size);
	sec->data = e->data + sh->sh_offset;
	sec->size = sh->sh_size;
	sec->offset = sh->sh_offset;
	return 0;
}

int kbtf_elf_section(const struct kbtf_elf *e, const char *name, struct kbtf_elf_sec *sec)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	const char *n;

	while ((scn = elf_nextscn(e->elf, scn))) {
		if (!gelf_getshdr(scn, &sh))
			continue;
		n = sec_name(e, &sh);
		if (n && !strcmp(n, name))
			return sec_fill(e, scn, &sh, name, sec);
	}
	return -ENOENT;
}

bool kbtf_elf_has_section(const struct kbtf_elf *e, const char *name)
{
	struct kbtf_elf_sec sec;

	return kbtf_elf_section(e, name, &sec) == 0;
}

bool kbtf_elf_has_dwarf(const struct kbtf_elf *e)
{
	return kbtf_elf_has_section(e, ".debug_info") || kbtf_elf_has_section(e, ".zdebug_info");
}

int kbtf_elf_undef_symbols(const struct kbtf_elf *e, kbtf_elf_sym_fn fn, void *ctx)
{
	Elf_Scn *scn = NULL;
	Elf_Data *d;
	GElf_Shdr sh;
	GElf_Sym sym;
	size_t i, n;
	const char *name;
	int ret;

	while ((scn = elf_nextscn(e->elf, scn))) {
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB)
			break;
	}
	if (!scn)
		return 0;
	if (!sh.sh_entsize || sh.sh_offset > e->size || sh.sh_size > e->size - sh.sh_offset)
		return kbtf_err(-EINVAL, "symbol table runs past the end of the file");
	d = elf_getdata(scn, NULL);
	if (!d)
		return kbtf_err(-EINVAL, "cannot read the symbol table: %s", elf_errmsg(-1));
	n = sh.sh_size / sh.sh_entsize;
	for (i = 1; i < n; i++) {
		if (!gelf_getsym(d, (int)i, &sym))
			return kbtf_err(-EINVAL, "symbol %zu is unreadable: %s", i, elf_errmsg(-1));
		if (sym.st_shndx != SHN_UNDEF || !sym.st_name)
			continue;
		name = elf_strptr(e->elf, sh.sh_link, sym.st_name);
		if (!name)
			return kbtf_err(-EINVAL, "symbol %zu has a bad name offset %u", i,
					sym.st_name);
		if (!*name)
			continue;
		ret = fn(name, ctx);
		if (ret)
			return ret;
	}
	return 0;
}

uint64_t kbtf_elf_read_word(const struct kbtf_elf *e, const void *p, unsigned int width)
{
	const uint8_t *b = p;
	uint64_t v = 0;
	unsigned int i;

	if (kbtf_elf_endian(e) == KBTF_ENDIAN_BIG) {
		for (i = 0; i < width; i++)
			v = v << 8 | b[i];
	} else {
		for (i = width; i-- > 0;)
			v = v << 8 | b[i];
	}
	return v;
}
