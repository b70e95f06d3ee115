// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The kbtf_access plugin, built for the compiler kbuild uses (access_plugin.h).
 *
 * A GCC plugin only loads into the GCC it was built for: cc1 refuses one
 * whose plugin-version.h differs. kbuild compiles modules with the compiler
 * the kernel was built with, which the kernel's .config names in
 * CONFIG_CC_VERSION_TEXT (Debian's 6.1 and 6.12 kernels for bookworm: gcc-12
 * 12.2.0); its plugin headers come with gcc-NN-plugin-dev and its C++
 * driver is g++-NN. The cache key is that version line plus the plugin's
 * source, so a new compiler or a new kbtf builds it again.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "access_plugin.h"
#include "hash.h"
#include "kbtf/buf.h"
#include "kbtf/err.h"
#include "profile.h"
#include "run.h"
#include "template.h"
#include "util.h"

#define PLUGIN_SRC "access/kbtf_access_plugin.c"

/* CONFIG_CC_VERSION_TEXT of @kdir's .config into @text; 1 when clang. */
static int cc_text(const char *kdir, char *text, size_t len)
{
	char path[PATH_MAX], line[512];
	int clang = 0, found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/.config", kdir);
	f = fopen(path, "re");
	if (!f)
		return kbtf_err(-ENOENT, "%s: cannot read the kernel's .config", path);
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "CONFIG_CC_IS_CLANG=y", 20))
			clang = 1;
		if (!strncmp(line, "CONFIG_CC_VERSION_TEXT=\"", 24)) {
			char *q = strrchr(line + 24, '"');

			if (q)
				*q = '\0';
			size_t l = strlen(line + 24);

			if (l >= len)
				l = len - 1;
			memcpy(text, line + 24, l);
			text[l] = '\0';
			found = 1;
		}
	}
	fclose(f);
	if (!found)
		return kbtf_err(-ENOENT, "%s names no compiler (CONFIG_CC_VERSION_TEXT)", path);
	if (clang)
		return kbtf_err(-ENOTSUP,
				"the kernel is built with clang (%s): the access record needs a "
				"GCC-built kernel",
				text);
	return 0;
}

/* The first line @argv prints, or a negative errno. */
static int first_line(const char *const *argv, char *out, size_t len)
{
	struct kbtf_buf cap = {0};
	struct kbtf_run_opts o = {.capture = &cap};
	int rc = kbtf_run(argv, &o);
	size_t n = 0;

	if (rc == 0 && cap.data) {
		while (n < cap.size && cap.data[n] != '\n' && n + 1 < len)
			n++;
		memcpy(out, cap.data, n);
		out[n] = '\0';
	}
	kbtf_buf_release(&cap);
	return rc == 0 ? 0 : -KBTF_ETOOL;
}

int kbtf_access_plugin(const char *kdir, char *path, size_t len)
{
	char text[256], cc[128], cxx[160], ver[256], pdir[PATH_MAX], hdr[PATH_MAX + 32];
	char src[PATH_MAX], cache[PATH_MAX], dir[PATH_MAX + 64], tmp[PATH_MAX + 96], *g;
	struct kbtf_buf sb = {0};
	uint64_t key;
	int err;

	err = cc_text(kdir, text, sizeof(text));
	if (err)
		return err;
	/* the first word is the compiler kbuild runs ("gcc-12", "x86_64-linux-gnu-gcc-12") */
	snprintf(cc, sizeof(cc), "%.*s", (int)strcspn(text, " "), text);
	{
		const char *av[] = {cc, "--version", NULL};

		if (first_line(av, ver, sizeof(ver)) || strcmp(ver, text))
			return kbtf_err(-ENOENT,
					"the kernel was built with \"%s\"; %s %s here: install "
					"that compiler",
					text, cc, ver[0] ? "is another version" : "is not found");
	}
	{
		const char *av[] = {cc, "-print-file-name=plugin", NULL};

		if (first_line(av, pdir, sizeof(pdir)))
			return kbtf_err(-KBTF_ETOOL, "%s -print-file-name=plugin failed", cc);
	}
	snprintf(hdr, sizeof(hdr), "%s/include/plugin-version.h", pdir);
	g = strstr(cc, "gcc");
	if (!kbtf_is_file(hdr) || !g)
		return kbtf_err(-ENOENT, "%s has no plugin headers (%s): install gcc-%s-plugin-dev",
				cc, hdr, g && strchr(g, '-') ? strchr(g, '-') + 1 : "NN");
	snprintf(cxx, sizeof(cxx), "%.*sg++%s", (int)(g - cc), cc, g + 3);
	err = kbtf_data_path(PLUGIN_SRC, src, sizeof(src));
	if (err)
		return err;
	err = kbtf_buf_from_file(src, &sb);
	if (err)
		return err;
	key = kbtf_hash_bytes(sb.data, sb.size) ^ (kbtf_hash_bytes(text, strlen(text)) * 31);
	kbtf_buf_release(&sb);
	err = kbtf_cache_dir(cache, sizeof(cache));
	if (err)
		return err;
	snprintf(dir, sizeof(dir), "%s/access/%016llx", cache, (unsigned long long)key);
	if (snprintf(path, len, "%s/kbtf_access.so", dir) >= (int)len)
		return kbtf_err(-ENAMETOOLONG, "%s: path too long", dir);
	if (kbtf_is_file(path))
		return 0;
	err = kbtf_mkdir_p(dir, 0755);
	if (err)
		return kbtf_err(err, "%s: cannot create the plugin cache", dir);
	snprintf(tmp, sizeof(tmp), "%s/kbtf_access.so.%d", dir, (int)getpid());
	{
		char inc[PATH_MAX + 16];
		struct kbtf_buf cap = {0};
		struct kbtf_run_opts o = {.capture = &cap};
		const char *av[] = {cxx,  "-shared", "-fPIC", "-fno-rtti", "-O2", inc,
				    "-x", "c++",     src,     "-o",	   tmp,	  NULL};
		int rc;

		snprintf(inc, sizeof(inc), "-I%s/include", pdir);
		rc = kbtf_run(av, &o);
		if (rc) {
			err = kbtf_err(-KBTF_ETOOL, "building the access plugin with %s failed: %s",
				       cxx,
				       rc < 0 ? "not found (install g++ of that version)"
					      : kbtf_run_tail(&cap, 1));
			kbtf_buf_release(&cap);
			unlink(tmp);
			return err;
		}
		kbtf_buf_release(&cap);
	}
	if (rename(tmp, path)) {
		err = -errno;
		unlink(tmp);
		return kbtf_err(err, "%s: %s", path, strerror(-err));
	}
	return 0;
}

/*
 * A word of KCFLAGS that loads a kbtf_access plugin. GCC names a plugin
 * after its file, up to the first '.' ("-fplugin=DIR/kbtf_access.so",
 * "-fplugin=kbtf_access"), and refuses one name given with two paths, so
 * a KCFLAGS inherited from another kernel's build (kbtf.mk exports its
 * own; "make ci" builds for several kernels; Debian's 6.1 and 6.12 name
 * gcc-12 differently, so their plugins differ) must lose it.
 */
static bool kcflags_loads_plugin(const char *w, size_t n)
{
	static const char opt[] = "-fplugin=", name[] = "kbtf_access";
	const char *base, *end = w + n;

	if (n < sizeof(opt) - 1 || memcmp(w, opt, sizeof(opt) - 1))
		return false;
	base = w + sizeof(opt) - 1;
	for (const char *p = base; p < end; p++)
		if (*p == '/')
			base = p + 1;
	for (const char *p = base; p < end; p++)
		if (*p == '.')
			end = p;
	return (size_t)(end - base) == sizeof(name) - 1 && !memcmp(base, name, sizeof(name) - 1);
}

char *kbtf_access_kcflags(const char *so)
{
	static const char head[] = "KCFLAGS=", opt[] = "-fplugin=";
	const char *old = getenv("KCFLAGS"), *p = old ? old : "";
	size_t len = sizeof(head) + strlen(p) + sizeof(opt) + strlen(so) + 1, o;
	char *s = malloc(len);

	if (!s)
		return NULL;
	memcpy(s, head, sizeof(head) - 1);
	o = sizeof(head) - 1;
	/* the inherited words, without any kbtf_access plugin: this build's goes last */
	while (*p) {
		size_t n;

		p += strspn(p, " \t\n");
		n = strcspn(p, " \t\n");
		if (n && !kcflags_loads_plugin(p, n)) {
			memcpy(s + o, p, n);
			o += n;
			s[o++] = ' ';
		}
		p += n;
	}
	snprintf(s + o, len - o, "%s%s", opt, so);
	return s;
}
