// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Temporary paths removed on SIGTERM/SIGINT/SIGHUP, the pid-carrying
 * temporary names and the sweep of a killed run's leftovers, and the SIGBUS
 * guard of mapped inputs (see cleanup.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "kbtf/err.h"

#define NR_PATHS 32
#define NR_GUARDS 256
#define GUARD_NAME 240

/* a slot is taken by a 0 -> 1 exchange, filled, then published as 2 */
enum { SLOT_FREE, SLOT_FILLING, SLOT_SET };

static struct {
	atomic_int state;
	char path[PATH_MAX];
} paths[NR_PATHS];

/* the tool kbtf waits for (sign-file, make, pahole), 0 when none */
static atomic_int tool_pid;

static struct {
	atomic_uintptr_t start; /* 0: free */
	size_t len;
	char name[GUARD_NAME];
} guards[NR_GUARDS];

/* ------------------------------------------------------------ paths */

int kbtf_cleanup_add(const char *path)
{
	size_t n = strlen(path);
	int i, want;

	if (n >= PATH_MAX)
		return -ENAMETOOLONG;
	for (i = 0; i < NR_PATHS; i++) {
		want = SLOT_FREE;
		if (atomic_compare_exchange_strong(&paths[i].state, &want, SLOT_FILLING)) {
			memcpy(paths[i].path, path, n + 1);
			atomic_store(&paths[i].state, SLOT_SET);
			return 0;
		}
	}
	return -ENOSPC;
}

void kbtf_cleanup_forget(const char *path)
{
	int i, want;

	for (i = 0; i < NR_PATHS; i++) {
		want = SLOT_SET;
		if (atomic_load(&paths[i].state) == SLOT_SET && !strcmp(paths[i].path, path) &&
		    atomic_compare_exchange_strong(&paths[i].state, &want, SLOT_FILLING)) {
			paths[i].path[0] = '\0';
			atomic_store(&paths[i].state, SLOT_FREE);
			return;
		}
	}
}

/* async-signal-safe: files first, then the directories they were in */
static void remove_all(void)
{
	int i;

	for (i = 0; i < NR_PATHS; i++)
		if (atomic_load(&paths[i].state) == SLOT_SET)
			unlink(paths[i].path);
	for (i = 0; i < NR_PATHS; i++)
		if (atomic_load(&paths[i].state) == SLOT_SET)
			rmdir(paths[i].path);
}

void kbtf_cleanup_child(pid_t pid)
{
	atomic_store(&tool_pid, (int)pid);
}

/*
 * A tool still running would write into the temporary directory after it
 * was removed (sign-file writes <module>.~signed~ and renames it over the
 * module it was given): it gets the signal too, and up to 2 s to end.
 */
static void stop_tool(int sig)
{
	const struct timespec tick = {0, 20 * 1000 * 1000};
	pid_t pid = (pid_t)atomic_load(&tool_pid);
	int i;

	if (pid <= 0 || kill(pid, sig) < 0)
		return;
	for (i = 0; i < 100 && waitpid(pid, NULL, WNOHANG) == 0; i++)
		nanosleep(&tick, NULL);
}

static void on_stop(int sig)
{
	int saved = errno;

	stop_tool(sig);
	remove_all();
	signal(sig, SIG_DFL);
	raise(sig);
	errno = saved;
}

void kbtf_cleanup_on_signals(void)
{
	static atomic_bool done;
	static const int sigs[] = {SIGTERM, SIGINT, SIGHUP};
	struct sigaction sa = {.sa_handler = on_stop};
	struct sigaction old;
	size_t i;

	if (atomic_exchange(&done, true))
		return;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(&sa.sa_mask, sigs[i]);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		/* a signal ignored by whoever started us (nohup) stays ignored */
		if (!sigaction(sigs[i], NULL, &old) && old.sa_handler == SIG_IGN)
			continue;
		sigaction(sigs[i], &sa, NULL);
	}
}

/* -------------------------------------------------------- temp names */

int kbtf_cleanup_template(char *buf, size_t len, const char *prefix)
{
	if ((size_t)snprintf(buf, len, "%s%ld-XXXXXX", prefix, (long)getpid()) >= len)
		return -ENAMETOOLONG;
	return 0;
}

/* the pid of "<prefix><pid>-XXXXXX", or 0 for any other name */
static pid_t owner_pid(const char *name, const char *prefix)
{
	size_t pl = strlen(prefix);
	const char *p;
	char *end;
	long pid;

	if (strncmp(name, prefix, pl) || name[pl] < '1' || name[pl] > '9')
		return 0;
	p = name + pl;
	errno = 0;
	pid = strtol(p, &end, 10);
	if (errno || pid <= 0 || pid > INT_MAX || *end != '-' || strlen(end + 1) != 6)
		return 0;
	return (pid_t)pid;
}

/*
 * kbtf 0.1.0 named its temporaries "<prefix>XXXXXX" (mkstemp's six
 * characters, no pid), so whose they are cannot be told. They are swept
 * once nothing has touched them for long enough that no kbtf can still be
 * at work on them: a file is written and renamed at once (an hour); a
 * signing directory may wait for sign-file and a person typing a PIN (a
 * day).
 */
#define LEGACY_FILE_AGE (60 * 60)
#define LEGACY_DIR_AGE (24 * 60 * 60)

static bool legacy_name(const char *name, const char *prefix)
{
	size_t pl = strlen(prefix), i;

	if (strncmp(name, prefix, pl) || strlen(name + pl) != 6)
		return false;
	for (i = pl; name[i]; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= 'A' && name[i] <= 'Z') ||
		      (name[i] >= '0' && name[i] <= '9')))
			return false;
	return true;
}

/*
 * The last write to @name, or to any entry of it when it is a directory
 * (mtime: ctime moves with every chmod and link count, of leftovers too).
 */
static time_t last_change(int dirfd, const char *name, const struct stat *st)
{
	time_t last = st->st_mtime;
	struct dirent *de;
	struct stat est;
	DIR *d;
	int fd;

	if (!S_ISDIR(st->st_mode))
		return last;
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return time(NULL); /* unknown: as if just now */
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return time(NULL);
	}
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    !fstatat(fd, de->d_name, &est, AT_SYMLINK_NOFOLLOW) && est.st_mtime > last)
			last = est.st_mtime;
	closedir(d);
	return last;
}

/* a leftover of kbtf 0.1.0 that nothing has touched for long enough */
static bool legacy_stale(int dirfd, const char *name, const char *prefix, const struct stat *st)
{
	time_t age;

	if (!legacy_name(name, prefix))
		return false;
	age = time(NULL) - last_change(dirfd, name, st);
	return age > (S_ISDIR(st->st_mode) ? LEGACY_DIR_AGE : LEGACY_FILE_AGE);
}

/* a directory a killed run left: its files, then itself */
static int remove_dir(int dirfd, const char *name)
{
	struct dirent *de;
	DIR *d;
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			unlinkat(fd, de->d_name, 0);
	closedir(d);
	return unlinkat(dirfd, name, AT_REMOVEDIR) < 0 ? -errno : 0;
}

int kbtf_cleanup_sweep(const char *dir, const char *prefix)
{
	struct dirent *de;
	struct stat st;
	int removed = 0, fd;
	pid_t pid;
	DIR *d;

	d = opendir(dir);
	if (!d)
		return 0;
	fd = dirfd(d);
	while ((de = readdir(d))) {
		pid = owner_pid(de->d_name, prefix);
		if (!pid) {
			if (!legacy_name(de->d_name, prefix) ||
			    fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
			    st.st_uid != geteuid() || !legacy_stale(fd, de->d_name, prefix, &st))
				continue;
		} else {
			/* ESRCH: no such process; EPERM means it lives (another user) */
			if (pid == getpid() || kill(pid, 0) == 0 || errno != ESRCH)
				continue;
			if (fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
			    st.st_uid != geteuid())
				continue;
		}
		if (S_ISDIR(st.st_mode) ? !remove_dir(fd, de->d_name)
					: S_ISREG(st.st_mode) && !unlinkat(fd, de->d_name, 0))
			removed++;
	}
	closedir(d);
	return removed;
}

/* ------------------------------------------------------------ guard */

static void write_str(const char *s)
{
	size_t n = strlen(s);
	ssize_t w;

	while (n) {
		w = write(STDERR_FILENO, s, n);
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

static void on_bus(int sig, siginfo_t *si, void *uctx)
{
	uintptr_t a = (uintptr_t)si->si_addr, s;
	int i;

	for (i = 0; i < NR_GUARDS; i++) {
		s = atomic_load(&guards[i].start);
		if (s && a >= s && a - s < guards[i].len) {
			write_str("kbtf: ");
			write_str(guards[i].name);
			write_str(": changed while kbtf read it (it shrank after it was opened)\n");
			remove_all();
			_exit(2); /* KBTF_EXIT_USAGE: bad input */
		}
	}
	/* not an input that shrank: die of it as without the guard */
	signal(SIGBUS, SIG_DFL);
}

void kbtf_guard_map(const void *start, size_t len, const char *name)
{
	static atomic_bool installed;
	uintptr_t want;
	size_t n;
	int i;

	if (!start || !len)
		return;
	if (!atomic_exchange(&installed, true)) {
		struct sigaction sa = {.sa_sigaction = on_bus, .sa_flags = SA_SIGINFO};

		sigemptyset(&sa.sa_mask);
		sigaction(SIGBUS, &sa, NULL);
	}
	for (i = 0; i < NR_GUARDS; i++) {
		want = 0;
		/* reserve with an address no access can hit, then publish */
		if (atomic_compare_exchange_strong(&guards[i].start, &want, (uintptr_t)1)) {
			guards[i].len = 0;
			n = strlen(name);
			if (n >= GUARD_NAME)
				n = GUARD_NAME - 1;
			memcpy(guards[i].name, name, n);
			guards[i].name[n] = '\0';
			guards[i].len = len;
			atomic_store(&guards[i].start, (uintptr_t)start);
			return;
		}
	}
}

void kbtf_guard_unmap(const void *start)
{
	int i;

	for (i = 0; i < NR_GUARDS; i++)
		if (atomic_load(&guards[i].start) == (uintptr_t)start) {
			guards[i].len = 0;
			atomic_store(&guards[i].start, 0);
			return;
		}
}
