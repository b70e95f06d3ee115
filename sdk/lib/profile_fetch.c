// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * "kbtf kernels fetch": Debian package specs -> a plan of kernel releases
 * -> downloads (the calling thread, network bound) feeding unpack-and-store
 * workers (CPU bound: xz, the boot image's payload, BTF parse, LZ4) through
 * a short queue, so both cores work and at most a few packages wait on
 * disk. See profile_fetch.h.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "profile_apt.h"
#include "pkg_deb.h"
#include "kbtf/err.h"
#include "listfile.h"
#include "profile_fetch.h"
#include "profile.h"
#include "kbtf/source.h"
#include "util.h"

#define SPEC_MAX_DEPTH 8
#define MAX_JOBS 4

const char *kbtf_fetch_state_str(enum kbtf_fetch_state st)
{
	switch (st) {
	case KBTF_FETCH_PENDING:
		return "pending";
	case KBTF_FETCH_DOWNLOADING:
		return "downloading";
	case KBTF_FETCH_EXTRACTING:
		return "extracting";
	case KBTF_FETCH_STORED:
		return "stored";
	case KBTF_FETCH_PRESENT:
		return "already stored";
	case KBTF_FETCH_FAILED:
		return "failed";
	}
	return "?";
}

/* ------------------------------------------------------------- planning */

/* One suite's package names, fetched once per plan. */
struct suite_names {
	struct kbtf_apt *apt;
	char **names;
	size_t nr;
};

struct planner {
	struct kbtf_store *store;
	const struct kbtf_fetch_opts *opts;
	struct suite_names suites[8];
	size_t nr_suites;
	struct kbtf_fetch_plan *plan;
	bool check_only; /* first pass: specs and suites only, nothing fetched */
};

static bool has_name(const struct suite_names *sn, const char *name)
{
	size_t lo = 0, hi = sn->nr, mid;
	int c;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		c = strcmp(sn->names[mid], name);
		if (!c)
			return true;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static int suite_open(struct planner *p, const char *suite, struct suite_names **out)
{
	struct suite_names *sn;
	size_t i;
	int err;

	for (i = 0; i < p->nr_suites; i++) {
		if (!strcmp(kbtf_apt_suite(p->suites[i].apt), suite)) {
			*out = &p->suites[i];
			return 0;
		}
	}
	if (p->nr_suites == sizeof(p->suites) / sizeof(p->suites[0]))
		return kbtf_err(-E2BIG, "too many suites in one fetch");
	sn = &p->suites[p->nr_suites];
	err = kbtf_apt_open(NULL, suite, &sn->apt);
	if (err)
		return err;
	err = kbtf_apt_update(sn->apt, p->opts->update);
	if (!err)
		err = kbtf_apt_pkgnames(sn->apt, "linux-", &sn->names, &sn->nr);
	if (err) {
		kbtf_apt_free(sn->apt);
		sn->apt = NULL;
		return err;
	}
	p->nr_suites++;
	*out = sn;
	return 0;
}

/*
 * The release a kernel package name carries, or NULL: linux-image-<rel>
 * and linux-binary-<rel> with a full x.y.z version, not the -dbg and
 * -unsigned variants, not metapackages (linux-image-amd64,
 * linux-image-6.12-amd64).
 */
static const char *package_release(const char *name)
{
	const char *r, *p;
	size_t l;
	int dots = 0;

	if (!strncmp(name, "linux-image-", 12))
		r = name + 12;
	else if (!strncmp(name, "linux-binary-", 13))
		r = name + 13;
	else
		return NULL;
	l = strlen(r);
	if ((l > 4 && !strcmp(r + l - 4, "-dbg")) || (l > 9 && !strcmp(r + l - 9, "-unsigned")))
		return NULL;
	for (p = r; isdigit((unsigned char)*p) || *p == '.'; p++)
		dots += *p == '.';
	if (!isdigit((unsigned char)*r) || dots < 2)
		return NULL;
	return r;
}

static struct kbtf_fetch_item *plan_find(struct kbtf_fetch_plan *plan, const char *suite,
					 const char *rel)
{
	size_t i;

	for (i = 0; i < plan->nr; i++) {
		if (!strcmp(plan->items[i].suite, suite) && !strcmp(plan->items[i].release, rel))
			return &plan->items[i];
	}
	return NULL;
}

static void add_pkg(struct kbtf_fetch_item *it, const char *prefix, const char *rel)
{
	snprintf(it->pkgs[it->nr_pkgs++], sizeof(it->pkgs[0]), "%s%s", prefix, rel);
}

static int plan_add(struct planner *p, const struct suite_names *sn, const char *rel)
{
	struct kbtf_fetch_plan *plan = p->plan;
	const struct kbtf_profile_info *stored;
	struct kbtf_fetch_item *it, *n;
	const char *suite = kbtf_apt_suite(sn->apt);
	char name[300];

	if (plan_find(plan, suite, rel))
		return 0;
	n = realloc(plan->items, (plan->nr + 1) * sizeof(*n));
	if (!n)
		return kbtf_err_nomem();
	plan->items = n;
	it = &plan->items[plan->nr++];
	memset(it, 0, sizeof(*it));
	snprintf(it->suite, sizeof(it->suite), "%s", suite);
	snprintf(it->release, sizeof(it->release), "%s", rel);
	snprintf(it->origin, sizeof(it->origin), "debian/%s:linux-image-%s", suite, rel);
	/* sid 7.x: linux-image-<rel> only depends on linux-binary-<rel> */
	snprintf(name, sizeof(name), "linux-binary-%s", rel);
	if (has_name(sn, name)) {
		add_pkg(it, "linux-binary-", rel);
		snprintf(name, sizeof(name), "linux-base-%s", rel);
		if (has_name(sn, name))
			add_pkg(it, "linux-base-", rel);
	} else {
		add_pkg(it, "linux-image-", rel);
	}
	snprintf(name, sizeof(name), "linux-headers-%s", rel);
	it->has_headers = has_name(sn, name);
	if (it->has_headers)
		add_pkg(it, "linux-headers-", rel);
	stored = kbtf_store_find(p->store, rel);
	if (stored && !p->opts->force) {
		it->state = KBTF_FETCH_PRESENT;
		it->info = *stored;
	}
	return 0;
}

static int cmp_rel(const void *a, const void *b)
{
	return strverscmp(*(const char *const *)a, *(const char *const *)b);
}

static int plan_spec(struct planner *p, const char *spec, const char *where)
{
	char suite[64], glob[256];
	const char **rels = NULL, **nr, *rel;
	struct suite_names *sn = NULL;
	size_t i, n = 0;
	int err;

	err = kbtf_debian_spec_parse(spec, suite, sizeof(suite), glob, sizeof(glob));
	if (err)
		return where ? kbtf_err_prefix(err, "%s", where) : err;
	err = p->check_only ? kbtf_apt_suite_check(suite) : suite_open(p, suite, &sn);
	if (err)
		return kbtf_err_prefix(err, "%s%s'%s'", where ? where : "", where ? ": " : "",
				       spec);
	if (p->check_only)
		return 0;
	for (i = 0; i < sn->nr; i++) {
		rel = package_release(sn->names[i]);
		if (!rel || fnmatch(glob, rel, 0))
			continue;
		nr = realloc(rels, (n + 1) * sizeof(*rels));
		if (!nr) {
			free(rels);
			return kbtf_err_nomem();
		}
		rels = nr;
		rels[n++] = rel;
	}
	if (!n)
		return kbtf_err(-ENOENT, "%s%s%s: no kernel package in %s matches '%s'",
				where ? where : "", where ? ": " : "", spec, suite, glob);
	qsort(rels, n, sizeof(*rels), cmp_rel);
	for (i = 0; !err && i < n; i++)
		err = plan_add(p, sn, rels[i]);
	free(rels);
	return err;
}

static int plan_item(struct planner *p, const char *item, const char *where, const char *dir,
		     int depth);

static int plan_item_cb(void *ctx, const char *item, const char *where, const char *dir, int depth)
{
	return plan_item(ctx, item, where, dir, depth);
}

static int plan_file(struct planner *p, const char *file, const char *dir, int depth)
{
	return kbtf_list_file_walk(file, dir, depth, SPEC_MAX_DEPTH, plan_item_cb, p);
}

static int plan_item(struct planner *p, const char *item, const char *where, const char *dir,
		     int depth)
{
	if (item[0] == '@')
		return plan_file(p, item + 1, dir, depth);
	if (strncmp(item, "debian:", 7) && strncmp(item, "debian/", 7))
		return kbtf_err(-EINVAL,
				"%s%s'%s': kbtf kernels fetch takes debian[/SUITE]:PATTERN",
				where ? where : "", where ? ": " : "", item);
	return plan_spec(p, item, where);
}

int kbtf_fetch_plan(struct kbtf_store *s, const char *const *specs, size_t n,
		    const struct kbtf_fetch_opts *opts, struct kbtf_fetch_plan *plan)
{
	static const struct kbtf_fetch_opts none;
	struct planner p = {.store = s, .opts = opts ? opts : &none, .plan = plan};
	const struct kbtf_profile_info *const *list;
	size_t i, nl;
	int err;

	memset(plan, 0, sizeof(*plan));
	/* every spec and suite checked before any suite's lists are touched */
	p.check_only = true;
	for (i = 0, err = 0; !err && i < n; i++)
		err = plan_item(&p, specs[i], NULL, NULL, 0);
	p.check_only = false;
	if (!err)
		err = kbtf_store_list(s, &list, &nl); /* loads what is stored */
	for (i = 0; !err && i < n; i++)
		err = plan_item(&p, specs[i], NULL, NULL, 0);
	for (i = 0; i < p.nr_suites; i++) {
		kbtf_strv_free(p.suites[i].names, p.suites[i].nr);
		kbtf_apt_free(p.suites[i].apt);
	}
	if (err)
		kbtf_fetch_plan_free(plan);
	return err;
}

void kbtf_fetch_plan_free(struct kbtf_fetch_plan *plan)
{
	free(plan->items);
	memset(plan, 0, sizeof(*plan));
}

/* ------------------------------------------------------------ unpacking */

struct unpacked {
	char image[2 * PATH_MAX];
	char config[2 * PATH_MAX];
	char symvers[2 * PATH_MAX];
	char version[96];
};

static bool select_profile_files(const char *path, void *ctx)
{
	enum kbtf_deb_role r = kbtf_deb_kernel_role(path);

	return r == KBTF_DEB_BOOT_IMAGE || r == KBTF_DEB_CONFIG || r == KBTF_DEB_SYMVERS;
}

static void note_path(char *dst, size_t len, const char *work, const char *path)
{
	if (!dst[0])
		snprintf(dst, len, "%s/%s", work, path);
}

static int unpack(const char *deb, const char *work, bool is_image, struct unpacked *u)
{
	struct kbtf_deb d;
	size_t i;
	int err;

	memset(&d, 0, sizeof(d));
	err =
	    kbtf_deb_extract_until(deb, work, select_profile_files, kbtf_deb_done_kernel, NULL, &d);
	if (err) {
		kbtf_deb_release(&d);
		return kbtf_err_prefix(err, "%s", deb);
	}
	for (i = 0; i < d.nr_files; i++) {
		switch (d.files[i].role) {
		case KBTF_DEB_BOOT_IMAGE:
			note_path(u->image, sizeof(u->image), work, d.files[i].path);
			break;
		case KBTF_DEB_CONFIG:
			note_path(u->config, sizeof(u->config), work, d.files[i].path);
			break;
		case KBTF_DEB_SYMVERS:
			note_path(u->symvers, sizeof(u->symvers), work, d.files[i].path);
			break;
		default:
			break;
		}
	}
	if (is_image && d.version)
		snprintf(u->version, sizeof(u->version), "%s", d.version);
	kbtf_deb_release(&d);
	return 0;
}

static int store_item(struct kbtf_store *s, struct kbtf_fetch_item *it,
		      const struct kbtf_fetch_opts *o, const char *work, char *const *debs)
{
	struct kbtf_profile_add_opts ao = {0};
	struct kbtf_kernel_opts ko = {.work_dir = work};
	struct kbtf_kernel *k = NULL;
	struct unpacked u;
	size_t i;
	int err = 0;

	memset(&u, 0, sizeof(u));
	for (i = 0; !err && i < it->nr_pkgs; i++)
		err = unpack(debs[i], work, i == 0, &u);
	if (err)
		return err;
	if (!u.image[0])
		return kbtf_err(-ENOENT, "%s: no boot image inside", it->pkgs[0]);
	err = kbtf_kernel_open(u.image, &ko, &k);
	if (err)
		return err;
	if (k->release && strcmp(k->release, it->release))
		snprintf(it->message, sizeof(it->message), "the image says release %s", k->release);
	if (o->keep_image && !k->image_path)
		k->image_path = strdup(u.image);
	ao.name = it->release;
	ao.suite = it->suite;
	ao.origin = it->origin;
	ao.package_version = u.version[0] ? u.version : NULL;
	ao.config = u.config[0] ? u.config : NULL;
	ao.symvers = u.symvers[0] ? u.symvers : NULL;
	ao.keep_image = o->keep_image;
	ao.replace = o->force;
	ao.compress = o->compress;
	err = kbtf_store_add(s, k, &ao, &it->info);
	kbtf_kernel_free(k);
	return err;
}

/* ------------------------------------------------------------- pipeline */

struct pipeline {
	struct kbtf_store *store;
	struct kbtf_fetch_plan *plan;
	const struct kbtf_fetch_opts *opts;
	char deb_root[PATH_MAX / 2];
	pthread_mutex_t lock;
	pthread_cond_t cond;
	size_t *queue; /* item indices downloaded, waiting to be unpacked */
	size_t head, tail, depth;
	bool closed;
	char **debs; /* per item: its KBTF_FETCH_MAX_PKGS paths */
};

static void report(struct pipeline *pl, size_t i, enum kbtf_fetch_state st)
{
	pthread_mutex_lock(&pl->lock);
	pl->plan->items[i].state = st;
	if (pl->opts->progress)
		pl->opts->progress(&pl->plan->items[i], i, pl->plan->nr, pl->opts->ctx);
	pthread_mutex_unlock(&pl->lock);
}

static void fail(struct pipeline *pl, size_t i, int err)
{
	struct kbtf_fetch_item *it = &pl->plan->items[i];

	it->err = err;
	snprintf(it->message, sizeof(it->message), "%s", kbtf_errstr());
	report(pl, i, KBTF_FETCH_FAILED);
}

static void drop_debs(struct pipeline *pl, size_t i)
{
	char **debs = pl->debs + i * KBTF_FETCH_MAX_PKGS;
	size_t j;

	for (j = 0; j < KBTF_FETCH_MAX_PKGS; j++) {
		if (debs[j] && !pl->opts->keep_debs)
			unlink(debs[j]);
		free(debs[j]);
		debs[j] = NULL;
	}
}

static void unpack_one(struct pipeline *pl, size_t i)
{
	struct kbtf_fetch_item *it = &pl->plan->items[i];
	char work[PATH_MAX];
	double t0 = kbtf_now_s();
	int err;

	report(pl, i, KBTF_FETCH_EXTRACTING);
	snprintf(work, sizeof(work), "%s/.work-XXXXXX", pl->deb_root);
	if (!mkdtemp(work)) {
		err = kbtf_err(-errno, "%s: cannot create: %s", work, strerror(errno));
	} else {
		err = store_item(pl->store, it, pl->opts, work, pl->debs + i * KBTF_FETCH_MAX_PKGS);
		kbtf_rm_rf(work);
	}
	it->extract_secs = kbtf_now_s() - t0;
	drop_debs(pl, i);
	if (err)
		fail(pl, i, err);
	else
		report(pl, i, KBTF_FETCH_STORED);
}

static void *worker(void *arg)
{
	struct pipeline *pl = arg;
	size_t i;

	for (;;) {
		pthread_mutex_lock(&pl->lock);
		while (pl->head == pl->tail && !pl->closed)
			pthread_cond_wait(&pl->cond, &pl->lock);
		if (pl->head == pl->tail) {
			pthread_mutex_unlock(&pl->lock);
			return NULL;
		}
		i = pl->queue[pl->head++ % pl->depth];
		pthread_cond_broadcast(&pl->cond);
		pthread_mutex_unlock(&pl->lock);
		unpack_one(pl, i);
	}
}

static void enqueue(struct pipeline *pl, size_t i)
{
	pthread_mutex_lock(&pl->lock);
	while (pl->tail - pl->head >= pl->depth)
		pthread_cond_wait(&pl->cond, &pl->lock);
	pl->queue[pl->tail++ % pl->depth] = i;
	pthread_cond_broadcast(&pl->cond);
	pthread_mutex_unlock(&pl->lock);
}

/* 0 when the item's packages are on disk; else it is reported FAILED. */
static int download_one(struct pipeline *pl, struct kbtf_apt **apt, size_t i)
{
	struct kbtf_fetch_item *it = &pl->plan->items[i];
	const char *pkgs[KBTF_FETCH_MAX_PKGS];
	char dir[PATH_MAX], **debs = pl->debs + i * KBTF_FETCH_MAX_PKGS;
	struct stat st;
	double t0;
	size_t j;
	int err = 0;

	report(pl, i, KBTF_FETCH_DOWNLOADING);
	if (!*apt || strcmp(kbtf_apt_suite(*apt), it->suite)) {
		kbtf_apt_free(*apt);
		*apt = NULL;
		err = kbtf_apt_open(NULL, it->suite, apt);
	}
	snprintf(dir, sizeof(dir), "%s/%s", pl->deb_root, it->suite);
	if (!err)
		err = kbtf_mkdir_p(dir, 0755);
	for (j = 0; j < it->nr_pkgs; j++)
		pkgs[j] = it->pkgs[j];
	t0 = kbtf_now_s();
	if (!err)
		err = kbtf_apt_download(*apt, pkgs, it->nr_pkgs, dir, debs);
	it->download_secs = kbtf_now_s() - t0;
	if (err > 0) {
		it->downloaded = (size_t)err;
		err = 0;
	}
	for (j = 0; !err && j < it->nr_pkgs; j++) {
		if (stat(debs[j], &st) == 0)
			it->download_bytes += (unsigned long long)st.st_size;
	}
	if (err)
		fail(pl, i, err);
	return err;
}

static unsigned int worker_count(const struct kbtf_fetch_opts *o)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (o->jobs)
		return o->jobs > MAX_JOBS ? MAX_JOBS : o->jobs;
	if (cpus < 1)
		return 1;
	return cpus > MAX_JOBS ? MAX_JOBS : (unsigned int)cpus;
}

/*
 * Work directories (<root>/.work-*) and downloads (<root>/<suite>/.download-*)
 * a killed fetch left, untouched for an hour.
 */
static void sweep_leftovers(const char *root, bool suites)
{
	char path[PATH_MAX];
	struct dirent *de;
	struct stat st;
	time_t old = time(NULL) - 3600;
	DIR *d = opendir(root);

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", root, de->d_name) >= (int)sizeof(path) ||
		    lstat(path, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		if (de->d_name[0] != '.' && suites)
			sweep_leftovers(path, false);
		else if ((!strncmp(de->d_name, ".work-", 6) ||
			  !strncmp(de->d_name, ".download-", 10)) &&
			 st.st_mtime < old)
			kbtf_rm_rf(path);
	}
	closedir(d);
}

static int pipeline_init(struct pipeline *pl, struct kbtf_store *s, struct kbtf_fetch_plan *plan,
			 const struct kbtf_fetch_opts *o, unsigned int workers)
{
	int err;

	memset(pl, 0, sizeof(*pl));
	pl->store = s;
	pl->plan = plan;
	pl->opts = o;
	if (o->deb_dir) {
		snprintf(pl->deb_root, sizeof(pl->deb_root), "%s", o->deb_dir);
	} else {
		err = kbtf_cache_dir(pl->deb_root, sizeof(pl->deb_root) - 8);
		if (err)
			return err;
		strcat(pl->deb_root, "/debs");
	}
	err = kbtf_mkdir_p(pl->deb_root, 0755);
	if (err)
		return err;
	sweep_leftovers(pl->deb_root, true);
	/* a package or two ahead per worker keeps both sides busy */
	pl->depth = workers + 1;
	pl->queue = calloc(pl->depth, sizeof(*pl->queue));
	pl->debs = calloc(plan->nr * KBTF_FETCH_MAX_PKGS + 1, sizeof(*pl->debs));
	if (!pl->queue || !pl->debs) {
		free(pl->queue);
		free(pl->debs);
		return kbtf_err_nomem();
	}
	pthread_mutex_init(&pl->lock, NULL);
	pthread_cond_init(&pl->cond, NULL);
	return 0;
}

int kbtf_fetch_run(struct kbtf_store *s, struct kbtf_fetch_plan *plan,
		   const struct kbtf_fetch_opts *opts)
{
	static const struct kbtf_fetch_opts none;
	const struct kbtf_fetch_opts *o = opts ? opts : &none;
	unsigned int nw = worker_count(o), started = 0, w;
	pthread_t threads[MAX_JOBS];
	struct kbtf_apt *apt = NULL;
	struct pipeline pl;
	size_t i;
	int err;

	err = pipeline_init(&pl, s, plan, o, nw);
	if (err)
		return err;
	for (w = 0; w < nw; w++) {
		if (pthread_create(&threads[w], NULL, worker, &pl))
			break;
		started++;
	}
	for (i = 0; i < plan->nr; i++) {
		if (plan->items[i].state == KBTF_FETCH_PRESENT) {
			report(&pl, i, KBTF_FETCH_PRESENT);
			continue;
		}
		if (download_one(&pl, &apt, i))
			continue;
		if (started)
			enqueue(&pl, i);
		else
			unpack_one(&pl, i); /* no thread would start: do it here */
	}
	pthread_mutex_lock(&pl.lock);
	pl.closed = true;
	pthread_cond_broadcast(&pl.cond);
	pthread_mutex_unlock(&pl.lock);
	for (w = 0; w < started; w++)
		pthread_join(threads[w], NULL);
	kbtf_apt_free(apt);
	for (i = 0; i < plan->nr; i++)
		drop_debs(&pl, i);
	pthread_mutex_destroy(&pl.lock);
	pthread_cond_destroy(&pl.cond);
	free(pl.queue);
	free(pl.debs);
	for (i = 0; i < plan->nr; i++) {
		if (plan->items[i].state == KBTF_FETCH_FAILED)
			return kbtf_err(plan->items[i].err, "%s: %s", plan->items[i].pkgs[0],
					plan->items[i].message);
	}
	return 0;
}
