// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The store bench (issue 18): kernels stored as profiles with their
 * prepared index, in a scratch store.
 *
 *   - store bytes per kernel: every kernel of $KBTF_BENCH_STORE added, the
 *     store's files counted once per inode (what the disk holds), by kind
 *     (btf, index, Module.symvers, config, the rest), then the same
 *     kernels added again under other names;
 *   - open a stored kernel: from its index, and the same profile read the
 *     full way (its index moved aside), per kernel;
 *   - open a stored kernel and judge one module on it, per pair: the
 *     figure to hold against libbpf parsing the kernel and relocating the
 *     module (btfo bench-relocate, printed by run.sh in the same run), and
 *     the minor page faults a pair takes (getrusage);
 *   - the matrix: $KBTF_BENCH_MATRIX_MODS module slots (the modules given,
 *     repeated) x $KBTF_BENCH_COPIES stored kernels (the stored ones again
 *     under other names, their files hard-linked as the store does for a
 *     re-added kernel), kbtf_matrix_run() with 2 threads in a child
 *     process: wall time and that process's peak memory (getrusage).
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kbtf/err.h"
#include "kbtf/matrix.h"
#include "kbtf/source.h"
#include "kbtf/validate.h"
#include "profile.h"
#include "prepared.h"
#include "profile_index.h"
#include "symbols.h"
#include "bench.h"

#define RUNS 15
#define MAX_KERNELS 64

/* Bytes under @dir, each inode once (hard links are the store's dedup). */
struct seen {
	ino_t *ino;
	size_t nr, cap;
};

static bool seen_add(struct seen *s, ino_t ino)
{
	size_t i;

	for (i = 0; i < s->nr; i++)
		if (s->ino[i] == ino)
			return false;
	if (s->nr == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 256;
		ino_t *n = realloc(s->ino, cap * sizeof(*n));

		if (!n)
			return false;
		s->ino = n;
		s->cap = cap;
	}
	s->ino[s->nr++] = ino;
	return true;
}

static uint64_t tree_bytes(const char *dir, struct seen *s)
{
	char path[PATH_MAX];
	struct dirent *de;
	struct stat st;
	uint64_t sum = 0;
	DIR *d = opendir(dir);

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= (int)sizeof(path) ||
		    lstat(path, &st))
			continue;
		if (S_ISDIR(st.st_mode))
			sum += tree_bytes(path, s);
		else if (S_ISREG(st.st_mode) && seen_add(s, st.st_ino))
			sum += (uint64_t)st.st_size;
	}
	closedir(d);
	return sum;
}

static uint64_t store_bytes(const char *root)
{
	struct seen s = {0};
	uint64_t n = tree_bytes(root, &s);

	free(s.ino);
	return n;
}

/*
 * The profiles' files by kind, each inode once: where a stored kernel's
 * bytes go (a delta's btf.ref, index.ref, index.crcref and config.ref
 * count as btf, index and config).
 */
void bench_store_kinds(const char *label, char **dirs, int nk)
{
	static const char *const kinds[] = {KBTF_PROFILE_BTF, KBTF_PROFILE_INDEX,
					    KBTF_PROFILE_SYMVERS, KBTF_PROFILE_CONFIG};
	uint64_t bytes[5] = {0};
	struct seen s = {0};
	char path[PATH_MAX];
	struct dirent *de;
	struct stat st;
	int k, i;
	DIR *d;

	for (k = 0; k < nk; k++) {
		if (!(d = opendir(dirs[k])))
			continue;
		while ((de = readdir(d))) {
			if (de->d_name[0] == '.' ||
			    snprintf(path, sizeof(path), "%s/%s", dirs[k], de->d_name) >=
				(int)sizeof(path) ||
			    lstat(path, &st) || !S_ISREG(st.st_mode) || !seen_add(&s, st.st_ino))
				continue;
			for (i = 0; i < 4 && strcmp(de->d_name, kinds[i]); i++)
				if (!strncmp(de->d_name, kinds[i], strlen(kinds[i])) &&
				    (!strcmp(de->d_name + strlen(kinds[i]), ".ref") ||
				     !strcmp(de->d_name + strlen(kinds[i]), ".crcref")))
					break;
			bytes[i] += (uint64_t)st.st_size;
		}
		closedir(d);
	}
	free(s.ino);
	/* Module.symvers is kept in the index when it rebuilds the file: 0 then */
	printf("%s: per kernel by kind: btf %.2f MB, index %.2f MB, Module.symvers file %.2f MB "
	       "(none where the index holds it), "
	       "config %.3f MB, the rest %.3f MB; %.2f MB in all\n",
	       label, bytes[0] / 1e6 / nk, bytes[1] / 1e6 / nk, bytes[2] / 1e6 / nk,
	       bytes[3] / 1e6 / nk, bytes[4] / 1e6 / nk,
	       (bytes[0] + bytes[1] + bytes[2] + bytes[3] + bytes[4]) / 1e6 / nk);
}

/* Copy profile @src to @dst by hard links: a kernel re-added under a name. */
static int link_profile(const char *src, const char *dst)
{
	char a[PATH_MAX], b[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int err = 0;

	if (mkdir(dst, 0755) && errno != EEXIST)
		return -errno;
	d = opendir(src);
	if (!d)
		return -errno;
	while (!err && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (snprintf(a, sizeof(a), "%s/%s", src, de->d_name) >= (int)sizeof(a) ||
		    snprintf(b, sizeof(b), "%s/%s", dst, de->d_name) >= (int)sizeof(b))
			err = -ENAMETOOLONG;
		else if (link(a, b) && errno != EEXIST)
			err = -errno;
	}
	closedir(d);
	return err;
}

/* The symbols the modules import: what validate keeps of Module.symvers. */
struct kbtf_symvers *bench_wanted_symbols(struct kbtf_vmod **vm, int nmods)
{
	struct kbtf_symvers *w;
	int m;
	size_t i;

	if (kbtf_symvers_new(&w))
		return NULL;
	kbtf_symvers_add(w, "module_layout", 0, "", "", "");
	for (m = 0; m < nmods; m++)
		for (i = 0; vm[m] && i < vm[m]->syms.nr_undef; i++)
			kbtf_symvers_add(w, vm[m]->syms.undef[i].name, 0, "", "", "");
	return w;
}

/* The profile's Module.symvers from its index, written to @dir as a file: false if none. */
bool bench_symvers_out(const char *dir, char *path, size_t len)
{
	FILE *f;
	int err;

	if (snprintf(path, len, "%s/%s", dir, KBTF_PROFILE_SYMVERS) >= (int)len ||
	    !access(path, F_OK) || !(f = fopen(path, "wx")))
		return false;
	err = kbtf_pindex_print_symvers(dir, f);
	if (fclose(f) || err) {
		unlink(path);
		return false;
	}
	return true;
}

static void bench_open_judge(char **dirs, char **names, int nk, struct kbtf_vmod **vm, int nmods,
			     const struct kbtf_symvers *wanted)
{
	struct kbtf_vkernel_opts o = {.wanted = wanted};
	double open_ix[RUNS], open_full[RUNS], pair[RUNS];
	struct rusage ru0, ru1;
	char what[128], path[PATH_MAX], aside[PATH_MAX], sv[PATH_MAX];
	int k, m, i, slashes;
	bool plain;

	for (k = 0; k < nk; k++) {
		for (i = 0; i < RUNS; i++) {
			struct kbtf_vkernel *vk;
			double t0 = kbtf_now_ms();

			if (kbtf_vkernel_open(dirs[k], &o, &vk)) {
				fprintf(stderr, "bench_store: %s: %s\n", dirs[k], kbtf_errstr());
				return;
			}
			open_ix[i] = kbtf_now_ms() - t0;
			kbtf_vkernel_free(vk);
		}
		/* the full way reads Module.symvers text, which the profile keeps
		 * in its index alone: written beside it, plain, for the while */
		plain = bench_symvers_out(dirs[k], sv, sizeof(sv));
		if (snprintf(path, sizeof(path), "%s/%s", dirs[k], KBTF_PROFILE_INDEX) >=
			(int)sizeof(path) ||
		    snprintf(aside, sizeof(aside), "%s.aside", path) >= (int)sizeof(aside) ||
		    rename(path, aside)) {
			if (plain)
				unlink(sv);
			continue;
		}
		for (i = 0; i < 5; i++) {
			struct kbtf_vkernel *vk;
			double t0 = kbtf_now_ms();

			if (kbtf_vkernel_open(dirs[k], &o, &vk))
				break;
			open_full[i] = kbtf_now_ms() - t0;
			kbtf_vkernel_free(vk);
		}
		if (plain)
			unlink(sv);
		rename(aside, path);
		snprintf(what, sizeof(what), "store: open %.26s, index", names[k]);
		bench_report(what, open_ix, RUNS);
		snprintf(what, sizeof(what), "store: open %.26s, full parse", names[k]);
		if (i == 5)
			bench_report(what, open_full, 5);
		for (m = 0; m < nmods; m++) {
			const char *mp, *base;

			if (!vm[m])
				continue;
			mp = vm[m]->path;
			getrusage(RUSAGE_SELF, &ru0);
			for (i = 0; i < RUNS; i++) {
				struct kbtf_vkernel *vk;
				struct kbtf_result r;
				double t0 = kbtf_now_ms();

				if (kbtf_vkernel_open(dirs[k], &o, &vk))
					break;
				if (!kbtf_validate_pair(vm[m], vk, NULL, &r))
					kbtf_result_fini(&r);
				kbtf_vkernel_free(vk);
				pair[i] = kbtf_now_ms() - t0;
			}
			/* the module's directory too: dist/kbtf_demo.ko, plain/... */
			base = mp + strlen(mp);
			for (slashes = 0; base > mp && slashes < 2; base--)
				slashes += base[-1] == '/';
			snprintf(what, sizeof(what), "store: open + judge %.24s on %.26s",
				 base == mp ? mp : base + 1, names[k]);
			if (i == RUNS)
				bench_report(what, pair, RUNS);
			/* page faults: on a VM each costs about a microsecond */
			getrusage(RUSAGE_SELF, &ru1);
			if (i == RUNS)
				printf("%-44s %8.1f minor page faults a pair\n", "",
				       (double)(ru1.ru_minflt - ru0.ru_minflt) / RUNS);
		}
	}
}

void bench_matrix_big(const char *label, const char *root, char **names, int nk, const char **mods,
		      int nmods)
{
	int copies = getenv("KBTF_BENCH_COPIES") ? atoi(getenv("KBTF_BENCH_COPIES")) : 1000;
	int slots = getenv("KBTF_BENCH_MATRIX_MODS") ? atoi(getenv("KBTF_BENCH_MATRIX_MODS")) : 100;
	struct kbtf_matrix_opts o = {.jobs = 2};
	const char **kl = calloc((size_t)copies + 1, sizeof(*kl));
	const char **ml = calloc((size_t)slots + 1, sizeof(*ml));
	char src[PATH_MAX], dst[PATH_MAX];
	struct kbtf_matrix mx;
	struct rusage ru;
	double t0, ms, before;
	pid_t pid;
	int i;

	if (!kl || !ml || copies <= 0 || slots <= 0 || !nk || !nmods)
		goto out;
	for (i = 0; i < copies; i++) {
		snprintf(src, sizeof(src), "%s/%s", root, names[i % nk]);
		snprintf(dst, sizeof(dst), "%s/copy%04d-%s", root, i, names[i % nk]);
		if (link_profile(src, dst)) {
			fprintf(stderr, "bench_store: %s: %s\n", dst, strerror(errno));
			goto out;
		}
		kl[i] = strdup(dst);
	}
	for (i = 0; i < slots; i++)
		ml[i] = mods[i % nmods];
	printf("%s: %d stored kernels (%d real ones under other names): %.1f MB on disk\n", label,
	       copies, nk, store_bytes(root) / 1e6);
	/* in a child of its own, so that its peak memory is this matrix's
	 * and not the bench's highest so far */
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		goto out;
	if (pid) {
		waitpid(pid, NULL, 0);
		goto out;
	}
	getrusage(RUSAGE_SELF, &ru);
	before = ru.ru_maxrss / 1024.0;
	t0 = kbtf_now_ms();
	if (kbtf_matrix_run(ml, (size_t)slots, kl, (size_t)copies, &o, &mx)) {
		fprintf(stderr, "bench_store: matrix: %s\n", kbtf_errstr());
		_exit(1);
	}
	ms = kbtf_now_ms() - t0;
	getrusage(RUSAGE_SELF, &ru);
	printf("%s: matrix %d modules x %d stored kernels, -j2: %.1f s wall, %.3f ms per pair, "
	       "peak RSS %.0f MB (%.0f MB of it before the run; opening %.1f s, judging %.1f s, "
	       "summed over threads)\n",
	       label, slots, copies, ms / 1000, ms / ((double)slots * copies),
	       ru.ru_maxrss / 1024.0, before, mx.open_ms / 1000, mx.judge_ms / 1000);
	fflush(stdout);
	_exit(0);
out:
	for (i = 0; kl && i < copies; i++)
		free((char *)kl[i]);
	free(kl);
	free(ml);
}

void bench_store(const char **mods, int nmods)
{
	const char *list = getenv("KBTF_BENCH_STORE");
	char tmpl[] = "/tmp/kbtf-bench-store.XXXXXX", *srcs, *tok, *save = NULL;
	char *dirs[MAX_KERNELS], *names[MAX_KERNELS];
	struct kbtf_vmod *vm[16] = {0};
	struct kbtf_symvers *wanted = NULL;
	struct kbtf_store *s = NULL;
	uint64_t bytes, raw = 0;
	int nk = 0, m, i;
	double t0, add_ms = 0;

	if (!list || !*list || !mkdtemp(tmpl))
		return;
	setenv("XDG_CACHE_HOME", tmpl, 1);
	if (kbtf_store_open(NULL, &s) || !(srcs = strdup(list)))
		goto out;
	for (tok = strtok_r(srcs, " ", &save); tok && nk < MAX_KERNELS;
	     tok = strtok_r(NULL, " ", &save)) {
		struct kbtf_profile_info info;
		struct kbtf_kernel *k;
		char dir[PATH_MAX];

		t0 = kbtf_now_ms();
		if (kbtf_kernel_open(tok, NULL, &k)) {
			fprintf(stderr, "bench_store: %s: %s\n", tok, kbtf_errstr());
			continue;
		}
		if (kbtf_store_add(s, k, NULL, &info)) {
			fprintf(stderr, "bench_store: add %s: %s\n", tok, kbtf_errstr());
			kbtf_kernel_free(k);
			continue;
		}
		kbtf_kernel_free(k);
		add_ms += kbtf_now_ms() - t0;
		kbtf_store_profile_dir(s, info.name, dir, sizeof(dir));
		dirs[nk] = strdup(dir);
		names[nk++] = strdup(info.name);
		raw += info.btf_size;
	}
	free(srcs);
	if (!nk)
		goto out;
	bytes = store_bytes(kbtf_store_root(s));
	/* the library stores raw unless asked; kbtf kernels add stores deltas by default */
	printf("store, raw (--no-delta): %d kernels added in %.1f s; %.1f MB on disk, "
	       "%.2f MB per kernel (raw BTF alone %.2f MB per kernel)\n",
	       nk, add_ms / 1000, bytes / 1e6, bytes / 1e6 / nk, raw / 1e6 / nk);
	bench_store_kinds("store, raw (--no-delta)", dirs, nk);
	for (i = 0; i < nk; i++) {
		struct kbtf_kernel *k;
		struct kbtf_profile_add_opts o = {0};
		char name[300];

		snprintf(name, sizeof(name), "again-%s", names[i]);
		o.name = name;
		if (!kbtf_kernel_open(dirs[i], NULL, &k)) {
			kbtf_store_add(s, k, &o, NULL);
			kbtf_kernel_free(k);
		}
	}
	printf("store: the same %d kernels added again under other names: %.1f MB on disk\n", nk,
	       store_bytes(kbtf_store_root(s)) / 1e6);
	for (i = 0; i < nk; i++) {
		char name[300];

		snprintf(name, sizeof(name), "again-%s", names[i]);
		kbtf_store_remove(s, name);
	}
	printf("store: and removed again: %.1f MB on disk\n",
	       store_bytes(kbtf_store_root(s)) / 1e6);

	for (m = 0; m < nmods && m < 16; m++)
		if (kbtf_vmod_open(mods[m], &vm[m]))
			fprintf(stderr, "bench_store: %s: %s\n", mods[m], kbtf_errstr());
	wanted = bench_wanted_symbols(vm, nmods < 16 ? nmods : 16);
	bench_open_judge(dirs, names, nk, vm, nmods < 16 ? nmods : 16, wanted);
	bench_matrix_big("store", kbtf_store_root(s), names, nk, mods, nmods);
out:
	kbtf_symvers_free(wanted);
	for (m = 0; m < 16; m++)
		kbtf_vmod_free(vm[m]);
	for (i = 0; i < nk; i++) {
		free(dirs[i]);
		free(names[i]);
	}
	kbtf_store_free(s);
	kbtf_rm_rf(tmpl);
}
