// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Fuzz the BTF model: walk the bytes as a BTF archive, parse arbitrary bytes as a base, then (if
 * that worked) the same bytes' second half as a split on top of it; run the kernel rules and touch
 * every type, string and field the way the distiller and validator do; put the split back onto
 * the base as --redistill does.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "distill_origin.h"
#include "distill_redistill.h"
#include "kbtf/btf.h"
#include "kbtf/check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void touch(struct kbtf_btf *btf)
{
	uint32_t id, n = kbtf_btf_type_cnt(btf), ids[2];
	volatile size_t sink = 0;

	for (id = kbtf_btf_start_id(btf); id < n; id++) {
		const struct btf_type *t = kbtf_btf_type(btf, id);
		struct kbtf_field_iter it;
		const uint32_t *f;
		const char *s = kbtf_btf_str(btf, t->name_off);

		sink += s ? strlen(s) : 0;
		if (kbtf_field_iter_init(&it, t, KBTF_FIELDS_STRS) == 0)
			while ((f = kbtf_field_iter_next(&it)))
				sink += kbtf_btf_str(btf, *f) != NULL;
		if (kbtf_field_iter_init(&it, t, KBTF_FIELDS_IDS) == 0)
			while ((f = kbtf_field_iter_next(&it)))
				sink += kbtf_btf_type(btf, *f) != NULL;
		sink += kbtf_btf_skip_mods_typedefs(btf, id);
		if (s && *s)
			sink += (size_t)kbtf_btf_find_by_name(btf, s, -1, ids, 2);
	}
	kbtf_check_kernel(btf, KBTF_KERNEL_6_12);
	kbtf_check_kernel(btf, KBTF_KERNEL_LAYOUT);
	sink += kbtf_btf_sorted_by_name(btf);
	(void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kbtf_btf *base = NULL, *split = NULL;
	struct kbtf_archive_member m[8];
	size_t half = size / 2;
	int n, i;

	/* archive walk: every member it reports must lie inside the input */
	n = kbtf_btf_archive_members(data, size, m, 8);
	for (i = 0; i < n && i < 8; i++) {
		if (m[i].offset + m[i].size > size)
			__builtin_trap();
		if (n > 1 && kbtf_btf_parse(data + m[i].offset, m[i].size, NULL, &base) == 0)
			kbtf_btf_free(base);
	}
	base = NULL;

	if (kbtf_btf_parse(data, size, NULL, &base) == 0) {
		touch(base);
		kbtf_btf_free(base);
		return 0;
	}
	/* two blobs back to back: base then split */
	if (kbtf_btf_parse(data, half, NULL, &base) == 0) {
		if (kbtf_btf_parse(data + half, size - half,
				   &(struct kbtf_parse_opts){.base = base}, &split) == 0) {
			struct kbtf_buf re = {0};
			uint32_t folded;

			touch(split);
			/* --redistill with the base as its own "full" kernel */
			if (kbtf_redistill_split(base, split, base, "fuzz", &re, &folded) == 0)
				kbtf_buf_release(&re);
			kbtf_btf_free(split);
		}
		touch(base);
		kbtf_btf_free(base);
	}
	return 0;
}
