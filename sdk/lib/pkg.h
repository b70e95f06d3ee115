/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Kernel packages of every format kbtf reads, behind one dispatcher
 * (pkg.c): Debian and Ubuntu .deb (pkg_deb.c), RPM (pkg_rpm.c: RHEL,
 * CentOS Stream, Rocky, Alma, Fedora, openSUSE, Amazon Linux), Arch Linux
 * .pkg.tar.zst (pkg_arch.c), BTFHub archive files (pkg_btfhub.c), kbtf
 * customer bundles (pkg_bundle.c), and any tarball laid out like one of
 * them. Each is recognised by content, then only the members a kernel
 * profile needs are unpacked (streaming, confined to a private directory,
 * pkg_deb.h's rules), and the unpacked tree is read like a directory.
 */
#ifndef KBTF_PKG_H
#define KBTF_PKG_H

#include <stdbool.h>
#include <stddef.h>

enum kbtf_pkg_kind {
	KBTF_PKG_NONE = 0, /* not a package or archive */
	KBTF_PKG_DEB,	   /* ar archive with debian-binary */
	KBTF_PKG_RPM,	   /* RPM lead magic ed ab ee db */
	KBTF_PKG_ARCHIVE,  /* tar or cpio, bare or gzip/xz/zstd/bzip2-compressed */
};

/* What @data (a whole file, or at least its first 64 KiB) is. */
enum kbtf_pkg_kind kbtf_pkg_detect(const void *data, size_t size);

/* What one package says about itself (each NULL when unknown). */
struct kbtf_pkg_info {
	const char *format; /* "RPM package", "Arch Linux package", ... (static) */
	char *name, *version, *arch;
};
void kbtf_pkg_info_release(struct kbtf_pkg_info *i);

/*
 * Selector for every format: the members that make a kernel profile,
 * given a clean member path. Boot images (boot/vmlinuz-*,
 * [usr/]lib/modules/REL/vmlinuz), vmlinux with BTF (headers and -devel
 * trees, Arch's lib/modules/REL/build/vmlinux, debug vmlinux), configs,
 * Module.symvers and symvers*.{gz,xz,zst}, kABI stablelists, Arch's
 * .PKGINFO, BTFHub's <kernel>.btf and a bundle's files.
 */
bool kbtf_pkg_select_kernel(const char *path, void *ctx);

/*
 * Unpack the kernel members of the package @data (@size bytes, named
 * @name in messages) under @dir, and say what it was in @info.
 */
int kbtf_pkg_unpack(const void *data, size_t size, const char *name, const char *dir,
		    struct kbtf_pkg_info *info);

/* ------------------------------------------------------------------ RPM */

/* True for an RPM file: the lead's magic and a binary package type. */
bool kbtf_rpm_detect(const void *data, size_t size);
/*
 * Read the lead and both headers: name, version-release, arch and the
 * payload's compressor ("gzip", "xz", "zstd", ...), bounded by @size.
 */
int kbtf_rpm_read_header(const void *data, size_t size, struct kbtf_pkg_info *info,
			 char *compressor, size_t clen);

/* ------------------------------------------------------------------ Arch */

/* Fill @info from an Arch .PKGINFO text (pkgname, pkgver, arch). */
void kbtf_arch_parse_pkginfo(const char *text, size_t len, struct kbtf_pkg_info *info);

/* ---------------------------------------------------------------- BTFHub */

/*
 * A BTFHub archive member name "<kernel>.btf" (one path component): the
 * kernel release, heap string, or NULL when @path is not one.
 */
char *kbtf_btfhub_member_release(const char *path);
/*
 * The architecture a BTFHub file's path names, <arch>/<kernel>.btf.tar.xz
 * ("x86_64"; "arm64" reads as the ELF name "aarch64"), static, or NULL.
 */
const char *kbtf_btfhub_path_arch(const char *path);

/* ---------------------------------------------------------------- bundle */

/* First line of a bundle's manifest. */
#define KBTF_BUNDLE_MAGIC "kbtf-bundle 1"
/* Top directory of a bundle tarball: "kbtf-bundle-<release>". */
#define KBTF_BUNDLE_PREFIX "kbtf-bundle-"

/* The facts of a bundle's manifest ("key=value" lines after the magic). */
struct kbtf_bundle_manifest {
	char release[256];
	char machine[32];
	char os[128]; /* os-release PRETTY_NAME */
	unsigned int modules, modules_btf;
};
/* Parse @text; -EINVAL (recorded) when the magic line is missing. */
int kbtf_bundle_parse_manifest(const char *text, size_t len, struct kbtf_bundle_manifest *out);

#endif
