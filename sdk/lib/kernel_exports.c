// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A kernel's exports from its image (kernel_exports.h), read the way the
 * module loader's find_symbol() reads them (kernel/module/main.c):
 *
 *  - struct kernel_symbol is { value, name, namespace }: with
 *    CONFIG_HAVE_ARCH_PREL32_RELOCATIONS (x86_64, arm64, ...) three s32
 *    offsets, each relative to its own field (offset_to_ptr()), a
 *    namespace offset of 0 meaning none; otherwise three pointers. The
 *    layout is told from the data: an absolute name pointer lands inside
 *    __ksymtab_strings, a relative offset does not.
 *  - __kcrctab[i] is the CRC of __ksymtab[i] (symversion()), likewise for
 *    the _gpl pair; no __kcrctab without CONFIG_MODVERSIONS.
 *  - no namespace is a zero offset or an empty string (Debian's 6.1.0-56
 *    has both, 6.12.113 only empty strings).
 *
 * Checked on Debian 6.1.0-56 and 6.12.113: every vmlinux export, CRC,
 * GPL flag and namespace equals the headers' Module.symvers.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kbtf/err.h"
#include "kernel_exports.h"

struct tables {
	const struct kbtf_elf *e;
	struct kbtf_elf_sec strs;
	unsigned int word; /* 4 or 8 */
};

/* The string at address @a, if it lies inside __ksymtab_strings. */
static const char *string_at(const struct tables *t, uint64_t a)
{
	size_t off;

	if (a < t->strs.addr || a - t->strs.addr >= t->strs.size)
		return NULL;
	off = (size_t)(a - t->strs.addr);
	if (!memchr(t->strs.data + off, '\0', t->strs.size - off))
		return NULL;
	return (const char *)t->strs.data + off;
}

/* The address field @i of entry at @p (address @addr) points at. */
static uint64_t field_target(const struct tables *t, const uint8_t *p, uint64_t addr, bool rel,
			     unsigned int i)
{
	if (rel) {
		int32_t off = (int32_t)kbtf_elf_read_word(t->e, p + 4 * i, 4);

		return addr + 4 * i + (uint64_t)(int64_t)off;
	}
	return kbtf_elf_read_word(t->e, p + t->word * i, t->word);
}

/* Relative (PREL32) entries, or pointers: where entry 0's name lands. */
static int layout_of(const struct tables *t, const struct kbtf_elf_sec *tab, bool *rel,
		     size_t *stride)
{
	if (tab->size >= 3u * t->word &&
	    string_at(t, field_target(t, tab->data, tab->addr, false, 1))) {
		*rel = false;
		*stride = 3u * t->word;
		return 0;
	}
	if (tab->size >= 12 && string_at(t, field_target(t, tab->data, tab->addr, true, 1))) {
		*rel = true;
		*stride = 12;
		return 0;
	}
	return -EINVAL;
}

static int one_table(const struct tables *t, const char *tabname, const char *crcname,
		     const char *kind, FILE *out, size_t *nr)
{
	struct kbtf_elf_sec tab, crc;
	bool have_crc, rel;
	size_t stride, n, i;

	if (kbtf_elf_section(t->e, tabname, &tab) || !tab.size)
		return 0; /* no exports of this kind */
	if (layout_of(t, &tab, &rel, &stride))
		return kbtf_err(-EINVAL, "%s: its first entry's name is not in __ksymtab_strings",
				tabname);
	if (tab.size % stride)
		return kbtf_err(-EINVAL, "%s: %zu bytes is not a whole number of %zu-byte entries",
				tabname, tab.size, stride);
	n = tab.size / stride;
	have_crc = !kbtf_elf_section(t->e, crcname, &crc) && crc.size;
	if (have_crc && crc.size != n * 4)
		return kbtf_err(-EINVAL, "%s has %zu CRCs for %zu entries of %s", crcname,
				crc.size / 4, n, tabname);
	for (i = 0; i < n; i++) {
		const uint8_t *p = tab.data + i * stride;
		uint64_t addr = tab.addr + i * stride;
		const char *name = string_at(t, field_target(t, p, addr, rel, 1));
		const char *ns = "";
		uint64_t nsfield = rel ? kbtf_elf_read_word(t->e, p + 8, 4)
				       : kbtf_elf_read_word(t->e, p + 2 * t->word, t->word);

		if (nsfield && !(ns = string_at(t, field_target(t, p, addr, rel, 2))))
			return kbtf_err(-EINVAL,
					"%s entry %zu: namespace outside __ksymtab_strings",
					tabname, i);
		if (!name || !*name)
			return kbtf_err(-EINVAL, "%s entry %zu: name outside __ksymtab_strings",
					tabname, i);
		fprintf(out, "0x%08x\t%s\tvmlinux\t%s\t%s\n",
			have_crc ? (uint32_t)kbtf_elf_read_word(t->e, crc.data + 4 * i, 4) : 0u,
			name, kind, ns);
		(*nr)++;
	}
	return 0;
}

int kbtf_kernel_exports_read(const struct kbtf_elf *e, char **text, size_t *len, size_t *nr)
{
	struct tables t = {.e = e, .word = kbtf_elf_class(e) == 64 ? 8 : 4};
	FILE *out;
	int err;

	*text = NULL;
	*len = *nr = 0;
	if (!kbtf_elf_has_section(e, "__ksymtab") && !kbtf_elf_has_section(e, "__ksymtab_gpl"))
		return -ENOENT;
	if (kbtf_elf_section(e, "__ksymtab_strings", &t.strs) || !t.strs.size)
		return kbtf_err(-EINVAL, "__ksymtab without __ksymtab_strings");
	out = open_memstream(text, len);
	if (!out)
		return kbtf_err_nomem();
	err = one_table(&t, "__ksymtab", "__kcrctab", "EXPORT_SYMBOL", out, nr);
	if (!err)
		err = one_table(&t, "__ksymtab_gpl", "__kcrctab_gpl", "EXPORT_SYMBOL_GPL", out, nr);
	if (fclose(out) && !err)
		err = kbtf_err_nomem();
	if (err) {
		free(*text);
		*text = NULL;
		*len = *nr = 0;
	}
	return err;
}
