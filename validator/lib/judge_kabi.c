// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * kABI facts for RHEL-like kernels, which publish which exports they keep
 * stable across a major release (kernel-abi-stablelists:
 * lib/modules/kabi-rhelNN/kabi_stablelist_ARCH, a "[rhelNN_ARCH_stablelist]"
 * line, then one indented symbol per line). Not a load step: the loader
 * never reads the list. Two facts, for the vendor:
 *
 * - which of the module's imports are outside the stablelist: Red Hat may
 *   change them in a minor update, and the module then stops loading there;
 * - what weak-modules (kmod's RHEL helper, run when a kernel or a kmod
 *   package is installed) does with a module built for another kernel of
 *   the same major release: it links it into this kernel's weak-updates/
 *   when every symbol it imports is exported here with the CRC the module
 *   was built against, and leaves it out otherwise.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "judge.h"
#include "kbtf/buf.h"
#include "prepared.h"

#define KABI_LISTED 8 /* symbols spelled out in the fact */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The stablelist's symbols, sorted, pointing into @text (edited in place). */
static char **stablelist_parse(char *text, size_t len, size_t *n)
{
	char **v = NULL, **nv, *p = text, *end = text + len, *nl, *s, *e;
	size_t cap = 0;

	*n = 0;
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		*nl = '\0';
		for (s = p; *s == ' ' || *s == '\t'; s++)
			;
		for (e = nl; e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'); e--)
			;
		*e = '\0';
		if (*s && *s != '[' && *s != '#') {
			if (*n == cap) {
				cap = cap ? cap * 2 : 1024;
				nv = realloc(v, cap * sizeof(*v));
				if (!nv) {
					free(v);
					return NULL;
				}
				v = nv;
			}
			v[(*n)++] = s;
		}
		p = nl + 1;
	}
	if (*n)
		qsort(v, *n, sizeof(*v), cmp_str);
	return v;
}

static bool listed(char **v, size_t n, const char *name)
{
	return n && bsearch(&name, v, n, sizeof(*v), cmp_str);
}

/* "6.12.0-55.el10.x86_64" -> major 6, minor 12; false when not a version. */
static bool major_minor(const char *rel, int *maj, int *min)
{
	return rel && sscanf(rel, "%d.%d", maj, min) == 2;
}

/* weak-modules' answer for a module built for another kernel, into @out. */
static void weak_modules(const struct kbtf_pair *p, char *out, size_t len)
{
	const struct kbtf_modsyms *ms = &p->m->syms;
	const struct kbtf_export *e;
	size_t i, checked = 0;
	int bmaj, bmin, kmaj, kmin;

	out[0] = '\0';
	if (!p->m->release || !p->k->k->release || !strcmp(p->m->release, p->k->k->release))
		return; /* built for this kernel: nothing for weak-modules to do */
	if (!major_minor(p->m->release, &bmaj, &bmin) ||
	    !major_minor(p->k->k->release, &kmaj, &kmin) || bmaj != kmaj || bmin != kmin ||
	    strverscmp(p->k->k->release, p->m->release) < 0)
		return; /* only newer kernels of the module's major release */
	if (!p->k->symvers || !ms->has_versions) {
		snprintf(out, len, "weak-modules: cannot tell (%s)",
			 !p->k->symvers ? "no Module.symvers for this kernel"
					: "the module has no __versions");
		return;
	}
	for (i = 0; i < ms->nr_undef; i++) {
		const struct kbtf_modsym *u = &ms->undef[i];

		if (!u->has_crc)
			continue;
		e = kbtf_symvers_find(p->k->symvers, u->name);
		if (!e) {
			snprintf(out, len,
				 "weak-modules: would not link it into weak-updates/ (%s is not "
				 "exported by %s)",
				 u->name, p->k->k->release);
			return;
		}
		if (e->crc != u->crc) {
			snprintf(out, len,
				 "weak-modules: would not link it into weak-updates/ (CRC of %s: "
				 "0x%08x here, module built against 0x%08x)",
				 u->name, e->crc, u->crc);
			return;
		}
		checked++;
	}
	snprintf(out, len,
		 "weak-modules: would link it from %s into weak-updates/ (all %zu CRCs equal)",
		 p->m->release, checked);
}

char *kbtf_judge_kabi(const struct kbtf_pair *p)
{
	const struct kbtf_modsyms *ms = &p->m->syms;
	const char *path = p->k->k->kabi_path, *leaf;
	struct kbtf_buf b;
	char **list, *text, *out = NULL, names[512] = "", weak[384];
	size_t n, i, outside = 0, imports = 0, used = 0;

	if (!path || kbtf_buf_from_file(path, &b))
		return NULL;
	text = malloc(b.size + 1);
	if (!text) {
		kbtf_buf_release(&b);
		return NULL;
	}
	memcpy(text, b.data, b.size);
	text[b.size] = '\0';
	list = stablelist_parse(text, b.size, &n);
	kbtf_buf_release(&b);
	for (i = 0; list && i < ms->nr_undef; i++) {
		const char *name = ms->undef[i].name;

		/* module_layout is the loader's own check, never an export */
		if (!strcmp(name, "module_layout"))
			continue;
		imports++;
		if (listed(list, n, name))
			continue;
		if (outside++ < KABI_LISTED && used + strlen(name) + 3 < sizeof(names))
			used += (size_t)snprintf(names + used, sizeof(names) - used, "%s%s",
						 used ? ", " : "", name);
	}
	weak_modules(p, weak, sizeof(weak));
	leaf = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	if (list && outside)
		n = (size_t)asprintf(&out,
				     "kABI: %zu of %zu imports outside the stablelist (%s), "
				     "free to change in a minor update: %s%s%s%s",
				     outside, imports, leaf, names,
				     outside > KABI_LISTED ? ", ..." : "", weak[0] ? "; " : "",
				     weak);
	else if (list)
		n = (size_t)asprintf(&out, "kABI: all %zu imports in the stablelist (%s)%s%s",
				     imports, leaf, weak[0] ? "; " : "", weak);
	if (list && n == (size_t)-1)
		out = NULL;
	free(list);
	free(text);
	return out;
}
