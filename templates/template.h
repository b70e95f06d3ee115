/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Project templates: copy a directory tree, replacing @KEY@ in file
 * contents and __KEY__ in file names by the values given (what
 * "kbtf new" does with templates/module), and finding kbtf's data files
 * (templates, CI scripts) in a source tree or an installation.
 */
#ifndef KBTF_TEMPLATE_H
#define KBTF_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>

struct kbtf_template_var {
	const char *key; /* "NAME": @NAME@ in contents, __NAME__ in file names */
	const char *value;
};

/*
 * @text with every @KEY@ of @vars replaced; other '@' are kept. Heap
 * string, NULL on allocation failure.
 */
char *kbtf_template_subst(const char *text, size_t len, const struct kbtf_template_var *vars,
			  size_t nr, size_t *out_len);

/* Called for every file written (relative path inside the destination). */
typedef void (*kbtf_template_file_fn)(void *ctx, const char *rel);

/*
 * Copy the tree @src into @dest (created; its parents must exist; it
 * must not exist or be an empty directory). Regular files and
 * directories only (hidden ones included: .github, .gitlab-ci.yml);
 * execute bits are kept. Files holding a NUL byte are copied unchanged.
 * On failure what was written is left for the user to see, and the error
 * names the file.
 */
int kbtf_template_copy(const char *src, const char *dest, const struct kbtf_template_var *vars,
		       size_t nr, kbtf_template_file_fn fn, void *ctx);

/*
 * Find kbtf's data file or directory @rel ("templates/module",
 * "ci/matrix"), in order: $KBTF_DATA_DIR/@rel; beside the running kbtf
 * as in its source tree (<bin>/../@rel) or an installation
 * (<bin>/../share/kbtf/@rel); the compiled-in data directory. 0 with the
 * path in @buf, or -ENOENT naming the places tried.
 */
int kbtf_data_path(const char *rel, char *buf, size_t len);

/*
 * 0 when @name can name a module and its C identifiers: a letter, then
 * letters, digits or '_', at most 55 characters (the kernel's
 * MODULE_NAME_LEN less its NUL); -EINVAL saying why otherwise.
 */
int kbtf_module_name_check(const char *name);

#endif
