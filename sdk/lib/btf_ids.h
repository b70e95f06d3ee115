/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A module's .BTF_ids section: the u32 slots that BTF_ID(), BTF_ID_LIST,
 * BTF_SET_START and BTF_KFUNCS_START leave for the build to fill with BTF
 * type ids (kbuild's resolve_btfids). Read from the symbol table
 * (__BTF_ID__<kind>__<name>__<n>, __BTF_ID__set__<name>,
 * __BTF_ID__set8__<name>), resolved against any BTF, written back.
 */
#ifndef KBTF_BTF_IDS_H
#define KBTF_BTF_IDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kbtf/btf.h"
#include "kbtf/buf.h"

/* One BTF_ID(kind, name) slot. */
struct kbtf_btf_id_ref {
	char *name;	 /* the type or function name */
	uint32_t kind;	 /* BTF_KIND_STRUCT, _UNION, _TYPEDEF or _FUNC */
	uint32_t offset; /* byte offset of the u32 slot in .BTF_ids */
	bool in_set;	 /* inside a set/set8 (kfunc sets are remapped by the kernel) */
};

/* One BTF_SET_START/BTF_SET8_START (kfunc sets are set8). */
struct kbtf_btf_id_set {
	char *name;
	uint32_t offset; /* of the cnt word */
	uint32_t cnt;	 /* from the symbol size, as resolve_btfids computes it */
	bool set8;
};

struct kbtf_btf_ids {
	struct kbtf_btf_id_ref *refs;
	size_t nr_refs;
	struct kbtf_btf_id_set *sets;
	size_t nr_sets;
	const uint8_t *data; /* the section's bytes inside the image */
	size_t size;
	bool big_endian; /* the ELF's byte order */
};

/*
 * Collect the slots of an ELF image's .BTF_ids. -ENOENT when the image has
 * no .BTF_ids section or no symbols for it.
 */
int kbtf_btf_ids_read(const void *image, size_t size, struct kbtf_btf_ids *out);
void kbtf_btf_ids_release(struct kbtf_btf_ids *ids);

/*
 * Resolve every slot against @btf (with its base) as resolve_btfids does:
 * the lowest id of that kind with that name, base ids included. @ids_out
 * gets one id per ref (0: not found).
 */
int kbtf_btf_ids_resolve(const struct kbtf_btf_ids *ids, const struct kbtf_btf *btf,
			 uint32_t *ids_out);

/*
 * A new .BTF_ids: each ref's slot set to @values[i], each set's count word
 * written and its entries sorted by id (set8: {id, flags} pairs move
 * together). Other bytes are kept.
 */
int kbtf_btf_ids_patch(const struct kbtf_btf_ids *ids, const uint32_t *values,
		       struct kbtf_buf *out);

const char *kbtf_btf_id_kind_str(uint32_t kind);

#endif
