/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The small helpers every part of kbtf shares: creating and removing
 * directory trees, asking whether a path is a directory, the running
 * kernel's uname, a monotonic clock. Internal: not installed, not part of
 * the public API. Errors follow kbtf/err.h (a negative errno and one line
 * naming the path).
 */
#ifndef KBTF_UTIL_H
#define KBTF_UTIL_H

#include <stdbool.h>
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

#endif
