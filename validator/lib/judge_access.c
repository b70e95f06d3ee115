// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Member-level layout conflicts: the module's access record (what its code
 * reads, writes and takes the address of, with the offsets the compiler
 * baked in) against the target kernel's BTF. No kernel checks this: BTF
 * relocation compares the sizes of the types a module embeds, modversions
 * the CRCs of the symbols it imports, and a struct member that moved with
 * the struct's size unchanged passes both. A touched member that moved,
 * changed size or type, became a bitfield differently, or vanished is a
 * problem of its own (verdict layout-conflict); members the module never
 * touches stay with the type-level drift (judge_drift.c), informational.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "judge.h"
#include "prepared.h"

#define MAX_DEPTH 16

/* A member as the target kernel lays it out. */
struct target_member {
	uint32_t bit_off;
	uint32_t bits;
	bool bitfield;
	char mtype[256];
};

static void cat(char *buf, size_t len, const char *s)
{
	size_t u = strlen(buf);

	kbtf_appends(buf, len, &u, s);
}

static uint32_t skip_mods(const struct kbtf_btf *btf, uint32_t id)
{
	int i;

	for (i = 0; i < 32; i++) {
		const struct btf_type *t = kbtf_btf_type_head(btf, id);

		if (!t || !kbtf_is_modifier(t))
			return id;
		id = t->type;
	}
	return 0;
}

/*
 * A type spelled as the plugin spells GCC's (access/kbtf_access_plugin.c):
 * typedef and base names, "struct X", "T*", "T[N]", "fn*"; qualifiers left
 * out.
 */
static void spell(const struct kbtf_btf *btf, uint32_t id, char *buf, size_t len, int depth)
{
	const struct btf_type *t;
	const char *n;
	char num[32];
	size_t used;

	id = skip_mods(btf, id);
	/* names are in the head; an array's length and element past it */
	t = kbtf_btf_type_head(btf, id);
	if (t && kbtf_kind(t) == BTF_KIND_ARRAY)
		t = kbtf_btf_type(btf, id);
	if (!t || depth > 8) {
		cat(buf, len, "?");
		return;
	}
	if (!id) {
		cat(buf, len, "void");
		return;
	}
	n = kbtf_btf_str(btf, t->name_off);
	switch (kbtf_kind(t)) {
	case BTF_KIND_PTR: {
		uint32_t to = kbtf_btf_skip_mods_typedefs(btf, t->type);
		const struct btf_type *tt = kbtf_btf_type_head(btf, to);

		if (tt && kbtf_kind(tt) == BTF_KIND_FUNC_PROTO) {
			cat(buf, len, "fn*");
			return;
		}
		spell(btf, t->type, buf, len, depth + 1);
		cat(buf, len, "*");
		return;
	}
	case BTF_KIND_ARRAY:
		spell(btf, kbtf_array(t)->type, buf, len, depth + 1);
		used = 0;
		num[0] = '\0';
		kbtf_appends(num, sizeof(num), &used, "[");
		if (kbtf_array(t)->nelems)
			kbtf_appendu(num, sizeof(num), &used, kbtf_array(t)->nelems);
		kbtf_appends(num, sizeof(num), &used, "]");
		cat(buf, len, num);
		return;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
	case BTF_KIND_FWD:
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		cat(buf, len,
		    kbtf_kind(t) == BTF_KIND_UNION ||
			    (kbtf_kind(t) == BTF_KIND_FWD && kbtf_kflag(t))
			? "union "
		    : kbtf_kind(t) == BTF_KIND_ENUM || kbtf_kind(t) == BTF_KIND_ENUM64 ? "enum "
										       : "struct ");
		cat(buf, len, n && *n ? n : "(anon)");
		return;
	case BTF_KIND_FUNC_PROTO:
		cat(buf, len, "fn");
		return;
	default:
		cat(buf, len, n && *n ? n : "?");
		return;
	}
}

/* The size in bits of a member of type @id; @ptr_bits for pointers. */
static uint32_t type_bits(const struct kbtf_btf *btf, uint32_t id, uint32_t ptr_bits, int depth)
{
	const struct btf_type *t;

	/* sizes are in the head: a struct's members are not rebuilt for it */
	id = kbtf_btf_skip_mods_typedefs(btf, id);
	t = kbtf_btf_type_head(btf, id);
	if (t && kbtf_kind(t) == BTF_KIND_ARRAY)
		t = kbtf_btf_type(btf, id);
	if (!t || depth > 8)
		return 0;
	switch (kbtf_kind(t)) {
	case BTF_KIND_INT:
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
	case BTF_KIND_FLOAT:
		return t->size * 8;
	case BTF_KIND_PTR:
		return ptr_bits;
	case BTF_KIND_ARRAY:
		return kbtf_array(t)->nelems *
		       type_bits(btf, kbtf_array(t)->type, ptr_bits, depth + 1);
	default:
		return 0;
	}
}

/*
 * type_bits() with 64-bit pointers, remembered for one pair: finding
 * where a conflicting offset now lies sizes a struct's members one by one,
 * the same ones for every conflict in it.
 */
#define BITS_MEMO 256

struct bits_memo {
	uint32_t id[BITS_MEMO]; /* 0: an empty slot */
	uint32_t bits[BITS_MEMO];
};

static uint32_t member_bits(struct bits_memo *m, const struct kbtf_btf *btf, uint32_t id)
{
	uint32_t slot = (id * 2654435761u) >> 24; /* BITS_MEMO slots */

	if (!m || !id)
		return type_bits(btf, id, 64, 0);
	if (m->id[slot] != id) {
		m->id[slot] = id;
		m->bits[slot] = type_bits(btf, id, 64, 0);
	}
	return m->bits[slot];
}

/* Member @name (@nlen bytes) of composite @id, through anonymous members. */
static bool scan_member(const struct kbtf_btf *btf, uint32_t id, const char *name, size_t nlen,
			uint32_t *bit_off, uint32_t *type, uint32_t *bf_bits, int depth)
{
	const struct btf_type *t = kbtf_btf_type(btf, kbtf_btf_skip_mods_typedefs(btf, id));
	const struct btf_member *m;
	uint32_t i;

	if (!t || !kbtf_is_composite(t) || depth > MAX_DEPTH)
		return false;
	m = kbtf_members(t);
	for (i = 0; i < kbtf_vlen(t); i++) {
		const char *mn = kbtf_btf_str(btf, m[i].name_off);
		uint32_t off = *bit_off + kbtf_member_bit_offset(t, &m[i]);

		if (mn && *mn) {
			if (mn[0] != name[0] || strncmp(mn, name, nlen) || mn[nlen])
				continue;
			*bit_off = off;
			*type = m[i].type;
			*bf_bits = kbtf_member_bitfield_size(t, &m[i]);
			return true;
		}
		if (scan_member(btf, m[i].type, name, nlen, &off, type, bf_bits, depth + 1)) {
			*bit_off = off;
			return true;
		}
	}
	return false;
}

/*
 * Member names of a composite, each read once per pair. A record lists a
 * type's members together, and most name members of a few large structs
 * (sk_buff, net_device, task_struct) whose names scan_member() would fetch
 * again for every path, going through the same anonymous members. A slot
 * reads on demand, one member at a time in scan_member()'s order, and
 * keeps where it stopped: a name's first entry is the member scan_member()
 * finds, a name not among the entries lies further on, and the members
 * (and so the type records) read are the ones scan_member() reads for the
 * farthest of the paths.
 */
struct name_ent {
	const char *name;
	uint32_t bit_off; /* from the composite's start */
	uint32_t type;
	uint32_t bf_bits;
};

/* A composite being read: the top one, then anonymous members down. */
struct name_frame {
	const struct btf_type *t;
	uint32_t i;	  /* its next member */
	uint32_t bit_off; /* where it starts in the top one */
};

struct name_slot {
	uint32_t id;   /* the composite, modifiers and typedefs skipped; 0: free */
	uint32_t via;  /* the id it was last reached by, before skipping */
	uint32_t work; /* members read into the slot */
	int nr_frames; /* 0: all read */
	bool broken;   /* out of budget or memory: scanned plainly */
	struct name_frame frame[MAX_DEPTH + 1];
	struct name_ent *e;
	char *c0; /* each entry's first byte, searched with memchr(); after e[cap] */
	uint32_t n, cap;
};

/*
 * A path goes through a few composites ("rlock.raw_lock.val.counter": four);
 * more are taken in turn. The budget keeps a slot's memory and the work
 * spent before falling back small where the BTF nests anonymous members
 * without end; real kernel structs read a few hundred members.
 */
#define NAME_SLOTS 4
#define NAME_WORK 4096

struct name_cache {
	struct name_slot slot[NAME_SLOTS];
	unsigned int turn;
};

static bool slot_add(struct name_slot *s, const char *name, uint32_t bit_off, uint32_t type,
		     uint32_t bf_bits)
{
	if (s->n == s->cap) {
		/* one block: the entries, then their first bytes */
		uint32_t cap = s->cap ? s->cap * 2 : 256;
		struct name_ent *e = malloc(cap * (sizeof(*e) + 1));

		if (!e)
			return false;
		if (s->n) {
			memcpy(e, s->e, s->n * sizeof(*e));
			memcpy(e + cap, s->c0, s->n);
		}
		free(s->e);
		s->e = e;
		s->c0 = (char *)(e + cap);
		s->cap = cap;
	}
	s->c0[s->n] = name[0];
	s->e[s->n++] = (struct name_ent){name, bit_off, type, bf_bits};
	return true;
}

static bool ent_is(const struct name_ent *e, const char *name, size_t nlen)
{
	return !strncmp(e->name, name, nlen) && !e->name[nlen];
}

/*
 * Read on until member @name (@nlen bytes) is read, going into anonymous
 * members as scan_member() recurses: its entry, -1 at the end, -2 when the
 * slot broke.
 */
static long slot_read(const struct kbtf_btf *btf, struct name_slot *s, const char *name,
		      size_t nlen)
{
	while (s->nr_frames) {
		struct name_frame *f = &s->frame[s->nr_frames - 1];
		const struct btf_type *ft = f->t;
		const struct btf_member *m = kbtf_members(ft);
		uint32_t i, vlen = kbtf_vlen(ft);

		for (i = f->i; i < vlen; i++) {
			const struct btf_type *t;
			const char *mn;
			uint32_t off;

			if (++s->work > NAME_WORK)
				return -2;
			mn = kbtf_btf_str(btf, m[i].name_off);
			off = f->bit_off + kbtf_member_bit_offset(ft, &m[i]);
			if (mn && *mn) {
				if (!slot_add(s, mn, off, m[i].type,
					      kbtf_member_bitfield_size(ft, &m[i])))
					return -2;
				if (mn[0] != name[0] || !ent_is(&s->e[s->n - 1], name, nlen))
					continue;
				f->i = i + 1;
				return s->n - 1;
			}
			/* scan_member() looks the type up before it checks the depth */
			t = kbtf_btf_type(btf, kbtf_btf_skip_mods_typedefs(btf, m[i].type));
			if (t && kbtf_is_composite(t) && s->nr_frames <= MAX_DEPTH) {
				f->i = i + 1;
				s->frame[s->nr_frames++] = (struct name_frame){t, 0, off};
				break;
			}
		}
		if (i == vlen)
			s->nr_frames--;
	}
	return -1;
}

/* @nc's slot of composite @cid (type @t), reached by @id; taken when new. */
static struct name_slot *slot_of(struct name_cache *nc, uint32_t id, uint32_t cid,
				 const struct btf_type *t)
{
	struct name_slot *s;
	unsigned int i;

	for (i = 0; i < NAME_SLOTS; i++) {
		if (nc->slot[i].id == cid) {
			nc->slot[i].via = id;
			return &nc->slot[i];
		}
	}
	s = &nc->slot[nc->turn++ % NAME_SLOTS];
	s->id = cid;
	s->via = id;
	s->work = s->n = 0;
	s->broken = false;
	s->frame[0] = (struct name_frame){t, 0, 0};
	s->nr_frames = 1;
	return s;
}

/*
 * Member @name (@nlen bytes) of composite @id, through anonymous members:
 * scan_member()'s answer, from @nc's names while they fit its budget.
 */
static bool find_member(const struct kbtf_btf *btf, struct name_cache *nc, uint32_t id,
			const char *name, size_t nlen, uint32_t *bit_off, uint32_t *type,
			uint32_t *bf_bits)
{
	struct name_slot *s = NULL;
	const struct name_ent *e;
	uint32_t i;
	long at = -1;

	if (!id)
		return false; /* void */
	/* the paths into one type come together: its slot by the id they give */
	for (i = 0; i < NAME_SLOTS && !s; i++)
		if (nc->slot[i].via == id)
			s = &nc->slot[i];
	if (!s) {
		uint32_t cid = kbtf_btf_skip_mods_typedefs(btf, id);
		const struct btf_type *t = kbtf_btf_type(btf, cid);

		if (!t || !kbtf_is_composite(t))
			return false;
		s = slot_of(nc, id, cid, t);
	}
	if (s->broken)
		return scan_member(btf, id, name, nlen, bit_off, type, bf_bits, 0);
	for (i = 0; i < s->n && at < 0; i++) {
		const char *c = memchr(s->c0 + i, name[0], s->n - i);

		if (!c)
			break;
		i = c - s->c0;
		if (ent_is(&s->e[i], name, nlen))
			at = i;
	}
	if (at < 0)
		at = slot_read(btf, s, name, nlen);
	if (at == -2) {
		s->broken = true;
		return scan_member(btf, id, name, nlen, bit_off, type, bf_bits, 0);
	}
	if (at < 0)
		return false;
	e = &s->e[at];
	*bit_off += e->bit_off;
	*type = e->type;
	*bf_bits = e->bf_bits;
	return true;
}

/* @path ("a.b.c") inside the composite @id; false when a member is gone. */
static bool resolve(const struct kbtf_btf *btf, struct name_cache *nc, uint32_t id,
		    const char *path, const struct kbtf_access_rec *r, struct target_member *out)
{
	uint32_t off = 0, type = id, bf = 0;
	const char *p = path;
	int depth = 0;

	while (*p && depth++ < MAX_DEPTH) {
		size_t n = strcspn(p, ".");

		if (!find_member(btf, nc, type, p, n, &off, &type, &bf))
			return false;
		p += n;
		if (*p == '.')
			p++;
	}
	out->bit_off = off;
	out->bitfield = bf != 0;
	out->bits =
	    bf ? bf : type_bits(btf, type, r->mtype[strlen(r->mtype) - 1] == '*' ? r->bits : 64, 0);
	out->mtype[0] = '\0';
	spell(btf, type, out->mtype, sizeof(out->mtype), 0);
	return true;
}

/* The member of composite @id that holds bit @bit, spelled "a.b", into @buf. */
static bool member_at(const struct kbtf_btf *btf, struct bits_memo *bm, uint32_t id, uint32_t bit,
		      char *buf, size_t len, bool *starts, int depth)
{
	const struct btf_type *t = kbtf_btf_type(btf, kbtf_btf_skip_mods_typedefs(btf, id));
	const struct btf_member *m;
	uint32_t i;

	if (!t || !kbtf_is_composite(t) || depth > MAX_DEPTH)
		return false;
	m = kbtf_members(t);
	for (i = 0; i < kbtf_vlen(t); i++) {
		uint32_t off = kbtf_member_bit_offset(t, &m[i]);
		uint32_t bf, sz;
		const char *mn;
		size_t used;

		if (bit < off)
			continue; /* sized only where it may hold the bit */
		bf = kbtf_member_bitfield_size(t, &m[i]);
		sz = bf ? bf : member_bits(bm, btf, m[i].type);
		if (bit >= off + (sz ? sz : 1))
			continue;
		mn = kbtf_btf_str(btf, m[i].name_off);
		used = strlen(buf);
		if (mn && *mn)
			kbtf_appendf(buf, len, &used, "%s%s", used ? "." : "", mn);
		*starts = bit == off;
		if (!bf && member_at(btf, bm, m[i].type, bit - off, buf, len, starts, depth + 1))
			return true;
		return true;
	}
	return false;
}

/* The ids of @r's type in the target: "struct X", "union X" or a typedef. */
static int find_type(const struct kbtf_vkernel *k, const char *name, uint32_t *ids, int max)
{
	if (!strncmp(name, "struct ", 7))
		return kbtf_vkernel_find_type(k, name + 7, BTF_KIND_STRUCT, ids, max);
	if (!strncmp(name, "union ", 6))
		return kbtf_vkernel_find_type(k, name + 6, BTF_KIND_UNION, ids, max);
	return kbtf_vkernel_find_type(k, name, BTF_KIND_TYPEDEF, ids, max);
}

static bool same(const struct kbtf_access_rec *r, const struct target_member *t)
{
	return r->bit_off == t->bit_off && (!r->bits || !t->bits || r->bits == t->bits) &&
	       !!(r->flags & KBTF_ACC_BITFIELD) == t->bitfield && !strcmp(r->mtype, t->mtype);
}

/* One touched member that is not what the module was built with. */
static void conflict(const struct kbtf_pair *pair, struct kbtf_access_findings *f,
		     struct bits_memo *bm, const struct kbtf_access_rec *g, size_t n, uint32_t id,
		     bool found, const struct target_member *t)
{
	const struct kbtf_btf *btf = kbtf_vkernel_btf(pair->k);
	const char *reason;
	char a[32], b[32], other[256] = "", where[320] = "";
	bool starts = false;
	struct kbtf_problem *p;
	size_t i, used;

	kbtf_bits_str(g->bit_off, a, sizeof(a));
	if (!found)
		reason = "member-vanished";
	else if (g->bit_off != t->bit_off)
		reason = "member-moved";
	else if (!!(g->flags & KBTF_ACC_BITFIELD) != t->bitfield ||
		 ((g->flags & KBTF_ACC_BITFIELD) && g->bits != t->bits))
		reason = "bitfield-changed";
	else if (g->bits && t->bits && g->bits != t->bits)
		reason = "member-resized";
	else
		reason = "member-retyped";
	used = 0;
	if (member_at(btf, bm, id, g->bit_off, other, sizeof(other), &starts, 0))
		kbtf_appendf(where, sizeof(where), &used, ", where `%s` now %s", other,
			     starts ? "starts" : "lies");
	if (found)
		kbtf_bits_str(t->bit_off, b, sizeof(b));
	f->nr_conflicts++;
	used = 0;
	if (!f->headline[0])
		kbtf_appendf(f->headline, sizeof(f->headline), &used,
			     "%s (%s:%u) %s `%s.%s` at offset %s; on %s it %s%s%s", g->func,
			     g->file, g->line, kbtf_access_how(g->flags), g->type, g->path, a,
			     pair->release, found ? "is at " : "is gone", found ? b : "", where);
	p = kbtf_note_problem(&f->notes, KBTF_PROBLEM_BTF, g->type, reason);
	if (!p)
		return;
	kbtf_note_field(&f->notes, &p->expected, "%s.%s: %s at offset %s, %u bits%s", g->type,
			g->path, g->mtype, a, g->bits,
			(g->flags & KBTF_ACC_BITFIELD) ? " (bitfield)" : "");
	if (found)
		kbtf_note_field(&f->notes, &p->actual, "%s.%s: %s at offset %s, %u bits%s%s",
				g->type, g->path, t->mtype, b, t->bits,
				t->bitfield ? " (bitfield)" : "", where);
	else
		kbtf_note_field(&f->notes, &p->actual, "%s has no member %s%s", g->type, g->path,
				where);
	{
		char detail[2048];

		used = 0;
		detail[0] = '\0';
		for (i = 0; i < n && i < MAX_LISTED; i++) {
			const struct kbtf_access_rec *r = &g[i];

			kbtf_appendf(detail, sizeof(detail), &used,
				     "%s%s (%s:%u%s%s) %s `%s.%s` at offset %s; on %s it %s%s%s.",
				     i ? " " : "", r->func, r->file, r->line,
				     *r->via ? ", in " : "", r->via, kbtf_access_how(r->flags),
				     r->type, r->path, a, pair->release,
				     found ? "is at " : "is gone", found ? b : "", where);
		}
		if (n > MAX_LISTED)
			kbtf_appendf(detail, sizeof(detail), &used, " And %zu more places.",
				     n - MAX_LISTED);
		kbtf_appendf(detail, sizeof(detail), &used,
			     " The kernel checks no member offsets: the module loads and its code "
			     "uses the wrong bytes. Rebuild it against this kernel's headers.");
		kbtf_note_field(&f->notes, &p->detail, "%s", detail);
	}
}

void kbtf_judge_access(const struct kbtf_pair *pair, struct kbtf_access_findings *f)
{
	const struct kbtf_access *acc = pair->m->access;
	const struct kbtf_btf *btf;
	const char *last_type = NULL;
	static const struct target_member none;
	struct bits_memo bm;
	bool bm_clear = false;
	struct name_cache nc = {0};
	uint32_t ids[8];
	size_t i, j, unchecked = 0;
	int nids = 0;

	if (pair->m->access_error)
		kbtf_note_warning(&f->notes, KBTF_SEV_WARNING, "access-record-broken",
				  KBTF_ACCESS_SECTION, "%s: its access record cannot be read: %s",
				  pair->m->path, pair->m->access_error);
	if (!acc) {
		kbtf_note_warning(&f->notes, KBTF_SEV_INFO, "access-not-recorded", "",
				  "member-level checks need the module's access record (built by "
				  "kbtf build with its compiler plugin); only type-level layout "
				  "drift is checked");
		return;
	}
	btf = kbtf_vkernel_btf(pair->k);
	if (!btf)
		return;
	for (i = 0; i < acc->nr; i = j) {
		const struct kbtf_access_rec *g = &acc->recs[i];
		/* a candidate is resolved into the one @t does not hold */
		struct target_member cand[2], *t = NULL;
		uint32_t use = 0;
		bool alike = false;
		int k;

		for (j = i + 1; j < acc->nr && !strcmp(acc->recs[j].type, g->type) &&
				!strcmp(acc->recs[j].path, g->path);
		     j++)
			;
		/* the record lists a type's members together: looked up once */
		if (!last_type || strcmp(last_type, g->type)) {
			nids = find_type(pair->k, g->type, ids, 8);
			last_type = g->type;
		}
		if (nids <= 0) {
			unchecked++;
			continue;
		}
		/* several types of that name: the one laid out as built, if any */
		for (k = 0; k < nids && k < 8; k++) {
			struct target_member *c = &cand[t == &cand[0]];

			if (!resolve(btf, &nc, ids[k], g->path, g, c))
				continue;
			alike = same(g, c);
			if (!t || alike) {
				t = c;
				use = ids[k];
			}
			if (alike)
				break;
		}
		if (alike)
			continue;
		if (!t)
			use = ids[0];
		if (!bm_clear) { /* a kernel without conflicts pays nothing */
			memset(&bm, 0, sizeof(bm));
			bm_clear = true;
		}
		conflict(pair, f, &bm, g, j - i, use, t != NULL, t ? t : &none);
	}
	for (i = 0; i < NAME_SLOTS; i++)
		free(nc.slot[i].e);
	if (unchecked)
		kbtf_note_warning(&f->notes, KBTF_SEV_INFO, "access-partial", "",
				  "%zu touched member%s of types not in %s's BTF were not checked",
				  unchecked, unchecked == 1 ? "" : "s", pair->release);
}
