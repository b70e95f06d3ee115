// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A kernel prepared once for many validations: its BTF parsed and indexed
 * for relocation, its export list loaded, and the facts the verdict needs
 * (version, .BTF.base support, the config options that change what a load
 * failure means). Read-only afterwards.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kbtf/err.h"
#include "kernel_gen.h"
#include "relocate.h"
#include "kbtf/validate.h"
#include "prepared.h"

/* -1 unknown (no config), 0 not set, 1 =y */
static int config_bool(const struct kbtf_kernel *k, const char *name)
{
	char buf[64];
	const char *v;

	if (!k->config)
		return -1;
	v = kbtf_kernel_config(k, name, buf, sizeof(buf));
	return v && !strcmp(v, "y");
}

static void parse_version(struct kbtf_vkernel *vk)
{
	unsigned int major, minor;

	vk->major = vk->minor = -1;
	if (!kbtf_kgen_parse_release(vk->k->release, &major, &minor) && major <= INT_MAX &&
	    minor <= INT_MAX) {
		vk->major = (int)major;
		vk->minor = (int)minor;
	}
}

/*
 * sizeof(struct module) on this kernel, which the loader of 6.4 on wants
 * .gnu.linkonce.this_module to be (elf_validity_cache_copy()); 0 when the
 * BTF does not say it once.
 */
static void module_struct_size(struct kbtf_vkernel *vk)
{
	const struct btf_type *t;
	uint32_t id;

	if (kbtf_btf_find_by_name_all(vk->btf, "module", BTF_KIND_STRUCT, &id, 1) != 1)
		return;
	t = kbtf_btf_type(vk->btf, id);
	if (t)
		vk->module_struct_size = t->size;
}

/* Is there a type @name of @kind in @btf? One walk; used only when the
 * release string is unknown. */
static bool has_type(const struct kbtf_btf *btf, const char *name, uint32_t kind)
{
	uint32_t id, n = kbtf_btf_type_cnt(btf);

	for (id = 1; id < n; id++) {
		const struct btf_type *t = kbtf_btf_type(btf, id);
		const char *s;

		if (kbtf_kind(t) != kind || !t->name_off)
			continue;
		s = kbtf_btf_str(btf, t->name_off);
		if (s && !strcmp(s, name))
			return true;
	}
	return false;
}

/* Does the kernel read .BTF.base? The release says (kernel_gen.h); without
 * one, look for the kernel's copy of btf_relocate(), which came with it. */
static int decide_distilled(struct kbtf_vkernel *vk)
{
	int reads = kbtf_kgen_release_reads_btf_base(vk->k->release);
	int n;

	if (reads >= 0) {
		vk->distilled_support = reads;
		n = asprintf(&vk->distilled_support_why, "release %s is %s %s", vk->k->release,
			     reads ? "at least" : "older than", kbtf_kgen_btf_base_since());
	} else {
		vk->distilled_support = has_type(vk->btf, "btf_relocate", BTF_KIND_FUNC);
		n = asprintf(&vk->distilled_support_why,
			     "release unknown; vmlinux BTF %s function btf_relocate",
			     vk->distilled_support ? "has" : "has no");
	}
	if (n < 0) {
		vk->distilled_support_why = NULL;
		return kbtf_err_nomem();
	}
	return 0;
}

/*
 * The kernel's VERMAGIC_STRING (include/linux/vermagic.h) rebuilt from its
 * release and config. Only for x86_64, whose MODULE_ARCH_VERMAGIC is
 * empty, and without RANDSTRUCT, whose seed hash is not in the config.
 */
static int derive_vermagic(struct kbtf_vkernel *vk)
{
	const struct kbtf_kernel *k = vk->k;
	const char *preempt = "";

	if (!k->config || !k->release || config_bool(k, "X86_64") != 1 ||
	    config_bool(k, "RANDSTRUCT_FULL") == 1 || config_bool(k, "RANDSTRUCT_PERFORMANCE") == 1)
		return 0;
	if (config_bool(k, "PREEMPT_BUILD") == 1)
		preempt = "preempt ";
	else if (config_bool(k, "PREEMPT_RT") == 1)
		preempt = "preempt_rt ";
	if (asprintf(&vk->vermagic, "%s %s%s%s%s", k->release,
		     config_bool(k, "SMP") == 1 ? "SMP " : "", preempt,
		     config_bool(k, "MODULE_UNLOAD") == 1 ? "mod_unload " : "",
		     vk->modversions == 1 ? "modversions " : "") < 0) {
		vk->vermagic = NULL;
		return kbtf_err_nomem();
	}
	return 0;
}

static int load_symvers(struct kbtf_vkernel *vk, const struct kbtf_vkernel_opts *opts)
{
	const char *path = opts && opts->symvers ? opts->symvers : vk->k->symvers_path;
	int err;

	if (!path || (opts && opts->no_symbols))
		return 0;
	err = kbtf_symvers_load_wanted(path, opts ? opts->wanted : NULL, &vk->symvers);
	if (err)
		return kbtf_err_prefix(err, "Module.symvers");
	vk->symvers_from = strdup(path);
	return vk->symvers_from ? 0 : kbtf_err_nomem();
}

static int prepare(struct kbtf_vkernel *vk, const struct kbtf_vkernel_opts *opts)
{
	struct kbtf_kernel *k = vk->k;
	int err;

	vk->source = strdup(k->source ? k->source : "kernel");
	if (!vk->source)
		return kbtf_err_nomem();
	vk->btf = kbtf_kernel_btf_stack(k);
	if (!vk->btf)
		return -EINVAL; /* kbtf_errstr() says why */
	err = kbtf_reloc_target_new(vk->btf, &vk->target);
	if (err)
		return err;
	parse_version(vk);
	module_struct_size(vk);
	err = decide_distilled(vk);
	if (err)
		return err;
	vk->allow_btf_mismatch = config_bool(k, "MODULE_ALLOW_BTF_MISMATCH");
	vk->btf_modules = config_bool(k, "DEBUG_INFO_BTF_MODULES");
	vk->modversions = config_bool(k, "MODVERSIONS");
	vk->force_load = config_bool(k, "MODULE_FORCE_LOAD");
	vk->allow_missing_ns = config_bool(k, "MODULE_ALLOW_MISSING_NAMESPACE_IMPORTS");
	vk->module_sig = config_bool(k, "MODULE_SIG");
	err = derive_vermagic(vk);
	if (err)
		return err;
	return load_symvers(vk, opts);
}

int kbtf_vkernel_from_kernel(struct kbtf_kernel *k, const struct kbtf_vkernel_opts *opts,
			     struct kbtf_vkernel **out)
{
	struct kbtf_vkernel *vk = calloc(1, sizeof(*vk));
	int err;

	*out = NULL;
	if (!vk)
		return kbtf_err_nomem();
	vk->k = k;
	err = prepare(vk, opts);
	if (err) {
		kbtf_vkernel_free(vk);
		return err;
	}
	*out = vk;
	return 0;
}

int kbtf_vkernel_open(const char *source, const struct kbtf_vkernel_opts *opts,
		      struct kbtf_vkernel **out)
{
	struct kbtf_kernel_opts ko = {0};
	struct kbtf_kernel *k;
	size_t i;
	int err;

	*out = NULL;
	if (opts) {
		ko.work_dir = opts->work_dir;
		ko.symvers = opts->symvers;
	}
	err = kbtf_kernel_open(source, &ko, &k);
	if (err)
		return err;
	for (i = 0; !err && opts && i < opts->layers.nr; i++)
		err = kbtf_kernel_add_layer(k, opts->layers.paths[i]);
	if (!err)
		err = kbtf_vkernel_from_kernel(k, opts, out);
	if (err) {
		kbtf_kernel_free(k);
		return err;
	}
	(*out)->own_k = true;
	return 0;
}

void kbtf_vkernel_free(struct kbtf_vkernel *vk)
{
	if (!vk)
		return;
	kbtf_reloc_target_free(vk->target);
	kbtf_symvers_free(vk->symvers);
	free(vk->symvers_from);
	free(vk->vermagic);
	free(vk->distilled_support_why);
	free(vk->source);
	if (vk->own_k)
		kbtf_kernel_free(vk->k);
	free(vk);
}
