// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The validate bench: what one (module, kernel) pair costs once both are
 * prepared, what preparing a kernel costs (open, parse, index for
 * relocation), and the whole N kernels x M modules matrix as `kbtf
 * validate` runs it (threads, each kernel opened once).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kbtf/err.h"
#include "kbtf/matrix.h"
#include "kbtf/relocate.h"
#include "kbtf/validate.h"
#include "bench.h"

#define PAIR_RUNS 31
#define OPEN_RUNS 5

static void bench_open(const char *src)
{
	double ms[OPEN_RUNS];
	char what[96];
	int i;

	for (i = 0; i < OPEN_RUNS; i++) {
		struct kbtf_vkernel *vk;
		double t0 = bench_now_ms();

		if (kbtf_vkernel_open(src, NULL, &vk)) {
			fprintf(stderr, "bench_validate: %s: %s\n", src, kbtf_errstr());
			return;
		}
		ms[i] = bench_now_ms() - t0;
		kbtf_vkernel_free(vk);
	}
	snprintf(what, sizeof(what), "validate: open + index kernel (%s)",
		 src + (strlen(src) > 24 ? strlen(src) - 24 : 0));
	bench_report(what, ms, OPEN_RUNS);
}

/* Judge every module on every kernel, PAIR_RUNS times, single thread. */
static void bench_pairs(struct kbtf_vmod **vm, int nmods, struct kbtf_vkernel **vk, int nk)
{
	double *ms = calloc(PAIR_RUNS, sizeof(*ms));
	int run, m, k, pairs = 0;

	if (!ms)
		return;
	for (run = 0; run < PAIR_RUNS; run++) {
		double t0 = bench_now_ms();

		pairs = 0;
		for (m = 0; m < nmods; m++) {
			for (k = 0; k < nk; k++) {
				struct kbtf_result r;

				if (!vm[m] || !vk[k] || kbtf_validate_pair(vm[m], vk[k], NULL, &r))
					continue;
				kbtf_result_fini(&r);
				pairs++;
			}
		}
		ms[run] = pairs ? (bench_now_ms() - t0) / pairs : 0;
	}
	printf("(%d prepared pairs per run)\n", pairs);
	bench_report("validate: judge one prepared pair", ms, PAIR_RUNS);
	free(ms);
}

static void bench_matrix(const char **mods, int nmods, const char **kernels, int nk)
{
	struct kbtf_matrix_opts o = {.jobs = 2};
	struct kbtf_matrix mx;
	double t0 = bench_now_ms(), ms;

	if (kbtf_matrix_run(mods, (size_t)nmods, kernels, (size_t)nk, &o, &mx)) {
		fprintf(stderr, "bench_validate: matrix: %s\n", kbtf_errstr());
		return;
	}
	ms = bench_now_ms() - t0;
	printf("validate: matrix %d kernels x %d modules, -j2: %.1f ms wall, %.2f ms per pair "
	       "(opening kernels %.1f ms, judging %.1f ms, summed over threads)\n",
	       nk, nmods, ms, ms / (nk * nmods), mx.open_ms, mx.judge_ms);
	kbtf_matrix_fini(&mx);
}

void bench_validate(const char **mods, int nmods, const char **kernels, int nkernels)
{
	struct kbtf_vmod **vm = calloc((size_t)nmods, sizeof(*vm));
	struct kbtf_vkernel **vk = calloc((size_t)nkernels, sizeof(*vk));
	int i;

	if (!vm || !vk)
		goto out;
	for (i = 0; i < nkernels; i++)
		bench_open(kernels[i]);
	for (i = 0; i < nmods; i++)
		if (kbtf_vmod_open(mods[i], &vm[i]))
			fprintf(stderr, "bench_validate: %s: %s\n", mods[i], kbtf_errstr());
	for (i = 0; i < nkernels; i++)
		if (kbtf_vkernel_open(kernels[i], NULL, &vk[i]))
			fprintf(stderr, "bench_validate: %s: %s\n", kernels[i], kbtf_errstr());
	bench_pairs(vm, nmods, vk, nkernels);
	bench_matrix(mods, nmods, kernels, nkernels);
out:
	for (i = 0; vm && i < nmods; i++)
		kbtf_vmod_free(vm[i]);
	for (i = 0; vk && i < nkernels; i++)
		kbtf_vkernel_free(vk[i]);
	free(vm);
	free(vk);
}
