// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Redistilling a natively distilled module (distill_redistill.h): its
 * split .BTF, written against the .BTF.base kbuild made, is put back onto
 * the full BTF of the kernel it was built for, so kbtf's distiller can make
 * the minimal base from it.
 *
 * Two steps. First each .BTF.base type is found in the build kernel's BTF,
 * as btf_relocate() would map it there (same name; INT by size and
 * encoding, FLOAT by size, ENUM/ENUM64 by size, STRUCT/UNION by kind and
 * size, FWD by its union flag; the lowest id wins). Then the vmlinux types
 * the encoder copied into the split instead of naming them in the base
 * (pahole 1.32 copies typedefs, pointers, prototypes and the anonymous
 * structs behind typedefs such as atomic_t) are folded back onto the
 * identical build-kernel type, as pahole 1.30's deduplication against
 * vmlinux leaves them. Only what the module's own types then reach stays
 * in the split, and only the named vmlinux types those reach end in the
 * new base.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "distill_redistill.h"
#include "hash.h"
#include "kbtf/builder.h"
#include "kbtf/err.h"

#define CAND_MAX 64
#define DEPTH_MAX 64

enum { CANON_UNSEEN, CANON_BUSY, CANON_NONE, CANON_DONE };

struct redistill {
	const struct kbtf_btf *dist;  /* the native .BTF.base */
	const struct kbtf_btf *split; /* the native .BTF on it */
	struct kbtf_btf *full;	      /* the build kernel's BTF */
	uint32_t nr_dist;	      /* type_cnt of dist */
	uint32_t full_cnt;	      /* type_cnt of full */
	uint32_t *base_map;	      /* dist id -> full id */
	/* split id - nr_dist -> state and canonical full id */
	uint8_t *state;
	uint32_t *canon;
	uint32_t *new_id; /* split id - nr_dist -> id in the rebuilt split, 0: folded */
	/* full's foldable anonymous types and typedefs, by structural hash */
	uint32_t *table;
	uint32_t *table_hash;
	size_t table_mask;
};

/* ---------------------------------------------------- base mapping */

static bool base_matches(const struct btf_type *d, const struct btf_type *f)
{
	uint32_t dk = kbtf_kind(d), fk = kbtf_kind(f);

	switch (dk) {
	case BTF_KIND_INT:
		return fk == BTF_KIND_INT && f->size == d->size &&
		       (kbtf_int_word(f) >> 24) == (kbtf_int_word(d) >> 24);
	case BTF_KIND_FLOAT:
		return fk == BTF_KIND_FLOAT && f->size == d->size;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		return (fk == BTF_KIND_ENUM || fk == BTF_KIND_ENUM64) && f->size == d->size;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return fk == dk && f->size == d->size;
	case BTF_KIND_FWD:
		return (fk == BTF_KIND_FWD && kbtf_kflag(f) == kbtf_kflag(d)) ||
		       fk == (kbtf_kflag(d) ? BTF_KIND_UNION : BTF_KIND_STRUCT);
	default:
		return fk == dk;
	}
}

static int map_base(struct redistill *r, const char *kernel)
{
	uint32_t id, ids[CAND_MAX];
	int n, i;

	for (id = 1; id < r->nr_dist; id++) {
		const struct btf_type *d = kbtf_btf_type(r->dist, id);
		const char *name = kbtf_btf_str(r->dist, d->name_off);

		if (!name || !*name)
			return kbtf_err(
			    -EINVAL, ".BTF.base type [%u] has no name: not a distilled base", id);
		n = kbtf_btf_find_by_name_all(r->full, name, -1, ids, CAND_MAX);
		for (i = 0; i < n && i < CAND_MAX; i++)
			if (base_matches(d, kbtf_btf_type(r->full, ids[i])))
				break;
		if (i >= n || i >= CAND_MAX)
			return kbtf_err(
			    -EINVAL,
			    ".BTF.base names %s '%s' (size %u), which %s does not have "
			    "with that kind and size: redistilling needs the BTF of the "
			    "kernel the module was built for",
			    kbtf_kind_str(kbtf_kind(d)), name, d->size, kernel);
		r->base_map[id] = ids[i];
	}
	return 0;
}

/* ------------------------------------------------- folding copies */

static bool foldable(const struct btf_type *t, const char *name)
{
	switch (kbtf_kind(t)) {
	case BTF_KIND_PTR:
	case BTF_KIND_CONST:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
	case BTF_KIND_ARRAY:
	case BTF_KIND_FUNC_PROTO:
	case BTF_KIND_TYPEDEF:
		return true;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return !name || !*name; /* named ones are the module's own or the base's */
	default:
		return false;
	}
}

static uint32_t mix(uint32_t h, uint32_t v)
{
	int i;

	for (i = 0; i < 4; i++) {
		h ^= (v >> (i * 8)) & 0xff;
		h *= 16777619u;
	}
	return h;
}

/*
 * A structural hash of @t from @btf, with every referenced id passed
 * through @ref (which may fail: then false).
 */
typedef bool (*ref_fn)(struct redistill *r, uint32_t id, uint32_t *out, int depth);

static bool type_hash(struct redistill *r, const struct kbtf_btf *btf, const struct btf_type *t,
		      ref_fn ref, int depth, uint32_t *out)
{
	uint32_t h = mix(KBTF_HASH_SEED, t->info), x, i, vlen = kbtf_vlen(t);
	const char *name = kbtf_btf_str(btf, t->name_off);

	h = kbtf_hash_str_from(h, name ? name : "");
	switch (kbtf_kind(t)) {
	case BTF_KIND_ARRAY:
		if (!ref(r, kbtf_array(t)->type, &x, depth))
			return false;
		h = mix(h, x);
		if (!ref(r, kbtf_array(t)->index_type, &x, depth))
			return false;
		h = mix(mix(h, x), kbtf_array(t)->nelems);
		break;
	case BTF_KIND_FUNC_PROTO:
		if (!ref(r, t->type, &x, depth))
			return false;
		h = mix(h, x);
		for (i = 0; i < vlen; i++) {
			const char *pn = kbtf_btf_str(btf, kbtf_params(t)[i].name_off);

			if (!ref(r, kbtf_params(t)[i].type, &x, depth))
				return false;
			h = mix(kbtf_hash_str_from(h, pn ? pn : ""), x);
		}
		break;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		h = mix(h, t->size);
		for (i = 0; i < vlen; i++) {
			const struct btf_member *m = &kbtf_members(t)[i];
			const char *mn = kbtf_btf_str(btf, m->name_off);

			if (!ref(r, m->type, &x, depth))
				return false;
			h = mix(mix(kbtf_hash_str_from(h, mn ? mn : ""), x), m->offset);
		}
		break;
	default:
		if (!ref(r, t->type, &x, depth))
			return false;
		h = mix(h, x);
		break;
	}
	*out = h;
	return true;
}

static bool full_ref(struct redistill *r, uint32_t id, uint32_t *out, int depth)
{
	(void)r;
	(void)depth;
	*out = id;
	return true;
}

static bool canon_of(struct redistill *r, uint32_t id, uint32_t *out, int depth);

/* Same shape, with @s's references folded: is full's @fid that type? */
static bool same_type(struct redistill *r, const struct btf_type *s, uint32_t fid, int depth)
{
	const struct btf_type *f = kbtf_btf_type(r->full, fid);
	const char *sn = kbtf_btf_str(r->split, s->name_off),
		   *fn = kbtf_btf_str(r->full, f->name_off);
	uint32_t x, i, vlen = kbtf_vlen(s);

	if (f->info != s->info || strcmp(sn ? sn : "", fn ? fn : ""))
		return false;
	switch (kbtf_kind(s)) {
	case BTF_KIND_ARRAY:
		return canon_of(r, kbtf_array(s)->type, &x, depth) && x == kbtf_array(f)->type &&
		       canon_of(r, kbtf_array(s)->index_type, &x, depth) &&
		       x == kbtf_array(f)->index_type &&
		       kbtf_array(s)->nelems == kbtf_array(f)->nelems;
	case BTF_KIND_FUNC_PROTO:
		if (!canon_of(r, s->type, &x, depth) || x != f->type)
			return false;
		for (i = 0; i < vlen; i++) {
			const char *a = kbtf_btf_str(r->split, kbtf_params(s)[i].name_off);
			const char *b = kbtf_btf_str(r->full, kbtf_params(f)[i].name_off);

			if (strcmp(a ? a : "", b ? b : "") ||
			    !canon_of(r, kbtf_params(s)[i].type, &x, depth) ||
			    x != kbtf_params(f)[i].type)
				return false;
		}
		return true;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		if (s->size != f->size)
			return false;
		for (i = 0; i < vlen; i++) {
			const struct btf_member *a = &kbtf_members(s)[i], *b = &kbtf_members(f)[i];
			const char *an = kbtf_btf_str(r->split, a->name_off);
			const char *bn = kbtf_btf_str(r->full, b->name_off);

			if (a->offset != b->offset || strcmp(an ? an : "", bn ? bn : "") ||
			    !canon_of(r, a->type, &x, depth) || x != b->type)
				return false;
		}
		return true;
	default:
		return canon_of(r, s->type, &x, depth) && x == f->type;
	}
}

/*
 * The build-kernel id that split or base id @id stands for: base ids
 * through the base mapping, split copies of kernel types by structure.
 * False when @id is the module's own (or reaches something that is).
 */
static bool canon_of(struct redistill *r, uint32_t id, uint32_t *out, int depth)
{
	const struct btf_type *t;
	uint32_t i, h;
	size_t at;

	if (id < r->nr_dist) {
		*out = id ? r->base_map[id] : 0;
		return true;
	}
	i = id - r->nr_dist;
	if (r->state[i] == CANON_DONE) {
		*out = r->canon[i];
		return true;
	}
	if (r->state[i] != CANON_UNSEEN || depth > DEPTH_MAX)
		return false; /* NONE, or a cycle: the module's own */
	r->state[i] = CANON_BUSY;
	t = kbtf_btf_type(r->split, id);
	if (!t || !foldable(t, kbtf_btf_str(r->split, t->name_off)) ||
	    !type_hash(r, r->split, t, canon_of, depth + 1, &h))
		goto none;
	for (at = h & r->table_mask; r->table[at]; at = (at + 1) & r->table_mask) {
		if (r->table_hash[at] == h && same_type(r, t, r->table[at], depth + 1)) {
			r->state[i] = CANON_DONE;
			r->canon[i] = r->table[at];
			*out = r->table[at];
			return true;
		}
	}
none:
	r->state[i] = CANON_NONE;
	return false;
}

static int index_full(struct redistill *r)
{
	uint32_t id, n = 0, h;
	size_t cap = 1024, at;

	for (id = 1; id < r->full_cnt; id++) {
		const struct btf_type *t = kbtf_btf_type(r->full, id);

		n += foldable(t, kbtf_btf_str(r->full, t->name_off));
	}
	while (cap < (size_t)n * 2)
		cap *= 2;
	r->table = calloc(cap, sizeof(*r->table));
	r->table_hash = calloc(cap, sizeof(*r->table_hash));
	if (!r->table || !r->table_hash)
		return kbtf_err_nomem();
	r->table_mask = cap - 1;
	for (id = 1; id < r->full_cnt; id++) {
		const struct btf_type *t = kbtf_btf_type(r->full, id);

		if (!foldable(t, kbtf_btf_str(r->full, t->name_off)) ||
		    !type_hash(r, r->full, t, full_ref, 0, &h))
			continue;
		for (at = h & r->table_mask; r->table[at]; at = (at + 1) & r->table_mask)
			;
		r->table[at] = id;
		r->table_hash[at] = h;
	}
	return 0;
}

/* ---------------------------------------------------------- rebuild */

static uint32_t rebuilt_id(uint32_t id, void *ctx)
{
	struct redistill *r = ctx;
	uint32_t i;

	if (id < r->nr_dist)
		return id ? r->base_map[id] : 0;
	i = id - r->nr_dist;
	return r->state[i] == CANON_DONE ? r->canon[i] : r->new_id[i];
}

static int rebuild(struct redistill *r, enum kbtf_endian endian, struct kbtf_buf *out,
		   uint32_t *folded)
{
	uint32_t n = kbtf_btf_type_cnt(r->split), id, next = r->full_cnt, x;
	struct kbtf_write_opts wo = {.endian = endian};
	struct kbtf_builder *b;
	int err = 0;

	for (id = r->nr_dist; id < n; id++)
		(void)canon_of(r, id, &x, 0);
	*folded = 0;
	for (id = r->nr_dist; id < n; id++) {
		if (r->state[id - r->nr_dist] == CANON_DONE)
			(*folded)++;
		else
			r->new_id[id - r->nr_dist] = next++;
	}
	b = kbtf_builder_new(r->full);
	if (!b)
		return kbtf_err_nomem();
	for (id = r->nr_dist; id < n && err >= 0; id++)
		if (r->state[id - r->nr_dist] != CANON_DONE)
			err = kbtf_builder_copy_type(b, r->split, id, rebuilt_id, NULL, r);
	if (err >= 0) /* copy_type gives the new id */
		err = kbtf_builder_write(b, &wo, out);
	kbtf_builder_free(b);
	return err;
}

int kbtf_redistill_split(const struct kbtf_btf *dist, const struct kbtf_btf *split,
			 struct kbtf_btf *full, const char *kernel, struct kbtf_buf *out,
			 uint32_t *folded)
{
	struct redistill r = {.dist = dist, .split = split, .full = full};
	uint32_t nsplit;
	int err;

	r.nr_dist = kbtf_btf_type_cnt(dist);
	r.full_cnt = kbtf_btf_type_cnt(full);
	nsplit = kbtf_btf_type_cnt(split) - r.nr_dist;
	if (kbtf_btf_base(split) != dist || kbtf_btf_base(dist))
		return kbtf_err(-EINVAL, "redistill: .BTF is not split on a standalone .BTF.base");
	r.base_map = calloc(r.nr_dist + 1, sizeof(*r.base_map));
	r.state = calloc(nsplit + 1, 1);
	r.canon = calloc(nsplit + 1, sizeof(*r.canon));
	r.new_id = calloc(nsplit + 1, sizeof(*r.new_id));
	if (!r.base_map || !r.state || !r.canon || !r.new_id)
		err = kbtf_err_nomem();
	else
		err = kbtf_btf_index_names_all(full);
	if (!err)
		err = map_base(&r, kernel ? kernel : "the base kernel");
	if (!err)
		err = index_full(&r);
	if (!err)
		err = rebuild(&r, kbtf_btf_endian(split), out, folded);
	free(r.table);
	free(r.table_hash);
	free(r.new_id);
	free(r.canon);
	free(r.state);
	free(r.base_map);
	return err;
}
