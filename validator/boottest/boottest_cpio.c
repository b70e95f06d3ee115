// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A newc cpio writer, enough for an initramfs: directories, regular files
 * and symlinks, owned by root, in memory. The kernel unpacks newc archives
 * natively (uncompressed is fine), so no external cpio is needed.
 *
 * Entry layout: the magic "070701", thirteen 8-digit hex fields, the name
 * with its NUL, padding to 4 bytes, the data, padding to 4 bytes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "boottest.h"
#include "kbtf/err.h"

#define CPIO_HDR_LEN 110
#define CPIO_TRAILER "TRAILER!!!"

static int cpio_reserve(struct kbtf_cpio *c, size_t more)
{
	size_t need = c->out.size + more;
	size_t cap = c->cap ? c->cap : 1 << 20;
	uint8_t *p;

	if (need < c->out.size)
		return kbtf_err(-EOVERFLOW, "cpio archive too large");
	if (need <= c->cap)
		return 0;
	while (cap < need)
		cap *= 2;
	p = realloc(c->out.data, cap);
	if (!p)
		return kbtf_err(-ENOMEM, "cpio archive: out of memory");
	c->out.data = p;
	c->out.owner = KBTF_BUF_HEAP;
	c->cap = cap;
	return 0;
}

static void cpio_pad(struct kbtf_cpio *c)
{
	while (c->out.size & 3)
		c->out.data[c->out.size++] = 0;
}

static int cpio_entry(struct kbtf_cpio *c, const char *path, unsigned int mode, const void *data,
		      size_t size)
{
	size_t namesize = strlen(path) + 1;
	char hdr[CPIO_HDR_LEN + 1];
	int err;

	if (size > 0xffffffffu)
		return kbtf_err(-EFBIG, "cpio: %s: file too large for newc", path);
	err = cpio_reserve(c, CPIO_HDR_LEN + namesize + size + 8);
	if (err)
		return err;
	/* ino mode uid gid nlink mtime size devmaj devmin rdevmaj rdevmin namesize check */
	snprintf(hdr, sizeof(hdr), "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		 ++c->next_ino, mode, 0u, 0u, S_ISDIR(mode) ? 2u : 1u, 0u, (unsigned int)size, 0u,
		 0u, 0u, 0u, (unsigned int)namesize, 0u);
	memcpy(c->out.data + c->out.size, hdr, CPIO_HDR_LEN);
	c->out.size += CPIO_HDR_LEN;
	memcpy(c->out.data + c->out.size, path, namesize);
	c->out.size += namesize;
	cpio_pad(c);
	if (size)
		memcpy(c->out.data + c->out.size, data, size);
	c->out.size += size;
	cpio_pad(c);
	return 0;
}

/* Names are stored without a leading "/", as cpio -H newc from "." would. */
static const char *cpio_name(const char *path)
{
	while (*path == '/')
		path++;
	return path;
}

int kbtf_cpio_add_dir(struct kbtf_cpio *c, const char *path, unsigned int mode)
{
	return cpio_entry(c, cpio_name(path), S_IFDIR | (mode & 07777), NULL, 0);
}

int kbtf_cpio_add_file(struct kbtf_cpio *c, const char *path, unsigned int mode, const void *data,
		       size_t size)
{
	return cpio_entry(c, cpio_name(path), S_IFREG | (mode & 07777), data, size);
}

int kbtf_cpio_add_symlink(struct kbtf_cpio *c, const char *path, const char *target)
{
	return cpio_entry(c, cpio_name(path), S_IFLNK | 0777, target, strlen(target));
}

int kbtf_cpio_finish(struct kbtf_cpio *c)
{
	return cpio_entry(c, CPIO_TRAILER, 0, NULL, 0);
}

void kbtf_cpio_fini(struct kbtf_cpio *c)
{
	kbtf_buf_release(&c->out);
	c->cap = 0;
	c->next_ino = 0;
}
