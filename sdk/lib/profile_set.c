// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Kernel sets: turning "--kernels all", a name glob, "debian/SUITE:PKG"
 * or "@listfile" into stored profiles, in the order given, each profile
 * once. The same list files drive "kbtf kernels fetch" (what to fetch)
 * and "kbtf validate --kernels @file" (what to validate against).
 */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kbtf/err.h"
#include "listfile.h"
#include "profile.h"
#include "repo_distro.h"

#define SET_MAX_DEPTH 8

struct set_ctx {
	const struct kbtf_profile_info *const *all;
	size_t nr_all;
	const struct kbtf_profile_info **out;
	size_t nr_out;
	char *unmatched; /* "'x' (file:3), 'y'" */
	size_t nr_unmatched;
};

static int add_out(struct set_ctx *c, const struct kbtf_profile_info *p)
{
	const struct kbtf_profile_info **n;
	size_t i;

	for (i = 0; i < c->nr_out; i++) {
		if (c->out[i] == p)
			return 0;
	}
	n = realloc(c->out, (c->nr_out + 1) * sizeof(*n));
	if (!n)
		return kbtf_err_nomem();
	c->out = n;
	c->out[c->nr_out++] = p;
	return 0;
}

static int note_unmatched(struct set_ctx *c, const char *item, const char *where)
{
	size_t len = c->unmatched ? strlen(c->unmatched) : 0;
	size_t add = strlen(item) + (where ? strlen(where) : 0) + 16;
	char *n;

	c->nr_unmatched++;
	if (len > 600)
		return 0; /* enough to say what is wrong */
	n = realloc(c->unmatched, len + add);
	if (!n)
		return kbtf_err_nomem();
	c->unmatched = n;
	snprintf(n + len, add, "%s'%s'%s%s%s", len ? ", " : "", item, where ? " (" : "",
		 where ? where : "", where ? ")" : "");
	return 0;
}

int kbtf_debian_spec_parse(const char *spec, char *suite, size_t slen, char *rel, size_t rlen)
{
	static const char *const prefixes[] = {"linux-image-", "linux-binary-", "linux-headers-"};
	const char *colon = strchr(spec, ':'), *pat;
	size_t i, n;

	if (strncmp(spec, "debian", 6) || !colon || (spec[6] != ':' && spec[6] != '/'))
		return kbtf_err(-EINVAL, "'%s': expected debian[/SUITE]:PATTERN", spec);
	if (spec[6] == '/') {
		n = (size_t)(colon - spec - 7);
		if (!n || n >= slen)
			return kbtf_err(-EINVAL, "'%s': bad suite", spec);
		snprintf(suite, slen, "%.*s", (int)n, spec + 7);
	} else {
		snprintf(suite, slen, "bookworm");
	}
	pat = colon + 1;
	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		if (!strncmp(pat, prefixes[i], strlen(prefixes[i]))) {
			pat += strlen(prefixes[i]);
			break;
		}
	}
	if (!*pat)
		return kbtf_err(-EINVAL, "'%s': empty pattern", spec);
	if (snprintf(rel, rlen, "%s", pat) >= (int)rlen)
		return kbtf_err(-EINVAL, "'%s': pattern too long", spec);
	return 0;
}

static int match_debian(struct set_ctx *c, const char *item, bool *any)
{
	char suite[64], rel[256];
	const struct kbtf_profile_info *p;
	size_t i;
	int err;

	err = kbtf_debian_spec_parse(item, suite, sizeof(suite), rel, sizeof(rel));
	if (err)
		return err;
	for (i = 0; i < c->nr_all; i++) {
		p = c->all[i];
		/* a profile added by hand has no suite: its release decides */
		if (p->suite[0] && strcmp(p->suite, suite))
			continue;
		if (fnmatch(rel, p->release, 0))
			continue;
		*any = true;
		err = add_out(c, p);
		if (err)
			return err;
	}
	return 0;
}

/* "amd64"/"x86_64", "arm64"/"aarch64": one architecture, two spellings. */
static bool same_arch(const char *elf_machine, const char *arch)
{
	if (!strcmp(arch, "amd64"))
		arch = "x86_64";
	else if (!strcmp(arch, "arm64"))
		arch = "aarch64";
	return !strcmp(elf_machine, arch);
}

/*
 * DISTRO[/RELEASE][/ARCH]:PATTERN (repo_distro.h): the profiles "kbtf
 * kernels fetch" stored for it, told by their origin "DISTRO/RELEASE:...",
 * their name (the release the repository's package gives) matching PATTERN
 * and, when the item names one, their architecture.
 */
static int match_distro(struct set_ctx *c, const char *item, bool *any)
{
	struct kbtf_distro_spec sp;
	const struct kbtf_profile_info *p;
	const char *colon = strchr(item, ':'), *q;
	char prefix[96];
	int slashes = 0, err;
	size_t i, pl;

	err = kbtf_distro_spec_parse(item, NULL, &sp);
	if (err)
		return err;
	for (q = item; q < colon; q++)
		slashes += *q == '/';
	pl = (size_t)snprintf(prefix, sizeof(prefix), "%s/%s:", kbtf_distro_name(sp.d), sp.release);
	for (i = 0; i < c->nr_all; i++) {
		p = c->all[i];
		/* fetch names a profile by the release the repository gives it */
		if (strncmp(p->origin, prefix, pl) || fnmatch(sp.glob, p->name, 0))
			continue;
		if (slashes == 2 && !same_arch(p->arch, sp.arch))
			continue;
		*any = true;
		err = add_out(c, p);
		if (err)
			return err;
	}
	return 0;
}

static int resolve_list(struct set_ctx *c, const char *set, const char *where, const char *dir,
			int depth);

static int resolve_list_cb(void *ctx, const char *item, const char *where, const char *dir,
			   int depth)
{
	return resolve_list(ctx, item, where, dir, depth);
}

static int resolve_file(struct set_ctx *c, const char *file, const char *dir, int depth)
{
	return kbtf_list_file_walk(file, dir, depth, SET_MAX_DEPTH, resolve_list_cb, c);
}

static int resolve_item(struct set_ctx *c, const char *item, const char *where, const char *dir,
			int depth)
{
	bool any = false;
	size_t i;
	int err = 0;

	if (item[0] == '@')
		return resolve_file(c, item + 1, dir, depth);
	if (!strcmp(item, "all")) {
		any = c->nr_all > 0;
		for (i = 0; !err && i < c->nr_all; i++)
			err = add_out(c, c->all[i]);
	} else if ((!strncmp(item, "debian:", 7) || !strncmp(item, "debian/", 7)) &&
		   !strchr(strchr(item, '/') ? strchr(item, '/') + 1 : "", '/')) {
		err = match_debian(c, item, &any);
	} else if (strchr(item, ':')) {
		/* no profile name has a ':': a fetch spec of any distribution */
		err = match_distro(c, item, &any);
	} else {
		for (i = 0; !err && i < c->nr_all; i++) {
			if (fnmatch(item, c->all[i]->name, 0))
				continue;
			any = true;
			err = add_out(c, c->all[i]);
		}
	}
	if (err)
		return where ? kbtf_err_prefix(err, "%s", where) : err;
	return any ? 0 : note_unmatched(c, item, where);
}

static int resolve_list(struct set_ctx *c, const char *set, const char *where, const char *dir,
			int depth)
{
	char *copy = strdup(set), *item, *save = NULL, *e;
	int err = 0;

	if (!copy)
		return kbtf_err_nomem();
	for (item = strtok_r(copy, ",", &save); !err && item; item = strtok_r(NULL, ",", &save)) {
		item += strspn(item, " \t");
		e = item + strlen(item);
		while (e > item && isspace((unsigned char)e[-1]))
			*--e = '\0';
		if (*item)
			err = resolve_item(c, item, where, dir, depth);
	}
	free(copy);
	return err;
}

int kbtf_store_resolve(struct kbtf_store *s, const char *set, const struct kbtf_profile_info ***out,
		       size_t *n)
{
	struct set_ctx c = {0};
	int err;

	*out = NULL;
	*n = 0;
	if (!set || !*set)
		return kbtf_err(-EINVAL, "empty kernel set");
	err = kbtf_store_list(s, &c.all, &c.nr_all);
	if (err)
		return err;
	err = resolve_list(&c, set, NULL, NULL, 0);
	if (!err && c.nr_unmatched) {
		err = kbtf_err(-ENOENT,
			       "%zu item%s of the kernel set matched no stored profile: %s "
			       "(%zu stored in %s; see 'kbtf kernels list')",
			       c.nr_unmatched, c.nr_unmatched > 1 ? "s" : "",
			       c.unmatched ? c.unmatched : "", c.nr_all, kbtf_store_root(s));
	}
	if (!err && !c.nr_out)
		err = kbtf_err(-ENOENT, "the kernel set '%s' is empty", set);
	free(c.unmatched);
	if (err) {
		free(c.out);
		return err;
	}
	*out = c.out;
	*n = c.nr_out;
	return 0;
}

void kbtf_profile_paths_free(char **paths, size_t n)
{
	if (!paths)
		return;
	while (n)
		free(paths[--n]);
	free(paths);
}

int kbtf_profile_resolve_set(const char *set, char ***paths, size_t *n)
{
	const struct kbtf_profile_info **list = NULL;
	struct kbtf_store *s;
	char dir[PATH_MAX];
	size_t nr = 0, i;
	char **v = NULL;
	int err;

	*paths = NULL;
	*n = 0;
	err = kbtf_store_open(NULL, &s);
	if (err)
		return err;
	err = kbtf_store_resolve(s, set, &list, &nr);
	if (!err) {
		v = calloc(nr + 1, sizeof(*v));
		if (!v)
			err = kbtf_err_nomem();
	}
	for (i = 0; !err && i < nr; i++) {
		err = kbtf_store_profile_dir(s, list[i]->name, dir, sizeof(dir));
		if (!err && !(v[i] = strdup(dir)))
			err = kbtf_err_nomem();
	}
	free(list);
	kbtf_store_free(s);
	if (err) {
		kbtf_profile_paths_free(v, nr);
		return err;
	}
	*paths = v;
	*n = nr;
	return 0;
}
