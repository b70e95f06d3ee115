// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The validate bench: what one (module, kernel) pair costs once both are
 * prepared, what preparing a kernel costs (open, parse, index for
 * relocation), what a stacked split layer adds to that, and the whole N
 * kernels x M modules matrix as `kbtf validate` runs it (threads, each
 * kernel opened once).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elf_read.h"
#include "kbtf/builder.h"
#include "kbtf/err.h"
#include "kbtf/matrix.h"
#include "kernel_bootimage.h"
#include "kernel_exports.h"
#include "relocate.h"
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
		double t0 = kbtf_now_ms();

		if (kbtf_vkernel_open(src, NULL, &vk)) {
			fprintf(stderr, "bench_validate: %s: %s\n", src, kbtf_errstr());
			return;
		}
		ms[i] = kbtf_now_ms() - t0;
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
		double t0 = kbtf_now_ms();

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
		ms[run] = pairs ? (kbtf_now_ms() - t0) / pairs : 0;
	}
	printf("(%d prepared pairs per run)\n", pairs);
	bench_report("validate: judge one prepared pair", ms, PAIR_RUNS);
	free(ms);
}

static void bench_matrix(const char **mods, int nmods, const char **kernels, int nk)
{
	struct kbtf_matrix_opts o = {.jobs = 2};
	struct kbtf_matrix mx;
	double t0 = kbtf_now_ms(), ms;

	if (kbtf_matrix_run(mods, (size_t)nmods, kernels, (size_t)nk, &o, &mx)) {
		fprintf(stderr, "bench_validate: matrix: %s\n", kbtf_errstr());
		return;
	}
	ms = kbtf_now_ms() - t0;
	printf("validate: matrix %d kernels x %d modules, -j2: %.1f ms wall, %.2f ms per pair "
	       "(opening kernels %.1f ms, judging %.1f ms, summed over threads)\n",
	       nk, nmods, ms, ms / (nk * nmods), mx.open_ms, mx.judge_ms);
	kbtf_matrix_fini(&mx);
}

/* A vmlinux.vars-sized layer: @n VARs of vmlinux's "int" and one DATASEC. */
static int vars_layer(struct kbtf_btf *vmlinux, uint32_t n, struct kbtf_buf *out)
{
	struct kbtf_builder *b = kbtf_builder_new(vmlinux);
	uint32_t intid, i, first;
	char name[32];
	int err = 0;

	if (kbtf_btf_find_by_name(vmlinux, "int", BTF_KIND_INT, &intid, 1) != 1)
		intid = 1;
	first = kbtf_builder_start_id(b);
	for (i = 0; i < n && !err; i++) {
		snprintf(name, sizeof(name), "kbtf_bench_var_%u", i);
		err = kbtf_builder_add_var(b, name, intid, BTF_VAR_GLOBAL_ALLOCATED) < 0;
	}
	err = err || kbtf_builder_add_datasec(b, ".data", 4 * n) < 0;
	for (i = 0; i < n && !err; i++)
		err = kbtf_builder_add_secinfo(b, first + i, 4 * i, 4) < 0;
	err = err || kbtf_builder_write(b, NULL, out);
	kbtf_builder_free(b);
	return err ? -1 : 0;
}

/* Open + index with and without a 40,000-VAR layer stacked on top. */
static void bench_stack(const char *src)
{
	double bare[OPEN_RUNS], stacked[OPEN_RUNS];
	struct kbtf_buf layer = {0};
	struct kbtf_kernel *k;
	int i, err;

	if (kbtf_kernel_open(src, NULL, &k) || !kbtf_kernel_btf(k) ||
	    vars_layer(k->btf, 40000, &layer)) {
		fprintf(stderr, "bench_validate: stack on %s: %s\n", src, kbtf_errstr());
		kbtf_kernel_free(k);
		return;
	}
	kbtf_kernel_free(k);
	for (i = 0; i < OPEN_RUNS; i++) {
		struct kbtf_vkernel *vk;
		double t0 = kbtf_now_ms();

		err = kbtf_kernel_open(src, NULL, &k);
		if (!err)
			err = kbtf_vkernel_from_kernel(k, NULL, &vk);
		bare[i] = kbtf_now_ms() - t0;
		if (!err)
			kbtf_vkernel_free(vk);
		kbtf_kernel_free(k);
		t0 = kbtf_now_ms();
		err = err || kbtf_kernel_open(src, NULL, &k);
		if (!err)
			err = kbtf_kernel_add_layer_buf(k, layer.data, layer.size, "vars");
		if (!err)
			err = kbtf_vkernel_from_kernel(k, NULL, &vk);
		stacked[i] = kbtf_now_ms() - t0;
		if (!err)
			kbtf_vkernel_free(vk);
		kbtf_kernel_free(k);
		if (err) {
			fprintf(stderr, "bench_validate: stack: %s\n", kbtf_errstr());
			break;
		}
	}
	if (i == OPEN_RUNS) {
		bench_report("validate: open + index vmlinux", bare, OPEN_RUNS);
		bench_report("validate: the same + a 40000-VAR split layer", stacked, OPEN_RUNS);
	}
	kbtf_buf_release(&layer);
}

/*
 * Reading vmlinux's exports from a boot image's payload (kernel_exports.c),
 * what a kernel without Module.symvers costs more to open: the payload is
 * decompressed anyway, for its BTF.
 */
static void bench_exports(const char *vmlinuz)
{
	struct kbtf_bootimage bi;
	struct kbtf_buf b;
	struct kbtf_elf *e;
	double ms[OPEN_RUNS];
	size_t len, nr = 0;
	char *text, what[96];
	int i;

	if (kbtf_buf_from_file(vmlinuz, &b))
		return;
	if (kbtf_bootimage_read(b.data, b.size, &bi)) {
		kbtf_buf_release(&b);
		return;
	}
	if (!kbtf_elf_open(bi.elf.data, bi.elf.size, &e)) {
		for (i = 0; i < OPEN_RUNS; i++) {
			double t0 = kbtf_now_ms();

			if (kbtf_kernel_exports_read(e, &text, &len, &nr))
				break;
			ms[i] = kbtf_now_ms() - t0;
			free(text);
		}
		kbtf_elf_close(e);
		snprintf(what, sizeof(what),
			 "validate: %zu exports + CRCs from the image's __ksymtab", nr);
		if (i == OPEN_RUNS)
			bench_report(what, ms, OPEN_RUNS);
	}
	kbtf_bootimage_release(&bi);
	kbtf_buf_release(&b);
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
	if (nkernels)
		bench_stack(kernels[0]);
	if (getenv("KBTF_BENCH_IMAGE"))
		bench_exports(getenv("KBTF_BENCH_IMAGE"));
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
