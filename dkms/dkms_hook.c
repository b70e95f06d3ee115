// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The work of kbtf's DKMS hooks on one module: find the kernel's base
 * BTF, embed distilled BTF (through "kbtf distill"), and for a module DKMS
 * already finished, undo and redo what DKMS did around that: compression
 * and signature (and the debug-info strip, when asked to).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kbtf/buf.h"
#include "dkms.h"
#include "kbtf/err.h"
#include "build_kbuild.h"
#include "distill_origin.h"
#include "profile.h"
#include "run.h"
#include "module_sign.h"
#include "kbtf/source.h"
#include "util.h"

/* ------------------------------------------------------------- base */

static bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* @pattern with every %k replaced by @kv, as a heap string. */
static char *expand_release(const char *pattern, size_t len, const char *kv)
{
	size_t cap = len * (strlen(kv) + 1) + 1, o = 0, i;
	char *out = malloc(cap);

	if (!out)
		return NULL;
	for (i = 0; i < len; i++) {
		if (pattern[i] == '%' && i + 1 < len && pattern[i + 1] == 'k') {
			memcpy(out + o, kv, strlen(kv));
			o += strlen(kv);
			i++;
		} else {
			out[o++] = pattern[i];
		}
	}
	out[o] = '\0';
	return out;
}

static void tried_add(char *tried, size_t len, const char *what)
{
	size_t used = strlen(tried);

	if (used + strlen(what) + 3 < len)
		snprintf(tried + used, len - used, "%s%s", used ? ", " : "", what);
}

/* Open @source as the base; on success say how it was found in @how. */
static int try_open(const char *source, const char *label, struct kbtf_kernel **k, char **how)
{
	int err = kbtf_kernel_open(source, NULL, k);

	if (!err && !kbtf_kernel_btf(*k)) {
		err = -EINVAL;
		kbtf_kernel_free(*k);
		*k = NULL;
	}
	if (err)
		return kbtf_err_prefix(err, "%s %s", label, source);
	if (asprintf(how, "%s: %s", label, source) < 0)
		*how = NULL;
	return 0;
}

static int base_from_settings(const struct kbtf_dkms_hook *h, struct kbtf_kernel **k, char **how,
			      char *tried, size_t tlen)
{
	const char *p = h->settings ? h->settings->base : NULL;
	char *cand;
	size_t n;
	int err;

	while (p && *p) {
		n = strcspn(p, ":");
		if (n) {
			cand = expand_release(p, n, h->kernelver);
			if (!cand)
				return kbtf_err_nomem();
			if (exists(cand) || kbtf_profile_is_dir(cand)) {
				err = try_open(cand, "KBTF_DKMS_BASE", k, how);
				free(cand);
				return err;
			}
			tried_add(tried, tlen, cand);
			free(cand);
		}
		p += n;
		p += *p == ':';
	}
	return -ENOENT;
}

static int base_from_profile(const char *kv, struct kbtf_kernel **k, char **how)
{
	const struct kbtf_profile_info *const *list;
	struct kbtf_store *s = NULL;
	char dir[4096];
	size_t n;
	int err;

	err = kbtf_store_open(NULL, &s);
	if (!err)
		err = kbtf_store_list(s, &list, &n);
	if (!err && (!kbtf_store_find(s, kv) || kbtf_store_profile_dir(s, kv, dir, sizeof(dir))))
		err = -ENOENT;
	kbtf_store_free(s);
	if (err)
		return -ENOENT;
	return try_open(dir, "kernel profile", k, how);
}

int kbtf_dkms_open_base(const struct kbtf_dkms_hook *h, struct kbtf_kernel **k, char **how)
{
	char tried[2048] = "", *found_how = NULL;
	char *lookup_err = NULL;
	int err;

	*k = NULL;
	*how = NULL;
	if (h->base)
		return try_open(h->base, "--base", k, how);
	err = base_from_settings(h, k, how, tried, sizeof(tried));
	if (err != -ENOENT)
		return err;
	err = kbtf_find_base(h->kernelver, h->kdir, k, &found_how);
	if (!err) {
		*how = found_how;
		return 0;
	}
	lookup_err = strdup(kbtf_errstr());
	err = base_from_profile(h->kernelver, k, how);
	if (err != -ENOENT) {
		free(lookup_err);
		return err;
	}
	err = kbtf_err(-ENOENT,
		       "%s%s%s%s; no kernel profile named %s either. Set KBTF_DKMS_BASE in %s/%s "
		       "(the kernel's vmlinuz, vmlinux, raw BTF or linux-image .deb), or store "
		       "its BTF once: kbtf kernels fetch debian:linux-image-%s (a Debian kernel), "
		       "kbtf kernels add FILE (any other)",
		       tried[0] ? "KBTF_DKMS_BASE: none of " : "", tried, tried[0] ? "; " : "",
		       lookup_err ? lookup_err : "no BTF found", h->kernelver, KBTF_DKMS_ETC,
		       KBTF_DKMS_CONF_NAME, h->kernelver);
	free(lookup_err);
	return err;
}

/* ---------------------------------------------------------- modules */

struct path_list {
	char **v;
	size_t n, cap;
};

static int list_add(struct path_list *l, const char *dir, const char *name)
{
	char **v;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		v = realloc(l->v, l->cap * sizeof(*v));
		if (!v)
			return kbtf_err_nomem();
		l->v = v;
	}
	if (asprintf(&l->v[l->n], "%s/%s", dir, name) < 0)
		return kbtf_err_nomem();
	l->n++;
	return 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

static bool is_module_name(const char *name, bool compressed)
{
	if (ends_with(name, ".ko"))
		return true;
	return compressed && (ends_with(name, ".ko.xz") || ends_with(name, ".ko.gz") ||
			      ends_with(name, ".ko.zst"));
}

static int walk(const char *dir, bool recursive, bool compressed, struct path_list *l, int depth)
{
	struct dirent *de;
	char sub[4096];
	int err = 0;
	DIR *d = opendir(dir);

	if (!d)
		return kbtf_err(-errno, "%s: %s", dir, strerror(errno));
	while (!err && (de = readdir(d))) {
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name);
		if (lstat(sub, &st))
			continue;
		if (S_ISDIR(st.st_mode) && recursive && depth < 16)
			err = walk(sub, recursive, compressed, l, depth + 1);
		else if (S_ISREG(st.st_mode) && is_module_name(de->d_name, compressed))
			err = list_add(l, dir, de->d_name);
	}
	closedir(d);
	return err;
}

static int path_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int kbtf_dkms_find_modules(const char *dir, bool recursive, bool compressed, char ***paths,
			   size_t *n)
{
	struct path_list l = {0};
	int err = walk(dir, recursive, compressed, &l, 0);

	if (err) {
		kbtf_dkms_paths_free(l.v, l.n);
		return err;
	}
	if (l.n)
		qsort(l.v, l.n, sizeof(*l.v), path_cmp);
	*paths = l.v;
	*n = l.n;
	return 0;
}

void kbtf_dkms_paths_free(char **paths, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
}

/* ----------------------------------------------------------- embed */

int kbtf_dkms_embed_built(const struct kbtf_dkms_hook *h, const char *path,
			  struct kbtf_kernel *base, struct kbtf_distill_module_report *rep)
{
	struct kbtf_distill_module_opts o = {
	    .base = base, .kdir = h->kdir, .redistill = h->redistill};

	return kbtf_distill_module(path, &o, rep);
}

struct scratch {
	char dir[4096];
	char in[4200];
	char out[4200];
};

static int scratch_make(struct scratch *s)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(s->dir, sizeof(s->dir), "%s/kbtf-dkms.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(s->dir))
		return kbtf_err(-errno, "cannot make a scratch directory %s: %s", s->dir,
				strerror(errno));
	snprintf(s->in, sizeof(s->in), "%s/in.ko", s->dir);
	snprintf(s->out, sizeof(s->out), "%s/out.ko", s->dir);
	return 0;
}

static void scratch_remove(struct scratch *s)
{
	unlink(s->in);
	unlink(s->out);
	rmdir(s->dir);
}

/* Sign @b again the way DKMS did; @b is replaced by the signed bytes. */
static int sign_again(const struct kbtf_dkms_hook *h, const struct kbtf_dkms_framework *fw,
		      const char *tmpdir, struct kbtf_buf *b)
{
	struct kbtf_buf signed_buf = {0};
	char hash[64];
	char *tool;
	int err;

	if (access(fw->mok_key, R_OK) && strncmp(fw->mok_key, "pkcs11:", 7))
		return kbtf_err(-ENOENT, "the module was signed but DKMS's key %s is not readable",
				fw->mok_key);
	if (access(fw->mok_cert, R_OK))
		return kbtf_err(-ENOENT,
				"the module was signed but DKMS's certificate %s is not readable",
				fw->mok_cert);
	tool = kbtf_dkms_sign_tool(fw, h->kernelver, h->kdir);
	if (!tool)
		return kbtf_err_prefix(-ENOENT, "the module was signed but no sign-file was found");
	kbtf_dkms_sign_hash(h->kernelver, h->kdir, hash, sizeof(hash));
	err = kbtf_sign_image(tool, hash, fw->mok_key, fw->mok_cert, b->data, b->size, tmpdir,
			      &signed_buf);
	free(tool);
	if (err)
		return err;
	kbtf_buf_release(b);
	kbtf_buf_move(b, &signed_buf);
	return 0;
}

static int strip_debug(const char *path)
{
	const char *argv[] = {"strip", "-g", path, NULL};
	struct kbtf_buf out = {0};
	struct kbtf_run_opts o = {.capture = &out};
	int rc = kbtf_run(argv, &o);

	if (rc > 0)
		kbtf_err(-KBTF_ETOOL, "strip -g failed (exit %d): %s", rc, kbtf_run_tail(&out, 3));
	kbtf_buf_release(&out);
	return rc > 0 ? -KBTF_ETOOL : rc;
}

/* The distilled module in @s->out, made ready to replace the original. */
static int finish_image(const struct kbtf_dkms_hook *h, const struct kbtf_dkms_framework *fw,
			struct scratch *s, bool was_signed, enum kbtf_compression comp,
			struct kbtf_buf *final)
{
	struct kbtf_buf b = {0}, packed = {0};
	int err;

	if (h->strip) {
		err = strip_debug(s->out);
		if (err)
			return err;
	}
	err = kbtf_buf_from_file(s->out, &b);
	if (err)
		return err;
	if (was_signed) {
		err = sign_again(h, fw, s->dir, &b);
		if (err)
			goto out;
	}
	if (comp != KBTF_COMP_NONE) {
		err = kbtf_compress(comp, b.data, b.size, &packed);
		if (err)
			goto out;
		kbtf_buf_release(&b);
		kbtf_buf_move(&b, &packed);
	}
	kbtf_buf_move(final, &b);
out:
	kbtf_buf_release(&b);
	return err;
}

int kbtf_dkms_embed_finished(const struct kbtf_dkms_hook *h, const struct kbtf_dkms_framework *fw,
			     const char *path, struct kbtf_kernel *base,
			     struct kbtf_distill_module_report *rep)
{
	struct kbtf_distill_module_opts o = {
	    .base = base, .kdir = h->kdir, .redistill = h->redistill};
	struct kbtf_module *m = NULL;
	struct kbtf_buf final = {0};
	struct scratch s;
	struct stat st;
	bool was_signed;
	enum kbtf_compression comp;
	int err;

	memset(rep, 0, sizeof(*rep));
	if (stat(path, &st))
		return kbtf_err(-errno, "%s", strerror(errno));
	err = kbtf_module_open(path, &m);
	if (err)
		return err;
	/*
	 * A .BTF.base kbuild distilled natively (pahole's distilled_base from
	 * 6.11, resolve_btfids from 7.x) is kept unless --redistill asks for
	 * kbtf's minimal one; kbtf's own is never redone.
	 */
	rep->origin = kbtf_base_origin(m, NULL);
	if (m->btf_base_data && !(h->redistill && kbtf_base_origin_native(rep->origin))) {
		rep->already = true;
		goto out;
	}
	was_signed = m->sig_len > 0;
	comp = m->compression;
	err = scratch_make(&s);
	if (err)
		goto out;
	o.out = s.out;
	err = kbtf_write_file_atomic(s.in, m->image.data, m->image.size, 0600);
	if (!err)
		err = kbtf_distill_module(s.in, &o, rep);
	if (!err && rep->already) {
		/* the split .BTF kbuild made is what this kernel reads: keep DKMS's file */
		scratch_remove(&s);
		goto out;
	}
	if (!err)
		err = finish_image(h, fw, &s, was_signed, comp, &final);
	if (!err)
		err = kbtf_write_file_atomic(path, final.data, final.size, st.st_mode & 07777);
	scratch_remove(&s);
	if (!err) {
		rep->resigned = was_signed;
		rep->compression = comp;
		rep->size_before = (size_t)st.st_size;
		rep->size_after = final.size;
	}
out:
	kbtf_buf_release(&final);
	kbtf_module_free(m);
	return err;
}

/* -------------------------------------------------------- validate */

static const char *report_ext(const char *format)
{
	if (!strcmp(format, "text"))
		return "txt";
	if (!strcmp(format, "junit"))
		return "xml";
	return format;
}

int kbtf_dkms_validate(const struct kbtf_dkms_hook *h, const char *path, char **report)
{
	const char *fmt = h->settings->report_format, *name = strrchr(path, '/');
	const char *argv[10];
	struct kbtf_buf out = {0};
	struct kbtf_run_opts o = {.capture = &out};
	int rc, i = 0;

	*report = NULL;
	name = name ? name + 1 : path;
	rc = kbtf_mkdir_p(h->report_dir, 0755);
	if (rc)
		return rc;
	if (asprintf(report, "%s/%s.kbtf-report.%s", h->report_dir, name, report_ext(fmt)) < 0) {
		*report = NULL;
		return kbtf_err_nomem();
	}
	argv[i++] = h->kbtf;
	argv[i++] = "validate";
	argv[i++] = path;
	argv[i++] = "--kernels";
	argv[i++] = h->settings->validate;
	argv[i++] = "--format";
	argv[i++] = fmt;
	argv[i++] = "-o";
	argv[i++] = *report;
	argv[i] = NULL;
	rc = kbtf_run(argv, &o);
	if (rc > 1)
		kbtf_err(-KBTF_ETOOL, "kbtf validate failed (exit %d): %s", rc,
			 kbtf_run_tail(&out, 3));
	kbtf_buf_release(&out);
	if (rc > 1)
		return -KBTF_ETOOL;
	return rc;
}

/* uname -m, for hooks run without --arch. */
const char *kbtf_dkms_machine(void)
{
	const char *m = kbtf_uname_machine();

	return m ? m : "unknown";
}
