/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * DKMS integration: the settings an admin keeps in /etc/dkms/kbtf.conf,
 * the parts of DKMS's own framework.conf that say how it signs modules,
 * the kbtf block "kbtf dkms enable" writes into /etc/dkms/<module>.conf,
 * and the two hooks that embed distilled BTF into what DKMS builds:
 *
 *   make-hook   chained into MAKE[0]: runs in DKMS's build directory right
 *               after make, before DKMS strips, signs and compresses;
 *   post-build  run as POST_BUILD: finds the finished (stripped, signed,
 *               compressed) modules in the DKMS tree and rewrites each in
 *               place, signed again with DKMS's key, compressed the same.
 *
 * docs/dkms.md is the user's guide to all of this.
 */
#ifndef KBTF_DKMS_H
#define KBTF_DKMS_H

#include <stdbool.h>
#include <stddef.h>

#include "kbtf/distill.h"
#include "kbtf/source.h"

/* Where DKMS keeps its configuration, and kbtf's file in it. */
#define KBTF_DKMS_ETC "/etc/dkms"
#define KBTF_DKMS_CONF_NAME "kbtf.conf"

/* What a hook does when it cannot embed BTF into a module. */
enum kbtf_dkms_on_error {
	KBTF_DKMS_WARN = 0, /* say why, keep the module as DKMS built it */
	KBTF_DKMS_FAIL,	    /* say why, fail (make-hook: DKMS fails the build) */
};

/* Parse "fail" / "warn"; -EINVAL otherwise. */
int kbtf_dkms_on_error_parse(const char *s, enum kbtf_dkms_on_error *out);

/*
 * kbtf's DKMS settings. Read from KBTF_DKMS_ETC/kbtf.conf ("KEY=VALUE"
 * lines, '#' comments, optional quotes), then overridden by the variables
 * of the same name in the environment:
 *   KBTF_DKMS_ON_ERROR  fail | warn (default warn)
 *   KBTF_DKMS_BASE      where to find a kernel's BTF when its build dir
 *                       has no vmlinux: ':'-separated candidates, each a
 *                       path in which %k stands for the kernel release
 *   KBTF_DKMS_VALIDATE  a kernel set (kbtf validate --kernels) to check
 *                       every module against; empty: no validation
 *   KBTF_DKMS_REPORT    report format kept beside the module: text, json,
 *                       md, html, junit (default text)
 */
struct kbtf_dkms_settings {
	enum kbtf_dkms_on_error on_error;
	char *base;
	char *validate;
	char *report_format;
	char *from; /* the file read, or NULL when none existed */
};

/* @path NULL: the default file. A missing file is not an error. */
int kbtf_dkms_settings_load(const char *path, struct kbtf_dkms_settings *s);
void kbtf_dkms_settings_release(struct kbtf_dkms_settings *s);

/*
 * How DKMS signs, from KBTF_DKMS_ETC/framework.conf and framework.conf.d/
 * (*.conf, in order), the way DKMS 3.0 reads them; $kernelver and
 * ${kernelver} are replaced by @kernelver. Unset values get DKMS's
 * defaults: dkms_tree /var/lib/dkms, key /var/lib/dkms/mok.key, cert
 * /var/lib/dkms/mok.pub; sign_file stays NULL (see kbtf_dkms_sign_tool).
 */
struct kbtf_dkms_framework {
	char *dkms_tree;
	char *sign_file;
	char *mok_key;
	char *mok_cert;
};

int kbtf_dkms_framework_load(const char *etc_dir, const char *kernelver,
			     struct kbtf_dkms_framework *fw);
void kbtf_dkms_framework_release(struct kbtf_dkms_framework *fw);

/*
 * The sign-file DKMS uses for @kernelver: framework.conf's sign_file, else
 * Debian's /usr/lib/linux-kbuild-<kernelver minus its last ".part">/scripts/
 * sign-file, else <kdir>/scripts/sign-file, else kbtf_sign_find_tool().
 * Heap string or NULL with the reason recorded.
 */
char *kbtf_dkms_sign_tool(const struct kbtf_dkms_framework *fw, const char *kernelver,
			  const char *kdir);

/*
 * The digest DKMS signs with: CONFIG_MODULE_SIG_HASH of the kernel's
 * config (@kdir/.config, then /boot/config-<kernelver>), else "sha512".
 * Writes into @buf.
 */
void kbtf_dkms_sign_hash(const char *kernelver, const char *kdir, char *buf, size_t len);

/* ------------------------------------------------ /etc/dkms/<module>.conf */

/* The lines that open and close kbtf's block in a module's conf file. */
#define KBTF_DKMS_BLOCK_BEGIN "# >>> kbtf >>>"
#define KBTF_DKMS_BLOCK_END "# <<< kbtf <<<"

struct kbtf_dkms_enable_opts {
	const char *kbtf;     /* absolute path of the kbtf to run */
	bool post_build;      /* the POST_BUILD way instead of MAKE[0] */
	const char *on_error; /* "fail", "warn" or NULL (kbtf.conf decides) */
};

/*
 * The block "kbtf dkms enable" writes, as a heap string. DKMS sources the
 * file with bash after the package's dkms.conf, with kernelver, arch,
 * kernel_source_dir, dkms_tree, module and module_version set.
 */
int kbtf_dkms_block(const struct kbtf_dkms_enable_opts *o, char **out);

/*
 * Edit a conf file's text: drop any kbtf block, then append @block (NULL:
 * only drop). Everything outside the block is kept byte for byte.
 * *@out is a heap string; *@had_block says whether a block was there.
 */
int kbtf_dkms_conf_edit(const char *text, const char *block, char **out, bool *had_block);

/* True when @text is empty or whitespace only (the file can go). */
bool kbtf_dkms_conf_is_blank(const char *text);

/* 0 when @name may be a DKMS module name (a file name, no '/'), else -EINVAL. */
int kbtf_dkms_module_name_check(const char *name);

/* ------------------------------------------------------------- the hooks */

struct kbtf_dkms_hook {
	const char *kernelver; /* required */
	const char *arch;      /* NULL: uname -m */
	const char *kdir;      /* kernel build dir; NULL: /lib/modules/<kv>/build */
	const char *base;      /* explicit base BTF source; NULL: look it up */
	const char *kbtf;      /* kbtf binary for "kbtf validate" */
	const struct kbtf_dkms_settings *settings;
	/* post-build: the DKMS module/ directory; make-hook: the build dir */
	const char *dir;
	/* where validation reports go; NULL: none kept */
	const char *report_dir;
	/*
	 * post-build: strip -g after embedding. For kernels whose headers have
	 * no vmlinux, kbuild makes no BTF and pahole needs the module's DWARF,
	 * so the enabled conf turns DKMS's own strip off and asks for this.
	 */
	bool strip;
	/* give modules kbuild distilled natively kbtf's minimal base instead */
	bool redistill;
	bool quiet;
};

/* uname -m (what DKMS calls arch), for hooks run without --arch. */
const char *kbtf_dkms_machine(void);

/*
 * Open the kernel whose BTF the modules were built against: h->base, else
 * the first existing KBTF_DKMS_BASE candidate, else kbtf_find_base() for
 * the release and kdir (KDIR/vmlinux, /boot/vmlinuz-<kv>, ...), else a
 * stored kernel profile named <kv>. @how (heap) says which was used.
 * -ENOENT names every place tried.
 */
int kbtf_dkms_open_base(const struct kbtf_dkms_hook *h, struct kbtf_kernel **k, char **how);

/*
 * Module files under @dir: *.ko, and with @compressed also *.ko.xz,
 * *.ko.gz, *.ko.zst. @recursive walks subdirectories (not hidden ones).
 * Sorted; free with kbtf_dkms_paths_free.
 */
int kbtf_dkms_find_modules(const char *dir, bool recursive, bool compressed, char ***paths,
			   size_t *n);
void kbtf_dkms_paths_free(char **paths, size_t n);

/*
 * Make-hook step for one freshly built, unsigned, uncompressed module: give
 * it, in place, the BTF its kernel reads (kbtf_distill_module with the form
 * picked by the release: plain split on @base before 6.11, distilled from
 * 6.11 on; @rep->form_why says which and why).
 */
int kbtf_dkms_embed_built(const struct kbtf_dkms_hook *h, const char *path,
			  struct kbtf_kernel *base, struct kbtf_distill_module_report *rep);

/*
 * Post-build step for one finished module file (maybe compressed, maybe
 * signed): decompress, cut the signature, give it the BTF its kernel reads
 * against @base, as kbtf_dkms_embed_built does (strip -g after, with
 * h->strip), sign again with DKMS's tool, key, certificate and hash when it
 * was signed, compress the same way, and replace the file atomically. A
 * module that has what its kernel reads already (@rep->already) is left as
 * DKMS made it; on failure too.
 */
int kbtf_dkms_embed_finished(const struct kbtf_dkms_hook *h, const struct kbtf_dkms_framework *fw,
			     const char *path, struct kbtf_kernel *base,
			     struct kbtf_distill_module_report *rep);

/*
 * Validate @path against h->settings->validate, writing the report to
 * h->report_dir/<module file name>.kbtf-report.<ext>. Returns validate's
 * exit status (0 all ok, 1 some kernel not ok) or a negative errno.
 */
int kbtf_dkms_validate(const struct kbtf_dkms_hook *h, const char *path, char **report);

#endif
