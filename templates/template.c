// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Template instantiation (copy a tree with @KEY@ / __KEY__ replaced) and
 * the lookup of kbtf's data directory, for "kbtf new".
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kbtf/buf.h"
#include "kbtf/err.h"
#include "template.h"

#ifndef KBTF_DATADIR
#define KBTF_DATADIR "/usr/local/share/kbtf"
#endif

/* Copy @len bytes of @s into @out at *@o, growing it; false on ENOMEM. */
static bool put(char **out, size_t *cap, size_t *o, const char *s, size_t len)
{
	char *p;

	if (*o + len + 1 > *cap) {
		size_t ncap = (*o + len + 1) * 2;

		p = realloc(*out, ncap);
		if (!p)
			return false;
		*out = p;
		*cap = ncap;
	}
	memcpy(*out + *o, s, len);
	*o += len;
	(*out)[*o] = '\0';
	return true;
}

/* The var whose key is exactly text[0..n), or NULL. */
static const struct kbtf_template_var *lookup(const char *key, size_t n,
					      const struct kbtf_template_var *vars, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		if (strlen(vars[i].key) == n && !memcmp(vars[i].key, key, n))
			return &vars[i];
	}
	return NULL;
}

/* Shared by contents (@KEY@, delim "@") and names (__KEY__, delim "__"). */
static char *subst(const char *text, size_t len, const char *delim,
		   const struct kbtf_template_var *vars, size_t nr, size_t *out_len)
{
	size_t dl = strlen(delim), cap = len + 1, o = 0, i = 0;
	char *out = malloc(cap);

	if (!out)
		return NULL;
	out[0] = '\0';
	while (i < len) {
		const struct kbtf_template_var *v = NULL;
		size_t k = 0;

		if (i + dl <= len && !memcmp(text + i, delim, dl)) {
			/* a key: capitals, digits and '_' up to the closing delimiter */
			for (k = i + dl; k < len && (isupper((unsigned char)text[k]) ||
						     isdigit((unsigned char)text[k]) ||
						     (text[k] == '_' && dl == 1));
			     k++)
				;
			if (k > i + dl && k + dl <= len && !memcmp(text + k, delim, dl))
				v = lookup(text + i + dl, k - i - dl, vars, nr);
		}
		if (v) {
			if (!put(&out, &cap, &o, v->value, strlen(v->value)))
				goto nomem;
			i = k + dl;
		} else {
			if (!put(&out, &cap, &o, text + i, 1))
				goto nomem;
			i++;
		}
	}
	if (out_len)
		*out_len = o;
	return out;
nomem:
	free(out);
	return NULL;
}

char *kbtf_template_subst(const char *text, size_t len, const struct kbtf_template_var *vars,
			  size_t nr, size_t *out_len)
{
	return subst(text, len, "@", vars, nr, out_len);
}

static int copy_file(const char *from, const char *to, mode_t mode,
		     const struct kbtf_template_var *vars, size_t nr)
{
	struct kbtf_buf in = {0};
	char *text = NULL;
	size_t len;
	int err;

	err = kbtf_buf_from_file(from, &in);
	if (err)
		return err;
	if (in.size && memchr(in.data, '\0', in.size)) {
		err = kbtf_write_file_atomic(to, in.data, in.size, mode & 0777);
		goto out;
	}
	text = kbtf_template_subst((const char *)in.data, in.size, vars, nr, &len);
	if (!text) {
		err = kbtf_err_nomem();
		goto out;
	}
	err = kbtf_write_file_atomic(to, text, len, mode & 0777);
out:
	free(text);
	kbtf_buf_release(&in);
	return err;
}

struct copy_job {
	const struct kbtf_template_var *vars;
	size_t nr;
	kbtf_template_file_fn fn;
	void *ctx;
	size_t root_len; /* length of the destination root, for relative names */
};

static int copy_tree(struct copy_job *j, const char *src, const char *dest, int depth)
{
	char from[PATH_MAX], to[PATH_MAX];
	struct dirent *de;
	struct stat st;
	char *name;
	int err = 0;
	DIR *d;

	if (depth > 32)
		return kbtf_err(-ELOOP, "%s: too deep", src);
	if (mkdir(dest, 0755) && errno != EEXIST)
		return kbtf_err(-errno, "%s: %s", dest, strerror(errno));
	d = opendir(src);
	if (!d)
		return kbtf_err(-errno, "%s: %s", src, strerror(errno));
	while (!err && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		name = subst(de->d_name, strlen(de->d_name), "__", j->vars, j->nr, NULL);
		if (!name) {
			err = kbtf_err_nomem();
			break;
		}
		if ((size_t)snprintf(from, sizeof(from), "%s/%s", src, de->d_name) >=
			sizeof(from) ||
		    (size_t)snprintf(to, sizeof(to), "%s/%s", dest, name) >= sizeof(to))
			err = kbtf_err(-ENAMETOOLONG, "%s/%s: path too long", src, de->d_name);
		free(name);
		if (err)
			break;
		if (stat(from, &st)) {
			err = kbtf_err(-errno, "%s: %s", from, strerror(errno));
		} else if (S_ISDIR(st.st_mode)) {
			err = copy_tree(j, from, to, depth + 1);
		} else if (S_ISREG(st.st_mode)) {
			err = copy_file(from, to, st.st_mode, j->vars, j->nr);
			if (err)
				kbtf_err_prefix(err, "%s", to);
			else if (j->fn)
				j->fn(j->ctx, to + j->root_len + 1);
		}
	}
	closedir(d);
	return err;
}

static bool dir_is_empty(const char *path)
{
	struct dirent *de;
	bool empty = true;
	DIR *d = opendir(path);

	if (!d)
		return false;
	while (empty && (de = readdir(d)))
		empty = !strcmp(de->d_name, ".") || !strcmp(de->d_name, "..");
	closedir(d);
	return empty;
}

int kbtf_template_copy(const char *src, const char *dest, const struct kbtf_template_var *vars,
		       size_t nr, kbtf_template_file_fn fn, void *ctx)
{
	struct copy_job j = {vars, nr, fn, ctx, strlen(dest)};
	struct stat st;

	if (stat(src, &st) || !S_ISDIR(st.st_mode))
		return kbtf_err(-ENOENT, "template %s: not a directory", src);
	if (!stat(dest, &st) && (!S_ISDIR(st.st_mode) || !dir_is_empty(dest)))
		return kbtf_err(-EEXIST, "%s already exists and is not an empty directory", dest);
	return copy_tree(&j, src, dest, 0);
}

static bool is_present(const char *path)
{
	return access(path, F_OK) == 0;
}

static void tried_add(char *tried, size_t len, const char *what)
{
	size_t used = strlen(tried);

	if (used + strlen(what) + 3 < len)
		snprintf(tried + used, len - used, "%s%s", used ? ", " : "", what);
}

/* Try dir/rel; true with the path in @buf. */
static bool try_data(const char *dir, const char *rel, char *buf, size_t len, char *tried,
		     size_t tlen)
{
	char real[PATH_MAX];

	if ((size_t)snprintf(buf, len, "%s/%s", dir, rel) >= len)
		return false;
	if (is_present(buf)) {
		/* "bin/../share/kbtf/x" reads better as what it is */
		if (realpath(buf, real) && strlen(real) < len)
			strcpy(buf, real);
		return true;
	}
	tried_add(tried, tlen, buf);
	return false;
}

int kbtf_data_path(const char *rel, char *buf, size_t len)
{
	char exe[PATH_MAX], dir[PATH_MAX + 32], tried[2048] = "";
	const char *env = getenv("KBTF_DATA_DIR");
	ssize_t n;
	char *slash;

	if (env && *env && try_data(env, rel, buf, len, tried, sizeof(tried)))
		return 0;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			/* build/kbtf in a source tree, or PREFIX/bin/kbtf */
			snprintf(dir, sizeof(dir), "%s/..", exe);
			if (try_data(dir, rel, buf, len, tried, sizeof(tried)))
				return 0;
			snprintf(dir, sizeof(dir), "%s/../share/kbtf", exe);
			if (try_data(dir, rel, buf, len, tried, sizeof(tried)))
				return 0;
		}
	}
	if (try_data(KBTF_DATADIR, rel, buf, len, tried, sizeof(tried)))
		return 0;
	return kbtf_err(-ENOENT, "kbtf's %s not found (tried %s); set KBTF_DATA_DIR", rel, tried);
}

int kbtf_module_name_check(const char *name)
{
	size_t i, n = strlen(name);

	if (!n)
		return kbtf_err(-EINVAL, "empty module name");
	if (n > 55)
		return kbtf_err(-EINVAL,
				"'%s' is longer than the 55 characters a module name "
				"may have",
				name);
	if (!isalpha((unsigned char)name[0]))
		return kbtf_err(-EINVAL, "'%s' does not start with a letter", name);
	for (i = 0; i < n; i++) {
		if (!isalnum((unsigned char)name[i]) && name[i] != '_')
			return kbtf_err(-EINVAL,
					"'%s': '%c' cannot be in a module name that is also a C "
					"identifier (use '_')",
					name, name[i]);
	}
	return 0;
}
