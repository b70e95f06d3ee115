// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Fuzz the relocation simulator and layout drift on raw BTF, in memory:
 * a build-time base, a module's split BTF on it, and a target kernel's
 * BTF. The split is relocated onto the target (the kernel's
 * btf_relocate() as simulated), and drift is computed against the build
 * base for what relocated: member moves, resizes, retypes, vanished and
 * added members, by value and through pointers. Then again with the
 * build side's member lists kept in a cache (filled, then read): the
 * answers must not change.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drift.h"
#include "fuzz_parts.h"
#include "kbtf/btf.h"
#include "relocate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What a drift result says, to compare two of them. */
static uint64_t digest(const struct kbtf_drift_result *r)
{
	uint64_t h = r->nr_types * 31 + r->nr_compared * 7 + r->nr_unknown;
	size_t i, j;

	for (i = 0; i < r->nr_types; i++) {
		h = h * 1000003 + r->types[i].nr_diffs + r->types[i].new_size;
		for (j = 0; j < r->types[i].nr_diffs; j++)
			h = h * 1000003 + r->types[i].diffs[j].changes +
			    r->types[i].diffs[j].new_bit_off + strlen(r->types[i].diffs[j].path);
	}
	return h;
}

/* The same comparison through a cache, twice: both as @want says. */
static void cached(const struct kbtf_drift_input *plain, uint64_t want)
{
	struct kbtf_drift_input in = *plain;
	struct kbtf_drift_result dr;
	int i;

	in.cache = kbtf_drift_cache_new();
	if (!in.cache)
		return;
	for (i = 0; i < 2; i++) {
		if (kbtf_drift_compare(&in, &dr))
			break;
		if (digest(&dr) != want)
			abort(); /* the cache changed an answer */
		kbtf_drift_result_fini(&dr);
	}
	kbtf_drift_cache_free(in.cache);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kbtf_parse_opts po = {.name = "fuzz", .kernel_refs = false};
	struct kbtf_btf *base = NULL, *split = NULL, *target = NULL;
	struct kbtf_reloc_result res;
	struct kbtf_drift_result dr;
	struct fuzz_part part[3];
	char name[128];

	fuzz_split(data, size, part, 3);
	if (kbtf_btf_parse(part[0].data, part[0].size, &po, &base))
		return 0;
	po.base = base;
	if (kbtf_btf_parse(part[1].data, part[1].size, &po, &split))
		goto out;
	po.base = NULL;
	if (kbtf_btf_parse(part[2].data, part[2].size, &po, &target))
		goto out;
	if (kbtf_btf_index_names(base) || kbtf_btf_index_names(target))
		goto out;
	memset(&res, 0, sizeof(res));
	if (!kbtf_relocate_sim_btf(split, target, NULL, &res)) {
		struct kbtf_drift_input in = {
		    .split = split, .reloc = &res, .target = target, .build = base};

		memset(&dr, 0, sizeof(dr));
		if (!kbtf_drift_compare(&in, &dr)) {
			uint64_t want = digest(&dr);

			if (dr.nr_types)
				kbtf_type_name(target, 1, name, sizeof(name));
			kbtf_drift_result_fini(&dr);
			cached(&in, want);
		}
	}
	kbtf_reloc_result_fini(&res);
out:
	kbtf_btf_free(target);
	kbtf_btf_free(split);
	kbtf_btf_free(base);
	return 0;
}
