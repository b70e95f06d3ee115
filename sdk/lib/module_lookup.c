// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * An installed module named as modprobe names it (module_lookup.h).
 *
 * libkmod does what modprobe does with a name: a module name ("kvm_intel"
 * or "kvm-intel": '-' and '_' are one), an alias from modprobe.d or from
 * modules.alias ("crc32", "pci:v00008086d..."), a symbol alias
 * ("symbol:kvm_init"), looked up in the indexes depmod wrote into the
 * module directory (modules.dep.bin, modules.alias.bin, modules.builtin.bin).
 * Only the lookup goes through libkmod: the file it names is read by
 * module.c like any other .ko (libkmod would read and decompress it again).
 */
#include <errno.h>
#include <libkmod.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "kbtf/err.h"
#include "module_lookup.h"
#include "util.h"

bool kbtf_module_is_name(const char *arg)
{
	size_t n = strlen(arg);

	/* a name has no '/', and none has a '.' (a release or a file name has) */
	if (!n || n >= 256 ||
	    strspn(arg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			"0123456789_-") != n)
		return false;
	return !kbtf_is_file(arg) && !kbtf_is_dir(arg);
}

/* libkmod's own messages ("could not open moddep file") say less than ours */
static void kmod_quiet(void *data, int priority, const char *file, int line, const char *fn,
		       const char *format, va_list args)
{
}

int kbtf_module_lookup(const char *name, const char *moddir, char ***paths)
{
	char dir[PATH_MAX], dep[PATH_MAX + 16];
	struct kmod_list *list = NULL, *l;
	struct kmod_ctx *ctx;
	char **out = NULL;
	size_t n = 0, builtin = 0;
	int err;

	*paths = NULL;
	if (!moddir) {
		struct utsname u;

		if (uname(&u) < 0)
			return kbtf_err(-errno, "uname: %s", strerror(errno));
		snprintf(dir, sizeof(dir), "/lib/modules/%s", u.release);
	} else if (snprintf(dir, sizeof(dir), "%s", moddir) >= (int)sizeof(dir)) {
		return kbtf_err(-ENAMETOOLONG, "%s: path too long", moddir);
	}
	snprintf(dep, sizeof(dep), "%s/modules.dep", dir);
	if (!kbtf_is_dir(dir))
		return kbtf_err(-ENOENT,
				"not a file, and no module directory %s to look the name up in "
				"(give --moddir /lib/modules/RELEASE)",
				dir);
	if (!kbtf_is_file(dep))
		return kbtf_err(-ENOENT,
				"not a file, and %s has no modules.dep to look the name up in (run "
				"depmod)",
				dir);
	ctx = kmod_new(dir, NULL);
	if (!ctx)
		return kbtf_err(-ENOMEM, "libkmod: cannot read %s", dir);
	kmod_set_log_fn(ctx, kmod_quiet, NULL);
	err = kmod_module_new_from_lookup(ctx, name, &list);
	if (err < 0) {
		err = kbtf_err(err, "looking the name up in %s failed: %s", dir, strerror(-err));
		goto out;
	}
	kmod_list_foreach(l, list)
	{
		struct kmod_module *m = kmod_module_get_module(l);
		const char *p = kmod_module_get_path(m);
		char **grown;

		if (!p) {
			builtin++;
		} else if ((grown = realloc(out, (n + 2) * sizeof(*out))) &&
			   (out = grown, out[n] = strdup(p))) {
			out[++n] = NULL;
		} else {
			kmod_module_unref(m);
			err = kbtf_err_nomem();
			goto out;
		}
		kmod_module_unref(m);
	}
	if (!n && builtin)
		err = kbtf_err(
		    -ENOENT, "built into the kernel of %s (modules.builtin), no module file", dir);
	else if (!n)
		err = kbtf_err(-ENOENT,
			       "no such file, and no module or alias of that name in %s "
			       "(modules.dep, modules.alias)",
			       dir);
out:
	kmod_module_unref_list(list);
	kmod_unref(ctx);
	if (err) {
		kbtf_module_lookup_free(out);
		return err;
	}
	*paths = out;
	return 0;
}

void kbtf_module_lookup_free(char **paths)
{
	if (!paths)
		return;
	for (char **p = paths; *p; p++)
		free(*p);
	free(paths);
}
