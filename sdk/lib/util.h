/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The small helpers every part of kbtf shares: creating and removing
 * directory trees, asking whether a path is a directory, the running
 * kernel's uname, a monotonic clock. Internal: not installed, not part of
 * the public API; the fixed-order integer readers and writers of the
 * binary formats kbtf reads and writes. Errors follow kbtf/err.h (a negative errno and one line
 * naming the path).
 */
#ifndef KBTF_UTIL_H
#define KBTF_UTIL_H

#include <endian.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

/*
 * mkdir -p: create @path and whichever of its parents are missing, each
 * with @mode (less the umask). An existing directory, or a symlink to one,
 * is success; an existing path that is not a directory is -ENOTDIR. The
 * first component that cannot be created is named in the message.
 */
int kbtf_mkdir_p(const char *path, mode_t mode);

/*
 * rm -rf that never leaves the tree: symlinks are removed, never followed
 * (not even when @path itself is one), and every directory is opened
 * relative to its parent with O_NOFOLLOW, so a directory swapped for a
 * symlink while the walk runs stops the walk there instead of following
 * it. Removes what it can; returns the first error (with its path). A
 * missing @path is success.
 */
int kbtf_rm_rf(const char *path);

/* True when @path is a directory (a symlink to one counts, as for stat). */
bool kbtf_is_dir(const char *path);

/* True when @path is a regular file (a symlink to one counts, as for stat). */
bool kbtf_is_file(const char *path);

/* True when @path (NULL: false) is there and this process may execute it. */
bool kbtf_is_executable(const char *path);

/*
 * The running kernel as uname(2) tells it: its release (uname -r) and
 * machine (uname -m). The strings live as long as the calling thread;
 * NULL when uname fails.
 */
const char *kbtf_uname_release(void);
const char *kbtf_uname_machine(void);

/* A monotonic clock in milliseconds, for durations. */
static inline double kbtf_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* The same clock in seconds. */
static inline double kbtf_now_s(void)
{
	return kbtf_now_ms() / 1e3;
}

/*
 * Integers of a fixed byte order in a file's bytes, whatever the host's
 * order and whatever the alignment: the one reader and writer of every
 * binary format kbtf parses (BTF deltas, indexes, boot images, RPM
 * headers, compression frames, access records).
 */
static inline uint16_t kbtf_le16(const void *p)
{
	const uint8_t *b = p;

	return (uint16_t)(b[0] | b[1] << 8);
}

static inline uint32_t kbtf_le32(const void *p)
{
	uint32_t v;

	/* one load (and a swap on big-endian hosts), where the compiler might
	 * not merge four byte loads in a hot loop */
	memcpy(&v, p, sizeof(v));
	return le32toh(v);
}

static inline uint64_t kbtf_le64(const void *p)
{
	return (uint64_t)kbtf_le32(p) | (uint64_t)kbtf_le32((const uint8_t *)p + 4) << 32;
}

static inline uint32_t kbtf_be32(const void *p)
{
	const uint8_t *b = p;

	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* A 32-bit word of a file whose order is known only at run time. */
static inline uint32_t kbtf_get32(const void *p, bool big)
{
	return big ? kbtf_be32(p) : kbtf_le32(p);
}

static inline void kbtf_put_le32(void *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, sizeof(v));
}

static inline void kbtf_put_le64(void *p, uint64_t v)
{
	kbtf_put_le32(p, (uint32_t)v);
	kbtf_put_le32((uint8_t *)p + 4, (uint32_t)(v >> 32));
}

#endif
