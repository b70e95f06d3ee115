// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The facts boot-test gathers itself, beside the validator's verdict, to
 * know what the kernel checks before symbols and BTF: whether the module
 * was built for this kernel at all. load_module() refuses a module (unless
 * forced) when its __versions CRC of module_layout (the layout of struct
 * module) differs from the kernel's, then when its vermagic differs. The
 * kernel's module_layout CRC is in Module.symvers; its vermagic is read
 * from one of its own modules (boottest_moddir.c). Config facts are
 * three-valued: unknown when the kernel came without a config.
 */
#include <string.h>

#include "boottest.h"
#include "kbtf/validate.h"
#include "prepared.h"

static enum kbtf_bt_tri tri(int v)
{
	return v < 0 ? KBTF_BT_ANY : v ? KBTF_BT_YES : KBTF_BT_NO;
}

static bool has_crcs(const struct kbtf_module *m)
{
	size_t i;

	for (i = 0; i < m->nr_undef; i++) {
		if (m->undef[i].has_crc)
			return true;
	}
	return false;
}

void kbtf_bt_facts_fill(struct kbtf_bt_facts *f, const struct kbtf_module *m,
			const struct kbtf_vkernel *vk, const char *kernel_vermagic, bool force)
{
	const struct kbtf_modversion *mine = kbtf_module_version(m, "module_layout");
	const struct kbtf_export *ex;

	memset(f, 0, sizeof(*f));
	f->force = force;
	f->module_has_btf = m->btf_size > 0;
	f->module_has_crcs = has_crcs(m);
	f->module_vermagic = m->vermagic;
	f->kernel_vermagic = kernel_vermagic;
	f->kernel_modversions = vk ? tri(vk->modversions) : KBTF_BT_ANY;
	f->kernel_btf_modules = vk ? tri(vk->btf_modules) : KBTF_BT_ANY;
	f->allow_btf_mismatch = vk ? tri(vk->allow_btf_mismatch) : KBTF_BT_ANY;
	f->layout_crc_match = KBTF_BT_ANY;
	f->module_signed = m->sig_len > 0;
	if (!vk || !vk->symvers || !mine)
		return;
	ex = kbtf_symvers_find(vk->symvers, "module_layout");
	if (ex)
		f->layout_crc_match = ex->crc == mine->crc ? KBTF_BT_YES : KBTF_BT_NO;
}
