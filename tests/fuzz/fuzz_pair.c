// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Fuzz relocation and the judges, in memory: a kernel (any source kbtf
 * reads) and a module, prepared as kbtf validate prepares them and judged
 * as one pair: the loader's ELF checks, the symbol steps, the kernel's
 * BTF parse rules, relocation of a distilled base (or the plain split and
 * pre-6.11 paths), layout drift, and the verdict. Each pair is judged with
 * and without the embedded-marking fix, and with the kernel's own BTF as
 * the build kernel's (drift against it for modules without a layout
 * record).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_parts.h"
#include "kbtf/btf.h"
#include "kbtf/source.h"
#include "kbtf/validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void judge(const struct kbtf_vmod *vm, const struct kbtf_vkernel *vk,
		  const struct kbtf_validate_opts *o)
{
	struct kbtf_result r;

	memset(&r, 0, sizeof(r));
	kbtf_validate_pair(vm, vk, o, &r);
	kbtf_result_fini(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kbtf_vkernel_opts ko = {.no_symbols = true};
	struct kbtf_validate_opts o = {0};
	struct fuzz_part part[2];
	struct kbtf_vkernel *vk = NULL;
	struct kbtf_vmod *vm = NULL;
	struct kbtf_kernel *k;
	struct kbtf_module *m;

	fuzz_split(data, size, part, 2);
	if (kbtf_kernel_open_buf(part[0].data, part[0].size, "fuzz-kernel", &k))
		return 0;
	if (kbtf_module_open_buf(part[1].data, part[1].size, "fuzz.ko", &m))
		goto out_k;
	if (kbtf_vkernel_from_kernel(k, &ko, &vk) || kbtf_vmod_from_module(m, &vm))
		goto out;
	judge(vm, vk, &o);
	o.pre_fix = true;
	judge(vm, vk, &o);
	o.pre_fix = false;
	o.no_symbols = true;
	o.build_btf = kbtf_kernel_btf(k);
	if (o.build_btf && !kbtf_btf_index_names(o.build_btf))
		judge(vm, vk, &o);
out:
	kbtf_vmod_free(vm);
	kbtf_vkernel_free(vk);
	kbtf_module_free(m);
out_k:
	kbtf_kernel_free(k);
	return 0;
}
