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
#include <unistd.h>

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
	void *map;
	int fd, err;

	memset(out, 0, sizeof(*out));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		return kbtf_err(err, "cannot open: %s", strerror(-err));
	}
	if (fstat(fd, &st) < 0) {
		err = kbtf_err(-errno, "cannot stat: %s", strerror(errno));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		err = kbtf_err(-EISDIR, "is a directory");
		goto out;
	}
	if (S_ISREG(st.st_mode) && st.st_size > 0) {
		map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (map != MAP_FAILED) {
			out->data = map;
			out->size = (size_t)st.st_size;
			out->owner = KBTF_BUF_MMAP;
			/* shrunk by someone while mapped: "changed", exit 2, not SIGBUS */
			kbtf_guard_map(map, out->size, path);
			err = 0;
			goto out;
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
out:
	close(fd);
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

int kbtf_write_file_atomic(const char *path, const void *data, size_t size, unsigned int mode)
{
	char tmp[PATH_MAX], prefix[PATH_MAX];
	int fd, err;

	/* "<path>.kbtf-<pid>-XXXXXX": a later run sweeps it if we are killed */
	if (snprintf(prefix, sizeof(prefix), "%s.kbtf-", path) >= (int)sizeof(prefix) ||
	    kbtf_cleanup_template(tmp, sizeof(tmp), prefix))
		return kbtf_err(-ENAMETOOLONG, "%s: path too long", path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		err = -errno;
		return kbtf_err(err, "%s: cannot create temporary file: %s", path, strerror(-err));
	}
	kbtf_cleanup_add(tmp);
	err = write_all(fd, data, size);
	if (!err && fchmod(fd, mode) < 0)
		err = -errno;
	if (!err && fsync(fd) < 0)
		err = -errno;
	if (close(fd) < 0 && !err)
		err = -errno;
	if (!err && rename(tmp, path) < 0)
		err = -errno;
	if (err)
		unlink(tmp);
	kbtf_cleanup_forget(tmp);
	if (err)
		return kbtf_err(err, "%s: cannot write: %s", path, strerror(-err));
	return 0;
}
