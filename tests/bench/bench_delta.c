// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The delta store bench (issue 18 item 3): the kernels of
 * $KBTF_BENCH_STORE added to a scratch store as kbtf kernels add stores
 * them by default (each BTF a delta against a stored kernel of its series
 * when that is under 40%), in the order given, beside bench_store's raw
 * figures (--no-delta):
 *
 *   - BTF bytes per kernel as stored (btf files, each inode once: the
 *     references' objects counted once), next to the raw BTF's; which
 *     kernels became deltas and how big; add time per kernel;
 *   - open a stored delta kernel and judge each module on it, per pair,
 *     as bench_store does for raw profiles (the same figure to compare),
 *     and the same pair with the BTF rebuilt whole (the full way, its
 *     index moved aside, its Module.symvers written out beside it);
 *   - the big matrix of bench_store on the delta profiles alone.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kbtf/err.h"
#include "kbtf/source.h"
#include "kbtf/validate.h"
#include "profile.h"
#include "prepared.h"
#include "profile_index.h"
#include "symbols.h"
#include "bench.h"

#define RUNS 15
#define MAX_KERNELS 64

/* Bytes of @dir's btf and btf.ref, the inodes in @ino not counted again. */
static uint64_t btf_bytes(const char *dir, ino_t *ino, int *nino)
{
	static const char *const files[] = {KBTF_PROFILE_BTF, KBTF_PROFILE_BTF_REF};
	char path[PATH_MAX];
	struct stat st;
	uint64_t sum = 0;
	size_t f;
	int i;

	for (f = 0; f < 2; f++) {
		if (snprintf(path, sizeof(path), "%s/%s", dir, files[f]) >= (int)sizeof(path) ||
		    stat(path, &st))
			continue;
		for (i = 0; i < *nino && ino[i] != st.st_ino; i++)
			;
		if (i < *nino || *nino >= 2 * MAX_KERNELS)
			continue;
		ino[(*nino)++] = st.st_ino;
		sum += (uint64_t)st.st_size;
	}
	return sum;
}

static void judge(const char *dir, const char *name, struct kbtf_vmod **vm, int nmods,
		  const struct kbtf_symvers *wanted, const char *how)
{
	struct kbtf_vkernel_opts o = {.wanted = wanted};
	struct rusage ru0, ru1;
	double pair[RUNS];
	char what[160];
	int m, i;

	for (m = 0; m < nmods; m++) {
		const char *base;
		int slashes;

		if (!vm[m])
			continue;
		getrusage(RUSAGE_SELF, &ru0);
		for (i = 0; i < RUNS; i++) {
			struct kbtf_vkernel *vk;
			struct kbtf_result r;
			double t0 = kbtf_now_ms();

			if (kbtf_vkernel_open(dir, &o, &vk)) {
				fprintf(stderr, "bench_store_delta: open %s: %s\n", dir,
					kbtf_errstr());
				break;
			}
			if (!kbtf_validate_pair(vm[m], vk, NULL, &r))
				kbtf_result_fini(&r);
			kbtf_vkernel_free(vk);
			pair[i] = kbtf_now_ms() - t0;
		}
		/* the module's directory too: dist/kbtf_demo.ko, plain/... */
		base = vm[m]->path + strlen(vm[m]->path);
		for (slashes = 0; base > vm[m]->path && slashes < 2; base--)
			slashes += base[-1] == '/';
		snprintf(what, sizeof(what), "delta store: open + judge %.24s on %.26s%s",
			 base == vm[m]->path ? base : base + 1, name, how);
		if (i == RUNS)
			bench_report(what, pair, RUNS);
		getrusage(RUSAGE_SELF, &ru1);
		if (i == RUNS)
			printf("%-44s %8.1f minor page faults a pair\n", "",
			       (double)(ru1.ru_minflt - ru0.ru_minflt) / RUNS);
	}
}

void bench_store_delta(const char **mods, int nmods)
{
	const char *list = getenv("KBTF_BENCH_STORE");
	char tmpl[] = "/tmp/kbtf-bench-delta.XXXXXX", *srcs, *tok, *save = NULL;
	char *dirs[MAX_KERNELS], *names[MAX_KERNELS], *dnames[MAX_KERNELS], path[PATH_MAX],
	    aside[PATH_MAX], sv[PATH_MAX];
	bool delta[MAX_KERNELS];
	struct kbtf_vmod *vm[16] = {0};
	struct kbtf_symvers *wanted = NULL;
	struct kbtf_store *s = NULL;
	ino_t ino[2 * MAX_KERNELS];
	uint64_t stored = 0, raw = 0;
	int nk = 0, nd = 0, nino = 0, ndn = 0, m, i;
	bool plain;
	double t0, add_ms = 0;
	char *old = getenv("XDG_CACHE_HOME") ? strdup(getenv("XDG_CACHE_HOME")) : NULL;

	if (!list || !*list || !mkdtemp(tmpl))
		goto out;
	setenv("XDG_CACHE_HOME", tmpl, 1);
	if (kbtf_store_open(NULL, &s) || !(srcs = strdup(list)))
		goto out;
	for (tok = strtok_r(srcs, " ", &save); tok && nk < MAX_KERNELS;
	     tok = strtok_r(NULL, " ", &save)) {
		struct kbtf_profile_add_opts o = {.delta = true};
		struct kbtf_profile_info info;
		struct kbtf_kernel *k;
		char dir[PATH_MAX];

		t0 = kbtf_now_ms();
		if (kbtf_kernel_open(tok, NULL, &k))
			continue;
		if (kbtf_store_add(s, k, &o, &info)) {
			fprintf(stderr, "bench_store_delta: add %s: %s\n", tok, kbtf_errstr());
			kbtf_kernel_free(k);
			continue;
		}
		kbtf_kernel_free(k);
		add_ms += kbtf_now_ms() - t0;
		kbtf_store_profile_dir(s, info.name, dir, sizeof(dir));
		dirs[nk] = strdup(dir);
		names[nk] = strdup(info.name);
		delta[nk] = !strcmp(info.btf_encoding, "delta");
		printf("delta store: %-32s %s %7.0f KB of %.0f KB\n", info.name,
		       delta[nk] ? "delta" : "raw  ", info.btf_stored / 1e3, info.btf_size / 1e3);
		nd += delta[nk];
		raw += info.btf_size;
		stored += btf_bytes(dir, ino, &nino);
		nk++;
	}
	free(srcs);
	if (!nk)
		goto out;
	printf("delta store (the default): %d kernels (%d as deltas) added in %.1f s (%.0f ms per "
	       "kernel); "
	       "BTF %.2f MB per kernel stored, %.2f MB raw\n",
	       nk, nd, add_ms / 1000, add_ms / nk, stored / 1e6 / nk, raw / 1e6 / nk);
	bench_store_kinds("delta store (the default)", dirs, nk);
	for (m = 0; m < nmods && m < 16; m++)
		if (kbtf_vmod_open(mods[m], &vm[m]))
			vm[m] = NULL;
	wanted = bench_wanted_symbols(vm, nmods < 16 ? nmods : 16);
	for (i = 0; i < nk; i++) {
		if (!delta[i])
			continue;
		judge(dirs[i], names[i], vm, nmods < 16 ? nmods : 16, wanted, "");
		/* the full way: the BTF rebuilt whole and parsed, Module.symvers
		 * (kept in the index alone) written beside it for the while */
		plain = bench_symvers_out(dirs[i], sv, sizeof(sv));
		if (snprintf(path, sizeof(path), "%s/%s", dirs[i], KBTF_PROFILE_INDEX) >=
			(int)sizeof(path) ||
		    snprintf(aside, sizeof(aside), "%s.aside", path) >= (int)sizeof(aside) ||
		    rename(path, aside)) {
			if (plain)
				unlink(sv);
			continue;
		}
		judge(dirs[i], names[i], vm, nmods < 16 ? nmods : 16, wanted, ", full");
		if (plain)
			unlink(sv);
		rename(aside, path);
		dnames[ndn++] = names[i];
	}
	/* the big matrix over the delta profiles alone: what a store of a
	 * whole archive holds (all but one kernel per series and flavour) */
	bench_matrix_big("delta store", kbtf_store_root(s), dnames, ndn, mods, nmods);
out:
	kbtf_symvers_free(wanted);
	for (m = 0; m < 16; m++)
		kbtf_vmod_free(vm[m]);
	for (i = 0; i < nk; i++) {
		free(dirs[i]);
		free(names[i]);
	}
	kbtf_store_free(s);
	if (tmpl[strlen(tmpl) - 1] != 'X')
		kbtf_rm_rf(tmpl);
	if (old)
		setenv("XDG_CACHE_HOME", old, 1);
	free(old);
}
