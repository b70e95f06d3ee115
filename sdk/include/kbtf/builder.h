/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Building BTF: append types of every kind, deduplicate strings, and write
 * a raw blob in either byte order. Used by the distiller to emit .BTF and
 * .BTF.base, and by tests to make synthetic kernels and modules.
 *
 * A builder on top of a base numbers its types from the base's type_cnt
 * and its strings from the base's string length, exactly like split BTF.
 * Every add function returns the new type id (> 0) or a negative errno.
 * Member/param/value/secinfo adders append to the last type added.
 */
#ifndef KBTF_BUILDER_H
#define KBTF_BUILDER_H

#include <stdbool.h>
#include <stdint.h>

#include "kbtf/api.h"
#include "kbtf/btf.h"
#include "kbtf/buf.h"

struct kbtf_builder;

/* @base may be NULL (a base BTF: string table starts with "\0"). */
KBTF_API struct kbtf_builder *kbtf_builder_new(const struct kbtf_btf *base);
KBTF_API void kbtf_builder_free(struct kbtf_builder *b);

/*
 * Logical offset of @s in this builder's strings, adding it if new.
 * "" and NULL give 0. Never searches the base's strings.
 */
KBTF_API int kbtf_builder_add_str(struct kbtf_builder *b, const char *s);
/* Logical offset of @s if already present, else -ENOENT. */
KBTF_API int kbtf_builder_find_str(const struct kbtf_builder *b, const char *s);

KBTF_API int kbtf_builder_add_int(struct kbtf_builder *b, const char *name, uint32_t size,
				  uint32_t encoding, uint32_t bit_offset, uint32_t nr_bits);
KBTF_API int kbtf_builder_add_float(struct kbtf_builder *b, const char *name, uint32_t size);
KBTF_API int kbtf_builder_add_ptr(struct kbtf_builder *b, uint32_t type);
KBTF_API int kbtf_builder_add_array(struct kbtf_builder *b, uint32_t elem, uint32_t index,
				    uint32_t nelems);
KBTF_API int kbtf_builder_add_struct(struct kbtf_builder *b, const char *name, uint32_t size);
KBTF_API int kbtf_builder_add_union(struct kbtf_builder *b, const char *name, uint32_t size);
/*
 * Member of the last struct/union. A nonzero @bitfield_size switches the
 * composite to the kflag encoding (all members re-encoded accordingly).
 */
KBTF_API int kbtf_builder_add_member(struct kbtf_builder *b, const char *name, uint32_t type,
				     uint32_t bit_offset, uint32_t bitfield_size);
KBTF_API int kbtf_builder_add_enum(struct kbtf_builder *b, const char *name, uint32_t size,
				   bool is_signed);
KBTF_API int kbtf_builder_add_enum_value(struct kbtf_builder *b, const char *name, int64_t value);
KBTF_API int kbtf_builder_add_enum64(struct kbtf_builder *b, const char *name, uint32_t size,
				     bool is_signed);
KBTF_API int kbtf_builder_add_enum64_value(struct kbtf_builder *b, const char *name,
					   uint64_t value);
KBTF_API int kbtf_builder_add_fwd(struct kbtf_builder *b, const char *name, bool is_union);
KBTF_API int kbtf_builder_add_typedef(struct kbtf_builder *b, const char *name, uint32_t type);
KBTF_API int kbtf_builder_add_volatile(struct kbtf_builder *b, uint32_t type);
KBTF_API int kbtf_builder_add_const(struct kbtf_builder *b, uint32_t type);
KBTF_API int kbtf_builder_add_restrict(struct kbtf_builder *b, uint32_t type);
KBTF_API int kbtf_builder_add_type_tag(struct kbtf_builder *b, const char *tag, uint32_t type);
KBTF_API int kbtf_builder_add_func(struct kbtf_builder *b, const char *name, uint32_t linkage,
				   uint32_t proto);
KBTF_API int kbtf_builder_add_func_proto(struct kbtf_builder *b, uint32_t ret);
KBTF_API int kbtf_builder_add_param(struct kbtf_builder *b, const char *name, uint32_t type);
KBTF_API int kbtf_builder_add_var(struct kbtf_builder *b, const char *name, uint32_t type,
				  uint32_t linkage);
KBTF_API int kbtf_builder_add_datasec(struct kbtf_builder *b, const char *name, uint32_t size);
KBTF_API int kbtf_builder_add_secinfo(struct kbtf_builder *b, uint32_t type, uint32_t offset,
				      uint32_t size);
KBTF_API int kbtf_builder_add_decl_tag(struct kbtf_builder *b, const char *tag, uint32_t type,
				       int32_t component_idx);

/*
 * Append a raw record (head + tail + items, host order) as is: no checks,
 * no string or id translation. For tests that need malformed input and for
 * kinds this library does not know.
 */
KBTF_API int kbtf_builder_add_raw(struct kbtf_builder *b, const void *rec, size_t len);

/*
 * Copy type @id of @src, translating every id field with @map_id and every
 * string field by re-adding the string (through @map_str when given, which
 * returns the logical offset to store, or negative errno).
 */
typedef uint32_t (*kbtf_map_id_fn)(uint32_t id, void *ctx);
typedef int (*kbtf_map_str_fn)(const char *s, void *ctx);
KBTF_API int kbtf_builder_copy_type(struct kbtf_builder *b, const struct kbtf_btf *src, uint32_t id,
				    kbtf_map_id_fn map_id, kbtf_map_str_fn map_str, void *ctx);

/* Number of types added so far; the next id is start_id + count. */
KBTF_API uint32_t kbtf_builder_type_cnt(const struct kbtf_builder *b);
KBTF_API uint32_t kbtf_builder_start_id(const struct kbtf_builder *b);
KBTF_API uint32_t kbtf_builder_str_len(const struct kbtf_builder *b);

struct kbtf_write_opts {
	enum kbtf_endian endian;
	/* Emit the 32-byte header with a kind-layout section (kernels
	 * without commit 222edc843c15 reject it: its layout fields are not
	 * zero; default is the 24-byte header). */
	bool kind_layout;
	/*
	 * With kind_layout: how to size kinds after the last one this
	 * library knows (KBTF_KIND_MAX_KNOWN + 1 onwards), for BTF from a
	 * newer encoder whose records were added with kbtf_builder_add_raw.
	 */
	const struct kbtf_kind_layout *extra_kinds;
	uint32_t nr_extra_kinds;
};

/* Serialise into a new heap buffer. @opts may be NULL (host order, 24 bytes). */
KBTF_API int kbtf_builder_write(const struct kbtf_builder *b, const struct kbtf_write_opts *opts,
				struct kbtf_buf *out);

#endif
