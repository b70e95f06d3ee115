// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The package dispatcher (see pkg.h): which format a file is, which of its
 * members a kernel profile needs, and unpacking them with the confined
 * extraction of pkg_deb.c. The member paths are the distributions' own:
 *
 *   Debian, Ubuntu   boot/vmlinuz-REL, boot/config-REL (Ubuntu: in
 *                    linux-modules-REL), usr/src/linux-headers-REL/
 *                    {Module.symvers,.config,vmlinux}
 *   RHEL, Fedora     lib/modules/REL/{vmlinuz,config,symvers.xz} in
 *                    kernel-core; usr/src/kernels/REL/Module.symvers in
 *                    kernel-devel; lib/modules/kabi-rhelNN/
 *                    kabi_stablelist_ARCH in kernel-abi-stablelists
 *   SUSE             boot/{vmlinuz,config,symvers}-REL[.gz]
 *   Arch             usr/lib/modules/REL/vmlinuz; usr/lib/modules/REL/
 *                    build/{vmlinux,.config,Module.symvers} in -headers
 *   BTFHub           <kernel>.btf alone in <kernel>.btf.tar.xz
 *   kbtf bundle      kbtf-bundle-REL/FILE (kbtf-collect.sh)
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kbtf/err.h"
#include "kbtf/source.h"
#include "pkg.h"
#include "pkg_deb.h"

enum kbtf_pkg_kind kbtf_pkg_detect(const void *data, size_t size)
{
	const uint8_t *d = data;
	struct kbtf_buf head;
	enum kbtf_compression c;
	enum kbtf_pkg_kind kind = KBTF_PKG_NONE;

	if (kbtf_deb_detect(data, size))
		return KBTF_PKG_DEB;
	if (kbtf_rpm_detect(data, size))
		return KBTF_PKG_RPM;
	if (size >= 262 && !memcmp(d + 257, "ustar", 5))
		return KBTF_PKG_ARCHIVE;
	if (size >= 6 && (!memcmp(d, "070701", 6) || !memcmp(d, "070702", 6)))
		return KBTF_PKG_ARCHIVE;
	c = kbtf_compression_detect(data, size);
	/* lz4 and lzma are kernel payloads, never a package's */
	if (c != KBTF_COMP_GZIP && c != KBTF_COMP_XZ && c != KBTF_COMP_ZSTD && c != KBTF_COMP_BZIP2)
		return KBTF_PKG_NONE;
	if (kbtf_decompress_prefix(c, data, size, 512, &head))
		return KBTF_PKG_NONE;
	if ((head.size >= 262 && !memcmp(head.data + 257, "ustar", 5)) ||
	    (head.size >= 6 &&
	     (!memcmp(head.data, "070701", 6) || !memcmp(head.data, "070702", 6))))
		kind = KBTF_PKG_ARCHIVE;
	kbtf_buf_release(&head);
	return kind;
}

void kbtf_pkg_info_release(struct kbtf_pkg_info *i)
{
	free(i->name);
	free(i->version);
	free(i->arch);
	memset(i, 0, sizeof(*i));
}

/* ------------------------------------------------------------ selection */

/* "<word>/<rest>": @rest after one non-empty component, or NULL. */
static const char *after_word(const char *path)
{
	const char *slash = strchr(path, '/');

	return slash && slash > path ? slash + 1 : NULL;
}

static bool leaf_prefix(const char *path, const char *prefix)
{
	size_t pl = strlen(prefix);

	return !strncmp(path, prefix, pl) && path[pl] && !strchr(path + pl, '/');
}

static bool one_of(const char *leaf, const char *const *names)
{
	for (; *names; names++)
		if (!strcmp(leaf, *names))
			return true;
	return false;
}

/* symvers.gz, symvers.xz, symvers.zst (RHEL, Fedora, SUSE) */
static bool compressed_symvers(const char *leaf)
{
	return !strcmp(leaf, "symvers.gz") || !strcmp(leaf, "symvers.xz") ||
	       !strcmp(leaf, "symvers.zst");
}

/* The files of a kernel tree (headers, -devel, Arch build/) a profile takes. */
static bool tree_member(const char *rest)
{
	static const char *const names[] = {"vmlinux", ".config", "Module.symvers", NULL};

	return rest && !strchr(rest, '/') && one_of(rest, names);
}

bool kbtf_pkg_select_kernel(const char *path, void *ctx)
{
	const char *rest, *leaf;
	char *rel;

	if (kbtf_deb_select_kernel(path, ctx))
		return true;
	if (!strcmp(path, ".PKGINFO"))
		return true;
	if ((rel = kbtf_btfhub_member_release(path))) {
		free(rel);
		return true;
	}
	if (!strncmp(path, KBTF_BUNDLE_PREFIX, strlen(KBTF_BUNDLE_PREFIX)))
		return (rest = after_word(path)) && !strchr(rest, '/');
	if (leaf_prefix(path, "boot/symvers-") || leaf_prefix(path, "boot/vmlinux-"))
		return true;
	if (!strncmp(path, "usr/src/kernels/", 16))
		return tree_member(after_word(path + 16));
	if (!strncmp(path, "usr/", 4) && !strncmp(path + 4, "lib/modules/", 12))
		path += 4;
	if (strncmp(path, "lib/modules/", 12))
		return false;
	path += 12;
	rest = after_word(path);
	if (!rest)
		return false;
	/* kernel-abi-stablelists: lib/modules/kabi-rhel100/kabi_stablelist_x86_64 */
	if (!strncmp(path, "kabi-", 5))
		return leaf_prefix(rest, "kabi_stablelist_");
	if (!strncmp(rest, "build/", 6))
		return tree_member(rest + 6);
	leaf = rest;
	return !strchr(leaf, '/') && (compressed_symvers(leaf) || !strcmp(leaf, "Module.symvers"));
}

/* ------------------------------------------------------------ cpio check */

#define CPIO_NAME_MAX 4096 /* PATH_MAX: no member name of a package is longer */

/* @n hex digits at @p, or -1. */
static long hex_field(const uint8_t *p, int n)
{
	long v = 0;
	int i, d;

	for (i = 0; i < n; i++) {
		if (p[i] >= '0' && p[i] <= '9')
			d = p[i] - '0';
		else if ((p[i] | 0x20) >= 'a' && (p[i] | 0x20) <= 'f')
			d = (p[i] | 0x20) - 'a' + 10;
		else
			return -1;
		v = v * 16 + d;
	}
	return v;
}

#define CPIO_TRAILER "TRAILER!!!" /* the last member's name; 11 bytes with its NUL */

struct cpio_scan {
	uint8_t hdr[110];
	size_t have;	  /* header bytes gathered */
	uint8_t name[11]; /* a name that may be CPIO_TRAILER */
	size_t name_have; /* its bytes gathered, while name_want */
	bool name_want;	  /* gathering the name before the skip */
	uint64_t skip;	  /* name and data bytes still to pass */
	bool cpio, done;
	uint64_t offset;
};

/* Move what fits of the stream at *@d into @buf (@cap bytes, *@have filled); the bytes moved. */
static size_t gather(struct cpio_scan *c, uint8_t *buf, size_t *have, size_t cap, const uint8_t **d,
		     size_t *n)
{
	size_t take = cap - *have < *n ? cap - *have : *n;

	memcpy(buf + *have, *d, take);
	*have += take;
	c->offset += take;
	*d += take;
	*n -= take;
	return take;
}

/* Feed @n bytes of the (decompressed) payload; -EINVAL on a header no archive has. */
static int cpio_feed(struct cpio_scan *c, const uint8_t *d, size_t n, const char *name)
{
	long namesize, filesize;
	size_t take, i;

	while (n && !c->done) {
		if (c->name_want) {
			c->skip -= gather(c, c->name, &c->name_have, sizeof(c->name), &d, &n);
			if (c->name_have < sizeof(c->name))
				break;
			c->name_want = false;
			/* the trailer ends the archive; libarchive stops there too */
			if (!memcmp(c->name, CPIO_TRAILER, sizeof(c->name)))
				c->done = true;
			continue;
		}
		if (c->skip) {
			take = c->skip < n ? (size_t)c->skip : n;
			c->skip -= take;
			c->offset += take;
			d += take;
			n -= take;
			continue;
		}
		gather(c, c->hdr, &c->have, sizeof(c->hdr), &d, &n);
		if (c->have < sizeof(c->hdr))
			break;
		c->have = 0;
		if (memcmp(c->hdr, "070701", 6) && memcmp(c->hdr, "070702", 6)) {
			if (!c->cpio) {
				c->done = true; /* not a newc cpio: libarchive's tar reader bounds
						   itself */
				break;
			}
			return kbtf_err(-EINVAL, "%s: cpio header missing at offset %llu", name,
					(unsigned long long)(c->offset - sizeof(c->hdr)));
		}
		c->cpio = true;
		/*
		 * libarchive skips a header that is not all hex digits and
		 * searches on for the next magic, which could sit inside a
		 * member's data, where this walk never looked: refuse it here.
		 */
		for (i = 6; i < sizeof(c->hdr); i += 8)
			if (hex_field(c->hdr + i, 8) < 0)
				return kbtf_err(-EINVAL, "%s: damaged cpio header at offset %llu",
						name,
						(unsigned long long)(c->offset - sizeof(c->hdr)));
		namesize = hex_field(c->hdr + 94, 8);
		filesize = hex_field(c->hdr + 54, 8);
		if (namesize < 1 || namesize > CPIO_NAME_MAX)
			return kbtf_err(-EINVAL, "%s: a cpio member with a %ld-byte name", name,
					namesize);
		/* the name after the 110-byte header, padded to 4; the data, padded to 4 */
		c->skip = (((uint64_t)namesize + 110 + 3) & ~3ull) - 110 +
			  (((uint64_t)filesize + 3) & ~3ull);
		/* only the trailer's name, not any 11-byte one, ends the walk */
		if (namesize == (long)sizeof(c->name) && !filesize) {
			c->name_want = true;
			c->name_have = 0;
		}
	}
	return 0;
}

/*
 * libarchive's cpio reader (3.6.2) allocates a member's name size before
 * reading it, 4 GiB for a hostile header: walk the decompressed stream's
 * newc headers first and refuse a name longer than PATH_MAX.
 */
static int cpio_check(const void *data, size_t size, const char *name)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	struct cpio_scan c = {0};
	const void *buf;
	size_t n;
	la_int64_t off;
	int r, err = 0;

	if (!a)
		return kbtf_err_nomem();
	archive_read_support_filter_all(a);
	archive_read_support_format_raw(a);
	if (archive_read_open_memory(a, data, size) != ARCHIVE_OK ||
	    archive_read_next_header(a, &e) != ARCHIVE_OK) {
		archive_read_free(a);
		return 0; /* the real reading says what is wrong */
	}
	while (!err && !c.done && (r = archive_read_data_block(a, &buf, &n, &off)) == ARCHIVE_OK)
		err = cpio_feed(&c, buf, n, name);
	archive_read_free(a);
	return err;
}

/* ------------------------------------------------------------ unpacking */

static int unpack_rpm(const void *data, size_t size, const char *name, const char *dir,
		      struct kbtf_pkg_info *info)
{
	struct kbtf_deb out;
	char comp[32];
	int err;

	err = kbtf_rpm_read_header(data, size, info, comp, sizeof(comp));
	if (err)
		return err;
	err = cpio_check(data, size, "RPM payload");
	if (err)
		return err;
	/* libarchive's rpm filter peels the lead and headers, its others the payload */
	if (strcmp(comp, "gzip") && strcmp(comp, "xz") && strcmp(comp, "zstd") &&
	    strcmp(comp, "bzip2") && strcmp(comp, "lzma") && strcmp(comp, "none"))
		return kbtf_err(-EOPNOTSUPP,
				"RPM payload compressed with %s, which kbtf cannot read", comp);
	err = kbtf_archive_extract_buf_until(data, size, "RPM payload", dir, kbtf_pkg_select_kernel,
					     NULL, NULL, &out);
	kbtf_deb_release(&out);
	return err;
}

/* Arch's .PKGINFO, a BTFHub member or a bundle among the unpacked files. */
static void describe_archive(const struct kbtf_deb *out, const char *dir,
			     struct kbtf_pkg_info *info)
{
	struct kbtf_buf text;
	size_t i;
	char *path, *rel;

	info->format = "archive";
	for (i = 0; i < out->nr_files; i++) {
		const char *f = out->files[i].path;

		if (!strcmp(f, ".PKGINFO")) {
			info->format = "Arch Linux package";
			if (asprintf(&path, "%s/%s", dir, f) < 0)
				continue;
			if (!kbtf_buf_from_file(path, &text)) {
				kbtf_arch_parse_pkginfo((const char *)text.data, text.size, info);
				kbtf_buf_release(&text);
			}
			free(path);
		} else if ((rel = kbtf_btfhub_member_release(f))) {
			info->format = "BTFHub archive";
			free(info->name);
			info->name = rel;
		} else if (!strncmp(f, KBTF_BUNDLE_PREFIX, strlen(KBTF_BUNDLE_PREFIX))) {
			info->format = "kbtf bundle";
		}
	}
}

int kbtf_pkg_unpack(const void *data, size_t size, const char *name, const char *dir,
		    struct kbtf_pkg_info *info)
{
	struct kbtf_deb out;
	int err;

	memset(info, 0, sizeof(*info));
	switch (kbtf_pkg_detect(data, size)) {
	case KBTF_PKG_DEB:
		info->format = "Debian package";
		err = kbtf_deb_extract_buf_until(data, size, dir, kbtf_pkg_select_kernel,
						 kbtf_deb_done_kernel, NULL, &out);
		if (!err) {
			info->name = out.package ? strdup(out.package) : NULL;
			info->version = out.version ? strdup(out.version) : NULL;
			kbtf_deb_release(&out);
		}
		return err;
	case KBTF_PKG_RPM:
		info->format = "RPM package";
		err = unpack_rpm(data, size, name, dir, info);
		if (err)
			kbtf_pkg_info_release(info);
		return err;
	case KBTF_PKG_ARCHIVE:
		err = cpio_check(data, size, "archive");
		if (!err)
			err = kbtf_archive_extract_buf_until(
			    data, size, "archive", dir, kbtf_pkg_select_kernel, NULL, NULL, &out);
		if (!err) {
			describe_archive(&out, dir, info);
			kbtf_deb_release(&out);
		}
		return err;
	default:
		return kbtf_err(-EINVAL, "not a package or archive kbtf reads");
	}
}
