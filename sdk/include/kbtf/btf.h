/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The BTF model: one parsed BTF object (base or split), read-only once
 * parsed. Records are the uapi layouts from <linux/btf.h>, always in host
 * byte order: a native-endian blob is used in place (zero copy off an mmap),
 * a foreign-endian one is swapped once into a private copy.
 *
 * Ids and string offsets are "logical": a split BTF continues its base's
 * numbering, so kbtf_btf_type(split, id) and kbtf_btf_str(split, off)
 * answer for the base's ids and offsets too.
 */
#ifndef KBTF_BTF_H
#define KBTF_BTF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/btf.h>

#include "kbtf/api.h"
#include "kbtf/buf.h"

/* Highest kind this library knows how to size and interpret. */
#define KBTF_KIND_MAX_KNOWN 19 /* BTF_KIND_ENUM64 */

/* Kinds the widened 7-bit kind field can name. */
#define KBTF_MAX_KINDS 128

/*
 * Header with the kind-layout section (kernel commit 222edc843c15, "btf:
 * Add BTF kind layout encoding to UAPI"): hdr_len 32.
 */
#define KBTF_HDR_LEN_CLASSIC 24
#define KBTF_HDR_LEN_LAYOUT 32

/* One kind-layout record: how big a kind's fixed tail and vlen items are. */
struct kbtf_kind_layout {
	uint8_t info_sz; /* bytes after the 12-byte head */
	uint8_t elem_sz; /* bytes per vlen item */
	uint16_t flags;
};

enum kbtf_endian {
	KBTF_ENDIAN_LITTLE = 0,
	KBTF_ENDIAN_BIG = 1,
};

struct kbtf_btf;

struct kbtf_parse_opts {
	/* Parse as split BTF on top of this base (NULL: a base BTF). */
	const struct kbtf_btf *base;
	/* Name for messages, usually the file path. */
	const char *name;
	/*
	 * Check references the way the kernel does for vmlinux and module
	 * BTF (no resolve pass): ids only up to 0xfffff, not that they exist,
	 * and no FUNC -> FUNC_PROTO rule. For simulating what a kernel reads;
	 * callers must not follow ids without checking kbtf_btf_type().
	 */
	bool kernel_refs;
};

/*
 * Parse a raw BTF blob in one pass. Structural rules are libbpf's
 * (btf_new): header and section bounds, string table shape, every record
 * inside the type section, every string offset and referenced id valid,
 * FUNC -> FUNC_PROTO. Unknown kinds are skipped when the blob carries a
 * kind-layout section that sizes them, rejected otherwise.
 *
 * The blob must outlive the result when it is native-endian (it is used in
 * place); use kbtf_btf_parse_buf() to hand ownership over instead.
 */
KBTF_API int kbtf_btf_parse(const void *data, size_t size, const struct kbtf_parse_opts *opts,
			    struct kbtf_btf **out);

/* As kbtf_btf_parse(); on success the BTF owns @buf and @buf is zeroed. */
KBTF_API int kbtf_btf_parse_buf(struct kbtf_buf *buf, const struct kbtf_parse_opts *opts,
				struct kbtf_btf **out);

KBTF_API void kbtf_btf_free(struct kbtf_btf *btf);

/* --- whole-object facts --- */
KBTF_API const struct kbtf_btf *kbtf_btf_base(const struct kbtf_btf *btf);
/* Number of types including VOID and the base's: highest id + 1. */
KBTF_API uint32_t kbtf_btf_type_cnt(const struct kbtf_btf *btf);
/* First id this object defines (1 for a base, base's type_cnt for a split). */
KBTF_API uint32_t kbtf_btf_start_id(const struct kbtf_btf *btf);
/* First logical string offset this object defines (0 for a base). */
KBTF_API uint32_t kbtf_btf_start_str_off(const struct kbtf_btf *btf);
/* This object's own string section length. */
KBTF_API uint32_t kbtf_btf_str_len(const struct kbtf_btf *btf);
/* This object's own type section length. */
KBTF_API uint32_t kbtf_btf_type_len(const struct kbtf_btf *btf);
KBTF_API uint32_t kbtf_btf_hdr_len(const struct kbtf_btf *btf);
KBTF_API enum kbtf_endian kbtf_btf_endian(const struct kbtf_btf *btf);
/* The raw header fields as read (host order). */
KBTF_API const struct btf_header *kbtf_btf_header(const struct kbtf_btf *btf);
/* Bytes the blob was parsed from (may run past its sections: an archive). */
KBTF_API size_t kbtf_btf_raw_size(const struct kbtf_btf *btf);
/*
 * Those bytes, header included (a private copy for a foreign-endian or
 * unaligned blob, whose type records and layout table are then in host
 * order, its header bytes as they were): what the kernel's header checks
 * read.
 */
KBTF_API const uint8_t *kbtf_btf_raw_data(const struct kbtf_btf *btf);
/* Kind-layout table if the blob carried one (count in *nr), else NULL. */
KBTF_API const struct kbtf_kind_layout *kbtf_btf_kind_layout(const struct kbtf_btf *btf,
							     uint32_t *nr);
/* How many of this object's types have a kind above KBTF_KIND_MAX_KNOWN. */
KBTF_API uint32_t kbtf_btf_unknown_kind_cnt(const struct kbtf_btf *btf);
/* The name given in the parse options ("" if none). */
KBTF_API const char *kbtf_btf_name(const struct kbtf_btf *btf);

/* --- the raw header, before (or without) a parse --- */

/*
 * What the first bytes of a blob say, read without checking the sections
 * they describe: the one reader of a raw BTF header, for the parser, for
 * archives, for recognising kernel sources and for inspect.
 */
struct kbtf_btf_rawhdr {
	struct btf_header hdr; /* host order */
	uint32_t layout_off;   /* kind-layout section (hdr_len >= 32), else 0 */
	uint32_t layout_len;
	enum kbtf_endian endian; /* of the blob */
	bool swap;		 /* the blob's byte order is not the host's */
	uint8_t first_str;	 /* first byte of the string section, 0 if past the end */
	/*
	 * Split BTF: its string section does not start with the NUL every
	 * base's does, because it continues its base's strings (libbpf tells
	 * them apart the same way); an empty string section counts as split.
	 */
	bool split;
};

/*
 * True when @data starts with the BTF magic 0xeB9F in either byte order,
 * with the version and flags bytes after it.
 */
KBTF_API bool kbtf_btf_has_magic(const void *data, size_t size);
/* Fill @h from @data; false when it is shorter than a header or not BTF. */
KBTF_API bool kbtf_btf_peek(const void *data, size_t size, struct kbtf_btf_rawhdr *h);
/* A BTF header that says split BTF (a module's, a layer's), by the rule above. */
KBTF_API bool kbtf_btf_is_split(const void *data, size_t size);

/* --- types and strings --- */
/*
 * Type record of @id (logical: base ids answered by the base). Id 0 gives a
 * static VOID record (kind 0). NULL if @id is out of range.
 */
KBTF_API const struct btf_type *kbtf_btf_type(const struct kbtf_btf *btf, uint32_t id);
/*
 * The head of type @id: its name_off, info and size or type, the 12 bytes
 * of struct btf_type that kbtf_btf_type() gives; nothing past them may be
 * read (no members, no array, no encoding). For a kernel profile's BTF
 * stored as a delta, only these words are rebuilt and checked, not the
 * whole record: for a caller that needs a type's kind, name or size. A
 * head that fails its check reads as VOID and marks the object damaged,
 * as its record would. NULL if @id is out of range.
 */
KBTF_API const struct btf_type *kbtf_btf_type_head(const struct kbtf_btf *btf, uint32_t id);
/* String at logical offset @off; "" for 0; NULL when out of range. */
KBTF_API const char *kbtf_btf_str(const struct kbtf_btf *btf, uint32_t off);

/*
 * Name lookup. The index is built on first use (or by kbtf_btf_index_names,
 * which must be called before sharing the object between threads) and
 * covers this object's own types only, not the base's.
 * Returns the number of types named @name (of @kind, or any kind if @kind
 * is negative) and stores up to @max of their ids in ascending order.
 */
KBTF_API int kbtf_btf_index_names(struct kbtf_btf *btf);
KBTF_API int kbtf_btf_find_by_name(struct kbtf_btf *btf, const char *name, int kind, uint32_t *ids,
				   uint32_t max);
/*
 * The same over @btf and every base under it (a kernel's stacked layers),
 * ids ascending: bottom layer first; at most KBTF_MAX_CHAIN objects, from
 * the top. kbtf_btf_index_names_all() indexes every layer, for sharing
 * between threads.
 */
#define KBTF_MAX_CHAIN 32
KBTF_API int kbtf_btf_index_names_all(struct kbtf_btf *btf);
KBTF_API int kbtf_btf_find_by_name_all(struct kbtf_btf *btf, const char *name, int kind,
				       uint32_t *ids, uint32_t max);

/* --- record helpers (host-order records) --- */
/*
 * Kind and vlen are decoded with the fields widened by kernel commit
 * f7a6b9eaff3e ("bpf: Extend BTF UAPI vlen, kinds to use unused bits"):
 * 7-bit kind, 24-bit vlen. For BTF that passes the 6.12 kernel rules the
 * result is the same.
 */
static inline uint32_t kbtf_kind(const struct btf_type *t)
{
	return (t->info >> 24) & 0x7f;
}

static inline uint32_t kbtf_vlen(const struct btf_type *t)
{
	return t->info & 0xffffff;
}

static inline bool kbtf_kflag(const struct btf_type *t)
{
	return t->info >> 31;
}

static inline uint32_t kbtf_info(uint32_t kind, bool kflag, uint32_t vlen)
{
	return ((uint32_t)kflag << 31) | ((kind & 0x7f) << 24) | (vlen & 0xffffff);
}

static inline bool kbtf_is_composite(const struct btf_type *t)
{
	uint32_t k = kbtf_kind(t);

	return k == BTF_KIND_STRUCT || k == BTF_KIND_UNION;
}

static inline bool kbtf_is_modifier(const struct btf_type *t)
{
	uint32_t k = kbtf_kind(t);

	return k == BTF_KIND_VOLATILE || k == BTF_KIND_CONST || k == BTF_KIND_RESTRICT ||
	       k == BTF_KIND_TYPE_TAG;
}

static inline uint32_t kbtf_int_word(const struct btf_type *t)
{
	return *(const uint32_t *)(t + 1);
}

static inline const struct btf_member *kbtf_members(const struct btf_type *t)
{
	return (const struct btf_member *)(t + 1);
}

static inline const struct btf_param *kbtf_params(const struct btf_type *t)
{
	return (const struct btf_param *)(t + 1);
}

static inline const struct btf_enum *kbtf_enums(const struct btf_type *t)
{
	return (const struct btf_enum *)(t + 1);
}

static inline const struct btf_enum64 *kbtf_enum64s(const struct btf_type *t)
{
	return (const struct btf_enum64 *)(t + 1);
}

static inline const struct btf_array *kbtf_array(const struct btf_type *t)
{
	return (const struct btf_array *)(t + 1);
}

static inline const struct btf_var *kbtf_var(const struct btf_type *t)
{
	return (const struct btf_var *)(t + 1);
}

static inline const struct btf_var_secinfo *kbtf_secinfos(const struct btf_type *t)
{
	return (const struct btf_var_secinfo *)(t + 1);
}

static inline const struct btf_decl_tag *kbtf_decl_tag(const struct btf_type *t)
{
	return (const struct btf_decl_tag *)(t + 1);
}

/* Bit offset of member @m of composite @t (kflag decides the encoding). */
static inline uint32_t kbtf_member_bit_offset(const struct btf_type *t, const struct btf_member *m)
{
	return kbtf_kflag(t) ? m->offset & 0xffffff : m->offset;
}

static inline uint32_t kbtf_member_bitfield_size(const struct btf_type *t,
						 const struct btf_member *m)
{
	return kbtf_kflag(t) ? m->offset >> 24 : 0;
}

/* Name of a kind ("STRUCT", ...; "UNKN" for unknown numbers). */
const char *kbtf_kind_str(uint32_t kind);

/*
 * Size of a known kind's record in bytes (head + tail + vlen items),
 * or 0 for a kind this library does not know.
 */
KBTF_API size_t kbtf_type_rec_size(const struct btf_type *t);

/*
 * Iterate over the type-id fields or the string-offset fields of one
 * record (libbpf's BTF_FIELD_ITER_IDS / _STRS sets). The pointers are
 * into the record; writers that own the record may cast the const away.
 */
enum kbtf_field_kind {
	KBTF_FIELDS_IDS,
	KBTF_FIELDS_STRS,
};

struct kbtf_field_iter {
	const struct btf_type *t;
	enum kbtf_field_kind what;
	uint32_t head_left; /* fields left in the fixed part */
	uint32_t items_left;
	const uint32_t *head[2];
	const uint8_t *item;  /* next vlen item */
	uint32_t item_off[2]; /* offsets of the fields inside one item */
	uint32_t item_nfields;
	uint32_t item_size;
	uint32_t item_field;
};

/* 0 on success, -EINVAL for a kind that has no known layout. */
KBTF_API int kbtf_field_iter_init(struct kbtf_field_iter *it, const struct btf_type *t,
				  enum kbtf_field_kind what);
KBTF_API const uint32_t *kbtf_field_iter_next(struct kbtf_field_iter *it);

/*
 * Resolve through typedefs and modifiers (at most 32 steps, like the
 * kernel); returns the final id, or 0 on a loop or a missing id.
 */
KBTF_API uint32_t kbtf_btf_skip_mods_typedefs(const struct kbtf_btf *btf, uint32_t id);

/* --- BTF archives: several blobs back to back in one section --- */
struct kbtf_archive_member {
	size_t offset; /* from the start of the section */
	size_t size;   /* header + sections of this blob */
};

/*
 * Split @data into the BTF blobs it holds back to back (a linker may
 * concatenate per-object .BTF; zero padding up to 8 bytes between blobs is
 * skipped). Returns the number of blobs (1 for ordinary BTF), storing up to
 * @max of them, or a negative errno when the bytes are not BTF at all or
 * trailing bytes are neither padding nor another blob.
 */
KBTF_API int kbtf_btf_archive_members(const void *data, size_t size, struct kbtf_archive_member *m,
				      size_t max);

#endif
