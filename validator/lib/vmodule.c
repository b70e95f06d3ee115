// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A module prepared once for many validations: its BTF parsed (distilled
 * base + split, when it has .BTF.base), its layout record indexed, its
 * symbol facts taken from the module object (read once, by
 * kbtf_module_open). Everything here is read-only afterwards.
 *
 * BTF that cannot be parsed does not fail the preparation: what the kernel
 * does with it is part of the verdict, so the reason is kept instead. A
 * layout record that cannot be read costs only the drift check; its reason
 * is kept too, and every pair's report says it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kbtf/check.h"
#include "kbtf/distill.h"
#include "drift.h"
#include "relocate.h"
#include "kbtf/err.h"
#include "kbtf/validate.h"
#include "prepared.h"

static int keep_btf_error(struct kbtf_vmod *vm, const char *what)
{
	if (asprintf(&vm->btf_error, "%s: %s", what, kbtf_errstr()) < 0) {
		vm->btf_error = NULL;
		return kbtf_err_nomem();
	}
	return 0;
}

static int parse_distilled(struct kbtf_vmod *vm)
{
	const struct kbtf_module *m = vm->mod;
	struct kbtf_parse_opts o = {.name = ".BTF.base"};
	int err;

	err = kbtf_btf_parse(m->btf_base_data, m->btf_base_size, &o, &vm->dist);
	if (err)
		return keep_btf_error(vm, "cannot parse .BTF.base");
	o.base = vm->dist;
	o.name = ".BTF";
	err = kbtf_btf_parse(m->btf_data, m->btf_size, &o, &vm->split);
	if (err)
		return keep_btf_error(vm, "cannot parse .BTF on .BTF.base");
	return kbtf_reloc_prepare(vm->split, &vm->reloc_prep);
}

/* The kernel-side checks depend on the module and the rule generation
 * only: run them once for every generation. */
static void check_metas(struct kbtf_vmod *vm)
{
	const struct kbtf_btf *objs[2] = {vm->dist, vm->split};
	int gen, i;

	for (gen = KBTF_KERNEL_6_1; gen <= KBTF_KERNEL_LAYOUT; gen++) {
		for (i = 0; i < 2; i++) {
			vm->meta_err[gen][i] =
			    kbtf_check_kernel(objs[i], (enum kbtf_kernel_gen)gen);
			if (vm->meta_err[gen][i])
				snprintf(vm->meta_why[gen][i], sizeof(vm->meta_why[gen][i]), "%s",
					 kbtf_errstr());
		}
	}
}

/* "6.12.113+deb12-amd64 SMP preempt mod_unload modversions" -> the release */
static int release_of(struct kbtf_vmod *vm)
{
	const char *vm_magic = vm->mod->vermagic;
	size_t n;

	if (!vm_magic || !*vm_magic)
		return 0;
	n = strcspn(vm_magic, " ");
	vm->release_buf = strndup(vm_magic, n);
	if (!vm->release_buf)
		return kbtf_err_nomem();
	vm->release = vm->release_buf;
	return 0;
}

static int prepare(struct kbtf_vmod *vm)
{
	const struct kbtf_module *m = vm->mod;
	int err;

	vm->path = strdup(m->path ? m->path : "module");
	vm->elf_memo = kbtf_elf_memo_new();
	if (!vm->path || !vm->elf_memo)
		return kbtf_err_nomem();
	err = release_of(vm);
	if (err)
		return err;
	if (m->btf_base_data)
		vm->blobs[0] =
		    kbtf_btf_archive_members(m->btf_base_data, m->btf_base_size, NULL, 0);
	if (m->btf_data)
		vm->blobs[1] = kbtf_btf_archive_members(m->btf_data, m->btf_size, NULL, 0);
	if (m->btf_data && m->btf_base_data) {
		err = parse_distilled(vm);
		if (err)
			return err;
		if (vm->split)
			check_metas(vm);
	}
	err = m->image.data ? kbtf_layout_load(m, &vm->layout) : -ENOENT;
	if (err) {
		vm->layout = NULL;
		if (err == -ENOMEM)
			return err;
	}
	if (err && err != -ENOENT) {
		/* a broken record costs the drift check; every report says why */
		vm->layout_error = strdup(kbtf_errstr());
		if (!vm->layout_error)
			return kbtf_err_nomem();
	} else if (!err && (err = kbtf_btf_index_names(vm->layout))) {
		return err;
	}
	/* the build side's member lists and digests: of the layout record, or
	 * of --build-kernel's BTF for a module without one */
	if (!(vm->drift_cache = kbtf_drift_cache_new()))
		return kbtf_err_nomem();
	/* the access record: a broken one costs only member-level checks */
	err = m->image.data ? kbtf_access_load(m, &vm->access) : -ENOENT;
	if (err == -ENOMEM)
		return err;
	if (err && err != -ENOENT && !(vm->access_error = strdup(kbtf_errstr())))
		return kbtf_err_nomem();
	err = kbtf_modsyms_from_module(m, &vm->syms);
	if (err)
		return kbtf_err_prefix(err, "%s", vm->path);
	return 0;
}

int kbtf_vmod_from_module(const struct kbtf_module *m, struct kbtf_vmod **out)
{
	struct kbtf_vmod *vm = calloc(1, sizeof(*vm));
	int err;

	*out = NULL;
	if (!vm)
		return kbtf_err_nomem();
	vm->mod = (struct kbtf_module *)m;
	err = prepare(vm);
	if (err) {
		kbtf_vmod_free(vm);
		return err;
	}
	*out = vm;
	return 0;
}

int kbtf_vmod_open(const char *path, struct kbtf_vmod **out)
{
	struct kbtf_module *m;
	int err;

	*out = NULL;
	err = kbtf_module_open(path, &m);
	if (err)
		return err;
	err = kbtf_vmod_from_module(m, out);
	if (err) {
		kbtf_module_free(m);
		return err;
	}
	(*out)->own_mod = true;
	return 0;
}

void kbtf_vmod_free(struct kbtf_vmod *vm)
{
	if (!vm)
		return;
	kbtf_modsyms_fini(&vm->syms);
	kbtf_reloc_prep_free(vm->reloc_prep);
	kbtf_drift_cache_free(vm->drift_cache);
	kbtf_elf_memo_free(vm->elf_memo);
	kbtf_btf_free(vm->layout);
	kbtf_btf_free(vm->split);
	kbtf_btf_free(vm->dist);
	free(vm->btf_error);
	free(vm->layout_error);
	kbtf_access_free(vm->access);
	free(vm->access_error);
	free(vm->release_buf);
	free(vm->path);
	if (vm->own_mod)
		kbtf_module_free(vm->mod);
	free(vm);
}
