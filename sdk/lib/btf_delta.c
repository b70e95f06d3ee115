// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A vmlinux BTF as a structural delta against another kernel's: see
 * btf_delta.h for the idea and the format, docs/kernels.md for figures.
 *
 * Making one is linear apart from sorts: signatures are hashed once, the
 * anchors (signatures unique in both) come from one merge of the two
 * sorted signature lists, and the matches grow from the anchors along
 * references and over equal neighbours; only gaps small enough for it are
 * filled by a bounded LCS table. Strings match by content through one hash table.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "btf_delta.h"
#include "hash.h"
#include "kbtf/btf.h"
#include "kbtf/err.h"
#include "util.h"

#define HDR_SIZE 104
#define CSUM_AT 80	/* of everything */
#define HEAD_CSUM_AT 88 /* of the header and K's BTF header, checked on every open */
#define R_STRS_AT 96	/* the reference's string section length */
#define RESERVED_AT 100 /* 0 */
#define MAX_BTF_HDR 64
#define GAP_CELLS 4096 /* LCS table bound for one gap between matches */
#define NONE UINT32_MAX
#define USED (UINT32_MAX - 1) /* a string slot already matched */

/* Checkpoints of R's record offsets: one per CK_IDS ids. */
#define CK_IDS 16

static uint64_t nr_checkpoints(uint32_t r_nr)
{
	return ((uint64_t)r_nr + CK_IDS - 1) / CK_IDS;
}

struct type_run {
	uint32_t k_id, r_id, n;
	uint32_t r_byte; /* where R's record r_id is in R's type section */
};

struct str_run {
	uint32_t k_off, r_off, len;
};

struct lit {
	uint32_t k_id, off;
};

/* ------------------------------------------------------ record words */

/*
 * What each u32 word of a record is: a string offset (N), a type id (R)
 * or a plain value (V). The head is name, info, then size or type; the
 * tail repeats one pattern per vlen item (or once for a fixed tail).
 */
struct rec_shape {
	char word2;	  /* 'R' or 'V' */
	const char *tail; /* pattern of one item */
	bool per_item;	  /* repeated vlen times, else once */
};

static bool shape_of(uint32_t kind, struct rec_shape *s)
{
	*s = (struct rec_shape){.word2 = 'V', .tail = "", .per_item = false};
	switch (kind) {
	case BTF_KIND_INT:
		s->tail = "V";
		return true;
	case BTF_KIND_PTR:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_FUNC:
	case BTF_KIND_TYPE_TAG:
		s->word2 = 'R';
		return true;
	case BTF_KIND_FWD:
	case BTF_KIND_FLOAT:
		return true;
	case BTF_KIND_ARRAY:
		s->tail = "RRV";
		return true;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		s->tail = "NRV";
		s->per_item = true;
		return true;
	case BTF_KIND_ENUM:
		s->tail = "NV";
		s->per_item = true;
		return true;
	case BTF_KIND_ENUM64:
		s->tail = "NVV";
		s->per_item = true;
		return true;
	case BTF_KIND_FUNC_PROTO:
		s->word2 = 'R';
		s->tail = "NR";
		s->per_item = true;
		return true;
	case BTF_KIND_VAR:
		s->word2 = 'R';
		s->tail = "V";
		return true;
	case BTF_KIND_DATASEC:
		s->tail = "RVV";
		s->per_item = true;
		return true;
	case BTF_KIND_DECL_TAG:
		s->word2 = 'R';
		s->tail = "V";
		return true;
	default:
		return false;
	}
}

/*
 * Record sizes by kind: rec_base + rec_item * vlen bytes (0: an unknown
 * kind), the sizes shape_of() describes, in a table: a reader sizes every
 * record between a checkpoint and the one it wants.
 */
static const uint8_t rec_base[32] = {
    [BTF_KIND_INT] = 16,	[BTF_KIND_PTR] = 12,	  [BTF_KIND_ARRAY] = 24,
    [BTF_KIND_STRUCT] = 12,	[BTF_KIND_UNION] = 12,	  [BTF_KIND_ENUM] = 12,
    [BTF_KIND_FWD] = 12,	[BTF_KIND_TYPEDEF] = 12,  [BTF_KIND_VOLATILE] = 12,
    [BTF_KIND_CONST] = 12,	[BTF_KIND_RESTRICT] = 12, [BTF_KIND_FUNC] = 12,
    [BTF_KIND_FUNC_PROTO] = 12, [BTF_KIND_VAR] = 16,	  [BTF_KIND_DATASEC] = 12,
    [BTF_KIND_FLOAT] = 12,	[BTF_KIND_DECL_TAG] = 16, [BTF_KIND_TYPE_TAG] = 12,
    [BTF_KIND_ENUM64] = 12,
};
static const uint8_t rec_item[32] = {
    [BTF_KIND_STRUCT] = 12,    [BTF_KIND_UNION] = 12,	[BTF_KIND_ENUM] = 8,
    [BTF_KIND_FUNC_PROTO] = 8, [BTF_KIND_DATASEC] = 12, [BTF_KIND_ENUM64] = 12,
};

/* Bytes of the record whose info word is @info; 0 for an unknown kind. */
static inline uint32_t rec_bytes(uint32_t info)
{
	uint32_t kind = (info >> 24) & 0x1f;

	if ((info >> 24) & 0x60)
		return 0;
	return rec_base[kind] + rec_item[kind] * (info & 0xffff);
}

/* The role of word @w (0-based) of a record of shape @s. */
static char word_role(const struct rec_shape *s, uint32_t w)
{
	size_t n = strlen(s->tail);

	if (w == 0)
		return 'N';
	if (w == 1)
		return 'V';
	if (w == 2)
		return s->word2;
	return s->tail[(w - 3) % n];
}

/* ----------------------------------------------------------- tables */

/*
 * A delta's tables as the file holds them (little-endian words, in
 * place), and which of their blocks a reader has checked. The file holds
 * the lookups too (buckets), so that opening one builds nothing: a
 * lookup reads a bucket and a run or two, and checks the blocks those
 * words are in the first time it reads one (their checksums, TBLOCK bytes
 * each). The maker reads its own tables through the same code (@ok NULL:
 * nothing to check).
 *
 * Type runs {k_id, r_id, n, r_byte} and string runs {k_off, r_off, len,
 * lit_at} share their first three words' meaning: K value, R value,
 * length; a string run's fourth is the literal string bytes before it.
 */
#define TBLOCK 256  /* bytes of the tables per checksum */
#define KB_SHIFT 8  /* K ids per bucket of the type run and literal lookups */
#define KS_SHIFT 12 /* K string bytes per bucket of the string run lookup */
#define RT_SHIFT 8  /* R ids per bucket of the R -> K type map */
#define RS_SHIFT 12 /* R string bytes per bucket of the R -> K string map */

/* A run as a lookup found it: R values [r, r + n) are K's k... */
struct span {
	uint32_t r, n, k;
};

struct tabs {
	const uint8_t *base; /* the tables, size bytes */
	uint32_t size;
	const uint8_t *tr, *tperm, *lits, *sr, *sperm, *ck;
	/* buckets: tb[b] the first type run ending past K id b << KB_SHIFT, lb[b]
	 * the first literal at or past it, sb[b] the first string run ending past
	 * K offset b << KS_SHIFT; rtb[b] (rsb[b]) the first in R order ending
	 * past R id (offset) b << RT_SHIFT (RS_SHIFT) */
	const uint8_t *tb, *lb, *sb, *rtb, *rsb;
	uint32_t ntr, nlit, nsr, nk, str_len, lit_len, str_lit, r_nr, r_strs;
	const uint8_t *sums; /* one per TBLOCK bytes of the tables */
	uint8_t *ok;	     /* per block: 1 once its checksum held (the maker's: all 1) */
	uint32_t nblocks;
	/* per bucket of the R -> K maps, the run a lookup last found there (a
	 * reader's cache: NULL for the maker) */
	struct span *tcache, *scache;
};

static uint32_t nr_kb(uint32_t nk)
{
	return (nk >> KB_SHIFT) + 2;
}

static uint32_t nr_ksb(uint32_t str_len)
{
	return (str_len >> KS_SHIFT) + 2;
}

static uint32_t nr_rtb(uint32_t r_nr)
{
	return (r_nr >> RT_SHIFT) + 1;
}

static uint32_t nr_rsb(uint32_t r_strs)
{
	return (r_strs >> RS_SHIFT) + 1;
}

/* The checksum of block @b of the tables (@len bytes at @p): its number is in it. */
static uint32_t block_sum(const uint8_t *p, uint32_t len, uint32_t b)
{
	uint64_t h = kbtf_hash_bytes(p, len) ^ ((uint64_t)b + 1) * 0x9e3779b97f4a7c15ull;

	h *= 0x100000001b3ull;
	return (uint32_t)(h ^ (h >> 32));
}

/* Block @b checked against its checksum, and so marked: false when it fails. */
static __attribute__((noinline)) bool block_check(const struct tabs *t, uint32_t b)
{
	uint32_t at = b * TBLOCK, len = t->size - at < TBLOCK ? t->size - at : TBLOCK;

	if (b >= t->nblocks || block_sum(t->base + at, len, b) != kbtf_le32(t->sums + 4 * b))
		return false;
	__atomic_store_n(&t->ok[b], 1, __ATOMIC_RELAXED);
	return true;
}

/*
 * Is the block holding @p (inside the tables) as written? Checked the
 * first time it is read, then remembered.
 */
static inline bool blk_ok(const struct tabs *t, const uint8_t *p)
{
	size_t at = (size_t)(p - t->base);
	uint32_t b = (uint32_t)(at / TBLOCK);

	/* a position a damaged table steered outside it is no block */
	if (__builtin_expect(p < t->base || at >= t->size, 0))
		return false;
	return __builtin_expect(__atomic_load_n(&t->ok[b], __ATOMIC_RELAXED), 1) ||
	       block_check(t, b);
}

/*
 * Are the @len bytes at @p (inside the tables) as written? Words and the
 * type runs (the first table, 16 bytes each) lie in one block; a string
 * run may span two.
 */
static inline bool tab_ok(const struct tabs *t, const uint8_t *p, uint32_t len)
{
	return blk_ok(t, p) && blk_ok(t, p + len - 1);
}

/* Word @i of the table @tab, checked; false when its block is damaged. */
static inline bool word_at(const struct tabs *t, const uint8_t *tab, uint32_t i, uint32_t *v)
{
	if (!blk_ok(t, tab + 4 * i))
		return false;
	*v = kbtf_le32(tab + 4 * i);
	return true;
}

/*
 * bucket[*b ..@last] = @v, *b moved past them. Most runs and literals
 * start no new bucket: the test keeps them from paying for the filling
 * loop's (vectorised) setup.
 */
static inline void fill_buckets(uint32_t *bucket, uint32_t *b, uint32_t last, uint32_t v)
{
	uint32_t i;

	if (*b > last)
		return;
	for (i = *b; i <= last; i++)
		bucket[i] = v;
	*b = last + 1;
}

/* ------------------------------------------------------------- maps */

/*
 * What a lookup checks: the block of the entry that answers it. Runs are
 * apart in both BTFs and literals are not in runs, so the one entry that
 * holds the id or offset asked is the answer wherever the lookup's way
 * there (a bucket, an R order index, the entries passed) came from: a
 * damaged word on the way leads to that entry or to none, and none is
 * an answer no intact delta gives (a record not rebuilt: damaged).
 *
 * K value of R value @r (an id, @types, or a string offset) through the
 * runs in R order, NONE when no run covers it or its block is damaged;
 * *@hint, the run the last lookup found, is tried first and then set: a
 * record's words mostly fall in a few long runs.
 */
static uint32_t rmap_find(const struct tabs *t, bool types, uint32_t r, struct span *hint)
{
	const uint8_t *perm = types ? t->tperm : t->sperm, *runs = types ? t->tr : t->sr, *e;
	uint32_t nr = types ? t->ntr : t->nsr, i, p, rr, n;

	if (r >= (types ? t->r_nr : t->r_strs))
		return NONE;
	/* the bucket and the runs passed only steer (see above) */
	for (i = kbtf_le32((types ? t->rtb : t->rsb) + 4 * (r >> (types ? RT_SHIFT : RS_SHIFT)));
	     i < nr; i++) {
		p = kbtf_le32(perm + 4 * i);
		if (p >= nr)
			return NONE;
		e = runs + 16 * p;
		rr = kbtf_le32(e + 4);
		n = kbtf_le32(e + 8);
		if (r - rr < n) {
			if (!tab_ok(t, e, 16))
				return NONE;
			*hint = (struct span){rr, n, kbtf_le32(e)};
			return hint->k + (r - rr);
		}
		if (rr > r)
			return NONE; /* the runs after it start later still */
	}
	return NONE;
}

/*
 * rmap_find() after the run the last lookup found (*@hint) and the one
 * last found in @r's bucket (a reader's): a record's words mostly fall
 * in a few long runs, and a judge reads types that name the same ones.
 */
static inline uint32_t rmap_get(const struct tabs *t, bool types, uint32_t r, struct span *hint)
{
	struct span *c = types ? t->tcache : t->scache;
	uint32_t v;

	if (r == 0)
		return 0;
	if (r - hint->r < hint->n)
		return hint->k + (r - hint->r);
	if (r >= (types ? t->r_nr : t->r_strs))
		return NONE;
	if (c) {
		c += r >> (types ? RT_SHIFT : RS_SHIFT);
		if (r - c->r < c->n) {
			*hint = *c;
			return c->k + (r - c->r);
		}
	}
	v = rmap_find(t, types, r, hint);
	if (c && v != NONE)
		*c = *hint;
	return v;
}

/* The R id (@types) or string offset at @src as K's at @dst: false when it has no image in K. */
static inline bool map_at(uint8_t *dst, const uint8_t *src, const struct tabs *t, bool types,
			  struct span *hint)
{
	uint32_t v = rmap_get(t, types, kbtf_le32(src), hint);

	if (v == NONE)
		return false;
	kbtf_put_le32(dst, v);
	return true;
}

/* Word @w of @src as it is at @dst. */
static inline void copy_at(uint8_t *dst, const uint8_t *src, uint32_t w)
{
	memcpy(dst + 4 * w, src + 4 * w, 4);
}

/*
 * Translate R's record @src (@len bytes, its size checked by the caller)
 * into K's ids and string offsets at @dst: false when an id or offset
 * has no image in K. The words each kind holds are those of shape_of(),
 * written out per kind, each word copied or mapped once: records are
 * rebuilt one by one as a judge reads them, and this is most of what
 * that costs. @hints holds the runs the last ids and strings were found
 * in, and gets this record's: a judge reads a struct, then the types its
 * members name.
 */
static bool translate(const uint8_t *src, uint32_t len, uint8_t *dst, const struct tabs *tm,
		      struct span *hints)
{
	struct span th = hints[0], sh = hints[1];
	uint32_t words = len / 4, w;
	bool ok;

	if (words < 3 || !map_at(dst, src, tm, false, &sh))
		return false;
	copy_at(dst, src, 1);
	switch ((kbtf_le32(src + 4) >> 24) & 0x1f) {
	case BTF_KIND_INT:
	case BTF_KIND_FWD:
	case BTF_KIND_FLOAT:
		/* the size, and an int's encoding */
		for (w = 2, ok = true; w < words; w++)
			copy_at(dst, src, w);
		break;
	case BTF_KIND_PTR:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_FUNC:
	case BTF_KIND_TYPE_TAG:
	case BTF_KIND_VAR:
	case BTF_KIND_DECL_TAG:
		/* the type, then a var's linkage or a tag's component index */
		ok = map_at(dst + 8, src + 8, tm, true, &th);
		for (w = 3; w < words; w++)
			copy_at(dst, src, w);
		break;
	case BTF_KIND_ARRAY:
		/* the element and index types between two plain words */
		ok = words == 6 && map_at(dst + 12, src + 12, tm, true, &th) &&
		     map_at(dst + 16, src + 16, tm, true, &th);
		copy_at(dst, src, 2);
		if (words == 6)
			copy_at(dst, src, 5);
		break;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		/* members: name, type, offset */
		copy_at(dst, src, 2);
		for (w = 3, ok = true; ok && w + 3 <= words; w += 3) {
			ok = map_at(dst + 4 * w, src + 4 * w, tm, false, &sh) &&
			     map_at(dst + 4 * w + 4, src + 4 * w + 4, tm, true, &th);
			copy_at(dst, src, w + 2);
		}
		ok = ok && w == words;
		break;
	case BTF_KIND_ENUM:
		/* name, value */
		copy_at(dst, src, 2);
		for (w = 3, ok = true; ok && w + 2 <= words; w += 2) {
			ok = map_at(dst + 4 * w, src + 4 * w, tm, false, &sh);
			copy_at(dst, src, w + 1);
		}
		ok = ok && w == words;
		break;
	case BTF_KIND_ENUM64:
		/* name, value low, value high */
		copy_at(dst, src, 2);
		for (w = 3, ok = true; ok && w + 3 <= words; w += 3) {
			ok = map_at(dst + 4 * w, src + 4 * w, tm, false, &sh);
			copy_at(dst, src, w + 1);
			copy_at(dst, src, w + 2);
		}
		ok = ok && w == words;
		break;
	case BTF_KIND_FUNC_PROTO:
		/* the return type, then parameters: name, type */
		ok = map_at(dst + 8, src + 8, tm, true, &th);
		for (w = 3; ok && w + 2 <= words; w += 2)
			ok = map_at(dst + 4 * w, src + 4 * w, tm, false, &sh) &&
			     map_at(dst + 4 * w + 4, src + 4 * w + 4, tm, true, &th);
		ok = ok && w == words;
		break;
	case BTF_KIND_DATASEC:
		/* variables: type, offset, size */
		copy_at(dst, src, 2);
		for (w = 3, ok = true; ok && w + 3 <= words; w += 3) {
			ok = map_at(dst + 4 * w, src + 4 * w, tm, true, &th);
			copy_at(dst, src, w + 1);
			copy_at(dst, src, w + 2);
		}
		ok = ok && w == words;
		break;
	default:
		return false;
	}
	hints[0] = th;
	hints[1] = sh;
	return ok;
}

/*
 * The kinds whose third head word is a type id (shape_of()'s word2 'R');
 * the others' is a size or a count, copied.
 */
#define HEAD_TYPE_KINDS                                                                            \
	((1u << BTF_KIND_PTR) | (1u << BTF_KIND_TYPEDEF) | (1u << BTF_KIND_VOLATILE) |             \
	 (1u << BTF_KIND_CONST) | (1u << BTF_KIND_RESTRICT) | (1u << BTF_KIND_FUNC) |              \
	 (1u << BTF_KIND_TYPE_TAG) | (1u << BTF_KIND_VAR) | (1u << BTF_KIND_DECL_TAG) |            \
	 (1u << BTF_KIND_FUNC_PROTO))

/*
 * The first 12 bytes translate() writes for R's record @src, alone: a
 * judge that needs only a type's kind, name or size (a member's type
 * named, a struct's size) then pays for three words, not every member.
 * False when the name or the type has no image in K, or the kind is not
 * one translate() knows.
 */
static bool translate_head(const uint8_t *src, uint8_t *dst, const struct tabs *tm,
			   struct span *hints)
{
	uint32_t kind = (kbtf_le32(src + 4) >> 24) & 0x1f;

	if (kind == BTF_KIND_UNKN || kind > BTF_KIND_ENUM64 ||
	    !map_at(dst, src, tm, false, &hints[1]))
		return false;
	copy_at(dst, src, 1);
	if ((1u << kind) & HEAD_TYPE_KINDS)
		return map_at(dst + 8, src + 8, tm, true, &hints[0]);
	copy_at(dst, src, 2);
	return true;
}

/*
 * Check the tables @t whole (read in place, their blocks' checksums
 * already held) and fill the buckets they imply into @tb, @lb, @sb, @rtb
 * and @rsb (each NULL: not wanted; nr_kb(), nr_ksb(), nr_rtb() and
 * nr_rsb() words): runs within both BTFs, ascending in K and, in the R
 * orders the perms list, in R, apart; literals ascending in ids and
 * offsets; each string run's literal bytes before it those of the gaps.
 * NULL when they hold, else why not.
 */
static const char *check_tables(const struct tabs *t, uint32_t *tb, uint32_t *lb, uint32_t *sb,
				uint32_t *rtb, uint32_t *rsb)
{
	uint32_t i, b, next, lit_before, min_off, end, p, nb, pass;

	/* type runs, ascending in K */
	for (i = 0, b = 0, next = 1; i < t->ntr; i++) {
		const uint8_t *e = t->tr + 16 * i;
		uint32_t k_id = kbtf_le32(e), r_id = kbtf_le32(e + 4), len = kbtf_le32(e + 8);

		if (!len || k_id < next || k_id > t->nk || len > t->nk - k_id + 1 || !r_id ||
		    r_id >= t->r_nr || len > t->r_nr - r_id || kbtf_le32(e + 12) % 4)
			return "type run out of range or order";
		next = k_id + len;
		if (tb)
			fill_buckets(tb, &b, (next - 1) >> KB_SHIFT, i);
	}
	for (nb = nr_kb(t->nk); tb && b < nb; b++)
		tb[b] = t->ntr;
	/* string runs, ascending in K, and the literal bytes (the gaps) before each */
	for (i = 0, b = 0, next = 0, lit_before = 0; i < t->nsr; i++) {
		const uint8_t *e = t->sr + 16 * i;
		uint32_t k_off = kbtf_le32(e), r_off = kbtf_le32(e + 4), len = kbtf_le32(e + 8);

		if (!len || k_off < next || k_off >= t->str_len || len > t->str_len - k_off ||
		    r_off >= t->r_strs || len > t->r_strs - r_off)
			return "string run out of range or order";
		lit_before += k_off - next;
		if (lit_before > t->str_lit)
			return "literal strings too short";
		if (kbtf_le32(e + 12) != lit_before)
			return "literal strings do not fill the gaps";
		next = k_off + len;
		if (sb)
			fill_buckets(sb, &b, (next - 1) >> KS_SHIFT, i);
	}
	for (nb = nr_ksb(t->str_len); sb && b < nb; b++)
		sb[b] = t->nsr;
	if (t->str_lit - lit_before != t->str_len - next)
		return "literal strings do not fill the gaps";
	/* the R orders: indices below the counts, runs ascending apart (so
	 * each listed once: runs are never empty) */
	for (pass = 0; pass < 2; pass++) {
		const uint8_t *perm = pass ? t->sperm : t->tperm, *runs = pass ? t->sr : t->tr;
		uint32_t nr = pass ? t->nsr : t->ntr, shift = pass ? RS_SHIFT : RT_SHIFT;
		uint32_t *bucket = pass ? rsb : rtb;

		nb = pass ? nr_rsb(t->r_strs) : nr_rtb(t->r_nr);
		for (i = 0, b = 0, end = 0; i < nr; i++) {
			uint32_t r, last;

			p = kbtf_le32(perm + 4 * i);
			if (p >= nr)
				return pass ? "string runs out of order in the reference"
					    : "type runs out of order in the reference";
			r = kbtf_le32(runs + 16 * p + 4);
			if (r < end)
				return pass ? "string runs out of order in the reference"
					    : "type runs out of order in the reference";
			end = r + kbtf_le32(runs + 16 * p + 8); /* within R: checked above */
			last = (end - 1) >> shift;
			if (bucket)
				fill_buckets(bucket, &b, last < nb ? last : nb - 1, i);
		}
		for (; bucket && b < nb; b++)
			bucket[b] = nr;
	}
	/* literals, ascending in K ids and in offsets */
	for (i = 0, b = 0, next = 1, min_off = 0; i < t->nlit; i++) {
		uint32_t id = kbtf_le32(t->lits + 8 * i), off = kbtf_le32(t->lits + 8 * i + 4);

		if (id < next || id > t->nk || off % 4 || off < min_off || off >= t->lit_len)
			return "literal out of range or order";
		next = id + 1;
		min_off = off + 4; /* <= lit_len: both are multiples of 4 */
		if (lb)
			fill_buckets(lb, &b, id >> KB_SHIFT, i);
	}
	for (nb = nr_kb(t->nk); lb && b < nb; b++)
		lb[b] = t->nlit;
	return NULL;
}

/* ------------------------------------------------------------- input */

struct side {
	const uint8_t *data;
	uint32_t hdr_len, type_len, str_len;
	const uint8_t *types;
	const char *strs;
};

/* Only the plain layout is encoded: header, types, strings, nothing else. */
static int plain_layout(const void *data, size_t size, struct side *s)
{
	struct kbtf_btf_rawhdr h;

	if (!kbtf_btf_peek(data, size, &h) || h.swap || h.endian != KBTF_ENDIAN_LITTLE || h.split)
		return -ENOTSUP;
	if (h.hdr.hdr_len < KBTF_HDR_LEN_CLASSIC || h.hdr.hdr_len > MAX_BTF_HDR ||
	    h.hdr.hdr_len % 4 || h.layout_len || h.hdr.type_off ||
	    h.hdr.str_off != h.hdr.type_len ||
	    (uint64_t)h.hdr.hdr_len + h.hdr.type_len + h.hdr.str_len != size || h.hdr.type_len % 4)
		return -ENOTSUP;
	s->data = data;
	s->hdr_len = h.hdr.hdr_len;
	s->type_len = h.hdr.type_len;
	s->str_len = h.hdr.str_len;
	s->types = s->data + s->hdr_len;
	s->strs = (const char *)s->types + s->type_len;
	return 0;
}

/* ------------------------------------------------------------- maker */

struct sig_at {
	uint64_t sig;
	uint32_t pos;
};

static int cmp_sig(const void *a, const void *b)
{
	const struct sig_at *x = a, *y = b;

	if (x->sig != y->sig)
		return x->sig < y->sig ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	return h * 0xff51afd7ed558ccdull;
}

/* The record's signature: every word but referenced ids, names by content. */
static uint64_t signature(const struct kbtf_btf *btf, const struct btf_type *t)
{
	const uint8_t *p = (const void *)t;
	uint32_t len = (uint32_t)kbtf_type_rec_size(t), w;
	struct rec_shape s;
	uint64_t h = 0x84222325cbf29ce4ull;

	shape_of(kbtf_kind(t), &s);
	for (w = 0; w < len / 4; w++) {
		uint32_t v = kbtf_le32(p + 4 * w);

		switch (word_role(&s, w)) {
		case 'N': {
			const char *str = kbtf_btf_str(btf, v);

			h = mix(h, str ? kbtf_hash_str(str) : 0);
			break;
		}
		case 'R':
			h = mix(h, 0x52);
			break;
		default:
			h = mix(h, v);
		}
	}
	return h;
}

/*
 * Match the gap K (klo, khi) x R (rlo, rhi), bounds exclusive, by an LCS
 * table when it is small enough; else leave it unmatched.
 */
static int fill_gap(const uint64_t *ks, const uint64_t *rs, uint32_t *mk, uint32_t *mr,
		    uint32_t klo, uint32_t khi, uint32_t rlo, uint32_t rhi)
{
	uint32_t kn = khi - klo - 1, rn = rhi - rlo - 1, i, j;
	uint16_t *t;

	if (!kn || !rn || (uint64_t)(kn + 1) * (rn + 1) > GAP_CELLS)
		return 0;
	t = calloc((size_t)(kn + 1) * (rn + 1), sizeof(*t));
	if (!t)
		return kbtf_err_nomem();
#define T(a, b) t[(size_t)(a) * (rn + 1) + (b)]
#define EQ(a, b) (ks[klo + 1 + (a)] == rs[rlo + 1 + (b)] && mr[rlo + 1 + (b)] == NONE)
	for (i = kn; i-- > 0;)
		for (j = rn; j-- > 0;)
			T(i, j) = EQ(i, j)
				      ? T(i + 1, j + 1) + 1
				      : (T(i + 1, j) > T(i, j + 1) ? T(i + 1, j) : T(i, j + 1));
	for (i = 0, j = 0; i < kn && j < rn;) {
		if (EQ(i, j)) {
			mk[klo + 1 + i] = rlo + 1 + j;
			mr[rlo + 1 + j] = klo + 1 + i;
			i++;
			j++;
		} else if (T(i + 1, j) >= T(i, j + 1)) {
			i++;
		} else {
			j++;
		}
	}
#undef T
#undef EQ
	free(t);
	return 0;
}

static const uint8_t *rec_at(const struct kbtf_btf *btf, uint32_t id);

/*
 * Grow the matches along references: where K's record k matches R's r,
 * the ids k refers to match those r refers to, word by word, when both
 * are free and their signatures equal. Anchors are only the records whose
 * signature is unique; this reaches the anonymous pointers, arrays and
 * prototypes around them even where blocks of types moved (pahole -j).
 * Each id is matched, and so visited, at most once.
 */
static int propagate(const struct kbtf_btf *kb, const struct kbtf_btf *rb, const uint64_t *ks,
		     const uint64_t *rs, uint32_t *mk, uint32_t *mr, uint32_t nk, uint32_t nr)
{
	uint32_t *stack = malloc((size_t)nk * sizeof(*stack)), top = 0, i;

	if (!stack)
		return kbtf_err_nomem();
	for (i = 1; i < nk; i++)
		if (mk[i] != NONE)
			stack[top++] = i;
	while (top) {
		uint32_t k = stack[--top], r = mk[k], w, len, j = 0, n;
		const uint8_t *kp = rec_at(kb, k), *rp = rec_at(rb, r);
		struct rec_shape sh;
		char role;

		len = (uint32_t)kbtf_type_rec_size((const void *)kp);
		if (len != kbtf_type_rec_size((const void *)rp) ||
		    !shape_of((kbtf_le32(kp + 4) >> 24) & 0x1f, &sh))
			continue;
		n = (uint32_t)strlen(sh.tail);
		for (w = 2; w < len / 4; w++) {
			uint32_t kr, rr;

			if (w == 2) {
				role = sh.word2;
			} else {
				role = sh.tail[j];
				j = j + 1 == n ? 0 : j + 1;
			}
			if (role != 'R')
				continue;
			kr = kbtf_le32(kp + 4 * w);
			rr = kbtf_le32(rp + 4 * w);
			if (kr && rr && kr < nk && rr < nr && mk[kr] == NONE && mr[rr] == NONE &&
			    ks[kr] == rs[rr]) {
				mk[kr] = rr;
				mr[rr] = kr;
				stack[top++] = kr;
			}
		}
	}
	free(stack);
	return 0;
}

/*
 * Align K's types (ids 1..nk-1) with R's: mk[k] = the R id of K id k or
 * NONE, mr the inverse; both ascending together.
 */
static int align_types(const struct kbtf_btf *kb, const struct kbtf_btf *rb, const uint64_t *ks,
		       uint32_t nk, const uint64_t *rs, uint32_t nr, uint32_t *mk, uint32_t *mr)
{
	struct sig_at *a = malloc((size_t)nk * sizeof(*a)), *b = malloc((size_t)nr * sizeof(*b));
	uint32_t *ka = malloc((size_t)nk * sizeof(*ka)), *ra = malloc((size_t)nk * sizeof(*ra));
	uint32_t i, j, n = 0, kprev, rprev;
	int err = 0;

	if (!a || !b || !ka || !ra) {
		err = kbtf_err_nomem();
		goto out;
	}
	for (i = 0; i < nk; i++)
		mk[i] = NONE;
	for (i = 0; i < nr; i++)
		mr[i] = NONE;
	for (i = 1; i < nk; i++)
		a[i - 1] = (struct sig_at){ks[i], i};
	for (i = 1; i < nr; i++)
		b[i - 1] = (struct sig_at){rs[i], i};
	qsort(a, nk - 1, sizeof(*a), cmp_sig);
	qsort(b, nr - 1, sizeof(*b), cmp_sig);
	/* anchors: signatures once in each */
	for (i = 0, j = 0; i < nk - 1 && j < nr - 1;) {
		uint32_t ie = i, je = j;

		if (a[i].sig != b[j].sig) {
			if (a[i].sig < b[j].sig)
				i++;
			else
				j++;
			continue;
		}
		while (ie < nk - 1 && a[ie].sig == a[i].sig)
			ie++;
		while (je < nr - 1 && b[je].sig == b[j].sig)
			je++;
		if (ie - i == 1 && je - j == 1) {
			ka[n] = a[i].pos;
			ra[n++] = b[j].pos;
		}
		i = ie;
		j = je;
	}
	/* ascending in K: a counting pass is enough, positions are distinct */
	{
		uint32_t *byk = malloc((size_t)nk * sizeof(*byk)), m = 0;

		if (!byk) {
			err = kbtf_err_nomem();
			goto out;
		}
		for (i = 0; i < nk; i++)
			byk[i] = NONE;
		for (i = 0; i < n; i++)
			byk[ka[i]] = ra[i];
		for (i = 1; i < nk; i++)
			if (byk[i] != NONE) {
				ka[m] = i;
				ra[m++] = byk[i];
			}
		free(byk);
	}
	for (i = 0; i < n; i++) {
		mk[ka[i]] = ra[i];
		mr[ra[i]] = ka[i];
	}
	err = propagate(kb, rb, ks, rs, mk, mr, nk, nr);
	if (err)
		goto out;
	/* grow forward, then backward, over equal neighbours */
	for (i = 1; i + 1 < nk; i++) {
		j = mk[i];
		if (j != NONE && j + 1 < nr && mk[i + 1] == NONE && mr[j + 1] == NONE &&
		    ks[i + 1] == rs[j + 1]) {
			mk[i + 1] = j + 1;
			mr[j + 1] = i + 1;
		}
	}
	for (i = nk - 1; i > 1; i--) {
		j = mk[i];
		if (j != NONE && j > 1 && mk[i - 1] == NONE && mr[j - 1] == NONE &&
		    ks[i - 1] == rs[j - 1]) {
			mk[i - 1] = j - 1;
			mr[j - 1] = i - 1;
		}
	}
	err = propagate(kb, rb, ks, rs, mk, mr, nk, nr);
	if (err)
		goto out;
	/* small gaps between matches */
	kprev = 0;
	rprev = 0;
	for (i = 1; i <= nk && !err; i++) {
		if (i < nk && mk[i] == NONE)
			continue;
		j = i < nk ? mk[i] : nr;
		if (i - kprev > 1 && j > rprev + 1)
			err = fill_gap(ks, rs, mk, mr, kprev, i, rprev, j);
		kprev = i;
		rprev = j;
	}
	if (!err)
		err = propagate(kb, rb, ks, rs, mk, mr, nk, nr);
out:
	free(a);
	free(b);
	free(ka);
	free(ra);
	return err;
}

struct str_at {
	uint32_t hash, off;
};

/*
 * Align K's strings with R's equal ones, keep the longest chain ascending
 * in both, and merge neighbours into byte runs.
 */
static int align_strings(const struct side *k, const struct side *r, struct str_run **out,
			 uint32_t *nout)
{
	uint32_t mask = 1, *slot, off, nk = 0, n = 0, i;
	uint32_t *ka = NULL, *ra = NULL;
	struct str_run *runs = NULL;
	int err = 0;

	for (off = 0; off < r->str_len; off += (uint32_t)strlen(r->strs + off) + 1)
		mask += 2;
	while (mask & (mask - 1))
		mask &= mask - 1;
	mask = mask * 4 - 1;
	slot = malloc(((size_t)mask + 1) * sizeof(*slot));
	for (off = 0; off < k->str_len; off += (uint32_t)strlen(k->strs + off) + 1)
		nk++;
	ka = malloc((size_t)nk * sizeof(*ka));
	ra = malloc((size_t)nk * sizeof(*ra));
	runs = malloc((size_t)nk * sizeof(*runs) + 1);
	if (!slot || !ka || !ra || !runs) {
		err = kbtf_err_nomem();
		goto out;
	}
	memset(slot, 0xff, ((size_t)mask + 1) * sizeof(*slot));
	for (off = 0; off < r->str_len; off += (uint32_t)strlen(r->strs + off) + 1) {
		uint32_t h = kbtf_hash_str(r->strs + off) & mask;

		while (slot[h] != NONE)
			h = (h + 1) & mask;
		slot[h] = off;
	}
	for (off = 0; off < k->str_len; off += (uint32_t)strlen(k->strs + off) + 1) {
		const char *s = k->strs + off;
		uint32_t h = kbtf_hash_str(s) & mask;

		/* each R string once: a K with duplicates keeps the rest literal */
		for (; slot[h] != NONE; h = (h + 1) & mask)
			if (slot[h] != USED && !strcmp(r->strs + slot[h], s)) {
				ka[n] = off;
				ra[n++] = slot[h];
				slot[h] = USED;
				break;
			}
	}
	*nout = 0;
	for (i = 0; i < n; i++) {
		uint32_t len = (uint32_t)strlen(k->strs + ka[i]) + 1;
		struct str_run *last = *nout ? &runs[*nout - 1] : NULL;

		if (last && last->k_off + last->len == ka[i] && last->r_off + last->len == ra[i])
			last->len += len;
		else
			runs[(*nout)++] = (struct str_run){ka[i], ra[i], len};
	}
	*out = runs;
	runs = NULL;
out:
	free(slot);
	free(ka);
	free(ra);
	free(runs);
	return err;
}

static int cmp_type_run_r2(const void *a, const void *b, void *base)
{
	const struct type_run *r = base;
	uint32_t x = r[*(const uint32_t *)a].r_id, y = r[*(const uint32_t *)b].r_id;

	return x < y ? -1 : x > y;
}

static int cmp_str_run_r2(const void *a, const void *b, void *base)
{
	const struct str_run *r = base;
	uint32_t x = r[*(const uint32_t *)a].r_off, y = r[*(const uint32_t *)b].r_off;

	return x < y ? -1 : x > y;
}

/* The indices of @n runs in R order. */
static uint32_t *by_r_order(const void *runs, uint32_t n, bool types)
{
	uint32_t *p = malloc((size_t)n * sizeof(*p) + 1), i;

	if (!p)
		return NULL;
	for (i = 0; i < n; i++)
		p[i] = i;
	qsort_r(p, n, sizeof(*p), types ? cmp_type_run_r2 : cmp_str_run_r2, (void *)runs);
	return p;
}

struct outbuf {
	uint8_t *p;
	size_t len, cap;
};

static int ob_put(struct outbuf *o, const void *data, size_t len)
{
	if (o->len + len > o->cap) {
		size_t cap = o->cap ? o->cap : 65536;
		uint8_t *n;

		while (cap < o->len + len)
			cap *= 2;
		n = realloc(o->p, cap);
		if (!n)
			return kbtf_err_nomem();
		o->p = n;
		o->cap = cap;
	}
	memcpy(o->p + o->len, data, len);
	o->len += len;
	return 0;
}

/* Of the header but its checksums, and K's BTF header: checked on every open. */
static uint64_t head_checksum(const uint8_t *d, uint32_t hdr_len)
{
	uint8_t both[16];

	kbtf_put_le64(both, kbtf_hash_bytes(d, CSUM_AT));
	kbtf_put_le64(both + 8, kbtf_hash_bytes(d + R_STRS_AT, HDR_SIZE - R_STRS_AT + hdr_len));
	return kbtf_hash_bytes(both, sizeof(both));
}

static uint64_t checksum(const uint8_t *d, size_t size)
{
	uint8_t both[16];

	kbtf_put_le64(both, kbtf_hash_bytes(d, CSUM_AT));
	kbtf_put_le64(both + 8, kbtf_hash_bytes(d + CSUM_AT + 8, size - CSUM_AT - 8));
	return kbtf_hash_bytes(both, sizeof(both));
}

static const uint8_t *rec_at(const struct kbtf_btf *btf, uint32_t id)
{
	return (const void *)kbtf_btf_type(btf, id);
}

/* Where each part of a delta is, from its header's counts. */
struct layout {
	uint64_t tables, tr, tperm, lits, sr, sperm, ck, tb, lb, sb, rtb, rsb, tables_end;
	uint64_t sums, lit_rec, lit_str, end;
	uint32_t nblocks;
};

static void layout_of(const uint8_t *d, struct layout *l)
{
	uint32_t nk = kbtf_le32(d + 44), str_len = kbtf_le32(d + 52), ntr = kbtf_le32(d + 56);
	uint32_t nlit = kbtf_le32(d + 60), nsr = kbtf_le32(d + 68), r_nr = kbtf_le32(d + 76);

	l->tables = HDR_SIZE + (uint64_t)kbtf_le32(d + 12);
	l->tr = 0;
	l->tperm = l->tr + 16ull * ntr;
	l->lits = l->tperm + 4ull * ntr;
	l->sr = l->lits + 8ull * nlit;
	l->sperm = l->sr + 16ull * nsr;
	l->ck = l->sperm + 4ull * nsr;
	l->tb = l->ck + 4 * nr_checkpoints(r_nr);
	l->lb = l->tb + 4ull * nr_kb(nk);
	l->sb = l->lb + 4ull * nr_kb(nk);
	l->rtb = l->sb + 4ull * nr_ksb(str_len);
	l->rsb = l->rtb + 4ull * nr_rtb(r_nr);
	l->tables_end = l->rsb + 4ull * nr_rsb(kbtf_le32(d + R_STRS_AT));
	l->nblocks = (uint32_t)((l->tables_end + TBLOCK - 1) / TBLOCK);
	l->sums = l->tables + l->tables_end;
	l->lit_rec = l->sums + 4ull * l->nblocks;
	l->lit_str = l->lit_rec + kbtf_le32(d + 64);
	l->end = l->lit_str + kbtf_le32(d + 72);
}

/* The tables at @base (@l's layout of the header @d) as struct tabs. */
static void tabs_at(struct tabs *t, const uint8_t *d, const uint8_t *base, const struct layout *l)
{
	t->base = base;
	t->size = (uint32_t)l->tables_end;
	t->tr = base + l->tr;
	t->tperm = base + l->tperm;
	t->lits = base + l->lits;
	t->sr = base + l->sr;
	t->sperm = base + l->sperm;
	t->ck = base + l->ck;
	t->tb = base + l->tb;
	t->lb = base + l->lb;
	t->sb = base + l->sb;
	t->rtb = base + l->rtb;
	t->rsb = base + l->rsb;
	t->nk = kbtf_le32(d + 44);
	t->str_len = kbtf_le32(d + 52);
	t->ntr = kbtf_le32(d + 56);
	t->nlit = kbtf_le32(d + 60);
	t->lit_len = kbtf_le32(d + 64);
	t->nsr = kbtf_le32(d + 68);
	t->str_lit = kbtf_le32(d + 72);
	t->r_nr = kbtf_le32(d + 76);
	t->r_strs = kbtf_le32(d + R_STRS_AT);
	t->sums = base + l->tables_end;
	t->nblocks = l->nblocks;
	t->ok = NULL;
	t->tcache = t->scache = NULL;
}

/* @n words of @v at @p, little-endian. */
static void put_words(uint8_t *p, const uint32_t *v, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		kbtf_put_le32(p + 4 * i, v[i]);
}

int kbtf_btf_delta_make(const void *ref, size_t ref_size, const void *kdata, size_t k_size,
			struct kbtf_buf *out, struct kbtf_btf_delta_stats *st)
{
	struct kbtf_parse_opts ro = {.name = "reference BTF"}, ko = {.name = "BTF"};
	struct kbtf_btf *rb = NULL, *kb = NULL;
	struct side r, k;
	uint64_t *ks = NULL, *rs = NULL;
	uint32_t *mk = NULL, *mr = NULL, nk, nr, i, nsr = 0, ntr = 0, nlit = 0, lit_len = 0;
	uint32_t str_lit = 0, at, lit_before, next;
	struct str_run *sr = NULL;
	struct type_run *tr = NULL;
	uint32_t *tperm = NULL, *sperm = NULL, *bk = NULL;
	struct span hints[2] = {{0}};
	struct lit *lits = NULL;
	struct outbuf lit_bytes = {0};
	struct layout l;
	struct tabs t;
	uint8_t *tmp = NULL, *o = NULL, *tabs_p, *ones = NULL;
	const char *why;
	int err;

	memset(st, 0, sizeof(*st));
	memset(out, 0, sizeof(*out));
	if (plain_layout(ref, ref_size, &r) || plain_layout(kdata, k_size, &k))
		return kbtf_err(-ENOTSUP, "BTF delta: only a whole little-endian vmlinux BTF");
	err = kbtf_btf_parse(ref, ref_size, &ro, &rb);
	if (!err)
		err = kbtf_btf_parse(kdata, k_size, &ko, &kb);
	if (err)
		goto out;
	if (kbtf_btf_unknown_kind_cnt(rb) || kbtf_btf_unknown_kind_cnt(kb)) {
		err = kbtf_err(-ENOTSUP, "BTF delta: a kind this library does not know");
		goto out;
	}
	nk = kbtf_btf_type_cnt(kb);
	nr = kbtf_btf_type_cnt(rb);
	ks = malloc((size_t)nk * sizeof(*ks));
	rs = malloc((size_t)nr * sizeof(*rs));
	mk = malloc((size_t)nk * sizeof(*mk));
	mr = malloc((size_t)nr * sizeof(*mr));
	tr = malloc((size_t)nk * sizeof(*tr));
	lits = malloc((size_t)nk * sizeof(*lits));
	tmp = malloc(12 + 12 * 0xffff); /* the largest record */
	if (!ks || !rs || !mk || !mr || !tr || !lits || !tmp) {
		err = kbtf_err_nomem();
		goto out;
	}
	for (i = 1; i < nk; i++)
		ks[i] = signature(kb, kbtf_btf_type(kb, i));
	for (i = 1; i < nr; i++)
		rs[i] = signature(rb, kbtf_btf_type(rb, i));
	err = align_types(kb, rb, ks, nk, rs, nr, mk, mr);
	if (!err)
		err = align_strings(&k, &r, &sr, &nsr);
	if (err)
		goto out;
	for (i = 1; i < nk; i++) {
		if (mk[i] == NONE)
			continue;
		st->aligned++;
		if (ntr && tr[ntr - 1].k_id + tr[ntr - 1].n == i &&
		    tr[ntr - 1].r_id + tr[ntr - 1].n == mk[i])
			tr[ntr - 1].n++;
		else
			tr[ntr++] = (struct type_run){
			    i, mk[i], 1, (uint32_t)(rec_at(rb, mk[i]) - rec_at(rb, 1))};
	}
	tperm = by_r_order(tr, ntr, true);
	sperm = by_r_order(sr, nsr, false);
	if (!tperm || !sperm) {
		err = kbtf_err_nomem();
		goto out;
	}
	/* the whole file but the literal records' bytes, laid out with every
	 * type a literal (the most there can be), then cut to those made */
	for (i = 0, next = 0; i < nsr; next = sr[i].k_off + sr[i].len, i++)
		str_lit += sr[i].k_off - next;
	str_lit += k.str_len - next;
	{
		uint8_t h[HDR_SIZE] = {0};

		kbtf_put_le32(h + 12, k.hdr_len);
		kbtf_put_le32(h + 44, nk - 1);
		kbtf_put_le32(h + 52, k.str_len);
		kbtf_put_le32(h + 56, ntr);
		kbtf_put_le32(h + 60, nk - 1);
		kbtf_put_le32(h + 68, nsr);
		kbtf_put_le32(h + 72, str_lit);
		kbtf_put_le32(h + 76, nr);
		kbtf_put_le32(h + R_STRS_AT, r.str_len);
		layout_of(h, &l);
		o = calloc(1, l.lit_rec);
		if (!o) {
			err = kbtf_err_nomem();
			goto out;
		}
		memcpy(o, h, HDR_SIZE);
	}
	memcpy(o + HDR_SIZE, k.data, k.hdr_len);
	tabs_p = o + l.tables;
	for (i = 0; i < ntr; i++) {
		const uint32_t w[4] = {tr[i].k_id, tr[i].r_id, tr[i].n, tr[i].r_byte};

		put_words(tabs_p + l.tr + 16 * i, w, 4);
	}
	put_words(tabs_p + l.tperm, tperm, ntr);
	for (i = 0, next = 0, lit_before = 0; i < nsr; next = sr[i].k_off + sr[i].len, i++) {
		uint32_t w[4] = {sr[i].k_off, sr[i].r_off, sr[i].len, 0};

		lit_before += sr[i].k_off - next;
		w[3] = lit_before;
		put_words(tabs_p + l.sr + 16 * i, w, 4);
	}
	put_words(tabs_p + l.sperm, sperm, nsr);
	for (i = 0; i < nr_checkpoints(nr); i++)
		kbtf_put_le32(tabs_p + l.ck + 4 * i,
			      (uint32_t)(rec_at(rb, i ? i * CK_IDS : 1) - rec_at(rb, 1)));
	/* the maps, no literal yet: the records are translated through them */
	tabs_at(&t, o, tabs_p, &l);
	t.nlit = 0;
	ones = malloc(l.nblocks + 1); /* the maker's own tables: nothing to check */
	if (!ones) {
		err = kbtf_err_nomem();
		goto out;
	}
	memset(ones, 1, l.nblocks + 1);
	t.ok = ones;
	bk = malloc(4 *
		    ((size_t)nr_kb(nk) * 2 + nr_ksb(k.str_len) + nr_rtb(nr) + nr_rsb(r.str_len)));
	if (!bk) {
		err = kbtf_err_nomem();
		goto out;
	}
	{
		uint32_t *tb = bk, *lb = tb + nr_kb(nk), *sb = lb + nr_kb(nk),
			 *rtb = sb + nr_ksb(k.str_len);
		uint32_t *rsb = rtb + nr_rtb(nr);

		why = check_tables(&t, tb, lb, sb, rtb, rsb);
		if (why) {
			err =
			    kbtf_err(-EINVAL, "BTF delta: made tables that do not hold (%s)", why);
			goto out;
		}
		put_words(tabs_p + l.tb, tb, nr_kb(nk));
		put_words(tabs_p + l.sb, sb, nr_ksb(k.str_len));
		put_words(tabs_p + l.rtb, rtb, nr_rtb(nr));
		put_words(tabs_p + l.rsb, rsb, nr_rsb(r.str_len));
	}
	for (i = 1; i < nk; i++) {
		const uint8_t *kr = rec_at(kb, i);
		uint32_t len = (uint32_t)kbtf_type_rec_size((const void *)kr);

		if (mk[i] != NONE && kbtf_type_rec_size((const void *)rec_at(rb, mk[i])) == len &&
		    translate(rec_at(rb, mk[i]), len, tmp, &t, hints) && !memcmp(tmp, kr, len)) {
			st->copied++;
			continue;
		}
		lits[nlit++] = (struct lit){i, lit_len};
		err = ob_put(&lit_bytes, kr, len);
		if (err)
			goto out;
		lit_len += len;
	}
	/* the literals made: the tables after theirs move up */
	{
		uint64_t old_sr = l.sr;
		uint8_t *grown;

		kbtf_put_le32(o + 60, nlit);
		kbtf_put_le32(o + 64, lit_len);
		layout_of(o, &l);
		memmove(tabs_p + l.sr, tabs_p + old_sr, l.tables_end - l.sr);
		grown = realloc(o, l.end);
		if (!grown) {
			err = kbtf_err_nomem();
			goto out;
		}
		o = grown;
		tabs_p = o + l.tables;
	}
	for (i = 0; i < nlit; i++) {
		kbtf_put_le32(tabs_p + l.lits + 8 * i, lits[i].k_id);
		kbtf_put_le32(tabs_p + l.lits + 8 * i + 4, lits[i].off);
	}
	tabs_at(&t, o, tabs_p, &l);
	t.ok = ones; /* no more blocks than before: the literals' table shrank */
	{
		uint32_t *lb = bk + nr_kb(nk);

		why = check_tables(&t, NULL, lb, NULL, NULL, NULL);
		if (why) {
			err =
			    kbtf_err(-EINVAL, "BTF delta: made tables that do not hold (%s)", why);
			goto out;
		}
		put_words(tabs_p + l.lb, lb, nr_kb(nk));
	}
	for (i = 0; i < l.nblocks; i++) {
		uint32_t from = i * TBLOCK, len = (uint32_t)l.tables_end - from;

		kbtf_put_le32(o + l.sums + 4 * i,
			      block_sum(tabs_p + from, len < TBLOCK ? len : TBLOCK, i));
	}
	if (lit_len)
		memcpy(o + l.lit_rec, lit_bytes.p, lit_len);
	for (i = 0, at = 0, next = (uint32_t)l.lit_str; i <= nsr; i++) {
		uint32_t end = i < nsr ? sr[i].k_off : k.str_len;

		if (end > at) {
			memcpy(o + next, k.strs + at, end - at);
			next += end - at;
		}
		if (i < nsr)
			at = sr[i].k_off + sr[i].len;
	}
	memcpy(o, KBTF_BTF_DELTA_MAGIC, 8);
	kbtf_put_le32(o + 8, KBTF_BTF_DELTA_VERSION);
	kbtf_put_le64(o + 16, kbtf_hash_bytes(ref, ref_size));
	kbtf_put_le64(o + 24, ref_size);
	kbtf_put_le64(o + 32, kbtf_hash_bytes(kdata, k_size));
	kbtf_put_le32(o + 40, (uint32_t)k_size);
	kbtf_put_le32(o + 48, k.type_len);
	kbtf_put_le64(o + HEAD_CSUM_AT, head_checksum(o, k.hdr_len));
	kbtf_put_le64(o + CSUM_AT, checksum(o, l.end));
	st->nr_types = nk - 1;
	st->literal = nlit;
	st->type_runs = ntr;
	st->str_runs = nsr;
	st->str_literal = str_lit;
	st->size = l.end;
	out->data = o;
	out->size = l.end;
	out->owner = KBTF_BUF_HEAP;
	o = NULL;
out:
	kbtf_btf_free(rb);
	kbtf_btf_free(kb);
	free(ks);
	free(rs);
	free(mk);
	free(mr);
	free(tr);
	free(lits);
	free(tmp);
	free(tperm);
	free(sperm);
	free(bk);
	free(ones);
	free(sr);
	free(o);
	free(lit_bytes.p);
	return err;
}

/* ------------------------------------------------------------- reader */

bool kbtf_btf_delta_has_magic(const void *data, size_t size)
{
	return size >= 8 && !memcmp(data, KBTF_BTF_DELTA_MAGIC, 8);
}

int kbtf_btf_delta_ref(const void *data, size_t size, uint64_t *hash, uint64_t *ref_size)
{
	const uint8_t *d = data;

	if (size < HDR_SIZE || !kbtf_btf_delta_has_magic(d, size) ||
	    kbtf_le32(d + 8) != KBTF_BTF_DELTA_VERSION)
		return -EINVAL;
	*hash = kbtf_le64(d + 16);
	*ref_size = kbtf_le64(d + 24);
	return 0;
}

void kbtf_btf_delta_seal(uint8_t *data, size_t size, const void *ref, size_t ref_size)
{
	struct layout l;
	uint32_t i;

	if (size < HDR_SIZE)
		return;
	kbtf_put_le64(data + 16, kbtf_hash_bytes(ref, ref_size));
	kbtf_put_le64(data + 24, ref_size);
	layout_of(data, &l);
	if (l.lit_rec <= size) {
		for (i = 0; i < l.nblocks; i++) {
			uint64_t from = (uint64_t)i * TBLOCK, len = l.tables_end - from;

			kbtf_put_le32(data + l.sums + 4 * i,
				      block_sum(data + l.tables + from,
						(uint32_t)(len < TBLOCK ? len : TBLOCK), i));
		}
	}
	if (l.tables <= size)
		kbtf_put_le64(data + HEAD_CSUM_AT, head_checksum(data, kbtf_le32(data + 12)));
	kbtf_put_le64(data + CSUM_AT, checksum(data, size));
}

#define BAD(why) (kbtf_err(-EINVAL, "%s: damaged BTF delta (%s)", name, why))

/*
 * What a reader learnt of R's record offsets, per block of CK_IDS ids
 * (a direct-mapped cache of RBLOCKS): the offsets of the block's first
 * @known records, each reached by a checked walk from the block's
 * checkpoint. A judge reads a few hundred records, several to a block (a
 * struct and the types around it), so most walks resume where one
 * stopped instead of starting again at the checkpoint.
 */
#define RBLOCKS 128
struct rblock {
	uint32_t tag; /* the block + 1; 0: none yet */
	uint32_t known;
	uint32_t off[CK_IDS];
};

/* A delta whose header passed its checks; its tables are checked where read. */
struct kbtf_btf_delta_src {
	struct kbtf_buf ref_buf, delta_buf; /* owned, for the lazy reader */
	const uint8_t *d;
	struct side r;
	uint32_t hdr_len, out_size, nk, type_len, str_len, ntr, nlit, lit_len, nsr, str_lit;
	uint32_t r_nr; /* R's type count, VOID included */
	struct tabs t;
	const uint8_t *lit_rec, *lit_str;
	/* the state below, in one allocation */
	void *arena;
	uint32_t str_hint; /* the run a string was last found in (a cache; its block checked) */
	/* per string run, whether R's bytes it takes end in a NUL (a string
	 * starting in it then ends in it): 0 not looked at yet, RUN_NUL,
	 * RUN_OPEN, RUN_BAD (outside R's strings) */
	uint8_t *run_end;
	struct kbtf_btf_delta_strs *views; /* per string run, for readers' caches */
	struct rblock *rblocks;		   /* written by record_of(): its callers serialise */
	struct span hints[2];		   /* translate()'s, for record_into(): the same */
};

#define RUN_NUL 1
#define RUN_OPEN 2
#define RUN_BAD 3

void kbtf_btf_delta_src_free(struct kbtf_btf_delta_src *s)
{
	if (!s)
		return;
	free(s->arena);
	kbtf_buf_release(&s->ref_buf);
	kbtf_buf_release(&s->delta_buf);
	free(s);
}

/* Carve @n bytes (a multiple of 8) off *@at. */
static void *carve(uint8_t **at, size_t n)
{
	void *p = *at;

	*at += n;
	return p;
}

/* The reader's state in one allocation; false when out of memory. */
static bool alloc_state(struct kbtf_btf_delta_src *s)
{
	size_t vb = (size_t)s->nsr * sizeof(struct kbtf_btf_delta_strs);
	size_t nrb = RBLOCKS * sizeof(struct rblock), i;
	size_t cb = ((size_t)nr_rtb(s->r_nr) + nr_rsb(s->r.str_len)) * sizeof(struct span);
	uint8_t *at;

	at = s->arena = malloc(vb + nrb + cb + s->nsr + s->t.nblocks + 1);
	if (!at)
		return false;
	s->views = carve(&at, vb); /* first: pointers, 8-byte aligned */
	s->rblocks = carve(&at, nrb);
	s->t.tcache = carve(&at, cb);
	s->t.scache = s->t.tcache + nr_rtb(s->r_nr);
	memset(s->t.tcache, 0, cb); /* empty runs: never a hit */
	s->run_end = carve(&at, s->nsr);
	s->t.ok = at;
	/* the tags only: the rest of a block is written before it is read */
	for (i = 0; i < RBLOCKS; i++)
		s->rblocks[i].tag = 0;
	memset(s->run_end, 0, s->nsr);
	memset(s->t.ok, 0, s->t.nblocks);
	return true;
}

/*
 * Check the header of the delta @d against the reference @ref (its layout
 * and size, not its hash: @full checks that and the checksum of the
 * whole file; else only the header's checksum is) and set up the reader
 * of its tables, each block checked where a lookup first reads it.
 */
static int open_head(const void *ref, size_t ref_size, const uint8_t *d, size_t size,
		     const char *name, bool full, struct kbtf_btf_delta_src *s)
{
	struct layout l;

	s->d = d;
	if (size < HDR_SIZE || !kbtf_btf_delta_has_magic(d, size))
		return BAD("no delta header");
	if (kbtf_le32(d + 8) != KBTF_BTF_DELTA_VERSION)
		return kbtf_err(-EINVAL, "%s: BTF delta version %u (this kbtf reads %u)", name,
				kbtf_le32(d + 8), KBTF_BTF_DELTA_VERSION);
	s->hdr_len = kbtf_le32(d + 12);
	s->out_size = kbtf_le32(d + 40);
	s->nk = kbtf_le32(d + 44);
	s->type_len = kbtf_le32(d + 48);
	s->str_len = kbtf_le32(d + 52);
	s->ntr = kbtf_le32(d + 56);
	s->nlit = kbtf_le32(d + 60);
	s->lit_len = kbtf_le32(d + 64);
	s->nsr = kbtf_le32(d + 68);
	s->str_lit = kbtf_le32(d + 72);
	s->r_nr = kbtf_le32(d + 76);
	layout_of(d, &l);
	if (l.end != size || l.tables_end > UINT32_MAX)
		return BAD("tables do not fill the file");
	if (full ? kbtf_le64(d + CSUM_AT) != checksum(d, size)
		 : kbtf_le64(d + HEAD_CSUM_AT) != head_checksum(d, s->hdr_len))
		return BAD("checksum mismatch");
	if (s->hdr_len < KBTF_HDR_LEN_CLASSIC || s->hdr_len > MAX_BTF_HDR || s->hdr_len % 4 ||
	    (uint64_t)s->hdr_len + s->type_len + s->str_len != s->out_size || s->type_len % 4 ||
	    s->lit_len % 4 || s->lit_len > s->type_len || s->str_lit > s->str_len ||
	    s->nlit > s->nk || s->ntr > s->nk || s->nsr > s->str_len || s->nk > s->type_len / 12 ||
	    !s->str_len || kbtf_le32(d + RESERVED_AT))
		return BAD("header fields out of range");
	if (kbtf_le64(d + 24) != ref_size ||
	    (full && kbtf_le64(d + 16) != kbtf_hash_bytes(ref, ref_size)))
		return kbtf_err(-EINVAL, "%s: BTF delta is against another reference BTF", name);
	if (plain_layout(ref, ref_size, &s->r) || s->r_nr < 1 || s->r_nr - 1 > s->r.type_len / 12 ||
	    kbtf_le32(d + R_STRS_AT) != s->r.str_len)
		return kbtf_err(-EINVAL, "%s: BTF delta is against another reference BTF", name);
	tabs_at(&s->t, d, d + l.tables, &l);
	s->lit_rec = d + l.lit_rec;
	s->lit_str = d + l.lit_str;
	if (!alloc_state(s))
		return kbtf_err_nomem();
	return 0;
}

/*
 * The literal of K id @id (1..nk): 1 and its bytes and length, 0 when it
 * is none, -1 when a block read is damaged or it lies outside the literals.
 */
static int literal_of(const struct kbtf_btf_delta_src *s, uint32_t id, const uint8_t **rec,
		      uint32_t *len)
{
	const struct tabs *t = &s->t;
	uint32_t lo, v = 0, off, end;

	/* none is no answer by itself: the id is then looked for in the runs */
	for (lo = kbtf_le32(t->lb + 4 * (id >> KB_SHIFT)); lo < s->nlit; lo++) {
		v = kbtf_le32(t->lits + 8 * lo);
		if (v >= id)
			break;
	}
	if (lo >= s->nlit || v != id)
		return 0;
	if (!tab_ok(t, t->lits + 8 * lo, 8))
		return -1;
	off = kbtf_le32(t->lits + 8 * lo + 4);
	if (lo + 1 < s->nlit) {
		if (!word_at(t, t->lits, 2 * lo + 3, &end))
			return -1;
	} else {
		end = s->lit_len;
	}
	if (off % 4 || off >= end || end > s->lit_len)
		return -1;
	*len = end - off;
	*rec = s->lit_rec + off;
	return 1;
}

/* The type run holding K id @id (1..nk): 1 and its words, 0 none, -1 damaged. */
static int run_of(const struct kbtf_btf_delta_src *s, uint32_t id, uint32_t *k_id, uint32_t *r_id)
{
	const struct tabs *t = &s->t;
	uint32_t lo, k, n;

	for (lo = kbtf_le32(t->tb + 4 * (id >> KB_SHIFT)); lo < s->ntr; lo++) {
		const uint8_t *e = t->tr + 16 * lo;

		k = kbtf_le32(e);
		n = kbtf_le32(e + 8);
		if (k > id)
			return 0;
		if (id - k < n) {
			if (!blk_ok(t, e))
				return -1;
			*k_id = k;
			*r_id = kbtf_le32(e + 4);
			return 1;
		}
	}
	return 0;
}

/*
 * Where R's record @r is in R's types: from the checkpoint before it (or
 * the last record of its block a walk reached), over the records between
 * (each sized from its info word); false when that leaves R's type
 * section or the checkpoint's block is damaged. Every offset kept was
 * reached by such a checked walk.
 */
static bool r_offset(struct kbtf_btf_delta_src *s, uint32_t r, uint32_t *off)
{
	uint32_t c = r / CK_IDS, j = r - (c ? c * CK_IDS : 1), o, n, k, len = s->r.type_len;
	struct rblock *b = &s->rblocks[c % RBLOCKS];
	const uint8_t *types = s->r.types;

	if (r < 1 || r >= s->r_nr)
		return false;
	if (b->tag != c + 1) {
		if (!word_at(&s->t, s->t.ck, c, &o) || o % 4 || o >= s->r.type_len ||
		    s->r.type_len - o < 12)
			return false;
		b->tag = c + 1;
		b->known = 1;
		b->off[0] = o;
	}
	/* record sizes are multiples of 4: o stays aligned, and within the
	 * section (so len - o cannot wrap) */
	for (k = b->known, o = b->off[k - 1]; k <= j; b->off[k++] = o) {
		n = rec_bytes(kbtf_le32(types + o + 4));
		if (!n || n > len - o || len - o - n < 12) {
			b->known = k;
			return false;
		}
		o += n;
	}
	b->known = k;
	*off = b->off[j];
	return true;
}

/*
 * K's record @id: its bytes in the delta (a literal) or in R (@r_off set),
 * and its size; 0 when the delta cannot give it.
 */
static uint32_t record_of(struct kbtf_btf_delta_src *s, uint32_t id, const uint8_t **lit,
			  uint32_t *r_off)
{
	uint32_t n, k_id, r_id;
	int found;

	*lit = NULL;
	if (id < 1 || id > s->nk)
		return 0;
	found = literal_of(s, id, lit, &n);
	if (found)
		return found > 0 && n >= 12 && rec_bytes(kbtf_le32(*lit + 4)) == n ? n : 0;
	if (run_of(s, id, &k_id, &r_id) <= 0 || !r_offset(s, r_id + (id - k_id), r_off))
		return 0;
	n = rec_bytes(kbtf_le32(s->r.types + *r_off + 4));
	return n && n <= s->r.type_len - *r_off ? n : 0;
}

/* K's record @id into @dst, where record_of() found it (@lit, @r_off) and its @len. */
static int record_into(struct kbtf_btf_delta_src *s, const uint8_t *lit, uint32_t r_off,
		       uint32_t len, uint8_t *dst)
{
	if (lit) {
		memcpy(dst, lit, len);
		return 0;
	}
	return translate(s->r.types + r_off, len, dst, &s->t, s->hints) ? 0 : -EINVAL;
}

/* The head of K's record where record_of() found it, into @dst (12 bytes). */
static int head_into(struct kbtf_btf_delta_src *s, const uint8_t *lit, uint32_t r_off, uint8_t *dst)
{
	if (lit) {
		memcpy(dst, lit, 12);
		return 0;
	}
	return translate_head(s->r.types + r_off, dst, &s->t, s->hints) ? 0 : -EINVAL;
}

/*
 * String run @i's words {k_off, r_off, len} (its block checked), the run
 * inside both string sections; false when it is damaged.
 */
static inline bool str_run(const struct kbtf_btf_delta_src *s, uint32_t i, uint32_t *k_off,
			   uint32_t *r_off, uint32_t *len)
{
	const uint8_t *e = s->t.sr + 16 * i;

	if (!tab_ok(&s->t, e, 16))
		return false;
	*k_off = kbtf_le32(e);
	*r_off = kbtf_le32(e + 4);
	*len = kbtf_le32(e + 8);
	return *len && *k_off < s->str_len && *len <= s->str_len - *k_off &&
	       *r_off < s->r.str_len && *len <= s->r.str_len - *r_off;
}

/* The first string run ending after K's string offset @off (< str_len; nsr: none; NONE: damaged).
 */
static uint32_t str_run_after(const struct kbtf_btf_delta_src *s, uint32_t off)
{
	uint32_t i, k_off;

	/* the way there only steers: the callers check the runs that answer */
	for (i = kbtf_le32(s->t.sb + 4 * (off >> KS_SHIFT)); i < s->nsr; i++) {
		k_off = kbtf_le32(s->t.sr + 16 * i);
		if (off < k_off || off - k_off < kbtf_le32(s->t.sr + 16 * i + 8))
			break;
	}
	/* a damaged bucket past the last run steers to none, not past the table */
	return i < s->nsr ? i : s->nsr;
}

/*
 * The gap before string run @lo (nsr: after the last) K's string bytes
 * [*@from, *@to) are in, and where the literal bytes of its start are
 * (*@lit); false when a block read is damaged or they lie outside.
 */
static bool gap_before(const struct kbtf_btf_delta_src *s, uint32_t lo, uint32_t *from,
		       uint32_t *to, uint32_t *lit)
{
	uint32_t k_off, r_off, len;

	*from = 0;
	*lit = 0;
	if (lo) {
		if (!str_run(s, lo - 1, &k_off, &r_off, &len) ||
		    !word_at(&s->t, s->t.sr, 4 * (lo - 1) + 3, lit))
			return false;
		*from = k_off + len;
	}
	*to = s->str_len;
	if (lo < s->nsr) {
		if (!str_run(s, lo, &k_off, &r_off, &len))
			return false;
		*to = k_off;
	}
	return *from <= *to && *lit <= s->str_lit && *to - *from <= s->str_lit - *lit;
}

/* K's string bytes [@from, @to) into @dst; false when a block read is damaged. */
static bool strings_into(const struct kbtf_btf_delta_src *s, uint32_t from, uint32_t to, char *dst)
{
	uint32_t lo = str_run_after(s, from), at = from, k_off = 0, r_off = 0, len = 0, g_from,
		 g_to, lit;
	const uint32_t base = from;

	while (at < to) {
		uint32_t end;

		if (lo == NONE)
			return false;
		if (lo < s->nsr && !str_run(s, lo, &k_off, &r_off, &len))
			return false;
		if (lo == s->nsr || at < k_off) {
			/* literal bytes: the gap before run lo */
			if (!gap_before(s, lo, &g_from, &g_to, &lit) || at < g_from || at >= g_to)
				return false;
			end = g_to < to ? g_to : to;
			memcpy(dst + (at - base), s->lit_str + lit + (at - g_from), end - at);
		} else {
			/* runs that do not ascend apart in K end the copy */
			if (at - k_off >= len)
				return false;
			end = k_off + len < to ? k_off + len : to;
			memcpy(dst + (at - base), s->r.strs + r_off + (at - k_off), end - at);
			lo++;
		}
		at = end;
	}
	return true;
}

/*
 * Check the whole delta @s (opened with its whole checksum): every
 * block's checksum, the tables and the buckets they imply, the runs'
 * and checkpoints' offsets against the parsed reference @rb.
 */
static int check_whole(struct kbtf_btf_delta_src *s, const struct kbtf_btf *rb, const char *name)
{
	const struct tabs *t = &s->t;
	uint32_t *bk, *tb, *lb, *sb, *rtb, *rsb, i;
	size_t n =
	    (size_t)nr_kb(s->nk) * 2 + nr_ksb(s->str_len) + nr_rtb(s->r_nr) + nr_rsb(s->r.str_len);
	const char *why;

	for (i = 0; i < t->nblocks; i++)
		if (!block_check(t, i))
			return BAD("table block checksum mismatch");
	bk = malloc(4 * n);
	if (!bk)
		return kbtf_err_nomem();
	tb = bk;
	lb = tb + nr_kb(s->nk);
	sb = lb + nr_kb(s->nk);
	rtb = sb + nr_ksb(s->str_len);
	rsb = rtb + nr_rtb(s->r_nr);
	why = check_tables(t, tb, lb, sb, rtb, rsb);
	if (!why) {
		/* the buckets stored are those the tables imply */
		for (i = 0; i < n && kbtf_le32(t->tb + 4 * i) == bk[i]; i++)
			;
		if (i < n)
			why = "lookup buckets are not the tables'";
	}
	free(bk);
	if (why)
		return BAD(why);
	/* the runs' and checkpoints' offsets in R are R's own (from the
	 * parsed records: an unaligned reference is parsed in a copy) */
	for (i = 0; i < s->ntr; i++)
		if (rec_at(rb, kbtf_le32(t->tr + 16 * i + 4)) - rec_at(rb, 1) !=
		    kbtf_le32(t->tr + 16 * i + 12))
			return BAD("type run's offset is not its reference record's");
	for (i = 0; i < nr_checkpoints(s->r_nr); i++)
		if (rec_at(rb, i ? i * CK_IDS : 1) - rec_at(rb, 1) != kbtf_le32(t->ck + 4 * i))
			return BAD("reference offset is not its record's");
	return 0;
}

int kbtf_btf_delta_apply(const void *ref, size_t ref_size, const void *data, size_t size,
			 const char *name, struct kbtf_buf *out)
{
	struct kbtf_btf_delta_src s = {0};
	struct kbtf_parse_opts ro = {.name = name};
	struct kbtf_btf *rb = NULL;
	uint32_t id, at;
	uint8_t *o = NULL, *types;
	int err;

	memset(out, 0, sizeof(*out));
	err = open_head(ref, ref_size, data, size, name, true, &s);
	if (!err)
		err = kbtf_btf_parse(ref, ref_size, &ro, &rb);
	if (err)
		goto out;
	if (kbtf_btf_type_cnt(rb) != s.r_nr) {
		err = kbtf_err(-EINVAL, "%s: BTF delta is against another reference BTF", name);
		goto out;
	}
	err = check_whole(&s, rb, name);
	if (err)
		goto out;
	o = malloc(s.out_size);
	if (!o) {
		err = kbtf_err_nomem();
		goto out;
	}
	memcpy(o, s.d + HDR_SIZE, s.hdr_len);
	types = o + s.hdr_len;
	/* types, in K id order: a literal, else the aligned R record translated */
	for (id = 1, at = 0; id <= s.nk; id++) {
		const uint8_t *lit;
		uint32_t r_off = 0, len = record_of(&s, id, &lit, &r_off);

		if (!len || len > s.type_len - at || record_into(&s, lit, r_off, len, types + at)) {
			err = BAD("a record does not rebuild");
			goto out;
		}
		at += len;
	}
	if (at != s.type_len) {
		err = BAD("types do not fill their section");
		goto out;
	}
	if (!strings_into(&s, 0, s.str_len, (char *)types + s.type_len)) {
		err = BAD("strings do not rebuild");
		goto out;
	}
	if (kbtf_hash_bytes(o, s.out_size) != kbtf_le64(s.d + 32)) {
		err = BAD("rebuilt BTF differs from the one stored");
		goto out;
	}
	out->data = o;
	out->size = s.out_size;
	out->owner = KBTF_BUF_HEAP;
	o = NULL;
out:
	kbtf_btf_free(rb);
	free(s.arena);
	free(o);
	return err;
}

/* ------------------------------------------------------------ lazy reader */

int kbtf_btf_delta_src_open(struct kbtf_buf *ref, struct kbtf_buf *delta, const char *name,
			    struct kbtf_btf_delta_src **out)
{
	struct kbtf_btf_delta_src *s = calloc(1, sizeof(*s));
	int err;

	*out = NULL;
	if (!s)
		return kbtf_err_nomem();
	kbtf_buf_move(&s->ref_buf, ref);
	kbtf_buf_move(&s->delta_buf, delta);
	err = open_head(s->ref_buf.data, s->ref_buf.size, s->delta_buf.data, s->delta_buf.size,
			name, false, s);
	if (err) {
		kbtf_btf_delta_src_free(s);
		return err;
	}
	s->str_hint = NONE;
	*out = s;
	return 0;
}

const uint8_t *kbtf_btf_delta_src_header(const struct kbtf_btf_delta_src *s, uint32_t *hdr_len,
					 uint32_t *size, uint32_t *nr_types)
{
	*hdr_len = s->hdr_len;
	*size = s->out_size;
	*nr_types = s->nk;
	return s->d + HDR_SIZE;
}

uint32_t kbtf_btf_delta_src_locate(struct kbtf_btf_delta_src *s, uint32_t id,
				   struct kbtf_btf_delta_rec *rec)
{
	rec->r_off = 0;
	rec->len = record_of(s, id, &rec->lit, &rec->r_off);
	return rec->len;
}

int kbtf_btf_delta_src_record(struct kbtf_btf_delta_src *s, const struct kbtf_btf_delta_rec *rec,
			      uint8_t *dst)
{
	return rec->len ? record_into(s, rec->lit, rec->r_off, rec->len, dst) : -EINVAL;
}

int kbtf_btf_delta_src_head(struct kbtf_btf_delta_src *s, const struct kbtf_btf_delta_rec *rec,
			    uint8_t *dst)
{
	/* a located record is at least a head long (rec_bytes()) */
	return rec->len >= 12 ? head_into(s, rec->lit, rec->r_off, dst) : -EINVAL;
}

/*
 * K's string at @off in run @lo (its words @k_off, @r_off, @len, checked),
 * which holds it (the tail of kbtf_btf_delta_src_string()); *@run its view
 * once the run's bytes are known to end in a NUL.
 */
static inline __attribute__((always_inline)) const char *
run_string(const struct kbtf_btf_delta_src *s, uint32_t lo, uint32_t k_off, uint32_t r_off,
	   uint32_t len, uint32_t off, const struct kbtf_btf_delta_strs **run)
{
	const char *p = s->r.strs + r_off + (off - k_off);
	uint8_t end = __atomic_load_n(&s->run_end[lo], __ATOMIC_ACQUIRE);

	/* whether R's bytes the run takes end in a NUL, looked at when a read
	 * first needs it, not at open: the runs' ends are scattered over R's
	 * strings, and looking at each would fault in pages no read needs */
	if (!end) {
		end = s->r.strs[r_off + len - 1] ? RUN_OPEN : RUN_NUL;
		if (end == RUN_NUL) {
			struct kbtf_btf_delta_strs *v = &s->views[lo];

			__atomic_store_n(&v->base, s->r.strs + r_off, __ATOMIC_RELAXED);
			__atomic_store_n(&v->from, k_off, __ATOMIC_RELAXED);
			__atomic_store_n(&v->len, len, __ATOMIC_RELAXED);
		}
		__atomic_store_n(&s->run_end[lo], end, __ATOMIC_RELEASE);
	}
	if (end == RUN_NUL) {
		if (run)
			*run = &s->views[lo];
		return p;
	}
	return memchr(p, 0, k_off + len - off) ? p : NULL;
}

const char *kbtf_btf_delta_src_string(const struct kbtf_btf_delta_src *s, uint32_t off,
				      const struct kbtf_btf_delta_strs **run)
{
	uint32_t lo, k_off = 0, r_off = 0, len = 0, g_from, g_to, lit;
	const char *p;

	if (off >= s->str_len)
		return NULL;
	/* the run the last string was in first: a struct's member names mostly
	 * sit together; any thread's hint names a run whose block held and
	 * whose words are inside both sections (off - k_off wraps past len
	 * when off is below the run) */
	lo = __atomic_load_n(&s->str_hint, __ATOMIC_RELAXED);
	if (lo < s->nsr) {
		const uint8_t *e = s->t.sr + 16 * lo;

		k_off = kbtf_le32(e);
		len = kbtf_le32(e + 8);
		if (off - k_off < len)
			return run_string(s, lo, k_off, kbtf_le32(e + 4), len, off, run);
	}
	/* NULL on damage too: the caller's copy (kbtf_btf_delta_src_strings()) says so */
	lo = str_run_after(s, off);
	if (lo == NONE || (lo < s->nsr && !str_run(s, lo, &k_off, &r_off, &len)))
		return NULL;
	if (lo < s->nsr && k_off <= off) {
		__atomic_store_n(&((struct kbtf_btf_delta_src *)s)->str_hint, lo, __ATOMIC_RELAXED);
		return run_string(s, lo, k_off, r_off, len, off, run);
	}
	/* in the gap before run lo: the literal bytes, up to the run */
	if (!gap_before(s, lo, &g_from, &g_to, &lit) || off < g_from || off >= g_to)
		return NULL;
	p = (const char *)s->lit_str + lit + (off - g_from);
	return memchr(p, 0, g_to - off) ? p : NULL;
}

bool kbtf_btf_delta_src_strings(const struct kbtf_btf_delta_src *s, uint32_t from, uint32_t to,
				char *dst)
{
	if (to > s->str_len)
		to = s->str_len;
	return from >= to || strings_into(s, from, to, dst);
}
