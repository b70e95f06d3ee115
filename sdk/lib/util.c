// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The shared small helpers of util.h: directory trees made and removed,
 * the directory test, uname. One copy each, so that every caller gets the
 * same error handling and the same refusal to follow symlinks out of a
 * tree it removes.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "kbtf/err.h"
#include "util.h"

bool kbtf_is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

bool kbtf_is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

bool kbtf_is_executable(const char *path)
{
	return path && access(path, X_OK) == 0;
}

static int cannot_create(const char *path, int err)
{
	return kbtf_err(-err, "%s: cannot create: %s", path, strerror(err));
}

int kbtf_mkdir_p(const char *path, mode_t mode)
{
	char tmp[PATH_MAX], *p;

	if (!*path)
		return kbtf_err(-ENOENT, "cannot create a directory with an empty name");
	if (snprintf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp))
		return kbtf_err(-ENAMETOOLONG, "%s: path too long", path);
	/* parents first; one that exists (even unwritable) answers EEXIST */
	for (p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, mode) < 0 && errno != EEXIST)
			return cannot_create(tmp, errno);
		*p = '/';
	}
	if (mkdir(tmp, mode) == 0)
		return 0;
	if (errno != EEXIST)
		return cannot_create(tmp, errno);
	/* EEXIST also for a file or a dangling symlink: only a directory will do */
	return kbtf_is_dir(tmp) ? 0 : cannot_create(tmp, ENOTDIR);
}

/* ---------------------------------------------------------------- rm -rf */

struct rm_walk {
	char path[PATH_MAX]; /* of the entry at hand, for the message */
	int err;	     /* the first failure */
};

static void rm_failed(struct rm_walk *w, int err)
{
	if (err != ENOENT && !w->err)
		w->err = kbtf_err(-err, "%s: cannot remove: %s", w->path, strerror(err));
}

static void rm_entry(struct rm_walk *w, int dfd, const char *name);

/* Remove what the directory open as @fd holds; @fd is closed. */
static void rm_contents(struct rm_walk *w, int fd)
{
	size_t len = strlen(w->path);
	struct dirent *de;
	DIR *d = fdopendir(fd);

	if (!d) {
		rm_failed(w, errno);
		close(fd);
		return;
	}
	for (errno = 0; (de = readdir(d)); errno = 0) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(w->path + len, sizeof(w->path) - len, "/%s", de->d_name);
		rm_entry(w, dirfd(d), de->d_name);
		w->path[len] = '\0';
	}
	if (errno)
		rm_failed(w, errno);
	closedir(d);
}

/*
 * Remove @name in the directory @dfd. lstat semantics throughout: a
 * symlink is unlinked as the link it is, and a directory is entered only
 * through openat(O_NOFOLLOW | O_DIRECTORY), which fails rather than follow
 * a symlink put in its place after the fstatat.
 */
static void rm_entry(struct rm_walk *w, int dfd, const char *name)
{
	struct stat st;
	int fd;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		rm_failed(w, errno);
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		if (unlinkat(dfd, name, 0) < 0)
			rm_failed(w, errno);
		return;
	}
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		rm_failed(w, errno);
		return;
	}
	rm_contents(w, fd);
	if (unlinkat(dfd, name, AT_REMOVEDIR) < 0)
		rm_failed(w, errno);
}

int kbtf_rm_rf(const char *path)
{
	struct rm_walk w = {.err = 0};
	size_t len = strlen(path);
	char top[PATH_MAX];
	const char *base;

	if (len >= sizeof(top))
		return kbtf_err(-ENAMETOOLONG, "%s: path too long", path);
	/* "link/" would resolve the symlink: take the name without the slashes */
	while (len > 1 && path[len - 1] == '/')
		len--;
	memcpy(top, path, len);
	top[len] = '\0';
	base = strrchr(top, '/');
	base = base ? base + 1 : top;
	if (!*base || !strcmp(base, ".") || !strcmp(base, ".."))
		return kbtf_err(-EINVAL, "%s: refusing to remove it", path);
	memcpy(w.path, top, len + 1);
	rm_entry(&w, AT_FDCWD, top);
	return w.err;
}

/* ---------------------------------------------------------------- uname */

static const struct utsname *running(void)
{
	static _Thread_local struct utsname u;
	static _Thread_local int known; /* 0 not asked yet, 1 filled, -1 uname failed */

	if (!known)
		known = uname(&u) ? -1 : 1;
	return known > 0 ? &u : NULL;
}

const char *kbtf_uname_release(void)
{
	const struct utsname *u = running();

	return u ? u->release : NULL;
}

const char *kbtf_uname_machine(void)
{
	const struct utsname *u = running();

	return u ? u->machine : NULL;
}
