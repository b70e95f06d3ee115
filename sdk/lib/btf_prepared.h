/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private to libkbtf: a kernel's BTF opened from a stored profile whose
 * prepared index (profile_index.h) gives every type's offset, so that
 * opening walks nothing and a validation touches only the records it
 * reads. The profile's BTF was parsed in full when it was stored; here
 * each record is checked again (its bounds against the next offset, its
 * string offsets, its referenced ids) the first time kbtf_btf_type()
 * returns it. A record that fails reads as VOID and marks the object
 * damaged, which the caller checks after using it.
 */
#ifndef KBTF_BTF_PREPARED_H
#define KBTF_BTF_PREPARED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kbtf/btf.h"

/*
 * @nr types at byte offsets @offs of the type section (host order, must
 * outlive the result, as must @data). -ENOTSUP for what only the full
 * parse handles (foreign byte order, unaligned data, a kind layout).
 */
int kbtf_btf_parse_prepared(const void *data, size_t size, const uint32_t *offs, uint32_t nr,
			    const char *name, struct kbtf_btf **out);

/*
 * The same for a BTF stored as a delta (btf_delta.h) of @nr types: each
 * record is found and sized through the delta and its reference (no type
 * offsets needed), rebuilt when first read, then checked as above; the
 * strings likewise. Takes @src (freed with the result, or on failure).
 */
struct kbtf_btf_delta_src;
int kbtf_btf_parse_prepared_delta(struct kbtf_btf_delta_src *src, uint32_t nr, const char *name,
				  struct kbtf_btf **out);

/*
 * Have @ok(@ctx, first, n) vouch for offsets first .. first + n - 1 of a
 * prepared BTF before a record they place is first believed (the index
 * checks them a block at a time): false reads the record as VOID and
 * marks the object damaged.
 */
void kbtf_btf_prepared_check_offs(struct kbtf_btf *btf,
				  bool (*ok)(const void *ctx, uint32_t first, uint32_t n),
				  const void *ctx);

/* Has a record of a prepared BTF failed its check? */
bool kbtf_btf_damaged(const struct kbtf_btf *btf);

#endif
