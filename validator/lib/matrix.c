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
#include <unistd.h>

#include "kbtf/err.h"
#include "kbtf/matrix.h"
#include "prepared.h"
#include "util.h"
#include "vrun.h"

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
	struct kbtf_vrun v; /* the modules, the options: what boot-test uses too */
	struct kslot *ks;
	size_t next_kernel; /* next kernel nobody opened */
	size_t pairs_done;
	pthread_mutex_t lock;
	int err; /* out of memory in a worker */
	bool tty_progress;
};

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

/* The architectures of module @m and kernel @vk, when both are known. */
static bool other_arch(const struct run *r, size_t m, const struct kbtf_vkernel *vk)
{
	const char *ma = r->v.mods[m]->mod->arch, *ka = vk->k->arch;

	return ma && ka && strcmp(ma, ka);
}

/*
 * A module and a kernel of two architectures: no kernel loads such a module
 * (its ELF machine is refused first), and nobody ships it for that kernel,
 * so the pair is listed as not made instead of judged.
 */
static int not_paired(struct run *r, size_t m, const struct kbtf_vkernel *vk, const char *source,
		      struct kbtf_result *res)
{
	const struct kbtf_vmod *vm = r->v.mods[m];

	memset(res, 0, sizeof(*res));
	res->allow_btf_mismatch = -1;
	res->reloc_err = -1;
	res->not_paired = true;
	res->module = strdup(vm->path);
	res->module_name = strdup(vm->mod->name ? vm->mod->name : vm->path);
	res->source = strdup(source);
	res->release = vk->k->release ? strdup(vk->k->release) : NULL;
	res->module_arch = strdup(vm->mod->arch);
	res->kernel_arch = strdup(vk->k->arch);
	res->summary = strdup("not paired: another architecture");
	if (!res->module || !res->module_name || !res->source || !res->module_arch ||
	    !res->kernel_arch || !res->summary || (vk->k->release && !res->release)) {
		kbtf_result_fini(res);
		return -ENOMEM;
	}
	return 0;
}

/* Judge module @m on kernel @k (unlocked). */
static void judge(struct run *r, size_t m, size_t k, double *ms)
{
	struct kbtf_result *res = slot(r, m, k);
	const struct kbtf_vkernel *vk = r->ks[k].vk;
	double t0 = kbtf_now_ms();

	if (!vk)
		return; /* the kernel's error rows were filled when it failed */
	if (other_arch(r, m, vk) ? not_paired(r, m, vk, r->ks[k].source, res)
				 : kbtf_vrun_judge(&r->v, m, vk, r->ks[k].source, res))
		r->err = -ENOMEM;
	*ms += kbtf_now_ms() - t0;
}

static void kernel_failed(struct run *r, size_t k, const char *why)
{
	size_t m;

	for (m = 0; m < r->mx->nr_modules; m++) {
		if (kbtf_result_error(slot(r, m, k), r->v.mod_paths[m], r->ks[k].source, why))
			r->err = -ENOMEM;
	}
}

static void open_kernel(struct run *r, size_t k)
{
	struct kbtf_vkernel_opts ko;
	struct kbtf_vkernel *vk = NULL;
	double t0 = kbtf_now_ms();
	int err;

	kbtf_vrun_kernel_opts(&r->v, r->o->layers ? &r->o->layers[k] : NULL, &ko);
	err = kbtf_vkernel_open(r->ks[k].source, &ko, &vk);
	pthread_mutex_lock(&r->lock);
	r->mx->open_ms += kbtf_now_ms() - t0;
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

	for (i = 0; r->ks && i < r->mx->nr_kernels; i++)
		kbtf_vkernel_free(r->ks[i].vk);
	free(r->ks);
	kbtf_vrun_fini(&r->v);
	pthread_mutex_destroy(&r->lock);
}

/*
 * Every module has a kernel of its architecture among those that opened;
 * otherwise the run judged nothing of it and says so as an error. A run
 * whose kernels all failed to open has its error results instead.
 */
static int check_arches(const struct kbtf_matrix *mx)
{
	char arches[256];
	size_t m, k, used;
	bool any_open, own;

	for (m = 0; m < mx->nr_modules; m++) {
		const struct kbtf_result *row = &mx->results[m * mx->nr_kernels];

		arches[0] = '\0';
		used = 0;
		any_open = own = false;
		for (k = 0; k < mx->nr_kernels && !own; k++) {
			const char *ka = row[k].kernel_arch;

			if (!row[k].not_paired) {
				own = row[k].verdict != KBTF_VERDICT_ERROR || row[k].kernel_arch;
				continue;
			}
			any_open = true;
			if (ka && !strstr(arches, ka) && used + strlen(ka) + 3 < sizeof(arches))
				used += (size_t)snprintf(arches + used, sizeof(arches) - used,
							 "%s%s", used ? ", " : "", ka);
		}
		if (!own && any_open)
			return kbtf_err(-EINVAL,
					"%s: built for %s, but the kernels are %s: no kernel to "
					"judge it on",
					row[0].module, row[0].module_arch, arches);
	}
	return 0;
}

int kbtf_matrix_run(const char *const *modules, size_t nr_modules, const char *const *kernels,
		    size_t nr_kernels, const struct kbtf_matrix_opts *opts, struct kbtf_matrix *out)
{
	static const struct kbtf_matrix_opts defaults;
	struct run r = {.o = opts ? opts : &defaults, .mx = out};
	double t0 = kbtf_now_ms();
	size_t k;
	int err;

	memset(out, 0, sizeof(*out));
	out->nr_modules = nr_modules;
	out->nr_kernels = nr_kernels;
	pthread_mutex_init(&r.lock, NULL);
	r.tty_progress = isatty(STDERR_FILENO);
	out->results = calloc(nr_modules * nr_kernels + 1, sizeof(*out->results));
	r.ks = calloc(nr_kernels ? nr_kernels : 1, sizeof(*r.ks));
	err = !out->results || !r.ks ? -ENOMEM : 0;
	for (k = 0; !err && k < nr_kernels; k++)
		r.ks[k].source = kernels[k];
	if (!err)
		err = kbtf_vrun_init(&r.v, modules, nr_modules, kernels, nr_kernels, r.o);
	if (!err)
		err = run_threads(&r);
	if (!err)
		err = r.err;
	if (!err)
		err = check_arches(out);
	if (r.o->progress && r.tty_progress)
		fprintf(stderr, "\r\033[K");
	run_fini(&r);
	out->total_ms = kbtf_now_ms() - t0;
	if (err) {
		kbtf_matrix_fini(out);
		return err == -ENOMEM ? kbtf_err_nomem() : err;
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
		if (!mx->results[i].not_paired && mx->results[i].verdict > w)
			w = mx->results[i].verdict;
	return w;
}
