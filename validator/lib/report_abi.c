// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The distro ABI models of a matrix's kernels, for report headers: which
 * distros the kernels are builds of (kbtf_abi_model_of() in cause.c holds
 * the table), their kABI streams, and for a stable kABI which kernels one
 * binary of each module serves.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cause.h"
#include "kbtf/err.h"
#include "report_writers.h"

static int push(size_t **v, size_t *n, size_t x)
{
	size_t *nv = realloc(*v, (*n + 1) * sizeof(*nv));

	if (!nv)
		return -ENOMEM;
	nv[(*n)++] = x;
	*v = nv;
	return 0;
}

static int add_kernel(struct kbtf_report_abi *a, const char *release, size_t k)
{
	struct kbtf_report_stream *ns;
	char name[64];
	size_t s;

	if (push(&a->kernels, &a->nr_kernels, k))
		return -ENOMEM;
	kbtf_abi_stream(a->model, release, name, sizeof(name));
	for (s = 0; s < a->nr_streams; s++)
		if (!strcmp(a->streams[s].name, name))
			return push(&a->streams[s].kernels, &a->streams[s].nr_kernels, k);
	ns = realloc(a->streams, (a->nr_streams + 1) * sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	a->streams = ns;
	memset(&ns[a->nr_streams], 0, sizeof(*ns));
	snprintf(ns[a->nr_streams].name, sizeof(ns->name), "%s", name);
	s = a->nr_streams++;
	return push(&ns[s].kernels, &ns[s].nr_kernels, k);
}

int kbtf_report_abi(const struct kbtf_matrix *mx, struct kbtf_report_abi **out, size_t *n)
{
	struct kbtf_report_abi *a = NULL, *na;
	size_t nr = 0, k, i;

	for (k = 0; k < mx->nr_kernels && mx->nr_modules; k++) {
		const struct kbtf_result *r = kbtf_report_at(mx, 0, k);
		const struct kbtf_abi_model *m = kbtf_abi_model_of(r->release);

		if (!m)
			continue;
		for (i = 0; i < nr && a[i].model != m; i++)
			;
		if (i == nr) {
			na = realloc(a, (nr + 1) * sizeof(*na));
			if (!na)
				goto nomem;
			a = na;
			memset(&a[nr], 0, sizeof(*a));
			a[nr++].model = m;
		}
		if (add_kernel(&a[i], r->release, k))
			goto nomem;
	}
	*out = a;
	*n = nr;
	return 0;
nomem:
	kbtf_report_abi_free(a, nr);
	return kbtf_err_nomem();
}

void kbtf_report_abi_free(struct kbtf_report_abi *a, size_t n)
{
	size_t i, s;

	for (i = 0; i < n; i++) {
		for (s = 0; s < a[i].nr_streams; s++)
			free(a[i].streams[s].kernels);
		free(a[i].streams);
		free(a[i].kernels);
	}
	free(a);
}

/* "A, B and C" of the kernels of @st into @buf. */
static void kernel_list(const struct kbtf_matrix *mx, const size_t *ks, size_t n, char *buf,
			size_t len)
{
	char label[128];
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < n && used + 1 < len; i++) {
		kbtf_report_kernel_label(kbtf_report_at(mx, 0, ks[i]), label, sizeof(label));
		used += (size_t)snprintf(buf + used, len - used, "%s%s",
					 i == 0	      ? ""
					 : i == n - 1 ? " and "
						      : ", ",
					 label);
	}
}

int kbtf_report_abi_text(const struct kbtf_matrix *mx, void (*line)(void *ctx, const char *text),
			 void *ctx)
{
	struct kbtf_report_abi *a;
	char text[4096], list[2048], mod[128];
	size_t n, i, s, m, k;
	int err = kbtf_report_abi(mx, &a, &n);

	if (err)
		return err;
	for (i = 0; i < n; i++) {
		snprintf(text, sizeof(text), "%s kernels (%zu of %zu): %s", a[i].model->distro,
			 a[i].nr_kernels, mx->nr_kernels, a[i].model->summary);
		line(ctx, text);
		if (!a[i].model->stable_kabi)
			continue;
		/* per kABI stream: where a module loads on one kernel, one binary
		 * serves the stream's kernels */
		for (s = 0; s < a[i].nr_streams; s++) {
			const struct kbtf_report_stream *st = &a[i].streams[s];

			kernel_list(mx, st->kernels, st->nr_kernels, list, sizeof(list));
			for (m = 0; m < mx->nr_modules; m++) {
				size_t ok = 0;

				for (k = 0; k < st->nr_kernels; k++)
					ok += kbtf_report_at(mx, m, st->kernels[k])->verdict ==
					      KBTF_VERDICT_OK;
				kbtf_report_module_label(kbtf_report_at(mx, m, 0), mod,
							 sizeof(mod));
				snprintf(
				    text, sizeof(text), "kABI stream %s (%s): %s %s", st->name,
				    list, mod,
				    ok == st->nr_kernels
					? "loads on every kernel of it: one binary serves them all"
				    : ok ? "loads on some of its kernels only: build for the "
					   "oldest kernel of the stream"
					 : "loads on none of its kernels: build against one of "
					   "them");
				line(ctx, text);
			}
		}
	}
	kbtf_report_abi_free(a, n);
	return 0;
}
