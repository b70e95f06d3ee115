/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A composite's layout as layout drift compares it (validator/lib/drift.c):
 * its members flattened through anonymous members, each with its name, bit
 * offset, size in bits and type; the C-like names of types; and a 64-bit
 * digest of all of that down the composites embedded by value, which the
 * kernel index keeps for each named struct and union (profile_index.h) so
 * that drift skips what did not change. One owner of these rules for the
 * index writer, the index check and drift.
 */
#ifndef KBTF_BTF_LAYOUT_H
#define KBTF_BTF_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kbtf/btf.h"

/* Nesting of anonymous members flatten() unfolds; deeper ones are left out. */
#define KBTF_FLAT_MAX_DEPTH 8
/*
 * Members kbtf_flatten() visits for one type before it gives up with
 * -ELOOP. An unnamed member of an anonymous type is unfolded in place, so
 * a damaged BTF whose anonymous union holds itself many times over unfolds
 * into vlen^KBTF_FLAT_MAX_DEPTH members; real kernels' largest types visit
 * a few hundred.
 */
#define KBTF_FLAT_MAX_STEPS (1u << 16)

/* One member of a flattened composite. */
struct kbtf_flat {
	const char *name;
	uint32_t bit_off, bits, type;
	uint32_t at;  /* its place in declaration order */
	uint64_t key; /* the name's first 8 bytes, big-endian: strcmp() order */
};

struct kbtf_flatlist {
	struct kbtf_flat *v;
	size_t n, cap;
	size_t steps; /* members visited, nested ones included */
};

/*
 * The size in bits of type @id (through typedefs, modifiers and arrays;
 * a pointer is 64), remembered per BTF in @memo (NULL: none).
 */
#define KBTF_BITS_MEMO 512
struct kbtf_bits_memo {
	uint32_t id[KBTF_BITS_MEMO]; /* 0: an empty slot */
	uint32_t bits[KBTF_BITS_MEMO];
};
uint32_t kbtf_type_bits(struct kbtf_bits_memo *memo, const struct kbtf_btf *btf, uint32_t id);

/*
 * Append the named members of composite @id (through typedefs and
 * modifiers) to @out in declaration order, anonymous members unfolded in
 * place, offsets from @base. 0, -ENOMEM, or -ELOOP past KBTF_FLAT_MAX_STEPS;
 * not a composite: nothing.
 */
int kbtf_flatten(const struct kbtf_btf *btf, struct kbtf_bits_memo *memo, uint32_t id,
		 uint32_t base, struct kbtf_flatlist *out);

/*
 * What a member of type @id holds by value: through typedefs, modifiers
 * and arrays of arrays; 0 past 32 arrays (an array that is its own
 * element, in a damaged BTF).
 */
uint32_t kbtf_type_element(const struct kbtf_btf *btf, uint32_t id);

/*
 * A C-like name of type @id ("struct list_head *", "char[16]", "u32"),
 * at most @len bytes. Drift compares member types by this text; the
 * reports print it.
 */
void kbtf_type_name(const struct kbtf_btf *btf, uint32_t id, char *buf, size_t len);

/*
 * The layout digests of one BTF's composites, each computed once. Not
 * shared between threads.
 */
struct kbtf_digests;
struct kbtf_digests *kbtf_digests_new(const struct kbtf_btf *btf);
void kbtf_digests_free(struct kbtf_digests *m);
/*
 * The layout digest of composite @id: 0 when it has none (not a
 * composite, a member list past the bounds, a by-value nesting deeper
 * than 64 or a loop, out of memory): such a type is always compared.
 * Equal digests on two BTFs mean drift finds nothing in the type nor in
 * what it embeds by value (btf_layout.c says why).
 */
uint64_t kbtf_layout_digest(struct kbtf_digests *m, uint32_t id);

#endif
