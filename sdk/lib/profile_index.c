// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The prepared index of a kernel profile (profile_index.h): its writer,
 * from the profile opened the way a validation opens it, and its checked
 * reader. The layout is fixed-size little-endian records in sections
 * after a header; names are NUL-terminated strings in pools:
 *
 *   header   magic "KBTFIDX\0", version, sizes, checksum, what it was
 *            built from, one (offset, size) per section
 *   config   (meta offset of the key, meta offset of the value or ~0)
 *   meta     the config's strings, the release and the machine
 *   slots    open-addressing table of names: name number + 1, 0 empty
 *   slotsums a checksum of each block of NSLOT_BLOCK slots
 *   names    (pool offset, hash, first candidate, candidate count, and a
 *            checksum of all that, the name and the candidates)
 *   cands    struct kbtf_pindex_cand, grouped by name, id order inside
 *   pool     the names
 *   idruns, strruns, symgone, symlines, symcrcs, crcsums, crcblks, runsums
 *            only in a delta index (F_DELTA, at the end of this file):
 *            how the reference index's names and symbols map onto this
 *            kernel's, the CRC of each of its Module.symvers lines, and a
 *            checksum of each block of RUN_BLOCK runs and gone records
 *   offs     each type's offset in the BTF's type section (type 1 on),
 *            when the BTF is one blob: what lets kbtf_btf_parse_prepared()
 *            open it without a walk
 *   offsums  a checksum of each block of OFFS_BLOCK offsets
 *   sslots   open-addressing table of symbols: symbol number + 1
 *   ssums    a checksum of each block of SSLOT_BLOCK slots
 *   syms     Module.symvers, one fixed record a line: the symbol's hash,
 *            its CRC, its name and its (module, export kind, namespace)
 *            set, and a checksum of all that
 *   symsets  the sets: three offsets into symstr (the namespace ~0 when
 *            the line has no namespace field); Debian's 6.12 amd64 has
 *            1,183 of them for 30,000 symbols
 *   symstr   the symbol table's strings: names, and modules, export kinds
 *            and namespaces once each
 *   digblks  layout digests (btf_layout.h) of the cands that are named
 *            structs and unions: per DIG_BLOCK cands a mask of those with
 *            one, where their digests start in digvals, and a checksum
 *   digref   only in a delta index: per DIG_BLOCK of the reference's
 *            cands a mask of those whose digest here differs, likewise
 *   digvals  the digests
 *
 * Module.symvers itself is not read: each line is rebuilt from its record
 * (kbtf_pindex_sym_print()), and the index holds a symbol table only when
 * the records, printed in order, rebuild the whole file byte for byte.
 *
 * Nothing is trusted unchecked, and only what a validation reads is
 * checked, so that opening costs the same for any kernel: one checksum
 * covers the header, the config and the meta strings (a few hundred
 * bytes) and is checked on every open; every other part is checked where
 * a lookup goes: a delta's run table and gone record blocks it reads, the
 * slot blocks a probe reads and every record it
 * visits (a name with its candidates, a symbol with its strings), so that
 * a name found and a name absent are both answers from intact data; a
 * block of type offsets before the first record it places is read. A
 * failure on use marks the index damaged (kbtf_pindex_damaged()).
 */
#include <endian.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "btf_layout.h"
#include "buf_shared.h"
#include "hash.h"
#include "kbtf/btf.h"
#include "kbtf/err.h"
#include "profile.h"
#include "profile_index.h"
#include "util.h"

#define IDX_MAGIC "KBTFIDX"
#define IDX_MAX_SIZE ((uint64_t)1 << 30)
#define NO_VALUE UINT32_MAX

const char *const kbtf_pindex_config_keys[] = {
    "MODULE_ALLOW_BTF_MISMATCH",
    "DEBUG_INFO_BTF_MODULES",
    "MODVERSIONS",
    "MODULE_FORCE_LOAD",
    "MODULE_ALLOW_MISSING_NAMESPACE_IMPORTS",
    "X86_64",
    "RANDSTRUCT_FULL",
    "RANDSTRUCT_PERFORMANCE",
    "PREEMPT_BUILD",
    "PREEMPT_RT",
    "SMP",
    "MODULE_UNLOAD",
    "MODULE_SIG",
};
const size_t kbtf_pindex_nr_config_keys =
    sizeof(kbtf_pindex_config_keys) / sizeof(kbtf_pindex_config_keys[0]);

enum {
	SEC_CONFIG,
	SEC_META,
	SEC_IDRUNS,  /* a delta index: type ids of the reference -> this kernel's */
	SEC_STRRUNS, /* ... string offsets likewise */
	SEC_SYMGONE, /* ... the reference's symbol records whose symbol is gone */
	SEC_SLOTS,
	SEC_SLOTSUMS,
	SEC_NAMES,
	SEC_CANDS,
	SEC_POOL,
	SEC_OFFS,
	SEC_OFFSUMS,
	SEC_SSLOTS,
	SEC_SSUMS,
	SEC_SYMS,
	SEC_SYMSETS,
	SEC_SYMSTR,
	SEC_SYMLINES, /* a delta index: whose record each Module.symvers line is */
	SEC_SYMCRCS,  /* ... the CRC of each reference record's line here */
	SEC_CRCSUMS,  /* ... a checksum of each block of CRC_BLOCK of them */
	SEC_CRCBLKS,  /* ... or, F_CRC_DONOR: which differ from the donor's */
	SEC_RUNSUMS,  /* ... a checksum of each block of RUN_BLOCK idruns, strruns, symgone */
	SEC_DIGBLKS,  /* layout digests of cands: a block record per DIG_BLOCK */
	SEC_DIGREF,   /* a delta index: which reference cands' digests differ here */
	SEC_DIGVALS,  /* the digests the block records point at */
	NR_SECS,
	NR_SUMMED = SEC_IDRUNS, /* the sections the open-time checksum covers */
};

#define SSLOT_BLOCK 64 /* symbol slots per checksummed block */
#define NSLOT_BLOCK 64 /* name slots per checksummed block */
#define OFFS_BLOCK 64  /* type offsets per checksummed block */
#define CRC_BLOCK 64   /* a delta index's CRCs per checksummed block */
#define RUN_BLOCK 64   /* a delta index's runs or gone records per checksummed block */
#define DIG_BLOCK 64   /* candidates per layout digest block record */

/* A delta index's tables checked a block at a time (their sums in SEC_RUNSUMS, in this order). */
enum { RT_IDS, RT_STRS, RT_GONE, NR_RT };

enum {
	F_CONFIG = 1u << 0,	  /* the profile has a config */
	F_SYMVERS = 1u << 1,	  /* ... a Module.symvers */
	F_SYMS_INDEXED = 1u << 2, /* every line of it has a symbol field */
	F_BTF_RELOCATE = 1u << 3, /* a FUNC btf_relocate in the BTF */
	F_DELTA = 1u << 4,	  /* against a reference index (index.ref) */
	F_LINES_FLAT = 1u << 5,	  /* ... symlines: a source a line, not runs */
	F_CRC_DONOR = 1u << 6,	  /* ... CRCs against another delta's (index.crcref) */
	F_KNOWN = (1u << 7) - 1,
};

/* What a profile file looked like when the index was built. */
struct file_stamp {
	uint64_t size;
	int64_t mtime_ns; /* -1: the file did not exist */
};

enum { FILE_BTF, FILE_CONFIG, FILE_SYMVERS, NR_FILES };

static const char *const stamp_files[NR_FILES] = {
    KBTF_PROFILE_BTF,
    KBTF_PROFILE_CONFIG,
    KBTF_PROFILE_SYMVERS,
};

struct idx_hdr {
	char magic[8];
	uint32_t version;
	uint32_t hdr_size;
	uint64_t file_size;
	uint64_t checksum;
	uint64_t btf_hash;
	uint32_t type_cnt;
	uint32_t flags;
	uint32_t module_struct_size;
	uint32_t release; /* meta offsets, NO_VALUE: unknown */
	uint32_t arch;
	uint32_t lines;	     /* F_DELTA: Module.symvers lines, else 0 */
	uint64_t ref_sum;    /* F_DELTA: the reference index's checksum */
	uint64_t ref_size;   /* ... and its size */
	uint64_t lines_sum;  /* ... a checksum of symlines */
	uint64_t donor_sum;  /* F_CRC_DONOR: the donor index's checksum */
	uint64_t donor_size; /* ... and its size */
	struct file_stamp stamps[NR_FILES];
	struct {
		uint32_t off, size;
	} sec[NR_SECS];
};

struct idx_name {
	uint32_t name; /* pool offset */
	uint32_t hash;
	uint32_t first; /* into cands */
	uint32_t nr;
	uint32_t sum; /* name_sum(): the record, its name and its candidates */
};

struct idx_sym {
	uint32_t hash; /* kbtf_hash_str() of the name */
	uint32_t crc;
	uint32_t name; /* symstr offset */
	uint32_t set;  /* into symsets */
	uint32_t sum;  /* sym_sum(): the record and the strings it names */
};

struct idx_symset {
	uint32_t module, type, ns; /* symstr offsets; ns NO_VALUE: no such field */
};

struct idx_config {
	uint32_t key, value; /* meta offsets; value NO_VALUE: not set */
};

/* A delta index: values from @start up (to the next run's) map to value + delta. */
struct idx_run {
	uint32_t start, delta;
};

/*
 * A delta index: lines @line .. @line + @count - 1 are records @src on,
 * the reference's, or with SRC_OWN this index's own.
 */
struct idx_symrun {
	uint32_t line, src, count;
};

#define SRC_OWN (1u << 31)

/*
 * A block of values told by a mask, 64 entries of a table a block:
 *   - crcblks (F_CRC_DONOR): the CRCs of reference records @blk * CRC_BLOCK
 *     on. A set bit of the mask is a CRC other than the donor's, the next
 *     of symcrcs from @start on; @sum covers the block number, the mask,
 *     @start and those CRCs.
 *   - digblks, digref: the layout digests (btf_layout.h) of candidates
 *     @blk * DIG_BLOCK on. A set bit of the mask is a digest, the next of
 *     digvals from @start on. In digblks a clear bit is "no digest" (not a
 *     struct or union, or one drift always compares); in digref (a delta
 *     index, over the reference's candidates) a clear bit is "the
 *     reference's digest". @sum covers which table, the block number, the
 *     mask, @start and those digests.
 */
struct idx_maskblk {
	uint32_t mask_lo, mask_hi, start, sum;
};

struct kbtf_pindex {
	struct kbtf_buf buf;
	const struct idx_hdr *h;
	const uint32_t *slots, *sslots;
	uint32_t slot_mask, sslot_mask;
	const struct idx_name *names;
	uint32_t nr_names;
	const struct kbtf_pindex_cand *cands;
	uint32_t nr_cands;
	const struct idx_sym *syms;
	uint32_t nr_syms;
	const uint32_t *ssums;
	const struct idx_symset *sets;
	uint32_t nr_sets;
	const char *symstr;
	uint32_t symstr_size;
	const struct idx_config *config;
	uint32_t nr_config;
	const char *meta;
	uint32_t meta_size;
	const char *pool;
	uint32_t pool_size;
	const uint32_t *slotsums, *offsums;
	const uint32_t *offs;
	uint32_t nr_offs;
	/* blocks of type offsets whose checksum held, one bit each */
	uint8_t *offs_ok;
	/* a delta index (F_DELTA): its reference, and what maps onto it */
	struct kbtf_pindex *ref;
	bool ref_borrowed;
	const struct idx_run *idruns, *strruns;
	uint32_t nr_idruns, nr_strruns;
	const uint32_t *gone, *crcs, *crcsums;
	uint32_t nr_gone, nr_crcs;
	/* their blocks' checksums, where each table's first is, and which held */
	const uint32_t *runsums;
	uint32_t runblk0[NR_RT + 1];
	uint8_t *runs_ok;
	/* F_CRC_DONOR: the delta index whose CRCs these are told against */
	struct kbtf_pindex *donor;
	bool donor_borrowed;
	const struct idx_maskblk *crcblks;
	uint32_t nr_crcblks;
	/* layout digests: of own cands, of the reference's (a delta), values */
	const struct idx_maskblk *digblks, *digref;
	uint32_t nr_digblks, nr_digref;
	const uint64_t *digvals;
	uint32_t nr_digvals;
	const struct idx_symrun *symruns; /* or, F_LINES_FLAT: */
	const uint32_t *symsrc;
	uint32_t nr_symruns, nr_lines;
	int lines_ok; /* symlines: 0 not checked yet, 1 its checksum held */
	int damaged;
	char *name; /* for messages */
	/*
	 * Which slot blocks and digest blocks (of digblks) lookups found
	 * whole, one bit each (keep_block_checks()); of a reference shared
	 * within the process (open_ref()) also which symbol and name records,
	 * so that the next profile against it does not check them again
	 * (NULL: not shared, or no memory for them).
	 */
	uint8_t *sslots_ok, *nslots_ok, *digs_ok, *syms_ok, *names_ok;
	/* a delta against a shared reference: its hold on the mapping */
	struct kbtf_buf ref_hold;
};

/* Bit @i of @map, a map of which blocks or records held (NULL: none set). */
static inline bool bit_held(const uint8_t *map, uint32_t i)
{
	return map && (__atomic_load_n(&map[i / 8], __ATOMIC_ACQUIRE) >> (i % 8) & 1);
}

/* Set bit @i of @map (NULL: nothing kept). */
static inline void bit_keep(uint8_t *map, uint32_t i)
{
	if (map)
		__atomic_fetch_or(&map[i / 8], (uint8_t)(1u << (i % 8)), __ATOMIC_RELEASE);
}

/*
 * The checksum: four independent FNV-style lanes a word each, so it runs
 * at memory speed; an integrity check against damage, not a MAC.
 */
static uint64_t idx_checksum(const uint8_t *p, size_t len)
{
	uint64_t h[4] = {0x9e3779b97f4a7c15ull, 0xc2b2ae3d27d4eb4full, 0x165667b19e3779f9ull,
			 0x27d4eb2f165667c5ull},
		 w, r;
	size_t i, j;

	for (i = 0; i + 32 <= len; i += 32) {
		for (j = 0; j < 4; j++) {
			memcpy(&w, p + i + 8 * j, 8);
			h[j] = (h[j] ^ w) * 0x100000001b3ull;
			h[j] ^= h[j] >> 31;
		}
	}
	r = len;
	for (; i < len; i++)
		r = (r ^ p[i]) * 0x100000001b3ull;
	for (j = 0; j < 4; j++)
		r = (r ^ h[j]) * 0x9e3779b97f4a7c15ull ^ (r >> 29);
	return r;
}

/*
 * The checksum of block @b (@len bytes at @p) of a table checked a block
 * at a time where it is read: the block's number is in it, so blocks
 * swapped do not pass.
 */
static uint32_t blk_sum(const void *p, size_t len, uint32_t b)
{
	uint64_t h = idx_checksum(p, len) ^ ((uint64_t)b + 1) * 0x9e3779b97f4a7c15ull;

	h *= 0x100000001b3ull;
	return (uint32_t)(h ^ (h >> 32));
}

static uint64_t sum_of(const uint8_t *data, size_t size)
{
	const size_t at = offsetof(struct idx_hdr, checksum);
	uint8_t zero[8] = {0};
	uint64_t a, b, c;

	/* the sum of the bytes before the field, zeros, and the rest */
	a = idx_checksum(data, at);
	b = idx_checksum(zero, sizeof(zero));
	c = idx_checksum(data + at + 8, size - at - 8);
	return (a * 0x100000001b3ull ^ b) * 0x9e3779b97f4a7c15ull ^ c;
}

/* FNV-1a of @n bytes at @p, continuing from @h */
static uint32_t hash_from(uint32_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	/* four bytes a round: a symbol lookup checks every record it visits */
	for (; n >= 4; n -= 4, b += 4) {
		h = (h ^ b[0]) * 16777619u;
		h = (h ^ b[1]) * 16777619u;
		h = (h ^ b[2]) * 16777619u;
		h = (h ^ b[3]) * 16777619u;
	}
	while (n--) {
		h ^= *b++;
		h *= 16777619u;
	}
	return h;
}

/*
 * The checksum of name record @i (as stored) with its name and its @nr
 * candidates (@cands, as stored): what a lookup that visits the record
 * reads.
 */
static uint32_t name_sum(uint32_t i, const struct idx_name *e, const char *name,
			 const struct kbtf_pindex_cand *cands, uint32_t nr)
{
	uint32_t w[5] = {htole32(i), e->name, e->hash, e->first, e->nr}, h;

	h = hash_from(KBTF_HASH_SEED, w, sizeof(w));
	h = hash_from(h, name, strlen(name) + 1);
	return hash_from(h, cands, sizeof(*cands) * (size_t)nr);
}

/*
 * A block record's 32-bit sum of its record's checksum @rec and its values'
 * @vals: every bit of both into the low 32. idx_checksum()'s last round
 * carries the top bits of a 32-byte round's last word only upwards, so its
 * low half alone misses them (a CRC's or a digest's top bit).
 */
static uint32_t blkrec_sum(uint64_t rec, uint64_t vals)
{
	uint64_t h = rec * 0x100000001b3ull ^ vals;

	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	return (uint32_t)(h ^ (h >> 32));
}

/*
 * The checksum of digest block record @k, number @blk of table @sec
 * (SEC_DIGBLKS or SEC_DIGREF), with its @n digests at @vals.
 */
static uint32_t digblk_sum(int sec, uint32_t blk, const struct idx_maskblk *k, const uint64_t *vals,
			   uint32_t n)
{
	uint32_t w[5] = {htole32((uint32_t)sec), htole32(blk), k->mask_lo, k->mask_hi, k->start};

	return blkrec_sum(idx_checksum((const uint8_t *)w, sizeof(w)),
			  idx_checksum((const uint8_t *)vals, 8 * (size_t)n));
}

/* ------------------------------------------------------------ the writer */

struct wbuf {
	uint8_t *p;
	size_t len, cap;
};

static int wb_put(struct wbuf *w, const void *data, size_t n)
{
	if (!n)
		return 0; /* an empty section of an empty buffer has no bytes to add to */
	if (w->len + n > w->cap) {
		size_t cap = w->cap ? w->cap : 4096;
		uint8_t *np;

		while (cap < w->len + n)
			cap *= 2;
		np = realloc(w->p, cap);
		if (!np)
			return -ENOMEM;
		w->p = np;
		w->cap = cap;
	}
	memcpy(w->p + w->len, data, n);
	w->len += n;
	return 0;
}

/* Add @s (of @n bytes) to the pool; its offset, or NO_VALUE when full. */
static uint32_t pool_add(struct wbuf *pool, const char *s, size_t n)
{
	uint32_t off = (uint32_t)pool->len;
	char nul = '\0';

	if (pool->len + n + 1 > UINT32_MAX - 1 || wb_put(pool, s, n) || wb_put(pool, &nul, 1))
		return NO_VALUE;
	return off;
}

static uint32_t pool_str(struct wbuf *pool, const char *s)
{
	return s ? pool_add(pool, s, strlen(s)) : NO_VALUE;
}

/* What relocation keys on, and the typedefs member checks look up by name. */
bool kbtf_pindex_kind_indexed(uint32_t kind)
{
	switch (kind) {
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_INT:
	case BTF_KIND_FLOAT:
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
	case BTF_KIND_FWD:
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return true;
	default:
		return false;
	}
}

static uint32_t slots_for(uint32_t n)
{
	uint32_t s = 16;

	while (s < 2 * n)
		s *= 2;
	return s;
}

int kbtf_pindex_keyed_cmp(const void *a, const void *b)
{
	const struct kbtf_pindex_keyed *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : (x->id > y->id) - (x->id < y->id);
}

struct build {
	struct wbuf config, meta, slots, slotsums, names, cands, pool, offs, offsums, sslots, ssums,
	    syms, symsets, symstr, idruns, strruns, symgone, symlines, symcrcs, crcsums, crcblks,
	    runsums, digblks, digref, digvals;
	struct idx_hdr h;
};

/*
 * Digest blocks of table @sec (@tab) for @n values @v: a set bit where
 * @set(@v[i], @base[i]) (@base NULL: where @v[i] is not 0), its value
 * appended to digvals.
 */
static int put_digests(struct build *b, int sec, struct wbuf *tab, const uint64_t *v,
		       const uint64_t *base, uint32_t n)
{
	static const uint64_t no_digest; /* the values of a table with none yet */
	uint32_t blk, i;

	for (blk = 0; blk < (n + DIG_BLOCK - 1) / DIG_BLOCK; blk++) {
		struct idx_maskblk k = {0};
		uint64_t mask = 0;
		uint32_t start = (uint32_t)(b->digvals.len / 8);

		for (i = blk * DIG_BLOCK; i < n && i < (blk + 1) * DIG_BLOCK; i++) {
			uint64_t x = htole64(v[i]);

			if (base ? v[i] == base[i] : !v[i])
				continue;
			mask |= 1ull << (i % DIG_BLOCK);
			if (wb_put(&b->digvals, &x, 8))
				return -ENOMEM;
		}
		k.mask_lo = htole32((uint32_t)mask);
		k.mask_hi = htole32((uint32_t)(mask >> 32));
		k.start = htole32(start);
		k.sum = htole32(
		    digblk_sum(sec, blk, &k,
			       b->digvals.p ? (const uint64_t *)b->digvals.p + start : &no_digest,
			       (uint32_t)(b->digvals.len / 8 - start)));
		if (wb_put(tab, &k, sizeof(k)))
			return -ENOMEM;
	}
	return 0;
}

static void build_fini(struct build *b)
{
	free(b->slots.p);
	free(b->names.p);
	free(b->cands.p);
	free(b->sslots.p);
	free(b->ssums.p);
	free(b->syms.p);
	free(b->symsets.p);
	free(b->symstr.p);
	free(b->config.p);
	free(b->pool.p);
	free(b->offs.p);
	free(b->meta.p);
	free(b->slotsums.p);
	free(b->offsums.p);
	free(b->idruns.p);
	free(b->strruns.p);
	free(b->symgone.p);
	free(b->symlines.p);
	free(b->symcrcs.p);
	free(b->crcsums.p);
	free(b->crcblks.p);
	free(b->runsums.p);
	free(b->digblks.p);
	free(b->digref.p);
	free(b->digvals.p);
}

/* The checksums of @tab, a block of @per bytes each (the last one shorter), into @out. */
static int put_blk_sums(struct wbuf *out, const struct wbuf *tab, size_t per)
{
	uint32_t b, sum;
	size_t at;
	int err = 0;

	for (b = 0, at = 0; !err && at < tab->len; b++, at += per) {
		sum = htole32(blk_sum(tab->p + at, tab->len - at < per ? tab->len - at : per, b));
		err = wb_put(out, &sum, sizeof(sum));
	}
	return err;
}

/*
 * The checksums of the @len bytes at @tab, RUN_BLOCK entries of @esz a
 * block, numbered from @first, onto @out.
 */
static int put_run_sums(struct wbuf *out, const uint8_t *tab, size_t len, size_t esz,
			uint32_t first)
{
	size_t per = RUN_BLOCK * esz, at;
	uint32_t b, sum;
	int err = 0;

	for (b = first, at = 0; !err && at < len; b++, at += per) {
		sum = htole32(blk_sum(tab + at, len - at < per ? len - at : per, b));
		err = wb_put(out, &sum, sizeof(sum));
	}
	return err;
}

static int put_slots(struct wbuf *out, const uint32_t *hashes, uint32_t n)
{
	uint32_t nslots = slots_for(n), mask = nslots - 1, i, *slots;
	int err;

	slots = calloc(nslots, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		uint32_t s = hashes[i] & mask;

		while (slots[s])
			s = (s + 1) & mask;
		slots[s] = htole32(i + 1);
	}
	err = wb_put(out, slots, sizeof(*slots) * nslots);
	free(slots);
	return err;
}

static int build_types(struct build *b, const struct kbtf_btf *btf)
{
	uint32_t cnt = kbtf_btf_type_cnt(btf), id, nk = 0, i, j, nn = 0, *hashes = NULL;
	struct kbtf_digests *dm = kbtf_digests_new(btf);
	struct kbtf_pindex_keyed *k;
	uint64_t *digs;
	int err = 0;

	k = malloc(sizeof(*k) * (cnt ? cnt : 1));
	digs = calloc(cnt ? cnt : 1, sizeof(*digs));
	if (!k || !digs || !dm) {
		free(k);
		free(digs);
		kbtf_digests_free(dm);
		return -ENOMEM;
	}
	for (id = 1; id < cnt; id++) {
		const struct btf_type *t = kbtf_btf_type(btf, id);
		const char *name;

		if (!t || !t->name_off || !kbtf_pindex_kind_indexed(kbtf_kind(t)))
			continue;
		name = kbtf_btf_str(btf, t->name_off);
		if (!name)
			continue;
		k[nk].name = name;
		k[nk++].id = id;
	}
	qsort(k, nk, sizeof(*k), kbtf_pindex_keyed_cmp);
	hashes = malloc(sizeof(*hashes) * (nk ? nk : 1));
	if (!hashes) {
		free(k);
		return -ENOMEM;
	}
	for (i = 0; !err && i < nk; i = j) {
		struct idx_name n = {0};

		for (j = i; j < nk && !strcmp(k[j].name, k[i].name); j++) {
			const struct btf_type *t = kbtf_btf_type(btf, k[j].id);
			struct kbtf_pindex_cand c = {
			    .id = htole32(k[j].id),
			    .info = htole32(t->info),
			    .size = htole32(t->size),
			    .name_off = htole32(t->name_off),
			    .int_enc = htole32(kbtf_kind(t) == BTF_KIND_INT
						   ? BTF_INT_ENCODING(kbtf_int_word(t))
						   : 0),
			};

			if (wb_put(&b->cands, &c, sizeof(c)))
				err = -ENOMEM;
			/* what drift compares of a struct or union, for it to skip */
			if (kbtf_is_composite(t))
				digs[j] = kbtf_layout_digest(dm, k[j].id);
		}
		n.name = pool_str(&b->pool, k[i].name);
		if (n.name == NO_VALUE)
			err = -ENOMEM;
		hashes[nn++] = kbtf_hash_str(k[i].name);
		n.hash = htole32(hashes[nn - 1]);
		n.first = htole32(i);
		n.nr = htole32(j - i);
		n.name = htole32(n.name);
		if (!err)
			n.sum = htole32(name_sum(nn - 1, &n, k[i].name,
						 (const struct kbtf_pindex_cand *)b->cands.p + i,
						 j - i));
		if (!err && wb_put(&b->names, &n, sizeof(n)))
			err = -ENOMEM;
	}
	if (!err)
		err = put_slots(&b->slots, hashes, nn);
	if (!err)
		err = put_blk_sums(&b->slotsums, &b->slots, 4 * NSLOT_BLOCK);
	if (!err)
		err = put_digests(b, SEC_DIGBLKS, &b->digblks, digs, NULL, nk);
	kbtf_digests_free(dm);
	free(digs);
	free(hashes);
	free(k);
	return err;
}

/*
 * The checksum of symbol record @i: its hash, CRC and set number and the
 * strings it names (a set entry changed to point at equal strings changes
 * no answer). @ns is NULL for a line without a namespace field.
 */
static uint32_t sym_sum(uint32_t i, uint32_t hash, uint32_t crc, uint32_t set, const char *name,
			const char *module, const char *type, const char *ns)
{
	uint32_t w[4] = {htole32(i), htole32(hash), htole32(crc), htole32(set)}, h;

	h = hash_from(KBTF_HASH_SEED, w, sizeof(w));
	h = hash_from(h, name, strlen(name) + 1);
	h = hash_from(h, module, strlen(module) + 1);
	h = hash_from(h, type, strlen(type) + 1);
	return ns ? hash_from(h, ns, strlen(ns) + 1) : hash_from(h, "\xff", 1);
}

/* The checksum of slot block @b of @nslots slots. */
static uint32_t block_sum(const uint32_t *slots, uint32_t b, uint32_t nslots)
{
	uint32_t first = b * SSLOT_BLOCK,
		 n = nslots - first < SSLOT_BLOCK ? nslots - first : SSLOT_BLOCK;

	/* a word at a time (blk_sum()): a symbol lookup checks a block or two */
	return blk_sum(slots + first, 4 * (size_t)n, b);
}

/* A string table that keeps each string once: offset + 1 by hash, in @str. */
struct interner {
	uint32_t *slots;
	uint32_t mask, nr;
};

static uint32_t intern(struct interner *in, struct wbuf *str, const char *s, size_t n)
{
	uint32_t h = hash_from(KBTF_HASH_SEED, s, n), i, off;

	if (2 * (in->nr + 1) > in->mask) {
		uint32_t nmask = in->mask ? 2 * in->mask + 1 : 255, *ns, j;

		ns = calloc((size_t)nmask + 1, sizeof(*ns));
		if (!ns)
			return NO_VALUE;
		for (j = 0; in->slots && j <= in->mask; j++) {
			const char *t;

			if (!in->slots[j])
				continue;
			t = (const char *)str->p + in->slots[j] - 1;
			i = hash_from(KBTF_HASH_SEED, t, strlen(t)) & nmask;
			while (ns[i])
				i = (i + 1) & nmask;
			ns[i] = in->slots[j];
		}
		free(in->slots);
		in->slots = ns;
		in->mask = nmask;
	}
	for (i = h & in->mask; in->slots[i]; i = (i + 1) & in->mask) {
		const char *t = (const char *)str->p + in->slots[i] - 1;

		if (!strncmp(t, s, n) && !t[n])
			return in->slots[i] - 1;
	}
	off = pool_add(str, s, n);
	if (off == NO_VALUE)
		return NO_VALUE;
	in->slots[i] = off + 1;
	in->nr++;
	return off;
}

/* The (module, kind, namespace) sets, each once. */
struct setter {
	uint32_t *slots; /* set number + 1 */
	uint32_t mask, nr;
};

static uint32_t set_hash(const struct idx_symset *e)
{
	return hash_from(KBTF_HASH_SEED, e, sizeof(*e));
}

static uint32_t set_of(struct setter *st, struct wbuf *sets, const struct idx_symset *e)
{
	const struct idx_symset *all;
	uint32_t i;

	if (2 * (st->nr + 1) > st->mask) {
		uint32_t nmask = st->mask ? 2 * st->mask + 1 : 255, *ns, j;

		ns = calloc((size_t)nmask + 1, sizeof(*ns));
		if (!ns)
			return NO_VALUE;
		all = (const struct idx_symset *)sets->p;
		for (j = 0; j < st->nr; j++) {
			i = set_hash(&all[j]) & nmask;
			while (ns[i])
				i = (i + 1) & nmask;
			ns[i] = j + 1;
		}
		free(st->slots);
		st->slots = ns;
		st->mask = nmask;
	}
	all = (const struct idx_symset *)sets->p;
	for (i = set_hash(e) & st->mask; st->slots[i]; i = (i + 1) & st->mask)
		if (!memcmp(&all[st->slots[i] - 1], e, sizeof(*e)))
			return st->slots[i] - 1;
	if (wb_put(sets, e, sizeof(*e)))
		return NO_VALUE;
	st->slots[i] = ++st->nr;
	return st->nr - 1;
}

/* The tab-separated fields of a line: up to @max, their number (max + 1: more). */
static int split_fields(const char *line, size_t len, const char **f, size_t *n, int max)
{
	const char *end = line + len, *tab;
	int nr = 0;

	for (;;) {
		tab = memchr(line, '\t', (size_t)(end - line));
		if (nr == max)
			return max + 1;
		f[nr] = line;
		n[nr++] = tab ? (size_t)(tab - line) : (size_t)(end - line);
		if (!tab)
			return nr;
		line = tab + 1;
	}
}

/*
 * One Module.symvers line as a record, or false when the record would not
 * rebuild the line byte for byte (a CRC not written as 0x%08x, fields
 * missing or extra): the whole file is then left to the full parse.
 */
static int sym_record(struct build *b, struct interner *in, struct setter *st, const char *line,
		      size_t len, uint32_t nr, uint32_t *hash)
{
	const char *f[5];
	size_t n[5];
	char crc_text[16];
	struct idx_symset e;
	struct idx_sym r;
	unsigned long crc;
	char *end;
	int nf = split_fields(line, len, f, n, 5);

	if (nf < 4 || nf > 5 || n[0] != 10 || !n[1] || memchr(f[1], '\0', n[1]))
		return 1;
	memcpy(crc_text, f[0], 10);
	crc_text[10] = '\0';
	crc = strtoul(crc_text + 2, &end, 16);
	if (*end || crc > UINT32_MAX ||
	    snprintf(crc_text, sizeof(crc_text), "0x%08x", (uint32_t)crc) != 10 ||
	    memcmp(crc_text, f[0], 10))
		return 1;
	e.module = intern(in, &b->symstr, f[2], n[2]);
	e.type = intern(in, &b->symstr, f[3], n[3]);
	e.ns = nf == 5 ? intern(in, &b->symstr, f[4], n[4]) : NO_VALUE;
	if (e.module == NO_VALUE || e.type == NO_VALUE || (nf == 5 && e.ns == NO_VALUE))
		return -ENOMEM;
	e.module = htole32(e.module);
	e.type = htole32(e.type);
	e.ns = htole32(e.ns);
	r.set = set_of(st, &b->symsets, &e);
	r.name = pool_add(&b->symstr, f[1], n[1]);
	if (r.set == NO_VALUE || r.name == NO_VALUE)
		return -ENOMEM;
	*hash = hash_from(KBTF_HASH_SEED, f[1], n[1]);
	{
		const char *s = (const char *)b->symstr.p;

		r.sum = htole32(sym_sum(nr, *hash, (uint32_t)crc, r.set, s + r.name,
					s + le32toh(e.module), s + le32toh(e.type),
					nf == 5 ? s + le32toh(e.ns) : NULL));
	}
	r.hash = htole32(*hash);
	r.crc = htole32((uint32_t)crc);
	r.name = htole32(r.name);
	r.set = htole32(r.set);
	return wb_put(&b->syms, &r, sizeof(r));
}

/* The symbol table of Module.symvers @text (@size bytes). */
static int build_syms_text(struct build *b, const char *text, size_t size)
{
	const char *end, *line, *nl;
	uint32_t *hashes = NULL, nr = 0, cap = 0, *nh, nslots, i;
	struct interner in = {0};
	struct setter st = {0};
	bool ok = true;
	int err = 0, r;

	end = text + size;
	if (memchr(text, '\0', size) || size > UINT32_MAX)
		ok = false; /* the reader refuses it, or too big: leave that to it */
	for (line = text; ok && line < end; line = nl + 1) {
		size_t len;

		nl = memchr(line, '\n', (size_t)(end - line));
		if (!nl)
			nl = end;
		len = (size_t)(nl - line);
		if (!len || nl == end) {
			ok = false; /* an empty line, no newline at the end */
			break;
		}
		if (nr == cap) {
			cap = cap ? cap * 2 : 1024;
			nh = realloc(hashes, sizeof(*hashes) * cap);
			if (!nh) {
				err = -ENOMEM;
				break;
			}
			hashes = nh;
		}
		r = sym_record(b, &in, &st, line, len, nr, &hashes[nr]);
		if (r < 0) {
			err = r;
			break;
		}
		if (r) {
			ok = false; /* a line only the parser words right */
			break;
		}
		nr++;
	}
	free(in.slots);
	free(st.slots);
	if (!err && ok) {
		b->h.flags |= F_SYMS_INDEXED;
		err = put_slots(&b->sslots, hashes, nr);
		nslots = (uint32_t)(b->sslots.len / 4);
		for (i = 0; !err && nr && i * SSLOT_BLOCK < nslots; i++) {
			uint32_t sum = htole32(block_sum((const uint32_t *)b->sslots.p, i, nslots));

			err = wb_put(&b->ssums, &sum, sizeof(sum));
		}
	} else if (!err) {
		b->syms.len = b->symsets.len = b->symstr.len = 0;
	}
	free(hashes);
	return err;
}

static int build_syms(struct build *b, const char *path)
{
	struct kbtf_buf file;
	int err;

	err = kbtf_profile_read_text(path, &file);
	if (err)
		return err;
	b->h.flags |= F_SYMVERS;
	err = build_syms_text(b, (const char *)file.data, file.size);
	kbtf_buf_release(&file);
	return err;
}

static int build_config(struct build *b, struct kbtf_kernel *k)
{
	char val[256];
	size_t i;

	if (!k->config)
		return 0;
	b->h.flags |= F_CONFIG;
	for (i = 0; i < kbtf_pindex_nr_config_keys; i++) {
		const char *v = kbtf_kernel_config(k, kbtf_pindex_config_keys[i], val, sizeof(val));
		struct idx_config c;

		c.key = pool_str(&b->meta, kbtf_pindex_config_keys[i]);
		c.value = v ? pool_str(&b->meta, v) : NO_VALUE;
		if (c.key == NO_VALUE || (v && c.value == NO_VALUE))
			return -ENOMEM;
		c.key = htole32(c.key);
		c.value = htole32(c.value);
		if (wb_put(&b->config, &c, sizeof(c)))
			return -ENOMEM;
	}
	return 0;
}

/* Type offsets, for a BTF that is one native-endian blob. */
static int build_offs(struct build *b, struct kbtf_kernel *k, const struct kbtf_btf *btf)
{
	const struct btf_header *h = kbtf_btf_header(btf);
	uint32_t cnt = kbtf_btf_type_cnt(btf), id;
	const uint8_t *types;

	if (k->nr_layers || kbtf_btf_base(btf) || kbtf_btf_endian(btf) != KBTF_ENDIAN_LITTLE ||
	    kbtf_btf_raw_size(btf) != k->btf_raw.size)
		return 0;
	types = kbtf_btf_raw_data(btf) + h->hdr_len + h->type_off;
	for (id = 1; id < cnt; id++) {
		uint32_t off = htole32((uint32_t)((const uint8_t *)kbtf_btf_type(btf, id) - types));

		if (wb_put(&b->offs, &off, sizeof(off)))
			return -ENOMEM;
	}
	return put_blk_sums(&b->offsums, &b->offs, 4 * OFFS_BLOCK);
}

static void stamp(const char *dir, struct idx_hdr *h)
{
	char path[PATH_MAX];
	struct stat st;
	int i;

	for (i = 0; i < NR_FILES; i++) {
		h->stamps[i].size = 0;
		h->stamps[i].mtime_ns = -1;
		if (!dir ||
		    snprintf(path, sizeof(path), "%s/%s", dir, stamp_files[i]) >= (int)sizeof(path))
			continue;
		if (stat(path, &st) == 0) {
			h->stamps[i].size = htole64((uint64_t)st.st_size);
			h->stamps[i].mtime_ns =
			    (int64_t)htole64((uint64_t)((int64_t)st.st_mtim.tv_sec * 1000000000 +
							st.st_mtim.tv_nsec));
		}
	}
}

uint32_t kbtf_pindex_module_struct_size_of(struct kbtf_btf *btf)
{
	uint32_t id;

	if (kbtf_btf_find_by_name_all(btf, "module", BTF_KIND_STRUCT, &id, 1) != 1)
		return 0;
	return kbtf_btf_type(btf, id)->size;
}

static int assemble(struct build *b, struct kbtf_buf *out)
{
	struct wbuf *secs[NR_SECS] = {
	    [SEC_CONFIG] = &b->config,	 [SEC_META] = &b->meta,
	    [SEC_SLOTS] = &b->slots,	 [SEC_SLOTSUMS] = &b->slotsums,
	    [SEC_NAMES] = &b->names,	 [SEC_CANDS] = &b->cands,
	    [SEC_POOL] = &b->pool,	 [SEC_OFFS] = &b->offs,
	    [SEC_OFFSUMS] = &b->offsums, [SEC_SSLOTS] = &b->sslots,
	    [SEC_SSUMS] = &b->ssums,	 [SEC_SYMS] = &b->syms,
	    [SEC_SYMSETS] = &b->symsets, [SEC_SYMSTR] = &b->symstr,
	    [SEC_IDRUNS] = &b->idruns,	 [SEC_STRRUNS] = &b->strruns,
	    [SEC_SYMGONE] = &b->symgone, [SEC_SYMLINES] = &b->symlines,
	    [SEC_SYMCRCS] = &b->symcrcs, [SEC_CRCSUMS] = &b->crcsums,
	    [SEC_CRCBLKS] = &b->crcblks, [SEC_RUNSUMS] = &b->runsums,
	    [SEC_DIGBLKS] = &b->digblks, [SEC_DIGREF] = &b->digref,
	    [SEC_DIGVALS] = &b->digvals,
	};
	uint64_t off = sizeof(b->h);
	uint8_t *p;
	int i, err;

	/* a delta's run tables and gone records, a block each numbered on from the last's */
	b->runsums.len = 0;
	err = put_run_sums(&b->runsums, b->idruns.p, b->idruns.len, sizeof(struct idx_run), 0);
	err = err
		  ?: put_run_sums(&b->runsums, b->strruns.p, b->strruns.len, sizeof(struct idx_run),
				  (uint32_t)(b->runsums.len / 4));
	err = err
		  ?: put_run_sums(&b->runsums, b->symgone.p, b->symgone.len, 4,
				  (uint32_t)(b->runsums.len / 4));
	if (err)
		return err;

	for (i = 0; i < NR_SECS; i++) {
		off = (off + 7) & ~(uint64_t)7;
		if (off + secs[i]->len > IDX_MAX_SIZE)
			return kbtf_err(-EFBIG, "kernel index too big");
		b->h.sec[i].off = htole32((uint32_t)off);
		b->h.sec[i].size = htole32((uint32_t)secs[i]->len);
		off += secs[i]->len;
	}
	p = calloc(1, off);
	if (!p)
		return -ENOMEM;
	memcpy(b->h.magic, IDX_MAGIC, sizeof(IDX_MAGIC));
	b->h.version = htole32(KBTF_PINDEX_VERSION);
	b->h.hdr_size = htole32(sizeof(b->h));
	b->h.file_size = htole64(off);
	b->h.flags = htole32(b->h.flags);
	memcpy(p, &b->h, sizeof(b->h));
	for (i = 0; i < NR_SECS; i++)
		if (secs[i]->len)
			memcpy(p + le32toh(b->h.sec[i].off), secs[i]->p, secs[i]->len);
	((struct idx_hdr *)p)->checksum = htole64(sum_of(p, le32toh(b->h.sec[NR_SUMMED].off)));
	out->data = p;
	out->size = off;
	out->owner = KBTF_BUF_HEAP;
	return 0;
}

int kbtf_pindex_build(struct kbtf_kernel *k, const char *symvers, const char *dir,
		      struct kbtf_buf *out)
{
	struct build b = {0};
	struct kbtf_btf *btf;
	uint32_t id;
	int err;

	memset(out, 0, sizeof(*out));
	btf = kbtf_kernel_btf_stack(k);
	if (!btf)
		return -EINVAL; /* kbtf_errstr() says why */
	b.h.type_cnt = htole32(kbtf_btf_type_cnt(btf));
	b.h.btf_hash = htole64(kbtf_kernel_btf_hash(k));
	b.h.module_struct_size = htole32(kbtf_pindex_module_struct_size_of(btf));
	if (kbtf_btf_find_by_name_all(btf, "btf_relocate", BTF_KIND_FUNC, &id, 1) > 0)
		b.h.flags |= F_BTF_RELOCATE;
	stamp(dir, &b.h);
	err = build_types(&b, btf);
	/* a BTF stored as a delta is read through the delta, not by offsets */
	if (!err && !(dir && kbtf_profile_btf_is_delta(dir)))
		err = build_offs(&b, k, btf);
	if (!err)
		err = build_config(&b, k);
	if (!err && symvers)
		err = build_syms(&b, symvers);
	if (!err) {
		b.h.release = htole32(pool_str(&b.meta, k->release));
		b.h.arch = htole32(pool_str(&b.meta, k->arch));
		if (b.pool.len >= UINT32_MAX - 1 || b.meta.len >= UINT32_MAX - 1)
			err = -ENOMEM;
	}
	if (!err)
		err = assemble(&b, out);
	build_fini(&b);
	if (err == -ENOMEM)
		return kbtf_err(err, "out of memory indexing %s", k->source);
	return err;
}

/*
 * The index @b holds the whole Module.symvers (its lines rebuild the file
 * byte for byte): the profile does not keep the file too (0.34 MB
 * compressed for a 6.12 kernel); the index is stamped again without it.
 * Readers of the text get it from the table (kbtf_pindex_print_symvers()).
 */
static int drop_symvers(const char *dir, struct kbtf_buf *b)
{
	struct idx_hdr *h = (struct idx_hdr *)b->data;
	uint32_t flags = le32toh(h->flags);
	char path[PATH_MAX];

	if ((flags & (F_SYMVERS | F_SYMS_INDEXED)) != (F_SYMVERS | F_SYMS_INDEXED))
		return 0;
	if (snprintf(path, sizeof(path), "%s/%s", dir, KBTF_PROFILE_SYMVERS) >= (int)sizeof(path))
		return kbtf_err(-ENAMETOOLONG, "%s: path too long", dir);
	if (unlink(path) < 0 && errno != ENOENT)
		return kbtf_err(-errno, "%s: cannot remove: %s", path, strerror(errno));
	stamp(dir, h);
	h->checksum = htole64(sum_of(b->data, le32toh(h->sec[NR_SUMMED].off)));
	return 0;
}

static void delta_if_smaller(const char *dir, struct kbtf_buf *b);

int kbtf_pindex_write(const char *dir)
{
	char path[PATH_MAX];
	struct kbtf_kernel *k;
	struct kbtf_buf b;
	int err;

	if (snprintf(path, sizeof(path), "%s/%s", dir, KBTF_PROFILE_INDEX) >= (int)sizeof(path))
		return kbtf_err(-ENAMETOOLONG, "%s: path too long", dir);
	err = kbtf_kernel_open(dir, NULL, &k);
	if (err)
		return err;
	err = kbtf_pindex_build(k, k->symvers_path, dir, &b);
	kbtf_kernel_free(k);
	if (err)
		return err;
	err = drop_symvers(dir, &b);
	if (err) {
		kbtf_buf_release(&b);
		return err;
	}
	delta_if_smaller(dir, &b);
	err = kbtf_write_file_atomic(path, b.data, b.size, 0644);
	kbtf_buf_release(&b);
	return err;
}

/* ------------------------------------------------------------ the reader */

static bool flag(const struct kbtf_pindex *ix, uint32_t f);
static int attach_donor(struct kbtf_pindex *ix, struct kbtf_pindex *donor, bool borrowed);
/* a delta index (at the end of this file) */
static int attach_ref(struct kbtf_pindex *ix, struct kbtf_pindex *ref, bool borrowed);
static uint32_t cands_mapped(const struct kbtf_pindex *ix, const char *name,
			     const struct kbtf_pindex_cand **out);
static bool sym_mapped(const struct kbtf_pindex *ix, const char *sym, struct kbtf_pindex_sym *out);
static bool sym_at_mapped(const struct kbtf_pindex *ix, uint32_t i, struct kbtf_pindex_sym *out);

/* The profile directory of the index called @name (<profile>/index). */
static int dir_len(const char *name)
{
	const char *slash = strrchr(name, '/');

	return slash ? (int)(slash - name) : 1;
}

static const char *dir_of(const char *name)
{
	return strrchr(name, '/') ? name : ".";
}

/* Does the marker in @dir say the profile has a Module.symvers? */
static bool marker_has_symvers(const char *dir)
{
	char path[PATH_MAX], line[256];
	bool yes = false;
	FILE *f;

	if (snprintf(path, sizeof(path), "%s/%s", dir, KBTF_PROFILE_MARKER) >= (int)sizeof(path))
		return false;
	f = fopen(path, "re");
	if (!f)
		return false;
	while (!yes && fgets(line, sizeof(line), f))
		yes = !strcmp(line, "symvers=yes\n");
	fclose(f);
	return yes;
}

const char *kbtf_pindex_rebuild_hint(const char *dir, char *buf, size_t size)
{
	char path[PATH_MAX];
	const char *name = strrchr(dir, '/');

	name = name ? name + 1 : dir;
	if (snprintf(path, sizeof(path), "%s/%s", dir, KBTF_PROFILE_SYMVERS) < (int)sizeof(path) &&
	    access(path, F_OK) < 0 && marker_has_symvers(dir))
		snprintf(buf, size,
			 "its Module.symvers was kept in the index alone: store the kernel again "
			 "from its packages ('kbtf kernels add --force PACKAGE... --name %s')",
			 name);
	else
		snprintf(buf, size, "rebuild it with 'kbtf kernels add --force %s'", dir);
	return buf;
}

/* The hint for the index called @name. */
static const char *hint_for(const char *name, char *buf, size_t size)
{
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%.*s", dir_len(name), dir_of(name));
	return kbtf_pindex_rebuild_hint(dir, buf, size);
}

static int bad(const char *name, const char *why)
{
	char hint[PATH_MAX + 160];

	return kbtf_err(-EINVAL, "%s: damaged kernel index (%s); %s", name, why,
			hint_for(name, hint, sizeof(hint)));
}

static bool str_ok(const struct kbtf_pindex *ix, uint32_t off)
{
	return off < ix->meta_size;
}

static const char *meta_at(const struct kbtf_pindex *ix, uint32_t off)
{
	return off < ix->meta_size ? ix->meta + off : NULL;
}

/* The number of blocks of @per entries that @n entries fill. */
static uint32_t nr_blocks(uint32_t n, uint32_t per)
{
	return n / per + !!(n % per);
}

static int check_sections(struct kbtf_pindex *ix)
{
	const struct idx_hdr *h = ix->h;
	const uint8_t *base = ix->buf.data;
	uint32_t off[NR_SECS], size[NR_SECS];
	uint32_t i;

	for (i = 0; i < NR_SECS; i++) {
		off[i] = le32toh(h->sec[i].off);
		size[i] = le32toh(h->sec[i].size);
		if (off[i] < sizeof(*h) || off[i] % 8 || (uint64_t)off[i] + size[i] > ix->buf.size)
			return bad(ix->name, "a section lies outside the file");
		/* in order and apart, so the checksummed ones are the first */
		if (i && off[i] < (uint64_t)off[i - 1] + size[i - 1])
			return bad(ix->name, "sections overlap");
	}
	if (size[SEC_SLOTS] % 4 || size[SEC_SLOTSUMS] % 4 || size[SEC_SSLOTS] % 4 ||
	    size[SEC_SSUMS] % 4 || size[SEC_OFFS] % 4 || size[SEC_OFFSUMS] % 4 ||
	    size[SEC_NAMES] % sizeof(struct idx_name) ||
	    size[SEC_CANDS] % sizeof(struct kbtf_pindex_cand) ||
	    size[SEC_SYMS] % sizeof(struct idx_sym) ||
	    size[SEC_SYMSETS] % sizeof(struct idx_symset) ||
	    size[SEC_CONFIG] % sizeof(struct idx_config) ||
	    size[SEC_IDRUNS] % sizeof(struct idx_run) ||
	    size[SEC_STRRUNS] % sizeof(struct idx_run) || size[SEC_SYMGONE] % 4 ||
	    size[SEC_SYMCRCS] % 4 || size[SEC_CRCSUMS] % 4 ||
	    size[SEC_CRCBLKS] % sizeof(struct idx_maskblk) ||
	    size[SEC_DIGBLKS] % sizeof(struct idx_maskblk) ||
	    size[SEC_DIGREF] % sizeof(struct idx_maskblk) || size[SEC_DIGVALS] % 8 ||
	    size[SEC_SYMLINES] % (le32toh(h->flags) & F_LINES_FLAT ? 4 : sizeof(struct idx_symrun)))
		return bad(ix->name, "a section size is not a whole number of records");
	ix->idruns = (const struct idx_run *)(base + off[SEC_IDRUNS]);
	ix->nr_idruns = size[SEC_IDRUNS] / sizeof(struct idx_run);
	ix->strruns = (const struct idx_run *)(base + off[SEC_STRRUNS]);
	ix->nr_strruns = size[SEC_STRRUNS] / sizeof(struct idx_run);
	ix->gone = (const uint32_t *)(base + off[SEC_SYMGONE]);
	ix->nr_gone = size[SEC_SYMGONE] / 4;
	ix->crcs = (const uint32_t *)(base + off[SEC_SYMCRCS]);
	ix->nr_crcs = size[SEC_SYMCRCS] / 4;
	ix->crcsums = (const uint32_t *)(base + off[SEC_CRCSUMS]);
	ix->crcblks = (const struct idx_maskblk *)(base + off[SEC_CRCBLKS]);
	ix->nr_crcblks = size[SEC_CRCBLKS] / sizeof(struct idx_maskblk);
	ix->runsums = (const uint32_t *)(base + off[SEC_RUNSUMS]);
	ix->runblk0[RT_IDS] = 0;
	ix->runblk0[RT_STRS] = nr_blocks(ix->nr_idruns, RUN_BLOCK);
	ix->runblk0[RT_GONE] = ix->runblk0[RT_STRS] + nr_blocks(ix->nr_strruns, RUN_BLOCK);
	ix->runblk0[NR_RT] = ix->runblk0[RT_GONE] + nr_blocks(ix->nr_gone, RUN_BLOCK);
	if (size[SEC_RUNSUMS] != 4 * (uint64_t)ix->runblk0[NR_RT])
		return bad(ix->name, "block checksums missing");
	ix->digblks = (const struct idx_maskblk *)(base + off[SEC_DIGBLKS]);
	ix->nr_digblks = size[SEC_DIGBLKS] / sizeof(struct idx_maskblk);
	ix->digref = (const struct idx_maskblk *)(base + off[SEC_DIGREF]);
	ix->nr_digref = size[SEC_DIGREF] / sizeof(struct idx_maskblk);
	ix->digvals = (const uint64_t *)(base + off[SEC_DIGVALS]);
	ix->nr_digvals = size[SEC_DIGVALS] / 8;
	ix->symruns = (const struct idx_symrun *)(base + off[SEC_SYMLINES]);
	ix->symsrc = (const uint32_t *)(base + off[SEC_SYMLINES]);
	ix->nr_symruns =
	    size[SEC_SYMLINES] / (le32toh(h->flags) & F_LINES_FLAT ? 4 : sizeof(struct idx_symrun));
	ix->nr_lines = le32toh(h->lines);
	if (!(le32toh(h->flags) & F_DELTA) &&
	    (ix->nr_idruns || ix->nr_strruns || ix->nr_gone || ix->nr_crcs || ix->nr_symruns ||
	     ix->nr_lines || size[SEC_CRCSUMS] || ix->nr_crcblks || ix->nr_digref ||
	     (le32toh(h->flags) & (F_LINES_FLAT | F_CRC_DONOR))))
		return bad(ix->name, "delta tables in a whole index");
	if (le32toh(h->flags) & F_CRC_DONOR
		? size[SEC_CRCSUMS] != 0
		: size[SEC_CRCSUMS] / 4 != nr_blocks(ix->nr_crcs, CRC_BLOCK) || ix->nr_crcblks)
		return bad(ix->name, "block checksums missing");
	ix->slots = (const uint32_t *)(base + off[SEC_SLOTS]);
	ix->slotsums = (const uint32_t *)(base + off[SEC_SLOTSUMS]);
	ix->sslots = (const uint32_t *)(base + off[SEC_SSLOTS]);
	ix->slot_mask = size[SEC_SLOTS] / 4 - 1;
	ix->sslot_mask = size[SEC_SSLOTS] / 4 - 1;
	ix->names = (const struct idx_name *)(base + off[SEC_NAMES]);
	ix->nr_names = size[SEC_NAMES] / sizeof(struct idx_name);
	ix->cands = (const struct kbtf_pindex_cand *)(base + off[SEC_CANDS]);
	ix->nr_cands = size[SEC_CANDS] / sizeof(struct kbtf_pindex_cand);
	ix->syms = (const struct idx_sym *)(base + off[SEC_SYMS]);
	ix->nr_syms = size[SEC_SYMS] / sizeof(struct idx_sym);
	ix->ssums = (const uint32_t *)(base + off[SEC_SSUMS]);
	ix->sets = (const struct idx_symset *)(base + off[SEC_SYMSETS]);
	ix->nr_sets = size[SEC_SYMSETS] / sizeof(struct idx_symset);
	ix->symstr = (const char *)(base + off[SEC_SYMSTR]);
	ix->symstr_size = size[SEC_SYMSTR];
	ix->config = (const struct idx_config *)(base + off[SEC_CONFIG]);
	ix->nr_config = size[SEC_CONFIG] / sizeof(struct idx_config);
	ix->meta = (const char *)(base + off[SEC_META]);
	ix->meta_size = size[SEC_META];
	ix->pool = (const char *)(base + off[SEC_POOL]);
	ix->pool_size = size[SEC_POOL];
	ix->offs = (const uint32_t *)(base + off[SEC_OFFS]);
	ix->offsums = (const uint32_t *)(base + off[SEC_OFFSUMS]);
	ix->nr_offs = size[SEC_OFFS] / 4;

	if (ix->nr_offs && ix->nr_offs + 1 != le32toh(h->type_cnt))
		return bad(ix->name, "the type offsets do not cover the types");
	/* slot tables: a power of two, more than twice the entries, or none */
	if ((size[SEC_SLOTS] && (ix->slot_mask & (ix->slot_mask + 1))) ||
	    (size[SEC_SSLOTS] && (ix->sslot_mask & (ix->sslot_mask + 1))) ||
	    (ix->nr_names && size[SEC_SLOTS] / 4 < 2 * ix->nr_names) ||
	    (ix->nr_syms && size[SEC_SSLOTS] / 4 < 2 * ix->nr_syms))
		return bad(ix->name, "a hash table has the wrong size");
	/* the parts checked a block at a time have a checksum for each block */
	if (size[SEC_SLOTSUMS] / 4 != nr_blocks(size[SEC_SLOTS] / 4, NSLOT_BLOCK) ||
	    size[SEC_OFFSUMS] / 4 != nr_blocks(ix->nr_offs, OFFS_BLOCK) ||
	    ix->nr_digblks != nr_blocks(ix->nr_cands, DIG_BLOCK))
		return bad(ix->name, "block checksums missing");
	if ((ix->pool_size && ix->pool[ix->pool_size - 1]) ||
	    (ix->meta_size && ix->meta[ix->meta_size - 1]))
		return bad(ix->name, "the string pool is not terminated");
	/* the symbol table: its records are checked where a lookup goes */
	if (ix->nr_syms &&
	    (size[SEC_SSUMS] / 4 != (size[SEC_SSLOTS] / 4 + SSLOT_BLOCK - 1) / SSLOT_BLOCK ||
	     !ix->nr_sets || !ix->symstr_size || ix->symstr[ix->symstr_size - 1]))
		return bad(ix->name, "the symbol table is incomplete");
	return 0;
}

/* What the open-time checksum covers, checked whole at open: the config and the strings. */
static int check_meta(struct kbtf_pindex *ix)
{
	uint32_t i;

	for (i = 0; i < ix->nr_config; i++)
		if (!str_ok(ix, le32toh(ix->config[i].key)) ||
		    (le32toh(ix->config[i].value) != NO_VALUE &&
		     !str_ok(ix, le32toh(ix->config[i].value))))
			return bad(ix->name, "a config value is out of range");
	if ((le32toh(ix->h->release) != NO_VALUE && !str_ok(ix, le32toh(ix->h->release))) ||
	    (le32toh(ix->h->arch) != NO_VALUE && !str_ok(ix, le32toh(ix->h->arch))))
		return bad(ix->name, "the release or machine is out of range");
	return 0;
}

/*
 * Room to remember which slot and digest blocks the lookups found whole,
 * one bit a block: the lookups of one validation often read the same
 * block again (a delta's own symbol slots are one block).
 */
static int keep_block_checks(struct kbtf_pindex *ix)
{
	uint32_t nslots = ix->nr_names ? ix->slot_mask + 1 : 0,
		 nsslots = ix->nr_syms ? ix->sslot_mask + 1 : 0;

	ix->sslots_ok = calloc(nsslots / SSLOT_BLOCK / 8 + 1, 1);
	ix->nslots_ok = calloc(nslots / NSLOT_BLOCK / 8 + 1, 1);
	ix->digs_ok = calloc(ix->nr_digblks / 8 + 1, 1);
	return ix->sslots_ok && ix->nslots_ok && ix->digs_ok ? 0 : kbtf_err_nomem();
}

static int check(struct kbtf_pindex *ix)
{
	char hint[PATH_MAX + 160];
	const struct idx_hdr *h;
	int err;

	if (ix->buf.size < sizeof(*h) || memcmp(ix->buf.data, IDX_MAGIC, sizeof(IDX_MAGIC)))
		return bad(ix->name, "no index magic");
	h = ix->h = (const struct idx_hdr *)ix->buf.data;
	if (le32toh(h->version) != KBTF_PINDEX_VERSION)
		return kbtf_err(-ESTALE, "%s: kernel index version %u, this kbtf reads %u; %s",
				ix->name, le32toh(h->version), KBTF_PINDEX_VERSION,
				hint_for(ix->name, hint, sizeof(hint)));
	if (le32toh(h->hdr_size) != sizeof(*h) || le64toh(h->file_size) != ix->buf.size)
		return bad(ix->name, "its size is not the recorded one (truncated?)");
	err = check_sections(ix);
	if (err)
		return err;
	if (le64toh(h->checksum) != sum_of(ix->buf.data, le32toh(h->sec[NR_SUMMED].off)))
		return bad(ix->name, "checksum mismatch");
	if (le32toh(h->flags) & ~(uint32_t)F_KNOWN)
		return bad(ix->name, "unknown flags");
	err = check_meta(ix);
	if (!err && ix->nr_offs &&
	    !(ix->offs_ok = calloc(nr_blocks(ix->nr_offs, OFFS_BLOCK) / 8 + 1, 1)))
		err = kbtf_err_nomem();
	if (!err && ix->runblk0[NR_RT] && !(ix->runs_ok = calloc(ix->runblk0[NR_RT] / 8 + 1, 1)))
		err = kbtf_err_nomem();
	if (!err)
		err = keep_block_checks(ix);
	return err;
}

/* Are the profile's files the ones the index was built from? */
static int check_stamps(const struct kbtf_pindex *ix, const char *dir)
{
	char path[PATH_MAX];
	struct stat st;
	int i;

	for (i = 0; i < NR_FILES; i++) {
		int64_t want = (int64_t)le64toh((uint64_t)ix->h->stamps[i].mtime_ns), have = -1;
		uint64_t size = 0;

		if (snprintf(path, sizeof(path), "%s/%s", dir, stamp_files[i]) >= (int)sizeof(path))
			return kbtf_err(-ENAMETOOLONG, "%s: path too long", dir);
		if (stat(path, &st) == 0) {
			have = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
			size = (uint64_t)st.st_size;
		}
		if (have != want || (have >= 0 && size != le64toh(ix->h->stamps[i].size)))
			return kbtf_err(-ESTALE,
					"%s: stale kernel index (%s changed after it was built); "
					"rebuild it with 'kbtf kernels add --force %s'",
					ix->name, stamp_files[i], dir);
	}
	return 0;
}

/* Take @b (the index) over and check it. */
static int make(struct kbtf_buf *b, const char *name, struct kbtf_pindex **out)
{
	struct kbtf_pindex *ix = calloc(1, sizeof(*ix));
	int err;

	*out = NULL;
	if (!ix || !(ix->name = strdup(name))) {
		free(ix);
		kbtf_buf_release(b);
		return kbtf_err_nomem();
	}
	kbtf_buf_move(&ix->buf, b);
	err = check(ix);
	if (err) {
		kbtf_pindex_free(ix);
		return err;
	}
	*out = ix;
	return 0;
}

static int from_mem(const void *data, size_t size, const char *name, struct kbtf_pindex **out)
{
	struct kbtf_buf b = {0};

	*out = NULL;
	if (size > IDX_MAX_SIZE)
		return bad(name, "too big");
	/* a private, aligned copy: the records are read in place */
	b.data = malloc(size ? size : 1);
	if (!b.data)
		return kbtf_err_nomem();
	memcpy(b.data, data, size);
	b.size = size;
	b.owner = KBTF_BUF_HEAP;
	return make(&b, name, out);
}

int kbtf_pindex_from_mem(const void *data, size_t size, const char *name, struct kbtf_pindex **out)
{
	int err = from_mem(data, size, name, out);

	if (!err && flag(*out, F_DELTA)) {
		kbtf_pindex_free(*out);
		*out = NULL;
		return bad(name, "a delta against a reference index, given none");
	}
	return err;
}

/*
 * The index file @path, checked (a delta: not yet against its reference);
 * @shared: a reference many deltas are against, its mapping shared within
 * the process (buf_shared.h).
 */
static int open_path(const char *path, bool shared, struct kbtf_pindex **out)
{
	struct kbtf_buf b;
	struct stat st;
	int err;

	*out = NULL;
	if (stat(path, &st) < 0)
		return errno == ENOENT ? -ENOENT
				       : kbtf_err(-errno, "%s: %s", path, strerror(errno));
	if ((uint64_t)st.st_size > IDX_MAX_SIZE)
		return bad(path, "too big");
	err = shared ? kbtf_buf_from_file_shared(path, &b) : kbtf_buf_from_file(path, &b);
	if (err)
		return kbtf_err_prefix(err, "%s", path);
	if ((uintptr_t)b.data % 8) {
		/* the records are read in place: an aligned copy */
		err = from_mem(b.data, b.size, path, out);
		kbtf_buf_release(&b);
	} else {
		err = make(&b, path, out);
	}
	return err;
}

/* What open_ref() attaches to a reference's shared mapping. */
static const char ref_kind[] = "reference index";

static void drop_ref(void *ix)
{
	kbtf_pindex_free(ix);
}

/* Room to remember which records the lookups of the shared reference @ix checked. */
static void keep_checks(struct kbtf_pindex *ix)
{
	ix->syms_ok = calloc(ix->nr_syms / 8 + 1, 1);
	ix->names_ok = calloc(ix->nr_names / 8 + 1, 1);
	if (!ix->syms_ok || !ix->names_ok) {
		/* each checked every time, as without sharing */
		free(ix->syms_ok);
		free(ix->names_ok);
		ix->syms_ok = ix->names_ok = NULL;
	}
}

/*
 * The reference index @path of a delta: checked once per process and
 * shared by every delta against it (the mapping's object, buf_shared.h),
 * with what its lookups checked since; *@hold keeps it (the caller
 * borrows *@out while it holds *@hold). Where the file cannot be shared,
 * an index of its own, and *@hold empty.
 */
static int open_ref(const char *path, struct kbtf_pindex **out, struct kbtf_buf *hold)
{
	struct kbtf_pindex *ix, *kept;
	struct kbtf_buf view;
	int err;

	*out = NULL;
	err = kbtf_buf_from_file_shared(path, hold);
	if (err)
		return err == -ENOENT ? err : kbtf_err_prefix(err, "%s", path);
	if (hold->size > IDX_MAX_SIZE) {
		kbtf_buf_release(hold);
		return bad(path, "too big");
	}
	ix = kbtf_buf_shared_obj(hold, ref_kind);
	if (!ix && hold->owner == KBTF_BUF_SHARED && !((uintptr_t)hold->data % 8)) {
		view = (struct kbtf_buf){hold->data, hold->size, KBTF_BUF_BORROWED};
		/* a reference that fails is not kept: each open refuses it anew */
		err = make(&view, path, &ix);
		if (err) {
			kbtf_buf_release(hold);
			return err;
		}
		keep_checks(ix);
		kept = kbtf_buf_shared_attach(hold, ref_kind, ix, drop_ref);
		if (kept != ix)
			kbtf_pindex_free(ix);
		ix = kept;
	}
	if (!ix) {
		kbtf_buf_release(hold);
		return open_path(path, false, out);
	}
	*out = ix;
	return 0;
}

int kbtf_pindex_open_unstamped(const char *dir, struct kbtf_pindex **out)
{
	char path[PATH_MAX], ref_path[PATH_MAX];
	struct kbtf_pindex *ref;
	int err;

	*out = NULL;
	if (snprintf(path, sizeof(path), "%s/%s", dir, KBTF_PROFILE_INDEX) >= (int)sizeof(path) ||
	    snprintf(ref_path, sizeof(ref_path), "%s/%s", dir, KBTF_PROFILE_INDEX_REF) >=
		(int)sizeof(ref_path))
		return kbtf_err(-ENAMETOOLONG, "%s: path too long", dir);
	err = open_path(path, false, out);
	if (err || !flag(*out, F_DELTA))
		return err;
	err = open_ref(ref_path, &ref, &(*out)->ref_hold);
	if (err == -ENOENT)
		err = bad(path, "a delta against index.ref, which is missing");
	else if (!err)
		err = attach_ref(*out, ref, (*out)->ref_hold.data != NULL);
	if (!err && flag(*out, F_CRC_DONOR)) {
		struct kbtf_pindex *donor;

		if (snprintf(ref_path, sizeof(ref_path), "%s/%s", dir, KBTF_PROFILE_INDEX_CRCREF) >=
		    (int)sizeof(ref_path))
			err = kbtf_err(-ENAMETOOLONG, "%s: path too long", dir);
		else
			err = open_path(ref_path, true, &donor);
		if (err == -ENOENT)
			err = bad(path, "CRCs told against index.crcref, which is missing");
		else if (!err)
			err = attach_donor(*out, donor, false);
	}
	if (err) {
		kbtf_pindex_free(*out);
		*out = NULL;
	}
	return err;
}

int kbtf_pindex_open(const char *dir, struct kbtf_pindex **out)
{
	int err = kbtf_pindex_open_unstamped(dir, out);

	if (!err && (err = check_stamps(*out, dir))) {
		kbtf_pindex_free(*out);
		*out = NULL;
	}
	return err;
}

int kbtf_pindex_print_symvers(const char *dir, FILE *f)
{
	struct kbtf_pindex *ix;
	int err;

	/* the table does not depend on the other files: no stamps compared */
	err = kbtf_pindex_open_unstamped(dir, &ix);
	if (err == -ENOENT)
		return kbtf_err(err, "%s: no Module.symvers and no index holding it", dir);
	if (err)
		return err;
	err = kbtf_pindex_print_syms(ix, f);
	kbtf_pindex_free(ix);
	return err;
}

int kbtf_pindex_print_syms(const struct kbtf_pindex *ix, FILE *f)
{
	struct kbtf_pindex_sym s;
	uint32_t i;

	if (!kbtf_pindex_has_symvers(ix) || !kbtf_pindex_symvers_indexed(ix))
		return bad(ix->name, "holds no whole Module.symvers");
	for (i = 0; i < kbtf_pindex_nr_syms(ix); i++) {
		if (!kbtf_pindex_sym_at(ix, i, &s))
			return bad(ix->name, "Module.symvers record checksum mismatch");
		if (kbtf_pindex_sym_print(f, &s) < 0)
			return kbtf_err(-EIO, "cannot write Module.symvers: %s", strerror(errno));
	}
	return 0;
}

const struct kbtf_pindex *kbtf_pindex_reference(const struct kbtf_pindex *ix)
{
	return ix->ref;
}

void kbtf_pindex_free(struct kbtf_pindex *ix)
{
	if (!ix)
		return;
	kbtf_buf_release(&ix->buf);
	free(ix->offs_ok);
	free(ix->runs_ok);
	if (!ix->ref_borrowed)
		kbtf_pindex_free(ix->ref);
	if (!ix->donor_borrowed)
		kbtf_pindex_free(ix->donor);
	kbtf_buf_release(&ix->ref_hold);
	free(ix->syms_ok);
	free(ix->sslots_ok);
	free(ix->names_ok);
	free(ix->nslots_ok);
	free(ix->digs_ok);
	free(ix->name);
	free(ix);
}

/* ------------------------------------------------------------ lookups */

const char *kbtf_pindex_release(const struct kbtf_pindex *ix)
{
	return meta_at(ix, le32toh(ix->h->release));
}

const char *kbtf_pindex_arch(const struct kbtf_pindex *ix)
{
	return meta_at(ix, le32toh(ix->h->arch));
}

uint32_t kbtf_pindex_type_cnt(const struct kbtf_pindex *ix)
{
	return le32toh(ix->h->type_cnt);
}

uint64_t kbtf_pindex_btf_hash(const struct kbtf_pindex *ix)
{
	return le64toh(ix->h->btf_hash);
}

uint32_t kbtf_pindex_module_struct_size(const struct kbtf_pindex *ix)
{
	return le32toh(ix->h->module_struct_size);
}

static bool flag(const struct kbtf_pindex *ix, uint32_t f)
{
	return le32toh(ix->h->flags) & f;
}

bool kbtf_pindex_has_btf_relocate(const struct kbtf_pindex *ix)
{
	return flag(ix, F_BTF_RELOCATE);
}

bool kbtf_pindex_has_config(const struct kbtf_pindex *ix)
{
	return flag(ix, F_CONFIG);
}

bool kbtf_pindex_has_symvers(const struct kbtf_pindex *ix)
{
	return flag(ix, F_SYMVERS);
}

bool kbtf_pindex_symvers_indexed(const struct kbtf_pindex *ix)
{
	return flag(ix, F_SYMS_INDEXED);
}

uint32_t kbtf_pindex_nr_syms(const struct kbtf_pindex *ix)
{
	return ix->ref ? ix->nr_lines : ix->nr_syms;
}

const char *kbtf_pindex_config(const struct kbtf_pindex *ix, const char *key)
{
	uint32_t i;

	for (i = 0; i < ix->nr_config; i++) {
		if (!strcmp(ix->meta + le32toh(ix->config[i].key), key))
			return meta_at(ix, le32toh(ix->config[i].value));
	}
	return NULL;
}

/* Block @b of a table of @size bytes at @p, @per bytes a block: does its checksum hold? */
static bool blk_ok(const void *p, size_t size, size_t per, const uint32_t *sums, uint32_t b)
{
	size_t at = (size_t)b * per;

	return blk_sum((const uint8_t *)p + at, size - at < per ? size - at : per, b) ==
	       le32toh(sums[b]);
}

/* Name record @n - 1 (a slot's value), checked in full; NULL (damaged) when it fails. */
static const struct idx_name *name_checked(const struct kbtf_pindex *ix, uint32_t n)
{
	const struct idx_name *e;
	uint32_t first, nr, off, i, type_cnt = le32toh(ix->h->type_cnt);

	if (n > ix->nr_names)
		return NULL;
	e = &ix->names[n - 1];
	if (bit_held(ix->names_ok, n - 1))
		return e;
	first = le32toh(e->first);
	nr = le32toh(e->nr);
	off = le32toh(e->name);
	/* the pool ends with a NUL (checked on open): the name ends inside it */
	/* a delta index says "none" for a name of its reference with 0 */
	if ((!nr && !(le32toh(ix->h->flags) & F_DELTA)) || first > ix->nr_cands ||
	    nr > ix->nr_cands - first || off >= ix->pool_size ||
	    name_sum(n - 1, e, ix->pool + off, &ix->cands[first], nr) != le32toh(e->sum))
		return NULL;
	for (i = first; i < first + nr; i++)
		if (!le32toh(ix->cands[i].id) || le32toh(ix->cands[i].id) >= type_cnt)
			return NULL;
	bit_keep(ix->names_ok, n - 1);
	return e;
}

/* The index's own entry of @name into *@out, *@nr: false when it has none (or damaged). */
static bool cands_own(const struct kbtf_pindex *ix, const char *name,
		      const struct kbtf_pindex_cand **out, uint32_t *nr)
{
	uint32_t h = kbtf_hash_str(name), s, n, probes, block = ~0u;
	const struct idx_name *e;

	*out = NULL;
	*nr = 0;
	if (!ix->nr_names)
		return false;
	s = h & ix->slot_mask;
	/*
	 * Every slot block the probe reads and every record it visits is
	 * checked, so that "none" is as sure as the candidates found. A table
	 * more than half empty ends a probe; the cap guards a damaged one.
	 */
	for (probes = 0; probes <= ix->slot_mask; probes++) {
		if (s / NSLOT_BLOCK != block) {
			block = s / NSLOT_BLOCK;
			if (!bit_held(ix->nslots_ok, block)) {
				if (!blk_ok(ix->slots, 4 * ((size_t)ix->slot_mask + 1),
					    4 * NSLOT_BLOCK, ix->slotsums, block))
					goto damaged;
				bit_keep(ix->nslots_ok, block);
			}
		}
		n = le32toh(ix->slots[s]);
		if (!n)
			return false;
		e = name_checked(ix, n);
		if (!e)
			goto damaged;
		if (le32toh(e->hash) == h && !strcmp(ix->pool + le32toh(e->name), name)) {
			*nr = le32toh(e->nr);
			*out = *nr ? &ix->cands[le32toh(e->first)] : NULL;
			return true;
		}
		s = (s + 1) & ix->slot_mask;
	}
	return false;
damaged:
	kbtf_pindex_mark_damaged(ix);
	return false;
}

uint32_t kbtf_pindex_cands(const struct kbtf_pindex *ix, const char *name,
			   const struct kbtf_pindex_cand **out)
{
	uint32_t nr;

	if (cands_own(ix, name, out, &nr) || !ix->ref || kbtf_pindex_damaged(ix))
		return nr;
	return cands_mapped(ix, name, out);
}

/* The string at symstr offset @off, or NULL when out of range. */
static const char *symstr_at(const struct kbtf_pindex *ix, uint32_t off)
{
	return off < ix->symstr_size ? ix->symstr + off : NULL;
}

/* Record @n - 1 (a slot's value), checked in full; NULL (damaged) when it fails. */
static const struct idx_sym *sym_checked(const struct kbtf_pindex *ix, uint32_t n,
					 struct kbtf_pindex_sym *out)
{
	const struct idx_sym *e;
	const struct idx_symset *set;
	uint32_t si, nsoff;

	if (n > ix->nr_syms)
		return NULL;
	e = &ix->syms[n - 1];
	si = le32toh(e->set);
	if (si >= ix->nr_sets)
		return NULL;
	set = &ix->sets[si];
	nsoff = le32toh(set->ns);
	out->crc = le32toh(e->crc);
	out->name = symstr_at(ix, le32toh(e->name));
	out->module = symstr_at(ix, le32toh(set->module));
	out->type = symstr_at(ix, le32toh(set->type));
	out->ns = nsoff == NO_VALUE ? NULL : symstr_at(ix, nsoff);
	if (!out->name || !out->module || !out->type || (nsoff != NO_VALUE && !out->ns))
		return NULL;
	if (bit_held(ix->syms_ok, n - 1))
		return e;
	if (sym_sum(n - 1, le32toh(e->hash), out->crc, si, out->name, out->module, out->type,
		    out->ns) != le32toh(e->sum))
		return NULL;
	bit_keep(ix->syms_ok, n - 1);
	return e;
}

/*
 * The record of @sym in the index's own table (record number + 1 into
 * *@rec): 1 found, 0 not, -1 damaged (marked).
 */
static int sym_find(const struct kbtf_pindex *ix, const char *sym, struct kbtf_pindex_sym *out,
		    uint32_t *rec)
{
	uint32_t h = kbtf_hash_str(sym), s, n, probes, nslots = ix->sslot_mask + 1, block = ~0u;
	uint32_t last = 0;
	struct kbtf_pindex_sym at;
	const struct idx_sym *e;
	bool found = false;

	*rec = 0;
	if (!ix->nr_syms)
		return 0;
	s = h & ix->sslot_mask;
	/*
	 * Every slot block the probe reads and every record it visits is
	 * checked, so that "not found" is as sure as "found". A symbol listed
	 * twice: the last line wins, as in the parser.
	 */
	for (probes = 0; probes <= ix->sslot_mask; probes++) {
		if (s / SSLOT_BLOCK != block) {
			block = s / SSLOT_BLOCK;
			if (!bit_held(ix->sslots_ok, block)) {
				if (block_sum(ix->sslots, block, nslots) !=
				    le32toh(ix->ssums[block]))
					goto damaged;
				bit_keep(ix->sslots_ok, block);
			}
		}
		n = le32toh(ix->sslots[s]);
		if (!n)
			break;
		e = sym_checked(ix, n, &at);
		if (!e)
			goto damaged;
		if (le32toh(e->hash) == h && !strcmp(at.name, sym) && (!found || n > last)) {
			*out = at;
			last = n;
			found = true;
		}
		s = (s + 1) & ix->sslot_mask;
	}
	*rec = last;
	return found;
damaged:
	kbtf_pindex_mark_damaged(ix);
	return -1;
}

bool kbtf_pindex_symbol(const struct kbtf_pindex *ix, const char *sym, struct kbtf_pindex_sym *out)
{
	uint32_t rec;

	if (ix->ref)
		return sym_mapped(ix, sym, out);
	return sym_find(ix, sym, out, &rec) > 0;
}

bool kbtf_pindex_sym_at(const struct kbtf_pindex *ix, uint32_t i, struct kbtf_pindex_sym *out)
{
	if (ix->ref)
		return sym_at_mapped(ix, i, out);
	if (i >= ix->nr_syms)
		return false;
	if (!sym_checked(ix, i + 1, out)) {
		kbtf_pindex_mark_damaged(ix);
		return false;
	}
	return true;
}

/* @str (@n bytes) at @p, then @sep: the end. */
static char *put_field(char *p, const char *str, size_t n, char sep)
{
	memcpy(p, str, n);
	p[n] = sep;
	return p + n + 1;
}

int kbtf_pindex_sym_print(FILE *f, const struct kbtf_pindex_sym *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t nn = strlen(s->name), nm = strlen(s->module), nt = strlen(s->type),
	       ns = s->ns ? strlen(s->ns) : 0,
	       len = 11 + nn + 1 + nm + 1 + nt + 1 + (s->ns ? ns + 1 : 0);
	char small[512], *line = len <= sizeof(small) ? small : malloc(len), *p;
	int i, r;

	/* "0x%08x\t%s\t%s\t%s[\t%s]\n" by hand: printf's format parsing was
	 * most of rebuilding the lines a validation reads */
	if (!line)
		return -1;
	line[0] = '0';
	line[1] = 'x';
	for (i = 0; i < 8; i++)
		line[2 + i] = hex[(s->crc >> (28 - 4 * i)) & 0xf];
	line[10] = '\t';
	p = put_field(line + 11, s->name, nn, '\t');
	p = put_field(p, s->module, nm, '\t');
	p = put_field(p, s->type, nt, s->ns ? '\t' : '\n');
	if (s->ns)
		p = put_field(p, s->ns, ns, '\n');
	r = fwrite(line, 1, len, f) == len ? (int)len : -1;
	if (line != small)
		free(line);
	return r;
}

const uint32_t *kbtf_pindex_type_offs(const struct kbtf_pindex *ix, uint32_t *nr)
{
	*nr = ix->nr_offs;
	return ix->nr_offs ? ix->offs : NULL;
}

bool kbtf_pindex_type_offs_ok(const struct kbtf_pindex *ix, uint32_t first, uint32_t n)
{
	uint32_t b, last;

	if (!n)
		return true;
	if (first >= ix->nr_offs || n > ix->nr_offs - first)
		return false;
	last = (first + n - 1) / OFFS_BLOCK;
	for (b = first / OFFS_BLOCK; b <= last; b++) {
		if (bit_held(ix->offs_ok, b))
			continue;
		if (!blk_ok(ix->offs, 4 * (size_t)ix->nr_offs, 4 * OFFS_BLOCK, ix->offsums, b)) {
			kbtf_pindex_mark_damaged(ix);
			return false;
		}
		bit_keep(ix->offs_ok, b);
	}
	return true;
}

void kbtf_pindex_mark_damaged(const struct kbtf_pindex *ix)
{
	__atomic_store_n(&((struct kbtf_pindex *)ix)->damaged, 1, __ATOMIC_RELEASE);
}

bool kbtf_pindex_damaged(const struct kbtf_pindex *ix)
{
	return __atomic_load_n(&ix->damaged, __ATOMIC_ACQUIRE) ||
	       (ix->ref && kbtf_pindex_damaged(ix->ref)) ||
	       (ix->donor && kbtf_pindex_damaged(ix->donor));
}

/* The symbol slot blocks, when both tables lie inside and are aligned. */
static void seal_sslots(uint8_t *data, size_t size, const struct idx_hdr *h)
{
	uint32_t so, sn, mo, mn, i;

	so = le32toh(h->sec[SEC_SSLOTS].off);
	sn = le32toh(h->sec[SEC_SSLOTS].size) / 4;
	mo = le32toh(h->sec[SEC_SSUMS].off);
	mn = le32toh(h->sec[SEC_SSUMS].size) / 4;
	if (!(so % 4) && !(mo % 4) && so <= size && sn <= (size - so) / 4 && mo <= size &&
	    mn <= (size - mo) / 4 && mn == (sn + SSLOT_BLOCK - 1) / SSLOT_BLOCK) {
		for (i = 0; i < mn; i++) {
			uint32_t sum = htole32(block_sum((const uint32_t *)(data + so), i, sn));

			memcpy(data + mo + 4 * (size_t)i, &sum, 4);
		}
	}
}

/* Recompute the sums of the table @tab_sec, @per bytes a block, into @sum_sec (when they lie
 * inside). */
static void seal_blocks(uint8_t *data, size_t size, const struct idx_hdr *h, int tab_sec,
			int sum_sec, size_t per)
{
	uint32_t to = le32toh(h->sec[tab_sec].off), tn = le32toh(h->sec[tab_sec].size);
	uint32_t so = le32toh(h->sec[sum_sec].off), sn = le32toh(h->sec[sum_sec].size) / 4, b;

	if (to > size || tn > size - to || so > size || sn > (size - so) / 4 ||
	    sn != tn / per + !!(tn % per))
		return;
	for (b = 0; b < sn; b++) {
		size_t at = (size_t)b * per;
		uint32_t sum = htole32(blk_sum(data + to + at, tn - at < per ? tn - at : per, b));

		memcpy(data + so + 4 * (size_t)b, &sum, 4);
	}
}

/* The checksum of CRC block record @k of number @blk and its @n CRCs at @crcs. */
static uint32_t crcblk_sum(uint32_t blk, const struct idx_maskblk *k, const uint32_t *crcs,
			   uint32_t n)
{
	uint32_t w[4] = {htole32(blk), k->mask_lo, k->mask_hi, k->start};

	return blkrec_sum(idx_checksum((const uint8_t *)w, sizeof(w)),
			  idx_checksum((const uint8_t *)crcs, 4 * (size_t)n));
}

/*
 * Recompute the sum of every block record of table @sec whose values
 * (@per bytes each: a CRC or a layout digest) lie inside table @vsec (for
 * fuzzing).
 */
static void seal_maskblks(uint8_t *data, size_t size, const struct idx_hdr *h, int sec, int vsec,
			  uint32_t per)
{
	uint32_t bo = le32toh(h->sec[sec].off), bn = le32toh(h->sec[sec].size);
	uint32_t vo = le32toh(h->sec[vsec].off), vn = le32toh(h->sec[vsec].size), i;

	if (bo > size || bn > size - bo || vo > size || vn > size - vo || bo % per || vo % per)
		return;
	for (i = 0; i < bn / sizeof(struct idx_maskblk); i++) {
		struct idx_maskblk *k = (struct idx_maskblk *)(data + bo) + i;
		uint64_t mask = le32toh(k->mask_lo) | (uint64_t)le32toh(k->mask_hi) << 32;
		uint32_t start = le32toh(k->start), n = (uint32_t)__builtin_popcountll(mask);
		const uint8_t *vals = data + vo + (size_t)per * start;

		if (start > vn / per || n > vn / per - start)
			continue;
		k->sum = htole32(per == 4 ? crcblk_sum(i, k, (const uint32_t *)vals, n)
					  : digblk_sum(sec, i, k, (const uint64_t *)vals, n));
	}
}

/* Recompute every name record's sum whose ranges lie inside (for fuzzing). */
static void seal_names(uint8_t *data, size_t size, const struct idx_hdr *h)
{
	uint32_t no = le32toh(h->sec[SEC_NAMES].off), nn = le32toh(h->sec[SEC_NAMES].size);
	uint32_t co = le32toh(h->sec[SEC_CANDS].off), cn = le32toh(h->sec[SEC_CANDS].size);
	uint32_t po = le32toh(h->sec[SEC_POOL].off), pn = le32toh(h->sec[SEC_POOL].size), i;
	const size_t csz = sizeof(struct kbtf_pindex_cand);

	if (no > size || nn > size - no || co > size || cn > size - co || po > size ||
	    pn > size - po || !pn || data[po + pn - 1] || no % 4 || co % 4)
		return;
	for (i = 0; i < nn / sizeof(struct idx_name); i++) {
		struct idx_name *e = (struct idx_name *)(data + no) + i;
		uint32_t first = le32toh(e->first), nr = le32toh(e->nr), off = le32toh(e->name);

		if (first > cn / csz || nr > cn / csz - first || off >= pn)
			continue;
		e->sum =
		    htole32(name_sum(i, e, (const char *)data + po + off,
				     (const struct kbtf_pindex_cand *)(data + co) + first, nr));
	}
}

/* Recompute a delta's run table and gone record block sums, when all lie inside (for fuzzing). */
static void seal_runs(uint8_t *data, size_t size, const struct idx_hdr *h)
{
	static const int tab[NR_RT] = {SEC_IDRUNS, SEC_STRRUNS, SEC_SYMGONE};
	uint32_t so = le32toh(h->sec[SEC_RUNSUMS].off), sn = le32toh(h->sec[SEC_RUNSUMS].size) / 4;
	uint32_t t, g = 0;

	if (so > size || sn > (size - so) / 4)
		return;
	for (t = 0; t < NR_RT; t++) {
		uint32_t to = le32toh(h->sec[tab[t]].off), tn = le32toh(h->sec[tab[t]].size);
		size_t per = RUN_BLOCK * (t == RT_GONE ? 4 : sizeof(struct idx_run)), at;

		if (to > size || tn > size - to)
			return;
		for (at = 0; at < tn && g < sn; at += per, g++) {
			uint32_t sum =
			    htole32(blk_sum(data + to + at, tn - at < per ? tn - at : per, g));

			memcpy(data + so + 4 * (size_t)g, &sum, 4);
		}
	}
}

void kbtf_pindex_seal(uint8_t *data, size_t size)
{
	struct idx_hdr h;
	uint32_t end;

	if (size < sizeof(h))
		return;
	memcpy(&h, data, sizeof(h));
	end = le32toh(h.sec[NR_SUMMED].off);
	if (end < sizeof(h) || end > size)
		return;
	seal_names(data, size, &h);
	seal_blocks(data, size, &h, SEC_SLOTS, SEC_SLOTSUMS, 4 * NSLOT_BLOCK);
	seal_blocks(data, size, &h, SEC_OFFS, SEC_OFFSUMS, 4 * OFFS_BLOCK);
	seal_sslots(data, size, &h);
	seal_blocks(data, size, &h, SEC_SYMCRCS, SEC_CRCSUMS, 4 * CRC_BLOCK);
	seal_maskblks(data, size, &h, SEC_CRCBLKS, SEC_SYMCRCS, 4);
	seal_runs(data, size, &h);
	seal_maskblks(data, size, &h, SEC_DIGBLKS, SEC_DIGVALS, 8);
	seal_maskblks(data, size, &h, SEC_DIGREF, SEC_DIGVALS, 8);
	{
		uint32_t lo = le32toh(h.sec[SEC_SYMLINES].off),
			 ln = le32toh(h.sec[SEC_SYMLINES].size);

		if (lo <= size && ln <= size - lo)
			h.lines_sum = htole64(idx_checksum(data + lo, ln));
		memcpy(data + offsetof(struct idx_hdr, lines_sum), &h.lines_sum, 8);
	}
	h.checksum = htole64(sum_of(data, end));
	memcpy(data + offsetof(struct idx_hdr, checksum), &h.checksum, 8);
}
/*
 * ------------------------------------------------------------ a delta index
 *
 * A profile whose BTF is a delta against a reference kernel of its series
 * (kbtf_store_delta_btf()) gets index.ref, a link to the reference's index
 * object, and its own index is written against it where that is smaller
 * (F_DELTA): the reference's names and symbol table are read in place,
 * and this index holds only what differs:
 *
 *   - names: the reference's entry of a name, its type ids and name
 *     offsets mapped through two run tables (idruns, strruns: from each
 *     run's start up, add its difference), unless this index has an entry
 *     of its own for the name (added, changed, or 0 candidates: gone);
 *   - symbols: a line whose symbol is listed once in both kernels, with
 *     the same module, export kind and namespace, is the reference's
 *     record with this kernel's CRC (symcrcs, one a reference record,
 *     checked a block at a time where read); every other line is a record
 *     of this index's own table, of the usual kind, looked up first; the
 *     reference's records whose symbol this kernel lacks are listed
 *     (symgone); the lines' order is runs of records or a record a line
 *     (symlines, checked whole before the first line is read).
 *
 * The reference is the whole index whose checksum and size the header
 * records. A delta is kept only when every answer read through it equals
 * the whole index's (delta_same()).
 */

static int attach_ref(struct kbtf_pindex *ix, struct kbtf_pindex *ref, bool borrowed)
{
	const struct idx_hdr *h = ix->h;
	uint32_t i, line = 0;

	ix->ref = ref;
	ix->ref_borrowed = borrowed;
	if (flag(ref, F_DELTA))
		return bad(ix->name, "its reference index is a delta itself");
	if (ref->h->checksum != h->ref_sum || ref->h->file_size != h->ref_size)
		return kbtf_err(-EINVAL,
				"%s: kernel index is a delta against another reference index",
				ix->name);
	/* the run tables and gone records are checked a block at a time where
	 * a lookup reads them (run_blk_ok()), whole by kbtf_pindex_check_runs() */
	if (ix->nr_digref != nr_blocks(ref->nr_cands, DIG_BLOCK))
		return bad(ix->name, "the layout digests do not fit its reference's");
	if ((flag(ix, F_CRC_DONOR)
		 ? !ix->nr_lines || ix->nr_crcblks != nr_blocks(ref->nr_syms, CRC_BLOCK)
		 : ix->nr_crcs != (ix->nr_lines ? ref->nr_syms : 0)) ||
	    (ix->nr_lines && !flag(ref, F_SYMS_INDEXED)))
		return bad(ix->name, "the symbol table does not fit its reference's");
	if (flag(ix, F_LINES_FLAT))
		return ix->nr_symruns == ix->nr_lines
			   ? 0
			   : bad(ix->name, "symbol lines do not cover Module.symvers");
	/* the runs' records are checked where read (sym_at_mapped()) */
	for (i = 0; i < ix->nr_symruns; i++) {
		uint32_t n = le32toh(ix->symruns[i].count);

		if (le32toh(ix->symruns[i].line) != line || !n || n > ix->nr_lines - line)
			return bad(ix->name, "symbol runs do not cover Module.symvers");
		line += n;
	}
	if (line != ix->nr_lines)
		return bad(ix->name, "symbol runs do not cover Module.symvers");
	return 0;
}

/*
 * @donor as the index @ix's CRCs are told against (F_CRC_DONOR): a delta
 * against the same reference whose CRCs are its own, one a reference
 * record, and the one the header names. Its CRC blocks are checked where
 * read, as its own lookups check them.
 */
static int attach_donor(struct kbtf_pindex *ix, struct kbtf_pindex *donor, bool borrowed)
{
	const struct idx_hdr *h = ix->h;

	ix->donor = donor;
	ix->donor_borrowed = borrowed;
	if (!flag(donor, F_DELTA) || flag(donor, F_CRC_DONOR) || !ix->ref ||
	    donor->nr_crcs != ix->ref->nr_syms || donor->h->ref_sum != h->ref_sum ||
	    donor->h->ref_size != h->ref_size)
		return bad(ix->name,
			   "its CRC donor index does not hold CRCs of the same reference");
	if (donor->h->checksum != h->donor_sum || donor->h->file_size != h->donor_size)
		return kbtf_err(-EINVAL,
				"%s: kernel index tells its CRCs against another index than %s",
				ix->name, KBTF_PROFILE_INDEX_CRCREF);
	return 0;
}

/* The first word of entry @i of the delta table @t: a run's start, a gone record. */
static uint32_t run_key(const struct kbtf_pindex *ix, int t, uint32_t i)
{
	return le32toh(t == RT_IDS    ? ix->idruns[i].start
		       : t == RT_STRS ? ix->strruns[i].start
				      : ix->gone[i]);
}

static uint32_t run_count(const struct kbtf_pindex *ix, int t)
{
	return t == RT_IDS ? ix->nr_idruns : t == RT_STRS ? ix->nr_strruns : ix->nr_gone;
}

/*
 * Is the block of entry @i (< its count) of the delta table @t as written?
 * Checked the first time one of its entries is read: its checksum, its
 * entries ascending, and gone records inside the reference's symbols.
 */
static bool run_blk_ok(const struct kbtf_pindex *ix, int t, uint32_t i)
{
	uint32_t b = i / RUN_BLOCK, g = ix->runblk0[t] + b, n = run_count(ix, t), j, end;
	size_t esz = t == RT_GONE ? 4 : sizeof(struct idx_run);
	const uint8_t *tab = t == RT_IDS    ? (const uint8_t *)ix->idruns
			     : t == RT_STRS ? (const uint8_t *)ix->strruns
					    : (const uint8_t *)ix->gone;

	if (bit_held(ix->runs_ok, g))
		return true;
	end = n - b * RUN_BLOCK < RUN_BLOCK ? n : (b + 1) * RUN_BLOCK;
	if (blk_sum(tab + esz * b * RUN_BLOCK, esz * (end - b * RUN_BLOCK), g) !=
	    le32toh(ix->runsums[g]))
		return false;
	for (j = b * RUN_BLOCK + 1; j < end; j++)
		if (run_key(ix, t, j) <= run_key(ix, t, j - 1))
			return false;
	if (t == RT_GONE && (!ix->ref || run_key(ix, t, end - 1) >= ix->ref->nr_syms))
		return false;
	bit_keep(ix->runs_ok, g);
	return true;
}

/*
 * Where @v falls in the delta table @t (ascending): the first entry above
 * it, found by halving. When @ix checks its blocks (not while it is being
 * written), the two entries around that place are read from checked
 * blocks: then the answer is the one the intact table gives, whatever
 * the halving read on its way. NO_VALUE: a block read is damaged.
 */
static uint32_t run_place(const struct kbtf_pindex *ix, int t, uint32_t v)
{
	uint32_t lo = 0, hi = run_count(ix, t);

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (run_key(ix, t, mid) <= v)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (ix->runs_ok && ((lo && !run_blk_ok(ix, t, lo - 1)) ||
			    (lo < run_count(ix, t) && !run_blk_ok(ix, t, lo))))
		return NO_VALUE;
	return lo;
}

/* @v through the runs @t (RT_IDS, RT_STRS): false when below the first or damaged. */
static bool run_map(const struct kbtf_pindex *ix, int t, uint32_t v, uint32_t *out)
{
	uint32_t lo = run_place(ix, t, v);

	if (!lo || lo == NO_VALUE)
		return false;
	*out = v + le32toh(t == RT_IDS ? ix->idruns[lo - 1].delta : ix->strruns[lo - 1].delta);
	return true;
}

/* Mapped candidates go to a buffer of the calling thread's. */
static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;
static bool scratch_ok;

struct scratch {
	uint32_t cap;
	struct kbtf_pindex_cand c[];
};

static void scratch_init(void)
{
	scratch_ok = !pthread_key_create(&scratch_key, free);
}

static struct kbtf_pindex_cand *scratch_for(uint32_t n)
{
	struct scratch *s;

	if (pthread_once(&scratch_once, scratch_init) || !scratch_ok)
		return NULL;
	s = pthread_getspecific(scratch_key);
	if (!s || s->cap < n) {
		uint32_t cap = n < 64 ? 64 : n;
		struct scratch *ns = realloc(s, sizeof(*s) + sizeof(s->c[0]) * (size_t)cap);

		if (!ns)
			return NULL;
		ns->cap = cap;
		if (pthread_setspecific(scratch_key, ns)) {
			free(ns);
			pthread_setspecific(scratch_key, NULL);
			return NULL;
		}
		s = ns;
	}
	return s->c;
}

/* A typedef's size word is the id of the type it names. */
static bool size_is_id(const struct kbtf_pindex_cand *c)
{
	return ((le32toh(c->info) >> 24) & 0x1f) == BTF_KIND_TYPEDEF && le32toh(c->size);
}

/*
 * The reference's candidate @rc as this kernel's into @c: its type id,
 * name offset and, for a typedef, the id it names, mapped through the
 * runs; false when one falls outside them or this kernel's types.
 */
static bool cand_map(const struct kbtf_pindex *ix, uint32_t type_cnt,
		     const struct kbtf_pindex_cand *rc, struct kbtf_pindex_cand *c)
{
	uint32_t id, off, size = le32toh(rc->size);

	if (!run_map(ix, RT_IDS, le32toh(rc->id), &id) ||
	    !run_map(ix, RT_STRS, le32toh(rc->name_off), &off) || !id || id >= type_cnt ||
	    (size_is_id(rc) && (!run_map(ix, RT_IDS, size, &size) || size >= type_cnt)))
		return false;
	*c = *rc;
	c->id = htole32(id);
	c->name_off = htole32(off);
	c->size = htole32(size);
	return true;
}

static uint32_t cands_mapped(const struct kbtf_pindex *ix, const char *name,
			     const struct kbtf_pindex_cand **out)
{
	const struct kbtf_pindex_cand *rc;
	struct kbtf_pindex_cand *c;
	uint32_t nr, i;

	*out = NULL;
	if (!cands_own(ix->ref, name, &rc, &nr) || !nr)
		return 0;
	c = scratch_for(nr);
	if (!c)
		goto damaged; /* out of memory: no answer rather than a wrong one */
	for (i = 0; i < nr; i++)
		if (!cand_map(ix, le32toh(ix->h->type_cnt), &rc[i], &c[i]))
			goto damaged;
	*out = c;
	return nr;
damaged:
	kbtf_pindex_mark_damaged(ix);
	return 0;
}

/*
 * Candidate @i's entry in digest table @sec (@tab, @nr records) of @ix,
 * its block checked: *@set its bit, *@val the digest when set (else 0).
 * false: damaged.
 */
static bool digest_at(const struct kbtf_pindex *ix, int sec, const struct idx_maskblk *tab,
		      uint32_t nr, uint32_t i, bool *set, uint64_t *val)
{
	uint32_t blk = i / DIG_BLOCK, bit = i % DIG_BLOCK, start, n;
	const struct idx_maskblk *k;
	uint64_t mask;

	if (blk >= nr)
		return false;
	k = &tab[blk];
	mask = le32toh(k->mask_lo) | (uint64_t)le32toh(k->mask_hi) << 32;
	start = le32toh(k->start);
	n = (uint32_t)__builtin_popcountll(mask);
	if (start > ix->nr_digvals || n > ix->nr_digvals - start)
		return false;
	/* digref's blocks are read once a validation or so: not kept */
	if (sec != SEC_DIGBLKS || !bit_held(ix->digs_ok, blk)) {
		if (digblk_sum(sec, blk, k, ix->digvals + start, n) != le32toh(k->sum))
			return false;
		if (sec == SEC_DIGBLKS)
			bit_keep(ix->digs_ok, blk);
	}
	*set = mask >> bit & 1;
	*val = *set ? le64toh(ix->digvals[start + __builtin_popcountll(mask & ((1ull << bit) - 1))])
		    : 0;
	return true;
}

bool kbtf_pindex_digest(const struct kbtf_pindex *ix, const char *name, uint32_t id, uint64_t *out)
{
	const struct kbtf_pindex_cand *c;
	uint32_t nr, i, mapped, rec;
	bool set;

	*out = 0;
	if (cands_own(ix, name, &c, &nr)) {
		for (i = 0; i < nr && le32toh(c[i].id) != id; i++)
			;
		if (i == nr)
			return false;
		if (!digest_at(ix, SEC_DIGBLKS, ix->digblks, ix->nr_digblks,
			       (uint32_t)(c - ix->cands) + i, &set, out))
			goto damaged;
		return *out != 0;
	}
	if (!ix->ref || kbtf_pindex_damaged(ix) || !cands_own(ix->ref, name, &c, &nr))
		return false;
	for (i = 0; i < nr; i++)
		if (run_map(ix, RT_IDS, le32toh(c[i].id), &mapped) && mapped == id)
			break;
	if (i == nr)
		return false;
	rec = (uint32_t)(c - ix->ref->cands) + i;
	/* a clear bit here: the reference's digest */
	if (!digest_at(ix, SEC_DIGREF, ix->digref, ix->nr_digref, rec, &set, out) ||
	    (!set && !digest_at(ix->ref, SEC_DIGBLKS, ix->ref->digblks, ix->ref->nr_digblks, rec,
				&set, out)))
		goto damaged;
	return *out != 0;
damaged:
	*out = 0;
	kbtf_pindex_mark_damaged(ix);
	return false;
}

bool kbtf_pindex_digests_intact(const struct kbtf_pindex *ix)
{
	uint32_t b;
	uint64_t v;
	bool set;

	for (b = 0; b < ix->nr_digblks; b++)
		if (!digest_at(ix, SEC_DIGBLKS, ix->digblks, ix->nr_digblks, b * DIG_BLOCK, &set,
			       &v))
			return false;
	for (b = 0; b < ix->nr_digref; b++)
		if (!digest_at(ix, SEC_DIGREF, ix->digref, ix->nr_digref, b * DIG_BLOCK, &set, &v))
			return false;
	return !ix->ref || kbtf_pindex_digests_intact(ix->ref);
}

/*
 * Is the reference's record @rec (0-based) a symbol this kernel lacks?
 * 1 yes, 0 no, -1 a block read is damaged.
 */
static int gone_rec(const struct kbtf_pindex *ix, uint32_t rec)
{
	uint32_t lo = run_place(ix, RT_GONE, rec);

	if (lo == NO_VALUE)
		return -1;
	return lo && le32toh(ix->gone[lo - 1]) == rec;
}

static bool crc_of(const struct kbtf_pindex *ix, uint32_t rec, uint32_t *crc);

/* F_CRC_DONOR: the CRC of reference record @rec, here or the donor's. */
static bool crc_of_donor(const struct kbtf_pindex *ix, uint32_t rec, uint32_t *crc)
{
	uint32_t blk = rec / CRC_BLOCK, bit = rec % CRC_BLOCK, start, n;
	const struct idx_maskblk *k;
	uint64_t mask;

	if (!ix->donor || !ix->ref || rec >= ix->ref->nr_syms || blk >= ix->nr_crcblks)
		return false;
	k = &ix->crcblks[blk];
	mask = le32toh(k->mask_lo) | (uint64_t)le32toh(k->mask_hi) << 32;
	start = le32toh(k->start);
	n = (uint32_t)__builtin_popcountll(mask);
	if (start > ix->nr_crcs || n > ix->nr_crcs - start ||
	    crcblk_sum(blk, k, ix->crcs + start, n) != le32toh(k->sum))
		return false;
	if (!(mask >> bit & 1))
		return crc_of(ix->donor, rec, crc);
	*crc = le32toh(ix->crcs[start + __builtin_popcountll(mask & ((1ull << bit) - 1))]);
	return true;
}

/* This kernel's CRC of the reference's record @rec, its block checked; false: damaged. */
static bool crc_of(const struct kbtf_pindex *ix, uint32_t rec, uint32_t *crc)
{
	if (flag(ix, F_CRC_DONOR))
		return crc_of_donor(ix, rec, crc);
	if (rec >= ix->nr_crcs ||
	    !blk_ok(ix->crcs, 4 * (size_t)ix->nr_crcs, 4 * CRC_BLOCK, ix->crcsums, rec / CRC_BLOCK))
		return false;
	*crc = le32toh(ix->crcs[rec]);
	return true;
}

/*
 * A symbol of a delta index: its own record, else the reference's with
 * this kernel's CRC, unless gone. A name listed more than once (here or
 * in the reference) is all own lines, so the last line is found as the
 * parser keeps it.
 */
static bool sym_mapped(const struct kbtf_pindex *ix, const char *sym, struct kbtf_pindex_sym *out)
{
	struct kbtf_pindex_sym at;
	uint32_t rec;
	int r = sym_find(ix, sym, out, &rec);

	if (r)
		return r > 0;
	if (!ix->nr_lines || sym_find(ix->ref, sym, &at, &rec) <= 0)
		return false;
	r = gone_rec(ix, rec - 1);
	if (r > 0)
		return false;
	if (r < 0 || !crc_of(ix, rec - 1, &at.crc)) {
		kbtf_pindex_mark_damaged(ix);
		return false;
	}
	*out = at;
	return true;
}

/* The lines' sources, checked whole the first time a line is read. */
static bool lines_ok(const struct kbtf_pindex *ix)
{
	size_t size = le32toh(ix->h->sec[SEC_SYMLINES].size);

	if (__atomic_load_n(&ix->lines_ok, __ATOMIC_ACQUIRE))
		return true;
	if (idx_checksum(ix->buf.data + le32toh(ix->h->sec[SEC_SYMLINES].off), size) !=
	    le64toh(ix->h->lines_sum))
		return false;
	__atomic_store_n(&((struct kbtf_pindex *)ix)->lines_ok, 1, __ATOMIC_RELEASE);
	return true;
}

static bool sym_at_mapped(const struct kbtf_pindex *ix, uint32_t i, struct kbtf_pindex_sym *out)
{
	uint32_t lo = 0, hi = ix->nr_symruns, src;
	const struct idx_symrun *r;

	if (i >= ix->nr_lines)
		return false;
	if (!lines_ok(ix))
		goto damaged;
	if (flag(ix, F_LINES_FLAT)) {
		src = le32toh(ix->symsrc[i]);
	} else {
		while (lo < hi) {
			uint32_t mid = lo + (hi - lo) / 2;

			if (le32toh(ix->symruns[mid].line) <= i)
				lo = mid + 1;
			else
				hi = mid;
		}
		r = &ix->symruns[lo - 1]; /* they cover every line from 0 (attach_ref()) */
		src = le32toh(r->src) + (i - le32toh(r->line));
	}
	if (src & SRC_OWN) {
		if (!sym_checked(ix, (src & ~SRC_OWN) + 1, out))
			goto damaged;
		return true;
	}
	if (gone_rec(ix, src) != 0 || !sym_checked(ix->ref, src + 1, out) ||
	    !crc_of(ix, src, &out->crc))
		goto damaged;
	return true;
damaged:
	kbtf_pindex_mark_damaged(ix);
	return false;
}

int kbtf_pindex_check_runs(const struct kbtf_pindex *ix)
{
	uint32_t i;
	int t;

	if (!flag(ix, F_DELTA))
		return 0;
	for (t = 0; t < NR_RT; t++)
		for (i = 0; i < run_count(ix, t); i++)
			if (!run_blk_ok(ix, t, i) ||
			    (i && run_key(ix, t, i) <= run_key(ix, t, i - 1)))
				return bad(ix->name, t == RT_IDS    ? "type id runs out of order"
						     : t == RT_STRS ? "string runs out of order"
								    : "gone symbols out of order");
	return 0;
}

int kbtf_pindex_from_mem_ref(const void *data, size_t size, const void *ref_data, size_t ref_size,
			     const char *name, struct kbtf_pindex **out)
{
	return kbtf_pindex_from_mem_donor(data, size, ref_data, ref_size, NULL, 0, name, out);
}

int kbtf_pindex_from_mem_donor(const void *data, size_t size, const void *ref_data, size_t ref_size,
			       const void *donor_data, size_t donor_size, const char *name,
			       struct kbtf_pindex **out)
{
	struct kbtf_pindex *ref, *donor;
	int err;

	*out = NULL;
	err = from_mem(data, size, name, out);
	if (err || !flag(*out, F_DELTA))
		return err;
	err = from_mem(ref_data, ref_size, "index.ref", &ref);
	if (!err)
		err = attach_ref(*out, ref, false);
	if (!err && flag(*out, F_CRC_DONOR)) {
		if (!donor_data)
			err = bad(name, "CRCs told against a donor index, given none");
		else if (!(err =
			       from_mem(donor_data, donor_size, KBTF_PROFILE_INDEX_CRCREF, &donor)))
			err = attach_donor(*out, donor, false);
	}
	if (err) {
		kbtf_pindex_free(*out);
		*out = NULL;
	}
	return err;
}

/* ---------------------------------------------- writing one */

struct pair {
	uint32_t ref, own;
};

static int pair_cmp(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;

	return (x->ref > y->ref) - (x->ref < y->ref);
}

static int pairs_put(struct pair **p, uint32_t *nr, uint32_t *cap, uint32_t ref, uint32_t own)
{
	if (*nr == *cap) {
		uint32_t ncap = *cap ? *cap * 2 : 4096;
		struct pair *np = realloc(*p, sizeof(**p) * ncap);

		if (!np)
			return -ENOMEM;
		*p = np;
		*cap = ncap;
	}
	(*p)[*nr].ref = ref;
	(*p)[(*nr)++].own = own;
	return 0;
}

/* Runs from value pairs: a new run wherever the difference changes. */
static int runs_of(struct wbuf *out, struct pair *p, uint32_t nr)
{
	uint32_t i, last = 0;
	bool any = false;

	qsort(p, nr, sizeof(*p), pair_cmp);
	for (i = 0; i < nr; i++) {
		struct idx_run r = {htole32(p[i].ref), htole32(p[i].own - p[i].ref)};

		if (any && (p[i].ref == p[i - 1].ref || p[i].own - p[i].ref == last))
			continue;
		last = p[i].own - p[i].ref;
		any = true;
		if (wb_put(out, &r, sizeof(r)))
			return -ENOMEM;
	}
	return 0;
}

/* One name's entry of its own in @b. */
static int own_name(struct build *b, struct wbuf *hashes, const char *name,
		    const struct kbtf_pindex_cand *c, uint32_t nr)
{
	struct idx_name n = {0};
	uint32_t h = kbtf_hash_str(name), off = pool_str(&b->pool, name);

	if (off == NO_VALUE)
		return -ENOMEM;
	n.name = htole32(off);
	n.hash = htole32(h);
	n.first = htole32((uint32_t)(b->cands.len / sizeof(*c)));
	n.nr = htole32(nr);
	n.sum = htole32(name_sum((uint32_t)(b->names.len / sizeof(n)), &n, name, c, nr));
	if (wb_put(&b->names, &n, sizeof(n)) || (nr && wb_put(&b->cands, c, sizeof(*c) * nr)) ||
	    wb_put(hashes, &h, sizeof(h)))
		return -ENOMEM;
	return 0;
}

static int delta_names(struct build *b, const struct kbtf_pindex *full,
		       const struct kbtf_pindex *ref)
{
	const struct kbtf_pindex_cand *rc, *fc;
	struct pair *ids = NULL, *strs = NULL;
	uint32_t nids = 0, cids = 0, nstrs = 0, cstrs = 0, i, j, rn, fn;
	struct kbtf_pindex_cand m;
	struct wbuf hashes = {0};
	int err = 0;

	for (i = 0; !err && i < full->nr_names; i++) {
		const char *name = full->pool + le32toh(full->names[i].name);

		if (!cands_own(ref, name, &rc, &rn) || rn != le32toh(full->names[i].nr))
			continue;
		fc = &full->cands[le32toh(full->names[i].first)];
		for (j = 0; !err && j < rn; j++) {
			err = pairs_put(&ids, &nids, &cids, le32toh(rc[j].id), le32toh(fc[j].id))
				  ?: pairs_put(&strs, &nstrs, &cstrs, le32toh(rc[j].name_off),
					       le32toh(fc[j].name_off));
			/* and the types typedefs name */
			if (!err && size_is_id(&rc[j]) && size_is_id(&fc[j]))
				err = pairs_put(&ids, &nids, &cids, le32toh(rc[j].size),
						le32toh(fc[j].size));
		}
	}
	if (!err)
		err = runs_of(&b->idruns, ids, nids) ?: runs_of(&b->strruns, strs, nstrs);
	/* names whose mapped entry differs (or is not the reference's), added names */
	for (i = 0; !err && i < full->nr_names; i++) {
		const char *name = full->pool + le32toh(full->names[i].name);
		/* the runs as written, read as a reader reads them (no blocks to check) */
		struct kbtf_pindex runs = {
		    .idruns = (const struct idx_run *)b->idruns.p,
		    .strruns = (const struct idx_run *)b->strruns.p,
		    .nr_idruns = (uint32_t)(b->idruns.len / sizeof(struct idx_run)),
		    .nr_strruns = (uint32_t)(b->strruns.len / sizeof(struct idx_run)),
		};
		bool same;

		fn = le32toh(full->names[i].nr);
		fc = &full->cands[le32toh(full->names[i].first)];
		same = cands_own(ref, name, &rc, &rn) && rn == fn;
		for (j = 0; same && j < rn; j++)
			same = cand_map(&runs, le32toh(full->h->type_cnt), &rc[j], &m) &&
			       !memcmp(&m, &fc[j], sizeof(m));
		if (!same)
			err = own_name(b, &hashes, name, fc, fn);
	}
	/* the reference's names this kernel does not have */
	for (i = 0; !err && i < ref->nr_names; i++) {
		const struct idx_name *e = name_checked(ref, i + 1);
		const char *name = e ? ref->pool + le32toh(e->name) : NULL;

		if (!e)
			err = -EINVAL; /* a damaged reference: no delta */
		else if (!cands_own(full, name, &fc, &fn))
			err = own_name(b, &hashes, name, NULL, 0);
	}
	if (!err)
		err = put_slots(&b->slots, (const uint32_t *)hashes.p,
				(uint32_t)(hashes.len / sizeof(uint32_t)));
	if (!err)
		err = put_blk_sums(&b->slotsums, &b->slots, 4 * NSLOT_BLOCK);
	free(hashes.p);
	free(ids);
	free(strs);
	return err;
}

/*
 * The layout digests of a delta: of its own names' candidates whole, and
 * of the reference's candidates the ones that differ here.
 */
static int delta_digests(struct build *b, const struct kbtf_pindex *full,
			 const struct kbtf_pindex *ref)
{
	const struct idx_name *own = (const struct idx_name *)b->names.p;
	const struct kbtf_pindex_cand *oc = (const struct kbtf_pindex_cand *)b->cands.p;
	/* the runs as written, read as a reader reads them (no blocks to check) */
	struct kbtf_pindex runs = {
	    .idruns = (const struct idx_run *)b->idruns.p,
	    .nr_idruns = (uint32_t)(b->idruns.len / sizeof(struct idx_run)),
	};
	uint32_t nown = (uint32_t)(b->cands.len / sizeof(*oc)), i, j, id;
	uint64_t *v = calloc((size_t)nown + ref->nr_cands + 1, sizeof(*v)), *base;
	bool set;
	int err = 0;

	if (!v)
		return -ENOMEM;
	base = calloc((size_t)ref->nr_cands + 1, sizeof(*base));
	if (!base) {
		free(v);
		return -ENOMEM;
	}
	for (i = 0; i < b->names.len / sizeof(*own); i++)
		for (j = 0; j < le32toh(own[i].nr); j++)
			kbtf_pindex_digest(full, (const char *)b->pool.p + le32toh(own[i].name),
					   le32toh(oc[le32toh(own[i].first) + j].id),
					   &v[le32toh(own[i].first) + j]);
	err = put_digests(b, SEC_DIGBLKS, &b->digblks, v, NULL, nown);
	memset(v, 0, sizeof(*v) * ref->nr_cands);
	for (i = 0; !err && i < ref->nr_names; i++) {
		const struct idx_name *e = name_checked(ref, i + 1);
		uint32_t first = e ? le32toh(e->first) : 0;

		for (j = 0; e && j < le32toh(e->nr); j++) {
			if (!digest_at(ref, SEC_DIGBLKS, ref->digblks, ref->nr_digblks, first + j,
				       &set, &base[first + j])) {
				e = NULL;
				break;
			}
			v[first + j] = base[first + j];
			if (run_map(&runs, RT_IDS, le32toh(ref->cands[first + j].id), &id))
				kbtf_pindex_digest(full, ref->pool + le32toh(e->name), id,
						   &v[first + j]);
		}
		if (!e)
			err = -EINVAL; /* a damaged reference: no delta */
	}
	if (!err)
		err = put_digests(b, SEC_DIGREF, &b->digref, v, base, ref->nr_cands);
	free(v);
	free(base);
	return err;
}

static bool same_strs(const struct kbtf_pindex_sym *a, const struct kbtf_pindex_sym *b)
{
	return !strcmp(a->name, b->name) && !strcmp(a->module, b->module) &&
	       !strcmp(a->type, b->type) && !a->ns == !b->ns && (!a->ns || !strcmp(a->ns, b->ns));
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The names listed more than once in @ix's Module.symvers, sorted (NULL: out of memory). */
static const char **names_twice(const struct kbtf_pindex *ix, uint32_t *nr)
{
	const char **all = malloc(sizeof(*all) * (ix->nr_syms + 1));
	struct kbtf_pindex_sym s;
	uint32_t i, n = 0;

	*nr = 0;
	if (!all)
		return NULL;
	for (i = 0; i < ix->nr_syms; i++)
		if (sym_checked(ix, i + 1, &s))
			all[n++] = s.name;
	qsort(all, n, sizeof(*all), str_cmp);
	for (i = 0; i + 1 < n; i++)
		if (!strcmp(all[i], all[i + 1]) && (!*nr || strcmp(all[*nr - 1], all[i])))
			all[(*nr)++] = all[i];
	return all;
}

static bool listed_twice(const char **twice, uint32_t nr, const char *name)
{
	return nr && bsearch(&name, twice, nr, sizeof(*twice), str_cmp);
}

/* Has the own symbol table being built a line of @name? (a few dozen records: linear) */
static bool own_has(const struct build *b, const char *name)
{
	const struct idx_sym *r = (const struct idx_sym *)b->syms.p;
	size_t i, n = b->syms.len / sizeof(*r);

	for (i = 0; i < n; i++)
		if (!strcmp((const char *)b->symstr.p + le32toh(r[i].name), name))
			return true;
	return false;
}

/*
 * The CRCs @crcs (one a record of @ref) told against @donor's where that
 * takes under half of them whole: a block record each, and the CRCs that
 * differ. false: written whole (no donor, or too far from it).
 */
static bool crcs_against_donor(struct build *b, const uint32_t *crcs, const struct kbtf_pindex *ref,
			       const struct kbtf_pindex *donor)
{
	uint32_t nb = nr_blocks(ref->nr_syms, CRC_BLOCK), blk, i, nx = 0, d;
	struct wbuf blks = {0}, exc = {0};

	if (!donor || !flag(donor, F_DELTA) || flag(donor, F_CRC_DONOR) ||
	    donor->nr_crcs != ref->nr_syms || donor->h->ref_sum != ref->h->checksum ||
	    donor->h->ref_size != ref->h->file_size)
		return false;
	for (i = 0; i < ref->nr_syms; i++) {
		if (!crc_of(donor, i, &d))
			return false;
		nx += d != crcs[i];
	}
	if ((uint64_t)nb * sizeof(struct idx_maskblk) + 4ull * nx >=
	    (4ull * ref->nr_syms + 4ull * nb) / 2)
		return false;
	for (blk = 0; blk < nb; blk++) {
		struct idx_maskblk k = {0};
		uint64_t mask = 0;
		uint32_t start = (uint32_t)(exc.len / 4);

		for (i = blk * CRC_BLOCK; i < ref->nr_syms && i < (blk + 1) * CRC_BLOCK; i++) {
			if (!crc_of(donor, i, &d))
				goto fail;
			if (d == crcs[i])
				continue;
			mask |= 1ull << (i % CRC_BLOCK);
			if (wb_put(&exc, &crcs[i], 4))
				goto fail;
		}
		k.mask_lo = htole32((uint32_t)mask);
		k.mask_hi = htole32((uint32_t)(mask >> 32));
		k.start = htole32(start);
		k.sum = htole32(crcblk_sum(
		    blk, &k, exc.p ? (const uint32_t *)(exc.p + 4 * (size_t)start) : crcs,
		    (uint32_t)(exc.len / 4 - start)));
		if (wb_put(&blks, &k, sizeof(k)))
			goto fail;
	}
	if ((exc.len && wb_put(&b->symcrcs, exc.p, exc.len)) ||
	    wb_put(&b->crcblks, blks.p, blks.len))
		goto fail;
	free(exc.p);
	free(blks.p);
	b->h.flags |= F_CRC_DONOR;
	b->h.donor_sum = donor->h->checksum;
	b->h.donor_size = donor->h->file_size;
	return true;
fail:
	free(exc.p);
	free(blks.p);
	b->symcrcs.len = 0;
	b->crcblks.len = 0;
	return false;
}

static int delta_syms(struct build *b, const struct kbtf_pindex *full,
		      const struct kbtf_pindex *ref, const struct kbtf_pindex *donor)
{
	uint32_t i, rec, own = 0, nl = full->nr_syms, ntf = 0, ntr = 0, nruns = 0, *src = NULL;
	const char **twice_full = NULL, **twice_ref = NULL;
	struct kbtf_pindex_sym s, rs;
	uint32_t *crcs = NULL;
	uint8_t *used = NULL;
	char *text = NULL;
	size_t len = 0;
	FILE *f = NULL;
	int err = -ENOMEM;

	if (!flag(full, F_SYMS_INDEXED) || !flag(ref, F_SYMS_INDEXED))
		return -ENOTSUP;
	twice_full = names_twice(full, &ntf);
	twice_ref = names_twice(ref, &ntr);
	src = malloc(sizeof(*src) * (nl + 1));
	crcs = calloc(ref->nr_syms + 1, sizeof(*crcs));
	used = calloc(ref->nr_syms + 1, 1);
	f = open_memstream(&text, &len);
	if (!twice_full || !twice_ref || !src || !crcs || !used || !f)
		goto out;
	err = 0;
	for (i = 0; !err && i < nl; i++) {
		if (!kbtf_pindex_sym_at(full, i, &s)) {
			err = -EINVAL;
			break;
		}
		/* the reference's record, its CRC aside, where the symbol is
		 * listed once in both with the same module and export kind */
		if (!listed_twice(twice_full, ntf, s.name) &&
		    !listed_twice(twice_ref, ntr, s.name) && sym_find(ref, s.name, &rs, &rec) > 0 &&
		    same_strs(&s, &rs)) {
			src[i] = rec - 1;
			crcs[rec - 1] = htole32(s.crc);
			used[rec - 1] = 1;
		} else {
			if (kbtf_pindex_sym_print(f, &s) < 0)
				err = -ENOMEM;
			src[i] = own++ | SRC_OWN;
		}
		nruns += !i || src[i] != src[i - 1] + 1;
	}
	if (fclose(f) && !err)
		err = -ENOMEM;
	f = NULL;
	if (!err)
		err = build_syms_text(b, text ? text : "", len);
	if (!err && (b->syms.len / sizeof(struct idx_sym)) != own)
		err = -ENOTSUP; /* a line the table cannot hold */
	/* the reference's records no line here has, whose name has no own line either */
	for (i = 0; !err && i < ref->nr_syms; i++) {
		uint32_t g = htole32(i);

		if (used[i])
			continue;
		if (!sym_checked(ref, i + 1, &rs))
			err = -EINVAL;
		else if (!own_has(b, rs.name))
			err = wb_put(&b->symgone, &g, sizeof(g));
	}
	if (!err && nl && !crcs_against_donor(b, crcs, ref, donor)) {
		struct wbuf tab = {(uint8_t *)crcs, 4 * (size_t)ref->nr_syms, 0};

		if (wb_put(&b->symcrcs, crcs, 4 * (size_t)ref->nr_syms) ||
		    put_blk_sums(&b->crcsums, &tab, 4 * CRC_BLOCK))
			err = -ENOMEM;
	}
	/* the lines as runs of records, or a record a line where that is smaller */
	if (!err && (uint64_t)nruns * sizeof(struct idx_symrun) >= (uint64_t)nl * 4) {
		b->h.flags |= F_LINES_FLAT;
		for (i = 0; !err && i < nl; i++) {
			uint32_t v = htole32(src[i]);

			err = wb_put(&b->symlines, &v, sizeof(v));
		}
	} else {
		for (i = 0; !err && i < nl; i++) {
			struct idx_symrun r = {htole32(i), htole32(src[i]), htole32(1)};

			if (i && src[i] == src[i - 1] + 1) {
				/* the run of line i - 1, written last */
				struct idx_symrun *last =
				    (struct idx_symrun *)(b->symlines.p + b->symlines.len) - 1;

				last->count = htole32(le32toh(last->count) + 1);
			} else {
				err = wb_put(&b->symlines, &r, sizeof(r));
			}
		}
	}
	b->h.lines = htole32(nl);
	b->h.lines_sum = htole64(idx_checksum(b->symlines.p, b->symlines.len));
out:
	if (f)
		fclose(f);
	free(text);
	free(twice_full);
	free(twice_ref);
	free(src);
	free(crcs);
	free(used);
	return err;
}

/* Does @d, read against its reference, answer everything as @full does? */
static bool delta_same(const struct kbtf_pindex *full, const struct kbtf_pindex *d)
{
	const struct kbtf_pindex *ref = d->ref;
	const struct kbtf_pindex_cand *a, *c;
	struct kbtf_pindex_sym x, y;
	uint32_t i, j, n, m;
	bool fx, fy;

	for (i = 0; i < full->nr_names; i++) {
		const char *name = full->pool + le32toh(full->names[i].name);

		n = kbtf_pindex_cands(full, name, &a);
		m = kbtf_pindex_cands(d, name, &c);
		if (n != m || (n && memcmp(a, c, sizeof(*a) * n)))
			return false;
		for (j = 0; j < n; j++) {
			uint64_t dx, dy;
			bool hx = kbtf_pindex_digest(full, name, le32toh(a[j].id), &dx),
			     hy = kbtf_pindex_digest(d, name, le32toh(a[j].id), &dy);

			if (hx != hy || dx != dy)
				return false;
		}
	}
	for (i = 0; i < ref->nr_names; i++) {
		const struct idx_name *e = name_checked(ref, i + 1);

		if (!e || (!kbtf_pindex_cands(full, ref->pool + le32toh(e->name), &a) &&
			   kbtf_pindex_cands(d, ref->pool + le32toh(e->name), &c)))
			return false;
	}
	if (kbtf_pindex_nr_syms(full) != kbtf_pindex_nr_syms(d))
		return false;
	for (i = 0; i < kbtf_pindex_nr_syms(full); i++) {
		if (!kbtf_pindex_sym_at(full, i, &x) || !kbtf_pindex_sym_at(d, i, &y) ||
		    x.crc != y.crc || !same_strs(&x, &y))
			return false;
		fx = kbtf_pindex_symbol(full, x.name, &x);
		fy = kbtf_pindex_symbol(d, x.name, &y);
		if (fx != fy || (fx && (x.crc != y.crc || !same_strs(&x, &y))))
			return false;
	}
	for (i = 0; i < ref->nr_syms; i++) {
		if (!kbtf_pindex_sym_at(ref, i, &x))
			return false;
		fx = kbtf_pindex_symbol(full, x.name, &y);
		fy = kbtf_pindex_symbol(d, x.name, &x);
		if (fx != fy || (fx && (x.crc != y.crc || !same_strs(&x, &y))))
			return false;
	}
	return !kbtf_pindex_damaged(d) && !kbtf_pindex_damaged(full);
}

int kbtf_pindex_delta(const void *data, size_t size, const void *ref_data, size_t ref_size,
		      struct kbtf_buf *out)
{
	return kbtf_pindex_delta_donor(data, size, ref_data, ref_size, NULL, 0, out);
}

int kbtf_pindex_delta_donor(const void *data, size_t size, const void *ref_data, size_t ref_size,
			    const void *donor_data, size_t donor_size, struct kbtf_buf *out)
{
	struct kbtf_pindex *full = NULL, *ref = NULL, *d = NULL, *donor = NULL;
	struct build b = {0};
	uint32_t i;
	int err;

	memset(out, 0, sizeof(*out));
	err = from_mem(data, size, "index", &full);
	if (!err)
		err = from_mem(ref_data, ref_size, "index.ref", &ref);
	if (!err && (flag(full, F_DELTA) || flag(ref, F_DELTA)))
		err = -ENOTSUP;
	if (err)
		goto out;
	/* the facts as they are; names and symbols against the reference */
	b.h.type_cnt = full->h->type_cnt;
	b.h.btf_hash = full->h->btf_hash;
	b.h.module_struct_size = full->h->module_struct_size;
	b.h.flags = le32toh(full->h->flags) | F_DELTA;
	memcpy(b.h.stamps, full->h->stamps, sizeof(b.h.stamps));
	b.h.ref_sum = ref->h->checksum;
	b.h.ref_size = ref->h->file_size;
	/* a donor that is no index is no donor: the CRCs are written whole */
	if (donor_data && from_mem(donor_data, donor_size, KBTF_PROFILE_INDEX_CRCREF, &donor))
		kbtf_err_clear();
	err = delta_names(&b, full, ref);
	if (!err)
		err = delta_digests(&b, full, ref);
	if (!err && flag(full, F_SYMS_INDEXED))
		err = delta_syms(&b, full, ref, donor);
	for (i = 0; !err && i < full->nr_config; i++) {
		struct idx_config c;
		const char *v = meta_at(full, le32toh(full->config[i].value));

		c.key = htole32(pool_str(&b.meta, meta_at(full, le32toh(full->config[i].key))));
		c.value = htole32(pool_str(&b.meta, v));
		if (c.key == NO_VALUE || (v && c.value == NO_VALUE) ||
		    wb_put(&b.config, &c, sizeof(c)))
			err = -ENOMEM;
	}
	if (!err && full->nr_offs &&
	    (wb_put(&b.offs, full->offs, (size_t)full->nr_offs * 4) ||
	     put_blk_sums(&b.offsums, &b.offs, 4 * OFFS_BLOCK)))
		err = -ENOMEM;
	if (!err) {
		b.h.release = htole32(pool_str(&b.meta, kbtf_pindex_release(full)));
		b.h.arch = htole32(pool_str(&b.meta, kbtf_pindex_arch(full)));
		if (b.pool.len >= UINT32_MAX - 1 || b.meta.len >= UINT32_MAX - 1)
			err = -ENOMEM;
	}
	if (!err)
		err = assemble(&b, out);
	if (!err)
		err = from_mem(out->data, out->size, "index (delta)", &d);
	if (!err)
		err = attach_ref(d, ref, true);
	if (!err && flag(d, F_CRC_DONOR))
		err = attach_donor(d, donor, true);
	if (!err && (out->size >= size || !delta_same(full, d)))
		err = -ENOTSUP;
out:
	build_fini(&b);
	kbtf_pindex_free(d);
	kbtf_pindex_free(full);
	kbtf_pindex_free(ref);
	kbtf_pindex_free(donor);
	if (err) {
		kbtf_buf_release(out);
		kbtf_err_clear();
	}
	return err;
}

/*
 * The index @b as a delta against <dir>/index.ref, where there is one and
 * that is smaller; its CRCs against <dir>/index.crcref where there is one
 * and that pays (crcs_against_donor()). A link not used is removed.
 */
static void delta_if_smaller(const char *dir, struct kbtf_buf *b)
{
	char path[PATH_MAX], donor_path[PATH_MAX];
	struct kbtf_buf ref, donor = {0}, d;
	bool used = false;

	if (snprintf(path, sizeof(path), "%s/%s", dir, KBTF_PROFILE_INDEX_REF) >=
		(int)sizeof(path) ||
	    snprintf(donor_path, sizeof(donor_path), "%s/%s", dir, KBTF_PROFILE_INDEX_CRCREF) >=
		(int)sizeof(donor_path))
		return;
	if (access(path, F_OK) < 0) {
		unlink(donor_path);
		return;
	}
	if (access(donor_path, F_OK) == 0 && kbtf_buf_from_file(donor_path, &donor))
		kbtf_err_clear();
	if (!kbtf_buf_from_file(path, &ref)) {
		if (!kbtf_pindex_delta_donor(b->data, b->size, ref.data, ref.size, donor.data,
					     donor.size, &d)) {
			used = le32toh(((const struct idx_hdr *)d.data)->flags) & F_CRC_DONOR;
			kbtf_buf_release(b);
			kbtf_buf_move(b, &d);
			kbtf_buf_release(&ref);
			kbtf_buf_release(&donor);
			if (!used)
				unlink(donor_path);
			return;
		}
		kbtf_buf_release(&ref);
	}
	kbtf_buf_release(&donor);
	kbtf_err_clear();
	unlink(path); /* not needed: the collector may take it */
	unlink(donor_path);
}
