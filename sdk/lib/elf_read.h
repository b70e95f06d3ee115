/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Read-only ELF access over a memory buffer (libelf underneath): the facts
 * kbtf needs from a vmlinux or a .ko, and section contents as pointers into
 * the caller's buffer. Every offset is checked against the buffer, so a
 * malformed or truncated ELF gives an error, never a wild read.
 */
#ifndef KBTF_ELF_READ_H
#define KBTF_ELF_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kbtf/btf.h"

struct kbtf_elf;

struct kbtf_elf_sec {
	const uint8_t *data; /* inside the buffer given to kbtf_elf_open */
	size_t size;
	size_t offset;	/* file offset of the contents */
	uint64_t addr;	/* sh_addr: where it is loaded (0 in a relocatable file) */
	uint32_t type;	/* SHT_* */
	uint64_t flags; /* SHF_* */
	size_t index;
};

/* True when @data starts with an ELF identification. */
bool kbtf_elf_detect(const void *data, size_t size);

/*
 * Open the ELF in @data (which must outlive the handle). Fails on anything
 * libelf or the bounds checks reject; messages do not name the file, the
 * caller adds that.
 */
int kbtf_elf_open(const void *data, size_t size, struct kbtf_elf **out);
void kbtf_elf_close(struct kbtf_elf *e);

/* ET_REL (a module or object file) vs ET_EXEC/ET_DYN (vmlinux). */
bool kbtf_elf_is_rel(const struct kbtf_elf *e);
/* ELF class: 32 or 64. */
int kbtf_elf_class(const struct kbtf_elf *e);
enum kbtf_endian kbtf_elf_endian(const struct kbtf_elf *e);
/* uname -m style machine name ("x86_64", "aarch64", "ppc64le", ...), never NULL. */
const char *kbtf_elf_arch(const struct kbtf_elf *e);

/*
 * Find the first section called @name (the kernel's loader takes the first
 * too). 0 and @sec filled; -ENOENT when there is none; -EINVAL when its
 * contents lie outside the buffer. SHT_NOBITS sections come back empty.
 */
int kbtf_elf_section(const struct kbtf_elf *e, const char *name, struct kbtf_elf_sec *sec);
/* As kbtf_elf_section but a missing or broken section is just "no". */
bool kbtf_elf_has_section(const struct kbtf_elf *e, const char *name);
/* DWARF present (.debug_info or compressed .zdebug_info). */
bool kbtf_elf_has_dwarf(const struct kbtf_elf *e);

/*
 * Call @fn for every named undefined symbol in .symtab, in table order.
 * A nonzero return from @fn stops the walk and is returned.
 */
typedef int (*kbtf_elf_sym_fn)(const char *name, void *ctx);
int kbtf_elf_undef_symbols(const struct kbtf_elf *e, kbtf_elf_sym_fn fn, void *ctx);

/* Read an integer of @width bytes (4 or 8) at @p in the ELF's byte order. */
uint64_t kbtf_elf_read_word(const struct kbtf_elf *e, const void *p, unsigned int width);

#endif
