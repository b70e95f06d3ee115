// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The kbtf_access plugin, built for the compiler kbuild uses (access_plugin.h).
 *
 * A GCC plugin only loads into the GCC it was built for: cc1 refuses one
 * whose plugin-version.h differs. kbuild compiles modules with the compiler
 * the kernel was built with, which the kernel's .config names in
 * CONFIG_CC_VERSION_TEXT (Debian's 6.1 and 6.12 kernels for bookworm: gcc-12
 * 12.2.0); its plugin headers come with gcc-NN-plugin-dev and its C++
 * driver is g++-NN. The cache key is the compiler's identity (the file
 * PATH resolves its name to, the version line it prints, its plugin
 * directory and that directory's plugin-version.h, which records the exact
 * configuration cc1 checks) plus the plugin's source: an upgraded or
 * another compiler of the same name, or a new kbtf, builds it again; the
 * same compiler reuses it, from every make, kbtf build and DKMS build.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
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

/*
 * The file the shell runs for @name (PATH searched as execvp does), all
 * links resolved, in @out; "" when not found.
 */
static void resolve_in_path(const char *name, char *out, size_t len)
{
	const char *p = getenv("PATH");
	char cand[PATH_MAX], real[PATH_MAX];

	out[0] = '\0';
	if (strchr(name, '/')) {
		if (realpath(name, real))
			snprintf(out, len, "%s", real);
		return;
	}
	for (p = p ? p : "/usr/bin:/bin"; *p;) {
		size_t n = strcspn(p, ":");

		if (snprintf(cand, sizeof(cand), "%.*s/%s", n ? (int)n : 1, n ? p : ".", name) <
			(int)sizeof(cand) &&
		    kbtf_is_executable(cand) && realpath(cand, real)) {
			snprintf(out, len, "%s", real);
			return;
		}
		p += n;
		if (*p == ':')
			p++;
	}
}

/* Mix @s (and its terminating NUL, so "ab"+"c" differs from "a"+"bc") into @h. */
static uint64_t key_mix(uint64_t h, const void *s, size_t n)
{
	return (h ^ kbtf_hash_bytes(s, n)) * 0x100000001b3ull + n;
}

/*
 * "compiler" beside the plugin: which compiler it was built for, for a
 * person looking into the cache (kbtf reads only the key in the name).
 */
static int write_identity(const char *dir, const char *text, const char *cc_path,
			  const char *cxx_path, const char *pdir)
{
	char p[PATH_MAX + 96], t[PATH_MAX + 112];
	FILE *f;
	int err = 0;

	snprintf(p, sizeof(p), "%s/compiler", dir);
	snprintf(t, sizeof(t), "%s.%d", p, (int)getpid());
	f = fopen(t, "we");
	if (!f)
		return kbtf_err(-errno, "%s: %s", t, strerror(errno));
	fprintf(f, "version: %s\ncompiler: %s\nc++ driver: %s\nplugin directory: %s\n", text,
		cc_path, cxx_path, pdir);
	if (fclose(f) || rename(t, p)) {
		err = kbtf_err(-errno, "%s: %s", p, strerror(errno));
		unlink(t);
	}
	return err;
}

int kbtf_access_plugin(const char *kdir, char *path, size_t len)
{
	char text[256], cc[128], cxx[160], ver[256], pdir[PATH_MAX], hdr[PATH_MAX + 32];
	char src[PATH_MAX], cache[PATH_MAX], dir[PATH_MAX + 64], tmp[PATH_MAX + 96], *g;
	char cc_path[PATH_MAX], cxx_path[PATH_MAX], lock[PATH_MAX + 80];
	struct kbtf_buf sb = {0};
	uint64_t key;
	int err, lfd;

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
	resolve_in_path(cc, cc_path, sizeof(cc_path));
	resolve_in_path(cxx, cxx_path, sizeof(cxx_path));
	err = kbtf_data_path(PLUGIN_SRC, src, sizeof(src));
	if (err)
		return err;
	err = kbtf_buf_from_file(src, &sb);
	if (err)
		return err;
	key = key_mix(0xcbf29ce484222325ull, sb.data, sb.size);
	kbtf_buf_release(&sb);
	err = kbtf_buf_from_file(hdr, &sb);
	if (err)
		return kbtf_err(err, "%s: cannot read the compiler's plugin headers", hdr);
	key = key_mix(key, sb.data, sb.size);
	kbtf_buf_release(&sb);
	key = key_mix(key, text, strlen(text) + 1);
	key = key_mix(key, cc_path, strlen(cc_path) + 1);
	key = key_mix(key, cxx_path, strlen(cxx_path) + 1);
	key = key_mix(key, pdir, strlen(pdir) + 1);
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
	/*
	 * Two makes at once (make -j over two module directories, a DKMS
	 * autoinstall for two kernels): the second waits for the first's
	 * build and takes its plugin. The rename below keeps a reader that
	 * takes no lock (an older kbtf) from ever loading half a file.
	 */
	snprintf(lock, sizeof(lock), "%s/.lock", dir);
	lfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (lfd >= 0)
		while (flock(lfd, LOCK_EX) < 0 && errno == EINTR)
			;
	if (kbtf_is_file(path)) {
		if (lfd >= 0)
			close(lfd);
		return 0;
	}
	err = write_identity(dir, text, cc_path, cxx_path, pdir);
	if (err) {
		if (lfd >= 0)
			close(lfd);
		return err;
	}
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
			if (lfd >= 0)
				close(lfd);
			return err;
		}
		kbtf_buf_release(&cap);
	}
	err = 0;
	if (rename(tmp, path)) {
		err = -errno;
		unlink(tmp);
		err = kbtf_err(err, "%s: %s", path, strerror(-err));
	}
	if (lfd >= 0)
		close(lfd); /* drops the flock */
	return err;
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
