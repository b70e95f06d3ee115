/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private to the profile code: the facts of a profile as named fields, so
 * the marker ("key=value" lines) and the store index (tab separated
 * columns) are written and read from one table.
 */
#ifndef KBTF_PROFILE_FIELDS_H
#define KBTF_PROFILE_FIELDS_H

#include <stdbool.h>
#include <stddef.h>

#include "profile.h"

/* Number of fields; field i's key is kbtf_pinfo_key(i). */
size_t kbtf_pinfo_nfields(void);
const char *kbtf_pinfo_key(size_t i);
/* Field @i of @info as text. */
void kbtf_pinfo_get(const struct kbtf_profile_info *info, size_t i, char *buf, size_t len);
/* Set field @i from text; -EINVAL when a number does not parse. */
int kbtf_pinfo_set(struct kbtf_profile_info *info, size_t i, const char *val);
/* Set the field called @key; -ENOENT for a key this version does not know. */
int kbtf_pinfo_set_key(struct kbtf_profile_info *info, const char *key, const char *val);

/*
 * Write kernel @k as a profile into the existing empty directory @dir (the
 * marker last) and fill @info. The store then shares its files, adds the
 * prepared index (profile_index.h) and renames @dir into place.
 */
int kbtf_profile_write(const char *dir, struct kbtf_kernel *k,
		       const struct kbtf_profile_add_opts *opts, struct kbtf_profile_info *info);

/* (Re)write @dir's marker from @info; @replace: atomically over the old one. */
int kbtf_profile_write_marker(const char *dir, const struct kbtf_profile_info *info, bool replace);

/*
 * Store the BTF of the profile being added in @dir as a delta against a
 * stored kernel of the same series (btf_delta.h), when one gives a delta
 * under 40% of the BTF and the BTF rebuilt from it equals the original
 * byte for byte; else leave it raw. Links the reference's btf object as
 * btf.ref. 0 either way; @info is updated when it was done.
 */
int kbtf_store_delta_btf(struct kbtf_store *s, const char *dir, struct kbtf_profile_info *info);

/*
 * A copy of every stored profile's facts (sorted by version; free() it),
 * read under the store lock: unlike kbtf_store_list()'s array, it stays
 * valid while other threads add to the same store.
 */
int kbtf_store_snapshot(struct kbtf_store *s, struct kbtf_profile_info **out, size_t *n);

/* The raw BTF of the delta @file of the profile in @dir (heap). */
int kbtf_profile_btf_from_delta(const char *dir, const struct kbtf_buf *file, struct kbtf_buf *out);

#endif
