/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Shared bits of kbtf-bench. Each bench_<area>.c provides its entry point;
 * they are weak here so the bench links while an area is absent.
 */
#ifndef KBTF_BENCH_H
#define KBTF_BENCH_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h" /* kbtf_now_ms() */

/* Sorts @ms and prints median and min. */
void bench_report(const char *what, double *ms, int n);

/* Distill @ko against kernel source @base repeatedly; print figures. */
void bench_distill(const char *ko, const char *base) __attribute__((weak));
/* Validate @nmods modules against @nkernels kernel sources; print per-pair figures. */
void bench_validate(const char **mods, int nmods, const char **kernels, int nkernels)
    __attribute__((weak));

/* Store $KBTF_BENCH_STORE's kernels as raw profiles (--no-delta): store bytes, open from the
 * index, open + judge each module, the big matrix (bench_store.c). */
void bench_store(const char **mods, int nmods) __attribute__((weak));
/* The symbols @nmods modules import (and module_layout): what validate
 * keeps of a kernel's Module.symvers; bench_store.c, for both store benches. */
struct kbtf_symvers;
struct kbtf_vmod;
struct kbtf_symvers *bench_wanted_symbols(struct kbtf_vmod **vm, int nmods);
/* The same kernels stored as deltas, the default: BTF bytes, add time, open + judge. */
void bench_store_delta(const char **mods, int nmods) __attribute__((weak));
void bench_store_kinds(const char *label, char **dirs, int nk);
/* The profile in @dir's Module.symvers, kept in its index, written beside
 * it as a plain file for the full way: false if none was written. */
bool bench_symvers_out(const char *dir, char *path, size_t len);
/* $KBTF_BENCH_MATRIX_MODS module slots x $KBTF_BENCH_COPIES kernels: the
 * @nk profiles @names of the store at @root linked under other names. */
void bench_matrix_big(const char *label, const char *root, char **names, int nk, const char **mods,
		      int nmods);

#endif
