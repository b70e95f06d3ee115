/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Read-only mappings shared within a process (buf_shared.c): the reference
 * files many delta profiles are stored against, mapped once however many
 * of those profiles are opened, one after another or at once.
 */
#ifndef KBTF_BUF_SHARED_H
#define KBTF_BUF_SHARED_H

#include <sys/stat.h>

#include "kbtf/buf.h"

/*
 * Open @path for reading and stat it (buf.c): the fd, or a negative errno
 * with the reason recorded; a directory is refused.
 */
int kbtf_buf_open(const char *path, struct stat *st);

/* Regular files up to this size are read into the heap, not mapped. */
#define KBTF_BUF_READ_MAX (16u << 10)

/*
 * What kbtf_buf_from_file() makes of the file open at @fd (@st its stat):
 * a private mapping, or its bytes read up to KBTF_INPUT_MAX (a small
 * file, or one that cannot be mapped).
 */
int kbtf_buf_from_opened(int fd, const struct stat *st, const char *path, struct kbtf_buf *out);

/*
 * How many mappings no buffer holds any more are kept for the next open,
 * the least recently released given back first: a matrix run walks
 * kernels of a few series, each series one reference of each kind.
 */
#define KBTF_SHARED_IDLE 8

/*
 * Map the regular file @path read-only, or take the mapping this process
 * already has of it: the same device, inode, size, modification and change
 * times.
 * A file replaced (a new inode) or rewritten (a new size or time) is
 * mapped anew. kbtf_buf_release() gives it back. Anything that cannot be
 * mapped (empty, not a regular file) is read as kbtf_buf_from_file()
 * reads it, unshared.
 */
int kbtf_buf_from_file_shared(const char *path, struct kbtf_buf *out);

/*
 * What a reader keeps with the mapping of @b (a KBTF_BUF_SHARED buffer):
 * the object of @kind attached to it, or NULL. It lives as long as the
 * mapping, so as long as @b is held.
 */
void *kbtf_buf_shared_obj(const struct kbtf_buf *b, const void *kind);

/*
 * Attach @obj of @kind to the mapping of @b, freed with @obj_free when the
 * mapping goes. Returns the object now attached: @obj, or the one another
 * thread attached first (then @obj is still the caller's to free); NULL
 * when @b is not shared or carries an object of another kind.
 */
void *kbtf_buf_shared_attach(const struct kbtf_buf *b, const void *kind, void *obj,
			     void (*obj_free)(void *obj));

/* kbtf_buf_release() of a KBTF_BUF_SHARED buffer. */
void kbtf_buf_shared_put(const void *data);

/* Mappings of this process no buffer holds (for tests). */
unsigned int kbtf_buf_shared_idle(void);

#endif
