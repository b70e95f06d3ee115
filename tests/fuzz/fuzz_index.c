// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Fuzz the reader of a profile's prepared index (profile_index.c): the
 * open-time checks, and every lookup a validation makes on what passed
 * them (relocation candidates by name, Module.symvers lines, config
 * values, type offsets). Half the inputs get their checksums recomputed
 * first (kbtf_pindex_seal), so the mutations reach the structural checks
 * behind the checksum instead of stopping at it. The symbol lines point
 * into a fixed Module.symvers text, the one the seeds were built with.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "profile_index.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The Module.symvers the seeds were built with: the index points into it. */
static const char symvers[] = "0x12345678\tprintk\tvmlinux\tEXPORT_SYMBOL\t\n"
			      "0x9abcdef0\tkmalloc_caches\tvmlinux\tEXPORT_SYMBOL_GPL\t\n"
			      "0x00000001\tdup\tvmlinux\tEXPORT_SYMBOL\t\n"
			      "0x00000002\tdup\tdrivers/x\tEXPORT_SYMBOL\tNS\n";

static const char *const names[] = {"int",	"task",	  "module",	    "s0",
				    "printk",	"dup",	  "kmalloc_caches", "",
				    "spinlock", "nosuch", "list_head"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct kbtf_pindex_cand *c;
	struct kbtf_pindex *ix;
	volatile size_t sink = 0;
	uint8_t *copy;
	const char *s;
	uint32_t n, i, j;
	size_t len, k;

	if (size < 1)
		return 0;
	copy = malloc(size - 1 ? size - 1 : 1);
	if (!copy)
		return 0;
	memcpy(copy, data + 1, size - 1);
	if (data[0] & 1)
		kbtf_pindex_seal(copy, size - 1);
	if (kbtf_pindex_from_mem(copy, size - 1, symvers, sizeof(symvers) - 1, "fuzz/index", &ix)) {
		free(copy);
		return 0;
	}
	free(copy);
	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		n = kbtf_pindex_cands(ix, names[k], &c);
		for (i = 0; i < n; i++)
			sink += c[i].id + c[i].info + c[i].size + c[i].name_off + c[i].int_enc;
		s = kbtf_pindex_symvers_line(ix, names[k], &len);
		for (j = 0; s && j < len; j++)
			sink += (uint8_t)s[j];
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

		for (i = 0; offs && i < n; i++)
			sink += offs[i];
	}
	sink += kbtf_pindex_type_cnt(ix) + kbtf_pindex_module_struct_size(ix) +
		kbtf_pindex_damaged(ix) + kbtf_pindex_nr_syms(ix);
	kbtf_pindex_free(ix);
	(void)sink;
	return 0;
}
