// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A kernel's own modules directory (lib/modules/<release> of its package
 * or installed system), as boot-test needs it: find the modules a test
 * module depends on (and theirs, dependencies first), and read the
 * vermagic the kernel's own modules carry, which is the string the kernel
 * checks a module's vermagic against.
 *
 * Debian packages ship no modules.dep (depmod writes it at install time),
 * so dependencies come from each module's own modinfo "depends=".
 */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "boottest.h"
#include "kbtf/err.h"
#include "util.h"

/* Longer chains than this are a loop in someone's modinfo. */
#define MAX_DEP_DEPTH 32

struct moddir_ent {
	char *name; /* '-' folded to '_', as the kernel names modules */
	char *path;
};

struct kbtf_bt_moddir {
	char *dir;
	struct moddir_ent *ents;
	size_t nr, cap;
	char **builtin; /* sorted names from modules.builtin */
	size_t nr_builtin;
	char *vermagic;
	bool vermagic_read;
};

static char *dir_if(const char *a, const char *b, const char *c)
{
	char *p;

	if (asprintf(&p, "%s%s%s", a, b, c) < 0)
		return NULL;
	if (kbtf_is_dir(p))
		return p;
	free(p);
	return NULL;
}

/* Cut the last component off absolute path @p in place; return it ("/a/b" -> "/a", "b"). */
static const char *cut_last(char *p)
{
	char *slash = strrchr(p, '/');

	if (!slash)
		return "";
	*slash = '\0';
	return slash + 1;
}

char *kbtf_bt_moddir_find(const char *image, const char *release)
{
	char *dir = realpath(image, NULL), *found = NULL;

	if (!dir || !release)
		goto out;
	cut_last(dir);
	/* sid/7.x layout: usr/lib/modules/<release>/vmlinuz */
	found = dir_if(dir, "/", "kernel");
	if (found) {
		free(found);
		found = strdup(dir);
		goto out;
	}
	/* <root>/boot/vmlinuz-<release> with <root>/lib/modules/<release> */
	if (strcmp(cut_last(dir), "boot"))
		goto out;
	found = dir_if(dir, "/lib/modules/", release);
	if (!found)
		found = dir_if(dir, "/usr/lib/modules/", release);
out:
	free(dir);
	return found;
}

/* "foo-bar.ko.xz" -> "foo_bar"; NULL if not a module file name. */
static char *module_name_of(const char *file)
{
	const char *base = strrchr(file, '/');
	const char *ko;
	char *name, *p;

	base = base ? base + 1 : file;
	ko = strstr(base, ".ko");
	if (!ko || ko == base || (ko[3] && ko[3] != '.'))
		return NULL;
	name = strndup(base, ko - base);
	for (p = name; p && *p; p++) {
		if (*p == '-')
			*p = '_';
	}
	return name;
}

static int ent_cmp(const void *a, const void *b)
{
	return strcmp(((const struct moddir_ent *)a)->name, ((const struct moddir_ent *)b)->name);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* nftw has no context argument: the directory being indexed. */
static _Thread_local struct kbtf_bt_moddir *walking;

static int index_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	struct kbtf_bt_moddir *md = walking;
	char *name;

	if (type != FTW_F)
		return 0;
	name = module_name_of(path);
	if (!name)
		return 0;
	if (md->nr == md->cap) {
		size_t cap = md->cap ? md->cap * 2 : 1024;
		struct moddir_ent *e = realloc(md->ents, cap * sizeof(*e));

		if (!e) {
			free(name);
			return -ENOMEM;
		}
		md->ents = e;
		md->cap = cap;
	}
	md->ents[md->nr].name = name;
	md->ents[md->nr].path = strdup(path);
	if (!md->ents[md->nr].path) {
		free(name);
		return -ENOMEM;
	}
	md->nr++;
	return 0;
}

static int read_builtin(struct kbtf_bt_moddir *md)
{
	char *path, *line = NULL;
	size_t cap = 0;
	FILE *f;
	int err = 0;

	if (asprintf(&path, "%s/modules.builtin", md->dir) < 0)
		return -ENOMEM;
	f = fopen(path, "re");
	free(path);
	if (!f)
		return 0;
	while (getline(&line, &cap, f) > 0) {
		char *name = module_name_of(strtok(line, "\n"));
		char **b;

		if (!name)
			continue;
		b = realloc(md->builtin, (md->nr_builtin + 1) * sizeof(*b));
		if (!b) {
			free(name);
			err = -ENOMEM;
			break;
		}
		md->builtin = b;
		b[md->nr_builtin++] = name;
	}
	free(line);
	fclose(f);
	qsort(md->builtin, md->nr_builtin, sizeof(char *), str_cmp);
	return err;
}

int kbtf_bt_moddir_open(const char *dir, struct kbtf_bt_moddir **out)
{
	struct kbtf_bt_moddir *md = calloc(1, sizeof(*md));
	int err;

	if (!md || !(md->dir = strdup(dir))) {
		free(md);
		return kbtf_err(-ENOMEM, "%s: out of memory", dir);
	}
	walking = md;
	err = nftw(dir, index_one, 16, FTW_PHYS);
	walking = NULL;
	if (err < 0 && err != -ENOMEM)
		err = -errno;
	if (!err)
		err = read_builtin(md);
	if (err) {
		kbtf_bt_moddir_free(md);
		return kbtf_err(err, "%s: cannot index modules: %s", dir, strerror(-err));
	}
	qsort(md->ents, md->nr, sizeof(*md->ents), ent_cmp);
	*out = md;
	return 0;
}

void kbtf_bt_moddir_free(struct kbtf_bt_moddir *md)
{
	size_t i;

	if (!md)
		return;
	for (i = 0; i < md->nr; i++) {
		free(md->ents[i].name);
		free(md->ents[i].path);
	}
	for (i = 0; i < md->nr_builtin; i++)
		free(md->builtin[i]);
	free(md->builtin);
	free(md->ents);
	free(md->vermagic);
	free(md->dir);
	free(md);
}

static const char *moddir_path(const struct kbtf_bt_moddir *md, const char *name)
{
	struct moddir_ent key = {.name = (char *)name}, *e;

	e = bsearch(&key, md->ents, md->nr, sizeof(*md->ents), ent_cmp);
	return e ? e->path : NULL;
}

static bool moddir_builtin(const struct kbtf_bt_moddir *md, const char *name)
{
	return bsearch(&name, md->builtin, md->nr_builtin, sizeof(char *), str_cmp) != NULL;
}

static bool listed(const struct kbtf_bt_load *loads, size_t nr, const char *name)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		if (!strcmp(loads[i].name, name))
			return true;
	}
	return false;
}

static int add_dep(struct kbtf_bt_moddir *md, const char *name, int depth,
		   struct kbtf_bt_load **loads, size_t *nr);

static int add_deps_of(struct kbtf_bt_moddir *md, const char *depends, int depth,
		       struct kbtf_bt_load **loads, size_t *nr)
{
	char *list, *save = NULL, *tok;
	int err = 0;

	if (!depends || !*depends)
		return 0;
	if (depth > MAX_DEP_DEPTH)
		return kbtf_err(-ELOOP, "module dependencies loop (at '%s')", depends);
	list = strdup(depends);
	if (!list)
		return -ENOMEM;
	for (tok = strtok_r(list, ",", &save); tok && !err; tok = strtok_r(NULL, ",", &save)) {
		char *p;

		for (p = tok; *p; p++) {
			if (*p == '-')
				*p = '_';
		}
		if (*tok)
			err = add_dep(md, tok, depth, loads, nr);
	}
	free(list);
	return err;
}

/*
 * The "pre:" names of modinfo softdep= ("pre: a b post: c"), space
 * separated, from the first softdep= record that has any (MODULE_SOFTDEP
 * may be given more than once, one record each).
 */
static char *softdep_pre(const struct kbtf_module *m)
{
	const char *soft, *pre = NULL, *post;
	size_t pos = 0;

	while (!pre && (soft = kbtf_module_modinfo_next(m, "softdep", &pos)))
		pre = strstr(soft, "pre:");
	if (!pre)
		return NULL;
	pre += 4;
	post = strstr(pre, "post:");
	return strndup(pre, post ? (size_t)(post - pre) : strlen(pre));
}

/*
 * Hard dependencies plus the softdep "pre:" modules this directory has,
 * as one "a,b,c" list. Softdeps often name an alias ("crc32c"); the
 * crypto ones resolve to NAME_generic, the rest are left to chance.
 */
static char *needs_of(const struct kbtf_bt_moddir *md, const struct kbtf_module *m)
{
	char *soft = softdep_pre(m), *tok, *save = NULL, *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (!f) {
		free(soft);
		return NULL;
	}
	fputs(m->depends ? m->depends : "", f);
	for (tok = soft ? strtok_r(soft, " \t", &save) : NULL; tok;
	     tok = strtok_r(NULL, " \t", &save)) {
		char name[128];

		snprintf(name, sizeof(name), "%s", tok);
		if (!moddir_path(md, name))
			snprintf(name, sizeof(name), "%s_generic", tok);
		if (moddir_path(md, name))
			fprintf(f, "%s%s", len || ftell(f) ? "," : "", name);
	}
	free(soft);
	if (fclose(f)) {
		free(out);
		return NULL;
	}
	return out;
}

static int add_dep(struct kbtf_bt_moddir *md, const char *name, int depth,
		   struct kbtf_bt_load **loads, size_t *nr)
{
	struct kbtf_module *m = NULL;
	struct kbtf_bt_load *grown;
	const char *path;
	char *needs = NULL;
	int err;

	if (listed(*loads, *nr, name) || moddir_builtin(md, name))
		return 0;
	path = moddir_path(md, name);
	if (!path)
		return kbtf_err(-ENOENT, "dependency '%s' is not in %s", name, md->dir);
	err = kbtf_module_open(path, &m);
	if (err)
		return kbtf_err_prefix(err, "%s", path);
	needs = needs_of(md, m);
	if (!needs) {
		err = kbtf_err_nomem();
		goto out;
	}
	err = add_deps_of(md, needs, depth + 1, loads, nr);
	if (err)
		goto out;
	grown = realloc(*loads, (*nr + 1) * sizeof(**loads));
	if (!grown) {
		err = kbtf_err_nomem();
		goto out;
	}
	*loads = grown;
	err = kbtf_bt_load_from_module(m, name, true, false, &grown[*nr]);
	if (!err) {
		free(grown[*nr].needs);
		grown[*nr].needs = needs;
		needs = NULL;
		(*nr)++;
	}
out:
	free(needs);
	kbtf_module_free(m);
	return err;
}

static const struct kbtf_bt_load *find_load(const struct kbtf_bt_load *loads, size_t nr,
					    const char *name)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		if (!strcmp(loads[i].name, name))
			return &loads[i];
	}
	return NULL;
}

static const char *failed_need(const struct kbtf_bt_load *loads, size_t nr, const char *needs,
			       const struct kbtf_bt_boot *boot, int depth)
{
	static _Thread_local char name[64];
	const char *p = needs, *bad;

	while (p && *p && depth <= MAX_DEP_DEPTH) {
		size_t n = strcspn(p, ",");
		const struct kbtf_bt_load *l;
		const struct kbtf_bt_obs *o;
		size_t i;

		snprintf(name, sizeof(name), "%.*s", (int)n, p);
		for (i = 0; name[i]; i++)
			name[i] = name[i] == '-' ? '_' : name[i];
		p += n + (p[n] == ',');
		l = find_load(loads, nr, name);
		if (!l)
			continue; /* built in, or a test module loaded in its own turn */
		o = kbtf_bt_boot_find(boot, name);
		if (!o || !o->result || o->rc)
			return name;
		bad = failed_need(loads, nr, l->needs, boot, depth + 1);
		if (bad)
			return bad;
	}
	return NULL;
}

const char *kbtf_bt_failed_need(const struct kbtf_bt_load *loads, size_t nr, const char *needs,
				const struct kbtf_bt_boot *boot)
{
	return failed_need(loads, nr, needs, boot, 0);
}

int kbtf_bt_moddir_add_deps(struct kbtf_bt_moddir *md, const char *depends,
			    struct kbtf_bt_load **loads, size_t *nr)
{
	return add_deps_of(md, depends, 0, loads, nr);
}

const char *kbtf_bt_moddir_vermagic(struct kbtf_bt_moddir *md)
{
	size_t i;

	if (md->vermagic_read)
		return md->vermagic ? md->vermagic : "";
	md->vermagic_read = true;
	/* Any of the kernel's own modules will do; try a few in case one is odd. */
	for (i = 0; i < md->nr && i < 8 && !md->vermagic; i++) {
		struct kbtf_module *m = NULL;

		if (kbtf_module_open(md->ents[i].path, &m))
			continue;
		if (m->vermagic && *m->vermagic)
			md->vermagic = strdup(m->vermagic);
		kbtf_module_free(m);
	}
	return md->vermagic ? md->vermagic : "";
}
