/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Validating M modules against N kernels: every kernel opened and indexed
 * once and shared by all modules, the work spread over threads, results in
 * a fixed module-major order (results[m * nr_kernels + k]).
 */
#ifndef KBTF_MATRIX_H
#define KBTF_MATRIX_H

#include <stdbool.h>
#include <stddef.h>

#include "kbtf/api.h"
#include "kbtf/validate.h"

struct kbtf_matrix_opts {
	int jobs;		  /* threads; 0: number of online CPUs */
	bool progress;		  /* a progress line on stderr */
	bool pre_fix;		  /* see kbtf_validate_opts */
	bool no_symbols;	  /* see kbtf_validate_opts */
	const char *symvers;	  /* Module.symvers for every kernel */
	const char *build_kernel; /* build-time kernel source (drift, plain split) */
	const char *work_dir;	  /* where packages may be unpacked */
	/* split BTF layers per kernel, indexed like the kernels (NULL: none) */
	const struct kbtf_layer_paths *layers;
};

struct kbtf_matrix {
	struct kbtf_result *results; /* nr_modules * nr_kernels */
	size_t nr_modules, nr_kernels;
	double total_ms;
	double open_ms;	 /* summed time opening kernels (all threads) */
	double judge_ms; /* summed time judging pairs */
};

/*
 * Run the matrix. Before any kernel is opened, every module is opened and
 * every input named by path is looked for (kernel sources, layers,
 * symvers, build_kernel: kbtf_kernel_source_check(), kbtf_file_check());
 * the first that is missing or does not read as a module fails the run
 * with a negative errno, kbtf_errstr() naming it ("nosuch.ko: cannot
 * open: ..."). A kernel that is there but cannot be read (malformed BTF,
 * no BTF) gives "error" results in its column, not a failure. Out of
 * memory and an unreadable build_kernel also fail the run.
 *
 * A module is judged only on kernels of its own architecture: a pair of
 * two architectures is a result with not_paired set, in no verdict count.
 * A module with no kernel of its architecture among the kernels that
 * opened fails the run (-EINVAL, "MOD: built for A; the kernels are B").
 */
KBTF_API int kbtf_matrix_run(const char *const *modules, size_t nr_modules,
			     const char *const *kernels, size_t nr_kernels,
			     const struct kbtf_matrix_opts *opts, struct kbtf_matrix *out);
KBTF_API void kbtf_matrix_fini(struct kbtf_matrix *mx);

/* The worst verdict of the whole matrix (pairs not made do not count). */
KBTF_API enum kbtf_verdict kbtf_matrix_worst(const struct kbtf_matrix *mx);

#endif
