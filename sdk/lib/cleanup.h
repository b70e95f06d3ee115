/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What a dying kbtf must not leave behind or get wrong: temporary files and
 * directories removed when the process is told to stop (SIGTERM, SIGINT,
 * SIGHUP), temporary names that carry the pid so that a later run can tell
 * the leftovers of a process killed outright (SIGKILL) and sweep them, and
 * mapped inputs guarded against shrinking under kbtf (a read past the new
 * end of a mapped file is SIGBUS): the fault is reported as the file having
 * changed, exit 2, instead of a death by signal.
 *
 * Everything a signal handler touches is a fixed table of fixed-size slots,
 * so the handlers use only async-signal-safe calls.
 */
#ifndef KBTF_CLEANUP_H
#define KBTF_CLEANUP_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * Remove @path (a file, or an empty directory) if the process is stopped
 * by a signal before kbtf_cleanup_forget(@path). Directories added after
 * the files in them are removed after them. -ENOSPC when the table is full
 * (the caller goes on without the guarantee), -ENAMETOOLONG.
 */
int kbtf_cleanup_add(const char *path);
void kbtf_cleanup_forget(const char *path);
/*
 * @pid: the external tool kbtf now waits for (0: none). Stopped by a signal,
 * kbtf passes it on to that tool and gives it a moment to end before the
 * temporary paths are removed, so that the tool writes nothing after them.
 */
void kbtf_cleanup_child(pid_t pid);

/*
 * Install the handlers for SIGTERM, SIGINT and SIGHUP: remove what was
 * added, then die by the same signal (the exit status says so). Once per
 * process; later calls do nothing.
 */
void kbtf_cleanup_on_signals(void);

/*
 * "<prefix><pid>-XXXXXX" into @buf, the template mkstemp()/mkdtemp() fill:
 * a name kbtf_cleanup_sweep() can tell the owner of.
 */
int kbtf_cleanup_template(char *buf, size_t len, const char *prefix);

/*
 * Remove the entries of @dir named "<prefix><pid>-XXXXXX" whose process is
 * gone (a file, or a directory with only files in it): what a killed run
 * left. Also those named "<prefix>XXXXXX", as kbtf 0.1.0 named them (no
 * pid), once unchanged for an hour (a file) or a day (a directory, with
 * everything in it). Only the caller's own entries; those of live
 * processes, and other names, are left alone. Returns how many were
 * removed.
 */
int kbtf_cleanup_sweep(const char *dir, const char *prefix);

/*
 * Guard a read-only mapping of @name: a SIGBUS inside it (the file shrank
 * after it was mapped) prints "kbtf: NAME: changed while kbtf read it",
 * removes what was added, and exits 2. Unguarded when the table is full.
 */
void kbtf_guard_map(const void *start, size_t len, const char *name);
void kbtf_guard_unmap(const void *start);

/*
 * Replacing a file users own in place (buf.c). Internal: the public
 * kbtf/buf.h must compile under plain -std=c11, where PATH_MAX is not
 * defined.
 */
struct kbtf_replace_info {
	char target[PATH_MAX]; /* the file replaced: @path, or where its symlinks lead */
	bool via_link;	       /* @path is a symlink, written through */
	unsigned long links;   /* hard links of the old file (0: there was none) */
};

/*
 * kbtf_write_file_atomic() for a file that stays the same file to its
 * users: a symlink is written through (the link stays, its target gets
 * the new contents), and the new file keeps the old one's mode, owner,
 * group and extended attributes. The rename gives it a new inode, so other
 * hard links of the old file keep the old contents: info->links says how
 * many names it had. A missing @path is created with @mode.
 */
int kbtf_replace_file(const char *path, const void *data, size_t size, unsigned int mode,
		      struct kbtf_replace_info *info);

#endif
