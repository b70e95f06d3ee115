// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Fuzz the profile store and its index: the input is an index file, a
 * profile's marker and a kernel-set expression. They are written into a
 * scratch store (one per process, reset for each input) and read as kbtf
 * kernels list and --kernels SET read them: the store opened, the index
 * read (or rebuilt from the markers when it does not match the
 * directories), listed, looked up, and the set resolved.
 */
#include <ftw.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_parts.h"
#include "profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static char root[256];

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return ftw->level ? remove(path) : 0;
}

static void reset(void)
{
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void at_exit(void)
{
	reset();
	rmdir(root);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* in memory when there is a tmpfs: the store fsyncs what it writes */
	const char *t = access("/dev/shm", W_OK) ? getenv("TMPDIR") : "/dev/shm";

	snprintf(root, sizeof(root), "%s/kbtf-fuzz-store-XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(root))
		abort();
	atexit(at_exit);
	return 0;
}

static void put(const char *path, const struct fuzz_part *p)
{
	FILE *f = fopen(path, "w");

	if (!f)
		abort();
	if (p->size)
		fwrite(p->data, 1, p->size, f);
	fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct kbtf_profile_info *const *list;
	const struct kbtf_profile_info **set;
	struct fuzz_part part[3];
	struct kbtf_store *s;
	char path[512], expr[256];
	size_t n, len;

	fuzz_split(data, size, part, 3);
	snprintf(path, sizeof(path), "%s/.index", root);
	put(path, &part[0]);
	snprintf(path, sizeof(path), "%s/k1", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/k1/%s", root, KBTF_PROFILE_MARKER);
	put(path, &part[1]);
	len = part[2].size < sizeof(expr) - 1 ? part[2].size : sizeof(expr) - 1;
	memcpy(expr, part[2].data, len);
	expr[len] = '\0';
	if (!kbtf_store_open(root, &s)) {
		if (!kbtf_store_list(s, &list, &n) && n)
			kbtf_store_find(s, list[0]->name);
		if (expr[0] && !strchr(expr, '@') && !kbtf_store_resolve(s, expr, &set, &n))
			free(set);
		kbtf_store_free(s);
	}
	reset();
	return 0;
}
