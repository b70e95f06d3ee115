// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Re-signing modules with the kernel's own scripts/sign-file, found where
 * Debian (and kbuild trees) keep it.
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kbtf/err.h"
#include "run.h"
#include "cleanup.h"
#include "module_sign.h"
#include "util.h"

#define SIG_MAGIC "~Module signature appended~\n"

bool kbtf_sign_present(const void *data, size_t size)
{
	size_t n = sizeof(SIG_MAGIC) - 1;

	return size >= n && !memcmp((const uint8_t *)data + size - n, SIG_MAGIC, n);
}

/* "6.12.113+deb12-amd64" -> "6.12.113+deb12": Debian's kbuild package version. */
static void kbuild_version(const char *release, char *out, size_t len)
{
	const char *dash;

	snprintf(out, len, "%s", release);
	dash = strrchr(release, '-');
	/* 6.1.0-56-amd64 keeps "6.1.0-56": only a trailing flavour is cut */
	if (dash && dash[1] && (dash[1] < '0' || dash[1] > '9')) {
		const char *rt = strstr(release, "-rt-");

		if (rt && rt < dash)
			dash = rt;
		if ((size_t)(dash - release) < len)
			out[dash - release] = '\0';
	}
}

static char *first_glob(const char *pattern)
{
	char *found = NULL;
	glob_t g;
	size_t i;

	if (glob(pattern, 0, NULL, &g))
		return NULL;
	/* the newest installed version sorts last */
	for (i = g.gl_pathc; i-- > 0 && !found;)
		if (kbtf_is_executable(g.gl_pathv[i]))
			found = strdup(g.gl_pathv[i]);
	globfree(&g);
	return found;
}

/* Try @path (consumed); on a hit return it, else remember it in @tried. */
static char *try_path(char *path, char *tried, size_t len)
{
	size_t used = strlen(tried);

	if (!path)
		return NULL;
	if (kbtf_is_executable(path))
		return path;
	if (used + strlen(path) + 3 < len)
		snprintf(tried + used, len - used, "%s%s", used ? ", " : "", path);
	free(path);
	return NULL;
}

char *kbtf_sign_find_tool(const char *kdir, const char *release)
{
	char tried[2048] = "", ver[256], *p = NULL, *found = NULL;

	if (kdir && asprintf(&p, "%s/scripts/sign-file", kdir) >= 0)
		found = try_path(p, tried, sizeof(tried));
	if (!found && release) {
		if (asprintf(&p, "/lib/modules/%s/build/scripts/sign-file", release) >= 0)
			found = try_path(p, tried, sizeof(tried));
		if (!found &&
		    asprintf(&p, "/usr/src/linux-headers-%s/scripts/sign-file", release) >= 0)
			found = try_path(p, tried, sizeof(tried));
		kbuild_version(release, ver, sizeof(ver));
		if (!found && asprintf(&p, "/usr/lib/linux-kbuild-%s/scripts/sign-file", ver) >= 0)
			found = try_path(p, tried, sizeof(tried));
	}
	if (!found)
		found = first_glob("/usr/lib/linux-kbuild-*/scripts/sign-file");
	if (!found)
		found = first_glob("/usr/src/linux-headers-*/scripts/sign-file");
	if (!found)
		kbtf_err(-ENOENT,
			 "no scripts/sign-file found (tried %s%s/usr/lib/linux-kbuild-*, "
			 "/usr/src/linux-headers-*); install the kernel's headers package",
			 tried, *tried ? ", " : "");
	return found;
}

int kbtf_sign_image(const char *tool, const char *hash, const char *key, const char *cert,
		    const void *image, size_t size, const char *tmpdir, struct kbtf_buf *out)
{
	const char *argv[] = {tool, hash ? hash : "sha256", key, cert, NULL, NULL};
	struct kbtf_buf log = {0};
	struct kbtf_run_opts ro = {.capture = &log};
	char path[PATH_MAX], signing[PATH_MAX + 16];
	int err;

	memset(out, 0, sizeof(*out));
	if (snprintf(path, sizeof(path), "%s/unsigned.ko", tmpdir) >= (int)sizeof(path))
		return kbtf_err(-ENAMETOOLONG, "temporary path too long");
	err = kbtf_write_file_atomic(path, image, size, 0600);
	if (err)
		return err;
	/* removed if we are stopped while sign-file runs; signing in place, it
	 * writes <module>.~signed~ and renames that over the module */
	snprintf(signing, sizeof(signing), "%s.~signed~", path);
	kbtf_cleanup_add(path);
	kbtf_cleanup_add(signing);
	argv[4] = path;
	err = kbtf_run(argv, &ro);
	if (err > 0)
		err = kbtf_err(-KBTF_ETOOL, "sign-file failed (exit %d): %s", err,
			       kbtf_run_tail(&log, 3));
	if (!err) {
		struct kbtf_buf mapped;

		err = kbtf_buf_from_file(path, &mapped);
		if (!err) {
			err = kbtf_buf_dup(mapped.data, mapped.size, out);
			kbtf_buf_release(&mapped);
		}
		if (!err && !kbtf_sign_present(out->data, out->size)) {
			kbtf_buf_release(out);
			err = kbtf_err(-KBTF_ETOOL, "sign-file left no signature in %s", path);
		}
	}
	kbtf_buf_release(&log);
	unlink(path);
	unlink(signing);
	kbtf_cleanup_forget(path);
	kbtf_cleanup_forget(signing);
	return err;
}
