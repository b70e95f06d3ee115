/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Debian packages (.deb) read with libarchive: the control fields, and the
 * data archive's regular files a kernel profile needs, into memory or into
 * a target directory. Nothing is ever written outside that directory:
 * absolute paths and ".." are refused, links and devices are never created,
 * and no path component that is a symlink is followed.
 */
#ifndef KBTF_PKG_DEB_H
#define KBTF_PKG_DEB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kbtf/buf.h"

/* What a member is to a kernel profile. */
enum kbtf_deb_role {
	KBTF_DEB_OTHER = 0,
	KBTF_DEB_BOOT_IMAGE, /* boot/vmlinuz-<rel>, usr/lib/modules/<rel>/vmlinuz (sid 7.x) */
	KBTF_DEB_CONFIG,     /* boot/config-<rel>, usr/lib/modules/<rel>/config */
	KBTF_DEB_SYMVERS,    /* usr/src/linux-headers-<rel>/Module.symvers */
	KBTF_DEB_VMLINUX,    /* usr/src/linux-headers-<rel>/vmlinux, debug vmlinux */
};

/* The role of a normalised member path (see kbtf_deb_clean_path). */
enum kbtf_deb_role kbtf_deb_kernel_role(const char *path);
/*
 * The most bytes a member of @role may be, holes of a sparse member
 * included: what such a file can be, with room. A larger member is refused
 * from its header, before it is read or written.
 */
uint64_t kbtf_deb_role_max(enum kbtf_deb_role role);
/* Selector that takes every member with a role other than OTHER. */
bool kbtf_deb_select_kernel(const char *path, void *ctx);

/* True for an ar archive whose first member is debian-binary. */
bool kbtf_deb_detect(const void *data, size_t size);

/*
 * Normalise an archive member path into @out: drop leading "./" and "/."
 * components and doubled slashes. Refuses (-EINVAL) absolute paths, ".."
 * components and empty results, so the result can be joined to a target
 * directory without escaping it.
 */
int kbtf_deb_clean_path(const char *path, char *out, size_t len);

/* Decide per member (given its clean path) whether to take it. */
typedef bool (*kbtf_deb_select_fn)(const char *path, void *ctx);

struct kbtf_deb_file {
	char *path; /* clean path, e.g. "boot/vmlinuz-6.1.0-56-amd64" */
	enum kbtf_deb_role role;
	struct kbtf_buf data;
};

struct kbtf_deb {
	char *package; /* control fields, NULL when absent */
	char *version;
	char *depends;
	struct kbtf_deb_file *files;
	size_t nr_files;
};

/*
 * Read the control fields and the selected regular files (all of them
 * when @sel is NULL) into memory, at most @max_total bytes together.
 */
int kbtf_deb_read(const void *data, size_t size, kbtf_deb_select_fn sel, void *ctx,
		  size_t max_total, struct kbtf_deb *out);
/*
 * Write the selected regular files under @dir (created if missing) and
 * record their clean paths (data left empty) and the control fields.
 */
int kbtf_deb_extract(const char *deb_path, const char *dir, kbtf_deb_select_fn sel, void *ctx,
		     struct kbtf_deb *out);

/*
 * Asked after each member taken: is everything wanted in @d already? Then
 * the rest of the data archive is neither decompressed nor checked.
 */
typedef bool (*kbtf_deb_done_fn)(const struct kbtf_deb *d, void *ctx);
/*
 * Done once a kernel's files are in: a boot image and its config (what a
 * linux-image package holds first, before tens of MB of modules), a
 * Module.symvers, or a debug vmlinux. Each comes once per package.
 */
bool kbtf_deb_done_kernel(const struct kbtf_deb *d, void *ctx);
/* kbtf_deb_extract() that stops early when @done says so (NULL: never). */
int kbtf_deb_extract_until(const char *deb_path, const char *dir, kbtf_deb_select_fn sel,
			   kbtf_deb_done_fn done, void *ctx, struct kbtf_deb *out);
/* The same from a package already in memory (read once from a FIFO or file). */
int kbtf_deb_extract_buf_until(const void *data, size_t size, const char *dir,
			       kbtf_deb_select_fn sel, kbtf_deb_done_fn done, void *ctx,
			       struct kbtf_deb *out);
/*
 * The same confined extraction from any other archive libarchive reads
 * (tar or cpio, bare or compressed, an RPM's payload): every member is
 * walked like a data tar's; control fields stay NULL. @name names the
 * archive in messages.
 */
int kbtf_archive_extract_buf_until(const void *data, size_t size, const char *name, const char *dir,
				   kbtf_deb_select_fn sel, kbtf_deb_done_fn done, void *ctx,
				   struct kbtf_deb *out);
void kbtf_deb_release(struct kbtf_deb *d);

/* Given each member taken, its content in memory only while called. */
typedef int (*kbtf_deb_member_fn)(const char *path, const void *data, size_t size, void *ctx);
/*
 * Walk a package (@deb: a .deb, else any archive kbtf_archive_extract_buf_until
 * reads) and hand each regular member @sel takes to @fn, one at a time,
 * nothing written: the whole data archive is read. @fn's error stops it.
 */
int kbtf_pkg_each_member(const void *data, size_t size, const char *name, bool deb,
			 kbtf_deb_select_fn sel, kbtf_deb_member_fn fn, void *ctx);

#endif
