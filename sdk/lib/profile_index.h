/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The prepared index of a kernel profile (<profile>/index): what a
 * validation asks of a kernel, answered without parsing its BTF, config
 * or Module.symvers. Built once at "kbtf kernels add"/"fetch" from the
 * profile as validation reads it (kbtf_kernel_open() of the directory);
 * docs/kernels.md has the format.
 *
 *   - every named type of the kinds btf_relocate() keys on (INT, FLOAT,
 *     ENUM, ENUM64, FWD, STRUCT, UNION), and TYPEDEFs (member checks look
 *     them up): name -> the kernel ids of that name in id order, each with
 *     its info word, size word, name offset and INT encoding;
 *   - Module.symvers as a symbol table: symbol name -> its CRC, module,
 *     export kind and namespace, from which its line is rebuilt byte for
 *     byte for the one parser of that format (validator/lib/symbols.c):
 *     only the lines a module needs, without reading Module.symvers;
 *   - for each named STRUCT and UNION, the layout digest layout drift
 *     compares (btf_layout.h), so that it skips what did not change;
 *   - the config values the judges read (kbtf_pindex_config_keys), the
 *     release, the machine, sizeof(struct module), whether the BTF has
 *     btf_relocate();
 *   - what it was built from: the BTF's hash and the size and mtime of
 *     the btf, config and Module.symvers files.
 *
 * A profile whose BTF is a delta against a reference kernel's keeps its
 * index as a delta too, against the reference's (<profile>/index.ref, a
 * link to that index's object): names and symbols are read from the
 * reference and mapped (kbtf_pindex_delta()). The candidates of a name
 * mapped so are in a buffer of the calling thread's, valid until its
 * next kbtf_pindex_cands().
 *
 * Opening reads a few hundred bytes whatever the kernel: it checks the
 * magic, version, section bounds, order and alignment, counts against
 * sizes, a checksum of the header, the config and its strings, and the
 * profile's files against the recorded sizes and mtimes. Everything else
 * carries its own checksums, checked where a lookup reads it: each block
 * of hash slots, each name record with its candidates, each symbol record,
 * each block of type offsets. An index that fails on open is never used:
 * -EINVAL (damaged) or -ESTALE (the profile changed after it was built),
 * with one line saying which and why; a part that fails on use marks it
 * damaged (kbtf_pindex_damaged()). A damaged byte that no lookup reads
 * goes unnoticed, and changes no answer.
 */
#ifndef KBTF_PROFILE_INDEX_H
#define KBTF_PROFILE_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "kbtf/buf.h"
#include "kbtf/source.h"

#define KBTF_PROFILE_INDEX "index"
#define KBTF_PINDEX_VERSION 8

/* The config options the index keeps (what vkernel.c asks). */
extern const char *const kbtf_pindex_config_keys[];
extern const size_t kbtf_pindex_nr_config_keys;

struct kbtf_pindex;

/* One kernel type of a name, as btf_relocate() looks at it. */
struct kbtf_pindex_cand {
	uint32_t id;
	uint32_t info; /* the btf_type info word: kind, kflag, vlen */
	uint32_t size; /* the size word */
	uint32_t name_off;
	uint32_t int_enc; /* BTF_INT_ENCODING of an INT, else 0 */
};

/* Does the index keep types of BTF kind @kind by name (kbtf_pindex_cands())? */
bool kbtf_pindex_kind_indexed(uint32_t kind);
/* A name and a number (a type id, a line), as the index sorts them. */
struct kbtf_pindex_keyed {
	const char *name;
	uint32_t id;
};
/* qsort() order of struct kbtf_pindex_keyed: by name, then number. */
int kbtf_pindex_keyed_cmp(const void *a, const void *b);

/* sizeof(struct module) as the index keeps it: the BTF's one such struct, else 0. */
uint32_t kbtf_pindex_module_struct_size_of(struct kbtf_btf *btf);

/*
 * Build the index of kernel @k (opened from a profile directory) into
 * @out. @symvers is the Module.symvers it reads (NULL: none). The file
 * stats come from @dir (NULL: none recorded, for tests).
 */
int kbtf_pindex_build(struct kbtf_kernel *k, const char *symvers, const char *dir,
		      struct kbtf_buf *out);

/*
 * Open the profile in @dir and write its index there (atomically). When
 * the index's symbol table rebuilds the profile's Module.symvers byte for
 * byte, the file is removed: the index keeps it (kbtf_pindex_print_symvers()).
 */
int kbtf_pindex_write(const char *dir);

/*
 * Open <dir>/index: -ENOENT when there is none (an older profile: the
 * caller reads the profile the full way), -EINVAL or -ESTALE with the
 * reason recorded.
 */
int kbtf_pindex_open(const char *dir, struct kbtf_pindex **out);
/* The same without comparing the profile's files' stamps (its Module.symvers). */
int kbtf_pindex_open_unstamped(const char *dir, struct kbtf_pindex **out);
/*
 * A delta index's reference (NULL for a whole index). Opened from a
 * profile, it is shared by every delta opened against the same file in the
 * process, with what lookups checked of it (buf_shared.h).
 */
const struct kbtf_pindex *kbtf_pindex_reference(const struct kbtf_pindex *ix);

/*
 * Check and use @size bytes at @data (copied): for tests and fuzzing.
 * @name is for messages. No file stats are compared.
 */
int kbtf_pindex_from_mem(const void *data, size_t size, const char *name, struct kbtf_pindex **out);
/*
 * The same for a delta index (F_DELTA) and the whole index it is against
 * (@ref_data, @ref_size; unused when @data is a whole index).
 */
int kbtf_pindex_from_mem_ref(const void *data, size_t size, const void *ref_data, size_t ref_size,
			     const char *name, struct kbtf_pindex **out);
/*
 * The whole index at @data as a delta against the whole index at
 * @ref_data (a kernel of the same series) into @out: -ENOTSUP when it
 * would not be smaller or does not answer everything as @data does.
 */
int kbtf_pindex_delta(const void *data, size_t size, const void *ref_data, size_t ref_size,
		      struct kbtf_buf *out);
/*
 * The same, its CRCs told against those of the delta index @donor_data
 * (another kernel's against the same reference, its CRCs its own) where
 * that takes under half the room: the profile then links that index as
 * index.crcref. A donor that does not fit is not used.
 */
int kbtf_pindex_delta_donor(const void *data, size_t size, const void *ref_data, size_t ref_size,
			    const void *donor_data, size_t donor_size, struct kbtf_buf *out);
/* kbtf_pindex_from_mem_ref() of a delta whose CRCs are told against @donor_data. */
int kbtf_pindex_from_mem_donor(const void *data, size_t size, const void *ref_data, size_t ref_size,
			       const void *donor_data, size_t donor_size, const char *name,
			       struct kbtf_pindex **out);
void kbtf_pindex_free(struct kbtf_pindex *ix);
/*
 * Recompute the checksums of the index bytes at @data (nothing when its
 * header does not say where they go): for fuzzing past them, and for tests.
 */
void kbtf_pindex_seal(uint8_t *data, size_t size);

const char *kbtf_pindex_release(const struct kbtf_pindex *ix); /* NULL: unknown */
const char *kbtf_pindex_arch(const struct kbtf_pindex *ix);    /* NULL: unknown */
uint32_t kbtf_pindex_type_cnt(const struct kbtf_pindex *ix);   /* VOID included */
uint64_t kbtf_pindex_btf_hash(const struct kbtf_pindex *ix);   /* kbtf_kernel_btf_hash() */
/* sizeof(struct module) when the BTF has exactly one such struct, else 0 */
uint32_t kbtf_pindex_module_struct_size(const struct kbtf_pindex *ix);
bool kbtf_pindex_has_btf_relocate(const struct kbtf_pindex *ix);
bool kbtf_pindex_has_config(const struct kbtf_pindex *ix);
/* The config value of @key (one of kbtf_pindex_config_keys; NULL: not set). */
const char *kbtf_pindex_config(const struct kbtf_pindex *ix, const char *key);
/* Did the kernel come with a Module.symvers, and did every line index? */
bool kbtf_pindex_has_symvers(const struct kbtf_pindex *ix);
bool kbtf_pindex_symvers_indexed(const struct kbtf_pindex *ix);

/*
 * The kernel types named @name of the kinds relocation keys on and the
 * typedefs, in id order: their number, *@out pointing into the index
 * (0: none, or what the lookup read fails its checksum: then
 * kbtf_pindex_damaged()). Callers filter by kind.
 */
uint32_t kbtf_pindex_cands(const struct kbtf_pindex *ix, const char *name,
			   const struct kbtf_pindex_cand **out);
/*
 * The layout digest (btf_layout.h: what layout drift compares of a struct
 * or union, down what it embeds by value) of the kernel's type @id named
 * @name, into *@out: false when the index has none for it (not a struct
 * or union of that name, one drift always compares), or when what the
 * lookup read fails its checksum (then kbtf_pindex_damaged()).
 */
bool kbtf_pindex_digest(const struct kbtf_pindex *ix, const char *name, uint32_t id, uint64_t *out);
/* Every block of layout digests (the reference's too) checked: false when one fails. */
bool kbtf_pindex_digests_intact(const struct kbtf_pindex *ix);
/* One line of Module.symvers, from the index's symbol table (strings in it). */
struct kbtf_pindex_sym {
	uint32_t crc;
	const char *name, *module, *type;
	const char *ns; /* NULL: the line has no namespace field (before 5.4) */
};
/*
 * The line of @sym (the last one, if listed twice) into *@out: false when
 * there is none, or when what the lookup read fails its checksum (then
 * kbtf_pindex_damaged()).
 */
bool kbtf_pindex_symbol(const struct kbtf_pindex *ix, const char *sym, struct kbtf_pindex_sym *out);
/*
 * Line @i of Module.symvers (0 .. kbtf_pindex_nr_syms() - 1): all of them
 * printed in order are the file, byte for byte. False past the end, or
 * damaged (then kbtf_pindex_damaged()).
 */
bool kbtf_pindex_sym_at(const struct kbtf_pindex *ix, uint32_t i, struct kbtf_pindex_sym *out);
/* Write @s as its line stood in Module.symvers, newline included. */
int kbtf_pindex_sym_print(FILE *f, const struct kbtf_pindex_sym *s);
/*
 * Write the Module.symvers of the profile in @dir, rebuilt from its
 * index's symbol table, to @f: for readers of the text when the
 * profile keeps no Module.symvers file (kbtf_pindex_write() dropped it).
 * The index is checked whole and every record on the way; its stamps are
 * not compared (the table does not depend on the other files). Nonzero,
 * kbtf_errstr() saying why, when the index is missing, damaged or holds
 * no whole Module.symvers.
 */
int kbtf_pindex_print_symvers(const char *dir, FILE *f);
/*
 * What to tell a user whose index of the profile in @dir cannot be used
 * (written into @buf): rebuild it from the profile, or, where the index
 * held the profile's only copy of Module.symvers, store the kernel again
 * from its packages, as the profile alone can no longer give it back.
 */
const char *kbtf_pindex_rebuild_hint(const char *dir, char *buf, size_t size);
/* The same from the open index @ix: every line in order, each record checked. */
int kbtf_pindex_print_syms(const struct kbtf_pindex *ix, FILE *f);
/*
 * The byte offset of every type (1 .. type_cnt - 1) in the BTF's type
 * section, little-endian, for kbtf_btf_parse_prepared(); NULL when the
 * index has none (a BTF of several blobs, or of the other byte order,
 * or stored as a delta: kbtf_profile_prepared_btf() finds its records).
 * Not checked here: a reader checks offsets @first .. @first + @n - 1
 * with kbtf_pindex_type_offs_ok() before it believes them (false: out of
 * range, or a block failed its checksum, then kbtf_pindex_damaged()).
 */
const uint32_t *kbtf_pindex_type_offs(const struct kbtf_pindex *ix, uint32_t *nr);
bool kbtf_pindex_type_offs_ok(const struct kbtf_pindex *ix, uint32_t first, uint32_t n);
/*
 * Did a part checked on use (names, type offsets, the symbol table) fail
 * its checksum? Lookups then answer "none", so a caller that used the
 * index checks this before believing what it judged.
 */
bool kbtf_pindex_damaged(const struct kbtf_pindex *ix);
/*
 * A delta index's run tables and gone records checked whole (every
 * block's checksum, every entry's order), as lookups check the blocks
 * they read: 0, or -EINVAL with one line naming the index and why.
 */
int kbtf_pindex_check_runs(const struct kbtf_pindex *ix);
void kbtf_pindex_mark_damaged(const struct kbtf_pindex *ix);
/* Number of symbols indexed. */
uint32_t kbtf_pindex_nr_syms(const struct kbtf_pindex *ix);

#endif
