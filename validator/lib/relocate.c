// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The relocation simulator (see relocate.h and docs/kernel-rules.md
 * section 4): replays the decisions of btf_relocate() (libbpf's
 * btf_relocate.c, built into the kernel since 6.11) for one module's
 * distilled base against one kernel, without rewriting anything.
 *
 * The kernel walks all of vmlinux and binary-searches each name in the
 * sorted distilled base. Only the few names the module has can ever match,
 * so this walks a per-kernel list of the relevant named types once, drops
 * almost all of them on a 16-bit hash of the name's first bytes, and
 * collects the same-named kernel types per distilled name. The kernel's
 * scan is then replayed per name, in kernel id order, which gives the same
 * decisions: a distilled type's state only ever depends on kernel types of
 * its own name.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <endian.h>

#include "hash.h"
#include "kbtf/err.h"
#include "profile_index.h"
#include "relocate.h"

#define EMBEDDED_MARK UINT32_MAX /* the kernel's BTF_IS_EMBEDDED */
#define DEFAULT_MAX_CANDS 16
#define FILTER_BITS 16

/* ------------------------------------------------------------ the target */

struct target_ent {
	uint32_t id;
	uint32_t name_off;
	uint32_t prefix; /* first four name bytes, zero padded */
};

struct kbtf_reloc_target {
	const struct kbtf_btf *btf; /* NULL when answered from an index */
	const struct kbtf_pindex *ix;
	uint32_t type_cnt;
	struct target_ent *ents;
	uint32_t nr;
};

/* Kinds the kernel builds a lookup key for (table A); the rest it skips. */
static bool kind_is_keyed(uint32_t kind)
{
	switch (kind) {
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

static uint32_t name_prefix(const char *s)
{
	uint32_t p = 0;
	int i;

	for (i = 0; i < 4 && s[i]; i++)
		p |= (uint32_t)(uint8_t)s[i] << (8 * i);
	return p;
}

static uint32_t prefix_slot(uint32_t prefix)
{
	return (prefix * 0x9e3779b1u) >> (32 - FILTER_BITS);
}

int kbtf_reloc_target_new(const struct kbtf_btf *vmlinux, struct kbtf_reloc_target **out)
{
	uint32_t cnt = kbtf_btf_type_cnt(vmlinux), id;
	struct kbtf_reloc_target *t;

	*out = NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return kbtf_err_nomem();
	t->btf = vmlinux;
	t->type_cnt = cnt;
	t->ents = malloc(sizeof(*t->ents) * (cnt ? cnt : 1));
	if (!t->ents) {
		free(t);
		return kbtf_err(-ENOMEM, "out of memory indexing %s", kbtf_btf_name(vmlinux));
	}
	for (id = 1; id < cnt; id++) {
		const struct btf_type *bt = kbtf_btf_type(vmlinux, id);
		const char *name;

		if (!bt->name_off || !kind_is_keyed(kbtf_kind(bt)))
			continue;
		name = kbtf_btf_str(vmlinux, bt->name_off);
		if (!name)
			continue;
		t->ents[t->nr].id = id;
		t->ents[t->nr].name_off = bt->name_off;
		t->ents[t->nr].prefix = name_prefix(name);
		t->nr++;
	}
	*out = t;
	return 0;
}

int kbtf_reloc_target_from_index(const struct kbtf_pindex *ix, struct kbtf_reloc_target **out)
{
	struct kbtf_reloc_target *t = calloc(1, sizeof(*t));

	*out = t;
	if (!t)
		return kbtf_err_nomem();
	t->ix = ix;
	t->type_cnt = kbtf_pindex_type_cnt(ix);
	return 0;
}

void kbtf_reloc_target_free(struct kbtf_reloc_target *t)
{
	if (!t)
		return;
	free(t->ents);
	free(t);
}

const struct kbtf_btf *kbtf_reloc_target_btf(const struct kbtf_reloc_target *t)
{
	return t->btf;
}

/* ------------------------------------------------------------ names */

const char *kbtf_cand_why_str(enum kbtf_cand_why w)
{
	static const char *const s[] = {
	    [KBTF_CAND_ACCEPTED] = "accepted",
	    [KBTF_CAND_AGAIN] = "also accepted (ambiguous)",
	    [KBTF_CAND_SIZE] = "size differs",
	    [KBTF_CAND_KIND] = "kind not compatible",
	    [KBTF_CAND_INT_ENCODING] = "integer encoding differs",
	    [KBTF_CAND_FWD_FLAG] = "struct/union flag differs",
	    [KBTF_CAND_EMBEDDED_SIZE] = "size differs and the module embeds it",
	};

	return (unsigned int)w < sizeof(s) / sizeof(s[0]) ? s[w] : "?";
}

const char *kbtf_reloc_status_str(enum kbtf_reloc_status st)
{
	switch (st) {
	case KBTF_RELOC_MAPPED:
		return "mapped";
	case KBTF_RELOC_UNMAPPED:
		return "not mapped";
	case KBTF_RELOC_AMBIGUOUS:
		return "ambiguous";
	}
	return "?";
}

/* ------------------------------------------------------------ preparation */

/* One entry of the sorted distilled base: the kernel's <name, size, id>. */
struct dent {
	const char *name;
	uint32_t size; /* 31 bits, as the kernel keeps it */
	uint32_t id;
};

/* A run of sorted entries sharing one name. */
struct run {
	uint32_t start, len;
};

/*
 * Everything about a module that does not depend on the kernel: the sorted
 * distilled base, its names hashed and filtered, the embedded marks of both
 * modes, a bad distilled base, string offsets step 10 will refuse.
 */
struct kbtf_reloc_prep {
	const struct kbtf_btf *split, *dist;
	uint32_t n_dist, n_split;
	struct dent *sorted;
	struct run *runs;
	uint32_t nr_runs;
	uint32_t *run_slots; /* hash of name -> run index + 1 */
	uint32_t slot_mask;
	uint8_t *filter; /* 1 << FILTER_BITS bits */
	uint8_t *emb_fixed, *emb_prefix;
	uint32_t *embedded_by; /* per distilled id: a split type embedding it */
	bool loop;
	/* step 2 */
	enum kbtf_reloc_stage bad_stage;
	uint32_t bad_id;
	char bad_log[160];
	/* step 10 */
	struct kbtf_reloc_badstr *badstrs;
	uint32_t nr_badstrs;
};

static int cmp_name_size(const struct dent *a, const struct dent *b)
{
	int d = strcmp(a->name, b->name);

	/* sizes are 31-bit, so the kernel's int subtraction cannot overflow */
	return d ? d : (int)b->size - (int)a->size;
}

static int cmp_dent(const void *pa, const void *pb)
{
	const struct dent *a = pa, *b = pb;
	int d = cmp_name_size(a, b);

	/* equal keys: id order, as a stable sort (glibc's qsort) leaves them */
	if (d)
		return d;
	return a->id < b->id ? -1 : a->id > b->id;
}

/* Step 2: only named INT, FLOAT, ENUM, STRUCT, UNION and FWD. */
static void validate_distilled(struct kbtf_reloc_prep *p)
{
	uint32_t id;

	for (id = 1; id < p->n_dist; id++) {
		const struct btf_type *t = kbtf_btf_type(p->dist, id);
		uint32_t kind = kbtf_kind(t);

		switch (kind) {
		case BTF_KIND_INT:
		case BTF_KIND_FLOAT:
		case BTF_KIND_ENUM:
		case BTF_KIND_STRUCT:
		case BTF_KIND_UNION:
		case BTF_KIND_FWD:
			if (t->name_off)
				continue;
			snprintf(p->bad_log, sizeof(p->bad_log),
				 "type [%u], kind [%u] is invalid for distilled base BTF; it is "
				 "anonymous",
				 id, kind);
			break;
		default:
			snprintf(p->bad_log, sizeof(p->bad_log),
				 "type [%u] in distilled based BTF has unexpected kind [%u]", id,
				 kind);
			break;
		}
		p->bad_stage = KBTF_RELOC_STAGE_DISTILLED;
		p->bad_id = id;
		return;
	}
}

/* Step 5 for one split type: mark distilled composites its members embed. */
static void mark_embedded(struct kbtf_reloc_prep *p, uint32_t id, uint8_t *marks)
{
	const struct btf_type *t = kbtf_btf_type(p->split, id);
	const struct btf_member *m;
	uint32_t i, limit = p->n_dist + p->n_split + 1;

	if (!t || !kbtf_is_composite(t))
		return;
	m = kbtf_members(t);
	for (i = 0; i < kbtf_vlen(t); i++) {
		uint32_t next = m[i].type, steps = 0;

		while (next) {
			const struct btf_type *c = kbtf_btf_type(p->split, next);

			if (!c || ++steps > limit) {
				/* only an ARRAY loop gets here: the kernel spins forever */
				p->loop = true;
				break;
			}
			switch (kbtf_kind(c)) {
			case BTF_KIND_CONST:
			case BTF_KIND_RESTRICT:
			case BTF_KIND_VOLATILE:
			case BTF_KIND_TYPEDEF:
			case BTF_KIND_TYPE_TAG:
				next = c->type;
				continue;
			case BTF_KIND_ARRAY:
				next = kbtf_array(c)->type;
				continue;
			case BTF_KIND_STRUCT:
			case BTF_KIND_UNION:
				if (next < p->n_dist) {
					marks[next] = 1;
					if (!p->embedded_by[next])
						p->embedded_by[next] = id;
				}
				break;
			default:
				break;
			}
			break;
		}
	}
}

static void mark_all(struct kbtf_reloc_prep *p)
{
	uint32_t id, end_fixed = p->n_dist + p->n_split;

	/* fixed kernels scan every split id; older ones stop at n_split */
	for (id = p->n_dist; id < end_fixed; id++)
		mark_embedded(p, id, p->emb_fixed);
	for (id = p->n_dist; id < p->n_split; id++)
		mark_embedded(p, id, p->emb_prefix);
}

static int build_runs(struct kbtf_reloc_prep *p)
{
	uint32_t i, nslots = 16;

	for (i = 0; i < p->n_dist; i++) {
		const struct btf_type *t = kbtf_btf_type(p->dist, i);

		p->sorted[i].name = kbtf_btf_str(p->dist, t->name_off);
		if (!p->sorted[i].name)
			p->sorted[i].name = "";
		p->sorted[i].size = t->size & 0x7fffffff;
		p->sorted[i].id = i;
	}
	qsort(p->sorted, p->n_dist, sizeof(*p->sorted), cmp_dent);

	while (nslots < p->n_dist * 2)
		nslots <<= 1;
	p->slot_mask = nslots - 1;
	p->run_slots = calloc(nslots, sizeof(*p->run_slots));
	if (!p->run_slots)
		return -ENOMEM;
	for (i = 0; i < p->n_dist; i++) {
		uint32_t slot;

		if (i && !strcmp(p->sorted[i].name, p->sorted[i - 1].name)) {
			p->runs[p->nr_runs - 1].len++;
			continue;
		}
		p->runs[p->nr_runs].start = i;
		p->runs[p->nr_runs].len = 1;
		p->nr_runs++;
		slot = kbtf_hash_str(p->sorted[i].name) & p->slot_mask;
		while (p->run_slots[slot])
			slot = (slot + 1) & p->slot_mask;
		p->run_slots[slot] = p->nr_runs;
		slot = prefix_slot(name_prefix(p->sorted[i].name));
		p->filter[slot / 8] |= 1u << (slot % 8);
	}
	return 0;
}

static int add_badstr(struct kbtf_reloc_prep *p, uint32_t *cap, uint32_t id, uint32_t off)
{
	if (p->nr_badstrs == *cap) {
		uint32_t ncap = *cap ? *cap * 2 : 8;
		struct kbtf_reloc_badstr *n = realloc(p->badstrs, sizeof(*n) * ncap);

		if (!n)
			return -ENOMEM;
		p->badstrs = n;
		*cap = ncap;
	}
	p->badstrs[p->nr_badstrs].type_id = id;
	p->badstrs[p->nr_badstrs].off = off;
	p->nr_badstrs++;
	return 0;
}

/* Step 10: split string offsets that fall inside the distilled strings
 * must each start a distilled type's name. */
static int check_strings(struct kbtf_reloc_prep *p)
{
	uint32_t dist_len = kbtf_btf_str_len(p->dist), id, cap = 0;
	uint8_t *names;
	int err = 0;

	if (!dist_len)
		return 0;
	names = calloc(1, dist_len);
	if (!names)
		return -ENOMEM;
	for (id = 1; id < p->n_dist; id++) {
		uint32_t off = kbtf_btf_type(p->dist, id)->name_off;

		if (off < dist_len)
			names[off] = 1;
	}
	for (id = p->n_dist; !err && id < p->n_dist + p->n_split; id++) {
		struct kbtf_field_iter it;
		const uint32_t *f;

		if (kbtf_field_iter_init(&it, kbtf_btf_type(p->split, id), KBTF_FIELDS_STRS))
			continue;
		while (!err && (f = kbtf_field_iter_next(&it)))
			if (*f && *f < dist_len && !names[*f])
				err = add_badstr(p, &cap, id, *f);
	}
	free(names);
	return err;
}

int kbtf_reloc_prepare(const struct kbtf_btf *split, struct kbtf_reloc_prep **out)
{
	struct kbtf_reloc_prep *p;
	int err;

	*out = NULL;
	if (!kbtf_btf_base(split))
		return kbtf_err(-EINVAL, "%s: not split BTF: nothing to relocate",
				kbtf_btf_name(split));
	p = calloc(1, sizeof(*p));
	if (!p)
		return kbtf_err_nomem();
	p->split = split;
	p->dist = kbtf_btf_base(split);
	p->n_dist = kbtf_btf_type_cnt(p->dist);
	p->n_split = kbtf_btf_type_cnt(split) - p->n_dist;
	p->sorted = malloc(sizeof(*p->sorted) * p->n_dist);
	p->runs = calloc(p->n_dist, sizeof(*p->runs));
	p->filter = calloc(1, (1u << FILTER_BITS) / 8);
	p->emb_fixed = calloc(p->n_dist, 1);
	p->emb_prefix = calloc(p->n_dist, 1);
	p->embedded_by = calloc(p->n_dist, sizeof(*p->embedded_by));
	err = !p->sorted || !p->runs || !p->filter || !p->emb_fixed || !p->emb_prefix ||
		      !p->embedded_by
		  ? -ENOMEM
		  : 0;
	if (!err) {
		/* a bad distilled base stops the kernel; the rest is still reported */
		validate_distilled(p);
		mark_all(p);
		err = build_runs(p);
	}
	if (!err)
		err = check_strings(p);
	if (err) {
		kbtf_reloc_prep_free(p);
		return kbtf_err(err, "out of memory preparing relocation");
	}
	*out = p;
	return 0;
}

void kbtf_reloc_prep_free(struct kbtf_reloc_prep *p)
{
	if (!p)
		return;
	free(p->sorted);
	free(p->runs);
	free(p->run_slots);
	free(p->filter);
	free(p->emb_fixed);
	free(p->emb_prefix);
	free(p->embedded_by);
	free(p->badstrs);
	free(p);
}

/* ------------------------------------------------------------ simulation */

/* The kernel types of one run's name, in id order (per pair): what the
 * kernel's scan reads of each, from the BTF or from a profile's index. */
struct cands {
	struct kbtf_pindex_cand *recs;
	uint32_t nr, cap;
};

/* The kernel's scan stopped at kernel id @id on sorted entry @pos. */
struct stop {
	bool hit;
	uint32_t id, pos;
	enum kbtf_reloc_stage stage;
	uint32_t d_id, size, earlier;
	const char *name;
};

struct sim {
	const struct kbtf_reloc_prep *p;
	const struct kbtf_reloc_target *target;
	const struct kbtf_reloc_opts *opts;
	struct kbtf_reloc_result *res;
	uint32_t max_cands;
	struct cands *cands; /* per run */
	uint32_t *state;     /* per distilled id: 0, EMBEDDED_MARK or a kernel id */
};

static const struct run *find_run(const struct kbtf_reloc_prep *p, const char *name)
{
	uint32_t slot = kbtf_hash_str(name) & p->slot_mask;

	while (p->run_slots[slot]) {
		const struct run *r = &p->runs[p->run_slots[slot] - 1];

		if (!strcmp(p->sorted[r->start].name, name))
			return r;
		slot = (slot + 1) & p->slot_mask;
	}
	return NULL;
}

static uint32_t int_encoding(const struct btf_type *t)
{
	return BTF_INT_ENCODING(kbtf_int_word(t));
}

static struct kbtf_pindex_cand *cands_grow(struct cands *c, uint32_t more)
{
	if (c->nr + more > c->cap) {
		uint32_t cap = c->cap ? c->cap : 4;
		struct kbtf_pindex_cand *n;

		while (cap < c->nr + more)
			cap *= 2;
		n = realloc(c->recs, sizeof(*n) * cap);
		if (!n)
			return NULL;
		c->recs = n;
		c->cap = cap;
	}
	return &c->recs[c->nr];
}

static int cands_add(struct cands *c, const struct kbtf_btf *btf, uint32_t id)
{
	const struct btf_type *t = kbtf_btf_type(btf, id);
	struct kbtf_pindex_cand *r = cands_grow(c, 1);

	if (!r)
		return -ENOMEM;
	r->id = id;
	r->info = t->info;
	r->size = t->size;
	r->name_off = t->name_off;
	r->int_enc = kbtf_kind(t) == BTF_KIND_INT ? int_encoding(t) : 0;
	c->nr++;
	return 0;
}

/* The same from a profile's index: one lookup per name of the module. */
static int collect_index(struct sim *s)
{
	const struct kbtf_reloc_prep *p = s->p;
	uint32_t i, j, n;

	for (i = 0; i < p->nr_runs; i++) {
		const struct kbtf_pindex_cand *ic;
		struct kbtf_pindex_cand *r;

		n = kbtf_pindex_cands(s->target->ix, p->sorted[p->runs[i].start].name, &ic);
		if (!n)
			continue;
		r = cands_grow(&s->cands[i], n);
		if (!r)
			return -ENOMEM;
		for (j = 0; j < n; j++) {
			/* the index also holds typedefs, which the kernel does not key */
			if (!kind_is_keyed((le32toh(ic[j].info) >> 24) & 0x7f))
				continue;
			r->id = le32toh(ic[j].id);
			r->info = le32toh(ic[j].info);
			r->size = le32toh(ic[j].size);
			r->name_off = le32toh(ic[j].name_off);
			r->int_enc = le32toh(ic[j].int_enc);
			r++;
			s->cands[i].nr++;
		}
	}
	return 0;
}

/* The one pass over the kernel: collect same-named types per run. */
static int collect(struct sim *s)
{
	const struct kbtf_reloc_target *t = s->target;
	const struct kbtf_reloc_prep *p = s->p;
	uint32_t i;
	int err;

	if (t->ix)
		return collect_index(s);
	for (i = 0; i < t->nr; i++) {
		const struct target_ent *e = &t->ents[i];
		uint32_t slot = prefix_slot(e->prefix);
		const struct run *r;

		if (!(p->filter[slot / 8] & (1u << (slot % 8))))
			continue;
		r = find_run(p, kbtf_btf_str(t->btf, e->name_off));
		if (r && (err = cands_add(&s->cands[r - p->runs], t->btf, e->id)))
			return err;
	}
	return 0;
}

static uint32_t cand_kind(const struct kbtf_pindex_cand *b)
{
	return (b->info >> 24) & 0x7f; /* kbtf_kind() */
}

static bool cand_kflag(const struct kbtf_pindex_cand *b)
{
	return b->info >> 31;
}

static bool cand_is_composite(const struct kbtf_pindex_cand *b)
{
	return cand_kind(b) == BTF_KIND_STRUCT || cand_kind(b) == BTF_KIND_UNION;
}

/* Table B: may distilled @d take kernel type @b? (state is the d's id_map) */
static enum kbtf_cand_why compatible(const struct btf_type *d, const struct kbtf_pindex_cand *b,
				     uint32_t state)
{
	uint32_t dk = kbtf_kind(d), bk = cand_kind(b);

	switch (dk) {
	case BTF_KIND_FWD:
		if (bk == BTF_KIND_FWD)
			return kbtf_kflag(d) == cand_kflag(b) ? KBTF_CAND_ACCEPTED
							      : KBTF_CAND_FWD_FLAG;
		if (bk == BTF_KIND_STRUCT)
			return cand_kflag(b) ? KBTF_CAND_FWD_FLAG : KBTF_CAND_ACCEPTED;
		if (bk == BTF_KIND_UNION)
			return cand_kflag(b) ? KBTF_CAND_ACCEPTED : KBTF_CAND_FWD_FLAG;
		return KBTF_CAND_KIND;
	case BTF_KIND_INT:
		if (bk != BTF_KIND_INT)
			return KBTF_CAND_KIND;
		return b->int_enc == int_encoding(d) ? KBTF_CAND_ACCEPTED : KBTF_CAND_INT_ENCODING;
	case BTF_KIND_FLOAT:
		return bk == BTF_KIND_FLOAT ? KBTF_CAND_ACCEPTED : KBTF_CAND_KIND;
	case BTF_KIND_ENUM:
		return bk == BTF_KIND_ENUM || bk == BTF_KIND_ENUM64 ? KBTF_CAND_ACCEPTED
								    : KBTF_CAND_KIND;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		/* any kind that reached the name; size only when embedded */
		if (state == EMBEDDED_MARK && b->size != d->size)
			return KBTF_CAND_EMBEDDED_SIZE;
		return KBTF_CAND_ACCEPTED;
	default:
		return KBTF_CAND_KIND;
	}
}

static void note_cand(struct sim *s, uint32_t d_id, const struct kbtf_pindex_cand *b,
		      bool key_sized, enum kbtf_cand_why why)
{
	struct kbtf_reloc_type *rt;
	struct kbtf_reloc_cand *c;

	if (!d_id || d_id >= s->p->n_dist)
		return;
	rt = &s->res->types[d_id - 1];
	rt->nr_cands_total++;
	if (why == KBTF_CAND_AGAIN)
		rt->status = KBTF_RELOC_AMBIGUOUS;
	if (!rt->cands || rt->nr_cands >= s->max_cands)
		return;
	c = &rt->cands[rt->nr_cands++];
	c->id = b->id;
	c->kind = cand_kind(b);
	c->size = b->size;
	c->kflag = cand_kflag(b);
	c->int_enc = b->int_enc;
	c->key_sized = key_sized;
	c->why = why;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * The kernel's base_name_cnt, counted only for this name: the name offsets
 * of the run's composites, sorted, so each count is two binary searches.
 * (Counting is by offset, as the kernel does; vmlinux strings are unique.)
 */
static int composite_offs(const struct sim *s, const struct cands *c, uint32_t **offs, uint32_t *nr)
{
	uint32_t i;

	*nr = 0;
	*offs = malloc(sizeof(**offs) * (c->nr ? c->nr : 1));
	if (!*offs)
		return -ENOMEM;
	for (i = 0; i < c->nr; i++) {
		const struct kbtf_pindex_cand *b = &c->recs[i];

		if (cand_is_composite(b))
			(*offs)[(*nr)++] = b->name_off;
	}
	qsort(*offs, *nr, sizeof(**offs), cmp_u32);
	return 0;
}

static uint32_t count_off(const uint32_t *offs, uint32_t nr, uint32_t off)
{
	uint32_t lo = 0, hi = nr, first;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (offs[mid] < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	first = lo;
	hi = nr;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (offs[mid] <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo - first;
}

static void record_stop(struct stop *st, enum kbtf_reloc_stage stage, uint32_t b_id, uint32_t pos,
			uint32_t d_id, uint32_t size, uint32_t earlier, const char *name)
{
	if (st->hit && st->id <= b_id)
		return; /* an earlier kernel id already stopped the scan */
	st->hit = true;
	st->id = b_id;
	st->pos = pos;
	st->stage = stage;
	st->d_id = d_id;
	st->size = size;
	st->earlier = earlier;
	st->name = name;
}

/*
 * Replay the kernel's step 7 for one name. @record says whether to fill
 * the per-type candidate lists (the second, other-mode pass does not).
 */
static int replay_run(struct sim *s, const struct run *r, const struct cands *c, struct stop *st,
		      bool record)
{
	const struct kbtf_reloc_prep *p = s->p;
	uint32_t i, j, *offs, nr_offs;
	int err = composite_offs(s, c, &offs, &nr_offs);

	if (err)
		return err;
	for (i = 0; i < c->nr; i++) {
		const struct kbtf_pindex_cand *b = &c->recs[i];
		uint32_t b_id = b->id;
		bool sized = cand_kind(b) != BTF_KIND_FWD;

		if (cand_is_composite(b))
			sized = count_off(offs, nr_offs, b->name_off) > 1;
		for (j = r->start; j < r->start + r->len; j++) {
			const struct dent *e = &p->sorted[j];
			const struct btf_type *d;
			enum kbtf_cand_why why;

			if (sized && e->size != (b->size & 0x7fffffff)) {
				if (record)
					note_cand(s, e->id, b, sized, KBTF_CAND_SIZE);
				continue;
			}
			if (!e->id) {
				/* a kernel type whose name is "" met VOID */
				record_stop(st, KBTF_RELOC_STAGE_BADMAP, b_id, j, 0, 0, 0, e->name);
				continue;
			}
			d = kbtf_btf_type(p->dist, e->id);
			why = compatible(d, b, s->state[e->id]);
			if (why == KBTF_CAND_ACCEPTED) {
				if (s->state[e->id] && s->state[e->id] != EMBEDDED_MARK) {
					why = KBTF_CAND_AGAIN;
					record_stop(st, KBTF_RELOC_STAGE_AMBIGUOUS, b_id, j, e->id,
						    b->size, s->state[e->id], e->name);
				} else {
					s->state[e->id] = b_id;
				}
			}
			if (record)
				note_cand(s, e->id, b, sized, why);
		}
	}
	free(offs);
	return 0;
}

/* Steps 5-8 with the embedding marks @emb; fills @st with the first stop. */
static int replay(struct sim *s, const uint8_t *emb, struct stop *st, bool record)
{
	uint32_t i;
	int err;

	memset(s->state, 0, sizeof(*s->state) * s->p->n_dist);
	memset(st, 0, sizeof(*st));
	for (i = 0; i < s->p->n_dist; i++)
		if (emb[i])
			s->state[i] = EMBEDDED_MARK;
	for (i = 0; i < s->p->nr_runs; i++)
		if ((err = replay_run(s, &s->p->runs[i], &s->cands[i], st, record)))
			return err;
	return 0;
}

static uint32_t first_unmapped(const struct sim *s)
{
	uint32_t id;

	for (id = 1; id < s->p->n_dist; id++)
		if (!s->state[id] || s->state[id] == EMBEDDED_MARK)
			return id;
	return 0;
}

static void fill_types(struct sim *s)
{
	const struct kbtf_reloc_prep *p = s->p;
	uint32_t id;

	for (id = 1; id < p->n_dist; id++) {
		const struct btf_type *t = kbtf_btf_type(p->dist, id);
		struct kbtf_reloc_type *rt = &s->res->types[id - 1];
		const char *name = kbtf_btf_str(p->dist, t->name_off);

		rt->id = id;
		rt->name = name ? name : "";
		rt->kind = kbtf_kind(t);
		rt->size = t->size;
		rt->kflag = kbtf_kflag(t);
		rt->int_enc = rt->kind == BTF_KIND_INT ? int_encoding(t) : 0;
		rt->embedded_by = p->embedded_by[id];
		rt->embedded_fixed = p->emb_fixed[id];
		rt->embedded_prefix = p->emb_prefix[id];
		rt->embedded = s->opts->pre_fix ? rt->embedded_prefix : rt->embedded_fixed;
	}
}

static void settle_types(struct sim *s)
{
	struct kbtf_reloc_result *r = s->res;
	uint32_t id;

	for (id = 1; id < s->p->n_dist; id++) {
		struct kbtf_reloc_type *rt = &r->types[id - 1];
		uint32_t st = s->state[id];

		rt->target_id = st != EMBEDDED_MARK ? st : 0;
		if (rt->status != KBTF_RELOC_AMBIGUOUS)
			rt->status = rt->target_id ? KBTF_RELOC_MAPPED : KBTF_RELOC_UNMAPPED;
		if (rt->status != KBTF_RELOC_MAPPED)
			r->nr_bad++;
	}
}

/* What the kernel says and returns, from the first stop or step 8/10. */
static int conclude(struct sim *s, const struct stop *st, bool fill)
{
	const struct kbtf_reloc_prep *p = s->p;
	struct kbtf_reloc_result *r = s->res;
	uint32_t bad;

	if (p->bad_stage) {
		/* the kernel stopped before looking at vmlinux */
		if (fill) {
			r->stage = p->bad_stage;
			r->first_bad = p->bad_id;
			snprintf(r->kernel_log, sizeof(r->kernel_log), "%s", p->bad_log);
		}
		return -EINVAL;
	}
	if (p->loop) {
		if (fill) {
			r->stage = KBTF_RELOC_STAGE_LOOP;
			snprintf(r->kernel_log, sizeof(r->kernel_log),
				 "(no message: an ARRAY loop in the split makes the kernel spin)");
		}
		return -ELOOP;
	}
	if (st->hit) {
		if (!fill)
			return -EINVAL;
		r->stage = st->stage;
		r->first_bad = st->d_id;
		if (st->stage == KBTF_RELOC_STAGE_BADMAP)
			snprintf(r->kernel_log, sizeof(r->kernel_log),
				 "base BTF id [%u] maps to invalid distilled base BTF id [0]",
				 st->id);
		else
			snprintf(r->kernel_log, sizeof(r->kernel_log),
				 "distilled base BTF type '%s' [%u], size %u has multiple "
				 "candidates of the same size (ids [%u, %u]) in base BTF",
				 st->name, st->d_id, st->size, st->id, st->earlier);
		return -EINVAL;
	}
	bad = first_unmapped(s);
	if (bad) {
		if (fill) {
			const struct btf_type *t = kbtf_btf_type(p->dist, bad);
			const char *name = kbtf_btf_str(p->dist, t->name_off);

			r->stage = KBTF_RELOC_STAGE_UNMAPPED;
			r->first_bad = bad;
			snprintf(r->kernel_log, sizeof(r->kernel_log),
				 "distilled base BTF type '%s' [%u] is not mapped to base BTF id",
				 name ? name : "", bad);
		}
		return -EINVAL;
	}
	if (p->nr_badstrs) {
		if (fill) {
			r->stage = KBTF_RELOC_STAGE_STRING;
			/* the kernel prints the string at offset 0, i.e. "" */
			snprintf(r->kernel_log, sizeof(r->kernel_log),
				 "string '' [offset %u] is not mapped to base BTF",
				 p->badstrs[0].off);
		}
		return -ENOENT;
	}
	return 0;
}

static void sim_free(struct sim *s)
{
	uint32_t i;

	for (i = 0; s->cands && i < s->p->nr_runs; i++)
		free(s->cands[i].recs);
	free(s->cands);
	free(s->state);
}

static int sim_alloc(struct sim *s)
{
	struct kbtf_reloc_result *r = s->res;
	uint32_t i, nt = s->p->n_dist - 1;

	s->cands = calloc(s->p->nr_runs ? s->p->nr_runs : 1, sizeof(*s->cands));
	s->state = calloc(s->p->n_dist, sizeof(*s->state));
	r->types = calloc(nt ? nt : 1, sizeof(*r->types));
	if (!s->cands || !s->state || !r->types)
		return -ENOMEM;
	for (i = 0; i < nt; i++) {
		r->types[i].cands = calloc(s->max_cands, sizeof(*r->types[i].cands));
		if (!r->types[i].cands)
			return -ENOMEM;
	}
	if (s->p->nr_badstrs) {
		r->badstrs = malloc(sizeof(*r->badstrs) * s->p->nr_badstrs);
		if (!r->badstrs)
			return -ENOMEM;
		memcpy(r->badstrs, s->p->badstrs, sizeof(*r->badstrs) * s->p->nr_badstrs);
		r->nr_badstrs = s->p->nr_badstrs;
	}
	return 0;
}

static int simulate(struct sim *s)
{
	const struct kbtf_reloc_prep *p = s->p;
	struct kbtf_reloc_result *r = s->res;
	const uint8_t *emb = s->opts->pre_fix ? p->emb_prefix : p->emb_fixed;
	const uint8_t *other = s->opts->pre_fix ? p->emb_fixed : p->emb_prefix;
	bool two_modes = memcmp(emb, other, p->n_dist) != 0;
	struct stop st;
	int err;

	fill_types(s);
	err = collect(s);
	if (err)
		return err;
	if (two_modes) {
		/* the other mode first, so the state left behind is ours */
		err = replay(s, other, &st, false);
		if (err)
			return err;
		r->other_mode_err = conclude(s, &st, false);
	}
	err = replay(s, emb, &st, true);
	if (err)
		return err;
	settle_types(s);
	r->err = conclude(s, &st, true);
	if (!two_modes)
		r->other_mode_err = r->err;
	r->mode_sensitive = r->other_mode_err != r->err;
	return 0;
}

int kbtf_relocate_sim_prep(const struct kbtf_reloc_prep *prep,
			   const struct kbtf_reloc_target *target,
			   const struct kbtf_reloc_opts *opts, struct kbtf_reloc_result *res)
{
	static const struct kbtf_reloc_opts defaults;
	struct sim s = {0};
	int err;

	memset(res, 0, sizeof(*res));
	s.p = prep;
	s.target = target;
	s.opts = opts ? opts : &defaults;
	s.res = res;
	s.max_cands = s.opts->max_cands ? s.opts->max_cands : DEFAULT_MAX_CANDS;
	res->nr_dist = prep->n_dist;
	res->nr_split = prep->n_split;
	res->nr_target = target->type_cnt;
	err = sim_alloc(&s);
	if (!err)
		err = simulate(&s);
	sim_free(&s);
	if (err) {
		kbtf_reloc_result_fini(res);
		return kbtf_err(err, "out of memory simulating relocation");
	}
	return 0;
}

int kbtf_relocate_sim(const struct kbtf_btf *split, const struct kbtf_reloc_target *target,
		      const struct kbtf_reloc_opts *opts, struct kbtf_reloc_result *res)
{
	struct kbtf_reloc_prep *p;
	int err;

	memset(res, 0, sizeof(*res));
	err = kbtf_reloc_prepare(split, &p);
	if (err)
		return err;
	err = kbtf_relocate_sim_prep(p, target, opts, res);
	kbtf_reloc_prep_free(p);
	return err;
}

int kbtf_relocate_sim_btf(const struct kbtf_btf *split, const struct kbtf_btf *vmlinux,
			  const struct kbtf_reloc_opts *opts, struct kbtf_reloc_result *res)
{
	struct kbtf_reloc_target *t;
	int err = kbtf_reloc_target_new(vmlinux, &t);

	if (err)
		return err;
	err = kbtf_relocate_sim(split, t, opts, res);
	kbtf_reloc_target_free(t);
	return err;
}

uint32_t kbtf_reloc_map_id(const struct kbtf_reloc_result *res, uint32_t id)
{
	if (!id || id >= res->nr_dist || !res->types)
		return 0;
	return res->types[id - 1].target_id;
}

void kbtf_reloc_result_fini(struct kbtf_reloc_result *res)
{
	uint32_t i;

	if (res->types)
		for (i = 0; i + 1 < res->nr_dist; i++)
			free(res->types[i].cands);
	free(res->types);
	free(res->badstrs);
	memset(res, 0, sizeof(*res));
}
