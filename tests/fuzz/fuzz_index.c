// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Fuzz the reader of a profile's prepared index (profile_index.c): the
 * open-time checks, and every lookup a validation makes on what passed
 * them (relocation candidates by name, symbols from the symbol table and
 * their lines rebuilt, the whole Module.symvers printed in order, config
 * values, type offsets). Half the inputs get
 * their checksums recomputed first (kbtf_pindex_seal: the open-time one,
 * the type offsets' and the symbol slot blocks'), so the mutations reach
 * the structural checks behind them instead of stopping there; the
 * symbol records' own checksums stay, as the last line of defence.
 *
 * With bit 1 of the first byte set, the input is a delta index and the
 * whole index it is against: a 4-byte little-endian length and that many
 * bytes of the reference, then the delta (kbtf_pindex_from_mem_ref()):
 * every lookup then goes through the reference too. With bit 2 as well,
 * a donor index follows the reference the same way (a length, its bytes):
 * the delta's CRCs are told against it (kbtf_pindex_from_mem_donor()).
 */
#include <stddef.h>
#include <endian.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile_index.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* names of the seeds' types and of their real Module.symvers lines */
static const char *const names[] = {"int",
				    "task",
				    "module",
				    "s0",
				    "_printk",
				    "kfree",
				    "kmalloc_caches",
				    "module_layout",
				    "cpu_cache_invalidate_memregion",
				    "twofish_enc_blk",
				    "",
				    "spinlock",
				    "nosuch",
				    "list_head"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null;
	const struct kbtf_pindex_cand *c;
	struct kbtf_pindex_sym sym;
	struct kbtf_pindex *ix;
	volatile size_t sink = 0;
	uint8_t *copy, *ref = NULL, *donor = NULL;
	size_t ref_size = 0, donor_size = 0;
	uint8_t flags;
	const char *s;
	uint32_t n, i;
	size_t k;
	int err;

	if (size < 1)
		return 0;
	if (!null)
		null = fopen("/dev/null", "w");
	flags = data[0];
	if (flags & 2) {
		uint32_t len;

		if (size < 5)
			return 0;
		memcpy(&len, data + 1, 4);
		if (len > size - 5)
			return 0;
		ref_size = len;
		ref = malloc(ref_size ? ref_size : 1);
		if (!ref)
			return 0;
		memcpy(ref, data + 5, ref_size);
		if (flags & 1)
			kbtf_pindex_seal(ref, ref_size);
		data += 4 + ref_size; /* the delta after the flags byte */
		size -= 4 + ref_size;
	}
	if ((flags & 6) == 6) {
		uint32_t len;

		if (size < 5 || (memcpy(&len, data + 1, 4), len > size - 5)) {
			free(ref);
			return 0;
		}
		donor_size = len;
		donor = malloc(donor_size ? donor_size : 1);
		if (!donor) {
			free(ref);
			return 0;
		}
		memcpy(donor, data + 5, donor_size);
		if (flags & 1)
			kbtf_pindex_seal(donor, donor_size);
		data += 4 + donor_size;
		size -= 4 + donor_size;
	}
	copy = malloc(size - 1 ? size - 1 : 1);
	if (!copy) {
		free(ref);
		free(donor);
		return 0;
	}
	memcpy(copy, data + 1, size - 1);
	if (flags & 1)
		kbtf_pindex_seal(copy, size - 1);
	err = ref ? kbtf_pindex_from_mem_donor(copy, size - 1, ref, ref_size, donor, donor_size,
					       "fuzz/index", &ix)
		  : kbtf_pindex_from_mem(copy, size - 1, "fuzz/index", &ix);
	free(copy);
	free(ref);
	free(donor);
	if (err)
		return 0;
	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		n = kbtf_pindex_cands(ix, names[k], &c);
		for (i = 0; i < n; i++) {
			uint64_t d;

			sink += c[i].id + c[i].info + c[i].size + c[i].name_off + c[i].int_enc;
			/* the layout digest drift asks for by name and id */
			if (kbtf_pindex_digest(ix, names[k], le32toh(c[i].id), &d))
				sink += (size_t)d;
		}
		{
			uint64_t d;

			sink += kbtf_pindex_digest(ix, names[k], 0, &d) +
				kbtf_pindex_digest(ix, names[k], UINT32_MAX, &d);
		}
		if (kbtf_pindex_symbol(ix, names[k], &sym) && null) {
			kbtf_pindex_sym_print(null, &sym);
			sink += sym.crc + strlen(sym.name) + strlen(sym.module) + strlen(sym.type) +
				(sym.ns ? strlen(sym.ns) : 0);
		}
	}
	for (k = 0; k < kbtf_pindex_nr_config_keys; k++)
		if ((s = kbtf_pindex_config(ix, kbtf_pindex_config_keys[k])))
			sink += strlen(s);
	if ((s = kbtf_pindex_release(ix)))
		sink += strlen(s);
	if ((s = kbtf_pindex_arch(ix)))
		sink += strlen(s);
	{
		const uint32_t *offs = kbtf_pindex_type_offs(ix, &n);

		/* a few offsets, as a prepared BTF checks them, then all */
		for (i = 0; offs && i < n; i = 2 * i + 1)
			if (kbtf_pindex_type_offs_ok(ix, i, n - i < 2 ? n - i : 2))
				sink += offs[i];
		if (offs && kbtf_pindex_type_offs_ok(ix, 0, n))
			for (i = 0; i < n; i++)
				sink += offs[i];
		sink += kbtf_pindex_type_offs_ok(ix, n, 1);
	}
	/* the whole Module.symvers, as a profile that keeps it there alone gives it */
	if (null)
		sink += (size_t)kbtf_pindex_print_syms(ix, null);
	sink += kbtf_pindex_digests_intact(ix);
	sink += kbtf_pindex_type_cnt(ix) + kbtf_pindex_module_struct_size(ix) +
		kbtf_pindex_damaged(ix) + kbtf_pindex_nr_syms(ix);
	kbtf_pindex_free(ix);
	(void)sink;
	return 0;
}
