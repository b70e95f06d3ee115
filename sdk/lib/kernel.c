// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Kernel sources: turn whatever the user names (a file of any kind kbtf
 * reads, a directory, a release, a stored profile) into one struct
 * kbtf_kernel: its BTF bytes plus what it reveals about itself (release,
 * architecture, config, Module.symvers, boot image), each with a note
 * saying where it came from.
 *
 * Files are recognised by content, never by name: BTF magic, ELF, x86
 * setup header, Debian package, or a compression magic (peeled, then
 * looked at again). The BTF is borrowed from a file mapping when it can
 * be and copied out of a decompressed image otherwise, so a kernel holds
 * its BTF (~6 MB), not its 60 MB image.
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernel_bootimage.h"
#include "kernel_exports.h"
#include "kbtf/buf.h"
#include "pkg.h"
#include "pkg_deb.h"
#include "elf_read.h"
#include "kbtf/err.h"
#include "profile.h"
#include "profile_index.h"
#include "kbtf/source.h"
#include "kernel_priv.h"
#include "kernel_modexports.h"
#include "util.h"

#define MAX_NESTING 3 /* compression inside compression ... */
#define SYS_BTF_VMLINUX "/sys/kernel/btf/vmlinux"

struct kernel_priv {
	struct kbtf_kernel k;
	struct kbtf_buf file;		     /* a mapping btf_raw borrows from, when it does */
	char *tmp_dir;			     /* private .deb unpack dir, removed at free */
	const struct kbtf_kernel_opts *opts; /* during open only */
	bool have_path;			     /* opened from the file system (look for neighbours) */
	bool running;			     /* this is the running kernel */
	/* vmlinux's exports from the image (kernel_exports.c), Module.symvers
	 * text: used when no Module.symvers is found */
	char *image_exports;
	size_t image_exports_len, nr_image_exports;
	/* ... followed by the in-tree modules' (kernel_modexports.c), this many */
	size_t nr_module_exports;
};

static const char *const format_names[] = {
    [KBTF_FMT_UNKNOWN] = "unknown",
    [KBTF_FMT_RAW_BTF] = "raw BTF",
    [KBTF_FMT_ELF] = "ELF",
    [KBTF_FMT_MODULE] = "kernel module",
    [KBTF_FMT_BOOT_IMAGE] = "boot image",
    [KBTF_FMT_DEB] = "Debian package",
    [KBTF_FMT_DIR] = "directory",
    [KBTF_FMT_RELEASE] = "kernel release",
    [KBTF_FMT_PROFILE] = "kbtf profile",
    [KBTF_FMT_PACKAGE] = "package",
};

const char *kbtf_format_str(enum kbtf_format f)
{
	if ((unsigned int)f < sizeof(format_names) / sizeof(format_names[0]) && format_names[f])
		return format_names[f];
	return "unknown";
}

/* ---------------------------------------------------------------- helpers */

/* Replace *@slot with a formatted string (the old value may be an argument). */
static int KBTF_PRINTF(2, 3) set_str(char **slot, const char *fmt, ...)
{
	char *s;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return kbtf_err_nomem();
	free(*slot);
	*slot = s;
	return 0;
}

static char *path_join(const char *dir, const char *name)
{
	char *s;

	return asprintf(&s, "%s/%s", dir, name) < 0 ? NULL : s;
}

/* Directory part of @path ("." when there is none), heap string. */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

static bool release_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       c == '.' || c == '-' || c == '_' || c == '+' || c == '~';
}

/* A release starts with a digit and holds release characters only. */
static bool looks_like_release(const char *s, size_t n)
{
	size_t i;

	if (!n || s[0] < '0' || s[0] > '9')
		return false;
	for (i = 0; i < n; i++)
		if (!release_char(s[i]))
			return false;
	return true;
}

/*
 * A release named in a path: vmlinuz-<rel>, vmlinux-<rel>, config-<rel>,
 * linux-headers-<rel>, linux-image-<rel>_..., linux-binary-<rel>_...,
 * or modules/<rel>/. The last component that names one wins.
 */
static char *release_from_path(const char *path)
{
	static const char *const prefixes[] = {
	    "vmlinuz-", "vmlinux-", "config-", "linux-headers-", "linux-image-", "linux-binary-",
	};
	const char *comp = path, *next, *prev = NULL;
	char *found = NULL;
	size_t n, i, pl;

	while (*comp) {
		next = strchr(comp, '/');
		n = next ? (size_t)(next - comp) : strlen(comp);
		for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
			pl = strlen(prefixes[i]);
			if (n > pl && !strncmp(comp, prefixes[i], pl)) {
				size_t rl = n - pl;
				const char *us = memchr(comp + pl, '_', rl);

				if (us) /* package file name: <pkg>_<version>_<arch>.deb */
					rl = (size_t)(us - comp - pl);
				if (looks_like_release(comp + pl, rl)) {
					free(found);
					found = strndup(comp + pl, rl);
				}
			}
		}
		/* modules/<rel>/..., and RHEL's usr/src/kernels/<rel>/... */
		if (prev && next &&
		    (((size_t)(comp - prev) == 8 && !strncmp(prev, "modules/", 8)) ||
		     ((size_t)(comp - prev) == 8 && !strncmp(prev, "kernels/", 8))) &&
		    looks_like_release(comp, n)) {
			free(found);
			found = strndup(comp, n);
		}
		prev = comp;
		if (!next)
			break;
		comp = next + 1;
	}
	return found;
}

/* ---------------------------------------------------------------- BTF */

/*
 * Take @size bytes at @data as the kernel's BTF. When they lie inside
 * @holder and it is a mapping (or borrowed memory), keep @holder alive and
 * borrow; otherwise copy them out so @holder can be freed.
 */
static int adopt_btf(struct kernel_priv *p, const uint8_t *data, size_t size,
		     struct kbtf_buf *holder)
{
	if (holder->owner == KBTF_BUF_HEAP && data == holder->data && size == holder->size) {
		kbtf_buf_move(&p->k.btf_raw, holder);
		return 0;
	}
	if (holder->owner != KBTF_BUF_HEAP) {
		kbtf_buf_release(&p->file);
		kbtf_buf_move(&p->file, holder);
		p->k.btf_raw = (struct kbtf_buf){(uint8_t *)data, size, KBTF_BUF_BORROWED};
		return 0;
	}
	return kbtf_buf_dup(data, size, &p->k.btf_raw);
}

static void note_release(struct kernel_priv *p, char *rel, const char *from)
{
	if (!rel)
		return;
	if (p->k.release) {
		free(rel);
		return;
	}
	p->k.release = rel;
	p->k.release_from = strdup(from);
}

static void note_config(struct kernel_priv *p, char *text, size_t len, const char *from)
{
	if (p->k.config) {
		free(text);
		return;
	}
	p->k.config = text;
	p->k.config_len = len;
	p->k.config_from = strdup(from);
}

static void try_config_file(struct kernel_priv *p, const char *path)
{
	char *text;
	size_t len;

	if (!p->k.config && kbtf_is_file(path) && !kbtf_kconfig_read_file(path, &text, &len))
		note_config(p, text, len, path);
}

/* The kernel's private scratch directory (a .deb's unpack dir), made on first use. */
static int work_dir(struct kernel_priv *p, const char **out)
{
	const char *tmp = getenv("TMPDIR");
	int err;

	if (!p->tmp_dir) {
		if (asprintf(&p->tmp_dir, "%s/kbtf-deb-XXXXXX", tmp && *tmp ? tmp : "/tmp") < 0) {
			p->tmp_dir = NULL;
			return kbtf_err_nomem();
		}
		if (!mkdtemp(p->tmp_dir)) {
			err = -errno;
			free(p->tmp_dir);
			p->tmp_dir = NULL;
			return kbtf_err(err, "cannot make a temporary directory: %s",
					strerror(-err));
		}
	}
	*out = p->tmp_dir;
	return 0;
}

/* The compression of the file at @path, from its first bytes. */
static enum kbtf_compression file_compression(const char *path)
{
	uint8_t head[8];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return KBTF_COMP_NONE;
	n = read(fd, head, sizeof(head));
	close(fd);
	return n > 0 ? kbtf_compression_detect(head, (size_t)n) : KBTF_COMP_NONE;
}

/*
 * RHEL, Fedora and SUSE ship Module.symvers compressed (symvers.xz,
 * symvers-REL.gz): its text goes to the work dir, where readers of
 * symvers_path find it plain.
 */
static char *plain_symvers(struct kernel_priv *p, const char *path)
{
	enum kbtf_compression c = file_compression(path);
	struct kbtf_buf b, plain = {0};
	const char *dir;
	char *out = NULL;

	if (c == KBTF_COMP_NONE)
		return strdup(path);
	if (kbtf_buf_from_file(path, &b))
		return NULL;
	if (!kbtf_decompress(c, b.data, b.size, KBTF_INPUT_MAX, &plain) && !work_dir(p, &dir) &&
	    asprintf(&out, "%s/Module.symvers", dir) >= 0 &&
	    kbtf_write_file_atomic(out, plain.data, plain.size, 0644)) {
		free(out);
		out = NULL;
	}
	kbtf_buf_release(&b);
	kbtf_buf_release(&plain);
	return out;
}

static void try_symvers(struct kernel_priv *p, const char *path)
{
	if (!p->k.symvers_path && kbtf_is_file(path))
		p->k.symvers_path = plain_symvers(p, path);
}

/* An ELF vmlinux (or a module carrying complete vmlinux BTF, issue 7). */
static int from_elf(struct kernel_priv *p, struct kbtf_buf *img)
{
	struct kbtf_elf *e;
	struct kbtf_elf_sec sec;
	char *text;
	size_t len;
	int err;

	err = kbtf_elf_open(img->data, img->size, &e);
	if (err)
		return err;
	p->k.arch = strdup(kbtf_elf_arch(e));
	p->k.endian = kbtf_elf_endian(e);
	err = kbtf_elf_section(e, ".BTF", &sec);
	if (err == -ENOENT || (!err && !sec.size)) {
		err = kbtf_err(-ENOENT,
			       "ELF %s has no .BTF section (built without "
			       "CONFIG_DEBUG_INFO_BTF?)",
			       kbtf_elf_is_rel(e) ? "module" : "file");
		goto out;
	}
	if (err)
		goto out;
	if (kbtf_elf_is_rel(e)) {
		if (kbtf_btf_is_split(sec.data, sec.size)) {
			err = kbtf_err(-EINVAL, "a kernel module whose .BTF is split BTF: it needs "
						"a kernel, it is not one");
			goto out;
		}
		p->k.format = KBTF_FMT_MODULE;
		set_str(&p->k.format_detail, "kernel module carrying complete (non-split) BTF");
	} else if (p->k.format == KBTF_FMT_UNKNOWN) {
		p->k.format = KBTF_FMT_ELF;
		set_str(&p->k.format_detail, "ELF %s vmlinux%s", kbtf_elf_arch(e),
			kbtf_elf_has_section(e, ".text") ? "" : " (BTF-only)");
	}
	note_release(p, kbtf_linux_banner_release(img->data, img->size), "Linux version banner");
	if (!p->k.config && !kbtf_kconfig_from_image(img->data, img->size, &text, &len))
		note_config(p, text, len, "IKCONFIG in the image");
	/* a table that does not hold together is no export list: the symbols
	 * then stay unchecked, as without one */
	if (!kbtf_elf_is_rel(e) && !p->image_exports &&
	    kbtf_kernel_exports_read(e, &p->image_exports, &p->image_exports_len,
				     &p->nr_image_exports) == -ENOMEM) {
		err = -ENOMEM;
		goto out;
	}
	err = adopt_btf(p, sec.data, sec.size, img);
out:
	kbtf_elf_close(e);
	return err;
}

static int from_raw_btf(struct kernel_priv *p, struct kbtf_buf *b)
{
	if (kbtf_btf_is_split(b->data, b->size))
		return kbtf_err(-EINVAL, "split BTF (its strings continue a base): a module's BTF, "
					 "not a kernel's");
	p->k.format = KBTF_FMT_RAW_BTF;
	p->k.endian = b->data[0] == 0x9f ? KBTF_ENDIAN_LITTLE : KBTF_ENDIAN_BIG;
	set_str(&p->k.format_detail, "raw BTF, %s-endian",
		p->k.endian == KBTF_ENDIAN_LITTLE ? "little" : "big");
	return adopt_btf(p, b->data, b->size, b);
}

static int from_boot_image(struct kernel_priv *p, struct kbtf_buf *b)
{
	struct kbtf_bootimage bi;
	int err;

	err = kbtf_bootimage_read(b->data, b->size, &bi);
	if (err)
		return err;
	p->k.format = KBTF_FMT_BOOT_IMAGE;
	p->k.compression = bi.compression;
	if (bi.has_setup_header)
		set_str(&p->k.format_detail, "bzImage (boot protocol %u.%02u), %s payload%s",
			bi.protocol >> 8, bi.protocol & 0xff, kbtf_compression_str(bi.compression),
			bi.scanned ? " found by scanning" : "");
	else
		set_str(&p->k.format_detail, "boot image, %s payload found by scanning",
			kbtf_compression_str(bi.compression));
	if (bi.release) {
		note_release(p, bi.release, "boot image header");
		bi.release = NULL;
	}
	err = from_elf(p, &bi.elf);
	kbtf_bootimage_release(&bi);
	return err;
}

/* An arm64 Image: the kernel as loaded, its .BTF found by its header. */
static int from_arm64_image(struct kernel_priv *p, struct kbtf_buf *b)
{
	bool be = kbtf_arm64_image_big_endian(b->data, b->size);
	size_t off, len;
	char *text;
	int err;

	if (p->k.format == KBTF_FMT_UNKNOWN) {
		p->k.format = KBTF_FMT_BOOT_IMAGE;
		set_str(&p->k.format_detail, "arm64 Image%s",
			b->data[0] == 'M' && b->data[1] == 'Z' ? " with EFI stub" : "");
	}
	p->k.arch = strdup("aarch64");
	p->k.endian = be ? KBTF_ENDIAN_BIG : KBTF_ENDIAN_LITTLE;
	note_release(p, kbtf_linux_banner_release(b->data, b->size), "Linux version banner");
	if (!p->k.config && !kbtf_kconfig_from_image(b->data, b->size, &text, &len))
		note_config(p, text, len, "IKCONFIG in the image");
	err = kbtf_image_find_btf(b->data, b->size, be, &off, &len);
	if (err)
		return err;
	return adopt_btf(p, b->data + off, len, b);
}

static int open_bytes(struct kernel_priv *p, struct kbtf_buf *b, int depth);

/* EFI zboot: the compressed Image inside a PE wrapper. */
static int from_zboot(struct kernel_priv *p, struct kbtf_buf *b, int depth)
{
	struct kbtf_buf image;
	enum kbtf_compression c;
	char name[16];
	int err;

	if (depth >= MAX_NESTING)
		return kbtf_err(-EINVAL, "compressed %d levels deep", depth);
	err = kbtf_zboot_read(b->data, b->size, &image, &c, name);
	if (err)
		return err;
	p->k.format = KBTF_FMT_BOOT_IMAGE;
	p->k.compression = c;
	set_str(&p->k.format_detail, "EFI zboot image, %s payload (arm64 Image)",
		kbtf_compression_str(c));
	err = from_arm64_image(p, &image);
	kbtf_buf_release(&image);
	return err;
}

static int from_compressed(struct kernel_priv *p, struct kbtf_buf *b, enum kbtf_compression c,
			   int depth)
{
	struct kbtf_buf plain;
	int err;

	if (depth >= MAX_NESTING)
		return kbtf_err(-EINVAL, "compressed %d levels deep", depth);
	err = kbtf_decompress(c, b->data, b->size, KBTF_INPUT_MAX, &plain);
	if (err)
		return err;
	if (p->k.compression == KBTF_COMP_NONE)
		p->k.compression = c;
	err = open_bytes(p, &plain, depth + 1);
	kbtf_buf_release(&plain);
	if (!err)
		set_str(&p->k.format_detail, "%s-compressed %s", kbtf_compression_str(c),
			p->k.format_detail);
	return err;
}

/* Recognise @b by content and take what it holds; @b may be moved from. */
static int open_bytes(struct kernel_priv *p, struct kbtf_buf *b, int depth)
{
	enum kbtf_compression c;

	if (kbtf_btf_has_magic(b->data, b->size))
		return from_raw_btf(p, b);
	if (kbtf_elf_detect(b->data, b->size))
		return from_elf(p, b);
	if (kbtf_bootimage_detect(b->data, b->size))
		return from_boot_image(p, b);
	if (kbtf_zboot_detect(b->data, b->size))
		return from_zboot(p, b, depth);
	if (kbtf_arm64_image_detect(b->data, b->size))
		return from_arm64_image(p, b);
	if (kbtf_deb_detect(b->data, b->size))
		return kbtf_err(-EINVAL, "a Debian package can only be read from a file");
	c = kbtf_compression_detect(b->data, b->size);
	if (c != KBTF_COMP_NONE)
		return from_compressed(p, b, c, depth);
	if (b->size < 4)
		return kbtf_err(-EINVAL, "%zu bytes: too short to be a kernel", b->size);
	return kbtf_err(-EINVAL, "not a kernel: unrecognised content (starts %02x %02x %02x %02x)",
			b->data[0], b->data[1], b->data[2], b->data[3]);
}

/* ---------------------------------------------------------------- neighbours */

/* Config, Module.symvers and release from where the file lives. */
static void look_around(struct kernel_priv *p, const char *path)
{
	char *dir = dir_of(path), *s;
	const char *rel;

	note_release(p, release_from_path(path), "file path");
	rel = p->k.release;
	if (rel && asprintf(&s, "%s/config-%s", dir, rel) >= 0) {
		try_config_file(p, s);
		free(s);
	}
	if ((s = path_join(dir, ".config"))) {
		try_config_file(p, s);
		free(s);
	}
	if ((s = path_join(dir, "Module.symvers"))) {
		try_symvers(p, s);
		free(s);
	}
	free(dir);
}

/* Places a release's files live on Debian and in kbuild trees. */
static void look_by_release(struct kernel_priv *p)
{
	const char *rel = p->k.release;
	char s[PATH_MAX];

	if (!rel)
		return;
	if (p->running)
		try_config_file(p, "/proc/config.gz");
	snprintf(s, sizeof(s), "/boot/config-%s", rel);
	try_config_file(p, s);
	snprintf(s, sizeof(s), "/lib/modules/%s/build/.config", rel);
	try_config_file(p, s);
	snprintf(s, sizeof(s), "/usr/src/linux-headers-%s/.config", rel);
	try_config_file(p, s);
	snprintf(s, sizeof(s), "/lib/modules/%s/build/Module.symvers", rel);
	try_symvers(p, s);
	snprintf(s, sizeof(s), "/usr/src/linux-headers-%s/Module.symvers", rel);
	try_symvers(p, s);
}

/* @b is @path's content, read once by the caller; it may be moved from. */
static int open_content(struct kernel_priv *p, const char *path, struct kbtf_buf *b)
{
	char real[PATH_MAX];
	int err;

	if (realpath(path, real) && !strcmp(real, SYS_BTF_VMLINUX) && kbtf_uname_release()) {
		p->running = true;
		note_release(p, strdup(kbtf_uname_release()), "uname (running kernel)");
		if (kbtf_uname_machine())
			p->k.arch = strdup(kbtf_uname_machine());
	}
	err = open_bytes(p, b, 0);
	if (err)
		return err;
	if (p->k.format == KBTF_FMT_BOOT_IMAGE && !p->k.image_path)
		p->k.image_path = strdup(path);
	look_around(p, path);
	return 0;
}

static int open_file(struct kernel_priv *p, const char *path)
{
	struct kbtf_buf b;
	int err = kbtf_buf_from_file(path, &b);

	if (err)
		return err;
	err = open_content(p, path, &b);
	kbtf_buf_release(&b);
	return err;
}

/* ---------------------------------------------------------------- directories */

static char *glob_escape(const char *s)
{
	char *out = malloc(strlen(s) * 2 + 1), *o = out;

	if (!out)
		return NULL;
	for (; *s; s++) {
		if (strchr("*?[]\\", *s))
			*o++ = '\\';
		*o++ = *s;
	}
	*o = '\0';
	return out;
}

/* Every regular file under @dir matching one of @pats (NULL-terminated). */
static int glob_under(const char *dir, const char *const *pats, glob_t *g)
{
	char *edir = glob_escape(dir), *pat;
	int flags = 0, r;

	memset(g, 0, sizeof(*g));
	if (!edir)
		return kbtf_err_nomem();
	for (; *pats; pats++) {
		if (asprintf(&pat, "%s/%s", edir, *pats) < 0) {
			free(edir);
			return kbtf_err_nomem();
		}
		r = glob(pat, flags, NULL, g);
		free(pat);
		if (r == GLOB_NOSPACE) {
			free(edir);
			return kbtf_err_nomem();
		}
		flags = GLOB_APPEND;
	}
	free(edir);
	return 0;
}

static const char *const image_pats[] = {"boot/vmlinuz-*", "usr/lib/modules/*/vmlinuz",
					 "lib/modules/*/vmlinuz", NULL};
/* Debian, Ubuntu; Arch's -headers (build/vmlinux); RHEL, Fedora -devel; debug vmlinux */
static const char *const vmlinux_pats[] = {"usr/src/linux-headers-*/vmlinux",
					   "usr/lib/modules/*/build/vmlinux",
					   "lib/modules/*/build/vmlinux",
					   "usr/src/kernels/*/vmlinux",
					   "usr/lib/debug/boot/vmlinux-*",
					   "usr/lib/debug/lib/modules/*/vmlinux",
					   NULL};
static const char *const config_pats[] = {"boot/config-*",
					  "usr/lib/modules/*/config",
					  "lib/modules/*/config",
					  "usr/src/linux-headers-*/.config",
					  "usr/lib/modules/*/build/.config",
					  "lib/modules/*/build/.config",
					  "usr/src/kernels/*/.config",
					  NULL};
/* plain first; then RHEL's lib/modules/REL/symvers.xz, SUSE's boot/symvers-REL.gz */
static const char *const symvers_pats[] = {"usr/src/linux-headers-*/Module.symvers",
					   "usr/lib/modules/*/build/Module.symvers",
					   "lib/modules/*/build/Module.symvers",
					   "usr/src/kernels/*/Module.symvers",
					   "lib/modules/*/Module.symvers",
					   "usr/lib/modules/*/Module.symvers",
					   "lib/modules/*/symvers.*",
					   "usr/lib/modules/*/symvers.*",
					   "boot/symvers-*",
					   NULL};
/* kernel-abi-stablelists: lib/modules/kabi-rhel100/kabi_stablelist_x86_64 */
static const char *const kabi_pats[] = {"lib/modules/kabi-*/kabi_stablelist_*",
					"usr/lib/modules/kabi-*/kabi_stablelist_*", NULL};

/* The one file @pats find under @dir: NULL for none, -EEXIST'd error for several. */
static int find_one(const char *dir, const char *const *pats, const char *what, char **out)
{
	glob_t g;
	int err;

	*out = NULL;
	err = glob_under(dir, pats, &g);
	if (err)
		return err;
	if (g.gl_pathc > 1)
		err = kbtf_err(-EEXIST, "%zu %s files (%s, ...): name the one you mean", g.gl_pathc,
			       what, g.gl_pathv[0]);
	else if (g.gl_pathc == 1 && !(*out = strdup(g.gl_pathv[0])))
		err = kbtf_err_nomem();
	globfree(&g);
	return err;
}

/*
 * Of several candidate files, the one for @rel: the first whose path names
 * the release, else the only one unless its path names another release
 * (a --with package of another kernel); NULL rather than a guess.
 */
static const char *pick_for_release(char *const *paths, size_t n, const char *rel)
{
	char *other;
	size_t i;

	for (i = 0; rel && i < n; i++)
		if (strstr(paths[i], rel))
			return paths[i];
	if (n != 1)
		return NULL;
	other = rel ? release_from_path(paths[0]) : NULL;
	free(other);
	return other ? NULL : paths[0];
}

/* Open @src (relative to @dir), the kernel of an unpacked package. */
static int open_member(struct kernel_priv *p, const char *dir, const char *src)
{
	char *path = path_join(dir, src);
	int err;

	if (!path)
		return kbtf_err_nomem();
	err = open_file(p, path);
	free(path);
	if (err)
		return kbtf_err_prefix(err, "%s", src);
	set_str(&p->k.format_detail, "%s: %s", src, p->k.format_detail);
	return 0;
}

/* Config and Module.symvers among @pats under @dir, for the kernel's release. */
static void take_extras(struct kernel_priv *p, const char *dir)
{
	const char *const *const sets[3] = {config_pats, symvers_pats, kabi_pats};
	const char *hit;
	glob_t g;
	int i;

	for (i = 0; i < 3; i++) {
		if (glob_under(dir, sets[i], &g))
			continue;
		/* the stablelist of the kernel's architecture, named in its file name */
		hit = pick_for_release(g.gl_pathv, g.gl_pathc, i == 2 ? p->k.arch : p->k.release);
		if (hit && i == 0)
			try_config_file(p, hit);
		else if (hit && i == 1)
			try_symvers(p, hit);
		else if (hit && !p->k.kabi_path)
			p->k.kabi_path = strdup(hit);
		globfree(&g);
	}
}

/* A kbtf bundle unpacked at @bdir (pkg_bundle.c has the layout). */
static int open_bundle(struct kernel_priv *p, const char *bdir)
{
	static const char *const symvers[] = {"Module.symvers", "symvers-*", NULL};
	struct kbtf_bundle_manifest m;
	struct kbtf_buf text;
	char *s;
	glob_t g;
	int err;

	if (!(s = path_join(bdir, "manifest")))
		return kbtf_err_nomem();
	err = kbtf_buf_from_file(s, &text);
	free(s);
	if (err)
		return err;
	err = kbtf_bundle_parse_manifest((const char *)text.data, text.size, &m);
	kbtf_buf_release(&text);
	if (err)
		return err;
	if (m.release[0])
		note_release(p, strdup(m.release), "bundle manifest");
	if (!(s = path_join(bdir, "vmlinux.btf")))
		return kbtf_err_nomem();
	err = kbtf_is_file(s) ? open_file(p, s)
			      : kbtf_err(-ENOENT, "bundle has no vmlinux.btf (the machine has "
						  "no /sys/kernel/btf/vmlinux)");
	free(s);
	if (err)
		return err;
	if (m.machine[0] && !p->k.arch)
		p->k.arch = strdup(m.machine);
	if ((s = path_join(bdir, "config"))) {
		try_config_file(p, s);
		free(s);
	}
	if (!glob_under(bdir, symvers, &g)) {
		if (g.gl_pathc)
			try_symvers(p, g.gl_pathv[0]);
		globfree(&g);
	}
	set_str(&p->k.format_detail, "kbtf bundle of %s%s%s%s, %s", m.release[0] ? m.release : "?",
		m.os[0] ? " (" : "", m.os, m.os[0] ? ")" : "", p->k.format_detail);
	return 0;
}

/* A bundle or a BTFHub file unpacked in @dir: 1 when it was one (opened, or err). */
static int open_special(struct kernel_priv *p, const char *dir, int *err)
{
	static const char *const bundle[] = {KBTF_BUNDLE_PREFIX "*/manifest", "manifest", NULL};
	static const char *const btfhub[] = {"[0-9]*.btf", NULL};
	char *bdir, *rel;
	const char *leaf;
	glob_t g;
	int found = 0;

	if (glob_under(dir, bundle, &g))
		return 0;
	if (g.gl_pathc == 1 && (bdir = dir_of(g.gl_pathv[0]))) {
		found = 1;
		*err = open_bundle(p, bdir);
		free(bdir);
	} else if (g.gl_pathc > 1) {
		found = 1;
		*err = kbtf_err(-EEXIST, "%zu bundles here: name the one you mean", g.gl_pathc);
	}
	globfree(&g);
	if (found || glob_under(dir, btfhub, &g))
		return found;
	if (g.gl_pathc == 1) {
		found = 1;
		leaf = strrchr(g.gl_pathv[0], '/') + 1;
		rel = kbtf_btfhub_member_release(leaf);
		note_release(p, rel, "BTFHub file name");
		*err = open_member(p, dir, leaf);
	}
	globfree(&g);
	return found;
}

/* An unpacked package (or several unpacked into one directory). */
static int open_unpacked(struct kernel_priv *p, const char *dir)
{
	char *img = NULL, *vml = NULL;
	int err = 0;

	if (open_special(p, dir, &err))
		return err;
	err = find_one(dir, image_pats, "boot image", &img);
	if (!err && !img)
		err = find_one(dir, vmlinux_pats, "vmlinux", &vml);
	if (!err && !img && !vml)
		err =
		    kbtf_err(-ENOENT, "no kernel here: no boot image (boot/vmlinuz-*, "
				      "[usr/]lib/modules/*/vmlinuz), no vmlinux (linux-headers-*, "
				      "kernels/*, modules/*/build), no BTFHub *.btf, no bundle");
	if (!err)
		err = open_member(p, dir, (img ? img : vml) + strlen(dir) + 1);
	if (!err)
		take_extras(p, dir);
	free(img);
	free(vml);
	return err;
}

/* A kernel build tree: vmlinux beside .config / Module.symvers. */
static int open_build_dir(struct kernel_priv *p, const char *dir)
{
	char *vml = path_join(dir, "vmlinux");
	int err;

	if (!vml)
		return kbtf_err_nomem();
	err = open_file(p, vml);
	if (err)
		kbtf_err_prefix(err, "%s", vml);
	else
		set_str(&p->k.format_detail, "kernel build directory: %s", p->k.format_detail);
	free(vml);
	return err;
}

/* btf.layer1, btf.layer2, ... until one is missing. */
static int open_profile_layers(struct kernel_priv *p, const char *dir)
{
	char name[32], *path;
	unsigned int n;
	int err = 0;

	for (n = 1; !err && n <= KBTF_KERNEL_MAX_LAYERS; n++) {
		snprintf(name, sizeof(name), KBTF_PROFILE_LAYER "%u", n);
		path = path_join(dir, name);
		if (!path)
			return kbtf_err_nomem();
		if (!kbtf_is_file(path)) {
			free(path);
			break;
		}
		err = kbtf_kernel_add_layer(&p->k, path);
		free(path);
	}
	return err;
}

/*
 * A profile whose index holds Module.symvers whole keeps no copy of the
 * file (kbtf_pindex_write()): its text is rebuilt from the index into the
 * work dir for the readers of symvers_path. The profile says it has one:
 * an index that cannot give it back is an error, never "no Module.symvers".
 */
static int symvers_from_index(struct kernel_priv *p, const char *dir)
{
	const char *work = p->opts ? p->opts->work_dir : NULL;
	char *path;
	FILE *f;
	int err;

	if (p->opts && p->opts->symvers)
		return 0; /* the caller's replaces it */
	if (!work && (err = work_dir(p, &work)))
		return err;
	if (asprintf(&path, "%s/Module.symvers", work) < 0)
		return kbtf_err_nomem();
	f = fopen(path, "we");
	if (!f) {
		err = kbtf_err(-errno, "%s: cannot create: %s", path, strerror(errno));
		free(path);
		return err;
	}
	err = kbtf_pindex_print_symvers(dir, f);
	if (fclose(f) && !err)
		err = kbtf_err(-EIO, "%s: cannot write", path);
	if (err) {
		unlink(path);
		free(path);
		return kbtf_err_prefix(err, "%s: its Module.symvers is kept in its index", dir);
	}
	p->k.symvers_path = path;
	return 0;
}

static int open_profile(struct kernel_priv *p, const char *dir)
{
	struct kbtf_profile_info info;
	bool have_info;
	struct kbtf_buf b;
	char *s;
	int err;

	err = kbtf_profile_load_btf(dir, &b);
	if (err)
		return err;
	if (!kbtf_btf_has_magic(b.data, b.size)) {
		kbtf_buf_release(&b);
		return kbtf_err(-EINVAL, "profile btf file is not BTF");
	}
	err = from_raw_btf(p, &b);
	kbtf_buf_release(&b);
	if (err)
		return err;
	p->k.format = KBTF_FMT_PROFILE;
	set_str(&p->k.format_detail, "kbtf kernel profile");
	memset(&info, 0, sizeof(info));
	have_info = !kbtf_profile_read_info(dir, &info);
	if (have_info) {
		if (info.release[0])
			note_release(p, strdup(info.release), "profile");
		if (info.arch[0])
			p->k.arch = strdup(info.arch);
		if (info.origin[0])
			set_str(&p->k.format_detail, "kbtf kernel profile of %s", info.origin);
	}
	if (!p->k.release && (s = path_join(dir, KBTF_PROFILE_RELEASE))) {
		char *text;
		size_t len;

		if (!kbtf_kconfig_read_file(s, &text, &len)) {
			text[strcspn(text, "\r\n")] = '\0';
			if (looks_like_release(text, strlen(text)))
				note_release(p, strdup(text), "profile");
			free(text);
		}
		free(s);
	}
	if ((s = path_join(dir, KBTF_PROFILE_CONFIG))) {
		/* kbtf wrote it: one that does not read is a damaged profile */
		char *text;
		size_t len;

		if (!p->k.config && kbtf_is_file(s)) {
			err = kbtf_profile_read_config(dir, &text, &len);
			if (err) {
				free(s);
				return err;
			}
			note_config(p, text, len, s);
		}
		free(s);
	}
	if ((s = path_join(dir, KBTF_PROFILE_SYMVERS))) {
		/* zstd in a profile: its readers decompress it (kbtf_profile_read_text) */
		if (!p->k.symvers_path && kbtf_is_file(s))
			p->k.symvers_path = s;
		else
			free(s);
	}
	if (!p->k.symvers_path && have_info && info.has_symvers) {
		err = symvers_from_index(p, dir);
		if (err)
			return err;
	}
	/* a stored image export table is still one (kbtf_profile_info) */
	if (p->k.symvers_path && info.symvers_image) {
		p->k.image_exports = info.symvers_image;
		p->k.module_exports = info.symvers_modules;
	}
	if ((s = path_join(dir, KBTF_PROFILE_KABI))) {
		if (kbtf_is_file(s))
			p->k.kabi_path = s;
		else
			free(s);
	}
	if ((s = path_join(dir, KBTF_PROFILE_IMAGE))) {
		if (kbtf_is_file(s))
			p->k.image_path = s;
		else
			free(s);
	}
	return open_profile_layers(p, dir);
}

static int dir_module_exports(struct kernel_priv *p, const char *dir);
static int pkg_module_exports(struct kernel_priv *p, const char *path, const struct kbtf_buf *b);

static int open_dir(struct kernel_priv *p, const char *dir)
{
	char *vml, *cfg, *sym;
	bool build;
	int err;

	if (kbtf_profile_is_dir(dir))
		return open_profile(p, dir);
	vml = path_join(dir, "vmlinux");
	cfg = path_join(dir, ".config");
	sym = path_join(dir, "Module.symvers");
	build = vml && cfg && sym && kbtf_is_file(vml) && (kbtf_is_file(cfg) || kbtf_is_file(sym));
	free(vml);
	free(cfg);
	free(sym);
	err = build ? open_build_dir(p, dir) : open_unpacked(p, dir);
	if (!err && !build)
		err = dir_module_exports(p, dir);
	if (!err)
		p->k.format = KBTF_FMT_DIR;
	return err;
}

/* ---------------------------------------------------------------- packages */

/* The package's members by role; several boot images are ambiguous. */
static int open_deb_members(struct kernel_priv *p, const char *dir, const struct kbtf_deb *deb)
{
	char *by_role[KBTF_DEB_VMLINUX + 1][8];
	size_t n[KBTF_DEB_VMLINUX + 1] = {0}, i;
	const char *bin, *hit;
	enum kbtf_deb_role r;
	int err;

	for (i = 0; i < deb->nr_files; i++) {
		r = deb->files[i].role;
		if (r != KBTF_DEB_OTHER && r <= KBTF_DEB_VMLINUX && n[r] < 8)
			by_role[r][n[r]++] = deb->files[i].path;
	}
	if (n[KBTF_DEB_BOOT_IMAGE] > 1)
		return kbtf_err(-EEXIST, "package %s holds %zu boot images",
				deb->package ? deb->package : "?", n[KBTF_DEB_BOOT_IMAGE]);
	if (n[KBTF_DEB_BOOT_IMAGE])
		err = open_member(p, dir, by_role[KBTF_DEB_BOOT_IMAGE][0]);
	else if (n[KBTF_DEB_VMLINUX])
		err = open_member(p, dir, by_role[KBTF_DEB_VMLINUX][0]);
	else if ((bin = deb->depends ? strstr(deb->depends, "linux-binary-") : NULL))
		err = kbtf_err(-ENOENT, "package %s holds no kernel image: it is in %.*s",
			       deb->package ? deb->package : "?", (int)strcspn(bin, " ,("), bin);
	else
		err = kbtf_err(-ENOENT, "package %s holds no kernel image or BTF vmlinux",
			       deb->package ? deb->package : "?");
	if (err)
		return err;
	for (r = KBTF_DEB_CONFIG; r <= KBTF_DEB_SYMVERS; r++) {
		char *path;

		hit = pick_for_release(by_role[r], n[r], p->k.release);
		if (!hit || !(path = path_join(dir, hit)))
			continue;
		if (r == KBTF_DEB_CONFIG)
			try_config_file(p, path);
		else
			try_symvers(p, path);
		free(path);
	}
	return 0;
}

/* @b is the package, read once by the caller (a FIFO cannot be read again). */
static int open_deb(struct kernel_priv *p, const struct kbtf_buf *b)
{
	const struct kbtf_kernel_opts *o = p->opts;
	const char *dir = o ? o->work_dir : NULL;
	struct kbtf_deb deb;
	int err;

	if (!dir && (err = work_dir(p, &dir)))
		return err;
	err = kbtf_deb_extract_buf_until(b->data, b->size, dir, kbtf_deb_select_kernel,
					 kbtf_deb_done_kernel, NULL, &deb);
	if (err)
		return err;
	err = open_deb_members(p, dir, &deb);
	if (err)
		goto out;
	/* name package members as such, not by where they were unpacked */
	if (p->k.config_from && !strncmp(p->k.config_from, dir, strlen(dir)) &&
	    p->k.config_from[strlen(dir)] == '/')
		set_str(&p->k.config_from, "%s in the package", p->k.config_from + strlen(dir) + 1);
	err = pkg_module_exports(p, "package", b);
	if (err)
		goto out;
	p->k.format = KBTF_FMT_DEB;
	set_str(&p->k.format_detail, "Debian package %s %s, %s", deb.package ? deb.package : "?",
		deb.version ? deb.version : "?", p->k.format_detail);
out:
	kbtf_deb_release(&deb);
	return err;
}

/* Name package members as such, not by where they were unpacked. */
static void name_members(struct kernel_priv *p, const char *dir)
{
	size_t n = strlen(dir);

	if (p->k.config_from && !strncmp(p->k.config_from, dir, n) && p->k.config_from[n] == '/')
		set_str(&p->k.config_from, "%s in the package", p->k.config_from + n + 1);
}

/*
 * No Module.symvers came with the kernel, only its image: what the kernel
 * build would have written in it is vmlinux's exports (read from the image)
 * and those of the in-tree modules the package ships. Collected only then,
 * so a kernel with its headers pays nothing.
 */
static bool wants_module_exports(const struct kernel_priv *p)
{
	static const char *const host[][2] = {{"/lib/modules/", "/build/Module.symvers"},
					      {"/usr/src/linux-headers-", "/Module.symvers"}};
	char s[PATH_MAX];
	size_t i;

	if (!p->opts || !p->opts->module_exports || !p->image_exports || !p->k.release ||
	    p->k.symvers_path || p->opts->symvers || p->nr_module_exports)
		return false;
	/* the one look_by_release() will find */
	for (i = 0; p->have_path && i < 2; i++) {
		snprintf(s, sizeof(s), "%s%s%s", host[i][0], p->k.release, host[i][1]);
		if (kbtf_is_file(s))
			return false;
	}
	return true;
}

/*
 * A module whose tables cannot be read (damaged, or of a layout not met
 * yet) leaves the list at vmlinux's exports: in-tree modules' symbols are
 * then unchecked, as before, never judged against an incomplete list.
 * Only running out of memory fails.
 */
static int modexports_fallback(int err)
{
	if (err == -ENOMEM)
		return err;
	kbtf_err_clear();
	return 0;
}

static int adopt_module_exports(struct kernel_priv *p, struct kbtf_modexports *c)
{
	char *n;
	int err = kbtf_modexports_finish(c);

	if (err || !c->nr_exports)
		return err;
	n = realloc(p->image_exports, p->image_exports_len + c->len + 1);
	if (!n)
		return kbtf_err_nomem();
	memcpy(n + p->image_exports_len, c->text, c->len + 1);
	p->image_exports = n;
	p->image_exports_len += c->len;
	p->nr_module_exports = c->nr_exports;
	return 0;
}

static bool select_module(const char *path, void *ctx)
{
	const struct kbtf_modexports *c = ctx;
	char modpath[PATH_MAX];

	return kbtf_modexports_intree_path(path, c->release, modpath, sizeof(modpath));
}

static int take_module(const char *path, const void *data, size_t size, void *ctx)
{
	return kbtf_modexports_add(ctx, path, data, size);
}

/* The modules of package @b (and the --with ones), streamed once. */
static int pkg_module_exports(struct kernel_priv *p, const char *path, const struct kbtf_buf *b)
{
	const struct kbtf_kernel_opts *o = p->opts;
	struct kbtf_modexports c;
	struct kbtf_buf wb;
	size_t i;
	int err;

	if (!wants_module_exports(p))
		return 0;
	err = kbtf_modexports_init(&c, p->k.release, 0);
	if (err)
		return err;
	err = kbtf_pkg_each_member(b->data, b->size, path,
				   kbtf_pkg_detect(b->data, b->size) == KBTF_PKG_DEB, select_module,
				   take_module, &c);
	for (i = 0; !err && o && i < o->nr_with; i++) {
		err = kbtf_buf_from_file(o->with[i], &wb);
		if (!err) {
			err =
			    kbtf_pkg_each_member(wb.data, wb.size, o->with[i],
						 kbtf_pkg_detect(wb.data, wb.size) == KBTF_PKG_DEB,
						 select_module, take_module, &c);
			kbtf_buf_release(&wb);
		}
	}
	if (!err)
		err = adopt_module_exports(p, &c);
	kbtf_modexports_release(&c);
	return modexports_fallback(err);
}

/* The modules under directory @dir (lib/modules/REL/kernel), when it has them. */
static int dir_module_exports(struct kernel_priv *p, const char *dir)
{
	struct kbtf_modexports c;
	int err;

	if (!wants_module_exports(p))
		return 0;
	err = kbtf_modexports_init(&c, p->k.release, 0);
	if (!err)
		err = kbtf_modexports_add_dir(&c, dir);
	if (!err)
		err = adopt_module_exports(p, &c);
	kbtf_modexports_release(&c);
	return modexports_fallback(err);
}

/*
 * Any package but a lone .deb (pkg.h): RPM, Arch, BTFHub, a bundle or a
 * tarball, plus the --with packages of the same kernel, unpacked into one
 * directory and read like one.
 */
static int open_pkg(struct kernel_priv *p, const char *path, const struct kbtf_buf *b)
{
	const struct kbtf_kernel_opts *o = p->opts;
	struct kbtf_pkg_info info, more;
	const char *dir = o ? o->work_dir : NULL;
	struct kbtf_buf wb;
	size_t i, nr_with = o ? o->nr_with : 0;
	bool deb;
	int err;

	if (!dir && (err = work_dir(p, &dir)))
		return err;
	deb = kbtf_pkg_detect(b->data, b->size) == KBTF_PKG_DEB;
	err = kbtf_pkg_unpack(b->data, b->size, path, dir, &info);
	if (err)
		return err;
	for (i = 0; !err && i < nr_with; i++) {
		err = kbtf_buf_from_file(o->with[i], &wb);
		if (!err) {
			err = kbtf_pkg_unpack(wb.data, wb.size, o->with[i], dir, &more);
			kbtf_buf_release(&wb);
			kbtf_pkg_info_release(&more);
		}
		if (err)
			kbtf_err_prefix(err, "%s", o->with[i]);
	}
	if (!err)
		err = open_unpacked(p, dir);
	if (!err)
		err = pkg_module_exports(p, path, b);
	/* raw BTF says nothing of its machine; a BTFHub path does */
	if (!err && !p->k.arch && kbtf_btfhub_path_arch(path))
		p->k.arch = strdup(kbtf_btfhub_path_arch(path));
	if (!err) {
		name_members(p, dir);
		p->k.format = deb ? KBTF_FMT_DEB : KBTF_FMT_PACKAGE;
		/* a bundle names itself */
		if (!strncmp(p->k.format_detail, info.format, strlen(info.format)))
			info.format = "";
		set_str(&p->k.format_detail, "%s%s%s%s%s%s%s%s%s%s", info.format,
			info.name ? " " : "", info.name ? info.name : "", info.version ? " " : "",
			info.version ? info.version : "", info.arch ? " " : "",
			info.arch ? info.arch : "", nr_with ? " with more packages" : "",
			info.format[0] ? ", " : "", p->k.format_detail);
	}
	kbtf_pkg_info_release(&info);
	return err;
}

/* ---------------------------------------------------------------- names */

/* The first file standing for installed kernel @rel, into @path; -ENOENT recorded. */
static int find_release(const char *rel, char path[PATH_MAX])
{
	static const char *const cand[][2] = {
	    {"/lib/modules/", "/build/vmlinux"},
	    {"/usr/src/linux-headers-", "/vmlinux"},
	    {NULL, NULL}, /* the running kernel's sysfs BTF */
	    {"/boot/vmlinuz-", ""},
	    {"/usr/lib/debug/boot/vmlinux-", ""},
	    {"/usr/lib/debug/lib/modules/", "/vmlinux"},
	};
	const char *run = kbtf_uname_release();
	size_t i;

	for (i = 0; i < sizeof(cand) / sizeof(cand[0]); i++) {
		if (cand[i][0])
			snprintf(path, PATH_MAX, "%s%s%s", cand[i][0], rel, cand[i][1]);
		else if (run && !strcmp(run, rel))
			snprintf(path, PATH_MAX, "%s", SYS_BTF_VMLINUX);
		else
			continue;
		if (kbtf_is_file(path))
			return 0;
	}
	return kbtf_err(-ENOENT,
			"no file, stored profile, or installed kernel %s (looked for "
			"/lib/modules/%s/build/vmlinux, /boot/vmlinuz-%s, /usr/lib/debug)",
			rel, rel, rel);
}

static int open_release(struct kernel_priv *p, const char *rel)
{
	char path[PATH_MAX];
	int err = find_release(rel, path);

	if (err)
		return err;
	note_release(p, strdup(rel), "the release name given");
	err = open_file(p, path);
	if (err)
		return kbtf_err_prefix(err, "%s", path);
	set_str(&p->k.format_detail, "%s: %s", path, p->k.format_detail);
	p->k.format = KBTF_FMT_RELEASE;
	return 0;
}

/* The stored profile named @name, malloc'd, or NULL. */
static char *profile_named(const char *name)
{
	char cache[PATH_MAX], *dir;

	if (kbtf_cache_dir(cache, sizeof(cache)) ||
	    asprintf(&dir, "%s/kernels/%s", cache, name) < 0)
		return NULL;
	if (kbtf_is_dir(dir) && kbtf_profile_is_dir(dir))
		return dir;
	free(dir);
	return NULL;
}

static int open_name(struct kernel_priv *p, const char *name)
{
	char *dir = profile_named(name);
	int err;

	if (dir) {
		err = open_profile(p, dir);
		if (err)
			kbtf_err_prefix(err, "%s", dir);
		free(dir);
		return err;
	}
	if (looks_like_release(name, strlen(name)))
		return open_release(p, name);
	return kbtf_err(-ENOENT, "no such file, stored profile or kernel release");
}

/* ---------------------------------------------------------------- API */

static struct kernel_priv *kernel_new(const char *source, const struct kbtf_kernel_opts *opts)
{
	struct kernel_priv *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->opts = opts;
	p->k.source = strdup(source);
	if (!p->k.source) {
		free(p);
		return NULL;
	}
	return p;
}

/* No Module.symvers: the image's own export table, as one, in the work dir. */
static int adopt_image_exports(struct kernel_priv *p)
{
	const char *dir;
	char *path;
	int err;

	err = work_dir(p, &dir);
	if (err)
		return err;
	if (asprintf(&path, "%s/vmlinux-exports.symvers", dir) < 0)
		return kbtf_err_nomem();
	err = kbtf_write_file_atomic(path, p->image_exports, p->image_exports_len, 0644);
	if (err) {
		free(path);
		return err;
	}
	p->k.symvers_path = path;
	p->k.image_exports = p->nr_image_exports;
	p->k.module_exports = p->nr_module_exports;
	return 0;
}

int kbtf_kernel_module_exports(struct kbtf_kernel *k, const char *pkg)
{
	struct kbtf_modexports c;
	struct kbtf_buf b, old;
	char *text = NULL;
	int err;

	if (!k->image_exports || k->module_exports || !k->symvers_path || !k->release)
		return 0;
	err = kbtf_buf_from_file(pkg, &b);
	if (err)
		return kbtf_err_prefix(err, "%s", pkg);
	err = kbtf_modexports_init(&c, k->release, 0);
	if (!err)
		err = kbtf_pkg_each_member(b.data, b.size, pkg,
					   kbtf_pkg_detect(b.data, b.size) == KBTF_PKG_DEB,
					   select_module, take_module, &c);
	kbtf_buf_release(&b);
	if (!err)
		err = kbtf_modexports_finish(&c);
	if (!err && c.nr_exports && !(err = kbtf_buf_from_file(k->symvers_path, &old))) {
		text = malloc(old.size + c.len);
		if (!text) {
			err = kbtf_err_nomem();
		} else {
			memcpy(text, old.data, old.size);
			memcpy(text + old.size, c.text, c.len);
			err = kbtf_write_file_atomic(k->symvers_path, text, old.size + c.len, 0644);
		}
		kbtf_buf_release(&old);
		free(text);
		if (!err)
			k->module_exports = c.nr_exports;
	}
	kbtf_modexports_release(&c);
	return modexports_fallback(err);
}

static int kernel_done(struct kernel_priv *p, int err, struct kbtf_kernel **out)
{
	if (!err && !p->k.btf_raw.size)
		err = kbtf_err(-EINVAL, "empty BTF");
	if (!err && p->opts && p->opts->symvers) {
		free(p->k.symvers_path);
		p->k.symvers_path = strdup(p->opts->symvers);
	}
	/* a stored profile is a complete record: do not add the host's files */
	if (!err && p->have_path && p->k.format != KBTF_FMT_PROFILE)
		look_by_release(p);
	if (!err && !p->k.symvers_path && p->image_exports)
		err = adopt_image_exports(p);
	free(p->image_exports);
	p->image_exports = NULL;
	p->opts = NULL;
	if (err) {
		kbtf_kernel_free(&p->k);
		return err;
	}
	*out = &p->k;
	return 0;
}

/* A file's content, read once into @b: a package or a kernel file. */
static int open_read(struct kernel_priv *p, const char *path, struct kbtf_buf *b)
{
	enum kbtf_pkg_kind kind = kbtf_pkg_detect(b->data, b->size);

	if (kind == KBTF_PKG_DEB && !(p->opts && p->opts->nr_with))
		return open_deb(p, b);
	if (kind != KBTF_PKG_NONE)
		return open_pkg(p, path, b);
	if (p->opts && p->opts->nr_with)
		return kbtf_err(-EINVAL, "more packages of one kernel go with a package, "
					 "not with a kernel file");
	return open_content(p, path, b);
}

int kbtf_kernel_open(const char *source, const struct kbtf_kernel_opts *opts,
		     struct kbtf_kernel **out)
{
	struct kernel_priv *p;
	struct stat st;
	int err;

	*out = NULL;
	if (!source || !*source)
		return kbtf_err(-EINVAL, "no kernel given");
	p = kernel_new(source, opts);
	if (!p)
		return kbtf_err_nomem();
	p->have_path = true;
	if (stat(source, &st) < 0) {
		if (errno == ENOENT && !strchr(source, '/'))
			err = open_name(p, source);
		else
			err = kbtf_err(-errno, "cannot open: %s", strerror(errno));
	} else if (S_ISDIR(st.st_mode)) {
		err = open_dir(p, source);
	} else {
		struct kbtf_buf b;

		/* read once: a FIFO or <(...) has no second reading */
		err = kbtf_buf_from_file(source, &b);
		if (!err) {
			err = open_read(p, source, &b);
			kbtf_buf_release(&b);
		}
	}
	return kernel_done(p, err, out);
}

int kbtf_kernel_open_read(const char *source, struct kbtf_buf *b,
			  const struct kbtf_kernel_opts *opts, struct kbtf_kernel **out)
{
	struct kernel_priv *p;

	*out = NULL;
	p = kernel_new(source, opts);
	if (!p)
		return kbtf_err_nomem();
	p->have_path = true;
	return kernel_done(p, open_read(p, source, b), out);
}

int kbtf_kernel_source_check(const char *source)
{
	char path[PATH_MAX], *dir;
	struct stat st;
	int err, fd;

	if (!source || !*source)
		return kbtf_err(-EINVAL, "no kernel given");
	if (stat(source, &st) == 0) {
		if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
			/* a FIFO's open blocks, a pipe's read consumes: ask only */
			if (access(source, R_OK) < 0)
				return kbtf_err(-errno, "cannot open: %s", strerror(errno));
			return 0;
		}
		/* what kbtf_kernel_open would do first: open it for reading */
		fd = open(source, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return kbtf_err(-errno, "cannot open: %s", strerror(errno));
		close(fd);
		return 0;
	}
	if (errno != ENOENT || strchr(source, '/'))
		return kbtf_err(-errno, "cannot open: %s", strerror(errno));
	dir = profile_named(source);
	if (dir) {
		free(dir);
		return 0;
	}
	if (!looks_like_release(source, strlen(source)))
		return kbtf_err(-ENOENT, "no such file, stored profile or kernel release");
	err = find_release(source, path);
	if (!err && access(path, R_OK))
		err = kbtf_err(-errno, "%s: cannot open: %s", path, strerror(errno));
	return err;
}

int kbtf_kernel_open_buf(const void *data, size_t size, const char *name, struct kbtf_kernel **out)
{
	struct kbtf_buf b = {(uint8_t *)data, size, KBTF_BUF_BORROWED};
	struct kernel_priv *p;
	int err;

	*out = NULL;
	p = kernel_new(name ? name : "<memory>", NULL);
	if (!p)
		return kbtf_err_nomem();
	err = open_bytes(p, &b, 0);
	return kernel_done(p, err, out);
}

/*
 * An archive that is not vmlinux BTF followed by its split layers: say what
 * it is and what to do. Per-object blobs repeat their types and need
 * deduplication, which is pahole's job, not concatenation.
 */
static struct kbtf_btf *refuse_archive(struct kbtf_kernel *k, const struct kbtf_archive_member *m,
				       int n)
{
	int i, complete = 0;

	for (i = 0; i < n && i <= KBTF_KERNEL_MAX_LAYERS; i++)
		complete += !kbtf_btf_is_split(k->btf_raw.data + m[i].offset, m[i].size);
	if (complete == n)
		kbtf_err(-EINVAL,
			 "%s: .BTF is an archive of %d complete BTF blobs (per-object BTF the "
			 "linker concatenated), not one kernel BTF; re-encode it deduplicated "
			 "with pahole -J, 'kbtf inspect' lists the members",
			 k->source, n);
	else
		kbtf_err(-EINVAL,
			 "%s: .BTF is an archive of %d BTF blobs that is not one complete BTF "
			 "followed by split layers on it (at most %d); 'kbtf inspect' lists "
			 "the members",
			 k->source, n, KBTF_KERNEL_MAX_LAYERS);
	return NULL;
}

struct kbtf_btf *kbtf_kernel_btf(struct kbtf_kernel *k)
{
	struct kbtf_parse_opts o = {.name = k->source};
	struct kbtf_archive_member m[KBTF_KERNEL_MAX_LAYERS + 1];
	size_t size = k->btf_raw.size;
	int n;

	if (k->btf)
		return k->btf;
	n = kbtf_btf_archive_members(k->btf_raw.data, size, m, KBTF_KERNEL_MAX_LAYERS + 1);
	if (n > 1) {
		if (!kbtf_kernel_archive_is_stack(k, m, n))
			return refuse_archive(k, m, n);
		size = m[0].size;
	}
	/* the bytes stay in btf_raw (callers store them in profiles) */
	if (kbtf_btf_parse(k->btf_raw.data, size, &o, &k->btf))
		return NULL;
	if (n > 1 && kbtf_kernel_stack_archive(k, m, n)) {
		kbtf_kernel_layers_free(k);
		kbtf_btf_free(k->btf);
		k->btf = NULL;
		return NULL;
	}
	return k->btf;
}

void kbtf_kernel_free(struct kbtf_kernel *k)
{
	struct kernel_priv *p = (struct kernel_priv *)k;

	if (!k)
		return;
	kbtf_kernel_layers_free(k);
	kbtf_btf_free(k->btf);
	kbtf_buf_release(&k->btf_raw);
	kbtf_buf_release(&p->file);
	if (p->tmp_dir) {
		kbtf_rm_rf(p->tmp_dir);
		free(p->tmp_dir);
	}
	free(k->source);
	free(k->format_detail);
	free(k->release);
	free(k->release_from);
	free(k->arch);
	free(k->config);
	free(k->config_from);
	free(k->symvers_path);
	free(k->image_path);
	free(k->kabi_path);
	free(p->image_exports);
	free(p);
}
