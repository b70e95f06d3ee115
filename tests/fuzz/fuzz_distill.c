// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Fuzz distillation and the ELF rewrite, in memory: a kernel (any source
 * kbtf reads: vmlinux, raw BTF, boot image) and a module built on it.
 * The module's .BTF is parsed on the kernel's BTF, distilled (with and
 * without extra roots), the result written into the module's ELF image
 * as .BTF and .BTF.base, and the rewritten image read back as a module
 * and its BTF parsed on its new base, as the kernel would.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "elf_write.h"
#include "fuzz_parts.h"
#include "kbtf/btf.h"
#include "kbtf/distill.h"
#include "kbtf/source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void read_back(const struct kbtf_buf *img)
{
	struct kbtf_parse_opts po = {.name = "rewritten"};
	struct kbtf_btf *base = NULL, *split = NULL;
	struct kbtf_module *m;

	if (kbtf_module_open_buf(img->data, img->size, "rewritten.ko", &m))
		return;
	if (m->btf_base_size && !kbtf_btf_parse(m->btf_base_data, m->btf_base_size, &po, &base)) {
		po.base = base;
		if (m->btf_size && !kbtf_btf_parse(m->btf_data, m->btf_size, &po, &split))
			kbtf_btf_free(split);
		kbtf_btf_free(base);
	}
	kbtf_module_free(m);
}

static void distill_one(const struct kbtf_module *m, const struct kbtf_btf *split,
			const uint32_t *roots, size_t nr_roots)
{
	struct kbtf_distill_opts o = {.extra_roots = roots, .nr_extra_roots = nr_roots};
	struct kbtf_distill_result r = {0};
	struct kbtf_elf_section secs[2];
	struct kbtf_buf img;

	if (kbtf_distill(split, &o, &r))
		return;
	secs[0] = (struct kbtf_elf_section){".BTF", r.split.data, r.split.size};
	secs[1] = (struct kbtf_elf_section){".BTF.base", r.base.data, r.base.size};
	if (!kbtf_elf_set_sections(m->image.data, m->image.size, secs, 2, &img)) {
		read_back(&img);
		kbtf_buf_release(&img);
	}
	kbtf_distill_result_release(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_part part[2];
	struct kbtf_parse_opts po = {.name = "fuzz.ko"};
	struct kbtf_btf *split = NULL;
	struct kbtf_kernel *k;
	struct kbtf_module *m;
	uint32_t roots[3] = {1, 2, 0x7fffffff};

	fuzz_split(data, size, part, 2);
	if (kbtf_kernel_open_buf(part[0].data, part[0].size, "fuzz-kernel", &k))
		return 0;
	po.base = kbtf_kernel_btf(k);
	if (po.base && !kbtf_module_open_buf(part[1].data, part[1].size, "fuzz.ko", &m)) {
		if (m->btf_size && !kbtf_btf_parse(m->btf_data, m->btf_size, &po, &split)) {
			distill_one(m, split, NULL, 0);
			distill_one(m, split, roots, 3);
			kbtf_btf_free(split);
		}
		/* the rewrite on its own, on whatever the module is */
		{
			static const uint8_t blob[24] = {0x9f, 0xeb, 1, 0, 24};
			struct kbtf_elf_section s = {".BTF.base", blob, sizeof(blob)};
			struct kbtf_buf img;

			if (!kbtf_elf_set_sections(m->image.data, m->image.size, &s, 1, &img))
				kbtf_buf_release(&img);
		}
		kbtf_module_free(m);
	}
	kbtf_kernel_free(k);
	return 0;
}
