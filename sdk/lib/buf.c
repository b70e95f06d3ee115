// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Byte buffers that remember who owns their memory (mmap, heap, borrowed),
 * the one reader of an input file (opened once: mapped, or read up to
 * KBTF_INPUT_MAX when it is a pipe, FIFO or device), and the one atomic file
 * writer every command uses to replace a file.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "buf_shared.h"
#include "cleanup.h"
#include "kbtf/buf.h"
#include "kbtf/err.h"

/*
 * Read @fd to its end into the heap, at most @max bytes: one byte more is
 * -EFBIG, with nothing kept. Grows by doubling but never past @max, so an
 * endless input costs @max bytes, not the address space.
 */
static int read_fd(int fd, size_t max, struct kbtf_buf *out)
{
	size_t cap = max < (1 << 16) ? max : (1 << 16), len = 0;
	uint8_t *data, *tmp, probe;
	ssize_t n;

	data = malloc(cap ? cap : 1);
	if (!data)
		return -ENOMEM;
	for (;;) {
		if (len == cap) {
			if (cap == max) {
				/* full: is there more? */
				do
					n = read(fd, &probe, 1);
				while (n < 0 && errno == EINTR);
				if (n == 0)
					break;
				free(data);
				return n < 0 ? -errno : -EFBIG;
			}
			cap = cap > max / 2 ? max : cap * 2;
			tmp = realloc(data, cap);
			if (!tmp) {
				free(data);
				return -ENOMEM;
			}
			data = tmp;
		}
		n = read(fd, data + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			n = -errno;
			free(data);
			return (int)n;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	out->data = data;
	out->size = len;
	out->owner = KBTF_BUF_HEAP;
	return 0;
}

int kbtf_buf_from_fd(int fd, const char *name, struct kbtf_buf *out)
{
	int err = read_fd(fd, SIZE_MAX, out);

	if (err == -ENOMEM)
		return kbtf_err(err, "out of memory reading %s", name);
	if (err)
		return kbtf_err(err, "cannot read %s: %s", name, strerror(-err));
	return 0;
}

int kbtf_file_check(const char *path)
{
	struct stat st;
	int fd;

	if (stat(path, &st) < 0)
		return kbtf_err(-errno, "cannot open: %s", strerror(errno));
	if (S_ISDIR(st.st_mode))
		return kbtf_err(-EISDIR, "is a directory");
	/*
	 * Opening a FIFO blocks until a writer comes, and reading a pipe or
	 * device consumes what the real read needs: ask the permission only.
	 */
	if (!S_ISREG(st.st_mode)) {
		if (access(path, R_OK) < 0)
			return kbtf_err(-errno, "cannot open: %s", strerror(errno));
		return 0;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return kbtf_err(-errno, "cannot open: %s", strerror(errno));
	close(fd);
	return 0;
}

int kbtf_buf_from_file(const char *path, struct kbtf_buf *out)
{
	struct stat st;
	int fd, err;

	memset(out, 0, sizeof(*out));
	fd = kbtf_buf_open(path, &st);
	if (fd < 0)
		return fd;
	err = kbtf_buf_from_opened(fd, &st, path, out);
	close(fd);
	return err;
}

int kbtf_buf_open(const char *path, struct stat *st)
{
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		return kbtf_err(err, "cannot open: %s", strerror(-err));
	}
	if (fstat(fd, st) < 0) {
		err = kbtf_err(-errno, "cannot stat: %s", strerror(errno));
		close(fd);
		return err;
	}
	if (S_ISDIR(st->st_mode)) {
		close(fd);
		return kbtf_err(-EISDIR, "is a directory");
	}
	return fd;
}

int kbtf_buf_from_opened(int fd, const struct stat *st, const char *path, struct kbtf_buf *out)
{
	void *map;
	int err;

	/*
	 * A small file is read: a mapping costs a map, a page fault and an
	 * unmap, each more than copying a few KiB (a profile's marker, a
	 * delta's config, read for every kernel a validation opens)
	 */
	if (S_ISREG(st->st_mode) && st->st_size > KBTF_BUF_READ_MAX) {
		map = mmap(NULL, (size_t)st->st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (map != MAP_FAILED) {
			out->data = map;
			out->size = (size_t)st->st_size;
			out->owner = KBTF_BUF_MMAP;
			/* shrunk by someone while mapped: "changed", exit 2, not SIGBUS */
			kbtf_guard_map(map, out->size, path);
			return 0;
		}
	}
	/*
	 * sysfs and procfs files report a size they do not have, pipes and
	 * devices none: read them, but no further than an image may be
	 * (/dev/zero never ends)
	 */
	err = read_fd(fd, KBTF_INPUT_MAX, out);
	if (err == -EFBIG)
		err = kbtf_err(err,
			       "more than %llu MiB, the most kbtf reads of a pipe, device or "
			       "other file it cannot map (endless input?)",
			       (unsigned long long)(KBTF_INPUT_MAX >> 20));
	else if (err == -ENOMEM)
		err = kbtf_err(err, "out of memory reading it");
	else if (err)
		err = kbtf_err(err, "cannot read: %s", strerror(-err));
	return err;
}

int kbtf_buf_dup(const void *data, size_t size, struct kbtf_buf *out)
{
	out->data = malloc(size ? size : 1);
	if (!out->data)
		return kbtf_err(-ENOMEM, "out of memory (%zu bytes)", size);
	if (size)
		memcpy(out->data, data, size);
	out->size = size;
	out->owner = KBTF_BUF_HEAP;
	return 0;
}

void kbtf_buf_release(struct kbtf_buf *b)
{
	if (!b)
		return;
	if (b->owner == KBTF_BUF_HEAP)
		free(b->data);
	else if (b->owner == KBTF_BUF_SHARED && b->data)
		kbtf_buf_shared_put(b->data);
	else if (b->owner == KBTF_BUF_MMAP && b->data) {
		kbtf_guard_unmap(b->data);
		munmap(b->data, b->size);
	}
	memset(b, 0, sizeof(*b));
}

void kbtf_buf_move(struct kbtf_buf *to, struct kbtf_buf *from)
{
	*to = *from;
	memset(from, 0, sizeof(*from));
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	ssize_t w;

	while (n) {
		w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Every extended attribute of @from onto @to (ACLs, security labels, user.*). */
static int copy_xattrs(int from, int to, const char *path)
{
	char *names = NULL, *name, *val = NULL;
	ssize_t n, len;
	int err = 0;

	n = flistxattr(from, NULL, 0);
	if (n <= 0)
		return n < 0 && errno != ENOTSUP ? kbtf_err(-errno,
							    "%s: cannot list its extended "
							    "attributes: %s",
							    path, strerror(errno))
						 : 0;
	names = malloc((size_t)n);
	if (!names)
		return kbtf_err_nomem();
	n = flistxattr(from, names, (size_t)n);
	for (name = names; !err && n > 0 && name < names + n; name += strlen(name) + 1) {
		len = fgetxattr(from, name, NULL, 0);
		if (len < 0)
			continue; /* gone meanwhile */
		free(val);
		val = malloc(len ? (size_t)len : 1);
		if (!val) {
			err = kbtf_err_nomem();
			break;
		}
		len = fgetxattr(from, name, val, (size_t)len);
		if (len >= 0 && fsetxattr(to, name, val, (size_t)len, 0) < 0)
			err = kbtf_err(-errno, "%s: cannot keep its extended attribute %s: %s",
				       path, name, strerror(errno));
	}
	free(val);
	free(names);
	return err;
}

/*
 * Write @size bytes to a temporary file beside @path, give it @mode (and,
 * when @like is set, the owner, group and extended attributes of the open
 * file @like_fd), and rename it over @path. The temporary name carries the
 * pid: a later run sweeps it if this one is killed before the rename.
 */
static int replace_with(const char *path, const void *data, size_t size, unsigned int mode,
			int like_fd, const struct stat *like)
{
	char tmp[PATH_MAX], prefix[PATH_MAX];
	const char *slash;
	int fd, err;

	if (snprintf(prefix, sizeof(prefix), "%s.kbtf-", path) >= (int)sizeof(prefix) ||
	    kbtf_cleanup_template(tmp, sizeof(tmp), prefix))
		return kbtf_err(-ENAMETOOLONG, "%s: path too long", path);
	/* what a killed run left beside this file */
	slash = strrchr(prefix, '/');
	if (slash) {
		char dir[PATH_MAX];

		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - prefix), prefix);
		kbtf_cleanup_sweep(*dir ? dir : "/", slash + 1);
	} else {
		kbtf_cleanup_sweep(".", prefix);
	}
	fd = mkstemp(tmp);
	if (fd < 0) {
		err = -errno;
		return kbtf_err(err, "%s: cannot create temporary file: %s", path, strerror(-err));
	}
	kbtf_cleanup_add(tmp);
	err = write_all(fd, data, size);
	if (err)
		err = kbtf_err(err, "%s: cannot write: %s", path, strerror(-err));
	/* the owner first: chown clears the set-id bits a mode may carry */
	if (!err && like && (like->st_uid != geteuid() || like->st_gid != getegid()) &&
	    fchown(fd, like->st_uid, like->st_gid) < 0)
		err = kbtf_err(-errno, "%s: cannot keep its owner %u:%u: %s", path,
			       (unsigned)like->st_uid, (unsigned)like->st_gid, strerror(errno));
	if (!err && like)
		err = copy_xattrs(like_fd, fd, path);
	if (!err && fchmod(fd, mode) < 0)
		err = kbtf_err(-errno, "%s: cannot write: %s", path, strerror(errno));
	if (!err && fsync(fd) < 0)
		err = kbtf_err(-errno, "%s: cannot write: %s", path, strerror(errno));
	if (close(fd) < 0 && !err)
		err = kbtf_err(-errno, "%s: cannot write: %s", path, strerror(errno));
	if (!err && rename(tmp, path) < 0)
		err = kbtf_err(-errno, "%s: cannot write: %s", path, strerror(errno));
	if (err)
		unlink(tmp);
	kbtf_cleanup_forget(tmp);
	return err;
}

int kbtf_write_file_atomic(const char *path, const void *data, size_t size, unsigned int mode)
{
	return replace_with(path, data, size, mode, -1, NULL);
}

int kbtf_replace_file(const char *path, const void *data, size_t size, unsigned int mode,
		      struct kbtf_replace_info *info)
{
	struct stat st;
	char *real;
	int fd, err;

	memset(info, 0, sizeof(*info));
	if (lstat(path, &st) < 0) {
		if (errno != ENOENT)
			return kbtf_err(-errno, "%s: cannot stat: %s", path, strerror(errno));
		snprintf(info->target, sizeof(info->target), "%s", path);
		return replace_with(path, data, size, mode, -1, NULL);
	}
	if (S_ISLNK(st.st_mode)) {
		/* write through: the link stays a link, its target is replaced */
		real = realpath(path, NULL);
		if (!real)
			return kbtf_err(-errno, "%s: cannot follow the symlink: %s", path,
					strerror(errno));
		snprintf(info->target, sizeof(info->target), "%s", real);
		free(real);
		info->via_link = true;
	} else {
		snprintf(info->target, sizeof(info->target), "%s", path);
	}
	fd = open(info->target, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return kbtf_err(-errno, "%s: cannot open: %s", info->target, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return kbtf_err(-EINVAL, "%s: not a regular file", info->target);
	}
	info->links = (unsigned long)st.st_nlink;
	err = replace_with(info->target, data, size, st.st_mode & 07777, fd, &st);
	close(fd);
	return err;
}
