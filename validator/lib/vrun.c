// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A validation run's preparation (vrun.h): the build kernel, the modules
 * prepared once, what they export to each other and which exports they
 * need, the options every pair is judged with; and judging one pair with
 * them. Read-only once kbtf_vrun_init() returns, so threads share it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kbtf/err.h"
#include "prepared.h"
#include "vrun.h"

static int open_build(struct kbtf_vrun *v)
{
	const char *src = v->o->build_kernel;
	struct kbtf_btf *btf;
	int err;

	if (!src)
		return 0;
	err = kbtf_kernel_open(src, NULL, &v->build);
	if (err)
		return kbtf_err_prefix(err, "--build-kernel %s", src);
	btf = kbtf_kernel_btf_stack(v->build);
	if (!btf)
		return kbtf_err_prefix(-EINVAL, "--build-kernel %s", src);
	err = kbtf_btf_index_names_all(btf);
	if (err)
		return err;
	v->vo.build_btf = btf;
	v->vo.build_hash = kbtf_kernel_btf_hash(v->build);
	v->vo.build_release = v->build->release;
	return 0;
}

/* Every module's own exports, so modules validated together resolve each
 * other; and every module's undefined symbols, the only exports to load. */
static int collect_peers(struct kbtf_vrun *v)
{
	size_t m, i;
	int err = kbtf_symvers_new(&v->peers);

	if (!err)
		err = kbtf_symvers_new(&v->wanted);
	if (!err)
		err = kbtf_symvers_add(v->wanted, "module_layout", 0, "", "", "");
	for (m = 0; !err && m < v->nr_mods; m++) {
		const struct kbtf_vmod *vm = v->mods[m];

		for (i = 0; vm && !err && i < vm->syms.nr_undef; i++)
			err = kbtf_symvers_add(v->wanted, vm->syms.undef[i].name, 0, "", "", "");
	}

	for (m = 0; !err && m < v->nr_mods; m++) {
		const struct kbtf_vmod *vm = v->mods[m];

		for (i = 0; vm && !err && i < vm->syms.nr_exports; i++)
			err = kbtf_symvers_add(v->peers, vm->syms.exports[i], 0,
					       vm->syms.name ? vm->syms.name : vm->path,
					       "EXPORT_SYMBOL", "");
	}
	v->vo.peers = v->peers;
	return err;
}

/* A module that does not read stops the run: it has nothing to judge on any kernel. */
static int open_modules(struct kbtf_vrun *v)
{
	size_t m;
	int err;

	v->mods = calloc(v->nr_mods ? v->nr_mods : 1, sizeof(*v->mods));
	if (!v->mods)
		return kbtf_err_nomem();
	for (m = 0; m < v->nr_mods; m++) {
		err = kbtf_vmod_open(v->mod_paths[m], &v->mods[m]);
		if (err)
			return kbtf_err_prefix(err, "%s", v->mod_paths[m]);
	}
	return collect_peers(v);
}

/* Every other input named by path is there, without reading it yet. */
static int check_inputs(const struct kbtf_vrun *v, const char *const *kernels, size_t nr_kernels)
{
	const struct kbtf_layer_paths *l;
	size_t k, i;
	int err;

	for (k = 0; k < nr_kernels; k++) {
		err = kbtf_kernel_source_check(kernels[k]);
		if (err)
			return kbtf_err_prefix(err, "%s", kernels[k]);
		l = v->o->layers ? &v->o->layers[k] : NULL;
		for (i = 0; l && i < l->nr; i++) {
			err = kbtf_file_check(l->paths[i]);
			if (err)
				return kbtf_err_prefix(err, "%s", l->paths[i]);
		}
	}
	err = v->o->symvers ? kbtf_file_check(v->o->symvers) : 0;
	if (err)
		return kbtf_err_prefix(err, "%s", v->o->symvers);
	err = v->o->build_kernel ? kbtf_kernel_source_check(v->o->build_kernel) : 0;
	if (err)
		return kbtf_err_prefix(err, "--build-kernel %s", v->o->build_kernel);
	return 0;
}

int kbtf_vrun_init(struct kbtf_vrun *v, const char *const *modules, size_t nr_modules,
		   const char *const *kernels, size_t nr_kernels,
		   const struct kbtf_matrix_opts *opts)
{
	static const struct kbtf_matrix_opts defaults;
	int err;

	memset(v, 0, sizeof(*v));
	v->o = opts ? opts : &defaults;
	v->mod_paths = modules;
	v->nr_mods = nr_modules;
	v->vo.pre_fix = v->o->pre_fix;
	v->vo.no_symbols = v->o->no_symbols;
	err = open_modules(v);
	if (!err)
		err = check_inputs(v, kernels, nr_kernels);
	if (!err)
		err = open_build(v);
	return err;
}

void kbtf_vrun_fini(struct kbtf_vrun *v)
{
	size_t i;

	for (i = 0; v->mods && i < v->nr_mods; i++)
		kbtf_vmod_free(v->mods[i]);
	free(v->mods);
	kbtf_symvers_free(v->peers);
	kbtf_symvers_free(v->wanted);
	kbtf_kernel_free(v->build);
	memset(v, 0, sizeof(*v));
}

void kbtf_vrun_kernel_opts(const struct kbtf_vrun *v, const struct kbtf_layer_paths *layers,
			   struct kbtf_vkernel_opts *ko)
{
	memset(ko, 0, sizeof(*ko));
	ko->symvers = v->o->symvers;
	ko->work_dir = v->o->work_dir;
	ko->no_symbols = v->o->no_symbols;
	ko->wanted = v->wanted;
	if (layers)
		ko->layers = *layers;
}

int kbtf_vrun_judge(const struct kbtf_vrun *v, size_t m, const struct kbtf_vkernel *vk,
		    const char *source, struct kbtf_result *out)
{
	if (kbtf_validate_pair(v->mods[m], vk, &v->vo, out))
		return kbtf_result_error(out, v->mods[m]->path, source, kbtf_errstr());
	return 0;
}
