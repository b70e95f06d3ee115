/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A byte buffer that knows how to give its memory back: a read-only file
 * mapping, a heap block, or borrowed memory someone else owns. Every source
 * reader hands out kbtf_buf so the BTF model can parse straight off a mapping
 * without copying.
 */
#ifndef KBTF_BUF_H
#define KBTF_BUF_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kbtf/api.h"

enum kbtf_buf_owner {
	KBTF_BUF_BORROWED = 0, /* someone else frees it */
	KBTF_BUF_HEAP,	       /* free(data) */
	KBTF_BUF_MMAP,	       /* munmap(data, size) */
	KBTF_BUF_SHARED,       /* a mapping shared within the process: one holder less */
};

struct kbtf_buf {
	uint8_t *data;
	size_t size;
	enum kbtf_buf_owner owner;
};

/*
 * The most bytes kbtf holds of one kernel image or input it cannot map:
 * what a decompressed vmlinux may grow to, and what is read of a pipe,
 * FIFO or device. Real vmlinux images are 50-70 MiB; more is a bomb or an
 * endless input (/dev/zero), refused before it costs more than this.
 */
#define KBTF_INPUT_MAX (128ull << 20)

/*
 * Map @path read-only. Files that cannot be mapped or report no size
 * (sysfs, /proc, pipes, devices) are read into the heap instead, at most
 * KBTF_INPUT_MAX bytes (-EFBIG past it). The file is opened once: a FIFO
 * or process substitution is read as it comes, never reopened.
 */
KBTF_API int kbtf_buf_from_file(const char *path, struct kbtf_buf *out);

/*
 * 0 when @path opens for reading and is not a directory, what
 * kbtf_buf_from_file() needs; else a negative errno with the reason
 * recorded ("cannot open: ...", the caller names the file). Reads nothing:
 * for commands that refuse a missing input before any work. A file that is
 * not regular (FIFO, device, socket) is only stat()ed and its permission
 * asked, never opened: opening a FIFO blocks, and the one real read must
 * get its bytes.
 */
int kbtf_file_check(const char *path);

/* Read all of @fd into the heap, unbounded: for trusted pipes (our own tools). */
KBTF_API int kbtf_buf_from_fd(int fd, const char *name, struct kbtf_buf *out);

/* Copy @size bytes into a new heap buffer. */
KBTF_API int kbtf_buf_dup(const void *data, size_t size, struct kbtf_buf *out);

/* Give the memory back; safe on a zeroed buffer; leaves @b zeroed. */
KBTF_API void kbtf_buf_release(struct kbtf_buf *b);

/* Move @from into @to (to is overwritten, from is zeroed). */
KBTF_API void kbtf_buf_move(struct kbtf_buf *to, struct kbtf_buf *from);

/*
 * Write @size bytes to @path atomically: temp file beside it
 * ("<path>.kbtf-<pid>-XXXXXX", 0600 until renamed; those of dead processes
 * beside it are removed first), fsync, rename.
 */
KBTF_API int kbtf_write_file_atomic(const char *path, const void *data, size_t size,
				    unsigned int mode);

#endif
