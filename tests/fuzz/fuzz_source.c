// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Fuzz what kbtf does with an input it has never seen: compression
 * recognition and bounded decompression, the kernel reader's content
 * detection (raw BTF, ELF vmlinux with banner and IKCONFIG, bzImage
 * payloads, compressed files), the module reader (ELF, .modinfo,
 * __versions, symbols, signatures) and the loader's ELF checks
 * (kbtf_module_elf_check), the ELF reader on its own with a vmlinux's
 * export tables (kernel_exports.c) and a module's (kernel_modexports.c,
 * compressed or not), the bzImage
 * reader, and the Debian package reader, all from one memory buffer.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernel_bootimage.h"
#include "kernel_exports.h"
#include "kernel_modexports.h"
#include "pkg_deb.h"
#include "elf_read.h"
#include "kbtf/source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count_sym(const char *name, void *ctx)
{
	*(size_t *)ctx += strlen(name);
	return 0;
}

static void fuzz_elf(const uint8_t *data, size_t size)
{
	static const char *const names[] = {".BTF",	".BTF.base",  ".BTF_ids",
					    ".modinfo", "__versions", ".gnu.linkonce.this_module"};
	struct kbtf_elf_sec sec;
	struct kbtf_elf *e;
	volatile size_t sink = 0;
	size_t n = 0, i;

	if (kbtf_elf_open(data, size, &e))
		return;
	sink += strlen(kbtf_elf_arch(e)) + kbtf_elf_is_rel(e) + (size_t)kbtf_elf_class(e);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!kbtf_elf_section(e, names[i], &sec) && sec.size)
			sink += sec.data[0] + sec.data[sec.size - 1];
	sink += kbtf_elf_has_dwarf(e);
	kbtf_elf_undef_symbols(e, count_sym, &n);
	/* a vmlinux's export tables (kernel_exports.c) */
	{
		char *text;
		size_t len, nr;

		if (!kbtf_kernel_exports_read(e, &text, &len, &nr))
			free(text);
	}
	kbtf_elf_close(e);
	/* a module's own export tables, relocated (kernel_modexports.c) */
	{
		char *text = NULL;
		size_t len = 0, nr = 0;
		FILE *f = open_memstream(&text, &len);

		if (f) {
			kbtf_modexports_read(data, size, "fuzz", f, &nr);
			fclose(f);
		}
		free(text);
	}
	(void)sink;
}

static void fuzz_kernel(const uint8_t *data, size_t size)
{
	struct kbtf_kernel *k;
	char val[32];

	if (kbtf_kernel_open_buf(data, size, "fuzz", &k))
		return;
	/* an archive of a complete blob and split ones stacks them as layers */
	if (kbtf_kernel_btf_stack(k))
		kbtf_kernel_stack_types(k);
	kbtf_kernel_btf_hash(k);
	kbtf_kernel_config(k, "DEBUG_INFO_BTF", val, sizeof(val));
	kbtf_kernel_config(k, "CONFIG_LOCALVERSION", val, 2);
	kbtf_kernel_free(k);
}

/*
 * The loader's ELF checks in each release form, over the raw bytes, in
 * both word sizes and byte orders, and over the module as read.
 */
static void fuzz_elf_check(const uint8_t *data, size_t size, const struct kbtf_module *m)
{
	static const struct kbtf_elf_target targets[] = {
	    {.arch = "x86_64", .major = 6, .minor = 1, .module_struct_size = 1280},
	    {.arch = "x86_64", .major = 6, .minor = 12, .module_struct_size = 1280},
	    {.arch = "x86_64", .major = 7, .module_struct_size = 1280},
	    {.arch = "i386", .major = 6, .minor = 12, .module_struct_size = 640},
	    {.arch = "ppc64", .major = 7},
	    {.file_only = true},
	};
	char log[320];
	size_t i;

	for (i = 0; i < sizeof(targets) / sizeof(targets[0]); i++)
		kbtf_module_elf_check(data, size, &targets[i], log, sizeof(log));
	kbtf_module_elf_check(data, size, NULL, NULL, 0);
	if (m)
		kbtf_module_elf_check(m->image.data, m->image.size, NULL, log, sizeof(log));
}

static void fuzz_module(const uint8_t *data, size_t size)
{
	struct kbtf_module *m;
	volatile size_t sink = 0;
	size_t i;

	fuzz_elf_check(data, size, NULL);
	if (kbtf_module_open_buf(data, size, "fuzz.ko", &m))
		return;
	fuzz_elf_check(m->image.data, m->image.size, m);
	for (i = 0; i < m->nr_undef; i++)
		sink += strlen(m->undef[i].name) + m->undef[i].crc;
	if (m->btf_size)
		sink += m->btf_data[m->btf_size - 1];
	if (m->btf_base_size)
		sink += m->btf_base_data[m->btf_base_size - 1];
	sink += m->name ? strlen(m->name) : 0;
	sink += m->vermagic ? strlen(m->vermagic) : 0;
	sink += m->signature.size;
	kbtf_module_free(m);
	(void)sink;
}

static void fuzz_deb(const uint8_t *data, size_t size)
{
	struct kbtf_deb d;

	if (!kbtf_deb_read(data, size, NULL, NULL, 16u << 20, &d))
		kbtf_deb_release(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum kbtf_compression c = kbtf_compression_detect(data, size);
	struct kbtf_bootimage bi;
	struct kbtf_buf out;
	char *rel;

	if (c != KBTF_COMP_NONE) {
		if (!kbtf_decompress_prefix(c, data, size, 64, &out))
			kbtf_buf_release(&out);
		if (!kbtf_decompress(c, data, size, 4u << 20, &out)) {
			fuzz_elf(out.data, out.size);
			kbtf_buf_release(&out);
		}
	}
	if (!kbtf_bootimage_read(data, size, &bi))
		kbtf_bootimage_release(&bi);
	rel = kbtf_linux_banner_release(data, size);
	free(rel);
	fuzz_elf(data, size);
	fuzz_kernel(data, size);
	fuzz_module(data, size);
	if (kbtf_deb_detect(data, size) || (size > 8 && !memcmp(data, "!<arch>\n", 8)))
		fuzz_deb(data, size);
	return 0;
}
