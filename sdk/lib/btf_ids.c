// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * .BTF_ids: find the id slots a module's BTF_ID* macros left (through the
 * symbol table, as kbuild's resolve_btfids does), resolve them by kind and
 * name against a BTF, and write the section back with sets counted and
 * sorted. The distiller uses it to give kfunc sets ids in distilled space.
 */
#include <byteswap.h>
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "btf_ids.h"
#include "kbtf/err.h"

#define BTF_ID_PREFIX "__BTF_ID__"

const char *kbtf_btf_id_kind_str(uint32_t kind)
{
	switch (kind) {
	case BTF_KIND_STRUCT:
		return "struct";
	case BTF_KIND_UNION:
		return "union";
	case BTF_KIND_TYPEDEF:
		return "typedef";
	case BTF_KIND_FUNC:
		return "func";
	default:
		return "?";
	}
}

static const struct {
	const char *prefix;
	uint32_t kind;
} ref_kinds[] = {
    {"struct__", BTF_KIND_STRUCT},
    {"union__", BTF_KIND_UNION},
    {"typedef__", BTF_KIND_TYPEDEF},
    {"func__", BTF_KIND_FUNC},
};

/* "name__123" -> "name" (the numeric tail makes each symbol unique). */
static char *strip_unique(const char *s)
{
	char *n = strdup(s), *p;

	if (!n)
		return NULL;
	p = strrchr(n, '_');
	if (p && p > n + 1 && p[-1] == '_' && p - 1 > n)
		p[-1] = '\0';
	return n;
}

static int add_ref(struct kbtf_btf_ids *ids, size_t *cap, const char *rest, uint32_t kind,
		   uint64_t off)
{
	struct kbtf_btf_id_ref *r;

	if (ids->nr_refs == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;

		r = realloc(ids->refs, ncap * sizeof(*r));
		if (!r)
			return kbtf_err_nomem();
		ids->refs = r;
		*cap = ncap;
	}
	r = &ids->refs[ids->nr_refs];
	memset(r, 0, sizeof(*r));
	r->name = strip_unique(rest);
	if (!r->name)
		return kbtf_err_nomem();
	r->kind = kind;
	r->offset = (uint32_t)off;
	ids->nr_refs++;
	return 0;
}

static int add_set(struct kbtf_btf_ids *ids, const char *name, bool set8, const GElf_Sym *sym)
{
	struct kbtf_btf_id_set *s = realloc(ids->sets, (ids->nr_sets + 1) * sizeof(*s));
	size_t unit = set8 ? 8 : 4;

	if (!s)
		return kbtf_err_nomem();
	ids->sets = s;
	s = &ids->sets[ids->nr_sets];
	memset(s, 0, sizeof(*s));
	s->name = strdup(name);
	if (!s->name)
		return kbtf_err_nomem();
	s->set8 = set8;
	s->offset = (uint32_t)sym->st_value;
	/* the symbol covers the header and the entries: one unit each */
	s->cnt = sym->st_size >= unit ? (uint32_t)(sym->st_size / unit - 1) : 0;
	ids->nr_sets++;
	if (sym->st_value + (uint64_t)(s->cnt + 1) * unit > ids->size)
		return kbtf_err(-EINVAL, ".BTF_ids: set %s runs past the section", name);
	return 0;
}

static int add_symbol(struct kbtf_btf_ids *ids, size_t *cap, const char *name, const GElf_Sym *sym)
{
	const char *p = name + strlen(BTF_ID_PREFIX);
	size_t i;

	if (sym->st_value + 4 > ids->size)
		return kbtf_err(-EINVAL, ".BTF_ids: symbol %s lies outside the section", name);
	if (!strncmp(p, "set8__", 6))
		return add_set(ids, p + 6, true, sym);
	if (!strncmp(p, "set__", 5))
		return add_set(ids, p + 5, false, sym);
	for (i = 0; i < sizeof(ref_kinds) / sizeof(ref_kinds[0]); i++) {
		size_t n = strlen(ref_kinds[i].prefix);

		if (!strncmp(p, ref_kinds[i].prefix, n))
			return add_ref(ids, cap, p + n, ref_kinds[i].kind, sym->st_value);
	}
	return kbtf_err(-EINVAL, ".BTF_ids: unsupported symbol %s", name);
}

static void mark_in_sets(struct kbtf_btf_ids *ids)
{
	size_t i, j;

	for (i = 0; i < ids->nr_refs; i++) {
		for (j = 0; j < ids->nr_sets; j++) {
			const struct kbtf_btf_id_set *s = &ids->sets[j];
			uint32_t unit = s->set8 ? 8 : 4;
			uint64_t first = s->offset + unit, end = first + (uint64_t)s->cnt * unit;

			if (ids->refs[i].offset >= first && ids->refs[i].offset < end)
				ids->refs[i].in_set = true;
		}
	}
}

static int scan(Elf *e, const uint8_t *image, size_t size, struct kbtf_btf_ids *ids)
{
	size_t shstrndx, ids_ndx = 0, cap = 0, i, n;
	Elf_Scn *scn = NULL, *symscn = NULL;
	GElf_Shdr sh, symsh = {0};
	Elf_Data *syms;
	int err;

	if (elf_getshdrstrndx(e, &shstrndx))
		return kbtf_err(-EINVAL, "no section name table");
	while ((scn = elf_nextscn(e, scn))) {
		const char *name;

		if (!gelf_getshdr(scn, &sh))
			continue;
		name = elf_strptr(e, shstrndx, sh.sh_name);
		if (sh.sh_type == SHT_SYMTAB) {
			symscn = scn;
			symsh = sh;
		} else if (name && !strcmp(name, ".BTF_ids") && sh.sh_type == SHT_PROGBITS) {
			if (sh.sh_offset > size || sh.sh_size > size - sh.sh_offset)
				return kbtf_err(-EINVAL, ".BTF_ids lies outside the file");
			ids_ndx = elf_ndxscn(scn);
			ids->data = image + sh.sh_offset;
			ids->size = sh.sh_size;
		}
	}
	if (!ids_ndx || !symscn)
		return -ENOENT;
	syms = elf_getdata(symscn, NULL);
	if (!syms || !symsh.sh_entsize)
		return kbtf_err(-EINVAL, "cannot read the symbol table");
	n = symsh.sh_size / symsh.sh_entsize;
	for (i = 0; i < n; i++) {
		const char *name;
		GElf_Sym sym;

		if (!gelf_getsym(syms, (int)i, &sym) || sym.st_shndx != ids_ndx)
			continue;
		name = elf_strptr(e, symsh.sh_link, sym.st_name);
		if (!name || strncmp(name, BTF_ID_PREFIX, strlen(BTF_ID_PREFIX)))
			continue;
		err = add_symbol(ids, &cap, name, &sym);
		if (err)
			return err;
	}
	if (!ids->nr_refs && !ids->nr_sets)
		return -ENOENT;
	mark_in_sets(ids);
	return 0;
}

int kbtf_btf_ids_read(const void *image, size_t size, struct kbtf_btf_ids *out)
{
	struct kbtf_buf copy;
	GElf_Ehdr eh;
	Elf *e;
	int err;

	memset(out, 0, sizeof(*out));
	if (elf_version(EV_CURRENT) == EV_NONE)
		return kbtf_err(-EINVAL, "libelf is too old");
	/* symbol tables are converted in place for foreign byte orders */
	err = kbtf_buf_dup(image, size, &copy);
	if (err)
		return err;
	e = elf_memory((char *)copy.data, copy.size);
	if (!e || elf_kind(e) != ELF_K_ELF || !gelf_getehdr(e, &eh)) {
		err = kbtf_err(-EINVAL, "not an ELF image");
		goto out;
	}
	out->big_endian = eh.e_ident[EI_DATA] == ELFDATA2MSB;
	err = scan(e, image, size, out);
out:
	if (e)
		elf_end(e);
	kbtf_buf_release(&copy);
	if (err)
		kbtf_btf_ids_release(out);
	return err;
}

void kbtf_btf_ids_release(struct kbtf_btf_ids *ids)
{
	size_t i;

	if (!ids)
		return;
	for (i = 0; i < ids->nr_refs; i++)
		free(ids->refs[i].name);
	for (i = 0; i < ids->nr_sets; i++)
		free(ids->sets[i].name);
	free(ids->refs);
	free(ids->sets);
	memset(ids, 0, sizeof(*ids));
}

/* -------------------------------------------------------------- resolve */

struct want {
	const char *name;
	uint32_t kind;
	uint32_t id;		/* lowest match so far */
	struct want *next_same; /* other refs with the same kind and name */
};

static uint32_t want_hash(const char *s, uint32_t kind)
{
	return kbtf_hash_str_from(KBTF_HASH_SEED ^ kind, s);
}

int kbtf_btf_ids_resolve(const struct kbtf_btf_ids *ids, const struct kbtf_btf *btf,
			 uint32_t *ids_out)
{
	uint32_t mask = 16, id, cnt = kbtf_btf_type_cnt(btf);
	struct want **tab, *w;
	size_t i;

	while (mask < ids->nr_refs * 2)
		mask <<= 1;
	tab = calloc(mask, sizeof(*tab));
	w = calloc(ids->nr_refs + 1, sizeof(*w));
	if (!tab || !w) {
		free(tab);
		free(w);
		return kbtf_err_nomem();
	}
	mask--;
	for (i = 0; i < ids->nr_refs; i++) {
		uint32_t h = want_hash(ids->refs[i].name, ids->refs[i].kind) & mask;

		w[i].name = ids->refs[i].name;
		w[i].kind = ids->refs[i].kind;
		while (tab[h] && (tab[h]->kind != w[i].kind || strcmp(tab[h]->name, w[i].name)))
			h = (h + 1) & mask;
		if (tab[h]) {
			w[i].next_same = tab[h]->next_same;
			tab[h]->next_same = &w[i];
		} else {
			tab[h] = &w[i];
		}
	}
	/* one pass over every id, lowest first: the first match wins */
	for (id = 1; id < cnt; id++) {
		const struct btf_type *t = kbtf_btf_type(btf, id);
		uint32_t kind = kbtf_kind(t), h;
		const char *name;
		struct want *x;

		if (kind != BTF_KIND_STRUCT && kind != BTF_KIND_UNION && kind != BTF_KIND_TYPEDEF &&
		    kind != BTF_KIND_FUNC)
			continue;
		if (!t->name_off)
			continue;
		name = kbtf_btf_str(btf, t->name_off);
		if (!name)
			continue;
		h = want_hash(name, kind) & mask;
		while (tab[h] && (tab[h]->kind != kind || strcmp(tab[h]->name, name)))
			h = (h + 1) & mask;
		for (x = tab[h]; x; x = x->next_same)
			if (!x->id)
				x->id = id;
	}
	for (i = 0; i < ids->nr_refs; i++)
		ids_out[i] = w[i].id;
	free(tab);
	free(w);
	return 0;
}

/* ---------------------------------------------------------------- patch */

static uint32_t get32(const uint8_t *p, bool swap)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return swap ? bswap_32(v) : v;
}

static void put32(uint8_t *p, uint32_t v, bool swap)
{
	v = swap ? bswap_32(v) : v;
	memcpy(p, &v, 4);
}

static bool host_big(void)
{
	return __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__;
}

/* Insertion sort by id: sets are small, and equal ids keep their order. */
static void sort_set(uint8_t *first, uint32_t cnt, uint32_t unit, bool swap)
{
	uint8_t tmp[8];
	uint32_t i, j;

	for (i = 1; i < cnt; i++) {
		memcpy(tmp, first + i * unit, unit);
		for (j = i; j > 0 && (int32_t)get32(first + (j - 1) * unit, swap) >
					 (int32_t)get32(tmp, swap);
		     j--)
			memcpy(first + j * unit, first + (j - 1) * unit, unit);
		memcpy(first + j * unit, tmp, unit);
	}
}

int kbtf_btf_ids_patch(const struct kbtf_btf_ids *ids, const uint32_t *values, struct kbtf_buf *out)
{
	bool swap = ids->big_endian != host_big();
	size_t i;
	int err;

	err = kbtf_buf_dup(ids->data, ids->size, out);
	if (err)
		return err;
	for (i = 0; i < ids->nr_refs; i++)
		put32(out->data + ids->refs[i].offset, values[i], swap);
	for (i = 0; i < ids->nr_sets; i++) {
		const struct kbtf_btf_id_set *s = &ids->sets[i];
		uint32_t unit = s->set8 ? 8 : 4;

		put32(out->data + s->offset, s->cnt, swap);
		sort_set(out->data + s->offset + unit, s->cnt, unit, swap);
	}
	return 0;
}
