// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A private apt configuration per Debian suite under the kbtf cache, and
 * the three things kbtf asks of it: refresh the lists, name the packages
 * with a prefix, download packages. See profile_apt.h.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "profile_apt.h"
#include "kbtf/buf.h"
#include "kbtf/err.h"
#include "profile.h"
#include "run.h"
#include "util.h"

#define KEYRING "/usr/share/keyrings/debian-archive-keyring.gpg"
#define LISTS_MAX_AGE (24 * 60 * 60)
#define APT_NOPTS 8

struct kbtf_apt {
	char suite[32];
	char root[PATH_MAX / 2];
	/* "-o" "Dir::...=..." pairs every apt call gets */
	char opt[APT_NOPTS][PATH_MAX];
};

/*
 * The suites kbtf reaches in Debian's archive: the code names
 * deb.debian.org serves kernels for, then their aliases. A name outside
 * this list is refused before anything is created or downloaded; apt would
 * only say, after an update, that the suite has no Release file. When
 * Debian names a new testing release, it goes here. Backports suites are
 * not among them: they have no -updates or -security companions.
 */
static const char *const known_suites[] = {
    "bullseye",	    "bookworm",	 "trixie", "forky",   "sid",	  "experimental",
    "oldoldstable", "oldstable", "stable", "testing", "unstable",
};

#define NR_KNOWN_SUITES (sizeof(known_suites) / sizeof(known_suites[0]))

/* Edit distance of @a and @b, 3 for anything above 2 (only "close" counts). */
static unsigned int near(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	unsigned int row[33], prev, tmp, best;

	if (la > 32 || lb > 32 || (la > lb ? la - lb : lb - la) > 2)
		return 3;
	for (j = 0; j <= lb; j++)
		row[j] = (unsigned int)j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = (unsigned int)i;
		for (j = 1; j <= lb; j++) {
			tmp = row[j];
			best = prev + (a[i - 1] != b[j - 1]);
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = tmp;
		}
	}
	return row[lb] > 2 ? 3 : row[lb];
}

int kbtf_apt_suite_check(const char *suite)
{
	char list[256], hint[64] = "";
	unsigned int d, best = 3;
	size_t i, n = 0;

	for (i = 0; i < NR_KNOWN_SUITES; i++) {
		if (!strcmp(suite, known_suites[i]))
			return 0;
	}
	for (i = 0; i < NR_KNOWN_SUITES; i++) {
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", i ? ", " : "",
				      known_suites[i]);
		d = near(suite, known_suites[i]);
		if (d < best) {
			best = d;
			snprintf(hint, sizeof(hint), "did you mean '%s'? ", known_suites[i]);
		}
	}
	return kbtf_err(-EINVAL, "unknown suite '%.32s' (%sknown: %s)", suite, hint, list);
}

static bool suite_is_rolling(const char *suite)
{
	return !strcmp(suite, "sid") || !strcmp(suite, "unstable") ||
	       !strcmp(suite, "experimental");
}

static int mkdirs(const char *root)
{
	static const char *const sub[] = {"",	    "/lists",	       "/lists/partial",
					  "/cache", "/cache/archives", "/cache/archives/partial"};
	char path[PATH_MAX];
	size_t i;
	int err = 0;

	for (i = 0; !err && i < sizeof(sub) / sizeof(sub[0]); i++) {
		if (snprintf(path, sizeof(path), "%s%s", root, sub[i]) >= (int)sizeof(path))
			return kbtf_err(-ENAMETOOLONG, "%s%s: path too long", root, sub[i]);
		err = kbtf_mkdir_p(path, 0755);
	}
	return err;
}

/* The sources.list this suite needs; rewritten (lists refreshed) when it differs. */
static int write_sources(struct kbtf_apt *a)
{
	const char *mirror = getenv("KBTF_DEBIAN_MIRROR");
	const char *sec = getenv("KBTF_DEBIAN_SECURITY_MIRROR");
	char path[PATH_MAX], text[4 * PATH_MAX], secbuf[PATH_MAX], stamp[PATH_MAX];
	struct kbtf_buf old = {0};
	size_t ml;
	int n, err = 0;

	if (!mirror || !*mirror)
		mirror = "http://deb.debian.org/debian";
	if (!sec || !*sec) {
		ml = strlen(mirror);
		if (ml >= 6 && !strcmp(mirror + ml - 6, "debian"))
			snprintf(secbuf, sizeof(secbuf), "%s-security", mirror);
		else
			snprintf(secbuf, sizeof(secbuf), "%s",
				 "http://deb.debian.org/debian-security");
		sec = secbuf;
	}
	n = snprintf(text, sizeof(text), "deb [signed-by=%s] %s %s main\n", KEYRING, mirror,
		     a->suite);
	if (!suite_is_rolling(a->suite))
		n += snprintf(text + n, sizeof(text) - (size_t)n,
			      "deb [signed-by=%s] %s %s-updates main\n"
			      "deb [signed-by=%s] %s %s-security main\n",
			      KEYRING, mirror, a->suite, KEYRING, sec, a->suite);
	snprintf(path, sizeof(path), "%s/sources.list", a->root);
	if (!kbtf_buf_from_file(path, &old) && old.size == (size_t)n &&
	    !memcmp(old.data, text, (size_t)n)) {
		kbtf_buf_release(&old);
		return 0;
	}
	kbtf_buf_release(&old);
	kbtf_err_clear();
	err = kbtf_write_file_atomic(path, text, (size_t)n, 0644);
	snprintf(stamp, sizeof(stamp), "%s/updated", a->root);
	unlink(stamp);
	return err;
}

int kbtf_apt_open(const char *cache_dir, const char *suite, struct kbtf_apt **out)
{
	/* each option is KEY, or KEY<root>TAIL when it names a path */
	static const struct {
		const char *key, *tail;
	} opts[APT_NOPTS] = {
	    {"Dir::Etc::SourceList=", "/sources.list"},
	    {"Dir::Etc::SourceParts=/dev/null", NULL},
	    {"Dir::State::Lists=", "/lists"},
	    {"Dir::Cache=", "/cache"},
	    {"Dir::State::status=", "/status"},
	    {"APT::Sandbox::User=root", NULL},
	    {"Debug::NoLocking=1", NULL}, /* private dirs; kbtf locks them itself */
	    {"Acquire::Retries=3", NULL},
	};
	char cache[PATH_MAX / 4], status[PATH_MAX];
	struct kbtf_apt *a;
	size_t i;
	int err, fd;

	err = kbtf_apt_suite_check(suite);
	if (err)
		return err;
	if (cache_dir)
		snprintf(cache, sizeof(cache), "%s", cache_dir);
	else if ((err = kbtf_cache_dir(cache, sizeof(cache))))
		return err;
	a = calloc(1, sizeof(*a));
	if (!a)
		return kbtf_err_nomem();
	snprintf(a->suite, sizeof(a->suite), "%s", suite);
	snprintf(a->root, sizeof(a->root), "%s/apt/%s", cache, suite);
	for (i = 0; i < APT_NOPTS; i++)
		snprintf(a->opt[i], sizeof(a->opt[i]), "%s%s%s", opts[i].key,
			 opts[i].tail ? a->root : "", opts[i].tail ? opts[i].tail : "");
	err = mkdirs(a->root);
	if (!err)
		err = write_sources(a);
	if (!err) {
		snprintf(status, sizeof(status), "%s/status", a->root);
		fd = open(status, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0)
			err = kbtf_err(-errno, "%s: %s", status, strerror(errno));
		else
			close(fd);
	}
	if (err) {
		free(a);
		return err;
	}
	*out = a;
	return 0;
}

void kbtf_apt_free(struct kbtf_apt *a)
{
	free(a);
}

const char *kbtf_apt_suite(const struct kbtf_apt *a)
{
	return a->suite;
}

void kbtf_strv_free(char **v, size_t n)
{
	if (!v)
		return;
	while (n)
		free(v[--n]);
	free(v);
}

/* argv = TOOL, the -o options, then @args (NULL-terminated), run in @cwd. */
static int apt_run(struct kbtf_apt *a, const char *tool, const char *const *args, const char *cwd,
		   struct kbtf_buf *capture)
{
	const char *argv[2 + 2 * APT_NOPTS + 16];
	struct kbtf_run_opts ro = {.cwd = cwd, .capture = capture};
	size_t n = 0, i;
	int rc;

	argv[n++] = tool;
	for (i = 0; i < APT_NOPTS; i++) {
		argv[n++] = "-o";
		argv[n++] = a->opt[i];
	}
	for (i = 0; args[i] && n + 1 < sizeof(argv) / sizeof(argv[0]); i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	rc = kbtf_run(argv, &ro);
	if (rc > 0)
		rc = kbtf_err(-KBTF_ETOOL, "%s %s (%s) failed with status %d: %s", tool, args[0],
			      a->suite, rc, kbtf_run_tail(capture, 3));
	return rc;
}

static int lock_root(struct kbtf_apt *a)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/.lock", a->root);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return kbtf_err(-errno, "%s: %s", path, strerror(errno));
	while (flock(fd, LOCK_EX) < 0 && errno == EINTR)
		;
	return fd;
}

static void touch(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

	if (fd >= 0) {
		futimens(fd, NULL);
		close(fd);
	}
}

int kbtf_apt_update(struct kbtf_apt *a, bool force)
{
	static const char *const args[] = {"update", NULL};
	struct kbtf_buf out = {0};
	char stamp[PATH_MAX];
	struct stat st;
	int fd, err = 0;

	snprintf(stamp, sizeof(stamp), "%s/updated", a->root);
	fd = lock_root(a);
	if (fd < 0)
		return fd;
	/* another process may have refreshed while we waited for the lock */
	if (force || stat(stamp, &st) < 0 || time(NULL) - st.st_mtime > LISTS_MAX_AGE) {
		err = apt_run(a, "apt-get", args, NULL, &out);
		if (!err)
			touch(stamp);
	}
	kbtf_buf_release(&out);
	close(fd);
	return err;
}

static bool is_pkgname(const char *s)
{
	if (!isalnum((unsigned char)*s))
		return false;
	for (; *s; s++) {
		if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) &&
		    !strchr("+-.", *s))
			return false;
	}
	return true;
}

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

int kbtf_apt_pkgnames(struct kbtf_apt *a, const char *prefix, char ***names, size_t *nr)
{
	const char *args[] = {"pkgnames", prefix, NULL};
	struct kbtf_buf out = {0};
	char **v = NULL, **nv, *line, *next;
	size_t n = 0;
	int err;

	*names = NULL;
	*nr = 0;
	err = apt_run(a, "apt-cache", args, NULL, &out);
	if (err) {
		kbtf_buf_release(&out);
		return err;
	}
	/* output and warnings share the pipe: keep the lines that are names */
	for (line = (char *)out.data; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!is_pkgname(line))
			continue;
		nv = realloc(v, (n + 1) * sizeof(*v));
		if (nv)
			v = nv;
		if (!nv || !(v[n] = strdup(line))) {
			kbtf_strv_free(v, n);
			kbtf_buf_release(&out);
			return kbtf_err_nomem();
		}
		n++;
	}
	kbtf_buf_release(&out);
	if (n)
		qsort(v, n, sizeof(*v), cmp_str);
	*names = v;
	*nr = n;
	return 0;
}

int kbtf_deb_name_version(const char *path, char *buf, size_t len)
{
	const char *base = strrchr(path, '/'), *u1, *u2;
	size_t i, o = 0;

	base = base ? base + 1 : path;
	u1 = strchr(base, '_');
	u2 = u1 ? strchr(u1 + 1, '_') : NULL;
	if (!u2 || !len)
		return kbtf_err(-EINVAL, "%s: not a NAME_VERSION_ARCH.deb file name", path);
	for (i = 1; u1 + i < u2 && o + 1 < len; i++) {
		if (!strncmp(u1 + i, "%3a", 3) || !strncmp(u1 + i, "%3A", 3)) {
			buf[o++] = ':';
			i += 2;
		} else {
			buf[o++] = u1[i];
		}
	}
	buf[o] = '\0';
	return 0;
}

/* An existing <dir>/<pkg>_*.deb, newest version by name. */
static char *find_deb(const char *dir, const char *pkg)
{
	char pattern[PATH_MAX], *found = NULL;
	glob_t g;

	if (snprintf(pattern, sizeof(pattern), "%s/%s_*.deb", dir, pkg) >= (int)sizeof(pattern))
		return NULL;
	if (glob(pattern, 0, NULL, &g) == 0 && g.gl_pathc)
		found = strdup(g.gl_pathv[g.gl_pathc - 1]);
	globfree(&g);
	return found;
}

/* Move every .deb of @tmp into @dir. */
static int move_debs(const char *tmp, const char *dir)
{
	char from[2 * PATH_MAX], to[2 * PATH_MAX];
	struct dirent *de;
	size_t l;
	DIR *d = opendir(tmp);
	int err = 0;

	if (!d)
		return kbtf_err(-errno, "%s: %s", tmp, strerror(errno));
	while (!err && (de = readdir(d))) {
		l = strlen(de->d_name);
		if (l < 5 || strcmp(de->d_name + l - 4, ".deb"))
			continue;
		snprintf(from, sizeof(from), "%s/%s", tmp, de->d_name);
		snprintf(to, sizeof(to), "%s/%s", dir, de->d_name);
		if (rename(from, to) < 0)
			err = kbtf_err(-errno, "%s: cannot move into %s: %s", from, dir,
				       strerror(errno));
	}
	closedir(d);
	return err;
}

int kbtf_apt_download(struct kbtf_apt *a, const char *const *pkgs, size_t n, const char *dir,
		      char **paths)
{
	const char *args[20];
	struct kbtf_buf out = {0};
	char tmp[PATH_MAX];
	size_t i, want = 0;
	int err = 0;

	if (n + 2 > sizeof(args) / sizeof(args[0]))
		return kbtf_err(-E2BIG, "too many packages in one download");
	args[want++] = "download";
	for (i = 0; i < n; i++) {
		paths[i] = find_deb(dir, pkgs[i]);
		if (!paths[i])
			args[want++] = pkgs[i];
	}
	args[want] = NULL;
	if (want == 1)
		return 0;
	if (snprintf(tmp, sizeof(tmp), "%s/.download-XXXXXX", dir) >= (int)sizeof(tmp))
		return kbtf_err(-ENAMETOOLONG, "%s: path too long", dir);
	if (!mkdtemp(tmp))
		return kbtf_err(-errno, "%s: cannot create: %s", tmp, strerror(errno));
	err = apt_run(a, "apt-get", args, tmp, &out);
	if (!err)
		err = move_debs(tmp, dir);
	kbtf_rm_rf(tmp);
	kbtf_buf_release(&out);
	for (i = 0; !err && i < n; i++) {
		if (!paths[i])
			paths[i] = find_deb(dir, pkgs[i]);
		if (!paths[i])
			err = kbtf_err(-ENOENT, "apt-get download left no %s in %s", pkgs[i], dir);
	}
	if (err) {
		for (i = 0; i < n; i++) {
			free(paths[i]);
			paths[i] = NULL;
		}
		return err;
	}
	return (int)want - 1;
}
