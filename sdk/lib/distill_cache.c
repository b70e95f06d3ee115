// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A small cache of base kernels for the distiller: for each slow source
 * (boot image, .deb) the raw vmlinux BTF, release and config, keyed by the
 * source's identity, so the next distill of a module for the same kernel
 * reads a raw BTF file instead of decompressing the image again.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "distill_cache.h"
#include "kbtf/err.h"
#include "util.h"

static bool cache_dir(char *out, size_t len)
{
	const char *d = getenv("KBTF_CACHE_DIR"), *x = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");
	int n;

	if (d && *d)
		n = snprintf(out, len, "%s", d);
	else if (x && *x)
		n = snprintf(out, len, "%s/kbtf/base", x);
	else if (home && *home)
		n = snprintf(out, len, "%s/.cache/kbtf/base", home);
	else
		return false;
	return n > 0 && (size_t)n < len;
}

/* The cache key: the source's resolved path and what stat says of it. */
static bool cache_key(const char *source, char *key, size_t len)
{
	char real[PATH_MAX];
	uint64_t h = 14695981039346656037ull;
	struct stat st;
	const char *p;

	if (!realpath(source, real) || stat(real, &st) || !S_ISREG(st.st_mode))
		return false;
	for (p = real; *p; p++)
		h = (h ^ (uint8_t)*p) * 1099511628211ull;
	snprintf(key, len, "%016llx-%llx-%llx-%llx-%llx", (unsigned long long)h,
		 (unsigned long long)st.st_size, (unsigned long long)st.st_mtim.tv_sec,
		 (unsigned long long)st.st_mtim.tv_nsec, (unsigned long long)st.st_ino);
	return true;
}

static char *slurp(const char *path, size_t *len)
{
	struct kbtf_buf b;
	char *s;

	if (kbtf_buf_from_file(path, &b))
		return NULL;
	s = malloc(b.size + 1);
	if (s) {
		memcpy(s, b.data, b.size);
		s[b.size] = '\0';
		if (len)
			*len = b.size;
	}
	kbtf_buf_release(&b);
	return s;
}

static void set(char **field, const char *value)
{
	free(*field);
	*field = value ? strdup(value) : NULL;
}

/* Open the cached entry @stem.{btf,info,config}; -ENOENT when absent. */
static int load(const char *stem, const char *source, struct kbtf_kernel **out)
{
	char path[PATH_MAX + 256], *info, *nl, detail[512];
	struct kbtf_kernel *k;
	int err;

	snprintf(path, sizeof(path), "%s.info", stem);
	info = slurp(path, NULL);
	if (!info)
		return -ENOENT;
	snprintf(path, sizeof(path), "%s.btf", stem);
	err = kbtf_kernel_open(path, NULL, &k);
	if (err || !kbtf_kernel_btf(k)) {
		if (!err)
			kbtf_kernel_free(k);
		free(info);
		return -ENOENT;
	}
	/* info: release, then how the source was described */
	nl = strchr(info, '\n');
	if (nl)
		*nl = '\0';
	set(&k->release, *info ? info : NULL);
	set(&k->release_from, "kbtf base cache");
	snprintf(detail, sizeof(detail), "%s, BTF from kbtf's cache",
		 nl && nl[1] ? strtok(nl + 1, "\n") : "kernel");
	set(&k->format_detail, detail);
	set(&k->source, source);
	snprintf(path, sizeof(path), "%s.config", stem);
	free(k->config);
	k->config = slurp(path, &k->config_len);
	free(info);
	*out = k;
	return 0;
}

static void store(const char *stem, const struct kbtf_kernel *k)
{
	char path[PATH_MAX + 256], *info;

	if (k->config) {
		snprintf(path, sizeof(path), "%s.config", stem);
		kbtf_write_file_atomic(path, k->config, k->config_len, 0644);
	}
	snprintf(path, sizeof(path), "%s.btf", stem);
	if (kbtf_write_file_atomic(path, k->btf_raw.data, k->btf_raw.size, 0644))
		return;
	if (asprintf(&info, "%s\n%s\n", k->release ? k->release : "",
		     k->format_detail ? k->format_detail : "") < 0)
		return;
	/* written last: an entry without .info is never used */
	snprintf(path, sizeof(path), "%s.info", stem);
	kbtf_write_file_atomic(path, info, strlen(info), 0644);
	free(info);
}

int kbtf_base_open(const char *source, struct kbtf_kernel **out, bool *from_cache)
{
	const char *off = getenv("KBTF_BASE_CACHE");
	char dir[PATH_MAX], key[128], stem[PATH_MAX + 160];
	bool use = !(off && !strcmp(off, "0"));
	int err;

	if (from_cache)
		*from_cache = false;
	use = use && cache_dir(dir, sizeof(dir)) && cache_key(source, key, sizeof(key));
	if (use) {
		snprintf(stem, sizeof(stem), "%s/%s", dir, key);
		if (!load(stem, source, out)) {
			if (from_cache)
				*from_cache = true;
			return 0;
		}
	}
	err = kbtf_kernel_open(source, NULL, out);
	if (err)
		return err;
	if (!kbtf_kernel_btf(*out)) {
		kbtf_kernel_free(*out);
		*out = NULL;
		return -EINVAL;
	}
	if (use && ((*out)->format == KBTF_FMT_BOOT_IMAGE || (*out)->format == KBTF_FMT_DEB) &&
	    !kbtf_mkdir_p(dir, 0755))
		store(stem, *out);
	return 0;
}
