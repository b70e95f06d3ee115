// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The result of judging one (module, kernel) pair: names of verdicts and
 * load outcomes, building a result (result_build.h) and freeing it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "result_build.h"
#include "kbtf/validate.h"

const char *kbtf_verdict_str(enum kbtf_verdict v)
{
	switch (v) {
	case KBTF_VERDICT_OK:
		return "ok";
	case KBTF_VERDICT_NO_DISTILLED:
		return "no-distilled-support";
	case KBTF_VERDICT_BTF_REJECTED:
		return "btf-rejected";
	case KBTF_VERDICT_SYMBOLS:
		return "symbols";
	case KBTF_VERDICT_ERROR:
		return "error";
	}
	return "?";
}

const char *kbtf_load_str(enum kbtf_load l)
{
	switch (l) {
	case KBTF_LOAD_UNKNOWN:
		return "unknown";
	case KBTF_LOAD_OK:
		return "loads";
	case KBTF_LOAD_NO_BTF:
		return "loads-without-btf";
	case KBTF_LOAD_REFUSED:
		return "refused";
	case KBTF_LOAD_NO_BTF_OR_REFUSED:
		return "loads-without-btf-or-refused";
	case KBTF_LOAD_WRONG_BTF:
		return "loads-with-wrong-btf";
	}
	return "?";
}

static char *vstrf(struct kbtf_rb *rb, const char *fmt, va_list ap) KBTF_PRINTF(2, 0);

static char *vstrf(struct kbtf_rb *rb, const char *fmt, va_list ap)
{
	char *s = NULL;

	if (vasprintf(&s, fmt, ap) < 0) {
		rb->err = -ENOMEM;
		return NULL;
	}
	return s;
}

char *kbtf_rb_strf(struct kbtf_rb *rb, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = vstrf(rb, fmt, ap);
	va_end(ap);
	return s;
}

void kbtf_rb_set(struct kbtf_rb *rb, char **dst, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = vstrf(rb, fmt, ap);
	va_end(ap);
	if (!s)
		return;
	free(*dst);
	*dst = s;
}

void kbtf_rb_field(struct kbtf_rb *rb, char **field, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (!field)
		return;
	va_start(ap, fmt);
	s = vstrf(rb, fmt, ap);
	va_end(ap);
	if (!s)
		return;
	free(*field);
	*field = s;
}

static void *grow(struct kbtf_rb *rb, void *arr, size_t *cap, size_t n, size_t elem)
{
	void *p;
	size_t ncap;

	if (n < *cap)
		return arr;
	ncap = *cap ? *cap * 2 : 4;
	p = realloc(arr, ncap * elem);
	if (!p) {
		rb->err = -ENOMEM;
		return NULL;
	}
	*cap = ncap;
	return p;
}

struct kbtf_problem *kbtf_rb_problem(struct kbtf_rb *rb, enum kbtf_problem_kind kind,
				     const char *name, const char *reason)
{
	struct kbtf_result *r = rb->r;
	struct kbtf_problem *arr, *p;

	arr = grow(rb, r->problems, &rb->cap_problems, r->nr_problems, sizeof(*arr));
	if (!arr)
		return NULL;
	r->problems = arr;
	p = &arr[r->nr_problems];
	memset(p, 0, sizeof(*p));
	p->kind = kind;
	p->name = strdup(name ? name : "");
	p->reason = strdup(reason);
	if (!p->name || !p->reason) {
		free(p->name);
		free(p->reason);
		rb->err = -ENOMEM;
		return NULL;
	}
	r->nr_problems++;
	return p;
}

struct kbtf_warning *kbtf_rb_warning(struct kbtf_rb *rb, enum kbtf_severity sev, const char *kind,
				     const char *name, const char *fmt, ...)
{
	struct kbtf_result *r = rb->r;
	struct kbtf_warning *arr, *w;
	va_list ap;

	arr = grow(rb, r->warnings, &rb->cap_warnings, r->nr_warnings, sizeof(*arr));
	if (!arr)
		return NULL;
	r->warnings = arr;
	w = &arr[r->nr_warnings];
	memset(w, 0, sizeof(*w));
	w->severity = sev;
	w->kind = strdup(kind);
	w->name = strdup(name ? name : "");
	va_start(ap, fmt);
	w->message = vstrf(rb, fmt, ap);
	va_end(ap);
	if (!w->kind || !w->name || !w->message) {
		free(w->kind);
		free(w->name);
		free(w->message);
		rb->err = -ENOMEM;
		return NULL;
	}
	r->nr_warnings++;
	return w;
}

void kbtf_rb_detail(struct kbtf_rb *rb, struct kbtf_warning *w, const char *fmt, ...)
{
	char **arr, *s;
	va_list ap;

	if (!w)
		return;
	va_start(ap, fmt);
	s = vstrf(rb, fmt, ap);
	va_end(ap);
	if (!s)
		return;
	arr = realloc(w->details, sizeof(*arr) * (w->nr_details + 1));
	if (!arr) {
		free(s);
		rb->err = -ENOMEM;
		return;
	}
	w->details = arr;
	arr[w->nr_details++] = s;
}

void kbtf_rb_log(struct kbtf_rb *rb, const char *fmt, ...)
{
	struct kbtf_result *r = rb->r;
	char *line, *all;
	va_list ap;

	va_start(ap, fmt);
	line = vstrf(rb, fmt, ap);
	va_end(ap);
	if (!line)
		return;
	if (asprintf(&all, "%s%s%s", r->kernel_log ? r->kernel_log : "",
		     r->kernel_log && *r->kernel_log ? "\n" : "", line) < 0) {
		rb->err = -ENOMEM;
		free(line);
		return;
	}
	free(line);
	free(r->kernel_log);
	r->kernel_log = all;
}

static void problem_fini(struct kbtf_problem *p)
{
	free(p->name);
	free(p->reason);
	free(p->expected);
	free(p->actual);
	free(p->detail);
}

static void warning_fini(struct kbtf_warning *w)
{
	size_t i;

	for (i = 0; i < w->nr_details; i++)
		free(w->details[i]);
	free(w->details);
	free(w->kind);
	free(w->name);
	free(w->message);
}

void kbtf_result_fini(struct kbtf_result *r)
{
	size_t i;

	for (i = 0; i < r->nr_problems; i++)
		problem_fini(&r->problems[i]);
	for (i = 0; i < r->nr_warnings; i++)
		warning_fini(&r->warnings[i]);
	free(r->problems);
	free(r->warnings);
	free(r->module);
	free(r->module_name);
	free(r->source);
	free(r->release);
	for (i = 0; i < r->nr_layers; i++)
		free(r->layers[i]);
	free(r->layers);
	free(r->summary);
	free(r->consequence);
	free(r->kernel_log);
	free(r->btf_form);
	free(r->reloc_log);
	memset(r, 0, sizeof(*r));
}

int kbtf_result_error(struct kbtf_result *r, const char *module, const char *source,
		      const char *why)
{
	memset(r, 0, sizeof(*r));
	r->verdict = KBTF_VERDICT_ERROR;
	r->allow_btf_mismatch = -1;
	r->reloc_err = -1;
	r->module = strdup(module ? module : "");
	r->source = strdup(source ? source : "");
	r->summary = strdup(why ? why : "could not be read");
	if (!r->module || !r->source || !r->summary) {
		kbtf_result_fini(r);
		return -ENOMEM;
	}
	return 0;
}

size_t kbtf_result_count(const struct kbtf_result *r, enum kbtf_problem_kind kind)
{
	size_t i, n = 0;

	for (i = 0; i < r->nr_problems; i++)
		n += r->problems[i].kind == kind;
	return n;
}

size_t kbtf_result_warnings(const struct kbtf_result *r, enum kbtf_severity sev)
{
	size_t i, n = 0;

	for (i = 0; i < r->nr_warnings; i++)
		n += r->warnings[i].severity == sev;
	return n;
}
