// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The modules x kernels run behind `kbtf validate` (see kbtf/matrix.h).
 *
 * Opening a kernel (unpacking a package, decompressing a boot image,
 * parsing 100k types) costs far more than judging a pair, so a worker takes
 * a kernel nobody has opened yet, opens it, judges every module on it and
 * frees it; when no kernel is left unopened, idle workers help with the
 * modules of kernels already open. Each kernel is opened exactly once and
 * at most (jobs) kernels are in memory at a time.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kbtf/err.h"
#include "kbtf/matrix.h"

struct kslot {
	const char *source;
	struct kbtf_vkernel *vk;
	bool opened;	 /* open attempted and finished */
	size_t next_mod; /* next module index to claim */
	size_t done;	 /* modules judged */
};

struct run {
	const struct kbtf_matrix_opts *o;
	struct kbtf_matrix *mx;
	const char *const *mod_paths;
	struct kbtf_vmod **mods; /* every one opened before any kernel */
	struct kslot *ks;
	size_t next_kernel; /* next kernel nobody opened */
	size_t pairs_done;
	pthread_mutex_t lock;
	struct kbtf_validate_opts vo;
	struct kbtf_symvers *peers;
	struct kbtf_symvers *wanted; /* every module's undefined symbols */
	struct kbtf_kernel *build;
	int err; /* out of memory in a worker */
	bool tty_progress;
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void progress(struct run *r, const char *what)
{
	size_t total = r->mx->nr_modules * r->mx->nr_kernels;

	if (!r->o->progress)
		return;
	fprintf(stderr, "%s[%zu/%zu pairs] %s%s", r->tty_progress ? "\r\033[K" : "", r->pairs_done,
		total, what, r->tty_progress ? "" : "\n");
	fflush(stderr);
}

static struct kbtf_result *slot(struct run *r, size_t m, size_t k)
{
	return &r->mx->results[m * r->mx->nr_kernels + k];
}

/* Judge module @m on kernel @k (unlocked). */
static void judge(struct run *r, size_t m, size_t k, double *ms)
{
	struct kbtf_result *res = slot(r, m, k);
	double t0 = now_ms();

	if (!r->ks[k].vk)
		return; /* the kernel's error rows were filled when it failed */
	if (kbtf_validate_pair(r->mods[m], r->ks[k].vk, &r->vo, res))
		kbtf_result_error(res, r->mods[m]->path, r->ks[k].source, kbtf_errstr());
	*ms += now_ms() - t0;
}

static void kernel_failed(struct run *r, size_t k, const char *why)
{
	size_t m;

	for (m = 0; m < r->mx->nr_modules; m++) {
		if (kbtf_result_error(slot(r, m, k), r->mod_paths[m], r->ks[k].source, why))
			r->err = -ENOMEM;
	}
}

static void open_kernel(struct run *r, size_t k)
{
	struct kbtf_vkernel_opts ko = {
	    .symvers = r->o->symvers,
	    .work_dir = r->o->work_dir,
	    .no_symbols = r->o->no_symbols,
	    .wanted = r->wanted,
	};
	struct kbtf_vkernel *vk = NULL;
	double t0 = now_ms();
	int err;

	if (r->o->layers)
		ko.layers = r->o->layers[k];
	err = kbtf_vkernel_open(r->ks[k].source, &ko, &vk);
	pthread_mutex_lock(&r->lock);
	r->mx->open_ms += now_ms() - t0;
	r->ks[k].vk = err ? NULL : vk;
	r->ks[k].opened = true;
	if (err)
		kernel_failed(r, k, kbtf_errstr());
	pthread_mutex_unlock(&r->lock);
}

/* Claim a pair on an open kernel; the caller holds the lock. */
static bool claim_open(struct run *r, size_t prefer, size_t *k, size_t *m)
{
	size_t i, nk = r->mx->nr_kernels;

	for (i = 0; i < nk; i++) {
		size_t kk = (prefer + i) % nk;
		struct kslot *s = &r->ks[kk];

		if (s->opened && s->next_mod < r->mx->nr_modules) {
			*k = kk;
			*m = s->next_mod++;
			return true;
		}
	}
	return false;
}

static void finish_pair(struct run *r, size_t k, double ms)
{
	struct kslot *s = &r->ks[k];
	char what[512];

	r->mx->judge_ms += ms;
	r->pairs_done++;
	snprintf(what, sizeof(what), "%s",
		 s->vk && s->vk->k->release ? s->vk->k->release : s->source);
	if (++s->done == r->mx->nr_modules) {
		kbtf_vkernel_free(s->vk);
		s->vk = NULL;
	}
	progress(r, what);
}

static void *worker(void *arg)
{
	struct run *r = arg;
	size_t mine = (size_t)-1, k, m;

	for (;;) {
		double ms = 0;

		pthread_mutex_lock(&r->lock);
		if (!claim_open(r, mine == (size_t)-1 ? 0 : mine, &k, &m)) {
			if (r->next_kernel == r->mx->nr_kernels) {
				pthread_mutex_unlock(&r->lock);
				return NULL;
			}
			mine = r->next_kernel++;
			pthread_mutex_unlock(&r->lock);
			open_kernel(r, mine);
			continue;
		}
		pthread_mutex_unlock(&r->lock);
		judge(r, m, k, &ms);
		pthread_mutex_lock(&r->lock);
		finish_pair(r, k, ms);
		pthread_mutex_unlock(&r->lock);
	}
}

/* Every module's own exports, so modules validated together resolve each
 * other; and every module's undefined symbols, the only exports to load. */
static int collect_peers(struct run *r)
{
	size_t m, i;
	int err = kbtf_symvers_new(&r->peers);

	if (!err)
		err = kbtf_symvers_new(&r->wanted);
	if (!err)
		err = kbtf_symvers_add(r->wanted, "module_layout", 0, "", "", "");
	for (m = 0; !err && m < r->mx->nr_modules; m++) {
		const struct kbtf_vmod *vm = r->mods[m];

		for (i = 0; vm && !err && i < vm->syms.nr_undef; i++)
			err = kbtf_symvers_add(r->wanted, vm->syms.undef[i].name, 0, "", "", "");
	}

	for (m = 0; !err && m < r->mx->nr_modules; m++) {
		const struct kbtf_vmod *vm = r->mods[m];

		for (i = 0; vm && !err && i < vm->syms.nr_exports; i++)
			err = kbtf_symvers_add(r->peers, vm->syms.exports[i], 0,
					       vm->syms.name ? vm->syms.name : vm->path,
					       "EXPORT_SYMBOL", "");
	}
	r->vo.peers = r->peers;
	return err;
}

/*
 * Every input named by path is there before any kernel is opened: a
 * missing kernel, layer or Module.symvers would otherwise cost a column of
 * "error" pairs after minutes of work on the others.
 */
static int check_inputs(struct run *r)
{
	const struct kbtf_layer_paths *l;
	size_t k, i;

	int err;

	for (k = 0; k < r->mx->nr_kernels; k++) {
		err = kbtf_kernel_source_check(r->ks[k].source);
		if (err)
			return kbtf_err_prefix(err, "%s", r->ks[k].source);
		l = r->o->layers ? &r->o->layers[k] : NULL;
		for (i = 0; l && i < l->nr; i++) {
			err = kbtf_file_check(l->paths[i]);
			if (err)
				return kbtf_err_prefix(err, "%s", l->paths[i]);
		}
	}
	err = r->o->symvers ? kbtf_file_check(r->o->symvers) : 0;
	if (err)
		return kbtf_err_prefix(err, "%s", r->o->symvers);
	err = r->o->build_kernel ? kbtf_kernel_source_check(r->o->build_kernel) : 0;
	if (err)
		return kbtf_err_prefix(err, "--build-kernel %s", r->o->build_kernel);
	return 0;
}

/* A module that does not open stops the run: it has nothing to judge on any kernel. */
static int open_modules(struct run *r, const char *const *modules)
{
	size_t m;
	int err;

	r->mods = calloc(r->mx->nr_modules, sizeof(*r->mods));
	if (!r->mods)
		return -ENOMEM;
	for (m = 0; m < r->mx->nr_modules; m++) {
		err = kbtf_vmod_open(modules[m], &r->mods[m]);
		if (err)
			return kbtf_err_prefix(err, "%s", modules[m]);
	}
	return collect_peers(r);
}

static int open_build(struct run *r)
{
	const char *src = r->o->build_kernel;
	struct kbtf_btf *btf;
	int err;

	if (!src)
		return 0;
	err = kbtf_kernel_open(src, NULL, &r->build);
	if (err)
		return kbtf_err_prefix(err, "--build-kernel %s", src);
	btf = kbtf_kernel_btf_stack(r->build);
	if (!btf)
		return kbtf_err_prefix(-EINVAL, "--build-kernel %s", src);
	err = kbtf_btf_index_names_all(btf);
	if (err)
		return err;
	r->vo.build_btf = btf;
	r->vo.build_hash = kbtf_kernel_btf_hash(r->build);
	r->vo.build_release = r->build->release;
	return 0;
}

static int run_threads(struct run *r)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int jobs = r->o->jobs > 0 ? r->o->jobs : (cpus > 0 ? (int)cpus : 1);
	pthread_t *t;
	int i, started = 0;

	if ((size_t)jobs > r->mx->nr_kernels * r->mx->nr_modules)
		jobs = (int)(r->mx->nr_kernels * r->mx->nr_modules);
	if (jobs < 1)
		jobs = 1;
	t = calloc((size_t)jobs, sizeof(*t));
	if (!t)
		return -ENOMEM;
	for (i = 1; i < jobs; i++)
		if (!pthread_create(&t[i], NULL, worker, r))
			started++;
	worker(r); /* this thread works too */
	for (i = 1; i <= started; i++)
		pthread_join(t[i], NULL);
	free(t);
	return 0;
}

static void run_fini(struct run *r)
{
	size_t i;

	for (i = 0; r->mods && i < r->mx->nr_modules; i++)
		kbtf_vmod_free(r->mods[i]);
	for (i = 0; r->ks && i < r->mx->nr_kernels; i++)
		kbtf_vkernel_free(r->ks[i].vk);
	free(r->mods);
	free(r->ks);
	kbtf_symvers_free(r->peers);
	kbtf_symvers_free(r->wanted);
	kbtf_kernel_free(r->build);
	pthread_mutex_destroy(&r->lock);
}

int kbtf_matrix_run(const char *const *modules, size_t nr_modules, const char *const *kernels,
		    size_t nr_kernels, const struct kbtf_matrix_opts *opts, struct kbtf_matrix *out)
{
	static const struct kbtf_matrix_opts defaults;
	struct run r = {.o = opts ? opts : &defaults, .mx = out};
	double t0 = now_ms();
	size_t k;
	int err;

	memset(out, 0, sizeof(*out));
	out->nr_modules = nr_modules;
	out->nr_kernels = nr_kernels;
	pthread_mutex_init(&r.lock, NULL);
	r.vo.pre_fix = r.o->pre_fix;
	r.vo.no_symbols = r.o->no_symbols;
	r.mod_paths = modules;
	r.tty_progress = isatty(STDERR_FILENO);
	out->results = calloc(nr_modules * nr_kernels + 1, sizeof(*out->results));
	r.ks = calloc(nr_kernels ? nr_kernels : 1, sizeof(*r.ks));
	err = !out->results || !r.ks ? -ENOMEM : 0;
	for (k = 0; !err && k < nr_kernels; k++)
		r.ks[k].source = kernels[k];
	if (!err)
		err = open_modules(&r, modules);
	if (!err)
		err = check_inputs(&r);
	if (!err)
		err = open_build(&r);
	if (!err)
		err = run_threads(&r);
	if (!err)
		err = r.err;
	if (r.o->progress && r.tty_progress)
		fprintf(stderr, "\r\033[K");
	run_fini(&r);
	out->total_ms = now_ms() - t0;
	if (err) {
		kbtf_matrix_fini(out);
		return err == -ENOMEM ? kbtf_err(err, "out of memory") : err;
	}
	return 0;
}

void kbtf_matrix_fini(struct kbtf_matrix *mx)
{
	size_t i;

	for (i = 0; mx->results && i < mx->nr_modules * mx->nr_kernels; i++)
		kbtf_result_fini(&mx->results[i]);
	free(mx->results);
	memset(mx, 0, sizeof(*mx));
}

enum kbtf_verdict kbtf_matrix_worst(const struct kbtf_matrix *mx)
{
	enum kbtf_verdict w = KBTF_VERDICT_OK;
	size_t i;

	for (i = 0; i < mx->nr_modules * mx->nr_kernels; i++)
		if (mx->results[i].verdict > w)
			w = mx->results[i].verdict;
	return w;
}
