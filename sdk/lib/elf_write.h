/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Rewriting a kernel module's ELF image (ET_REL) with libelf: replace the
 * contents of some sections and append new ones, keeping every other
 * section, symbol and relocation as it was. New sections go after the last
 * one, so existing section indices and sh_link/sh_info stay valid.
 */
#ifndef KBTF_ELF_WRITE_H
#define KBTF_ELF_WRITE_H

#include <stddef.h>
#include <stdint.h>

#include "kbtf/buf.h"

struct kbtf_elf_section {
	const char *name;
	const void *data;
	size_t size;
};

/*
 * Produce in @out a copy of the ELF @image where each named section of
 * @secs has the given contents: an existing section keeps its header
 * (type, flags, links) and gets the new bytes; a missing one is appended
 * as SHT_PROGBITS with no flags and 4-byte alignment (how pahole and
 * objcopy --add-section leave .BTF and .BTF.base, aligned for strict
 * architectures). The section-name string table grows as needed.
 */
int kbtf_elf_set_sections(const void *image, size_t size, const struct kbtf_elf_section *secs,
			  size_t nr, struct kbtf_buf *out);

#endif
