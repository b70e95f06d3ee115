/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A kernel's vmlinux BTF stored as a structural delta against another
 * kernel's (the reference), for the profile store: kernels of one series
 * share most types, but one added type shifts every later type id and
 * string offset, so the files share almost no bytes while their records
 * mostly differ only in the ids and offsets they hold.
 *
 * The delta aligns the two type sequences (a signature per record that
 * leaves out referenced ids: kind, vlen, kflag, name, size, encoding,
 * member names and offsets, enum values...; anchors on signatures unique
 * in both, extended along references, over equal neighbours and small
 * gaps) and the two string sections (equal strings). Neither alignment
 * keeps the order: pahole -j (6.1) emits blocks of types in another order
 * in each build. A record of K is then either R's record with every id and string
 * offset mapped R -> K through those alignments, when that gives K's
 * bytes exactly, or a literal. The format (little-endian, docs/kernels.md):
 *
 *   header (104 bytes): magic "KBTFDLT1", version, K's header length,
 *     the reference's hash and size, the result's hash and size, K's
 *     type count and section lengths, the table counts, R's type count,
 *     a checksum of the whole file, one of the header and K's BTF header,
 *     R's string section length, 0;
 *   K's BTF header bytes;
 *   the tables, checked in blocks of 256 bytes:
 *     type runs {k_id, r_id, n, r_byte}: K ids k_id.. align with R ids
 *       r_id.., the first at byte r_byte of R's types (aligned records
 *       have the same sizes), ascending in K, then their indices in R order;
 *     literals {k_id, offset}: K's records stored whole, in id order;
 *     string runs {k_off, r_off, len, lit}: K's string bytes k_off.. are
 *       R's r_off.., ascending in K, lit the literal string bytes before
 *       the run (those between runs, in order), then their indices in R order;
 *     where R's records 1, 16, 32... are in R's types (a reader finds any
 *       R record from there, so K's record offsets need not be stored);
 *     the lookups (buckets): per 256 K ids the first type run ending past
 *       the bucket's first id and the first literal at or past it; per
 *       4 KiB of K's strings the first string run ending past it; per 256
 *       R ids and per 4 KiB of R's strings the first run in R order
 *       ending past it;
 *   a checksum of each 256-byte block of the tables;
 *   the literal records, then the literal string bytes.
 *
 * Runs overlap neither in K nor in R. Nothing is believed: applying
 * checks every count, bound, order, bucket and record size, every block,
 * the checksum, the reference's hash, and the result's hash. The lazy
 * reader opens a delta by its header alone and builds nothing: a lookup
 * reads a bucket and a run or two in place, each block checked against
 * its checksum the first time a lookup reads it, every index bounded
 * where it is used.
 */
#ifndef KBTF_BTF_DELTA_H
#define KBTF_BTF_DELTA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kbtf/buf.h"

#define KBTF_BTF_DELTA_MAGIC "KBTFDLT1"
#define KBTF_BTF_DELTA_VERSION 4

struct kbtf_btf_delta_stats {
	uint32_t nr_types;  /* K's, VOID not counted */
	uint32_t aligned;   /* K records aligned with one of R */
	uint32_t copied;    /* of those, rebuilt from R's */
	uint32_t literal;   /* stored whole */
	uint32_t type_runs; /* aligned runs */
	uint32_t str_runs;
	uint32_t str_literal; /* bytes of K's strings stored whole */
	size_t size;	      /* of the delta */
};

/*
 * Write into @out the delta that rebuilds the BTF @k from the reference
 * BTF @ref (both a whole little-endian vmlinux BTF, header, types and
 * strings back to back). -ENOTSUP for what it does not encode (split or
 * big-endian BTF, a kind-layout section, unknown kinds, gaps between the
 * sections): the caller keeps the BTF whole. The caller still rebuilds
 * and compares before believing it (kbtf_btf_delta_apply()).
 */
int kbtf_btf_delta_make(const void *ref, size_t ref_size, const void *k, size_t k_size,
			struct kbtf_buf *out, struct kbtf_btf_delta_stats *st);

/* Does @data start like a delta? */
bool kbtf_btf_delta_has_magic(const void *data, size_t size);

/*
 * The reference's hash (kbtf_hash_bytes() of its bytes) and size that
 * the delta @data names: -EINVAL when the header is not a delta's.
 */
int kbtf_btf_delta_ref(const void *data, size_t size, uint64_t *hash, uint64_t *ref_size);

/*
 * Point the delta at @data to the reference @ref and recompute its
 * checksum (nothing when it is too short to hold them): for fuzzing past
 * both, and for tests.
 */
void kbtf_btf_delta_seal(uint8_t *data, size_t size, const void *ref, size_t ref_size);

/*
 * Rebuild the BTF from the delta @data against @ref into @out (heap).
 * -EINVAL with one line naming @name and the reason when the delta is
 * damaged, does not belong to @ref, or the result's hash differs.
 */
int kbtf_btf_delta_apply(const void *ref, size_t ref_size, const void *data, size_t size,
			 const char *name, struct kbtf_buf *out);

/*
 * The lazy reader: a delta whose header passed its checks (and its own
 * checksum; each block of the tables is checked where a lookup first
 * reads it, the literals record by record when read, as a raw BTF's
 * records are), owning @ref's and @delta's buffers (moved in). The
 * reference is checked by size and layout, not hashed: the store links
 * it and stamps the delta.
 */
struct kbtf_btf_delta_src;
int kbtf_btf_delta_src_open(struct kbtf_buf *ref, struct kbtf_buf *delta, const char *name,
			    struct kbtf_btf_delta_src **out);
void kbtf_btf_delta_src_free(struct kbtf_btf_delta_src *s);
/* The rebuilt BTF's header bytes, their number, its size and type count. */
const uint8_t *kbtf_btf_delta_src_header(const struct kbtf_btf_delta_src *s, uint32_t *hdr_len,
					 uint32_t *size, uint32_t *nr_types);
/*
 * Where K's record @id comes from, and its size (0: the delta cannot give
 * it). It remembers where it found R's records: its callers serialise.
 */
struct kbtf_btf_delta_rec {
	const uint8_t *lit; /* a literal's bytes, or NULL: R's record at r_off */
	uint32_t r_off, len;
};
uint32_t kbtf_btf_delta_src_locate(struct kbtf_btf_delta_src *s, uint32_t id,
				   struct kbtf_btf_delta_rec *rec);
/*
 * The record @rec located into @dst (rec->len bytes); -EINVAL when it does
 * not rebuild. Serialised with kbtf_btf_delta_src_locate() by its callers.
 */
int kbtf_btf_delta_src_record(struct kbtf_btf_delta_src *s, const struct kbtf_btf_delta_rec *rec,
			      uint8_t *dst);
/*
 * The first 12 bytes of the record @rec located (name, info, size or
 * type: struct btf_type) into @dst, those words alone translated as
 * kbtf_btf_delta_src_record() translates them; -EINVAL when they do not
 * rebuild. The rest of the record is neither read nor checked. Serialised
 * as above.
 */
int kbtf_btf_delta_src_head(struct kbtf_btf_delta_src *s, const struct kbtf_btf_delta_rec *rec,
			    uint8_t *dst);
/*
 * A run of K's strings read in place: the string at K offset off, for
 * from <= off < from + len, is at base + (off - from) and ends within
 * the run. Written (atomically) by the first read that sees the run's
 * bytes end in a NUL, before that read hands it out.
 */
struct kbtf_btf_delta_strs {
	const char *base;
	uint32_t from, len;
};
/*
 * K's string at @off, in place (in the reference's strings or the delta's
 * literal bytes), when it ends where its bytes come from one place; NULL
 * when it does not (it spans a run's end: the caller copies it with
 * kbtf_btf_delta_src_strings()), @off is past the section, or a block
 * read is damaged (the copy then says so). *@run, when
 * not NULL, gets the run the string was found in where that run's later
 * reads can be answered from it alone (else it is left as it was).
 */
const char *kbtf_btf_delta_src_string(const struct kbtf_btf_delta_src *s, uint32_t off,
				      const struct kbtf_btf_delta_strs **run);
/* K's string section bytes [@from, @to) (within it) into @dst; false when a block read is damaged.
 */
bool kbtf_btf_delta_src_strings(const struct kbtf_btf_delta_src *s, uint32_t from, uint32_t to,
				char *dst);

#endif
