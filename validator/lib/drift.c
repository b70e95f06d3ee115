// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Layout drift between build time and a target kernel (see drift.h):
 * member lists flattened through anonymous members, matched by name, and
 * compared for offset, size and type; nested by-value composites of
 * embedded types are followed.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kbtf/distill.h"
#include "drift.h"
#include "kbtf/err.h"

#define MAX_TYPES 512

/*
 * True when kbtf_type_name() of @a in @ba and of @b in @bb are sure to be
 * the same text: the same kinds, names and array lengths down the chain.
 * False means "not sure" (a FWD and its struct, ENUM and ENUM64, a chain
 * deeper than names go...): the caller then compares the names made.
 */
static bool same_name_sure(const struct kbtf_btf *ba, uint32_t a, const struct kbtf_btf *bb,
			   uint32_t b, int depth)
{
	const struct btf_type *ta, *tb;
	const char *na, *nb;

	for (;; depth++) {
		if (!a || !b)
			return !a && !b;
		/* kinds, names and the types named are in the heads: a kernel's
		 * BTF stored as a delta then rebuilds no struct's members here */
		ta = kbtf_btf_type_head(ba, a);
		tb = kbtf_btf_type_head(bb, b);
		if (!ta || !tb || depth > 8)
			return false;
		/* a type tag names as what it tags */
		if (kbtf_kind(ta) == BTF_KIND_TYPE_TAG || kbtf_kind(tb) == BTF_KIND_TYPE_TAG)
			return false;
		if (kbtf_kind(ta) != kbtf_kind(tb))
			return false;
		switch (kbtf_kind(ta)) {
		case BTF_KIND_PTR:
		case BTF_KIND_CONST:
		case BTF_KIND_VOLATILE:
		case BTF_KIND_RESTRICT:
			a = ta->type;
			b = tb->type;
			continue;
		case BTF_KIND_ARRAY:
			/* the length and element are past the head; a record
			 * that fails its check reads as VOID */
			ta = kbtf_btf_type(ba, a);
			tb = kbtf_btf_type(bb, b);
			if (kbtf_kind(ta) != BTF_KIND_ARRAY || kbtf_kind(tb) != BTF_KIND_ARRAY)
				return false;
			if (kbtf_array(ta)->nelems != kbtf_array(tb)->nelems)
				return false;
			a = kbtf_array(ta)->type;
			b = kbtf_array(tb)->type;
			continue;
		case BTF_KIND_FUNC_PROTO:
			return true;
		default:
			/* a FWD names as "struct" or "union" by its kflag */
			if (kbtf_kflag(ta) != kbtf_kflag(tb))
				return false;
			na = kbtf_btf_str(ba, ta->name_off);
			nb = kbtf_btf_str(bb, tb->name_off);
			return na && nb && !strcmp(na, nb);
		}
	}
}

const char *kbtf_drift_change_str(unsigned int c)
{
	switch (c) {
	case KBTF_DRIFT_MOVED:
		return "moved";
	case KBTF_DRIFT_RESIZED:
		return "resized";
	case KBTF_DRIFT_RETYPED:
		return "changed type";
	case KBTF_DRIFT_VANISHED:
		return "vanished";
	case KBTF_DRIFT_ADDED:
		return "added";
	default:
		return "changed";
	}
}

/* ------------------------------------------------------------ flattening */

/* strcmp() of the names, from their keys where they tell */
static inline int cmp_name(const struct kbtf_flat *x, const struct kbtf_flat *y)
{
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	/* the same first 8 bytes: equal names if they end there */
	return (x->key & 0xff) ? strcmp(x->name + 8, y->name + 8) : 0;
}

/* strcmp() of the names, then the offsets */
static int cmp_flat(const struct kbtf_flat *x, const struct kbtf_flat *y)
{
	int d = cmp_name(x, y);

	return d ? d : (x->bit_off < y->bit_off ? -1 : x->bit_off > y->bit_off);
}

/*
 * Sort @n members by cmp_flat(), stably (the order glibc's qsort() gave,
 * a merge sort), with the comparison inlined: sorting the member lists was
 * a sixth of judging a pair. @tmp has room for @n.
 */
static void sort_flat(struct kbtf_flat *v, struct kbtf_flat *tmp, size_t n)
{
	size_t w, i, l, r, lend, rend, k;

	for (i = 1; i < n; i++) { /* runs of 8 by insertion */
		struct kbtf_flat x = v[i];
		size_t j = i;

		if (i % 8 == 0)
			continue;
		while (j % 8 && cmp_flat(&v[j - 1], &x) > 0) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = x;
	}
	for (w = 8; w < n; w *= 2) {
		for (l = 0; l < n; l += 2 * w) {
			lend = l + w < n ? l + w : n;
			rend = l + 2 * w < n ? l + 2 * w : n;
			for (i = l, r = lend, k = l; k < rend; k++)
				tmp[k] = (r >= rend || (i < lend && cmp_flat(&v[i], &v[r]) <= 0))
					     ? v[i++]
					     : v[r++];
		}
		memcpy(v, tmp, n * sizeof(*v));
	}
}

/* A member list sorted by cmp_flat(); dups: a name is there twice. */
struct sorted {
	const struct kbtf_flat *v;
	size_t n;
	bool dups;
};

static bool same_name(const struct kbtf_flat *x, const struct kbtf_flat *y)
{
	return x->key == y->key && (!(x->key & 0xff) || !strcmp(x->name + 8, y->name + 8));
}

/* Sort @l in place (@tmp has room), as @out. */
static void sort_list(struct kbtf_flatlist *l, struct kbtf_flat *tmp, struct sorted *out)
{
	size_t i;

	sort_flat(l->v, tmp, l->n);
	out->v = l->v;
	out->n = l->n;
	out->dups = false;
	for (i = 1; i < l->n && !out->dups; i++)
		out->dups = same_name(&l->v[i], &l->v[i - 1]);
}

/*
 * Sort the target's member list @n (@tmp has room). Where the target
 * declares the same names in the same order as the build, as it mostly
 * does, the build's sorted order @o (each member's place in declaration
 * order kept) is the target's too: no sort. Not where a name is there
 * twice (ties then go by each side's offsets).
 */
static void sort_target(const struct sorted *o, struct kbtf_flatlist *n, struct kbtf_flat *tmp)
{
	bool same = o->n == n->n && !o->dups;
	size_t i;

	for (i = 0; same && i < o->n; i++)
		same = same_name(&o->v[i], &n->v[o->v[i].at]);
	if (!same) {
		sort_flat(n->v, tmp, n->n);
		return;
	}
	for (i = 0; i < n->n; i++)
		tmp[i] = n->v[o->v[i].at];
	if (n->n) /* an empty list has no array */
		memcpy(n->v, tmp, n->n * sizeof(*tmp));
}

/* ------------------------------------------------------------ the cache */

struct cached_list {
	uint32_t bid;
	struct sorted list; /* its flats owned */
};

struct kbtf_drift_cache {
	pthread_mutex_t lock;
	const struct kbtf_btf *build; /* what the lists are of: the first build used */
	struct cached_list *e;
	size_t nr, cap;
	struct kbtf_digests *digests; /* the build side's, made on first use */
};

struct kbtf_drift_cache *kbtf_drift_cache_new(void)
{
	struct kbtf_drift_cache *c = calloc(1, sizeof(*c));

	if (c)
		pthread_mutex_init(&c->lock, NULL);
	return c;
}

void kbtf_drift_cache_free(struct kbtf_drift_cache *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->nr; i++)
		free((void *)c->e[i].list.v);
	free(c->e);
	kbtf_digests_free(c->digests);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

/* The cached list of @bid into @out: false when there is none. */
static bool cache_get(struct kbtf_drift_cache *c, const struct kbtf_btf *build, uint32_t bid,
		      struct sorted *out)
{
	bool found = false;
	size_t i;

	pthread_mutex_lock(&c->lock);
	if (!c->build)
		c->build = build;
	for (i = 0; c->build == build && i < c->nr && !found; i++) {
		if (c->e[i].bid == bid) {
			*out = c->e[i].list;
			found = true;
		}
	}
	pthread_mutex_unlock(&c->lock);
	return found;
}

/*
 * Keep @l (sorted, @list; taken over) as @bid's: true when kept, false
 * when the cache cannot (then the caller still owns it).
 */
static bool cache_put(struct kbtf_drift_cache *c, const struct kbtf_btf *build, uint32_t bid,
		      const struct sorted *list)
{
	bool kept = false;
	size_t i;

	pthread_mutex_lock(&c->lock);
	for (i = 0; i < c->nr && c->e[i].bid != bid; i++)
		;
	if (c->build == build && i == c->nr && c->nr < MAX_TYPES) {
		if (c->nr == c->cap) {
			size_t cap = c->cap ? 2 * c->cap : 16;
			struct cached_list *e = realloc(c->e, sizeof(*e) * cap);

			if (e) {
				c->e = e;
				c->cap = cap;
			}
		}
		if (c->nr < c->cap) {
			c->e[c->nr++] = (struct cached_list){bid, *list};
			kept = true;
		}
	}
	pthread_mutex_unlock(&c->lock);
	return kept;
}

/* The build side's layout digest of @bid: 0 when none (or no cache to keep it). */
static uint64_t cache_digest(struct kbtf_drift_cache *c, const struct kbtf_btf *build, uint32_t bid)
{
	uint64_t h = 0;

	if (!c)
		return 0;
	pthread_mutex_lock(&c->lock);
	if (!c->build)
		c->build = build;
	if (c->build == build && !c->digests)
		c->digests = kbtf_digests_new(build);
	if (c->build == build)
		h = kbtf_layout_digest(c->digests, bid);
	pthread_mutex_unlock(&c->lock);
	return h;
}

/* ------------------------------------------------------------ comparison */

struct pending {
	uint32_t bid, tid;
	enum kbtf_drift_use use;
	/* embedded in a type whose digest equalled the target's: the same
	 * there too (tid not looked up) */
	bool same;
	const char *self; /* its own name, kept in drift.seen */
	const char *via;  /* the embedding type's name, or NULL */
};

/* same_name_sure() of a build id and a target id, remembered: members of
 * one pair's types name the same few types again and again */
#define SAME_MEMO 256

struct same_memo {
	uint32_t a, b; /* a == 0: an empty slot */
	bool same;
};

struct drift {
	struct same_memo memo[SAME_MEMO];
	struct kbtf_bits_memo target_bits;
	const struct kbtf_drift_input *in;
	struct kbtf_drift_result *out;
	size_t cap_types;
	struct pending *queue;
	size_t nq, capq;
	char **seen; /* "struct x" names already queued */
	size_t nseen, capseen;
};

static bool seen_before(struct drift *d, const char *name)
{
	size_t i;

	for (i = 0; i < d->nseen; i++)
		if (!strcmp(d->seen[i], name))
			return true;
	return false;
}

static int enqueue(struct drift *d, uint32_t bid, uint32_t tid, enum kbtf_drift_use use,
		   const char *via, bool same)
{
	char name[256], **seen;

	kbtf_type_name(d->in->build, bid, name, sizeof(name));
	if (seen_before(d, name) || d->nseen >= MAX_TYPES)
		return 0;
	if (d->nseen == d->capseen) {
		size_t cap = d->capseen ? d->capseen * 2 : 32;

		seen = realloc(d->seen, sizeof(*seen) * cap);
		if (!seen)
			return -ENOMEM;
		d->seen = seen;
		d->capseen = cap;
	}
	if (!(d->seen[d->nseen] = strdup(name)))
		return -ENOMEM;
	d->nseen++;
	if (d->nq == d->capq) {
		size_t cap = d->capq ? d->capq * 2 : 32;
		struct pending *n = realloc(d->queue, sizeof(*n) * cap);

		if (!n)
			return -ENOMEM;
		d->queue = n;
		d->capq = cap;
	}
	d->queue[d->nq++] = (struct pending){bid, tid, use, same, d->seen[d->nseen - 1], via};
	return 0;
}

static struct kbtf_member_diff *add_diff(struct kbtf_type_drift *td, size_t *cap)
{
	struct kbtf_member_diff *md;

	if (td->nr_diffs == *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;
		struct kbtf_member_diff *n = realloc(td->diffs, sizeof(*n) * ncap);

		if (!n)
			return NULL;
		td->diffs = n;
		*cap = ncap;
	}
	md = &td->diffs[td->nr_diffs++];
	memset(md, 0, sizeof(*md));
	return md;
}

/*
 * One member's diff of type @p. The types' names are made for types
 * embedded by value only (see drift.h); @ot and @nt are @o's and @n's
 * when the caller made them already, else NULL.
 */
static int fill_diff(struct drift *d, const struct pending *p, struct kbtf_member_diff *md,
		     unsigned int changes, const struct kbtf_flat *o, const struct kbtf_flat *n,
		     const char *ot, const char *nt)
{
	char obuf[256], nbuf[256], *s;
	size_t lo = 0, ln = 0;
	bool names = p->use == KBTF_DRIFT_BY_VALUE;

	md->changes = changes;
	md->path = o ? o->name : n->name;
	if (o) {
		md->old_bit_off = o->bit_off;
		md->old_bits = o->bits;
		if (names && !ot) {
			kbtf_type_name(d->in->build, o->type, obuf, sizeof(obuf));
			ot = obuf;
		}
		lo = names ? strlen(ot) + 1 : 0;
	}
	if (n) {
		md->new_bit_off = n->bit_off;
		md->new_bits = n->bits;
		if (names && !nt) {
			kbtf_type_name(d->in->target, n->type, nbuf, sizeof(nbuf));
			nt = nbuf;
		}
		ln = names ? strlen(nt) + 1 : 0;
	}
	if (!names)
		return 0;
	/* one allocation for both names: a pair can find hundreds */
	s = malloc(lo + ln);
	if (!s)
		return -ENOMEM;
	md->type_names = s;
	if (o)
		md->old_type = memcpy(s, ot, lo);
	if (n)
		md->new_type = memcpy(s + lo, nt, ln);
	return 0;
}

/* same_name_sure() of build id @a and target id @b, through the memo. */
static bool same_name_memo(struct drift *d, uint32_t a, uint32_t b)
{
	struct same_memo *m = &d->memo[(a * 2654435761u ^ b * 40503u) % SAME_MEMO];

	if (!a || !b)
		return same_name_sure(d->in->build, a, d->in->target, b, 0);
	if (m->a != a || m->b != b)
		*m = (struct same_memo){a, b, same_name_sure(d->in->build, a, d->in->target, b, 0)};
	return m->same;
}

/* Same name on both sides: what changed, and follow by-value composites. */
static int compare_member(struct drift *d, const struct pending *p, struct kbtf_type_drift *td,
			  size_t *cap, const struct kbtf_flat *o, const struct kbtf_flat *n)
{
	char ot[256], nt[256];
	bool named = false;
	unsigned int c = 0;
	uint32_t ob, nb;

	if (o->bit_off != n->bit_off)
		c |= KBTF_DRIFT_MOVED;
	if (o->bits != n->bits)
		c |= KBTF_DRIFT_RESIZED;
	/* the names are made only when the types may name differently */
	if (!same_name_memo(d, o->type, n->type)) {
		kbtf_type_name(d->in->build, o->type, ot, sizeof(ot));
		kbtf_type_name(d->in->target, n->type, nt, sizeof(nt));
		named = true;
		if (strcmp(ot, nt))
			c |= KBTF_DRIFT_RETYPED;
	}
	if (c) {
		struct kbtf_member_diff *md = add_diff(td, cap);

		if (!md)
			return -ENOMEM;
		return fill_diff(d, p, md, c, o, n, named ? ot : NULL, named ? nt : NULL);
	}
	if (p->use != KBTF_DRIFT_BY_VALUE)
		return 0;
	ob = kbtf_type_element(d->in->build, o->type);
	nb = kbtf_type_element(d->in->target, n->type);
	if (ob && nb && kbtf_is_composite(kbtf_btf_type(d->in->build, ob)) &&
	    kbtf_is_composite(kbtf_btf_type(d->in->target, nb)) &&
	    kbtf_btf_type(d->in->build, ob)->name_off)
		return enqueue(d, ob, nb, KBTF_DRIFT_BY_VALUE, p->self, false);
	return 0;
}

static int merge(struct drift *d, const struct pending *p, struct kbtf_type_drift *td,
		 const struct sorted *o, struct kbtf_flatlist *n)
{
	struct kbtf_flat *tmp = malloc(sizeof(*tmp) * n->n + 1);
	size_t i = 0, j = 0, cap = 0;
	int err = 0;

	if (!tmp)
		return -ENOMEM;
	sort_target(o, n, tmp);
	free(tmp);
	while (!err && (i < o->n || j < n->n)) {
		int c = i == o->n ? 1 : j == n->n ? -1 : cmp_name(&o->v[i], &n->v[j]);
		struct kbtf_member_diff *md;

		if (!c) {
			err = compare_member(d, p, td, &cap, &o->v[i++], &n->v[j++]);
			continue;
		}
		md = add_diff(td, &cap);
		if (!md)
			return -ENOMEM;
		if (c < 0)
			err =
			    fill_diff(d, p, md, KBTF_DRIFT_VANISHED, &o->v[i++], NULL, NULL, NULL);
		else
			err = fill_diff(d, p, md, KBTF_DRIFT_ADDED, NULL, &n->v[j++], NULL, NULL);
	}
	return err;
}

static void type_drift_fini(struct kbtf_type_drift *td)
{
	size_t i;

	for (i = 0; i < td->nr_diffs; i++)
		free(td->diffs[i].type_names);
	free(td->diffs);
	free(td->name);
	free(td->via);
}

static int keep_drift(struct drift *d, struct kbtf_type_drift *td)
{
	struct kbtf_drift_result *r = d->out;

	if (!td->nr_diffs && td->old_size == td->new_size) {
		type_drift_fini(td);
		return 0;
	}
	if (r->nr_types == d->cap_types) {
		size_t cap = d->cap_types ? d->cap_types * 2 : 8;
		struct kbtf_type_drift *n = realloc(r->types, sizeof(*n) * cap);

		if (!n) {
			type_drift_fini(td);
			return -ENOMEM;
		}
		r->types = n;
		d->cap_types = cap;
	}
	r->types[r->nr_types++] = *td;
	return 0;
}

/*
 * The build side's member list of @bid, sorted, into @out: from the cache,
 * or flattened into @l (which the caller frees unless the cache kept it).
 */
static int build_list(struct drift *d, uint32_t bid, struct kbtf_flatlist *l, struct sorted *out)
{
	struct kbtf_drift_cache *c = d->in->cache;
	struct kbtf_flat *tmp;
	int err;

	if (c && cache_get(c, d->in->build, bid, out))
		return 0;
	err = kbtf_flatten(d->in->build, NULL, bid, 0, l);
	if (err)
		return err;
	tmp = malloc(sizeof(*tmp) * l->n + 1);
	if (!tmp)
		return -ENOMEM;
	sort_list(l, tmp, out);
	free(tmp);
	if (c && cache_put(c, d->in->build, bid, out))
		*l = (struct kbtf_flatlist){0}; /* the cache's now */
	return 0;
}

/*
 * Does @p's build type have the target type's layout digest? Then drift
 * would find nothing in it nor in what it embeds by value (btf_layout.c).
 */
static bool same_digest(struct drift *d, const struct pending *p)
{
	const struct btf_type *bt = kbtf_btf_type(d->in->build, p->bid);
	const struct btf_type *tt = kbtf_btf_type(d->in->target, p->tid);
	const char *name;
	uint64_t bh, th;

	if (!d->in->target_digest || !d->in->cache || !bt || !tt ||
	    kbtf_kind(bt) != kbtf_kind(tt) || bt->size != tt->size)
		return false;
	name = kbtf_btf_str(d->in->target, tt->name_off);
	if (!name || !*name || !d->in->target_digest(d->in->target_digest_ctx, name, p->tid, &th))
		return false;
	bh = cache_digest(d->in->cache, d->in->build, p->bid);
	return bh && bh == th;
}

/*
 * A type drift finds nothing in (same_digest()): counted as compared, and
 * the composites it embeds by value queued as the comparison would queue
 * them (each member of the build side's sorted list pairs with its
 * namesake, and none differs), so that the queue, the names seen and the
 * types' "via" are what a full comparison leaves.
 */
static int skip_type(struct drift *d, const struct pending *p)
{
	struct kbtf_flatlist o = {0};
	struct sorted ol;
	size_t i;
	int err = 0;

	d->out->nr_compared++;
	if (p->use != KBTF_DRIFT_BY_VALUE)
		return 0;
	err = build_list(d, p->bid, &o, &ol);
	for (i = 0; !err && i < ol.n; i++) {
		uint32_t ob = kbtf_type_element(d->in->build, ol.v[i].type);
		const struct btf_type *t = ob ? kbtf_btf_type(d->in->build, ob) : NULL;

		if (t && kbtf_is_composite(t) && t->name_off)
			err = enqueue(d, ob, 0, KBTF_DRIFT_BY_VALUE, p->self, true);
	}
	free(o.v);
	return err;
}

static int compare_type(struct drift *d, const struct pending *p)
{
	const struct btf_type *bt = kbtf_btf_type(d->in->build, p->bid);
	const struct btf_type *tt = kbtf_btf_type(d->in->target, p->tid);
	struct kbtf_type_drift td = {.use = p->use};
	struct kbtf_flatlist o = {0}, n = {0};
	struct sorted ol;
	char name[256];
	int err;

	if (p->same || same_digest(d, p))
		return skip_type(d, p);

	kbtf_type_name(d->in->build, p->bid, name, sizeof(name));
	td.name = strdup(name);
	td.via = p->via ? strdup(p->via) : NULL;
	if (!td.name || (p->via && !td.via)) {
		type_drift_fini(&td);
		return -ENOMEM;
	}
	td.old_size = bt->size;
	td.new_size = kbtf_is_composite(tt) ? tt->size : 0;
	d->out->nr_compared++;
	if (kbtf_kind(bt) != kbtf_kind(tt)) {
		/* relocation lets a struct map to a union, an int, a FWD ... */
		size_t cap = 0;
		struct kbtf_member_diff *md = add_diff(&td, &cap);
		struct kbtf_flat of = {"(the type itself)", 0, bt->size * 8, p->bid, 0, 0};
		struct kbtf_flat nf = {"(the type itself)",
				       0,
				       kbtf_type_bits(NULL, d->in->target, p->tid),
				       p->tid,
				       0,
				       0};

		err = md ? fill_diff(d, p, md, KBTF_DRIFT_RETYPED, &of, &nf, NULL, NULL) : -ENOMEM;
	} else {
		err = build_list(d, p->bid, &o, &ol);
		if (!err)
			err = kbtf_flatten(d->in->target, &d->target_bits, p->tid, 0, &n);
		if (!err)
			err = merge(d, p, &td, &ol, &n);
	}
	free(o.v);
	free(n.v);
	if (err == -ELOOP) {
		/* not a layout any kernel loads: told, not compared */
		d->out->nr_compared--;
		d->out->nr_looped++;
		type_drift_fini(&td);
		return 0;
	}
	if (err) {
		type_drift_fini(&td);
		return err;
	}
	return keep_drift(d, &td);
}

/* The build-time definition of distilled composite @dt: same name, same size. */
static uint32_t build_def(const struct drift *d, const struct btf_type *dt, const char *name)
{
	uint32_t ids[16];
	int n, i;

	n = kbtf_btf_find_by_name_all(d->in->build, name, (int)kbtf_kind(dt), ids, 16);
	for (i = 0; i < n && i < 16; i++) {
		const struct btf_type *bt = kbtf_btf_type(d->in->build, ids[i]);

		if (bt->size != dt->size)
			continue;
		if (d->in->layout && !kbtf_layout_is_full(d->in->build, ids[i]))
			continue;
		return ids[i];
	}
	return 0;
}

static int seed(struct drift *d)
{
	const struct kbtf_reloc_result *r = d->in->reloc;
	const struct kbtf_btf *dist = kbtf_btf_base(d->in->split);
	uint32_t id;
	int err, pass;

	/* by-value types first, so a type used both ways counts as embedded */
	for (pass = 0; pass < 2; pass++) {
		for (id = 1; id < r->nr_dist; id++) {
			const struct kbtf_reloc_type *rt = &r->types[id - 1];
			const struct btf_type *dt = kbtf_btf_type(dist, id);
			bool value = rt->embedded_fixed || rt->embedded_prefix;
			uint32_t bid;

			if (!kbtf_is_composite(dt) || !rt->target_id || value != (pass == 0))
				continue;
			bid = build_def(d, dt, rt->name);
			if (!bid) {
				d->out->nr_unknown++;
				continue;
			}
			err = enqueue(d, bid, rt->target_id,
				      value ? KBTF_DRIFT_BY_VALUE : KBTF_DRIFT_BY_POINTER, NULL,
				      false);
			if (err)
				return err;
		}
	}
	return 0;
}

int kbtf_drift_compare(const struct kbtf_drift_input *in, struct kbtf_drift_result *out)
{
	struct drift d = {.in = in, .out = out};
	size_t i;
	int err;

	memset(out, 0, sizeof(*out));
	if (!kbtf_btf_base(in->split))
		return kbtf_err(-EINVAL, "drift: the module's BTF has no distilled base");
	err = seed(&d);
	for (i = 0; !err && i < d.nq; i++) {
		struct pending p = d.queue[i]; /* the queue may grow meanwhile */

		err = compare_type(&d, &p);
	}
	for (i = 0; i < d.nseen; i++)
		free(d.seen[i]);
	free(d.seen);
	free(d.queue);
	if (err) {
		kbtf_drift_result_fini(out);
		return kbtf_err(err, "out of memory comparing layouts");
	}
	return 0;
}

void kbtf_drift_result_fini(struct kbtf_drift_result *r)
{
	size_t i;

	for (i = 0; i < r->nr_types; i++)
		type_drift_fini(&r->types[i]);
	free(r->types);
	memset(r, 0, sizeof(*r));
}
