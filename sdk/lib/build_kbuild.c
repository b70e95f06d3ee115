// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * kbuild for out-of-tree modules: run "make M=", read modules.order, and
 * find the base BTF for the kernel release being built against, in the
 * order docs/sdk.md documents.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "access_plugin.h"
#include "distill_cache.h"
#include "kbtf/err.h"
#include "build_kbuild.h"
#include "profile.h"
#include "run.h"
#include "util.h"

static char *read_line_file(const char *path)
{
	char buf[256];
	FILE *f = fopen(path, "r");
	char *r = NULL;

	if (!f)
		return NULL;
	if (fgets(buf, sizeof(buf), f)) {
		buf[strcspn(buf, "\r\n")] = '\0';
		if (*buf)
			r = strdup(buf);
	}
	fclose(f);
	return r;
}

/* UTS_RELEASE from include/generated/utsrelease.h, NULL if absent. */
static char *uts_release(const char *kdir)
{
	char path[PATH_MAX], line[512], *q, *r = NULL;
	FILE *f;

	if (snprintf(path, sizeof(path), "%s/include/generated/utsrelease.h", kdir) >=
	    (int)sizeof(path))
		return NULL;
	f = fopen(path, "r");
	if (!f)
		return NULL;
	while (!r && fgets(line, sizeof(line), f)) {
		char *p = strstr(line, "UTS_RELEASE \"");

		if (!p)
			continue;
		p += strlen("UTS_RELEASE \"");
		q = strchr(p, '"');
		if (q && q > p)
			r = strndup(p, (size_t)(q - p));
	}
	fclose(f);
	return r;
}

/*
 * The release modules built here will report (vermagic, uname -r). That is
 * UTS_RELEASE: Debian's 6.1 headers keep the upstream "6.1.192" in
 * include/config/kernel.release but build "6.1.0-56-amd64".
 */
char *kbtf_kdir_release(const char *kdir)
{
	char path[PATH_MAX], *r = uts_release(kdir);

	if (r)
		return r;
	if (snprintf(path, sizeof(path), "%s/include/config/kernel.release", kdir) >=
	    (int)sizeof(path))
		return NULL;
	return read_line_file(path);
}

char *kbtf_running_release(void)
{
	const char *rel = kbtf_uname_release();

	return rel ? strdup(rel) : NULL;
}

struct tried {
	char text[4096];
	size_t len;
};

static void note_tried(struct tried *t, const char *path, const char *why)
{
	int n = snprintf(t->text + t->len, sizeof(t->text) - t->len, "\n  %s: %s", path, why);

	if (n > 0 && t->len + (size_t)n < sizeof(t->text))
		t->len += (size_t)n;
}

/* Open @path as a kernel if it exists; remember why not otherwise. */
static int try_base(struct tried *t, const char *path, const char *rule, struct kbtf_kernel **out,
		    char **how)
{
	bool cached;
	int err;

	if (access(path, R_OK)) {
		note_tried(t, path, strerror(errno));
		return -ENOENT;
	}
	err = kbtf_base_open(path, out, &cached);
	if (err) {
		note_tried(t, path, kbtf_errstr());
		return err;
	}
	if (asprintf(how, "%s: %s%s", rule, path, cached ? " (BTF from kbtf's cache)" : "") < 0)
		*how = NULL;
	return 0;
}

/* The profile directory `kbtf kernels add/fetch` stored for @release. */
static int stored_profile_dir(const char *release, char *buf, size_t len)
{
	struct kbtf_store *store;
	int err = kbtf_store_open(NULL, &store);

	if (err)
		return err;
	err = kbtf_store_profile_dir(store, release, buf, len);
	kbtf_store_free(store);
	return err;
}

int kbtf_find_base(const char *release, const char *kdir, struct kbtf_kernel **out, char **how)
{
	struct tried t = {.len = 0};
	char path[PATH_MAX], *running = NULL;

	*out = NULL;
	*how = NULL;
	if (kdir) {
		snprintf(path, sizeof(path), "%s/vmlinux", kdir);
		if (!try_base(&t, path, "KDIR/vmlinux", out, how))
			return 0;
	}
	if (release) {
		running = kbtf_running_release();
		if (running && !strcmp(running, release)) {
			if (!try_base(&t, "/sys/kernel/btf/vmlinux", "running kernel", out, how))
				goto found;
		} else if (running) {
			snprintf(path, sizeof(path), "not used: the running kernel is %s", running);
			note_tried(&t, "/sys/kernel/btf/vmlinux", path);
		}
		snprintf(path, sizeof(path), "/boot/vmlinuz-%s", release);
		if (!try_base(&t, path, "boot image", out, how))
			goto found;
		snprintf(path, sizeof(path), "/usr/lib/debug/boot/vmlinux-%s", release);
		if (!try_base(&t, path, "debug vmlinux", out, how))
			goto found;
		snprintf(path, sizeof(path), "/usr/lib/debug/lib/modules/%s/vmlinux", release);
		if (!try_base(&t, path, "debug vmlinux", out, how))
			goto found;
		if (!stored_profile_dir(release, path, sizeof(path)) &&
		    !try_base(&t, path, "stored kernel profile (kbtf kernels)", out, how))
			goto found;
	}
	free(running);
	return kbtf_err(-ENOENT,
			"no BTF found for kernel %s; tried:%s\ngive one with --base (a vmlinux, "
			"vmlinuz, raw BTF file or the linux-image .deb of that kernel)",
			release ? release : "(unknown release)", t.text);
found:
	free(running);
	return 0;
}

void kbtf_modules_free(char **v, size_t nr)
{
	size_t i;

	for (i = 0; v && i < nr; i++)
		free(v[i]);
	free(v);
}

static char *ko_path(const char *moddir, const char *entry)
{
	size_t n = strlen(entry);
	char *p;

	if (n > 2 && !strcmp(entry + n - 2, ".o"))
		n -= 2;
	else if (n > 3 && !strcmp(entry + n - 3, ".ko"))
		n -= 3;
	if (asprintf(&p, "%s%s%.*s.ko", entry[0] == '/' ? "" : moddir, entry[0] == '/' ? "" : "/",
		     (int)n, entry) < 0)
		return NULL;
	return p;
}

int kbtf_modules_order(const char *moddir, char ***kos, size_t *nr)
{
	char path[PATH_MAX], line[PATH_MAX];
	char **v = NULL, **nv;
	size_t n = 0;
	FILE *f;

	*kos = NULL;
	*nr = 0;
	snprintf(path, sizeof(path), "%s/modules.order", moddir);
	f = fopen(path, "r");
	if (!f)
		return kbtf_err(-errno, "%s: %s (did the build run?)", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (!*line)
			continue;
		nv = realloc(v, (n + 1) * sizeof(*v));
		if (!nv)
			goto nomem;
		v = nv;
		v[n] = ko_path(moddir, line);
		if (!v[n])
			goto nomem;
		n++;
	}
	fclose(f);
	*kos = v;
	*nr = n;
	return 0;
nomem:
	fclose(f);
	kbtf_modules_free(v, n);
	return kbtf_err_nomem();
}

int kbtf_kbuild_modules(const char *kdir, const char *moddir, int jobs, const char *const *extra,
			size_t nr_extra)
{
	const char **argv = calloc(nr_extra + 8, sizeof(*argv));
	char *cdir = NULL, *mdir = NULL, *jarg = NULL, *kcflags = NULL, so[PATH_MAX];
	const char *acc = getenv("KBTF_ACCESS");
	size_t n = 0, i;
	int ret;

	/* the access record (docs/access.md): the compiler plugin, unless
	 * KBTF_ACCESS=0; without it, one warning and type-level drift only */
	if (!(acc && !strcmp(acc, "0"))) {
		if (kbtf_access_plugin(kdir, so, sizeof(so)))
			fprintf(stderr,
				"kbtf: warning: no access record (member-level checks fall back "
				"to type-level drift): %s\n",
				kbtf_errstr());
		else if (!(kcflags = kbtf_access_kcflags(so)))
			return kbtf_err_nomem();
	}

	if (!argv || asprintf(&cdir, "-C%s", kdir) < 0 || asprintf(&mdir, "M=%s", moddir) < 0) {
		ret = kbtf_err_nomem();
		goto out;
	}
	argv[n++] = getenv("MAKE") && *getenv("MAKE") ? getenv("MAKE") : "make";
	argv[n++] = cdir;
	argv[n++] = mdir;
	if (jobs > 0) {
		if (asprintf(&jarg, "-j%d", jobs) < 0) {
			ret = kbtf_err_nomem();
			goto out;
		}
		argv[n++] = jarg;
	}
	argv[n++] = "modules";
	if (kcflags)
		argv[n++] = kcflags;
	for (i = 0; i < nr_extra; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	ret = kbtf_run(argv, NULL);
	if (ret > 0)
		kbtf_err(-KBTF_ETOOL, "make exited with status %d", ret);
out:
	free(argv);
	free(cdir);
	free(mdir);
	free(jarg);
	free(kcflags);
	return ret;
}
