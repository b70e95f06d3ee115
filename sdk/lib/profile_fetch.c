// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * "kbtf kernels fetch": specs -> the distribution's repository metadata
 * (repo_distro.c) -> a plan of kernel releases, each with the packages
 * its profile needs -> parallel downloads on the calling thread
 * (repo_http.c) feeding unpack-and-store workers (CPU bound: xz, the boot
 * image's payload, BTF parse) through a short queue. Items whose headers
 * turn out to carry no BTF go round once more for their image. See
 * profile_fetch.h.
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

#include "kbtf/err.h"
#include "kbtf/source.h"
#include "listfile.h"
#include "pkg_deb.h"
#include "profile.h"
#include "profile_fetch.h"
#include "kernel_modexports.h"
#include "repo.h"
#include "repo_distro.h"
#include "util.h"

#define SPEC_MAX_DEPTH 8
#define MAX_WORKERS 4
#define MAX_SOURCES 16

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
	case KBTF_FETCH_NEEDS_IMAGE:
		return "headers without BTF, fetching the image";
	}
	return "?";
}

/* ------------------------------------------------------------- planning */

/* One distribution/release/architecture's kernels, read once per plan. */
struct source {
	char key[96]; /* distro/release/arch */
	struct kbtf_distro_kernels k;
};

struct planner {
	struct kbtf_store *store;
	const struct kbtf_fetch_opts *opts;
	struct source src[MAX_SOURCES];
	size_t nr_src;
	struct kbtf_fetch_plan *plan;
	bool check_only; /* first pass: specs only, nothing fetched */
};

static int source_open(struct planner *p, const struct kbtf_distro_spec *sp, struct source **out)
{
	struct kbtf_distro_ctx ctx = {
	    .mirrors = p->opts->mirrors,
	    .keyring = p->opts->keyring,
	    .update = p->opts->update,
	    .jobs = p->opts->jobs,
	};
	struct kbtf_distro_spec all = *sp;
	struct source *s;
	char key[96];
	size_t i;
	int err;

	snprintf(key, sizeof(key), "%s/%s/%s", kbtf_distro_name(sp->d), sp->release, sp->arch);
	for (i = 0; i < p->nr_src; i++) {
		if (!strcmp(p->src[i].key, key)) {
			*out = &p->src[i];
			return 0;
		}
	}
	if (p->nr_src == MAX_SOURCES)
		return kbtf_err(-E2BIG, "more than %d distribution releases in one fetch",
				MAX_SOURCES);
	s = &p->src[p->nr_src];
	memset(s, 0, sizeof(*s));
	snprintf(s->key, sizeof(s->key), "%s", key);
	/* every release is listed: each spec's glob picks among them */
	snprintf(all.glob, sizeof(all.glob), "*");
	err = kbtf_distro_kernels(&all, &ctx, p->opts->keep_image, &s->k);
	if (err)
		return err;
	p->nr_src++;
	*out = s;
	return 0;
}

static void set_pkg(struct kbtf_fetch_pkg *fp, const struct kbtf_repo_pkg *rp, bool second)
{
	memset(fp, 0, sizeof(*fp));
	snprintf(fp->name, sizeof(fp->name), "%s", rp->name);
	snprintf(fp->url, sizeof(fp->url), "%s", rp->url);
	memcpy(fp->sha256, rp->sha256, sizeof(fp->sha256));
	fp->size = rp->size;
	fp->second = second;
}

static int plan_add(struct planner *p, const struct kbtf_distro_spec *sp,
		    const struct kbtf_distro_kernel *k)
{
	struct kbtf_fetch_plan *plan = p->plan;
	const struct kbtf_profile_info *stored;
	struct kbtf_fetch_item *it, *n;
	size_t i;

	for (i = 0; i < plan->nr; i++) {
		if (!strcmp(plan->items[i].release, k->release))
			return 0; /* one profile per release */
	}
	n = realloc(plan->items, (plan->nr + 1) * sizeof(*n));
	if (!n)
		return kbtf_err_nomem();
	plan->items = n;
	it = &plan->items[plan->nr++];
	memset(it, 0, sizeof(*it));
	snprintf(it->distro, sizeof(it->distro), "%s", kbtf_distro_name(sp->d));
	snprintf(it->suite, sizeof(it->suite), "%s", sp->release);
	snprintf(it->arch, sizeof(it->arch), "%s", sp->arch);
	snprintf(it->release, sizeof(it->release), "%s", k->release);
	snprintf(it->origin, sizeof(it->origin), "%s/%s:%s", it->distro, it->suite, k->origin_pkg);
	for (i = 0; i < k->nr_first; i++)
		set_pkg(&it->pkgs[it->nr_pkgs++], k->first[i], false);
	for (i = 0; i < k->nr_second; i++)
		set_pkg(&it->pkgs[it->nr_pkgs++], k->second[i], true);
	it->btf = (enum kbtf_fetch_btf)k->btf;
	stored = kbtf_store_find(p->store, it->release);
	if (stored && !p->opts->force) {
		it->state = KBTF_FETCH_PRESENT;
		it->info = *stored;
	}
	return 0;
}

static int plan_spec(struct planner *p, const char *spec, const char *where)
{
	struct kbtf_distro_spec sp;
	struct source *s = NULL;
	size_t i, found = 0;
	int err;

	err = kbtf_distro_spec_parse(spec, p->opts->arch, &sp);
	if (err)
		return where ? kbtf_err_prefix(err, "%s", where) : err;
	if (p->check_only)
		return 0;
	err = source_open(p, &sp, &s);
	if (err)
		return kbtf_err_prefix(err, "%s%s'%s'", where ? where : "", where ? ": " : "",
				       spec);
	for (i = 0; !err && i < s->k.nr; i++) {
		if (fnmatch(sp.glob, s->k.k[i].release, 0))
			continue;
		found++;
		err = plan_add(p, &sp, &s->k.k[i]);
	}
	if (!err && !found)
		return kbtf_err(-ENOENT, "%s%s%s: no kernel package in %s/%s/%s matches '%s'",
				where ? where : "", where ? ": " : "", spec, kbtf_distro_name(sp.d),
				sp.release, sp.arch, sp.glob);
	return err;
}

static int plan_item(struct planner *p, const char *item, const char *where, const char *dir,
		     int depth);

static int plan_item_cb(void *ctx, const char *item, const char *where, const char *dir, int depth)
{
	return plan_item(ctx, item, where, dir, depth);
}

static int plan_item(struct planner *p, const char *item, const char *where, const char *dir,
		     int depth)
{
	if (item[0] == '@')
		return kbtf_list_file_walk(item + 1, dir, depth, SPEC_MAX_DEPTH, plan_item_cb, p);
	return plan_spec(p, item, where);
}

int kbtf_fetch_plan(struct kbtf_store *s, const char *const *specs, size_t n,
		    const struct kbtf_fetch_opts *opts, struct kbtf_fetch_plan *plan)
{
	static const struct kbtf_fetch_opts none;
	struct planner *p = calloc(1, sizeof(*p));
	const struct kbtf_profile_info *const *list;
	size_t i, nl;
	int err;

	memset(plan, 0, sizeof(*plan));
	if (!p)
		return kbtf_err_nomem();
	p->store = s;
	p->opts = opts ? opts : &none;
	p->plan = plan;
	/* every spec checked before any repository is read */
	p->check_only = true;
	for (i = 0, err = 0; !err && i < n; i++)
		err = plan_item(p, specs[i], NULL, NULL, 0);
	p->check_only = false;
	if (!err)
		err = kbtf_store_list(s, &list, &nl); /* loads what is stored */
	for (i = 0; !err && i < n; i++)
		err = plan_item(p, specs[i], NULL, NULL, 0);
	for (i = 0; i < p->nr_src; i++)
		kbtf_distro_kernels_free(&p->src[i].k);
	free(p);
	if (err)
		kbtf_fetch_plan_free(plan);
	return err;
}

void kbtf_fetch_plan_free(struct kbtf_fetch_plan *plan)
{
	size_t i, j;

	for (i = 0; i < plan->nr; i++) {
		for (j = 0; j < plan->items[i].nr_pkgs; j++)
			free(plan->items[i].pkgs[j].path);
	}
	free(plan->items);
	memset(plan, 0, sizeof(*plan));
}

bool kbtf_fetch_head_only(const char *distro, const struct kbtf_fetch_pkg *p)
{
	/* a .deb's data archive opens with boot/ (Debian, Ubuntu image packages) */
	return (!strcmp(distro, "debian") || !strcmp(distro, "ubuntu")) &&
	       (!strncmp(p->name, "linux-image-", 12) || !strncmp(p->name, "linux-binary-", 13)) &&
	       p->size > KBTF_FETCH_HEAD;
}

void kbtf_fetch_item_estimate(const struct kbtf_fetch_item *it, bool partial, uint64_t *least,
			      uint64_t *most)
{
	uint64_t sz;
	size_t j;

	*least = *most = 0;
	for (j = 0; j < it->nr_pkgs; j++) {
		sz = it->pkgs[j].size;
		*most += sz;
		if (partial && kbtf_fetch_head_only(it->distro, &it->pkgs[j]))
			sz = KBTF_FETCH_HEAD;
		if (!it->pkgs[j].second)
			*least += sz;
	}
	/* Debian's rule is measured: its headers from 6.12 on hold the BTF */
	if (it->btf == KBTF_FETCH_BTF_HEADERS && !partial)
		*most = *least;
}

/* ------------------------------------------------------------ unpacking */

struct unpacked {
	char image[2 * PATH_MAX];
	char vmlinux[2 * PATH_MAX];
	char config[2 * PATH_MAX];
	char symvers[2 * PATH_MAX];
	char version[96];
};

static bool select_profile_files(const char *path, void *ctx)
{
	enum kbtf_deb_role r = kbtf_deb_kernel_role(path);

	return r == KBTF_DEB_BOOT_IMAGE || r == KBTF_DEB_CONFIG || r == KBTF_DEB_SYMVERS ||
	       r == KBTF_DEB_VMLINUX;
}

static void note_path(char *dst, size_t len, const char *work, const char *path)
{
	if (!dst[0])
		snprintf(dst, len, "%s/%s", work, path);
}

static int unpack(const char *deb, const char *work, struct unpacked *u)
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
		case KBTF_DEB_VMLINUX:
			note_path(u->vmlinux, sizeof(u->vmlinux), work, d.files[i].path);
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
	if (!u->version[0] && d.version && d.package && strstr(d.package, "linux-image"))
		snprintf(u->version, sizeof(u->version), "%s", d.version);
	if (!u->version[0] && d.version && d.package && strstr(d.package, "linux-headers"))
		snprintf(u->version, sizeof(u->version), "%s", d.version);
	kbtf_deb_release(&d);
	return 0;
}

/*
 * The head of @p did not reach what unpacking needs: ask for twice as much
 * (the whole package, checked, once that is more than half of it). 0 when
 * more arrived.
 */
static int grow_head(struct kbtf_fetch_item *it, struct kbtf_fetch_pkg *p,
		     const struct kbtf_fetch_opts *o)
{
	struct kbtf_http_opts ho = {.jobs = 1, .max_rate = o->max_rate};
	struct kbtf_dl dl = {.url = p->url, .sha256 = p->sha256, .size = p->size};
	char dest[PATH_MAX];
	size_t l = strlen(p->path);
	int err;

	if (!p->head || l < 6 || strcmp(p->path + l - 5, ".part"))
		return -EAGAIN;
	snprintf(dest, sizeof(dest), "%.*s", (int)(l - 5), p->path);
	p->limit *= 2;
	dl.dest = dest;
	dl.limit = p->limit * 2 > p->size ? 0 : p->limit;
	err = kbtf_http_get(&dl, 1, &ho);
	it->download_bytes += dl.fetched;
	if (err)
		return err;
	if (!dl.partial) {
		/* the whole package now, its SHA-256 checked */
		free(p->path);
		p->path = strdup(dest);
		p->head = false;
		if (!p->path)
			return kbtf_err_nomem();
	}
	return 0;
}

/*
 * Which item is being stored, for its turn to choose a delta reference
 * (wait_turn(), below).
 */
struct turn {
	struct pipeline *pl;
	size_t item;
};

static void wait_turn(void *ctx);
static void delta_done(void *ctx);

/* 1: the headers carry no BTF and an image is to come; 0 stored; <0 error. */
static int store_deb(struct kbtf_store *s, struct kbtf_fetch_item *it,
		     const struct kbtf_fetch_opts *o, const char *work, struct turn *t)
{
	struct kbtf_profile_add_opts ao = {
	    .before_delta = wait_turn, .after_delta = delta_done, .ctx = t};
	struct kbtf_kernel_opts ko = {.work_dir = work};
	struct kbtf_kernel *k = NULL;
	struct unpacked u;
	bool has_second = false;
	const char *btf_src;
	char sub[PATH_MAX];
	size_t i;
	int err = 0, tries = 0;

	memset(&u, 0, sizeof(u));
	for (i = 0; !err && i < it->nr_pkgs; i++) {
		struct kbtf_fetch_pkg *p = &it->pkgs[i];

		has_second |= p->second;
		if (!p->path)
			continue;
		for (;;) {
			/* each try unpacks afresh: a short head leaves a torn member */
			snprintf(sub, sizeof(sub), "%s/p%zu-%d", work, i, tries++);
			err = unpack(p->path, sub, &u);
			if (!err || !p->head)
				break;
			kbtf_err_clear();
			memset(&u, 0, sizeof(u));
			err = grow_head(it, p, o);
			if (err)
				break;
			/* the packages before this one are unpacked again below */
			i = (size_t)-1;
			break;
		}
	}
	if (err)
		return err;
	if (!u.vmlinux[0] && !u.image[0]) {
		if (has_second && !it->second_stage)
			return 1;
		return kbtf_err(-ENOENT, "%s: no boot image or BTF vmlinux inside",
				it->pkgs[0].name);
	}
	/* the headers' vmlinux is the image's BTF, byte for byte, and cheaper to read */
	btf_src = u.vmlinux[0] ? u.vmlinux : u.image;
	err = kbtf_kernel_open(btf_src, &ko, &k);
	if (err)
		return err;
	if (k->release && strcmp(k->release, it->release))
		snprintf(it->message, sizeof(it->message), "the %s says release %s",
			 u.vmlinux[0] ? "vmlinux" : "image", k->release);
	if (o->keep_image && !k->image_path && u.image[0])
		k->image_path = strdup(u.image);
	/* no headers: the image package's modules complete the image's exports */
	for (i = 0; !err && !u.symvers[0] && k->image_exports && i < it->nr_pkgs; i++)
		if (it->pkgs[i].path && !it->pkgs[i].head && strstr(it->pkgs[i].name, "image"))
			err = kbtf_kernel_module_exports(k, it->pkgs[i].path);
	if (err) {
		kbtf_kernel_free(k);
		return err;
	}
	ao.name = it->release;
	ao.suite = it->suite;
	ao.origin = it->origin;
	ao.package_version = u.version[0] ? u.version : NULL;
	ao.config = u.config[0] ? u.config : NULL;
	ao.symvers = u.symvers[0] ? u.symvers : NULL;
	ao.keep_image = o->keep_image;
	ao.replace = o->force;
	ao.compress = o->compress;
	ao.delta = o->delta;
	err = kbtf_store_add(s, k, &ao, &it->info);
	kbtf_kernel_free(k);
	return err;
}

/*
 * An rpm or pacman package: the kernel layer reads it (the package
 * readers of sdk/lib/pkg_*.c), as "kbtf kernels add" would.
 */
static int store_other(struct kbtf_store *s, struct kbtf_fetch_item *it,
		       const struct kbtf_fetch_opts *o, const char *work, struct turn *t)
{
	struct kbtf_profile_add_opts ao = {
	    .before_delta = wait_turn, .after_delta = delta_done, .ctx = t};
	struct kbtf_kernel_opts ko = {.work_dir = work};
	struct kbtf_kernel *k = NULL;
	const char *path = NULL, *with[KBTF_FETCH_MAX_PKGS];
	size_t i;
	int err;

	/* the first package is the source, the others are read with it */
	for (i = 0; i < it->nr_pkgs; i++) {
		if (!it->pkgs[i].path)
			continue;
		if (!path)
			path = it->pkgs[i].path;
		else
			with[ko.nr_with++] = it->pkgs[i].path;
	}
	if (!path)
		return kbtf_err(-ENOENT, "%s: nothing downloaded", it->release);
	ko.with = with;
	err = kbtf_kernel_open(path, &ko, &k);
	if (err)
		return err;
	if (k->release && strcmp(k->release, it->release))
		snprintf(it->message, sizeof(it->message), "the package says release %s",
			 k->release);
	ao.name = it->release;
	ao.suite = it->suite;
	ao.origin = it->origin;
	ao.keep_image = o->keep_image;
	ao.replace = o->force;
	ao.compress = o->compress;
	ao.delta = o->delta;
	err = kbtf_store_add(s, k, &ao, &it->info);
	kbtf_kernel_free(k);
	return err;
}

/* ------------------------------------------------------------- pipeline */

struct pipeline {
	struct kbtf_store *store;
	struct kbtf_fetch_plan *plan;
	const struct kbtf_fetch_opts *opts;
	char pkg_root[PATH_MAX / 2];
	pthread_mutex_t lock;
	pthread_cond_t cond;
	size_t *queue;	  /* item indices downloaded, waiting to be unpacked, in arrival order */
	size_t nr_queued; /* of them */
	size_t depth;	  /* of the queue's items a worker could take, at most */
	size_t busy;	  /* items taken by workers and not finished */
	bool closed;
	/*
	 * The order of delta references: per item of this round, the item
	 * before it of the same series and architecture (NO_PREV for none).
	 * Its delta waits until that one is settled (stored, failed, off to
	 * the second round, or known to be a delta: no reference then), and a
	 * worker takes it only once that one is taken or settled, so a chain
	 * of waiting workers always ends in one that runs.
	 */
	size_t *prev;
	bool *taken, *settled;
	/* per download of this round: which item and package */
	struct kbtf_dl *dls;
	size_t *dl_item, *dl_pkg, nr_dls;
	size_t *left; /* per item: packages of this round still arriving */
	char **dests;
};

#define NO_PREV ((size_t)-1)

static void report(struct pipeline *pl, size_t i, enum kbtf_fetch_state st)
{
	pthread_mutex_lock(&pl->lock);
	pl->plan->items[i].state = st;
	if (st == KBTF_FETCH_STORED || st == KBTF_FETCH_FAILED || st == KBTF_FETCH_NEEDS_IMAGE ||
	    st == KBTF_FETCH_PRESENT) {
		pl->settled[i] = true;
		pthread_cond_broadcast(&pl->cond);
	}
	if (pl->opts->progress)
		pl->opts->progress(&pl->plan->items[i], i, pl->plan->nr, pl->opts->ctx);
	pthread_mutex_unlock(&pl->lock);
}

static void fail(struct pipeline *pl, size_t i, int err, const char *msg)
{
	struct kbtf_fetch_item *it = &pl->plan->items[i];

	it->err = err;
	if (msg != it->message)
		snprintf(it->message, sizeof(it->message), "%s", msg);
	report(pl, i, KBTF_FETCH_FAILED);
}

static void drop_pkgs(struct pipeline *pl, size_t i)
{
	struct kbtf_fetch_item *it = &pl->plan->items[i];
	size_t j;

	for (j = 0; j < it->nr_pkgs; j++) {
		if (it->pkgs[j].path && !pl->opts->keep_debs)
			unlink(it->pkgs[j].path);
		free(it->pkgs[j].path);
		it->pkgs[j].path = NULL;
	}
}

static void unpack_one(struct pipeline *pl, size_t i)
{
	struct kbtf_fetch_item *it = &pl->plan->items[i];
	struct turn t = {.pl = pl, .item = i};
	char work[PATH_MAX];
	double t0 = kbtf_now_s();
	int err;

	report(pl, i, KBTF_FETCH_EXTRACTING);
	snprintf(work, sizeof(work), "%s/.work-XXXXXX", pl->pkg_root);
	if (!mkdtemp(work)) {
		err = kbtf_err(-errno, "%s: cannot create: %s", work, strerror(errno));
	} else {
		if (!strcmp(it->distro, "debian") || !strcmp(it->distro, "ubuntu"))
			err = store_deb(pl->store, it, pl->opts, work, &t);
		else
			err = store_other(pl->store, it, pl->opts, work, &t);
		kbtf_rm_rf(work);
	}
	it->extract_secs += kbtf_now_s() - t0;
	if (err == 1) {
		/* keep the headers for the second round, which reads them again */
		it->second_stage = true;
		report(pl, i, KBTF_FETCH_NEEDS_IMAGE);
		return;
	}
	drop_pkgs(pl, i);
	if (err)
		fail(pl, i, err, kbtf_errstr());
	else
		report(pl, i, KBTF_FETCH_STORED);
}

/* Its delta's turn has come: the item before it in its series is settled (lock held). */
static bool turn_come(const struct pipeline *pl, size_t i)
{
	return pl->prev[i] == NO_PREV || pl->settled[pl->prev[i]];
}

/* May a worker take queued item @i? Then its wait ends (lock held). */
static bool takeable(const struct pipeline *pl, size_t i)
{
	return turn_come(pl, i) || pl->taken[pl->prev[i]];
}

/* Where in the queue the first item a worker may take is; nr_queued for none. */
static size_t first_takeable(const struct pipeline *pl)
{
	size_t q;

	for (q = 0; q < pl->nr_queued && !takeable(pl, pl->queue[q]); q++)
		;
	return q;
}

static size_t count_takeable(const struct pipeline *pl)
{
	size_t q, n = 0;

	for (q = 0; q < pl->nr_queued; q++)
		n += takeable(pl, pl->queue[q]);
	return n;
}

static void wait_turn(void *ctx)
{
	struct turn *t = ctx;
	struct pipeline *pl = t->pl;

	pthread_mutex_lock(&pl->lock);
	while (!turn_come(pl, t->item))
		pthread_cond_wait(&pl->cond, &pl->lock);
	pthread_mutex_unlock(&pl->lock);
}

/*
 * The item is stored as a delta, so no kernel after it can take it for a
 * reference: the next one's turn comes now, while this one's index is
 * written and it is published.
 */
static void delta_done(void *ctx)
{
	struct turn *t = ctx;
	struct pipeline *pl = t->pl;

	pthread_mutex_lock(&pl->lock);
	pl->settled[t->item] = true;
	pthread_cond_broadcast(&pl->cond);
	pthread_mutex_unlock(&pl->lock);
}

static void *worker(void *arg)
{
	struct pipeline *pl = arg;
	size_t i, q;

	for (;;) {
		pthread_mutex_lock(&pl->lock);
		while ((q = first_takeable(pl)) == pl->nr_queued && !pl->closed)
			pthread_cond_wait(&pl->cond, &pl->lock);
		if (q == pl->nr_queued) {
			pthread_mutex_unlock(&pl->lock);
			return NULL;
		}
		i = pl->queue[q];
		memmove(&pl->queue[q], &pl->queue[q + 1],
			(pl->nr_queued - q - 1) * sizeof(*pl->queue));
		pl->nr_queued--;
		pl->taken[i] = true;
		pl->busy++;
		pthread_cond_broadcast(&pl->cond);
		pthread_mutex_unlock(&pl->lock);
		unpack_one(pl, i);
		pthread_mutex_lock(&pl->lock);
		pl->busy--;
		pthread_cond_broadcast(&pl->cond);
		pthread_mutex_unlock(&pl->lock);
	}
}

static void enqueue(struct pipeline *pl, size_t i)
{
	/* only what a worker can take holds the downloads back: an item
	 * waiting for one still downloading must not stop that download */
	pthread_mutex_lock(&pl->lock);
	while (count_takeable(pl) >= pl->depth)
		pthread_cond_wait(&pl->cond, &pl->lock);
	pl->queue[pl->nr_queued++] = i;
	pthread_cond_broadcast(&pl->cond);
	pthread_mutex_unlock(&pl->lock);
}

/* Wait until every queued item has been unpacked. */
static void drain(struct pipeline *pl)
{
	pthread_mutex_lock(&pl->lock);
	while (pl->nr_queued || pl->busy)
		pthread_cond_wait(&pl->cond, &pl->lock);
	pthread_mutex_unlock(&pl->lock);
}

/* A download finished (kbtf_http_get's done callback, calling thread). */
static void dl_done(struct kbtf_dl *dl, void *ctx)
{
	struct pipeline *pl = ctx;
	size_t d = (size_t)(dl - pl->dls), i = pl->dl_item[d];
	struct kbtf_fetch_item *it = &pl->plan->items[i];
	struct kbtf_fetch_pkg *p = &it->pkgs[pl->dl_pkg[d]];

	if (!dl->err && dl->partial) {
		p->head = true;
		if (asprintf(&p->path, "%s.part", dl->dest) < 0)
			p->path = NULL;
		it->downloaded++;
		it->download_bytes += dl->fetched;
		if (!p->path && !it->err) {
			it->err = -ENOMEM;
			snprintf(it->message, sizeof(it->message), "out of memory");
		}
	} else if (!dl->err) {
		p->path = strdup(dl->dest);
		p->downloaded = !dl->reused;
		it->downloaded += !dl->reused;
		it->download_bytes += dl->fetched;
		if (!p->path && !it->err) {
			it->err = -ENOMEM;
			snprintf(it->message, sizeof(it->message), "out of memory");
		}
	} else if (!it->err) {
		it->err = dl->err;
		snprintf(it->message, sizeof(it->message), "%s", dl->msg);
	}
	if (dl->secs > it->download_secs)
		it->download_secs = dl->secs;
	if (--pl->left[i])
		return;
	if (it->err) {
		drop_pkgs(pl, i);
		fail(pl, i, it->err, it->message);
	} else {
		enqueue(pl, i);
	}
}

static int pkg_dest(struct pipeline *pl, const struct kbtf_fetch_item *it,
		    const struct kbtf_fetch_pkg *p, char **out)
{
	const char *base = strrchr(p->url, '/');
	char dir[PATH_MAX];
	int err;

	base = base ? base + 1 : p->url;
	if (!*base || !strcmp(base, ".") || !strcmp(base, ".."))
		return kbtf_err(-EINVAL, "%s: no file name in the URL", p->url);
	/* Debian's the way tests/lib/debfetch.sh keeps them: <root>/<suite>/ */
	if (!strcmp(it->distro, "debian"))
		snprintf(dir, sizeof(dir), "%s/%s", pl->pkg_root, it->suite);
	else
		snprintf(dir, sizeof(dir), "%s/%s/%s", pl->pkg_root, it->distro, it->suite);
	err = kbtf_mkdir_p(dir, 0755);
	if (err)
		return err;
	if (asprintf(out, "%s/%s", dir, base) < 0)
		return kbtf_err_nomem();
	return 0;
}

static void on_bytes(uint64_t done, uint64_t total, size_t fd, size_t f, void *ctx)
{
	struct pipeline *pl = ctx;

	if (pl->opts->bytes)
		pl->opts->bytes(done, total, fd, f, pl->opts->ctx);
}

/* "6.12.113+deb12-amd64" -> length of "6.12", the series a delta reference shares. */
static size_t series_len(const char *release)
{
	size_t n = 0, dots = 0;

	while (isdigit((unsigned char)release[n]) || (release[n] == '.' && ++dots < 2))
		n++;
	return n;
}

/* One architecture, two spellings: "amd64"/"x86_64", "arm64"/"aarch64". */
static const char *arch_name(const char *arch)
{
	if (!strcmp(arch, "amd64"))
		return "x86_64";
	if (!strcmp(arch, "arm64"))
		return "aarch64";
	return arch;
}

/* Could @a and @b be each other's delta reference? */
static bool same_series(const struct kbtf_fetch_item *a, const struct kbtf_fetch_item *b)
{
	size_t n = series_len(a->release);

	return n == series_len(b->release) && !strncmp(a->release, b->release, n) &&
	       !strcmp(arch_name(a->arch), arch_name(b->arch));
}

/*
 * Chain this round's items (those with packages coming) of one series, in
 * the plan's order: each delta is chosen after the one before it is
 * stored, as adding them one by one would. Without deltas nothing waits.
 */
static void order_deltas(struct pipeline *pl)
{
	const struct kbtf_fetch_plan *plan = pl->plan;
	size_t i, j;

	for (i = 0; i < plan->nr; i++) {
		pl->prev[i] = NO_PREV;
		if (!pl->opts->delta || !pl->left[i] || plan->items[i].state == KBTF_FETCH_FAILED)
			continue;
		for (j = i; j-- > 0;) {
			if (pl->left[j] && plan->items[j].state != KBTF_FETCH_FAILED &&
			    same_series(&plan->items[i], &plan->items[j])) {
				pl->prev[i] = j;
				break;
			}
		}
	}
}

/* One round: download the first (@second false) or second packages of the wanted items. */
static void round_run(struct pipeline *pl, bool second)
{
	struct kbtf_fetch_plan *plan = pl->plan;
	struct kbtf_http_opts ho = {
	    .jobs = pl->opts->jobs,
	    .max_rate = pl->opts->max_rate,
	    .progress = on_bytes,
	    .done = dl_done,
	    .ctx = pl,
	};
	size_t i, j, n = 0;
	int err;

	for (i = 0; i < plan->nr; i++)
		pl->taken[i] = pl->settled[i] = false;
	for (i = 0; i < plan->nr; i++) {
		struct kbtf_fetch_item *it = &plan->items[i];

		pl->left[i] = 0;
		if (second ? it->state != KBTF_FETCH_NEEDS_IMAGE : it->state != KBTF_FETCH_PENDING)
			continue;
		for (j = 0; j < it->nr_pkgs; j++) {
			if (it->pkgs[j].second != second)
				continue;
			err = pkg_dest(pl, it, &it->pkgs[j], &pl->dests[n]);
			if (err) {
				fail(pl, i, err, kbtf_errstr());
				break;
			}
			pl->dls[n] = (struct kbtf_dl){
			    .url = it->pkgs[j].url,
			    .dest = pl->dests[n],
			    .sha256 = it->pkgs[j].sha256,
			    .size = it->pkgs[j].size,
			};
			if (pl->opts->partial && kbtf_fetch_head_only(it->distro, &it->pkgs[j])) {
				it->pkgs[j].limit = KBTF_FETCH_HEAD;
				pl->dls[n].limit = KBTF_FETCH_HEAD;
			}
			pl->dl_item[n] = i;
			pl->dl_pkg[n] = j;
			pl->left[i]++;
			n++;
		}
		if (it->state != KBTF_FETCH_FAILED && pl->left[i])
			report(pl, i, KBTF_FETCH_DOWNLOADING);
	}
	pl->nr_dls = n;
	order_deltas(pl);
	kbtf_http_get(pl->dls, n, &ho); /* failures are per item, in dl_done */
	for (i = 0; i < n; i++) {
		free(pl->dests[i]);
		pl->dests[i] = NULL;
	}
	drain(pl);
}

/*
 * Work directories (<root>/.work-*) a killed fetch left, untouched for an
 * hour. Partial downloads (*.part) stay: the next fetch resumes them.
 */
static void sweep_leftovers(const char *root)
{
	char path[PATH_MAX];
	struct dirent *de;
	struct stat st;
	time_t old = time(NULL) - 3600;
	DIR *d = opendir(root);

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, ".work-", 6))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", root, de->d_name) >= (int)sizeof(path) ||
		    lstat(path, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		if (st.st_mtime < old)
			kbtf_rm_rf(path);
	}
	closedir(d);
}

static unsigned int worker_count(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (cpus < 1)
		return 1;
	return cpus > MAX_WORKERS ? MAX_WORKERS : (unsigned int)cpus;
}

static int pipeline_init(struct pipeline *pl, struct kbtf_store *s, struct kbtf_fetch_plan *plan,
			 const struct kbtf_fetch_opts *o, unsigned int workers)
{
	size_t max = plan->nr * KBTF_FETCH_MAX_PKGS + 1;
	int err;

	memset(pl, 0, sizeof(*pl));
	pl->store = s;
	pl->plan = plan;
	pl->opts = o;
	if (o->deb_dir) {
		snprintf(pl->pkg_root, sizeof(pl->pkg_root), "%s", o->deb_dir);
	} else {
		err = kbtf_cache_dir(pl->pkg_root, sizeof(pl->pkg_root) - 8);
		if (err)
			return err;
		strcat(pl->pkg_root, "/debs");
	}
	err = kbtf_mkdir_p(pl->pkg_root, 0755);
	if (err)
		return err;
	sweep_leftovers(pl->pkg_root);
	/* a package set or two ahead per worker keeps both sides busy */
	pl->depth = workers + 2;
	pl->queue = calloc(plan->nr + 1, sizeof(*pl->queue));
	pl->prev = calloc(plan->nr + 1, sizeof(*pl->prev));
	pl->taken = calloc(plan->nr + 1, sizeof(*pl->taken));
	pl->settled = calloc(plan->nr + 1, sizeof(*pl->settled));
	pl->dls = calloc(max, sizeof(*pl->dls));
	pl->dl_item = calloc(max, sizeof(*pl->dl_item));
	pl->dl_pkg = calloc(max, sizeof(*pl->dl_pkg));
	pl->dests = calloc(max, sizeof(*pl->dests));
	pl->left = calloc(plan->nr + 1, sizeof(*pl->left));
	if (!pl->queue || !pl->dls || !pl->dl_item || !pl->dl_pkg || !pl->dests || !pl->left ||
	    !pl->prev || !pl->taken || !pl->settled) {
		free(pl->queue);
		free(pl->prev);
		free(pl->taken);
		free(pl->settled);
		free(pl->dls);
		free(pl->dl_item);
		free(pl->dl_pkg);
		free(pl->dests);
		free(pl->left);
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
	unsigned int nw = worker_count(), started = 0, w;
	pthread_t threads[MAX_WORKERS];
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
	if (!started) {
		err = kbtf_err(-EAGAIN, "cannot start an unpacking thread");
		goto out;
	}
	for (i = 0; i < plan->nr; i++) {
		if (plan->items[i].state == KBTF_FETCH_PRESENT)
			report(&pl, i, KBTF_FETCH_PRESENT);
	}
	round_run(&pl, false);
	round_run(&pl, true);
out:
	pthread_mutex_lock(&pl.lock);
	pl.closed = true;
	pthread_cond_broadcast(&pl.cond);
	pthread_mutex_unlock(&pl.lock);
	for (w = 0; w < started; w++)
		pthread_join(threads[w], NULL);
	for (i = 0; i < plan->nr; i++)
		drop_pkgs(&pl, i);
	pthread_mutex_destroy(&pl.lock);
	pthread_cond_destroy(&pl.cond);
	free(pl.queue);
	free(pl.prev);
	free(pl.taken);
	free(pl.settled);
	free(pl.dls);
	free(pl.dl_item);
	free(pl.dl_pkg);
	free(pl.dests);
	free(pl.left);
	if (err)
		return err;
	for (i = 0; i < plan->nr; i++) {
		if (plan->items[i].state == KBTF_FETCH_FAILED)
			return kbtf_err(plan->items[i].err, "%s: %s", plan->items[i].release,
					plan->items[i].message);
	}
	return 0;
}
