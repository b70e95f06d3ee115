// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The profile store: a directory of kernel profiles plus an index file
 * (".index", one tab-separated line of facts per profile) so listing and
 * set resolution read one small file instead of every profile.
 *
 * Writers take an flock on "<store>/.lock" (and a mutex, for threads of
 * one process) around the rename that publishes a profile and the index
 * rewrite; the expensive part, writing the profile, happens before, in a
 * temporary directory beside its final place. The index is a cache of the
 * markers: when it is missing, unreadable, or names other directories than
 * those present, it is rebuilt from the markers.
 *
 * Profile files are stored once per content: each data file of a new
 * profile (BTF, layers, config, Module.symvers, boot image, prepared
 * index) is hard-linked to "<store>/.objects/<xx>/<hash>-<size>", or
 * replaced by a link to the object already there when its bytes are the
 * same (compared in full, not trusted to the hash). Kernels stored twice
 * under other names, or the same kernel from two packages, cost their
 * bytes once. A BTF stored as a delta (profile_delta.c) links its
 * reference's object as btf.ref. An object is garbage when only the objects directory links
 * it (link count 1): "kbtf kernels rm" and replacing adds remove those,
 * under the store lock. Linking and collecting exclude each other through
 * a second flock, "<store>/.objects-lock": writers hold it shared while
 * they link (so many link at once, and never wait on the store lock while
 * holding it), the collector exclusively. Without it a collector that saw
 * an object at count 1 could unlink it just after a writer linked it,
 * leaving that writer's file private and its index unlike its twins'.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kbtf/err.h"
#include "profile.h"
#include "hash.h"
#include "profile_fields.h"
#include "profile_index.h"
#include "util.h"

#define INDEX_FILE ".index"
#define LOCK_FILE ".lock"
#define OBJECTS_LOCK_FILE ".objects-lock"
#define OBJECTS_DIR ".objects"
#define INDEX_MAGIC "# kbtf-kernels-index"

struct kbtf_store {
	char root[PATH_MAX / 2]; /* room left for "/<name>/<file>" */
	pthread_mutex_t mutex;
	struct kbtf_profile_info *items;
	size_t nr;
	const struct kbtf_profile_info **sorted;
	bool loaded;
	bool rebuilt; /* the last load could not trust the index */
};

int kbtf_cache_dir(char *buf, size_t len)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	int n;

	if (xdg && *xdg == '/')
		n = snprintf(buf, len, "%s/kbtf", xdg);
	else if (home && *home)
		n = snprintf(buf, len, "%s/.cache/kbtf", home);
	else
		return kbtf_err(-ENOENT, "neither XDG_CACHE_HOME nor HOME is set");
	if (n < 0 || (size_t)n >= len)
		return kbtf_err(-ENAMETOOLONG, "cache directory path too long");
	return 0;
}

int kbtf_store_open(const char *root, struct kbtf_store **out)
{
	struct kbtf_store *s = calloc(1, sizeof(*s));
	int err = 0;

	if (!s)
		return kbtf_err_nomem();
	if (root) {
		if (snprintf(s->root, sizeof(s->root), "%s", root) >= (int)sizeof(s->root))
			err = kbtf_err(-ENAMETOOLONG, "%s: path too long", root);
	} else {
		err = kbtf_cache_dir(s->root, sizeof(s->root) - 8);
		if (!err)
			strcat(s->root, "/kernels");
	}
	if (err) {
		free(s);
		return err;
	}
	pthread_mutex_init(&s->mutex, NULL);
	*out = s;
	return 0;
}

static void drop_items(struct kbtf_store *s)
{
	free(s->items);
	free(s->sorted);
	s->items = NULL;
	s->sorted = NULL;
	s->nr = 0;
	s->loaded = false;
}

void kbtf_store_free(struct kbtf_store *s)
{
	if (!s)
		return;
	drop_items(s);
	pthread_mutex_destroy(&s->mutex);
	free(s);
}

const char *kbtf_store_root(const struct kbtf_store *s)
{
	return s->root;
}

int kbtf_store_profile_dir(const struct kbtf_store *s, const char *name, char *buf, size_t len)
{
	if (snprintf(buf, len, "%s/%s", s->root, name) >= (int)len)
		return kbtf_err(-ENAMETOOLONG, "%s/%s: path too long", s->root, name);
	return 0;
}

/* ------------------------------------------------------------ helpers */

static int name_cmp(const void *a, const void *b)
{
	const struct kbtf_profile_info *const *x = a, *const *y = b;

	return strverscmp((*x)->name, (*y)->name);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Add one item (copied); keeps s->sorted stale until sort_items(). */
static int push_item(struct kbtf_store *s, const struct kbtf_profile_info *info)
{
	struct kbtf_profile_info *n;

	n = realloc(s->items, (s->nr + 1) * sizeof(*n));
	if (!n)
		return kbtf_err_nomem();
	s->items = n;
	s->items[s->nr++] = *info;
	return 0;
}

static int sort_items(struct kbtf_store *s)
{
	size_t i;

	free(s->sorted);
	s->sorted = calloc(s->nr + 1, sizeof(*s->sorted));
	if (!s->sorted)
		return kbtf_err_nomem();
	for (i = 0; i < s->nr; i++)
		s->sorted[i] = &s->items[i];
	qsort(s->sorted, s->nr, sizeof(*s->sorted), name_cmp);
	s->loaded = true;
	return 0;
}

/* ----------------------------------------------------------- the index */

static void index_header(FILE *f)
{
	size_t i;

	fprintf(f, "%s %d", INDEX_MAGIC, KBTF_PROFILE_FORMAT);
	for (i = 0; i < kbtf_pinfo_nfields(); i++)
		fprintf(f, "%c%s", i ? '\t' : ' ', kbtf_pinfo_key(i));
	fputc('\n', f);
}

static int write_index(struct kbtf_store *s)
{
	char path[PATH_MAX], val[1024], *text = NULL;
	size_t len = 0, i, j;
	FILE *f;
	int err;

	f = open_memstream(&text, &len);
	if (!f)
		return kbtf_err_nomem();
	index_header(f);
	for (i = 0; i < s->nr; i++) {
		for (j = 0; j < kbtf_pinfo_nfields(); j++) {
			kbtf_pinfo_get(&s->items[i], j, val, sizeof(val));
			fprintf(f, "%s%s", j ? "\t" : "", val);
		}
		fputc('\n', f);
	}
	if (fclose(f)) {
		free(text);
		return kbtf_err_nomem();
	}
	snprintf(path, sizeof(path), "%s/%s", s->root, INDEX_FILE);
	err = kbtf_write_file_atomic(path, text, len, 0644);
	free(text);
	return err;
}

static int parse_index_line(char *line, struct kbtf_profile_info *info)
{
	size_t i, nf = kbtf_pinfo_nfields();
	char *tab;

	memset(info, 0, sizeof(*info));
	for (i = 0; i < nf; i++) {
		tab = strchr(line, '\t');
		if ((tab == NULL) != (i + 1 == nf))
			return -EINVAL;
		if (tab)
			*tab = '\0';
		if (kbtf_pinfo_set(info, i, line))
			return -EINVAL;
		if (tab)
			line = tab + 1;
	}
	return kbtf_profile_name_check(info->name) ? -EINVAL : 0;
}

/*
 * Load the index into s->items. -ENOENT when there is none, -EINVAL when
 * it is of another format or damaged: either way the caller rebuilds.
 */
static int read_index(struct kbtf_store *s)
{
	char path[PATH_MAX], want[2048], *text, *line, *next;
	struct kbtf_profile_info info;
	struct kbtf_buf b;
	size_t wlen = 0;
	FILE *f;
	int err;

	snprintf(path, sizeof(path), "%s/%s", s->root, INDEX_FILE);
	err = kbtf_buf_from_file(path, &b);
	if (err)
		return err;
	text = malloc(b.size + 1);
	if (!text) {
		kbtf_buf_release(&b);
		return kbtf_err_nomem();
	}
	memcpy(text, b.data, b.size);
	text[b.size] = '\0';
	kbtf_buf_release(&b);
	f = fmemopen(want, sizeof(want), "w");
	if (f) {
		index_header(f);
		wlen = (size_t)ftell(f);
		fclose(f);
	}
	if (!wlen || strncmp(text, want, wlen)) {
		free(text);
		return -EINVAL;
	}
	for (line = text + wlen; *line; line = next) {
		next = strchr(line, '\n');
		if (!next) {
			err = -EINVAL; /* a torn last line */
			break;
		}
		*next++ = '\0';
		err = parse_index_line(line, &info);
		if (!err)
			err = push_item(s, &info);
		if (err)
			break;
	}
	free(text);
	return err;
}

static void free_names(char **names, size_t n)
{
	while (n)
		free(names[--n]);
	free(names);
}

/* Names of the profile-looking directories in the store, sorted. */
static int list_dirs(struct kbtf_store *s, char ***names, size_t *nr)
{
	char **v = NULL, **nv;
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	*names = NULL;
	*nr = 0;
	d = opendir(s->root);
	if (!d)
		return errno == ENOENT ? 0 : kbtf_err(-errno, "%s: %s", s->root, strerror(errno));
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue; /* ., .., the index, lock and temporary dirs */
		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		nv = realloc(v, (n + 1) * sizeof(*v));
		if (nv)
			v = nv;
		if (!nv || !(v[n] = strdup(de->d_name))) {
			free_names(v, n);
			closedir(d);
			return kbtf_err_nomem();
		}
		n++;
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), str_cmp);
	*names = v;
	*nr = n;
	return 0;
}

/* Does the loaded index name exactly the directories present? */
static bool index_matches(struct kbtf_store *s, char **dirs, size_t nd)
{
	const char **names;
	bool same = s->nr == nd;
	size_t i;

	if (!same)
		return false;
	names = calloc(nd + 1, sizeof(*names));
	if (!names)
		return false;
	for (i = 0; i < nd; i++)
		names[i] = s->items[i].name;
	qsort(names, nd, sizeof(*names), str_cmp);
	for (i = 0; same && i < nd; i++)
		same = !strcmp(names[i], dirs[i]);
	free(names);
	return same;
}

static int rebuild_from_markers(struct kbtf_store *s, char **dirs, size_t nd)
{
	struct kbtf_profile_info info;
	char dir[PATH_MAX];
	size_t i;
	int err;

	drop_items(s);
	for (i = 0; i < nd; i++) {
		if (kbtf_store_profile_dir(s, dirs[i], dir, sizeof(dir)) ||
		    kbtf_profile_read_info(dir, &info))
			continue; /* not a profile: ignored */
		/* the directory name is what "kbtf kernels rm" and sets use */
		snprintf(info.name, sizeof(info.name), "%s", dirs[i]);
		err = push_item(s, &info);
		if (err)
			return err;
	}
	kbtf_err_clear();
	return 0;
}

/* --------------------------------------------------------------- locking */

static int lock_store(struct kbtf_store *s, int *fd)
{
	char path[PATH_MAX];
	int err;

	err = kbtf_mkdir_p(s->root, 0755);
	if (err)
		return err;
	snprintf(path, sizeof(path), "%s/%s", s->root, LOCK_FILE);
	pthread_mutex_lock(&s->mutex);
	*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (*fd < 0) {
		err = -errno;
		pthread_mutex_unlock(&s->mutex);
		return kbtf_err(err, "%s: %s", path, strerror(-err));
	}
	while (flock(*fd, LOCK_EX) < 0) {
		if (errno == EINTR)
			continue;
		err = -errno;
		close(*fd);
		pthread_mutex_unlock(&s->mutex);
		return kbtf_err(err, "%s: cannot lock: %s", path, strerror(-err));
	}
	return 0;
}

static void unlock_store(struct kbtf_store *s, int fd)
{
	close(fd); /* drops the flock */
	pthread_mutex_unlock(&s->mutex);
}

/* The objects lock (the comment at the top): LOCK_SH or LOCK_EX. */
static int lock_objects(struct kbtf_store *s, int how, int *fd)
{
	char path[PATH_MAX];
	int err;

	if (snprintf(path, sizeof(path), "%s/%s", s->root, OBJECTS_LOCK_FILE) >= (int)sizeof(path))
		return kbtf_err(-ENAMETOOLONG, "%s: path too long", s->root);
	*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (*fd < 0) {
		err = -errno;
		return kbtf_err(err, "%s: %s", path, strerror(-err));
	}
	while (flock(*fd, how) < 0) {
		if (errno == EINTR)
			continue;
		err = -errno;
		close(*fd);
		return kbtf_err(err, "%s: cannot lock: %s", path, strerror(-err));
	}
	return 0;
}

/*
 * (Re)load the store from disk: the index when it agrees with the
 * directories, else the markers. With @write_back, a rebuilt index is
 * written (the caller holds the lock).
 */
static int load(struct kbtf_store *s, bool write_back)
{
	char **dirs;
	size_t nd;
	int err;

	drop_items(s);
	err = list_dirs(s, &dirs, &nd);
	if (err)
		return err;
	err = read_index(s);
	s->rebuilt = err || !index_matches(s, dirs, nd);
	if (s->rebuilt) {
		err = rebuild_from_markers(s, dirs, nd);
		if (!err && write_back && (nd || s->nr))
			err = write_index(s);
	}
	free_names(dirs, nd);
	return err ? err : sort_items(s);
}

/* ------------------------------------------------------------ the API */

int kbtf_store_snapshot(struct kbtf_store *s, struct kbtf_profile_info **out, size_t *n)
{
	int err, fd;
	size_t i;

	*out = NULL;
	*n = 0;
	/* other threads of this process may reload the same store meanwhile */
	err = lock_store(s, &fd);
	if (err)
		return err;
	err = load(s, false);
	if (!err && s->nr) {
		*out = malloc(sizeof(**out) * s->nr);
		if (!*out)
			err = kbtf_err_nomem();
		for (i = 0; !err && i < s->nr; i++)
			(*out)[i] = *s->sorted[i];
		if (!err)
			*n = s->nr;
	}
	unlock_store(s, fd);
	return err;
}

int kbtf_store_list(struct kbtf_store *s, const struct kbtf_profile_info *const **list, size_t *n)
{
	int err, fd;

	err = load(s, false);
	if (err)
		return err;
	/* the index was stale: rewrite it when this user may (best effort) */
	if (s->rebuilt && access(s->root, W_OK) == 0 && !lock_store(s, &fd)) {
		err = load(s, true);
		unlock_store(s, fd);
		if (err)
			return err;
	}
	*list = s->sorted;
	*n = s->nr;
	return 0;
}

const struct kbtf_profile_info *kbtf_store_find(struct kbtf_store *s, const char *name)
{
	size_t i;

	if (!s->loaded && load(s, false))
		return NULL;
	for (i = 0; i < s->nr; i++) {
		if (!strcmp(s->items[i].name, name))
			return &s->items[i];
	}
	return NULL;
}

/*
 * Remove what crashed writers left: ".tmp-*" and ".rm-*" directories not
 * touched for an hour (a live writer finishes a profile in seconds).
 * Lock held.
 */
static void sweep_leftovers(struct kbtf_store *s)
{
	char path[PATH_MAX];
	struct dirent *de;
	struct stat st;
	time_t old = time(NULL) - 3600;
	DIR *d = opendir(s->root);

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, ".tmp-", 5) && strncmp(de->d_name, ".rm-", 4))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", s->root, de->d_name) >= (int)sizeof(path))
			continue;
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode) && st.st_mtime < old)
			kbtf_rm_rf(path);
	}
	closedir(d);
}

/* Put the profile built in @tmp in place as @name (lock held). */
static int publish(struct kbtf_store *s, const char *tmp, const char *name, bool replace)
{
	char dst[PATH_MAX];
	struct stat st;
	int err;

	err = kbtf_store_profile_dir(s, name, dst, sizeof(dst));
	if (err)
		return err;
	if (lstat(dst, &st) == 0) {
		if (!replace)
			return kbtf_err(-EEXIST,
					"a profile named %s is stored already "
					"(remove it with 'kbtf kernels rm %s', or replace it)",
					name, name);
		/* swap atomically, then the old one is at @tmp */
		if (renameat2(AT_FDCWD, tmp, AT_FDCWD, dst, RENAME_EXCHANGE) < 0)
			return kbtf_err(-errno, "%s: cannot replace: %s", dst, strerror(errno));
		return kbtf_rm_rf(tmp);
	}
	if (rename(tmp, dst) < 0)
		return kbtf_err(-errno, "%s: cannot store: %s", dst, strerror(errno));
	return 0;
}

static int index_put(struct kbtf_store *s, const struct kbtf_profile_info *info)
{
	size_t i;
	int err;

	for (i = 0; i < s->nr; i++) {
		if (!strcmp(s->items[i].name, info->name)) {
			s->items[i] = *info;
			return sort_items(s) ? -ENOMEM : write_index(s);
		}
	}
	err = push_item(s, info);
	if (!err)
		err = sort_items(s);
	return err ? err : write_index(s);
}

/* ------------------------------------------------------ shared objects */

/* Does the file at @path hold exactly @b's bytes? */
static bool same_content(const char *path, const struct kbtf_buf *b)
{
	struct kbtf_buf o;
	struct stat st;
	bool same;

	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size != b->size)
		return false;
	if (kbtf_buf_from_file(path, &o)) {
		kbtf_err_clear();
		return false;
	}
	same = o.size == b->size && !memcmp(o.data, b->data, b->size);
	kbtf_buf_release(&o);
	return same;
}

/* Store @dir/@name once per content (the comment at the top). */
static int share_file(struct kbtf_store *s, const char *dir, const char *name)
{
	char path[PATH_MAX], obj[PATH_MAX], link_tmp[PATH_MAX];
	struct kbtf_buf b;
	uint64_t h;
	int tries, err;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path) ||
	    snprintf(link_tmp, sizeof(link_tmp), "%s/.share-%s", dir, name) >=
		(int)sizeof(link_tmp))
		return kbtf_err(-ENAMETOOLONG, "%s/%s: path too long", dir, name);
	err = kbtf_buf_from_file(path, &b);
	if (err)
		return kbtf_err_prefix(err, "%s", path);
	h = kbtf_hash_bytes(b.data, b.size);
	snprintf(obj, sizeof(obj), "%s/%s/%02x", s->root, OBJECTS_DIR, (unsigned int)(h >> 56));
	err = kbtf_mkdir_p(obj, 0755);
	if (!err && snprintf(obj + strlen(obj), sizeof(obj) - strlen(obj), "/%016" PRIx64 "-%zu", h,
			     b.size) >= (int)(sizeof(obj) - strlen(obj)))
		err = kbtf_err(-ENAMETOOLONG, "%s: path too long", obj);
	for (tries = 0; !err && tries < 8; tries++) {
		if (same_content(obj, &b)) {
			unlink(link_tmp);
			if (link(obj, link_tmp) == 0) {
				if (rename(link_tmp, path) < 0)
					err = kbtf_err(-errno, "%s: %s", path, strerror(errno));
				break;
			}
			if (errno == ENOENT)
				continue; /* collected meanwhile: store ours */
			break; /* no hard links here (EXDEV, EPERM...): ours stays private */
		}
		if (access(obj, F_OK) == 0)
			break; /* other bytes of the same hash and size: ours stays private */
		if (link(path, obj) == 0 || errno != EEXIST)
			break; /* shared, or private where links cannot be made */
	}
	kbtf_buf_release(&b);
	return err;
}

/* The data files of the profile in @dir (all but the small marker and release). */
static int share_files(struct kbtf_store *s, const char *dir, bool index)
{
	struct dirent *de;
	int err = 0;
	DIR *d = opendir(dir);

	if (!d)
		return kbtf_err(-errno, "%s: %s", dir, strerror(errno));
	while (!err && (de = readdir(d))) {
		if (de->d_name[0] == '.' || !strcmp(de->d_name, KBTF_PROFILE_MARKER) ||
		    !strcmp(de->d_name, KBTF_PROFILE_RELEASE) ||
		    !strcmp(de->d_name, KBTF_PROFILE_BTF_REF) || /* an object's link already */
		    !strcmp(de->d_name, KBTF_PROFILE_INDEX_REF) ||
		    !strcmp(de->d_name, KBTF_PROFILE_CONFIG_REF) ||
		    !strcmp(de->d_name, KBTF_PROFILE_INDEX_CRCREF) ||
		    (!strcmp(de->d_name, KBTF_PROFILE_INDEX) != index))
			continue;
		err = share_file(s, dir, de->d_name);
	}
	closedir(d);
	return err;
}

/* Remove the objects no profile links any more (store lock held). */
static void collect_garbage(struct kbtf_store *s)
{
	char path[PATH_MAX], sub[PATH_MAX];
	struct dirent *de, *fe;
	struct stat st;
	DIR *d, *f;
	int lock;

	if (snprintf(path, sizeof(path), "%s/%s", s->root, OBJECTS_DIR) >= (int)sizeof(path))
		return;
	d = opendir(path);
	if (!d)
		return;
	if (lock_objects(s, LOCK_EX, &lock)) {
		kbtf_err_clear(); /* garbage stays until the next collection */
		closedir(d);
		return;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' ||
		    snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name) >= (int)sizeof(sub))
			continue;
		f = opendir(sub);
		if (!f)
			continue;
		while ((fe = readdir(f))) {
			if (fe->d_name[0] == '.')
				continue;
			if (fstatat(dirfd(f), fe->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			    S_ISREG(st.st_mode) && st.st_nlink == 1)
				unlinkat(dirfd(f), fe->d_name, 0);
		}
		closedir(f);
	}
	closedir(d);
	close(lock);
}

int kbtf_store_add(struct kbtf_store *s, struct kbtf_kernel *k,
		   const struct kbtf_profile_add_opts *opts, struct kbtf_profile_info *out)
{
	struct kbtf_profile_info info;
	char tmp[PATH_MAX];
	int err, fd, lock;

	err = kbtf_mkdir_p(s->root, 0755);
	if (err)
		return err;
	if (snprintf(tmp, sizeof(tmp), "%s/.tmp-XXXXXX", s->root) >= (int)sizeof(tmp))
		return kbtf_err(-ENAMETOOLONG, "%s: path too long", s->root);
	if (!mkdtemp(tmp))
		return kbtf_err(-errno, "%s: cannot create: %s", tmp, strerror(errno));
	/* mkdtemp makes it private; a profile is as readable as the store */
	chmod(tmp, 0755);
	err = kbtf_profile_write(tmp, k, opts, &info);
	if (!err && opts && opts->delta) {
		if (opts->before_delta)
			opts->before_delta(opts->ctx);
		err = kbtf_store_delta_btf(s, tmp, &info);
		if (!err && opts->after_delta && !strcmp(info.btf_encoding, "delta"))
			opts->after_delta(opts->ctx);
	}
	/* the data files once per content, then the index of what is linked
	 * (it records their sizes and mtimes), itself shared */
	if (!err)
		err = lock_objects(s, LOCK_SH, &lock);
	if (!err) {
		err = share_files(s, tmp, false);
		if (!err)
			err = kbtf_pindex_write(tmp);
		if (!err)
			err = share_files(s, tmp, true);
		close(lock);
	}
	if (err)
		goto out;
	err = lock_store(s, &fd);
	if (err)
		goto out;
	sweep_leftovers(s);
	err = load(s, false);
	if (!err)
		err = publish(s, tmp, info.name, opts && opts->replace);
	if (!err)
		err = index_put(s, &info);
	if (!err)
		collect_garbage(s); /* what a replaced profile held alone */
	unlock_store(s, fd);
	if (!err && out)
		*out = info;
out:
	kbtf_rm_rf(tmp);
	return err;
}

bool kbtf_store_is_reference(struct kbtf_store *s, const char *name)
{
	const struct kbtf_profile_info *const *list;
	char path[PATH_MAX];
	struct stat st, ref;
	size_t n, i;

	if (snprintf(path, sizeof(path), "%s/%s/%s", s->root, name, KBTF_PROFILE_BTF) >=
		(int)sizeof(path) ||
	    stat(path, &st) < 0 || kbtf_store_list(s, &list, &n)) {
		kbtf_err_clear();
		return true; /* not known: left as it is */
	}
	for (i = 0; i < n; i++) {
		if (!strcmp(list[i]->btf_encoding, "delta") &&
		    snprintf(path, sizeof(path), "%s/%s/%s", s->root, list[i]->name,
			     KBTF_PROFILE_BTF_REF) < (int)sizeof(path) &&
		    stat(path, &ref) == 0 && ref.st_ino == st.st_ino && ref.st_dev == st.st_dev)
			return true;
	}
	return false;
}

/*
 * Move the profile @name out of the store's directory into @trash (under
 * the store lock, the store loaded): the caller writes the list and
 * removes the trash.
 */
static int unlink_profile(struct kbtf_store *s, const char *name, char *trash, size_t len)
{
	char dir[PATH_MAX];
	struct stat st;
	size_t i;
	int err;

	err = kbtf_profile_name_check(name);
	if (!err)
		err = kbtf_store_profile_dir(s, name, dir, sizeof(dir));
	if (err)
		return err;
	if (lstat(dir, &st) < 0 || !kbtf_profile_is_dir(dir))
		return kbtf_err(-ENOENT, "no profile named %s in %s", name, s->root);
	if (snprintf(trash, len, "%s/.rm-%ld-%s", s->root, (long)getpid(), name) >= (int)len)
		return kbtf_err(-ENAMETOOLONG, "%s: path too long", name);
	if (rename(dir, trash) < 0)
		return kbtf_err(errno == ENOENT ? -ENOENT : -errno, "%s: cannot remove: %s", dir,
				strerror(errno));
	for (i = 0; i < s->nr; i++) {
		if (!strcmp(s->items[i].name, name)) {
			s->items[i] = s->items[--s->nr];
			break;
		}
	}
	return 0;
}

int kbtf_store_remove_many(struct kbtf_store *s, const char *const *names, size_t n,
			   void (*done)(const char *name, int err, void *ctx), void *ctx)
{
	char trash[PATH_MAX];
	size_t i, gone = 0;
	int err, fd, first = 0;

	err = lock_store(s, &fd);
	if (err)
		return err;
	err = load(s, false);
	if (err) {
		unlock_store(s, fd);
		return err;
	}
	/* the list is written and the objects collected once, not per name:
	 * removing a thousand profiles of a store of thousands is not a
	 * thousand rewrites of its list */
	for (i = 0; i < n; i++) {
		err = unlink_profile(s, names[i], trash, sizeof(trash));
		if (!err) {
			kbtf_rm_rf(trash);
			gone++;
		} else if (!first) {
			first = err;
		}
		if (done)
			done(names[i], err, ctx);
	}
	err = 0;
	if (gone) {
		err = sort_items(s);
		if (!err)
			err = write_index(s);
		collect_garbage(s);
	}
	unlock_store(s, fd);
	return err ? err : first;
}

/* kbtf_store_remove_many() of one name: its error as the return value. */
static void keep_err(const char *name, int err, void *ctx)
{
	*(int *)ctx = err;
}

int kbtf_store_remove(struct kbtf_store *s, const char *name)
{
	int err = 0, rc;

	rc = kbtf_store_remove_many(s, &name, 1, keep_err, &err);
	return err ? err : rc;
}
