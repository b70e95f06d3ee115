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

#define HDR_SIZE 96
#define CSUM_AT 80	  /* of everything */
#define TABLES_CSUM_AT 88 /* of the header and tables, for lazy readers */
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

/* ------------------------------------------------------------- maps */

/*
 * R -> K through the runs. Runs ascend in K; the map lists them in R
 * order (a kernel built with pahole -j emits its types and strings in
 * blocks whose order differs from build to build, so the alignment is
 * not monotonic), each as the R range [r, end) and its first K value;
 * bucket[x >> shift] is the first span ending past x << shift, so a
 * lookup scans a span or two instead of searching.
 */
struct span {
	uint32_t r, end, k;
};

struct rmap {
	struct span *sp; /* nr spans, then one past every value */
	uint32_t *bucket;
	uint32_t nr, shift, nb, limit; /* the spans end at or below limit */
};

/*
 * K value of R value @r (an id or a string offset), NONE if no run covers
 * it; *@hint, the span the caller's last lookup found (NULL: none), is
 * tried first and then set: a record's words mostly fall in a few long runs.
 */
static inline uint32_t rmap_get(const struct rmap *m, uint32_t r, const struct span **hint)
{
	const struct span *h = *hint;

	if (r == 0)
		return 0;
	if (h && h->r <= r && r < h->end)
		return h->k + (r - h->r);
	if (r >= m->limit)
		return NONE;
	/* below limit: its bucket exists, and the last span stops the walk */
	h = &m->sp[m->bucket[r >> m->shift]];
	while (h->end <= r)
		h++;
	if (h->r > r)
		return NONE;
	*hint = h;
	return h->k + (r - h->r);
}

static void rmap_free(struct rmap *m)
{
	free(m->sp);
	free(m->bucket);
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

/*
 * Fill the map @m (room for @nr + 1 spans and (@r_limit >> @shift) + 1
 * buckets) from @nr runs (type runs when @types, else string runs), whose
 * R ranges lie below @r_limit, in the R order @perm: false unless every
 * index is below @nr and the runs it lists ascend apart. That makes
 * @perm a permutation too: runs are never empty, so a run listed twice
 * would start before the end of the one listed before it.
 */
static inline __attribute__((always_inline)) bool rmap_fill(struct rmap *m, const void *runs,
							    const uint32_t *perm, uint32_t nr,
							    bool types, uint32_t r_limit,
							    uint32_t shift)
{
	uint32_t i, b = 0, end = 0, nb = (r_limit >> shift) + 1, *bucket = m->bucket;
	struct span *sp = m->sp;

	m->nr = nr;
	m->shift = shift;
	m->nb = nb;
	m->limit = r_limit;
	sp[nr] = (struct span){UINT32_MAX, UINT32_MAX, 0};
	for (i = 0; i < nr; i++) {
		uint32_t p = perm[i], r, n, k, last;

		if (p >= nr)
			return false;
		if (types) {
			const struct type_run *t = (const struct type_run *)runs + p;

			r = t->r_id;
			n = t->n;
			k = t->k_id;
		} else {
			const struct str_run *t = (const struct str_run *)runs + p;

			r = t->r_off;
			n = t->len;
			k = t->k_off;
		}
		if (!n || r < end)
			return false;
		end = r + n;
		sp[i] = (struct span){r, end, k};
		/* each bucket written once: the first span ending past its start */
		last = (end - 1) >> shift;
		fill_buckets(bucket, &b, last < nb ? last : nb - 1, i);
	}
	for (; b < nb; b++)
		bucket[b] = nr;
	return true;
}

/* The map of @nr runs in the R order @perm, allocated: see rmap_fill(). */
static int rmap_init(struct rmap *m, const void *runs, const uint32_t *perm, uint32_t nr,
		     bool types, uint32_t r_limit, uint32_t shift)
{
	m->sp = malloc(((size_t)nr + 1) * sizeof(*m->sp));
	m->bucket = malloc((size_t)((r_limit >> shift) + 1) * sizeof(*m->bucket));
	if (!m->sp || !m->bucket)
		return -ENOMEM;
	return rmap_fill(m, runs, perm, nr, types, r_limit, shift) ? 0 : -EINVAL;
}

/* The R id or string offset at @src as K's at @dst: false when it has no image in K. */
static inline bool map_at(uint8_t *dst, const uint8_t *src, const struct rmap *m,
			  const struct span **hint)
{
	uint32_t v = rmap_get(m, kbtf_le32(src), hint);

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
 * that costs. @hints holds the spans the last ids and strings were found
 * in (any, or NULL), and gets this record's: a judge reads a struct,
 * then the types its members name.
 */
static bool translate(const uint8_t *src, uint32_t len, uint8_t *dst, const struct rmap *tm,
		      const struct rmap *sm, const struct span **hints)
{
	const struct span *th = hints[0], *sh = hints[1];
	uint32_t words = len / 4, w;
	bool ok;

	if (words < 3 || !map_at(dst, src, sm, &sh))
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
		ok = map_at(dst + 8, src + 8, tm, &th);
		for (w = 3; w < words; w++)
			copy_at(dst, src, w);
		break;
	case BTF_KIND_ARRAY:
		/* the element and index types between two plain words */
		ok = words == 6 && map_at(dst + 12, src + 12, tm, &th) &&
		     map_at(dst + 16, src + 16, tm, &th);
		copy_at(dst, src, 2);
		if (words == 6)
			copy_at(dst, src, 5);
		break;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		/* members: name, type, offset */
		copy_at(dst, src, 2);
		for (w = 3, ok = true; ok && w + 3 <= words; w += 3) {
			ok = map_at(dst + 4 * w, src + 4 * w, sm, &sh) &&
			     map_at(dst + 4 * w + 4, src + 4 * w + 4, tm, &th);
			copy_at(dst, src, w + 2);
		}
		ok = ok && w == words;
		break;
	case BTF_KIND_ENUM:
		/* name, value */
		copy_at(dst, src, 2);
		for (w = 3, ok = true; ok && w + 2 <= words; w += 2) {
			ok = map_at(dst + 4 * w, src + 4 * w, sm, &sh);
			copy_at(dst, src, w + 1);
		}
		ok = ok && w == words;
		break;
	case BTF_KIND_ENUM64:
		/* name, value low, value high */
		copy_at(dst, src, 2);
		for (w = 3, ok = true; ok && w + 3 <= words; w += 3) {
			ok = map_at(dst + 4 * w, src + 4 * w, sm, &sh);
			copy_at(dst, src, w + 1);
			copy_at(dst, src, w + 2);
		}
		ok = ok && w == words;
		break;
	case BTF_KIND_FUNC_PROTO:
		/* the return type, then parameters: name, type */
		ok = map_at(dst + 8, src + 8, tm, &th);
		for (w = 3; ok && w + 2 <= words; w += 2)
			ok = map_at(dst + 4 * w, src + 4 * w, sm, &sh) &&
			     map_at(dst + 4 * w + 4, src + 4 * w + 4, tm, &th);
		ok = ok && w == words;
		break;
	case BTF_KIND_DATASEC:
		/* variables: type, offset, size */
		copy_at(dst, src, 2);
		for (w = 3, ok = true; ok && w + 3 <= words; w += 3) {
			ok = map_at(dst + 4 * w, src + 4 * w, tm, &th);
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

static int ob_put1(struct outbuf *o, uint32_t a)
{
	uint8_t w[4];

	kbtf_put_le32(w, a);
	return ob_put(o, w, sizeof(w));
}

static int ob_put2(struct outbuf *o, uint32_t a, uint32_t b)
{
	uint8_t w[8];

	kbtf_put_le32(w, a);
	kbtf_put_le32(w + 4, b);
	return ob_put(o, w, sizeof(w));
}

static int ob_put4(struct outbuf *o, uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
	uint8_t w[16];

	kbtf_put_le32(w, a);
	kbtf_put_le32(w + 4, b);
	kbtf_put_le32(w + 8, c);
	kbtf_put_le32(w + 12, d);
	return ob_put(o, w, sizeof(w));
}

static int ob_put3(struct outbuf *o, uint32_t a, uint32_t b, uint32_t c)
{
	uint8_t w[12];

	kbtf_put_le32(w, a);
	kbtf_put_le32(w + 4, b);
	kbtf_put_le32(w + 8, c);
	return ob_put(o, w, sizeof(w));
}

/* Of the header before the checksums and the tables (up to @end). */
static uint64_t tables_checksum(const uint8_t *d, size_t end)
{
	uint8_t both[16];

	kbtf_put_le64(both, kbtf_hash_bytes(d, CSUM_AT));
	kbtf_put_le64(both + 8, kbtf_hash_bytes(d + HDR_SIZE, end - HDR_SIZE));
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

int kbtf_btf_delta_make(const void *ref, size_t ref_size, const void *kdata, size_t k_size,
			struct kbtf_buf *out, struct kbtf_btf_delta_stats *st)
{
	struct kbtf_parse_opts ro = {.name = "reference BTF"}, ko = {.name = "BTF"};
	struct kbtf_btf *rb = NULL, *kb = NULL;
	struct side r, k;
	uint64_t *ks = NULL, *rs = NULL;
	uint32_t *mk = NULL, *mr = NULL, nk, nr, i, nsr = 0, ntr = 0, nlit = 0, lit_len = 0;
	uint32_t str_lit = 0, at;
	struct str_run *sr = NULL;
	struct type_run *tr = NULL;
	uint32_t *tperm = NULL, *sperm = NULL;
	struct rmap tm = {0}, sm = {0};
	const struct span *hints[2] = {NULL, NULL};
	struct lit *lits = NULL;
	struct outbuf o = {0}, lit_bytes = {0};
	uint8_t *tmp = NULL, hdr[HDR_SIZE] = {0};
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
	if (rmap_init(&tm, tr, tperm, ntr, true, nr, 8) ||
	    rmap_init(&sm, sr, sperm, nsr, false, r.str_len, 10)) {
		err = kbtf_err_nomem();
		goto out;
	}
	for (i = 1; i < nk; i++) {
		const uint8_t *kr = rec_at(kb, i);
		uint32_t len = (uint32_t)kbtf_type_rec_size((const void *)kr);

		if (mk[i] != NONE && kbtf_type_rec_size((const void *)rec_at(rb, mk[i])) == len &&
		    translate(rec_at(rb, mk[i]), len, tmp, &tm, &sm, hints) &&
		    !memcmp(tmp, kr, len)) {
			st->copied++;
			continue;
		}
		lits[nlit++] = (struct lit){i, lit_len};
		err = ob_put(&lit_bytes, kr, len);
		if (err)
			goto out;
		lit_len += len;
	}
	/* assemble */
	err = ob_put(&o, hdr, HDR_SIZE);
	if (!err)
		err = ob_put(&o, k.data, k.hdr_len);
	for (i = 0; !err && i < ntr; i++)
		err = ob_put4(&o, tr[i].k_id, tr[i].r_id, tr[i].n, tr[i].r_byte);
	for (i = 0; !err && i < ntr; i++)
		err = ob_put1(&o, tperm[i]);
	for (i = 0; !err && i < nlit; i++)
		err = ob_put2(&o, lits[i].k_id, lits[i].off);
	for (i = 0; !err && i < nsr; i++)
		err = ob_put3(&o, sr[i].k_off, sr[i].r_off, sr[i].len);
	for (i = 0; !err && i < nsr; i++)
		err = ob_put1(&o, sperm[i]);
	for (i = 0; !err && i < nr_checkpoints(nr); i++)
		err = ob_put1(&o, (uint32_t)(rec_at(rb, i ? i * CK_IDS : 1) - rec_at(rb, 1)));
	if (!err && lit_len)
		err = ob_put(&o, lit_bytes.p, lit_len);
	for (i = 0, at = 0; !err && i <= nsr; i++) {
		uint32_t end = i < nsr ? sr[i].k_off : k.str_len;

		if (end > at) {
			err = ob_put(&o, k.strs + at, end - at);
			str_lit += end - at;
		}
		if (i < nsr)
			at = sr[i].k_off + sr[i].len;
	}
	if (err)
		goto out;
	memcpy(o.p, KBTF_BTF_DELTA_MAGIC, 8);
	kbtf_put_le32(o.p + 8, KBTF_BTF_DELTA_VERSION);
	kbtf_put_le32(o.p + 12, k.hdr_len);
	kbtf_put_le64(o.p + 16, kbtf_hash_bytes(ref, ref_size));
	kbtf_put_le64(o.p + 24, ref_size);
	kbtf_put_le64(o.p + 32, kbtf_hash_bytes(kdata, k_size));
	kbtf_put_le32(o.p + 40, (uint32_t)k_size);
	kbtf_put_le32(o.p + 44, nk - 1);
	kbtf_put_le32(o.p + 48, k.type_len);
	kbtf_put_le32(o.p + 52, k.str_len);
	kbtf_put_le32(o.p + 56, ntr);
	kbtf_put_le32(o.p + 60, nlit);
	kbtf_put_le32(o.p + 64, lit_len);
	kbtf_put_le32(o.p + 68, nsr);
	kbtf_put_le32(o.p + 72, str_lit);
	kbtf_put_le32(o.p + 76, nr);
	kbtf_put_le64(o.p + TABLES_CSUM_AT, tables_checksum(o.p, o.len - lit_len - str_lit));
	kbtf_put_le64(o.p + CSUM_AT, checksum(o.p, o.len));
	st->nr_types = nk - 1;
	st->literal = nlit;
	st->type_runs = ntr;
	st->str_runs = nsr;
	st->str_literal = str_lit;
	st->size = o.len;
	out->data = o.p;
	out->size = o.len;
	out->owner = KBTF_BUF_HEAP;
	o.p = NULL;
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
	rmap_free(&tm);
	rmap_free(&sm);
	free(sr);
	free(o.p);
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

/* The byte where the literal records start, when the header says it. */
static size_t literals_at(const uint8_t *d, size_t size)
{
	uint64_t at;

	if (size < HDR_SIZE)
		return 0;
	at = (uint64_t)HDR_SIZE + kbtf_le32(d + 12) + 20ull * kbtf_le32(d + 56) +
	     8ull * kbtf_le32(d + 60) + 16ull * kbtf_le32(d + 68) +
	     4ull * nr_checkpoints(kbtf_le32(d + 76));
	return at <= size ? (size_t)at : 0;
}

void kbtf_btf_delta_seal(uint8_t *data, size_t size, const void *ref, size_t ref_size)
{
	size_t lit = literals_at(data, size);

	if (size < HDR_SIZE)
		return;
	kbtf_put_le64(data + 16, kbtf_hash_bytes(ref, ref_size));
	kbtf_put_le64(data + 24, ref_size);
	if (lit)
		kbtf_put_le64(data + TABLES_CSUM_AT, tables_checksum(data, lit));
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

/* A delta whose header and tables passed their checks. */
struct kbtf_btf_delta_src {
	struct kbtf_buf ref_buf, delta_buf; /* owned, for the lazy reader */
	const uint8_t *d;
	struct side r;
	uint32_t hdr_len, out_size, nk, type_len, str_len, ntr, nlit, lit_len, nsr, str_lit;
	uint32_t r_nr; /* R's type count, VOID included */
	/* the tables, in place in the delta on a little-endian host, else
	 * decoded into heap (the heap pointers, freed) */
	const struct type_run *tr;
	const struct str_run *sr;
	const uint32_t *tperm, *sperm;
	void *heap[4];
	/* the lookup structures below, in one allocation */
	void *arena;
	uint32_t *str_lit_at; /* per string run: literal bytes before it */
	const uint8_t *lits_raw, *lit_rec, *lit_str;
	const uint8_t *ck;  /* R's record offsets at ids 1, CK_IDS, 2 * CK_IDS... */
	struct rmap tm, sm; /* R -> K */
	/* K string offset -> string run: sbucket[off >> SBUCKET_SHIFT] is the
	 * first run ending past the bucket's start */
	uint32_t *sbucket;
	uint32_t str_hint; /* the run a string was last found in (a cache) */
	/* per string run, whether R's bytes it takes end in a NUL (a string
	 * starting in it then ends in it): 0 not looked at yet, RUN_NUL, RUN_OPEN */
	uint8_t *run_end;
	struct kbtf_btf_delta_strs *views; /* per string run, for readers' caches */
	/* K id -> the first literal (lbucket) and type run (tbucket) at or
	 * past id b << KBUCKET_SHIFT */
	uint32_t *lbucket, *tbucket;
	struct rblock *rblocks;	     /* written by record_of(): its callers serialise */
	const struct span *hints[2]; /* translate()'s, for record_into(): the same */
};

#define SBUCKET_SHIFT 12
#define KBUCKET_SHIFT 8
#define RUN_NUL 1
#define RUN_OPEN 2

/* What open_tables() allocated. */
static void src_fini(struct kbtf_btf_delta_src *s)
{
	free(s->heap[0]);
	free(s->heap[1]);
	free(s->heap[2]);
	free(s->heap[3]);
	free(s->arena);
}

void kbtf_btf_delta_src_free(struct kbtf_btf_delta_src *s)
{
	if (!s)
		return;
	src_fini(s);
	kbtf_buf_release(&s->ref_buf);
	kbtf_buf_release(&s->delta_buf);
	free(s);
}

/* Carve @n bytes (a multiple of 4) off *@at. */
static void *carve(uint8_t **at, size_t n)
{
	void *p = *at;

	*at += n;
	return p;
}

/* The lookup structures' one allocation, carved up; false when out of memory. */
static bool alloc_lookups(struct kbtf_btf_delta_src *s)
{
	size_t tmb = ((size_t)(s->r_nr >> 8) + 1) * 4, smb = ((size_t)(s->r.str_len >> 12) + 1) * 4;
	size_t sb = ((size_t)(s->str_len >> SBUCKET_SHIFT) + 2) * 4;
	size_t kb = ((size_t)(s->nk >> KBUCKET_SHIFT) + 2) * 4;
	size_t vb = (size_t)s->nsr * sizeof(struct kbtf_btf_delta_strs);
	size_t nrb = RBLOCKS * sizeof(struct rblock), nsr = s->nsr, ntr = s->ntr, i;
	uint8_t *at;

	at = s->arena = malloc(vb + 4 * nsr + 12 * (ntr + 1) + tmb + 12 * (nsr + 1) + smb + sb +
			       2 * kb + nrb + nsr + 1);
	if (!at)
		return false;
	s->views = carve(&at, vb); /* first: pointers, 8-byte aligned */
	s->str_lit_at = carve(&at, 4 * nsr);
	s->tm.sp = carve(&at, 12 * (ntr + 1));
	s->tm.bucket = carve(&at, tmb);
	s->sm.sp = carve(&at, 12 * (nsr + 1));
	s->sm.bucket = carve(&at, smb);
	s->sbucket = carve(&at, sb);
	s->lbucket = carve(&at, kb);
	s->tbucket = carve(&at, kb);
	s->rblocks = carve(&at, nrb);
	s->run_end = at;
	/* the tags only: the rest of a block is written before it is read */
	for (i = 0; i < RBLOCKS; i++)
		s->rblocks[i].tag = 0;
	memset(s->run_end, 0, nsr);
	return true;
}

/*
 * Check the header and tables of the delta @d against the reference @ref
 * (its layout and size, not its hash: @full checks that and the checksum
 * of the whole file; else only the tables' checksum is), and build the
 * lookups from them as they are checked, one pass per table.
 */
static int open_tables(const void *ref, size_t ref_size, const uint8_t *d, size_t size,
		       const char *name, bool full, struct kbtf_btf_delta_src *s)
{
	const uint8_t *tr_raw, *tperm_raw, *sr_raw, *sperm_raw;
	uint32_t i, b, nb, lit, next, lit_before, n, nk, r_nr, *bucket;
	uint32_t str_len, str_lit, lit_len, r_types, r_strs, min_off;
	const uint8_t *lits;
	uint64_t need;

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
	/* type runs 16 bytes and their R order 4, string runs 12 and 4 */
	need = (uint64_t)HDR_SIZE + s->hdr_len + 20ull * s->ntr + 8ull * s->nlit + 16ull * s->nsr +
	       4ull * nr_checkpoints(s->r_nr) + s->lit_len + s->str_lit;
	if (need != size)
		return BAD("tables do not fill the file");
	lit = (uint32_t)(size - s->lit_len - s->str_lit);
	if (full ? kbtf_le64(d + CSUM_AT) != checksum(d, size)
		 : kbtf_le64(d + TABLES_CSUM_AT) != tables_checksum(d, lit))
		return BAD("checksum mismatch");
	if (s->hdr_len < KBTF_HDR_LEN_CLASSIC || s->hdr_len > MAX_BTF_HDR || s->hdr_len % 4 ||
	    (uint64_t)s->hdr_len + s->type_len + s->str_len != s->out_size || s->type_len % 4 ||
	    s->lit_len % 4 || s->lit_len > s->type_len || s->str_lit > s->str_len ||
	    s->nlit > s->nk || s->ntr > s->nk || s->nsr > s->str_len || s->nk > s->type_len / 12 ||
	    !s->str_len)
		return BAD("header fields out of range");
	if (kbtf_le64(d + 24) != ref_size ||
	    (full && kbtf_le64(d + 16) != kbtf_hash_bytes(ref, ref_size)))
		return kbtf_err(-EINVAL, "%s: BTF delta is against another reference BTF", name);
	if (plain_layout(ref, ref_size, &s->r) || s->r_nr < 1 || s->r_nr - 1 > s->r.type_len / 12)
		return kbtf_err(-EINVAL, "%s: BTF delta is against another reference BTF", name);
	tr_raw = d + HDR_SIZE + s->hdr_len;
	tperm_raw = tr_raw + 16ull * s->ntr;
	s->lits_raw = tperm_raw + 4ull * s->ntr;
	sr_raw = s->lits_raw + 8ull * s->nlit;
	sperm_raw = sr_raw + 12ull * s->nsr;
	s->ck = sperm_raw + 4ull * s->nsr;
	s->lit_rec = s->ck + 4 * nr_checkpoints(s->r_nr);
	s->lit_str = s->lit_rec + s->lit_len;
	if (htole32(1) == 1 && (uintptr_t)tr_raw % 4 == 0) {
		/* the file's records are these structs: all offsets are multiples of 4 */
		s->tr = (const void *)tr_raw;
		s->tperm = (const void *)tperm_raw;
		s->sr = (const void *)sr_raw;
		s->sperm = (const void *)sperm_raw;
	} else {
		struct type_run *tr = s->heap[0] = malloc((size_t)s->ntr * sizeof(*tr) + 1);
		struct str_run *sr = s->heap[1] = malloc((size_t)s->nsr * sizeof(*sr) + 1);
		uint32_t *tperm = s->heap[2] = malloc((size_t)s->ntr * sizeof(*tperm) + 1);
		uint32_t *sperm = s->heap[3] = malloc((size_t)s->nsr * sizeof(*sperm) + 1);

		if (!tr || !sr || !tperm || !sperm)
			return kbtf_err_nomem();
		for (i = 0; i < s->ntr; i++) {
			const uint8_t *p = tr_raw + 16 * i;

			tr[i] = (struct type_run){kbtf_le32(p), kbtf_le32(p + 4), kbtf_le32(p + 8),
						  kbtf_le32(p + 12)};
			tperm[i] = kbtf_le32(tperm_raw + 4 * i);
		}
		for (i = 0; i < s->nsr; i++) {
			const uint8_t *p = sr_raw + 12 * i;

			sr[i] = (struct str_run){kbtf_le32(p), kbtf_le32(p + 4), kbtf_le32(p + 8)};
			sperm[i] = kbtf_le32(sperm_raw + 4 * i);
		}
		s->tr = tr;
		s->sr = sr;
		s->tperm = tperm;
		s->sperm = sperm;
	}
	if (!alloc_lookups(s))
		return kbtf_err_nomem();
	str_len = s->str_len;
	str_lit = s->str_lit;
	lit_len = s->lit_len;
	r_types = s->r.type_len;
	r_strs = s->r.str_len;
	/* the loops below keep what they compare in locals: their stores
	 * into the buckets could otherwise alias every count in *s */
	nk = s->nk;
	r_nr = s->r_nr;
	/* type runs, ascending in K: tbucket[b] the first ending past id b << KBUCKET_SHIFT */
	nb = (nk >> KBUCKET_SHIFT) + 2;
	bucket = s->tbucket;
	for (i = 0, b = 0, next = 1, n = s->ntr; i < n; i++) {
		const struct type_run *t = &s->tr[i];
		uint32_t k_id = t->k_id, len = t->n, r_id = t->r_id;

		if (!len || k_id < next || k_id > nk || len > nk - k_id + 1 || !r_id ||
		    r_id >= r_nr || len > r_nr - r_id || t->r_byte % 4 || t->r_byte >= r_types)
			return BAD("type run out of range or order");
		next = k_id + len;
		fill_buckets(bucket, &b, (next - 1) >> KBUCKET_SHIFT, i);
	}
	for (; b < nb; b++)
		bucket[b] = n;
	/* string runs, ascending in K, and the literal bytes (the gaps) before each */
	nb = (str_len >> SBUCKET_SHIFT) + 2;
	bucket = s->sbucket;
	for (i = 0, b = 0, next = 0, lit_before = 0, n = s->nsr; i < n; i++) {
		const struct str_run *r = &s->sr[i];
		uint32_t k_off = r->k_off, len = r->len, r_off = r->r_off;

		if (!len || k_off < next || k_off >= str_len || len > str_len - k_off ||
		    r_off >= r_strs || len > r_strs - r_off)
			return BAD("string run out of range or order");
		lit_before += k_off - next;
		if (lit_before > str_lit)
			return BAD("literal strings too short");
		s->str_lit_at[i] = lit_before;
		s->views[i] = (struct kbtf_btf_delta_strs){s->r.strs + r_off, k_off, 0};
		next = k_off + len;
		fill_buckets(bucket, &b, (next - 1) >> SBUCKET_SHIFT, i);
	}
	for (; b < nb; b++)
		bucket[b] = n;
	if (str_lit - lit_before != str_len - next)
		return BAD("literal strings do not fill the gaps");
	/* R -> K in buckets of 256 ids and 4 KiB of the reference's strings */
	if (!rmap_fill(&s->tm, s->tr, s->tperm, s->ntr, true, r_nr, 8))
		return BAD("type runs out of order in the reference");
	if (!rmap_fill(&s->sm, s->sr, s->sperm, s->nsr, false, r_strs, 12))
		return BAD("string runs out of order in the reference");
	/* literals, ascending in K ids and in offsets: lbucket[b] the first at
	 * or past id b << KBUCKET_SHIFT */
	nb = (nk >> KBUCKET_SHIFT) + 2;
	bucket = s->lbucket;
	lits = s->lits_raw;
	for (lit = 0, b = 0, next = 1, min_off = 0, n = s->nlit; lit < n; lit++) {
		uint32_t id = kbtf_le32(lits + 8 * lit), off = kbtf_le32(lits + 8 * lit + 4);

		if (id < next || id > nk || off % 4 || off < min_off || off >= lit_len)
			return BAD("literal out of range or order");
		next = id + 1;
		min_off = off + 4; /* <= lit_len: both are multiples of 4 */
		fill_buckets(bucket, &b, id >> KBUCKET_SHIFT, lit);
	}
	for (; b < nb; b++)
		bucket[b] = n;
	/* the checkpoints (R's record offsets) are checked where a read
	 * walks from one: r_offset() */
	return 0;
}

/* The literal of K id @id (1..nk): its bytes and length, or NULL. */
static const uint8_t *literal_of(const struct kbtf_btf_delta_src *s, uint32_t id, uint32_t *len)
{
	uint32_t lo = s->lbucket[id >> KBUCKET_SHIFT], off, end;

	while (lo < s->nlit && kbtf_le32(s->lits_raw + 8 * lo) < id)
		lo++;
	if (lo == s->nlit || kbtf_le32(s->lits_raw + 8 * lo) != id)
		return NULL;
	off = kbtf_le32(s->lits_raw + 8 * lo + 4);
	end = lo + 1 < s->nlit ? kbtf_le32(s->lits_raw + 8 * (lo + 1) + 4) : s->lit_len;
	*len = end - off; /* offsets ascend: checked on open */
	return s->lit_rec + off;
}

/* The type run holding K id @id (1..nk), or NULL. */
static const struct type_run *run_of(const struct kbtf_btf_delta_src *s, uint32_t id)
{
	uint32_t lo = s->tbucket[id >> KBUCKET_SHIFT];

	while (lo < s->ntr && s->tr[lo].k_id + s->tr[lo].n <= id)
		lo++;
	return lo < s->ntr && s->tr[lo].k_id <= id ? &s->tr[lo] : NULL;
}

/*
 * Where R's record @r is in R's types: from the checkpoint before it (or
 * the last record of its block a walk reached), over the records between
 * (each sized from its info word); false when that leaves R's type
 * section. Every offset kept was reached by such a checked walk.
 */
static bool r_offset(struct kbtf_btf_delta_src *s, uint32_t r, uint32_t *off)
{
	uint32_t c = r / CK_IDS, j = r - (c ? c * CK_IDS : 1), o, n, k, len = s->r.type_len;
	struct rblock *b = &s->rblocks[c % RBLOCKS];
	const uint8_t *types = s->r.types;

	if (r < 1 || r >= s->r_nr)
		return false;
	if (b->tag != c + 1) {
		o = kbtf_le32(s->ck + 4 * c);
		if (o % 4 || o >= s->r.type_len || s->r.type_len - o < 12)
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
	const struct type_run *t;
	uint32_t n;

	*lit = NULL;
	if (id < 1 || id > s->nk)
		return 0;
	*lit = literal_of(s, id, &n);
	if (*lit)
		return n >= 12 && rec_bytes(kbtf_le32(*lit + 4)) == n ? n : 0;
	t = run_of(s, id);
	if (!t || !r_offset(s, t->r_id + (id - t->k_id), r_off))
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
	return translate(s->r.types + r_off, len, dst, &s->tm, &s->sm, s->hints) ? 0 : -EINVAL;
}

/* The first string run ending after K's string offset @off (< str_len; nsr: none). */
static inline uint32_t str_run_after(const struct kbtf_btf_delta_src *s, uint32_t off)
{
	uint32_t i = s->sbucket[off >> SBUCKET_SHIFT];

	while (i < s->nsr && s->sr[i].k_off + s->sr[i].len <= off)
		i++;
	return i;
}
/* K's string bytes [@from, @to) into @dst. */
static void strings_into(const struct kbtf_btf_delta_src *s, uint32_t from, uint32_t to, char *dst)
{
	uint32_t lo = str_run_after(s, from), at = from;
	const uint32_t base = from;

	while (at < to) {
		const struct str_run *r = lo < s->nsr ? &s->sr[lo] : NULL;
		uint32_t end;

		if (!r || at < r->k_off) {
			/* literal bytes: the gap before run lo */
			uint32_t gap_start = lo ? s->sr[lo - 1].k_off + s->sr[lo - 1].len : 0;
			uint32_t lit = (lo ? s->str_lit_at[lo - 1] : 0) + (at - gap_start);

			end = r ? (r->k_off < to ? r->k_off : to) : to;
			memcpy(dst + (at - base), s->lit_str + lit, end - at);
		} else {
			end = r->k_off + r->len < to ? r->k_off + r->len : to;
			memcpy(dst + (at - base), s->r.strs + r->r_off + (at - r->k_off), end - at);
			lo++;
		}
		at = end;
	}
}

int kbtf_btf_delta_apply(const void *ref, size_t ref_size, const void *data, size_t size,
			 const char *name, struct kbtf_buf *out)
{
	struct kbtf_btf_delta_src s = {0};
	struct kbtf_parse_opts ro = {.name = name};
	struct kbtf_btf *rb = NULL;
	uint32_t id, at, t;
	uint8_t *o = NULL, *types;
	int err;

	memset(out, 0, sizeof(*out));
	err = open_tables(ref, ref_size, data, size, name, true, &s);
	if (!err)
		err = kbtf_btf_parse(ref, ref_size, &ro, &rb);
	if (err)
		goto out;
	if (kbtf_btf_type_cnt(rb) != s.r_nr) {
		err = kbtf_err(-EINVAL, "%s: BTF delta is against another reference BTF", name);
		goto out;
	}
	/* the runs' and checkpoints' offsets in R are R's own (from the
	 * parsed records: an unaligned reference is parsed in a copy) */
	for (t = 0; t < s.ntr; t++)
		if (rec_at(rb, s.tr[t].r_id) - rec_at(rb, 1) != s.tr[t].r_byte) {
			err = BAD("type run's offset is not its reference record's");
			goto out;
		}
	for (t = 0; t < nr_checkpoints(s.r_nr); t++)
		if (rec_at(rb, t ? t * CK_IDS : 1) - rec_at(rb, 1) != kbtf_le32(s.ck + 4 * t)) {
			err = BAD("reference offset is not its record's");
			goto out;
		}
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
	strings_into(&s, 0, s.str_len, (char *)types + s.type_len);
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
	src_fini(&s);
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
	err = open_tables(s->ref_buf.data, s->ref_buf.size, s->delta_buf.data, s->delta_buf.size,
			  name, false, s);
	if (err) {
		kbtf_btf_delta_src_free(s);
		return err;
	}
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

/*
 * K's string at @off in run @lo, which holds it (the tail of
 * kbtf_btf_delta_src_string()); *@run its view once the run's bytes are
 * known to end in a NUL.
 */
static inline __attribute__((always_inline)) const char *
run_string(const struct kbtf_btf_delta_src *s, uint32_t lo, uint32_t off,
	   const struct kbtf_btf_delta_strs **run)
{
	const struct str_run *r = &s->sr[lo];
	const char *p = s->r.strs + r->r_off + (off - r->k_off);
	uint8_t end = __atomic_load_n(&s->run_end[lo], __ATOMIC_RELAXED);

	/* whether R's bytes the run takes end in a NUL, looked at when a read
	 * first needs it, not at open: the runs' ends are scattered over R's
	 * strings, and looking at each would fault in pages no read needs */
	if (!end) {
		end = s->r.strs[r->r_off + r->len - 1] ? RUN_OPEN : RUN_NUL;
		if (end == RUN_NUL)
			__atomic_store_n(&s->views[lo].len, r->len, __ATOMIC_RELAXED);
		__atomic_store_n(&s->run_end[lo], end, __ATOMIC_RELAXED);
	}
	if (end == RUN_NUL) {
		if (run)
			*run = &s->views[lo];
		return p;
	}
	return memchr(p, 0, r->k_off + r->len - off) ? p : NULL;
}

const char *kbtf_btf_delta_src_string(const struct kbtf_btf_delta_src *s, uint32_t off,
				      const struct kbtf_btf_delta_strs **run)
{
	uint32_t lo, gap_start, gap_end;
	const struct str_run *r;
	const char *p;

	if (off >= s->str_len)
		return NULL;
	/* the run the last string was in first: a struct's member names mostly
	 * sit together; any thread's hint is checked before it is used (off -
	 * k_off wraps past len when off is below the run: runs end below 4 GiB) */
	lo = __atomic_load_n(&s->str_hint, __ATOMIC_RELAXED);
	if (lo < s->nsr && off - s->sr[lo].k_off < s->sr[lo].len)
		return run_string(s, lo, off, run);
	lo = str_run_after(s, off);
	r = lo < s->nsr ? &s->sr[lo] : NULL;
	if (r && r->k_off <= off) {
		__atomic_store_n(&((struct kbtf_btf_delta_src *)s)->str_hint, lo, __ATOMIC_RELAXED);
		return run_string(s, lo, off, run);
	}
	/* in the gap before run lo: the literal bytes, up to the run */
	gap_start = lo ? s->sr[lo - 1].k_off + s->sr[lo - 1].len : 0;
	gap_end = r ? r->k_off : s->str_len;
	p = (const char *)s->lit_str + (lo ? s->str_lit_at[lo - 1] : 0) + (off - gap_start);
	return memchr(p, 0, gap_end - off) ? p : NULL;
}

void kbtf_btf_delta_src_strings(const struct kbtf_btf_delta_src *s, uint32_t from, uint32_t to,
				char *dst)
{
	if (to > s->str_len)
		to = s->str_len;
	if (from < to)
		strings_into(s, from, to, dst);
}
