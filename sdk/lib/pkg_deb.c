// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Debian package reading (see pkg_deb.h). A .deb is an ar archive holding
 * debian-binary, control.tar.* and data.tar.*; libarchive reads the ar, and
 * a second libarchive reader streams the compressed data tar straight out
 * of the first, so nothing is unpacked that was not asked for.
 *
 * Extraction is confined to the target directory: member paths are cleaned
 * (no absolute paths, no ".."), only regular files are written, and every
 * directory on the way is opened relative to the one above with O_NOFOLLOW,
 * so a symlink planted in the target (by the package or anyone else) cannot
 * redirect a write.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pkg_deb.h"
#include "kbtf/err.h"
#include "util.h"

#define CONTROL_MAX (1u << 20)	 /* a control file larger than this is not one */
#define EXTRACT_MAX (4ull << 30) /* bytes (holes included) one extraction takes at most */
#define READ_CHUNK (1u << 16)
/*
 * The tar inside a member unpacks to at most WALK_RATIO times the member's
 * compressed size, or WALK_FLOOR: Debian's kernel packages unpack 4:1, a
 * stream of compressed zeros thousands to one. What is walked past
 * unselected costs decompression time, so it is bounded too.
 */
#define WALK_RATIO 64
#define WALK_FLOOR (256ull << 20)

/* ---------------------------------------------------------------- paths */

int kbtf_deb_clean_path(const char *path, char *out, size_t len)
{
	const char *p = path, *slash;
	size_t used = 0, n;

	if (!len)
		return -EINVAL;
	out[0] = '\0';
	if (*p == '/')
		return kbtf_err(-EINVAL, "member path %s is absolute", path);
	while (*p) {
		slash = strchr(p, '/');
		n = slash ? (size_t)(slash - p) : strlen(p);
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return kbtf_err(-EINVAL, "member path %s climbs out with ..", path);
		if (n && !(n == 1 && p[0] == '.')) {
			if (used + n + 2 > len)
				return kbtf_err(-ENAMETOOLONG, "member path %s is too long", path);
			if (used)
				out[used++] = '/';
			memcpy(out + used, p, n);
			used += n;
			out[used] = '\0';
		}
		p += n;
		if (*p == '/')
			p++;
	}
	if (!used)
		return kbtf_err(-EINVAL, "member path \"%s\" names no file", path);
	return 0;
}

/* "<prefix><word>/<leaf>" with a single non-empty word in the middle */
static bool match_dir_leaf(const char *path, const char *prefix, const char *leaf)
{
	size_t pl = strlen(prefix);
	const char *word, *slash;

	if (strncmp(path, prefix, pl))
		return false;
	word = path + pl;
	slash = strchr(word, '/');
	return slash && slash > word && !strcmp(slash + 1, leaf);
}

/* "<prefix><word>" with no further slash */
static bool match_leaf_prefix(const char *path, const char *prefix)
{
	size_t pl = strlen(prefix);

	return !strncmp(path, prefix, pl) && path[pl] && !strchr(path + pl, '/');
}

enum kbtf_deb_role kbtf_deb_kernel_role(const char *path)
{
	if (!strncmp(path, "usr/", 4) && !strncmp(path + 4, "lib/modules/", 12))
		path += 4; /* merged /usr: usr/lib/modules == lib/modules */
	if (match_leaf_prefix(path, "boot/vmlinuz-") ||
	    match_dir_leaf(path, "lib/modules/", "vmlinuz"))
		return KBTF_DEB_BOOT_IMAGE;
	if (match_leaf_prefix(path, "boot/config-") ||
	    match_dir_leaf(path, "lib/modules/", "config") ||
	    match_dir_leaf(path, "usr/src/linux-headers-", ".config"))
		return KBTF_DEB_CONFIG;
	if (match_dir_leaf(path, "usr/src/linux-headers-", "Module.symvers"))
		return KBTF_DEB_SYMVERS;
	if (match_dir_leaf(path, "usr/src/linux-headers-", "vmlinux") ||
	    match_leaf_prefix(path, "usr/lib/debug/boot/vmlinux-") ||
	    match_dir_leaf(path, "usr/lib/debug/lib/modules/", "vmlinux"))
		return KBTF_DEB_VMLINUX;
	return KBTF_DEB_OTHER;
}

bool kbtf_deb_select_kernel(const char *path, void *ctx)
{
	return kbtf_deb_kernel_role(path) != KBTF_DEB_OTHER;
}

uint64_t kbtf_deb_role_max(enum kbtf_deb_role role)
{
	switch (role) {
	case KBTF_DEB_BOOT_IMAGE:
		/* what its payload may decompress to; real ones are 8-35 MB */
		return KBTF_INPUT_MAX;
	case KBTF_DEB_CONFIG:
		return 16u << 20; /* real ones are 150-300 KB */
	case KBTF_DEB_SYMVERS:
		return 64u << 20; /* real ones are 1-2 MB */
	case KBTF_DEB_VMLINUX:
		return 2ull << 30; /* a debug vmlinux with DWARF: several hundred MB */
	default:
		return EXTRACT_MAX;
	}
}

static const char *role_name(enum kbtf_deb_role role)
{
	switch (role) {
	case KBTF_DEB_BOOT_IMAGE:
		return "a boot image";
	case KBTF_DEB_CONFIG:
		return "a kernel config";
	case KBTF_DEB_SYMVERS:
		return "a Module.symvers";
	case KBTF_DEB_VMLINUX:
		return "a vmlinux";
	default:
		return "one extraction";
	}
}

/* "8.0 GiB", "512 MiB", "300 KiB", "12 bytes" into @buf */
static const char *size_str(uint64_t n, char *buf, size_t len)
{
	if (n >= 1ull << 30)
		snprintf(buf, len, "%.1f GiB", (double)n / (1ull << 30));
	else if (n >= 1u << 20)
		snprintf(buf, len, "%llu MiB", (unsigned long long)(n >> 20));
	else if (n >= 1u << 10)
		snprintf(buf, len, "%llu KiB", (unsigned long long)(n >> 10));
	else
		snprintf(buf, len, "%llu bytes", (unsigned long long)n);
	return buf;
}

/*
 * Refuse a member of @size bytes (its logical size: holes count) that is
 * more than its role lets it be, or more than what is left of @budget.
 */
static int member_fits(const char *path, enum kbtf_deb_role role, uint64_t size, uint64_t budget)
{
	uint64_t max = kbtf_deb_role_max(role);
	char a[32], b[32];

	if (size > max)
		return kbtf_err(-EFBIG, "%s is %s, more than %s can be (%s)", path,
				size_str(size, a, sizeof(a)), role_name(role),
				size_str(max, b, sizeof(b)));
	if (size > budget)
		return kbtf_err(-EFBIG, "%s: extraction passes %llu bytes", path, EXTRACT_MAX);
	return 0;
}

bool kbtf_deb_detect(const void *data, size_t size)
{
	return size >= 8 + 16 && !memcmp(data, "!<arch>\n", 8) &&
	       !memcmp((const uint8_t *)data + 8, "debian-binary", 13);
}

/* ---------------------------------------------------------------- walking */

struct walk {
	struct archive *outer;
	kbtf_deb_select_fn sel;
	kbtf_deb_done_fn done;
	bool stopped; /* done said so: the rest is not read */
	void *ctx;
	struct kbtf_deb *deb;
	uint64_t budget;	 /* bytes the selected files may still take, holes included */
	uint64_t walked;	 /* bytes the current tar's members hold (not holes) */
	uint64_t walk_max;	 /* ... at most */
	uint64_t packed;	 /* the current tar member's compressed size */
	int dirfd;		 /* extraction target, -1 when reading into memory */
	kbtf_deb_member_fn each; /* given each selected member instead, when set */
	uint8_t chunk[READ_CHUNK];
};

static la_ssize_t inner_read(struct archive *a, void *arg, const void **buf)
{
	struct walk *w = arg;

	*buf = w->chunk;
	return archive_read_data(w->outer, w->chunk, sizeof(w->chunk));
}

static char *xstrndup_trim(const char *s, size_t n)
{
	while (n && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	return strndup(s, n);
}

static void parse_control(struct kbtf_deb *d, const char *text, size_t len)
{
	const char *p = text, *end = text + len, *nl, *colon;
	char **slot;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		colon = memchr(p, ':', (size_t)(nl - p));
		slot = NULL;
		if (colon && *p != ' ' && *p != '\t') {
			size_t klen = (size_t)(colon - p);

			if (klen == 7 && !strncmp(p, "Package", 7))
				slot = &d->package;
			else if (klen == 7 && !strncmp(p, "Version", 7))
				slot = &d->version;
			else if (klen == 7 && !strncmp(p, "Depends", 7))
				slot = &d->depends;
		}
		if (slot && !*slot)
			*slot = xstrndup_trim(colon + 1, (size_t)(nl - colon - 1));
		p = nl + 1;
	}
}

/* Read the current entry of @a whole into a heap buffer of at most @max bytes. */
static int slurp(struct archive *a, const char *what, size_t max, struct kbtf_buf *out)
{
	size_t cap = max < (1 << 16) ? max + 1 : 1 << 16, len = 0;
	uint8_t *data = malloc(cap), *n;
	la_ssize_t got;

	if (!data)
		return kbtf_err_nomem();
	for (;;) {
		if (len == cap) {
			/* room for one byte past @max: reading it means too big */
			cap = cap > max / 2 ? max + 1 : cap * 2;
			n = realloc(data, cap);
			if (!n) {
				free(data);
				return kbtf_err(-ENOMEM, "out of memory reading %s", what);
			}
			data = n;
		}
		got = archive_read_data(a, data + len, cap - len);
		if (got < 0) {
			free(data);
			return kbtf_err(-EINVAL, "%s: %s", what, archive_error_string(a));
		}
		if (!got)
			break;
		len += (size_t)got;
		if (len > max) {
			free(data);
			return kbtf_err(-EFBIG, "%s is larger than %zu bytes", what, max);
		}
	}
	out->data = data;
	out->size = len;
	out->owner = KBTF_BUF_HEAP;
	return 0;
}

/* ---------------------------------------------------------------- writing */

static bool all_zero(const uint8_t *p, size_t n)
{
	return !n || (!p[0] && !memcmp(p, p + 1, n - 1));
}

/*
 * Write the entry's blocks at their offsets. The member's logical size
 * (holes of a sparse member included) is what is bounded, by its role and
 * by what is left of @budget; blocks of zeros are not written but left as
 * holes, so a package of compressed zeros costs no disk.
 */
static int write_entry_data(struct archive *a, int fd, const char *path, enum kbtf_deb_role role,
			    uint64_t *budget)
{
	uint64_t end = 0, size_end;
	const void *buf;
	size_t size;
	la_int64_t off;
	ssize_t w;
	int r, err;

	while ((r = archive_read_data_block(a, &buf, &size, &off)) == ARCHIVE_OK) {
		if (off < 0)
			return kbtf_err(-EINVAL, "%s: negative offset in the archive", path);
		size_end = (uint64_t)off + size;
		err = member_fits(path, role, size_end, *budget);
		if (err)
			return err;
		if (size_end > end)
			end = size_end;
		if (all_zero(buf, size))
			continue;
		if (lseek(fd, off, SEEK_SET) < 0)
			return kbtf_err(-errno, "%s: cannot seek: %s", path, strerror(errno));
		while (size) {
			w = write(fd, buf, size);
			if (w < 0) {
				if (errno == EINTR)
					continue;
				return kbtf_err(-errno, "%s: cannot write: %s", path,
						strerror(errno));
			}
			buf = (const uint8_t *)buf + w;
			size -= (size_t)w;
		}
	}
	if (r != ARCHIVE_EOF)
		return kbtf_err(-EINVAL, "%s: %s", path, archive_error_string(a));
	/* trailing holes and skipped zeros: the file still has its size */
	if (ftruncate(fd, (off_t)end) < 0)
		return kbtf_err(-errno, "%s: cannot write: %s", path, strerror(errno));
	*budget -= end;
	return 0;
}

/* Open (creating) each directory of @path under @dirfd without following links. */
static int open_parent(int dirfd, char *path, const char **leaf)
{
	char *p = path, *slash;
	int fd = dup(dirfd), next;

	if (fd < 0)
		return kbtf_err(-errno, "cannot dup: %s", strerror(errno));
	while ((slash = strchr(p, '/'))) {
		*slash = '\0';
		if (mkdirat(fd, p, 0755) < 0 && errno != EEXIST) {
			next = -errno;
			*slash = '/';
			close(fd);
			return kbtf_err(next, "cannot create directory for %s: %s", path,
					strerror(-next));
		}
		next = openat(fd, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		*slash = '/';
		close(fd);
		if (next < 0)
			return kbtf_err(-errno,
					"refusing to extract %s: a directory on its path is "
					"a symlink or not a directory",
					path);
		fd = next;
		p = slash + 1;
	}
	*leaf = p;
	return fd;
}

static int extract_file(struct walk *w, struct archive *a, char *path)
{
	const char *leaf = NULL;
	int dfd, fd, err;

	dfd = open_parent(w->dirfd, path, &leaf);
	if (dfd < 0)
		return dfd;
	fd = openat(dfd, leaf, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	err = fd < 0 ? -errno : 0;
	close(dfd);
	if (err)
		return kbtf_err(err, "refusing to extract %s: %s", path, strerror(-err));
	err = write_entry_data(a, fd, path, kbtf_deb_kernel_role(path), &w->budget);
	if (close(fd) < 0 && !err)
		err = kbtf_err(-errno, "%s: cannot write: %s", path, strerror(errno));
	return err;
}

/* ---------------------------------------------------------------- members */

static int add_file(struct kbtf_deb *d, const char *path, struct kbtf_buf *data)
{
	struct kbtf_deb_file *n = realloc(d->files, (d->nr_files + 1) * sizeof(*n));

	if (!n)
		return kbtf_err_nomem();
	d->files = n;
	n = &d->files[d->nr_files];
	memset(n, 0, sizeof(*n));
	n->path = strdup(path);
	if (!n->path)
		return kbtf_err_nomem();
	n->role = kbtf_deb_kernel_role(path);
	if (data)
		kbtf_buf_move(&n->data, data);
	d->nr_files++;
	return 0;
}

static int take_member(struct walk *w, struct archive *a, struct archive_entry *e)
{
	char path[4096];
	struct kbtf_buf data;
	int err;

	/* only plain files: links and devices are never created */
	if (archive_entry_filetype(e) != AE_IFREG || archive_entry_hardlink(e))
		return 0;
	err = kbtf_deb_clean_path(archive_entry_pathname(e) ? archive_entry_pathname(e) : "", path,
				  sizeof(path));
	if (err)
		return err;
	if (w->sel && !w->sel(path, w->ctx))
		return 0;
	/* the size the header declares, refused before a byte is read */
	if (archive_entry_size_is_set(e)) {
		err = member_fits(path, kbtf_deb_kernel_role(path),
				  (uint64_t)(archive_entry_size(e) < 0 ? 0 : archive_entry_size(e)),
				  w->budget);
		if (err)
			return err;
	}
	if (w->dirfd >= 0) {
		err = extract_file(w, a, path);
		return err ? err : add_file(w->deb, path, NULL);
	}
	if (w->each) {
		err = slurp(a, path, (size_t)kbtf_deb_role_max(kbtf_deb_kernel_role(path)), &data);
		if (err)
			return err;
		err = w->each(path, data.data, data.size, w->ctx);
		kbtf_buf_release(&data);
		return err;
	}
	err = slurp(a, path,
		    (size_t)(w->budget < kbtf_deb_role_max(kbtf_deb_kernel_role(path))
				 ? w->budget
				 : kbtf_deb_role_max(kbtf_deb_kernel_role(path))),
		    &data);
	if (err)
		return err;
	w->budget -= data.size;
	err = add_file(w->deb, path, &data);
	kbtf_buf_release(&data);
	return err;
}

/* The bytes a member's data takes in the tar: its size less its holes. */
static uint64_t stored_size(struct archive_entry *e)
{
	la_int64_t off, len, size = archive_entry_size(e);
	uint64_t sum = 0;

	if (archive_entry_sparse_reset(e) <= 0)
		return size > 0 ? (uint64_t)size : 0;
	while (archive_entry_sparse_next(e, &off, &len) == ARCHIVE_OK)
		sum += len > 0 ? (uint64_t)len : 0;
	return sum;
}

/* Refuse the member whose data would take the walk past its bound. */
static int walk_fits(struct walk *w, const char *member, struct archive_entry *e)
{
	uint64_t n = stored_size(e);
	char a[32], b[32], c[32];

	if (n <= w->walk_max && w->walked + n <= w->walk_max) {
		w->walked += n;
		return 0;
	}
	return kbtf_err(
	    -EFBIG, "%s: %s unpacks to more than %s (%s alone is %s): a decompression bomb", member,
	    size_str(w->packed, a, sizeof(a)), size_str(w->walk_max, b, sizeof(b)),
	    archive_entry_pathname(e) ? archive_entry_pathname(e) : "a member",
	    size_str(n, c, sizeof(c)));
}

/* Every entry of @a, an opened archive: members taken, or the control file parsed. */
static int walk_entries(struct walk *w, struct archive *a, const char *member, bool control)
{
	struct archive_entry *e;
	char path[4096];
	struct kbtf_buf text;
	int r, err = 0;

	w->walked = 0;
	w->walk_max = w->packed > WALK_FLOOR / WALK_RATIO ? w->packed * WALK_RATIO : WALK_FLOOR;
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		err = walk_fits(w, member, e);
		if (err)
			return err;
		if (!control) {
			size_t had = w->deb->nr_files;

			err = take_member(w, a, e);
			if (!err && w->done && w->deb->nr_files > had && w->done(w->deb, w->ctx)) {
				w->stopped = true;
				return 0;
			}
		} else if (!kbtf_deb_clean_path(archive_entry_pathname(e), path, sizeof(path)) &&
			   !strcmp(path, "control") && archive_entry_filetype(e) == AE_IFREG) {
			err = slurp(a, "control", CONTROL_MAX, &text);
			if (!err) {
				parse_control(w->deb, (const char *)text.data, text.size);
				kbtf_buf_release(&text);
			}
		}
		if (err)
			return err;
	}
	if (r != ARCHIVE_EOF)
		return kbtf_err(-EINVAL, "%s: %s", member, archive_error_string(a));
	return 0;
}

static int walk_tar(struct walk *w, const char *member, bool control)
{
	struct archive *a = archive_read_new();
	int err;

	if (!a)
		return kbtf_err_nomem();
	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	if (archive_read_open(a, w, NULL, inner_read, NULL) != ARCHIVE_OK)
		err = kbtf_err(-EINVAL, "%s: %s", member, archive_error_string(a));
	else
		err = walk_entries(w, a, member, control);
	archive_read_free(a);
	return err;
}

static int walk_deb(struct walk *w)
{
	struct archive_entry *e;
	const char *name;
	bool seen_binary = false, seen_data = false;
	int r, err = 0;

	while ((r = archive_read_next_header(w->outer, &e)) == ARCHIVE_OK) {
		name = archive_entry_pathname(e);
		if (!name)
			continue;
		if (!seen_binary) {
			if (strcmp(name, "debian-binary"))
				return kbtf_err(-EINVAL, "not a Debian package: first member is %s",
						name);
			seen_binary = true;
		} else if (!strncmp(name, "control.tar", 11)) {
			w->packed = archive_entry_size(e) > 0 ? (uint64_t)archive_entry_size(e) : 0;
			err = walk_tar(w, name, true);
		} else if (!strncmp(name, "data.tar", 8)) {
			w->packed = archive_entry_size(e) > 0 ? (uint64_t)archive_entry_size(e) : 0;
			err = walk_tar(w, name, false);
			seen_data = true;
		}
		if (err)
			return err;
		if (w->stopped)
			return 0;
	}
	if (r != ARCHIVE_EOF)
		return kbtf_err(-EINVAL, "not a Debian package: %s",
				archive_error_string(w->outer));
	if (!seen_data)
		return kbtf_err(-EINVAL, "Debian package has no data archive");
	return 0;
}

static int deb_walk(struct walk *w, const void *data, size_t size, const char *path)
{
	int err, r;

	w->outer = archive_read_new();
	if (!w->outer)
		return kbtf_err_nomem();
	archive_read_support_format_ar(w->outer);
	if (path)
		r = archive_read_open_filename(w->outer, path, READ_CHUNK);
	else
		r = archive_read_open_memory(w->outer, data, size);
	if (r != ARCHIVE_OK)
		err = kbtf_err(-EINVAL, "not a Debian package: %s", archive_error_string(w->outer));
	else
		err = walk_deb(w);
	archive_read_free(w->outer);
	w->outer = NULL;
	return err;
}

int kbtf_deb_read(const void *data, size_t size, kbtf_deb_select_fn sel, void *ctx,
		  size_t max_total, struct kbtf_deb *out)
{
	struct walk *w = calloc(1, sizeof(*w));
	int err;

	memset(out, 0, sizeof(*out));
	if (!w)
		return kbtf_err_nomem();
	*w = (struct walk){.sel = sel, .ctx = ctx, .deb = out, .budget = max_total, .dirfd = -1};
	err = deb_walk(w, data, size, NULL);
	free(w);
	if (err)
		kbtf_deb_release(out);
	return err;
}

bool kbtf_deb_done_kernel(const struct kbtf_deb *d, void *ctx)
{
	bool image = false, config = false, symvers = false, vmlinux = false, debug = false;
	size_t i;

	for (i = 0; i < d->nr_files; i++) {
		switch (d->files[i].role) {
		case KBTF_DEB_BOOT_IMAGE:
			image = true;
			break;
		case KBTF_DEB_CONFIG:
			config = true;
			break;
		case KBTF_DEB_SYMVERS:
			symvers = true;
			break;
		case KBTF_DEB_VMLINUX:
			vmlinux = true;
			debug |= !strncmp(d->files[i].path, "usr/lib/debug/", 14);
			break;
		default:
			break;
		}
	}
	/*
	 * An image package: boot/ (image, config) comes before the modules.
	 * A headers package holds .config, Module.symvers and vmlinux in no
	 * fixed order (6.12's tar has vmlinux last): wait for all three. A
	 * debug package's vmlinux is all it has.
	 */
	return (image && config) || (vmlinux && config && symvers) || debug;
}

int kbtf_deb_extract(const char *deb_path, const char *dir, kbtf_deb_select_fn sel, void *ctx,
		     struct kbtf_deb *out)
{
	return kbtf_deb_extract_until(deb_path, dir, sel, NULL, ctx, out);
}

/*
 * Unpack the selected members into @dir: a .deb (@deb: from @data, or
 * read from @name when @data is NULL), or any other archive libarchive
 * reads (archive_walk()).
 */
static int extract(const void *data, size_t size, const char *name, bool deb, const char *dir,
		   kbtf_deb_select_fn sel, kbtf_deb_done_fn done, void *ctx, struct kbtf_deb *out);

int kbtf_deb_extract_until(const char *deb_path, const char *dir, kbtf_deb_select_fn sel,
			   kbtf_deb_done_fn done, void *ctx, struct kbtf_deb *out)
{
	return extract(NULL, 0, deb_path, true, dir, sel, done, ctx, out);
}

int kbtf_deb_extract_buf_until(const void *data, size_t size, const char *dir,
			       kbtf_deb_select_fn sel, kbtf_deb_done_fn done, void *ctx,
			       struct kbtf_deb *out)
{
	return extract(data, size, NULL, true, dir, sel, done, ctx, out);
}

/*
 * Any other archive libarchive reads, walked like a data tar: tar or cpio,
 * bare or compressed, and an RPM (its filter skips the lead and headers,
 * then the payload's compression is peeled like any other).
 */
static int archive_walk(struct walk *w, const void *data, size_t size, const char *name)
{
	struct archive *a = archive_read_new();
	int err;

	if (!a)
		return kbtf_err_nomem();
	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	archive_read_support_format_cpio(a);
	w->packed = size; /* the walk's bound: a ratio of the whole archive */
	if (archive_read_open_memory(a, data, size) != ARCHIVE_OK)
		err = kbtf_err(-EINVAL, "%s: %s", name, archive_error_string(a));
	else
		err = walk_entries(w, a, name, false);
	archive_read_free(a);
	return err;
}

static int extract(const void *data, size_t size, const char *name, bool deb, const char *dir,
		   kbtf_deb_select_fn sel, kbtf_deb_done_fn done, void *ctx, struct kbtf_deb *out)
{
	struct walk *w;
	int err, dirfd;

	memset(out, 0, sizeof(*out));
	err = kbtf_mkdir_p(dir, 0755);
	if (err)
		return err;
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return kbtf_err(-errno, "cannot open %s: %s", dir, strerror(errno));
	w = calloc(1, sizeof(*w));
	if (!w) {
		close(dirfd);
		return kbtf_err_nomem();
	}
	*w = (struct walk){.sel = sel,
			   .done = done,
			   .ctx = ctx,
			   .deb = out,
			   .budget = EXTRACT_MAX,
			   .dirfd = dirfd};
	err = deb ? deb_walk(w, data, size, name)
		  : archive_walk(w, data, size, name ? name : "archive");
	free(w);
	close(dirfd);
	if (err)
		kbtf_deb_release(out);
	return err;
}

int kbtf_archive_extract_buf_until(const void *data, size_t size, const char *name, const char *dir,
				   kbtf_deb_select_fn sel, kbtf_deb_done_fn done, void *ctx,
				   struct kbtf_deb *out)
{
	return extract(data, size, name, false, dir, sel, done, ctx, out);
}

int kbtf_pkg_each_member(const void *data, size_t size, const char *name, bool deb,
			 kbtf_deb_select_fn sel, kbtf_deb_member_fn fn, void *ctx)
{
	struct kbtf_deb out = {0};
	struct walk *w = calloc(1, sizeof(*w));
	int err;

	if (!w)
		return kbtf_err_nomem();
	*w = (struct walk){
	    .sel = sel, .each = fn, .ctx = ctx, .deb = &out, .budget = EXTRACT_MAX, .dirfd = -1};
	err = deb ? deb_walk(w, data, size, NULL) : archive_walk(w, data, size, name);
	free(w);
	kbtf_deb_release(&out);
	return err;
}

void kbtf_deb_release(struct kbtf_deb *d)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; i < d->nr_files; i++) {
		free(d->files[i].path);
		kbtf_buf_release(&d->files[i].data);
	}
	free(d->files);
	free(d->package);
	free(d->version);
	free(d->depends);
	memset(d, 0, sizeof(*d));
}
