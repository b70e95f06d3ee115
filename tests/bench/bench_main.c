// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * kbtf-bench: figures, never pass/fail. Times the BTF model on a real
 * kernel's BTF (parse + structural validation, kernel rule checks, name
 * index) and, when linked in, the distill and validate benches.
 *
 *   kbtf-bench KERNEL_SOURCE [MODULE.ko...] [-- KERNEL_SOURCE...]
 *
 * Kernels after "--" are extra targets for the validate bench.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kbtf/btf.h"
#include "kbtf/check.h"
#include "kbtf/err.h"
#include "kbtf/source.h"
#include "bench.h"

#define RUNS 31

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

void bench_report(const char *what, double *ms, int n)
{
	qsort(ms, (size_t)n, sizeof(*ms), cmp_double);
	printf("%-44s median %8.3f ms   min %8.3f ms   (%d runs)\n", what, ms[n / 2], ms[0], n);
}

static struct kbtf_btf *parse_or_die(const struct kbtf_buf *raw, const char *name)
{
	struct kbtf_btf *btf;

	if (kbtf_btf_parse(raw->data, raw->size, NULL, &btf)) {
		fprintf(stderr, "kbtf-bench: %s: %s\n", name, kbtf_errstr());
		exit(2);
	}
	return btf;
}

/* Each figure in a loop of its own, as libbpf's are measured. */
static void bench_model(const struct kbtf_buf *raw, const char *name)
{
	double parse[RUNS], index[RUNS], check[RUNS];
	struct kbtf_btf *btf;
	uint32_t ids[1];
	int i;

	for (i = 0; i < RUNS; i++) {
		double t0 = kbtf_now_ms();

		btf = parse_or_die(raw, name);
		parse[i] = kbtf_now_ms() - t0;
		if (i == 0)
			printf("kernel BTF %s: %u types, %u string bytes, %zu bytes\n", name,
			       kbtf_btf_type_cnt(btf) - 1, kbtf_btf_str_len(btf), raw->size);
		kbtf_btf_free(btf);
	}
	for (i = 0; i < RUNS; i++) {
		double t0;

		btf = parse_or_die(raw, name);
		t0 = kbtf_now_ms();
		kbtf_btf_find_by_name(btf, "task_struct", BTF_KIND_STRUCT, ids, 1);
		index[i] = kbtf_now_ms() - t0;
		kbtf_btf_free(btf);
	}
	btf = parse_or_die(raw, name);
	for (i = 0; i < RUNS; i++) {
		double t0 = kbtf_now_ms();

		kbtf_check_kernel(btf, KBTF_KERNEL_6_12);
		check[i] = kbtf_now_ms() - t0;
	}
	kbtf_btf_free(btf);
	bench_report("parse + structural validation", parse, RUNS);
	bench_report("name index build (first lookup)", index, RUNS);
	bench_report("kernel parse-time rules (check_kernel)", check, RUNS);
}

int main(int argc, char **argv)
{
	struct kbtf_kernel *k;
	int i, dash = argc;

	if (argc < 2) {
		fprintf(stderr, "usage: kbtf-bench KERNEL_SOURCE [MODULE.ko...] [-- KERNEL...]\n");
		return 2;
	}
	for (i = 2; i < argc; i++)
		if (!strcmp(argv[i], "--"))
			dash = i;
	if (kbtf_kernel_open(argv[1], NULL, &k)) {
		fprintf(stderr, "kbtf-bench: %s: %s\n", argv[1], kbtf_errstr());
		return 2;
	}
	bench_model(&k->btf_raw, argv[1]);
	if (bench_distill && dash > 2)
		for (i = 2; i < dash; i++)
			bench_distill(argv[i], argv[1]);
	if (bench_validate && dash > 2)
		bench_validate((const char **)argv + 2, dash - 2,
			       (const char **)argv + (dash < argc ? dash + 1 : 1),
			       dash < argc ? argc - dash - 1 : 1);
	if (bench_store && dash > 2)
		bench_store((const char **)argv + 2, dash - 2);
	if (bench_store_delta && dash > 2)
		bench_store_delta((const char **)argv + 2, dash - 2);
	kbtf_kernel_free(k);
	return 0;
}
