// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Fuzz kbtf kernels check's judge (profile_check.c): a kernel's BTF and
 * an index held against it. The input is a flags byte, the BTF, then
 * (after FUZZ_SEP) the index; with bit 1 of the flags the index's
 * checksums are recomputed first (kbtf_pindex_seal()), so mutations reach
 * the comparisons behind them. Whatever the bytes, the judge gives an
 * answer without a crash; and where the index is byte for byte the one
 * kbtf builds for that BTF, the answer must be "whole" (else abort: the
 * check would call a good profile damaged).
 *
 * The seeds are written by this binary: KBTF_FUZZ_CHECK_SEEDS=DIR
 * build/fuzz/fuzz_check BTF... writes, for each BTF file that opens as a
 * kernel, that BTF with the index built for it, and exits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_parts.h"
#include "kbtf/err.h"
#include "kbtf/source.h"
#include "profile.h"
#include "profile_index.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static void write_seeds(const char *dir, int argc, char **argv)
{
	int i, n = 0;

	for (i = 1; i < argc; i++) {
		struct kbtf_kernel *k;
		struct kbtf_buf btf, ix;
		char path[4096];
		FILE *f;

		if (argv[i][0] == '-' || kbtf_buf_from_file(argv[i], &btf))
			continue;
		if (kbtf_kernel_open_buf(btf.data, btf.size, argv[i], &k)) {
			kbtf_buf_release(&btf);
			continue;
		}
		if (!kbtf_pindex_build(k, NULL, NULL, &ix)) {
			snprintf(path, sizeof(path), "%s/seed-%d", dir, n++);
			f = fopen(path, "w");
			if (f) {
				fputc(0, f);
				fwrite(btf.data, 1, btf.size, f);
				fwrite(FUZZ_SEP, 1, FUZZ_SEP_LEN, f);
				fwrite(ix.data, 1, ix.size, f);
				fclose(f);
			}
			kbtf_buf_release(&ix);
		}
		kbtf_kernel_free(k);
		kbtf_buf_release(&btf);
	}
	fprintf(stderr, "fuzz_check: %d seeds written to %s\n", n, dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *seeds = getenv("KBTF_FUZZ_CHECK_SEEDS");

	if (seeds) {
		write_seeds(seeds, *argc, *argv);
		exit(0);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kbtf_profile_check out = {0};
	struct fuzz_part part[2];
	struct kbtf_pindex *ix;
	struct kbtf_kernel *k;
	struct kbtf_buf built;
	uint8_t *index;
	bool same;
	int err;

	if (size < 1)
		return 0;
	fuzz_split(data + 1, size - 1, part, 2);
	if (!part[0].size || !part[1].size)
		return 0;
	/* the kernel keeps pointing into its bytes: they outlive it here */
	if (kbtf_kernel_open_buf(part[0].data, part[0].size, "fuzz", &k)) {
		kbtf_err_clear();
		return 0;
	}
	index = malloc(part[1].size);
	if (!index)
		abort();
	memcpy(index, part[1].data, part[1].size);
	if (data[0] & 1)
		kbtf_pindex_seal(index, part[1].size);
	if (kbtf_pindex_from_mem(index, part[1].size, "fuzz/index", &ix)) {
		kbtf_err_clear();
		goto out;
	}
	err = kbtf_pindex_build(k, NULL, NULL, &built);
	same = !err && built.size == part[1].size && !memcmp(built.data, index, built.size);
	if (!err)
		kbtf_buf_release(&built);
	err = kbtf_profile_check_index("fuzz", ix, k, &out);
	if (same && err) {
		fprintf(stderr, "fuzz_check: the index kbtf builds called damaged: %s\n",
			kbtf_errstr());
		abort();
	}
	/* an index called whole has every block of layout digests whole */
	if (!err && !kbtf_pindex_digests_intact(ix)) {
		fprintf(stderr, "fuzz_check: a damaged block of layout digests passed\n");
		abort();
	}
	kbtf_err_clear();
	kbtf_pindex_free(ix);
out:
	free(index);
	kbtf_kernel_free(k);
	return 0;
}
