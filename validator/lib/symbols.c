// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Module.symvers parsing and the loader's symbol checks (see
 * symbols.h): resolution, GPL-only visibility, namespace imports and
 * modversions CRCs, in the order the module loader applies them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "kbtf/err.h"
#include "kbtf/source.h"
#include "symbols.h"

/* ------------------------------------------------------- Module.symvers */

struct kbtf_symvers {
	char *name;
	struct kbtf_export *ents;
	size_t nr, cap;
	uint32_t *slots; /* open addressing: entry index + 1 */
	size_t slot_mask;
	char **blocks; /* string storage */
	size_t nr_blocks, cap_blocks;
	bool has_crcs;
};

int kbtf_symvers_new(struct kbtf_symvers **out)
{
	struct kbtf_symvers *sv = calloc(1, sizeof(*sv));

	*out = NULL;
	if (!sv)
		return kbtf_err_nomem();
	sv->name = strdup("exports");
	if (!sv->name) {
		free(sv);
		return kbtf_err_nomem();
	}
	*out = sv;
	return 0;
}

/* The slots for @want entries (at least those there are): -ENOMEM or 0. */
static int rehash_for(struct kbtf_symvers *sv, size_t want)
{
	size_t n = 64, i;
	uint32_t *slots;

	if (want < sv->nr)
		want = sv->nr;
	while (n < want * 2 + 2)
		n <<= 1;
	slots = calloc(n, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	for (i = 0; i < sv->nr; i++) {
		size_t s = kbtf_hash_str(sv->ents[i].name) & (n - 1);

		while (slots[s])
			s = (s + 1) & (n - 1);
		slots[s] = (uint32_t)i + 1;
	}
	free(sv->slots);
	sv->slots = slots;
	sv->slot_mask = n - 1;
	return 0;
}

static int rehash(struct kbtf_symvers *sv)
{
	return rehash_for(sv, sv->nr);
}

int kbtf_symvers_new_named(const char *name, size_t n, struct kbtf_symvers **out)
{
	int err = kbtf_symvers_new(out);
	struct kbtf_symvers *sv = *out;
	char *copy;

	if (err)
		return err;
	copy = strdup(name);
	sv->ents = n ? malloc(sizeof(*sv->ents) * n) : NULL;
	sv->cap = sv->ents ? n : 0;
	if (!copy || (n && !sv->ents) || rehash_for(sv, n)) {
		free(copy);
		kbtf_symvers_free(sv);
		*out = NULL;
		return kbtf_err_nomem();
	}
	free(sv->name);
	sv->name = copy;
	return 0;
}

/* Room for one more block: false when out of memory. */
static bool block_room(struct kbtf_symvers *sv)
{
	size_t cap = sv->cap_blocks ? 2 * sv->cap_blocks : 16;
	char **blocks;

	if (sv->nr_blocks < sv->cap_blocks)
		return true;
	blocks = realloc(sv->blocks, sizeof(*blocks) * cap);
	if (!blocks)
		return false;
	sv->blocks = blocks;
	sv->cap_blocks = cap;
	return true;
}

static char *keep(struct kbtf_symvers *sv, const char *s, size_t len)
{
	char *copy;

	if (!block_room(sv))
		return NULL;
	copy = strndup(s, len);
	if (copy)
		sv->blocks[sv->nr_blocks++] = copy;
	return copy;
}

/* Insert with strings already owned by @sv. A later duplicate replaces. */
static int insert(struct kbtf_symvers *sv, const struct kbtf_export *e)
{
	size_t s;

	if (sv->nr == sv->cap) {
		size_t cap = sv->cap ? sv->cap * 2 : 64;
		struct kbtf_export *n = realloc(sv->ents, sizeof(*n) * cap);

		if (!n)
			return -ENOMEM;
		sv->ents = n;
		sv->cap = cap;
	}
	if ((sv->nr + 1) * 2 > sv->slot_mask && rehash(sv))
		return -ENOMEM;
	s = kbtf_hash_str(e->name) & sv->slot_mask;
	while (sv->slots[s]) {
		struct kbtf_export *old = &sv->ents[sv->slots[s] - 1];

		if (!strcmp(old->name, e->name)) {
			*old = *e;
			return 0;
		}
		s = (s + 1) & sv->slot_mask;
	}
	sv->ents[sv->nr] = *e;
	sv->slots[s] = (uint32_t)++sv->nr;
	if (e->crc)
		sv->has_crcs = true;
	return 0;
}

int kbtf_symvers_add(struct kbtf_symvers *sv, const char *name, uint32_t crc, const char *module,
		     const char *type, const char *ns)
{
	struct kbtf_export e = {.crc = crc};
	size_t blen = strlen(name) + strlen(module) + strlen(type) + strlen(ns) + 4;
	char *block = malloc(blen);

	if (!block)
		return kbtf_err_nomem();
	if (!block_room(sv)) {
		free(block);
		return kbtf_err_nomem();
	}
	sv->blocks[sv->nr_blocks++] = block;
	e.name = block;
	block = stpcpy(block, name) + 1;
	e.module = block;
	block = stpcpy(block, module) + 1;
	e.type = block;
	block = stpcpy(block, type) + 1;
	e.ns = block;
	strcpy(block, ns);
	e.gpl_only = strstr(e.type, "_GPL") != NULL;
	return insert(sv, &e) ? kbtf_err_nomem() : 0;
}

/* Split one line into at most 6 tab-separated fields (in place). */
static int split_fields(char *line, char **f, int max)
{
	int n = 0;

	f[n++] = line;
	for (; *line; line++) {
		if (*line != '\t')
			continue;
		*line = '\0';
		if (n == max)
			return max + 1;
		f[n++] = line + 1;
	}
	return n;
}

static int parse_line(struct kbtf_symvers *sv, char *line, size_t lineno)
{
	struct kbtf_export e = {0};
	char *f[6], *end;
	int n = split_fields(line, f, 5);
	unsigned long crc;

	if (n < 4 || n > 5)
		return kbtf_err(-EINVAL, "%s:%zu: expected 4 or 5 tab-separated fields", sv->name,
				lineno);
	crc = strtoul(f[0], &end, 16);
	if (end == f[0] || *end || crc > UINT32_MAX || !*f[1])
		return kbtf_err(-EINVAL, "%s:%zu: bad CRC or symbol", sv->name, lineno);
	e.crc = (uint32_t)crc;
	e.name = f[1];
	e.ns = "";
	if (n == 4) {
		e.module = f[2];
		e.type = f[3];
	} else if (!strncmp(f[3], "EXPORT_", 7)) {
		e.module = f[2]; /* >= 5.10: namespace last */
		e.type = f[3];
		e.ns = f[4];
	} else {
		e.ns = f[2]; /* 5.4 .. 5.9: namespace third */
		e.module = f[3];
		e.type = f[4];
	}
	e.gpl_only = strstr(e.type, "_GPL") != NULL;
	return insert(sv, &e) ? kbtf_err_nomem() : 0;
}

/* The symbol field of a line (the second), without copying: 0 if malformed. */
static size_t symbol_span(const char *line, size_t len, const char **sym)
{
	const char *t1 = memchr(line, '\t', len), *t2;

	if (!t1)
		return 0;
	*sym = t1 + 1;
	t2 = memchr(*sym, '\t', len - (size_t)(*sym - line));
	return t2 ? (size_t)(t2 - *sym) : 0;
}

static bool wanted_span(const struct kbtf_symvers *wanted, const char *sym, size_t n)
{
	char buf[256];

	if (n >= sizeof(buf))
		return true; /* too long to look up here: keep it */
	memcpy(buf, sym, n);
	buf[n] = '\0';
	return kbtf_symvers_find(wanted, buf) != NULL;
}

/* Parse one line of @text: a private copy of it when filtering, in place otherwise. */
static int take_line(struct kbtf_symvers *sv, const struct kbtf_symvers *wanted, char *line,
		     size_t len, size_t lineno)
{
	const char *sym;
	size_t n;

	if (!wanted)
		return parse_line(sv, line, lineno);
	n = symbol_span(line, len, &sym);
	if (!n)
		return kbtf_err(-EINVAL, "%s:%zu: expected 4 or 5 tab-separated fields", sv->name,
				lineno);
	if (!wanted_span(wanted, sym, n))
		return 0;
	line = keep(sv, line, len);
	return line ? parse_line(sv, line, lineno) : kbtf_err_nomem();
}

int kbtf_symvers_parse_wanted(const char *text, size_t len, const char *name,
			      const struct kbtf_symvers *wanted, struct kbtf_symvers **out)
{
	const char *end = text + len, *line, *nl;
	struct kbtf_symvers *sv;
	size_t lineno = 0;
	char *copy = NULL;
	int err;

	err = kbtf_symvers_new(&sv);
	if (err)
		return err;
	free(sv->name);
	sv->name = strdup(name ? name : "Module.symvers");
	/* the whole text is kept only when every line is; else line by line */
	if (!wanted)
		copy = keep(sv, text, len);
	if (!sv->name || (!wanted && !copy)) {
		kbtf_symvers_free(sv);
		return kbtf_err_nomem();
	}
	if (copy) {
		text = copy;
		end = copy + len;
	}
	for (line = text; line < end; line = nl + 1) {
		nl = memchr(line, '\n', (size_t)(end - line));
		if (!nl)
			nl = end;
		lineno++;
		if (nl == line)
			continue;
		if (copy)
			copy[nl - text] = '\0';
		err = take_line(sv, wanted, (char *)line, (size_t)(nl - line), lineno);
		if (err) {
			kbtf_symvers_free(sv);
			return err;
		}
	}
	*out = sv;
	return 0;
}

int kbtf_symvers_parse(const char *text, size_t len, const char *name, struct kbtf_symvers **out)
{
	return kbtf_symvers_parse_wanted(text, len, name, NULL, out);
}

int kbtf_symvers_load_wanted(const char *path, const struct kbtf_symvers *wanted,
			     struct kbtf_symvers **out)
{
	struct kbtf_buf buf, plain;
	enum kbtf_compression c;
	int err = kbtf_buf_from_file(path, &buf);

	*out = NULL;
	if (err)
		return err;
	/* a stored profile keeps it zstd-compressed */
	c = kbtf_compression_detect(buf.data, buf.size);
	if (c != KBTF_COMP_NONE) {
		err = kbtf_decompress(c, buf.data, buf.size, KBTF_INPUT_MAX, &plain);
		kbtf_buf_release(&buf);
		if (err)
			return kbtf_err_prefix(err, "%s", path);
		buf = plain;
	}
	if (memchr(buf.data, '\0', buf.size))
		err = kbtf_err(-EINVAL, "%s: not a Module.symvers (binary data)", path);
	else
		err =
		    kbtf_symvers_parse_wanted((const char *)buf.data, buf.size, path, wanted, out);
	kbtf_buf_release(&buf);
	return err;
}

const struct kbtf_export *kbtf_symvers_find(const struct kbtf_symvers *sv, const char *name)
{
	size_t s;

	if (!sv || !sv->slots)
		return NULL;
	s = kbtf_hash_str(name) & sv->slot_mask;
	while (sv->slots[s]) {
		const struct kbtf_export *e = &sv->ents[sv->slots[s] - 1];

		if (!strcmp(e->name, name))
			return e;
		s = (s + 1) & sv->slot_mask;
	}
	return NULL;
}

const struct kbtf_export *kbtf_symvers_at(const struct kbtf_symvers *sv, size_t i)
{
	return sv && i < sv->nr ? &sv->ents[i] : NULL;
}

size_t kbtf_symvers_count(const struct kbtf_symvers *sv)
{
	return sv ? sv->nr : 0;
}

bool kbtf_symvers_has_crcs(const struct kbtf_symvers *sv)
{
	return sv && sv->has_crcs;
}

const char *kbtf_symvers_name(const struct kbtf_symvers *sv)
{
	return sv->name;
}

void kbtf_symvers_free(struct kbtf_symvers *sv)
{
	size_t i;

	if (!sv)
		return;
	for (i = 0; i < sv->nr_blocks; i++)
		free(sv->blocks[i]);
	free(sv->blocks);
	free(sv->ents);
	free(sv->slots);
	free(sv->name);
	free(sv);
}

/* ------------------------------------------------------- module facts */

bool kbtf_license_gpl_compatible(const char *l)
{
	static const char *const ok[] = {
	    "GPL",	    "GPL v2",	    "GPL and additional rights",
	    "Dual BSD/GPL", "Dual MIT/GPL", "Dual MPL/GPL",
	};
	size_t i;

	if (!l)
		return false;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (!strcmp(l, ok[i]))
			return true;
	return false;
}

static int push_str(char ***arr, size_t *nr, const char *s)
{
	char **n = realloc(*arr, sizeof(**arr) * (*nr + 1));

	if (!n)
		return -ENOMEM;
	*arr = n;
	n[*nr] = strdup(s);
	if (!n[*nr])
		return -ENOMEM;
	(*nr)++;
	return 0;
}

/*
 * The module's side, from what kbtf_module_open read: the loader's
 * license is the first license= record (get_modinfo()), even an empty
 * one; its namespace imports every import_ns= record (get_next_modinfo()).
 */
int kbtf_modsyms_from_module(const struct kbtf_module *m, struct kbtf_modsyms *out)
{
	const struct kbtf_modversion *layout = kbtf_module_version(m, "module_layout");
	const char *license = kbtf_module_modinfo(m, "license"), *ns;
	size_t i, pos = 0;
	int err = 0;

	memset(out, 0, sizeof(*out));
	out->name = m->name ? m->name : m->path;
	out->undef = m->undef;
	out->nr_undef = m->nr_undef;
	out->has_versions = m->has_versions;
	for (i = 0; i < m->nr_undef; i++)
		if (m->undef[i].has_crc)
			out->has_versions = true;
	if (layout) {
		out->layout_crc = layout->crc;
		out->has_layout_crc = true;
	}
	if (license && !(out->license = strdup(license)))
		err = -ENOMEM;
	while (!err && (ns = kbtf_module_modinfo_next(m, "import_ns", &pos)))
		err = push_str(&out->import_ns, &out->nr_import_ns, ns);
	for (i = 0; !err && i < m->nr_exports; i++)
		err = push_str(&out->exports, &out->nr_exports, m->exports[i]);
	if (err) {
		kbtf_modsyms_fini(out);
		return kbtf_err(err, "%s: out of memory reading .modinfo", m->path);
	}
	return 0;
}

static void free_strs(char **a, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(a[i]);
	free(a);
}

void kbtf_modsyms_fini(struct kbtf_modsyms *ms)
{
	free(ms->license);
	free_strs(ms->import_ns, ms->nr_import_ns);
	free_strs(ms->exports, ms->nr_exports);
	memset(ms, 0, sizeof(*ms));
}

/* ------------------------------------------------------- the check */

const char *kbtf_sym_issue_str(enum kbtf_sym_issue_kind k)
{
	switch (k) {
	case KBTF_SYM_UNRESOLVED:
		return "unresolved";
	case KBTF_SYM_CRC:
		return "crc-mismatch";
	case KBTF_SYM_GPL_ONLY:
		return "gpl-only";
	case KBTF_SYM_NAMESPACE:
		return "namespace-not-imported";
	}
	return "?";
}

static bool imports_ns(const struct kbtf_modsyms *ms, const char *ns)
{
	size_t i;

	for (i = 0; i < ms->nr_import_ns; i++)
		if (!strcmp(ms->import_ns[i], ns))
			return true;
	return false;
}

static bool exports_itself(const struct kbtf_modsyms *ms, const char *name)
{
	size_t i;

	for (i = 0; i < ms->nr_exports; i++)
		if (!strcmp(ms->exports[i], name))
			return true;
	return false;
}

static struct kbtf_sym_issue *add_issue(struct kbtf_sym_result *res, size_t *cap,
					enum kbtf_sym_issue_kind kind, const char *name)
{
	struct kbtf_sym_issue *is;

	if (res->nr_issues == *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;
		struct kbtf_sym_issue *n = realloc(res->issues, sizeof(*n) * ncap);

		if (!n)
			return NULL;
		res->issues = n;
		*cap = ncap;
	}
	is = &res->issues[res->nr_issues++];
	memset(is, 0, sizeof(*is));
	is->kind = kind;
	is->name = name;
	return is;
}

/*
 * The loader's lines for a CRC that differs, into @buf: most kernels of a
 * matrix disagree about a few, so they are made without printf where
 * they fit.
 */
static void crc_log(char *buf, size_t len, const char *mod, const char *sym)
{
	size_t lm = strlen(mod), ls = strlen(sym);
	char *p = buf;

	if (2 * (lm + ls) + 80 > len) { /* the text around them is 65 bytes */
		snprintf(
		    buf, len,
		    "%s: disagrees about version of symbol %s\n%s: Unknown symbol %s (err -22)",
		    mod, sym, mod, sym);
		return;
	}
	p = mempcpy(p, mod, lm);
	p = stpcpy(p, ": disagrees about version of symbol ");
	p = mempcpy(p, sym, ls);
	*p++ = '\n';
	p = mempcpy(p, mod, lm);
	p = stpcpy(p, ": Unknown symbol ");
	p = mempcpy(p, sym, ls);
	strcpy(p, " (err -22)");
}

/* One symbol, in the loader's order: find, version, namespace. */
static int check_one(const struct kbtf_modsyms *ms, const struct kbtf_symcheck_kernel *k,
		     const struct kbtf_modsym *u, struct kbtf_sym_result *res, size_t *cap)
{
	const struct kbtf_export *e = kbtf_symvers_find(k->exports, u->name);
	bool gpl = kbtf_license_gpl_compatible(ms->license);
	struct kbtf_sym_issue *is;

	if (!e && k->peers && (e = kbtf_symvers_find(k->peers, u->name)))
		res->nr_from_peers++;
	else if (e && strcmp(e->module, "vmlinux"))
		res->nr_from_modules++;
	if (!e && k->vmlinux_only) {
		res->nr_unchecked++;
		return 0;
	}
	if (!e || (e->gpl_only && !gpl)) {
		is = add_issue(res, cap, e ? KBTF_SYM_GPL_ONLY : KBTF_SYM_UNRESOLVED, u->name);
		if (!is)
			return -ENOMEM;
		is->exporter = e ? e->module : NULL;
		snprintf(is->kernel_log, sizeof(is->kernel_log), "%s: Unknown symbol %s (err -2)",
			 ms->name, u->name);
		return 0;
	}
	if (e->crc && k->modversions != 0 && u->has_crc && u->crc != e->crc) {
		is = add_issue(res, cap, KBTF_SYM_CRC, u->name);
		if (!is)
			return -ENOMEM;
		is->module_crc = u->crc;
		is->kernel_crc = e->crc;
		is->exporter = e->module;
		crc_log(is->kernel_log, sizeof(is->kernel_log), ms->name, u->name);
		return 0;
	}
	if (e->crc && k->modversions != 0 && ms->has_versions && !u->has_crc &&
	    !res->nr_no_version++) {
		res->no_version_first = u->name;
		res->no_version_at = res->nr_issues;
	}
	if (*e->ns && !imports_ns(ms, e->ns) && k->allow_missing_ns != 1) {
		is = add_issue(res, cap, KBTF_SYM_NAMESPACE, u->name);
		if (!is)
			return -ENOMEM;
		is->ns = e->ns;
		is->exporter = e->module;
		/* resolve_symbol() says why, simplify_symbols() then reports
		 * the symbol unknown with resolve_symbol()'s -EINVAL */
		snprintf(is->kernel_log, sizeof(is->kernel_log),
			 "%s: module uses symbol (%s) from namespace %s, but does not import "
			 "it.\n%s: Unknown symbol %s (err -22)",
			 ms->name, u->name, e->ns, ms->name, u->name);
	}
	return 0;
}

int kbtf_symbols_check(const struct kbtf_modsyms *ms, const struct kbtf_symcheck_kernel *k,
		       struct kbtf_sym_result *res)
{
	size_t i, cap = 0;
	int err;

	memset(res, 0, sizeof(*res));
	for (i = 0; i < ms->nr_undef; i++) {
		const struct kbtf_modsym *u = &ms->undef[i];

		if (exports_itself(ms, u->name))
			continue;
		res->nr_checked++;
		err = check_one(ms, k, u, res, &cap);
		if (err) {
			kbtf_sym_result_fini(res);
			return kbtf_err(err, "out of memory checking symbols");
		}
	}
	res->unversioned = !ms->has_versions && ms->nr_undef && k->modversions != 0 &&
			   kbtf_symvers_has_crcs(k->exports);
	return 0;
}

void kbtf_sym_result_fini(struct kbtf_sym_result *res)
{
	free(res->issues);
	memset(res, 0, sizeof(*res));
}
