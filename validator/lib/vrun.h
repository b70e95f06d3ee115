/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private to the validator: what one validation run prepares once and
 * judges every pair with. `kbtf validate` (the matrix, matrix.c) and
 * `kbtf boot-test` (its predictions) both start here, so a pair boot-test
 * boots is judged as `kbtf validate` judges it: the same prepared modules
 * and kernels, the same options.
 */
#ifndef KBTF_VRUN_H
#define KBTF_VRUN_H

#include <stddef.h>

#include "kbtf/matrix.h"
#include "kbtf/validate.h"

struct kbtf_vrun {
	const struct kbtf_matrix_opts *o;
	const char *const *mod_paths;
	size_t nr_mods;
	struct kbtf_vmod **mods; /* every one read before any kernel */
	/* the modules' own exports: modules loaded together resolve each other */
	struct kbtf_symvers *peers;
	/* the modules' undefined symbols: all a pair reads of an export list */
	struct kbtf_symvers *wanted;
	struct kbtf_kernel *build;    /* the build kernel (o->build_kernel) */
	struct kbtf_validate_opts vo; /* every pair is judged with these */
};

/*
 * Prepare @modules under @opts (NULL: defaults), after checking that every
 * input named by path is there: the modules (each is read), the
 * @nr_kernels @kernels with their layers, Module.symvers and the build
 * kernel. The first that is missing or unreadable stops the run with a
 * negative errno and "PATH: why", before any kernel is opened: otherwise
 * it would cost a column of "error" pairs after minutes of work on the
 * others. kbtf_vrun_fini applies whatever this returns.
 */
int kbtf_vrun_init(struct kbtf_vrun *v, const char *const *modules, size_t nr_modules,
		   const char *const *kernels, size_t nr_kernels,
		   const struct kbtf_matrix_opts *opts);
void kbtf_vrun_fini(struct kbtf_vrun *v);

/* How the run prepares each kernel; @layers are stacked on it (NULL: none). */
void kbtf_vrun_kernel_opts(const struct kbtf_vrun *v, const struct kbtf_layer_paths *layers,
			   struct kbtf_vkernel_opts *ko);

/*
 * Module @m on kernel @vk (from kernel SOURCE @source) into @out: its
 * judgement, or an "error" result when it could not be judged. A negative errno only when not even
 * that result could be made.
 */
int kbtf_vrun_judge(const struct kbtf_vrun *v, size_t m, const struct kbtf_vkernel *vk,
		    const char *source, struct kbtf_result *out);

#endif
